"""The test oracle of issue 13: levrisk's futures liquidation solver as it was before the fast core.

A verbatim copy of ``levrisk/futures/_solver.py`` and of the glue of
``levrisk/futures/_liquidation.py`` (at the commit that landed the one-house re-layout):
the generic segment-by-segment solve in exact rationals, every bracket walked for every
segment. ``tests/test_oracle.py`` compares the fast core with it digit for digit.
Not a test module (no ``test_`` prefix): a helper the tests import.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import attrs

from levrisk import _algebra
from levrisk._typing import ContractKind
from levrisk.brackets import BracketTable
from levrisk.futures import CrossAccount, LiquidationRule, Position
from levrisk.futures._margin import maintenance, value_at
from levrisk.futures._pnl import position_pnl
from levrisk.numbers import exact


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
        default=attrs.Factory(
            lambda self: tuple(
                (Fraction(b.cap), Fraction(b.maintenance_rate), Fraction(b.maintenance_amount))
                for b in self.table.brackets
            ),
            takes_self=True,
        ),
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
    """

    maintenance: Literal["mark", "entry"] | None
    close_fee: Literal["none", "mark", "bankruptcy"]
    fee_rate: Fraction


def _coefficients(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_rep: Fraction, x_bp: Fraction | None
) -> tuple[Fraction, Fraction]:
    """``(a, b)`` with ``f(X) = a·X + b`` on the segment holding ``x_rep``."""
    a = Fraction(0)
    b = constant
    for leg in legs:
        a += leg.direction * leg.quantity
        b -= leg.direction * leg.quantity * leg.x_entry
        if rule.maintenance == "mark":
            rate, amount = leg.at(x_rep)
            a -= rate * leg.quantity
            b += amount
        elif rule.maintenance == "entry":
            rate, amount = leg.at(leg.x_entry)
            b -= rate * leg.quantity * leg.x_entry
            b += amount
        if rule.close_fee == "bankruptcy" and x_bp is not None:
            b -= rule.fee_rate * leg.quantity * x_bp
        elif rule.close_fee != "none":
            a -= rule.fee_rate * leg.quantity
    return a, b


Outcome = tuple[str, Decimal | None]
"""``("price", p)`` (``p`` may be ``None``), ``("crossed", p)`` or ``("always", None)``."""


def _nearest(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_start: Fraction, x_bp: Fraction | None
) -> Fraction | None:
    """The root nearest ``x_start`` on the losing side (else the other side), or ``None``."""
    found = roots(legs, constant, rule, x_bp)
    if not found:
        return None
    slope, _ = _coefficients(legs, constant, rule, x_start, x_bp)
    if slope > 0:
        losing = [r for r in found if r <= x_start]
        if losing:
            return max(losing)
    elif slope < 0:
        losing = [r for r in found if r >= x_start]
        if losing:
            return min(losing)
    return min(found, key=lambda r: (abs(r - x_start), r))


def _value(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x: Fraction, x_bp: Fraction | None
) -> Fraction:
    a, b = _coefficients(legs, constant, rule, x, x_bp)
    return a * x + b


def solve(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_start: Fraction
) -> tuple[str, Fraction | None]:
    """The outcome at ``x_start``: the losing-side root, crossed, or always (no cut-off).

    "Always" is told apart by sampling ``f`` between consecutive candidates (roots and
    breakpoints, where ``f`` keeps one sign), below the first and beyond the last.
    """
    x_bp: Fraction | None = None
    if rule.close_fee == "bankruptcy":
        x_bp = _nearest(legs, constant, Rule(None, "none", Fraction(0)), x_start, None)
    nearest = _nearest(legs, constant, rule, x_start, x_bp)
    if _value(legs, constant, rule, x_start, x_bp) > 0:
        return "price", nearest
    edges = {cap / leg.quantity for leg in legs for cap, _, _ in leg.terms[:-1]}
    points = sorted(edges | set(roots(legs, constant, rule, x_bp)) | {x_start})
    samples = [points[0] / 2, points[-1] * 2 + 1]
    samples += [(lo + hi) / 2 for lo, hi in itertools.pairwise(points)]
    samples += points
    if any(_value(legs, constant, rule, x, x_bp) > 0 for x in samples):
        return "crossed", nearest
    return "always", None


def roots(
    legs: Sequence[Leg], constant: Fraction, rule: Rule, x_bp: Fraction | None
) -> list[Fraction]:
    """Every root ``X > 0``, segment by segment (an interval of roots gives its ends).

    ``levrisk.risk`` uses it directly for a uniform shock of every mark (all roots, not
    only the nearest on the losing side).
    """
    edges: set[Fraction] = set()
    if rule.maintenance == "mark":
        for leg in legs:
            edges.update(cap / leg.quantity for cap, _, _ in leg.terms[:-1])
    bounds = sorted(edges)
    lows = [Fraction(0), *bounds]
    highs: list[Fraction | None] = [*bounds, None]
    roots: list[Fraction] = []
    for low, high in zip(lows, highs, strict=True):
        a, b = _coefficients(legs, constant, rule, low + 1 if high is None else high, x_bp)
        if a != 0:
            root = -b / a
            if root > 0 and low <= root and (high is None or root <= high):
                roots.append(root)
        elif b == 0:
            roots.extend(end for end in (low, high) if end is not None and end > 0)
    return roots


def condition_at(legs: Sequence[Leg], constant: Fraction, rule: Rule, x: Fraction) -> Fraction:
    """``f(x)``: margin balance minus maintenance (and fee) at ``x`` (0: at liquidation)."""
    a, b = _coefficients(legs, constant, rule, x, None)
    return a * x + b


# ------------------------------------------------------------------ the glue of _liquidation


def solver_rule(rule: LiquidationRule) -> Rule:
    """A :class:`LiquidationRule` in the solver's terms."""
    return Rule(rule.maintenance_basis, rule.close_fee, Fraction(rule.fee_rate))


def leg(position: Position) -> Leg:
    """A position as one leg of the solver, in ``X``."""
    kind = position.contract.kind
    quantity = Fraction(position.size) * Fraction(position.contract.contract_size)
    return Leg(
        _algebra.direction(kind, position.side),
        quantity,
        _algebra.swap(kind, Fraction(position.entry_price)),
        position.contract.brackets,
    )


def _to_price(kind: ContractKind, x: Fraction | None) -> Decimal | None:
    if x is None:
        return None
    return _algebra.decimal(_algebra.swap(kind, x))


def _outcome(kind: ContractKind, found: tuple[str, Fraction | None]) -> Outcome:
    return found[0], _to_price(kind, found[1])


@exact
def isolated_liquidation_price(
    position: Position,
    *,
    margin: Decimal,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen
) -> Outcome:
    """The oracle's isolated liquidation outcome."""
    kind = position.contract.kind
    x = solve(
        [leg(position)],
        Fraction(margin),
        solver_rule(rule),
        _algebra.swap(kind, Fraction(position.entry_price)),
    )
    return _outcome(kind, x)


@exact
def bankruptcy_price(position: Position, *, margin: Decimal) -> Outcome:
    """The oracle's bankruptcy outcome."""
    kind = position.contract.kind
    x = solve(
        [leg(position)],
        Fraction(margin),
        Rule(None, "none", Fraction(0)),
        _algebra.swap(kind, Fraction(position.entry_price)),
    )
    return _outcome(kind, x)


@exact
def cross_liquidation_price(
    account: CrossAccount,
    symbol: str,
    *,
    mark_prices: Mapping[str, Decimal],
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen
) -> Outcome:
    """The oracle's cross liquidation outcome (marks given as Decimals)."""
    own = [p for p in account.positions if p.contract.symbol == symbol]
    others = [p for p in account.positions if p.contract.symbol != symbol]
    constant = Fraction(account.wallet_balance)
    for position in others:
        price = mark_prices[position.contract.symbol]
        basis = price if rule.maintenance_basis == "mark" else position.entry_price
        value = value_at(position, basis)
        fee = rule.fee_rate * value_at(position, price)
        others_margin = position_pnl(position, price) - maintenance(position.contract, value) - fee
        constant += Fraction(others_margin)
    kind = own[0].contract.kind
    start = mark_prices.get(symbol, own[0].entry_price)
    x = solve(
        [leg(p) for p in own], constant, solver_rule(rule), _algebra.swap(kind, Fraction(start))
    )
    return _outcome(kind, x)


def _uniform(account: CrossAccount, marks: Mapping[str, Decimal]) -> tuple[list[Leg], Fraction]:
    """The book as solver legs in the uniform factor, and the wallet."""
    legs = []
    for position in account.positions:
        kind = position.contract.kind
        q = Fraction(position.size) * Fraction(position.contract.contract_size)
        mark = _algebra.swap(kind, Fraction(marks[position.contract.symbol]))
        entry = _algebra.swap(kind, Fraction(position.entry_price))
        direction = _algebra.direction(kind, position.side)
        legs.append(Leg(direction, q * mark, entry / mark, position.contract.brackets))
    return legs, Fraction(account.wallet_balance)


def uniform_roots(account: CrossAccount, marks: Mapping[str, Decimal]) -> list[Fraction]:
    """Every factor ``k > 0`` on all marks at which margin balance equals maintenance."""
    if not account.positions:
        return []
    legs, wallet = _uniform(account, marks)
    rule = Rule("mark", "none", Fraction(0))
    if condition_at(legs, wallet, rule, Fraction(1)) == 0:
        return [Fraction(1)]
    found = roots(legs, wallet, rule, None)
    kind = account.positions[0].contract.kind
    return [_algebra.swap(kind, r) for r in found]


@exact
def uniform_move_to_liquidation(
    account: CrossAccount, *, mark_prices: Mapping[str, Decimal]
) -> Outcome:
    """The oracle's smallest uniform move that liquidates the account, with its state."""
    moves = [k - 1 for k in uniform_roots(account, mark_prices)]
    best = None
    if moves:
        nearest = min(moves, key=lambda m: (abs(m), m))
        best = Decimal(nearest.numerator) / Decimal(nearest.denominator)
    if not account.positions:
        return "price", best
    legs, wallet = _uniform(account, mark_prices)
    state, _ = solve(legs, wallet, Rule("mark", "none", Fraction(0)), Fraction(1))
    return state, None if state == "always" else best
