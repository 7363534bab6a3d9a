"""Extension points: the read models plug in here, so ``ledger`` never imports them.

``projections`` (installed beside ``ledger``, found through the ``ledger.plugins``
entry point) appends to these lists when the command line loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.application import Ledger

#: Called by ``ledger init`` after the event store exists: create read-model tables.
on_init: list[Callable[[Ledger], None]] = []
#: Called after a command recorded events: catch the read models up.
after_write: list[Callable[[Ledger], None]] = []
#: Called when a command is done with the ledger: release connections.
on_close: list[Callable[[Ledger], None]] = []
#: Subcommands a plugin adds to a built-in command group, by the group's name, each as
#: ``"module:attribute"`` imported when used: ``{"unit": {"list": "projections.lists:unit_list"}}``.
#: Consulted when the group itself is loaded (the group must be a ``LazyGroup``).
subcommands: dict[str, dict[str, str]] = {}
