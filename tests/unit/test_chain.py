"""The hash chain: each link commits to the previous link and the event's stored form."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ledger.chain import GENESIS, link, successive_links

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
