"""Moderators see every message as the room showed it: nothing they receive ties a student's alias to their name.

A student may post under their alias and, in the same room, under their name (they switched identity). Everything
a moderator receives is walked (the queue snapshot, every live push, the worker's reminders, action replies, the
HTTP queue and audit log, on-call alerts), and no object may hold both the alias and the name of that student
unless an approved reveal exists. An object is a JSON object with what it holds directly, nested objects
included; each item of a list of objects (a context line, a queue entry) is an object of its own, as each
message is in the room. A positive check in each test keeps it from passing vacuously.
"""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.test import Client
from django.utils import timezone

from chatserver.models import User
from moderation import worker
from moderation.models import Escalation, Flag
from rooms import services
from tests.conftest import frames_within, receive_until
from tests.moderation.test_queue import CRISIS, PLAN, act, moderator_socket, say
from tests.moderation.test_worker import webhook  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

INSULT = "you are a pathetic idiot"
OPINION = "psych is not real medicine, change my mind"


def objects(document):
    """Yield every JSON object inside ``document``."""
    if isinstance(document, dict):
        yield document
        for value in document.values():
            yield from objects(value)
    elif isinstance(document, list):
        for item in document:
            yield from objects(item)


def own_strings(obj: dict) -> list[str]:
    """The strings an object holds itself: through nested objects, not through lists of objects."""
    strings = []
    for value in obj.values():
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            strings += own_strings(value)
        elif isinstance(value, list):
            strings += [item for item in value if isinstance(item, str)]
    return strings


def assert_no_object_links(documents, alias: str, name_parts: set[str]) -> int:
    """Fail if any object holds both ``alias`` and one of ``name_parts``; return how many objects were checked."""
    checked = 0
    for label, document in documents:
        for obj in objects(document):
            checked += 1
            text = " ".join(own_strings(obj)).casefold()
            if alias.casefold() in text:
                named = [part for part in name_parts if part.casefold() in text]
                assert not named, f"{label}: an object holds the alias {alias!r} and {named}: {obj}"
    return checked


def http_get(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.json()


@pytest.fixture
async def scene(make_user, make_room, connect, sockets):
    room = await sync_to_async(make_room)(slug="burnout", title="Burnout & exhaustion")
    student = await sync_to_async(make_user)(
        username="priya.raman", first_name="Priya", last_name="Raman", email="pr@med.example.edu"
    )
    established = timezone.now() - timedelta(days=30)
    peers = [await sync_to_async(make_user)(date_joined=established) for _ in range(2)]
    moderators = [await sync_to_async(make_user)(role="moderator", username=f"mod{n}") for n in (1, 2)]
    socket = await connect(student, room.slug)
    alias = (await socket.receive_json_from())["you"]["alias"]
    peer_sockets = []
    for peer in peers:
        peer_socket = await connect(peer, room.slug)
        await peer_socket.receive_json_from()
        peer_sockets.append(peer_socket)
    mods = [await moderator_socket(sockets, m) for m in moderators]
    for mod in mods:
        await mod.receive_json_from()
    return {
        "room": room,
        "student": socket,
        "alias": alias,
        "name_parts": {"Priya", "Raman", "priya.raman", "pr@med.example.edu"},
        "peers": peer_sockets,
        "mods": mods,
        "moderators": moderators,
    }


async def act_recording(mod, frame, seen: list) -> dict:
    """Send a moderator action; record every frame received until its answer (the answer included)."""
    await mod.send_json_to(frame)
    while True:
        reply = await mod.receive_json_from(timeout=3)
        seen.append((f"live {reply['type']}", reply))
        if reply["type"] in ("action.done", "error"):
            return reply


async def switch(socket, anonymous: bool):
    await socket.send_json_to({"type": "identity.set", "anonymous": anonymous})
    assert (await receive_until(socket, "identity"))["anonymous"] is anonymous


async def test_nothing_a_moderator_receives_ties_the_alias_to_the_name(scene, sockets):
    student, alias = scene["student"], scene["alias"]
    m1 = scene["mods"][0]
    await say(student, "rough week on surgery", "a1")
    await switch(student, anonymous=False)
    named_crisis = await say(student, CRISIS, "n1")  # escalation.new about a named message
    await say(student, INSULT, "n2")  # a rule's flag.new
    opinion = await say(student, OPINION, "n3")
    for number, peer in enumerate(scene["peers"]):  # a report's flag.new, then flag.updated
        await peer.send_json_to({"type": "message.report", "seq": opinion["seq"], "reason": f"reason {number}"})
        await receive_until(peer, "report.ack")
    await switch(student, anonymous=True)
    plan = await say(student, PLAN, "a2")  # an anonymous escalation whose context lines are named
    anonymous_escalation = await sync_to_async(Escalation.objects.get)(message__seq=plan["seq"])
    seen = []
    await act_recording(m1, {"type": "escalation.ack", "id": anonymous_escalation.pk}, seen)  # escalation.updated
    # The worker re-alerts the named escalation nobody acknowledged: escalation.reminder.
    await sync_to_async(worker.tick)(timezone.now() + timedelta(days=1))
    seen += [(f"live {frame['type']}", frame) for frame in await frames_within(m1, 0.5)]
    late = await moderator_socket(sockets, scene["moderators"][1])
    snapshot = await late.receive_json_from()
    seen.append(("queue.snapshot", snapshot))
    seen.append(
        ("GET /api/moderation/queue/", await sync_to_async(http_get)(scene["moderators"][0], "/api/moderation/queue/"))
    )

    types = {frame["type"] for _, frame in seen}
    assert {"queue.snapshot", "escalation.new", "escalation.updated", "escalation.reminder", "flag.new"} <= types
    assert "flag.updated" in types
    checked = assert_no_object_links(seen, alias, scene["name_parts"])

    # Positive: the walk saw the named messages under the name and the anonymous ones under the alias.
    named = {"name": "Priya Raman", "anonymous": False, "role": "student"}
    escalations = {e["message"]["seq"]: e for e in snapshot["escalations"]}
    assert escalations[named_crisis["seq"]]["message"]["author"] == named
    assert escalations[plan["seq"]]["alias"] == alias
    assert escalations[plan["seq"]]["message"]["author"]["name"] == alias
    assert {m["author"]["name"] for m in escalations[plan["seq"]]["context"]} >= {"Priya Raman"}, (
        "context lines show each message as the room showed it"
    )
    assert {f["message"]["author"]["name"] for f in snapshot["flags"]} == {"Priya Raman"}
    assert len(snapshot["flags"]) == 2 and checked > 50


async def test_acting_on_a_named_message_does_not_hand_out_the_alias_without_a_reveal(scene):
    student, alias = scene["student"], scene["alias"]
    m1, m2 = scene["mods"]
    await say(student, "rough week on surgery", "a1")
    await switch(student, anonymous=False)
    insult = await say(student, INSULT, "n1")
    flag = await sync_to_async(Flag.objects.get)()
    await frames_within(m1, 0.3)
    await frames_within(m2, 0.3)

    # Ask who it is (pending: a second moderator must approve), and warn the author, named by the message.
    requested = await act(m1, {"type": "identity.reveal", "flag": flag.pk, "reason": "repeated abuse"})
    assert requested["status"] == "pending"
    seen = [("identity.reveal reply", requested)]
    seen += [(f"m2 {frame['type']}", frame) for frame in await frames_within(m2, 0.5)]
    seen += [(f"m1 {frame['type']}", frame) for frame in await frames_within(m1, 0.5)]
    warned = await act(m1, {"type": "user.warn", "room": "burnout", "seq": insult["seq"], "reason": "be kind"})
    seen.append(("user.warn reply", warned))
    audit = await sync_to_async(http_get)(scene["moderators"][1], "/api/moderation/audit/")
    seen.append(("GET /api/moderation/audit/", audit))
    for label, document in seen:
        assert alias not in json.dumps(document, ensure_ascii=False), f"{label} names the alias without a reveal"

    # Positive: the warning reached the author, the request reached the second moderator about that flag, and
    # the log has both actions.
    assert warned["type"] == "action.done", warned
    assert (await receive_until(student, "warning"))["reason"] == "be kind"
    pending = next(frame for label, frame in seen if label == "m2 reveal.requested")
    assert pending["flag"] == flag.pk and pending["shown_as"] == "Priya Raman"
    assert {(e["action"], e["seq"]) for e in audit["entries"]} >= {
        ("user.warn", insult["seq"]),
        ("identity.reveal_request", insult["seq"]),
    }
    # Once a second moderator approves, the requester learns who it is (and the alias): an audited reveal.
    await act(m2, {"type": "identity.reveal.approve", "request": pending["request"]})
    revealed = await receive_until(m1, "identity.revealed")
    assert revealed["alias"] == alias and revealed["identity"]["username"] == "priya.raman"


def test_oncall_alerts_about_a_named_message_carry_no_alias(make_user, make_room, settings, webhook):  # noqa: F811
    url, received = webhook
    settings.ONCALL_EMAILS = ["oncall@med.example.edu"]
    settings.ESCALATION_WEBHOOK_URL = url
    member = services.do_join_room(make_user(first_name="Tomas", last_name="Lindqvist"), make_room(slug="grief"))
    services.do_send_message(member.pk, "a1", "hello all")
    services.do_set_identity(member.pk, anonymous=False)
    services.do_send_message(member.pk, "n1", PLAN)
    escalation = Escalation.objects.get()
    worker.tick(escalation.created_at + timedelta(minutes=3))
    worker.tick(escalation.created_at + timedelta(minutes=5))
    assert len(mail.outbox) == 1 and len(received) == 1, "positive: on-call staff were alerted"
    assert member.alias not in mail.outbox[0].body + mail.outbox[0].subject
    assert member.alias not in json.dumps(received[0])
    assert "Lindqvist" not in mail.outbox[0].body + json.dumps(received[0]), "names never leave our systems"
    assert User.objects.filter(last_name="Lindqvist").exists()
