"""Charities: licensed organisations and the staff who work for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    CHARITY = "charity", _("Charity")
    FOUNDATION = "foundation", _("Charitable foundation")
    COOPERATIVE = "cooperative", _("Cooperative society")
    COMMITTEE = "committee", _("Social development committee")


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Organisation(models.Model):
    """An organisation licensed by the ministry to give aid; only active ones may act."""

    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    licence_number = models.CharField(_("licence number"), max_length=40, unique=True)
    governorates = models.ManyToManyField(
        "applicants.Governorate", related_name="organisations", verbose_name=_("governorates")
    )
    aid_types = models.ManyToManyField(
        "aid_requests.AidType", related_name="organisations", verbose_name=_("aid types")
    )
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.PENDING,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" else self.name_ar

    @property
    def is_active(self) -> bool:
        return self.status == OrganisationStatus.ACTIVE


class StaffMembership(models.Model):
    """Links a charity staff user to the one organisation they work for.

    The user's role (caseworker or manager) lives on the user; a person works for one
    organisation at a time.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    is_active = models.BooleanField(_("active"), default=True)
    #: The account of an API client (``api``), not a person: it acts through its tokens only,
    #: is left off the staff pages and lists, and never counts as one of the managers.
    is_service_account = models.BooleanField(_("service account"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class OrganisationStatusChange(models.Model):
    """One move of an organisation's licence status: who moved it, when, and why.

    Written by the licensing services in the same transaction as the move; never changed.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name=_("organisation"),
    )
    from_status = models.CharField(_("from"), max_length=10, choices=OrganisationStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=OrganisationStatus.choices)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("organisation status change")
        verbose_name_plural = _("organisation status changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="org_status_change_newest")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="org_status_change_has_reason",
                violation_error_message=_("A status change needs a reason."),
            ),
            models.CheckConstraint(
                condition=~models.Q(from_status=models.F("to_status")),
                name="org_status_change_moves",
                violation_error_message=_("A status change must change the status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.from_status} → {self.to_status}"


class OrganisationApplication(models.Model):
    """What an organisation sent with its application to join (the public apply page).

    The manager's name and e-mail are kept as typed. No account exists for them until the
    manager opens the confirmation link sent to that address (``manager_confirmed_at``): a
    typed address that nobody confirms never blocks its owner's invitation elsewhere, and an
    unconfirmed application is discarded once its link has expired. When the e-mail already
    belonged to an account, no manager account is created (the applicant is not told, so that
    the page reveals nothing about accounts) and ``manager_email_had_account`` tells the
    ministry.
    """

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="application",
        verbose_name=_("organisation"),
    )
    manager_name = models.CharField(_("manager's name"), max_length=200)
    manager_email = models.EmailField(_("manager's e-mail"))
    manager_email_had_account = models.BooleanField(
        _("manager's e-mail already had an account"), default=False
    )
    manager_language = models.CharField(_("manager's language"), max_length=10, blank=True)
    manager_confirmed_at = models.DateTimeField(
        _("manager's e-mail confirmed at"), null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation application")
        verbose_name_plural = _("organisation applications")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.submitted_at:%Y-%m-%d})"
