"""Domain errors of aid requests: each carries a message the view shows as it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class AidRequestError(DomainError):
    """Base class of this app's errors: nothing was changed, and ``message`` says why, in the
    user's language (``config.errors.DomainError``)."""


class IllegalTransition(AidRequestError):
    message = _("This request cannot make that move from its current status.")


class IdentityNotVerified(AidRequestError):
    message = _("Prove your identity with the identity app before you submit a request.")


class ProfileIncomplete(AidRequestError):
    message = _("Complete every step of your profile before you submit a request.")


class AidTypeUnavailable(AidRequestError):
    message = _("This aid type is not open for requests.")


class AmountNotAllowed(AidRequestError):
    message = _("The amount must be more than zero and at most the aid type's maximum.")


class DuplicateRequest(AidRequestError):
    """The applicant already has a live request of this aid type (``existing_id``) for the
    same beneficiary (``for_member``: a household member, not the applicant)."""

    def __init__(self, existing_id: int | None, *, for_member: bool = False) -> None:
        self.existing_id = existing_id
        super().__init__(
            _(
                "You already have a request of this aid type for this person that is still in"
                " progress."
            )
            if for_member
            else _("You already have a request for this aid type that is still in progress.")
        )


class BeneficiaryNotAllowed(AidRequestError):
    """The beneficiary chosen is not one this aid type may be for (or not in the household)."""

    message = _("This aid type cannot be requested for the person you chose.")


class BeneficiaryRequired(AidRequestError):
    message = _("This aid type is for a household member: choose who it is for.")


class AppealNotAllowed(AidRequestError):
    message = _("Only an ineligible or rejected request can be appealed, once at a time.")


class AnotherRequestInProgress(AidRequestError):
    """Reopening this request (appeal, overturn) would make a second live request of its type.

    ``existing_id`` is the applicant's other request of the same type that is in progress.
    """

    def __init__(self, existing_id: int | None, message: StrOrPromise) -> None:
        self.existing_id = existing_id
        super().__init__(message)


class NotPermitted(AidRequestError):
    message = _("You are not allowed to do this.")


class ReasonRequired(AidRequestError):
    message = _("Give the reason for this decision.")


class DocumentNotAccepted(AidRequestError):
    """New documents uploaded with the request were refused; nothing was stored.

    ``problems`` maps each refused document kind to the reason, in the user's language.
    """

    message = _("A document you uploaded was not accepted.")

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__()
