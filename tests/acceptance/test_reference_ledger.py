"""The main job's proof: the 2024 决算 rebuilt from events reconciles with the published figures.

The exact outcome is pinned: every address matches except the contradictions inside the
source, each of which the published-figures file explains.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
CONTRADICTIONS = {
    "自评/P2024-008/全年预算数",
    "自评/P2024-008/全年执行数",
    "自评/P2024-008/执行率",
    "自评/P2024-008/得分",
    "自评/合计/全年预算数",
}


@pytest.fixture
def reference(db: str) -> str:
    for file in (DATA / "targets-2020" / "ledger.jsonl", DATA / "guloo-2024" / "ledger.jsonl"):
        result = invoke(db, "import", str(file))
        assert result.exit_code == 0, result.output
    return db


def as_json(db: str, *args: str) -> Any:
    result = invoke(db, "--format", "json", *args)
    assert result.output.strip(), result.output
    return json.loads(result.output[: result.output.rindex("}") + 1])


def test_reconcile_matches_every_address_but_the_explained_contradictions(reference: str) -> None:
    published = DATA / "guloo-2024" / "published.json"
    result = invoke(
        reference, "--format", "json", "reconcile", "153001", "2024", "--published", str(published)
    )
    assert result.exit_code == 1  # the source contradicts itself
    out = json.loads(result.output[: result.output.rindex("}") + 1])
    assert out["summary"] == {"一致": 948, "尾数误差": 0, "不一致": 5}
    mismatched = {r["address"] for r in out["rows"] if r["outcome"] == "不一致"}
    assert mismatched == CONTRADICTIONS
    assert all(r["note"] for r in out["rows"] if r["outcome"] == "不一致")
    notes = {r["address"]: r["note"] for r in out["rows"]}
    assert "7907.25" in notes["自评/合计/全年预算数"] and "35.5" in notes["自评/P2024-008/全年执行数"]


def test_the_published_tables_come_out_of_the_events(reference: str) -> None:
    cells = as_json(reference, "report", "final-accounts", "153001", "2024")["cells"]
    assert cells["公开01/本年收入合计"] == cells["公开01/本年支出合计"] == "4171.73"
    assert (cells["公开03/合计/基本支出"], cells["公开03/合计/项目支出"]) == ("221.60", "3950.13")
    assert (cells["公开06/302"], cells["公开06/310"], cells["公开06/公用经费合计"]) == (
        "65.84",
        "4.47",
        "70.30",
    )
    assert cells["公开05/2150805/合计"] == "1753.31" and cells["公开05/2159904/合计"] == "1428.10"
    assert cells["公开07/公务接待费/预算数"] == cells["公开07/公务接待费/决算数"] == "0.13"


def test_the_month_end_report_and_the_backlog_of_december(reference: str) -> None:
    month = as_json(reference, "report", "month", "153001", "2024-12")
    # paid 41,717,304 元 of 81,765,904 元 (自评 lines 79,427,500 + 基本支出 2,216,004 + other 122,400)
    assert month["target"] == "100.00" and month["rate"] == "51.02"
    assert "低于序时进度48.98个百分点" in month["headline"]
    backlog = as_json(
        reference, "report", "backlog", "--unit", "153001", "--year", "2024", "--as-of", "2024-12-31"
    )
    held = [p for p in backlog["payments"] if p["held"]]
    assert len(held) == 12
    assert {p["hold_reason"] for p in held} >= {"待区财政统筹拨付", "区财政未及时拨付", "财政暂未付款"}


def test_a_replay_to_mid_year_shows_the_state_of_30_june(reference: str) -> None:
    mid = as_json(
        reference, "report", "execution", "--unit", "153001", "--year", "2024", "--as-of", "2024-06-30"
    )
    year = as_json(reference, "report", "execution", "--unit", "153001", "--year", "2024")
    paid_mid = sum(p["paid_fen"] for p in mid["projects"])
    paid_year = sum(p["paid_fen"] for p in year["projects"])
    assert 0 < paid_mid < paid_year == 4_171_730_400


def test_the_2020_projects_are_judged_against_their_targets(reference: str) -> None:
    report = as_json(reference, "report", "execution", "--unit", "153001", "--year", "2020")
    assert len(report["projects"]) == 5
    assert sum(p["quota_fen"] for p in report["projects"]) == 617_140_000
    assert all(p["target"] == ">= 95" and p["judgement"] == "未达标" for p in report["projects"])


def test_the_reference_ledger_survives_export_and_restore(reference: str, tmp_path: Path) -> None:
    backup = tmp_path / "reference.jsonl"
    assert invoke(reference, "export", str(backup)).exit_code == 0
    copy = str(tmp_path / "restored.db")
    assert invoke(copy, "init").exit_code == 0
    assert invoke(copy, "restore", str(backup)).exit_code == 0
    assert as_json(copy, "verify")["head"] == as_json(reference, "verify")["head"]
    for args in (("report", "final-accounts", "153001", "2024"), ("report", "month", "153001", "2024-12")):
        assert as_json(copy, *args) == as_json(reference, *args)
