"""The new perpetual venues' rules in levrisk.batch, pinned to the exact path.

Rule: rule-hyperliquid — Hyperliquid's maintenance rate is half the initial rate at the
tier's maximum leverage, tiers with the usual deduction (rule-brackets), valued at mark
with no close fee (Binance's LiquidationRule). Its tables are ordinary BracketTables, so
BracketArrays.from_table / from_tables carry them into batch; these tests pin the batch
liquidation price, maintenance margin and margin ratio to levrisk.futures under
hyperliquid.LIQUIDATION_RULE, on random tiers and on every published coin's tiers.

Rule: rule-tier-maintenance — OKX's position tiers (default "whole": the tier's rate on the
whole position), Gate's risk-limit tiers (published deduction, marginal by tier), BitMEX's
risk-limit brackets ("whole", maintenance at entry) and Bitget's tiers ("marginal" now,
"whole" before 2025-11-10) carry into batch through BracketArrays; a whole table's
maintenance jumps at each cap and batch then gives the edge price where the jump crosses
the condition, as levrisk.futures does. Pinned to the exact path on random tiers.
"""

from __future__ import annotations

import math
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
from levrisk.exchanges import bitget, bitmex, gate, hyperliquid, okx
from levrisk.numbers import exact
from strategies import decimals
from test_batch_rules import (
    _exact,
    batch_price,
    check_price,
    fit,
    n_entry_of,
    position_of,
    positions,
)

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
        elif want_ratio is None:
            assert math.isnan(got_ratio)  # no ratio where the margin balance is not positive
        else:
            assert got_ratio == 0  # no maintenance: a ratio of 0

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


@st.composite
def tiers(draw: st.DrawFn) -> tuple[list[Decimal], list[Decimal], list[int]]:
    """Tier bounds (rising), maintenance rates (rising) and max leverages (falling)."""
    count = draw(st.integers(min_value=1, max_value=5))
    widths = draw(st.lists(decimals(1, 5_000_000, places=0), min_size=count, max_size=count))
    bounds = [sum(widths[: i + 1], Decimal(0)) for i in range(count)]
    rate_list = sorted(
        draw(st.lists(decimals("0.001", "0.1", places=4), min_size=count, max_size=count))
    )
    leverages = [max(1, int(Decimal("0.5") / r)) for r in rate_list]
    return bounds, rate_list, leverages


def _rows(
    names: tuple[str, str, str, str, str],
    drawn: tuple[list[Decimal], list[Decimal], list[int]],
) -> list[dict[str, str]]:
    """The drawn tiers as a venue's rows: tier, lower bound, upper bound, rate, leverage."""
    bounds, rates, leverages = drawn
    return [
        dict(
            zip(
                names,
                (str(i + 1), str(bounds[i - 1] if i else 0), str(bound), str(rate), str(lever)),
                strict=True,
            )
        )
        for i, (bound, rate, lever) in enumerate(zip(bounds, rates, leverages, strict=True))
    ]


def _okx_payload(drawn: tuple[list[Decimal], list[Decimal], list[int]]) -> Any:
    rows = _rows(("tier", "minSz", "maxSz", "mmr", "maxLever"), drawn)
    for row in rows:
        row |= {"instFamily": "BTC-USDT", "imr": str(1 / Decimal(row["maxLever"]))}
    return {"code": "0", "msg": "", "data": rows}


def _gate_payload(bounds: list[Decimal], rates: list[Decimal], leverages: list[int]) -> Any:
    deductions = [Decimal(0)]
    for i in range(1, len(rates)):  # the marginal recursion, as Gate publishes it
        deductions.append(deductions[-1] + bounds[i - 1] * (rates[i] - rates[i - 1]))
    return [
        {
            "tier": i + 1,
            "risk_limit": str(bound),
            "initial_rate": str(1 / Decimal(leverage)),
            "maintenance_rate": str(rate),
            "leverage_max": str(leverage),
            "deduction": str(deduction),
        }
        for i, (bound, rate, leverage, deduction) in enumerate(
            zip(bounds, rates, leverages, deductions, strict=True)
        )
    ]


def _bitget_payload(drawn: tuple[list[Decimal], list[Decimal], list[int]]) -> Any:
    rows = _rows(("level", "startUnit", "endUnit", "keepMarginRate", "leverage"), drawn)
    for row in rows:
        row["symbol"] = "BTCUSDT"
    return {"code": "00000", "msg": "success", "requestTime": 0, "data": rows}


def _venue_table(venue: str, drawn: tuple[list[Decimal], list[Decimal], list[int]]) -> Any:
    if venue == "okx":  # the default: the tier's rate on the whole position
        return okx.position_tiers_from_payload(_okx_payload(drawn), ct_val="1")
    if venue == "gate":
        return gate.risk_limit_tiers_from_payload(_gate_payload(*drawn))
    if venue == "bitget":
        return bitget.position_tiers_from_payload(_bitget_payload(drawn))
    return bitget.position_tiers_from_payload(_bitget_payload(drawn), maintenance="whole")


VENUES = {
    "okx": okx.liquidation_rule(fee_rate="0.0005"),
    "gate": gate.liquidation_rule(fee_rate="0.00075"),
    "bitget": bitget.liquidation_rule(fee_rate="0.0006"),
    "bitget-before-2025-11-10": bitget.liquidation_rule(fee_rate="0.0006"),
}


class TestTierMaintenanceVenues:
    """rule-tier-maintenance: each venue's tiers in batch = levrisk.futures on them."""

    @pytest.mark.parametrize("venue", list(VENUES))
    @pytest.mark.parametrize("engine", ["auto", "array_api"])
    @given(drawn=tiers(), p=positions, scale=decimals("0.05", "1.5", places=3))
    def test_liquidation_matches_exact(
        self,
        venue: str,
        engine: Engine,
        drawn: tuple[list[Decimal], list[Decimal], list[int]],
        p: dict[str, Any],
        scale: Decimal,
    ) -> None:
        """The venue's table and rule, random tiers and rows: within the float bound."""
        table = _venue_table(venue, drawn)
        whole = venue in {"okx", "bitget-before-2025-11-10"}
        assert table.maintenance == ("whole" if whole else table.maintenance)
        assert BracketArrays.from_table(table).jumps(entry_basis=False) == (
            whole and len(table.brackets) > 1 and len(set(drawn[1])) > 1
        )
        p = fit(p, table)
        margin = exact(lambda: (n_entry_of(p) / p["leverage"] * scale).quantize(Decimal("1e-12")))()
        rule = VENUES[venue]
        want = _exact(p, table, margin, rule)
        got = batch_price(p, table, margin, rule, engine=engine)
        check_price(got, want, p=p, margin=margin, table=table, rule=rule)

    @pytest.mark.parametrize("engine", ["auto", "array_api"])
    def test_okx_tiers_in_one_stack(self, engine: Engine) -> None:
        """Whole OKX tiers beside a marginal Bitget table: the stack walks, each row exact."""
        drawn = ([Decimal(500), Decimal(1_000), Decimal(2_000)],
                 [Decimal("0.004"), Decimal("0.01"), Decimal("0.02")], [100, 50, 25])  # fmt: skip
        tables = [_venue_table("okx", drawn), _venue_table("bitget", drawn)]
        stack = BracketArrays.from_tables(tables)
        assert stack.continuous == (False, True)
        rule = VENUES["okx"]
        rows = [
            (i, side, size, margin)
            for i in (0, 1)
            for side in (LONG, SHORT)
            for size, margin in ((Decimal(4), Decimal(104)), (Decimal(9), Decimal(115)))
        ]
        # notionals 400 and 900; a short's target n + M then lies in the jump at 500
        # (500·(1 + c + 0.004) < 504 ≤ 500·(1 + c + 0.01)), and at 1000 (1015)
        entry = Decimal(100)
        got = isolated_liquidation_price(
            side=np.array([r[1] for r in rows]),
            size=np.array([float(r[2]) for r in rows]),
            entry_price=np.full(len(rows), float(entry)),
            margin=np.array([float(r[3]) for r in rows]),
            brackets=stack,
            symbol=np.array([r[0] for r in rows]),
            rule=rule,
            engine=engine,
        )
        for (i, side, size, margin), price in zip(rows, got.tolist(), strict=True):
            p = {"side": side, "size": size, "entry": entry, "kind": "linear"}
            p["contract_size"] = Decimal(1)
            want = _exact(p, tables[i], margin, rule)
            check_price(price, want, p=p, margin=margin, table=tables[i], rule=rule)
            if i == 0 and side == SHORT:  # the jump crosses the condition: the edge price
                assert want * size in {500, 1_000}
                assert price == float(want)

    @pytest.mark.parametrize("engine", ["auto", "array_api"])
    @given(
        values=st.lists(decimals(1, 5_000, places=0), min_size=1, max_size=4),
        p=positions,
        scale=decimals("0.05", "1.5", places=3),
    )
    def test_bitmex_risk_limits(
        self, engine: Engine, values: list[Decimal], p: dict[str, Any], scale: Decimal
    ) -> None:
        """BitMEX's whole one-bracket risk-limit tables, stacked, at entry: = exact."""
        tables = [bitmex.risk_limit_brackets(v) for v in values]
        assert all(t.maintenance == "whole" for t in tables)
        table = tables[-1]
        p = fit(p, table)
        margin = exact(lambda: (n_entry_of(p) / p["leverage"] * scale).quantize(Decimal("1e-12")))()
        want = _exact(p, table, margin, bitmex.LIQUIDATION_RULE)
        got = isolated_liquidation_price(
            side=np.array([p["side"]]),
            size=np.array([float(p["size"])]),
            entry_price=np.array([float(p["entry"])]),
            margin=np.array([float(margin)]),
            contract_size=float(p["contract_size"]),
            kind=p["kind"],
            brackets=BracketArrays.from_tables(tables),
            symbol=np.array([len(tables) - 1]),
            rule=bitmex.LIQUIDATION_RULE,
            engine=engine,
        )
        check_price(
            float(got[0]), want, p=p, margin=margin, table=table, rule=bitmex.LIQUIDATION_RULE
        )
