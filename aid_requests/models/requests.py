"""Aid requests: the status of each, its timeline and the messages of the case."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from aid_requests.models.catalogue import AidType
from config.text import request_reference


class RequestStatus(models.TextChoices):
    """The lifecycle of DESIGN.md (``aid_requests.states``). Every change goes through
    ``aid_requests.services.lifecycle.aid_request_move``."""

    SUBMITTED = "submitted", _("Submitted")
    SCREENED = "screened", _("Screened")
    INELIGIBLE = "ineligible", _("Ineligible")
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    APPROVED = "approved", _("Approved")
    PAYING = "paying", _("Paying")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")
    APPEALED = "appealed", _("Under appeal")


#: A request in one of these states blocks a second request of the same type by the applicant.
LIVE_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.SCREENED,
    RequestStatus.OPEN,
    RequestStatus.CLAIMED,
    RequestStatus.APPROVED,
    RequestStatus.PAYING,
    RequestStatus.APPEALED,
)
#: A request in one of these states is held by an organisation.
HELD_STATUSES = (
    RequestStatus.CLAIMED,
    RequestStatus.APPROVED,
    RequestStatus.PAYING,
    RequestStatus.CLOSED,
)


def held_by(organisation_id: int, *, via: str = "") -> Q:
    """Who holds a case — the one definition, used wherever a case's holder is asked.

    The organisation named in ``claimed_by`` AND a held status: ``claimed_by`` alone says who
    held the case last (it survives a rejection and an overturned appeal). ``via`` is the path
    from another model (``"aid_requests__"`` from a document). ``AidRequest.is_held_by`` is the
    same rule for one request in hand.
    """
    return Q(**{f"{via}claimed_by": organisation_id, f"{via}status__in": HELD_STATUSES})


#: Age bands shown to charities instead of a beneficiary's birth date: (lowest age, label).
AGE_BANDS = ((60, "60+"), (25, "25-59"), (18, "18-24"), (13, "13-17"), (6, "6-12"), (0, "0-5"))


def age_band(birth_date: datetime.date | None, on: datetime.date) -> str:
    """The band ``birth_date``'s age on ``on`` falls in (``""`` when the birth date is unknown)."""
    if birth_date is None:
        return ""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return next(label for lowest, label in AGE_BANDS if age >= lowest)


class AidRequest(models.Model):
    """One applicant's request for one aid type, from submission to the last payment.

    Its beneficiary is the applicant (``beneficiary_civil_id`` NULL: the applicant, or the whole
    household for household aid) or one household member: ``beneficiary_member`` names the row
    (for the name, kinship and age shown), ``beneficiary_civil_id`` keeps the member's civil ID
    as it was at submission — the one the rule reserves, even if the household row is later
    edited or removed (then ``beneficiary_member`` becomes NULL, the civil ID stays).
    """

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="aid_requests",
        verbose_name=_("applicant"),
    )
    aid_type = models.ForeignKey(
        AidType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("aid type")
    )
    amount_requested = models.DecimalField(
        _("amount requested (KWD)"), max_digits=12, decimal_places=3
    )
    justification = models.TextField(_("justification"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    governorate = models.ForeignKey(
        "applicants.Governorate",
        on_delete=models.PROTECT,
        verbose_name=_("governorate"),
        help_text=_("Where the applicant lived when submitting."),
    )
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    need_score = models.PositiveSmallIntegerField(_("need score"), null=True, blank=True)
    screening = models.JSONField(
        _("screening result"),
        default=dict,
        blank=True,
        help_text=_("Eligibility reasons and the need-score breakdown, as computed at screening."),
    )
    # What screening used of the household's income (issue 14), kept so the case file shows it
    # without asking the agencies again. Empty for requests screened before the link.
    declared_income = models.DecimalField(
        _("declared income at screening (KWD a month)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
    )
    verified_income = models.DecimalField(
        _("income verified with the state agencies at screening (KWD a month)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("A total only: which agency or benefit is not kept on the request."),
    )
    income_below_verified = models.BooleanField(
        _("declared income below the verified income"), default=False
    )
    coverage_start = models.DateField(_("coverage from"))
    coverage_end = models.DateField(_("coverage until"))
    claimed_by = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_requests",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    approved_amount = models.DecimalField(
        _("approved amount per payment (KWD)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
    )
    approved_payments = models.PositiveSmallIntegerField(
        _("number of payments approved"),
        null=True,
        blank=True,
        help_text=_("One per month for recurring aid; 1 for one-off aid."),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Set while everyone the request covers already holds this aid type elsewhere: the request
    # stays open but out of every queue until that coverage ends (charities.coverage). NULL
    # and no default: adding a column with a default rebuilds the table on SQLite (see below).
    covered_until = models.DateField(
        _("covered elsewhere until"),
        null=True,
        blank=True,
        help_text=_("Everyone this request covers holds this aid type elsewhere until then."),
    )
    documents = models.ManyToManyField(
        "applicants.Document",
        blank=True,
        related_name="aid_requests",
        verbose_name=_("documents attached"),
    )
    beneficiary_member = models.ForeignKey(
        "applicants.HouseholdMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aid_requests",
        verbose_name=_("beneficiary (household member)"),
        help_text=_("Empty: the applicant (or, for household aid, the whole household)."),
    )
    # NULL (not ""): the applicant; see the class docstring. Nullable without a default also
    # keeps SQLite from rebuilding the table (see submission_key).
    beneficiary_civil_id = models.CharField(  # noqa: DJ001  # NULL: the applicant
        _("beneficiary's civil ID"), max_length=12, null=True, blank=True, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    # The random key of the form that sent this request (rendered as a hidden field): a form
    # sent twice, one after the other or at the same moment, makes one request. Held by the
    # unique constraint one_request_per_submission_key. NULL (not "") for requests made
    # without a form, because adding a column with a default rebuilds the table on SQLite,
    # which its triggers (payment_within_approval_*) do not survive.
    submission_key = models.CharField(  # noqa: DJ001  # NULL: see above
        _("submission key"), max_length=64, null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("aid request")
        verbose_name_plural = _("aid requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested__gt=Decimal("0")),
                name="aid_request_amount_positive",
                violation_error_message=_("The amount requested must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(coverage_end__gte=models.F("coverage_start")),
                name="aid_request_coverage_ordered",
                violation_error_message=_("The coverage period ends before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(need_score__isnull=True) | Q(need_score__lte=100),
                name="aid_request_need_score_range",
                violation_error_message=_("The need score is between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=HELD_STATUSES, claimed_by__isnull=False)
                    | ~Q(status__in=HELD_STATUSES)
                ),
                name="aid_request_held_has_organisation",
                violation_error_message=_("A claimed request must name the organisation."),
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gt=Decimal("0")),
                name="aid_request_approved_amount_positive",
                violation_error_message=_("The approved amount must be more than zero."),
            ),
            # One live request per beneficiary and aid type: the applicant's own (civil ID
            # NULL, coalesced to "") and one per household member — two children may each
            # have student aid. Across households the claim's rule (dedup) decides.
            models.UniqueConstraint(
                models.F("applicant"),
                models.F("aid_type"),
                Coalesce(models.F("beneficiary_civil_id"), models.Value("")),
                condition=Q(status__in=LIVE_STATUSES),
                name="one_live_request_per_beneficiary",
                violation_error_message=_(
                    "You already have a request of this aid type for this person that is still"
                    " in progress."
                ),
            ),
            models.CheckConstraint(
                condition=Q(income_below_verified=False) | Q(verified_income__isnull=False),
                name="income_flag_needs_verified_income",
                violation_error_message=_(
                    "A request can be flagged for income only when its income was verified."
                ),
            ),
            models.UniqueConstraint(
                fields=["applicant", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="one_request_per_submission_key",
                violation_error_message=_("This form was already sent."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "aid_type", "governorate"], name="aid_request_queue"),
            # The shared queue (charities.selectors.queue_for) reads open requests in one of two
            # orders and walks an index in that order instead of sorting every open request;
            # partial, so they hold only the open requests (docs/benchmarks.md).
            models.Index(
                fields=["-need_score", "-id"],
                name="aid_request_queue_score",
                condition=Q(status="open"),
            ),
            models.Index(
                fields=["submitted_at", "id"],
                name="aid_request_queue_oldest",
                condition=Q(status="open"),
            ),
            models.Index(
                fields=["aid_type", "governorate", "-need_score", "-id"],
                name="aid_request_queue_filtered",
                condition=Q(status="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.aid_type} ({self.get_status_display()})"

    def is_held_by(self, organisation_id: int) -> bool:
        """True while the organisation holds this case (``held_by``, for one request)."""
        return self.claimed_by_id == organisation_id and self.status in HELD_STATUSES

    @property
    def reference(self) -> str:
        """The number an applicant quotes on the phone."""
        return request_reference(self.pk)

    @property
    def is_for_member(self) -> bool:
        """True when the beneficiary is a household member, not the applicant."""
        return self.beneficiary_civil_id is not None

    def claim_deadline(self, days: int) -> datetime.datetime | None:
        """When an unapproved claim is released automatically."""
        if self.status != RequestStatus.CLAIMED or self.claimed_at is None:
            return None
        return self.claimed_at + datetime.timedelta(days=days)

    def is_claim_overdue(self, days: int, now: datetime.datetime) -> bool:
        deadline = self.claim_deadline(days)
        return deadline is not None and deadline <= now


class TimelineEntry(models.Model):
    """One step in a request's life: from which status to which, by whom, when, and why."""

    aid_request = models.ForeignKey(
        AidRequest, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("request")
    )
    from_status = models.CharField(
        _("from"), max_length=12, choices=RequestStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=RequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty when the system made the change (screening, deadlines)."),
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class CaseMessage(models.Model):
    """A message from the organisation holding a case to the applicant, shown on the request."""

    aid_request = models.ForeignKey(
        AidRequest, on_delete=models.CASCADE, related_name="messages", verbose_name=_("request")
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    body = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["sent_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body=""),
                name="case_message_not_empty",
                violation_error_message=_("A message cannot be empty."),
            )
        ]

    def __str__(self) -> str:
        return f"#{self.aid_request_id} {self.sent_at:%Y-%m-%d}"
