"""Type-level checks of levrisk.futures (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

from decimal import Decimal

from typing_extensions import assert_type

from levrisk.brackets import BracketTable
from levrisk.futures import (
    CloseFeeBasis,
    Contract,
    ContractKind,
    CrossAccount,
    LiquidationRule,
    MaintenanceBasis,
    OpenCost,
    Position,
    PositionMode,
    Side,
    adjust_isolated_margin,
    average_entry_price,
    bankruptcy_price,
    break_even_price,
    cost_to_open,
    cross_liquidation_price,
    cross_margin_ratio,
    funding_payment,
    initial_margin,
    isolated_liquidation_price,
    maintenance_margin,
    margin_ratio,
    max_open_quantity,
    max_removable_margin,
    notional,
    realized_pnl,
    roe,
    target_price,
    unrealized_pnl,
)


def check_value_objects(table: BracketTable) -> None:
    """Contracts, positions, rules and accounts take NumberLike and hold Decimals."""
    contract = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
    assert_type(contract.kind, ContractKind)
    assert_type(contract.contract_size, Decimal)
    assert_type(contract.tick_size, Decimal | None)
    position = Position(contract=contract, side="long", size="0.1", entry_price=60_000, leverage=10)
    assert_type(position.side, Side)
    assert_type(position.size, Decimal)
    rule = LiquidationRule(maintenance_basis="entry", close_fee="mark", fee_rate=0.0005)
    assert_type(rule.maintenance_basis, MaintenanceBasis)
    assert_type(rule.close_fee, CloseFeeBasis)
    assert_type(rule.fee_rate, Decimal)
    account = CrossAccount(wallet_balance=1_000, positions=[position], position_mode="one_way")
    assert_type(account.position_mode, PositionMode)
    assert_type(account.positions, tuple[Position, ...])
    assert_type(OpenCost(initial_margin=1, open_loss=0).total, Decimal)


def check_metrics(position: Position) -> None:
    """Margin, PnL and ratios are Decimals; quantities that may not exist are optional."""
    assert_type(notional(position), Decimal)
    assert_type(notional(position, price="61000"), Decimal)
    assert_type(initial_margin(position), Decimal)
    assert_type(initial_margin(position, basis="mark", mark_price=1), Decimal)
    assert_type(maintenance_margin(position, mark_price=1.5), Decimal)
    assert_type(unrealized_pnl(position, mark_price=Decimal(1)), Decimal)
    assert_type(roe(position, mark_price=1), Decimal)
    assert_type(margin_ratio(position, margin=1, mark_price=1), Decimal | None)
    assert_type(target_price(position, roe="0.5"), Decimal | None)
    assert_type(break_even_price(position, open_fee_rate=0, close_fee_rate=0), Decimal)
    assert_type(funding_payment(position, mark_price=1, funding_rate="-0.0001"), Decimal)
    assert_type(average_entry_price([(1, 2), ("3", Decimal(4))], kind="inverse"), Decimal)
    assert_type(realized_pnl(position, size=1, exit_price=2), Decimal)


def check_orders(contract: Contract) -> None:
    """Order cost and size."""
    cost = cost_to_open(contract, side="short", size=1, order_price=1, mark_price=1, leverage=10)
    assert_type(cost, OpenCost)
    assert_type(cost.open_loss, Decimal)
    size = max_open_quantity(
        contract, side="long", available=100, price=1, mark_price=1, leverage=5
    )
    assert_type(size, Decimal)


def check_liquidation(position: Position, account: CrossAccount) -> None:
    """Liquidation and bankruptcy prices may not exist: Decimal | None."""
    rule = LiquidationRule()
    assert_type(isolated_liquidation_price(position, margin=1), Decimal | None)
    assert_type(isolated_liquidation_price(position, margin=1, rule=rule), Decimal | None)
    assert_type(bankruptcy_price(position, margin=1), Decimal | None)
    assert_type(max_removable_margin(position, margin=1, mark_price=1), Decimal)
    assert_type(adjust_isolated_margin(position, margin=1, amount=-1, mark_price=1), Decimal)
    marks = {"BTCUSDT": Decimal(1), "ETHUSDT": Decimal(2)}
    assert_type(cross_liquidation_price(account, "BTCUSDT", mark_prices=marks), Decimal | None)
    assert_type(cross_margin_ratio(account, mark_prices={"BTCUSDT": "1"}), Decimal | None)
