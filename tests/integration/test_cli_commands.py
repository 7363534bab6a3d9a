"""Every clerk command through the CLI, and every refusal leaving the event log unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from ledger.application import Ledger, code_index_id
from ledger.cli import COMMANDS, cli
from ledger.storage import parse_url
from tests.conftest import Run, invoke, stored_events


def ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(db: str, run: Run, *args: str, code: int = 1, says: str = "") -> str:
    """Run a command that must be refused: the exit code, the message, and nothing written."""
    before = stored_events(db)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert result.output.startswith("错误："), result.output
    assert says in result.output, result.output
    assert "Traceback" not in result.output
    assert stored_events(db) == before
    return result.output


def test_init_creates_the_store_and_is_safe_to_repeat(db: str) -> None:
    result = invoke(db, "init")
    assert result.exit_code == 0 and "已检查并升级" in result.output


def test_a_command_on_a_missing_store_says_to_run_init_and_creates_no_file(tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    result = invoke(db, "unit", "add", "153001", "局")
    assert result.exit_code == 1 and "ledger init" in result.output
    assert not db.exists()


def test_a_clerk_records_a_month_of_money(unit_with_project: str, run: Run) -> None:
    ok(
        run,
        "allocation",
        "add",
        "P1",
        "6万",
        "--payee",
        "福州某某科技有限公司",
        "--date",
        "2024-02-10",
    )
    assert (
        ok(
            run,
            "payment",
            "request",
            "P1",
            "30,000.00",
            "--payee",
            "福州某某科技有限公司",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ).strip()
        == "153001/P1/1"
    )
    ok(
        run,
        "payment",
        "hold",
        "153001/P1/1",
        "--date",
        "2024-03-05",
        "--reason",
        "待区财政统筹拨付",
    )
    ok(run, "payment", "settle", "153001/P1/1", "--date", "2024-03-20", "--voucher", "PZ-001")
    ok(
        run,
        "payment",
        "refund",
        "153001/P1/1",
        "500",
        "--date",
        "2024-03-25",
        "--reason",
        "多付退回",
    )
    assert (
        ok(
            run,
            "payment",
            "request",
            "P1",
            "1000",
            "--payee",
            "乙",
            "--economic",
            "31299",
            "--date",
            "2024-03-02",
            "--settled-on",
            "2024-03-03",
        ).strip()
        == "153001/P1/2"
    )
    ok(
        run,
        "payment",
        "request",
        "P1",
        "1000",
        "--payee",
        "丙",
        "--economic",
        "31299",
        "--date",
        "2024-03-02",
    )
    ok(run, "payment", "cancel", "P1/3", "--date", "2024-03-04", "--reason", "重复申请")
    ok(
        run,
        "appropriation",
        "reduce",
        "P1",
        "1万",
        "--date",
        "2024-06-01",
        "--doc",
        "榕财企（指）[2024]9号",
        "--reason",
        "调减",
    )
    history = json.loads(ok(run, "--format", "json", "history", "153001/P1/1"))
    assert [e["act"] for e in history["events"]] == ["申请支付", "暂缓（待统筹）", "拨付", "退款"]
    assert history["events"][1]["reason"] == "待区财政统筹拨付"
    assert history["events"][2]["doc"] == "PZ-001"
    assert {e["actor"] for e in history["events"]} and all(e["recorded_at"] for e in history["events"])
    text = ok(run, "history", "P1")
    joined = "".join(text.split())  # the 说明 column wraps to the terminal's width
    assert "下达指标" in text and "榕财企（指）[2024]1号" in joined and "100,000.00" in text and "金额（元）" in text


def test_every_command_speaks_json_when_asked(unit_with_project: str, run: Run) -> None:
    out = json.loads(
        ok(
            run,
            "--format",
            "json",
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
    )
    assert out["payment"] == "153001/P1/1" and out["amount_fen"] == 10000 and out["created"] is True
    out = json.loads(ok(run, "--format", "json", "unit", "add", "153002", "另一单位", "--kind", "事业单位"))
    assert out["kind"] == "事业单位"
    codes = json.loads(ok(run, "--format", "json", "codes", "list", "--prefix", "21508"))
    assert {"code": "2150805", "name": "中小企业发展专项", "local": False} in codes


def test_a_request_key_makes_the_request_idempotent(unit_with_project: str, run: Run, db: str) -> None:
    args = (
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
        "--key",
        "ZF-2024-0001",
    )
    first = ok(run, *args)
    before = stored_events(db)
    again = ok(run, *args)
    assert first.strip() == "153001/P1/1" and again.startswith("153001/P1/1")
    assert stored_events(db) == before


def test_unit_opening_balance_and_income_are_recorded(db: str, run: Run) -> None:
    ok(run, "unit", "add", "153001", "局", "--kind", "事业单位")
    ok(run, "unit", "opening-balance", "153001", "2024", "49.14万", "--fund", "非财政拨款")
    ok(
        run,
        "income",
        "add",
        "153001",
        "6.2万",
        "--source",
        "其他收入",
        "--function",
        "2150501",
        "--date",
        "2024-05-01",
    )


def test_year_close_carries_unpaid_quota_and_withdraws_what_is_listed(db: str, run: Run) -> None:
    ok(run, "unit", "add", "153001", "局")
    for code in ("A", "B"):
        ok(
            run,
            "project",
            "add",
            "153001",
            code,
            f"项目{code}",
            "--function",
            "2150805",
            "--category",
            "特定目标类",
        )
        ok(
            run,
            "appropriation",
            "issue",
            f"153001/{code}",
            "100",
            "--date",
            "2024-01-05",
            "--doc",
            "文",
            "--kind",
            "年初",
        )
    out = json.loads(ok(run, "--format", "json", "year", "close", "153001", "2024", "--withdraw", "B"))
    assert out["carried_fen"] == 10000 and out["withdrawn_fen"] == 10000
    refused(
        db,
        run,
        "payment",
        "request",
        "153001/A",
        "1",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2024-12-31",
        says="2024 年度已结账",
    )
    ok(
        run,
        "payment",
        "request",
        "153001/A",
        "100",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2025-01-10",
    )
    refused(
        db,
        run,
        "payment",
        "request",
        "153001/B",
        "1",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2025-01-10",
        says="尚可申请 0.00 元",
    )
    refused(db, run, "year", "close", "153001", "2024", says="已经结账")
    refused(
        db,
        run,
        "income",
        "add",
        "153001",
        "1",
        "--source",
        "其他收入",
        "--function",
        "2150501",
        "--date",
        "2024-06-01",
        says="已结账",
    )


MALFORMED = [
    (
        (
            "payment",
            "request",
            "P1",
            "1.234",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "小数位过多",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "-1",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "负数",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "1e9",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "无法识别",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "NaN",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "无法识别",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "0",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "大于零",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "1",
            "--payee",
            "甲",
            "--economic",
            "3129",
            "--date",
            "2024-03-01",
        ),
        "格式不对",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "1",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-02-30",
        ),
        "不存在",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "1",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024/03/01",
        ),
        "YYYY-MM-DD",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "1",
            "--payee",
            "",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "不能为空",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "1",
            "--payee",
            "甲\n乙",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "控制字符",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "1",
            "--payee",
            "x" * 10_000,
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "过长",
    ),
    (("payment", "request", "P1", "1", "--economic", "31299", "--date", "2024-03-01"), "缺少"),
    (("payment", "settle", "P1/x", "--date", "2024-03-01"), "支付编号"),
    (
        (
            "project",
            "add",
            "153001",
            "P 2",
            "名",
            "--function",
            "2150805",
            "--category",
            "特定目标类",
        ),
        "项目编码",
    ),
    (
        (
            "project",
            "add",
            "153001",
            "P2",
            "名",
            "--function",
            "21508051",
            "--category",
            "特定目标类",
        ),
        "格式不对",
    ),
    (
        ("project", "add", "153001", "P2", "名", "--function", "2150805", "--category", "特定"),
        "不是可选值",
    ),
    (
        (
            "appropriation",
            "issue",
            "P1",
            "1",
            "--date",
            "2024-03-01",
            "--doc",
            "文",
            "--kind",
            "其他",
        ),
        "不是可选值",
    ),
    (("unit", "add", "15 3001", "名"), "单位编码"),
    (("year", "close", "153001", "24"), "四位年份"),
]


@pytest.mark.parametrize(("args", "says"), MALFORMED, ids=[s for _, s in MALFORMED])
def test_malformed_input_exits_2_with_a_chinese_message_and_writes_nothing(
    unit_with_project: str, run: Run, args: tuple[str, ...], says: str
) -> None:
    refused(unit_with_project, run, *args, code=2, says=says)


def test_payee_names_with_quotes_and_sql_are_kept_verbatim(unit_with_project: str, run: Run) -> None:
    payee = 'O\'Brien "公司"; DROP TABLE stored_events;--'
    ok(
        run,
        "payment",
        "request",
        "P1",
        "1",
        "--payee",
        payee,
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
    )
    history = json.loads(ok(run, "--format", "json", "history", "P1/1"))
    assert history["events"][0]["payee"] == payee


REFUSED = [
    (
        (
            "payment",
            "request",
            "P1",
            "100,000.01",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "超过可用指标",
    ),
    (
        (
            "payment",
            "request",
            "P1",
            "1",
            "--payee",
            "甲",
            "--economic",
            "31298",
            "--date",
            "2024-03-01",
        ),
        "未知的支出经济分类科目",
    ),
    (
        (
            "project",
            "add",
            "153001",
            "P2",
            "名",
            "--function",
            "2150898",
            "--category",
            "特定目标类",
        ),
        "相近的科目：2150899 其他支持中小企业发展和管理支出",
    ),
    (
        (
            "payment",
            "request",
            "153001/NOPE",
            "1",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "不存在",
    ),
    (
        (
            "payment",
            "request",
            "NOPE",
            "1",
            "--payee",
            "甲",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        "不存在",
    ),
    (("payment", "settle", "P1/7", "--date", "2024-03-01"), "没有编号为 7 的支付"),
    (
        (
            "project",
            "add",
            "999999",
            "P2",
            "名",
            "--function",
            "2150805",
            "--category",
            "特定目标类",
        ),
        "单位 999999 不存在",
    ),
    (
        (
            "project",
            "add",
            "153001",
            "P1",
            "另一个名字",
            "--function",
            "2150805",
            "--category",
            "特定目标类",
        ),
        "已登记",
    ),
    (("unit", "add", "153001", "另一个名字"), "已登记"),
    (
        ("allocation", "add", "P1", "100,000.01", "--payee", "甲", "--date", "2024-03-01"),
        "分配不得超过指标",
    ),
    (
        (
            "appropriation",
            "reduce",
            "P1",
            "100,000.01",
            "--date",
            "2024-03-01",
            "--doc",
            "文",
            "--reason",
            "r",
        ),
        "调减不得使指标低于",
    ),
    (
        ("payment", "refund", "P1/1", "1", "--date", "2024-03-01", "--reason", "r"),
        "没有编号为 1 的支付",
    ),
    (("year", "close", "999999", "2024"), "不存在"),
]


@pytest.mark.parametrize(("args", "says"), REFUSED, ids=[s for _, s in REFUSED])
def test_rule_refusals_exit_1_with_a_chinese_message_and_write_nothing(
    unit_with_project: str, run: Run, args: tuple[str, ...], says: str
) -> None:
    refused(unit_with_project, run, *args, code=1, says=says)


def test_double_settlement_refund_above_settled_and_reduction_below_paid_are_refused(
    unit_with_project: str, run: Run
) -> None:
    db = unit_with_project
    ok(
        run,
        "payment",
        "request",
        "P1",
        "60000",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
        "--settled-on",
        "2024-03-02",
    )
    refused(db, run, "payment", "settle", "P1/1", "--date", "2024-03-03", says="不能拨付")
    refused(
        db,
        run,
        "payment",
        "refund",
        "P1/1",
        "60000.01",
        "--date",
        "2024-03-03",
        "--reason",
        "r",
        says="退款不得超过已拨付金额",
    )
    refused(
        db,
        run,
        "appropriation",
        "reduce",
        "P1",
        "40000.01",
        "--date",
        "2024-03-03",
        "--doc",
        "文",
        "--reason",
        "r",
        says="最多可调减 40,000.00 元",
    )
    ok(
        run,
        "payment",
        "request",
        "P1",
        "1000",
        "--payee",
        "乙",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
        "--key",
        "K",
    )
    refused(
        db,
        run,
        "payment",
        "request",
        "P1",
        "2000",
        "--payee",
        "乙",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
        "--key",
        "K",
        says="幂等键",
    )
    refused(
        db,
        run,
        "payment",
        "request",
        "P1",
        "1",
        "--payee",
        "乙",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
        "--voucher",
        "V",
        code=2,
        says="--settled-on",
    )


def test_a_bare_project_code_used_by_two_units_must_be_qualified(unit_with_project: str, run: Run) -> None:
    ok(run, "unit", "add", "153002", "另一单位")
    ok(
        run,
        "project",
        "add",
        "153002",
        "P1",
        "同号项目",
        "--function",
        "2150805",
        "--category",
        "特定目标类",
    )
    refused(
        unit_with_project,
        run,
        "appropriation",
        "issue",
        "P1",
        "1",
        "--date",
        "2024-03-01",
        "--doc",
        "文",
        code=2,
        says="153001/P1",
    )
    ok(run, "appropriation", "issue", "153002/P1", "1", "--date", "2024-03-01", "--doc", "文")


def test_a_performance_target_is_recorded_and_judged(unit_with_project: str, run: Run) -> None:
    ok(run, "target", "set", "P1", "2024", "预算执行率", ">=", "95", "--unit", "%")
    ok(
        run,
        "payment",
        "request",
        "P1",
        "96000",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
        "--settled-on",
        "2024-03-02",
    )
    out = json.loads(
        run("--format", "json", "report", "execution", "--unit", "153001", "--year", "2024").stdout
    )
    assert out["projects"][0]["target"] == ">= 95" and out["projects"][0]["judgement"] == "达标"
    history = json.loads(run("--format", "json", "history", "P1").stdout)["events"]
    assert "设定绩效目标" in [e["act"] for e in history]


def test_year_close_withdraws_several_projects_listed_after_one_flag(db: str, run: Run) -> None:
    ok(run, "unit", "add", "153001", "局")
    for code in ("A", "B", "C"):
        ok(run, "project", "add", "153001", code, code, "--function", "2150805", "--category", "特定目标类")
        ok(run, "appropriation", "issue", f"153001/{code}", "100", "--date", "2024-01-05", "--doc", "文")
    refused(db, run, "year", "close", "153001", "2024", "C", code=2, says="--withdraw")
    out = json.loads(ok(run, "--format", "json", "year", "close", "153001", "2024", "--withdraw", "A", "B"))
    assert {p["project"]: p["withdrawn_fen"] for p in out["projects"]} == {"A": 10000, "B": 10000, "C": 0}


def test_a_recorded_act_is_not_reported_as_lost_when_the_read_models_lag(
    unit_with_project: str, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections import commands

    def broken(_ledger: object) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(commands, "catch_up", broken)
    before = len(stored_events(unit_with_project))
    result = run(
        "payment", "request", "P1", "100", "--payee", "甲", "--economic", "31299", "--date", "2024-03-01"
    )
    assert result.exit_code == 0 and "已记录成功" in result.output
    assert len(stored_events(unit_with_project)) == before + 1
    monkeypatch.undo()
    report = json.loads(
        run("--format", "json", "report", "execution", "--unit", "153001", "--year", "2024").stdout
    )
    assert report["projects"][0]["pending_fen"] == 10000  # the next report caught the models up


def test_a_bare_project_code_names_its_project_until_a_second_unit_uses_it(db: str, run: Run) -> None:
    issue = ("appropriation", "issue", "P9", "100", "--date", "2024-01-02", "--doc", "文1", "--kind", "年初")
    for unit in ("153001", "153002", "153003"):
        ok(run, "unit", "add", unit, f"单位{unit}")
    ok(run, "project", "add", "153001", "P9", "项目", "--function", "2150805", "--category", "特定目标类")
    ok(run, *issue)
    for unit in ("153002", "153003"):
        ok(run, "project", "add", unit, "P9", "项目", "--function", "2150805", "--category", "特定目标类")
    out = refused(db, run, *issue, code=2, says="在多个单位中使用")
    assert "153001、153002" in out and "153001/P9" in out
    ok(run, "appropriation", "issue", "153003/P9", "100", "--date", "2024-01-02", "--doc", "文1")
    # the index of a code lists two units at most, however many share the code
    app = Ledger(parse_url(db))
    try:
        assert [type(e).__name__ for e in app.get_history(code_index_id("P9"))] == [
            "Created",
            "Listed",
            "Listed",
        ]
    finally:
        app.close()


def test_every_command_loaded_on_use_is_the_command_it_is_listed_as() -> None:
    ctx = click.Context(cli)
    listed = cli.list_commands(ctx)
    assert set(COMMANDS) <= set(listed) and {"report", "verify", "projections"} <= set(listed)
    for name in listed:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name, name
        assert command.help, f"{name} has no help text"
