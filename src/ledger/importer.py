"""Bulk import of acts from the 预算管理一体化 system: JSON Lines, CSV or XLSX.

Every row is read and checked first — malformed rows and rows a rule refuses are all
reported with their line numbers — and only when no row is bad are all the events
saved, in one transaction. A row names its act by ``op`` (``payment.request``); its
other columns are the act's fields, read into the same command value the command line
builds (:mod:`ledger.commands`, whose ``columns()`` lists each act's columns) and
decided the same way. Rows are de-duplicated only by a key (a row's ``key``, a
payment's number): two identical rows without one are two acts. The same file imported
again is refused if it would record anything (the import log, :mod:`ledger.domain.imports`).
The 一体化 system's own exports are read through profiles (:mod:`ledger.profiles`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import hashlib
import io
import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger import commands
from ledger.application import Ledger, Work
from ledger.domain.imports import ImportLog, import_log_id
from ledger.errors import (
    TOO_MANY_DIGITS_MESSAGE,
    LedgerError,
    MalformedInput,
    NotFound,
    too_many_digits,
)
from ledger.settings import IMPORT_MAX_MB
from ledger.tables import check_xlsx

MAX_ERRORS_SHOWN = 200


@dataclass(frozen=True)
class Row:
    line: int
    op: str
    fields: dict[str, str]


class ImportRejected(LedgerError):
    """An import is all or nothing: one bad row and no row is recorded."""

    def __init__(self, problems: list[tuple[int, str]], *, malformed: bool) -> None:
        shown = problems[:MAX_ERRORS_SHOWN]
        lines = [f"  第 {line} 行：{msg}" for line, msg in shown]
        if len(problems) > len(shown):
            lines.append(f"  ……另有 {len(problems) - len(shown)} 行有误")
        super().__init__(
            f"导入被拒绝，没有记录任何内容：{len(problems)} 行有误。请改正后重新导入。\n" + "\n".join(lines)
        )
        self.problems = problems
        self.exit_code = 2 if malformed else 1


@dataclass
class ImportResult:
    rows: int = 0
    recorded: int = 0  # rows that recorded something new
    skipped: int = 0  # rows already in the ledger (same key)
    events: int = 0
    payments: list[str] = field(default_factory=list)
    by_op: dict[str, int] = field(default_factory=dict)  # rows that recorded something, per act
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


# ---------------------------------------------------------------- reading files


#: an XLSX member may unpack to at most this many times its packed size (a spreadsheet
#: of text and numbers packs well, but not a thousandfold: that is a zip bomb)


def read_rows(path: Path, *, sheet: str | None = None) -> list[Row]:
    """Read a JSON Lines, CSV or XLSX file into rows; undecodable input is refused."""
    with _no_cycle_collection():
        return _read_rows(path, sheet)


def _max_bytes() -> int:
    return IMPORT_MAX_MB.read() * 1024 * 1024


def check_file(path: Path) -> None:
    """An import reads one regular file of bounded size: never a FIFO, a device or a directory.

    Reading a FIFO waits for a writer, ``/dev/zero`` never ends, and a file of gigabytes
    would be held in memory whole; each is refused before a byte is read.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise NotFound(f"文件不存在：{path}") from None
    except OSError as e:
        raise MalformedInput(f"无法读取文件 {path}：{e.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise MalformedInput(f"{path} 是目录：请给出要导入的文件")
    if not stat.S_ISREG(info.st_mode):
        raise MalformedInput(
            f"{path} 不是普通文件（如命名管道或设备）：请先把数据保存为 .jsonl、.csv 或 .xlsx 文件再导入"
        )
    limit = IMPORT_MAX_MB.read()
    if info.st_size > _max_bytes():
        raise MalformedInput(
            f"文件 {path.name} 有 {info.st_size / 1024 / 1024:,.1f} MB，超过导入上限 {limit} MB："
            "请分成几个文件导入，或设置 LEDGER_IMPORT_MAX_MB 提高上限"
        )


def _read_rows(path: Path, sheet: str | None) -> list[Row]:
    suffix = path.suffix.lower()
    check_file(path)
    if suffix == ".xlsx":
        return _read_xlsx(path, sheet)
    if sheet is not None:
        raise MalformedInput("--sheet 只用于 .xlsx 文件")
    with path.open("rb") as f:
        raw = f.read(_max_bytes() + 1)  # the file may have grown since it was measured
    if len(raw) > _max_bytes():
        raise MalformedInput(f"文件 {path.name} 超过导入上限 {IMPORT_MAX_MB.read()} MB")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        # no byte of a multi-byte UTF-8 character is a line feed: the whole file decoded
        # splits into the same lines as each line decoded alone
        lines = [(n, t.rstrip("\r")) for n, t in enumerate(raw.decode("utf-8").split("\n"), start=1)]
    except UnicodeDecodeError:
        lines = _undecodable(raw)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _read_jsonl(lines)
    if suffix == ".csv":
        return _read_csv(lines)
    raise MalformedInput(f"无法识别的文件类型“{path.suffix}”：支持 .jsonl、.csv 和 .xlsx")


def _undecodable(raw: bytes) -> list[tuple[int, str]]:
    """Refuse a file that is not UTF-8, naming every line that is not and where."""
    problems: list[tuple[int, str]] = []
    lines: list[tuple[int, str]] = []
    for n, chunk in enumerate(raw.split(b"\n"), start=1):
        try:
            lines.append((n, chunk.decode("utf-8").rstrip("\r")))
        except UnicodeDecodeError as e:
            problems.append((n, f"不是有效的 UTF-8 文本（第 {e.start + 1} 个字节）：请以 UTF-8 编码保存文件"))
    if problems:
        raise ImportRejected(problems, malformed=True)
    return lines


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise MalformedInput('数值请写成文本（如 "1234.56"），不要写成浮点数')
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose fields are named once: a second value is never silently taken."""
    obj = dict(pairs)
    if len(obj) < len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return obj


#: one decoder for every line (``json.loads`` with options builds a decoder per call)
_DECODER = json.JSONDecoder(parse_float=float, object_pairs_hook=_unique_keys)


def _loads(text: str) -> Any:
    """``json.loads(text, object_pairs_hook=_unique_keys)``, through the one decoder."""
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def _read_jsonl(lines: list[tuple[int, str]]) -> list[Row]:
    rows, problems = [], []
    for n, text in lines:
        if not text.strip():
            continue
        try:
            obj = _loads(text)
        except json.JSONDecodeError as e:
            problems.append((n, f"不是有效的 JSON：{e.msg}（第 {e.colno} 列）"))
            continue
        except _DuplicateKey as e:
            problems.append((n, f"字段“{e.key[:40]}”出现了两次：每个字段只能写一次，请删去多余的一个"))
            continue
        except RecursionError:
            problems.append((n, "JSON 嵌套过深：每行应是一个平铺的 JSON 对象"))
            continue
        except ValueError as e:
            if not too_many_digits(e):
                raise
            problems.append((n, f'{TOO_MANY_DIGITS_MESSAGE}（金额、编号请写成文本，如 "1234.56"）'))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("op"), str):
            problems.append((n, '每行应是一个带 "op" 字段的 JSON 对象'))
            continue
        op = obj.pop("op")
        if not all(type(v) is str for v in obj.values()):
            try:
                obj = {k: _text(v) for k, v in obj.items()}
            except MalformedInput as e:
                problems.append((n, e.message))
                continue
        rows.append(Row(n, op, obj))
    if problems:
        raise ImportRejected(problems, malformed=True)
    return rows


def _read_csv(lines: list[tuple[int, str]]) -> list[Row]:
    text = "\n".join(t for _, t in lines)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        if reader.fieldnames is None or "op" not in reader.fieldnames:
            raise MalformedInput("CSV 第一行应为列名，且包含 op 列")
        for record in reader:
            line = reader.line_num
            op = (record.pop("op", "") or "").strip()
            values = {k: v for k, v in record.items() if isinstance(k, str)}
            if None in record:
                raise ImportRejected([(line, "列数多于表头")], malformed=True)
            if not op and not any((v or "").strip() for v in values.values()):
                continue
            rows.append(Row(line, op, {k: (v or "").strip() for k, v in values.items() if k and v}))
    except csv.Error as e:
        raise ImportRejected([(reader.line_num or 1, f"CSV 格式错误：{e}")], malformed=True) from None
    return rows


def _read_xlsx(path: Path, sheet_name: str | None) -> list[Row]:
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - depends on the install
        raise MalformedInput("读取 .xlsx 需要 openpyxl：pip install 'ledger[reports]'") from None
    check_xlsx(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        raise MalformedInput(f"无法读取 Excel 文件 {path.name}：{e}") from None
    sheet = _chosen_sheet(book, path, sheet_name)
    header: list[str] = []
    rows = []
    for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else _cell(v) for v in values]
        if not header:
            header = [c.strip() for c in cells]
            if "op" not in header:
                raise MalformedInput("Excel 第一行应为列名，且包含 op 列")
            continue
        record = dict(zip(header, cells, strict=False))
        op = record.pop("op", "").strip()
        if not op and not any(record.values()):
            continue
        rows.append(Row(n, op, {k: v.strip() for k, v in record.items() if k and v.strip()}))
    return rows


def _chosen_sheet(book: Any, path: Path, name: str | None) -> Any:
    """The sheet to read: the one named, else the only visible one; never a hidden sheet."""
    names = [ws.title for ws in book.worksheets]
    visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    if name is not None:
        for ws in book.worksheets:
            if ws.title == name:
                return ws
        raise MalformedInput(
            f"Excel 文件 {path.name} 没有名为“{name[:40]}”的工作表，工作表有：{'、'.join(names)}"
        )
    if len(visible) == 1:
        return visible[0]
    hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
    shown = "、".join(ws.title for ws in visible) or "（无）"
    also = f"；隐藏的工作表：{'、'.join(hidden)}" if hidden else ""
    raise MalformedInput(
        f"Excel 文件 {path.name} 有 {len(visible)} 个可见工作表（{shown}{also}），无法确定导入哪一个："
        "请用 --sheet 工作表名 指定"
    )


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel stores numbers as floats: read back the shortest decimal that is the float,
        # exactly, and let the field's own parser judge it (an amount takes two decimals)
        number = Decimal(repr(value))
        if not number.is_finite():
            raise MalformedInput(f"单元格的数值“{value}”不是有限数")
        text = format(number, "f")
        return text[:-2] if text.endswith(".0") else text
    return str(value)


# ---------------------------------------------------------------- the import


@dataclass(frozen=True)
class Source:
    """The file an import reads: its name and the SHA-256 of its bytes."""

    name: str
    digest: str

    @classmethod
    def of(cls, path: Path) -> Source:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return cls(path.name, digest.hexdigest())


class AlreadyImported(LedgerError):
    """The same file again, and it would record something again."""


def run_import(
    app: Ledger,
    rows: list[Row],
    *,
    actor: str,
    source: Source | None = None,
    again: bool = False,
    progress: Callable[[int], None] | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Check every row, then record all of them atomically (or nothing; nothing at all
    with ``dry_run``, which says what would be recorded).

    Each row is read into the command it names (:func:`ledger.commands.from_row`) and
    decided exactly as the command line decides it, all rows in one unit of work. The
    ``source`` file is noted in the import log; the same file again is refused if it
    would record anything, unless ``again``.
    """

    def decide(work: Work) -> ImportResult:
        result = _decide_all(work, rows, progress)
        if source is not None and result.events:
            _log(work, source, result, again=again)
        return result

    with _no_cycle_collection():
        return app.run(decide, actor=actor, dry_run=dry_run)


def _log(work: Work, source: Source, result: ImportResult, *, again: bool) -> None:
    log = work.load(import_log_id(), ImportLog)
    earlier = log.files.get(source.digest) if log is not None else None
    if earlier is not None and not again:
        raise AlreadyImported(
            f"文件 {source.name} 与 {earlier.on} 由 {earlier.actor} 导入的“{earlier.name}”内容完全相同"
            f"（SHA-256 {source.digest[:16]}…），再次导入会再记录 {result.events} 个事件："
            "没有幂等键或编号的行不去重，同样的两行就是两笔。没有记录任何内容。"
            "如确是又一批同样的业务，请加 --again 再导入。"
        )
    if log is None:
        log = ImportLog.open(on=work.today, actor=work.actor)
        work.add(log)
    log.record(
        name=source.name, digest=source.digest, rows=result.rows, events=result.events, on=work.today, actor=work.actor
    )


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while an import builds its events.

    An import makes hundreds of thousands of objects that all stay alive until they
    are saved; each automatic collection walks every one of them again, over and over
    as the batch grows. What an import throws away on the way is freed by reference
    counting; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _decide_all(work: Work, rows: list[Row], progress: Callable[[int], None] | None) -> ImportResult:
    result = ImportResult(rows=len(rows))
    malformed: list[tuple[int, str]] = []
    refused: list[tuple[int, str]] = []
    for n, row in enumerate(rows, start=1):
        try:
            recorded, skipped = _decide(work, row, result)
        except MalformedInput as e:
            malformed.append((row.line, e.message))
        except LedgerError as e:
            refused.append((row.line, e.message))
        except ValueError as e:
            if not too_many_digits(e):
                raise
            malformed.append((row.line, TOO_MANY_DIGITS_MESSAGE))
        else:
            if recorded:
                result.recorded += 1
                result.by_op[row.op.strip()] = result.by_op.get(row.op.strip(), 0) + 1
            else:
                result.skipped += 1
                result.skipped_rows.append((row.line, f"{row.op.strip()}：{skipped}"))
        if progress is not None and n % 1000 == 0:
            progress(1000)
    if malformed or refused:
        raise ImportRejected(sorted(malformed + refused), malformed=bool(malformed))
    result.events = work.pending_events()
    return result


def _decide(work: Work, row: Row, result: ImportResult) -> tuple[bool, str]:
    """Decide one row; (whether it recorded anything, why not if it did not)."""
    command = commands.from_row(row.op, row.fields)
    work.begin_act()
    outcome = command.decide(work)
    if isinstance(command, commands.RequestPayment):
        result.payments.append(str(outcome.ref))
    return work.act_recorded(), command.skipped
