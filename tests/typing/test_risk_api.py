"""Type-level checks of levrisk.risk (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from typing_extensions import assert_type

from levrisk.futures import Contract, CrossAccount, Position
from levrisk.margin import CrossMarginAccount, MarginThresholds, MarginTrade
from levrisk.risk import (
    AssetMove,
    FuturesScenario,
    FuturesStatus,
    FuturesStressRow,
    LiquidationOutcome,
    MarginScenario,
    StopCheck,
    StressRow,
    asset_moves_to_liquidation,
    check_futures_stop,
    check_margin_stop,
    check_stop,
    futures_liquidation_outcome,
    futures_position_size,
    futures_scenarios,
    futures_stop_price,
    futures_take_profit_price,
    futures_uniform_move_to_liquidation,
    margin_liquidation_outcome,
    margin_position_size,
    margin_scenarios,
    margin_stop_price,
    margin_take_profit_price,
    max_futures_leverage_for_stop,
    max_margin_leverage_for_stop,
    risk_reward_ratio,
    stress_futures_account,
    stress_margin_account,
    symbol_moves_to_liquidation,
    uniform_move_to_liquidation,
)
from levrisk.risk import futures as risk_futures
from levrisk.risk import margin as risk_margin


def check_generic() -> None:
    """The market-free checks take NumberLike and give Decimals or a StopCheck."""
    check = check_stop("short", entry_price=1, stop_price="2", liquidation_price=None)
    assert_type(check, StopCheck)
    assert_type(check.passed, bool)
    assert_type(check.stop_gap, Decimal | None)
    assert_type(
        risk_reward_ratio("long", entry_price=2, stop_price=1, target_price=Decimal(3)), Decimal
    )


def check_futures(contract: Contract, position: Position) -> None:
    """Futures sizing gives a Decimal, prices may be absent, leverage is an int or None."""
    assert_type(
        futures_position_size(
            contract, side="long", entry_price=2, stop_price=1, equity=1, risk_fraction="0.01"
        ),
        Decimal,
    )
    assert_type(futures_stop_price(position, loss=1), Decimal | None)
    assert_type(futures_take_profit_price(position, roe="0.5"), Decimal | None)
    assert_type(check_futures_stop(position, stop_price=1), StopCheck)
    assert_type(
        max_futures_leverage_for_stop(contract, side="short", entry_price=1, stop_price=2, size=1),
        int | None,
    )
    assert_type(
        futures_liquidation_outcome(position, liquidation_fee_rate="0.01"),
        LiquidationOutcome | None,
    )
    rows = futures_scenarios(position, prices=[1, "2"])
    assert_type(rows, tuple[FuturesScenario, ...])
    assert_type(rows[0].status, FuturesStatus)


def check_margin(
    trade: MarginTrade, account: CrossMarginAccount, thresholds: MarginThresholds, at: datetime
) -> None:
    """Spot-margin tools mirror the futures ones."""
    assert_type(
        margin_position_size("short", entry_price=1, stop_price=2, equity=1, risk_fraction="0.1"),
        Decimal,
    )
    assert_type(margin_stop_price(trade, loss=1, at=at, schedule=0), Decimal | None)
    assert_type(margin_take_profit_price(trade, profit=1, at=at, schedule=0), Decimal | None)
    assert_type(check_margin_stop(trade, stop_price=2), StopCheck)
    assert_type(
        max_margin_leverage_for_stop(
            1, side="short", entry_price=1, stop_price=2, thresholds=thresholds
        ),
        int | None,
    )
    assert_type(margin_liquidation_outcome(trade), LiquidationOutcome | None)
    assert_type(
        margin_scenarios(trade, prices=[1], hours=[0, 1], schedule=0), tuple[MarginScenario, ...]
    )
    assert_type(
        stress_margin_account(
            account, prices={}, shocks=["-0.1", {"BTC": 1}], thresholds=thresholds
        ),
        tuple[StressRow, ...],
    )
    assert_type(
        uniform_move_to_liquidation(account, prices={}, liquidation_level=1), Decimal | None
    )
    assert_type(
        asset_moves_to_liquidation(account, prices={}, liquidation_level=1),
        tuple[AssetMove, ...],
    )


def check_futures_stress(account: CrossAccount) -> None:
    """Futures cross-account stress mirrors the spot-margin one."""
    rows = stress_futures_account(account, mark_prices={"BTCUSDT": 1}, shocks=[-0.1, {"X": 1}])
    assert_type(rows, tuple[FuturesStressRow, ...])
    assert_type(rows[0].margin_ratio, Decimal | None)
    assert_type(futures_uniform_move_to_liquidation(account, mark_prices={}), Decimal | None)
    assert_type(symbol_moves_to_liquidation(account, mark_prices={}), tuple[AssetMove, ...])


def check_regular_futures(contract: Contract, position: Position, account: CrossAccount) -> None:
    """levrisk.risk.futures: the regular names, typed like the old ones."""
    assert_type(
        risk_futures.position_size(
            contract, side="long", entry_price=2, stop_price=1, equity=1, risk_fraction="0.01"
        ),
        Decimal,
    )
    assert_type(risk_futures.stop_price(position, loss=1), Decimal | None)
    assert_type(risk_futures.take_profit_price(position, roe="0.5"), Decimal | None)
    assert_type(risk_futures.check_stop(position, stop_price=1), StopCheck)
    assert_type(
        risk_futures.max_leverage_for_stop(
            contract, side="short", entry_price=1, stop_price=2, size=1
        ),
        int | None,
    )
    assert_type(
        risk_futures.liquidation_outcome(position, liquidation_fee_rate="0.01"),
        LiquidationOutcome | None,
    )
    assert_type(risk_futures.scenarios(position, prices=[1]), tuple[risk_futures.Scenario, ...])
    assert_type(
        risk_futures.stress(account, mark_prices={}, shocks=[-0.1]),
        tuple[risk_futures.StressRow, ...],
    )
    assert_type(risk_futures.uniform_move_to_liquidation(account, mark_prices={}), Decimal | None)
    assert_type(risk_futures.moves_to_liquidation(account, mark_prices={}), tuple[AssetMove, ...])


def check_regular_margin(
    trade: MarginTrade, account: CrossMarginAccount, thresholds: MarginThresholds, at: datetime
) -> None:
    """levrisk.risk.margin: the same regular names for spot margin."""
    assert_type(
        risk_margin.position_size("short", entry_price=1, stop_price=2, equity=1, risk_fraction=1),
        Decimal,
    )
    assert_type(risk_margin.stop_price(trade, loss=1, at=at, schedule=0), Decimal | None)
    assert_type(risk_margin.take_profit_price(trade, profit=1, at=at), Decimal | None)
    assert_type(risk_margin.check_stop(trade, stop_price=2), StopCheck)
    assert_type(
        risk_margin.max_leverage_for_stop(
            1, side="short", entry_price=1, stop_price=2, thresholds=thresholds
        ),
        int | None,
    )
    assert_type(risk_margin.liquidation_outcome(trade), LiquidationOutcome | None)
    assert_type(
        risk_margin.scenarios(trade, prices=[1], schedule=0), tuple[risk_margin.Scenario, ...]
    )
    assert_type(
        risk_margin.stress(account, prices={}, shocks=["-0.1"], thresholds=thresholds),
        tuple[risk_margin.StressRow, ...],
    )
    assert_type(
        risk_margin.uniform_move_to_liquidation(account, prices={}, liquidation_level=1),
        Decimal | None,
    )
    assert_type(
        risk_margin.moves_to_liquidation(account, prices={}, liquidation_level=1),
        tuple[AssetMove, ...],
    )
