"""Organisations' webhook endpoints, the deliveries of events to them, and each attempt.

The organisation is a plain ``organisation_id`` (as in the audit trail): this app is on the
ground floor and knows no domain app; the services that make the events name the organisation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    CASE_CLAIMED = "case.claimed", _("Case claimed")
    CASE_RELEASED = "case.released", _("Case released")
    CASE_DEADLINE_APPROACHING = "case.deadline_approaching", _("Claim deadline approaching")
    APPEAL_DECIDED = "appeal.decided", _("Appeal decided")
    PAYMENT_RECORDED = "payment.recorded", _("Payment recorded")


class WebhookEndpoint(models.Model):
    """An address of an organisation's own software that receives its case events.

    ``secret`` is stored as it is, not hashed: it must be read to sign every delivery (an HMAC
    key, unlike a token, which is only compared). It is shown to the manager once, when the
    endpoint is created, and never again by the portal; it opens nothing in Musaada (it only
    lets the receiver check that a delivery came from us), and whoever reads this table reads
    the cases themselves anyway.
    """

    organisation_id = models.PositiveIntegerField(_("organisation"), db_index=True)
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=64)
    #: A list of ``Event`` values, sorted, without repeats.
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        return [str(Event(e).label) for e in self.events if e in Event.values]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    #: Its endpoint was disabled before it was sent: it never will be (a replay still may).
    CANCELLED = "cancelled", _("Cancelled: the endpoint was disabled")


class WebhookDelivery(models.Model):
    """One event for one endpoint. ``body`` is the exact JSON sent (a replay sends it again)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    body = models.TextField(_("body"))
    #: Set for an event sent at most once per endpoint (the deadline warning of one claim).
    once_key = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["endpoint", "event", "once_key"])]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the answer's status code or the error, how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    is_replay = models.BooleanField(_("replay"), default=False)
    started_at = models.DateTimeField(_("sent at"))
    duration_ms = models.PositiveIntegerField(_("time (ms)"))
    response_status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ("started_at", "pk")

    def __str__(self) -> str:
        return f"{self.delivery_id}.{self.number}"
