"""The ministry's figures of paid volunteering (reports.selectors.volunteering)."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from reports.selectors.volunteering import volunteering_figures
from tests.factories import StaffUserFactory
from tests.factories.cases import on
from tests.volunteering.conftest import opportunity, volunteer
from volunteering.services import applications, hours
from volunteering.services.preference import preference_set


@pytest.fixture
def paid(org, capital, caseworker):
    """One volunteer accepted, 2 weeks of 12 h confirmed, month 1 paid (2 × 12 × 1.250 = 30)."""
    job, person = opportunity(org, capital), volunteer(capital)
    with on(datetime.date(2026, 1, 2)):
        application = applications.application_submit(opportunity_id=job.pk, applicant=person)
        applications.application_accept(application_id=application.pk, actor=caseworker)
    with on(datetime.date(2026, 2, 5)):
        for week in (1, 2):
            log = hours.hours_log(
                application_id=application.pk, actor=caseworker, week=week, hours=Decimal(12)
            )
            hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
        hours.stipend_pay(
            application_id=application.pk,
            actor=caseworker,
            paid_on=datetime.date(2026, 2, 5),
            method="bank_transfer",
        )
    preference_set(actor=volunteer(capital), prefers=True)
    return person


def test_volunteers_hours_and_stipends_by_organisation_governorate_and_month(paid, org):
    figures = volunteering_figures()
    assert (figures.totals.volunteers, figures.totals.hours, figures.totals.stipends) == (
        1,
        Decimal(24),
        Decimal("30.000"),
    )
    assert figures.chose_volunteering == 1
    (row,) = figures.by_organisation
    assert (row.label, row.volunteers, row.hours, row.stipends) == (
        str(org),
        1,
        Decimal(24),
        Decimal("30.000"),
    )
    assert [(r.volunteers, r.hours, r.stipends) for r in figures.by_governorate] == [
        (1, Decimal(24), Decimal("30.000"))
    ]
    # hours in January (weeks of 4 and 11 January), the stipend paid in February
    assert [(r.label, r.volunteers, r.hours, r.stipends) for r in figures.by_month] == [
        ("2026-01", 1, Decimal(24), Decimal(0)),
        ("2026-02", 0, Decimal(0), Decimal("30.000")),
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.MINISTRY_OFFICIAL, 200), (Role.MINISTRY_ADMIN, 200), (Role.MANAGER, 403)],
)
def test_the_page_is_for_the_ministry(client, paid, role, expected):
    client.force_login(StaffUserFactory(role=role))
    response = client.get("/ministry/statistics/volunteering/")
    assert response.status_code == expected
    if expected == 200:
        assert 'data-testid="stipends"' in response.content.decode()
    assert client.post("/ministry/statistics/volunteering/").status_code == 405


def test_the_page_needs_a_sign_in(client, db):
    response = client.get("/ministry/statistics/volunteering/")
    assert response["Location"].startswith("/accounts/login/")


def test_an_applicant_may_not_see_it(client, paid):
    client.force_login(paid)
    assert client.get("/ministry/statistics/volunteering/").status_code == 403
