"""``ledger history``: every recorded event of a project or a payment, for auditors."""

from __future__ import annotations

from typing import Any

import click

from ledger import calendar
from ledger.cli import Session, pass_session
from ledger.domain.project import Project
from ledger.money import Amount
from ledger.text import harmless, numeral

ACTS = {
    "Registered": "登记项目",
    "QuotaIssued": "下达指标",
    "QuotaReduced": "调减指标",
    "Allocated": "分配",
    "PaymentRequested": "申请支付",
    "PaymentHeld": "暂缓（待统筹）",
    "PaymentSettled": "拨付",
    "PaymentCancelled": "撤销支付",
    "PaymentRefunded": "退款",
    "YearClosed": "年终结账",
    "ScoreSet": "认定得分",
    "TargetSet": "设定绩效目标",
}


def describe(event: Any) -> dict[str, Any]:
    """One event as an auditor reads it."""
    kind = type(event).__name__
    row: dict[str, Any] = {
        "version": event.originator_version,
        "act": ACTS.get(kind, kind),
        "event": kind,
        "date": event.on.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "actor": event.actor,
        "doc": getattr(event, "doc", "") or getattr(event, "voucher", ""),
    }
    for field in ("number", "amount", "refund", "payee", "economic", "kind", "reason", "key"):
        if hasattr(event, field):
            row[field] = getattr(event, field)
    if kind == "YearClosed":
        row["carried"] = event.carried
        row["withdrawn"] = event.withdrawn
    if kind == "Registered":
        row["detail"] = f"{event.name}（{event.category}，{event.function}，{event.fund}）"
    return row


def _line(row: dict[str, Any]) -> str:
    parts = [
        f"#{row['version']:<4}",
        row["date"],
        calendar.local_text(_instant(row["recorded_at"])),
        f"{row['actor']:<10}",
        row["act"],
    ]
    if "number" in row:
        parts.append(f"支付{row['number']}")
    if "refund" in row:
        parts.append(f"退款 {Amount(row['refund'])} 元（原支付 {Amount(row['amount'])} 元）")
    elif "amount" in row:
        parts.append(f"{Amount(row['amount'])} 元")
    if "payee" in row:
        parts.append(f"收款人：{row['payee']}")
    if row.get("kind"):
        parts.append(f"（{row['kind']}）")
    if "carried" in row:
        parts.append(f"结转 {Amount(row['carried'])} 元，收回 {Amount(row['withdrawn'])} 元")
    if row.get("detail"):
        parts.append(row["detail"])
    if row.get("doc"):
        parts.append(f"文号/凭证：{row['doc']}")
    if row.get("reason"):
        parts.append(f"原因：{row['reason']}")
    return "  ".join(parts)


def _instant(text: str) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(text)


@click.command("history")
@click.argument("target", metavar="PROJECT|PAYMENT")
@pass_session
def history(session: Session, target: str) -> None:
    """列出项目或支付的全部事件：业务日期、记录时间、记录人、文号、金额。"""
    ledger = session.ledger()
    text = target.strip()
    number: int | None = None
    head, _, tail = text.rpartition("/")
    tail = numeral(tail, label="支付序号")
    if (head and tail.isascii() and tail.isdigit() and "/" in head) or (
        head and tail.isascii() and tail.isdigit() and not _is_project(ledger, text)
    ):
        ref = ledger.resolve_payment(text)
        project_ref, number = ref.project, ref.number
    else:
        project_ref = ledger.resolve_project(text)
    project = ledger.get_project(project_ref)
    if number is not None:
        project.payment(number)
    events = ledger.get_history(project.id)
    rows = [describe(e) for e in events if number is None or getattr(e, "number", None) == number]
    title = f"支付 {project_ref}/{number}" if number is not None else f"项目 {project_ref} {project.name}"
    session.emit(
        "\n".join([f"{title}：共 {len(rows)} 个事件", *(harmless(_line(r), keep="") for r in rows)]),
        {"target": text, "events": rows},
    )


def _is_project(ledger: Any, text: str) -> bool:
    from ledger.errors import LedgerError

    try:
        ref = ledger.resolve_project(text)
        return isinstance(ledger.get_project(ref), Project)
    except LedgerError:
        return False
