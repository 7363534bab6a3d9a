"""A write command's catch-up on SQLite, on the plain ``sqlite3`` connection.

A clerk's command records a few events and leaves the read models current before it
ends. On SQLite that is a handful of ``INSERT … SELECT`` statements (the models'
``fold_sql``), which need nothing beyond ``sqlite3``; importing SQLAlchemy for them
would cost more than the rest of the command.

This is a light entry point onto the catch-up engine (``projections.folds.engine``):
the same page, statements and positions as the runner's. It serves the common case
only: every model installed at its current version, its indexes in place, and at most
``QUICK_LIMIT`` events to apply, as one page. Otherwise it changes nothing and
returns ``None``, and the runner (``projections.runner``) does the work — creating
tables, refolding a changed model, paging a long catch-up.
"""

from __future__ import annotations

import sqlite3
import types
from collections.abc import Mapping, Sequence
from typing import Any

from ledger.storage import Store
from projections.folds import assessments, directory, engine, movements, position_key
from projections.sqlfold import Dialect, sqlite_dialect

#: the models in the runner's order (``runner.MODELS``; a test holds them equal)
MODELS: tuple[types.ModuleType, ...] = (directory, movements, assessments)
#: more events than this behind, and the runner pages the work
QUICK_LIMIT = 5000


class SQLiteDatabase:
    """A ``sqlite3`` connection as the engine's ``Database``."""

    def __init__(self, conn: sqlite3.Connection, events_table: str) -> None:
        self.conn = conn
        self.events_table = events_table
        self._dialect: Dialect | None = None

    @property
    def dialect(self) -> Dialect:
        """SQLite, with the event fields the table keeps as columns and its index of
        topics (read once)."""
        if self._dialect is None:
            self._dialect = sqlite_dialect(self.conn.execute, self.events_table)
        return self._dialect

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Sequence[Any]]:
        return self.conn.execute(sql, dict(params or {})).fetchall()

    def run(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self.conn.execute(sql, dict(params or {}))


def catch_up(store: Store) -> int | None:
    """Bring every read model up to the log's end; how many events were applied, or
    ``None`` (nothing done) when this case is the runner's.

    Models already current are seen without the write lock, so a report run while an
    import holds the lock reads at once what is committed instead of waiting for it.
    """
    if store.path is None or not store.path.is_file():
        return None
    conn = sqlite3.connect(store.path, timeout=60, isolation_level=None)
    db = SQLiteDatabase(conn, store.events_table)
    try:
        current = _current(db)
        if current is None:
            return None
        if current:
            return 0
        conn.execute("PRAGMA synchronous = NORMAL")  # as the runner's connections
        conn.execute("BEGIN IMMEDIATE")
        try:
            applied = _apply(db)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT" if applied else "ROLLBACK")
        return applied
    finally:
        conn.close()


def _current(db: SQLiteDatabase) -> bool | None:
    """Whether every model has seen the whole log; ``None`` when a model is missing or
    at another version, or the store has no tables yet (the runner's cases)."""
    keys = {position_key(m) for m in MODELS}
    try:
        recorded = {str(n): int(p) for n, p in db.rows(f"SELECT name, position FROM {engine.POSITIONS}")}
        head = engine.head(db)
    except sqlite3.DatabaseError:  # no read-model or event tables yet, or not a ledger at all
        return None
    if not keys <= recorded.keys():
        return None  # a model added or changed since the store was made
    return min(recorded[k] for k in keys) >= head


def _apply(db: SQLiteDatabase) -> int | None:
    """Under the write lock: the whole way to the log's end as one page of the engine."""
    current = _current(db)  # again, under the lock
    if current is not False:
        return None if current is None else 0
    start = min(engine.positions(db, MODELS).values())
    if engine.head(db) - start > QUICK_LIMIT or not _indexes_in_place(db):
        return None
    page = engine.fold_page(db, MODELS, QUICK_LIMIT)
    return 0 if page is None else page.events


def _indexes_in_place(db: SQLiteDatabase) -> bool:
    """A rebuild drops the indexes and the runner's last page restores them."""
    wanted = sorted({name for model in MODELS for name in model.INDEXES})
    marks = ", ".join(f":i{n}" for n in range(len(wanted)))
    found = db.rows(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
        {f"i{n}": name for n, name in enumerate(wanted)},
    )
    return bool(found[0][0] == len(wanted))
