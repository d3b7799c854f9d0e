"""HTTP middleware of our own."""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import sync_and_async_middleware


def _no_store_if_signed_in(request, response) -> None:
    # A session cookie means the answer may be personal: every signed-in page names its user, and some show
    # secrets (the calendar URL on /privacy/), reveals or conversations. Students share hospital and library
    # computers, so neither the browser's cache nor a proxy's may keep them. Reading the cookie, not the
    # session, keeps this free of database queries and safe in async views.
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        add_never_cache_headers(response)


@sync_and_async_middleware
def no_store_when_signed_in(get_response):
    """Mark every answer to a request with a session cookie ``Cache-Control: no-store`` (and private)."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            response = await get_response(request)
            _no_store_if_signed_in(request, response)
            return response

    else:

        def middleware(request):
            response = get_response(request)
            _no_store_if_signed_in(request, response)
            return response

    return middleware
