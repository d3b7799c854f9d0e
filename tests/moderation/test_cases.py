"""A moderator's own cases and the reasons they give: Dismiss, hand-over, and every reason in the audit log."""

import pytest
from asgiref.sync import sync_to_async

from moderation.models import AuditEntry, Escalation, EscalationStatus, Flag, FlagStatus
from rooms.models import Membership, Message
from tests.conftest import frames_within, receive_until
from tests.moderation.test_queue import CRISIS, PHONE, act, moderator_socket, say, setup  # noqa: F401 (setup: a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

OPINION = "psych is not real medicine, change my mind"


async def audit_rows():
    return await sync_to_async(list)(AuditEntry.objects.order_by("id").values_list("action", "reason", "data"))


async def test_dismiss_closes_a_report_with_no_action_on_the_message(setup):  # noqa: F811
    ack = await say(setup["student"], OPINION, "o1")
    await setup["peer"].send_json_to({"type": "message.report", "seq": ack["seq"], "reason": "rude"})
    flag = (await receive_until(setup["mod"], "flag.new"))["flag"]
    assert flag["source"] == "report"

    done = await act(setup["mod"], {"type": "flag.dismiss", "id": flag["id"], "reason": "a fair opinion"})
    assert done == {"type": "action.done", "action": "flag.dismiss", "id": flag["id"]}
    assert (await receive_until(setup["mod"], "flag.updated"))["flag"]["status"] == "reviewed"
    assert (await sync_to_async(Flag.objects.get)(pk=flag["id"])).status == FlagStatus.REVIEWED
    assert (await sync_to_async(Message.objects.get)(seq=ack["seq"])).state == "visible", "the message stays"
    assert not [f for f in await frames_within(setup["peer"], 0.3) if f["type"] == "message.removed"]
    assert await audit_rows() == [("flag.dismiss", "a fair opinion", {"source": "report"})]

    again = await act(setup["mod"], {"type": "flag.dismiss", "id": flag["id"]})
    assert again["code"] == "bad_request", "a flag is reviewed once"
    assert (await act(setup["mod"], {"type": "flag.dismiss", "id": 9999}))["code"] == "not_found"
    # A new moderator's queue no longer lists it.
    assert (await sync_to_async(Flag.objects.filter(status="open").count)()) == 0


async def test_a_held_message_is_delivered_or_hidden_not_dismissed(setup):  # noqa: F811
    ack = await say(setup["student"], PHONE, "p1")
    assert ack["status"] == "held"
    flag = (await receive_until(setup["mod"], "flag.new"))["flag"]
    reply = await act(setup["mod"], {"type": "flag.dismiss", "id": flag["id"]})
    assert reply["code"] == "bad_request" and "deliver it or hide it" in reply["detail"]
    assert (await sync_to_async(Flag.objects.get)(pk=flag["id"])).status == FlagStatus.OPEN, "it stays in the queue"


async def test_acknowledging_takes_the_case_and_hand_over_gives_it_to_a_colleague(setup, make_user, sockets):  # noqa: F811
    colleague = await sync_to_async(make_user)(role="moderator", username="mod_night", first_name="Ada")
    night = await moderator_socket(sockets, colleague)
    await night.receive_json_from()
    await say(setup["student"], CRISIS, "c1")
    escalation = (await receive_until(setup["mod"], "escalation.new"))["escalation"]
    assert escalation["owner"] is None

    await act(setup["mod"], {"type": "escalation.ack", "id": escalation["id"]})
    updated = (await receive_until(setup["mod"], "escalation.updated"))["escalation"]
    assert updated["owner"]["username"] == "mod"

    frame = {
        "type": "escalation.hand_over",
        "id": escalation["id"],
        "to": "mod_night",
        "note": "called once, no answer",
    }
    done = await act(setup["mod"], frame)
    assert done == {"type": "action.done", "action": "escalation.hand_over", "id": escalation["id"], "to": "mod_night"}
    told = await receive_until(night, "case.handed_over")
    assert told["by"] == "mod" and told["note"] == "called once, no answer"
    assert told["escalation"]["owner"]["username"] == "mod_night"
    assert (await receive_until(setup["mod"], "escalation.updated"))["escalation"]["owner"]["username"] == "mod_night"
    assert not [f for f in await frames_within(setup["mod"], 0.3) if f["type"] == "case.handed_over"], (
        "only the colleague is told it is now theirs"
    )
    stored = await sync_to_async(Escalation.objects.select_related("owner").get)(pk=escalation["id"])
    assert stored.owner.username == "mod_night" and stored.status == EscalationStatus.ACKNOWLEDGED
    assert (await audit_rows())[-1] == (
        "escalation.hand_over",
        "called once, no answer",
        {"to": "mod_night", "previous_owner": "mod"},
    )


async def test_handing_over_an_unacknowledged_case_acknowledges_it(setup, make_user):  # noqa: F811
    await sync_to_async(make_user)(role="moderator", username="mod_night")
    await say(setup["student"], CRISIS, "c1")
    escalation = (await receive_until(setup["mod"], "escalation.new"))["escalation"]
    await act(
        setup["mod"], {"type": "escalation.hand_over", "id": escalation["id"], "to": "mod_night", "note": "yours"}
    )
    stored = await sync_to_async(Escalation.objects.select_related("owner").get)(pk=escalation["id"])
    assert stored.status == EscalationStatus.ACKNOWLEDGED and stored.owner.username == "mod_night"


@pytest.mark.parametrize(
    ("to", "note", "code"),
    [
        ("mod", "x", "bad_request"),  # to oneself
        ("student", "x", "not_found"),  # not a moderator
        ("mod_gone", "x", "not_found"),  # deactivated
        ("nobody", "x", "not_found"),
        ("mod_night", " ", "bad_request"),  # a note is required
    ],
)
async def test_hand_over_refuses_what_would_lose_the_case(setup, make_user, to, note, code):  # noqa: F811
    await sync_to_async(make_user)(role="moderator", username="mod_night")
    await sync_to_async(make_user)(role="moderator", username="mod_gone", is_active=False)
    await say(setup["student"], CRISIS, "c1")
    escalation = (await receive_until(setup["mod"], "escalation.new"))["escalation"]
    reply = await act(setup["mod"], {"type": "escalation.hand_over", "id": escalation["id"], "to": to, "note": note})
    assert reply["code"] == code
    assert (await sync_to_async(Escalation.objects.get)(pk=escalation["id"])).owner_id is None


async def test_a_resolved_case_cannot_be_handed_over(setup, make_user):  # noqa: F811
    await sync_to_async(make_user)(role="moderator", username="mod_night")
    await say(setup["student"], CRISIS, "c1")
    escalation = (await receive_until(setup["mod"], "escalation.new"))["escalation"]
    await act(setup["mod"], {"type": "escalation.resolve", "id": escalation["id"], "note": "spoke, safe"})
    reply = await act(
        setup["mod"], {"type": "escalation.hand_over", "id": escalation["id"], "to": "mod_night", "note": "x"}
    )
    assert reply["code"] == "bad_request"


async def test_every_reason_a_moderator_types_is_in_the_audit_log_and_kept_for_the_member(setup):  # noqa: F811
    alias = setup["alias"]
    room = "burnout"
    await act(setup["mod"], {"type": "room.slow_mode", "room": room, "seconds": 30, "reason": "heated thread"})
    await act(setup["mod"], {"type": "user.warn", "room": room, "alias": alias, "reason": "be kind"})
    await act(setup["mod"], {"type": "user.mute", "room": room, "alias": alias, "minutes": 60, "reason": " cool off "})
    member = await sync_to_async(Membership.objects.get)(alias=alias)
    assert member.mute_reason == "cool off" and member.muted_until is not None
    await act(setup["mod"], {"type": "user.ban", "room": room, "alias": alias, "reason": "threats"})
    banned = await receive_until(setup["student"], "banned")
    assert banned == {"type": "banned", "reason": "threats", "appeal": ""}
    member = await sync_to_async(Membership.objects.get)(alias=alias)
    assert member.is_banned and member.ban_reason == "threats"
    assert [(action, reason) for action, reason, _ in await audit_rows()] == [
        ("room.slow_mode", "heated thread"),
        ("user.warn", "be kind"),
        ("user.mute", "cool off"),
        ("user.ban", "threats"),
    ]
