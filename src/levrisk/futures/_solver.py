r"""The one liquidation solver behind every futures price.

Rules: :ref:`rule-futures-liquidation-linear` to :ref:`rule-bankruptcy-price`, and
:ref:`rule-venues`.

Private: :mod:`levrisk.futures` builds the inputs and converts the result.

Every position on the solved symbol contributes to the liquidation condition

.. math::

    f(X) = C + \sum_i k s_i Q_i (X - x_i) - \sum_i (m_i Q_i V_i - cum_i) - fee(X) = 0

where ``X = P`` for linear contracts and ``X = 1/P`` for inverse ones, ``k = +1`` (linear)
or ``-1`` (inverse), ``Q_i`` is the position's size times its contract size (base units
for linear, quote units for inverse), ``x_i`` is ``X`` at the entry price, ``V_i`` is
``X`` (maintenance valued at mark) or ``x_i`` (at entry) and ``C`` collects everything
that does not move with the price (the wallet, the other symbols' PnL and maintenance).
The notional in the bracket table's unit is ``Q_i · X`` for both kinds, so each
bracket edge ``cap`` of each mark-valued position is a breakpoint ``X = cap / Q_i``;
between breakpoints ``f`` is linear and exactly one bracket applies to each position.
The solve runs in exact rational arithmetic, so a root that falls on a breakpoint is
never lost to rounding.

A table whose maintenance jumps at an edge (a whole-position table, or published
amounts off the recursion: :ref:`rule-tier-maintenance`) makes ``f`` jump there: the
condition can turn from safe to liquidated *at* the edge with no root inside either
segment. Such an edge counts as a root — the price where the notional reaches the cap,
the first price at (or the limit of the prices beyond) which the position is
liquidated — so the outcome is exact with or without jumps.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, getcontext, setcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, cast

import attrs

from levrisk import _algebra
from levrisk._typing import ContractKind, HedgeMaintenance
from levrisk.brackets import BracketTable
from levrisk.numbers import PRECISION

if TYPE_CHECKING:
    from levrisk.futures._model import Position

__all__: list[str] = []


def tiers(table: BracketTable) -> _algebra.Tiers:
    """The table's precomputed figures (made once, when the table was built)."""
    return table._tiers  # noqa: SLF001 - the table's own cache, read by its one solver


@attrs.frozen
class Leg:
    """One position of the solved symbol, in the solver's algebra.

    Attributes:
        direction: ``k · s``: +1 for a linear long or an inverse short, −1 otherwise.
        quantity: ``Q``: size × contract size (base units linear, quote units inverse).
        x_entry: ``X`` at the entry price (``EP`` linear, ``1/EP`` inverse).
        table: the contract's bracket table.
        terms: each bracket's ``(cap, m, cum)`` as exact rationals (derived from ``table``).
    """

    direction: int
    quantity: Fraction
    x_entry: Fraction
    table: BracketTable
    terms: tuple[tuple[Fraction, Fraction, Fraction], ...] = attrs.field(
        init=False,
        default=attrs.Factory(lambda self: tiers(self.table).terms(), takes_self=True),
    )

    def at(self, x: Fraction) -> tuple[Fraction, Fraction]:
        """``(m, cum)`` of the bracket holding the notional ``Q·x`` (last one above the top)."""
        notional = self.quantity * x
        for cap, rate, amount in self.terms:
            if notional <= cap:
                return rate, amount
        return self.terms[-1][1], self.terms[-1][2]


@attrs.frozen
class Rule:
    """The liquidation condition in the solver's terms (see ``LiquidationRule``).

    ``maintenance`` is ``None`` for the bankruptcy solve (no maintenance, no fee).
    ``hedge``: ``"larger"`` rates both legs of a hedged pair at the larger-value leg's
    effective rate (:func:`_pair_maintenance`).
    """

    maintenance: Literal["mark", "entry"] | None
    close_fee: Literal["none", "mark", "bankruptcy"]
    fee_rate: Fraction
    hedge: HedgeMaintenance = "each"


def _pair_maintenance(
    legs: Sequence[Leg], rule: Rule, x_rep: Fraction
) -> tuple[Fraction, Fraction]:
    r"""``(a, b)`` of a hedged pair's maintenance ``a·X + b`` by the larger-value leg.

    With ``V_i`` each leg's value (``Q_i·X`` at mark, ``Q_i·x_i`` at entry) and ``V_max``
    the larger (:ref:`rule-gate-hedge-maintenance`):

    .. math::

        MM = (V_L + V_S) \frac{MM(V_{max})}{V_{max}} = m \sum V_i - cum \frac{\sum V_i}{V_{max}}

    with ``(m, cum)`` the bracket holding ``V_max``; at mark ``ΣV_i/V_max = ΣQ_i/Q_max``,
    so the pair's maintenance stays linear in ``X`` on each bracket of the larger leg.
    """
    mark = rule.maintenance == "mark"
    values = [leg.quantity * (1 if mark else leg.x_entry) for leg in legs]
    total = sum(values, Fraction(0))
    big = max(range(len(legs)), key=values.__getitem__)
    rate, amount = legs[big].at(x_rep if mark else legs[big].x_entry)
    share = amount * total / values[big]
    if mark:
        return rate * total, -share
    return Fraction(0), rate * total - share


def _coefficients(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_rep: Fraction, x_bp: Fraction | None
) -> tuple[Fraction, Fraction]:
    """``(a, b)`` with ``f(X) = a·X + b`` on the segment holding ``x_rep``."""
    a = Fraction(0)
    b = constant
    pair = rule.hedge == "larger" and rule.maintenance is not None and len(legs) == 2
    if pair:
        a, b = _pair_maintenance(legs, rule, x_rep)
        a, b = -a, constant - b
    for leg in legs:
        a += leg.direction * leg.quantity
        b -= leg.direction * leg.quantity * leg.x_entry
        if rule.maintenance == "mark" and not pair:
            rate, amount = leg.at(x_rep)
            a -= rate * leg.quantity
            b += amount
        elif rule.maintenance == "entry" and not pair:
            rate, amount = leg.at(leg.x_entry)
            b -= rate * leg.quantity * leg.x_entry
            b += amount
        if rule.close_fee == "bankruptcy" and x_bp is not None:
            b -= rule.fee_rate * leg.quantity * x_bp
        elif rule.close_fee != "none":
            a -= rule.fee_rate * leg.quantity
    return a, b


class Crossed(Exception):  # noqa: N818 - an internal signal, never escapes the package
    """Raised by :func:`solve` when ``f(x_start) ≤ 0``; the caller words the public error.

    ``x`` is the root nearest ``x_start`` (the liquidation point already crossed), or
    ``None``.
    """

    def __init__(self, x: Fraction | None) -> None:
        """Keep the crossed root."""
        super().__init__()
        self.x = x


class Always(Exception):  # noqa: N818 - an internal signal, never escapes the package
    """Raised by :func:`solve` when ``f(X) ≤ 0`` at every ``X > 0``."""


def _nearest(
    legs: Sequence[Leg],
    constant: Fraction,
    rule: Rule,
    x_start: Fraction,
    x_bp: Fraction | None,
    *,
    crossed: bool = False,
) -> Fraction | None:
    """The root nearest ``x_start`` on the losing side (else the other side), or ``None``.

    A jump edge is a root only where the walk from ``x_start`` changes state there: from
    a safe start, walking up in ``X`` it must be safe at the edge and liquidated just
    above it, walking down the reverse (:func:`_jumps`); from a ``crossed`` start (already
    liquidated) the edge where the walk turns safe again.
    """
    segments = _segments(legs, constant, rule, x_bp)
    steady = [r for low, high, a, b in segments for r in _segment_roots(a, b, low, high)]
    rising, falling = _jumps(segments)
    if crossed:
        rising, falling = falling, rising
    upward = [r for r in (*steady, *rising) if r >= x_start]
    downward = [r for r in (*steady, *falling) if r <= x_start]
    if not upward and not downward:
        return None
    slope, _ = _coefficients(legs, constant, rule, x_start, x_bp)
    if slope > 0 and downward:
        return max(downward)
    if slope < 0 and upward:
        return min(upward)
    ends = [*([max(downward)] if downward else []), *([min(upward)] if upward else [])]
    return min(ends, key=lambda r: (abs(r - x_start), r))


def positive_somewhere(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_bp: Fraction | None
) -> bool:
    """Whether ``f(X) > 0`` for some ``X > 0`` (``f`` is piecewise linear).

    Its supremum is at an edge (the value there, or the limit from above where the
    maintenance jumps) or a limit: ``X → 0`` (``f → b`` of the first segment) or
    ``X → ∞`` (the last segment rising, or flat above 0).
    """
    segments = _segments(legs, constant, rule, x_bp)
    first, last = segments[0], segments[-1]
    if first[3] > 0 or last[2] > 0 or (last[2] == 0 and last[3] > 0):
        return True
    for (_, edge, a, b), (_, _, above_a, above_b) in itertools.pairwise(segments):
        e = cast("Fraction", edge)
        if a * e + b > 0 or above_a * e + above_b > 0:
            return True
    return False


def solve(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_start: Fraction
) -> Fraction | None:
    """The root ``X > 0`` of the liquidation condition nearest ``x_start`` on the losing side.

    ``f`` is continuous and piecewise linear in ``X``; each segment between breakpoints
    is solved and its root kept only when it lies inside the segment, so the bracket
    used for each position is the bracket that holds its notional at the root. Among
    the roots, the one returned is the nearest to ``x_start`` in the direction in which
    ``f`` decreases from ``x_start`` (the direction that loses margin); when there is
    none on that side, the nearest on the other side. ``None`` when ``f > 0`` at
    ``x_start`` and no root ``X > 0`` exists (no price liquidates). Every root is kept,
    however far from ``x_start``: the solve is exact at any magnitude the inputs allow
    (each within ``1e±1000``, checked by the caller).

    Raises:
        Always: ``f ≤ 0`` at every ``X > 0`` (every price liquidates).
        Crossed: ``f(x_start) ≤ 0`` but not everywhere (already at or past liquidation).
    """
    x_bp: Fraction | None = None
    if rule.close_fee == "bankruptcy":
        x_bp = _nearest(legs, constant, Rule(None, "none", Fraction(0)), x_start, None)
    if condition_at(legs, constant, rule, x_start, x_bp) <= 0:
        if not positive_somewhere(legs, constant, rule, x_bp):
            raise Always
        raise Crossed(_nearest(legs, constant, rule, x_start, x_bp, crossed=True))
    return _nearest(legs, constant, rule, x_start, x_bp)


def _segments(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_bp: Fraction | None
) -> list[tuple[Fraction, Fraction | None, Fraction, Fraction]]:
    """``(low, high, a, b)`` of each segment: ``f(X) = a·X + b`` on ``(low, high]``."""
    edges: set[Fraction] = set()
    if rule.maintenance == "mark":
        for leg in legs:
            edges.update(cap / leg.quantity for cap, _, _ in leg.terms[:-1])
    bounds = sorted(edges)
    lows = [Fraction(0), *bounds]
    highs: list[Fraction | None] = [*bounds, None]
    segments = []
    for low, high in zip(lows, highs, strict=True):
        a, b = _coefficients(legs, constant, rule, low + 1 if high is None else high, x_bp)
        segments.append((low, high, a, b))
    return segments


def _jumps(
    segments: Sequence[tuple[Fraction, Fraction | None, Fraction, Fraction]],
) -> tuple[list[Fraction], list[Fraction]]:
    """The edges where ``f`` jumps across the liquidation condition (``> 0`` on one side only).

    ``f(e)`` is the lower segment's value (the cap is inclusive), the upper segment's
    is its limit from above; a continuous table never jumps. Returned apart: the edges
    safe at ``e`` and liquidated just above (a root walking up in ``X``), and those
    liquidated at ``e`` and safe just above (a root walking down).
    """
    rising: list[Fraction] = []
    falling: list[Fraction] = []
    for (_, edge, a, b), (_, _, above_a, above_b) in itertools.pairwise(segments):
        e = cast("Fraction", edge)
        at, above = a * e + b > 0, above_a * e + above_b > 0
        if at and not above:
            rising.append(e)
        elif above and not at:
            falling.append(e)
    return rising, falling


def roots(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_bp: Fraction | None
) -> list[Fraction]:
    """Every root ``X > 0``, segment by segment (an interval of roots gives its ends).

    An edge where ``f`` jumps across 0 counts as a root (see the module docstring).
    ``levrisk.risk`` uses it directly for a uniform shock of every mark (all roots, not
    only the nearest on the losing side).
    """
    segments = _segments(legs, constant, rule, x_bp)
    found: list[Fraction] = []
    for low, high, a, b in segments:
        found.extend(_segment_roots(a, b, low, high))
    rising, falling = _jumps(segments)
    return [*found, *rising, *falling]


def _segment_roots(
    a: Fraction, b: Fraction, low: Fraction, high: Fraction | None
) -> list[Fraction]:
    """The roots ``X > 0`` of ``a·X + b`` in ``[low, high]`` (the ends when it is 0 there)."""
    if a != 0:
        root = -b / a
        return [root] if root > 0 and low <= root and (high is None or root <= high) else []
    if b == 0:
        return [end for end in (low, high) if end is not None and end > 0]
    return []


def swept_roots(
    legs: Sequence[Leg], constant: Fraction, x_start: Fraction, *, crossed: bool = False
) -> list[Fraction]:
    """:func:`roots` for a mark-valued maintenance and no fee, in one sweep (``O(E log E)``).

    A jump edge is kept only where the walk from ``x_start`` changes state there (up in
    ``X`` when it lies above ``x_start``, down when below; from a ``crossed`` start the
    edge where the walk turns safe: :func:`_nearest`).

    The breakpoints ``cap/Q`` of every leg are sorted once (by ``(float, exact)``: the
    float is correctly rounded, so it never inverts two values); the line ``a·X + b``
    of the first segment is built once and each breakpoint then moves one leg up one
    bracket (``Δa = (m_i − m_{i+1})·Q``, ``Δb = cum_{i+1} − cum_i``). The segments,
    their order and their roots are those of :func:`roots`.
    """
    a = Fraction(0)
    b = constant
    events: list[tuple[float, Fraction, int, int]] = []
    for n, leg in enumerate(legs):
        _, rate, amount = leg.terms[0]
        a += (leg.direction - rate) * leg.quantity
        b += amount - leg.direction * leg.quantity * leg.x_entry
        for i, (cap, _, _) in enumerate(leg.terms[:-1]):
            edge = cap / leg.quantity
            events.append((float(edge), edge, n, i))
    events.sort(key=lambda event: (event[0], event[1]))
    found: list[Fraction] = []
    low = Fraction(0)
    k = 0
    while True:
        high = events[k][1] if k < len(events) else None
        found.extend(_segment_roots(a, b, low, high))
        if high is None:
            return found
        below = a * high + b > 0
        while k < len(events) and events[k][1] == high:
            _, _, n, i = events[k]
            leg = legs[n]
            _, below_rate, below_amount = leg.terms[i]
            _, above_rate, above_amount = leg.terms[i + 1]
            a += (below_rate - above_rate) * leg.quantity
            b += above_amount - below_amount
            k += 1
        above = a * high + b > 0
        if below != above and ((below if high >= x_start else above) != crossed):  # a jump
            found.append(high)
        low = high


def condition_at(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x: Fraction, x_bp: Fraction | None = None
) -> Fraction:
    """``f(x)``: margin balance minus maintenance (and fee) at ``x`` (0: at liquidation)."""
    a, b = _coefficients(legs, constant, rule, x, x_bp)
    return a * x + b


# ------------------------------------------------------------------ the fast core


class One(NamedTuple):
    """One position alone on its symbol, in ``Decimal`` (the fast core's input).

    ``kind`` and ``direction`` (``k·s``) as in :class:`Leg`; ``quantity`` ``Q``; ``entry``
    the entry price ``EP``; ``tiers`` the table's precomputed figures.
    """

    kind: ContractKind
    direction: int
    quantity: Decimal
    entry: Decimal
    tiers: _algebra.Tiers


_UNIT: Final = Decimal(1)
_ZERO: Final = Decimal(0)
_ROUND: Final = Context(prec=PRECISION, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""A guess's context (50 digits; its flags are never read): the guess is checked exactly."""

State = Literal["safe", "crossed", "always"]
"""The fast core's outcome: a price or none (``safe``), ``f(start) ≤ 0``, ``f ≤ 0`` everywhere."""


def _root(
    one: One, top: Decimal, bottom: Decimal, start: Decimal, rounding: Context
) -> tuple[Decimal | None, State]:
    """The exact root ``E·X = top / bottom`` as a price, and the :data:`State` at ``start``.

    ``E`` is 1 (linear) or ``EP`` (inverse), so the price is ``top/bottom`` (linear) or
    ``EP·bottom/top`` (inverse), at any magnitude; ``None`` when it is not ``> 0``. Runs
    in the exact context; ``rounding`` is the library's.

    The state is exact (a product, no quotient): the condition at ``start`` is ``≤ 0``
    when ``start`` is at or beyond the root on the losing side — at or below it for a
    long, at or above it for a short. Without a root ``> 0`` the condition keeps one
    sign: ``> 0`` when it rises with ``X`` (``k s = +1``), ``≤ 0`` when it falls.
    """
    if one.kind == "inverse":
        top, bottom = one.entry * bottom, top
    if bottom < 0:
        top, bottom = -top, -bottom
    if top <= 0 or bottom == 0:
        return None, "safe" if one.direction > 0 else "always"
    gap = top - bottom * start  # the sign of price - start
    long = (one.direction > 0) == (one.kind == "linear")
    state: State = "crossed" if (gap >= 0 if long else gap <= 0) else "safe"
    return _quotient(top, bottom, rounding), state


def _quotient(top: Decimal, bottom: Decimal, rounding: Context) -> Decimal:
    """``top / bottom`` (both ``> 0``) rounded once in ``rounding``.

    An exact quotient is spelled as the general solver's ``Decimal(n) / Decimal(d)``
    spells it (the ideal exponent 0: an integer without exponent, a fraction without
    trailing zeros).
    """
    quotient = rounding.divide(top, bottom)
    if quotient * bottom != top:
        return quotient
    if quotient != quotient.to_integral_value():
        return quotient.normalize(rounding)
    if quotient.adjusted() < PRECISION:
        return quotient.quantize(_UNIT, context=rounding)
    ratio = Fraction(top) / Fraction(bottom)
    return rounding.divide(Decimal(ratio.numerator), Decimal(ratio.denominator))


def _price(one: One, top: Decimal, bottom: Decimal, rounding: Context) -> Decimal | None:
    """The price of :func:`_root` alone (``None`` when the root is not ``> 0``)."""
    return _root(one, top, bottom, _UNIT, rounding)[0]


def _no_fee(one: One, wallet: Decimal) -> tuple[Decimal, Decimal]:
    """``(base, k·s·Q)``: ``E·f = base + E·(±n − MM(n))`` without a fee (exact context).

    ``base = E·M − k·s·Q·E·x_e``: ``M − k·s·Q·EP`` (linear) or ``EP·M − k·s·Q`` (inverse).
    """
    q, ep = one.quantity, one.entry
    signed = q if one.direction > 0 else -q  # exactly
    return ((wallet - signed * ep) if one.kind == "linear" else (ep * wallet - signed)), signed


def _bankruptcy(one: One, wallet: Decimal, rounding: Context) -> Decimal | None:
    """The bankruptcy price of ``one`` with the wallet ``wallet`` (no maintenance, no fee)."""
    base, signed = _no_fee(one, wallet)
    return _price(one, -base, signed, rounding)


def one_of(position: Position) -> One:
    """A position alone on its symbol, for the fast core (magnitudes checked as for a leg).

    Made once per position (:class:`~levrisk.futures.Position` caches it): the
    position is immutable, so the figures never go stale.
    """
    contract = position.contract
    tiers_ = tiers(contract.brackets)
    if tiers_.oversize is not None:
        tiers_.check()
    size, contract_size, entry = position.size, contract.contract_size, position.entry_price
    if not _algebra.all_bounded(size, contract_size, entry):  # name the first one out
        _algebra.bounded(size, "position.size")
        _algebra.bounded(contract_size, "contract_size")
        _algebra.bounded(entry, "position.entry_price")
    kind = contract.kind
    direction = 1 if (position.side == "long") == (kind == "linear") else -1  # k·s
    quantity = _algebra.EXACT.multiply(size, contract_size)  # exact: sets no flag
    return One(kind, direction, quantity, entry, tiers_)


def solve_one(
    one: One,
    wallet: Decimal,
    rule: tuple[Literal["mark", "entry"] | None, Literal["none", "mark", "bankruptcy"], Decimal],
    start: Decimal,
) -> tuple[Decimal | None, State] | None:
    r"""The price that :func:`solve` finds for one position, in closed form (exact).

    Multiplying the condition by ``E`` (1 linear, ``EP`` inverse) keeps every figure a
    finite ``Decimal``. With ``s_j = k s − f_m − m_j`` (``f_m`` the fee rate when the
    close fee is charged at the mark) the condition on bracket ``j`` is
    ``E·f = R_j + s_j·Q·E·X``, monotone when every ``s_j`` has the sign of ``k s``; its
    one root lies in the first bracket whose upper edge is past it, found by a bisect
    over the table's precomputed ``±cap − MM(cap)`` (:class:`levrisk._algebra.Tiers`).
    Without a mark-valued maintenance the slope ``k s − f_m`` is never 0 (``f_m < 1``).
    Returns ``None`` when the condition is not strictly monotone (the caller solves
    generally); otherwise the root as a price (``None`` when it is not ``> 0``) and the
    :data:`State` at ``start`` (exact). The exact context is made current for the solve
    and the caller's put back (no context copied: its flags are never read).
    """
    maintenance, close_fee, _ = rule
    tiers = one.tiers
    if maintenance == "mark" and not tiers.continuous:
        return None  # MM jumps at an edge: the general solve finds the edge
    rounding = getcontext()
    if close_fee == "none" and maintenance != "entry":
        # The common case (mark-valued maintenance, no fee) and the bankruptcy price (no
        # maintenance): the edges were made for them (a bisect, one closed form). Every
        # rate lies in (0, 1) (a Bracket refuses others), so the slope ±1 − m_j never
        # vanishes: always monotone. While EXACT is current (it is shared, its flags never
        # read) only sums, differences, products and comparisons run, and no @exact call.
        setcontext(_algebra.EXACT)
        try:
            base, signed = _no_fee(one, wallet)
            if maintenance is None:
                return _root(one, -base, signed, start, rounding)
            linear, ep = one.kind == "linear", one.entry
            j = _bracket(one, base, _ZERO, _UNIT if linear else ep)
            top = -base - (tiers.amounts[j] if linear else ep * tiers.amounts[j])
            return _root(one, top, (one.direction - tiers.rates[j]) * one.quantity, start, rounding)
        finally:
            setcontext(rounding)
    setcontext(_algebra.EXACT)
    try:
        return _solve_one(one, wallet, rule, start, rounding)
    finally:
        setcontext(rounding)


def _solve_one(
    one: One,
    wallet: Decimal,
    rule: tuple[Literal["mark", "entry"] | None, Literal["none", "mark", "bankruptcy"], Decimal],
    start: Decimal,
    rounding: Context,
) -> tuple[Decimal | None, State] | None:
    """:func:`solve_one` for every other rule and kind, in the exact context."""
    maintenance, close_fee, fee_rate = rule
    tiers = one.tiers
    linear = one.kind == "linear"
    d, q, ep = one.direction, one.quantity, one.entry
    scale = _UNIT if linear else ep
    fee_mark = fee_rate if close_fee == "mark" else _ZERO
    paid = _ZERO  # E · the close fee at the bankruptcy price
    if close_fee == "bankruptcy":
        if _bankruptcy(one, wallet, rounding) is None:
            fee_mark = fee_rate  # as the general solver: no bankruptcy price, fee at mark
        else:
            paid = fee_rate * ((q * ep - d * wallet) if linear else (q - d * wallet * ep))
    base = scale * wallet - paid - d * q * (ep if linear else 1)
    if maintenance == "mark":
        if d > 0 and 1 - fee_mark - tiers.top_rate <= 0:
            return None
        j = _bracket(one, base, fee_mark, scale)
        slope = d - fee_mark - tiers.rates[j]  # never 0: top_rate is the highest
        constant = base + scale * tiers.amounts[j]
    else:  # at entry (no maintenance at all is the bankruptcy price, solved above)
        slope = d - fee_mark
        j = _entry_bracket(one)
        rate, amount = tiers.rates[j], tiers.amounts[j]
        constant = base - (rate * q * (ep if linear else 1) - scale * amount)
    return _root(one, -constant, slope * q, start, rounding)


class Row(NamedTuple):
    """A cross account's position as its margin at a mark needs it (made once per account).

    ``quantity`` is ``size × contract size`` rounded as the library context rounds it
    (the product every PnL and notional of the position starts from).
    """

    symbol: str
    linear: bool
    sign: int
    quantity: Decimal
    signed: Decimal
    entry: Decimal
    tiers: _algebra.Tiers


def rows_of(positions: Sequence[Position]) -> tuple[Row, ...]:
    """Each position as a :class:`Row` (``CrossAccount`` caches them: it is immutable).

    ``signed`` is ``s·Q`` (exact: a sign), the factor of a linear position's PnL.
    """
    rows = []
    for position in positions:
        sign = 1 if position.side == "long" else -1
        q = _algebra.ROUNDED.multiply(position.size, position.contract.contract_size)
        rows.append(
            Row(
                position.contract.symbol,
                position.contract.kind == "linear",
                sign,
                q,
                q if sign > 0 else q.copy_negate(),
                position.entry_price,
                tiers(position.contract.brackets),
            )
        )
    return tuple(rows)


def margins_at(
    rows: Sequence[Row],
    marks: Mapping[str, Decimal],
    basis: Literal["mark", "entry"] | None,
    fee_rate: Decimal,
    skip: str | None = None,
) -> list[Decimal]:
    """Each row's margin at its mark: PnL less maintenance less the close fee.

    ``k·s·Q·(X − x_e) − MM(V) − c·Q·X`` with ``V`` the notional at the rule's ``basis``,
    computed with the very operations (and roundings, in the caller's context) of
    ``position_pnl``, ``Tiers.maintenance`` and ``value_at``, in one loop: a cross
    account's constant is a sum of a thousand of them. Rows of the symbol ``skip`` are
    left out. Each margin's magnitude is checked as the solver needs (:func:`bounded`).
    """
    out = []
    at_mark = basis == "mark"
    low, high = _algebra.EXPONENT_RANGE
    for symbol, linear, sign, q, signed, entry, t in rows:
        if symbol == skip:
            continue
        price = marks[symbol]
        at = price if at_mark else entry
        if linear:
            margin = signed * (price - entry)
            value = q * at
        else:
            gain = q * (_UNIT / price - _UNIT / entry)
            margin = -gain if sign > 0 else gain
            value = q / at
        j = bisect_left(t.caps, value)
        if j == len(t.caps):
            j -= 1
        margin = margin - (value * t.rates[j] - t.amounts[j])
        if fee_rate:
            margin -= fee_rate * (q * price if linear else q / price)
        if margin and not low <= margin.adjusted() <= high:
            _algebra.bounded(margin, f"the margin of {symbol!r}")
        out.append(margin)
    return out


def _bracket(one: One, base: Decimal, fee_mark: Decimal, scale: Decimal) -> int:
    """The bracket holding the root: the first whose upper edge lies past it (a bisect).

    ``E·f`` at the edge ``cap_i`` is ``base + E·(±cap_i − MM(cap_i) − f_m·cap_i)``; it is
    increasing (``k s = +1``) or decreasing (``−1``) in ``i``. Without a fee at the mark
    the edges are the table's own: a bisect over them at ``∓base/E`` (rounded), the
    answer confirmed by the exact test at it and below it; only a rounding that lands
    on an edge falls back to the exact bisect.
    """
    t = one.tiers
    if fee_mark == 0 and one.kind == "linear":  # E = 1: the edges are the keys, exactly
        return bisect_left(t.minus, -base) if one.direction > 0 else bisect_left(t.plus, base)
    if fee_mark == 0:
        if one.direction > 0:
            j = bisect_left(t.minus, _ROUND.divide(-base, scale))
        else:
            j = bisect_left(t.plus, _ROUND.divide(base, scale))
        if (j == len(t.minus) or _crossed(one, base, fee_mark, scale, j)) and (
            j == 0 or not _crossed(one, base, fee_mark, scale, j - 1)
        ):
            return j
    low, high = 0, len(t.minus)
    while low < high:
        mid = (low + high) // 2
        if _crossed(one, base, fee_mark, scale, mid):
            high = mid
        else:
            low = mid + 1
    return low


def _crossed(one: One, base: Decimal, fee_mark: Decimal, scale: Decimal, i: int) -> bool:
    """Whether the condition at the edge ``cap_i`` is on the liquidated side (exact)."""
    t = one.tiers
    if one.direction > 0:
        return base + scale * (t.minus[i] - fee_mark * t.caps[i]) >= 0
    return base - scale * (t.plus[i] + fee_mark * t.caps[i]) <= 0


def _entry_bracket(one: One) -> int:
    """The bracket holding the notional at entry (``Q·EP`` linear, ``Q/EP`` inverse)."""
    t = one.tiers
    if one.kind == "linear":
        return t.index(one.quantity * one.entry)
    low, high = 0, len(t.caps) - 1
    while low < high:
        mid = (low + high) // 2
        if one.quantity <= t.caps[mid] * one.entry:
            high = mid
        else:
            low = mid + 1
    return low
