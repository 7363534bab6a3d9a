"""``ledger import FILE``: acts received from the 预算管理一体化 system, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.cli import Session, pass_session


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_session
def import_file(session: Session, file: Path) -> None:
    """导入 JSON Lines、CSV 或 XLSX 文件中的指标、分配和支付。

    先检查每一行，任何一行有误都不记录（并列出所有有误的行）；全部无误后一次性记录。
    同一文件重复导入不会重复记录。
    """
    from ledger.importer import read_rows, run_import

    rows = read_rows(file)
    ledger = session.ledger()
    if sys.stderr.isatty() and len(rows) > 1000:
        with click.progressbar(length=len(rows), label="检查并记录", file=sys.stderr) as bar:
            result = run_import(ledger, rows, actor=session.actor, progress=bar.update)
    else:
        result = run_import(ledger, rows, actor=session.actor)
    if result.events:
        session.wrote()
    session.emit(
        f"已导入 {file.name}：{result.rows} 行，新记录 {result.recorded} 行（{result.events} 个事件），"
        f"已存在跳过 {result.skipped} 行",
        {
            "ok": True,
            "file": str(file),
            "rows": result.rows,
            "recorded": result.recorded,
            "skipped": result.skipped,
            "events": result.events,
        },
    )
