"""A poll and a callback (and the expiry task) racing on one attempt: exactly one transition.

Real threads, each with its own database connection, on the file-backed test database.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from identity import services
from identity.models import AttemptStatus, VerificationAttempt
from tests.concurrency import run_together
from tests.factories import ApplicantUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def transitions(attempt):
    return AuditEntry.objects.filter(
        object_type="identity.verificationattempt", object_id=str(attempt.pk)
    ).exclude(action="identity.verification_started")


@pytest.mark.parametrize("round_", range(3))
def test_poll_and_callback_racing_make_exactly_one_transition(nafath, round_):
    applicant = ApplicantUserFactory()
    nafath.token_in_status = True  # the poll has a signed answer too: both can win
    attempt = services.verification_start(user=applicant, client_ip="192.0.2.50")
    nafath.answer("COMPLETED")
    payload = nafath.callback_payload()

    def poll():
        fresh = VerificationAttempt.objects.get(pk=attempt.pk)
        return services.verification_poll(user=applicant, attempt=fresh).status

    def callback():
        response = Client().post(
            "/identity/nafath/callback/", payload, content_type="application/json"
        )
        return response.status_code

    results = run_together(poll, callback, poll, callback)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[1] == results[3] == 200
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.APPROVED
    assert transitions(attempt).count() == 1
    applicant.refresh_from_db()
    assert applicant.is_identity_verified


def test_callback_and_expiry_task_racing_make_exactly_one_transition(nafath):
    applicant = ApplicantUserFactory()
    attempt = services.verification_start(user=applicant, client_ip="192.0.2.51")
    nafath.answer("COMPLETED", expires_in=3600)
    payload = nafath.callback_payload()
    later = timezone.now() + datetime.timedelta(seconds=121)

    with time_machine.travel(later):
        results = run_together(
            lambda: services.verification_callback(provider_name="nafath", payload=payload),
            services.attempts_expire_stale,
        )

    assert not [r for r in results if isinstance(r, Exception)], results
    attempt.refresh_from_db()
    assert attempt.status in {AttemptStatus.APPROVED, AttemptStatus.EXPIRED}
    assert transitions(attempt).count() == 1
    # Whoever won, the loser reported that it changed nothing.
    assert [bool(results[0]), bool(results[1])].count(True) == 1


# --- Hawiyati: no callback, but several tabs polling, the expiry task and a cancel -----------


@pytest.mark.parametrize("round_", range(3))
def test_hawiyati_polls_and_the_expiry_task_racing_make_exactly_one_transition(hawiyati, round_):
    applicant = ApplicantUserFactory()
    attempt = services.verification_start(user=applicant, client_ip="192.0.2.52")
    hawiyati.approve()
    # Two open tabs still hold the attempt as it was when the page loaded (not yet expired);
    # in the database its lifetime is over, so the expiry task picks it up at the same moment.
    tabs = [VerificationAttempt.objects.get(pk=attempt.pk) for _ in range(2)]
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    results = run_together(
        lambda: services.verification_poll(user=applicant, attempt=tabs[0]).status,
        services.attempts_expire_stale,
        lambda: services.verification_poll(user=applicant, attempt=tabs[1]).status,
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    attempt.refresh_from_db()
    assert attempt.status in {AttemptStatus.APPROVED, AttemptStatus.EXPIRED}
    assert transitions(attempt).count() == 1
    # Every poll reports the one outcome; the task counts an expiry only if it won.
    assert results[0] == results[2] == attempt.status
    assert results[1] == (1 if attempt.status == AttemptStatus.EXPIRED else 0)
    applicant.refresh_from_db()
    assert applicant.is_identity_verified == (attempt.status == AttemptStatus.APPROVED)


@pytest.mark.parametrize("round_", range(3))
def test_hawiyati_poll_and_cancel_racing_make_exactly_one_transition(hawiyati, round_):
    applicant = ApplicantUserFactory()
    attempt = services.verification_start(user=applicant, client_ip="192.0.2.53")
    hawiyati.approve()

    def poll():
        fresh = VerificationAttempt.objects.get(pk=attempt.pk)
        return services.verification_poll(user=applicant, attempt=fresh).status

    def cancel():
        fresh = VerificationAttempt.objects.get(pk=attempt.pk)
        return services.verification_cancel(user=applicant, attempt=fresh)

    results = run_together(poll, cancel)

    assert not [r for r in results if isinstance(r, Exception)], results
    attempt.refresh_from_db()
    assert attempt.status in {AttemptStatus.APPROVED, AttemptStatus.REJECTED}
    assert transitions(attempt).count() == 1
    assert results[1] == (attempt.status == AttemptStatus.REJECTED)
