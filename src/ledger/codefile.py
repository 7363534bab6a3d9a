"""Reading a list of classification codes as the 一体化 system or a spreadsheet exports it.

A CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030; comma or tab separated) or an XLSX whose
first visible sheet has, somewhere in its first rows, a header with a code column
(科目编码 / 编码 / 科目代码) and a name column (科目名称 / 名称). Title rows above the header
and other columns are ignored. Every row is checked; the reader returns the rows it
read or refuses the file with every bad row named, before anything is recorded.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.errors import LedgerError, MalformedInput
from ledger.text import clean_text

CODE_HEADERS = ("科目编码", "编码", "科目代码", "代码", "code")
NAME_HEADERS = ("科目名称", "名称", "name")
MAX_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 30


def read_codes(path: Path, kind: codes.CodeKind, year: int) -> list[codes.LocalCode]:
    """The codes of a file, or :class:`MalformedInput` naming each bad row."""
    _check_file(path)
    rows = list(_xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path))
    header_at, code_col, name_col = _header(rows, path)
    entries: list[codes.LocalCode] = []
    problems: list[str] = []
    seen: dict[str, tuple[int, str]] = {}
    for n, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        code = _cell(row, code_col)
        name = _cell(row, name_col)
        if not code and not name:
            continue
        try:
            code = codes.check_shape(kind, code)
            name = clean_text(name, label="科目名称", max_length=100)
        except LedgerError as e:
            problems.append(f"第 {n} 行：{e.message}")
            continue
        if code in seen:
            line, first = seen[code]
            if not codes.same_name(first, name):
                problems.append(f"第 {n} 行：科目 {code} 在第 {line} 行已是“{first}”，此处又写作“{name}”")
            continue
        seen[code] = (n, name)
        entries.append(codes.LocalCode(kind, year, code, name))
    if problems:
        shown = "；".join(problems[:20])
        more = f"（另有 {len(problems) - 20} 处未列出）" if len(problems) > 20 else ""
        raise MalformedInput(f"科目文件 {path.name} 有 {len(problems)} 处错误，未登记任何科目：{shown}{more}")
    if not entries:
        raise MalformedInput(f"科目文件 {path.name} 的表头下没有任何科目行。")
    return entries


def _check_file(path: Path) -> None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise MalformedInput(f"找不到科目文件 {path}。请检查路径。") from None
    except OSError as e:
        raise MalformedInput(f"无法读取科目文件 {path}：{e.strerror}。") from None
    if not stat.S_ISREG(info.st_mode):
        raise MalformedInput(f"{path} 不是普通文件（可能是目录、设备或管道），不能作为科目文件导入。")
    if info.st_size > MAX_BYTES:
        raise MalformedInput(
            f"科目文件 {path.name} 有 {info.st_size // (1024 * 1024)} MB，超过 {MAX_BYTES // (1024 * 1024)} MB 的上限；"
            "科目表不会这么大，请检查是否选错了文件。"
        )


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MalformedInput(f"科目文件 {path.name} 的编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV。")


def _csv_rows(path: Path) -> Iterator[list[str]]:
    text = _decode(path.read_bytes(), path)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    try:
        import openpyxl
    except ImportError:
        raise LedgerError(
            "读取 XLSX 需要 openpyxl：请安装 `pip install 'ledger[reports]'`，或另存为 CSV。"
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise MalformedInput(
            f"科目文件 {path.name} 不是有效的 XLSX 文件：请用 Excel/WPS 另存为 .xlsx 或 CSV。"
        ) from None
    try:
        visible = [ws for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        if not visible:
            raise MalformedInput(f"科目文件 {path.name} 没有可见的工作表。")
        sheet = book.active if book.active in visible else visible[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_text(v) for v in values]
    finally:
        book.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(row: list[str], col: int) -> str:
    return row[col].strip() if col < len(row) else ""


def _header(rows: list[list[str]], path: Path) -> tuple[int, int, int]:
    def norm(cell: str) -> str:
        return "".join(unicodedata.normalize("NFKC", cell).split()).lower()

    for n, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [norm(c) for c in row]
        code_col = next((i for i, c in enumerate(cells) if c in CODE_HEADERS), None)
        name_col = next((i for i, c in enumerate(cells) if c in NAME_HEADERS), None)
        if code_col is not None and name_col is not None:
            return n, code_col, name_col
    raise MalformedInput(
        f"科目文件 {path.name} 的前 {HEADER_SEARCH_ROWS} 行中找不到表头：需要“科目编码”（或“编码”）"
        "和“科目名称”（或“名称”）两列。"
    )
