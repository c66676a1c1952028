"""Tests of levrisk.risk: sizing, stops, leverage for a stop, outcomes, scenarios, stress."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Context, Decimal, localcontext
from typing import Any, Literal, TypedDict

import attrs
import pytest
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from levrisk.brackets import BracketTable
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    AlwaysLiquidatedError,
    InvalidInputError,
    LeverageError,
    LevriskError,
)
from levrisk.futures import (
    Contract,
    CrossAccount,
    LiquidationRule,
    Position,
    cross_liquidation_price,
    cross_margin_ratio,
    initial_margin,
    isolated_liquidation_price,
    maintenance_margin,
    margin_ratio,
    notional,
    realized_pnl,
    roe,
    target_price,
    unrealized_pnl,
)
from levrisk.margin import (
    BINANCE_CROSS_3X,
    BINANCE_CROSS_5X,
    BINANCE_ISOLATED_10X_TIER1,
    CrossMarginAccount,
    FeeConvention,
    IsolatedMarginAccount,
    IsolatedTier,
    IsolatedTierTable,
    Loan,
    MarginThresholds,
    MarginTrade,
    close,
    liquidation_price,
    margin_level,
    margin_status,
    open_long,
    open_short,
)
from levrisk.numbers import PRECISION, round_to_step
from levrisk.risk import (
    PRO_LIQUIDATION_FEE_RATE,
    SPOT_LIQUIDATION_FEE_RATE,
    AssetMove,
    FuturesScenario,
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
    max_futures_size_for_stop,
    max_margin_leverage_for_stop,
    max_margin_size_for_stop,
    risk_reward_ratio,
    stress_futures_account,
    stress_margin_account,
    symbol_moves_to_liquidation,
    uniform_move_to_liquidation,
)
from strategies import decimals

UTC = timezone.utc
T0 = datetime(2024, 5, 1, 13, 55, tzinfo=UTC)


class _Pair(TypedDict):
    """The stated assets of a spot-margin trade (issue 14: never defaulted)."""

    base: str
    quote: str


BTC_USDT: _Pair = {"base": "BTC", "quote": "USDT"}

BTCUSDT_TABLE = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000, 10_000_000],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
    max_leverages=[125, 100, 50, 20],
)
"""Binance BTCUSDT 2021–2023 (rule-brackets)."""

BTC = Contract(symbol="BTCUSDT", kind="linear", brackets=BTCUSDT_TABLE)
BTCUSD = Contract(
    symbol="BTCUSD_PERP",
    kind="inverse",
    contract_size=100,
    brackets=BracketTable.from_rates(
        caps=[5, 10, 20], maintenance_rates=["0.004", "0.005", "0.01"], max_leverages=[125, 100, 50]
    ),
    margin_asset="BTC",
)
WIDE = Contract(
    symbol="WIDE",
    kind="linear",
    brackets=BracketTable.from_rates(
        caps=[10**15], maintenance_rates=["0.005"], max_leverages=[125]
    ),
)
WIDE_INVERSE = Contract(
    symbol="WIDEUSD",
    kind="inverse",
    contract_size=10,
    margin_asset="WIDE",
    brackets=BracketTable.from_rates(
        caps=[10**15], maintenance_rates=["0.005"], max_leverages=[125]
    ),
)
LOOSE = MarginThresholds(
    liquidation="1", margin_call="1.01", initial_risk_ratio="1.000000001", max_leverage=10**8
)
"""Thresholds that let any reasonable leverage open (to check sizing through close)."""

TEN_X = MarginThresholds(
    liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.11", max_leverage=10
)

entry_prices = decimals("100", "100000", places=2)
distances = decimals("0.002", "0.4", places=4)
fractions = decimals("0.001", "0.5", places=4)
fee_rates = decimals("0", "0.002", places=5)
sizes = decimals("0.001", "20", places=3)
Side = Literal["long", "short"]
sides: st.SearchStrategy[Side] = st.sampled_from(("long", "short"))
conventions: st.SearchStrategy[FeeConvention] = st.sampled_from(("quote", "received"))


@pytest.fixture(autouse=True, scope="module")
def _library_precision() -> Iterator[None]:
    """Expected values in this module are computed at the library's 50 digits."""
    with localcontext(Context(prec=PRECISION)):
        yield


def close_to(a: Decimal, b: Decimal, rel: Decimal = Decimal("1e-38")) -> bool:
    """Whether ``a`` and ``b`` agree to (nearly) the library's context precision."""
    return abs(a - b) <= rel * max(abs(a), abs(b), Decimal(1))


def stop_for(side: str, entry: Decimal, distance: Decimal) -> Decimal:
    """A stop ``distance`` (a fraction) away from ``entry`` on the losing side, in cents."""
    raw = entry * (1 - distance) if side == "long" else entry * (1 + distance)
    stop = round_to_step(raw, "0.01", "half_even")
    assume(stop != entry)
    return stop


def futures_loss(position: Position, exit_price: Decimal, fo: Decimal, fc: Decimal) -> Decimal:
    """Loss of closing ``position`` at ``exit_price``, fees on each notional."""
    pnl = realized_pnl(position, size=position.size, exit_price=exit_price)
    fees = fo * notional(position) + fc * notional(position, price=exit_price)
    return fees - pnl


def seed_trade(**kwargs: Any) -> MarginTrade:
    """The seed: 3,000 USDT at 3x, borrow 0.1 BTC at 60,000 and sell it."""
    options: dict[str, Any] = {
        "leverage": 3,
        "price": 60_000,
        "thresholds": BINANCE_CROSS_3X,
        "opened_at": T0,
        "base": "BTC",
        "quote": "USDT",
    }
    options.update(kwargs)
    return open_short(3000, **options)


def seed_position(leverage: int = 3) -> Position:
    """The seed on futures: 0.1 BTC short at 60,000."""
    return Position(contract=BTC, side="short", size="0.1", entry_price=60_000, leverage=leverage)


# ----------------------------------------------------------------- the stop check


class TestCheckStop:
    """check_stop: the stop must be reached before the liquidation price (seed guide)."""

    @pytest.mark.parametrize(
        ("side", "entry", "stop", "lp", "buffer", "passed", "gap"),
        [
            ("short", 60_000, 63_000, 63_081, 0, True, Decimal(81)),
            ("short", 60_000, 63_000, 63_081, "0.01", False, Decimal(81)),
            ("short", 60_000, 63_000, 62_900, 0, False, Decimal(-100)),
            ("short", 60_000, 63_000, 63_000, 0, False, Decimal(0)),
            ("long", 50_000, 45_000, 40_000, "0.1", True, Decimal(5_000)),
            ("long", 50_000, 45_000, 40_000, "0.12", False, Decimal(5_000)),
            ("long", 50_000, 45_000, None, "0.5", True, None),
        ],
        ids=[
            "short-passes",
            "short-buffer-fails",
            "short-liq-first",
            "stop-at-liq-fails",
            "long-buffer-exact",
            "long-buffer-fails",
            "no-liquidation",
        ],
    )
    def test_examples(
        self,
        *,
        side: Any,
        entry: int,
        stop: int,
        lp: int | None,
        buffer: Any,
        passed: bool,
        gap: Decimal | None,
    ) -> None:
        """Verdicts and gaps of hand-computed cases, including the boundaries."""
        check = check_stop(
            side, entry_price=entry, stop_price=stop, liquidation_price=lp, buffer=buffer
        )
        assert check.passed is passed
        assert check.stop_gap == gap

    def test_distances(self) -> None:
        """Distances are signed toward safety and given in price and as fractions."""
        check = check_stop("long", entry_price=50_000, stop_price=45_000, liquidation_price=40_000)
        assert check.liquidation_distance == 10_000
        assert check.liquidation_distance_fraction == Decimal("0.2")
        assert check.stop_gap_fraction == Decimal(5_000) / Decimal(45_000)
        assert attrs.asdict(check)["passed"] is True

    @given(
        side=sides,
        entry=entry_prices,
        d_stop=distances,
        d_liq=decimals("0.001", "0.9", places=4),
        buffer=decimals("0", "0.2", places=3),
    )
    def test_passed_means_stop_first_with_buffer(
        self, side: Side, entry: Decimal, d_stop: Decimal, d_liq: Decimal, buffer: Decimal
    ) -> None:
        """Passing ⇔ the stop comes strictly first on the adverse path, buffer kept."""
        stop = stop_for(side, entry, d_stop)
        lp = stop_for(side, entry, d_liq)
        check = check_stop(
            side,
            entry_price=entry,
            stop_price=stop,
            liquidation_price=lp,
            buffer=buffer,
        )
        first = stop > lp if side == "long" else stop < lp
        assert check.passed == (first and abs(stop - lp) >= buffer * stop)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"side": "long", "stop_price": 51_000}, "below the entry"),
            ({"side": "short", "stop_price": 49_000}, "above the entry"),
            ({"side": "short", "stop_price": 50_000}, "above the entry"),
            ({"side": "up", "stop_price": 49_000}, "side must be"),
            ({"side": "long", "stop_price": 49_000, "buffer": -1}, "buffer must not"),
            ({"side": "long", "stop_price": 49_000, "liquidation_price": 0}, "liquidation_price"),
            ({"side": "long", "stop_price": "x"}, "stop_price"),
        ],
        ids=["long-above", "short-below", "at-entry", "bad-side", "neg-buffer", "zero-lp", "nan"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """A stop on the wrong side of entry and other bad input raise InvalidInputError."""
        options = {"entry_price": 50_000, "liquidation_price": 40_000, **kwargs}
        side = options.pop("side")
        with pytest.raises(InvalidInputError, match=match):
            check_stop(side, **options)


class TestRiskReward:
    """risk_reward_ratio: reward to target over risk to stop."""

    @pytest.mark.parametrize(
        ("side", "entry", "stop", "target", "expected"),
        [
            ("short", 60_000, 63_000, 54_000, Decimal(2)),
            ("long", 100, 90, 130, Decimal(3)),
            ("long", 100, 80, 110, Decimal("0.5")),
        ],
        ids=["short-2R", "long-3R", "long-half"],
    )
    def test_examples(
        self, side: Any, entry: int, stop: int, target: int, expected: Decimal
    ) -> None:
        """Ratios of simple trades."""
        assert (
            risk_reward_ratio(side, entry_price=entry, stop_price=stop, target_price=target)
            == expected
        )

    @pytest.mark.parametrize(
        ("side", "stop", "target", "match"),
        [
            ("long", 110, 120, "stop_price"),
            ("long", 90, 100, "target_price"),
            ("short", 110, 120, "target_price"),
        ],
        ids=["stop-wrong", "target-at-entry", "short-target-wrong"],
    )
    def test_wrong_side(self, side: Any, stop: int, target: int, match: str) -> None:
        """Stops and targets must lie on their own side of the entry."""
        with pytest.raises(InvalidInputError, match=match):
            risk_reward_ratio(side, entry_price=100, stop_price=stop, target_price=target)


# ----------------------------------------------------------------- futures


class TestFuturesPositionSize:
    """futures_position_size: loss at the stop = equity × risk fraction.

    Rule: rule-futures-margin-pnl.
    """

    @pytest.mark.parametrize(
        ("contract", "side", "entry", "stop", "equity", "risk", "fo", "fc", "expected"),
        [
            (BTC, "short", 60_000, 60_300, 3_000, "0.01", 0, 0, Decimal("0.1")),
            (BTC, "long", 50_000, 49_000, 10_000, "0.02", 0, 0, Decimal("0.2")),
            (BTC, "long", 100, 90, 1_000, "0.1", "0.001", "0.001", "100/10.19"),
            (BTCUSD, "long", 20_000, 16_000, 1, "0.05", 0, 0, Decimal(40)),
        ],
        ids=["seed-short", "long", "long-fees", "inverse-long"],
    )
    def test_examples(
        self,
        *,
        contract: Contract,
        side: Any,
        entry: int,
        stop: int,
        equity: int,
        risk: str,
        fo: Any,
        fc: Any,
        expected: Decimal | str,
    ) -> None:
        """Hand-computed sizes (inverse: 40 contracts of 100 USD lose 0.05 BTC)."""
        size = futures_position_size(
            contract,
            side=side,
            entry_price=entry,
            stop_price=stop,
            equity=equity,
            risk_fraction=risk,
            open_fee_rate=fo,
            close_fee_rate=fc,
        )
        if isinstance(expected, str):
            numerator, denominator = expected.split("/")
            expected = Decimal(numerator) / Decimal(denominator)
        assert size == expected

    @given(
        contract=st.sampled_from([WIDE, WIDE_INVERSE]),
        side=sides,
        entry=entry_prices,
        distance=distances,
        equity=decimals("10", "1000000", places=2),
        risk=fractions,
        fo=fee_rates,
        fc=fee_rates,
    )
    def test_loses_exactly_the_budget(
        self,
        *,
        contract: Contract,
        side: Side,
        entry: Decimal,
        distance: Decimal,
        equity: Decimal,
        risk: Decimal,
        fo: Decimal,
        fc: Decimal,
    ) -> None:
        """The sized position loses exactly equity × risk at the stop, fees included."""
        stop = stop_for(side, entry, distance)
        size = futures_position_size(
            contract,
            side=side,
            entry_price=entry,
            stop_price=stop,
            equity=equity,
            risk_fraction=risk,
            open_fee_rate=fo,
            close_fee_rate=fc,
        )
        position = Position(contract=contract, side=side, size=size, entry_price=entry, leverage=1)
        assert close_to(futures_loss(position, stop, fo, fc), equity * risk)

    @given(
        side=sides,
        entry=entry_prices,
        distance=distances,
        equity=decimals("100", "100000", places=2),
        risk=fractions,
        step=st.sampled_from([Decimal("0.001"), Decimal("0.01"), Decimal("0.1")]),
    )
    def test_lot_step_rounds_down(
        self,
        *,
        side: Side,
        entry: Decimal,
        distance: Decimal,
        equity: Decimal,
        risk: Decimal,
        step: Decimal,
    ) -> None:
        """Rounded to the lot: at most the budget, and one lot more would exceed it."""
        stop = stop_for(side, entry, distance)
        kwargs: dict[str, Any] = {
            "side": side,
            "entry_price": entry,
            "stop_price": stop,
            "equity": equity,
            "risk_fraction": risk,
            "open_fee_rate": "0.0005",
            "close_fee_rate": "0.0005",
        }
        size = futures_position_size(WIDE, **kwargs, lot_step=step)
        assert size % step == 0
        budget = equity * risk
        fee = Decimal("0.0005")
        bigger = Position(contract=WIDE, side=side, size=size + step, entry_price=entry, leverage=1)
        assert futures_loss(bigger, stop, fee, fee) > budget
        if size > 0:
            sized = Position(contract=WIDE, side=side, size=size, entry_price=entry, leverage=1)
            assert futures_loss(sized, stop, fee, fee) <= budget

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"risk_fraction": 0}, "risk_fraction"),
            ({"risk_fraction": 1}, "risk_fraction"),
            ({"risk_fraction": "-0.01"}, "risk_fraction"),
            ({"risk_fraction": "1.5"}, "risk_fraction"),
            ({"stop_price": 59_000}, "above the entry"),
            ({"equity": 0}, "equity"),
            ({"lot_step": 0}, "lot_step"),
            ({"open_fee_rate": 1}, "open_fee_rate"),
            ({"side": "flat"}, "side"),
        ],
        ids=[
            "risk-0",
            "risk-1",
            "risk-neg",
            "risk-big",
            "wrong-side",
            "equity",
            "lot",
            "fee",
            "side",
        ],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad risk fractions, wrong-side stops and other bad input are documented errors."""
        options: dict[str, Any] = {
            "side": "short",
            "entry_price": 60_000,
            "stop_price": 60_300,
            "equity": 3_000,
            "risk_fraction": "0.01",
            **kwargs,
        }
        with pytest.raises(InvalidInputError, match=match):
            futures_position_size(BTC, **options)

    def test_rejects_a_non_contract(self) -> None:
        """The contract must be a Contract."""
        with pytest.raises(InvalidInputError, match="contract"):
            futures_position_size(
                "BTCUSDT",  # type: ignore[arg-type]
                side="long",
                entry_price=1,
                stop_price="0.5",
                equity=1,
                risk_fraction="0.1",
            )


class TestFuturesStopAndTarget:
    """futures_stop_price / futures_take_profit_price: rule-futures-margin-pnl, solved for P."""

    def test_seed_stop_for_one_percent(self) -> None:
        """The seed short (0.1 BTC at 60,000, 3,000 equity) loses 1 % at 60,300."""
        assert futures_stop_price(seed_position(), loss=30) == 60_300

    def test_seed_stop_with_fees(self) -> None:
        """With 0.05 % fees each way the stop moves closer: (30 + 6000·0.9995)/(0.1·1.0005)."""
        stop = futures_stop_price(
            seed_position(), loss=30, open_fee_rate="0.0005", close_fee_rate="0.0005"
        )
        assert stop == Decimal(6027) / Decimal("0.10005")

    @given(
        contract=st.sampled_from([WIDE, WIDE_INVERSE]),
        side=sides,
        entry=entry_prices,
        size=sizes,
        loss_share=decimals("0.001", "2", places=3),
        fo=fee_rates,
        fc=fee_rates,
    )
    def test_stop_loses_the_amount(
        self,
        *,
        contract: Contract,
        side: Side,
        entry: Decimal,
        size: Decimal,
        loss_share: Decimal,
        fo: Decimal,
        fc: Decimal,
    ) -> None:
        """Closing at the stop loses exactly ``loss``; None only when no such stop exists."""
        position = Position(contract=contract, side=side, size=size, entry_price=entry, leverage=1)
        loss = loss_share * initial_margin(position)
        stop = futures_stop_price(position, loss=loss, open_fee_rate=fo, close_fee_rate=fc)
        if stop is None:
            q = size * contract.contract_size
            fees_only = futures_loss(position, entry, fo, fc)
            if side == "long" and contract.kind == "linear":
                worst = q * entry * (1 + fo)  # the loss as the price falls to 0
            elif side == "short" and contract.kind == "inverse":
                worst = q * (1 + fo) / entry  # the loss as the price rises without bound
            else:
                worst = loss + 1
            assert fees_only >= loss or worst <= loss
            return
        assert (stop < entry) if side == "long" else (stop > entry)
        assert close_to(futures_loss(position, stop, fo, fc), loss)

    @given(side=sides, entry=entry_prices, leverage=st.integers(1, 100), r=fractions)
    def test_roe_matches_target_price_without_fees(
        self, side: Side, entry: Decimal, leverage: int, r: Decimal
    ) -> None:
        """Without fees the stop for an ROE r is levrisk.futures.target_price at −r."""
        position = Position(
            contract=WIDE, side=side, size="0.5", entry_price=entry, leverage=leverage
        )
        stop = futures_stop_price(position, roe=r)
        expected = target_price(position, roe=-r)
        assert stop is not None
        assert expected is not None
        assert close_to(stop, expected)
        assert close_to(roe(position, mark_price=stop), -r)

    @given(
        contract=st.sampled_from([WIDE, WIDE_INVERSE]),
        side=sides,
        entry=entry_prices,
        profit_share=decimals("0.001", "3", places=3),
        fo=fee_rates,
    )
    def test_take_profit_earns_the_amount(
        self, contract: Contract, side: Side, entry: Decimal, profit_share: Decimal, fo: Decimal
    ) -> None:
        """Closing at the target earns exactly ``profit`` after fees, or None when impossible."""
        position = Position(contract=contract, side=side, size="2", entry_price=entry, leverage=5)
        profit = profit_share * initial_margin(position)
        target = futures_take_profit_price(
            position, profit=profit, open_fee_rate=fo, close_fee_rate=fo
        )
        if target is None:
            assert side == "short" or contract.kind == "inverse"
            return
        assert (target > entry) if side == "long" else (target < entry)
        assert close_to(-futures_loss(position, target, fo, fo), profit)

    def test_take_profit_examples(self) -> None:
        """Seed: 600 profit at 54,000; ROE 0.3 at 3x is 10 %: 54,000; a short cannot earn 6,000."""
        assert futures_take_profit_price(seed_position(), profit=600) == 54_000
        assert futures_take_profit_price(seed_position(), roe="0.3") == 54_000
        assert futures_take_profit_price(seed_position(), profit=6_000) is None

    def test_none_beyond_the_notional(self) -> None:
        """A linear long cannot lose more than its notional (plus the opening fee)."""
        pos = Position(contract=BTC, side="long", size=1, entry_price=100, leverage=1)
        assert futures_stop_price(pos, loss=100) is None
        assert futures_stop_price(pos, loss=99) == 1

    def test_none_when_fees_cost_more(self) -> None:
        """A loss smaller than the round-trip fees has no stop on the losing side."""
        assert (
            futures_stop_price(seed_position(), loss=1, open_fee_rate="0.001", close_fee_rate=0)
            is None
        )

    def test_inverse_short_cannot_lose_unbounded(self) -> None:
        """An inverse short loses at most N·CS/EP coin: a larger loss has no stop."""
        pos = Position(contract=BTCUSD, side="short", size=10, entry_price=20_000, leverage=1)
        assert futures_stop_price(pos, loss="0.05") is None
        assert futures_stop_price(pos, loss="0.025") == 40_000

    @pytest.mark.parametrize(
        "kwargs",
        [{}, {"loss": 1, "roe": "0.1"}, {"loss": 0}, {"roe": -1}],
        ids=["neither", "both", "zero-loss", "negative-roe"],
    )
    def test_rejects(self, kwargs: dict[str, Any]) -> None:
        """Exactly one positive amount: loss or roe (profit or roe)."""
        with pytest.raises(InvalidInputError):
            futures_stop_price(seed_position(), **kwargs)
        renamed = {("profit" if k == "loss" else k): v for k, v in kwargs.items()}
        with pytest.raises(InvalidInputError):
            futures_take_profit_price(seed_position(), **renamed)
        with pytest.raises(InvalidInputError, match="position"):
            futures_stop_price("pos", loss=1)  # type: ignore[arg-type]


class TestCheckFuturesStop:
    """check_futures_stop: the stop against the isolated liquidation price.

    Rule: rule-futures-liquidation-linear.
    """

    def test_seed_at_18x_and_19x(self) -> None:
        """The 0.1 BTC short from 60,000: 18x liquidates at 63,081.01 (after 63,000); 19x before."""
        at18 = check_futures_stop(seed_position(18), stop_price=63_000)
        assert at18.passed
        assert at18.liquidation_price is not None
        assert round_to_step(at18.liquidation_price, "0.01", "half_up") == Decimal("63081.01")
        at19 = check_futures_stop(seed_position(19), stop_price=63_000)
        assert not at19.passed
        assert at19.liquidation_price is not None
        assert at19.liquidation_price < 63_000

    def test_margin_and_rule(self) -> None:
        """Added margin moves liquidation away; a close fee in the rule moves it closer."""
        pos = seed_position(19)
        assert check_futures_stop(pos, stop_price=63_000, margin=400).passed
        fee_rule = LiquidationRule(close_fee="mark", fee_rate="0.01")
        assert not check_futures_stop(seed_position(18), stop_price=63_000, rule=fee_rule).passed

    def test_no_liquidation_price_passes(self) -> None:
        """A 1x linear long has no liquidation price: any stop passes."""
        pos = Position(contract=BTC, side="long", size="0.1", entry_price=60_000, leverage=1)
        check = check_futures_stop(pos, stop_price=1)
        assert check.passed
        assert check.liquidation_price is None

    @given(
        contract=st.sampled_from([BTC, BTCUSD]),
        side=sides,
        entry=decimals("1000", "100000", places=2),
        distance=distances,
        leverage=st.integers(1, 50),
        size=decimals("0.01", "5", places=2),
    )
    def test_passing_stop_is_hit_before_liquidation(
        self,
        *,
        contract: Contract,
        side: Side,
        entry: Decimal,
        distance: Decimal,
        leverage: int,
        size: Decimal,
    ) -> None:
        """Accepted: the margin ratio stays below 100 % from entry to the stop; rejected: not."""
        stop = stop_for(side, entry, distance)
        if contract.kind == "inverse":
            size = max(Decimal(1), size.to_integral_value())
        try:
            pos = Position(
                contract=contract, side=side, size=size, entry_price=entry, leverage=leverage
            )
        except LevriskError:
            reject()
        margin = initial_margin(pos)
        check = check_futures_stop(pos, stop_price=stop)
        at_stop = margin_ratio(pos, margin=margin, mark_price=stop)
        if check.passed:
            path = [entry + (stop - entry) * k / 10 for k in range(11)]
            for price in path:
                ratio = margin_ratio(pos, margin=margin, mark_price=price)
                assert ratio is not None
                assert ratio < 1
        else:
            assert at_stop is None or at_stop >= 1


class TestMaxFuturesLeverageForStop:
    """max_futures_leverage_for_stop: the largest whole leverage whose check passes."""

    def test_seed_is_18x(self) -> None:
        """0.1 BTC short at 60,000 with a stop at 63,000: 18x, and 19x would liquidate first."""
        lev = max_futures_leverage_for_stop(
            BTC, side="short", entry_price=60_000, stop_price=63_000, size="0.1"
        )
        assert lev == 18

    def test_fixed_margin_and_buffer(self) -> None:
        """With a fixed 600 USDT margin the size grows with leverage; a buffer lowers it."""
        lev = max_futures_leverage_for_stop(
            BTC, side="short", entry_price=60_000, stop_price=63_000, margin=600
        )
        assert lev == 18
        buffered = max_futures_leverage_for_stop(
            BTC, side="short", entry_price=60_000, stop_price=63_000, size="0.1", buffer="0.01"
        )
        assert buffered is not None
        assert buffered < 18
        assert check_futures_stop(seed_position(buffered), stop_price=63_000, buffer="0.01").passed
        assert not check_futures_stop(
            seed_position(buffered + 1), stop_price=63_000, buffer="0.01"
        ).passed

    def test_tier_limits(self) -> None:
        """A 600,000 USDT notional sits in the 50x bracket: even a near stop gets at most 50x."""
        near = max_futures_leverage_for_stop(
            BTC, side="long", entry_price=60_000, stop_price=59_999, size=10
        )
        assert near == 50
        far = max_futures_leverage_for_stop(
            BTC, side="long", entry_price=60_000, stop_price=50_000, size=10
        )
        assert far == 5  # (600,000 − 600,000/L − 1,300)/9.9 < 50,000 ⇔ L < 5.79

    def test_bisection_for_long_tables(self) -> None:
        """A 1000x table is bisected and still gives the largest passing leverage."""
        table = BracketTable.from_rates(
            caps=[10**9], maintenance_rates=["0.004"], max_leverages=[1000]
        )
        wide = Contract(symbol="WIDE", kind="linear", brackets=table)
        lev = max_futures_leverage_for_stop(
            wide, side="short", entry_price=60_000, stop_price=63_000, size="0.1"
        )
        assert lev == 18
        tiny_stop = max_futures_leverage_for_stop(
            wide, side="short", entry_price=60_000, stop_price="60000.01", size="0.1"
        )
        assert tiny_stop == 249  # above 250x the margin is below the maintenance margin

    def test_inverse_fixed_margin(self) -> None:
        """COIN-M long: LP = EP(1 + m)·L/(L + 1) < 19,000 ⇔ L < 17.6, by size or by margin."""
        by_margin = max_futures_leverage_for_stop(
            BTCUSD, side="long", entry_price=20_000, stop_price=19_000, margin="0.01"
        )
        by_size = max_futures_leverage_for_stop(
            BTCUSD, side="long", entry_price=20_000, stop_price=19_000, size=34
        )
        assert by_margin == by_size == 17

    def test_none_when_even_1x_fails(self) -> None:
        """A short's 1x liquidation lies near 2·EP/(1+m): a stop beyond it gets None."""
        lev = max_futures_leverage_for_stop(
            BTC, side="short", entry_price=60_000, stop_price=125_000, size="0.1"
        )
        assert lev is None

    @given(
        contract=st.sampled_from([BTC, BTCUSD]),
        side=sides,
        entry=decimals("1000", "100000", places=2),
        distance=decimals("0.001", "0.6", places=4),
        size=decimals("0.01", "20", places=2),
    )
    def test_one_step_higher_fails(
        self, contract: Contract, side: Side, entry: Decimal, distance: Decimal, size: Decimal
    ) -> None:
        """The result passes the check; one step higher fails it or is not allowed."""
        stop = stop_for(side, entry, distance)
        if contract.kind == "inverse":
            size = max(Decimal(1), size.to_integral_value())
        try:
            Position(contract=contract, side=side, size=size, entry_price=entry, leverage=1)
        except LevriskError:
            reject()
        lev = max_futures_leverage_for_stop(
            contract,
            side=side,
            entry_price=entry,
            stop_price=stop,
            size=size,
        )
        higher = 1 if lev is None else lev + 1
        if lev is not None:
            pos = Position(contract=contract, side=side, size=size, entry_price=entry, leverage=lev)
            assert check_futures_stop(pos, stop_price=stop).passed
        try:
            above = Position(
                contract=contract, side=side, size=size, entry_price=entry, leverage=higher
            )
        except LeverageError:
            return
        assert not check_futures_stop(above, stop_price=stop).passed

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({}, "exactly one of size and margin"),
            ({"size": 1, "margin": 1}, "exactly one of size and margin"),
            ({"size": 1, "stop_price": 59_000}, "above the entry"),
            ({"size": 1, "rule": "binance"}, "rule"),
            ({"size": 0}, "size"),
        ],
        ids=["neither", "both", "wrong-side", "rule", "size"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Documented errors for bad combinations."""
        options: dict[str, Any] = {
            "side": "short",
            "entry_price": 60_000,
            "stop_price": 63_000,
            **kwargs,
        }
        with pytest.raises(InvalidInputError, match=match):
            max_futures_leverage_for_stop(BTC, **options)


class TestFuturesLiquidationOutcome:
    """futures_liquidation_outcome: margin balance at LP minus the clearance fee."""

    def test_example(self) -> None:
        """10x short: balance at LP is the maintenance margin, less than the 1.25 % fee."""
        pos = seed_position(10)
        result = futures_liquidation_outcome(pos, liquidation_fee_rate="0.0125")
        assert result is not None
        lp = result.liquidation_price
        assert close_to(result.equity_at_liquidation, maintenance_margin(pos, mark_price=lp))
        assert result.liquidation_fee == Decimal("0.0125") * notional(pos, price=lp)
        assert result.remaining == 0
        assert result.loss == 600
        assert result.loss_fraction == 1
        assert not result.anything_remains

    def test_something_remains_without_fee(self) -> None:
        """With no fee the maintenance margin comes back."""
        pos = seed_position(10)
        result = futures_liquidation_outcome(pos, liquidation_fee_rate=0, margin=600)
        assert result is not None
        assert result.anything_remains
        assert result.remaining == result.equity_at_liquidation

    def test_none_without_liquidation(self) -> None:
        """A 1x linear long has no liquidation price."""
        pos = Position(contract=BTC, side="long", size="0.1", entry_price=60_000, leverage=1)
        assert futures_liquidation_outcome(pos, liquidation_fee_rate="0.01") is None

    @given(
        contract=st.sampled_from([BTC, BTCUSD]),
        side=sides,
        leverage=st.integers(2, 50),
        rate=decimals("0", "0.02", places=4),
    )
    def test_accounting(self, contract: Contract, side: Side, leverage: int, rate: Decimal) -> None:
        """Loss + remaining = collateral; equity at LP = margin + PnL(LP)."""
        pos = Position(contract=contract, side=side, size=2, entry_price=30_000, leverage=leverage)
        result = futures_liquidation_outcome(pos, liquidation_fee_rate=rate)
        assert result is not None
        im = initial_margin(pos)
        assert close_to(result.loss + result.remaining, im)
        assert result.collateral == im
        assert close_to(
            result.equity_at_liquidation,
            im + unrealized_pnl(pos, mark_price=result.liquidation_price),
        )
        assert result.remaining == max(
            Decimal(0), result.equity_at_liquidation - result.liquidation_fee
        )

    def test_rejects(self) -> None:
        """Bad fee rates and a zero margin are documented errors."""
        with pytest.raises(InvalidInputError, match="liquidation_fee_rate"):
            futures_liquidation_outcome(seed_position(), liquidation_fee_rate=1)
        with pytest.raises(InvalidInputError, match="margin"):
            futures_liquidation_outcome(seed_position(), liquidation_fee_rate=0, margin=0)


class TestFuturesScenarios:
    """futures_scenarios: rows agree with the scalar functions (rule-futures-margin-pnl)."""

    @given(
        contract=st.sampled_from([BTC, BTCUSD]),
        side=sides,
        leverage=st.integers(1, 50),
        grid=st.lists(decimals("1000", "100000", places=2), min_size=1, max_size=8),
        extra=decimals("0", "500", places=2),
    )
    def test_rows_agree_with_scalar_functions(
        self, contract: Contract, side: Side, leverage: int, grid: list[Decimal], extra: Decimal
    ) -> None:
        """Every row equals pnl/roe/margin_ratio at its price; liquidated ⇔ at/after the LP."""
        pos = Position(contract=contract, side=side, size=1, entry_price=30_000, leverage=leverage)
        margin = initial_margin(pos) + (extra if contract.kind == "linear" else 0)
        rows = futures_scenarios(pos, prices=grid, margin=margin)
        lp = isolated_liquidation_price(pos, margin=margin)
        assert [r.price for r in rows] == grid
        for row in rows:
            pnl = unrealized_pnl(pos, mark_price=row.price)
            assert row.pnl == pnl
            assert row.equity == margin + pnl
            assert row.roe == roe(pos, mark_price=row.price)
            assert row.margin_ratio == margin_ratio(pos, margin=margin, mark_price=row.price)
            assert row.liquidated == (row.status != "NORMAL")
            beyond = lp is not None and (row.price <= lp if side == "long" else row.price >= lp)
            assert row.liquidated == beyond

    def test_asdict_rows(self) -> None:
        """Rows turn into plain dicts."""
        (row,) = futures_scenarios(seed_position(10), prices=[65_800])
        data = attrs.asdict(row)
        assert data["status"] == "LIQUIDATION"
        assert data["pnl"] == Decimal("-580.0")
        assert data["equity"] == Decimal("20.0")

    @pytest.mark.parametrize(
        "grid", [[], "60000", [0], None, {"a": 1}], ids=["empty", "str", "zero", "none", "map"]
    )
    def test_rejects_bad_grids(self, grid: Any) -> None:
        """An empty grid or a bad price is a documented error."""
        with pytest.raises(InvalidInputError, match="prices"):
            futures_scenarios(seed_position(), prices=grid)

    def test_row_validation(self) -> None:
        """Rows validate their own fields."""
        with pytest.raises(InvalidInputError, match="status"):
            FuturesScenario(
                price=1,
                pnl=0,
                equity=0,
                roe=0,
                margin_ratio=None,
                status="OK",  # type: ignore[arg-type]
                liquidated=False,
            )


# ----------------------------------------------------------------- spot margin


class TestMarginPositionSize:
    """margin_position_size: the net loss of close() at the stop = the budget (rule-spot-trades)."""

    def test_seed(self) -> None:
        """3,000 USDT, 1 %: a short from 60,000 stopped at 60,300 is the seed's 0.1 BTC."""
        size = margin_position_size(
            "short", entry_price=60_000, stop_price=60_300, equity=3000, risk_fraction="0.01"
        )
        assert size == Decimal("0.1")

    @given(
        side=sides,
        entry=entry_prices,
        distance=distances,
        equity=decimals("100", "100000", places=2),
        risk=fractions,
        fee=fee_rates,
        convention=conventions,
        rate=decimals("0", "0.001", places=6),
    )
    def test_loses_exactly_the_budget(
        self,
        *,
        side: Side,
        entry: Decimal,
        distance: Decimal,
        equity: Decimal,
        risk: Decimal,
        fee: Decimal,
        convention: FeeConvention,
        rate: Decimal,
    ) -> None:
        """Open with collateral = equity at the implied leverage, close at the stop: −budget."""
        stop = stop_for(side, entry, distance)
        size = margin_position_size(
            side,
            entry_price=entry,
            stop_price=stop,
            equity=equity,
            risk_fraction=risk,
            fee_rate=fee,
            fee_convention=convention,
            interest_fraction=rate,
        )
        if side == "short":
            leverage = 1 + size * entry / equity
            trade = open_short(
                equity,
                **BTC_USDT,
                leverage=leverage,
                price=entry,
                opened_at=T0,
                thresholds=LOOSE,
                fee_rate=fee,
                fee_convention=convention,
            )
        else:
            spent = entry * (1 + fee) if convention == "quote" else entry / (1 - fee)
            leverage = size * spent / equity
            assume(leverage > Decimal("1.000001"))
            trade = open_long(
                equity,
                **BTC_USDT,
                leverage=leverage,
                price=entry,
                opened_at=T0,
                thresholds=LOOSE,
                fee_rate=fee,
                fee_convention=convention,
            )
        assert close_to(trade.quantity, size)
        pnl = close(trade, exit_price=stop, at=T0, schedule=rate)
        assert close_to(pnl.net_pnl, -equity * risk, rel=Decimal("1e-35"))

    def test_long_without_borrowing_ignores_interest(self) -> None:
        """A long that fits the collateral borrows nothing, so interest does not shrink it."""
        kwargs: dict[str, Any] = {
            "entry_price": 100,
            "stop_price": 90,
            "equity": 10_000,
            "risk_fraction": "0.01",
        }
        assert margin_position_size("long", **kwargs) == 10
        assert margin_position_size("long", **kwargs, interest_fraction="0.01") == 10
        big = {**kwargs, "stop_price": "99.5"}
        assert margin_position_size("long", **big) == 200
        with_interest = margin_position_size("long", **big, interest_fraction="0.01")
        assert with_interest == Decimal(200) / Decimal("1.5")

    def test_lot_step(self) -> None:
        """Rounded down to the lot."""
        size = margin_position_size(
            "short",
            entry_price=60_000,
            stop_price=60_300,
            equity=3000,
            risk_fraction="0.01",
            fee_rate="0.001",
            lot_step="0.001",
        )
        assert size == Decimal("0.071")  # 30 / (300 + 60 + 60.3) = 0.0713…

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"risk_fraction": 0}, "risk_fraction"),
            ({"risk_fraction": 1}, "risk_fraction"),
            ({"stop_price": 59_000}, "above the entry"),
            ({"fee_convention": "bnb"}, "fee_convention"),
            ({"interest_fraction": -1}, "interest_fraction"),
            ({"fee_rate": 1}, "fee_rate"),
        ],
        ids=["risk-0", "risk-1", "wrong-side", "convention", "interest", "fee"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Documented errors."""
        options: dict[str, Any] = {
            "entry_price": 60_000,
            "stop_price": 60_300,
            "equity": 3000,
            "risk_fraction": "0.01",
            **kwargs,
        }
        with pytest.raises(InvalidInputError, match=match):
            margin_position_size("short", **options)


class TestMarginStopAndTarget:
    """margin_stop_price / margin_take_profit_price: close().net_pnl solved for the price."""

    def test_seed_one_percent(self) -> None:
        """The seed trade loses 1 % of its 3,000 equity at 60,300 (no fees, no interest)."""
        assert margin_stop_price(seed_trade(), loss=30, at=T0, schedule=0) == 60_300

    def test_roe_is_a_share_of_collateral(self) -> None:
        """ROE is loss over collateral: 1 % of the seed is 30 USDT, a third is the 1,000 profit."""
        assert margin_stop_price(seed_trade(), roe="0.01", at=T0, schedule=0) == 60_300
        third = margin_take_profit_price(seed_trade(), roe=Decimal(1) / 3, at=T0, schedule=0)
        assert third is not None
        assert close_to(third, Decimal(50_000))
        with pytest.raises(InvalidInputError, match="exactly one"):
            margin_stop_price(seed_trade(), loss=30, roe="0.01", at=T0, schedule=0)
        with pytest.raises(InvalidInputError, match="exactly one"):
            margin_take_profit_price(seed_trade(), at=T0, schedule=0)

    def test_seed_take_profit(self) -> None:
        """The seed's 1,000 profit is at 50,000."""
        assert margin_take_profit_price(seed_trade(), profit=1000, at=T0, schedule=0) == 50_000

    @given(
        side=sides,
        collateral=decimals("100", "100000", places=2),
        leverage=decimals("1.5", "3", places=2),
        entry=entry_prices,
        fee=fee_rates,
        convention=conventions,
        rate=decimals("0", "0.0005", places=6),
        hours=st.integers(0, 200),
        share=decimals("0.001", "0.9", places=3),
    )
    def test_net_pnl_at_the_prices(
        self,
        *,
        side: Side,
        collateral: Decimal,
        leverage: Decimal,
        entry: Decimal,
        fee: Decimal,
        convention: FeeConvention,
        rate: Decimal,
        hours: int,
        share: Decimal,
    ) -> None:
        """close() at the stop nets −loss, at the target +profit; None only when impossible."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            collateral,
            **BTC_USDT,
            leverage=leverage,
            price=entry,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate=fee,
            fee_convention=convention,
        )
        at = T0 + timedelta(hours=hours)
        amount = share * collateral
        stop = margin_stop_price(trade, loss=amount, at=at, schedule=rate)
        at_entry = close(trade, exit_price=entry, at=at, schedule=rate).net_pnl
        if stop is None:
            tiny = close(trade, exit_price=Decimal("1e-30"), at=at, schedule=rate).net_pnl
            assert at_entry <= -amount or (
                side == "long" and -tiny < amount * (1 + Decimal("1e-30"))
            )
        else:
            assert (stop < entry) if side == "long" else (stop > entry)
            net = close(trade, exit_price=stop, at=at, schedule=rate).net_pnl
            assert close_to(net, -amount, rel=Decimal("1e-35"))
        target = margin_take_profit_price(trade, profit=amount, at=at, schedule=rate)
        if target is None:
            assert side == "short" or at_entry >= amount
        else:
            assert (target > entry) if side == "long" else (target < entry)
            net = close(trade, exit_price=target, at=at, schedule=rate).net_pnl
            assert close_to(net, amount, rel=Decimal("1e-35"))

    def test_none_cases(self) -> None:
        """No stop below the fees, no long loss beyond its value, no short gain beyond proceeds."""
        with_fees = seed_trade(fee_rate="0.001")
        assert (
            margin_stop_price(with_fees, loss=12, at=T0, schedule=0) is None
        )  # fees at entry: 12.006
        assert margin_stop_price(with_fees, loss=13, at=T0, schedule=0) is not None
        assert margin_take_profit_price(seed_trade(), profit=6_000, at=T0, schedule=0) is None
        long = open_long(
            1000,
            **BTC_USDT,
            leverage=2,
            price=100,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        assert margin_stop_price(long, loss=2_001, at=T0, schedule=0) is None
        assert margin_stop_price(long, loss=1_999, at=T0, schedule=0) == Decimal("0.05")

    def test_rejects(self) -> None:
        """Documented errors for a bad trade, amount or datetime."""
        with pytest.raises(InvalidInputError, match="trade"):
            margin_stop_price("x", loss=1, at=T0, schedule=0)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="loss"):
            margin_stop_price(seed_trade(), loss=0, at=T0, schedule=0)
        with pytest.raises(InvalidInputError, match="profit"):
            margin_take_profit_price(seed_trade(), profit=-1, at=T0, schedule=0)
        with pytest.raises(InvalidInputError):
            margin_stop_price(seed_trade(), loss=1, at=T0 - timedelta(hours=1), schedule=0)
        with pytest.raises(InvalidInputError, match="fee_rate"):
            margin_stop_price(seed_trade(), loss=1, at=T0, schedule=0, fee_rate=2)
        with pytest.raises(InvalidInputError, match="not both"):
            margin_stop_price(seed_trade(), loss=1, at=T0, schedule=0, hourly_rate=0)

    def test_hourly_rate_equals_schedule(self) -> None:
        """A constant hourly_rate gives the same stop as the same constant schedule."""
        at = T0 + timedelta(hours=30)
        by_rate = margin_stop_price(seed_trade(), loss=30, at=at, hourly_rate="0.0001")
        by_schedule = margin_stop_price(seed_trade(), loss=30, at=at, schedule="0.0001")
        assert by_rate == by_schedule
        assert by_rate is not None
        assert by_rate < margin_stop_price(seed_trade(), loss=30, at=at, schedule=0)  # type: ignore[operator]


class TestCheckMarginStop:
    """check_margin_stop: the stop against the trade's liquidation price (rule-spot-liquidation)."""

    def test_seed(self) -> None:
        """The seed liquidates at 81,818.18: a stop at 63,000 passes with a 29.87 % gap."""
        check = check_margin_stop(seed_trade(), stop_price=63_000)
        assert check.passed
        assert check.liquidation_price is not None
        assert round_to_step(check.liquidation_price, "0.01", "half_up") == Decimal("81818.18")
        assert not check_margin_stop(seed_trade(), stop_price=82_000).passed

    @given(
        side=sides,
        leverage=decimals("1.5", "3", places=2),
        entry=entry_prices,
        distance=distances,
        fee=fee_rates,
    )
    def test_accepted_stop_is_hit_before_liquidation(
        self, side: Side, leverage: Decimal, entry: Decimal, distance: Decimal, fee: Decimal
    ) -> None:
        """Accepted: the margin level stays above liquidation up to the stop; rejected: not."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            1000,
            **BTC_USDT,
            leverage=leverage,
            price=entry,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate=fee,
        )
        stop = stop_for(side, entry, distance)
        check = check_margin_stop(trade, stop_price=stop)
        level = BINANCE_CROSS_3X.liquidation
        if check.passed:
            for k in range(11):
                price = entry + (stop - entry) * k / 10
                ml = margin_level(trade.account, {"BTC": price})
                assert ml is not None
                assert ml > level
        else:
            ml = margin_level(trade.account, {"BTC": stop})
            assert ml is not None
            assert ml <= level

    @given(
        side=sides,
        leverage=decimals("1.5", "3", places=2),
        hours=st.integers(0, 5000),
        rate=decimals("0", "0.0002", places=6),
    )
    def test_interest_moves_liquidation_toward_entry(
        self, side: Side, leverage: Decimal, hours: int, rate: Decimal
    ) -> None:
        """With interest the margin level at the liquidation price is ML*, and it is nearer."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            1000,
            **BTC_USDT,
            leverage=leverage,
            price=30_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        at = T0 + timedelta(hours=hours)
        stop = 31_000 if side == "short" else 29_000
        check = check_margin_stop(trade, stop_price=stop, at=at, hourly_rate=rate)
        lp = check.liquidation_price
        assert lp is not None
        assert trade.liquidation_price is not None
        assert (
            (lp <= trade.liquidation_price) if side == "short" else (lp >= trade.liquidation_price)
        )
        interest = close(trade, exit_price=30_000, at=at, hourly_rate=rate).interest
        loan = Loan(asset=trade.borrowed_asset, principal=trade.borrowed, interest=interest)
        account = attrs.evolve(trade.account, loans=[loan])
        level = margin_level(account, {"BTC": lp})
        assert level is not None
        assert close_to(level, Decimal("1.1"))

    def test_at_opening_equals_the_trade(self) -> None:
        """At the opening instant with a zero rate the trade's own liquidation price is used."""
        plain = check_margin_stop(seed_trade(), stop_price=63_000)
        assert check_margin_stop(seed_trade(), stop_price=63_000, at=T0, schedule=0) == plain
        with pytest.raises(InvalidInputError, match="schedule must be stated"):
            check_margin_stop(seed_trade(), stop_price=63_000, at=T0)

    def test_rejects(self) -> None:
        """A stop on the wrong side is a documented error."""
        with pytest.raises(InvalidInputError, match="at is needed"):
            check_margin_stop(seed_trade(), stop_price=63_000, hourly_rate="0.0001")
        with pytest.raises(InvalidInputError, match="above the entry"):
            check_margin_stop(seed_trade(), stop_price=59_000)
        with pytest.raises(InvalidInputError, match="trade"):
            check_margin_stop(None, stop_price=1)  # type: ignore[arg-type]


class TestMaxMarginLeverageForStop:
    """max_margin_leverage_for_stop: the largest whole leverage whose check passes."""

    def test_seed_on_a_10x_venue(self) -> None:
        """Short 60,000, stop 63,000, liquidation at 1.1: LP = 60,000·L/(1.1·(L−1)) → 7x."""
        lev = max_margin_leverage_for_stop(
            3000, side="short", entry_price=60_000, stop_price=63_000, thresholds=TEN_X
        )
        assert lev == 7
        assert check_margin_stop(
            open_short(
                3000,
                **BTC_USDT,
                leverage=7,
                price=60_000,
                opened_at=T0,
                thresholds=TEN_X,
            ),
            stop_price=63_000,
        ).passed
        assert not check_margin_stop(
            open_short(
                3000,
                **BTC_USDT,
                leverage=8,
                price=60_000,
                opened_at=T0,
                thresholds=TEN_X,
            ),
            stop_price=63_000,
        ).passed

    @pytest.mark.parametrize(
        ("thresholds", "expected"),
        [(BINANCE_CROSS_3X, 3), (BINANCE_CROSS_5X, 5), (BINANCE_ISOLATED_10X_TIER1, 10)],
        ids=["cross-3x", "cross-5x", "isolated-10x"],
    )
    def test_presets(self, thresholds: MarginThresholds, expected: int) -> None:
        """Capped by the venue; isolated 10x (liquidation 1.05) liquidates at 63,492 at 10x."""
        lev = max_margin_leverage_for_stop(
            3000, side="short", entry_price=60_000, stop_price=63_000, thresholds=thresholds
        )
        assert lev == expected

    def test_tier_table(self) -> None:
        """An isolated tier table: a big loan falls in a tier with a lower max leverage."""
        table = IsolatedTierTable(
            tiers=[
                IsolatedTier(
                    tier=1, thresholds=TEN_X, base_borrow_limit="0.5", quote_borrow_limit=10**6
                ),
                IsolatedTier(
                    tier=2,
                    thresholds=BINANCE_CROSS_5X,
                    base_borrow_limit=1,
                    quote_borrow_limit=10**6,
                ),
            ]
        )
        lev = max_margin_leverage_for_stop(
            10_000, side="short", entry_price=60_000, stop_price=61_000, thresholds=table
        )
        assert lev == 5  # 5x borrows 0.667 BTC (tier 2, max 5x); 6x is above tier 2's max

    def test_bisection_for_huge_ranges(self) -> None:
        """Up to 10⁸x: LP = EP·L/(L − 1) at ML* = 1 stays above 63,000 while L < 21."""
        kwargs: dict[str, Any] = {"side": "short", "entry_price": 60_000, "thresholds": LOOSE}
        assert max_margin_leverage_for_stop(3000, stop_price=63_000, **kwargs) == 20
        assert max_margin_leverage_for_stop(3000, stop_price="60000.0001", **kwargs) == 10**8
        assert max_margin_leverage_for_stop(3000, stop_price=130_000, **kwargs) is None

    def test_long_and_none(self) -> None:
        """A long: LP = 1.1·B/Q is 22,000 at 3x and 16,500 at 2x; below that, None."""
        mid = max_margin_leverage_for_stop(
            1000, side="long", entry_price=30_000, stop_price=20_000, thresholds=BINANCE_CROSS_3X
        )
        assert mid == 2
        far = max_margin_leverage_for_stop(
            1000, side="long", entry_price=30_000, stop_price=16_000, thresholds=BINANCE_CROSS_3X
        )
        assert far is None
        near = max_margin_leverage_for_stop(
            1000, side="long", entry_price=30_000, stop_price=29_000, thresholds=BINANCE_CROSS_3X
        )
        assert near == 3

    @given(
        side=sides,
        entry=entry_prices,
        distance=decimals("0.005", "0.6", places=3),
        fee=fee_rates,
        buffer=decimals("0", "0.05", places=3),
    )
    def test_one_step_higher_fails(
        self, side: Side, entry: Decimal, distance: Decimal, fee: Decimal, buffer: Decimal
    ) -> None:
        """The result passes; L + 1 fails the check or cannot be opened."""
        stop = stop_for(side, entry, distance)
        lev = max_margin_leverage_for_stop(
            1000,
            side=side,
            entry_price=entry,
            stop_price=stop,
            thresholds=TEN_X,
            fee_rate=fee,
            buffer=buffer,
        )
        opener = open_short if side == "short" else open_long
        if lev is not None:
            trade = opener(
                1000,
                **BTC_USDT,
                leverage=lev,
                price=entry,
                opened_at=T0,
                thresholds=TEN_X,
                fee_rate=fee,
            )
            assert check_margin_stop(trade, stop_price=stop, buffer=buffer).passed
        higher = 2 if lev is None else lev + 1
        if higher > 10:
            return
        trade = opener(
            1000,
            **BTC_USDT,
            leverage=higher,
            price=entry,
            opened_at=T0,
            thresholds=TEN_X,
            fee_rate=fee,
        )
        assert not check_margin_stop(trade, stop_price=stop, buffer=buffer).passed

    def test_rejects(self) -> None:
        """Bad thresholds and wrong-side stops are documented errors."""
        with pytest.raises(InvalidInputError, match="thresholds"):
            max_margin_leverage_for_stop(
                1,
                side="short",
                entry_price=2,
                stop_price=3,
                thresholds=None,  # type: ignore[arg-type]
            )
        with pytest.raises(InvalidInputError, match="above the entry"):
            max_margin_leverage_for_stop(
                1, side="short", entry_price=2, stop_price=1, thresholds=TEN_X
            )


class TestMarginLiquidationOutcome:
    """margin_liquidation_outcome: equity (ML* − 1)·D less the clearance fee."""

    def test_seed(self) -> None:
        """Seed at 1.1 and 2 %: equity 818.18, fee 163.64, 654.55 returned, 2,345.45 lost."""
        result = margin_liquidation_outcome(seed_trade())
        assert result is not None
        assert round_to_step(result.equity_at_liquidation, "0.01", "half_up") == Decimal("818.18")
        assert round_to_step(result.liquidation_fee, "0.01", "half_up") == Decimal("163.64")
        assert round_to_step(result.remaining, "0.01", "half_up") == Decimal("654.55")
        assert round_to_step(result.loss, "0.01", "half_up") == Decimal("2345.45")
        assert result.anything_remains

    def test_pro_rate_and_constants(self) -> None:
        """The published rates; a fee above ML* − 1 leaves nothing."""
        assert Decimal("0.02") == SPOT_LIQUIDATION_FEE_RATE
        assert Decimal("0.03") == PRO_LIQUIDATION_FEE_RATE
        pro = margin_liquidation_outcome(
            seed_trade(), liquidation_fee_rate=PRO_LIQUIDATION_FEE_RATE
        )
        assert pro is not None
        assert pro.remaining < 654
        wiped = margin_liquidation_outcome(seed_trade(), liquidation_fee_rate="0.2")
        assert wiped is not None
        assert wiped.remaining == 0
        assert wiped.loss_fraction == 1
        assert not wiped.anything_remains

    @given(side=sides, leverage=decimals("1.5", "3", places=2), entry=entry_prices)
    def test_equity_is_level_minus_one_times_debt(
        self, side: Side, leverage: Decimal, entry: Decimal
    ) -> None:
        """At the liquidation price equity = (ML* − 1)·D and the fee is 2 % of D."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            1000,
            **BTC_USDT,
            leverage=leverage,
            price=entry,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        result = margin_liquidation_outcome(trade)
        assert result is not None
        debt = result.liquidation_fee / SPOT_LIQUIDATION_FEE_RATE
        assert close_to(result.equity_at_liquidation, Decimal("0.1") * debt)
        assert result.loss + result.remaining == trade.collateral

    def test_none_without_liquidation(self) -> None:
        """A trade without a liquidation price has no outcome."""
        trade = attrs.evolve(seed_trade(), liquidation_price=None)
        assert margin_liquidation_outcome(trade) is None

    def test_rejects(self) -> None:
        """Documented errors."""
        with pytest.raises(InvalidInputError, match="liquidation_fee_rate"):
            margin_liquidation_outcome(seed_trade(), liquidation_fee_rate=-1)


class TestMarginScenarios:
    """margin_scenarios: rows agree with margin_level / close at every (hour, price)."""

    @given(
        side=sides,
        leverage=decimals("1.5", "3", places=2),
        grid=st.lists(decimals("1000", "100000", places=2), min_size=1, max_size=6),
        hours=st.lists(st.integers(0, 500), min_size=1, max_size=4),
        rate=decimals("0", "0.0002", places=6),
    )
    def test_rows_agree_with_scalar_functions(
        self,
        side: Side,
        leverage: Decimal,
        grid: list[Decimal],
        hours: list[int],
        rate: Decimal,
    ) -> None:
        """Each row equals close() and margin_level() with the interest accrued by then."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            3000,
            **BTC_USDT,
            leverage=leverage,
            price=30_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate="0.001",
        )
        rows = margin_scenarios(trade, prices=grid, hours=hours, schedule=rate)
        assert len(rows) == len(grid) * len(hours)
        expected_keys = [(h, p) for h in hours for p in grid]
        assert [(r.hours, r.price) for r in rows] == expected_keys
        for row in rows:
            at = T0 + timedelta(hours=row.hours)
            pnl = close(trade, exit_price=row.price, at=at, schedule=rate)
            assert row.at == at
            assert row.pnl == pnl.net_pnl
            assert row.roe == pnl.roi
            assert row.interest == pnl.interest
            loan = Loan(asset=trade.borrowed_asset, principal=trade.borrowed, interest=pnl.interest)
            account = attrs.evolve(trade.account, loans=[loan])
            level = margin_level(account, {"BTC": row.price})
            assert row.margin_level == level
            assert row.status == margin_status(level, BINANCE_CROSS_3X)
            assert row.liquidated == (level is not None and level <= Decimal("1.1"))
            held = account.base_balance * row.price + account.quote_balance
            owed = loan.total * (row.price if side == "short" else 1)
            assert row.equity == held - owed

    def test_interest_liquidates_later(self) -> None:
        """At 81,000 the seed is safe at opening but liquidated after a year of 0.01 %/h."""
        rows = margin_scenarios(
            seed_trade(), prices=[81_000], hours=[0, 24 * 365], schedule="0.0001"
        )
        assert [r.liquidated for r in rows] == [False, True]
        assert attrs.asdict(rows[1])["hours"] == 8760

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"prices": []}, "prices must not be empty"),
            ({"prices": [1], "hours": []}, "hours must not be empty"),
            ({"prices": [1], "hours": [-1]}, "hours"),
            ({"prices": [1], "hours": [True]}, "hours"),
            ({"prices": [1], "hours": "1"}, "hours"),
            ({"prices": [1], "counting": "daily", "schedule": 0}, "counting"),
            ({"prices": [1]}, "schedule must be stated"),
        ],
        ids=["empty-prices", "empty-hours", "negative", "bool", "str", "counting", "no-rate"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Empty grids and bad hours are documented errors."""
        with pytest.raises(InvalidInputError, match=match):
            margin_scenarios(seed_trade(), **kwargs)

    def test_row_validation(self) -> None:
        """Rows validate their own fields."""
        with pytest.raises(InvalidInputError, match="status"):
            MarginScenario(
                hours=0,
                at=T0,
                price=1,
                interest=0,
                equity=0,
                pnl=0,
                roe=0,
                margin_level=None,
                status="FINE",  # type: ignore[arg-type]
                liquidated=False,
            )


# ----------------------------------------------------------------- stress


def two_asset_account() -> CrossMarginAccount:
    """1 BTC and 10 ETH bought with 10,000 USDT own and 40,000 USDT borrowed."""
    return CrossMarginAccount(
        balances={"BTC": 1, "ETH": 10}, loans=[Loan(asset="USDT", principal=40_000)]
    )


PRICES = {"BTC": 30_000, "ETH": 2_000}


class TestStress:
    """stress_margin_account and the moves to liquidation.

    Rule: rule-margin-level–rule-spot-liquidation.
    """

    def test_uniform_and_per_asset_shocks(self) -> None:
        """A uniform −12 % reaches 1.1 exactly; a per-asset shock moves only that asset."""
        rows = stress_margin_account(
            two_asset_account(),
            prices=PRICES,
            shocks=["-0.05", "-0.12", {"BTC": "-0.5"}],
            thresholds=BINANCE_CROSS_3X,
        )
        assert [r.margin_level for r in rows] == [
            Decimal(47500) / Decimal(40000),
            Decimal("1.1"),
            Decimal(35000) / Decimal(40000),
        ]
        assert [r.liquidated for r in rows] == [False, True, True]
        assert rows[2].prices == {"BTC": Decimal("15000.0"), "ETH": Decimal(2000)}
        assert rows[2].moves == {"BTC": Decimal("-0.5")}
        assert rows[0].equity == Decimal("7500.00")
        assert hash(rows[0]) == hash(rows[0])
        assert "BTC" in repr(rows[2].moves)

    def test_uniform_move_example(self) -> None:
        """(1.1 · 40,000) / 50,000 − 1 = −12 %."""
        move = uniform_move_to_liquidation(
            two_asset_account(), prices=PRICES, liquidation_level="1.1"
        )
        assert move == Decimal("-0.12")

    @given(
        btc=decimals("0.01", "10", places=2),
        eth=decimals("0", "100", places=2),
        usdt=decimals("0", "100000", places=2),
        debt_usdt=decimals("0", "100000", places=2),
        debt_btc=decimals("0", "5", places=3),
        p_btc=decimals("1000", "100000", places=2),
        p_eth=decimals("100", "5000", places=2),
    )
    def test_uniform_move_reaches_the_level(
        self,
        *,
        btc: Decimal,
        eth: Decimal,
        usdt: Decimal,
        debt_usdt: Decimal,
        debt_btc: Decimal,
        p_btc: Decimal,
        p_eth: Decimal,
    ) -> None:
        """At prices × (1 + move) the margin level is exactly the liquidation level."""
        loans = [Loan(asset="USDT", principal=debt_usdt), Loan(asset="BTC", principal=debt_btc)]
        acct = CrossMarginAccount(balances={"BTC": btc, "ETH": eth, "USDT": usdt}, loans=loans)
        prices = {"BTC": p_btc, "ETH": p_eth}
        try:
            move = uniform_move_to_liquidation(acct, prices=prices, liquidation_level="1.1")
        except AlreadyLiquidatedError as crossed:  # at or below the level now: said aloud
            now = margin_level(acct, prices)
            assert now is not None
            assert now <= Decimal("1.1")
            move = crossed.price
        except AlwaysLiquidatedError:
            return
        if move is None:
            return
        assert move > -1
        shocked = {a: p * (1 + move) for a, p in prices.items()}
        level = margin_level(acct, shocked)
        assert level is not None
        assert close_to(level, Decimal("1.1"))
        (row,) = stress_margin_account(
            acct, prices=prices, shocks=[move], thresholds=BINANCE_CROSS_3X
        )
        assert row.margin_level is not None
        assert close_to(row.margin_level, Decimal("1.1"))

    def test_uniform_move_none(self) -> None:
        """No liabilities, or a zero denominator: no move liquidates."""
        assert (
            uniform_move_to_liquidation(
                CrossMarginAccount(balances={"BTC": 1}), prices={"BTC": 1}, liquidation_level="1.1"
            )
            is None
        )
        balanced = CrossMarginAccount(
            balances={"BTC": "1.1", "USDT": 5}, loans=[Loan(asset="BTC", principal=1)]
        )
        assert (
            uniform_move_to_liquidation(balanced, prices={"BTC": 1}, liquidation_level="1.1")
            is None
        )

    def test_asset_moves(self) -> None:
        """BTC alone may fall 20 %, ETH alone 30 %: BTC liquidates first."""
        moves = asset_moves_to_liquidation(
            two_asset_account(), prices=PRICES, liquidation_level="1.1"
        )
        assert [(m.asset, m.move) for m in moves] == [
            ("BTC", Decimal("-0.2")),
            ("ETH", Decimal("-0.3")),
        ]
        for m in moves:
            assert m.liquidation_price == liquidation_price(
                two_asset_account(), asset=m.asset, prices=PRICES, liquidation_level="1.1"
            )

    def test_asset_without_liquidation_comes_last(self) -> None:
        """An asset whose move cannot liquidate (None) is listed after the others."""
        acct = CrossMarginAccount(
            balances={"BTC": 1, "USDT": 30_000}, loans=[Loan(asset="ETH", principal=10)]
        )
        moves = asset_moves_to_liquidation(
            acct, prices={"BTC": 30_000, "ETH": 2_000}, liquidation_level="1.1"
        )
        assert [m.asset for m in moves] == ["ETH", "BTC"]
        assert moves[0].liquidation_price == Decimal(60_000) / Decimal(11)
        assert moves[-1].move is None
        assert isinstance(moves[0], AssetMove)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"shocks": []}, "shocks must not be empty"),
            ({"shocks": "0.1"}, "shocks"),
            ({"shocks": [-1]}, "above -1"),
            ({"shocks": [{"SOL": "0.1"}]}, "SOL"),
            ({"shocks": [{"BTC": "-2"}]}, "above -1"),
            ({"prices": {"BTC": 1}}, "ETH"),
            ({"prices": [1]}, "prices"),
            ({"prices": {"BTC": 0, "ETH": 1}}, "BTC"),
            ({"thresholds": "3x"}, "thresholds"),
        ],
        ids=[
            "empty",
            "str",
            "minus-100",
            "unknown",
            "map-minus-200",
            "missing",
            "list",
            "zero",
            "thr",
        ],
    )
    def test_stress_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Empty shock lists and bad shocks or prices are documented errors."""
        options: dict[str, Any] = {
            "prices": PRICES,
            "shocks": ["-0.1"],
            "thresholds": BINANCE_CROSS_3X,
            **kwargs,
        }
        with pytest.raises(InvalidInputError, match=match):
            stress_margin_account(two_asset_account(), **options)

    def test_isolated_account_and_bad_account(self) -> None:
        """Isolated accounts stress too; other objects are documented errors."""
        iso = IsolatedMarginAccount(
            base="BTC", quote="USDT", quote_balance=9000, loans=[Loan(asset="BTC", principal="0.1")]
        )
        move = uniform_move_to_liquidation(iso, prices={"BTC": 60_000}, liquidation_level="1.1")
        assert move is not None
        assert close_to(move, Decimal(9000) / Decimal(6600) - 1)
        with pytest.raises(InvalidInputError, match="account"):
            asset_moves_to_liquidation("acct", prices={}, liquidation_level=1)  # type: ignore[arg-type]

    def test_row_validation(self) -> None:
        """Rows validate and convert their fields."""
        with pytest.raises(InvalidInputError):
            StressRow(
                moves=[],  # type: ignore[arg-type]
                prices={},
                equity=0,
                margin_level=None,
                status="NORMAL",
                liquidated=False,
            )
        with pytest.raises(InvalidInputError):
            StressRow(
                moves={1: 1},  # type: ignore[dict-item]
                prices={},
                equity=0,
                margin_level=None,
                status="NORMAL",
                liquidated=False,
            )
        row = StressRow(
            moves={"BTC": "0.1"},
            prices={},
            equity=0,
            margin_level=None,
            status="NORMAL",
            liquidated=False,
        )
        assert row.moves == {"BTC": Decimal("0.1")}
        assert row.moves["BTC"] == Decimal("0.1")
        assert list(row.moves) == ["BTC"]
        assert len(row.moves) == 1
        assert row.moves != 1


# ----------------------------------------------------------------- value objects and fuzz


class TestResultObjects:
    """Result objects validate their fields with documented errors."""

    def test_stop_check_validation(self) -> None:
        """A StopCheck with a bad side or a non-bool verdict is rejected."""
        base: dict[str, Any] = {
            "side": "long",
            "entry_price": 1,
            "stop_price": 1,
            "liquidation_price": None,
            "buffer": 0,
            "liquidation_distance": None,
            "liquidation_distance_fraction": None,
            "stop_gap": None,
            "stop_gap_fraction": None,
            "passed": True,
        }
        assert StopCheck(**base).passed
        with pytest.raises(InvalidInputError, match="side"):
            StopCheck(**{**base, "side": "up"})
        with pytest.raises(InvalidInputError, match="passed"):
            StopCheck(**{**base, "passed": 1})

    def test_outcome_validation(self) -> None:
        """A LiquidationOutcome rejects a negative remainder."""
        with pytest.raises(InvalidInputError, match="remaining"):
            LiquidationOutcome(
                liquidation_price=1,
                collateral=1,
                equity_at_liquidation=0,
                liquidation_fee=0,
                remaining=-1,
                loss=1,
                loss_fraction=1,
                anything_remains=False,
            )


JUNK: list[object] = [
    None,
    True,
    0,
    -1,
    "0",
    "abc",
    float("nan"),
    float("inf"),
    Decimal("1e-40"),
    Decimal("1e30"),
    Decimal("-0"),
    [],
    {},
    (),
    "long",
    "short",
    Decimal("0.5"),
    60_000,
    63_000,
    T0,
]


@given(
    data=st.data(),
    func=st.sampled_from(
        [
            check_stop,
            risk_reward_ratio,
            futures_position_size,
            futures_stop_price,
            futures_take_profit_price,
            check_futures_stop,
            max_futures_leverage_for_stop,
            futures_liquidation_outcome,
            futures_scenarios,
            margin_position_size,
            margin_stop_price,
            margin_take_profit_price,
            check_margin_stop,
            max_margin_leverage_for_stop,
            margin_liquidation_outcome,
            margin_scenarios,
            stress_margin_account,
            uniform_move_to_liquidation,
            asset_moves_to_liquidation,
            stress_futures_account,
            futures_uniform_move_to_liquidation,
            symbol_moves_to_liquidation,
        ]
    ),
)
def test_fuzz_only_levrisk_errors(data: st.DataObject, func: Any) -> None:
    """Any mix of junk and plausible arguments: a result, None, or a LevriskError."""
    import inspect  # noqa: PLC0415 - only this test needs it

    pool = st.sampled_from(
        [*JUNK, BTC, BTCUSD, seed_position(), seed_trade(), two_asset_account(), PRICES, TEN_X]
    )
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for param in inspect.signature(func).parameters.values():
        if param.default is not param.empty and data.draw(st.booleans()):
            continue
        value = data.draw(pool)
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    with contextlib.suppress(LevriskError):
        func(*args, **kwargs)


# ----------------------------------------------------------------- futures cross-account stress

ETHUSDT = Contract(
    symbol="ETHUSDT",
    kind="linear",
    brackets=BracketTable.from_rates(
        caps=[10_000, 100_000, 500_000, 5_000_000],
        maintenance_rates=["0.005", "0.0065", "0.01", "0.02"],
        max_leverages=[100, 75, 50, 20],
    ),
)
BTCUSD_QUARTER = Contract(  # a second BTC-margined contract: one wallet, one coin
    symbol="BTCUSD_250627",
    kind="inverse",
    contract_size=10,
    brackets=BracketTable.from_rates(
        caps=[5, 50, 500], maintenance_rates=["0.005", "0.01", "0.02"], max_leverages=[75, 50, 20]
    ),
    margin_asset="BTC",
)


@st.composite
def cross_accounts(draw: st.DrawFn) -> tuple[Any, dict[str, Decimal]]:
    """A linear or inverse one-way cross account of one or two symbols, and its marks."""
    inverse = draw(st.booleans())
    contracts = [BTCUSD, BTCUSD_QUARTER] if inverse else [BTC, ETHUSDT]
    count = draw(st.integers(1, 2))
    positions = []
    marks: dict[str, Decimal] = {}
    for contract in contracts[:count]:
        entry = draw(decimals("2000" if inverse else "1000", "60000", places=2))
        size = draw(st.integers(1, 300)) if inverse else draw(decimals("0.01", "20", places=2))
        side = draw(sides)
        positions.append(
            Position(contract=contract, side=side, size=size, entry_price=entry, leverage=1)
        )
        marks[contract.symbol] = entry * (1 + draw(decimals("-0.3", "0.3", places=3)))
    wallet = draw(decimals("0", "2", places=4) if inverse else decimals("0", "100000", places=2))
    return CrossAccount(wallet_balance=wallet, positions=positions), marks


class TestFuturesStress:
    """stress_futures_account and the moves to liquidation.

    Rule: rule-futures-margin-pnl–rule-futures-liquidation-inverse.
    """

    def test_rows(self) -> None:
        """Uniform and per-symbol shocks; each row equals cross_margin_ratio at its marks."""
        btc = Position(contract=BTC, side="long", size="0.5", entry_price=60_000, leverage=10)
        eth = Position(contract=ETHUSDT, side="short", size=5, entry_price=3_000, leverage=10)
        account = CrossAccount(wallet_balance=5_000, positions=[btc, eth])
        marks = {"BTCUSDT": 60_000, "ETHUSDT": 3_000}
        rows = stress_futures_account(
            account, mark_prices=marks, shocks=["-0.1", {"ETHUSDT": "0.5"}, {"BTCUSDT": "-0.05"}]
        )
        assert rows[0].mark_prices == {"BTCUSDT": Decimal(54_000), "ETHUSDT": Decimal(2_700)}
        assert rows[0].margin_balance == 5_000 - 3_000 + 1_500
        assert rows[1].moves == {"ETHUSDT": Decimal("0.5")}
        assert rows[1].margin_balance == 5_000 - 7_500
        assert rows[1].status == "BANKRUPT"
        for row in rows:
            assert row.margin_ratio == cross_margin_ratio(account, mark_prices=row.mark_prices)
            assert row.maintenance_margin == maintenance_margin(
                btc, mark_price=row.mark_prices["BTCUSDT"]
            ) + maintenance_margin(eth, mark_price=row.mark_prices["ETHUSDT"])
            assert row.liquidated == (row.status != "NORMAL")
        assert [r.status for r in rows] == ["NORMAL", "BANKRUPT", "NORMAL"]

    def test_uniform_equals_symbol_move_for_one_position(self) -> None:
        """One position: the uniform move is the move to its cross liquidation price."""
        pos = Position(contract=BTC, side="long", size="0.02", entry_price=50_000, leverage=2)
        account = CrossAccount(wallet_balance=500, positions=[pos])
        marks = {"BTCUSDT": 50_000}
        move = futures_uniform_move_to_liquidation(account, mark_prices=marks)
        (row,) = symbol_moves_to_liquidation(account, mark_prices=marks)
        lp = cross_liquidation_price(account, "BTCUSDT", mark_prices=marks)
        assert lp is not None
        assert move is not None
        assert close_to(move, lp / 50_000 - 1)
        assert row.move == lp / Decimal(50_000) - 1
        assert row.liquidation_price == lp

    def test_hedged_book_liquidates_both_ways(self) -> None:
        """A hedge-mode long and short: the nearest of the rise and the fall is returned."""
        long = Position(contract=BTC, side="long", size=2, entry_price=60_000, leverage=10)
        short = Position(contract=BTC, side="short", size=1, entry_price=60_000, leverage=10)
        account = CrossAccount(wallet_balance=3_000, positions=[long, short], position_mode="hedge")
        move = futures_uniform_move_to_liquidation(account, mark_prices={"BTCUSDT": 60_000})
        assert move is not None
        assert move < 0
        shocked = {"BTCUSDT": 60_000 * (1 + move)}
        ratio = cross_margin_ratio(account, mark_prices=shocked)
        assert ratio is not None
        assert close_to(ratio, Decimal(1))

    def test_none(self) -> None:
        """No position, or no move that liquidates: None."""
        empty = CrossAccount(wallet_balance=100, positions=[])
        assert futures_uniform_move_to_liquidation(empty, mark_prices={}) is None
        assert symbol_moves_to_liquidation(empty, mark_prices={}) == ()
        flat = Position(contract=BTC, side="long", size="0.001", entry_price=60_000, leverage=1)
        rich = CrossAccount(wallet_balance=10**6, positions=[flat])
        assert futures_uniform_move_to_liquidation(rich, mark_prices={"BTCUSDT": 60_000}) is None
        (row,) = symbol_moves_to_liquidation(rich, mark_prices={"BTCUSDT": 60_000})
        assert row.move is None

    def test_flat_segment(self) -> None:
        """Balance ≡ maintenance on a segment, below beyond: liquidated at every move."""
        btc = Position(contract=BTC, side="long", size=1, entry_price=1_005, leverage=1)
        eth = Position(contract=ETHUSDT, side="short", size=1, entry_price=996, leverage=1)
        marks = {"BTCUSDT": 1_005, "ETHUSDT": 996}
        # slope 1,005·(1 − 0.004) − 996·(1 + 0.005) = 0 and intercept 9 − 1,005 + 996 = 0
        on_edge = CrossAccount(wallet_balance=9, positions=[btc, eth])
        # The margin ratio is 100 % on the flat segment and above it beyond: never below.
        for at in (marks, {"BTCUSDT": Decimal(20_100), "ETHUSDT": Decimal(19_920)}):
            with pytest.raises(AlwaysLiquidatedError):
                futures_uniform_move_to_liquidation(on_edge, mark_prices=at)
        richer = CrossAccount(wallet_balance=10, positions=[btc, eth])
        move = futures_uniform_move_to_liquidation(richer, mark_prices=marks)
        assert move is not None
        assert move > 0

    @given(data=cross_accounts())
    def test_uniform_move_is_the_nearest_crossing(
        self, data: tuple[Any, dict[str, Decimal]]
    ) -> None:
        """At the move the margin ratio is 100 %; no smaller move in either direction reaches it."""
        account, marks = data
        start = cross_margin_ratio(account, mark_prices=marks)
        if start is None or start >= 1:
            reject()
        move = futures_uniform_move_to_liquidation(account, mark_prices=marks)
        if move is None:
            return
        shocked = {s: p * (1 + move) for s, p in marks.items()}
        balance = account.wallet_balance + sum(
            (unrealized_pnl(p, mark_price=shocked[p.contract.symbol]) for p in account.positions),
            Decimal(0),
        )
        mm = sum(
            (
                maintenance_margin(p, mark_price=shocked[p.contract.symbol])
                for p in account.positions
            ),
            Decimal(0),
        )
        assert close_to(balance, mm, rel=Decimal("1e-30"))
        for step in range(1, 20):
            inner = abs(move) * step / 20
            for x in (inner, -inner):
                if x <= -1:
                    continue
                ratio = cross_margin_ratio(
                    account, mark_prices={s: p * (1 + x) for s, p in marks.items()}
                )
                assert ratio is not None
                assert ratio < 1

    @given(data=cross_accounts())
    def test_symbol_moves_agree(self, data: tuple[Any, dict[str, Decimal]]) -> None:
        """Each symbol's move is its cross liquidation price over its mark, nearest first."""
        account, marks = data
        ratio = cross_margin_ratio(account, mark_prices=marks)
        if ratio is None or ratio >= 1:  # at or past liquidation at the marks: said aloud
            with pytest.raises(AlreadyLiquidatedError, match="at the marks given"):
                symbol_moves_to_liquidation(account, mark_prices=marks)
            return
        rows = symbol_moves_to_liquidation(account, mark_prices=marks)
        assert sorted(r.asset for r in rows) == sorted(marks)
        for row in rows:
            lp = cross_liquidation_price(account, row.asset, mark_prices=marks)
            assert row.liquidation_price == lp
        sizes = [abs(r.move) for r in rows if r.move is not None]
        assert sizes == sorted(sizes)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"shocks": []}, "shocks must not be empty"),
            ({"shocks": "0.1"}, "shocks"),
            ({"shocks": [-1]}, "above -1"),
            ({"shocks": [{"ETHUSDT": "0.1"}]}, "ETHUSDT"),
            ({"shocks": [{"BTCUSDT": "-1.5"}]}, "above -1"),
            ({"mark_prices": {}}, "BTCUSDT"),
            ({"mark_prices": [1]}, "mark_prices"),
            ({"mark_prices": {"BTCUSDT": -5}}, "BTCUSDT"),
        ],
        ids=[
            "empty",
            "str",
            "minus-100",
            "unknown",
            "map-minus-150",
            "missing",
            "list",
            "negative",
        ],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Empty shock lists and bad shocks or marks are documented errors."""
        pos = Position(contract=BTC, side="long", size="0.02", entry_price=50_000, leverage=2)
        account = CrossAccount(wallet_balance=500, positions=[pos])
        options: dict[str, Any] = {"mark_prices": {"BTCUSDT": 50_000}, "shocks": ["-0.1"], **kwargs}
        with pytest.raises(InvalidInputError, match=match):
            stress_futures_account(account, **options)
        with pytest.raises(InvalidInputError, match="account"):
            futures_uniform_move_to_liquidation("acct", mark_prices={})  # type: ignore[arg-type]

    def test_row_validation(self) -> None:
        """Rows validate their fields."""
        with pytest.raises(InvalidInputError, match="status"):
            FuturesStressRow(
                moves={},
                mark_prices={},
                margin_balance=0,
                maintenance_margin=0,
                margin_ratio=None,
                status="OK",  # type: ignore[arg-type]
                liquidated=True,
            )


class TestRegularNames:
    """The risk face keeps every old name as an alias of the regular one (issue 12)."""

    @pytest.mark.parametrize(
        ("old", "module", "regular"),
        [
            ("futures_position_size", "futures", "position_size"),
            ("futures_stop_price", "futures", "stop_price"),
            ("futures_take_profit_price", "futures", "take_profit_price"),
            ("check_futures_stop", "futures", "check_stop"),
            ("max_futures_leverage_for_stop", "futures", "max_leverage_for_stop"),
            ("max_futures_size_for_stop", "futures", "max_size_for_stop"),
            ("futures_liquidation_outcome", "futures", "liquidation_outcome"),
            ("FuturesScenario", "futures", "Scenario"),
            ("futures_scenarios", "futures", "scenarios"),
            ("FuturesStressRow", "futures", "StressRow"),
            ("stress_futures_account", "futures", "stress"),
            ("futures_uniform_move_to_liquidation", "futures", "uniform_move_to_liquidation"),
            ("symbol_moves_to_liquidation", "futures", "moves_to_liquidation"),
            ("margin_position_size", "margin", "position_size"),
            ("margin_stop_price", "margin", "stop_price"),
            ("margin_take_profit_price", "margin", "take_profit_price"),
            ("check_margin_stop", "margin", "check_stop"),
            ("max_margin_leverage_for_stop", "margin", "max_leverage_for_stop"),
            ("max_margin_size_for_stop", "margin", "max_size_for_stop"),
            ("margin_liquidation_outcome", "margin", "liquidation_outcome"),
            ("MarginScenario", "margin", "Scenario"),
            ("margin_scenarios", "margin", "scenarios"),
            ("StressRow", "margin", "StressRow"),
            ("stress_margin_account", "margin", "stress"),
            ("uniform_move_to_liquidation", "margin", "uniform_move_to_liquidation"),
            ("asset_moves_to_liquidation", "margin", "moves_to_liquidation"),
        ],
    )
    def test_old_name_is_the_regular_object(self, old: str, module: str, regular: str) -> None:
        """``levrisk.risk.<old>`` is ``levrisk.risk.<market>.<regular>`` itself."""
        import levrisk.risk  # noqa: PLC0415 - the face under test

        market = getattr(levrisk.risk, module)
        assert getattr(levrisk.risk, old) is getattr(market, regular)
        assert regular in market.__all__
        assert old in dir(levrisk.risk)

    def test_markets_share_the_names(self) -> None:
        """risk.futures and risk.margin publish the same regular names."""
        from levrisk.risk import futures, margin  # noqa: PLC0415 - the submodules under test

        assert futures.__all__ == margin.__all__

    def test_interest_rate_is_a_deprecated_alias(self) -> None:
        """The old ``interest_rate=`` warns and gives what ``interest_fraction=`` gives.

        Both at once, or a bad old value, is refused.
        """
        terms: dict[str, Any] = {
            "entry_price": 100,
            "stop_price": "99.5",
            "equity": 10_000,
            "risk_fraction": "0.01",
        }
        with pytest.warns(DeprecationWarning, match="interest_fraction"):
            old = margin_position_size("long", **terms, interest_rate="0.01")
        assert old == margin_position_size("long", **terms, interest_fraction="0.01")
        with pytest.raises(InvalidInputError, match="not both"):
            margin_position_size("long", **terms, interest_rate=0, interest_fraction=0)
        with (
            pytest.warns(DeprecationWarning, match="interest_fraction"),
            pytest.raises(InvalidInputError, match="interest_rate"),
        ):
            margin_position_size("long", **terms, interest_rate=-1)

    def test_hourly_rate_is_checked_by_its_name(self) -> None:
        """A bad ``hourly_rate`` is reported as ``hourly_rate`` (it is passed on as schedule)."""
        with pytest.raises(InvalidInputError, match="hourly_rate must not be negative"):
            margin_stop_price(seed_trade(), loss=30, at=T0, hourly_rate="-1")


# ----------------------------------------------------------------- the largest size for a stop

SIZE_TABLE = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000],
    maintenance_rates=["0.004", "0.005", "0.01"],
    max_leverages=[125, 100, 50],
)
SIZE_TERMS: dict[str, Any] = {"side": "long", "entry_price": 62_000, "stop_price": 60_000}
"""The issue's long: entry 62,000, stop 60,000."""
SIZE_BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"margin": 0}, "margin"),
    ({"buffer": -1}, "buffer"),
]
SIZE_BAD_INPUT += [({"rule": "binance"}, "rule"), ({"stop_price": 63_000}, "stop")]
SIZE_RULES = (
    LiquidationRule(),
    LiquidationRule(maintenance_basis="entry"),
    LiquidationRule(close_fee="mark", fee_rate="0.0005"),
    LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.00055"),
)


def _liquidation(
    contract: Contract, side: Literal["long", "short"], size: Decimal, entry: Decimal, **terms: Any
) -> Decimal | str | None:
    """The isolated liquidation price at ``size`` (leverage 1: the margin is given), or why none."""
    try:
        position = Position(contract=contract, side=side, size=size, entry_price=entry, leverage=1)
        return isolated_liquidation_price(position, **terms)
    except (AlreadyLiquidatedError, AlwaysLiquidatedError):
        return "liquidated"
    except LevriskError:  # beyond the table
        return "refused"


class TestMaxSizeForStop:
    """``max_size_for_stop``: the largest continuous size for a stop.

    Rules: rule-futures-max-size-for-stop, rule-spot-max-size-for-stop.
    """

    def test_the_issue_example(self) -> None:
        """Long at 62,000, stop 60,000, 1,000 USDT: 27x holds 0.435 BTC, the size ~0.4464 BTC."""
        table = BracketTable.from_rates(
            caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        )
        btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        terms = SIZE_TERMS
        q = max_futures_size_for_stop(btc, **terms, margin=1_000)
        # 1000 / (62000 - 60000 + 0.004 * 60000), exactly, rounded down at 50 digits
        with localcontext(Context(prec=PRECISION, rounding="ROUND_FLOOR")):
            assert q == Decimal(1000) / Decimal(2240)
        assert round(q, 4) == Decimal("0.4464")
        lev = max_futures_leverage_for_stop(btc, **terms, margin=1_000)
        assert lev == 27  # the whole leverage holds 27 · 1000 / 62,000 ≈ 0.435 BTC, less
        lp = _liquidation(btc, "long", q, Decimal(62_000), margin=1_000)
        assert isinstance(lp, Decimal)
        assert lp >= 60_000
        assert round(lp, 30) == 60_000
        lots = max_futures_size_for_stop(btc, **terms, margin=1_000, lot_step="0.001")
        assert lots == Decimal("0.446")

    @given(
        kind=st.sampled_from(["linear", "inverse"]),
        side=st.sampled_from(["long", "short"]),
        rule=st.sampled_from(SIZE_RULES),
        entry=decimals(min_value=100, max_value=100_000, places=2),
        move=decimals(min_value="0.001", max_value="0.5", places=4),
        margin=decimals(min_value=1, max_value=100_000, places=2),
        buffer=st.sampled_from([Decimal(0), Decimal("0.01")]),
    )
    def test_liquidation_at_or_beyond_the_stop_and_not_above(  # noqa: PLR0917 - drawn
        self,
        kind: Literal["linear", "inverse"],
        side: Literal["long", "short"],
        rule: LiquidationRule,
        entry: Decimal,
        move: Decimal,
        margin: Decimal,
        buffer: Decimal,
    ) -> None:
        """At the size, liquidation is at or beyond the stop; 10^-9 more is not.

        Or the larger size is refused: past the table's cap or its max leverage.
        """
        contract = Contract(
            symbol="BTCUSD_PERP" if kind == "inverse" else "BTCUSDT",
            kind=kind,
            contract_size=100 if kind == "inverse" else 1,
            margin_asset="BTC" if kind == "inverse" else None,
            brackets=SIZE_TABLE if kind == "linear" else SIZE_TABLE_COIN,
        )
        sign = 1 if side == "long" else -1
        stop = entry * (1 - sign * move)
        wallet = margin if kind == "linear" else margin / 10_000
        q = max_futures_size_for_stop(
            contract,
            side=side,
            entry_price=entry,
            stop_price=stop,
            margin=wallet,
            rule=rule,
            buffer=buffer,
        )
        assert q > 0
        target = stop * (1 - sign * buffer)
        terms = {"margin": wallet, "rule": rule}
        lp = _liquidation(contract, side, q, entry, **terms)
        assert lp is None or (isinstance(lp, Decimal) and sign * (lp - target) <= 0)
        bigger = q * (1 + Decimal("1e-9"))
        above = _liquidation(contract, side, bigger, entry, **terms)
        notional_at_entry = bigger * entry if kind == "linear" else bigger * 100 / entry
        over_leverage = notional_at_entry > contract.brackets.max_cap or (
            notional_at_entry / wallet > contract.brackets.max_leverage(notional_at_entry)
        )
        inside = isinstance(above, Decimal) and sign * (above - target) > 0
        assert inside or above in {"liquidated", "refused"} or over_leverage

    @given(
        side=st.sampled_from(["long", "short"]),
        convention=st.sampled_from(["quote", "received"]),
        fee=st.sampled_from([Decimal(0), Decimal("0.001")]),
        move=decimals(min_value="0.001", max_value="0.5", places=4),
        collateral=decimals(min_value=10, max_value=100_000, places=2),
    )
    def test_spot_liquidation_at_or_beyond_the_stop(
        self,
        side: Literal["long", "short"],
        convention: FeeConvention,
        fee: Decimal,
        move: Decimal,
        collateral: Decimal,
    ) -> None:
        """The trade of that quantity liquidates at or beyond the stop; 10^-9 more does not.

        To 10^-40 of the price (the trade is opened by a leverage); the larger quantity
        liquidates before the stop or borrows past the thresholds.
        """
        sign = 1 if side == "long" else -1
        entry = Decimal(60_000)
        stop = entry * (1 - sign * move)
        q = max_margin_size_for_stop(
            collateral,
            side=side,
            entry_price=entry,
            stop_price=stop,
            thresholds=BINANCE_CROSS_3X,
            fee_rate=fee,
            fee_convention=convention,
        )

        def trade_of(quantity: Decimal) -> MarginTrade | None:
            kappa = 1 / (1 + fee) if convention == "quote" else 1 - fee
            lev = (
                1 + quantity * entry / collateral
                if side == "short"
                else quantity * entry / (collateral * kappa)
            )
            # the leverage is computed at 50 digits: keep it within the thresholds' own top
            risk = BINANCE_CROSS_3X.initial_risk_ratio
            top = min(BINANCE_CROSS_3X.max_leverage, risk / (risk - 1))
            lev = min(lev, top) if quantity == q else lev
            opener = open_short if side == "short" else open_long
            try:
                return opener(
                    collateral,
                    leverage=lev,
                    price=entry,
                    opened_at=T0,
                    thresholds=BINANCE_CROSS_3X,
                    fee_rate=fee,
                    fee_convention=convention,
                    base="BTC",
                    quote="USDT",
                )
            except LevriskError:
                return None

        trade = trade_of(q)
        assert trade is not None
        lp = trade.liquidation_price
        assert lp is None or sign * (lp - stop) <= stop * Decimal("1e-40")
        above = trade_of(q * (1 + Decimal("1e-9")))
        assert above is None or (
            above.liquidation_price is not None and sign * (above.liquidation_price - stop) > 0
        )

    def test_spot_issue_shape(self) -> None:
        """A short at 60,000, stop 63,000, 3,000 USDT on 1.1 / 10x: C / (1.1·63,000 − 60,000).

        The whole leverage 7 holds less.
        """
        ten_x = MarginThresholds(
            liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.11", max_leverage=10
        )
        terms: dict[str, Any] = {"side": "short", "entry_price": 60_000, "stop_price": 63_000}
        q = max_margin_size_for_stop(3000, **terms, thresholds=ten_x)
        with localcontext(Context(prec=PRECISION, rounding="ROUND_FLOOR")):
            assert q == Decimal(3000) / Decimal(9300)
        lev = max_margin_leverage_for_stop(3000, **terms, thresholds=ten_x)
        assert lev == 7
        assert Decimal(3000) * (lev - 1) / 60_000 < q

    @pytest.mark.parametrize(("kwargs", "name"), SIZE_BAD_INPUT)
    def test_bad_input(self, kwargs: dict[str, Any], name: str) -> None:
        """Bad input raises InvalidInputError naming the argument."""
        with pytest.raises(InvalidInputError, match=name):
            max_futures_size_for_stop(BTC, **{**SIZE_TERMS, "margin": 1_000, **kwargs})

    def test_spot_bad_thresholds(self) -> None:
        """The spot twin takes MarginThresholds only."""
        with pytest.raises(InvalidInputError, match="thresholds"):
            max_margin_size_for_stop(
                3000,
                side="short",
                entry_price=60_000,
                stop_price=63_000,
                thresholds="3x",  # type: ignore[arg-type]
            )


SIZE_TABLE_COIN = BracketTable.from_rates(
    caps=[5, 25, 100], maintenance_rates=["0.004", "0.005", "0.01"], max_leverages=[125, 100, 50]
)
