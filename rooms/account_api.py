"""HTTP for a student's data rights: download everything we hold about them, delete their account."""

from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .http import json_body, not_logged_in_response, protocol_error_response
from .personal_data import check_may_delete_account, do_delete_account, export_personal_data
from .protocol import BAD_REQUEST, ProtocolError


def export_response(user) -> JsonResponse:
    """Return ``user``'s data as a JSON file download (named with today's date)."""
    now = timezone.now()
    response = JsonResponse(
        export_personal_data(user, now),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = f'attachment; filename="medpeer-my-data-{now:%Y-%m-%d}.json"'
    return response


@never_cache
@require_GET
def export_my_data(request):
    """GET /api/account/export/: everything we hold about the signed-in person, as one JSON document."""
    if not request.user.is_authenticated:
        return not_logged_in_response()
    return export_response(request.user)


@never_cache
@require_POST
def delete_my_account(request):
    """POST /api/account/delete/ ``{"password", "confirm": "delete my account"}``: delete the signed-in
    student's account (rooms.personal_data), then sign this browser out."""
    if not request.user.is_authenticated:
        return not_logged_in_response()
    try:
        body = json_body(request)
        password, confirm = body.get("password"), body.get("confirm")
        if not isinstance(password, str) or not isinstance(confirm, str):
            raise ProtocolError(BAD_REQUEST, "'password' and 'confirm' must be strings")
        check_may_delete_account(request, password, confirm)
    except ProtocolError as error:
        return protocol_error_response(error)
    do_delete_account(request.user)
    logout(request)
    return JsonResponse({"deleted": True})
