"""``config.rows.read_together`` (issue 19): several reads, one round trip on PostgreSQL,
each read's instances exactly as it gives them alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import DatabaseError, connection

from aid_requests.models import AidRequest, TimelineEntry
from config.rows import PreparedQuery, RowsWhere, read_together
from tests.factories import GovernorateFactory
from tests.factories.cases import family, needy_aid_type, open_request


@dataclass(frozen=True)
class Statement:
    """A read of a fixed statement's rows as they come (for what only SQL can show)."""

    sql: str

    def statement(self, using: str) -> tuple[str, list[Any]]:
        return self.sql, []

    def instances(self, rows: list[tuple[Any, ...]], using: str) -> list[Any]:
        return list(rows)


def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL is not a PostgreSQL URL)")


@pytest.mark.django_db
def test_reads_together_give_what_each_gives_alone(django_assert_num_queries):
    capital = GovernorateFactory(code="capital")
    needy = needy_aid_type()
    first, second = (open_request(family(capital), needy, capital) for _ in range(2))
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for day in (3, 1, 2):
        TimelineEntry.objects.create(
            aid_request=first, to_status="open", at=moment + datetime.timedelta(days=day)
        )
    requests = PreparedQuery(
        lambda governorate: (
            AidRequest.objects.filter(governorate=governorate)
            .select_related("aid_type")
            .order_by("id")
        )
    )
    alone = (
        read_together(RowsWhere(TimelineEntry, "aid_request", first.pk, ("at", "id")))[0],
        read_together(RowsWhere(TimelineEntry, "aid_request", second.pk, ("at", "id")))[0],
        requests.run(capital.pk),
    )
    with django_assert_num_queries(3):  # three statements, each through Django's cursor
        together = read_together(
            RowsWhere(TimelineEntry, "aid_request", first.pk, ("at", "id"), first),
            RowsWhere(TimelineEntry, "aid_request", second.pk, ("at", "id")),
            requests.read(capital.pk),
        )
        assert all(entry.aid_request is first for entry in together[0])  # no query
    assert [[row.pk for row in rows] for rows in together] == [
        [row.pk for row in rows] for rows in alone
    ]
    assert [entry.at for entry in together[0]] == sorted(entry.at for entry in alone[0])
    assert together[1] == []
    assert [r.aid_type.code for r in together[2]] == [r.aid_type.code for r in alone[2]]


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_they_go_out_together():
    """Sent one by one (autocommit), each statement is a transaction of its own; sent in one
    pipeline they share the implicit transaction that ends at its one sync, so PostgreSQL gives
    them the same transaction start time."""
    postgres()
    sql = "SELECT now(), pg_sleep(0.01)"
    together = read_together(Statement(sql), Statement(sql), Statement(sql))
    assert len({rows[0][0] for rows in together}) == 1
    one_by_one = [read_together(Statement(sql))[0][0][0] for _ in range(3)]
    assert len(set(one_by_one)) == 3


@pytest.mark.django_db(transaction=True)
def test_a_failing_read_raises_djangos_error_and_the_connection_serves_on():
    with pytest.raises(DatabaseError):
        read_together(Statement("SELECT 1"), Statement("SELECT * FROM no_such_table"))
    assert read_together(Statement("SELECT 2"), Statement("SELECT 3")) == [[(2,)], [(3,)]]
