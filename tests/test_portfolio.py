"""Tests for levrisk.portfolio: collateral rules, accounts, figures, status, liquidation point."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from levrisk import portfolio
from levrisk.brackets import BracketTable
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, InvalidInputError
from levrisk.futures import (
    Contract,
    CrossAccount,
    Position,
    Side,
    cross_liquidation_price,
    cross_margin_ratio,
)
from levrisk.numbers import NumberLike, round_to_step
from levrisk.portfolio import (
    AccountFigures,
    AssetBook,
    Collateral,
    CollateralTier,
    PortfolioAccount,
    PortfolioThresholds,
    _engine,
    _liquidation,
    account_figures,
    account_status,
    ask_rate,
    asset_liquidation_price,
    bid_rate,
    liquidation_move,
    symbol_liquidation_price,
)
from strategies import bracket_tables, decimals, sides

BTC_TABLE = BracketTable.from_rates(
    caps=[50_000, 1_000_000], maintenance_rates=["0.004", "0.008"], max_leverages=[125, 100]
)
FLAT_8 = BracketTable.from_rates(caps=[1_000_000], maintenance_rates=["0.008"], max_leverages=[125])
FLAT_10 = BracketTable.from_rates(caps=[1_000_000], maintenance_rates=["0.01"], max_leverages=[75])
LOANS = BracketTable.from_rates(caps=[1_000_000], maintenance_rates=["0.1"], max_leverages=[3])
BTCUSDT = Contract(symbol="BTCUSDT", kind="linear", brackets=FLAT_8)
ETHUSDC = Contract(symbol="ETHUSDC", kind="linear", brackets=FLAT_10)
BTCUSD = Contract(
    symbol="BTCUSD_PERP", kind="inverse", brackets=FLAT_8, contract_size=100, margin_asset="BTC"
)
USDT = Collateral(asset="USDT", bid_buffer="0.01", ask_buffer="0.005")
USDC = Collateral(asset="USDC")


def _div(top: Decimal | int, bottom: Decimal | int) -> Decimal:
    """``top / bottom`` at levrisk's 50 digits."""
    with decimal.localcontext() as context:
        context.prec = 50
        return Decimal(top) / Decimal(bottom)


def _example(*, positions: bool) -> PortfolioAccount:
    """Binance's Multi-Assets example: 200 USDT and 220 USDC, optionally two positions."""
    btc = Position(contract=BTCUSDT, side="long", size="0.5", entry_price=20_000, leverage=100)
    eth = Position(contract=ETHUSDC, side="long", size=20, entry_price=600, leverage=50)
    return PortfolioAccount(
        books=[
            AssetBook(asset="USDT", wallet_balance=200, positions=[btc] if positions else []),
            AssetBook(asset="USDC", wallet_balance=220, positions=[eth] if positions else []),
        ],
        collaterals=[USDT, USDC],
    )


EXAMPLE_MARKS: dict[str, NumberLike] = {"BTCUSDT": 20_000, "ETHUSDC": 600}
EXAMPLE_INDEXES: dict[str, NumberLike] = {"USDT": "0.99", "USDC": 1}


class TestCollateral:
    """rule-multi-assets: bid rate I(1 − b), ask rate I(1 + a), haircuts flat or tiered."""

    def test_published_rates(self) -> None:
        """USDTUSD index 0.99 with buffers 0.01/0.005: bid 0.9801, ask 0.99495 (Binance)."""
        assert bid_rate(USDT, "0.99") == Decimal("0.9801")
        assert ask_rate(USDT, "0.99") == Decimal("0.99495")

    def test_rate_needs_a_positive_index(self) -> None:
        """A zero index price or a non-rule is refused, naming the argument."""
        with pytest.raises(InvalidInputError, match="index_price"):
            bid_rate(USDT, 0)
        with pytest.raises(InvalidInputError, match="collateral must be a Collateral"):
            ask_rate(1, 1)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"bid_buffer": 1}, "bid_buffer"),
            ({"ask_buffer": -1}, "ask_buffer"),
            ({"ratio": "1.1"}, "ratio"),
            ({"ratio": 0}, "ratio"),
            ({"tiers": 5}, "tiers must be an iterable"),
            ({"tiers": [1]}, r"tiers\[0\] must be a CollateralTier"),
            ({"tiers": [CollateralTier(ratio=1), CollateralTier(ratio=1)]}, "only the last"),
            (
                {"tiers": [CollateralTier(ratio=1, cap=10), CollateralTier(ratio=1, cap=10)]},
                "above 10",
            ),
            ({"tiers": [CollateralTier(ratio=1)], "ratio": "0.9"}, "ratio must be 1"),
            ({"asset": " BTC"}, "asset"),
        ],
        ids=[
            "bid",
            "ask",
            "ratio-high",
            "ratio-zero",
            "tiers",
            "tier-type",
            "unbounded",
            "caps",
            "ratio-and-tiers",
            "asset",
        ],
    )
    def test_refuses(self, kwargs: dict[str, object], match: str) -> None:
        """Out-of-domain fields raise InvalidInputError naming the field."""
        fields: dict[str, object] = {"asset": "BTC", **kwargs}
        with pytest.raises(InvalidInputError, match=match):
            Collateral(**fields)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("worth", "value"),
        [("-10", "-10.05"), ("0", "0"), ("50", "50"), ("150", "145"), ("300", "280")],
        ids=["owed", "zero", "tier-1", "tier-2", "beyond"],
    )
    def test_tiered_value(self, worth: str, value: str) -> None:
        """Each slice counts at its tier's ratio (the last extrapolated); owed at the ask rate."""
        rule = Collateral(
            asset="BNB",
            ask_buffer="0.005",
            tiers=[CollateralTier(ratio=1, cap=100), CollateralTier(ratio="0.9", cap=200)],
        )
        assert _engine.collateral_value(rule, Fraction(worth), Fraction(1)) == Fraction(value)

    def test_unbounded_last_tier(self) -> None:
        """An unbounded last tier takes the whole rest of the value."""
        rule = Collateral(
            asset="BNB", tiers=[CollateralTier(ratio=1, cap=100), CollateralTier(ratio="0.5")]
        )
        assert _engine.collateral_value(rule, Fraction(300), Fraction(1)) == 200
        assert _engine.edges(rule, Fraction(1)) == [0, 100]


class TestModel:
    """rule-portfolio-margin: books, accounts and thresholds check their fields."""

    def test_book_refuses(self) -> None:
        """Positions must be Position values, one per symbol and side."""
        pos = Position(contract=BTCUSDT, side="long", size=1, entry_price=100, leverage=1)
        with pytest.raises(InvalidInputError, match="positions must be an iterable"):
            AssetBook(asset="USDT", positions=5)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match=r"positions\[0\] must be a Position"):
            AssetBook(asset="USDT", positions=[1])  # type: ignore[list-item]
        with pytest.raises(InvalidInputError, match="second long"):
            AssetBook(asset="USDT", positions=[pos, pos])
        with pytest.raises(InvalidInputError, match="margin_loan"):
            AssetBook(asset="USDT", margin_loan=-1)

    def test_account_refuses(self) -> None:
        """Books, rules and loan tiers are checked together."""
        pos = Position(contract=BTCUSDT, side="long", size=1, entry_price=100, leverage=1)
        usdt = AssetBook(asset="USDT")
        cases: list[tuple[dict[str, object], str]] = [
            ({"books": 3, "collaterals": []}, "books must be an iterable"),
            ({"books": [1], "collaterals": []}, r"books\[0\] must be an AssetBook"),
            ({"books": [usdt, usdt], "collaterals": [USDT]}, "second book"),
            (
                {
                    "books": [
                        AssetBook(asset="USDT", positions=[pos]),
                        AssetBook(asset="USDC", positions=[pos]),
                    ],
                    "collaterals": [USDT, USDC],
                },
                "already held",
            ),
            ({"books": [usdt], "collaterals": "USDT"}, "collaterals must be an iterable"),
            ({"books": [usdt], "collaterals": [1]}, r"collaterals\[0\] must be a Collateral"),
            ({"books": [usdt], "collaterals": [USDT, USDT]}, "second rule"),
            ({"books": [usdt], "collaterals": [USDC]}, "must hold a rule for 'USDT'"),
            ({"books": [usdt], "collaterals": [USDT], "loan_tiers": 1}, "loan_tiers must be"),
            (
                {"books": [usdt], "collaterals": [USDT], "loan_tiers": {"USDT": 1}},
                r"loan_tiers\['USDT'\] must be a BracketTable",
            ),
            (
                {"books": [AssetBook(asset="USDT", margin_loan=1)], "collaterals": [USDT]},
                "tiers of the 'USDT' loan",
            ),
            ({"books": [usdt], "collaterals": [USDT], "valuation": ""}, "valuation"),
        ]
        for kwargs, match in cases:
            with pytest.raises(InvalidInputError, match=match):
                PortfolioAccount(**kwargs)  # type: ignore[arg-type]

    def test_account_accessors(self) -> None:
        """Rules may come as a mapping; the account lists its symbols and rules."""
        pos = Position(contract=BTCUSDT, side="long", size=1, entry_price=100, leverage=1)
        short = Position(contract=BTCUSDT, side="short", size=1, entry_price=100, leverage=1)
        account = PortfolioAccount(
            books=[AssetBook(asset="USDT", positions=[pos, short])], collaterals={"USDT": USDT}
        )
        assert account.symbols == ("BTCUSDT",)
        assert account.rules["USDT"] is USDT
        assert hash(account) == hash(account)

    def test_thresholds_order(self) -> None:
        """Levels must satisfy liquidation ≤ reduce_only ≤ margin_call."""
        with pytest.raises(InvalidInputError, match="liquidation <= reduce_only"):
            PortfolioThresholds(liquidation=2, reduce_only=1, margin_call=3)
        with pytest.raises(InvalidInputError, match="liquidation"):
            PortfolioThresholds(liquidation=0, reduce_only=1, margin_call=3)


class TestMultiAssetsExample:
    """rule-multi-assets: Binance's example, "How to Calculate Margin in Multi-Assets Mode"."""

    def test_no_positions(self) -> None:
        """Equity 416.02; USDT available 418.13, USDC 416.02; margin ratio 0."""
        figures = account_figures(
            _example(positions=False), mark_prices={}, index_prices=EXAMPLE_INDEXES
        )
        assert figures.equity == Decimal("416.02")
        assert figures.available == Decimal("416.02")
        assert round_to_step(figures.asset_available["USDT"], "0.01", "half_up") == Decimal(
            "418.13"
        )
        assert figures.asset_available["USDC"] == Decimal("416.02")
        assert figures.margin_ratio == 0
        assert figures.uni_mmr is None
        assert figures.unit == "USD"

    def test_with_positions(self) -> None:
        """MM 199.596, available 76.525, USDT 76.91, USDC 76.525, margin ratio 47.98 %."""
        figures = account_figures(
            _example(positions=True), mark_prices=EXAMPLE_MARKS, index_prices=EXAMPLE_INDEXES
        )
        assert figures.equity == Decimal("416.02")
        assert figures.maintenance_margin == Decimal("199.596")
        assert figures.initial_margin == Decimal("339.495")
        assert figures.available == Decimal("76.525")
        assert round_to_step(figures.asset_available["USDT"], "0.01", "half_up") == Decimal("76.91")
        assert figures.asset_available["USDC"] == Decimal("76.525")
        assert figures.margin_ratio is not None
        assert round_to_step(figures.margin_ratio, "0.00001", "down") == Decimal("0.47977")
        assert round_to_step(figures.margin_ratio, "0.0001", "half_up") == Decimal("0.4798")
        assert figures.actual_equity == Decimal(418)


class TestPortfolioMarginFigures:
    """rule-portfolio-margin: uniMMR = Σ min(e·I·cr, e·I) less open loss over Σ MM."""

    def test_published_loan_rows(self) -> None:
        """Binance's example: BTC 0.1 held, 0.04 owed → equity 0.06, margin MM 0.004 (3x)."""
        account = PortfolioAccount(
            books=[
                AssetBook(asset="BTC", margin_balance="0.1", margin_loan="0.04"),
                AssetBook(asset="ETH", margin_balance=20, margin_loan=15),
            ],
            collaterals=[Collateral(asset="BTC"), Collateral(asset="ETH")],
            loan_tiers={"BTC": LOANS, "ETH": LOANS},
        )
        btc_only = PortfolioAccount(
            books=[account.books[0]], collaterals=[Collateral(asset="BTC")], loan_tiers=LOANS_MAP
        )
        figures = account_figures(btc_only, mark_prices={}, index_prices={"BTC": 1})
        assert figures.actual_equity == Decimal("0.06")
        assert figures.maintenance_margin == Decimal("0.004")
        both = account_figures(account, mark_prices={}, index_prices={"BTC": 1, "ETH": 1})
        assert both.maintenance_margin == Decimal("1.504")
        assert both.actual_equity == Decimal("5.06")

    @pytest.mark.parametrize(
        ("symbol", "side", "size", "entry", "mark", "pnl"),
        [
            ("BTCUSDT", "short", "0.05", 52_000, 40_000, 600),
            ("BTCUSDT_220624", "long", "0.04", 52_350, 42_000, -414),
        ],
        ids=["perp-short", "quarterly-long"],
    )
    def test_published_futures_rows(
        self, *, symbol: str, side: Side, size: str, entry: int, mark: int, pnl: int
    ) -> None:
        """Binance's example: unrealised PnL 600 and −414 USDT count in the USDT equity."""
        contract = Contract(symbol=symbol, kind="linear", brackets=FLAT_8)
        position = Position(contract=contract, side=side, size=size, entry_price=entry, leverage=10)
        account = _single([position], Decimal(0))
        figures = account_figures(account, mark_prices={symbol: mark}, index_prices={"USDT": 1})
        assert figures.actual_equity == pnl

    def test_uni_mmr_by_hand(self) -> None:
        """Held at index × collateral rate, owed at index, open loss at index, MM at index."""
        short = Position(
            contract=BTCUSDT, side="short", size="0.05", entry_price=52_000, leverage=10
        )
        coin = Position(contract=BTCUSD, side="long", size=100, entry_price=50_000, leverage=10)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=5000, positions=[short], open_loss=10),
                AssetBook(asset="BTC", wallet_balance="0.1", positions=[coin], margin_loan="0.2"),
            ],
            collaterals=[Collateral(asset="USDT"), Collateral(asset="BTC", ratio="0.95")],
            loan_tiers=LOANS_MAP,
        )
        figures = account_figures(
            account,
            mark_prices={"BTCUSDT": 40_000, "BTCUSD_PERP": 40_000},
            index_prices={"USDT": 1, "BTC": 40_000},
        )
        # USDT: 5000 + 0.05·12000 = 5600; BTC: 0.1 − 0.2 + 10000·(1/50000 − 1/40000) = −0.15
        assert figures.actual_equity == Decimal(5600) - Decimal("0.15") * 40_000
        equity = Decimal(5600) - Decimal(6000) - 10
        assert figures.equity == equity
        # MM: 0.008·0.05·40000 + 0.008·(10000/40000)·40000 + 0.1·(0.2·40000)
        mm = Decimal(16) + Decimal(80) + Decimal(800)
        assert figures.maintenance_margin == mm
        assert figures.margin_ratio is None
        assert figures.uni_mmr == _div(equity, mm)
        assert figures.max_withdrawable["BTC"] == 0
        # IM: positions at mark / leverage (200; 0.025 BTC · 40000) + the loan's IM (50 %)
        assert figures.initial_margin == Decimal(200) + Decimal(1000) + Decimal(4000)

    def test_prices_are_checked(self) -> None:
        """A missing mark or index price is named."""
        with pytest.raises(InvalidInputError, match="mark price for 'BTCUSDT'"):
            account_figures(_example(positions=True), mark_prices={}, index_prices=EXAMPLE_INDEXES)
        with pytest.raises(InvalidInputError, match="index price for 'USDC'"):
            account_figures(_example(positions=False), mark_prices={}, index_prices={"USDT": 1})
        with pytest.raises(InvalidInputError, match="account must be a PortfolioAccount"):
            account_figures(1, mark_prices={}, index_prices={})  # type: ignore[arg-type]

    def test_figures_object(self) -> None:
        """The result is an AccountFigures in the valuation currency."""
        figures = account_figures(
            _example(positions=False), mark_prices={}, index_prices=EXAMPLE_INDEXES
        )
        assert isinstance(figures, AccountFigures)


LOANS_MAP = {"BTC": LOANS, "USDT": LOANS}


class TestStatus:
    """rule-portfolio-margin: >150 % free, (120, 150] reminders, (105, 120] no new orders."""

    BANDS = PortfolioThresholds(liquidation="1.05", reduce_only="1.2", margin_call="1.5")

    @pytest.mark.parametrize(
        ("ratio", "status"),
        [
            ("1.5000001", "NORMAL"),
            ("1.5", "MARGIN_CALL"),
            ("1.2000001", "MARGIN_CALL"),
            ("1.2", "REDUCE_ONLY"),
            ("1.0500001", "REDUCE_ONLY"),
            ("1.05", "LIQUIDATION"),
            ("0.5", "LIQUIDATION"),
            (None, "NORMAL"),
        ],
        ids=["free", "150", "above-120", "120", "above-105", "105", "below", "none"],
    )
    def test_bands(self, ratio: str | None, status: str) -> None:
        """Each published band, boundaries included where Binance includes them."""
        assert account_status(ratio, self.BANDS) == status

    def test_refuses(self) -> None:
        """Thresholds must be PortfolioThresholds; the ratio a number."""
        with pytest.raises(InvalidInputError, match="thresholds"):
            account_status(1, 1)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="uni_mmr"):
            account_status("x", self.BANDS)


def _single(positions: list[Position], wallet: Decimal, asset: str = "USDT") -> PortfolioAccount:
    """One book, one rule with every rate 1: the single-asset cross account."""
    return PortfolioAccount(
        books=[AssetBook(asset=asset, wallet_balance=wallet, positions=positions)],
        collaterals=[Collateral(asset=asset)],
    )


class TestOneAssetIsCross:
    """rule-futures-margin-pnl: one collateral asset whose rates are all 1 is the cross account."""

    @given(
        table=bracket_tables(max_brackets=4),
        size=decimals("0.001", "5", places=3),
        entry=decimals("1000", "100000", places=2),
        mark=decimals("1000", "100000", places=2),
        wallet=decimals("0", "100000", places=2),
        side=sides,
    )
    def test_ratio_and_price(
        self,
        *,
        table: BracketTable,
        size: Decimal,
        entry: Decimal,
        mark: Decimal,
        wallet: Decimal,
        side: Side,
    ) -> None:
        """The margin ratio and the liquidation price equal levrisk.futures' cross results."""
        contract = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        assume(size * entry <= table.max_cap)
        position = Position(contract=contract, side=side, size=size, entry_price=entry, leverage=1)
        account = _single([position], wallet)
        cross = CrossAccount(wallet_balance=wallet, positions=[position])
        marks = {"BTCUSDT": mark}
        figures = account_figures(account, mark_prices=marks, index_prices={"USDT": 1})
        assert figures.margin_ratio == cross_margin_ratio(cross, mark_prices=marks)
        expected = _outcome(lambda: cross_liquidation_price(cross, "BTCUSDT", mark_prices=marks))
        found = _outcome(
            lambda: symbol_liquidation_price(
                account, "BTCUSDT", mark_prices=marks, index_prices={"USDT": 1}, liquidation_level=1
            )
        )
        assert found == expected

    @given(
        contracts=st.integers(min_value=1, max_value=10_000),
        entry=decimals("1000", "100000", places=1),
        mark=decimals("1000", "100000", places=1),
        wallet=decimals("0.01", "10", places=4),
        side=sides,
    )
    def test_inverse_price(
        self, contracts: int, entry: Decimal, mark: Decimal, wallet: Decimal, side: Side
    ) -> None:
        """A COIN-M account valued in its own coin (index 1) has the cross liquidation price."""
        position = Position(
            contract=BTCUSD, side=side, size=contracts, entry_price=entry, leverage=1
        )
        account = _single([position], wallet, asset="BTC")
        cross = CrossAccount(wallet_balance=wallet, positions=[position])
        marks = {"BTCUSD_PERP": mark}
        expected = _outcome(
            lambda: cross_liquidation_price(cross, "BTCUSD_PERP", mark_prices=marks)
        )
        found = _outcome(
            lambda: symbol_liquidation_price(
                account,
                "BTCUSD_PERP",
                mark_prices=marks,
                index_prices={"BTC": 1},
                liquidation_level=1,
            )
        )
        assert found == expected


def _outcome(call: Callable[[], Decimal | None]) -> tuple[str, Decimal | None]:
    """A liquidation function's outcome: its price, or the liquidated state and price."""
    try:
        return "price", call()
    except AlreadyLiquidatedError as crossed:
        return "crossed", crossed.price
    except AlwaysLiquidatedError:
        return "always", None


class TestMonotonicRatio:
    """rule-portfolio-margin: the account ratio falls as prices move against the account."""

    @given(
        size=decimals("0.001", "5", places=3),
        entry=decimals("1000", "100000", places=2),
        low=decimals("1000", "100000", places=2),
        high=decimals("1000", "100000", places=2),
        wallet=decimals("100", "100000", places=2),
        held=decimals("0", "10", places=4),
    )
    def test_short_against_a_rise(
        self,
        *,
        size: Decimal,
        entry: Decimal,
        low: Decimal,
        high: Decimal,
        wallet: Decimal,
        held: Decimal,
    ) -> None:
        """A short's uniMMR never rises when its mark rises (BTC collateral held)."""
        low, high = min(low, high), max(low, high)
        short = Position(contract=BTCUSDT, side="short", size=size, entry_price=entry, leverage=1)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=wallet, positions=[short]),
                AssetBook(asset="BTC", wallet_balance=held),
            ],
            collaterals=[USDT, Collateral(asset="BTC", bid_buffer="0.05", ask_buffer="0.05")],
        )
        indexes: dict[str, NumberLike] = {"USDT": "0.999", "BTC": 30_000}
        before = account_figures(account, mark_prices={"BTCUSDT": low}, index_prices=indexes)
        after = account_figures(account, mark_prices={"BTCUSDT": high}, index_prices=indexes)
        assert before.uni_mmr is not None
        assert after.uni_mmr is not None
        assert after.uni_mmr <= before.uni_mmr

    @given(
        low=decimals("1", "100000", places=2),
        high=decimals("1", "100000", places=2),
        held=decimals("0", "10", places=4),
    )
    def test_collateral_falls(self, low: Decimal, high: Decimal, held: Decimal) -> None:
        """With positions in USDT, a fall of the BTC collateral's index never lifts uniMMR."""
        low, high = min(low, high), max(low, high)
        long = Position(contract=BTCUSDT, side="long", size=1, entry_price=20_000, leverage=20)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=-500, positions=[long]),
                AssetBook(asset="BTC", wallet_balance=held),
            ],
            collaterals=[
                USDT,
                Collateral(
                    asset="BTC",
                    tiers=[CollateralTier(ratio="0.95", cap=50_000), CollateralTier(ratio="0.5")],
                ),
            ],
        )
        marks = {"BTCUSDT": 20_000}
        before = account_figures(account, mark_prices=marks, index_prices={"USDT": 1, "BTC": low})
        after = account_figures(account, mark_prices=marks, index_prices={"USDT": 1, "BTC": high})
        assert before.uni_mmr is not None
        assert after.uni_mmr is not None
        assert before.uni_mmr <= after.uni_mmr


def _ratio_at(
    account: PortfolioAccount, marks: Mapping[str, NumberLike], indexes: Mapping[str, NumberLike]
) -> Decimal:
    """The uniMMR of ``account`` at the given prices (it must exist)."""
    figures = account_figures(account, mark_prices=marks, index_prices=indexes)
    assert figures.uni_mmr is not None
    return figures.uni_mmr


class TestLiquidationPoint:
    """rule-portfolio-margin: E = θ·MM at the returned price; the three outcomes."""

    def test_symbol_reaches_the_level(self) -> None:
        """At the solved mark the uniMMR is the level (to the 50th digit)."""
        short = Position(
            contract=BTCUSDT, side="short", size="0.5", entry_price=20_000, leverage=10
        )
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=100, positions=[short]),
                AssetBook(asset="BTC", wallet_balance="0.01"),
            ],
            collaterals=[USDT, Collateral(asset="BTC", ratio="0.95")],
        )
        indexes: dict[str, NumberLike] = {"USDT": "0.99", "BTC": 20_000}
        price = symbol_liquidation_price(
            account,
            "BTCUSDT",
            mark_prices={"BTCUSDT": 20_000},
            index_prices=indexes,
            liquidation_level="1.05",
        )
        assert price is not None
        assert price > 20_000
        ratio = _ratio_at(account, {"BTCUSDT": price}, indexes)
        assert abs(ratio - Decimal("1.05")) < Decimal("1e-40")

    def test_inverse_uniform_move(self) -> None:
        """A COIN-M long in BTC with BTC moving: the move lands on the level."""
        long = Position(contract=BTCUSD, side="long", size=1000, entry_price=40_000, leverage=20)
        table = BracketTable.from_rates(
            caps=[1, 100], maintenance_rates=["0.005", "0.05"], max_leverages=[125, 20]
        )
        tiered = Position(
            contract=Contract(
                symbol="ETHUSD_PERP",
                kind="inverse",
                brackets=table,
                contract_size=10,
                margin_asset="ETH",
            ),
            side="long",
            size=500,
            entry_price=2000,
            leverage=10,
        )
        account = PortfolioAccount(
            books=[AssetBook(asset="BTC", wallet_balance="0.6", positions=[long, tiered])],
            collaterals=[Collateral(asset="BTC", ratio="0.95")],
        )
        marks = {"BTCUSD_PERP": 40_000, "ETHUSD_PERP": 2000}
        move = liquidation_move(
            account,
            mark_prices=marks,
            index_prices={"BTC": 40_000},
            moving_assets=["BTC"],
            liquidation_level="1.05",
        )
        assert move is not None
        assert move < 0
        with decimal.localcontext() as context:
            context.prec = 60
            factor = 1 + move
            moved = {s: Decimal(p) * factor for s, p in marks.items()}
            index = 40_000 * factor
        ratio = _ratio_at(account, moved, {"BTC": index})
        assert abs(ratio - Decimal("1.05")) < Decimal("1e-40")

    def test_asset_loan_tiers(self) -> None:
        """A BTC move revalues a tiered BTC loan (its kinks) and the requirement in BTC."""
        table = BracketTable.from_rates(
            caps=[10_000, 1_000_000], maintenance_rates=["0.05", "0.1"], max_leverages=[10, 3]
        )
        coin = Position(contract=BTCUSD, side="short", size=10, entry_price=30_000, leverage=5)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", margin_balance=20_000),
                AssetBook(asset="BTC", margin_loan="0.5", positions=[coin], wallet_balance="0.01"),
            ],
            collaterals=[Collateral(asset="USDT"), Collateral(asset="BTC")],
            loan_tiers={"BTC": table},
        )
        marks = {"BTCUSD_PERP": 30_000}
        price = asset_liquidation_price(
            account,
            "BTC",
            mark_prices=marks,
            index_prices={"USDT": 1, "BTC": 30_000},
            liquidation_level="1.05",
        )
        assert price is not None
        ratio = _ratio_at(account, marks, {"USDT": 1, "BTC": price})
        assert abs(ratio - Decimal("1.05")) < Decimal("1e-40")

    def test_no_price(self) -> None:
        """A long covered by its own wallet is never liquidated: None."""
        long = Position(contract=BTCUSDT, side="long", size=1, entry_price=20_000, leverage=1)
        account = _single([long], Decimal(20_000))
        assert (
            symbol_liquidation_price(
                account,
                "BTCUSDT",
                mark_prices={"BTCUSDT": 20_000},
                index_prices={"USDT": 1},
                liquidation_level=1,
            )
            is None
        )

    def test_flat_asset_has_no_price(self) -> None:
        """Moving an asset the account holds none of changes nothing: None."""
        long = Position(contract=BTCUSDT, side="long", size=1, entry_price=20_000, leverage=10)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=5000, positions=[long]),
                AssetBook(asset="BNB"),
            ],
            collaterals=[Collateral(asset="USDT"), Collateral(asset="BNB")],
        )
        assert (
            asset_liquidation_price(
                account,
                "BNB",
                mark_prices={"BTCUSDT": 20_000},
                index_prices={"USDT": 1, "BNB": 600},
                liquidation_level=1,
            )
            is None
        )

    def test_other_side_when_the_losing_side_is_clear(self) -> None:
        """A fully covered long whose gains are cut by a haircut tier liquidates on a rise."""
        long = Position(contract=BTCUSDT, side="long", size=1, entry_price=20_000, leverage=1)
        account = PortfolioAccount(
            books=[AssetBook(asset="USDT", wallet_balance=20_000, positions=[long])],
            collaterals=[
                Collateral(
                    asset="USDT",
                    tiers=[CollateralTier(ratio=1, cap=100_000), CollateralTier(ratio="0.001")],
                )
            ],
        )
        price = symbol_liquidation_price(
            account,
            "BTCUSDT",
            mark_prices={"BTCUSDT": 20_000},
            index_prices={"USDT": 1},
            liquidation_level=1,
        )
        assert price is not None
        assert price > 100_000

    def test_already_liquidated(self) -> None:
        """Past the level at the given marks: AlreadyLiquidatedError with the crossed price."""
        long = Position(contract=BTCUSDT, side="long", size=1, entry_price=20_000, leverage=100)
        account = _single([long], Decimal(200))
        with pytest.raises(AlreadyLiquidatedError) as caught:
            symbol_liquidation_price(
                account,
                "BTCUSDT",
                mark_prices={"BTCUSDT": 19_000},
                index_prices={"USDT": 1},
                liquidation_level=1,
            )
        assert caught.value.price == _div(19_800, Decimal("0.992"))

    def test_always_liquidated(self) -> None:
        """An owed balance no price repays, beside a hedge: AlwaysLiquidatedError."""
        long = Position(contract=BTCUSDT, side="long", size=1, entry_price=20_000, leverage=10)
        short = Position(contract=BTCUSDT, side="short", size=1, entry_price=20_000, leverage=10)
        account = _single([long, short], Decimal(-100))
        with pytest.raises(AlwaysLiquidatedError):
            symbol_liquidation_price(
                account,
                "BTCUSDT",
                mark_prices={"BTCUSDT": 20_000},
                index_prices={"USDT": 1},
                liquidation_level=1,
            )

    def test_exactly_at_the_level_everywhere(self) -> None:
        """A ratio stuck at the level whatever the price: every price liquidates."""
        account = PortfolioAccount(
            books=[AssetBook(asset="USDT", wallet_balance=0), AssetBook(asset="BNB")],
            collaterals=[Collateral(asset="USDT"), Collateral(asset="BNB")],
        )
        with pytest.raises(AlwaysLiquidatedError):
            asset_liquidation_price(
                account,
                "BNB",
                mark_prices={},
                index_prices={"USDT": 1, "BNB": 1},
                liquidation_level=1,
            )

    def test_refuses(self) -> None:
        """Unknown symbols and assets, bad levels and bad moving sets are named."""
        long = Position(contract=BTCUSDT, side="long", size=1, entry_price=20_000, leverage=10)
        coin = Position(contract=BTCUSD, side="long", size=1, entry_price=20_000, leverage=10)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=5000, positions=[long]),
                AssetBook(asset="BTC", wallet_balance=1, positions=[coin]),
            ],
            collaterals=[Collateral(asset="USDT"), Collateral(asset="BTC")],
        )
        marks = {"BTCUSDT": 20_000, "BTCUSD_PERP": 20_000}
        indexes = {"USDT": 1, "BTC": 20_000}
        with pytest.raises(InvalidInputError, match="symbol must be a symbol the account holds"):
            symbol_liquidation_price(
                account, "ETHUSDT", mark_prices=marks, index_prices=indexes, liquidation_level=1
            )
        with pytest.raises(InvalidInputError, match="asset must be an asset"):
            asset_liquidation_price(
                account, "ETH", mark_prices=marks, index_prices=indexes, liquidation_level=1
            )
        with pytest.raises(InvalidInputError, match="liquidation_level"):
            asset_liquidation_price(
                account, "BTC", mark_prices=marks, index_prices=indexes, liquidation_level=0
            )
        for moving, match in [
            ("BTC", "moving_assets must be an iterable"),
            (["ETH"], "moving_assets must name assets"),
            ([], "moving_assets must hold 'BTC'"),
            (["BTC", "USDT"], "moving_assets must not hold 'USDT'"),
        ]:
            with pytest.raises(InvalidInputError, match=match):
                liquidation_move(
                    account,
                    mark_prices=marks,
                    index_prices=indexes,
                    moving_assets=moving,
                    liquidation_level=1,
                )

    def test_face(self) -> None:
        """The face publishes its names under levrisk.portfolio."""
        assert dir(portfolio) == sorted(portfolio.__all__)
        assert portfolio.account_figures.__module__ == "levrisk.portfolio"
        assert _liquidation.Scene is not None
