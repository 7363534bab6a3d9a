"""The msgspec transcoder writes the library's JSON byte for byte, for every event kind
and for any value the library can write; what it does not cover, the library writes."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from eventsourcing.utils import resolve_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import DateAsISO
from ledger.eventkinds import fields_of, kinds
from ledger.transcoder import MsgspecTranscoder
from tests.unit.test_event_round_trip import every_event

TRANSCODINGS = (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO())


def library() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in TRANSCODINGS:
        transcoder.register(transcoding)
    return transcoder


def fast() -> MsgspecTranscoder:
    transcoder = MsgspecTranscoder()
    for transcoding in TRANSCODINGS:
        transcoder.register(transcoding)
    return transcoder


LIBRARY, FAST = library(), fast()


def same_bytes_or_same_refusal(value: Any) -> None:
    try:
        expected = LIBRARY.encode(value)
    except Exception as e:
        with pytest.raises(type(e)):
            FAST.encode(value)
        return
    assert FAST.encode(value) == expected
    assert FAST.decode(expected) == LIBRARY.decode(expected)


def test_every_event_class_is_written_byte_for_byte_as_the_library_writes_it() -> None:
    library_mapper, fast_mapper = Mapper[Any](transcoder=LIBRARY), Mapper[Any](transcoder=FAST)
    events = every_event()
    assert len({type(e) for e in events}) > 20
    for event in events:
        stored = fast_mapper.to_stored_event(event)
        assert stored.state == library_mapper.to_stored_event(event).state
        assert fast_mapper.to_domain_event(stored) == event


#: text with what JSON must escape, quotes, CJK, astral characters and lone surrogates
TEXT = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF) | st.characters(categories=["Cs"]), max_size=30
)
DATETIMES = st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))]))


def value_of(hint: Any) -> st.SearchStrategy[Any]:
    """Values of an event field's declared type, with the awkward ones well represented."""
    if hint is str:
        return TEXT
    if hint is int:
        return st.integers() | st.integers(-(2**70), 2**70)
    if hint is dt.date:
        return st.dates()
    if hint is dt.datetime:
        return DATETIMES
    return st.from_type(hint)


@st.composite
def event_states(draw: st.DrawFn) -> dict[str, Any]:
    """The stored state of an event of any recorded kind, in its field order."""
    topic = draw(st.sampled_from(sorted(kinds())))
    hints = fields_of(resolve_topic(topic))
    return {name: draw(value_of(hint)) for name, hint in hints.items()}


@settings(max_examples=400, deadline=None)
@given(event_states())
def test_the_state_of_any_event_of_any_kind_is_written_as_the_library_writes_it(
    state: dict[str, Any],
) -> None:
    same_bytes_or_same_refusal(state)


class Colour(enum.Enum):
    RED = "red"


class Fund(enum.StrEnum):
    GENERAL = "一般公共预算"


class Label(str):
    pass


ANY_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | TEXT
    | st.dates()
    | DATETIMES
    | st.uuids()
    | st.decimals(allow_nan=False)
    | st.sampled_from([Fund.GENERAL, Label("标签"), Colour.RED, dt.time(1, 2), b"bytes", 1 + 2j]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(TEXT | st.integers() | st.booleans() | st.none() | st.floats(), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=600, deadline=None)
@given(ANY_VALUE)
def test_any_value_is_written_as_the_library_writes_it_or_refused_as_the_library_refuses_it(
    value: Any,
) -> None:
    same_bytes_or_same_refusal(value)


def test_what_the_fast_way_does_not_cover_is_the_librarys_to_write_or_refuse() -> None:
    # floats (msgspec writes 1e16 where Python writes 1e+16), subclasses of JSON types, non-text keys
    for value in ({"x": 1e16}, {"f": Fund.GENERAL}, {1: "a", None: "b"}, [Label("甲")]):
        assert FAST.encode(value) == LIBRARY.encode(value)
    assert FAST.encode({"x": 1e16}) == b'{"x":1e+16}'
    with pytest.raises(TranscodingNotRegisteredError):
        FAST.encode({"t": dt.time(1, 2)})
    with pytest.raises(UnicodeEncodeError):
        FAST.encode({"text": "\ud800"})
    with pytest.raises(ValueError, match="Circular"):
        loop: list[Any] = []
        loop.append(loop)
        FAST.encode(loop)


def test_registered_types_are_written_with_their_transcodings_names() -> None:
    state = {
        "on": dt.date(2024, 1, 2),
        "id": uuid.UUID(int=1),
        "d": decimal.Decimal("1.50"),
        "n": [dt.date(2024, 3, 4)],
    }
    assert FAST.encode(state) == (
        b'{"on":{"_type_":"date_iso","_data_":"2024-01-02"},'
        b'"id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000001"},'
        b'"d":{"_type_":"decimal_str","_data_":"1.50"},"n":[{"_type_":"date_iso","_data_":"2024-03-04"}]}'
    )
