"""click in Chinese: its own words (usage, help, errors) and a help layout that counts CJK as two.

click wraps every message in ``gettext`` / ``ngettext`` imported into each of its modules;
:func:`install` puts a translating function in their place, so the English msgids a clerk
can meet (with their ``{}``- or ``%``-style placeholders) come out in Chinese. Widths in the
help page are measured by display width (a CJK character takes two columns) and long
Chinese sentences wrap between characters, so a help page fits the terminal it is printed on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import click._compat
import click._textwrap
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

from ledger.layout import CLOSING, _fit, _is_wide, display_width

#: click's msgids → Chinese; placeholders keep click's names (``{value!r}`` may become ``{value}``)
MESSAGES: dict[str, str] = {
    # help pages
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": "注意：命令“{name}”已弃用。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": "注意：{param_type}“{name}”已弃用。{extra_message}",
    # usage errors
    "Aborted!": "已取消。",
    "Missing command.": "缺少命令。用 --help 查看可用的命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Invalid value for {param_hint}: {message}": "参数 {param_hint} 无效：{message}",
    "Invalid value: {message}": "无效的值：{message}",
    "No such option {name!r}.": "没有选项“{name}”。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "用“{command} {option}”查看帮助。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "unknown error": "未知错误",
    "Value must be an iterable.": "值必须是一组值。",
    "Option {name!r} does not take a value.": "选项 {name} 不接受值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    # parameter types
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Choice({choices})": "可选值（{choices}）",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是有效的是/否值，可用：{states}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的 UUID。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件，不是目录。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是目录，不是文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    # prompts
    "Do you want to continue?": "是否继续？",
    "Confirm the action without prompting.": "不再询问，直接确认。",
    "Press any key to continue...": "按任意键继续……",
    "Repeat for confirmation": "请再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
}

#: click's plural msgids, keyed by the singular form → (singular, plural) in Chinese
PLURALS: dict[str, tuple[str, str]] = {
    "Got unexpected extra argument ({args})": ("多余的参数：{args}", "多余的参数：{args}"),
    "Did you mean {possibility}?": ("您是不是要用 {possibility}？", "（您是不是要用以下之一：{possibilities}？）"),
    "Takes {nargs} values but 1 was given.": ("需要 {nargs} 个值，只给了 1 个。", "需要 {nargs} 个值，给了 {len} 个。"),
    "Option {name!r} requires an argument.": ("选项 {name} 需要一个值。", "选项 {name} 需要 {nargs} 个值。"),
    "{value!r} is not {choice}.": ("“{value}”不是可选值，应为：{choice}。", "“{value}”不是可选值，应为：{choices}。"),
    "{value!r} does not match the format {format}.": (
        "“{value}”不符合格式 {format}。",
        "“{value}”不符合以下任一格式：{formats}。",
    ),
    "{len_type} values are required, but {len_value} was given.": (
        "需要 {len_type} 个值，给了 {len_value} 个。",
        "需要 {len_type} 个值，给了 {len_value} 个。",
    ),
}

#: the names click's types show as metavars (``--held-days 整数``) and in their errors
TYPE_NAMES: dict[type[click.ParamType[Any]], str] = {
    click.types.StringParamType: "文本",
    click.types.UnprocessedParamType: "文本",
    click.types.IntParamType: "整数",
    click.types.IntRange: "整数",
    click.types.FloatParamType: "数",
    click.types.FloatRange: "数",
    click.types.BoolParamType: "是/否",
    click.types.UUIDParameterType: "UUID",
    click.types.DateTime: "日期时间",
    click.types.File: "文件名",
}

#: what click puts in a usage line for the options and the subcommand
USAGE_PIECES = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]..."}


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if singular in PLURALS:
        one, many = PLURALS[singular]
        return one if n == 1 else many
    return singular if n == 1 else plural


class WideTextWrapper(click._textwrap.TextWrapper):
    """click's wrapper, measuring display width and breaking Chinese text between characters."""

    def _split(self, text: str) -> list[str]:
        chunks: list[str] = []
        for chunk in super()._split(text):
            if any(_is_wide(c) for c in chunk):
                run = ""
                for c in chunk:
                    if c in CLOSING and (run or chunks):
                        if run:
                            run += c
                        else:
                            chunks[-1] += c  # a line never begins with a closing mark
                    elif _is_wide(c):
                        if run:
                            chunks.append(run)
                            run = ""
                        chunks.append(c)
                    else:
                        run += c
                if run:
                    chunks.append(run)
            else:
                chunks.append(chunk)
        return chunks


class ZhHelpFormatter(click.HelpFormatter):
    """Chinese headings: ``选项：`` and a usage line beginning ``用法：``."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, MESSAGES["Usage:"] if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


def _usage_pieces(original: Callable[[Any, click.Context], list[str]]) -> Callable[[Any, click.Context], list[str]]:
    def collect(self: Any, ctx: click.Context) -> list[str]:
        return [USAGE_PIECES.get(piece, piece) for piece in original(self, ctx)]

    return collect


def _invalid_choice(self: click.Choice[Any], value: Any, ctx: click.Context | None) -> str:
    """click's refusal of a word not in the list, with the words listed the Chinese way (、)."""
    return f"“{value}”不是可选值，应为：{'、'.join(str(c) for c in self.choices)}。"


_installed = False


def install() -> None:
    """Translate click in this process (once): messages, type names, headings and widths."""
    global _installed
    if _installed:
        return
    _installed = True
    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
        click.utils,
    ):
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    for kind, name in TYPE_NAMES.items():
        kind.name = name
    click.formatting.term_len = display_width  # type: ignore[attr-defined,assignment]
    click._textwrap.term_len = display_width  # type: ignore[attr-defined,assignment]
    click._textwrap._truncate_visible = lambda text, n: _fit(text, n) if n > 0 else ""
    click._textwrap.TextWrapper = WideTextWrapper  # type: ignore[misc]
    click.Context.formatter_class = ZhHelpFormatter
    click.Choice.get_invalid_choice_message = _invalid_choice  # type: ignore[method-assign]
    click.Command.collect_usage_pieces = _usage_pieces(click.Command.collect_usage_pieces)  # type: ignore[method-assign,assignment]
    click.Group.collect_usage_pieces = _usage_pieces(click.Group.collect_usage_pieces)  # type: ignore[method-assign,assignment]
