"""Reports: the ministry's rollup tables, export jobs, and the worker heartbeat.

The statistics page never reads the raw tables (millions of requests and payments) for its
sums: it reads ``DailyFigures`` and ``DurationFigures``, which ``reports.services.rollups_refresh``
rebuilds for the days that changed since its last run (Celery beat, every five minutes) or for
every day (``manage.py refresh_rollups --full``). ``RollupState`` says when that last happened.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """Written by the Celery beat task every minute, so staff can see the workers are alive."""

    worker = models.CharField(_("worker"), max_length=200)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        constraints = [models.UniqueConstraint(fields=["worker"], name="one_heartbeat_per_worker")]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class DailyFigures(models.Model):
    """Counts and sums of one local day (Asia/Kuwait) for one aid type, organisation and
    governorate. Derived data: rebuilt from the raw rows, never edited.

    Rows with no organisation hold the request figures, keyed by the day of submission:
    ``submitted`` and where those requests stand *now* (``open_now`` … ``ineligible_now``).
    Rows with an organisation hold what organisations did that day: claims (one per claim,
    released ones included), closures, payments (by ``paid_on``), blocked attempts, and claims
    released by the deadline. Every figure is additive, so any date range is a plain SUM;
    distinct beneficiaries are not (see ``reports.selectors.distinct_beneficiaries``).
    """

    day = models.DateField(_("day"))
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("aid type"),
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    governorate = models.ForeignKey(
        "applicants.Governorate",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("governorate"),
    )
    submitted = models.PositiveIntegerField(_("requests submitted"), default=0)
    open_now = models.PositiveIntegerField(_("of those, open now"), default=0)
    held_now = models.PositiveIntegerField(_("of those, claimed/approved/paying now"), default=0)
    closed_now = models.PositiveIntegerField(_("of those, closed now"), default=0)
    ineligible_now = models.PositiveIntegerField(_("of those, ineligible now"), default=0)
    claims = models.PositiveIntegerField(_("claims"), default=0)
    closures = models.PositiveIntegerField(_("closures"), default=0)
    released_by_deadline = models.PositiveIntegerField(
        _("claims released by the deadline"), default=0
    )
    payments_count = models.PositiveIntegerField(_("payments"), default=0)
    payments_amount = models.DecimalField(
        _("amount paid (KWD)"), max_digits=16, decimal_places=3, default=Decimal("0")
    )
    blocked_count = models.PositiveIntegerField(_("duplicates prevented"), default=0)
    blocked_amount = models.DecimalField(
        _("amount of duplicates prevented (KWD)"),
        max_digits=16,
        decimal_places=3,
        default=Decimal("0"),
    )

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints = [
            # Two constraints because NULLs are distinct in a unique index on both databases.
            models.UniqueConstraint(
                fields=["day", "aid_type", "organisation", "governorate"],
                condition=Q(organisation__isnull=False),
                name="daily_figures_one_row_per_key",
                violation_error_message=_("These daily figures already exist."),
            ),
            models.UniqueConstraint(
                fields=["day", "aid_type", "governorate"],
                condition=Q(organisation__isnull=True),
                name="daily_figures_one_request_row_per_key",
                violation_error_message=_("These daily figures already exist."),
            ),
        ]
        indexes = [
            # The page filters by a day range and, optionally, one aid type.
            models.Index(fields=["day", "aid_type"], name="daily_figures_day"),
            models.Index(fields=["organisation", "day"], name="daily_figures_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} t{self.aid_type_id} o{self.organisation_id} g{self.governorate_id}"


class DurationMeasure(models.TextChoices):
    TO_CLAIM = "to_claim", _("Days from submission to claim")
    TO_PAYMENT = "to_payment", _("Days from claim to first payment")


class DurationFigures(models.Model):
    """A histogram: how many requests claimed on ``day`` took ``days`` whole days for
    ``measure``. Medians over any range are read from the summed histogram, exactly."""

    day = models.DateField(_("day of the claim"))
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("aid type"),
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    measure = models.CharField(_("measure"), max_length=12, choices=DurationMeasure.choices)
    days = models.IntegerField(_("days"))
    count = models.PositiveIntegerField(_("requests"))

    class Meta:
        verbose_name = _("duration figures")
        verbose_name_plural = _("duration figures")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "aid_type", "organisation", "measure", "days"],
                condition=Q(organisation__isnull=False),
                name="duration_figures_one_row_per_key",
                violation_error_message=_("These duration figures already exist."),
            ),
            models.UniqueConstraint(
                fields=["day", "aid_type", "measure", "days"],
                condition=Q(organisation__isnull=True),
                name="duration_figures_one_orphan_row_per_key",
                violation_error_message=_("These duration figures already exist."),
            ),
        ]
        indexes = [models.Index(fields=["day", "aid_type"], name="duration_figures_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.days}d × {self.count}"


class RollupState(models.Model):
    """One row: when the rollups were last refreshed (shown on the statistics page).

    The refresh locks this row for its whole run, so two refreshes never interleave.
    """

    started_at = models.DateTimeField(_("last refresh started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("last refresh finished"), null=True, blank=True)
    full_at = models.DateTimeField(_("last full refresh"), null=True, blank=True)
    days_refreshed = models.PositiveIntegerField(_("days refreshed by the last run"), default=0)
    version = models.PositiveIntegerField(_("refresh counter"), default=0)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return f"rollups refreshed {self.finished_at}"


class ExportKind(models.TextChoices):
    AID_TYPES = "aid_types", _("Figures by aid type")
    ORGANISATIONS = "organisations", _("Figures by organisation")
    GOVERNORATES = "governorates", _("Figures by governorate")
    MONTHS = "months", _("Figures by month")
    REQUESTS = "requests", _("Requests")
    PAYMENTS = "payments", _("Payments")
    BLOCKED = "blocked", _("Duplicates prevented")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """A big export prepared in the background; only the person who asked may download it."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("table"), max_length=16, choices=ExportKind.choices)
    file_format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    parameters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    file_path = models.CharField(
        _("file"), max_length=255, blank=True, help_text=_("Relative to MEDIA_ROOT.")
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="export_job_progress_percent",
                violation_error_message=_("Progress is between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.DONE) | ~Q(file_path=""),
                name="export_job_done_has_file",
                violation_error_message=_("A finished export names its file."),
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_job_mine")]

    def __str__(self) -> str:
        return f"export #{self.pk} {self.kind}.{self.file_format} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)
