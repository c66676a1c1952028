"""Tests of levrisk.batch under every LiquidationRule, and of BracketArrays' validation.

The reference is levrisk.futures.isolated_liquidation_price with the same rule (exact,
50 digits). The float bound is stated in ``_check`` and on the batch explanation page.
"""

from __future__ import annotations

import math
import pickle
from decimal import Decimal
from typing import Any

import array_api_strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk import futures
from levrisk.batch import (
    LONG,
    SHORT,
    STATE_PRICE,
    BracketArrays,
    Engine,
    _kernel,
    isolated_liquidation_price,
    liquidation_states,
    notional,
)
from levrisk.brackets import BracketTable
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    AlwaysLiquidatedError,
    BracketError,
    InvalidInputError,
)
from levrisk.futures import ContractKind, LiquidationRule
from levrisk.numbers import exact
from strategies import bracket_tables, decimals, rates

U = Decimal(2) ** -53
"""Unit roundoff of float64."""

BTCUSDT = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000, 10_000_000],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
    max_leverages=[125, 100, 50, 20],
)
ONE = BracketTable.from_rates(caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125])
WHOLE = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000],
    maintenance_rates=["0.004", "0.02", "0.05"],
    max_leverages=[125, 50, 20],
    maintenance="whole",
)
"""A whole table (rule-tier-maintenance): MM jumps up at each cap."""

RULES = [
    LiquidationRule(),
    LiquidationRule(close_fee="mark", fee_rate="0.0005"),
    LiquidationRule(close_fee="bankruptcy", fee_rate="0.00075"),
    LiquidationRule(maintenance_basis="entry"),
    LiquidationRule(maintenance_basis="entry", close_fee="mark", fee_rate="0.0006"),
    LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.00075"),
]
RULE_IDS = [
    "binance",
    "gate-okx-bitget",
    "mark-bankruptcy",
    "bitmex",
    "entry-mark-fee",
    "bybit",
]

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
def n_entry_of(p: dict[str, Any]) -> Decimal:
    """The exact entry notional of a drawn row ``p``."""
    units = p["size"] * p["contract_size"]
    result: Decimal = units * p["entry"] if p["kind"] == "linear" else units / p["entry"]
    return result


def fit(p: dict[str, Any], table: BracketTable) -> dict[str, Any]:
    """Scale the position so its entry notional lies inside the table's range."""
    while n_entry_of(p) > table.max_cap / 2:
        p = {**p, "size": p["size"] / 10}
    return p


def position_of(p: dict[str, Any], table: BracketTable) -> futures.Position:
    """The scalar position of a drawn row ``p`` on ``table`` (test_batch_states uses it too)."""
    contract = futures.Contract(
        symbol="X",
        kind=p["kind"],
        brackets=table,
        contract_size=p["contract_size"],
        margin_asset=None if p["kind"] == "linear" else "X",
    )
    return futures.Position(
        contract=contract,
        side="long" if p["side"] == LONG else "short",
        size=p["size"],
        entry_price=p["entry"],
        leverage=1,
    )


def _exact(p: dict[str, Any], table: BracketTable, margin: Decimal, rule: LiquidationRule) -> Any:
    position = position_of(p, table)
    try:  # the scalar path states the liquidated outcomes; batch gives the root (NaN: none)
        return futures.isolated_liquidation_price(position, margin=margin, rule=rule)
    except AlreadyLiquidatedError as crossed:
        return crossed.price
    except AlwaysLiquidatedError:  # batch: +inf for a long, -inf for a short
        return Decimal("Infinity") if p["side"] == LONG else Decimal("-Infinity")


def batch_price(
    p: dict[str, Any],
    table: BracketTable,
    margin: Decimal,
    rule: LiquidationRule,
    *,
    engine: Engine,
    namespace: Any = np,
) -> float:
    """The batch liquidation price of a drawn row ``p`` (test_batch_states uses it too)."""
    out = isolated_liquidation_price(
        side=namespace.asarray([p["side"]], dtype=namespace.int64),
        size=namespace.asarray([float(p["size"])], dtype=namespace.float64),
        entry_price=namespace.asarray([float(p["entry"])], dtype=namespace.float64),
        margin=namespace.asarray([float(margin)], dtype=namespace.float64),
        contract_size=float(p["contract_size"]),
        kind=p["kind"],
        brackets=BracketArrays.from_table(table),
        rule=rule,
        engine=engine,
    )
    return float(out[0])


@exact
def check_price(
    got: float,
    want: Decimal | None,
    *,
    p: dict[str, Any],
    margin: Decimal,
    table: BracketTable,
    rule: LiquidationRule,
) -> None:
    """The float bound under any rule: ``|rel. error| ≤ 32·u·(1 + κ)``.

    With ``n`` the exact liquidation notional, ``c`` the fee rate and ``m``, ``cum`` the
    table's largest rate and amount, the solve forms ``n·(1 − σ(m_k + c_m))`` from terms
    no larger than ``S = (n_entry + M)(1 + c) + n_entry + cum`` in about ten roundings
    of relative size ``u`` each (the fee-shifted edges add one more, continuity of the
    condition absorbs a bracket chosen across an edge), so the relative error is at
    most ``32·u·(1 + κ)`` with ``κ = S / (n·(1 − m − c))``. Where no price exists
    (``None``) the float path may only give a price at the no-liquidation boundary
    (a notional within rounding of 0: a price below 10⁻⁶ of entry, linear, or above
    10⁶ times entry, inverse); and conversely.
    """
    entry = p["entry"]

    def boundary(x: Decimal) -> bool:
        return bool(x < entry * Decimal("1e-6") if p["kind"] == "linear" else x > entry * 10**6)

    if want is not None and want.is_infinite():  # every price: or a root within rounding
        assert got == float(want) or boundary(Decimal(repr(got)))
        return
    if math.isinf(got):
        assert want is not None
        assert boundary(want)
        return
    if want is None:
        assert math.isnan(got) or boundary(Decimal(repr(got)))
        return
    if math.isnan(got):
        assert boundary(want)
        return
    units = p["size"] * p["contract_size"]
    n = units * want if p["kind"] == "linear" else units / want
    fee = rule.fee_rate
    rate = max(b.maintenance_rate for b in table.brackets)
    cum = max(abs(b.maintenance_amount) for b in table.brackets)
    n_entry = n_entry_of(p)
    scale = (n_entry + margin) * (1 + fee) + n_entry + cum
    kappa = scale / (n * (1 - rate - fee))
    assert abs(Decimal(repr(got)) - want) / want <= 32 * U * (1 + kappa)


class TestEveryRule:
    """rule-venues: the batch solve = levrisk.futures under every LiquidationRule."""

    @pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
    @pytest.mark.parametrize("engine", ["auto", "array_api"])
    @given(
        table=bracket_tables(max_brackets=10),
        p=positions,
        scale=decimals("0.05", "1.5", places=3),
    )
    def test_matches_exact(
        self,
        rule: LiquidationRule,
        engine: Engine,
        table: BracketTable,
        p: dict[str, Any],
        scale: Decimal,
    ) -> None:
        """Within the stated float bound of the exact price; NaN where it is None."""
        p = fit(p, table)
        margin = exact(lambda: (n_entry_of(p) / p["leverage"] * scale).quantize(Decimal("1e-12")))()
        want = _exact(p, table, margin, rule)
        got = batch_price(p, table, margin, rule, engine=engine)
        check_price(got, want, p=p, margin=margin, table=table, rule=rule)

    @pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
    def test_array_api_strict(self, rule: LiquidationRule) -> None:
        """The array-API path on array-api-strict gives NumPy's numbers."""
        p = {
            "side": SHORT,
            "size": Decimal(2),
            "entry": Decimal(60_000),
            "kind": "linear",
            "contract_size": Decimal(1),
        }
        got = batch_price(
            p, BTCUSDT, Decimal(12_000), rule, engine="array_api", namespace=array_api_strict
        )
        assert got == batch_price(p, BTCUSDT, Decimal(12_000), rule, engine="auto")

    @pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
    @pytest.mark.parametrize("kind", ["linear", "inverse"])
    def test_engines_agree_bitwise(self, rule: LiquidationRule, kind: ContractKind) -> None:
        """Kernels (shared and stacked) and the array-API path give the same floats."""
        rng = np.random.default_rng(5)
        n = 3_000
        side = rng.choice(np.array([LONG, SHORT], dtype=np.int8), n)
        size = rng.uniform(0.001, 50, n)
        entry = rng.uniform(100, 100_000, n)
        cs = 1.0 if kind == "linear" else 100.0
        n_entry = size * entry if kind == "linear" else size * cs / entry
        margin = n_entry / rng.uniform(1, 125, n)
        margin[:50] = 2 * n_entry[:50]  # half of them (the σ = +1 rows) have no price
        args: dict[str, Any] = {"side": side, "size": size, "entry_price": entry, "margin": margin}
        common: dict[str, Any] = {"kind": kind, "contract_size": cs, "rule": rule}
        tables = BracketArrays.from_table(BTCUSDT if kind == "linear" else ONE)
        fast = isolated_liquidation_price(**args, brackets=tables, engine="numba", **common)
        slow = isolated_liquidation_price(**args, brackets=tables, engine="array_api", **common)
        np.testing.assert_array_equal(fast, slow)
        assert np.isnan(fast).any()
        assert not np.isnan(fast).all()
        stack = BracketArrays.from_tables([ONE, BTCUSDT])
        symbol = rng.integers(0, 2, n)
        stacked = {**args, "brackets": stack, "symbol": symbol, **common}
        np.testing.assert_array_equal(
            isolated_liquidation_price(**stacked, engine="numba"),
            isolated_liquidation_price(**stacked, engine="array_api"),
        )

    @pytest.mark.parametrize("rule", [RULES[0], RULES[5]], ids=["binance", "bybit"])
    def test_large_books_and_tables(self, rule: LiquidationRule) -> None:
        """Stacks above one block of rows, and a 20-bracket table (searched, not counted)."""
        rng = np.random.default_rng(17)
        n = 70_000
        size = rng.uniform(0.001, 50, n)
        entry = rng.uniform(100, 100_000, n)
        args: dict[str, Any] = {
            "side": rng.choice(np.array([LONG, SHORT]), n),
            "size": size,
            "entry_price": entry,
            "margin": size * entry / rng.uniform(1, 125, n),
            "rule": rule,
        }
        stack: dict[str, Any] = {
            "brackets": BracketArrays.from_tables([ONE, BTCUSDT]),
            "symbol": rng.integers(0, 2, n),
        }
        np.testing.assert_array_equal(
            isolated_liquidation_price(**args, **stack, engine="numba"),
            isolated_liquidation_price(**args, **stack, engine="array_api"),
        )
        wide = BracketTable.from_rates(
            caps=[10_000 * 1.5**k for k in range(20)],
            maintenance_rates=[f"{0.004 + 0.004 * k:.3f}" for k in range(20)],
            max_leverages=[max(1, 125 - 6 * k) for k in range(20)],
        )
        head: dict[str, Any] = {
            k: v[:3_000] if isinstance(v, np.ndarray) else v for k, v in args.items()
        }
        np.testing.assert_array_equal(
            isolated_liquidation_price(**head, brackets=wide, engine="numba"),
            isolated_liquidation_price(**head, brackets=wide, engine="array_api"),
        )

    def test_default_is_binance(self) -> None:
        """rule=LiquidationRule() is the default: the same floats, bit for bit."""
        args: dict[str, Any] = {
            "side": np.array([LONG, SHORT]),
            "size": np.array([0.02, 3.0]),
            "entry_price": np.array([50_000.0, 60_000.0]),
            "margin": np.array([500.0, 9_000.0]),
            "brackets": BTCUSDT,
        }
        for engine in ("numba", "array_api"):
            np.testing.assert_array_equal(
                isolated_liquidation_price(**args, engine=engine),
                isolated_liquidation_price(**args, rule=LiquidationRule(), engine=engine),
            )

    def test_bad_rule(self) -> None:
        """A rule that is not a LiquidationRule, or a fee too large for the solve, is refused."""
        args: dict[str, Any] = {"side": 1, "size": 1.0, "entry_price": 1.0, "margin": 0.1}
        with pytest.raises(InvalidInputError, match="rule must be a LiquidationRule"):
            isolated_liquidation_price(**args, brackets=ONE, rule="bybit")  # type: ignore[arg-type]
        high = BracketTable.from_rates(caps=[10], maintenance_rates=["0.6"], max_leverages=[1])
        rule = LiquidationRule(close_fee="mark", fee_rate="0.5")
        with pytest.raises(InvalidInputError, match=r"rate plus rule\.fee_rate below 1"):
            isolated_liquidation_price(**args, brackets=high, rule=rule)
        entry = LiquidationRule(maintenance_basis="entry", close_fee="mark", fee_rate="0.5")
        assert isolated_liquidation_price(**args, brackets=high, rule=entry).shape == ()


def _source_rows(rng: Any, n: int, *, inverse: bool, lowest: float) -> tuple[Any, ...]:
    """Random ``(side, size, entry, margin, contract size)`` rows for the kernels' source tests.

    Leverages from ``lowest`` to 125.
    """
    side = rng.choice(np.array([LONG, SHORT]), n)
    size = rng.uniform(0.01, 5, n)
    entry = rng.uniform(100, 60_000, n)
    cs = 100.0 if inverse else 1.0
    n_entry = size * cs / entry if inverse else size * entry
    return side, size, entry, n_entry / rng.uniform(lowest, 125, n), cs


def _valid_rows(
    rows: dict[str, Any],
    ok: Any,
    table: BracketArrays,
    *,
    inverse: bool,
    cs: float,
    rule: LiquidationRule,
) -> Any:
    """The array-API prices of the valid rows ``ok`` (the kernels' source tests' reference)."""
    return isolated_liquidation_price(
        **{name: value[ok] for name, value in rows.items()},
        brackets=table,
        kind="inverse" if inverse else "linear",
        contract_size=cs,
        rule=rule,
        engine="array_api",
    )


class TestKernelSourceRules:
    """rule-venues: the kernels' Python source, run uncompiled, under every rule."""

    @pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
    @pytest.mark.parametrize("inverse", [False, True], ids=["linear", "inverse"])
    def test_source_matches(self, rule: LiquidationRule, inverse: bool) -> None:
        """Both loops, as Python, give the array-API floats; invalid rows are NaN."""
        rng = np.random.default_rng(13)
        n = 1_100
        side, size, entry, margin, cs = _source_rows(rng, n, inverse=inverse, lowest=0.8)
        side[3], size[700] = 0, -1.0
        ok = np.ones(n, dtype=bool)
        ok[[3, 700]] = False
        table = BracketArrays.from_table(BTCUSDT)
        entry_basis = rule.maintenance_basis == "entry"
        fee = float(rule.fee_rate)
        fees = (
            fee if rule.close_fee == "mark" else 0.0,
            fee if rule.close_fee == "bankruptcy" else 0.0,
        )
        edges, rates, amounts = table.kernel_tables(entry_basis=entry_basis, fee_mark=fees[0])
        search = table.kernel_search(entry_basis=entry_basis, fee_mark=fees[0])
        flags = (inverse, entry_basis, *fees)
        shared = np.empty(n)
        args: tuple[Any, ...] = (side, size, entry, margin, cs, flags, *search.kernel, shared)
        assert _kernel._isolated_liquidation_shared(*args) == 2
        general = np.empty(n)
        assert (
            _kernel._isolated_liquidation(
                side,
                size,
                entry,
                margin,
                np.full(1, cs),
                np.zeros(1, np.int64),
                flags,
                edges,
                rates,
                amounts,
                np.empty((0, 0)),
                np.empty(0, np.int64),
                general,
            )
            == 2
        )
        rows = {"side": side, "size": size, "entry_price": entry, "margin": margin}
        good = _valid_rows(rows, ok, table, inverse=inverse, cs=cs, rule=rule)
        for out in (shared, general):
            assert np.isnan(out[~ok]).all()
            np.testing.assert_array_equal(out[ok], good)


# ---------------------------------------------------------------- BracketArrays


def _fields(table: BracketTable = BTCUSDT) -> dict[str, Any]:
    arrays = BracketArrays.from_table(table)
    return {
        "caps": arrays.caps,
        "rates": arrays.rates,
        "amounts": arrays.amounts,
        "edges_minus": arrays.edges_minus,
        "edges_plus": arrays.edges_plus,
        "counts": arrays.counts,
    }


class TestBracketArraysValidated:
    """rule-brackets: BracketArrays checks shapes, order, counts and finiteness."""

    def test_fields_round_trip(self) -> None:
        """Its own fields rebuild an equal object."""
        assert BracketArrays(**_fields()) == BracketArrays.from_table(BTCUSDT)

    @pytest.mark.parametrize(
        ("change", "pattern"),
        [
            (
                {"caps": ((250_000.0, 50_000.0, 1e6, 1e7),)},
                r"caps\[0\] must be finite and strictly",
            ),
            ({"edges_minus": ((1.0, 1.0, 2.0, 3.0),)}, r"edges_minus\[0\] must be"),
            ({"edges_plus": ((1.0, 2.0, 3.0, math.inf),)}, r"edges_plus\[0\] must be"),
            ({"counts": (4, 1)}, "one count per table"),
            ({"counts": (5,)}, r"counts\[0\] must be between 1 and 4"),
            ({"counts": ()}, "one count per table"),
            ({"counts": (1.5,)}, "counts must be integers"),
            ({"rates": ((0.004, 0.005, 0.01, 1.0),)}, r"rates\[0\] must be in \[0, 1\)"),
            ({"rates": ((0.004, math.nan, 0.01, 0.02),)}, r"rates\[0\] must be in"),
            ({"amounts": ((0.0, math.inf, 0.0, 0.0),)}, r"amounts\[0\] must be finite"),
            ({"caps": ((-1.0, 50_000.0, 1e6, 1e7),)}, r"caps\[0\] must be positive"),
            ({"caps": ((1.0, 2.0, 3.0),)}, r"rates must have 1 row\(s\) of 3 value"),
            ({"caps": ()}, r"caps must have 1 row"),
            ({"caps": (("x", 1.0, 2.0, 3.0),)}, "rows of real numbers"),
            ({"stacked": 1}, "stacked must be a bool"),
        ],
        ids=[
            "unsorted-caps",
            "flat-edges",
            "inf-inside",
            "counts-longer-than-rows",
            "count-too-large",
            "no-counts",
            "count-float",
            "rate-one",
            "rate-nan",
            "amount-inf",
            "cap-negative",
            "ragged",
            "no-rows",
            "junk",
            "stacked-int",
        ],
    )
    def test_invalid_layouts(self, change: dict[str, Any], pattern: str) -> None:
        """Each malformed table is a BracketError naming what is wrong."""
        with pytest.raises(BracketError, match=pattern):
            BracketArrays(**{**_fields(), **change})

    def test_unsorted_table_no_longer_prices(self) -> None:
        """The issue's unsorted table (which priced at −37,675) is refused."""
        fields = _fields(
            BracketTable.from_rates(
                caps=[50_000, 250_000],
                maintenance_rates=["0.004", "0.005"],
                max_leverages=[125, 100],
            )
        )
        fields["edges_minus"] = (tuple(reversed(fields["edges_minus"][0])),)
        with pytest.raises(BracketError, match="strictly increasing"):
            BracketArrays(**fields)

    def test_stack_padding(self) -> None:
        """A stack's shorter table is padded with inf; one count per row."""
        stack = BracketArrays.from_tables([BTCUSDT, ONE])
        fields = {name: getattr(stack, name) for name in _fields()}
        assert BracketArrays(**fields, stacked=True) == stack
        fields["caps"] = (fields["caps"][0], (50_000.0, 1.0, math.inf, math.inf))
        with pytest.raises(BracketError, match=r"caps\[1\] must be finite and strictly"):
            BracketArrays(**fields, stacked=True)

    def test_symbol_checked_before_the_kernel(self) -> None:
        """A symbol past the stack is a listed InvalidInputError, for both engines."""
        stack = BracketArrays.from_tables([ONE])
        args: dict[str, Any] = {
            "side": np.array([LONG]),
            "size": np.array([0.02]),
            "entry_price": np.array([50_000.0]),
            "margin": np.array([500.0]),
            "brackets": stack,
        }
        for engine in ("numba", "array_api"):
            with pytest.raises(
                InvalidInputError, match=r"symbol must be a symbol index in \[0, 1\)"
            ):
                isolated_liquidation_price(**args, symbol=np.array([999]), engine=engine)
            got = isolated_liquidation_price(**args, symbol=np.array([0]), engine=engine)
            assert round(float(got[0]), 2) == 25100.4
        empty: dict[str, Any] = {
            k: v[:0] if isinstance(v, np.ndarray) else v for k, v in args.items()
        }
        assert isolated_liquidation_price(**empty, symbol=np.zeros(0, np.int64)).shape == (0,)


class TestBracketArraysImmutable:
    """rule-brackets: what BracketArrays hands out cannot change later results."""

    def test_numpy_arrays_are_read_only(self) -> None:
        """NumPy arrays are read-only views; writing raises and changes nothing."""
        tables = BracketArrays.from_table(ONE)
        arrays = tables.arrays(np)
        for array in arrays:
            assert not array.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                array[...] = 0
        args: dict[str, Any] = {
            "side": np.array([LONG]),
            "size": np.array([0.02]),
            "entry_price": np.array([50_000.0]),
            "margin": np.array([500.0]),
            "brackets": tables,
        }
        assert round(float(isolated_liquidation_price(**args)[0]), 2) == 25100.4
        assert tables == BracketArrays.from_table(ONE)

    def test_other_namespaces_get_copies(self) -> None:
        """array-api-strict gets fresh copies: writing into them changes nothing."""
        tables = BracketArrays.from_table(ONE)
        arrays = tables.arrays(array_api_strict)
        arrays.rates[...] = 0.5
        assert float(tables.arrays(array_api_strict).rates[0, 0]) == 0.004
        args: dict[str, Any] = {
            "side": array_api_strict.asarray([LONG]),
            "size": array_api_strict.asarray([0.02]),
            "entry_price": array_api_strict.asarray([50_000.0]),
            "margin": array_api_strict.asarray([500.0]),
            "brackets": tables,
        }
        assert round(float(isolated_liquidation_price(**args)[0]), 2) == 25100.4

    def test_bad_namespace_or_device(self) -> None:
        """arrays(2), or an unknown device, is an InvalidInputError."""
        tables = BracketArrays.from_table(ONE)
        with pytest.raises(InvalidInputError, match="xp must be an array-API namespace"):
            tables.arrays(2)
        with pytest.raises(InvalidInputError, match="cannot build the bracket arrays"):
            tables.arrays(array_api_strict, device="no such device")

    def test_pickles_without_its_cache(self) -> None:
        """A pickled stack (sent to Dask workers) is equal and starts with no cache."""
        tables = BracketArrays.from_tables([ONE, BTCUSDT])
        tables.arrays(np)
        again = pickle.loads(pickle.dumps(tables))  # noqa: S301 - our own object
        assert again == tables
        assert again._cache == {}
        assert again.arrays(np).caps.tolist() == tables.arrays(np).caps.tolist()


class TestFastLane:
    """rule-futures-liquidation-linear: the few-microsecond lane gives the full path's answers."""

    def _args(self) -> dict[str, Any]:
        return {
            "side": np.array([LONG, SHORT]),
            "size": np.array([0.02, 0.02]),
            "entry_price": np.array([50_000.0, 50_000.0]),
            "margin": np.array([500.0, 500.0]),
            "brackets": BracketArrays.from_table(ONE),
        }

    def test_out_and_rules(self) -> None:
        """out= is filled and returned; any rule; the same floats as the array-API path."""
        args = self._args()
        buffer = np.zeros(2)
        assert isolated_liquidation_price(**args, out=buffer) is buffer
        assert round(float(buffer[0]), 2) == 25100.4
        for rule in RULES:
            np.testing.assert_array_equal(
                isolated_liquidation_price(**args, rule=rule, contract_size=1),
                isolated_liquidation_price(**args, rule=rule, engine="array_api"),
            )

    def test_declines_to_the_full_path(self) -> None:
        """Odd arguments leave the lane; the full path answers or raises as documented."""
        args = self._args()
        read_only = np.zeros(2)
        read_only.flags.writeable = False
        with pytest.raises(InvalidInputError, match="out must be a writable array"):
            isolated_liquidation_price(**args, out=read_only)
        with pytest.raises(InvalidInputError, match="contract_size must be positive"):
            isolated_liquidation_price(**args, contract_size=0.0)
        with pytest.raises(InvalidInputError, match="within float64 range"):
            isolated_liquidation_price(**args, contract_size=10**400)
        with pytest.raises(InvalidInputError, match="rule must be a LiquidationRule"):
            isolated_liquidation_price(**args, rule=None)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="kind must be"):
            isolated_liquidation_price(**args, kind="quanto")  # type: ignore[arg-type]


class TestFace:
    """rule-notation: levrisk.batch shows its public names only."""

    def test_dir_is_the_public_api(self) -> None:
        """dir(levrisk.batch) is __all__, sorted."""
        import levrisk.batch  # noqa: PLC0415 - the face itself

        assert dir(levrisk.batch) == sorted(levrisk.batch.__all__)


class TestOnlyLevriskErrors:
    """Huge Python ints and huge broadcasts are InvalidInputError (DESIGN.md principle 3)."""

    def test_huge_int(self) -> None:
        """An int beyond float64 is refused, not an OverflowError."""
        with pytest.raises(InvalidInputError, match="within float64 range"):
            notional(size=10**400, price=1.0)

    def test_huge_broadcast(self) -> None:
        """A broadcast too large to hold is refused, not a MemoryError."""
        with pytest.raises(InvalidInputError, match="too large to compute"):
            notional(size=np.ones((1 << 22, 1)), price=np.ones((1, 1 << 22)))

    @given(fee=st.sampled_from(RULES))
    def test_rules_validate_before_rows(self, fee: LiquidationRule) -> None:
        """A rule with a bad row still reports the row (rules never hide row errors)."""
        with pytest.raises(InvalidInputError, match=r"size must be positive"):
            isolated_liquidation_price(
                side=np.array([1]),
                size=np.array([-1.0]),
                entry_price=np.array([1.0]),
                margin=np.array([0.1]),
                brackets=ONE,
                rule=fee,
            )


def _whole_case(
    cap: int, rate_pair: tuple[str, str], side: int, entry: int
) -> tuple[BracketTable, dict[str, Any]]:
    """A two-tier whole table (``rate_pair`` below and above ``cap``) and 1 unit linear."""
    table = BracketTable.from_rates(
        caps=[cap, 100 * cap], maintenance_rates=rate_pair, max_leverages=[10, 10],
        maintenance="whole",
    )  # fmt: skip
    p = {"side": side, "size": Decimal(1), "entry": Decimal(entry), "kind": "linear"}
    return table, {**p, "contract_size": Decimal(1)}


@st.composite
def jump_cases(draw: st.DrawFn) -> tuple[BracketTable, dict[str, Any], Decimal]:
    """A table that jumps (whole, or published amounts off the recursion), a row, a margin.

    Half the margins put the target in a jump's window at a cap (``σT`` between
    ``cap·(σ − c − m_j)`` and ``cap·(σ − c − m_(j+1))``, fee aside): the liquidation
    price is then the edge where the notional reaches that cap.
    """
    count = draw(st.integers(min_value=2, max_value=6))
    widths = draw(st.lists(decimals(1, 1_000_000, places=2), min_size=count, max_size=count))
    caps = [sum(widths[: i + 1], Decimal(0)) for i in range(count)]
    rate_list = draw(st.lists(rates, min_size=count, max_size=count))
    if draw(st.booleans()):
        rate_list.sort()
    if draw(st.booleans()):
        table = BracketTable.from_rates(
            caps=caps, maintenance_rates=rate_list, max_leverages=[1] * count, maintenance="whole"
        )
    else:  # published amounts off the recursion (a deduction table that jumps)
        amounts = draw(st.lists(decimals(0, 5_000, places=2), min_size=count, max_size=count))
        table = BracketTable.from_rates(
            caps=caps,
            maintenance_rates=rate_list,
            max_leverages=[1] * count,
            maintenance_amounts=[Decimal(0), *amounts[1:]],
        )
    p = fit(draw(positions), table)
    sigma = 1 if (p["side"] == LONG) == (p["kind"] == "linear") else -1
    n_entry = n_entry_of(p)
    margin = n_entry / p["leverage"] * draw(decimals("0.05", "1.5", places=3))
    if draw(st.booleans()):
        j = draw(st.integers(min_value=0, max_value=count - 2))
        mid = (rate_list[j] + rate_list[j + 1]) / 2
        target = caps[j] * (1 - sigma * mid)
        if sigma * (n_entry - target) >= 0:
            margin = sigma * (n_entry - target)
    return table, p, exact(lambda: margin.quantize(Decimal("1e-9")))()


class TestJumps:
    """rule-tier-maintenance: tables whose maintenance jumps, in every path of the batch."""

    @pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
    @pytest.mark.parametrize("engine", ["auto", "array_api"])
    @given(case=jump_cases())
    def test_matches_exact(
        self,
        rule: LiquidationRule,
        engine: Engine,
        case: tuple[BracketTable, dict[str, Any], Decimal],
    ) -> None:
        """The edge price where the jump crosses the condition, and every other outcome."""
        table, p, margin = case
        want = _exact(p, table, margin, rule)
        got = batch_price(p, table, margin, rule, engine=engine)
        check_price(got, want, p=p, margin=margin, table=table, rule=rule)

    @pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
    @given(table=bracket_tables(max_brackets=6), p=positions, scale=decimals("0.05", "1.5", 3))
    def test_marginal_tables(
        self, rule: LiquidationRule, table: BracketTable, p: dict[str, Any], scale: Decimal
    ) -> None:
        """A marginal table (continuous: the recursion's amounts) needs no walk, and matches."""
        assert table.maintenance == "marginal"
        assert not BracketArrays.from_table(table).jumps(entry_basis=False)
        p = fit(p, table)
        margin = exact(lambda: (n_entry_of(p) / p["leverage"] * scale).quantize(Decimal("1e-12")))()
        want = _exact(p, table, margin, rule)
        got = batch_price(p, table, margin, rule, engine="auto")
        check_price(got, want, p=p, margin=margin, table=table, rule=rule)

    def test_the_edge_price(self) -> None:
        """A short whose target falls in the jump at 1000: liquidated where n reaches 1000."""
        table, p = _whole_case(1000, ("0.02", "0.1"), SHORT, 900)
        margin = Decimal(150)  # T = 1050: 1000·1.02 < T ≤ 1000·1.1
        want = _exact(p, table, margin, LiquidationRule())
        assert want == 1000
        for engine in ("numba", "array_api"):
            assert batch_price(p, table, margin, LiquidationRule(), engine=engine) == 1000.0
        got = batch_price(
            p, table, margin, LiquidationRule(), engine="array_api", namespace=array_api_strict
        )
        assert got == 1000.0

    @pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
    @pytest.mark.parametrize("kind", ["linear", "inverse"])
    def test_engines_agree(self, rule: LiquidationRule, kind: ContractKind) -> None:
        """The kernel walk and the array-API walk, shared and stacked, agree bit for bit."""
        rng = np.random.default_rng(11)
        n = 3_000
        size = rng.uniform(0.001, 5, n)
        entry = rng.uniform(100, 100_000, n)
        cs = 1.0 if kind == "linear" else 100.0
        n_entry = size * entry if kind == "linear" else size * cs / entry
        args: dict[str, Any] = {
            "side": rng.choice(np.array([LONG, SHORT], dtype=np.int8), n),
            "size": size,
            "entry_price": entry,
            "margin": n_entry / rng.uniform(1, 60, n),
            "kind": kind,
            "contract_size": cs,
            "rule": rule,
        }
        for brackets, symbol in (
            (BracketArrays.from_table(WHOLE), None),
            (BracketArrays.from_tables([ONE, WHOLE, BTCUSDT]), rng.integers(0, 3, n)),
        ):
            fast = isolated_liquidation_price(
                **args, brackets=brackets, symbol=symbol, engine="numba"
            )
            slow = isolated_liquidation_price(
                **args, brackets=brackets, symbol=symbol, engine="array_api"
            )
            np.testing.assert_array_equal(fast, slow)
            assert np.isfinite(fast).any()

    def test_flags(self) -> None:
        """continuous: one bool per table; a jumping table's edges need not rise."""
        whole = BracketTable.from_rates(
            caps=[1000, 1010], maintenance_rates=["0.01", "0.02"], max_leverages=[50, 40],
            maintenance="whole",
        )  # fmt: skip
        arrays = BracketArrays.from_table(whole)
        assert arrays.continuous == (False,)
        assert arrays.edges_minus[0][0] > arrays.edges_minus[0][1]
        assert arrays.jumps(entry_basis=False)
        assert not arrays.jumps(entry_basis=True)
        fields = {**_fields(whole), "continuous": None}
        with pytest.raises(BracketError, match=r"edges_minus\[0\] must be finite and strictly"):
            BracketArrays(**fields)
        assert BracketArrays(**_fields()).continuous == (True,)
        for junk, pattern in (
            ((True, False), "one flag per table"),
            ((1,), "sequence of bools"),
            (3, "sequence of bools"),
        ):
            with pytest.raises(BracketError, match=pattern):
                BracketArrays(**{**_fields(), "continuous": junk})


class TestJumpKernelSource:
    """rule-tier-maintenance: the general kernel's walk, its Python source run uncompiled."""

    @pytest.mark.parametrize("rule", [r for r in RULES if r.maintenance_basis == "mark"])
    @pytest.mark.parametrize("inverse", [False, True], ids=["linear", "inverse"])
    def test_source_matches(self, rule: LiquidationRule, inverse: bool) -> None:
        """As Python, it gives the array-API floats on a whole table; invalid rows are NaN."""
        table = BracketArrays.from_tables([WHOLE, ONE])
        rng = np.random.default_rng(19)
        n = 600
        side, size, entry, margin, cs = _source_rows(rng, n, inverse=inverse, lowest=0.5)
        symbol = rng.integers(0, 2, n)
        side[3], size[70], symbol[80] = 0, -1.0, 5
        ok = np.ones(n, dtype=bool)
        ok[[3, 70, 80]] = False
        fee = float(rule.fee_rate)
        flags = (
            inverse,
            False,
            fee if rule.close_fee == "mark" else 0.0,
            fee if rule.close_fee == "bankruptcy" else 0.0,
        )
        edges, rates, amounts = table.kernel_tables(entry_basis=False, fee_mark=flags[2])
        arrays = table.arrays(np)
        out = np.empty(n)
        args = (side, size, entry, margin, np.full(1, cs), symbol, flags, edges, rates, amounts)
        assert _kernel._isolated_liquidation(*args, arrays.caps, arrays.counts, out) == 3
        rows = {"side": side, "size": size, "entry_price": entry, "margin": margin}
        good = _valid_rows({**rows, "symbol": symbol}, ok, table, inverse=inverse, cs=cs, rule=rule)
        assert np.isnan(out[~ok]).all()
        np.testing.assert_array_equal(out[ok], good)


def test_the_formulas_example() -> None:
    """rule-tier-maintenance's example: 1 % to 100,000, 2 % above; a short from 90,000."""
    table, p = _whole_case(100_000, ("0.01", "0.02"), SHORT, 90_000)
    assert _exact(p, table, Decimal(12_000), LiquidationRule()) == 100_000
    for engine in ("numba", "array_api"):
        got = batch_price(p, table, Decimal(12_000), LiquidationRule(), engine=engine)
        assert got == 100_000.0


def test_crossed_root_on_the_safe_side() -> None:
    """rule-tier-maintenance: a long crossed at entry just above a cap (documented caveat).

    1 % to 100, 5 % above; a long of notional 101 with margin 4 (T = 97): at entry
    ``101·0.95 − 97 < 0`` (crossed), just below the cap ``100·0.99 − 97 > 0``. The exact
    path raises AlreadyLiquidatedError(price=100), below the entry; the batch gives 100,
    and liquidation_states at the entry then reads STATE_PRICE (the batch.md caveat).
    """
    table, p = _whole_case(100, ("0.01", "0.05"), LONG, 101)
    with pytest.raises(AlreadyLiquidatedError) as crossed:
        futures.isolated_liquidation_price(position_of(p, table), margin=4)
    assert crossed.value.price == 100
    assert batch_price(p, table, Decimal(4), LiquidationRule(), engine="auto") == 100.0
    state = liquidation_states(
        price=np.array([100.0]), side=np.array([LONG]), mark_price=np.array([101.0])
    )
    assert state.tolist() == [STATE_PRICE]
