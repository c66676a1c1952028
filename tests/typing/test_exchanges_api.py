"""Type-level checks of levrisk.exchanges (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from typing_extensions import assert_type

from levrisk.brackets import BracketTable
from levrisk.exchanges import binance, bybit, ccxt, okx
from levrisk.exchanges.snapshots import Snapshot


def check_binance(payload: object) -> None:
    """Binance parsers return tables, dicts of tables and tier rows; snapshots are dated."""
    assert_type(binance.brackets_from_payload(payload, symbol="BTCUSDT"), BracketTable)
    assert_type(binance.bracket_tables_from_payload(payload), dict[str, BracketTable])
    assert_type(binance.scale_brackets(binance.BTCUSDT_BRACKETS, "1.5"), BracketTable)
    assert_type(
        binance.isolated_margin_tiers_from_payload(payload),
        tuple[binance.IsolatedMarginTierRow, ...],
    )
    assert_type(binance.BTCUSDT_SNAPSHOT, Snapshot)
    assert_type(binance.BTCUSDT_SNAPSHOT.date, dt.date)
    assert_type(binance.SNAPSHOT_DATE, dt.date)
    assert_type(binance.SNAPSHOTS, Mapping[str, Snapshot])
    assert_type(binance.BTCUSD_PERP_BRACKETS, BracketTable)


def check_bybit(payload: object) -> None:
    """Bybit's parser says which rate units it read."""
    limits = bybit.risk_limits_from_payload(payload, units="auto")
    assert_type(limits, bybit.RiskLimits)
    assert_type(limits.units, bybit.RateUnits)
    assert_type(limits.brackets, BracketTable)


def check_okx(payload: object) -> None:
    """OKX tiers are tables; OKX's ratio may not exist."""
    assert_type(okx.position_tiers_from_payload(payload, ct_val="0.01"), BracketTable)
    assert_type(okx.equity_to_maintenance_ratio(1, maintenance_margin=1), Decimal | None)
    assert_type(okx.LIQUIDATION_RATIO, Decimal)


def check_ccxt(tiers: object) -> None:
    """The leverage tiers of ccxt become a table."""
    assert_type(ccxt.brackets_from_leverage_tiers(tiers), BracketTable)
