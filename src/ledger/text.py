"""Free text a clerk types — names, reasons, document numbers — checked once, here."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from ledger.errors import MalformedInput


def clean_text(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    """One printable line of reasonable length, NFC-normalised and trimmed."""
    s, bad = _normalised(str(value))
    if required and not s:
        raise MalformedInput(f"{label}不能为空")
    if len(s) > max_length:
        raise MalformedInput(f"{label}过长：{len(s)} 个字符，最多 {max_length} 个")
    if bad:
        raise MalformedInput(f"{label}含有换行或不可见的控制字符（{bad!r}），请只写一行文字")
    return s


@lru_cache(maxsize=16384)
def _normalised(value: str) -> tuple[str, str]:
    """The NFC-normalised, trimmed text and its first control character ("" if none).

    Cached: an import repeats the same payees and reasons thousands of times.
    """
    s = unicodedata.normalize("NFC", value).strip()
    for c in s:
        if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") or c in "\u2028\u2029":
            return s, c
    return s, ""


def parse_score(text: str) -> int:
    """A funds-line score (得分) between 0 and 10, at most two decimals, in hundredths."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    whole, _, frac = s.partition(".")
    if not (whole.isascii() and whole.isdigit()) or (frac and not (frac.isascii() and frac.isdigit())):
        raise MalformedInput(f"得分“{s[:20]}”格式不对：应为 0 到 10 之间的数，最多两位小数")
    if len(frac) > 2:
        raise MalformedInput(f"得分“{s[:20]}”最多两位小数")
    value = int(whole) * 100 + int(frac.ljust(2, "0") or "0")
    if value > 1000:
        raise MalformedInput(f"得分 {s} 超过分值 10")
    return value
