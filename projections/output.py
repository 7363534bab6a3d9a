"""Rendering a report: terminal table, CSV, JSON, XLSX or Markdown, to stdout or a file.

A :class:`Report` is a list of :class:`Sheet` s; each sheet has a title, column
headings, rows of cells (already formatted text, or numbers for JSON) and notes. The
renderers never compute: every figure arrives rounded once, from exact 分.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ledger.layout import wrap

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Any, BinaryIO

FORMATS = ("table", "csv", "json", "xlsx", "md")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Sheet:
    """One table of a report: its title, column headings, rows and notes under it."""

    __slots__ = ("columns", "data", "notes", "rows", "title")

    def __init__(
        self,
        title: str,
        columns: list[str],
        rows: list[list[Any]] | None = None,
        notes: list[str] | None = None,
        data: Any = None,
    ) -> None:
        self.title = title
        self.columns = columns
        self.rows = rows if rows is not None else []
        self.notes = notes if notes is not None else []
        #: machine-readable form for ``--format json``; defaults to rows keyed by column
        self.data = data

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


class Report:
    """What a report prints: a title, its sheets, and the data of its JSON form.

    (Plain classes, not dataclasses: a report run without click imports nothing it need not.)
    """

    __slots__ = ("data", "money_unit", "period", "sheets", "subtitle", "title", "unit")

    def __init__(
        self,
        title: str,
        sheets: list[Sheet],
        subtitle: str = "",
        data: Any = None,
        unit: str = "",
        period: str = "",
        money_unit: str = "万元",
    ) -> None:
        self.title = title
        self.sheets = sheets
        self.subtitle = subtitle
        self.data = data  # overrides the JSON form of the whole report
        #: the spreadsheet's title block: 单位 and 期间 (else taken from ``data``'s unit and year)
        self.unit = unit
        self.period = period
        self.money_unit = money_unit


#: the widths of the texts measured so far: a table measures each cell several times (its
#: column's width, the floors, the wrap, the padding), a name or a heading in many rows
_widths: dict[str, int] = {}


def width(text: str) -> int:
    """Display width on a terminal: CJK characters take two columns."""
    if text.isascii():
        return len(text)
    known = _widths.get(text)
    if known is None:
        if len(_widths) > 100_000:  # a province's report: never hold more than a few MB
            _widths.clear()
        known = _widths[text] = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return known


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


#: a terminal the tables fit by default (``--wide`` prints them at full width)
TERMINAL_COLUMNS = 100
#: a long text column is never wrapped narrower than this, and a text this short never wraps
NARROWEST = 10
SHORT = 16
GAP = "  "


def numeric_columns(sheet: Sheet) -> list[bool]:
    """Which columns hold figures (right-aligned, numbers in a spreadsheet).

    A column of amounts, rates or day counts: every filled cell a number, and either one
    with decimals or a heading that counts (天, 笔). Codes (科目编码 215, 2150805) and
    years are text: they are read left to right, never summed.
    """
    flags: list[bool] = []
    for i, heading in enumerate(sheet.columns):
        cells = [str(row[i]) for row in sheet.rows if i < len(row) and str(row[i]) not in ("", "—")]
        counts = "天" in heading or "笔" in heading or heading.endswith("数")
        flags.append(
            bool(cells) and all(_is_number(c) for c in cells) and (counts or any("." in c for c in cells))
        )
    return flags


#: the texts wrapped so far, by width: a project's name wraps alike in each sheet it is in
_wrapped: dict[tuple[str, int], list[str]] = {}


def wrap_cell(text: str, size: int) -> list[str]:
    """``text`` cut into lines of at most ``size`` display columns (see :func:`ledger.layout.wrap`)."""
    if "\n" not in text and width(text) <= size:
        return [text]
    lines = _wrapped.get((text, size))
    if lines is None:
        if len(_wrapped) > 10_000:
            _wrapped.clear()
        lines = _wrapped[(text, size)] = wrap(text, size)
    return list(lines)


def floors(headings: list[str], cells: list[list[str]], numeric: list[bool]) -> list[list[int]]:
    """How narrow each column may become, first gently, then as far as it takes.

    First only headings wider than their column's cells wrap (down to 8 columns). Then a
    figure never wraps, nor a short text (an id, a payee, a 小计 label, up to ``SHORT``
    columns); a long name wraps down to ``NARROWEST``. If the table is still too wide, every text wraps down to ``NARROWEST``
    (or 6 columns), after headings over figures have wrapped down to the figures' width.
    """
    headings_first, gentle, headings_wrap, firm = [], [], [], []
    for i, heading in enumerate(headings):
        sizes = [width(r[i]) for r in cells]
        natural = max([width(heading), *sizes])
        headings_first.append(max([min(width(heading), 8), *sizes]))
        if numeric[i]:
            gentle.append(max([min(width(heading), 8), *sizes]))
            headings_wrap.append(max([min(width(heading), 6), *sizes]))
            firm.append(max([4, *sizes]))
        else:
            gentle.append(min(natural, max([NARROWEST, *(w for w in sizes if w <= SHORT)])))
            headings_wrap.append(gentle[-1])
            firm.append(min(natural, 6))
    return [headings_first, gentle, headings_wrap, firm]


def fit_widths(sizes: list[int], least: list[int], columns: int) -> list[int]:
    """Narrow the widest columns, never below ``least``, until the table fits ``columns``."""
    sizes = list(sizes)
    while True:
        excess = sum(sizes) + len(GAP) * (len(sizes) - 1) - columns
        shrinkable = [i for i, s in enumerate(sizes) if s > least[i]]
        if excess <= 0 or not shrinkable:
            return sizes
        widest = max(shrinkable, key=lambda i: sizes[i])
        sizes[widest] -= 1


def render_table(report: Report, *, wide: bool = False, columns: int = TERMINAL_COLUMNS) -> str:
    """Columns aligned by display width; long text wraps so the table fits ``columns`` unless ``wide``."""
    out = [report.title]
    if report.subtitle:
        out.append(report.subtitle)
    for sheet in report.sheets:
        count = len(sheet.columns)
        cells = [[str(c) for c in row] + [""] * (count - len(row)) for row in sheet.rows]
        numeric = numeric_columns(sheet)
        sizes = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(sheet.columns)]
        if not wide:
            for least in floors(sheet.columns, cells, numeric):
                sizes = fit_widths(sizes, least, columns)
        out.append("")
        if sheet.title and sheet.title != report.title:
            out.append(sheet.title)
        out.extend(_table_lines(sheet.columns, sizes, [False] * count))
        out.append(GAP.join("-" * s for s in sizes))
        for row in cells:
            out.extend(
                _table_lines(row, sizes, [n and _is_number(c) for n, c in zip(numeric, row, strict=True)])
            )
        for note in sheet.notes:
            out.extend([note] if wide else wrap_cell(note, columns))
    return "\n".join(out) + "\n"


def _table_lines(row: list[str], sizes: list[int], right: list[bool]) -> list[str]:
    line = _one_line(row, sizes, right)
    if line is not None:
        return [line]
    wrapped = [wrap_cell(c, s) for c, s in zip(row, sizes, strict=True)]
    height = max(len(w) for w in wrapped)
    return [
        GAP.join(
            _pad(w[k] if k < len(w) else "", s, r) for w, s, r in zip(wrapped, sizes, right, strict=True)
        ).rstrip()
        for k in range(height)
    ]


def _one_line(row: list[str], sizes: list[int], right: list[bool]) -> str | None:
    """The row as one line when every cell fits its column (most rows); else ``None``."""
    padded = []
    for c, s, r in zip(row, sizes, right, strict=True):
        gap = s - width(c)
        if gap < 0 or "\n" in c:
            return None
        padded.append(" " * gap + c if r else c + " " * gap)
    return GAP.join(padded).rstrip()


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
    import csv

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
    import json

    return json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"


def write_xlsx(report: Report, path: Path | BinaryIO) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for sheet in report.sheets:
        name = _sheet_name(sheet.title or report.title, used)
        ws = book.create_sheet(name)
        header_row = xlsx_title_block(ws, report, sheet)
        ws.append([inert(c) for c in sheet.columns])
        numeric = numeric_columns(sheet)
        for row in sheet.rows:
            ws.append([_cell_value(c, n) for c, n in zip(row, numeric, strict=False)])
        for note in sheet.notes:
            ws.append([inert(note)])
        xlsx_format(ws, sheet, header_row, numeric)
    book.save(path)


def title_block(report: Report) -> list[str]:
    """The lines above a spreadsheet's table: 单位, 期间 and 金额单位, as an office files them."""
    data = report.data if isinstance(report.data, dict) else {}
    unit = report.unit or str(data.get("unit") or "全部单位")
    period = report.period or (f"{data['year']} 年度" if data.get("year") else "")
    lines = [f"单位：{unit}"]
    if period:
        lines.append(f"期间：{period}")
    if report.subtitle and not report.subtitle.startswith("单位："):
        lines.append(report.subtitle)
    lines.append(f"金额单位：{report.money_unit}")
    return lines


def xlsx_title_block(ws: Any, report: Report, sheet: Sheet) -> int:
    """Write the title and the title block; returns the row the column headings go in."""
    from openpyxl.styles import Font

    ws.append([inert(sheet.title or report.title)])
    ws["A1"].font = Font(bold=True, size=14)
    for line in title_block(report):
        ws.append([inert(line)])
    return int(ws.max_row) + 1


def xlsx_format(ws: Any, sheet: Sheet, header_row: int, numeric: list[bool]) -> None:
    """Bold frozen headings, ``#,##0.00`` figures, codes kept as text, real dates, column widths."""
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[header_row]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    last = header_row + len(sheet.rows)
    for row in ws.iter_rows(min_row=header_row + 1, max_row=last):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, int):
                cell.number_format = "0"
            elif isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(cell.value, str):
                cell.number_format = "@"  # codes such as 2150805 or 001 stay text
    for i, heading in enumerate(sheet.columns, start=1):
        letter = ws.cell(row=header_row, column=i).column_letter
        longest = max([width(str(heading))] + [width(str(r[i - 1])) for r in sheet.rows if i <= len(r)])
        ws.column_dimensions[letter].width = min(max(longest + 2, 10), 50)
        if longest + 2 > 50:
            for (cell,) in ws.iter_rows(min_row=header_row + 1, max_row=last, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _cell_value(cell: Any, numeric: bool = True) -> Any:
    """Figures become numbers (exact decimals; day counts integers), dates dates; text stays
    text, and never a formula."""
    if not isinstance(cell, str):
        return cell
    if numeric and _is_number(cell) and "%" not in cell:
        try:
            number = Decimal(cell.replace(",", ""))
        except InvalidOperation:
            return cell
        return int(number) if "." not in cell else number
    if DATE.fullmatch(cell):
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            return inert(cell)
    return inert(cell)


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base[:26]}_{n}"
    used.add(name)
    return name


def _option(key: str) -> Any:
    """A value ``--wide`` / ``--encoding`` left on the command's context (see ``report_cli``);
    a report run without click (``projections.launch``) passes them to :func:`emit` itself."""
    click = sys.modules.get("click")
    ctx = click.get_current_context(silent=True) if click is not None else None
    return ctx.meta.get(key) if ctx is not None else None


def _print(text: str | bytes, *, err: bool = False) -> None:
    """Text to stdout (or stderr); CSV bytes to the binary stream as they are."""
    stream = sys.stderr if err else sys.stdout
    if isinstance(text, bytes):
        stream.flush()
        stream.buffer.write(text)
        stream.buffer.flush()
    else:
        stream.write(text)
        stream.flush()


def encode_csv(text: str, encoding: str | None) -> bytes:
    """CSV bytes for a file: UTF-8 with a BOM (Excel then reads Chinese right), or GBK."""
    if encoding == "gbk":
        try:
            return text.encode("gbk")
        except UnicodeEncodeError as e:
            from ledger.errors import MalformedInput

            raise MalformedInput(
                f"报表含 GBK 无法表示的字符“{e.object[e.start : e.end]}”，未写入文件；请用默认的 --encoding utf-8"
            ) from None
    return text.encode("utf-8-sig")


#: where ``--wide`` and ``--encoding`` leave their values on a click context (``report_cli``)
WIDE = "ledger.wide"
ENCODING = "ledger.encoding"


def emit(
    report: Report, fmt: str, output: str | None, *, wide: bool | None = None, encoding: str | None = None
) -> None:
    """Print or write the report in the chosen format (files by :func:`ledger.cli.params.write_output`)."""
    encoding = encoding if encoding is not None else _option(ENCODING)
    wide = bool(wide if wide is not None else _option(WIDE))
    if not output and fmt != "xlsx":
        _print(printed(report, fmt, wide=wide, encoding=encoding))
        return
    _check_encoding(fmt, encoding)
    if not output:  # xlsx, which is only ever a file
        from ledger.errors import MalformedInput

        raise MalformedInput("--format xlsx 需要用 --output 指定文件，如 --output 报表.xlsx")
    if fmt == "xlsx":
        from ledger.cli.params import write_output

        write_output(output, lambda f: write_xlsx(report, f))
        _print(f"已写入 {output}\n", err=True)
        return
    text = _rendered(report, fmt, wide)
    data = encode_csv(text, encoding) if fmt == "csv" else text.encode("utf-8")

    def put(f: BinaryIO) -> None:
        f.write(data)

    from ledger.cli.params import write_output

    write_output(output, put)
    _print(f"已写入 {output}\n", err=True)


def printed(report: Report, fmt: str, *, wide: bool = False, encoding: str | None = None) -> str | bytes:
    """What :func:`emit` prints on stdout for ``fmt`` (not xlsx, which is only ever a file):
    the text, or the CSV's bytes in GBK. Worked out whole before anything is printed, so a
    report that cannot be shown prints nothing."""
    _check_encoding(fmt, encoding)
    if fmt == "xlsx":
        from ledger.errors import MalformedInput

        raise MalformedInput("--format xlsx 需要用 --output 指定文件，如 --output 报表.xlsx")
    text = _rendered(report, fmt, wide)
    if fmt == "csv" and encoding == "gbk":
        return encode_csv(text, encoding)
    return text


def _check_encoding(fmt: str, encoding: str | None) -> None:
    if encoding and fmt != "csv":
        from ledger.errors import MalformedInput

        raise MalformedInput("--encoding 只用于 CSV（--format csv）")


def _rendered(report: Report, fmt: str, wide: bool) -> str:
    if fmt == "table":
        return render_table(report, wide=wide)
    renderers: dict[str, Callable[[Report], str]] = {
        "csv": render_csv,
        "json": render_json,
        "md": render_md,
    }
    return renderers[fmt](report)
