"""Hostile input through the command line and the import reader: never a traceback."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.cli import cli
from tests.conftest import stored_events

words = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "153001",
            "153001/P1",
            "P1",
            "P1/1",
            "153001/P1/1",
            "2024-03-01",
            "2024-02-30",
            "100",
            "1.234",
            "-1",
            "12.34万",
            "31299",
            "2150805",
            "--date",
            "--payee",
            "--economic",
            "--reason",
            "--doc",
            "--key",
            "--settled-on",
            "--kind",
            "年初",
            "特定目标类",
            "'; DROP",
            "\x00",
            "x" * 300,
        ]
    ),
)
commands = st.sampled_from(
    [
        ["payment", "request"],
        ["payment", "settle"],
        ["payment", "hold"],
        ["payment", "refund"],
        ["payment", "cancel"],
        ["appropriation", "issue"],
        ["appropriation", "reduce"],
        ["allocation", "add"],
        ["project", "add"],
        ["unit", "add"],
        ["income", "add"],
        ["year", "close"],
        ["history"],
        ["score", "set"],
    ]
)


def prepared(tmp_path: Path) -> str:
    db = str(tmp_path / "fuzz.db")
    runner = CliRunner()
    for args in (
        ["init"],
        ["unit", "add", "153001", "局"],
        ["project", "add", "153001", "P1", "项目", "--function", "2150805", "--category", "特定目标类"],
        ["appropriation", "issue", "P1", "100", "--date", "2024-01-05", "--doc", "文"],
    ):
        assert runner.invoke(cli, ["--db", db, *args]).exit_code == 0
    return db


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=commands, args=st.lists(words, max_size=8))
def test_random_command_lines_never_produce_a_traceback(
    tmp_path: Path, command: list[str], args: list[str]
) -> None:
    db = str(tmp_path / "fuzz.db")
    if not Path(db).exists():
        prepared(tmp_path)
    result = CliRunner().invoke(cli, ["--db", db, *command, *args])
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Traceback" not in result.output and "内部错误" not in result.output, result.output
    if result.exit_code != 0:
        assert result.output.startswith("错误："), result.output


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8"))),
    suffix=st.sampled_from([".jsonl", ".csv"]),
)
def test_random_import_files_are_refused_cleanly_and_write_nothing(
    tmp_path: Path, content: bytes, suffix: str
) -> None:
    db = str(tmp_path / "fuzz.db")
    if not Path(db).exists():
        prepared(tmp_path)
    before = stored_events(db)
    file = tmp_path / f"in{suffix}"
    file.write_bytes(content)
    result = CliRunner().invoke(cli, ["--db", db, "import", str(file)])
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Traceback" not in result.output and "内部错误" not in result.output, result.output
    if result.exit_code != 0:
        assert stored_events(db) == before
