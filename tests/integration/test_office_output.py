"""What a clerk and a reviewer read: click's words in Chinese, aligned tables, files an office opens."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ledger.cli import cli
from ledger.cli.zh import display_width
from tests.conftest import Run, invoke, stored_events

#: click's English words, and any English sentence (a word followed by a small English word)
ENGLISH = re.compile(
    r"Usage|Options|Commands|Show |Error|Missing|Invalid|unexpected|Did you mean|default:|required|No such|Try |"
    r"\b[A-Za-z]+ (?:is|are|the|a|an|of|for|and|to|not|was|were|must|does|takes)\b"
)


def _english(text: str) -> list[str]:
    return [m.group(0) for m in ENGLISH.finditer(text)]


def _paths(command: click.Command, ctx: click.Context, path: list[str]) -> list[list[str]]:
    found = [path]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            found += _paths(sub, click.Context(sub, parent=ctx, info_name=name), [*path, name])
    return found


def _all_paths() -> list[list[str]]:
    return _paths(cli, click.Context(cli, info_name="ledger"), [])


def test_every_help_page_speaks_chinese_and_has_an_example() -> None:
    runner = CliRunner()
    paths = _all_paths()
    assert len(paths) > 40
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"], catch_exceptions=False)
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith("用法："), (path, result.output)
        assert "选项：" in result.output and "显示帮助并退出。" in result.output
        assert _english(result.output) == [], (path, _english(result.output))
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            found = command.get_command(click.Context(command), name)
            assert found is not None
            command = found
        if not isinstance(command, click.Group):
            assert "示例：" in result.output, (path, result.output)


def test_help_pages_fit_a_100_column_terminal_counting_cjk_as_two() -> None:
    for path in _all_paths():
        result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100, catch_exceptions=False)
        too_wide = [line for line in result.output.splitlines() if display_width(line) > 100]
        assert too_wide == [], (path, too_wide)


def test_option_help_is_aligned_by_display_width() -> None:
    result = CliRunner().invoke(cli, ["report", "month", "--help"], catch_exceptions=False)
    lines = result.output.splitlines()
    starts = {
        display_width(line[: line.index(text)])
        for line, text in (
            (next(x for x in lines if x.strip().startswith("--as-of")), "业务日期"),
            (next(x for x in lines if x.strip().startswith("--held-days")), "暂缓"),
        )
    }
    assert len(starts) == 1, lines
    assert "[默认：30]" in result.output


@pytest.mark.parametrize("args", [[], ["help"]])
def test_ledger_alone_and_ledger_help_print_the_help_and_exit_0(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法：ledger [选项] 命令 [参数]...")
    assert "命令：" in result.output and "错误" not in result.output


def test_a_group_alone_prints_its_help_and_exit_0() -> None:
    result = CliRunner().invoke(cli, ["payment"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.startswith("用法：ledger payment [选项] 命令 [参数]...")


def test_ledger_help_names_a_command_and_refuses_an_unknown_one() -> None:
    result = CliRunner().invoke(cli, ["help", "payment", "request"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.startswith("用法：ledger payment request [选项]")
    result = CliRunner().invoke(cli, ["help", "paymnet"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "没有命令“paymnet”" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["init", "extra", "more"], "多余的参数：extra more"),
        (["report", "month", "153001", "2024-05", "--format", "pdf"], "“pdf”不是可选值"),
        (["report", "month", "153001", "2024-05", "--held-days", "x"], "“x”不是有效的整数"),
        (["report", "month", "153001", "2024-05", "--behind", "many"], "“many”不是有效的数"),
        (["report", "month", "153001"], "缺少必填的参数"),
        (["--fromat", "json", "init"], "您是不是要用 --format？"),
        (["report", "mnth"], "没有命令“mnth”"),
        (["report", "month", "153001", "2024-05", "--chart", "/tmp"], "文件“/tmp”是目录，不是文件"),
        (["--version", "x"], "ledger 版本"),
    ],
)
def test_click_errors_are_in_chinese_and_write_nothing(
    tmp_path: Path, args: list[str], words: str
) -> None:
    db = tmp_path / "ledger.db"
    assert invoke(db, "init").exit_code == 0
    before = stored_events(db)
    result = invoke(db, *args)
    assert words in result.output, result.output
    assert _english(result.output) == [], result.output
    if "--version" not in args:
        assert result.exit_code == 2, result.output
        assert result.output.startswith("错误：")
        assert "用法：ledger" in result.output and "用法：用法" not in result.output
    assert stored_events(db) == before


def test_format_is_accepted_after_any_command(unit_with_project: str, run: Run) -> None:
    after = run("history", "153001/P1", "--format", "json")
    before = run("--format", "json", "history", "153001/P1")
    assert after.exit_code == 0, after.output
    assert after.output == before.output
    assert after.output.lstrip().startswith("{")
    nested = run("codes", "list", "--format", "json")
    assert nested.exit_code == 0, nested.output
    assert nested.output.lstrip()[0] in "[{"


def test_every_example_is_a_command_line_click_accepts() -> None:
    import shlex

    from ledger.cli.examples import EXAMPLES

    for path in _all_paths():
        command: click.Command = cli
        ctx = click.Context(cli, info_name="ledger")
        for name in path:
            assert isinstance(command, click.Group)
            found = command.get_command(ctx, name)
            assert found is not None
            ctx, command = click.Context(found, parent=ctx, info_name=name), found
        if isinstance(command, click.Group):
            continue
        words = shlex.split(EXAMPLES[" ".join(path)])
        assert words[0] == "ledger"
        args = words[1:]
        while args[0].startswith("--"):  # the root's own options
            args = args[2:]
        assert args[: len(path)] == path, (path, words)
        command.make_context(" ".join(path), args[len(path) :], parent=click.Context(cli, info_name="ledger"))


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A unit with a long-named project whose quota grew in April, a held payment and a short one."""
    db = tmp_path / "office.db"
    for args in (
        ("init",),
        ("unit", "add", "153001", "福州市鼓楼区工业和信息化局"),
        ("project", "add", "153001", "P1", "2023年福州市工业企业技术改造补助资金（第二批）及配套项目",
         "--function", "2150805", "--category", "特定目标类", "--level", "市级"),
        ("project", "add", "153001", "P2", "中小企业发展专项", "--function", "2159904", "--category", "特定目标类"),
        ("appropriation", "issue", "P1", "100万", "--date", "2024-01-10", "--doc", "榕财企（指）[2024]1号"),
        ("appropriation", "issue", "P2", "20万", "--date", "2024-01-10", "--doc", "榕财企（指）[2024]2号"),
        ("payment", "request", "P1", "30万", "--payee", "福州某某科技有限公司", "--economic", "31299",
         "--date", "2024-02-02", "--settled-on", "2024-02-05"),
        ("appropriation", "issue", "P1", "50万", "--date", "2024-04-10", "--doc", "榕财企（指）[2024]9号"),
        ("payment", "request", "P1", "20万", "--payee", "福州某某机械有限公司", "--economic", "31299",
         "--date", "2024-05-02"),
        ("payment", "hold", "153001/P1/2", "--date", "2024-05-03", "--reason", "待区财政统筹拨付"),
    ):
        result = invoke(db, *args)
        assert result.exit_code == 0, (args, result.output)
    return db


def test_the_chart_is_drawn_in_the_packaged_chinese_font(office: Path, tmp_path: Path) -> None:
    from projections.reports.month import chinese_font

    assert chinese_font().startswith("Noto Sans CJK")  # from the noto-cjk-sans-otc package
    chart = tmp_path / "june.png"
    # a label matplotlib could not draw would warn "Glyph … missing", an error under pytest's filter
    result = invoke(office, "report", "month", "153001", "2024-06", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_chart_notes_the_months_whose_quota_enlarged_the_base() -> None:
    from projections.reports.month import enlarged_months

    series = [(0, 100), (30, 100), (30, 100), (30, 150), (50, 150), (50, 170)]
    assert enlarged_months(series) == [4, 6]
    assert enlarged_months([(0, 100)]) == []
