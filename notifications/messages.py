"""The message catalogue: a subject and a body for every notification kind.

Source strings are English with ``%(name)s`` placeholders; the Arabic text lives in ``locale/``.
A message is rendered in the reader's language: the recipient's ``language`` when it is sent,
the page language when it is shown in the portal.

Every body must fit one text message: at most ``SMS_MAX_LENGTH`` characters in every language
with each value at its longest (``MAX_VALUE_LENGTH``); tests/notifications checks it. Values
carry no personal data: the request number, the aid type, amounts, dates, a short reason.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from config.dates import format_date
from config.text import list_separator, request_reference
from notifications.models import NotificationKind

SMS_MAX_LENGTH = 300
#: Longest text kept for a value (an aid type name); longer text is cut with "…".
MAX_VALUE_LENGTH = 60
#: A reason or an outcome may be a short sentence.
SENTENCE_VALUES = frozenset({"reason", "outcome"})
MAX_SENTENCE_LENGTH = 140
#: Numbers and dates are short: an amount, a count, a date (ISO, written out when shown).
SHORT_VALUES = frozenset({"amount", "total", "remaining", "payments", "period", "date"})
MAX_SHORT_LENGTH = 20
#: Shown for a value the message needs but the notification does not have.
MISSING_VALUE = "—"

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: A date is stored in a notification's context as ISO text and written in the reader's form.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Message:
    subject: Promise
    body: Promise


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


CATALOGUE: dict[str, Message] = {
    NotificationKind.REQUEST_SUBMITTED: Message(
        subject=_("Request received"),
        body=_(
            "Your request %(number)s for %(aid_type)s was received. "
            "We will tell you when it has been checked."
        ),
    ),
    NotificationKind.REQUEST_OPEN: Message(
        subject=_("Request open to charities"),
        body=_(
            "Your request %(number)s for %(aid_type)s meets the conditions and is now "
            "in the charities' queue."
        ),
    ),
    NotificationKind.REQUEST_INELIGIBLE: Message(
        subject=_("Request not eligible"),
        body=_(
            "Your request %(number)s for %(aid_type)s does not meet the conditions: "
            "%(reason)s. You may appeal."
        ),
    ),
    NotificationKind.REQUEST_CLAIMED: Message(
        subject=_("A charity took your case"),
        body=_("A licensed charity has taken your request %(number)s for %(aid_type)s."),
    ),
    NotificationKind.REQUEST_APPROVED: Message(
        subject=_("Request approved"),
        body=_(
            "Your request %(number)s for %(aid_type)s was approved: %(payments)s monthly "
            "payments of %(amount)s KWD, %(total)s KWD in all, from %(date)s."
        ),
    ),
    NotificationKind.PAYMENT_RECORDED: Message(
        subject=_("Payment recorded"),
        body=_(
            "Payment %(period)s of %(payments)s, %(amount)s KWD on %(date)s, was recorded for "
            "your request %(number)s; %(remaining)s KWD of the aid approved remain to be paid."
        ),
    ),
    NotificationKind.REQUEST_CLOSED: Message(
        subject=_("Request closed"),
        body=_("Your request %(number)s for %(aid_type)s is complete and has been closed."),
    ),
    NotificationKind.REQUEST_REJECTED: Message(
        subject=_("Request rejected"),
        body=_(
            "Your request %(number)s for %(aid_type)s was rejected: %(reason)s. You may appeal."
        ),
    ),
    NotificationKind.REQUEST_RELEASED: Message(
        subject=_("Request back in the queue"),
        body=_(
            "Your request %(number)s for %(aid_type)s is back in the charities' queue; "
            "another charity may take it."
        ),
    ),
    NotificationKind.APPEAL_RECEIVED: Message(
        subject=_("Appeal received"),
        body=_("Your appeal on request %(number)s was received and will be reviewed."),
    ),
    NotificationKind.APPEAL_DECIDED: Message(
        subject=_("Appeal decided"),
        body=_("Your appeal on request %(number)s was decided: %(outcome)s."),
    ),
    NotificationKind.REQUEST_WITHDRAWN: Message(
        subject=_("Request withdrawn"),
        body=_("Your request %(number)s for %(aid_type)s has been withdrawn."),
    ),
    NotificationKind.CLAIM_DEADLINE_RELEASED: Message(
        subject=_("Claim released"),
        body=_(
            "Request %(number)s for %(aid_type)s was not approved before the claim deadline "
            "and is back in the queue."
        ),
    ),
    NotificationKind.CASE_MESSAGE: Message(
        subject=_("Message from the charity"),
        body=_(
            "The charity handling your request %(number)s for %(aid_type)s sent you a message. "
            "Read it on the portal."
        ),
    ),
    NotificationKind.COVERAGE_CONFLICT_OPENED: Message(
        subject=_("A person is covered twice"),
        body=_(
            "A person covered by case %(number)s for %(aid_type)s is now also listed in another "
            "household that holds the same aid. The ministry will decide; until then no further "
            "payment can be recorded on the later case."
        ),
    ),
    NotificationKind.COVERAGE_CONFLICT_RESOLVED: Message(
        subject=_("Coverage conflict resolved"),
        body=_(
            "The ministry resolved the coverage conflict on request %(number)s for %(aid_type)s: "
            "%(outcome)s."
        ),
    ),
    NotificationKind.DUPLICATE_DECIDED: Message(
        subject=_("Household listing reviewed"),
        body=_(
            "The ministry reviewed a person listed in your household and in another one: "
            "%(outcome)s. Please check your household details on the portal."
        ),
    ),
    NotificationKind.REQUEST_COVERED_ELSEWHERE: Message(
        subject=_("You already receive this aid"),
        body=_(
            "Your request %(number)s for %(aid_type)s is on hold: everyone it covers already "
            "receives this aid until %(date)s. It returns to the queue by itself "
            "after that date, or you may withdraw it."
        ),
    ),
    NotificationKind.REQUEST_COVERAGE_ENDED: Message(
        subject=_("Request back in the queue"),
        body=_(
            "The aid you already received has ended: your request %(number)s for "
            "%(aid_type)s is back in the charities' queue, covering from %(date)s."
        ),
    ),
    # paid volunteering: %(opportunity)s is the opportunity's title
    NotificationKind.VOLUNTEER_APPLIED: Message(
        subject=_("New volunteer application"),
        body=_(
            "A new application for the paid volunteering opportunity “%(opportunity)s” is "
            "waiting for your decision."
        ),
    ),
    NotificationKind.VOLUNTEER_SHORTLISTED: Message(
        subject=_("You are on the shortlist"),
        body=_("Your application for “%(opportunity)s” was shortlisted."),
    ),
    NotificationKind.VOLUNTEER_ACCEPTED: Message(
        subject=_("Accepted for paid volunteering"),
        body=_(
            "You were accepted for “%(opportunity)s”. Your stipend is recorded as "
            "%(aid_type)s, request %(number)s."
        ),
    ),
    NotificationKind.VOLUNTEER_DECLINED: Message(
        subject=_("Volunteer application declined"),
        body=_("Your application for “%(opportunity)s” was declined: %(reason)s"),
    ),
    NotificationKind.VOLUNTEER_HOURS_LOGGED: Message(
        subject=_("Hours to confirm"),
        body=_(
            "Week %(week)s of “%(opportunity)s”: %(hours)s hours logged. Please confirm or "
            "dispute them."
        ),
    ),
    NotificationKind.VOLUNTEER_HOURS_DISPUTED: Message(
        subject=_("Volunteer hours disputed"),
        body=_("Hours of week %(week)s of “%(opportunity)s” disputed: %(reason)s"),
    ),
    NotificationKind.VOLUNTEER_LEFT: Message(
        subject=_("Volunteer left with stipend months due"),
        body=_(
            "A volunteer left “%(opportunity)s” on %(date)s. The hours of weeks up to then "
            "will still be paid, from the placement's page."
        ),
    ),
    NotificationKind.VOLUNTEER_CERTIFICATE: Message(
        subject=_("Certificate of service ready"),
        body=_(
            "Your placement “%(opportunity)s” has ended. Your certificate of service is ready "
            "to download in the portal."
        ),
    ),
}


def max_length(key: str) -> int:
    """The longest text kept for the value ``key``."""
    if key in SHORT_VALUES:
        return MAX_SHORT_LENGTH
    return MAX_SENTENCE_LENGTH if key in SENTENCE_VALUES else MAX_VALUE_LENGTH


def placeholders(kind: str) -> frozenset[str]:
    """The values the subject and body of ``kind`` need, read from the English source."""
    message = CATALOGUE[kind]
    with override("en"):
        return frozenset(_PLACEHOLDER.findall(f"{message.subject}\n{message.body}"))


class _Values(dict[str, str]):
    """Message values; a missing one shows as a dash instead of breaking the page."""

    def __missing__(self, key: str) -> str:
        return MISSING_VALUE


def _value_in(value: Any, language: str) -> str:
    # A value stored per language ({"ar": "بدل إيجار", "en": "Rent allowance"}) is shown in the
    # reader's language, falling back to any language it has.
    if isinstance(value, dict):
        return str(value.get(language) or next(iter(value.values()), MISSING_VALUE))
    if isinstance(value, list):
        with override(language):
            separator = list_separator()
        return separator.join(_value_in(item, language) for item in value) or MISSING_VALUE
    if isinstance(value, datetime.date):
        return format_date(value, language)
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return format_date(datetime.date.fromisoformat(value), language)
        except ValueError:
            return value
    return str(value)


def render(
    kind: str, context: Mapping[str, Any], *, language: str | None = None
) -> RenderedMessage:
    """Subject and body of ``kind`` filled with ``context``, in ``language`` (default: now)."""
    language = language or get_language()
    message = CATALOGUE[kind]
    values = _Values({key: _value_in(value, language) for key, value in context.items()})
    for key in SENTENCE_VALUES & values.keys():
        # A reason is often a sentence with its own full stop; the message adds one after it.
        values[key] = values[key].rstrip().rstrip(".。")
    number = str(context.get("number", ""))
    if number.isdigit():  # a request is named by its reference everywhere (MSA-0000030)
        values["number"] = request_reference(int(number))
    with override(language):
        return RenderedMessage(
            subject=str(message.subject) % values, body=str(message.body) % values
        )
