"""The funds-line score (资金执行率得分, 分值 10): a configurable rule plus recorded overrides.

The Ministry default is proportional: min(执行率, 100) / 100 × 10 (DOMAIN.md §5, marked
unconfirmed). Units and finance bureaus differ, so the rule is chosen by name
(``LEDGER_SCORE_RULE`` or ``--score-rule``), and a clerk can record an override per
project-year (``ledger score set``), which always wins.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ledger.errors import MalformedInput

FULL_MARKS = Decimal(10)
RULES = ("proportional", "threshold")


def score(paid: int, quota: int, *, rule: str = "proportional", override: int | None = None) -> Decimal:
    """The score with two decimals; ``override`` is in hundredths of a point."""
    if override is not None:
        return (Decimal(override) / 100).quantize(Decimal("0.01"))
    rate = Decimal(0) if quota == 0 else Decimal(paid) * 100 / Decimal(quota)
    rate = min(rate, Decimal(100))
    if rule == "proportional":
        value = rate / 100 * FULL_MARKS
    else:
        # threshold[:N]: full marks at or above N % (default 90), else proportional
        limit = _threshold(rule)
        value = FULL_MARKS if rate >= limit else rate / 100 * FULL_MARKS
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _threshold(rule: str) -> Decimal:
    """The N of ``threshold`` (90) or ``threshold:N`` (0–100); any other rule is refused."""
    name, colon, n = rule.partition(":")
    if name == "threshold" and not colon:
        return Decimal(90)
    if name == "threshold" and n.isascii() and n.replace(".", "", 1).isdigit() and Decimal(n) <= 100:
        return Decimal(n)
    raise MalformedInput(f"未知的得分规则“{rule}”：可选 proportional 或 threshold[:N]（N 为 0–100 的百分数）")


def check_rule(rule: str) -> str:
    if rule != "proportional":
        _threshold(rule)
    return rule


def describe(rule: str) -> str:
    """The rule in a clerk's words, for a report's footer."""
    if rule == "proportional":
        return "按执行率比例计分（执行率 × 10 分，执行率超过 100% 按 100% 计）"
    return f"执行率达到 {_threshold(rule).normalize():f}% 得满分 10 分，未达到的按执行率比例计分"


def default_rule() -> str:
    """The rule in force: ``LEDGER_SCORE_RULE`` or the Ministry default, proportional."""
    import os

    return os.environ.get("LEDGER_SCORE_RULE", "proportional")
