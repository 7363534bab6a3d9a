"""The read models are declared once and folded inside the database (``fold_sql``).
What they must hold is the aggregates' own state after the same events — per line and
year the quota, 年初, allocations, pending and paid; names, scores, targets, income and
curves — on SQLite and on PostgreSQL, for a year with every kind of event and for
generated histories; and a fresh fold of the log in the other dialect gives the same rows."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect

from ledger import commands as c
from ledger.application import Ledger, PaymentRef, ProjectRef
from ledger.domain.codebook import CodeBook
from ledger.domain.kinds import Category, Fund, IssueKind
from ledger.domain.project import Project
from ledger.domain.unit import IncomeSource, Unit, UnitKind
from ledger.errors import LedgerError
from ledger.money import Amount
from ledger.storage import parse_url
from projections import runner
from projections.movements import movements
from tests.conftest import invoke
from tests.readmodels import aggregates, assert_models_match_the_aggregates, mismatches

D = dt.date
A = "clerk"


def open_ledger(db: str) -> Ledger:
    store = parse_url(db)
    store.prepare()
    app = Ledger(store, create_tables=True)
    runner.create_tables(store)
    return app


def a_full_year(app: Ledger) -> None:
    """Every kind of event: quota of each kind, allocations, payments in every state,
    income, balances, a curve, scores and targets, and a year-end close that withdraws
    one line and carries another (with a pending payment and an unspent allocation)."""
    app.execute(c.AddUnit(unit="153001", name="工信局", kind=UnitKind.ADMINISTRATIVE), actor=A)
    p1, p2 = ProjectRef("153001", "P1"), ProjectRef("153001", "P2")
    for ref in (p1, p2):
        app.execute(
            c.AddProject(
                unit=ref.unit,
                code=ref.code,
                name=f"项目{ref.code}",
                function="2150805",
                category=Category.SPECIFIC,
                fund=Fund.GENERAL,
                economic="31299",
                doc="榕财〔2024〕1号",
                level="区级",
            ),
            actor=A,
        )
    app.execute(
        c.IssueQuota(
            project=str(p1), amount=Amount(1_000_000), on=D(2024, 1, 2), doc="年初", kind=IssueKind.INITIAL
        ),
        actor=A,
    )
    app.execute(
        c.IssueQuota(
            project=str(p1), amount=Amount(50_000), on=D(2024, 3, 2), doc="追'加", kind=IssueKind.SUPPLEMENT
        ),
        actor=A,
    )
    app.execute(
        c.IssueQuota(
            project=str(p2), amount=Amount(300_000), on=D(2024, 2, 2), doc="结转", kind=IssueKind.CARRIED
        ),
        actor=A,
    )
    app.execute(
        c.ReduceQuota(project=str(p1), amount=Amount(10_000), on=D(2024, 4, 1), doc="调减", reason="压减"),
        actor=A,
    )
    app.execute(
        c.Allocate(project=str(p1), amount=Amount(200_000), payee="甲公司", on=D(2024, 4, 2)), actor=A
    )
    app.execute(
        c.Allocate(project=str(p1), amount=Amount(100_000), payee="乙公司", on=D(2024, 4, 3)), actor=A
    )
    paid, _ = app.execute(
        c.RequestPayment(
            project=str(p1),
            amount=Amount(150_000),
            payee="甲公司",
            economic="31299",
            on=D(2024, 5, 1),
            key="k-1",
        ),
        actor=A,
    )
    app.execute(c.HoldPayment(payment=str(paid), on=D(2024, 5, 2), reason="待财政统筹拨付"), actor=A)
    app.execute(c.SettlePayment(payment=str(paid), on=D(2024, 6, 1), voucher="V-1"), actor=A)
    app.execute(
        c.RefundPayment(payment=str(paid), amount=Amount(5_000), on=D(2024, 6, 9), reason="退回"), actor=A
    )
    app.execute(
        c.RequestPayment(
            project=str(p1),
            amount=Amount(20_000),
            payee="乙公司",
            economic="30201",
            on=D(2024, 7, 1),
            settled_on=D(2024, 7, 1),
            voucher="V-2",
        ),
        actor=A,
    )
    cancelled, _ = app.execute(
        c.RequestPayment(
            project=str(p1), amount=Amount(9_000), payee="丙", economic="31299", on=D(2024, 8, 1)
        ),
        actor=A,
    )
    app.execute(c.CancelPayment(payment=str(cancelled), on=D(2024, 8, 2), reason="作废"), actor=A)
    app.execute(
        c.RequestPayment(
            project=str(p1), amount=Amount(7_000), payee="乙公司", economic="31299", on=D(2024, 12, 1)
        ),
        actor=A,
    )
    app.execute(
        c.RequestPayment(
            project=str(p1), amount=Amount(3_000), payee="甲公司", economic="31299", on=D(2024, 12, 2)
        ),
        actor=A,
    )
    app.execute(
        c.RequestPayment(
            project=str(p2),
            amount=Amount(40_000),
            payee="丁",
            economic="31299",
            on=D(2024, 9, 1),
            settled_on=D(2024, 9, 2),
        ),
        actor=A,
    )
    app.execute(
        c.AddIncome(
            unit="153001",
            amount=Amount(62_000),
            source=IncomeSource.OTHER,
            function="2150501",
            on=D(2024, 3, 1),
            doc="",
        ),
        actor=A,
    )
    app.execute(
        c.SetOpeningBalance(unit="153001", year=2024, fund=Fund.NON_FISCAL, amount=Amount(491_400)), actor=A
    )
    app.execute(
        c.SetCurve(
            unit="153001", year=2024, points=tuple([f"{8.33 * m:.2f}" for m in range(1, 12)] + ["100"])
        ),
        actor=A,
    )
    app.execute(c.SetScore(project=str(p1), year=2024, score=9_150, reason="评审认定"), actor=A)
    app.execute(
        c.SetTarget(
            project=str(p1),
            year=2024,
            indicator="预算执行率",
            operator=">=",
            value="95",
            unit="%",
            direction="正向",
        ),
        actor=A,
    )
    # corrections: an issue reversed, quota moved, an allocation cut, payments reversed and corrected
    app.execute(c.ReverseQuota(project=str(p1), doc="追'加", on=D(2024, 3, 20), reason="重复录入"), actor=A)
    app.execute(
        c.TransferQuota(
            source=str(p1), target=str(p2), amount=Amount(30_000), on=D(2024, 4, 5), doc="调剂", reason="调整"
        ),
        actor=A,
    )
    app.execute(
        c.ReduceAllocation(
            project=str(p1), amount=Amount(50_000), payee="乙公司", on=D(2024, 4, 6), reason="录错"
        ),
        actor=A,
    )
    app.execute(c.ReversePayment(payment=str(PaymentRef(p2, 1)), on=D(2024, 9, 10), reason="误录"), actor=A)
    app.execute(
        c.CorrectPayment(payment=str(PaymentRef(p1, 2)), amount=Amount(18_000), reason="金额录错"), actor=A
    )
    p3 = ProjectRef("153001", "P3")
    app.execute(
        c.AddProject(
            unit=p3.unit,
            code=p3.code,
            name="误登记",
            function="2150805",
            category=Category.SPECIFIC,
            fund=Fund.GENERAL,
            economic="",
            doc="",
            level="",
        ),
        actor=A,
    )
    app.execute(
        c.AmendProject(project=str(p3), name="改正的名称", function="2150899", reason="录错"), actor=A
    )
    app.execute(c.CloseProject(project=str(p3), reason="误登记"), actor=A)
    app.execute(c.CloseYear(unit="153001", year=2024, withdraw=(p2.code,)), actor=A)
    app.execute(c.ReopenYear(unit="153001", year=2024, reason="漏记"), actor=A)
    app.execute(c.CloseYear(unit="153001", year=2024, withdraw=(p2.code,)), actor=A)
    app.execute(c.SettlePayment(payment=str(PaymentRef(p1, 5)), on=D(2025, 1, 20), voucher="V-3"), actor=A)
    app.execute(
        c.IssueQuota(
            project=str(p1), amount=Amount(80_000), on=D(2025, 1, 3), doc="2025年初", kind=IssueKind.INITIAL
        ),
        actor=A,
    )


def test_the_tables_agree_with_the_aggregates_for_a_year_with_every_kind_of_event(db: str) -> None:
    app = open_ledger(db)
    try:
        a_full_year(app)
        topics = {n.topic for n in runner.all_notifications(app)}
        # the year really has every event that moves money or fills a table
        for cls in (Project.YearClosed, Project.PaymentRefunded, Unit.CurveSet, Project.TargetSet):
            assert any(t.endswith(cls.__qualname__) for t in topics)
        assert_models_match_the_aggregates(app)
        kinds = {r["kind"] for r in runner.dump(app)["rm_movements"]}
        assert {"carry_in", "withdraw", "carry_allocation", "carry_out_payment", "carry_in_payment"} <= kinds
        assert {"issue_reversal", "transfer_out", "transfer_in", "allocation_reduce", "reversal"} <= kinds
        assert {
            "reopen",
            "reopen_carry_in",
            "reopen_allocation",
            "reopen_out_payment",
            "reopen_in_payment",
        } <= kinds
        assert {"unit_reopen", "opening_reset"} <= kinds
        changes = runner.dump(app)["rm_project_changes"]
        assert [(c["name"], c["function"], c["closed"]) for c in changes] == [
            ("改正的名称", "2150899", 0),
            ("改正的名称", "2150899", 1),
        ]
    finally:
        runner.dispose(app.store)
        app.close()


def test_the_check_against_the_aggregates_names_a_changed_row(db: str) -> None:
    app = open_ledger(db)
    try:
        a_full_year(app)
        runner.catch_up(app)
        projects, units = aggregates(app)
        tables = runner.dump(app)
        assert mismatches(tables, projects, units) == []
        settle = next(r for r in tables["rm_movements"] if r["kind"] == "settle")
        tampered = {
            **tables,
            "rm_movements": [
                {**r, "paid": r["paid"] + 1} if r is settle else r for r in tables["rm_movements"]
            ],
        }
        (found,) = mismatches(tampered, projects, units)
        assert found.startswith(f"rm_movements ('{settle['project_id']}', {settle['year']})")
        renamed = {**tables, "rm_units": [{**r, "name": "别的局"} for r in tables["rm_units"]]}
        assert [m.split(":")[0] for m in mismatches(renamed, projects, units)] == ["rm_units 153001"]
    finally:
        runner.dispose(app.store)
        app.close()


def test_small_pages_fold_the_same_rows_as_one_page(db: str) -> None:
    app = open_ledger(db)
    try:
        a_full_year(app)
        runner.catch_up(app, page_size=3)
        paged = runner.dump(app)
        runner.rebuild(app)
        assert runner.dump(app) == paged
    finally:
        runner.dispose(app.store)
        app.close()


ACTS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "issue",
                "reduce",
                "allocate",
                "request",
                "hold",
                "settle",
                "cancel",
                "refund",
                "reverse",
                "correct",
                "reverse_issue",
                "allocation_reduce",
            ]
        ),
        st.integers(min_value=1, max_value=50_000),
        st.integers(min_value=1, max_value=360),
        st.sampled_from(["甲", "乙", "丙"]),
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(acts=ACTS, close=st.booleans(), withdraw=st.booleans())
def test_generated_histories_fold_to_the_aggregates_totals(
    acts: list[tuple[str, int, int, str]], close: bool, withdraw: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = open_ledger(str(Path(folder) / "ledger.db"))
        try:
            app.execute(c.AddUnit(unit="1", name="单位", kind=UnitKind.ADMINISTRATIVE), actor=A)
            ref = ProjectRef("1", "P")
            app.execute(
                c.AddProject(
                    unit=ref.unit,
                    code=ref.code,
                    name="项目",
                    function="2150805",
                    category=Category.SPECIFIC,
                    fund=Fund.GENERAL,
                    economic="",
                    doc="",
                    level="",
                ),
                actor=A,
            )
            payments: list[Any] = []
            for act, amount, day, payee in acts:
                on = D(2024, 1, 1) + dt.timedelta(days=day)
                try:
                    if act == "issue":
                        app.execute(
                            c.IssueQuota(
                                project=str(ref),
                                amount=Amount(amount),
                                on=on,
                                doc="文",
                                kind=IssueKind.INITIAL,
                            ),
                            actor=A,
                        )
                    elif act == "reduce":
                        app.execute(
                            c.ReduceQuota(
                                project=str(ref), amount=Amount(amount), on=on, doc="文", reason="减"
                            ),
                            actor=A,
                        )
                    elif act == "allocate":
                        app.execute(
                            c.Allocate(project=str(ref), amount=Amount(amount), payee=payee, on=on), actor=A
                        )
                    elif act == "request":
                        payment, _ = app.execute(
                            c.RequestPayment(
                                project=str(ref), amount=Amount(amount), payee=payee, economic="31299", on=on
                            ),
                            actor=A,
                        )
                        payments.append(payment)
                    elif payments:
                        payment = payments[amount % len(payments)]
                        if act == "hold":
                            app.execute(c.HoldPayment(payment=str(payment), on=on, reason="待拨"), actor=A)
                        elif act == "settle":
                            app.execute(c.SettlePayment(payment=str(payment), on=on, voucher="V"), actor=A)
                        elif act == "cancel":
                            app.execute(c.CancelPayment(payment=str(payment), on=on, reason="撤"), actor=A)
                        elif act == "reverse":
                            app.execute(c.ReversePayment(payment=str(payment), on=on, reason="冲"), actor=A)
                        elif act == "correct":
                            payments.append(
                                app.execute(
                                    c.CorrectPayment(
                                        payment=str(payment), amount=Amount(amount), payee=payee, reason="更"
                                    ),
                                    actor=A,
                                )
                            )
                        elif act == "reverse_issue":
                            app.execute(
                                c.ReverseQuota(
                                    project=str(ref), doc="文", amount=Amount(amount), on=on, reason="冲"
                                ),
                                actor=A,
                            )
                        elif act == "allocation_reduce":
                            app.execute(
                                c.ReduceAllocation(
                                    project=str(ref), amount=Amount(amount), payee=payee, on=on, reason="减"
                                ),
                                actor=A,
                            )
                        else:
                            app.execute(
                                c.RefundPayment(
                                    payment=str(payment), amount=Amount(amount), on=on, reason="退"
                                ),
                                actor=A,
                            )
                except LedgerError:
                    pass  # refused by a rule: nothing recorded, the history goes on
            if close:
                try:
                    app.execute(
                        c.CloseYear(unit="1", year=2024, withdraw=(ref.code,) if withdraw else ()), actor=A
                    )
                except LedgerError:
                    app.execute(
                        c.CloseYear(unit="1", year=2024), actor=A
                    )  # pending payments: carried, not withdrawn
                if withdraw:
                    app.execute(c.ReopenYear(unit="1", year=2024, reason="反结账"), actor=A)
            assert_models_match_the_aggregates(app)
        finally:
            runner.dispose(app.store)
            app.close()


def test_every_event_class_is_still_at_the_version_the_sql_fold_reads() -> None:
    """The SQL folds read events in the shape they are stored; a new class_version must
    teach ``fold_sql`` the new shape (and this test the new number)."""
    classes = [
        value
        for owner in (Project, Unit, CodeBook)
        for value in vars(owner).values()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
    ]
    assert len(classes) > 15
    assert {c.__qualname__: getattr(c, "class_version", 1) for c in classes} == {
        c.__qualname__: 1 for c in classes
    }


def indexes(app: Ledger) -> set[str]:
    _, writer = runner.engines(app.store)
    schema = None if app.store.is_sqlite else app.store.schema
    with writer.connect() as conn:
        return {str(i["name"]) for i in inspect(conn).get_indexes("rm_movements", schema=schema)}


def test_the_hash_chain_is_never_rebuilt_and_nothing_is_written(db: str) -> None:
    app = open_ledger(db)
    try:
        a_full_year(app)
        runner.catch_up(app)
        before = runner.dump(app)
        result = invoke(db, "projections", "rebuild", "chain")
        assert result.exit_code == 1
        assert "哈希链" in result.output and "ledger verify" in result.output
        assert runner.dump(app) == before
    finally:
        runner.dispose(app.store)
        app.close()


def test_an_interrupted_rebuild_gets_its_indexes_back_on_the_next_catch_up(db: str) -> None:
    app = open_ledger(db)
    try:
        a_full_year(app)
        runner.catch_up(app)
        expected = runner.dump(app)

        def stop(position: int, head: int) -> None:
            raise KeyboardInterrupt  # killed after the first page

        with contextlib.suppress(KeyboardInterrupt):
            runner.rebuild(app, progress=stop, page_size=5)
        assert not indexes(app)  # the rebuild had dropped them, to build them once at the end
        runner.catch_up(app)
        assert indexes(app) == {i.name for i in movements.indexes}
        assert runner.dump(app) == expected
    finally:
        runner.dispose(app.store)
        app.close()
