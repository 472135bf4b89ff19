"""Issue 4, "notifications sent after commit and not on rollback": real Celery, eager off.

A real transition commits in this process; its notification's task goes through Redis to a
real worker subprocess, which sends the SMS to a stub HTTP gateway and the e-mail, and records
both in the test database. A transition whose transaction rolls back leaves nothing to send.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from aid_requests.models import RequestStatus
from aid_requests.services.lifecycle import aid_request_move
from aid_requests.states import Actor
from dedup.request_steps import aid_request_withdraw
from notifications.models import DeliveryStatus, Notification
from tests.factories import AidRequestFactory
from tests.notifications.conftest import GATEWAY_KEY, sms_gateway  # noqa: F401  # fixture
from tests.test_celery_worker import (
    queued,
    start_worker,
    stop_worker,
    tasks_go_to,
    unique_queue,
    wait_until,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def worker_for(queue, gateway):
    return start_worker(
        queue,
        SMS_BACKEND="http",
        SMS_GATEWAY_URL=gateway.url,
        SMS_GATEWAY_KEY=GATEWAY_KEY,
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )


def delivered(notification_id):
    return lambda: (
        not Notification.objects.filter(
            pk=notification_id, sms_status=DeliveryStatus.PENDING
        ).exists()
        and not Notification.objects.filter(
            pk=notification_id, email_status=DeliveryStatus.PENDING
        ).exists()
    )


def open_request_of_a_family(email):
    aid_request = AidRequestFactory(status=RequestStatus.OPEN)
    aid_request.applicant.email = email
    aid_request.applicant.save()
    return aid_request


def test_a_withdrawal_is_sent_by_sms_and_email_by_a_real_worker_after_commit(sms_gateway):  # noqa: F811
    aid_request = open_request_of_a_family("family@example.test")
    applicant = aid_request.applicant
    queue = unique_queue()
    with tasks_go_to(queue):
        aid_request_withdraw(aid_request_id=aid_request.pk, applicant=applicant, note="وجدت عملاً")
    notification = Notification.objects.get(recipient=applicant)
    assert notification.kind == "request_withdrawn"
    assert (notification.sms_status, notification.email_status) == ("pending", "pending")
    assert queued(queue) == 1  # the task is on Redis, not run here

    worker = worker_for(queue, sms_gateway)
    try:
        wait_until(delivered(notification.pk), what="the worker to deliver the notification")
    finally:
        output = stop_worker(worker)

    notification.refresh_from_db()
    assert (notification.sms_status, notification.email_status) == ("sent", "sent")
    assert (notification.attempts, notification.last_error) == (1, "")
    [call] = sms_gateway.calls
    assert call.headers["Authorization"] == f"Bearer {GATEWAY_KEY}"
    assert call.body["to"] == applicant.mobile
    assert str(aid_request.pk) in call.body["text"]
    assert "To: family@example.test" in output  # the console mail backend of the worker
    assert output.count("Task notifications.tasks.deliver_notification[") == 2  # in, done
    assert queued(queue) == 0


def test_a_transition_that_rolls_back_sends_nothing(sms_gateway):  # noqa: F811
    rolled_back = open_request_of_a_family("first@example.test")
    committed = open_request_of_a_family("second@example.test")
    queue = unique_queue()

    def withdraw_then_fail():
        # aid_request_move is the one status change; its caller's transaction fails after it.
        with transaction.atomic():
            aid_request_move(
                aid_request=rolled_back,
                to=RequestStatus.WITHDRAWN,
                actor=Actor.APPLICANT,
                user=rolled_back.applicant,
                notification="request_withdrawn",
            )
            raise RuntimeError("the transaction fails after the move")

    with tasks_go_to(queue):
        with pytest.raises(RuntimeError):
            withdraw_then_fail()
        assert queued(queue) == 0
        aid_request_withdraw(aid_request_id=committed.pk, applicant=committed.applicant)
    assert queued(queue) == 1  # the committed transition only

    worker = worker_for(queue, sms_gateway)
    try:
        notification = Notification.objects.get()
        wait_until(delivered(notification.pk), what="the committed transition's delivery")
    finally:
        output = stop_worker(worker)

    rolled_back.refresh_from_db()
    assert rolled_back.status == RequestStatus.OPEN
    assert notification.recipient == committed.applicant
    assert [call.body["to"] for call in sms_gateway.calls] == [committed.applicant.mobile]
    assert "first@example.test" not in output
    assert "To: second@example.test" in output
    assert output.count("Task notifications.tasks.deliver_notification[") == 2  # one task
