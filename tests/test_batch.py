"""Tests of levrisk.batch: published examples, and every array function pinned to exact Decimal.

The scalar truth is levrisk.futures, levrisk.margin and levrisk.interest
(``TestPinnedToFutures``, ``TestSpotLiquidationPrice``, ``TestAccrualCounts``). The
liquidation properties also use a local exhaustive consistent-bracket search in
``Decimal`` (rule-futures-liquidation-linear/rule-futures-liquidation-inverse: solve in every
bracket, keep the one whose notional at
the solution lies in it), which also yields the condition number κ of the float bound; it
is itself checked against levrisk.futures.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import array_api_strict
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from levrisk import futures
from levrisk.batch import (
    LONG,
    SHORT,
    BracketArrays,
    Engine,
    _kernel,
    accrual_counts,
    bankruptcy_price,
    isolated_liquidation_price,
    maintenance_margin,
    margin_level,
    margin_ratio,
    notional,
    spot_liquidation_price,
    unrealized_pnl,
)
from levrisk.brackets import BracketTable
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    AlwaysLiquidatedError,
    BracketError,
    InvalidInputError,
    LevriskError,
)
from levrisk.futures import ContractKind
from levrisk.interest import InterestCounting, accrual_times
from levrisk.margin import CrossMarginAccount, Loan
from levrisk.margin import liquidation_price as scalar_liquidation_price
from levrisk.margin import margin_level as scalar_margin_level
from levrisk.numbers import exact, round_to_step
from strategies import bracket_tables, decimals
from test_batch_rules import position_of

U = Decimal(2) ** -53
"""Unit roundoff of float64."""

BOUND = 16 * U
"""The documented relative bound is ``BOUND · (1 + κ)`` (docs/explanation/batch.md)."""

BTCUSDT = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000, 10_000_000],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
    max_leverages=[125, 100, 50, 20],
)
TIERED = BracketTable.from_rates(
    caps=[1000, 2000, 3000, 4000, 5000],
    maintenance_rates=["0.02", "0.025", "0.03", "0.035", "0.04"],
    max_leverages=[50, 40, 33, 28, 25],
)
ONE = BracketTable.from_rates(caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125])

ENGINES: list[Engine] = ["auto", "array_api"]
NAMESPACES = ["numpy", "strict"]


def _xp(name: str) -> Any:
    return np if name == "numpy" else array_api_strict


def _arr(xp: Any, values: Sequence[float | int], dtype: str = "float64") -> Any:
    return xp.asarray(list(values), dtype=getattr(xp, dtype))


def _floats(array: Any) -> list[float]:
    flat = array if array.ndim == 1 else array.reshape(-1)
    return [float(flat[i]) for i in range(int(flat.shape[0]))]


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


# ---------------------------------------------------------------- the exact reference


@exact
def _reference_liquidation(
    table: BracketTable,
    *,
    side: int,
    units: Decimal,
    entry: Decimal,
    margin: Decimal,
    kind: ContractKind,
) -> tuple[Decimal | None, Decimal]:
    """``(LP or None, κ)`` by the exhaustive consistent-bracket search, exactly.

    κ = (n_entry + M + cum) / |n_entry − σ·M − σ·cum| is the condition number of the
    float evaluation (docs/explanation/batch.md). Above the top cap the last bracket is
    extrapolated, as levrisk.futures does.
    """
    sigma = side if kind == "linear" else -side
    n_entry = units * entry if kind == "linear" else units / entry
    target = n_entry - sigma * margin
    for bracket in table.brackets:
        numerator = target - sigma * bracket.maintenance_amount
        solved = numerator / (1 - sigma * bracket.maintenance_rate)
        first = bracket is table.brackets[0]
        last = bracket is table.brackets[-1]
        if (first or bracket.floor < solved) and (last or solved <= bracket.cap):
            kappa = (n_entry + margin + bracket.maintenance_amount) / max(abs(numerator), U)
            if solved <= 0:
                return None, kappa
            price = solved / units if kind == "linear" else units / solved
            return price, kappa
    raise AssertionError  # pragma: no cover - one bracket is always consistent


def _rel(got: float, want: Decimal) -> Decimal:
    return abs(_dec(got) - want) / want


# ---------------------------------------------------------------- strategies

positions = st.fixed_dictionaries(
    {
        "side": st.sampled_from([LONG, SHORT]),
        "size": decimals("0.001", "1000", places=3),
        "entry": decimals("0.5", "200000", places=2),
        "leverage": decimals("1", "125", places=2),
        "kind": st.sampled_from(["linear", "inverse"]),
        "contract_size": st.sampled_from([Decimal(1), Decimal(10), Decimal(100)]),
    }
)


@exact
def _margin_for(p: dict[str, Any], scale: Decimal) -> Decimal:
    units = p["size"] * p["contract_size"]
    n_entry = units * p["entry"] if p["kind"] == "linear" else units / p["entry"]
    return Decimal(n_entry / p["leverage"] * scale).quantize(Decimal("1e-12"))


def _with_table(p: dict[str, Any], table: BracketTable) -> dict[str, Any]:
    """Scale the position so its entry notional lies inside the table's range."""
    units = p["size"] * p["contract_size"]
    n_entry = units * p["entry"] if p["kind"] == "linear" else units / p["entry"]
    while n_entry > table.max_cap / 2:
        p = {**p, "size": p["size"] / 10}
        units = p["size"] * p["contract_size"]
        n_entry = units * p["entry"] if p["kind"] == "linear" else units / p["entry"]
    return p


# ---------------------------------------------------------------- published examples


class TestPublishedExamples:
    """The worked examples of the rules, through the batch path.

    Rules: rule-brackets, rule-interest, rule-spot-liquidation, rule-futures-liquidation-linear.
    """

    @pytest.mark.parametrize("engine", ENGINES)
    def test_liquidation_long(self, engine: Engine) -> None:
        """Wallet 500, long 0.02 BTC at 50,000, 0.4 % bracket → 25,100.40.

        Rule: rule-futures-liquidation-linear.
        """
        lp = isolated_liquidation_price(
            side=np.array([LONG]),
            size=np.array([0.02]),
            entry_price=np.array([50_000.0]),
            margin=np.array([500.0]),
            brackets=BracketArrays.from_table(ONE),
            engine=engine,
        )
        assert round_to_step(_dec(float(lp[0])), "0.01", "half_up") == Decimal("25100.40")

    @pytest.mark.parametrize(
        ("notional_value", "expected"),
        [(Decimal(500_000), Decimal(3700)), (Decimal(50_000), Decimal(200))],
        ids=["500k-amount-1300", "50k-cap-inclusive"],
    )
    def test_maintenance_btcusdt(self, notional_value: Decimal, expected: Decimal) -> None:
        """rule-brackets: BTCUSDT 2021-2023 table, 500,000 USDT → MM 500,000·1 % − 1,300 = 3,700."""
        mm = maintenance_margin(
            size=np.array([1.0]),
            mark_price=np.array([float(notional_value)]),
            brackets=BracketArrays.from_table(BTCUSDT),
        )
        assert _dec(float(mm[0])) == expected

    def test_maintenance_coin_m(self) -> None:
        """rule-brackets: 100 BTCUSD contracts at mark 25,000 → notional 0.4 BTC → MM 0.0016 BTC."""
        mm = maintenance_margin(
            size=np.array([100.0]),
            mark_price=np.array([25_000.0]),
            brackets=BracketArrays.from_table(ONE),
            kind="inverse",
            contract_size=100,
        )
        assert round_to_step(_dec(float(mm[0])), "0.00000001", "half_up") == Decimal("0.0016")

    def test_maintenance_tiered(self) -> None:
        """rule-brackets: notional 3,500 over 1,000-wide tiers at 2/2.5/3/3.5/4 % → MM 92.5."""
        mm = maintenance_margin(
            size=np.array([1.0]), mark_price=np.array([3500.0]), brackets=TIERED
        )
        assert round_to_step(_dec(float(mm[0])), "0.01", "half_up") == Decimal("92.50")

    def test_spot_liquidation(self) -> None:
        """rule-spot-liquidation: 1 BTC held, 20,000 USDT owed, ML* 1.1 → 22,000."""
        lp = spot_liquidation_price(
            other_asset_value=np.array([0.0]),
            other_liability_value=np.array([20_000.0]),
            amount_held=np.array([1.0]),
            amount_owed=np.array([0.0]),
            liquidation_level=1.1,
        )
        assert round_to_step(_dec(float(lp[0])), "0.01", "half_up") == Decimal("22000.00")

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            ("2024-01-01T13:55", "2024-01-01T14:30", 2),
            ("2024-01-01T13:20", "2024-01-01T14:15", 2),
            ("2024-01-01T09:20", "2024-01-01T09:55", 1),
        ],
        ids=["13:55-14:30", "13:20-14:15", "09:20-09:55"],
    )
    def test_accruals(self, start: str, end: str, expected: int) -> None:
        """rule-interest: one accrual at borrowing, one per HH:00 boundary (not ceil of hours)."""
        counts = accrual_counts(
            np.array([start], dtype="datetime64[m]"), np.array([end], dtype="datetime64[m]")
        )
        assert counts.tolist() == [expected]
        assert counts.dtype == np.int64


# ---------------------------------------------------------------- liquidation, pinned


def _run_liquidation(
    rows: Sequence[dict[str, Any]],
    table: BracketTable,
    *,
    kind: ContractKind,
    namespace: str,
    engine: Engine,
) -> list[float]:
    xp = _xp(namespace)
    out = isolated_liquidation_price(
        side=_arr(xp, [r["side"] for r in rows], "int64"),
        size=_arr(xp, [float(r["size"]) for r in rows]),
        entry_price=_arr(xp, [float(r["entry"]) for r in rows]),
        margin=_arr(xp, [float(r["margin"]) for r in rows]),
        contract_size=_arr(xp, [float(r["contract_size"]) for r in rows]),
        brackets=BracketArrays.from_table(table),
        kind=kind,
        engine=engine,
    )
    return _floats(out)


def _check_against_reference(got: float, want: Decimal | None, kappa: Decimal) -> None:
    """``want``: a price, None (no price: NaN) or ±Infinity (every price: ±inf)."""
    bound = BOUND * (1 + kappa)
    if want is not None and want.is_infinite():
        assert got == float(want) or kappa * U > Decimal("1e-3")
    elif math.isinf(got):  # every price: only within float rounding of a zero numerator
        assert kappa * U > Decimal("1e-3")
    elif want is None:
        # Only a position within float rounding of "no liquidation" may differ.
        assert math.isnan(got) or kappa * U > Decimal("1e-3")
    elif math.isnan(got):
        assert kappa * U > Decimal("1e-3")
    else:
        assert _rel(got, want) <= bound


class TestIsolatedLiquidationPrice:
    """Batch = the exact consistent-bracket solve.

    Rules: rule-futures-liquidation-linear, rule-futures-liquidation-inverse [checked].
    """

    @pytest.mark.parametrize("namespace", NAMESPACES)
    @pytest.mark.parametrize("engine", ENGINES)
    @given(
        table=bracket_tables(max_brackets=10), p=positions, scale=decimals("0.05", "1.5", places=3)
    )
    def test_matches_exact(
        self,
        namespace: str,
        engine: Engine,
        table: BracketTable,
        p: dict[str, Any],
        scale: Decimal,
    ) -> None:
        """Within 16·2⁻⁵³·(1 + κ) of the exact price, NaN exactly where none exists."""
        p = _with_table(p, table)
        row = {**p, "margin": _margin_for(p, scale)}
        want, kappa = _reference_liquidation(
            table,
            side=row["side"],
            units=row["size"] * row["contract_size"],
            entry=row["entry"],
            margin=row["margin"],
            kind=row["kind"],
        )
        (got,) = _run_liquidation(
            [row], table, kind=row["kind"], namespace=namespace, engine=engine
        )
        _check_against_reference(got, want, kappa)

    @given(table=bracket_tables(max_brackets=10), p=positions)
    def test_within_1e_12_at_initial_margin(self, table: BracketTable, p: dict[str, Any]) -> None:
        """At its initial margin with leverage ≥ 2 a position's price is within 1e-12."""
        assume(p["leverage"] >= 2)
        p = _with_table(p, table)
        row = {**p, "margin": _margin_for(p, Decimal(1))}
        want, _ = _reference_liquidation(
            table,
            side=row["side"],
            units=row["size"] * row["contract_size"],
            entry=row["entry"],
            margin=row["margin"],
            kind=row["kind"],
        )
        (got,) = _run_liquidation([row], table, kind=row["kind"], namespace="numpy", engine="auto")
        assert want is not None
        assert _rel(got, want) <= Decimal("1e-12")

    @pytest.mark.parametrize("engine", ENGINES)
    @given(table=bracket_tables(max_brackets=10), data=st.data())
    def test_bracket_edges(self, engine: Engine, table: BracketTable, data: st.DataObject) -> None:
        """A position built to liquidate exactly at a cap gets that cap's price."""
        k = data.draw(st.integers(0, len(table.brackets) - 1))
        side = data.draw(st.sampled_from([LONG, SHORT]))
        kind: ContractKind = data.draw(st.sampled_from(["linear", "inverse"]))
        cap = table.brackets[k].cap
        lp = data.draw(decimals("1", "100000", places=2))
        units = (cap / lp) if kind == "linear" else cap * lp
        sigma = side if kind == "linear" else -side
        # Exact margin making the notional at LP equal the cap: M = σ·(n_entry − cap + σ·MM).
        mm = table.maintenance_margin(cap)
        entry_factor = data.draw(decimals("0.5", "2", places=3))
        entry = lp * entry_factor if kind == "linear" else lp / entry_factor
        n_entry = units * entry if kind == "linear" else units / entry
        margin = sigma * (n_entry - cap + sigma * mm)
        assume(margin >= 0)
        row = {"side": side, "size": units, "entry": entry, "margin": margin, "contract_size": 1}
        want, kappa = _reference_liquidation(
            table, side=side, units=units, entry=entry, margin=margin, kind=kind
        )
        assert want is not None
        (got,) = _run_liquidation([row], table, kind=kind, namespace="numpy", engine=engine)
        _check_against_reference(got, want, kappa)

    @pytest.mark.parametrize("engine", ENGINES)
    def test_no_liquidation_is_nan(self, engine: Engine) -> None:
        """A 1x linear long (margin = notional) and a 1x inverse short have none: NaN."""
        table = BracketArrays.from_table(BTCUSDT)
        linear = isolated_liquidation_price(
            side=np.array([LONG, LONG]),
            size=np.array([1.0, 1.0]),
            entry_price=np.array([50_000.0, 50_000.0]),
            margin=np.array([50_000.0, 60_000.0]),
            brackets=table,
            engine=engine,
        )
        inverse = isolated_liquidation_price(
            side=np.array([SHORT]),
            size=np.array([100.0]),
            entry_price=np.array([25_000.0]),
            margin=np.array([0.4]),
            brackets=table,
            kind="inverse",
            contract_size=100,
            engine=engine,
        )
        assert np.isnan(linear).all()
        assert np.isnan(inverse).all()

    @pytest.mark.parametrize("engine", ENGINES)
    def test_beyond_top_cap_extrapolates(self, engine: Engine) -> None:
        """Past the top cap the last bracket is extrapolated (as levrisk.futures does)."""
        lp = isolated_liquidation_price(
            side=np.array([SHORT, SHORT]),
            size=np.array([0.1, 1.0]),
            entry_price=np.array([50_000.0, 50_000.0]),
            margin=np.array([100.0, 40_000.0]),
            brackets=ONE,
            engine=engine,
        )
        # (Q·EP + M) / (Q·(1 + m)) with the only bracket's m = 0.4 %: 90,000 / 1.004
        want, _ = _reference_liquidation(
            ONE,
            side=SHORT,
            units=Decimal(1),
            entry=Decimal(50_000),
            margin=Decimal(40_000),
            kind="linear",
        )
        assert want == exact(lambda: Decimal(90_000) / Decimal("1.004"))()
        assert _rel(float(lp[1]), want) <= 4 * U

    def test_engines_agree_bitwise(self) -> None:
        """The Numba kernel and the array-API path evaluate the same float expressions."""
        rng = np.random.default_rng(7)
        n = 2_000
        side = rng.choice(np.array([LONG, SHORT], dtype=np.int8), n)
        size = rng.uniform(0.001, 5, n)
        entry = rng.uniform(100, 100_000, n)
        leverage = rng.uniform(1, 125, n)
        for kind in ("linear", "inverse"):
            cs = 1.0 if kind == "linear" else 100.0
            margin = size * entry / leverage if kind == "linear" else size * cs / entry / leverage
            args: dict[str, Any] = {
                "side": side,
                "size": size,
                "entry_price": entry,
                "margin": margin,
            }
            table = BracketArrays.from_table(TIERED if kind == "inverse" else BTCUSDT)
            fast = isolated_liquidation_price(
                **args, brackets=table, kind=kind, contract_size=cs, engine="numba"
            )
            slow = isolated_liquidation_price(
                **args, brackets=table, kind=kind, contract_size=cs, engine="array_api"
            )
            np.testing.assert_array_equal(fast, slow)
            strided = {k: v[::3] for k, v in args.items()}
            np.testing.assert_array_equal(
                isolated_liquidation_price(
                    **strided, brackets=table, kind=kind, contract_size=cs, engine="numba"
                ),
                slow[::3],
            )

    def test_blocks_of_rows(self) -> None:
        """Above one block (65,536 rows) the array-API path solves in blocks, same result."""
        rng = np.random.default_rng(3)
        n = 70_000
        side = rng.choice(np.array([LONG, SHORT]), n)
        size = rng.uniform(0.001, 2, n)
        entry = rng.uniform(100, 50_000, n)
        margin = size * entry / rng.uniform(1, 100, n)
        args: dict[str, Any] = {
            "side": side,
            "size": size,
            "entry_price": entry,
            "margin": margin,
        }
        blocked = isolated_liquidation_price(**args, brackets=BTCUSDT, engine="array_api")
        np.testing.assert_array_equal(
            blocked, isolated_liquidation_price(**args, brackets=BTCUSDT, engine="numba")
        )
        head = isolated_liquidation_price(
            **{k: v[:100] for k, v in args.items()}, brackets=BTCUSDT, engine="array_api"
        )
        np.testing.assert_array_equal(blocked[:100], head)
        side[69_000] = 0  # an invalid row in the second block is listed by its index
        with pytest.raises(InvalidInputError, match=r"1 bad row\(s\), first at \[69000\]"):
            isolated_liquidation_price(**args, brackets=BTCUSDT, engine="array_api")

    @pytest.mark.parametrize("namespace", NAMESPACES)
    @pytest.mark.parametrize("engine", ENGINES)
    def test_out_buffer(self, namespace: str, engine: Engine) -> None:
        """``out`` receives the prices and is returned; bad buffers are refused."""
        xp = _xp(namespace)
        args: dict[str, Any] = {
            "side": _arr(xp, [LONG, SHORT], "int64"),
            "size": _arr(xp, [0.02, 0.02]),
            "entry_price": _arr(xp, [50_000.0, 50_000.0]),
            "margin": _arr(xp, [500.0, 500.0]),
            "brackets": ONE,
            "engine": engine,
        }
        buffer = xp.zeros(2, dtype=xp.float64)
        result = isolated_liquidation_price(**args, out=buffer)
        assert result is buffer
        assert _floats(buffer) == _floats(isolated_liquidation_price(**args))
        for bad in (xp.zeros(3, dtype=xp.float64), xp.zeros(2, dtype=xp.int64), [0.0, 0.0]):
            with pytest.raises(InvalidInputError, match="out must be a float64 array"):
                isolated_liquidation_price(**args, out=bad)

    def test_out_read_only(self) -> None:
        """A read-only NumPy buffer is refused with InvalidInputError."""
        buffer = np.zeros(1)
        buffer.flags.writeable = False
        with pytest.raises(InvalidInputError, match="out must be a writable array"):
            isolated_liquidation_price(
                side=np.array([LONG]),
                size=np.array([0.02]),
                entry_price=np.array([50_000.0]),
                margin=np.array([500.0]),
                brackets=ONE,
                out=buffer,
            )

    def test_shape_is_kept(self) -> None:
        """Broadcast 2-D inputs come back in their shape (array-API path)."""
        out = isolated_liquidation_price(
            side=np.array([[LONG], [SHORT]]),
            size=np.array([[0.02, 0.04]]),
            entry_price=50_000.0,
            margin=500,
            brackets=ONE,
        )
        assert out.shape == (2, 2)
        assert round(float(out[0, 0]), 2) == 25100.4


_MARK_BASIS = False
"""The kernels' ``entry_basis`` flag for the default rule (maintenance at mark)."""


class TestKernelSource:
    """The Numba kernel's Python source gives the compiled results (and covers its lines)."""

    def test_python_source_matches(self) -> None:
        """Run the undecorated loop on rows hitting every branch; compare to the engine."""
        table = BracketArrays.from_tables([BTCUSDT, ONE])
        arrays = table.arrays(np)
        edges, rates, amounts = _kernel.kernel_tables(
            arrays.edges_minus, arrays.edges_plus, arrays.rates, arrays.amounts
        )
        side = np.array([1, -1, 1, 2, 1, -1, -1], dtype=np.int64)
        size = np.array([0.02, 0.02, 1.0, 1.0, 1.0, 1.0, 100.0])
        entry = np.array([50_000.0, 50_000.0, 50_000.0, 1.0, 1.0, 50_000.0, 25_000.0])
        margin = np.array([500.0, 500.0, 60_000.0, 1.0, 1.0, 40_000.0, 0.01])
        symbol = np.array([0, 0, 0, 0, 5, 1, 0], dtype=np.int64)
        out = np.empty(7)
        for inverse in (False, True):
            bad = _kernel._isolated_liquidation(
                side,
                size,
                entry,
                margin,
                np.ones(7),
                symbol,
                (inverse, _MARK_BASIS, 0.0, 0.0),  # no close fee at mark nor at bankruptcy
                edges,
                rates,
                amounts,
                np.empty((0, 0)),  # no table jumps: the kernel searches, never walks
                np.empty(0, np.int64),
                out,
            )
            assert bad == 2
            ok = np.array([True, True, True, False, False, True, True])
            good = isolated_liquidation_price(
                side=side[ok],
                size=size[ok],
                entry_price=entry[ok],
                margin=margin[ok],
                brackets=table,
                symbol=symbol[ok],
                kind="inverse" if inverse else "linear",
                engine="array_api",
            )
            np.testing.assert_array_equal(out[ok], good)
            assert np.isnan(out[~ok]).all()

    @pytest.mark.parametrize("inverse", [False, True], ids=["linear", "inverse"])
    def test_shared_kernel_source_matches(self, inverse: bool) -> None:
        """The blocked shared-table loop, run as Python over 1,300 rows (21 blocks)."""
        rng = np.random.default_rng(11)
        n = 1_300
        side = rng.choice(np.array([LONG, SHORT]), n)
        size = rng.uniform(0.01, 5, n)
        entry = rng.uniform(100, 60_000, n)
        cs = 100.0 if inverse else 1.0
        n_entry = size * cs / entry if inverse else size * entry
        margin = n_entry / rng.uniform(0.8, 125, n)
        side[3], size[700], margin[1299] = 0, -1.0, np.nan  # three invalid rows
        table = BracketArrays.from_table(TIERED if inverse else BTCUSDT)
        search = table.kernel_search(entry_basis=_MARK_BASIS, fee_mark=0.0)
        out = np.empty(n)
        fees = (0.0, 0.0)  # no close fee at mark, nor at the bankruptcy price
        args: tuple[Any, ...] = (side, size, entry, margin, cs, (inverse, _MARK_BASIS, *fees))
        bad = _kernel._isolated_liquidation_shared(*(*args, *search.kernel, out))
        ok = np.ones(n, dtype=bool)
        ok[[3, 700, 1299]] = False
        assert bad == 3
        assert np.isnan(out[~ok]).all()
        good = isolated_liquidation_price(
            side=side[ok],
            size=size[ok],
            entry_price=entry[ok],
            margin=margin[ok],
            brackets=table,
            kind="inverse" if inverse else "linear",
            contract_size=cs,
            engine="array_api",
        )
        np.testing.assert_array_equal(out[ok], good)
        compiled = isolated_liquidation_price(
            side=side[ok],
            size=size[ok],
            entry_price=entry[ok],
            margin=margin[ok],
            brackets=table,
            kind="inverse" if inverse else "linear",
            contract_size=cs,
            engine="numba",
        )
        np.testing.assert_array_equal(compiled, good)


# ---------------------------------------------------------------- per-symbol stacks


class TestStackedTables:
    """rule-brackets: positions carrying a symbol index use their own table."""

    @pytest.mark.parametrize("namespace", NAMESPACES)
    @pytest.mark.parametrize("engine", ENGINES)
    @given(
        tables=st.lists(bracket_tables(max_brackets=10), min_size=1, max_size=4),
        rows=st.lists(
            st.tuples(positions, decimals("0.05", "1.5", places=3), st.integers(0, 3)),
            min_size=1,
            max_size=6,
        ),
    )
    def test_each_row_uses_its_table(
        self,
        namespace: str,
        engine: Engine,
        tables: list[BracketTable],
        rows: list[tuple[dict[str, Any], Decimal, int]],
    ) -> None:
        """Stacked lookup equals the exact result of each row's own table."""
        prepared = []
        for p, scale, sym in rows:
            table = tables[sym % len(tables)]
            q = _with_table({**p, "kind": "linear"}, table)
            prepared.append(({**q, "margin": _margin_for(q, scale)}, sym % len(tables)))
        expected = [
            _reference_liquidation(
                tables[sym],
                side=row["side"],
                units=row["size"] * row["contract_size"],
                entry=row["entry"],
                margin=row["margin"],
                kind="linear",
            )
            for row, sym in prepared
        ]
        xp = _xp(namespace)
        got = isolated_liquidation_price(
            side=_arr(xp, [r["side"] for r, _ in prepared], "int64"),
            size=_arr(xp, [float(r["size"]) for r, _ in prepared]),
            entry_price=_arr(xp, [float(r["entry"]) for r, _ in prepared]),
            margin=_arr(xp, [float(r["margin"]) for r, _ in prepared]),
            contract_size=_arr(xp, [float(r["contract_size"]) for r, _ in prepared]),
            brackets=BracketArrays.from_tables(tables),
            symbol=_arr(xp, [s for _, s in prepared], "int64"),
            engine=engine,
        )
        for value, (want, kappa) in zip(_floats(got), expected, strict=True):
            _check_against_reference(value, want, kappa)

    def test_maintenance_per_symbol(self) -> None:
        """MM of one notional differs by table: 3,500 → 92.5 (tiered) vs 14 (0.4 %)."""
        stack = BracketArrays.from_tables([TIERED, ONE])
        mm = maintenance_margin(
            size=np.array([1.0, 1.0]),
            mark_price=np.array([3500.0, 3500.0]),
            brackets=stack,
            symbol=np.array([0, 1]),
        )
        assert mm.tolist() == pytest.approx([92.5, 14.0], rel=1e-15)

    def test_symbol_required_and_refused(self) -> None:
        """A stack needs a symbol index; a shared table refuses one."""
        stack = BracketArrays.from_tables([TIERED, ONE])
        with pytest.raises(InvalidInputError, match="symbol is required"):
            maintenance_margin(size=1.0, mark_price=1.0, brackets=stack)
        with pytest.raises(InvalidInputError, match="symbol is only accepted"):
            maintenance_margin(size=1.0, mark_price=1.0, brackets=ONE, symbol=np.array([0]))
        with pytest.raises(InvalidInputError, match="symbol is required"):
            isolated_liquidation_price(
                side=np.array([1]),
                size=np.array([1.0]),
                entry_price=np.array([1.0]),
                margin=np.array([0.1]),
                brackets=stack,
            )

    @pytest.mark.parametrize("engine", ENGINES)
    def test_symbol_out_of_range(self, engine: Engine) -> None:
        """A symbol index outside the stack is a listed bad row."""
        with pytest.raises(InvalidInputError, match=r"symbol must be a symbol index in \[0, 2\)"):
            isolated_liquidation_price(
                side=np.array([1, 1]),
                size=np.array([1.0, 1.0]),
                entry_price=np.array([1.0, 1.0]),
                margin=np.array([0.1, 0.1]),
                brackets=BracketArrays.from_tables([TIERED, ONE]),
                symbol=np.array([0, 2]),
                engine=engine,
            )

    def test_symbol_shape_and_dtype(self) -> None:
        """The symbol index is an integer array broadcastable to the positions."""
        stack = BracketArrays.from_tables([TIERED, ONE])
        with pytest.raises(InvalidInputError, match="symbol must be an integer array"):
            maintenance_margin(size=1.0, mark_price=1.0, brackets=stack, symbol=np.array([0.0]))
        with pytest.raises(InvalidInputError, match="symbol must broadcast"):
            maintenance_margin(
                size=np.ones(2), mark_price=1.0, brackets=stack, symbol=np.array([0, 1, 0])
            )


# ---------------------------------------------------------------- other futures functions


class TestBankruptcyPrice:
    """rule-bankruptcy-price [derived]: the liquidation solve with MM = 0."""

    @given(p=positions, scale=decimals("0.05", "1.5", places=3))
    def test_matches_exact(self, p: dict[str, Any], scale: Decimal) -> None:
        """Linear EP − s·M/Q, inverse N·CS/(N·CS/EP + s·M), to the documented bound."""
        margin = _margin_for(p, scale)
        got = float(
            bankruptcy_price(
                side=np.array([p["side"]]),
                size=np.array([float(p["size"])]),
                entry_price=np.array([float(p["entry"])]),
                margin=np.array([float(margin)]),
                kind=p["kind"],
                contract_size=float(p["contract_size"]),
            )[0]
        )
        units, ep, s = p["size"] * p["contract_size"], p["entry"], p["side"]
        sigma = s if p["kind"] == "linear" else -s
        n_entry = exact(lambda: units * ep if p["kind"] == "linear" else units / ep)()
        target = exact(lambda: n_entry - sigma * margin)()
        kappa = exact(lambda: (n_entry + margin) / max(abs(target), U))()
        if target <= 0:  # no bankruptcy price (and no division by a zero target)
            _check_against_reference(got, None, kappa)
            return
        want = exact(lambda: target / units if p["kind"] == "linear" else units / target)()
        _check_against_reference(got, want, kappa)

    @pytest.mark.parametrize(
        ("kind", "side", "expected"),
        [
            ("linear", LONG, Decimal("45000.00")),
            ("linear", SHORT, Decimal("55000.00")),
            ("inverse", LONG, Decimal("45454.55")),
            ("inverse", SHORT, Decimal("55555.56")),
        ],
        ids=["linear-long", "linear-short", "inverse-long", "inverse-short"],
    )
    def test_initial_margin_closed_forms(
        self, kind: ContractKind, side: int, expected: Decimal
    ) -> None:
        """10x at 50,000: EP·(1 − s/L) linear; EP·L/(L+1), EP·L/(L−1) inverse.

        Rule: rule-bankruptcy-price.
        """
        units = 100.0
        margin = units * 50_000 / 10 if kind == "linear" else units / 50_000 / 10
        got = bankruptcy_price(
            side=np.array([side]),
            size=np.array([units]),
            entry_price=50_000.0,
            margin=margin,
            kind=kind,
        )
        assert round_to_step(_dec(float(got[0])), "0.01", "half_up") == expected


class TestUnrealizedPnl:
    """rule-futures-margin-pnl [published]: linear s·Q·(MP − EP), inverse s·N·CS·(1/EP − 1/MP)."""

    @pytest.mark.parametrize("namespace", NAMESPACES)
    @given(p=positions, mark=decimals("0.5", "200000", places=2))
    def test_matches_exact_and_antisymmetric(
        self, namespace: str, p: dict[str, Any], mark: Decimal
    ) -> None:
        """Long and short PnL are opposite; each matches exact PnL to a few ulps of Q·MP."""
        xp = _xp(namespace)
        got = _floats(
            unrealized_pnl(
                side=_arr(xp, [LONG, SHORT], "int8"),
                size=float(p["size"]),
                entry_price=float(p["entry"]),
                mark_price=_arr(xp, [float(mark)]),
                kind=p["kind"],
                contract_size=float(p["contract_size"]),
            )
        )
        assert got[0] == -got[1]
        units, ep = p["size"] * p["contract_size"], p["entry"]
        if p["kind"] == "linear":
            want, scale = exact(lambda: units * (mark - ep))(), exact(lambda: units * (mark + ep))()
        else:
            want = exact(lambda: units * (1 / ep - 1 / mark))()
            scale = exact(lambda: units * (1 / ep + 1 / mark))()
        assert abs(_dec(got[0]) - want) <= BOUND * scale


class TestMaintenanceMarginAndRatio:
    """MM by bracket at mark; margin ratio = MM ÷ (WB + UPNL).

    Rules: rule-brackets, rule-futures-margin-pnl.
    """

    @given(table=bracket_tables(max_brackets=10), fraction=decimals("0.000001", "1", places=6))
    def test_mm_matches_table(self, table: BracketTable, fraction: Decimal) -> None:
        """Batch MM equals BracketTable.maintenance_margin within a few ulps."""
        value = table.max_cap * fraction
        got = float(
            maintenance_margin(size=np.array([1.0]), mark_price=float(value), brackets=table)[0]
        )
        want = table.maintenance_margin(value)
        assert abs(_dec(got) - want) <= BOUND * (value + want)

    def test_mm_beyond_top_cap(self) -> None:
        """Above the top cap the last bracket is extrapolated: 60,000 · 0.4 % = 240."""
        mm = maintenance_margin(size=np.array([1.0, 2.0]), mark_price=30_000.0, brackets=ONE)
        assert mm.tolist() == [120.0, 240.0]
        stacked = maintenance_margin(
            size=np.array([2.0, 2.0]),
            mark_price=30_000.0,
            brackets=BracketArrays.from_tables([ONE, BTCUSDT]),
            symbol=np.array([0, 1]),
        )
        assert stacked.tolist() == [240.0, 250.0]

    @pytest.mark.parametrize("engine", ENGINES)
    @given(
        table=bracket_tables(max_brackets=10), p=positions, scale=decimals("0.1", "1.5", places=3)
    )
    def test_ratio_is_one_at_liquidation(
        self, engine: Engine, table: BracketTable, p: dict[str, Any], scale: Decimal
    ) -> None:
        """At the batch liquidation price, the batch margin ratio is 1 (to float rounding)."""
        p = _with_table(p, table)
        row = {**p, "margin": _margin_for(p, scale)}
        (lp,) = _run_liquidation([row], table, kind=p["kind"], namespace="numpy", engine=engine)
        assume(not math.isnan(lp))
        ratio = margin_ratio(
            side=np.array([row["side"]]),
            size=np.array([float(row["size"])]),
            entry_price=np.array([float(row["entry"])]),
            mark_price=np.array([lp]),
            margin=np.array([float(row["margin"])]),
            brackets=table,
            kind=p["kind"],
            contract_size=float(row["contract_size"]),
        )
        _, kappa = _reference_liquidation(
            table,
            side=row["side"],
            units=row["size"] * row["contract_size"],
            entry=row["entry"],
            margin=row["margin"],
            kind=p["kind"],
        )
        assume(kappa < 10_000)
        assert abs(float(ratio[0]) - 1) <= 1e-9

    def test_ratio_values_and_nan(self) -> None:
        """MM ÷ balance at mark (0.04 at 100 USDT); NaN once the balance is gone."""
        ratio = margin_ratio(
            side=np.array([LONG, LONG]),
            size=np.array([0.02, 0.02]),
            entry_price=np.array([50_000.0, 50_000.0]),
            mark_price=np.array([50_000.0, 40_000.0]),
            margin=np.array([100.0, 100.0]),
            brackets=ONE,
        )
        assert ratio[0] == pytest.approx(0.04, rel=1e-15)
        assert math.isnan(ratio[1])

    def test_notional(self) -> None:
        """Linear Q·P in quote; inverse N·CS/P in coin (rule-futures-margin-pnl)."""
        assert notional(size=np.array([2.0]), price=np.array([30_000.0])).tolist() == [60_000.0]
        inv = notional(size=np.array([100.0]), price=25_000.0, kind="inverse", contract_size=100)
        assert inv.tolist() == [0.4]


# ---------------------------------------------------------------- spot margin


class TestMarginLevel:
    """rule-margin-level [published]: assets ÷ (liabilities + interest); none → NaN."""

    @pytest.mark.parametrize("namespace", NAMESPACES)
    @given(
        assets=decimals("0", "1000000", places=4),
        liabilities=decimals("0", "1000000", places=4),
    )
    def test_matches_exact(self, namespace: str, assets: Decimal, liabilities: Decimal) -> None:
        """The ratio to a few ulps; NaN exactly when nothing is owed."""
        xp = _xp(namespace)
        (got,) = _floats(
            margin_level(asset_value=_arr(xp, [float(assets)]), liability_value=float(liabilities))
        )
        if liabilities == 0:
            assert math.isnan(got)
        else:
            want = exact(lambda: assets / liabilities)()
            assert abs(_dec(got) - want) <= 4 * U * want


class TestSpotLiquidationPrice:
    """rule-spot-liquidation: l = (ML*·D_o − A_o)/(A_x − ML*·D_x); ≤ 0 or 0/… → NaN.

    Every price liquidating (both terms of the level's line ≤ 0, something owed) is -inf
    (rule-batch-outcomes).
    """

    @pytest.mark.parametrize("namespace", NAMESPACES)
    @given(
        values=st.tuples(*[decimals("0", "100000", places=2) for _ in range(4)]),
        level=st.sampled_from([Decimal("1.1"), Decimal("1.05"), Decimal("1.0")]),
    )
    def test_matches_exact(
        self,
        namespace: str,
        values: tuple[Decimal, Decimal, Decimal, Decimal],
        level: Decimal,
    ) -> None:
        """The closed form to float rounding; NaN where it is not a positive price."""
        a_o, d_o, a_x, d_x = values
        xp = _xp(namespace)
        (got,) = _floats(
            spot_liquidation_price(
                other_asset_value=_arr(xp, [float(a_o)]),
                other_liability_value=float(d_o),
                amount_held=float(a_x),
                amount_owed=float(d_x),
                liquidation_level=float(level),
            )
        )
        numerator = exact(lambda: level * d_o - a_o)()
        denominator = exact(lambda: a_x - level * d_x)()
        kappa = exact(
            lambda: (
                (level * d_o + a_o) / max(abs(numerator), U)
                + (a_x + level * d_x) / max(abs(denominator), U)
            )
        )()
        want = None if denominator == 0 else exact(lambda: numerator / denominator)()
        if (d_o or d_x) and numerator >= 0 and denominator <= 0:  # the level never exceeds ML*
            want = Decimal("-Infinity")
        elif want is not None and want <= 0:
            want = None
        _check_against_reference(got, want, kappa)

    @given(
        values=st.tuples(*[decimals("0", "100000", places=4) for _ in range(4)]),
        price=decimals("0.01", "100000", places=2),
        level=st.sampled_from([Decimal("1.1"), Decimal("1.05"), Decimal("1.3")]),
    )
    def test_matches_levrisk_margin(
        self,
        values: tuple[Decimal, Decimal, Decimal, Decimal],
        price: Decimal,
        level: Decimal,
    ) -> None:
        """Batch margin level and liquidation price = levrisk.margin's on a cross account."""
        usdt_held, usdt_owed, held, owed = values
        loans = [Loan(asset=a, principal=v) for a, v in (("USDT", usdt_owed), ("X", owed)) if v]
        assume(held or owed)
        account = CrossMarginAccount(balances={"X": held, "USDT": usdt_held}, loans=loans)
        try:  # the scalar path states the liquidated outcomes; batch gives the root or NaN
            want_lp = scalar_liquidation_price(
                account, asset="X", prices={"X": price}, liquidation_level=level
            )
        except AlreadyLiquidatedError as crossed:
            want_lp = crossed.price
        except AlwaysLiquidatedError:
            want_lp = Decimal("-Infinity")
        (got_lp,) = spot_liquidation_price(
            other_asset_value=np.array([float(usdt_held)]),
            other_liability_value=float(usdt_owed),
            amount_held=float(held),
            amount_owed=float(owed),
            liquidation_level=float(level),
        ).tolist()
        numerator = exact(lambda: level * usdt_owed - usdt_held)()
        denominator = exact(lambda: held - level * owed)()
        kappa = exact(
            lambda: (
                (level * usdt_owed + usdt_held) / max(abs(numerator), U)
                + (held + level * owed) / max(abs(denominator), U)
            )
        )()
        _check_against_reference(got_lp, want_lp, kappa)
        want_ml = scalar_margin_level(account, {"X": price})
        (got_ml,) = margin_level(
            asset_value=np.array([float(held * price + usdt_held)]),
            liability_value=float(owed * price + usdt_owed),
        ).tolist()
        if want_ml is None:
            assert math.isnan(got_ml)
        else:
            assert abs(_dec(got_ml) - want_ml) <= 8 * U * want_ml

    def test_level_must_be_positive(self) -> None:
        """A non-positive liquidation level is rejected."""
        with pytest.raises(InvalidInputError, match="liquidation_level must be positive"):
            spot_liquidation_price(
                other_asset_value=0.0,
                other_liability_value=1.0,
                amount_held=1.0,
                amount_owed=0.0,
                liquidation_level=0.0,
            )


# ---------------------------------------------------------------- interest


class TestAccrualCounts:
    """rule-interest [published]: 1 + #{HH:00 boundaries t : borrowed_at < t ≤ until}."""

    @pytest.mark.parametrize("namespace", NAMESPACES)
    @given(
        start=st.integers(-(10**9), 4 * 10**9),
        length=st.integers(0, 10**6),
    )
    def test_counts_boundaries(self, namespace: str, start: int, length: int) -> None:
        """Integer epoch seconds: the count equals a direct count of hour boundaries."""
        end = start + length
        first = (start // 3600 + 1) * 3600
        expected = 1 + (0 if first > end else (end - first) // 3600 + 1)
        xp = _xp(namespace)
        got = accrual_counts(_arr(xp, [start], "int64"), _arr(xp, [end], "int64"))
        assert _floats(got) == [expected]
        floats = accrual_counts(_arr(xp, [float(start)]), float(end))
        assert _floats(floats) == [expected]

    @pytest.mark.parametrize("counting", ["binance", "started_hour", "clock_hour", "kraken"])
    @given(
        start=st.integers(0, 4 * 10**9),
        length=st.integers(0, 10**6),
        micros=st.tuples(st.integers(0, 999_999), st.integers(0, 999_999)),
    )
    def test_matches_scalar_accrual_times(
        self, counting: InterestCounting, start: int, length: int, micros: tuple[int, int]
    ) -> None:
        """Counts equal len(levrisk.interest.accrual_times(...)) to the microsecond."""
        epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
        borrowed = epoch + timedelta(seconds=start, microseconds=micros[0])
        until = borrowed + timedelta(seconds=length, microseconds=micros[1])
        want = len(accrual_times(borrowed, until, counting=counting))
        for unit in ("us", "ns"):
            as_dt = accrual_counts(
                np.array([borrowed.replace(tzinfo=None)]).astype(f"datetime64[{unit}]"),
                np.array([until.replace(tzinfo=None)]).astype(f"datetime64[{unit}]"),
                counting=counting,
            )
            assert as_dt.tolist() == [want]
        whole = accrual_counts(np.array([start]), np.array([start + length]), counting=counting)
        assert whole.tolist() == [
            len(
                accrual_times(
                    epoch + timedelta(seconds=start),
                    epoch + timedelta(seconds=start + length),
                    counting=counting,
                )
            )
        ]
        if micros == (0, 0):
            seconds = accrual_counts(
                np.array([float(start)]), float(start + length), counting=counting
            )
            assert seconds.tolist() == whole.tolist()

    def test_coarse_units_and_unknown_counting(self) -> None:
        """datetime64[D] and [M] instants count like their midnights; bad rules raise."""
        days = accrual_counts(
            np.array(["2024-01-01"], dtype="datetime64[D]"),
            np.array(["2024-02"], dtype="datetime64[M]"),
        )
        assert days.tolist() == [1 + 31 * 24]
        with pytest.raises(InvalidInputError, match="counting must be one of"):
            accrual_counts(np.array([0]), np.array([1]), counting="daily")  # type: ignore[arg-type]
        mixed = accrual_counts(np.array([0]), np.array([3600.5]), counting="started_hour")
        assert mixed.tolist() == [2]

    @given(start=st.integers(0, 4 * 10**9), length=st.integers(0, 10**6))
    def test_datetime64_agrees_with_seconds(self, start: int, length: int) -> None:
        """datetime64 instants (any unit) give the same counts as epoch seconds."""
        seconds = np.array([start])
        until = np.array([start + length])
        as_dt = accrual_counts(
            (seconds * 1000).astype("datetime64[ms]"), until.astype("datetime64[s]")
        )
        assert as_dt.tolist() == accrual_counts(seconds, until).tolist()

    def test_until_before_borrowed(self) -> None:
        """An until before borrowed_at is a listed bad row, in both forms."""
        with pytest.raises(InvalidInputError, match=r"until must be at or after borrowed_at"):
            accrual_counts(np.array([10, 20]), np.array([10, 19]))
        with pytest.raises(InvalidInputError, match=r"first at \[0\]"):
            accrual_counts(
                np.array(["2024-01-01T10"], dtype="datetime64[h]"),
                np.array(["2024-01-01T09"], dtype="datetime64[h]"),
            )

    def test_bad_instants(self) -> None:
        """NaT, non-finite seconds and a mix of forms are rejected."""
        with pytest.raises(InvalidInputError, match="not NaT"):
            accrual_counts(np.array(["NaT"], dtype="datetime64[s]"), np.array([0], "M8[s]"))
        with pytest.raises(InvalidInputError, match="borrowed_at must be finite"):
            accrual_counts(np.array([np.inf]), np.array([0.0]))
        with pytest.raises(InvalidInputError, match="both be datetime64"):
            accrual_counts(np.array([0], "M8[s]"), np.array([0]))


class TestArrayApi2023:
    """The functions stay within the 2023.12 array API standard (no scalars in where...)."""

    def test_every_function_under_2023_12(self) -> None:
        """array-api-strict restricted to 2023.12 runs every function."""

        def f(values: list[float]) -> Any:
            return array_api_strict.asarray(values, dtype=array_api_strict.float64)

        with array_api_strict.ArrayAPIStrictFlags(api_version="2023.12"):
            one = {"side": f([1.0]), "size": f([0.02]), "entry_price": f([50_000.0])}
            lp = isolated_liquidation_price(**one, margin=f([500.0]), brackets=ONE)
            assert round(float(lp[0]), 2) == 25100.4
            stacked = isolated_liquidation_price(
                **one,
                margin=f([500.0]),
                brackets=BracketArrays.from_tables([ONE, BTCUSDT]),
                symbol=array_api_strict.asarray([1]),
            )
            assert round(float(stacked[0]), 2) == 25100.4
            assert float(bankruptcy_price(**one, margin=f([500.0]))[0]) == 25_000.0
            ratio = margin_ratio(**one, mark_price=f([50_000.0]), margin=f([100.0]), brackets=ONE)
            assert float(ratio[0]) == pytest.approx(0.04, rel=1e-15)
            level = margin_level(asset_value=f([3.0, 1.0]), liability_value=f([2.0, 0.0]))
            assert float(level[0]) == 1.5
            assert math.isnan(float(level[1]))
            spot = spot_liquidation_price(
                other_asset_value=f([0.0]),
                other_liability_value=f([20_000.0]),
                amount_held=f([1.0]),
                amount_owed=f([0.0]),
                liquidation_level=f([1.1]),
            )
            assert round(float(spot[0]), 6) == 22_000.0
            for counting in ("binance", "started_hour", "clock_hour"):
                whole = accrual_counts(
                    array_api_strict.asarray([50_100]),
                    array_api_strict.asarray([54_000]),
                    counting=counting,
                )
                assert int(whole[0]) == {"binance": 3, "started_hour": 2, "clock_hour": 2}[counting]


# ---------------------------------------------------------------- validation and fuzz


class TestValidation:
    """Invalid rows are reported, never computed: InvalidInputError listing rows."""

    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize(
        ("field", "value", "pattern"),
        [
            ("side", 0.0, r"side must be 1 \(long\) or -1 \(short\)"),
            ("size", -1.0, "size must be positive and finite"),
            ("entry_price", math.nan, "entry_price must be positive and finite"),
            ("margin", -0.5, "margin must be non-negative and finite"),
            ("margin", math.inf, "margin must be non-negative and finite"),
        ],
        ids=["side-0", "size-negative", "entry-nan", "margin-negative", "margin-inf"],
    )
    def test_bad_row_listed(self, engine: Engine, field: str, value: float, pattern: str) -> None:
        """The message names the argument, the count and the first bad row indices."""
        args: dict[str, Any] = {
            "side": np.array([1.0, 1.0, -1.0]),
            "size": np.ones(3),
            "entry_price": np.full(3, 100.0),
            "margin": np.full(3, 10.0),
        }
        args[field] = args[field].copy()
        args[field][2] = value
        with pytest.raises(InvalidInputError, match=pattern + r".*1 bad row\(s\), first at \[2\]"):
            isolated_liquidation_price(**args, brackets=ONE, engine=engine)

    def test_many_bad_rows_are_summarised(self) -> None:
        """The first five bad rows are listed with the total count."""
        with pytest.raises(InvalidInputError, match=r"7 bad row\(s\), first at \[0, 1, 2, 3, 4\]"):
            notional(size=-np.ones(7), price=1.0)

    def test_bad_arguments(self) -> None:
        """kind, engine, brackets, dtypes, shapes and namespaces are checked."""
        ok: dict[str, Any] = {"side": 1, "size": 1.0, "entry_price": 1.0, "margin": 0.1}
        with pytest.raises(InvalidInputError, match="kind must be"):
            isolated_liquidation_price(**ok, brackets=ONE, kind="quanto")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="engine must be"):
            isolated_liquidation_price(**ok, brackets=ONE, engine="gpu")  # type: ignore[arg-type]
        with pytest.raises(BracketError, match="brackets must be a BracketArrays"):
            isolated_liquidation_price(**ok, brackets=[1, 2])  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="engine='numba' needs"):
            isolated_liquidation_price(**ok, brackets=ONE, engine="numba")
        with pytest.raises(InvalidInputError, match="size must be an array of real numbers"):
            notional(size=np.array([True]), price=1.0)
        with pytest.raises(InvalidInputError, match="size must be a real number"):
            notional(size="1", price=1.0)
        with pytest.raises(InvalidInputError, match="broadcastable shapes"):
            notional(size=np.ones(2), price=np.ones(3))
        with pytest.raises(InvalidInputError, match="share one array namespace"):
            notional(size=np.ones(2), price=array_api_strict.ones(2))

    def test_scalars_and_decimals_accepted(self) -> None:
        """Python and Decimal scalars broadcast like 0-d arrays; float32 is widened."""
        out = notional(size=Decimal("0.5"), price=np.array([2.0], dtype=np.float32))
        assert out.dtype == np.float64
        assert out.tolist() == [1.0]

    def test_stack_construction(self) -> None:
        """from_tables needs a non-empty sequence of tables; equal by value, arrays cached."""
        with pytest.raises(BracketError, match="non-empty sequence"):
            BracketArrays.from_tables([])
        with pytest.raises(BracketError, match=r"tables\[1\] must be a BracketTable"):
            BracketArrays.from_tables([ONE, "x"])  # type: ignore[list-item]
        with pytest.raises(BracketError, match="table must be a BracketTable"):
            BracketArrays.from_table("x")  # type: ignore[arg-type]
        stack = BracketArrays.from_tables([ONE, TIERED])
        assert stack.symbols == 2
        assert stack.arrays(np) is stack.arrays(np)
        again = BracketArrays.from_tables([ONE, TIERED])
        assert again == stack
        assert hash(again) == hash(stack)
        assert again != BracketArrays.from_table(ONE)

    def test_numba_fallback_without_kernel(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without Numba, "auto" takes the array-API path and "numba" is refused."""
        monkeypatch.setattr(_kernel, "AVAILABLE", False)
        args: dict[str, Any] = {
            "side": np.array([1]),
            "size": np.array([0.02]),
            "entry_price": np.array([50_000.0]),
            "margin": np.array([500.0]),
            "brackets": ONE,
        }
        assert round(float(isolated_liquidation_price(**args)[0]), 2) == 25100.4
        with pytest.raises(InvalidInputError, match="engine='numba' needs"):
            isolated_liquidation_price(**args, engine="numba")

    @pytest.mark.parametrize(
        "change",
        [
            {"contract_size": np.ones(3), "size": np.array([0.02, 0.02])},
            {"contract_size": "x"},
            {"contract_size": 0.0},
            {"symbol": np.array([0.0])},
            {"side": np.array([True])},
        ],
        ids=["cs-wrong-length", "cs-str", "cs-zero", "symbol-float", "side-bool"],
    )
    def test_kernel_declines_odd_inputs(self, change: dict[str, Any]) -> None:
        """Inputs the kernel does not take go to the array-API path (which validates)."""
        args: dict[str, Any] = {
            "side": np.array([1]),
            "size": np.array([0.02]),
            "entry_price": np.array([50_000.0]),
            "margin": np.array([500.0]),
            "brackets": ONE,
            **change,
        }
        with pytest.raises(InvalidInputError):
            isolated_liquidation_price(**args)


_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            Decimal("1e-40"),
            Decimal("1e30"),
            Decimal("NaN123"),
            Decimal("sNaN"),
            Decimal("1e999999"),
            Decimal("-Infinity"),
            -0.0,
            5e-324,
            1e308,
            "1",
            "1e400",
            "abc",
            b"1",
            1j,
            object(),
            datetime(2024, 1, 1, tzinfo=timezone.utc),
            timedelta(hours=1),
            [1, 2],
            (),
            {},
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=3).map(np.array),
    st.lists(st.integers(-3, 3), min_size=1, max_size=3).map(np.array),
    st.sampled_from(
        [
            np.array(["a"]),
            np.array([1 + 2j]),
            np.array([True, False]),
            np.zeros((2, 2)),
            array_api_strict.asarray([1.0]),
        ]
    ),
)

_ENTRY_POINTS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "isolated_liquidation_price": (
        isolated_liquidation_price,
        (
            "side",
            "size",
            "entry_price",
            "margin",
            "contract_size",
            "symbol",
            "kind",
            "engine",
            "out",
        ),
    ),
    "bankruptcy_price": (
        bankruptcy_price,
        ("side", "size", "entry_price", "margin", "contract_size", "kind"),
    ),
    "maintenance_margin": (
        maintenance_margin,
        ("size", "mark_price", "contract_size", "symbol", "kind"),
    ),
    "margin_ratio": (
        margin_ratio,
        ("side", "size", "entry_price", "mark_price", "margin", "contract_size", "symbol"),
    ),
    "unrealized_pnl": (
        unrealized_pnl,
        ("side", "size", "entry_price", "mark_price", "contract_size", "kind"),
    ),
    "notional": (notional, ("size", "price", "contract_size", "kind")),
    "margin_level": (margin_level, ("asset_value", "liability_value")),
    "spot_liquidation_price": (
        spot_liquidation_price,
        (
            "other_asset_value",
            "other_liability_value",
            "amount_held",
            "amount_owed",
            "liquidation_level",
        ),
    ),
}


class TestFuzz:
    """Only LevriskError escapes, whatever the arguments (DESIGN.md principle 3)."""

    @pytest.mark.parametrize("entry_point", sorted(_ENTRY_POINTS))
    @given(data=st.data())
    def test_only_levrisk_errors(self, entry_point: str, data: st.DataObject) -> None:
        """Random junk in any argument gives a result or a LevriskError."""
        func, names = _ENTRY_POINTS[entry_point]
        kwargs = {name: data.draw(_JUNK, label=name) for name in names}
        if "mark_price" in names and entry_point != "unrealized_pnl":
            kwargs["brackets"] = data.draw(st.sampled_from([ONE, BTCUSDT, "table"]))
        if entry_point == "isolated_liquidation_price":
            kwargs["brackets"] = data.draw(
                st.sampled_from([ONE, BracketArrays.from_tables([ONE, TIERED]), None])
            )
        with contextlib.suppress(LevriskError):
            func(**kwargs)

    @given(start=_JUNK, end=_JUNK)
    def test_accrual_counts(self, start: object, end: object) -> None:
        """accrual_counts too."""
        with contextlib.suppress(LevriskError):
            accrual_counts(start, end)


# ---------------------------------------------------------------- pinned to levrisk.futures


def _one(func: Callable[..., Any], p: dict[str, Any], table: BracketTable, **extra: Any) -> float:
    """Call a batch function on the single position ``p``; return the float."""
    arrays: dict[str, Any] = {
        "side": np.array([p["side"]]),
        "size": np.array([float(p["size"])]),
        "entry_price": np.array([float(p["entry"])]),
        "kind": p["kind"],
        "contract_size": float(p["contract_size"]),
        **extra,
    }
    if func in {maintenance_margin, margin_ratio, isolated_liquidation_price}:
        arrays["brackets"] = table
    if func is maintenance_margin:
        del arrays["side"], arrays["entry_price"]
    return float(func(**arrays)[0])


def _root(
    call: Callable[..., Decimal | None], *args: Any, side: int, **kwargs: Any
) -> Decimal | None:
    """The scalar root the batch path returns: a crossed price is still the root (NaN: none).

    Every price liquidating is ±Infinity (+ for a long, − for a short), as in batch.
    """
    try:
        return call(*args, **kwargs)
    except AlreadyLiquidatedError as crossed:
        return crossed.price
    except AlwaysLiquidatedError:
        return Decimal("Infinity") if side == LONG else Decimal("-Infinity")


class TestPinnedToFutures:
    """Every futures array function = the scalar levrisk.futures result.

    Rule: rule-brackets, rule-futures.
    """

    @pytest.mark.parametrize("engine", ENGINES)
    @given(
        table=bracket_tables(max_brackets=10), p=positions, scale=decimals("0.05", "1.5", places=3)
    )
    def test_isolated_liquidation_and_bankruptcy(
        self, engine: Engine, table: BracketTable, p: dict[str, Any], scale: Decimal
    ) -> None:
        """Liquidation and bankruptcy prices within the documented bound; NaN ↔ None."""
        p = _with_table(p, table)
        margin = _margin_for(p, scale)
        position = position_of(p, table)
        want = _root(futures.isolated_liquidation_price, position, side=p["side"], margin=margin)
        reference, kappa = _reference_liquidation(
            table,
            side=p["side"],
            units=p["size"] * p["contract_size"],
            entry=p["entry"],
            margin=margin,
            kind=p["kind"],
        )
        # This module's 50-digit reference is levrisk.futures' exact result.
        assert (reference is None) == (want is None)
        assert want is None or reference is None or abs(reference - want) <= want * U**2
        got = _one(isolated_liquidation_price, p, table, margin=float(margin), engine=engine)
        _check_against_reference(got, want, kappa)
        want_bp = _root(futures.bankruptcy_price, position, side=p["side"], margin=margin)
        got_bp = _one(bankruptcy_price, p, table, margin=float(margin))
        units, ep = p["size"] * p["contract_size"], p["entry"]
        sigma = p["side"] if p["kind"] == "linear" else -p["side"]
        n_entry = exact(lambda: units * ep if p["kind"] == "linear" else units / ep)()
        kappa_bp = exact(lambda: (n_entry + margin) / max(abs(n_entry - sigma * margin), U))()
        _check_against_reference(got_bp, want_bp, kappa_bp)

    @given(
        table=bracket_tables(max_brackets=10),
        p=positions,
        scale=decimals("0", "1.5", places=3),
        move=decimals("0.5", "1.5", places=4),
    )
    def test_mm_pnl_ratio_notional(
        self, table: BracketTable, p: dict[str, Any], scale: Decimal, move: Decimal
    ) -> None:
        """MM, UPNL, margin ratio and notional at a mark price, to a few ulps."""
        p = _with_table(p, table)
        margin = _margin_for(p, scale)
        mark = exact(lambda: p["entry"] * move)()
        position = position_of(p, table)
        want_mm = futures.maintenance_margin(position, mark_price=mark)
        got_mm = _one(maintenance_margin, p, table, mark_price=float(mark))
        want_n = futures.notional(position, price=mark)
        assert abs(_dec(got_mm) - want_mm) <= BOUND * (want_n + want_mm)
        got_n = float(
            notional(
                size=float(p["size"]),
                price=float(mark),
                kind=p["kind"],
                contract_size=float(p["contract_size"]),
            )
        )
        assert abs(_dec(got_n) - want_n) <= 4 * U * want_n
        want_pnl = futures.unrealized_pnl(position, mark_price=mark)
        got_pnl = _one(unrealized_pnl, p, table, mark_price=float(mark))
        n_entry = futures.notional(position)
        assert abs(_dec(got_pnl) - want_pnl) <= BOUND * (want_n + n_entry)
        want_ratio = futures.margin_ratio(position, margin=margin, mark_price=mark)
        got_ratio = _one(margin_ratio, p, table, mark_price=float(mark), margin=float(margin))
        if want_ratio is None:
            balance_scale = margin + want_n + n_entry
            assert (
                math.isnan(got_ratio)
                or exact(lambda: abs(margin + want_pnl) <= BOUND * balance_scale)()
            )
        else:
            balance = exact(lambda: margin + want_pnl)()
            kappa = exact(lambda: (margin + want_n + n_entry) / balance)()
            # MM = n·m − cum cancels too: its float error is a few ulps of n·m + cum, and
            # cum ≤ floor·m ≤ n·m, so its relative error is within BOUND·(2n + MM)/MM.
            kappa_mm = exact(lambda: (2 * want_n + want_mm) / want_mm)()
            if math.isnan(got_ratio):  # the balance rounded to ≤ 0
                assert kappa * U > Decimal("1e-3")
            else:
                assert _rel(got_ratio, want_ratio) <= BOUND * (1 + kappa + kappa_mm)
