"""Type-level checks of levrisk.portfolio (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

from decimal import Decimal

from typing_extensions import assert_type

from levrisk._fields import FrozenMap
from levrisk.exchanges import bybit, okx
from levrisk.exchanges.binance import (
    PORTFOLIO_MARGIN_THRESHOLDS,
    AccountCheck,
    AccountReconciliation,
    AssetIndexRow,
    MultiAssetsReport,
    PortfolioMarginReport,
    asset_index_from_payload,
    multi_assets_books_from_payload,
    multi_assets_report_from_payload,
    portfolio_margin_books_from_payload,
    portfolio_margin_report_from_payload,
    reconcile_account,
)
from levrisk.portfolio import (
    AccountFigures,
    AssetBook,
    Collateral,
    CollateralTier,
    PortfolioAccount,
    PortfolioStatus,
    PortfolioThresholds,
    account_figures,
    account_status,
    ask_rate,
    asset_equity,
    asset_liquidation_price,
    bid_rate,
    liquidation_move,
    symbol_liquidation_price,
)

rule = Collateral(asset="USDT", bid_buffer="0.01", ask_buffer="0.005")
assert_type(bid_rate(rule, "0.99"), Decimal)
assert_type(ask_rate(rule, "0.99"), Decimal)
assert_type(
    Collateral(asset="BNB", tiers=[CollateralTier(ratio="0.95", cap=1000)]).tiers,
    tuple[CollateralTier, ...],
)
account = PortfolioAccount(books=[AssetBook(asset="USDT", wallet_balance=200)], collaterals=[rule])
figures = account_figures(account, mark_prices={}, index_prices={"USDT": "0.99"})
assert_type(figures, AccountFigures)
assert_type(figures.uni_mmr, Decimal | None)
assert_type(figures.asset_available, FrozenMap)
assert_type(account_status(figures.uni_mmr, PORTFOLIO_MARGIN_THRESHOLDS), PortfolioStatus)
assert_type(
    PortfolioThresholds(liquidation="1.05", reduce_only="1.2", margin_call="1.5"),
    PortfolioThresholds,
)
assert_type(
    symbol_liquidation_price(
        account, "BTCUSDT", mark_prices={}, index_prices={}, liquidation_level=1
    ),
    Decimal | None,
)
assert_type(
    asset_liquidation_price(account, "USDT", mark_prices={}, index_prices={}, liquidation_level=1),
    Decimal | None,
)
assert_type(
    liquidation_move(
        account, mark_prices={}, index_prices={}, moving_assets=["BTC"], liquidation_level="1.05"
    ),
    Decimal | None,
)

assert_type(asset_index_from_payload([]), dict[str, AssetIndexRow])
assert_type(multi_assets_report_from_payload({}), MultiAssetsReport)
assert_type(multi_assets_books_from_payload({}), tuple[AssetBook, ...])
assert_type(portfolio_margin_report_from_payload({}), PortfolioMarginReport)
assert_type(portfolio_margin_books_from_payload([]), tuple[AssetBook, ...])
reconciliation = reconcile_account(figures, multi_assets_report_from_payload({}))
assert_type(reconciliation, AccountReconciliation)
assert_type(reconciliation["equity"], AccountCheck)
assert_type(reconciliation.agrees, bool)


def check_unified_accounts(account: PortfolioAccount, figures: AccountFigures) -> None:
    """Bybit UTA and OKX multi-currency names keep their documented types."""
    assert_type(figures.initial_margin_ratio, Decimal | None)
    assert_type(asset_equity(account, mark_prices={}), FrozenMap)
    assert_type(bybit.auto_borrowed("-1.5"), Decimal)
    assert_type(bybit.uta_report_from_payload({}), bybit.UtaWalletReport)
    assert_type(bybit.reconcile_uta(figures, bybit.uta_report_from_payload({})).agrees, bool)
    assert_type(okx.balance_report_from_payload({}), okx.OkxBalanceReport)
    assert_type(okx.reconcile_balance(figures, okx.balance_report_from_payload({})).agrees, bool)
