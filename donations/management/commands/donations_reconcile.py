"""``python manage.py donations_reconcile``: compare the gateway's transactions with the ledger,
print every difference; exit status 1 when there is any (2 when the gateway cannot be asked)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from donations.gateways.base import GatewayError
from donations.gateways.registry import get_gateway
from donations.reconcile import differences


class Command(BaseCommand):
    help = "Compare the payment gateway's transactions with the donations ledger."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            found = differences(get_gateway())
        except GatewayError as exc:
            raise CommandError(f"the gateway could not be asked: {exc}", returncode=2) from None
        for difference in found:
            self.stdout.write(str(difference))
        if found:
            raise CommandError(f"{len(found)} difference(s)", returncode=1)
        self.stdout.write("clean: the gateway and the ledger agree")
