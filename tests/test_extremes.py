"""Extreme but valid inputs give exact results (issue: hardening; conventions: precision).

1-satoshi sizes at leverage 125, notionals exactly at the top bracket cap, prices with
12 decimals and loans accruing hourly for years: every result equals an independent
exact computation (rational arithmetic, rounded once to ``PRECISION`` digits where the
true value does not terminate).
"""

from __future__ import annotations

import decimal
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from levrisk.brackets import BracketTable
from levrisk.futures import (
    Contract,
    CrossAccount,
    Position,
    bankruptcy_price,
    cross_liquidation_price,
    initial_margin,
    isolated_liquidation_price,
    maintenance_margin,
    margin_ratio,
    unrealized_pnl,
)
from levrisk.interest import accrual_times, accrued_interest
from levrisk.margin import IsolatedMarginAccount, Loan, liquidation_price, margin_level
from levrisk.numbers import PRECISION

TABLE = BracketTable.from_rates(
    caps=[50_000, 250_000, 1_000_000, 10_000_000],
    maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
    max_leverages=[125, 100, 50, 20],
)
BTCUSDT = Contract(symbol="BTCUSDT", kind="linear", brackets=TABLE)
SATOSHI = Decimal("0.00000001")
PRICE_12 = Decimal("60000.123456789012")


def _rounded(value: Fraction) -> Decimal:
    """The correctly rounded PRECISION-digit Decimal of an exact rational."""
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        ctx.rounding = decimal.ROUND_HALF_EVEN
        return Decimal(value.numerator) / Decimal(value.denominator)


def _long_lp(q: Fraction, ep: Fraction, margin: Fraction, m: Fraction, cum: Fraction) -> Fraction:
    """rule-futures-liquidation-linear one-way long: (Q·EP − WB − cum) / (Q·(1 − m))."""
    return (q * ep - margin - cum) / (q * (1 - m))


class TestSatoshiAt125x:
    """A 1-satoshi BTCUSDT position at 125x with a 12-decimal entry price."""

    position = Position(
        contract=BTCUSDT, side="long", size=SATOSHI, entry_price=PRICE_12, leverage=125
    )

    def test_initial_margin_exact(self) -> None:
        """IM = Q·EP/L with every digit."""
        assert initial_margin(self.position) == _rounded(
            Fraction(SATOSHI) * Fraction(PRICE_12) / 125
        )

    def test_liquidation_price_correctly_rounded(self) -> None:
        """The LP equals the exact closed form rounded once to PRECISION digits."""
        margin = initial_margin(self.position)
        expected = _long_lp(
            Fraction(SATOSHI), Fraction(PRICE_12), Fraction(margin), Fraction("0.004"), Fraction(0)
        )
        assert isolated_liquidation_price(self.position, margin=margin) == _rounded(expected)

    def test_margin_ratio_at_the_lp(self) -> None:
        """At the LP the margin ratio is 1 to within the last of PRECISION digits."""
        margin = initial_margin(self.position)
        lp = isolated_liquidation_price(self.position, margin=margin)
        assert lp is not None
        ratio = margin_ratio(self.position, margin=margin, mark_price=lp)
        assert ratio is not None
        assert abs(ratio - 1) < Decimal(10) ** (5 - PRECISION)

    def test_bankruptcy_price(self) -> None:
        """Bankruptcy of an isolated 125x long: EP·(1 − 1/L), exactly (rule-bankruptcy-price)."""
        margin = initial_margin(self.position)
        assert bankruptcy_price(self.position, margin=margin) == _rounded(
            Fraction(PRICE_12) * (1 - Fraction(1, 125))
        )

    def test_pnl_of_one_tick(self) -> None:
        """A move of 1e-12 on a satoshi: PnL 1e-20 USDT, not rounded away."""
        pnl = unrealized_pnl(self.position, mark_price=PRICE_12 + Decimal("1e-12"))
        assert pnl == Decimal("1E-20")


class TestTopBracketCap:
    """A notional exactly at the table's top cap uses the top bracket (cap inclusive)."""

    def test_maintenance_at_the_cap(self) -> None:
        """10,000,000 USDT: MM = 10,000,000 × 2.5% − 16,300."""
        position = Position(
            contract=BTCUSDT, side="short", size=100, entry_price=100_000, leverage=20
        )
        assert maintenance_margin(position, mark_price=100_000) == Decimal(233_700)

    def test_cross_lp_with_the_cap_position(self) -> None:
        """A long at the top cap in cross: the LP is the one-way closed form, exactly."""
        position = Position(
            contract=BTCUSDT, side="long", size=100, entry_price=100_000, leverage=20
        )
        account = CrossAccount(wallet_balance=600_000, positions=[position])
        lp = cross_liquidation_price(account, "BTCUSDT", mark_prices={"BTCUSDT": 100_000})
        # at ~96,243 the notional is ~9.62M: still the 2.5% bracket (cum 16,300)
        expected = _long_lp(
            Fraction(100), Fraction(100_000), Fraction(600_000), Fraction("0.025"), Fraction(16_300)
        )
        assert lp == _rounded(expected)


class TestYearsOfHourlyInterest:
    """Loans over years accrue every hour, exactly (rule-interest)."""

    @pytest.mark.parametrize("years", [1, 3, 10])
    def test_constant_rate(self, years: int) -> None:
        """Principal × rate × (1 + whole hours), to the last digit."""
        start = datetime(2020, 1, 1, 0, 0, 1, tzinfo=timezone.utc)
        end = start + timedelta(days=365 * years)
        hours = (end - start) // timedelta(hours=1)
        principal, rate = Decimal("1234.567890123456"), Decimal("0.000001234567")
        assert len(accrual_times(start, end)) == 1 + hours
        assert accrued_interest(principal, rate, start, end) == principal * rate * (1 + hours)


class TestSpotMarginTwelveDecimals:
    """Spot margin level and liquidation price with 12-decimal prices.

    Rule: rule-margin-level, rule-spot-liquidation.
    """

    account = IsolatedMarginAccount(
        base="BTC",
        quote="USDT",
        quote_balance="9000.000000000001",
        loans=[Loan(asset="BTC", principal=SATOSHI * 10_000, interest="0.000000000123")],
    )

    def test_margin_level(self) -> None:
        """Level = assets / (liabilities · price), correctly rounded."""
        level = margin_level(self.account, {"BTC": PRICE_12})
        owed = Fraction(SATOSHI * 10_000) + Fraction("0.000000000123")
        expected = Fraction("9000.000000000001") / (owed * Fraction(PRICE_12))
        assert level == _rounded(expected)

    def test_liquidation_price(self) -> None:
        """The LP is quote / (ML*·(Q + I)) for a short holding only quote, correctly rounded."""
        lp = liquidation_price(
            self.account, asset="BTC", prices={"BTC": PRICE_12}, liquidation_level="1.1"
        )
        owed = Fraction(SATOSHI * 10_000) + Fraction("0.000000000123")
        assert lp == _rounded(Fraction("9000.000000000001") / (Fraction("1.1") * owed))
