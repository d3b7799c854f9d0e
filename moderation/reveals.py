"""Revealing who is behind an alias: a request with a written reason, a second moderator's approval below
REVEAL_WITHOUT_SECOND_APPROVAL_LEVEL, the identity sent to the requester's own sockets only; and what a
student may read about reveals of their identity."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.events import publish_on_commit
from rooms import protocol
from rooms.models import Membership, Message
from rooms.protocol import BAD_REQUEST, FORBIDDEN, NOT_FOUND, ProtocolError

from .models import Flag, RevealRequest
from .payloads import MODERATORS_GROUP, shown_alias
from .targets import audit, check_account_exists, check_moderator, get_escalation


def moderator_group(user_id: int) -> str:
    """Channel-layer group of one moderator's sockets: revealed identities go there and nowhere else."""
    return f"moderator.{user_id}"


def _identity(member: Membership) -> dict:
    user = member.user
    return {"username": user.username, "name": user.get_full_name(), "email": user.email}


def _reveal_context_message(request: RevealRequest) -> Message:
    """The escalated or flagged message a reveal request was made about."""
    return (request.escalation or request.flag).message


def _reveal(request: RevealRequest, approver=None) -> None:
    request.status = RevealRequest.Status.REVEALED
    request.approved_by = approver
    request.revealed_at = timezone.now()
    request.save(update_fields=["status", "approved_by", "revealed_at"])
    audit(
        approver or request.requested_by,
        "identity.reveal",
        room=request.member.room,
        message=_reveal_context_message(request),
        member=request.member,
        reason=request.reason,
        request=request.pk,
        requested_by=request.requested_by_id,
    )
    frame = protocol.encode(
        {
            "type": "identity.revealed",
            "request": request.pk,
            "room": request.member.room.slug,
            "alias": request.member.alias,
            "identity": _identity(request.member),
        }
    )
    publish_on_commit(moderator_group(request.requested_by_id), {"type": "moderation.frame", "frame": frame})


@transaction.atomic
def do_request_reveal(moderator, reason: str, escalation_id: int | None, flag_id: int | None) -> RevealRequest:
    """Ask who wrote an escalated or flagged message.

    Revealed at once for escalations about the author's own risk at REVEAL_WITHOUT_SECOND_APPROVAL_LEVEL or
    above; otherwise it waits for a second moderator. An ``about_other`` escalation always waits: its level is
    the risk of the person the author worried about, not the author's, so it cannot justify unmasking the
    author on one moderator's word. The identity is sent only to the requesting moderator's own sockets.
    """
    check_moderator(moderator)
    if not reason.strip():
        raise ProtocolError(BAD_REQUEST, "a written reason is required to reveal an identity")
    if (escalation_id is None) == (flag_id is None):
        raise ProtocolError(BAD_REQUEST, "a reveal must name exactly one escalation or flag")
    if escalation_id is not None:
        context = get_escalation(escalation_id, lock=False)
        # The level that may waive the second moderator is the author's own risk, never someone else's.
        level = 0 if context.about_other else context.level
    else:
        try:
            context = Flag.objects.select_related("message__author", "room").get(pk=flag_id)
        except Flag.DoesNotExist:
            raise ProtocolError(NOT_FOUND, f"no flag {flag_id}") from None
        level = 0
    # A deleted account leaves a detached membership: nobody is behind the alias any more.
    check_account_exists(context.message.author)
    request = RevealRequest.objects.create(
        member=context.message.author,
        escalation=context if escalation_id is not None else None,
        flag=context if flag_id is not None else None,
        requested_by=moderator,
        reason=reason.strip(),
    )
    audit(
        moderator,
        "identity.reveal_request",
        room=context.room,
        message=context.message,
        member=request.member,
        reason=request.reason,
    )
    threshold = settings.REVEAL_WITHOUT_SECOND_APPROVAL_LEVEL
    if threshold and level >= threshold:
        _reveal(request)
    else:
        frame = protocol.encode(
            {
                "type": "reveal.requested",
                "request": request.pk,
                "room": context.room.slug,
                "escalation" if escalation_id is not None else "flag": context.pk,
                # The author as the message showed them: the alias only if it was posted under the alias.
                "alias": shown_alias(context.message),
                "shown_as": context.message.author_name,
                "reason": request.reason,
            }
        )
        publish_on_commit(MODERATORS_GROUP, {"type": "moderation.frame", "frame": frame})
    return request


@transaction.atomic
def do_approve_reveal(moderator, request_id: int) -> RevealRequest:
    """A second moderator approves a pending reveal; the requester then receives the identity."""
    check_moderator(moderator)
    try:
        request = (
            RevealRequest.objects.select_for_update(of=("self",))
            .select_related("member__user", "member__room")
            .get(pk=request_id)
        )
    except RevealRequest.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no reveal request {request_id}") from None
    if request.status != RevealRequest.Status.PENDING:
        raise ProtocolError(BAD_REQUEST, "this request was already decided")
    if request.requested_by_id == moderator.pk:
        raise ProtocolError(FORBIDDEN, "a second moderator must approve your own request")
    check_account_exists(request.member)
    _reveal(request, approver=moderator)
    return request


def reveals_of(user) -> list[dict]:
    """What a student may see about reveals of their identity: when, by which role, why, in which room."""
    requests = RevealRequest.objects.filter(member__user=user, status=RevealRequest.Status.REVEALED).select_related(
        "member__room", "requested_by"
    )
    return [
        {
            "when": r.revealed_at,
            "room": r.member.room.title,
            "by_role": r.requested_by.get_role_display(),
            "approved_by_second_moderator": r.approved_by_id is not None,
            "reason": r.reason,
        }
        for r in requests.order_by("-revealed_at")
    ]
