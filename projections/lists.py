"""Finding things: ``unit list``, ``project list``, ``payment list`` and ``appropriation list``.

Each reads the read models (the directory and the money movements), takes the options
every report takes (``--format``, ``--output``, ``--as-of``, ``--known-at``) and prints
amounts in 元 with thousands separators (a clerk looks up a single payment); JSON
carries exact 分. The 文号台账 (``appropriation list``) shows per 文号 what was issued,
reduced and transferred; paid and pending are not recorded per 文号, so they are
allocated to a line's 文号 in the order its quota was issued (first issued, first used).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import click
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ledger.cli import Session, pass_session
from ledger.cli.params import DATE, DOC, FUNCTION, PAYEE, YEAR, Choice, TextType, _Type
from ledger.domain.kinds import Category, Fund, PaymentStatus
from ledger.errors import MalformedInput, NotFound
from ledger.money import Amount
from ledger.text import clean_text
from projections.directory import projects, units
from projections.movements import movements
from projections.output import Report, Sheet, emit
from projections.query import Cutoff
from projections.report_cli import cutoff, output_format, reading, report_options
from projections.reports.execution import check_unit, default_year

UNIT_NOTE = "金额单位：元"


def yuan(fen: int) -> str:
    return Amount.of_fen(fen).yuan()


# ------------------------------------------------------------------ parameters


class UnitCodeType(_Type):
    name = "单位编码"

    def parse(self, value: str) -> str:
        from ledger.application import check_unit_code

        return check_unit_code(clean_text(value, label=self.name, max_length=40))


class ProjectType(_Type):
    """``UNIT/CODE`` or ``CODE``: checked for shape here, looked up in the directory later."""

    name = "项目"

    def parse(self, value: str) -> tuple[str | None, str]:
        from ledger.application import check_project_code, check_unit_code

        s = clean_text(value, label=self.name, max_length=80)
        if "/" in s:
            unit, _, code = s.partition("/")
            return check_unit_code(unit), check_project_code(code)
        return None, check_project_code(s)


#: the statuses a clerk may type, with their ASCII aliases
STATUS_WORDS = {
    **{s.value: s for s in PaymentStatus},
    "requested": PaymentStatus.REQUESTED,
    "held": PaymentStatus.HELD,
    "settled": PaymentStatus.SETTLED,
    "cancelled": PaymentStatus.CANCELLED,
    "reversed": PaymentStatus.REVERSED,
}


class StatusType(_Type):
    name = "状态"

    def parse(self, value: str) -> PaymentStatus:
        import unicodedata

        word = unicodedata.normalize("NFKC", value).strip().lower()
        if word not in STATUS_WORDS:
            raise MalformedInput(
                f"支付状态“{value[:20]}”不是可选值，应为：已申请、待统筹、已拨付、已撤销、已冲销"
                "（或 requested、held、settled、cancelled、reversed）"
            )
        return STATUS_WORDS[word]


UNIT_CODE = UnitCodeType()
PROJECT = ProjectType()
STATUS = StatusType()
VOUCHER = TextType("凭证号", 100)


def find_project(conn: Connection, ref: tuple[str | None, str], cut: Cutoff) -> str:
    """The project id of ``UNIT/CODE`` (or a ``CODE`` only one unit uses); NotFound otherwise."""
    unit, code = ref
    query = select(projects.c.project_id, projects.c.unit).where(projects.c.code == code, cut.projects())
    if unit is not None:
        query = query.where(projects.c.unit == unit)
    found = conn.execute(query.order_by(projects.c.unit)).all()
    shown = f"{unit}/{code}" if unit else code
    if not found:
        raise NotFound(
            f"项目 {shown} 不存在。请检查单位编码和项目编码（ledger project list 可查看全部项目）。"
        )
    if len(found) > 1:
        raise MalformedInput(
            f"项目编码 {code} 在多个单位中使用（如 {'、'.join(r.unit for r in found)}），"
            f"请写成 单位/项目编码，如 {found[0].unit}/{code}。"
        )
    return str(found[0].project_id)


def _names(conn: Connection) -> dict[str, tuple[str, str, str]]:
    rows = conn.execute(select(projects.c.project_id, projects.c.unit, projects.c.code, projects.c.name))
    return {pid: (u, c, n) for pid, u, c, n in rows}


def _title(what: str, unit: str | None, year: int | None) -> str:
    return (f"{year} 年" if year else "") + what + (f"（{unit}）" if unit else "（全部单位）")


# ------------------------------------------------------------------ unit list


@click.command("list")
@report_options
@pass_session
def unit_list(
    session: Session,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """列出预算单位：编码、名称、性质和项目数（不含已关闭的项目；--as-of / --known-at 只影响项目数）。"""
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with reading(session) as conn:
        count = (
            select(projects.c.unit, func.count().label("n"))
            .where(projects.c.closed == 0, cut.projects())
            .group_by(projects.c.unit)
            .subquery()
        )
        rows = conn.execute(
            select(units.c.unit, units.c.name, units.c.kind, count.c.n)
            .select_from(units.outerjoin(count, count.c.unit == units.c.unit))
            .order_by(units.c.unit)
        ).all()
    records = [{"unit": r.unit, "name": r.name, "kind": r.kind, "projects": int(r.n or 0)} for r in rows]
    sheet = Sheet(
        "预算单位",
        ["单位编码", "单位名称", "单位性质", "项目数"],
        [[r["unit"], r["name"], r["kind"], r["projects"]] for r in records],
        notes=[f"共 {len(records)} 个单位。"],
        data=records,
    )
    emit(Report("预算单位", [sheet], subtitle=cut.describe(), data={"units": records}), fmt, output)


# ------------------------------------------------------------------ project list


@click.command("list")
@click.option("--unit", type=UNIT_CODE, default=None, help="单位编码（默认全部单位）。")
@click.option("--function", type=FUNCTION, default=None, help="功能分类科目（类、款或项，按前缀筛选）。")
@click.option("--category", type=Choice([c.value for c in Category]), default=None, help="项目类别。")
@click.option(
    "--fund",
    type=Choice([f.value for f in Fund]),
    default=None,
    metavar="资金性质",
    help="资金性质，如 一般公共预算。",
)
@click.option("--year", type=YEAR, default=None, help="金额栏的财政年度（默认：有资金变动的最近年度）。")
@click.option("--all", "show_all", is_flag=True, help="也列出已关闭（project close）的项目。")
@report_options
@pass_session
def project_list(
    session: Session,
    unit: str | None,
    function: str | None,
    category: str | None,
    fund: str | None,
    year: int | None,
    show_all: bool,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """列出项目：分类、资金性质，以及所选年度的全年预算数、已支付、待支付和余额（元）。

    已关闭的项目默认不列出，加 --all 一并列出并标明“已关闭”。
    """
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with reading(session) as conn:
        check_unit(conn, unit)
        year = year or default_year(conn, unit, cut)
        m = movements
        sums = (
            select(
                m.c.project_id,
                func.coalesce(func.sum(m.c.quota), 0).label("quota"),
                func.coalesce(func.sum(m.c.paid), 0).label("paid"),
                func.coalesce(func.sum(m.c.pending), 0).label("pending"),
            )
            .where(m.c.year == year, m.c.project_id.is_not(None), cut.movements())
            .group_by(m.c.project_id)
            .subquery()
        )
        p = projects
        query = (
            select(p, sums.c.quota, sums.c.paid, sums.c.pending)
            .select_from(p.outerjoin(sums, sums.c.project_id == p.c.project_id))
            .where(cut.projects())
            .order_by(p.c.unit, p.c.code)
        )
        if unit is not None:
            query = query.where(p.c.unit == unit)
        if function:
            query = query.where(p.c.function.startswith(function))
        if category:
            query = query.where(p.c.category == category)
        if fund:
            query = query.where(p.c.fund == fund)
        if not show_all:
            query = query.where(p.c.closed == 0)
        rows = conn.execute(query).all()
    records = []
    table = []
    totals = [0, 0, 0, 0]
    for r in rows:
        quota, paid, pending = int(r.quota or 0), int(r.paid or 0), int(r.pending or 0)
        left = quota - paid - pending
        is_closed = bool(r.closed)
        records.append(
            {
                "project": f"{r.unit}/{r.code}",
                "name": r.name,
                "function": r.function,
                "category": r.category,
                "fund": r.fund,
                "level": r.level,
                "doc": r.doc,
                "closed": is_closed,
                "quota_fen": quota,
                "paid_fen": paid,
                "pending_fen": pending,
                "left_fen": left,
            }
        )
        table.append(
            [
                f"{r.unit}/{r.code}",
                r.name,
                r.function,
                r.category,
                r.fund,
                r.level,
                "已关闭" if is_closed else "在用",
                yuan(quota),
                yuan(paid),
                yuan(pending),
                yuan(left),
            ]
        )
        for i, v in enumerate((quota, paid, pending, left)):
            totals[i] += v
    if table:
        table.append(["合计", f"{len(table)} 个项目", "", "", "", "", "", *map(yuan, totals)])
    sheet = Sheet(
        f"{year} 年项目（{UNIT_NOTE}）",
        [
            "项目",
            "项目名称",
            "功能分类",
            "类别",
            "资金性质",
            "层级",
            "状态",
            "全年预算数",
            "已支付",
            "待支付",
            "余额",
        ],
        table,
        notes=[f"{UNIT_NOTE}。余额 = 全年预算数 − 已支付 − 待支付。共 {len(records)} 个项目。"],
        data=records,
    )
    emit(
        Report(
            _title("项目", unit, year),
            [sheet],
            subtitle=cut.describe(),
            data={"year": year, "unit": unit, "projects": records},
        ),
        fmt,
        output,
    )


# ------------------------------------------------------------------ payment list


@dataclass
class PaymentLine:
    """One payment as its movement rows tell it, in exact 分."""

    project_id: str
    number: int
    payee: str = ""
    economic: str = ""
    amount: int = 0
    requested_on: dt.date | None = None
    status: PaymentStatus = PaymentStatus.REQUESTED
    hold_reason: str = ""
    settled_on: dt.date | None = None
    voucher: str = ""
    refunded: int = 0
    year: int = 0
    carried_from: list[int] = field(default_factory=list)


def payment_lines(conn: Connection, *, scope: list[str] | None, cut: Cutoff) -> list[PaymentLine]:
    """Every payment of the projects in ``scope`` (all when None), status from its latest act.

    request → 已申请; hold → 待统筹; settle → 已拨付; cancel → 已撤销; reversal → 已冲销.
    A payment carried to the next year by a close keeps its number and takes that year.
    """
    m = movements
    query = (
        select(
            m.c.project_id,
            m.c.payment,
            m.c.kind,
            m.c.year,
            m.c.on,
            m.c.amount,
            m.c.payee,
            m.c.economic,
            m.c.doc,
            m.c.reason,
        )
        .where(m.c.payment.is_not(None), m.c.project_id.is_not(None), cut.movements())
        .order_by(m.c.position, m.c.seq)
    )
    if scope is not None:
        query = query.where(m.c.project_id.in_(scope))
    lines: dict[tuple[str, int], PaymentLine] = {}
    for r in conn.execute(query):
        key = (r.project_id, int(r.payment))
        line = lines.setdefault(key, PaymentLine(r.project_id, int(r.payment)))
        kind = r.kind
        if kind == "request":
            line.payee, line.economic, line.amount = r.payee, r.economic, int(r.amount)
            line.requested_on, line.year, line.status = r.on, int(r.year), PaymentStatus.REQUESTED
        elif kind == "hold":
            line.status, line.hold_reason = PaymentStatus.HELD, r.reason
        elif kind == "settle":
            line.status, line.settled_on, line.voucher = PaymentStatus.SETTLED, r.on, r.doc
        elif kind == "cancel":
            line.status = PaymentStatus.CANCELLED
        elif kind == "reversal":
            line.status = PaymentStatus.REVERSED
        elif kind == "refund":
            line.refunded += int(r.amount)
        elif kind == "carry_in_payment":
            line.carried_from.append(line.year)
            line.year = int(r.year)
        elif kind == "reopen_out_payment" and line.carried_from:
            line.year = line.carried_from.pop()
    return [line for line in lines.values() if line.requested_on is not None]


@click.command("list")
@click.option("--unit", type=UNIT_CODE, default=None, help="单位编码（默认全部单位）。")
@click.option(
    "--project", type=PROJECT, default=None, help="项目：单位/项目编码，或只有一个单位使用的项目编码。"
)
@click.option("--payee", type=PAYEE, default=None, help="收款人（包含此文字即列出）。")
@click.option("--voucher", type=VOUCHER, default=None, help="支付凭证号（完全一致）。")
@click.option(
    "--status",
    type=STATUS,
    multiple=True,
    help="状态：已申请、待统筹、已拨付、已撤销、已冲销（或 requested/held/settled/cancelled/reversed）；可重复。",
)
@click.option("--from", "date_from", type=DATE, default=None, help="申请日期不早于此日（按申请日期筛选）。")
@click.option("--to", "date_to", type=DATE, default=None, help="申请日期不晚于此日（按申请日期筛选）。")
@click.option(
    "--year", type=YEAR, default=None, help="财政年度（默认全部年度；结转到下年的支付属于下年，编号不变）。"
)
@report_options
@pass_session
def payment_list(
    session: Session,
    unit: str | None,
    project: tuple[str | None, str] | None,
    payee: str | None,
    voucher: str | None,
    status: tuple[PaymentStatus, ...],
    date_from: dt.date | None,
    date_to: dt.date | None,
    year: int | None,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """列出支付：编号、收款人、金额（元）、申请日期、状态、暂缓原因、拨付日期、凭证号、已退款。

    --from / --to 按申请日期筛选；状态取最近一次操作（申请、暂缓、拨付、撤销、冲销）。
    """
    if date_from and date_to and date_from > date_to:
        raise MalformedInput(f"--from {date_from} 晚于 --to {date_to}：起始日期不能晚于截止日期")
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with reading(session) as conn:
        check_unit(conn, unit)
        names = _names(conn)
        scope: list[str] | None = None
        if project is not None:
            scope = [find_project(conn, project, cut)]
        if unit is not None:
            scope = [pid for pid in (scope or names) if names[pid][0] == unit]
        lines = payment_lines(conn, scope=scope, cut=cut)
    chosen = []
    for line in lines:
        requested = line.requested_on or dt.date.min
        if (
            (year is not None and line.year != year)
            or (payee is not None and payee not in line.payee)
            or (voucher is not None and line.voucher != voucher)
            or (status and line.status not in status)
            or (date_from is not None and requested < date_from)
            or (date_to is not None and requested > date_to)
        ):
            continue
        chosen.append(line)
    chosen.sort(key=lambda p: (names[p.project_id][:2], p.number))
    records, table = [], []
    for p in chosen:
        u, c, name = names[p.project_id]
        number = f"{u}/{c}/{p.number}"
        records.append(
            {
                "payment": number,
                "project": f"{u}/{c}",
                "payee": p.payee,
                "economic": p.economic,
                "amount_fen": p.amount,
                "requested_on": str(p.requested_on),
                "status": str(p.status),
                "hold_reason": p.hold_reason,
                "settled_on": str(p.settled_on) if p.settled_on else None,
                "voucher": p.voucher,
                "refunded_fen": p.refunded,
                "year": p.year,
                "carried_from": p.carried_from[0] if p.carried_from else None,
            }
        )
        table.append(
            [
                number,
                name,
                p.payee,
                p.economic,
                yuan(p.amount),
                str(p.requested_on),
                str(p.status),
                p.hold_reason,
                str(p.settled_on or ""),
                p.voucher,
                yuan(p.refunded),
                p.year,
            ]
        )
    total = sum(p.amount for p in chosen)
    if table:
        table.append(
            [
                "合计",
                f"{len(table)} 笔",
                "",
                "",
                yuan(total),
                "",
                "",
                "",
                "",
                "",
                yuan(sum(p.refunded for p in chosen)),
                "",
            ]
        )
    sheet = Sheet(
        f"支付明细（{UNIT_NOTE}）",
        [
            "支付编号",
            "项目",
            "收款人",
            "经济分类",
            "金额",
            "申请日期",
            "状态",
            "暂缓原因",
            "拨付日期",
            "凭证号",
            "已退款",
            "年度",
        ],
        table,
        notes=[f"{UNIT_NOTE}。共 {len(chosen)} 笔，{yuan(total)} 元。"],
        data=records,
    )
    emit(
        Report(
            _title("支付", unit, year),
            [sheet],
            subtitle=cut.describe(),
            data={"year": year, "unit": unit, "payments": records},
        ),
        fmt,
        output,
    )


# ------------------------------------------------------------------ appropriation list (文号台账)

FIFO_RULE = (
    "已支付和待支付不按文号记录：按指标下达的先后顺序分摊到各文号（先下达先使用），"
    "先分摊已支付，再分摊待支付；各项目分摊之和等于该项目的已支付和待支付。"
)
NO_DOC = "（无文号）"


@dataclass
class DocLine:
    """One (project, 文号) row of the 文号台账, in exact 分."""

    project_id: str
    doc: str
    kinds: list[str] = field(default_factory=list)
    first: tuple[int, int] = (0, 0)  # the position of its first movement: the FIFO order
    issued: int = 0
    reduced: int = 0
    transferred: int = 0
    paid: int = 0
    pending: int = 0

    @property
    def quota(self) -> int:
        return self.issued - self.reduced + self.transferred

    @property
    def left(self) -> int:
        return self.quota - self.paid - self.pending


ISSUES = ("issue", "carry_in")
QUOTA_KINDS = (*ISSUES, "issue_reversal", "reopen_carry_in", "reduce", "transfer_in", "transfer_out")


def doc_lines(conn: Connection, *, year: int, scope: list[str] | None, cut: Cutoff) -> list[DocLine]:
    """The 文号 rows of every project in scope for ``year``, paid and pending allocated FIFO."""
    m = movements
    base = [m.c.year == year, m.c.project_id.is_not(None), cut.movements()]
    if scope is not None:
        base.append(m.c.project_id.in_(scope))
    rows = conn.execute(
        select(m.c.project_id, m.c.kind, m.c.amount, m.c.doc, m.c.detail, m.c.position, m.c.seq)
        .where(*base, m.c.kind.in_(QUOTA_KINDS))
        .order_by(m.c.position, m.c.seq)
    ).all()
    sums = conn.execute(
        select(m.c.project_id, func.sum(m.c.paid).label("paid"), func.sum(m.c.pending).label("pending"))
        .where(*base)
        .group_by(m.c.project_id)
    ).all()
    by_project: dict[str, dict[str, DocLine]] = {}

    def line(pid: str, doc: str, at: tuple[int, int]) -> DocLine:
        docs = by_project.setdefault(pid, {})
        if doc not in docs:
            docs[doc] = DocLine(pid, doc, first=at)
        return docs[doc]

    for r in rows:
        at = (int(r.position), int(r.seq))
        doc = r.doc or NO_DOC
        amount = int(r.amount)
        if r.kind in ISSUES:
            d = line(r.project_id, doc, at)
            d.issued += amount
            kind = r.detail or "结转"
            if kind not in d.kinds:
                d.kinds.append(kind)
        elif r.kind == "issue_reversal":
            line(r.project_id, doc, at).issued -= amount
        elif r.kind == "reopen_carry_in":  # a reopened year takes back what its close carried
            carried = [d for d in by_project.get(r.project_id, {}).values() if "结转" in d.kinds]
            (carried[-1] if carried else line(r.project_id, NO_DOC, at)).issued -= amount
        elif r.kind == "reduce":
            line(r.project_id, doc, at).reduced += amount
        elif r.kind == "transfer_in":
            line(r.project_id, doc, at).transferred += amount
        elif r.kind == "transfer_out":
            line(r.project_id, doc, at).transferred -= amount
    for s in sums:
        paid, pending = int(s.paid or 0), int(s.pending or 0)
        if not paid and not pending:
            continue
        docs = by_project.get(s.project_id) or {NO_DOC: line(s.project_id, NO_DOC, (0, 0))}
        ordered = sorted(docs.values(), key=lambda d: d.first)
        _allocate(ordered, paid, "paid")
        _allocate(ordered, pending, "pending")
    return [d for docs in by_project.values() for d in sorted(docs.values(), key=lambda d: d.first)]


def _allocate(ordered: list[DocLine], amount: int, attribute: str) -> None:
    """Spread ``amount`` over the rows in order, each up to what it has left; the rest on the last."""
    for d in ordered:
        if amount <= 0:
            break
        take = min(max(d.left, 0), amount)
        setattr(d, attribute, getattr(d, attribute) + take)
        amount -= take
    if amount:  # more used than issued (or a refund beyond it): shown, never lost
        last = ordered[-1]
        setattr(last, attribute, getattr(last, attribute) + amount)


@click.command("list")
@click.option("--unit", type=UNIT_CODE, default=None, help="单位编码（默认全部单位）。")
@click.option(
    "--project", type=PROJECT, default=None, help="项目：单位/项目编码，或只有一个单位使用的项目编码。"
)
@click.option("--doc", type=DOC, default=None, help="只列出此文号（完全一致）。")
@click.option("--year", type=YEAR, default=None, help="财政年度（默认：有资金变动的最近年度）。")
@report_options
@pass_session
def appropriation_list(
    session: Session,
    unit: str | None,
    project: tuple[str | None, str] | None,
    doc: str | None,
    year: int | None,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """指标文号台账：每个项目每个文号的下达、调减、调剂、已支付、待支付和余额（元）。

    调减、调剂按所带文号计入同一项目同一文号的行，没有对应下达的文号单列一行。
    已支付和待支付不按文号记录：按指标下达的先后顺序分摊到各文号（先下达先使用），
    先分摊已支付、再分摊待支付，各项目分摊之和等于该项目的已支付和待支付。
    """
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with reading(session) as conn:
        check_unit(conn, unit)
        names = _names(conn)
        scope: list[str] | None = None
        if project is not None:
            scope = [find_project(conn, project, cut)]
        if unit is not None:
            scope = [pid for pid in (scope or names) if names[pid][0] == unit]
        year = year or default_year(conn, unit, cut)
        lines = doc_lines(conn, year=year, scope=scope, cut=cut)
    if doc is not None:
        lines = [d for d in lines if d.doc == doc]
        if not lines:
            raise NotFound(
                f"{year} 年没有文号为“{doc}”的指标记录" + (f"（单位 {unit}）" if unit else "") + "。"
            )
    lines.sort(key=lambda d: (names[d.project_id][:2], d.first))
    records, table = [], []
    totals = [0] * 6
    for d in lines:
        u, c, name = names[d.project_id]
        figures = (d.issued, d.reduced, d.transferred, d.paid, d.pending, d.left)
        records.append(
            {
                "project": f"{u}/{c}",
                "name": name,
                "doc": d.doc,
                "kind": "、".join(d.kinds),
                "issued_fen": d.issued,
                "reduced_fen": d.reduced,
                "transferred_fen": d.transferred,
                "paid_fen": d.paid,
                "pending_fen": d.pending,
                "left_fen": d.left,
            }
        )
        table.append([f"{u}/{c}", d.doc, "、".join(d.kinds) or "—", *map(yuan, figures)])
        for i, v in enumerate(figures):
            totals[i] += v
    if table:
        table.append(["合计", f"{len(table)} 行", "", *map(yuan, totals)])
    sheet = Sheet(
        f"{year} 年指标文号台账（{UNIT_NOTE}）",
        ["项目", "文号", "指标类型", "下达", "调减", "调剂", "已支付", "待支付", "余额"],
        table,
        notes=[f"{UNIT_NOTE}。余额 = 下达 − 调减 + 调剂 − 已支付 − 待支付。", f"注：{FIFO_RULE}"],
        data=records,
    )
    emit(
        Report(
            _title("指标文号台账", unit, year),
            [sheet],
            subtitle=cut.describe(),
            data={"year": year, "unit": unit, "rule": FIFO_RULE, "docs": records},
        ),
        fmt,
        output,
    )
