import io

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from chatserver.models import User
from rooms.models import Room

pytestmark = pytest.mark.django_db


def run_createuser(stdin_text, *args):
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO(stdin_text)
    try:
        out = io.StringIO()
        call_command("createuser", *args, stdout=out)
        return out.getvalue()
    finally:
        sys.stdin = saved


def test_createuser_creates_then_updates(client):
    assert "created" in run_createuser("first strong passphrase\n", "drnguyen", "--role", "mentor", "--password-stdin")
    user = User.objects.get(username="drnguyen")
    assert user.role == "mentor" and user.check_password("first strong passphrase")
    assert "updated" in run_createuser(
        "second strong passphrase\n", "drnguyen", "--role", "moderator", "--password-stdin"
    )
    user.refresh_from_db()
    assert user.role == "moderator" and user.check_password("second strong passphrase")
    # django-axes, which throttles log-ins, needs the request it would see from the log-in page.
    assert client.login(request=HttpRequest(), username="drnguyen", password="second strong passphrase")


def test_createuser_refuses_weak_or_missing_password():
    with pytest.raises(CommandError, match="password refused"):
        run_createuser("123\n", "weak", "--role", "student", "--password-stdin")
    with pytest.raises(CommandError, match="no password"):
        run_createuser("", "empty", "--role", "student", "--password-stdin")
    assert not User.objects.filter(username__in=["weak", "empty"]).exists()


def test_createuser_refuses_unknown_role():
    with pytest.raises(CommandError):
        call_command("createuser", "x", "--role", "admin")


def test_seed_demo_is_idempotent_and_demo_accounts_need_debug(settings):
    settings.DEBUG = False
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert Room.objects.count() == 9
    assert all(room.description and room.guidelines for room in Room.objects.all())
    assert not User.objects.exists()
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {"student", "mentor", "facilitator", "moderator"}
    assert "mod_taylor" in out.getvalue()
    assert Room.objects.count() == 9
    # The mentor runs the Mentorship corner, where their office hours are sessions; seeding twice adds none.
    mentorship = Room.objects.get(slug="mentorship")
    assert list(mentorship.facilitators.values_list("username", flat=True)) == ["dr_reyes"]
    [office_hours] = mentorship.session_series.all()
    assert office_hours.facilitator.username == "dr_reyes" and office_hours.occurrences.count() == 9
