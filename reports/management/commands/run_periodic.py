"""``manage.py run_periodic [--once]``: run the periodic tasks without Celery beat.

The embedded default (no Redis) has no beat; ``make run`` starts this next to the server.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from config.celery import app
from reports.periodic import PeriodicRunner

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run every entry of CELERY_BEAT_SCHEDULE when it is due, in this process (what Celery "
        "beat and a worker do in production). Stops on Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")
        parser.add_argument(
            "--max-sleep",
            type=float,
            default=30.0,
            help="Longest wait between two looks at the schedule (seconds).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        runner = PeriodicRunner(app)
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            logger.warning(
                "run_periodic with a broker configured: Celery beat may run these jobs too"
            )
        names = ", ".join(job.name for job in runner.jobs)
        self.stdout.write(f"run_periodic: {len(runner.jobs)} periodic jobs ({names})")
        if options["once"]:
            runner.run_pending()
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.is_set():
                wait = runner.run_pending(stop)
                stop.wait(min(max(wait, 0.5), options["max_sleep"]))
        except KeyboardInterrupt:
            pass
        self.stdout.write("run_periodic: stopped")
