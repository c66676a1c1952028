"""Tests for levrisk.portfolio on Bybit UTA and OKX multi-currency data: properties and helpers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given

from levrisk.brackets import BracketTable
from levrisk.exceptions import AlreadyLiquidatedError, InvalidInputError, LiquidationError
from levrisk.exchanges import bybit, okx
from levrisk.futures import (
    Contract,
    CrossAccount,
    Position,
    Side,
    cross_liquidation_price,
    cross_margin_ratio,
)
from levrisk.portfolio import (
    AssetBook,
    Collateral,
    CollateralTier,
    PortfolioAccount,
    account_figures,
    asset_equity,
    asset_liquidation_price,
    liquidation_move,
    scenario_loss,
    symbol_liquidation_price,
)
from strategies import bracket_tables, decimals, sides

FLAT = BracketTable.from_rates(caps=[10**7], maintenance_rates=["0.005"], max_leverages=[100])
BTCUSDT = Contract(symbol="BTCUSDT", kind="linear", brackets=FLAT)
# Bybit's published illustration of tiered collateral value ratios for BTC (by quantity:
# 0.98 up to 10 BTC, 0.95 to 20, ..., 0 above 50), here at a BTC index of 50,000 USD.
ILLUSTRATION: tuple[tuple[str, int | None], ...] = (
    ("0.98", 10),
    ("0.95", 20),
    ("0.9", 30),
    ("0.85", 40),
    ("0.8", 50),
    ("0", None),
)


def _illustrated(unit: int, *, quantity_tiers: bool = False) -> Collateral:
    """Bybit's BTC illustration with each quantity cap worth ``unit``."""
    tiers = [CollateralTier(ratio=r, cap=None if q is None else q * unit) for r, q in ILLUSTRATION]
    return Collateral(asset="BTC", tiers=tiers, quantity_tiers=quantity_tiers)


BTC_TIERS = _illustrated(50_000)


class TestTiers:
    """rule-bybit-uta: tiered collateral value ratios, the last tier at 0."""

    def test_zero_tier(self) -> None:
        """Value above the last cap counts at 0; a ratio above 1 is refused."""
        account = PortfolioAccount(
            books=[AssetBook(asset="BTC", wallet_balance=60)], collaterals=[BTC_TIERS]
        )
        figures = account_figures(account, mark_prices={}, index_prices={"BTC": 50_000})
        expected = 500_000 * Decimal("0.98") + 500_000 * (
            Decimal("0.95") + Decimal("0.9") + Decimal("0.85") + Decimal("0.8")
        )
        assert figures.equity == expected
        assert figures.actual_equity == 3_000_000
        with pytest.raises(InvalidInputError, match=r"\[0, 1\]"):
            CollateralTier(ratio="1.1")


class TestAssetEquity:
    """rule-bybit-uta: a coin's equity, the base of automatic borrowing."""

    def test_published_borrowing(self) -> None:
        """50 USDT and 100 USDC with a 100 USDT loss: USDT equity −50, 50 USDT borrowed."""
        long = Position(contract=BTCUSDT, side="long", size="0.1", entry_price=21_000, leverage=10)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=50, positions=[long]),
                AssetBook(asset="USDC", wallet_balance=100, margin_balance=1, margin_loan=1),
            ],
            collaterals=[Collateral(asset="USDT"), Collateral(asset="USDC")],
            loan_tiers={"USDC": FLAT},
        )
        equity = asset_equity(account, mark_prices={"BTCUSDT": 20_000})
        assert dict(equity) == {"USDT": Decimal(-50), "USDC": Decimal(100)}
        assert bybit.auto_borrowed(equity["USDT"]) == 50

    def test_refuses(self) -> None:
        """A missing mark or a non-account raises."""
        long = Position(contract=BTCUSDT, side="long", size=1, entry_price=1, leverage=1)
        account = PortfolioAccount(
            books=[AssetBook(asset="USDT", positions=[long])],
            collaterals=[Collateral(asset="USDT")],
        )
        with pytest.raises(InvalidInputError, match="BTCUSDT"):
            asset_equity(account, mark_prices={})
        with pytest.raises(InvalidInputError, match="account"):
            asset_equity(object(), mark_prices={})  # type: ignore[arg-type]


class TestOneAssetIsCross:
    """rule-bybit-uta, rule-okx-multi-currency: one collateral at rate 1 is the cross account."""

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
        """AccountMMRate is the cross margin ratio; the venues' level gives the cross price."""
        contract = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        assume(size * entry <= table.max_cap)
        position = Position(contract=contract, side=side, size=size, entry_price=entry, leverage=1)
        account = PortfolioAccount(
            books=[AssetBook(asset="USDT", wallet_balance=wallet, positions=[position])],
            collaterals=[Collateral(asset="USDT", tiers=[CollateralTier(ratio=1)])],
        )
        cross = CrossAccount(wallet_balance=wallet, positions=[position])
        marks = {"BTCUSDT": mark}
        figures = account_figures(account, mark_prices=marks, index_prices={"USDT": 1})
        assert figures.margin_ratio == cross_margin_ratio(cross, mark_prices=marks)
        try:  # the cross price, or the crossed one (levrisk.futures says "already liquidated")
            expected = cross_liquidation_price(cross, "BTCUSDT", mark_prices=marks)
        except LiquidationError:
            assert figures.margin_ratio is None or figures.margin_ratio >= 1
            return
        for level in (bybit.UTA_THRESHOLDS.liquidation, okx.MULTI_CURRENCY_THRESHOLDS.liquidation):
            try:
                price = symbol_liquidation_price(
                    account,
                    "BTCUSDT",
                    mark_prices=marks,
                    index_prices={"USDT": 1},
                    liquidation_level=level,
                )
            except AlreadyLiquidatedError:
                assert figures.margin_ratio is None or figures.margin_ratio >= 1
                continue
            assert price == expected


class TestMonotonicRatio:
    """rule-okx-multi-currency: mgnRatio never rises as the mark moves against the account."""

    @given(
        low=decimals("1000", "100000", places=2),
        high=decimals("1000", "100000", places=2),
        held=decimals("0", "0.5", places=4),
        side=sides,
    )
    def test_move_against(self, low: Decimal, high: Decimal, held: Decimal, side: Side) -> None:
        """Against a long the mark falls, against a short it rises (collateral below notional)."""
        low, high = min(low, high), max(low, high)
        position = Position(contract=BTCUSDT, side=side, size=1, entry_price=30_000, leverage=10)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=1000, positions=[position]),
                AssetBook(asset="BTC", wallet_balance=held),
            ],
            collaterals=[Collateral(asset="USDT"), BTC_TIERS],
        )
        indexes = {"USDT": 1, "BTC": 50_000}
        at_low = account_figures(account, mark_prices={"BTCUSDT": low}, index_prices=indexes)
        at_high = account_figures(account, mark_prices={"BTCUSDT": high}, index_prices=indexes)
        assert at_low.uni_mmr is not None
        assert at_high.uni_mmr is not None
        if side == "long":
            assert at_low.uni_mmr <= at_high.uni_mmr
        else:
            assert at_high.uni_mmr <= at_low.uni_mmr


class TestLiquidationPoint:
    """rule-okx-multi-currency: at the returned price mgnRatio = adjEq / mmr is exactly 1."""

    def test_level_reached(self) -> None:
        """A BTC-collateral account short BTCUSDT: the price brings adjEq / mmr to 100 %."""
        short = Position(contract=BTCUSDT, side="short", size=2, entry_price=50_000, leverage=10)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="USDT", wallet_balance=0, positions=[short]),
                AssetBook(asset="BTC", wallet_balance="0.5"),
            ],
            collaterals=[Collateral(asset="USDT"), BTC_TIERS],
        )
        indexes = {"USDT": 1, "BTC": 50_000}
        price = symbol_liquidation_price(
            account,
            "BTCUSDT",
            mark_prices={"BTCUSDT": 50_000},
            index_prices=indexes,
            liquidation_level=okx.MULTI_CURRENCY_THRESHOLDS.liquidation,
        )
        assert price is not None
        figures = account_figures(account, mark_prices={"BTCUSDT": price}, index_prices=indexes)
        assert figures.uni_mmr is not None
        assert abs(figures.uni_mmr - 1) < Decimal("1e-40")
        assert figures.initial_margin_ratio is not None


# The same illustration as Bybit tiers it, by quantity of BTC held (Bybit API v5, "Get
# Tiered Collateral Ratio": minQty/maxQty in the coin).
BTC_BY_QUANTITY = _illustrated(1, quantity_tiers=True)
INVERSE = BracketTable.from_rates(caps=[10**4], maintenance_rates=["0.005"], max_leverages=[100])
BTCUSD = Contract(
    symbol="BTCUSD", kind="inverse", contract_size=1, margin_asset="BTC", brackets=INVERSE
)


def _btc_account(held: Decimal | int, rule: Collateral) -> PortfolioAccount:
    return PortfolioAccount(books=[AssetBook(asset="BTC", wallet_balance=held)], collaterals=[rule])


def _inverse_short_account() -> PortfolioAccount:
    """15 BTC backing a 1,000,000 USD BTCUSD short from 50,000: a rise burns BTC past 10."""
    short = Position(contract=BTCUSD, side="short", size=1_000_000, entry_price=50_000, leverage=10)
    return PortfolioAccount(
        books=[AssetBook(asset="BTC", wallet_balance=15, positions=[short])],
        collaterals=[BTC_BY_QUANTITY],
    )


class TestQuantityTiers:
    """rule-bybit-uta: tiered collateral ratios by quantity held, each slice at its ratio."""

    def test_equals_value_tiers_at_their_index(self) -> None:
        """At 50,000 USD the quantity tiers are the value tiers; at 25,000 they are not."""
        for held in (5, 25, 60):
            by_quantity = account_figures(
                _btc_account(held, BTC_BY_QUANTITY), mark_prices={}, index_prices={"BTC": 50_000}
            )
            by_value = account_figures(
                _btc_account(held, BTC_TIERS), mark_prices={}, index_prices={"BTC": 50_000}
            )
            assert by_quantity == by_value
        figures = account_figures(
            _btc_account(60, BTC_BY_QUANTITY), mark_prices={}, index_prices={"BTC": 25_000}
        )
        ratios = Decimal("0.98") + Decimal("0.95") + Decimal("0.9") + Decimal("0.85")
        assert figures.equity == 25_000 * 10 * (ratios + Decimal("0.8"))

    @given(decimals(0, 80, 4), decimals("0.01", 100_000, 2))
    def test_slice_by_slice(self, held: Decimal, index: Decimal) -> None:
        """Σ_k r_k·slice_k(e)·I: the value tiers with each cap times the index."""
        scaled = Collateral(
            asset="BTC",
            tiers=[
                CollateralTier(ratio=tier.ratio, cap=None if tier.cap is None else tier.cap * index)
                for tier in BTC_BY_QUANTITY.tiers
            ],
        )
        prices = {"BTC": index}
        ours = account_figures(
            _btc_account(held, BTC_BY_QUANTITY), mark_prices={}, index_prices=prices
        )
        theirs = account_figures(_btc_account(held, scaled), mark_prices={}, index_prices=prices)
        assert ours.equity == theirs.equity

    def test_flag_refused(self) -> None:
        """``quantity_tiers`` must be a bool."""
        with pytest.raises(InvalidInputError, match="quantity_tiers"):
            Collateral(asset="BTC", quantity_tiers=1)  # type: ignore[arg-type]

    def test_symbol_walk_crosses_a_quantity_cap(self) -> None:
        """The mark of an inverse short: the BTC held falls through the 10 BTC cap."""
        account = _inverse_short_account()
        indexes = {"BTC": 50_000}
        price = symbol_liquidation_price(
            account,
            "BTCUSD",
            mark_prices={"BTCUSD": 50_000},
            index_prices=indexes,
            liquidation_level=1,
        )
        assert price is not None
        figures = account_figures(account, mark_prices={"BTCUSD": price}, index_prices=indexes)
        assert figures.uni_mmr is not None
        assert abs(figures.uni_mmr - 1) < Decimal("1e-40")

    def test_uniform_move_crosses_a_quantity_cap(self) -> None:
        """A uniform rise moves the BTC index too: the cap is met where w(u)/I(u) = 10."""
        account = _inverse_short_account()
        move = liquidation_move(
            account,
            mark_prices={"BTCUSD": 50_000},
            index_prices={"BTC": 50_000},
            moving_assets=["BTC"],
            liquidation_level=1,
        )
        assert move is not None
        price = 50_000 * (1 + move)
        figures = account_figures(
            account, mark_prices={"BTCUSD": price}, index_prices={"BTC": price}
        )
        assert figures.uni_mmr is not None
        assert abs(figures.uni_mmr - 1) < Decimal("1e-20")

    def test_asset_walk_with_constant_quantity(self) -> None:
        """30 BTC backing a USDT loan: v = 28.3·I, so the price solves 28.3·I − L = θ·MM."""
        loans = BracketTable.from_rates(caps=[10**8], maintenance_rates=["0.1"], max_leverages=[3])
        account = PortfolioAccount(
            books=[
                AssetBook(asset="BTC", wallet_balance=30),
                AssetBook(asset="USDT", margin_loan=1_000_000),
            ],
            collaterals=[BTC_BY_QUANTITY, Collateral(asset="USDT")],
            loan_tiers={"USDT": loans},
        )
        price = asset_liquidation_price(
            account,
            "BTC",
            mark_prices={},
            index_prices={"BTC": 50_000, "USDT": 1},
            liquidation_level="1.05",
        )
        assert price is not None
        assert abs(price * Decimal("28.3") - (Decimal("1.05") * 100_000 + 1_000_000)) < Decimal(
            "1e-40"
        )

    def test_moving_index_at_a_cap_and_at_zero(self) -> None:
        """Exactly 10 BTC (on the cap) and no ETH, both moving: v = 9.8·I·u, no kink."""
        loans = BracketTable.from_rates(caps=[10**8], maintenance_rates=["0.1"], max_leverages=[3])
        eth = Collateral(asset="ETH", tiers=[CollateralTier(ratio="0.9")], quantity_tiers=True)
        account = PortfolioAccount(
            books=[
                AssetBook(asset="BTC", wallet_balance=10),
                AssetBook(asset="ETH", wallet_balance=0),
                AssetBook(asset="USDT", margin_loan=100_000),
            ],
            collaterals=[BTC_BY_QUANTITY, eth, Collateral(asset="USDT")],
            loan_tiers={"USDT": loans},
        )
        move = liquidation_move(
            account,
            mark_prices={},
            index_prices={"BTC": 50_000, "ETH": 2_000, "USDT": 1},
            moving_assets=["BTC", "ETH"],
            liquidation_level=1,
        )
        assert move is not None
        assert abs((1 + move) * 490_000 - 110_000) < Decimal("1e-40")


SWAP = Contract(symbol="BTC-USDT-SWAP", kind="linear", brackets=FLAT, contract_size="0.01")
BTC_SHOCKS = okx.PM_SPOT_SHOCKS["BTC"]


class TestScenarioLoss:
    """rule-okx-portfolio-margin: the largest loss of a delta-one risk unit over price moves."""

    def test_published_offset_is_zero(self) -> None:
        """OKX's example: 10 BTC spot against −1,000 perpetual contracts of 0.01 BTC: MR1 0."""
        short = Position(contract=SWAP, side="short", size=1000, entry_price=60_000, leverage=10)
        loss = scenario_loss(
            [short],
            mark_prices={"BTC-USDT-SWAP": 50_000},
            moves=BTC_SHOCKS,
            spot=10,
            spot_price=50_000,
        )
        assert loss == 0

    def test_published_grids(self) -> None:
        """OKX's MR1 moves since 6 January 2025: ±0/4/8/12 %, ±0/6/12/18 %, ±0/8/16/25 %."""
        assert (
            tuple(Decimal(m) for m in ("-0.12", "-0.08", "-0.04", "0", "0.04", "0.08", "0.12"))
            == BTC_SHOCKS
        )
        assert okx.PM_SPOT_SHOCKS["XRP"][-1] == Decimal("0.18")
        assert okx.PM_SPOT_SHOCKS_OTHERS[0] == Decimal("-0.25")
        assert "SOL" not in okx.PM_SPOT_SHOCKS

    @given(decimals(0, 50, 2), decimals(-5, 5, 3), decimals(1, 100_000, 2), sides)
    def test_closed_form(self, size: Decimal, spot: Decimal, mark: Decimal, side: Side) -> None:
        """On a symmetric grid the loss is |Σ s·Q·P + n·S| × the largest move."""
        assume(size > 0)
        position = Position(contract=SWAP, side=side, size=size, entry_price=mark, leverage=10)
        sign = 1 if side == "long" else -1
        exposure = sign * size * Decimal("0.01") * mark + spot * mark
        loss = scenario_loss(
            [position],
            mark_prices={"BTC-USDT-SWAP": mark},
            moves=BTC_SHOCKS,
            spot=spot,
            spot_price=mark,
        )
        assert loss == abs(exposure) * Decimal("0.12")
        wider = scenario_loss(
            [position],
            mark_prices={"BTC-USDT-SWAP": mark},
            moves=okx.PM_SPOT_SHOCKS_OTHERS,
            spot=spot,
            spot_price=mark,
        )
        assert wider >= loss

    def test_one_sided_grid_is_not_negative(self) -> None:
        """A grid where every scenario gains gives 0, never a negative margin."""
        long = Position(contract=SWAP, side="long", size=1, entry_price=100, leverage=10)
        assert scenario_loss([long], mark_prices={"BTC-USDT-SWAP": 100}, moves=["0.1"]) == 0

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"positions": 1}, "positions"),
            ({"positions": [1]}, r"positions\[0\]"),
            ({"mark_prices": [1]}, "mark_prices"),
            ({"mark_prices": {}}, "mark_prices must hold"),
            ({"mark_prices": {"BTC-USDT-SWAP": 0}}, "mark_prices"),
            ({"moves": []}, "at least one"),
            ({"moves": "0.1"}, "moves"),
            ({"moves": ["-1"]}, r"moves\[0\]"),
            ({"spot": 1}, "spot_price"),
            ({"spot": 1, "spot_price": 0}, "spot_price"),
            ({"spot": "x"}, "spot"),
            ({"positions": "inverse"}, "inverse"),
        ],
    )
    def test_refuses(self, kwargs: dict[str, object], match: str) -> None:
        """Bad input raises InvalidInputError naming the argument."""
        long = Position(contract=SWAP, side="long", size=1, entry_price=100, leverage=10)
        inverse = Position(contract=BTCUSD, side="long", size=100, entry_price=100, leverage=10)
        args: dict[str, object] = {
            "positions": [long],
            "mark_prices": {"BTC-USDT-SWAP": 100, "BTCUSD": 100},
            "moves": BTC_SHOCKS,
        }
        args.update(kwargs)
        if args["positions"] == "inverse":
            args["positions"] = [inverse]
        with pytest.raises(InvalidInputError, match=match):
            scenario_loss(**args)  # type: ignore[arg-type]
