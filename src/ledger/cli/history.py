"""``ledger history``: every recorded event of a unit, a project or a payment, for auditors."""

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
    "QuotaIssueReversed": "冲销指标",
    "QuotaTransferredOut": "调出指标（调剂）",
    "QuotaTransferredIn": "调入指标（调剂）",
    "AllocationReduced": "调减分配",
    "PaymentReversed": "红字冲销",
    "Amended": "修改项目",
    "Closed": "撤销项目",
    "YearReopened": "反结账",
}
UNIT_ACTS = {
    "Registered": "登记单位",
    "ProjectListed": "登记项目编码",
    "OpeningBalanceSet": "录入年初结转和结余",
    "BalanceCarried": "结转年初结转和结余",
    "OpeningBalanceCorrected": "更正年初结转和结余",
    "IncomeRecorded": "非财政收入",
    "CurveSet": "设定序时进度",
    "YearClosed": "年终结账",
    "YearReopened": "反结账",
}


def describe_unit_event(event: Any) -> dict[str, Any]:
    """One event of a unit's own stream as an auditor reads it."""
    kind = type(event).__name__
    row: dict[str, Any] = {
        "version": event.originator_version,
        "act": UNIT_ACTS.get(kind, kind),
        "event": kind,
        "date": event.on.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "actor": event.actor,
        "doc": getattr(event, "doc", ""),
    }
    for field in ("amount", "fund", "source", "function", "year", "reason", "code", "name", "kind"):
        if hasattr(event, field):
            row[field] = getattr(event, field)
    if kind == "YearClosed":
        row["withdrawn_projects"] = list(event.withdrawn)
    if kind == "CurveSet":
        row["points"] = list(event.points)
    return row


#: the columns of a history, as an auditor reads them
HEADINGS = ["序号", "业务日期", "记录时间", "记录人", "事项", "金额（元）", "说明"]
#: the terminal a history fits; the last column (说明) wraps under itself
COLUMNS = 100


def _head(row: dict[str, Any]) -> list[str]:
    return [
        f"#{row['version']}",
        row["date"],
        calendar.local_text(_instant(row["recorded_at"]))[:16],  # to the minute; JSON keeps the instant
        str(row["actor"]),
        row["act"],
    ]


def _unit_line(row: dict[str, Any]) -> list[str]:
    """One event of a unit's stream: the fixed columns, the amount, what else it says."""
    amount, parts = "", []
    event = row["event"]
    if event == "Registered":
        parts.append(f"{row['code']} {row['name']}（{row['kind']}）")
    elif event == "ProjectListed":
        parts.append(f"项目 {row['code']}")
    elif event in ("OpeningBalanceSet", "BalanceCarried", "OpeningBalanceCorrected"):
        amount = str(Amount(row["amount"]))
        parts.append(f"{row['year']} 年 {row['fund']}")
    elif event == "IncomeRecorded":
        amount = str(Amount(row["amount"]))
        parts.append(f"{row['source']}（{row['function']}）")
    elif event == "CurveSet":
        parts.append(f"{row['year']} 年：{' '.join(row['points'])}")
    elif event == "YearClosed":
        withdrawn = "、".join(row["withdrawn_projects"])
        parts.append(f"{row['year']} 年度" + (f"，收回项目：{withdrawn}" if withdrawn else ""))
    if row.get("doc"):
        parts.append(f"{'凭证' if row['event'] == 'PaymentSettled' else '文号'}：{row['doc']}")
    if row.get("reason"):
        parts.append(f"原因：{row['reason']}")
    return [*_head(row), amount, "  ".join(parts)]


def table(rows: list[list[str]]) -> list[str]:
    """The history as a table: headings, a ruler, columns padded by display width (CJK counts two).

    The last column takes what is left of a 100-column terminal and wraps under itself.
    """
    from ledger.layout import display_width as width

    sizes = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(HEADINGS)]
    fixed = sum(sizes[:-1]) + 2 * (len(sizes) - 1)
    sizes[-1] = min(sizes[-1], max(COLUMNS - fixed, 20))

    def pad(text: str, size: int, right: bool = False) -> str:
        gap = " " * max(size - width(text), 0)
        return gap + text if right else text + gap

    out = ["  ".join(pad(h, s) for h, s in zip(HEADINGS, sizes, strict=True)).rstrip()]
    out.append("  ".join("-" * s for s in sizes))
    indent = " " * fixed
    for r in rows:
        cells = [pad(c, s, right=(i == 5)) for i, (c, s) in enumerate(zip(r[:-1], sizes[:-1], strict=True))]
        first, *more = _wrap_parts(r[-1], sizes[-1])
        out.append("  ".join([*cells, first]).rstrip())
        out.extend(indent + line for line in more)
    return out


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
    if kind in ("Amended", "Closed"):
        row["detail"] = f"{event.name}（{event.category}，{event.function}）"
    if kind == "PaymentReversed":
        row["reversed"] = event.reversed
        row["corrects"] = event.corrects
        row["replaced_by"] = event.replaced_by
    if kind == "QuotaIssueReversed":
        row["corrects"] = event.corrects
    if kind in ("QuotaTransferredOut", "QuotaTransferredIn"):
        row["counterpart"] = event.counterpart
    if kind == "YearReopened":
        row["year"] = event.year
    return row


def _wrap_parts(text: str, size: int) -> list[str]:
    """Wrap a 说明 between its parts (文号、收款人…), cutting inside a part only when it is longer than a line."""
    from ledger.layout import display_width as width
    from ledger.layout import wrap

    lines: list[str] = []
    for part in text.split("  "):
        joined = f"{lines[-1]}  {part}" if lines else part
        if lines and width(joined) <= size:
            lines[-1] = joined
        elif width(part) <= size:
            lines.append(part)
        else:
            lines.extend(wrap(part, size))
    return lines or [""]


def _line(row: dict[str, Any]) -> list[str]:
    """One event of a project's stream: the fixed columns, the amount, what else it says."""
    amount, parts = "", []
    if "number" in row:
        parts.append(f"支付{row['number']}")
    if "corrects" in row:
        parts.append(f"冲销 #{row['corrects']}")
    if row.get("replaced_by"):
        parts.append(f"更正为支付{row['replaced_by']}")
    if "counterpart" in row:
        parts.append(f"{'调往' if row['event'] == 'QuotaTransferredOut' else '来自'} {row['counterpart']}")
    if "reversed" in row:
        amount = str(Amount(row["reversed"]))
        parts.append(f"红字冲销（原支付 {Amount(row['amount'])} 元）")
    elif "refund" in row:
        amount = str(Amount(row["refund"]))
        parts.append(f"退款（原支付 {Amount(row['amount'])} 元）")
    elif "amount" in row:
        amount = str(Amount(row["amount"]))
    if "payee" in row:
        parts.append(f"收款人：{row['payee']}")
    if row.get("kind"):
        parts.append(f"（{row['kind']}）")
    if "carried" in row:
        parts.append(f"结转 {Amount(row['carried'])} 元，收回 {Amount(row['withdrawn'])} 元")
    if row.get("detail"):
        parts.append(row["detail"])
    if row.get("doc"):
        parts.append(f"{'凭证' if row['event'] == 'PaymentSettled' else '文号'}：{row['doc']}")
    if row.get("reason"):
        parts.append(f"原因：{row['reason']}")
    return [*_head(row), amount, "  ".join(parts)]


def _instant(text: str) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(text)


@click.command("history")
@click.argument("target", metavar="UNIT|PROJECT|PAYMENT")
@click.option(
    "--unit", "as_unit", is_flag=True, help="把 TARGET 当作单位编码（单位编码与项目编码相同时使用）。"
)
@pass_session
def history(session: Session, target: str, as_unit: bool) -> None:
    """列出单位、项目或支付的全部事件：业务日期、记录时间、记录人、文号、金额。

    单位的历史包括登记、年初结转和结余、非财政收入、序时进度和年终结账。
    """
    from ledger.application import check_unit_code
    from ledger.domain.project import unit_id

    ledger = session.ledger()
    text = target.strip()
    if as_unit or ("/" not in text and not _is_project(ledger, text) and _is_unit(ledger, text)):
        unit = ledger.get_unit(check_unit_code(text))
        unit_rows = [describe_unit_event(e) for e in ledger.get_history(unit_id(unit.code))]
        session.emit(
            "\n".join(
                [
                    f"单位 {unit.code} {unit.name}：共 {len(unit_rows)} 个事件",
                    *table([[harmless(c, keep="") for c in _unit_line(r)] for r in unit_rows]),
                ]
            ),
            {"target": text, "unit": unit.code, "events": unit_rows},
        )
        return
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
        "\n".join(
            [
                f"{title}：共 {len(rows)} 个事件",
                *table([[harmless(c, keep="") for c in _line(r)] for r in rows]),
            ]
        ),
        {"target": text, "events": rows},
    )


def _is_unit(ledger: Any, text: str) -> bool:
    from ledger.errors import LedgerError

    try:
        ledger.get_unit(text)
    except LedgerError:
        return False
    return True


def _is_project(ledger: Any, text: str) -> bool:
    from ledger.errors import LedgerError

    try:
        ref = ledger.resolve_project(text)
        return isinstance(ledger.get_project(ref), Project)
    except LedgerError:
        return False
