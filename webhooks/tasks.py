"""Sending the deliveries (Celery)."""

from __future__ import annotations

from celery import shared_task

from webhooks.services import MAX_ATTEMPTS, retry_delay, webhook_delivery_attempt


@shared_task(name="webhooks.tasks.webhook_deliver")
def webhook_deliver(delivery_id: int, number: int = 1, replay: bool = False) -> bool:
    """One attempt; after a timeout, a connection error or an answer other than 2xx, the next
    attempt is queued with a growing delay (``retry_delay``), up to ``MAX_ATTEMPTS``."""
    if webhook_delivery_attempt(delivery_id=delivery_id, number=number, replay=replay):
        return True
    if number < MAX_ATTEMPTS:
        webhook_deliver.apply_async(
            (delivery_id, number + 1, replay), countdown=retry_delay(number)
        )
    return False
