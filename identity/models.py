"""Identity verification: one row per attempt to prove a civil ID through the identity app."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    SIMULATOR = "simulator", _("Simulator")
    HAWIYATI = "hawiyati", _("Hawiyati (Kuwait Mobile ID)")
    NAFATH = "nafath", _("Nafath")
    OIDC = "oidc", _("OpenID Connect")


class AttemptStatus(models.TextChoices):
    """``pending`` moves exactly once to one of the four terminal states, which never change."""

    PENDING = "pending", _("Waiting for your answer")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    ERROR = "error", _("Could not be completed")


TERMINAL_STATUSES = frozenset(
    {AttemptStatus.APPROVED, AttemptStatus.REJECTED, AttemptStatus.EXPIRED, AttemptStatus.ERROR}
)


class Reason(models.TextChoices):
    """Why an attempt ended the way it did (IDENTITY.md keeps exactly these)."""

    LOCAL_TIMEOUT = "local_timeout", _("No answer in time")
    PROVIDER_UNAVAILABLE = "provider_unavailable", _("The identity app could not be reached")
    ALREADY_ACTIVE = "already_active", _("Another verification is already waiting")
    TOKEN_INVALID = "token_invalid", _("The identity app's answer could not be verified")
    CORRELATION_MISMATCH = "correlation_mismatch", _("The answer belongs to another request")
    ID_MISMATCH = "id_mismatch", _("The identity app confirmed a different civil ID")
    ASSURANCE_TOO_LOW = "assurance_too_low", _("The identity account is not verified enough")
    NOT_ENROLLED = "not_enrolled", _("Not registered with the identity app")
    USER_CANCELLED = "user_cancelled", _("Declined or cancelled")
    MISCONFIGURED = "misconfigured", _("The connection to the identity app is misconfigured")


class VerificationAttempt(models.Model):
    """One attempt by an applicant to prove, through the identity app, that they hold their
    civil ID.

    ``civil_id`` is copied from the account when the attempt starts; the attempt is approved only
    when the identity app's *signed* answer names that same number. ``provider_reference`` is
    what the provider calls the attempt (Hawiyati request id, Nafath transId, OIDC state).
    ``nonce`` is our random value bound into the signed answer (the challenge signed by a push
    provider, the OIDC nonce); ``code_verifier`` is the PKCE secret (OIDC only, cleared at the
    end). ``evidence`` keeps the signed artefact and its verified claims.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="verification_attempts",
        verbose_name=_("applicant"),
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    civil_id = models.CharField(_("civil ID"), max_length=12)
    status = models.CharField(
        _("status"), max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=128, blank=True)
    match_code = models.CharField(_("number to match"), max_length=8, blank=True)
    code_verifier = models.CharField(_("PKCE verifier"), max_length=128, blank=True)
    nonce = models.CharField(_("nonce"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("started"))
    expires_at = models.DateTimeField(_("expires"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity verification attempt")
        verbose_name_plural = _("identity verification attempts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="identity_attempt_expiry")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status=AttemptStatus.PENDING),
                name="identity_one_pending_attempt_per_user",
                violation_error_message=_("A verification is already waiting for this person."),
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="identity_provider_reference_unique",
                violation_error_message=_("This provider reference is already in use."),
            ),
            models.CheckConstraint(
                condition=(
                    (Q(status=AttemptStatus.PENDING) & Q(finished_at__isnull=True))
                    | (~Q(status=AttemptStatus.PENDING) & Q(finished_at__isnull=False))
                ),
                name="identity_attempt_finished_iff_terminal",
                violation_error_message=_(
                    "A finished verification needs its end time; a waiting one has none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in AttemptStatus]),
                name="identity_attempt_status_valid",
                violation_error_message=_("Unknown verification status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.masked_civil_id} {self.status}"

    @property
    def masked_civil_id(self) -> str:
        """Safe for logs: only the last four digits."""
        return "…" + self.civil_id[-4:]

    @property
    def is_pending(self) -> bool:
        return self.status == AttemptStatus.PENDING

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def is_past_lifetime(self, now: datetime.datetime) -> bool:
        return self.is_pending and now >= self.expires_at
