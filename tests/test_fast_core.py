"""The fast core (rule-futures-liquidation-linear and rule-futures-liquidation-inverse).

"The root lies in the first bracket whose upper edge lies past it": the bisect over the
table's edges at a rounded guess must give the bracket an exact scan of the edges gives,
also when the guess rounds onto the wrong side of an edge.
"""

from __future__ import annotations

import copy
import decimal
import pickle
from decimal import Decimal
from typing import Literal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk import _algebra
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.futures import (
    Contract,
    CrossAccount,
    Position,
    _solver,
    cross_liquidation_price,
    isolated_liquidation_price,
)
from levrisk.numbers import plain_positive

TABLE = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000],
    maintenance_rates=["0.004", "0.005", "0.01"],
    max_leverages=[125, 100, 50],
)


ONE_BRACKET = BracketTable.from_rates(
    caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
)


def _long(
    symbol: str,
    *,
    size: str | int = 1,
    entry: int = 100,
    leverage: int = 1,
    side: Literal["long", "short"] = "long",
) -> Position:
    """A position on a one-bracket linear contract ``symbol`` (a long unless told)."""
    contract = Contract(symbol=symbol, kind="linear", brackets=ONE_BRACKET)
    return Position(contract=contract, side=side, size=size, entry_price=entry, leverage=leverage)


def _scan(one: _solver.One, base: Decimal, fee_mark: Decimal, scale: Decimal) -> int:
    """The first inner edge at which the condition is on the liquidated side (a scan).

    From the brackets' own columns: at ``cap_i`` the maintenance is ``cap_i·m_i − cum_i``
    and ``E·f = base + E·(±cap_i − MM(cap_i) − f_m·cap_i)`` (``+`` for ``k·s = +1``).
    """
    t = one.tiers
    for i, (cap, rate, amount) in enumerate(zip(t.caps[:-1], t.rates, t.amounts, strict=False)):
        mm = cap * rate - amount
        if one.direction > 0 and base + scale * (cap - mm - fee_mark * cap) >= 0:
            return i
        if one.direction < 0 and base + scale * (-cap - mm - fee_mark * cap) <= 0:
            return i
    return len(t.caps) - 1


def _one(direction: int, entry: Decimal) -> _solver.One:
    return _solver.One("inverse", direction, Decimal(100), entry, _solver.tiers(TABLE))


class TestBracket:
    """The bisect at a rounded guess agrees with the exact scan."""

    @given(
        direction=st.sampled_from([1, -1]),
        base=st.decimals(min_value=-(10**12), max_value=10**12, places=8),
        entry=st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=6),
        fee=st.sampled_from([Decimal(0), Decimal("0.0005")]),
    )
    def test_matches_the_scan(
        self, direction: int, base: Decimal, entry: Decimal, fee: Decimal
    ) -> None:
        """Any wallet, entry and fee: the same bracket as the scan."""
        one = _one(direction, entry)
        with decimal.localcontext(_algebra.EXACT):
            found = _solver._bracket(one, base, fee, entry)
            assert found == _scan(one, base, fee, entry)

    def test_a_guess_rounded_across_an_edge(self) -> None:
        """``−base/E`` just above an edge rounds onto it: the exact check moves on."""
        entry = Decimal(3)
        one = _one(1, entry)
        edge = one.tiers.minus[0]
        with decimal.localcontext(_algebra.EXACT):
            base = -(entry * edge + Decimal("3E-60"))  # −base/E = edge + 1E-60: rounds to edge
            assert decimal.Context(prec=50).divide(-base, entry) == edge
            assert (
                _solver._bracket(one, base, Decimal(0), entry)
                == 1
                == _scan(one, base, Decimal(0), entry)
            )


class TestCrossMargins:
    """rule-futures-liquidation-linear: the other symbols' margins enter the solve checked."""

    def test_a_margin_beyond_the_solver_bounds_is_named(self) -> None:
        """A margin of 2E-1099 is refused, naming the symbol it belongs to."""
        account = CrossAccount(
            wallet_balance=1000, positions=[_long("A"), _long("B", size="1e-1100")]
        )
        with pytest.raises(InvalidInputError, match=r"^the margin of 'B' must lie within"):
            cross_liquidation_price(account, "A", mark_prices={"B": 120})


class TestPlainMarks:
    """rule-rounding: a mark is taken as it is only within the numeric contract's bounds."""

    def test_a_long_coefficient_takes_the_full_conversion(self) -> None:
        """2,001 significant digits: not plain, and the named error of the contract."""
        long = Decimal("1." + "1" * 2000)
        assert plain_positive(long) is None
        assert plain_positive(Decimal("1E+10000")) is None
        assert plain_positive(Decimal(60_000)) == Decimal(60_000)
        account = CrossAccount(wallet_balance=1000, positions=[_long("A"), _long("B")])
        with pytest.raises(InvalidInputError, match=r"^mark_prices\['B'\] must have at most"):
            cross_liquidation_price(account, "A", mark_prices={"B": long})


class TestCaches:
    """rule-futures: a solved Position or CrossAccount is still a plain value object."""

    def test_pickle_copy_evolve_after_a_solve(self) -> None:
        """The cached solver figures never travel: pickles, copies and evolves are equal."""
        pos = _long("BTC", size="0.5", leverage=2)
        account = CrossAccount(wallet_balance=25, positions=[pos])
        price = isolated_liquidation_price(pos, margin=25)
        assert cross_liquidation_price(account, "BTC", mark_prices={}) == price
        pickled = pickle.loads(pickle.dumps(pos))  # noqa: S301 - our own object
        for clone in (pickled, copy.copy(pos), copy.deepcopy(pos)):
            assert clone == pos
            assert isolated_liquidation_price(clone, margin=25) == price
        bigger = attrs.evolve(pos, size=1)
        assert isolated_liquidation_price(bigger, margin=50) == price
        restored = pickle.loads(pickle.dumps(account))  # noqa: S301 - our own object
        assert restored == account
        assert cross_liquidation_price(restored, "BTC", mark_prices={}) == price


class TestMarker:
    """rule-rounding: the caller's context is neither read nor changed, call after call."""

    def test_a_context_captured_during_a_call_is_not_trusted_later(self) -> None:
        """A mapping that keeps the context it saw cannot make a later call run in it."""
        seen: list[decimal.Context] = []

        class Marks(dict[str, str]):
            def __getitem__(self, key: str) -> str:
                seen.append(decimal.getcontext())
                return super().__getitem__(key)

        account = CrossAccount(
            wallet_balance="50.123456789",
            positions=[_long("A", entry=103), _long("B", entry=103, side="short")],
        )
        marks = Marks(A="101", B="99.777")
        expected = cross_liquidation_price(account, "A", mark_prices=marks)
        captured = seen[-1]
        captured.prec = 5
        captured.clear_flags()
        mine = decimal.getcontext()
        decimal.setcontext(captured)  # the very object, not a copy
        try:
            again = cross_liquidation_price(account, "A", mark_prices=marks)
        finally:
            decimal.setcontext(mine)
        assert again == expected
        assert not any(captured.flags.values())


class TestIsolatedArguments:
    """rule-futures-liquidation-linear: a missing rule is an error, never another price."""

    def test_rule_none_is_refused(self) -> None:
        """``rule=None`` names the rule (it is not the bankruptcy price's no-rule)."""
        pos = _long("BTC", size="0.02", entry=50_000, leverage=2)
        with pytest.raises(InvalidInputError, match=r"^rule must be a LiquidationRule, got None"):
            isolated_liquidation_price(pos, margin=500, rule=None)  # type: ignore[arg-type]


class TestCrossBounds:
    """rule-futures-liquidation-linear: the wallet and the start price enter the solve checked."""

    @staticmethod
    def _account(wallet: str) -> CrossAccount:
        return CrossAccount(wallet_balance=wallet, positions=[_long("BTC")])

    def test_a_wallet_beyond_the_solver_bounds(self) -> None:
        """A wallet of 1E-1100 is refused, named."""
        with pytest.raises(InvalidInputError, match=r"^account.wallet_balance must lie within"):
            cross_liquidation_price(self._account("1E-1100"), "BTC", mark_prices={})

    def test_a_start_beyond_the_solver_bounds(self) -> None:
        """The symbol's own mark of 1E-1100 is refused as the start price."""
        with pytest.raises(InvalidInputError, match=r"^the start price must lie within"):
            cross_liquidation_price(self._account("10"), "BTC", mark_prices={"BTC": "1E-1100"})
