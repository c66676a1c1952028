r"""OKX spot margin (isolated and cross, one pair): margin ratio, liquidation price, borrowing.

Rules: :ref:`rule-okx-spot-margin`. Re-exported by :mod:`levrisk.exchanges.okx`.

With base and quote assets ``B``, ``Q_a``, base and quote liabilities (interest included)
``L_b``, ``L_q``, the mark ``P``, the maintenance rate ``m`` and the taker fee rate ``c``,
OKX's quick (current) margin mode states [published]

.. math::

    \text{net} = (Q_a - L_q) + (B - L_b) \cdot P, \qquad
    MM = (L_q + L_b \cdot P) \cdot m, \qquad
    \text{ratio} = \frac{\text{net}}{MM + \text{fees}}

    LP = \frac{L_q \cdot (1 + m)(1 + c) - Q_a}{B - L_b \cdot (1 + m)(1 + c)}

The price makes the ratio exactly 1 when the fees are the liquidation fee
``c·(1 + m)·(L_q + L_b·P)`` on the liability [derived]; so liquidation is when the assets
are worth ``k = (1 + m)(1 + c)`` times the liabilities. The legacy isolated margin mode
(a long's assets in base and liability in quote, a short's the other way round) is the
same condition with one asset and one liability [published].
"""

from __future__ import annotations

from decimal import Decimal

from levrisk._fields import fee_rate, fraction_number, non_negative_number, positive_number
from levrisk._typing import Side, choice
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError
from levrisk.numbers import NumberLike, exact

__all__: list[str] = []


def _pair(
    base_assets: NumberLike,
    quote_assets: NumberLike,
    base_liability: NumberLike,
    quote_liability: NumberLike,
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return (
        non_negative_number(base_assets, "base_assets"),
        non_negative_number(quote_assets, "quote_assets"),
        non_negative_number(base_liability, "base_liability"),
        non_negative_number(quote_liability, "quote_liability"),
    )


def _k(maintenance_rate: NumberLike, taker_fee_rate: NumberLike) -> Decimal:
    """``k = (1 + m)(1 + c)``: how many times the liabilities the assets must be worth."""
    m = fraction_number(maintenance_rate, "maintenance_rate")
    c = fee_rate(taker_fee_rate, "taker_fee_rate")
    return (1 + m) * (1 + c)


@exact
def spot_margin_ratio(
    *,
    base_assets: NumberLike,
    quote_assets: NumberLike,
    base_liability: NumberLike,
    quote_liability: NumberLike,
    mark_price: NumberLike,
    maintenance_rate: NumberLike,
    taker_fee_rate: NumberLike,
) -> Decimal | None:
    r"""OKX's spot-margin ratio of one pair: net assets ÷ (MM + liquidation fee).

    .. math::

        \text{ratio} = \frac{(Q_a - L_q) + (B - L_b) \cdot P}
                            {(L_q + L_b P) \cdot m + (L_q + L_b P) \cdot (1 + m) \cdot c}

    Higher is safer; liquidation at ≤ 1 (100%). Liabilities include unpaid interest.

    Args:
        base_assets: ``B``, the base coin held (transferred in, borrowed and bought), ≥ 0.
        quote_assets: ``Q_a``, the quote coin held, ≥ 0.
        base_liability: ``L_b``, the base coin owed with interest, ≥ 0.
        quote_liability: ``L_q``, the quote coin owed with interest, ≥ 0.
        mark_price: ``P``, quote per base, > 0.
        maintenance_rate: ``m`` of the position's tier, in [0, 1).
        taker_fee_rate: ``c``, in [0, 1).

    Returns:
        The ratio (a fraction: 1 is 100%), or ``None`` without liabilities (OKX shows none).

    Raises:
        InvalidInputError: for a negative amount, a non-positive price or a bad rate.

    References:
        OKX Help, "V. Quick Margin Mode" and "Isolated margin mode";
        :ref:`rule-okx-spot-margin` [published; the fee term derived].

    Examples:
        A 5x ETH long on 1 ETH of margin (6 ETH held, 5,000 USDT owed) at 1,000:

        >>> spot_margin_ratio(
        ...     base_assets=6,
        ...     quote_assets=0,
        ...     base_liability=0,
        ...     quote_liability=5000,
        ...     mark_price=1000,
        ...     maintenance_rate="0.08",
        ...     taker_fee_rate="0.001",
        ... )
        Decimal('2.4666995559940799210656142081894425259003453379378')

    .. versionadded:: 0.3.0
    """
    b, qa, lb, lq = _pair(base_assets, quote_assets, base_liability, quote_liability)
    p = positive_number(mark_price, "mark_price")
    k = _k(maintenance_rate, taker_fee_rate)
    liabilities = lq + lb * p
    if liabilities == 0:
        return None
    return ((qa - lq) + (b - lb) * p) / ((k - 1) * liabilities)


@exact
def spot_liquidation_price(
    *,
    base_assets: NumberLike,
    quote_assets: NumberLike,
    base_liability: NumberLike,
    quote_liability: NumberLike,
    maintenance_rate: NumberLike,
    taker_fee_rate: NumberLike,
    mark_price: NumberLike | None = None,
) -> Decimal | None:
    r"""OKX's estimated liquidation price of one spot-margin pair.

    .. math::

        LP = \frac{L_q \cdot k - Q_a}{B - L_b \cdot k}, \qquad k = (1 + m)(1 + c)

    A net long (``B > k·L_b``) liquidates at or below ``LP``; a net short at or above it.

    Args:
        base_assets: ``B``, ≥ 0.
        quote_assets: ``Q_a``, ≥ 0.
        base_liability: ``L_b`` with interest, ≥ 0.
        quote_liability: ``L_q`` with interest, ≥ 0.
        maintenance_rate: ``m``, in [0, 1).
        taker_fee_rate: ``c``, in [0, 1).
        mark_price: the mark, to check the pair is not already past ``LP`` (optional).

    Returns:
        ``LP``, or ``None`` when no positive price liquidates (no liabilities, or a net
        long whose quote covers ``k·L_q``).

    Raises:
        AlwaysLiquidatedError: when every positive price liquidates.
        AlreadyLiquidatedError: when ``mark_price`` is at or past ``LP`` (``.price``).
        InvalidInputError: for a bad amount, rate or price.

    References:
        OKX Help, "V. Quick Margin Mode" (current) and "Isolated margin mode" (legacy);
        :ref:`rule-okx-spot-margin` [published].

    Examples:
        The 5x ETH long above (liquidation when 6 ETH are worth ``k·5,000`` USDT):

        >>> spot_liquidation_price(
        ...     base_assets=6,
        ...     quote_assets=0,
        ...     base_liability=0,
        ...     quote_liability=5000,
        ...     maintenance_rate="0.08",
        ...     taker_fee_rate="0.001",
        ... )
        Decimal('900.9')

    .. versionadded:: 0.3.0
    """
    b, qa, lb, lq = _pair(base_assets, quote_assets, base_liability, quote_liability)
    k = _k(maintenance_rate, taker_fee_rate)
    mark = None if mark_price is None else positive_number(mark_price, "mark_price")
    if lb == 0 and lq == 0:
        return None
    numerator = lq * k - qa
    slope = b - lb * k
    if slope == 0:
        if numerator < 0:
            return None
        msg = "the pair's assets never cover k times its liabilities: every price liquidates"
        raise AlwaysLiquidatedError(msg)
    price = numerator / slope
    if price <= 0:
        if slope > 0:
            return None
        msg = f"a net short whose quote does not cover k·L_q liquidates at every price ({price!r})"
        raise AlwaysLiquidatedError(msg)
    if mark is not None and (mark <= price if slope > 0 else mark >= price):
        msg = f"at the mark {mark!r} the pair is already past its liquidation price {price!r}"
        raise AlreadyLiquidatedError(msg, price=price)
    return price


@exact
def legacy_isolated_liquidation_price(
    side: Side,
    *,
    position_assets: NumberLike,
    liability: NumberLike,
    maintenance_rate: NumberLike,
    taker_fee_rate: NumberLike,
) -> Decimal | None:
    r"""OKX's legacy isolated-margin estimate: one asset against one liability.

    .. math::

        LP_{long} = \frac{L \cdot k}{A}, \qquad LP_{short} = \frac{A}{L \cdot k}

    A long holds ``A`` base and owes ``L`` quote; a short holds ``A`` quote and owes ``L``
    base (``L`` includes interest).

    Args:
        side: ``"long"`` or ``"short"``.
        position_assets: ``A``, the position's assets (margin included), > 0.
        liability: ``L``, the liability with interest, ≥ 0.
        maintenance_rate: ``m``, in [0, 1).
        taker_fee_rate: ``c``, in [0, 1).

    Returns:
        ``LP``, or ``None`` without liability.

    Raises:
        InvalidInputError: for a bad side, amount or rate.

    References:
        OKX Help, "Isolated margin mode" (https://www.okx.com/help-center/6997123251341,
        updated 2024-04-04); :ref:`rule-okx-spot-margin` [published].

    Examples:
        A 10x BTC long of 1 BTC at 10,000 (1.1 BTC held, 10,000 USDT owed), the
        page's position, at m = 8% and c = 0.1%:

        >>> legacy_isolated_liquidation_price(
        ...     "long",
        ...     position_assets="1.1",
        ...     liability=10000,
        ...     maintenance_rate="0.08",
        ...     taker_fee_rate="0.001",
        ... )
        Decimal('9828')

    .. versionadded:: 0.3.0
    """
    choice(side, Side, "side")
    assets = positive_number(position_assets, "position_assets")
    owed = non_negative_number(liability, "liability")
    if side == "long":
        return spot_liquidation_price(
            base_assets=assets,
            quote_assets=0,
            base_liability=0,
            quote_liability=owed,
            maintenance_rate=maintenance_rate,
            taker_fee_rate=taker_fee_rate,
        )
    return spot_liquidation_price(
        base_assets=0,
        quote_assets=assets,
        base_liability=owed,
        quote_liability=0,
        maintenance_rate=maintenance_rate,
        taker_fee_rate=taker_fee_rate,
    )


@exact
def spot_available_to_borrow(
    margin: NumberLike,
    *,
    leverage: NumberLike,
    price: NumberLike = 1,
    limit: NumberLike | None = None,
) -> Decimal:
    r"""OKX's available to borrow: the margin balance times the leverage multiplier.

    .. math::

        \text{borrow} = \min(M \cdot L \cdot P,\ \text{limit})

    Args:
        margin: ``M``, the margin balance, ≥ 0.
        leverage: ``L``, the leverage chosen, > 0.
        price: ``P``, the price converting the margin into the borrowed coin (1 when
            they are the same coin).
        limit: the tier's or platform's borrowing limit, when one applies.

    Returns:
        The most that can be borrowed, in the borrowed coin.

    Raises:
        InvalidInputError: for a bad amount, leverage, price or limit.

    References:
        OKX Help, "Ⅱ. Introduction of Margin" (https://www.okx.com/help/6995928593165);
        :ref:`rule-okx-spot-margin` [published].

    Examples:
        The page's example: 1 ETH of margin at 1,000 USDT, 5x, borrows up to 5,000 USDT:

        >>> spot_available_to_borrow(1, leverage=5, price=1000)
        Decimal('5000')

    .. versionadded:: 0.3.0
    """
    amount = (
        non_negative_number(margin, "margin")
        * positive_number(leverage, "leverage")
        * positive_number(price, "price")
    )
    if limit is None:
        return amount
    return min(amount, non_negative_number(limit, "limit"))
