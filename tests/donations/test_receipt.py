"""The donor's receipt: a PDF in Arabic and in English with the gift and where it went, never a
person; only for a paid gift, only by its link."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from aid_requests.models import PaymentMethod
from donations.models import Gift, GiftStatus
from donations.services.ledger import payment_record_funded
from tests.donations.conftest import approved_case, manager_of, paid_gift

pytestmark = pytest.mark.django_db


@pytest.fixture
def traced(capital, needy, rules):
    manager = manager_of([needy], [capital])
    gift = paid_gift(manager.membership.organisation, "100")
    aid_request = approved_case(manager, needy, capital, amount="40")
    payment_record_funded(
        aid_request_id=aid_request.pk,
        actor=manager,
        amount=Decimal("40"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        second_factor_passed=True,
    )
    return gift, aid_request


def text_of(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


@pytest.mark.parametrize(
    ("language", "words"),
    [("ar", ("إيصال التبرع", "الأسر المتعففة")), ("en", ("Donation receipt", "Needy families"))],
)
def test_the_receipt_shows_the_gift_and_where_it_went(client, traced, language, words):
    gift, aid_request = traced
    url = reverse("donations:receipt", args=[gift.token]) + f"?language={language}"
    text = text_of(client.get(url))
    for expected in (*words, gift.reference, "100.000", "40.000"):
        assert expected in text
    assert aid_request.reference not in text
    assert aid_request.applicant.civil_id not in text


def test_no_receipt_for_an_unpaid_gift_or_a_wrong_link(client, traced):
    gift, _ = traced
    assert client.get(reverse("donations:receipt", args=["nope"])).status_code == 404
    pending = Gift.objects.create(
        reference="G-PENDING",
        token="pending-token",
        organisation=gift.organisation,
        kind=gift.kind,
        amount=Decimal("5"),
        status=GiftStatus.PENDING,
        created_at=timezone.now(),
    )
    assert client.get(reverse("donations:receipt", args=[pending.token])).status_code == 404
