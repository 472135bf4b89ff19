"""A real Celery worker (on Redis) sends a delivery queued after commit, signed."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.test_celery_worker import (
    start_worker,
    stop_worker,
    tasks_go_to,
    unique_queue,
    wait_until,
)
from webhooks.models import DeliveryStatus, Event, WebhookDelivery
from webhooks.services import webhook_endpoint_create, webhook_event_emit
from webhooks.signing import signature_valid


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_the_event_after_commit(manager, receiver):
    endpoint, secret = webhook_endpoint_create(
        actor=manager, url=receiver.url, events=[Event.CASE_CLAIMED], second_factor_passed=True
    )
    queue = unique_queue()
    worker = start_worker(queue)
    try:
        with tasks_go_to(queue), transaction.atomic():
            webhook_event_emit(
                organisation_id=endpoint.organisation_id,
                event=Event.CASE_CLAIMED,
                data={"case_id": 5},
            )
            assert receiver.received == []  # nothing leaves before the commit
        wait_until(lambda: len(receiver.received) == 1, what="the delivery", seconds=60)
        wait_until(
            lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED,
            what="the delivery's status",
            seconds=10,
        )
    finally:
        output = stop_worker(worker)
    assert "webhooks.tasks.webhook_deliver" in output
    [sent] = receiver.received
    headers = sent["headers"]
    assert signature_valid(
        secret, headers["X-Musaada-Timestamp"], sent["body"], headers["X-Musaada-Signature"]
    )
