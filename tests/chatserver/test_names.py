"""Names cannot impersonate: no role badge in the name, no alias look-alikes, no invisible or bidi characters.

Every place a name is set is checked (sign-up, createuser, the admin's forms), and a name that slipped in
before (or an alias an operator set by hand) cannot be switched to in a room where it would pass for an alias.
"""

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from chatserver.admin import ChatUserAdmin
from chatserver.models import User
from rooms import services
from rooms.protocol import ProtocolError

pytestmark = pytest.mark.django_db

PASSPHRASE = "a long and unusual passphrase"

BADGE_IMITATIONS = [
    "Chen · mentor",
    "Chen (mentor)",
    "Chen [Mentor]",
    "Chen - moderator",
    "Chen | Facilitator",
    "Chen, staff",
    "Chen mentor",
    "Chen ·m\u0435ntor",  # a Cyrillic e
    "Chen · \uff4d\uff45\uff4e\uff54\uff4f\uff52",  # full-width letters
    "Chen ✓ MODERATOR",
    "Moderator",
]
ALIAS_SHAPES = ["Quiet Heron", "quiet heron", "Quiet  Heron", "Quiet-Heron", "QuietHeron", "Quiet Heron 4821"]
INVISIBLE = [
    "Chen\u202e",  # right-to-left override
    "Ch\u202een",
    "Ch\u200ben",  # zero-width space
    "Ch\u2066en\u2069",  # isolates
    "Ch\u200fen",  # right-to-left mark
    "Ch\u2028en",  # line separator
    "Ch\u0007en",  # a control character
    "Ch\u00adn",  # soft hyphen (format)
]
FINE = ["Chen", "Wei Chen", "Dementor", "Mentorship Lee", "Hazel M. Fox", "Ruby", "Zoë Ngô", "O'Brien-Smith", "李伟"]


def sign_up(**fields):
    data = {"username": "newperson", "password1": PASSPHRASE, "password2": PASSPHRASE, **fields}
    return Client().post("/accounts/signup/", data, REMOTE_ADDR="203.0.113.9")


@pytest.mark.parametrize("last_name", BADGE_IMITATIONS + ALIAS_SHAPES + INVISIBLE)
def test_sign_up_refuses_names_that_impersonate(last_name):
    response = sign_up(first_name="Wei", last_name=last_name)
    assert response.status_code == 200, "the form comes back with an error"
    assert not User.objects.filter(username="newperson").exists()
    errors = response.context["form"].errors
    assert "last_name" in errors, errors


@pytest.mark.parametrize(
    ("first_name", "last_name", "message"),
    [
        ("Wei", "Chen · mentor", "role"),
        ("Quiet", "Heron", "alias"),
        ("Wei", "Ch\u202een", "invisible"),
    ],
)
def test_the_refusal_says_why(first_name, last_name, message):
    errors = " ".join(sign_up(first_name=first_name, last_name=last_name).context["form"].errors["last_name"])
    assert message in errors.lower()


@pytest.mark.parametrize("username", ["quiet_heron", "QuietHeron", "chen_mentor", "chen.moderator", "staff"])
def test_a_username_shown_in_place_of_a_name_is_checked_too(username):
    response = sign_up(username=username)
    assert response.status_code == 200 and "username" in response.context["form"].errors
    assert not User.objects.filter(username=username).exists()


@pytest.mark.parametrize("name", FINE)
def test_ordinary_names_are_accepted(name):
    assert sign_up(first_name="Wei", last_name=name).status_code == 302, "positive: real names still work"
    assert User.objects.get(username="newperson").last_name == name


def run_createuser(*args):
    saved = sys.stdin
    sys.stdin = io.StringIO(f"{PASSPHRASE}\n")
    try:
        call_command("createuser", *args, "--password-stdin", stdout=io.StringIO())
    finally:
        sys.stdin = saved


@pytest.mark.parametrize(
    "args",
    [
        ("drchen", "--role", "student", "--first-name", "Wei", "--last-name", "Chen · mentor"),
        ("drchen", "--role", "student", "--first-name", "Quiet", "--last-name", "Heron"),
        ("drchen", "--role", "student", "--last-name", "Ch\u202een"),
        ("quiet_heron", "--role", "student"),
    ],
)
def test_createuser_refuses_names_that_impersonate(args):
    with pytest.raises(CommandError, match="name"):
        run_createuser(*args)
    assert not User.objects.filter(username=args[0]).exists()


def test_createuser_accepts_a_real_mentor():
    run_createuser("drchen", "--role", "mentor", "--first-name", "Wei", "--last-name", "Chen")
    assert User.objects.get(username="drchen").display_name == "Wei Chen"


def test_the_admin_forms_check_names(make_user):
    user = make_user()
    data = {
        "username": user.username,
        "first_name": "Wei",
        "last_name": "Chen",
        "email": "",
        "role": "student",
        "date_joined": "2026-01-01 00:00:00",
        "is_active": "on",
    }
    valid = ChatUserAdmin.form(instance=user, data=data)
    assert valid.is_valid(), valid.errors
    change = ChatUserAdmin.form(instance=user, data={**data, "last_name": "Chen (staff)"})
    assert not change.is_valid() and list(change.errors) == ["last_name"]
    new = {"username": "wei.chen", "password1": PASSPHRASE, "password2": PASSPHRASE, "usable_password": "true"}
    assert ChatUserAdmin.add_form(data=new).is_valid(), "positive"
    add = ChatUserAdmin.add_form(data={**new, "username": "quiet_heron"})
    assert not add.is_valid() and list(add.errors) == ["username"]


def test_a_name_from_before_the_rules_cannot_be_switched_to_where_it_would_pass_for_an_alias(make_user, make_room):
    room = make_room()
    member = services.do_join_room(make_user(), room)
    legacy = make_user(first_name=member.alias.split()[0], last_name=member.alias.split()[1])
    other = services.do_join_room(legacy, room)
    with pytest.raises(ProtocolError) as refused:
        services.do_set_identity(other.pk, anonymous=False)
    assert refused.value.code == "forbidden" and "alias" in refused.value.detail
    fine = services.do_join_room(make_user(first_name="Wei", last_name="Chen"), room)
    assert services.do_set_identity(fine.pk, anonymous=False).is_anonymous is False, "positive: real names work"
