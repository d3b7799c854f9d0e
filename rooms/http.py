"""JSON over HTTP: request bodies read as strictly as WebSocket frames, errors in the protocol's error shape.

Every endpoint that takes a JSON body reads it with ``json_body``, so a body that is too large, too deep,
not JSON or not one object is a 400 with a code (docs/protocol.md, "HTTP JSON"), never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from core.errors import NOT_LOGGED_IN, TOO_LONG, ApiError, http_status

from .protocol import ProtocolError, decode_json_object


def error_response(code: str, detail: str, field: str | None = None) -> JsonResponse:
    """Return the protocol's error object with the code's HTTP status; ``field`` names the input, for forms."""
    body = {"type": "error", "code": code, "detail": detail}
    if field:
        body["field"] = field
    return JsonResponse(body, status=http_status(code))


def not_logged_in_response() -> JsonResponse:
    """Return the 401 answer of an endpoint that needs a signed-in user."""
    return error_response(NOT_LOGGED_IN, "log in first")


def protocol_error_response(error: ApiError) -> JsonResponse:
    """Return the answer to an ``ApiError``: its error object, with its code's HTTP status."""
    return JsonResponse(error.frame(), status=error.status)


def json_body(request, *, empty: dict | None = None) -> dict:
    """Return the request body's one JSON object (``empty`` for no body, if given); raise ProtocolError.

    The size is checked on Content-Length before the body is read, so a huge upload is refused unread.
    """
    limit = settings.CHAT_MAX_FRAME_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise ProtocolError(TOO_LONG, f"body larger than {limit} bytes")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ProtocolError(TOO_LONG, f"body larger than {limit} bytes") from None
    if not raw and empty is not None:
        return dict(empty)
    return decode_json_object(raw, "body")
