"""The ``ledger`` command line: one module per command group; parse at the edge.

Exit codes: 0 done, 1 refused by a rule or not found, 2 malformed input.

The command line is the one part of the package that uses the read models
(``projections``, beside ``ledger`` in the same checkout): it names their commands in
the tables below and imports them only when one is used, so a clerk's command does not
load the reports and nothing needs installing for them to be found.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger import settings
from ledger.cli import examples, zh
from ledger.errors import TOO_MANY_DIGITS_MESSAGE, LedgerError, MalformedInput, too_many_digits
from ledger.storage import Store, parse_url, store_fault

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.commands import Command

T = TypeVar("T")

zh.install()  # click's own words in Chinese, before any command is declared


@dataclass
class Session:
    """What every command needs: where the ledger is, how to print, who is acting."""

    db: str | None
    fmt: str
    actor_flag: str | None
    _store: Store | None = None
    _ledger: Ledger | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            store = parse_url(self.db)
            # open nothing that cannot be this program's ledger: a FIFO, a device, a
            # damaged store, or one recorded by a newer program
            store.exists()
            self._store = store
        return self._store

    @property
    def actor(self) -> str:
        """Who records: the OS user on SQLite (or --actor); the database role on PostgreSQL."""
        if not self.store.is_sqlite:
            if self.actor_flag:
                raise MalformedInput(
                    "PostgreSQL 账簿的记录人是登录数据库的角色，不能用 --actor 指定；请以自己的角色连接。"
                )
            return self.ledger().database_role()
        if self.actor_flag:
            return self.actor_flag
        import getpass

        from ledger.text import clean_text

        return settings.actor_name() or clean_text(
            getpass.getuser(), label="记录人（操作系统用户名）", max_length=64
        )

    def ledger(self, *, create_tables: bool = False) -> Ledger:
        if self._ledger is None:
            from ledger.application import Ledger  # the event library: only commands that use it load it

            if create_tables:
                self.store.prepare()
            else:
                self.store.require_ready()
            self._ledger = Ledger(self.store, create_tables=create_tables)
        return self._ledger

    def execute(self, command: Command[T], *, dry_run: bool = False) -> T:
        """Decide and record one act as this session's actor (a batch of one)."""
        return self.ledger().execute(command, actor=self.actor, dry_run=dry_run)

    def wrote(self) -> None:
        """Called after a command recorded events: catches the read models up.

        The act is already recorded; if the read models cannot be brought up to date now
        (a busy database, say), the clerk is told, and the next report catches them up.
        """
        for warning in self.ledger().warnings:
            click.echo(f"注意：{warning}", err=True)
        self.ledger().warnings.clear()
        from projections import commands

        try:
            commands.catch_up(self.ledger())
        except Exception as e:
            if os.environ.get("LEDGER_DEBUG"):
                raise
            click.echo(
                f"注意：已记录成功，但读模型暂未更新（{type(e).__name__}）；下一次查询报表时会自动补上。",
                err=True,
            )

    def initialised(self) -> None:
        """Called by ``ledger init`` once the event store exists: the read-model tables."""
        from projections import commands

        commands.create_tables(self.ledger())

    def close(self) -> None:
        if self._ledger is not None:
            runner = sys.modules.get("projections.runner")  # loaded only if a command used it
            if runner is not None:
                runner.dispose(self._ledger.store)
            self._ledger.close()
            self._ledger = None

    def emit(self, text: str, data: dict[str, Any] | list[Any]) -> None:
        if self.fmt == "json":
            click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            click.echo(text)


pass_session = click.make_pass_decorator(Session)


class LazyGroup(click.Group):
    """A group whose commands are imported only when they are used.

    ``lazy`` maps a command name to ``"module:attribute"``; start-up stays lean because
    a clerk's command does not import every report. ``extend`` adds commands to the
    lazy groups it loads, by group name, in the same form (the read models' lists
    join the built-in ``unit``, ``project`` … groups that way).
    """

    def __init__(
        self,
        *args: Any,
        lazy: dict[str, str] | None = None,
        extend: dict[str, dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = dict(lazy or {})
        self.extend: dict[str, dict[str, str]] = {k: dict(v) for k, v in (extend or {}).items()}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            import importlib

            module, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if isinstance(command, LazyGroup):
                command.lazy.update(self.extend.get(cmd_name, {}))
            self.add_command(command, cmd_name)
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            finish(command, " ".join([*ctx.command_path.split()[1:], cmd_name]))
        return command


def _set_format(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    session = ctx.find_object(Session)
    if value is not None and session is not None:
        session.fmt = value


def finish(command: click.Command, path: str) -> None:
    """What every command gets as it is loaded: its example, and ``--format`` after it.

    ``--format`` may follow the command as well as precede it (``ledger history P1
    --format json``, ``ledger report --format json month …``): reports declare their own
    (with csv, xlsx and md); every other command and group gets one that sets the
    session's format.
    """
    examples.attach(command, path)
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            finish(sub, f"{path} {name}")
    if any("--format" in p.opts for p in command.params if isinstance(p, click.Option)):
        return
    command.params.append(
        click.Option(
            ["--format", "fmt_after"],
            type=click.Choice(["table", "json"]),
            default=None,
            expose_value=False,
            callback=_set_format,
            help="输出格式：table（表格，默认）或 json；写在命令前后均可。",
        )
    )


class LedgerGroup(LazyGroup):
    """The root group: turns every error into one Chinese message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Check the settings before any command loads; name a failing store's fault."""
        settings.check()
        try:
            return super().invoke(ctx)
        except (LedgerError, click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except ValueError as e:
            if not too_many_digits(e):
                raise
            raise MalformedInput(f"输入中的{TOO_MANY_DIGITS_MESSAGE}") from None
        except Exception as e:
            session = ctx.obj if isinstance(ctx.obj, Session) else None
            store = session._store if session is not None else None
            fault = store_fault(e, store)
            if fault is None or os.environ.get("LEDGER_DEBUG"):
                raise
            raise fault from e

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            _say("已取消。")
            sys.exit(1)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.ctx.get_help())  # `ledger` or `ledger payment` alone: the help, not an error
            sys.exit(0)
        except click.ClickException as e:
            ctx = getattr(e, "ctx", None)
            _say(f"错误：{_usage_message(e)}")
            if ctx is not None and isinstance(e, click.UsageError):
                _say(ctx.get_usage())  # click's usage, in Chinese, begins 用法：
            sys.exit(2)
        except LedgerError as e:
            _say(f"错误：{e.message}")
            sys.exit(e.exit_code)
        except Exception as e:
            if os.environ.get("LEDGER_DEBUG"):
                raise
            _say(
                f"内部错误（{type(e).__name__}）：{e}。未完成的操作没有记录任何内容；"
                "设置 LEDGER_DEBUG=1 可查看详细信息，请报告给维护人员。"
            )
            sys.exit(1)
        sys.exit(0)


def _say(message: str) -> None:
    """Print an error message with any user text in it made harmless (no live ESC/OSC)."""
    from ledger.text import harmless

    click.echo(harmless(message), err=True)


#: every command, imported when used: a report need not load the aggregates, nor a
#: clerk's command the reports
COMMANDS = {
    "init": "ledger.cli.store:init",
    "codes": "ledger.cli.store:codes_group",
    "db": "ledger.cli.store:db_group",
    "unit": "ledger.cli.units:unit_group",
    "project": "ledger.cli.units:project_group",
    "appropriation": "ledger.cli.money:appropriation_group",
    "allocation": "ledger.cli.money:allocation_group",
    "payment": "ledger.cli.money:payment_group",
    "income": "ledger.cli.money:income_group",
    "score": "ledger.cli.money:score_group",
    "target": "ledger.cli.money:target_group",
    "year": "ledger.cli.year:year_group",
    "history": "ledger.cli.history:history",
    "import": "ledger.cli.importing:import_file",
    "report": "projections.commands:report_group",
    "projections": "projections.commands:projections_group",
    "reconcile": "projections.reports.reconcile:reconcile",
    "verify": "projections.audit:verify_command",
    "export": "projections.audit:export_command",
    "restore": "projections.audit:restore_command",
}
#: the lists (finding things), added to the built-in groups when these are loaded
SUBCOMMANDS = {
    "unit": {"list": "projections.lists:unit_list"},
    "project": {"list": "projections.lists:project_list"},
    "payment": {"list": "projections.lists:payment_list"},
    "appropriation": {"list": "projections.lists:appropriation_list"},
}


@click.group(
    "ledger",
    cls=LedgerGroup,
    lazy=COMMANDS,
    extend=SUBCOMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    envvar="LEDGER_DB",
    default=None,
    metavar="URL",
    help="账簿位置：SQLite 文件路径（默认 ./ledger.db）或 postgresql://用户@主机/数据库；也可用 LEDGER_DB。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="输出格式：表格（人读）或 JSON（程序读）。",
)
@click.option("--actor", default=None, help="记录人（默认为操作系统用户名）。")
@click.version_option(package_name="ledger")
@click.pass_context
def cli(ctx: click.Context, db: str | None, fmt: str, actor: str | None) -> None:
    """ledger：预算单位资金支付台账（指标账与支付账），事件溯源，精确到分。"""
    if actor is not None:
        from ledger.text import clean_text

        try:
            actor = clean_text(actor, label="记录人", max_length=64)
        except LedgerError as e:
            raise click.BadParameter(e.message, param_hint="--actor") from None
    session = Session(db=db, fmt=fmt, actor_flag=actor)
    ctx.obj = session
    ctx.call_on_close(session.close)


@cli.command("help")
@click.argument("names", nargs=-1, metavar="[命令]...")
@click.pass_context
def help_command(ctx: click.Context, names: tuple[str, ...]) -> None:
    """显示帮助（全部命令，或一个命令的用法）。"""
    parent = ctx.find_root()
    command: click.Command = parent.command
    for name in names:
        found = command.get_command(parent, name) if isinstance(command, click.Group) else None
        if found is None:
            where = parent.command_path
            raise click.UsageError(
                f"没有命令“{name}”（在“{where}”下）；用 {where} --help 查看可用的命令。", parent
            )
        parent = found.make_context(name, [], parent=parent, resilient_parsing=True)
        command = found
    click.echo(parent.get_help())


#: click's words (in Chinese, see zh.py) for a command name it does not know
NO_SUCH_COMMAND = re.compile(r"没有命令“(.*)”。")


#: click puts a parameter's name in 'quotes'; a Chinese message names it bare
QUOTE = "'"


def _usage_message(e: click.ClickException) -> str:
    if isinstance(e, click.MissingParameter):
        missing = (
            e.param.get_error_hint(e.ctx).replace(QUOTE, "")
            if e.param is not None and e.ctx is not None
            else ""
        )
        helptext = getattr(e.param, "help", None) or ""
        return f"缺少必填的参数 {missing}" + (f"（{helptext}）" if helptext else "")
    if isinstance(e, click.BadParameter):
        hint: str | None = e.param_hint if isinstance(e.param_hint, str) else None
        if hint is None and e.param is not None:
            hint = e.param.get_error_hint(e.ctx) if e.ctx else e.param.name
        return f"参数 {(hint or '').replace(QUOTE, '')} 无效：{e.message}"
    if isinstance(e, click.NoSuchOption):
        name = e.option_name
        if name[1:2].isdigit() or name[1:2] in ("０１２３４５６７８９"):
            return f"金额“{name}”不能为负数：退款、调减请用 payment refund、appropriation reduce"
        close = f"您是不是要用 {'、'.join(sorted(e.possibilities))}？" if e.possibilities else ""
        return f"没有这个选项：{name}。{close}用 --help 查看可用选项。"
    if isinstance(e, click.UsageError):
        unknown = NO_SUCH_COMMAND.fullmatch(e.message)
        if unknown and e.ctx is not None and isinstance(e.ctx.command, click.Group):
            known = "、".join(e.ctx.command.list_commands(e.ctx))
            return f"没有命令“{unknown[1]}”，可用的命令：{known}"
        return f"用法错误：{e.message}"
    return e.message


def main() -> None:
    """Console entry point."""
    cli.main(prog_name="ledger")
