"""Applying, accepting (the seat and the stipend aid under the rule), hours and stipends."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from aid_requests.models import Payment, RequestStatus
from audit.models import AuditEntry
from charities.exceptions import PaymentAlreadyRecorded
from dedup.models import AidCommitment, CommitmentStatus
from tests.factories import ApplicantUserFactory, CharityStaffFactory, OrganisationFactory
from tests.factories.cases import on
from tests.volunteering.conftest import licensed_org, opportunity, staff, volunteer
from volunteering.exceptions import (
    AlreadyApplied,
    MonthNotReady,
    NoSeatsLeft,
    NotAllowed,
    NotVerified,
    StipendAlreadyGranted,
)
from volunteering.models import ApplicationStatus, HoursStatus
from volunteering.services import applications, hours
from volunteering.services.opportunities import opportunity_publish

JAN_1 = datetime.date(2026, 1, 1)


def apply(job, person, note="أحب القراءة"):
    with on(JAN_1):
        return applications.application_submit(opportunity_id=job.pk, applicant=person, note=note)


def accepted(job, person, actor):
    application = apply(job, person)
    with on(JAN_1):
        return applications.application_accept(application_id=application.pk, actor=actor)


def test_a_manager_of_a_licensed_organisation_publishes(org, manager, capital):
    job = opportunity_publish(
        actor=manager,
        governorate=capital,
        title_ar="ت",
        title_en="t",
        description_ar="و",
        description_en="d",
        kind="health",
        place="p",
        starts_on=datetime.date(2026, 2, 1),
        ends_on=datetime.date(2026, 3, 31),
        hours_per_week=10,
        seats=2,
        stipend_basis="hourly",
        rate=Decimal("1.500"),
        closes_on=datetime.date(2026, 1, 20),
    )
    assert job.organisation == org
    assert AuditEntry.objects.filter(action="volunteering.opportunity_published").exists()


def test_an_organisation_not_licensed_for_the_programme_cannot_publish(capital):
    outsider = CharityStaffFactory(
        role=Role.MANAGER, membership__organisation=OrganisationFactory()
    )
    from volunteering.exceptions import NotLicensedForVolunteering

    with pytest.raises(NotLicensedForVolunteering):
        opportunity_publish(actor=outsider, governorate=capital, starts_on=JAN_1)


def test_an_unverified_applicant_cannot_apply(org, capital):
    job = opportunity(org, capital)
    with pytest.raises(NotVerified):
        apply(job, ApplicantUserFactory())


def test_one_application_per_applicant_and_opportunity(org, capital):
    job, person = opportunity(org, capital), volunteer(capital)
    apply(job, person)
    with pytest.raises(AlreadyApplied):
        apply(job, person)


def test_acceptance_makes_the_stipend_aid_approved_and_reserved(org, capital, caseworker):
    job, person = opportunity(org, capital), volunteer(capital)
    application = accepted(job, person, caseworker)
    assert application.status == ApplicationStatus.ACCEPTED
    aid = application.aid_request
    aid.refresh_from_db()
    assert aid.status == RequestStatus.APPROVED
    assert aid.claimed_by == org
    assert aid.aid_type.code == "paid-volunteering"
    assert (aid.approved_amount, aid.approved_payments) == (Decimal("75.000"), 3)
    assert list(aid.timeline.values_list("to_status", flat=True).order_by("id")) == [
        "claimed",
        "approved",
    ]
    commitment = AidCommitment.objects.get(aid_request=aid)
    assert commitment.status == CommitmentStatus.ACTIVE
    assert (commitment.civil_id, commitment.period_start, commitment.period_end) == (
        person.civil_id,
        job.starts_on,
        job.ends_on,
    )
    job.refresh_from_db()
    assert job.accepted_count == 1


def test_never_more_accepted_than_seats(org, capital, caseworker):
    job = opportunity(org, capital, seats=1)
    accepted(job, volunteer(capital), caseworker)
    second = apply(job, volunteer(capital))
    with pytest.raises(NoSeatsLeft), on(JAN_1):
        applications.application_accept(application_id=second.pk, actor=caseworker)
    second.refresh_from_db()
    assert second.status == ApplicationStatus.APPLIED


def test_another_organisations_staff_cannot_decide(org, capital):
    job, person = opportunity(org, capital), volunteer(capital)
    application = apply(job, person)
    other = staff(licensed_org(capital))
    with pytest.raises(NotAllowed):
        applications.application_accept(application_id=application.pk, actor=other)


def test_two_organisations_cannot_pay_the_same_person_for_the_same_period(org, capital, caseworker):
    person = volunteer(capital)
    accepted(opportunity(org, capital), person, caseworker)  # 4 Jan – 3 Apr
    other_org = licensed_org(capital)
    other = staff(other_org)
    overlapping = opportunity(
        other_org, capital, starts_on=datetime.date(2026, 3, 1), ends_on=datetime.date(2026, 5, 31)
    )
    application = apply(overlapping, person)
    with pytest.raises(StipendAlreadyGranted) as refused, on(JAN_1):
        applications.application_accept(application_id=application.pk, actor=other)
    assert "2026" in str(refused.value.message)
    overlapping.refresh_from_db()
    assert overlapping.accepted_count == 0  # nothing of the refused acceptance was written
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED
    assert AidCommitment.objects.filter(civil_id=person.civil_id).count() == 1


def test_decline_needs_a_reason_and_withdrawal_frees_the_seat(org, capital, caseworker):
    job = opportunity(org, capital, seats=1)
    person = volunteer(capital)
    application = accepted(job, person, caseworker)
    applications.application_withdraw(application_id=application.pk, applicant=person)
    job.refresh_from_db()
    assert job.accepted_count == 0
    aid = application.aid_request
    aid.refresh_from_db()
    assert aid.status == RequestStatus.WITHDRAWN
    assert not AidCommitment.objects.filter(
        aid_request=aid, status=CommitmentStatus.ACTIVE
    ).exists()
    # the seat is free again
    accepted(job, volunteer(capital), caseworker)


def test_hours_logged_disputed_corrected_confirmed_and_paid(org, capital, caseworker):
    job, person = opportunity(org, capital), volunteer(capital)
    application = accepted(job, person, caseworker)
    with on(datetime.date(2026, 2, 5)):
        logs = [
            hours.hours_log(
                application_id=application.pk, actor=caseworker, week=w, hours=Decimal(12)
            )
            for w in (1, 2, 3)
        ]
        disputed = hours.hours_dispute(
            hour_log_id=logs[2].pk, volunteer=person, reason="I worked 12 hours, not 10"
        )
        assert disputed.status == HoursStatus.DISPUTED
        hours.hours_log(application_id=application.pk, actor=caseworker, week=3, hours=Decimal(12))
        for log in logs:
            hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
        payment = hours.stipend_pay(
            application_id=application.pk,
            actor=caseworker,
            paid_on=datetime.date(2026, 2, 5),
            method="bank_transfer",
        )
    # 3 confirmed weeks × 12 h × 1.250 KWD = 45.000 KWD, period 1
    assert (payment.period, payment.amount) == (1, Decimal("45.000"))
    aid = application.aid_request
    aid.refresh_from_db()
    assert aid.status == RequestStatus.PAYING
    with on(datetime.date(2026, 2, 6)), pytest.raises((PaymentAlreadyRecorded, MonthNotReady)):
        hours.stipend_pay(
            application_id=application.pk,
            actor=caseworker,
            paid_on=datetime.date(2026, 2, 6),
            method="bank_transfer",
        )
    assert Payment.objects.count() == 1


def test_a_month_with_hours_awaiting_the_volunteer_is_not_paid(org, capital, caseworker):
    job, person = opportunity(org, capital), volunteer(capital)
    application = accepted(job, person, caseworker)
    with on(datetime.date(2026, 2, 5)):
        hours.hours_log(application_id=application.pk, actor=caseworker, week=1, hours=Decimal(12))
        with pytest.raises(MonthNotReady):
            hours.stipend_pay(
                application_id=application.pk,
                actor=caseworker,
                paid_on=datetime.date(2026, 2, 5),
                method="bank_transfer",
            )
    with on(datetime.date(2026, 1, 20)), pytest.raises(MonthNotReady):
        hours.stipend_pay(
            application_id=application.pk,
            actor=caseworker,
            paid_on=datetime.date(2026, 1, 20),
            method="bank_transfer",
        )


def test_leaving_after_a_paid_month_closes_the_aid_at_that_month(org, capital, caseworker):
    job, person = opportunity(org, capital), volunteer(capital)
    application = accepted(job, person, caseworker)
    with on(datetime.date(2026, 2, 5)):
        log = hours.hours_log(
            application_id=application.pk, actor=caseworker, week=1, hours=Decimal(10)
        )
        hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
        hours.stipend_pay(
            application_id=application.pk,
            actor=caseworker,
            paid_on=datetime.date(2026, 2, 5),
            method="bank_transfer",
        )
        applications.application_withdraw(application_id=application.pk, applicant=person)
    aid = application.aid_request
    aid.refresh_from_db()
    assert aid.status == RequestStatus.CLOSED
    commitment = AidCommitment.objects.get(aid_request=aid)
    assert commitment.period_end == datetime.date(2026, 2, 3)


def test_the_database_refuses_a_second_stipend_for_a_period_already_paid(
    org, capital, caseworker, monkeypatch
):
    """The first placement's aid is closed (not live) after one month paid: its commitment
    still holds 4 Jan – 3 Feb. Without the application's check in front, the database's rule
    (exclusion constraint / trigger) refuses the second organisation."""
    from aid_requests.models import AidRequest
    from charities.services.payments import aid_request_close
    from dedup import services as dedup

    person = volunteer(capital)
    application = accepted(opportunity(org, capital), person, caseworker)
    with on(datetime.date(2026, 2, 5)):
        log = hours.hours_log(
            application_id=application.pk, actor=caseworker, week=1, hours=Decimal(12)
        )
        hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
        hours.stipend_pay(
            application_id=application.pk,
            actor=caseworker,
            paid_on=datetime.date(2026, 2, 5),
            method="bank_transfer",
        )
        aid_request_close(aid_request_id=application.aid_request_id, actor=caseworker)
    other_org = licensed_org(capital)
    job = opportunity(
        other_org, capital, starts_on=datetime.date(2026, 1, 20), ends_on=datetime.date(2026, 3, 31)
    )
    second = apply(job, person)
    monkeypatch.setattr(dedup, "find_conflict", lambda **kw: None)  # the database alone
    with pytest.raises(StipendAlreadyGranted), on(JAN_1):
        applications.application_accept(application_id=second.pk, actor=staff(other_org))
    assert AidRequest.objects.filter(applicant=person).count() == 1


def test_each_step_notifies(org, capital, caseworker, manager):
    from notifications.models import Notification
    from volunteering.services.opportunities import opportunity_complete

    job, person = opportunity(org, capital), volunteer(capital)
    other = volunteer(capital)
    application = accepted(job, person, caseworker)
    declined = apply(job, other)
    with on(JAN_1):
        applications.application_decline(
            application_id=declined.pk, actor=caseworker, reason="المقاعد محجوزة"
        )
    with on(datetime.date(2026, 1, 12)):
        log = hours.hours_log(
            application_id=application.pk, actor=caseworker, week=1, hours=Decimal(12)
        )
        hours.hours_dispute(hour_log_id=log.pk, volunteer=person, reason="عملت أكثر")
        opportunity_complete(opportunity_id=job.pk, actor=manager)
    mine = list(
        Notification.objects.filter(recipient=person).order_by("pk").values_list("kind", flat=True)
    )
    assert mine == [
        "volunteer_accepted",
        "volunteer_hours_logged",
        "volunteer_certificate",
    ]
    assert Notification.objects.filter(recipient=other, kind="volunteer_declined").exists()
    # The stipend's request is named by its one reference, never "#<id>".
    accepted_notice = Notification.objects.get(recipient=person, kind="volunteer_accepted")
    body = accepted_notice.message("en").body
    assert f"request {application.aid_request.reference}." in body
    assert "#" not in body
    for member in (caseworker, manager):
        kinds = set(Notification.objects.filter(recipient=member).values_list("kind", flat=True))
        assert kinds == {"volunteer_applied", "volunteer_hours_disputed"}


def test_volunteers_hear_once_that_the_certificate_is_ready_after_the_end_date(
    org, capital, caseworker
):
    from notifications.models import Notification
    from volunteering.services.opportunities import certificates_announce

    job, person = opportunity(org, capital), volunteer(capital)
    accepted(job, person, caseworker)
    assert certificates_announce(today=job.ends_on) == []  # not over yet
    assert certificates_announce(today=job.ends_on + datetime.timedelta(days=1)) == [job.pk]
    assert certificates_announce(today=job.ends_on + datetime.timedelta(days=2)) == []
    assert Notification.objects.filter(recipient=person, kind="volunteer_certificate").count() == 1
