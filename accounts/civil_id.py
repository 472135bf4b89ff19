"""Civil-ID schemes: Kuwait (``kw``, default) and Saudi Arabia (``sa``).

Each scheme validates a number and says exactly what is wrong, and yields the birth date where
the number carries one. The scheme in force is the ``CIVIL_ID_SCHEME`` setting.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Arabic-Indic and Persian digits to ASCII (civil IDs, amounts and dates typed or sent in them).
ARABIC_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

KW_WEIGHTS = (2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def normalise_digits(value: str) -> str:
    """Arabic-Indic and Persian digits to ASCII; spaces and dashes removed."""
    return value.translate(ARABIC_INDIC_DIGITS).replace(" ", "").replace("-", "")


def masked_civil_id(civil_id: str) -> str:
    """What a report, a log line or an audit entry may show of a civil ID: its last four digits
    (nothing of a shorter one)."""
    civil_id = civil_id.strip()
    return "…" + civil_id[-4:] if len(civil_id) > 4 else "…"


def normalise_login(value: str) -> str:
    """What a person typed to sign in or reset: an e-mail address (has ``@``) is only stripped
    of surrounding blanks, since a dash or a digit in it is part of the address; anything else
    is a civil ID, typed perhaps with Arabic-Indic digits, spaces or dashes."""
    value = value.strip()
    return value if "@" in value else normalise_digits(value)


@dataclass(frozen=True)
class CivilId:
    number: str
    birth_date: datetime.date | None

    @property
    def masked(self) -> str:
        """Safe for logs: only the last four digits."""
        return "…" + self.number[-4:]


def kw_check_digit(first_eleven: str) -> int | None:
    """The Kuwaiti check digit for 11 digits, or None when no valid digit exists."""
    total = sum(w * int(d) for w, d in zip(KW_WEIGHTS, first_eleven, strict=True))
    check = 11 - (total % 11)
    return check if 1 <= check <= 9 else None


def _parse_kw(number: str, today: datetime.date) -> CivilId:
    if len(number) != 12:
        raise ValidationError(_("A Kuwaiti civil ID has exactly 12 digits."), code="length")
    century = {"2": 1900, "3": 2000}.get(number[0])
    if century is None:
        raise ValidationError(
            _("A Kuwaiti civil ID starts with 2 (born 1900–1999) or 3 (born 2000 or later)."),
            code="century",
        )
    if kw_check_digit(number[:11]) != int(number[11]):
        raise ValidationError(
            _("This civil ID is not valid: its check digit does not match. Check for a typo."),
            code="check_digit",
        )
    try:
        born = datetime.date(century + int(number[1:3]), int(number[3:5]), int(number[5:7]))
    except ValueError:
        raise ValidationError(
            _("This civil ID is not valid: the birth date in it does not exist."), code="date"
        ) from None
    if born > today:
        raise ValidationError(
            _("This civil ID is not valid: the birth date in it is in the future."), code="date"
        )
    return CivilId(number=number, birth_date=born)


def _parse_sa(number: str, today: datetime.date) -> CivilId:
    if len(number) != 10:
        raise ValidationError(
            _("A Saudi national ID or iqama has exactly 10 digits."), code="length"
        )
    if number[0] not in "12":
        raise ValidationError(
            _("A Saudi ID starts with 1 (citizen) or 2 (resident)."), code="prefix"
        )
    if not luhn_valid(number):
        raise ValidationError(
            _("This ID is not valid: its check digit does not match. Check for a typo."),
            code="check_digit",
        )
    return CivilId(number=number, birth_date=None)


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


_SCHEMES = {"kw": _parse_kw, "sa": _parse_sa}

#: What to tell a person typing their own number, per scheme.
_HELP_TEXTS = {
    "kw": _("The 12 digits on your civil ID card."),
    "sa": _("The 10 digits of your national ID or iqama."),
}
_LOGIN_HELP_TEXTS = {
    "kw": _("Applicants: the 12 digits of your civil ID. Staff: your work e-mail."),
    "sa": _("Applicants: the 10 digits of your national ID or iqama. Staff: your work e-mail."),
}


def civil_id_help_text(scheme: str | None = None) -> str:
    """How many digits the person's own number has, under ``scheme`` (default: the setting)."""
    return str(_HELP_TEXTS[scheme or settings.CIVIL_ID_SCHEME])


def login_help_text(scheme: str | None = None) -> str:
    """The sign-in field's help: applicants' number under ``scheme``, or staff e-mail."""
    return str(_LOGIN_HELP_TEXTS[scheme or settings.CIVIL_ID_SCHEME])


def parse_civil_id(
    value: str, *, scheme: str | None = None, today: datetime.date | None = None
) -> CivilId:
    """Validate ``value`` under ``scheme`` (default: the setting); raise ValidationError."""
    number = normalise_digits(value or "").strip()
    if not number.isdigit():
        raise ValidationError(_("A civil ID contains digits only."), code="digits")
    parser = _SCHEMES[scheme or settings.CIVIL_ID_SCHEME]
    return parser(number, today or timezone.localdate())


def validate_civil_id(value: str) -> None:
    """Django validator for model and form fields."""
    parse_civil_id(value)


def make_kw_civil_id(birth_date: datetime.date, serial: int) -> str:
    """A valid Kuwaiti civil ID for a birth date, trying serials upward from ``serial``.

    Used by the demo seed and test factories; about one serial in eleven has no check digit.
    """
    century_digit = "2" if birth_date.year < 2000 else "3"
    stem = f"{century_digit}{birth_date:%y%m%d}"
    for candidate in range(serial, serial + 10000):
        first_eleven = f"{stem}{candidate % 10000:04d}"
        check = kw_check_digit(first_eleven)
        if check is not None:
            return f"{first_eleven}{check}"
    raise ValueError("no valid serial found")  # unreachable: 10 of 11 serials work
