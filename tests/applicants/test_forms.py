"""Parsing what applicants type: mobile numbers, amounts, members."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.phones import normalise_mobile
from applicants.forms import IncomeForm, MemberForm
from tests.factories import civil_id_for


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+965 5123 4567", "+96551234567"),
        ("0096561234567", "+96561234567"),
        ("96591234567", "+96591234567"),
        ("9123-4567", "+96591234567"),
        ("+٩٦٥ ٥١٢٣ ٤٥٦٧", "+96551234567"),
    ],
)
def test_kuwaiti_mobile_numbers_are_stored_in_one_form(typed, stored):
    # The project's one rule (accounts.phones), also used by sign-up.
    assert normalise_mobile(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["+965 2123 4567", "+965 5123 456", "+966 5123 4567", "5123456789", "abc", ""],
    ids=["landline", "short", "saudi", "long", "letters", "empty"],
)
def test_other_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        normalise_mobile(typed)


def test_amount_accepts_arabic_indic_digits_and_separator():
    form = IncomeForm({"kind": "salary", "amount": "١٬٢٥٠٫٥٠٠"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("1250.500")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "cannot be negative"),
        ("0", "at least 0.001"),
        ("0.0001", "decimal places"),
        ("100000.001", "more than 100,000 KWD"),
        ("abc", "as a number"),
    ],
)
def test_bad_amounts_get_a_clear_message(amount, message):
    form = IncomeForm({"kind": "salary", "amount": amount})
    assert not form.is_valid()
    assert message in " ".join(form.errors["amount"])


def test_member_birth_date_defaults_to_the_civil_id():
    civil_id = civil_id_for(7)
    form = MemberForm({"civil_id": civil_id, "name": "سارة", "kinship": "daughter"})
    assert form.is_valid(), form.errors
    expected = f"{1900 + int(civil_id[1:3])}-{civil_id[3:5]}-{civil_id[5:7]}"
    assert form.cleaned_data["birth_date"].isoformat() == expected


def test_member_with_an_invalid_civil_id_is_refused():
    form = MemberForm({"civil_id": "285031401230", "name": "x", "kinship": "son"})
    assert not form.is_valid()
    assert "check digit" in " ".join(form.errors["civil_id"])
