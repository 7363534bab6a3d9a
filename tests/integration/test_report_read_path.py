"""A report on current SQLite read models reads them on ``sqlite3`` alone: the same
figures as through SQLAlchemy, and a process that loads neither SQLAlchemy nor pendulum
nor the event library's application and stores — the execution, backlog, month,
final-accounts, balances and reconcile reports alike."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.storage import parse_url
from projections import accounts, runner
from projections.query import Cutoff, Reader, open_payments, project_years, unit_name
from projections.reports.execution import default_year, overrides, rate_targets
from projections.reports.month import curve_for, paid_between
from tests.conftest import Run
from tests.integration.test_reports import YEAR_ACTS

HEAVY = ("sqlalchemy", "pendulum", "eventsourcing.application", "eventsourcing.persistence", "importlib.metadata")

CUTS = [
    Cutoff(),
    Cutoff(as_of=dt.date(2024, 6, 30)),
    Cutoff(known_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)),
    Cutoff(as_of=dt.date(2024, 6, 14), known_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC)),
]


@pytest.fixture
def sqlite_year(tmp_path: Path, run: Run, backend: str) -> str:
    if backend != "sqlite":
        pytest.skip("SQLite's own connection is the SQLite read path")
    for act in YEAR_ACTS:
        result = run(*act)
        assert result.exit_code == 0, (act, result.output)
    run("score", "set", "P1", "2024", "9.5", "--reason", "认定")
    run("target", "set", "P1", "2024", "预算执行率", ">=", "95")
    run("unit", "curve", "153001", "2024", *["5", "10", "20", "30", "40", "50", "58", "66", "75", "83", "92", "100"])
    return str(tmp_path / "ledger.db")


@pytest.mark.parametrize("cut", CUTS)
def test_the_report_queries_give_the_same_rows_on_sqlite3_as_through_sqlalchemy(sqlite_year: str, cut: Cutoff) -> None:
    store = parse_url(sqlite_year)
    assert store.path is not None
    engine, _ = runner.engines(store)
    plain = sqlite3.connect(store.path)
    try:
        with engine.connect() as conn:
            for unit in ("153001", None):
                both = [Reader(plain), Reader(conn)]
                results = [
                    (
                        project_years(db, unit=unit, year=2024, cutoff=cut),
                        project_years(db, unit=unit, year=2024, cutoff=cut, function_prefix="21508"),
                        open_payments(db, unit=unit, year=None, cutoff=cut),
                        default_year(db, unit, cut),
                        overrides(db, 2024, cut),
                        rate_targets(db, 2024, cut),
                        unit_name(db, "153001"),
                        [accounts.gather(db, "153001", year, cut) for year in (2023, 2024, 2025)],
                        [accounts.prior_year_has_activity(db, "153001", year, cut) for year in (2024, 2025)],
                        curve_for(db, "153001", 2024, cut),
                        paid_between(db, "153001", 2024, dt.date(2024, 3, 1), dt.date(2024, 12, 31), cut),
                    )
                    for db in both
                ]
                assert results[0] == results[1]
                assert results[0][0] or (cut.known_at is not None and cut.known_at.year == 2000)
    finally:
        plain.close()
        runner.dispose(store)


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["report", "execution", "153001", "2024"], "projects"),
        (["report", "backlog", "153001", "2024"], "payments"),
        (["report", "month", "153001", "2024-12"], "projects"),
        (["report", "final-accounts", "153001", "2024"], "cells"),
        (["report", "balances", "153001", "2024"], "funds"),
        (["reconcile", "153001", "2024", "--published", "{published}"], "rows"),
    ],
    ids=["execution", "backlog", "month", "final-accounts", "balances", "reconcile"],
)
def test_a_report_process_on_current_models_loads_no_heavy_library(
    sqlite_year: str, tmp_path: Path, args: list[str], key: str
) -> None:
    published = tmp_path / "published.json"
    published.write_text(json.dumps({"unit": "153001", "year": 2024, "cells": {"公开01/结余分配": "0.00"}}))
    argv = ["--db", sqlite_year, "--format", "json", *(a.format(published=published) for a in args)]
    probe = (
        "import json, sys\n"
        "from ledger.cli import cli\n"
        "try:\n"
        f"    cli.main({argv!r})\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        f"heavy = sorted(m for m in sys.modules if m.startswith({HEAVY!r}))\n"
        "print(json.dumps(heavy), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env={**os.environ}
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[key]  # the report itself
    assert json.loads(done.stderr.splitlines()[-1]) == []
