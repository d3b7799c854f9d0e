"""ASGI entry point: HTTP goes to Django, WebSockets to the Channels router."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatserver.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chatserver.origins import SameOriginValidator  # noqa: E402
from chatserver.routing import websocket_urlpatterns  # noqa: E402
from chatserver.send_buffer import SendBufferLimit  # noqa: E402
from chatserver.ws_auth import PooledAuthMiddlewareStack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Only pages of this site (scheme, host and port) may open a socket: chatserver/origins.py.
        # Outermost, so it holds Daphne's own send: a client that stops reading is closed (chatserver/send_buffer.py;
        # under Uvicorn the room socket's Outbox in core/fanout.py bounds it instead).
        "websocket": SendBufferLimit(SameOriginValidator(PooledAuthMiddlewareStack(URLRouter(websocket_urlpatterns)))),
    }
)
