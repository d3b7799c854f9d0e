"""Create users and logged-in sessions in a server's database; print their session keys as JSON.

Run in the server's environment (same DATABASE_URL): `python tests/integration/make_sessions.py PREFIX COUNT ROLE`.
Logging in thousands of users over HTTP would spend minutes hashing passwords; a session made here is
the same row Django's login() writes.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatserver.settings")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from chatserver.models import User  # noqa: E402


def main(prefix: str, count: int, role: str) -> None:
    users = [
        User(username=f"{prefix}{n}", first_name=f"Given{n}", last_name=f"Family{n}", role=role) for n in range(count)
    ]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    keys = []
    for user in User.objects.filter(username__startswith=prefix).order_by("id"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    print(json.dumps(keys))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "student")
