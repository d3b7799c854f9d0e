"""One identity per person on the dashboard: the whole of what a moderator receives, walked.

A student posts under their alias and, after switching, under their name in the same room; their messages are
flagged by a rule, reported by peers and escalated. Moderators then use every tool the dashboard has, over the
socket and over HTTP: acknowledge, hand over, dismiss, warn, mute, hide, slow mode, resolve, and a reveal that a
second moderator approves. Every frame and JSON response any moderator receives is walked (the socket's live
frames and snapshots, action replies, the HTTP queue, action and audit responses, the reveal frames), and:

- before the reveal is approved, no object holds both the alias and the real name of the student;
- after it is approved, the only objects that do are the ``identity.revealed`` frames sent to the moderator who
  asked, and the approved RevealRequest exists: linking the two is what the audited reveal is for.

The walk is a positive control of itself: the checker must find the alias and the name in that revealed frame,
so it cannot pass by looking at nothing.
"""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from moderation.models import Escalation, Flag, RevealRequest
from tests.conftest import frames_within, receive_until
from tests.moderation.test_moderator_anonymity import objects, own_strings
from tests.moderation.test_queue import CRISIS, PLAN, moderator_socket, say

pytestmark = pytest.mark.django_db(transaction=True)

INSULT = "you are a pathetic idiot"
OPINION = "psych is not real medicine, change my mind"
NAME_PARTS = {"Priya", "Raman", "priya.raman", "pr@med.example.edu"}


def linking_objects(documents, alias: str) -> list[tuple[str, dict]]:
    """Return every (label, object) holding both ``alias`` and a part of the student's name."""
    found = []
    for label, document in documents:
        for obj in objects(document):
            text = " ".join(own_strings(obj)).casefold()
            if alias.casefold() in text and any(part.casefold() in text for part in NAME_PARTS):
                found.append((label, obj))
    return found


class Recorder:
    """Everything the moderators receive, labelled; each moderator socket is drained into it."""

    def __init__(self, sockets: dict):
        self.sockets = sockets
        self.seen: list[tuple[str, dict]] = []

    async def drain(self, seconds: float = 0.3) -> None:
        for name, socket in self.sockets.items():
            self.seen += [(f"{name} {frame['type']}", frame) for frame in await frames_within(socket, seconds)]

    async def act(self, name: str, frame: dict) -> dict:
        socket = self.sockets[name]
        await socket.send_json_to(frame)
        while True:
            reply = await socket.receive_json_from(timeout=3)
            self.seen.append((f"{name} {reply['type']} ({frame['type']})", reply))
            if reply["type"] in ("action.done", "error"):
                assert reply["type"] == "action.done", (frame, reply)
                return reply

    def http(self, user, method: str, url: str, body: dict | None = None) -> dict:
        client = Client()
        client.force_login(user)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 200, (url, response.content)
        self.seen.append((f"HTTP {method} {url}", response.json()))
        return response.json()


async def switch(socket, anonymous: bool):
    await socket.send_json_to({"type": "identity.set", "anonymous": anonymous})
    assert (await receive_until(socket, "identity"))["anonymous"] is anonymous


async def test_every_frame_and_response_a_moderator_receives_keeps_one_identity_per_person(
    make_user, make_room, connect, sockets, settings
):
    settings.CRISIS_HOLD_LEVEL = 3
    settings.REVEAL_WITHOUT_SECOND_APPROVAL_LEVEL = 3
    room = await sync_to_async(make_room)(slug="burnout", title="Burnout & exhaustion")
    student = await sync_to_async(make_user)(
        username="priya.raman", first_name="Priya", last_name="Raman", email="pr@med.example.edu"
    )
    established = timezone.now() - timedelta(days=30)
    peers = [await sync_to_async(make_user)(date_joined=established) for _ in range(2)]
    day, night = [
        await sync_to_async(make_user)(role="moderator", username=name, first_name=first)
        for name, first in (("mod_day", "Dana"), ("mod_night", "Nico"))
    ]
    s = await connect(student, room.slug)
    alias = (await s.receive_json_from())["you"]["alias"]
    peer_sockets = []
    for peer in peers:
        socket = await connect(peer, room.slug)
        await socket.receive_json_from()
        peer_sockets.append(socket)
    record = Recorder({"day": await moderator_socket(sockets, day), "night": await moderator_socket(sockets, night)})
    await record.drain()  # the empty snapshots

    # The student: anonymous, then named (a crisis, an insult, an opinion peers report), then anonymous again.
    await say(s, "rough week on surgery", "a1")
    await switch(s, anonymous=False)
    named_crisis = await say(s, CRISIS, "n1")
    insult = await say(s, INSULT, "n2")
    opinion = await say(s, OPINION, "n3")
    for number, peer in enumerate(peer_sockets):
        await peer.send_json_to({"type": "message.report", "seq": opinion["seq"], "reason": f"reason {number}"})
        await receive_until(peer, "report.ack")
    await switch(s, anonymous=True)
    plan = await say(s, PLAN, "a2")
    assert plan["status"] == "held"
    await record.drain()

    named_escalation = await sync_to_async(Escalation.objects.get)(message__seq=named_crisis["seq"])
    anonymous_escalation = await sync_to_async(Escalation.objects.get)(message__seq=plan["seq"])
    insult_flag = await sync_to_async(Flag.objects.get)(message__seq=insult["seq"])
    report_flag = await sync_to_async(Flag.objects.get)(message__seq=opinion["seq"], source="report")

    # Every tool on the dashboard, as the dashboard uses it: members named by the message's seq.
    await record.act("day", {"type": "escalation.ack", "id": anonymous_escalation.pk})
    await record.act(
        "day", {"type": "escalation.hand_over", "id": named_escalation.pk, "to": "mod_night", "note": "yours"}
    )
    await record.act("night", {"type": "flag.dismiss", "id": report_flag.pk, "reason": "a fair opinion"})
    for frame in (
        {"type": "user.warn", "room": "burnout", "seq": insult["seq"], "reason": "be kind"},
        {"type": "user.mute", "room": "burnout", "seq": insult["seq"], "minutes": 10, "reason": "cool off"},
        {"type": "message.hide", "room": "burnout", "seq": insult["seq"], "reason": "abuse"},
        {"type": "room.slow_mode", "room": "burnout", "seconds": 10, "reason": "heated"},
    ):
        await record.act("day", frame)
    await sync_to_async(record.http)(
        night,
        "POST",
        "/api/moderation/actions/",
        {"type": "user.warn", "room": "burnout", "seq": plan["seq"], "reason": "x"},
    )
    await sync_to_async(record.http)(
        night, "POST", "/api/moderation/actions/", {"type": "escalation.ack", "id": named_escalation.pk}
    )
    await record.act("night", {"type": "escalation.resolve", "id": named_escalation.pk, "note": "spoke, safe"})
    requested = await record.act("day", {"type": "identity.reveal", "flag": insult_flag.pk, "reason": "abuse"})
    assert requested["status"] == "pending"
    await record.drain()
    later, _ = await sockets("/ws/moderation/", day)
    record.seen.append(("late queue.snapshot", await later.receive_json_from()))
    await sync_to_async(record.http)(day, "GET", "/api/moderation/queue/")
    await sync_to_async(record.http)(night, "GET", "/api/moderation/audit/")

    types = {frame.get("type") for _, frame in record.seen}
    assert {
        "queue.snapshot",
        "escalation.new",
        "escalation.updated",
        "flag.new",
        "flag.updated",
        "case.handed_over",
        "reveal.requested",
        "action.done",
    } <= types
    before_reveal = list(record.seen)
    assert linking_objects(before_reveal, alias) == [], "nothing links the alias and the name without a reveal"
    # Positive: the walk saw both identities of the student, each on its own.
    text = json.dumps(before_reveal, ensure_ascii=False)
    assert alias in text and "Priya Raman" in text
    assert sum(1 for _ in objects([document for _, document in before_reveal])) > 200

    # A second moderator approves: the requester learns who it is. Only that frame links the two.
    await record.act("night", {"type": "identity.reveal.approve", "request": requested["request"]})
    await record.drain(0.5)
    await sync_to_async(record.http)(day, "GET", "/api/moderation/audit/")
    after = record.seen[len(before_reveal) :]
    linking = linking_objects(after, alias)
    assert linking, "positive control: the checker finds an alias beside the name when there is one"
    assert {label for label, _ in linking} == {"day identity.revealed"}
    assert all(obj["type"] == "identity.revealed" and obj["alias"] == alias for _, obj in linking)
    assert await sync_to_async(
        RevealRequest.objects.filter(pk=requested["request"], status="revealed", member__user=student).exists
    )()
