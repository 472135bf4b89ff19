"""After the claim: approve, pay, close, release, reject; deadlines; who may do what."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from accounts.models import Role
from aid_requests.models import AidScope, AidType, Payment, PaymentMethod, RequestStatus
from audit.models import AuditEntry
from charities.exceptions import (
    CaseAmountNotAllowed,
    CaseReasonRequired,
    CharityError,
    CloseNotAllowed,
    NotAllowed,
    NotLicensed,
    PaymentInFuture,
    PaymentNotAllowed,
    PaymentTooEarly,
    SecondFactorRequired,
)
from charities.models import OrganisationStatus
from charities.services.cases import aid_request_reject, aid_request_release, release_expired_claims
from charities.services.claim import aid_request_claim
from charities.services.payments import (
    aid_request_approve,
    aid_request_close,
    next_period,
    payment_record,
)
from config.dates import add_months, format_date
from dedup.models import AidCommitment
from notifications.models import Notification
from tests.factories import CharityStaffFactory, StaffUserFactory
from tests.factories.cases import caseworker, family, on, open_request
from tests.factories.second_factor import totp_device

pytestmark = pytest.mark.django_db
S = RequestStatus


@pytest.fixture
def claimed(capital, needy):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request = open_request(family(capital), needy, capital, amount="900.000")
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request.refresh_from_db()
    return aid_request, manager


def pay(aid_request, actor, amount="150.000"):
    return payment_record(
        aid_request_id=aid_request.pk,
        actor=actor,
        amount=Decimal(amount),
        paid_on=timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        reference="TRX-1",
    )


def test_manager_approves_pays_every_period_and_closes(claimed):
    aid_request, manager = claimed
    aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("150.000"), payments=6
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPROVED
    assert set(aid_request.commitments.values_list("status", flat=True)) == {"active"}
    first = pay(aid_request, manager)
    aid_request.refresh_from_db()
    assert (aid_request.status, first.period) == (S.PAYING, 1)
    for period in range(2, 7):  # each month's payment in its own month
        with on(add_months(aid_request.coverage_start, period - 1)):
            assert pay(aid_request, manager).period == period
    with on(add_months(aid_request.coverage_start, 6)), pytest.raises(PaymentNotAllowed):
        pay(aid_request, manager)  # a seventh period does not exist
    aid_request_close(aid_request_id=aid_request.pk, actor=manager)
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
    with pytest.raises(CaseAmountNotAllowed):
        aid_request_approve(
            aid_request_id=aid_request.pk, actor=manager, amount=Decimal(amount), payments=payments
        )
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED


def test_a_case_cannot_close_without_a_payment(claimed):
    aid_request, manager = claimed
    aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("100"), payments=1
    )
    with pytest.raises(CloseNotAllowed):
        aid_request_close(aid_request_id=aid_request.pk, actor=manager)
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPROVED


def test_a_payment_above_the_approved_amount_is_refused(claimed):
    aid_request, manager = claimed
    aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("100"), payments=2
    )
    with pytest.raises(CaseAmountNotAllowed):
        pay(aid_request, manager, amount="100.001")
    assert not Payment.objects.exists()


def test_caseworkers_cannot_approve(claimed, capital, needy):
    aid_request, manager = claimed
    worker = CharityStaffFactory(
        role=Role.CASEWORKER, membership__organisation=manager.membership.organisation
    )
    with pytest.raises(NotAllowed):
        aid_request_approve(
            aid_request_id=aid_request.pk, actor=worker, amount=Decimal("100"), payments=1
        )


def test_another_organisation_cannot_act_on_the_case(claimed, capital, needy):
    aid_request, _manager = claimed
    stranger = caseworker([needy], [capital], role=Role.MANAGER)
    for action in (
        lambda: aid_request_approve(
            aid_request_id=aid_request.pk, actor=stranger, amount=Decimal(1), payments=1
        ),
        lambda: aid_request_release(aid_request_id=aid_request.pk, actor=stranger, reason="x"),
        lambda: aid_request_reject(aid_request_id=aid_request.pk, actor=stranger, reason="x"),
    ):
        with pytest.raises(NotAllowed):
            action()
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED


def test_reject_frees_the_slot_and_the_applicant_may_appeal(claimed):
    aid_request, manager = claimed
    aid_request_reject(
        aid_request_id=aid_request.pk, actor=manager, reason="  الدخل أعلى مما صُرّح به  "
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.REJECTED
    assert not AidCommitment.objects.filter(status__in=["reserved", "active"]).exists()
    entry = aid_request.timeline.order_by("-at", "-id").first()
    assert (entry.from_status, entry.to_status, entry.actor, entry.note) == (
        S.CLAIMED,
        S.REJECTED,
        manager,
        "الدخل أعلى مما صُرّح به",
    )
    told = Notification.objects.get(kind="request_rejected")
    assert (told.recipient, told.aid_request) == (aid_request.applicant, aid_request)
    assert told.context["reason"] == "الدخل أعلى مما صُرّح به"
    assert "الدخل أعلى مما صُرّح به" in told.message("en").body
    audit = AuditEntry.objects.get(action="aid_request.rejected")
    assert (audit.actor, audit.organisation_id) == (manager, manager.membership.organisation.pk)
    from aid_requests.services.appeals import aid_request_appeal

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
        aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


def test_a_request_outside_the_licence_cannot_be_claimed(capital, needy, student):
    staff = caseworker([student], [capital])
    aid_request = open_request(family(capital), needy, capital)
    with pytest.raises(NotLicensed):
        aid_request_claim(aid_request_id=aid_request.pk, actor=staff)


def test_staff_need_a_passed_second_factor_not_only_a_device_to_claim_when_required(
    settings, capital, needy
):
    settings.STAFF_REQUIRE_MFA = True
    staff = caseworker([needy], [capital])
    aid_request = open_request(family(capital), needy, capital)
    with pytest.raises(SecondFactorRequired):
        aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    totp_device(staff)  # a device alone is not a passed second factor
    with pytest.raises(SecondFactorRequired):
        aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    aid_request_claim(aid_request_id=aid_request.pk, actor=staff, second_factor_passed=True)


def test_the_deadline_task_releases_exactly_the_overdue_claims(settings, capital, needy):
    settings.CLAIM_DEADLINE_DAYS = 14
    staff = caseworker([needy], [capital], role=Role.MANAGER)
    worker = CharityStaffFactory(
        role=Role.CASEWORKER, membership__organisation=staff.membership.organisation
    )
    # An API client's service account with the manager's role: software, not a person.
    robot = CharityStaffFactory(
        role=Role.MANAGER,
        membership__organisation=staff.membership.organisation,
        membership__is_service_account=True,
    )
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    StaffUserFactory(role=Role.MINISTRY_OFFICIAL, is_active=False)  # left the ministry
    other_manager = caseworker([needy], [capital], role=Role.MANAGER)
    start = timezone.now()
    with time_machine.travel(start - datetime.timedelta(days=15)):
        old = open_request(family(capital), needy, capital)
        aid_request_claim(aid_request_id=old.pk, actor=staff)
        old_approved = open_request(family(capital), needy, capital)
        aid_request_claim(aid_request_id=old_approved.pk, actor=staff)
        aid_request_approve(
            aid_request_id=old_approved.pk, actor=staff, amount=Decimal(100), payments=1
        )
    with time_machine.travel(start - datetime.timedelta(days=14, minutes=-1)):
        just_in_time = open_request(family(capital), needy, capital)  # due in one minute
        aid_request_claim(aid_request_id=just_in_time.pk, actor=staff)
    with time_machine.travel(start - datetime.timedelta(days=13)):
        recent = open_request(family(capital), needy, capital)
        aid_request_claim(aid_request_id=recent.pk, actor=staff)
    with time_machine.travel(start, tick=False):
        assert release_expired_claims() == [old.pk]
        assert release_expired_claims() == []  # nothing twice
    for item, status in (
        (old, S.OPEN),
        (old_approved, S.APPROVED),
        (just_in_time, S.CLAIMED),
        (recent, S.CLAIMED),
    ):
        item.refresh_from_db()
        assert item.status == status
    assert (old.claimed_by, old.claimed_at) == (None, None)
    assert set(old.commitments.values_list("status", flat=True)) == {"released"}
    entry = old.timeline.order_by("-at", "-id").first()
    assert (entry.from_status, entry.to_status, entry.actor) == (S.CLAIMED, S.OPEN, None)
    assert entry.note == "claim deadline of 14 days passed"
    assert entry.at == start
    told = Notification.objects.filter(kind="claim_deadline_released")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [staff.pk, official.pk, admin.pk]
    )
    assert set(told.values_list("aid_request", flat=True)) == {old.pk}
    assert worker.pk not in told.values_list("recipient", flat=True)
    assert robot.pk not in told.values_list("recipient", flat=True)
    assert other_manager.pk not in told.values_list("recipient", flat=True)
    # The manager gets a text message and an e-mail; the ministry sees it in the portal only.
    channels = {n.recipient_id: (n.sms_status, n.email_status) for n in told}
    assert channels[official.pk] == channels[admin.pk] == ("skipped", "skipped")
    assert channels[staff.pk] != ("skipped", "skipped")
    assert Notification.objects.get(kind="request_released").recipient == old.applicant


def test_the_beat_task_runs_the_deadline_release(settings, capital, needy):
    settings.CLAIM_DEADLINE_DAYS = 14
    staff = caseworker([needy], [capital], role=Role.MANAGER)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=15)):
        old = open_request(family(capital), needy, capital)
        aid_request_claim(aid_request_id=old.pk, actor=staff)
    from charities.tasks import release_expired_claims_task

    assert release_expired_claims_task.delay().get() == 1
    old.refresh_from_db()
    assert old.status == S.OPEN


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
@pytest.mark.parametrize("action", ["release", "reject"])
def test_release_and_reject_need_a_reason(claimed, action, reason):
    aid_request, manager = claimed
    service = {"release": aid_request_release, "reject": aid_request_reject}
    with pytest.raises(CaseReasonRequired) as refusal:
        service[action](aid_request_id=aid_request.pk, actor=manager, reason=reason)
    assert isinstance(refusal.value, CharityError)
    with translation.override("en"):
        assert "reason" in str(refusal.value.message)
    with translation.override("ar"):
        assert str(refusal.value.message) == "اذكر السبب: سيُحفظ في السجل الزمني للحالة."
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED
    assert set(aid_request.commitments.values_list("status", flat=True)) == {"reserved"}
    assert aid_request.timeline.filter(to_status__in=[S.OPEN, S.REJECTED]).count() == 0


def test_release_keeps_its_reason_on_the_timeline(claimed):
    aid_request, manager = claimed
    aid_request_release(aid_request_id=aid_request.pk, actor=manager, reason=" لا ميزانية ")
    entry = aid_request.timeline.order_by("-at", "-id").first()
    assert (entry.to_status, entry.actor, entry.note) == (S.OPEN, manager, "لا ميزانية")


# --- one payment per period, tied to the calendar --------------------------------------------

START = datetime.date(2025, 1, 10)


@pytest.fixture
def approved(capital, needy):
    """Needy-family aid covering 10 Jan – 9 Jul 2025, approved for 6 payments of 150."""
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    with on(datetime.date(2025, 1, 5)):
        aid_request = open_request(family(capital), needy, capital, start=START)
        aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
        aid_request_approve(
            aid_request_id=aid_request.pk, actor=manager, amount=Decimal("150"), payments=6
        )
    return aid_request, manager


def pay_on(aid_request, actor, paid_on):
    return payment_record(
        aid_request_id=aid_request.pk,
        actor=actor,
        amount=Decimal("150"),
        paid_on=paid_on,
        method=PaymentMethod.CHEQUE,
    )


def test_payment_n_pays_month_n_of_the_coverage_and_may_come_a_week_early(approved):
    aid_request, manager = approved
    with on(datetime.date(2025, 1, 3)):  # today is a week before the coverage starts
        assert pay_on(aid_request, manager, datetime.date(2025, 1, 3)).period == 1
    with on(datetime.date(2025, 2, 2)):
        # period 2 covers from 10 Feb: 2 Feb is one day too early, and the 3rd is tomorrow
        with pytest.raises(PaymentTooEarly) as refusal:
            pay_on(aid_request, manager, datetime.date(2025, 2, 2))
        assert refusal.value.period == 2
        assert refusal.value.earliest == datetime.date(2025, 2, 3)
        with pytest.raises(PaymentInFuture):
            pay_on(aid_request, manager, datetime.date(2025, 2, 3))
    with on(datetime.date(2025, 2, 3)):
        assert pay_on(aid_request, manager, datetime.date(2025, 2, 3)).period == 2
        with pytest.raises(PaymentTooEarly):  # period 3 covers from 10 Mar
            pay_on(aid_request, manager, datetime.date(2025, 2, 3))
    with on(datetime.date(2025, 6, 30)):  # late payments of past months are fine
        for period in (3, 4, 5):
            assert pay_on(aid_request, manager, datetime.date(2025, 6, 1)).period == period
        with pytest.raises(PaymentTooEarly):  # period 6 covers from 10 Jun: paid 1 Jun is early
            pay_on(aid_request, manager, datetime.date(2025, 6, 1))
        assert pay_on(aid_request, manager, datetime.date(2025, 6, 3)).period == 6
    assert list(aid_request.payments.values_list("period", "paid_on")) == [
        (1, datetime.date(2025, 1, 3)),
        (2, datetime.date(2025, 2, 3)),
        (3, datetime.date(2025, 6, 1)),
        (4, datetime.date(2025, 6, 1)),
        (5, datetime.date(2025, 6, 1)),
        (6, datetime.date(2025, 6, 3)),
    ]


def test_the_next_period_from_the_payments_a_page_read_needs_no_query(
    approved, django_assert_num_queries
):
    """Issue 19: the case page lists the payments anyway, and passes how many it read."""
    aid_request, manager = approved
    with on(datetime.date(2025, 1, 3)):
        pay_on(aid_request, manager, datetime.date(2025, 1, 3))
    aid_request.refresh_from_db()
    assert next_period(aid_request) == 2  # counted in the database
    with django_assert_num_queries(0):
        assert next_period(aid_request, made=1) == 2
        assert next_period(aid_request, made=6) is None  # every approved payment recorded


def test_six_monthly_payments_cannot_all_be_recorded_on_one_day(approved):
    aid_request, manager = approved
    with on(datetime.date(2025, 1, 12)):
        pay_on(aid_request, manager, datetime.date(2025, 1, 12))
        for _ in range(5):
            with pytest.raises(PaymentTooEarly):
                pay_on(aid_request, manager, datetime.date(2025, 1, 12))
    assert aid_request.payments.count() == 1


def test_a_payment_before_the_first_month_minus_a_week_is_refused(approved):
    aid_request, manager = approved
    with (
        on(datetime.date(2025, 1, 5)),
        translation.override("en"),
        pytest.raises(PaymentTooEarly) as refusal,
    ):
        pay_on(aid_request, manager, datetime.date(2025, 1, 2))
    assert str(refusal.value.message) == (
        "Payment 1 pays the month of coverage from 10/01/2025; it can be dated 03/01/2025 "
        "at the earliest."
    )
    assert not Payment.objects.exists()
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPROVED


def test_one_off_aid_is_paid_from_its_start_minus_a_week(capital):
    one_off = AidType.objects.create(
        code="medical",
        name_ar="علاج مرضى",
        name_en="Medical treatment",
        scope=AidScope.PERSON,
        coverage_months=0,
        max_amount=Decimal("2000"),
    )
    manager = caseworker([one_off], [capital], role=Role.MANAGER)
    with on(datetime.date(2025, 3, 1)):
        aid_request = open_request(
            family(capital), one_off, capital, start=datetime.date(2025, 3, 20)
        )
        aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
        aid_request_approve(
            aid_request_id=aid_request.pk, actor=manager, amount=Decimal("900"), payments=1
        )
    with on(datetime.date(2025, 3, 13)):
        with pytest.raises(PaymentTooEarly):
            payment_record(
                aid_request_id=aid_request.pk,
                actor=manager,
                amount=Decimal("900"),
                paid_on=datetime.date(2025, 3, 12),
                method=PaymentMethod.IN_KIND,
            )
        payment = payment_record(
            aid_request_id=aid_request.pk,
            actor=manager,
            amount=Decimal("900"),
            paid_on=datetime.date(2025, 3, 13),
            method=PaymentMethod.IN_KIND,
        )
    assert payment.period == 1


def test_a_paying_case_is_rejected_keeping_its_payments_and_freeing_its_slots(
    approved, capital, needy
):
    """DESIGN: "rejected at any step". The charity stops the aid mid-way: what was paid stays
    recorded; every binding commitment of the case is released, so that the coverage not yet
    paid may come from another organisation."""
    aid_request, manager = approved
    with on(datetime.date(2025, 1, 12)):
        pay_on(aid_request, manager, datetime.date(2025, 1, 12))
    with on(datetime.date(2025, 2, 12)):
        pay_on(aid_request, manager, datetime.date(2025, 2, 12))
    with on(datetime.date(2025, 3, 1)):
        aid_request_reject(
            aid_request_id=aid_request.pk, actor=manager, reason="تبيّن وجود دخل غير مصرّح به"
        )
    aid_request.refresh_from_db()
    assert aid_request.status == S.REJECTED
    assert list(aid_request.payments.values_list("period", "amount")) == [
        (1, Decimal("150.000")),
        (2, Decimal("150.000")),
    ]
    assert set(aid_request.commitments.values_list("status", flat=True)) == {"released"}
    entry = aid_request.timeline.order_by("-at", "-id").first()
    assert (entry.from_status, entry.to_status) == (S.PAYING, S.REJECTED)
    with pytest.raises(NotAllowed):  # nothing more is paid on a rejected case
        pay_on(aid_request, manager, datetime.date(2025, 3, 1))
    # the rest of the coverage is free: a new request of the family is claimed elsewhere
    other = caseworker([needy], [capital])
    again = open_request(aid_request.applicant, needy, capital, start=datetime.date(2025, 3, 10))
    aid_request_claim(aid_request_id=again.pk, actor=other)
    again.refresh_from_db()
    assert again.status == S.CLAIMED


def test_the_paying_case_page_offers_reject_but_not_release(client, approved):
    aid_request, manager = approved
    with on(datetime.date(2025, 1, 12)):
        pay_on(aid_request, manager, datetime.date(2025, 1, 12))
        client.force_login(manager)
        page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert f"/charity/cases/{aid_request.pk}/reject/" in page
    assert f"/charity/cases/{aid_request.pk}/release/" not in page
    assert 'data-testid="next-period"' in page


def test_the_applicant_is_told_the_total_approved_and_what_remains(approved):
    aid_request, manager = approved
    aid_request.refresh_from_db()
    approval = Notification.objects.get(recipient=aid_request.applicant, kind="request_approved")
    body = approval.message("en").body
    payments = aid_request.approved_payments
    assert f"{payments} monthly payments of {aid_request.approved_amount:.3f} KWD" in body
    assert f"{aid_request.approved_amount * payments:.3f} KWD in all" in body
    assert format_date(aid_request.coverage_start, "en") in body
    with on(aid_request.coverage_start):
        pay_on(aid_request, manager, aid_request.coverage_start)
    paid = Notification.objects.get(recipient=aid_request.applicant, kind="payment_recorded")
    remaining = aid_request.approved_amount * payments - Decimal("150")
    assert f"Payment 1 of {payments}," in paid.message("en").body
    assert f"{remaining:.3f} KWD of the aid approved remain" in paid.message("en").body


def test_the_request_page_shows_the_approved_aid_and_what_is_paid(approved, client):
    from django.urls import reverse

    aid_request, manager = approved
    aid_request.refresh_from_db()
    with on(aid_request.coverage_start):
        pay_on(aid_request, manager, aid_request.coverage_start)
    client.force_login(aid_request.applicant)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("aid_requests:detail", args=[aid_request.pk])).content.decode()
    count = aid_request.approved_payments
    total = aid_request.approved_amount * count
    assert 'data-testid="approved-aid"' in html
    assert f"{count} monthly payments of" in html
    assert f"{total:,.3f}" in html or f"{total:.3f}" in html
    assert f"paid on {format_date(aid_request.coverage_start, 'en')}" in html
    if count > 1:
        assert f"Next: payment 2 of {count}." in html
    # The whole schedule: each instalment with the month it pays and where it stands.
    from config.dates import add_months, format_month

    rows = html.split('data-testid="schedule"', 1)[1].split("</table>", 1)[0]
    assert rows.count('<tr data-testid="instalment-') == count
    assert 'data-testid="instalment-1" data-state="paid"' in rows
    if count > 1:
        assert 'data-testid="instalment-2" data-state="next"' in rows
        assert format_month(add_months(aid_request.coverage_start, 1), "en") in rows
    if count > 2:
        assert f'data-testid="instalment-{count}" data-state="planned"' in rows
