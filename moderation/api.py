"""HTTP for moderators: the same actions as /ws/moderation/, the queue, and the audit log.

Session auth with Django's CSRF protection (send the csrftoken cookie's value as X-CSRFToken).
"""

import json

from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from rooms.protocol import BAD_REQUEST, FORBIDDEN, ProtocolError, int_field, typed_field

from . import services
from .consumers import perform
from .models import AuditEntry

AUDIT_PAGE = 200


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"type": "error", "code": code, "detail": detail}, status=status)


def _moderator_or_error(request):
    if not request.user.is_authenticated:
        return _error(401, FORBIDDEN, "log in first")
    if not request.user.is_moderator:
        return _error(403, FORBIDDEN, "moderators only")
    return None


@require_POST
def action(request):
    """Perform one moderator action given as the same JSON object as on the WebSocket."""
    if (refused := _moderator_or_error(request)) is not None:
        return refused
    try:
        data = json.loads(request.body)
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise ValueError
    except ValueError:
        return _error(400, BAD_REQUEST, "send one JSON object with a 'type'")
    try:
        return JsonResponse(perform(request.user, data["type"], data))
    except ProtocolError as error:
        status = {"not_found": 404, "forbidden": 403}.get(error.code, 400)
        return JsonResponse(error.frame(), status=status)


@require_GET
def queue(request):
    if (refused := _moderator_or_error(request)) is not None:
        return refused
    return JsonResponse(services.queue_snapshot())


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
                    "alias": e.member.alias if e.member else None,
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
        return _error(401, FORBIDDEN, "log in first")
    try:
        data = json.loads(request.body)
        kind = data["type"]
        if kind not in ("room.slow_mode", "room.pin", "message.pin"):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return _error(
            400,
            BAD_REQUEST,
            "send {'type': 'room.slow_mode', 'seconds'}, {'type': 'room.pin', 'text'} "
            "or {'type': 'message.pin', 'seq'}",
        )
    try:
        if kind == "room.pin":
            services.do_pin_announcement(request.user, slug, typed_field(data, "text", str))
        elif kind == "message.pin":
            services.do_pin_message(request.user, slug, int_field(data, "seq", required=True, minimum=0))
        else:
            services.do_set_slow_mode(request.user, slug, int_field(data, "seconds", required=True, minimum=0))
    except ProtocolError as error:
        status = {"not_found": 404, "forbidden": 403}.get(error.code, 400)
        return JsonResponse(error.frame(), status=status)
    return JsonResponse({"type": "action.done", "action": kind, "room": slug})
