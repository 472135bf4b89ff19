"""Reports: the ministry's rollup tables, export jobs, and the worker heartbeat.

The statistics page never reads the raw tables (millions of requests and payments) for its
figures: it reads the monthly rollups below, which ``reports.services.rollups.rollups_refresh``
keeps current (Celery beat, every five minutes; ``manage.py refresh_rollups --full`` rebuilds
them).
The page's ranges are whole months. ``RollupState`` says when the last refresh ran.
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


class JobOutcome(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class PeriodicJobRun(models.Model):
    """The last run of one periodic task (an entry of ``CELERY_BEAT_SCHEDULE``), one row per task.

    Written when the task starts and when it ends, by Celery's task signals
    (``reports.signals``), so it is the same whether Celery beat + a worker run it
    (production) or ``manage.py run_periodic`` does, in-process (the embedded default).
    """

    task = models.CharField(_("task"), max_length=200)
    started_at = models.DateTimeField(_("last started"))
    finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=JobOutcome.choices, default=JobOutcome.RUNNING
    )
    error = models.TextField(_("error"), blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        constraints = [models.UniqueConstraint(fields=["task"], name="one_run_row_per_task")]

    def __str__(self) -> str:
        return f"{self.task} @ {self.started_at:%Y-%m-%d %H:%M:%S} ({self.outcome})"


class EventCounters(models.Model):
    """The additive figures of what organisations did in a month: one set per rollup row."""

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
        abstract = True


class MonthlyFigures(EventCounters):
    """What happened in one local month (Asia/Kuwait) for one aid type and governorate (the
    applicant's at submission). Derived data: rebuilt from the raw rows, never edited.

    Every figure is additive, so any range of whole months is a plain SUM: claims (one per
    claim, released ones included), closures, payments (by ``paid_on``), duplicates prevented
    (``dedup.PreventedDuplicate``: once each), claims released by the deadline. Requests
    submitted, by where they stand now, are in ``MonthlyStatusFigures``; what each
    organisation did, in ``MonthlyOrganisationFigures``.
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("aid type"),
    )
    governorate = models.ForeignKey(
        "applicants.Governorate",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("governorate"),
    )

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [
            # Also the index of the page's range query (month first).
            models.UniqueConstraint(
                fields=["month", "aid_type", "governorate"],
                name="monthly_figures_one_row_per_key",
                violation_error_message=_("These monthly figures already exist."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} t{self.aid_type_id} g{self.governorate_id}"


class MonthlyStatusFigures(models.Model):
    """How many requests submitted in ``month`` (aid type, governorate) are in ``status`` now.

    Re-counted for the (month, aid type, governorate) of every request that changed, so the
    "submitted / open / claimed / closed / ineligible" figures and the overview's "requests by
    status" are sums over a few thousand rows, never a scan of the requests.
    """

    month = models.DateField(_("month of submission"))
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("aid type"),
    )
    governorate = models.ForeignKey(
        "applicants.Governorate",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("governorate"),
    )
    status = models.CharField(_("status now"), max_length=12)
    count = models.PositiveIntegerField(_("requests"))

    class Meta:
        verbose_name = _("monthly status figures")
        verbose_name_plural = _("monthly status figures")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "aid_type", "governorate", "status"],
                name="monthly_status_one_row_per_key",
                violation_error_message=_("These monthly figures already exist."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} t{self.aid_type_id} g{self.governorate_id} {self.status}"


class MonthlyOrganisationFigures(EventCounters):
    """What one organisation did in one local month for one aid type (additive figures)."""

    month = models.DateField(_("month"))
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("aid type"),
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )

    class Meta:
        verbose_name = _("monthly organisation figures")
        verbose_name_plural = _("monthly organisation figures")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "aid_type", "organisation"],
                name="monthly_org_one_row_per_key",
                violation_error_message=_("These monthly figures already exist."),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "month"], name="monthly_org_by_org")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} t{self.aid_type_id} o{self.organisation_id}"


class DurationMeasure(models.TextChoices):
    TO_CLAIM = "to_claim", _("Days from submission to claim")
    TO_PAYMENT = "to_payment", _("Days from claim to first payment")


class MonthlyDurations(models.Model):
    """A histogram: how many requests whose (current) claim fell in ``month`` took ``days``
    whole days for ``measure``. Medians over any range are read from the summed histogram."""

    month = models.DateField(_("month of the claim"))
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("aid type"),
    )
    measure = models.CharField(_("measure"), max_length=12, choices=DurationMeasure.choices)
    days = models.IntegerField(_("days"))
    count = models.PositiveIntegerField(_("requests"))

    class Meta:
        verbose_name = _("monthly durations")
        verbose_name_plural = _("monthly durations")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "aid_type", "measure", "days"],
                name="monthly_durations_one_row_per_key",
                violation_error_message=_("These duration figures already exist."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} {self.days}d × {self.count}"


class CoverageKind(models.TextChoices):
    PERSON = "person", _("Person (civil ID)")
    HOUSEHOLD = "household", _("Household (applicant)")


class CoverageFigures(models.Model):
    """Distinct people and households covered in any range of whole months, exactly.

    For each person and each month ``m`` they are covered in, with ``p`` the previous month
    they are covered in (0 for none), ``count`` of (kind, aid type, m, p) goes up by one. A
    person is covered somewhere in months A..B exactly when their first covered month at or
    after A is at most B — i.e. exactly one of their months m has A <= m <= B and p < A. So
    the number of distinct people of a range is ``SUM(count) WHERE month BETWEEN A AND B AND
    previous < A``: a few thousand rows, however many millions of people. ``aid_type_key`` 0
    holds the months covered by any aid type.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=CoverageKind.choices)
    aid_type_key = models.IntegerField(_("aid type id (0: any)"))
    month = models.IntegerField(_("month number"))
    previous = models.IntegerField(_("previous month covered (0: none)"))
    count = models.PositiveIntegerField(_("people or households"))

    class Meta:
        verbose_name = _("coverage figures")
        verbose_name_plural = _("coverage figures")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "aid_type_key", "month", "previous"],
                name="coverage_figures_one_row_per_key",
                violation_error_message=_("These coverage figures already exist."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} t{self.aid_type_key} {self.month}←{self.previous} × {self.count}"


class RollupEvent(models.TextChoices):
    COMMITTED = "committed", _("commitment reserved (a claim when the applicant's)")
    RELEASED_COMMITMENT = "released", _("commitment released")
    CLOSURE = "closure", _("closure")
    RELEASE = "release", _("release by the deadline")
    PAYMENT = "payment", _("payment")
    PREVENTED = "prevented", _("prevented duplicate")
    ADJUSTED = "adjusted", _("amount saved adjusted")


class AppliedEvent(models.Model):
    """An event (a commitment reserved or released, a closure, a release by the deadline, a
    payment, a prevented duplicate) already added to the rollups, kept while it is young enough to
    be seen again by the next refresh (whose window reaches back ``REFRESH_OVERLAP`` before the
    previous run): so each event is counted exactly once although the windows overlap."""

    kind = models.CharField(_("kind"), max_length=10, choices=RollupEvent.choices)
    event_id = models.BigIntegerField(_("event id"))
    at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("applied event")
        verbose_name_plural = _("applied events")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "event_id"],
                name="applied_event_once",
                violation_error_message=_("This event was already applied."),
            ),
        ]
        indexes = [models.Index(fields=["at"], name="applied_event_at")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.event_id}"


class RollupState(models.Model):
    """One row: when the rollups were last refreshed (shown on the statistics page).

    The refresh locks this row for its whole run, so two refreshes never interleave.
    """

    started_at = models.DateTimeField(_("last refresh started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("last refresh finished"), null=True, blank=True)
    full_at = models.DateTimeField(_("last full refresh"), null=True, blank=True)
    days_refreshed = models.PositiveIntegerField(
        _("cells refreshed by the last run"),
        default=0,
        help_text=_("Months of a full run; re-counted cells and applied events of another."),
    )
    version = models.PositiveIntegerField(_("refresh counter"), default=0)
    applicants = models.PositiveIntegerField(
        _("registered applicants"), default=0, help_text=_("Counted by the last refresh.")
    )

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
    HEADLINE = "headline", _("Headline figures")
    OVERVIEW_STATUS = "overview_status", _("Requests by status")
    OVERVIEW_AID_TYPES = "overview_aid_types", _("Requests by aid type")
    OVERVIEW_ORGANISATIONS = "overview_orgs", _("Organisations by status")


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
    kind = models.CharField(_("table"), max_length=20, choices=ExportKind.choices)
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
