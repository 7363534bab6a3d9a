"""Bulk import of acts from the 预算管理一体化 system: JSON Lines, CSV or XLSX.

Every row is read and checked first — malformed rows and rows a rule refuses are all
reported with their line numbers — and only when no row is bad are all the events
saved, in one transaction. Each row carries an idempotency key (its own ``key`` for a
payment request, else one derived from the row's content), so importing the same
file again records nothing new.

A row is one act, named by ``op``:

======================  ==========================================================
``unit.add``            unit, name, [kind]
``project.add``         unit, code, name, function, category, [fund, economic, doc, level]
``appropriation.issue`` project, amount, date, doc, [kind]
``appropriation.reduce`` project, amount, date, doc, reason
``allocation.add``      project, amount, payee, date
``payment.request``     project, amount, payee, economic, date, [key, settled_on, voucher]
``payment.hold``        project + key (of the request) or payment, date, reason
``payment.settle``      project + key or payment, date, [voucher]
``payment.cancel``      project + key or payment, date, reason
``payment.refund``      project + key or payment, amount, date, reason
``income.add``          unit, amount, source, function, date, [doc]
``score.set``           project, year, score, reason
``target.set``          project, year, indicator, operator, value, [unit, direction]
``year.close``          unit, year, [withdraw: list of project codes]
======================  ==========================================================
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
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from eventsourcing.domain import Aggregate

from ledger import calendar, codes
from ledger.application import (
    Ledger,
    ProjectCodeIndex,
    ProjectRef,
    check_project_code,
    check_unit_code,
    close_unit_year,
    code_index_id,
    register_project,
)
from ledger.domain.kinds import Category, Fund, IssueKind, Level
from ledger.domain.project import Project, Target, project_id, unit_id
from ledger.domain.unit import IncomeSource, Unit, UnitKind
from ledger.errors import (
    TOO_MANY_DIGITS_MESSAGE,
    AlreadyExists,
    LedgerError,
    MalformedInput,
    NotFound,
    too_many_digits,
)
from ledger.money import Amount
from ledger.settings import IMPORT_MAX_MB
from ledger.tables import check_xlsx
from ledger.text import clean_key, clean_text, parse_score

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
    problems: list[tuple[int, str]] = []
    lines: list[tuple[int, str]] = []
    for n, chunk in enumerate(raw.split(b"\n"), start=1):
        try:
            lines.append((n, chunk.decode("utf-8").rstrip("\r")))
        except UnicodeDecodeError as e:
            problems.append((n, f"不是有效的 UTF-8 文本（第 {e.start + 1} 个字节）：请以 UTF-8 编码保存文件"))
    if problems:
        raise ImportRejected(problems, malformed=True)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _read_jsonl(lines)
    if suffix == ".csv":
        return _read_csv(lines)
    raise MalformedInput(f"无法识别的文件类型“{path.suffix}”：支持 .jsonl、.csv 和 .xlsx")


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
    obj: dict[str, Any] = {}
    for k, v in pairs:
        if k in obj:
            raise _DuplicateKey(k)
        obj[k] = v
    return obj


def _read_jsonl(lines: list[tuple[int, str]]) -> list[Row]:
    rows, problems = [], []
    for n, text in lines:
        if not text.strip():
            continue
        try:
            obj = json.loads(text, parse_float=lambda s: float(s), object_pairs_hook=_unique_keys)
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
        try:
            fields = {str(k): _text(v) for k, v in obj.items() if k != "op"}
        except MalformedInput as e:
            problems.append((n, e.message))
            continue
        rows.append(Row(n, obj["op"], fields))
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


# ---------------------------------------------------------------- parsing rows


class _Fields:
    """A row's fields, read by their parsers; what each parser made of a field is kept.

    ``normal`` holds each field as parsed (an amount in 分, a project as UNIT/CODE, a
    date in ISO form, text cleaned): the row's idempotency key is derived from it, so
    ``100`` and ``100.00``, or ``P1`` and ``153001/P1``, are the same act.
    """

    def __init__(self, row: Row) -> None:
        self.row = row
        self.used: set[str] = set()
        self.normal: dict[str, str] = {}

    def get(self, name: str, label: str, *, required: bool = True) -> str:
        self.used.add(name)
        value = self.row.fields.get(name, "")
        if required and not value.strip():
            raise MalformedInput(f"缺少字段 {name}（{label}）")
        if value.strip():
            self.normal.setdefault(name, unicodedata.normalize("NFKC", value).strip())
        return value

    def keep(self, name: str, value: object) -> None:
        text = str(value)
        if text:
            self.normal[name] = text
        else:
            self.normal.pop(name, None)

    def amount(self) -> Amount:
        amount = Amount.parse_positive(self.get("amount", "金额"))
        self.keep("amount", amount.fen)
        return amount

    def date(self, name: str = "date") -> dt.date:
        day = calendar.parse_date(self.get(name, "日期"))
        self.keep(name, day.isoformat())
        return day

    def text(self, name: str, label: str, max_length: int = 200, required: bool = True) -> str:
        cleaned = clean_text(
            self.get(name, label, required=required), label=label, max_length=max_length, required=required
        )
        self.keep(name, cleaned)
        return cleaned

    def choice(self, name: str, label: str, options: list[str], default: str = "") -> str:
        value = unicodedata.normalize("NFKC", self.get(name, label, required=not default)).strip()
        value = value or default
        if value not in options:
            raise MalformedInput(f"{label}“{value[:30]}”不是可选值，应为：{'、'.join(options)}")
        self.keep(name, value)
        return value

    def year(self) -> int:
        s = unicodedata.normalize("NFKC", self.get("year", "年度")).strip()
        if not (s.isascii() and s.isdigit() and len(s) == 4):
            raise MalformedInput(f"年度“{s[:20]}”应为四位年份")
        return int(s)

    def project(self, world: _World) -> Project:
        ref = world.resolve(self.get("project", "项目"))
        self.keep("project", ref)
        return world.project(ref)

    def key(
        self,
        row: Row,
        occurrences: dict[str, int],
        project: Project,
        *parts: str,
        legacy_parts: tuple[str, ...] = (),
    ) -> str:
        """The row's idempotency key from what its fields say, parsed.

        Rows recorded before keys were derived from parsed fields carry a key derived
        from the raw text; a row whose earlier key the project already holds keeps it,
        so re-importing an old file records nothing new either.
        """
        key = _row_key(row.op, self.normal, occurrences, *parts)
        legacy = _row_key(row.op, row.fields, occurrences, *(legacy_parts or parts), raw=True)
        if project.seen(legacy) or legacy in project.keys:
            return legacy
        return key

    def unknown(self) -> list[str]:
        return sorted(set(self.row.fields) - self.used)


# ---------------------------------------------------------------- the import


class _World:
    """The aggregates an import touches, loaded once and decided on in memory."""

    def __init__(self, app: Ledger) -> None:
        self.app = app
        self.aggregates: dict[uuid.UUID, Aggregate] = {}
        self.refs: dict[str, ProjectRef] = {}
        self.incomes: dict[str, dict[tuple[Any, ...], int]] = {}
        self.income_rows: dict[tuple[Any, ...], int] = {}
        self.today = calendar.today()  # an import is one act: its rows are decided as of one date

    def load(self, aggregate_id: uuid.UUID, cls: type[Any]) -> Any:
        if aggregate_id not in self.aggregates:
            found = self.app._get(aggregate_id, cls)
            if found is None:
                return None
            self.aggregates[aggregate_id] = found
        return self.aggregates[aggregate_id]

    def add(self, aggregate: Aggregate) -> None:
        self.aggregates[aggregate.id] = aggregate

    def unit(self, code: str) -> Unit:
        unit = self.load(unit_id(code), Unit)
        if unit is None:
            raise NotFound(f"单位 {code} 不存在（先在文件或账簿中登记单位）")
        return unit  # type: ignore[no-any-return]

    def project(self, ref: ProjectRef) -> Project:
        project = self.load(ref.id, Project)  # a resolved ref keeps its id: no uuid5 per row
        if project is None:
            raise NotFound(f"项目 {ref} 不存在（先在文件或账簿中登记项目）")
        return project  # type: ignore[no-any-return]

    def resolve(self, text: str) -> ProjectRef:
        ref = self.refs.get(text)
        if ref is None:
            ref = self._resolve(text)
            if "/" in text:  # a bare code's unit can change as rows add projects
                self.refs[text] = ref
        return ref

    def _resolve(self, text: str) -> ProjectRef:
        s = text.strip()
        if "/" in s:
            unit, _, code = s.partition("/")
            return ProjectRef(check_unit_code(unit), check_project_code(code))
        code = check_project_code(s)
        index = self.load(code_index_id(code), ProjectCodeIndex)
        units = index.units if index is not None else []
        if len(units) != 1:
            raise MalformedInput(f"项目“{code}”请写成 单位/项目编码")
        return ProjectRef(units[0], code)

    def recorded_incomes(self, unit: Unit) -> dict[tuple[Any, ...], int]:
        """How many times each income was recorded for the unit (an income event has no key)."""
        counts = self.incomes.get(unit.code)
        if counts is None:
            counts = {}
            if unit.version > len(unit.pending_events):  # the unit is stored: read its incomes
                for event in self.app.get_history(unit.id):
                    if isinstance(event, Unit.IncomeRecorded):
                        fact = _income_fact(event.amount, event.source, event.function, event.on, event.doc)
                        counts[fact] = counts.get(fact, 0) + 1
            self.incomes[unit.code] = counts
        return counts

    def pending(self) -> list[Aggregate]:
        return [a for a in self.aggregates.values() if a.pending_events]


def run_import(
    app: Ledger,
    rows: list[Row],
    *,
    actor: str,
    progress: Callable[[int], None] | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Check every row, then record all of them atomically (or nothing; nothing at all
    with ``dry_run``, which says what would be recorded)."""
    with _no_cycle_collection():
        return _run_import(app, rows, actor=actor, progress=progress, dry_run=dry_run)


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


def _run_import(
    app: Ledger,
    rows: list[Row],
    *,
    actor: str,
    progress: Callable[[int], None] | None,
    dry_run: bool = False,
) -> ImportResult:
    world = _World(app)
    app.load_codes()
    result = ImportResult(rows=len(rows))
    recorded_ops: dict[str, int] = result.by_op
    malformed: list[tuple[int, str]] = []
    refused: list[tuple[int, str]] = []
    occurrences: dict[str, int] = {}
    for n, row in enumerate(rows, start=1):
        try:
            recorded = _decide(world, row, actor=actor, occurrences=occurrences, result=result)
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
                recorded_ops[row.op] = recorded_ops.get(row.op, 0) + 1
            else:
                result.skipped += 1
                result.skipped_rows.append(
                    (row.line, f"{row.op}：账簿中已有（同一编号或幂等键），未重复记录")
                )
        if progress is not None and n % 1000 == 0:
            progress(1000)
    if malformed or refused:
        problems = sorted(malformed + refused)
        raise ImportRejected(problems, malformed=bool(malformed))
    aggregates = world.pending()
    result.events = sum(len(a.pending_events) for a in aggregates)
    if aggregates and not dry_run:
        app.save(*aggregates)
    return result


def _row_key(
    op: str,
    fields: dict[str, str],
    occurrences: dict[str, int],
    *parts: str,
    raw: bool = False,
) -> str:
    """The idempotency key of a row derived from what the row says.

    The n-th row of a file saying the same thing gets the n-th key, so two identical
    rows are two acts, and importing the file again records neither a second time.
    ``raw`` is the earlier derivation, from the fields as written.
    """
    canonical = json.dumps(
        [op.strip() if not raw else op, *parts, sorted(fields.items())], ensure_ascii=False
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]
    tally = f"raw:{digest}" if raw else digest
    n = occurrences.get(tally, 0)
    occurrences[tally] = n + 1
    return f"imp:{digest}:{n}"


def _decide(
    world: _World, row: Row, *, actor: str, occurrences: dict[str, int], result: ImportResult
) -> bool:
    f = _Fields(row)
    op = row.op.strip()
    recorded = True
    if op == "unit.add":
        code = check_unit_code(f.get("unit", "单位编码"))
        name = f.text("name", "单位名称")
        kind = UnitKind(f.choice("kind", "单位性质", [k.value for k in UnitKind], UnitKind.ADMINISTRATIVE))
        existing = world.load(unit_id(code), Unit)
        if existing is None:
            world.add(Unit.register(code=code, name=name, kind=kind, on=world.today, actor=actor))
        elif existing.name != name:
            raise AlreadyExists(f"单位 {code} 已登记为“{existing.name}”")
        else:
            recorded = False
    elif op == "project.add":
        unit = world.unit(check_unit_code(f.get("unit", "单位编码")))
        code = check_project_code(f.get("code", "项目编码"))
        name = f.text("name", "项目名称")
        function = codes.function_code(f.get("function", "功能分类科目")).code
        category = Category(f.choice("category", "项目类别", [c.value for c in Category]))
        fund = Fund(f.choice("fund", "资金来源", [x.value for x in Fund], Fund.GENERAL))
        economic_text = f.get("economic", "经济分类科目", required=False)
        economic = codes.economic_code(economic_text).code if economic_text.strip() else ""
        doc = f.text("doc", "文号", 100, required=False)
        level = f.get("level", "级次", required=False).strip()
        if level and level not in [lv.value for lv in Level]:
            raise MalformedInput(f"级次“{level}”应为 省级、市级 或 区级")
        existing = world.load(project_id(unit.code, code), Project)
        if existing is not None:
            if existing.name != name:
                raise AlreadyExists(f"项目 {unit.code}/{code} 已登记为“{existing.name}”")
            recorded = False
        else:
            project, index = register_project(
                unit,
                world.load(code_index_id(code), ProjectCodeIndex),
                code,
                name=name,
                function=function,
                category=category,
                fund=fund,
                economic=economic,
                doc=doc,
                level=level,
                actor=actor,
                today=world.today,
            )
            world.add(project)
            world.add(index)
    elif op in ("appropriation.issue", "appropriation.reduce", "allocation.add"):
        project = f.project(world)
        amount, on = f.amount(), f.date()
        given = _key(f.get("key", "幂等键", required=False))
        if op == "appropriation.issue":
            codes.function_code(project.function, on.year)  # the line's code exists in that year's book
            doc = f.text("doc", "文号", 100)
            issue_kind = IssueKind(
                f.choice("kind", "指标类型", [k.value for k in IssueKind], IssueKind.SUPPLEMENT)
            )
            key = given or f.key(row, occurrences, project)
            recorded = project.issue_quota(amount, on=on, doc=doc, kind=issue_kind, actor=actor, key=key)
        elif op == "appropriation.reduce":
            doc, reason = f.text("doc", "文号", 100), f.text("reason", "原因")
            key = given or f.key(row, occurrences, project)
            recorded = project.reduce_quota(amount, on=on, doc=doc, reason=reason, actor=actor, key=key)
        else:
            payee = f.text("payee", "收款人", 100)
            key = given or f.key(row, occurrences, project)
            recorded = project.allocate(amount, payee=payee, on=on, actor=actor, key=key)
    elif op == "payment.request":
        project = f.project(world)
        amount, on = f.amount(), f.date()
        payee = f.text("payee", "收款人", 100)
        economic = codes.economic_code(f.get("economic", "经济分类科目"), on.year).code
        f.keep("economic", economic)
        given = _key(f.get("key", "幂等键", required=False))
        settled_text = f.get("settled_on", "拨付日期", required=False).strip()
        settled = f.date("settled_on") if settled_text else None
        voucher = f.text("voucher", "凭证号", 100, required=False)
        key = given or f.key(row, occurrences, project)
        number, recorded = project.request_payment(
            amount, payee=payee, economic=economic, on=on, key=key, actor=actor
        )
        if recorded and settled is not None:
            project.settle_payment(number, on=settled, voucher=voucher, actor=actor)
        result.payments.append(f"{project.ref}/{number}")
    elif op in ("payment.hold", "payment.settle", "payment.cancel", "payment.refund"):
        project, number, payment_key = _payment_of(world, f)
        for naming in ("payment", "project", "key"):  # the key names the payment as resolved
            f.normal.pop(naming, None)
        on = f.date()
        reason = f.text("reason", "原因") if op != "payment.settle" else ""
        voucher = f.text("voucher", "凭证号", 100, required=False) if op == "payment.settle" else ""
        amount = f.amount() if op == "payment.refund" else Amount.zero()
        # the payment as resolved (UNIT/CODE/N), however the row named it
        key = f.key(
            row,
            occurrences,
            project,
            f"{op.strip()}:{project.ref}/{number}",
            legacy_parts=(f"{op}:{payment_key}" if payment_key else "",),
        )
        if op == "payment.hold":
            recorded = project.hold_payment(number, on=on, reason=reason, actor=actor, key=key)
        elif op == "payment.settle":
            recorded = project.settle_payment(number, on=on, voucher=voucher, actor=actor, key=key)
        elif op == "payment.cancel":
            recorded = project.cancel_payment(number, on=on, reason=reason, actor=actor, key=key)
        else:
            recorded = project.refund_payment(number, amount, on=on, reason=reason, actor=actor, key=key)
    elif op == "income.add":
        unit = world.unit(check_unit_code(f.get("unit", "单位编码")))
        amount, on = f.amount(), f.date()
        source = IncomeSource(f.choice("source", "收入来源", [s.value for s in IncomeSource]))
        function = codes.function_code(f.get("function", "功能分类科目"), on.year).code
        doc = f.text("doc", "凭证号", 100, required=False)
        # an income event carries no key: the n-th row of the file saying this income is
        # already recorded when the unit holds n or more incomes that say the same
        fact = _income_fact(amount.fen, str(source), function, on, doc)
        nth = world.income_rows.get(fact, 0)
        world.income_rows[fact] = nth + 1
        if world.recorded_incomes(unit).get(fact, 0) > nth:
            recorded = False
        else:
            unit.record_income(amount, source=source, function=function, on=on, doc=doc, actor=actor)
    elif op == "score.set":
        project = f.project(world)
        year = f.year()
        score = parse_score(f.get("score", "得分"))
        f.keep("score", score)
        reason = f.text("reason", "理由")
        key = f.key(row, occurrences, project)
        recorded = project.set_score(year, score, reason=reason, actor=actor, key=key)
    elif op == "target.set":
        project = f.project(world)
        year = f.year()
        operator = f.choice("operator", "比较符", [">=", "<=", "="])
        value = f.get("value", "目标值").strip()
        try:
            target_value = Decimal(value)
            if not target_value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise MalformedInput(f"目标值“{value[:20]}”不是数字") from None
        f.keep("value", target_value.normalize())
        target = Target(
            f.text("indicator", "指标名称", 100),
            operator,
            str(target_value),
            f.text("unit", "计量单位", 20, required=False) or "%",
            f.choice("direction", "指标方向", ["正向", "反向"], "正向"),
        )
        recorded = project.set_target(year, target, actor=actor, key=f.key(row, occurrences, project))
    elif op == "year.close":
        unit = world.unit(check_unit_code(f.get("unit", "单位编码")))
        year = f.year()
        withdraw_text = f.get("withdraw", "收回项目", required=False).strip()
        withdraw = (
            set(json.loads(withdraw_text))
            if withdraw_text.startswith("[")
            else ({w.strip() for w in withdraw_text.split(",") if w.strip()})
        )
        if unit.closed_through is not None and unit.closed_through >= year:
            recorded = False
        else:
            unknown = sorted(withdraw - set(unit.projects))
            if unknown:
                raise NotFound(f"单位 {unit.code} 没有项目：{'、'.join(unknown)}")
            projects = [world.project(ProjectRef(unit.code, code)) for code in unit.projects]
            close_unit_year(unit, projects, year, withdrawn=withdraw, actor=actor, today=world.today)
    else:
        raise MalformedInput(f"未知的操作 op“{op[:30]}”")
    extra = f.unknown()
    if extra:
        raise MalformedInput(f"未知字段：{'、'.join(extra)}")
    return recorded


def _income_fact(amount: int, source: str, function: str, on: dt.date, doc: str) -> tuple[Any, ...]:
    return (amount, source, function, on.isoformat(), doc)


def _payment_of(world: _World, f: _Fields) -> tuple[Project, int, str]:
    payment = f.get("payment", "支付编号", required=False).strip()
    if payment:
        head, _, number = payment.rpartition("/")
        if not (number.isascii() and number.isdigit() and 0 < len(number) <= 9 and int(number) > 0):
            raise MalformedInput(f"支付编号“{payment[:40]}”应为 单位/项目编码/序号")
        project = world.project(world.resolve(head))
        project.payment(int(number))
        return project, int(number), payment
    project = world.project(world.resolve(f.get("project", "项目")))
    key = _key(f.get("key", "支付的幂等键"))
    if key not in project.keys:
        raise NotFound(f"项目 {project.ref} 没有幂等键为“{key}”的支付")
    return project, project.keys[key], key


def _key(text: str) -> str:
    """A row's 幂等键 as the command line reads one (NFKC: ``ＺＦ-1`` is ``ZF-1``); "" if none."""
    return clean_key(text) if text.strip() else ""
