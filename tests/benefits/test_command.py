"""``manage.py benefits_import``: its output is a contract (one summary line on stdout)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from benefits.models import BenefitRecord
from tests.benefits.conftest import benefit_row, read_report

pytestmark = pytest.mark.django_db


def import_file(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("benefits_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_progress_and_exactly_one_summary_line(write_csv):
    path = write_csv([benefit_row(n) for n in range(1, 6)] + [benefit_row(6, agency="")])

    out, err = import_file(str(path), "--batch-size", "2")

    assert out == "5 created, 0 updated, 0 unchanged, 0 ended, 1 errors\n"
    assert "2 / 6 rows\n4 / 6 rows\n6 / 6 rows\n" in err
    assert BenefitRecord.objects.count() == 5
    assert len(read_report(path.with_name("benefits.csv.report.csv"))) == 1


def test_the_same_file_again_says_it_was_already_imported(write_csv):
    path = write_csv([benefit_row(1)])
    import_file(str(path))

    out, err = import_file(str(path))

    assert out == "0 created, 0 updated, 1 unchanged, 0 ended, 0 errors\n"
    assert "already imported" in err


def test_a_dry_run_from_the_command_loads_nothing(write_csv, tmp_path):
    path = write_csv([benefit_row(1)])
    report = tmp_path / "report.csv"

    out, err = import_file(str(path), "--dry-run", "--report", str(report))

    assert out == "1 created, 0 updated, 0 unchanged, 0 ended, 0 errors\n"
    assert "dry run" in err
    assert report.exists()
    assert not BenefitRecord.objects.exists()


def test_a_file_without_a_needed_column_is_a_command_error(write_csv):
    path = write_csv([benefit_row(1)], columns=("civil_id", "agency"))

    with pytest.raises(CommandError):
        import_file(str(path))
    assert not BenefitRecord.objects.exists()
