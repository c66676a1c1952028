"""Spot-margin trades: open a short or a long, close it, break-even (:ref:`rule-spot-trades`).

The private part of :mod:`levrisk.margin` for trades; re-exported there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Final, Literal, TypeAlias, get_args

import attrs

from levrisk._fields import (
    aware_datetime,
    finite,
    fraction,
    instance_of,
    non_negative,
    number,
    optional_number,
    positive,
    positive_number,
)
from levrisk._margin_accounts import (
    BINANCE_CROSS_3X,
    IsolatedMarginAccount,
    IsolatedTierTable,
    Loan,
    MarginThresholds,
    _asset,
    _asset_validator,
    liquidation_price,
    margin_level,
)
from levrisk.exceptions import InvalidInputError, LeverageError
from levrisk.interest import InterestCounting, RateSchedule, accrued_interest
from levrisk.numbers import NumberLike, exact, to_decimal

Side: TypeAlias = Literal["long", "short"]
"""The side of a spot-margin trade: ``"short"`` borrows base and sells it, ``"long"``
borrows quote and buys base."""

FeeConvention: TypeAlias = Literal["quote", "received"]
"""How the trading fee is charged (:ref:`rule-spot-trades`).

``"quote"``: in the quote asset, ``fee_rate × notional`` (the default; e.g. fees paid
from a quote balance, or valued in quote). ``"received"``: in the asset the trade
delivers (Binance spot without BNB): a buy receives ``(1 − f)`` of the base bought, a sell
``(1 − f)`` of the quote. For a buy under ``"quote"`` the fee comes on top of the
notional; the fee is always reported by its quote value at the trade price.
"""

_CONVENTIONS: Final = frozenset(get_args(FeeConvention))
_SIDES: Final = frozenset(get_args(Side))


def _side_validator(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or value not in _SIDES:
        msg = f"{attribute.name} must be one of {sorted(_SIDES)}, got {value!r}"
        raise InvalidInputError(msg)


def _convention_validator(
    _instance: object, _attribute: attrs.Attribute[Any], value: object
) -> None:
    _convention(value)


def _aware_validator(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    aware_datetime(value, attribute.name)


@attrs.frozen(kw_only=True)
class MarginTrade:
    r"""An opened spot-margin trade (built by :func:`open_short` / :func:`open_long`).

    Attributes:
        side: ``"short"`` or ``"long"``.
        base: the base asset (``"BTC"``).
        quote: the quote asset (``"USDT"``).
        collateral: own capital put in, in quote.
        leverage: ``L``; the borrow is worth ``collateral · (L − 1)``.
        entry_price: the trade price ``P₀``, quote per base.
        quantity: base sold (short) or base received after fees (long).
        borrowed: the loan, in the borrowed asset (base for a short, quote for a long).
        quote_amount: a short's sale proceeds after fees, or the quote a long spent
            (fees included), in quote.
        open_fee: the opening fee's quote value.
        fee_rate: the opening fee rate.
        fee_convention: its :data:`FeeConvention`.
        account: the pair's balances and loans right after the trade
            (``account.to_cross()`` for a cross account).
        thresholds: the :class:`MarginThresholds` in force (the tier's, for a table).
        margin_level: the margin level right after the trade, at ``entry_price``.
        liquidation_price: the base price at which the margin level reaches
            ``thresholds.liquidation``, or ``None``.
        opened_at: when the loan was taken (timezone-aware).

    .. versionadded:: 0.1.0
    """

    side: Side = attrs.field(validator=_side_validator)
    base: str = attrs.field(validator=_asset_validator)
    quote: str = attrs.field(validator=_asset_validator)
    collateral: Decimal = attrs.field(converter=number, validator=positive)
    leverage: Decimal = attrs.field(converter=number, validator=positive)
    entry_price: Decimal = attrs.field(converter=number, validator=positive)
    quantity: Decimal = attrs.field(converter=number, validator=positive)
    borrowed: Decimal = attrs.field(converter=number, validator=positive)
    quote_amount: Decimal = attrs.field(converter=number, validator=positive)
    open_fee: Decimal = attrs.field(converter=number, validator=non_negative)
    fee_rate: Decimal = attrs.field(converter=number, validator=fraction)
    fee_convention: FeeConvention = attrs.field(validator=_convention_validator)
    account: IsolatedMarginAccount = attrs.field(validator=instance_of(IsolatedMarginAccount))
    thresholds: MarginThresholds = attrs.field(validator=instance_of(MarginThresholds))
    margin_level: Decimal = attrs.field(converter=number, validator=positive)
    liquidation_price: Decimal | None = attrs.field(converter=optional_number, validator=positive)
    opened_at: dt.datetime = attrs.field(validator=_aware_validator)

    @property
    def borrowed_asset(self) -> str:
        """The asset owed: ``base`` for a short, ``quote`` for a long."""
        return self.base if self.side == "short" else self.quote

    @property
    def proceeds(self) -> Decimal | None:
        """A short's sale proceeds after fees, in quote (``None`` for a long)."""
        return self.quote_amount if self.side == "short" else None

    @property
    def cost(self) -> Decimal | None:
        """The quote a long spent, fees included (``None`` for a short)."""
        return self.quote_amount if self.side == "long" else None

    @property
    @exact
    def notional(self) -> Decimal:
        """``quantity · entry_price``: the trade's value in quote at entry, before fees."""
        return self.quantity * self.entry_price


@attrs.frozen(kw_only=True)
class MarginPnL:
    r"""The PnL of a closed spot-margin trade (built by :func:`close`), in quote.

    ``net_pnl = gross_pnl − trading_fees − interest_value``.

    Attributes:
        trade: the :class:`MarginTrade` closed.
        exit_price: ``P₁``, quote per base.
        closed_at: when it was closed.
        gross_pnl: ``Q·(P₀ − P₁)`` for a short, ``Q·(P₁ − P₀)`` for a long.
        open_fee: the quote value of the opening fee.
        close_fee: the quote value of the closing fee.
        trading_fees: ``open_fee + close_fee``.
        interest: the interest accrued, in the borrowed asset.
        interest_value: its quote value (``interest · P₁`` for a short).
        net_pnl: what the trade earned after fees and interest.
        roi: ``net_pnl / collateral`` (a fraction: ``0.5`` is 50 %).

    .. versionadded:: 0.1.0
    """

    trade: MarginTrade = attrs.field(validator=instance_of(MarginTrade))
    exit_price: Decimal = attrs.field(converter=number, validator=positive)
    closed_at: dt.datetime = attrs.field(validator=_aware_validator)
    gross_pnl: Decimal = attrs.field(converter=number, validator=finite)
    open_fee: Decimal = attrs.field(converter=number, validator=non_negative)
    close_fee: Decimal = attrs.field(converter=number, validator=non_negative)
    trading_fees: Decimal = attrs.field(converter=number, validator=non_negative)
    interest: Decimal = attrs.field(converter=number, validator=non_negative)
    interest_value: Decimal = attrs.field(converter=number, validator=non_negative)
    net_pnl: Decimal = attrs.field(converter=number, validator=finite)
    roi: Decimal = attrs.field(converter=number, validator=finite)


def _fee_rate(value: object, name: str) -> Decimal:
    rate = to_decimal(value, name=name)  # type: ignore[arg-type]
    if not 0 <= rate < 1:
        msg = f"{name} must be a fraction in [0, 1), got {value!r}"
        raise InvalidInputError(msg)
    return rate


def _convention(value: object) -> FeeConvention:
    if not isinstance(value, str) or value not in _CONVENTIONS:
        msg = f"fee_convention must be one of {sorted(_CONVENTIONS)}, got {value!r}"
        raise InvalidInputError(msg)
    return value  # type: ignore[return-value]  # checked against the Literal above


def _open(
    side: Side,
    collateral: NumberLike,
    *,
    leverage: NumberLike,
    price: NumberLike,
    opened_at: dt.datetime,
    thresholds: MarginThresholds | IsolatedTierTable,
    base: str,
    quote: str,
    fee_rate: NumberLike,
    fee_convention: FeeConvention,
) -> MarginTrade:
    c = positive_number(collateral, "collateral")
    lev = to_decimal(leverage, name="leverage")
    if lev <= 1:
        msg = f"leverage must be above 1 (a margin trade borrows), got {leverage!r}"
        raise LeverageError(msg)
    p0 = positive_number(price, "price")
    f = _fee_rate(fee_rate, "fee_rate")
    convention = _convention(fee_convention)
    at = aware_datetime(opened_at, "opened_at")
    base_name, quote_name = _asset(base, "base"), _asset(quote, "quote")
    if base_name == quote_name:
        msg = f"quote must differ from base {base_name!r}, got {quote_name!r}"
        raise InvalidInputError(msg)
    borrow_value = c * (lev - 1)
    borrowed = borrow_value / p0 if side == "short" else borrow_value
    if isinstance(thresholds, MarginThresholds):
        t = thresholds
    elif isinstance(thresholds, IsolatedTierTable):
        t = thresholds.tier_for(
            base_borrowed=borrowed if side == "short" else 0,
            quote_borrowed=borrowed if side == "long" else 0,
        ).thresholds
    else:
        msg = f"thresholds must be MarginThresholds or an IsolatedTierTable, got {thresholds!r}"
        raise InvalidInputError(msg)
    if lev > t.max_leverage:
        msg = f"leverage must be between 1 and {t.max_leverage}, got {leverage!r}"
        raise LeverageError(msg)
    if lev / (lev - 1) < t.initial_risk_ratio:
        msg = (
            f"leverage {leverage!r} borrows down to a margin level of {lev / (lev - 1)}, "
            f"below the initial risk ratio {t.initial_risk_ratio}"
        )
        raise LeverageError(msg)
    if side == "short":
        quantity = borrowed
        open_fee = quantity * p0 * f
        quote_amount = quantity * p0 - open_fee
        account = IsolatedMarginAccount(
            base=base_name,
            quote=quote_name,
            quote_balance=c + quote_amount,
            loans=[Loan(asset=base_name, principal=borrowed)],
        )
    else:
        quote_amount = c + borrowed
        notional = quote_amount / (1 + f) if convention == "quote" else quote_amount
        open_fee = notional * f
        quantity = (notional if convention == "quote" else notional - open_fee) / p0
        account = IsolatedMarginAccount(
            base=base_name,
            quote=quote_name,
            base_balance=quantity,
            loans=[Loan(asset=quote_name, principal=borrowed)],
        )
    prices = {base_name: p0}
    level = margin_level(account, prices)
    return MarginTrade(
        side=side,
        base=base_name,
        quote=quote_name,
        collateral=c,
        leverage=lev,
        entry_price=p0,
        quantity=quantity,
        borrowed=borrowed,
        quote_amount=quote_amount,
        open_fee=open_fee,
        fee_rate=f,
        fee_convention=convention,
        account=account,
        thresholds=t,
        margin_level=level,  # type: ignore[arg-type]  # a trade always owes its loan
        liquidation_price=liquidation_price(
            account, asset=base_name, prices=prices, liquidation_level=t.liquidation
        ),
        opened_at=at,
    )


@exact
def open_short(
    collateral: NumberLike,
    *,
    leverage: NumberLike,
    price: NumberLike,
    opened_at: dt.datetime,
    thresholds: MarginThresholds | IsolatedTierTable = BINANCE_CROSS_3X,
    base: str = "BTC",
    quote: str = "USDT",
    fee_rate: NumberLike = 0,
    fee_convention: FeeConvention = "quote",
) -> MarginTrade:
    r"""Open a spot-margin short: borrow base worth ``C·(L − 1)`` and sell it.

    .. math::

        Q = \frac{C (L - 1)}{P_0}, \qquad
        \text{proceeds} = Q P_0 (1 - f), \qquad
        ML = \frac{C + \text{proceeds}}{Q P_0}

    The borrow is allowed while ``L / (L − 1) ≥ IRR`` (the margin level right after
    borrowing, before the sale), i.e. the borrow value is at most ``C·(L − 1)``. A sale
    receives quote, so both fee conventions charge ``Q·P₀·f`` in quote. The resulting
    isolated account holds ``C + proceeds`` quote and owes ``Q`` base; interest is
    counted from ``opened_at`` by :func:`close`.

    Args:
        collateral: own capital ``C`` in quote (> 0).
        leverage: ``L`` (> 1, at most the thresholds' or tier's max leverage).
        price: the sale price ``P₀`` (> 0), quote per base.
        opened_at: when the loan is taken (timezone-aware).
        thresholds: :class:`MarginThresholds`, or an :class:`IsolatedTierTable` (the tier
            is chosen by the amount borrowed); Binance cross classic 3x
            (:data:`BINANCE_CROSS_3X`) by default.
        base: the base asset name.
        quote: the quote asset name.
        fee_rate: the trading fee rate ``f`` in ``[0, 1)``.
        fee_convention: a :data:`FeeConvention`.

    Returns:
        The :class:`MarginTrade`, with its account, margin level and liquidation price.

    Raises:
        LeverageError: when ``leverage ≤ 1``, above the max leverage, or below the
            initial risk ratio.
        InsufficientMarginError: when the borrow exceeds the tier table's top limit.
        InvalidInputError: for any other bad argument.

    References:
        Binance, "How to Short on Margin" and "Initial Risk Ratio"; :ref:`rule-spot-trades`
        [published/derived].

    Examples:
        The seed: 3,000 USDT at 3x borrows 0.1 BTC at 60,000 and sells it for 6,000:

        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import BINANCE_CROSS_3X
        >>> trade = open_short(
        ...     3000,
        ...     leverage=3,
        ...     price=60_000,
        ...     thresholds=BINANCE_CROSS_3X,
        ...     opened_at=datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc),
        ... )
        >>> trade.borrowed, trade.quote_amount, trade.margin_level
        (Decimal('0.1'), Decimal('6000.0'), Decimal('1.5'))
        >>> round(trade.liquidation_price, 2)
        Decimal('81818.18')

    .. versionadded:: 0.1.0
    """
    return _open(
        "short",
        collateral,
        leverage=leverage,
        price=price,
        opened_at=opened_at,
        thresholds=thresholds,
        base=base,
        quote=quote,
        fee_rate=fee_rate,
        fee_convention=fee_convention,
    )


@exact
def open_long(
    collateral: NumberLike,
    *,
    leverage: NumberLike,
    price: NumberLike,
    opened_at: dt.datetime,
    thresholds: MarginThresholds | IsolatedTierTable = BINANCE_CROSS_3X,
    base: str = "BTC",
    quote: str = "USDT",
    fee_rate: NumberLike = 0,
    fee_convention: FeeConvention = "quote",
) -> MarginTrade:
    r"""Open a spot-margin long: borrow quote worth ``C·(L − 1)`` and buy base with all.

    .. math::

        B = C (L - 1), \qquad S = C + B = C L, \qquad
        Q = \begin{cases}
            \dfrac{S}{(1 + f) P_0} & \text{fee in quote} \\[1ex]
            \dfrac{S (1 - f)}{P_0} & \text{fee in the received base}
        \end{cases}

    The resulting isolated account holds ``Q`` base and owes ``B`` quote, so
    ``ML = Q P_0 / B`` and the liquidation price is ``ML^* B / Q``.

    Args:
        collateral: own capital ``C`` in quote (> 0).
        leverage: ``L`` (> 1, at most the thresholds' or tier's max leverage).
        price: the purchase price ``P₀`` (> 0), quote per base.
        opened_at: when the loan is taken (timezone-aware).
        thresholds: :class:`MarginThresholds` or an :class:`IsolatedTierTable`; Binance
            cross classic 3x (:data:`BINANCE_CROSS_3X`) by default.
        base: the base asset name.
        quote: the quote asset name.
        fee_rate: the trading fee rate ``f`` in ``[0, 1)``.
        fee_convention: a :data:`FeeConvention`.

    Returns:
        The :class:`MarginTrade`.

    Raises:
        LeverageError: when ``leverage ≤ 1``, above the max leverage, or below the
            initial risk ratio.
        InsufficientMarginError: when the borrow exceeds the tier table's top limit.
        InvalidInputError: for any other bad argument.

    References:
        Binance, "How to Long on Margin"; :ref:`rule-spot-trades` [published/derived].

    Examples:
        10,000 USDT own + 20,000 borrowed buys 1 BTC at 30,000; liquidation at 22,000:

        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import BINANCE_CROSS_3X
        >>> trade = open_long(
        ...     10_000,
        ...     leverage=3,
        ...     price=30_000,
        ...     thresholds=BINANCE_CROSS_3X,
        ...     opened_at=datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc),
        ... )
        >>> trade.quantity, trade.borrowed, trade.liquidation_price
        (Decimal('1'), Decimal('20000'), Decimal('22000'))

    .. versionadded:: 0.1.0
    """
    return _open(
        "long",
        collateral,
        leverage=leverage,
        price=price,
        opened_at=opened_at,
        thresholds=thresholds,
        base=base,
        quote=quote,
        fee_rate=fee_rate,
        fee_convention=fee_convention,
    )


def _trade(value: object) -> MarginTrade:
    if not isinstance(value, MarginTrade):
        msg = f"trade must be a MarginTrade, got {value!r}"
        raise InvalidInputError(msg)
    return value


def _closing_terms(
    trade: object,
    *,
    at: dt.datetime | None,
    schedule: RateSchedule | NumberLike | None,
    hourly_rate: NumberLike | None,
    fee_rate: NumberLike | None,
    counting: InterestCounting,
    waived_hours: int,
) -> tuple[MarginTrade, Decimal, Decimal]:
    t = _trade(trade)
    f1 = t.fee_rate if fee_rate is None else _fee_rate(fee_rate, "fee_rate")
    if schedule is not None and hourly_rate is not None:
        msg = f"give schedule or hourly_rate, not both: got {schedule!r} and {hourly_rate!r}"
        raise InvalidInputError(msg)
    rate = schedule if schedule is not None else hourly_rate
    if at is None:
        if rate is not None:
            msg = f"at is needed to accrue interest at the rate {rate!r}, got None"
            raise InvalidInputError(msg)
        return t, f1, Decimal(0)
    if aware_datetime(at, "at") < t.opened_at:
        msg = f"at must not be before opened_at {t.opened_at.isoformat()}, got {at.isoformat()}"
        raise InvalidInputError(msg)
    interest = accrued_interest(
        t.borrowed,
        0 if rate is None else rate,
        t.opened_at,
        at,
        waived_hours=waived_hours,
        counting=counting,
    )
    return t, f1, interest


@exact
def close(
    trade: MarginTrade,
    *,
    exit_price: NumberLike,
    at: dt.datetime,
    schedule: RateSchedule | NumberLike | None = None,
    hourly_rate: NumberLike | None = None,
    fee_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
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
            constant hourly rate (e.g. ``"0.00001"`` for 0.001 %/h).
        hourly_rate: a constant hourly rate, instead of ``schedule`` (give one of the
            two; with neither, no interest is charged).
        fee_rate: the closing fee rate (default: the opening fee rate).
        counting: the venue's interest counting rule (``"binance"`` by default).
        waived_hours: the number of first interest accruals that are free.

    Returns:
        A :class:`MarginPnL`.

    Raises:
        InvalidInputError: for a bad argument, a naive datetime, ``at`` before
            ``opened_at``, or both ``schedule`` and ``hourly_rate``.

    References:
        Binance, "How to Short on Margin"; :ref:`rule-spot-trades` [published/derived] and
        :ref:`rule-interest` (interest) [published].

    Examples:
        The seed: short 0.1 BTC at 60,000, buy back at 50,000 → 1,000 before fees and
        interest:

        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import BINANCE_CROSS_3X
        >>> utc = timezone.utc
        >>> trade = open_short(
        ...     3000,
        ...     leverage=3,
        ...     price=60_000,
        ...     thresholds=BINANCE_CROSS_3X,
        ...     opened_at=datetime(2024, 5, 1, 13, 55, tzinfo=utc),
        ... )
        >>> pnl = close(
        ...     trade, exit_price=50_000, at=datetime(2024, 5, 1, 14, 30, tzinfo=utc), schedule=0
        ... )
        >>> pnl.gross_pnl, pnl.net_pnl
        (Decimal('1000.0'), Decimal('1000.0'))

    .. versionadded:: 0.1.0
    """
    p1 = positive_number(exit_price, "exit_price")
    t, f1, interest = _closing_terms(
        trade,
        at=at,
        schedule=schedule,
        hourly_rate=hourly_rate,
        fee_rate=fee_rate,
        counting=counting,
        waived_hours=waived_hours,
    )
    if t.side == "short":
        repay = t.quantity + interest
        gross = t.quantity * (t.entry_price - p1)
        interest_value = interest * p1
        close_fee = repay * p1 * f1 if t.fee_convention == "quote" else repay * p1 * f1 / (1 - f1)
    else:
        gross = t.quantity * (p1 - t.entry_price)
        interest_value = interest
        close_fee = t.quantity * p1 * f1
    fees = t.open_fee + close_fee
    net = gross - fees - interest_value
    return MarginPnL(
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
    hourly_rate: NumberLike | None = None,
    fee_rate: NumberLike | None = None,
    counting: InterestCounting = "binance",
    waived_hours: int = 0,
) -> Decimal:
    r"""The exit price at which closing at ``at`` makes a net PnL of exactly zero.

    Fees and the interest accrued by ``at`` included (the arguments are those of
    :func:`close`; without ``at``, and then without a rate, no interest is counted).
    With ``f`` the closing fee rate:

    .. math::

        P_{be}^{short} = \begin{cases}
            \dfrac{\text{proceeds}}{(Q + I)(1 + f)} & \text{fee in quote} \\[1ex]
            \dfrac{\text{proceeds}\,(1 - f)}{Q + I} & \text{fee in the received base}
        \end{cases}
        \qquad
        P_{be}^{long} = \frac{C L + I}{Q (1 - f)}

    Returns:
        The break-even price, quote per base (> 0).

    Raises:
        InvalidInputError: for a bad argument, a naive datetime, ``at`` before
            ``opened_at``, a rate without ``at``, or both ``schedule`` and ``hourly_rate``.

    References:
        :ref:`rule-spot-trades` [derived: solves net PnL = 0].

    Examples:
        >>> from datetime import datetime, timezone
        >>> from levrisk.margin import BINANCE_CROSS_3X
        >>> utc = timezone.utc
        >>> trade = open_short(
        ...     3000,
        ...     leverage=3,
        ...     price=60_000,
        ...     thresholds=BINANCE_CROSS_3X,
        ...     fee_rate="0.001",
        ...     opened_at=datetime(2024, 5, 1, 13, 55, tzinfo=utc),
        ... )
        >>> p = break_even_price(
        ...     trade, at=datetime(2024, 5, 1, 14, 30, tzinfo=utc), schedule="0.00001"
        ... )
        >>> round(p, 2)
        Decimal('59878.92')
        >>> abs(
        ...     close(
        ...         trade,
        ...         exit_price=p,
        ...         at=datetime(2024, 5, 1, 14, 30, tzinfo=utc),
        ...         schedule="0.00001",
        ...     ).net_pnl
        ... ) < Decimal("1e-40")
        True

    .. versionadded:: 0.1.0
    """
    t, f1, interest = _closing_terms(
        trade,
        at=at,
        schedule=schedule,
        hourly_rate=hourly_rate,
        fee_rate=fee_rate,
        counting=counting,
        waived_hours=waived_hours,
    )
    if t.side == "short":
        repay = t.quantity + interest
        if t.fee_convention == "quote":
            return t.quote_amount / (repay * (1 + f1))
        return t.quote_amount * (1 - f1) / repay
    return (t.quote_amount + interest) / (t.quantity * (1 - f1))
