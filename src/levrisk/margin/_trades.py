"""Spot-margin trades: open a short or a long through one shared opening (:ref:`rule-spot-trades`).

The private part of :mod:`levrisk.margin` for opening trades; re-exported there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from levrisk._fields import aware_datetime, builder, option, positive_number
from levrisk._fields import fee_rate as fee_rate_check
from levrisk._typing import FeeConvention, Side
from levrisk.exceptions import InvalidInputError, LeverageError
from levrisk.margin._liquidation import level_outcome
from levrisk.margin._model import (
    BINANCE_CROSS_3X,
    IsolatedMarginAccount,
    IsolatedTierTable,
    Loan,
    MarginThresholds,
    MarginTrade,
    _asset,
    _thresholds,
)
from levrisk.numbers import NumberLike, _convert, exact

_ZERO, _ONE = Decimal(0), Decimal(1)

_new_loan = builder(Loan)
_new_account = builder(IsolatedMarginAccount)
_new_trade = builder(MarginTrade)


def _open(
    side: Side,
    collateral: NumberLike,
    *,
    leverage: NumberLike,
    price: NumberLike,
    opened_at: dt.datetime,
    base: str,
    quote: str,
    thresholds: MarginThresholds | IsolatedTierTable = BINANCE_CROSS_3X,
    fee_rate: NumberLike = 0,
    fee_convention: FeeConvention = "quote",
) -> MarginTrade:
    """Open a trade of ``side``: the implementation of :func:`open_short` and :func:`open_long`."""
    c = positive_number(collateral, "collateral")
    lev = _convert(leverage, "leverage")
    if lev <= 1:
        msg = f"leverage must be above 1 (a margin trade borrows), got {leverage!r}"
        raise LeverageError(msg)
    p0 = positive_number(price, "price")
    f = fee_rate_check(fee_rate, "fee_rate")
    convention: FeeConvention = option(fee_convention, FeeConvention, "fee_convention")
    at = aware_datetime(opened_at, "opened_at")
    base_name, quote_name = _asset(base, "base"), _asset(quote, "quote")
    if base_name == quote_name:
        msg = f"quote must differ from base {base_name!r}, got {quote_name!r}"
        raise InvalidInputError(msg)
    extra = lev - 1
    borrow_value = c * extra
    borrowed = borrow_value / p0 if side == "short" else borrow_value
    limits = _thresholds(thresholds)
    if isinstance(limits, MarginThresholds):
        t = limits
    else:
        t = limits.tier_for(
            base_borrowed=borrowed if side == "short" else 0,
            quote_borrowed=borrowed if side == "long" else 0,
        ).thresholds
    if lev > t.max_leverage:
        msg = f"leverage must be between 1 and {t.max_leverage}, got {leverage!r}"
        raise LeverageError(msg)
    if lev / extra < t.initial_risk_ratio:
        msg = (
            f"leverage {leverage!r} borrows down to a margin level of {lev / extra}, "
            f"below the initial risk ratio {t.initial_risk_ratio}"
        )
        raise LeverageError(msg)
    # The account and its loan hold checked or computed values (positive amounts, two
    # distinct checked asset names): built without running the validators again.
    if side == "short":
        quantity = borrowed
        open_fee = quantity * p0 * f
        quote_amount = quantity * p0 - open_fee
        base_balance, quote_balance, owed = _ZERO, c + quote_amount, base_name
    else:
        quote_amount = c + borrowed
        notional = quote_amount / (1 + f) if convention == "quote" else quote_amount
        open_fee = notional * f
        quantity = (notional if convention == "quote" else notional - open_fee) / p0
        base_balance, quote_balance, owed = quantity, _ZERO, quote_name
    account = _new_account(
        base=base_name,
        quote=quote_name,
        base_balance=base_balance,
        quote_balance=quote_balance,
        loans=(_new_loan(asset=owed, principal=borrowed, interest=_ZERO),),
    )
    level, amounts = _pair_risk(side, quantity, borrowed, quote_balance, p0)
    return _new_trade(  # every value is checked or computed from checked ones
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
        margin_level=level,  # never None: a trade always owes its loan
        liquidation_price=level_outcome(amounts, t.liquidation, repr(base_name), p0),
        opened_at=at,
    )


def _pair_risk(
    side: Side, quantity: Decimal, borrowed: Decimal, quote_balance: Decimal, price: Decimal
) -> tuple[Decimal, tuple[Decimal, Decimal, Decimal, Decimal]]:
    """The margin level of a new trade's account, and the amounts of its liquidation price.

    The operations of :func:`margin_level` and :func:`liquidation_price` (at ``{base:
    price}``) on the two-asset account :func:`_open` builds, in their order: the one loan
    is summed as ``0 + (principal + 0)``, each valuation starts from ``0`` and skips the
    zero balance, the quote's price is 1. A short holds quote and owes base, a long holds
    base and owes quote. The amounts are ``level_outcome``'s ``(A_x, D_x, A_o, D_o)``.
    """
    owed = _ZERO + (borrowed + _ZERO)
    if side == "short":
        assets, debt = _ZERO + quote_balance * _ONE, _ZERO + owed * price
        return assets / debt, (_ZERO, owed, assets, _ZERO)
    assets, debt = _ZERO + quantity * price, _ZERO + owed * _ONE
    return assets / debt, (quantity, _ZERO, _ZERO, debt)


@exact
def open_short(
    collateral: NumberLike,
    *,
    leverage: NumberLike,
    price: NumberLike,
    opened_at: dt.datetime,
    base: str,
    quote: str,
    thresholds: MarginThresholds | IsolatedTierTable = BINANCE_CROSS_3X,
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
        base: the base asset name, e.g. ``"BTC"`` (required: stated, never defaulted).
        quote: the quote asset name, e.g. ``"USDT"`` (required).
        thresholds: :class:`MarginThresholds`, or an :class:`IsolatedTierTable` (the tier
            is chosen by the amount borrowed); Binance cross classic 3x
            (:data:`BINANCE_CROSS_3X`) by default.
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
        ...     base="BTC",
        ...     quote="USDT",
        ... )
        >>> trade.borrowed, trade.quote_amount, trade.margin_level
        (Decimal('0.1'), Decimal('6000.0'), Decimal('1.5'))
        >>> round(trade.liquidation_price, 2)
        Decimal('81818.18')

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       ``base`` and ``quote`` are required (they defaulted to BTC and USDT).
    """
    return _open(
        "short",
        collateral,
        leverage=leverage,
        price=price,
        opened_at=opened_at,
        base=base,
        quote=quote,
        thresholds=thresholds,
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
    base: str,
    quote: str,
    thresholds: MarginThresholds | IsolatedTierTable = BINANCE_CROSS_3X,
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
    ``ML = Q P_0 / B`` and the liquidation price is ``ML^* B / Q``. The arguments,
    result and errors are those of :func:`open_short`, with ``price`` the purchase price
    ``P₀`` and the tier of an :class:`IsolatedTierTable` chosen by the quote borrowed.

    References:
        Binance, "How to Long on Margin"; :ref:`rule-spot-trades` [published/derived].

    Examples:
        10,000 USDT own + 20,000 borrowed buys 1 BTC at 30,000; liquidation at 22,000:

        >>> from datetime import datetime, timezone
        >>> trade = open_long(
        ...     10_000,
        ...     leverage=3,
        ...     price=30_000,
        ...     opened_at=datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc),
        ...     base="BTC",
        ...     quote="USDT",
        ... )
        >>> trade.quantity, trade.borrowed, trade.liquidation_price
        (Decimal('1'), Decimal('20000'), Decimal('22000'))

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       ``base`` and ``quote`` are required (they defaulted to BTC and USDT).
    """
    return _open(
        "long",
        collateral,
        leverage=leverage,
        price=price,
        opened_at=opened_at,
        base=base,
        quote=quote,
        thresholds=thresholds,
        fee_rate=fee_rate,
        fee_convention=fee_convention,
    )
