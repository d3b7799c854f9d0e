"""Sign-up abuse: how many accounts one network address may create, and who may sign up at all."""

import itertools
import sys

import pytest
from django.conf import settings
from django.test import Client

from chatserver.models import User

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
PASSPHRASE = "a long and unusual passphrase"
ADDRESS = "198.51.100.20"
_addresses = (f"198.51.100.{n}" for n in itertools.count(21))


@pytest.fixture(autouse=True)
def _own_address(monkeypatch):
    """Each test signs up from its own address: with Redis the per-address window outlives a test."""
    monkeypatch.setattr(sys.modules[__name__], "ADDRESS", next(_addresses))


def sign_up(username, *, ip=None, email="", client=None):
    client = client or Client()
    data = {"username": username, "password1": PASSPHRASE, "password2": PASSPHRASE, "email": email}
    return client.post(SIGNUP, data, REMOTE_ADDR=ip or ADDRESS)


def test_ten_sign_ups_from_one_address_in_a_row_are_not_all_accepted():
    responses = [sign_up(f"sock{number}") for number in range(10)]
    assert User.objects.count() < 10
    refused = responses[-1]
    assert refused.status_code == 429
    assert not User.objects.filter(username="sock9").exists()


def test_the_limit_is_a_small_number_per_address_and_the_refusal_says_why():
    for number in range(settings.SIGNUP_RATE_LIMIT):
        assert sign_up(f"student{number}").status_code == 302
    refused = sign_up("one_too_many")
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "Too many new accounts from your network" in page and "hour" in page
    assert 'value="one_too_many"' in page, "the form keeps what the person typed"
    assert sign_up("from_elsewhere", ip="192.0.2.9").status_code == 302, "other addresses are not affected"


def test_a_form_with_mistakes_does_not_use_up_the_limit():
    for number in range(settings.SIGNUP_RATE_LIMIT + 3):
        client = Client()
        data = {"username": f"typo{number}", "password1": PASSPHRASE, "password2": "does not match"}
        assert client.post(SIGNUP, data, REMOTE_ADDR=ADDRESS).status_code == 200
    assert sign_up("finally_right").status_code == 302


@pytest.mark.django_db(transaction=True)
async def test_the_sign_up_limit_holds_under_the_asgi_server():
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    statuses = []
    for number in range(settings.SIGNUP_RATE_LIMIT + 1):
        data = {"username": f"async{number}", "password1": PASSPHRASE, "password2": PASSPHRASE}
        statuses.append((await AsyncClient().post(SIGNUP, data, REMOTE_ADDR=ADDRESS)).status_code)
    assert statuses == [302] * settings.SIGNUP_RATE_LIMIT + [429]
    assert await sync_to_async(User.objects.count)() == settings.SIGNUP_RATE_LIMIT


def test_a_school_deployment_accepts_only_its_own_email_domains(settings):
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = ["med.example.edu", "example.edu"]
    for username, email in [
        ("outsider", "someone@gmail.com"),
        ("lookalike", "someone@example.edu.evil.test"),
        ("suffix", "someone@notexample.edu"),
        ("no_email", ""),
    ]:
        refused = sign_up(username, email=email)
        assert refused.status_code == 200, email
        page = refused.content.decode()
        assert "Use your school e-mail address" in page and "@med.example.edu" in page, email
        assert not User.objects.filter(username=username).exists(), email
    assert sign_up("insider", email="Student@MED.Example.edu").status_code == 302
    assert User.objects.get(username="insider").email.lower() == "student@med.example.edu"


def test_without_an_allow_list_any_email_or_none_will_do(settings):
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = []
    assert sign_up("gmail_user", email="someone@gmail.com").status_code == 302
    assert sign_up("no_email", ip="192.0.2.10").status_code == 302


def test_the_sign_up_page_says_which_addresses_are_accepted(client, settings):
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = ["med.example.edu"]
    page = client.get(SIGNUP).content.decode()
    assert "ending in @med.example.edu" in page
