"""The read models' commands join the command line through its tables of lazily imported
commands: the lists join the built-in groups as these are loaded."""

from __future__ import annotations

import importlib

import click
import pytest
from click.testing import CliRunner

from ledger.cli import COMMANDS, SUBCOMMANDS, LazyGroup, cli


@click.command("hello")
def hello() -> None:
    click.echo("你好")


def test_a_subcommand_named_in_the_extend_table_joins_its_group_when_the_group_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ledger.cli.units import unit_group

    monkeypatch.setitem(cli.extend, "unit", {**cli.extend["unit"], "hello": f"{__name__}:hello"})
    cli.commands.pop("unit", None)  # as at start-up: the group not yet loaded
    try:
        result = CliRunner().invoke(cli, ["unit", "hello"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert result.output == "你好\n"
    finally:
        unit_group.lazy.pop("hello", None)
        unit_group.commands.pop("hello", None)
        cli.commands.pop("unit", None)


def test_the_four_finding_groups_get_their_list_from_the_read_models() -> None:
    ctx = click.Context(cli)
    for name in ("unit", "project", "payment", "appropriation"):
        group = cli.get_command(ctx, name)
        assert isinstance(group, LazyGroup), name
        assert group.lazy["list"] == SUBCOMMANDS[name]["list"], name
        assert group.get_command(ctx, "list") is not None, name


def test_every_command_the_tables_name_can_be_imported() -> None:
    named = [*COMMANDS.values(), *(t for table in SUBCOMMANDS.values() for t in table.values())]
    for target in named:
        module, _, attribute = target.partition(":")
        assert isinstance(getattr(importlib.import_module(module), attribute), click.Command), target


def test_the_report_group_lists_every_report() -> None:
    ctx = click.Context(cli)
    report = cli.get_command(ctx, "report")
    assert isinstance(report, click.Group)
    assert report.list_commands(ctx) == ["backlog", "balances", "execution", "final-accounts", "month"]
