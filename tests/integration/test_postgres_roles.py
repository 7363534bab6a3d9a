"""Least privilege on a shared PostgreSQL ledger: clerks append, reporters read, events stay put."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import invoke, stored_events
from tests.pgserver import Server


@pytest.fixture
def shared(pg_server: Server) -> Iterator[tuple[Server, str, str]]:
    """A ledger on the server with a clerk role and a reporter role granted."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    owner = pg_server.url("ledger_test", schema=schema)
    suffix = uuid.uuid4().hex[:8]
    for args in (
        ("init",),
        ("unit", "add", "153001", "局"),
        ("project", "add", "153001", "P1", "项目", "--function", "2150805", "--category", "特定目标类"),
        ("appropriation", "issue", "P1", "10万", "--date", "2024-02-01", "--doc", "文"),
        ("db", "grant", f"clerk_{suffix}", "--as", "clerk"),
        ("db", "grant", f"reporter_{suffix}", "--as", "reporter"),
    ):
        result = invoke(owner, *args)
        assert result.exit_code == 0, result.output
    yield pg_server, schema, suffix


def connect(server: Server, role: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=server.host, port=server.port, user=role, dbname="ledger_test", autocommit=True
    )


@pytest.mark.parametrize("kind", ["clerk", "reporter"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET topic = topic", "DELETE FROM {t}", "TRUNCATE {t}"])
def test_no_role_but_the_owner_can_update_or_delete_recorded_events(
    shared: tuple[Server, str, str], kind: str, statement: str
) -> None:
    server, schema, suffix = shared
    table = f'"{schema}".ledger_events'
    before = stored_events(server.url("ledger_test", schema=schema))
    with connect(server, f"{kind}_{suffix}") as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute(statement.format(t=table).encode())
    assert "permission denied" in str(caught.value) or "不可修改或删除" in str(caught.value)
    assert stored_events(server.url("ledger_test", schema=schema)) == before


def test_a_clerk_appends_and_is_recorded_as_its_own_role(shared: tuple[Server, str, str]) -> None:
    server, schema, suffix = shared
    clerk = server.url("ledger_test", user=f"clerk_{suffix}", schema=schema)
    result = invoke(
        clerk,
        "payment",
        "request",
        "P1",
        "100",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
    )
    assert result.exit_code == 0, result.output
    history = json.loads(invoke(clerk, "--format", "json", "history", "P1/1").output)["events"]
    assert history[0]["actor"] == f"clerk_{suffix}"


def test_the_actor_cannot_be_claimed_on_postgresql(shared: tuple[Server, str, str]) -> None:
    server, schema, suffix = shared
    clerk = server.url("ledger_test", user=f"clerk_{suffix}", schema=schema)
    before = stored_events(clerk)
    result = invoke(
        clerk,
        "--actor",
        "局长",
        "payment",
        "request",
        "P1",
        "100",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
    )
    assert result.exit_code == 2 and "登录数据库的角色" in result.output
    with (
        connect(server, f"clerk_{suffix}") as conn,
        pytest.raises(psycopg.Error, match="记录人必须是登录角色"),
    ):
        conn.execute(
            f'INSERT INTO "{schema}".ledger_events (originator_id, originator_version, topic, state) '
            "VALUES (gen_random_uuid(), 1, 'x', convert_to('{\"actor\": \"局长\"}', 'UTF8'))".encode()
        )
    assert stored_events(clerk) == before


def test_a_reporter_reads_but_cannot_record(shared: tuple[Server, str, str]) -> None:
    server, schema, suffix = shared
    reporter = server.url("ledger_test", user=f"reporter_{suffix}", schema=schema)
    before = stored_events(reporter)
    result = invoke(
        reporter,
        "payment",
        "request",
        "P1",
        "100",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
    )
    assert result.exit_code == 1 and "没有记录权限" in result.output
    assert stored_events(reporter) == before
    assert invoke(reporter, "history", "P1").exit_code == 0
    assert invoke(reporter, "projections", "status").exit_code == 0
