"""HTTP JSON API: the room directory and message history (same message objects as the WebSocket)."""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import history, reads, services, sessions
from .calendar import room_feed, user_feed
from .http import error_response, not_logged_in_response
from .models import CalendarToken, Membership, Room
from .presence import presence
from .protocol import BAD_REQUEST, FORBIDDEN, NOT_FOUND


@require_GET
async def room_list(request):
    """List active rooms with how many people are online in each, and for a signed-in member their unread count."""
    rooms = [room async for room in Room.objects.filter(is_active=True).order_by("title")]
    online = await presence.counts([room.pk for room in rooms])
    next_sessions = await sync_to_async(_next_sessions)(rooms)
    user = await request.auser()
    unread = (
        await sync_to_async(reads.unread_counts)(user, [room.pk for room in rooms]) if user.is_authenticated else {}
    )
    return JsonResponse(
        {
            "rooms": [
                {
                    "slug": room.slug,
                    "title": room.title,
                    "description": room.description,
                    "anonymity": room.anonymity,
                    "posting_open": room.posting_open,
                    "last_seq": room.last_seq,
                    "online": online[room.pk],
                    "next_session": next_sessions.get(room.pk),
                    # Rooms the user never joined have no count (null), not zero.
                    "unread": unread.get(room.pk),
                }
                for room in rooms
            ]
        }
    )


def _next_sessions(rooms) -> dict:
    found = sessions.next_sessions(rooms, timezone.now())
    return {room_id: sessions.occurrence_payload(occurrence) for room_id, occurrence in found.items()}


def _int_param(request, name: str, minimum: int) -> int | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < minimum:
        raise ValueError(f"'{name}' must be an integer >= {minimum}")
    return int(raw)


@require_GET
def room_messages(request, slug: str):
    """Return messages of a room: the latest page, or a page before ``before_seq`` / after ``after_seq``."""
    if not request.user.is_authenticated:
        return not_logged_in_response()
    try:
        room = services.get_room(slug)
    except services.RoomNotFound:
        return error_response(NOT_FOUND, "no such room")
    try:
        after_seq = _int_param(request, "after_seq", 0)
        before_seq = _int_param(request, "before_seq", 1)
        limit = _int_param(request, "limit", 1)
    except ValueError as error:
        return error_response(BAD_REQUEST, str(error))
    if after_seq is not None and before_seq is not None:
        return error_response(BAD_REQUEST, "give at most one of 'after_seq' and 'before_seq'")
    limit = limit or settings.CHAT_HISTORY_ON_JOIN
    if limit > settings.CHAT_HISTORY_PAGE_MAX:
        return error_response(BAD_REQUEST, f"'limit' must be at most {settings.CHAT_HISTORY_PAGE_MAX}")

    viewer = Membership.objects.filter(user=request.user, room=room).first()
    if viewer is not None and viewer.is_banned:
        return error_response(FORBIDDEN, "you are banned from this room")
    if after_seq is not None:
        messages, has_more = history.messages_after(room.pk, viewer, after_seq, limit)
    else:
        messages, has_more = history.messages_before(room.pk, viewer, before_seq or room.last_seq + 1, limit)
    return JsonResponse({"room": room.slug, "last_seq": room.last_seq, "messages": messages, "has_more": has_more})


def room_calendar(request, slug: str):
    """A room's sessions as an iCalendar feed (public: it lists times and topics, nobody's name)."""
    try:
        room = services.get_room(slug)
    except services.RoomNotFound:
        raise Http404("no such room") from None
    return HttpResponse(room_feed(room, request.build_absolute_uri("/")), content_type="text/calendar; charset=utf-8")


@never_cache  # its URL is the secret; the feed lists the student's own sign-ups
def user_calendar(request, token: str):
    """A student's own sessions, at a secret URL (calendar apps cannot log in)."""
    owner = CalendarToken.objects.filter(token=token).select_related("user").first()
    if owner is None:
        raise Http404("unknown or reset calendar link")
    return HttpResponse(
        user_feed(owner.user, request.build_absolute_uri("/")), content_type="text/calendar; charset=utf-8"
    )
