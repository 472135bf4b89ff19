"""Issue 11: the periodic sweep re-sends notifications left pending, with backoff and a limit."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from notifications import sms
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.services import (
    RESEND_GIVE_UP_AFTER,
    RESEND_MAX_ATTEMPTS,
    notifications_claim_pending,
    notify,
    resend_wait,
)
from notifications.tasks import resend_pending_notifications
from tests.concurrency import run_together
from tests.conftest import closed_port
from tests.factories import AidRequestFactory
from tests.factories.notifications import NotificationFactory
from tests.test_celery_worker import tasks_go_to, unique_queue

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()


def pending(**fields) -> Notification:
    return NotificationFactory(
        sms_status=DeliveryStatus.PENDING, email_status=DeliveryStatus.PENDING, **fields
    )


@pytest.mark.django_db(transaction=True)
def test_a_notification_left_pending_while_the_broker_was_down_is_delivered_by_the_sweep():
    aid_request = AidRequestFactory()
    broker_down = f"redis://127.0.0.1:{closed_port()}/0"
    with tasks_go_to(unique_queue(), broker=broker_down), transaction.atomic():
        notification = notify(
            recipient=aid_request.applicant,
            kind=NotificationKind.REQUEST_SUBMITTED,
            aid_request=aid_request,
        )
    notification.refresh_from_db()
    assert (notification.sms_status, notification.attempts) == (DeliveryStatus.PENDING, 0)
    assert sms.outbox == []

    # The broker is back (tasks run inline here); beat runs the sweep some minutes later.
    with time_machine.travel(timezone.now() + 6 * MINUTE):
        assert resend_pending_notifications() == 1

    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.SENT
    assert notification.email_status == DeliveryStatus.SKIPPED  # no e-mail address
    assert notification.attempts == 1
    assert [message.to for message in sms.outbox] == [aid_request.applicant.mobile]


@pytest.mark.django_db
def test_recent_notifications_are_left_to_their_own_delivery_task():
    recent = pending(created_at=timezone.now() - 4 * MINUTE)
    assert resend_pending_notifications() == 0
    recent.refresh_from_db()
    assert (recent.sms_status, recent.attempts, recent.last_attempt_at) == ("pending", 0, None)
    assert sms.outbox == []


@pytest.mark.django_db
def test_the_sweep_waits_longer_after_each_failed_attempt():
    now = timezone.now()
    tried = pending(created_at=now - 3 * 60 * MINUTE, attempts=3)
    Notification.objects.filter(pk=tried.pk).update(last_attempt_at=now - resend_wait(3) + MINUTE)
    assert resend_wait(3) == 40 * MINUTE
    assert notifications_claim_pending(now=now) == []
    assert notifications_claim_pending(now=now + 2 * MINUTE) == [tried.pk]
    # Claimed: the next sweep waits again.
    assert notifications_claim_pending(now=now + 3 * MINUTE) == []


@pytest.mark.django_db
def test_sent_and_skipped_notifications_are_never_swept():
    old = timezone.now() - 60 * MINUTE
    NotificationFactory(created_at=old)  # sent / skipped
    NotificationFactory(
        created_at=old, sms_status=DeliveryStatus.FAILED, email_status=DeliveryStatus.SKIPPED
    )
    assert resend_pending_notifications() == 0


@pytest.mark.django_db
def test_a_notification_that_failed_too_often_or_too_long_is_marked_failed():
    now = timezone.now()
    too_often = pending(created_at=now - 10 * 60 * MINUTE, attempts=RESEND_MAX_ATTEMPTS)
    too_long = pending(created_at=now - RESEND_GIVE_UP_AFTER - MINUTE, attempts=0)
    half_sent = pending(created_at=now - RESEND_GIVE_UP_AFTER - MINUTE, attempts=4)
    Notification.objects.filter(pk=half_sent.pk).update(sms_status=DeliveryStatus.SENT)

    assert resend_pending_notifications() == 0

    for notification in (too_often, too_long):
        notification.refresh_from_db()
        assert (notification.sms_status, notification.email_status) == ("failed", "failed")
    half_sent.refresh_from_db()
    assert (half_sent.sms_status, half_sent.email_status) == ("sent", "failed")
    assert sms.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_never_claim_the_same_notification():
    old = timezone.now() - 30 * MINUTE
    ids = {pending(created_at=old).pk for _ in range(40)}
    first, second = run_together(notifications_claim_pending, notifications_claim_pending)
    assert isinstance(first, list), first
    assert isinstance(second, list), second
    assert set(first).isdisjoint(second)
    assert set(first) | set(second) == ids
