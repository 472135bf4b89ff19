"""Issue 12 in the browser: "an applicant asks student aid for a child; a charity claims it; the
other parent's request for the same child shows 'covered elsewhere'; an official resolves a
conflict" — in Arabic (the default), with English screenshots of the same pages.

The people and the household-aid conflict are built with factories and the real services; the
steps the issue names are done in Chromium.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import formats, timezone, translation

from accounts.civil_id import make_kw_civil_id
from accounts.models import Role
from aid_requests.models import (
    AidRequest,
    Beneficiaries,
    RequestStatus,
    age_band,
)
from applicants.models import Kinship
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve
from dedup.models import ConflictStatus, CoverageConflict
from tests.factories import (
    PASSWORD,
    CharityStaffFactory,
    GovernorateFactory,
    HouseholdMemberFactory,
    OrganisationFactory,
    StaffUserFactory,
)
from tests.factories.applicants import ReadyProfileFactory
from tests.factories.cases import (
    SHARED,
    add_member,
    caseworker,
    family,
    needy_aid_type,
    open_request,
    student_aid_type,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHILD_BORN = datetime.date(2012, 5, 14)
# A child's civil ID (born 2012): far from the factories' numbers (born 1970-2002).
CHILD = make_kw_civil_id(CHILD_BORN, 4800)
CHILD_NAME = "سارة الرشيدي"


def use_language(page, live_server, code):
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def sign_in(page, login):
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def sign_out(page):
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def shoot(page, artifacts_dir, name):
    """Screenshot the page, laid out in its language's direction and no wider than the window."""
    language = page.locator("html").get_attribute("lang")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the window"
    page.screenshot(path=artifacts_dir / f"beneficiary-{name}-{language}.png", full_page=True)


def in_english(page, live_server, artifacts_dir, name):
    """The same page in English, screenshotted, then back to Arabic."""
    use_language(page, live_server, "en")
    page.reload()
    shoot(page, artifacts_dir, name)
    use_language(page, live_server, "ar")
    page.reload()


def apply_for_the_child(page, member, amount, justification):
    page.goto("/requests/new/student-aid/")
    page.locator("select[name=beneficiary]").select_option(str(member.pk))
    page.locator("input[name=amount]").fill(amount)
    page.locator("textarea[name=justification]").fill(justification)


def submit(page):
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()


def short_date(day, language):
    with translation.override(language):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def test_student_aid_for_a_child_claimed_covered_elsewhere_and_a_conflict_resolved(
    page, live_server, artifacts_dir, settings
):
    settings.STAFF_REQUIRE_MFA = False  # the second factor has its own tests
    capital = GovernorateFactory(code="capital", name_ar="العاصمة", name_en="Capital")
    student = student_aid_type(code="student-aid", beneficiaries=Beneficiaries.MEMBER)
    # Two parents, each listing the same child in their household.
    mother = ReadyProfileFactory(governorate=capital, name_ar="منى الرشيدي").user
    father = ReadyProfileFactory(governorate=capital, name_ar="فهد الرشيدي").user
    for parent in (mother, father):
        HouseholdMemberFactory(
            profile=parent.applicant_profile,
            civil_id=CHILD,
            name=CHILD_NAME,
            kinship=Kinship.DAUGHTER,
            birth_date=CHILD_BORN,
            is_student=True,
        )
    mothers_child, fathers_child = (p.applicant_profile.members.get() for p in (mother, father))
    charity = OrganisationFactory(
        name_ar="جمعية النور", name_en="Al-Noor", aid_types=[student], governorates=[capital]
    )
    worker = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=charity)

    # 1. The mother asks student aid for her daughter, choosing her as the beneficiary.
    sign_in(page, mother.civil_id)
    apply_for_the_child(page, mothers_child, "400", "رسوم المدرسة والكتب لهذا الفصل")
    options = page.locator("select[name=beneficiary] option").all_inner_texts()
    with translation.override("ar"):
        daughter = str(Kinship.DAUGHTER.label)
    assert options == [f"{CHILD_NAME} — {daughter}"]  # the member only: no "Myself"
    shoot(page, artifacts_dir, "apply")
    in_english(page, live_server, artifacts_dir, "apply")
    apply_for_the_child(page, mothers_child, "400", "رسوم المدرسة والكتب لهذا الفصل")
    submit(page)

    mothers = AidRequest.objects.get(applicant=mother)
    assert (mothers.status, mothers.beneficiary_civil_id) == (RequestStatus.OPEN, CHILD)
    assert page.url.endswith(f"/requests/{mothers.pk}/")
    assert page.locator("[data-testid=beneficiary]").inner_text().strip() == CHILD_NAME
    assert page.locator("[data-testid=covered-elsewhere]").count() == 0
    sign_out(page)

    # 2. A caseworker sees it in the queue by relation and age band, never by name, and claims it.
    sign_in(page, worker.email)
    page.goto("/charity/queue/")
    row = page.locator("[data-testid=queue-row]")
    assert row.count() == 1
    band = age_band(CHILD_BORN, timezone.localdate())
    assert row.locator("[data-testid=queue-beneficiary]").inner_text().strip() == (
        f"{daughter} · {band}"
    )
    assert CHILD_NAME not in page.content()
    assert CHILD not in page.content()
    shoot(page, artifacts_dir, "queue")
    in_english(page, live_server, artifacts_dir, "queue")
    assert row.locator("[data-testid=queue-beneficiary]").inner_text().strip() == (
        f"{daughter} · {band}"
    )
    row.locator(f"form[action='/charity/queue/{mothers.pk}/claim/'] button").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/charity/cases/{mothers.pk}/")
    mothers.refresh_from_db()
    assert (mothers.status, mothers.claimed_by) == (RequestStatus.CLAIMED, charity)
    sign_out(page)

    # 3. The father asks the same aid for the same child: covered elsewhere until the end of
    # the mother's coverage, and told so — never by whom.
    sign_in(page, father.civil_id)
    apply_for_the_child(page, fathers_child, "300", "مصاريف الدراسة")
    submit(page)
    fathers = AidRequest.objects.get(applicant=father)
    assert fathers.status == RequestStatus.OPEN
    assert fathers.covered_until == mothers.coverage_end
    assert page.url.endswith(f"/requests/{fathers.pk}/")
    notice = page.locator("[data-testid=covered-elsewhere]")
    assert short_date(fathers.covered_until, "ar") in notice.inner_text()
    assert "جمعية النور" not in notice.inner_text()
    shoot(page, artifacts_dir, "covered-elsewhere")
    use_language(page, live_server, "en")
    page.reload()
    notice_en = notice.inner_text()
    assert notice_en.startswith(
        f"Covered elsewhere until {short_date(fathers.covered_until, 'en')}."
    )
    assert "Al-Noor" not in notice_en
    shoot(page, artifacts_dir, "covered-elsewhere")
    use_language(page, live_server, "ar")
    sign_out(page)

    # … and it is not in the charity's queue.
    sign_in(page, worker.email)
    page.goto("/charity/queue/")
    assert page.locator("[data-testid=queue-row]").count() == 0
    assert page.locator(f"form[action='/charity/queue/{fathers.pk}/claim/']").count() == 0
    sign_out(page)

    # 4. A coverage conflict, through the real services: a household claimed (and approved) for
    # needy-family aid takes in a person who already holds that aid with their own household.
    needy = needy_aid_type()

    def claimed(applicant, *, approve):
        manager = caseworker([needy], [capital], role=Role.MANAGER)
        case = open_request(applicant, needy, capital, amount="900.000")
        aid_request_claim(aid_request_id=case.pk, actor=manager)
        if approve:
            aid_request_approve(
                aid_request_id=case.pk, actor=manager, amount=Decimal("150"), payments=6
            )

    claimed(family(capital, applicant_civil_id=SHARED), approve=False)  # SHARED's own household
    applicant = family(capital)
    claimed(applicant, approve=True)
    add_member(applicant, SHARED)
    conflict = CoverageConflict.objects.get(aid_request__applicant=applicant)
    assert conflict.status == ConflictStatus.OPEN

    # 5. A ministry administrator resolves it on the adjudication page, with a reason.
    admin = StaffUserFactory(email="adjudicator@ministry.test", role=Role.MINISTRY_ADMIN)
    sign_in(page, admin.email)
    page.goto("/ministry/adjudication/")
    section = page.locator(f"#conflict-{conflict.pk}")
    assert conflict.aid_request.reference in section.inner_text()
    assert conflict.held.aid_request.reference in section.inner_text()
    shoot(page, artifacts_dir, "adjudication")
    in_english(page, live_server, artifacts_dir, "adjudication")
    section.locator("select[name=resolution]").select_option("covered_elsewhere")
    section.locator("textarea[name=reason]").fill("يبقى مشمولاً بمساعدة أسرته الأولى")
    section.locator("button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.endswith("/ministry/adjudication/")
    assert page.locator(".messages .alert-success").count() == 1
    assert page.locator(f"#conflict-{conflict.pk}").count() == 0
    with translation.override("ar"):
        nothing_left = translation.gettext("No coverage conflict waits for a decision.")
    assert nothing_left in page.locator("main").inner_text()
    shoot(page, artifacts_dir, "adjudication-resolved")
    in_english(page, live_server, artifacts_dir, "adjudication-resolved")
    conflict.refresh_from_db()
    assert (conflict.status, conflict.decided_by, conflict.reason) == (
        ConflictStatus.RESOLVED,
        admin,
        "يبقى مشمولاً بمساعدة أسرته الأولى",
    )
    assert page.console_errors == []
