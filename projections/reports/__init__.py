"""The reports: one module per report; each module's ``register`` adds its command."""

from __future__ import annotations

import importlib
import pkgutil

import click


def register(report_group: click.Group, root: click.Group) -> None:
    """Add every report module in this package to ``ledger report`` (or the root)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        hook = getattr(module, "register", None)
        if hook is not None:
            hook(report_group, root)
