"""levrisk.exchanges.kraken (rule-kraken-rollover): opening and rollover fees."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk import exchanges
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import kraken
from levrisk.interest import accrued_interest
from levrisk.margin import BINANCE_CROSS_3X, close, open_long

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)


class TestRolloverCount:
    """rule-kraken-rollover [published]: one rollover per 4 hours, starting after 4 hours."""

    @pytest.mark.parametrize(
        ("held", "count"),
        [
            (timedelta(0), 0),
            (timedelta(hours=3, minutes=59, seconds=59), 0),
            (timedelta(hours=4), 1),
            (timedelta(hours=7, minutes=59), 1),
            (timedelta(hours=24), 6),
            (timedelta(days=365), 2190),
        ],
        ids=["at-open", "just-before-4h", "at-4h", "under-8h", "one-day", "one-year"],
    )
    def test_count(self, held: timedelta, count: int) -> None:
        """The count is the whole 4-hour periods held, the instant itself included."""
        assert kraken.rollover_count(T0, T0 + held) == count

    def test_other_zone(self) -> None:
        """Aware datetimes in any zone count the same elapsed time."""
        plus_two = timezone(timedelta(hours=2))
        assert kraken.rollover_count(T0, (T0 + timedelta(hours=8)).astimezone(plus_two)) == 2

    @given(minutes=st.integers(min_value=0, max_value=10**7))
    def test_never_decreases(self, minutes: int) -> None:
        """One more minute never lowers the count, and adds at most one rollover."""
        now = T0 + timedelta(minutes=minutes)
        before = kraken.rollover_count(T0, now)
        after = kraken.rollover_count(T0, now + timedelta(minutes=1))
        assert before <= after <= before + 1

    def test_rejects_naive(self) -> None:
        """A naive datetime is named."""
        with pytest.raises(InvalidInputError, match="until"):
            kraken.rollover_count(T0, datetime(2026, 1, 6))  # noqa: DTZ001 - the naive input tested

    def test_rejects_reversed(self) -> None:
        """``until`` before ``opened_at`` is an error."""
        with pytest.raises(InvalidInputError, match="must not be before"):
            kraken.rollover_count(T0, T0 - timedelta(seconds=1))


class TestFees:
    """rule-kraken-rollover [published]: A·(o + n·r) on the amount extended."""

    def test_kraken_rates(self) -> None:
        """Kraken's example: USD extended at 0.025%, BTC at 0.01%."""
        assert kraken.MARGIN_FEE_RATES["USD"] == (Decimal("0.00025"), Decimal("0.00025"))
        assert kraken.MARGIN_FEE_RATES["BTC"] == (Decimal("0.0001"), Decimal("0.0001"))
        assert kraken.MARGIN_FEE_RATES["ADA"] == (Decimal("0.0002"), Decimal("0.0002"))
        assert "206161568" in kraken.MARGIN_FEE_RATES_SOURCE

    def test_opening(self) -> None:
        """The opening fee is the amount times the opening rate."""
        assert kraken.opening_fee(10_000, rate="0.00025") == Decimal("2.5")

    def test_total(self) -> None:
        """Opening plus two rollovers over 8 hours."""
        fees = kraken.margin_fees(
            "2",
            opening_rate="0.0001",
            rollover_rate="0.0001",
            opened_at=T0,
            until=T0 + timedelta(hours=8),
        )
        assert fees == Decimal("0.0006")

    def test_rollover_none_before_four_hours(self) -> None:
        """No rollover fee in the first 4 hours."""
        fees = kraken.rollover_fees(100, rate="0.0002", opened_at=T0, until=T0 + timedelta(hours=3))
        assert fees == 0

    def test_rejects_bad_inputs(self) -> None:
        """A negative amount or a rate of 1 or more is named."""
        with pytest.raises(InvalidInputError, match="amount"):
            kraken.opening_fee(-1, rate="0.0001")
        with pytest.raises(InvalidInputError, match="rate"):
            kraken.rollover_fees(1, rate=1, opened_at=T0, until=T0)


class TestFace:
    """rule-venues: Kraken is on the face, not in VENUES (it has no futures rule)."""

    def test_face(self) -> None:
        """``levrisk.exchanges.kraken`` imports; ``VENUE`` names it."""
        assert exchanges.kraken is kraken
        assert kraken.VENUE == "Kraken"
        assert kraken not in exchanges.VENUES


class TestInterestCounting:
    """rule-kraken-rollover as levrisk.interest's counting rule ``"kraken"``."""

    def test_preset(self) -> None:
        """The venue's rule is the ``"kraken"`` counting."""
        assert kraken.INTEREST_COUNTING == "kraken"

    @given(
        amount=st.decimals(0, 10**9, places=4),
        rate=st.sampled_from([o for o, _ in kraken.MARGIN_FEE_RATES.values()]),
        held=st.integers(0, 40 * 24 * 3600),
    )
    def test_accrued_interest_is_margin_fees(
        self, amount: Decimal, rate: Decimal, held: int
    ) -> None:
        """With the table's equal opening and rollover rates, both give A·(o + n·r)."""
        until = T0 + timedelta(seconds=held)
        fees = kraken.margin_fees(
            amount, opening_rate=rate, rollover_rate=rate, opened_at=T0, until=until
        )
        assert accrued_interest(amount, rate, T0, until, counting=kraken.INTEREST_COUNTING) == fees

    def test_spot_margin_close(self) -> None:
        """A long borrowing 10,000 USD closed 8 hours later pays Kraken's 7.5 USD of fees."""
        trade = open_long(
            10_000,
            leverage=2,
            price=50_000,
            thresholds=BINANCE_CROSS_3X,
            opened_at=T0,
            base="BTC",
            quote="USD",
        )
        assert trade.borrowed == 10_000
        flat = close(trade, exit_price=50_000, at=T0 + timedelta(hours=8), fee_rate=0, schedule=0)
        pnl = close(
            trade,
            exit_price=50_000,
            at=T0 + timedelta(hours=8),
            fee_rate=0,
            schedule=kraken.MARGIN_FEE_RATES["USD"][1],
            counting=kraken.INTEREST_COUNTING,
        )
        assert flat.net_pnl - pnl.net_pnl == Decimal("7.50000")
