"""Frame helpers shared by every app: one serialisation for every frame a client receives."""

from __future__ import annotations

import json
from typing import Any


def encode(frame: dict[str, Any]) -> str:
    """Serialise a frame once, compactly, keeping non-ASCII text as it is."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
