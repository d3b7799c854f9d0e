import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from chatserver.models import User
from rooms.personal_data import export_personal_data


class Command(BaseCommand):
    help = (
        "Print everything held about an account as JSON (what the student downloads from their Privacy page), "
        "for a request that reaches an operator by other means."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username!r}")
        self.stdout.write(json.dumps(export_personal_data(user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
