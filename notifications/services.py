"""Writes of the notifications app: create a notification, deliver it, mark it read.

Other apps call ``notify()`` from inside the transaction of the change it tells about. The row
commits or rolls back with that change; SMS and e-mail go out only after the commit, from the
Celery task ``notifications.tasks.deliver_notification``. A delivery failure is recorded on the
notification and never reaches the caller or the aid request.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, override

from config.commit import after_commit
from config.rows import insert_row
from notifications import messages as catalogue
from notifications.exceptions import DeliveryIncomplete, SmsDeliveryError
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.sms import send_sms

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

#: Channels in the order they are sent, with the field that records each one.
CHANNELS = (("sms", "sms_status"), ("email", "email_status"))


class _Named(Protocol):
    @property
    def name_ar(self) -> str: ...
    @property
    def name_en(self) -> str: ...


class AboutRequest(Protocol):
    """What ``notify`` reads of the aid request a notification is about (an ``AidRequest``; the
    ground floor does not import the domain apps above it)."""

    @property
    def pk(self) -> Any: ...
    @property
    def aid_type(self) -> _Named: ...


def _stored_value(value: Any, *, limit: int) -> Any:
    """``value`` as kept in the JSON ``context``: text, a whole number, or text per language."""
    if isinstance(value, models.Choices):
        value = value.label  # a status or decision is shown by its (translated) label
    if isinstance(value, Promise):
        # A translatable label (e.g. a TextChoices label): keep it in every language now, so
        # that the message can be shown later in the reader's language.
        return {
            code: _stored_value(_in_language(value, code), limit=limit)
            for code, _name in settings.LANGUAGES
        }
    if isinstance(value, dict):
        # Already per language: {"ar": "...", "en": "..."}.
        return {str(code): _stored_value(text, limit=limit) for code, text in value.items()}
    if isinstance(value, Decimal):
        return f"{value:.3f}"  # money: KWD has three decimals
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + "…"
    if isinstance(value, list | tuple):
        return [_stored_value(item, limit=limit) for item in value]
    raise TypeError(f"A notification cannot keep a {type(value).__name__} value.")


def _in_language(value: Promise, language: str) -> str:
    with override(language):
        return str(value)


def notify(
    *,
    recipient: User,
    kind: NotificationKind | str,
    aid_request: AboutRequest | None = None,
    context: Mapping[str, Any] | None = None,
    deliver: bool = True,
) -> Notification:
    """Create the in-portal notification now and send it by SMS and e-mail after the commit.

    ``deliver=False`` keeps it in the portal only (both channels recorded as skipped): for
    notices that many people get at once, such as the ministry's copy of a deadline release.

    Call it inside the caller's transaction: if that rolls back, the row disappears and nothing
    is sent. ``aid_request`` fills ``number`` and ``aid_type``; ``context`` gives the other
    values the message of ``kind`` needs: ``amount`` as Decimal, ``date`` as a date,
    ``reason`` / ``outcome`` as a TextChoices member or label, a ``gettext_lazy`` text, or text
    per language (``{"ar": ..., "en": ...}``), never with personal data in it. Lists of such
    values are kept as lists (shown joined with commas).
    Raises ``ValueError`` when a value the message needs is missing.
    """
    kind = NotificationKind(kind)
    values: dict[str, Any] = {}
    if aid_request is not None:
        aid_type = aid_request.aid_type
        values["number"] = aid_request.pk
        values["aid_type"] = {"ar": aid_type.name_ar, "en": aid_type.name_en}
    values.update(context or {})
    missing = catalogue.placeholders(kind) - values.keys()
    if missing:
        raise ValueError(f"Notification {kind} needs: {', '.join(sorted(missing))}.")
    notification = Notification(
        recipient=recipient,
        kind=kind,
        aid_request_id=aid_request.pk if aid_request is not None else None,
        context={
            key: _stored_value(value, limit=catalogue.max_length(key))
            for key, value in values.items()
        },
        created_at=timezone.now(),
        **(
            {}
            if deliver
            else {"sms_status": DeliveryStatus.SKIPPED, "email_status": DeliveryStatus.SKIPPED}
        ),
    )
    insert_row(notification)  # Notification.objects.create() without compiling the INSERT
    if not deliver:
        return notification
    # A broker that is down must not turn the caller's committed change into an error page:
    # the notification stays pending, is visible in the portal, and the periodic sweep
    # (resend_pending_notifications) sends it once the broker is back.
    after_commit(_enqueue_delivery, notification.pk)
    return notification


def _enqueue_delivery(notification_id: int) -> None:
    from notifications.tasks import deliver_notification

    deliver_notification.delay(notification_id)


def _address(notification: Notification, channel: str) -> str:
    recipient = notification.recipient
    if not recipient.is_active:
        return ""
    if channel == "sms":
        # Only a confirmed number: a mistyped one would tell a stranger about the request.
        return recipient.mobile if recipient.mobile_verified else ""
    return recipient.email or ""


def _send(channel: str, address: str, message: catalogue.RenderedMessage) -> None:
    if channel == "sms":
        send_sms(to=address, body=message.body)
    else:
        footer = gettext("Sign in to Musaada to see the details.")
        send_mail(message.subject, f"{message.body}\n\n{footer}\n", None, [address])


def _failure(channel: str, exc: Exception) -> str:
    # SmsDeliveryError texts are ours and carry no personal data; mail errors can quote the
    # address, so only their type is kept.
    if isinstance(exc, SmsDeliveryError):
        return f"{channel}: {exc}"
    return f"{channel}: {type(exc).__name__}"


def notification_deliver(*, notification_id: int, final_attempt: bool) -> Notification | None:
    """Send every channel of the notification that is still pending and record the result.

    Idempotent: a channel already ``sent`` (or ``skipped``) is never sent again, so a retried
    or redelivered task only sends what is missing. Each sent channel is recorded at once, so a
    failure of the e-mail after the SMS went out does not send the SMS again. A channel that
    fails stays ``pending`` and ``DeliveryIncomplete`` is raised for the task to retry; on the
    ``final_attempt`` it becomes ``failed`` instead and nothing is raised.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None:
        logger.warning("notification %s no longer exists; nothing to deliver", notification_id)
        return None
    pending = [
        (channel, field)
        for channel, field in CHANNELS
        if getattr(notification, field) == DeliveryStatus.PENDING
    ]
    if not pending:
        return notification
    with override(notification.recipient.language):
        message = notification.message()
        errors: list[str] = []
        for channel, field in pending:
            address = _address(notification, channel)
            if not address:
                _record_channel(notification_id, field, DeliveryStatus.SKIPPED)
                continue
            try:
                _send(channel, address, message)
            except (SmsDeliveryError, OSError) as exc:
                errors.append(_failure(channel, exc))
                continue
            _record_channel(notification_id, field, DeliveryStatus.SENT)
    notification = _record_attempt(notification_id, errors, final_attempt=final_attempt)
    if errors:
        logger.warning(
            "notification %s attempt %s failed: %s",
            notification_id,
            notification.attempts,
            notification.last_error,
        )
        if not final_attempt:
            raise DeliveryIncomplete(notification.last_error)
    return notification


def _record_channel(notification_id: int, field: str, status: DeliveryStatus) -> None:
    # One conditional UPDATE: it only moves a channel out of "pending", so two copies of the
    # task can never overwrite each other's result.
    Notification.objects.filter(pk=notification_id, **{field: DeliveryStatus.PENDING}).update(
        **{field: status}
    )


def _record_attempt(
    notification_id: int, errors: list[str], *, final_attempt: bool
) -> Notification:
    with transaction.atomic(durable=True):
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        notification.attempts += 1
        notification.last_attempt_at = timezone.now()
        notification.last_error = "; ".join(errors)[:200]
        if errors and final_attempt:
            for _channel, field in CHANNELS:
                if getattr(notification, field) == DeliveryStatus.PENDING:
                    setattr(notification, field, DeliveryStatus.FAILED)
        notification.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "last_error",
                "sms_status",
                "email_status",
            ]
        )
    return notification


# --- the re-send sweep ------------------------------------------------------------------------
#
# A notification stays pending when its delivery task was never sent (the broker was down at
# the commit) or got lost. Celery beat runs the sweep every few minutes; it hands every
# pending notification that is due to a worker again, and gives up on those that failed too
# often or for too long. Delivery is idempotent per channel, so a notification sent twice
# sends each channel once.

#: A notification is left to its own delivery task this long before the sweep looks at it.
RESEND_AFTER = datetime.timedelta(minutes=5)
#: Waits between sweeps of one notification double with its attempts, up to this.
RESEND_WAIT_MAX = datetime.timedelta(hours=6)
#: After this many delivery attempts, or this long, pending channels are marked failed.
RESEND_MAX_ATTEMPTS = 10
RESEND_GIVE_UP_AFTER = datetime.timedelta(days=2)
#: At most this many notifications per sweep (the next sweep takes the rest).
RESEND_BATCH = 500


def resend_wait(attempts: int) -> datetime.timedelta:
    """How long after its last attempt a notification with ``attempts`` is swept again.

    Always longer than the delivery task's own retry wait after the same attempt (30 s x 2^n),
    so the sweep does not race a retry that is still coming.
    """
    return min(RESEND_AFTER * 2**attempts, RESEND_WAIT_MAX)


_PENDING = Q(sms_status=DeliveryStatus.PENDING) | Q(email_status=DeliveryStatus.PENDING)


def _due(now: datetime.datetime) -> Q:
    due = Q()
    for attempts in range(RESEND_MAX_ATTEMPTS):
        since = now - resend_wait(attempts)
        due |= Q(attempts=attempts, created_at__lte=since) & (
            Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=since)
        )
    return _PENDING & Q(created_at__gt=now - RESEND_GIVE_UP_AFTER) & due


def notifications_give_up(*, now: datetime.datetime | None = None) -> int:
    """Mark failed every pending channel of notifications tried too often or for too long."""
    now = now or timezone.now()
    hopeless = Notification.objects.filter(
        Q(attempts__gte=RESEND_MAX_ATTEMPTS) | Q(created_at__lte=now - RESEND_GIVE_UP_AFTER)
    )
    given_up = 0
    for _channel, field in CHANNELS:
        # Conditional: a channel that was sent meanwhile stays sent.
        given_up += hopeless.filter(**{field: DeliveryStatus.PENDING}).update(
            **{field: DeliveryStatus.FAILED}
        )
    if given_up:
        logger.warning("notification sweep: %s channel(s) given up as failed", given_up)
    return given_up


def notifications_claim_pending(*, now: datetime.datetime | None = None) -> list[int]:
    """Claim the pending notifications that are due for another delivery; return their ids.

    Each row is claimed with one conditional UPDATE that moves ``last_attempt_at`` to ``now``
    only while the row is still due, so two sweeps running at once (two beats, or a sweep
    that overran) never claim the same notification: the second UPDATE finds it no longer due.
    """
    now = now or timezone.now()
    due = _due(now)
    candidates = list(
        Notification.objects.filter(due).order_by("pk").values_list("pk", flat=True)[:RESEND_BATCH]
    )
    return [
        pk
        for pk in candidates
        if Notification.objects.filter(due, pk=pk).update(last_attempt_at=now) == 1
    ]


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one notification of ``user`` read; False when it is not theirs or already read."""
    # Scoped to the user in the statement itself: another user's id changes nothing.
    updated = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    return updated == 1


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many there were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
