"""Every frame a socket sends draws on a budget (a token bucket), not only message.send.

The bucket's clock is frozen here (``rooms.ratelimit.monotonic``): the counts are exact, and time passes
only when a test moves the clock.
"""

import pytest
from asgiref.sync import sync_to_async

from rooms import ratelimit
from rooms.models import Message
from tests.conftest import receive_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ratelimit, "monotonic", lambda: now[0], raising=False)
    return now


@pytest.fixture
async def member(make_user, make_room, connect):
    await sync_to_async(make_room)(slug="burnout")
    socket = await connect(await sync_to_async(make_user)(), "burnout")
    await socket.receive_json_from()
    return socket


async def replies(socket, frames: list[dict]) -> list[dict]:
    """Send the frames and return one reply per frame (presence pushes skipped)."""
    for frame in frames:
        await socket.send_json_to(frame)
    answers = []
    while len(answers) < len(frames):
        reply = await socket.receive_json_from(timeout=5)
        if reply["type"] != "presence":
            answers.append(reply)
    return answers


FETCH = {"type": "history.fetch", "before_seq": 1000, "limit": 50}


async def test_a_flood_of_history_fetches_is_answered_with_rate_limited_beyond_the_budget(clock, member, settings):
    burst = settings.CHAT_FRAME_BURST
    answers = await replies(member, [FETCH] * (burst + 20))
    assert [a["type"] for a in answers[:burst]] == ["history"] * burst
    refused = answers[burst:]
    assert all(a["type"] == "error" and a["code"] == "rate_limited" for a in refused)
    assert "frames" in refused[0]["detail"]


async def test_identity_switches_draw_on_the_same_budget_and_the_socket_recovers(clock, member, settings):
    burst = settings.CHAT_FRAME_BURST
    flip = [{"type": "identity.set", "anonymous": number % 2 == 0} for number in range(burst + 5)]
    answers = await replies(member, flip)
    assert [a["type"] for a in answers].count("identity") == burst
    assert answers[-1]["code"] == "rate_limited"
    # The connection stayed open: a moment later the same socket is served again.
    clock[0] += 1.0
    assert (await replies(member, [{"type": "ping"}])) == [{"type": "pong"}]


async def test_a_message_over_the_budget_is_refused_by_client_id_and_can_be_sent_again(clock, member, settings):
    await replies(member, [{"type": "ping"}] * settings.CHAT_FRAME_BURST)
    send = {"type": "message.send", "client_id": "kept-1", "body": "still here after the flood?"}
    [refused] = await replies(member, [send])
    assert refused["code"] == "rate_limited" and refused["client_id"] == "kept-1"
    assert await sync_to_async(Message.objects.count)() == 0
    clock[0] += 1.0
    await member.send_json_to(send)
    assert (await receive_until(member, "message.ack"))["status"] == "delivered"


async def test_the_moderator_socket_has_a_frame_budget_too(clock, make_user, sockets, settings):
    moderator = await sync_to_async(make_user)(role="moderator")
    socket, connected = await sockets("/ws/moderation/", moderator)
    assert connected
    await socket.receive_json_from()
    answers = await replies(socket, [{"type": "ping"}] * (settings.CHAT_FRAME_BURST + 1))
    assert answers[-2] == {"type": "pong"} and answers[-1]["code"] == "rate_limited"


def test_the_bucket_refills_at_its_rate_up_to_its_burst():
    bucket = ratelimit.TokenBucket(rate=20, burst=40, now=0.0)
    assert sum(bucket.take(0.0) for _ in range(100)) == 40
    assert sum(bucket.take(0.5) for _ in range(100)) == 10, "half a second refills 10 frames"
    assert sum(bucket.take(3600.0) for _ in range(100)) == 40, "never more than the burst"
