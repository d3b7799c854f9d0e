"""Report-to-hide: brand-new accounts can alert moderators, but cannot hide a message by themselves."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from moderation.models import Flag
from rooms.models import Message
from tests.conftest import receive_until

pytestmark = pytest.mark.django_db(transaction=True)

LONG_AGO = timezone.now() - timedelta(days=30)
ADVICE = "Interview season is survivable. Ask me anything about rank lists"


async def joined_socket(connect, user, slug="match"):
    socket = await connect(user, slug)
    await socket.receive_json_from()
    return socket


async def report(socket, seq, reason):
    await socket.send_json_to({"type": "message.report", "seq": seq, "reason": reason})
    await receive_until(socket, "report.ack")


async def visible_to_a_newcomer(connect, make_user, seq) -> bool:
    reader = await sync_to_async(make_user)(date_joined=LONG_AGO)
    joined = await (await connect(reader, "match")).receive_json_from()
    return seq in [m["seq"] for m in joined["history"]]


@pytest.fixture
async def mentor_message(make_user, make_room, connect):
    await sync_to_async(make_room)(slug="match")
    mentor = await sync_to_async(make_user)(role="mentor", username="dr_reyes", date_joined=LONG_AGO)
    socket = await joined_socket(connect, mentor)
    await socket.send_json_to({"type": "message.send", "client_id": "advice", "body": ADVICE})
    ack = await receive_until(socket, "message.ack")
    assert ack["status"] == "delivered"
    return ack["seq"]


async def test_three_brand_new_accounts_cannot_hide_a_mentors_message(mentor_message, make_user, connect, sockets):
    moderator = await sync_to_async(make_user)(role="moderator", date_joined=LONG_AGO)
    mod, _ = await sockets("/ws/moderation/", moderator)
    await mod.receive_json_from()
    for number in range(3):
        newcomer = await sync_to_async(make_user)(username=f"fresh{number}")  # signed up just now
        await report(await joined_socket(connect, newcomer), mentor_message, "wrong")

    assert await visible_to_a_newcomer(connect, make_user, mentor_message), "the room still sees the message"
    flag = (await receive_until(mod, "flag.new"))["flag"]
    while len(flag["reports"]) < 3:
        flag = (await receive_until(mod, "flag.updated"))["flag"]
    assert flag["message"]["seq"] == mentor_message, "moderators still get every report to review"


async def test_reports_from_established_members_still_hide_once_there_are_enough(
    mentor_message, make_user, connect, settings
):
    for number in range(5):
        newcomer = await sync_to_async(make_user)(username=f"fresh{number}")
        await report(await joined_socket(connect, newcomer), mentor_message, "wrong")
    for number in range(settings.CHAT_REPORTS_TO_HIDE - 1):
        member = await sync_to_async(make_user)(username=f"member{number}", date_joined=LONG_AGO)
        await report(await joined_socket(connect, member), mentor_message, "hurtful")
    assert await visible_to_a_newcomer(connect, make_user, mentor_message), "new accounts do not top up the count"

    last = await sync_to_async(make_user)(username="member_last", date_joined=LONG_AGO)
    await report(await joined_socket(connect, last), mentor_message, "hurtful")
    assert not await visible_to_a_newcomer(connect, make_user, mentor_message)
    assert (await sync_to_async(Message.objects.get)(seq=mentor_message)).state == "held"
    assert await sync_to_async(Flag.objects.filter(source="report").count)() == 1


async def test_how_new_counts_as_new_is_configurable(mentor_message, make_user, connect, settings):
    settings.CHAT_REPORT_MIN_ACCOUNT_AGE_HOURS = 0
    for number in range(settings.CHAT_REPORTS_TO_HIDE):
        newcomer = await sync_to_async(make_user)(username=f"fresh{number}")
        await report(await joined_socket(connect, newcomer), mentor_message, "wrong")
    assert not await visible_to_a_newcomer(connect, make_user, mentor_message)
