"""The gateway's word: forged, stale and replayed notifications, a notification before or after
the browser's return, refunds, and the simulator's page from start to paid."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts.models import Role
from donations.exceptions import CodeWrong, RefundNotAllowed
from donations.gateways import base as gw
from donations.gateways.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from donations.models import GatewayNotification, Gift, GiftKind, GiftStatus, Refund
from donations.services.gifts import gift_checkout, gift_confirm_mobile, gift_refund, gift_start
from donations.services.notifications import gift_refresh
from notifications import sms
from tests.donations.conftest import manager_of

pytestmark = pytest.mark.django_db


def started_gift(organisation, amount="25"):
    """A guest's gift, its mobile confirmed and its checkout opened at the simulator."""
    sms.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        gift = gift_start(
            organisation_id=organisation.pk,
            kind=GiftKind.GENERAL,
            amount=Decimal(amount),
            mobile="50001234",
        )
    code = sms.outbox[-1].body.split()[-1].rstrip(".")
    gift_confirm_mobile(gift_id=gift.pk, code=code)
    gift_checkout(gift_id=gift.pk, return_url="http://testserver/back", notify_url="n")
    gift.refresh_from_db()
    return gift


def post(client, payload, *, secret=None, stamp=None, signature=None):
    body = json.dumps(payload).encode()
    stamp = int(time.time()) if stamp is None else stamp
    kwargs = {} if secret is None else {"secret": secret}
    headers = {
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: signature or sign(body, timestamp=stamp, **kwargs),
    }
    return client.post(
        reverse("donations:notify"), body, content_type="application/json", headers=headers
    )


def approved(gift, **extra):
    return {
        "transaction_id": gift.transaction_id,
        "reference": gift.reference,
        "event": gw.APPROVED,
        "amount": f"{gift.amount:.3f}",
        **extra,
    }


@pytest.fixture
def organisation(capital, needy, rules):
    return manager_of([needy], [capital]).membership.organisation


def test_a_signed_notification_marks_the_gift_paid_once(client, organisation):
    gift = started_gift(organisation)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert post(client, approved(gift)).json() == {"outcome": "applied"}
    gift.refresh_from_db()
    assert gift.status == GiftStatus.PAID
    assert gift.reference in sms.outbox[-1].body
    assert "http://testserver/back" in sms.outbox[-1].body
    paid_at = gift.paid_at
    assert post(client, approved(gift)).json() == {"outcome": "replay"}
    gift.refresh_from_db()
    assert gift.paid_at == paid_at
    assert GatewayNotification.objects.count() == 1


@pytest.mark.parametrize(
    "forgery",
    [
        {"secret": "not-the-shared-secret"},
        {"signature": "0" * 64},
        {"stamp": int(time.time()) - 3600},
    ],
    ids=["wrong-secret", "made-up-signature", "stale"],
)
def test_a_forged_or_stale_notification_is_refused_and_changes_nothing(
    client, organisation, forgery
):
    gift = started_gift(organisation)
    answer = post(client, approved(gift), **forgery)
    assert answer.status_code == 403
    gift.refresh_from_db()
    assert gift.status == GiftStatus.PENDING
    assert not GatewayNotification.objects.exists()


def test_an_altered_body_is_refused(client, organisation):
    gift = started_gift(organisation)
    body = json.dumps(approved(gift)).encode()
    stamp = int(time.time())
    signature = sign(body, timestamp=stamp)
    altered = body.replace(b"25.000", b"2500.000")
    answer = client.post(
        reverse("donations:notify"),
        altered,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: signature},
    )
    assert answer.status_code == 403


def test_a_notification_with_another_amount_changes_nothing(client, organisation):
    gift = started_gift(organisation)
    assert post(client, approved(gift, amount="1.000")).json() == {"outcome": "mismatch"}
    gift.refresh_from_db()
    assert gift.status == GiftStatus.PENDING


def test_the_notification_may_come_before_the_browser_returns(client, organisation):
    gift = started_gift(organisation)
    post(client, approved(gift))
    page = client.get(reverse("donations:gift", args=[gift.token]))
    assert 'data-status="paid"' in page.content.decode()


def test_the_browser_may_return_first_and_the_page_asks_the_gateway(client, organisation):
    gift = started_gift(organisation)
    page = client.get(reverse("donations:gift", args=[gift.token]))
    assert 'data-status="pending"' in page.content.decode()
    # The payer approves at the gateway; its notification is late, the page asks meanwhile.
    from donations.models import SimulatedTransaction

    SimulatedTransaction.objects.filter(transaction_id=gift.transaction_id).update(state="approved")
    assert gift_refresh(gift_id=gift.pk).status == GiftStatus.PAID
    # The notification, when it comes, changes nothing.
    assert post(client, approved(gift)).json() == {"outcome": "replay"}


def test_the_simulator_page_approves_signs_and_returns_the_browser(client, organisation):
    gift = started_gift(organisation)
    answer = client.post(
        reverse("donations:simulator", args=[gift.transaction_id]), {"approve": "1"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == "http://testserver/back"
    gift.refresh_from_db()
    assert gift.status == GiftStatus.PAID


def test_the_simulator_page_can_decline(client, organisation):
    gift = started_gift(organisation)
    client.post(reverse("donations:simulator", args=[gift.transaction_id]), {"decline": "1"})
    gift.refresh_from_db()
    assert gift.status == GiftStatus.DECLINED


def test_a_wrong_code_is_counted_and_refused(organisation):
    gift = gift_start(
        organisation_id=organisation.pk,
        kind=GiftKind.GENERAL,
        amount=Decimal("5"),
        mobile="50001234",
    )
    with pytest.raises(CodeWrong):
        gift_confirm_mobile(gift_id=gift.pk, code="xxxxxx")
    gift.refresh_from_db()
    assert (gift.status, gift.code_attempts) == (GiftStatus.UNCONFIRMED, 1)


def test_a_refund_only_of_the_unallocated_part(client, organisation):
    manager = organisation.memberships.get().user
    assert manager.role == Role.MANAGER
    gift = started_gift(organisation, "100")
    client.post(reverse("donations:simulator", args=[gift.transaction_id]), {"approve": "1"})
    Gift.objects.filter(pk=gift.pk).update(allocated=Decimal("70"))
    with pytest.raises(RefundNotAllowed):
        gift_refund(gift_id=gift.pk, actor=manager, amount=Decimal("30.001"))
    refund = gift_refund(gift_id=gift.pk, actor=manager, amount=Decimal("30"))
    gift.refresh_from_db()
    assert gift.refunded == Decimal("30")
    assert gift.available == 0
    from donations.models import SimulatedTransaction

    assert SimulatedTransaction.objects.get(transaction_id=gift.transaction_id).refunded == 30
    # The gateway's notification of that same refund, even sent twice, changes nothing.
    event = approved(gift, event=gw.REFUNDED, amount="30.000", refund_id=refund.refund_id)
    assert post(client, event).json() == {"outcome": "ignored"}
    assert post(client, event).json() == {"outcome": "replay"}
    assert Refund.objects.count() == 1


def test_a_refund_made_at_the_gateway_is_recorded_once(client, organisation):
    gift = started_gift(organisation, "100")
    post(client, approved(gift))
    event = approved(gift, event=gw.REFUNDED, amount="40.000", refund_id="GW-R-1")
    assert post(client, event).json() == {"outcome": "applied"}
    assert post(client, event).json() == {"outcome": "replay"}
    gift.refresh_from_db()
    assert gift.refunded == Decimal("40")


def test_a_malformed_notification_is_a_400(client):
    body = b"not json"
    stamp = int(time.time())
    answer = client.post(
        reverse("donations:notify"),
        body,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign(body, timestamp=stamp)},
    )
    assert answer.status_code == 400


def test_a_notification_of_an_unknown_transaction_is_answered_404_to_be_sent_again(client):
    answer = post(client, {"transaction_id": "T-NONE", "event": gw.APPROVED, "amount": "1.000"})
    assert answer.status_code == 404
    assert not GatewayNotification.objects.exists()


def test_codes_to_one_mobile_are_limited(organisation, settings):
    from donations.exceptions import TooManyCodes

    settings.DONATIONS_CODE_LIMIT_PER_MOBILE = 2
    for _ in range(2):
        gift_start(
            organisation_id=organisation.pk,
            kind=GiftKind.GENERAL,
            amount=Decimal("5"),
            mobile="50001234",
        )
    with pytest.raises(TooManyCodes):
        gift_start(
            organisation_id=organisation.pk,
            kind=GiftKind.GENERAL,
            amount=Decimal("5"),
            mobile="50001234",
        )
    assert Gift.objects.count() == 2


def test_a_kind_that_can_fund_nothing_the_organisation_gives_is_refused(capital, student, rules):
    from donations.exceptions import FundNotAllowed

    organisation = manager_of([student], [capital]).membership.organisation
    with pytest.raises(FundNotAllowed):  # zakat may fund needy families only, not students
        gift_start(
            organisation_id=organisation.pk,
            kind=GiftKind.ZAKAT,
            amount=Decimal("5"),
            mobile="50001234",
        )
