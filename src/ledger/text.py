"""Text a clerk types — names, reasons, document numbers, keys, numbers — checked once, here.

Two rules live here and nowhere else:

* free text is one line of visible characters: control characters (Unicode category
  Cc), format characters (Cf: the right-to-left override U+202E, zero-width spaces
  U+200B–U+200D, U+2060, U+FEFF …), line and paragraph separators and unassigned or
  private code points are refused, naming the field and the code point;
* a number is written in ASCII digits ``0-9`` or their full-width twins ``０-９`` from a
  Chinese input method. ``str.isdigit`` and ``int`` also read Arabic-Indic, Thai,
  Devanagari, superscript and circled digits; those are refused by name.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from ledger.errors import MalformedInput

#: categories no free text may contain: control, format, surrogate, private, unassigned,
#: line separator, paragraph separator
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
FULL_WIDTH_DIGITS = "０１２３４５６７８９"
TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Literal, TypeAlias

    Form: TypeAlias = Literal["NFC", "NFKC"]


def code_point(c: str) -> str:
    """``U+202E``: how a message names a character a clerk cannot see."""
    return f"U+{ord(c):04X}"


def clean_text(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    """One printable line of reasonable length, NFC-normalised and trimmed."""
    return _checked(str(value), label, max_length, required, "NFC")


def clean_key(value: str, *, label: str = "幂等键", max_length: int = 100) -> str:
    """A request key (幂等键): like :func:`clean_text`, but NFKC-normalised.

    ``ＺＦ-1`` typed with a full-width input method and ``ZF-1`` are one key, so
    re-submitting under either spelling returns the same payment.
    """
    return _checked(str(value), label, max_length, True, "NFKC")


def visible(value: str, *, label: str) -> str:
    """``value`` unchanged (a file name is not normalised), if it has no refused character."""
    for i, c in enumerate(value, start=1):
        if unicodedata.category(c) in REFUSED_CATEGORIES:
            raise MalformedInput(
                f"{label}含有换行或不可见的控制字符、格式字符 {code_point(c)}（第 {i} 个字符），"
                "请删去后重新输入"
            )
    return value


def _checked(value: str, label: str, max_length: int, required: bool, form: Form) -> str:
    s, bad, position = _normalised(value, form)
    if required and not s:
        raise MalformedInput(f"{label}不能为空")
    if len(s) > max_length:
        raise MalformedInput(f"{label}过长：{len(s)} 个字符，最多 {max_length} 个")
    if bad:
        raise MalformedInput(
            f"{label}含有换行或不可见的控制字符、格式字符 {code_point(bad)}（第 {position} 个字符），"
            "请删去后只写一行可见的文字"
        )
    return s


def _normalised(value: str, form: Form) -> tuple[str, str, int]:
    """The normalised, trimmed text, its first refused character ("" if none) and its position.

    Printable ASCII (an import's keys, codes and numbers) is its own NFC and NFKC form
    and holds no refused character; other text is worked out once (:func:`_unusual`).
    """
    if value.isascii() and value.isprintable():
        return value.strip(), "", 0
    return _unusual(value, form)


@lru_cache(maxsize=16384)
def _unusual(value: str, form: Form) -> tuple[str, str, int]:
    """:func:`_normalised` of text that is not printable ASCII. Cached: an import
    repeats the same payees and reasons thousands of times."""
    s = unicodedata.normalize(form, value).strip()
    for i, c in enumerate(s, start=1):
        if unicodedata.category(c) in REFUSED_CATEGORIES:
            return s, c, i
    return s, "", 0


def numeral(value: str, *, label: str) -> str:
    """The text of a number, NFKC-normalised and trimmed, its digits ASCII or full-width only.

    Every parser of amounts, dates, years, months, scores and percentages reads its text
    through here first, so one rule decides what a digit is.
    """
    text = str(value)
    for c in text:
        if c.isdigit() and not ("0" <= c <= "9" or c in FULL_WIDTH_DIGITS):
            raise MalformedInput(
                f"{label}“{shown(text)}”含有不认可的数字字符“{c}”（{code_point(c)}）："
                "数字只能写 0–9（半角或全角）"
            )
    return unicodedata.normalize("NFKC", text).strip()


_DECIMAL = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")


def parse_count(value: str, *, label: str) -> int:
    """A whole number of days or items, ``0`` or more: ASCII or full-width digits only."""
    s = numeral(value, label=label)
    if not (s.isascii() and s.isdigit()) or len(s) > 6:
        raise MalformedInput(f"{label}“{s[:20]}”应为不超过六位的非负整数，如 30")
    return int(s)


def parse_number(value: str, *, label: str) -> Decimal:
    """A plain decimal number — a percentage, a target value: ``95``, ``8.33``, ``-1.5``.

    No exponents, separators, spaces, NaN or infinities: what a clerk means by a number.
    """
    s = numeral(value, label=label)
    if not _DECIMAL.match(s):
        raise MalformedInput(f"{label}“{shown(s)}”不是数字：请写成如 95 或 8.33 的十进制数")
    return Decimal(s)


def parse_score(text: str) -> int:
    """A funds-line score (得分) between 0 and 10, at most two decimals, in hundredths."""
    s = numeral(text, label="得分")
    whole, _, frac = s.partition(".")
    if not (whole.isascii() and whole.isdigit()) or (frac and not (frac.isascii() and frac.isdigit())):
        raise MalformedInput(f"得分“{s[:20]}”格式不对：应为 0 到 10 之间的数，最多两位小数")
    if len(frac) > 2:
        raise MalformedInput(f"得分“{s[:20]}”最多两位小数")
    value = int(whole) * 100 + int(frac.ljust(2, "0") or "0")
    if value > 1000:
        raise MalformedInput(f"得分 {s} 超过分值 10")
    return value


def shown(text: object, limit: int = 40) -> str:
    """Text quoted back in a message, cut to ``limit`` characters."""
    s = str(text)
    return s if len(s) <= limit else s[: limit - 3] + "…"


def harmless(text: str, *, keep: str = "\n\t") -> str:
    """Text safe to print on a clerk's terminal: control and format characters escaped.

    User text quoted back in a message could carry ESC/OSC sequences (recolouring the
    terminal, setting its title, hiding what follows) or a right-to-left override. Every
    such character is shown as ``\\x1b`` (below U+0100) or ``U+202E``; the characters in
    ``keep`` (the line breaks and tabs a message is made of) are left as they are — pass
    ``keep=""`` for one line of a listing, where a line break would forge another line.
    """
    if text.isprintable():
        return text
    out = []
    for c in text:
        if c in keep or unicodedata.category(c) not in REFUSED_CATEGORIES:
            out.append(c)
        elif ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(code_point(c))
    return "".join(out)
