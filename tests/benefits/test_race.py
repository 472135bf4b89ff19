"""Two imports of the same agency file at the same moment, on real threads and connections.

The record's identity, (agency, reference), is a database constraint: whichever way the two
runs interleave, each benefit exists once, with the file's values. A run that loses the race is
told plainly (ImportConflict, or the other run's rows found unchanged), never left half-done.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from benefits.exceptions import ImportConflict
from benefits.models import Agency, BenefitKind, BenefitRecord
from benefits.services import benefit_file_import
from tests.benefits.conftest import benefit_row
from tests.concurrency import outcome, run_together

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 30


@pytest.mark.parametrize("round_", range(3))
def test_two_imports_of_one_file_at_once_load_each_benefit_once(write_csv, tmp_path, round_):
    # A transactional test starts from an empty database: the seeded agency is made again.
    agency, _ = Agency.objects.get_or_create(
        code="social_security", defaults={"name_ar": "التأمينات", "name_en": "Social Security"}
    )
    BenefitKind.objects.get_or_create(
        agency=agency,
        code="retirement_pension",
        defaults={"name_ar": "معاش تقاعدي", "name_en": "Retirement pension"},
    )
    path = write_csv([benefit_row(n) for n in range(1, ROWS + 1)])

    def run(name: str):
        def job():
            result = benefit_file_import(
                path=path, started_by=None, report_path=tmp_path / f"{name}.csv", batch_size=7
            )
            return "loaded", result.batch.created_count + result.batch.unchanged_count

        return job

    results = [outcome(r, {ImportConflict: "conflict"}) for r in run_together(run("a"), run("b"))]

    # Each run either loaded the file (its rows created, or found already there) or stopped
    # with the conflict message; no other error, and at least one run loaded.
    assert all(r == "conflict" or r[0] == "loaded" for r in results), results
    assert any(r != "conflict" for r in results), results
    assert BenefitRecord.objects.count() == ROWS, results
    assert set(BenefitRecord.objects.values_list("reference", flat=True)) == {
        f"SS-{n}" for n in range(1, ROWS + 1)
    }
    assert set(BenefitRecord.objects.values_list("monthly_amount", flat=True)) == {
        Decimal("250.500")
    }
