"""Tests of the bar walker: the exact walker by hand, the batch engines against it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk._typing import CloseFeeBasis
from levrisk.batch import BracketArrays, _walker
from levrisk.batch._walker import (
    LIQUIDATION,
    NONE,
    STOP,
    TAKE_PROFIT,
    accrued_rates,
    walk_bars,
    walk_margin,
    walk_margin_bars,
)
from levrisk.brackets import BracketTable
from levrisk.exceptions import AlwaysLiquidatedError, InvalidInputError
from levrisk.futures import Contract, LiquidationRule, Position, isolated_liquidation_price
from levrisk.futures._walk import Bar, walk
from levrisk.interest import RateSchedule, loan_state
from levrisk.margin import IsolatedMarginAccount, Loan

TABLE = BracketTable.from_rates(
    caps=[5_000, 50_000], maintenance_rates=["0.004", "0.01"], max_leverages=[125, 50]
)
LIN = Contract(symbol="LIN", kind="linear", brackets=TABLE)
COIN_TABLE = BracketTable.from_rates(caps=[50], maintenance_rates=["0.004"], max_leverages=[125])
COIN = Contract(
    symbol="COIN", kind="inverse", contract_size=100, brackets=COIN_TABLE, margin_asset="COIN"
)
LONG = Position(contract=LIN, side="long", size=1, entry_price=100, leverage=10)
SHORT = Position(contract=LIN, side="short", size=1, entry_price=100, leverage=10)
LP_LONG = Fraction(90) / Fraction("0.996")  # (100 − 10)/(1 − 0.004)
CODES = {None: NONE, "liquidation": LIQUIDATION, "stop": STOP, "take_profit": TAKE_PROFIT}


def bar(o: Any, h: Any, lo: Any, c: Any | None = None, **kw: Any) -> Bar:
    """A bar; the close defaults to the open."""
    return Bar(open=o, high=h, low=lo, close=o if c is None else c, **kw)


def near(value: Decimal, exact: Fraction) -> bool:
    """``value`` equals ``exact`` to 45 significant digits."""
    return abs(Fraction(value) - exact) <= abs(exact) * Fraction(1, 10**45)


class TestExactWalker:
    """rule-bar-walker: gaps fire at the open, levels in range at the level, worst case first."""

    def test_liquidation_inside_the_bar(self) -> None:
        """Long 1@100 at 10x (margin 10): a low of 85 liquidates at 90/0.996."""
        result = walk(LONG, margin=10, bars=[bar(100, 101, 99), bar(96, 97, 85)])
        assert result is not None
        assert (result.index, result.event) == (1, "liquidation")
        assert near(result.price, LP_LONG)

    def test_gap_through_the_liquidation_price(self) -> None:
        """A bar opening at 88, below the liquidation price, fills at its open."""
        result = walk(LONG, margin=10, bars=[bar(100, 101, 99), bar(88, 89, 80)])
        assert result is not None
        assert (result.index, result.event, result.price) == (1, "liquidation", Decimal(88))

    def test_funding_moves_the_liquidation_across_the_low(self) -> None:
        """A low of 91 holds at LP 90.36; 1 % funding at the bar's open lifts LP to 91/0.996."""
        bars = [bar(100, 101, 99), bar(100, 101, 91)]
        assert walk(LONG, margin=10, bars=bars) is None
        result = walk(LONG, margin=10, bars=bars, funding={1: "0.01"})
        assert result is not None
        assert (result.index, result.event, result.margin) == (1, "liquidation", Decimal(9))
        assert near(result.price, Fraction(91) / Fraction("0.996"))

    def test_received_funding_moves_it_away(self) -> None:
        """A negative rate pays the long: margin 11, LP 89/0.996, below a low of 90."""
        result = walk(LONG, margin=10, bars=[bar(100, 101, 90)], funding={0: "-0.01"})
        assert result is None

    @pytest.mark.parametrize(
        ("intrabar", "event", "price"),
        [("worst", "stop", Decimal(95)), ("best", "take_profit", Decimal(105))],
        ids=["worst", "best"],
    )
    def test_stop_and_take_profit_in_one_bar(
        self, intrabar: str, event: str, price: Decimal
    ) -> None:
        """Both levels inside one bar: the worst case takes the stop, the best the target."""
        result = walk(
            LONG,
            margin=10,
            bars=[bar(100, 106, 94)],
            stop=95,
            take_profit=105,
            intrabar=intrabar,  # type: ignore[arg-type]
        )
        assert result is not None
        assert (result.event, result.price) == (event, price)

    def test_take_profit_gap(self) -> None:
        """A short whose bar opens below its target fills at the open."""
        result = walk(SHORT, margin=10, bars=[bar(100, 100, 99), bar(93, 94, 92)], take_profit=95)
        assert result is not None
        assert (result.index, result.event, result.price) == (1, "take_profit", Decimal(93))

    def test_mark_range_for_liquidation(self) -> None:
        """The trade low reaches 85 but the mark only 92: no liquidation, the stop fires."""
        bars = [bar(100, 101, 85, mark_high=101, mark_low=92)]
        result = walk(LONG, margin=10, bars=bars, stop=88)
        assert result is not None
        assert (result.event, result.price) == ("stop", Decimal(88))

    def test_already_liquidated_at_the_first_bar(self) -> None:
        """With no margin the liquidation price lies above entry: liquidated at bar 0's open."""
        result = walk(LONG, margin=0, bars=[bar(100, 101, 99)])
        assert result is not None
        assert (result.index, result.event, result.price) == (0, "liquidation", Decimal(100))

    def test_no_liquidation_price(self) -> None:
        """A fully collateralised long has no liquidation price; nothing fires."""
        pos = Position(contract=LIN, side="long", size=1, entry_price=100, leverage=1)
        assert walk(pos, margin=100, bars=[bar(100, 101, 1)]) is None

    def test_inverse_short(self) -> None:
        """An inverse short is liquidated above entry at the isolated price."""
        pos = Position(contract=COIN, side="short", size=100, entry_price=50_000, leverage=20)
        margin = Decimal(10_000) / 50_000 / 20
        lp = isolated_liquidation_price(pos, margin=margin)
        assert lp is not None
        result = walk(pos, margin=margin, bars=[bar(50_000, 60_000, 49_000)])
        assert result is not None
        assert (result.event, result.price) == ("liquidation", lp)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"intrabar": "mid"}, "intrabar must be one of"),
            ({"funding": [1]}, "funding must be a mapping"),
            ({"funding": {5: 1}}, r"funding must be keyed by bar indices in \[0, 1\)"),
            ({"funding": {True: 1}}, "funding must be keyed"),
            ({"stop": 0}, "stop must be positive"),
            ({"bars": [1]}, r"bars\[0\] must be a Bar"),
            ({"bars": None}, "bars must be a sequence of Bar"),
        ],
        ids=["intrabar", "funding-list", "funding-index", "funding-bool", "stop", "bar", "no-bars"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad arguments raise InvalidInputError naming them."""
        args: dict[str, Any] = {"margin": 10, "bars": [bar(100, 101, 99)], **kwargs}
        with pytest.raises(InvalidInputError, match=match):
            walk(LONG, **args)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"open": 100, "high": 99, "low": 98, "close": 99}, "low ≤ open, close ≤ high"),
            ({"open": 1, "high": 1, "low": 1, "close": 1, "mark_low": 1}, "given together"),
            (
                {"open": 1, "high": 1, "low": 1, "close": 1, "mark_low": 2, "mark_high": 1},
                "given together",
            ),
        ],
        ids=["range", "half-mark", "mark-order"],
    )
    def test_bar_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Inconsistent bars raise InvalidInputError."""
        with pytest.raises(InvalidInputError, match=match):
            Bar(**kwargs)


def text(value: Any) -> str:
    """A float's shortest repr: the exact walker reads the same number the kernel does."""
    return repr(float(value))


def _objects(bars: np.ndarray, start: int) -> tuple[list[Bar], list[int]]:
    """The bars a position walks (from ``start``, NaN opens skipped) and their indices."""
    kept = [b for b in range(start, bars.shape[1]) if not np.isnan(bars[0, b])]
    objs = [
        Bar(
            open=text(bars[0, b]),
            high=text(bars[1, b]),
            low=text(bars[2, b]),
            close=text(bars[0, b]),
            mark_high=text(bars[3, b]),
            mark_low=text(bars[4, b]),
        )
        for b in kept
    ]
    return objs, kept


def _exact(  # noqa: PLR0917 - one row of the random inputs
    side: int,
    size: float,
    entry: float,
    margin: float,
    stop: float,
    tp: float,
    bars: np.ndarray,
    funding: np.ndarray,
    intrabar: str,
    contract: Contract,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
    start: int = 0,
) -> tuple[int, int, float]:
    """The exact walker on float inputs read from their shortest repr."""
    objs, kept = _objects(bars, start)
    pos = Position(
        contract=contract,
        side="long" if side > 0 else "short",
        size=text(size),
        entry_price=text(entry),
        leverage=1,
    )
    result = walk(
        pos,
        margin=text(margin),
        bars=objs,
        stop=None if np.isnan(stop) else text(stop),
        take_profit=None if np.isnan(tp) else text(tp),
        funding={j: text(funding[b]) for j, b in enumerate(kept) if funding[b] != 0},
        intrabar=intrabar,  # type: ignore[arg-type]
        rule=rule,
    )
    if result is None:
        return -1, NONE, float("nan")
    return kept[result.index], CODES[result.event], float(result.price)


def _series(rng: np.random.Generator, count: int) -> np.ndarray:
    """A random walk of bars (rows: open, high, low, mark high, mark low), 2-decimal prices."""
    opens = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.02, count))), 2)
    high = np.round(opens * (1 + rng.uniform(0, 0.03, count)), 2)
    low = np.round(opens * (1 - rng.uniform(0, 0.03, count)), 2)
    mark_high = np.round(np.minimum(high, opens * (1 + rng.uniform(0, 0.02, count))), 2)
    mark_low = np.round(np.maximum(low, opens * (1 - rng.uniform(0, 0.02, count))), 2)
    return np.stack([opens, high, low, np.maximum(mark_high, opens), np.minimum(mark_low, opens)])


FEES: list[tuple[CloseFeeBasis, str]] = [
    ("none", "0"),
    ("mark", "0.0005"),
    ("bankruptcy", "0.0006"),
]
RULES = [
    LiquidationRule(maintenance_basis=basis, close_fee=fee, fee_rate=rate)
    for basis in ("mark", "entry")
    for fee, rate in FEES
]
RULE_IDS = [f"{r.maintenance_basis}-fee-{r.close_fee}" for r in RULES]


def _bar_fields(bars: np.ndarray) -> dict[str, np.ndarray]:
    """The walkers' bar arguments from rows (open, high, low, mark high, mark low)."""
    return dict(zip(("open", "high", "low", "mark_high", "mark_low"), bars, strict=True))


def _padded(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """A series per position, shape (5, n, count), each NaN-padded at a random head and tail."""
    bars = np.stack([_series(rng, count) for _ in range(n)], axis=1)
    for i in range(n):
        head, tail = rng.integers(0, count // 4, 2)
        bars[:, i, :head] = np.nan
        bars[:, i, count - tail :] = np.nan
    return bars


def _compare(
    engine: str,
    seed: int,
    contract: Contract,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
    *,
    per_position: bool = False,
) -> None:
    """Bar index and event of ``walk_bars`` equal the exact walker's; fills within 1e-9."""
    if engine == "numba" and not _walker.AVAILABLE:
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(seed)
    n, count = 12, 60
    bars = _padded(rng, n, count) if per_position else _series(rng, count)[:, None, :]
    shape = (n, count) if per_position else (1, count)
    funding = np.where(rng.uniform(size=shape) < 0.2, np.round(rng.normal(0, 0.01, shape), 4), 0.0)
    start = rng.integers(0, count // 3, n) if per_position else np.zeros(n, dtype=np.int64)
    side = rng.choice([-1, 1], n)
    entry = np.round(100 * (1 + rng.normal(0, 0.01, n)), 2)
    size = (
        np.round(rng.uniform(1, 20, n), 1) if contract is LIN else np.round(rng.uniform(1, 20, n))
    )
    unit = size * float(contract.contract_size)
    notional = unit * entry if contract is LIN else unit / entry
    margin = np.round(notional / rng.uniform(2, 40, n), 6)
    stop = np.where(rng.uniform(size=n) < 0.5, np.round(entry * (1 - side * 0.05), 2), np.nan)
    tp = np.where(rng.uniform(size=n) < 0.5, np.round(entry * (1 + side * 0.06), 2), np.nan)
    intrabar = "worst" if seed % 2 else "best"
    series = bars if per_position else bars[:, 0]
    positions = {"side": side, "size": size, "entry_price": entry, "margin": margin}
    got = walk_bars(
        **positions,
        brackets=contract.brackets,
        **_bar_fields(series),
        stop=stop,
        take_profit=tp,
        funding=funding if per_position else funding[0],
        kind=contract.kind,
        contract_size=float(contract.contract_size),
        intrabar=intrabar,
        engine=engine,  # type: ignore[arg-type]
        start=start if per_position else None,
        rule=rule,
    )
    for i in range(n):
        row = i if per_position else 0
        index, code, price = _exact(
            int(side[i]),
            float(size[i]),
            float(entry[i]),
            float(margin[i]),
            float(stop[i]),
            float(tp[i]),
            bars[:, row],
            funding[row],
            intrabar,
            contract,
            rule,
            int(start[i]),
        )
        assert (int(got.bar[i]), int(got.event[i])) == (index, code), i
        if index >= 0:
            assert got.price[i] == pytest.approx(price, rel=1e-9)
        else:
            assert np.isnan(got.price[i])


ENGINES = ["python", "numpy", "numba"]


class TestKernelAgainstReference:
    """rule-bar-walker: every batch engine agrees with the exact walker on random series."""

    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("seed", [1, 2, 3])
    @pytest.mark.parametrize("contract", [LIN, COIN], ids=["linear", "inverse"])
    def test_random_series(self, engine: str, seed: int, contract: Contract) -> None:
        """One series shared by every position, Binance's rule."""
        _compare(engine, seed, contract)

    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("seed", [4, 5])
    @pytest.mark.parametrize("contract", [LIN, COIN], ids=["linear", "inverse"])
    def test_series_per_position(self, engine: str, seed: int, contract: Contract) -> None:
        """A NaN-padded series per position, with start offsets and funding per position."""
        _compare(engine, seed, contract, per_position=True)

    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
    @pytest.mark.parametrize("contract", [LIN, COIN], ids=["linear", "inverse"])
    def test_every_rule(self, engine: str, rule: LiquidationRule, contract: Contract) -> None:
        """rule-venues: the kernel solves every LiquidationRule as the exact walker does."""
        _compare(engine, 7, contract, rule, per_position=True)


class TestBatchWalker:
    """rule-bar-walker: the batch walker's arguments, stacks and engines."""

    BASE: dict[str, Any] = {  # noqa: RUF012 - read-only test data
        "side": np.array([1]),
        "size": np.array([1.0]),
        "entry_price": np.array([100.0]),
        "margin": np.array([10.0]),
        "brackets": TABLE,
        "open": np.array([100.0, 100.0]),
        "high": np.array([101.0, 101.0]),
        "low": np.array([99.0, 91.0]),
    }

    def test_funding_moves_the_liquidation_across_the_low(self) -> None:
        """The hand case of the exact walker, in float64."""
        quiet = walk_bars(**self.BASE)
        assert (int(quiet.bar[0]), int(quiet.event[0])) == (-1, NONE)
        moved = walk_bars(**{**self.BASE, "funding": np.array([0.0, 0.01])})
        assert (int(moved.bar[0]), int(moved.event[0])) == (1, LIQUIDATION)
        assert moved.price[0] == pytest.approx(91 / 0.996)

    def test_stacked_tables(self) -> None:
        """A stack of tables with a symbol index per position."""
        stack = BracketArrays.from_tables([TABLE, COIN_TABLE])
        low = np.array([99.0, 85.0])
        result = walk_bars(**{**self.BASE, "brackets": stack, "symbol": np.array([1]), "low": low})
        assert (int(result.bar[0]), int(result.event[0])) == (1, LIQUIDATION)

    def test_auto_without_numba_takes_numpy(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without Numba, "auto" runs the NumPy path and "numba" is refused."""
        monkeypatch.setattr(_walker, "AVAILABLE", False)
        result = walk_bars(**{**self.BASE, "funding": np.array([0.0, 0.01])})
        assert int(result.event[0]) == LIQUIDATION
        with pytest.raises(InvalidInputError, match="needs Numba"):
            walk_bars(**self.BASE, engine="numba")

    def test_numpy_stops_when_all_done(self) -> None:
        """The NumPy path stops early once every position has an event."""
        result = walk_bars(**{**self.BASE, "low": np.array([80.0, 91.0])}, engine="numpy")
        assert (int(result.bar[0]), int(result.event[0])) == (0, LIQUIDATION)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"kind": "quanto"}, "kind must be"),
            ({"intrabar": "mid"}, "intrabar must be one of"),
            ({"engine": "gpu"}, "engine must be one of"),
            ({"side": np.array([[1]])}, "side must be a 1-D array"),
            ({"side": np.array([2])}, "side must be 1"),
            ({"size": np.array([0.0])}, "size must be positive"),
            ({"margin": np.array([-1.0])}, "margin must be non-negative"),
            ({"size": np.array(["a"])}, "size must be real numbers"),
            ({"size": True}, "size must be real numbers"),
            ({"size": np.array([1.0, 2.0])}, "broadcasting to"),
            ({"stop": np.array([-1.0])}, "stop must be positive"),
            ({"low": np.array([99.0, 102.0])}, "bars must be low"),
            ({"funding": np.array([np.inf, 0.0])}, "funding must be finite"),
            ({"symbol": np.array([0])}, "symbol is only accepted"),
            ({"rule": "bybit"}, "rule must be a LiquidationRule"),
            ({"brackets": BracketArrays.from_tables([TABLE])}, "symbol must be an integer array"),
            (
                {"brackets": BracketArrays.from_tables([TABLE]), "symbol": np.array([3])},
                "symbol must be a symbol index",
            ),
        ],
        ids=[
            "kind",
            "intrabar",
            "engine",
            "side-2d",
            "side-value",
            "size",
            "margin",
            "dtype",
            "bool",
            "shape",
            "stop",
            "bars",
            "funding",
            "symbol-shared",
            "rule",
            "symbol-missing",
            "symbol-range",
        ],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad arguments or rows raise InvalidInputError naming them."""
        with pytest.raises(InvalidInputError, match=match):
            walk_bars(**{**self.BASE, **kwargs})


T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
HOURS = [T0 + timedelta(hours=h) for h in range(3)]
LONG_SPOT = IsolatedMarginAccount(
    base="BTC", quote="USDT", base_balance=1, loans=[Loan(asset="USDT", principal=20_000)]
)
SHORT_SPOT = IsolatedMarginAccount(
    base="BTC", quote="USDT", quote_balance=33_000, loans=[Loan(asset="BTC", principal=1)]
)


class TestWalkerOutcomes:
    """rule-bar-walker with rule-batch-outcomes: every price liquidates; jumping tables."""

    ALWAYS = LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.9")
    FLAT = BracketTable.from_rates(caps=[10**9], maintenance_rates=["0.5"], max_leverages=[1])

    @pytest.mark.parametrize("engine", ENGINES)
    def test_every_price_liquidates_at_the_first_open(self, engine: str) -> None:
        """A short with no margin under a 90 % bankruptcy fee: -inf, liquidated at bar 0's open."""
        args: dict[str, Any] = {
            "side": np.array([-1]),
            "size": np.array([1.0]),
            "entry_price": np.array([100.0]),
            "margin": np.array([0.0]),
            "brackets": self.FLAT,
            "rule": self.ALWAYS,
        }
        contract = Contract(symbol="X", kind="linear", brackets=self.FLAT)
        short = Position(contract=contract, side="short", size=1, entry_price=100, leverage=1)
        with pytest.raises(AlwaysLiquidatedError):  # the exact path's verdict
            isolated_liquidation_price(short, margin=0, rule=self.ALWAYS)
        args |= {"open": np.array([100.0, 101.0]), "high": np.array([100.5, 102.0])}
        result = walk_bars(**args, low=np.array([99.5, 100.0]), engine=engine)  # type: ignore[arg-type]  # ENGINES holds WalkEngine values
        assert (result.bar[0], result.event[0], result.price[0]) == (0, LIQUIDATION, 100.0)

    def test_jumping_table_is_refused(self) -> None:
        """A whole-position table under a mark-valued rule: walk it exactly instead."""
        whole = BracketTable.from_rates(
            caps=[1000, 2000],
            maintenance_rates=["0.01", "0.1"],
            max_leverages=[10, 5],
            maintenance="whole",
        )
        with pytest.raises(InvalidInputError, match="brackets must be continuous for walk_bars"):
            walk_bars(
                side=np.array([-1]),
                size=np.array([10.0]),
                entry_price=np.array([90.0]),
                margin=np.array([150.0]),
                brackets=whole,
                open=np.array([95.0]),
                high=np.array([99.0]),
                low=np.array([94.0]),
            )


class TestSpotMarginWalker:
    """rule-bar-walker with rule-spot-liquidation and rule-interest: interest moves the price."""

    def test_interest_moves_the_liquidation_across_the_low(self) -> None:
        """1 BTC held, 20,000 USDT owed at 0.1 %/h, ML* 1.1: LP 22,022, 22,044, 22,066.

        A low of 22,050 holds for two bars; the third accrual lifts LP above it.
        """
        bars = [bar(23_000, 23_100, 22_050)] * 3
        kwargs: dict[str, Any] = {"bars": bars, "times": HOURS, "liquidation_level": "1.1"}
        assert walk_margin(LONG_SPOT, schedule=0, **kwargs) is None
        result = walk_margin(LONG_SPOT, schedule="0.001", **kwargs)
        assert result is not None
        assert (result.index, result.event, result.price) == (2, "liquidation", Decimal(22_066))
        assert (result.margin, result.liquidation_price) == (Decimal(20_060), Decimal(22_066))

    def test_short_liquidation_falls_below_the_high(self) -> None:
        """Owes 1 BTC, holds 33,000 USDT: LP = 33,000/(1.1·D) = 30,000/1.001, then /1.002."""
        bars = [bar(29_000, 29_950, 28_900)] * 3
        result = walk_margin(
            SHORT_SPOT, bars=bars, times=HOURS, schedule="0.001", liquidation_level="1.1"
        )
        assert result is not None
        assert (result.index, result.event, result.margin) == (1, "liquidation", Decimal("1.002"))
        assert near(result.price, Fraction(30_000) / Fraction("1.002"))

    def test_borrowed_earlier_and_counting(self) -> None:
        """Borrowed 30 min before the first bar, per started hour: 1, 2, 3 accruals."""
        bars = [bar(23_000, 23_100, 22_050)] * 3
        result = walk_margin(
            LONG_SPOT,
            bars=bars,
            times=HOURS,
            schedule=RateSchedule.constant("0.001"),
            liquidation_level="1.1",
            borrowed_at=T0 - timedelta(minutes=30),
            counting="started_hour",
        )
        assert result is not None
        assert (result.index, result.price) == (2, Decimal(22_066))

    def test_stop_before_the_liquidation(self) -> None:
        """A long's stop above the liquidation price fires first; the short's take-profit."""
        bars = [bar(23_000, 23_100, 22_050)]
        kwargs: dict[str, Any] = {"bars": bars, "times": HOURS[:1], "schedule": "0.001"}
        result = walk_margin(LONG_SPOT, stop=22_500, liquidation_level="1.1", **kwargs)
        assert result is not None
        assert (result.event, result.price) == ("stop", Decimal(22_500))
        short = walk_margin(SHORT_SPOT, take_profit=22_500, liquidation_level="1.1", **kwargs)
        assert short is not None
        assert (short.event, short.price) == ("take_profit", Decimal(22_500))

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"account": IsolatedMarginAccount(base="BTC", quote="USDT")}, "owe exactly one"),
            (
                {
                    "account": IsolatedMarginAccount(
                        base="BTC",
                        quote="USDT",
                        base_balance=1,
                        loans=[Loan(asset="BTC", principal=1), Loan(asset="USDT", principal=1)],
                    )
                },
                "owe exactly one",
            ),
            ({"times": HOURS[:2]}, "one instant per bar"),
            ({"times": 5}, "times must be a sequence"),
            ({"liquidation_level": 0}, "liquidation_level"),
            ({"intrabar": "mid"}, "intrabar"),
        ],
        ids=["owes-nothing", "owes-both", "times-count", "times-type", "level", "intrabar"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad arguments raise InvalidInputError naming them."""
        base: dict[str, Any] = {
            "account": LONG_SPOT,
            "bars": [bar(23_000, 23_100, 22_050)] * 3,
            "times": HOURS,
            "schedule": "0.001",
            "liquidation_level": "1.1",
        }
        merged = {**base, **kwargs}
        with pytest.raises(InvalidInputError, match=match):
            walk_margin(merged.pop("account"), **merged)


def _spot_case(
    rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random spot-margin positions: side, base held, quote held, principal, hourly rate."""
    side = rng.choice([-1, 1], n)
    q = np.round(rng.uniform(1, 5, n), 2)
    own = np.round(100 * q / rng.uniform(2, 10, n), 2)
    extra = np.round(rng.uniform(0, 20, n), 2)
    base = np.where(side > 0, q, 0.0)
    quote = np.where(side > 0, extra, np.round(100 * q + own, 2))
    principal = np.where(side > 0, np.round(100 * q - own, 2), q)
    rate = np.round(rng.uniform(0.0005, 0.003, n), 5)
    return side, base, quote, principal, rate


class TestSpotMarginBatch:
    """rule-bar-walker, rule-spot-liquidation: walk_margin_bars against walk_margin."""

    def test_hand_cases(self) -> None:
        """The long and short hand cases of the exact walker, in float64."""
        rates = np.array([0.001, 0.002, 0.003])
        result = walk_margin_bars(
            side=np.array([1, -1]),
            base_balance=np.array([1.0, 0.0]),
            quote_balance=np.array([0.0, 33_000.0]),
            principal=np.array([20_000.0, 1.0]),
            liquidation_level=1.1,
            open=np.array([[23_000.0] * 3, [29_000.0] * 3]),
            high=np.array([[23_100.0] * 3, [29_950.0] * 3]),
            low=np.array([[22_050.0] * 3, [28_900.0] * 3]),
            accrued=rates,
        )
        assert result.bar.tolist() == [2, 1]
        assert result.event.tolist() == [LIQUIDATION, LIQUIDATION]
        assert result.price.tolist() == pytest.approx([22_066, 30_000 / 1.002], rel=1e-12)

    @pytest.mark.parametrize("engine", ENGINES)
    def test_accrual_between_bars_only(self, engine: str) -> None:
        """Half-hour bars: R is unchanged at the second, the price holds until the third."""
        if engine == "numba" and not _walker.AVAILABLE:
            pytest.skip("numba is not installed")
        result = walk_margin_bars(
            side=np.array([1]),
            base_balance=1.0,
            quote_balance=0.0,
            principal=20_000.0,
            liquidation_level=1.1,
            open=np.full(3, 23_000.0),
            high=np.full(3, 23_100.0),
            low=np.array([22_030.0, 22_030.0, 22_030.0]),
            accrued=np.array([0.001, 0.001, 0.002]),
            engine=engine,  # type: ignore[arg-type]
        )
        assert (result.bar.tolist(), result.price.tolist()) == ([2], [pytest.approx(22_044.0)])

    def test_accrued_rates_match_loan_state(self) -> None:
        """rule-interest: R(t)·P is loan_state's interest, under a changing schedule."""
        schedule = RateSchedule.from_pairs([(T0, "0.001"), (T0 + timedelta(hours=2), "0.002")])
        times = [T0 + timedelta(minutes=40 * k) for k in range(8)]
        for counting in ("binance", "started_hour", "clock_hour"):
            got = accrued_rates(times, schedule, borrowed_at=T0, counting=counting)
            want = [
                float(loan_state(1, schedule, T0, t, counting=counting).interest_accrued)
                for t in times
            ]
            assert got.tolist() == want
        assert accrued_rates([], "0.001", borrowed_at=T0).shape == (0,)

    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_random_series(self, engine: str, seed: int) -> None:
        """NaN-padded series per position with starts: events equal, fills within 1e-9."""
        if engine == "numba" and not _walker.AVAILABLE:
            pytest.skip("numba is not installed")
        rng = np.random.default_rng(seed)
        n, count = 10, 60
        bars = _padded(rng, n, count)
        side, base, quote, principal, rate = _spot_case(rng, n)
        start = rng.integers(0, count // 3, n)
        times = [T0 + timedelta(hours=b) for b in range(count)]
        accrued = np.stack([accrued_rates(times, text(r), borrowed_at=T0) for r in rate])
        entry = 100.0
        stop = np.where(rng.uniform(size=n) < 0.5, np.round(entry * (1 - side * 0.2), 2), np.nan)
        tp = np.where(rng.uniform(size=n) < 0.5, np.round(entry * (1 + side * 0.1), 2), np.nan)
        intrabar = "worst" if seed % 2 else "best"
        got = walk_margin_bars(
            side=side,
            base_balance=base,
            quote_balance=quote,
            principal=principal,
            liquidation_level=1.1,
            **_bar_fields(bars),
            accrued=accrued,
            stop=stop,
            take_profit=tp,
            start=start,
            intrabar=intrabar,
            engine=engine,  # type: ignore[arg-type]
        )
        for i in range(n):
            objs, kept = _objects(bars[:, i], int(start[i]))
            owed = "USDT" if side[i] > 0 else "BTC"
            account = IsolatedMarginAccount(
                base="BTC",
                quote="USDT",
                base_balance=text(base[i]),
                quote_balance=text(quote[i]),
                loans=[Loan(asset=owed, principal=text(principal[i]))],
            )
            result = walk_margin(
                account,
                bars=objs,
                times=[times[b] for b in kept],
                schedule=text(rate[i]),
                liquidation_level="1.1",
                borrowed_at=T0,
                stop=None if np.isnan(stop[i]) else text(stop[i]),
                take_profit=None if np.isnan(tp[i]) else text(tp[i]),
                intrabar=intrabar,  # type: ignore[arg-type]
            )
            if result is None:
                assert (int(got.bar[i]), int(got.event[i])) == (-1, NONE), i
                continue
            assert (int(got.bar[i]), int(got.event[i])) == (
                kept[result.index],
                CODES[result.event],
            ), i
            assert got.price[i] == pytest.approx(float(result.price), rel=1e-9)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            pytest.param({"base_balance": 0.0}, "what the position holds", id="held"),
            pytest.param({"principal": -1.0}, "principal must be non-negative", id="principal"),
            pytest.param(
                {"liquidation_level": 0.0}, "liquidation_level must be positive", id="level"
            ),
            pytest.param(
                {"accrued": np.array([-0.1, 0.0])}, "accrued must be non-negative", id="accrued"
            ),
            pytest.param(
                {"accrued": np.array([np.nan, 0.0])}, "accrued must be finite", id="accrued-nan"
            ),
            pytest.param({"start": np.array([3])}, "start must be a bar index", id="start-range"),
            pytest.param({"start": np.array([0.5])}, "start must be integers", id="start-float"),
            pytest.param({"start": True}, "start must be integers", id="start-bool"),
            pytest.param(
                {"start": np.array([0, 1, 2])}, "start must be one integer", id="start-shape"
            ),
            pytest.param({"open": np.zeros((1, 1, 2))}, "open must be 1-D", id="open-3d"),
            pytest.param({"open": "x"}, "open must be real numbers", id="open-text"),
            pytest.param(
                {"open": np.array(["a", "b"])}, "open must be real numbers", id="open-dtype"
            ),
            pytest.param({"high": np.ones((2, 2))}, "high must broadcast", id="high-shape"),
            pytest.param(
                {"high": np.array([np.nan, 101.0])}, "high must be positive", id="high-nan"
            ),
        ],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad arguments or rows raise InvalidInputError naming them."""
        base: dict[str, Any] = {
            "side": np.array([1]),
            "base_balance": 1.0,
            "quote_balance": 0.0,
            "principal": 50.0,
            "liquidation_level": 1.1,
            "open": np.array([100.0, 100.0]),
            "high": np.array([101.0, 101.0]),
            "low": np.array([99.0, 99.0]),
        }
        with pytest.raises(InvalidInputError, match=match):
            walk_margin_bars(**{**base, **kwargs})


class TestSpotMarginProperties:
    """rule-bar-walker, rule-interest: interest never delays a spot-margin liquidation."""

    @given(
        lows=st.lists(st.floats(0.5, 0.99), min_size=1, max_size=30),
        rate=st.floats(0.0, 0.01),
        leverage=st.floats(1.5, 10.0),
        long=st.booleans(),
    )
    def test_interest_only_brings_the_liquidation_forward(
        self, lows: list[float], rate: float, leverage: float, *, long: bool
    ) -> None:
        """With R ≥ 0 accruing, the liquidation bar is never later than without interest."""
        count = len(lows)
        opens = np.full(count, 100.0)
        depth = np.array(lows) * 100.0
        own = 100.0 / leverage
        fields: dict[str, Any] = {
            "side": 1 if long else -1,
            "base_balance": 1.0 if long else 0.0,
            "quote_balance": 0.0 if long else 100.0 + own,
            "principal": 100.0 - own if long else 1.0,
            "liquidation_level": 1.1,
            "open": opens,
            "high": opens if long else 200.0 - depth,
            "low": depth if long else opens,
        }
        plain = walk_margin_bars(**fields, engine="numpy")
        charged = walk_margin_bars(**fields, accrued=rate * np.arange(1, count + 1), engine="numpy")
        if plain.bar[0] >= 0:
            assert 0 <= charged.bar[0] <= plain.bar[0]
