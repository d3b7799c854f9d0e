from django.core.management.base import BaseCommand, CommandError

from chatserver.models import Role, User
from rooms.personal_data import do_delete_account


class Command(BaseCommand):
    help = (
        "Delete a student's account as the Privacy page does (messages become tombstones, aliases are unlinked), "
        "for a request that reaches an operator by other means (deleting a student in the admin does the same)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--yes", action="store_true", help="Confirm: this cannot be undone.")

    def handle(self, *args, username, yes, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username!r}")
        if user.role != Role.STUDENT:
            raise CommandError(
                "only student accounts are deleted; deactivate staff accounts (the audit log names them)"
            )
        if not yes:
            raise CommandError("this cannot be undone: run again with --yes")
        emptied = do_delete_account(user)
        self.stdout.write(f"deleted; {emptied} message(s) emptied into tombstones")
