"""The rule factory shared by the venues whose liquidation condition carries a fee rate."""

from __future__ import annotations

from levrisk._typing import CloseFeeBasis, MaintenanceBasis
from levrisk.futures import LiquidationRule
from levrisk.numbers import NumberLike, to_decimal

FEE_LESS = LiquidationRule()
"""Maintenance at mark, no close fee: what a fee rate of 0 gives at Gate, Bitget and OKX."""


def with_fee(
    fee_rate: NumberLike,
    *,
    close_fee: CloseFeeBasis = "mark",
    maintenance_basis: MaintenanceBasis = "mark",
    fee_less: LiquidationRule = FEE_LESS,
) -> LiquidationRule:
    """The venue's rule with the close fee ``c`` in the condition, or ``fee_less`` for ``c = 0``.

    ``LiquidationRule`` checks that ``c`` is a rate in ``[0, 1)``.
    """
    c = to_decimal(fee_rate, name="fee_rate")
    if c == 0:
        return fee_less
    return LiquidationRule(maintenance_basis=maintenance_basis, close_fee=close_fee, fee_rate=c)
