"""Fan-out benchmark: our server against the Channels tutorial chat and a plain `websockets` server, in one run.

Not a test: it measures and asserts nothing. `make bench` runs the quick set (about 3 minutes),
`make bench FULL=1` everything; both write bench/results/<mode>-<time>.json and regenerate the tables in
docs/benchmarks.md and the plot docs/benchmarks-latency.png (bench/report.py).

    python bench/fanout.py [--full] [--label "what changed"] [--only raw,ours-production] [--seconds 5]

Every server runs as its own process, started here, on the same ASGI server (DEFAULT_SERVER, the one
production runs, unless a config names Daphne) and the same channel-layer settings (chatserver/settings.py;
bench/tutorial/settings.py copies them). Clients authenticate like a browser: our server gets a session
cookie and the page's Origin; the baselines get the Origin (they have no log-in). Senders send on a fixed
schedule whatever the replies (no coordinated omission): latency runs from when a message was due, not from
when it was written.

Definitions (docs/benchmarks.md repeats them):
- a delivery is one message frame arriving at one member's socket; a room of 22 members makes 22 per message;
- lost: not delivered within GRACE_SECONDS after the phase's last send;
- duplicate: a socket received the same message twice; reordered: a socket received a message after a
  later one (by ``seq`` on our server, by the sender's counter on the baselines: one sender per room);
- saturation: deliveries per second arriving during an overload phase (offered far above capacity),
  counted after its first second.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import datetime
import json
import os
import platform
import random
import resource
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from websockets.asyncio.client import connect as ws_connect  # noqa: E402

from tests.integration.harness import (  # noqa: E402
    base_env,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    make_sessions,
    manage,
)

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RESULTS = REPO / "bench" / "results"
# Every Redis key this run makes starts with this; cleanup_redis deletes exactly those.
RUN_PREFIX = f"fanout-{uuid.uuid4().hex[:8]}"

# The nine rooms seed_demo creates; the baselines use the same names.
ROOMS = [
    "burnout",
    "exam-stress",
    "isolation",
    "imposter-feelings",
    "clinical-rotations",
    "residency-match",
    "mentorship",
    "grief-difficult-cases",
    "wellness",
]
GRACE_SECONDS = 3.0
CRISIS_TEXT = "I have a plan and I'm going to do it this weekend"
# Ordinary chat lines; each message gets a unique tag in front so that no two bodies are the same.
LINES = [
    "anyone else still up studying for the shelf exam tonight",
    "my resident was kind today and it made the whole week better",
    "how do you all keep up with flashcards during surgery",
    "I finally slept eight hours and feel like a new person",
    "does it get easier after the first month of rotations",
    "thank you for the advice yesterday it really helped",
]


# ---------------------------------------------------------------------------------------------- servers


# The ASGI server production runs (the Dockerfile's CMD); baselines run on the same one.
DEFAULT_SERVER = "uvicorn"


@dataclass
class Config:
    """One server set-up to measure."""

    name: str
    kind: str  # ours | tutorial | raw
    title: str
    stack: str = ""  # ours: production (PostgreSQL + Redis) or embedded (SQLite + in-memory)
    redis: bool = False  # the tutorial's layer
    processes: int = 1
    server: str = DEFAULT_SERVER  # uvicorn | daphne


CONFIGS = {
    c.name: c
    for c in [
        Config("raw", "raw", "plain `websockets` broadcast (no framework)"),
        Config("tutorial-memory", "tutorial", "Channels tutorial chat, in-memory layer"),
        Config("tutorial-redis", "tutorial", "Channels tutorial chat, RedisChannelLayer", redis=True),
        Config("ours-embedded", "ours", "ours, SQLite + in-memory", stack="embedded"),
        Config("ours-production", "ours", "ours, PostgreSQL + Redis, 1 process", stack="production"),
        Config("ours-production-2", "ours", "ours, PostgreSQL + Redis, 2 processes", stack="production", processes=2),
        Config(
            "tutorial-redis-daphne",
            "tutorial",
            "Channels tutorial chat, RedisChannelLayer, on Daphne",
            redis=True,
            server="daphne",
        ),
        Config(
            "ours-production-daphne",
            "ours",
            "ours, PostgreSQL + Redis, 1 process, on Daphne",
            stack="production",
            server="daphne",
        ),
    ]
}
QUICK_CONFIGS = ["raw", "tutorial-redis", "ours-production"]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server did not listen within {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def server_command(config: Config, port: int) -> list[str]:
    if config.kind == "raw":
        return [sys.executable, str(REPO / "bench" / "raw_server.py"), str(port)]
    app = "bench.tutorial.asgi:application" if config.kind == "tutorial" else "chatserver.asgi:application"
    if config.server == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--ws",
            os.environ.get("BENCH_UVICORN_WS", "websockets-sansio"),
            "--ws-per-message-deflate",
            "false",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    # As in production and tests/integration/harness.py: no access log, handshakes queue for up to 20 s.
    return [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "--verbosity",
        "0",
        "--websocket_connect_timeout",
        "20",
        app,
    ]


@dataclass
class Servers:
    config: Config
    env: dict
    workdir: Path
    ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self) -> Servers:
        for index in range(self.config.processes):
            port = free_port()
            log = self.workdir / f"{self.config.name}-{index}.log"
            process = subprocess.Popen(
                server_command(self.config, port),
                env=self.env,
                cwd=REPO,
                stdout=log.open("ab"),
                stderr=subprocess.STDOUT,
            )
            self.ports.append(port)
            self.processes.append(process)
            wait_for_port(port, process, log)
        return self

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def rss_bytes(self) -> int:
        total = 0
        for process in self.processes:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for process in self.processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def log_tail(self) -> str:
        return "\n".join(
            (self.workdir / f"{self.config.name}-{i}.log").read_text(errors="replace")[-2000:]
            for i in range(self.config.processes)
        )


def machine_cpu() -> dict[str, float]:
    """CPU seconds so far: the whole machine busy and idle, and every postgres and redis-server process together.

    The difference over a phase says where the ceiling is: the cores (busy near 100%), PostgreSQL or Redis.
    PostgreSQL and Redis are shared with anything else running on the machine.
    """
    tick = os.sysconf("SC_CLK_TCK")
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    totals = {"busy": (sum(fields) - idle) / tick, "idle": idle / tick, "postgres": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        kind = "postgres" if name.startswith("postgres") else "redis" if name.startswith("redis-server") else None
        if kind:
            rest = text.rsplit(")", 1)[1].split()
            totals[kind] += (int(rest[11]) + int(rest[12])) / tick
    return totals


# ---------------------------------------------------------------------------------------------- clients


class Client:
    """How to talk to one kind of server: URLs, headers, send frames and parsing of delivered messages."""

    def __init__(self, config: Config, ports: list[int], sessions: list[str] | None = None):
        self.config = config
        self.ports = ports
        self.sessions = sessions or []

    def url(self, index: int, room: str, after_seq: int | None = None) -> str:
        port = self.ports[index % len(self.ports)]
        if self.config.kind == "ours":
            query = "" if after_seq is None else f"?after_seq={after_seq}"
            return f"ws://127.0.0.1:{port}/ws/rooms/{room}/{query}"
        if self.config.kind == "tutorial":
            return f"ws://127.0.0.1:{port}/ws/chat/{room.replace('-', '_')}/"
        return f"ws://127.0.0.1:{port}/{room}"

    def headers(self, index: int, session: str | None) -> dict[str, str]:
        port = self.ports[index % len(self.ports)]
        headers = {"Origin": f"http://127.0.0.1:{port}"}
        if session is not None:
            headers["Cookie"] = f"sessionid={session}"
        return headers

    async def connect(self, index: int, room: str, session: str | None = None, after_seq: int | None = None):
        """Open a socket; on our server, return it with its room.joined frame."""
        ws = await ws_connect(
            self.url(index, room, after_seq),
            additional_headers=self.headers(index, session if self.config.kind == "ours" else None),
            open_timeout=60,
            close_timeout=2,
            max_size=2**22,
            max_queue=None,
            compression=None,
        )
        joined = None
        if self.config.kind == "ours":
            joined = json.loads(await ws.recv())
            if joined.get("type") != "room.joined":
                raise RuntimeError(f"expected room.joined, got {joined}")
        return ws, joined

    def send_frame(self, tag: str, body: str) -> str:
        if self.config.kind == "ours":
            return json.dumps({"type": "message.send", "client_id": tag, "body": body})
        return json.dumps({"message": body})

    def parse(self, text: str) -> tuple[str, int | None] | None:
        """Return (body, seq) of a delivered chat message, or None for any other frame."""
        if self.config.kind == "ours":
            if not text.startswith('{"type":"message",'):
                return None
            frame = json.loads(text)
            return frame["body"], frame["seq"]
        return json.loads(text)["message"], None


def body_for(phase: int, room: int, number: int) -> str:
    return f"[{phase}.{room}.{number}] {LINES[number % len(LINES)]}"


def parse_tag(body: str) -> tuple[int, int, int] | None:
    if not body.startswith("["):
        return None
    phase, room, number = body[1 : body.index("]")].split(".")
    return int(phase), int(room), int(number)


@dataclass
class Member:
    ws: object
    room: int
    seen: set = field(default_factory=set)
    last_order: int = -1
    last_seq: int = 0


class Phase:
    """What one load phase measured."""

    def __init__(self, number: int, rooms: int, members_per_room: list[int]):
        self.number = number
        self.members_per_room = members_per_room
        self.due: list[dict[int, float]] = [{} for _ in range(rooms)]
        self.latencies = array.array("d")
        self.arrivals = array.array("d")
        self.duplicates = 0
        self.reordered = 0
        self.delivered = 0
        self.expected = 0
        self.closed = False


class Load:
    """Members connected to rooms, with a reader per socket routing deliveries to the current phase."""

    def __init__(self, client: Client):
        self.client = client
        self.members: list[Member] = []
        self.phase: Phase | None = None
        self.readers: list[asyncio.Task] = []
        self.handshake_seconds: list[float] = []
        # When any chat message last arrived (of any phase): settle() waits for the backlog to drain.
        self.last_arrival = 0.0

    async def connect(
        self, room_sizes: list[int], sessions: list[str | None], concurrency: int = 64, plan: list[int] | None = None
    ) -> float:
        """Connect members (room i gets room_sizes[i], or socket n goes to room plan[n]); return handshakes/s."""
        gate = asyncio.Semaphore(concurrency)
        if plan is None:
            plan = [room for room, size in enumerate(room_sizes) for _ in range(size)]

        async def one(index: int, room: int):
            async with gate:
                started = time.perf_counter()
                ws, _ = await self.client.connect(index, ROOMS[room], sessions[index % len(sessions)])
                self.handshake_seconds.append(time.perf_counter() - started)
                return Member(ws, room)

        started = time.perf_counter()
        self.members = list(await asyncio.gather(*(one(i, room) for i, room in enumerate(plan))))
        rate = len(plan) / (time.perf_counter() - started)
        self.readers = [asyncio.create_task(self.read(member)) for member in self.members]
        return rate

    async def read(self, member: Member) -> None:
        parse = self.client.parse
        with contextlib.suppress(Exception):
            async for text in member.ws:
                parsed = parse(text)
                if parsed is None:
                    continue
                now = self.last_arrival = time.perf_counter()
                body, seq = parsed
                tag = parse_tag(body)
                phase = self.phase
                if tag is None or phase is None or phase.closed or tag[0] != phase.number:
                    continue
                _, room, number = tag
                if number in member.seen:
                    phase.duplicates += 1
                    continue
                member.seen.add(number)
                order = seq if seq is not None else number
                if order < member.last_order:
                    phase.reordered += 1
                member.last_order = order
                phase.delivered += 1
                phase.latencies.append(now - phase.due[room][number])
                phase.arrivals.append(now)

    async def settle(self, quiet: float = 1.0, limit: float = 15.0) -> float:
        """Wait until no message has arrived for ``quiet`` seconds (at most ``limit``), so that a phase's
        backlog does not count against the next one; return the seconds waited."""
        started = time.perf_counter()
        while time.perf_counter() - max(self.last_arrival, started) < quiet and time.perf_counter() - started < limit:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        return time.perf_counter() - started

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(m.ws.close() for m in self.members), return_exceptions=True)


async def send_schedule(
    client: Client, ws, phase: Phase, room: int, rate: float, start: float, seconds: float, sent: list[int]
) -> None:
    """Send ``rate`` messages a second into ``room`` from ``start`` for ``seconds``, on schedule."""
    interval = 1.0 / rate
    number = 0
    while True:
        due = start + number * interval
        if due >= start + seconds:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        phase.due[room][number] = due
        body = body_for(phase.number, room, number)
        await ws.send(client.send_frame(f"b{phase.number}-{room}-{number}-{uuid.uuid4().hex[:6]}", body))
        number += 1
    sent[room] = number


def percentile(values, pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def summarise_latency(values) -> dict:
    if not values:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)
    pick = lambda pct: round(ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))] * 1000, 1)  # noqa: E731
    return {"p50_ms": pick(50), "p95_ms": pick(95), "p99_ms": pick(99), "max_ms": round(ordered[-1] * 1000, 1)}


class Bench:
    """Runs phases on one set of connected members."""

    def __init__(self, client: Client, load: Load, senders: list, grace: float = GRACE_SECONDS, cpu=None):
        self.client = client
        self.grace = grace
        # Seconds of CPU the servers have used so far: per-phase CPU cost, which contention on a shared
        # machine distorts far less than latency.
        self.cpu = cpu
        self.load = load
        self.senders = senders  # one socket per room, sending; also a member
        self.next_phase = 1

    async def phase(
        self, deliveries_per_second: float, seconds: float, saturation: bool = False, side_task=None
    ) -> dict:
        members_per_room = [0] * len(self.senders)
        for member in self.load.members:
            members_per_room[member.room] += 1
        phase = Phase(self.next_phase, len(self.senders), members_per_room)
        self.next_phase += 1
        for member in self.load.members:
            member.seen.clear()
            member.last_order = -1
        total_members = sum(members_per_room)
        # One sender per room; every room gets the same message rate.
        messages_per_second = deliveries_per_second / total_members * len(self.senders)
        per_room = messages_per_second / len(self.senders)
        sent = [0] * len(self.senders)
        start = time.perf_counter() + 0.2
        cpu_before = self.cpu() if self.cpu else None
        machine_before = machine_cpu()
        self.load.phase = phase
        side = asyncio.create_task(side_task(start, seconds)) if side_task else None
        await asyncio.gather(
            *(
                send_schedule(
                    self.client, ws, phase, room, per_room, start + room * (1.0 / per_room) / len(sent), seconds, sent
                )
                for room, ws in enumerate(self.senders)
            )
        )
        last_send = time.perf_counter()
        phase.expected = sum(count * members_per_room[room] for room, count in enumerate(sent))
        deadline = last_send + self.grace
        while phase.delivered < phase.expected and time.perf_counter() < deadline:  # noqa: ASYNC110 (poll)
            await asyncio.sleep(0.05)
        phase.closed = True
        cpu_used = self.cpu() - cpu_before if self.cpu else None
        machine_after = machine_cpu()
        used = {kind: machine_after[kind] - machine_before[kind] for kind in machine_after}
        wall = time.perf_counter() - start
        side_result = await side if side else None
        settled = await self.load.settle()
        # Saturation counts after the first second (a quarter of a short phase): the queue has built up by then.
        window_start, window_end = start + (min(1.0, seconds / 4) if saturation else 0.0), start + seconds
        in_window = sum(1 for t in phase.arrivals if window_start <= t < window_end)
        result = {
            "offered_deliveries_per_second": round(deliveries_per_second),
            "seconds": seconds,
            "rooms": len(self.senders),
            "members": total_members,
            "messages_sent": sum(sent),
            "expected": phase.expected,
            "delivered": phase.delivered,
            "lost": phase.expected - phase.delivered,
            "loss_pct": round(100 * (phase.expected - phase.delivered) / max(1, phase.expected), 2),
            "duplicates": phase.duplicates,
            "reordered": phase.reordered,
            # Within the send window plus the grace period, per second of sending.
            "deliveries_per_second": round(phase.delivered / seconds),
            # Server CPU (all processes) per 1,000 deliveries made, during the phase and its grace period.
            "server_cpu_ms_per_1000_deliveries": (
                round(1000 * cpu_used / phase.delivered * 1000, 1)
                if cpu_used is not None and phase.delivered
                else None
            ),
            # Where the CPU went during the phase (cores busy in %, of all cores; PostgreSQL and Redis in % of
            # one core), from when sending started to the end of the grace period.
            "machine_busy_pct": round(100 * used["busy"] / max(1e-9, used["busy"] + used["idle"]), 1),
            "servers_cpu_pct": round(100 * cpu_used / wall, 1) if cpu_used is not None else None,
            "postgres_cpu_pct": round(100 * used["postgres"] / wall, 1),
            "redis_cpu_pct": round(100 * used["redis"] / wall, 1),
            # How long the backlog took to drain after the grace period (before the next phase starts).
            "settle_seconds": round(settled, 1),
            **summarise_latency(phase.latencies),
        }
        if saturation:
            result["saturation_deliveries_per_second"] = round(in_window / (window_end - window_start))
        if side_result is not None:
            result.update(side_result)
        return result


# ---------------------------------------------------------------------------------------------- scenarios


def env_for(config: Config, workdir: Path, database: str | None) -> dict:
    if config.kind == "ours":
        if config.stack == "embedded":
            env = base_env(DATABASE_URL=f"sqlite:///{workdir / 'embedded.sqlite3'}")
        else:
            env = base_env(
                DATABASE_URL=database, REDIS_URL=REDIS, REDIS_KEY_PREFIX=f"{RUN_PREFIX}-{uuid.uuid4().hex[:8]}"
            )
        # The benchmark measures the server, not the per-user limits (which would refuse a bench sender).
        env.update(
            CHAT_RATE_LIMIT_MESSAGES="1000000",
            CHAT_FRAME_RATE_PER_SECOND="1000000",
            CHAT_FRAME_BURST="1000000",
            CHAT_MAX_SOCKETS_PER_USER="1000",
        )
        return env
    env = base_env(DJANGO_SETTINGS_MODULE="bench.tutorial.settings")
    if config.redis:
        env.update(REDIS_URL=REDIS, REDIS_KEY_PREFIX=f"{RUN_PREFIX}-tut-{uuid.uuid4().hex[:8]}")
    return env


@dataclass
class Plan:
    full: bool
    seconds: float
    loads: list[int]
    saturation_offered: int
    members_per_room: int = 22
    big_room: int = 500
    big_room_rate: int = 2000
    idle_sockets: int = 5000
    storm_clients: int = 1000
    crisis_interval: float = 0.5
    grace: float = GRACE_SECONDS
    # A directory: py-spy records each server process during the load nearest 2,000/s and the first 10 s of
    # opening the idle sockets (collapsed stacks).
    profile: str = ""


def start_profiler(
    plan: Plan, config: Config, servers: Servers | None, phase: str = "", seconds: float | None = None
) -> list[subprocess.Popen]:
    """py-spy record on every server process of ``config`` for one phase (``--profile DIR``), ``seconds`` long
    (default: a load phase's); ``phase`` names the files (``NAME-PHASE-INDEX.txt``)."""
    if not plan.profile or servers is None:
        return []
    Path(plan.profile).mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--pid",
                str(process.pid),
                "--duration",
                str(max(1, int(seconds if seconds is not None else plan.seconds))),
                "--format",
                "raw",
                "--nonblocking",
                # Only the thread holding the GIL: where Python CPU goes (waits on the network do not count).
                "--gil",
                "--output",
                str(Path(plan.profile) / f"{config.name}{'-' + phase if phase else ''}-{index}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for index, process in enumerate(servers.processes)
    ]


async def fanout_scenarios(
    config: Config, client: Client, sessions: list[str | None], plan: Plan, moderator, servers: Servers | None = None
) -> dict:
    """Multi-room fan-out at each load, then an overload phase for saturation."""
    rooms = len(ROOMS)
    load = Load(client)
    handshakes = await load.connect([plan.members_per_room] * rooms, sessions)
    # The first member of each room sends; it reads its room like everyone else.
    senders = [next(m.ws for m in load.members if m.room == room) for room in range(rooms)]
    bench = Bench(client, load, senders, plan.grace, servers.cpu_seconds if servers else None)
    results = {"connect_handshakes_per_second": round(handshakes, 1), "loads": []}
    await bench.phase(500, 1.0)  # warm-up: caches, connections, JIT-free but lazy imports
    # Crisis alerts ride along the load nearest 2,000 deliveries/s (the target's load).
    crisis_load = min(plan.loads, key=lambda rate: abs(rate - 2000))
    for rate in plan.loads:
        side = moderator if rate == crisis_load else None
        profilers = start_profiler(plan, config, servers) if rate == crisis_load else []
        result = await bench.phase(rate, plan.seconds, side_task=side)
        for profiler in profilers:
            profiler.wait()
        results["loads"].append(result)
        print(f"  {config.name} {rate}/s: {short(result)}", flush=True)
    if plan.saturation_offered:
        # Overload needs no long phase: its queue only grows (and must drain before the next scenario).
        result = await bench.phase(plan.saturation_offered, min(plan.seconds, 6.0), saturation=True)
        results["saturation"] = result
        print(
            f"  {config.name} saturation: {result['saturation_deliveries_per_second']}/s ({short(result)})", flush=True
        )
    await load.close()
    return results


def short(result: dict) -> str:
    return (
        f"p50 {result['p50_ms']} p99 {result['p99_ms']} max {result['max_ms']} ms, "
        f"cpu {result.get('server_cpu_ms_per_1000_deliveries')} ms/1000, "
        f"{result['deliveries_per_second']}/s, lost {result['loss_pct']}%, dup {result['duplicates']}, "
        f"reordered {result['reordered']}"
    )


def crisis_side_task(
    client: Client, student_session: str, moderator_session: str, interval: float, grace: float = GRACE_SECONDS
):
    """Crisis messages from one more member of the first room; latency to escalation.new on a moderator socket."""

    async def run(start: float, seconds: float) -> dict:
        port = client.ports[0]
        moderator = await ws_connect(
            f"ws://127.0.0.1:{port}/ws/moderation/",
            additional_headers={"Origin": f"http://127.0.0.1:{port}", "Cookie": f"sessionid={moderator_session}"},
            max_queue=None,
            compression=None,
            open_timeout=60,
        )
        student, _ = await client.connect(0, ROOMS[0], student_session)
        due: list[float] = []
        latencies: list[float] = []

        async def watch():
            async for text in moderator:
                if text.startswith('{"type":"escalation.new"'):
                    index = len(latencies)
                    latencies.append(time.perf_counter() - due[index])

        async def drain_student():
            async for _ in student:
                pass

        watcher = asyncio.create_task(watch())
        drainer = asyncio.create_task(drain_student())
        number = 0
        while start + number * interval < start + seconds:
            delay = start + number * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            due.append(start + number * interval)
            body = f"({number}) {CRISIS_TEXT}"
            await student.send(
                json.dumps({"type": "message.send", "client_id": f"crisis-{uuid.uuid4().hex}", "body": body})
            )
            number += 1
        deadline = time.perf_counter() + grace
        while len(latencies) < number and time.perf_counter() < deadline:  # noqa: ASYNC110 (poll)
            await asyncio.sleep(0.05)
        watcher.cancel()
        drainer.cancel()
        await asyncio.gather(moderator.close(), student.close(), return_exceptions=True)
        summary = summarise_latency(latencies)
        return {
            "crisis_alerts_sent": number,
            "crisis_alerts_received": len(latencies),
            **{f"crisis_{k}": v for k, v in summary.items()},
        }

    return run


async def big_room_scenario(
    config: Config, client: Client, sessions: list[str | None], plan: Plan, servers: Servers
) -> dict:
    """One room of plan.big_room members, one sender, at plan.big_room_rate deliveries/s."""
    load = Load(client)
    await load.connect([plan.big_room], sessions)
    bench = Bench(client, load, [load.members[0].ws], plan.grace, servers.cpu_seconds)
    await bench.phase(500, 1.0)
    result = await bench.phase(plan.big_room_rate, plan.seconds)
    print(f"  {config.name} big room {plan.big_room}: {short(result)}", flush=True)
    await load.close()
    return result


async def idle_sockets_scenario(
    config: Config, client: Client, sessions: list[str | None], servers: Servers, count: int, plan: Plan | None = None
) -> dict:
    """Handshakes/s while opening ``count`` sockets (64 in flight), then RSS per idle socket."""
    warm = Load(client)
    await warm.connect([1] * len(ROOMS), sessions)
    await asyncio.sleep(1.0)
    rss_before = servers.rss_bytes()
    load = Load(client)
    # Each account always opens its sockets in the same room (as tabs of one page would), so most handshakes
    # are of members coming back, as after a restart, not first joins.
    rooms = [(index % len(sessions)) % len(ROOMS) for index in range(count)]
    profilers = start_profiler(plan, config, servers, "handshakes", 10) if plan is not None else []
    rate = await load.connect([], sessions, plan=rooms)
    for profiler in profilers:
        profiler.wait()
    await asyncio.sleep(3.0)
    rss_after = servers.rss_bytes()
    result = {
        "sockets": count,
        "handshakes_per_second": round(rate, 1),
        "handshake_p50_ms": summarise_latency(load.handshake_seconds)["p50_ms"],
        "handshake_p99_ms": summarise_latency(load.handshake_seconds)["p99_ms"],
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "rss_per_socket_kb": round((rss_after - rss_before) / count / 1024, 1),
    }
    print(f"  {config.name} idle sockets: {result}", flush=True)
    await load.close()
    await warm.close()
    return result


async def reconnect_storm_scenario(client: Client, sessions: list[str], plan: Plan) -> dict:
    """plan.storm_clients members drop and reconnect at once with after_seq while messages flow.

    Caught up: the member has every message up to the room's last seq at the moment of the drop, from the
    replay in room.joined or live.
    """
    rooms = len(ROOMS)
    senders = Load(client)
    await senders.connect([1] * rooms, sessions[:rooms])
    clients = plan.storm_clients
    plan_rooms = [i % rooms for i in range(clients)]
    last_seq = [0] * clients
    sockets: list = [None] * clients
    gate = asyncio.Semaphore(256)

    async def first_connect(i):
        async with gate:
            ws, joined = await client.connect(i, ROOMS[plan_rooms[i]], sessions[rooms + i % (len(sessions) - rooms)])
            sockets[i] = ws
            last_seq[i] = joined["last_seq"]

    await asyncio.gather(*(first_connect(i) for i in range(clients)))

    async def track(i):
        with contextlib.suppress(Exception):
            async for text in sockets[i]:
                if text.startswith('{"type":"message",'):
                    last_seq[i] = max(last_seq[i], json.loads(text)["seq"])

    trackers = [asyncio.create_task(track(i)) for i in range(clients)]
    # Messages flow: 2 messages a second in every room (about 2,000 deliveries/s to these 1,000).
    stop = asyncio.Event()
    room_seq = [0] * rooms

    async def flow(room):
        ws = senders.members[room].ws
        number = 0
        while not stop.is_set():
            await ws.send(
                json.dumps(
                    {
                        "type": "message.send",
                        "client_id": f"storm-{uuid.uuid4().hex}",
                        "body": body_for(0, room, number),
                    }
                )
            )
            number += 1
            await asyncio.sleep(0.5)

    async def acks(room):
        with contextlib.suppress(Exception):
            async for text in senders.members[room].ws:
                if text.startswith('{"type":"message.ack"'):
                    room_seq[room] = max(room_seq[room], json.loads(text)["seq"] or 0)

    for task in senders.readers:
        task.cancel()
    flows = [asyncio.create_task(flow(r)) for r in range(rooms)] + [asyncio.create_task(acks(r)) for r in range(rooms)]
    await asyncio.sleep(3.0)
    for task in trackers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    await asyncio.sleep(0.5)  # messages keep flowing while everyone is away
    target = list(room_seq)
    storm_start = time.perf_counter()
    caught_up: list[float | None] = [None] * clients
    failures = 0

    async def reconnect(i):
        nonlocal failures
        room = plan_rooms[i]
        seen = set()
        try:
            async with gate:
                ws, joined = await client.connect(
                    i, ROOMS[room], sessions[rooms + i % (len(sessions) - rooms)], after_seq=last_seq[i]
                )
            need = set(range(last_seq[i] + 1, target[room] + 1))
            seen.update(m["seq"] for m in joined.get("history", []))
            async with asyncio.timeout(30):
                while not need <= seen:
                    text = await ws.recv()
                    if text.startswith('{"type":"message",'):
                        seen.add(json.loads(text)["seq"])
            caught_up[i] = time.perf_counter() - storm_start
            return ws
        except Exception:
            failures += 1
            return None

    back = await asyncio.gather(*(reconnect(i) for i in range(clients)))
    stop.set()
    for task in flows:
        task.cancel()
    times = [t for t in caught_up if t is not None]
    result = {
        "clients": clients,
        "caught_up": len(times),
        "failed": failures,
        "within_5s": sum(1 for t in times if t <= 5.0),
        "catch_up_p50_s": round(percentile(times, 50), 2) if times else None,
        "catch_up_p99_s": round(percentile(times, 99), 2) if times else None,
        "catch_up_max_s": round(max(times), 2) if times else None,
    }
    print(f"  reconnect storm: {result}", flush=True)
    await asyncio.gather(*(ws.close() for ws in back if ws is not None), return_exceptions=True)
    await senders.close()
    return result


# ---------------------------------------------------------------------------------------------- driver


class Setup:
    """Databases and sessions, made once per run and shared by the configs that can share them."""

    def __init__(self, workdir: Path, sessions_needed: int):
        self.workdir = workdir
        self.sessions_needed = sessions_needed
        self.database: str | None = None
        self.sessions: dict[str, tuple[list[str], list[str]]] = {}

    def prepare(self, config: Config, env: dict) -> tuple[list[str], list[str]]:
        """Migrate, seed and make sessions for ``config``'s database (once per database)."""
        key = config.stack
        if key not in self.sessions:
            started = time.monotonic()
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            students = make_sessions(env, "member", self.sessions_needed)
            moderators = make_sessions(env, "mod", 1, role="moderator")
            self.sessions[key] = (students, moderators)
            print(f"  prepared {key} database in {time.monotonic() - started:.0f}s", flush=True)
        return self.sessions[key]


async def measure_config(config: Config, plan: Plan, setup: Setup) -> dict:
    env = env_for(config, setup.workdir, setup.database)
    students: list[str | None] = [None]
    moderator_sessions: list[str] = []
    if config.kind == "ours":
        students, moderator_sessions = setup.prepare(config, env)
    servers = Servers(config, env, setup.workdir).start()
    client = Client(config, servers.ports, students if config.kind == "ours" else None)
    result: dict = {
        "config": config.name,
        "title": config.title,
        "kind": config.kind,
        "processes": config.processes,
        "server": config.server,
    }
    cpu_before = servers.cpu_seconds()
    try:
        moderator = None
        if config.kind == "ours":
            moderator = crisis_side_task(client, students[-1], moderator_sessions[0], plan.crisis_interval, plan.grace)
        result["fanout"] = await fanout_scenarios(config, client, students, plan, moderator, servers)
        if plan.full and config.name in {"raw", "tutorial-redis", "ours-production"}:
            result["big_room"] = await big_room_scenario(config, client, students, plan, servers)
        if plan.full and config.name in {"raw", "tutorial-redis", "ours-production", "ours-production-2"}:
            # On fresh processes: memory freed by the load phases would otherwise hold the new sockets.
            result["server_cpu_seconds"] = round(servers.cpu_seconds() - cpu_before, 1)
            servers.stop()
            servers = Servers(config, env, setup.workdir).start()
            cpu_before = servers.cpu_seconds()
            client = Client(config, servers.ports, students if config.kind == "ours" else None)
            result["idle_sockets"] = await idle_sockets_scenario(
                config, client, students, servers, plan.idle_sockets, plan
            )
        if plan.full and config.name in {"ours-production", "ours-production-2"}:
            # Let the server finish with the 5,000 sockets that just closed (their leaves hit Redis at once),
            # so the storm measures reconnecting, not the tail of that burst.
            await asyncio.sleep(10)
            result["reconnect_storm"] = await reconnect_storm_scenario(client, students, plan)
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
        print(f"  {config.name} FAILED: {result['error']}\n{servers.log_tail()}", flush=True)
    finally:
        result["server_cpu_seconds"] = result.get("server_cpu_seconds", 0) + round(
            servers.cpu_seconds() - cpu_before, 1
        )
        servers.stop()
    return result


def machine() -> dict:
    def version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"

    import channels
    import channels_redis
    import daphne
    import django
    import websockets

    try:
        import psycopg

        with psycopg.connect(POSTGRES) as conn:
            postgres = conn.execute("SHOW server_version").fetchone()[0]
    except Exception:
        postgres = "unreachable"
    try:
        import redis

        client = redis.Redis.from_url(REDIS)
        redis_version = client.info("server")["redis_version"]
        client.close()
    except Exception:
        redis_version = "unreachable"
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        memory = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 2**20:.0f} GiB"
    try:
        import uvicorn

        uvicorn_version = uvicorn.__version__
    except ImportError:
        uvicorn_version = "not installed"
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.__version__,
        "channels": channels.__version__,
        "channels_redis": channels_redis.__version__,
        "daphne": daphne.__version__,
        "uvicorn": uvicorn_version,
        "websockets": websockets.__version__,
        "postgresql": postgres,
        "redis": redis_version,
        # BENCH_COMMIT names the code when it is not a git checkout (an exported older commit, for a before/after).
        "commit": os.environ.get("BENCH_COMMIT") or version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]),
        "dirty": bool(
            subprocess.run(
                ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                capture_output=True,
                text=True,
            ).stdout.strip()
        ),
    }


def raise_file_limit(needed: int) -> None:
    """Raise the soft open-files limit (sockets) towards the hard one; servers started here inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        print(f"warning: open-files limit {soft} is below the {needed} this run needs", flush=True)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="every config and scenario (about 10 minutes)")
    parser.add_argument("--only", default="", help="comma-separated config names (default: the mode's set)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per load phase")
    parser.add_argument("--loads", default="1000,2000,4000", help="offered deliveries/s, comma-separated")
    parser.add_argument(
        "--saturation", type=int, default=40000, help="offered deliveries/s of the overload phase (0: none)"
    )
    parser.add_argument("--grace", type=float, default=GRACE_SECONDS, help="seconds after the last send before 'lost'")
    parser.add_argument("--members", type=int, default=22, help="members per room (9 rooms)")
    parser.add_argument("--idle-sockets", type=int, default=5000)
    parser.add_argument("--storm", type=int, default=1000)
    parser.add_argument(
        "--profile", default="", help="directory for py-spy profiles of the ~2,000/s phase and of handshakes"
    )
    parser.add_argument("--label", default="", help="what this run measures (the history table shows labelled runs)")
    parser.add_argument("--output", default=str(RESULTS), help="directory for the JSON result")
    parser.add_argument("--no-report", action="store_true", help="do not regenerate docs/benchmarks.md")
    args = parser.parse_args(argv)
    plan = Plan(
        full=args.full,
        seconds=args.seconds or (10.0 if args.full else 5.0),
        loads=[int(x) for x in args.loads.split(",") if x],
        saturation_offered=args.saturation,
        members_per_room=args.members,
        idle_sockets=args.idle_sockets,
        storm_clients=args.storm,
        grace=args.grace,
        profile=args.profile,
    )
    names = [n for n in args.only.split(",") if n] or (list(CONFIGS) if args.full else QUICK_CONFIGS)
    configs = [CONFIGS[n] for n in names]
    raise_file_limit(2 * plan.idle_sockets + 2000)
    command = "python bench/fanout.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    started = datetime.datetime.now(datetime.UTC)
    run: dict = {
        "mode": "full" if args.full else "quick",
        "label": args.label,
        "command": command.strip(),
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "plan": plan.__dict__,
        "results": [],
    }
    print(f"fan-out benchmark ({run['mode']}): {', '.join(names)}", flush=True)
    sessions_needed = max(
        len(ROOMS) * plan.members_per_room + 2,
        plan.big_room + 1 if plan.full else 0,
        (len(ROOMS) + plan.storm_clients + 1) if plan.full else 0,
        # 5,000 idle sockets, 5 per user (the per-user cap is raised for the bench).
        (plan.idle_sockets // 5 + len(ROOMS)) if plan.full else 0,
    )
    with tempfile.TemporaryDirectory(prefix="medpeer-bench-") as tmp:
        setup = Setup(Path(tmp), sessions_needed)
        if any(c.kind == "ours" and c.stack == "production" for c in configs):
            setup.database = create_postgres_database(POSTGRES, f"medpeer_bench_{uuid.uuid4().hex[:10]}")
        try:
            for config in configs:
                print(f"{config.name}: {config.title}", flush=True)
                run["results"].append(asyncio.run(measure_config(config, plan, setup)))
        finally:
            if setup.database:
                drop_postgres_database(POSTGRES, setup.database)
            cleanup_redis()
    run["finished"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{run['mode']}-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(run, indent=1) + "\n")
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}", flush=True)
    if not args.no_report:
        from bench import report

        report.main([])
    return path


def cleanup_redis() -> None:
    """Delete the keys this run made (they start with RUN_PREFIX); nothing else is touched."""
    with contextlib.suppress(Exception):
        import redis

        client = redis.Redis.from_url(REDIS)
        for pattern in (f"{RUN_PREFIX}*",):
            keys = list(client.scan_iter(pattern, count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
        client.close()


if __name__ == "__main__":
    random.seed(0)
    main()
