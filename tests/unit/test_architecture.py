"""Imports flow one way: money/codes/calendar/errors ← domain ← application ← cli; ledger never
imports projections or scripts."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "money": 0,
    "codes": 0,
    "calendar": 0,
    "errors": 0,
    "storage": 1,
    "pgrecorder": 1,
    "sqliterecorder": 1,
    "eventkinds": 3,
    "text": 0,
    "files": 0,
    "chain": 0,
    "backup": 3,
    "importer": 3,
    "hooks": 3,
    "domain": 2,
    "application": 3,
    "cli": 4,
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "ledger" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


def test_the_package_never_imports_projections_or_scripts() -> None:
    for path in (ROOT / "src" / "ledger").rglob("*.py"):
        for module in imports_of(path):
            assert not module.startswith(("projections", "scripts")), f"{path} imports {module}"


def test_lower_layers_never_import_higher_ones() -> None:
    for path in (ROOT / "src" / "ledger").rglob("*.py"):
        relative = path.relative_to(ROOT / "src" / "ledger")
        own = LAYERS.get(relative.parts[0].removesuffix(".py"))
        if own is None:
            continue
        for module in imports_of(path):
            other = layer(module)
            assert other is None or other <= own, f"{relative} (layer {own}) imports {module}"


def test_the_domain_keeps_pendulum_out_of_events() -> None:
    for path in (ROOT / "src" / "ledger" / "domain").rglob("*.py"):
        assert "pendulum" not in imports_of(path), path
