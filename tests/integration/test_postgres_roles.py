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
    with pytest.raises(psycopg.Error, match="记录人必须是登录角色"):
        raw_insert(server, schema, f"clerk_{suffix}", json.dumps(forged_payment("局长", amount=100)).encode())
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


def forged_payment(clerk: str, amount: int = 10_000_000_000, **changes: object) -> dict[str, object]:
    state: dict[str, object] = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2024-03-01T00:00:00+00:00"},
        "on": {"_type_": "date_iso", "_data_": "2024-03-01"},
        "actor": clerk,
        "key": "",
        "number": 1,
        "amount": amount,
        "payee": "甲",
        "economic": "31299",
    }
    state.update(changes)
    return {k: v for k, v in state.items() if v is not None}


def raw_insert(
    server: Server, schema: str, role: str, state: bytes, *, lock: bool = True, topic: str = ""
) -> None:
    """A clerk's INSERT typed into psql, past the program (and its rules)."""
    table = f'"{schema}".ledger_events'
    with connect(server, role) as conn, conn.transaction():
        if lock:
            conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE".encode())
        oid, version = conn.execute(
            f"SELECT originator_id, max(originator_version) FROM {table} "
            "WHERE originator_id = (SELECT originator_id FROM "
            f"{table} WHERE topic LIKE '%%Project.Registered') GROUP BY originator_id".encode()
        ).fetchone() or (None, 0)
        conn.execute(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)".encode(),
            (oid, int(str(version)) + 1, topic or "ledger.domain.project:Project.PaymentRequested", state),
        )


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("not json", "不是有效的 JSON"),
        ("no actor", "字段不符"),
        ("another actor", "记录人必须是登录角色"),
        ("extra field", "字段不符"),
        ("missing field", "字段不符"),
        ("unknown topic", "不是本程序记录的事件"),
        ("no lock", "锁定事件表"),
    ],
)
def test_a_clerks_raw_insert_of_a_malformed_or_unlocked_event_is_refused(
    shared: tuple[Server, str, str], how: str, says: str
) -> None:
    server, schema, suffix = shared
    clerk = f"clerk_{suffix}"
    owner = server.url("ledger_test", schema=schema)
    before = stored_events(owner)
    state = forged_payment(clerk, amount=100)
    if how == "no actor":
        state.pop("actor")
    elif how == "another actor":
        state["actor"] = "someone_else"
    elif how == "extra field":
        state["bonus"] = 1
    elif how == "missing field":
        state.pop("payee")
    raw = b"{not json" if how == "not json" else json.dumps(state).encode()
    with pytest.raises(psycopg.Error) as caught:
        raw_insert(
            server,
            schema,
            clerk,
            raw,
            lock=how != "no lock",
            topic="ledger.domain.project:Project.Bonus" if how == "unknown topic" else "",
        )
    assert says in str(caught.value)
    assert stored_events(owner) == before
    assert (
        invoke(
            server.url("ledger_test", user=f"reporter_{suffix}", schema=schema), "report", "backlog"
        ).exit_code
        == 0
    )


def test_a_clerks_well_formed_raw_insert_past_the_rules_is_sealed_and_named_by_the_owners_verify(
    shared: tuple[Server, str, str],
) -> None:
    server, schema, suffix = shared
    clerk = f"clerk_{suffix}"
    owner = server.url("ledger_test", schema=schema)
    raw_insert(server, schema, clerk, json.dumps(forged_payment(clerk)).encode())
    position = len(stored_events(owner))
    with connect(server, clerk) as conn:
        sealed = conn.execute(f'SELECT max(position) FROM "{schema}".ledger_chain'.encode()).fetchone()
    assert sealed == (position,)  # sealed by the owner's trigger, in the clerk's transaction
    result = invoke(owner, "--format", "json", "verify")
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    rule = [f for f in findings if f["kind"] == "规则"]
    assert rule and rule[0]["position"] == position and "指标" in rule[0]["message"]
    assert not [f for f in findings if f["kind"] in ("插入", "修改", "删除", "顺序")]


@pytest.mark.parametrize("kind", ["clerk", "reporter"])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {s}.ledger_chain SET hash = hash",
        "DELETE FROM {s}.ledger_chain",
        "INSERT INTO {s}.ledger_chain VALUES (999, 'x', 1, 'x')",
        "DELETE FROM {s}.ledger_event_kinds",
    ],
)
def test_no_role_but_the_owner_can_write_the_chain_or_the_event_kinds(
    shared: tuple[Server, str, str], kind: str, statement: str
) -> None:
    server, schema, suffix = shared
    with connect(server, f"{kind}_{suffix}") as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute(statement.format(s=f'"{schema}"').encode())
    assert "permission denied" in str(caught.value)
    assert invoke(server.url("ledger_test", schema=schema), "verify").exit_code == 0


def test_a_lock_held_by_one_clerk_stops_another_for_the_lock_timeout_only(
    shared: tuple[Server, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, schema, suffix = shared
    clerk = server.url("ledger_test", user=f"clerk_{suffix}", schema=schema)
    before = stored_events(clerk)
    monkeypatch.setenv("LEDGER_LOCK_TIMEOUT", "1")
    with connect(server, f"clerk_{suffix}") as holder, holder.transaction():
        holder.execute(f'LOCK TABLE "{schema}".ledger_events IN EXCLUSIVE MODE'.encode())
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
    assert result.exit_code == 1, result.output
    assert "被其他会话锁定" in result.output and "没有记录任何内容" in result.output
    assert stored_events(clerk) == before


@pytest.mark.parametrize("kind", ["clerk", "reporter"])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {s}.rm_movements SET paid = paid + 1",
        "DELETE FROM {s}.rm_projects",
        "INSERT INTO {s}.rm_units (unit, name, kind) VALUES ('x', 'x', 'x')",
        "UPDATE {s}.rm_positions SET position = 0",
    ],
)
def test_no_role_but_the_owner_can_write_the_read_models(
    shared: tuple[Server, str, str], kind: str, statement: str
) -> None:
    server, schema, suffix = shared
    with connect(server, f"{kind}_{suffix}") as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute(statement.format(s=f'"{schema}"').encode())
    assert "permission denied" in str(caught.value)
    assert invoke(server.url("ledger_test", schema=schema), "verify").exit_code == 0


def test_a_clerks_write_leaves_the_read_models_current_through_the_owners_catch_up(
    shared: tuple[Server, str, str],
) -> None:
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
    assert result.exit_code == 0 and "读模型暂未更新" not in result.output
    reporter = server.url("ledger_test", user=f"reporter_{suffix}", schema=schema)
    status = json.loads(invoke(reporter, "--format", "json", "projections", "status").output)
    assert status and all(s["behind"] == 0 for s in status)
    backlog = invoke(reporter, "--format", "json", "report", "backlog").output
    assert "甲" in backlog
    assert invoke(server.url("ledger_test", schema=schema), "verify").exit_code == 0
