"""The read models' folds, run inside the database: one INSERT … SELECT per kind of row.

Each read model module keeps its fold twice over: ``facts(event, position)`` in
Python, the specification that unit tests and ``ledger verify`` run on decoded
domain events; and ``fold_sql(d)``, statements that derive the same rows from the
stored JSON of the events between two log positions, which is how the runner keeps
the tables current and rebuilds them. Nothing is decoded in Python, so a rebuild
runs at the speed of the database. Tests fold the same generated histories both ways
and require identical rows.

``Dialect`` hides the two JSON syntaxes (SQLite's ``json_extract``, PostgreSQL's
``jsonb`` operators). The stored state of an event is the library's JSON: plain
fields as themselves, dates as ``{"_type_": "date_iso", "_data_": "2024-01-31"}``,
the recording time as ``{"_type_": "datetime_iso", "_data_": "…+00:00"}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.utils import get_topic


@dataclass(frozen=True)
class Dialect:
    """SQL fragments over one page of stored events, aliased ``e`` with columns
    ``position``, ``oid`` (aggregate id as 32 hex digits), ``topic`` and ``s`` (the state)."""

    name: str  # "sqlite" or "postgresql"
    schema: str | None = None
    events_table: str = "stored_events"

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    def table(self, name: str) -> str:
        return f'"{self.schema}"."{name}"' if self.schema else f'"{name}"'

    def page(self) -> str:
        """The stored events with log positions in (:start, :stop]."""
        if self.sqlite:
            return (
                "(SELECT rowid AS position, originator_id AS oid, topic, CAST(state AS TEXT) AS s "
                f"FROM {self.table(self.events_table)} WHERE rowid > :start AND rowid <= :stop) AS e"
            )
        return (
            "(SELECT notification_id AS position, replace(originator_id::text, '-', '') AS oid, topic, "
            "convert_from(state, 'UTF8')::jsonb AS s "
            f"FROM {self.table(self.events_table)} "
            "WHERE notification_id > :start AND notification_id <= :stop) AS e"
        )

    def text(self, field: str, source: str = "e.s") -> str:
        return f"json_extract({source}, '$.{field}')" if self.sqlite else f"({source} ->> '{field}')"

    def int(self, field: str, source: str = "e.s") -> str:
        return f"json_extract({source}, '$.{field}')" if self.sqlite else f"({source} ->> '{field}')::bigint"

    def date(self, field: str = "on") -> str:
        if self.sqlite:
            return f"json_extract(e.s, '$.{field}._data_')"
        return f"(e.s -> '{field}' ->> '_data_')::date"

    def year_of(self, field: str = "on") -> str:
        if self.sqlite:
            return f"CAST(substr(json_extract(e.s, '$.{field}._data_'), 1, 4) AS INTEGER)"
        return f"CAST(substr(e.s -> '{field}' ->> '_data_', 1, 4) AS integer)"

    def new_year(self, year: str) -> str:
        """1 January of the year after ``year``."""
        return f"printf('%04d-01-01', {year} + 1)" if self.sqlite else f"make_date(({year})::int + 1, 1, 1)"

    def recorded_at(self) -> str:
        """The recording time as naive UTC with microseconds (how the models keep instants).

        The ledger stamps events in UTC (``Ledger`` refuses any other zone), so the
        text is cut rather than parsed: ``2024-06-30T08:00:00.123456+00:00`` →
        ``2024-06-30 08:00:00.123456``; a whole second has no fraction in ISO form.
        """
        if self.sqlite:
            ts = "json_extract(e.s, '$.timestamp._data_')"
            return (
                f"replace(substr({ts}, 1, 19), 'T', ' ') || replace(substr({ts}, 20, 7), '+00:00', '.000000')"
            )
        return "((e.s -> 'timestamp' ->> '_data_')::timestamptz AT TIME ZONE 'UTC')"

    def hex_id(self) -> str:
        return "e.oid"

    def literal(self, value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    def ordered(self, expression: str) -> str:
        """Order text by code point, as Python's ``sorted`` does."""
        return expression if self.sqlite else f'{expression} COLLATE "C"'


def dialect_of(conn: Any, schema: str | None, events_table: str) -> Dialect:
    return Dialect(conn.dialect.name, schema, events_table)


@dataclass(frozen=True)
class Statement:
    """One INSERT … SELECT of a fold, and the event topics it reads."""

    sql: str
    topics: frozenset[str]


def insert(
    d: Dialect,
    table: str,
    columns: Sequence[str],
    values: Mapping[str, str],
    defaults: Mapping[str, Any],
    *,
    topics: list[type[Any]],
    joins: str = "",
    where: str = "",
) -> Statement:
    """``INSERT INTO table (columns) SELECT … FROM page [joins] WHERE topic IN (…) [AND where]``."""
    exprs = [values[c] if c in values else d.literal(defaults[c]) for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    read = frozenset(get_topic(t) for t in topics)
    topic_list = ", ".join(d.literal(t) for t in sorted(read))
    condition = f"e.topic IN ({topic_list})" + (f" AND {where}" if where else "")
    return Statement(
        f"INSERT INTO {d.table(table)} ({names}) SELECT {', '.join(exprs)} "
        f"FROM {d.page()}{joins} WHERE {condition}",
        read,
    )
