"""Rendering a report: terminal table, CSV, JSON, XLSX or Markdown, to stdout or a file.

A :class:`Report` is a list of :class:`Sheet` s; each sheet has a title, column
headings, rows of cells (already formatted text, or numbers for JSON) and notes. The
renderers never compute: every figure arrives rounded once, from exact 分.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import click

FORMATS = ("table", "csv", "json", "xlsx", "md")


@dataclass
class Sheet:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: machine-readable form for ``--format json``; defaults to rows keyed by column
    data: Any = None

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


@dataclass
class Report:
    title: str
    sheets: list[Sheet]
    subtitle: str = ""
    data: Any = None  # overrides the JSON form of the whole report


def width(text: str) -> int:
    """Display width on a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, size: int, right: bool) -> str:
    gap = " " * max(size - width(text), 0)
    return gap + text if right else text + gap


#: a figure as the renderers receive it: ``-1,234.56``, ``+3.20``, ``95.00%`` (ASCII digits only)
_FIGURE = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?%?$")
#: what makes a spreadsheet read a cell as a formula (OWASP, CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _is_number(text: str) -> bool:
    return _FIGURE.match(text) is not None


def inert(cell: Any) -> Any:
    """A cell a spreadsheet will show, never run: text that starts like a formula gets a ``'``.

    A figure (``-1,234.56``) is left alone: it is a number, not a formula.
    """
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _is_number(cell):
        return "'" + cell
    return cell


def render_table(report: Report) -> str:
    out = [report.title]
    if report.subtitle:
        out.append(report.subtitle)
    for sheet in report.sheets:
        cells = [[str(c) for c in row] for row in sheet.rows]
        sizes = [width(h) for h in sheet.columns]
        for row in cells:
            for i, c in enumerate(row):
                sizes[i] = max(sizes[i], width(c))
        out.append("")
        if sheet.title and sheet.title != report.title:
            out.append(sheet.title)
        out.append("  ".join(_pad(h, sizes[i], False) for i, h in enumerate(sheet.columns)))
        out.append("  ".join("-" * s for s in sizes))
        for row in cells:
            out.append("  ".join(_pad(c, sizes[i], _is_number(c)) for i, c in enumerate(row)).rstrip())
        out.extend(sheet.notes)
    return "\n".join(out) + "\n"


def render_md(report: Report) -> str:
    out = [f"# {report.title}", ""]
    if report.subtitle:
        out += [report.subtitle, ""]
    for sheet in report.sheets:
        if sheet.title and sheet.title != report.title:
            out += [f"## {sheet.title}", ""]
        out.append("| " + " | ".join(sheet.columns) + " |")
        out.append("|" + "|".join("---:" if i else "---" for i in range(len(sheet.columns))) + "|")
        for row in sheet.rows:
            out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
        if sheet.notes:
            out += ["", *sheet.notes]
        out.append("")
    return "\n".join(out)


def render_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for n, sheet in enumerate(report.sheets):
        if len(report.sheets) > 1:
            if n:
                writer.writerow([])
            writer.writerow([inert(sheet.title)])
        writer.writerow([inert(c) for c in sheet.columns])
        writer.writerows([[inert(str(c)) for c in row] for row in sheet.rows])
    return buf.getvalue()


def render_json(report: Report) -> str:
    if report.data is not None:
        payload = report.data
    else:
        payload = {
            "title": report.title,
            "subtitle": report.subtitle,
            "sheets": [
                {
                    "title": s.title,
                    "rows": s.data if s.data is not None else s.records(),
                    "notes": s.notes,
                }
                for s in report.sheets
            ],
        }
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"


def write_xlsx(report: Report, path: Path | BinaryIO) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for sheet in report.sheets:
        name = _sheet_name(sheet.title or report.title, used)
        ws = book.create_sheet(name)
        ws.append([inert(sheet.title or report.title)])
        ws["A1"].font = Font(bold=True)
        ws.append([inert(c) for c in sheet.columns])
        for row in sheet.rows:
            ws.append([_cell_value(c) for c in row])
        for note in sheet.notes:
            ws.append([inert(note)])
        for i, heading in enumerate(sheet.columns, start=1):
            letter = ws.cell(row=2, column=i).column_letter
            longest = max([width(str(heading))] + [width(str(r[i - 1])) for r in sheet.rows if i <= len(r)])
            ws.column_dimensions[letter].width = min(max(longest + 2, 8), 60)
    book.save(path)


def _cell_value(cell: Any) -> Any:
    """Numbers stay numbers in a spreadsheet (as exact decimals), text stays text, never a formula."""
    from decimal import Decimal

    if isinstance(cell, str) and _is_number(cell) and "%" not in cell:
        return Decimal(cell.replace(",", ""))
    return inert(cell)


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base[:26]}_{n}"
    used.add(name)
    return name


def emit(report: Report, fmt: str, output: str | None) -> None:
    """Print or write the report in the chosen format (files by :func:`ledger.cli.params.write_output`)."""
    from ledger.cli.params import write_output

    if fmt == "xlsx":
        if not output:
            from ledger.errors import MalformedInput

            raise MalformedInput("--format xlsx 需要用 --output 指定文件，如 --output 报表.xlsx")
        write_output(output, lambda f: write_xlsx(report, f))
        click.echo(f"已写入 {output}", err=True)
        return
    text = {
        "table": render_table,
        "csv": render_csv,
        "json": render_json,
        "md": render_md,
    }[fmt](report)
    if output:
        data = text.encode("utf-8")

        def put(f: BinaryIO) -> None:
            f.write(data)

        write_output(output, put)
        click.echo(f"已写入 {output}", err=True)
    else:
        click.echo(text, nl=False)
