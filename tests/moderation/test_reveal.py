"""Revealing who is behind an alias: only with a reason, in the context of an escalation or flag, audited,
with a second moderator's approval below level 3, and visible to the student afterwards."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from moderation.models import AuditEntry, Escalation, Flag
from tests.conftest import frames_within, receive_until
from tests.moderation.test_queue import CRISIS, PHONE, PLAN, act, moderator_socket, say

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def scene(make_user, make_room, connect, sockets):
    room = await sync_to_async(make_room)(slug="burnout", title="Burnout & exhaustion")
    student = await sync_to_async(make_user)(username="s.okafor", first_name="Sade", last_name="Okafor")
    first = await sync_to_async(make_user)(role="moderator", username="mod1")
    second = await sync_to_async(make_user)(role="moderator", username="mod2")
    socket = await connect(student, room.slug)
    alias = (await socket.receive_json_from())["you"]["alias"]
    m1, m2 = await moderator_socket(sockets, first), await moderator_socket(sockets, second)
    await m1.receive_json_from()
    await m2.receive_json_from()
    return {"student": student, "socket": socket, "alias": alias, "m1": m1, "m2": m2}


async def test_level_three_reveals_at_once_to_the_requester_only(scene):
    await say(scene["socket"], PLAN, "p")
    escalation = await sync_to_async(Escalation.objects.get)()
    assert escalation.level == 3
    done = await act(scene["m1"], {"type": "identity.reveal", "escalation": escalation.pk, "reason": "imminent risk"})
    assert done["status"] == "revealed"
    revealed = await receive_until(scene["m1"], "identity.revealed")
    assert revealed["alias"] == scene["alias"]
    assert revealed["identity"] == {"username": "s.okafor", "name": "Sade Okafor", "email": "s.okafor@example.edu"}
    # Then a push to every moderator: the other moderator gets that, and nothing naming the student before it.
    await act(scene["m1"], {"type": "escalation.ack", "id": escalation.pk})
    frames = await frames_within(scene["m2"])
    assert "escalation.updated" in [f["type"] for f in frames], "the other moderator's socket gets the queue's pushes"
    assert not [f for f in frames if "Okafor" in str(f)], "only the requester learns it"
    assert await sync_to_async(AuditEntry.objects.filter(action="identity.reveal").count)() == 1


async def test_below_level_three_a_second_moderator_must_approve(scene):
    await say(scene["socket"], CRISIS, "c")
    escalation = await sync_to_async(Escalation.objects.get)()
    assert escalation.level < 3
    done = await act(scene["m1"], {"type": "identity.reveal", "escalation": escalation.pk, "reason": "worried"})
    assert done["status"] == "pending"
    assert not [f for f in await frames_within(scene["m1"]) if f["type"] == "identity.revealed"]
    request_id = (await receive_until(scene["m2"], "reveal.requested"))["request"]
    own = await act(scene["m1"], {"type": "identity.reveal.approve", "request": request_id})
    assert own["code"] == "forbidden"
    approved = await act(scene["m2"], {"type": "identity.reveal.approve", "request": request_id})
    assert approved["status"] == "revealed"
    assert (await receive_until(scene["m1"], "identity.revealed"))["identity"]["username"] == "s.okafor"
    again = await act(scene["m2"], {"type": "identity.reveal.approve", "request": request_id})
    assert again["code"] == "bad_request"


async def test_flags_need_approval_too_and_a_reason_and_context_are_required(scene):
    await say(scene["socket"], PHONE, "ph")
    flag = await sync_to_async(Flag.objects.get)()
    assert (await act(scene["m1"], {"type": "identity.reveal", "flag": flag.pk, "reason": "  "}))[
        "code"
    ] == "bad_request"
    no_context = await act(scene["m1"], {"type": "identity.reveal", "reason": "curious"})
    assert no_context["code"] == "bad_request"
    both = await act(scene["m1"], {"type": "identity.reveal", "flag": flag.pk, "escalation": 1, "reason": "x"})
    assert both["code"] == "bad_request"
    missing = await act(scene["m1"], {"type": "identity.reveal", "flag": 999, "reason": "x"})
    assert missing["code"] == "not_found"
    done = await act(scene["m1"], {"type": "identity.reveal", "flag": flag.pk, "reason": "doxxing risk"})
    assert done["status"] == "pending"


async def test_the_student_sees_when_why_and_by_which_role(scene):
    await say(scene["socket"], PLAN, "p")
    escalation = await sync_to_async(Escalation.objects.get)()
    await act(scene["m1"], {"type": "identity.reveal", "escalation": escalation.pk, "reason": "imminent risk"})

    def privacy_page():
        client = Client()
        client.force_login(scene["student"])
        return client.get("/privacy/").content.decode()

    page = await sync_to_async(privacy_page)()
    assert "imminent risk" in page and "a moderator" in page and "Burnout &amp; exhaustion" in page
    assert "mod1" not in page, "the student learns the role, not which moderator"


async def test_reporting_someone_else_at_risk_needs_a_second_moderator_whatever_the_level(scene):
    """The level of an about_other escalation is the friend's: the author is not the one in danger, so the
    level-3 rule (one moderator may reveal at once) must not apply to them."""
    await say(scene["socket"], "my roommate said she is going to kill herself tonight and has the pills ready", "o")
    escalation = await sync_to_async(Escalation.objects.get)()
    assert escalation.about_other and escalation.level == 3, "positive: a level-3 report about someone else"
    done = await act(scene["m1"], {"type": "identity.reveal", "escalation": escalation.pk, "reason": "find her"})
    assert done["status"] == "pending"
    assert not [f for f in await frames_within(scene["m1"]) if f["type"] == "identity.revealed"]
    assert await sync_to_async(AuditEntry.objects.filter(action="identity.reveal").count)() == 0
    request_id = (await receive_until(scene["m2"], "reveal.requested"))["request"]
    assert (await act(scene["m2"], {"type": "identity.reveal.approve", "request": request_id}))["status"] == "revealed"
    assert (await receive_until(scene["m1"], "identity.revealed"))["identity"]["username"] == "s.okafor"
