"""The ``ledger`` program's entry point.

A plain report on a current SQLite store is run by ``projections.launch``, and a plain
``projections rebuild`` of one by ``projections.rebuild_launch``, without loading click
(it prints in a fraction of the time); everything else, and anything that
launcher does not take exactly, is the click command line's (``ledger.cli``), which
starts on the dataclass methods compiled in earlier runs (``ledger.startup``).
"""

from __future__ import annotations

import contextlib
import sys


def main() -> None:
    """Console entry point (``ledger`` and ``python -m ledger``)."""
    if "rebuild" in sys.argv[1:]:  # projections rebuild on SQLite: projections.rebuild_launch
        with contextlib.suppress(ImportError):
            from projections.rebuild_launch import run as rebuild

            if rebuild(sys.argv[1:]):
                sys.exit(0)
    if "report" in sys.argv[1:]:
        try:
            from projections.launch import run
        except ImportError:  # the package without its read models: click says what is missing
            pass
        else:
            if run(sys.argv[1:]):
                sys.exit(0)
    from ledger import startup

    startup.install()  # the dataclasses' methods compiled once, not at every start
    from ledger.cli import main as command_line

    command_line()
