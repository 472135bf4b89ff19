"""The beneficiary picture (one person's household, charities and the state on one timeline)
and the figures by source, on the small registry of ``picture_world`` worked out by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from audit.models import AuditEntry
from reports.selectors.picture import CHARITY, STATE, beneficiary_picture, month_runs
from reports.selectors.sources import beneficiaries_by_source, totals_by_agency
from reports.services.picture import PICTURE_VIEWED
from tests.factories import (
    ApplicantUserFactory,
    CharityStaffFactory,
    StaffUserFactory,
    civil_id_for,
)
from tests.factories.cases import on
from tests.factories.second_factor import sign_in_with_second_factor
from tests.reports.picture_world import TODAY, PictureWorld, build_picture_world

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/ministry/beneficiaries/"
SOURCES = "/ministry/statistics/sources/"


@pytest.fixture
def world() -> PictureWorld:
    return build_picture_world()


@pytest.fixture
def english():
    with translation.override("en"):
        yield


# --- the picture ------------------------------------------------------------------------------


def test_a_household_member_sees_the_whole_household_on_one_timeline(world, english):
    picture = beneficiary_picture(world.m2)  # the son: charity only himself
    assert picture.on_record
    assert picture.in_registry
    assert picture.subject.name == "سالم الكويتي"
    assert str(picture.subject.relation) == "Son"
    [household] = picture.households
    assert household.applicant_name == "Ahmad Al-Kuwaiti"
    assert [p.civil_id for p in household.people] == [world.a, world.m1, world.m2]
    assert [p.is_subject for p in household.people] == [False, False, True]
    # Newest first: the family's case (2026-01-01), then M1's allowance (2025-10-01). B's
    # case, S's benefits and X's released claim are other people's.
    assert [(e.source, e.start) for e in picture.entries] == [
        (CHARITY, D(2026, 1, 1)),
        (STATE, D(2025, 10, 1)),
    ]
    case, allowance = picture.entries
    assert case.reference == world.family_case.reference
    assert case.reference == f"MSA-{world.family_case.pk:07d}"
    assert case.end == D(2026, 6, 30)
    assert (case.approved_amount, case.approved_payments) == (Decimal("150.000"), 6)
    assert [(p.paid_on, p.amount) for p in case.payments] == [
        (D(2026, 1, 10), Decimal("150.000")),
        (D(2026, 2, 10), Decimal("150.000")),
    ]
    assert case.paid_total == Decimal("300.000")
    assert str(case.status_label) == "Paying"
    assert [p.civil_id for p in case.people] == [world.a, world.m1, world.m2]
    assert allowance.people[0].civil_id == world.m1
    assert (allowance.monthly_amount, allowance.end) == (Decimal("120.000"), D(2026, 2, 28))
    assert allowance.agency == "Public Institution for Social Security"
    assert allowance.benefit == "Disability allowance"
    assert (allowance.agency_reference, allowance.batch) == ("SS-M1", "agencies-2026-03.csv")


def test_months_received_from_both_sources_are_named_per_person(world):
    picture = beneficiary_picture(world.a)
    [overlap] = picture.overlaps
    assert overlap.person.civil_id == world.m1
    assert overlap.months == [D(2026, 1, 1), D(2026, 2, 1)]
    case, allowance = picture.entries
    assert case.both_months == allowance.both_months == [D(2026, 1, 1), D(2026, 2, 1)]


def test_months_are_shown_as_runs_of_consecutive_months():
    months = [D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 3, 1)]
    assert month_runs(months) == [(D(2025, 11, 1), D(2026, 1, 1)), (D(2026, 3, 1), D(2026, 3, 1))]
    assert month_runs([]) == []


def test_a_person_known_only_to_the_agencies_has_state_entries_and_no_household(world):
    picture = beneficiary_picture(world.s)
    assert picture.on_record
    assert not picture.in_registry
    assert picture.households == []
    assert [(e.source, e.start, e.end) for e in picture.entries] == [
        (STATE, D(2026, 3, 1), None),
        (STATE, D(2025, 6, 1), None),
        (STATE, D(2025, 1, 1), D(2025, 5, 31)),
    ]
    assert picture.overlaps == []


def test_a_claim_not_yet_approved_is_charity_aid_and_a_released_one_is_not(world):
    b = beneficiary_picture(world.b)
    [entry] = b.entries
    assert (entry.source, entry.status, entry.payments) == (CHARITY, "claimed", [])
    x = beneficiary_picture(world.x)
    assert x.in_registry
    assert x.entries == []


def test_an_unknown_civil_id_has_nothing_on_record(world):
    picture = beneficiary_picture(civil_id_for(999))
    assert not picture.on_record


# --- the figures by source -------------------------------------------------------------------


def test_beneficiaries_by_source_counted_by_civil_id(world):
    # February: charities cover A, M1, M2 (family) and B (claimed); the state pays M1 and S.
    february = beneficiaries_by_source(D(2026, 2, 1))
    assert (february.charity_only, february.state_only, february.both) == (3, 1, 1)
    assert (february.charity, february.state, february.total) == (4, 2, 5)
    # January: B not yet covered.
    january = beneficiaries_by_source(D(2026, 1, 20))
    assert (january.charity_only, january.state_only, january.both) == (2, 1, 1)
    # March: M1's allowance ended on 28 February; S has two benefits and counts once.
    march = beneficiaries_by_source(D(2026, 3, 1))
    assert (march.charity_only, march.state_only, march.both) == (4, 1, 0)
    # August: B's coverage ended in July; S still paid.
    assert beneficiaries_by_source(D(2026, 8, 1)).total == 1


def test_totals_by_agency_and_month(world, english):
    totals = totals_by_agency(D(2026, 2, 1))
    assert totals.agencies == [
        "Public Institution for Social Security",
        "Social Welfare (public assistance)",
    ]
    months = {row.month: row for row in totals.months}
    assert [row.month for row in totals.months][:2] == [D(2026, 2, 1), D(2026, 1, 1)]
    assert min(months) == D(2025, 3, 1)
    assert len(months) == 12
    # March 2025: only S's housing allowance.
    assert months[D(2025, 3, 1)].by_agency == [Decimal("0"), Decimal("80.000")]
    # June 2025: S's assistance starts; the housing allowance ended in May.
    assert months[D(2025, 6, 1)].by_agency == [Decimal("0"), Decimal("200.000")]
    # October 2025 to February 2026: M1's allowance too.
    assert months[D(2025, 10, 1)].state == Decimal("320.000")
    assert months[D(2026, 2, 1)].by_agency == [Decimal("120.000"), Decimal("200.000")]
    assert months[D(2026, 1, 1)].charity == Decimal("150.000")
    assert months[D(2025, 12, 1)].charity == Decimal("0")
    # SS: 120 × 5 months; SW: 80 × 3 + 200 × 9.
    assert totals.agency_totals == [Decimal("600.000"), Decimal("2040.000")]
    assert totals.state_total == Decimal("2640.000")
    assert totals.charity_total == Decimal("300.000")


def test_figures_take_a_fixed_number_of_queries(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        beneficiaries_by_source(D(2026, 2, 1))
    with django_assert_num_queries(3):  # records by agency, payments, the agencies
        totals_by_agency(D(2026, 2, 1))


# --- the pages: who may open them ------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    for url in (URL, SOURCES):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/accounts/login/?next={url}")
    response = client.post(URL, {"civil_id": civil_id_for(1)})
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action=PICTURE_VIEWED).exists()


@pytest.mark.parametrize(
    "make",
    [
        ApplicantUserFactory,
        lambda: CharityStaffFactory(role=Role.CASEWORKER),
        lambda: CharityStaffFactory(role=Role.MANAGER),
    ],
    ids=["applicant", "caseworker", "manager"],
)
def test_applicants_and_charity_staff_are_refused(client, world, make):
    client.force_login(make())
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"civil_id": world.m1})
    assert response.status_code == 403
    assert "مريم" not in response.content.decode()
    assert client.get(SOURCES).status_code == 403
    assert not AuditEntry.objects.filter(action=PICTURE_VIEWED).exists()


def test_a_ministry_official_without_the_second_factor_sees_no_picture(client, world, settings):
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    response = client.post(URL, {"civil_id": world.m1})
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="needs-second-factor"' in body
    assert "مريم" not in body
    assert "SS-M1" not in body
    assert not AuditEntry.objects.filter(action=PICTURE_VIEWED).exists()
    # The figures name nobody: no second factor needed.
    assert client.get(SOURCES).status_code == 200


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_staff_with_the_second_factor_open_a_picture_and_it_is_audited(
    client, world, settings, role
):
    settings.STAFF_REQUIRE_MFA = True
    official = StaffUserFactory(role=role)
    sign_in_with_second_factor(client, official)
    assert client.get(URL).status_code == 200
    with on(TODAY):
        response = client.post(URL, {"civil_id": world.m1}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="picture"' in body
    assert "مريم الكويتي" in body
    assert "سالم الكويتي" in body
    assert world.family_case.reference in body
    assert "SS-M1" in body
    assert 'data-testid="both-sources"' in body
    assert "01/2026–02/2026" in body  # the months of both sources, as one run
    assert "10/01/2026" in body  # a payment's date, day first
    assert "150.000" in body
    assert "120.000" in body
    entry = AuditEntry.objects.get(action=PICTURE_VIEWED)
    assert entry.actor == official
    assert entry.data == {"civil_id": "…" + world.m1[-4:], "found": True}
    assert world.m1 not in str(entry.data)
    assert entry.applicant_id == world.family_case.applicant_id
    assert entry.ip_address == "10.1.2.3"
    # Every opening is an entry of its own.
    client.post(URL, {"civil_id": world.s})
    assert AuditEntry.objects.filter(action=PICTURE_VIEWED, actor=official).count() == 2


def test_an_unknown_person_gets_a_clear_answer_and_the_question_is_audited(client, world):
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    client.force_login(official)  # STAFF_REQUIRE_MFA off in tests: no second factor asked
    unknown = civil_id_for(999)
    response = client.post(URL, {"civil_id": unknown})
    assert response.status_code == 200
    assert 'data-testid="nothing-on-record"' in response.content.decode()
    entry = AuditEntry.objects.get(action=PICTURE_VIEWED)
    assert entry.data == {"civil_id": "…" + unknown[-4:], "found": False}
    assert entry.applicant_id is None


def test_a_person_only_the_agencies_know(client, world):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    body = client.post(URL, {"civil_id": world.s}).content.decode()
    assert 'data-testid="not-in-registry"' in body
    assert body.count('data-source="state"') == 3
    assert 'data-source="charity"' not in body


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the civil ID."),
        ("12345", "A Kuwaiti civil ID has exactly 12 digits."),
        ("abc", "A civil ID contains digits only."),
        ("185031401239", "A Kuwaiti civil ID starts with 2"),
        (civil_id_for(1)[:-1] + str((int(civil_id_for(1)[-1]) + 1) % 10), "check digit"),
    ],
)
def test_a_bad_civil_id_is_refused_with_its_reason_and_nothing_is_audited(
    client, world, english, typed, message
):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    client.cookies["django_language"] = "en"
    response = client.post(URL, {"civil_id": typed})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'data-testid="picture"' not in body
    assert not AuditEntry.objects.filter(action=PICTURE_VIEWED).exists()


def test_arabic_indic_digits_are_read(client, world):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    arabic = world.m1.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    body = client.post(URL, {"civil_id": arabic}).content.decode()
    assert "مريم الكويتي" in body


def test_a_civil_id_in_the_address_is_dropped(client, world):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    response = client.get(URL, {"civil_id": world.m1})
    assert response.status_code == 302
    assert response["Location"] == URL
    assert not AuditEntry.objects.filter(action=PICTURE_VIEWED).exists()


def test_the_sources_page_shows_the_months_figures(client, world):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    response = client.get(SOURCES, {"month": "2026-02"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="charity-only">3<' in body
    assert 'data-testid="state-only">1<' in body
    assert 'data-testid="both">1<' in body
    assert 'data-testid="state-total">2,640.000<' in body
    assert 'data-testid="charity-total">300.000<' in body
    assert civil_id_for(2) not in body
    assert "مريم" not in body


def test_the_sources_page_defaults_to_this_month_and_explains_a_bad_month(client, world):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    with on(TODAY):
        default = client.get(SOURCES)
        client.cookies["django_language"] = "en"
        bad = client.get(SOURCES, {"month": "2026-13"})
    assert default.context["month"] == D(2026, 3, 1)
    assert default.context["counts"].both == 0
    assert bad.status_code == 200
    assert bad.context["month"] == D(2026, 3, 1)
    assert "Enter a month as YYYY-MM." in bad.content.decode()


def test_the_pages_are_in_the_ministry_navigation(client):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    body = client.get("/ministry/statistics/").content.decode()
    assert f'href="{URL}"' in body
    assert f'href="{SOURCES}"' in body
    assert reverse("reports:beneficiaries") == URL
    assert reverse("reports:sources") == SOURCES


def test_an_applicant_without_a_profile_is_in_the_registry(world, english):
    account = ApplicantUserFactory(full_name="Huda New")
    picture = beneficiary_picture(account.civil_id)
    assert picture.on_record
    assert picture.in_registry
    assert picture.households == []
    assert picture.entries == []
    assert picture.subject.name == "Huda New"
    assert str(picture.subject.relation) == "Applicant (profile not started)"
