"""Hooks the read models and reports into the ``ledger`` command line (entry point).

Loaded at every start-up, so it imports nothing heavy: the read-model runner, the
reports and the audit commands are imported when a hook fires or a command is used.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ledger import hooks
from ledger.cli import LazyGroup, Session, examples, pass_session, zh

if TYPE_CHECKING:
    from ledger.application import Ledger

REPORTS = {
    "execution": "projections.reports.execution:execution",
    "backlog": "projections.reports.backlog:backlog",
    "month": "projections.reports.month:month_report",
    "final-accounts": "projections.reports.final_accounts:final_accounts",
    "balances": "projections.reports.balances:balances",
}
EXAMPLES = {
    "report execution": "ledger report execution 153001 2024 --format xlsx --output 执行情况.xlsx",
    "report backlog": "ledger report backlog 153001 --older-than 30",
    "report month": "ledger report month 153001 2024-05 --chart 2024-05.png",
    "report final-accounts": "ledger report final-accounts 153001 2024 --table 公开06",
    "report balances": "ledger report balances 153001 2024",
    "reconcile": "ledger reconcile 153001 2024 --published data/guloo-2024/published.json",
    "verify": "ledger verify",
    "export": "ledger export 备份-2024-12-31.jsonl",
    "restore": "ledger --db 新账簿.db restore 备份-2024-12-31.jsonl",
    "projections status": "ledger projections status",
    "projections rebuild": "ledger projections rebuild movements",
    "unit list": "ledger unit list --format xlsx --output 单位.xlsx",
    "project list": "ledger project list --unit 153001 --function 21508 --year 2024",
    "payment list": "ledger payment list --unit 153001 --status 待统筹 --from 2024-01-01 --to 2024-06-30",
    "appropriation list": "ledger appropriation list --unit 153001 --doc 榕财企（指）[2024]17号",
}
ROOT = {
    "reconcile": "projections.reports.reconcile:reconcile",
    "verify": "projections.audit:verify_command",
    "export": "projections.audit:export_command",
    "restore": "projections.audit:restore_command",
}

#: the lists (finding things) under the built-in groups, through ``ledger.hooks.subcommands``
LISTS = {
    "unit": {"list": "projections.lists:unit_list"},
    "project": {"list": "projections.lists:project_list"},
    "payment": {"list": "projections.lists:payment_list"},
    "appropriation": {"list": "projections.lists:appropriation_list"},
}


def _init(ledger: Ledger) -> None:
    from projections import runner

    runner.create_tables(ledger.store)
    runner.catch_up(ledger)


def _after_write(ledger: Ledger) -> None:
    if ledger.store.is_sqlite:  # a few events on SQLite: the plain connection will do
        from projections import quick

        if quick.catch_up(ledger.store) is not None:
            return
    from projections import runner

    runner.catch_up(ledger)


def _close(ledger: Ledger) -> None:
    runner = sys.modules.get("projections.runner")
    if runner is not None:
        runner.dispose(ledger.store)


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
        zh.aligned(
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
    from projections import runner

    session.store.require_owner("重建读模型（projections rebuild）")
    ledger = session.ledger()
    for name in names:
        runner.model_named(name)
    head = ledger.recorder.max_notification_id() or 0
    if sys.stderr.isatty() and head:
        with click.progressbar(length=head, label="重建读模型", file=sys.stderr) as bar:
            done = [0]

            def progress(position: int, _head: int) -> None:
                bar.update(position - done[0])
                done[0] = position

            applied = runner.rebuild(ledger, names, progress=progress)
    else:
        applied = runner.rebuild(ledger, names)
    chosen = list(names) or [m.NAME for m in runner.DERIVED]
    session.emit(
        f"已重建读模型：{'、'.join(chosen)}（重放 {applied} 个事件）",
        {"ok": True, "models": chosen, "events": applied},
    )


def register(group: click.Group) -> None:
    """Add the report and projection commands to the root group, and the hooks."""
    examples.add(EXAMPLES)
    if _init not in hooks.on_init:
        hooks.on_init.append(_init)
        hooks.after_write.append(_after_write)
        hooks.on_close.append(_close)
    for name, commands in LISTS.items():
        hooks.subcommands.setdefault(name, {}).update(commands)
    group.add_command(projections_group)
    group.add_command(report_group)
    if isinstance(group, LazyGroup):
        group.lazy.update(ROOT)
