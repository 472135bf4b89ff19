"""notify(): the row is written in the caller's transaction, delivery starts only after commit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from aid_requests.models import RequestStatus
from notifications import sms
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notify,
)
from tests.factories import AidRequestFactory, AidTypeFactory, ApplicantUserFactory
from tests.factories.notifications import NotificationFactory
from tests.notifications.conftest import APPROVED

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_notify_writes_the_row_with_the_request_number_and_aid_type_in_both_languages():
    aid_request = AidRequestFactory(aid_type=AidTypeFactory(name_ar="بدل إيجار", name_en="Rent"))

    notification = notify(
        recipient=aid_request.applicant,
        kind=NotificationKind.REQUEST_APPROVED,
        aid_request=aid_request,
        context={"amount": Decimal("150.5"), **APPROVED},
    )

    notification.refresh_from_db()
    assert notification.recipient == aid_request.applicant
    assert notification.kind == NotificationKind.REQUEST_APPROVED
    assert notification.aid_request == aid_request
    assert notification.context == {
        "number": aid_request.pk,
        "aid_type": {"ar": "بدل إيجار", "en": "Rent"},
        "amount": "150.500",
        **APPROVED,
    }
    assert notification.is_unread
    assert (notification.sms_status, notification.email_status) == ("pending", "pending")
    assert notification.attempts == 0


def test_delivery_is_scheduled_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    aid_request = AidRequestFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(
            recipient=aid_request.applicant,
            kind=NotificationKind.REQUEST_SUBMITTED,
            aid_request=aid_request,
        )
        # Inside the transaction nothing has gone out yet.
        assert sms.outbox == []

    assert len(callbacks) == 1
    assert [message.to for message in sms.outbox] == [aid_request.applicant.mobile]
    notification = Notification.objects.get()
    assert notification.sms_status == DeliveryStatus.SENT
    assert notification.email_status == DeliveryStatus.SKIPPED  # applicants have no e-mail here
    assert notification.attempts == 1


def test_a_portal_only_notification_is_never_sent(django_capture_on_commit_callbacks):
    aid_request = AidRequestFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(
            recipient=aid_request.applicant,
            kind=NotificationKind.REQUEST_SUBMITTED,
            aid_request=aid_request,
            deliver=False,
        )

    assert callbacks == []
    assert sms.outbox == []
    assert mail.outbox == []
    notification = Notification.objects.get()
    assert notification.is_unread
    assert (notification.sms_status, notification.email_status) == ("skipped", "skipped")


def test_nothing_is_written_or_sent_when_the_callers_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    aid_request = AidRequestFactory()

    def submit_then_fail() -> None:
        with transaction.atomic():
            notify(
                recipient=aid_request.applicant,
                kind=NotificationKind.REQUEST_SUBMITTED,
                aid_request=aid_request,
            )
            raise Boom

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        submit_then_fail()

    assert callbacks == []
    assert not Notification.objects.exists()
    assert sms.outbox == []
    assert mail.outbox == []


def test_a_value_the_message_needs_must_be_given():
    aid_request = AidRequestFactory()

    with pytest.raises(ValueError, match="amount"):
        notify(
            recipient=aid_request.applicant,
            kind=NotificationKind.REQUEST_APPROVED,
            aid_request=aid_request,
        )

    assert not Notification.objects.exists()


def test_labels_are_kept_in_every_language_and_dates_as_iso_dates():
    aid_request = AidRequestFactory()

    notification = notify(
        recipient=aid_request.applicant,
        kind=NotificationKind.APPEAL_DECIDED,
        aid_request=aid_request,
        # An existing label of the catalogue stands in for an appeal outcome label.
        context={"outcome": RequestStatus.OPEN.label, "date": datetime.date(2025, 3, 1)},
    )

    assert notification.context["outcome"] == {"ar": "مفتوح", "en": "Open"}
    assert notification.context["date"] == "2025-03-01"


def test_a_choices_member_is_kept_as_its_label_in_every_language():
    aid_request = AidRequestFactory()

    notification = notify(
        recipient=aid_request.applicant,
        kind=NotificationKind.APPEAL_DECIDED,
        aid_request=aid_request,
        context={"outcome": RequestStatus.OPEN},
    )

    assert notification.context["outcome"] == {"ar": "مفتوح", "en": "Open"}
    assert notification.message("ar").body.endswith(": مفتوح.")


def test_a_list_of_values_is_kept_and_shown_joined():
    aid_request = AidRequestFactory()

    notification = notify(
        recipient=aid_request.applicant,
        kind=NotificationKind.REQUEST_REJECTED,
        aid_request=aid_request,
        context={"reason": [RequestStatus.OPEN.label, "x" * 200]},
    )

    assert notification.context["reason"] == [{"ar": "مفتوح", "en": "Open"}, "x" * 139 + "…"]
    assert f": Open, {'x' * 139}…. You may appeal." in notification.message("en").body


def test_long_texts_are_cut_so_the_message_still_fits_a_text_message():
    aid_request = AidRequestFactory(aid_type=AidTypeFactory(name_en="A" * 100, name_ar="ب" * 100))

    notification = notify(
        recipient=aid_request.applicant,
        kind=NotificationKind.REQUEST_REJECTED,
        aid_request=aid_request,
        context={"reason": {"ar": "س" * 500, "en": "x" * 500}},
    )

    assert len(notification.context["aid_type"]["en"]) == 60
    assert notification.context["aid_type"]["en"].endswith("…")
    assert len(notification.context["reason"]["ar"]) == 140


def test_values_that_cannot_be_stored_are_refused():
    user = ApplicantUserFactory()

    with pytest.raises(TypeError):
        notify(
            recipient=user,
            kind=NotificationKind.APPEAL_RECEIVED,
            context={"number": 1, "extra": object()},
        )


def test_mark_read_only_touches_the_users_own_notification():
    mine = NotificationFactory()
    theirs = NotificationFactory()

    assert notification_mark_read(user=mine.recipient, notification_id=mine.pk) is True
    assert notification_mark_read(user=mine.recipient, notification_id=theirs.pk) is False

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_mark_all_read_counts_and_marks_only_the_users_unread_notifications():
    user = ApplicantUserFactory()
    NotificationFactory.create_batch(2, recipient=user)
    other = NotificationFactory()

    assert notification_mark_all_read(user=user) == 2
    assert notification_mark_all_read(user=user) == 0

    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
