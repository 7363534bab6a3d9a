"""``ledger report balances UNIT YEAR``: 年初, 收入, 支出, 年末 by fund, with the identities checked.

Built here from the read models with nothing beyond the standard library (the click
command is in ``projections.reports.cli``), so the launcher can run a plain invocation.
"""

from __future__ import annotations

from ledger.money import wan
from projections import accounts
from projections.output import Report, Sheet
from projections.query import Cutoff, Reader, unit_name


def build(db: Reader, *, unit: str, year: int, cut: Cutoff) -> tuple[Report, bool]:
    """The report, read in one go (one read transaction: ``db``), and whether every identity holds."""
    name = unit_name(db, unit)
    facts = accounts.gather(db, unit, year, cut)
    table = accounts.cells(facts)
    by_fund = accounts.balances(facts)
    rows = [[fund, *(wan(v) for v in values)] for fund, values in by_fund.items()]
    totals = [sum(v[i] for v in by_fund.values()) for i in range(4)]
    rows.append(["合计", *(wan(v) for v in totals)])
    checks = accounts.identities(facts, table)
    check_rows = [[label, "成立" if ok else "不成立"] for label, ok in checks]
    data = {
        "unit": unit,
        "year": year,
        "funds": {
            f: dict(zip(["年初结转和结余", "本年收入", "本年支出", "年末结转和结余"], v, strict=True))
            for f, v in by_fund.items()
        },
        "identities": [{"identity": label, "holds": ok} for label, ok in checks],
        "unit_of_amount": "分",
    }
    report = Report(
        f"{year} 年度结转和结余（按资金性质）",
        [
            Sheet(
                "结转和结余",
                ["资金性质", "年初结转和结余", "本年收入", "本年支出", "年末结转和结余"],
                rows,
                notes=[
                    "注：财政拨款收入在国库支付时确认（收入 = 支出）；已下达未支付的指标不是收入，也不是结余。"
                ],
            ),
            Sheet("恒等式校验", ["恒等式", "结果"], check_rows),
        ],
        subtitle=f"单位：{name}（{unit}）    单位：万元"
        + (f"    {cut.describe()}" if cut.describe() else ""),
        data=data,
    )
    return report, all(ok for _, ok in checks)
