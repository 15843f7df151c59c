"""The points book, without Django: lots with expiry, consumed first-in first-out.

A customer's points are an append-only list of entries (`marketing.rewards.models.PointsEntry`);
this module replays them into lots, so every service reads the same answer to "how many points
are left in which lot, and what may be spent today":

- an earning opens a lot that expires on its `expires_on` (it is spendable before that day); it
  first settles any debt a reversal left;
- a redemption takes from the unexpired lots, the one expiring first first (FIFO), and may never
  take more than is available (`Book.check_redeem`);
- a reversal takes back exactly the points an earning gave: from that lot while it has points
  left, then from the other unexpired lots, and what is still missing becomes debt (the balance
  goes negative; the next earnings settle it);
- an expiry takes what is left in its lot on its expiry day;
- a refund (an accepted offer never disbursed) gives a redemption back: exactly the points it
  took from each lot return to that lot, with the lot's original expiry — except the points of
  a lot that has expired by the refund day (unspent, they would have expired: they stay spent).
  Like an earning, the points returned first settle any debt.

The balance is the sum of the entries' points, which equals the points left in the lots less
the debt (the invariant the property tests check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

EARN = "earn"
REDEEM = "redeem"
REVERSE = "reverse"
EXPIRE = "expire"
REFUND = "refund"


class NotEnoughPoints(ValueError):
    """A redemption asks for more points than are available."""

    def __init__(self, asked: int, available: int):
        super().__init__(f"asked {asked} points, {available} available")
        self.asked = asked
        self.available = available


@dataclass(frozen=True)
class Entry:
    """One ledger row as the book needs it. `kind` is one of EARN, REDEEM, REVERSE, EXPIRE; the
    points are signed (earnings and refunds positive, the others negative); `lot` names the
    earning a reversal or expiry refers to, or the redemption a refund gives back."""

    id: int
    kind: str
    points: int
    on: dt.date
    expires_on: dt.date | None = None
    lot: int | None = None


@dataclass
class Lot:
    id: int
    points: int
    earned_on: dt.date
    expires_on: dt.date
    remaining: int

    def spendable_on(self, day: dt.date) -> bool:
        return self.remaining > 0 and day < self.expires_on


@dataclass
class Book:
    lots: dict[int, Lot] = field(default_factory=dict)
    debt: int = 0
    total: int = 0  # the sum of every entry's points
    # What each redemption took, lot by lot ({redemption id: [(lot id, points), …]}).
    taken: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def replay(cls, entries: Iterable[Entry]) -> Book:
        book = cls()
        for entry in sorted(entries, key=lambda e: e.id):
            book.apply(entry)
        return book

    # --- reads -----------------------------------------------------------------------------
    def _fifo(self, day: dt.date) -> list[Lot]:
        return sorted(
            (lot for lot in self.lots.values() if lot.spendable_on(day)),
            key=lambda lot: (lot.expires_on, lot.id),
        )

    def available(self, day: dt.date) -> int:
        """What may be spent on `day`: the unexpired points left, less the debt (never < 0)."""
        return max(sum(lot.remaining for lot in self._fifo(day)) - self.debt, 0)

    def balance(self, day: dt.date) -> int:
        """The balance on `day`: the entries' sum less what has expired but is not written yet."""
        return self.total - sum(lot.remaining for lot in self.due_to_expire(day))

    def due_to_expire(self, day: dt.date) -> list[Lot]:
        """Lots past their expiry day with points left: the expiry entries still to write."""
        return sorted(
            (lot for lot in self.lots.values() if lot.remaining > 0 and lot.expires_on <= day),
            key=lambda lot: (lot.expires_on, lot.id),
        )

    def expiring(self, day: dt.date, *, within_days: int) -> list[Lot]:
        """Unexpired lots with points left that expire within `within_days` of `day`."""
        last = day + dt.timedelta(days=within_days)
        return [lot for lot in self._fifo(day) if lot.expires_on <= last]

    def refundable(self, redemption: int, day: dt.date) -> int:
        """The points a refund of `redemption` on `day` gives back: what it took from the lots
        not expired on `day` (0 for an unknown redemption)."""
        return sum(
            points for lot_id, points in self.taken.get(redemption, []) if day < self.lots[lot_id].expires_on
        )

    def check_redeem(self, points: int, day: dt.date) -> None:
        if points <= 0:
            raise ValueError("a redemption spends a positive number of points")
        available = self.available(day)
        if points > available:
            raise NotEnoughPoints(points, available)

    # --- writes ----------------------------------------------------------------------------
    def _take(self, lots: Iterable[Lot], points: int, record: list | None = None) -> int:
        """Take up to `points` from `lots` in order; returns what is still missing (and, with
        `record`, appends (lot id, points taken) for each lot touched)."""
        for lot in lots:
            if points <= 0:
                break
            taken = min(lot.remaining, points)
            lot.remaining -= taken
            points -= taken
            if record is not None and taken:
                record.append((lot.id, taken))
        return points

    def _refund(self, entry: Entry) -> None:
        if entry.lot not in self.taken:
            raise ValueError("a refund names a redemption")
        if entry.points != self.refundable(entry.lot, entry.on):
            raise ValueError("a refund gives back exactly what its redemption took from unexpired lots")
        for lot_id, points in self.taken.pop(entry.lot):
            lot = self.lots[lot_id]
            if entry.on < lot.expires_on:
                settled = min(self.debt, points)
                self.debt -= settled
                lot.remaining += points - settled

    def apply(self, entry: Entry) -> None:
        self.total += entry.points
        if entry.kind == EARN:
            if entry.points <= 0 or entry.expires_on is None:
                raise ValueError("an earning has positive points and an expiry date")
            lot = Lot(entry.id, entry.points, entry.on, entry.expires_on, entry.points)
            settled = min(self.debt, lot.remaining)
            lot.remaining -= settled
            self.debt -= settled
            self.lots[entry.id] = lot
            return
        if entry.kind == REFUND:
            if entry.points <= 0:
                raise ValueError("a refund has positive points")
            self._refund(entry)
            return
        if entry.points >= 0:
            raise ValueError(f"a {entry.kind} entry has negative points")
        points = -entry.points
        if entry.kind == REDEEM:
            record = self.taken.setdefault(entry.id, [])
            self.debt += self._take(self._fifo(entry.on), points, record)
        elif entry.kind == REVERSE:
            own = self.lots[entry.lot]
            missing = self._take([own], points)
            missing = self._take(self._fifo(entry.on), missing)
            self.debt += missing
        elif entry.kind == EXPIRE:
            own = self.lots[entry.lot]
            if points > own.remaining:
                raise ValueError("an expiry takes at most what is left in its lot")
            own.remaining -= points
        else:
            raise ValueError(f"unknown kind {entry.kind!r}")
