"""Reads of API clients: a manager's own organisation's (a ministry administrator's: the
ministry's), and a presented token's."""

from __future__ import annotations

from django.db.models import Max, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Capability, can
from api.models import ApiClient, ApiToken
from api.services import MINISTRY_CLIENTS_CAPABILITY
from api.tokens import token_matches, token_prefix
from charities.selectors import organisation_for_staff


def clients_for_manager(user: User) -> QuerySet[ApiClient]:
    """The API clients of the organisation ``user`` manages (of the ministry, for a ministry
    administrator), newest first, with when each was last used and when its newest live
    token expires."""
    if can(user, Capability.MANAGE_STAFF):
        organisation = organisation_for_staff(user)
        if organisation is None:  # pragma: no cover - can() already refused
            return ApiClient.objects.none()
        mine = Q(organisation=organisation)
    elif can(user, MINISTRY_CLIENTS_CAPABILITY):
        mine = Q(organisation__isnull=True)
    else:
        return ApiClient.objects.none()
    now = timezone.now()
    live = Q(tokens__revoked_at__isnull=True, tokens__expires_at__gt=now)
    return (
        ApiClient.objects.filter(mine)
        .annotate(
            last_used=Max("tokens__last_used_at"),
            expires=Max("tokens__expires_at", filter=live),
            first_expiry=Min("tokens__expires_at", filter=live),
        )
        .order_by("-created_at", "-id")
    )


def get_client_for_manager(user: User, pk: int) -> ApiClient:
    """One client of the organisation ``user`` manages; 404 for any other."""
    client = clients_for_manager(user).filter(pk=pk).first()
    if client is None:
        raise Http404
    return client


def token_for_value(value: str) -> ApiToken | None:
    """The live token ``value`` is, with its client and the client's account; None for an
    unknown, expired or revoked token, or one of a revoked client."""
    prefix = token_prefix(value)
    if prefix is None:
        return None
    token = (
        ApiToken.objects.select_related("client", "client__user")
        .filter(prefix=prefix, client__revoked_at__isnull=True)
        .first()
    )
    if token is None or not token_matches(value, token.secret_hash):
        return None
    if not token.is_valid(timezone.now()):
        return None
    return token
