"""Progress off a terminal: a line on stderr every LEDGER_PROGRESS_EVERY items, none on stdout."""

from __future__ import annotations

import pytest

from ledger import settings
from ledger.errors import MalformedInput
from ledger.progress import Progress, track


def test_a_line_is_printed_each_time_the_count_passes_a_multiple_of_the_period_and_at_the_end(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEDGER_PROGRESS_EVERY", "3")
    with Progress("导入", 7) as progress:
        for _ in range(7):
            progress.advance()
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "导入：已处理 3 / 7 行",
        "导入：已处理 6 / 7 行",
        "导入：已处理 7 / 7 行",
    ]


def test_a_position_reported_in_big_steps_prints_one_line_per_step_with_thousands_separators(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEDGER_PROGRESS_EVERY", "10000")
    with Progress("重建读模型", 120_000, unit="个日志位置") as progress:
        for position in (50_000, 100_000, 120_000):
            progress.reach(position)
    assert capsys.readouterr().err.splitlines() == [
        "重建读模型：已处理 50,000 / 120,000 个日志位置",
        "重建读模型：已处理 100,000 / 120,000 个日志位置",
        "重建读模型：已处理 120,000 / 120,000 个日志位置",
    ]


def test_fewer_items_than_the_period_print_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LEDGER_PROGRESS_EVERY", raising=False)
    assert list(track(list(range(500)), "校验", unit="个事件")) == list(range(500))
    assert capsys.readouterr() == ("", "")


def test_track_counts_each_item_as_the_loop_moves_past_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEDGER_PROGRESS_EVERY", "2")
    seen = []
    for item in track(["a", "b", "c"], "校验", unit="个事件"):
        seen.append((item, capsys.readouterr().err))
    assert seen == [("a", ""), ("b", ""), ("c", "校验：已处理 2 / 3 个事件\n")]
    assert capsys.readouterr().err == "校验：已处理 3 / 3 个事件\n"


@pytest.mark.parametrize("raw", ["0", "abc", "-5", "1.5", "99999999999"])
def test_a_malformed_period_is_refused_naming_the_setting(raw: str) -> None:
    with pytest.raises(MalformedInput, match="LEDGER_PROGRESS_EVERY"):
        settings.check({"LEDGER_PROGRESS_EVERY": raw})
