"""Write the 2024 reference year as acts: ``data/guloo-2024/ledger.jsonl``.

    python scripts/make_reference_ledger.py

Reads the transcription (``published.json``, ``sheets.tsv``) and the choices the source
leaves open (README.md of the data set says each one), and writes one act per line in
the order a clerk would record them. Deterministic: running it again gives the same
file. ``scripts/build_reference.py`` records the file through ``ledger import``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "guloo-2024"
UNIT = "153001"

# Function codes of the executed sheets: fixed by the text (2080199, 2111001, 2150210,
# 2150899) or chosen (2159904 技术改造 and innovation; the rest 2150805) so that the
# per-项 totals equal 公开05 exactly. The split 2150805 / 2159904 is printed nowhere.
FIXED = {
    "P2024-043": "2080199",
    "P2024-064": "2080199",  # 产业领军团队: 250 + 400 = 650.00
    "P2024-034": "2111001",  # 春节期间企业用电奖励 3.43
    "P2024-021": "2150210",
    "P2024-022": "2150210",  # 传统工艺美术 54.99 + 12.56 = 67.55
    "P2024-008": "2150899",  # 中小企业梯度培养正向奖励 35.50 (the sheet prints 0.00 executed)
}
TECH = [
    "P2024-004",
    "P2024-005",
    "P2024-023",
    "P2024-028",
    "P2024-061",  # 首台套, 技术改造
    "P2024-018",
    "P2024-040",  # 技术创新重点攻关 / 软件技术创新攻关 (省级)
    "P2024-030",
    "P2024-037",
    "P2024-058",  # 产学研, 人工智能应用场景
    "P2024-025",
    "P2024-026",
    "P2024-029",
    "P2024-031",
    "P2024-032",
    "P2024-054",  # 工业互联网, 融合, 技术中心
    "P2024-024",
]  # 优秀创新产品
TECH_TOTAL = Decimal("1428.10")
SMES_TOTAL = Decimal("1753.31")
PERSON_AWARD = {"P2024-022", "P2024-068"}  # awards to individuals (申报人 / 个人)

# 基本支出 (公开06) in 元, exact, so that each 款 and 类 and the totals round as printed:
# 302 items sum to 658,354 元 (65.84) and 310 to 44,650 元 (4.47), whose exact sum
# 703,004 元 prints 70.30 although the printed cells add to 70.31.
PERSONNEL = {
    "30101": 275100,
    "30102": 229400,
    "30103": 275400,
    "30108": 91400,
    "30109": 45700,
    "30110": 34300,
    "30111": 27300,
    "30112": 1100,
    "30113": 83100,
    "30399": 450200,
}
OPERATING = {
    "30201": 1500,
    "30207": 1100,
    "30211": 800,
    "30226": 577554,
    "30239": 41400,
    "30299": 34700,
    "31002": 44650,
}
HOSPITALITY = 1300  # 30217 公务接待费 0.13, on its own line so that 公开07 预算数 = 决算数
CASUAL_2023 = 34400  # 2150101 行政运行 3.44: 补发 2023 年度临聘人员工资福利 (30226)


def fen(wan: str) -> int:
    return int(Decimal(wan) * 1_000_000)


def yuan(fen_amount: int) -> str:
    assert fen_amount % 100 == 0, fen_amount
    return f"{fen_amount // 100}.00"


def doc_date(doc: str, fallback: dt.date) -> dt.date:
    """2024 quota documents dated in number order: [2024]1号 on 10 January … [2024]75号 in November."""
    if "[2024]" in doc:
        number = int(doc.split("]")[1].removesuffix("号"))
        return dt.date(2024, 1, 10) + dt.timedelta(days=4 * number)
    return fallback


def subset(items: list[tuple[str, int]], target: int) -> list[str]:
    """Codes whose amounts add up to ``target`` exactly, preferring the earlier items.

    Amounts are multiples of 0.01 万元 (10,000 分), so the search runs over that grid.
    """
    grain = 10_000
    goal = target // grain
    came_from: list[tuple[int, str] | None] = [None] * (goal + 1)
    reached = [False] * (goal + 1)
    reached[0] = True
    for code, amount in items:
        step = amount // grain
        for total in range(goal - step, -1, -1):
            if reached[total] and not reached[total + step]:
                reached[total + step] = True
                came_from[total + step] = (total, code)
    if not reached[goal]:
        raise SystemExit(f"no subset adds up to {target}")
    chosen, at = [], goal
    while at:
        previous = came_from[at]
        assert previous is not None
        at, code = previous
        chosen.append(code)
    return chosen


def split(amount: int, parts: int) -> list[int]:
    """An amount in 分 split into whole-元 payments, the last taking the remainder."""
    step = (amount // parts) // 100 * 100
    return [step] * (parts - 1) + [amount - step * (parts - 1)]


def main() -> None:
    published = json.loads((DATA / "published.json").read_text(encoding="utf-8"))["cells"]
    sheets = [
        dict(zip(["code", "name", "doc", "level", "hold_reason", "line"], line.split("\t"), strict=True))
        for line in (DATA / "sheets.tsv").read_text(encoding="utf-8").splitlines()[1:]
    ]
    figures = {
        s["code"]: {
            c: fen(published[f"自评/{s['code']}/{c}"]) for c in ("年初预算数", "全年预算数", "全年执行数")
        }
        for s in sheets
    }
    executed = [
        (s["code"], figures[s["code"]]["全年执行数"])
        for s in sheets
        if figures[s["code"]]["全年执行数"] and s["code"] not in FIXED
    ]
    by_code = dict(executed)
    ordered = [(c, by_code[c]) for c in TECH if c in by_code] + [(c, a) for c, a in executed if c not in TECH]
    tech = subset(ordered, fen(str(TECH_TOTAL)))
    functions = dict(FIXED)
    for code, _ in executed:
        functions[code] = "2159904" if code in tech else "2150805"
    assert sum(a for c, a in executed if functions[c] == "2150805") == fen(str(SMES_TOTAL))

    acts: list[dict[str, Any]] = [
        {"op": "unit.add", "unit": UNIT, "name": "福州市鼓楼区工业和信息化局（本级）", "kind": "行政单位"}
    ]
    later: list[tuple[dt.date, int, dict[str, Any]]] = []  # dated acts, recorded in date order

    def dated(on: dt.date, act: dict[str, Any]) -> None:
        later.append((on, len(later), act))

    # 基本支出 lines and the other 项目支出 lines
    basic = [
        (
            "JB-2150101-YX",
            "行政运行（补发 2023 年度临聘人员工资福利）",
            "2150101",
            "运转类",
            "30226",
            {"30226": CASUAL_2023},
        ),
        ("JB-2150501-RY", "行政运行—人员经费", "2150501", "人员类", "30101", PERSONNEL),
        (
            "JB-2150501-GY",
            "行政运行—公用经费",
            "2150501",
            "运转类",
            "30299",
            {k: v - (CASUAL_2023 if k == "30226" else 0) for k, v in OPERATING.items()},
        ),
        ("JB-2150501-JD", "行政运行—公务接待费", "2150501", "运转类", "30217", {"30217": HOSPITALITY}),
        ("XM-2150503", "机关服务（节能及安全宣传）", "2150503", "其他运转类", "30299", {"30299": 50800}),
        (
            "XM-2150599",
            "海洋经济活动单位名录更新第三方服务（第二期）",
            "2150599",
            "其他运转类",
            "30227",
            {"30227": 71600},
        ),
    ]
    for code, name, function, category, economic, spending in basic:
        acts.append(
            {
                "op": "project.add",
                "unit": UNIT,
                "code": code,
                "name": name,
                "function": function,
                "category": category,
                "economic": economic,
                "level": "区级",
            }
        )
        total = sum(spending.values()) * 100
        acts.append(
            {
                "op": "appropriation.issue",
                "project": f"{UNIT}/{code}",
                "amount": yuan(total),
                "date": "2024-01-01",
                "doc": "鼓财预〔2024〕部门预算批复",
                "kind": "年初",
            }
        )
        for n, (econ, amount_yuan) in enumerate(sorted(spending.items())):
            months = 12 if category == "人员类" else 4
            for m, part in enumerate(split(amount_yuan * 100, months)):
                on = dt.date(2024, 1 + (m * 12 // months), 15 + n % 10)
                dated(
                    on,
                    {
                        "op": "payment.request",
                        "project": f"{UNIT}/{code}",
                        "amount": yuan(part),
                        "payee": "单位职工" if category == "人员类" else "相关供应商及服务单位",
                        "economic": econ,
                        "date": on.isoformat(),
                        "key": f"{code}-{econ}-{m + 1}",
                        "settled_on": on.isoformat(),
                    },
                )

    # the 69 project sheets
    for s in sheets:
        code, f = s["code"], figures[s["code"]]
        function = functions.get(code) or (
            "2150210"
            if "工艺美术" in s["name"]
            else "2159904"
            if any(k in s["name"] for k in ("技术改造", "攻关", "技术中心", "产学研"))
            else "2150805"
        )
        economic = "30309" if code in PERSON_AWARD else "31299"
        acts.append(
            {
                "op": "project.add",
                "unit": UNIT,
                "code": code,
                "name": s["name"],
                "function": function,
                "category": "特定目标类",
                "economic": economic,
                "doc": s["doc"],
                **({"level": s["level"]} if s["level"] else {}),
            }
        )
        ref = f"{UNIT}/{code}"
        opening, quota, paid = f["年初预算数"], f["全年预算数"], f["全年执行数"]
        if code == "P2024-008":  # the 35.50 paid on this line; the rest of its 100.00 withdrawn
            paid, quota = fen("35.50"), fen("35.50")
        issue_on = doc_date(s["doc"], dt.date(2024, 1, 20))
        if opening:
            acts.append(
                {
                    "op": "appropriation.issue",
                    "project": ref,
                    "amount": yuan(opening),
                    "date": "2024-01-01",
                    "doc": s["doc"] or "鼓楼区级资金",
                    "kind": "结转",
                }
            )
        extra = quota - opening
        if extra > 0:
            dated(
                issue_on,
                {
                    "op": "appropriation.issue",
                    "project": ref,
                    "amount": yuan(extra),
                    "date": issue_on.isoformat(),
                    "doc": s["doc"] or "鼓楼区人才六条措施专项（区级追加）",
                    "kind": "转移支付" if s["doc"] else "追加",
                },
            )
        pay_from = max(issue_on, dt.date(2024, 1, 1)) + dt.timedelta(days=30)
        if paid:
            parts = 1 if paid <= fen("50") else 3 if paid <= fen("300") else 5
            for n, part in enumerate(split(paid, parts)):
                on = min(pay_from + dt.timedelta(days=7 * n), dt.date(2024, 12, 20))
                payee = f"{'个人' if code in PERSON_AWARD else '受益企业'}（{code}-{n + 1}）"
                dated(
                    on,
                    {
                        "op": "payment.request",
                        "project": ref,
                        "amount": yuan(part),
                        "payee": payee,
                        "economic": economic,
                        "date": on.isoformat(),
                        "key": f"{code}-{n + 1}",
                        "settled_on": on.isoformat(),
                    },
                )
        if extra < 0 or code == "P2024-008":
            on = dt.date(2024, 11, 30)
            dated(
                on,
                {
                    "op": "appropriation.reduce",
                    "project": ref,
                    "amount": yuan(opening - quota),
                    "date": on.isoformat(),
                    "doc": "区财政年中指标调整（源文件未载文号）",
                    "reason": "项目调整，未使用指标收回",
                },
            )
        unexecuted = quota - paid
        if s["hold_reason"] and unexecuted > 0:
            on = min(max(issue_on + dt.timedelta(days=20), dt.date(2024, 10, 15)), dt.date(2024, 12, 10))
            key = f"{code}-H"
            dated(
                on,
                {
                    "op": "payment.request",
                    "project": ref,
                    "amount": yuan(unexecuted),
                    "payee": f"受益企业（{code}，待兑现）",
                    "economic": economic,
                    "date": on.isoformat(),
                    "key": key,
                },
            )
            held = on + dt.timedelta(days=5)
            dated(
                held,
                {
                    "op": "payment.hold",
                    "project": ref,
                    "key": key,
                    "date": held.isoformat(),
                    "reason": s["hold_reason"],
                },
            )
    # printed scores that no single rule gives: recorded as overrides
    for code in ("P2024-066", "P2024-067"):
        dated(
            dt.date(2024, 12, 31),
            {
                "op": "score.set",
                "project": f"{UNIT}/{code}",
                "year": "2024",
                "score": published[f"自评/{code}/得分"],
                "reason": "按自评表认定",
            },
        )
    acts += [act for _, _, act in sorted(later, key=lambda t: (t[0], t[1]))]
    acts.append({"op": "year.close", "unit": UNIT, "year": "2024"})
    out = DATA / "ledger.jsonl"
    out.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in acts), encoding="utf-8")
    print(f"wrote {out}: {len(acts)} acts; 2159904 = {', '.join(sorted(tech))}")


if __name__ == "__main__":
    main()
