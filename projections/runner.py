"""Keeps the read models current: catch up from the notification log, page by page.

Each page is applied in one transaction that also advances each model's recorded
position, so after a crash a model resumes exactly where its last committed page
ended: no event is applied twice or skipped. Rows are keyed by log position, so even
two processes catching up at once cannot insert a row twice.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable, Sequence
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
from projections.folds import position_key
from projections.sqlfold import Dialect

if TYPE_CHECKING:
    from ledger.application import Ledger

#: Events applied per transaction; LEDGER_CATCHUP_PAGE tunes it (smaller pages commit
#: more often, larger ones rebuild faster).
PAGE_SIZE = settings.CATCHUP_PAGE.read()


class Model(Protocol):
    NAME: str
    TABLES: list[Table]

    def facts(self, event: Any, position: int) -> list[tuple[Table, dict[str, Any]]]: ...


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
    _, writer = engines(store)
    if not store.is_sqlite:
        install_catch_up(store)
    with writer.begin() as conn:
        positions_metadata.create_all(conn)
        for model in MODELS:
            model.metadata.create_all(conn)
        _create_indexes(conn, MODELS)
        known = {row.name for row in conn.execute(select(positions.c.name))}
        for model in MODELS:
            if key(model) not in known:  # new, or its tables changed: refold from zero
                for table in model.TABLES:
                    conn.execute(table.delete())
                conn.execute(insert(positions).values(name=key(model), position=0))


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
    reader, writer = engines(app.store)
    head = app.recorder.max_notification_id() or 0
    with reader.connect() as conn:
        installed = set(conn.execute(select(positions.c.name)).scalars())
        current = _positions(conn, models, lock=False)
    if not {key(m) for m in models} <= installed:
        create_tables(app.store)  # a model added or changed since this store was made
    elif min(current.values()) >= head:
        return 0  # already current: no write lock taken
    if not app.store.is_sqlite and models is MODELS:
        return _catch_up_in_database(app, page_size, progress)
    applied = 0
    while True:
        with writer.begin() as conn:
            current = _positions(conn, models)
            start = min(current.values())
            if start >= head:
                return applied
            stop = min(start + page_size, head)
            present = _topics(conn, app.store, start, stop)
            for model in models:
                begin = current[key(model)]
                if begin >= stop:
                    continue
                for topics, statement in _statements(conn, app.store, model):
                    if not topics.isdisjoint(present):
                        conn.execute(statement, {"start": begin, "stop": stop})
                conn.execute(update(positions).where(positions.c.name == key(model)).values(position=stop))
            applied += sum(present.values())
            if stop >= head:  # the last page also restores any index a rebuild dropped
                _create_indexes(conn, models)
        if progress is not None:
            progress(stop, head)
        if stop >= head:
            return applied


CATCH_UP = "ledger_catch_up"


def install_catch_up(store: Store) -> None:
    """PostgreSQL: the models' catch-up as a function with the owner's rights, so the
    read models are written by the owner's fold alone and no clerk or reporter needs
    (or has) any right to write them. One call folds one page in one transaction."""
    s = store.schema
    d = Dialect("postgresql", s, store.events_table)
    steps = []
    for model in MODELS:
        k = key(model).replace("'", "''")
        statements = "\n".join(
            f"    EXECUTE $q${_numbered(st.sql)}$q$ USING p, stop_;" for st in model.fold_sql(d)
        )
        steps.append(
            f"""  SELECT position INTO p FROM "{s}".rm_positions WHERE name = '{k}';
  IF p IS NOT NULL AND p < stop_ THEN
{statements}
    UPDATE "{s}".rm_positions SET position = stop_ WHERE name = '{k}';
  END IF;"""
        )
    keys = ", ".join("'" + key(m).replace("'", "''") + "'" for m in MODELS)
    body = "\n".join(steps)
    function = f"""
CREATE OR REPLACE FUNCTION "{s}".{CATCH_UP}(page bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
DECLARE
  head bigint;
  start_ bigint;
  stop_ bigint;
  p bigint;
BEGIN
  PERFORM 1 FROM "{s}".rm_positions FOR UPDATE;  -- two callers take turns
  SELECT coalesce(max(notification_id), 0) INTO head FROM "{s}".{store.events_table};
  SELECT min(position) INTO start_ FROM "{s}".rm_positions WHERE name IN ({keys});
  IF start_ IS NULL OR start_ >= head THEN
    RETURN 0;
  END IF;
  stop_ := least(start_ + page, head);
{body}
  RETURN stop_ - start_;
END
$f$;
"""
    with store.connect() as conn:
        conn.execute(function.encode())


def _numbered(sql: str) -> str:
    """A fold statement with ``:start`` and ``:stop`` as the function's ``$1`` and ``$2``."""
    return re.sub(r"(?<!:):stop\b", "$2", re.sub(r"(?<!:):start\b", "$1", sql))


def _catch_up_in_database(app: Ledger, page_size: int, progress: Callable[[int, int], None] | None) -> int:
    _, writer = engines(app.store)
    call = text(f'SELECT "{app.store.schema}".{CATCH_UP}(:page)')
    applied = 0
    while True:
        with writer.begin() as conn:
            done = int(conn.execute(call, {"page": page_size}).scalar() or 0)
            if not done and applied:  # as the runner's last page: any index a rebuild dropped
                _create_indexes(conn, MODELS)
        if not done:
            return applied
        applied += done
        if progress is not None:
            progress(applied, app.recorder.max_notification_id() or 0)


_compiled: dict[tuple[str, str | None, str], list[tuple[frozenset[str], TextClause]]] = {}


def _statements(
    conn: Connection, store: Store, model: types.ModuleType
) -> list[tuple[frozenset[str], TextClause]]:
    """A model's fold statements for this database, with the topics each one reads."""
    schema = None if store.is_sqlite else store.schema
    cache = (conn.dialect.name, schema, key(model))
    if cache not in _compiled:
        d = Dialect(conn.dialect.name, schema, store.events_table)
        _compiled[cache] = [(s.topics, text(s.sql)) for s in model.fold_sql(d)]
    return _compiled[cache]


def _topics(conn: Connection, store: Store, start: int, stop: int) -> dict[str, int]:
    """How many events of each topic lie in the log positions (start, stop]: statements
    whose topics are absent from a page are not run."""
    if store.is_sqlite:
        where = f"FROM {store.events_table} WHERE rowid > :start AND rowid <= :stop"
    else:
        where = (
            f'FROM "{store.schema}".{store.events_table} '
            "WHERE notification_id > :start AND notification_id <= :stop"
        )
    rows = conn.execute(
        text(f"SELECT topic, count(*) {where} GROUP BY topic"), {"start": start, "stop": stop}
    )
    return {str(topic): int(n) for topic, n in rows}


def _positions(conn: Connection, models: Iterable[types.ModuleType], *, lock: bool = True) -> dict[str, int]:
    """The models' positions; on PostgreSQL the rows stay locked until the page commits,
    so two processes catching up take turns (SQLite's BEGIN IMMEDIATE does the same)."""
    query = select(positions.c.name, positions.c.position)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    rows = dict(conn.execute(query).all())
    return {key(m): int(rows.get(key(m), 0)) for m in models}


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
    models = [model_named(n) for n in names] if names else list(DERIVED)
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
    notifications: Sequence[Any], mapper: Any, upto: dict[str, int] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The in-memory fold: what the tables would hold after these stored events (each
    model only up to its position in ``upto``, when given)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for model in MODELS:
        for table in model.TABLES:
            tables[table.name] = []
    for n in notifications:
        domain_event = mapper.to_domain_event(n)
        for model in MODELS:
            if upto is None or n.id <= upto.get(key(model), 0):
                for table, row in model.facts(domain_event, n.id):
                    tables[table.name].append(row)
    return tables


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
