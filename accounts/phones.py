"""Mobile numbers of the country the portal serves, stored in E.164 (``+965…``, ``+966…``).

The country follows ``CIVIL_ID_SCHEME``: ``kw`` — Kuwaiti mobiles, 8 digits starting with
4, 5, 6 or 9 (+965); ``sa`` — Saudi mobiles, 05XXXXXXXX nationally, +9665XXXXXXXX in E.164.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import normalise_digits

#: Unicode isolates (LRI … PDI): a number keeps its left-to-right order inside Arabic text,
#: where "+965 5123 4567" would otherwise read "4567 5123 965+".
_LRI, _PDI = "\u2066", "\u2069"


@dataclass(frozen=True)
class MobileRule:
    """One country's mobile numbers: what a national number looks like, and how to say so."""

    country_code: str
    national: re.Pattern[str]
    #: A leading zero people type in front of the national number (Saudi 05…), dropped.
    trunk_prefix: str
    message: Promise
    #: Shown under the mobile field of the sign-up form and of the profile's personal step;
    #: ``%(example)s`` is replaced by ``example``, isolated left-to-right.
    signup_help: Promise
    profile_help: Promise
    example: str

    def signup_help_text(self) -> str:
        return str(self.signup_help) % {"example": f"{_LRI}{self.example}{_PDI}"}

    def profile_help_text(self) -> str:
        return str(self.profile_help) % {"example": f"{_LRI}{self.example}{_PDI}"}


MOBILE_RULES: dict[str, MobileRule] = {
    "kw": MobileRule(
        country_code="965",
        # 4 is Kuwait's newest mobile range (41…), next to 5, 6 and 9.
        national=re.compile(r"^[4569]\d{7}$"),
        trunk_prefix="",
        message=_("Enter a Kuwaiti mobile number: 8 digits starting with 4, 5, 6 or 9."),
        signup_help=_("We text a code to this number to confirm it."),
        profile_help=_(
            "A Kuwaiti mobile number, e.g. %(example)s. A new number must be confirmed by a "
            "code sent to it before we send it messages."
        ),
        example="+965 5123 4567",
    ),
    "sa": MobileRule(
        country_code="966",
        national=re.compile(r"^5\d{8}$"),
        trunk_prefix="0",
        message=_("Enter a Saudi mobile number: 05 and 8 more digits, e.g. 0551234567."),
        signup_help=_(
            "A Saudi mobile number, e.g. %(example)s. We text a code to this number to confirm it."
        ),
        profile_help=_(
            "A Saudi mobile number, e.g. %(example)s. A new number must be confirmed by a "
            "code sent to it before we send it messages."
        ),
        example="055 123 4567",
    ),
}


def mobile_rule(scheme: str | None = None) -> MobileRule:
    """The mobile rule of ``scheme`` (default: the country of ``CIVIL_ID_SCHEME``)."""
    return MOBILE_RULES[scheme or settings.CIVIL_ID_SCHEME]


def normalise_mobile(value: str, *, scheme: str | None = None) -> str:
    """A typed mobile number in its stored E.164 form, or ValidationError.

    Kuwait: ``'٥٠٠٠ ١٢٣٤'``, ``'0096550001234'``, ``'+965 5000 1234'`` → ``'+96550001234'``.
    Saudi Arabia: ``'055 123 4567'``, ``'+966 55 123 4567'`` → ``'+966551234567'``.
    """
    rule = mobile_rule(scheme)
    digits = normalise_digits(value or "").replace("(", "").replace(")", "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif rule.trunk_prefix and digits.startswith(rule.trunk_prefix):
        digits = digits[len(rule.trunk_prefix) :]
    if digits.startswith(rule.country_code) and not rule.national.match(digits):
        digits = digits[len(rule.country_code) :]
    if not digits.isdigit() or not rule.national.match(digits):
        raise ValidationError(str(rule.message), code="mobile")
    return f"+{rule.country_code}{digits}"
