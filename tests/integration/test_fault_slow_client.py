"""Fault: a client that stops reading. The server must not hold an ever-growing backlog for it, nor make anyone
else wait: past CHAT_MAX_SEND_BUFFER_BYTES unsent, its socket is closed (4413, docs/protocol.md)."""

import json
import socket

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from tests.integration.harness import make_sessions, manage, next_frame, open_room, wait_presence

pytestmark = [pytest.mark.integration, pytest.mark.faults]

MESSAGES = 100
LONG_BODY = " ".join(f"notes on the cardiology block, part {n}: murmurs, rhythms and the exam." for n in range(50))

SEED = f"""
from chatserver.models import User
from rooms import services
from rooms.models import Room
author = User.objects.create(username="archivist", first_name="Ari", last_name="Vist")
membership = services.do_join_room(author, Room.objects.get(slug="burnout"))
for n in range({MESSAGES}):
    result = services.do_send_message(membership.pk, f"seed-{{n}}", f"{{n}}: " + {LONG_BODY!r})
    assert result.status == "delivered", result.status
"""


async def open_non_reading_socket(server, session_key: str):
    """A socket whose client reads nothing after room.joined: a tiny receive buffer, and no frames queued."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    raw.connect_ex(("127.0.0.1", server.port))
    websocket = await ws_connect(
        f"{server.ws}/ws/rooms/burnout/",
        sock=raw,
        additional_headers=server.headers(session_key),
        max_queue=1,  # websockets stops reading from the socket once one frame waits unread
        max_size=2**24,
        close_timeout=1,
    )
    assert json.loads(await websocket.recv())["type"] == "room.joined"
    return websocket


async def test_a_client_that_stops_reading_is_closed_and_delays_nobody(sqlite_env, start_server):
    env = dict(sqlite_env, CHAT_MAX_SEND_BUFFER_BYTES=str(512 * 1024))
    manage(env, "shell", "-c", SEED)
    server = start_server(env)
    stalled_key, reader_key = make_sessions(env, "slow", 2)

    reader, _ = await open_room(server, reader_key, "burnout")
    stalled = await open_non_reading_socket(server, stalled_key)
    await wait_presence(reader, 2)

    # The stalled client asks for far more than it reads: 30 pages of history, about 11 MB.
    for _ in range(30):
        await stalled.send(json.dumps({"type": "history.fetch", "before_seq": MESSAGES + 1, "limit": 100}))

    # Everyone else goes on as before.
    await reader.send(json.dumps({"type": "message.send", "client_id": "r-1", "body": "still here?"}))
    assert (await next_frame(reader, "message.ack"))["seq"] == MESSAGES + 1
    assert (await next_frame(reader, "message"))["body"] == "still here?"

    # The server lets the stalled socket go instead of buffering its backlog (Daphne's ping timeout would
    # take 50 s): the others see it leave.
    await wait_presence(reader, 1, timeout=15)

    # When the stalled client reads again it finds its socket closed: with 4413 if the close frame reached it,
    # or dropped (1006) once the server gave up waiting for it; either way it reconnects and catches up by seq.
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await stalled.recv()
    assert closed.value.rcvd is None or closed.value.rcvd.code == 4413
    await reader.close()
