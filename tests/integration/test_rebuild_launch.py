"""``ledger projections rebuild`` on SQLite runs without click (``projections.rebuild_launch``)
and does exactly what the click command does: the same read-model rows, positions and
indexes, the same bytes on stdout and stderr, the same exit code — for the command lines
the launcher takes and for those it hands on, and for the stores it declines."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from ledger.application import Ledger
from ledger.eventkinds import kinds
from ledger.formats import STORE_FORMAT
from ledger.storage import parse_url
from projections import rebuild_launch, runner
from projections.folds import engine
from projections.quick import SQLiteDatabase
from projections.sqlfold import Dialect
from tests.conftest import invoke
from tests.integration.test_sql_fold import a_full_year

#: runs ``ledger`` as the console script does; tells on stderr which path ran, and
#: which of the heavy libraries the process loaded
PROBE = (
    "import atexit, runpy, sys\n"
    "def said():\n"
    "    heavy = sorted(m for m in ('click', 'sqlalchemy', 'eventsourcing', 'pendulum') if m in sys.modules)\n"
    "    sys.stderr.write('\\n[click]' if 'click' in sys.modules else '\\n[launch ' + ','.join(heavy) + ']')\n"
    "atexit.register(said)\n"
    "sys.argv = ['ledger', *sys.argv[1:]]\n"
    "runpy.run_module('ledger', run_name='__main__')\n"
)
LAUNCHED = b"\n[launch ]"
CLICKED = b"\n[click]"

#: command lines the launcher takes
TAKEN = [
    ["projections", "rebuild"],
    ["--format", "json", "projections", "rebuild"],
    ["--db", "{db}", "projections", "rebuild", "movements"],
    ["--db={db}", "--format=json", "projections", "rebuild", "assessments", "directory"],
    ["projections", "rebuild", "directory", "movements", "assessments"],
    ["projections", "rebuild", "directory", "movements", "directory"],
]

#: command lines it hands to click (which rebuilds, refuses or helps)
HANDED_ON = [
    ["projections", "rebuild", "chain"],
    ["projections", "rebuild", "nothing"],
    ["projections", "rebuild", "--help"],
    ["projections", "rebuild", "--format", "json"],
    ["--actor", "某人", "projections", "rebuild"],
    ["--format", "xml", "projections", "rebuild"],
    ["--db", "{db}", "--db", "{db}", "projections", "rebuild"],
    ["projections", "rebuild", "--", "movements"],
]


@pytest.fixture(scope="module")
def full_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding every kind of event, its read models current."""
    db = tmp_path_factory.mktemp("rebuild") / "year.db"
    assert invoke(db, "init").exit_code == 0
    app = Ledger(parse_url(str(db)))
    try:
        a_full_year(app)
        runner.catch_up(app)
    finally:
        runner.dispose(app.store)
        app.close()
    return db


@pytest.fixture
def two_copies(full_year: Path, tmp_path: Path) -> tuple[str, str]:
    """Two copies of the store: one for each path."""
    copies = []
    for name in ("fast", "slow"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(full_year, folder / "ledger.db")
        copies.append(str(folder / "ledger.db"))
    return copies[0], copies[1]


def ledger(db: str, args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``ledger ARGS`` on ``db``; the file's path in what it prints reads ``{db}``."""
    words = [a.replace("{db}", db) for a in args]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *words],
        capture_output=True,
        timeout=120,
        env={**os.environ, "LEDGER_DB": db, **env},
        cwd=Path(db).parent,
    )
    path = str(Path(db).resolve()).encode()
    done.stdout, done.stderr = (done.stdout.replace(path, b"{db}"), done.stderr.replace(path, b"{db}"))
    return done


def state(db: str) -> tuple[object, ...]:
    """Everything a rebuild may change: the schema (indexes included), every read-model
    row, the recorded positions; and the events and the chain, which it must not."""
    conn = sqlite3.connect(db)
    try:
        schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        tables = [str(n) for (_, n, _, _) in schema if str(n).startswith("rm_") and _ == "table"]
        rows = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1, 2').fetchall() for t in tables}
        events = hashlib.sha256(repr(conn.execute("SELECT rowid, * FROM stored_events").fetchall()).encode())
        chain = conn.execute("SELECT * FROM ledger_chain ORDER BY 1").fetchall()
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        return schema, rows, events.hexdigest(), chain, version
    finally:
        conn.close()


def scramble(db: str) -> None:
    """Read models that disagree with the log: a rebuild must put them right."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM rm_movements WHERE rowid % 3 = 0")
        conn.execute("UPDATE rm_projects SET name = '篡改'")
        conn.execute("INSERT INTO rm_scores VALUES (999999, 'x', 2024, 1, '多出', '2024-01-01 00:00:00.000000')")
    conn.close()


def test_the_launcher_rebuilds_the_runners_derived_models_from_the_same_tables() -> None:
    assert [m.NAME for m in rebuild_launch.MODELS] == [m.NAME for m in runner.DERIVED]
    for fast, slow in zip(rebuild_launch.MODELS, runner.DERIVED, strict=True):
        assert {row.into.name for row in fast.rows()} == {t.name for t in slow.TABLES}
        assert set(fast.INDEXES) == {i.name for t in slow.TABLES for i in t.indexes}
    assert rebuild_launch.WRITER_TIMEOUT == 60  # runner.engine_for's SQLite timeout


def test_every_topic_a_fold_reads_is_a_recorded_event_class() -> None:
    recorded = set(kinds())
    for dialect in (Dialect("sqlite"), Dialect("postgresql", "ledger")):
        for model in runner.MODELS:
            for statement in model.fold_sql(dialect):
                assert statement.topics and statement.topics <= recorded, statement.sql[:80]


@pytest.mark.parametrize("pages", ["50000", "7"])
@pytest.mark.parametrize("args", TAKEN, ids=" ".join)
def test_a_plain_rebuild_runs_without_click_and_does_what_click_does(
    two_copies: tuple[str, str], args: list[str], pages: str
) -> None:
    fast_db, slow_db = two_copies
    for copy in two_copies:
        scramble(copy)
    # small pages: several commits, and a progress line for every few positions
    env = {"LEDGER_CATCHUP_PAGE": pages, "LEDGER_PROGRESS_EVERY": "5"}
    fast = ledger(fast_db, args, **env)
    slow = ledger(slow_db, args, LEDGER_LAUNCH="click", **env)
    assert fast.stderr.endswith(LAUNCHED), fast.stderr.decode()  # no click, SQLAlchemy, event library
    assert slow.stderr.endswith(CLICKED)
    assert fast.returncode == slow.returncode == 0, slow.stderr.decode()
    assert fast.stdout == slow.stdout
    assert "重建读模型".encode() in fast.stdout or b'"ok": true' in fast.stdout
    assert fast.stderr.removesuffix(LAUNCHED) == slow.stderr.removesuffix(CLICKED)
    assert b"/" in fast.stderr  # the progress lines were printed
    assert state(fast_db) == state(slow_db)


def test_the_rebuilt_models_are_those_an_incremental_catch_up_made(full_year: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    shutil.copy(full_year, db)
    before = state(db)
    scramble(db)
    done = ledger(db, ["projections", "rebuild"])
    assert done.returncode == 0 and done.stderr.endswith(LAUNCHED), done.stderr.decode()
    assert state(db) == before


@pytest.mark.parametrize("args", HANDED_ON, ids=" ".join)
def test_anything_else_is_clicks_and_says_what_click_says(two_copies: tuple[str, str], args: list[str]) -> None:
    handed_db, slow_db = two_copies
    handed = ledger(handed_db, args)
    slow = ledger(slow_db, args, LEDGER_LAUNCH="click")
    assert handed.stderr.endswith(CLICKED), handed.stderr.decode()
    assert (handed.returncode, handed.stdout, handed.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert state(handed_db) == state(slow_db)


def newer_format(db: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {STORE_FORMAT + 1}")
    conn.close()


def a_model_not_recorded(db: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM rm_positions WHERE name = 'assessments.v2'")
    conn.close()


def an_index_missing(db: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute("DROP INDEX ix_rm_movements_unit")
    conn.close()


def rollback_journal(db: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def read_only(db: str) -> None:
    os.chmod(db, stat.S_IRUSR)


@pytest.mark.parametrize("change", [newer_format, a_model_not_recorded, an_index_missing, rollback_journal, read_only])
def test_a_store_the_launcher_does_not_take_is_clicks(two_copies: tuple[str, str], change: object) -> None:
    assert callable(change)
    if change is read_only and os.geteuid() == 0:
        pytest.skip("root writes a read-only file")
    handed_db, slow_db = two_copies
    for copy in two_copies:
        change(copy)
    args = ["projections", "rebuild"]
    handed = ledger(handed_db, args)
    slow = ledger(slow_db, args, LEDGER_LAUNCH="click")
    assert handed.stderr.endswith(CLICKED), handed.stderr.decode()
    assert (handed.returncode, handed.stdout, handed.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert state(handed_db) == state(slow_db)


def test_a_file_that_is_not_a_ledger_is_clicks_to_refuse(tmp_path: Path) -> None:
    sheet = tmp_path / "账.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not a database")
    done = ledger(str(sheet), ["projections", "rebuild"])
    assert done.returncode == 2 and done.stderr.endswith(CLICKED)
    assert "不是 SQLite 数据库".encode() in done.stderr
    assert sheet.read_bytes() == b"PK\x03\x04 not a database"


def test_a_store_failing_mid_rebuild_is_told_as_click_tells_it(two_copies: tuple[str, str]) -> None:
    for copy in two_copies:
        conn = sqlite3.connect(copy)
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON rm_movements BEGIN SELECT RAISE(ABORT, '磁盘已满'); END")
        conn.close()
    fast_db, slow_db = two_copies
    args = ["projections", "rebuild"]
    fast = ledger(fast_db, args)
    slow = ledger(slow_db, args, LEDGER_LAUNCH="click")
    assert slow.stderr.endswith(CLICKED) and not fast.stderr.endswith(CLICKED)
    assert fast.returncode == slow.returncode != 0
    assert "磁盘已满".encode() in fast.stderr
    assert (fast.stdout, fast.stderr.rpartition(b"\n[")[0]) == (slow.stdout, slow.stderr.removesuffix(CLICKED))
    assert state(fast_db) == state(slow_db)


def test_a_pages_topics_counted_from_the_index_are_those_of_its_rows(full_year: Path) -> None:
    conn = sqlite3.connect(full_year)
    try:
        db = SQLiteDatabase(conn, "stored_events")
        assert db.dialect.topic_index  # ledger init made the index
        head = engine.head(db)
        scan = SQLiteDatabase(conn, "stored_events")
        d = db.dialect
        scan._dialect = Dialect(d.name, d.schema, d.events_table, d.columns, topic_index=False)
        for start in range(0, head + 1, 3):
            for stop in (start, start + 1, start + 7, head):
                counted = engine.topics(db, start, stop)
                assert counted == engine.topics(scan, start, stop)
                assert sum(counted.values()) == max(min(stop, head) - start, 0)
    finally:
        conn.close()


def test_a_store_without_the_index_of_topics_is_folded_by_scanning_its_pages(full_year: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    shutil.copy(full_year, db)
    before = state(db)
    conn = sqlite3.connect(db)
    conn.execute("DROP INDEX ix_stored_events_topic")
    assert not SQLiteDatabase(conn, "stored_events").dialect.topic_index
    conn.close()
    scramble(db)
    done = ledger(db, ["projections", "rebuild"], LEDGER_CATCHUP_PAGE="5")
    assert done.returncode == 0 and done.stderr.endswith(LAUNCHED), done.stderr.decode()
    after = state(db)
    assert after[1:] == before[1:]
    assert after[0] == [r for r in cast(list[tuple[object, ...]], before[0]) if r[1] != "ix_stored_events_topic"]


@pytest.mark.parametrize(
    "env", [{"LEDGER_CATCHUP_PAGE": "很多"}, {"TZINFO_TOPIC": "datetime:timezone.min"}, {"LEDGER_DEBUG": "1"}], ids=str
)
def test_settings_the_launcher_does_not_read_are_clicks(two_copies: tuple[str, str], env: dict[str, str]) -> None:
    handed_db, slow_db = two_copies
    args = ["projections", "rebuild"]
    handed = ledger(handed_db, args, **env)
    slow = ledger(slow_db, args, LEDGER_LAUNCH="click", **env)
    assert handed.stderr.endswith(CLICKED), handed.stderr.decode()
    assert (handed.returncode, handed.stdout, handed.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert state(handed_db) == state(slow_db)


def test_a_ledger_without_events_is_rebuilt_as_click_rebuilds_it(tmp_path: Path) -> None:
    copies = []
    for name in ("fast", "slow"):
        (tmp_path / name).mkdir()
        db = tmp_path / name / "ledger.db"
        assert invoke(db, "init").exit_code == 0
        copies.append(str(db))
    fast = ledger(copies[0], ["projections", "rebuild"])
    slow = ledger(copies[1], ["projections", "rebuild"], LEDGER_LAUNCH="click")
    assert fast.stderr.endswith(LAUNCHED) and slow.stderr.endswith(CLICKED)
    assert fast.returncode == slow.returncode == 0
    assert fast.stdout == slow.stdout == "已重建读模型：directory、movements、assessments（重放 0 个事件）\n".encode()
    assert state(copies[0]) == state(copies[1])


@pytest.mark.parametrize("launch", ["", "click"])
def test_a_model_named_twice_is_rebuilt_once(two_copies: tuple[str, str], launch: str) -> None:
    db = two_copies[0]
    before = state(db)
    done = ledger(db, ["projections", "rebuild", "directory", "directory"], LEDGER_LAUNCH=launch)
    assert done.returncode == 0, done.stderr.decode()
    said = done.stdout.decode()
    assert said.startswith("已重建读模型：directory（重放 ") and said.endswith(" 个事件）\n"), said
    assert state(db) == before
