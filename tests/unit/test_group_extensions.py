"""A plugin adds a subcommand to a built-in group through ``ledger.hooks.subcommands``."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ledger import hooks
from ledger.cli import LazyGroup, cli


@click.command("hello")
def hello() -> None:
    click.echo("你好")


def test_a_subcommand_named_in_the_hooks_joins_its_group_when_the_group_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ledger.cli.units import unit_group

    monkeypatch.setitem(hooks.subcommands, "unit", {"hello": f"{__name__}:hello"})
    cli.commands.pop("unit", None)  # as at start-up: the group not yet loaded
    try:
        result = CliRunner().invoke(cli, ["unit", "hello"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert result.output == "你好\n"
    finally:
        unit_group.lazy.pop("hello", None)
        unit_group.commands.pop("hello", None)
        cli.commands.pop("unit", None)


def test_the_four_finding_groups_accept_plugin_subcommands() -> None:
    ctx = click.Context(cli)
    for name in ("unit", "project", "payment", "appropriation"):
        assert isinstance(cli.get_command(ctx, name), LazyGroup), name
