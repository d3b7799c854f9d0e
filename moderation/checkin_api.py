"""HTTP for check-ins: a student asks for one ("Talk to a moderator privately"), lists their own; moderators list
the open ones. Session auth with CSRF, errors in the protocol's error shape (docs/protocol.md, "Check-ins")."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_http_methods

from rooms.http import error_response, json_body, not_logged_in_response, protocol_error_response
from rooms.protocol import FORBIDDEN, ProtocolError, typed_field

from . import checkins


@require_http_methods(["GET", "POST"])
def own_checkins(request):
    """GET: your check-ins with their unread counts. POST {"room"?: slug}: ask to talk to a moderator privately
    (201 with the new check-in, 200 with the one already open)."""
    if not request.user.is_authenticated:
        return not_logged_in_response()
    if request.method == "GET":
        return JsonResponse({"checkins": checkins.checkins_of_student(request.user)})
    try:
        data = json_body(request, empty={})
        room = typed_field(data, "room", str, required=False)
        checkin, created = checkins.do_request_checkin(request.user, room or None)
    except ProtocolError as error:
        return protocol_error_response(error)
    return JsonResponse({"checkin": checkins.student_summary(checkin)}, status=201 if created else 200)


@require_GET
def queue(request):
    """Open check-ins, urgent first (moderators only)."""
    if not request.user.is_authenticated:
        return not_logged_in_response()
    if not request.user.is_moderator:
        return error_response(FORBIDDEN, "moderators only")
    return JsonResponse({"checkins": checkins.open_queue()})
