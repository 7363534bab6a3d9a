"""The hash chain: each link commits to the previous link and the event's stored form."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.chain import GENESIS, Head, link, seal, successive_links
from ledger.errors import MalformedInput

STORED = st.lists(
    st.tuples(
        st.uuids(), st.integers(min_value=1, max_value=10**6), st.text(max_size=40), st.binary(max_size=300)
    ),
    max_size=20,
)


@given(STORED)
def test_the_batch_links_are_the_links_one_at_a_time(rows: list[tuple[uuid.UUID, int, str, bytes]]) -> None:
    expected, previous = [], GENESIS
    for originator_id, version, topic, state in rows:
        previous = link(previous, originator_id, version, topic, state)
        expected.append(previous)
    batch = list(successive_links(GENESIS, ((o.hex, v, t, s) for o, v, t, s in rows)))
    assert batch == expected


def test_a_changed_byte_changes_the_link_and_every_link_after_it() -> None:
    oid = uuid.uuid4().hex
    rows = [(oid, 1, "t", b'{"amount":100}'), (oid, 2, "t", b'{"amount":200}')]
    tampered = [(oid, 1, "t", b'{"amount":101}'), rows[1]]
    a, b = list(successive_links(GENESIS, rows)), list(successive_links(GENESIS, tampered))
    assert a[0] != b[0] and a[1] != b[1]
    # length prefixes: moving a byte from the topic into the state is a different log
    assert list(successive_links(GENESIS, [(oid, 1, "ab", b"c")])) != list(
        successive_links(GENESIS, [(oid, 1, "a", b"bc")])
    )


def test_the_recorders_seal_is_the_chain_of_links_keyed_by_log_position() -> None:
    events = [(uuid.uuid4(), v, f"t:{v}", f'{{"v": {v}}}'.encode()) for v in (1, 2, 3)]
    rows = seal(GENESIS, [5, 6, 9], events)
    previous = GENESIS
    for (position, oid, version, digest), (o, v, t, s), at in zip(rows, events, (5, 6, 9), strict=True):
        previous = link(previous, o, v, t, s)
        assert (position, oid, version, digest) == (at, str(o), v, previous)


def test_a_head_is_written_and_read_as_count_colon_hash() -> None:
    head = Head(976, "ab" * 32)
    assert str(head) == "976:" + "ab" * 32
    assert Head.parse(f" 976:{'AB' * 32} ") == head
    for bad in ("", "976", ":" + "ab" * 32, "-1:" + "ab" * 32, "976:" + "ab" * 31, "976:" + "zz" * 32):
        with pytest.raises(MalformedInput, match="事件数:哈希"):
            Head.parse(bad)
