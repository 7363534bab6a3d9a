"""A write command's catch-up on SQLite, on the plain ``sqlite3`` connection.

A clerk's command records a few events and leaves the read models current before it
ends. On SQLite that is a handful of ``INSERT … SELECT`` statements (the models'
``fold_sql``), which need nothing beyond ``sqlite3``; importing SQLAlchemy for them
would cost more than the rest of the command.

This is a light entry point onto the catch-up engine (``projections.folds.engine``):
the same pages, statements and positions as the runner's. It serves a store whose
models are all installed at their current versions with their indexes in place: up to
``QUICK_LIMIT`` events as one page, more (an import) page by page as the runner pages
them, each page committing its rows with the models' positions. A catch-up that adds
more events than the models have already seen (the first import into a new ledger)
drops the models' indexes in its first page and makes them again in its last, as a
rebuild does: building an index once over the rows is faster than keeping it row by
row. Otherwise it changes nothing and returns ``None``, and the runner
(``projections.runner``) does the work — creating tables, refolding a changed model.
"""

from __future__ import annotations

import contextlib
import sqlite3
import types
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ledger.storage import Store
from projections.folds import assessments, directory, engine, movements, position_key
from projections.sqlfold import Dialect, sqlite_dialect

#: the models in the runner's order (``runner.MODELS``; a test holds them equal)
MODELS: tuple[types.ModuleType, ...] = (directory, movements, assessments)
#: up to this many events behind are folded as one page; more, page by page
QUICK_LIMIT = 5000


class _NotQuick(Exception):
    """Found under the write lock: the case is the runner's (nothing has been written)."""


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


def catch_up(store: Store, *, page_size: int | None = None) -> int | None:
    """Bring every read model up to the log's end; how many events were applied, or
    ``None`` (nothing done) when this case is the runner's.

    Models already current are seen without the write lock, so a report run while an
    import holds the lock reads at once what is committed instead of waiting for it.
    ``page_size`` is the runner's (``LEDGER_CATCHUP_PAGE``) when not given.
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
        prepare_writer(conn)
        if page_size is None:
            from ledger import settings

            page_size = settings.CATCHUP_PAGE.read()
        return _fold(db, page_size)
    finally:
        conn.close()


def _fold(db: SQLiteDatabase, page_size: int) -> int | None:
    """Page after page, each in its own transaction, to the end the log had at the
    first; ``None`` when the first page finds the runner's case."""
    indexes: list[tuple[str, str]] = []
    way: list[int] = []  # the end to reach and the page size, set by the first page

    def first(db: SQLiteDatabase) -> None:
        """Under the write lock: the way to go, the indexes dropped on a long one."""
        if _current(db) is None or not _indexes_in_place(db):  # again, under the lock
            raise _NotQuick
        end = engine.head(db)
        start = min(engine.positions(db, MODELS).values())
        way.extend((end, QUICK_LIMIT if end - start <= QUICK_LIMIT else page_size))
        if end - start > max(QUICK_LIMIT, start):
            indexes.extend(drop_indexes(db, MODELS))

    def step(db: SQLiteDatabase, _stop: int | None) -> engine.Page | None:
        if not way:
            first(db)
        return engine.fold_page(db, MODELS, way[1], way[0])

    try:
        return engine.catch_up(
            lambda: write_transaction(db), step, last_page=lambda db: restore_indexes(db, indexes)
        )
    except _NotQuick:
        return None


def prepare_writer(conn: sqlite3.Connection) -> None:
    """A plain connection that writes the read models, set as the runner's are: read
    models can always be refolded from the log, so their commits need not wait for the
    disk, nor the rows they delete be zeroed first (SQLite built with secure delete, as
    Debian's is, would overwrite every freed page: a tenth of a rebuild). The events'
    own connection keeps SQLite's full durability."""
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA secure_delete = OFF")


@contextlib.contextmanager
def write_transaction(db: SQLiteDatabase) -> Iterator[SQLiteDatabase]:
    """One transaction holding the write lock from its start, rolled back on any error."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def drop_indexes(db: SQLiteDatabase, models: Sequence[types.ModuleType]) -> list[tuple[str, str]]:
    """The models' indexes dropped; each one's name and statement, to make it again."""
    found = {
        str(name): str(sql)
        for name, sql in db.rows("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    }
    dropped = [(name, found[name]) for model in models for name in model.INDEXES if name in found]
    for name, _ in dropped:
        db.run(f'DROP INDEX "{name}"')
    return dropped


def restore_indexes(db: SQLiteDatabase, indexes: Sequence[tuple[str, str]]) -> None:
    """Make again any of these indexes that is missing."""
    present = {str(n) for (n,) in db.rows("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for name, sql in indexes:
        if name not in present:
            db.run(sql)


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


def _indexes_in_place(db: SQLiteDatabase) -> bool:
    """A rebuild drops the indexes and the runner's last page restores them."""
    wanted = sorted({name for model in MODELS for name in model.INDEXES})
    marks = ", ".join(f":i{n}" for n in range(len(wanted)))
    found = db.rows(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
        {f"i{n}": name for n, name in enumerate(wanted)},
    )
    return bool(found[0][0] == len(wanted))
