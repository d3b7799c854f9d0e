"""HTTP for moderators: the same actions as /ws/moderation/, the queue, and the audit log.

Session auth with Django's CSRF protection (send the csrftoken cookie's value as X-CSRFToken).
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from rooms.http import error_response, json_body, not_logged_in_response, protocol_error_response
from rooms.protocol import FORBIDDEN, ProtocolError, typed_field

from . import actions, payloads
from .models import AuditEntry

AUDIT_PAGE = 200


def _moderator_or_error(request):
    if not request.user.is_authenticated:
        return not_logged_in_response()
    if not request.user.is_moderator:
        return error_response(FORBIDDEN, "moderators only")
    return None


@require_POST
def action(request):
    """Perform one moderator action given as the same JSON object as on the WebSocket."""
    if (refused := _moderator_or_error(request)) is not None:
        return refused
    try:
        data = json_body(request)
        return JsonResponse(actions.perform(request.user, typed_field(data, "type", str), data))
    except ProtocolError as error:
        return protocol_error_response(error)


@require_GET
def queue(request):
    if (refused := _moderator_or_error(request)) is not None:
        return refused
    return JsonResponse(payloads.queue_snapshot())


def _member_shown(entry: AuditEntry) -> str | None:
    """The alias of the member an entry is about, as moderators knew them when they acted.

    An action about a message shows the alias only if that message was posted under it: next to a message
    posted under a name, the alias would tie the two together.
    """
    if entry.member is None:
        return None
    if entry.message is not None:
        return payloads.shown_alias(entry.message)
    return entry.member.alias


@require_GET
def audit(request):
    """The audit log, newest first; filter with ?action=user.ban&room=burnout&before=<id>."""
    if (refused := _moderator_or_error(request)) is not None:
        return refused
    entries = AuditEntry.objects.select_related("actor", "room", "message", "member").order_by("-id")
    if request.GET.get("action"):
        entries = entries.filter(action=request.GET["action"])
    if request.GET.get("room"):
        entries = entries.filter(room__slug=request.GET["room"])
    if request.GET.get("before", "").isdigit():
        entries = entries.filter(id__lt=int(request.GET["before"]))
    return JsonResponse(
        {
            "entries": [
                {
                    "id": e.pk,
                    "at": e.created_at.isoformat(),
                    "actor": e.actor.username if e.actor else None,
                    "action": e.action,
                    "room": e.room.slug if e.room else None,
                    "seq": e.message.seq if e.message else None,
                    "alias": _member_shown(e),
                    "reason": e.reason,
                    "data": e.data,
                }
                for e in entries[:AUDIT_PAGE]
            ]
        }
    )


@require_POST
def room_tool(request, slug: str):
    """Room tools for its facilitators and moderators.

    Body: {"type": "room.slow_mode", "seconds": int}, {"type": "room.pin", "text": str} or
    {"type": "message.pin", "seq": int} (0 unpins).
    """
    if not request.user.is_authenticated:
        return not_logged_in_response()
    try:
        data = json_body(request)
        kind = data.get("type")
        actions.run(request.user, actions.parse_room_tool(kind, data, slug))
    except ProtocolError as error:
        return protocol_error_response(error)
    return JsonResponse({"type": "action.done", "action": kind, "room": slug})
