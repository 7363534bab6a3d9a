"""Transcribe the published 2024 决算 (the seed text) into published-figures files.

    python scripts/transcribe_seed.py [--seed ../shared/seeds/002_ada3e610281bf11c.txt]

Writes ``data/guloo-2024/published.json`` (every non-blank cell of 公开01–09 and the funds
line of the 69 自评 sheets, CELLS.md format) and ``data/guloo-2024/prior-2023.json``
(the 2023 figures the explanatory text implies). Notes explain every cell the source
contradicts or rounds. The PDF text drops a trailing zero column on some rows of 公开02;
missing trailing cells are read as the 0.00 the table prints beside them.
"""

from __future__ import annotations

import argparse
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.codes import PUBLISHED_CLASSES
from projections.accounts import INCOME_01

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "002_ada3e610281bf11c.txt"
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
CLASSES = list(PUBLISHED_CLASSES)  # the 26 类 in printed order


def cell(text: str) -> str:
    return f"{Decimal(text):.2f}"


def tokens(line: str) -> list[str]:
    return [t.strip() for t in line.split("\t") if t.strip()]


def section(lines: list[str], start: str, end: str) -> list[str]:
    a = next(i for i, line in enumerate(lines) if line.strip() == start)
    b = next(i for i, line in enumerate(lines) if i > a and line.strip().startswith(end))
    return lines[a:b]


def code_table(rows: list[str], table: str, columns: list[str], cells: dict[str, str]) -> None:
    """Rows that start with a function code (or 类/款/项 … 合计) followed by amounts."""
    for line in rows:
        t = tokens(line)
        if not t:
            continue
        numbers = [x for x in t if NUMBER.match(x) and "." in x]
        if t[0] in ("类", "合计") or (len(t) > 3 and t[:3] == ["类", "款", "项"]):
            code = "合计"
        elif t[0].isdigit() and len(t[0]) in (3, 5, 7):
            code = t[0]
        else:
            continue
        if not numbers:
            continue
        numbers += ["0.00"] * (len(columns) - len(numbers))
        for column, value in zip(columns, numbers, strict=False):
            cells[f"{table}/{code}/{column}"] = cell(value)


def transcribe(seed: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    lines = seed.read_text(encoding="utf-8").split("\n")
    cells: dict[str, str] = {}
    notes: dict[str, str] = {}

    # 公开01
    body = section(lines, "公开01表", "注：1. 本表反映单位本年度的总收支")
    class_rows = []
    for line in body:
        t = tokens(line)
        for label in INCOME_01:
            if t and t[0].endswith(label):
                cells[f"公开01/{label}"] = cell(t[1])
        if len(t) >= 2 and re.match(r"^[一二三四五六七八九十]+、", t[-2]) and NUMBER.match(t[-1]):
            class_rows.append(t[-1])
        if t and t[0] == "本年收入合计":
            cells["公开01/本年收入合计"], cells["公开01/本年支出合计"] = cell(t[1]), cell(t[3])
        if t and t[0].startswith("使用非财政拨款结余"):
            cells["公开01/使用非财政拨款结余"], cells["公开01/结余分配"] = cell(t[1]), cell(t[3])
        if t and t[0] == "年初结转和结余":
            cells["公开01/年初结转和结余"], cells["公开01/年末结转和结余"] = cell(t[1]), cell(t[3])
        if t and t[0] == "总计":
            cells["公开01/收入总计"], cells["公开01/支出总计"] = cell(t[1]), cell(t[3])
    assert len(class_rows) == 26, class_rows
    for code, value in zip(CLASSES, class_rows, strict=True):
        cells[f"公开01/类/{code}"] = cell(value)

    # 公开02, 公开03, 公开05
    code_table(
        section(lines, "公开02表", "注：本表反映单位本年度取得"),
        "公开02",
        [
            "本年收入合计",
            "财政拨款收入",
            "上级补助收入",
            "事业收入",
            "经营收入",
            "附属单位上缴收入",
            "其他收入",
        ],
        cells,
    )
    code_table(
        section(lines, "公开03表", "注：本表反映单位本年度各项支出"),
        "公开03",
        ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"],
        cells,
    )
    code_table(
        section(lines, "公开05表", "注：本表反映单位本年度一般公共预算"),
        "公开05",
        ["合计", "基本支出", "项目支出"],
        cells,
    )

    # 公开04
    body = section(lines, "公开04表", "注：本表反映单位本年度一般公共预算财政拨款、")
    columns = ["合计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"]
    n = 0
    for line in body:
        t = tokens(line)
        for label in ("一般公共预算", "政府性基金预算", "国有资本经营预算"):
            if len(t) >= 2 and t[0].endswith(f"、{label}") and NUMBER.match(t[1]) and len(t) > 2:
                cells[f"公开04/{label}"] = cell(t[1])
        numbers = [x for x in t if NUMBER.match(x)]
        named = [x for x in t if re.match(r"^[一二三四五六七八九十]+、", x)]
        if (
            len(numbers) >= 4
            and named
            and len(t) != 2
            and any("支出" in x or "支 出" in x or "出" in x for x in named)
        ):
            label = named[-1]
            if (
                any(k in label for k in ("一般公共预算", "政府性基金预算", "国有资本经营预算"))
                and "支出" not in label
            ):
                continue
            for column, value in zip(columns, numbers[-4:], strict=True):
                cells[f"公开04/类/{CLASSES[n]}/{column}"] = cell(value)
            n += 1
        if t and t[0] == "本年收入合计":
            cells["公开04/本年收入合计"] = cell(t[1])
            for column, value in zip(columns, t[-4:], strict=True):
                cells[f"公开04/本年支出合计/{column}"] = cell(value)
        if t and t[0] == "年初结转和结余":
            cells["公开04/年初财政拨款结转和结余/合计"] = cell(t[1])
            for column, value in zip(
                ["合计", "一般公共预算", "政府性基金预算", "国有资本经营预算"], t[-4:], strict=True
            ):
                cells[f"公开04/年末财政拨款结转和结余/{column}"] = cell(value)
        for i, label in enumerate(("一般公共预算", "政府性基金预算", "国有资本经营预算")):
            if len(t) == 2 and t[0] == f"{'一二三'[i]}、{label}":
                cells[f"公开04/年初财政拨款结转和结余/{label}"] = cell(t[1])
        if t and t[0] == "总计":
            cells["公开04/总计"] = cell(t[1])
    assert n == 26, n

    # 公开06: three (code, name, amount) triples per row
    body = section(lines, "公开06表", "注：本表反映单位本年度一般公共预算财政拨款基本支出")
    for line in body:
        t = tokens(line)
        i = 0
        while i < len(t):
            if t[i].isdigit() and len(t[i]) in (3, 5) and i + 2 < len(t) and NUMBER.match(t[i + 2]):
                cells[f"公开06/{t[i]}"] = cell(t[i + 2])
                i += 3
            else:
                i += 1
        if t and t[0] == "人员经费合计":
            cells["公开06/人员经费合计"] = cell(t[1])
            cells["公开06/公用经费合计"] = cell(t[3])
    notes["公开06/人员经费合计"] = "源文件印作 151.3，按两位小数记为 151.30"
    notes["公开06/公用经费合计"] = (
        "源文件印作 70.3；302 商品和服务支出 65.84 + 310 资本性支出 4.47 = 70.31，"
        "合计印 70.30：各格独立四舍五入的尾数误差（合计是精确数之和的舍入）"
    )

    # 公开07: only 决算数 is printed; the text says 三公 spending was 100 % of budget
    body = section(lines, "公开07表", "注：本表反映单位本年度“三公”经费支出决算情况")
    labels = {
        "合计": "合计",
        "1. 因公出国（境）费": "因公出国（境）费",
        "2. 公务用车购置及运行维护费": "公务用车购置及运行维护费",
        "其中：（1）公务用车购置费": "公务用车购置费",
        "（2）公务用车运行维护费": "公务用车运行维护费",
        "3. 公务接待费": "公务接待费",
    }
    for line in body:
        t = tokens(line)
        if t and t[0] in labels and len(t) >= 3:
            cells[f"公开07/{labels[t[0]]}/决算数"] = cell(t[-1])
    for label in ("合计", "公务接待费"):
        cells[f"公开07/{label}/预算数"] = cells[f"公开07/{label}/决算数"]
        notes[f"公开07/{label}/预算数"] = (
            "表中未印预算数；说明第七部分称“完成全年预算的 100%”，故预算数 = 决算数"
        )

    # 公开08 / 公开09: empty tables, totals only
    for column in ("年初结转和结余", "本年收入", "本年支出合计", "基本支出", "项目支出", "年末结转和结余"):
        cells[f"公开08/合计/{column}"] = "0.00"
    for column in ("合计", "基本支出", "项目支出"):
        cells[f"公开09/合计/{column}"] = "0.00"

    # 自评: the funds line (年度资金总额) of each sheet, in order
    sheets = self_evaluation(lines)
    total_quota = Decimal(0)
    for k, (_name, values) in enumerate(sheets, start=1):
        code = f"P2024-{k:03d}"
        opening, quota, paid, _, rate, score = values
        for column, value in (
            ("年初预算数", opening),
            ("全年预算数", quota),
            ("全年执行数", paid),
            ("执行率", rate),
            ("得分", score),
        ):
            cells[f"自评/{code}/{column}"] = cell(value)
        total_quota += Decimal(quota)
    stated = re.search(r"涉及财政拨款资金共计\s*([\d.]+)\s*万元", "\n".join(lines))
    assert stated is not None
    cells["自评/合计/全年预算数"] = cell(stated.group(1))
    notes["自评/合计/全年预算数"] = (
        f"说明第八部分称 69 个项目涉及财政拨款资金 {stated.group(1)} 万元，"
        f"而 69 张自评表的全年预算数合计为 {total_quota:.2f} 万元：源文件自相矛盾"
    )
    sheet8 = "P2024-008"
    for column in ("全年预算数", "全年执行数", "执行率", "得分"):
        notes[f"自评/{sheet8}/{column}"] = (
            "“2022 年度中小企业梯度培养正向奖励资金”自评表资金栏印全年预算数、执行数 0.00，但其成本指标实际完成值为 35.5 万元，"
            "公开03/05 的 2150899 其他支持中小企业发展和管理支出 决算 35.50 万元正是这笔支出（3902.39 + 5.08 + 7.16 + 35.50 = "
            "3950.13 = 项目支出）：源文件自相矛盾，账簿按实际支付记录"
        )
    for code, rate in (("P2024-066", "2.28"), ("P2024-067", "69.47")):
        notes[f"自评/{code}/得分"] = (
            f"执行率 {rate}% 印得分 {cells[f'自评/{code}/得分']}，不符合任何单一规则：账簿以记录的认定得分复现"
        )
    published = {
        "unit": "153001",
        "year": 2024,
        "unit_of_amount": "万元",
        "source": "2024年度福州市鼓楼区工业和信息化局（本级）决算, 公开01–09 and 附件一（../shared/seeds/002_ada3e610281bf11c.txt）",
        "cells": dict(sorted(cells.items())),
        "notes": dict(sorted(notes.items())),
    }
    return published, prior_year(lines)


def self_evaluation(lines: list[str]) -> list[tuple[str, list[str]]]:
    sheets = []
    for i, line in enumerate(lines):
        if line.startswith("项目名称"):
            name = tokens(line)[1]
            for j in range(i, i + 12):
                if "年度资金总额" in lines[j]:
                    sheets.append((name, tokens(lines[j])[1:7]))
                    break
    assert len(sheets) == 69, len(sheets)
    return sheets


def prior_year(lines: list[str]) -> dict[str, Any]:
    """The 2023 figures the explanatory text implies (2024 value ∓ the stated change)."""
    text = "\n".join(lines)
    cells: dict[str, str] = {}
    notes: dict[str, str] = {}
    m = re.search(r"2024 年度收入 ([\d.]+) 万元，比上年决算数减少 ([\d.]+) 万元", text)
    assert m is not None
    cells["公开01/本年收入合计"] = f"{Decimal(m.group(1)) + Decimal(m.group(2)):.2f}"
    notes["公开01/本年收入合计"] = f"{m.group(1)} + {m.group(2)}（“比上年决算数减少 {m.group(2)} 万元”）"
    m = re.search(r"2024 年度支出 ([\d.]+) 万元，比上年决算数减少 ([\d.]+) 万元", text)
    assert m is not None
    cells["公开01/本年支出合计"] = f"{Decimal(m.group(1)) + Decimal(m.group(2)):.2f}"
    notes["公开01/本年支出合计"] = f"{m.group(1)} + {m.group(2)}；与收入的减少数 806.60 不一致，源文件如此"
    for m in re.finditer(
        r"[（(][^）)]+[）)]\s*(\d{7})-[^\s]+ ([\d.]+) 万元，较上年决算数(增加|减少) ([\d.]+) 万元", text
    ):
        code, now, way, change = m.group(1), Decimal(m.group(2)), m.group(3), Decimal(m.group(4))
        before = now - change if way == "增加" else now + change
        cells[f"公开05/{code}/合计"] = f"{before:.2f}"
        notes[f"公开05/{code}/合计"] = (
            f"2024 年 {now:.2f} {'−' if way == '增加' else '+'} {change:.2f}（说明第三部分）"
        )
    m = re.search(r"“三公”经费支出 ([\d.]+) 万元，完成全年预算的 100%；较上年减少 ([\d.]+) 万元", text)
    assert m is not None
    before = Decimal(m.group(1)) + Decimal(m.group(2))
    cells["公开07/合计/决算数"] = f"{before:.2f}"
    cells["公开07/公务接待费/决算数"] = f"{before:.2f}"
    notes["公开07/合计/决算数"] = f"{m.group(1)} + {m.group(2)}；上年三公经费均为公务接待费（说明第七部分）"
    m = re.search(r"机关运行经费支出([\d.]+)万元，比上年决算数增加([\d.]+)万元", text)
    assert m is not None
    cells["其他/机关运行经费"] = f"{Decimal(m.group(1)) - Decimal(m.group(2)):.2f}"
    notes["其他/机关运行经费"] = f"{m.group(1)} − {m.group(2)}（说明第九部分）"
    return {
        "unit": "153001",
        "year": 2023,
        "unit_of_amount": "万元",
        "source": "2024 年决算说明中与上年决算数的比较（推算）",
        "cells": dict(sorted(cells.items())),
        "notes": dict(sorted(notes.items())),
    }


HOLD = re.compile(
    r"(待区财政统筹拨付|等待区财政局统筹拨付|待财政统筹支付|区财政未及时拨付|财政暂未付款|财政统筹拨付)"
)
DOC = re.compile(r"榕财企（指）\s*[\[【]\s*(\d{4})\s*[\]】]\s*(\d+)\s*号")


def sheet_rows(lines: list[str]) -> list[dict[str, str]]:
    """Name, 文号, level and printed hold wording of each 自评 sheet, in order."""
    starts = [i for i, line in enumerate(lines) if line.startswith("项目名称")]
    rows = []
    for k, start in enumerate(starts, start=1):
        end = starts[k] if k < len(starts) else len(lines)
        name = re.sub(r"\s+", " ", tokens(lines[start])[1]).strip()
        doc = DOC.search(name)
        tail = re.split(r"[—\-]+", name)[-1]  # "…——市级" names the level after the last dash
        level = next((lv for lv in ("市级", "省级") if lv in tail), "")
        if not level:
            level = "省级" if "省级" in name else "市级" if ("市级" in name or "资市级金" in name) else ""
        body = "\n".join(lines[start:end])
        hold = HOLD.search(body)
        rows.append(
            {
                "code": f"P2024-{k:03d}",
                "name": name,
                "doc": f"榕财企（指）[{doc.group(1)}]{doc.group(2)}号" if doc else "",
                "level": level,
                "hold_reason": hold.group(1) if hold else "",
                "line": str(start + 1),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=SEED)
    args = parser.parse_args()
    published, prior = transcribe(args.seed)
    out = ROOT / "data" / "guloo-2024"
    out.mkdir(parents=True, exist_ok=True)
    for name, document in (("published.json", published), ("prior-2023.json", prior)):
        (out / name).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out / name}: {len(document['cells'])} cells")
    rows = sheet_rows(args.seed.read_text(encoding="utf-8").split("\n"))
    columns = ["code", "name", "doc", "level", "hold_reason", "line"]
    text = "\t".join(columns) + "\n" + "".join("\t".join(r[c] for c in columns) + "\n" for r in rows)
    (out / "sheets.tsv").write_text(text, encoding="utf-8")
    print(f"wrote {out / 'sheets.tsv'}: {len(rows)} sheets")


if __name__ == "__main__":
    main()
