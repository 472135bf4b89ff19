"""Donations (Al-Khair Al-Shamil): gifts to licensed organisations, the ministry's table of which
aid types each kind of gift may fund, the gateway's notifications, and the ledger of allocations
from gifts to the aid payments they paid for.

The ledger is held by the database on PostgreSQL and SQLite alike (``0002_ledger``): inserting an
``Allocation`` checks, in a trigger, that the gift's kind may fund the payment's aid type, that the
gift belongs to the paying organisation (and to the payment's fund, for a fund gift), and adds the
amount to ``Gift.allocated``; the CHECK ``gift_ledger_within_amount`` then refuses any allocation
or refund beyond what the gift brought in. Allocations are never changed or deleted.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class GiftKind(models.TextChoices):
    ZAKAT = "zakat", _("Zakat")
    SADAQA = "sadaqa", _("Sadaqa")
    GENERAL = "general", _("General donation")


class GiftStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for the mobile code")
    PENDING = "pending", _("Waiting for the payment")
    # The word of a gift, not of a request's "Paid" (which is a stage of a case's payments).
    PAID = "paid", pgettext_lazy("gift status", "Paid")
    DECLINED = "declined", _("Declined")


class GiftKindAidType(models.Model):
    """The ministry's rule: gifts of ``kind`` may fund aid of ``aid_type``.

    Checked by the database when an allocation is written; removing a row stops new allocations
    of that pair and leaves the allocations already made as they were.
    """

    kind = models.CharField(_("kind of gift"), max_length=10, choices=GiftKind.choices)
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("aid type"),
    )

    class Meta:
        verbose_name = _("aid type a kind of gift may fund")
        verbose_name_plural = _("aid types each kind of gift may fund")
        ordering = ["kind", "aid_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "aid_type"],
                name="gift_kind_aid_type_once",
                violation_error_message=_("This kind of gift may fund this aid type already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.aid_type}"


class Gift(models.Model):
    """One donation to an organisation (or to one of its aid-type funds), paid through the
    gateway; ``allocated`` and ``refunded`` are kept by the database (see the module)."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    #: The donor's link (``/donate/gift/<token>/``): unguessable, never shown to anyone else.
    token = models.CharField(max_length=64, unique=True)
    organisation = models.ForeignKey(
        "charities.Organisation",
        on_delete=models.PROTECT,
        related_name="gifts",
        verbose_name=_("organisation"),
    )
    fund = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fund"),
        help_text=_("Empty: the organisation's general fund."),
    )
    kind = models.CharField(_("kind of gift"), max_length=10, choices=GiftKind.choices)
    amount = models.DecimalField(_("amount (KWD)"), max_digits=12, decimal_places=3)
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gifts",
        verbose_name=_("donor"),
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    mobile_confirmed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=GiftStatus.choices, default=GiftStatus.UNCONFIRMED
    )
    gateway = models.CharField(max_length=20, blank=True)
    transaction_id = models.CharField(  # noqa: DJ001  # NULL until the checkout: unique
        _("gateway transaction"), max_length=64, null=True, blank=True, unique=True
    )
    payment_url = models.CharField(max_length=500, blank=True)
    #: The donor's page (absolute), sent by SMS once the gift is paid.
    return_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    allocated = models.DecimalField(
        _("allocated (KWD)"), max_digits=12, decimal_places=3, default=Decimal(0)
    )
    refunded = models.DecimalField(
        _("refunded (KWD)"), max_digits=12, decimal_places=3, default=Decimal(0)
    )

    class Meta:
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "paid_at"], name="gift_org_paid"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal(0)),
                name="gift_amount_positive",
                violation_error_message=_("A gift must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(allocated__gte=Decimal(0), refunded__gte=Decimal(0)),
                name="gift_ledger_not_negative",
            ),
            # Rounded: SQLite keeps decimals as floating point; 3 places are the money's.
            models.CheckConstraint(
                condition=Q(amount__gte=Round(F("allocated") + F("refunded"), 3)),
                name="gift_ledger_within_amount",
                violation_error_message=_("A gift cannot give out more than it brought in."),
            ),
            models.CheckConstraint(
                condition=Q(status=GiftStatus.PAID) | Q(allocated=Decimal(0), refunded=Decimal(0)),
                name="gift_ledger_only_when_paid",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def available(self) -> Decimal:
        """What is left to allocate (or refund)."""
        return self.amount - self.allocated - self.refunded


class Allocation(models.Model):
    """Part of a gift paying part of one aid payment. Written only by the donations services,
    checked by the database, never changed or deleted."""

    gift = models.ForeignKey(
        Gift, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("gift")
    )
    payment = models.ForeignKey(
        "aid_requests.Payment",
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("payment"),
    )
    amount = models.DecimalField(_("amount (KWD)"), max_digits=12, decimal_places=3)
    #: Copies the database checks against the gift, the payment and the ministry's table.
    kind = models.CharField(_("kind of gift"), max_length=10, choices=GiftKind.choices)
    aid_type = models.ForeignKey(
        "aid_requests.AidType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("aid type"),
    )
    created_at = models.DateTimeField(_("allocated at"))

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal(0)),
                name="allocation_amount_positive",
                violation_error_message=_("An allocation must be more than zero."),
            ),
            models.UniqueConstraint(fields=["gift", "payment"], name="allocation_once_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.gift_id} → payment {self.payment_id}: {self.amount}"


class GatewayNotification(models.Model):
    """One signed notification accepted from the gateway (or one answer of a status query),
    keyed by the gateway's transaction id and event: a replay finds its key taken and changes
    nothing."""

    transaction_id = models.CharField(max_length=64)
    event = models.CharField(max_length=80)
    received_at = models.DateTimeField()
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("gateway notification")
        verbose_name_plural = _("gateway notifications")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["transaction_id", "event"], name="gateway_notification_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.event}"


class Refund(models.Model):
    """Money given back to the donor out of the gift's unallocated part."""

    gift = models.ForeignKey(
        Gift, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("gift")
    )
    refund_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(_("amount (KWD)"), max_digits=12, decimal_places=3)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("refunded at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal(0)), name="refund_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.refund_id}: {self.amount}"


class SimulatedTransaction(models.Model):
    """The simulator gateway's own record of a transaction (what a real gateway keeps on its
    side): the reconciliation compares these with the ledger."""

    class State(models.TextChoices):
        INITIATED = "initiated", _("Initiated")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    transaction_id = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.INITIATED)
    refunded = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(0))
    return_url = models.CharField(max_length=500)
    notify_url = models.CharField(max_length=500)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("simulated gateway transaction")
        verbose_name_plural = _("simulated gateway transactions")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.transaction_id
