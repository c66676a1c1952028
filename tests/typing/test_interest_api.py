"""Type-level checks of levrisk.interest (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from typing_extensions import assert_type

from levrisk.interest import (
    InterestCounting,
    LoanState,
    RateChange,
    RateSchedule,
    Repayment,
    accrual_times,
    accrued_interest,
    hourly_from_daily,
    hourly_from_yearly,
    loan_state,
)


def check_conversions() -> None:
    """Rate conversions take NumberLike and return Decimals."""
    assert_type(hourly_from_daily("0.0002"), Decimal)
    assert_type(hourly_from_yearly(0.0876), Decimal)


def check_schedule(since: datetime) -> None:
    """Schedules are built from NumberLike rates and answer Decimals."""
    assert_type(RateSchedule.constant("0.00001"), RateSchedule)
    assert_type(RateSchedule.from_daily(Decimal("0.0002"), since=since), RateSchedule)
    assert_type(RateSchedule.from_yearly(1), RateSchedule)
    schedule = RateSchedule.from_pairs([(since, "0.00001"), (since, 1)])
    assert_type(schedule.rate_at(since), Decimal)
    assert_type(schedule.start, datetime)
    assert_type(schedule.changes, tuple[RateChange, ...])
    assert_type(RateChange(since=since, hourly_rate=0.1).hourly_rate, Decimal)
    assert_type(RateSchedule(changes=[RateChange(since=since, hourly_rate=1)]), RateSchedule)


def check_accrual(borrowed_at: datetime, until: datetime, counting: InterestCounting) -> None:
    """Accrual functions return datetimes, Decimals and LoanState."""
    assert_type(accrual_times(borrowed_at, until), tuple[datetime, ...])
    assert_type(accrual_times(borrowed_at, until, counting="started_hour"), tuple[datetime, ...])
    repayment = Repayment(at=until, amount="10")
    assert_type(repayment.amount, Decimal)
    assert_type(
        accrued_interest(
            "1000",
            RateSchedule.constant(1),
            borrowed_at,
            until,
            waived_hours=2,
            repayments=[repayment],
            counting=counting,
        ),
        Decimal,
    )
    state = loan_state(1000, "0.00001", borrowed_at, until, repayments=(repayment,))
    assert_type(state, LoanState)
    assert_type(state.principal, Decimal)
    assert_type(state.interest_outstanding, Decimal)
    assert_type(state.interest_accrued, Decimal)
    assert_type(state.accruals, int)
    assert_type(state.owed, Decimal)
    assert_type(state.interest_repaid, Decimal)
