"""The transcription stays honest: what can be re-derived from the seed text itself is."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "002_ada3e610281bf11c.txt"
DATA = ROOT / "data" / "guloo-2024"


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED.exists():
        pytest.skip("the seed (../shared/seeds) is not beside this checkout")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cells() -> dict[str, str]:
    document = json.loads((DATA / "published.json").read_text(encoding="utf-8"))
    assert document["unit"] == "153001" and document["year"] == 2024 and document["unit_of_amount"] == "万元"
    return dict(document["cells"])


def funds_lines(seed: str) -> list[list[str]]:
    return [
        re.split(r"\s+", line.split("年度资金总额", 1)[1].strip())
        for line in seed.splitlines()
        if "年度资金总额" in line
    ]


def test_every_sheet_funds_line_matches_the_seed(seed: str, cells: dict[str, str]) -> None:
    lines = funds_lines(seed)
    assert len(lines) == 69
    for k, values in enumerate(lines, start=1):
        opening, quota, paid, _, rate, score = values[:6]
        code = f"P2024-{k:03d}"
        assert [
            cells[f"自评/{code}/{c}"] for c in ("年初预算数", "全年预算数", "全年执行数", "执行率", "得分")
        ] == [f"{Decimal(v):.2f}" for v in (opening, quota, paid, rate, score)]


def test_every_execution_rate_re_derives_from_the_funds_line(cells: dict[str, str]) -> None:
    for k in range(1, 70):
        code = f"P2024-{k:03d}"
        quota, paid = Decimal(cells[f"自评/{code}/全年预算数"]), Decimal(cells[f"自评/{code}/全年执行数"])
        expected = (
            Decimal(0) if quota == 0 else (paid / quota * 100).quantize(Decimal("0.01"), "ROUND_HALF_UP")
        )
        assert Decimal(cells[f"自评/{code}/执行率"]) == expected, code


def test_the_sheets_add_up_to_7907_25_and_3902_39_not_the_stated_8042_25(cells: dict[str, str]) -> None:
    quota = sum(Decimal(cells[f"自评/P2024-{k:03d}/全年预算数"]) for k in range(1, 70))
    paid = sum(Decimal(cells[f"自评/P2024-{k:03d}/全年执行数"]) for k in range(1, 70))
    assert (quota, paid) == (Decimal("7907.25"), Decimal("3902.39"))
    assert cells["自评/合计/全年预算数"] == "8042.25"


@pytest.mark.parametrize("table", ["公开02", "公开03", "公开05"])
def test_the_rows_by_function_code_match_the_seed(seed: str, cells: dict[str, str], table: str) -> None:
    start = seed.index(f"{table}表")
    body = seed[start : seed.index("注：", start)]
    rows = 0
    for line in body.splitlines():
        parts = [p for p in line.split("\t") if p.strip()]
        if parts and parts[0].isdigit() and len(parts[0]) in (3, 5, 7):
            numbers = [p for p in parts if re.fullmatch(r"\d+\.\d{2}", p)]
            first_column = {"公开02": "本年收入合计", "公开03": "本年支出合计", "公开05": "合计"}[table]
            assert cells[f"{table}/{parts[0]}/{first_column}"] == numbers[0], (table, parts[0])
            rows += 1
    assert rows >= 20


def test_the_function_items_add_up_to_their_clauses_and_classes(cells: dict[str, str]) -> None:
    for table, column in (("公开03", "本年支出合计"), ("公开05", "合计")):
        codes = {k.split("/")[1] for k in cells if k.startswith(f"{table}/") and k.split("/")[1].isdigit()}
        for parent in (c for c in codes if len(c) in (3, 5)):
            children = [c for c in codes if len(c) == len(parent) + 2 and c.startswith(parent)]
            total = sum(Decimal(cells[f"{table}/{c}/{column}"]) for c in children)
            assert abs(total - Decimal(cells[f"{table}/{parent}/{column}"])) <= Decimal("0.01"), (
                table,
                parent,
            )


def test_the_ledger_acts_pay_each_function_item_its_published_amount(cells: dict[str, str]) -> None:
    acts = [json.loads(line) for line in (DATA / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    function = {a["code"]: a["function"] for a in acts if a["op"] == "project.add"}
    paid: dict[str, int] = {}
    for a in acts:
        if a["op"] == "payment.request" and a.get("settled_on"):
            code = function[a["project"].split("/")[1]]
            paid[code] = paid.get(code, 0) + int(Decimal(a["amount"]) * 100)
    for code, fen in paid.items():
        printed = (Decimal(fen) / 1_000_000).quantize(Decimal("0.01"), "ROUND_HALF_UP")
        assert f"{printed:.2f}" == cells[f"公开05/{code}/合计"], code
    total = (Decimal(sum(paid.values())) / 1_000_000).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    assert f"{total:.2f}" == cells["公开01/本年支出合计"] == "4171.73"


def test_every_hold_carries_wording_printed_on_its_sheet(seed: str) -> None:
    acts = [json.loads(line) for line in (DATA / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    holds = [a for a in acts if a["op"] == "payment.hold"]
    assert len(holds) == 12
    for hold in holds:
        assert hold["reason"] in seed
