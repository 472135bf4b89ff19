"""Where the verified income shows: the holder's case file (declared and verified apart, the
flag), the queue's and the applicant's need-score breakdown (the verified total as its own
line, no flag), never the agency's record; another organisation's case stays a 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Role
from charities.services.claim import aid_request_claim
from tests.charities.test_verified_income import held_record, pension_kind, submit
from tests.factories.applicants import make_ready_applicant
from tests.factories.cases import caseworker, claimed_case, family

pytestmark = pytest.mark.django_db

FLAG_EN = "The state benefits declared are lower than those verified with the state agencies."


def flagged_request(rent, seed=0):
    """Salary 600 declared, no state benefit; a pension of 200 held for the applicant (the
    simulator answers from the records): verified 200, flagged, need score 15."""
    user, _docs = make_ready_applicant(members=3, disabled=0, students=0, documents=(), seed=seed)
    held_record(user.civil_id, reference=f"SS-REF-{seed}")
    return submit(user, rent)


@pytest.fixture
def holder(rent):
    aid_request = flagged_request(rent)
    manager = caseworker([rent], [aid_request.governorate], role=Role.MANAGER)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    return aid_request, manager


def english(client):
    client.cookies["django_language"] = "en"


def test_the_holder_sees_declared_and_verified_income_apart_and_the_flag(client, holder):
    aid_request, manager = holder
    client.force_login(manager)
    english(client)
    response = client.get(f"/charity/cases/{aid_request.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="income-flag"' in page
    assert FLAG_EN in page
    assert 'data-testid="declared-income"><span dir="ltr">600.000</span>' in page
    assert 'data-testid="verified-income"><span dir="ltr">200.000</span>' in page
    assert 'data-testid="counted-income"><span dir="ltr">800.000</span>' in page
    assert 'data-testid="breakdown-verified_income"' in page
    # A total only: not the agency, the benefit or its reference.
    with translation.override("en"):
        assert pension_kind().agency.name_en not in page
        assert pension_kind().name_en not in page
    assert "SS-REF-0" not in page


def test_the_case_file_is_in_arabic_by_default(client, holder):
    aid_request, manager = holder
    client.force_login(manager)
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert "المعونات الحكومية المصرّح بها أقل مما تحقّقت منه الجهات الحكومية." in page
    assert FLAG_EN not in page


def test_another_organisation_gets_a_404_and_no_flag(client, holder, rent):
    aid_request, _manager = holder
    other = caseworker([rent], [aid_request.governorate], role=Role.MANAGER)
    client.force_login(other)
    response = client.get(f"/charity/cases/{aid_request.pk}/")
    assert response.status_code == 404
    assert b"income-flag" not in response.content


def test_an_anonymous_visitor_is_sent_to_sign_in(client, holder):
    aid_request, _manager = holder
    response = client.get(f"/charity/cases/{aid_request.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_the_queue_shows_the_verified_total_as_its_own_line_but_not_the_flag(client, rent):
    aid_request = flagged_request(rent)
    staff = caseworker([rent], [aid_request.governorate])
    client.force_login(staff)
    english(client)
    page = client.get("/charity/queue/").content.decode()
    assert 'data-testid="breakdown-verified_income"' in page
    assert "Income verified with the state agencies: 200.000 KWD a month" in page
    assert "Declared income: 600.000 KWD a month" in page
    assert FLAG_EN not in page
    assert "income-flag" not in page


def test_the_queue_reads_no_more_for_more_rows_with_verified_income(client, rent):
    first = flagged_request(rent, seed=1)
    staff = caseworker([rent], [first.governorate])
    client.force_login(staff)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/charity/queue/").status_code == 200
    for seed in (2, 3, 4):
        flagged_request(rent, seed=seed)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/charity/queue/")
    assert len(response.context["rows"]) == 4
    assert len(many) == len(few)


def test_the_applicant_sees_the_verified_total_in_the_breakdown_not_the_flag(client, rent):
    aid_request = flagged_request(rent)
    client.force_login(aid_request.applicant)
    english(client)
    response = client.get(f"/requests/{aid_request.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="breakdown-verified_income"' in page
    assert "200.000 KWD a month" in page
    assert FLAG_EN not in page
    assert "SS-REF-0" not in page


def test_a_request_screened_before_the_link_shows_no_verified_income(client, capital, needy):
    aid_request, manager = claimed_case(capital, needy, family(capital))
    assert aid_request.verified_income is None
    client.force_login(manager)
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert "screening-income" not in page
