import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.civil_id import make_kw_civil_id, normalise_digits, parse_civil_id

TODAY = datetime.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("number", "born"),
    [
        ("285031401239", datetime.date(1985, 3, 14)),
        ("301070945674", datetime.date(2001, 7, 9)),
        ("260123100424", datetime.date(1960, 12, 31)),
    ],
)
def test_valid_kuwaiti_civil_ids_yield_their_birth_date(number, born):
    assert parse_civil_id(number, scheme="kw", today=TODAY).birth_date == born


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("285031401238", "check_digit"),
        ("285131401236", "date"),
        ("485031401235", "century"),
        ("28503140123", "length"),
        ("2850314012390", "length"),
        ("28503140123x", "digits"),
    ],
)
def test_invalid_kuwaiti_civil_ids_say_what_is_wrong(number, code):
    with pytest.raises(ValidationError) as error:
        parse_civil_id(number, scheme="kw", today=TODAY)
    assert error.value.code == code


def test_kuwaiti_civil_id_with_a_future_birth_date_is_refused():
    future = make_kw_civil_id(datetime.date(2026, 12, 25), 1)
    with pytest.raises(ValidationError) as error:
        parse_civil_id(future, scheme="kw", today=TODAY)
    assert error.value.code == "date"


def test_arabic_indic_digits_and_spaces_are_accepted():
    assert parse_civil_id("٢٨٥ ٠٣١٤ ٠١٢٣٩", scheme="kw", today=TODAY).number == "285031401239"
    assert normalise_digits("۱۲-۳") == "123"


@pytest.mark.parametrize("number", ["1123456780", "2234567895", "1987654322"])
def test_valid_saudi_ids(number):
    assert parse_civil_id(number, scheme="sa", today=TODAY).number == number


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("1123456789", "check_digit"),
        ("1123456708", "check_digit"),
        ("3123456786", "prefix"),
        ("112345678", "length"),
    ],
)
def test_invalid_saudi_ids(number, code):
    with pytest.raises(ValidationError) as error:
        parse_civil_id(number, scheme="sa", today=TODAY)
    assert error.value.code == code


def test_generated_kuwaiti_civil_ids_are_valid_and_carry_the_date():
    born = datetime.date(1999, 2, 28)
    for serial in range(0, 300, 7):
        parsed = parse_civil_id(make_kw_civil_id(born, serial), scheme="kw", today=TODAY)
        assert parsed.birth_date == born


def test_masked_civil_id_shows_only_the_last_four_digits():
    assert parse_civil_id("285031401239", scheme="kw", today=TODAY).masked == "…1239"
