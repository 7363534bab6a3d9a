"""A write command's catch-up on SQLite, on the plain ``sqlite3`` connection.

A clerk's command records a few events and leaves the read models current before it
ends. On SQLite that is a handful of ``INSERT … SELECT`` statements (the models'
``fold_sql``), which need nothing beyond ``sqlite3``; importing
SQLAlchemy for them would cost more than the rest of the command.

This path serves the common case only: every model installed at its current version,
its indexes in place, and at most ``QUICK_LIMIT`` events to apply. Otherwise it
changes nothing and returns ``None``, and the runner (``projections.runner``) does
the work — creating tables, refolding a changed model, paging a long catch-up. The
discipline is the runner's: SQLite's write lock is taken first (``BEGIN IMMEDIATE``),
and the rows and the models' new positions commit in one transaction.
"""

from __future__ import annotations

import sqlite3
import types
from dataclasses import dataclass

from ledger.storage import Store
from projections.folds import assessments, directory, movements, position_key
from projections.sqlfold import Dialect

#: the models in the runner's order (``runner.MODELS``; a test holds them equal)
MODELS: tuple[types.ModuleType, ...] = (directory, movements, assessments)
#: more events than this behind, and the runner pages the work
QUICK_LIMIT = 5000

_statements: dict[str, list[tuple[frozenset[str], str]]] = {}


def catch_up(store: Store) -> int | None:
    """Bring every read model up to the log's end; how many events were applied, or
    ``None`` (nothing done) when this case is the runner's.

    Models already current are seen without the write lock, so a report run while an
    import holds the lock reads at once what is committed instead of waiting for it.
    """
    if store.path is None or not store.path.is_file():
        return None
    conn = sqlite3.connect(store.path, timeout=60, isolation_level=None)
    try:
        state = _state(conn, store)
        if state is None:
            return None
        if not state.behind:
            return 0
        conn.execute("PRAGMA synchronous = NORMAL")  # as the runner's connections
        conn.execute("BEGIN IMMEDIATE")
        try:
            applied = _apply(conn, store)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT" if applied else "ROLLBACK")
        return applied
    finally:
        conn.close()


@dataclass(frozen=True)
class _State:
    """Where each model stands (``rm_positions``) and where the log ends."""

    positions: dict[str, int]
    head: int

    @property
    def behind(self) -> bool:
        return min(self.positions.values()) < self.head


def _state(conn: sqlite3.Connection, store: Store) -> _State | None:
    """The models' positions and the log's end, or ``None`` when a model is missing or
    at another version, or the store has no tables yet (the runner's cases)."""
    try:
        recorded = dict(conn.execute("SELECT name, position FROM rm_positions").fetchall())
        head = conn.execute(f"SELECT max(rowid) FROM {store.events_table}").fetchone()[0] or 0
    except sqlite3.DatabaseError:  # no read-model or event tables yet, or not a ledger at all
        return None
    keys = [position_key(m) for m in MODELS]
    if not set(keys) <= recorded.keys():
        return None  # a model added or changed since the store was made
    return _State({k: int(recorded[k]) for k in keys}, int(head))


def _apply(conn: sqlite3.Connection, store: Store) -> int | None:
    events = store.events_table
    state = _state(conn, store)  # again, under the write lock
    if state is None:
        return None
    begin, head = state.positions, state.head
    keys = {position_key(m): m for m in MODELS}
    start = min(begin.values())
    if start >= head:
        return 0
    if head - start > QUICK_LIMIT or not _indexes_in_place(conn):
        return None
    present = {
        topic
        for (topic,) in conn.execute(
            f"SELECT DISTINCT topic FROM {events} WHERE rowid > ? AND rowid <= ?", (start, head)
        )
    }
    for k, model in keys.items():
        if begin[k] >= head:
            continue
        page = {"start": begin[k], "stop": head}
        for topics, statement in _fold_statements(model, events):
            if not topics.isdisjoint(present):
                conn.execute(statement, page)
        conn.execute("UPDATE rm_positions SET position = ? WHERE name = ?", (head, k))
    return head - start


def _indexes_in_place(conn: sqlite3.Connection) -> bool:
    """A rebuild drops the indexes and the runner's last page restores them."""
    wanted = {name for model in MODELS for name in model.INDEXES}
    marks = ", ".join("?" * len(wanted))
    found = conn.execute(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ({marks})", tuple(wanted)
    )
    return bool(found.fetchone()[0] == len(wanted))


def _fold_statements(model: types.ModuleType, events_table: str) -> list[tuple[frozenset[str], str]]:
    if model.NAME not in _statements:
        _statements[model.NAME] = [
            (s.topics, s.sql) for s in model.fold_sql(Dialect("sqlite", None, events_table))
        ]
    return _statements[model.NAME]
