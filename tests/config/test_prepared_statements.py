"""Issue 19: on PostgreSQL a statement run again and again on one connection is prepared, so
PostgreSQL plans it once (Django turns psycopg's preparing off unless told otherwise)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from charities.case_reads import get_case_file_for_staff
from tests.factories import AidRequestFactory, CharityStaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL is not a PostgreSQL URL)")


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_case_pages_query_is_prepared_after_five_runs(postgres):
    assert settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] == 5
    staff = CharityStaffFactory()
    aid_request = AidRequestFactory(claimed_by=staff.membership.organisation, status="claimed")
    for run in range(1, 7):
        get_case_file_for_staff(staff, aid_request.pk)
        case_file = [s for s in prepared() if "has_open_conflicts" in s]
        # psycopg prepares on the run after the threshold is reached
        assert bool(case_file) is (run > 5), run


def test_a_bulk_job_runs_its_statements_unprepared(postgres):
    """The state-benefits import reads the table it fills: a plan prepared on its first
    batches would be kept for the rest (config/statements.py)."""
    from django.db import connection as django_connection

    from config.statements import unprepared

    marker = "SELECT 1 AS unprepared_probe WHERE %s = %s"
    with unprepared():
        for _ in range(7):
            with django_connection.cursor() as cursor:
                cursor.execute(marker, [1, 1])
        assert not [s for s in prepared() if "unprepared_probe" in s]
    assert django_connection.connection.prepare_threshold == 5
    for _ in range(7):
        with django_connection.cursor() as cursor:
            cursor.execute(marker, [1, 1])
    assert [s for s in prepared() if "unprepared_probe" in s]
