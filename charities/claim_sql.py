"""The claim's hand-written SQL: its first statement and its second look at the household.

Written in SQL because it is the claim's hottest statement: the ORM's form of it
(``select_for_update(of=...)``, ``select_related``, two ``Exists`` annotations and a second
query for the household) cost ~4 ms of Python per claim against ~0.2 ms here
(docs/benchmarks.md, "Claim").

Nothing in it is typed by hand: every table and column name comes from the models' ``_meta``
(the join columns too) and is quoted by the database backend; the values are parameters. The
rows are turned into model instances without the ORM's converters, so only fields whose
values the database driver already returns as the Python value may be read — checked below
when the statement is built (``claim_fields``), not promised in a comment.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

from accounts.models import User
from aid_requests.models import AidRequest, AidType
from applicants.models import ApplicantProfile, HouseholdMember
from charities.models import Organisation

_M = TypeVar("_M", bound=models.Model)

#: What the claim reads of the request, its aid type and its applicant; the other fields stay
#: deferred (loaded if something uses them).
CLAIM_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    AidRequest: (
        "id",
        "applicant_id",
        "aid_type_id",
        "governorate_id",
        "status",
        "coverage_start",
        "coverage_end",
        "claimed_by_id",
        "beneficiary_civil_id",  # whom person aid covers (dedup.people.people_covered)
        "covered_until",
    ),
    AidType: ("id", "code", "name_ar", "name_en", "scope", "coverage_months"),
    User: ("id", "civil_id"),
}

#: Integers, text and dates: for these the driver's value is already the Python value, on
#: PostgreSQL and on SQLite (Django registers SQLite's converter for ``date`` columns). A boolean
#: (0/1 on SQLite), a datetime (text on SQLite, and naive), a decimal or JSON would need the
#: ORM's converters, which the claim skips.
SUPPORTED_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "SlugField",
        "TextField",
        "DateField",
    }
)


def supported(field: models.Field) -> models.Field:
    """``field``, if the claim may read it without converters (a foreign key: its target's
    type); else ``ImproperlyConfigured`` — raised when the statement is built."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kind = target.get_internal_type()
    if kind not in SUPPORTED_TYPES:
        raise ImproperlyConfigured(
            f"The claim's SQL cannot read {field.model.__name__}.{field.name} ({kind}): "
            "only integers, text and dates come back from the driver as Python values."
        )
    return field


@cache
def claim_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's fields the claim reads, in the model's field order (as ``from_db`` needs)."""
    wanted = CLAIM_FIELDS[model]
    fields = [field for field in model._meta.concrete_fields if field.attname in wanted]
    if len(fields) != len(wanted):
        raise ImproperlyConfigured(f"{model.__name__} lacks a field the claim reads: {wanted}")
    return [supported(field) for field in fields]


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # pragma: no cover - a reverse relation
        raise ImproperlyConfigured(f"{model.__name__}.{name} is not a column of its table")
    return field


def _column(model: type[models.Model], name: str) -> str:
    """``model``'s field ``name`` as a quoted, table-qualified column (a foreign key: its
    ``_id`` column)."""
    return f"{_table(model)}.{connection.ops.quote_name(_field(model, name).column)}"


def _target_column(model: type[models.Model], name: str) -> str:
    """The quoted, table-qualified column that the foreign key ``name`` of ``model`` points at."""
    field = _field(model, name)
    if not isinstance(field, models.ForeignKey):  # pragma: no cover - models changed
        raise ImproperlyConfigured(f"{model.__name__}.{name} is not a foreign key")
    target = field.target_field
    return f"{_table(target.model)}.{connection.ops.quote_name(target.column)}"


def _many_to_many(model: type[models.Model], name: str) -> models.ManyToManyField:
    field = model._meta.get_field(name)
    if not isinstance(field, models.ManyToManyField):  # pragma: no cover - models changed
        raise ImproperlyConfigured(f"{model.__name__}.{name} is not a many-to-many field")
    return field


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _licensed(organisation_field: str, request_field: str) -> str:
    """EXISTS a row of the organisation's many-to-many ``organisation_field`` (its licence)
    naming the request's ``request_field`` (the organisation is a parameter)."""
    q = connection.ops.quote_name
    licence = _many_to_many(Organisation, organisation_field)
    table = q(licence.m2m_db_table())
    return (
        f"EXISTS (SELECT 1 FROM {table}"  # noqa: S608 - names from _meta, quoted
        f" WHERE {table}.{q(licence.m2m_column_name())} = %s"
        f" AND {table}.{q(licence.m2m_reverse_name())} = {_column(AidRequest, request_field)})"
    )


@cache
def claim_row_sql(vendor: str) -> str:
    """The claim's first statement (see ``lock_for_claim``), built from the models' metadata.

    Every column is qualified by its quoted table name (each table appears once), as the ORM
    writes it.
    """
    columns = ", ".join(
        f"{_table(model)}.{connection.ops.quote_name(field.column)}"
        for model in (AidRequest, AidType, User)
        for field in claim_fields(model)
    )
    member_civil_id = supported(_field(HouseholdMember, "civil_id"))
    # PostgreSQL: lock the request row only (OF the request table) — locking the joined aid
    # type row too would queue every claim of that aid type behind every other. SQLite runs
    # one writer at a time (IMMEDIATE transactions) and has no row locks.
    lock = f" FOR UPDATE OF {_table(AidRequest)}" if vendor == "postgresql" else ""
    # One row per household member (their civil ID last), so the household is read in the same
    # round trip (people_covered decides whom the aid covers); no members: one row, NULL there.
    return (
        f"SELECT {columns}, "  # noqa: S608 - names from _meta, quoted; values are parameters
        f"{_licensed('aid_types', 'aid_type')} AND {_licensed('governorates', 'governorate')}, "
        f"{_column(HouseholdMember, member_civil_id.name)} "
        f"FROM {_table(AidRequest)} "
        f"JOIN {_table(AidType)} ON {_target_column(AidRequest, 'aid_type')}"
        f" = {_column(AidRequest, 'aid_type')} "
        f"JOIN {_table(User)} ON {_target_column(AidRequest, 'applicant')}"
        f" = {_column(AidRequest, 'applicant')} "
        f"LEFT JOIN {_table(ApplicantProfile)} ON {_column(ApplicantProfile, 'user')}"
        f" = {_column(AidRequest, 'applicant')} "
        f"LEFT JOIN {_table(HouseholdMember)} ON {_column(HouseholdMember, 'profile')}"
        f" = {_target_column(HouseholdMember, 'profile')} "
        f"WHERE {_column(AidRequest, 'id')} = %s{lock}"
    )


@cache
def household_sql() -> str:
    """The civil IDs of an applicant's household members (the applicant as a parameter)."""
    member_civil_id = supported(_field(HouseholdMember, "civil_id"))
    return (
        f"SELECT {_column(HouseholdMember, member_civil_id.name)} "  # noqa: S608 - see above
        f"FROM {_table(HouseholdMember)} "
        f"JOIN {_table(ApplicantProfile)} ON {_target_column(HouseholdMember, 'profile')}"
        f" = {_column(HouseholdMember, 'profile')} "
        f"WHERE {_column(ApplicantProfile, 'user')} = %s"
    )


def lock_for_claim(aid_request_id: int, organisation_id: int) -> tuple[AidRequest, bool, list[str]]:
    """The request, locked, with its aid type and its applicant's civil ID; whether the
    organisation is licensed for its aid type and governorate; and the civil IDs of the
    applicant's household — all in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            claim_row_sql(connection.vendor),
            [organisation_id, organisation_id, aid_request_id],
        )
        rows = cursor.fetchall()
    if not rows:
        raise AidRequest.DoesNotExist(f"No aid request {aid_request_id}.")
    values = iter(rows[0])
    aid_request = _loaded(AidRequest, values)
    aid_request.aid_type = _loaded(AidType, values)
    aid_request.applicant = _loaded(User, values)
    licensed = bool(next(values))
    household = [row[-1] for row in rows if row[-1] is not None]
    return aid_request, licensed, household


def household_now(applicant_id: int) -> list[str]:
    """The civil IDs of the applicant's household members, read by a statement of its own
    (SQL, like the claim's other statements: the ORM would build the same SQL again each time)."""
    with connection.cursor() as cursor:
        cursor.execute(household_sql(), [applicant_id])
        return [civil_id for (civil_id,) in cursor.fetchall()]


def _loaded(model: type[_M], values: Iterator[Any]) -> _M:
    """A ``model`` instance from the next ``values`` (its claim fields; the rest deferred)."""
    fields = claim_fields(model)
    return model.from_db(
        connection.alias, list(CLAIM_FIELDS[model]), [next(values) for _ in fields]
    )
