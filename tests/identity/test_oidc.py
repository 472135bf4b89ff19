"""The OpenID Connect adapter against a stub provider (discovery, JWKS, authorize, token with
single-use codes and PKCE, userinfo), driven through the real pages."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry
from identity.models import AttemptStatus, Reason, VerificationAttempt
from identity.providers.oidc import pkce_challenge
from tests.factories import ApplicantUserFactory
from tests.identity.conftest import follow_once

pytestmark = pytest.mark.django_db
START = "/identity/verify/start/"


def sign_in_at_provider(client, user, oidc, *, persona="verified", national_id=None):
    """Start on the portal, let the stub authorize, and return the callback URL it sent back."""
    oidc.persona = persona
    oidc.national_id = user.civil_id if national_id is None else national_id
    client.force_login(user)
    response = client.post(START)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{oidc.url}/authorize?")
    back = follow_once(response["Location"])
    parts = urlsplit(back)
    return f"{parts.path}?{parts.query}"


def finish(client, callback):
    response = client.get(callback)
    assert response.status_code == 302
    assert response["Location"] == "/identity/verify/"
    return response


def only_attempt(user):
    return VerificationAttempt.objects.get(user=user)


def test_start_redirects_with_state_nonce_and_pkce_s256(client, oidc, applicant):
    client.force_login(applicant)
    response = client.post(START)
    query = parse_qs(urlsplit(response["Location"]).query)
    attempt = only_attempt(applicant)
    assert query["state"] == [attempt.provider_reference]
    assert query["nonce"] == [attempt.nonce]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [pkce_challenge(attempt.code_verifier)]
    assert query["redirect_uri"] == ["http://testserver/identity/oidc/callback/"]
    assert query["client_id"] == [oidc.client_id]
    assert attempt.expires_at - attempt.created_at == datetime.timedelta(minutes=10)


def test_verified_citizen_is_approved(client, oidc, applicant):
    finish(client, sign_in_at_provider(client, applicant, oidc))
    attempt = only_attempt(applicant)
    assert attempt.status == AttemptStatus.APPROVED
    assert attempt.code_verifier == ""  # the PKCE secret is not kept
    assert attempt.evidence["result"]["claims"]["idn"] == applicant.civil_id
    assert attempt.evidence["result"]["id_token"].count(".") == 2
    applicant.refresh_from_db()
    assert applicant.is_identity_verified
    assert oidc.count("GET", "/.well-known/openid-configuration") == 1


def test_id_claim_from_userinfo_as_uae_pass_sends_it(client, oidc, applicant):
    finish(client, sign_in_at_provider(client, applicant, oidc, persona="verified_userinfo"))
    attempt = only_attempt(applicant)
    assert attempt.status == AttemptStatus.APPROVED
    assert attempt.evidence["result"]["userinfo"]["idn"] == applicant.civil_id


def test_the_id_claim_is_configurable_for_esignet(client, oidc, applicant, settings):
    settings.OIDC_ID_CLAIM = oidc.id_claim = "individual_id"
    finish(client, sign_in_at_provider(client, applicant, oidc))
    assert only_attempt(applicant).status == AttemptStatus.APPROVED


def test_account_without_the_id_claim_is_assurance_too_low(client, oidc, applicant):
    finish(client, sign_in_at_provider(client, applicant, oidc, persona="no_id_claim"))
    attempt = only_attempt(applicant)
    assert (attempt.status, attempt.reason) == (
        AttemptStatus.REJECTED,
        Reason.ASSURANCE_TOO_LOW,
    )
    page = client.get("/identity/verify/").content.decode()
    assert 'data-reason="assurance_too_low"' in page


def test_bad_nonce_is_a_correlation_mismatch(client, oidc, applicant):
    finish(client, sign_in_at_provider(client, applicant, oidc, persona="bad_nonce"))
    attempt = only_attempt(applicant)
    assert (attempt.status, attempt.reason) == (
        AttemptStatus.ERROR,
        Reason.CORRELATION_MISMATCH,
    )
    applicant.refresh_from_db()
    assert not applicant.is_identity_verified


def test_wrong_audience_is_token_invalid(client, oidc, applicant):
    finish(client, sign_in_at_provider(client, applicant, oidc, persona="wrong_audience"))
    attempt = only_attempt(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)


def test_another_persons_id_is_an_id_mismatch(client, oidc, applicant):
    other = ApplicantUserFactory.build().civil_id
    finish(client, sign_in_at_provider(client, applicant, oidc, national_id=other))
    attempt = only_attempt(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.ID_MISMATCH)


def test_callback_replayed_after_the_end_changes_nothing(client, oidc, applicant):
    callback = sign_in_at_provider(client, applicant, oidc)
    finish(client, callback)
    finish(client, callback)
    attempt = only_attempt(applicant)
    assert attempt.status == AttemptStatus.APPROVED
    assert oidc.count("POST", "/token") == 1
    finished = AuditEntry.objects.filter(action="identity.verification_approved")
    assert finished.count() == 1


def test_code_used_twice_is_refused_by_the_provider(client, oidc, applicant):
    """A code already redeemed, injected into a new attempt, is refused: token_invalid."""
    first_callback = sign_in_at_provider(client, applicant, oidc, persona="no_id_claim")
    finish(client, first_callback)
    old_code = parse_qs(urlsplit(first_callback).query)["code"][0]

    client.post(START)
    attempt = VerificationAttempt.objects.get(user=applicant, status=AttemptStatus.PENDING)
    finish(client, f"/identity/oidc/callback/?code={old_code}&state={attempt.provider_reference}")

    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)
    assert oidc.count("POST", "/token") == 2


def test_code_of_another_attempt_fails_the_pkce_check(client, oidc, applicant):
    sign_in_at_provider(client, applicant, oidc)  # this attempt's code is never redeemed
    stolen = next(iter(oidc.grants))
    first = only_attempt(applicant)
    client.post(f"/identity/attempts/{first.pk}/cancel/")

    client.post(START)
    attempt = VerificationAttempt.objects.get(user=applicant, status=AttemptStatus.PENDING)
    finish(client, f"/identity/oidc/callback/?code={stolen}&state={attempt.provider_reference}")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)


def test_person_declines_at_the_provider(client, oidc, applicant):
    client.force_login(applicant)
    client.post(START)
    attempt = only_attempt(applicant)
    state = attempt.provider_reference
    finish(client, f"/identity/oidc/callback/?error=access_denied&state={state}")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.USER_CANCELLED)


def test_state_of_another_applicant_is_404(client, oidc, applicant):
    callback = sign_in_at_provider(client, applicant, oidc)
    client.force_login(ApplicantUserFactory())
    assert client.get(callback).status_code == 404
    assert only_attempt(applicant).status == AttemptStatus.PENDING


def test_token_endpoint_failure_stays_pending_and_the_retry_succeeds(client, oidc, applicant):
    callback = sign_in_at_provider(client, applicant, oidc)
    oidc.fail_next("500", path="/token")
    finish(client, callback)
    assert only_attempt(applicant).status == AttemptStatus.PENDING
    finish(client, callback)
    assert only_attempt(applicant).status == AttemptStatus.APPROVED


def test_wrong_client_secret_is_a_misconfiguration(client, oidc, applicant, settings):
    callback = sign_in_at_provider(client, applicant, oidc)
    settings.OIDC_CLIENT_SECRET = "wrong"
    finish(client, callback)
    attempt = only_attempt(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)


def test_discovery_for_another_issuer_is_a_misconfiguration(client, oidc, applicant):
    oidc.issuer_override = "https://impostor.example"
    client.force_login(applicant)
    response = client.post(START)
    assert response["Location"] == "/identity/verify/"
    attempt = only_attempt(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)


def test_local_expiry_after_ten_minutes(client, oidc, applicant):
    callback = sign_in_at_provider(client, applicant, oidc)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10, seconds=1)):
        finish(client, callback)
    attempt = only_attempt(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.EXPIRED, Reason.LOCAL_TIMEOUT)
    assert oidc.count("POST", "/token") == 0


def test_verify_page_allows_the_form_to_redirect_to_the_provider(client, oidc, applicant):
    client.force_login(applicant)
    policy = client.get("/identity/verify/")["Content-Security-Policy"]
    form_action = next(p for p in policy.split(";") if p.strip().startswith("form-action"))
    assert oidc.url in form_action
    assert "'self'" in form_action


def test_pending_attempt_offers_to_continue_at_the_provider(client, oidc, applicant):
    client.force_login(applicant)
    client.post(START)
    page = client.get("/identity/verify/").content.decode()
    assert f'href="{oidc.url}/authorize?' in page
