"""State benefits: what the Social Security and Social Welfare agencies (and others the ministry
adds) pay each person, as the agencies report it, and the imports that brought it in."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import validate_civil_id


class Agency(models.Model):
    """A state agency that pays benefits; ``code`` is how its files name it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Files may name only active agencies.")
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" else self.name_ar


class BenefitKind(models.Model):
    """A benefit one agency pays (``retirement_pension``); codes are unique per agency."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="kinds", verbose_name=_("agency")
    )
    code = models.SlugField(_("code"), max_length=60)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("benefit kind")
        verbose_name_plural = _("benefit kinds")
        ordering = ["agency__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "code"],
                name="benefit_kind_code_unique_per_agency",
                violation_error_message=_("This agency already has a benefit with this code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" else self.name_ar


class ImportSource(models.TextChoices):
    FILE = "file", _("File (command line)")
    LOOKUP = "lookup", _("Live lookup")


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportBatch(models.Model):
    """One run of an import over one file. Written batch by batch: ``rows_done`` and the counts
    advance in the same transaction as the records, so a run that stops (killed, failed) is
    resumed by running the same file (same ``sha256``) again.

    A refresh from the agencies' live lookup (``source`` ``lookup``) is a batch too: no file
    (``file_name`` names the adapter, ``sha256`` is empty), one row per benefit answered."""

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    source = models.CharField(
        _("source"), max_length=10, choices=ImportSource.choices, default=ImportSource.FILE
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    ended_count = models.PositiveIntegerField(_("ended"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    dry_run = models.BooleanField(_("dry run"), default=False)
    report_path = models.CharField(_("report file"), max_length=500, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
        help_text=_("Empty for the command line."),
    )

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ImportStatus.RUNNING) | Q(finished_at__isnull=False),
                name="import_batch_finished_has_time",
                violation_error_message=_("A finished import must say when it finished."),
            ),
            models.CheckConstraint(
                condition=Q(rows_done__lte=F("rows_total")),
                name="import_batch_rows_done_within_total",
                violation_error_message=_("Rows done cannot exceed the rows in the file."),
            ),
            # Two runs of one file started at the same moment share one batch (the second
            # finds the first's), so their rows are loaded once: see _batch_open.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status=ImportStatus.RUNNING, dry_run=False, source=ImportSource.FILE),
                name="import_batch_one_running_per_file",
                violation_error_message=_(
                    "Another import of the same file is running. Wait until it ends, then run "
                    "it again."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"

    def summary_line(self) -> str:
        """The one line the command prints at the end (its format is a contract)."""
        return (
            f"{self.created_count} created, {self.updated_count} updated, "
            f"{self.unchanged_count} unchanged, {self.ended_count} ended, "
            f"{self.error_count} errors"
        )


class BenefitRecord(models.Model):
    """One benefit an agency pays one person, as the agency last reported it.

    Its identity is (agency, reference): the agency's own reference. An import finds the record
    by that key and creates, updates or leaves it. ``end_date`` empty: paid until further
    notice. ``batch`` is the import that last created or changed it.
    """

    civil_id = models.CharField(
        _("civil ID"), max_length=12, db_index=True, validators=[validate_civil_id]
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="records", verbose_name=_("agency")
    )
    kind = models.ForeignKey(
        BenefitKind, on_delete=models.PROTECT, related_name="records", verbose_name=_("benefit")
    )
    monthly_amount = models.DecimalField(_("monthly amount"), max_digits=12, decimal_places=3)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    reference = models.CharField(_("agency's reference"), max_length=64)
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("import batch"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("benefit record")
        verbose_name_plural = _("benefit records")
        ordering = ["civil_id", "start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"],
                name="benefit_record_reference_unique_per_agency",
                violation_error_message=_("This agency already has a record with this reference."),
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount__gte=Decimal("0")),
                name="benefit_record_amount_not_negative",
                violation_error_message=_("The monthly amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="benefit_record_period_ordered",
                violation_error_message=_("The benefit ends before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code}/{self.reference}"


class BenefitEffect(models.TextChoices):
    """What a state benefit means for one aid type, as the ministry decides."""

    EXCLUDES = "excludes", _("Excludes this aid type")
    INCOME = "income", _("Counts as verified income")


class AidTypeBenefitRule(models.Model):
    """The ministry's rule for one (aid type, benefit kind): the benefit either excludes the aid
    type (a person receiving it cannot be given that aid type by a charity over the same period)
    or counts as verified income in that aid type's screening and need score. A benefit with no
    rule for an aid type has no effect on it."""

    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.CASCADE,
        related_name="benefit_rules",
        verbose_name=_("aid type"),
    )
    kind = models.ForeignKey(
        BenefitKind,
        on_delete=models.PROTECT,
        related_name="aid_type_rules",
        verbose_name=_("benefit"),
    )
    effect = models.CharField(_("effect"), max_length=10, choices=BenefitEffect.choices)

    class Meta:
        verbose_name = _("aid type rule for a benefit")
        verbose_name_plural = _("aid type rules for benefits")
        ordering = ["aid_type_id", "kind_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["aid_type", "kind"],
                name="benefit_rule_one_effect_per_aid_type",
                violation_error_message=_("This benefit already has a rule for this aid type."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.aid_type_id}: {self.get_effect_display()}"
