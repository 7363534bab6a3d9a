"""The accounting identities hold over random ledgers, in exact 分 (property-based).

Σ项 = 款 and Σ款 = 类; 合计 = 基本支出 + 项目支出; 年末 = 年初 + 收入 − 支出 by fund;
人员经费 + 公用经费 = 公开05 基本支出; and the tables' printed identities hold.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import commands as c
from ledger.application import Ledger, ProjectRef
from ledger.codes import CodeKind, rollup
from ledger.domain.kinds import Category, Fund, IssueKind
from ledger.domain.unit import IncomeSource, UnitKind
from ledger.errors import LedgerError
from ledger.money import Amount
from ledger.storage import parse_url
from projections import accounts, runner

FUNCTIONS = ["2150805", "2159904", "2150501", "2150101", "2080199", "21508", "215"]
ECONOMIC = ["30101", "30199", "30226", "30217", "31002", "31299", "30399", "30201"]
lines = st.lists(
    st.tuples(
        st.sampled_from(FUNCTIONS),
        st.sampled_from(list(Category)),
        st.sampled_from(
            [Fund.GENERAL, Fund.GOVERNMENT_FUND, Fund.STATE_CAPITAL, Fund.NON_FISCAL, Fund.OTHER]
        ),
        st.integers(1, 10**7),
    ),
    min_size=1,
    max_size=5,
)
payments = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.integers(1, 3 * 10**6),
        st.sampled_from(ECONOMIC),
        st.booleans(),
        st.integers(0, 50_000),
    ),
    max_size=12,
)
incomes = st.lists(
    st.tuples(st.sampled_from(list(IncomeSource)), st.sampled_from(FUNCTIONS[:5]), st.integers(1, 10**6)),
    max_size=3,
)
openings = st.lists(
    st.tuples(st.sampled_from([Fund.GENERAL, Fund.NON_FISCAL, Fund.GOVERNMENT_FUND]), st.integers(0, 10**7)),
    max_size=3,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=lines, payments=payments, incomes=incomes, openings=openings)
def test_the_identities_hold_over_random_ledgers(
    lines: list[tuple[str, Category, Fund, int]],
    payments: list[tuple[int, int, str, bool, int]],
    incomes: list[tuple[IncomeSource, str, int]],
    openings: list[tuple[Fund, int]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = Ledger(parse_url(str(Path(folder) / "p.db")), create_tables=True)
        try:
            runner.create_tables(app.store)
            facts = record(app, lines, payments, incomes, openings)
        finally:
            runner.dispose(app.store)
            app.close()
    check(facts)


def record(
    app: Ledger,
    lines: list[tuple[str, Category, Fund, int]],
    payments: list[tuple[int, int, str, bool, int]],
    incomes: list[tuple[IncomeSource, str, int]],
    openings: list[tuple[Fund, int]],
) -> accounts.Facts:
    app.execute(c.AddUnit(unit="U1", name="单位", kind=UnitKind.PUBLIC_INSTITUTION), actor="t")
    for fund, amount in openings:
        app.execute(c.SetOpeningBalance(unit="U1", year=2024, fund=fund, amount=Amount(amount)), actor="t")
    refs = []
    for n, (function, category, fund, quota) in enumerate(lines):
        ref = ProjectRef("U1", f"L{n}")
        app.execute(
            c.AddProject(unit="U1", code=ref.code, name=f"线{n}", function=function, category=category, fund=fund),
            actor="t",
        )
        app.execute(
            c.IssueQuota(project=str(ref), amount=Amount(quota), on=dt.date(2024, 1, 2), doc="d", kind=IssueKind.INITIAL),
            actor="t",
        )
        refs.append(ref)
    for k, (line, amount, economic, settle, refund) in enumerate(payments):
        ref = refs[line % len(refs)]
        try:
            payment, _ = app.execute(
                c.RequestPayment(
                    project=str(ref),
                    amount=Amount(amount),
                    payee=f"p{k}",
                    economic=economic,
                    on=dt.date(2024, 3, 1),
                    settled_on=dt.date(2024, 3, 2) if settle else None,
                ),
                actor="t",
            )
            if settle and refund:
                app.execute(
                    c.RefundPayment(
                        payment=str(payment), amount=Amount(min(refund, amount)), on=dt.date(2024, 3, 3), reason="r"
                    ),
                    actor="t",
                )
        except LedgerError:
            pass  # over quota: refused, as it should be
    for source, function, amount in incomes:
        app.execute(
            c.AddIncome(unit="U1", amount=Amount(amount), source=source, function=function, on=dt.date(2024, 4, 1)),
            actor="t",
        )
    runner.catch_up(app)
    reader, _ = runner.engines(app.store)
    with reader.connect() as conn:
        return accounts.gather(conn, "U1", 2024)


def check(facts: accounts.Facts) -> None:
    table = accounts.cells(facts)
    assert all(ok for _, ok in accounts.identities(facts, table)), accounts.identities(facts, table)
    # Σ项 = 款, Σ款 = 类: a parent is its own direct amount plus its children's rolled amounts
    own: dict[str, int] = defaultdict(int)
    for (function, _, _), paid in facts.spend.items():
        own[function] += paid
    rolled: dict[str, int] = defaultdict(int)
    for code, amount in own.items():
        for level in rollup(CodeKind.FUNCTION, code):
            rolled[level] += amount
    for code, total in rolled.items():
        children = [c for c in rolled if len(c) == len(code) + 2 and c.startswith(code)]
        assert total == own.get(code, 0) + sum(rolled[c] for c in children), code
    spending = sum(facts.spend.values())
    basic = sum(v for (_, b, _), v in facts.spend.items() if b)
    project = sum(v for (_, b, _), v in facts.spend.items() if not b)
    assert spending == basic + project  # 合计 = 基本 + 项目
    for _fund, (opening, income, spent, closing) in accounts.balances(facts).items():
        assert closing == opening + income - spent  # 年末 = 年初 + 收入 − 支出
    general_basic = sum(v for (_, b, f), v in facts.spend.items() if b and f == Fund.GENERAL.value)
    personnel_and_public = sum(v for (c, b, f), v in facts.economic.items() if b and f == Fund.GENERAL.value)
    assert personnel_and_public == general_basic  # 人员 + 公用 = 公开05 基本支出
    printed: Any = table
    assert printed["公开01/收入总计"] == printed["公开01/支出总计"]


def test_the_identity_check_fires_when_the_figures_disagree() -> None:
    facts = accounts.Facts("U1", 2024)
    facts.spend[("2150501", True, Fund.GENERAL.value)] = 1_000_000
    facts.economic[("30226", True, Fund.GENERAL.value)] = 999_900  # one 元 short of the basic spending
    table = accounts.cells(facts)
    broken = [label for label, ok in accounts.identities(facts, table) if not ok]
    assert broken == ["公开06：人员经费 + 公用经费 = 公开05 基本支出"]
