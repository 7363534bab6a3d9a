"""The one catch-up engine: which statements a page needs, and the models' positions
moved in the same transaction as their rows.

It runs on any connection that can execute SQL with ``:name`` parameters — the plain
``sqlite3`` connection of a write command (``projections.quick``) and the runner's
SQLAlchemy connections (``projections.runner``), SQLite or PostgreSQL alike — so the
rules live once:

- a page is a range of log positions (start, stop]; each model folds the part of it
  beyond its own recorded position, with only the statements whose topics occur in it;
- the rows and the models' new positions commit together, so after a crash a model
  resumes exactly where its last committed page ended;
- the positions are read under the write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
  ``FOR UPDATE``): two processes catching up take turns, and rows keyed by log
  position could not be inserted twice anyway.

On PostgreSQL the same page, compiled by ``page_function``, is also installed as a
function with the owner's rights, so clerks need no right to write the tables.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from ledger.values import Value
from projections.folds import position_key
from projections.sqlfold import Dialect, Statement

POSITIONS = "rm_positions"


class Database(Protocol):
    """A connection inside one transaction."""

    @property
    def dialect(self) -> Dialect: ...

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Sequence[Any]]: ...

    def run(self, sql: str, params: Mapping[str, Any] | None = None) -> None: ...


DB = TypeVar("DB", bound=Database)


class Page(Value):
    """A page folded: log positions (start, stop] of a log that ends at ``head``, holding
    ``events`` events."""

    __slots__ = ("start", "stop", "head", "events")  # noqa: RUF023 (the fields' order)
    start: int
    stop: int
    head: int
    events: int

    def __init__(self, start: int, stop: int, head: int, events: int) -> None:
        self._set(start=start, stop=stop, head=head, events=events)

    @property
    def last(self) -> bool:
        return self.stop >= self.head


_compiled: dict[tuple[Dialect, str], list[Statement]] = {}


def statements(d: Dialect, model: types.ModuleType) -> list[Statement]:
    """A model's fold statements in a dialect (compiled once per process)."""
    cache = (d, position_key(model))
    if cache not in _compiled:
        _compiled[cache] = list(model.fold_sql(d))
    return _compiled[cache]


def head(db: Database) -> int:
    """The log's last position."""
    d = db.dialect
    column = "rowid" if d.sqlite else "notification_id"
    found = db.rows(f"SELECT max({column}) FROM {d.table(d.events_table)}")
    return int(found[0][0] or 0)


def positions(db: Database, models: Iterable[types.ModuleType], *, lock: bool = False) -> dict[str, int]:
    """The models' recorded positions (0 for a model not recorded); with ``lock`` on
    PostgreSQL the rows stay locked until the transaction ends."""
    d = db.dialect
    sql = f"SELECT name, position FROM {d.table(POSITIONS)}" + (
        " FOR UPDATE" if lock and not d.sqlite else ""
    )
    recorded = {str(n): int(p) for n, p in db.rows(sql)}
    return {position_key(m): recorded.get(position_key(m), 0) for m in models}


def topics(db: Database, start: int, stop: int) -> dict[str, int]:
    """How many events of each topic lie in the log positions (start, stop]."""
    d = db.dialect
    if d.topic_index:
        found = db.rows(_indexed_topics(d.table(d.events_table)), {"start": start, "stop": stop})
        return {str(t): int(n) for t, n in found}
    column = "rowid" if d.sqlite else "notification_id"
    found = db.rows(
        f"SELECT topic, count(*) FROM {d.table(d.events_table)} "
        f"WHERE {column} > :start AND {column} <= :stop GROUP BY topic",
        {"start": start, "stop": stop},
    )
    return {str(t): int(n) for t, n in found}


def _indexed_topics(table: str) -> str:
    """SQLite, the event table indexed by topic (whose entries end with the rowid): the
    log's distinct topics, each found by one step along the index, and each one's events
    in the page counted in its own stretch of the index — the page's rows themselves are
    not read, nor grouped (a scan of a page of whole events, and a sort of their topics,
    took longer than folding some of them)."""
    return (
        f"WITH RECURSIVE t(topic) AS (SELECT min(topic) FROM {table} "
        f"UNION ALL SELECT (SELECT min(topic) FROM {table} WHERE topic > t.topic) FROM t WHERE t.topic IS NOT NULL) "
        f"SELECT topic, n FROM (SELECT topic, (SELECT count(*) FROM {table} "
        "WHERE topic = t.topic AND rowid > :start AND rowid <= :stop) AS n FROM t WHERE topic IS NOT NULL) "
        "WHERE n > 0"
    )


def fold_page(
    db: Database, models: Sequence[types.ModuleType], page_size: int, log_head: int | None = None
) -> Page | None:
    """Fold the next page of the log into the models, up to ``log_head`` (the log's end
    when not given), and record their new positions; ``None`` when they are current."""
    current = positions(db, models, lock=True)
    start = min(current.values())
    end = head(db) if log_head is None else log_head
    if start >= end:
        return None
    stop = min(start + page_size, end)
    present = topics(db, start, stop)
    d = db.dialect
    for model in models:
        begin = current[position_key(model)]
        if begin >= stop:
            continue
        for statement in statements(d, model):
            if not statement.topics.isdisjoint(present):
                db.run(statement.sql, {"start": begin, "stop": stop})
        db.run(
            f"UPDATE {d.table(POSITIONS)} SET position = :stop WHERE name = :name",
            {"stop": stop, "name": position_key(model)},
        )
    return Page(start, stop, end, sum(present.values()))


def catch_up(
    transaction: Callable[[], AbstractContextManager[DB]],
    step: Callable[[DB, int | None], Page | None],
    *,
    progress: Callable[[int, int], None] | None = None,
    last_page: Callable[[DB], None] | None = None,
) -> int:
    """Fold page after page, each in its own ``transaction``, until the models reach the
    end the log had at the first page; returns how many events were folded.

    ``step`` folds one page (``fold_page``, or PostgreSQL's installed function);
    ``last_page`` runs inside the last page's transaction (the runner restores there
    any index a rebuild dropped).
    """
    applied = 0
    end: int | None = None
    while True:
        with transaction() as db:
            page = step(db, end)
            if page is None:
                return applied
            end = page.head
            applied += page.events
            if page.last and last_page is not None:
                last_page(db)
        if progress is not None:
            progress(page.stop, page.head)
        if page.last:
            return applied


FUNCTION = "ledger_catch_up"


def page_function(d: Dialect, models: Sequence[types.ModuleType]) -> str:
    """PostgreSQL: ``fold_page`` as a function with the owner's rights, so the read
    models are written by the owner's fold alone and no clerk or reporter needs (or
    has) any right to write them. ``ledger_catch_up(page)`` folds one page in the
    caller's transaction and returns the new position (0 when the models are current)."""
    s = d.schema
    steps = []
    for model in models:
        k = position_key(model).replace("'", "''")
        run = "\n".join(
            f"      EXECUTE $q${_numbered(st.sql)}$q$ USING p, stop_;" for st in statements(d, model)
        )
        steps.append(
            f"""  SELECT position INTO p FROM "{s}".{POSITIONS} WHERE name = '{k}';
  IF p IS NOT NULL AND p < stop_ THEN
{run}
    UPDATE "{s}".{POSITIONS} SET position = stop_ WHERE name = '{k}';
  END IF;"""
        )
    keys = ", ".join("'" + position_key(m).replace("'", "''") + "'" for m in models)
    body = "\n".join(steps)
    return f"""
CREATE OR REPLACE FUNCTION "{s}".{FUNCTION}(page bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
DECLARE
  head bigint;
  start_ bigint;
  stop_ bigint;
  p bigint;
BEGIN
  PERFORM 1 FROM "{s}".{POSITIONS} FOR UPDATE;  -- two callers take turns
  SELECT coalesce(max(notification_id), 0) INTO head FROM "{s}".{d.events_table};
  SELECT min(position) INTO start_ FROM "{s}".{POSITIONS} WHERE name IN ({keys});
  IF start_ IS NULL OR start_ >= head THEN
    RETURN 0;
  END IF;
  stop_ := least(start_ + page, head);
{body}
  RETURN stop_;
END
$f$;
"""


def _numbered(sql: str) -> str:
    """A fold statement with ``:start`` and ``:stop`` as the function's ``$1`` and ``$2``."""
    return re.sub(r"(?<!:):stop\b", "$2", re.sub(r"(?<!:):start\b", "$1", sql))
