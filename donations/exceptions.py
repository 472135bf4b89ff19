"""Domain errors of donations; each carries the message the view shows. All subclass
``DonationError`` (a ``config.errors.DomainError``)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class DonationError(DomainError):
    """Base class: the donation service refused; nothing was changed."""


class OrganisationNotAccepting(DonationError):
    message = _("This organisation cannot receive gifts now.")


class FundNotAllowed(DonationError):
    field = "fund"
    message = _(
        "This organisation has no fund for that aid type, or this kind of gift may not fund it."
    )


class GiftAmountNotAllowed(DonationError):
    field = "amount"
    message = _("Give an amount above zero with at most three decimals.")


class MobileRequired(DonationError):
    field = "mobile"
    message = _("Enter your mobile number: we send it a code to confirm your gift.")


class TooManyCodes(DonationError):
    field = "mobile"
    message = _("Too many codes were sent to this number or from this connection. Try again later.")


class CodeWrong(DonationError):
    field = "code"
    message = _("That code is not right. Check the text message and try again.")


class CodeExpired(DonationError):
    field = "code"
    message = _("This code has expired or was tried too often. Start your gift again.")


class GiftNotPending(DonationError):
    message = _("This gift is not waiting for a payment.")


class GatewayUnavailable(DonationError):
    message = _("The payment gateway cannot be reached just now. Please try again in a moment.")


class NotAllowed(DonationError):
    message = _("Your account may not do this.")


class NotEnoughGifts(DonationError):
    """The payment cannot be funded from gifts: what is available is less than the payment."""

    def __init__(self, available: Decimal) -> None:
        super().__init__(
            _(
                "The gifts available for this aid type (%(available)s KWD) do not cover this "
                "payment. Record it without gifts, or for a smaller amount."
            )
            % {"available": f"{available:.3f}"}
        )


class RefundNotAllowed(DonationError):
    field = "amount"
    message = _("Only the part of a paid gift that is not allocated yet can be refunded.")
