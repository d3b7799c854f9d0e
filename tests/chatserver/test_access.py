"""Powers follow the account, not the socket: a change of sign-in or role ends the user's open sockets.

Security review finding (high): a moderator demoted or deactivated kept full powers on a /ws/moderation/
socket opened before, and logging out or changing the password left room sockets posting and reading.
"""

import io

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from chatserver.models import User
from rooms.protocol import CLOSE_ACCESS_CHANGED, CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN
from tests.conftest import receive_until

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = "I don't want to be here anymore"


async def closed_with(socket, timeout: float = 3.0) -> int:
    """Return the close code the server sends next, skipping any frames before it."""
    while True:
        output = await socket.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output["code"]


@pytest.fixture
async def queue(make_user, make_room, sockets, connect):
    """A moderator watching the queue, and a student in a room."""
    room = await sync_to_async(make_room)(slug="burnout")
    moderator = await sync_to_async(make_user)(role="moderator", username="mod")
    student = await sync_to_async(make_user)(username="student")
    mod_socket, connected = await sockets("/ws/moderation/", moderator)
    assert connected
    assert (await mod_socket.receive_json_from())["type"] == "queue.snapshot"
    student_socket = await connect(student, room.slug)
    await receive_until(student_socket, "room.joined")
    return {"moderator": moderator, "mod": mod_socket, "student": student, "room": student_socket}


async def test_live_queue_reaches_a_moderator_before_any_change(queue):
    """The positive control for the tests below: the same set-up does deliver escalations."""
    await queue["room"].send_json_to({"type": "message.send", "client_id": "c1", "body": CRISIS})
    frame = await receive_until(queue["mod"], "escalation.new")
    assert frame["escalation"]["message"]["body"] == CRISIS


async def _set(user, **fields):
    def change():
        fresh = User.objects.get(pk=user.pk)
        for name, value in fields.items():
            setattr(fresh, name, value)
        fresh.save()

    await sync_to_async(change)()


@pytest.mark.parametrize("change", [{"role": "student"}, {"is_active": False}], ids=["demoted", "deactivated"])
async def test_a_changed_moderator_account_closes_the_queue_at_once(queue, sockets, change):
    await _set(queue["moderator"], **change)
    assert await closed_with(queue["mod"]) == CLOSE_ACCESS_CHANGED
    # Escalations raised afterwards reach nobody on that socket, and reconnecting is refused.
    await queue["room"].send_json_to({"type": "message.send", "client_id": "c1", "body": CRISIS})
    await receive_until(queue["room"], "message.ack")
    again, _ = await sockets("/ws/moderation/", queue["moderator"])
    expected = CLOSE_FORBIDDEN if "role" in change else CLOSE_NOT_LOGGED_IN
    assert await closed_with(again) == expected


async def test_demotion_through_the_createuser_command_closes_the_queue(queue):
    await sync_to_async(call_command)("createuser", "mod", "--role", "student", stdout=io.StringIO())
    assert await closed_with(queue["mod"]) == CLOSE_ACCESS_CHANGED


async def test_a_change_that_skipped_the_signal_is_still_caught_on_the_next_action(queue):
    """A bulk update sends no signal (and an event can be lost): actions re-read the account every frame."""
    await sync_to_async(User.objects.filter(pk=queue["moderator"].pk).update)(role="student")
    await queue["mod"].send_json_to({"type": "identity.reveal", "escalation": 1, "reason": "curious"})
    assert await closed_with(queue["mod"]) == CLOSE_FORBIDDEN


async def test_an_unchanged_moderator_keeps_acting(queue):
    await _set(queue["moderator"], first_name="Renamed")  # not a change of access
    await queue["mod"].send_json_to({"type": "ping"})
    assert (await queue["mod"].receive_json_from()) == {"type": "pong"}


async def _browser_session(user) -> tuple[Client, str]:
    def login():
        client = Client()
        client.force_login(user)
        return client, client.cookies[settings.SESSION_COOKIE_NAME].value

    return await sync_to_async(login)()


async def _student_in_a_room(make_user, make_room, sockets):
    """A student logged in through a browser session, with a socket joined to a room under that session."""
    room = await sync_to_async(make_room)(slug="exams")
    student = await sync_to_async(make_user)()
    client, cookie = await _browser_session(student)
    socket, connected = await sockets(f"/ws/rooms/{room.slug}/", student, cookie=cookie)
    assert connected
    await receive_until(socket, "room.joined")
    return room, student, client, cookie, socket


async def test_logging_out_closes_that_users_room_sockets_and_they_cannot_come_back(make_user, make_room, sockets):
    room, student, client, cookie, socket = await _student_in_a_room(make_user, make_room, sockets)
    response = await sync_to_async(client.post)("/accounts/logout/")
    assert response.status_code in (200, 302)
    assert await closed_with(socket) == CLOSE_ACCESS_CHANGED
    again, _ = await sockets(f"/ws/rooms/{room.slug}/", student, cookie=cookie)
    assert await closed_with(again) == CLOSE_NOT_LOGGED_IN


async def test_a_password_change_closes_sockets_and_only_the_changing_session_may_return(
    make_user, make_room, sockets
):
    room, student, _, other_cookie, other = await _student_in_a_room(make_user, make_room, sockets)

    def change_password():
        user = User.objects.get(pk=student.pk)
        user.set_password("a brand new passphrase 42")
        user.save()

    await sync_to_async(change_password)()
    assert await closed_with(other) == CLOSE_ACCESS_CHANGED
    again, _ = await sockets(f"/ws/rooms/{room.slug}/", student, cookie=other_cookie)
    assert await closed_with(again) == CLOSE_NOT_LOGGED_IN


async def test_deactivation_closes_room_sockets_and_nothing_more_is_posted(make_user, make_room, sockets, connect):
    room = await sync_to_async(make_room)(slug="exams")
    student = await sync_to_async(make_user)()
    peer = await sync_to_async(make_user)()
    socket = await connect(student, room.slug)
    await receive_until(socket, "room.joined")
    watcher = await connect(peer, room.slug)
    await receive_until(watcher, "room.joined")
    await _set(student, is_active=False)
    assert await closed_with(socket) == CLOSE_ACCESS_CHANGED
    await watcher.send_json_to({"type": "message.send", "client_id": "p1", "body": "anyone around?"})
    assert (await receive_until(watcher, "message"))["body"] == "anyone around?"
