"""Domain errors of the one-aid-type rule and of the ministry's adjudication.

All subclass ``DedupError`` (a ``config.errors.DomainError``): nothing was changed, and
``message`` says why.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from dedup.models import AidCommitment


class DedupError(DomainError):
    """Base class of the rule's and the adjudication's refusals."""


class AidAlreadyGranted(DedupError):
    """Someone covered by this case already holds this aid type for an overlapping period.

    Not shown as it is: the claim turns it into ``charities.exceptions.DuplicateAid``.
    """

    message = "aid already granted for an overlapping period"

    def __init__(self, conflicting: AidCommitment | None, civil_id: str) -> None:
        self.conflicting = conflicting
        self.civil_id = civil_id
        super().__init__()


# --- the ministry decides -------------------------------------------------------------------


class AdjudicationError(DedupError):
    """A decision that cannot be made; ``message`` says why."""


class AdjudicationNotAllowed(AdjudicationError):
    message = _("You may not decide this.")


class AdjudicationReasonRequired(AdjudicationError):
    message = _("Give the reason for the decision.")


class AlreadyDecided(AdjudicationError):
    message = _("This was decided already.")


class InvalidDecision(AdjudicationError):
    message = _("Choose one of the decisions offered.")
