"""HTTP JSON for group sessions: list and schedule a room's sessions, RSVP and cancel.

Errors use the WebSocket error shape plus ``field`` for session problems (``sessions.SessionError``), so a
form can show the message next to the right input.
"""

from datetime import date, datetime

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import rsvps, services, sessions
from .http import error_response, json_body, not_logged_in_response, protocol_error_response
from .models import SessionOccurrence
from .permissions import check_room_staff
from .protocol import BAD_REQUEST, NOT_FOUND, ProtocolError


def _local_datetime(data: dict, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(data[name]))
    except (KeyError, ValueError):
        raise sessions.SessionFieldError(
            name, f"'{name}' must be a local date and time like 2027-10-21T19:00"
        ) from None
    if value.tzinfo is not None:
        raise sessions.SessionFieldError(name, f"'{name}' is a local wall-clock time: leave out the UTC offset")
    return value


def _series_request(data: dict, room, user) -> sessions.SeriesRequest:
    start, end = _local_datetime(data, "start"), _local_datetime(data, "end")
    until = data.get("weekly_until")
    try:
        weekly_until = date.fromisoformat(until) if until else None
    except (TypeError, ValueError):
        raise sessions.SessionFieldError("weekly_until", "'weekly_until' must be a date like 2027-12-31") from None
    if data.get("repeat") == "weekly" and weekly_until is None:
        raise sessions.ScheduleError("weekly_until", "a weekly series needs an end date")
    capacity = data.get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool):
        raise sessions.SessionFieldError("capacity", "'capacity' must be a whole number")
    return sessions.SeriesRequest(
        room=room,
        title=data.get("title", ""),  # checked (text, length) by check_series
        description=str(data.get("description", "")),
        time_zone=str(data.get("time_zone", "")),
        local_start=start,
        duration_minutes=int((end - start).total_seconds() // 60),
        weekly_until=weekly_until,
        capacity=capacity,
        facilitator=user,
        co_facilitators=sessions.check_co_facilitators(room, user, data.get("co_facilitators")),
    )


@require_http_methods(["GET", "POST"])
def room_sessions(request, slug: str):
    if not request.user.is_authenticated:
        return not_logged_in_response()
    try:
        room = services.get_room(slug)
    except services.RoomNotFound:
        return error_response(NOT_FOUND, "no such room")
    now = timezone.now()
    if request.method == "GET":
        listed = sessions.upcoming(room, now)
        if request.GET.get("recent") == "1":  # staff: also the last week's sessions, for summaries
            try:
                check_room_staff(request.user, room)
            except ProtocolError as error:
                return protocol_error_response(error)
            listed = sessions.recent_and_upcoming(room, now)
            return JsonResponse(
                {"sessions": [sessions.occurrence_payload(o, request.user, staff=True) for o in listed]}
            )
        return JsonResponse({"sessions": [sessions.occurrence_payload(o, request.user) for o in listed]})
    try:
        check_room_staff(request.user, room)
    except ProtocolError as error:
        return protocol_error_response(error)
    try:
        data = json_body(request)
        series = sessions.do_create_series(_series_request(data, room, request.user), now)
    except ProtocolError as error:
        return protocol_error_response(error)
    except sessions.SessionError as error:
        return error_response(BAD_REQUEST, error.message, error.field)
    occurrences = sessions.with_details(series.occurrences.all())
    return JsonResponse(
        {"series": series.pk, "sessions": [sessions.occurrence_payload(o, staff=True) for o in occurrences]},
        status=201,
    )


@require_http_methods(["POST", "DELETE"])
def rsvp(request, occurrence_id: int):
    if not request.user.is_authenticated:
        return not_logged_in_response()
    if not SessionOccurrence.objects.filter(pk=occurrence_id).exists():
        return error_response(NOT_FOUND, "no such session")
    try:
        if request.method == "POST":
            rsvps.do_rsvp(request.user, occurrence_id)
        else:
            rsvps.do_cancel_rsvp(request.user, occurrence_id)
    except ProtocolError as error:
        return protocol_error_response(error)
    except sessions.SessionError as error:
        return error_response(BAD_REQUEST, error.message, error.field)
    occurrence = sessions.with_details(SessionOccurrence.objects.all()).get(pk=occurrence_id)
    return JsonResponse(sessions.occurrence_payload(occurrence, request.user))


def _staff_occurrence(request, occurrence_id: int):
    """Return (occurrence, None) if the user runs its room, else (None, error response)."""
    if not request.user.is_authenticated:
        return None, not_logged_in_response()
    occurrence = SessionOccurrence.objects.select_related("series__room").filter(pk=occurrence_id).first()
    if occurrence is None:
        return None, error_response(NOT_FOUND, "no such session")
    try:
        check_room_staff(request.user, occurrence.series.room)
    except ProtocolError as error:
        return None, protocol_error_response(error)
    return occurrence, None


@require_http_methods(["POST"])
def manage_session(request, occurrence_id: int, action: str):
    """Facilitator actions on one session: cancel (one or the series), move, end, edit (the series).

    Anyone who runs the room may act, co-facilitators included (they are the room's facilitators).
    """
    occurrence, refused = _staff_occurrence(request, occurrence_id)
    if refused is not None:
        return refused
    now = timezone.now()
    try:
        data = json_body(request, empty={})
        if action == "cancel":
            cancelled = sessions.do_cancel(occurrence, data.get("scope") == "series", now)
            return JsonResponse({"cancelled": [o.pk for o in cancelled]})
        if action == "move":
            start, end = _local_datetime(data, "start"), _local_datetime(data, "end")
            sessions.do_move(occurrence, start, int((end - start).total_seconds() // 60), now)
        elif action == "end":
            sessions.do_end(occurrence, now)
        elif action == "edit":
            fields = {k: data[k] for k in ("title", "description", "capacity") if k in data}
            if "co_facilitators" in data:
                series = occurrence.series
                fields["co_facilitators"] = sessions.check_co_facilitators(
                    series.room, series.facilitator, data["co_facilitators"]
                )
            sessions.do_edit_series(occurrence.series, now, **fields)
        else:
            return error_response(NOT_FOUND, "unknown action")
    except ProtocolError as error:
        return protocol_error_response(error)
    except sessions.SessionError as error:
        return error_response(BAD_REQUEST, error.message, error.field)
    occurrence = sessions.with_details(SessionOccurrence.objects.all()).get(pk=occurrence_id)
    return JsonResponse(sessions.occurrence_payload(occurrence, staff=True))


@require_http_methods(["GET"])
def session_summary(request, occurrence_id: int):
    occurrence, refused = _staff_occurrence(request, occurrence_id)
    if refused is not None:
        return refused
    return JsonResponse(rsvps.summary(occurrence))
