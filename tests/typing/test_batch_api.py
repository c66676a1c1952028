"""Type-level checks of levrisk.batch's public API (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import assert_type

from levrisk.batch import (
    LONG,
    SHORT,
    BracketArrays,
    TableArrays,
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
from levrisk.futures import LiquidationRule


def check_brackets(table: BracketTable) -> None:
    """Bracket arrays are built from tables and expose float tuples."""
    arrays = BracketArrays.from_table(table)
    assert_type(arrays, BracketArrays)
    assert_type(BracketArrays.from_tables([table, table]), BracketArrays)
    assert_type(arrays.caps, tuple[tuple[float, ...], ...])
    assert_type(arrays.counts, tuple[int, ...])
    assert_type(arrays.symbols, int)
    assert_type(arrays.stacked, bool)
    tables = arrays.arrays(np)
    assert_type(tables, TableArrays)
    assert_type(tables.caps, Any)


def check_functions(table: BracketTable) -> None:
    """Every array function takes keyword arrays and returns an array (``Any``)."""
    x = np.ones(3)
    side = np.array([LONG, SHORT, LONG])
    assert_type(
        isolated_liquidation_price(
            side=side, size=x, entry_price=x, margin=x, brackets=table, engine="numba", out=x
        ),
        Any,
    )
    assert_type(
        isolated_liquidation_price(
            side=side,
            size=x,
            entry_price=x,
            margin=x,
            brackets=BracketArrays.from_table(table),
            rule=LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy"),
        ),
        Any,
    )
    assert_type(bankruptcy_price(side=side, size=x, entry_price=x, margin=x, kind="inverse"), Any)
    assert_type(maintenance_margin(size=x, mark_price=x, brackets=table), Any)
    assert_type(
        margin_ratio(side=side, size=x, entry_price=x, mark_price=x, margin=x, brackets=table),
        Any,
    )
    assert_type(unrealized_pnl(side=side, size=x, entry_price=x, mark_price=x), Any)
    assert_type(notional(size=x, price=x, contract_size=100), Any)
    assert_type(margin_level(asset_value=x, liability_value=x), Any)
    assert_type(
        spot_liquidation_price(
            other_asset_value=x,
            other_liability_value=x,
            amount_held=x,
            amount_owed=x,
            liquidation_level=1.1,
        ),
        Any,
    )
    assert_type(accrual_counts(x, x), Any)
    assert_type(accrual_counts(x, x, counting="clock_hour"), Any)
