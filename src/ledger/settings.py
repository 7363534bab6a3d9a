"""The ``LEDGER_*`` environment settings, read and checked in one place.

A mistyped setting is refused before any command touches the store, with a Chinese
message naming the variable, what it holds and what it should hold — not found later
as an internal error half-way through a report.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping

from ledger.errors import MalformedInput


class WholeNumber:
    """A ``LEDGER_*`` variable holding a whole number within a sane range."""

    __slots__ = ("default", "high", "low", "meaning", "name")

    def __init__(self, name: str, meaning: str, default: int, low: int, high: int) -> None:
        self.name, self.meaning, self.default, self.low, self.high = name, meaning, default, low, high

    def read(self, environ: Mapping[str, str] | None = None) -> int:
        env = os.environ if environ is None else environ
        raw = env.get(self.name)
        if raw is None or not raw.strip():
            return self.default
        text = unicodedata.normalize("NFKC", raw).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= len(str(self.high))):
            raise MalformedInput(self._refusal(raw))
        value = int(text)
        if not self.low <= value <= self.high:
            raise MalformedInput(self._refusal(raw))
        return value

    def _refusal(self, raw: str) -> str:
        return (
            f"环境变量 {self.name}（{self.meaning}）的值“{raw[:40]}”不合法："
            f"应为 {self.low} 到 {self.high} 之间的整数（默认 {self.default}）；请改正或删除该变量。"
        )


CATCHUP_PAGE = WholeNumber("LEDGER_CATCHUP_PAGE", "读模型每批追平的事件数", 50000, 1, 10_000_000)
LOCK_TIMEOUT = WholeNumber("LEDGER_LOCK_TIMEOUT", "等待其他程序释放账簿写锁的秒数", 60, 1, 3600)
IMPORT_MAX_MB = WholeNumber("LEDGER_IMPORT_MAX_MB", "导入文件的大小上限（MB）", 200, 1, 4096)
PROGRESS_EVERY = WholeNumber(
    "LEDGER_PROGRESS_EVERY", "不在终端上时每处理多少项打印一行进度", 10000, 1, 1_000_000_000
)
NUMBERS = (CATCHUP_PAGE, LOCK_TIMEOUT, IMPORT_MAX_MB, PROGRESS_EVERY)


def zone_name(environ: Mapping[str, str] | None = None) -> str:
    """``LEDGER_TZ``: the ledger's zone, an IANA name such as Asia/Shanghai."""
    env = os.environ if environ is None else environ
    name = env.get("LEDGER_TZ", "").strip()
    if not name:
        return "Asia/Shanghai"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise MalformedInput(
            f"环境变量 LEDGER_TZ（账簿时区）的值“{name[:40]}”不是已知的时区："
            "应为 IANA 时区名，如 Asia/Shanghai；请改正或删除该变量。"
        ) from None
    return name


def actor_name(environ: Mapping[str, str] | None = None) -> str | None:
    """``LEDGER_ACTOR``: who records on SQLite, held to the rules of ``--actor``."""
    from ledger.text import clean_text

    env = os.environ if environ is None else environ
    raw = env.get("LEDGER_ACTOR")
    if raw is None or not raw.strip():
        return None
    try:
        return clean_text(raw, label="记录人", max_length=64)
    except MalformedInput as e:
        raise MalformedInput(
            f"环境变量 LEDGER_ACTOR（记录人）不合法：{e.message}；请改正或删除该变量。"
        ) from None


def check(environ: Mapping[str, str] | None = None) -> None:
    """Refuse a malformed ``LEDGER_*`` setting before anything is read or written."""
    zone_name(environ)
    actor_name(environ)
    for setting in NUMBERS:
        setting.read(environ)
