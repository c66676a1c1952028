"""Type-level checks of levrisk.margin (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from typing_extensions import assert_type

from levrisk.brackets import BracketTable
from levrisk.interest import RateSchedule
from levrisk.margin import (
    BINANCE_CROSS_3X,
    CrossMarginAccount,
    IsolatedMarginAccount,
    IsolatedTier,
    IsolatedTierTable,
    Loan,
    MarginPnL,
    MarginStatus,
    MarginThresholds,
    MarginTrade,
    borrow,
    break_even_price,
    close,
    collateral_margin_level,
    liquidation_price,
    margin_level,
    margin_status,
    max_borrowable,
    open_long,
    open_short,
    pro_initial_margin,
    pro_initial_rate,
    pro_maintenance_margin,
    pro_margin_level,
    pro_max_borrowable,
)


def check_accounts(iso: IsolatedMarginAccount, cross: CrossMarginAccount) -> None:
    """Accounts take NumberLike and give Decimals; levels may be absent."""
    assert_type(Loan(asset="BTC", principal="0.1").total, Decimal)
    assert_type(iso.liabilities, dict[str, Decimal])
    assert_type(iso.to_cross(), CrossMarginAccount)
    assert_type(margin_level(iso, {"BTC": 1}), Decimal | None)
    assert_type(margin_level(cross, {"BTC": Decimal(1)}), Decimal | None)
    assert_type(
        collateral_margin_level(cross, {}, collateral_ratios={"BTC": "0.9"}), Decimal | None
    )
    assert_type(
        liquidation_price(cross, asset="BTC", prices={}, liquidation_level="1.1"), Decimal | None
    )
    assert_type(max_borrowable(iso, asset="BTC", prices={}, thresholds=BINANCE_CROSS_3X), Decimal)
    assert_type(margin_status(None, BINANCE_CROSS_3X), MarginStatus)
    assert_type(
        borrow(iso, asset="BTC", amount=1, prices={}, thresholds=BINANCE_CROSS_3X),
        IsolatedMarginAccount,
    )
    assert_type(
        borrow(cross, asset="BTC", amount=1, prices={}, thresholds=BINANCE_CROSS_3X),
        CrossMarginAccount,
    )


def check_tiers(thresholds: MarginThresholds) -> None:
    """Tier tables are built from plain values."""
    tier = IsolatedTier(tier=1, thresholds=thresholds, base_borrow_limit=1, quote_borrow_limit=2)
    table = IsolatedTierTable(tiers=[tier])
    assert_type(table.tier_for(base_borrowed=0, quote_borrowed="1"), IsolatedTier)


def check_trades(at: datetime) -> None:
    """Trades and their PnL are frozen result objects."""
    trade = open_short(
        3000,
        base="BTC",
        quote="USDT",
        leverage=3,
        price=60_000,
        opened_at=at,
        thresholds=BINANCE_CROSS_3X,
    )
    assert_type(trade, MarginTrade)
    assert_type(trade.liquidation_price, Decimal | None)
    assert_type(trade.proceeds, Decimal | None)
    assert_type(trade.notional, Decimal)
    assert_type(
        open_long(
            1000,
            base="BTC",
            quote="USDT",
            leverage="2",
            price=1.5,
            opened_at=at,
            thresholds=BINANCE_CROSS_3X,
        ),
        MarginTrade,
    )
    assert_type(close(trade, exit_price=1, at=at, schedule="0.00001"), MarginPnL)
    assert_type(break_even_price(trade, at=at, schedule=0), Decimal)
    assert_type(break_even_price(trade, at=at, schedule=RateSchedule.from_daily(0)), Decimal)
    # hourly_rate: the deprecated alias of schedule, still accepted
    assert_type(close(trade, exit_price=1, at=at, hourly_rate="0.00001"), MarginPnL)


def check_pro(cross: CrossMarginAccount, table: BracketTable) -> None:
    """Cross Margin Pro functions return Decimals."""
    assert_type(pro_initial_rate(10), Decimal)
    assert_type(pro_margin_level(cross, {}, tiers={"USDT": table}), Decimal | None)
    assert_type(pro_initial_margin(cross, {}, tiers={"USDT": table}), Decimal)
    assert_type(pro_maintenance_margin(cross, {}, tiers={"USDT": table}), Decimal)
    assert_type(pro_max_borrowable(cross, asset="USDT", prices={}, tiers={"USDT": table}), Decimal)
