"""Single-row writes (and, at the end, reads) for the hot paths, without the ORM's compiler.

Every ``save()`` compiles its INSERT or UPDATE afresh: ~0.3–0.5 ms of Python per statement,
and a status change makes four of them (the request, its timeline entry, the audit entry, the
notification). These functions write the same rows with the same statements the ORM would:
the columns come from the model's metadata and every value goes through the field's own
``pre_save`` (``auto_now`` fields included) and ``get_db_prep_save``, as in ``Model.save()``.
What they skip is what these models do not use: signals (none of them has a receiver), a
custom ``save()`` (the audit entry's only refuses updates; inserting is what it allows),
multi-table inheritance and deferred fields. Measured in docs/benchmarks.md ("Claim").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, cast

from django.db import DatabaseError, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


def insert_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields an INSERT of a new ``model`` row writes: every concrete one but the automatic
    primary key and generated columns, in the model's order."""
    meta = model._meta
    return [
        field
        for field in meta.concrete_fields
        if field is not meta.auto_field and not getattr(field, "generated", False)
    ]


def _pk_column(model: type[models.Model]) -> str:
    pk = model._meta.pk
    if pk is None or pk.column is None:  # pragma: no cover - every concrete model has one
        raise TypeError(f"{model.__name__} has no primary key column.")
    return pk.column


@cache
def _insert_sql(model: type[models.Model], using: str, rows: int, suffix: str) -> str:
    quote = connections[using].ops.quote_name
    fields = insert_fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = quote(model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * rows)}{suffix}"  # noqa: S608 - names from the model


def insert_values(
    instance: models.Model,
    connection: BaseDatabaseWrapper,
    fields: Sequence[models.Field] | None = None,
) -> list[Any]:
    """The values of ``fields`` (default: ``insert_fields``) of a new ``instance`` as
    ``Model.save()`` sends them: each field's ``pre_save``, then ``get_db_prep_save``."""
    return [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection)
        for field in (insert_fields(type(instance)) if fields is None else fields)
    ]


def insert_row(instance: models.Model, *, using: str = "default") -> None:
    """INSERT ``instance`` (new, with an automatic primary key) and set its primary key."""
    connection = connections[using]
    returning = connection.features.can_return_columns_from_insert
    model = type(instance)
    suffix = f" RETURNING {connection.ops.quote_name(_pk_column(model))}" if returning else ""
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, using, 1, suffix), insert_values(instance, connection))
        pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using


def insert_rows(
    instances: Sequence[models.Model], *, skip_conflicts: bool = False, using: str = "default"
) -> int:
    """INSERT new instances of one model in one statement; return how many rows it wrote.

    ``skip_conflicts`` adds ``ON CONFLICT DO NOTHING`` (PostgreSQL; SQLite 3.24+ for unique
    constraints only): a row a unique or exclusion constraint refuses is left out instead of
    failing the statement, and the transaction with it. The primary keys are not read back.
    """
    connection = connections[using]
    model = type(instances[0])
    suffix = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    values = [value for instance in instances for value in insert_values(instance, connection)]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, using, len(instances), suffix), values)
        return cursor.rowcount


def update_row(instance: models.Model, fields: Sequence[str], *, using: str = "default") -> None:
    """``instance.save(update_fields=fields)``: one UPDATE of those columns of its row."""
    meta = instance._meta
    connection = connections[using]
    quote = connection.ops.quote_name
    concrete = {field.name: field for field in meta.concrete_fields}
    chosen = [concrete[name] for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in chosen)
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=False), connection) for field in chosen
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model
            f"WHERE {quote(_pk_column(type(instance)))} = %s",
            [*values, instance.pk],
        )
        if cursor.rowcount != 1:
            raise DatabaseError(f"{meta.label} {instance.pk}: the row to update is gone.")


# --- reads ---------------------------------------------------------------------------------
#
# The hottest reads (every signed-in request's session and user, the queue's licence) are a
# fixed statement each: building and compiling it with the ORM cost 0.3-0.5 ms of Python every
# time, as for writes. ``columns`` writes a model's column list for such a statement and
# ``from_row`` makes the instance of a row it read, through the same database converters the
# ORM applies (a date on SQLite, a JSON document, ...), as deferred fields when only some
# columns were read, as ``.only()`` gives.


@cache
def _readers(
    model: type[models.Model], fields: tuple[str, ...] | None, using: str
) -> tuple[list[models.Field], list[tuple[int, list[Any], Any]]]:
    """The fields ``columns`` reads (all concrete ones, or those named in ``fields``), in the
    model's order (``Model.from_db`` expects it), and, for each that needs them, its position,
    database converters and column expression."""
    connection = connections[using]
    meta = model._meta
    named = None if fields is None else {cast(models.Field, meta.get_field(n)) for n in fields}
    chosen = [field for field in meta.concrete_fields if named is None or field in named]
    converters = []
    for position, field in enumerate(chosen):
        column = field.get_col(meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, found, column))
    return chosen, converters


def columns(
    model: type[models.Model],
    alias: str,
    *,
    fields: Sequence[str] | None = None,
    using: str = "default",
) -> str:
    """``alias.column, …`` for the model's concrete fields (or those named in ``fields``),
    quoted, in the order ``from_row`` expects them (the model's)."""
    quote = connections[using].ops.quote_name
    chosen, _ = _readers(model, tuple(fields) if fields is not None else None, using)
    return ", ".join(f"{alias}.{quote(field.column)}" for field in chosen)


def width(model: type[models.Model], *, fields: Sequence[str] | None = None) -> int:
    """How many values of a row ``columns`` reads for the model."""
    return len(fields) if fields is not None else len(model._meta.concrete_fields)


def from_row(
    model: type[models.Model],
    values: Sequence[Any],
    *,
    fields: Sequence[str] | None = None,
    using: str = "default",
) -> Any:
    """The instance of ``values``, read with ``columns(model, …, fields=fields)``: converted as
    the ORM converts them, the fields not read deferred."""
    chosen, converters = _readers(model, tuple(fields) if fields is not None else None, using)
    if converters:
        connection = connections[using]
        values = list(values)
        for position, found, column in converters:
            value = values[position]
            for converter in found:
                value = converter(value, column, connection)
            values[position] = value
    return instance_of(
        model, using, _attnames(model, tuple(fields) if fields is not None else None, using), values
    )


@cache
def _attnames(
    model: type[models.Model], fields: tuple[str, ...] | None, using: str
) -> tuple[str, ...]:
    return tuple(field.attname for field in _readers(model, fields, using)[0])


def instance_of(
    model: type[models.Model], using: str, attnames: Sequence[str], values: Sequence[Any]
) -> Any:
    """``model.from_db(using, attnames, values)``: the instance of a row read from ``using``,
    the fields not in ``attnames`` deferred (read on first use, as ``.only()`` leaves them).

    Made without ``Model.__init__`` when nothing depends on it: ``from_db`` calls it with
    every field, deferred or not, and it sends ``pre_init`` and ``post_init``; a queue page
    made forty instances at 15 µs each, a tenth of its time (issue 19). What ``__init__``
    leaves on a row read from the database is its state (not adding, its database) and each
    value read in the instance's ``__dict__`` under the field's attribute name, which is all
    this does. A model with its own ``from_db`` or a receiver of either signal is made by
    ``from_db``."""
    if not _plain(model):
        return model.from_db(using, list(attnames), list(values))
    instance = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = using
    fields = instance.__dict__
    fields["_state"] = state
    fields.update(zip(attnames, values, strict=True))
    return instance


def _plain(model: type[models.Model]) -> bool:
    """True for a model whose instances ``Model.from_db`` makes through ``Model.__init__``
    alone, with no receiver of its signals (checked each time: a receiver may connect late)."""
    return (
        getattr(model.from_db, "__func__", None) is _FROM_DB
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


_FROM_DB = models.Model.from_db.__func__  # type: ignore[attr-defined]


def converted(model: type[models.Model], field: str, value: Any, *, using: str = "default") -> Any:
    """One value of the model's ``field`` as read from the database, converted as ``from_row``
    converts it (for a column read beside a model's, like an annotation)."""
    _, converters = _readers(model, (field,), using)
    for _, found, column in converters:
        for converter in found:
            value = converter(value, column, connections[using])
    return value


class Read(Protocol):
    """One list of instances to read: its statement, and the instances of the rows it gives.
    ``read_together`` sends several at once."""

    def statement(self, using: str) -> tuple[str, list[Any]]: ...

    def instances(self, rows: list[tuple[Any, ...]], using: str) -> list[Any]: ...


def read_together(*reads: Read, using: str = "default") -> list[list[Any]]:
    """Each read's instances, in order. On PostgreSQL the statements go out together in
    psycopg's pipeline mode: one round trip for all of them instead of one each (issue 19:
    every round trip is two context switches on a busy machine, and the case page made
    sixteen). Elsewhere, and for a single read, one after another. Each statement still
    goes through Django's cursor (its error wrapping, its query log in tests)."""
    connection = connections[using]
    connection.ensure_connection()
    together = len(reads) > 1 and connection.vendor == "postgresql"
    with ExitStack() as open_cursors:
        cursors = [open_cursors.enter_context(connection.cursor()) for _ in reads]
        with _pipeline(connection) if together else nullcontext():
            for cursor, read in zip(cursors, reads, strict=True):
                cursor.execute(*read.statement(using))
        fetched = [cursor.fetchall() for cursor in cursors]
    return [read.instances(rows, using) for read, rows in zip(reads, fetched, strict=True)]


@contextmanager
def _pipeline(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """psycopg's pipeline on ``connection``: the statements sent inside are answered at its
    end, where an error of any of them is raised as Django's."""
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


@dataclass(frozen=True)
class RowsWhere:
    """``list(model.objects.filter(<field>=value).order_by(*order_by))`` as a ``Read``, the
    statement written once (``-name`` sorts down). ``parent``: the instance ``value`` is the
    key of, set as each row's ``field`` as a related manager sets it (reading it costs no
    query)."""

    model: type[models.Model]
    field: str
    value: Any
    order_by: tuple[str, ...]
    parent: models.Model | None = None

    def statement(self, using: str) -> tuple[str, list[Any]]:
        key = cast(models.Field, self.model._meta.get_field(self.field))
        return (
            _rows_where_sql(self.model, self.field, self.order_by, using),
            [key.get_db_prep_value(self.value, connections[using])],
        )

    def instances(self, rows: list[tuple[Any, ...]], using: str) -> list[Any]:
        found = [from_row(self.model, row, using=using) for row in rows]
        if self.parent is not None:
            key = cast(Any, self.model._meta.get_field(self.field))
            for row in found:
                key.set_cached_value(row, self.parent)
        return found


@cache
def _rows_where_sql(
    model: type[models.Model], field: str, order_by: tuple[str, ...], using: str
) -> str:
    quote = connections[using].ops.quote_name
    meta = model._meta

    def column(name: str) -> str:
        return f"t.{quote(cast(models.Field, meta.get_field(name)).column)}"

    order = ", ".join(
        f"{column(name.lstrip('-'))} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in order_by
    )
    return (
        f"SELECT {columns(model, 't', using=using)} FROM {quote(meta.db_table)} t"  # noqa: S608 - names from the model
        f" WHERE {column(field)} = %s" + (f" ORDER BY {order}" if order else "")
    )


class PreparedQuery:
    """An ORM query built and compiled once, then run again with other values.

    ``build`` makes the queryset from stand-in integers (one per value ``run`` will be given:
    ids); it is compiled once per database, and each run sends the same SQL with the real
    values in the stand-ins' places and makes the instances as the ORM does (its converters,
    ``select_related`` objects, annotations). For a query whose shape never changes but whose
    compilation cost more than the rest of the page's reads (the case file: five models, the
    holding rule, the conflicts flag; issue 19). The rule stays written once, in the ORM.
    """

    #: Stand-ins no id can be: an id of these would be sent in their place.
    STAND_INS = (-7_301_000_001, -7_301_000_002, -7_301_000_003)

    def __init__(self, build: Any, arity: int = 1) -> None:
        self.build = build
        self.arity = arity
        self._made: dict[str, Any] = {}

    def _make(self, using: str) -> Any:
        from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

        stand_ins = self.STAND_INS[: self.arity]
        queryset = self.build(*stand_ins)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = [[i for i, p in enumerate(params) if p == s] for s in stand_ins]
        if not all(slots):  # pragma: no cover - a build that ignores a value is a mistake
            raise ValueError("Each value must reach the query.")
        select, klass_info = compiler.select, compiler.klass_info
        fields = [column[0] for column in select[: compiler.col_count]]
        converters = list(compiler.get_converters(fields).items())
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        made = (
            sql,
            list(params),
            slots,
            converters,
            klass_info["model"],
            [column[0].target.attname for column in select[start:end]],
            (start, end),
            get_related_populators(klass_info, select, using),
            list(compiler.annotation_col_map.items()),
        )
        self._made[using] = made
        return made

    def read(self, *values: Any) -> Read:
        """The query with ``values`` as a ``Read`` (to send with others, ``read_together``)."""
        return _PreparedRead(self, values)

    def run(self, *values: Any, using: str = "default") -> list[Any]:
        return read_together(self.read(*values), using=using)[0]

    def statement(self, values: Sequence[Any], using: str) -> tuple[str, list[Any]]:
        made = self._made.get(using) or self._make(using)
        sql, params, slots = made[0], list(made[1]), made[2]
        for value, places in zip(values, slots, strict=True):
            for place in places:
                params[place] = value
        return sql, params

    def instances(self, rows: list[tuple[Any, ...]], using: str) -> list[Any]:
        made = self._made.get(using) or self._make(using)
        _, _, _, converters, model, names, (start, end), populators, annotations = made
        connection = connections[using]
        found = []
        for values in rows:
            row = list(values)
            for position, (convert, expression) in converters:
                value = row[position]
                for converter in convert:
                    value = converter(value, expression, connection)
                row[position] = value
            instance = instance_of(model, using, names, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found


@dataclass(frozen=True)
class _PreparedRead:
    query: PreparedQuery
    values: tuple[Any, ...]

    def statement(self, using: str) -> tuple[str, list[Any]]:
        return self.query.statement(self.values, using)

    def instances(self, rows: list[tuple[Any, ...]], using: str) -> list[Any]:
        return self.query.instances(rows, using)
