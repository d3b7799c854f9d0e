"""Own messages edited and deleted, reactions, replies and read markers, over the room socket (docs/protocol.md)."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from moderation.models import Escalation, Flag
from rooms.models import Membership, Message, MessageRevision, Reaction
from tests.conftest import frames_within, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "text me any time at 415-555-0123"  # held: personal details in an anonymous post
CRISIS = "I don't want to be here anymore"


@pytest.fixture
async def room(make_room):
    return await sync_to_async(make_room)(slug="burnout", title="Burnout & exhaustion")


@pytest.fixture
async def alice(make_user):
    return await sync_to_async(make_user)(username="alice", first_name="Alice", last_name="Anders")


@pytest.fixture
async def bob(make_user):
    return await sync_to_async(make_user)(username="bob", first_name="Bob", last_name="Brown")


@pytest.fixture
async def pair(room, alice, bob, connect):
    """Alice and Bob connected; Alice has sent message 1."""
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    b = await connect(bob, room.slug)
    await b.receive_json_from()
    ack = await send(a, "first night on nights, anyone else awake?", "m-1")
    assert ack["seq"] == 1
    await receive_until(b, "message")
    await receive_until(a, "message")
    return a, b


async def send(client, body, client_id, **extra):
    await client.send_json_to({"type": "message.send", "client_id": client_id, "body": body, **extra})
    return await receive_until(client, "message.ack")


async def edit(client, seq, body):
    await client.send_json_to({"type": "message.edit", "seq": seq, "body": body})
    return await receive_one_of(client, {"message.edit.ack", "error"})


async def receive_one_of(client, types):
    while True:
        frame = await client.receive_json_from(timeout=3)
        if frame["type"] in types:
            return frame


async def still_connected(client):
    await client.send_json_to({"type": "ping"})
    assert (await receive_until(client, "pong")) == {"type": "pong"}


def stored(seq):
    return sync_to_async(Message.objects.get)(seq=seq)


# --- edits -----------------------------------------------------------------------------------------------


async def test_an_edit_reaches_the_room_marked_edited_and_the_old_words_stay_for_moderators(pair):
    a, b = pair
    ack = await edit(a, 1, "first night shift on nights, anyone else awake?")
    assert ack == {"type": "message.edit.ack", "seq": 1, "status": "edited"}
    for client in (a, b):
        updated = (await receive_until(client, "message.updated"))["message"]
        assert updated["seq"] == 1 and updated["body"] == "first night shift on nights, anyone else awake?"
        assert updated["edited_at"] and "revisions" not in updated and updated["client_id"] is None
    message = await stored(1)
    assert message.edited_at is not None
    revisions = await sync_to_async(list)(MessageRevision.objects.filter(message=message).values_list("kind", "body"))
    assert revisions == [("edited", "first night on nights, anyone else awake?")]


async def test_editing_someone_elses_message_is_forbidden_and_the_connection_stays(pair):
    _a, b = pair
    error = await edit(b, 1, "not mine to change")
    assert error["code"] == "forbidden" and error["seq"] == 1
    await still_connected(b)
    assert (await stored(1)).body == "first night on nights, anyone else awake?"


async def test_an_edit_after_the_window_is_refused(pair, settings):
    a, _b = pair
    await sync_to_async(Message.objects.filter(seq=1).update)(created_at=timezone.now() - timedelta(minutes=16))
    error = await edit(a, 1, "too late to change this")
    assert error["code"] == "edit_window_closed" and "15 minutes" in error["detail"]
    settings.CHAT_EDIT_WINDOW_SECONDS = 3600
    assert (await edit(a, 1, "with a longer window it works"))["status"] == "edited"
    await still_connected(a)


async def test_a_deleted_or_held_message_cannot_be_edited(pair):
    a, _b = pair
    held = await send(a, PHONE, "m-2")
    assert held["status"] == "held"
    assert (await edit(a, held["seq"], "no number now"))["code"] == "message_held"
    await a.send_json_to({"type": "message.delete", "seq": 1})
    await receive_until(a, "message.delete.ack")
    assert (await edit(a, 1, "back from the dead"))["code"] == "message_deleted"
    assert (await edit(a, 99, "no such message"))["code"] == "not_found"
    await still_connected(a)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "message.edit", "seq": 1}, "bad_request"),
        ({"type": "message.edit", "seq": 1, "body": "   "}, "bad_request"),
        ({"type": "message.edit", "seq": "1", "body": "x"}, "bad_request"),
        ({"type": "message.edit", "seq": 1, "body": "x" * 4001}, "too_long"),
        ({"type": "message.delete"}, "bad_request"),
        ({"type": "message.delete", "seq": 0}, "bad_request"),
        ({"type": "reaction.set", "seq": 1, "reaction": "thumbs_down", "on": True}, "bad_request"),
        ({"type": "reaction.set", "seq": 1, "reaction": "heart"}, "bad_request"),
        ({"type": "read", "seq": -1}, "bad_request"),
        ({"type": "message.send", "client_id": "r", "body": "x", "reply_to": "1"}, "bad_request"),
        ({"type": "message.send", "client_id": "r", "body": "x", "reply_to": 0}, "bad_request"),
    ],
)
async def test_malformed_change_frames_get_their_error_code(pair, frame, code):
    a, _b = pair
    await a.send_json_to(frame)
    assert (await receive_until(a, "error"))["code"] == code
    await still_connected(a)


async def test_an_edit_a_send_would_block_is_refused_and_the_words_stay(pair):
    a, b = pair
    ack = await edit(a, 1, "go kill yourself")
    assert ack["status"] == "blocked" and ack["reason"]
    assert (await stored(1)).body == "first night on nights, anyone else awake?"
    assert [f for f in await frames_within(b, 0.3) if f["type"] != "presence"] == []


async def test_an_edit_a_send_would_hold_leaves_the_room_until_a_moderator_looks(pair):
    a, b = pair
    ack = await edit(a, 1, PHONE)
    assert ack["status"] == "held" and "moderator" in ack["reason"]
    assert (await receive_until(b, "message.removed")) == {"type": "message.removed", "seq": 1}
    mine = (await receive_until(a, "message.updated"))["message"]
    assert mine["state"] == "held" and mine["mine"] is True
    assert (await stored(1)).state == "held"
    assert await sync_to_async(Flag.objects.filter(message__seq=1).exists)()


async def test_a_crisis_edit_escalates_and_brings_the_author_support_like_a_send(pair):
    a, b = pair
    ack = await edit(a, 1, CRISIS)
    assert ack["status"] in {"edited", "held"}
    support = await receive_until(a, "support")
    assert support["level"] >= 1
    assert await sync_to_async(Escalation.objects.filter(message__seq=1).exists)()
    assert all(f["type"] != "support" for f in await frames_within(b, 0.3))


async def test_an_edit_that_only_raises_a_flag_is_shown_and_flagged(pair):
    a, b = pair
    assert (await edit(a, 1, "oh drop dead, nights"))["status"] == "edited"
    assert (await receive_until(b, "message.updated"))["message"]["body"] == "oh drop dead, nights"
    assert await sync_to_async(Flag.objects.filter(message__seq=1).exists)()


# --- deletes -----------------------------------------------------------------------------------------------


async def test_delete_leaves_a_tombstone_for_the_room_and_keeps_the_words_for_moderators(pair):
    a, b = pair
    await b.send_json_to({"type": "reaction.set", "seq": 1, "reaction": "hug", "on": True})
    await receive_until(a, "reactions")
    await a.send_json_to({"type": "message.delete", "seq": 1})
    assert (await receive_until(a, "message.delete.ack")) == {"type": "message.delete.ack", "seq": 1}
    tombstone = (await receive_until(b, "message.updated"))["message"]
    assert tombstone["seq"] == 1 and tombstone["deleted"] is True and tombstone["body"] == ""
    assert "reactions" not in tombstone
    message = await stored(1)
    assert message.body == "" and message.deleted_at is not None
    revisions = await sync_to_async(list)(MessageRevision.objects.filter(message=message).values_list("kind", "body"))
    assert revisions == [("deleted", "first night on nights, anyone else awake?")]
    assert not await sync_to_async(Reaction.objects.exists)()
    # Deleting again changes nothing and is acknowledged again; someone else cannot delete it.
    await a.send_json_to({"type": "message.delete", "seq": 1})
    await receive_until(a, "message.delete.ack")
    await b.send_json_to({"type": "message.delete", "seq": 1})
    assert (await receive_until(b, "error"))["code"] == "forbidden"
    # History keeps the seq, without the words.
    await b.send_json_to({"type": "history.fetch", "before_seq": 10})
    history = (await receive_until(b, "history"))["messages"]
    assert [(m["seq"], m["body"], m.get("deleted")) for m in history] == [(1, "", True)]


async def test_a_reconnecting_client_learns_of_edits_and_deletions_of_messages_it_had(pair, bob, room, connect):
    a, _b = pair
    await send(a, "second message", "m-2")
    # Bob is away (he had seq 1 and 2); Alice edits one and deletes the other.
    await edit(a, 1, "edited while bob was away")
    await a.send_json_to({"type": "message.delete", "seq": 2})
    await receive_until(a, "message.delete.ack")
    back = await connect(bob, room.slug, after_seq=2)
    joined = await back.receive_json_from()
    changes = {c["seq"]: c for c in joined["changes"]}
    assert changes[1]["body"] == "edited while bob was away" and changes[1]["edited_at"]
    assert changes[2]["deleted"] is True and changes[2]["body"] == ""


# --- reactions ---------------------------------------------------------------------------------------------


async def test_reactions_are_counted_live_for_everyone_and_mine_only_for_me(pair, bob, room, connect):
    a, b = pair
    await b.send_json_to({"type": "reaction.set", "seq": 1, "reaction": "heart", "on": True})
    assert (await receive_until(a, "reactions")) == {"type": "reactions", "seq": 1, "counts": {"heart": 1}}
    assert (await receive_until(b, "reactions")) == {"type": "reactions", "seq": 1, "counts": {"heart": 1}}
    assert (await receive_until(b, "reactions"))["mine"] == ["heart"]
    await a.send_json_to({"type": "reaction.set", "seq": 1, "reaction": "me_too", "on": True})
    await a.send_json_to({"type": "reaction.set", "seq": 1, "reaction": "heart", "on": True})
    counts = (await receive_until(b, "reactions"))["counts"]
    assert counts == {"heart": 1, "me_too": 1}
    assert (await receive_until(b, "reactions"))["counts"] == {"heart": 2, "me_too": 1}
    # Setting what is set changes nothing: the socket is told what stands, the room nothing.
    await b.send_json_to({"type": "reaction.set", "seq": 1, "reaction": "heart", "on": True})
    assert (await receive_until(b, "reactions")) == {
        "type": "reactions",
        "seq": 1,
        "counts": {"heart": 2, "me_too": 1},
        "mine": ["heart"],
    }
    await b.send_json_to({"type": "reaction.set", "seq": 1, "reaction": "heart", "on": False})
    # b has read every frame before this one, so its next is the un-reaction, published after its commit (a still
    # holds older frames: waiting on a could read history before the commit).
    assert (await receive_until(b, "reactions"))["counts"] == {"heart": 1, "me_too": 1}
    # History carries counts, and each viewer's own.
    later = await connect(bob, room.slug)
    message = (await later.receive_json_from())["history"][0]
    assert message["reactions"] == {"heart": 1, "me_too": 1} and message["my_reactions"] == []
    assert await sync_to_async(Reaction.objects.count)() == 2


async def test_reacting_to_deleted_held_or_missing_messages_is_refused(pair):
    a, b = pair
    held = await send(a, PHONE, "m-2")
    await b.send_json_to({"type": "reaction.set", "seq": held["seq"], "reaction": "heart", "on": True})
    assert (await receive_until(b, "error"))["code"] == "not_found"
    await a.send_json_to({"type": "reaction.set", "seq": held["seq"], "reaction": "heart", "on": True})
    assert (await receive_until(a, "error"))["code"] == "message_held"
    await a.send_json_to({"type": "message.delete", "seq": 1})
    await receive_until(a, "message.delete.ack")
    await b.send_json_to({"type": "reaction.set", "seq": 1, "reaction": "heart", "on": True})
    error = await receive_until(b, "error")
    assert error["code"] == "message_deleted" and error["seq"] == 1
    await still_connected(b)


# --- replies -----------------------------------------------------------------------------------------------


async def test_a_reply_quotes_the_original_as_the_room_shows_it(pair, alice, room):
    a, b = pair
    alias = (await sync_to_async(Membership.objects.get)(user=alice, room=room)).alias
    ack = await send(b, "me too, ward 4", "r-1", reply_to=1)
    assert ack["status"] == "delivered"
    reply = await receive_until(a, "message")
    assert reply["reply_to"] == {
        "seq": 1,
        "author": {"name": alias, "anonymous": True, "role": "student"},
        "snippet": "first night on nights, anyone else awake?",
    }
    # Once the original is deleted, the quote says it is unavailable.
    await a.send_json_to({"type": "message.delete", "seq": 1})
    await receive_until(a, "message.delete.ack")
    await b.send_json_to({"type": "history.fetch", "before_seq": 10})
    history = (await receive_until(b, "history"))["messages"]
    assert history[1]["reply_to"] == {"seq": 1, "unavailable": True}


async def test_replying_to_a_missing_held_or_deleted_message_is_refused(pair):
    a, b = pair
    held = await send(a, PHONE, "m-2")
    await b.send_json_to({"type": "message.send", "client_id": "r-1", "body": "hm", "reply_to": held["seq"]})
    error = await receive_until(b, "error")
    assert error["code"] == "not_found" and error["client_id"] == "r-1"
    await a.send_json_to({"type": "message.delete", "seq": 1})
    await receive_until(a, "message.delete.ack")
    await b.send_json_to({"type": "message.send", "client_id": "r-2", "body": "hm", "reply_to": 1})
    assert (await receive_until(b, "error"))["code"] == "message_deleted"
    assert await sync_to_async(Message.objects.count)() == 2
    await still_connected(b)


# --- read markers and unread counts ------------------------------------------------------------------------


async def test_read_frames_move_the_marker_and_the_directory_counts_unread_messages(pair, bob, room):
    a, b = pair
    for number in range(3):
        await send(a, f"more news {number}", f"n-{number}")
    await b.send_json_to({"type": "read", "seq": 2})
    await still_connected(b)  # no reply to read; the ping orders the check after it
    membership = await sync_to_async(Membership.objects.get)(user=bob, room=room)
    assert membership.last_read_seq == 2

    def unread_for(user):
        client = Client()
        client.force_login(user)
        return {r["slug"]: r.get("unread") for r in client.get("/api/rooms/").json()["rooms"]}

    assert (await sync_to_async(unread_for)(bob))["burnout"] == 2
    # Never lowered, and never past the room's last seq.
    await b.send_json_to({"type": "read", "seq": 1})
    await b.send_json_to({"type": "read", "seq": 999})
    await still_connected(b)
    assert (await sync_to_async(Membership.objects.get)(pk=membership.pk)).last_read_seq == 4
    assert (await sync_to_async(unread_for)(bob))["burnout"] == 0


def test_unread_counts_leave_out_own_held_and_deleted_messages_and_rooms_never_joined(make_room, make_user):
    from rooms import edits, reads, services

    room, other = make_room(slug="nights"), make_room(slug="never-joined")
    reader, writer = make_user(), make_user()
    reader_membership = services.do_join_room(reader, room)
    writer_membership = services.do_join_room(writer, room)
    services.do_send_message(reader_membership.pk, "own", "my own words")  # seq 1: mine, never unread
    for number in range(4):  # seqs 2-5
        services.do_send_message(writer_membership.pk, f"w{number}", f"news number {number}")
    assert services.do_send_message(writer_membership.pk, "held", PHONE).status == "held"  # seq 6
    edits.do_delete_message(writer_membership.pk, 5)
    assert reads.unread_counts(reader, [room.pk, other.pk]) == {room.pk: 3}
    reads.do_mark_read(reader_membership.pk, 3)
    assert reads.unread_counts(reader, [room.pk, other.pk]) == {room.pk: 1}


async def test_a_held_edit_a_moderator_approves_comes_back_in_its_place_with_its_new_words(pair, make_user):
    from moderation.queue_actions import do_approve_message

    a, b = pair
    assert (await edit(a, 1, PHONE))["status"] == "held"
    await receive_until(b, "message.removed")
    moderator = await sync_to_async(make_user)(role="moderator")
    await sync_to_async(do_approve_message)(moderator, "burnout", 1)
    approved = await receive_until(b, "message")
    assert approved["seq"] == 1 and approved["body"] == PHONE and approved["edited_at"]


async def test_moderators_see_what_an_edit_replaced_and_what_a_deletion_took_away(pair):
    from moderation.payloads import flag_payload

    a, _b = pair
    assert (await edit(a, 1, "oh drop dead, nights"))["status"] == "edited"
    await a.send_json_to({"type": "message.delete", "seq": 1})
    await receive_until(a, "message.delete.ack")

    def payload():
        return flag_payload(Flag.objects.select_related("message__author", "room").get(message__seq=1))

    message = (await sync_to_async(payload)())["message"]
    assert message["deleted"] is True and message["body"] == ""
    assert [(r["kind"], r["body"]) for r in message["revisions"]] == [
        ("edited", "first night on nights, anyone else awake?"),
        ("deleted", "oh drop dead, nights"),
    ]


async def test_a_muted_member_cannot_edit_but_may_still_delete(pair, alice, room):
    a, b = pair
    await sync_to_async(Membership.objects.filter(user=alice, room=room).update)(
        muted_until=timezone.now() + timedelta(minutes=10)
    )
    error = await edit(a, 1, "new words while muted")
    assert error["code"] == "muted" and error["seq"] == 1
    await a.send_json_to({"type": "message.delete", "seq": 1})
    await receive_until(a, "message.delete.ack")
    assert (await receive_until(b, "message.updated"))["message"]["deleted"] is True
