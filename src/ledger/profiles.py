"""Import profiles: how an export of the 预算管理一体化 system maps onto the ledger's acts.

A profile (TOML, ``ledger/data/profiles/*.toml`` built in, or a file of a province's
own) names, for each field, the column names an export may use, defaults for what an
export leaves out, and how the export's words (指标类型, 支付状态) read. Turning an
export into acts is pure: each row becomes the importer's rows (``project.add`` for a
line not seen before in the file, ``appropriation.issue``; or ``payment.request`` with
its settlement or hold), which the importer then checks and records all or nothing.

Rows are de-duplicated only by a key: the export's own 指标编号 / 支付申请编号 when it
has one, a payment's 支付凭证号, and for a 指标 line without a number the 文号, 来源文号,
project, amount and date together (a 文号 issues one amount to a line on one day).
Two identical payments without a voucher or a key are two payments.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ledger.errors import LedgerError, MalformedInput
from ledger.importer import Row
from ledger.tables import Table, norm, read_table

BUILT_IN = ("quota", "payment")
REQUIRED = {
    "quota": ("project", "doc", "amount", "date"),
    "payment": ("project", "payee", "amount", "date"),
}
#: what a profile need not say: a new line is a 特定目标类 line of 一般公共预算 money; an
#: issue without a type is a 追加; a payment in an export without a status was paid
BASE_DEFAULTS = {
    "quota": {"kind": "追加", "category": "特定目标类", "fund": "一般公共预算"},
    "payment": {"status": "支付成功"},
}
BASE_WORDS = {
    "quota": {"年初": "年初", "年初预算": "年初", "追加": "追加", "转移支付": "转移支付", "结转": "结转"},
    "payment": {"支付成功": "settled", "已支付": "settled", "已申请": "requested", "待统筹": "held", "退回": "skip"},
}
LABELS = {
    "key": "编号",
    "unit": "单位编码",
    "project": "项目编码",
    "project_name": "项目名称",
    "doc": "指标文号",
    "source_doc": "来源文号",
    "function": "功能分类科目",
    "economic": "经济分类科目",
    "fund": "资金性质",
    "amount": "金额",
    "date": "日期",
    "kind": "指标类型",
    "category": "项目类别",
    "level": "资金级次",
    "voucher": "支付凭证号",
    "payee": "收款人",
    "request_date": "申请日期",
    "status": "状态",
    "reason": "摘要",
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    kind: str  # "quota" or "payment"
    columns: dict[str, tuple[str, ...]]
    defaults: dict[str, str] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)  # 指标类型 or 支付状态 → the ledger's word

    def header_names(self) -> list[str]:
        """The first name of every column, as a template prints them."""
        return [names[0] for names in self.columns.values()]


def load_profile(name: str) -> Profile:
    """A built-in profile by name, or a profile file by its path."""
    if name in BUILT_IN:
        text = resources.files("ledger.data").joinpath("profiles", f"{name}.toml").read_text("utf-8")
        source = f"内置配置 {name}"
    else:
        path = Path(name)
        if not path.is_file():
            raise MalformedInput(
                f"导入配置“{name[:60]}”不存在：可用内置配置 {'、'.join(BUILT_IN)}，或给出 .toml 配置文件的路径。"
            )
        text, source = path.read_text("utf-8"), f"配置文件 {path.name}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MalformedInput(f"{source} 不是有效的 TOML：{e}") from None
    kind = data.get("kind")
    if kind not in REQUIRED:
        raise MalformedInput(f"{source} 的 kind 应为 quota（指标）或 payment（支付）。")
    raw = data.get("columns")
    if not isinstance(raw, dict) or not raw:
        raise MalformedInput(f'{source} 缺少 [columns]：字段 = ["列名", …]。')
    columns: dict[str, tuple[str, ...]] = {}
    for key, names in raw.items():
        if key not in LABELS:
            raise MalformedInput(f"{source} 的 [columns] 有未知字段“{key}”：可用 {'、'.join(LABELS)}。")
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise MalformedInput(f"{source} 的 [columns] {key} 应为列名或列名列表。")
        columns[key] = tuple(names)
    missing = [f for f in REQUIRED[kind] if f not in columns]
    if missing:
        raise MalformedInput(f"{source} 的 [columns] 缺少必需的字段：{'、'.join(missing)}。")
    words = {**BASE_WORDS[kind], **data.get("kinds" if kind == "quota" else "statuses", {})}
    defaults = {**BASE_DEFAULTS[kind], **data.get("defaults", {})}
    return Profile(
        name=str(data.get("name", name)),
        title=str(data.get("title", name)),
        kind=kind,
        columns=columns,
        defaults={str(k): str(v) for k, v in defaults.items()},
        words={norm(str(k)): str(v) for k, v in words.items()},
    )


@dataclass
class Converted:
    """An export turned into the importer's rows, with what was left out and why."""

    rows: list[Row]
    ignored_columns: list[str]
    skipped: list[tuple[int, str]]  # (line, reason)
    lines: int = 0  # rows of the export read
    unkeyed: int = 0  # payments with neither a number nor a voucher: not de-duplicated


def read_export(path: Path, profile: Profile) -> Table:
    """The export's table: the header is the first row naming every required column."""
    required = REQUIRED[profile.kind]

    def is_header(cells: list[str]) -> bool:
        return all(any(norm(n) in cells for n in profile.columns[f]) for f in required)

    expects = "、".join(f"“{profile.columns[f][0]}”" for f in required)
    return read_table(path, is_header=is_header, expects=f"需要 {expects} 等列（配置 {profile.title}）。")


def convert(table: Table, profile: Profile, *, unit: str | None = None) -> Converted:
    """The importer's rows for every row of the export; a row the profile cannot read
    refuses the whole file (with every such row named)."""
    index: dict[str, int] = {}
    for key, names in profile.columns.items():
        for name in names:
            if norm(name) in table.header:
                index[key] = table.header.index(norm(name))
                break
    used = set(index.values())
    ignored = [h for i, h in enumerate(table.header) if i not in used and h]
    rows: list[Row] = []
    skipped: list[tuple[int, str]] = []
    problems: list[tuple[int, str]] = []
    seen_projects: set[str] = set()
    for line, cells in table.rows:

        def get(key: str, cells: list[str] = cells) -> str:
            i = index.get(key)
            value = cells[i].strip() if i is not None and i < len(cells) else ""
            return value or profile.defaults.get(key, "")

        try:
            if profile.kind == "quota":
                rows += _quota_rows(line, get, unit, seen_projects, profile)
            else:
                made = _payment_rows(line, get, unit, profile)
                if isinstance(made, str):
                    skipped.append((line, made))
                else:
                    rows += made
        except LedgerError as e:
            problems.append((line, e.message))
    if problems:
        from ledger.importer import ImportRejected

        raise ImportRejected(problems, malformed=True)
    unkeyed = sum(1 for r in rows if r.fields.get("key", "").startswith("unkeyed:"))
    return Converted(rows, ignored, skipped, lines=len(table.rows), unkeyed=unkeyed)


Get = Callable[[str], str]


def _project(get: Get, unit: str | None) -> str:
    code = get("project")
    owner = get("unit") or (unit or "")
    if not code:
        raise MalformedInput("缺少项目编码")
    if "/" in code or not owner:
        return code
    return f"{owner}/{code}"


def _quota_rows(line: int, get: Get, unit: str | None, seen: set[str], profile: Profile) -> list[Row]:
    project = _project(get, unit)
    amount, on, doc = amount_text(get("amount")), date_text(get("date")), get("doc")
    if not doc:
        raise MalformedInput("缺少指标文号")
    out: list[Row] = []
    if project not in seen and get("function") and get("project_name") and "/" in project:
        seen.add(project)
        owner, _, code = project.partition("/")
        fields = {
            "unit": owner,
            "code": code,
            "name": get("project_name"),
            "function": get("function"),
            "category": get("category"),
            "fund": get("fund"),
            "economic": get("economic"),
            "doc": get("source_doc") or doc,
            "level": get("level"),
        }
        out.append(Row(line, "project.add", {k: v for k, v in fields.items() if v}))
    natural = get("key")
    identity = natural or "|".join((doc, get("source_doc"), project, amount, on))
    key = "quota:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24]
    kind = profile.words.get(norm(get("kind")), get("kind"))
    fields = {"project": project, "amount": amount, "date": on, "doc": doc, "kind": kind, "key": key}
    out.append(Row(line, "appropriation.issue", fields))
    return out


def _payment_rows(line: int, get: Get, unit: str | None, profile: Profile) -> list[Row] | str:
    status_text = get("status")
    status = profile.words.get(norm(status_text))
    if status is None:
        known = "、".join(sorted(profile.words))
        raise MalformedInput(f"支付状态“{status_text[:20]}”不认识：配置中的状态有 {known}")
    if status == "skip":
        return f"状态为“{status_text}”，未导入"
    project = _project(get, unit)
    amount, on = amount_text(get("amount")), date_text(get("date"))
    requested = date_text(get("request_date")) if get("request_date") else on
    voucher, natural = get("voucher"), get("key")
    fields = {
        "project": project,
        "amount": amount,
        "payee": get("payee"),
        "economic": get("economic"),
        "date": requested,
    }
    if natural:
        fields["key"] = f"pay:{natural}"[:100]
    elif voucher:
        fields["key"] = f"voucher:{voucher}"[:100]
    else:  # nothing names this payment: two alike are two payments, never one by content
        fields["key"] = f"unkeyed:{uuid.uuid4().hex}"
    if status == "settled":
        fields["settled_on"] = on
        if voucher:
            fields["voucher"] = voucher
    rows = [Row(line, "payment.request", fields)]
    if status == "held":
        if "key" not in fields:
            raise MalformedInput("待统筹的支付需要支付申请编号或凭证号，才能在拨付时找到它")
        rows.append(
            Row(
                line,
                "payment.hold",
                {
                    "project": project,
                    "key": fields["key"],
                    "act_key": f"{fields['key']}:held"[:100],
                    "date": on,
                    "reason": status_text,
                },
            )
        )
    return rows


def date_text(text: str) -> str:
    """``2026-03-09``, ``2026/03/09``, ``2026.3.9``, ``2026年3月9日`` or ``20260309`` → ISO."""
    s = norm(text)
    match = _DATE.match(s) or _COMPACT_DATE.match(s)
    if not match:
        raise MalformedInput(f"日期“{text[:30]}”无法识别：请写成 2026-03-09、2026/03/09 或 2026年3月9日")
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def amount_text(text: str) -> str:
    """An amount as an export prints it (``¥1,234.56``, ``1,234.56元``), for the amount parser."""
    s = norm(text).removeprefix("¥").removeprefix("￥")
    if s.endswith("元") and not s.endswith("万元"):
        s = s[:-1]
    if not s:
        raise MalformedInput("缺少金额")
    return s
