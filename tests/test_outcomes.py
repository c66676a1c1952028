"""One meaning per result: every liquidation function's three outcomes (issue 14, items 1-4).

The conventions page, "Liquidation outcomes": a price; ``None`` (no price liquidates);
``AlwaysLiquidatedError`` (every price does); ``AlreadyLiquidatedError`` (at the prices
given the position or account is at or past its liquidation point, ``.price`` the crossed
price). Each function has a property per state.
"""

from __future__ import annotations

import decimal
import time
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from levrisk import risk
from levrisk.brackets import BracketTable
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, LiquidationError
from levrisk.futures import (
    Contract,
    CrossAccount,
    LiquidationRule,
    Position,
    Side,
    bankruptcy_price,
    cross_liquidation_price,
    cross_margin_ratio,
    initial_margin,
    isolated_liquidation_price,
    maintenance_margin,
    margin_ratio,
)
from levrisk.margin import (
    CrossMarginAccount,
    Loan,
    MarginThresholds,
    liquidation_price,
    margin_level,
)
from strategies import decimals

TABLE = BracketTable.from_rates(caps=[10**12], maintenance_rates=["0.005"], max_leverages=[100])
BTC = Contract(symbol="BTCUSDT", kind="linear", brackets=TABLE)
ETH = Contract(symbol="ETHUSDT", kind="linear", brackets=TABLE)
BTCUSD = Contract(
    symbol="BTCUSD_PERP", kind="inverse", contract_size=100, brackets=TABLE, margin_asset="BTC"
)
ENTRY = LiquidationRule(maintenance_basis="entry")

sides: st.SearchStrategy[Side] = st.sampled_from(["long", "short"])
sizes = decimals("0.001", "10", 3)
prices = decimals("100", "100000", 2)
leverages = st.integers(2, 100)


def state(call: Callable[..., Decimal | None], *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """The outcome of a liquidation function: ``price``, ``none``, ``crossed`` or ``always``."""
    try:
        found = call(*args, **kwargs)
    except AlreadyLiquidatedError as crossed:
        return "crossed", crossed.price
    except AlwaysLiquidatedError:
        return "always", None
    return ("none", None) if found is None else ("price", found)


def beyond(side: str, price: Decimal, liquidation: Decimal) -> bool:
    """``price`` at or beyond ``liquidation`` on the losing side."""
    return price <= liquidation if side == "long" else price >= liquidation


class TestIsolated:
    """rule-futures-liquidation-linear: isolated_liquidation_price's three states."""

    @given(side=sides, size=sizes, entry=prices, leverage=leverages)
    def test_price(self, side: Side, size: Decimal, entry: Decimal, leverage: int) -> None:
        """The initial margin above maintenance: a price on the losing side of the entry."""
        position = Position(
            contract=BTC, side=side, size=size, entry_price=entry, leverage=leverage
        )
        kind, lp = state(isolated_liquidation_price, position, margin=initial_margin(position))
        assert kind == "price"
        assert not beyond(side, entry, lp)

    @given(size=sizes, entry=prices)
    def test_none(self, size: Decimal, entry: Decimal) -> None:
        """A 1x linear long: no price liquidates it."""
        position = Position(contract=BTC, side="long", size=size, entry_price=entry, leverage=1)
        assert state(isolated_liquidation_price, position, margin=initial_margin(position)) == (
            "none",
            None,
        )

    @given(side=sides, size=sizes, entry=prices, share=decimals("0", "1", 3))
    def test_crossed(self, side: Side, size: Decimal, entry: Decimal, share: Decimal) -> None:
        """A margin at or below maintenance at entry: already liquidated, beyond the entry."""
        position = Position(contract=BTC, side=side, size=size, entry_price=entry, leverage=1)
        margin = maintenance_margin(position, mark_price=entry) * share
        kind, crossed = state(isolated_liquidation_price, position, margin=margin)
        assert kind == "crossed"
        assert crossed is not None
        assert beyond(side, entry, crossed)
        ratio = margin_ratio(position, margin=margin, mark_price=entry)
        assert ratio is None or ratio >= 1

    @given(side=sides, size=sizes, entry=prices, margin=decimals("0", "1000000", 2))
    def test_never_always(self, side: Side, size: Decimal, entry: Decimal, margin: Decimal) -> None:
        """One isolated position is never liquidated at every price (its entry is safe enough)."""
        position = Position(contract=BTC, side=side, size=size, entry_price=entry, leverage=1)
        assert state(isolated_liquidation_price, position, margin=margin)[0] != "always"

    def test_cli_reproducer(self) -> None:
        """The issue's 10x short with a margin of 10: liquidated at entry (59,860.55 crossed)."""
        position = Position(contract=BTC, side="short", size="0.1", entry_price=60_000, leverage=10)
        kind, crossed = state(isolated_liquidation_price, position, margin=10)
        assert kind == "crossed"
        assert crossed < 60_000


class TestBankruptcy:
    """rule-bankruptcy-price: bankruptcy_price's three states."""

    @given(side=sides, size=sizes, entry=prices, leverage=leverages)
    def test_price(self, side: Side, size: Decimal, entry: Decimal, leverage: int) -> None:
        """With the initial margin: ``EP·(1 − s/L)``."""
        position = Position(
            contract=BTC, side=side, size=size, entry_price=entry, leverage=leverage
        )
        s = 1 if side == "long" else -1
        expected = Fraction(entry) * (1 - Fraction(s, leverage))
        kind, found = state(bankruptcy_price, position, margin=initial_margin(position))
        assert kind == "price"
        assert abs(Fraction(found) - expected) <= expected / 10**45

    @given(size=st.integers(1, 1000), entry=prices)
    def test_none(self, size: int, entry: Decimal) -> None:
        """A 1x inverse short (a hair more than its coin notional) never goes bankrupt."""
        position = Position(contract=BTCUSD, side="short", size=size, entry_price=entry, leverage=1)
        with decimal.localcontext() as ctx:
            ctx.prec, ctx.rounding = 60, decimal.ROUND_CEILING
            margin = Decimal(size * 100) / entry
        assert state(bankruptcy_price, position, margin=margin) == ("none", None)

    @given(side=sides, size=sizes, entry=prices)
    def test_crossed(self, side: Side, size: Decimal, entry: Decimal) -> None:
        """No margin at all: bankrupt already at the entry price."""
        position = Position(contract=BTC, side=side, size=size, entry_price=entry, leverage=1)
        assert state(bankruptcy_price, position, margin=0) == ("crossed", entry)

    @given(side=sides, size=sizes, entry=prices, margin=decimals("0", "1000000", 2))
    def test_never_always(self, side: Side, size: Decimal, entry: Decimal, margin: Decimal) -> None:
        """A margin ≥ 0 is never below 0 at every price."""
        position = Position(contract=BTC, side=side, size=size, entry_price=entry, leverage=1)
        assert state(bankruptcy_price, position, margin=margin)[0] != "always"


class TestCross:
    """rule-futures-liquidation-linear: cross_liquidation_price's three states (one-way)."""

    @given(side=sides, size=sizes, entry=prices, leverage=leverages, move=decimals("-0.5", "1", 3))
    def test_price_or_crossed(
        self, side: Side, size: Decimal, entry: Decimal, leverage: int, move: Decimal
    ) -> None:
        """Crossed exactly when the margin ratio at the mark is ≥ 100 %, else the price."""
        position = Position(
            contract=BTC, side=side, size=size, entry_price=entry, leverage=leverage
        )
        account = CrossAccount(wallet_balance=initial_margin(position), positions=[position])
        mark = entry * (1 + move)
        marks = {"BTCUSDT": mark}
        kind, found = state(cross_liquidation_price, account, "BTCUSDT", mark_prices=marks)
        ratio = cross_margin_ratio(account, mark_prices=marks)
        if ratio is None or ratio >= 1:
            assert kind == "crossed"
            assert beyond(side, mark, found)
        else:
            assert kind == "price"
            assert not beyond(side, mark, found)

    @given(size=sizes, entry=prices)
    def test_none(self, size: Decimal, entry: Decimal) -> None:
        """A fully collateralised long: None."""
        position = Position(contract=BTC, side="long", size=size, entry_price=entry, leverage=1)
        account = CrossAccount(wallet_balance=size * entry, positions=[position])
        assert state(cross_liquidation_price, account, "BTCUSDT", mark_prices={})[0] == "none"

    @given(eth_mark=decimals("1", "2000", 2))
    def test_always(self, eth_mark: Decimal) -> None:
        """A BTC short beside an ETH long whose loss exceeds the wallet: every BTC price."""
        short = Position(contract=BTC, side="short", size=1, entry_price=60_000, leverage=10)
        eth = Position(contract=ETH, side="long", size=100, entry_price=3_000, leverage=10)
        account = CrossAccount(wallet_balance=6_000, positions=[short, eth])
        marks = {"ETHUSDT": eth_mark, "BTCUSDT": 60_000}
        # The ETH loss (≥ 100,000) exceeds the wallet: the balance is < 0 at every BTC price.
        assert state(cross_liquidation_price, account, "BTCUSDT", mark_prices=marks) == (
            "always",
            None,
        )

    def test_issue_reproducer(self) -> None:
        """The issue's cross long at a margin ratio of 103 %: crossed, 60,592-ish above its mark."""
        position = Position(contract=BTC, side="long", size=1, entry_price=60_000, leverage=100)
        wallet = maintenance_margin(position, mark_price=60_000) / Decimal("1.03")
        account = CrossAccount(wallet_balance=wallet, positions=[position])
        kind, crossed = state(
            cross_liquidation_price, account, "BTCUSDT", mark_prices={"BTCUSDT": 60_000}
        )
        assert kind == "crossed"
        assert crossed > 60_000


class TestHedge:
    """rule-futures-liquidation-linear: a hedge's shared price — None and always told apart."""

    @given(wallet=decimals("0", "5000", 2))
    def test_entry_valued_hedge(self, wallet: Decimal) -> None:
        """Long 2 and short 2 at 60,000, maintenance 1,200 at entry: None or always."""
        long = Position(contract=BTC, side="long", size=2, entry_price=60_000, leverage=10)
        short = Position(contract=BTC, side="short", size=2, entry_price=60_000, leverage=10)
        account = CrossAccount(
            wallet_balance=wallet, positions=[long, short], position_mode="hedge"
        )
        kind, _ = state(cross_liquidation_price, account, "BTCUSDT", mark_prices={}, rule=ENTRY)
        assert kind == ("none" if wallet > 1_200 else "always")

    @given(wallet=decimals("1300", "5000", 2), mark=decimals("30000", "90000", 2))
    def test_mark_valued_hedge_price(self, wallet: Decimal, mark: Decimal) -> None:
        """Mark-valued maintenance grows with the price: a price above a safe mark."""
        long = Position(contract=BTC, side="long", size=2, entry_price=60_000, leverage=10)
        short = Position(contract=BTC, side="short", size=2, entry_price=60_000, leverage=10)
        account = CrossAccount(
            wallet_balance=wallet, positions=[long, short], position_mode="hedge"
        )
        marks = {"BTCUSDT": mark}
        kind, found = state(cross_liquidation_price, account, "BTCUSDT", mark_prices=marks)
        safe = wallet > maintenance_margin(long, mark_price=mark) * 2
        assert kind == ("price" if safe else "crossed")
        assert found > 0


class TestSpotMargin:
    """rule-spot-liquidation: margin.liquidation_price's three states."""

    @given(btc=decimals("0.1", "10", 3), price=prices, level=decimals("1.3", "3", 2))
    def test_price(self, btc: Decimal, price: Decimal, level: Decimal) -> None:
        """A long above the level: a price below the current one, at which the level is ML*."""
        debt = btc * price / level
        account = CrossMarginAccount(
            balances={"BTC": btc}, loans=[Loan(asset="USDT", principal=debt)]
        )
        kind, found = state(
            liquidation_price, account, asset="BTC", prices={"BTC": price}, liquidation_level="1.1"
        )
        assert kind == "price"
        assert found < price

    @given(btc=decimals("0.1", "10", 3), usdt=decimals("100", "1000", 2))
    def test_none(self, btc: Decimal, usdt: Decimal) -> None:
        """USDT held above the USDT owed × level, BTC owed nothing: no BTC price liquidates."""
        account = CrossMarginAccount(
            balances={"BTC": btc, "USDT": usdt * 2}, loans=[Loan(asset="USDT", principal=usdt)]
        )
        assert state(
            liquidation_price, account, asset="BTC", prices={"BTC": 1}, liquidation_level="1.1"
        ) == ("none", None)

    @given(price=prices, usdt=decimals("1", "100000", 2))
    def test_always(self, price: Decimal, usdt: Decimal) -> None:
        """Owing the BTC it holds and USDT besides: liquidated at every BTC price."""
        account = CrossMarginAccount(
            balances={"BTC": 1},
            loans=[Loan(asset="USDT", principal=usdt), Loan(asset="BTC", principal=1)],
        )
        assert state(
            liquidation_price, account, asset="BTC", prices={"BTC": price}, liquidation_level="1.1"
        ) == ("always", None)

    @given(price=prices, level=decimals("0.5", "1.099", 3))
    def test_crossed(self, price: Decimal, level: Decimal) -> None:
        """A long at a margin level at or below 1.1: already liquidated, the crossed price above."""
        debt = price / level
        account = CrossMarginAccount(
            balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=debt)]
        )
        kind, crossed = state(
            liquidation_price, account, asset="BTC", prices={"BTC": price}, liquidation_level="1.1"
        )
        assert kind == "crossed"
        assert crossed >= price
        now = margin_level(account, {"BTC": price})
        assert now is not None
        assert now <= Decimal("1.1")

    def test_issue_reproducers(self) -> None:
        """The issue's two accounts: FORCE_LIQUIDATION is always; level 1.0 is crossed at 33,000."""
        forced = CrossMarginAccount(
            balances={"BTC": 1},
            loans=[Loan(asset="USDT", principal=100_000), Loan(asset="BTC", principal=1)],
        )
        with pytest.raises(AlwaysLiquidatedError):
            liquidation_price(forced, asset="BTC", prices={"BTC": 30_000}, liquidation_level="1.1")
        at_one = CrossMarginAccount(
            balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=30_000)]
        )
        with pytest.raises(AlreadyLiquidatedError) as info:
            liquidation_price(at_one, asset="BTC", prices={"BTC": 30_000}, liquidation_level="1.1")
        assert info.value.price == 33_000
        with pytest.raises(AlreadyLiquidatedError) as info:  # exactly at the level: "at"
            liquidation_price(at_one, asset="BTC", prices={"BTC": 33_000}, liquidation_level="1.1")
        assert info.value.price == 33_000

    def test_without_the_current_price(self) -> None:
        """Without the asset's own price only 'always' can be told: a price is returned."""
        at_one = CrossMarginAccount(
            balances={"BTC": 1, "ETH": 0}, loans=[Loan(asset="USDT", principal=30_000)]
        )
        found = liquidation_price(at_one, asset="BTC", prices={"ETH": 1}, liquidation_level="1.1")
        assert found == 33_000


class TestRiskTools:
    """rule-futures-margin-pnl, rule-spot-liquidation: the risk tools follow the convention."""

    @given(move=decimals("-0.5", "0.5", 3), wallet=decimals("0", "2000", 2))
    def test_futures_uniform_move(self, move: Decimal, wallet: Decimal) -> None:
        """Crossed when the ratio at the marks is ≥ 100 %; a move otherwise (None for 1x)."""
        position = Position(contract=BTC, side="long", size=1, entry_price=60_000, leverage=100)
        account = CrossAccount(wallet_balance=wallet, positions=[position])
        marks = {"BTCUSDT": 60_000 * (1 + move)}
        kind, found = state(risk.futures_uniform_move_to_liquidation, account, mark_prices=marks)
        ratio = cross_margin_ratio(account, mark_prices=marks)
        if ratio is None or ratio >= 1:
            assert kind == "crossed"
            assert found is not None
            assert found >= 0
        else:
            assert kind == "price"
            assert found < 0

    def test_futures_uniform_move_none_and_always(self) -> None:
        """A fully collateralised long: None; a short beside a wiped-out long: always."""
        long = Position(contract=BTC, side="long", size=1, entry_price=60_000, leverage=1)
        rich = CrossAccount(wallet_balance=60_000, positions=[long])
        assert (
            risk.futures_uniform_move_to_liquidation(rich, mark_prices={"BTCUSDT": 60_000}) is None
        )
        hedge = [
            Position(contract=BTC, side="long", size=2, entry_price=60_000, leverage=10),
            Position(contract=BTC, side="short", size=2, entry_price=60_000, leverage=10),
        ]
        poor = CrossAccount(wallet_balance=0, positions=hedge, position_mode="hedge")
        with pytest.raises(AlwaysLiquidatedError):
            risk.futures_uniform_move_to_liquidation(poor, mark_prices={"BTCUSDT": 60_000})

    @given(level=decimals("0.5", "3", 3))
    @example(level=Decimal("1.100"))  # the loan rounds: the level lands a hair above 1.1
    def test_margin_uniform_move(self, level: Decimal) -> None:
        """Spot: crossed at or below 1.1, a fall otherwise; always when owing what is held."""
        account = CrossMarginAccount(
            balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=30_000 / level)]
        )
        kind, found = state(
            risk.uniform_move_to_liquidation,
            account,
            prices={"BTC": 30_000},
            liquidation_level="1.1",
        )
        # The loan 30,000 / level is rounded to 50 digits: the account's own level decides.
        actual = margin_level(account, {"BTC": 30_000})
        assert actual is not None
        assert kind == ("crossed" if actual <= Decimal("1.1") else "price")
        assert (found >= 0) if kind == "crossed" else (found < 0)

    def test_margin_uniform_move_none_and_always(self) -> None:
        """Owing only quote held twice over: None; owing the BTC held and USDT: always."""
        safe = CrossMarginAccount(
            balances={"BTC": 1, "USDT": 200}, loans=[Loan(asset="USDT", principal=100)]
        )
        args: dict[str, Any] = {"prices": {"BTC": 30_000}, "liquidation_level": "1.1"}
        assert risk.uniform_move_to_liquidation(safe, **args) is None
        forced = CrossMarginAccount(
            balances={"BTC": 1},
            loans=[Loan(asset="USDT", principal=100_000), Loan(asset="BTC", principal=1)],
        )
        with pytest.raises(AlwaysLiquidatedError):
            risk.uniform_move_to_liquidation(forced, **args)

    def test_moves_to_liquidation(self) -> None:
        """Per-symbol and per-asset moves: an account past liquidation raises, never a row."""
        position = Position(contract=BTC, side="long", size=1, entry_price=60_000, leverage=100)
        account = CrossAccount(wallet_balance=100, positions=[position])
        with pytest.raises(AlreadyLiquidatedError, match="at the marks given"):
            risk.symbol_moves_to_liquidation(account, mark_prices={"BTCUSDT": 60_000})
        spot = CrossMarginAccount(balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=30_000)])
        with pytest.raises(AlreadyLiquidatedError, match="at the prices given"):
            risk.asset_moves_to_liquidation(spot, prices={"BTC": 30_000}, liquidation_level="1.1")

    def test_stop_check_and_outcome_at_entry(self) -> None:
        """A position liquidated at entry: the stop check and the outcome say so."""
        position = Position(contract=BTC, side="short", size="0.1", entry_price=60_000, leverage=10)
        with pytest.raises(LiquidationError):
            risk.check_futures_stop(position, stop_price=61_000, margin=10)
        with pytest.raises(LiquidationError):
            risk.futures_liquidation_outcome(position, liquidation_fee_rate="0.01", margin=10)

    def test_stress_rows_say_liquidated(self) -> None:
        """A stress row past the liquidation point is flagged liquidated."""
        position = Position(contract=BTC, side="long", size=1, entry_price=60_000, leverage=10)
        account = CrossAccount(wallet_balance=6_000, positions=[position])
        rows = risk.stress_futures_account(
            account, mark_prices={"BTCUSDT": 60_000}, shocks=["0", "-0.2"]
        )
        assert [r.liquidated for r in rows] == [False, True]


class TestLeverageForStopHangs:
    """rule-max-open: the highest leverage for a stop returns promptly for absurd tables (9)."""

    def test_futures(self) -> None:
        """A bracket max leverage of 1E+9999 (the bound): bounded by the stop, under a second."""
        table = BracketTable.from_rates(
            caps=[10**9], maintenance_rates=["0.004"], max_leverages=["1E+9999"]
        )
        contract = Contract(symbol="XUSDT", kind="linear", brackets=table)
        start = time.perf_counter()
        found = risk.max_futures_leverage_for_stop(
            contract, side="short", entry_price=60_000, stop_price=63_000, size="0.1"
        )
        assert time.perf_counter() - start < 5
        assert found == 19 or (found is not None and found < 22)

    def test_margin(self) -> None:
        """Thresholds lending up to 1E+5000x: bounded by the stop."""
        huge = MarginThresholds(
            liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.11", max_leverage="1E+5000"
        )
        start = time.perf_counter()
        found = risk.max_margin_leverage_for_stop(
            3000, side="short", entry_price=60_000, stop_price=63_000, thresholds=huge
        )
        assert time.perf_counter() - start < 5
        assert found == 7

    def test_bisected_range_where_nothing_passes(self) -> None:
        """A long leverage range (bisected) where not even 1x passes: None."""
        table = BracketTable.from_rates(
            caps=[10**9], maintenance_rates=["0.004"], max_leverages=[1000]
        )
        contract = Contract(symbol="XUSDT", kind="linear", brackets=table)
        found = risk.max_futures_leverage_for_stop(
            contract, side="short", entry_price=60_000, stop_price=60_001, size="0.1", buffer=5
        )
        assert found is None


class TestFastCoreFlatSegment:
    """rule-venues: a condition that can be flat (slope 0) is left to the general solve."""

    @given(margin=decimals("0", "20", 2))
    def test_falling_rate_and_fee_at_mark(self, margin: Decimal) -> None:
        """Rate 0.9 then 0.1 and a 10 % fee at mark: 1 − 0.1 − 0.9 = 0 in the first bracket."""
        table = BracketTable.from_rates(
            caps=[10, 10**6], maintenance_rates=["0.9", "0.1"], max_leverages=[1, 1]
        )
        contract = Contract(symbol="X", kind="linear", brackets=table)
        position = Position(contract=contract, side="long", size=1, entry_price=10, leverage=1)
        rule = LiquidationRule(close_fee="mark", fee_rate="0.1")
        kind, _ = state(isolated_liquidation_price, position, margin=margin, rule=rule)
        assert kind in {"price", "none", "crossed"}
