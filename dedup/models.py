"""The one-aid-type rule: no person gets the same aid type from two commitments whose periods
overlap, whichever organisation holds them (the same one twice included).

An ``AidCommitment`` covers one civil ID for one aid type over [period_start, period_end]
(both days included). A claim reserves one commitment per person it covers: the beneficiary for
person-scope aid (the applicant or the household member the request names), the applicant and
every household member for household aid; a member added to the household later gets one then
(``dedup.services.household_coverage_extend``). The database enforces the rule on reserved and
active commitments:

* PostgreSQL: an exclusion constraint (btree_gist) — civil ID =, aid type =, daterange && —
  added by migration 0002 only on PostgreSQL;
* SQLite: triggers from the same migration that abort an insert, or an update (a commitment
  made binding again, or lengthened), that would overlap a binding commitment.

``dedup.services.ledger`` does not check first: it inserts, the database refuses an overlap, and
only then is the conflicting commitment looked up, to name it in the refusal.

The state's excluding benefits are commitments too (``benefit_record`` set, no request and no
organisation): a benefit the ministry says excludes an aid type holds that aid type for the
person over the benefit's period, under the same constraint (``benefits.commitments`` keeps
them in step with the records). ``AidCommitment.objects`` reads the charities' commitments only
(the statistics of charity aid, the case pages); the rule's own reads use ``all_sources``.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.dates import add_months


class CommitmentStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved (claimed)")
    ACTIVE = "active", _("Active (approved)")
    RELEASED = "released", _("Released")


#: Commitments in these states take part in the rule.
BINDING = (CommitmentStatus.RESERVED, CommitmentStatus.ACTIVE)

#: The end of a state commitment whose benefit is paid until further notice (no end date).
UNTIL_FURTHER_NOTICE = datetime.date(9999, 12, 31)


class CharityCommitments(models.Manager["AidCommitment"]):
    """The commitments charities' cases hold: the state's excluding benefits left out."""

    def get_queryset(self) -> models.QuerySet[AidCommitment]:
        return super().get_queryset().filter(benefit_record__isnull=True)


class AidCommitment(models.Model):
    """One person's slot of one aid type over a period, held by one organisation's case — or,
    for a state benefit that excludes the aid type, by the benefit record (then no request and
    no organisation)."""

    aid_request = models.ForeignKey(
        "aid_requests.AidRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("request"),
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("organisation"),
    )
    benefit_record = models.ForeignKey(
        "benefits.BenefitRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("state benefit"),
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
    # True for the request's own person: its applicant, or the household member a person-aid
    # request is for (dedup.people.people_covered) — one per claim, as the figures count.
    is_applicant = models.BooleanField(
        _("the applicant"), default=True, help_text=_("False for a household member.")
    )
    created_at = models.DateTimeField(_("reserved at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    # When the period was last cut to what was paid or approved (dedup.services.ledger.
    # commitments_shorten): the statistics' incremental refresh rebuilds the coverage then.
    shortened_at = models.DateTimeField(_("shortened at"), null=True, blank=True)

    # The first manager is the default one (the admin, related rows): every commitment.
    all_sources = models.Manager()
    objects = CharityCommitments()

    class Meta:
        verbose_name = _("aid commitment")
        verbose_name_plural = _("aid commitments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        benefit_record__isnull=True,
                        aid_request__isnull=False,
                        organisation__isnull=False,
                    )
                    | Q(
                        benefit_record__isnull=False,
                        aid_request__isnull=True,
                        organisation__isnull=True,
                    )
                ),
                name="commitment_one_source",
                violation_error_message=_(
                    "A commitment is held either by a case of an organisation or by a state "
                    "benefit."
                ),
            ),
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

    @property
    def is_state(self) -> bool:
        """Held by a state benefit that excludes the aid type, not by a charity's case."""
        return self.benefit_record_id is not None


class BlockedAttempt(models.Model):
    """A claim the rule refused: who tried, which request, what it collided with, and how much
    was requested — every try, the audit of who tried. The ministry's "duplicates prevented"
    figures count ``PreventedDuplicate`` (once per request and conflicting case), not these."""

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


class PreventedDuplicate(models.Model):
    """One duplicate the rule prevented: a request refused because someone it covers already
    held the aid type under another case — counted once, however many times or organisations
    tried (each try stays a ``BlockedAttempt``). The ministry's "duplicates prevented" and
    "amount saved" figures count these rows.

    One row per (refused request, request holding the conflicting commitment): a household
    case holds one commitment row per person, and a refusal names whichever of them collided,
    so the case — not the row — is what was duplicated. The first refusal creates it; its
    moment, organisation and the named commitment are the first refusal's.

    ``amount_saved`` (``saved_amount``): one-off aid, the amount requested; recurring aid, the
    monthly amount (amount requested ÷ coverage months) × the months of the request's coverage
    that overlap the conflicting commitment.
    """

    aid_request = models.ForeignKey(
        "aid_requests.AidRequest",
        on_delete=models.PROTECT,
        related_name="prevented_duplicates",
        verbose_name=_("refused request"),
    )
    conflicting_request = models.ForeignKey(
        "aid_requests.AidRequest",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("request already holding the aid"),
    )
    conflicting = models.ForeignKey(
        AidCommitment,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("conflicting commitment"),
    )
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("aid type"),
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="prevented_duplicates",
        verbose_name=_("organisation refused first"),
    )
    civil_id = models.CharField(_("civil ID covered twice"), max_length=12)
    first_refused_at = models.DateTimeField(_("first refused at"), db_index=True)
    overlap_months = models.PositiveSmallIntegerField(
        _("months overlapping"), help_text=_("0 for one-off aid.")
    )
    amount_saved = models.DecimalField(_("amount saved (KWD)"), max_digits=12, decimal_places=3)

    class Meta:
        verbose_name = _("prevented duplicate")
        verbose_name_plural = _("prevented duplicates")
        ordering = ["-first_refused_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["aid_request", "conflicting_request"],
                name="prevented_duplicate_once",
                violation_error_message=_("This duplicate was already counted."),
            ),
            models.CheckConstraint(
                condition=Q(amount_saved__gte=0),
                name="prevented_duplicate_amount_not_negative",
                violation_error_message=_("The amount saved cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"prevented #{self.aid_request_id} vs #{self.conflicting_request_id}"


class SavedAmountAdjustment(models.Model):
    """A prevented duplicate's amount saved changed after the fact: the case holding the aid
    ended earlier than it was to (``commitments_shorten``: closed early, or approved for fewer
    months), so fewer of the refused request's months were really held elsewhere. The
    ministry's rollups add ``delta`` to the month the duplicate counts in; the full rebuild
    reads the duplicate's current ``amount_saved`` instead."""

    prevented = models.ForeignKey(
        PreventedDuplicate,
        on_delete=models.CASCADE,
        related_name="adjustments",
        verbose_name=_("prevented duplicate"),
    )
    delta = models.DecimalField(
        _("change of the amount saved (KWD)"), max_digits=12, decimal_places=3
    )
    at = models.DateTimeField(_("adjusted at"), db_index=True)

    class Meta:
        verbose_name = _("amount saved adjustment")
        verbose_name_plural = _("amount saved adjustments")

    def __str__(self) -> str:
        return f"prevented #{self.prevented_id} {self.delta:+}"


def overlap_months(
    start: datetime.date,
    end: datetime.date,
    coverage_months: int,
    other_start: datetime.date,
    other_end: datetime.date,
) -> int:
    """How many months of a coverage [start, end] (month k: ``add_months(start, k)`` to the day
    before ``add_months(start, k + 1)``) share at least one day with [other_start, other_end].
    0 for one-off aid."""
    count = 0
    for k in range(coverage_months):
        month_start = add_months(start, k)
        month_end = min(add_months(start, k + 1) - datetime.timedelta(days=1), end)
        if month_start <= other_end and month_end >= other_start:
            count += 1
    return count


def saved_amount(amount_requested: Decimal, coverage_months: int, months: int) -> Decimal:
    """What the refused request would have cost over the overlap: all of it for one-off aid,
    else its monthly amount × the overlapping months (rounded to the fils, half up)."""
    if coverage_months == 0 or months >= coverage_months:
        return amount_requested
    return (amount_requested * months / coverage_months).quantize(
        Decimal("0.001"), rounding=ROUND_HALF_UP
    )


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the ministry")
    RESOLVED = "resolved", _("Resolved")


class ConflictResolution(models.TextChoices):
    """What the ministry decided about a person covered twice."""

    COVERED_ELSEWHERE = (
        "covered_elsewhere",
        _(
            "The other case keeps covering the person; "
            "this case goes on for the rest of the household"
        ),
    )
    CASES_ADJUSTED = (
        "cases_adjusted",
        _("The cases were adjusted with both organisations (household or amount corrected)"),
    )


class CoverageConflict(models.Model):
    """A person covered twice for one aid type: the binding aid of ``aid_request`` and either
    an earlier commitment elsewhere (``held``) or a state benefit that excludes the aid type
    (``benefit_record``).

    Opened when a household member is added after the claim (the family change is kept, the
    database refused the second commitment), or when the state reports an excluding benefit
    over a period a charity's case already covers (the record is kept, the state commitment
    covers only the rest of its period). While it is open the database refuses every new
    payment of ``aid_request`` (trigger from migration 0006), until the ministry resolves it.
    """

    aid_request = models.ForeignKey(
        "aid_requests.AidRequest",
        on_delete=models.PROTECT,
        related_name="coverage_conflicts",
        verbose_name=_("case held back"),
    )
    held = models.ForeignKey(
        AidCommitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commitment covering the person"),
    )
    benefit_record = models.ForeignKey(
        "benefits.BenefitRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coverage_conflicts",
        verbose_name=_("state benefit covering the person"),
    )
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("aid type"),
    )
    civil_id = models.CharField(_("civil ID covered twice"), max_length=12)
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by the change of"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=ConflictResolution.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("coverage conflict")
        verbose_name_plural = _("coverage conflicts")
        ordering = ["opened_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(held__isnull=False) | Q(benefit_record__isnull=False),
                name="coverage_conflict_names_the_cover",
                violation_error_message=_(
                    "A conflict names the commitment or the state benefit covering the person."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=ConflictStatus.OPEN, decided_at__isnull=True, resolution="")
                    | (
                        Q(status=ConflictStatus.RESOLVED, decided_at__isnull=False)
                        & ~Q(resolution="")
                        & ~Q(reason="")
                    )
                ),
                name="coverage_conflict_decided_with_reason",
                violation_error_message=_("A resolved conflict needs a resolution and a reason."),
            ),
            models.UniqueConstraint(
                fields=["aid_request", "civil_id"],
                condition=Q(status=ConflictStatus.OPEN),
                name="coverage_conflict_open_once",
                violation_error_message=_("This conflict is already awaiting the ministry."),
            ),
        ]

    def __str__(self) -> str:
        return f"conflict #{self.aid_request_id} …{self.civil_id[-4:]} ({self.status})"

    @property
    def is_state(self) -> bool:
        """The person is covered by a state benefit that excludes the aid type."""
        return self.benefit_record_id is not None or (
            self.held is not None and self.held.benefit_record_id is not None
        )

    @property
    def state_benefit(self) -> object | None:
        """The state benefit covering the person, when the cover is the state's."""
        if self.benefit_record_id is not None:
            return self.benefit_record
        if self.held is not None and self.held.benefit_record_id is not None:
            return self.held.benefit_record
        return None
