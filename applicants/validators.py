"""Value rules of the applicant profile, shared by models, forms and services.

Pure functions on values (no database): a monthly amount in KWD, and what an uploaded document
really is (read from its first bytes, never from its name). Mobile numbers follow the project's
one rule, ``accounts.phones.normalise_mobile``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# --- monthly amounts ----------------------------------------------------------------------

#: The smallest amount KWD can express (one fils).
MIN_MONTHLY_AMOUNT = Decimal("0.001")
#: More than this a month is a typo, not a declaration.
MAX_MONTHLY_AMOUNT = Decimal("100000.000")


def validate_monthly_amount(value: Decimal) -> None:
    if value < 0:
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    if value < MIN_MONTHLY_AMOUNT:
        raise ValidationError(
            _("Enter an amount of at least 0.001 KWD; leave out sources you do not have."),
            code="too_small",
        )
    if value > MAX_MONTHLY_AMOUNT:
        raise ValidationError(
            _("This is more than 100,000 KWD a month. Check the amount."), code="too_large"
        )


# --- documents ----------------------------------------------------------------------------

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
#: Accepted content types, the file signature that proves each, and the names they may carry.
_SIGNATURES = ((PDF, b"%PDF-"), (JPEG, b"\xff\xd8\xff"), (PNG, b"\x89PNG\r\n\x1a\n"))
EXTENSIONS = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
#: The longest signature: how many bytes to read to recognise a file.
SNIFF_BYTES = 8


def sniff_content_type(head: bytes) -> str | None:
    """The content type proven by a file's first bytes, or None for anything else."""
    for content_type, signature in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_document(*, name: str, size: int, head: bytes) -> str:
    """The content type of an upload, or ValidationError saying why it is refused.

    ``head`` is the file's first ``SNIFF_BYTES`` bytes. The declared name must end in an
    extension of the type its content proves (a PNG named ``.pdf`` is refused).
    """
    if size <= 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The file is larger than 10 MB. Scan it at a lower resolution and try again."),
            code="too_large",
        )
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(
            _("Only PDF, JPEG or PNG files are accepted, and this file is none of them."),
            code="type",
        )
    extension = PurePath(name).suffix.lower()
    if extension not in EXTENSIONS[content_type]:
        raise ValidationError(
            _(
                "The file's name does not match its content (it is a %(kind)s file). "
                "Save it with the right extension and upload it again."
            ),
            code="extension",
            params={"kind": EXTENSIONS[content_type][0].lstrip(".").upper()},
        )
    return content_type
