"""``donations_reconcile``: clean when the gateway and the ledger agree; every planted difference
is reported and the exit status is not zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from donations.models import Gift, SimulatedTransaction
from tests.donations.conftest import manager_of
from tests.donations.test_gateway import started_gift

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, capital, needy, rules):
    organisation = manager_of([needy], [capital]).membership.organisation
    gift = started_gift(organisation, "100")
    client.post(reverse("donations:simulator", args=[gift.transaction_id]), {"approve": "1"})
    return gift


def test_clean_when_gateway_and_ledger_agree(paid, capsys):
    call_command("donations_reconcile")
    assert "clean" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("plant", "kind"),
    [
        (lambda g: Gift.objects.filter(pk=g.pk).update(amount=Decimal("99")), "amount"),
        (lambda g: Gift.objects.filter(pk=g.pk).update(refunded=Decimal("5")), "refund"),
        (
            lambda g: SimulatedTransaction.objects.filter(transaction_id=g.transaction_id).update(
                state="declined"
            ),
            "state",
        ),
        (
            lambda g: SimulatedTransaction.objects.create(
                transaction_id="SIM-STRAY",
                reference="G-STRAY",
                amount=Decimal("7"),
                state="approved",
                created_at=g.created_at,
            ),
            "missing",
        ),
        (
            lambda g: SimulatedTransaction.objects.filter(transaction_id=g.transaction_id).delete(),
            "unknown",
        ),
    ],
    ids=["amount", "refund", "state", "missing", "unknown"],
)
def test_a_planted_difference_is_reported(paid, capsys, plant, kind):
    plant(paid)
    with pytest.raises(CommandError) as raised:
        call_command("donations_reconcile")
    assert raised.value.returncode == 1
    assert capsys.readouterr().out.startswith(f"{kind}: ")
