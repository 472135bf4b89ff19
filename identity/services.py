"""Writes of the identity app: start, poll, callback, cancel and expiry of verification attempts.

The core owns persistence, expiry, abuse limits, the binding of the verified national ID to the
account, and the one transition out of ``pending`` (``_finish``); adapters in
``identity/providers/`` only speak their provider's protocol. No database transaction is ever
held open across a call to a provider.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.civil_id import normalise_digits
from accounts.models import User
from audit.services import audit_record
from identity.exceptions import (
    AttemptAlreadyActive,
    CallbackRejected,
    VerificationNotAllowed,
    VerificationRateLimited,
    VerificationRequired,
    VerificationUnavailable,
)
from identity.models import AttemptStatus, Provider, Reason, VerificationAttempt
from identity.providers import get_provider
from identity.providers.base import (
    CallbackProvider,
    CallbackResult,
    Outcome,
    ProviderError,
    ProviderUnavailable,
    RedirectProvider,
    UntrustedToken,
)
from identity.providers.simulator import phone_answer

if TYPE_CHECKING:
    from identity.providers.base import IdentityProvider

logger = logging.getLogger("identity")


# --- the rule the request-submission service relies on -----------------------------------
def require_verified(user: User) -> None:
    """Raise VerificationRequired unless the identity app has confirmed ``user``'s civil ID."""
    if not user.is_identity_verified:
        raise VerificationRequired


# --- abuse limits ---------------------------------------------------------------------------
def _limit_key(kind: str, value: str) -> str:
    # Keyed by an HMAC, so the cache (Redis) never holds civil IDs or addresses in clear.
    digest = salted_hmac("identity.rate-limit", value).hexdigest()[:32]
    return f"identity:limit:{kind}:{digest}"


def _take(key: str, *, limit: int, window: int, now: float) -> bool:
    """Sliding-window counter: record one use and say whether it is within ``limit``.

    Read-modify-write without a lock: two simultaneous starts may both pass the last free slot.
    The one-pending-attempt-per-user constraint bounds what that race can cost.
    """
    recent = [stamp for stamp in cache.get(key, []) if stamp > now - window]
    if len(recent) >= limit:
        return False
    recent.append(now)
    cache.set(key, recent, window)
    return True


def _check_limits(*, civil_id: str, client_ip: str | None, push: bool) -> None:
    now = timezone.now().timestamp()
    window = settings.IDENTITY_LIMIT_WINDOW_SECONDS
    if client_ip and not _take(
        _limit_key("ip", client_ip),
        limit=settings.IDENTITY_START_LIMIT_PER_IP,
        window=window,
        now=now,
    ):
        logger.warning("identity: start refused, too many attempts from one address")
        raise VerificationRateLimited
    if push and not _take(
        _limit_key("civil-id", civil_id),
        limit=settings.IDENTITY_PUSH_LIMIT_PER_CIVIL_ID,
        window=window,
        now=now,
    ):
        logger.warning("identity: push refused, too many for civil ID …%s", civil_id[-4:])
        raise VerificationRateLimited


# --- the one transition ---------------------------------------------------------------------
def _decide(attempt: VerificationAttempt, outcome: Outcome) -> tuple[str, str]:
    """The terminal status and reason for a provider's outcome.

    ``approved`` needs a national ID read from a verified artefact, equal to the civil ID the
    attempt was started for and still held by the account; anything else is ``id_mismatch``.
    """
    reason = outcome.reason if outcome.reason in Reason.values else ""
    if outcome.status != AttemptStatus.APPROVED:
        return outcome.status, reason
    if not outcome.national_id:
        return AttemptStatus.ERROR, Reason.TOKEN_INVALID
    proven = normalise_digits(outcome.national_id).strip()
    if proven != attempt.civil_id or attempt.user.civil_id != attempt.civil_id:
        return AttemptStatus.REJECTED, Reason.ID_MISMATCH
    return AttemptStatus.APPROVED, ""


def _finish(
    attempt_pk: int, outcome: Outcome, *, actor: User | None, client_ip: str | None = None
) -> bool:
    """Move a pending attempt to its terminal state; True when this call made the change.

    Of a poll, a callback and the expiry task racing on one attempt exactly one wins: the
    attempt row is locked first (PostgreSQL: SELECT … FOR UPDATE; SQLite: the IMMEDIATE
    transaction), so the others wait and then find it finished; the conditional UPDATE
    (``WHERE status = 'pending'``) is the guarantee even without that lock. The user row is
    updated after the attempt row (always in that order), in the same transaction as the audit
    entry.
    """
    if outcome.status == AttemptStatus.PENDING:
        return False
    now = timezone.now()
    with transaction.atomic(durable=True):
        attempt = (
            VerificationAttempt.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=attempt_pk)
        )
        if not attempt.is_pending:
            return False
        status, reason = _decide(attempt, outcome)
        evidence = {**attempt.evidence, "result": outcome.evidence}
        if outcome.national_id and status != AttemptStatus.APPROVED:
            evidence["claimed_id_suffix"] = normalise_digits(outcome.national_id)[-4:]
        won = VerificationAttempt.objects.filter(
            pk=attempt_pk, status=AttemptStatus.PENDING
        ).update(
            status=status,
            reason=reason,
            finished_at=now,
            evidence=evidence,
            code_verifier="",  # the PKCE secret is of no use any more
        )
        if not won:
            return False
        if status == AttemptStatus.APPROVED:
            User.objects.filter(pk=attempt.user_id).update(identity_verified_at=now)
        audit_record(
            actor=actor,
            action=f"identity.verification_{status}",
            target=attempt,
            applicant_id=attempt.user_id,
            data={
                "provider": attempt.provider,
                "civil_id": attempt.masked_civil_id,
                "reason": reason,
            },
            ip_address=client_ip,
        )
    log = logger.info if status == AttemptStatus.APPROVED else logger.warning
    log(
        "identity: attempt %s for %s ended %s %s",
        attempt_pk,
        attempt.masked_civil_id,
        status,
        reason,
    )
    return True


def _lifetime(provider: IdentityProvider) -> datetime.timedelta:
    seconds = (
        settings.IDENTITY_OIDC_LIFETIME_SECONDS
        if provider.flow == "redirect"
        else settings.IDENTITY_PUSH_LIFETIME_SECONDS
    )
    return datetime.timedelta(seconds=seconds)


def _expire_if_stale(attempt: VerificationAttempt, *, actor: User | None) -> bool:
    if attempt.is_past_lifetime(timezone.now()):
        return _finish(attempt.pk, Outcome("expired", reason=Reason.LOCAL_TIMEOUT), actor=actor)
    return False


# --- services -------------------------------------------------------------------------------
def verification_start(
    *, user: User, client_ip: str | None, redirect_uri: str = ""
) -> VerificationAttempt:
    """Start an attempt for ``user`` with the configured provider.

    Push providers send the request to the person's phone now; for OpenID the returned attempt's
    ``evidence["start"]["redirect_url"]`` is where to send the person. Raises
    AttemptAlreadyActive, VerificationRateLimited or VerificationNotAllowed. A provider that
    refuses or cannot be reached ends the attempt in ``error`` (returned, not raised).
    """
    if not user.is_applicant or not user.civil_id:
        raise VerificationNotAllowed
    try:
        provider = get_provider()
    except ProviderError as exc:
        logger.error("identity: the configured provider cannot be used (%s)", exc)
        raise VerificationUnavailable from exc
    current = VerificationAttempt.objects.filter(user=user, status=AttemptStatus.PENDING).first()
    if current is not None and not _expire_if_stale(current, actor=None):
        raise AttemptAlreadyActive
    _check_limits(civil_id=user.civil_id, client_ip=client_ip, push=provider.flow == "push")

    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            attempt = VerificationAttempt.objects.create(
                user=user,
                provider=provider.name,
                civil_id=user.civil_id,
                nonce=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + _lifetime(provider),
                client_ip=client_ip,
            )
            audit_record(
                actor=user,
                action="identity.verification_started",
                target=attempt,
                applicant_id=user.pk,
                data={"provider": provider.name, "civil_id": attempt.masked_civil_id},
                ip_address=client_ip,
            )
    except IntegrityError:
        # The partial unique constraint: another start for this person won the race.
        raise AttemptAlreadyActive from None

    # The attempt row exists before the provider is called, so two starts racing cannot both
    # push; and no transaction is open during the HTTP call.
    try:
        started = provider.start(
            civil_id=attempt.civil_id,
            challenge=attempt.nonce,
            display_text=(
                settings.PORTAL_NAME_AR if user.language == "ar" else settings.PORTAL_NAME
            ),
            redirect_uri=redirect_uri,
            client_reference=f"musaada-{attempt.pk}",
        )
    except ProviderError as exc:
        _finish(attempt.pk, Outcome.error(exc.reason), actor=user, client_ip=client_ip)
        attempt.refresh_from_db()
        return attempt

    start_details: dict[str, Any] = dict(started.details)
    if started.redirect_url:
        start_details["redirect_url"] = started.redirect_url
    with transaction.atomic(durable=True):
        VerificationAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.PENDING).update(
            provider_reference=started.reference,
            match_code=started.match_code,
            code_verifier=started.code_verifier,
            evidence={"start": start_details},
        )
    attempt.refresh_from_db()
    logger.info(
        "identity: attempt %s started with %s for %s",
        attempt.pk,
        provider.name,
        attempt.masked_civil_id,
    )
    return attempt


def verification_poll(*, user: User, attempt: VerificationAttempt) -> VerificationAttempt:
    """Bring ``attempt`` (one of ``user``'s, from the selector) up to date and return it.

    Expires it when past its lifetime; otherwise asks the provider, at most once per
    ``IDENTITY_PROVIDER_POLL_MIN_SECONDS``. A provider that cannot be reached leaves it pending.
    """
    if not attempt.is_pending:
        return attempt
    if _expire_if_stale(attempt, actor=user):
        attempt.refresh_from_db()
        return attempt
    if not attempt.provider_reference:
        return attempt
    throttle = settings.IDENTITY_PROVIDER_POLL_MIN_SECONDS
    if throttle > 0 and not cache.add(f"identity:polled:{attempt.pk}", 1, throttle):
        return attempt
    try:
        outcome = get_provider(attempt.provider).poll(attempt)
    except ProviderUnavailable:
        logger.warning("identity: attempt %s, provider unavailable; still waiting", attempt.pk)
        return attempt
    except ProviderError as exc:
        outcome = Outcome.error(exc.reason)
    _finish(attempt.pk, outcome, actor=user)
    attempt.refresh_from_db()
    return attempt


def verification_callback(*, provider_name: str, payload: Mapping[str, Any]) -> bool:
    """A provider's callback (Nafath). True when it ended an attempt.

    Authenticated only by the signature inside: an unverifiable callback raises CallbackRejected.
    When it is a well-formed signed token that failed verification (wrong key, audience or
    expiry: a forgery, or a provider-side fault) and names a transaction that is still pending,
    that attempt ends in ``error`` / ``token_invalid`` first, as IDENTITY.md's table says; the
    person starts again. Garbage that is not even such a token changes nothing. Knowing a
    transaction id is needed to end an attempt that way, and transIds are random UUIDs known
    only to Nafath and us (never shown to the person). A late or replayed callback changes
    nothing. A callback never creates or changes a user other than by approving the attempt it
    answers.
    """
    try:
        provider = get_provider(provider_name)
    except ProviderError as exc:
        raise CallbackRejected from exc
    if not hasattr(provider, "parse_callback"):
        raise CallbackRejected
    # parse_callback exists (checked above): the provider is a CallbackProvider.
    callback_provider = cast(CallbackProvider, provider)
    try:
        result: CallbackResult = callback_provider.parse_callback(payload)
    except ProviderUnavailable:
        raise
    except UntrustedToken as exc:
        logger.warning("identity: %s callback with an untrusted token refused", provider_name)
        _end_on_untrusted_callback(provider_name, exc.reference)
        raise CallbackRejected from exc
    except ProviderError as exc:
        logger.warning("identity: %s callback refused (%s)", provider_name, exc.reason)
        raise CallbackRejected from exc
    attempt = VerificationAttempt.objects.filter(
        provider=provider_name, provider_reference=result.reference
    ).first()
    if attempt is None:
        logger.warning("identity: %s callback for an unknown transaction", provider_name)
        return False
    return _finish(attempt.pk, result.outcome, actor=None)


def _end_on_untrusted_callback(provider_name: str, reference: str) -> None:
    attempt = VerificationAttempt.objects.filter(
        provider=provider_name, provider_reference=reference, status=AttemptStatus.PENDING
    ).first()
    if attempt is not None:
        outcome = Outcome.error(Reason.TOKEN_INVALID, callback="untrusted token")
        _finish(attempt.pk, outcome, actor=None)


def verification_complete_redirect(
    *,
    user: User,
    attempt: VerificationAttempt,
    code: str,
    error: str,
    redirect_uri: str,
) -> VerificationAttempt:
    """The person is back from the OpenID provider with ``code`` (or ``error``).

    ``attempt`` comes from the selector, by the ``state`` the provider echoed and the signed-in
    user, so the state check is done before this runs. A finished attempt is returned unchanged
    (the callback URL replayed, or opened twice).
    """
    if not attempt.is_pending or _expire_if_stale(attempt, actor=user):
        attempt.refresh_from_db()
        return attempt
    if error:
        cancelled = {"access_denied", "login_required", "consent_required", "interaction_required"}
        outcome = (
            Outcome.rejected(Reason.USER_CANCELLED, provider_error=error[:40])
            if error in cancelled
            else Outcome.error(Reason.MISCONFIGURED, provider_error=error[:40])
        )
    elif not code:
        outcome = Outcome.error(Reason.CORRELATION_MISMATCH)
    else:
        try:
            provider = get_provider(attempt.provider)
            if provider.flow != "redirect":
                raise ProviderError("not a redirect provider", reason=Reason.MISCONFIGURED)
            # flow == "redirect" (checked above): the provider is a RedirectProvider.
            redirect_provider = cast(RedirectProvider, provider)
            outcome = redirect_provider.complete(attempt, code=code, redirect_uri=redirect_uri)
        except ProviderUnavailable:
            logger.warning("identity: attempt %s, token endpoint unavailable", attempt.pk)
            return attempt
        except ProviderError as exc:
            outcome = Outcome.error(exc.reason)
    _finish(attempt.pk, outcome, actor=user)
    attempt.refresh_from_db()
    return attempt


def verification_cancel(*, user: User, attempt: VerificationAttempt) -> bool:
    """The person gives up on their waiting attempt (it ends ``rejected``, ``user_cancelled``)."""
    return _finish(attempt.pk, Outcome.rejected(Reason.USER_CANCELLED), actor=user)


def attempts_expire_stale(*, batch: int = 500) -> int:
    """End every pending attempt past its lifetime (``expired``, ``local_timeout``).

    Each goes through the same conditional transition, so an answer arriving at the same moment
    either wins or finds the attempt already expired. Returns how many this run ended.
    """
    now = timezone.now()
    stale = list(
        VerificationAttempt.objects.filter(status=AttemptStatus.PENDING, expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    outcome = Outcome("expired", reason=Reason.LOCAL_TIMEOUT)
    return sum(_finish(pk, outcome, actor=None) for pk in stale)


def simulator_phone_answer(*, attempt: VerificationAttempt, approve: bool) -> None:
    """The simulated phone answers (development only; refused unless the simulator is on)."""
    if settings.PRODUCTION or attempt.provider != Provider.SIMULATOR:
        raise VerificationNotAllowed
    phone_answer(
        reference=attempt.provider_reference,
        civil_id=attempt.civil_id,
        challenge=attempt.nonce,
        approve=approve,
        now=timezone.now(),
    )
