"""Notification rows for tests that need some without going through ``notify()``."""

from __future__ import annotations

import factory
from django.utils import timezone

from notifications.models import DeliveryStatus, Notification, NotificationKind
from tests.factories import ApplicantUserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(ApplicantUserFactory)
    kind = NotificationKind.APPEAL_RECEIVED
    context = factory.Sequence(lambda n: {"number": n + 1})
    created_at = factory.LazyFunction(timezone.now)
    sms_status = DeliveryStatus.SENT
    email_status = DeliveryStatus.SKIPPED

    class Params:
        read = factory.Trait(read_at=factory.LazyAttribute(lambda o: o.created_at))
