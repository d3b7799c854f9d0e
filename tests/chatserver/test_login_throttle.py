"""Log-in throttling: repeated failed log-ins lock the account and the network address for a while.

The throttle runs with django-axes enabled, exactly as in production; every test gets a fresh database,
so no lockout carries over from one test to the next.
"""

import pytest
from django.conf import settings
from django.test import AsyncClient, Client

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RIGHT = "correct horse battery"  # the password make_user gives every account
ATTACKER = "198.51.100.7"


def attempt(client, username, password, ip=ATTACKER):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_forty_wrong_passwords_lock_the_account_even_against_the_right_one(make_user):
    make_user(username="maya")
    # Spread over many addresses, as a botnet would: the account itself locks.
    for number in range(40):
        attempt(Client(), "maya", f"guess-{number}", ip=f"203.0.113.{number}")
    client = Client()
    response = attempt(client, "maya", RIGHT, ip="192.0.2.1")
    assert response.status_code == 429
    assert not logged_in(client)


def test_a_few_typos_lock_nobody_out(make_user):
    make_user(username="sam")
    client = Client()
    for number in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert attempt(client, "sam", f"typo-{number}").status_code == 200
    assert attempt(client, "sam", RIGHT).status_code == 302
    assert logged_in(client)


def test_guessing_many_accounts_from_one_address_locks_that_address_only(make_user):
    make_user(username="jordan")
    for number in range(40):
        attempt(Client(), f"student{number}", "password1", ip=ATTACKER)
    blocked = Client()
    assert attempt(blocked, "jordan", RIGHT, ip=ATTACKER).status_code == 429
    assert not logged_in(blocked)
    elsewhere = Client()
    assert attempt(elsewhere, "jordan", RIGHT, ip="192.0.2.50").status_code == 302, "jordan is fine elsewhere"


def test_lockout_page_says_what_happened_and_how_long(make_user):
    make_user(username="maya")
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(Client(), "maya", f"guess-{number}")
    response = attempt(Client(), "maya", RIGHT, ip="192.0.2.1")
    page = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed log-ins" in page
    assert f"{settings.LOGIN_LOCKOUT_MINUTES} minutes" in page
    assert 'name="username"' in page and 'value="maya"' in page, "the form is still there, filled in"


@pytest.mark.django_db(transaction=True)
async def test_lockout_is_reported_the_same_way_under_the_asgi_server(make_user):
    # Daphne runs the middleware chain asynchronously: django-axes has a separate code path there.
    from asgiref.sync import sync_to_async

    await sync_to_async(make_user)(username="maya")
    client = AsyncClient()
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        await client.post(LOGIN, {"username": "maya", "password": f"guess-{number}"}, REMOTE_ADDR=ATTACKER)
    response = await client.post(LOGIN, {"username": "maya", "password": RIGHT}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()


def test_logging_in_to_your_own_account_between_guesses_does_not_reset_the_count(make_user):
    make_user(username="victim")
    make_user(username="attacker")
    below_the_limit = settings.LOGIN_FAILURE_LIMIT - 1
    for round_ in range(4):
        for number in range(below_the_limit):
            attempt(Client(), "victim", f"guess-{round_}-{number}")
        attempt(Client(), "attacker", RIGHT)  # a success must not wipe the failures counted so far
    assert attempt(Client(), "victim", RIGHT, ip="192.0.2.1").status_code == 429
