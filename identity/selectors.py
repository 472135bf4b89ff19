"""Reads of the identity app, always scoped to the person asking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from identity.models import AttemptStatus, Provider, VerificationAttempt

if TYPE_CHECKING:
    from accounts.models import User


def attempt_for_applicant(user: User, pk: int) -> VerificationAttempt:
    """One of ``user``'s own attempts; 404 for anyone else's (their existence is not revealed)."""
    return get_object_or_404(VerificationAttempt, pk=pk, user=user)


def oidc_attempt_for_applicant(user: User, state: str) -> VerificationAttempt:
    """The OpenID attempt ``user`` started with this ``state``; 404 otherwise."""
    if not state:
        raise Http404
    return get_object_or_404(
        VerificationAttempt, user=user, provider=Provider.OIDC, provider_reference=state
    )


def latest_attempt_of(user: User) -> VerificationAttempt | None:
    """What the verification page shows: the waiting attempt, else the most recent one."""
    attempts = VerificationAttempt.objects.filter(user=user)
    pending = attempts.filter(status=AttemptStatus.PENDING).first()
    return pending or attempts.order_by("-created_at", "-id").first()


def pending_attempt_of(user: User) -> VerificationAttempt | None:
    return VerificationAttempt.objects.filter(user=user, status=AttemptStatus.PENDING).first()


def simulator_pending_attempts(civil_id: str) -> QuerySet[VerificationAttempt]:
    """For the simulator's phone page (development only): what is waiting on this "phone"."""
    return VerificationAttempt.objects.filter(
        provider=Provider.SIMULATOR, civil_id=civil_id, status=AttemptStatus.PENDING
    ).exclude(provider_reference="")


def simulator_pending_attempt(civil_id: str, pk: int) -> VerificationAttempt:
    return get_object_or_404(simulator_pending_attempts(civil_id), pk=pk)
