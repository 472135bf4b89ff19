"""Fixtures of the donation tests: a governorate, the needy-families and student aid types, the
ministry's table (general and zakat fund needy families; only general funds students), and a
builder of an organisation's approved case ready to be paid."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve
from donations.models import Gift, GiftKind, GiftKindAidType, GiftStatus
from tests.dedup.conftest import capital, needy, student  # noqa: F401
from tests.factories import CharityStaffFactory
from tests.factories.cases import caseworker, family, open_request


@pytest.fixture
def rules(needy, student):  # noqa: F811  # the imported fixtures
    for kind, aid_type in (
        (GiftKind.GENERAL, needy),
        (GiftKind.ZAKAT, needy),
        (GiftKind.SADAQA, needy),
        (GiftKind.GENERAL, student),
    ):
        GiftKindAidType.objects.create(kind=kind, aid_type=aid_type)


def manager_of(aid_types, governorates):
    return caseworker(aid_types, governorates, role=Role.MANAGER)


def colleague(manager, role=Role.CASEWORKER):
    return CharityStaffFactory(role=role, membership__organisation=manager.membership.organisation)


def approved_case(manager, aid_type, governorate, *, amount="150", payments=6):
    aid_request = open_request(family(governorate), aid_type, governorate, amount="900.000")
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal(amount), payments=payments
    )
    aid_request.refresh_from_db()
    return aid_request


def paid_gift(organisation, amount="100", *, kind=GiftKind.GENERAL, fund=None, days_ago=0):
    """A gift the gateway has confirmed (written straight, as the notification would leave it)."""
    at = timezone.now() - timezone.timedelta(days=days_ago)
    return Gift.objects.create(
        reference=f"G-{secrets.token_hex(4).upper()}",
        token=secrets.token_urlsafe(32),
        organisation=organisation,
        fund=fund,
        kind=kind,
        amount=Decimal(amount),
        status=GiftStatus.PAID,
        mobile="+96550001234",
        transaction_id=f"T-{secrets.token_hex(6)}",
        created_at=at,
        paid_at=at,
    )
