"""The core: the one transition, constraints, abuse limits, expiry, require_verified, and the
simulator provider end to end."""

from __future__ import annotations

import datetime
import logging
import stat

import jwt
import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from identity import exceptions, services
from identity.models import AttemptStatus, Reason, VerificationAttempt
from identity.tasks import expire_stale_attempts
from tests.factories import ApplicantUserFactory, StaffUserFactory
from tests.identity.stubs import throwaway_key

pytestmark = pytest.mark.django_db


def start(user, ip="192.0.2.30"):
    return services.verification_start(user=user, client_ip=ip)


def poll(attempt):
    return services.verification_poll(user=attempt.user, attempt=attempt)


def answer_on_phone(attempt, *, approve=True):
    services.simulator_phone_answer(attempt=attempt, approve=approve)


# --- require_verified (called by the request-submission service) --------------------------
def test_require_verified_refuses_an_unverified_applicant():
    with pytest.raises(exceptions.VerificationRequired):
        services.require_verified(ApplicantUserFactory())


def test_require_verified_accepts_once_the_identity_app_approved(applicant):
    with pytest.raises(exceptions.VerificationRequired):
        services.require_verified(applicant)
    attempt = start(applicant)
    answer_on_phone(attempt)
    poll(attempt)
    applicant.refresh_from_db()
    assert applicant.is_identity_verified
    services.require_verified(applicant)  # raises VerificationRequired no more


# --- start ------------------------------------------------------------------------------------
def test_start_records_a_pending_attempt_and_an_audit_entry(applicant):
    attempt = start(applicant)
    assert attempt.status == AttemptStatus.PENDING
    assert attempt.civil_id == applicant.civil_id
    assert attempt.provider == "simulator"
    assert attempt.client_ip == "192.0.2.30"
    assert len(attempt.match_code) == 2
    assert attempt.expires_at - attempt.created_at == datetime.timedelta(seconds=120)
    entry = AuditEntry.objects.get(action="identity.verification_started")
    assert entry.actor == applicant
    assert entry.object_id == str(attempt.pk)
    assert entry.data == {"provider": "simulator", "civil_id": "…" + applicant.civil_id[-4:]}
    assert entry.ip_address == "192.0.2.30"


def test_staff_cannot_start():
    with pytest.raises(exceptions.VerificationNotAllowed):
        start(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))


def test_a_stale_pending_attempt_does_not_block_a_new_start(applicant):
    old = start(applicant)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=121)):
        new = start(applicant)
    old.refresh_from_db()
    assert (old.status, old.reason) == (AttemptStatus.EXPIRED, Reason.LOCAL_TIMEOUT)
    assert new.status == AttemptStatus.PENDING


# --- database constraints ---------------------------------------------------------------------
def _row(user, **fields):
    now = timezone.now()
    values = {
        "user": user,
        "provider": "simulator",
        "civil_id": user.civil_id,
        "created_at": now,
        "expires_at": now + datetime.timedelta(seconds=120),
        **fields,
    }
    return VerificationAttempt(**values)


def test_database_allows_one_pending_attempt_per_user(applicant):
    _row(applicant).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(applicant).save()
    _row(applicant, status=AttemptStatus.EXPIRED, finished_at=timezone.now()).save()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": AttemptStatus.APPROVED},
        {"status": AttemptStatus.PENDING, "finished_at": timezone.now()},
        {"status": "bogus", "finished_at": timezone.now()},
    ],
    ids=["terminal-without-end", "pending-with-end", "unknown-status"],
)
def test_database_rejects_inconsistent_end_times(applicant, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(applicant, **fields).save()


# --- the one transition -------------------------------------------------------------------
def test_terminal_states_never_change(applicant):
    attempt = start(applicant)
    answer_on_phone(attempt, approve=False)
    attempt = poll(attempt)
    assert attempt.status == AttemptStatus.REJECTED
    assert services.verification_cancel(user=applicant, attempt=attempt) is False
    answer_on_phone(attempt, approve=True)
    assert poll(attempt).status == AttemptStatus.REJECTED
    assert AuditEntry.objects.filter(action="identity.verification_rejected").count() == 1


def test_cancel_ends_the_attempt_as_user_cancelled(applicant):
    attempt = start(applicant)
    assert services.verification_cancel(user=applicant, attempt=attempt) is True
    attempt.refresh_from_db()
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.USER_CANCELLED)
    assert attempt.finished_at is not None


def test_approval_binds_only_the_accounts_own_civil_id(applicant):
    attempt = start(applicant)
    answer_on_phone(attempt)
    # The account's civil ID changed after the attempt started: the proof no longer fits it.
    type(applicant).objects.filter(pk=applicant.pk).update(
        civil_id=ApplicantUserFactory.build().civil_id
    )
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.REJECTED, Reason.ID_MISMATCH)
    applicant.refresh_from_db()
    assert applicant.identity_verified_at is None


# --- abuse limits -----------------------------------------------------------------------------
def test_at_most_three_pushes_per_civil_id_in_ten_minutes(applicant):
    for _ in range(3):
        services.verification_cancel(user=applicant, attempt=start(applicant))
    with pytest.raises(exceptions.VerificationRateLimited):
        start(applicant, ip="198.51.100.1")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10, seconds=1)):
        assert start(applicant).status == AttemptStatus.PENDING


def test_per_address_limit_across_accounts(settings):
    settings.IDENTITY_START_LIMIT_PER_IP = 2
    start(ApplicantUserFactory(), ip="203.0.113.7")
    start(ApplicantUserFactory(), ip="203.0.113.7")
    with pytest.raises(exceptions.VerificationRateLimited):
        start(ApplicantUserFactory(), ip="203.0.113.7")
    assert start(ApplicantUserFactory(), ip="203.0.113.8").is_pending


def test_already_active_does_not_use_up_the_push_limit(applicant):
    start(applicant)
    for _ in range(5):
        with pytest.raises(exceptions.AttemptAlreadyActive):
            start(applicant)


def test_rate_limit_keys_do_not_hold_civil_ids(applicant):
    start(applicant)
    keys = list(cache._cache.keys())  # local-memory cache of the tests
    assert keys
    assert not any(applicant.civil_id in key for key in keys)


def test_polling_the_provider_is_throttled_per_attempt(settings, hawiyati, applicant):
    settings.IDENTITY_PROVIDER_POLL_MIN_SECONDS = 2
    attempt = start(applicant)
    for _ in range(3):
        poll(attempt)
    result_path = f"/api/v1/authentication/{attempt.provider_reference}"
    assert hawiyati.count("GET", result_path) == 1


# --- expiry -----------------------------------------------------------------------------------
def test_expiry_task_ends_only_stale_attempts():
    stale_user, fresh_user = ApplicantUserFactory(), ApplicantUserFactory()
    stale = start(stale_user)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=100)):
        fresh = start(fresh_user, ip="192.0.2.31")
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=130)):
        assert expire_stale_attempts.delay().get() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.reason) == (AttemptStatus.EXPIRED, Reason.LOCAL_TIMEOUT)
    assert fresh.status == AttemptStatus.PENDING
    entry = AuditEntry.objects.get(action="identity.verification_expired")
    assert entry.actor is None


def test_expiry_task_is_scheduled_by_celery_beat():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["identity-expire-stale-attempts"]
    assert schedule["task"] == "identity.tasks.expire_stale_attempts"


# --- the simulator provider -------------------------------------------------------------------
def test_simulator_happy_path(applicant):
    attempt = start(applicant)
    assert poll(attempt).status == AttemptStatus.PENDING
    answer_on_phone(attempt)
    attempt = poll(attempt)
    assert attempt.status == AttemptStatus.APPROVED
    assert jwt.get_unverified_header(attempt.evidence["result"]["signed_result"])["alg"] == "RS256"


def test_simulator_result_signed_by_another_key_is_token_invalid(applicant):
    attempt = start(applicant)
    forged = throwaway_key("simulator-1").sign(
        {
            "aud": "musaada-simulator",
            "civilId": applicant.civil_id,
            "challenge": attempt.nonce,
            "exp": int(timezone.now().timestamp()) + 60,
        }
    )
    cache.set(
        f"identity:simulator:{attempt.provider_reference}",
        {"status": "APPROVED", "signedResult": forged},
    )
    attempt = poll(attempt)
    assert (attempt.status, attempt.reason) == (AttemptStatus.ERROR, Reason.TOKEN_INVALID)


def test_simulator_key_is_generated_once_and_private(settings, tmp_path, applicant):
    settings.IDENTITY_SIMULATOR_KEY_FILE = tmp_path / "key.pem"
    attempt = start(applicant)
    key_file = tmp_path / "key.pem"
    first = key_file.read_bytes()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    answer_on_phone(attempt)
    assert poll(attempt).status == AttemptStatus.APPROVED
    assert key_file.read_bytes() == first


def test_simulator_is_refused_in_production(settings, applicant):
    settings.PRODUCTION = True
    with pytest.raises(exceptions.VerificationUnavailable):
        start(applicant)
    assert not VerificationAttempt.objects.exists()


# --- logs -------------------------------------------------------------------------------------
def test_logs_hold_neither_tokens_nor_whole_civil_ids(applicant, caplog, hawiyati):
    caplog.set_level(logging.DEBUG)
    attempt = start(applicant)
    hawiyati.approve(civil_id=ApplicantUserFactory.build().civil_id)
    poll(attempt)
    attempt = start(ApplicantUserFactory())
    hawiyati.fail_next("500")
    poll(attempt)
    text = caplog.text
    assert "identity" in text
    assert applicant.civil_id not in text
    assert "…" + applicant.civil_id[-4:] in text
    for session in hawiyati.sessions.values():
        if session.signed_result:
            assert session.signed_result not in text
    assert hawiyati.client_secret not in text
