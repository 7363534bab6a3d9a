"""What a clerk and a reviewer read: click's words in Chinese, aligned tables, files an office opens."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ledger.cli import cli
from ledger.layout import display_width
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
            assert result.output.count("示例：") == 1, (path, result.output)


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
        (["report", "month", "153001", "2024-05", "--held-days", "x"], "天数“x”应为不超过六位的非负整数"),
        (["report", "month", "153001", "2024-05", "--behind", "many"], "百分点“many”不是数字"),
        (["report", "month", "153001"], "缺少必填的参数 YYYY-MM"),
        (["--format", "csv", "init"], "参数 --format 无效：“csv”不是可选值，应为：table、json。"),
        (["--fromat", "json", "init"], "您是不是要用 --format？"),
        (["report", "mnth"], "没有命令“mnth”"),
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


def _report(db: Path, *args: str) -> str:
    result = invoke(db, "report", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_report_tables_fit_100_columns_and_wide_keeps_names_whole(office: Path) -> None:
    name = "2023年福州市工业企业技术改造补助资金（第二批）及配套项目"
    for args in (["month", "153001", "2024-06"], ["backlog", "--unit", "153001"],
                 ["execution", "--unit", "153001", "--year", "2024"]):
        text = _report(office, *args)
        assert max(display_width(line) for line in text.splitlines()) <= 100
        assert name not in text  # wrapped
        assert "2023年福州市" in text
        wide = _report(office, *args, "--wide")
        assert name in wide
        assert max(display_width(line) for line in wide.splitlines()) > 100


def test_table_columns_line_up_by_display_width(office: Path) -> None:
    text = _report(office, "month", "153001", "2024-06")
    lines = text.splitlines()
    head = lines.index("按功能分类科目")
    block = lines[head + 1 : head + 8]
    ruler = block[1]
    assert set(ruler) <= {"-", " "}
    edges = [m.end() for m in re.finditer(r"-+", ruler)]
    for line in block[2:]:
        # each figure ends exactly under the end of its ruler (widths counted CJK as two)
        cut = line.rstrip()
        assert display_width(cut) == edges[-1], line
    codes = [line.split()[0] for line in block[2:]]
    assert codes == ["215", "21508", "2150805", "21599", "2159904"]
    assert all(line.startswith(code) for line, code in zip(block[2:], codes, strict=True))  # codes read left


def test_the_score_rule_footer_speaks_chinese(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _report(office, "execution", "--unit", "153001", "--year", "2024")
    assert "得分规则：按执行率比例计分" in text and "proportional" not in text
    text = _report(office, "execution", "--unit", "153001", "--year", "2024", "--score-rule", "threshold:85")
    assert "执行率达到 85% 得满分 10 分" in text and "threshold" not in text
    assert invoke(office, "score", "set", "P1", "2024", "9.5", "--reason", "评价组认定").exit_code == 0
    text = _report(office, "execution", "--unit", "153001", "--year", "2024")
    assert "已人工认定得分的项目以认定为准，其余按执行率比例计分" in text and "其次" not in text


def test_csv_files_carry_a_bom_or_gbk_on_request(office: Path, tmp_path: Path) -> None:
    plain = tmp_path / "m.csv"
    _report(office, "month", "153001", "2024-06", "--output", str(plain))
    raw = plain.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "项目执行进度" in raw.decode("utf-8-sig")
    gbk = tmp_path / "g.csv"
    _report(office, "month", "153001", "2024-06", "--output", str(gbk), "--encoding", "gbk")
    assert gbk.read_bytes().decode("gbk") == raw.decode("utf-8-sig")


def test_encoding_is_refused_for_anything_but_csv_and_nothing_is_written(office: Path, tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    before = stored_events(office)
    result = invoke(office, "report", "month", "153001", "2024-06", "--output", str(target), "--encoding", "gbk")
    assert result.exit_code == 2
    assert "--encoding 只用于 CSV" in result.output
    assert not target.exists()
    result = invoke(office, "report", "month", "153001", "2024-06", "--encoding", "big5")
    assert result.exit_code == 2 and "“big5”不是可选值" in result.output
    assert stored_events(office) == before


def test_a_name_gbk_cannot_hold_is_refused_before_the_file_is_written(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    for args in (("init",), ("unit", "add", "153001", "局"),
                 ("project", "add", "153001", "P1", "𠀀字项目", "--function", "2150805", "--category", "特定目标类"),
                 ("appropriation", "issue", "P1", "1万", "--date", "2024-01-10", "--doc", "文1")):
        assert invoke(db, *args).exit_code == 0
    target = tmp_path / "g.csv"
    result = invoke(db, "report", "month", "153001", "2024-06", "--output", str(target), "--encoding", "gbk")
    assert result.exit_code == 2
    assert "GBK 无法表示的字符“𠀀”" in result.output
    assert not target.exists()


def test_json_files_are_readable_chinese(office: Path, tmp_path: Path) -> None:
    import json

    target = tmp_path / "m.json"
    _report(office, "month", "153001", "2024-06", "--output", str(target))
    text = target.read_text(encoding="utf-8")
    assert "\\u" not in text and "福州市鼓楼区工业和信息化局" in text
    assert json.loads(text)["month"] == "2024-06"


def test_xlsx_has_a_title_block_number_formats_frozen_bold_headers_text_codes_and_dates(
    office: Path, tmp_path: Path
) -> None:
    import datetime as dt

    from openpyxl import load_workbook

    target = tmp_path / "m.xlsx"
    _report(office, "month", "153001", "2024-06", "--format", "xlsx", "--output", str(target))
    book = load_workbook(target)
    ws = book["项目执行进度"]
    assert ws["A1"].value == "项目执行进度" and ws["A1"].font.bold
    assert ws["A2"].value == "单位：福州市鼓楼区工业和信息化局（153001）"
    assert str(ws["A3"].value).startswith("期间：2024 年 1–6 月")
    assert ws["A4"].value == "金额单位：万元"
    assert [c.value for c in ws[5]][:4] == ["项目", "项目名称", "功能科目", "全年预算数"]
    assert all(c.font.bold for c in ws[5])
    assert ws.freeze_panes == "A6"
    assert ws["C6"].value == "2150805" and ws["C6"].data_type == "s"
    assert ws["D6"].value == 150 and ws["D6"].number_format == "#,##0.00"
    assert 10 <= ws.column_dimensions["A"].width <= 50
    assert ws.column_dimensions["B"].width == 50  # the long name is capped, and wraps
    codes = book["按功能分类科目"]
    assert [codes.cell(row=r, column=1).value for r in range(6, 11)] == ["215", "21508", "2150805", "21599", "2159904"]
    backlog = book["已申请未拨付（含待财政统筹拨付）"]
    row = [c.value for c in backlog[6]]
    assert isinstance(row[5], dt.datetime) and row[5].date() == dt.date(2024, 5, 2)
    assert backlog.cell(row=6, column=6).number_format == "yyyy-mm-dd"
    assert row[6] == 59 and backlog.cell(row=6, column=7).number_format == "0"


@pytest.mark.parametrize("target", ["P1", "153001/P1/2", "153001"])
def test_history_has_column_headings_aligned_by_display_width(office: Path, target: str) -> None:
    result = invoke(office, "history", target)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split() == ["序号", "业务日期", "记录时间", "记录人", "事项", "金额（元）", "说明"]
    ruler = lines[2]
    edges = [m.end() for m in re.finditer(r"-+", ruler)]
    assert len(edges) == 7
    events = [line for line in lines[3:] if line.startswith("#")]
    assert events
    for line in events:
        # every column is padded by display width, so 说明 starts at one column on every line
        prefix = _prefix(line, edges[5] + 2)
        assert display_width(prefix) == edges[5] + 2 and prefix.endswith("  "), line
        assert line[len(prefix)] != " ", line
    assert all(display_width(line) <= 100 for line in lines[1:])


def _prefix(line: str, columns: int) -> str:
    """The start of ``line`` that takes ``columns`` display columns."""
    out = ""
    for c in line:
        if display_width(out) >= columns:
            break
        out += c
    return out


def test_history_amounts_line_up_under_their_heading(office: Path) -> None:
    lines = invoke(office, "history", "P1").output.splitlines()
    edge = [m.end() for m in re.finditer(r"-+", lines[2])][5]
    amounts = [line for line in lines if re.search(r"\d,\d{3}\.\d{2}", line) and line.startswith("#")]
    assert len(amounts) == 6
    for line in amounts:
        match = next(m for m in re.finditer(r"[\d,]+\.\d{2}", line))
        assert display_width(line[: match.end()]) == edge, line


def test_the_month_report_lists_each_open_payment_once(office: Path) -> None:
    text = _report(office, "month", "153001", "2024-06", "--wide")
    assert text.count("153001/P1/2") == 1  # in the backlog, not again among the warnings
    assert text.count("已申请未拨付（含待财政统筹拨付）") == 1
    warning = next(line for line in text.splitlines() if line.startswith("暂缓超期"))
    assert "1 笔共 20.00 万元暂缓超过 30 天（最长 58 天）" in warning


def test_the_month_report_takes_format_and_wide_after_its_arguments(office: Path) -> None:
    import json

    data = json.loads(_report(office, "month", "153001", "2024-06", "--format", "json"))
    assert data == json.loads(_report(office, "month", "--format", "json", "153001", "2024-06"))
    assert data["warnings"][-1]["type"] == "暂缓超期"


@pytest.mark.parametrize(
    ("positional", "named"),
    [
        (["execution", "153001", "2024"], ["execution", "--unit", "153001", "--year", "2024"]),
        (["backlog", "153001", "2024"], ["backlog", "--year", "2024", "--unit", "153001"]),
        (["backlog", "153001"], ["backlog", "--unit", "153001"]),
    ],
)
def test_every_report_takes_unit_and_year_as_arguments(office: Path, positional: list[str], named: list[str]) -> None:
    assert _report(office, *positional) == _report(office, *named)
    assert _report(office, *positional, "--format", "json") == _report(office, "--format", "json", *named)


def test_a_unit_named_two_ways_differently_is_refused(office: Path) -> None:
    result = invoke(office, "report", "execution", "153001", "--unit", "153002")
    assert result.exit_code == 2
    assert "单位写了两次且不一致" in result.output


def test_projections_status_lines_up_by_display_width(office: Path) -> None:
    lines = invoke(office, "projections", "status").output.splitlines()
    assert lines[0].split() == ["读模型", "已处理", "日志末尾", "落后"]
    ends = [m.end() for m in re.finditer(r"-+", lines[1])]
    for line in lines[2:]:
        numbers = list(re.finditer(r"\d+", line))
        assert [display_width(line[: m.end()]) for m in numbers] == ends[1:], line


@pytest.mark.parametrize(
    ("text", "size", "lines"),
    [
        ("文号：榕财企（指）[2024]17号", 14, ["文号：榕财企", "（指）[2024]17", "号"]),
        ("技术改造（第二批）", 8, ["技术改造", "（第二", "批）"]),  # no line begins with ）nor ends with （
        ("项目（特定目标类，2150805，一般）", 20, ["项目（特定目标类，", "2150805，一般）"]),  # a code stays whole
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),  # longer than a line: cut
        ("a b  c", 3, ["a b", "c"]),
        ("", 5, [""]),
    ],
)
def test_chinese_wraps_by_display_width_and_typesetting_rules(text: str, size: int, lines: list[str]) -> None:
    from ledger.layout import wrap

    assert wrap(text, size) == lines
    assert all(display_width(line) <= size for line in lines)


def test_the_chart_names_the_months_labels_each_point_and_notes_a_grown_base() -> None:
    from decimal import Decimal

    from projections.reports.month import chart_figure

    series = [(0, 10000), (2500, 10000), (2500, 10000), (2500, 15000), (3000, 15000), (3000, 15000)]
    curve = [Decimal(m * 100) / 12 for m in range(1, 13)]
    fig = chart_figure(2024, 6, series, curve, "福州市鼓楼区工业和信息化局")
    ax = fig.axes[0]
    assert ax.get_title() == "福州市鼓楼区工业和信息化局\n2024 年 1–6 月累计执行率与序时进度（截至 6 月末）"
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["0.00%", "25.00%", "25.00%", "16.67%", "20.00%", "20.00%"]
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["1月", "2月"]
    assert ax.get_ylabel() == "累计执行率（%）"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["累计执行率", "序时进度"]
    notes = [t.get_text() for t in fig.texts]
    assert len(notes) == 1 and notes[0].startswith("注：4 月新下达（追加）指标")
    assert ax.title.get_fontfamily()[0].startswith("Noto Sans CJK")
    flat = chart_figure(2024, 3, series[:3], curve, "局")
    assert flat.texts == []


def test_without_a_chinese_font_the_chart_is_refused_before_any_work(
    office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from matplotlib import font_manager

    monkeypatch.setitem(sys.modules, "noto_cjk_sans_otc", None)  # the package is not installed
    latin = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name and "WenQuanYi" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    chart = tmp_path / "june.png"
    result = invoke(office, "report", "month", "153001", "2024-06", "--chart", str(chart))
    assert result.exit_code == 1
    assert "画图需要中文字体" in result.output and "noto-cjk-sans-otc" in result.output
    assert not chart.exists() and "项目执行进度" not in result.output
