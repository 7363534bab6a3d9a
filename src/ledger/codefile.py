"""Reading a list of classification codes as the 一体化 system or a spreadsheet exports it.

Any table :mod:`ledger.tables` reads (CSV in UTF-8, BOM or GBK; XLSX with title rows)
whose header has a code column (科目编码 / 编码 / 科目代码) and a name column (科目名称 /
名称); other columns are ignored. Every row is checked; the reader returns the codes
or refuses the file with every bad row named, before anything is recorded.
"""

from __future__ import annotations

from pathlib import Path

from ledger import codes
from ledger.errors import LedgerError, MalformedInput
from ledger.tables import read_table
from ledger.text import clean_text

CODE_HEADERS = ("科目编码", "编码", "科目代码", "代码", "code")
NAME_HEADERS = ("科目名称", "名称", "name")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((i for i, c in enumerate(header) if c.lower() in names), None)


def read_codes(path: Path, kind: codes.CodeKind, year: int) -> list[codes.LocalCode]:
    """The codes of a file, or :class:`MalformedInput` naming each bad row."""
    table = read_table(
        path,
        is_header=lambda h: _column(h, CODE_HEADERS) is not None and _column(h, NAME_HEADERS) is not None,
        expects="需要“科目编码”（或“编码”）和“科目名称”（或“名称”）两列。",
    )
    code_col, name_col = _column(table.header, CODE_HEADERS), _column(table.header, NAME_HEADERS)
    assert code_col is not None and name_col is not None  # the header was recognised by them
    entries: list[codes.LocalCode] = []
    problems: list[str] = []
    seen: dict[str, tuple[int, str]] = {}
    for n, row in table.rows:
        code = row[code_col] if code_col < len(row) else ""
        name = row[name_col] if name_col < len(row) else ""
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
