"""Tests for Binance's Multi-Assets and Portfolio Margin data, parsers and reconciliation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import binance
from levrisk.exchanges.binance import (
    MULTI_ASSETS_THRESHOLDS,
    PORTFOLIO_MARGIN_LOAN_RATES,
    PORTFOLIO_MARGIN_THRESHOLDS,
    AccountReconciliation,
    MultiAssetsReport,
    PortfolioMarginReport,
    asset_index_from_payload,
    multi_assets_books_from_payload,
    multi_assets_report_from_payload,
    portfolio_margin_books_from_payload,
    portfolio_margin_report_from_payload,
    reconcile_account,
)
from levrisk.futures import Contract, Position
from levrisk.portfolio import (
    PortfolioAccount,
    account_figures,
    account_status,
    ask_rate,
    bid_rate,
)

# Binance API docs, "Multi-Assets Mode Asset Index" (GET /fapi/v1/assetIndex), response example.
ADA_INDEX: dict[str, Any] = {
    "symbol": "ADAUSD",
    "time": 1635740268004,
    "index": "1.92957370",
    "bidBuffer": "0.10000000",
    "askBuffer": "0.10000000",
    "bidRate": "1.73661633",
    "askRate": "2.12253107",
    "autoExchangeBidBuffer": "0.05000000",
    "autoExchangeAskBuffer": "0.05000000",
    "autoExchangeBidRate": "1.83309501",
    "autoExchangeAskRate": "2.02605238",
}

# The Multi-Assets FAQ's example (USDTUSD 0.99, buffers 0.01/0.005), as the account endpoint
# reports it: totals in USD, per-asset rows in the asset.
EXAMPLE_USDT_INDEX: dict[str, Any] = {
    **ADA_INDEX,
    "symbol": "USDTUSD",
    "index": "0.99000000",
    "bidBuffer": "0.01000000",
    "askBuffer": "0.00500000",
    "bidRate": "0.98010000",
    "askRate": "0.99495000",
}
EXAMPLE_USDC_INDEX: dict[str, Any] = {
    **ADA_INDEX,
    "symbol": "USDCUSD",
    "index": "1.00000000",
    "bidBuffer": "0.00000000",
    "askBuffer": "0.00000000",
    "bidRate": "1.00000000",
    "askRate": "1.00000000",
}


def _asset_row(asset: str, wallet: str, available: str) -> dict[str, Any]:
    return {
        "asset": asset,
        "walletBalance": wallet,
        "unrealizedProfit": "0.00000000",
        "marginBalance": wallet,
        "maintMargin": "0.00000000",
        "initialMargin": "0.00000000",
        "positionInitialMargin": "0.00000000",
        "openOrderInitialMargin": "0.00000000",
        "crossWalletBalance": wallet,
        "crossUnPnl": "0.00000000",
        "availableBalance": available,
        "maxWithdrawAmount": available,
        "marginAvailable": True,
        "updateTime": 1625474304765,
    }


ACCOUNT_V2: dict[str, Any] = {
    "feeTier": 0,
    "canTrade": True,
    "canDeposit": True,
    "canWithdraw": True,
    "updateTime": 0,
    "multiAssetsMargin": True,
    "totalInitialMargin": "339.49500000",
    "totalMaintMargin": "199.59600000",
    "totalWalletBalance": "416.02000000",
    "totalUnrealizedProfit": "0.00000000",
    "totalMarginBalance": "416.02000000",
    "totalPositionInitialMargin": "339.49500000",
    "totalOpenOrderInitialMargin": "0.00000000",
    "totalCrossWalletBalance": "416.02000000",
    "totalCrossUnPnl": "0.00000000",
    "availableBalance": "76.52500000",
    "maxWithdrawAmount": "76.52500000",
    "assets": [
        _asset_row("USDT", "200.00000000", "76.91341273"),
        _asset_row("USDC", "220.00000000", "76.52500000"),
        _asset_row("BNB", "0.00000000", "0.12751234"),
    ],
    "positions": [],
}

# Binance API docs, "Portfolio Margin — Account Information" (GET /papi/v1/account).
PAPI_ACCOUNT: dict[str, Any] = {
    "uniMMR": "5167.92171923",
    "accountEquity": "122607.35137903",
    "actualEquity": "73.47428058",
    "accountInitialMargin": "23.72469206",
    "accountMaintMargin": "23.72469206",
    "accountStatus": "NORMAL",
    "virtualMaxWithdrawAmount": "1627523.32459208",
    "totalAvailableBalance": "",
    "totalMarginOpenLoss": "",
    "updateTime": 1657707212154,
}

# Binance API docs, "Portfolio Margin — Account Balance" (GET /papi/v1/balance).
PAPI_BALANCE: dict[str, Any] = {
    "asset": "USDT",
    "totalWalletBalance": "122607.35137903",
    "crossMarginAsset": "92.27530794",
    "crossMarginBorrowed": "10.00000000",
    "crossMarginFree": "100.00000000",
    "crossMarginInterest": "0.72469206",
    "crossMarginLocked": "3.00000000",
    "umWalletBalance": "0.00000000",
    "umUnrealizedPNL": "23.72469206",
    "cmWalletBalance": "23.72469206",
    "cmUnrealizedPNL": "",
    "updateTime": 1617939110373,
    "negativeBalance": "0",
}

FLAT_8 = BracketTable.from_rates(caps=[1_000_000], maintenance_rates=["0.008"], max_leverages=[125])
FLAT_10 = BracketTable.from_rates(caps=[1_000_000], maintenance_rates=["0.01"], max_leverages=[75])


def _example_account() -> tuple[PortfolioAccount, dict[str, Decimal]]:
    """The FAQ's account built from the payloads: rules and indexes from assetIndex."""
    rows = asset_index_from_payload([EXAMPLE_USDT_INDEX, EXAMPLE_USDC_INDEX])
    btc = Contract(symbol="BTCUSDT", kind="linear", brackets=FLAT_8)
    eth = Contract(symbol="ETHUSDC", kind="linear", brackets=FLAT_10)
    positions = {
        "USDT": [Position(contract=btc, side="long", size="0.5", entry_price=20_000, leverage=100)],
        "USDC": [Position(contract=eth, side="short", size=20, entry_price=600, leverage=50)],
    }
    books = multi_assets_books_from_payload(ACCOUNT_V2, positions=positions)
    account = PortfolioAccount(books=books, collaterals=[row.collateral for row in rows.values()])
    return account, {asset: row.index for asset, row in rows.items()}


class TestAssetIndex:
    """rule-multi-assets: GET /fapi/v1/assetIndex gives each asset's buffers and rates."""

    def test_published_payload(self) -> None:
        """ADA: index 1.92957370, buffers 0.1; levrisk's bid rate is Binance's bidRate."""
        rows = asset_index_from_payload(ADA_INDEX)
        ada = rows["ADA"]
        assert ada.index == Decimal("1.92957370")
        assert bid_rate(ada.collateral, ada.index) == ada.bid_rate
        assert abs(ask_rate(ada.collateral, ada.index) - ada.ask_rate) < Decimal("1e-8")

    def test_list(self) -> None:
        """The list form gives every asset, keyed without the USD suffix."""
        rows = asset_index_from_payload([ADA_INDEX, EXAMPLE_USDT_INDEX])
        assert sorted(rows) == ["ADA", "USDT"]
        assert ask_rate(rows["USDT"].collateral, rows["USDT"].index) == Decimal("0.99495")

    @pytest.mark.parametrize(
        ("payload", "match"),
        [
            ({**ADA_INDEX, "symbol": "ADAUSDT"}, "USD pair"),
            ({**ADA_INDEX, "symbol": "USD"}, "USD pair"),
            ({k: v for k, v in ADA_INDEX.items() if k != "bidBuffer"}, "bidBuffer"),
            ("ADAUSD", "JSON object"),
        ],
        ids=["usdt-pair", "bare-usd", "missing", "string"],
    )
    def test_refuses(self, payload: object, match: str) -> None:
        """Malformed payloads raise InvalidInputError naming the path."""
        with pytest.raises(InvalidInputError, match=match):
            asset_index_from_payload(payload)


class TestMultiAssetsAccount:
    """rule-multi-assets: the account endpoint's books and totals, reconciled."""

    def test_report(self) -> None:
        """Totals and per-asset rows are read as reported (with their digits)."""
        report = multi_assets_report_from_payload(ACCOUNT_V2)
        assert report.multi_assets is True
        assert report.equity == Decimal("416.02000000")
        assert report.maintenance_margin == Decimal("199.59600000")
        assert report.wallets["USDC"] == Decimal(220)
        assert report.asset_available["USDT"] == Decimal("76.91341273")
        flagless = multi_assets_report_from_payload(
            {k: v for k, v in ACCOUNT_V2.items() if k != "multiAssetsMargin"}
        )
        assert flagless.multi_assets is None

    def test_report_refuses(self) -> None:
        """A non-boolean flag and a missing total are named."""
        with pytest.raises(InvalidInputError, match="multiAssetsMargin"):
            multi_assets_report_from_payload({**ACCOUNT_V2, "multiAssetsMargin": "true"})
        with pytest.raises(InvalidInputError, match="totalMaintMargin"):
            multi_assets_report_from_payload(
                {k: v for k, v in ACCOUNT_V2.items() if k != "totalMaintMargin"}
            )

    def test_books(self) -> None:
        """Empty assets are left out; positions join their settlement asset's book."""
        account, indexes = _example_account()
        assert [book.asset for book in account.books] == ["USDT", "USDC"]
        assert indexes == {"USDT": Decimal("0.99"), "USDC": Decimal(1)}
        with pytest.raises(InvalidInputError, match="positions must be a mapping"):
            multi_assets_books_from_payload(ACCOUNT_V2, positions=[])  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match=r"positions\['USDT'\] must be an iterable"):
            multi_assets_books_from_payload(ACCOUNT_V2, positions={"USDT": 1})  # type: ignore[dict-item]

    def test_reconcile_example(self) -> None:
        """Levrisk's exact figures agree with the reported ones at Binance's 8 decimals."""
        account, indexes = _example_account()
        figures = account_figures(
            account, mark_prices={"BTCUSDT": 20_000, "ETHUSDC": 600}, index_prices=indexes
        )
        result = reconcile_account(figures, multi_assets_report_from_payload(ACCOUNT_V2))
        assert isinstance(result, AccountReconciliation)
        assert result.agrees
        assert [check.name for check in result.checks] == [
            "margin_ratio",
            "equity",
            "maintenance_margin",
            "available",
        ]
        assert result["equity"].levrisk == Decimal("416.02")
        assert result["margin_ratio"].exchange == result["margin_ratio"].levrisk

    def test_reconcile_disagreement(self) -> None:
        """One unit of the last digit off is a disagreement; the ratio follows its parts."""
        account, indexes = _example_account()
        figures = account_figures(
            account, mark_prices={"BTCUSDT": 20_000, "ETHUSDC": 600}, index_prices=indexes
        )
        off = multi_assets_report_from_payload({**ACCOUNT_V2, "totalMaintMargin": "199.59700000"})
        result = reconcile_account(figures, off)
        assert not result.agrees
        assert not result["maintenance_margin"].agrees
        assert not result["margin_ratio"].agrees
        broke = multi_assets_report_from_payload({**ACCOUNT_V2, "totalMarginBalance": "0"})
        assert reconcile_account(figures, broke)["margin_ratio"].exchange == 0
        with pytest.raises(InvalidInputError, match="name must be one of"):
            result["uni_mmr"]


class TestPortfolioMarginAccount:
    """rule-portfolio-margin: papi account and balance, thresholds, reconciliation."""

    def test_report(self) -> None:
        """The published papi/v1/account example; an empty available balance is None."""
        report = portfolio_margin_report_from_payload(PAPI_ACCOUNT)
        assert report.uni_mmr == Decimal("5167.92171923")
        assert report.actual_equity == Decimal("73.47428058")
        assert report.status == "NORMAL"
        assert report.available is None
        filled = portfolio_margin_report_from_payload(
            {**PAPI_ACCOUNT, "totalAvailableBalance": "1"}
        )
        assert filled.available == 1

    def test_books(self) -> None:
        """Loan = borrowed + interest; wallet = UM + CM; empty assets are left out."""
        zeros = dict.fromkeys(
            (
                "crossMarginAsset",
                "crossMarginBorrowed",
                "crossMarginInterest",
                "umWalletBalance",
                "cmWalletBalance",
            ),
            "0",
        )
        empty = {**PAPI_BALANCE, "asset": "ETH", **zeros}
        books = portfolio_margin_books_from_payload([PAPI_BALANCE, empty])
        assert len(books) == 1
        assert books[0].margin_balance == Decimal("92.27530794")
        assert books[0].margin_loan == Decimal("10.72469206")
        single = portfolio_margin_books_from_payload(PAPI_BALANCE)
        assert single == books

    def test_reconcile(self) -> None:
        """uniMMR, equity and maintenance (and available when reported) are compared."""
        table = BracketTable.from_rates(
            caps=[1_000_000], maintenance_rates=[PORTFOLIO_MARGIN_LOAN_RATES[3]], max_leverages=[3]
        )
        books = portfolio_margin_books_from_payload(PAPI_BALANCE)
        account = PortfolioAccount(
            books=books,
            collaterals=[
                asset_index_from_payload(EXAMPLE_USDC_INDEX | {"symbol": "USDTUSD"})[
                    "USDT"
                ].collateral
            ],
            loan_tiers={"USDT": table},
        )
        figures = account_figures(account, mark_prices={}, index_prices={"USDT": 1})
        reported = portfolio_margin_report_from_payload(
            {
                **PAPI_ACCOUNT,
                "uniMMR": str(figures.uni_mmr.quantize(Decimal("1e-8"))),  # type: ignore[union-attr]
                "accountEquity": "105.27530794",
                "accountMaintMargin": "1.07246921",
                "totalAvailableBalance": "99.00",
            }
        )
        result = reconcile_account(figures, reported)
        assert [c.name for c in result.checks] == [
            "uni_mmr",
            "equity",
            "maintenance_margin",
            "available",
        ]
        assert result["uni_mmr"].agrees
        assert result["equity"].agrees
        assert result["maintenance_margin"].agrees
        assert not result["available"].agrees
        with pytest.raises(InvalidInputError, match="report must be"):
            reconcile_account(figures, 1)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="figures must be"):
            reconcile_account(1, reported)  # type: ignore[arg-type]

    def test_thresholds(self) -> None:
        """The published bands: 150 %, 120 %, 105 %; Multi-Assets liquidates at 100 %."""
        assert account_status("1.51", PORTFOLIO_MARGIN_THRESHOLDS) == "NORMAL"
        assert account_status("1.21", PORTFOLIO_MARGIN_THRESHOLDS) == "MARGIN_CALL"
        assert account_status("1.06", PORTFOLIO_MARGIN_THRESHOLDS) == "REDUCE_ONLY"
        assert account_status("1.05", PORTFOLIO_MARGIN_THRESHOLDS) == "LIQUIDATION"
        assert account_status("1.01", MULTI_ASSETS_THRESHOLDS) == "NORMAL"
        assert account_status(1, MULTI_ASSETS_THRESHOLDS) == "LIQUIDATION"
        assert {
            3: Decimal("0.1"),
            5: Decimal("0.08"),
            10: Decimal("0.05"),
        } == PORTFOLIO_MARGIN_LOAN_RATES

    def test_reexported(self) -> None:
        """The names live in levrisk.exchanges.binance's __all__."""
        for name in ("reconcile_account", "MultiAssetsReport", "PortfolioMarginReport"):
            assert name in binance.__all__
        assert MultiAssetsReport is binance.MultiAssetsReport
        assert PortfolioMarginReport is binance.PortfolioMarginReport
