"""Data migrations of notifications, run forward on rows shaped as they were stored."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from notifications.messages import MISSING_VALUE
from notifications.models import Notification, NotificationKind
from tests.factories import AidRequestFactory, ApplicantUserFactory

pytestmark = pytest.mark.django_db

totals = importlib.import_module("notifications.migrations.0008_approval_notice_totals")


def stored(aid_request, context):
    return Notification.objects.create(
        recipient=aid_request.applicant,
        kind=NotificationKind.REQUEST_APPROVED,
        aid_request=aid_request,
        context=context,
        created_at=timezone.now(),
    )


def test_an_approval_notice_stored_before_the_totals_tells_its_total_and_first_month():
    aid_request = AidRequestFactory(
        coverage_start=datetime.date(2026, 3, 1),
        approved_amount=Decimal("150.000"),
        approved_payments=6,
    )
    named = {"ar": "بدل إيجار", "en": "Rent"}
    old = stored(
        aid_request,
        {"number": aid_request.pk, "aid_type": named, "amount": "150.000", "payments": 6},
    )
    assert MISSING_VALUE in old.message("en").body

    totals.forward(apps, None)

    old.refresh_from_db()
    assert old.context["total"] == "900.000"
    assert old.context["date"] == "2026-03-01"
    body = old.message("en").body
    assert MISSING_VALUE not in body
    assert "900.000 KWD in all" in body
    assert "1 March 2026" in body
    assert MISSING_VALUE not in old.message("ar").body


def test_the_total_is_the_notices_own_figures_and_complete_notices_are_left_alone():
    aid_request = AidRequestFactory(
        coverage_start=datetime.date(2026, 3, 1),
        approved_amount=Decimal("200.000"),
        approved_payments=2,
    )
    # What the notice said is kept: its monthly amount, not the request's figure of today.
    said = stored(aid_request, {"number": aid_request.pk, "amount": "150.000", "payments": 3})
    complete = {
        "number": aid_request.pk,
        "amount": "1.000",
        "payments": 1,
        "total": "1.000",
        "date": "2025-01-01",
    }
    whole = stored(aid_request, dict(complete))
    other = Notification.objects.create(
        recipient=ApplicantUserFactory(),
        kind=NotificationKind.REQUEST_CLOSED,
        context={"number": 1},
        created_at=timezone.now(),
    )

    totals.forward(apps, None)
    totals.forward(apps, None)  # twice: nothing more changes

    said.refresh_from_db()
    whole.refresh_from_db()
    other.refresh_from_db()
    assert said.context["total"] == "450.000"
    assert whole.context == complete
    assert other.context == {"number": 1}


def test_a_notice_whose_request_is_gone_gets_the_total_it_can_compute():
    notice = Notification.objects.create(
        recipient=ApplicantUserFactory(),
        kind=NotificationKind.REQUEST_APPROVED,
        context={"number": 7, "amount": "10.500", "payments": 2},
        created_at=timezone.now(),
    )
    totals.forward(apps, None)
    notice.refresh_from_db()
    assert notice.context["total"] == "21.000"
    assert "date" not in notice.context
