"""Delivery by the Celery task (run inline here): retries with backoff, idempotent, contained."""

from __future__ import annotations

import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from config.celery import app as celery_app
from notifications import sms
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.services import notify
from notifications.tasks import MAX_RETRIES, deliver_notification
from tests.factories import AidRequestFactory, ApplicantUserFactory, StaffUserFactory
from tests.factories.notifications import NotificationFactory
from tests.notifications.conftest import APPROVED
from tests.notifications.test_sms_gateway import unused_port

pytestmark = pytest.mark.django_db


class FlakyEmailBackend(EmailBackend):
    """The locmem backend, but the SMTP server hangs up on the first ``failures`` messages."""

    failures = 0

    def send_messages(self, email_messages):
        if FlakyEmailBackend.failures:
            FlakyEmailBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: rcpt a@b.test")
        return super().send_messages(email_messages)


@pytest.fixture
def countdowns(monkeypatch):
    """Celery retries inline, and records the wait it was asked for before each retry.

    Inline, Celery runs a retry at once (no waiting) but only when eager errors do not
    propagate; the test settings propagate them, so this turns that off for the test.
    """
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    asked: list[float] = []
    original = deliver_notification.retry

    def retry(*args, **kwargs):
        asked.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(deliver_notification, "retry", retry)
    yield asked
    celery_app.conf.task_eager_propagates = propagates


def approve_and_notify(aid_request, capture):
    with capture(execute=True):
        return notify(
            recipient=aid_request.applicant,
            kind=NotificationKind.REQUEST_APPROVED,
            aid_request=aid_request,
            context={"amount": Decimal("100"), **APPROVED},
        )


def test_sms_and_email_are_sent_once_and_recorded(http_sms, django_capture_on_commit_callbacks):
    aid_request = AidRequestFactory(applicant__email="family@example.test")

    notification = approve_and_notify(aid_request, django_capture_on_commit_callbacks)

    notification.refresh_from_db()
    assert (notification.sms_status, notification.email_status) == ("sent", "sent")
    assert notification.attempts == 1
    assert notification.last_error == ""
    assert [call.body["to"] for call in http_sms.calls] == [aid_request.applicant.mobile]
    assert [message.to for message in mail.outbox] == [["family@example.test"]]


@pytest.mark.parametrize(
    ("make_user", "expected"),
    [
        (lambda: ApplicantUserFactory(mobile_verified=False), ("skipped", "skipped")),
        (lambda: ApplicantUserFactory(mobile=""), ("skipped", "skipped")),
        (lambda: ApplicantUserFactory(is_active=False), ("skipped", "skipped")),
        (lambda: StaffUserFactory(mobile=""), ("skipped", "sent")),
    ],
    ids=["unconfirmed-mobile", "no-mobile", "inactive-user", "staff-email-only"],
)
def test_a_channel_without_a_confirmed_address_is_skipped(
    make_user, expected, django_capture_on_commit_callbacks
):
    user = make_user()

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            recipient=user, kind=NotificationKind.APPEAL_RECEIVED, context={"number": 5}
        )

    notification.refresh_from_db()
    assert (notification.sms_status, notification.email_status) == expected
    assert sms.outbox == []


@pytest.mark.parametrize("failure", ["http-500", "timeout", "connection-refused"])
def test_a_failing_gateway_is_retried_with_backoff_then_marked_failed_and_nothing_else_changes(
    failure, settings, http_sms, countdowns, django_capture_on_commit_callbacks
):
    if failure == "http-500":
        http_sms.status = 500
    elif failure == "timeout":
        http_sms.delay = 0.6  # the read timeout is 0.3 s
    else:
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{unused_port()}/v1/messages"
    aid_request = AidRequestFactory()
    before = (aid_request.status, aid_request.updated_at)

    # The last failure ends quietly: nothing reaches the code that committed the change.
    notification = approve_and_notify(aid_request, django_capture_on_commit_callbacks)

    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.FAILED
    assert notification.attempts == 1 + MAX_RETRIES
    assert notification.last_error.startswith("sms: SMS gateway")
    assert aid_request.applicant.mobile not in notification.last_error
    assert countdowns == [30, 60, 120, 240, 480]  # exponential, 30 s base
    if failure != "connection-refused":
        assert len(http_sms.calls) == 1 + MAX_RETRIES
    aid_request.refresh_from_db()
    assert (aid_request.status, aid_request.updated_at) == before
    assert Notification.objects.filter(aid_request=aid_request).count() == 1


def test_run_inline_without_a_broker_a_failure_is_recorded_after_one_attempt(
    http_sms, django_capture_on_commit_callbacks
):
    # The embedded default (no Redis): tasks run inline and Celery cannot retry them later.
    http_sms.status = 500

    notification = approve_and_notify(AidRequestFactory(), django_capture_on_commit_callbacks)

    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.FAILED
    assert notification.attempts == 1
    assert len(http_sms.calls) == 1


def test_a_gateway_that_recovers_delivers_on_a_retry(
    http_sms, countdowns, django_capture_on_commit_callbacks
):
    http_sms.status = 503
    http_sms.failing_calls = 2

    notification = approve_and_notify(AidRequestFactory(), django_capture_on_commit_callbacks)

    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.SENT
    assert notification.attempts == 3
    assert notification.last_error == ""
    assert countdowns == [30, 60]


def test_a_retry_does_not_send_again_a_channel_already_sent(
    settings, http_sms, countdowns, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_tasks.FlakyEmailBackend"
    FlakyEmailBackend.failures = 2
    aid_request = AidRequestFactory(applicant__email="family@example.test")

    notification = approve_and_notify(aid_request, django_capture_on_commit_callbacks)

    notification.refresh_from_db()
    assert (notification.sms_status, notification.email_status) == ("sent", "sent")
    assert notification.attempts == 3
    assert len(http_sms.calls) == 1  # the SMS went out on the first attempt, and only then
    assert len(mail.outbox) == 1
    assert countdowns == [30, 60]


def test_an_email_error_is_recorded_without_the_address(settings, countdowns):
    settings.EMAIL_BACKEND = "tests.notifications.test_tasks.FlakyEmailBackend"
    FlakyEmailBackend.failures = 1 + MAX_RETRIES
    notification = NotificationFactory(
        recipient=StaffUserFactory(email="officer@example.test"),
        sms_status=DeliveryStatus.PENDING,
        email_status=DeliveryStatus.PENDING,
    )

    deliver_notification.delay(notification.pk)

    notification.refresh_from_db()
    assert (notification.sms_status, notification.email_status) == ("skipped", "failed")
    assert notification.last_error == "email: SMTPServerDisconnected"


def test_running_the_task_again_for_a_delivered_notification_sends_nothing(http_sms):
    notification = NotificationFactory(
        sms_status=DeliveryStatus.SENT, email_status=DeliveryStatus.SKIPPED, attempts=1
    )

    result = deliver_notification.delay(notification.pk)

    assert result.get() == {"sms": "sent", "email": "skipped"}
    assert http_sms.calls == []
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_a_notification_that_no_longer_exists_is_ignored():
    assert deliver_notification.delay(987654).get() is None
