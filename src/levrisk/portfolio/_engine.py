r"""The exact evaluation of a portfolio account at given prices.

Private: the figures and the liquidation solve of :mod:`levrisk.portfolio` both run here,
in exact rationals, so a figure and the liquidation price that makes it reach a level
are computed by one formula. With ``I_a`` asset ``a``'s index price:

.. math::

    e_a = B_a - D_a + W_a + \sum_{i \in a} PnL_i, \qquad w_a = e_a I_a, \qquad
    E = \sum_a v_a(w_a) - \sum_a OL_a I_a

    MM = \sum_a I_a (1 + k_a) \sum_{i \in a} MM_i + \sum_a MM^{loan}_a(D_a I_a)

where ``v_a`` is the collateral value of :class:`~levrisk.portfolio.Collateral`, ``B``
the cross-margin balance, ``D`` the loan, ``W`` the futures wallet and ``OL`` the open
loss (:ref:`rule-multi-assets`, :ref:`rule-portfolio-margin`).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import attrs

from levrisk import _algebra
from levrisk.brackets import BracketTable
from levrisk.futures import Position
from levrisk.portfolio._model import Collateral, PortfolioAccount
from levrisk.portfolio._stress import RiskUnit

__all__: list[str] = []


def tiered(table: BracketTable, value: Fraction) -> Fraction:
    """``value·m − cum`` of the bracket holding ``value`` (the last one above the top)."""
    brackets = table.brackets
    bracket = next((b for b in brackets if value <= b.cap), brackets[-1])
    return value * Fraction(bracket.maintenance_rate) - Fraction(bracket.maintenance_amount)


def haircut(rule: Collateral, value: Fraction, unit: Fraction = Fraction(1)) -> Fraction:
    """The collateral value of ``value ≥ 0`` (after the bid buffer): flat or tier by tier.

    ``unit`` is what one unit of a tier cap is worth at the bid rate: 1 for caps in value,
    ``I(1 − b)`` for caps in quantity (``quantity_tiers``).
    """
    if not rule.tiers:
        return value * Fraction(rule.ratio)
    total = Fraction(0)
    floor = Fraction(0)
    for tier in rule.tiers:
        top = value if tier.cap is None else min(value, Fraction(tier.cap) * unit)
        if top > floor:
            total += (top - floor) * Fraction(tier.ratio)
        floor = floor if tier.cap is None else Fraction(tier.cap) * unit
    last = rule.tiers[-1]
    if last.cap is not None and value > floor:
        total += (value - floor) * Fraction(last.ratio)
    return total


def collateral_value(rule: Collateral, worth: Fraction, index: Fraction) -> Fraction:
    """``v(w)``: a balance worth ``w`` at index, at the bid rate and haircut, or the ask rate."""
    if worth >= 0:
        keep = 1 - Fraction(rule.bid_buffer)
        return haircut(rule, worth * keep, index * keep if rule.quantity_tiers else Fraction(1))
    return worth * (1 + Fraction(rule.ask_buffer))


def edges(rule: Collateral, index: Fraction) -> list[Fraction]:
    """The worths ``w`` at which ``v`` changes slope: 0 and each tier cap (before the buffer)."""
    caps = [Fraction(t.cap) for t in rule.tiers if t.cap is not None]
    if rule.quantity_tiers:
        return [Fraction(0)] + [cap * index for cap in caps]
    keep = 1 - Fraction(rule.bid_buffer)
    return [Fraction(0)] + [cap / keep for cap in caps]


def quantity(position: Position) -> Fraction:
    """``Q``: size × contract size."""
    return Fraction(position.size) * Fraction(position.contract.contract_size)


def position_notional(position: Position, mark: Fraction) -> Fraction:
    """``Q·X`` at ``mark``: the notional in the bracket table's unit."""
    return quantity(position) * _algebra.swap(position.contract.kind, mark)


def position_pnl(position: Position, mark: Fraction) -> Fraction:
    """``k·s·Q·(X − x_e)``: the unrealised PnL in the settlement asset."""
    kind = position.contract.kind
    entry = _algebra.swap(kind, Fraction(position.entry_price))
    return (
        _algebra.direction(kind, position.side)
        * quantity(position)
        * (_algebra.swap(kind, mark) - entry)
    )


@attrs.frozen
class State:
    """An account evaluated at one set of prices (exact).

    Attributes:
        actual_equity: ``Σ w_a``.
        equity: ``E``, the adjusted equity.
        maintenance: ``MM`` in the valuation currency.
        worths: asset → ``w_a`` (the kinks of ``v_a`` lie at its :func:`edges`).
        indexes: asset → ``I_a``, the index the worth was taken at.
        notionals: each position's and loan's tiered amount, with its table's inner caps.
        exposures: each risk unit's ``(X, G)``: exposure and gross value
            (:class:`~levrisk.portfolio.RiskUnit`).
    """

    actual_equity: Fraction
    equity: Fraction
    maintenance: Fraction
    worths: dict[str, Fraction]
    notionals: list[tuple[Fraction, tuple[Fraction, ...]]]
    indexes: dict[str, Fraction]
    exposures: list[tuple[Fraction, Fraction]] = attrs.field(factory=list)


def unit_slopes(unit: RiskUnit) -> tuple[Fraction, Fraction]:
    """``(down, up)``: the loss per unit of exposure of a long (``X > 0``) and a short one."""
    moves = [Fraction(m) for m in unit.moves]
    return max(Fraction(0), -min(moves)), max(Fraction(0), *moves)


def unit_maintenance(unit: RiskUnit, exposure: Fraction, gross: Fraction) -> Fraction:
    """``max(L + c·G, f·G)`` of a risk unit at its exposure ``X`` and gross value ``G``."""
    down, up = unit_slopes(unit)
    stress = exposure * down if exposure >= 0 else -exposure * up
    stress += Fraction(unit.contingency_rate) * gross
    return max(stress, Fraction(unit.minimum_rate) * gross)


def _exposure(
    account: PortfolioAccount,
    unit: RiskUnit,
    marks: Mapping[str, Fraction],
    index: Fraction,
    worths: Mapping[str, Fraction],
) -> tuple[Fraction, Fraction]:
    """``(X, G)`` of ``unit`` (see :class:`~levrisk.portfolio.RiskUnit`)."""
    exposure = worths[unit.underlying] if unit.spot else Fraction(0)
    gross = Fraction(0)
    for book in account.books:
        for position in book.positions:
            if position.contract.symbol in unit.symbols:
                size = quantity(position)
                sign = 1 if position.side == "long" else -1
                exposure += sign * size * marks[position.contract.symbol]
                gross += size * index
    return exposure, gross


def _caps(table: BracketTable) -> tuple[Fraction, ...]:
    return tuple(Fraction(b.cap) for b in table.brackets[:-1])


def evaluate(
    account: PortfolioAccount,
    marks: Mapping[str, Fraction],
    indexes: Mapping[str, Fraction],
    units: tuple[RiskUnit, ...] = (),
) -> State:
    """The account's equity and maintenance at ``marks`` (symbol) and ``indexes`` (asset).

    The positions of ``units`` count by their unit's requirement instead of their bracket
    table (``indexes`` then also holds each unit's underlying).
    """
    stressed = {symbol for unit in units for symbol in unit.symbols}
    actual = Fraction(0)
    equity = Fraction(0)
    maintenance = Fraction(0)
    worths: dict[str, Fraction] = {}
    notionals: list[tuple[Fraction, tuple[Fraction, ...]]] = []
    for book in account.books:
        rule = account.rules[book.asset]
        index = indexes[book.asset]
        balance = (
            Fraction(book.margin_balance)
            - Fraction(book.margin_loan)
            + Fraction(book.wallet_balance)
        )
        required = Fraction(0)
        for position in book.positions:
            mark = marks[position.contract.symbol]
            balance += position_pnl(position, mark)
            notional = position_notional(position, mark)
            if position.contract.symbol not in stressed:
                required += tiered(position.contract.brackets, notional)
                notionals.append((notional, _caps(position.contract.brackets)))
        worth = balance * index
        worths[book.asset] = worth
        actual += worth
        equity += collateral_value(rule, worth, index) - Fraction(book.open_loss) * index
        maintenance += required * index * (1 + Fraction(rule.ask_buffer))
        if book.margin_loan:
            table = account.loan_tiers[book.asset]
            loan_value = Fraction(book.margin_loan) * index
            maintenance += tiered(table, loan_value)
            notionals.append((loan_value, _caps(table)))
    exposures = [
        _exposure(account, unit, marks, indexes[unit.underlying], worths) for unit in units
    ]
    for unit, (exposure, gross) in zip(units, exposures, strict=True):
        maintenance += unit_maintenance(unit, exposure, gross)
    return State(actual, equity, maintenance, worths, notionals, dict(indexes), exposures)
