r"""The one algebra of linear and inverse contracts (:ref:`rule-futures-margin-pnl`).

Linear and inverse contracts differ by one change of variable. With

.. math::

    X = P \text{ (linear)} \qquad X = 1/P \text{ (inverse)}, \qquad
    k = +1 \text{ (linear)},\ -1 \text{ (inverse)}, \qquad s = \pm 1 \text{ (long/short)}

and ``Q`` the size times the contract size, both kinds read the same:

.. math::

    notional(P) = Q X, \qquad PnL(P) = k s Q (X - x_e), \qquad
    net(P) = k s Q (X - x_e) - f_o Q x_e - f_c Q X

with ``x_e`` the variable at the entry price. Every function here branches on the kind
so that nothing else in ``levrisk.futures`` and ``levrisk.risk`` has to; the batch
kernels inline the same algebra for speed.

The ``Decimal`` functions keep the operation order of the published formulas (one
division where the formula has one), so their digits are those of the formulas; the
``Fraction`` functions are exact. The change of variable is an involution: applied to
``X`` it gives ``P`` back.

Private: :mod:`levrisk.futures` and :mod:`levrisk.risk` call it.
"""

from __future__ import annotations

import decimal as _decimal
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

from levrisk._typing import ContractKind, Side, side_sign
from levrisk.exceptions import InvalidInputError
from levrisk.numbers import PRECISION

__all__: list[str] = []

_EXPONENT_LIMIT = 1000
"""Numbers that enter an exact rational solve must lie within 1e±1000 in magnitude."""

EXACT: Final = _decimal.Context(
    prec=_decimal.MAX_PREC,
    rounding=_decimal.ROUND_HALF_EVEN,
    Emax=_decimal.MAX_EMAX,
    Emin=_decimal.MIN_EMIN,
    traps=[
        _decimal.InvalidOperation,
        _decimal.DivisionByZero,
        _decimal.Overflow,
        _decimal.Inexact,
    ],
)
"""Exact ``Decimal`` arithmetic: sums, differences and products never round.

Only those three operations run in it (a division would expand to the maximum
precision); a result that would round raises instead (``Inexact`` traps).
"""

ROUNDED: Final = _decimal.Context(
    prec=PRECISION,
    rounding=_decimal.ROUND_HALF_EVEN,
    Emax=_decimal.MAX_EMAX,
    Emin=_decimal.MIN_EMIN,
    traps=[_decimal.InvalidOperation, _decimal.DivisionByZero, _decimal.Overflow],
)
"""The library context's rounding, for a figure made once and kept (its flags never read)."""

_ZERO = Decimal(0)
_ONE = Decimal(1)


def kind_sign(kind: ContractKind) -> int:
    """``k``: +1 for a linear contract, −1 for an inverse one."""
    return 1 if kind == "linear" else -1


def direction(kind: ContractKind, side: Side) -> int:
    """``k·s``: +1 when the PnL rises with ``X`` (a linear long, an inverse short)."""
    return kind_sign(kind) * side_sign(side)


def _parts(kind: ContractKind, price: Decimal) -> tuple[Decimal, Decimal]:
    """``X`` at ``price`` as an unevaluated ``(numerator, denominator)``."""
    return (price, _ONE) if kind == "linear" else (_ONE, price)


def notional(kind: ContractKind, quantity: Decimal, price: Decimal) -> Decimal:
    """``Q·X``: ``Q·P`` (linear, quote) or ``Q/P`` (inverse, coin), one operation."""
    return quantity * price if kind == "linear" else quantity / price


def x(kind: ContractKind, price: Decimal) -> Decimal:
    """``X`` at ``price``: ``P`` (linear) or ``1/P`` (inverse)."""
    return notional(kind, _ONE, price)


def growth(kind: ContractKind, price: Decimal, entry: Decimal) -> Decimal:
    """``X / x_e``: ``P/EP`` (linear) or ``EP/P`` (inverse), one division."""
    return price / entry if kind == "linear" else entry / price


def pnl(
    kind: ContractKind, side: Side, quantity: Decimal, entry: Decimal, price: Decimal
) -> Decimal:
    """``k·s·Q·(X − x_e)``: the PnL of ``quantity`` from ``entry`` to ``price`` (before fees).

    Inverse: ``s·Q·(P − EP) / (EP·P)``, the numerator and the denominator exact and one
    rounding in the division (``1/P − 1/EP`` would lose digits to cancellation when the
    price is near the entry).
    """
    if kind == "linear":
        return direction(kind, side) * quantity * (price - entry)
    change = EXACT.multiply(quantity, EXACT.subtract(price, entry))
    return side_sign(side) * (change / EXACT.multiply(entry, price))


def net_pnl(
    kind: ContractKind,
    side: Side,
    quantity: Decimal,
    entry: Decimal,
    price: Decimal,
    *,
    fees: tuple[Decimal, Decimal],
) -> Decimal:
    """The PnL less the opening fee ``f_o·notional(EP)`` and the closing ``f_c·notional(P)``."""
    open_fee, close_fee = fees
    gross = pnl(kind, side, quantity, entry, price)
    return (
        gross
        - notional(kind, open_fee * quantity, entry)
        - notional(kind, close_fee * quantity, price)
    )


def share(
    kind: ContractKind, amount: Decimal, quantity: Decimal, price: Decimal
) -> tuple[Decimal, Decimal]:
    """``amount / notional(quantity, price)`` as ``(numerator, denominator)``, not divided.

    Linear ``(amount, Q·P)``, inverse ``(amount·P, Q)``: the caller divides once.
    """
    top, bottom = _parts(kind, price)
    return amount * bottom, quantity * top


def exit_price(
    kind: ContractKind,
    side: Side,
    entry: Decimal,
    *,
    gain: Decimal,
    per: Decimal = _ONE,
    fees: tuple[Decimal, Decimal] = (_ZERO, _ZERO),
) -> Decimal | None:
    r"""The one exit-price inversion: the price whose net PnL is ``gain/per`` of the entry notional.

    Solving ``net(P) = g·Q·x_e`` (``g = gain/per``) for ``X``:

    .. math::

        X = x_e \, \frac{g + k s + f_o}{k s - f_c}

    so the price is ``EP·(gain + per·(ks + f_o)) / (per·(ks − f_c))`` (linear) or the
    reciprocal ratio (inverse). A target ROE ``r`` is ``g = r/L``; a break-even ``g = 0``;
    a PnL amount ``T`` of ``Q`` is ``share(kind, T, Q, EP)``. ``None`` when no positive
    price gives it.
    """
    open_fee, close_fee = fees
    ks = direction(kind, side)
    up = gain + per * (ks + open_fee)
    down = per * (ks - close_fee)
    top, bottom = (up, down) if kind == "linear" else (down, up)
    if bottom == 0:
        return None
    price = entry * top / bottom
    return price if price > 0 else None


# ------------------------------------------------------------------ exact rationals


def bounded(value: Decimal, name: str) -> Decimal:
    """``value`` itself, refusing magnitudes an exact solve cannot afford.

    A ``Decimal`` like ``1e999999`` is a million-digit integer as a fraction; no price,
    size or balance is anywhere near 1e±1000, so such input is refused rather than left
    to stall the solver.
    """
    if value and not -_EXPONENT_LIMIT <= value.adjusted() <= _EXPONENT_LIMIT:
        msg = f"{name} must lie within 1e-1000 and 1e+1000 in magnitude, got {value!r}"
        raise InvalidInputError(msg)
    return value


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values`` (``0`` for none): :data:`EXACT` made current, then put back.

    No context is copied (the flags are never read); the caller's context comes back
    whatever happens.
    """
    caller = _decimal.getcontext()
    _decimal.setcontext(EXACT)
    try:
        return sum(values, _ZERO)
    finally:
        _decimal.setcontext(caller)


EXPONENT_RANGE: Final = (-_EXPONENT_LIMIT, _EXPONENT_LIMIT)
"""The adjusted exponents :func:`bounded` accepts (for a loop that checks inline)."""


def all_bounded(first: Decimal, second: Decimal, third: Decimal) -> bool:
    """Whether three nonzero values all pass :func:`bounded` (one call, no message built)."""
    low, high = -_EXPONENT_LIMIT, _EXPONENT_LIMIT
    return (
        low <= first.adjusted() <= high
        and low <= second.adjusted() <= high
        and low <= third.adjusted() <= high
    )


def fraction(value: Decimal, name: str) -> Fraction:
    """``value`` as an exact rational, refusing magnitudes (see :func:`bounded`)."""
    return Fraction(bounded(value, name))


def decimal(value: Fraction) -> Decimal:
    """An exact rational as a Decimal (exact when it terminates, else rounded once)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def swap(kind: ContractKind, value: Fraction) -> Fraction:
    """The change of variable on exact rationals: ``P → X`` and, applied again, ``X → P``."""
    return value if kind == "linear" else 1 / value


# ------------------------------------------------------------------ a table, precomputed


class Tiers:
    """A bracket table's figures as every solve needs them, computed once per table.

    Built by :class:`levrisk.brackets.BracketTable` on construction (the table is
    immutable, so the figures never go stale) from each bracket's ``(cap, m, cum)``:

    - ``caps``, ``rates``, ``amounts``: the columns, as the table holds them;
    - ``minus`` and ``plus``: at each inner edge ``cap`` (every cap but the last),
      ``cap − MM(cap)`` and ``cap + MM(cap)``, both increasing: where the liquidation
      condition of one position crosses an edge (``MM(cap) = cap·m − cum``, exact);
    - ``top_rate``: the highest maintenance rate (it decides whether the condition is
      monotone);
    - ``continuous``: whether ``MM`` is continuous at every edge (each ``cum`` follows
      the recursion of :ref:`rule-brackets`); a table that is not (a whole-position
      table, or published amounts off the recursion) jumps at an edge, and its solve
      takes the general path, which finds an edge where the jump crosses the condition;
    - ``oversize``: the first ``(name, value)`` beyond 1e±1000 (see :func:`bounded`), or
      ``None``;
    - :meth:`terms`: the rows as exact rationals for the general solver, made on first
      use.
    """

    __slots__ = (
        "_terms",
        "amounts",
        "caps",
        "continuous",
        "minus",
        "oversize",
        "plus",
        "rates",
        "top_rate",
    )

    def __init__(self, rows: Sequence[tuple[Decimal, Decimal, Decimal]]) -> None:
        """Precompute from ``(cap, m, cum)`` rows, lowest notional first."""
        self.caps = tuple(cap for cap, _, _ in rows)
        self.rates = tuple(rate for _, rate, _ in rows)
        self.amounts = tuple(amount for _, _, amount in rows)
        self.top_rate = max(self.rates)
        self.oversize: tuple[str, Decimal] | None = None
        names = ("cap", "maintenance_rate", "maintenance_amount")
        for i, row in enumerate(rows):
            for name, value in zip(names, row, strict=True):
                too_big = value and not -_EXPONENT_LIMIT <= value.adjusted() <= _EXPONENT_LIMIT
                if too_big and self.oversize is None:
                    self.oversize = (f"brackets[{i}].{name}", value)
        with _decimal.localcontext(EXACT):
            inner = [cap * rate - amount for cap, rate, amount in rows[:-1]]
            self.minus = tuple(cap - mm for cap, mm in zip(self.caps, inner, strict=False))
            self.plus = tuple(cap + mm for cap, mm in zip(self.caps, inner, strict=False))
            self.continuous = all(
                amount == previous + cap * (rate - below)
                for cap, rate, below, amount, previous in zip(
                    self.caps,
                    self.rates[1:],
                    self.rates,
                    self.amounts[1:],
                    self.amounts,
                    strict=False,
                )
            )
        self._terms: tuple[tuple[Fraction, Fraction, Fraction], ...] | None = None

    def check(self) -> None:
        """Raise the magnitude error of the first oversized figure, if any."""
        if self.oversize is not None:
            bounded(self.oversize[1], self.oversize[0])

    def terms(self) -> tuple[tuple[Fraction, Fraction, Fraction], ...]:
        """Each row's ``(cap, m, cum)`` as exact rationals (checked, made once)."""
        if self._terms is None:
            self.check()
            self._terms = tuple(
                (Fraction(cap), Fraction(rate), Fraction(amount))
                for cap, rate, amount in zip(self.caps, self.rates, self.amounts, strict=True)
            )
        return self._terms

    def index(self, notional: Decimal) -> int:
        """The row holding ``notional`` (cap inclusive; the last row above the top)."""
        return min(bisect_left(self.caps, notional), len(self.caps) - 1)

    def maintenance(self, notional: Decimal) -> Decimal:
        """``n·m − cum`` of the row holding ``notional`` (the last row extrapolated)."""
        j = self.index(notional)
        return notional * self.rates[j] - self.amounts[j]
