"""Tests of levrisk.batch on Dask arrays: lazy, block by block, equal to NumPy.

Rule: rule-futures-liquidation-linear, rule-futures-liquidation-inverse, rule-margin-level
(the functions are the NumPy ones, run per block; the NumPy results are pinned to the
exact path in test_batch.py and test_batch_rules.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import array_api_strict
import dask
import numpy as np
import pytest

from levrisk.batch import (
    LONG,
    SHORT,
    BracketArrays,
    _dask,
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
from levrisk.exceptions import InvalidInputError
from levrisk.futures import LiquidationRule
from test_batch_rules import WHOLE

da: Any = importlib.import_module("dask.array")  # Dask is only partly typed
distributed: Any = importlib.import_module("distributed")

BTCUSDT = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000, 10_000_000],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
    max_leverages=[125, 100, 50, 20],
)
TABLES = BracketArrays.from_table(BTCUSDT)


def _book(n: int, seed: int = 1) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    size = rng.uniform(0.001, 20, n)
    entry = rng.uniform(1_000, 90_000, n)
    return {
        "side": rng.choice(np.array([LONG, SHORT], dtype=np.int8), n),
        "size": size,
        "entry_price": entry,
        "margin": size * entry / rng.uniform(1, 100, n),
    }


def _chunked(book: dict[str, Any], chunks: int) -> dict[str, Any]:
    return {k: da.from_array(v, chunks=chunks) for k, v in book.items()}


class TestLazy:
    """rule-futures-liquidation-linear: a Dask input gives a lazy Dask result."""

    def test_returns_at_once_and_validates_in_blocks(self) -> None:
        """Nothing is computed on the call; a bad row fails at compute, by global index."""
        book = _book(1_000)
        book["size"][777] = -1.0
        with dask.config.set(scheduler="sync"):
            lazy = isolated_liquidation_price(**_chunked(book, 100), brackets=TABLES)
            assert isinstance(lazy, da.Array)
            assert lazy.shape == (1_000,)
            assert lazy.numblocks == (10,)
            with pytest.raises(InvalidInputError, match=r"1 bad row\(s\), first at \[777\]"):
                lazy.compute()

    @pytest.mark.parametrize(
        "rule",
        [
            LiquidationRule(),
            LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.00075"),
        ],
        ids=["binance", "bybit"],
    )
    def test_equals_numpy(self, rule: LiquidationRule) -> None:
        """The computed result is NumPy's, bit for bit, for every function."""
        book = _book(2_000)
        lazy = _chunked(book, 300)
        mark = book["entry_price"] * 1.01
        lazy_mark = da.from_array(mark, chunks=500)
        with dask.config.set(scheduler="sync"):
            pairs: list[tuple[Callable[..., Any], dict[str, Any]]] = [
                (isolated_liquidation_price, {"brackets": TABLES, "rule": rule}),
                (bankruptcy_price, {}),
            ]
            for func, extra in pairs:
                np.testing.assert_array_equal(
                    func(**lazy, **extra).compute(), func(**book, **extra)
                )
            np.testing.assert_array_equal(
                margin_ratio(**lazy, mark_price=lazy_mark, brackets=TABLES).compute(),
                margin_ratio(**book, mark_price=mark, brackets=TABLES),
            )
            position = {"size": lazy["size"], "mark_price": lazy_mark}
            np.testing.assert_array_equal(
                maintenance_margin(**position, brackets=BTCUSDT).compute(),
                maintenance_margin(size=book["size"], mark_price=mark, brackets=BTCUSDT),
            )
            np.testing.assert_array_equal(
                unrealized_pnl(
                    side=lazy["side"],
                    size=lazy["size"],
                    entry_price=book["entry_price"],  # NumPy and Dask arrays mix
                    mark_price=lazy_mark,
                ).compute(),
                unrealized_pnl(
                    side=book["side"],
                    size=book["size"],
                    entry_price=book["entry_price"],
                    mark_price=mark,
                ),
            )
            np.testing.assert_array_equal(
                notional(size=lazy["size"], price=2.0, kind="inverse", contract_size=100).compute(),
                notional(size=book["size"], price=2.0, kind="inverse", contract_size=100),
            )
            np.testing.assert_array_equal(
                margin_level(asset_value=lazy["margin"], liability_value=lazy["size"]).compute(),
                margin_level(asset_value=book["margin"], liability_value=book["size"]),
            )
            spot = {
                "other_asset_value": 0.0,
                "other_liability_value": 0.0,
                "amount_held": lazy["size"],
                "amount_owed": 0.5,
                "liquidation_level": 1.1,
            }
            np.testing.assert_array_equal(
                spot_liquidation_price(**spot).compute(),
                spot_liquidation_price(**{**spot, "amount_held": book["size"]}),
            )

    @pytest.mark.parametrize(
        "rule",
        [LiquidationRule(), LiquidationRule(close_fee="mark", fee_rate="0.0005")],
        ids=["binance", "okx"],
    )
    def test_whole_tables_equal_numpy(self, rule: LiquidationRule) -> None:
        """rule-tier-maintenance: a whole table (MM jumps at each cap) walks per block."""
        tables = BracketArrays.from_tables([WHOLE, BTCUSDT])
        book = _book(2_000, seed=4)
        symbol = np.random.default_rng(4).integers(0, 2, 2_000)
        lazy = {**_chunked(book, 300), "symbol": da.from_array(symbol, chunks=300)}
        with dask.config.set(scheduler="sync"):
            got = isolated_liquidation_price(**lazy, brackets=tables, rule=rule).compute()
        want = isolated_liquidation_price(**book, symbol=symbol, brackets=tables, rule=rule)
        np.testing.assert_array_equal(got, want)
        assert tables.jumps(entry_basis=False)

    def test_two_dimensional_blocks_name_global_rows(self) -> None:
        """Blocks of a 2-D book report the flat index in the whole array."""
        size = np.ones((6, 8))
        size[4, 5] = 0.0
        lazy = notional(size=da.from_array(size, chunks=(3, 4)), price=np.full((6, 8), 2.0))
        assert lazy.shape == (6, 8)
        with (
            dask.config.set(scheduler="sync"),
            pytest.raises(InvalidInputError, match=r"first at \[37\]"),
        ):
            lazy.compute()
        scalar = notional(size=da.from_array(np.asarray(2.0)), price=3.0)
        with dask.config.set(scheduler="sync"):
            assert float(scalar.compute()) == 6.0
        assert _dask._global_rows((), {"array-location": [], "shape": ()})([0]) == [0]

    def test_refusals(self) -> None:
        """out, non-NumPy partners and unbroadcastable shapes are InvalidInputError."""
        lazy = _chunked(_book(10), 5)
        with pytest.raises(InvalidInputError, match="out is not accepted with Dask"):
            isolated_liquidation_price(**lazy, brackets=TABLES, out=np.empty(10))
        with pytest.raises(InvalidInputError, match="share one array namespace"):
            notional(size=lazy["size"], price=array_api_strict.ones(10))
        with pytest.raises(InvalidInputError, match="broadcastable shapes"):
            notional(size=lazy["size"], price=np.ones(3))


class TestLocalCluster:
    """rule-futures-liquidation-linear: on a two-process LocalCluster, NumPy's result."""

    def test_two_worker_processes(self) -> None:
        """The kernel runs in the workers; the gathered result equals NumPy's."""
        book = _book(200_000, seed=9)
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # a free port: 8787 may be taken
                worker_dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            lazy = {k: client.scatter(v) for k, v in book.items()}
            arrays = {
                k: da.from_delayed(v, shape=book[k].shape, dtype=book[k].dtype).rechunk(50_000)
                for k, v in lazy.items()
            }
            result = isolated_liquidation_price(**arrays, brackets=TABLES).compute()
        np.testing.assert_array_equal(result, isolated_liquidation_price(**book, brackets=TABLES))
