"""How text lays out on a terminal: display width (CJK counts two) and line wrapping.

Used by the tables of every report and by click's help (``ledger.cli.zh``); it needs
nothing beyond the standard library, so a report that never loads click can print.
"""

from __future__ import annotations

import re
import unicodedata

#: an ANSI escape sequence (a colour, a cursor move): it takes no columns
ANSI = re.compile(r"\033\[[0-?]*[ -/]*[@-~]")  # as click strips them


def display_width(text: str) -> int:
    """Columns the text takes on a terminal: East Asian wide and full-width characters take two."""
    plain = ANSI.sub("", text) if "\x1b" in text else text
    if plain.isascii():
        return len(plain)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in plain)


#: punctuation that stays on the line of the character before it
CLOSING = frozenset("，。、；：？！）》」』”’】")


#: punctuation that stays on the line of the character after it
OPENING = frozenset("（《「『“‘【")


def aligned(headings: list[str], rows: list[list[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """A small table: headings, a ruler and rows, padded by display width; ``right`` columns right-aligned."""
    sizes = [max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, h in enumerate(headings)]

    def line(cells: list[str], heading: bool = False) -> str:
        padded = []
        for i, (c, size) in enumerate(zip(cells, sizes, strict=True)):
            gap = " " * (size - display_width(c))
            padded.append(gap + c if i in right and not heading else c + gap)
        return "  ".join(padded).rstrip()

    return [line(headings, heading=True), "  ".join("-" * s for s in sizes), *(line(r) for r in rows)]


def _tokens(text: str) -> list[str]:
    """Pieces a line may break between: one CJK character, or a run of narrow ones (a code, a
    number, an English word); closing marks join the piece before them, opening marks the one after."""
    pieces: list[str] = []
    run = False  # the last piece is a run of narrow characters
    for c in text:
        wide = _is_wide(c)
        if pieces and (c in CLOSING or pieces[-1][-1] in OPENING):
            pieces[-1] += c
            run = False
        elif pieces and run and not wide and not c.isspace():
            pieces[-1] += c
        else:
            pieces.append(c)
            run = not wide and not c.isspace()
    return pieces


def wrap(text: str, size: int) -> list[str]:
    """``text`` cut into lines of at most ``size`` display columns.

    Chinese breaks between any two characters, but a line never begins with a closing
    mark nor ends with an opening one (the rule of Chinese typesetting), and a code or a
    number (``2150805``, ``[2024]17``) stays whole unless it is longer than a line.
    """
    lines: list[str] = []
    for part in text.splitlines() or [""]:
        line, used = "", 0
        for piece in _tokens(part):
            if lines and not line and piece.isspace():
                continue  # a wrapped line does not begin with the space it broke at
            w = display_width(piece)
            if used + w <= size or not line:
                line, used = line + piece, used + w
            else:
                lines.append(line.rstrip())
                line = piece.lstrip()
                used = display_width(line)
            while used > size:  # a piece longer than a line: cut it
                cut = _fit(line, size)
                lines.append(cut)
                line = line[len(cut) :]
                used = display_width(line)
        lines.append(line)
    return lines


def _is_wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def _fit(text: str, columns: int) -> str:
    """The longest prefix of ``text`` that fits ``columns`` display columns (at least one character)."""
    used = 0
    for i, c in enumerate(text):
        used += 2 if _is_wide(c) else 1
        if used > columns:
            return text[: max(i, 1)]
    return text
