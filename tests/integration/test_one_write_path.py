"""One write path: an act typed on the command line and the same act as an import row
record the same events, or are refused with the same words and exit code.

Random sequences of acts run side by side on two fresh ledgers: on one each act is a
``ledger`` command (a batch of one); on the other each act is a one-row import file.
After every act both ledgers hold the same events (but for the recording time, and
the import log's note of each file).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import commands
from tests.conftest import invoke

UNIT = "153001"
PROJECTS = ["P1", "P2"]
Act = tuple[str, dict[str, str]]

dates = st.sampled_from(["2024-01-05", "2024-03-09", "2024-06-30", "2024-12-31", "2025-02-01"])
amounts = st.sampled_from(["100", "2500.50", "1万", "30000", "0.01"])
projects = st.sampled_from([f"{UNIT}/{p}" for p in PROJECTS] + ["P1", "999/P9"])
payments = st.sampled_from([f"{UNIT}/P1/1", f"{UNIT}/P1/2", f"{UNIT}/P2/1", f"{UNIT}/P1/9"])
reasons = st.sampled_from(["录错", "待财政统筹拨付"])


def _act(op: str, **fields: Any) -> st.SearchStrategy[Act]:
    return st.fixed_dictionaries(fields).map(lambda f: (op, f))


ACTS = st.one_of(
    _act("unit.add", unit=st.just(UNIT), name=st.sampled_from(["工信局", "另一个名字"])),
    _act(
        "project.add",
        unit=st.just(UNIT),
        code=st.sampled_from(PROJECTS),
        name=st.sampled_from(["企业扶持", "别的名称"]),
        function=st.sampled_from(["2150805", "2080505", "9999999"]),
        category=st.just("特定目标类"),
    ),
    _act(
        "appropriation.issue",
        project=projects,
        amount=amounts,
        date=dates,
        doc=st.sampled_from(["榕财企（指）[2024]17号", "追加"]),
        kind=st.sampled_from(["年初", "追加"]),
    ),
    _act(
        "appropriation.reduce",
        project=projects,
        amount=amounts,
        date=dates,
        doc=st.just("调减"),
        reason=reasons,
    ),
    _act(
        "allocation.add",
        project=projects,
        amount=amounts,
        payee=st.sampled_from(["甲公司", "乙"]),
        date=dates,
    ),
    _act(
        "allocation.reduce",
        project=projects,
        amount=amounts,
        payee=st.sampled_from(["甲公司", "乙"]),
        date=dates,
        reason=reasons,
    ),
    _act(
        "payment.request",
        project=projects,
        amount=amounts,
        payee=st.sampled_from(["甲公司", "乙"]),
        economic=st.sampled_from(["31204", "30201", "39999"]),
        date=dates,
        settled_on=st.sampled_from(["", "2024-07-01"]),
    ),
    _act("payment.hold", payment=payments, date=dates, reason=reasons),
    _act("payment.settle", payment=payments, date=dates),
    _act("payment.cancel", payment=payments, date=dates, reason=reasons),
    _act("payment.refund", payment=payments, amount=amounts, date=dates, reason=reasons),
    _act("payment.reverse", payment=payments, date=dates, reason=reasons),
    _act(
        "score.set",
        project=projects,
        year=st.just("2024"),
        score=st.sampled_from(["9.5", "10", "0999", "11"]),
        reason=reasons,
    ),
    _act(
        "target.set",
        project=projects,
        year=st.just("2024"),
        indicator=st.just("预算执行率"),
        operator=st.sampled_from([">=", "="]),
        value=st.sampled_from(["95", "95.0"]),
    ),
    _act(
        "income.add",
        unit=st.just(UNIT),
        amount=amounts,
        source=st.just("其他收入"),
        function=st.sampled_from(["2150805", "9999999"]),
        date=dates,
    ),
    _act("year.close", unit=st.just(UNIT), year=st.sampled_from(["2024", "2023"])),
    _act("project.close", project=projects, reason=reasons),
)

#: (op) → the command line that types the act, from the row's fields
_POSITIONAL: dict[str, list[str]] = {
    "unit.add": ["unit", "name"],
    "project.add": ["unit", "code", "name"],
    "appropriation.issue": ["project", "amount"],
    "appropriation.reduce": ["project", "amount"],
    "allocation.add": ["project", "amount"],
    "allocation.reduce": ["project", "amount"],
    "payment.request": ["project", "amount"],
    "payment.hold": ["payment"],
    "payment.settle": ["payment"],
    "payment.cancel": ["payment"],
    "payment.refund": ["payment", "amount"],
    "payment.reverse": ["payment"],
    "score.set": ["project", "year", "score"],
    "target.set": ["project", "year", "indicator", "operator", "value"],
    "income.add": ["unit", "amount"],
    "year.close": ["unit", "year"],
    "project.close": ["project"],
}


def typed(op: str, fields: dict[str, str]) -> list[str]:
    group, verb = op.split(".")
    args = [group, verb, *(fields[name] for name in _POSITIONAL[op])]
    for name, value in fields.items():
        if name not in _POSITIONAL[op] and value:
            args += [f"--{name.replace('_', '-')}", value]
    return [*args, "--yes"] if op == "year.close" else args


def events(db: Path) -> list[tuple[str, int, str, dict[str, Any]]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()
    found = []
    for oid, version, topic, state in rows:
        if topic.startswith("ledger.domain.imports:"):  # the import log notes the file, the act is the same
            continue
        body = json.loads(state)
        body.pop("timestamp", None)
        found.append((str(oid), version, topic, body))
    return found


def refusal(output: str) -> str:
    """The rule's words, however the path framed them (an import numbers its rows)."""
    text = output.strip().splitlines()[-1].strip()
    for frame in ("第 1 行：", "错误："):
        text = text.split(frame)[-1]
    return text.strip().rstrip("。")


def fresh(path: Path) -> Path:
    assert invoke(path, "init").exit_code == 0
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(acts=st.lists(ACTS, min_size=3, max_size=14))
def test_the_command_line_and_an_import_record_the_same_events_or_the_same_refusal(
    tmp_path_factory: Any, acts: list[Act]
) -> None:
    base = tmp_path_factory.mktemp("paths")
    typed_db, imported_db = fresh(base / "typed.db"), fresh(base / "imported.db")
    # every example starts from a unit and a line holding quota, so the acts can do something
    acts = [
        ("unit.add", {"unit": UNIT, "name": "工信局"}),
        (
            "project.add",
            {"unit": UNIT, "code": "P1", "name": "企业扶持", "function": "2150805", "category": "特定目标类"},
        ),
        (
            "appropriation.issue",
            {"project": f"{UNIT}/P1", "amount": "5万", "date": "2024-01-05", "doc": "年初", "kind": "年初"},
        ),
        (
            "project.add",
            {"unit": UNIT, "code": "P2", "name": "专项", "function": "2080505", "category": "特定目标类"},
        ),
        (
            "appropriation.issue",
            {"project": f"{UNIT}/P2", "amount": "1万", "date": "2024-02-01", "doc": "追加"},
        ),
        *acts,
    ]
    for n, (op, fields) in enumerate(acts):
        cli = invoke(typed_db, "--actor", "张三", *typed(op, fields))
        row = base / f"row{n}.jsonl"
        row.write_text(json.dumps({"op": op, **fields}, ensure_ascii=False) + "\n", encoding="utf-8")
        imp = invoke(imported_db, "--actor", "张三", "import", str(row), "--again")  # the same row again is a second act
        assert cli.exit_code == imp.exit_code, (op, fields, cli.output, imp.output)
        if cli.exit_code:
            assert refusal(cli.output) == refusal(imp.output), (op, fields)
        assert events(typed_db) == events(imported_db), (op, fields, cli.output, imp.output)


def test_every_act_an_import_names_is_a_command_with_its_columns() -> None:
    """The import's acts are the commands: each op's columns are its command's fields."""
    assert set(_POSITIONAL) <= set(commands.COMMANDS)
    issue = commands.columns(commands.IssueQuota)
    assert {c for c, (_, _, required) in issue.items() if required} == {"project", "amount", "date", "doc"}
    hold = commands.columns(commands.HoldPayment)
    assert hold["key"][0] == "request_key"  # a row names the payment by the key it was requested with
