"""Background work of the notifications app: sending SMS and e-mail after the commit."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from notifications.exceptions import DeliveryIncomplete
from notifications.services import (
    notification_deliver,
    notifications_claim_pending,
    notifications_give_up,
)

#: Retries after the first attempt. With a 30-second base the waits are 30 s, 1, 2, 4 and 8 min
#: (about a quarter of an hour in all) before a channel is given up as ``failed``.
MAX_RETRIES = 5
RETRY_BACKOFF_SECONDS = 30
RETRY_BACKOFF_MAX_SECONDS = 15 * 60


@shared_task(
    bind=True,
    name="notifications.tasks.deliver_notification",
    autoretry_for=(DeliveryIncomplete,),
    retry_backoff=RETRY_BACKOFF_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    # No jitter: notifications are created at scattered moments, so their retries are already
    # spread out, and fixed waits keep the schedule predictable (and testable).
    retry_jitter=False,
    max_retries=MAX_RETRIES,
    ignore_result=True,  # fire and forget: nothing waits on the result backend
)
def deliver_notification(self: Any, notification_id: int) -> dict[str, str] | None:
    """Send one notification by SMS and e-mail; safe to run again (sent channels are skipped).

    A failed channel raises ``DeliveryIncomplete`` so Celery retries with exponential backoff;
    the last retry records ``failed`` and ends normally, so the failure stays here.
    """
    # Run inline with eager propagation (the embedded default) Celery cannot retry later: the
    # one attempt is the last, so a failure is recorded as such instead of raising into the
    # request that committed the change.
    inline_only = self.request.is_eager and self.app.conf.task_eager_propagates
    final_attempt = inline_only or self.request.retries >= self.max_retries
    notification = notification_deliver(
        notification_id=notification_id, final_attempt=final_attempt
    )
    if notification is None:
        return None
    return {"sms": notification.sms_status, "email": notification.email_status}


@shared_task(name="notifications.tasks.resend_pending_notifications")
def resend_pending_notifications() -> int:
    """Hand pending notifications to a worker again (Celery beat, every two minutes).

    So that a broker outage delays notifications and loses none: those whose task was never
    sent, or got lost, are claimed (one sweep per row, however many beats run) and sent again;
    those tried too often or for too long are marked failed.
    """
    notifications_give_up()
    claimed = notifications_claim_pending()
    for notification_id in claimed:
        deliver_notification.delay(notification_id)
    return len(claimed)
