"""The batch liquidation outcomes: one meaning per value, the scalar path's four states.

Rule: rule-batch-outcomes (NaN: no price; +inf long / -inf short: every price; the root
when already past, told by liquidation_states at the given marks), checked against
levrisk.futures.isolated_liquidation_price and levrisk.margin.liquidation_price, whose
outcomes are a price, None, AlwaysLiquidatedError and AlreadyLiquidatedError.
"""

from __future__ import annotations

import contextlib
import importlib
import math
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
    STATE_ALREADY,
    STATE_ALWAYS,
    STATE_NONE,
    STATE_PRICE,
    BracketArrays,
    Engine,
    isolated_liquidation_price,
    liquidation_states,
    spot_liquidation_price,
)
from levrisk.brackets import BracketTable
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    AlwaysLiquidatedError,
    InvalidInputError,
    LevriskError,
)
from levrisk.futures import LiquidationRule
from levrisk.margin import CrossMarginAccount, Loan
from levrisk.margin import liquidation_price as scalar_spot_liquidation_price
from levrisk.numbers import exact
from strategies import bracket_tables, decimals
from test_batch import _JUNK as JUNK
from test_batch_rules import batch_price, fit, n_entry_of, position_of, positions

da: Any = importlib.import_module("dask.array")  # Dask is only partly typed

HIGH = BracketTable.from_rates(caps=[1000], maintenance_rates=["0.6"], max_leverages=[1])
"""A table whose maintenance exceeds a close-fee-reduced margin: the "always" state."""

EXTREME = LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.5")
"""Maintenance at entry and a large fee at the bankruptcy price: every price can liquidate."""

RULES = [
    LiquidationRule(),
    LiquidationRule(close_fee="mark", fee_rate="0.0005"),
    LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.00075"),
    LiquidationRule(maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.99"),
]
RULE_IDS = ["binance", "mark-fee", "entry-bankruptcy", "entry-bankruptcy-0.99"]

ENGINES: list[Engine] = ["auto", "array_api"]
CASES = [(rule, engine) for rule in RULES for engine in ENGINES]
CASE_IDS = [f"{name}-{engine}" for name in RULE_IDS for engine in ENGINES]


def _scalar_state(
    p: dict[str, Any], table: BracketTable, margin: Decimal, rule: LiquidationRule
) -> tuple[int, Decimal | None]:
    """The exact path's outcome as ``(state, price)``."""
    position = position_of(p, table)
    try:
        price = futures.isolated_liquidation_price(position, margin=margin, rule=rule)
    except AlwaysLiquidatedError:
        return STATE_ALWAYS, None
    except AlreadyLiquidatedError as crossed:
        return STATE_ALREADY, crossed.price
    return (STATE_NONE, None) if price is None else (STATE_PRICE, price)


def _batch_state(p: dict[str, Any], case: tuple[Any, ...], **options: Any) -> tuple[int, float]:
    """The batch price of ``p`` under ``case`` = ``(table, margin, rule)``; its state at entry.

    ``options``: ``engine`` and optionally ``namespace`` (NumPy by default).
    """
    xp = options.get("namespace", np)
    price = batch_price(p, *case, **options)
    as_array = xp.asarray([price], dtype=xp.float64)
    side = xp.asarray([p["side"]], dtype=xp.int64)
    state = liquidation_states(price=as_array, side=side, mark_price=float(p["entry"]))
    assert state.dtype == xp.int8
    return int(state[0]), price


def _near_zero_numerator(p: dict[str, Any], price: Decimal | float) -> bool:
    """A root within float rounding of "no root" (a notional near 0 or near infinity)."""
    value = Decimal(repr(price)) if isinstance(price, float) else price
    if not value.is_finite():
        return True
    entry = p["entry"]
    return bool(value < entry * Decimal("1e-6") if p["kind"] == "linear" else value > entry * 10**6)


class TestIsolatedStates:
    """rule-batch-outcomes: the batch state of every row = the exact path's outcome."""

    @pytest.mark.parametrize(("rule", "engine"), CASES, ids=CASE_IDS)
    @given(data=st.data())
    def test_states_match_exact(
        self, rule: LiquidationRule, engine: Engine, data: st.DataObject
    ) -> None:
        """Price, none, always and already past at entry: the same state as the exact path.

        The margin is a drawn fraction (0 to 1.5) of the entry notional: from nothing to
        more than a 1x position. Only rows within float rounding of a state's boundary
        may differ: the root at the entry price (already vs price) or a notional at 0
        (price vs none/always).
        """
        table = data.draw(bracket_tables(max_brackets=6), label="table")
        p = fit(data.draw(positions, label="p"), table)  # MM at entry within the table
        fraction = data.draw(decimals("0", "1.5", places=4), label="fraction")
        margin = exact(lambda: (n_entry_of(p) * fraction).quantize(Decimal("1e-12")))()
        want, want_price = _scalar_state(p, table, margin, rule)
        got, got_price = _batch_state(p, (table, margin, rule), engine=engine)
        if got == want:
            if want == STATE_ALWAYS:
                assert got_price == (math.inf if p["side"] == LONG else -math.inf)
            return
        pair = {got, want}
        if pair == {STATE_PRICE, STATE_ALREADY}:
            assert want_price is not None
            assert abs(Decimal(repr(got_price)) - p["entry"]) <= p["entry"] * Decimal("1e-9")
        else:  # across a missing root: the root is at the no-root boundary
            assert _near_zero_numerator(p, got_price if want_price is None else want_price)

    @pytest.mark.parametrize("engine", ENGINES)
    def test_every_state_once(self, engine: Engine) -> None:
        """A short with no margin under the extreme rule is liquidated at every price (-inf).

        Linear, size 1 at 100, table rate 0.6, maintenance at entry, fee 0.5 at the
        bankruptcy price: margin 0 → every price (-inf); margin 30 → already past at
        entry (root 5); a long with margin 5 → already past (root 202.5); with margin
        200 → no price (NaN); an inverse long with no margin → +inf.
        """
        side = np.array([SHORT, SHORT, LONG, LONG])
        entry = np.full(4, 100.0)
        price = isolated_liquidation_price(
            side=side,
            size=np.ones(4),
            entry_price=entry,
            margin=np.array([0.0, 30.0, 5.0, 200.0]),
            brackets=BracketArrays.from_table(HIGH),
            rule=EXTREME,
            engine=engine,
        )
        assert price[0] == -math.inf
        assert price[1:3].tolist() == [5.0, 202.5]
        assert math.isnan(price[3])
        states = liquidation_states(price=price, side=side, mark_price=entry)
        assert states.tolist() == [STATE_ALWAYS, STATE_ALREADY, STATE_ALREADY, STATE_NONE]
        inverse = isolated_liquidation_price(
            side=np.array([LONG]),
            size=np.ones(1),
            entry_price=np.full(1, 100.0),
            margin=np.zeros(1),
            kind="inverse",
            contract_size=100,
            brackets=BracketArrays.from_table(HIGH),
            rule=EXTREME,
            engine=engine,
        )
        assert inverse.tolist() == [math.inf]

    def test_portable_path(self) -> None:
        """array-api-strict (the portable path) spells the states alike."""
        xp: Any = array_api_strict
        p = {"side": SHORT, "size": Decimal(1), "entry": Decimal(100), "kind": "linear"}
        p["contract_size"] = Decimal(1)
        assert _batch_state(p, (HIGH, Decimal(0), EXTREME), engine="array_api", namespace=xp) == (
            STATE_ALWAYS,
            -math.inf,
        )
        assert _batch_state(p, (HIGH, Decimal(30), EXTREME), engine="array_api", namespace=xp) == (
            STATE_ALREADY,
            5.0,
        )

    def test_dask_is_lazy_and_equal(self) -> None:
        """On Dask arrays both the prices and the states are lazy and equal NumPy's."""
        side = np.array([SHORT, SHORT, LONG, LONG] * 3)
        columns: dict[str, Any] = {
            "side": side,
            "size": np.ones(12),
            "entry_price": np.full(12, 100.0),
            "margin": np.array([0.0, 30.0, 5.0, 200.0] * 3),
        }
        want = isolated_liquidation_price(
            **columns, brackets=BracketArrays.from_table(HIGH), rule=EXTREME
        )
        lazy = isolated_liquidation_price(
            **{k: da.from_array(v, chunks=5) for k, v in columns.items()},
            brackets=BracketArrays.from_table(HIGH),
            rule=EXTREME,
        )
        np.testing.assert_array_equal(lazy.compute(), want)
        states = liquidation_states(
            price=lazy, side=da.from_array(side, chunks=5), mark_price=columns["entry_price"]
        )
        assert isinstance(states, da.Array)
        assert states.dtype == np.int8
        np.testing.assert_array_equal(
            states.compute(),
            liquidation_states(price=want, side=side, mark_price=columns["entry_price"]),
        )


class TestSpotStates:
    """rule-batch-outcomes on spot margin: the batch price and margin level tell the state."""

    @given(
        values=st.tuples(*[decimals("0", "100000", places=4) for _ in range(4)]),
        price=decimals("0.01", "100000", places=2),
        level=st.sampled_from([Decimal("1.1"), Decimal("1.05"), Decimal("1.3")]),
    )
    def test_states_match_levrisk_margin(
        self, values: tuple[Decimal, Decimal, Decimal, Decimal], price: Decimal, level: Decimal
    ) -> None:
        """-inf exactly where levrisk.margin raises AlwaysLiquidatedError; the rest by the mark.

        The side of the asset is the sign of ``A_x − ML*·D_x`` (a long-like asset is
        liquidated as its price falls).
        """
        usdt_held, usdt_owed, held, owed = values
        loans = [Loan(asset=a, principal=v) for a, v in (("USDT", usdt_owed), ("X", owed)) if v]
        assume(held or owed)
        account = CrossMarginAccount(balances={"X": held, "USDT": usdt_held}, loans=loans)
        try:
            scalar = scalar_spot_liquidation_price(
                account, asset="X", prices={"X": price}, liquidation_level=level
            )
            want = STATE_NONE if scalar is None else STATE_PRICE
        except AlreadyLiquidatedError:
            want = STATE_ALREADY
        except AlwaysLiquidatedError:
            want = STATE_ALWAYS
        got_price = spot_liquidation_price(
            other_asset_value=np.array([float(usdt_held)]),
            other_liability_value=float(usdt_owed),
            amount_held=float(held),
            amount_owed=float(owed),
            liquidation_level=float(level),
        )
        d = exact(lambda: held - level * owed)()
        c = exact(lambda: usdt_held - level * usdt_owed)()
        (got,) = liquidation_states(
            price=got_price, side=LONG if d >= 0 else SHORT, mark_price=float(price)
        ).tolist()
        if got != want:  # only within float rounding of a boundary of the level's line
            line = exact(lambda: abs(c + d * price))()
            size = exact(lambda: usdt_held + level * usdt_owed + (held + level * owed) * price)()
            assert (
                line <= size * Decimal("1e-12")
                or abs(c) <= size * Decimal("1e-12")
                or abs(d) <= (held + level * owed) * Decimal("1e-12")
            )


class TestStatesFunction:
    """liquidation_states: the codes, and its refusals (documented errors)."""

    def test_codes(self) -> None:
        """The docstring's rows, without marks, and a scalar broadcast."""
        price = np.array([25_100.4, np.nan, -np.inf, np.inf, 59_860.55])
        assert liquidation_states(price=price).tolist() == [0, 1, 2, 2, 0]
        states = liquidation_states(price=price, side=SHORT, mark_price=60_000)
        assert states.tolist() == [3, 1, 2, 2, 3]  # a short above its price: past it
        assert liquidation_states(price=price, side=LONG).tolist() == [0, 1, 2, 2, 0]
        assert liquidation_states(price=np.array([[1.0]])).shape == (1, 1)

    def test_at_the_price_is_liquidated(self) -> None:
        """A mark exactly at the price counts as liquidated (the exchanges' trigger)."""
        states = liquidation_states(
            price=np.array([100.0, 100.0]), side=np.array([LONG, SHORT]), mark_price=100.0
        )
        assert states.tolist() == [STATE_ALREADY, STATE_ALREADY]

    @pytest.mark.parametrize(
        ("kwargs", "pattern"),
        [
            ({"price": np.ones(2), "mark_price": 1.0}, "side is required"),
            ({"price": np.ones(2), "side": np.array([1, 0])}, "side must be"),
            ({"price": np.ones(2), "side": 1, "mark_price": -1.0}, "mark_price must be"),
            ({"price": "x"}, "price must be"),
            ({"price": np.ones(2), "side": np.ones(3)}, "broadcastable"),
        ],
    )
    def test_refusals(self, kwargs: dict[str, Any], pattern: str) -> None:
        """Bad arguments raise InvalidInputError naming the argument."""
        with pytest.raises(InvalidInputError, match=pattern):
            liquidation_states(**kwargs)

    @given(price=JUNK, side=JUNK, mark=JUNK)
    def test_only_levrisk_errors(self, price: object, side: object, mark: object) -> None:
        """Junk in any argument gives codes or a LevriskError (DESIGN.md principle 3)."""
        with contextlib.suppress(LevriskError):
            liquidation_states(price=price, side=side, mark_price=mark)
