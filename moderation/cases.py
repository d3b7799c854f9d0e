"""A moderator's own cases: dismissing a flag that needs no action, and handing an escalation over to a colleague.

Each is authorised on its own, audited, and published after commit, as in ``moderation.queue_actions``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chatserver.models import Role, User
from core.events import publish_on_commit
from rooms import protocol
from rooms.models import MessageState
from rooms.protocol import BAD_REQUEST, NOT_FOUND, ProtocolError

from .models import Escalation, EscalationStatus, Flag, FlagStatus
from .payloads import escalation_payload, flag_payload, push_to_moderators
from .reveals import moderator_group
from .targets import audit, check_moderator, get_escalation


@transaction.atomic
def do_dismiss_flag(moderator, flag_id: int, reason: str = "") -> Flag:
    """Close an open flag with no action on the visible message it is about. Audited as ``flag.dismiss`` with
    ``reason`` (may be empty).

    Raise ProtocolError: FORBIDDEN unless a moderator, NOT_FOUND for an unknown flag, BAD_REQUEST when the
    flag was already reviewed or its message is held (dismissed, a held message would wait unseen forever:
    it is delivered or hidden instead).
    """
    check_moderator(moderator)
    try:
        flag = Flag.objects.select_for_update(of=("self",)).select_related("message__author", "room").get(pk=flag_id)
    except Flag.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no flag {flag_id}") from None
    if flag.status != FlagStatus.OPEN:
        raise ProtocolError(BAD_REQUEST, "this flag was already reviewed")
    if flag.message.state == MessageState.HELD:
        raise ProtocolError(BAD_REQUEST, "this message is held from the room: deliver it or hide it")
    flag.status, flag.reviewed_at, flag.reviewed_by = FlagStatus.REVIEWED, timezone.now(), moderator
    flag.save(update_fields=["status", "reviewed_at", "reviewed_by"])
    audit(moderator, "flag.dismiss", room=flag.room, message=flag.message, reason=reason.strip(), source=flag.source)
    push_to_moderators("flag.updated", "flag", flag_payload(flag))
    return flag


def _colleague(username: str) -> User:
    colleague = User.objects.filter(username=username, is_active=True, role=Role.MODERATOR).first()
    if colleague is None:
        raise ProtocolError(NOT_FOUND, f"no active moderator {username!r}")
    return colleague


@transaction.atomic
def do_hand_over_escalation(moderator, escalation_id: int, to_username: str, note: str) -> Escalation:
    """Make an active colleague the owner of an unresolved escalation; they are told on their own sockets
    (``case.handed_over``), every moderator sees the new owner, and it is audited with the note.

    Any moderator may hand over any unresolved case (the owner may be asleep). An open escalation handed over
    becomes acknowledged: someone now has it. Raise ProtocolError: FORBIDDEN unless a moderator, NOT_FOUND for
    an unknown escalation or colleague, BAD_REQUEST for a resolved case, a hand-over to oneself or a blank note.
    """
    check_moderator(moderator)
    if not note.strip():
        raise ProtocolError(BAD_REQUEST, "say what your colleague needs to know")
    escalation = get_escalation(escalation_id)
    if escalation.status == EscalationStatus.RESOLVED:
        raise ProtocolError(BAD_REQUEST, "this escalation is already resolved")
    colleague = _colleague(to_username)
    if colleague.pk == moderator.pk:
        raise ProtocolError(BAD_REQUEST, "hand the case to a colleague, not to yourself")
    previous = escalation.owner
    escalation.owner = colleague
    fields = ["owner"]
    if escalation.status == EscalationStatus.OPEN:
        escalation.status, escalation.acknowledged_at = EscalationStatus.ACKNOWLEDGED, timezone.now()
        escalation.acknowledged_by = moderator
        fields += ["status", "acknowledged_at", "acknowledged_by"]
    escalation.save(update_fields=fields)
    audit(
        moderator,
        "escalation.hand_over",
        room=escalation.room,
        message=escalation.message,
        reason=note.strip(),
        to=colleague.username,
        previous_owner=previous.username if previous else None,
    )
    payload = escalation_payload(escalation)
    push_to_moderators("escalation.updated", "escalation", payload)
    frame = protocol.encode(
        {"type": "case.handed_over", "escalation": payload, "by": moderator.username, "note": note.strip()}
    )
    publish_on_commit(moderator_group(colleague.pk), {"type": "moderation.frame", "frame": frame})
    return escalation


def moderators_to_hand_over_to(moderator) -> list[dict]:
    """The active moderators ``moderator`` can hand a case to: [{"username", "name"}], by name."""
    colleagues = User.objects.filter(is_active=True, role=Role.MODERATOR).exclude(pk=moderator.pk)
    return sorted(
        ({"username": user.username, "name": user.display_name} for user in colleagues), key=lambda c: c["name"]
    )
