"""``manage.py refresh_rollups [--full]``: bring the statistics rollups up to date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports.services.rollups import rollups_refresh


class Command(BaseCommand):
    help = "Refresh the ministry statistics rollups (what changed since the last run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="Rebuild everything from the raw rows."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = rollups_refresh(full=options["full"])
        if options["verbosity"] > 0:
            if result.full:
                done = f"full refresh: {result.days} months of history"
            else:
                done = f"incremental refresh: {result.days} events and cells"
            self.stdout.write(f"{done}, {result.rows} rollup rows written")
