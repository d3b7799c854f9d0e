"""Server memory while clients that stopped reading ask for far more than they read.

    python bench/slow_client_memory.py [CHAT_MAX_SEND_BUFFER_BYTES]

Starts one Daphne process on a SQLite file with 100 long messages in a room, opens 3 sockets that read nothing
after room.joined, has each ask for 30 pages of history (about 11 MB each), and prints the process's resident
memory before and at its peak over the next 10 s. Run it with the default bound (1048576) and with an
unreachable one (1000000000000) to see what the bound saves (numbers in docs/operations.md, "What is guaranteed").
"""

import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.harness import Server, base_env, free_port, make_sessions, manage
from tests.integration.test_fault_slow_client import MESSAGES, SEED, open_non_reading_socket

STALLED_CLIENTS = 3
PAGES = 30


def resident_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


async def measure(limit: int) -> None:
    directory = Path(tempfile.mkdtemp(prefix="medpeer-slow-client-"))
    try:
        env = base_env(DATABASE_URL=f"sqlite:///{directory}/db.sqlite3", CHAT_MAX_SEND_BUFFER_BYTES=str(limit))
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        manage(env, "shell", "-c", SEED)
        server = Server(port=free_port(), env=env, log_path=directory / "server.log").start()
        try:
            sockets = [await open_non_reading_socket(server, key) for key in make_sessions(env, "m", STALLED_CLIENTS)]
            await asyncio.sleep(1)
            before = peak = resident_kib(server.process.pid)
            for socket_ in sockets:
                for _ in range(PAGES):
                    await socket_.send(json.dumps({"type": "history.fetch", "before_seq": MESSAGES + 1, "limit": 100}))
            for _ in range(40):
                await asyncio.sleep(0.25)
                peak = max(peak, resident_kib(server.process.pid))
            print(
                f"CHAT_MAX_SEND_BUFFER_BYTES={limit}: resident {before / 1024:.0f} MiB before, "
                f"{peak / 1024:.0f} MiB at peak ({STALLED_CLIENTS} stalled clients x {PAGES} pages)"
            )
        finally:
            server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 1024 * 1024))
