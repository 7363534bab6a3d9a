"""Classification codes: 支出功能分类 (function) and 支出经济分类 (economic).

A function code is a 类 (3 digits), 款 (5) or 项 (7); an economic code a 类 (3) or
款 (5). The ledger ships the names the 2024 reference prints and every 类; a code of
the right shape that the ledger does not know is refused with a hint listing the
known codes under the same parent, so a typo is caught before money moves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from ledger.errors import MalformedInput, UnknownCode


class CodeKind(enum.Enum):
    FUNCTION = "function"
    ECONOMIC = "economic"

    @property
    def label(self) -> str:
        return "支出功能分类科目" if self is CodeKind.FUNCTION else "支出经济分类科目"

    @property
    def lengths(self) -> tuple[int, ...]:
        return (3, 5, 7) if self is CodeKind.FUNCTION else (3, 5)


@dataclass(frozen=True, slots=True)
class Code:
    kind: CodeKind
    code: str
    name: str

    @property
    def level(self) -> str:
        """类, 款 or 项."""
        return {3: "类", 5: "款", 7: "项"}[len(self.code)]

    def parents(self) -> list[str]:
        """The codes this one rolls up into, nearest first (项 → 款 → 类)."""
        return [self.code[:n] for n in reversed(self.kind.lengths) if n < len(self.code)]


@cache
def catalogue(kind: CodeKind) -> dict[str, str]:
    """All known codes of a kind, code → name, in code order."""
    text = resources.files("ledger.data").joinpath(f"{kind.value}_codes.tsv").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name = line.split("\t", 1)
        table[code.strip()] = name.strip()
    return dict(sorted(table.items()))


@lru_cache(maxsize=4096)
def lookup(kind: CodeKind, text: str) -> Code:
    """Read a code typed by a clerk: well-formed, then known."""
    code = str(text).strip()
    if not code.isascii() or not code.isdigit() or len(code) not in kind.lengths:
        shapes = "/".join(str(n) for n in kind.lengths)
        raise MalformedInput(
            f"{kind.label}“{code[:20]}”格式不对：应为 {shapes} 位数字（类/款"
            f"{'/项' if kind is CodeKind.FUNCTION else ''}）"
        )
    table = catalogue(kind)
    if code not in table:
        raise UnknownCode(f"未知的{kind.label} {code}。{_hint(kind, code)}")
    return Code(kind, code, table[code])


def function_code(text: str) -> Code:
    return lookup(CodeKind.FUNCTION, text)


def economic_code(text: str) -> Code:
    return lookup(CodeKind.ECONOMIC, text)


def name_of(kind: CodeKind, code: str) -> str:
    return catalogue(kind).get(code, "")


def rollup(kind: CodeKind, code: str) -> list[str]:
    """The code itself and every parent: ``2150805`` → [2150805, 21508, 215]."""
    return [code[:n] for n in reversed(kind.lengths) if n <= len(code)]


def _hint(kind: CodeKind, code: str) -> str:
    table = catalogue(kind)
    for n in reversed(kind.lengths):
        if n >= len(code):
            continue
        parent = code[:n]
        siblings = [c for c in table if c.startswith(parent) and len(c) == len(code)]
        if siblings:
            shown = "、".join(f"{c} {table[c]}" for c in siblings[:8])
            more = f" 等 {len(siblings)} 个" if len(siblings) > 8 else ""
            return f"{parent} 下已知的有：{shown}{more}。用 `ledger codes list` 查看全部。"
    return "用 `ledger codes list` 查看已知科目。"
