"""Random command sequences never break the money invariants, and replay equals live state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain.kinds import IssueKind
from ledger.domain.project import Project
from ledger.errors import LedgerError
from ledger.money import Amount
from tests.factories import project_line

PAYEES = ["甲", "乙", "丙"]

amounts = st.integers(min_value=1, max_value=50_000)
days = st.integers(min_value=0, max_value=364)
years = st.sampled_from([2024, 2025])
commands = st.one_of(
    st.tuples(st.just("issue"), amounts, days, years),
    st.tuples(st.just("reduce"), amounts, days, years),
    st.tuples(st.just("allocate"), amounts, days, years, st.sampled_from(PAYEES)),
    st.tuples(st.just("request"), amounts, days, years, st.sampled_from(PAYEES)),
    st.tuples(st.just("hold"), st.integers(1, 12), days, years),
    st.tuples(st.just("settle"), st.integers(1, 12), days, years),
    st.tuples(st.just("cancel"), st.integers(1, 12), days, years),
    st.tuples(st.just("refund"), st.integers(1, 12), amounts, days, years),
    st.tuples(st.just("close"), years, st.booleans()),
    st.tuples(st.just("reverse"), st.integers(1, 12), days, years),
    st.tuples(st.just("correct"), st.integers(1, 12), amounts, st.sampled_from(PAYEES)),
    st.tuples(st.just("reverse_issue"), st.integers(1, 60), days, years),
    st.tuples(st.just("transfer_out"), amounts, days, years),
    st.tuples(st.just("transfer_in"), amounts, days, years),
    st.tuples(st.just("reduce_allocation"), amounts, days, years, st.sampled_from(PAYEES)),
    st.tuples(st.just("reopen"), years),
)


def date_of(year: int, day: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=day % 365)


def apply(project: Project, command: tuple[Any, ...]) -> None:
    kind = command[0]
    if kind == "issue":
        _, a, d, y = command
        project.issue_quota(
            Amount(a), on=date_of(y, d), doc=f"d{a % 3}", kind=IssueKind.SUPPLEMENT, actor="t"
        )
    elif kind == "reverse":
        _, n, d, y = command
        project.reverse_payment(n, on=date_of(y, d), reason="r", actor="t")
    elif kind == "correct":
        _, n, a, payee = command
        project.correct_payment(n, amount=Amount(a), payee=payee, reason="r", actor="t")
    elif kind == "reverse_issue":
        _, v, d, y = command
        issue = project.issues.get(v)
        doc = issue.doc if issue is not None else "none"
        project.reverse_issue(doc, act=v, on=date_of(y, d), reason="r", actor="t")
    elif kind == "transfer_out":
        _, a, d, y = command
        project.transfer_out(Amount(a), to="U/Q", on=date_of(y, d), doc="调", reason="r", actor="t")
    elif kind == "transfer_in":
        _, a, d, y = command
        project.transfer_in(Amount(a), source="U/Q", on=date_of(y, d), doc="调", reason="r", actor="t")
    elif kind == "reduce_allocation":
        _, a, d, y, payee = command
        project.reduce_allocation(Amount(a), payee=payee, on=date_of(y, d), reason="r", actor="t")
    elif kind == "reopen":
        _, y = command
        if project.later_acts(y):
            return  # the application refuses a reopening the next year rests on
        project.reopen_year(y, reason="r", actor="t")
    elif kind == "reduce":
        _, a, d, y = command
        project.reduce_quota(Amount(a), on=date_of(y, d), doc="d", reason="r", actor="t")
    elif kind == "allocate":
        _, a, d, y, payee = command
        project.allocate(Amount(a), payee=payee, on=date_of(y, d), actor="t")
    elif kind == "request":
        _, a, d, y, payee = command
        project.request_payment(Amount(a), payee=payee, economic="31299", on=date_of(y, d), key="", actor="t")
    elif kind in ("hold", "settle", "cancel"):
        _, n, d, y = command
        acts: dict[str, Callable[..., bool]] = {
            "hold": project.hold_payment,
            "settle": project.settle_payment,
            "cancel": project.cancel_payment,
        }
        act = acts[kind]
        extra = {"voucher": ""} if kind == "settle" else {"reason": "r"}
        act(n, on=date_of(y, d), actor="t", **extra)
    elif kind == "refund":
        _, n, a, d, y = command
        project.refund_payment(n, Amount(a), on=date_of(y, d), reason="r", actor="t")
    else:
        _, y, withdraw = command
        project.close_year(y, withdraw=withdraw, doc="", actor="t")


def test_the_invariant_checker_fires_on_a_broken_line() -> None:
    project = project_line(unit="U", code="P", actor="t")
    project.issue_quota(Amount(100), on=dt.date(2024, 1, 1), doc="d", kind=IssueKind.INITIAL, actor="t")
    project.request_payment(
        Amount(100), payee="甲", economic="31299", on=dt.date(2024, 2, 1), key="", actor="t"
    )
    project.book(2024).issued -= 50  # forged state: more committed than issued
    assert any("已支付+待支付" in v for v in project.invariant_violations())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands, max_size=40))
def test_random_command_sequences_never_break_the_invariants_and_replay_equals_live(
    sequence: list[tuple[Any, ...]],
) -> None:
    project = project_line(unit="U", code="P", actor="t")
    project.issue_quota(Amount(100_000), on=dt.date(2024, 1, 1), doc="d", kind=IssueKind.INITIAL, actor="t")
    for command in sequence:
        version = project.version
        try:
            apply(project, command)
        except LedgerError:
            assert project.version == version  # refused: nothing recorded
        assert project.invariant_violations() == []
    replayed: Project | None = None
    for event in project.collect_events():
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert replayed.snapshot_state() == project.snapshot_state()
