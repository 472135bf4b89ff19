"""Domain errors of the identity step; each carries the message the view shows as it is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from identity.models import Reason


class IdentityError(DomainError):
    """A domain error of the identity step; ``message`` is shown to the person, ``reason`` (a
    ``Reason``, or empty) is what the attempt records."""

    reason = ""
    message = _("Identity verification could not be started.")


class VerificationRequired(IdentityError):
    """Raised by ``require_verified`` for an applicant who has not proved their civil ID (not
    ``aid_requests.exceptions.IdentityNotVerified``, the submission's own refusal)."""

    message = _("Verify your identity with the identity app before you submit a request.")


class AttemptAlreadyActive(IdentityError):
    reason = Reason.ALREADY_ACTIVE
    message = _(
        "A verification is already waiting for your answer. Answer it in the identity app, "
        "or wait until it ends, then try again."
    )


class VerificationRateLimited(IdentityError):
    message = _("Too many verification requests in a short time. Wait ten minutes, then try again.")


class VerificationNotAllowed(IdentityError):
    message = _("Only applicants with a civil ID can verify their identity here.")


class VerificationUnavailable(IdentityError):
    """The configured provider cannot be used at all (missing or refused configuration)."""

    reason = Reason.MISCONFIGURED
    message = _("Identity verification is not available right now. Please try again later.")


class CallbackRejected(IdentityError):
    """A provider callback whose signature or correlation failed: nothing was changed."""

    message = _("The callback could not be verified.")
