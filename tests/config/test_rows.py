"""config.rows writes the rows the ORM's save() would write, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError
from django.utils import timezone

from aid_requests.models import AidRequest, RequestStatus, TimelineEntry
from config.rows import insert_row, update_row
from notifications.models import DeliveryStatus, Notification
from tests.factories import AidRequestFactory

pytestmark = pytest.mark.django_db


def test_an_inserted_row_reads_back_as_the_orm_would_have_saved_it():
    aid_request = AidRequestFactory()
    notification = Notification(
        recipient=aid_request.applicant,
        kind="request_claimed",
        aid_request=aid_request,
        context={"number": aid_request.pk, "aid_type": {"ar": "أسر", "en": "Families"}},
        created_at=timezone.now(),
    )
    insert_row(notification)
    assert notification.pk is not None
    assert not notification._state.adding
    stored = Notification.objects.get(pk=notification.pk)
    assert stored.context == {"number": aid_request.pk, "aid_type": {"ar": "أسر", "en": "Families"}}
    assert stored.created_at == notification.created_at
    # field defaults apply as in save()
    assert (stored.sms_status, stored.attempts, stored.read_at) == (DeliveryStatus.PENDING, 0, None)


def test_each_insert_gets_its_own_primary_key():
    aid_request = AidRequestFactory()
    entries = [
        TimelineEntry(aid_request=aid_request, to_status=RequestStatus.OPEN, at=timezone.now())
        for _ in range(3)
    ]
    for entry in entries:
        insert_row(entry)
    assert sorted(e.pk for e in entries) == sorted(
        TimelineEntry.objects.filter(aid_request=aid_request).values_list("pk", flat=True)
    )
    assert len({e.pk for e in entries}) == 3


def test_an_update_writes_only_the_named_fields_and_bumps_auto_now():
    aid_request = AidRequestFactory(need_score=40)
    before = AidRequest.objects.get(pk=aid_request.pk).updated_at
    aid_request.status = RequestStatus.WITHDRAWN
    aid_request.need_score = 99  # changed in memory, not named: stays 40 in the row
    aid_request.submitted_at = timezone.now() - datetime.timedelta(days=3)
    update_row(aid_request, ["status", "submitted_at", "updated_at"])
    stored = AidRequest.objects.get(pk=aid_request.pk)
    assert (stored.status, stored.need_score) == (RequestStatus.WITHDRAWN, 40)
    assert stored.submitted_at == aid_request.submitted_at
    assert stored.updated_at > before
    assert stored.updated_at == aid_request.updated_at


def test_values_are_prepared_by_their_fields():
    aid_request = AidRequestFactory()
    aid_request.approved_amount = Decimal("120.125")
    aid_request.coverage_start = datetime.date(2026, 1, 31)
    update_row(aid_request, ["approved_amount", "coverage_start"])
    stored = AidRequest.objects.get(pk=aid_request.pk)
    assert (stored.approved_amount, stored.coverage_start) == (
        Decimal("120.125"),
        datetime.date(2026, 1, 31),
    )


def test_updating_a_row_that_is_gone_is_an_error_and_writes_nothing():
    aid_request = AidRequestFactory()
    gone = AidRequest.objects.get(pk=aid_request.pk)
    gone.pk = aid_request.pk + 1000
    gone.status = RequestStatus.CLAIMED
    with pytest.raises(DatabaseError, match="gone"):
        update_row(gone, ["status"])
    assert AidRequest.objects.get(pk=aid_request.pk).status == RequestStatus.OPEN
