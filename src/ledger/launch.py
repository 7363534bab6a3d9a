"""The ``ledger`` program's entry point.

A plain report on a current SQLite store is run by ``projections.launch`` without
loading click (it prints in a fraction of the time); everything else, and anything that
launcher does not take exactly, is the click command line's (``ledger.cli``).
"""

from __future__ import annotations

import sys


def main() -> None:
    """Console entry point (``ledger`` and ``python -m ledger``)."""
    if "report" in sys.argv[1:]:
        try:
            from projections.launch import run
        except ImportError:  # the package without its read models: click says what is missing
            pass
        else:
            if run(sys.argv[1:]):
                sys.exit(0)
    from ledger.cli import main as command_line

    command_line()
