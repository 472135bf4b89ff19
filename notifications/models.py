"""Notifications: one row per message to one user, shown in the portal and sent by SMS/e-mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from notifications.messages import RenderedMessage


class NotificationKind(models.TextChoices):
    """What happened. Each kind has a subject and a body in ``notifications.messages``."""

    REQUEST_SUBMITTED = "request_submitted", _("Request submitted")
    REQUEST_OPEN = "request_open", _("Request open to charities")
    REQUEST_INELIGIBLE = "request_ineligible", _("Request not eligible")
    REQUEST_CLAIMED = "request_claimed", _("Request claimed by a charity")
    REQUEST_APPROVED = "request_approved", _("Request approved")
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    REQUEST_CLOSED = "request_closed", _("Request closed")
    REQUEST_REJECTED = "request_rejected", _("Request rejected")
    REQUEST_RELEASED = "request_released", _("Request back in the queue")
    APPEAL_RECEIVED = "appeal_received", _("Appeal received")
    APPEAL_DECIDED = "appeal_decided", _("Appeal decided")
    REQUEST_WITHDRAWN = "request_withdrawn", _("Request withdrawn")
    CLAIM_DEADLINE_RELEASED = "claim_deadline_released", _("Claim released after the deadline")
    CASE_MESSAGE = "case_message", _("Message from the charity")
    COVERAGE_CONFLICT_OPENED = "coverage_conflict_opened", _("A person is covered twice")
    COVERAGE_CONFLICT_RESOLVED = "coverage_conflict_resolved", _("Coverage conflict resolved")
    DUPLICATE_DECIDED = "duplicate_decided", _("Household listing reviewed")
    REQUEST_COVERED_ELSEWHERE = "request_covered", _("Request covered elsewhere")
    REQUEST_COVERAGE_ENDED = "request_coverage_ended", _("Request back in the queue after coverage")
    # paid volunteering (issue 15)
    VOLUNTEER_APPLIED = "volunteer_applied", _("New volunteer application")
    VOLUNTEER_SHORTLISTED = "volunteer_shortlisted", _("Volunteer application shortlisted")
    VOLUNTEER_ACCEPTED = "volunteer_accepted", _("Volunteer application accepted")
    VOLUNTEER_DECLINED = "volunteer_declined", _("Volunteer application declined")
    VOLUNTEER_HOURS_LOGGED = "volunteer_hours_logged", _("Volunteer hours to confirm")
    VOLUNTEER_HOURS_DISPUTED = "volunteer_hours_disputed", _("Volunteer hours disputed")
    VOLUNTEER_CERTIFICATE = "volunteer_certificate", _("Certificate of service ready")


class DeliveryStatus(models.TextChoices):
    """Where one channel (SMS or e-mail) of a notification stands."""

    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Notification(models.Model):
    """One message to one user about one event, e.g. "your request #12 was approved".

    The row is the in-portal notification; ``sms_status`` and ``email_status`` record the
    delivery by ``notifications.tasks.deliver_notification``. ``context`` holds only the values
    the message needs (request number, aid type name, amounts, dates, a short reason), never
    personal data, and so does ``last_error``. The text itself is rendered from the catalogue in
    ``notifications.messages`` in the reader's language whenever it is shown or sent.
    """

    # No index of its own: "notification_newest" starts with the recipient and serves both.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_index=False,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    # SET_NULL: the rendered text keeps the request number from ``context`` if a request is gone.
    aid_request = models.ForeignKey(
        "aid_requests.AidRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("aid request"),
    )
    context = models.JSONField(_("message values"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    sms_status = models.CharField(
        _("SMS delivery"),
        max_length=8,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    email_status = models.CharField(
        _("e-mail delivery"),
        max_length=8,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    # When a delivery last ran or was handed to a worker by the sweep (None: never): the
    # sweep's backoff counts from here.
    last_attempt_at = models.DateTimeField(_("last delivery attempt"), null=True, blank=True)
    last_error = models.CharField(
        _("last delivery error"),
        max_length=200,
        blank=True,
        help_text=_("What went wrong, without any personal data."),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list page: one user's notifications, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_newest"),
            # The unread badge on every page: a small partial index, unread rows only.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            # The re-send sweep: the few notifications with a channel still pending.
            models.Index(
                fields=["created_at"],
                condition=Q(sms_status="pending") | Q(email_status="pending"),
                name="notification_undelivered",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sms_status__in=DeliveryStatus.values),
                name="notification_sms_status_valid",
                violation_error_message=_("Unknown SMS delivery status."),
            ),
            models.CheckConstraint(
                condition=Q(email_status__in=DeliveryStatus.values),
                name="notification_email_status_valid",
                violation_error_message=_("Unknown e-mail delivery status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id} ({self.created_at:%Y-%m-%d})"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    def message(self, language: str | None = None) -> RenderedMessage:
        """Subject and body in ``language`` (default: the language active now)."""
        from notifications.messages import render

        return render(self.kind, self.context, language=language)
