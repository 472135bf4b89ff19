"""What every identity-provider adapter offers the core, and the errors it may raise.

An adapter translates one provider's wire protocol, nothing more: it never touches the database,
never decides whether the national ID it read belongs to the account (the core does), and only
reports ``approved`` after it verified the provider's signature over the answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from identity.models import VerificationAttempt

Clock = Callable[[], datetime.datetime]
Flow = Literal["push", "redirect"]


class ProviderError(Exception):
    """The provider's answer ends the attempt in ``error`` with ``reason``."""

    reason = "misconfigured"

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        if reason is not None:
            self.reason = reason


class ProviderUnavailable(ProviderError):
    """Transient: a timeout, a reset connection, a 5xx. The attempt stays pending."""

    reason = "provider_unavailable"


class ProviderMisconfigured(ProviderError):
    """Our credentials or settings are wrong (401/403, missing URL): nothing the person can do."""

    reason = "misconfigured"


class TokenInvalid(ProviderError):
    """A signed artefact failed verification: signature, key, audience, issuer or lifetime."""

    reason = "token_invalid"


class UntrustedToken(TokenInvalid):
    """A well-formed signed token that failed verification, naming the attempt it claims to
    answer (``reference``): signed by a key the provider does not publish, with a bad
    signature, for another audience, expired. Garbage that is not even such a token is a plain
    TokenInvalid."""

    def __init__(self, message: str = "", *, reference: str) -> None:
        super().__init__(message)
        self.reference = reference


class CorrelationMismatch(ProviderError):
    """A valid artefact that answers another request (challenge, nonce or transaction id)."""

    reason = "correlation_mismatch"


@dataclass(frozen=True)
class StartResult:
    """What the provider told us when the attempt started."""

    reference: str
    match_code: str = ""
    redirect_url: str = ""
    code_verifier: str = ""
    details: dict[str, Any] = field(default_factory=dict)


OutcomeStatus = Literal["pending", "approved", "rejected", "expired", "error"]


@dataclass(frozen=True)
class Outcome:
    """The provider's answer about one attempt.

    ``national_id`` is set only from a verified artefact; the core compares it with the account.
    """

    status: OutcomeStatus
    reason: str = ""
    national_id: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def pending(cls) -> Outcome:
        return cls("pending")

    @classmethod
    def approved(cls, *, national_id: str, evidence: dict[str, Any]) -> Outcome:
        return cls("approved", national_id=national_id, evidence=evidence)

    @classmethod
    def rejected(cls, reason: str = "user_cancelled", **evidence: Any) -> Outcome:
        return cls("rejected", reason=reason, evidence=dict(evidence))

    @classmethod
    def expired(cls, **evidence: Any) -> Outcome:
        return cls("expired", evidence=dict(evidence))

    @classmethod
    def error(cls, reason: str, **evidence: Any) -> Outcome:
        return cls("error", reason=reason, evidence=dict(evidence))


@dataclass(frozen=True)
class CallbackResult:
    """A provider's signed callback: which attempt (by provider reference) and what happened."""

    reference: str
    outcome: Outcome


class IdentityProvider(Protocol):
    """The adapter interface. ``flow`` says whether the person answers on the phone (push) or
    is sent to the provider's site (redirect)."""

    name: str
    flow: Flow

    def start(
        self,
        *,
        civil_id: str,
        challenge: str,
        display_text: str,
        redirect_uri: str = "",
        client_reference: str = "",
    ) -> StartResult: ...

    def poll(self, attempt: VerificationAttempt) -> Outcome: ...


class CallbackProvider(IdentityProvider, Protocol):
    def parse_callback(self, payload: Mapping[str, Any]) -> CallbackResult: ...


class RedirectProvider(IdentityProvider, Protocol):
    def complete(
        self, attempt: VerificationAttempt, *, code: str, redirect_uri: str
    ) -> Outcome: ...
