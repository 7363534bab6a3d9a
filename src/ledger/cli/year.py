"""``ledger year close|reopen``: the year-end close of a unit, its preview, and 反结账."""

from __future__ import annotations

import sys

import click

from ledger.application import check_unit_code
from ledger.cli import Session, pass_session
from ledger.cli.params import REASON, YEAR
from ledger.errors import MalformedInput
from ledger.money import Amount


@click.group("year")
def year_group() -> None:
    """年度：年终结账（结转或收回）、预览、反结账。"""


def _summary_lines(
    code: str, year: int, summary: list[tuple[str, int, int]], balances: dict[str, int], *, preview: bool
) -> list[str]:
    carried = sum(c for _, c, _ in summary)
    taken = sum(w for _, _, w in summary)
    head = "结账预览（未记录任何内容）" if preview else "已结账"
    lines = [f"{head}：单位 {code} {year} 年度，{len(summary)} 个项目"]
    lines += [
        f"  {p}  结转 {Amount(c)} 元" + (f"  收回 {Amount(w)} 元" if w else "")
        for p, c, w in summary
        if c or w
    ]
    lines.append(f"合计{'将' if preview else ''}结转 {Amount(carried)} 元，收回 {Amount(taken)} 元")
    shown = "、".join(f"{f} {Amount(a)} 元" for f, a in sorted(balances.items())) or "各资金性质均为 0.00 元"
    lines.append(f"年末结转和结余{'将' if preview else '已'}结转为 {year + 1} 年初：{shown}")
    return lines


def on_terminal() -> bool:
    """Whether a person is at the keyboard (a script, a pipe or CI is not asked)."""
    return sys.stdin.isatty()


@year_group.command("close")
@click.argument("unit")
@click.argument("year", type=YEAR)
@click.option(
    "--withdraw",
    multiple=True,
    metavar="PROJECT",
    help="收回该项目的未支付指标（可重复，或在其后列出多个项目）；其余项目的未支付指标结转下年。",
)
@click.option("--dry-run", is_flag=True, help="只预览将结转和收回的金额，不记录。")
@click.option("--yes", "-y", is_flag=True, help="不再询问确认（脚本中使用）。")
@click.argument("more", nargs=-1, metavar="[PROJECT]...")
@pass_session
def year_close(
    session: Session,
    unit: str,
    year: int,
    withdraw: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    more: tuple[str, ...],
) -> None:
    """结账单位 UNIT 的 YEAR 年度：未支付指标结转（或收回），此后不能再记入该年度。

    在终端上先显示预览并请求确认（--yes 跳过）；--dry-run 只预览。
    """
    if more and not withdraw:
        raise MalformedInput(f"多余的参数：{' '.join(more)}。要收回指标的项目请写在 --withdraw 之后。")
    withdraw = (*withdraw, *more)
    code = check_unit_code(unit)
    from ledger import commands as c

    ledger = session.ledger()
    refs = [ledger.resolve_project(w if "/" in w else f"{code}/{w}") for w in withdraw]
    strangers = [str(r) for r in refs if r.unit != code]
    if strangers:
        raise MalformedInput(f"要收回的项目 {'、'.join(strangers)} 不属于单位 {code}。")
    close = c.CloseYear(unit=code, year=year, withdraw=tuple(sorted({r.code for r in refs})))
    ask = not dry_run and not yes and on_terminal() and session.fmt != "json"
    if dry_run or ask:
        preview = session.execute(close, dry_run=True).lines
        lines = _summary_lines(code, year, preview, ledger.last_close_balances, preview=True)
        if dry_run:
            session.emit(
                "\n".join(lines), _data(code, year, preview, ledger.last_close_balances, dry_run=True)
            )
            return
        click.echo("\n".join(lines))
        if not click.confirm(
            f"确认结账 {year} 年度？结账后该年度不能再记账（可用 year reopen 反结账）", default=False
        ):
            raise click.exceptions.Abort()
    summary, recorded = session.execute(close)
    if not recorded:
        session.emit(
            f"单位 {code} {year} 年度已按同样的收回项目结账，未重复记录。",
            {"ok": True, "unit": code, "year": year, "created": False},
        )
        return
    session.wrote()
    lines = _summary_lines(code, year, summary, ledger.last_close_balances, preview=False)
    session.emit("\n".join(lines), _data(code, year, summary, ledger.last_close_balances, dry_run=False))


def _data(
    code: str, year: int, summary: list[tuple[str, int, int]], balances: dict[str, int], *, dry_run: bool
) -> dict[str, object]:
    return {
        "ok": True,
        "dry_run": dry_run,
        "unit": code,
        "year": year,
        "projects": [{"project": p, "carried_fen": c, "withdrawn_fen": w} for p, c, w in summary],
        "carried_fen": sum(c for _, c, _ in summary),
        "withdrawn_fen": sum(w for _, _, w in summary),
        "balances_carried_fen": balances,
    }


@year_group.command("reopen")
@click.argument("unit")
@click.argument("year", type=YEAR)
@click.option("--reason", type=REASON, required=True, help="反结账原因。")
@pass_session
def year_reopen(session: Session, unit: str, year: int, reason: str) -> None:
    """反结账：撤回单位 UNIT 最近一次结账（YEAR 年度），该年度重新可以记账。

    其后年度已有依赖结转的业务时拒绝，并列出这些业务。
    """
    code = check_unit_code(unit)
    from ledger import commands as c

    undone = session.execute(c.ReopenYear(unit=code, year=year, reason=reason))
    session.wrote()
    session.emit(
        f"已反结账：单位 {code} {year} 年度（{len(undone)} 个项目的结转已撤回），原因：{reason}",
        {"ok": True, "unit": code, "year": year, "projects": undone, "reason": reason},
    )
