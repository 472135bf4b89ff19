"""Domain errors of the applicants app: changes to a profile that cannot be made.

Each carries its message (``str(error)`` is the same text) and, where it belongs to one form
field, ``field``; the views show it next to that field or at the top of the form.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class ProfileError(DomainError):
    """A change the applicant (or the ministry) asked for that cannot be made."""


class ProfileMissingError(ProfileError):
    message = _("Fill in your personal details first.")


class EmailTakenError(ProfileError):
    message = _("Another account already uses this e-mail address.")
    field = "email"


class MemberError(ProfileError):
    """A household member that cannot be listed (its civil ID); the message says why."""

    field = "civil_id"


class InvalidValueError(ProfileError):
    """A value a form should have refused (defence in depth for other callers)."""

    def __init__(self, error: ValidationError, field: str) -> None:
        super().__init__(" ".join(error.messages))
        self.field = field


class DocumentRejectedError(ProfileError):
    """An upload that is not stored; the message says why."""

    field = "file"


class ItemGoneError(ProfileError):
    message = _("This item was already removed.")


class DocumentInUseError(ProfileError):
    """The document is evidence of a request still in progress."""

    message = _(
        "This document is attached to a request that is still in progress, so it "
        "cannot be removed. You can upload a newer document next to it; once the "
        "request is finished (or withdrawn) you can remove this one."
    )


class ProtectionNotAllowed(ProfileError):
    message = _("Only ministry administrators may change whether an applicant is protected.")


class ProtectionReasonRequired(ProfileError):
    message = _("Give the reason for this change; it is kept in the audit trail.")
    field = "reason"


class ProtectionUnchanged(ProfileError):
    def __init__(self, protected: bool) -> None:
        super().__init__(
            _("Nothing changed: this applicant is already protected.")
            if protected
            else _("Nothing changed: this applicant is not protected.")
        )


class ApplicantProfileMissing(ProfileError):
    message = _("This applicant has not filled in a profile yet.")
