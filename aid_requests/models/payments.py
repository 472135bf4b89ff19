"""Payments recorded on approved requests."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aid_requests.models.requests import AidRequest


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CHEQUE = "cheque", _("Cheque")
    IN_KIND = "in_kind", _("In kind")


class Payment(models.Model):
    """Money (or goods) given on an approved request; recurring aid records one per period."""

    aid_request = models.ForeignKey(
        AidRequest, on_delete=models.PROTECT, related_name="payments", verbose_name=_("request")
    )
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("paid by"),
    )
    period = models.PositiveSmallIntegerField(
        _("period"), help_text=_("1 for the first month (or the one-off payment), 2 for the next…")
    )
    amount = models.DecimalField(_("amount (KWD)"), max_digits=12, decimal_places=3)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["aid_request", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["aid_request", "period"],
                name="one_payment_per_period",
                violation_error_message=_("This period already has a payment."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal("0")),
                name="payment_amount_positive",
                violation_error_message=_("A payment must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(period__gte=1),
                name="payment_period_from_one",
            ),
        ]
        indexes = [models.Index(fields=["paid_on"], name="payment_paid_on")]

    def __str__(self) -> str:
        return f"#{self.aid_request_id} period {self.period}: {self.amount}"
