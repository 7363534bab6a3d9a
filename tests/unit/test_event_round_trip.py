"""Every event class survives a save-and-load round trip through the store's transcoder."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Mapper

from ledger.application import DateAsISO, ProjectCodeIndex
from ledger.codes import CodeKind, LocalCode
from ledger.domain.codebook import CodeBook
from ledger.domain.kinds import Fund, IssueKind
from ledger.domain.project import Project, Target
from ledger.domain.unit import IncomeSource, Unit, UnitKind
from ledger.money import Amount
from tests.factories import project_line

D = dt.date


def mapper() -> Mapper[Any]:
    from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex

    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def every_event() -> list[Any]:
    unit = Unit.register(code="153001", name="局", kind=UnitKind.ADMINISTRATIVE, on=D(2024, 1, 1), actor="a")
    unit.list_project("P1", on=D(2024, 1, 1), actor="a")
    unit.set_opening_balance(2024, Fund.GENERAL, Amount(100), actor="a")
    unit.record_income(
        Amount(5),
        source=IncomeSource.OTHER,
        function="2150501",
        on=D(2024, 2, 1),
        doc="",
        actor="a",
    )
    project = project_line(actor="a")
    project.issue_quota(Amount(1000), on=D(2024, 1, 2), doc="文", kind=IssueKind.TRANSFER, actor="a")
    project.reduce_quota(Amount(10), on=D(2024, 1, 3), doc="减", reason="r", actor="a")
    project.allocate(Amount(500), payee="甲", on=D(2024, 1, 4), actor="a")
    project.request_payment(Amount(300), payee="甲", economic="31299", on=D(2024, 2, 1), key="k", actor="a")
    project.hold_payment(1, on=D(2024, 2, 2), reason="待区财政统筹拨付", actor="a")
    project.settle_payment(1, on=D(2024, 2, 3), voucher="V", actor="a")
    project.refund_payment(1, Amount(10), on=D(2024, 2, 4), reason="退", actor="a")
    project.request_payment(Amount(100), payee="乙", economic="31299", on=D(2024, 2, 5), key="", actor="a")
    project.cancel_payment(2, on=D(2024, 2, 6), reason="作废", actor="a")
    project.request_payment(Amount(50), payee="甲", economic="31299", on=D(2024, 2, 7), key="", actor="a")
    project.set_score(2024, 1000, reason="认定", actor="a")
    project.set_target(2024, Target("预算执行率", ">=", "95", "%", "正向"), actor="a")
    project.close_year(2024, withdraw=False, doc="", actor="a")
    unit.close_year(2024, withdrawn=[], closing={Fund.NON_FISCAL.value: 5}, today=D(2025, 1, 5), actor="a")
    unit.set_opening_balance(2025, Fund.NON_FISCAL, Amount(7), actor="a", reason="更正结转数")
    index = ProjectCodeIndex(code="P1")
    index.trigger_event(ProjectCodeIndex.Listed, unit="153001")
    book = CodeBook.open(on=D(2024, 1, 1), actor="a")
    book.add(LocalCode(CodeKind.FUNCTION, 2024, "2089999", "其他"), on=D(2024, 1, 1), actor="a", source="t")
    return [
        *unit.collect_events(),
        *project.collect_events(),
        *index.collect_events(),
        *book.collect_events(),
    ]


def test_every_event_class_survives_a_save_and_load_round_trip() -> None:
    m = mapper()
    events = every_event()
    classes = {type(e).__qualname__ for e in events}
    assert {
        "Unit.Registered",
        "Unit.ProjectListed",
        "Unit.OpeningBalanceSet",
        "Unit.IncomeRecorded",
        "Unit.YearClosed",
        "Unit.BalanceCarried",
        "Unit.OpeningBalanceCorrected",
        "CodeBook.Opened",
        "CodeBook.CodeAdded",
        "Project.Registered",
        "Project.QuotaIssued",
        "Project.QuotaReduced",
        "Project.Allocated",
        "Project.PaymentRequested",
        "Project.PaymentHeld",
        "Project.PaymentSettled",
        "Project.PaymentCancelled",
        "Project.PaymentRefunded",
        "Project.ScoreSet",
        "Project.TargetSet",
        "Project.YearClosed",
        "ProjectCodeIndex.Created",
        "ProjectCodeIndex.Listed",
    } <= classes
    for event in events:
        restored = m.to_domain_event(m.to_stored_event(event))
        assert restored == event
        assert type(restored) is type(event)


def test_business_dates_are_stored_as_iso_text() -> None:
    stored = mapper().to_stored_event(every_event()[0])
    assert b'"2024-01-01"' in stored.state


def test_replaying_the_events_reproduces_the_live_state() -> None:
    events = [e for e in every_event() if isinstance(e, Project.Event)]
    live: Project | None = None
    for event in events:
        live = event.mutate(live)
    assert live is not None
    assert live.peek(2025).opening == 1000 - 10 - 290
    assert live.payments[3].year == 2025
