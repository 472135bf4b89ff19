"""Mobile numbers: Kuwaiti mobiles in E.164 (+965 and 8 digits starting 4, 5, 6 or 9)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from identity.civil_id import normalise_digits

_KW_MOBILE = re.compile(r"^[4569]\d{7}$")


def normalise_mobile(value: str) -> str:
    """``'٥٠٠٠ ١٢٣٤'``, ``'0096550001234'``, ``'+965 5000 1234'`` → ``'+96550001234'``."""
    digits = normalise_digits(value or "").replace("(", "").replace(")", "")
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("965") and len(digits) == 11:
        digits = digits[3:]
    if not digits.isdigit() or not _KW_MOBILE.match(digits):
        raise ValidationError(
            _("Enter a Kuwaiti mobile number: 8 digits starting with 4, 5, 6 or 9."),
            code="mobile",
        )
    return f"+965{digits}"
