"""Appeals against an ineligible or rejected decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aid_requests.models.requests import AidRequest, RequestStatus


class AppealDecision(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    UPHELD = "upheld", _("Decision upheld")
    OVERTURNED = "overturned", _("Decision overturned")


class Appeal(models.Model):
    """An applicant's appeal against an ineligible or rejected decision, for ministry review."""

    aid_request = models.ForeignKey(
        AidRequest, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("request")
    )
    appealed_status = models.CharField(
        _("decision appealed"), max_length=12, choices=RequestStatus.choices
    )
    reason = models.TextField(_("reason for the appeal"))
    lodged_at = models.DateTimeField(_("lodged at"))
    decision = models.CharField(
        _("decision"),
        max_length=12,
        choices=AppealDecision.choices,
        default=AppealDecision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-lodged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["aid_request"],
                condition=Q(decision=AppealDecision.PENDING),
                name="one_pending_appeal_per_request",
                violation_error_message=_("This request already has an appeal under review."),
            ),
            models.CheckConstraint(
                condition=Q(decision=AppealDecision.PENDING) | Q(decided_at__isnull=False),
                name="appeal_decided_has_time",
                violation_error_message=_("A decided appeal records when it was decided."),
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal on #{self.aid_request_id} ({self.get_decision_display()})"
