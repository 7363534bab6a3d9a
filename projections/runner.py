"""Keeps the read models current: catch up from the notification log, page by page.

The paging, the choice of statements and the positions recorded with the rows are
the catch-up engine's (``projections.folds.engine``), shared with a write command's
quick path (``projections.quick``); this module gives it SQLAlchemy connections,
creates the tables, rebuilds, and on PostgreSQL installs the engine's page as the
owner's function.
"""

from __future__ import annotations

import contextlib
import functools
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

from ledger import settings
from ledger.errors import SealNotRebuilt
from ledger.storage import Store
from projections import assessments, directory, movements
from projections.folds import engine as folding
from projections.folds import position_key
from projections.sqlfold import Dialect, sqlite_dialect

if TYPE_CHECKING:
    from ledger.application import Ledger

#: Events applied per transaction; LEDGER_CATCHUP_PAGE tunes it (smaller pages commit
#: more often, larger ones rebuild faster).
PAGE_SIZE = settings.CATCHUP_PAGE.read()


class Model(Protocol):
    NAME: str
    VERSION: int
    TABLES: list[Table]

    def fold_sql(self, d: Dialect) -> list[Any]: ...


MODELS: tuple[types.ModuleType, ...] = (directory, movements, assessments)
#: the models derived from the log alone, which ``rebuild`` may recompute: all of them
#: (the hash chain is no read model: the recorder seals it as it records, ``ledger.chain``)
DERIVED: tuple[types.ModuleType, ...] = MODELS
SEAL = "chain"

positions_metadata = MetaData()
positions = Table(
    "rm_positions",
    positions_metadata,
    Column("name", String(40), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


key = position_key


def model_named(name: str) -> types.ModuleType:
    if name == SEAL:
        raise SealNotRebuilt(
            "哈希链（chain）是事件日志的防篡改凭据，由记录事件的同一事务写下，不能从现有日志重算；"
            "请用 ledger verify 检查日志，或用 ledger restore 从导出文件恢复。"
        )
    for model in MODELS:
        if name == model.NAME:
            return model
    names = "、".join(m.NAME for m in MODELS)
    from ledger.errors import MalformedInput

    raise MalformedInput(f"没有名为“{name}”的读模型，可选：{names}")


_engines: dict[tuple[str, str | None, bool], Engine] = {}


def engine_for(url: str, schema: str | None = None, *, writer: bool = False) -> Engine:
    """One engine per database and role; on SQLite the writer takes the write lock at BEGIN."""
    key = (url, schema, writer)
    if key not in _engines:
        _engines[key] = _create_engine(url, schema, writer=writer)
    return _engines[key]


def dispose(store: Store) -> None:
    """Close the read-model connections of a store (a command is done with it)."""
    url = store.sqlalchemy_url()
    for key in [k for k in _engines if k[0] == url]:
        _engines.pop(key).dispose()


def _create_engine(url: str, schema: str | None, *, writer: bool) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            # read models can always be refolded from the log: their commits need not wait
            # for the disk (the events' own connection keeps SQLite's full durability)
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")
            # nor need the rows a rebuild deletes be zeroed on disk first (SQLite built
            # with secure delete does): what they showed is still in the log
            dbapi_connection.execute("PRAGMA secure_delete = OFF")

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    options = {"schema_translate_map": {None: schema}} if schema else {}
    return create_engine(url, execution_options=options, pool_size=1, max_overflow=2)


def engines(store: Store) -> tuple[Engine, Engine]:
    """(reader, writer) engines for a store's read models."""
    schema = None if store.is_sqlite else store.schema
    url = store.sqlalchemy_url()
    return engine_for(url, schema), engine_for(url, schema, writer=True)


def create_tables(store: Store) -> None:
    """Create the models' tables; a model new to the store, or at a new VERSION, starts
    again from zero (on SQLite its tables are made anew, as their shape may have changed;
    on PostgreSQL emptied, so the roles' rights on them stay)."""
    _, writer = engines(store)
    if not store.is_sqlite:
        install_catch_up(store)
    with writer.begin() as conn:
        positions_metadata.create_all(conn)
        known = {row.name for row in conn.execute(select(positions.c.name))}
        changed = [m for m in MODELS if key(m) not in known]
        if store.is_sqlite:
            for model in changed:
                for table in model.TABLES:
                    table.drop(conn, checkfirst=True)
        for model in MODELS:
            model.metadata.create_all(conn)
        _create_indexes(conn, MODELS)
        for model in changed:
            for table in model.TABLES:
                conn.execute(table.delete())
            conn.execute(insert(positions).values(name=key(model), position=0))


class _Database:
    """A SQLAlchemy connection as the catch-up engine's ``Database``."""

    def __init__(self, conn: Connection, dialect: Dialect) -> None:
        self.conn = conn
        self._dialect = dialect

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Sequence[Any]]:
        return self.conn.execute(_text(sql), dict(params or {})).all()

    def run(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self.conn.execute(_text(sql), dict(params or {}))


def _dialect(store: Store, conn: Connection) -> Dialect:
    """The store's dialect; on SQLite with the event fields its table keeps as columns
    and its index of topics."""
    if not store.is_sqlite:
        return Dialect("postgresql", store.schema, store.events_table)
    return sqlite_dialect(lambda sql: conn.exec_driver_sql(sql).all(), store.events_table)


@functools.lru_cache(maxsize=256)
def _text(sql: str) -> TextClause:
    return text(sql)


@dataclass(frozen=True)
class ModelStatus:
    name: str
    position: int
    log_position: int

    @property
    def behind(self) -> int:
        return max(self.log_position - self.position, 0)


def status(app: Ledger) -> list[ModelStatus]:
    recorded, head = _standing(app.store)
    return [ModelStatus(m.NAME, recorded.get(key(m), 0), head) for m in MODELS]


def is_current(store: Store) -> bool:
    """Whether every model has seen the whole log, so a report on current models starts
    lean (no event library, no lock)."""
    recorded, head = _standing(store)
    return all(key(m) in recorded and recorded[key(m)] >= head for m in MODELS)


def _standing(store: Store) -> tuple[dict[str, int], int]:
    """The models' recorded positions and the log's end, read on a reader connection."""
    reader, _ = engines(store)
    if store.is_sqlite:
        head_sql = f"SELECT max(rowid) FROM {store.events_table}"
    else:
        head_sql = f'SELECT max(notification_id) FROM "{store.schema}".{store.events_table}'
    with reader.connect() as conn:
        recorded = {str(n): int(p) for n, p in conn.execute(select(positions.c.name, positions.c.position))}
        head = conn.execute(text(head_sql)).scalar() or 0
    return recorded, int(head)


def catch_up(
    app: Ledger,
    models: Sequence[types.ModuleType] = MODELS,
    *,
    page_size: int = PAGE_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Apply every event the models have not yet seen; returns how many were applied.

    A page is a range of log positions. The models fold it in the database (their
    ``fold_sql`` statements). Each page commits with the models' new positions.
    """
    store = app.store
    reader, writer = engines(store)
    head = app.recorder.max_notification_id() or 0
    with reader.connect() as conn:
        recorded = dict(conn.execute(select(positions.c.name, positions.c.position)).all())
    if not {key(m) for m in models} <= recorded.keys():
        create_tables(store)  # a model added or changed since this store was made
    elif min(int(recorded[key(m)]) for m in models) >= head:
        return 0  # already current: no write lock taken

    dialect: list[Dialect] = []  # read on the first page's connection

    @contextlib.contextmanager
    def transaction() -> Iterator[_Database]:
        with writer.begin() as conn:
            if not dialect:
                dialect.append(_dialect(store, conn))
            yield _Database(conn, dialect[0])

    def restore_indexes(db: _Database) -> None:  # any index a rebuild dropped
        _create_indexes(db.conn, models)

    def fold_here(db: _Database, end: int | None) -> folding.Page | None:
        return folding.fold_page(db, models, page_size, head if end is None else end)

    in_database = not store.is_sqlite and models is MODELS
    step = _in_database(store, page_size) if in_database else fold_here
    return folding.catch_up(transaction, step, progress=progress, last_page=restore_indexes)


CATCH_UP = folding.FUNCTION


def install_catch_up(store: Store) -> None:
    """PostgreSQL: the engine's page as a function with the owner's rights
    (``folding.page_function``)."""
    function = folding.page_function(Dialect("postgresql", store.schema, store.events_table), MODELS)
    with store.connect() as conn:
        conn.execute(function.encode())


def _in_database(
    store: Store, page_size: int
) -> Callable[[folding.Database, int | None], folding.Page | None]:
    """One page folded by the installed function, in the caller's transaction."""
    call = f'SELECT "{store.schema}".{CATCH_UP}(:page)'

    def step(db: folding.Database, end: int | None) -> folding.Page | None:
        start = min(folding.positions(db, MODELS).values())
        stop = int(db.rows(call, {"page": page_size})[0][0] or 0)
        if not stop:
            return None
        return folding.Page(start, stop, folding.head(db), stop - start)

    return step


def rebuild(
    app: Ledger,
    names: Sequence[str] = (),
    *,
    page_size: int = PAGE_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Drop the chosen models' rows and positions, then replay the whole log into them.

    The hash chain is not among them: it is the seal of what was recorded when, and a
    chain recomputed from today's log would bless whatever the log now holds.
    """
    models = [model_named(n) for n in dict.fromkeys(names)] if names else list(DERIVED)
    _, writer = engines(app.store)
    with writer.begin() as conn:
        for model in models:
            for table in model.TABLES:
                conn.execute(table.delete())
                for index in table.indexes:  # built once at the end: faster than row by row
                    index.drop(conn, checkfirst=True)
            conn.execute(update(positions).where(positions.c.name == key(model)).values(position=0))
    return catch_up(app, models, page_size=page_size, progress=progress)


def _create_indexes(conn: Connection, models: Iterable[types.ModuleType]) -> None:
    """Create any index of the models that is missing (say, after an interrupted rebuild)."""
    for model in models:
        for table in model.TABLES:
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def fold(
    notifications: Sequence[Any], mapper: Any = None, upto: Mapping[str, int] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """What the tables would hold after these stored events (each model only up to its
    position in ``upto``, when given): the models' declared folds run afresh on a
    private in-memory SQLite database, so a row changed in the tables stands out.

    ``mapper`` is not needed (nothing is decoded); it is accepted for callers that
    pass it.
    """
    stored = [(n.id, n.originator_id.hex, n.originator_version, n.topic, n.state) for n in notifications]
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB)"
            )
            conn.exec_driver_sql(
                "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                "VALUES (?, ?, ?, ?, ?)",
                stored,
            )
            positions_metadata.create_all(conn)
            for model in MODELS:
                model.metadata.create_all(conn)
                conn.execute(insert(positions).values(name=key(model), position=0))
            db = _Database(conn, Dialect("sqlite"))
            end = max((row[0] for row in stored), default=0)  # the log is read once (a progress bar counts it)
            for model in MODELS:
                stop = end if upto is None else upto.get(key(model), 0)
                folding.fold_page(db, [model], max(stop, 1), stop)
            return dump_on(conn)
    finally:
        scratch.dispose()


def all_notifications(app: Ledger, page_size: int = PAGE_SIZE) -> list[Any]:
    """The whole event log, in order."""
    out: list[Any] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start, page_size)
        out.extend(page)
        if len(page) < page_size:
            return out
        start = page[-1].id + 1


def dump(app: Ledger) -> dict[str, list[dict[str, Any]]]:
    """Every read-model row, ordered by primary key: for comparing rebuild with incremental."""
    reader, _ = engines(app.store)
    with reader.connect() as conn:
        return dump_on(conn)


def dump_on(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every read-model row on a connection, ordered by primary key."""
    out: dict[str, list[dict[str, Any]]] = {}
    for model in MODELS:
        for table in model.TABLES:
            order = list(table.primary_key.columns)
            out[table.name] = [dict(r._mapping) for r in conn.execute(select(table).order_by(*order))]
    return out
