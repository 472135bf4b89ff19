"""The factories' civil IDs never repeat, whatever order the suite runs in."""

from accounts.civil_id import parse_civil_id
from tests.factories import civil_id_for


def test_civil_id_for_gives_a_distinct_valid_civil_id_for_each_number():
    numbers = [*range(0, 2000), *range(36_000, 38_000), *range(50_000, 52_000), 5_999_999]
    ids = [civil_id_for(n) for n in numbers]
    assert len(set(ids)) == len(ids)
    assert all(parse_civil_id(civil_id, scheme="kw") for civil_id in ids[::97])
