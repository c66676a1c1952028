"""Spot-margin PnL: close a trade, and the one exit-price inversion (:ref:`rule-spot-trades`).

The private part of :mod:`levrisk.margin` for closing; re-exported there. The net PnL of
closing (:func:`close`) and its inversion (:func:`price_for_net_pnl`: the exit price for a
target net PnL, of which :func:`break_even_price` is the zero target) share one statement
of the interest (:func:`_closing_terms`) and of the buy-back fee (:func:`_buyback_fee`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from levrisk._fields import aware_datetime, builder, positive_number, require
from levrisk._fields import fee_rate as fee_rate_check
from levrisk._typing import FeeConvention, InterestCounting
from levrisk.exceptions import InvalidInputError
from levrisk.interest import RateSchedule, _given_rate, _loan_interest
from levrisk.margin._model import MarginPnL, MarginTrade
from levrisk.numbers import NumberLike, exact, to_decimal

_new_pnl = builder(MarginPnL)


def _closing_terms(  # noqa: PLR0917 - close()'s closing arguments, passed on in order
    trade: object,
    at: dt.datetime | None,
    schedule: RateSchedule | NumberLike | None,
    hourly_rate: RateSchedule | NumberLike | None,
    fee_rate: NumberLike | None,
    counting: InterestCounting,
    waived_hours: int,
    *,
    compounding: bool = False,
) -> tuple[MarginTrade, Decimal, Decimal]:
    """The trade, the closing fee rate and the interest owed at ``at``, all checked.

    The rate comes by ``schedule`` or its deprecated alias ``hourly_rate``; errors name
    the one the caller used. Without ``at`` (and then without a rate) no interest is owed.
    With ``at`` the rate must be stated (0 for none): a missing rate is never read as 0.
    """
    t = require(trade, MarginTrade, "trade")
    f1 = t.fee_rate if fee_rate is None else fee_rate_check(fee_rate, "fee_rate")
    rate, name = _given_rate(schedule, hourly_rate)
    if at is None:
        if rate is not None:
            msg = f"at is needed to accrue interest at {name}={rate!r}, got None"
            raise InvalidInputError(msg)
        return t, f1, Decimal(0)
    if rate is None:
        msg = (
            "schedule must be stated to close at a time: the hourly interest rate, "
            "schedule=0 for none (a missing rate is never read as 0), got None"
        )
        raise InvalidInputError(msg)
    end = aware_datetime(at, "at")
    if end < t.opened_at:
        msg = f"at must not be before opened_at {t.opened_at.isoformat()}, got {at.isoformat()}"
        raise InvalidInputError(msg)
    # accrued_interest(t.borrowed, rate, t.opened_at, at, ...), errors naming ``name``
    interest = _loan_interest(
        t.borrowed, rate, t.opened_at, end, waived_hours, counting, compounding, name
    )
    return t, f1, interest


def _buyback_fee(value: Decimal, fee_rate: Decimal, convention: FeeConvention) -> Decimal:
    """The fee of buying back base worth ``value`` quote to hold it after the fee.

    ``f · value`` when the fee is charged in quote; ``f · value / (1 − f)`` when it is
    taken from the base received (to receive ``R`` base one buys ``R / (1 − f)``).
    """
    fee = value * fee_rate
    return fee if convention == "quote" else fee / (1 - fee_rate)


def _exit_price(
    trade: MarginTrade, net_pnl: Decimal, *, interest: Decimal, fee_rate: Decimal
) -> Decimal:
    """The exit price ``P₁`` at which :func:`close` nets ``net_pnl``, of any sign.

    The inverse of :func:`close`'s net PnL for the closing terms of :func:`_closing_terms`.
    The operations keep the order of the break-even formulas, so that a zero target gives
    their digits exactly.
    """
    f = fee_rate
    if trade.side == "short":  # net = proceeds − P₁ (Q + I)(1 + c), c the buy-back fee rate
        repay = trade.quantity + interest
        if trade.fee_convention == "quote":
            return (trade.quote_amount - net_pnl) / (repay * (1 + f))
        return (trade.quote_amount - net_pnl) * (1 - f) / repay
    # long: net = Q P₁ (1 − f) − C L − I
    return (trade.quote_amount + interest + net_pnl) / (trade.quantity * (1 - f))


@exact
def close(
    trade: MarginTrade,
    *,
    exit_price: NumberLike,
    at: dt.datetime,
    schedule: RateSchedule | NumberLike | None = None,
    fee_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
    hourly_rate: NumberLike | None = None,
    compounding: bool = False,
) -> MarginPnL:
    r"""Close a trade at ``exit_price`` and time ``at``: the PnL after fees and interest.

    Interest ``I = accrued_interest(borrowed, schedule, opened_at, at)`` is owed in the
    borrowed asset. A short buys back ``Q + I`` base at ``P₁`` and repays it; a long
    sells its ``Q`` base at ``P₁`` and repays ``B + I`` quote.

    .. math::

        \text{gross} = s\,Q (P_1 - P_0), \qquad
        \text{net} = \text{gross} - \text{fees} - I \cdot p_I, \qquad
        ROI = \text{net} / C

    with ``s = −1`` for a short, ``p_I = P₁`` (short) or 1 (long). The closing fee of
    a short is ``(Q + I) P_1 f`` in quote, or ``(Q + I) P_1 f / (1 − f)`` when the fee
    is taken from the base received; a long's is ``Q P_1 f``.

    Args:
        trade: the :class:`MarginTrade` to close.
        exit_price: ``P₁`` (> 0), quote per base.
        at: when the trade is closed (timezone-aware, not before ``opened_at``).
        schedule: the hourly interest rate: a ``levrisk.interest.RateSchedule`` or a
            number, a constant hourly rate (e.g. ``"0.00001"`` for 0.001 %/h). Required
            (``schedule=0`` for no interest): a missing rate is an error, never read as 0
            (see "Stated, never defaulted" in the conventions).
        fee_rate: the closing fee rate (default: the opening fee rate).
        counting: the venue's interest counting rule (``"binance"`` by default).
        waived_hours: the number of first interest accruals that are free.
        hourly_rate: deprecated alias of ``schedule`` (a constant hourly rate), kept for
            compatibility; errors about the rate then name ``hourly_rate``.
        compounding: charge each accrual on the balance then owed (``True``), as
            ``levrisk.interest.accrued_interest``; simple interest by default.

    Returns:
        A :class:`MarginPnL`.

    Raises:
        InvalidInputError: for a bad argument (the message names the keyword the caller
            used), no rate (neither ``schedule`` nor ``hourly_rate``), a naive datetime,
            ``at`` before ``opened_at``, or both ``schedule`` and ``hourly_rate``.

    References:
        Binance, "How to Short on Margin"; :ref:`rule-spot-trades` [published/derived] and
        :ref:`rule-interest` (interest) [published].

    Examples:
        The seed: short 0.1 BTC at 60,000, buy back at 50,000 → 1,000 before fees and
        interest:

        >>> from datetime import datetime, timedelta, timezone
        >>> from levrisk.margin import open_short
        >>> opened = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
        >>> trade = open_short(
        ...     3000, leverage=3, price=60_000, opened_at=opened, base="BTC", quote="USDT"
        ... )
        >>> pnl = close(trade, exit_price=50_000, at=opened + timedelta(minutes=35), schedule=0)
        >>> pnl.gross_pnl, pnl.net_pnl
        (Decimal('1000.0'), Decimal('1000.0'))

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       The rate is required (``schedule=0`` for none); it was read as 0 when left out.
    """
    p1 = positive_number(exit_price, "exit_price")
    t, f1, interest = _closing_terms(
        trade, at, schedule, hourly_rate, fee_rate, counting, waived_hours, compounding=compounding
    )
    if t.side == "short":
        repay = t.quantity + interest
        gross = t.quantity * (t.entry_price - p1)
        interest_value = interest * p1
        close_fee = _buyback_fee(repay * p1, f1, t.fee_convention)
    else:
        gross = t.quantity * (p1 - t.entry_price)
        interest_value = interest
        close_fee = t.quantity * p1 * f1
    fees = t.open_fee + close_fee
    net = gross - fees - interest_value
    # Every value is checked or computed from checked ones; without ``at`` the validated
    # constructor reports the missing closing time.
    closing: object = at  # typed as a datetime, but callers may pass None
    build = MarginPnL if closing is None else _new_pnl
    return build(
        trade=t,
        exit_price=p1,
        closed_at=at,
        gross_pnl=gross,
        open_fee=t.open_fee,
        close_fee=close_fee,
        trading_fees=fees,
        interest=interest,
        interest_value=interest_value,
        net_pnl=net,
        roi=net / t.collateral,
    )


@exact
def break_even_price(
    trade: MarginTrade,
    *,
    at: dt.datetime | None = None,
    schedule: RateSchedule | NumberLike | None = None,
    fee_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
    hourly_rate: NumberLike | None = None,
) -> Decimal:
    r"""The exit price at which closing at ``at`` makes a net PnL of exactly zero.

    Fees and the interest accrued by ``at`` included (the arguments are those of
    :func:`close`; without ``at``, and then without a rate, no interest is counted):
    the inversion of :func:`close`'s net PnL for a target of zero. With ``f`` the
    closing fee rate:

    .. math::

        P_{be}^{short} = \begin{cases}
            \dfrac{\text{proceeds}}{(Q + I)(1 + f)} & \text{fee in quote} \\[1ex]
            \dfrac{\text{proceeds}\,(1 - f)}{Q + I} & \text{fee in the received base}
        \end{cases}
        \qquad
        P_{be}^{long} = \frac{C L + I}{Q (1 - f)}

    Args:
        trade: the :class:`MarginTrade`.
        at: when the trade would be closed (timezone-aware, not before ``opened_at``);
            ``None``: no interest.
        schedule: the hourly interest rate, a ``levrisk.interest.RateSchedule`` or a
            constant hourly rate (as in :func:`close`); required with ``at``
            (``schedule=0`` for none).
        fee_rate: the closing fee rate (default: the opening fee rate).
        counting: the venue's interest counting rule (``"binance"`` by default).
        waived_hours: the number of first interest accruals that are free.
        hourly_rate: deprecated alias of ``schedule``, kept for compatibility.

    Returns:
        The break-even price, quote per base (> 0).

    Raises:
        InvalidInputError: for a bad argument (the message names the keyword the caller
            used), a naive datetime, ``at`` before ``opened_at``, a rate without ``at``,
            ``at`` without a rate, or both ``schedule`` and ``hourly_rate``.

    References:
        :ref:`rule-spot-trades` [derived: solves net PnL = 0].

    Examples:
        Opened at 13:55 with a 0.1 % fee, closed at 14:30 at 0.001 %/h:

        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import open_short
        >>> trade = open_short(
        ...     3000,
        ...     leverage=3,
        ...     price=60_000,
        ...     fee_rate="0.001",
        ...     opened_at=datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc),
        ...     base="BTC",
        ...     quote="USDT",
        ... )
        >>> at = datetime(2024, 5, 1, 14, 30, tzinfo=timezone.utc)
        >>> p = break_even_price(trade, at=at, schedule="0.00001")
        >>> round(p, 2)
        Decimal('59878.92')
        >>> abs(close(trade, exit_price=p, at=at, schedule="0.00001").net_pnl) < Decimal("1e-40")
        True

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       With ``at`` the rate is required (``schedule=0`` for none).
    """
    t, f1, interest = _closing_terms(
        trade, at, schedule, hourly_rate, fee_rate, counting, waived_hours
    )
    return _exit_price(t, Decimal(0), interest=interest, fee_rate=f1)  # > 0: proceeds, C·L > 0


@exact
def price_for_net_pnl(
    trade: MarginTrade,
    *,
    net_pnl: NumberLike,
    at: dt.datetime | None = None,
    schedule: RateSchedule | NumberLike | None = None,
    fee_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
    hourly_rate: NumberLike | None = None,
) -> Decimal | None:
    r"""The exit price at which closing at ``at`` nets ``net_pnl``, fees and interest included.

    The one exit-price inversion of spot margin: break-even is the target 0, a stop
    a negative target, a take-profit a positive one. With ``f`` the closing fee rate,
    ``R = Q + I`` the base a short buys back and ``T`` the target:

    .. math::

        P^{short} = \begin{cases}
            \dfrac{\text{proceeds} - T}{R (1 + f)} & \text{fee in quote} \\[1ex]
            \dfrac{(\text{proceeds} - T)(1 - f)}{R} & \text{fee in the received base}
        \end{cases}
        \qquad
        P^{long} = \frac{C L + I + T}{Q (1 - f)}

    Args:
        trade: the :class:`MarginTrade`.
        net_pnl: the target net PnL ``T`` in quote (negative for a loss).
        at: when the trade would be closed; ``None``: no interest.
        schedule: the hourly interest rate, a ``RateSchedule`` or a constant rate;
            required with ``at`` (0 for none), refused without it.
        fee_rate: the closing fee rate (default: the opening fee rate).
        counting: the venue's interest counting rule.
        waived_hours: the number of first interest accruals that are free.
        hourly_rate: the deprecated alias of ``schedule``, passed on by callers that
            still accept it (errors then name it).

    Returns:
        The exit price, quote per base, or ``None`` when no positive price nets the target
        (a short cannot earn more than its proceeds, a long cannot lose more than
        ``C·L + I``).

    Raises:
        InvalidInputError: as :func:`close`, or for a non-numeric ``net_pnl``.

    References:
        :ref:`rule-spot-trades` [derived: solves net PnL = T].

    Examples:
        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import open_short
        >>> trade = open_short(
        ...     3000,
        ...     leverage=3,
        ...     price=60_000,
        ...     opened_at=datetime(2024, 5, 1, tzinfo=timezone.utc),
        ...     base="BTC",
        ...     quote="USDT",
        ... )
        >>> price_for_net_pnl(trade, net_pnl=1000), price_for_net_pnl(trade, net_pnl=-30)
        (Decimal('50000'), Decimal('60300'))
        >>> price_for_net_pnl(trade, net_pnl=6000) is None
        True
    """
    target = to_decimal(net_pnl, name="net_pnl")
    t, f1, interest = _closing_terms(
        trade, at, schedule, hourly_rate, fee_rate, counting, waived_hours
    )
    price = _exit_price(t, target, interest=interest, fee_rate=f1)
    return price if price > 0 else None
