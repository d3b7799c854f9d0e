"""The room consumer through the real ASGI stack (session cookie, origin check, URL router)."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from rooms.models import Membership, Message, Report, Room
from tests.conftest import frames_within, receive_presence, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def room(make_room):
    return await sync_to_async(make_room)(slug="burnout", title="Burnout & exhaustion")


@pytest.fixture
async def alice(make_user):
    return await sync_to_async(make_user)(username="alice", first_name="Alice", last_name="Anders")


@pytest.fixture
async def bob(make_user):
    return await sync_to_async(make_user)(username="bob", first_name="Bob", last_name="Brown")


async def send(communicator, body, client_id):
    await communicator.send_json_to({"type": "message.send", "client_id": client_id, "body": body})
    return await receive_until(communicator, "message.ack")


async def expect_close(communicator, code):
    output = await communicator.receive_output(timeout=3)
    while output["type"] == "websocket.send":
        output = await communicator.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": code}


async def test_join_frame_has_room_identity_history_and_count(room, alice, connect):
    client = await connect(alice, room.slug)
    joined = await client.receive_json_from()
    assert joined["type"] == "room.joined"
    assert joined["room"]["slug"] == "burnout" and joined["room"]["title"] == "Burnout & exhaustion"
    assert joined["you"]["anonymous"] is True
    assert joined["you"]["alias"] and joined["you"]["name"] == joined["you"]["alias"]
    assert joined["history"] == [] and joined["last_seq"] == 0 and joined["has_more"] is False
    assert joined["online"] == 1


async def test_message_reaches_everyone_in_the_room_and_sender_gets_ack(room, alice, bob, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    b = await connect(bob, room.slug)
    await b.receive_json_from()

    ack = await send(a, "first night shift, anyone else awake?", "m-1")
    assert ack == {"type": "message.ack", "client_id": "m-1", "seq": 1, "status": "delivered"}
    for client in (a, b):
        message = await receive_until(client, "message")
        assert message["seq"] == 1
        assert message["body"] == "first night shift, anyone else awake?"
        assert message["author"]["anonymous"] is True
        assert message["author"]["role"] == "student"
    stored = await sync_to_async(Message.objects.get)(room=room, seq=1)
    assert stored.body == "first night shift, anyone else awake?"


async def test_message_does_not_reach_another_room(room, make_room, alice, bob, connect):
    other = await sync_to_async(make_room)(slug="exam-stress")
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    b = await connect(bob, other.slug)
    await b.receive_json_from()
    await send(a, "only for burnout", "m-1")
    await send(b, "only for exam-stress", "m-2")
    # Bob gets his own room's message, and not the other room's before it.
    assert [f["body"] for f in await frames_within(b) if f["type"] == "message"] == ["only for exam-stress"]


async def test_same_client_id_twice_gets_same_ack_and_creates_nothing(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    first = await send(a, "hello", "same-id")
    second = await send(a, "hello", "same-id")
    assert first == second
    assert await sync_to_async(Message.objects.filter(room=room).count)() == 1


async def test_resend_after_reconnect_is_idempotent(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    first = await send(a, "did this go through?", "flaky-1")
    await a.disconnect()
    again = await connect(alice, room.slug)
    await again.receive_json_from()
    assert await send(again, "did this go through?", "flaky-1") == first
    assert await sync_to_async(Message.objects.filter(room=room).count)() == 1


async def test_not_logged_in_is_closed_4401(room, connect):
    client = await connect(None, room.slug)
    await expect_close(client, 4401)


async def test_unknown_room_is_closed_4404(alice, connect):
    client = await connect(alice, "no-such-room")
    await expect_close(client, 4404)


async def test_inactive_room_is_closed_4404(room, alice, connect):
    await sync_to_async(Room.objects.filter(pk=room.pk).update)(is_active=False)
    client = await connect(alice, room.slug)
    await expect_close(client, 4404)


async def test_unknown_path_is_closed_4404(sockets):
    communicator, connected = await sockets("/ws/elsewhere/")
    assert connected
    await expect_close(communicator, 4404)


async def test_banned_member_is_closed_4403(room, alice, connect):
    first = await connect(alice, room.slug)
    await first.receive_json_from()
    await sync_to_async(Membership.objects.filter(user=alice, room=room).update)(is_banned=True)
    client = await connect(alice, room.slug)
    await expect_close(client, 4403)


async def test_foreign_origin_is_refused(room, alice, sockets):
    _communicator, connected = await sockets(f"/ws/rooms/{room.slug}/", alice, origin="https://evil.example")
    assert not connected


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("this is not json", "bad_request"),
        ('{"type": "message.send"}', "bad_request"),
        ('{"type": "warp.drive"}', "bad_request"),
        ('{"type": "history.fetch", "before_seq": "1"}', "bad_request"),
        (json.dumps({"type": "message.send", "client_id": "big", "body": "x" * 4001}), "too_long"),
        ('{"type": "message.report", "seq": 999, "reason": "rude"}', "not_found"),
    ],
)
async def test_bad_frames_get_error_and_connection_stays_open(room, alice, connect, frame, code):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    await a.send_to(text_data=frame)
    error = await receive_until(a, "error")
    assert error["code"] == code and error["detail"]
    # Still connected and working.
    assert (await send(a, "still here", "after-error"))["status"] == "delivered"


async def test_binary_frame_is_bad_request_and_connection_stays_open(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    await a.send_to(bytes_data=b"\x89PNG")
    assert (await receive_until(a, "error"))["code"] == "bad_request"
    await a.send_json_to({"type": "ping"})
    assert (await receive_until(a, "pong"))["type"] == "pong"


async def test_too_long_error_names_the_client_id(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    await a.send_json_to({"type": "message.send", "client_id": "long-1", "body": "y" * 5000})
    error = await receive_until(a, "error")
    assert error["code"] == "too_long" and error["client_id"] == "long-1"


async def test_rate_limit_refuses_the_eleventh_message_in_ten_seconds(room, alice, connect, settings):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    for number in range(10):
        assert (await send(a, f"message {number}", f"rl-{number}"))["status"] == "delivered"
    await a.send_json_to({"type": "message.send", "client_id": "rl-10", "body": "one too many"})
    error = await receive_until(a, "error")
    assert error == {
        "type": "error",
        "code": "rate_limited",
        "detail": error["detail"],
        "client_id": "rl-10",
    }
    assert await sync_to_async(Message.objects.filter(room=room).count)() == 10
    # A resend of an already stored message is not a new message and is not limited.
    assert (await send(a, "message 3", "rl-3"))["seq"] == 4


async def test_rate_limit_is_per_user_across_connections(room, alice, bob, connect, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 3
    a1 = await connect(alice, room.slug)
    await a1.receive_json_from()
    a2 = await connect(alice, room.slug)
    await a2.receive_json_from()
    b = await connect(bob, room.slug)
    await b.receive_json_from()
    await send(a1, "one", "1")
    await send(a2, "two", "2")
    await send(a1, "three", "3")
    await a2.send_json_to({"type": "message.send", "client_id": "4", "body": "four"})
    assert (await receive_until(a2, "error"))["code"] == "rate_limited"
    assert (await send(b, "bob is not limited", "b1"))["status"] == "delivered"


async def test_muted_member_gets_muted_error(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    until = timezone.now() + timedelta(minutes=10)
    await sync_to_async(Membership.objects.filter(user=alice, room=room).update)(muted_until=until)
    await a.send_json_to({"type": "message.send", "client_id": "m", "body": "can I talk?"})
    error = await receive_until(a, "error")
    assert error["code"] == "muted" and error["client_id"] == "m"
    await sync_to_async(Membership.objects.filter(user=alice, room=room).update)(
        muted_until=timezone.now() - timedelta(seconds=1)
    )
    assert (await send(a, "mute over", "m2"))["status"] == "delivered"


async def test_room_closed_for_posting_gets_room_closed_but_stays_readable(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    await send(a, "before closing", "c1")
    await sync_to_async(Room.objects.filter(pk=room.pk).update)(posting_open=False)
    await a.send_json_to({"type": "message.send", "client_id": "c2", "body": "after closing"})
    assert (await receive_until(a, "error"))["code"] == "room_closed"
    reader = await connect(alice, room.slug)
    joined = await reader.receive_json_from()
    assert [m["body"] for m in joined["history"]] == ["before closing"]
    assert joined["room"]["posting_open"] is False


async def test_reconnect_with_after_seq_returns_exactly_the_missed_messages(room, alice, bob, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    for number in range(1, 4):
        await send(a, f"before {number}", f"b{number}")
    b = await connect(bob, room.slug)
    joined = await b.receive_json_from()
    last_seen = joined["last_seq"]
    assert last_seen == 3
    await b.disconnect()
    for number in range(1, 6):
        await send(a, f"missed {number}", f"m{number}")

    back = await connect(bob, room.slug, after_seq=last_seen)
    replay = await back.receive_json_from()
    assert [m["seq"] for m in replay["history"]] == [4, 5, 6, 7, 8]
    assert [m["body"] for m in replay["history"]] == [f"missed {n}" for n in range(1, 6)]
    assert replay["has_more"] is False and replay["capped"] is False and replay["last_seq"] == 8


async def test_capped_replay_says_so_and_can_be_paged_forward(room, alice, bob, connect, settings):
    settings.CHAT_REPLAY_LIMIT = 3
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    for number in range(1, 8):
        await send(a, f"m{number}", f"c{number}")
    b = await connect(bob, room.slug, after_seq=0)
    replay = await b.receive_json_from()
    assert [m["seq"] for m in replay["history"]] == [1, 2, 3]
    assert replay["has_more"] is True and replay["capped"] is True
    await b.send_json_to({"type": "history.fetch", "after_seq": 3, "limit": 100})
    rest = await receive_until(b, "history")
    assert [m["seq"] for m in rest["messages"]] == [4, 5, 6, 7] and rest["has_more"] is False


async def test_bad_after_seq_gets_latest_history_and_an_error(room, alice, connect):
    a = await connect(alice, room.slug, query="after_seq=minus-one")
    joined = await a.receive_json_from()
    assert joined["type"] == "room.joined"
    assert (await a.receive_json_from())["code"] == "bad_request"


async def test_history_fetch_pages_backwards(room, alice, connect, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 100
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    for number in range(1, 13):
        await send(a, f"m{number}", f"c{number}")
    await a.send_json_to({"type": "history.fetch", "before_seq": 10, "limit": 4})
    page = await receive_until(a, "history")
    assert [m["seq"] for m in page["messages"]] == [6, 7, 8, 9] and page["has_more"] is True
    await a.send_json_to({"type": "history.fetch", "before_seq": 3, "limit": 4})
    page = await receive_until(a, "history")
    assert [m["seq"] for m in page["messages"]] == [1, 2] and page["has_more"] is False


async def test_join_history_is_the_latest_fifty(room, alice, bob, connect, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 1000
    settings.CHAT_FRAME_BURST = 1000  # 55 frames from one socket, as fast as the acks come back
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    for number in range(1, 56):
        await send(a, f"m{number}", f"c{number}")
    b = await connect(bob, room.slug)
    joined = await b.receive_json_from()
    assert [m["seq"] for m in joined["history"]] == list(range(6, 56))
    assert joined["has_more"] is True


async def test_report_is_stored_once_and_acknowledged(room, alice, bob, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    b = await connect(bob, room.slug)
    await b.receive_json_from()
    ack = await send(a, "something hurtful", "r1")
    for _ in range(2):
        await b.send_json_to({"type": "message.report", "seq": ack["seq"], "reason": "this hurt"})
        assert await receive_until(b, "report.ack") == {"type": "report.ack", "seq": ack["seq"]}
    assert await sync_to_async(Report.objects.count)() == 1


async def test_cannot_report_own_message(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    ack = await send(a, "mine", "own")
    await a.send_json_to({"type": "message.report", "seq": ack["seq"], "reason": "oops"})
    assert (await receive_until(a, "error"))["code"] == "forbidden"


async def test_presence_counts_people_and_is_pushed_on_change(room, alice, bob, connect):
    a = await connect(alice, room.slug)
    assert (await a.receive_json_from())["online"] == 1
    b = await connect(bob, room.slug)
    assert (await b.receive_json_from())["online"] == 2
    await receive_presence(a, 2)
    second_tab = await connect(bob, room.slug)
    assert (await second_tab.receive_json_from())["online"] == 2, "two tabs are one person"
    await b.disconnect()
    # One of Bob's two tabs closed: he is still online.
    assert all(f["online"] == 2 for f in await frames_within(a) if f["type"] == "presence")
    await second_tab.disconnect()
    await receive_presence(a, 1)


async def test_identity_switch_affects_future_messages_only(room, alice, bob, connect):
    a = await connect(alice, room.slug)
    joined = await a.receive_json_from()
    alias = joined["you"]["alias"]
    b = await connect(bob, room.slug)
    await b.receive_json_from()
    await send(a, "as my alias", "i1")
    await a.send_json_to({"type": "identity.set", "anonymous": False})
    identity = await receive_until(a, "identity")
    assert identity == {"type": "identity", "alias": alias, "anonymous": False, "name": "Alice Anders"}
    await send(a, "as myself", "i2")
    first = await receive_until(b, "message")
    second = await receive_until(b, "message")
    assert first["author"] == {"name": alias, "anonymous": True, "role": "student"}
    assert second["author"] == {"name": "Alice Anders", "anonymous": False, "role": "student"}
    later = await connect(bob, room.slug)
    history = (await later.receive_json_from())["history"]
    assert [m["author"]["name"] for m in history] == [alias, "Alice Anders"]


async def test_identity_switch_refused_where_policy_forbids(make_room, alice, make_user, connect):
    required = await sync_to_async(make_room)(slug="imposter", anonymity="required")
    named_only = await sync_to_async(make_room)(slug="wellness", anonymity="off")
    a = await connect(alice, required.slug)
    await a.receive_json_from()
    await a.send_json_to({"type": "identity.set", "anonymous": False})
    assert (await receive_until(a, "error"))["code"] == "forbidden"
    w = await connect(alice, named_only.slug)
    assert (await w.receive_json_from())["you"]["anonymous"] is False
    await w.send_json_to({"type": "identity.set", "anonymous": True})
    assert (await receive_until(w, "error"))["code"] == "forbidden"


async def test_mentor_always_posts_under_name_with_badge(room, make_user, bob, connect):
    mentor = await sync_to_async(make_user)(role="mentor", first_name="Ana", last_name="Reyes")
    m = await connect(mentor, room.slug)
    joined = await m.receive_json_from()
    assert joined["you"]["anonymous"] is False
    await m.send_json_to({"type": "identity.set", "anonymous": True})
    assert (await receive_until(m, "error"))["code"] == "forbidden"
    b = await connect(bob, room.slug)
    await b.receive_json_from()
    await send(m, "happy to answer questions about residency", "mentor-1")
    message = await receive_until(b, "message")
    assert message["author"] == {"name": "Ana Reyes", "anonymous": False, "role": "mentor"}


async def test_client_id_is_only_shown_to_its_author(room, alice, bob, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    await send(a, "hello", "alice-private-id")
    b = await connect(bob, room.slug)
    assert (await b.receive_json_from())["history"][0]["client_id"] is None
    a2 = await connect(alice, room.slug)
    assert (await a2.receive_json_from())["history"][0]["client_id"] == "alice-private-id"
