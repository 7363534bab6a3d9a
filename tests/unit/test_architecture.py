"""Imports flow one way: money/codes/calendar/errors ← domain ← application ← cli; ledger never
imports scripts, and only the command line imports projections (its commands, lazily)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "money": 0,
    "codes": 0,
    "values": 0,
    "calendar": 0,
    "errors": 0,
    "storage": 1,
    "formats": 0,
    "pgrecorder": 1,
    "sqliterecorder": 1,
    "eventkinds": 3,
    "text": 0,
    "files": 0,
    "chain": 0,
    "backup": 3,
    "importer": 3,
    "domain": 2,
    "application": 3,
    "cli": 4,
    "launch": 4,  # the entry point: the command line's first step
}

#: the command line: the click commands, and the entry point that may run a report without them
COMMAND_LINE = ("cli", "launch.py", "__main__.py")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def module_level_imports_of(path: Path) -> set[str]:
    """The imports a module runs as it is loaded (not those inside its functions)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text("utf-8")).body:
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


def test_the_package_never_imports_scripts_and_only_the_command_line_imports_projections() -> None:
    for path in (ROOT / "src" / "ledger").rglob("*.py"):
        in_cli = path.relative_to(ROOT / "src" / "ledger").parts[0] in COMMAND_LINE
        for module in imports_of(path):
            assert not module.startswith("scripts"), f"{path} imports {module}"
            if module.startswith("projections"):
                assert in_cli, f"{path} imports {module}: only the command line uses the read models"


def test_the_command_line_imports_projections_only_when_a_command_needs_them() -> None:
    entry = [ROOT / "src" / "ledger" / "launch.py"]
    for path in [*entry, *(ROOT / "src" / "ledger" / "cli").rglob("*.py")]:
        for module in module_level_imports_of(path):
            assert not module.startswith("projections"), f"{path} imports {module} at start-up"


def test_the_plugin_hooks_and_their_entry_point_are_gone() -> None:
    assert not (ROOT / "src" / "ledger" / "hooks.py").exists()
    assert "ledger.plugins" not in (ROOT / "pyproject.toml").read_text("utf-8")
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "projections").rglob("*.py")]:
        assert not {"ledger.hooks", "importlib.metadata"} & imports_of(path), path


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
