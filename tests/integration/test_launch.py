"""A plain report runs without click (``projections.launch``), and says exactly what the
click command says: the same bytes on stdout and stderr, the same exit code, for the
command lines the launcher takes and for those it hands on; it writes nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from projections import launch, quick
from projections.folds import position_key
from tests.conftest import Run
from tests.integration.test_reports import YEAR_ACTS

#: runs ``ledger`` as the console script does, and tells on stderr which path printed
PROBE = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\n[click]' if 'click' in sys.modules else '\\n[launch]'))\n"
    "sys.argv = ['ledger', *sys.argv[1:]]\n"
    "runpy.run_module('ledger', run_name='__main__')\n"
)

#: command lines the launcher takes
TAKEN = [
    ["report", "execution", "153001", "2024"],
    ["report", "execution", "--unit", "153001", "--year", "2024"],
    ["report", "execution", "--unit=153001", "--year=２０２４", "--format", "csv"],
    ["--format", "json", "report", "execution", "153001", "2024", "--as-of", "2024-06-30"],
    ["report", "execution", "--function", "21508", "--fund", "一般公共预算", "--format", "md"],
    ["report", "execution", "153001", "--score-rule", "threshold:60", "--wide"],
    ["report", "execution", "--known-at", "2999-01-01T00:00", "--format", "json"],
    ["report", "execution"],
    ["report", "backlog", "153001"],
    ["report", "backlog", "--unit", "153001", "--older-than", "30", "--format", "csv", "--encoding", "gbk"],
    ["--db", "{db}", "report", "backlog", "153001", "2024", "--as-of", "2024-06-14"],
]

#: command lines it hands to click (which then refuses, helps or writes a file)
HANDED_ON = [
    ["report", "execution", "--help"],
    ["report", "execution", "153001", "2024", "extra"],
    ["report", "execution", "--year", "24"],
    ["report", "execution", "--year", "2024", "--year", "2023"],
    ["report", "execution", "153002", "2024"],
    ["report", "execution", "153001", "--unit", "153009"],
    ["report", "execution", "--fund", "不存在的资金"],
    ["report", "execution", "--score-rule", "lottery"],
    ["report", "execution", "--format", "xlsx"],
    ["report", "execution", "--encoding", "gbk"],
    ["report", "execution", "--as-of", "2024-02-30"],
    ["report", "execution", "--bogus"],
    ["report", "execution", "-h"],
    ["report", "backlog", "--older-than", "-1"],
    ["report", "month", "153001", "2024-06"],
    ["--actor", "某人", "report", "execution"],
    ["report", "execution", "--", "153001"],
]


def ledger(db: str, args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    words = [a.replace("{db}", db) for a in args]
    return subprocess.run(
        [sys.executable, "-c", PROBE, *words],
        capture_output=True,
        timeout=120,
        env={**os.environ, "LEDGER_DB": db, "LEDGER_TODAY": "2024-07-01", **env},
        cwd=Path(db).parent,
    )


@pytest.fixture
def year_store(tmp_path: Path, run: Run, backend: str) -> str:
    """A SQLite store with the reports' year of acts, a score and a target."""
    if backend != "sqlite":
        pytest.skip("the launcher runs reports on SQLite files only")
    for act in YEAR_ACTS:
        assert run(*act).exit_code == 0, act
    run("score", "set", "P1", "2024", "9.5", "--reason", "认定")
    run("target", "set", "P1", "2024", "预算执行率", ">=", "95")
    return str(tmp_path / "ledger.db")


def sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_the_launcher_knows_the_read_models_at_their_current_versions() -> None:
    assert tuple(position_key(m) for m in quick.MODELS) == launch.MODEL_KEYS


@pytest.mark.parametrize("args", TAKEN, ids=" ".join)
def test_a_plain_report_runs_without_click_and_prints_what_click_prints(year_store: str, args: list[str]) -> None:
    before = sha(year_store)
    fast = ledger(year_store, args)
    assert sha(year_store) == before  # a report writes nothing
    slow = ledger(year_store, args, LEDGER_LAUNCH="click")
    assert fast.stderr.endswith(b"[launch]"), fast.stderr.decode()
    assert slow.stderr.endswith(b"[click]")
    assert fast.returncode == slow.returncode == 0, slow.stderr.decode()
    assert fast.stdout == slow.stdout
    assert fast.stdout.strip()
    assert fast.stderr.removesuffix(b"\n[launch]") == slow.stderr.removesuffix(b"\n[click]")


@pytest.mark.parametrize("args", HANDED_ON, ids=" ".join)
def test_anything_else_is_clicks_and_says_what_click_says(year_store: str, args: list[str]) -> None:
    handed = ledger(year_store, args)
    slow = ledger(year_store, args, LEDGER_LAUNCH="click")
    assert handed.stderr.endswith(b"[click]"), handed.stderr.decode()
    assert (handed.returncode, handed.stdout, handed.stderr) == (slow.returncode, slow.stdout, slow.stderr)


def test_a_store_whose_models_lag_is_caught_up_by_click_first(year_store: str, run: Run) -> None:
    conn = sqlite3.connect(year_store)
    with conn:
        conn.execute("UPDATE rm_positions SET position = position - 1 WHERE name = ?", (launch.MODEL_KEYS[1],))
    conn.close()
    args = ["report", "execution", "153001", "2024", "--format", "json"]
    lagging = ledger(year_store, args)
    assert lagging.returncode == 0 and lagging.stderr.endswith(b"[click]"), lagging.stderr.decode()
    current = ledger(year_store, args)
    assert current.stderr.endswith(b"[launch]")  # the click run caught the models up
    assert current.stdout == lagging.stdout


def test_a_file_that_is_not_a_ledger_is_clicks_to_refuse(tmp_path: Path) -> None:
    sheet = tmp_path / "账.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not a database")
    done = ledger(str(sheet), ["report", "execution"])
    assert done.returncode == 2 and done.stderr.endswith(b"[click]")
    assert "不是 SQLite 数据库".encode() in done.stderr
    assert sheet.read_bytes() == b"PK\x03\x04 not a database"
