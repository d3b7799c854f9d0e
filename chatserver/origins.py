"""Which pages may open our WebSockets: the handshake's Origin must match by scheme, host and port.

Browsers send cookies with a cross-site WebSocket handshake, so the Origin check is what stops another site
(or another port or scheme on our host) from chatting as a logged-in student. The rule, the same one Django's
CSRF check applies to HTTP (docs/protocol.md, "Connecting"): the Origin must be

1. the site the handshake was addressed to: ``https://<Host>`` over a secure connection (``wss``, or the TLS
   proxy's SECURE_PROXY_SSL_HEADER says https), else ``http://<Host>``, where the Host header is one of
   ALLOWED_HOSTS; with SECURE_SSL_REDIRECT on (the site is HTTPS only) a plain-HTTP origin never matches; or
2. one of CSRF_TRUSTED_ORIGINS: exactly, or for ``https://*.example.edu`` a subdomain with that scheme and port.

No Origin header, several, or one that is not a bare ``scheme://host[:port]`` is refused. Settings are read on
every handshake.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(value: str) -> tuple[str, str, int] | None:
    """Return (scheme, host, port) for a bare origin like ``https://chat.example.edu``, else None."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path or parts.query or parts.fragment or value.endswith(("?", "#")):
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def origin_allowed(origin: str, host: str, secure: bool) -> bool:
    """Return whether a page at ``origin`` may open a socket addressed to ``host`` (the Host header)."""
    theirs = _origin(origin)
    if theirs is None:
        return False
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS) and (secure or not settings.SECURE_SSL_REDIRECT):
        if theirs == _origin(f"{'https' if secure else 'http'}://{host}"):
            return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" not in trusted:
            if theirs == _origin(trusted):
                return True
            continue
        pattern = urlsplit(trusted)
        if pattern.scheme == theirs[0] and is_same_domain(urlsplit(origin).netloc.lower(), pattern.netloc.lstrip("*")):
            return True
    return False


def _secure(scope: dict, headers: dict[bytes, list[bytes]]) -> bool:
    """Return whether the client reached us over TLS: ``wss`` itself, or the TLS proxy says so (as Django's
    ``request.is_secure()`` reads SECURE_PROXY_SSL_HEADER)."""
    if scope.get("scheme") == "wss":
        return True
    if not settings.SECURE_PROXY_SSL_HEADER:
        return False
    name, secure_value = settings.SECURE_PROXY_SSL_HEADER
    wanted = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
    values = headers.get(wanted)
    if not values:
        return False
    return values[0].decode("latin1").split(",", 1)[0].strip() == secure_value


class SameOriginValidator:
    """ASGI middleware for WebSockets: refuse the handshake (HTTP 403) unless the Origin is allowed."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator only guards WebSocket connections")
        headers: dict[bytes, list[bytes]] = {}
        for name, value in scope.get("headers", []):
            headers.setdefault(name.lower(), []).append(value)
        origins, hosts = headers.get(b"origin", []), headers.get(b"host", [])
        if len(origins) == 1 and len(hosts) == 1:
            origin, host = origins[0].decode("latin1"), hosts[0].decode("latin1")
            if origin_allowed(origin, host, _secure(scope, headers)):
                return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
