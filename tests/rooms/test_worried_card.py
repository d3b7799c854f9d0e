"""The quiet "If a message here worries you" card: the other members of a room a crisis message reached get it, at
most once per room per interval (a timestamp on the room, not process memory); it names no one and no message."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from rooms.models import Room
from tests.conftest import frames_within, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = "I don't want to be here anymore"  # level 1: reaches the room
PLAN = "I have a plan and I'm going to do it this weekend"  # level 3: held from the room by default


@pytest.fixture
async def room_of_three(make_user, make_room, connect, settings):
    settings.CRISIS_HOLD_LEVEL = 3
    room = await sync_to_async(make_room)(slug="burnout")
    author = await sync_to_async(make_user)(first_name="Priya", last_name="Raman")
    sockets = []
    for user in (author, await sync_to_async(make_user)(), await sync_to_async(make_user)()):
        socket = await connect(user, room.slug)
        await socket.receive_json_from()
        sockets.append(socket)
    return room, sockets


async def say(socket, body, client_id):
    await socket.send_json_to({"type": "message.send", "client_id": client_id, "body": body})
    return await receive_until(socket, "message.ack")


def worried_cards(frames):
    return [frame for frame in frames if frame["type"] == "worried_peer"]


async def test_other_members_get_the_card_the_author_does_not(room_of_three):
    _room, (author, peer1, peer2) = room_of_three
    ack = await say(author, CRISIS, "c1")
    assert ack["status"] == "delivered"
    for peer in (peer1, peer2):
        card = await receive_until(peer, "worried_peer")
        assert card["title"] == "If a message here worries you"
        assert any("moderator" in step for step in card["steps"]) and card["resources"]
        text = json.dumps(card)
        assert "Priya" not in text and CRISIS not in text and str(ack["seq"]) not in json.dumps(card.get("seq"))
        assert set(card) == {"type", "title", "message", "steps", "resources"}, "no seq, no author, no message"
    assert not worried_cards(await frames_within(author, 0.4)), "the author gets their own support card instead"


async def test_at_most_once_per_room_per_hour_counted_in_the_database(room_of_three):
    room, (author, peer1, _peer2) = room_of_three
    await say(author, CRISIS, "c1")
    await receive_until(peer1, "worried_peer")
    sent_at = (await sync_to_async(Room.objects.get)(pk=room.pk)).worried_card_sent_at
    assert sent_at is not None

    await say(peer1, "I really don't want to be here anymore", "c2")  # another crisis message, another author
    assert not worried_cards(await frames_within(author, 0.4)), "not twice within the hour"

    # The limit lives on the room row: move it back past the hour, as a restart or another process would see it.
    await sync_to_async(Room.objects.filter(pk=room.pk).update)(worried_card_sent_at=sent_at - timedelta(minutes=61))
    await say(author, CRISIS + " again", "c3")
    assert (await receive_until(peer1, "worried_peer"))["type"] == "worried_peer"
    assert (await sync_to_async(Room.objects.get)(pk=room.pk)).worried_card_sent_at > sent_at


async def test_no_card_for_a_held_crisis_or_an_ordinary_message(room_of_three):
    room, (author, peer1, _peer2) = room_of_three
    assert (await say(author, PLAN, "p1"))["status"] == "held"
    await say(author, "anyone want coffee before rounds?", "o1")
    assert not worried_cards(await frames_within(peer1, 0.5)), "a held message never reached the room"
    assert (await sync_to_async(Room.objects.get)(pk=room.pk)).worried_card_sent_at is None


async def test_the_interval_is_a_setting(room_of_three, settings):
    settings.CHAT_WORRIED_CARD_INTERVAL_SECONDS = 0
    room, (author, peer1, _peer2) = room_of_three
    await say(author, CRISIS, "c1")
    await receive_until(peer1, "worried_peer")
    await say(author, CRISIS + " still", "c2")
    assert (await receive_until(peer1, "worried_peer"))["type"] == "worried_peer"
    assert timezone.now() - (await sync_to_async(Room.objects.get)(pk=room.pk)).worried_card_sent_at < timedelta(
        seconds=5
    )
