r"""Gate: perpetual futures with the close fee valued at mark — a rule preset.

Gate's liquidation condition values the maintenance margin at mark and reserves the fee
to close the position at the mark (liquidation) price [published]:

.. math::

    LP_{long} = \frac{Q \cdot EP - M - D}{Q \cdot (1 - m - c)}, \qquad
    LP_{short} = \frac{Q \cdot EP + M + D}{Q \cdot (1 + m + c)}

Bitget and OKX state the same condition. The algebra lives in ``levrisk.futures``; this
module holds the venue's name and its rule, :func:`liquidation_rule`.

Source: Gate Help, "Calculation of Liquidation Price" (USDT perpetual contracts).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from levrisk._fields import positive_number
from levrisk.exchanges._rules import with_fee
from levrisk.futures import LiquidationRule
from levrisk.numbers import NumberLike, RoundingMode, exact, round_to_step

__all__ = ["VENUE", "liquidation_rule", "reported_liquidation_price"]

VENUE: Final = "Gate"
"""The venue's name, as reports show it."""


@exact
def liquidation_rule(*, fee_rate: NumberLike) -> LiquidationRule:
    r"""Gate's rule: maintenance at mark, the close fee ``c·Q·P`` at mark.

    Args:
        fee_rate: the taker fee rate ``c`` in [0, 1) (0 gives Binance's fee-less rule).

    Returns:
        The rule, for ``levrisk.futures.isolated_liquidation_price`` and
        ``cross_liquidation_price``.

    Raises:
        InvalidInputError: when ``fee_rate`` is not a rate in [0, 1).

    References:
        Gate Help, "Calculation of Liquidation Price" (USDT perpetual contracts);
        :ref:`rule-venues` [published].

    Examples:
        >>> liquidation_rule(fee_rate="0.0005")
        LiquidationRule(maintenance_basis='mark', close_fee='mark', fee_rate=Decimal('0.0005'))

    .. versionadded:: 0.1.0
    """
    return with_fee(fee_rate)


@exact
def reported_liquidation_price(
    price: NumberLike | None, *, tick_size: NumberLike, mode: RoundingMode = "half_up"
) -> Decimal | None:
    """The exact liquidation price as Gate shows it (``liq_price``): at its tick.

    Gate shows the price on the contract's ``order_price_round`` tick; the rounding
    direction was not established on the responses checked, so it is an argument
    (default ``"half_up"``) [derived].

    Args:
        price: the exact liquidation price (``None``: none).
        tick_size: the contract's tick (``order_price_round``), > 0.
        mode: a ``levrisk.numbers.RoundingMode``.

    Returns:
        The price on the tick, or ``None``.

    Raises:
        InvalidInputError: for a bad price, tick or mode.

    References:
        Gate API v4, "List all positions of a user" (``liq_price``) and "Futures contract"
        (``order_price_round``); :ref:`rule-rounding` [checked].

    Examples:
        >>> reported_liquidation_price("25100.4037", tick_size="0.1")
        Decimal('25100.4')

    .. versionadded:: 0.2.0
    """
    tick = positive_number(tick_size, "tick_size")
    if price is None:
        return None
    return round_to_step(positive_number(price, "price"), tick, mode)
