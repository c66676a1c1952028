"""Spot margin: accounts, margin level, liquidation price, trades (FORMULAS.md §2).

Borrow-and-sell shorts and borrow-and-buy longs on Binance-style spot margin: the
account value objects (:class:`IsolatedMarginAccount`, :class:`CrossMarginAccount`,
:class:`Loan`), the margin level and its Binance statuses, the liquidation price of one
moving asset, the maximum borrowable amount, trades with a full PnL breakdown after
fees and hourly interest, and Binance Cross Margin Pro. Prices are always passed in as a
mapping asset → price in one quote currency; nothing here reads a clock or the network.
"""

from __future__ import annotations

from types import FunctionType

from levrisk._margin_accounts import (
    BINANCE_CROSS_3X,
    BINANCE_CROSS_5X,
    BINANCE_ISOLATED_10X_TIER1,
    CrossMarginAccount,
    IsolatedMarginAccount,
    IsolatedTier,
    IsolatedTierTable,
    Loan,
    MarginAccount,
    MarginStatus,
    MarginThresholds,
    PriceMap,
    collateral_margin_level,
    liquidation_price,
    margin_level,
    margin_status,
    max_borrowable,
)
from levrisk._margin_pro import (
    PRO_LIQUIDATION_LEVEL,
    pro_initial_margin,
    pro_initial_rate,
    pro_maintenance_margin,
    pro_margin_level,
    pro_max_borrowable,
)
from levrisk._margin_trades import (
    FeeConvention,
    MarginPnL,
    MarginTrade,
    Side,
    break_even_price,
    close,
    open_long,
    open_short,
)

__all__ = [
    "BINANCE_CROSS_3X",
    "BINANCE_CROSS_5X",
    "BINANCE_ISOLATED_10X_TIER1",
    "PRO_LIQUIDATION_LEVEL",
    "CrossMarginAccount",
    "FeeConvention",
    "IsolatedMarginAccount",
    "IsolatedTier",
    "IsolatedTierTable",
    "Loan",
    "MarginAccount",
    "MarginPnL",
    "MarginStatus",
    "MarginThresholds",
    "MarginTrade",
    "PriceMap",
    "Side",
    "break_even_price",
    "close",
    "collateral_margin_level",
    "liquidation_price",
    "margin_level",
    "margin_status",
    "max_borrowable",
    "open_long",
    "open_short",
    "pro_initial_margin",
    "pro_initial_rate",
    "pro_maintenance_margin",
    "pro_margin_level",
    "pro_max_borrowable",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, (type, FunctionType)):
        _obj.__module__ = __name__  # document and cross-reference as levrisk.margin.<name>
