"""The queue and case pages: anonymised before a claim, full file after, only for the holder."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.models import Role
from aid_requests.models import RequestStatus
from applicants.models import ApplicantProfile
from audit.models import AuditEntry
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve
from tests.factories import ApplicantUserFactory, StaffUserFactory
from tests.factories.cases import caseworker, family, open_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(capital, needy):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    applicant = family(capital)
    ApplicantProfile.objects.filter(user=applicant).update(name_ar="سارة المطيري")
    aid_request = open_request(applicant, needy, capital)
    return manager, applicant, aid_request


def test_queue_is_anonymised(client, world):
    manager, applicant, aid_request = world
    client.force_login(manager)
    page = client.get("/charity/queue/").content.decode()
    assert "سارة المطيري" not in page
    assert applicant.civil_id not in page
    assert applicant.mobile not in page
    assert f"/charity/queue/{aid_request.pk}/claim/" in page


def test_queue_filters_by_minimum_need_score_and_pages_by_keyset(client, capital, needy):
    manager = caseworker([needy], [capital])
    for score in range(30):
        r = open_request(family(capital), needy, capital)
        r.need_score = score
        r.save()
    client.force_login(manager)
    first = client.get("/charity/queue/?min_score=10")
    rows = first.context["rows"]
    assert [row["request"].need_score for row in rows] == list(range(29, 9, -1))  # 29, 28 … 10
    assert len(rows) == 20  # scores 10..29 all fit on one page of 25
    assert first.context["next_cursor"] is None
    everything = client.get("/charity/queue/")
    assert len(everything.context["rows"]) == 25
    cursor = everything.context["next_cursor"]
    rest = client.get("/charity/queue/", {"after": cursor})
    assert [r["request"].need_score for r in rest.context["rows"]] == [4, 3, 2, 1, 0]
    shown = {r["request"].pk for r in everything.context["rows"]}
    assert shown.isdisjoint({r["request"].pk for r in rest.context["rows"]})


def test_claim_opens_the_full_file_and_every_view_is_logged(client, world):
    manager, applicant, aid_request = world
    client.force_login(manager)
    response = client.post(f"/charity/queue/{aid_request.pk}/claim/")
    assert response["Location"] == f"/charity/cases/{aid_request.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "سارة المطيري" in page
    assert applicant.civil_id in page
    assert (
        AuditEntry.objects.filter(action="aid_request.personal_data_viewed", actor=manager).count()
        == 1
    )


def test_protected_applicants_contact_details_stay_hidden(client, world):
    manager, applicant, aid_request = world
    ApplicantProfile.objects.filter(user=applicant).update(is_protected=True)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    client.force_login(manager)
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert applicant.mobile not in page


def test_another_organisations_staff_get_404_on_the_case_and_its_actions(
    client, world, capital, needy
):
    manager, _applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    stranger = caseworker([needy], [capital], role=Role.MANAGER)
    client.force_login(stranger)
    assert client.get(f"/charity/cases/{aid_request.pk}/").status_code == 404
    for action in ("approve", "payments", "close", "release", "reject"):
        assert (
            client.post(
                f"/charity/cases/{aid_request.pk}/{action}/",
                {"reason": "x", "amount": "1", "payments": "1"},
            ).status_code
            == 404
        )
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.CLAIMED


def test_caseworkers_get_403_on_approve(client, world, capital, needy):
    manager, _applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    from tests.factories import CharityStaffFactory

    worker = CharityStaffFactory(
        role=Role.CASEWORKER, membership__organisation=manager.membership.organisation
    )
    client.force_login(worker)
    assert (
        client.post(
            f"/charity/cases/{aid_request.pk}/approve/", {"amount": "100", "payments": "1"}
        ).status_code
        == 403
    )


def test_staff_without_a_second_factor_cannot_see_personal_data(client, settings, world):
    manager, applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(manager)
    response = client.get(f"/charity/cases/{aid_request.pk}/", follow=True)
    assert applicant.civil_id not in response.content.decode()
    assert not AuditEntry.objects.filter(action="aid_request.personal_data_viewed").exists()


def test_a_refused_duplicate_shows_the_clear_message(client, capital, needy):
    from tests.factories.cases import SHARED

    first = open_request(family(capital, [SHARED]), needy, capital)
    holder = caseworker(
        [needy], [capital], name_en="Al-Noor Charity Society", name_ar="جمعية النور الخيرية"
    )
    aid_request_claim(aid_request_id=first.pk, actor=holder)
    second = open_request(family(capital, [SHARED]), needy, capital)
    client.force_login(caseworker([needy], [capital]))
    client.cookies["django_language"] = "en"
    response = client.post(f"/charity/queue/{second.pk}/claim/", follow=True)
    page = response.content.decode()
    first.refresh_from_db()
    assert first.claimed_by == holder.membership.organisation
    until = first.coverage_end.strftime("%d/%m/%Y")
    assert f"already receives Needy families until {until}" in page
    assert "Al-Noor Charity Society" not in page  # which aid and until when, never by whom
    assert "جمعية النور الخيرية" not in page
    assert first.claimed_by.licence_number not in page


def test_approve_pay_and_close_through_the_pages(client, world):
    manager, _applicant, aid_request = world
    client.force_login(manager)
    client.post(f"/charity/queue/{aid_request.pk}/claim/")
    client.post(f"/charity/cases/{aid_request.pk}/approve/", {"amount": "250", "payments": "6"})

    client.post(
        f"/charity/cases/{aid_request.pk}/payments/",
        {
            "amount": "250",
            "paid_on": timezone.localdate().isoformat(),
            "method": "bank_transfer",
            "reference": "T1",
            "period": "1",
        },
    )
    client.post(f"/charity/cases/{aid_request.pk}/close/")
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.CLOSED
    assert aid_request.approved_amount == Decimal("250")


@pytest.mark.parametrize("url", ["/charity/queue/", "/charity/cases/"])
@pytest.mark.parametrize(
    "make_user",
    [ApplicantUserFactory, lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL)],
    ids=["applicant", "ministry"],
)
def test_non_charity_users_get_403(client, url, make_user):
    client.force_login(make_user())
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/charity/queue/", "/charity/cases/", "/charity/cases/1/"])
def test_anonymous_is_sent_to_sign_in(client, url):
    assert client.get(url)["Location"].startswith("/accounts/login/")


def test_wrong_methods_are_405(client, world):
    manager, _applicant, aid_request = world
    client.force_login(manager)
    assert client.post("/charity/queue/").status_code == 405
    assert client.get(f"/charity/queue/{aid_request.pk}/claim/").status_code == 405
    assert client.get(f"/charity/cases/{aid_request.pk}/approve/").status_code == 405


def test_holder_writes_to_the_applicant_and_strangers_get_404(client, world, capital, needy):
    manager, applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    client.force_login(manager)
    client.post(f"/charity/cases/{aid_request.pk}/message/", {"body": "أرسلوا عقد الإيجار"})
    assert aid_request.messages.get().body == "أرسلوا عقد الإيجار"
    client.force_login(caseworker([needy], [capital]))
    assert (
        client.post(f"/charity/cases/{aid_request.pk}/message/", {"body": "x"}).status_code == 404
    )
    assert client.get(f"/charity/cases/{aid_request.pk}/message/").status_code == 405
    assert aid_request.messages.count() == 1


def approved_and_signed_in(client, world):
    """The world's case claimed and approved (6 payments of 100), its manager signed in."""
    manager, _applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("100"), payments=6
    )
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    return aid_request


def test_a_payment_for_a_month_not_yet_due_is_refused_on_the_page(client, world):
    aid_request = approved_and_signed_in(client, world)
    today = timezone.localdate().isoformat()
    form = {"amount": "100", "paid_on": today, "method": "cheque", "reference": "", "period": 1}
    client.post(f"/charity/cases/{aid_request.pk}/payments/", form)
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert "Payment 2 pays the month of coverage from" in page  # the hint for the next one
    form["period"] = 2  # as the page now offers it
    response = client.post(f"/charity/cases/{aid_request.pk}/payments/", form, follow=True)
    assert response.status_code == 200
    assert "it can be dated" in response.content.decode()
    assert "at the earliest" in response.content.decode()
    assert list(aid_request.payments.values_list("period", flat=True)) == [1]


def test_the_payment_form_sent_twice_records_one_payment(client, world):
    aid_request = approved_and_signed_in(client, world)
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert '<input type="hidden" name="period" value="1"' in page
    form = {
        "amount": "100",
        "paid_on": timezone.localdate().isoformat(),
        "method": "cheque",
        "reference": "",
        "period": "1",
    }
    client.post(f"/charity/cases/{aid_request.pk}/payments/", form)
    response = client.post(f"/charity/cases/{aid_request.pk}/payments/", form, follow=True)
    assert "Payment 1 is already recorded; nothing was recorded twice." in response.content.decode()
    assert list(aid_request.payments.values_list("period", flat=True)) == [1]


def test_the_payments_table_has_headers_and_shows_the_reference_typed(client, world):
    aid_request = approved_and_signed_in(client, world)
    form = {
        "amount": "100",
        "paid_on": timezone.localdate().isoformat(),
        "method": "bank_transfer",
        "reference": "TRX-2026-0042",
        "period": "1",
    }
    client.post(f"/charity/cases/{aid_request.pk}/payments/", form)
    assert aid_request.payments.get().reference == "TRX-2026-0042"
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    table = page.split('data-testid="payments"', 1)[1].split("</table>", 1)[0]
    for header in ("Instalment", "Paid on", "Amount (KWD)", "Method", "Reference"):
        assert '<th scope="col"' in table
        assert f">{header}</th>" in table
    assert "TRX-2026-0042" in table


def test_the_household_count_matches_the_rows_listed(client, world):
    manager, applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    members = applicant.applicant_profile.members.count()
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    section = page.split(">Household (", 1)[1].split("</table>", 1)[0]
    count = int(section.split(")", 1)[0])
    rows = section.split("<tbody>", 1)[1].count("<tr")
    assert count == rows == members + 1
    assert "سارة المطيري" in section.split('data-testid="household-applicant"', 1)[1]
    assert '<th scope="col"></th>' not in section  # no empty header


def test_the_case_page_reads_each_kind_of_row_once(client, world):
    """Issue 19: the case page's queries do not grow with the file (no query per member,
    income, payment or message), and what it shows of them is unchanged."""
    from aid_requests.models import CaseMessage
    from tests.factories.applicants import IncomeSourceFactory, MonthlyObligationFactory

    manager, applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    client.force_login(manager)
    profile = ApplicantProfile.objects.get(user=applicant)

    def add_rows(n):
        IncomeSourceFactory(profile=profile, amount=Decimal("300.000"))
        MonthlyObligationFactory(profile=profile, amount=Decimal("100.500"))
        CaseMessage.objects.create(
            aid_request=aid_request,
            organisation=manager.membership.organisation,
            sender=manager,
            body=f"message {n}",
            sent_at=timezone.now(),
        )

    add_rows(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/charity/cases/{aid_request.pk}/").status_code == 200
    add_rows(2)
    add_rows(3)
    with CaptureQueriesContext(connection) as three:
        page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert len(three.captured_queries) == len(one.captured_queries)
    assert page.count(manager.full_name) >= 3  # each message's sender
    assert "message 3" in page
    # (3 × 300 − 3 × 100.500) ÷ 1 person: the totals summed from the rows the page lists
    assert "598.500" in page


def tables_read(queries):
    """The table each ORM query of ``queries`` reads rows of (its first selected column's)."""
    found = (re.match(r'SELECT (?:DISTINCT )?"(\w+)"\.', q["sql"]) for q in queries)
    return [match.group(1) for match in found if match]


def test_the_case_page_reads_no_table_twice(client, world, settings, tmp_path):
    """Issue 19: the case, its applicant, profile, aid type and beneficiary come in one query
    that names only the columns the page shows; a column it left out would be read again for
    each row that shows it (a second query on one of these tables)."""
    from aid_requests.models import CaseMessage
    from tests.factories.applicants import DocumentFactory

    settings.MEDIA_ROOT = tmp_path
    manager, applicant, _ = world
    aid_request = approved_and_signed_in(client, world)
    profile = ApplicantProfile.objects.get(user=applicant)
    ApplicantProfile.objects.filter(pk=profile.pk).update(area="الشامية", address="قطعة 4")
    aid_request.documents.add(DocumentFactory(profile=profile, original_name="lease.pdf"))
    CaseMessage.objects.create(
        aid_request=aid_request,
        organisation=manager.membership.organisation,
        sender=manager,
        body="please send the lease",
        sent_at=timezone.now(),
    )
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    tables = tables_read(queries.captured_queries)
    assert len(tables) == len(set(tables)), tables
    (case_query,) = (
        q["sql"] for q in queries.captured_queries if "aid_requests_aidtype" in q["sql"]
    )
    # nor what it does not show: the applicant's password hash, the aid type's descriptions
    assert '"accounts_user"."password"' not in case_query
    assert '"aid_requests_aidtype"."description_ar"' not in case_query
    for shown in ("سارة المطيري", applicant.civil_id, applicant.mobile, "الشامية", "قطعة 4"):
        assert shown in page
    assert "lease.pdf" in page
    assert "please send the lease" in page
    assert str(aid_request.aid_type) in page


def test_the_case_page_reads_coverage_conflicts_only_when_the_case_has_some(client, world):
    """Issue 19: most cases have none; the case's own query says so (the page of a case with a
    conflict: tests/dedup/test_adjudication.py)."""
    manager, _applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert "dedup_coverageconflict" not in tables_read(queries.captured_queries)
    assert 'data-testid="coverage-conflict"' not in page


def test_the_case_pages_forms_are_rendered_once_and_carry_each_requests_csrf_token(world):
    """Issue 19: the action forms' markup is kept per language (config.forms.blank_form_html):
    the same as a fresh form's, and the CSRF token beside it is still each request's own."""
    from django.test import Client

    from charities.forms import ApproveForm, CaseMessageForm, ReasonForm

    manager, _applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request.refresh_from_db()
    url = f"/charity/cases/{aid_request.pk}/"
    tokens = []
    for language in ("en", "ar"):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(manager)
        browser.cookies["django_language"] = language
        browser.get(url)
        again = browser.get(url)
        page = again.content.decode()
        assert not {"forms/form.html", "forms/field.html"} & {t.name for t in again.templates}
        with translation.override(language):
            for fresh in (
                ApproveForm(aid_request=aid_request),
                ReasonForm(auto_id="id_release_%s"),
                ReasonForm(auto_id="id_reject_%s"),
                CaseMessageForm(),
            ):
                assert str(fresh) in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        tokens.append(token)
        sent = browser.post(
            f"{url}message/", {"body": f"in {language}", "csrfmiddlewaretoken": token}
        )
        assert sent.status_code == 302
    assert tokens[0] != tokens[1]
    assert list(aid_request.messages.values_list("body", flat=True)) == ["in en", "in ar"]


def test_the_case_page_of_an_applicant_without_a_profile_shows_the_account_name(client, world):
    manager, applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    ApplicantProfile.objects.filter(user=applicant).delete()
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert f'data-testid="applicant-name"><bdi>{escape(applicant.full_name)}</bdi>' in page
    assert "سارة المطيري" not in page
    # no profile, no household rows to read (issue 19)
    tables = tables_read(queries.captured_queries)
    assert not {"applicants_householdmember", "applicants_incomesource"} & set(tables)


def test_the_case_files_query_is_compiled_once_and_keeps_the_holding_rule(client, world):
    """Issue 19: the case file's ORM query (five models, the holding rule, the conflicts flag)
    is compiled once per database and run with each case's and organisation's ids; a case the
    organisation does not hold is still a 404."""
    from charities.case_reads import _CASE_FILE
    from tests.factories.cases import caseworker

    manager, applicant, aid_request = world
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    client.force_login(manager)
    assert client.get(f"/charity/cases/{aid_request.pk}/").status_code == 200
    made = _CASE_FILE._made["default"]
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert _CASE_FILE._made["default"] is made
    assert applicant.civil_id in page
    stranger = caseworker([aid_request.aid_type], [aid_request.governorate])
    client.force_login(stranger)
    assert client.get(f"/charity/cases/{aid_request.pk}/").status_code == 404
    assert _CASE_FILE._made["default"] is made
