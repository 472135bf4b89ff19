"""Domain errors of charities: case work, licensing and staff; each carries the message the view
shows. All subclass ``CharityError`` (a ``config.errors.DomainError``)."""

from __future__ import annotations

import datetime

from django.utils import dateformat
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class CharityError(DomainError):
    """Base class: the charity service refused; nothing was changed, ``message`` says why."""


class NotAllowed(CharityError):
    message = _("Your account may not do this.")


class SecondFactorRequired(CharityError):
    message = _(
        "Sign in with your second factor (or set one up) before you claim cases or see "
        "personal data."
    )


class NotLicensed(CharityError):
    message = _("Your organisation's licence does not cover this aid type or governorate.")


class NoLongerOpen(CharityError):
    # Neutral on purpose: the request may have been claimed, withdrawn, rejected or closed.
    message = _("This request is no longer in the queue (it was claimed, withdrawn or closed).")


class DuplicateAid(CharityError):
    """The rule refused the claim; tells which aid is held and until when — never by whom."""

    def __init__(self, aid_type_name: str, held_until: datetime.date | None) -> None:
        self.held_until = held_until
        if held_until is not None:
            message = _(
                "Refused: a person in this case already receives %(aid_type)s until %(date)s "
                "from another commitment. The same aid cannot be given twice for the same period."
            ) % {"aid_type": aid_type_name, "date": date_format(held_until, "SHORT_DATE_FORMAT")}
        else:
            message = _(
                "Refused: a person in this case already receives %(aid_type)s for this period."
            ) % {"aid_type": aid_type_name}
        super().__init__(message)


class ExcludedByStateBenefit(DuplicateAid):
    """The rule refused the claim because a person it covers receives a state benefit that
    excludes the aid type: names the benefit, its agency and until when (day first) — never the
    agency's reference or the amount."""

    def __init__(
        self, aid_type_name: str, benefit: str, agency: str, until: datetime.date | None
    ) -> None:
        self.held_until = until
        if until is None:
            message = _(
                "Refused: a person in this case receives %(benefit)s from %(agency)s until "
                "further notice, which excludes %(aid_type)s."
            ) % {"benefit": benefit, "agency": agency, "aid_type": aid_type_name}
        else:
            message = _(
                "Refused: a person in this case receives %(benefit)s from %(agency)s until "
                "%(date)s, which excludes %(aid_type)s."
            ) % {
                "benefit": benefit,
                "agency": agency,
                "date": dateformat.format(until, "d/m/Y"),
                "aid_type": aid_type_name,
            }
        CharityError.__init__(self, message)


class CaseAmountNotAllowed(CharityError):
    message = _("The amount must be more than zero and within the aid type's maximum.")


class PaymentNotAllowed(CharityError):
    message = _("No more payments can be recorded on this case.")


class PaymentHeldByConflict(CharityError):
    message = _(
        "A person this case covers is also covered by another case. No payment can be recorded "
        "until the ministry resolves the coverage conflict."
    )


class PaymentAlreadyRecorded(CharityError):
    """The payment the form was for is recorded already: the form was sent twice (a
    double click, a reload) or by two people; nothing is recorded again."""

    def __init__(self, period: int) -> None:
        self.period = period
        super().__init__(
            _("Payment %(period)s is already recorded; nothing was recorded twice.")
            % {"period": period}
        )


class PaymentTooEarly(CharityError):
    """A payment dated before its period may be paid (at most a few days in advance)."""

    def __init__(self, period: int, period_start: datetime.date, earliest: datetime.date) -> None:
        self.period = period
        self.earliest = earliest
        super().__init__(
            _(
                "Payment %(period)s pays the month of coverage from %(start)s; it can be dated "
                "%(earliest)s at the earliest."
            )
            % {
                "period": period,
                "start": date_format(period_start, "SHORT_DATE_FORMAT"),
                "earliest": date_format(earliest, "SHORT_DATE_FORMAT"),
            }
        )


class PaymentInFuture(CharityError):
    message = _("A payment cannot be dated in the future.")


class CloseNotAllowed(CharityError):
    message = _("A case can be closed only after at least one payment is recorded.")


# --- licensing and staff ------------------------------------------------------------------


class OrganisationError(CharityError):
    """Licensing or staff management refused: nothing was changed, ``message`` says why."""


class IllegalStatusMove(OrganisationError):
    """The organisation is not in a status this move starts from (e.g. approve an active one)."""

    def __init__(self, current_label: str) -> None:
        self.current_label = current_label
        super().__init__(
            _("This is not possible while the organisation is %(status)s. Nothing was changed.")
            % {"status": current_label}
        )


class OrganisationReasonRequired(OrganisationError):
    message = _("Give a reason: it is kept in the organisation's history.")


class CaseReasonRequired(CharityError):
    """A release or rejection of a case without a reason (the reason goes on the timeline)."""

    message = _("Give a reason: it is kept on the case's timeline.")


class LicenceNumberTaken(OrganisationError):
    message = _(
        "This licence number is already registered. If your organisation applied before, "
        "contact the ministry instead of applying again."
    )


class EmailAlreadyHasAccount(OrganisationError):
    message = _("This e-mail already has an account; ask the ministry to move it.")


class AlreadyOnStaff(OrganisationError):
    message = _("This person is already on your staff.")


class LastManager(OrganisationError):
    message = _(
        "You are the last active manager: make someone else a manager first, "
        "so that the organisation keeps one."
    )


class RoleNotAllowed(OrganisationError):
    message = _("Staff can be caseworkers or managers only.")


class ConfirmationLinkInvalid(OrganisationError):
    message = _(
        "This confirmation link is not valid. Open the link exactly as it is in the e-mail, "
        "or apply again."
    )


class ConfirmationLinkExpired(OrganisationError):
    message = _(
        "This confirmation link has expired and the application was not sent to the ministry. "
        "Apply again: the licence number is free again."
    )
