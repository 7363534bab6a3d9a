"""The funds-line score: proportional by default, threshold[:N] by choice, overrides win."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.errors import MalformedInput
from projections.scoring import check_rule, score


def test_the_proportional_rule_caps_at_full_marks() -> None:
    assert score(5_102, 10_000) == Decimal("5.10")
    assert score(12_000, 10_000) == Decimal("10.00")
    assert score(0, 0) == Decimal("0.00")


def test_the_threshold_rule_gives_full_marks_at_or_above_its_limit() -> None:
    assert score(9_000, 10_000, rule="threshold") == Decimal("10.00")
    assert score(8_999, 10_000, rule="threshold") == Decimal("9.00")
    assert score(8_000, 10_000, rule="threshold:80") == Decimal("10.00")
    assert score(7_950, 10_000, rule="threshold:80") == Decimal("7.95")


def test_a_recorded_override_wins() -> None:
    assert score(0, 10_000, override=915) == Decimal("9.15")


@pytest.mark.parametrize(
    "rule", ["thresholdfoo", "threshold:", "threshold:abc", "threshold:101", "threshold:９０", "ratio"]
)
def test_an_unknown_or_malformed_rule_is_refused_by_name(rule: str) -> None:
    with pytest.raises(MalformedInput, match="未知的得分规则"):
        check_rule(rule)
    with pytest.raises(MalformedInput):
        score(1, 2, rule=rule)


@pytest.mark.parametrize("rule", ["proportional", "threshold", "threshold:85", "threshold:92.5"])
def test_the_documented_rules_are_accepted(rule: str) -> None:
    assert check_rule(rule) == rule
