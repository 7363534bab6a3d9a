"""Importing what the 一体化 system exports: 指标 and 支付 exports through profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, stored_events

QUOTA_CSV = """2024年指标台账导出
导出时间：2024-12-31
预算单位编码,项目编码,项目名称,指标文号,来源文号,功能分类科目,经济分类科目,资金性质,金额,下达日期,指标类型,备注,经办人
153001,P1,技术改造补助,榕财企（指）[2024]17号,闽财指[2024]5号,2159904,31204,一般公共预算,"1,200,000.00",2024/03/12,转移支付,无,张三
153001,P1,技术改造补助,榕财企（指）[2024]17号,闽财指[2024]6号,2159904,31204,一般公共预算,"300,000",2024年4月2日,转移支付,,张三
153001,P2,机关运行,鼓财〔2024〕1号,,2150501,30201,一般公共预算,50000,2024-01-05,年初预算,,李四
"""
PAYMENT_CSV = """支付凭证号,收款人全称,支付金额,支付日期,状态,项目编码,经济分类科目,摘要
PZ001,福州某某科技有限公司,"500,000.00",2024/05/06,支付成功,P1,31204,补助
PZ002,福州某某机械有限公司,100000,2024/05/08,支付成功,P1,31204,补助
,某公司,2000,2024/05/09,退回,P1,31204,退回
"""


def ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def as_json(run: Run, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(run, "--format", "json", *args))
    return data


def execution(run: Run) -> dict[str, dict[str, Any]]:
    data = as_json(run, "report", "execution", "--unit", "153001", "--year", "2024")
    return {r["project"]: r for r in data["projects"]}


@pytest.fixture
def unit(db: str, run: Run) -> str:
    ok(run, "unit", "add", "153001", "福州市鼓楼区工业和信息化局")
    return db


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_a_quota_export_with_title_rows_and_extra_columns_is_recorded_once(
    unit: str, run: Run, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "指标.csv"
    path.write_bytes(QUOTA_CSV.encode(encoding))
    out = as_json(run, "import", str(path), "--profile", "quota")
    assert out["by_op"] == {"project.add": 2, "appropriation.issue": 3}
    assert out["ignored_columns"] == ["备注", "经办人"]
    lines = execution(run)
    assert lines["153001/P1"]["quota_fen"] == 150_000_000
    assert lines["153001/P2"]["opening_fen"] == 5_000_000  # 年初预算 reads as 年初
    before = stored_events(unit)
    again = as_json(run, "import", str(path), "--profile", "quota")
    assert again["recorded"] == 0 and len(again["skipped_rows"]) == 5
    assert all("已有" in r["reason"] for r in again["skipped_rows"])
    assert stored_events(unit) == before


def test_a_dry_run_says_what_would_be_recorded_and_writes_nothing(
    unit: str, run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "指标.csv"
    path.write_bytes(QUOTA_CSV.encode("gbk"))
    before = stored_events(unit)
    out = ok(run, "import", str(path), "--profile", "quota", "--dry-run")
    assert "未记录任何内容" in out and "下达指标：3 行" in out and "登记项目：2 行" in out
    assert stored_events(unit) == before


def test_a_payment_export_records_settlements_by_voucher_and_lists_what_it_skipped(
    unit: str, run: Run, tmp_path: Path
) -> None:
    quota = tmp_path / "指标.csv"
    quota.write_bytes(QUOTA_CSV.encode("gbk"))
    ok(run, "import", str(quota), "--profile", "quota")
    path = tmp_path / "支付.csv"
    path.write_bytes(PAYMENT_CSV.encode("utf-8-sig"))
    out = as_json(run, "import", str(path), "--profile", "payment", "--unit", "153001")
    assert out["recorded"] == 2
    assert out["skipped_rows"] == [{"line": 4, "reason": "状态为“退回”，未导入"}]
    assert execution(run)["153001/P1"]["paid_fen"] == 60_000_000
    before = stored_events(unit)
    ok(run, "import", str(path), "--profile", "payment", "--unit", "153001")
    assert stored_events(unit) == before


def test_two_alike_payments_without_a_number_are_two_payments(unit: str, run: Run, tmp_path: Path) -> None:
    quota = tmp_path / "指标.csv"
    quota.write_bytes(QUOTA_CSV.encode("gbk"))
    ok(run, "import", str(quota), "--profile", "quota")
    text = "收款人全称,支付金额,支付日期,状态,项目编码,经济分类科目\n甲,100,2024-06-01,支付成功,P1,31204\n"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(text, encoding="utf-8")
    second.write_text(text, encoding="utf-8")
    assert "无法去重" in ok(run, "import", str(first), "--profile", "payment", "--unit", "153001")
    refused = run("import", str(second), "--profile", "payment", "--unit", "153001")
    assert refused.exit_code == 1 and "内容完全相同" in refused.output, refused.output  # the same bytes again
    assert execution(run)["153001/P1"]["paid_fen"] == 10_000
    ok(run, "import", str(second), "--profile", "payment", "--unit", "153001", "--again")
    assert execution(run)["153001/P1"]["paid_fen"] == 20_000


def test_an_xlsx_export_with_a_title_block_and_real_dates_is_read(
    unit: str, run: Run, tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["指标台账"])
    sheet.append([])
    sheet.append(
        ["单位编码", "项目编码", "项目名称", "指标文号", "功能分类科目", "金额", "下达日期", "指标类型"]
    )
    sheet.append(
        ["153001", "P1", "技术改造补助", "榕财〔2024〕1号", 2159904, 1200000, dt.date(2024, 3, 12), "年初"]
    )
    path = tmp_path / "指标.xlsx"
    book.save(path)
    ok(run, "import", str(path), "--profile", "quota")
    assert execution(run)["153001/P1"]["opening_fen"] == 120_000_000


def test_another_provinces_columns_are_read_through_a_profile_file(
    unit: str, run: Run, tmp_path: Path
) -> None:
    profile = tmp_path / "某省指标.toml"
    profile.write_text(
        """
name = "某省指标"
title = "某省一体化指标"
kind = "quota"
[columns]
project = ["项目代码"]
project_name = ["项目全称"]
doc = ["下达文号"]
function = ["支出功能科目"]
amount = ["下达金额（元）"]
date = ["文件日期"]
[defaults]
kind = "追加"
""",
        encoding="utf-8",
    )
    path = tmp_path / "导出.csv"
    path.write_text(
        "项目代码,项目全称,下达文号,支出功能科目,下达金额（元）,文件日期\nQ1,某专项,某财〔2024〕9号,2150805,8000,20240708\n",
        encoding="utf-8",
    )
    ok(run, "import", str(path), "--profile", str(profile), "--unit", "153001")
    assert execution(run)["153001/Q1"]["quota_fen"] == 800_000


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("153001,P1,名,文,2159904,1234.567,2024-03-01", "小数位过多"),
        ("153001,P1,名,文,2159904,100,2024-13-45", "日期"),
        ("153001,P1,名,文,2159904,100,明天", "日期"),
        ("153001,P1,名,,2159904,100,2024-03-01", "文号"),
    ],
)
def test_a_bad_export_row_refuses_the_whole_file(
    unit: str, run: Run, tmp_path: Path, body: str, says: str
) -> None:
    path = tmp_path / "指标.csv"
    path.write_text(
        "单位编码,项目编码,项目名称,指标文号,功能分类科目,金额,下达日期\n"
        "153001,P0,好行,文0,2159904,100,2024-03-01\n" + body + "\n",
        encoding="utf-8",
    )
    before = stored_events(unit)
    result = run("import", str(path), "--profile", "quota")
    assert result.exit_code in (1, 2) and says in result.output and "Traceback" not in result.output
    assert stored_events(unit) == before


def test_an_unknown_profile_or_a_file_without_the_columns_is_refused(
    unit: str, run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    before = stored_events(unit)
    result = run("import", str(path), "--profile", "nosuch")
    assert result.exit_code == 2 and "内置配置 quota、payment" in result.output
    result = run("import", str(path), "--profile", "quota")
    assert result.exit_code == 2 and "找不到表头" in result.output and "“指标文号”" in result.output
    assert stored_events(unit) == before


def test_a_template_names_the_profiles_columns(db: str, run: Run, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "模板.xlsx"
    ok(run, "import", "--template", "payment", "--output", str(path))
    header = [c.value for c in openpyxl.load_workbook(path).active[2]]
    assert header[:3] == ["支付申请编号", "支付凭证号", "预算单位编码"] and "收款人全称" in header
    result = run("import", "--template", "payment", "--output", str(path))
    assert result.exit_code == 2 and "已存在" in result.output
