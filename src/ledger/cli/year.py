"""``ledger year close``: the year-end close of a unit."""

from __future__ import annotations

import click

from ledger.application import check_unit_code
from ledger.cli import Session, pass_session
from ledger.cli.params import YEAR
from ledger.errors import MalformedInput
from ledger.money import Amount


@click.group("year")
def year_group() -> None:
    """年度：年终结账（结转或收回）。"""


@year_group.command("close")
@click.argument("unit")
@click.argument("year", type=YEAR)
@click.option(
    "--withdraw",
    multiple=True,
    metavar="PROJECT",
    help="收回该项目的未支付指标（可重复，或在其后列出多个项目）；其余项目的未支付指标结转下年。",
)
@click.argument("more", nargs=-1, metavar="[PROJECT]...")
@pass_session
def year_close(
    session: Session, unit: str, year: int, withdraw: tuple[str, ...], more: tuple[str, ...]
) -> None:
    """结账单位 UNIT 的 YEAR 年度：未支付指标结转（或收回），此后不能再记入该年度。

    ledger year close 153001 2024 --withdraw P1 P2 收回 P1、P2 的未支付指标。
    """
    if more and not withdraw:
        raise MalformedInput(f"多余的参数：{' '.join(more)}。要收回指标的项目请写在 --withdraw 之后。")
    withdraw = (*withdraw, *more)
    code = check_unit_code(unit)
    ledger = session.ledger()
    refs = [ledger.resolve_project(w if "/" in w else f"{code}/{w}") for w in withdraw]
    summary = ledger.close_year(code, year, withdraw=refs, actor=session.actor)
    session.wrote()
    carried = sum(c for _, c, _ in summary)
    taken = sum(w for _, _, w in summary)
    lines = [f"已结账：单位 {code} {year} 年度，{len(summary)} 个项目"]
    lines += [
        f"  {p}  结转 {Amount(c)} 元" + (f"  收回 {Amount(w)} 元" if w else "")
        for p, c, w in summary
        if c or w
    ]
    lines.append(f"合计结转 {Amount(carried)} 元，收回 {Amount(taken)} 元")
    balances = ledger.get_unit(code).carried_text(year + 1)
    lines.append(f"年末结转和结余已结转为 {year + 1} 年初：{balances}")
    session.emit(
        "\n".join(lines),
        {
            "ok": True,
            "unit": code,
            "year": year,
            "projects": [{"project": p, "carried_fen": c, "withdrawn_fen": w} for p, c, w in summary],
            "carried_fen": carried,
            "withdrawn_fen": taken,
            "balances_carried_fen": {
                fund: amount for (y, fund), amount in ledger.get_unit(code).carried.items() if y == year + 1
            },
        },
    )
