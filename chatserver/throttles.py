"""How fast one account or one network address may log in and sign up, and what a refused person is told.

Counting failed log-ins is django-axes's job (configured in settings, "Log-in throttling"); this module
decides what the person sees when axes refuses them. Sign-ups per address use our own sliding window
(rooms.ratelimit), shared by all server processes through Redis like the message rate limit.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render

from rooms.ratelimit import SlidingWindow


def client_address(request) -> str:
    """Return the client's network address as the ASGI server reports it (django-axes counts the same one).

    Behind a proxy this is right only with daphne --proxy-headers (docs/operations.md).
    """
    return request.META.get("REMOTE_ADDR") or "unknown"


def _duration(seconds: int) -> str:
    """Return a readable length of time in its largest whole unit: '1 hour', '10 minutes', '45 seconds'."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def lockout_message() -> str:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return (
        f"Too many failed log-ins for this account or from your network. For your safety, logging in is paused: "
        f"wait {minutes} minutes, then try again. Each attempt in the meantime starts the {minutes} minutes again."
    )


def login_lockout_response(request, original_response=None, credentials=None):
    """Return the log-in page, status 429, saying why and for how long log-in is refused.

    django-axes calls this with (request, original_response, credentials) from its synchronous middleware
    and with (request, credentials) from its asynchronous one (under Daphne), so neither is relied on.
    """
    username = request.POST.get("username", "") if request.method == "POST" else ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "next": request.POST.get("next", ""), "lockout": lockout_message()}
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    return response


def signup_limiter() -> SlidingWindow:
    return SlidingWindow("signup", settings.SIGNUP_RATE_LIMIT, settings.SIGNUP_RATE_LIMIT_SECONDS)


def admit_signup(request) -> bool:
    """Count one new account from the request's address; return False when the address is over its limit.

    Call only for a sign-up that is otherwise valid: a form with mistakes does not use up the limit.
    """
    return async_to_sync(signup_limiter().hit)(client_address(request)) is not None


def signup_refused_message() -> str:
    window = _duration(settings.SIGNUP_RATE_LIMIT_SECONDS)
    return (
        f"Too many new accounts from your network: at most {settings.SIGNUP_RATE_LIMIT} in {window}. "
        "Please try again later: within that time an earlier one stops counting."
    )
