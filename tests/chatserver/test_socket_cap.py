"""How many WebSockets one account may hold open at once, across rooms, tabs and the moderator socket."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from tests.conftest import room_path

pytestmark = pytest.mark.django_db(transaction=True)

TOO_MANY_SOCKETS = 4429


@pytest.fixture
async def room(make_room):
    return await sync_to_async(make_room)(slug="burnout")


async def first_frame_or_close(communicator) -> dict:
    """Return the first frame the server sends, or {"close": code} if it closes the socket instead."""
    output = await communicator.receive_output(timeout=5)
    if output["type"] == "websocket.close":
        return {"close": output.get("code")}
    return {"frame": output["text"]}


async def test_one_account_cannot_open_hundreds_of_sockets(room, make_user, sockets):
    user = await sync_to_async(make_user)()
    outcomes = []
    for _ in range(settings.CHAT_MAX_SOCKETS_PER_USER + 5):
        communicator, connected = await sockets(room_path(room.slug), user)
        assert connected, "accepted first, so that the browser can read the close code"
        outcomes.append(await first_frame_or_close(communicator))
    cap = settings.CHAT_MAX_SOCKETS_PER_USER
    assert all("room.joined" in outcome["frame"] for outcome in outcomes[:cap])
    assert outcomes[cap:] == [{"close": TOO_MANY_SOCKETS}] * 5


async def test_the_cap_counts_rooms_and_the_moderator_socket_together(make_room, make_user, sockets, settings):
    settings.CHAT_MAX_SOCKETS_PER_USER = 3
    rooms = [await sync_to_async(make_room)(slug=slug) for slug in ("a", "b")]
    moderator = await sync_to_async(make_user)(role="moderator")
    for room_ in rooms:
        communicator, _ = await sockets(room_path(room_.slug), moderator)
        assert "room.joined" in (await first_frame_or_close(communicator))["frame"]
    dashboard, _ = await sockets("/ws/moderation/", moderator)
    assert "queue.snapshot" in (await first_frame_or_close(dashboard))["frame"]
    one_more, _ = await sockets(room_path("a"), moderator)
    assert await first_frame_or_close(one_more) == {"close": TOO_MANY_SOCKETS}


async def test_closing_a_socket_frees_its_place_and_others_are_not_affected(room, make_user, sockets, settings):
    settings.CHAT_MAX_SOCKETS_PER_USER = 2
    alice, bob = [await sync_to_async(make_user)() for _ in range(2)]
    first, _ = await sockets(room_path(room.slug), alice)
    await first_frame_or_close(first)
    second, _ = await sockets(room_path(room.slug), alice)
    await first_frame_or_close(second)
    refused, _ = await sockets(room_path(room.slug), alice)
    assert await first_frame_or_close(refused) == {"close": TOO_MANY_SOCKETS}

    others, _ = await sockets(room_path(room.slug), bob)
    assert "room.joined" in (await first_frame_or_close(others))["frame"], "a per-account cap, not a global one"

    await first.disconnect()
    again, _ = await sockets(room_path(room.slug), alice)
    assert "room.joined" in (await first_frame_or_close(again))["frame"]
