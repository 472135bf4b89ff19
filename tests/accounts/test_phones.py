"""Mobile numbers follow the country of the civil-ID scheme (Kuwait by default, Saudi Arabia)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.phones import mobile_rule, normalise_mobile


@pytest.fixture(autouse=True)
def _english():
    """The messages below are checked in English (the Arabic catalogue has its own test)."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0551234567", "+966551234567"),
        ("055 123 4567", "+966551234567"),
        ("+966 55 123 4567", "+966551234567"),
        ("00966551234567", "+966551234567"),
        ("966551234567", "+966551234567"),
        ("551234567", "+966551234567"),
        ("٠٥٥١٢٣٤٥٦٧", "+966551234567"),
        ("(+966) 59-876-5432", "+966598765432"),
    ],
)
def test_saudi_mobiles_are_stored_in_e164(typed, stored):
    assert normalise_mobile(typed, scheme="sa") == stored


@pytest.mark.parametrize(
    "typed",
    ["0112345678", "+965 5123 4567", "05512345", "05512345678", "0451234567", "abc", ""],
    ids=["riyadh-landline", "kuwaiti", "short", "long", "not-05", "letters", "empty"],
)
def test_other_numbers_are_refused_under_the_saudi_scheme(typed):
    with pytest.raises(ValidationError, match="Saudi mobile number"):
        normalise_mobile(typed, scheme="sa")


def test_the_rule_follows_the_civil_id_scheme_setting(settings):
    settings.CIVIL_ID_SCHEME = "sa"
    assert normalise_mobile("0551234567") == "+966551234567"
    with pytest.raises(ValidationError):
        normalise_mobile("50001234")
    settings.CIVIL_ID_SCHEME = "kw"
    assert normalise_mobile("50001234") == "+96550001234"
    with pytest.raises(ValidationError):
        normalise_mobile("0551234567")


def test_the_help_texts_show_an_example_kept_left_to_right():
    assert "e.g. \u2066+965 5123 4567\u2069." in mobile_rule("kw").profile_help_text()
    assert "e.g. \u2066055 123 4567\u2069." in mobile_rule("sa").profile_help_text()
    assert "\u2066055 123 4567\u2069" in mobile_rule("sa").signup_help_text()


def test_the_saudi_refusal_is_translated():
    with translation.override("ar"), pytest.raises(ValidationError) as refusal:
        normalise_mobile("0112345678", scheme="sa")
    assert "سعودي" in refusal.value.messages[0]
