r"""Perpetual futures: linear and inverse, isolated and cross, one-way and hedge.

Margin, PnL, ROE, margin ratio, funding, and the liquidation and bankruptcy prices of
Binance USDⓈ-M (linear) and COIN-M (inverse) perpetuals (:ref:`rule-futures`), with the
liquidation condition of other venues expressible as a :class:`LiquidationRule`
(:ref:`rule-venues`).

Units. A :class:`Contract` of kind ``"linear"`` counts size in base units times the
contract size (Binance USDⓈ-M: contract size 1, size in BTC); PnL, margin and notional
are in the quote asset. A contract of kind ``"inverse"`` counts size in contracts, each
worth ``contract_size`` quote units (BTCUSD_PERP: 100 USD); PnL, margin and notional are
in the base coin. Bracket tables are in that notional unit: ``Q·P`` quote (linear),
``N·CS/P`` coin (inverse). Above a table's highest cap (a position whose notional grew
with the price), the last bracket is extrapolated.

Signs. ``side`` is ``"long"`` (s = +1) or ``"short"`` (s = −1). A positive PnL is a
gain; a positive :func:`funding_payment` is paid by the position.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import attrs

from levrisk import _futures_solver as _solver
from levrisk._fields import (
    fraction,
    fraction_number,
    instance_of,
    non_negative,
    non_negative_number,
    number,
    optional_number,
    positive,
    positive_number,
)
from levrisk.brackets import BracketTable
from levrisk.exceptions import InsufficientMarginError, InvalidInputError, LeverageError
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = [
    "CloseFeeBasis",
    "Contract",
    "ContractKind",
    "CrossAccount",
    "LiquidationRule",
    "MaintenanceBasis",
    "MarginBasis",
    "OpenCost",
    "Position",
    "PositionMode",
    "Side",
    "adjust_isolated_margin",
    "average_entry_price",
    "bankruptcy_price",
    "break_even_price",
    "cost_to_open",
    "cross_liquidation_price",
    "cross_margin_ratio",
    "funding_payment",
    "initial_margin",
    "isolated_liquidation_price",
    "maintenance_margin",
    "margin_ratio",
    "max_open_quantity",
    "max_removable_margin",
    "notional",
    "realized_pnl",
    "roe",
    "target_price",
    "unrealized_pnl",
]

Side: TypeAlias = Literal["long", "short"]
"""The side of a position: ``"long"`` (s = +1) or ``"short"`` (s = −1)."""

ContractKind: TypeAlias = Literal["linear", "inverse"]
"""``"linear"`` (quote-margined, PnL in quote) or ``"inverse"`` (coin-margined, PnL in coin)."""

PositionMode: TypeAlias = Literal["one_way", "hedge"]
"""``"one_way"`` (one net position per symbol) or ``"hedge"`` (a long and a short per symbol)."""

MaintenanceBasis: TypeAlias = Literal["mark", "entry"]
"""Whether a liquidation rule values maintenance margin at the mark price or at entry."""

CloseFeeBasis: TypeAlias = Literal["none", "mark", "bankruptcy"]
"""Whether a liquidation rule reserves a closing fee, valued at mark or at bankruptcy."""

MarginBasis: TypeAlias = Literal["entry", "mark"]
"""The price an initial margin is valued at: entry (the calculator's) or mark."""

_SIDES: tuple[str, ...] = ("long", "short")
_KINDS: tuple[str, ...] = ("linear", "inverse")
_MODES: tuple[str, ...] = ("one_way", "hedge")
_BASES: tuple[str, ...] = ("mark", "entry")
_FEES: tuple[str, ...] = ("none", "mark", "bankruptcy")


def _check_choice(name: str, value: object, options: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in options:
        msg = f"{name} must be one of {options!r}, got {value!r}"
        raise InvalidInputError(msg)


def _one_of(options: tuple[str, ...]) -> Any:  # noqa: ANN401 - an attrs validator
    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        _check_choice(attribute.name, value, options)

    return validate


def _symbol(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{attribute.name} must be a non-empty string, got {value!r}"
        raise InvalidInputError(msg)


_EXPONENT_LIMIT = 1000
"""Numbers that enter the exact rational solve must lie within 1e±1000 in magnitude."""


def _fraction(value: Decimal, name: str) -> Fraction:
    """``value`` as an exact rational, refusing magnitudes the solve cannot afford.

    A ``Decimal`` like ``1e999999`` is a million-digit integer as a fraction; no price,
    size or balance is anywhere near 1e±1000, so such input is refused rather than left
    to stall the solver.
    """
    if value and not -_EXPONENT_LIMIT <= value.adjusted() <= _EXPONENT_LIMIT:
        msg = f"{name} must lie within 1e-1000 and 1e+1000 in magnitude, got {value!r}"
        raise InvalidInputError(msg)
    return Fraction(value)


def _decimal(value: Fraction) -> Decimal:
    """An exact rational as a Decimal (exact when it terminates, else 50 digits)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _sign(side: Side) -> int:
    return 1 if side == "long" else -1


@attrs.frozen(kw_only=True)
class Contract:
    """A perpetual contract: symbol, kind, contract size and bracket table.

    Args:
        symbol: the exchange's symbol, e.g. ``"BTCUSDT"`` or ``"BTCUSD_PERP"``.
        kind: a :data:`ContractKind`. Linear size is in base units × ``contract_size``;
            inverse size is in contracts of ``contract_size`` quote units each.
        brackets: the maintenance/leverage table, in quote notional (linear) or coin
            notional (inverse).
        contract_size: ``CS`` (> 0); 1 for Binance USDⓈ-M, 100 USD for BTCUSD_PERP.
        tick_size: the price step, when known (> 0); not used by the formulas, kept for
            rounding a displayed price with ``round_to_step``.

    Raises:
        InvalidInputError: when a field is missing its type or out of its domain.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> Contract(symbol="BTCUSDT", kind="linear", brackets=table).contract_size
        Decimal('1')

    .. versionadded:: 0.1.0
    """

    symbol: str = attrs.field(validator=_symbol)
    kind: ContractKind = attrs.field(validator=_one_of(_KINDS))
    brackets: BracketTable = attrs.field(validator=instance_of(BracketTable))
    contract_size: Decimal = attrs.field(default=Decimal(1), converter=number, validator=positive)
    tick_size: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )


def _x(kind: ContractKind, price: Decimal, name: str) -> Fraction:
    """The solver's variable at ``price``: ``P`` (linear) or ``1/P`` (inverse)."""
    value = _fraction(price, name)
    return value if kind == "linear" else 1 / value


def _notional_at(contract: Contract, size: Decimal, price: Decimal) -> Decimal:
    if contract.kind == "linear":
        return size * contract.contract_size * price
    return size * contract.contract_size / price


@attrs.frozen(kw_only=True)
class Position:
    """An open futures position.

    Args:
        contract: the :class:`Contract`.
        side: a :data:`Side`.
        size: > 0; base units (linear, times the contract size) or contracts (inverse).
        entry_price: > 0, quote per base.
        leverage: ``L`` ≥ 1, at most the max leverage of the bracket that holds the
            position's notional at entry.

    Raises:
        InvalidInputError: when a field is not a number, not positive, or of the wrong
            type; ``BracketError`` when the notional at entry exceeds the table.
        LeverageError: when ``leverage`` is below 1 or above the bracket's max leverage.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000, 250_000],
        ...     maintenance_rates=["0.004", "0.005"],
        ...     max_leverages=[125, 100],
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> Position(
        ...     contract=btc, side="long", size=2, entry_price=30_000, leverage=125
        ... )  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        levrisk.exceptions.LeverageError: leverage must be between 1 and 100 (the max ...

    .. versionadded:: 0.1.0
    """

    contract: Contract = attrs.field(validator=instance_of(Contract))
    side: Side = attrs.field(validator=_one_of(_SIDES))
    size: Decimal = attrs.field(converter=number, validator=positive)
    entry_price: Decimal = attrs.field(converter=number, validator=positive)
    leverage: Decimal = attrs.field(converter=number, validator=positive)

    @leverage.validator
    def _check_leverage(self, _attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        entry_notional = _exact_notional(self.contract, self.size, self.entry_price)
        bracket = self.contract.brackets.bracket_for(entry_notional)
        if not 1 <= value <= bracket.max_leverage:
            msg = (
                f"leverage must be between 1 and {bracket.max_leverage} (the max leverage of "
                f"the bracket {bracket.floor} < notional ≤ {bracket.cap} holding the notional "
                f"{entry_notional} at entry), got {value!r}"
            )
            raise LeverageError(msg)


@exact
def _exact_notional(contract: Contract, size: Decimal, price: Decimal) -> Decimal:
    return _notional_at(contract, size, price)


def _require_position(position: object) -> Position:
    if not isinstance(position, Position):
        msg = f"position must be a Position, got {position!r}"
        raise InvalidInputError(msg)
    return position


def _maintenance(contract: Contract, notional_value: Decimal) -> Decimal:
    brackets = contract.brackets.brackets
    bracket = next((b for b in brackets if notional_value <= b.cap), brackets[-1])
    return bracket.maintenance_margin(notional_value)


def _pnl(position: Position, price: Decimal) -> Decimal:
    q = position.size * position.contract.contract_size
    s = _sign(position.side)
    if position.contract.kind == "linear":
        return s * q * (price - position.entry_price)
    return s * q * (1 / position.entry_price - 1 / price)


@exact
def notional(position: Position, *, price: NumberLike | None = None) -> Decimal:
    r"""The position's notional at ``price`` (default: its entry price).

    .. math::

        \text{linear: } Q \cdot CS \cdot P \qquad \text{inverse: } N \cdot CS / P

    Args:
        position: the :class:`Position`.
        price: the price to value it at (> 0); ``None`` means the entry price.

    Returns:
        The notional in quote (linear) or coin (inverse), the bracket table's unit.

    Raises:
        InvalidInputError: when ``position`` is not a Position or ``price`` not positive.

    References:
        Binance, "Leverage and Margin of USDⓈ-M Futures" / "of COIN-M Futures";
        :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[5], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btcusd = Contract(
        ...     symbol="BTCUSD_PERP", kind="inverse", brackets=table, contract_size=100
        ... )
        >>> pos = Position(contract=btcusd, side="long", size=100, entry_price=25_000, leverage=20)
        >>> notional(pos)
        Decimal('0.4')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    value = position.entry_price if price is None else positive_number(price, "price")
    return _notional_at(position.contract, position.size, value)


@exact
def initial_margin(
    position: Position, *, basis: MarginBasis = "entry", mark_price: NumberLike | None = None
) -> Decimal:
    r"""Initial margin ``notional / L``, valued at entry (the calculator's) or at mark.

    .. math::

        IM = \frac{notional(P)}{L},\quad P = EP \text{ (basis entry) or } MP \text{ (mark)}

    Args:
        position: the :class:`Position`.
        basis: a :data:`MarginBasis`: ``"entry"`` (Binance's calculator, the margin an
            isolated position is opened with) or ``"mark"`` (the margin the position ties
            up now).
        mark_price: the mark price, required when ``basis="mark"``.

    Returns:
        IM in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position, basis, or a missing/non-positive mark.

    References:
        Binance, "How to Calculate Initial Margin"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="short", size=1, entry_price="9253.30", leverage=20)
        >>> initial_margin(pos)
        Decimal('462.665')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    _check_choice("basis", basis, ("entry", "mark"))
    if basis == "entry":
        if mark_price is not None:
            msg = f"mark_price is only used with basis='mark', got {mark_price!r}"
            raise InvalidInputError(msg)
        price = position.entry_price
    elif mark_price is None:
        msg = "mark_price is required when basis='mark', got None"
        raise InvalidInputError(msg)
    else:
        price = positive_number(mark_price, "mark_price")
    return _notional_at(position.contract, position.size, price) / position.leverage


@exact
def maintenance_margin(position: Position, *, mark_price: NumberLike) -> Decimal:
    r"""Maintenance margin at ``mark_price``, bracket chosen by the notional at that price.

    .. math::

        MM = notional(MP) \cdot m - cum

    Above the table's highest cap the last bracket is extrapolated.

    Args:
        position: the :class:`Position`.
        mark_price: the mark price (> 0).

    Returns:
        MM in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position or a non-positive mark price.

    References:
        Binance, "Leverage and Margin of USDⓈ-M Futures" / "of COIN-M Futures";
        :ref:`rule-brackets` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[5, 10], maintenance_rates=["0.004", "0.005"], max_leverages=[125, 100]
        ... )
        >>> btcusd = Contract(
        ...     symbol="BTCUSD_PERP", kind="inverse", brackets=table, contract_size=100
        ... )
        >>> pos = Position(contract=btcusd, side="long", size=100, entry_price=25_000, leverage=20)
        >>> maintenance_margin(pos, mark_price=25_000)
        Decimal('0.0016')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    price = positive_number(mark_price, "mark_price")
    return _maintenance(position.contract, _notional_at(position.contract, position.size, price))


@exact
def unrealized_pnl(position: Position, *, mark_price: NumberLike) -> Decimal:
    r"""Unrealized PnL at ``mark_price`` (positive: a gain).

    .. math::

        \text{linear: } s \cdot Q \cdot CS \cdot (MP - EP) \qquad
        \text{inverse: } s \cdot N \cdot CS \cdot \left(\frac{1}{EP} - \frac{1}{MP}\right)

    Args:
        position: the :class:`Position`.
        mark_price: the mark price (> 0).

    Returns:
        PnL in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position or a non-positive mark price.

    References:
        Binance, "Unrealized PnL" (USDⓈ-M and COIN-M); :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="short", size="0.5", entry_price=40_000, leverage=10)
        >>> unrealized_pnl(pos, mark_price=38_000)
        Decimal('1000.0')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    return _pnl(position, positive_number(mark_price, "mark_price"))


@exact
def roe(position: Position, *, mark_price: NumberLike) -> Decimal:
    r"""Return on equity at ``mark_price`` on Binance calculator's terms, as a fraction.

    It is the unrealized PnL over the initial margin at entry:

    .. math::

        \text{linear: } s \cdot \left(\frac{P}{EP} - 1\right) \cdot L \qquad
        \text{inverse: } s \cdot \left(1 - \frac{EP}{P}\right) \cdot L

    Binance's printed linear ROI text does not agree with its own target-price formula;
    these are the terms consistent with :func:`target_price` (``0.5`` means 50%).

    Args:
        position: the :class:`Position`.
        mark_price: the price (> 0).

    Returns:
        ROE as a fraction (dimensionless).

    Raises:
        InvalidInputError: for a bad position or a non-positive price.

    References:
        Binance Futures calculator; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> roe(pos, mark_price=42_000)
        Decimal('0.50')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    price = positive_number(mark_price, "mark_price")
    s = _sign(position.side)
    if position.contract.kind == "linear":
        return s * (price / position.entry_price - 1) * position.leverage
    return s * (1 - position.entry_price / price) * position.leverage


@exact
def margin_ratio(
    position: Position, *, margin: NumberLike, mark_price: NumberLike
) -> Decimal | None:
    r"""Binance's margin ratio of an isolated position: MM ÷ margin balance.

    .. math::

        \text{margin ratio} = \frac{MM(MP)}{M + UPNL(MP)}

    Binance's convention (also Bybit's and Deribit's): higher is riskier, liquidation at
    1 (100%). OKX's "margin ratio" points the other way; this is not it.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` (≥ 0), in quote (linear) or coin (inverse).
        mark_price: the mark price (> 0).

    Returns:
        The ratio (1 = liquidation), or ``None`` when the margin balance is ≤ 0 (the
        position is past bankruptcy and the ratio has no meaning).

    Raises:
        InvalidInputError: for a bad position, a negative margin or a non-positive price.

    References:
        Binance, "Margin Ratio"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> margin_ratio(pos, margin=500, mark_price=50_000)
        Decimal('0.008')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    wallet = non_negative_number(margin, "margin")
    price = positive_number(mark_price, "mark_price")
    balance = wallet + _pnl(position, price)
    if balance <= 0:
        return None
    mm = _maintenance(position.contract, _notional_at(position.contract, position.size, price))
    return mm / balance


@exact
def target_price(position: Position, *, roe: NumberLike) -> Decimal | None:
    r"""The price at which the position reaches the target ROE ``r`` (a fraction).

    .. math::

        \text{linear: } EP \cdot \left(1 + \frac{s \cdot r}{L}\right) \qquad
        \text{inverse: } \frac{s \cdot EP}{s - r / L}

    Args:
        position: the :class:`Position`.
        roe: the target ROE as a fraction (``0.5`` = 50%; negative for a loss).

    Returns:
        The target price, or ``None`` when no positive price reaches it (e.g. a linear
        short cannot earn ``L`` times its margin, a long cannot lose more than ``L``).

    Raises:
        InvalidInputError: for a bad position or a non-numeric ``roe``.

    References:
        Binance Futures calculator, "Target Price"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> target_price(pos, roe="0.5")
        Decimal('42000.00')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    r = to_decimal(roe, name="roe")
    s = _sign(position.side)
    if position.contract.kind == "linear":
        price = position.entry_price * (1 + s * r / position.leverage)
    else:
        denominator = s - r / position.leverage
        if denominator == 0:
            return None
        price = s * position.entry_price / denominator
    return price if price > 0 else None


@exact
def break_even_price(
    position: Position, *, open_fee_rate: NumberLike, close_fee_rate: NumberLike
) -> Decimal:
    r"""The exit price at which PnL pays the opening and closing fees exactly.

    .. math::

        \text{linear long: } EP\frac{1 + f_o}{1 - f_c},\quad
        \text{short: } EP\frac{1 - f_o}{1 + f_c};\qquad
        \text{inverse long: } EP\frac{1 + f_c}{1 - f_o},\quad
        \text{short: } EP\frac{1 - f_c}{1 + f_o}

    Fees are rates on the notional of each trade (quote for linear, coin for inverse).

    Args:
        position: the :class:`Position`.
        open_fee_rate: ``f_o`` in [0, 1).
        close_fee_rate: ``f_c`` in [0, 1).

    Returns:
        The break-even exit price.

    Raises:
        InvalidInputError: for a bad position or a fee rate outside [0, 1).

    References:
        Linear: :ref:`rule-futures-margin-pnl` [published]. Inverse: solved from the coin PnL and
        coin-valued fees [derived].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> break_even_price(pos, open_fee_rate="0.0005", close_fee_rate="0.0005")
        Decimal('40040.020010005002501250625312656328164082041020510')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    fo = fraction_number(open_fee_rate, "open_fee_rate")
    fc = fraction_number(close_fee_rate, "close_fee_rate")
    ep = position.entry_price
    long = position.side == "long"
    if position.contract.kind == "linear":
        return ep * (1 + fo) / (1 - fc) if long else ep * (1 - fo) / (1 + fc)
    return ep * (1 + fc) / (1 - fo) if long else ep * (1 - fc) / (1 + fo)


@exact
def funding_payment(
    position: Position, *, mark_price: NumberLike, funding_rate: NumberLike
) -> Decimal:
    r"""The funding the position pays at one funding time (positive: it pays).

    .. math::

        \text{payment} = s \cdot notional(MP) \cdot r

    With a positive rate longs pay shorts; with a negative rate shorts pay longs. A
    negative result is funding received.

    Args:
        position: the :class:`Position`.
        mark_price: the mark price at the funding time (> 0).
        funding_rate: the funding rate ``r`` as a fraction (any sign).

    Returns:
        The payment in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position, price or rate.

    References:
        Binance, "Introduction to Funding Rates"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="short", size="0.5", entry_price=40_000, leverage=10)
        >>> funding_payment(pos, mark_price=40_000, funding_rate="0.0001")
        Decimal('-2.00000')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    price = positive_number(mark_price, "mark_price")
    rate = to_decimal(funding_rate, name="funding_rate")
    return _sign(position.side) * _notional_at(position.contract, position.size, price) * rate


@exact
def average_entry_price(
    fills: Iterable[tuple[NumberLike, NumberLike]], *, kind: ContractKind = "linear"
) -> Decimal:
    r"""The entry price of a position built from several fills of one side.

    .. math::

        \text{linear: } \frac{\sum q_j p_j}{\sum q_j} \qquad
        \text{inverse: } \frac{\sum n_j}{\sum n_j / p_j}

    Linear entries average by quantity; inverse entries average harmonically (total
    contracts × CS over total coin value; the contract size cancels).

    Args:
        fills: ``(size, price)`` pairs, sizes and prices > 0, at least one.
        kind: a :data:`ContractKind`.

    Returns:
        The average entry price.

    Raises:
        InvalidInputError: when ``fills`` is empty or not pairs, or a value not positive.

    References:
        Binance, "How to Calculate the Average Entry Price"; :ref:`rule-futures-margin-pnl`
        [published].

    Examples:
        >>> average_entry_price([(1, 20_000), (1, 30_000)], kind="inverse")
        Decimal('24000')

    .. versionadded:: 0.1.0
    """
    _check_choice("kind", kind, _KINDS)
    raw: object = fills
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        msg = f"fills must be an iterable of (size, price) pairs, got {fills!r}"
        raise InvalidInputError(msg)
    total = Fraction(0)
    weighted = Fraction(0)
    count = 0
    for j, fill in enumerate(raw):
        if not isinstance(fill, (tuple, list)) or len(fill) != 2:
            msg = f"fills[{j}] must be a (size, price) pair, got {fill!r}"
            raise InvalidInputError(msg)
        size = positive_number(fill[0], f"fills[{j}] size")
        price = positive_number(fill[1], f"fills[{j}] price")
        q = _fraction(size, f"fills[{j}] size")
        p = _fraction(price, f"fills[{j}] price")
        total += q
        weighted += q * p if kind == "linear" else q / p
        count += 1
    if count == 0:
        msg = f"fills must hold at least one (size, price) pair, got {fills!r}"
        raise InvalidInputError(msg)
    return _decimal(weighted / total if kind == "linear" else total / weighted)


@exact
def realized_pnl(position: Position, *, size: NumberLike, exit_price: NumberLike) -> Decimal:
    r"""The PnL realized by closing ``size`` of the position at ``exit_price`` (before fees).

    .. math::

        \text{linear: } s \cdot q \cdot CS \cdot (P_{exit} - EP) \qquad
        \text{inverse: } s \cdot n \cdot CS \cdot \left(\frac{1}{EP} - \frac{1}{P_{exit}}\right)

    A partial close keeps the entry price of the rest.

    Args:
        position: the :class:`Position`.
        size: the closed size, ``0 < size ≤ position.size``.
        exit_price: the fill price (> 0).

    Returns:
        Realized PnL in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position, price, or a size outside (0, position size].

    References:
        Binance, "Realized PnL"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size=1, entry_price=40_000, leverage=10)
        >>> realized_pnl(pos, size="0.25", exit_price=44_000)
        Decimal('1000.00')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    closed = positive_number(size, "size")
    if closed > position.size:
        msg = f"size must not exceed the position's size {position.size!r}, got {size!r}"
        raise InvalidInputError(msg)
    price = positive_number(exit_price, "exit_price")
    return _pnl(attrs.evolve(position, size=closed), price)


@attrs.frozen(kw_only=True)
class OpenCost:
    """What opening a position costs: initial margin plus the open loss.

    Args:
        initial_margin: ``notional(order price) / L``.
        open_loss: the loss of filling away from the mark price (≥ 0).

    Examples:
        >>> OpenCost(initial_margin="462.665", open_loss="6.54").total
        Decimal('469.205')

    .. versionadded:: 0.1.0
    """

    initial_margin: Decimal = attrs.field(converter=number, validator=non_negative)
    open_loss: Decimal = attrs.field(converter=number, validator=non_negative)

    @property
    def total(self) -> Decimal:
        """``initial_margin + open_loss``, the balance the order needs."""
        return self.initial_margin + self.open_loss


def _open_loss_per_unit(kind: ContractKind, side: Side, order: Decimal, mark: Decimal) -> Decimal:
    d = _sign(side)
    if kind == "linear":
        return max(Decimal(0), d * (order - mark))
    return max(Decimal(0), d * (1 / mark - 1 / order))


@exact
def cost_to_open(
    contract: Contract,
    *,
    side: Side,
    size: NumberLike,
    order_price: NumberLike,
    mark_price: NumberLike,
    leverage: NumberLike,
) -> OpenCost:
    r"""The cost of an order: initial margin at the order price plus the open loss.

    .. math::

        \text{cost} = \frac{notional(P_{order})}{L} + \text{open loss},\quad
        \text{open loss} = Q \cdot CS \cdot |\min(0, d \cdot (MP - P_{order}))|

    with ``d = +1`` for a buy (long) and −1 for a sell (short). Inverse: the open loss
    is the coin PnL of entering at the order price valued at mark,
    ``N·CS·max(0, d·(1/MP − 1/P_order))``.

    Args:
        contract: the :class:`Contract`.
        side: the :data:`Side` of the order.
        size: > 0, in the contract's size unit.
        order_price: the order price (> 0).
        mark_price: the mark price (> 0).
        leverage: ``L`` ≥ 1, at most the bracket's max for the order's notional.

    Returns:
        An :class:`OpenCost` (quote for linear, coin for inverse).

    Raises:
        InvalidInputError: for a bad contract, side or number.
        LeverageError: when the leverage exceeds the bracket's max.

    References:
        Binance, "How to Calculate Cost Required to Open a Position in Futures"
        (linear) — :ref:`rule-futures-margin-pnl` [published]; inverse [derived].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> cost = cost_to_open(
        ...     btc,
        ...     side="short",
        ...     size=1,
        ...     order_price="9253.30",
        ...     mark_price="9259.84",
        ...     leverage=20,
        ... )
        >>> cost.initial_margin, cost.open_loss
        (Decimal('462.665'), Decimal('6.54'))

    .. versionadded:: 0.1.0
    """
    if not isinstance(contract, Contract):
        msg = f"contract must be a Contract, got {contract!r}"
        raise InvalidInputError(msg)
    mark = positive_number(mark_price, "mark_price")
    position = Position(
        contract=contract, side=side, size=size, entry_price=order_price, leverage=leverage
    )
    loss = _open_loss_per_unit(contract.kind, side, position.entry_price, mark)
    return OpenCost(
        initial_margin=initial_margin(position),
        open_loss=position.size * contract.contract_size * loss,
    )


@exact
def max_open_quantity(
    contract: Contract,
    *,
    side: Side,
    available: NumberLike,
    price: NumberLike,
    mark_price: NumberLike,
    leverage: NumberLike,
) -> Decimal:
    r"""The largest size an available balance can open at ``price`` [derived].

    .. math::

        Q_{max} = \min\left(\frac{available}{P/L + \max(0, d \cdot (P - MP))},
        \frac{\text{max\_notional}(L)}{P}\right) \Big/ CS

    Inverse, per contract: cost ``CS/(P·L) + CS·max(0, d·(1/MP − 1/P))`` coin, capped at
    ``max_notional(L)·P/CS`` contracts. Binance documents no formula: this is derived
    from :func:`cost_to_open` and the bracket table, for an account with no other
    position on the symbol.

    Args:
        contract: the :class:`Contract`.
        side: the :data:`Side` of the order.
        available: the available balance (quote linear, coin inverse); ≤ 0 gives 0.
        price: the order price (> 0).
        mark_price: the mark price (> 0).
        leverage: ``L``, between 1 and the table's highest max leverage.

    Returns:
        The size, in the contract's size unit, rounded down at the 50th digit so that
        its cost never exceeds ``available`` nor its notional the cap (round it down to
        the lot step with ``round_to_step(..., "down")``).

    Raises:
        InvalidInputError: for a bad contract, side or number.
        LeverageError: when ``leverage`` is outside the table's range.

    References:
        :ref:`rule-max-open` [derived].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000, 250_000],
        ...     maintenance_rates=["0.004", "0.005"],
        ...     max_leverages=[125, 100],
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> max_open_quantity(
        ...     btc,
        ...     side="long",
        ...     available=1_000,
        ...     price=50_000,
        ...     mark_price=50_000,
        ...     leverage=20,
        ... )
        Decimal('0.4')

    .. versionadded:: 0.1.0
    """
    if not isinstance(contract, Contract):
        msg = f"contract must be a Contract, got {contract!r}"
        raise InvalidInputError(msg)
    _check_choice("side", side, _SIDES)
    balance = to_decimal(available, name="available")
    order = positive_number(price, "price")
    mark = positive_number(mark_price, "mark_price")
    cap = contract.brackets.max_notional(leverage)
    lev = to_decimal(leverage, name="leverage")
    cs = _fraction(contract.contract_size, "contract.contract_size")
    p, mp = _fraction(order, "price"), _fraction(mark, "mark_price")
    lv = _fraction(lev, "leverage")
    d = _sign(side)
    if contract.kind == "linear":
        per_unit = cs * (p / lv + max(Fraction(0), d * (p - mp)))
        limit = _fraction(cap, "max_notional") / (cs * p)
    else:
        per_unit = cs * (1 / (p * lv) + max(Fraction(0), d * (1 / mp - 1 / p)))
        limit = _fraction(cap, "max_notional") * p / cs
    best = max(Fraction(0), min(_fraction(balance, "available") / per_unit, limit))
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_FLOOR
        return Decimal(best.numerator) / Decimal(best.denominator)


@attrs.frozen(kw_only=True)
class LiquidationRule:
    r"""How a venue states its liquidation condition (:ref:`rule-venues`).

    Linear, with ``M`` the margin (isolated wallet, or cross wallet plus the other
    positions' PnL minus their maintenance):

    .. math::

        M + s \cdot Q \cdot (P - EP) = m \cdot Q \cdot V - cum + fee

    ``V`` is ``P`` (``maintenance_basis="mark"``) or ``EP`` (``"entry"``); ``fee`` is 0
    (``close_fee="none"``), ``c·Q·P`` (``"mark"``) or ``c·Q·BP`` (``"bankruptcy"``,
    with ``BP`` the bankruptcy price). Inverse: the same in coin values ``N·CS/P``. The
    bracket of a mark-valued maintenance is chosen by the notional at the liquidation
    price; of an entry-valued one by the notional at entry.

    The default is Binance USDⓈ-M and COIN-M (mark basis, no close fee: the clearance
    fee does not move the price). Others: Gate, OKX isolated, Bitget —
    ``LiquidationRule(close_fee="mark", fee_rate=c)``; Bybit classic and 2020 and
    BitMEX — ``maintenance_basis="entry"`` (Bybit with ``close_fee="bankruptcy"``).

    Args:
        maintenance_basis: a :data:`MaintenanceBasis`.
        close_fee: a :data:`CloseFeeBasis`.
        fee_rate: ``c`` in [0, 1); must be 0 when ``close_fee="none"``.

    Raises:
        InvalidInputError: for an unknown basis or fee basis, or a bad fee rate.

    References:
        :ref:`rule-venues` [published for Binance, Gate, Bybit; derived for OKX].

    Examples:
        >>> LiquidationRule(close_fee="mark", fee_rate="0.0005").maintenance_basis
        'mark'

    .. versionadded:: 0.1.0
    """

    maintenance_basis: MaintenanceBasis = attrs.field(default="mark", validator=_one_of(_BASES))
    close_fee: CloseFeeBasis = attrs.field(default="none", validator=_one_of(_FEES))
    fee_rate: Decimal = attrs.field(default=Decimal(0), converter=number, validator=fraction)

    @fee_rate.validator
    def _fee_needs_basis(self, _attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        if self.close_fee == "none" and value != 0:
            msg = f"fee_rate must be 0 when close_fee is 'none', got {value!r}"
            raise InvalidInputError(msg)


def _require_rule(rule: object) -> _solver.Rule:
    if not isinstance(rule, LiquidationRule):
        msg = f"rule must be a LiquidationRule, got {rule!r}"
        raise InvalidInputError(msg)
    fee_rate = _fraction(rule.fee_rate, "rule.fee_rate")
    return _solver.Rule(rule.maintenance_basis, rule.close_fee, fee_rate)


def _leg(position: Position) -> _solver.Leg:
    kind = position.contract.kind
    direction = _sign(position.side) * (1 if kind == "linear" else -1)
    for i, b in enumerate(position.contract.brackets.brackets):
        _fraction(b.cap, f"brackets[{i}].cap")
        _fraction(b.maintenance_rate, f"brackets[{i}].maintenance_rate")
        _fraction(b.maintenance_amount, f"brackets[{i}].maintenance_amount")
    size = _fraction(position.size, "position.size")
    quantity = size * _fraction(position.contract.contract_size, "contract_size")
    return _solver.Leg(
        direction,
        quantity,
        _x(kind, position.entry_price, "position.entry_price"),
        position.contract.brackets,
    )


def _to_price(kind: ContractKind, x: Fraction | None) -> Decimal | None:
    if x is None:
        return None
    return _decimal(x if kind == "linear" else 1 / x)


@exact
def isolated_liquidation_price(
    position: Position, *, margin: NumberLike, rule: LiquidationRule = LiquidationRule()
) -> Decimal | None:
    r"""The liquidation price of an isolated position.

    Solves ``margin balance = maintenance margin (+ fee)`` with the maintenance of the
    bracket that holds the notional *at the liquidation price*. Binance USDⓈ-M, one-way:

    .. math::

        LP_{long} = \frac{Q \cdot EP - M - cum}{Q (1 - m)},\qquad
        LP_{short} = \frac{Q \cdot EP + M + cum}{Q (1 + m)}

    and COIN-M: :math:`LP = \frac{CS \cdot N (m + s)}{M + cum + s \cdot N \cdot CS / EP}`.
    In hedge mode each side is its own isolated position with its own price.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` (≥ 0): the initial margin plus added margin;
            quote (linear) or coin (inverse).
        rule: the venue's :class:`LiquidationRule` (default Binance).

    Returns:
        The liquidation price, or ``None`` when there is none (e.g. a linear long at 1x:
        the solved price is ≤ 0).

    Raises:
        InvalidInputError: for a bad position, margin or rule.

    References:
        Binance, "How to Calculate Liquidation Price of USDⓈ-M Contracts" and "... of
        COIN-M Contracts"; :ref:`rule-futures-liquidation-linear` and
        :ref:`rule-futures-liquidation-inverse` [checked], :ref:`rule-venues` for other rules.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000, 250_000],
        ...     maintenance_rates=["0.004", "0.005"],
        ...     max_leverages=[125, 100],
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> isolated_liquidation_price(pos, margin=500)
        Decimal('25100.401606425702811244979919678714859437751004016')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    wallet = non_negative_number(margin, "margin")
    solver_rule = _require_rule(rule)
    kind = position.contract.kind
    x = _solver.solve(
        [_leg(position)],
        _fraction(wallet, "margin"),
        solver_rule,
        _x(kind, position.entry_price, "position.entry_price"),
    )
    return _to_price(kind, x)


@exact
def bankruptcy_price(position: Position, *, margin: NumberLike) -> Decimal | None:
    r"""The price at which an isolated position's margin balance reaches 0 [derived].

    The liquidation solve with no maintenance margin and no fee:

    .. math::

        \text{linear: } EP - s \cdot \frac{M}{Q} \qquad
        \text{inverse: } \frac{N \cdot CS}{N \cdot CS / EP + s \cdot M}

    With ``M`` the initial margin this is ``EP·(1 − s/L)`` (linear) and ``EP·L/(L + s)``
    (inverse).

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` (≥ 0).

    Returns:
        The bankruptcy price, or ``None`` when none exists (a linear long at 1x, an
        inverse short at 1x).

    Raises:
        InvalidInputError: for a bad position or margin.

    References:
        :ref:`rule-bankruptcy-price` [derived].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="short", size=1, entry_price=20_000, leverage=10)
        >>> bankruptcy_price(pos, margin=initial_margin(pos))
        Decimal('22000')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    wallet = non_negative_number(margin, "margin")
    kind = position.contract.kind
    rule = _solver.Rule(None, "none", Fraction(0))
    x = _solver.solve(
        [_leg(position)],
        _fraction(wallet, "margin"),
        rule,
        _x(kind, position.entry_price, "position.entry_price"),
    )
    return _to_price(kind, x)


@exact
def max_removable_margin(
    position: Position, *, margin: NumberLike, mark_price: NumberLike
) -> Decimal:
    r"""The most isolated margin that may be removed now [derived].

    .. math::

        \max\bigl(0,\; M + \min(0, UPNL) - \max(IM(MP), MM(MP))\bigr)

    Unrealized profit is not removable, and what stays must cover the initial margin at
    mark (and the maintenance margin, should a bracket demand more). Binance publishes no
    formula: this is derived and conservative.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` (≥ 0).
        mark_price: the mark price (> 0).

    Returns:
        The removable amount (quote linear, coin inverse), ≥ 0.

    Raises:
        InvalidInputError: for a bad position, margin or price.

    References:
        Binance, "How to Adjust Margin for Isolated Positions"; :ref:`rule-futures-margin-pnl`
        [derived].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> max_removable_margin(pos, margin=500, mark_price=39_000)
        Decimal('10.0')

    .. versionadded:: 0.1.0
    """
    position = _require_position(position)
    wallet = non_negative_number(margin, "margin")
    price = positive_number(mark_price, "mark_price")
    value = _notional_at(position.contract, position.size, price)
    floor = max(value / position.leverage, _maintenance(position.contract, value))
    return max(Decimal(0), wallet + min(Decimal(0), _pnl(position, price)) - floor)


@exact
def adjust_isolated_margin(
    position: Position, *, margin: NumberLike, amount: NumberLike, mark_price: NumberLike
) -> Decimal:
    r"""The isolated wallet after adding (``amount > 0``) or removing (``< 0``) margin.

    Adding margin moves the liquidation price away from the mark (for a linear long by
    ``amount / (Q·(1 − m))`` within one bracket); removing moves it closer, and at most
    :func:`max_removable_margin` may be removed. Pass the result as ``margin`` to
    :func:`isolated_liquidation_price`.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` now (≥ 0).
        amount: the change (any sign).
        mark_price: the mark price (> 0).

    Returns:
        ``margin + amount``.

    Raises:
        InvalidInputError: for a bad position, margin, amount or price.
        InsufficientMarginError: when removing more than :func:`max_removable_margin`.

    References:
        Binance, "How to Adjust Margin for Isolated Positions"; :ref:`rule-futures-margin-pnl`
        [derived].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> adjust_isolated_margin(pos, margin=400, amount=100, mark_price=40_000)
        Decimal('500')

    .. versionadded:: 0.1.0
    """
    change = to_decimal(amount, name="amount")
    removable = max_removable_margin(position, margin=margin, mark_price=mark_price)
    if -change > removable:
        msg = f"amount must not remove more than the removable {removable!r}, got {amount!r}"
        raise InsufficientMarginError(msg)
    return to_decimal(margin, name="margin") + change


def _to_positions(value: Iterable[Position]) -> tuple[Position, ...]:
    raw: object = value
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        msg = f"positions must be an iterable of Position, got {value!r}"
        raise InvalidInputError(msg)
    return tuple(raw)


@attrs.frozen(kw_only=True)
class CrossAccount:
    """A cross-margin futures wallet and its open positions.

    One wallet in one settlement asset: all contracts are of one kind (USDⓈ-M linear, or
    COIN-M inverse margined in one coin — an inverse account should hold contracts of
    that coin only).

    Args:
        wallet_balance: ``WB``, the cross wallet (quote linear, coin inverse).
        positions: the open positions, at most one per symbol in ``"one_way"`` mode and
            one per symbol and side in ``"hedge"`` mode.
        position_mode: a :data:`PositionMode`.

    Raises:
        InvalidInputError: for a non-Position, linear and inverse mixed, two positions
            of one symbol and side, a long and a short of one symbol in one-way mode,
            or two different contracts under one symbol.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> long = Position(contract=btc, side="long", size=1, entry_price=100, leverage=1)
        >>> short = Position(contract=btc, side="short", size=1, entry_price=100, leverage=1)
        >>> CrossAccount(
        ...     wallet_balance=10, positions=[long, short], position_mode="hedge"
        ... ).position_mode
        'hedge'
        >>> CrossAccount(wallet_balance=10, positions=[long, short])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        levrisk.exceptions.InvalidInputError: positions[1] holds a long and a short of ...

    .. versionadded:: 0.1.0
    """

    wallet_balance: Decimal = attrs.field(converter=number, validator=non_negative)
    positions: tuple[Position, ...] = attrs.field(converter=_to_positions)
    position_mode: PositionMode = attrs.field(default="one_way", validator=_one_of(_MODES))

    @positions.validator
    def _check_positions(
        self, _attribute: attrs.Attribute[Any], value: tuple[Position, ...]
    ) -> None:
        groups: dict[str, list[Position]] = {}
        for i, position in enumerate(value):
            if not isinstance(position, Position):
                msg = f"positions[{i}] must be a Position, got {position!r}"
                raise InvalidInputError(msg)
            if position.contract.kind != value[0].contract.kind:
                msg = (
                    f"positions[{i}] must be {value[0].contract.kind} like positions[0] "
                    f"(one cross wallet cannot mix linear and inverse), got "
                    f"{position.contract.kind!r}"
                )
                raise InvalidInputError(msg)
            symbol = position.contract.symbol
            group = groups.setdefault(symbol, [])
            if group and group[0].contract != position.contract:
                msg = f"positions[{i}] must use the same contract as the other {symbol!r} position"
                raise InvalidInputError(msg)
            if any(other.side == position.side for other in group):
                msg = f"positions[{i}] is a second {position.side} position for {symbol!r}"
                raise InvalidInputError(msg)
            if group and self.position_mode == "one_way":
                msg = (
                    f"positions[{i}] holds a long and a short of {symbol!r}, which needs "
                    f"position_mode='hedge', got {self.position_mode!r}"
                )
                raise InvalidInputError(msg)
            group.append(position)


def _marks(
    mark_prices: Mapping[str, NumberLike], positions: Sequence[Position]
) -> dict[str, Decimal]:
    if not isinstance(mark_prices, Mapping):
        msg = f"mark_prices must be a mapping of symbol to price, got {mark_prices!r}"
        raise InvalidInputError(msg)
    marks: dict[str, Decimal] = {}
    for position in positions:
        symbol = position.contract.symbol
        if symbol not in mark_prices:
            msg = f"mark_prices must hold a mark price for {symbol!r}, got {sorted(mark_prices)!r}"
            raise InvalidInputError(msg)
        marks[symbol] = positive_number(mark_prices[symbol], f"mark_prices[{symbol!r}]")
    return marks


@exact
def cross_margin_ratio(
    account: CrossAccount, *, mark_prices: Mapping[str, NumberLike]
) -> Decimal | None:
    r"""Binance's cross margin ratio: total MM ÷ cross margin balance.

    .. math::

        \text{margin ratio} = \frac{\sum MM_i(MP_i)}{WB + \sum UPNL_i(MP_i)}

    Higher is riskier; the account is liquidated at 1 (100%).

    Args:
        account: the :class:`CrossAccount`.
        mark_prices: the mark price of every symbol the account holds.

    Returns:
        The ratio, or ``None`` when the margin balance is ≤ 0.

    Raises:
        InvalidInputError: for a bad account or a missing or non-positive mark price.

    References:
        Binance, "Margin Ratio"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> account = CrossAccount(wallet_balance=500, positions=[pos])
        >>> cross_margin_ratio(account, mark_prices={"BTCUSDT": 40_000})
        Decimal('0.010666666666666666666666666666666666666666666666667')

    .. versionadded:: 0.1.0
    """
    if not isinstance(account, CrossAccount):
        msg = f"account must be a CrossAccount, got {account!r}"
        raise InvalidInputError(msg)
    marks = _marks(mark_prices, account.positions)
    balance = account.wallet_balance
    mm = Decimal(0)
    for position in account.positions:
        price = marks[position.contract.symbol]
        balance += _pnl(position, price)
        mm += _maintenance(position.contract, _notional_at(position.contract, position.size, price))
    if balance <= 0:
        return None
    return mm / balance


@exact
def cross_liquidation_price(
    account: CrossAccount,
    symbol: str,
    *,
    mark_prices: Mapping[str, NumberLike],
    rule: LiquidationRule = LiquidationRule(),
) -> Decimal | None:
    r"""The liquidation price of ``symbol`` in a cross account, the others at their marks.

    Binance USDⓈ-M (one-way size ``Q_B`` of side ``s_B``, or hedge sizes ``Q_L``,
    ``Q_S``, each with its own bracket at the liquidation price):

    .. math::

        LP = \frac{WB - TMM_1 + UPNL_1 + cum_B + cum_L + cum_S - s_B Q_B EP_B
                   - Q_L EP_L + Q_S EP_S}
                  {Q_B m_B + Q_L m_L + Q_S m_S - s_B Q_B - Q_L + Q_S}

    ``TMM1`` and ``UPNL1`` are the maintenance margin and PnL of every other symbol at
    its mark. COIN-M is the coin-valued analogue (:ref:`rule-futures-liquidation-inverse`). In
    hedge mode the
    long and the short of ``symbol`` share this one price. When the condition has two
    roots (possible in hedge mode with tiered rates), the one returned is the nearest to
    the symbol's mark in the direction that loses margin.

    Args:
        account: the :class:`CrossAccount`.
        symbol: the symbol to solve for; the account must hold it.
        mark_prices: the mark price of every other symbol the account holds; the
            symbol's own mark is optional (it only orients the search; default the
            entry price of the symbol's first position in the account).
        rule: the venue's :class:`LiquidationRule` (default Binance). Other symbols'
            maintenance follows the rule's basis and their close fee is valued at mark.

    Returns:
        The liquidation price, or ``None`` when there is none.

    Raises:
        InvalidInputError: for a bad account, rule, an unknown symbol, or a missing or
            non-positive mark price of another symbol (the message names it).

    References:
        Binance, "How to Calculate Liquidation Price of USDⓈ-M Contracts" and "... of
        COIN-M Contracts"; :ref:`rule-futures-liquidation-linear` and
        :ref:`rule-futures-liquidation-inverse` [checked], :ref:`rule-venues`.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.numbers import round_to_step
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> account = CrossAccount(wallet_balance=500, positions=[pos])
        >>> lp = cross_liquidation_price(account, "BTCUSDT", mark_prices={})
        >>> round_to_step(lp, "0.01", "half_up")
        Decimal('25100.40')

    .. versionadded:: 0.1.0
    """
    if not isinstance(account, CrossAccount):
        msg = f"account must be a CrossAccount, got {account!r}"
        raise InvalidInputError(msg)
    solver_rule = _require_rule(rule)
    own = [p for p in account.positions if p.contract.symbol == symbol]
    raw: object = symbol
    if not isinstance(raw, str) or not own:
        held = sorted({p.contract.symbol for p in account.positions})
        msg = f"symbol must be a symbol the account holds {held!r}, got {symbol!r}"
        raise InvalidInputError(msg)
    others = [p for p in account.positions if p.contract.symbol != symbol]
    marks = _marks(mark_prices, others)
    constant = _fraction(account.wallet_balance, "account.wallet_balance")
    for position in others:
        price = marks[position.contract.symbol]
        basis = price if rule.maintenance_basis == "mark" else position.entry_price
        value = _notional_at(position.contract, position.size, basis)
        fee = rule.fee_rate * _notional_at(position.contract, position.size, price)
        others_margin = _pnl(position, price) - _maintenance(position.contract, value) - fee
        constant += _fraction(others_margin, f"the margin of {position.contract.symbol!r}")
    kind = own[0].contract.kind
    start = own[0].entry_price
    if symbol in mark_prices:
        start = positive_number(mark_prices[symbol], f"mark_prices[{symbol!r}]")
    x = _solver.solve(
        [_leg(p) for p in own], constant, solver_rule, _x(kind, start, "the start price")
    )
    return _to_price(kind, x)
