"""Type-level checks of levrisk.exchanges (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from typing_extensions import assert_type

from levrisk.brackets import BracketTable
from levrisk.exchanges import (
    FieldCheck,
    MarginMode,
    Parsed,
    Reconciliation,
    ReportedPosition,
    RowError,
    binance,
    bitget,
    bitmex,
    bybit,
    ccxt,
    gate,
    okx,
)
from levrisk.exchanges.snapshots import ContractPreset, Snapshot
from levrisk.futures import Contract, CrossAccount, LiquidationRule, Position
from levrisk.margin import (
    CrossMarginAccount,
    IsolatedMarginAccount,
    IsolatedTierTable,
    MarginThresholds,
)


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
    assert_type(binance.BTCUSD_PERP_CONTRACT, Contract)
    assert_type(binance.CONTRACTS, Mapping[str, ContractPreset])
    assert_type(binance.CONTRACTS["BTCUSDT"].contract, Contract)
    assert_type(binance.CONTRACTS["BTCUSDT"].margin_unit, str)
    assert_type(binance.usdm_preset("SOLUSDT"), ContractPreset)
    assert_type(binance.USDM_SNAPSHOTS, Mapping[str, Snapshot])
    assert_type(binance.USDM_SNAPSHOTS["BTCUSDT"].label, str)
    report = binance.position_report_from_payload(payload, contracts={}, strict=True)
    assert_type(report, Parsed)
    assert_type(report.errors, tuple[RowError, ...])
    result = binance.reconcile(report.rows[0], account=None, fee_rate="0.0005")
    assert_type(result, Reconciliation)
    assert_type(result.checks, tuple[FieldCheck, ...])
    assert_type(result.agrees, bool)
    assert_type(binance.reported_liquidation_price("1"), Decimal | None)
    assert_type(binance.reported_unrealized_pnl("1"), Decimal)
    assert_type(binance.cross_wallet_balance_from_payload(payload, asset=None), Decimal)


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


def check_rules(position: Position, contract: Contract, payload: object) -> None:
    """Presets are LiquidationRules; helpers return Decimals; parsers return value objects."""
    assert_type(binance.LIQUIDATION_RULE, LiquidationRule)
    assert_type(binance.USDM_RULE, LiquidationRule)
    assert_type(binance.COINM_RULE, LiquidationRule)
    assert_type(bybit.CLASSIC_RULE, LiquidationRule)
    assert_type(bybit.UNIFIED_RULE, LiquidationRule)
    assert_type(bybit.classic_rule(fee_rate="0.00055"), LiquidationRule)
    assert_type(bybit.liquidation_rule(fee_rate="0.00055"), LiquidationRule)
    assert_type(bybit.unified_margin(position, fee_rate=0, added_margin=1), Decimal)
    assert_type(bybit.fee_to_close(position, margin=1, fee_rate=0), Decimal | None)
    assert_type(okx.liquidation_rule(fee_rate="0.0005"), LiquidationRule)
    assert_type(gate.liquidation_rule(fee_rate="0.0005"), LiquidationRule)
    assert_type(bitget.liquidation_rule(fee_rate="0.0006"), LiquidationRule)
    assert_type(bitmex.RULE, LiquidationRule)
    assert_type(bitmex.LIQUIDATION_RULE, LiquidationRule)
    for name in (binance.VENUE, bybit.VENUE, okx.VENUE, gate.VENUE, bitget.VENUE, bitmex.VENUE):
        assert_type(name, str)
    assert_type(ccxt.position_from_ccxt(payload, contract=contract), Position)
    contracts = {"BTCUSDT": contract}
    assert_type(
        binance.position_risks_from_payload(payload, contracts=contracts),
        tuple[binance.PositionRisk, ...],
    )
    assert_type(
        binance.cross_account_from_payload(payload, wallet_balance=1, contracts=contracts),
        CrossAccount,
    )
    assert_type(binance.mark_prices_from_payload(payload), dict[str, Decimal])


def check_spot_margin(payload: object) -> None:
    """Spot-margin presets are levrisk.margin thresholds and tables."""
    assert_type(binance.CROSS_3X, MarginThresholds)
    assert_type(binance.CROSS_5X, MarginThresholds)
    assert_type(binance.ISOLATED_10X_TIER1, MarginThresholds)
    assert_type(binance.CROSS_MARGIN_PRO_LIQUIDATION_LEVEL, Decimal)
    assert_type(binance.SPOT_LIQUIDATION_FEE_RATE, Decimal)
    assert_type(binance.PRO_LIQUIDATION_FEE_RATE, Decimal)
    assert_type(binance.MARGIN_ACCOUNTS, Mapping[str, tuple[str, MarginThresholds]])
    assert_type(
        binance.isolated_tier_table_from_payload(payload, margin_call="1.09"), IsolatedTierTable
    )
    assert_type(binance.pro_tiers_from_payload(payload), dict[str, BracketTable])


def check_live_positions(payload: object, row: ReportedPosition) -> None:
    """Bybit, OKX, Gate and ccxt position reports, cross accounts and reconciliations."""
    assert_type(bybit.position_report_from_payload(payload, contracts={}), Parsed)
    assert_type(bybit.cross_wallet_balance_from_payload(payload, coin="USDT"), Decimal)
    assert_type(bybit.cross_account_from_payloads(payload, payload, contracts={}), CrossAccount)
    assert_type(bybit.reconcile(row, rule=bybit.CLASSIC_RULE, fee_rate=None), Reconciliation)
    assert_type(okx.position_report_from_payload(payload, contracts={}, strict=True), Parsed)
    assert_type(okx.cross_wallet_balance_from_payload(payload, ccy="USDT"), Decimal)
    assert_type(okx.cross_account_from_payloads(payload, payload, contracts={}), CrossAccount)
    assert_type(okx.reconcile(row, fee_rate="0.0005", break_even_fee_rate=None), Reconciliation)
    assert_type(gate.position_report_from_payload(payload, contracts={}), Parsed)
    assert_type(gate.reconcile(row, fee_rate=0, mode="half_up"), Reconciliation)
    assert_type(ccxt.position_report_from_positions(payload, contracts={}, leverage=5), Parsed)
    assert_type(ccxt.balance_total(payload, currency="USDT"), Decimal)
    account = ccxt.cross_account_from_balance(
        payload, payload, contracts={}, currency="USDT", total_is="margin_balance"
    )
    assert_type(account, CrossAccount)
    assert_type(ccxt.reconcile(row, rule=LiquidationRule(), account=account), Reconciliation)
    assert_type(row.margin_mode, MarginMode)
    assert_type(row.position, Position)
    assert_type(row.liquidation_price, Decimal | None)


def check_spot_margin_accounts(payload: object) -> None:
    """Binance spot-margin account payloads give levrisk.margin accounts."""
    assert_type(binance.cross_margin_account_from_payload(payload), CrossMarginAccount)
    assert_type(
        binance.isolated_margin_accounts_from_payload(payload), dict[str, IsolatedMarginAccount]
    )
