"""Results are identical across threads with different decimal contexts (issue: hardening).

Each thread sets its own hostile decimal context (low precision, odd rounding, the
Inexact trap on) and computes the same representative figures from every domain module;
all threads must agree with a single-threaded reference, and every thread must find its
own context untouched afterwards.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from decimal import Decimal

from levrisk.brackets import BracketTable
from levrisk.futures import (
    Contract,
    CrossAccount,
    Position,
    cross_liquidation_price,
    isolated_liquidation_price,
)
from levrisk.interest import accrued_interest
from levrisk.margin import IsolatedMarginAccount, Loan, liquidation_price, margin_level
from levrisk.numbers import round_to_step

_TABLE = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000, 10_000_000],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
    max_leverages=[125, 100, 50, 20],
)
_T0 = datetime(2024, 3, 1, 13, 55, tzinfo=timezone.utc)
_T1 = datetime(2024, 3, 9, 2, 30, tzinfo=timezone.utc)

_LONG = Position(
    contract=Contract(symbol="BTCUSDT", kind="linear", brackets=_TABLE),
    side="long",
    size="3.3333",
    entry_price="61234.56789",
    leverage=7,
)
_INVERSE = Position(
    contract=Contract(
        symbol="BTCUSD", kind="inverse", contract_size=100, brackets=_TABLE, margin_asset="BTC"
    ),
    side="short",
    size=777,
    entry_price="59876.54321",
    leverage=3,
)
_SPOT = IsolatedMarginAccount(
    base="BTC",
    quote="USDT",
    quote_balance="9000.123",
    loans=[Loan(asset="BTC", principal="0.1", interest="0.0000123")],
)

FIGURES: dict[str, Callable[[], object]] = {
    "isolated_lp": lambda: isolated_liquidation_price(_LONG, margin="29876.5"),
    "inverse_lp": lambda: isolated_liquidation_price(_INVERSE, margin="0.43"),
    "cross_lp": lambda: cross_liquidation_price(
        CrossAccount(wallet_balance=33_333, positions=[_LONG]),
        "BTCUSDT",
        mark_prices={"BTCUSDT": "60001.7"},
    ),
    "margin_level": lambda: margin_level(_SPOT, {"BTC": "61234.5"}),
    "spot_lp": lambda: liquidation_price(
        _SPOT, asset="BTC", prices={"BTC": "61234.5"}, liquidation_level="1.1"
    ),
    "maintenance_margin": lambda: _TABLE.maintenance_margin("777777.777777"),
    "max_notional": lambda: _TABLE.max_notional("33.3"),
    "round_to_step": lambda: round_to_step("12345.678901", "0.0003", "half_even"),
    "accrued_interest": lambda: accrued_interest("1234.5678", "0.0000123", _T0, _T1),
}


def _compute() -> dict[str, object]:
    return {name: figure() for name, figure in FIGURES.items()}


def _in_hostile_context(seed: int) -> tuple[dict[str, object], bool]:
    modes = [decimal.ROUND_FLOOR, decimal.ROUND_CEILING, decimal.ROUND_DOWN, decimal.ROUND_UP]
    context = decimal.Context(prec=2 + seed % 7, rounding=modes[seed % len(modes)])
    context.traps[decimal.Inexact] = seed % 2 == 0
    decimal.setcontext(context)
    before = (context.prec, context.rounding, dict(context.traps))
    results = _compute()
    current = decimal.getcontext()
    unchanged = current is context and before == (
        current.prec,
        current.rounding,
        dict(current.traps),
    )
    return results, unchanged


def test_threads_agree_and_contexts_survive() -> None:
    """32 tasks on 8 threads, each with its own context, all equal the reference."""
    reference = _compute()
    assert all(isinstance(v, Decimal) for v in reference.values())
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(_in_hostile_context, range(32)))
    for results, unchanged in outcomes:
        assert results == reference
        assert unchanged
