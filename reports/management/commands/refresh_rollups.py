"""``manage.py refresh_rollups [--full]``: bring the statistics rollups up to date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports.services import rollups_refresh


class Command(BaseCommand):
    help = "Refresh the ministry statistics rollups (the days touched since the last run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="Rebuild every day, not only the touched ones."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = rollups_refresh(full=options["full"])
        kind = "full" if result.full else "incremental"
        if options["verbosity"] > 0:
            self.stdout.write(f"{kind} refresh: {result.days} days, {result.rows} rollup rows")
