"""The new perpetual venues' rules in levrisk.batch, pinned to the exact path.

Rule: rule-hyperliquid — Hyperliquid's maintenance rate is half the initial rate at the
tier's maximum leverage, tiers with the usual deduction (rule-brackets), valued at mark
with no close fee (Binance's LiquidationRule). Its tables are ordinary BracketTables, so
BracketArrays.from_table / from_tables carry them into batch; these tests pin the batch
liquidation price, maintenance margin and margin ratio to levrisk.futures under
hyperliquid.LIQUIDATION_RULE, on random tiers and on every published coin's tiers.

Gate's marginal-by-tier maintenance is not in batch yet (its tables are being built in
levrisk.exchanges.gate).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk import futures
from levrisk.batch import (
    LONG,
    SHORT,
    BracketArrays,
    Engine,
    isolated_liquidation_price,
    maintenance_margin,
    margin_ratio,
)
from levrisk.brackets import BracketTable
from levrisk.exceptions import AlreadyLiquidatedError
from levrisk.exchanges import hyperliquid
from levrisk.numbers import exact
from strategies import decimals
from test_batch_rules import batch_price, check_price, fit, n_entry_of, position_of, positions

U = Decimal(2) ** -53
"""Unit roundoff of float64."""

RULE = hyperliquid.LIQUIDATION_RULE


@st.composite
def hyperliquid_tables(draw: st.DrawFn) -> BracketTable:
    """Tiers as Hyperliquid publishes them: lower bounds from 0 up, leverage falling."""
    count = draw(st.integers(min_value=1, max_value=4))
    widths = draw(st.lists(decimals(1_000, 50_000_000, places=0), min_size=count, max_size=count))
    lows = [sum(widths[:i], Decimal(0)) for i in range(count)]
    leverages = sorted(
        draw(st.lists(st.integers(min_value=1, max_value=50), min_size=count, max_size=count)),
        reverse=True,
    )
    return hyperliquid.brackets_from_tiers(list(zip(lows, leverages, strict=True)))


def _linear(p: dict[str, Any]) -> dict[str, Any]:
    """Hyperliquid's perpetuals are linear (USDC), one unit of the coin per contract."""
    return {**p, "kind": "linear", "contract_size": Decimal(1)}


class TestHyperliquid:
    """rule-hyperliquid in batch = levrisk.futures with hyperliquid.LIQUIDATION_RULE."""

    @pytest.mark.parametrize("engine", ["auto", "array_api"])
    @given(table=hyperliquid_tables(), p=positions, scale=decimals("0.05", "1.5", places=3))
    def test_liquidation_matches_exact(
        self, engine: Engine, table: BracketTable, p: dict[str, Any], scale: Decimal
    ) -> None:
        """Within the rule tests' float bound of the exact price (NaN where None)."""
        p = fit(_linear(p), table)
        margin = exact(lambda: (n_entry_of(p) / p["leverage"] * scale).quantize(Decimal("1e-12")))()
        try:
            want = futures.isolated_liquidation_price(
                position_of(p, table), margin=margin, rule=RULE
            )
        except AlreadyLiquidatedError as crossed:  # batch: the root (see states)
            want = crossed.price
        got = batch_price(p, table, margin, RULE, engine=engine)
        check_price(got, want, p=p, margin=margin, table=table, rule=RULE)

    @given(table=hyperliquid_tables(), p=positions, move=decimals("0.5", "1.5", places=4))
    def test_maintenance_and_ratio_match_exact(
        self, table: BracketTable, p: dict[str, Any], move: Decimal
    ) -> None:
        """MM = notional·m − D at the mark, and the margin ratio, to a few ulps."""
        p = fit(_linear(p), table)
        mark = exact(lambda: p["entry"] * move)()
        position = position_of(p, table)
        margin = exact(lambda: n_entry_of(p) / p["leverage"])()
        brackets = BracketArrays.from_table(table)
        (got_mm,) = maintenance_margin(
            size=np.array([float(p["size"])]), mark_price=float(mark), brackets=brackets
        ).tolist()
        want_mm = futures.maintenance_margin(position, mark_price=mark)
        want_n = futures.notional(position, price=mark)
        assert abs(Decimal(repr(got_mm)) - want_mm) <= 16 * U * (want_n + want_mm)
        want_ratio = futures.margin_ratio(position, margin=margin, mark_price=mark)
        (got_ratio,) = margin_ratio(
            side=np.array([p["side"]]),
            size=float(p["size"]),
            entry_price=float(p["entry"]),
            mark_price=float(mark),
            margin=float(margin),
            brackets=brackets,
        ).tolist()
        if want_ratio is not None and want_mm > 0:
            balance = exact(lambda: margin + futures.unrealized_pnl(position, mark_price=mark))()
            scale = exact(lambda: (margin + want_n + n_entry_of(p)) / balance)()
            relative = exact(lambda: abs(Decimal(repr(got_ratio)) - want_ratio) / want_ratio)()
            assert relative <= 16 * U * (1 + scale + (want_n + want_mm) / want_mm)

    @pytest.mark.parametrize("engine", ["auto", "array_api"])
    def test_every_published_coin_in_one_stack(self, engine: Engine) -> None:
        """All of MARGIN_TIERS stacked, one row per coin and side: each = its exact price.

        Positions of 5x at 1,000 USDC of margin (a notional of 5,000, the first tier)
        and of 2x at 100M USDC of margin (200M notional: past every coin's second tier
        bound, where the higher rate applies).
        """
        coins = list(hyperliquid.MARGIN_TIERS)
        tables = [hyperliquid.MARGIN_TIERS[coin] for coin in coins]
        stack = BracketArrays.from_tables(tables)
        rows = [
            (i, side, margin)
            for i in range(len(coins))
            for side in (LONG, SHORT)
            for margin in (Decimal(1_000), Decimal(100_000_000))
        ]
        entry = Decimal(100)
        size = [float(m * (5 if m == 1_000 else 2) / entry) for _, _, m in rows]
        got = isolated_liquidation_price(
            side=np.array([s for _, s, _ in rows]),
            size=np.array(size),
            entry_price=np.full(len(rows), float(entry)),
            margin=np.array([float(m) for _, _, m in rows]),
            brackets=stack,
            symbol=np.array([i for i, _, _ in rows]),
            rule=RULE,
            engine=engine,
        )
        for (i, side, margin), q, price in zip(rows, size, got.tolist(), strict=True):
            p = {"side": side, "size": Decimal(repr(q)), "entry": entry, "kind": "linear"}
            p["contract_size"] = Decimal(1)
            want = futures.isolated_liquidation_price(
                position_of(p, tables[i]), margin=margin, rule=RULE
            )
            assert want is not None
            assert abs(Decimal(repr(price)) - want) <= want * Decimal("1e-13"), coins[i]
