"""Who may open a case: the organisation holding it now — not one that held it before.

``claimed_by`` names the last holder and survives a rejection (and, unless the appeal service
clears it, an overturned appeal). Access also needs a status in which that organisation holds
the case; the organisation that rejected a case keeps read-only access while it stays rejected.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Role
from aid_requests.models import RequestStatus
from aid_requests.services.appeals import aid_request_appeal
from applicants.models import ApplicantProfile
from audit.models import AuditEntry
from charities import selectors
from charities.exceptions import NotAllowed
from charities.services.cases import aid_request_reject, aid_request_release
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_close
from dedup.request_steps import aid_request_withdraw, appeal_decide
from tests.factories import StaffUserFactory
from tests.factories.cases import caseworker, family, open_request

pytestmark = pytest.mark.django_db
S = RequestStatus
ACTIONS = ("approve", "payments", "close", "release", "reject", "message")
FORM = {"reason": "r", "amount": "1", "payments": "1", "body": "b", "method": "cheque"}


@pytest.fixture
def rejected(capital, needy):
    """A case claimed by one organisation's manager and rejected by it."""
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    applicant = family(capital)
    ApplicantProfile.objects.filter(user=applicant).update(name_ar="منى الشمري")
    aid_request = open_request(applicant, needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request_reject(aid_request_id=aid_request.pk, actor=manager, reason="الدخل أعلى من الحد")
    aid_request.refresh_from_db()
    return aid_request, manager


def overturn(aid_request):
    appeal = aid_request_appeal(
        aid_request_id=aid_request.pk,
        applicant=aid_request.applicant,
        reason="الدخل المذكور كان لعام مضى",
    )
    appeal_decide(
        appeal_id=appeal.pk,
        decided_by=StaffUserFactory(role=Role.MINISTRY_ADMIN),
        overturn=True,
        note="الإثبات مقبول",
    )
    aid_request.refresh_from_db()


def assert_closed_to(client, user, aid_request):
    """The whole file and every action are 404 for ``user``; "my cases" does not list it."""
    client.force_login(user)
    assert client.get(f"/charity/cases/{aid_request.pk}/").status_code == 404
    for action in ACTIONS:
        response = client.post(f"/charity/cases/{aid_request.pk}/{action}/", FORM)
        assert response.status_code == 404, action
    listed = [c["request"].pk for c in client.get("/charity/cases/").context["cases"]]
    assert aid_request.pk not in listed
    page = client.get("/charity/cases/").content.decode()
    assert f"/charity/cases/{aid_request.pk}/" not in page
    with pytest.raises(Http404):
        selectors.get_case_for_staff(user, aid_request.pk)


def test_the_rejecting_charity_loses_the_file_once_an_appeal_is_overturned(client, rejected):
    aid_request, manager = rejected
    overturn(aid_request)
    assert aid_request.status == S.OPEN
    viewed_before = AuditEntry.objects.filter(action="aid_request.personal_data_viewed").count()
    assert_closed_to(client, manager, aid_request)
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert "منى الشمري" not in page
    assert aid_request.applicant.civil_id not in page
    assert (
        AuditEntry.objects.filter(action="aid_request.personal_data_viewed").count()
        == viewed_before
    )
    # back in the queue it is an ordinary open request again, anonymised
    queue = client.get("/charity/queue/").content.decode()
    assert f"/charity/queue/{aid_request.pk}/claim/" in queue
    assert "منى الشمري" not in queue


def test_the_rejecting_charity_cannot_act_on_the_reopened_request_through_the_services(
    rejected,
):
    aid_request, manager = rejected
    overturn(aid_request)
    calls = {
        "release": lambda: aid_request_release(
            aid_request_id=aid_request.pk, actor=manager, reason="x"
        ),
        "reject": lambda: aid_request_reject(
            aid_request_id=aid_request.pk, actor=manager, reason="x"
        ),
        "close": lambda: aid_request_close(aid_request_id=aid_request.pk, actor=manager),
    }
    for name, call in calls.items():
        with pytest.raises(NotAllowed):
            call()
        aid_request.refresh_from_db()
        assert aid_request.status == S.OPEN, name


def test_after_the_overturn_the_case_belongs_to_whoever_claims_it_next(
    client, rejected, capital, needy
):
    aid_request, old_manager = rejected
    overturn(aid_request)
    new_manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request_claim(aid_request_id=aid_request.pk, actor=new_manager)
    aid_request.refresh_from_db()
    assert aid_request.claimed_by == new_manager.membership.organisation
    client.force_login(new_manager)
    assert client.get(f"/charity/cases/{aid_request.pk}/").status_code == 200
    assert_closed_to(client, old_manager, aid_request)


def test_the_rejecting_charity_reads_its_rejected_case_but_cannot_act_on_it(client, rejected):
    aid_request, manager = rejected
    client.force_login(manager)
    response = client.get(f"/charity/cases/{aid_request.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="read-only"' in page
    assert "الدخل أعلى من الحد" in page  # its own reason, on the timeline
    for action in ACTIONS:  # no form of any action on the page
        assert f"/charity/cases/{aid_request.pk}/{action}/" not in page
    for action in ACTIONS:
        response = client.post(f"/charity/cases/{aid_request.pk}/{action}/", FORM)
        assert response.status_code == 403, action
    listed = {c["request"].pk: c["request"].status for c in response_cases(client)}
    assert listed == {aid_request.pk: S.REJECTED}
    with pytest.raises(PermissionDenied):
        selectors.get_case_for_staff(manager, aid_request.pk, write=True)
    aid_request.refresh_from_db()
    assert aid_request.status == S.REJECTED
    assert not aid_request.messages.exists()


def response_cases(client):
    return client.get("/charity/cases/").context["cases"]


def test_while_the_appeal_is_pending_the_rejecting_charity_no_longer_sees_the_file(
    client, rejected
):
    aid_request, manager = rejected
    aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="أطلب المراجعة"
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPEALED
    assert_closed_to(client, manager, aid_request)


def test_a_withdrawn_case_closes_to_the_charity_that_held_it(client, capital, needy):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request_withdraw(aid_request_id=aid_request.pk, applicant=aid_request.applicant)
    assert_closed_to(client, manager, aid_request)


def test_a_released_case_closes_to_the_charity_that_released_it(client, capital, needy):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request_release(aid_request_id=aid_request.pk, actor=manager, reason="لا ميزانية")
    assert_closed_to(client, manager, aid_request)


def test_my_cases_lists_what_the_organisation_holds_and_nothing_of_another(client, capital, needy):
    mine = caseworker([needy], [capital], role=Role.MANAGER)
    theirs = caseworker([needy], [capital], role=Role.MANAGER)
    held = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=held.pk, actor=mine)
    other = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=other.pk, actor=theirs)
    open_request(family(capital), needy, capital)  # still open: in the queue, not a case
    client.force_login(mine)
    assert [c["request"].pk for c in response_cases(client)] == [held.pk]
    page = client.get("/charity/cases/").content.decode()
    assert f"/charity/cases/{other.pk}/" not in page
    assert other.reference not in page
