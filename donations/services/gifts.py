"""A gift from start to paid: the form, the guest's mobile code, the checkout at the gateway, the
re-check of a pending gift, and refunds of the part not yet allocated.

The gateway is asked outside any transaction (it may be slow); what it answered is written in
a short durable transaction afterwards, which locks the gift first.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override

from accounts.models import User
from accounts.permissions import Capability, acting_organisation, can
from accounts.phones import normalise_mobile
from aid_requests.models import AidType
from audit.services import audit_record
from charities.models import Organisation, OrganisationStatus
from donations.exceptions import (
    CodeExpired,
    CodeWrong,
    FundNotAllowed,
    GatewayUnavailable,
    GiftAmountNotAllowed,
    GiftNotPending,
    MobileRequired,
    NotAllowed,
    OrganisationNotAccepting,
    RefundNotAllowed,
    TooManyCodes,
)
from donations.gateways import base as gw
from donations.gateways.registry import get_gateway
from donations.limits import code_allowed
from donations.models import Gift, GiftKind, GiftKindAidType, GiftStatus, Refund
from notifications.sms import send_sms

#: The largest single gift the form takes (KWD); bigger gifts go through the organisation.
MAX_GIFT = Decimal("100000")


def _check_amount(amount: Decimal) -> None:
    exponent = amount.as_tuple().exponent
    if amount <= 0 or amount > MAX_GIFT or not isinstance(exponent, int) or exponent < -3:
        raise GiftAmountNotAllowed


def gift_start(
    *,
    organisation_id: int,
    kind: str,
    amount: Decimal,
    fund_id: int | None = None,
    donor: User | None = None,
    mobile: str = "",
    client_ip: str | None = None,
) -> Gift:
    """Start a gift to an active organisation (or to one of its aid-type funds).

    A signed-in donor's gift waits for the payment at once. A guest's gift first waits for the
    code sent by SMS to ``mobile`` (``gift_confirm_mobile``): the mobile is how the donor is
    told of the gift and how their gift link reaches them.
    """
    _check_amount(amount)
    if kind not in GiftKind.values:
        raise FundNotAllowed
    organisation = Organisation.objects.filter(
        pk=organisation_id, status=OrganisationStatus.ACTIVE
    ).first()
    if organisation is None:
        raise OrganisationNotAccepting
    fund: AidType | None = None
    if fund_id is not None:
        fund = organisation.aid_types.filter(pk=fund_id, is_active=True).first()
        if fund is None or not GiftKindAidType.objects.filter(kind=kind, aid_type=fund).exists():
            raise FundNotAllowed
    if (
        fund is None
        and not GiftKindAidType.objects.filter(
            kind=kind, aid_type__in=organisation.aid_types.filter(is_active=True)
        ).exists()
    ):
        raise FundNotAllowed  # nothing this organisation gives could be funded by this kind
    guest = donor is None or not donor.is_authenticated
    code = ""
    if guest:
        if not mobile:
            raise MobileRequired
        try:
            mobile = normalise_mobile(mobile)
        except ValidationError as exc:
            raise MobileRequired(exc.messages[0]) from None
        if not code_allowed(mobile=mobile, client_ip=client_ip):
            raise TooManyCodes
        code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic(durable=True):
        gift = Gift.objects.create(
            reference=f"G-{secrets.token_hex(4).upper()}",
            token=secrets.token_urlsafe(32),
            organisation=organisation,
            fund=fund,
            kind=kind,
            amount=amount,
            donor=None if guest else donor,
            mobile=mobile if guest else (donor.mobile if donor and donor.mobile_verified else ""),
            code_hash=make_password(code) if guest else "",
            code_sent_at=now if guest else None,
            status=GiftStatus.UNCONFIRMED if guest else GiftStatus.PENDING,
            created_at=now,
        )
        audit_record(
            actor=None if guest else donor,
            action="gift.started",
            target=gift,
            organisation_id=organisation.pk,
            data={"amount": str(amount), "kind": kind, "fund": fund.code if fund else None},
        )
        if guest:
            transaction.on_commit(lambda: _send_code(mobile, code))
    return gift


def _send_code(mobile: str, code: str) -> None:
    with override(settings.LANGUAGE_CODE):
        body = gettext("Musaada: your code to confirm your gift is %(code)s.") % {"code": code}
    send_sms(to=mobile, body=body)


def gift_confirm_mobile(*, gift_id: int, code: str) -> Gift:
    """The guest typed the code sent to their mobile: the gift now waits for the payment.

    A wrong code counts against ``DONATIONS_CODE_ATTEMPTS`` (the count is kept even though the
    call fails); an expired or exhausted code ends the gift's confirmation (``CodeExpired``).
    """
    refusal: type[CodeWrong] | type[CodeExpired] | None = None
    with transaction.atomic(durable=True):
        gift = Gift.objects.select_for_update().get(pk=gift_id)
        if gift.status != GiftStatus.UNCONFIRMED:
            return gift  # confirmed already (the form sent twice)
        age = (timezone.now() - gift.code_sent_at).total_seconds() if gift.code_sent_at else 1e9
        if age > settings.DONATIONS_CODE_LIFETIME_SECONDS or (
            gift.code_attempts >= settings.DONATIONS_CODE_ATTEMPTS
        ):
            refusal = CodeExpired
        elif not check_password((code or "").strip(), gift.code_hash):
            gift.code_attempts += 1
            gift.save(update_fields=["code_attempts"])
            refusal = CodeWrong
        else:
            gift.status = GiftStatus.PENDING
            gift.mobile_confirmed_at = timezone.now()
            gift.code_hash = ""
            gift.save(update_fields=["status", "mobile_confirmed_at", "code_hash"])
    if refusal is not None:
        raise refusal
    return gift


def gift_checkout(*, gift_id: int, return_url: str, notify_url: str) -> str:
    """The gateway's payment page for a pending gift (opened once; the same page again after).

    ``return_url`` is the donor's page of the gift, where the gateway sends the browser back;
    ``notify_url`` our notification endpoint.
    """
    gift = Gift.objects.get(pk=gift_id)
    if gift.status != GiftStatus.PENDING:
        raise GiftNotPending
    if gift.payment_url:
        return gift.payment_url
    gateway = get_gateway()
    try:
        checkout = gateway.checkout(
            reference=gift.reference,
            amount=gift.amount,
            return_url=return_url,
            notify_url=notify_url,
        )
    except gw.GatewayError:
        raise GatewayUnavailable from None
    with transaction.atomic(durable=True):
        gift = Gift.objects.select_for_update().get(pk=gift_id)
        if gift.transaction_id:  # another tab was first: keep its checkout
            return gift.payment_url
        gift.gateway = gateway.name
        gift.transaction_id = checkout.transaction_id
        gift.payment_url = checkout.payment_url
        gift.return_url = return_url
        gift.save(update_fields=["gateway", "transaction_id", "payment_url", "return_url"])
    return checkout.payment_url


def may_refund(user: User, gift: Gift) -> bool:
    """The gift's organisation's manager, or a ministry administrator."""
    if can(user, Capability.MANAGE_SETTINGS):
        return True
    organisation = acting_organisation(user)
    return (
        can(user, Capability.APPROVE_CASE)
        and organisation is not None
        and organisation.pk == gift.organisation_id
    )


def gift_refund(*, gift_id: int, actor: User, amount: Decimal, reason: str = "") -> Refund:
    """Give back ``amount`` of a paid gift to the donor, out of its unallocated part.

    The refund is first reserved in the ledger (the CHECK keeps ``allocated + refunded`` within
    the gift, so no allocation can take the same money meanwhile), then asked of the gateway;
    if the gateway refuses, the reservation is taken back and nothing is refunded.
    """
    _check_amount(amount)
    refund_id = f"R-{secrets.token_hex(6).upper()}"
    with transaction.atomic(durable=True):
        gift = Gift.objects.select_for_update().get(pk=gift_id)
        if not may_refund(actor, gift):
            raise NotAllowed
        if gift.status != GiftStatus.PAID or amount > gift.available:
            raise RefundNotAllowed
        refund = Refund.objects.create(
            gift=gift,
            refund_id=refund_id,
            amount=amount,
            reason=reason,
            by=actor,
            at=timezone.now(),
        )
        gift.refunded += amount
        gift.save(update_fields=["refunded"])
        audit_record(
            actor=actor,
            action="gift.refunded",
            target=gift,
            organisation_id=gift.organisation_id,
            data={"amount": str(amount), "refund": refund_id},
        )
    try:
        get_gateway().refund(
            transaction_id=gift.transaction_id or "", amount=amount, refund_id=refund_id
        )
    except gw.GatewayError:
        with transaction.atomic(durable=True):
            gift = Gift.objects.select_for_update().get(pk=gift_id)
            Refund.objects.filter(pk=refund.pk).delete()
            gift.refunded -= amount
            gift.save(update_fields=["refunded"])
            audit_record(
                actor=actor,
                action="gift.refund_failed",
                target=gift,
                organisation_id=gift.organisation_id,
                data={"amount": str(amount), "refund": refund_id},
            )
        raise GatewayUnavailable from None
    return refund
