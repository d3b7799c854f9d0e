"""The floor for bench/fanout.py: a plain `websockets` broadcast server, no framework.

Every text frame a client sends on /<room> goes, as it is, to every socket on that path (the sender too).
Usage: python bench/raw_server.py PORT
"""

import asyncio
import collections
import sys

from websockets.asyncio.server import broadcast, serve

rooms: dict[str, set] = collections.defaultdict(set)


async def handler(websocket) -> None:
    members = rooms[websocket.request.path]
    members.add(websocket)
    try:
        async for message in websocket:
            broadcast(members, message)
    finally:
        members.discard(websocket)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
