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


def test_rows_where_reads_the_orms_rows_in_order_with_the_parent_set(django_assert_num_queries):
    """The case page's lists (issue 19): the ORM's rows, in the order asked, each row's parent
    set without a query, the statement made once."""
    from aid_requests.models import TimelineEntry
    from config.rows import RowsWhere, _rows_where_sql, read_together

    capital = GovernorateFactory(code="capital")
    aid_request = open_request(family(capital), needy_aid_type(), capital)
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for day, note in ((2, "two"), (1, "one"), (2, "tie")):
        TimelineEntry.objects.create(
            aid_request=aid_request,
            to_status="open",
            at=moment + datetime.timedelta(days=day),
            note=note,
        )
    orm = list(TimelineEntry.objects.filter(aid_request=aid_request).order_by("-at", "-id"))
    made = _rows_where_sql.cache_info().misses
    for _ in range(2):
        with django_assert_num_queries(1):
            (mine,) = read_together(
                RowsWhere(TimelineEntry, "aid_request", aid_request.pk, ("-at", "-id"), aid_request)
            )
            assert all(row.aid_request is aid_request for row in mine)
    assert _rows_where_sql.cache_info().misses - made == 1
    assert [row.pk for row in mine] == [row.pk for row in orm]
    assert [(row.to_status, row.note, row.at) for row in mine] == [
        (row.to_status, row.note, row.at) for row in orm
    ]
    assert [row.note for row in mine][:2] == ["tie", "two"]
    assert read_together(
        RowsWhere(TimelineEntry, "aid_request", aid_request.pk + 999, ("id",))
    ) == [[]]


def test_a_prepared_query_gives_the_orms_instances_for_any_values(django_assert_num_queries):
    """``PreparedQuery`` (issue 19): compiled once, then each run's rows are the ORM's for the
    values of that run, with ``select_related`` objects and annotations, and no other query."""
    from django.db.models import Count

    from config.rows import PreparedQuery

    capital = GovernorateFactory(code="capital")
    needy = needy_aid_type()
    requests = [open_request(family(capital), needy, capital) for _ in range(3)]
    requests[1].amount_requested = Decimal("10.500")
    requests[1].save(update_fields=["amount_requested"])

    def build(pk, governorate):
        return (
            AidRequest.objects.filter(pk__gte=pk, governorate=governorate)
            .select_related("aid_type", "applicant")
            .annotate(steps=Count("timeline"))
            .order_by("id")
        )

    prepared = PreparedQuery(build, arity=2)
    for first in requests:
        orm = list(build(first.pk, capital.pk))
        with django_assert_num_queries(1):
            mine = prepared.run(first.pk, capital.pk)
            pairs = [(m.aid_type.code, m.applicant.civil_id, m.steps) for m in mine]
        assert [m.pk for m in mine] == [o.pk for o in orm]
        assert pairs == [(o.aid_type.code, o.applicant.civil_id, o.steps) for o in orm]
        assert [m.amount_requested for m in mine] == [o.amount_requested for o in orm]
        assert [m.submitted_at for m in mine] == [o.submitted_at for o in orm]
    assert prepared.run(requests[0].pk, capital.pk + 999) == []


def test_an_instance_made_without_init_behaves_as_the_orms():
    """``instance_of`` (issue 19) skips ``Model.__init__``: the instance must still defer,
    compare, refresh and save as one the ORM made."""
    capital = GovernorateFactory(code="capital")
    aid_request = open_request(family(capital), needy_aid_type(), capital)
    mine = read(AidRequest, aid_request.pk, fields=["id", "status", "governorate"])
    orm = AidRequest.objects.only("id", "status", "governorate").get(pk=aid_request.pk)
    assert mine == orm
    assert mine.get_deferred_fields() == orm.get_deferred_fields()
    assert mine.governorate == capital  # a foreign key read by its id
    mine.justification = "changed by hand"
    mine.save(update_fields=["justification"])
    assert AidRequest.objects.get(pk=aid_request.pk).justification == "changed by hand"
    mine.refresh_from_db(fields=["status"])
    assert mine.status == orm.status


def test_a_model_with_an_init_receiver_is_made_by_from_db():
    """A receiver of ``post_init`` (an image field's dimensions, a library's tracking) must
    see every instance: such a model is made by ``Model.from_db``."""
    from django.db.models.signals import post_init

    from applicants.models import Governorate

    capital = GovernorateFactory(code="capital")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Governorate)
    try:
        made = read(Governorate, capital.pk)
    finally:
        post_init.disconnect(receiver, sender=Governorate)
    assert seen == [made]
    assert read(Governorate, capital.pk) == capital
    assert len(seen) == 1
