"""API clients of an organisation, their tokens, and the answers kept for idempotent retries."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a client may do. Each endpoint names the one scope it needs (``api.views``)."""

    READ_QUEUE = "read_queue", _("Read the queue")
    CLAIM = "claim", _("Claim cases")
    MANAGE_CASES = "manage_cases", _("Manage cases (file, messages, approve, release, reject)")
    PAYMENTS = "payments", _("Record payments")


class ApiClient(models.Model):
    """One piece of an organisation's own software that calls the API.

    It acts through its own service account (``user``): a staff member of the organisation with
    no password, created with the client, so that every service, selector and audit entry sees an
    ordinary actor — the client — and the pages' rules apply to it unchanged. The account is a
    manager when the client may manage cases (approve, release, reject), a caseworker otherwise.
    """

    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("organisation"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
        verbose_name=_("service account"),
    )
    name = models.CharField(_("name"), max_length=100)
    #: A set of ``Scope`` values, sorted, without repeats (``api.services.api_client_create``).
    scopes = models.JSONField(_("scopes"), default=list)
    #: Calls a minute (``api.throttling``).
    rate_limit = models.PositiveIntegerField(_("calls a minute"), default=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_limit__gte=1),
                name="api_client_rate_limit_positive",
                violation_error_message=_("A client needs a limit of at least one call a minute."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def scope_labels(self) -> list[str]:
        return [str(Scope(s).label) for s in self.scopes if s in Scope.values]


class ApiToken(models.Model):
    """A bearer token of a client. Only its SHA-256 is stored; ``prefix`` (public, unique) finds
    the row, the hash proves the secret. Shown once, when issued (``api.tokens``)."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("client")
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(_("hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.prefix

    def is_valid(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class IdempotentRequest(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key`` (``api.idempotency``).

    One row per (client, key): the unique constraint is the lock that lets only one of two
    simultaneous retries run the service. ``status`` is NULL while the first call runs.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    #: SHA-256 of the method, the path and the body.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "key"],
                name="api_idempotency_key_unique",
                violation_error_message=_("This idempotency key was already used."),
            )
        ]

    def __str__(self) -> str:
        return self.key
