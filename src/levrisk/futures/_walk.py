r"""The exact bar walker: the first bar at which liquidation, the stop or the take-profit fires.

Rules: :ref:`rule-bar-walker`. Pure ``Decimal``; the reference the compiled kernel of
``levrisk.batch`` is tested against.

Private: :mod:`levrisk.futures` will re-export the public names (``Bar``, ``WalkResult``,
``WalkEvent``, ``Intrabar``, ``walk``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeAlias

import attrs

from levrisk import _typing
from levrisk._fields import (
    entries,
    non_negative_number,
    number,
    optional_number,
    positive,
    positive_number,
    require,
)
from levrisk._typing import Side, choice
from levrisk.exceptions import AlreadyLiquidatedError, InvalidInputError
from levrisk.futures._funding import payment
from levrisk.futures._liquidation import _solve, _Terms, _terms, checked_rule
from levrisk.futures._model import LiquidationRule, Position
from levrisk.numbers import NumberLike, exact, to_decimal

WalkEvent: TypeAlias = _typing.WalkEvent
"""What ended a walk: the liquidation, the stop-loss or the take-profit."""

Intrabar: TypeAlias = _typing.Intrabar
"""Which of two levels inside one bar fires first: ``"worst"`` (liquidation, then stop,
then take-profit) or ``"best"`` (take-profit, then stop, then liquidation)."""

_ORDER: Mapping[str, tuple[WalkEvent, ...]] = {
    "worst": ("liquidation", "stop", "take_profit"),
    "best": ("take_profit", "stop", "liquidation"),
}


@attrs.frozen(kw_only=True)
class Bar:
    """One OHLC bar, optionally with the mark price's high and low.

    Args:
        open: the first trade price (> 0).
        high: the highest trade price, ≥ open, close and low.
        low: the lowest trade price (> 0).
        close: the last trade price.
        mark_high: the mark price's high, or ``None`` (liquidation then uses ``high``).
        mark_low: the mark price's low (≤ ``mark_high``), or ``None`` (uses ``low``).

    Raises:
        InvalidInputError: for a non-positive price or an inconsistent bar.

    Examples:
        >>> Bar(open=100, high=110, low=95, close=105).mark_low is None
        True

    .. versionadded:: 0.2.0
    """

    open: Decimal = attrs.field(converter=number, validator=positive)
    high: Decimal = attrs.field(converter=number, validator=positive)
    low: Decimal = attrs.field(converter=number, validator=positive)
    close: Decimal = attrs.field(converter=number, validator=positive)
    mark_high: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )
    mark_low: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )

    def __attrs_post_init__(self) -> None:
        """Check that the low and high hold the open and close (and the mark's range)."""
        if not self.low <= min(self.open, self.close) <= max(self.open, self.close) <= self.high:
            msg = f"a bar must have low ≤ open, close ≤ high, got {self!r}"
            raise InvalidInputError(msg)
        if (self.mark_high is None) != (self.mark_low is None) or (
            self.mark_high is not None
            and self.mark_low is not None
            and self.mark_low > self.mark_high
        ):
            msg = f"mark_low and mark_high must be given together with low ≤ high, got {self!r}"
            raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class WalkResult:
    """The first event of a walk.

    Args:
        index: the bar's index.
        event: the :data:`WalkEvent`.
        price: the fill price: the level, or the bar's open when it gaps through it.
        margin: the isolated margin at that bar (after its funding); for the spot-margin
            walker of :mod:`levrisk.batch`, what the loans owe (principal plus interest).
        liquidation_price: the liquidation price at that bar (``None``: none).

    .. versionadded:: 0.2.0
    """

    index: int
    event: WalkEvent
    price: Decimal
    margin: Decimal
    liquidation_price: Decimal | None


def hit(side: Side, event: WalkEvent, level: Decimal, low: Decimal, high: Decimal) -> bool:
    """Whether the range ``[low, high]`` reaches ``level`` (a long's loss levels lie below)."""
    losing = event != "take_profit"
    below = (side == "long") == losing
    return low <= level if below else high >= level


def first_event(
    side: Side,
    bar: Bar,
    levels: Mapping[WalkEvent, Decimal | None],
    order: tuple[WalkEvent, ...],
) -> tuple[WalkEvent, Decimal] | None:
    """The event that fires in ``bar``, and its fill price (a gap at the open comes first)."""
    mark_low = bar.low if bar.mark_low is None else bar.mark_low
    mark_high = bar.high if bar.mark_high is None else bar.mark_high
    for event in order:
        level = levels[event]
        if level is not None and hit(side, event, level, bar.open, bar.open):
            return event, bar.open
    for event in order:
        level = levels[event]
        if level is None:
            continue
        low, high = (mark_low, mark_high) if event == "liquidation" else (bar.low, bar.high)
        if hit(side, event, level, low, high):
            return event, level
    return None


@exact
def walk(
    position: Position,
    *,
    margin: NumberLike,
    bars: Sequence[Bar],
    stop: NumberLike | None = None,
    take_profit: NumberLike | None = None,
    funding: Mapping[int, NumberLike] | None = None,
    intrabar: Intrabar = "worst",
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
) -> WalkResult | None:
    r"""Walk an isolated position over bars; the first liquidation, stop or take-profit.

    At bar ``i`` a funding rate ``r_i`` (settled at the bar's open, valued at its open)
    is paid from the isolated margin, ``M ← M − s·notional(O_i)·r_i``, and the
    liquidation price is solved again (:func:`~levrisk.futures.isolated_liquidation_price`).
    Then, with a long's loss levels below and its take-profit above (a short's the other
    way round):

    1. a level the bar's open is already through fires at the open (a gap);
    2. else a level inside the bar's range fires at the level: the mark's range for the
       liquidation when the bar has one, the trade range for the stop and take-profit.

    Several levels in one bar fire in the ``intrabar`` order: ``"worst"`` (liquidation,
    stop, take-profit) or ``"best"`` (the reverse). A position already past its
    liquidation price at the first bar is liquidated at that bar's open.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet at the first bar (≥ 0).
        bars: the :class:`Bar` objects in time order.
        stop: the stop-loss trigger price, or ``None``.
        take_profit: the take-profit trigger price, or ``None``.
        funding: bar index → funding rate settled at that bar's open.
        intrabar: an :data:`Intrabar` assumption.
        rule: the venue's :class:`LiquidationRule` (default Binance).

    Returns:
        The first :class:`WalkResult`, or ``None`` when nothing fires.

    Raises:
        InvalidInputError: for a bad argument or a funding index outside the bars.

    References:
        :ref:`rule-bar-walker` [derived]; liquidation prices :ref:`rule-futures-liquidation-linear`,
        :ref:`rule-futures-liquidation-inverse`; funding :ref:`rule-funding`.

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size=1, entry_price=100, leverage=10)
        >>> bars = [
        ...     Bar(open=100, high=101, low=99, close=100),
        ...     Bar(open=96, high=97, low=85, close=90),
        ... ]
        >>> result = walk(pos, margin=10, bars=bars, stop=95)
        >>> result.index, result.event, round(result.price, 2)
        (1, 'liquidation', Decimal('90.36'))
        >>> walk(pos, margin=10, bars=bars, stop=95, intrabar="best").event
        'stop'

    .. versionadded:: 0.2.0
    """
    position = require(position, Position, "position")
    wallet = non_negative_number(margin, "margin")
    order = _ORDER[choice(intrabar, Intrabar, "intrabar")]
    condition = _terms(checked_rule(rule))
    levels: dict[WalkEvent, Decimal | None] = {
        "stop": None if stop is None else positive_number(stop, "stop"),
        "take_profit": None if take_profit is None else positive_number(take_profit, "take_profit"),
    }
    series = entries(bars, f"bars must be a sequence of Bar, got {bars!r}")
    rates = _funding_rates(funding, len(series))
    liquidation = solved_price(position, wallet, condition)
    for i, raw in enumerate(series):
        bar = require(raw, Bar, f"bars[{i}]")
        if i in rates:
            wallet -= payment(position.contract, position.side, position.size, bar.open, rates[i])
            liquidation = solved_price(position, wallet, condition)
        levels["liquidation"] = liquidation
        found = first_event(position.side, bar, levels, order)
        if found is not None:
            return WalkResult(
                index=i,
                event=found[0],
                price=found[1],
                margin=wallet,
                liquidation_price=liquidation,
            )
    return None


def solved_price(position: Position, wallet: Decimal, condition: _Terms) -> Decimal | None:
    """The isolated liquidation price, also when the position is already past it.

    A walk or a ledger acts on the price itself: a position already past its liquidation
    price at entry is liquidated at the first bar's open. A position that every price
    liquidates raises :class:`~levrisk.exceptions.AlwaysLiquidatedError`.
    """
    try:
        return _solve([position], wallet, condition, position.entry_price, what="the position")
    except AlreadyLiquidatedError as error:
        return error.price


def _funding_rates(funding: Mapping[int, NumberLike] | None, count: int) -> dict[int, Decimal]:
    """The funding rates by bar index, each index inside the bars."""
    if funding is None:
        return {}
    raw: Any = funding
    if not isinstance(raw, Mapping):
        msg = f"funding must be a mapping of bar index to rate, got {funding!r}"
        raise InvalidInputError(msg)
    out: dict[int, Decimal] = {}
    for index, rate in raw.items():
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            msg = f"funding must be keyed by bar indices in [0, {count}), got {index!r}"
            raise InvalidInputError(msg)
        out[index] = to_decimal(rate, name=f"funding[{index}]")
    return out
