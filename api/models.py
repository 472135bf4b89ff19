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
    # The ministry's (a client of the ministry, never of an organisation)
    STATISTICS = "statistics", _("Read the statistics")
    EXPORTS = "exports", _("Start and download exports")


#: The scopes a client of an organisation may hold, and those a client of the ministry may:
#: the two never mix (``api.services.api_client_create``, and a check constraint below).
ORGANISATION_SCOPES = (Scope.READ_QUEUE, Scope.CLAIM, Scope.MANAGE_CASES, Scope.PAYMENTS)
MINISTRY_SCOPES = (Scope.STATISTICS, Scope.EXPORTS)


def _holds_any(scopes: tuple[Scope, ...]) -> models.Q:
    """``scopes`` (a JSON list of strings) holds one of these: matched on the JSON text
    (``"claim"`` with its quotes), which reads the same on SQLite and PostgreSQL."""
    condition = models.Q()
    for scope in scopes:
        condition |= models.Q(scopes__icontains=f'"{scope.value}"')
    return condition


class ApiClient(models.Model):
    """One piece of an organisation's (or the ministry's) own software that calls the API.

    It acts through its own service account (``user``): a staff member of the organisation with
    no password, created with the client, so that every service, selector and audit entry sees an
    ordinary actor — the client — and the pages' rules apply to it unchanged. The account is a
    manager when the client may manage cases (approve, release, reject), a caseworker otherwise.

    A client without an organisation is the ministry's (statistics, exports), created by a
    ministry administrator; its account is a ministry official with no membership. Which
    scopes it may hold follows from that, and the database holds to it.
    """

    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        help_text=_("Empty for a client of the ministry."),
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
            ),
            models.CheckConstraint(
                condition=(models.Q(organisation__isnull=False) & ~_holds_any(MINISTRY_SCOPES))
                | (models.Q(organisation__isnull=True) & ~_holds_any(ORGANISATION_SCOPES)),
                name="api_client_scopes_of_its_side",
                violation_error_message=_(
                    "An organisation's client cannot hold the ministry's scopes, nor the "
                    "ministry's client an organisation's."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_ministry(self) -> bool:
        return self.organisation_id is None

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
