"""The 文号台账's rule: paid, then pending, go to a line's 文号 in the order they were issued."""

from __future__ import annotations

from projections.lists import DocLine, _allocate


def line(doc: str, issued: int, order: int) -> DocLine:
    return DocLine("p", doc, first=(order, 0), issued=issued)


def test_paid_fills_the_first_issued_doc_before_the_next() -> None:
    first, second = line("文A", 100, 1), line("文B", 50, 2)
    _allocate([first, second], 120, "paid")
    _allocate([first, second], 20, "pending")
    assert (first.paid, first.pending, first.left) == (100, 0, 0)
    assert (second.paid, second.pending, second.left) == (20, 20, 10)


def test_a_doc_with_nothing_left_is_skipped_and_what_no_doc_can_hold_stays_on_the_last() -> None:
    reduced, issued = DocLine("p", "文R", first=(1, 0), reduced=30), line("文B", 50, 2)
    _allocate([reduced, issued], 70, "paid")
    assert (reduced.paid, issued.paid) == (0, 70)
    assert reduced.paid + issued.paid == 70 and issued.left == -20
