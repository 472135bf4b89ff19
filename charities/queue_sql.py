"""The shared queue's statements, written once (issue 19; docs/decisions.md, "The hottest reads
as statements written once"): the organisation's licence, and the queue itself for each shape
of filters. ``charities.selectors`` reads with them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, cast

from django.db import connections, router
from django.db.models import ManyToManyField, Model

from aid_requests.models import AidRequest, AidType, RequestStatus
from applicants.models import Governorate, HouseholdMember
from charities.models import Organisation
from config.rows import columns, from_row, width


@dataclass(frozen=True)
class Licence:
    """What an organisation's licence covers, read once per request: its aid types (with what
    a queue row shows of them) and its governorates, each by id, in id order."""

    aid_types: dict[int, AidType]
    governorates: dict[int, Governorate]


def licence_of(organisation: Organisation) -> Licence:
    """The organisation's licence. The queue's filter form offers these as choices and
    ``queue_for`` names them in its query as plain id lists: PostgreSQL plans the queue's query
    in 0.2 ms that way, against 5 ms (15-20 ms on a busy machine) with the licence as two
    joined subqueries and the aid type and governorate joined in (issue 19).

    One SQL statement for both lists, written here rather than built by the ORM
    (``config.rows``): building, compiling and reading two ORM queries cost 0.9 ms of CPU a
    page, this 0.15 ms. The aid types carry only what a queue row shows, like ``.only()``."""
    using = router.db_for_read(AidType)
    with connections[using].cursor() as cursor:
        cursor.execute(licence_sql(using), [organisation.pk, organisation.pk])
        rows = cursor.fetchall()
    aid_types: dict[int, AidType] = {}
    governorates: dict[int, Governorate] = {}
    for kind, *values in rows:
        if kind == 0:
            aid_type = from_row(AidType, values, fields=LICENCE_AID_TYPE, using=using)
            aid_types[aid_type.pk] = aid_type
        else:
            governorate = from_row(
                Governorate, values[: width(Governorate)], fields=None, using=using
            )
            governorates[governorate.pk] = governorate
    return Licence(aid_types=aid_types, governorates=governorates)


#: What ``licence_of`` reads of an aid type: what a queue row shows.
LICENCE_AID_TYPE = ("id", "code", "name_ar", "name_en", "scope")


@functools.cache
def licence_sql(using: str) -> str:
    """``licence_of``'s statement (made once per database): the aid types (kind 0) then the
    governorates (kind 1) of organisation ``%s``, each padded to the wider row."""
    quote = connections[using].ops.quote_name
    parts = []
    wide = max(len(LICENCE_AID_TYPE), width(Governorate))
    for kind, name in enumerate(("aid_types", "governorates")):
        field = cast("ManyToManyField[Any, Any]", Organisation._meta.get_field(name))
        model = cast("type[Model]", field.related_model)
        through = cast("type[Model]", field.remote_field.through)._meta.db_table
        to_model = field.m2m_reverse_name()  # the through table's column to the model
        to_organisation = field.m2m_column_name()
        fields = LICENCE_AID_TYPE if kind == 0 else None
        padding = ", NULL" * (wide - width(model, fields=fields))
        pk = quote(cast(Any, model._meta.pk).column)
        parts.append(
            f"SELECT {kind}, {columns(model, 'c', fields=fields, using=using)}{padding}"  # noqa: S608 - names from the models
            f" FROM {quote(model._meta.db_table)} c"
            f" JOIN {quote(through)} l ON l.{quote(to_model)} = c.{pk}"
            f" WHERE l.{quote(to_organisation)} = %s"
        )
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2"


#: What a queue row reads of a request (``queue_for``).
QUEUE_COLUMNS = (
    "id",
    "aid_type",
    "governorate",
    "amount_requested",
    "household_size",
    "need_score",
    "screening",
    "submitted_at",
    "beneficiary_civil_id",
)


QUEUE_FIELDS: dict[str, Any] = {
    name: AidRequest._meta.get_field(name)
    for name in ("aid_type", "governorate", "amount_requested", "need_score", "submitted_at")
}


@functools.cache
def queue_sql(shape: tuple[Any, ...], using: str) -> str:
    """``queue_for``'s statement for one shape of filters (which conditions, how many ids in
    each licence list, the sort order, whether a cursor continues a page), made once: the
    request's ``QUEUE_COLUMNS``, then its beneficiary's kinship and birth date; open, not
    covered elsewhere, in the licence, filtered, after the cursor, in the page's order."""
    conditions, oldest, continues = shape
    quote = connections[using].ops.quote_name
    meta = AidRequest._meta

    def column(name: str) -> str:
        return f"r.{quote(cast(Any, meta.get_field(name)).column)}"

    member = HouseholdMember._meta
    # The status written in, not sent as a parameter: psycopg prepares a statement run five
    # times, and PostgreSQL's generic plan for "status = $1" cannot use the partial indexes
    # on open requests (page 20: a bitmap scan of every open request of the filter, 9 ms,
    # against 0.3 ms; issue 19). A code of the model's own choices, never input.
    where = [
        f"{column('status')} = '{RequestStatus.OPEN.value}'",
        f"{column('covered_until')} IS NULL",
    ]
    for name, operator, count in conditions:
        if operator == "IN":
            where.append(f"{column(name)} IN ({', '.join(['%s'] * count)})")
        else:
            where.append(f"{column(name)} {operator} %s")
    key = column("submitted_at" if oldest else "need_score")
    after, order = (">", "ASC") if oldest else ("<", "DESC")
    if continues:
        # A row comparison, not "key < x OR (key = x AND id < y)": PostgreSQL reads it as a
        # bound of the index scan, where the OR was a filter over every row of the pages
        # before (page 20: 500 rows read and dropped; issue 19).
        where.append(f"({key}, r.id) {after} (%s, %s)")
    return (
        f"SELECT {columns(AidRequest, 'r', fields=QUEUE_COLUMNS, using=using)},"  # noqa: S608 - names from the models
        f" m.{quote(cast(Any, member.get_field('kinship')).column)},"
        f" m.{quote(cast(Any, member.get_field('birth_date')).column)}"
        f" FROM {quote(meta.db_table)} r"
        f" LEFT JOIN {quote(member.db_table)} m"
        f" ON m.id = {column('beneficiary_member')}"
        f" WHERE {' AND '.join(where)}"
        f" ORDER BY {key} {order}, r.id {order} LIMIT %s"
    )
