"""After the claim: approve, pay, close, release, reject; deadlines; who may do what."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import Payment, PaymentMethod, RequestStatus
from charities import services
from charities.exceptions import (
    AmountNotAllowed,
    CloseNotAllowed,
    NotAllowed,
    NotLicensed,
    PaymentNotAllowed,
    SecondFactorRequired,
)
from charities.models import OrganisationStatus
from dedup.models import AidCommitment
from notifications.models import Notification
from tests.dedup.conftest import caseworker, family, open_request
from tests.factories import CharityStaffFactory

pytestmark = pytest.mark.django_db
S = RequestStatus


@pytest.fixture
def claimed(capital, needy):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request = open_request(family(capital), needy, capital, amount="900.000")
    services.aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request.refresh_from_db()
    return aid_request, manager


def pay(aid_request, actor, amount="150.000"):
    return services.payment_record(
        aid_request_id=aid_request.pk,
        actor=actor,
        amount=Decimal(amount),
        paid_on=timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        reference="TRX-1",
    )


def test_manager_approves_pays_every_period_and_closes(claimed):
    aid_request, manager = claimed
    services.aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("150.000"), payments=6
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPROVED
    assert set(aid_request.commitments.values_list("status", flat=True)) == {"active"}
    first = pay(aid_request, manager)
    aid_request.refresh_from_db()
    assert (aid_request.status, first.period) == (S.PAYING, 1)
    for _ in range(5):
        pay(aid_request, manager)
    with pytest.raises(PaymentNotAllowed):
        pay(aid_request, manager)  # a seventh period does not exist
    services.aid_request_close(aid_request_id=aid_request.pk, actor=manager)
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLOSED
    assert Payment.objects.filter(aid_request=aid_request).count() == 6
    # a closed case keeps its slot for the whole coverage period
    assert set(aid_request.commitments.values_list("status", flat=True)) == {"active"}
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"request_claimed", "request_approved", "payment_recorded", "request_closed"} <= kinds


@pytest.mark.parametrize(("amount", "payments"), [("0", 6), ("300", 6), ("100", 7), ("100", 0)])
def test_approval_stays_within_the_aid_types_maximum(claimed, amount, payments):
    aid_request, manager = claimed
    with pytest.raises(AmountNotAllowed):
        services.aid_request_approve(
            aid_request_id=aid_request.pk, actor=manager, amount=Decimal(amount), payments=payments
        )
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED


def test_a_case_cannot_close_without_a_payment(claimed):
    aid_request, manager = claimed
    services.aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("100"), payments=1
    )
    with pytest.raises(CloseNotAllowed):
        services.aid_request_close(aid_request_id=aid_request.pk, actor=manager)
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPROVED


def test_a_payment_above_the_approved_amount_is_refused(claimed):
    aid_request, manager = claimed
    services.aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("100"), payments=2
    )
    with pytest.raises(AmountNotAllowed):
        pay(aid_request, manager, amount="100.001")
    assert not Payment.objects.exists()


def test_caseworkers_cannot_approve(claimed, capital, needy):
    aid_request, manager = claimed
    worker = CharityStaffFactory(
        role=Role.CASEWORKER, membership__organisation=manager.membership.organisation
    )
    with pytest.raises(NotAllowed):
        services.aid_request_approve(
            aid_request_id=aid_request.pk, actor=worker, amount=Decimal("100"), payments=1
        )


def test_another_organisation_cannot_act_on_the_case(claimed, capital, needy):
    aid_request, _manager = claimed
    stranger = caseworker([needy], [capital], role=Role.MANAGER)
    for action in (
        lambda: services.aid_request_approve(
            aid_request_id=aid_request.pk, actor=stranger, amount=Decimal(1), payments=1
        ),
        lambda: services.aid_request_release(
            aid_request_id=aid_request.pk, actor=stranger, reason="x"
        ),
        lambda: services.aid_request_reject(
            aid_request_id=aid_request.pk, actor=stranger, reason="x"
        ),
    ):
        with pytest.raises(NotAllowed):
            action()
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED


def test_reject_frees_the_slot_and_the_applicant_may_appeal(claimed):
    aid_request, manager = claimed
    services.aid_request_reject(
        aid_request_id=aid_request.pk, actor=manager, reason="الدخل أعلى مما صُرّح به"
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.REJECTED
    assert not AidCommitment.objects.filter(status__in=["reserved", "active"]).exists()
    from aid_requests.services import aid_request_appeal

    aid_request_appeal(
        aid_request_id=aid_request.pk,
        applicant=aid_request.applicant,
        reason="لدي ما يثبت أن الدخل صحيح كما صرحت به",
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPEALED


def test_a_suspended_organisation_cannot_claim(capital, needy):
    staff = caseworker([needy], [capital], status=OrganisationStatus.SUSPENDED)
    aid_request = open_request(family(capital), needy, capital)
    with pytest.raises(NotAllowed):
        services.aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


def test_a_request_outside_the_licence_cannot_be_claimed(capital, needy, student):
    staff = caseworker([student], [capital])
    aid_request = open_request(family(capital), needy, capital)
    with pytest.raises(NotLicensed):
        services.aid_request_claim(aid_request_id=aid_request.pk, actor=staff)


def test_staff_without_a_second_factor_cannot_claim_when_it_is_required(settings, capital, needy):
    settings.STAFF_REQUIRE_MFA = True
    staff = caseworker([needy], [capital])
    aid_request = open_request(family(capital), needy, capital)
    with pytest.raises(SecondFactorRequired):
        services.aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    services.aid_request_claim(aid_request_id=aid_request.pk, actor=staff)


def test_the_deadline_task_releases_exactly_the_overdue_claims(settings, capital, needy):
    settings.CLAIM_DEADLINE_DAYS = 14
    staff = caseworker([needy], [capital], role=Role.MANAGER)
    start = timezone.now()
    with time_machine.travel(start - datetime.timedelta(days=15)):
        old = open_request(family(capital), needy, capital)
        services.aid_request_claim(aid_request_id=old.pk, actor=staff)
        old_approved = open_request(family(capital), needy, capital)
        services.aid_request_claim(aid_request_id=old_approved.pk, actor=staff)
        services.aid_request_approve(
            aid_request_id=old_approved.pk, actor=staff, amount=Decimal(100), payments=1
        )
    with time_machine.travel(start - datetime.timedelta(days=13)):
        recent = open_request(family(capital), needy, capital)
        services.aid_request_claim(aid_request_id=recent.pk, actor=staff)
    with time_machine.travel(start):
        from charities.tasks import release_expired_claims_task

        assert release_expired_claims_task.delay().get() == 1
    for item, status in ((old, S.OPEN), (old_approved, S.APPROVED), (recent, S.CLAIMED)):
        item.refresh_from_db()
        assert item.status == status
    entry = old.timeline.order_by("-at").first()
    assert (entry.to_status, entry.actor) == (S.OPEN, None)
    assert "deadline" in entry.note
    assert Notification.objects.filter(kind="claim_deadline_released", recipient=staff).exists()
