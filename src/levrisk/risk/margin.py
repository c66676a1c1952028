r"""Risk tools for spot margin: sizing, stops, leverage for a stop, outcomes, scenarios, stress.

The private part of :mod:`levrisk.risk` for ``levrisk.margin``; re-exported there.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

import attrs

from levrisk import _fields
from levrisk import margin as spot
from levrisk._fields import (
    FrozenMap,
    entries,
    fee_rate,
    non_negative_number,
    positive_number,
    price_map,
    require,
)
from levrisk._typing import FeeConvention, MarginStatus, choice, one_of, side_sign
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    InsufficientMarginError,
    InvalidInputError,
    LeverageError,
    LiquidationError,
)
from levrisk.interest import InterestCounting, RateSchedule, _given_rate
from levrisk.margin import (
    CrossMarginAccount,
    IsolatedMarginAccount,
    IsolatedTierTable,
    MarginAccount,
    MarginThresholds,
    MarginTrade,
    PriceMap,
    _liquidation,
    close,
    liquidation_price,
    margin_level,
    margin_status,
    open_long,
    open_short,
)
from levrisk.margin._pnl import price_for_net_pnl
from levrisk.numbers import NumberLike, exact
from levrisk.risk import _common
from levrisk.risk._common import AssetMove, LiquidationOutcome, StopCheck, grid
from levrisk.risk._common import risk_fraction as _risk_fraction

__all__ = [*_common.MARKET_NAMES]  # noqa: PLE0604 - the one list both markets publish

_fee_rate = fee_rate  # the functions below take a ``fee_rate`` argument

_OPENED: Final = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
"""A fixed instant for trades opened only to read their liquidation price (no clock)."""


def _account(value: object) -> MarginAccount:
    if not isinstance(value, (IsolatedMarginAccount, CrossMarginAccount)):
        msg = f"account must be an IsolatedMarginAccount or a CrossMarginAccount, got {value!r}"
        raise InvalidInputError(msg)
    return value


def _rate(
    schedule: RateSchedule | NumberLike | None, hourly_rate: NumberLike | None
) -> RateSchedule | NumberLike:
    """The one interest rate, passed on to ``close`` as ``schedule``.

    ``schedule`` or ``hourly_rate``; neither is an error naming ``schedule`` (0 is stated,
    never assumed).
    """
    rate, keyword = _given_rate(schedule, hourly_rate)
    if rate is None:
        msg = "schedule must be stated: the hourly interest rate, 0 for none, got None"
        raise InvalidInputError(msg)
    return non_negative_number(rate, keyword) if keyword == "hourly_rate" else rate


# ----------------------------------------------------------------- sizing


@exact
def position_size(
    side: Literal["long", "short"],
    *,
    entry_price: NumberLike,
    stop_price: NumberLike,
    equity: NumberLike,
    risk_fraction: NumberLike,
    fee_rate: NumberLike = 0,
    fee_convention: FeeConvention = "quote",
    interest_fraction: NumberLike | None = None,
    lot_step: NumberLike | None = None,
    interest_rate: NumberLike | None = None,
) -> Decimal:
    r"""The spot-margin quantity that loses exactly ``equity × risk_fraction`` at the stop.

    The loss is the net loss of ``levrisk.margin.close`` for a trade opened with
    collateral ``C = equity``: price move, both fees, and interest ``i`` (a fraction of
    the loan, accrued by the time the stop fills). Per unit of base ``Q``:

    .. math::

        \text{short: } \ell = (SP - EP) + EP\,f + (1 + i)\,SP\,f' + i\,SP,
        \quad f' = f \text{ (fee in quote) or } \tfrac{f}{1 - f} \text{ (fee in the
        received asset)}

    and ``Q = E·r / ℓ``. A long borrows quote only beyond its collateral
    (``B = max(0, Q·k − C)`` with ``k = EP(1 + f)`` or ``EP/(1 − f)`` the quote spent
    per unit), so with ``ℓ₀ = (EP − SP) + o + SP·f`` (``o`` the opening fee per unit):

    .. math::

        Q = \frac{E r}{\ell_0} \text{ if } Q k \le C, \text{ else }
        Q = \frac{E r + i C}{\ell_0 + i k}

    Rounded down to ``lot_step`` when one is given. The leverage this implies
    (``1 + Q·EP/C`` for a short, ``Q·k/C`` for a long) must still be allowed by the
    venue: check it with ``levrisk.margin.open_short`` / ``open_long`` and
    :func:`check_stop`.

    Args:
        side: ``"long"`` or ``"short"``.
        entry_price: ``EP`` (> 0), quote per base.
        stop_price: ``SP`` (> 0): below the entry of a long, above that of a short.
        equity: the collateral ``C = E`` (> 0), in quote.
        risk_fraction: ``r``, strictly between 0 and 1 (``0.01`` is 1 %).
        fee_rate: the trading fee rate ``f`` in ``[0, 1)`` (both trades).
        fee_convention: ``"quote"`` or ``"received"`` (``levrisk.margin.FeeConvention``).
        interest_fraction: ``i`` ≥ 0 (default 0), the interest accrued by the stop as a
            fraction of the loan — not a rate: e.g. hourly rate × accruals, or
            ``accrued_interest(1, schedule, opened_at, until)``.
        lot_step: the quantity step (> 0), or ``None`` for the exact quantity.
        interest_rate: the deprecated old name of ``interest_fraction`` (it never was a
            rate); it still works and warns with ``DeprecationWarning``. Give at most one.

    Returns:
        The base quantity (``0`` when not even one lot fits the budget).

    Raises:
        InvalidInputError: for a bad side, number or convention, a stop on the wrong side
            of the entry, ``risk_fraction`` outside ``(0, 1)``, or both
            ``interest_fraction`` and ``interest_rate``.

    References:
        :ref:`rule-spot-trades` (PnL with fees and interest) [published/derived]; sizing
        solves net loss = budget [derived].

    Examples:
        The seed's 3,000 USDT, 1 % at risk, short at 60,000 with a stop at 60,300:

        >>> position_size(
        ...     "short", entry_price=60_000, stop_price=60_300, equity=3_000, risk_fraction="0.01"
        ... )
        Decimal('0.10')

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       ``interest_fraction`` replaces ``interest_rate`` (deprecated alias).
    """
    s_name, entry, stop = _common.entry_and_stop(side, entry_price, stop_price)
    collateral = positive_number(equity, "equity")
    budget = collateral * _risk_fraction(risk_fraction)
    f = _fee_rate(fee_rate, "fee_rate")
    convention = choice(fee_convention, FeeConvention, "fee_convention")
    i = _interest_fraction(interest_fraction, interest_rate)
    if s_name == "short":
        close_rate = f if convention == "quote" else f / (1 - f)
        per_unit = (stop - entry) + entry * f + (1 + i) * stop * close_rate + i * stop
        return _common.round_size(budget / per_unit, lot_step)
    spent = entry * (1 + f) if convention == "quote" else entry / (1 - f)
    open_fee = entry * f if convention == "quote" else entry * f / (1 - f)
    base = (entry - stop) + open_fee + stop * f
    quantity = budget / base
    if quantity * spent > collateral:
        quantity = (budget + i * collateral) / (base + i * spent)
    return _common.round_size(quantity, lot_step)


def _interest_fraction(fraction: NumberLike | None, old: NumberLike | None) -> Decimal:
    """``interest_fraction``, or its deprecated alias ``interest_rate`` (with a warning)."""
    if old is None:
        return non_negative_number(0 if fraction is None else fraction, "interest_fraction")
    if fraction is not None:
        msg = (
            "give interest_fraction or its deprecated alias interest_rate, not both: "
            f"got {fraction!r} and {old!r}"
        )
        raise InvalidInputError(msg)
    warnings.warn(
        "position_size(interest_rate=) is deprecated: it is an accrued fraction of the "
        "loan, now named interest_fraction=",
        DeprecationWarning,
        stacklevel=4,
    )
    return non_negative_number(old, "interest_rate")


# ----------------------------------------------------------------- stops and targets


@exact
def stop_price(
    trade: MarginTrade,
    *,
    at: dt.datetime,
    loss: NumberLike | None = None,
    roe: NumberLike | None = None,
    schedule: RateSchedule | NumberLike | None = None,
    hourly_rate: NumberLike | None = None,
    fee_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
) -> Decimal | None:
    r"""The exit price at which closing a spot-margin trade at ``at`` loses ``loss`` net.

    Solves ``levrisk.margin.close(...).net_pnl = −loss`` for the exit price, with the
    fees and the interest accrued by ``at`` (``I`` in the borrowed asset, ``o`` the
    opening fee, ``f'`` the closing fee rate as in :func:`position_size`):

    .. math::

        SP^{short} = \frac{Q\,EP - o + \text{loss}}{(Q + I)(1 + f')} \qquad
        SP^{long} = \frac{Q\,EP + o + I - \text{loss}}{Q\,(1 - f)}

    Args:
        trade: the ``levrisk.margin.MarginTrade``.
        loss: the net loss to allow (> 0), in quote; e.g. ``0.01 × collateral``.
        roe: alternatively, the share of the collateral to lose (> 0; ``0.01`` is 1 %,
            the trade's ROI of ``−roe``). Give exactly one of ``loss`` and ``roe``.
        at: when the stop is assumed to fill (timezone-aware, not before opening).
        schedule: the hourly rate: a ``levrisk.interest.RateSchedule`` or a constant;
            required (0 for none: a missing rate is never read as 0).
        hourly_rate: the deprecated alias of ``schedule`` (give at most one).
        fee_rate: the closing fee rate (default: the opening one).
        counting: the interest counting rule (``"binance"`` by default).
        waived_hours: the number of first accruals that are free.

    Returns:
        The stop price, or ``None`` when no price on the losing side of the entry loses
        exactly that much (fees and interest alone cost more, or a long cannot lose it).

    Raises:
        InvalidInputError: for a bad trade, number or datetime, both ``schedule`` and
            ``hourly_rate``, or not exactly one of the amount and ``roe``.

    References:
        :ref:`rule-spot-trades` and :ref:`rule-interest` [published/derived]; solved for the price
        [derived].

    Examples:
        The seed: 3,000 USDT at 3x short 0.1 BTC at 60,000; 1 % of equity is 30 USDT:

        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import open_short
        >>> opened = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
        >>> trade = open_short(
        ...     3000, leverage=3, price=60_000, opened_at=opened, base="BTC", quote="USDT"
        ... )
        >>> stop_price(trade, loss=30, at=opened, schedule=0)
        Decimal('60300')
        >>> stop_price(trade, roe="0.01", at=opened, schedule=0)
        Decimal('60300.0')

    .. versionadded:: 0.1.0
    """
    t = require(trade, MarginTrade, "trade")
    amount = _common.amount_or_roe(loss, roe, "loss", capital=lambda: t.collateral)
    return _exit(t, -amount, (at, schedule, hourly_rate, fee_rate, counting, waived_hours))


_Terms = tuple[
    dt.datetime,
    RateSchedule | NumberLike | None,
    NumberLike | None,
    NumberLike | None,
    InterestCounting,
    int,
]
"""The closing terms of a stop or target: at, schedule, hourly_rate, fee_rate, counting,
waived_hours."""


def _exit(trade: MarginTrade, net_pnl: Decimal, terms: _Terms) -> Decimal | None:
    """The exit price whose net PnL is ``net_pnl`` (< 0 a stop, > 0 a target), if any.

    The price must lie on the side of the entry that ``net_pnl`` needs (below a long's
    entry for a loss, above it for a profit); otherwise none.
    """
    at, schedule, hourly_rate, fee_rate, counting, waived_hours = terms
    price = price_for_net_pnl(
        trade,
        net_pnl=net_pnl,
        at=at,
        schedule=schedule,
        hourly_rate=hourly_rate,
        fee_rate=fee_rate,
        counting=counting,
        waived_hours=waived_hours,
    )
    move = None if price is None else side_sign(trade.side) * (price - trade.entry_price)
    return price if move is not None and (move < 0 if net_pnl < 0 else move > 0) else None


@exact
def take_profit_price(
    trade: MarginTrade,
    *,
    fee_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
    at: dt.datetime,
    profit: NumberLike | None = None,
    roe: NumberLike | None = None,
    schedule: RateSchedule | NumberLike | None = None,
    hourly_rate: NumberLike | None = None,
) -> Decimal | None:
    r"""The exit price at which closing a spot-margin trade at ``at`` earns ``profit`` net.

    :func:`stop_price` solved for a gain, ``loss = −profit`` (in quote), or ``roe``, the
    ROI to take on the collateral; give exactly one of the two. ``at``, the rate
    (``schedule`` or ``hourly_rate``), ``fee_rate``, ``counting`` and ``waived_hours``
    and the errors are those of :func:`stop_price`; ``None`` when no positive price earns
    that much (a short cannot earn more than its proceeds).

    References:
        :ref:`rule-spot-trades` and :ref:`rule-interest` [published/derived]; solved for the price
        [derived].

    Examples:
        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import open_short
        >>> opened = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
        >>> trade = open_short(
        ...     3000, leverage=3, price=60_000, opened_at=opened, base="BTC", quote="USDT"
        ... )
        >>> take_profit_price(trade, profit=1000, at=opened, schedule=0)
        Decimal('50000')

    .. versionadded:: 0.1.0
    """
    t = require(trade, MarginTrade, "trade")
    amount = _common.amount_or_roe(profit, roe, "profit", capital=lambda: t.collateral)
    terms = (at, schedule, hourly_rate, fee_rate, counting, waived_hours)
    return _exit(t, amount, terms)


@exact
def check_stop(
    trade: MarginTrade,
    *,
    stop_price: NumberLike,
    buffer: NumberLike = 0,
    at: dt.datetime | None = None,
    schedule: RateSchedule | NumberLike | None = None,
    hourly_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
) -> StopCheck:
    r"""Check that a spot-margin trade's stop fires before its liquidation price.

    Without ``at`` the trade's liquidation price at opening is used
    (``trade.liquidation_price``). Interest accrued later grows the debt and moves the
    liquidation price toward the entry; with ``at`` (and a rate) the interest accrued by
    then is added to the loan and the price is ``levrisk.margin.liquidation_price`` of
    that account (:ref:`rule-spot-liquidation`, ``l = quote / (ML*·(Q + I))`` for a short). The
    verdict and distances are those of :func:`~levrisk.risk.check_stop`.

    Args:
        trade: the ``levrisk.margin.MarginTrade``.
        stop_price: the stop (> 0), on the losing side of the entry.
        buffer: the required gap between stop and liquidation, a fraction of the stop.
        at: the instant to check at (timezone-aware, not before opening), or ``None``
            for the opening.
        schedule: the hourly rate: a ``levrisk.interest.RateSchedule`` or a constant.
        hourly_rate: a constant hourly rate instead of ``schedule`` (at most one).
        counting: the interest counting rule (``"binance"`` by default).
        waived_hours: the number of first accruals that are free.

    Returns:
        A :class:`~levrisk.risk.StopCheck`.

    Raises:
        InvalidInputError: for a bad trade, number or datetime, a rate without ``at``,
            or a stop on the wrong side.

    References:
        :ref:`rule-spot-liquidation` (liquidation price) [published definition, derived form] and
        :ref:`rule-interest` (interest) [published].

    Examples:
        >>> from datetime import datetime, timedelta, timezone
        >>> from levrisk.margin import open_short
        >>> opened = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
        >>> trade = open_short(
        ...     3000, leverage=3, price=60_000, opened_at=opened, base="BTC", quote="USDT"
        ... )
        >>> check = check_stop(trade, stop_price=63_000)
        >>> check.passed, round(check.stop_gap_fraction, 4)
        (True, Decimal('0.2987'))
        >>> later = check_stop(
        ...     trade, stop_price=63_000, at=opened + timedelta(days=30), hourly_rate="0.0001"
        ... )
        >>> round(later.liquidation_price, 2)  # 9,000 / (1.1 × 0.1 × (1 + 721 × 0.0001))
        Decimal('76315.81')

    .. versionadded:: 0.1.0
    """
    t = require(trade, MarginTrade, "trade")
    if at is None:
        if schedule is not None or hourly_rate is not None:
            msg = (
                f"at is needed to accrue interest, "
                f"got schedule={schedule!r}, hourly_rate={hourly_rate!r}"
            )
            raise InvalidInputError(msg)
        lp = t.liquidation_price
    else:
        interest = close(
            t,
            exit_price=t.entry_price,
            at=at,
            schedule=_rate(schedule, hourly_rate),
            counting=counting,
            waived_hours=waived_hours,
        ).interest
        lp = liquidation_price(
            _with_interest(t, interest),
            asset=t.base,
            prices={},
            liquidation_level=t.thresholds.liquidation,
        )
    return _common.check_stop(
        t.side,
        entry_price=t.entry_price,
        stop_price=stop_price,
        liquidation_price=lp,
        buffer=buffer,
    )


@exact
def max_leverage_for_stop(
    collateral: NumberLike,
    *,
    side: Literal["long", "short"],
    entry_price: NumberLike,
    stop_price: NumberLike,
    thresholds: MarginThresholds | IsolatedTierTable,
    fee_rate: NumberLike = 0,
    fee_convention: FeeConvention = "quote",
    buffer: NumberLike = 0,
) -> int | None:
    r"""The highest whole leverage at which a spot-margin trade's stop fires before liquidation.

    The collateral is fixed and the loan grows with the leverage (``C·(L − 1)``), so the
    liquidation price moves toward the entry as ``L`` rises; for a short without fees

    .. math::

        LP = \frac{EP \cdot L}{ML^* (L - 1)}

    Each whole ``L`` from the venue's max leverage down to 2 is opened with
    ``levrisk.margin.open_short`` / ``open_long`` (so the initial risk ratio and the
    isolated tier in force apply) and checked with :func:`check_stop`; the first
    that passes is returned, so ``L + 1`` fails or is not allowed. Venues offer whole
    leverages (3x, 5x, 10x); thresholds allowing more than 256 steps are bisected instead
    (the liquidation price moves toward the entry as ``L`` rises).

    Args:
        collateral: ``C`` (> 0), in quote.
        side: ``"long"`` or ``"short"``.
        entry_price: ``EP`` (> 0).
        stop_price: the stop (> 0), on the losing side of the entry.
        thresholds: ``levrisk.margin.MarginThresholds`` or an ``IsolatedTierTable``.
        fee_rate: the trading fee rate in ``[0, 1)``.
        fee_convention: ``"quote"`` or ``"received"``.
        buffer: the required gap between stop and liquidation (see
            :func:`~levrisk.risk.check_stop`).

    Returns:
        The leverage, or ``None`` when no allowed leverage keeps liquidation beyond the
        stop.

    Raises:
        InvalidInputError: for a bad number, side, thresholds or convention, or a stop
            on the wrong side of the entry.

    References:
        :ref:`rule-spot-trades` (initial risk ratio), :ref:`rule-margin-level` (tiers) and
        :ref:`rule-spot-liquidation` [published/derived].

    Examples:
        On a venue that lends up to 10x and liquidates at a margin level of 1.1, a
        short at 60,000 with a stop at 63,000 can use at most 7x:

        >>> from levrisk.margin import MarginThresholds
        >>> ten_x = MarginThresholds(
        ...     liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.11", max_leverage=10
        ... )
        >>> max_leverage_for_stop(
        ...     3000, side="short", entry_price=60_000, stop_price=63_000, thresholds=ten_x
        ... )
        7

    .. versionadded:: 0.1.0
    """
    c = positive_number(collateral, "collateral")
    s_name, entry, stop = _common.entry_and_stop(side, entry_price, stop_price)
    gap = non_negative_number(buffer, "buffer")
    if isinstance(thresholds, MarginThresholds):
        top = thresholds.max_leverage
    elif isinstance(thresholds, IsolatedTierTable):
        top = max(tier.thresholds.max_leverage for tier in thresholds.tiers)
    else:
        msg = f"thresholds must be MarginThresholds or an IsolatedTierTable, got {thresholds!r}"
        raise InvalidInputError(msg)
    opener = open_short if s_name == "short" else open_long
    f = _fee_rate(fee_rate, "fee_rate")
    convention = choice(fee_convention, FeeConvention, "fee_convention")

    def passes(lev: int) -> bool:
        try:
            trade = opener(
                c,
                base="BASE",  # the names do not enter the leverage: placeholders
                quote="QUOTE",
                leverage=lev,
                price=entry,
                opened_at=_OPENED,
                thresholds=thresholds,
                fee_rate=f,
                fee_convention=convention,
            )
        except (LeverageError, InsufficientMarginError):
            return False  # not allowed at this leverage (risk ratio or tier limit)
        return check_stop(trade, stop_price=stop, buffer=gap).passed

    return _common.largest_passing(2, _common.stop_cap(entry, stop, top), passes)


@exact
def max_size_for_stop(
    collateral: NumberLike,
    *,
    side: Literal["long", "short"],
    entry_price: NumberLike,
    stop_price: NumberLike,
    thresholds: MarginThresholds,
    fee_rate: NumberLike = 0,
    fee_convention: FeeConvention = "quote",
    buffer: NumberLike = 0,
    lot_step: NumberLike | None = None,
) -> Decimal:
    r"""The largest spot-margin quantity whose liquidation price lies at or beyond the stop.

    The continuous answer to :func:`max_leverage_for_stop`: the largest base quantity
    ``Q`` a trade opened with ``collateral`` ``C`` (``levrisk.margin.open_short`` /
    ``open_long`` at leverage ``1 + Q·EP/C``, resp. ``Q·EP/(C·κ)``) may hold so that its
    margin level is still at least the liquidation level ``m`` at ``T = SP·(1 − s·buffer)``:

    .. math::

        \text{short: } \frac{C + Q\,EP\,(1 - f)}{Q\,T} \ge m
        \iff Q \le \frac{C}{m T - EP (1 - f)}
        \qquad
        \text{long: } \frac{Q\,T}{Q\,EP/κ - C} \ge m
        \iff Q \le \frac{m C}{m EP/κ - T}

    with ``κ = 1/(1 + f)`` (fee in quote) or ``1 − f`` (fee in the received asset), a
    non-positive denominator meaning no liquidation before ``T``. The quantity is
    capped where the thresholds stop lending: at the leverage ``min(max_leverage,
    r/(r − 1))`` (``r`` the initial risk ratio). Exact rationals, rounded down (to
    ``lot_step`` when one is given). Interest accrued by the stop is not counted.

    Args:
        collateral: ``C`` (> 0), in quote.
        side: ``"long"`` or ``"short"``.
        entry_price: ``EP`` (> 0).
        stop_price: ``SP`` (> 0), on the losing side of the entry.
        thresholds: the account's ``levrisk.margin.MarginThresholds``.
        fee_rate: ``f`` in ``[0, 1)``.
        fee_convention: ``"quote"`` or ``"received"``.
        buffer: the required gap between stop and liquidation, a fraction of the stop.
        lot_step: the quantity step (> 0), or ``None`` for the continuous quantity.

    Returns:
        The base quantity.

    Raises:
        InvalidInputError: for a bad side, number, convention or thresholds, or a stop on
            the wrong side of the entry.

    References:
        :ref:`rule-spot-max-size-for-stop` [derived], from :ref:`rule-spot-margin` [published].

    Examples:
        On a venue that liquidates at a margin level of 1.1 and lends up to 10x, a
        short at 60,000 with a stop at 63,000 and 3,000 USDT:

        >>> from levrisk.margin import MarginThresholds
        >>> ten_x = MarginThresholds(
        ...     liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.11", max_leverage=10
        ... )
        >>> round(
        ...     max_size_for_stop(
        ...         3000, side="short", entry_price=60_000, stop_price=63_000, thresholds=ten_x
        ...     ),
        ...     6,
        ... )
        Decimal('0.322581')

    .. versionadded:: 0.2.0
    """
    c = Fraction(positive_number(collateral, "collateral"))
    s_name, entry, stop = _common.entry_and_stop(side, entry_price, stop_price)
    t = require(thresholds, MarginThresholds, "thresholds")
    f = Fraction(_fee_rate(fee_rate, "fee_rate"))
    convention = choice(fee_convention, FeeConvention, "fee_convention")
    ep = Fraction(entry)
    target = Fraction(stop) * (
        1 - side_sign(s_name) * Fraction(non_negative_number(buffer, "buffer"))
    )
    m, risk = Fraction(t.liquidation), Fraction(t.initial_risk_ratio)
    top = min(Fraction(t.max_leverage), risk / (risk - 1))  # the ratio is above 1
    if s_name == "short":
        cap = c * (top - 1) / ep
        denominator = m * target - ep * (1 - f)
        bound = c / denominator if denominator > 0 else cap
    else:
        kappa = 1 / (1 + f) if convention == "quote" else 1 - f
        cap = top * c * kappa / ep
        denominator = m * ep / kappa - target
        bound = m * c / denominator if denominator > 0 else cap
    return _common.round_size(_common.floor_decimal(min(bound, cap)), lot_step)


# ----------------------------------------------------------------- liquidation outcome


def _with_interest(trade: MarginTrade, interest: Decimal) -> IsolatedMarginAccount:
    loan = spot.Loan(asset=trade.borrowed_asset, principal=trade.borrowed, interest=interest)
    return attrs.evolve(trade.account, loans=[loan])


def _equity(account: MarginAccount, prices: Mapping[str, Decimal]) -> Decimal:
    def value(amounts: Mapping[str, Decimal]) -> Decimal:
        return sum((v * prices.get(a, Decimal(1)) for a, v in amounts.items() if v), Decimal(0))

    balances = account.balances
    return value(balances) - value(account.liabilities)


def _liabilities_value(account: MarginAccount, prices: Mapping[str, Decimal]) -> Decimal:
    return sum((v * prices.get(a, Decimal(1)) for a, v in account.liabilities.items()), Decimal(0))


@exact
def liquidation_outcome(
    trade: MarginTrade, *, liquidation_fee_rate: NumberLike = _common.SPOT_LIQUIDATION_FEE_RATE
) -> LiquidationOutcome | None:
    r"""What a spot-margin trade loses when it is liquidated.

    At the liquidation price the assets are worth ``ML*`` times the liabilities ``D``;
    the assets repay the liabilities and the clearance fee, charged on the liabilities,
    and the rest is returned:

    .. math::

        \text{equity} = (ML^* - 1)\,D, \qquad
        \text{fee} = c \cdot D, \qquad
        \text{remaining} = \max(0,\ \text{equity} - \text{fee})

    With Binance's 1.1 and 2 % a liquidated account keeps about 8 % of its debt's value.

    Args:
        trade: the ``levrisk.margin.MarginTrade`` (as opened, no interest yet).
        liquidation_fee_rate: ``c`` in ``[0, 1)``: :data:`~levrisk.risk.SPOT_LIQUIDATION_FEE_RATE`
            (2 %, cross classic and isolated) by default,
            :data:`~levrisk.risk.PRO_LIQUIDATION_FEE_RATE`
            (3 %) for Cross Margin Pro.

    Returns:
        A :class:`~levrisk.risk.LiquidationOutcome` in quote, or ``None`` when the trade has no
        liquidation price.

    Raises:
        InvalidInputError: for a bad trade or rate.

    References:
        Binance, "Margin Liquidation" (clearance fee); :ref:`rule-spot-liquidation` [published
        definition]; the fee base (liabilities) and the outcome arithmetic [derived].

    Examples:
        The seed short: liquidated at 81,818.18, 654.55 of 3,000 USDT come back:

        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import BINANCE_CROSS_3X, open_short
        >>> opened = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
        >>> trade = open_short(
        ...     3000,
        ...     leverage=3,
        ...     price=60_000,
        ...     opened_at=opened,
        ...     thresholds=BINANCE_CROSS_3X,
        ...     base="BTC",
        ...     quote="USDT",
        ... )
        >>> result = liquidation_outcome(trade)
        >>> round(result.remaining, 2), round(result.loss, 2)
        (Decimal('654.55'), Decimal('2345.45'))

    .. versionadded:: 0.1.0
    """
    t = require(trade, MarginTrade, "trade")
    rate = _fee_rate(liquidation_fee_rate, "liquidation_fee_rate")
    lp = t.liquidation_price
    if lp is None:
        return None
    prices = {t.base: lp}
    equity = _equity(t.account, prices)
    fee = rate * _liabilities_value(t.account, prices)
    return _common.outcome(price=lp, collateral=t.collateral, equity=equity, fee=fee)


# ----------------------------------------------------------------- scenarios


@attrs.frozen(kw_only=True)
class Scenario:
    r"""One row of :func:`scenarios`: a spot-margin trade at one price and time.

    Attributes:
        hours: hours since the trade was opened.
        at: the instant of the row, ``opened_at + hours``.
        price: the base price of the row, quote per base.
        interest: the interest accrued by ``at``, in the borrowed asset.
        equity: assets minus liabilities (interest included), in quote.
        pnl: ``levrisk.margin.close(...).net_pnl`` — closing here, both fees included.
        roe: ``pnl / collateral`` (the trade's ROI, a fraction).
        margin_level: ``levrisk.margin.margin_level`` of the account with its interest.
        status: the Binance status name (``levrisk.margin.MarginStatus``).
        liquidated: ``margin_level ≤ thresholds.liquidation``.

    .. versionadded:: 0.1.0
    """

    hours: int = attrs.field(validator=_fields.instance_of(int))
    at: dt.datetime = attrs.field(validator=_fields.instance_of(dt.datetime))
    price: Decimal = attrs.field(converter=_fields.number, validator=_fields.positive)
    interest: Decimal = attrs.field(converter=_fields.number, validator=_fields.non_negative)
    equity: Decimal = attrs.field(converter=_fields.number, validator=_fields.finite)
    pnl: Decimal = attrs.field(converter=_fields.number, validator=_fields.finite)
    roe: Decimal = attrs.field(converter=_fields.number, validator=_fields.finite)
    margin_level: Decimal | None = attrs.field(
        converter=_fields.optional_number, validator=_fields.finite
    )
    status: MarginStatus = attrs.field(validator=one_of(MarginStatus))
    liquidated: bool = attrs.field(validator=_fields.instance_of(bool))


def _hours(values: object) -> tuple[int, ...]:
    msg = f"hours must be a non-empty sequence of whole hours ≥ 0, got {values!r}"
    result = tuple(entries(values, msg))
    if not result:
        msg = f"hours must not be empty, got {values!r}"
        raise InvalidInputError(msg)
    for i, h in enumerate(result):
        if isinstance(h, bool) or not isinstance(h, int) or h < 0 or h > 1_000_000:
            msg = f"hours[{i}] must be a whole number of hours in [0, 1000000], got {h!r}"
            raise InvalidInputError(msg)
    return result


@exact
def scenarios(
    trade: MarginTrade,
    *,
    prices: Iterable[NumberLike],
    hours: Iterable[int] = (0,),
    schedule: RateSchedule | NumberLike | None = None,
    hourly_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
) -> tuple[Scenario, ...]:
    r"""A scenario table of a spot-margin trade over a price grid and over hours held.

    For every hour ``h`` in ``hours`` and every price ``P`` in ``prices`` (hours outer),
    the interest accrued by ``opened_at + h`` is added to the loan, and the row holds
    the equity, the net PnL of closing there (``levrisk.margin.close``), the ROE, the
    margin level (``levrisk.margin.margin_level``), the Binance status and whether the
    account is liquidated. Interest grows the liability, so the same price can be safe
    at hour 0 and liquidated later.

    Args:
        trade: the ``levrisk.margin.MarginTrade``.
        prices: the base prices (> 0; at least one).
        hours: whole hours since opening (≥ 0; at least one), default ``(0,)``.
        schedule: the hourly rate: a ``levrisk.interest.RateSchedule`` or a constant;
            required (0 for none: a missing rate is never read as 0).
        hourly_rate: the deprecated alias of ``schedule`` (give at most one).
        counting: the interest counting rule (``"binance"`` by default).
        waived_hours: the number of first accruals that are free.

    Returns:
        The :class:`Scenario` rows (``attrs.asdict`` turns each into a row).

    Raises:
        InvalidInputError: for a bad trade, an empty grid, a non-positive price, or a
            bad hour, schedule or counting rule.

    References:
        :ref:`rule-spot-trades`–:ref:`rule-spot-liquidation` [published/derived].

    Examples:
        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import BINANCE_CROSS_3X, open_short
        >>> opened = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
        >>> trade = open_short(
        ...     3000,
        ...     leverage=3,
        ...     price=60_000,
        ...     opened_at=opened,
        ...     thresholds=BINANCE_CROSS_3X,
        ...     base="BTC",
        ...     quote="USDT",
        ... )
        >>> rows = scenarios(trade, prices=[60_000, 70_000, 82_000], schedule=0)
        >>> for row in rows:
        ...     print(row.price, row.pnl, round(row.margin_level, 4), row.status)
        60000 0.0 1.5000 NORMAL
        70000 -1000.0 1.2857 MARGIN_CALL
        82000 -2200.0 1.0976 FORCE_LIQUIDATION

    .. versionadded:: 0.1.0
    """
    t = require(trade, MarginTrade, "trade")
    points = grid(prices, "prices")
    offsets = _hours(hours)
    rate = _rate(schedule, hourly_rate)
    rows = []
    for h in offsets:
        at = t.opened_at + dt.timedelta(hours=h)
        for price in points:
            pnl = close(
                t,
                exit_price=price,
                at=at,
                schedule=rate,
                counting=counting,
                waived_hours=waived_hours,
            )
            account = _with_interest(t, pnl.interest)
            price_map = {t.base: price}
            level = margin_level(account, price_map)
            rows.append(
                Scenario(
                    hours=h,
                    at=at,
                    price=price,
                    interest=pnl.interest,
                    equity=_equity(account, price_map),
                    pnl=pnl.net_pnl,
                    roe=pnl.roi,
                    margin_level=level,
                    status=margin_status(level, t.thresholds),
                    liquidated=level is not None and level <= t.thresholds.liquidation,
                )
            )
    return tuple(rows)


# ----------------------------------------------------------------- stress


@attrs.frozen(kw_only=True)
class StressRow:
    r"""One row of :func:`stress`: the account after one shock.

    Attributes:
        moves: asset → the relative price move applied (``-0.1`` is −10 %).
        prices: asset → the shocked price, in the account's quote.
        equity: assets minus liabilities at the shocked prices, in quote.
        margin_level: the margin level, or ``None`` without liabilities.
        status: the Binance status name (``levrisk.margin.MarginStatus``).
        liquidated: ``margin_level ≤ thresholds.liquidation``.

    .. versionadded:: 0.1.0
    """

    moves: FrozenMap = attrs.field(converter=_common.frozen_map)
    prices: FrozenMap = attrs.field(converter=_common.frozen_map)
    equity: Decimal = attrs.field(converter=_fields.number, validator=_fields.finite)
    margin_level: Decimal | None = attrs.field(
        converter=_fields.optional_number, validator=_fields.finite
    )
    status: MarginStatus = attrs.field(validator=one_of(MarginStatus))
    liquidated: bool = attrs.field(validator=_fields.instance_of(bool))


def _priced(account: MarginAccount, prices: object) -> dict[str, Decimal]:
    """The prices of every non-quote asset the account holds or owes."""
    assets = [a for a in (*account.balances, *account.liabilities) if a != account.quote]

    def missing(asset: str) -> str:
        return f"prices has no price for asset {asset!r} (prices are in {account.quote!r})"

    return price_map(prices, assets, argument="prices", of="asset", missing=missing)


@exact
def stress(
    account: MarginAccount,
    *,
    prices: PriceMap,
    shocks: Iterable[NumberLike | Mapping[str, NumberLike]],
    thresholds: MarginThresholds,
) -> tuple[StressRow, ...]:
    r"""Stress a spot-margin account: its margin level after each price shock.

    A shock is either one number, a relative move applied to every asset the account
    holds or owes other than its quote (``-0.1``: all prices 10 % lower), or a mapping
    asset → move for per-asset shocks (assets left out keep their price). Each row is
    ``levrisk.margin.margin_level`` at ``P·(1 + move)``. In an ordered grid of ever
    larger shocks, the first row with ``liquidated`` is the shock that first liquidates
    the account; :func:`uniform_move_to_liquidation` gives the exact uniform move.

    Args:
        account: an ``IsolatedMarginAccount`` or a ``CrossMarginAccount``.
        prices: asset → price of every non-quote asset the account holds or owes.
        shocks: the shocks (at least one); each move above −1.
        thresholds: the venue's ``levrisk.margin.MarginThresholds``.

    Returns:
        One :class:`StressRow` per shock, in order.

    Raises:
        InvalidInputError: for a bad account, price, shock or thresholds, an empty list
            of shocks, or a shock of an asset the account does not hold or owe.

    References:
        :ref:`rule-margin-level` (margin level, thresholds) [published].

    Examples:
        10,000 USDT own + 20,000 borrowed in 1 BTC at 30,000 (liquidation at 22,000):

        >>> from levrisk.margin import BINANCE_CROSS_3X, CrossMarginAccount, Loan
        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)]
        ... )
        >>> rows = stress(
        ...     acct,
        ...     prices={"BTC": 30_000},
        ...     shocks=["-0.1", "-0.2", "-0.3"],
        ...     thresholds=BINANCE_CROSS_3X,
        ... )
        >>> [(r.margin_level, r.liquidated) for r in rows]
        [(Decimal('1.35'), False), (Decimal('1.2'), False), (Decimal('1.05'), True)]

    .. versionadded:: 0.1.0
    """
    acct = _account(account)
    priced = _priced(acct, prices)
    if not isinstance(thresholds, MarginThresholds):
        msg = f"thresholds must be MarginThresholds, got {thresholds!r}"
        raise InvalidInputError(msg)
    rows = []
    unknown = f"which is not a priced asset of the account {sorted(priced)!r}"
    for moves in _common.shocks(shocks, list(priced), key="asset", unknown=unknown):
        shocked = {a: p * (1 + moves.get(a, Decimal(0))) for a, p in priced.items()}
        level = margin_level(acct, shocked)
        rows.append(
            StressRow(
                moves=moves,
                prices=shocked,
                equity=_equity(acct, shocked),
                margin_level=level,
                status=margin_status(level, thresholds),
                liquidated=level is not None and level <= thresholds.liquidation,
            )
        )
    return tuple(rows)


@exact
def uniform_move_to_liquidation(
    account: MarginAccount, *, prices: PriceMap, liquidation_level: NumberLike
) -> Decimal | None:
    r"""The uniform relative move of all non-quote prices at which the account is liquidated.

    With every non-quote price scaled by ``k = 1 + x``, ``A_q``/``D_q`` the quote held
    and owed and ``A_n``/``D_n`` the value of everything else held and owed:

    .. math::

        \frac{A_q + k A_n}{D_q + k D_n} = ML^*
        \quad\Longrightarrow\quad
        x = \frac{ML^* D_q - A_q}{A_n - ML^* D_n} - 1

    Args:
        account: an ``IsolatedMarginAccount`` or a ``CrossMarginAccount``.
        prices: asset → price of every non-quote asset the account holds or owes.
        liquidation_level: ``ML*`` (> 0), e.g. ``thresholds.liquidation``.

    Returns:
        The move ``x`` (``-0.2667`` is a 26.67 % fall of everything), or ``None`` when
        no uniform move reaches ``ML*`` (a zero denominator or ``k ≤ 0``).

    Raises:
        InvalidInputError: for a bad account, price or level.
        AlreadyLiquidatedError: when the account is at or past the level at the prices
            given (``.price``: the liquidating move).
        AlwaysLiquidatedError: when every uniform move liquidates it
            (:ref:`liquidation-outcomes`).

    References:
        :ref:`rule-spot-liquidation` (the same solve with every asset moving together) [derived].

    Examples:
        >>> from levrisk.margin import CrossMarginAccount, Loan
        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1, "ETH": 10}, loans=[Loan(asset="USDT", principal=40_000)]
        ... )
        >>> move = uniform_move_to_liquidation(
        ...     acct, prices={"BTC": 30_000, "ETH": 2_000}, liquidation_level="1.1"
        ... )
        >>> round(move, 4)
        Decimal('-0.1200')

    .. versionadded:: 0.1.0
    """
    acct = _account(account)
    priced = _priced(acct, prices)
    level = positive_number(liquidation_level, "liquidation_level")
    quote = acct.quote
    held_q = acct.balances.get(quote, Decimal(0))
    owed_q = acct.liabilities.get(quote, Decimal(0))
    held_n = sum((v * priced[a] for a, v in acct.balances.items() if a != quote), Decimal(0))
    owed_n = sum((v * priced[a] for a, v in acct.liabilities.items() if a != quote), Decimal(0))
    try:
        k = _liquidation.level_outcome(
            (held_n, owed_n, held_q, owed_q), level, "every non-quote asset (a factor)", Decimal(1)
        )
    except AlreadyLiquidatedError as crossed:
        move = None if crossed.price is None else crossed.price - 1
        msg = (
            f"the account is already at or past the liquidation level {level} at the prices"
            f" given (the liquidating move is {move})"
        )
        raise AlreadyLiquidatedError(msg, price=move) from None
    return None if k is None else k - 1


@exact
def moves_to_liquidation(
    account: MarginAccount, *, prices: PriceMap, liquidation_level: NumberLike
) -> tuple[AssetMove, ...]:
    r"""For each asset alone, the price move that liquidates the account — nearest first.

    Each asset other than the quote moves while the others keep their prices
    (``levrisk.margin.liquidation_price``); the rows are sorted by ``|move|``, so the
    first row is the single-asset shock that liquidates the account first. Assets with
    no liquidation price come last, in the account's order.

    Args:
        account: an ``IsolatedMarginAccount`` or a ``CrossMarginAccount``.
        prices: asset → price of every non-quote asset the account holds or owes.
        liquidation_level: ``ML*`` (> 0).

    Returns:
        One :class:`~levrisk.risk.AssetMove` per non-quote asset.

    Raises:
        InvalidInputError: for a bad account, price or level.
        AlreadyLiquidatedError: when the account is at or past the level at the prices
            given (:ref:`liquidation-outcomes`).

    References:
        :ref:`rule-spot-liquidation` [published definition, derived closed form].

    Examples:
        >>> from levrisk.margin import CrossMarginAccount, Loan
        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1, "ETH": 10}, loans=[Loan(asset="USDT", principal=40_000)]
        ... )
        >>> moves = moves_to_liquidation(
        ...     acct, prices={"BTC": 30_000, "ETH": 2_000}, liquidation_level="1.1"
        ... )
        >>> [(m.asset, round(m.move, 4)) for m in moves]
        [('BTC', Decimal('-0.2000')), ('ETH', Decimal('-0.3000'))]

    .. versionadded:: 0.1.0
    """
    acct = _account(account)
    priced = _priced(acct, prices)
    level = positive_number(liquidation_level, "liquidation_level")
    try:
        found = _liquidation.liquidation_prices(acct, priced, level)
    except LiquidationError:  # the margin level at the prices is the account's, whatever moves
        msg = f"the account is already at or past the liquidation level {level} at the prices given"
        raise AlreadyLiquidatedError(msg) from None
    return _common.nearest_moves(priced, found)
