"""A SQLite store of format 1 (the event table as the library makes it, no generated
columns, no topic index) still folds from the JSON, and ``ledger init`` upgrades it to
the current layout with the same events, the same chain and the same read models."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ledger.formats import STORE_FORMAT
from ledger.sqliterecorder import TOPIC_INDEX
from ledger.storage import EVENT_COLUMNS
from projections import runner
from tests.conftest import invoke
from tests.integration.test_sql_fold import a_full_year, open_ledger

#: the event table as ``eventsourcing`` creates it, before format 2
OLD_TABLE = (
    "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
    "state BLOB, PRIMARY KEY (originator_id, originator_version))"
)
EVENTS = "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"


def a_year_in_the_old_layout(path: Path) -> None:
    """A full year recorded by this program, then its event table put back in the
    format-1 layout: the same rows, rowids and bytes."""
    app = open_ledger(str(path))
    try:
        a_full_year(app)
        runner.catch_up(app)
    finally:
        runner.dispose(app.store)
        app.close()
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE stored_events RENAME TO new_layout")
        conn.execute(OLD_TABLE)
        conn.execute(
            "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
            "SELECT rowid, originator_id, originator_version, topic, state FROM new_layout ORDER BY rowid"
        )
        conn.execute("DROP TABLE new_layout")
        conn.execute("PRAGMA user_version = 1")


def columns(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {str(r[0]) for r in conn.execute("SELECT name FROM pragma_table_xinfo('stored_events')")}


def indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'stored_events'")
        return {str(r[0]) for r in found}


def events(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(EVENTS).fetchall()


def read_models(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        names = [
            str(r[0])
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rm_%'")
        ]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY 1, 2').fetchall() for n in sorted(names)}


def rebuilt(path: Path) -> dict[str, list[tuple[object, ...]]]:
    result = invoke(path, "projections", "rebuild")
    assert result.exit_code == 0, result.output
    return read_models(path)


def verified(path: Path) -> str:
    """``ledger verify``'s last line: the chain's head, to be compared."""
    result = invoke(path, "verify")
    assert result.exit_code == 0 and "校验通过" in result.output, result.output
    return result.output.strip().splitlines()[-1]


def test_a_store_not_yet_upgraded_folds_from_the_json_to_the_same_tables(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    a_year_in_the_old_layout(path)
    before = read_models(path)
    assert not columns(path) & set(EVENT_COLUMNS.values())
    assert rebuilt(path) == before
    verified(path)
    invoke(path, "unit", "add", "153009", "另一局")  # a write command's quick catch-up, too
    assert any(r[0] == "153009" for r in read_models(path)["rm_units"])
    assert not columns(path) & set(EVENT_COLUMNS.values())  # nothing upgraded but by init


def test_init_upgrades_an_old_store_with_the_same_events_chain_and_read_models(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    a_year_in_the_old_layout(path)
    recorded = events(path)
    tables = read_models(path)
    head = verified(path)
    result = invoke(path, "init")
    assert result.exit_code == 0 and "升级" in result.output, result.output
    assert set(EVENT_COLUMNS.values()) <= columns(path)
    assert TOPIC_INDEX in indexes(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (STORE_FORMAT,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert events(path) == recorded
    assert verified(path) == head
    assert rebuilt(path) == tables
    # and the upgraded store records on: a new event gets the next id and its columns
    assert invoke(path, "unit", "add", "153009", "另一局").exit_code == 0
    with sqlite3.connect(path) as conn:
        last = conn.execute("SELECT rowid, f_timestamp FROM stored_events ORDER BY rowid DESC LIMIT 1").fetchone()
    assert last[0] == int(str(recorded[-1][0])) + 1 and str(last[1]).endswith("+00:00")
    assert verified(path) != head
    result = invoke(path, "init")  # once upgraded, init changes nothing
    assert result.exit_code == 0
    assert events(path)[: len(recorded)] == recorded


def test_a_store_made_now_has_the_columns_with_the_values_the_json_gives(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    app = open_ledger(str(path))
    try:
        a_full_year(app)
    finally:
        runner.dispose(app.store)
        app.close()
    with sqlite3.connect(path) as conn:
        for json_path, column in EVENT_COLUMNS.items():
            differ = conn.execute(
                f"SELECT count(*), count({column}) FROM stored_events "
                f"WHERE {column} IS NOT json_extract(CAST(state AS TEXT), '$.{json_path}')"
            ).fetchone()
            assert differ == (0, 0), column
        found = conn.execute("SELECT count(f_amount), count(f_on), count(f_timestamp) FROM stored_events").fetchone()
    assert all(n > 0 for n in found)
