"""Check-ins over the wire: /ws/checkins/<id>/ and /ws/notices/ (docs/protocol.md, "Check-ins").

A moderator opens a check-in from an escalation on /ws/moderation/, or from a flag as the dashboard does (over
HTTP); the student hears of it in every open tab, both sides talk with acks, seqs and resumption; nobody else gets
in; and nothing a moderator receives ties the student's alias to their name.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chatserver.models import User
from moderation.models import AuditEntry, CheckIn, Escalation, Flag
from tests.conftest import frames_within, receive_until
from tests.moderation.test_moderator_anonymity import act_recording, assert_no_object_links
from tests.moderation.test_queue import PLAN, act, moderator_socket, say

pytestmark = pytest.mark.django_db(transaction=True)


def checkin_path(checkin_id, after_seq=None):
    return f"/ws/checkins/{checkin_id}/" + (f"?after_seq={after_seq}" if after_seq is not None else "")


async def join(sockets, user, checkin_id, after_seq=None):
    socket, connected = await sockets(checkin_path(checkin_id, after_seq), user)
    assert connected
    joined = await socket.receive_json_from(timeout=3)
    assert joined["type"] == "checkin.joined", joined
    return socket, joined


async def write(socket, body, client_id, frame_type="message.send"):
    await socket.send_json_to({"type": frame_type, "client_id": client_id, "body": body})
    return await receive_until(socket, "message.ack")


async def receive_message(socket, seq):
    """The live ``message`` frame with ``seq`` (a writer gets its own message too, after its ack)."""
    while True:
        frame = await receive_until(socket, "message")
        if frame["seq"] == seq:
            return frame


async def notices(sockets, user):
    socket, connected = await sockets("/ws/notices/", user)
    assert connected
    snapshot = await socket.receive_json_from(timeout=3)
    assert snapshot["type"] == "notices.snapshot"
    return socket, snapshot


@pytest.fixture
async def scene(make_user, make_room, connect, sockets):
    room = await sync_to_async(make_room)(slug="burnout", title="Burnout & exhaustion")
    student = await sync_to_async(make_user)(
        username="priya.raman", first_name="Priya", last_name="Raman", email="pr@med.example.edu"
    )
    moderator = await sync_to_async(make_user)(role="moderator", username="mod_lee", first_name="Jun", last_name="Lee")
    room_socket = await connect(student, room.slug)
    alias = (await room_socket.receive_json_from())["you"]["alias"]
    mod = await moderator_socket(sockets, moderator)
    await mod.receive_json_from()
    return {
        "room": room,
        "student": student,
        "moderator": moderator,
        "room_socket": room_socket,
        "alias": alias,
        "mod": mod,
        "name_parts": {"Priya", "Raman", "priya.raman", "pr@med.example.edu"},
    }


async def test_a_check_in_from_an_escalation_reaches_every_tab_and_both_sides_talk(scene, sockets):
    tab1, snapshot = await notices(sockets, scene["student"])
    tab2, _ = await notices(sockets, scene["student"])
    assert snapshot["checkins"] == []
    await say(scene["room_socket"], PLAN, "c1")
    escalation = await sync_to_async(Escalation.objects.get)()
    opened = await act(scene["mod"], {"type": "checkin.open", "escalation": escalation.pk})
    assert opened["type"] == "action.done" and opened["created"] is True
    checkin_id = opened["checkin"]
    for tab in (tab1, tab2):
        notice = await receive_until(tab, "checkin.opened")
        assert notice["checkin"]["id"] == checkin_id and notice["checkin"]["url"] == f"/checkins/{checkin_id}/"
    new = await receive_until(scene["mod"], "checkin.new")
    assert new["checkin"]["student"] == {"name": scene["alias"], "anonymous": True}

    staff, joined = await join(sockets, scene["moderator"], checkin_id)
    assert joined["you"] == {"side": "staff", "name": "Jun Lee"} and joined["history"] == []
    ack = await write(staff, "Hi, I'm Jun from the moderation team. How are you right now?", "m1")
    assert ack == {"type": "message.ack", "client_id": "m1", "seq": 1, "status": "delivered"}
    for tab in (tab1, tab2):
        notice = await receive_until(tab, "checkin.message")
        assert notice == {"type": "checkin.message", "checkin": checkin_id, "seq": 1, "unread": 1}

    student, joined = await join(sockets, scene["student"], checkin_id)
    assert joined["you"] == {"side": "student", "name": scene["alias"]}
    assert joined["checkin"]["staff"] == [{"name": "Jun Lee", "role": "moderator"}]
    assert "urgent" not in joined["checkin"], "what staff note about the student stays with staff"
    [first] = joined["history"]
    assert first["author"] == {"name": "Jun Lee", "role": "moderator", "student": False}
    await student.send_json_to({"type": "checkin.read", "seq": 1})
    assert (await receive_until(student, "checkin.read"))["unread"] == 0
    assert (await receive_until(tab1, "checkin.read"))["unread"] == 0

    reply = await write(student, "honestly not great, but thanks for asking", "s1")
    assert reply["seq"] == 2
    message = await receive_message(staff, 2)
    assert message["seq"] == 2 and message["author"]["name"] == scene["alias"] and message["client_id"] is None
    # A resend after a dropped connection is answered with the same ack and creates nothing.
    assert (await write(student, "honestly not great, but thanks for asking", "s1"))["seq"] == 2
    ok = await write(student, "", "ok1", frame_type="checkin.ok")
    assert ok["seq"] == 3

    # A reconnect with after_seq gets exactly what it missed.
    again, joined = await join(sockets, scene["student"], checkin_id, after_seq=1)
    assert [m["seq"] for m in joined["history"]] == [2, 3]
    assert joined["history"][1]["kind"] == "ok" and joined["history"][1]["body"] == "I'm OK, thanks."
    assert joined["history"][0]["client_id"] == "s1"

    resolved = await act(scene["mod"], {"type": "checkin.resolve", "id": checkin_id, "note": "Student is safe"})
    assert resolved["type"] == "action.done"
    assert (await receive_until(again, "checkin.resolved"))["at"]
    await again.send_json_to({"type": "message.send", "client_id": "s2", "body": "wait"})
    refused = await receive_until(again, "error")
    assert refused["code"] == "room_closed" and refused["client_id"] == "s2"


async def test_nobody_else_gets_into_a_check_in(scene, sockets, make_user, make_room):
    await say(scene["room_socket"], PLAN, "c1")
    escalation = await sync_to_async(Escalation.objects.get)()
    checkin_id = (await act(scene["mod"], {"type": "checkin.open", "escalation": escalation.pk}))["checkin"]
    facilitator = await sync_to_async(make_user)(role="facilitator")
    mentor = await sync_to_async(make_user)(role="mentor")
    await sync_to_async(scene["room"].facilitators.add)(facilitator, mentor)
    for outsider in (await sync_to_async(make_user)(), facilitator, mentor):
        socket, connected = await sockets(checkin_path(checkin_id), outsider)
        assert connected
        assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
    visitor, _ = await sockets(checkin_path(checkin_id))
    assert await visitor.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
    missing, _ = await sockets(checkin_path(checkin_id + 100), scene["student"])
    assert await missing.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}
    # Once invited (a mentor assigned to the room), the mentor is in.
    invited = await act(scene["mod"], {"type": "checkin.invite", "checkin": checkin_id, "mentor": mentor.username})
    assert invited["type"] == "action.done"
    _, joined = await join(sockets, mentor, checkin_id)
    assert joined["you"]["side"] == "staff"


async def test_bad_frames_get_a_code_and_the_socket_stays_open(scene, sockets):
    await say(scene["room_socket"], PLAN, "c1")
    escalation = await sync_to_async(Escalation.objects.get)()
    checkin_id = (await act(scene["mod"], {"type": "checkin.open", "escalation": escalation.pk}))["checkin"]
    staff, _ = await join(sockets, scene["moderator"], checkin_id)
    for frame, code in [
        ("not json", "bad_request"),
        (json.dumps({"type": "circle.start"}), "bad_request"),
        (json.dumps({"type": "message.send", "body": "no client id"}), "bad_request"),
        (json.dumps({"type": "message.send", "client_id": "x", "body": "a" * 4001}), "too_long"),
        (json.dumps({"type": "checkin.ok", "client_id": "k1"}), "forbidden"),
        (json.dumps({"type": "checkin.read"}), "bad_request"),
    ]:
        await staff.send_to(text_data=frame)
        error = await receive_until(staff, "error")
        assert error["code"] == code, (frame, error)
    await staff.send_json_to({"type": "ping"})
    assert (await receive_until(staff, "pong")) == {"type": "pong"}


async def test_a_crisis_in_a_check_in_is_delivered_to_staff_and_the_team_sees_it_urgent(scene, sockets):
    await scene["room_socket"].send_json_to({"type": "message.send", "client_id": "c0", "body": "rough week"})
    await receive_until(scene["room_socket"], "message.ack")
    student_tab, _ = await notices(sockets, scene["student"])
    checkin = await sync_to_async(_request_as)(scene["student"], "burnout")
    assert checkin["status"] == 201
    checkin_id = checkin["body"]["checkin"]["id"]
    new = await receive_until(scene["mod"], "checkin.new")
    assert new["checkin"]["kind"] == "checkin_request" and new["checkin"]["student"]["name"] == scene["alias"]
    await receive_until(student_tab, "checkin.opened")
    staff, _ = await join(sockets, scene["moderator"], checkin_id)
    student, _ = await join(sockets, scene["student"], checkin_id)
    ack = await write(student, PLAN, "s1")
    assert ack["status"] == "delivered", "a crisis message is never held from the staff already there"
    support = await receive_until(student, "support")
    assert support["level"] == 3
    assert (await receive_message(staff, ack["seq"]))["body"] == PLAN
    updated = await receive_until(scene["mod"], "checkin.updated")
    assert updated["checkin"]["urgent"] is True and updated["checkin"]["crisis_level"] == 3


def _request_as(user, room):
    client = Client()
    client.force_login(user)
    response = client.post("/api/checkins/", {"room": room}, content_type="application/json")
    return {"status": response.status_code, "body": response.json()}


def _get_as(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.json()


async def test_nothing_a_moderator_receives_about_a_check_in_ties_the_alias_to_the_name(scene, sockets):
    room_socket = scene["room_socket"]
    await say(room_socket, "rough week on surgery", "a1")
    await room_socket.send_json_to({"type": "identity.set", "anonymous": False})
    await receive_until(room_socket, "identity")
    await say(room_socket, "I want to die", "n1")  # a named escalation
    await room_socket.send_json_to({"type": "identity.set", "anonymous": True})
    await receive_until(room_socket, "identity")
    plan = await say(room_socket, PLAN, "a2")  # an anonymous one
    escalation = await sync_to_async(Escalation.objects.get)(message__seq=plan["seq"])
    seen = []
    opened = await act_recording(scene["mod"], {"type": "checkin.open", "escalation": escalation.pk}, seen)
    staff, joined = await join(sockets, scene["moderator"], opened["checkin"])
    seen.append(("checkin.joined", joined))
    await write(staff, "Hi, I'm Jun. I'm checking in.", "m1")
    student, _ = await join(sockets, scene["student"], opened["checkin"])
    await write(student, "thanks. it's been hard", "s1")
    await write(student, "", "ok1", frame_type="checkin.ok")
    seen += [(f"staff {f['type']}", f) for f in await frames_within(staff, 0.5)]
    seen += [(f"mod {f['type']}", f) for f in await frames_within(scene["mod"], 0.5)]
    note = "talked, safe tonight"
    await act_recording(scene["mod"], {"type": "checkin.resolve", "id": opened["checkin"], "note": note}, seen)
    seen += [(f"mod {f['type']}", f) for f in await frames_within(scene["mod"], 0.5)]
    seen.append(("GET queue", await sync_to_async(_get_as)(scene["moderator"], "/api/checkins/queue/")))
    seen.append(("GET audit", await sync_to_async(_get_as)(scene["moderator"], "/api/moderation/audit/")))

    types = {frame.get("type") for _, frame in seen}
    assert {"checkin.joined", "message", "checkin.new", "checkin.updated", "escalation.updated"} <= types
    checked = assert_no_object_links(seen, scene["alias"], scene["name_parts"])
    # Positive: the staff saw the student's messages under the alias, and the log has the student's steps.
    assert any(f.get("author", {}).get("name") == scene["alias"] for _, f in seen if f.get("type") == "message")
    actions = set(await sync_to_async(lambda: set(AuditEntry.objects.values_list("action", flat=True)))())
    assert {"checkin.open", "escalation.contacted", "escalation.replied", "checkin.ok", "checkin.resolve"} <= actions
    assert checked > 30


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _open_check_in_from_the_dashboard(moderator, flag_id):
    """What "Open check-in" on a flag does in the dashboard (checkin_queue.js): POST /api/moderation/actions/ with
    the session cookie and the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    client.get("/")  # sets the csrftoken cookie, as loading a page does
    response = client.post(
        "/api/moderation/actions/",
        json.dumps({"type": "checkin.open", "flag": flag_id}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    return {"status": response.status_code, "body": response.json()}


async def test_a_moderator_opens_a_check_in_from_a_flag_on_the_dashboard(scene, sockets, make_user):
    student_tab, _ = await notices(sockets, scene["student"])
    flagged = await say(scene["room_socket"], "oh drop dead, nights", "c1")  # a default rule flags it
    flag = await sync_to_async(Flag.objects.get)(message__seq=flagged["seq"])

    opened = await sync_to_async(_open_check_in_from_the_dashboard)(scene["moderator"], flag.pk)
    assert opened["status"] == 200 and opened["body"]["created"] is True
    checkin_id = opened["body"]["checkin"]
    assert opened["body"]["url"] == f"/checkins/{checkin_id}/"

    # The author hears of it in their open tab and, inside, appears under the alias the message was posted under.
    notice = await receive_until(student_tab, "checkin.opened")
    assert notice["checkin"]["id"] == checkin_id and notice["checkin"]["asked_by_you"] is False
    _, joined = await join(sockets, scene["student"], checkin_id)
    assert joined["you"] == {"side": "student", "name": scene["alias"]}
    assert joined["checkin"]["staff"] == [{"name": "Jun Lee", "role": "moderator"}]
    # The moderators' queue shows where it came from: that flag, by alias only.
    new = (await receive_until(scene["mod"], "checkin.new"))["checkin"]
    assert (new["id"], new["kind"], new["flag"], new["escalation"]) == (checkin_id, "flag", flag.pk, None)
    assert new["student"] == {"name": scene["alias"], "anonymous": True}
    assert not any(part in json.dumps(new) for part in scene["name_parts"])

    # Audited: who opened it, about which message, from a flag.
    log = await sync_to_async(_get_as)(scene["moderator"], "/api/moderation/audit/?action=checkin.open")
    [entry] = log["entries"]
    assert (entry["actor"], entry["room"], entry["seq"]) == ("mod_lee", "burnout", flagged["seq"])
    assert entry["data"] == {"checkin": checkin_id, "origin": "flag"}

    # Another moderator clicking the same flag lands in the same check-in: nothing new, and the student is not
    # told twice.
    second_moderator = await sync_to_async(make_user)(role="moderator")
    again = await sync_to_async(_open_check_in_from_the_dashboard)(second_moderator, flag.pk)
    assert again["status"] == 200 and again["body"]["checkin"] == checkin_id and again["body"]["created"] is False
    assert await sync_to_async(CheckIn.objects.count)() == 1
    assert "checkin.opened" not in [frame["type"] for frame in await frames_within(student_tab, 0.5)]
    assert await sync_to_async(AuditEntry.objects.filter(action="checkin.open").count)() == 1


def test_asking_for_a_check_in_over_http(make_user, make_room):
    make_room(slug="burnout")
    student = make_user()
    assert _client().post("/api/checkins/", {}, content_type="application/json").status_code == 401
    first = _client(student).post("/api/checkins/", {"room": "burnout"}, content_type="application/json")
    assert first.status_code == 201 and first.json()["checkin"]["asked_by_you"] is True
    again = _client(student).post("/api/checkins/", "", content_type="application/json")
    assert again.status_code == 200 and again.json()["checkin"]["id"] == first.json()["checkin"]["id"]
    missing = _client(make_user()).post("/api/checkins/", {"room": "nowhere"}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    moderator = make_user(role="moderator")
    refused = _client(moderator).post("/api/checkins/", {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert _client(student).get("/api/checkins/").json()["checkins"][0]["id"] == first.json()["checkin"]["id"]
    assert _client(student).get("/api/checkins/queue/").status_code == 403
    assert [c["kind"] for c in _client(moderator).get("/api/checkins/queue/").json()["checkins"]] == [
        "checkin_request"
    ]


def test_the_check_in_page_is_for_its_student_and_staff_only(make_user, make_room):
    student = make_user()
    checkin_id = _client(student).post("/api/checkins/", {}, content_type="application/json").json()["checkin"]["id"]
    url = f"/checkins/{checkin_id}/"
    assert _client(student).get(url).status_code == 200
    assert _client(make_user(role="moderator")).get(url).status_code == 200
    for outsider in (make_user(), make_user(role="mentor"), make_user(role="facilitator")):
        assert _client(outsider).get(url).status_code == 403
    assert _client(student).get(f"/checkins/{checkin_id + 1}/").status_code == 404
    assert _client().get(url).status_code == 302, "visitors are sent to log in"


async def test_staff_powers_follow_the_account_not_the_socket(scene, sockets):
    await say(scene["room_socket"], PLAN, "c1")
    escalation = await sync_to_async(Escalation.objects.get)()
    checkin_id = (await act(scene["mod"], {"type": "checkin.open", "escalation": escalation.pk}))["checkin"]
    staff, _ = await join(sockets, scene["moderator"], checkin_id)
    assert (await write(staff, "Hi, checking in.", "m1"))["status"] == "delivered"
    # Demoted by a path that sends no event to the socket: the next message is refused all the same.
    await sync_to_async(User.objects.filter(pk=scene["moderator"].pk).update)(role="student")
    await staff.send_json_to({"type": "message.send", "client_id": "m2", "body": "still here?"})
    refused = await receive_until(staff, "error")
    assert refused["code"] == "forbidden" and refused["client_id"] == "m2"


def test_the_check_ins_page_lists_your_own_and_for_moderators_the_open_ones(make_user, make_room):
    make_room(slug="burnout")
    student, other = make_user(), make_user()
    mine = _client(student).post("/api/checkins/", {}, content_type="application/json").json()["checkin"]["id"]
    theirs = _client(other).post("/api/checkins/", {}, content_type="application/json").json()["checkin"]["id"]
    page = _client(student).get("/checkins/").content.decode()
    assert f'href="/checkins/{mine}/"' in page and f'href="/checkins/{theirs}/"' not in page
    staff_page = _client(make_user(role="moderator")).get("/checkins/").content.decode()
    assert f'href="/checkins/{mine}/"' in staff_page and f'href="/checkins/{theirs}/"' in staff_page
    assert f'href="/checkins/{mine}/"' not in _client(make_user(role="mentor")).get("/checkins/").content.decode()
