"""A write command on SQLite catches the read models up on the plain ``sqlite3``
connection (``projections.quick``): the same rows as the runner, or nothing at all."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.chain import COLUMNS, GENESIS, TABLE, seal
from ledger.storage import parse_url
from projections import movements, quick, runner
from projections.folds import engine
from tests.conftest import invoke
from tests.integration.test_sql_fold import a_full_year, open_ledger
from tests.readmodels import assert_models_match_the_aggregates


def positions(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT name, position FROM rm_positions").fetchall())


def test_quick_serves_the_runners_models_with_the_same_tables_and_indexes() -> None:
    assert [m.NAME for m in quick.MODELS] == [m.NAME for m in runner.MODELS]
    assert [runner.key(m) for m in quick.MODELS] == [runner.key(m) for m in runner.MODELS]
    for fold, model in zip(quick.MODELS, runner.MODELS, strict=True):
        described = {
            name: tuple(value)
            for name, value in vars(fold).items()
            if name.endswith("COLUMNS") and isinstance(value, tuple)
        }
        assert sorted(described.values()) == sorted(tuple(c.name for c in t.columns) for t in model.TABLES)
        assert set(fold.INDEXES) == {ix.name for t in model.TABLES for ix in t.indexes}


def test_catching_up_after_every_act_leaves_tables_that_agree_with_the_aggregates(tmp_path: Path) -> None:
    app = open_ledger(str(tmp_path / "ledger.db"))
    saved = app.save
    served = []

    def save_then_catch_up(*args: Any, **kwargs: Any) -> Any:
        recordings = saved(*args, **kwargs)
        served.append(quick.catch_up(app.store))
        return recordings

    app.save = save_then_catch_up  # type: ignore[method-assign]
    try:
        a_full_year(app)
        assert served and all(n is not None and n > 0 for n in served), served
        head = app.recorder.max_notification_id()
        assert set(positions(tmp_path / "ledger.db").values()) == {head}
        assert runner.catch_up(app) == 0  # nothing left for the runner
        assert_models_match_the_aggregates(app)
        log = runner.all_notifications(app)
        with sqlite3.connect(tmp_path / "ledger.db") as conn:
            sealed = conn.execute(f"SELECT {COLUMNS} FROM {TABLE} ORDER BY position").fetchall()
        assert sealed == seal(
            GENESIS,
            [n.id for n in log],
            [(n.originator_id, n.originator_version, n.topic, n.state) for n in log],
        )
    finally:
        runner.dispose(app.store)
        app.close()


def _behind(app: Ledger, db: Path) -> None:
    """Events recorded that no model has seen yet."""
    a_full_year(app)
    assert min(positions(db).values()) < (app.recorder.max_notification_id() or 0)


@pytest.mark.parametrize("case", ["no read models", "index dropped", "model changed"])
def test_what_quick_cannot_serve_it_leaves_untouched_for_the_runner(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "ledger.db"
    app = open_ledger(str(db))
    try:
        _behind(app, db)
        with sqlite3.connect(db) as conn:
            if case == "no read models":
                conn.execute("DROP TABLE rm_positions")
            elif case == "index dropped":
                conn.execute("DROP INDEX ix_rm_movements_unit")
            else:
                conn.execute(
                    "UPDATE rm_positions SET name = 'movements.v1' WHERE name = ?", (runner.key(movements),)
                )
        before = {t: _rows(db, t) for t in _tables(db)}
        assert quick.catch_up(app.store) is None
        assert {t: _rows(db, t) for t in _tables(db)} == before
        if case != "no read models":
            runner.catch_up(app)  # the runner does it, and restores what was missing
            assert "ix_rm_movements_unit" in _indexes(db)
            assert runner.status(app) and all(s.behind == 0 for s in runner.status(app))
    finally:
        runner.dispose(app.store)
        app.close()


def _index_statements(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        ).fetchall()


def _read_models(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {t: _rows(db, t) for t in _tables(db) if t.startswith("rm_")}


@pytest.fixture
def far_behind(tmp_path: Path) -> tuple[Path, Path]:
    """A store whose models have seen none of a year's events, and a copy the runner
    caught up: what quick must make."""
    db = tmp_path / "ledger.db"
    app = open_ledger(str(db))
    try:
        _behind(app, db)
    finally:
        runner.dispose(app.store)
        app.close()
    expected = tmp_path / "runner.db"
    with sqlite3.connect(db) as source, sqlite3.connect(expected) as copy:
        source.backup(copy)
    app = Ledger(parse_url(str(expected)))
    try:
        runner.catch_up(app)
    finally:
        runner.dispose(app.store)
        app.close()
    return db, expected


@pytest.mark.parametrize("page_size", [7, 50_000])
def test_a_long_way_is_paged_with_the_indexes_made_once_in_the_last_page(
    far_behind: tuple[Path, Path], page_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, expected = far_behind
    monkeypatch.setattr(quick, "QUICK_LIMIT", 3)  # a year's events are a long way
    dropped: list[list[tuple[str, str]]] = []
    drop = quick.drop_indexes

    def spied(*args: Any) -> list[tuple[str, str]]:
        dropped.append(drop(*args))
        return dropped[-1]

    monkeypatch.setattr(quick, "drop_indexes", spied)
    store = parse_url(str(db))
    applied = quick.catch_up(store, page_size=page_size)
    head = max(positions(expected).values())
    assert applied is not None and applied > 0
    assert set(positions(db).values()) == {head}
    assert len(dropped) == 1 and {name for name, _ in dropped[0]} == {
        name for model in quick.MODELS for name in model.INDEXES
    }
    assert _index_statements(db) == _index_statements(expected)
    assert _read_models(db) == _read_models(expected)


def test_a_way_shorter_than_what_the_models_have_seen_keeps_the_indexes(
    far_behind: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, expected = far_behind
    head = max(positions(expected).values())
    conn = sqlite3.connect(db, isolation_level=None)
    try:  # the models see two thirds of the log
        with conn:
            engine.fold_page(quick.SQLiteDatabase(conn, "stored_events"), quick.MODELS, head, head * 2 // 3)
    finally:
        conn.close()
    monkeypatch.setattr(quick, "QUICK_LIMIT", 0)  # paged, but the last third is no long way
    monkeypatch.setattr(quick, "drop_indexes", lambda *a: pytest.fail("dropped the indexes for a short way"))
    assert quick.catch_up(parse_url(str(db)), page_size=5) == head - head * 2 // 3
    assert _index_statements(db) == _index_statements(expected)
    assert _read_models(db) == _read_models(expected)


def test_a_long_way_broken_off_is_finished_by_the_runner(
    far_behind: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, expected = far_behind
    monkeypatch.setattr(quick, "QUICK_LIMIT", 3)
    pages: list[int] = []
    fold_page = engine.fold_page

    def fails_on_the_third(*args: Any) -> Any:
        pages.append(1)
        if len(pages) == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return fold_page(*args)

    monkeypatch.setattr(engine, "fold_page", fails_on_the_third)
    store = parse_url(str(db))
    with pytest.raises(sqlite3.OperationalError):
        quick.catch_up(store, page_size=7)
    monkeypatch.undo()
    assert _index_statements(db) != _index_statements(expected)  # two pages committed, indexes still to make
    assert quick.catch_up(store) is None  # the runner's case
    app = Ledger(store)
    try:
        runner.catch_up(app)
    finally:
        runner.dispose(store)
        app.close()
    assert _index_statements(db) == _index_statements(expected)
    assert _read_models(db) == _read_models(expected)


def _tables(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def _indexes(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")]


def _rows(db: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


PROBE = """
import sys
import threading
from ledger.cli import main
sys.argv = ["ledger", "--db", sys.argv[1], "payment", "request", "153001/P1", "100", "--payee", "甲公司",
            "--economic", "31299", "--date", "2024-03-01"]
try:
    main()
except SystemExit as e:
    assert not e.code, e.code
print("sqlalchemy" in sys.modules)
"""


def test_a_write_command_on_sqlite_needs_no_sqlalchemy_and_leaves_the_models_current(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    for args in (
        ["init"],
        ["unit", "add", "153001", "工信局"],
        ["project", "add", "153001", "P1", "项目一", "--function", "2150805", "--category", "特定目标类"],
        ["appropriation", "issue", "P1", "1万", "--date", "2024-01-02", "--doc", "文1", "--kind", "年初"],
    ):
        assert invoke(db, *args).exit_code == 0
    runner.dispose(parse_url(str(db)))
    out = subprocess.run([sys.executable, "-c", PROBE, str(db)], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["153001/P1/1", "False"], out
    with sqlite3.connect(db) as conn:
        head = conn.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM rm_movements WHERE kind = 'request'").fetchone()[0] == 1
    assert set(positions(db).values()) == {head}
    assert invoke(db, "verify").exit_code == 0


REPORT_PROBE = """
import sys
import threading
from ledger.cli import main
sys.argv = ["ledger", "--db", sys.argv[1], "--format", "json", "report", "execution", "--unit", "153001",
            "--year", "2024"]
try:
    main()
except SystemExit as e:
    assert not e.code, e.code
loaded = [m for m in ("eventsourcing.application", "ledger.application", "ledger.domain.project") if m in sys.modules]
print("loaded:", ",".join(loaded))
"""


def _clerks_day(db: Path | str) -> None:
    for args in (
        ["init"],
        ["unit", "add", "153001", "工信局"],
        ["project", "add", "153001", "P1", "项目一", "--function", "2150805", "--category", "特定目标类"],
        ["appropriation", "issue", "P1", "1万", "--date", "2024-01-02", "--doc", "文1", "--kind", "年初"],
        [
            "payment",
            "request",
            "P1",
            "2,500",
            "--payee",
            "甲公司",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ],
        ["payment", "settle", "P1/1", "--date", "2024-03-05"],
    ):
        assert invoke(db, *args).exit_code == 0, args
    runner.dispose(parse_url(str(db)))


def _report(db: Path | str) -> tuple[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", REPORT_PROBE, str(db)], capture_output=True, text=True, check=True
    )
    report, _, loaded = out.stdout.rpartition("loaded:")
    return report, loaded.strip()


def test_a_report_on_current_models_does_not_load_the_event_library(db: str) -> None:
    _clerks_day(db)
    report, loaded = _report(db)
    (line,) = json.loads(report)["projects"]
    assert (line["quota_fen"], line["paid_fen"], line["rate"]) == (1_000_000, 250_000, "25.00")
    assert loaded == ""


def test_a_report_folds_what_the_models_have_not_seen_before_it_reads(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    _clerks_day(db)
    expected, _ = _report(db)
    with sqlite3.connect(db) as conn:  # as if the last writes' catch-up had failed
        conn.execute("DELETE FROM rm_movements")
        conn.execute("UPDATE rm_positions SET position = 0 WHERE name LIKE 'movements.%'")
    report, _ = _report(db)
    assert report == expected
    assert json.loads(report)["projects"][0]["paid_fen"] == 250_000
    assert set(positions(db).values()) == {max(positions(db).values())}


def test_quick_sees_current_models_without_waiting_for_another_writers_lock(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    _clerks_day(db)
    store = parse_url(str(db))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
    try:
        result: list[int | None] = []
        worker = threading.Thread(target=lambda: result.append(quick.catch_up(store)), daemon=True)
        worker.start()
        worker.join(timeout=10)
        assert result == [0], "a report waited for the writer's lock although nothing was behind"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
