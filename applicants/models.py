"""Applicants: their profile and household, and the governorates they live in.

Also what they declare with it: income sources, monthly obligations and documents; the
possible duplicates found when a person is listed in two households; and the history of every
change made once a charity holds one of the applicant's requests.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import validate_civil_id
from applicants.validators import (
    JPEG,
    MAX_DOCUMENT_BYTES,
    MAX_MONTHLY_AMOUNT,
    MIN_MONTHLY_AMOUNT,
    PDF,
    PNG,
)


class Governorate(models.Model):
    """A governorate (Kuwait has six); reference data loaded by the seed."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        verbose_name = _("governorate")
        verbose_name_plural = _("governorates")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" else self.name_ar


class Gender(models.TextChoices):
    """The gender an applicant declares."""

    MALE = "m", _("Male")
    FEMALE = "f", _("Female")


class ApplicantProfile(models.Model):
    """What an applicant declares about themselves; one per applicant account.

    The profile is filled in steps (personal, household, income, obligations, documents,
    consent, review). The personal step is complete when its required fields are filled; each
    list step is complete once the applicant confirmed it with "save and continue" (a household
    may have no other members, a person may have no income), which is what ``*_confirmed_at``
    record; the consent step once the applicant agreed to the privacy notice (``consented_at``).
    ``is_protected`` is set by a ministry administrator (``applicant_protection_set``) and hides
    the contact details from charities. A household is *active* while its applicant's account
    is active.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applicant_profile"
    )
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    nationality = models.CharField(_("nationality"), max_length=60, blank=True)
    governorate = models.ForeignKey(
        Governorate, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("governorate")
    )
    area = models.CharField(_("area"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_protected = models.BooleanField(
        _("protected applicant"),
        default=False,
        help_text=_("Contact details are hidden from charities."),
    )
    household_confirmed_at = models.DateTimeField(
        _("household step confirmed at"), null=True, blank=True
    )
    incomes_confirmed_at = models.DateTimeField(
        _("income step confirmed at"), null=True, blank=True
    )
    obligations_confirmed_at = models.DateTimeField(
        _("obligations step confirmed at"), null=True, blank=True
    )
    documents_confirmed_at = models.DateTimeField(
        _("documents step confirmed at"), null=True, blank=True
    )
    consented_at = models.DateTimeField(
        _("privacy notice accepted at"),
        null=True,
        blank=True,
        help_text=_(
            "When the applicant agreed to the privacy notice; the profile is not complete "
            "without it."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("applicant profile")
        verbose_name_plural = _("applicant profiles")

    def __str__(self) -> str:
        return self.name_ar

    @property
    def household_size(self) -> int:
        """The applicant plus every declared member."""
        return 1 + self.members.count()


class Kinship(models.TextChoices):
    """How a household member is related to the applicant."""

    SPOUSE = "spouse", _("Spouse")
    SON = "son", _("Son")
    DAUGHTER = "daughter", _("Daughter")
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    BROTHER = "brother", _("Brother")
    SISTER = "sister", _("Sister")
    OTHER = "other", _("Other")


class HouseholdMember(models.Model):
    """A person who lives in the applicant's household and depends on its income."""

    profile = models.ForeignKey(ApplicantProfile, on_delete=models.CASCADE, related_name="members")
    civil_id = models.CharField(_("civil ID"), max_length=12, validators=[validate_civil_id])
    name = models.CharField(_("name"), max_length=200)
    kinship = models.CharField(_("kinship"), max_length=16, choices=Kinship.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    has_disability = models.BooleanField(_("has a disability"), default=False)
    is_student = models.BooleanField(_("student"), default=False)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "civil_id"],
                name="member_once_per_household",
                violation_error_message=_("This person is already listed in this household."),
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- what the household lives on ----------------------------------------------------------


def _monthly_amount_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(amount__gte=MIN_MONTHLY_AMOUNT),
            name=f"{prefix}_amount_positive",
            violation_error_message=_("The monthly amount must be at least 0.001 KWD."),
        ),
        models.CheckConstraint(
            condition=Q(amount__lte=MAX_MONTHLY_AMOUNT),
            name=f"{prefix}_amount_plausible",
            violation_error_message=_("The monthly amount cannot exceed 100,000 KWD."),
        ),
    ]


class IncomeKind(models.TextChoices):
    """Where a household's money comes from."""

    SALARY = "salary", _("Salary")
    PENSION = "pension", _("Pension")
    SOCIAL_SECURITY = "social_security", _("Social security")
    BUSINESS = "business", _("Business")
    RENT_INCOME = "rent_income", _("Rent income")
    OTHER = "other", _("Other income")


class MonthlyAmount(models.Model):
    """What an income source and a monthly obligation share: a kind, an amount in KWD a month,
    a description. Each subclass names its profile relation, its kinds and its constraints."""

    amount = models.DecimalField(_("monthly amount (KWD)"), max_digits=12, decimal_places=3)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"  # type: ignore[attr-defined]


class IncomeSource(MonthlyAmount):
    """One monthly income of the household, in KWD."""

    profile = models.ForeignKey(
        ApplicantProfile,
        on_delete=models.CASCADE,
        related_name="incomes",
        verbose_name=_("profile"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=IncomeKind.choices)

    class Meta(MonthlyAmount.Meta):
        verbose_name = _("income source")
        verbose_name_plural = _("income sources")
        constraints = _monthly_amount_constraints("income")


class ObligationKind(models.TextChoices):
    """What a household must pay every month."""

    RENT = "rent", _("Rent")
    LOANS = "loans", _("Loans")
    INSTALLMENTS = "installments", _("Installments")
    OTHER = "other", _("Other obligation")


class MonthlyObligation(MonthlyAmount):
    """One monthly payment the household must make, in KWD."""

    profile = models.ForeignKey(
        ApplicantProfile,
        on_delete=models.CASCADE,
        related_name="obligations",
        verbose_name=_("profile"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ObligationKind.choices)

    class Meta(MonthlyAmount.Meta):
        verbose_name = _("monthly obligation")
        verbose_name_plural = _("monthly obligations")
        constraints = _monthly_amount_constraints("obligation")


# --- documents ----------------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    """What a document proves (aid types name the kinds they require)."""

    CIVIL_ID_COPY = "civil_id_copy", _("Civil ID copy")
    SALARY_CERTIFICATE = "salary_certificate", _("Salary certificate")
    RENT_CONTRACT = "rent_contract", _("Rent contract")
    MEDICAL_REPORT = "medical_report", _("Medical report")
    STUDENT_ENROLMENT = "student_enrolment", _("Student enrolment")
    OTHER = "other", _("Other document")


class DocumentContentType(models.TextChoices):
    """The file types accepted, as proven by the file's content."""

    PDF_FILE = PDF, "PDF"
    JPEG_IMAGE = JPEG, "JPEG"
    PNG_IMAGE = PNG, "PNG"


_EXTENSION = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}


def document_storage_name(instance: Document, filename: str) -> str:
    """A random name (uuid4) under ``documents/``; the name the applicant gave is not used."""
    return f"documents/{uuid.uuid4().hex}{_EXTENSION.get(instance.content_type, '')}"


class Document(models.Model):
    """A file an applicant uploaded as evidence, stored under a random name.

    Files live under MEDIA_ROOT, outside the web root, and are served only by the download
    view after ``aid_requests.selectors.get_document_for_user`` allowed it.
    """

    profile = models.ForeignKey(
        ApplicantProfile,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("profile"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_storage_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(
        _("content type"), max_length=40, choices=DocumentContentType.choices
    )
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=MAX_DOCUMENT_BYTES),
                name="document_size_limit",
                violation_error_message=_("A document must be between 1 byte and 10 MB."),
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=DocumentContentType.values),
                name="document_content_type_allowed",
                violation_error_message=_("Only PDF, JPEG or PNG documents are accepted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


# --- for the ministry: one person in two households ---------------------------------------


class ReviewStatus(models.TextChoices):
    """Where the ministry's review of a possible duplicate stands."""

    OPEN = "open", _("Awaiting review")
    CONFIRMED = "confirmed", _("Confirmed duplicate")
    DISMISSED = "dismissed", _("Not a duplicate")


class PossibleDuplicate(models.Model):
    """A civil ID declared in ``profile`` that is already part of another active household.

    Found when a member is added (or their civil ID changed) and when an applicant creates a
    profile. ``member`` is the listing in ``profile`` (null when the civil ID is the applicant's
    own); ``other_member`` the listing in the other household (null when the civil ID is the
    other household's applicant, ``other_applicant``). The applicant is only told that the
    person is listed elsewhere; who and where is for the ministry alone.
    """

    civil_id = models.CharField(_("civil ID"), max_length=12, db_index=True)
    profile = models.ForeignKey(
        ApplicantProfile,
        on_delete=models.CASCADE,
        related_name="possible_duplicates",
        verbose_name=_("household declaring"),
    )
    member = models.ForeignKey(
        HouseholdMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="possible_duplicates",
        verbose_name=_("member listing"),
    )
    other_applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("applicant of the other household"),
    )
    other_profile = models.ForeignKey(
        ApplicantProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other household"),
    )
    other_member = models.ForeignKey(
        HouseholdMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("listing in the other household"),
    )
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    detected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("detected on a change by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    #: The ministry's reason, and for a confirmed duplicate the household the person belongs to.
    review_reason = models.TextField(_("reason"), blank=True)
    belongs_to = models.ForeignKey(
        ApplicantProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household the person belongs to"),
    )

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status=ReviewStatus.OPEN, reviewed_at__isnull=True)
                    | (~Q(status=ReviewStatus.OPEN) & Q(reviewed_at__isnull=False))
                ),
                name="possible_duplicate_review_dated",
                violation_error_message=_("A reviewed possible duplicate needs a review date."),
            ),
            models.UniqueConstraint(
                fields=["profile", "civil_id", "other_applicant"],
                condition=Q(status=ReviewStatus.OPEN),
                name="possible_duplicate_open_once",
                violation_error_message=_("This possible duplicate is already awaiting review."),
            ),
        ]

    def __str__(self) -> str:
        return f"…{self.civil_id[-4:]} ({self.get_status_display()})"


# --- history after a claim ----------------------------------------------------------------


class ChangeKind(models.TextChoices):
    """What happened to a declared item."""

    UPDATED = "updated", _("Changed")
    ADDED = "added", _("Added")
    REMOVED = "removed", _("Removed")


class ProfileChange(models.Model):
    """One change to a profile made while a charity holds one of the applicant's requests.

    Together with the current profile this tells the charity what was declared at claim time.
    ``model`` is the changed model's label (``applicants.householdmember``, ``accounts.user``
    for mobile and e-mail); ``field`` is set for updates; added and removed rows keep a summary
    of the whole row in ``new_value`` / ``old_value``.
    """

    profile = models.ForeignKey(
        ApplicantProfile,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("profile"),
    )
    model = models.CharField(_("what"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=32)
    kind = models.CharField(_("change"), max_length=8, choices=ChangeKind.choices)
    field = models.CharField(_("field"), max_length=64, blank=True)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(kind=ChangeKind.UPDATED) & ~Q(field=""))
                    | (Q(kind=ChangeKind.ADDED, field="", old_value__isnull=True))
                    | (Q(kind=ChangeKind.REMOVED, field="", new_value__isnull=True))
                ),
                name="profile_change_shape",
                violation_error_message=_(
                    "A change names its field; an addition has no old value and a removal no "
                    "new value."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id} {self.kind} {self.field}".strip()
