"""Paid volunteering: opportunities, applications (placements once accepted) and weekly hours.

The stipend itself is not kept here: an accepted application holds an ``AidRequest`` of the
paid-volunteering aid type (``volunteering.programme``), and each month's stipend is a
``Payment`` of that request, recorded through ``charities.services.payments.payment_record``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Preference(models.Model):
    """An applicant's choice, kept with the profile's pages: paid volunteering rather than
    direct aid (issue 15). The ministry's statistics count who chose it."""

    applicant = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volunteering_preference",
        verbose_name=_("applicant"),
    )
    prefers_volunteering = models.BooleanField(
        _("prefers paid volunteering to direct aid"), default=False
    )
    updated_at = models.DateTimeField(_("chosen at"))

    class Meta:
        verbose_name = _("volunteering preference")
        verbose_name_plural = _("volunteering preferences")

    def __str__(self) -> str:
        return f"{self.applicant_id}: {self.prefers_volunteering}"


class WorkKind(models.TextChoices):
    EDUCATION = "education", _("Education and tutoring")
    HEALTH = "health", _("Health and care")
    ENVIRONMENT = "environment", _("Environment")
    COMMUNITY = "community", _("Community services")
    ADMINISTRATION = "administration", _("Office and administration")
    RELIEF = "relief", _("Relief and distribution")


class StipendBasis(models.TextChoices):
    HOURLY = "hourly", _("Per hour")
    MONTHLY = "monthly", _("Per month")


class Opportunity(models.Model):
    """Paid volunteer work published by an organisation licensed for the programme.

    ``accepted_count`` counts the accepted volunteers; the database holds it within ``seats``
    (CHECK constraint), and the acceptance raises it with a conditional UPDATE
    (``volunteering.services.applications.application_accept``).
    """

    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("organisation"),
    )
    title_ar = models.CharField(_("title (Arabic)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_ar = models.TextField(_("description (Arabic)"))
    description_en = models.TextField(_("description (English)"))
    kind = models.CharField(_("kind of work"), max_length=16, choices=WorkKind.choices)
    governorate = models.ForeignKey(
        "applicants.Governorate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("governorate"),
    )
    place = models.CharField(_("place"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    hours_per_week = models.PositiveSmallIntegerField(_("hours a week"))
    seats = models.PositiveSmallIntegerField(_("seats"))
    accepted_count = models.PositiveSmallIntegerField(_("volunteers accepted"), default=0)
    stipend_basis = models.CharField(_("stipend paid"), max_length=8, choices=StipendBasis.choices)
    rate = models.DecimalField(
        _("stipend rate (KWD)"),
        max_digits=9,
        decimal_places=3,
        help_text=_("Per hour or per month, as chosen above."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    skills = models.TextField(_("skills required"), blank=True)
    closes_on = models.DateField(_("applications close on"))
    completed_at = models.DateTimeField(_("marked completed at"), null=True, blank=True)
    # When the volunteers were told their certificates are ready (on completion, or by the
    # daily job once the end date passed): told once.
    certificates_announced_at = models.DateTimeField(
        _("certificates announced at"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("volunteering opportunity")
        verbose_name_plural = _("volunteering opportunities")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_count__lte=F("seats")),
                name="opportunity_accepted_within_seats",
                violation_error_message=_("No more volunteers may be accepted than seats."),
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1),
                name="opportunity_has_seats",
                violation_error_message=_("An opportunity needs at least one seat."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="opportunity_dates_ordered",
                violation_error_message=_("The opportunity ends before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(closes_on__lte=F("ends_on")),
                name="opportunity_closes_before_end",
                violation_error_message=_("Applications must close before the work ends."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=Decimal("0")),
                name="opportunity_rate_positive",
                violation_error_message=_("The stipend must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gte=1, hours_per_week__lte=60),
                name="opportunity_hours_range",
                violation_error_message=_("Hours a week are between 1 and 60."),
            ),
        ]
        indexes = [models.Index(fields=["closes_on", "governorate"], name="opportunity_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" else self.title_ar

    @property
    def description(self) -> str:
        return self.description_en if get_language() == "en" else self.description_ar

    @property
    def seats_left(self) -> int:
        return max(0, self.seats - self.accepted_count)

    def is_open_on(self, day: datetime.date) -> bool:
        """Applications accepted on ``day``."""
        return self.completed_at is None and day <= self.closes_on

    def has_ended_on(self, day: datetime.date) -> bool:
        """The work is over: its end date passed or the organisation marked it completed."""
        return self.completed_at is not None or day > self.ends_on


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The organisation may still decide on an application in these states.
UNDECIDED = (ApplicationStatus.APPLIED, ApplicationStatus.SHORTLISTED)


class Application(models.Model):
    """An applicant's application for an opportunity; once accepted, their placement.

    An accepted application holds ``aid_request``, the stipend aid (paid-volunteering aid type,
    held by the organisation); it stays linked after a withdrawal, for the record.
    """

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("opportunity"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="volunteer_applications",
        verbose_name=_("applicant"),
    )
    note = models.TextField(_("note to the organisation"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.APPLIED,
    )
    decline_reason = models.TextField(_("reason for declining"), max_length=500, blank=True)
    aid_request = models.OneToOneField(
        "aid_requests.AidRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placement",
        verbose_name=_("stipend aid"),
    )
    applied_at = models.DateTimeField(_("applied at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("volunteering application")
        verbose_name_plural = _("volunteering applications")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "applicant"],
                name="one_application_per_opportunity",
                violation_error_message=_("You have already applied for this opportunity."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.DECLINED) | ~Q(decline_reason=""),
                name="application_declined_has_reason",
                violation_error_message=_("Declining needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.ACCEPTED) | Q(aid_request__isnull=False),
                name="application_accepted_has_aid",
                violation_error_message=_("An accepted application holds its stipend aid."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} — {self.applicant_id} ({self.get_status_display()})"


class HoursStatus(models.TextChoices):
    LOGGED = "logged", _("Waiting for the volunteer")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")


class HourLog(models.Model):
    """The hours a volunteer worked in one week of the placement, as the organisation logged
    them; the volunteer confirms or disputes them. Only confirmed hours are paid.

    Week ``n`` is the seven days from ``starts_on + 7 (n - 1)`` (``volunteering.stipends``).
    A confirmed week is final; a disputed one may be corrected by the organisation, which
    puts it back to the volunteer.
    """

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="hours", verbose_name=_("placement")
    )
    week = models.PositiveSmallIntegerField(_("week"))
    # Kept with the row (it follows from the week and the opportunity's start) so that the
    # ministry's figures group hours by month in SQL.
    week_starts_on = models.DateField(_("week starts on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=HoursStatus.choices, default=HoursStatus.LOGGED
    )
    dispute_reason = models.TextField(_("reason for disputing"), max_length=500, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(_("logged at"))
    answered_at = models.DateTimeField(_("confirmed or disputed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["application", "week"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "week"],
                name="one_hour_log_per_week",
                violation_error_message=_("This week's hours are already logged."),
            ),
            models.CheckConstraint(
                condition=Q(week__gte=1),
                name="hour_log_week_from_one",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=Decimal("0"), hours__lte=Decimal("168")),
                name="hour_log_hours_range",
                violation_error_message=_("Hours are more than 0 and at most 168 a week."),
            ),
            models.CheckConstraint(
                condition=~Q(status=HoursStatus.DISPUTED) | ~Q(dispute_reason=""),
                name="hour_log_dispute_has_reason",
                violation_error_message=_("Disputing needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} week {self.week}: {self.hours}"
