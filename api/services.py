"""Writes of API clients and tokens: create, rotate, revoke (audited), and the last-used mark.

A client acts through its own service account (see ``api.models.ApiClient``): creating a client
creates that account as staff of the manager's organisation, revoking it deactivates the
account, so nothing the client holds keeps working.

Two sides, the same services: a manager manages their organisation's clients (organisation
scopes), a ministry administrator the ministry's (``MINISTRY_SCOPES``, an account that is a
ministry official). Nobody is on both sides, and a scope of the other side is refused.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import Capability, can, may_see_personal_data
from api.exceptions import (
    ClientNotAllowed,
    ClientRevoked,
    ScopeNotAllowed,
    ScopesRequired,
    SecondFactorRequired,
)
from api.models import MINISTRY_SCOPES, ORGANISATION_SCOPES, ApiClient, ApiToken, Scope
from api.tokens import LAST_USED_PRECISION, ROTATION_OVERLAP, TOKEN_LIFETIME, token_new
from audit.services import audit_record
from charities.models import Organisation, StaffMembership
from charities.selectors import organisation_for_staff

#: The domain of the service accounts' addresses: reserved (RFC 2606), so no mail is ever sent.
SERVICE_ACCOUNT_DOMAIN = "api-clients.invalid"


#: Who manages the ministry's clients (its administrators; officials only read).
MINISTRY_CLIENTS_CAPABILITY = Capability.MANAGE_SETTINGS


def _managed_organisation(actor: User, *, second_factor_passed: bool) -> Organisation | None:
    """The side whose API clients ``actor`` may manage now: the organisation they manage, or
    None for the ministry (a ministry administrator). A token opens personal data or the
    ministry's figures, so it needs what personal data needs (the second factor)."""
    if can(actor, Capability.MANAGE_STAFF):
        organisation = organisation_for_staff(actor)
        if organisation is None:  # pragma: no cover - can() already refused
            raise ClientNotAllowed
    elif can(actor, MINISTRY_CLIENTS_CAPABILITY):
        organisation = None
    else:
        raise ClientNotAllowed
    if not may_see_personal_data(actor, second_factor_passed=second_factor_passed):
        raise SecondFactorRequired
    return organisation


def scopes_of_side(organisation: Organisation | None) -> tuple[Scope, ...]:
    """The scopes a client of ``organisation`` (None: the ministry) may hold."""
    return MINISTRY_SCOPES if organisation is None else ORGANISATION_SCOPES


def _issue_token(client: ApiClient, now: datetime.datetime) -> tuple[ApiToken, str]:
    new = token_new()
    token = ApiToken.objects.create(
        client=client,
        prefix=new.prefix,
        secret_hash=new.secret_hash,
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    return token, new.value


def api_client_create(
    *,
    actor: User,
    name: str,
    scopes: Iterable[str],
    rate_limit: int,
    second_factor_passed: bool = False,
) -> tuple[ApiClient, str]:
    """Create a client of ``actor``'s organisation (or of the ministry, for a ministry
    administrator) and its first token.

    Returns the client and the token's value, which is shown once and never stored.
    """
    organisation = _managed_organisation(actor, second_factor_passed=second_factor_passed)
    chosen = sorted({s for s in scopes if s in Scope.values})
    if not chosen:
        raise ScopesRequired
    if not set(chosen) <= set(scopes_of_side(organisation)):
        raise ScopeNotAllowed
    if organisation is None:
        role = Role.MINISTRY_OFFICIAL
    else:
        role = Role.MANAGER if Scope.MANAGE_CASES in chosen else Role.CASEWORKER
    now = timezone.now()
    with transaction.atomic(durable=True):
        account = User.objects.create_user(
            email=f"client-{uuid.uuid4().hex}@{SERVICE_ACCOUNT_DOMAIN}",
            password=None,  # never signs in: it acts only through its tokens
            role=role,
            full_name=f"API: {name}",
            language=actor.language or settings.LANGUAGE_CODE,
        )
        if organisation is not None:
            StaffMembership.objects.create(
                user=account, organisation=organisation, is_service_account=True
            )
        client = ApiClient.objects.create(
            organisation=organisation,
            user=account,
            name=name,
            scopes=chosen,
            rate_limit=rate_limit,
            created_by=actor,
            created_at=now,
        )
        token, value = _issue_token(client, now)
        audit_record(
            actor=actor,
            action="api_client.created",
            target=client,
            organisation_id=organisation.pk if organisation else None,
            data={"scopes": chosen, "rate_limit": rate_limit, "token": token.prefix},
        )
    return client, value


def _locked_client(actor: User, client_id: int, *, second_factor_passed: bool) -> ApiClient:
    organisation = _managed_organisation(actor, second_factor_passed=second_factor_passed)
    client = (
        ApiClient.objects.select_for_update()
        .filter(pk=client_id, organisation=organisation)
        .first()
    )
    if client is None:
        raise ClientNotAllowed
    return client


def api_token_rotate(
    *, actor: User, client_id: int, second_factor_passed: bool = False
) -> tuple[ApiToken, str]:
    """Issue a new token for a client; the live ones expire after ``ROTATION_OVERLAP``.

    Returns the new token and its value (shown once).
    """
    with transaction.atomic(durable=True):
        client = _locked_client(actor, client_id, second_factor_passed=second_factor_passed)
        if not client.is_active:
            raise ClientRevoked
        now = timezone.now()
        overlap_end = now + ROTATION_OVERLAP
        ApiToken.objects.filter(
            client=client, revoked_at__isnull=True, expires_at__gt=overlap_end
        ).update(expires_at=overlap_end)
        token, value = _issue_token(client, now)
        audit_record(
            actor=actor,
            action="api_token.rotated",
            target=client,
            organisation_id=client.organisation_id,
            data={"token": token.prefix, "previous_expire_at": overlap_end.isoformat()},
        )
    return token, value


def api_client_revoke(
    *, actor: User, client_id: int, second_factor_passed: bool = False
) -> ApiClient:
    """Revoke a client: its tokens stop at once and its service account is deactivated."""
    with transaction.atomic(durable=True):
        client = _locked_client(actor, client_id, second_factor_passed=second_factor_passed)
        if not client.is_active:
            raise ClientRevoked
        now = timezone.now()
        client.revoked_at = now
        client.save(update_fields=["revoked_at"])
        ApiToken.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)
        StaffMembership.objects.filter(user_id=client.user_id).update(is_active=False)
        User.objects.filter(pk=client.user_id).update(is_active=False)
        audit_record(
            actor=actor,
            action="api_client.revoked",
            target=client,
            organisation_id=client.organisation_id,
        )
    return client


def api_token_touch(*, token: ApiToken) -> None:
    """Mark a token used now — at most once per ``LAST_USED_PRECISION``, one UPDATE and no
    audit entry (the call itself is audited by the service it runs, with the client as actor)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
