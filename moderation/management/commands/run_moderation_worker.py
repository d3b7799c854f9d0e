import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from moderation.worker import tick
from rooms.reminders import send_due_reminders

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Re-alert moderators and notify on-call staff about crisis escalations nobody acknowledged in time, "
        "and e-mail session reminders."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass and exit (for cron or tests).")

    def handle(self, *args, once, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.stdout.write(f"escalation worker: every {settings.WORKER_INTERVAL_SECONDS:g} s")
        while not stopping:
            try:
                handled = tick()
                if handled:
                    logger.warning("escalation worker acted on %d unacknowledged escalation(s)", handled)
                send_due_reminders(timezone.now())
            except Exception:
                # The database may be briefly away; never let one bad pass stop the worker.
                logger.exception("escalation worker pass failed")
            finally:
                close_old_connections()
            if once:
                return
            time.sleep(settings.WORKER_INTERVAL_SECONDS)
