"""A schedule's summary: its totals, and its APR and effective annual rate solved for on first reading."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING

from .apr import _periodic_rates, _schedule_rates
from .enums import Method
from .money import ENGINE_CONTEXT
from .terms import LoanTerms

if TYPE_CHECKING:
    from .schedule import Installment

__all__ = ["ScheduleSummary"]

_SUMMARY_FIELDS = (
    "total_principal",
    "total_interest",
    "total_fees",
    "total_payable",
    "net_proceeds",
    "upfront_fees",
    "apr",
    "effective_annual_rate",
)


class ScheduleSummary:
    """Totals of a schedule and its cost as rates.

    total_fees = upfront + periodic fees; total_payable = sum of payments + upfront fees (everything
    the borrower parts with); net_proceeds = principal - upfront fees (what the borrower receives);
    apr and effective_annual_rate are fractions by Regulation Z Appendix J (see `apr_of_cashflows`).

    Immutable, compared and hashed by its eight values like the frozen dataclass it replaces. A
    schedule's APR is solved for on first reading of `apr` or `effective_annual_rate` (``rates``: a
    function giving both), not when the rows are built: most callers of a schedule (repayment plans,
    prepayment re-amortisation, the calculator's table) never read it. Constructed with `apr` and
    `effective_annual_rate` given, it holds them as is.
    """

    __slots__ = (*(f"_{name}" for name in _SUMMARY_FIELDS), "_rates")
    __match_args__ = _SUMMARY_FIELDS

    def __init__(
        self,
        total_principal: Decimal,
        total_interest: Decimal,
        total_fees: Decimal,
        total_payable: Decimal,
        net_proceeds: Decimal,
        upfront_fees: Decimal,
        apr: Decimal | None = None,
        effective_annual_rate: Decimal | None = None,
        *,
        rates: Callable[[], tuple[Decimal, Decimal]] | None = None,
    ) -> None:
        if (apr is None or effective_annual_rate is None) and rates is None:
            raise TypeError("ScheduleSummary needs apr and effective_annual_rate, or rates to compute them")
        init = object.__setattr__
        init(self, "_total_principal", total_principal)
        init(self, "_total_interest", total_interest)
        init(self, "_total_fees", total_fees)
        init(self, "_total_payable", total_payable)
        init(self, "_net_proceeds", net_proceeds)
        init(self, "_upfront_fees", upfront_fees)
        init(self, "_apr", apr)
        init(self, "_effective_annual_rate", effective_annual_rate)
        init(self, "_rates", None if apr is not None and effective_annual_rate is not None else rates)

    def _solved(self) -> None:
        rates = self._rates
        if rates is not None:
            apr, effective = rates()
            object.__setattr__(self, "_apr", apr)
            object.__setattr__(self, "_effective_annual_rate", effective)
            object.__setattr__(self, "_rates", None)

    @property
    def total_principal(self) -> Decimal:
        return self._total_principal

    @property
    def total_interest(self) -> Decimal:
        return self._total_interest

    @property
    def total_fees(self) -> Decimal:
        return self._total_fees

    @property
    def total_payable(self) -> Decimal:
        return self._total_payable

    @property
    def net_proceeds(self) -> Decimal:
        return self._net_proceeds

    @property
    def upfront_fees(self) -> Decimal:
        return self._upfront_fees

    @property
    def apr(self) -> Decimal:
        if self._rates is not None:
            self._solved()
        return self._apr  # type: ignore[return-value]

    @property
    def effective_annual_rate(self) -> Decimal:
        if self._rates is not None:
            self._solved()
        return self._effective_annual_rate  # type: ignore[return-value]

    def _values(self) -> tuple[Decimal, ...]:
        return tuple(getattr(self, name) for name in _SUMMARY_FIELDS)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: ScheduleSummary is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: ScheduleSummary is immutable")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        values = zip(_SUMMARY_FIELDS, self._values(), strict=True)
        inner = ", ".join(f"{name}={value!r}" for name, value in values)
        return f"ScheduleSummary({inner})"

    def __reduce__(self) -> tuple[type, tuple[Decimal, ...]]:
        return self.__class__, self._values()


def _summarise(
    terms: LoanTerms, rows: Sequence[Installment], regular: bool, total_interest: Decimal
) -> ScheduleSummary:
    """Totals of the rows, and (on first reading, see `ScheduleSummary`) the APR of the schedule's own
    cash flows.

    Only the interest needs summing (the caller has done it: `total_interest`): by construction every
    row has payment = principal + interest + fees, the principal parts add up to the principal (the
    last row repays the balance) and every row carries the same periodic fee, so the other totals
    follow exactly (cent amounts add without rounding in 34 digits); the tests check them against the
    row sums.
    """
    upfront = terms.upfront_fee_total
    net = terms.principal - upfront
    periodic = terms.periodic_fee * len(rows)
    return ScheduleSummary(
        total_principal=terms.principal,
        total_interest=total_interest,
        total_fees=upfront + periodic,
        total_payable=terms.principal + total_interest + periodic + upfront,
        net_proceeds=net,
        upfront_fees=upfront,
        rates=partial(_schedule_apr, terms, net, rows, regular),
    )


def _schedule_apr(
    terms: LoanTerms, net: Decimal, rows: Sequence[Installment], regular: bool
) -> tuple[Decimal, Decimal]:
    """(APR, effective annual rate) of a schedule's cash flows: net proceeds at the start, every payment.

    `regular`: row k falls exactly k unit periods after the start, so the APR polynomial is the
    payments in order and need not be found from the dates (the same result, see `_periodic_rates`).
    """
    with localcontext(ENGINE_CONTEXT):
        if regular:
            # Newton starts from the nominal period rate, close to an amortising loan's APR; a bullet's
            # simple interest compounds to less, and the cash flows' own estimate is exact for it.
            guess = (
                None
                if terms.method is Method.BULLET
                else float(terms.annual_rate) / terms.frequency.periods_per_year
            )
            return _periodic_rates(net, list(map(itemgetter(2), rows)), terms.frequency, guess)
        payments = [(row[1], row[2]) for row in rows if row[2]]
        return _schedule_rates(terms.start_date, net, payments, terms.frequency)
