from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import MalformedInput
from ledger.money import Amount, percent, wan


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.56", 123456),
        ("1234.56", 123456),
        ("1234", 123400),
        ("0.01", 1),
        ("12.34万", 12340000),
        ("12.345678万", 12345678),
        ("12.34 万元", 12340000),
        ("１２３", 12300),
        ("100元", 10000),
    ],
)
def test_amounts_are_read_in_yuan_or_wan_into_exact_fen(text: str, fen: int) -> None:
    assert Amount.parse(text).fen == fen


@pytest.mark.parametrize(
    "text",
    [
        "-1",
        "1.234",
        "1e9",
        "NaN",
        "nan",
        "inf",
        "",
        "1,23.4",
        "12.3456789万",
        "abc",
        "1.2.3",
        "0x10",
        "1_000",
    ],
)
def test_malformed_amounts_are_refused(text: str) -> None:
    with pytest.raises(MalformedInput):
        Amount.parse_positive(text)


def test_zero_is_refused_where_an_act_needs_money() -> None:
    with pytest.raises(MalformedInput, match="大于零"):
        Amount.parse_positive("0.00")


def test_floats_never_become_amounts() -> None:
    with pytest.raises(TypeError):
        Amount(1.5)  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        Amount.parse(1.5)  # type: ignore[arg-type]


def test_amounts_above_one_trillion_yuan_are_refused() -> None:
    with pytest.raises(MalformedInput, match="上限"):
        Amount.parse("1000000000001")


@pytest.mark.parametrize(
    ("fen", "cell"),
    [
        (658354_00, "65.84"),
        (44650_00, "4.47"),
        (70299, "0.07"),
        (702_99_00, "7.03"),
        (5000, "0.01"),
        (4999, "0.00"),
        (-5000, "-0.01"),
        (0, "0.00"),
    ],
)
def test_wan_cells_round_half_up_once_from_exact_fen(fen: int, cell: str) -> None:
    assert wan(fen) == cell


def test_a_total_is_the_rounding_of_the_exact_sum_not_the_sum_of_cells() -> None:
    personnel, capital = 658354_00, 44650_00
    assert (wan(personnel), wan(capital), wan(personnel + capital)) == ("65.84", "4.47", "70.30")


@pytest.mark.parametrize(
    ("num", "den", "rate"),
    [(1, 3, "33.33"), (2, 3, "66.67"), (0, 0, "0.00"), (5, 5, "100.00"), (1, 8, "12.50")],
)
def test_execution_rate_is_half_up_to_two_decimals(num: int, den: int, rate: str) -> None:
    assert percent(num, den) == rate


@given(st.integers(min_value=0, max_value=10**14))
def test_formatting_and_parsing_round_trip(fen: int) -> None:
    amount = Amount(fen)
    assert Amount.parse(amount.yuan()) == amount
    assert Amount.parse(amount.plain()) == amount


@given(st.integers(min_value=0, max_value=10**12))
def test_wan_text_round_trips_exactly_when_it_has_six_decimals(fen: int) -> None:
    whole, rest = divmod(fen, 1_000_000)
    assert Amount.parse(f"{whole}.{rest:06d}万").fen == fen


@given(st.integers(min_value=0, max_value=10**12))
def test_plain_whole_yuan_read_the_same_as_with_decimals(yuan: int) -> None:
    """Digits alone take a short path; it must agree with the general reading."""
    assert Amount.parse(str(yuan)) == Amount.parse(f"{yuan}.00") == Amount.of_fen(yuan * 100)


def test_plain_digits_above_the_limit_and_leading_zeros() -> None:
    assert Amount.parse("0012") == Amount.parse("12.00")
    with pytest.raises(MalformedInput, match="上限"):
        Amount.parse("9" * 20)
    with pytest.raises(MalformedInput, match="大于零"):
        Amount.parse_positive("0")
