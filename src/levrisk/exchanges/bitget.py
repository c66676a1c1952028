r"""Bitget: USDT-M perpetual futures — a rule preset.

Bitget reserves the fee to close at the liquidation price, valued at mark, and values the
maintenance margin at mark: Gate's condition (:mod:`levrisk.exchanges.gate` states it)
[derived from Bitget's help pages]. This module holds the venue's name and its rule,
:func:`liquidation_rule`; the algebra lives in ``levrisk.futures``.

Source: Bitget Help, "Liquidation price" (USDT-M futures).
"""

from __future__ import annotations

from typing import Final

from levrisk.exchanges._rules import with_fee
from levrisk.futures import LiquidationRule
from levrisk.numbers import NumberLike, exact

__all__ = ["VENUE", "liquidation_rule"]

VENUE: Final = "Bitget"
"""The venue's name, as reports show it."""


@exact
def liquidation_rule(*, fee_rate: NumberLike) -> LiquidationRule:
    r"""Bitget's rule, the taker fee ``c`` to close at mark in the condition.

    .. math::

        M + s \cdot Q \cdot (P - EP) = m \cdot Q \cdot P - D + c \cdot Q \cdot P

    Args:
        fee_rate: ``c`` in [0, 1); with 0 the rule is the fee-less one of Binance.

    Returns:
        The ``levrisk.futures.LiquidationRule`` for the isolated and cross solvers.

    Raises:
        InvalidInputError: for a ``fee_rate`` outside [0, 1).

    References:
        Bitget Help, "Liquidation price" (USDT-M futures); :ref:`rule-venues` [derived].

    Examples:
        >>> liquidation_rule(fee_rate="0.0006").fee_rate
        Decimal('0.0006')

    .. versionadded:: 0.1.0
    """
    return with_fee(fee_rate)
