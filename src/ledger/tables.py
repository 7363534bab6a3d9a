"""Reading a table as the 一体化 system or a spreadsheet exports it: CSV or XLSX.

CSV in UTF-8, UTF-8 with BOM, or GBK/GB18030, comma or tab separated; XLSX from its
first visible sheet (the active one when visible). Title rows above the header are
skipped: the header is the first row the caller recognises. Cells come back as text
exactly as written — a spreadsheet number is never rounded (``1234.567`` stays
``1234.567``, for the amount parser to refuse), a spreadsheet date is ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger import settings
from ledger.errors import LedgerError, MalformedInput

HEADER_SEARCH_ROWS = 30
#: an XLSX member unpacking more than this many times its packed size is taken for a zip bomb
MAX_XLSX_RATIO = 200


@dataclass(frozen=True)
class Table:
    name: str  # the file's name, for messages
    header_line: int
    header: list[str]  # the header cells, normalised (NFKC, no spaces)
    rows: list[tuple[int, list[str]]]  # (line number, cells) below the header, blank rows left out


def norm(cell: str) -> str:
    """A header cell as compared: full-width forms folded, spaces removed."""
    return "".join(unicodedata.normalize("NFKC", cell).split())


def read_table(path: Path, *, is_header: Callable[[list[str]], bool], expects: str) -> Table:
    """The table of a file; ``is_header`` recognises the header row (normalised cells);
    ``expects`` says, for the refusal, what columns it looks for."""
    check_file(path)
    lines = list(_xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path))
    for n, (line, cells) in enumerate(lines[:HEADER_SEARCH_ROWS]):
        header = [norm(c) for c in cells]
        if is_header(header):
            body = [
                (ln, [c.strip() for c in row]) for ln, row in lines[n + 1 :] if any(c.strip() for c in row)
            ]
            return Table(path.name, line, header, body)
    raise MalformedInput(f"{path.name} 的前 {HEADER_SEARCH_ROWS} 行中找不到表头：{expects}")


def check_file(path: Path) -> None:
    """A regular file of a bounded size, or a refusal naming what it is."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise MalformedInput(f"找不到文件 {path}。请检查路径。") from None
    except OSError as e:
        raise MalformedInput(f"无法读取文件 {path}：{e.strerror}。") from None
    if not stat.S_ISREG(info.st_mode):
        raise MalformedInput(f"{path} 不是普通文件（可能是目录、设备或管道），不能导入。")
    limit = settings.IMPORT_MAX_MB.read()
    if info.st_size > limit * 1024 * 1024:
        raise MalformedInput(
            f"{path.name} 有 {info.st_size // (1024 * 1024)} MB，超过 {limit} MB 的上限（LEDGER_IMPORT_MAX_MB）；"
            "请检查是否选错了文件，或分成几个文件导入。"
        )


def decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MalformedInput(f"{name} 的编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV。")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    text = decode(path.read_bytes(), path.name)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as e:
        raise MalformedInput(f"{path.name} 第 {reader.line_num} 行 CSV 格式错误：{e}") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        import openpyxl
    except ImportError:
        raise LedgerError(
            "读取 XLSX 需要 openpyxl：请安装 `pip install 'ledger[reports]'`，或另存为 CSV。"
        ) from None
    check_xlsx(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise MalformedInput(
            f"{path.name} 不是有效的 XLSX 文件：请用 Excel/WPS 另存为 .xlsx 或 CSV。"
        ) from None
    try:
        visible = [ws for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        if not visible:
            raise MalformedInput(f"{path.name} 没有可见的工作表。")
        sheet = book.active if book.active in visible else visible[0]
        for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield n, [cell_text(v) for v in values]
    finally:
        book.close()


def check_xlsx(path: Path) -> None:
    """Refuse a zip bomb before openpyxl unpacks it: bounded total size and packing ratio."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise MalformedInput(f"无法读取 Excel 文件 {path.name}：不是有效的 .xlsx 文件（{e}）") from None
    limit = settings.IMPORT_MAX_MB.read() * 1024 * 1024
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and member.file_size / packed > MAX_XLSX_RATIO:
            raise MalformedInput(
                f"Excel 文件 {path.name} 的 {member.filename[:60]} 压缩比异常"
                f"（{member.compress_size:,} 字节解压为 {member.file_size:,} 字节）：疑似压缩炸弹，拒绝读取"
            )
    if total > limit:
        raise MalformedInput(
            f"Excel 文件 {path.name} 解压后有 {total / 1024 / 1024:,.1f} MB，超过导入上限 "
            f"{settings.IMPORT_MAX_MB.read()} MB：请分成几个文件导入，或设置 LEDGER_IMPORT_MAX_MB 提高上限"
        )


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the clerk sees it, without rounding."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)
