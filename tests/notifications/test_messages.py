"""The catalogue: every kind has a message, rendered in the reader's language, short enough."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.utils.translation import override

from notifications import messages, sms
from notifications.models import NotificationKind
from notifications.services import notify
from tests.factories import AidRequestFactory, AidTypeFactory, ApplicantUserFactory
from tests.notifications.conftest import APPROVED

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def longest_values(kind: str) -> dict[str, object]:
    """Each value the message of ``kind`` needs, at the longest a notification keeps."""
    return {
        key: "9" * 10 if key == "number" else "ش" * messages.max_length(key)
        for key in messages.placeholders(kind)
    }


def test_every_kind_has_a_message():
    assert set(messages.CATALOGUE) == set(NotificationKind.values)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
@pytest.mark.parametrize("kind", NotificationKind.values)
def test_every_message_fits_one_text_message_in_every_language(kind, language):
    rendered = messages.render(kind, longest_values(kind), language=language)

    assert len(rendered.body) <= messages.SMS_MAX_LENGTH
    assert rendered.subject
    assert messages.MISSING_VALUE not in rendered.body


def test_a_missing_value_shows_as_a_dash_instead_of_failing():
    rendered = messages.render(NotificationKind.APPEAL_DECIDED, {"number": 7}, language="en")

    assert rendered.body == "Your appeal on request MSA-0000007 was decided: —."


@pytest.mark.django_db
def test_each_recipient_gets_the_message_in_their_own_language(
    arabic_catalogue, django_capture_on_commit_callbacks
):
    rent = AidTypeFactory(name_ar="بدل إيجار", name_en="Rent allowance")
    arabic_reader = ApplicantUserFactory(language="ar", email="ar@example.test")
    english_reader = ApplicantUserFactory(language="en", email="en@example.test")
    requests = [
        AidRequestFactory(applicant=reader, aid_type=rent)
        for reader in (arabic_reader, english_reader)
    ]

    # Whatever language the sender's page is in, each recipient reads their own.
    with override("en"), django_capture_on_commit_callbacks(execute=True):
        for aid_request in requests:
            notify(
                recipient=aid_request.applicant,
                kind=NotificationKind.REQUEST_APPROVED,
                aid_request=aid_request,
                context={"amount": Decimal("120"), **APPROVED},
            )

    arabic_number, english_number = (aid_request.reference for aid_request in requests)
    texts = {message.to: message.body for message in sms.outbox}
    assert texts[arabic_reader.mobile] == (
        f"تم اعتماد طلبك رقم {arabic_number} (بدل إيجار): 3 دفعات شهرية بمبلغ 120.000 د.ك "
        "لكل دفعة، بإجمالي 360.000 د.ك، ابتداءً من 1 يناير 2026."
    )
    assert texts[english_reader.mobile] == (
        f"Your request {english_number} for Rent allowance was approved: 3 monthly payments of "
        "120.000 KWD, 360.000 KWD in all, from 1 January 2026."
    )
    mails = {message.to[0]: message for message in mail.outbox}
    assert mails["ar@example.test"].subject == "تمت الموافقة على الطلب"
    assert "ادخل إلى مساعدة لمعرفة التفاصيل." in mails["ar@example.test"].body
    assert mails["en@example.test"].subject == "Request approved"
    assert "Sign in to Musaada to see the details." in mails["en@example.test"].body


@pytest.mark.django_db
def test_the_portal_shows_a_notification_in_the_language_of_the_page(arabic_catalogue):
    aid_request = AidRequestFactory(aid_type=AidTypeFactory(name_ar="بدل إيجار", name_en="Rent"))
    notification = notify(
        recipient=ApplicantUserFactory(language="en"),
        kind=NotificationKind.REQUEST_APPROVED,
        aid_request=aid_request,
        context={"amount": Decimal("5"), **APPROVED},
    )

    with override("ar"):
        assert notification.message().subject == "تمت الموافقة على الطلب"
        assert "بدل إيجار" in notification.message().body
    assert notification.message("en").subject == "Request approved"


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_a_reason_with_its_own_full_stop_does_not_end_in_two(language):
    reason = {"ar": "الدخل أعلى من الحد.", "en": "The income is above the limit."}
    rejected = messages.render(
        NotificationKind.REQUEST_REJECTED,
        {"number": 30, "aid_type": "Rent", "reason": reason},
        language=language,
    ).body
    decided = messages.render(
        NotificationKind.APPEAL_DECIDED, {"number": 30, "outcome": "Upheld."}, language=language
    ).body
    assert ".." not in rejected
    assert ".." not in decided
    assert "MSA-0000030" in rejected
    assert reason[language].rstrip(".") in rejected
