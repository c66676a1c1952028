"""Tests for OKX's multi-currency and portfolio margin: parsers and reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import okx
from levrisk.futures import Contract
from levrisk.portfolio import Collateral, CollateralTier, PortfolioAccount, account_figures
from strategies import decimals

TABLE = BracketTable.from_rates(caps=[10**7], maintenance_rates=["0.004"], max_leverages=[100])
SWAP = Contract(symbol="BTC-USDT-SWAP", kind="linear", brackets=TABLE, contract_size="0.01")

# OKX's response example of GET /api/v5/account/balance (API v5 "Get balance"), the
# fields levrisk reads.
PUBLISHED = {
    "code": "0",
    "data": [
        {
            "adjEq": "55415.624719833286",
            "imr": "0",
            "mmr": "0",
            "mgnRatio": "",
            "totalEq": "55837.43556134779",
            "details": [
                {
                    "ccy": "USDT",
                    "eq": "4992.890093622894",
                    "cashBal": "4850.435693622894",
                    "upl": "-7.545600000000006",
                    "liab": "0",
                    "interest": "0",
                    "disEq": "4991.542013297616",
                    "eqUsd": "4991.542013297616",
                    "mgnRatio": "",
                }
            ],
            "uTime": "1705474164160",
        }
    ],
    "msg": "",
}

CROSS: dict[str, str] = {
    "instId": "BTC-USDT-SWAP",
    "mgnMode": "cross",
    "posSide": "net",
    "pos": "10",
    "avgPx": "60000",
    "lever": "10",
    "ccy": "USDT",
}
POSITIONS = {
    "code": "0",
    "data": [
        CROSS,
        {
            "instId": "BTC-USDT-SWAP",
            "mgnMode": "isolated",
            "posSide": "net",
            "pos": "5",
            "avgPx": "60000",
            "lever": "10",
            "ccy": "USDT",
        },
        {
            "instId": "BTC-USDT-SWAP",
            "mgnMode": "cross",
            "posSide": "short",
            "pos": "0",
            "avgPx": "",
            "lever": "10",
            "ccy": "USDT",
        },
    ],
}


class TestBalanceReport:
    """rule-okx-multi-currency: GET /api/v5/account/balance, raw, one account or from ccxt."""

    def test_published_example(self) -> None:
        """OKX's own example reads field by field; an empty mgnRatio is None."""
        report = okx.balance_report_from_payload(PUBLISHED)
        assert report.total_eq == Decimal("55837.43556134779")
        assert report.adj_eq == Decimal("55415.624719833286")
        assert (report.imr, report.mmr, report.mgn_ratio) == (Decimal(0), Decimal(0), None)
        detail = report.details["USDT"]
        assert detail.dis_eq == Decimal("4991.542013297616")

    def test_shapes(self) -> None:
        """Ccxt's balance (``info``) and the one account object read alike."""
        expected = okx.balance_report_from_payload(PUBLISHED)
        assert okx.balance_report_from_payload({"info": PUBLISHED, "USDT": {}}) == expected
        assert okx.balance_report_from_payload(PUBLISHED["data"][0]) == expected

    def test_refuses(self) -> None:
        """Not exactly one account, or a missing field, raises naming the path."""
        with pytest.raises(InvalidInputError, match="one account"):
            okx.balance_report_from_payload({"data": []})
        with pytest.raises(InvalidInputError, match="totalEq"):
            okx.balance_report_from_payload({"details": []})


class TestBooksAndPositions:
    """rule-okx-multi-currency: books from the balance, cross positions by margin currency."""

    def test_books(self) -> None:
        """The wallet is cashBal − interest; empty currencies are left out unless held."""
        payload = {
            "totalEq": "1",
            "details": [
                {"ccy": "USDT", "eq": "-51", "cashBal": "-50", "interest": "1"},
                {"ccy": "BTC", "eq": "0", "cashBal": "0", "interest": ""},
                {"ccy": "ETH", "eq": "0", "cashBal": "0"},
            ],
        }
        positions = okx.multi_currency_positions_from_payload(
            POSITIONS, contracts={"BTC-USDT-SWAP": SWAP}
        )
        books = okx.multi_currency_books_from_payload(payload, positions={"ETH": positions["USDT"]})
        assert [(b.asset, b.wallet_balance, len(b.positions)) for b in books] == [
            ("USDT", Decimal(-51), 0),
            ("ETH", 0, 1),
        ]

    def test_positions(self) -> None:
        """Net sign gives the side; isolated and empty positions are left out."""
        held = okx.multi_currency_positions_from_payload(
            POSITIONS["data"], contracts={"BTC-USDT-SWAP": SWAP}
        )
        [position] = held["USDT"]
        assert (position.side, position.size, position.leverage) == (
            "long",
            Decimal(10),
            Decimal(10),
        )
        rows = [{**CROSS, "posSide": "short", "pos": "2"}]
        [short] = okx.multi_currency_positions_from_payload(
            rows, contracts={"BTC-USDT-SWAP": SWAP}
        )["USDT"]
        assert short.side == "short"

    @pytest.mark.parametrize(
        ("change", "contracts", "match"),
        [
            ({"posSide": "both"}, {"BTC-USDT-SWAP": SWAP}, "posSide"),
            ({"instId": "ETH-USDT-SWAP"}, {"BTC-USDT-SWAP": SWAP}, "no contract"),
            ({}, [SWAP], "mapping of instId"),
        ],
        ids=["side", "contract", "contracts"],
    )
    def test_positions_refuse(self, change: dict[str, str], contracts: object, match: str) -> None:
        """An unknown posSide, an instrument without a contract or bad contracts raise."""
        row = {**CROSS, **change}
        with pytest.raises(InvalidInputError, match=match):
            okx.multi_currency_positions_from_payload([row], contracts=contracts)  # type: ignore[arg-type]


class TestReconcile:
    """rule-okx-multi-currency: adjEq, imr, mmr and mgnRatio = adjEq / mmr against OKX."""

    def test_account_reconciles(self) -> None:
        """A BTC-collateral account with a cross swap: every reported figure agrees."""
        positions = okx.multi_currency_positions_from_payload(
            POSITIONS, contracts={"BTC-USDT-SWAP": SWAP}
        )
        balance = {
            "data": [
                {
                    "totalEq": "61000",
                    "adjEq": "59800",
                    "imr": "600",
                    "mmr": "24",
                    "mgnRatio": "2491.6666666666666667",
                    "details": [
                        {"ccy": "USDT", "eq": "1000", "cashBal": "1000", "interest": "0"},
                        {"ccy": "BTC", "eq": "1", "cashBal": "1", "interest": "0"},
                    ],
                }
            ]
        }
        account = PortfolioAccount(
            books=okx.multi_currency_books_from_payload(balance, positions=positions),
            collaterals=[
                Collateral(asset="USDT"),
                Collateral(
                    asset="BTC",
                    tiers=[CollateralTier(ratio="0.98", cap=60_000), CollateralTier(ratio=0)],
                ),
            ],
        )
        figures = account_figures(
            account, mark_prices={"BTC-USDT-SWAP": 60_000}, index_prices={"USDT": 1, "BTC": 60_000}
        )
        check = okx.reconcile_balance(figures, okx.balance_report_from_payload(balance))
        assert [c.name for c in check.checks] == ["mgnRatio", "adjEq", "imr", "mmr"]
        assert check.agrees, check
        status = okx.MULTI_CURRENCY_THRESHOLDS
        assert status.liquidation == 1

    def test_empty_figures_are_left_out(self) -> None:
        """OKX's published example has no mgnRatio: three checks remain."""
        report = okx.balance_report_from_payload(PUBLISHED)
        account = PortfolioAccount(books=[], collaterals=[])
        figures = account_figures(account, mark_prices={}, index_prices={})
        names = [c.name for c in okx.reconcile_balance(figures, report).checks]
        assert names == ["adjEq", "imr", "mmr"]
        with pytest.raises(InvalidInputError, match="report"):
            okx.reconcile_balance(figures, object())  # type: ignore[arg-type]


BTC_ETH_TIERS_2021 = [
    (10_000, 1),
    (70_000, 2),
    (170_000, 4),
    (300_000, 6),
    (470_000, 8),
    (700_000, 10),
    (None, 12),
]


class TestPortfolioMarginTerms:
    """rule-okx-portfolio-margin: a risk unit's MMR from its MR terms, MR7 scaled by tiers."""

    def test_published_unit_examples(self) -> None:
        """OKX's spot-offset example: MMR 3,020.87 (MR7 only), then 8,053.32 (MR4)."""
        assert okx.portfolio_margin_unit_mmr(0, mr7="3020.87") == Decimal("3020.87")
        assert okx.portfolio_margin_unit_mmr(0, mr4="8053.32", mr7="3020.17") == Decimal("8053.32")
        assert okx.portfolio_margin_unit_mmr(5, mr2=7, mr3=1, mr5=1, mr6=6) == 9

    def test_published_scaling_example(self) -> None:
        """OKX's example: raw MR7 30,000 → 10,000 + 20,000 × 2 = 50,000; MMR 50,000."""
        mr7 = okx.portfolio_margin_minimum_charge(30_000, BTC_ETH_TIERS_2021)
        assert mr7 == 50_000
        assert okx.portfolio_margin_unit_mmr(40_000, mr7=mr7) == 50_000
        top = 10_000 + 60_000 * 2 + 100_000 * 4 + 130_000 * 6 + 170_000 * 8 + 230_000 * 10
        assert okx.portfolio_margin_minimum_charge(800_000, BTC_ETH_TIERS_2021) == top + 1_200_000

    @given(decimals(0, 10**6, 2), decimals(0, 10**6, 2))
    def test_scaling_is_monotone_and_at_least_raw(self, a: Decimal, b: Decimal) -> None:
        """Multipliers ≥ 1 never lower the charge; a larger raw charge scales larger."""
        low, high = sorted((a, b))
        scaled_low = okx.portfolio_margin_minimum_charge(low, BTC_ETH_TIERS_2021)
        assert scaled_low >= low
        assert okx.portfolio_margin_minimum_charge(high, BTC_ETH_TIERS_2021) >= scaled_low

    @pytest.mark.parametrize(
        ("raw", "tiers", "match"),
        [
            (-1, [(None, 1)], "raw"),
            (1, [], "at least one"),
            (1, "x", "tiers"),
            (1, [(None,)], "pair"),
            (1, [(10, 1)], "only the last"),
            (1, [(None, 1), (None, 1)], "only the last"),
            (1, [(10, 1), (5, 1), (None, 1)], "above 10"),
            (1, [(0, 1), (None, 1)], "cap"),
            (1, [(None, 0)], "multiplier"),
        ],
    )
    def test_scaling_refuses(self, raw: int, tiers: object, match: str) -> None:
        """Bad tiers raise InvalidInputError naming the tier."""
        with pytest.raises(InvalidInputError, match=match):
            okx.portfolio_margin_minimum_charge(raw, tiers)  # type: ignore[arg-type]

    def test_unit_refuses(self) -> None:
        """A negative term is refused by name."""
        with pytest.raises(InvalidInputError, match="mr4"):
            okx.portfolio_margin_unit_mmr(0, mr4=-1)
