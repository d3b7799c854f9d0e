"""How fast one account or one network address may try to log in: what a locked-out person is told.

Counting failed log-ins is django-axes's job (configured in settings, "Log-in throttling"); this module
decides what the person sees when axes refuses them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


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
