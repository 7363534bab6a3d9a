"""No input makes a parser fail with anything but a clear LedgerError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import calendar, codes
from ledger.errors import LedgerError
from ledger.money import Amount
from ledger.text import clean_text, parse_score

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.,-+eE万元 ０１２３４５６７８９", max_size=20),
    st.sampled_from(["NaN", "inf", "-0", "1e9", "١٢٣", "1_000", "0x10", "½", "²"]),
)


def refused_clearly(call: object, text: str) -> None:
    try:
        call(text)  # type: ignore[operator]
    except LedgerError as e:
        assert e.message and "Traceback" not in e.message


@settings(max_examples=300, deadline=None)
@given(texts)
def test_amount_parsing_never_crashes(text: str) -> None:
    refused_clearly(Amount.parse, text)
    refused_clearly(Amount.parse_positive, text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.text(alphabet="0123456789-/ ", max_size=12)))
def test_date_and_instant_parsing_never_crashes(text: str) -> None:
    refused_clearly(calendar.parse_date, text)
    refused_clearly(calendar.parse_instant, text)
    refused_clearly(calendar.parse_month, text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=10), st.text(alphabet="0123456789", max_size=9)))
def test_code_lookup_never_crashes(text: str) -> None:
    refused_clearly(codes.function_code, text)
    refused_clearly(codes.economic_code, text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_free_text_and_scores_never_crash(text: str) -> None:
    refused_clearly(lambda t: clean_text(t, label="收款人", max_length=100), text)
    refused_clearly(parse_score, text)
