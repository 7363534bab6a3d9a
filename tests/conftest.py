"""Shared fixtures: a fresh SQLite ledger and a CLI runner that reports what was written."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import cli

Run = Callable[..., Result]


def invoke(db: Path, *args: str) -> Result:
    """Run ``ledger --db DB ARGS…`` in-process, as a clerk would type it."""
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def stored_events(db: Path) -> list[tuple[object, ...]]:
    """Every row of the event store, in log order (to prove nothing was written)."""
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT rowid, * FROM stored_events ORDER BY rowid").fetchall()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    result = invoke(path, "init")
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def run(db: Path) -> Run:
    def _run(*args: str) -> Result:
        return invoke(db, *args)

    return _run


@pytest.fixture
def unit_with_project(db: Path, run: Run) -> Path:
    """Unit 153001 with project P1 (2150805, 特定目标类) holding 100,000.00 元 of 2024 quota."""
    for args in (
        ("unit", "add", "153001", "福州市鼓楼区工业和信息化局"),
        (
            "project",
            "add",
            "153001",
            "P1",
            "中小企业发展专项",
            "--function",
            "2150805",
            "--category",
            "特定目标类",
            "--level",
            "市级",
        ),
        (
            "appropriation",
            "issue",
            "153001/P1",
            "10万",
            "--date",
            "2024-02-01",
            "--doc",
            "榕财企（指）[2024]1号",
            "--kind",
            "转移支付",
        ),
    ):
        result = run(*args)
        assert result.exit_code == 0, result.output
    return db
