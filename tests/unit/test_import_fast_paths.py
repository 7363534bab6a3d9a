"""The import's fast paths read every row exactly as the plain way reads it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import commands, importer, parsers
from ledger.errors import MalformedInput
from ledger.text import _normalised, _unusual

PRINTABLE_ASCII = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)


@given(PRINTABLE_ASCII)
def test_printable_ascii_text_is_read_as_the_unicode_rules_read_it(text: str) -> None:
    assert _normalised(text, "NFC") == _unusual(text, "NFC")
    assert _normalised(text, "NFKC") == _unusual(text, "NFKC")


@given(st.text(max_size=20))
def test_any_text_is_read_as_the_unicode_rules_read_it(text: str) -> None:
    assert _normalised(text, "NFKC") == _unusual(text, "NFKC")


def _plain_loads(text: str) -> Any:
    return json.loads(text, parse_float=lambda s: float(s), object_pairs_hook=importer._unique_keys)


def _outcome(read: Any, text: str) -> tuple[str, Any]:
    try:
        return "ok", read(text)
    except json.JSONDecodeError as e:
        return "json", (e.msg, e.colno)
    except importer._DuplicateKey as e:
        return "twice", e.key
    except ValueError as e:
        return "value", str(e)


LINES = [
    '{"op":"unit.add","unit":"350100","name":"单位"}',
    '{"op":"unit.add","unit":"350100","unit":"350101"}',
    '{"op":"x","a":{"b":1,"b":2}}',
    '{"op":"x","a":[1,2.5,{"c":null}],"d":true}',
    '\ufeff{"op":"unit.add"}',
    '{"op":"unit.add"} trailing',
    '  {"op":"unit.add"}  ',
    '{"op":"unit.add",}',
    '{"op": 1e400}',
    '{"op":"x","n":' + "9" * 5000 + "}",
    "[1, 2]",
    '"text"',
    "",
    "{",
]


@pytest.mark.parametrize("text", LINES)
def test_one_decoder_reads_each_line_as_json_loads_does(text: str) -> None:
    assert _outcome(importer._loads, text) == _outcome(_plain_loads, text)


@given(st.dictionaries(st.text(max_size=5), st.one_of(st.text(max_size=5), st.integers(), st.none()), max_size=6))
def test_one_decoder_reads_any_object_as_json_loads_does(obj: dict[str, Any]) -> None:
    text = json.dumps(obj, ensure_ascii=False)
    assert _outcome(importer._loads, text) == _outcome(_plain_loads, text)


def _plain_from_row(op: str, fields: dict[str, str]) -> commands.Command[Any]:
    """How a row was read before its plan was kept: every column looked at, every time."""
    kind = commands.COMMANDS.get(op.strip())
    if kind is None:
        raise MalformedInput(f"未知的操作 op“{op.strip()[:30]}”，可用：{'、'.join(sorted(commands.COMMANDS))}")
    wanted = commands.columns(kind)
    extra = sorted(set(fields) - set(wanted))
    if extra:
        raise MalformedInput(f"未知字段：{'、'.join(extra)}（{kind.op} 可用：{'、'.join(wanted)}）")
    values: dict[str, Any] = {}
    for column, (name, meta, required) in wanted.items():
        text = fields.get(column, "")
        if not text.strip():
            if required:
                raise MalformedInput(f"缺少字段 {column}（{meta.parser.label}）")
            continue
        values[name] = meta.parser.read(text)
    return kind(**values)


def _command(read: Any, op: str, fields: dict[str, str]) -> tuple[str, Any]:
    try:
        return "ok", read(op, fields)
    except MalformedInput as e:
        return "malformed", e.message


ROWS = [
    ("payment.request", {"project": "350100/L000", "amount": "35000", "payee": "企业1", "economic": "31299",
                         "date": "2024-09-13", "key": "k#1", "settled_on": "2024-09-13"}),
    ("payment.request", {"project": "350100/L000", "amount": "35000", "payee": "企业1", "economic": "31299",
                         "date": "2024-09-13", "settled_on": "  "}),
    ("payment.request", {"project": "350100/L000", "amount": " ", "payee": "企业1", "economic": "31299",
                         "date": "2024-09-13"}),
    ("payment.request", {"project": "350100/L000", "amount": "1.234", "payee": "企业1", "economic": "31299",
                         "date": "2024-09-13"}),
    ("payment.request", {"project": "350100/L000", "amount": "35000", "payee": "企业1", "economic": "31299",
                         "date": "2024-09-13", "colour": "red"}),
    (" payment.request ", {"date": "2024-09-13", "project": "P1", "amount": "１２３４.５", "payee": "企业\u202e",
                           "economic": "31299"}),
    ("unit.add", {"unit": "350100", "name": "模拟单位"}),
    ("unit.add", {"name": "模拟单位", "unit": "350100", "kind": "事业"}),
    ("unit.curve", {"unit": "350100", "year": "2024", "points": "   "}),
    ("unit.curve", {"unit": "350100", "year": "2024", "points": "8,16"}),
    ("no.such", {"unit": "350100"}),
    ("appropriation.issue", {"project": "350100/L000", "amount": "427750", "date": "2024-01-01",
                             "doc": "财预〔2024〕1号", "kind": "年初"}),
]


@pytest.mark.parametrize(("op", "fields"), ROWS)
def test_a_row_reads_to_the_same_command_as_when_every_column_was_looked_at(op: str, fields: dict[str, str]) -> None:
    expected = _command(_plain_from_row, op, fields)
    for _ in range(3):  # the first read makes the plan and fills the memos; the others use them
        assert _command(commands.from_row, op, fields) == expected


def test_a_blank_cell_read_anywhere_is_never_remembered_as_a_value() -> None:
    assert parsers.POINTS("   ") == ()  # a parser that accepts a blank text …
    assert "   " not in parsers.POINTS.memo
    # … leaves a required column written blank missing, however often it was read
    fields = {"unit": "350100", "year": "2024", "points": "   "}
    assert _command(commands.from_row, "unit.curve", fields) == ("malformed", "缺少字段 points（序时进度）")
