"""``ledger reconcile UNIT YEAR --published FILE``: the ledger's figures against a published file.

Both are maps from CELLS.md addresses to 万元 cells. Each address of the file is a
match (一致), a rounding difference within the tolerance (尾数误差), or a mismatch
(不一致) — shown with both values and the file's note. Exit 0 only when nothing
mismatches.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from ledger.cli import Session, pass_session
from ledger.cli.params import YEAR
from ledger.errors import MalformedInput, RuleViolation
from ledger.text import parse_number
from projections import accounts, scoring
from projections.output import Report, Sheet, emit
from projections.query import unit_name
from projections.report_cli import cutoff, output_format, read_models, report_options

MATCH, ROUNDING, MISMATCH = "一致", "尾数误差", "不一致"


def read_published(
    path: Path, unit: str, year: int
) -> tuple[dict[str, Decimal], dict[str, str], dict[str, Any]]:
    """Read and check a published-figures file (CELLS.md format)."""
    if not path.exists():
        raise MalformedInput(f"公开数文件不存在：{path}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise MalformedInput(f"公开数文件 {path.name} 不是有效的 UTF-8 JSON：{e}") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), dict):
        raise MalformedInput(f"公开数文件 {path.name} 缺少 cells（地址 → 数值）")
    if str(document.get("unit", unit)) != unit or int(document.get("year", year)) != year:
        raise MalformedInput(
            f"公开数文件是单位 {document.get('unit')} {document.get('year')} 年的，与要对账的 {unit} {year} 年不符"
        )
    cells: dict[str, Decimal] = {}
    for address, value in document["cells"].items():
        try:
            cells[str(address)] = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            raise MalformedInput(f"公开数文件中 {address} 的值“{value}”不是数字") from None
    notes = {str(k): str(v) for k, v in (document.get("notes") or {}).items()}
    return cells, notes, document


def compare(
    ledger_cells: dict[str, str], published: dict[str, Decimal], notes: dict[str, str], tolerance: Decimal
) -> list[dict[str, str]]:
    rows = []
    for address, expected in published.items():
        ours = ledger_cells.get(address)
        if ours is None and address.startswith("公开"):
            ours = "0.00"  # the ledger leaves zero rows out, as published tables may
        if ours is None:
            outcome, diff = MISMATCH, ""
        else:
            delta = Decimal(ours) - expected
            diff = f"{delta:.2f}"
            outcome = MATCH if delta == 0 else ROUNDING if abs(delta) <= tolerance else MISMATCH
        rows.append(
            {
                "address": address,
                "outcome": outcome,
                "published": f"{expected:.2f}",
                "ledger": ours if ours is not None else "（账簿无此项）",
                "difference": diff,
                "note": notes.get(address, ""),
            }
        )
    return rows


@click.command("reconcile")
@click.argument("unit")
@click.argument("year", type=YEAR)
@click.option(
    "--published",
    "published_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="公开数文件（CELLS.md 格式的 JSON）。",
)
@click.option("--tolerance", default="0.01", show_default=True, help="尾数误差的容差（万元）。")
@click.option("--score-rule", default=None, help="得分规则：proportional（默认）或 threshold[:N]。")
@click.option("--differences", is_flag=True, help="逐项表只列出尾数误差和不一致的项（汇总仍计全部）。")
@report_options
@pass_session
def reconcile(
    session: Session,
    unit: str,
    year: int,
    published_file: Path,
    tolerance: str,
    score_rule: str | None,
    differences: bool,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """逐项核对账簿与公开数：一致、尾数误差或不一致；有不一致时退出码为 1。"""
    tol = parse_number(tolerance, label="容差")
    if tol < 0:
        raise MalformedInput(f"容差“{tolerance}”应为非负数，如 0.01")
    published, notes, _ = read_published(published_file, unit, year)
    rule = scoring.check_rule(score_rule or scoring.default_rule())
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with read_models(session) as db:
        name = unit_name(db, unit)
        ours = accounts.cells(accounts.gather(db, unit, year, cut), score_rule=rule)
    rows = compare(ours, published, notes, tol)
    counts = {o: sum(1 for r in rows if r["outcome"] == o) for o in (MATCH, ROUNDING, MISMATCH)}
    extra = sorted(a for a, v in ours.items() if a not in published and Decimal(v) != 0)
    order = {MISMATCH: 0, ROUNDING: 1, MATCH: 2}
    shown = sorted(rows, key=lambda r: (order[r["outcome"]], r["address"]))
    if differences:
        shown = [r for r in shown if r["outcome"] != MATCH]
    columns = ["地址", "结果", "公开数", "账簿数", "差额", "说明"]
    summary = [[o, n] for o, n in counts.items()] + [["合计", len(rows)]]
    sheets = [
        Sheet("汇总", ["结果", "项数"], summary),
        Sheet(
            "逐项核对",
            columns,
            [
                [r["address"], r["outcome"], r["published"], r["ledger"], r["difference"], r["note"]]
                for r in shown
            ],
        ),
    ]
    if extra and not differences:
        sheets.append(
            Sheet(
                "账簿有而公开数文件没有的非零项（仅供参考）",
                ["地址", "账簿数"],
                [[a, ours[a]] for a in extra],
            )
        )
    data = {
        "unit": unit,
        "year": year,
        "tolerance": f"{tol}",
        "summary": counts,
        "rows": shown,
        "ledger_only": {a: ours[a] for a in extra},
    }
    subtitle = f"单位：{name}（{unit}）    公开数：{published_file.name}    容差 {tol} 万元"
    emit(Report(f"{year} 年度决算对账", sheets, subtitle=subtitle, data=data), fmt, output)
    if counts[MISMATCH]:
        raise RuleViolation(f"对账发现 {counts[MISMATCH]} 项不一致（见上表及其说明）。")
