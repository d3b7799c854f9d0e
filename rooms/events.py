"""Publishing after commit lives in ``core.events`` (the bottom layer); re-exported for rooms' callers."""

from core.events import bind_to_running_loop, publish, publish_on_commit, publish_room_frame

__all__ = ["bind_to_running_loop", "publish", "publish_on_commit", "publish_room_frame"]
