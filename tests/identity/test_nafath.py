"""The Nafath adapter and its callback against a real stub HTTP server: every scenario."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from identity import exceptions, services
from identity.models import AttemptStatus, Reason, VerificationAttempt
from tests.factories import ApplicantUserFactory
from tests.identity.stubs import throwaway_key

pytestmark = pytest.mark.django_db
CALLBACK = "/identity/nafath/callback/"
STATUS = "/api/v1/mfa/request/status"


def start(user):
    return services.verification_start(user=user, client_ip="192.0.2.20")


def poll(attempt):
    return services.verification_poll(user=attempt.user, attempt=attempt)


def send_callback(client, payload):
    """As Nafath sends it: no session, no CSRF token (the signature is the authentication)."""
    return Client(enforce_csrf_checks=True).post(CALLBACK, payload, content_type="application/json")


def finished_entries(attempt):
    return AuditEntry.objects.filter(
        object_type="identity.verificationattempt", object_id=str(attempt.pk)
    ).exclude(action="identity.verification_started")


def test_start_sends_the_national_id_and_shows_the_random_number(nafath, applicant):
    attempt = start(applicant)
    transaction = nafath.latest
    request = nafath.requests[-1]
    assert request.path == "/api/v1/mfa/request"
    assert request.query["local"] == ["ar"]
    assert request.query["requestId"] == [transaction.request_id]
    assert transaction.national_id == applicant.civil_id
    assert transaction.service == "Login"
    assert attempt.provider_reference == transaction.trans_id
    assert attempt.match_code == transaction.random
    assert attempt.evidence["start"]["request_id"] == transaction.request_id


def test_happy_path_through_the_signed_callback(nafath, applicant, client):
    attempt = start(applicant)
    assert poll(attempt).status == AttemptStatus.PENDING
    nafath.answer("COMPLETED")
    # Polling now says COMPLETED, unsigned: not proof, the attempt keeps waiting.
    assert poll(attempt).status == AttemptStatus.PENDING

    response = send_callback(client, nafath.callback_payload())

    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.APPROVED
    assert attempt.evidence["result"]["token"] == nafath.latest.token
    applicant.refresh_from_db()
    assert applicant.is_identity_verified
    assert finished_entries(attempt).get().action == "identity.verification_approved"


def test_happy_path_through_a_signed_token_in_the_status_answer(nafath, applicant):
    nafath.token_in_status = True
    attempt = start(applicant)
    nafath.answer("COMPLETED")
    assert poll(attempt).status == AttemptStatus.APPROVED


def test_person_rejects_seen_by_polling(nafath, applicant):
    attempt = start(applicant)
    nafath.set_status("REJECTED")
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.USER_CANCELLED)


def test_person_rejects_seen_by_the_callback(nafath, applicant, client):
    attempt = start(applicant)
    nafath.answer("REJECTED")
    assert send_callback(client, nafath.callback_payload()).status_code == 200
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.USER_CANCELLED)


def test_provider_expiry(nafath, applicant):
    attempt = start(applicant)
    nafath.set_status("EXPIRED")
    assert poll(attempt).status == AttemptStatus.EXPIRED


def test_local_expiry(nafath, applicant):
    attempt = start(applicant)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=121)):
        attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.EXPIRED, Reason.LOCAL_TIMEOUT)
    assert nafath.count("POST", STATUS) == 0


def test_late_callback_after_local_expiry_is_answered_200_and_changes_nothing(
    nafath, applicant, client
):
    attempt = start(applicant)
    nafath.answer("COMPLETED", expires_in=3600)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=121)):
        services.attempts_expire_stale()
        response = send_callback(client, nafath.callback_payload())
    assert response.status_code == 200
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.EXPIRED, Reason.LOCAL_TIMEOUT)
    applicant.refresh_from_db()
    assert not applicant.is_identity_verified


def test_replayed_callback_is_answered_200_and_changes_nothing(nafath, applicant, client):
    attempt = start(applicant)
    nafath.answer("COMPLETED")
    payload = nafath.callback_payload()
    assert send_callback(client, payload).status_code == 200
    assert send_callback(client, payload).status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.APPROVED
    assert finished_entries(attempt).count() == 1


def test_callback_for_an_unknown_transaction_creates_nothing(nafath, applicant, client):
    start(applicant)
    nafath.answer("COMPLETED", trans_id="made-up-transaction", national_id="1123456780")
    users, attempts = User.objects.count(), VerificationAttempt.objects.count()
    response = send_callback(client, {**nafath.callback_payload(), "transId": None})
    assert response.status_code == 200
    assert (User.objects.count(), VerificationAttempt.objects.count()) == (users, attempts)
    assert not User.objects.filter(civil_id="1123456780").exists()


@pytest.mark.parametrize(
    "forgery",
    [
        {"key": throwaway_key("attacker"), "kid": "nafath-1"},
        {"key": throwaway_key("attacker")},
        {"audience": "another-app"},
        {"expires_in": -300},
    ],
    ids=["wrong-key-known-kid", "wrong-key-unknown-kid", "wrong-audience", "expired"],
)
def test_forged_callback_is_refused_and_ends_the_attempt_as_token_invalid(
    nafath, applicant, client, forgery
):
    """IDENTITY.md: forged token → error, token_invalid. Refused with 400 all the same."""
    attempt = start(applicant)
    nafath.answer("COMPLETED", **forgery)
    response = send_callback(client, nafath.callback_payload())
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)
    assert attempt.evidence["result"] == {"callback": "untrusted token"}
    assert finished_entries(attempt).get().action == "identity.verification_error"
    applicant.refresh_from_db()
    assert not applicant.is_identity_verified
    # The genuine answer arriving later changes nothing: the person starts again.
    nafath.answer("COMPLETED")
    assert send_callback(client, nafath.callback_payload()).status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ERROR


def _unsigned(claims, alg="none"):
    import base64
    import json

    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b.c",
        "garbage-with-a-transId",
        "unsigned",
        "hmac",
    ],
)
def test_garbage_naming_a_pending_transaction_changes_nothing(nafath, applicant, client, token):
    """Anyone may post garbage with a guessed transId: that must not end anyone's attempt."""
    import jwt as pyjwt

    attempt = start(applicant)
    trans_id = nafath.latest.trans_id
    claims = {"transId": trans_id, "status": "COMPLETED", "nationalId": applicant.civil_id}
    token = {
        "garbage-with-a-transId": f"{trans_id}.{trans_id}.",
        "unsigned": _unsigned(claims),
        "hmac": pyjwt.encode(claims, "a-shared-secret-of-enough-length!", algorithm="HS256"),
    }.get(token, token)
    response = send_callback(client, {"token": token, "transId": trans_id})
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING
    assert not finished_entries(attempt).exists()


def test_a_forged_token_whose_body_names_another_transaction_changes_nothing(nafath, client):
    first, second = ApplicantUserFactory(), ApplicantUserFactory()
    attempt_one = start(first)
    attempt_two = start(second)
    nafath.answer("COMPLETED", key=throwaway_key("attacker"))  # names the second attempt
    payload = {**nafath.callback_payload(), "transId": attempt_one.provider_reference}
    assert send_callback(client, payload).status_code == 400
    for attempt in (attempt_one, attempt_two):
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.PENDING


def test_a_forged_token_for_a_finished_attempt_changes_nothing(nafath, applicant, client):
    attempt = start(applicant)
    nafath.answer("COMPLETED")
    assert send_callback(client, nafath.callback_payload()).status_code == 200
    nafath.answer("REJECTED", key=throwaway_key("attacker"))
    assert send_callback(client, nafath.callback_payload()).status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.APPROVED
    assert finished_entries(attempt).count() == 1


@pytest.mark.parametrize(
    "forgery",
    [
        {"key": throwaway_key("attacker"), "kid": "nafath-1"},
        {"audience": "another-app"},
        {"expires_in": -300},
    ],
    ids=["wrong-key", "wrong-audience", "expired"],
)
def test_forged_token_from_the_provider_channel_is_an_error(nafath, applicant, forgery):
    nafath.token_in_status = True
    attempt = start(applicant)
    nafath.answer("COMPLETED", **forgery)
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)


def test_callback_without_a_token_is_refused(nafath, applicant, client):
    start(applicant)
    assert send_callback(client, {"transId": nafath.latest.trans_id}).status_code == 400
    assert client.post(CALLBACK, "not json", content_type="application/json").status_code == 400


def test_callback_whose_body_names_another_transaction_is_refused(nafath, client):
    first, second = ApplicantUserFactory(), ApplicantUserFactory()
    attempt_one = start(first)
    start(second)
    nafath.answer("COMPLETED")
    payload = {**nafath.callback_payload(), "transId": attempt_one.provider_reference}
    assert send_callback(client, payload).status_code == 400
    attempt_one.refresh_from_db()
    assert attempt_one.status == AttemptStatus.PENDING


def test_key_rotation_costs_one_refresh_then_succeeds(nafath, client):
    first, second = ApplicantUserFactory(), ApplicantUserFactory()
    start(first)
    nafath.answer("COMPLETED")
    send_callback(client, nafath.callback_payload())
    assert nafath.count("GET", "/api/v1/mfa/jwk") == 1

    nafath.rotate(throwaway_key("nafath-2"))
    attempt = start(second)
    nafath.answer("COMPLETED")
    assert send_callback(client, nafath.callback_payload()).status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.APPROVED
    assert nafath.count("GET", "/api/v1/mfa/jwk") == 2


def test_token_for_another_person_is_an_id_mismatch(nafath, applicant, client):
    attempt = start(applicant)
    nafath.answer("COMPLETED", national_id=ApplicantUserFactory.build().civil_id)
    assert send_callback(client, nafath.callback_payload()).status_code == 200
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.ID_MISMATCH)
    applicant.refresh_from_db()
    assert not applicant.is_identity_verified


def test_second_start_while_pending_is_already_active(nafath, applicant):
    start(applicant)
    with pytest.raises(exceptions.AttemptAlreadyActive):
        start(applicant)
    assert nafath.count("POST", "/api/v1/mfa/request") == 1


def test_second_start_while_pending_is_shown_to_the_person(nafath, applicant, client):
    client.force_login(applicant)
    client.post("/identity/verify/start/")
    response = client.post("/identity/verify/start/", follow=True)
    page = response.content.decode()
    assert "already waiting for your answer" in page
    # The waiting attempt, with its number to pick, is still what the page shows.
    assert f'data-testid="match-code" aria-label="Number to choose">{nafath.latest.random}<' in page
    assert nafath.count("POST", "/api/v1/mfa/request") == 1


@pytest.mark.parametrize("failure", ["500", "reset", "slow"])
def test_transient_failure_stays_pending_and_the_next_poll_succeeds(
    nafath, applicant, settings, failure
):
    settings.IDENTITY_HTTP_READ_TIMEOUT = 0.3
    nafath.token_in_status = True
    attempt = start(applicant)
    nafath.answer("COMPLETED")
    nafath.fail_next(failure, path=STATUS, delay=1.0)
    assert poll(attempt).status == AttemptStatus.PENDING
    assert poll(attempt).status == AttemptStatus.APPROVED


def test_callback_while_the_keys_cannot_be_fetched_asks_nafath_to_retry(nafath, applicant, client):
    attempt = start(applicant)
    nafath.answer("COMPLETED")
    nafath.fail_next("500", path="/api/v1/mfa/jwk")
    assert send_callback(client, nafath.callback_payload()).status_code == 503
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING
    assert send_callback(client, nafath.callback_payload()).status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.APPROVED


def test_misconfiguration_403_is_an_error(nafath, applicant):
    nafath.fail_next("403", path="/api/v1/mfa/request")
    attempt = start(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)


def test_misconfiguration_403_while_polling_is_an_error(nafath, applicant):
    attempt = start(applicant)
    nafath.fail_next("403", path=STATUS)
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)


def test_unknown_national_id_is_not_enrolled(nafath, applicant):
    nafath.unknown_ids.add(applicant.civil_id)
    attempt = start(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.NOT_ENROLLED)


def test_callback_is_404_when_nafath_is_not_the_provider(nafath, client, settings):
    settings.IDENTITY_PROVIDER = "hawiyati"
    assert send_callback(client, {"token": "x"}).status_code == 404


def test_callback_accepts_only_post(nafath, client):
    assert client.get(CALLBACK).status_code == 405
