"""The moderator queue over /ws/moderation/: escalations and flags arrive live, actions work and are audited."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chatserver.models import User
from moderation.models import AuditEntry, Escalation, EscalationStatus, Flag
from rooms.models import Message
from tests.conftest import frames_within, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = "I don't want to be here anymore"
PLAN = "I have a plan and I'm going to do it this weekend"
PHONE = "text me any time at 415-555-0123"


async def moderator_socket(sockets, user):
    communicator, connected = await sockets("/ws/moderation/", user)
    assert connected
    return communicator


@pytest.fixture
async def setup(make_user, make_room, connect, sockets):
    room = await sync_to_async(make_room)(slug="burnout")
    student = await sync_to_async(make_user)(username="student", first_name="Priya", last_name="Raman")
    peer = await sync_to_async(make_user)(username="peer")
    moderator = await sync_to_async(make_user)(role="moderator", username="mod")
    s = await connect(student, room.slug)
    alias = (await s.receive_json_from())["you"]["alias"]
    p = await connect(peer, room.slug)
    await p.receive_json_from()
    m = await moderator_socket(sockets, moderator)
    assert (await m.receive_json_from()) == {"type": "queue.snapshot", "escalations": [], "flags": []}
    return {"room": room, "student": s, "peer": p, "mod": m, "alias": alias, "moderator": moderator}


async def say(socket, body, client_id):
    await socket.send_json_to({"type": "message.send", "client_id": client_id, "body": body})
    return await receive_until(socket, "message.ack")


async def act(mod, frame):
    await mod.send_json_to(frame)
    while True:
        reply = await mod.receive_json_from(timeout=3)
        if reply["type"] in ("action.done", "error"):
            return reply


async def test_crisis_reaches_moderators_live_with_context_and_no_identity(setup):
    await say(setup["student"], "rough week on surgery", "c0")
    ack = await say(setup["student"], CRISIS, "c1")
    frame = await receive_until(setup["mod"], "escalation.new", timeout=1)
    escalation = frame["escalation"]
    assert escalation["level"] >= 1 and escalation["status"] == "open"
    assert escalation["alias"] == setup["alias"] and escalation["room"]["slug"] == "burnout"
    assert escalation["message"]["seq"] == ack["seq"] and escalation["message"]["body"] == CRISIS
    assert [m["body"] for m in escalation["context"]] == ["rough week on surgery"]
    assert any(rule.startswith("crisis:") for rule in escalation["rules"])
    assert "Priya" not in str(frame) and "Raman" not in str(frame) and "student" != escalation["alias"]
    stored = await sync_to_async(Escalation.objects.get)()
    assert stored.message_id == (await sync_to_async(Message.objects.get)(seq=ack["seq"])).pk


async def test_snapshot_lists_open_escalations_highest_level_first(setup, make_user, sockets):
    await say(setup["student"], CRISIS, "c1")
    await say(setup["student"], PLAN, "c2")
    moderator2 = await sync_to_async(make_user)(role="moderator")
    late = await moderator_socket(sockets, moderator2)
    snapshot = await late.receive_json_from()
    levels = [e["level"] for e in snapshot["escalations"]]
    assert len(levels) == 2 and levels == sorted(levels, reverse=True) and levels[0] == 3


async def test_ack_and_resolve_are_pushed_and_audited(setup):
    await say(setup["student"], CRISIS, "c1")
    escalation_id = (await receive_until(setup["mod"], "escalation.new"))["escalation"]["id"]
    assert (await act(setup["mod"], {"type": "escalation.ack", "id": escalation_id}))["type"] == "action.done"
    assert (await receive_until(setup["mod"], "escalation.updated"))["escalation"]["status"] == "acknowledged"
    error = await act(setup["mod"], {"type": "escalation.resolve", "id": escalation_id, "note": " "})
    assert error["code"] == "bad_request"
    done = await act(setup["mod"], {"type": "escalation.resolve", "id": escalation_id, "note": "called, safe"})
    assert done["type"] == "action.done"
    stored = await sync_to_async(Escalation.objects.get)(pk=escalation_id)
    assert stored.status == EscalationStatus.RESOLVED and stored.resolution_note == "called, safe"
    actions = await sync_to_async(list)(AuditEntry.objects.order_by("created_at").values_list("action", "reason"))
    assert actions == [("escalation.ack", ""), ("escalation.resolve", "called, safe")]


async def test_hide_removes_message_for_everyone(setup):
    ack = await say(setup["student"], "something I regret saying", "h1")
    done = await act(setup["mod"], {"type": "message.hide", "room": "burnout", "seq": ack["seq"], "reason": "rude"})
    assert done["type"] == "action.done"
    assert await receive_until(setup["peer"], "message.removed") == {"type": "message.removed", "seq": ack["seq"]}
    assert (await sync_to_async(Message.objects.get)(seq=ack["seq"])).state == "removed"


async def test_held_personal_details_can_be_approved_into_their_place(setup):
    ack = await say(setup["student"], PHONE, "p1")
    assert ack["status"] == "held"
    flag = (await receive_until(setup["mod"], "flag.new"))["flag"]
    assert flag["message"]["seq"] == ack["seq"] and flag["message"]["state"] == "held"
    assert not [f for f in await frames_within(setup["peer"]) if f["type"] == "message"]
    await act(setup["mod"], {"type": "message.approve", "room": "burnout", "seq": ack["seq"]})
    delivered = await receive_until(setup["peer"], "message")
    assert delivered["seq"] == ack["seq"] and delivered["body"] == PHONE
    assert await sync_to_async(Flag.objects.filter(status="open").count)() == 0


async def test_mute_and_slow_mode_and_ban(setup):
    alias = setup["alias"]
    await act(setup["mod"], {"type": "user.warn", "room": "burnout", "alias": alias, "reason": "be kind"})
    assert (await receive_until(setup["student"], "warning"))["reason"] == "be kind"
    await act(
        setup["mod"], {"type": "user.mute", "room": "burnout", "alias": alias, "minutes": 5, "reason": "cool off"}
    )
    assert (await receive_until(setup["student"], "muted"))["reason"] == "cool off"
    await setup["student"].send_json_to({"type": "message.send", "client_id": "m1", "body": "hello?"})
    assert (await receive_until(setup["student"], "error"))["code"] == "muted"

    await act(setup["mod"], {"type": "room.slow_mode", "room": "burnout", "seconds": 30})
    assert (await receive_until(setup["peer"], "slow_mode"))["seconds"] == 30
    await say(setup["peer"], "first", "s1")
    await setup["peer"].send_json_to({"type": "message.send", "client_id": "s2", "body": "second"})
    error = await receive_until(setup["peer"], "error")
    assert error["code"] == "rate_limited" and "slow mode" in error["detail"]

    await act(setup["mod"], {"type": "user.ban", "room": "burnout", "alias": alias, "reason": "threats"})
    assert (await receive_until(setup["student"], "error"))["code"] == "forbidden"
    assert (await setup["student"].receive_output(timeout=3)) == {"type": "websocket.close", "code": 4403}
    actions = set(await sync_to_async(list)(AuditEntry.objects.values_list("action", flat=True)))
    assert actions == {"user.warn", "user.mute", "room.slow_mode", "user.ban"}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "escalation.ack", "id": 999}, "not_found"),
        ({"type": "escalation.ack"}, "bad_request"),
        ({"type": "message.hide", "room": "burnout", "seq": 999}, "not_found"),
        ({"type": "message.hide", "room": "nowhere", "seq": 1}, "not_found"),
        ({"type": "message.approve", "room": "burnout", "seq": "one"}, "bad_request"),
        ({"type": "user.mute", "room": "burnout", "alias": "Nobody Here", "minutes": 5}, "not_found"),
        ({"type": "user.mute", "room": "burnout", "alias": "x", "minutes": 0}, "bad_request"),
        ({"type": "user.warn", "room": "burnout", "alias": "x", "seq": 1, "reason": "r"}, "bad_request"),
        ({"type": "user.warn", "room": "burnout", "reason": "r"}, "bad_request"),
        ({"type": "user.ban", "room": "burnout", "seq": 999, "reason": "r"}, "not_found"),
        ({"type": "room.slow_mode", "room": "burnout", "seconds": 99999}, "bad_request"),
        ({"type": "summon.dragon"}, "bad_request"),
    ],
)
async def test_bad_moderator_frames_get_errors_and_socket_stays_open(setup, frame, code):
    assert (await act(setup["mod"], frame))["code"] == code
    await setup["mod"].send_json_to({"type": "ping"})
    assert (await receive_until(setup["mod"], "pong"))["type"] == "pong"


async def test_action_on_a_message_of_another_room_is_not_found(setup, make_room):
    other = await sync_to_async(make_room)(slug="grief")
    ack = await say(setup["student"], "in burnout", "r1")
    reply = await act(setup["mod"], {"type": "message.hide", "room": other.slug, "seq": ack["seq"]})
    assert reply["code"] == "not_found"


async def test_students_and_visitors_cannot_open_the_queue(make_user, sockets):
    student = await sync_to_async(make_user)()
    socket = await moderator_socket(sockets, student)
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
    anonymous, accepted = await sockets("/ws/moderation/")
    assert accepted
    assert await anonymous.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_hold_policy_keeps_level_three_out_of_the_room(setup, settings):
    settings.CRISIS_HOLD_LEVEL = 3
    ack = await say(setup["student"], PLAN, "plan")
    assert ack["status"] == "held" and "moderator" in ack["reason"]
    assert (await receive_until(setup["student"], "support"))["level"] == 3
    assert (await receive_until(setup["mod"], "escalation.new"))["escalation"]["level"] == 3
    assert not [f for f in await frames_within(setup["peer"]) if f["type"] == "message"]
    ack = await say(setup["student"], CRISIS, "passive")
    assert ack["status"] == "delivered", "levels below the hold level still reach peers"
    assert (await receive_until(setup["peer"], "message"))["seq"] == ack["seq"]


async def test_crisis_message_with_personal_details_is_escalated_and_still_held(setup):
    ack = await say(setup["student"], f"{CRISIS}. {PHONE}", "both")
    assert ack["status"] == "held", "the phone number of an anonymous student must not reach the room"
    assert (await receive_until(setup["student"], "support"))["level"] >= 1
    assert (await receive_until(setup["mod"], "escalation.new"))["escalation"]["message"]["state"] == "held"
    assert not [f for f in await frames_within(setup["peer"]) if f["type"] == "message"]
    after = await say(setup["student"], "anyone want coffee before rounds?", "after")
    assert after["status"] == "delivered"
    assert (await receive_until(setup["peer"], "message"))["seq"] == after["seq"], "the peer gets the room's messages"


async def test_reports_become_a_flag_and_three_reporters_hide_the_message(setup, make_user, connect):
    # Members of some standing: brand-new accounts' reports do not hide (tests/moderation/test_report_weight.py).
    established = timezone.now() - timedelta(days=30)
    await sync_to_async(User.objects.filter(username="peer").update)(date_joined=established)
    # A message no rule or model flags (a personal attack would already carry a rule flag): members report it.
    ack = await say(setup["student"], "psych is not real medicine, change my mind", "r1")
    reporters = [setup["peer"]]
    for _ in range(2):
        member = await sync_to_async(make_user)(date_joined=established)
        socket = await connect(member, "burnout")
        await socket.receive_json_from()
        reporters.append(socket)
    await reporters[0].send_json_to({"type": "message.report", "seq": ack["seq"], "reason": "cruel"})
    await receive_until(reporters[0], "report.ack")
    flag = (await receive_until(setup["mod"], "flag.new"))["flag"]
    assert flag["source"] == "report" and flag["reports"] == ["cruel"]
    # The same member again: still one report, still visible.
    await reporters[0].send_json_to({"type": "message.report", "seq": ack["seq"], "reason": "cruel"})
    await receive_until(reporters[0], "report.ack")
    await reporters[1].send_json_to({"type": "message.report", "seq": ack["seq"], "reason": "mean"})
    await receive_until(reporters[1], "report.ack")
    assert (await sync_to_async(Message.objects.get)(seq=ack["seq"])).state == "visible"
    await reporters[2].send_json_to({"type": "message.report", "seq": ack["seq"], "reason": "harassment"})
    await receive_until(reporters[2], "report.ack")
    assert await receive_until(setup["peer"], "message.removed") == {"type": "message.removed", "seq": ack["seq"]}
    assert (await sync_to_async(Message.objects.get)(seq=ack["seq"])).state == "held"
    updated = (await receive_until(setup["mod"], "flag.updated"))["flag"]
    while len(updated["reports"]) < 3:
        updated = (await receive_until(setup["mod"], "flag.updated"))["flag"]
    assert sorted(updated["reports"]) == ["cruel", "harassment", "mean"]
    assert await sync_to_async(Flag.objects.filter(source="report").count)() == 1
    # Reviewed and found fine: approve puts it back for everyone.
    await act(setup["mod"], {"type": "message.approve", "room": "burnout", "seq": ack["seq"]})
    assert (await receive_until(setup["peer"], "message"))["seq"] == ack["seq"]


async def test_a_reconnecting_member_learns_of_hides_and_approvals_made_while_away(setup, connect, make_user):
    hidden = await say(setup["student"], "this will be hidden", "x1")
    held = await say(setup["student"], PHONE, "x2")
    later = await say(setup["student"], "and this stays", "x3")
    away = await sync_to_async(make_user)()
    socket = await connect(away, "burnout")
    joined = await socket.receive_json_from()
    assert [m["seq"] for m in joined["history"]] == [hidden["seq"], later["seq"]]
    await socket.disconnect()

    await act(setup["mod"], {"type": "message.hide", "room": "burnout", "seq": hidden["seq"]})
    await act(setup["mod"], {"type": "message.approve", "room": "burnout", "seq": held["seq"]})

    back = await connect(away, "burnout", after_seq=joined["last_seq"])
    replay = await back.receive_json_from()
    assert replay["history"] == []
    assert [(c["type"], c["seq"]) for c in replay["changes"]] == [
        ("message.removed", hidden["seq"]),
        ("message", held["seq"]),
    ]
