"""The aid-type catalogue: the kinds of aid the ministry offers, and for whom."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class AidScope(models.TextChoices):
    PERSON = "person", _("Person")
    HOUSEHOLD = "household", _("Household")


class Beneficiaries(models.TextChoices):
    """Who a person-scope aid type may be for (household aid is always for the whole household)."""

    APPLICANT = "applicant", _("The applicant only")
    APPLICANT_OR_MEMBER = "applicant_or_member", _("The applicant or a household member")
    MEMBER = "member", _("A household member only")


class AidType(models.Model):
    """A kind of aid in the ministry's catalogue (needy families, rent allowance, …).

    ``coverage_months`` = 0 means one-off aid; otherwise the aid covers that many months from
    the start of its period, and the one-aid-type rule applies over that window.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=AidScope.choices)
    coverage_months = models.PositiveSmallIntegerField(
        _("coverage (months)"), default=0, help_text=_("0 means one-off aid.")
    )
    max_amount = models.DecimalField(_("maximum amount (KWD)"), max_digits=12, decimal_places=3)
    required_documents = models.JSONField(_("required document kinds"), default=list, blank=True)
    max_income_per_capita = models.DecimalField(
        _("maximum monthly income per person after obligations (KWD)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
    )
    beneficiaries = models.CharField(
        _("who may be the beneficiary"),
        max_length=20,
        choices=Beneficiaries.choices,
        default=Beneficiaries.APPLICANT,
        help_text=_("For person aid only: household aid covers the whole household."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    licensed_only = models.BooleanField(
        _("only organisations licensed for this type may claim it"), default=False
    )

    class Meta:
        verbose_name = _("aid type")
        verbose_name_plural = _("aid types")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_amount__gt=Decimal("0")),
                name="aid_type_max_amount_positive",
                violation_error_message=_("The maximum amount must be more than zero."),
            )
        ]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" else self.name_ar

    @property
    def is_one_off(self) -> bool:
        return self.coverage_months == 0

    @property
    def applicant_may_benefit(self) -> bool:
        return self.scope == AidScope.HOUSEHOLD or self.beneficiaries != Beneficiaries.MEMBER

    @property
    def member_may_benefit(self) -> bool:
        return self.scope == AidScope.PERSON and self.beneficiaries != Beneficiaries.APPLICANT
