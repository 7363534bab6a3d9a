"""Shared fixtures: a fresh SQLite ledger and a CLI runner that reports what was written."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import cli
from ledger.storage import parse_url
from tests.pgserver import Server, find_bindir, running_server

Run = Callable[..., Result]
BACKENDS = ["sqlite", "postgres"]


def invoke(db: Path | str, *args: str) -> Result:
    """Run ``ledger --db DB ARGS…`` in-process, as a clerk would type it."""
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def stored_events(db: Path | str) -> list[tuple[object, ...]]:
    """Every row of the event store, in log order (to prove nothing was written)."""
    store = parse_url(str(db))
    if store.path is not None:
        if not store.path.exists():
            return []
        with sqlite3.connect(store.path) as conn:
            return conn.execute("SELECT rowid, * FROM stored_events ORDER BY rowid").fetchall()
    with store.connect() as conn:
        rows = conn.execute(
            f'SELECT * FROM "{store.schema}".{store.events_table} ORDER BY notification_id'
        ).fetchall()
    return [tuple(r) for r in rows]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """A PostgreSQL server for the whole run, started by the tests themselves."""
    if find_bindir() is None:
        pytest.skip("PostgreSQL 服务器程序（initdb/pg_ctl）未安装：跳过 PostgreSQL 测试")
    with running_server() as server:
        server.createdb("ledger_test")
        yield server


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, initialised ledger: a SQLite file, or a new schema on the test server."""
    if backend == "sqlite":
        url = str(tmp_path / "ledger.db")
    else:
        server: Server = request.getfixturevalue("pg_server")
        url = server.url("ledger_test", schema=f"t_{uuid.uuid4().hex[:16]}")
    result = invoke(url, "init")
    assert result.exit_code == 0, result.output
    return url


@pytest.fixture
def run(db: str) -> Run:
    def _run(*args: str) -> Result:
        return invoke(db, *args)

    return _run


@pytest.fixture
def unit_with_project(db: str, run: Run) -> str:
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
