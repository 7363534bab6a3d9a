"""How far a long command has got: import, verify, export, restore, rebuild.

Always on stderr, never on stdout, which may be the command's JSON or CSV document. On
a terminal a bar with the count (``12,000/50,000``); otherwise — a log file, a pipe, a
scheduled job — one line every ``LEDGER_PROGRESS_EVERY`` items (and at least every
:data:`SECONDS` seconds while items come), as ``导入：已处理 12,000 / 50,000 行``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, TypeVar, overload

from ledger import settings

T = TypeVar("T")

#: a line at least this often while items come, however few (off a terminal)
SECONDS = 10.0
#: fewer items than this: no bar on a terminal (it would only flash)
BAR_FROM = 1000


class Progress:
    """Counts items done out of ``total``; use as a context manager.

    ``advance(n)`` adds ``n`` items, ``reach(done)`` sets the count (for callers that
    report a position, as the read-model runner does).
    """

    def __init__(self, label: str, total: int, *, unit: str = "行") -> None:
        self.label = label
        self.total = max(total, 0)
        self.unit = unit
        self.done = 0
        self.every = settings.PROGRESS_EVERY.read()
        self._bar: Any = None
        self._printed = 0  # the count in the last line printed
        self._last = time.monotonic()

    def __enter__(self) -> Progress:
        if sys.stderr.isatty() and self.total >= BAR_FROM:
            import click  # the bar only: a line needs no click (a rebuild may run without it)

            self._bar = click.progressbar(
                length=self.total, label=self.label, show_pos=True, file=sys.stderr
            ).__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
        elif kind is None and self._printed and self._printed < self.done:
            self._line()  # the end, when a line said where it stood before

    def advance(self, n: int = 1) -> None:
        self.reach(self.done + n)

    def reach(self, done: int) -> None:
        step, self.done = done - self.done, done
        if self._bar is not None:
            self._bar.update(step)
            return
        now = time.monotonic()
        crossed = done // self.every > self._printed // self.every
        if done > self._printed and (crossed or now - self._last >= SECONDS):
            self._line()

    def _line(self) -> None:
        sys.stderr.write(f"{self.label}：已处理 {self.done:,} / {self.total:,} {self.unit}\n")
        sys.stderr.flush()
        self._printed = self.done
        self._last = time.monotonic()


class Tracked(Sequence[T]):
    """A sequence that advances a :class:`Progress` by one for each item iterated, for
    a loop that lives in another module and takes a sequence."""

    def __init__(self, items: Sequence[T], progress: Progress) -> None:
        self._items = items
        self._progress = progress

    def __iter__(self) -> Iterator[T]:
        for item in self._items:
            yield item
            self._progress.advance()

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self._items[index]


def track(items: Sequence[T], label: str, *, unit: str = "行") -> Iterator[T]:
    """Iterate ``items`` with a progress line or bar labelled ``label``."""
    with Progress(label, len(items), unit=unit) as progress:
        yield from Tracked(items, progress)
