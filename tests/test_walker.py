"""Tests of the bar walker: the exact walker by hand, the batch engines against it."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from levrisk.batch import BracketArrays, _walker
from levrisk.batch._walker import LIQUIDATION, NONE, STOP, TAKE_PROFIT, walk_bars
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.futures import Contract, Position, isolated_liquidation_price
from levrisk.futures._walk import Bar, walk

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
        ],
        ids=["intrabar", "funding-list", "funding-index", "funding-bool", "stop", "bar"],
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
) -> tuple[int, int, float]:
    """The exact walker on float inputs read from their shortest repr."""

    def text(value: Any) -> str:
        return repr(float(value))

    pos = Position(
        contract=contract,
        side="long" if side > 0 else "short",
        size=text(size),
        entry_price=text(entry),
        leverage=1,
    )
    objs = [
        Bar(
            open=text(bars[0, b]),
            high=text(bars[1, b]),
            low=text(bars[2, b]),
            close=text(bars[0, b]),
            mark_high=text(bars[3, b]),
            mark_low=text(bars[4, b]),
        )
        for b in range(bars.shape[1])
    ]
    result = walk(
        pos,
        margin=text(margin),
        bars=objs,
        stop=None if np.isnan(stop) else text(stop),
        take_profit=None if np.isnan(tp) else text(tp),
        funding={b: text(r) for b, r in enumerate(funding) if r != 0},
        intrabar=intrabar,  # type: ignore[arg-type]
    )
    if result is None:
        return -1, NONE, float("nan")
    return result.index, CODES[result.event], float(result.price)


def _series(rng: np.random.Generator, count: int) -> np.ndarray:
    """A random walk of bars (rows: open, high, low, mark high, mark low), 2-decimal prices."""
    opens = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.02, count))), 2)
    high = np.round(opens * (1 + rng.uniform(0, 0.03, count)), 2)
    low = np.round(opens * (1 - rng.uniform(0, 0.03, count)), 2)
    mark_high = np.round(np.minimum(high, opens * (1 + rng.uniform(0, 0.02, count))), 2)
    mark_low = np.round(np.maximum(low, opens * (1 - rng.uniform(0, 0.02, count))), 2)
    return np.stack([opens, high, low, np.maximum(mark_high, opens), np.minimum(mark_low, opens)])


class TestKernelAgainstReference:
    """rule-bar-walker: every batch engine agrees with the exact walker on random series."""

    @pytest.mark.parametrize("engine", ["python", "numpy", "numba"])
    @pytest.mark.parametrize("seed", [1, 2, 3])
    @pytest.mark.parametrize("contract", [LIN, COIN], ids=["linear", "inverse"])
    def test_random_series(self, engine: str, seed: int, contract: Contract) -> None:
        """Bar index and event equal; fill prices within 1e-9 relative."""
        if engine == "numba" and not _walker.AVAILABLE:
            pytest.skip("numba is not installed")
        rng = np.random.default_rng(seed)
        n, count = 12, 60
        bars = _series(rng, count)
        funding = np.where(
            rng.uniform(size=count) < 0.2, np.round(rng.normal(0, 0.01, count), 4), 0.0
        )
        side = rng.choice([-1, 1], n)
        entry = np.round(100 * (1 + rng.normal(0, 0.01, n)), 2)
        size = (
            np.round(rng.uniform(1, 20, n), 1)
            if contract is LIN
            else np.round(rng.uniform(1, 20, n))
        )
        unit = size * float(contract.contract_size)
        notional = unit * entry if contract is LIN else unit / entry
        margin = np.round(notional / rng.uniform(2, 40, n), 6)
        stop = np.where(rng.uniform(size=n) < 0.5, np.round(entry * (1 - side * 0.05), 2), np.nan)
        tp = np.where(rng.uniform(size=n) < 0.5, np.round(entry * (1 + side * 0.06), 2), np.nan)
        intrabar = "worst" if seed % 2 else "best"
        got = walk_bars(
            side=side,
            size=size,
            entry_price=entry,
            margin=margin,
            brackets=contract.brackets,
            open=bars[0],
            high=bars[1],
            low=bars[2],
            mark_high=bars[3],
            mark_low=bars[4],
            stop=stop,
            take_profit=tp,
            funding=funding,
            kind=contract.kind,
            contract_size=float(contract.contract_size),
            intrabar=intrabar,
            engine=engine,  # type: ignore[arg-type]
        )
        for i in range(n):
            index, code, price = _exact(
                int(side[i]),
                float(size[i]),
                float(entry[i]),
                float(margin[i]),
                float(stop[i]),
                float(tp[i]),
                bars,
                funding,
                intrabar,
                contract,
            )
            assert (int(got.bar[i]), int(got.event[i])) == (index, code), i
            if index >= 0:
                assert got.price[i] == pytest.approx(price, rel=1e-9)
            else:
                assert np.isnan(got.price[i])


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
            "symbol-missing",
            "symbol-range",
        ],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad arguments or rows raise InvalidInputError naming them."""
        with pytest.raises(InvalidInputError, match=match):
            walk_bars(**{**self.BASE, **kwargs})
