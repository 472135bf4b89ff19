from django.core.management.base import BaseCommand

from demo.catalogue import DEMO_PASSWORD
from demo.seed import seed


class Command(BaseCommand):
    help = "Create or refresh the demo data set (idempotent) and print the demo logins."

    def handle(self, *args: object, **options: object) -> None:
        report = seed()
        self.stdout.write(
            "Demo data: " + ", ".join(f"{label}: {n}" for label, n in report.counts.items())
        )
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for role, login, note in report.logins:
            self.stdout.write(f"  {role:<56} {login:<26} {note}")
        if report.pictures:
            self.stdout.write("\nBeneficiary picture (ministry staff → Beneficiary picture):")
            for civil_id, note in report.pictures:
                self.stdout.write(f"  {civil_id:<26} {note}")
