import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from chatserver.models import Role, User
from chatserver.names import name_problems


class Command(BaseCommand):
    help = "Create or update an account with a role. The password is read from standard input."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from standard input (the first line). Without it the password is unchanged.",
        )
        parser.add_argument("--email", default=None)
        parser.add_argument("--first-name", default=None)
        parser.add_argument("--last-name", default=None)
        parser.add_argument(
            "--admin", action="store_true", help="Also give access to the Django admin (operators only)."
        )

    def handle(self, *args, username, role, password_stdin, email, first_name, last_name, admin, **options):
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
        user.role = role
        for field, value in (("email", email), ("first_name", first_name), ("last_name", last_name)):
            if value is not None:
                setattr(user, field, value.strip() if field != "email" else value)
        # Names others see follow the same rules as sign-up (chatserver/names.py).
        # The username only when it is new: createuser cannot change an existing one.
        for label, value in (
            ("username", user.username if created else ""),
            ("first name", user.first_name),
            ("last name", user.last_name),
            ("name", user.get_full_name()),
        ):
            problems = name_problems(value)
            if problems:
                raise CommandError(f"{label} {value!r} refused: " + " ".join(problems))
        if admin:
            user.is_staff = user.is_superuser = True
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("no password on standard input")
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError("password refused: " + " ".join(error.messages)) from None
            user.set_password(password)
        elif created:
            # No password given: the account exists but cannot log in until one is set.
            user.set_unusable_password()
        user.save()
        self.stdout.write(f"{'created' if created else 'updated'} {username} ({role})")
