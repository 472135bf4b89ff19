"""The Hawiyati adapter against a real stub HTTP server: every scenario of IDENTITY.md."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry
from identity import exceptions, services
from identity.models import AttemptStatus, Reason
from tests.factories import ApplicantUserFactory
from tests.identity.stubs import throwaway_key
from tests.identity.stubs.hawiyati import HawiyatiStub

pytestmark = pytest.mark.django_db
RESULT = "/api/v1/authentication/{}"


def start(user):
    return services.verification_start(user=user, client_ip="192.0.2.10")


def poll(attempt):
    return services.verification_poll(user=attempt.user, attempt=attempt)


def finished_entries(attempt):
    return AuditEntry.objects.filter(
        object_type="identity.verificationattempt",
        object_id=str(attempt.pk),
        action__startswith="identity.verification_",
    ).exclude(action="identity.verification_started")


def test_happy_path_approves_and_binds_the_identity(hawiyati, applicant):
    attempt = start(applicant)
    assert attempt.status == AttemptStatus.PENDING
    session = hawiyati.latest
    assert attempt.provider_reference == session.request_id
    assert attempt.match_code == session.code
    assert session.civil_id == applicant.civil_id
    # the phone shows the name in the applicant's language (Arabic by default)
    assert session.display_text == "بوابة مساعدة التجريبية"
    assert session.challenge == attempt.nonce

    assert poll(attempt).status == AttemptStatus.PENDING  # the person has not answered yet
    hawiyati.approve()
    attempt = poll(attempt)

    assert attempt.status == AttemptStatus.APPROVED
    assert attempt.finished_at is not None
    assert attempt.evidence["result"]["signed_result"] == session.signed_result
    assert attempt.evidence["result"]["claims"]["civilId"] == applicant.civil_id
    applicant.refresh_from_db()
    assert applicant.is_identity_verified
    entry = finished_entries(attempt).get()
    assert entry.action == "identity.verification_approved"
    assert entry.applicant_id == applicant.pk
    assert entry.data["civil_id"] == "…" + applicant.civil_id[-4:]


def test_person_rejects(hawiyati, applicant):
    attempt = start(applicant)
    hawiyati.set_status("REJECTED")
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.USER_CANCELLED)
    applicant.refresh_from_db()
    assert not applicant.is_identity_verified


def test_provider_expiry(hawiyati, applicant):
    attempt = start(applicant)
    hawiyati.set_status("EXPIRED")
    assert poll(attempt).status == AttemptStatus.EXPIRED


def test_local_expiry_without_asking_the_provider(hawiyati, applicant):
    attempt = start(applicant)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=121)):
        attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.EXPIRED, Reason.LOCAL_TIMEOUT)
    assert hawiyati.count("GET", RESULT.format(attempt.provider_reference)) == 0


def test_late_answer_after_local_expiry_changes_nothing(hawiyati, applicant):
    attempt = start(applicant)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=121)):
        poll(attempt)
    hawiyati.approve()
    attempt.refresh_from_db()
    attempt = poll(attempt)
    assert attempt.status == AttemptStatus.EXPIRED
    applicant.refresh_from_db()
    assert not applicant.is_identity_verified
    assert finished_entries(attempt).count() == 1


def test_replayed_result_after_the_end_changes_nothing(hawiyati, applicant):
    attempt = start(applicant)
    hawiyati.approve()
    attempt = poll(attempt)
    hawiyati.set_status("REJECTED")
    attempt = poll(attempt)
    assert attempt.status == AttemptStatus.APPROVED
    assert finished_entries(attempt).count() == 1


@pytest.mark.parametrize(
    ("forgery", "detail"),
    [
        ({"key": throwaway_key("attacker"), "kid": "hawiyati-1"}, "wrong key, known kid"),
        ({"key": throwaway_key("attacker")}, "wrong key, unknown kid"),
        ({"audience": "another-relying-party"}, "wrong audience"),
        ({"expires_in": -120}, "expired beyond the leeway"),
        ({"issuer": "another-identity-provider"}, "another issuer"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_forged_token_is_an_error(hawiyati, applicant, forgery, detail):
    attempt = start(applicant)
    hawiyati.approve(**forgery)
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)
    applicant.refresh_from_db()
    assert not applicant.is_identity_verified


def test_token_expired_within_the_leeway_is_accepted(hawiyati, applicant):
    attempt = start(applicant)
    hawiyati.approve(expires_in=-30)  # leeway is 60 s
    assert poll(attempt).status == AttemptStatus.APPROVED


def test_approved_without_a_signed_result_is_not_proof(hawiyati, applicant):
    attempt = start(applicant)
    hawiyati.set_status("APPROVED")
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)


def test_result_signed_over_another_challenge_is_a_correlation_mismatch(hawiyati, applicant):
    attempt = start(applicant)
    hawiyati.approve(challenge="someone-elses-challenge")
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (
        AttemptStatus.ERROR,
        Reason.CORRELATION_MISMATCH,
    )


def test_key_rotation_costs_one_refresh_then_succeeds(hawiyati):
    first, second = ApplicantUserFactory(), ApplicantUserFactory()
    attempt = start(first)
    hawiyati.approve()
    assert poll(attempt).status == AttemptStatus.APPROVED
    assert hawiyati.count("GET", "/.well-known/jwks.json") == 1  # cached from now on

    hawiyati.rotate(throwaway_key("hawiyati-2"))
    attempt = start(second)
    hawiyati.approve()
    assert poll(attempt).status == AttemptStatus.APPROVED
    assert hawiyati.count("GET", "/.well-known/jwks.json") == 2


def test_token_for_another_person_is_an_id_mismatch(hawiyati, applicant):
    attempt = start(applicant)
    other = ApplicantUserFactory.build().civil_id
    hawiyati.approve(civil_id=other)
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.ID_MISMATCH)
    assert attempt.evidence["claimed_id_suffix"] == other[-4:]
    applicant.refresh_from_db()
    assert not applicant.is_identity_verified


def test_second_start_while_pending_is_already_active_and_pushes_nothing(hawiyati, applicant):
    start(applicant)
    with pytest.raises(exceptions.AttemptAlreadyActive) as raised:
        start(applicant)
    assert raised.value.reason == Reason.ALREADY_ACTIVE
    assert hawiyati.count("POST", "/api/v1/authentication") == 1


def test_second_start_while_pending_is_shown_to_the_person(hawiyati, applicant, client):
    client.force_login(applicant)
    client.post("/identity/verify/start/")
    response = client.post("/identity/verify/start/", follow=True)
    assert "already waiting for your answer" in response.content.decode()


@pytest.mark.parametrize("failure", ["500", "reset", "slow"])
def test_transient_failure_stays_pending_and_the_next_poll_succeeds(
    hawiyati, applicant, settings, failure
):
    settings.IDENTITY_HTTP_READ_TIMEOUT = 0.3
    attempt = start(applicant)
    hawiyati.approve()
    hawiyati.fail_next(failure, path=RESULT.format(attempt.provider_reference), delay=1.0)
    attempt = poll(attempt)
    assert attempt.status == AttemptStatus.PENDING
    assert attempt.reason == ""
    assert poll(attempt).status == AttemptStatus.APPROVED


def test_transient_failure_at_start_ends_the_attempt_so_the_person_can_retry(hawiyati, applicant):
    hawiyati.fail_next("500", path="/api/v1/availability")
    attempt = start(applicant)
    assert (attempt.status, attempt.reason) == (
        AttemptStatus.ERROR,
        Reason.PROVIDER_UNAVAILABLE,
    )
    assert start(applicant).status == AttemptStatus.PENDING


@pytest.mark.parametrize("path", ["/api/v1/availability", "/api/v1/authentication", "result"])
def test_misconfiguration_403_is_an_error(hawiyati, applicant, path):
    if path == "result":
        attempt = start(applicant)
        hawiyati.fail_next("403", path=RESULT.format(attempt.provider_reference))
        attempt = poll(attempt)
    else:
        hawiyati.fail_next("403", path=path)
        attempt = start(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)


def test_wrong_credentials_are_a_misconfiguration(hawiyati, applicant, settings):
    settings.HAWIYATI_CLIENT_SECRET = "not-the-secret"
    attempt = start(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)


def test_missing_base_url_is_a_misconfiguration(hawiyati, applicant, settings):
    settings.HAWIYATI_BASE_URL = ""
    attempt = start(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)


def test_not_enrolled_is_an_error_with_a_help_link(hawiyati, applicant, client):
    hawiyati.not_enrolled.add(applicant.civil_id)
    client.force_login(applicant)
    response = client.post("/identity/verify/start/", follow=True)
    attempt = applicant.verification_attempts.get()
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.NOT_ENROLLED)
    assert hawiyati.count("POST", "/api/v1/authentication") == 0  # no push sent
    page = response.content.decode()
    assert 'data-reason="not_enrolled"' in page
    assert 'href="https://help.example/enrol"' in page


#: Another provider's wire format: every path, field, status, claim, the issuer and the
#: authentication differ from the default table (Estonian Mobile-ID-like names).
RENAMED = {
    "paths": {
        "availability": "/mid/v2/can-authenticate",
        "push": "/mid/v2/sessions",
        "result": "/mid/v2/sessions/{request_id}/answer",
        "jwks": "/mid/v2/signing-keys",
    },
    "auth": "bearer",
    "request_fields": {
        "civil_id": "nationalIdentityNumber",
        "reference": "relyingPartyRequestId",
        "challenge": "hash",
        "display_text": "displayText60",
    },
    "response_fields": {
        "available": "canAuthenticate",
        "request_id": "sessionID",
        "match_code": "verificationCode4",
        "status": "state",
        "signed_result": "signature",
    },
    "statuses": {"PENDING_USER": "pending", "SIGNED": "approved", "USER_DECLINED": "rejected"},
    "claims": {"civil_id": "sub", "challenge": "hash"},
    "issuer": "https://paci.example/mid",
    "audience": "musaada-portal",
}


@pytest.fixture
def renamed_hawiyati(settings):
    """A provider speaking the RENAMED wire format, and the settings carrying that table."""
    with HawiyatiStub(
        client_id="musaada-portal", client_secret="bearer-token", wire=RENAMED
    ) as stub:
        settings.IDENTITY_PROVIDER = "hawiyati"
        settings.HAWIYATI_BASE_URL = stub.url
        settings.HAWIYATI_CLIENT_ID = "musaada-portal"
        settings.HAWIYATI_CLIENT_SECRET = "bearer-token"
        settings.HAWIYATI_MAPPING = {**settings.HAWIYATI_MAPPING, **RENAMED}
        yield stub


def test_the_mapping_table_renames_the_whole_wire_format(renamed_hawiyati, applicant):
    """The real specification changes only HAWIYATI_MAPPING: paths, fields, statuses, claims,
    issuer and authentication all follow it."""
    stub = renamed_hawiyati
    attempt = start(applicant)
    assert attempt.status == AttemptStatus.PENDING, attempt.reason
    session = stub.latest
    # The stub understood every renamed request field (it refuses a request missing one).
    assert (session.civil_id, session.challenge) == (applicant.civil_id, attempt.nonce)
    assert session.reference == f"musaada-{attempt.pk}"
    assert (attempt.provider_reference, attempt.match_code) == (session.request_id, session.code)
    assert [r.path for r in stub.requests] == ["/mid/v2/can-authenticate", "/mid/v2/sessions"]
    assert all(r.headers["authorization"] == "Bearer bearer-token" for r in stub.requests)

    stub.set_status("PENDING_USER")
    assert poll(attempt).status == AttemptStatus.PENDING
    stub.approve(status="SIGNED")
    attempt = poll(attempt)

    assert attempt.status == AttemptStatus.APPROVED, attempt.reason
    assert attempt.evidence["result"]["claims"]["sub"] == applicant.civil_id
    assert stub.count("GET", f"/mid/v2/sessions/{session.request_id}/answer") == 2
    assert stub.count("GET", "/mid/v2/signing-keys") == 1
    applicant.refresh_from_db()
    assert applicant.is_identity_verified


def test_the_renamed_table_also_maps_a_refusal(renamed_hawiyati, applicant):
    attempt = start(applicant)
    renamed_hawiyati.set_status("USER_DECLINED")
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.USER_CANCELLED)


def test_the_renamed_table_checks_its_own_issuer(renamed_hawiyati, applicant):
    attempt = start(applicant)
    renamed_hawiyati.approve(status="SIGNED", issuer="stub-hawiyati")  # the default table's
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)


def test_a_mapping_without_an_issuer_is_a_misconfiguration(hawiyati, applicant, settings):
    settings.HAWIYATI_MAPPING = {**settings.HAWIYATI_MAPPING, "issuer": ""}
    attempt = start(applicant)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)
    assert hawiyati.requests == []  # nothing was sent


def test_a_status_missing_from_the_mapping_is_a_misconfiguration(hawiyati, applicant):
    attempt = start(applicant)
    hawiyati.set_status("SOMETHING_NEW")
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.MISCONFIGURED)
