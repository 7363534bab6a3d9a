"""``ledger import FILE``: acts received from the 预算管理一体化 system, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli import Session, pass_session
from ledger.cli.params import Choice
from ledger.errors import MalformedInput
from ledger.progress import Progress

OPS = {
    "unit.add": "登记单位",
    "project.add": "登记项目",
    "appropriation.issue": "下达指标",
    "appropriation.reduce": "调减指标",
    "allocation.add": "分配",
    "payment.request": "申请支付",
    "payment.hold": "暂缓",
    "payment.settle": "拨付",
    "payment.cancel": "撤销支付",
    "payment.refund": "退款",
    "income.add": "非财政收入",
    "score.set": "认定得分",
    "target.set": "绩效目标",
    "year.close": "年终结账",
    "year.reopen": "反结账",
    "unit.opening-balance": "年初结转和结余",
    "unit.curve": "序时进度",
    "project.amend": "修改项目",
    "project.close": "撤销项目",
    "appropriation.reverse": "冲销指标",
    "appropriation.transfer": "指标调剂",
    "allocation.reduce": "调减分配",
    "payment.reverse": "冲销支付",
    "payment.correct": "更正支付",
}


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option(
    "--profile",
    default=None,
    metavar="NAME|FILE.toml",
    help="按导出格式读取：quota（一体化指标导出）、payment（一体化支付导出），或某省导出格式的 .toml 配置文件。"
    "不给时读取带 op 列的本账簿格式。",
)
@click.option("--unit", "unit", default=None, help="导出文件没有单位编码列时，所属的单位编码。")
@click.option(
    "--sheet",
    default=None,
    help="XLSX：要导入的工作表名（工作簿只有一个可见工作表时可不给；隐藏的工作表不会被自动选中）。",
)
@click.option("--dry-run", is_flag=True, help="只检查并列出将要记录的内容，不记录。")
@click.option(
    "--again",
    is_flag=True,
    help="内容完全相同的文件已导入过时，仍然再记录一次（没有编号或幂等键的行不去重）。",
)
@click.option(
    "--template",
    type=Choice(["quota", "payment"]),
    default=None,
    help="不导入，写出该导出格式的 XLSX 模板（需 --output）。",
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="--template 写到的文件。"
)
@pass_session
def import_file(
    session: Session,
    file: Path | None,
    profile: str | None,
    unit: str | None,
    sheet: str | None,
    dry_run: bool,
    again: bool,
    template: str | None,
    output: Path | None,
) -> None:
    """导入指标、分配和支付：一体化系统的指标、支付导出（--profile），或本账簿格式的 JSON Lines、CSV、XLSX。

    先检查每一行，任何一行有误都不记录（并列出所有有误的行）；全部无误后一次性记录。
    只按编号去重（指标编号、支付申请编号、支付凭证号或幂等键），不按内容去重：没有编号的
    两行相同的支付是两笔；跳过的行逐一列出原因。内容完全相同的文件再次导入、又会记录内容时
    拒绝（确需再记录一次时加 --again）。文件须是普通文件，不超过 LEDGER_IMPORT_MAX_MB（默认 200 MB）。
    """
    from ledger.importer import Source, read_rows, run_import

    if template is not None:
        _write_template(session, template, output)
        return
    if file is None:
        raise MalformedInput(
            "请给出要导入的文件，或用 --template quota|payment --output 模板.xlsx 写出模板。"
        )
    ignored: list[str] = []
    skipped: list[tuple[int, str]] = []
    notes: list[str] = []
    if profile is not None:
        from ledger import profiles
        from ledger.importer import check_file

        check_file(file)  # a regular file within LEDGER_IMPORT_MAX_MB; the table reader refuses a zip bomb
        chosen = profiles.load_profile(profile)
        converted = profiles.convert(profiles.read_export(file, chosen), chosen, unit=unit)
        rows, ignored, skipped = converted.rows, converted.ignored_columns, converted.skipped
        notes.append(f"按“{chosen.title}”读取：文件 {converted.lines} 行，转为 {len(rows)} 个动作")
        if converted.unkeyed:
            notes.append(
                f"注意：{converted.unkeyed} 笔支付既无支付申请编号也无凭证号，无法去重：它们在另一个文件中再次出现会再记录一次"
            )
    else:
        rows = read_rows(file, sheet=sheet)
    ledger = session.ledger()
    source = Source.of(file)
    with Progress("检查并记录", len(rows)) as progress:
        result = run_import(
            ledger, rows, actor=session.actor, source=source, again=again, progress=progress.advance, dry_run=dry_run
        )
        progress.reach(len(rows))  # the importer counts in thousands
    if result.events and not dry_run:
        session.wrote()
    skipped = sorted(skipped + result.skipped_rows)
    head = "检查通过（未记录任何内容），将" if dry_run else "已导入"
    lines = [
        f"{head} {file.name}：{result.rows} 行，{'将' if dry_run else ''}新记录 {result.recorded} 行"
        f"（{result.events} 个事件），跳过 {len(skipped)} 行"
    ]
    lines += [f"  {OPS.get(op, op)}：{n} 行" for op, n in sorted(result.by_op.items())]
    lines += notes
    if ignored:
        lines.append(f"未使用的列：{'、'.join(ignored)}")
    lines += [f"  跳过第 {line} 行：{why}" for line, why in skipped[:200]]
    if len(skipped) > 200:
        lines.append(f"  ……另有 {len(skipped) - 200} 行跳过")
    session.emit(
        "\n".join(lines),
        {
            "ok": True,
            "dry_run": dry_run,
            "file": str(file),
            "rows": result.rows,
            "recorded": result.recorded,
            "skipped": result.skipped + len(skipped) - len(result.skipped_rows),
            "events": result.events,
            "by_op": result.by_op,
            "ignored_columns": ignored,
            "skipped_rows": [{"line": line, "reason": why} for line, why in skipped],
        },
    )


def _write_template(session: Session, kind: str, output: Path | None) -> None:
    from ledger import profiles

    if output is None or output.suffix.lower() != ".xlsx":
        raise MalformedInput("--template 需要用 --output 指定 .xlsx 文件，如 --output 指标导入模板.xlsx")
    if output.exists():
        raise MalformedInput(f"{output} 已存在：请换一个文件名，不会覆盖已有文件。")
    try:
        import openpyxl
        from openpyxl.styles import Font
    except ImportError:
        raise MalformedInput("写 XLSX 需要 openpyxl：pip install 'ledger[reports]'") from None
    profile = profiles.load_profile(kind)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = profile.title[:31]
    sheet.append([f"{profile.title}导入模板（第 2 行为列名；标题行可保留，导入时自动跳过）"])
    names = profile.header_names()
    sheet.append(names)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.number_format = "@"
    for i, name in enumerate(names, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(12, 2 * len(name) + 4)
    sheet.freeze_panes = "A3"
    book.save(output)
    session.emit(
        f"已写出模板：{output}（{len(names)} 列：{'、'.join(names)}）",
        {"ok": True, "template": kind, "output": str(output), "columns": names},
    )
