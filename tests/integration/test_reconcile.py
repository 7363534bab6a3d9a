"""Reconcile on a small year: a match, a rounding difference, a mismatch, a malformed file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run, invoke, stored_events


def published(tmp_path: Path, cells: dict[str, str], **extra: object) -> Path:
    file = tmp_path / "published.json"
    file.write_text(
        json.dumps(
            {
                "unit": "153001",
                "year": 2024,
                "unit_of_amount": "万元",
                "cells": cells,
                "notes": {"公开06/公用经费合计": "forced so the column adds up"},
                **extra,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return file


def year(run: Run) -> None:
    # 302 = 658,354 元 (65.84) and 310 = 44,650 元 (4.47): their sum prints 70.30
    for act in (
        ("unit", "add", "153001", "局"),
        ("project", "add", "153001", "JB", "公用经费", "--function", "2150501", "--category", "运转类"),
        ("appropriation", "issue", "JB", "80万", "--date", "2024-01-01", "--doc", "预", "--kind", "年初"),
        (
            "payment",
            "request",
            "JB",
            "658354",
            "--payee",
            "甲",
            "--economic",
            "30226",
            "--date",
            "2024-03-01",
            "--settled-on",
            "2024-03-01",
        ),
        (
            "payment",
            "request",
            "JB",
            "44650",
            "--payee",
            "乙",
            "--economic",
            "31002",
            "--date",
            "2024-03-01",
            "--settled-on",
            "2024-03-01",
        ),
    ):
        assert run(*act).exit_code == 0, act


def test_matches_rounding_differences_and_mismatches_are_told_apart(
    db: str, run: Run, tmp_path: Path
) -> None:
    year(run)
    file = published(
        tmp_path,
        {
            "公开06/302": "65.84",
            "公开06/310": "4.47",
            "公开06/公用经费合计": "70.31",  # a publisher forcing the column to add up
            "公开01/本年支出合计": "71.30",  # a real difference
            "公开06/30101": "0.00",  # a zero row the ledger leaves out
        },
    )
    result = run("--format", "json", "reconcile", "153001", "2024", "--published", str(file))
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["summary"] == {"一致": 3, "尾数误差": 1, "不一致": 1}
    rows = {r["address"]: r for r in out["rows"]}
    assert rows["公开06/公用经费合计"]["outcome"] == "尾数误差"
    assert rows["公开06/公用经费合计"]["ledger"] == "70.30" and rows["公开06/公用经费合计"]["note"]
    assert (
        rows["公开01/本年支出合计"]["outcome"] == "不一致"
        and rows["公开01/本年支出合计"]["difference"] == "-1.00"
    )
    strict = run("reconcile", "153001", "2024", "--published", str(file), "--tolerance", "0")
    assert strict.exit_code == 1 and "尾数误差     0" in strict.stdout


def test_a_clean_reconciliation_exits_0(db: str, run: Run, tmp_path: Path) -> None:
    year(run)
    file = published(
        tmp_path, {"公开06/302": "65.84", "公开06/公用经费合计": "70.30", "公开01/本年支出合计": "70.30"}
    )
    result = run("reconcile", "153001", "2024", "--published", str(file))
    assert result.exit_code == 0 and "一致         3" in result.stdout


def test_a_malformed_or_foreign_published_file_is_refused(db: str, run: Run, tmp_path: Path) -> None:
    year(run)
    before = stored_events(db)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert run("reconcile", "153001", "2024", "--published", str(bad)).exit_code == 2
    other = published(tmp_path, {"公开01/本年支出合计": "1.00"}, unit="999999")
    result = run("reconcile", "153001", "2024", "--published", str(other))
    assert result.exit_code == 2 and "999999" in result.output
    nan = published(tmp_path, {"公开01/本年支出合计": "很多"})
    assert run("reconcile", "153001", "2024", "--published", str(nan)).exit_code == 2
    assert (
        invoke(db, "reconcile", "153001", "2024", "--published", str(tmp_path / "none.json")).exit_code == 2
    )
    assert stored_events(db) == before
