"""Tests of the batch path's cell search (SearchTable) and of the array-API path's NumPy lane.

The search must give every key exactly the bracket that counting the thresholds below it
gives (rule-brackets), and every engine (the Numba kernels, their Python source, the
NumPy lane, the portable path under array-api-strict) the same floats, bit for bit.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk.batch import LONG, SHORT, BracketArrays, _kernel, _numpy, isolated_liquidation_price
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.futures import LiquidationRule
from strategies import bracket_tables

RULES = [
    LiquidationRule(),
    LiquidationRule(close_fee="mark", fee_rate="0.0005"),
    LiquidationRule(close_fee="bankruptcy", fee_rate="0.00075"),
    LiquidationRule(maintenance_basis="entry"),
    LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.00075"),
]

WIDE = BracketTable.from_rates(
    caps=[20_000 * 1.2**k for k in range(50)],
    maintenance_rates=[f"{0.004 + 0.002 * k:.3f}" for k in range(50)],
    max_leverages=[max(1, 125 - 3 * k) for k in range(50)],
)
"""50 brackets: the cell search's case (a linear count would take 49 comparisons)."""


def _hand(edges: list[float]) -> BracketArrays:
    """A hand-built table whose σ = +1 thresholds are ``edges`` (σ = −1: twice them)."""
    count = len(edges)
    return BracketArrays(
        caps=[[float(10 * (k + 1)) for k in range(count)]],
        rates=[[0.001 * (k + 1) for k in range(count)]],
        amounts=[[0.5 * k for k in range(count)]],
        edges_minus=[edges],
        edges_plus=[[2 * e for e in edges]],
        counts=[count],
    )


CLOSE = _hand([1e-300, *(1.0 + k * 2.0**-52 for k in range(5)), 1e300])
"""Five thresholds one float apart in 1,000 octaves: too crowded, one cell counts all six."""

CLUSTER = _hand([1e-300, 1.0, 1.0 + 2.0**-52, 1.0 + 2.0**-51, 1e300, 1e301])
"""Three thresholds one float apart within 2,000 octaves: three per cell."""

SIGNED = _hand([-5.0, 0.0, 3.0, 70.0])
"""Thresholds ≤ 0 (hand-built): the bits do not order them, one cell counts them."""

SINGLE = BracketArrays.from_table(
    BracketTable.from_rates(caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125])
)
"""One bracket: nothing to search."""


def _expected(arrays: BracketArrays, key: float, *, plus: bool, entry_basis: bool) -> int:
    """The bracket by counting the searched thresholds below ``key`` (the reference)."""
    sigma_plus, sigma_minus = arrays.thresholds(entry_basis=entry_basis, fee_mark=0.0)
    row = (sigma_plus if plus else sigma_minus)[0][: arrays.counts[0] - 1]
    return sum(threshold < key for threshold in row)


def _searched(arrays: BracketArrays, keys: np.ndarray, sign: np.ndarray) -> tuple[Any, Any]:
    """The NumPy lane's ``(rate, amount)`` of each key (mark-valued maintenance)."""
    search = arrays.kernel_search(entry_basis=False, fee_mark=0.0)
    scratch = _numpy._Scratch(keys.shape[0])
    scratch.sign[:] = sign
    scratch.plus[:] = sign > 0
    _numpy._search(keys, scratch, search)
    return scratch.rate, scratch.amount


_SPECIAL = [-math.inf, -1e300, -1.0, -0.0, 0.0, 5e-324, 1e-300, 1.0, 1e300, math.inf]


class TestSearchTable:
    """rule-brackets: the cell search gives the counted bracket, on every key."""

    @given(table=bracket_tables(max_brackets=50), data=st.data())
    def test_matches_the_count(self, table: BracketTable, data: st.DataObject) -> None:
        """Random tables, keys at, next to and between the thresholds, and the extremes."""
        arrays = BracketArrays.from_table(table)
        edges = [*arrays.edges_minus[0], *arrays.edges_plus[0]]
        near = [np.nextafter(e, direction) for e in edges for direction in (-math.inf, math.inf)]
        drawn = data.draw(st.lists(st.floats(allow_nan=False), max_size=20))
        keys = np.array([*_SPECIAL, *edges, *near, *drawn], dtype=np.float64)
        for plus in (False, True):
            sign = np.full(keys.shape, 1.0 if plus else -1.0)
            rate, amount = _searched(arrays, keys, sign)
            for i, key in enumerate(keys):
                k = _expected(arrays, float(key), plus=plus, entry_basis=False)
                assert (rate[i], amount[i]) == (arrays.rates[0][k], arrays.amounts[0][k])

    @pytest.mark.parametrize(
        ("arrays", "candidates", "cells"),
        [(CLOSE, 6, 1), (CLUSTER, 3, None), (SIGNED, 3, 1), (SINGLE, 0, 1)],
        ids=["close", "cluster", "signed", "single"],
    )
    def test_crowded_tables(
        self, arrays: BracketArrays, candidates: int, cells: int | None
    ) -> None:
        """Thresholds no grid separates are counted in their cell (one cell if need be)."""
        search = arrays.kernel_search(entry_basis=False, fee_mark=0.0)
        assert search.candidates == candidates
        assert cells is None or search.cells == cells
        edges = [*arrays.edges_minus[0], *arrays.edges_plus[0]]
        near = [np.nextafter(e, d) for e in edges for d in (-math.inf, math.inf)]
        keys = np.array([*_SPECIAL, *edges, *near], dtype=np.float64)
        for plus in (False, True):
            rate, amount = _searched(arrays, keys, np.full(keys.shape, 1.0 if plus else -1.0))
            for i, key in enumerate(keys):
                k = _expected(arrays, float(key), plus=plus, entry_basis=False)
                assert (rate[i], amount[i]) == (arrays.rates[0][k], arrays.amounts[0][k])

    def test_read_only_and_cached(self) -> None:
        """The search is built once per rule and cannot be written to."""
        arrays = BracketArrays.from_table(WIDE)
        search = arrays.kernel_search(entry_basis=False, fee_mark=0.0)
        assert arrays.kernel_search(entry_basis=False, fee_mark=0.0) is search
        assert search.candidates == 1
        assert search.kernel == search[:6]
        for array in (search.table, search.firsts, search.rates, search.amounts):
            with pytest.raises(ValueError, match="read-only"):
                array[0] = 0.0


def _rows(n: int, seed: int, *, inverse: bool) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    size = rng.uniform(0.001, 50.0, n)
    entry = rng.uniform(100.0, 100_000.0, n)
    cs = 100.0 if inverse else 1.0
    n_entry = size * cs / entry if inverse else size * entry
    return {
        "side": rng.choice(np.array([LONG, SHORT], dtype=np.int8), n),
        "size": size,
        "entry_price": entry,
        "margin": n_entry / rng.uniform(0.9, 125.0, n),
        "contract_size": cs,
    }


_TABLES = {
    "wide": BracketArrays.from_table(WIDE),
    "close": CLOSE,
    "cluster": CLUSTER,
    "signed": SIGNED,
    "single": SINGLE,
}
_CASES = [
    (arrays, rule)
    for name, arrays in _TABLES.items()
    for rule in RULES
    # A fee at mark shifts hand-built edges by fee·cap: they would no longer increase.
    if rule.close_fee != "mark" or name in {"wide", "single"}
]
_IDS = [
    f"{name}-{rule.maintenance_basis}-{rule.close_fee}"
    for name, arrays in _TABLES.items()
    for rule in RULES
    if rule.close_fee != "mark" or name in {"wide", "single"}
]


class TestEnginesAgree:
    """rule-venues: the NumPy lane, the kernels and the portable path give the same floats."""

    @pytest.mark.parametrize("inverse", [False, True], ids=["linear", "inverse"])
    @pytest.mark.parametrize(("arrays", "rule"), _CASES, ids=_IDS)
    def test_bitwise(self, arrays: BracketArrays, inverse: bool, rule: LiquidationRule) -> None:
        """The lane, the compiled and the Python kernel, and array-api-strict agree."""
        rows = _rows(1_200, 5, inverse=inverse)
        if arrays.caps[0][-1] < 1_000:  # hand-built: notionals about its thresholds
            scale = 1e-2 if inverse else 1e-5
            rows["size"] = rows["size"] * scale
            rows["margin"] = rows["margin"] * scale
        kind = "inverse" if inverse else "linear"
        common: dict[str, Any] = {"brackets": arrays, "kind": kind, "rule": rule}
        lane = isolated_liquidation_price(**rows, **common, engine="array_api")
        compiled = isolated_liquidation_price(**rows, **common, engine="numba")
        strict: dict[str, Any] = {
            k: array_api_strict.asarray(v) if isinstance(v, np.ndarray) else v
            for k, v in rows.items()
        }
        portable = isolated_liquidation_price(**strict, **common)
        np.testing.assert_array_equal(lane, compiled)
        np.testing.assert_array_equal(lane, np.asarray(portable))
        terms = (
            inverse,
            rule.maintenance_basis == "entry",
            float(rule.fee_rate) if rule.close_fee == "mark" else 0.0,
            float(rule.fee_rate) if rule.close_fee == "bankruptcy" else 0.0,
        )
        search = arrays.kernel_search(entry_basis=terms[1], fee_mark=terms[2])
        source = np.empty(lane.shape)
        columns = (rows["side"], rows["size"], rows["entry_price"], rows["margin"])
        args: tuple[Any, ...] = (*columns, rows["contract_size"], terms, *search.kernel, source)
        bad = _kernel._isolated_liquidation_shared(*args)
        assert bad == 0
        np.testing.assert_array_equal(source, lane)

    def test_per_row_contract_sizes(self) -> None:
        """A contract size per row goes through the lane too, with the same floats."""
        rows = _rows(1_000, 9, inverse=True)
        rows["contract_size"] = np.full(1_000, 100.0)
        arrays = BracketArrays.from_table(WIDE)
        lane = isolated_liquidation_price(
            **rows, brackets=arrays, kind="inverse", engine="array_api"
        )
        compiled = isolated_liquidation_price(
            **rows, brackets=arrays, kind="inverse", engine="numba"
        )
        np.testing.assert_array_equal(lane, compiled)
        rows["contract_size"][7] = 0.0  # a bad row: the portable path lists it
        with pytest.raises(InvalidInputError, match=r"contract_size must be positive.*\[7\]"):
            isolated_liquidation_price(**rows, brackets=arrays, kind="inverse", engine="array_api")

    def test_portable_numpy_wide_table(self) -> None:
        """2-D NumPy rows take the portable path (searchsorted on 98 thresholds), same floats."""
        rows = _rows(2_000, 3, inverse=False)
        arrays = BracketArrays.from_table(WIDE)
        lane = isolated_liquidation_price(**rows, brackets=arrays, engine="array_api")
        grid: dict[str, Any] = {
            k: v.reshape(40, 50) if isinstance(v, np.ndarray) else v for k, v in rows.items()
        }
        for _ in range(2):  # the second call reuses the cached merged search
            portable = isolated_liquidation_price(**grid, brackets=arrays, engine="array_api")
            np.testing.assert_array_equal(portable.reshape(-1), lane)


class TestLane:
    """rule-futures-liquidation-linear: the lane's own checks send odd inputs elsewhere."""

    def test_float_sides(self) -> None:
        """Float sides of ±1 are taken; any other value is listed by the portable path."""
        rows = _rows(500, 2, inverse=False)
        as_int = isolated_liquidation_price(**rows, brackets=WIDE, engine="array_api")
        rows["side"] = rows["side"].astype(np.float64)
        np.testing.assert_array_equal(
            isolated_liquidation_price(**rows, brackets=WIDE, engine="array_api"), as_int
        )
        rows["side"][4] = 0.5
        with pytest.raises(InvalidInputError, match=r"side must be 1 \(long\) or -1.*\[4\]"):
            isolated_liquidation_price(**rows, brackets=WIDE, engine="array_api")

    @pytest.mark.parametrize("contract_size", [0, math.inf, 10**400])
    def test_bad_contract_size(self, contract_size: float) -> None:
        """A scalar contract size that is not positive and finite is the portable path's."""
        rows = {**_rows(10, 4, inverse=False), "contract_size": contract_size}
        with pytest.raises(InvalidInputError, match="contract_size must be"):
            isolated_liquidation_price(**rows, brackets=WIDE, engine="array_api")

    def test_qualifies(self) -> None:
        """Only 1-D NumPy rows of one length (and a writable float64 ``out``) qualify."""
        rows = _rows(4, 1, inverse=False)
        columns = (rows["side"], rows["size"], rows["entry_price"], rows["margin"], None)
        assert _numpy.qualifies(columns, None)
        assert _numpy.qualifies(columns, np.empty(4))
        assert not _numpy.qualifies(columns, np.empty(4, dtype=np.float32))
        assert not _numpy.qualifies((rows["side"].reshape(2, 2), *columns[1:]), None)
        assert not _numpy.qualifies((rows["side"], rows["size"][:3], *columns[2:]), None)
        assert not _numpy.qualifies((rows["side"].astype(bool), *columns[1:]), None)
