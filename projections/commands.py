"""The read models' side of the ``ledger`` command line: the ``report`` and
``projections`` groups, and what ``init`` and every write command call to keep the
read models current.

``ledger.cli`` names these in its tables of lazily imported commands and imports this
module only when one of them is used, so it imports nothing heavy itself: the
read-model runner and the reports are imported when a command needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ledger import layout
from ledger.cli import LazyGroup, Session, pass_session

if TYPE_CHECKING:
    from ledger.application import Ledger

#: the reports, each imported when used
REPORTS = {
    "execution": "projections.reports.cli:execution",
    "backlog": "projections.reports.cli:backlog",
    "month": "projections.reports.cli:month_report",
    "final-accounts": "projections.reports.cli:final_accounts",
    "balances": "projections.reports.cli:balances",
}


def create_tables(ledger: Ledger) -> None:
    """``ledger init``: the read-model tables beside the event store, caught up."""
    from projections import runner

    runner.create_tables(ledger.store)
    runner.catch_up(ledger)


def catch_up(ledger: Ledger) -> None:
    """After a command recorded events: on SQLite they are folded on the plain
    connection (``projections.quick``); a store it does not take, and PostgreSQL, are
    the runner's."""
    if ledger.store.is_sqlite:  # the plain connection will do, without SQLAlchemy
        from projections import quick

        if quick.catch_up(ledger.store) is not None:
            return
    from projections import runner

    runner.catch_up(ledger)


@click.group("report", cls=LazyGroup, lazy=REPORTS)
def report_group() -> None:
    """报表：执行、积压、月报、决算、结余（均可 --as-of / --known-at 回放）。"""


@click.group("projections")
def projections_group() -> None:
    """读模型：查看进度、从零重建。"""


@projections_group.command("status")
@pass_session
def projections_status(session: Session) -> None:
    """每个读模型已处理到的事件位置与事件日志的对比。"""
    from projections import runner

    rows = runner.status(session.ledger())
    text = "\n".join(
        layout.aligned(
            ["读模型", "已处理", "日志末尾", "落后"],
            [[r.name, str(r.position), str(r.log_position), str(r.behind)] for r in rows],
            right=frozenset({1, 2, 3}),
        )
    )
    session.emit(
        text,
        [
            {
                "name": r.name,
                "position": r.position,
                "log_position": r.log_position,
                "behind": r.behind,
            }
            for r in rows
        ],
    )


@projections_group.command("rebuild")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@pass_session
def projections_rebuild(session: Session, names: tuple[str, ...]) -> None:
    """从零重建读模型（默认全部派生模型）：清空后按事件日志重放。

    哈希链（chain）是防篡改凭据，只随记录追加，不参与重建。
    """
    from ledger.progress import Progress
    from projections import runner

    session.store.require_owner("重建读模型（projections rebuild）")
    ledger = session.ledger()
    names = tuple(dict.fromkeys(names))  # a model named twice is rebuilt once
    for name in names:
        runner.model_named(name)
    head = ledger.recorder.max_notification_id() or 0
    with Progress("重建读模型", head, unit="个日志位置") as progress:
        applied = runner.rebuild(ledger, names, progress=lambda position, _head: progress.reach(position))
    chosen = list(names) or [m.NAME for m in runner.DERIVED]
    session.emit(
        f"已重建读模型：{'、'.join(chosen)}（重放 {applied} 个事件）",
        {"ok": True, "models": chosen, "events": applied},
    )
