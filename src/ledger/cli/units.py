"""``ledger unit …`` and ``ledger project …``: who holds money, and on which lines."""

from __future__ import annotations

import click

from ledger.application import ProjectRef, check_project_code, check_unit_code
from ledger.cli import LazyGroup, Session, pass_session
from ledger.cli.params import AMOUNT, DOC, ECONOMIC, FUNCTION, NAME, REASON, YEAR, Choice
from ledger.domain.kinds import Category, Fund, Level
from ledger.domain.unit import UnitKind
from ledger.errors import MalformedInput
from ledger.money import Amount


def _unit_code(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from ledger.errors import LedgerError

    try:
        return check_unit_code(value)
    except LedgerError as e:
        raise click.BadParameter(e.message, ctx, param) from None


def _project_code(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from ledger.errors import LedgerError

    try:
        return check_project_code(value)
    except LedgerError as e:
        raise click.BadParameter(e.message, ctx, param) from None


@click.group("unit", cls=LazyGroup)
def unit_group() -> None:
    """预算单位：登记、年初结转和结余。"""


@unit_group.command("add")
@click.argument("unit", callback=_unit_code)
@click.argument("name", type=NAME)
@click.option(
    "--kind",
    type=Choice([k.value for k in UnitKind]),
    default=UnitKind.ADMINISTRATIVE.value,
    show_default=True,
    help="单位性质。",
)
@pass_session
def unit_add(session: Session, unit: str, name: str, kind: str) -> None:
    """登记预算单位 UNIT（单位编码）及其名称 NAME。"""
    from ledger import commands as c

    created = session.execute(c.AddUnit(unit=unit, name=name, kind=UnitKind(kind)))
    if created:
        session.wrote()
    session.emit(
        f"{'已登记' if created else '已存在，未重复登记'}单位 {unit} {name}（{kind}）",
        {"ok": True, "unit": unit, "name": name, "kind": kind, "created": created},
    )


@unit_group.command("opening-balance")
@click.argument("unit", callback=_unit_code)
@click.argument("year", type=YEAR)
@click.argument("amount", type=AMOUNT)
@click.option(
    "--fund",
    type=Choice([f.value for f in Fund]),
    required=True,
    metavar="资金性质",
    help="资金性质：一般公共预算、政府性基金预算、国有资本经营预算、非财政拨款或五类非财政收入。",
)
@click.option(
    "--reason",
    type=REASON,
    default=None,
    help="更正原因：更正由上年结账结转的年初数时必填（更正单独记录，结转记录保留）。",
)
@pass_session
def unit_opening_balance(
    session: Session, unit: str, year: int, amount: Amount, fund: str, reason: str | None
) -> None:
    """记录首个记账年度 YEAR 的年初结转和结余。

    以后年度的年初结转和结余由上年 `ledger year close` 自动结转；确需更正时加 --reason。
    """
    from ledger import commands as c

    session.execute(c.SetOpeningBalance(unit=unit, year=year, fund=Fund(fund), amount=amount, reason=reason or ""))
    session.wrote()
    verb = "已更正" if reason else "已记录"
    session.emit(
        f"{verb}单位 {unit} {year} 年初结转和结余（{fund}）{amount} 元"
        + (f"，原因：{reason}" if reason else ""),
        {
            "ok": True,
            "unit": unit,
            "year": year,
            "fund": fund,
            "amount_fen": amount.fen,
            "correction": bool(reason),
            "reason": reason or "",
        },
    )


@unit_group.command("curve")
@click.argument("unit", callback=_unit_code)
@click.argument("year", type=YEAR)
@click.argument("points", nargs=-1, required=True, metavar="P1 … P12")
@pass_session
def unit_curve(session: Session, unit: str, year: int, points: tuple[str, ...]) -> None:
    """设定 YEAR 年的序时进度曲线：1–12 月末的累计目标百分比（如财政局通报的 7 月 58.00）。"""
    from ledger import commands as c

    session.execute(c.SetCurve(unit=unit, year=year, points=tuple(points)))
    session.wrote()
    session.emit(
        f"已设定单位 {unit} {year} 年序时进度：{'、'.join(f'{i + 1}月 {p}%' for i, p in enumerate(points))}",
        {"ok": True, "unit": unit, "year": year, "points": list(points)},
    )


@click.group("project", cls=LazyGroup)
def project_group() -> None:
    """项目（预算项目）：登记。"""


@project_group.command("add")
@click.argument("unit", callback=_unit_code)
@click.argument("code", callback=_project_code)
@click.argument("name", type=NAME)
@click.option("--function", "function", type=FUNCTION, required=True, help="支出功能分类科目（项，7 位）。")
@click.option(
    "--category",
    type=Choice([c.value for c in Category]),
    required=True,
    help="项目类别：人员类、运转类为基本支出；其他运转类、特定目标类为项目支出。",
)
@click.option(
    "--fund",
    type=Choice([f.value for f in Fund]),
    default=Fund.GENERAL.value,
    show_default=True,
    metavar="资金来源",
    help="资金来源：" + "、".join(f.value for f in Fund) + "。",
)
@click.option("--economic", type=ECONOMIC, default=None, help="默认支出经济分类科目。")
@click.option("--doc", type=DOC, default=None, help="立项或下达文号。")
@click.option("--level", type=Choice([lv.value for lv in Level]), default=None, help="资金级次。")
@click.option(
    "--year",
    type=YEAR,
    default=None,
    help="按该年度的《政府收支分类科目》核对科目（默认：任一已知年度的科目均可）。",
)
@pass_session
def project_add(
    session: Session,
    unit: str,
    code: str,
    name: str,
    function: str,
    category: str,
    fund: str,
    economic: str | None,
    doc: str | None,
    level: str | None,
    year: int | None,
) -> None:
    """在单位 UNIT 下登记项目 CODE，名称 NAME。"""
    from ledger import commands as c

    ref = ProjectRef(unit, code)
    created = session.execute(
        c.AddProject(
            unit=unit,
            code=code,
            name=name,
            function=function,
            category=Category(category),
            fund=Fund(fund),
            economic=economic or "",
            doc=doc or "",
            level=level or "",
            year=year,
        )
    )
    if created:
        session.wrote()
    session.emit(
        f"{'已登记' if created else '已存在，未重复登记'}项目 {ref} {name}（{category}，{function}，{fund}）",
        {
            "ok": True,
            "project": str(ref),
            "name": name,
            "function": function,
            "category": category,
            "fund": fund,
            "created": created,
        },
    )


@project_group.command("amend")
@click.argument("project")
@click.option("--name", type=NAME, default=None, help="正确的项目名称。")
@click.option("--category", type=Choice([c.value for c in Category]), default=None, help="正确的项目类别。")
@click.option("--function", "function", type=FUNCTION, default=None, help="正确的支出功能分类科目。")
@click.option("--reason", type=REASON, default=None, help="修改原因。")
@pass_session
def project_amend(
    session: Session,
    project: str,
    name: str | None,
    category: str | None,
    function: str | None,
    reason: str | None,
) -> None:
    """修改尚无资金往来的项目的名称、类别或功能分类科目。
    """
    if name is None and category is None and function is None:
        raise MalformedInput("请用 --name、--category 或 --function 给出要修改的内容。")
    from ledger import commands as c

    ledger = session.ledger()
    ref, changed = session.execute(
        c.AmendProject(
            project=project,
            reason=reason or "",
            name=name,
            category=Category(category) if category else None,
            function=function,
        )
    )
    if changed:
        session.wrote()
    line = ledger.get_project(ref)
    session.emit(
        f"{'已修改' if changed else '没有变化，未记录'}项目 {ref}：{line.name}（{line.category}，{line.function}）",
        {
            "ok": True,
            "project": str(ref),
            "name": line.name,
            "category": str(line.category),
            "function": line.function,
            "changed": changed,
        },
    )


@project_group.command("close")
@click.argument("project")
@click.option("--reason", type=REASON, required=True, help="撤销原因，如 误登记。")
@pass_session
def project_close(session: Session, project: str, reason: str) -> None:
    """撤销没有指标、待支付和分配的项目（如误登记）：此后不再出现在报表中，也不能再记账。
    """
    from ledger import commands as c

    ref, _ = session.execute(c.CloseProject(project=project, reason=reason))
    session.wrote()
    session.emit(f"已撤销项目 {ref}（原因：{reason}）", {"ok": True, "project": str(ref), "reason": reason})
