"""The points book (marketing.rewards.points): lots, FIFO, expiry, reversal — worked examples and
hypothesis properties over random histories."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketing.rewards.points import EARN, EXPIRE, REDEEM, REVERSE, Book, Entry, NotEnoughPoints

D0 = dt.date(2026, 1, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def test_redemption_takes_the_lot_expiring_first():
    book = Book.replay(
        [
            Entry(1, EARN, 100, day(0), expires_on=day(300)),
            Entry(2, EARN, 50, day(10), expires_on=day(100)),  # shorter-lived, spent first
            Entry(3, REDEEM, -70, day(20)),
        ]
    )
    assert book.lots[2].remaining == 0
    assert book.lots[1].remaining == 80
    assert book.balance(day(20)) == 80 == book.total


def test_expired_points_leave_the_balance_on_their_day_even_before_the_entry_is_written():
    book = Book.replay([Entry(1, EARN, 100, day(0), expires_on=day(30)), Entry(2, REDEEM, -40, day(5))])
    assert book.balance(day(29)) == 60
    assert book.available(day(29)) == 60
    assert book.balance(day(30)) == 0  # the expiry day: gone
    assert book.available(day(30)) == 0
    assert [lot.id for lot in book.due_to_expire(day(30))] == [1]
    book.apply(Entry(3, EXPIRE, -60, day(30), lot=1))
    assert book.total == book.balance(day(30)) == 0
    assert book.due_to_expire(day(30)) == []


def test_a_reversal_of_spent_points_makes_the_balance_negative_and_the_next_earning_settles_it():
    book = Book.replay(
        [
            Entry(1, EARN, 100, day(0), expires_on=day(365)),
            Entry(2, REDEEM, -80, day(1)),
            Entry(3, REVERSE, -100, day(2), lot=1),  # exactly what lot 1 earned
        ]
    )
    assert book.total == -80
    assert book.debt == 80
    assert book.available(day(2)) == 0
    book.apply(Entry(4, EARN, 50, day(3), expires_on=day(400)))
    assert book.total == -30
    assert book.lots[4].remaining == 0
    book.apply(Entry(5, EARN, 50, day(4), expires_on=day(400)))
    assert book.total == 20 == book.available(day(4)) == book.lots[5].remaining


def test_a_redemption_above_what_is_available_is_refused():
    book = Book.replay([Entry(1, EARN, 100, day(0), expires_on=day(10))])
    book.check_redeem(100, day(9))
    with pytest.raises(NotEnoughPoints) as refused:
        book.check_redeem(101, day(9))
    assert refused.value.available == 100
    with pytest.raises(NotEnoughPoints):
        book.check_redeem(1, day(10))  # expired on its day


# --- properties ------------------------------------------------------------------------------------
ops = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 500), st.integers(1, 60)),  # points, lifetime
        st.tuples(st.just("redeem"), st.integers(1, 800), st.just(0)),
        st.tuples(st.just("reverse"), st.integers(0, 50), st.just(0)),  # which earning
        st.tuples(st.just("wait"), st.integers(1, 40), st.just(0)),
    ),
    max_size=40,
)


def run(history, *, reversals: bool) -> None:
    """Drive a book as the services do: expiries written before every write, a redemption only
    after check_redeem, a reversal only of an earning not yet reversed."""
    book, today, next_id = Book(), D0, 1
    entries: list[Entry] = []
    reversed_lots: set[int] = set()

    def write(kind, points, **kw):
        nonlocal next_id
        entry = Entry(next_id, kind, points, today, **kw)
        next_id += 1
        book.apply(entry)
        entries.append(entry)

    for op, a, b in history:
        if op == "wait":
            today += dt.timedelta(days=a)
            continue
        for lot in book.due_to_expire(today):
            write(EXPIRE, -lot.remaining, lot=lot.id)
        before = book.total
        if op == "earn":
            write(EARN, a, expires_on=today + dt.timedelta(days=b))
        elif op == "redeem":
            available = book.available(today)
            try:
                book.check_redeem(a, today)
            except NotEnoughPoints:
                assert a > available
                continue
            assert a <= available <= book.balance(today)
            write(REDEEM, -a)
            assert book.total == before - a
        elif op == "reverse" and reversals:
            earnings = [e for e in entries if e.kind == EARN and e.id not in reversed_lots]
            if not earnings:
                continue
            earning = earnings[a % len(earnings)]
            reversed_lots.add(earning.id)
            write(REVERSE, -earning.points, lot=earning.id)
            assert book.total == before - earning.points  # exactly what it earned
        # invariants after every write
        assert book.total == sum(e.points for e in entries)
        assert book.total == sum(lot.remaining for lot in book.lots.values()) - book.debt
        assert all(lot.remaining >= 0 for lot in book.lots.values())
        assert book.available(today) >= 0
        if not reversals:
            assert book.total >= 0
            assert book.debt == 0
        assert Book.replay(entries).total == book.total  # replay gives the same book


@settings(max_examples=200, deadline=None)
@given(ops)
def test_without_reversals_the_balance_is_never_negative_and_redemptions_never_exceed_it(history):
    run(history, reversals=False)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_reversals_take_back_exactly_what_was_earned_and_the_books_add_up(history):
    run(history, reversals=True)
