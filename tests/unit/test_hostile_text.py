"""The one rule for digits, for invisible characters and for spreadsheet cells, over all of Unicode."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import unicodedata
from pathlib import Path

import pytest

from ledger import calendar
from ledger.errors import MalformedInput
from ledger.money import Amount
from ledger.text import clean_key, clean_text, harmless, numeral, parse_number, parse_score
from projections.output import Report, Sheet, inert, render_csv, write_xlsx

ALL = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
FOREIGN_DIGITS = [c for c in ALL if c.isdigit() and not ("0" <= c <= "9" or "０" <= c <= "９")]
INVISIBLE = [
    c
    for c in ALL
    if unicodedata.category(c) in ("Cc", "Cf") and c not in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85"
]


def test_there_are_hundreds_of_digits_python_would_read() -> None:
    assert len(FOREIGN_DIGITS) > 300 and int("١٠٥") == 105  # the bug class this guards against


def test_every_digit_but_ascii_and_full_width_is_refused_in_every_number() -> None:
    for c in FOREIGN_DIGITS:
        for parse in (
            lambda t: Amount.parse(t),
            lambda t: calendar.parse_year(t),
            lambda t: parse_score(t),
            lambda t: parse_number(t, label="目标值"),
        ):
            with pytest.raises(MalformedInput, match=f"U\\+{ord(c):04X}"):
                parse(f"1{c}")
        with pytest.raises(MalformedInput, match=f"U\\+{ord(c):04X}"):
            calendar.parse_date(f"2024-03-0{c}")


def test_ascii_and_full_width_digits_read_alike() -> None:
    assert Amount.parse("１，２３４．５６") == Amount.parse("1,234.56") == Amount.of_fen(123456)
    assert numeral(" ２０２４ ", label="年度") == "2024"
    assert Amount.parse("12.34 万元") == Amount.parse("12.34万")


@pytest.mark.parametrize("text", ["1 2 3", "1\u00a0234", "1\u3000234", "12 .5", "1,234 .5万"])
def test_spaces_inside_an_amount_are_refused(text: str) -> None:
    with pytest.raises(MalformedInput, match="空格"):
        Amount.parse(text)


def test_every_control_and_format_character_is_refused_by_code_point_in_free_text() -> None:
    for c in INVISIBLE:
        with pytest.raises(MalformedInput, match="收款人") as e:
            clean_text(f"甲{c}乙", label="收款人", max_length=100)
        assert f"U+{ord(c):04X}" in e.value.message
        with pytest.raises(MalformedInput, match=f"幂等键.*U\\+{ord(c):04X}"):
            clean_key(f"ZF{c}-1")


def test_a_full_width_key_is_the_ascii_key() -> None:
    assert clean_key(" ＺＦ－１ ") == clean_key("ZF-1") == "ZF-1"


def test_harmless_leaves_no_control_or_format_character_but_line_breaks() -> None:
    text = "".join(INVISIBLE)
    shown = harmless(f"错误：“{text}”\n第二行")
    assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Cf") and c != "\n"]
    assert "\\x1b" in shown and "U+202E" in shown and shown.endswith("\n第二行")
    assert harmless("普通的话 1,234.56") == "普通的话 1,234.56"


def test_business_dates_lie_between_2000_and_a_year_from_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2024, 2, 29))
    assert calendar.latest_date() == dt.date(2025, 2, 28)
    assert calendar.parse_date("2025-02-28") == dt.date(2025, 2, 28)
    assert calendar.parse_date("2000-01-01") == dt.date(2000, 1, 1)
    with pytest.raises(MalformedInput, match="2025-02-28"):
        calendar.parse_date("2025-03-01")
    with pytest.raises(MalformedInput, match="2000"):
        calendar.parse_date("1999-12-31")
    assert calendar.parse_year("2025") == 2025
    for year in ("2026", "1999", "0001"):
        with pytest.raises(MalformedInput, match="2000–2025"):
            calendar.parse_year(year)
    with pytest.raises(MalformedInput, match="2000–2025"):
        calendar.parse_month("2026-01")


HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@A1", "\tx", '=HYPERLINK("http://x")']
FIGURES = ["-1,234.56", "-12.50", "0.00", "+3.20", "95.00%", "1,000"]


def test_text_a_spreadsheet_would_run_is_made_inert_and_figures_stay_figures() -> None:
    assert [inert(t) for t in HOSTILE] == ["'" + t for t in HOSTILE]
    assert [inert(f) for f in FIGURES] == FIGURES
    assert inert("\rx") == "'\rx" and inert("-") == "'-" and inert("项目") == "项目" and inert(-5) == -5


def test_csv_and_xlsx_cells_are_never_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    report = Report(
        "=标题",
        [Sheet("=表", ["=列", "金额"], [[t, f] for t, f in zip(HOSTILE, FIGURES, strict=True)], ["=注"])],
    )
    rows = list(csv.reader(io.StringIO(render_csv(report), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE] and rows[0][0] == "'=列"
    assert [r[1] for r in rows[1:]] == FIGURES
    path = tmp_path / "r.xlsx"
    write_xlsx(report, path)
    ws = load_workbook(path).active
    assert ws is not None
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    heading = next(r for r in ws.iter_rows() if r[0].value == "'=列")[0].row
    first = ws.cell(row=heading + 1, column=2)
    assert first.data_type == "n" and str(first.value) == "-1234.56"  # a number, not text
    assert ws["A1"].value == "'=表" and ws.cell(row=heading + 1, column=1).value == "'=1+1"
