import asyncio

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import login
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from . import throttles
from .forms import SignUpForm
from .redis import get_redis, redis_enabled

HEALTH_TIMEOUT_SECONDS = 3


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False
    finally:
        connection.close_if_unusable_or_obsolete()


async def _channel_layer_ok() -> bool:
    if not redis_enabled():
        return True  # the in-memory layer lives in this process: if we answer, it is up
    try:
        return bool(await asyncio.wait_for(get_redis().ping(), HEALTH_TIMEOUT_SECONDS))
    except Exception:
        return False


@never_cache
async def healthz(request):
    """Report whether the database and the channel layer answer; 503 when either does not."""
    database = await sync_to_async(_database_ok)()
    channel_layer = await _channel_layer_ok()
    healthy = database and channel_layer
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if database else "down",
        "channel_layer": "ok" if channel_layer else "down",
        "channel_layer_backend": "redis" if redis_enabled() else "in-memory",
        "database_backend": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    }
    return JsonResponse(body, status=200 if healthy else 503)


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not throttles.admit_signup(request):
            form.add_error(None, throttles.signup_refused_message())
            return render(request, "registration/signup.html", {"form": form}, status=429)
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})
