"""The pages share one reconnecting socket (socket.js) and one button builder (dom.js), not copies of each.

A source check, so it runs everywhere; the browser tests (tests/frontend, Chromium) check the behaviour
(reconnect, resend of unacknowledged messages, the close codes' messages).
"""

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend"


def scripts():
    return {path.name: path.read_text() for path in STATIC.glob("*.js")}


def test_only_socket_js_opens_a_websocket():
    sources = scripts()
    assert [name for name, source in sources.items() if "new WebSocket(" in source] == ["socket.js"]
    for page in ("room.js", "moderation.js"):
        assert 'from "./socket.js"' in sources[page], f"{page} uses the shared reconnecting socket"
    assert "Math.random()" in sources["socket.js"], "the back-off has jitter"


def test_only_dom_js_builds_buttons():
    sources = scripts()
    builders = [name for name, source in sources.items() if re.search(r"createElement\(\s*[\"']button", source)]
    assert builders == []
    assert re.search(r'el\("button"', sources["dom.js"])
    for page in ("room.js", "moderation.js", "sessions.js", "facilitate.js"):
        assert 'from "./dom.js"' in sources[page], f"{page} builds buttons with dom.js"
