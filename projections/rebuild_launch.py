"""``ledger projections rebuild`` on a SQLite store, without click, SQLAlchemy or the
event library.

A rebuild is the models' ``INSERT … SELECT`` statements run page after page inside
SQLite (``projections.folds.engine``); on a store of a hundred thousand events the
program that loads the command tree, the SQLAlchemy engine and the aggregates to issue
them took longer than the statements. The launcher (:func:`ledger.launch.main`) hands
the command line here first, and :func:`run` takes it only when it can do exactly what
the click command does (``projections.commands.projections_rebuild`` with
``projections.runner.rebuild``):

- the words are ``[--db URL] [--format table|json] projections rebuild [NAME]...``, each
  option given once, each name a derived model's, none twice;
- the store is a SQLite file of this program (``Store.exists``: its format, its header),
  in WAL mode, writable, its read models all recorded at their current versions and the
  chosen models' indexes in place (otherwise the runner creates tables and indexes).

Then the same transactions follow, on one plain ``sqlite3`` connection: the chosen
models' rows, indexes and positions dropped in one; then the engine's pages, each
committing its rows with the models' positions, the indexes made again in the last;
the same progress lines and the same closing line (or JSON document). Anything else —
``--help``, a name click refuses (``chain``), ``--actor``, PostgreSQL, a store the
runner must prepare, settings that do not read — and :func:`run` returns ``False``
having printed and written nothing: click then runs and says what it says. A store
error once the rebuild has begun is told as the click command tells it (the same
message, the same exit code). ``LEDGER_LAUNCH=click`` sends everything to click.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import types
from typing import TYPE_CHECKING

from projections.folds import assessments, directory, engine, movements, position_key

if TYPE_CHECKING:
    from ledger.storage import Store
    from projections.quick import SQLiteDatabase

#: the derived models in the runner's order (``runner.DERIVED``; a test holds them equal)
MODELS: tuple[types.ModuleType, ...] = (directory, movements, assessments)
#: how long the read models' writer waits for the write lock (``runner.engine_for``)
WRITER_TIMEOUT = 60


class NotMine(Exception):
    """The command line or the store is not one this launcher takes exactly: click's turn."""


def run(argv: list[str]) -> bool:
    """Rebuild as ``argv`` asks if the launcher takes it exactly; else ``False``, nothing done."""
    if os.environ.get("LEDGER_LAUNCH") == "click" or os.environ.get("LEDGER_DEBUG"):
        return False
    if os.environ.get("TZINFO_TOPIC"):  # the application refuses a zone other than UTC: click says so
        return False
    try:
        db, fmt, names = _read(argv)
        store, conn = _open(db)
    except Exception:
        return False
    try:
        applied = _rebuild(store, conn, names)
    except _Declined:
        return False
    except BaseException as error:
        _fail(error, store)
    finally:
        conn.close()
    chosen = list(names) or [m.NAME for m in MODELS]
    if fmt == "json":
        import json

        data = {"ok": True, "models": chosen, "events": applied}
        _print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        _print(f"已重建读模型：{'、'.join(chosen)}（重放 {applied} 个事件）")
    return True


def _read(argv: list[str]) -> tuple[str | None, str, tuple[str, ...]]:
    """``--db``, the format and the models' names, or :class:`NotMine`."""
    options: dict[str, str] = {}
    words = list(argv)
    while words and words[0] != "projections":
        word = words.pop(0)
        if word.startswith("--") and "=" in word:
            key, _, value = word.partition("=")
        elif words:
            key, value = word, words.pop(0)
        else:
            raise NotMine
        if key not in ("--db", "--format") or key in options:
            raise NotMine  # --actor, --help, …, or given twice: click's to read
        if key == "--format" and value not in ("table", "json"):
            raise NotMine
        options[key] = value
    if words[:2] != ["projections", "rebuild"]:
        raise NotMine
    names = tuple(dict.fromkeys(words[2:]))  # a model named twice is rebuilt once, as click does
    known = [m.NAME for m in MODELS]
    if any(name not in known for name in names):
        raise NotMine  # an option, the chain, an unknown model: click's to refuse
    return options.get("--db"), options.get("--format", "table"), names


def _open(db: str | None) -> tuple[Store, sqlite3.Connection]:
    """The store ``--db`` / ``LEDGER_DB`` names, checked as the click command checks it,
    and a connection to it; :class:`NotMine` for a store that is not plainly ours."""
    from ledger import settings
    from ledger.storage import parse_url
    from projections import quick

    settings.check()
    for stream in (sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", None) or "").lower().replace("-", "") != "utf8":
            raise NotMine  # click would re-wrap a stream it finds misconfigured
    store = parse_url(db)
    if store.path is None or not store.exists():  # refusals (a newer format, not a database) are click's
        raise NotMine
    if not (os.access(store.path, os.W_OK) and os.access(store.path.parent, os.W_OK)):
        raise NotMine  # a read-only file or folder: click names the fault
    conn = sqlite3.connect(store.path, timeout=WRITER_TIMEOUT, isolation_level=None)
    try:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        if str(mode).lower() != "wal":
            raise NotMine  # the event store's connection would switch the file to WAL
        quick.prepare_writer(conn)  # as the runner's connections
    except BaseException:
        conn.close()
        raise
    return store, conn


class _Declined(Exception):
    """Found under the write lock, before anything was written: the store is the runner's."""


def _rebuild(store: Store, conn: sqlite3.Connection, names: tuple[str, ...]) -> int:
    """``runner.rebuild`` on the plain connection, with the click command's progress."""
    from ledger import settings
    from ledger.progress import Progress
    from projections import quick
    from projections.folds import engine as folding
    from projections.quick import SQLiteDatabase

    models = [m for name in names for m in MODELS if name == m.NAME] if names else list(MODELS)
    db = SQLiteDatabase(conn, store.events_table)
    page_size = settings.CATCHUP_PAGE.read()

    def transaction() -> contextlib.AbstractContextManager[SQLiteDatabase]:
        return quick.write_transaction(db)

    head = engine.head(db)
    with transaction():  # before the progress starts: a store declined here has printed nothing
        indexes = _drop(db, models)
    with Progress("重建读模型", head, unit="个日志位置") as progress:
        # runner.catch_up: the log's end now; the models were all recorded (checked above)
        end = engine.head(db)
        recorded = engine.positions(db, models)
        if min(recorded.values()) >= end:
            return 0

        def restore_indexes(db: SQLiteDatabase) -> None:  # as the runner's last page
            quick.restore_indexes(db, indexes)

        def fold_here(db: SQLiteDatabase, stop: int | None) -> folding.Page | None:
            return folding.fold_page(db, models, page_size, end if stop is None else stop)

        return folding.catch_up(
            transaction,
            fold_here,
            progress=lambda position, _head: progress.reach(position),
            last_page=restore_indexes,
        )


def _drop(db: SQLiteDatabase, models: list[types.ModuleType]) -> list[tuple[str, str]]:
    """Under the write lock: the models' rows, indexes and positions gone; the indexes'
    own statements, to make them again. :class:`_Declined` (nothing written) when a
    model is not recorded at its current version or an index is missing: the runner
    makes tables and indexes from their definitions."""
    recorded = {str(n) for (n, _) in db.rows(f"SELECT name, position FROM {engine.POSITIONS}")}
    if not {position_key(m) for m in MODELS} <= recorded:
        raise _Declined
    from projections import quick

    wanted = {name for model in models for name in model.INDEXES}
    if not wanted <= {str(n) for (n,) in db.rows("SELECT name FROM sqlite_master WHERE type = 'index'")}:
        raise _Declined
    dropped = quick.drop_indexes(db, models)  # built once at the end: faster than row by row
    for model in models:
        for table in dict.fromkeys(row.into.name for row in model.rows()):
            db.run(f'DELETE FROM "{table}"')
        db.run(
            f"UPDATE {engine.POSITIONS} SET position = 0 WHERE name = :name",
            {"name": position_key(model)},
        )
    return dropped


def _fail(error: BaseException, store: Store) -> None:
    """A rebuild that failed once begun, told as the click command tells it
    (``ledger.cli.LedgerGroup``): a store's fault in Chinese with its exit code, an
    interruption as cancelled, anything else as an internal error."""
    from ledger.errors import LedgerError
    from ledger.storage import store_fault
    from ledger.text import harmless

    if isinstance(error, KeyboardInterrupt):
        sys.stderr.write("\n" + harmless("已取消。") + "\n")
        sys.exit(1)
    if not isinstance(error, Exception):
        raise error
    fault = error if isinstance(error, LedgerError) else store_fault(error, store)
    if fault is not None:
        sys.stderr.write(harmless(f"错误：{fault.message}") + "\n")
        sys.exit(fault.exit_code)
    sys.stderr.write(
        harmless(
            f"内部错误（{type(error).__name__}）：{error}。未完成的操作没有记录任何内容；"
            "设置 LEDGER_DEBUG=1 可查看详细信息，请报告给维护人员。"
        )
        + "\n"
    )
    sys.exit(1)


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
