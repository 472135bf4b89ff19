"""config.rows' reads: the instance of a hand-written statement's row is the ORM's."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from aid_requests.models import AidRequest
from config.rows import columns, from_row, width
from tests.factories import GovernorateFactory
from tests.factories.cases import family, needy_aid_type, open_request

pytestmark = pytest.mark.django_db


def read(model, pk, fields=None):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(model, 't', fields=fields)} FROM {table} t WHERE t.id = %s",  # noqa: S608
            [pk],
        )
        row = cursor.fetchone()
    assert len(row) == width(model, fields=fields)
    return from_row(model, row, fields=fields)


def test_a_row_read_by_hand_converts_as_the_orm_converts():
    """Dates, decimals, JSON and booleans: SQLite returns some as text, PostgreSQL as values;
    both must arrive as the ORM gives them."""
    capital = GovernorateFactory(code="capital")
    aid_request = open_request(family(capital), needy_aid_type(), capital)
    aid_request.screening = {"breakdown": [{"part": "income", "points": 3}]}
    aid_request.amount_requested = Decimal("123.450")
    aid_request.save()
    orm = AidRequest.objects.get(pk=aid_request.pk)
    mine = read(AidRequest, aid_request.pk)
    for field in AidRequest._meta.concrete_fields:
        assert getattr(mine, field.attname) == getattr(orm, field.attname), field.name
    assert isinstance(mine.submitted_at, datetime.datetime)
    assert mine.submitted_at.tzinfo is not None
    assert mine.amount_requested == Decimal("123.450")
    assert mine.screening["breakdown"][0]["points"] == 3
    assert mine._state.adding is False
    assert mine._state.db == "default"


def test_some_columns_give_the_others_deferred_in_any_order_asked():
    capital = GovernorateFactory(code="capital")
    aid_request = open_request(family(capital), needy_aid_type(), capital)
    mine = read(AidRequest, aid_request.pk, fields=["need_score", "id", "status"])
    assert mine.pk == aid_request.pk
    assert mine.status == aid_request.status
    assert "justification" in mine.get_deferred_fields()
    assert "need_score" not in mine.get_deferred_fields()
