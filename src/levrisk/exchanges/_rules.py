"""The one rule shape shared by the venues that put a close fee at mark in the condition."""

from __future__ import annotations

from levrisk.futures import LiquidationRule
from levrisk.numbers import NumberLike, to_decimal


def close_fee_at_mark(fee_rate: NumberLike) -> LiquidationRule:
    """``LiquidationRule(close_fee="mark", fee_rate=c)``, or the fee-less rule for ``c = 0``."""
    c = to_decimal(fee_rate, name="fee_rate")
    if c == 0:
        return LiquidationRule()
    return LiquidationRule(close_fee="mark", fee_rate=c)
