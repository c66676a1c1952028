r"""The stress-scenario loss of a risk unit of delta-one products (portfolio margin modes).

Private: :mod:`levrisk.portfolio` re-exports every public name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from levrisk._fields import entries, finite, non_negative, number, positive_number, require
from levrisk.exceptions import InvalidInputError
from levrisk.futures import Position
from levrisk.numbers import NumberLike, exact, to_decimal
from levrisk.portfolio._model import _flag, _name

__all__ = ["RiskUnit", "scenario_loss"]


@exact
def scenario_loss(
    positions: Iterable[Position],
    *,
    mark_prices: Mapping[str, NumberLike],
    moves: Iterable[NumberLike],
    spot: NumberLike = 0,
    spot_price: NumberLike | None = None,
) -> Decimal:
    r"""The largest loss of a risk unit over price-move scenarios (delta-one products).

    Every price of the unit's underlying moves by the same relative ``m``; a linear
    contract of signed size ``s·Q`` (``Q`` = size × contract size) marked at ``P`` and a
    spot holding ``n`` at ``S`` change in value by ``m·(Σ s·Q·P + n·S)``, so

    .. math::

        loss = \max\Bigl(0,\ \max_{m \in moves} -m \cdot \bigl(\sum_i s_i Q_i P_i + n S\bigr)\Bigr)

    — OKX's spot-shock term MR1 and the price-move part of Bybit's stress test, for
    linear perpetuals and futures and spot. Being linear in ``m``, the loss is largest at
    one of the extreme moves. Options (volatility scenarios, greeks) and inverse
    contracts are not modelled.

    Args:
        positions: the unit's linear positions (one underlying, one quote currency).
        mark_prices: the mark price of each position's symbol.
        moves: the relative price moves of the scenarios (each > −1), e.g.
            ``okx.PM_SPOT_SHOCKS["BTC"]``.
        spot: the quantity of the underlying held in the unit (negative when owed).
        spot_price: the underlying's index price ``S`` (> 0), needed when ``spot`` ≠ 0.

    Returns:
        The loss, in the quote currency of the marks (≥ 0).

    Raises:
        InvalidInputError: for bad input, an inverse contract, a symbol without a mark,
            no scenario, or a ``spot`` without its price.

    References:
        OKX, "Multi-currency margin mode vs. Portfolio margin mode" (MMR per risk unit:
        the maximum loss under a set of market conditions); Bybit, "Margin Calculations
        under Portfolio Margin (Unified Trading Account)" (stress testing of the mark
        price); :ref:`rule-okx-portfolio-margin` [published method; the delta-one
        closed form derived].

    Examples:
        OKX's spot-derivatives offset example: 10 BTC spot against −1,000 BTCUSDT
        perpetual contracts of 0.01 BTC is delta-neutral, its MR1 is 0; a lone 1 BTC long
        at 50,000 loses most at −12 %:

        >>> import attrs
        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.futures import Contract
        >>> flat = {"caps": [10**7], "maintenance_rates": ["0.004"], "max_leverages": [100]}
        >>> table = BracketTable.from_rates(**flat)
        >>> swap = Contract(symbol="BTC-USDT-SWAP", kind="linear", brackets=table)
        >>> swap = attrs.evolve(swap, contract_size="0.01")
        >>> short = Position(
        ...     contract=swap, side="short", size=1000, entry_price=50_000, leverage=10
        ... )
        >>> moves = ["-0.12", "-0.08", "-0.04", "0", "0.04", "0.08", "0.12"]
        >>> marks = {"BTC-USDT-SWAP": 50_000}
        >>> scenario_loss([short], mark_prices=marks, moves=moves, spot=10, spot_price=50_000)
        Decimal('0')
        >>> long = Position(contract=swap, side="long", size=100, entry_price=50_000, leverage=10)
        >>> scenario_loss([long], mark_prices=marks, moves=moves)
        Decimal('6000.0000')

    .. versionadded:: 0.2.0
    """
    held = entries(positions, f"positions must be an iterable of Position, got {positions!r}")
    raw: object = mark_prices
    if not isinstance(raw, Mapping):
        msg = f"mark_prices must be a mapping of symbol to price, got {mark_prices!r}"
        raise InvalidInputError(msg)
    exposure = Decimal(0)
    for i, item in enumerate(held):
        position = require(item, Position, f"positions[{i}]")
        contract = position.contract
        if contract.kind != "linear":
            what = "inverse contracts are not modelled"
            msg = f"positions[{i}] must be linear ({what}), got {contract.symbol!r}"
            raise InvalidInputError(msg)
        if contract.symbol not in mark_prices:
            msg = f"mark_prices must hold {contract.symbol!r}, got {sorted(mark_prices)!r}"
            raise InvalidInputError(msg)
        mark = positive_number(mark_prices[contract.symbol], f"mark_prices[{contract.symbol!r}]")
        sign = 1 if position.side == "long" else -1
        exposure += sign * position.size * contract.contract_size * mark
    quantity = to_decimal(spot, name="spot")
    if quantity:
        if spot_price is None:
            msg = f"spot_price must be given with spot {spot!r}"
            raise InvalidInputError(msg)
        exposure += quantity * positive_number(spot_price, "spot_price")
    return max(Decimal(0), *(-move * exposure for move in _moves(moves)))


def _moves(value: Iterable[NumberLike]) -> tuple[Decimal, ...]:
    rows = entries(value, f"moves must be an iterable of relative moves, got {value!r}")
    if not rows:
        msg = "moves must hold at least one scenario, got none"
        raise InvalidInputError(msg)
    moves = tuple(to_decimal(row, name=f"moves[{i}]") for i, row in enumerate(rows))
    for i, move in enumerate(moves):
        if move <= -1:
            msg = f"moves[{i}] must be above -1 (a price stays positive), got {rows[i]!r}"
            raise InvalidInputError(msg)
    return moves


def _symbols(value: Iterable[str]) -> tuple[str, ...]:
    rows = tuple(entries(value, f"symbols must be an iterable of symbols, got {value!r}"))
    for i, row in enumerate(rows):
        if not isinstance(row, str) or not row:
            msg = f"symbols[{i}] must be a non-empty symbol, got {row!r}"
            raise InvalidInputError(msg)
    if len(set(rows)) != len(rows):
        msg = f"symbols must not repeat a symbol, got {rows!r}"
        raise InvalidInputError(msg)
    return rows


@attrs.frozen(kw_only=True)
class RiskUnit:
    r"""One risk unit of a portfolio-margin account: the delta-one products of one coin.

    With ``P_i`` the marks of the unit's linear contracts (signed quantity ``s_i·Q_i``),
    ``I`` the coin's index price and ``w`` the worth of the coin's own balance (when
    ``spot``), the unit's exposure, gross quantity and maintenance margin are

    .. math::

        X = \sum_i s_i Q_i P_i + w, \qquad G = \sum_i \lvert Q_i \rvert \cdot I

        L = \max\bigl(0,\ \max_{m \in moves} -m X\bigr), \qquad
        MM_{unit} = \max\bigl(L + c \cdot G,\ f \cdot G\bigr), \qquad
        IM_{unit} = k \cdot MM_{unit}

    — Bybit: ``L`` the largest loss over the mark-price scenarios of the coin's price
    range, ``c·G`` the perpetual and futures contingency, ``k`` the IM factor, ``f = 0``;
    OKX: ``L`` is MR1, ``c·G`` a basis-risk charge MR4 and ``f·G`` the minimum charge MR7,
    stated as rates of the gross value (OKX does not publish them per instrument). Every
    parameter is the caller's: none has a default that changes a figure.

    Args:
        underlying: the coin, e.g. ``"BTC"`` (its index price is the unit's ``I``).
        symbols: the linear contracts of the unit (the account must hold them).
        moves: the relative moves of the price scenarios (each > −1), e.g.
            ``okx.PM_SPOT_SHOCKS["BTC"]``, or the ends ``[-r, r]`` of Bybit's price
            range ``±r`` for the coin (the loss is linear in the move, so for delta-one
            products the points inside the range change nothing).
        spot: whether the coin's own balance joins the unit (Bybit's spot hedging, OKX's
            spot-derivatives offset); the account must then have the coin's book.
        contingency_rate: ``c`` (≥ 0), per unit of gross value.
        minimum_rate: ``f`` (≥ 0), per unit of gross value.
        initial_factor: ``k`` (≥ 1), the initial margin's multiple of the maintenance.

    Raises:
        InvalidInputError: for a field out of its domain.

    References:
        Bybit, "Margin Calculations under Portfolio Margin (Unified Trading Account)"
        (maintenance margin = maximum loss + contingency; initial margin = maintenance ×
        IM factor); OKX, "OKX to enhance new features in portfolio margin mode";
        :ref:`rule-portfolio-margin-units` [published method; the delta-one closed form
        derived].

    Examples:
        >>> unit = RiskUnit(underlying="BTC", symbols=["BTCUSDT"], moves=["-0.15", "0.15"])
        >>> unit.moves, unit.initial_factor
        ((Decimal('-0.15'), Decimal('0.15')), Decimal('1'))

    .. versionadded:: 0.2.0
    """

    underlying: str = attrs.field(validator=_name)
    symbols: tuple[str, ...] = attrs.field(converter=_symbols)
    moves: tuple[Decimal, ...] = attrs.field(converter=_moves)
    spot: bool = attrs.field(default=False, validator=_flag)
    contingency_rate: Decimal = attrs.field(
        default=Decimal(0), converter=number, validator=non_negative
    )
    minimum_rate: Decimal = attrs.field(
        default=Decimal(0), converter=number, validator=non_negative
    )
    initial_factor: Decimal = attrs.field(default=Decimal(1), converter=number, validator=finite)

    @initial_factor.validator
    def _check_factor(self, _attribute: attrs.Attribute[Any], value: Decimal) -> None:
        if value < 1:
            msg = f"initial_factor must be at least 1, got {value!r}"
            raise InvalidInputError(msg)
