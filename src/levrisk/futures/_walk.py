r"""The exact bar walker: the first bar at which liquidation, the stop or the take-profit fires.

Rules: :ref:`rule-bar-walker`. Pure ``Decimal``; the reference the compiled kernel of
``levrisk.batch`` is tested against.

Private: :mod:`levrisk.futures` will re-export the public names (``Bar``, ``WalkResult``,
``WalkEvent``, ``Intrabar``, ``walk``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, TypeAlias

import attrs

from levrisk._fields import (
    entries,
    non_negative_number,
    number,
    optional_number,
    positive,
    positive_number,
    require,
)
from levrisk._typing import InterestCounting, Side, choice
from levrisk.exceptions import AlreadyLiquidatedError, InvalidInputError
from levrisk.futures._funding import payment
from levrisk.futures._liquidation import _solve, _Terms, _terms, checked_rule
from levrisk.futures._model import LiquidationRule, Position
from levrisk.interest import RateSchedule, loan_state
from levrisk.margin._liquidation import liquidation_price
from levrisk.margin._model import IsolatedMarginAccount, Loan
from levrisk.numbers import NumberLike, exact, to_decimal

WalkEvent: TypeAlias = Literal["liquidation", "stop", "take_profit"]
"""What ended a walk: the liquidation, the stop-loss or the take-profit."""

Intrabar: TypeAlias = Literal["worst", "best"]
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
        margin: the isolated margin at that bar (after its funding); for
            :func:`walk_margin`, what the loans owe (principal plus interest).
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
    rates = _funding_rates(funding, len(bars))
    liquidation = solved_price(position, wallet, condition)
    for i, raw in enumerate(bars):
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


@exact
def walk_margin(
    account: IsolatedMarginAccount,
    *,
    bars: Sequence[Bar],
    times: Sequence[datetime],
    schedule: RateSchedule | NumberLike,
    liquidation_level: NumberLike,
    borrowed_at: datetime | None = None,
    counting: InterestCounting = "binance",
    stop: NumberLike | None = None,
    take_profit: NumberLike | None = None,
    intrabar: Intrabar = "worst",
) -> WalkResult | None:
    r"""Walk an isolated spot-margin position over bars while its loan accrues interest.

    The account owes one asset: quote (a long, whose loss levels lie below) or base (a
    short). At bar ``i``, opening at ``times[i]``, each loan owes its principal, its
    interest and the interest accrued from ``borrowed_at`` through ``times[i]``
    (:func:`~levrisk.interest.loan_state`), and the liquidation price is
    :func:`~levrisk.margin.liquidation_price` of the base at ``liquidation_level``:

    .. math::

        l_i = \frac{ML^* D_o(t_i) − A_o}{A_x − ML^* D_x(t_i)}

    so a long's rises and a short's falls at every accrual. The bar rule (gaps at the
    open, levels inside the range, the ``intrabar`` order) is that of :func:`walk`; the
    result's ``margin`` is what the loans owe at that bar (principal plus interest).

    Args:
        account: the :class:`~levrisk.margin.IsolatedMarginAccount` at the first bar.
        bars: the :class:`Bar` objects in time order.
        times: each bar's open instant, aware (as many as bars, none before
            ``borrowed_at``).
        schedule: the loan's :class:`~levrisk.interest.RateSchedule` or a constant
            hourly rate.
        liquidation_level: ``ML*``, e.g. ``MarginThresholds.liquidation``.
        borrowed_at: when the loans were taken (default ``times[0]``).
        counting: the venue's :data:`~levrisk.interest.InterestCounting` rule.
        stop: the stop-loss trigger price, or ``None``.
        take_profit: the take-profit trigger price, or ``None``.
        intrabar: an :data:`Intrabar` assumption.

    Returns:
        The first :class:`WalkResult`, or ``None`` when nothing fires.

    Raises:
        InvalidInputError: for a bad argument, an account that owes nothing or both
            assets, or times that do not match the bars.
        AlwaysLiquidatedError: when at some bar every price liquidates the account.

    References:
        :ref:`rule-bar-walker` [derived]; :ref:`rule-spot-liquidation`,
        :ref:`rule-interest` [published].

    Examples:
        1 BTC bought with 20,000 USDT borrowed at 0.1 % an hour (Binance counting: at the
        borrow and at every full hour), liquidated at a margin level of 1.1: the
        liquidation price is 22,022 at the first bar, 22,066 at the third:

        >>> from datetime import datetime, timedelta, timezone
        >>> from levrisk.margin import IsolatedMarginAccount, Loan
        >>> acct = IsolatedMarginAccount(
        ...     base="BTC",
        ...     quote="USDT",
        ...     base_balance=1,
        ...     loans=[Loan(asset="USDT", principal=20_000)],
        ... )
        >>> t0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
        >>> bars = [Bar(open=23_000, high=23_100, low=22_050, close=23_000)] * 3
        >>> hit = walk_margin(
        ...     acct,
        ...     bars=bars,
        ...     times=[t0 + timedelta(hours=h) for h in range(3)],
        ...     schedule="0.001",
        ...     liquidation_level="1.1",
        ... )
        >>> hit.index, hit.event, hit.price, hit.margin
        (2, 'liquidation', Decimal('22066.000'), Decimal('20060.000'))

    .. versionadded:: 0.2.0
    """
    account = require(account, IsolatedMarginAccount, "account")
    owed = {loan.asset for loan in account.loans if loan.total}
    if len(owed) != 1:
        msg = f"account must owe exactly one asset (base or quote), got {account!r}"
        raise InvalidInputError(msg)
    side: Side = "long" if owed == {account.quote} else "short"
    level = positive_number(liquidation_level, "liquidation_level")
    order = _ORDER[choice(intrabar, Intrabar, "intrabar")]
    instants = entries(times, f"times must be a sequence of datetimes, got {times!r}")
    if len(instants) != len(bars):
        msg = f"times must give one instant per bar ({len(bars)}), got {len(instants)}"
        raise InvalidInputError(msg)
    levels: dict[WalkEvent, Decimal | None] = {
        "stop": None if stop is None else positive_number(stop, "stop"),
        "take_profit": None if take_profit is None else positive_number(take_profit, "take_profit"),
    }
    for i, raw in enumerate(bars):
        bar = require(raw, Bar, f"bars[{i}]")
        since = instants[0] if borrowed_at is None else borrowed_at
        loans = [
            Loan(
                asset=loan.asset,
                principal=loan.principal,
                interest=loan.interest
                + loan_state(
                    loan.principal, schedule, since, instants[i], counting=counting
                ).interest_accrued,
            )
            for loan in account.loans
        ]
        now = attrs.evolve(account, loans=loans)
        levels["liquidation"] = liquidation_price(
            now, asset=account.base, prices={}, liquidation_level=level
        )
        found = first_event(side, bar, levels, order)
        if found is not None:
            return WalkResult(
                index=i,
                event=found[0],
                price=found[1],
                margin=sum((loan.total for loan in loans), Decimal(0)),
                liquidation_price=levels["liquidation"],
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
