"""A real Celery worker on Redis delivers an SMS to a real HTTP gateway after notify() commits.

Nothing of ours is replaced: eager mode is off in this process for the test
(``tests.test_celery_worker.tasks_go_to``), so ``notify()``'s after-commit hook really sends the
task to Redis, where the worker started afterwards finds it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from notifications import services
from notifications.models import DeliveryStatus, Notification, NotificationKind
from tests.factories import AidRequestFactory
from tests.notifications.conftest import APPROVED, GATEWAY_KEY
from tests.test_celery_worker import (
    queued,
    start_worker,
    stop_worker,
    tasks_go_to,
    unique_queue,
    wait_until,
)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_sends_the_sms_to_the_gateway_after_notify_commits(sms_gateway):
    queue = unique_queue()
    aid_request = AidRequestFactory()
    with tasks_go_to(queue):
        with transaction.atomic():
            notification = services.notify(
                recipient=aid_request.applicant,
                kind=NotificationKind.REQUEST_APPROVED,
                aid_request=aid_request,
                context={"amount": Decimal("75"), **APPROVED},
            )
            assert queued(queue) == 0  # nothing leaves before the commit
        assert queued(queue) == 1

    worker = start_worker(
        queue,
        SMS_BACKEND="http",
        SMS_GATEWAY_URL=sms_gateway.url,
        SMS_GATEWAY_KEY=GATEWAY_KEY,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    try:
        wait_until(
            lambda: (
                not Notification.objects.filter(
                    pk=notification.pk, sms_status=DeliveryStatus.PENDING
                ).exists()
            ),
            what="the SMS to be sent",
        )
    finally:
        output = stop_worker(worker)

    assert "notifications.tasks.deliver_notification" in output
    [call] = sms_gateway.calls
    assert call.headers["Authorization"] == f"Bearer {GATEWAY_KEY}"
    assert call.body["to"] == aid_request.applicant.mobile
    assert str(aid_request.pk) in call.body["text"]
    assert "75.000" in call.body["text"]
    notification.refresh_from_db()
    assert (notification.sms_status, notification.email_status) == ("sent", "skipped")
    assert notification.attempts == 1
    assert Notification.objects.count() == 1
