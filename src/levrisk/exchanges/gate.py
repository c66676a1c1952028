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

from typing import Final

from levrisk.exchanges._rules import with_fee
from levrisk.futures import LiquidationRule
from levrisk.numbers import NumberLike, exact

__all__ = ["VENUE", "liquidation_rule"]

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
