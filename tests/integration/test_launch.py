"""A plain report runs without click (``projections.launch``), and says exactly what the
click command says: the same bytes on stdout and stderr, the same exit code, for the
command lines the launcher takes and for those it hands on; it writes nothing."""

from __future__ import annotations

import ast
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
    ["report", "month", "153001", "2024-06"],
    ["report", "month", "153001", "2024-12", "--behind", "5", "--held-days", "0", "--format", "json"],
    ["--format", "json", "report", "month", "153001", "２０２４-03", "--as-of", "2024-03-15"],
    ["report", "month", "153001", "2024-06", "--format", "csv", "--encoding", "gbk", "--behind=0.5"],
    ["report", "month", "153001", "2024-06", "--format", "md", "--known-at", "2999-01-01T00:00"],
    ["report", "month", "153001", "2024-06", "--wide", "--held-days=３"],
    ["report", "final-accounts", "153001", "2024"],
    ["report", "final-accounts", "153001", "2024", "--table", "公开01", "--format", "json"],
    ["report", "final-accounts", "153001", "2024", "--table=自评", "--score-rule", "threshold:60", "--format", "md"],
    ["report", "final-accounts", "153001", "2024", "--as-of", "2024-06-30", "--format", "csv", "--wide"],
    ["--format", "json", "report", "final-accounts", "153001", "2025", "--known-at", "2999-01-01"],
    ["report", "balances", "153001", "2024"],
    ["report", "balances", "153001", "2024", "--format", "json", "--as-of", "2024-06-30"],
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
    ["--actor", "某人", "report", "execution"],
    ["report", "execution", "--", "153001"],
    ["report", "month", "153001"],
    ["report", "month", "153001", "2024-06", "2024-07"],
    ["report", "month", "153001", "2024-13"],
    ["report", "month", "153009", "2024-06"],
    ["report", "month", "--unit", "153001", "2024-06"],
    ["report", "month", "153001", "2024-06", "--behind", "-1"],
    ["report", "month", "153001", "2024-06", "--held-days", "3.5"],
    ["report", "month", "153001", "2024-06", "--chart", "图.txt"],
    ["report", "month", "153001", "2024-06", "--format", "xlsx"],
    ["report", "month", "153001", "2024-06", "--behind", "5", "--behind", "6"],
    ["report", "final-accounts", "153001"],
    ["report", "final-accounts", "153001", "24"],
    ["report", "final-accounts", "153009", "2024"],
    ["report", "final-accounts", "153001", "2024", "--table", "公开99"],
    ["report", "final-accounts", "153001", "2024", "--score-rule", "lottery"],
    ["report", "final-accounts", "153001", "2024", "--encoding", "gbk"],
    ["report", "balances", "153001"],
    ["report", "balances", "153009", "2024"],
    ["report", "balances", "153001", "2024", "--help"],
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


def test_balances_whose_identities_fail_are_clicks_to_print_and_refuse(
    year_store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from projections import accounts

    def failing(facts: accounts.Facts, table: dict[str, str]) -> list[tuple[str, bool]]:
        return [("公开01 收支平衡", False)]

    monkeypatch.setenv("LEDGER_DB", year_store)
    assert launch.run(["report", "balances", "153001", "2024"])  # the identities hold: the launcher's
    assert "恒等式校验" in capsys.readouterr().out
    monkeypatch.setattr(accounts, "identities", failing)
    assert not launch.run(["report", "balances", "153001", "2024"])
    assert capsys.readouterr() == ("", "")


def test_a_report_that_cannot_be_shown_prints_nothing_and_is_clicks(
    year_store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from projections import output

    def unencodable(text: str, encoding: str | None) -> bytes:
        raise UnicodeEncodeError("gbk", text, 0, 1, "illegal multibyte sequence")

    monkeypatch.setenv("LEDGER_DB", year_store)
    monkeypatch.setattr(output, "encode_csv", unencodable)
    assert not launch.run(["report", "month", "153001", "2024-06", "--format", "csv", "--encoding", "gbk"])
    assert capsys.readouterr() == ("", "")


#: what a report run without click never loads: the command line, the heavy libraries,
#: and the standard library it has no use for (``typing``, ``dataclasses`` and
#: ``inspect``, the zone database, ``fractions``, the locale-bound ``calendar``, the
#: zipped resource readers; ``json`` and ``csv`` unless it prints them)
LEAN_HEAVY = (
    "click",
    "sqlalchemy",
    "pendulum",
    "eventsourcing",
    "matplotlib",
    "openpyxl",
    "typing",
    "dataclasses",
    "inspect",
    "zoneinfo",
    "fractions",
    "calendar",
    "locale",
    "importlib.resources",
    "zipfile",
    "json",
    "csv",
)

#: prints the modules of LEAN_HEAVY the process loaded, as it exits (itself loading none)
LOADED = (
    "import atexit, runpy, sys\n"
    "heavy = {heavy!r}\n"
    "atexit.register(lambda: sys.stderr.write('\\n' + repr(sorted(m for m in list(sys.modules) "
    "if any(m == h or m.startswith(h + '.') for h in heavy)))))\n"
    "{body}"
)


def loaded(db: str, body: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(heavy=LEAN_HEAVY, body=body)],
        capture_output=True,
        timeout=120,
        env={**os.environ, "LEDGER_DB": db},
        cwd=Path(db).parent,
    )
    assert done.returncode == 0, done.stderr.decode()
    return set(ast.literal_eval(done.stderr.decode().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ["report", "execution", "--unit", "153001", "--year", "2024"],
        ["report", "execution", "--unit", "153001", "--year", "2024", "--as-of", "2024-06-30"],
        ["report", "backlog", "153001", "2024"],
        ["report", "month", "153001", "2024-12"],
        ["report", "final-accounts", "153001", "2024"],
        ["report", "balances", "153001", "2024"],
    ],
    ids=" ".join,
)
def test_a_report_run_without_click_loads_no_more_than_a_bare_interpreter_of_what_it_need_not(
    year_store: str, args: list[str]
) -> None:
    bare = loaded(year_store, "import sqlite3\n")  # whatever the interpreter loads at start
    run = f"sys.argv = ['ledger', *{args!r}]\nrunpy.run_module('ledger', run_name='__main__')\n"
    report = loaded(year_store, run)
    assert report - bare == set()
    assert loaded(year_store, run.replace("'report', ", "'--format', 'json', 'report', ")) - bare == {
        "json",
        "json.decoder",
        "json.encoder",
        "json.scanner",
    }
