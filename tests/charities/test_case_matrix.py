"""Every case page and action against every kind of user, and the wrong HTTP method.

``accounts.permissions``: caseworkers view the queue, claim and record payments; managers also
approve, release and reject. Ministry officials and applicants have none of these (403), another
organisation's staff do not see the case at all (404), anonymous users are sent to sign in.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from accounts.models import Role
from aid_requests.models import RequestStatus
from charities.services.claim import aid_request_claim
from tests.factories import CharityStaffFactory, StaffUserFactory
from tests.factories.cases import caseworker, family, open_request

pytestmark = pytest.mark.django_db
S = RequestStatus

#: name → (method, path under /charity/ with {pk}, form data, who may: "staff" or "manager").
CASE_URLS = {
    "case": ("get", "cases/{pk}/", {}, "staff"),
    "approve": ("post", "cases/{pk}/approve/", {"amount": "100", "payments": "1"}, "manager"),
    "payments": (
        "post",
        "cases/{pk}/payments/",
        {"amount": "1", "method": "cheque", "period": "1"},
        "staff",
    ),
    "close": ("post", "cases/{pk}/close/", {}, "staff"),
    "release": ("post", "cases/{pk}/release/", {"reason": "لا ميزانية"}, "manager"),
    "reject": ("post", "cases/{pk}/reject/", {"reason": "الدخل أعلى"}, "manager"),
    "message": ("post", "cases/{pk}/message/", {"body": "أرسلوا العقد"}, "staff"),
}
ACTIONS = [name for name in CASE_URLS if name != "case"]


@pytest.fixture
def case(capital, needy):
    """A claimed case of organisation A, with A's manager and caseworker."""
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    worker = CharityStaffFactory(
        role=Role.CASEWORKER, membership__organisation=manager.membership.organisation
    )
    aid_request = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request.refresh_from_db()
    return aid_request, manager, worker


def call(client, name, pk, *, method=None):
    verb, path, data, _who = CASE_URLS[name]
    url = "/charity/" + path.format(pk=pk)
    return getattr(client, method or verb)(url, data)


def users(kind, case, capital, needy):
    aid_request, manager, worker = case
    return {
        "manager": lambda: manager,
        "caseworker": lambda: worker,
        "other-manager": lambda: caseworker([needy], [capital], role=Role.MANAGER),
        "other-caseworker": lambda: caseworker([needy], [capital]),
        "ministry-official": lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        "ministry-admin": lambda: StaffUserFactory(role=Role.MINISTRY_ADMIN),
        "applicant": lambda: aid_request.applicant,
    }[kind]()


@pytest.mark.parametrize("name", list(CASE_URLS))
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("other-manager", 404),
        ("other-caseworker", 404),
        ("ministry-official", 403),
        ("ministry-admin", 403),
        ("applicant", 403),
    ],
)
def test_nobody_outside_the_holding_organisation_gets_in(
    client, case, capital, needy, name, kind, expected
):
    aid_request = case[0]
    who = CASE_URLS[name][3]
    if kind == "other-caseworker" and who == "manager":
        expected = 403  # a caseworker is refused by role before any case is looked up
    client.force_login(users(kind, case, capital, needy))
    assert call(client, name, aid_request.pk).status_code == expected
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED
    assert not aid_request.payments.exists()
    assert not aid_request.messages.exists()


@pytest.mark.parametrize("name", list(CASE_URLS))
@pytest.mark.parametrize("kind", ["manager", "caseworker"])
def test_the_holding_organisation_gets_in_as_its_role_allows(client, case, name, kind):
    aid_request, manager, worker = case
    client.force_login(manager if kind == "manager" else worker)
    response = call(client, name, aid_request.pk)
    if kind == "caseworker" and CASE_URLS[name][3] == "manager":
        assert response.status_code == 403
        aid_request.refresh_from_db()
        assert aid_request.status == S.CLAIMED
    else:
        assert response.status_code == (200 if name == "case" else 302)


@pytest.mark.parametrize("name", list(CASE_URLS))
def test_anonymous_is_sent_to_sign_in(client, case, name):
    aid_request = case[0]
    response = call(client, name, aid_request.pk)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/charity/")
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED


def test_anonymous_claim_is_sent_to_sign_in(client, capital, needy):
    aid_request = open_request(family(capital), needy, capital)
    response = client.post(f"/charity/queue/{aid_request.pk}/claim/")
    assert response["Location"].startswith("/accounts/login/")
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


@pytest.mark.parametrize("name", list(CASE_URLS))
@pytest.mark.parametrize("kind", ["manager", "other-manager"])
def test_the_wrong_method_is_405_for_everyone(client, case, capital, needy, name, kind):
    aid_request = case[0]
    client.force_login(users(kind, case, capital, needy))
    wrong = "post" if CASE_URLS[name][0] == "get" else "get"
    assert call(client, name, aid_request.pk, method=wrong).status_code == 405
    assert call(client, name, aid_request.pk, method="put").status_code == 405


@pytest.mark.parametrize("url", ["/charity/", "/charity/queue/", "/charity/cases/"])
def test_the_lists_answer_only_get(client, case, url):
    client.force_login(case[1])
    assert client.post(url).status_code == 405
    assert client.get(url).status_code == 200


def test_the_claim_answers_only_post(client, capital, needy):
    aid_request = open_request(family(capital), needy, capital)
    client.force_login(caseworker([needy], [capital]))
    assert client.get(f"/charity/queue/{aid_request.pk}/claim/").status_code == 405
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


@pytest.mark.parametrize(
    "kind", ["ministry-official", "applicant"], ids=["ministry-official", "applicant"]
)
def test_read_only_users_cannot_claim(client, capital, needy, kind):
    aid_request = open_request(family(capital), needy, capital)
    user = (
        StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
        if kind == "ministry-official"
        else aid_request.applicant
    )
    client.force_login(user)
    assert client.post(f"/charity/queue/{aid_request.pk}/claim/").status_code == 403
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


@pytest.mark.parametrize("outside", ["aid-type", "governorate"])
def test_claiming_a_request_outside_the_licence_is_404(client, capital, needy, student, outside):
    from tests.factories import GovernorateFactory

    aid_request = open_request(family(capital), needy, capital)
    staff = (
        caseworker([student], [capital])
        if outside == "aid-type"
        else caseworker([needy], [GovernorateFactory(code="jahra")])
    )
    client.force_login(staff)
    assert client.post(f"/charity/queue/{aid_request.pk}/claim/").status_code == 404
    aid_request.refresh_from_db()
    assert (aid_request.status, aid_request.claimed_by) == (S.OPEN, None)
    assert not aid_request.commitments.exists()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_claiming_a_withdrawn_request_says_neutrally_that_it_left_the_queue(client, capital, needy):
    from dedup.request_steps import aid_request_withdraw

    aid_request = open_request(family(capital), needy, capital)
    aid_request_withdraw(aid_request_id=aid_request.pk, applicant=aid_request.applicant)
    client.force_login(caseworker([needy], [capital]))
    client.cookies["django_language"] = "en"
    response = client.post(f"/charity/queue/{aid_request.pk}/claim/")
    assert response["Location"] == "/charity/queue/"
    with translation.override("en"):
        (text,) = messages_of(response)
    assert text == "This request is no longer in the queue (it was claimed, withdrawn or closed)."
    assert "another organisation" not in text


def test_the_manager_releases_with_a_reason(client, case):
    aid_request, manager, _worker = case
    client.force_login(manager)
    response = call(client, "release", aid_request.pk)
    assert response["Location"] == "/charity/cases/"
    aid_request.refresh_from_db()
    assert (aid_request.status, aid_request.claimed_by) == (S.OPEN, None)
    assert aid_request.timeline.order_by("-at", "-id").first().note == "لا ميزانية"
    assert set(aid_request.commitments.values_list("status", flat=True)) == {"released"}


def test_the_manager_rejects_with_a_reason(client, case):
    aid_request, manager, _worker = case
    client.force_login(manager)
    response = call(client, "reject", aid_request.pk)
    assert response["Location"] == f"/charity/cases/{aid_request.pk}/"
    aid_request.refresh_from_db()
    assert aid_request.status == S.REJECTED
    assert aid_request.timeline.order_by("-at", "-id").first().note == "الدخل أعلى"
    # the page it lands on is the rejected case, read-only
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="read-only"' in page


@pytest.mark.parametrize("action", ["release", "reject"])
@pytest.mark.parametrize("reason", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_release_and_reject_without_a_reason_change_nothing(client, case, action, reason):
    aid_request, manager, _worker = case
    client.force_login(manager)
    data = {} if reason is None else {"reason": reason}
    response = client.post(f"/charity/cases/{aid_request.pk}/{action}/", data)
    assert response["Location"] == f"/charity/cases/{aid_request.pk}/"
    assert len(messages_of(response)) == 1
    aid_request.refresh_from_db()
    assert (aid_request.status, aid_request.claimed_by) == (
        S.CLAIMED,
        manager.membership.organisation,
    )
    assert set(aid_request.commitments.values_list("status", flat=True)) == {"reserved"}


def test_the_case_page_shows_release_and_reject_to_managers_only(client, case):
    aid_request, manager, worker = case
    client.force_login(manager)
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert f"/charity/cases/{aid_request.pk}/release/" in page
    assert f"/charity/cases/{aid_request.pk}/reject/" in page
    assert page.count('id="id_reason"') == 0  # two forms, two ids
    client.force_login(worker)
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    assert f"/charity/cases/{aid_request.pk}/release/" not in page
    assert f"/charity/cases/{aid_request.pk}/reject/" not in page
    assert f"/charity/cases/{aid_request.pk}/approve/" not in page
