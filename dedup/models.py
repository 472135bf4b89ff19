"""The one-aid-type rule: no person gets the same aid type from two commitments whose periods
overlap, whichever organisation holds them (the same one twice included).

An ``AidCommitment`` covers one civil ID for one aid type over [period_start, period_end]
(both days included). A claim reserves one commitment per person it covers: the applicant for
person-scope aid, the applicant and every household member for household aid. The database
enforces the rule on reserved and active commitments:

* PostgreSQL: an exclusion constraint (btree_gist) — civil ID =, aid type =, daterange && —
  added by migration 0002 only on PostgreSQL;
* SQLite: triggers that abort an overlapping insert or reactivation, from the same migration.

``dedup.services`` checks first only to give a clear message; the database is the guarantee.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CommitmentStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved (claimed)")
    ACTIVE = "active", _("Active (approved)")
    RELEASED = "released", _("Released")


#: Commitments in these states take part in the rule.
BINDING = (CommitmentStatus.RESERVED, CommitmentStatus.ACTIVE)


class AidCommitment(models.Model):
    """One person's slot of one aid type over a period, held by one organisation's case."""

    aid_request = models.ForeignKey(
        "aid_requests.AidRequest",
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("request"),
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("organisation"),
    )
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("aid type"),
    )
    civil_id = models.CharField(_("civil ID"), max_length=12)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.RESERVED,
    )
    is_applicant = models.BooleanField(
        _("the applicant"), default=True, help_text=_("False for a household member.")
    )
    created_at = models.DateTimeField(_("reserved at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    # When the period was last cut to what was paid or approved (dedup.services.
    # commitments_shorten): the statistics' incremental refresh rebuilds the coverage then.
    shortened_at = models.DateTimeField(_("shortened at"), null=True, blank=True)

    class Meta:
        verbose_name = _("aid commitment")
        verbose_name_plural = _("aid commitments")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="commitment_period_ordered",
                violation_error_message=_("A commitment's period ends before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status=CommitmentStatus.RELEASED) | Q(released_at__isnull=True),
                name="commitment_released_at_only_when_released",
            ),
        ]
        indexes = [
            models.Index(
                fields=["civil_id", "aid_type", "period_start"],
                name="commitment_lookup",
                condition=Q(status__in=BINDING),
            ),
            models.Index(
                fields=["shortened_at"],
                name="commitment_shortened",
                condition=Q(shortened_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"…{self.civil_id[-4:]} {self.aid_type_id} {self.period_start}–{self.period_end}"


class BlockedAttempt(models.Model):
    """A claim the rule refused: who tried, which request, what it collided with, and how much
    would have been paid — the ministry's "duplicates prevented" figures come from here."""

    attempted_at = models.DateTimeField(_("attempted at"), db_index=True)
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attempted by"),
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="blocked_attempts",
        verbose_name=_("organisation"),
    )
    aid_request = models.ForeignKey(
        "aid_requests.AidRequest",
        on_delete=models.PROTECT,
        related_name="blocked_attempts",
        verbose_name=_("request"),
    )
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("aid type"),
    )
    conflicting = models.ForeignKey(
        AidCommitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conflicting commitment"),
    )
    civil_id = models.CharField(_("civil ID covered twice"), max_length=12)
    amount = models.DecimalField(
        _("amount that would have been paid (KWD)"), max_digits=12, decimal_places=3
    )

    class Meta:
        verbose_name = _("blocked attempt")
        verbose_name_plural = _("blocked attempts")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"blocked #{self.aid_request_id} @ {self.attempted_at:%Y-%m-%d}"
