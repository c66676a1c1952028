"""Tests of levrisk._algebra, the one algebra of linear and inverse contracts.

Rule: rule-futures-margin-pnl (PnL, notional, target and break-even prices) in X = P or 1/P.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk import _algebra
from levrisk._typing import ContractKind, Side
from levrisk.exceptions import InvalidInputError
from levrisk.numbers import PRECISION
from strategies import decimals, futures_prices, kinds, sides

quantities = decimals("0.001", "1000", places=3)
fee_rates = decimals("0", "0.01", places=5)
gains = decimals("-0.9", "5", places=4)


def close(value: Decimal, expected: Fraction) -> bool:
    """``value`` agrees with the exact ``expected`` to 45 significant digits."""
    if expected == 0:
        return abs(Fraction(value)) < Fraction(1, 10**40)
    return abs(Fraction(value) - expected) <= abs(expected) / 10**45


def exact_net(  # noqa: PLR0917 - the formula's own arguments
    kind: ContractKind,
    side: Side,
    q: Decimal,
    entry: Decimal,
    price: Decimal,
    fees: tuple[Decimal, Decimal] | tuple[int, int],
) -> Fraction:
    """The exact net PnL, written out per kind (the published formulas)."""
    s = 1 if side == "long" else -1
    fo, fc = (Fraction(f) for f in fees)
    q_, ep, p = Fraction(q), Fraction(entry), Fraction(price)
    if kind == "linear":
        return s * q_ * (p - ep) - fo * q_ * ep - fc * q_ * p
    return s * q_ * (1 / ep - 1 / p) - fo * q_ / ep - fc * q_ / p


class TestChangeOfVariable:
    """rule-futures-margin-pnl: X = P (linear) or 1/P (inverse), k = ±1."""

    @given(kind=kinds, price=futures_prices)
    def test_swap_round_trips(self, kind: ContractKind, price: Decimal) -> None:
        """The change of variable is an involution: P → X → P."""
        value = Fraction(price)
        assert _algebra.swap(kind, _algebra.swap(kind, value)) == value

    @given(kind=kinds, price=futures_prices)
    def test_x_is_p_or_its_reciprocal(self, kind: ContractKind, price: Decimal) -> None:
        """``x`` is P for linear and 1/P for inverse, and agrees with the exact swap."""
        with localcontext() as context:
            context.prec = PRECISION
            x = _algebra.x(kind, price)
        assert close(x, _algebra.swap(kind, Fraction(price)))

    @pytest.mark.parametrize(
        ("kind", "side", "expected"),
        [
            ("linear", "long", 1),
            ("linear", "short", -1),
            ("inverse", "long", -1),
            ("inverse", "short", 1),
        ],
        ids=["linear-long", "linear-short", "inverse-long", "inverse-short"],
    )
    def test_direction(self, kind: ContractKind, side: Side, expected: int) -> None:
        """``k·s`` is +1 where the PnL rises with X."""
        assert _algebra.direction(kind, side) == expected

    def test_notional_units(self) -> None:
        """Linear notional Q·P in quote; inverse Q/P in coin."""
        assert _algebra.notional("linear", Decimal(2), Decimal(100)) == 200
        assert _algebra.notional("inverse", Decimal(200), Decimal(100)) == 2

    def test_share_is_unevaluated(self) -> None:
        """``share`` gives amount / notional as a numerator and denominator."""
        assert _algebra.share("linear", Decimal(5), Decimal(2), Decimal(100)) == (
            Decimal(5),
            Decimal(200),
        )
        assert _algebra.share("inverse", Decimal(5), Decimal(2), Decimal(100)) == (
            Decimal(500),
            Decimal(2),
        )


class TestPnL:
    """rule-futures-margin-pnl: PnL = k·s·Q·(X − x_e), fees on each notional."""

    @given(kind=kinds, q=quantities, entry=futures_prices, price=futures_prices)
    def test_long_short_antisymmetry(
        self, kind: ContractKind, q: Decimal, entry: Decimal, price: Decimal
    ) -> None:
        """A long gains exactly what a short of the same size loses."""
        with localcontext() as context:
            context.prec = PRECISION
            long = _algebra.pnl(kind, "long", q, entry, price)
            short = _algebra.pnl(kind, "short", q, entry, price)
        assert Fraction(long) == -Fraction(short)

    @given(kind=kinds, side=sides, q=quantities, entry=futures_prices, price=futures_prices)
    def test_matches_the_published_formulas(
        self, kind: ContractKind, side: Side, q: Decimal, entry: Decimal, price: Decimal
    ) -> None:
        """Without fees, the PnL is the published linear and inverse formula."""
        with localcontext() as context:
            context.prec = PRECISION
            value = _algebra.pnl(kind, side, q, entry, price)
        assert close(value, exact_net(kind, side, q, entry, price, (0, 0)))

    @given(
        kind=kinds,
        side=sides,
        q=quantities,
        entry=futures_prices,
        price=futures_prices,
        fees=st.tuples(fee_rates, fee_rates),
    )
    def test_net_pnl_with_fees(
        self,
        *,
        kind: ContractKind,
        side: Side,
        q: Decimal,
        entry: Decimal,
        price: Decimal,
        fees: tuple[Decimal, Decimal],
    ) -> None:
        """The net PnL less f_o·notional(EP) and f_c·notional(P)."""
        with localcontext() as context:
            context.prec = PRECISION
            value = _algebra.net_pnl(kind, side, q, entry, price, fees=fees)
        assert close(value, exact_net(kind, side, q, entry, price, fees))


class TestExitPrice:
    """rule-futures-margin-pnl: the one exit-price inversion (targets, break-even, stops)."""

    @given(
        kind=kinds,
        side=sides,
        q=quantities,
        entry=futures_prices,
        gain=gains,
        fees=st.tuples(fee_rates, fee_rates),
    )
    def test_pnl_at_the_exit_is_the_target(
        self,
        *,
        kind: ContractKind,
        side: Side,
        q: Decimal,
        entry: Decimal,
        gain: Decimal,
        fees: tuple[Decimal, Decimal],
    ) -> None:
        """The net PnL at exit_price(T) is T for an amount T of Q (None: no positive price)."""
        with localcontext() as context:
            context.prec = PRECISION
            target = gain * _algebra.notional(kind, q, entry)
            top, per = _algebra.share(kind, target, q, entry)
            price = _algebra.exit_price(kind, side, entry, gain=top, per=per, fees=fees)
        if price is None:
            return
        assert price > 0
        net = exact_net(kind, side, q, entry, price, fees)
        assert abs(net - Fraction(target)) <= abs(Fraction(target)) / 10**40 + Fraction(1, 10**40)

    @given(kind=kinds, side=sides, entry=futures_prices)
    def test_zero_gain_without_fees_is_the_entry(
        self, kind: ContractKind, side: Side, entry: Decimal
    ) -> None:
        """Without fees, the exit with no gain is the entry price itself."""
        with localcontext() as context:
            context.prec = PRECISION
            assert _algebra.exit_price(kind, side, entry, gain=Decimal(0)) == entry

    def test_no_positive_price(self) -> None:
        """A linear short cannot gain more than its notional; an inverse long its coin value."""
        entry = Decimal(100)
        assert _algebra.exit_price("linear", "short", entry, gain=Decimal(1)) is None
        assert _algebra.exit_price("inverse", "long", entry, gain=Decimal(1)) is None
        assert _algebra.exit_price("inverse", "long", entry, gain=Decimal(2)) is None


class TestExactRationals:
    """The exact side of the algebra (rule-rounding: one rounding at the end)."""

    def test_fraction_refuses_huge_magnitudes(self) -> None:
        """A magnitude beyond 1e±1000 is refused, naming the argument."""
        with pytest.raises(InvalidInputError, match="price must lie within"):
            _algebra.fraction(Decimal("1e1001"), "price")
        assert _algebra.fraction(Decimal(0), "price") == 0

    def test_decimal_rounds_once(self) -> None:
        """A terminating rational is exact; 1/3 is 50 threes."""
        with localcontext() as context:
            context.prec = PRECISION
            assert _algebra.decimal(Fraction(5, 4)) == Decimal("1.25")
            assert _algebra.decimal(Fraction(1, 3)) == Decimal("0." + "3" * PRECISION)


class TestTiers:
    """rule-brackets: a table's precomputed figures, as the solver reads them."""

    ROWS = (
        (Decimal(50_000), Decimal("0.004"), Decimal(0)),
        (Decimal(250_000), Decimal("0.005"), Decimal(50)),
        (Decimal(1_000_000), Decimal("0.01"), Decimal(1300)),
    )

    def test_edges(self) -> None:
        """The edges cap ∓ MM(cap) at every inner edge, exactly."""
        tiers = _algebra.Tiers(self.ROWS)
        assert tiers.minus == (Decimal("49800.000"), Decimal("248800.000"))
        assert tiers.plus == (Decimal("50200.000"), Decimal("251200.000"))
        assert tiers.top_rate == Decimal("0.01")

    @pytest.mark.parametrize(
        ("notional", "row"),
        [(Decimal(0), 0), (Decimal(50_000), 0), (Decimal("50000.01"), 1), (Decimal(10**9), 2)],
        ids=["zero", "cap inclusive", "above cap", "above the top"],
    )
    def test_index(self, notional: Decimal, row: int) -> None:
        """The row holding a notional (cap inclusive, the last above the top)."""
        assert _algebra.Tiers(self.ROWS).index(notional) == row

    def test_terms_made_once(self) -> None:
        """The rational rows are made on first use and kept."""
        tiers = _algebra.Tiers(self.ROWS)
        first = tiers.terms()
        assert first[1] == (Fraction(250_000), Fraction(1, 200), Fraction(50))
        assert tiers.terms() is first

    def test_oversize(self) -> None:
        """The first figure beyond 1e±1000 is reported by check() and terms()."""
        rows = [*self.ROWS[:2], (Decimal("1e1001"), Decimal("0.01"), Decimal("1e1001"))]
        tiers = _algebra.Tiers(rows)
        assert tiers.oversize == ("brackets[2].cap", Decimal("1e1001"))
        with pytest.raises(InvalidInputError, match=r"brackets\[2\]\.cap must lie within"):
            tiers.check()
        with pytest.raises(InvalidInputError, match=r"brackets\[2\]\.cap must lie within"):
            tiers.terms()
        _algebra.Tiers(self.ROWS).check()  # nothing oversized: no error

    def test_bounded(self) -> None:
        """A bounded value comes back itself; one beyond 1e±1000 is refused by name."""
        assert _algebra.bounded(Decimal("1e1000"), "x") == Decimal("1e1000")
        assert _algebra.bounded(Decimal(0), "x") == 0
        with pytest.raises(InvalidInputError, match="x must lie within"):
            _algebra.bounded(Decimal("1e-1001"), "x")
