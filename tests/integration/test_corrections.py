"""Corrections (红字冲销 / 更正) through the CLI: the rules, the refusals, and the ledger before
and after each correction (``--as-of`` / ``--known-at``)."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest

from ledger.calendar import today
from tests.conftest import Run, stored_events

R = ("--payee", "甲公司", "--economic", "31299")


def ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(db: str, run: Run, *args: str, code: int = 1, says: str = "") -> str:
    before = stored_events(db)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert result.output.startswith("错误：") and says in result.output, result.output
    assert "Traceback" not in result.output
    assert stored_events(db) == before
    return result.output


def line(run: Run, project: str = "153001/P1", *extra: str) -> dict[str, Any]:
    """One project's row of the execution report (amounts in 分)."""
    data = json.loads(
        ok(run, "report", "execution", "--unit", "153001", "--year", "2024", "--format", "json", *extra)
    )
    rows: list[dict[str, Any]] = data["projects"]
    return next(r for r in rows if r["project"] == project)


@pytest.fixture
def paid(unit_with_project: str, run: Run) -> str:
    """P1 holds 10万 of quota; payment 1 of 3万 is settled (with a typo to correct)."""
    ok(run, "payment", "request", "P1", "3万", *R, "--date", "2024-03-01", "--settled-on", "2024-03-05",
       "--voucher", "PZ-1")  # fmt: skip
    return unit_with_project


# ------------------------------------------------------------------ payments


def test_a_reversed_payment_leaves_the_execution_and_shows_as_a_correction_not_a_refund(
    paid: str, run: Run
) -> None:
    assert line(run)["paid_fen"] == 3_000_000
    ok(run, "payment", "reverse", "153001/P1/1", "--date", "2024-03-20", "--reason", "重复录入")
    assert line(run)["paid_fen"] == 0
    assert line(run, "153001/P1", "--as-of", "2024-03-10")["paid_fen"] == 3_000_000  # before the 冲销's date
    history = ok(run, "history", "153001/P1/1")
    assert "红字冲销" in history and "冲销 #" in history and "原因：重复录入" in history
    assert "退款" not in history.split("红字冲销")[1]
    listed = json.loads(ok(run, "--format", "json", "history", "153001/P1/1"))["events"]
    settled = next(r for r in listed if r["event"] == "PaymentSettled")
    assert listed[-1]["corrects"] == settled["version"]
    refused(
        paid,
        run,
        "payment",
        "reverse",
        "153001/P1/1",
        "--date",
        "2024-03-21",
        "--reason",
        "再冲",
        says="已冲销",
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--date", "2024-03-01", "--reason", "r"), "早于拨付日期"),
        (("--date", "2025-01-05", "--reason", "r"), "不在该年度内"),
    ],
)
def test_a_reversal_is_dated_within_the_payments_year_after_its_settlement(
    paid: str, run: Run, args: tuple[str, ...], says: str
) -> None:
    refused(paid, run, "payment", "reverse", "153001/P1/1", *args, says=says)


def test_only_a_settled_payment_is_reversed(paid: str, run: Run) -> None:
    ok(run, "payment", "request", "P1", "1万", *R, "--date", "2024-04-01")
    refused(paid, run, "payment", "reverse", "153001/P1/2", "--date", "2024-04-02", "--reason", "r",
            says="payment cancel")  # fmt: skip
    refused(
        paid,
        run,
        "payment",
        "reverse",
        "153001/P1/9",
        "--date",
        "2024-04-02",
        "--reason",
        "r",
        says="没有编号",
    )


def test_a_corrected_payment_replaces_the_wrong_one_and_known_at_shows_the_ledger_before(
    paid: str, run: Run
) -> None:
    time.sleep(0.01)
    before = dt.datetime.now(dt.UTC).isoformat()
    time.sleep(0.01)
    out = json.loads(ok(run, "--format", "json", "payment", "correct", "153001/P1/1", "--amount", "2万",
                        "--payee", "乙公司", "--reason", "金额和收款人录错"))  # fmt: skip
    assert out["corrected"] == "153001/P1/2"
    assert line(run)["paid_fen"] == 2_000_000
    assert line(run, "153001/P1", "--known-at", before)["paid_fen"] == 3_000_000
    # the correction is dated on the original settlement: as of any later day it is in place
    assert line(run, "153001/P1", "--as-of", "2024-03-06")["paid_fen"] == 2_000_000
    history = ok(run, "history", "153001/P1")
    assert "更正为支付2" in history and "收款人：乙公司" in history


def test_a_correction_meets_every_rule_of_a_new_payment_or_records_nothing(paid: str, run: Run) -> None:
    refused(
        paid,
        run,
        "payment",
        "correct",
        "153001/P1/1",
        "--amount",
        "20万",
        "--reason",
        "r",
        says="超过可用指标",
    )
    refused(paid, run, "payment", "correct", "153001/P1/1", "--economic", "39998", "--reason", "r",
            says="未知的支出经济分类科目")  # fmt: skip
    refused(paid, run, "payment", "correct", "153001/P1/1", "--reason", "r", code=2, says="没有要更正的内容")
    refused(paid, run, "payment", "correct", "153001/P1/1", "--date", "2023-12-01", "--reason", "r",
            says="2023")  # fmt: skip


# ------------------------------------------------------------------ quota


def test_a_doubled_opening_issue_reversed_leaves_the_opening_budget_as_if_it_never_counted(
    unit_with_project: str, run: Run
) -> None:
    ok(run, "project", "add", "153001", "P2", "专项", "--function", "2150805", "--category", "特定目标类")
    issue = (
        "appropriation",
        "issue",
        "P2",
        "50万",
        "--date",
        "2024-01-05",
        "--doc",
        "榕财〔2024〕1号",
        "--kind",
        "年初",
    )
    ok(run, *issue)
    second = run(*issue)
    assert second.exit_code == 0 and "注意：" in second.output and "第二次" in second.output
    assert line(run, "153001/P2")["opening_fen"] == 100_000_000
    refused(unit_with_project, run, "appropriation", "reverse", "P2", "--doc", "榕财〔2024〕1号",
            "--date", "2024-01-06", "--reason", "重复录入", code=2, says="--act")  # fmt: skip
    history = json.loads(ok(run, "--format", "json", "history", "153001/P2"))["events"]
    last_issue = [r["version"] for r in history if r["event"] == "QuotaIssued"][-1]
    ok(run, "appropriation", "reverse", "P2", "--doc", "榕财〔2024〕1号", "--act", str(last_issue),
       "--date", "2024-01-06", "--reason", "重复录入")  # fmt: skip
    row = line(run, "153001/P2")
    assert (row["opening_fen"], row["quota_fen"]) == (50_000_000, 50_000_000)
    cells = json.loads(ok(run, "report", "final-accounts", "153001", "2024", "--format", "json"))["cells"]
    assert cells["自评/P2/年初预算数"] == "50.00" and cells["自评/P2/全年预算数"] == "50.00"
    refused(unit_with_project, run, "appropriation", "reverse", "P2", "--doc", "榕财〔2024〕1号", "--act",
            str(last_issue), "--date", "2024-01-07", "--reason", "r", says="未冲销")  # fmt: skip


def test_an_issue_is_not_reversed_below_what_it_pays(paid: str, run: Run) -> None:
    refused(paid, run, "appropriation", "reverse", "P1", "--doc", "榕财企（指）[2024]1号", "--date", "2024-03-06",
            "--reason", "r", says="不得使指标低于")  # fmt: skip
    refused(paid, run, "appropriation", "reverse", "P1", "--doc", "无此文号", "--date", "2024-03-06",
            "--reason", "r", says="可冲销的文号")  # fmt: skip


def test_quota_is_transferred_between_lines_of_one_unit_within_what_is_free(paid: str, run: Run) -> None:
    ok(run, "project", "add", "153001", "P2", "专项", "--function", "2150805", "--category", "特定目标类")
    ok(run, "appropriation", "transfer", "P1", "P2", "5万", "--date", "2024-06-01", "--doc", "调〔2024〕1号",
       "--reason", "项目调整")  # fmt: skip
    assert line(run)["quota_fen"] == 5_000_000 and line(run, "153001/P2")["quota_fen"] == 5_000_000
    refused(paid, run, "appropriation", "transfer", "P1", "P2", "3万", "--date", "2024-06-02", "--doc", "调",
            "--reason", "r", says="最多可调出 20,000.00 元")  # fmt: skip
    ok(run, "unit", "add", "153002", "另一单位")
    ok(run, "project", "add", "153002", "Q1", "专项", "--function", "2150805", "--category", "特定目标类")
    refused(paid, run, "appropriation", "transfer", "P1", "153002/Q1", "1万", "--date", "2024-06-02", "--doc", "调",
            "--reason", "r", code=2, says="同一单位")  # fmt: skip


def test_an_allocation_to_a_mistyped_payee_is_reduced_and_its_quota_freed(
    unit_with_project: str, run: Run
) -> None:
    ok(run, "allocation", "add", "P1", "10万", "--payee", "福州某某科计有限公司", "--date", "2024-02-02")
    refused(
        unit_with_project,
        run,
        "payment",
        "request",
        "P1",
        "1万",
        *R,
        "--date",
        "2024-02-03",
        says="超过可用指标",
    )
    refused(unit_with_project, run, "allocation", "reduce", "P1", "1万", "--payee", "无此人", "--date", "2024-02-03",
            "--reason", "r", says="已有分配")  # fmt: skip
    ok(run, "allocation", "reduce", "P1", "10万", "--payee", "福州某某科计有限公司", "--date", "2024-02-03",
       "--reason", "收款人名称录错")  # fmt: skip
    ok(run, "payment", "request", "P1", "1万", *R, "--date", "2024-02-04")
    ok(run, "allocation", "add", "P1", "5万", "--payee", "甲公司", "--date", "2024-02-05")
    refused(unit_with_project, run, "allocation", "reduce", "P1", "4.5万", "--payee", "甲公司",
            "--date", "2024-02-06", "--reason", "r", says="最多可调减 40,000.00 元")  # fmt: skip


# ------------------------------------------------------------------ project lines


def test_a_line_without_money_is_amended_and_one_registered_by_mistake_is_closed(
    unit_with_project: str, run: Run
) -> None:
    ok(run, "project", "add", "153001", "P9", "错名", "--function", "2150805", "--category", "特定目标类")
    ok(
        run,
        "project",
        "amend",
        "153001/P9",
        "--name",
        "正确的名称",
        "--function",
        "2150899",
        "--reason",
        "录错",
    )
    sheet = ok(run, "report", "final-accounts", "153001", "2024", "--table", "自评")
    assert "正确的名称" in sheet and "错名" not in sheet
    assert "修改项目" in ok(run, "history", "153001/P9")
    refused(unit_with_project, run, "project", "amend", "P1", "--name", "新名", says="已有资金往来")
    refused(unit_with_project, run, "project", "amend", "153001/P9", "--function", "2150898", says="未知")
    refused(unit_with_project, run, "project", "amend", "153001/P9", code=2, says="要修改的内容")
    cells = json.loads(ok(run, "report", "final-accounts", "153001", "2024", "--format", "json"))["cells"]
    assert "自评/P9/全年预算数" in cells
    ok(run, "project", "close", "153001/P9", "--reason", "误登记")
    cells = json.loads(ok(run, "report", "final-accounts", "153001", "2024", "--format", "json"))["cells"]
    assert "自评/P9/全年预算数" not in cells and "自评/P1/全年预算数" in cells
    refused(unit_with_project, run, "appropriation", "issue", "153001/P9", "1万", "--date", "2024-05-01", "--doc", "文",
            says="已撤销")  # fmt: skip
    refused(unit_with_project, run, "project", "close", "P1", "--reason", "r", says="仍有资金")
    assert "撤销项目" in ok(run, "history", "153001/P9")


# ------------------------------------------------------------------ a safe year end


def test_a_dry_run_shows_the_close_and_writes_nothing(paid: str, run: Run) -> None:
    before = stored_events(paid)
    out = ok(run, "year", "close", "153001", "2024", "--dry-run")
    assert "结账预览（未记录任何内容）" in out and "结转 70,000.00 元" in out
    assert stored_events(paid) == before
    data = json.loads(ok(run, "--format", "json", "year", "close", "153001", "2024", "--dry-run"))
    assert data["dry_run"] is True and data["carried_fen"] == 7_000_000
    assert stored_events(paid) == before


def test_on_a_terminal_the_close_asks_first(paid: str, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.cli import year

    monkeypatch.setattr(year, "on_terminal", lambda: True)
    from click.testing import CliRunner

    from ledger.cli import cli

    before = stored_events(paid)
    no = CliRunner().invoke(cli, ["--db", paid, "year", "close", "153001", "2024"], input="n\n")
    assert no.exit_code == 1 and "结账预览" in no.output and "已取消" in no.output
    assert stored_events(paid) == before
    yes = CliRunner().invoke(cli, ["--db", paid, "year", "close", "153001", "2024"], input="y\n")
    assert yes.exit_code == 0 and "已结账" in yes.output
    assert stored_events(paid) != before


def test_a_reopened_year_takes_acts_again_and_a_year_that_rests_on_it_refuses(paid: str, run: Run) -> None:
    ok(run, "year", "close", "153001", "2024", "--yes")
    refused(paid, run, "payment", "request", "P1", "1万", *R, "--date", "2024-12-30", says="已结账")
    ok(run, "year", "reopen", "153001", "2024", "--reason", "漏记12月支付")
    ok(run, "payment", "request", "P1", "1万", *R, "--date", "2024-12-30", "--settled-on", "2024-12-31")
    assert line(run)["paid_fen"] == 4_000_000
    ok(run, "year", "close", "153001", "2024", "--yes")
    ok(run, "payment", "request", "P1", "1万", *R, "--date", "2025-01-10")
    message = refused(
        paid, run, "year", "reopen", "153001", "2024", "--reason", "r", says="依赖 2024 年度结转的业务"
    )
    assert "项目 153001/P1" in message and "申请支付 2025-01-10" in message
    refused(paid, run, "year", "reopen", "153001", "2023", "--reason", "r", says="最近结账的 2024 年度")
    history = ok(run, "history", "153001")
    assert "反结账" in history and "原因：漏记12月支付" in history


def test_a_voucher_used_twice_and_a_settlement_after_today_are_warned_not_refused(
    paid: str, run: Run
) -> None:
    again = run("payment", "request", "P1", "1万", *R, "--date", "2024-04-01", "--settled-on", "2024-04-02",
                "--voucher", "PZ-1")  # fmt: skip
    assert again.exit_code == 0 and "注意：凭证号“PZ-1”已用于支付 153001/P1/1" in again.output
    now = today()
    ok(run, "appropriation", "issue", "P1", "10万", "--date", f"{now.year}-01-02", "--doc", "文")
    future = (now + dt.timedelta(days=3)).isoformat()
    if future[:4] == str(now.year):  # three days on is still this fiscal year
        late = run("payment", "request", "P1", "1万", *R, "--date", future, "--settled-on", future)
        assert late.exit_code == 0 and "晚于今天" in late.output
