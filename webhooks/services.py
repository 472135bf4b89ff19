"""Endpoints (a manager's), the events that the domain services emit, and their delivery.

``webhook_event_emit`` is called by the service that makes the event, inside its own
transaction: it writes one ``WebhookDelivery`` per active endpoint of the organisation that
subscribed to the event, and each is sent by Celery once the transaction commits
(``webhooks.tasks.webhook_deliver``; retried with backoff, every attempt logged).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import may_see_personal_data
from audit.services import audit_record
from config.commit import after_commit
from webhooks.exceptions import (
    WebhookEventsRequired,
    WebhookNotAllowed,
    WebhookSecondFactorRequired,
    WebhookUrlRefused,
)
from webhooks.models import DeliveryStatus, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.signing import secret_new, signature

if TYPE_CHECKING:
    from accounts.models import User

#: Attempts of one delivery (the first and four retries), and the wait before retry n.
MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_SECONDS = 10
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
USER_AGENT = "Musaada-Webhooks/1"


def retry_delay(number: int) -> int:
    """Seconds to wait after failed attempt ``number``: 30 s, 2 min, 8 min, 32 min."""
    return 30 * 4 ** (number - 1)


def managed_organisation_id(actor: User, *, second_factor_passed: bool) -> int:
    """The organisation ``actor`` manages, if they may manage its webhooks now (a manager of an
    active membership, past the second factor, as for the API clients)."""
    membership = getattr(actor, "membership", None)
    if (
        not actor.is_authenticated
        or not actor.is_active
        or actor.role != Role.MANAGER
        or membership is None
        or not membership.is_active
    ):
        raise WebhookNotAllowed
    if not may_see_personal_data(actor, second_factor_passed=second_factor_passed):
        raise WebhookSecondFactorRequired
    return int(membership.organisation_id)


def url_check(url: str) -> str:
    """https, or http to this machine outside production (a local receiver in development)."""
    parts = urlsplit(url.strip())
    if not parts.hostname:
        raise WebhookUrlRefused
    if parts.scheme == "https":
        return url.strip()
    if parts.scheme == "http" and not settings.PRODUCTION and parts.hostname in LOCAL_HOSTS:
        return url.strip()
    raise WebhookUrlRefused


def webhook_endpoint_create(
    *, actor: User, url: str, events: Iterable[str], second_factor_passed: bool = False
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned here once; the pages show it once)."""
    organisation_id = managed_organisation_id(actor, second_factor_passed=second_factor_passed)
    url = url_check(url)
    chosen = sorted({e for e in events if e in Event.values})
    if not chosen:
        raise WebhookEventsRequired
    secret = secret_new()
    with transaction.atomic(durable=True):
        endpoint = WebhookEndpoint.objects.create(
            organisation_id=organisation_id,
            url=url,
            secret=secret,
            events=chosen,
            created_by=actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="webhook.endpoint_created",
            target=endpoint,
            organisation_id=organisation_id,
            data={"url": url, "events": chosen},
        )
    return endpoint, secret


def _own_endpoint(actor: User, endpoint_id: int, *, second_factor_passed: bool) -> WebhookEndpoint:
    organisation_id = managed_organisation_id(actor, second_factor_passed=second_factor_passed)
    return WebhookEndpoint.objects.select_for_update().get(
        pk=endpoint_id, organisation_id=organisation_id
    )


def webhook_endpoint_disable(
    *, actor: User, endpoint_id: int, second_factor_passed: bool = False
) -> WebhookEndpoint:
    """No more deliveries to this endpoint (those already queued are not sent)."""
    with transaction.atomic(durable=True):
        endpoint = _own_endpoint(actor, endpoint_id, second_factor_passed=second_factor_passed)
        if endpoint.is_active:
            endpoint.is_active = False
            endpoint.disabled_at = timezone.now()
            endpoint.save(update_fields=["is_active", "disabled_at"])
            # Those still waiting for an attempt (or a retry) will not get one: say so now,
            # rather than leave them "pending" for ever.
            WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.CANCELLED
            )
            audit_record(
                actor=actor,
                action="webhook.endpoint_disabled",
                target=endpoint,
                organisation_id=endpoint.organisation_id,
            )
    return endpoint


def webhook_delivery_replay(
    *, actor: User, delivery_id: int, second_factor_passed: bool = False
) -> WebhookDelivery:
    """Send a delivery again: the same body, a new timestamp and signature, new retries."""
    organisation_id = managed_organisation_id(actor, second_factor_passed=second_factor_passed)
    with transaction.atomic(durable=True):
        delivery = WebhookDelivery.objects.select_related("endpoint").get(
            pk=delivery_id, endpoint__organisation_id=organisation_id
        )
        audit_record(
            actor=actor,
            action="webhook.delivery_replayed",
            target=delivery,
            organisation_id=organisation_id,
            data={"event": delivery.event},
        )
        after_commit(_enqueue, delivery.pk, replay=True)
    return delivery


def webhook_event_emit(
    *,
    organisation_id: int | None,
    event: str,
    data: Mapping[str, Any],
    once_key: str = "",
) -> list[int]:
    """Queue ``event`` for every active endpoint of the organisation that subscribed to it.

    Call inside the transaction of the change (the deliveries commit, and are sent, only with
    it). ``data`` names the case (id and reference) and a few facts — never personal data (no
    name, civil ID or contact). With ``once_key``, an endpoint that already has a delivery of
    this event with this key gets no second one (a warning sent once per claim).
    """
    if organisation_id is None:
        return []
    Event(event)  # an unknown event is a programming error
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(organisation_id=organisation_id, is_active=True)
        if event in e.events
    ]
    if not endpoints:
        return []
    now = timezone.now()
    body = json.dumps(
        {
            "event": event,
            "occurred_at": now.isoformat(),
            "organisation": organisation_id,
            "data": dict(data),
        },
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    ids = []
    for endpoint in endpoints:
        if once_key and endpoint.deliveries.filter(event=event, once_key=once_key).exists():
            continue
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, body=body, once_key=once_key, created_at=now
        )
        after_commit(_enqueue, delivery.pk)
        ids.append(delivery.pk)
    return ids


def _enqueue(delivery_id: int, *, replay: bool = False) -> None:
    from webhooks.tasks import webhook_deliver  # the task calls this module

    webhook_deliver.delay(delivery_id, 1, replay)


def webhook_delivery_attempt(*, delivery_id: int, number: int, replay: bool = False) -> bool:
    """POST the delivery once, signed now; log the attempt. True when the answer was 2xx.

    A disabled endpoint gets nothing (no attempt is logged, the delivery ends "cancelled"),
    except when a manager replays."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active and not replay:
        # Disabled between the event and this attempt (or a retry): the end of this delivery.
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELLED
        )
        return True  # nothing more to try
    timestamp = int(time.time())
    raw = delivery.body.encode()
    request = urllib.request.Request(  # noqa: S310  # the address is checked: https or local http
        endpoint.url,
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Musaada-Event": delivery.event,
            "X-Musaada-Delivery": str(delivery.pk),
            "X-Musaada-Timestamp": str(timestamp),
            "X-Musaada-Signature": signature(endpoint.secret, timestamp, raw),
        },
    )
    started = timezone.now()
    clock = time.monotonic()
    status: int | None = None
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT_SECONDS) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as refusal:
        status = refusal.code
        error = f"HTTP {refusal.code}"
    except (urllib.error.URLError, OSError) as failure:
        error = str(getattr(failure, "reason", failure))[:300] or type(failure).__name__
    succeeded = status is not None and 200 <= status < 300
    with transaction.atomic(durable=True):
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            is_replay=replay,
            started_at=started,
            duration_ms=int((time.monotonic() - clock) * 1000),
            response_status=status,
            error=error,
            succeeded=succeeded,
        )
        if succeeded:
            new_status = DeliveryStatus.DELIVERED
        elif number >= MAX_ATTEMPTS:
            new_status = DeliveryStatus.FAILED
        else:
            new_status = DeliveryStatus.PENDING
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=new_status)
    return succeeded


def case_data(aid_request: Any) -> dict[str, Any]:
    """What every case event says of the case: its id, reference and status (nothing personal)."""
    return {
        "case_id": aid_request.pk,
        "reference": aid_request.reference,
        "status": aid_request.status,
    }
