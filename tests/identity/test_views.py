"""The pages of the identity step: who may use them, and what the person sees (simulator)."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from identity import services
from identity.models import AttemptStatus, Reason, VerificationAttempt
from tests.factories import ApplicantUserFactory, CharityStaffFactory, StaffUserFactory

pytestmark = pytest.mark.django_db
VERIFY = "/identity/verify/"
START = "/identity/verify/start/"
SIMULATOR = "/identity/simulator/"


def status_url(attempt):
    return f"/identity/attempts/{attempt.pk}/status/"


def cancel_url(attempt):
    return f"/identity/attempts/{attempt.pk}/cancel/"


@pytest.fixture
def attempt(applicant):
    return services.verification_start(user=applicant, client_ip="192.0.2.40")


STAFF = [
    lambda: CharityStaffFactory(role=Role.CASEWORKER),
    lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
]
STAFF_IDS = ["caseworker", "ministry-official"]


def _no_inline_script_or_style(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


# --- the verification page --------------------------------------------------------------------
def test_owner_sees_the_portal_name_and_a_start_button(client, applicant):
    client.force_login(applicant)
    response = client.get(VERIFY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Musaada Test Portal" in html
    assert 'data-testid="start-verification"' in html
    assert f'action="{START}"' in html
    _no_inline_script_or_style(html)


def test_pending_attempt_shows_the_number_and_polls_every_three_seconds(client, applicant, attempt):
    client.force_login(applicant)
    html = client.get(VERIFY).content.decode()
    assert re.search(rf'data-testid="match-code"[^>]*>{attempt.match_code}<', html)
    assert f'hx-get="{status_url(attempt)}"' in html
    assert 'hx-trigger="every 3s"' in html
    assert 'data-testid="start-verification"' not in html
    _no_inline_script_or_style(html)


@pytest.mark.parametrize("make_user", STAFF, ids=STAFF_IDS)
def test_staff_get_403_on_every_applicant_page(client, make_user, attempt):
    client.force_login(make_user())
    assert client.get(VERIFY).status_code == 403
    assert client.post(START).status_code == 403
    assert client.get(status_url(attempt)).status_code == 403
    assert client.post(cancel_url(attempt)).status_code == 403
    assert client.get("/identity/oidc/callback/?state=x&code=y").status_code == 403
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", VERIFY),
        ("post", START),
        ("get", "status"),
        ("post", "cancel"),
        ("get", "/identity/oidc/callback/?state=x"),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, attempt, method, url):
    url = {"status": status_url(attempt), "cancel": cancel_url(attempt)}.get(url, url)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", VERIFY),
        ("get", START),
        ("post", "status"),
        ("get", "cancel"),
        ("post", "/identity/oidc/callback/"),
        ("get", "/identity/nafath/callback/"),
        ("post", SIMULATOR),
        ("get", "answer"),
    ],
)
def test_wrong_method_is_405(client, applicant, attempt, method, url):
    client.force_login(applicant)
    url = {
        "status": status_url(attempt),
        "cancel": cancel_url(attempt),
        "answer": f"/identity/simulator/{attempt.pk}/answer/",
    }.get(url, url)
    assert getattr(client, method)(url).status_code == 405


# --- start ------------------------------------------------------------------------------------
def test_start_creates_a_pending_attempt_and_returns_to_the_page(client, applicant):
    client.force_login(applicant)
    response = client.post(START)
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert VerificationAttempt.objects.get(user=applicant).status == AttemptStatus.PENDING


def test_second_start_shows_already_active(client, applicant, attempt):
    client.force_login(applicant)
    html = client.post(START, follow=True).content.decode()
    assert "already waiting for your answer" in html
    assert VerificationAttempt.objects.filter(user=applicant).count() == 1


def test_rate_limit_is_shown_as_a_message(client, applicant):
    client.force_login(applicant)
    for _ in range(3):
        client.post(START)
        pending = VerificationAttempt.objects.get(user=applicant, status=AttemptStatus.PENDING)
        client.post(cancel_url(pending))
    html = client.post(START, follow=True).content.decode()
    assert "Too many verification requests" in html


# --- the live status ------------------------------------------------------------------------
def test_status_partial_keeps_polling_while_pending(client, applicant, attempt):
    client.force_login(applicant)
    response = client.get(status_url(attempt), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the fragment alone
    assert 'hx-trigger="every 3s"' in html
    assert attempt.match_code in html


def test_status_partial_stops_polling_and_says_what_next_when_approved(client, applicant, attempt):
    services.simulator_phone_answer(attempt=attempt, approve=True)
    client.force_login(applicant)
    html = client.get(status_url(attempt), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html
    assert 'data-status="approved"' in html
    assert 'href="/apply/requests/"' in html
    assert 'data-testid="start-verification"' not in html
    applicant.refresh_from_db()
    assert applicant.is_identity_verified


def test_another_applicant_cannot_see_or_act_on_an_attempt(client, attempt):
    client.force_login(ApplicantUserFactory())
    assert client.get(status_url(attempt)).status_code == 404
    assert client.post(cancel_url(attempt)).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING


def test_owner_can_cancel(client, applicant, attempt):
    client.force_login(applicant)
    response = client.post(cancel_url(attempt), follow=True)
    assert "The verification was cancelled." in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.USER_CANCELLED)


def test_oidc_callback_for_an_unknown_state_is_404(client, applicant):
    client.force_login(applicant)
    assert client.get("/identity/oidc/callback/?state=unknown&code=x").status_code == 404
    assert client.get("/identity/oidc/callback/").status_code == 404


# --- the simulator's phone page -------------------------------------------------------------
def test_simulator_phone_lists_pending_requests_with_the_number(client, applicant, attempt):
    response = client.get(SIMULATOR, {"civil_id": applicant.civil_id})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Musaada Test Portal" in html
    assert attempt.match_code in html
    assert f'action="/identity/simulator/{attempt.pk}/answer/"' in html
    _no_inline_script_or_style(html)


def test_simulator_phone_shows_nothing_for_another_civil_id(client, attempt):
    other = ApplicantUserFactory.build().civil_id
    html = client.get(SIMULATOR, {"civil_id": other}).content.decode()
    assert "Nothing is waiting for this civil ID." in html
    assert f"/identity/simulator/{attempt.pk}/answer/" not in html


def test_simulator_approve_then_the_page_shows_approved(client, applicant, attempt):
    answer = f"/identity/simulator/{attempt.pk}/answer/"
    response = client.post(answer, {"civil_id": applicant.civil_id, "decision": "approve"})
    assert response.status_code == 302
    client.force_login(applicant)
    client.get(status_url(attempt))
    html = client.get(VERIFY).content.decode()
    assert 'data-status="approved"' in html
    assert 'data-testid="identity-verified"' in html


def test_simulator_reject(client, applicant, attempt):
    answer = f"/identity/simulator/{attempt.pk}/answer/"
    client.post(answer, {"civil_id": applicant.civil_id, "decision": "reject"})
    assert services.verification_poll(user=applicant, attempt=attempt).status == "rejected"


def test_simulator_cannot_answer_for_another_civil_id(client, attempt):
    answer = f"/identity/simulator/{attempt.pk}/answer/"
    other = ApplicantUserFactory.build().civil_id
    assert client.post(answer, {"civil_id": other, "decision": "approve"}).status_code == 404


@pytest.mark.parametrize(
    "change",
    [{"IDENTITY_PROVIDER": "hawiyati"}, {"PRODUCTION": True}],
    ids=["other-provider", "production"],
)
def test_simulator_pages_do_not_exist_outside_development(client, settings, attempt, change):
    for name, value in change.items():
        setattr(settings, name, value)
    assert client.get(SIMULATOR).status_code == 404
    answer = f"/identity/simulator/{attempt.pk}/answer/"
    civil_id = attempt.civil_id
    assert client.post(answer, {"civil_id": civil_id, "decision": "approve"}).status_code == 404
