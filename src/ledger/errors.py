"""One error hierarchy. Each class's docstring is the rule it stands for.

The edge (the CLI) picks the exit code: :class:`MalformedInput` exits 2, every other
:class:`LedgerError` exits 1. Messages are written for finance clerks, in Chinese,
and name the project, the amounts and the rule.
"""

from __future__ import annotations

import re

#: Python's words when int() is given more digits than it converts (4,300 by default)
_TOO_MANY_DIGITS = re.compile(r"Exceeds the limit \(\d+ digits\) for integer string conversion")

TOO_MANY_DIGITS_MESSAGE = "数字过长（超过 4300 位），无法读取：请检查金额、编号、年度和得分等数字"


def too_many_digits(error: BaseException) -> bool:
    """Whether ``int()`` refused a number typed or imported with thousands of digits.

    Such a number can only come from input, so whichever parser met it, it is
    :class:`MalformedInput`.
    """
    return isinstance(error, ValueError) and _TOO_MANY_DIGITS.search(str(error)) is not None


class LedgerError(Exception):
    """Something the ledger refuses to do; nothing has been recorded."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class MalformedInput(LedgerError):
    """Input must be well-formed: amounts, dates, codes and names as documented."""

    exit_code = 2


class UnknownCode(LedgerError):
    """A classification code must be one the ledger knows (well-formed is not enough)."""


class NotFound(LedgerError):
    """The unit, project or payment named must exist."""


class AlreadyExists(LedgerError):
    """A unit or project code is registered once."""


class PermissionRefused(LedgerError):
    """Only roles granted as clerks may record; reporters only read."""


class StoreNotReady(LedgerError):
    """The store must be created with ``ledger init`` before it is used."""


class SealNotRebuilt(LedgerError):
    """The hash chain is never recomputed from the log: it seals what was recorded, when."""


class RuleViolation(LedgerError):
    """A business rule refused the act."""


class QuotaExceeded(RuleViolation):
    """Pending + settled payments of a project never exceed its quota (全年预算数)."""


class AllocationExceedsQuota(RuleViolation):
    """Allocations to payees never exceed the project's quota."""


class PayeeAllocationExceeded(RuleViolation):
    """A payment to a payee with allocations stays within that payee's remaining allocation."""


class ReductionBelowCommitted(RuleViolation):
    """A reduction never takes quota below what is paid or pending (or allocated)."""


class PaymentNotSettleable(RuleViolation):
    """Only requested or held payments may be settled, held or cancelled."""


class RefundExceedsSettled(RuleViolation):
    """Refunds never exceed what was settled."""


class YearClosed(RuleViolation):
    """Nothing is recorded into a closed fiscal year."""


class DateOutsideYear(RuleViolation):
    """An act's date falls in the fiscal year of the act and after what it follows."""


class IdempotencyConflict(RuleViolation):
    """A request key names one payment: reusing it for a different payment is refused."""


class YearCloseRefused(RuleViolation):
    """A year closes once, and a line with pending payments cannot be withdrawn (收回)."""


class AllocationBelowCommitted(RuleViolation):
    """An allocation is never reduced below what its payee has been paid or is pending."""


class NotCorrectable(RuleViolation):
    """Only a settled payment is reversed, an issue once, a line without money amended or closed."""


class ReopenRefused(RuleViolation):
    """Only the last closed year reopens, and not while the next year has acts that rest on its carry-over."""


class StoreUnavailable(LedgerError):
    """The store must be a ledger this program can read and write now: a regular SQLite
    file or a reachable PostgreSQL schema, not locked beyond the wait, not damaged, not
    recorded by a newer program. Nothing is written to a store that is refused."""
