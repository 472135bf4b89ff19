"""Domain errors of the state-benefits import; each carries the message shown as it is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class BenefitsError(DomainError):
    """A domain error of the benefits app: nothing was loaded by the step that raised it."""

    message = _("The benefits could not be imported.")


class ImportFileError(BenefitsError):
    """The file cannot be read as an import at all (format, encoding, header): nothing loaded."""

    message = _("This file cannot be imported.")


class ImportConflict(BenefitsError):
    """Another run of the same file advanced the batch meanwhile: this run stops."""

    message = _(
        "Another import of the same file is running. Wait until it ends, then run it again."
    )


class RuleInvalid(BenefitsError):
    """A rule that cannot be set: unknown effect, a second rule for the same aid type and
    benefit, or a rule that no longer exists."""

    message = _(
        "This rule cannot be saved: each benefit has at most one rule per aid type, with one "
        "of the effects offered."
    )
