"""Tests for Bybit's Unified Trading Account: borrowing, interest, parsers, reconciliation."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_DOWN, Decimal

import pytest

from levrisk._fields import FrozenMap
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import bybit
from levrisk.futures import Contract, Position
from levrisk.interest import RateSchedule
from levrisk.portfolio import (
    AccountFigures,
    AssetBook,
    Collateral,
    CollateralTier,
    PortfolioAccount,
    account_figures,
)

TABLE = BracketTable.from_rates(caps=[2_000_000], maintenance_rates=["0.005"], max_leverages=[100])
BTCUSDT = Contract(symbol="BTCUSDT", kind="linear", brackets=TABLE)

# Bybit's documented wallet-balance response shape (API v5 "Get Wallet Balance"), with
# the figures of an account of 50 USDT, 100 USDC and a BTCUSDT long that lost 100 USDT
# (0.1 BTC from 21,000 to 20,000 at 100x: IM 20, MM 10 USDT).
WALLET = {
    "retCode": 0,
    "retMsg": "OK",
    "result": {
        "list": [
            {
                "accountType": "UNIFIED",
                "accountIMRate": "0.4000",
                "accountMMRate": "0.2000",
                "totalEquity": "50.00000000",
                "totalWalletBalance": "150.00000000",
                "totalMarginBalance": "50.00000000",
                "totalAvailableBalance": "30.00000000",
                "totalPerpUPL": "-100.00000000",
                "totalInitialMargin": "20.00000000",
                "totalMaintenanceMargin": "10.00000000",
                "accountLTV": "0",
                "coin": [
                    {
                        "coin": "USDT",
                        "equity": "-50",
                        "usdValue": "-50",
                        "walletBalance": "50",
                        "borrowAmount": "50",
                        "accruedInterest": "0",
                        "totalOrderIM": "0",
                        "totalPositionIM": "20",
                        "totalPositionMM": "10",
                        "unrealisedPnl": "-100",
                        "cumRealisedPnl": "0",
                        "bonus": "0",
                        "collateralSwitch": True,
                        "marginCollateral": True,
                        "locked": "0",
                        "spotHedgingQty": "0",
                        "spotBorrow": "0",
                    },
                    {
                        "coin": "USDC",
                        "equity": "100",
                        "usdValue": "100",
                        "walletBalance": "100",
                        "borrowAmount": "",
                        "accruedInterest": "",
                        "unrealisedPnl": "0",
                    },
                ],
            }
        ]
    },
    "time": 1690872862481,
}


def _long() -> Position:
    """A BTCUSDT long of 0.1 at 21,000 (100 USDT under water at 20,000), 100x."""
    return Position(contract=BTCUSDT, side="long", size="0.1", entry_price=21_000, leverage=100)


class TestAutoBorrow:
    """rule-bybit-uta: borrowed = |min(0, equity − frozen)|, Bybit's published examples."""

    @pytest.mark.parametrize(
        ("equity", "frozen", "borrowed"),
        [("-1.5", "0", "1.5"), ("-50", "0", "50"), ("100", "0", "0"), ("100", "120", "20")],
        ids=["opening-fee-1.5", "loss-100-on-50", "positive", "frozen"],
    )
    def test_published(self, equity: str, frozen: str, borrowed: str) -> None:
        """Bybit's 1.5 USDT and 50 USDT examples, and the frozen amount."""
        assert bybit.auto_borrowed(equity, frozen=frozen) == Decimal(borrowed)

    def test_refuses(self) -> None:
        """A negative frozen amount or a non-number raises."""
        with pytest.raises(InvalidInputError, match="frozen"):
            bybit.auto_borrowed(1, frozen=-1)
        with pytest.raises(InvalidInputError, match="equity"):
            bybit.auto_borrowed("x")


class TestInterest:
    """rule-bybit-uta: one hourly charge at every HH:05 UTC on the amount then borrowed."""

    def test_constant_rate(self) -> None:
        """08:04 → 10:05 is charged at 08:05, 09:05 and 10:05."""
        start = datetime(2024, 1, 1, 8, 4, tzinfo=timezone.utc)
        end = datetime(2024, 1, 1, 10, 5, tzinfo=timezone.utc)
        assert bybit.uta_interest(1000, "0.0001", start, end) == Decimal("0.3")

    def test_schedule_moves_with_the_clock(self) -> None:
        """A rate in force from 09:05 applies to the 09:05 charge."""
        schedule = RateSchedule.from_pairs(
            [
                (datetime(2024, 1, 1, tzinfo=timezone.utc), "0.0001"),
                (datetime(2024, 1, 1, 9, 5, tzinfo=timezone.utc), "0.0002"),
            ]
        )
        start = datetime(2024, 1, 1, 8, 30, tzinfo=timezone.utc)
        end = datetime(2024, 1, 1, 9, 30, tzinfo=timezone.utc)
        assert bybit.uta_interest(1000, schedule, start, end) == Decimal("0.2")

    def test_refuses(self) -> None:
        """Times must be datetimes."""
        with pytest.raises(InvalidInputError, match="borrowed_at"):
            bybit.uta_interest(1, "0.1", "2024", datetime(2024, 1, 1, tzinfo=timezone.utc))  # type: ignore[arg-type]


class TestReport:
    """rule-bybit-uta: GET /v5/account/wallet-balance, raw, unwrapped or from ccxt."""

    def test_fields(self) -> None:
        """Every account field and every coin is read; empty optional coin fields read 0."""
        report = bybit.uta_report_from_payload(WALLET)
        assert report.account_type == "UNIFIED"
        assert report.account_mm_rate == Decimal("0.2000")
        assert report.total_margin_balance == Decimal(50)
        assert report.coins["USDT"].borrow_amount == Decimal(50)
        assert report.coins["USDC"].borrow_amount == 0
        assert report.coins["USDC"].spot_borrow == 0
        assert report.coins["USDC"].accrued_interest == 0

    def test_ccxt_and_inner_shapes(self) -> None:
        """Ccxt's balance (``info``), the ``result`` and the account object read alike."""
        account = WALLET["result"]["list"][0]  # type: ignore[index]
        expected = bybit.uta_report_from_payload(WALLET)
        assert bybit.uta_report_from_payload({"info": WALLET, "USDT": {}}) == expected
        assert bybit.uta_report_from_payload(WALLET["result"]) == expected
        assert bybit.uta_report_from_payload(account) == expected

    def test_refuses(self) -> None:
        """Not exactly one account, or a missing field, raises naming the path."""
        with pytest.raises(InvalidInputError, match="one account"):
            bybit.uta_report_from_payload({"result": {"list": []}})
        with pytest.raises(InvalidInputError, match="totalEquity"):
            bybit.uta_report_from_payload({"accountType": "UNIFIED", "coin": []})


class TestBooksAndPositions:
    """rule-bybit-uta: the books and positions of a UTA from Bybit's payloads."""

    def test_books(self) -> None:
        """Wallets become books, spot borrowings loans; empty coins are left out."""
        payload = {
            "accountType": "UNIFIED",
            "coin": [
                {"coin": "USDT", "walletBalance": "50"},
                {"coin": "ETH", "walletBalance": "0", "spotBorrow": "2"},
                {"coin": "BTC", "walletBalance": "0", "spotBorrow": ""},
                {"coin": "SOL", "walletBalance": "0"},
            ],
        }
        books = bybit.uta_books_from_payload(payload, positions={"SOL": [_long()]})
        assert [(b.asset, b.wallet_balance, b.margin_loan) for b in books] == [
            ("USDT", Decimal(50), 0),
            ("ETH", 0, Decimal(2)),
            ("SOL", 0, 0),
        ]

    def test_positions(self) -> None:
        """Buy is long, Sell short; empty slots are skipped; every shape reads alike."""
        rows = [
            {
                "symbol": "BTCUSDT",
                "side": "Buy",
                "size": "1",
                "avgPrice": "20100",
                "leverage": "10",
            },
            {"symbol": "ETHUSDT", "side": "", "size": "0", "avgPrice": "0", "leverage": "10"},
        ]
        contracts = {"BTCUSDT": BTCUSDT}
        expected = (
            Position(contract=BTCUSDT, side="long", size=1, entry_price=20_100, leverage=10),
        )
        for payload in (rows, {"list": rows}, {"retCode": 0, "result": {"list": rows}}):
            assert bybit.uta_positions_from_payload(payload, contracts=contracts) == expected

    @pytest.mark.parametrize(
        ("row", "contracts", "match"),
        [
            ({"symbol": "BTCUSDT", "side": "Long"}, {"BTCUSDT": BTCUSDT}, "Buy"),
            ({"symbol": "XUSDT", "side": "Buy"}, {"BTCUSDT": BTCUSDT}, "no contract"),
            ({"symbol": "BTCUSDT", "side": "Buy"}, [BTCUSDT], "mapping of symbol"),
        ],
        ids=["side", "contract", "contracts"],
    )
    def test_positions_refuse(self, row: dict[str, str], contracts: object, match: str) -> None:
        """An unknown side, a symbol without a contract, or a bad contracts argument raise."""
        full = {"size": "1", "avgPrice": "1", "leverage": "1", **row}
        with pytest.raises(InvalidInputError, match=match):
            bybit.uta_positions_from_payload([full], contracts=contracts)  # type: ignore[arg-type]


class TestReconcile:
    """rule-bybit-uta: levrisk's figures against accountMMRate, accountIMRate and the totals."""

    def test_published_borrow_example_reconciles(self) -> None:
        """Bybit's 50 USDT/100 USDC account: equity 50, MM rate 20 %, USDT borrowed 50."""
        books = bybit.uta_books_from_payload(WALLET, positions={"USDT": [_long()]})
        account = PortfolioAccount(
            books=books, collaterals=[Collateral(asset="USDT"), Collateral(asset="USDC")]
        )
        figures = account_figures(
            account, mark_prices={"BTCUSDT": 20_000}, index_prices={"USDT": 1, "USDC": 1}
        )
        check = bybit.reconcile_uta(figures, bybit.uta_report_from_payload(WALLET))
        assert [c.name for c in check.checks] == [
            "accountMMRate",
            "accountIMRate",
            "totalEquity",
            "totalMarginBalance",
        ]
        assert check.agrees, check
        assert figures.margin_ratio == Decimal("0.2")

    def test_empty_rates_are_left_out(self) -> None:
        """A rate Bybit reports empty is not compared; a negative equity has no ratio."""
        account = WALLET["result"]["list"][0]  # type: ignore[index]
        report = bybit.uta_report_from_payload(
            {**account, "accountIMRate": "", "accountMMRate": ""}
        )
        book = PortfolioAccount(
            books=bybit.uta_books_from_payload({"coin": [{"coin": "USDT", "walletBalance": "-5"}]}),
            collaterals=[Collateral(asset="USDT", tiers=[CollateralTier(ratio=0)])],
        )
        figures = account_figures(book, mark_prices={}, index_prices={"USDT": 1})
        assert figures.initial_margin_ratio is None
        names = [c.name for c in bybit.reconcile_uta(figures, report).checks]
        assert names == ["totalEquity", "totalMarginBalance"]

    def test_refuses(self) -> None:
        """A report of another type raises."""
        account = PortfolioAccount(books=[], collaterals=[])
        figures = account_figures(account, mark_prices={}, index_prices={})
        with pytest.raises(InvalidInputError, match="report"):
            bybit.reconcile_uta(figures, object())  # type: ignore[arg-type]


# Real UTA responses quoted in public issue threads (the numbers as Bybit sent them).
# ccxt/ccxt#24215 (2024-11-10): a cross-margin UTA's account object (its coin list was
# not quoted).
REAL_CROSS = {
    "totalEquity": "1352.5353253",
    "accountIMRate": "0.5215",
    "totalMarginBalance": "1352.5353253",
    "totalInitialMargin": "705.4650483",
    "accountType": "UNIFIED",
    "totalAvailableBalance": "647.070277",
    "accountMMRate": "0.0445",
    "totalPerpUPL": "-186.9720527",
    "totalWalletBalance": "1539.507378",
    "accountLTV": "0",
    "totalMaintenanceMargin": "60.23673481",
    "coin": [],
}
# ccxt/ccxt#20948 (2024-01-24): a UTA whose account totals Bybit left empty, one USDT coin.
REAL_EMPTY_TOTALS = {
    "totalEquity": "56.91663832",
    "accountIMRate": "",
    "totalMarginBalance": "",
    "totalInitialMargin": "",
    "accountType": "UNIFIED",
    "totalAvailableBalance": "",
    "accountMMRate": "",
    "totalPerpUPL": "5.9584504",
    "totalWalletBalance": "50.95818792",
    "accountLTV": "",
    "totalMaintenanceMargin": "",
    "coin": [
        {
            "availableToBorrow": "",
            "bonus": "0",
            "accruedInterest": "0",
            "availableToWithdraw": "39.4074047",
            "totalOrderIM": "0",
            "equity": "56.9314405",
            "totalPositionMM": "0.4702608",
            "usdValue": "56.91663832",
            "unrealisedPnl": "5.96",
            "collateralSwitch": True,
            "spotHedgingQty": "0",
            "borrowAmount": "0",
            "totalPositionIM": "11.5640358",
            "walletBalance": "50.9714405",
            "cumRealisedPnl": "0.114117",
            "locked": "0",
            "marginCollateral": True,
            "coin": "USDT",
        }
    ],
}


class TestRealPayloads:
    """rule-bybit-uta: the account figures of real UTA responses (public issue threads)."""

    def test_cross_account_rates_and_totals(self) -> None:
        """ccxt/ccxt#24215: the rates are the totals over the margin balance, cut to 4 places.

        accountIMRate 705.4650483 / 1352.5353253 = 0.52158… is reported 0.5215 (rounded
        down, not to nearest), accountMMRate 0.04453… is 0.0445; the available balance is
        the margin balance less the initial margin and the equity the wallet plus the perp
        UPL, exactly.
        """
        report = bybit.uta_report_from_payload({"result": {"list": [REAL_CROSS]}})
        balance = report.total_margin_balance
        im, mm = report.total_initial_margin, report.total_maintenance_margin
        assert balance is not None
        assert im is not None
        assert mm is not None
        four = Decimal("0.0001")
        assert report.account_im_rate == (im / balance).quantize(four, rounding=ROUND_DOWN)
        assert report.account_mm_rate == (mm / balance).quantize(four, rounding=ROUND_DOWN)
        assert (im / balance).quantize(four) != report.account_im_rate
        assert report.total_available_balance == balance - im
        assert report.total_equity == report.total_wallet_balance + Decimal("-186.9720527")
        figures = AccountFigures(
            unit="USD",
            actual_equity=balance,
            equity=balance,
            maintenance_margin=mm,
            initial_margin=im,
            available=balance - im,
            margin_ratio=mm / balance,
            uni_mmr=balance / mm,
            asset_available=FrozenMap({}),
            max_withdrawable=FrozenMap({}),
        )
        assert bybit.reconcile_uta(figures, report).agrees

    def test_empty_totals(self) -> None:
        """ccxt/ccxt#20948: empty totals read ``None``; the coin's figures hold together.

        ``equity = walletBalance + unrealisedPnl`` exactly, and ``usdValue / equity`` is
        the USDT index at which ``totalWalletBalance`` and ``totalPerpUPL`` are the coin's
        wallet and UPL (to Bybit's 8 places).
        """
        report = bybit.uta_report_from_payload({"info": {"result": {"list": [REAL_EMPTY_TOTALS]}}})
        assert report.total_margin_balance is None
        assert report.total_available_balance is None
        assert report.total_initial_margin is None
        assert report.total_maintenance_margin is None
        assert report.account_im_rate is None
        assert report.account_mm_rate is None
        usdt = report.coins["USDT"]
        assert usdt.equity == usdt.wallet_balance + usdt.unrealised_pnl
        index = usdt.usd_value / usdt.equity
        eight = Decimal("0.00000001")
        assert abs(usdt.wallet_balance * index - report.total_wallet_balance) < eight
        assert abs(usdt.unrealised_pnl * index - Decimal("5.9584504")) < eight
        assert report.total_equity == usdt.usd_value
        [book] = bybit.uta_books_from_payload(REAL_EMPTY_TOTALS)
        account = PortfolioAccount(books=[book], collaterals=[Collateral(asset="USDT")])
        upl = usdt.unrealised_pnl
        figures = account_figures(account, mark_prices={}, index_prices={"USDT": index})
        assert figures.actual_equity + upl * index == report.total_equity
        names = [c.name for c in bybit.reconcile_uta(figures, report).checks]
        assert names == ["totalEquity"]


# Bybit API v5 "Get Tiered Collateral Ratio": the documented response example.
COLLATERAL = {
    "retCode": 0,
    "retMsg": "OK",
    "result": {
        "list": [
            {
                "currency": "BTC",
                "collateralRatioList": [
                    {"minQty": "0", "maxQty": "1000000", "collateralRatio": "0.85"},
                    {"minQty": "1000000", "maxQty": "", "collateralRatio": "0"},
                ],
            }
        ]
    },
    "retExtInfo": "{}",
    "time": 1739848984945,
}


class TestCollateralTiers:
    """rule-bybit-uta: GET /v5/spot-margin-trade/collateral, tiers by quantity held."""

    def test_documented_example(self) -> None:
        """BTC at 85 % up to 1,000,000 BTC, 0 above; every wrapper reads alike."""
        rules = bybit.uta_collateral_from_payload(COLLATERAL)
        btc = rules["BTC"]
        assert btc.quantity_tiers
        assert [(t.cap, t.ratio) for t in btc.tiers] == [
            (Decimal(1_000_000), Decimal("0.85")),
            (None, Decimal(0)),
        ]
        result = COLLATERAL["result"]
        assert bybit.uta_collateral_from_payload(result) == rules
        assert bybit.uta_collateral_from_payload(result["list"]) == rules  # type: ignore[index]
        account = PortfolioAccount(
            books=[AssetBook(asset="BTC", wallet_balance=2)], collaterals=[btc]
        )
        figures = account_figures(account, mark_prices={}, index_prices={"BTC": 60_000})
        assert figures.equity == 2 * 60_000 * Decimal("0.85")

    @pytest.mark.parametrize(
        ("tiers", "match"),
        [
            ([{"minQty": "1", "maxQty": "", "collateralRatio": "1"}], "run on from 0"),
            (
                [
                    {"minQty": "0", "maxQty": "", "collateralRatio": "1"},
                    {"minQty": "0", "maxQty": "", "collateralRatio": "0"},
                ],
                "unbounded",
            ),
            ([{"minQty": "0", "maxQty": "5", "collateralRatio": "1"}], "end with an unbounded"),
            ([], "end with an unbounded"),
            ([{"minQty": "0", "maxQty": ""}], "collateralRatio"),
        ],
    )
    def test_refuses(self, tiers: list[dict[str, str]], match: str) -> None:
        """Gaps, an unbounded middle tier, a bounded or missing last tier, missing fields."""
        payload = {"list": [{"currency": "ETH", "collateralRatioList": tiers}]}
        with pytest.raises(InvalidInputError, match=match):
            bybit.uta_collateral_from_payload(payload)
