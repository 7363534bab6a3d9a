"""``ledger appropriation|allocation|payment|income|score|target``: the money commands."""

from __future__ import annotations

import datetime as dt

import click

from ledger.cli import LazyGroup, Session, pass_session
from ledger.cli.params import (
    AMOUNT,
    DATE,
    DOC,
    ECONOMIC,
    FUNCTION,
    KEY,
    PAYEE,
    REASON,
    YEAR,
    Choice,
    TextType,
)
from ledger.domain.kinds import IssueKind
from ledger.domain.unit import IncomeSource
from ledger.errors import MalformedInput
from ledger.money import Amount
from ledger.text import parse_number, parse_score

PROJECT_HELP = "PROJECT 为 单位/项目编码（编码唯一时可只写项目编码）。"


def _done(session: Session, text: str, **data: object) -> None:
    session.wrote()
    session.emit(text, {"ok": True, **data})


@click.group("appropriation", cls=LazyGroup)
def appropriation_group() -> None:
    """指标：下达、调减（按文号）。"""


@appropriation_group.command("issue")
@click.argument("project")
@click.argument("amount", type=AMOUNT)
@click.option("--date", "on", type=DATE, required=True, help="下达日期 YYYY-MM-DD。")
@click.option("--doc", type=DOC, required=True, help="指标文号，如 榕财企（指）[2024]17号。")
@click.option(
    "--kind",
    type=Choice([k.value for k in IssueKind]),
    default=IssueKind.SUPPLEMENT.value,
    show_default=True,
    help="年初、结转计入年初预算数；追加、转移支付为年中下达。",
)
@pass_session
def appropriation_issue(
    session: Session, project: str, amount: Amount, on: dt.date, doc: str, kind: str
) -> None:
    """向项目下达指标 AMOUNT（元，或带“万”的万元）。"""
    from ledger import commands as c

    ref, _ = session.execute(c.IssueQuota(project=project, amount=amount, on=on, doc=doc, kind=IssueKind(kind)))
    _done(
        session,
        f"已下达指标：{ref} {amount} 元（{kind}，{doc}，{on}）",
        project=str(ref),
        amount_fen=amount.fen,
        date=on.isoformat(),
        doc=doc,
        kind=kind,
    )


@appropriation_group.command("reduce")
@click.argument("project")
@click.argument("amount", type=AMOUNT)
@click.option("--date", "on", type=DATE, required=True, help="调减日期。")
@click.option("--doc", type=DOC, required=True, help="调减文号。")
@click.option("--reason", type=REASON, required=True, help="调减原因。")
@pass_session
def appropriation_reduce(
    session: Session, project: str, amount: Amount, on: dt.date, doc: str, reason: str
) -> None:
    """调减（收回）项目指标 AMOUNT。"""
    from ledger import commands as c

    ref, _ = session.execute(c.ReduceQuota(project=project, amount=amount, on=on, doc=doc, reason=reason))
    _done(
        session,
        f"已调减指标：{ref} {amount} 元（{doc}，{on}，{reason}）",
        project=str(ref),
        amount_fen=amount.fen,
        date=on.isoformat(),
        doc=doc,
    )


@appropriation_group.command("reverse")
@click.argument("project")
@click.option("--doc", type=DOC, required=True, help="要冲销的那笔下达的文号。")
@click.option("--date", "on", type=DATE, required=True, help="冲销日期（与所冲销的下达同一年度）。")
@click.option("--reason", type=REASON, required=True, help="冲销原因，如 重复录入。")
@click.option(
    "--act",
    type=click.IntRange(min=1),
    default=None,
    help="同一文号有多笔下达时，要冲销的那笔的序号（见 ledger history）。",
)
@click.option("--amount", type=AMOUNT, default=None, help="同一文号有多笔下达时，按金额指定。")
@pass_session
def appropriation_reverse(
    session: Session, project: str, doc: str, on: dt.date, reason: str, act: int | None, amount: Amount | None
) -> None:
    """红字冲销一笔误录的指标下达：冲销后年初预算数、全年预算数都不再计入它。
    """
    from ledger import commands as c

    ref, version, fen, kind = session.execute(
        c.ReverseQuota(project=project, doc=doc, on=on, reason=reason, act=act, amount=amount)
    )
    _done(
        session,
        f"已冲销指标：{ref} #{version} {Amount(fen)} 元（{kind}，{doc}），冲销日期 {on}，原因：{reason}",
        project=str(ref),
        corrects=version,
        amount_fen=fen,
        doc=doc,
        date=on.isoformat(),
    )


@appropriation_group.command("transfer")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.argument("amount", type=AMOUNT)
@click.option("--date", "on", type=DATE, required=True, help="调剂日期。")
@click.option("--doc", type=DOC, required=True, help="调剂文号。")
@click.option("--reason", type=REASON, required=True, help="调剂原因。")
@pass_session
def appropriation_transfer(
    session: Session, source: str, target: str, amount: Amount, on: dt.date, doc: str, reason: str
) -> None:
    """指标调剂：把项目 FROM 的指标 AMOUNT 调到同一单位的项目 TO。
    """
    from ledger import commands as c

    giver, taker = session.execute(
        c.TransferQuota(source=source, target=target, amount=amount, on=on, doc=doc, reason=reason)
    )
    _done(
        session,
        f"已调剂指标：{giver} → {taker} {amount} 元（{doc}，{on}，{reason}）",
        source=str(giver),
        target=str(taker),
        amount_fen=amount.fen,
        doc=doc,
        date=on.isoformat(),
    )


@click.group("allocation")
def allocation_group() -> None:
    """分配：把项目指标分配给收款人（兑现计划）。"""


@allocation_group.command("add")
@click.argument("project")
@click.argument("amount", type=AMOUNT)
@click.option("--payee", type=PAYEE, required=True, help="收款人（企业或个人名称）。")
@click.option("--date", "on", type=DATE, required=True, help="分配日期。")
@pass_session
def allocation_add(session: Session, project: str, amount: Amount, payee: str, on: dt.date) -> None:
    """把项目指标中的 AMOUNT 分配给收款人。"""
    from ledger import commands as c

    ref, _ = session.execute(c.Allocate(project=project, amount=amount, payee=payee, on=on))
    _done(
        session,
        f"已分配：{ref} → {payee} {amount} 元（{on}）",
        project=str(ref),
        payee=payee,
        amount_fen=amount.fen,
        date=on.isoformat(),
    )


@allocation_group.command("reduce")
@click.argument("project")
@click.argument("amount", type=AMOUNT)
@click.option("--payee", type=PAYEE, required=True, help="要调减其分配的收款人。")
@click.option("--date", "on", type=DATE, required=True, help="调减日期。")
@click.option("--reason", type=REASON, required=True, help="调减原因，如 收款人名称录错。")
@pass_session
def allocation_reduce(
    session: Session, project: str, amount: Amount, payee: str, on: dt.date, reason: str
) -> None:
    """调减分配给收款人的额度 AMOUNT（不得低于已支付和待支付给该收款人的金额）。
    """
    from ledger import commands as c

    ref, _ = session.execute(c.ReduceAllocation(project=project, amount=amount, payee=payee, on=on, reason=reason))
    _done(
        session,
        f"已调减分配：{ref} “{payee}” {amount} 元（{on}，{reason}）",
        project=str(ref),
        payee=payee,
        amount_fen=amount.fen,
        date=on.isoformat(),
    )


@click.group("payment", cls=LazyGroup)
def payment_group() -> None:
    """支付：申请、暂缓（待统筹）、拨付、撤销、退款。PAYMENT 为 单位/项目编码/序号。"""


@payment_group.command("request")
@click.argument("project")
@click.argument("amount", type=AMOUNT)
@click.option("--payee", type=PAYEE, required=True, help="收款人。")
@click.option("--economic", type=ECONOMIC, required=True, help="支出经济分类科目（款，5 位）。")
@click.option("--date", "on", type=DATE, required=True, help="申请日期。")
@click.option("--key", type=KEY, default=None, help="幂等键：同一个键再次提交返回同一笔支付，不重复记录。")
@click.option("--settled-on", type=DATE, default=None, help="国库已支付的日期（申请与拨付一步记录）。")
@click.option(
    "--voucher",
    type=TextType("凭证号", 100),
    default=None,
    help="支付凭证号（与 --settled-on 一起用）。",
)
@pass_session
def payment_request(
    session: Session,
    project: str,
    amount: Amount,
    payee: str,
    economic: str,
    on: dt.date,
    key: str | None,
    settled_on: dt.date | None,
    voucher: str | None,
) -> None:
    """申请支付 AMOUNT；打印新支付的编号。"""
    from ledger import commands as c

    key, voucher = key or "", voucher or ""
    if voucher and settled_on is None:
        raise MalformedInput(
            "--voucher 只能与 --settled-on 一起使用（或在拨付时用 payment settle --voucher）"
        )
    payment, created = session.execute(
        c.RequestPayment(
            project=project,
            amount=amount,
            payee=payee,
            economic=economic,
            on=on,
            key=key,
            settled_on=settled_on,
            voucher=voucher,
        )
    )
    ref = payment.project
    if created:
        session.wrote()
    state = "已拨付" if settled_on else "已申请"
    text = (
        str(payment)
        if session.fmt == "table" and created
        else (f"{payment}（幂等键“{key}”已使用，未重复记录）")
    )
    session.emit(
        text,
        {
            "ok": True,
            "payment": str(payment),
            "project": str(ref),
            "amount_fen": amount.fen,
            "payee": payee,
            "status": state,
            "created": created,
        },
    )


def _payment_act(name: str, verb: str, needs_reason: bool) -> click.Command:
    @click.argument("payment")
    @click.option("--date", "on", type=DATE, required=True, help=f"{verb}日期。")
    @pass_session
    def command(session: Session, /, payment: str, on: dt.date, **kw: str) -> None:
        from ledger import commands as c

        act: c.OnPayment
        if name == "hold":
            act = c.HoldPayment(payment=payment, on=on, reason=kw["reason"])
        elif name == "settle":
            act = c.SettlePayment(payment=payment, on=on, voucher=kw["voucher"] or "")
        else:
            act = c.CancelPayment(payment=payment, on=on, reason=kw["reason"])
        ref, _ = session.execute(act)
        _done(session, f"已{verb}：{ref}（{on}）", payment=str(ref), action=name, date=on.isoformat())

    if needs_reason:
        command = click.option("--reason", type=REASON, required=True, help="原因，如 待区财政统筹拨付。")(
            command
        )
    else:
        command = click.option("--voucher", type=TextType("凭证号", 100), default=None, help="支付凭证号。")(
            command
        )
    command.__doc__ = f"{verb}支付 PAYMENT。"
    return click.command(name)(command)


@payment_group.command("refund")
@click.argument("payment")
@click.argument("amount", type=AMOUNT)
@click.option("--date", "on", type=DATE, required=True, help="退款日期。")
@click.option("--reason", type=REASON, required=True, help="退款原因。")
@pass_session
def payment_refund(session: Session, payment: str, amount: Amount, on: dt.date, reason: str) -> None:
    """记录已拨付支付的退款 AMOUNT。"""
    from ledger import commands as c

    ref, _ = session.execute(c.RefundPayment(payment=payment, amount=amount, on=on, reason=reason))
    _done(
        session,
        f"已退款：{ref} {amount} 元（{on}，{reason}）",
        payment=str(ref),
        amount_fen=amount.fen,
        date=on.isoformat(),
    )


@payment_group.command("reverse")
@click.argument("payment")
@click.option("--date", "on", type=DATE, required=True, help="冲销日期（与原支付同一年度，不早于拨付日期）。")
@click.option("--reason", type=REASON, required=True, help="冲销原因，如 误录。")
@pass_session
def payment_reverse(session: Session, payment: str, on: dt.date, reason: str) -> None:
    """红字冲销一笔已拨付的支付（更正误录，不是退款）：执行数相应减少，历史中保留原记录。
    """
    from ledger import commands as c

    ref, _ = session.execute(c.ReversePayment(payment=payment, on=on, reason=reason))
    _done(
        session, f"已冲销支付：{ref}（{on}，{reason}）", payment=str(ref), date=on.isoformat(), reason=reason
    )


@payment_group.command("correct")
@click.argument("payment")
@click.option("--payee", type=PAYEE, default=None, help="正确的收款人。")
@click.option("--amount", type=AMOUNT, default=None, help="正确的金额。")
@click.option("--date", "on", type=DATE, default=None, help="正确的支付日期（申请与拨付同日）。")
@click.option("--economic", type=ECONOMIC, default=None, help="正确的经济分类科目。")
@click.option("--voucher", type=TextType("凭证号", 100), default=None, help="正确的凭证号。")
@click.option("--reason", type=REASON, required=True, help="更正原因。")
@pass_session
def payment_correct(
    session: Session,
    payment: str,
    payee: str | None,
    amount: Amount | None,
    on: dt.date | None,
    economic: str | None,
    voucher: str | None,
    reason: str,
) -> None:
    """更正一笔已拨付的支付：原支付红字冲销，同时记录更正后的支付（一次完成），并给出新编号。

    未给出的项沿用原支付。例：ledger payment correct 153001/P1/3 --amount 5万 --reason 金额录错
    """
    from ledger import commands as c

    new, _ = session.execute(
        c.CorrectPayment(
            payment=payment, reason=reason, payee=payee, amount=amount, on=on, economic=economic, voucher=voucher
        )
    )
    ref = session.ledger().resolve_payment(payment)
    _done(
        session,
        f"已更正支付：{ref} 已冲销，更正后的支付为 {new}（原因：{reason}）",
        payment=str(ref),
        corrected=str(new),
        reason=reason,
    )


payment_group.add_command(_payment_act("hold", "暂缓", True))
payment_group.add_command(_payment_act("settle", "拨付", False))
payment_group.add_command(_payment_act("cancel", "撤销", True))


@click.group("income")
def income_group() -> None:
    """非财政拨款收入。"""


@income_group.command("add")
@click.argument("unit")
@click.argument("amount", type=AMOUNT)
@click.option("--source", type=Choice([s.value for s in IncomeSource]), required=True, help="收入来源。")
@click.option("--function", "function", type=FUNCTION, required=True, help="支出功能分类科目。")
@click.option("--date", "on", type=DATE, required=True, help="收入日期。")
@click.option("--doc", type=DOC, default=None, help="凭证或文号。")
@pass_session
def income_add(
    session: Session,
    unit: str,
    amount: Amount,
    source: str,
    function: str,
    on: dt.date,
    doc: str | None,
) -> None:
    """记录单位 UNIT 的非财政拨款收入 AMOUNT。"""
    from ledger import commands as c
    from ledger.application import check_unit_code

    code = check_unit_code(unit)
    session.execute(
        c.AddIncome(unit=code, amount=amount, source=IncomeSource(source), function=function, on=on, doc=doc or "")
    )
    _done(
        session,
        f"已记录收入：单位 {code} {source} {amount} 元（{function}，{on}）",
        unit=code,
        source=source,
        amount_fen=amount.fen,
        date=on.isoformat(),
    )


@click.group("score")
def score_group() -> None:
    """自评得分（资金执行率得分）的人工认定。"""


@score_group.command("set")
@click.argument("project")
@click.argument("year", type=YEAR)
@click.argument("score")
@click.option("--reason", type=REASON, required=True, help="认定理由。")
@pass_session
def score_set(session: Session, project: str, year: int, score: str, reason: str) -> None:
    """认定项目 YEAR 年资金执行率得分 SCORE（0–10，最多两位小数）。"""
    from ledger import commands as c

    hundredths = parse_score(score)
    ref, _ = session.execute(c.SetScore(project=project, year=year, score=hundredths, reason=reason))
    _done(
        session,
        f"已认定得分：{ref} {year} 年 {score}（{reason}）",
        project=str(ref),
        year=year,
        score=score,
    )


@click.group("target")
def target_group() -> None:
    """绩效目标。"""


@target_group.command("set")
@click.argument("project")
@click.argument("year", type=YEAR)
@click.argument("indicator", type=TextType("指标名称", 100))
@click.argument("operator", type=Choice([">=", "<=", "="]))
@click.argument("value")
@click.option("--unit", "unit", type=TextType("计量单位", 20), default="%", show_default=True)
@click.option("--direction", type=Choice(["正向", "反向"]), default="正向", show_default=True)
@pass_session
def target_set(
    session: Session,
    project: str,
    year: int,
    indicator: str,
    operator: str,
    value: str,
    unit: str,
    direction: str,
) -> None:
    """设定项目 YEAR 年的绩效目标，如 预算执行率 >= 95。"""
    from ledger import commands as c

    number = parse_number(value, label="目标值")
    ref, _ = session.execute(
        c.SetTarget(
            project=project,
            year=year,
            indicator=indicator,
            operator=operator,
            value=str(number),
            unit=unit,
            direction=direction,
        )
    )
    _done(
        session,
        f"已设定绩效目标：{ref} {year} 年 {indicator} {operator} {number}{unit}",
        project=str(ref),
        year=year,
        indicator=indicator,
    )
