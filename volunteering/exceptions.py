"""Domain errors of paid volunteering; each carries the message the view shows. All subclass
``VolunteeringError`` (a ``config.errors.DomainError``)."""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class VolunteeringError(DomainError):
    """Base class: nothing was changed; ``message`` says why."""


class NotAllowed(VolunteeringError):
    message = _("Your account may not do this.")


class NotLicensedForVolunteering(VolunteeringError):
    message = _("Your organisation is not licensed for the paid-volunteering programme.")


class InvalidOpportunity(VolunteeringError):
    message = _(
        "Check the dates: applications close before the work ends, which ends after it starts."
    )


class NotVerified(VolunteeringError):
    message = _("Verify your identity with the identity app before you apply.")


class ApplicationsClosed(VolunteeringError):
    message = _("Applications for this opportunity are closed.")


class AlreadyApplied(VolunteeringError):
    message = _("You have already applied for this opportunity.")


class AgeNotAllowed(VolunteeringError):
    message = _("This opportunity is for another age group.")


class AlreadyDecided(VolunteeringError):
    message = _("This application was already decided or withdrawn.")


class NoSeatsLeft(VolunteeringError):
    message = _("Every seat of this opportunity is taken.")


class ReasonRequired(VolunteeringError):
    message = _("Please give a reason.")


class PlacementInProgress(VolunteeringError):
    message = _(
        "This volunteer already has a placement in progress: it must end before another starts."
    )


class StipendAlreadyGranted(VolunteeringError):
    """The rule refused: the person already receives a volunteering stipend for an overlapping
    period (from another placement, whichever organisation) — never said by whom."""

    def __init__(self, until: datetime.date | None) -> None:
        if until is None:
            message = str(_("This person already receives a volunteering stipend for these dates."))
        else:
            message = _(
                "This person already receives a volunteering stipend for these dates, until "
                "%(date)s. Only one organisation may pay it for the same period."
            ) % {"date": date_format(until, "j F Y")}
        super().__init__(message)


class NotAccepted(VolunteeringError):
    message = _("This volunteer is not on the placement.")


class WeekOutsidePlacement(VolunteeringError):
    message = _("This week is not part of the placement.")


class HoursAlreadyConfirmed(VolunteeringError):
    message = _("These hours are confirmed already and cannot be changed.")


class HoursNotWaiting(VolunteeringError):
    message = _("These hours are not waiting for your answer.")


class NothingToPay(VolunteeringError):
    message = _("There is no stipend to pay: every month is paid, or no hours were confirmed.")


class MonthNotReady(VolunteeringError):
    message = _("This month cannot be paid yet: it must be over and every week's hours confirmed.")


class CertificateNotReady(VolunteeringError):
    message = _("The certificate is ready once the placement has ended.")
