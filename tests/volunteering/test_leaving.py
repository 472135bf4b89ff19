"""Leaving ends the work, not the pay: the months with logged weeks stay payable after the
volunteer leaves; the last payment closes the stipend aid, whose commitment ends with that
month (worked out by hand below)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from aid_requests.models import RequestStatus
from dedup.models import AidCommitment
from notifications.models import Notification, NotificationKind
from tests.factories.cases import on
from tests.volunteering.conftest import licensed_org, opportunity, staff, volunteer
from tests.volunteering.test_services import accepted
from volunteering import stipends
from volunteering.exceptions import (
    MonthNotReady,
    NotAccepted,
    StipendAlreadyGranted,
    WeekOutsidePlacement,
)
from volunteering.models import ApplicationStatus, StipendBasis
from volunteering.services import applications, hours

LEFT = datetime.date(2026, 1, 24)  # a Saturday of week 3 (18–24 January)


def _log(application, actor, week, amount):
    return hours.hours_log(
        application_id=application.pk, actor=actor, week=week, hours=Decimal(amount)
    )


def _pay(application, actor, day):
    return hours.stipend_pay(
        application_id=application.pk, actor=actor, paid_on=day, method="bank_transfer"
    )


def test_leaving_after_three_logged_weeks_still_pays_them_then_closes(org, capital, caseworker):
    job, person = opportunity(org, capital), volunteer(capital)  # 4 Jan – 3 Apr, 1.250 KWD/h
    application = accepted(job, person, caseworker)
    with on(LEFT):
        logs = [_log(application, caseworker, w, h) for w, h in ((1, 12), (2, 12), (3, 8))]
        hours.hours_confirm(hour_log_id=logs[0].pk, volunteer=person)  # the others wait
        applications.application_withdraw(application_id=application.pk, applicant=person)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.left_on == LEFT
    aid = application.aid_request
    aid.refresh_from_db()
    assert aid.status == RequestStatus.APPROVED  # open until month 1 is paid
    assert aid.approved_payments == 1
    # the commitment ends with month 1 (4 Jan – 3 Feb), not with the last month paid (none)
    assert AidCommitment.objects.get(aid_request=aid).period_end == datetime.date(2026, 2, 3)
    assert hours.months_still_due(application) == [1]
    with on(datetime.date(2026, 1, 26)):
        with pytest.raises(WeekOutsidePlacement):  # week 4 began after the volunteer left
            _log(application, caseworker, 4, 12)
        with pytest.raises(MonthNotReady):  # weeks 2 and 3 wait for the volunteer
            _pay(application, caseworker, datetime.date(2026, 1, 26))
        # the weeks are still confirmable (and a disputed one correctable)
        hours.hours_dispute(hour_log_id=logs[2].pk, volunteer=person, reason="9 hours")
        _log(application, caseworker, 3, 9)
        hours.hours_confirm(hour_log_id=logs[1].pk, volunteer=person)
        hours.hours_confirm(hour_log_id=logs[2].pk, volunteer=person)
        # month 1 is paid although not over: the work ended when the volunteer left.
        # (12 + 12 + 9) h × 1.250 = 41.250 KWD (cap: 3 weeks begun × 12 h × 1.250 = 45.000)
        payment = _pay(application, caseworker, datetime.date(2026, 1, 26))
    assert (payment.period, payment.amount) == (1, Decimal("41.250"))
    aid.refresh_from_db()
    assert aid.status == RequestStatus.CLOSED  # the last payment due closed it
    assert hours.months_still_due(application) == []
    with on(datetime.date(2026, 1, 27)), pytest.raises(NotAccepted):
        _pay(application, caseworker, datetime.date(2026, 1, 27))
    # the rule: another organisation may now take the same person from 4 February on
    other_org = licensed_org(capital)
    other = staff(other_org)
    later = opportunity(
        other_org,
        capital,
        starts_on=datetime.date(2026, 2, 4),
        ends_on=datetime.date(2026, 4, 3),
        closes_on=datetime.date(2026, 2, 1),
    )
    # …but not for the month paid: 29 January – 3 February is still held by the first
    overlapping = opportunity(
        other_org,
        capital,
        starts_on=datetime.date(2026, 1, 29),
        ends_on=datetime.date(2026, 3, 31),
        closes_on=datetime.date(2026, 1, 28),
    )
    with on(datetime.date(2026, 1, 28)):
        refused = applications.application_submit(opportunity_id=overlapping.pk, applicant=person)
        with pytest.raises(StipendAlreadyGranted):
            applications.application_accept(application_id=refused.pk, actor=other)
    with on(datetime.date(2026, 1, 28)):
        second = applications.application_submit(opportunity_id=later.pk, applicant=person)
        second = applications.application_accept(application_id=second.pk, actor=other)
    assert second.status == ApplicationStatus.ACCEPTED


def test_leaving_with_nothing_logged_withdraws_at_once(org, capital, caseworker):
    job, person = opportunity(org, capital), volunteer(capital)
    application = accepted(job, person, caseworker)
    with on(LEFT):
        applications.application_withdraw(application_id=application.pk, applicant=person)
    aid = application.aid_request
    aid.refresh_from_db()
    assert aid.status == RequestStatus.WITHDRAWN
    assert not Notification.objects.filter(kind=NotificationKind.VOLUNTEER_LEFT).exists()
    application.refresh_from_db()
    assert hours.months_still_due(application) == []
    with on(LEFT), pytest.raises(NotAccepted):
        _log(application, caseworker, 1, 12)


def test_leaving_after_a_paid_month_with_the_next_one_logged_keeps_paying(org, capital, caseworker):
    job, person = opportunity(org, capital), volunteer(capital)
    application = accepted(job, person, caseworker)
    with on(datetime.date(2026, 2, 5)):
        log = _log(application, caseworker, 1, 10)
        hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
        _pay(application, caseworker, datetime.date(2026, 2, 5))
    with on(datetime.date(2026, 2, 10)):
        log = _log(application, caseworker, 5, 6)  # 1 Feb: month 1 — already paid
        log = _log(application, caseworker, 6, 6)  # 8 Feb: month 2
        applications.application_withdraw(application_id=application.pk, applicant=person)
    aid = application.aid_request
    aid.refresh_from_db()
    assert aid.status == RequestStatus.PAYING
    assert AidCommitment.objects.get(aid_request=aid).period_end == datetime.date(2026, 3, 3)
    with on(datetime.date(2026, 2, 11)):
        hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
        payment = _pay(application, caseworker, datetime.date(2026, 2, 11))
    assert (payment.period, payment.amount) == (2, Decimal("7.500"))  # 6 h × 1.250
    aid.refresh_from_db()
    assert aid.status == RequestStatus.CLOSED


def test_a_per_month_stipend_is_paid_pro_rata_up_to_the_leaving_date(org, capital, caseworker):
    job = opportunity(org, capital, stipend_basis=StipendBasis.MONTHLY, rate=Decimal("150.000"))
    person = volunteer(capital)
    application = accepted(job, person, caseworker)
    # month 1 runs 4 Jan – 3 Feb: 31 days; the volunteer left on 24 Jan: 21 days worked.
    # 150.000 × 21 / 31 = 101.6129… → 101.613 KWD
    assert stipends.month_cap(job, 1, LEFT) == Decimal("101.613")
    with on(LEFT):
        for week in (1, 2, 3):
            log = _log(application, caseworker, week, 12)
            hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
        applications.application_withdraw(application_id=application.pk, applicant=person)
        payment = _pay(application, caseworker, LEFT)
    assert payment.amount == Decimal("101.613")
    application.aid_request.refresh_from_db()
    assert application.aid_request.status == RequestStatus.CLOSED


def test_the_organisation_is_told_when_a_volunteer_leaves_with_months_due(
    org, capital, caseworker, client
):
    job, person = opportunity(org, capital), volunteer(capital)
    application = accepted(job, person, caseworker)
    with on(LEFT):
        _log(application, caseworker, 1, 12)
        applications.application_withdraw(application_id=application.pk, applicant=person)
    told = Notification.objects.filter(kind=NotificationKind.VOLUNTEER_LEFT)
    assert caseworker in {n.recipient for n in told}
    assert person not in {n.recipient for n in told}
    # both pages say it
    with on(datetime.date(2026, 1, 26)):
        client.force_login(person)
        client.cookies["django_language"] = "en"
        page = client.get(reverse("volunteering:my_application", args=[application.pk]))
        assert "You left on" in page.content.decode()
        assert "Months still to pay: 1" in page.content.decode()
        client.cookies["django_language"] = "ar"
        page = client.get(reverse("volunteering:my_application", args=[application.pk]))
        assert "ستُصرف مع ذلك ساعات الأسابيع" in page.content.decode()


def test_the_placement_page_shows_what_is_still_due_and_pays_it(org, capital, caseworker, client):
    job, person = opportunity(org, capital), volunteer(capital)
    application = accepted(job, person, caseworker)
    with on(LEFT):
        log = _log(application, caseworker, 1, 12)
        hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
        applications.application_withdraw(application_id=application.pk, applicant=person)
    client.force_login(caseworker)
    client.cookies["django_language"] = "en"
    page_url = reverse("volunteering:placement", args=[application.pk])
    with on(datetime.date(2026, 1, 26)):
        page = client.get(page_url).content.decode()
        assert "The volunteer left on" in page
        assert "Months still to pay: 1" in page
        assert "15.000" in page  # 12 h × 1.250 KWD, the form to pay it below
        assert reverse("volunteering:pay", args=[application.pk]) in page
        # no week after the leaving date may be logged
        assert 'value="4"' not in page
        response = client.post(
            reverse("volunteering:pay", args=[application.pk]),
            {"paid_on": "2026-01-26", "method": "bank_transfer", "reference": ""},
        )
    assert response.status_code == 302
    application.aid_request.refresh_from_db()
    assert application.aid_request.status == RequestStatus.CLOSED
