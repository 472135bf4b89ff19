"""A manager's endpoints and deliveries: only those of their own organisation (404 otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from accounts.models import User

#: Deliveries shown on an endpoint's log page, newest first.
LOG_LENGTH = 50


def _organisation_id(user: User) -> int | None:
    membership = getattr(user, "membership", None)
    if membership is None or not membership.is_active:
        return None
    return int(membership.organisation_id)


def endpoints_for_manager(user: User) -> QuerySet[WebhookEndpoint]:
    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(organisation_id=organisation_id).order_by("-pk")


def get_endpoint_for_manager(user: User, pk: int) -> WebhookEndpoint:
    endpoint = endpoints_for_manager(user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404
    return endpoint


def deliveries_of(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    attempts = Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("started_at", "pk"))
    return list(endpoint.deliveries.order_by("-pk").prefetch_related(attempts)[:LOG_LENGTH])


def get_delivery_for_manager(user: User, pk: int) -> WebhookDelivery:
    organisation_id = _organisation_id(user)
    delivery = (
        WebhookDelivery.objects.filter(pk=pk, endpoint__organisation_id=organisation_id)
        .select_related("endpoint")
        .first()
        if organisation_id is not None
        else None
    )
    if delivery is None:
        raise Http404
    return delivery
