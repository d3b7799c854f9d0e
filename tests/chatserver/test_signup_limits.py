"""Sign-up abuse: how many accounts one network address may create, and who may sign up at all."""

import pytest
from django.conf import settings
from django.test import Client

from chatserver.models import User

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
PASSPHRASE = "a long and unusual passphrase"
ADDRESS = "198.51.100.20"


def sign_up(username, *, ip=ADDRESS, email="", client=None):
    client = client or Client()
    data = {"username": username, "password1": PASSPHRASE, "password2": PASSPHRASE, "email": email}
    return client.post(SIGNUP, data, REMOTE_ADDR=ip)


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
