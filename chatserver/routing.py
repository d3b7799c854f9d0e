from django.urls import re_path

from chatserver.consumers import UnknownPathConsumer
from moderation.checkin_consumers import CheckInConsumer, NoticeConsumer
from moderation.consumers import ModeratorConsumer
from rooms.consumers import RoomConsumer

websocket_urlpatterns = [
    re_path(r"^ws/rooms/(?P<slug>[-a-zA-Z0-9_]{1,64})/$", RoomConsumer.as_asgi()),
    re_path(r"^ws/moderation/$", ModeratorConsumer.as_asgi()),
    re_path(r"^ws/checkins/(?P<checkin_id>[0-9]{1,18})/$", CheckInConsumer.as_asgi()),
    re_path(r"^ws/notices/$", NoticeConsumer.as_asgi()),
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
