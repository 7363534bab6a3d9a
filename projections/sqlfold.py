"""The read models' folds, declared once and run inside the database.

A read model says, for each event topic that contributes rows, which column of which
table each row fills from which event field — a ``Row`` of column expressions::

    Row(Movements, [Project.Allocated], {"kind": const("allocate"), "amount": number("amount"), …})

``compile_rows`` turns the declarations into one ``INSERT … SELECT`` per row kind over
the stored JSON of the events between two log positions, for SQLite (``json_extract``)
or PostgreSQL (``jsonb``); columns a row leaves out take the table's defaults. Nothing
is decoded in Python, so a rebuild runs at the speed of the database. There is no
second, hand-written fold to keep in step: tests and ``ledger verify`` check the
tables against the aggregates' own state replayed from the same events.

A year-end close contributes one row per carried allocation and two per moved
payment: such a row declares ``each=`` (``entries`` of a JSON object, ``pairs`` of a
list of ``[number, amount]``) and reads the element with ``entry_key``, ``pair(1)`` …
— the one place where the two dialects' JSON table functions are spelled out.

``Dialect`` hides the two JSON syntaxes. The stored state of an event is the
library's JSON: plain fields as themselves, dates as ``{"_type_": "date_iso",
"_data_": "2024-01-31"}``, the recording time as ``{"_type_": "datetime_iso",
"_data_": "…+00:00"}``.

On SQLite the event table also keeps the hot fields as stored generated columns
(``ledger.storage.EVENT_COLUMNS``, each ``json_extract`` of the state made at
insert): a dialect given them in ``columns`` reads those instead of parsing the JSON,
with the same values; a store not yet upgraded, and the fresh fold of ``ledger
verify``, read the JSON itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from ledger.storage import EVENT_COLUMNS, stored_fields
from ledger.values import Value


class Dialect(Value):
    """SQL fragments over one page of stored events, aliased ``e`` with columns
    ``position``, ``oid`` (aggregate id as 32 hex digits), ``topic`` and ``s`` (the state),
    and on SQLite the generated columns of the JSON paths in ``columns``.

    ``topic_index``: on SQLite, the event table has an index that begins with ``topic``
    (``ledger init`` makes one), so a page's topics are counted from it
    (``folds.engine.topics``).
    """

    __slots__ = ("name", "schema", "events_table", "columns", "topic_index")  # noqa: RUF023 (the fields' order)
    name: str  # "sqlite" or "postgresql"
    schema: str | None
    events_table: str
    columns: frozenset[str]
    topic_index: bool

    def __init__(
        self,
        name: str,
        schema: str | None = None,
        events_table: str = "stored_events",
        columns: frozenset[str] = frozenset(),
        topic_index: bool = False,
    ) -> None:
        self._set(name=name, schema=schema, events_table=events_table, columns=columns, topic_index=topic_index)

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    def table(self, name: str) -> str:
        return f'"{self.schema}"."{name}"' if self.schema else f'"{name}"'

    def page(self) -> str:
        """The stored events with log positions in (:start, :stop]."""
        if self.sqlite:
            kept = "".join(f", {EVENT_COLUMNS[p]}" for p in sorted(self.columns))
            return (
                f"(SELECT rowid AS position, originator_id AS oid, topic, CAST(state AS TEXT) AS s{kept} "
                f"FROM {self.table(self.events_table)} WHERE rowid > :start AND rowid <= :stop) AS e"
            )
        return (
            "(SELECT notification_id AS position, replace(originator_id::text, '-', '') AS oid, topic, "
            "convert_from(state, 'UTF8')::jsonb AS s "
            f"FROM {self.table(self.events_table)} "
            "WHERE notification_id > :start AND notification_id <= :stop) AS e"
        )

    def extract(self, path: str, source: str = "e.s") -> str:
        """SQLite: the value at a JSON path of the state — its generated column when the
        table keeps one, else ``json_extract`` (the same value)."""
        if source == "e.s" and path in self.columns:
            return f"e.{EVENT_COLUMNS[path]}"
        return f"json_extract({source}, '$.{path}')"

    def text(self, field: str, source: str = "e.s") -> str:
        return self.extract(field, source) if self.sqlite else f"({source} ->> '{field}')"

    def int(self, field: str, source: str = "e.s") -> str:
        return self.extract(field, source) if self.sqlite else f"({source} ->> '{field}')::bigint"

    def date(self, field: str = "on") -> str:
        if self.sqlite:
            return self.extract(f"{field}._data_")
        return f"(e.s -> '{field}' ->> '_data_')::date"

    def year_of(self, field: str = "on") -> str:
        if self.sqlite:
            return f"CAST(substr({self.extract(f'{field}._data_')}, 1, 4) AS INTEGER)"
        return f"CAST(substr(e.s -> '{field}' ->> '_data_', 1, 4) AS integer)"

    def new_year(self, year: str) -> str:
        """1 January of the year after ``year``."""
        return f"printf('%04d-01-01', {year} + 1)" if self.sqlite else f"make_date(({year})::int + 1, 1, 1)"

    def recorded_at(self) -> str:
        """The recording time as naive UTC with microseconds (how the models keep instants).

        The ledger stamps events in UTC (``Ledger`` refuses any other zone), so the
        text is cut rather than parsed: ``2024-06-30T08:00:00.123456+00:00`` →
        ``2024-06-30 08:00:00.123456``; a whole second has no fraction in ISO form
        (``…08:00:00+00:00`` → ``…08:00:00.000000``).
        """
        if self.sqlite:
            ts = self.extract("timestamp._data_")
            return f"replace(replace(substr({ts}, 1, 26), 'T', ' '), '+00:00', '.000000')"
        return "((e.s -> 'timestamp' ->> '_data_')::timestamptz AT TIME ZONE 'UTC')"

    def hex_id(self) -> str:
        return "e.oid"

    def literal(self, value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    def ordered(self, expression: str) -> str:
        """Order text by code point, as Python's ``sorted`` does."""
        return expression if self.sqlite else f'{expression} COLLATE "C"'

    def each(self, each: Each) -> str:
        """The join that gives one row per element of a JSON field, aliased ``x``."""
        if each.kind == "entries":
            if self.sqlite:
                return f", json_each(e.s, '$.{each.field}') AS x"
            return f", jsonb_each_text(e.s -> '{each.field}') AS x(key, value)"
        if self.sqlite:
            return f", json_each(e.s, '$.{each.field}') AS x"
        return f", jsonb_array_elements(e.s -> '{each.field}') WITH ORDINALITY AS x(value, n)"


def sqlite_dialect(rows: Callable[[str], Iterable[Sequence[Any]]], events_table: str) -> Dialect:
    """SQLite, with what the event table keeps: its generated columns and any index of
    topics; ``rows`` runs a query on the connection."""
    names = rows(f"SELECT name FROM pragma_table_xinfo('{events_table}')")
    indexed = rows(
        f"SELECT 1 FROM pragma_index_list('{events_table}') AS l, pragma_index_info(l.name) AS i "
        "WHERE i.seqno = 0 AND i.name = 'topic'"
    )
    return Dialect(
        "sqlite", None, events_table, stored_fields(n for (n, *_) in names), topic_index=bool(list(indexed))
    )


def dialect_of(conn: Any, schema: str | None, events_table: str) -> Dialect:
    return Dialect(conn.dialect.name, schema, events_table)


# ---------------------------------------------------------------- declarations

#: a column's value: SQL for one stored event (``e``) of a page, in a dialect
Expr = Callable[[Dialect], str]


def number(name: str) -> Expr:
    """An integer field of the event (分, a year, a payment number)."""
    return lambda d: d.int(name)


def text(name: str) -> Expr:
    """A text field of the event."""
    return lambda d: d.text(name)


def date(name: str = "on") -> Expr:
    """A date field of the event."""
    return lambda d: d.date(name)


def year_of(name: str = "on") -> Expr:
    """The year of a date field of the event."""
    return lambda d: d.year_of(name)


def const(value: Any) -> Expr:
    return lambda d: d.literal(value)


def neg(value: Expr) -> Expr:
    return lambda d: f"-{value(d)}"


def plus(value: Expr, n: int) -> Expr:
    return lambda d: f"{value(d)} + {n}"


def new_year(year: Expr) -> Expr:
    """1 January of the year after ``year``."""
    return lambda d: d.new_year(year(d))


def prefix(value: Expr, length: int) -> Expr:
    return lambda d: f"substr({value(d)}, 1, {length})"


def nonzero(value: Expr) -> Expr:
    """A condition: the value is not 0."""
    return lambda d: f"{value(d)} <> 0"


def among(value: Expr, choices: Sequence[Any]) -> Expr:
    """A condition: the value is one of ``choices``."""
    return lambda d: f"{value(d)} IN ({', '.join(d.literal(c) for c in choices)})"


def when(condition: Expr, then: Expr, otherwise: Expr) -> Expr:
    return lambda d: f"CASE WHEN {condition(d)} THEN {then(d)} ELSE {otherwise(d)} END"


def position(d: Dialect) -> str:
    """The event's log position."""
    return "e.position"


def recorded_at(d: Dialect) -> str:
    """When the event was recorded (naive UTC)."""
    return d.recorded_at()


def originator(d: Dialect) -> str:
    """The aggregate's id as 32 hex digits."""
    return d.hex_id()


class Each(Value):
    """One row per element of a JSON field: ``entries`` of an object (key → integer),
    in key order, or ``pairs`` of a list of two-integer lists, in list order."""

    __slots__ = ("field", "kind")
    field: str
    kind: Literal["entries", "pairs"]

    def __init__(self, field: str, kind: Literal["entries", "pairs"]) -> None:
        self._set(field=field, kind=kind)


def entry_key(d: Dialect) -> str:
    return "x.key"


def entry_value(d: Dialect) -> str:
    return "x.value" if d.sqlite else "x.value::bigint"


def entry_rank(d: Dialect) -> str:
    """0, 1, … for the entries of one event in key order (code point, as ``sorted``)."""
    return f"(row_number() OVER (PARTITION BY e.position ORDER BY {d.ordered('x.key')}) - 1)"


def pair_index(d: Dialect) -> str:
    """0, 1, … for the pairs of one event in list order."""
    return "x.key" if d.sqlite else "(x.n - 1)"


def pair(n: int) -> Expr:
    return lambda d: f"json_extract(x.value, '$[{n}]')" if d.sqlite else f"(x.value ->> {n})::bigint"


class Topics:
    """The recorded topics of one aggregate's event classes, spelled as the classes are
    named: ``Topics("ledger.domain.project", "Project").Registered`` is
    ``"ledger.domain.project:Project.Registered"``, the topic the event library records
    for ``Project.Registered``. The folds name their events this way so that compiling
    them (a rebuild, a write command's catch-up) loads neither the aggregates nor the
    event library; a test holds every topic a fold reads to a recorded event class.
    """

    def __init__(self, module: str, aggregate: str) -> None:
        self._prefix = f"{module}:{aggregate}."

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._prefix + name


class Shape(Value):
    """A read-model table as the fold writes it: its columns, in order, and the value of
    each column a row leaves out (a column without a default must be given)."""

    __slots__ = ("name", "columns", "defaults")  # noqa: RUF023 (the fields' order)
    name: str
    columns: tuple[str, ...]
    defaults: Mapping[str, Any]

    def __init__(self, name: str, columns: tuple[str, ...], defaults: Mapping[str, Any] | None = None) -> None:
        self._set(name=name, columns=columns, defaults={} if defaults is None else defaults)


class Row(Value):
    """The row that each event of ``topics`` contributes to ``into``.

    ``where`` keeps only the events it holds for; ``each`` makes one row per element
    of a JSON field (see ``Each``).
    """

    __slots__ = ("into", "topics", "columns", "where", "each")  # noqa: RUF023 (the fields' order)
    into: Shape
    topics: Sequence[str]
    columns: Mapping[str, Expr]
    where: Expr | None
    each: Each | None

    def __init__(
        self,
        into: Shape,
        topics: Sequence[str],
        columns: Mapping[str, Expr],
        where: Expr | None = None,
        each: Each | None = None,
    ) -> None:
        self._set(into=into, topics=topics, columns=columns, where=where, each=each)


class Statement(Value):
    """One INSERT … SELECT of a fold, and the event topics it reads."""

    __slots__ = ("sql", "topics")
    sql: str
    topics: frozenset[str]

    def __init__(self, sql: str, topics: frozenset[str]) -> None:
        self._set(sql=sql, topics=topics)


def compile_row(d: Dialect, row: Row) -> Statement:
    """``INSERT INTO table (columns) SELECT … FROM page [each] WHERE topic IN (…) [AND where]``."""
    shape = row.into
    unknown = set(row.columns) - set(shape.columns)
    missing = [c for c in shape.columns if c not in row.columns and c not in shape.defaults]
    if unknown or missing:
        raise ValueError(f"{shape.name}: unknown columns {sorted(unknown)}, missing {missing}")
    exprs = [row.columns[c](d) if c in row.columns else d.literal(shape.defaults[c]) for c in shape.columns]
    names = ", ".join(f'"{c}"' for c in shape.columns)
    read = frozenset(row.topics)
    topic_list = ", ".join(d.literal(t) for t in sorted(read))
    condition = f"e.topic IN ({topic_list})" + (f" AND {row.where(d)}" if row.where else "")
    joins = d.each(row.each) if row.each else ""
    return Statement(
        f"INSERT INTO {d.table(shape.name)} ({names}) SELECT {', '.join(exprs)} "
        f"FROM {d.page()}{joins} WHERE {condition}",
        read,
    )


def compile_rows(d: Dialect, rows: Sequence[Row]) -> list[Statement]:
    return [compile_row(d, row) for row in rows]
