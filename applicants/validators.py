"""Value rules of the applicant profile, shared by models, forms and services.

Pure functions on values (no database): a monthly amount in KWD, and what an uploaded document
really is (read from its content at both ends, never from its name). Mobile numbers follow the
project's one rule, ``accounts.phones.normalise_mobile``.
"""

from __future__ import annotations

import re
import zlib
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
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
#: How many of a file's first bytes are read: the PNG signature and its whole IHDR chunk
#: (8 + 4 length + 4 type + 13 data + 4 CRC), the longest structure checked at the start.
SNIFF_BYTES = 33
#: How many of a file's last bytes are read. Readers look for a PDF's ``%%EOF`` within the
#: last 1024 bytes; a PNG ends with its IEND chunk, a JPEG with the EOI marker.
TAIL_BYTES = 1024

_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_PNG_COLOUR_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def sniff_content_type(head: bytes) -> str | None:
    """The content type claimed by a file's first bytes, or None for anything else."""
    for content_type, signature in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _png_header_valid(head: bytes) -> bool:
    """The first chunk is a well-formed IHDR: length 13, sane values, matching CRC."""
    chunk = head[8:33]
    if len(chunk) != 25 or chunk[:8] != b"\x00\x00\x00\rIHDR":
        return False
    data, crc = chunk[8:21], int.from_bytes(chunk[21:25], "big")
    if zlib.crc32(b"IHDR" + data) != crc:
        return False
    width, height = int.from_bytes(data[0:4], "big"), int.from_bytes(data[4:8], "big")
    depth, colour, compression, filtering, interlace = data[8:13]
    return (
        0 < width < 2**31
        and 0 < height < 2**31
        and depth in _PNG_COLOUR_DEPTHS.get(colour, set())
        and compression == 0
        and filtering == 0
        and interlace in (0, 1)
    )


def content_complete(content_type: str, *, head: bytes, tail: bytes) -> bool:
    """True when the file is built like a whole file of ``content_type`` at both ends.

    A PDF has a version header and ``%%EOF`` near its end; a PNG a valid IHDR first and IEND
    last; a JPEG ends with the EOI marker (FF D9). A signature followed by anything else — an
    executable with ``%PDF-`` pasted in front, a truncated upload — is refused.
    """
    if content_type == PDF:
        return _PDF_HEADER.match(head) is not None and b"%%EOF" in tail
    if content_type == PNG:
        return _png_header_valid(head) and tail.endswith(_PNG_IEND)
    if content_type == JPEG:
        # Some scanners pad the file after the end marker with zeros or line ends.
        return tail.rstrip(b"\x00\r\n").endswith(b"\xff\xd9")
    return False


def check_document(*, name: str, size: int, head: bytes, tail: bytes) -> str:
    """The content type of an upload, or ValidationError saying why it is refused.

    ``head`` is the file's first ``SNIFF_BYTES`` bytes and ``tail`` its last ``TAIL_BYTES``
    (the same bytes for a small file). The content must be a whole PDF, JPEG or PNG file, and
    the declared name must end in an extension of that type (a PNG named ``.pdf`` is refused).
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
    if not content_complete(content_type, head=head, tail=tail):
        raise ValidationError(
            _(
                "This file is damaged, incomplete or not really a %(kind)s file. Save or scan "
                "it again and upload the new file."
            ),
            code="damaged",
            params={"kind": EXTENSIONS[content_type][0].lstrip(".").upper()},
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


def check_upload(upload: UploadedFile, *, name: str | None = None) -> str:
    """``check_document`` on an uploaded file: reads its start and end, leaves it rewound."""
    size = upload.size or 0
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(max(0, size - TAIL_BYTES))
    tail = upload.read(TAIL_BYTES)
    upload.seek(0)
    return check_document(name=name or upload.name or "", size=size, head=head, tail=tail)
