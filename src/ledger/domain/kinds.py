"""The project line's vocabulary: categories, funds, levels, kinds of quota, payment states.

Plain enums, kept apart from the aggregates so that what only reads them — the reports,
which show a fund's or a category's name and sum by it — need not load the event
library and every event class at start-up.
"""

from __future__ import annotations

import enum


class Category(enum.StrEnum):
    """项目类别. 人员类 and 运转类 are 基本支出; 其他运转类 and 特定目标类 are 项目支出."""

    PERSONNEL = "人员类"
    OPERATING = "运转类"
    OTHER_OPERATING = "其他运转类"
    SPECIFIC = "特定目标类"

    @property
    def is_basic(self) -> bool:
        return self in (Category.PERSONNEL, Category.OPERATING)


class Fund(enum.StrEnum):
    """Where a line's money comes from: the three 财政拨款 funds or non-财政 money."""

    GENERAL = "一般公共预算"
    GOVERNMENT_FUND = "政府性基金预算"
    STATE_CAPITAL = "国有资本经营预算"
    NON_FISCAL = "非财政拨款"
    SUPERIOR_SUBSIDY = "上级补助收入"
    BUSINESS = "事业收入"
    OPERATING = "经营收入"
    AFFILIATE = "附属单位上缴收入"
    OTHER = "其他收入"

    @property
    def is_fiscal(self) -> bool:
        """财政拨款 money: paid by the treasury, recognised as income when paid."""
        return self in (Fund.GENERAL, Fund.GOVERNMENT_FUND, Fund.STATE_CAPITAL)


class Level(enum.StrEnum):
    PROVINCE = "省级"
    CITY = "市级"
    DISTRICT = "区级"


class IssueKind(enum.StrEnum):
    """年初 and 结转 quota is there on the first day of the year: it counts in 年初预算数."""

    INITIAL = "年初"
    SUPPLEMENT = "追加"
    TRANSFER = "转移支付"
    CARRIED = "结转"

    @property
    def is_opening(self) -> bool:
        return self in (IssueKind.INITIAL, IssueKind.CARRIED)


class PaymentStatus(enum.StrEnum):
    REQUESTED = "已申请"
    HELD = "待统筹"
    SETTLED = "已拨付"
    CANCELLED = "已撤销"
    REVERSED = "已冲销"

    @property
    def is_pending(self) -> bool:
        return self in (PaymentStatus.REQUESTED, PaymentStatus.HELD)
