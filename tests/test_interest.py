"""Tests for levrisk.interest (rule-interest)."""

from __future__ import annotations

import contextlib
import decimal
import gc
import math
import time
import weakref
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk.exceptions import InvalidInputError, LevriskError
from levrisk.interest import (
    _TABLES,
    InterestCounting,
    LoanState,
    RateChange,
    RateSchedule,
    Repayment,
    _given_rate,
    _hourly,
    _micros,
    _rates,
    _schedule,
    _table,
    accrual_count,
    accrual_period,
    accrual_times,
    accrued_interest,
    hourly_from_daily,
    hourly_from_yearly,
    loan_state,
)
from levrisk.numbers import PRECISION, round_to_step
from strategies import decimals, hourly_rates, instants, principals

UTC = timezone.utc
HOUR = timedelta(hours=1)
NAIVE = datetime(2024, 5, 1, 13)  # noqa: DTZ001 - a naive datetime on purpose
NOTHING: Any = None
COUNTINGS: tuple[InterestCounting, ...] = ("binance", "started_hour", "clock_hour", "kraken")
KRAKEN_PERIOD = timedelta(hours=4)


def at(hhmm: str, day: int = 1) -> datetime:
    """2024-05-<day> at HH:MM UTC."""
    hours, minutes = hhmm.split(":")
    return datetime(2024, 5, day, int(hours), int(minutes), tzinfo=UTC)


def reference_times(
    borrowed_at: datetime, until: datetime, counting: InterestCounting
) -> list[datetime]:
    """Accrual instants by brute-force enumeration (the rule written as a loop)."""
    start, end = borrowed_at.astimezone(UTC), until.astimezone(UTC)
    if counting == "kraken":  # the opening fee, then a rollover every 4 hours
        times = [start]
        while times[-1] + KRAKEN_PERIOD <= end:
            times.append(times[-1] + KRAKEN_PERIOD)
        return times
    if counting == "started_hour":
        times = [start]
        while times[-1] + HOUR < end:
            times.append(times[-1] + HOUR)
        return times
    boundaries = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour <= end:
        if hour > start:
            boundaries.append(hour)
        hour += HOUR
    return [start, *boundaries] if counting == "binance" else boundaries


def reference_state(
    principal: Decimal,
    schedule: RateSchedule,
    borrowed_at: datetime,
    until: datetime,
    *,
    waived_hours: int,
    repayments: list[Repayment],
    counting: InterestCounting,
    compounding: bool = False,
) -> tuple[Decimal, Decimal, Decimal]:
    """(principal, interest outstanding, interest accrued) by replaying events one by one.

    With ``compounding`` each accrual is charged on the principal plus the interest then
    outstanding (rule-interest-compounding).
    """
    start = borrowed_at.astimezone(UTC)
    events: list[tuple[datetime, int, Repayment | None]] = []
    for t in accrual_times(borrowed_at, until, counting=counting):
        late = counting == "started_hour" and t != start  # a started hour: repayments first
        events.append((t, 2 if late else 0, None))
    events.extend((r.at.astimezone(UTC), 1, r) for r in repayments)
    outstanding, interest, accrued, seen = principal, Decimal(0), Decimal(0), 0
    with decimal.localcontext(decimal.Context(prec=200)):
        for when, _, repayment in sorted(events, key=lambda e: (e[0], e[1])):
            if repayment is None:
                rate = schedule.rate_at(when) if seen >= waived_hours else Decimal(0)
                charge = (outstanding + interest * compounding) * rate
                accrued += charge
                interest += charge
                seen += 1
            else:
                paid_interest = min(repayment.amount, interest)
                interest -= paid_interest
                outstanding -= repayment.amount - paid_interest
    return outstanding, interest, accrued


class TestAccrualTimes:
    """rule-interest: one accrual at borrowing, then one at every UTC HH:00 ≤ until."""

    @pytest.mark.parametrize(
        ("borrowed", "until", "counting", "expected"),
        [
            ("13:55", "14:30", "binance", ["13:55", "14:00"]),
            ("13:20", "14:15", "binance", ["13:20", "14:00"]),
            ("09:20", "09:55", "binance", ["09:20"]),
            ("14:00", "15:30", "binance", ["14:00", "15:00"]),
            ("14:00", "14:00", "binance", ["14:00"]),
            ("13:59", "14:00", "binance", ["13:59", "14:00"]),
            ("08:05", "10:00", "started_hour", ["08:05", "09:05"]),
            ("08:05", "08:05", "started_hour", ["08:05"]),
            ("08:05", "10:05", "started_hour", ["08:05", "09:05"]),
            ("08:05", "10:06", "started_hour", ["08:05", "09:05", "10:05"]),
            ("13:55", "14:30", "clock_hour", ["14:00"]),
            ("13:20", "13:50", "clock_hour", []),
            ("14:00", "15:00", "clock_hour", ["15:00"]),
        ],
        ids=[
            "binance-13:55-14:30",
            "binance-13:20-14:15-not-ceil",
            "binance-09:20-09:55-one",
            "binance-borrow-on-the-hour",
            "binance-zero-length",
            "binance-until-on-the-hour-inclusive",
            "bybit-08:05-10:00",
            "bybit-zero-length-one-hour",
            "bybit-exact-two-hours",
            "bybit-third-started-hour",
            "okx-13:55-14:30",
            "okx-no-boundary",
            "okx-borrow-on-the-hour",
        ],
    )
    def test_examples(
        self, borrowed: str, until: str, counting: InterestCounting, expected: list[str]
    ) -> None:
        """The accrual instants of the spec's examples and their edge cases."""
        times = accrual_times(at(borrowed), at(until), counting=counting)
        assert [t.strftime("%H:%M") for t in times] == expected

    def test_default_is_binance(self) -> None:
        """Without ``counting`` the Binance rule applies."""
        assert accrual_times(at("13:20"), at("14:15")) == (at("13:20"), at("14:00"))

    def test_microsecond_after_the_hour(self) -> None:
        """An ``until`` one microsecond before HH:00 does not reach the boundary."""
        until = at("14:00") - timedelta(microseconds=1)
        assert accrual_times(at("13:20"), until) == (at("13:20"),)

    def test_other_timezone_uses_utc_hours(self) -> None:
        """A +05:30 loan accrues on UTC HH:00 (local HH:30) and returns UTC instants."""
        india = timezone(timedelta(hours=5, minutes=30))
        borrowed = datetime(2024, 5, 1, 19, 25, tzinfo=india)  # 13:55 UTC
        until = datetime(2024, 5, 1, 20, 0, tzinfo=india)  # 14:30 UTC
        times = accrual_times(borrowed, until)
        assert times == (at("13:55"), at("14:00"))
        assert all(t.tzinfo is UTC for t in times)

    def test_long_loan_crosses_days(self) -> None:
        """A loan over midnight counts every clock hour of both days."""
        times = accrual_times(at("22:30", day=1), at("01:00", day=2))
        assert len(times) == 4
        assert times[-1] == at("01:00", day=2)

    @given(
        borrowed=instants,
        length=st.integers(0, 72 * 3600 * 10**6),
        counting=st.sampled_from(COUNTINGS),
    )
    def test_matches_enumeration(
        self, borrowed: datetime, length: int, counting: InterestCounting
    ) -> None:
        """The closed-form count agrees with enumerating hours one by one."""
        until = borrowed + timedelta(microseconds=length)
        assert list(accrual_times(borrowed, until, counting=counting)) == reference_times(
            borrowed, until, counting
        )

    @given(borrowed=instants, length=st.integers(0, 72 * 3600 * 10**6))
    def test_binance_count_is_not_ceil(self, borrowed: datetime, length: int) -> None:
        """Binance count is 1 + boundaries, within one of ``ceil(hours)`` but not equal to it."""
        until = borrowed + timedelta(microseconds=length)
        count = len(accrual_times(borrowed, until))
        started = len(accrual_times(borrowed, until, counting="started_hour"))
        clock = len(accrual_times(borrowed, until, counting="clock_hour"))
        assert count == clock + 1
        hours = length / (3600 * 10**6)
        assert started == max(1, math.ceil(hours))
        assert started <= count <= started + 1

    @pytest.mark.parametrize(
        ("borrowed_at", "until", "counting", "match"),
        [
            (
                NAIVE,
                at("14:00"),
                "binance",
                "borrowed_at must be timezone-aware",
            ),
            (at("13:00"), NAIVE, "binance", "until must be timezone-aware"),
            ("2024-05-01T13:00Z", at("14:00"), "binance", "borrowed_at must be a timezone-aware"),
            (at("13:00"), date(2024, 5, 1), "binance", "until must be a timezone-aware datetime"),
            (at("13:00"), None, "binance", "until must be a timezone-aware datetime"),
            (at("14:00"), at("13:00"), "binance", "until must not be before borrowed_at"),
            (at("13:00"), at("14:00"), "hourly", "counting must be one of"),
            (at("13:00"), at("14:00"), ["binance"], "counting must be one of"),
            (
                datetime.min.replace(tzinfo=timezone(timedelta(hours=5))),
                at("14:00"),
                "binance",
                "borrowed_at must lie within datetime's range",
            ),
        ],
        ids=[
            "naive-borrowed",
            "naive-until",
            "string-borrowed",
            "date-until",
            "none-until",
            "until-before-borrowed",
            "unknown-counting",
            "unhashable-counting",
            "out-of-range-in-utc",
        ],
    )
    def test_rejects(self, borrowed_at: Any, until: Any, counting: Any, match: str) -> None:
        """Bad times or counting raise InvalidInputError naming the argument."""
        with pytest.raises(InvalidInputError, match=match):
            accrual_times(borrowed_at, until, counting=counting)

    @pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (POSIX)")
    def test_instants_reported_in_utc_whatever_the_local_zone(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Offset instants are converted to UTC, not to the process's local zone."""
        plus_two = timezone(timedelta(hours=2))
        monkeypatch.setenv("TZ", "JST-9")
        time.tzset()
        try:
            with pytest.raises(InvalidInputError) as info:
                accrual_times(
                    datetime(2024, 5, 1, 16, tzinfo=plus_two),
                    datetime(2024, 5, 1, 15, tzinfo=plus_two),
                )
        finally:
            monkeypatch.undo()
            time.tzset()
        assert str(info.value) == (
            "until must not be before borrowed_at 2024-05-01T14:00:00+00:00, "
            "got 2024-05-01T13:00:00+00:00"
        )

    def test_end_of_time(self) -> None:
        """A loan in the last hour datetime can represent has no boundary after it."""
        end = datetime.max.replace(tzinfo=UTC)
        assert accrual_times(end - timedelta(minutes=30), end) == (end - timedelta(minutes=30),)


class TestConversions:
    """rule-interest: legacy daily rates ``hourly = daily / 24``; yearly on 365 days."""

    @pytest.mark.parametrize(
        ("daily", "hourly"),
        [("0.00024", Decimal("0.00001")), (0, Decimal(0)), ("0.0024", Decimal("0.0001"))],
        ids=["0.024%/day", "zero", "0.24%/day"],
    )
    def test_daily(self, daily: str | int, hourly: Decimal) -> None:
        """A daily rate divides by 24."""
        assert hourly_from_daily(daily) == hourly

    def test_daily_non_terminating(self) -> None:
        """Bybit's 0.02%/day is 0.0002/24, exact to the context's 50 digits."""
        assert hourly_from_daily("0.0002") * 24 == Decimal("0.0002")

    def test_yearly(self) -> None:
        """A yearly rate divides by 365 · 24 (no leap years)."""
        assert hourly_from_yearly("0.0876") == Decimal("0.00001")
        assert hourly_from_yearly(365) == hourly_from_daily(1)

    @pytest.mark.parametrize("func", [hourly_from_daily, hourly_from_yearly])
    @pytest.mark.parametrize(
        ("rate", "match"),
        [("-0.0001", "rate must not be negative"), (float("nan"), "rate must be a finite")],
        ids=["negative", "nan"],
    )
    def test_rejects(self, func: Any, rate: Any, match: str) -> None:
        """Negative and non-numeric rates raise InvalidInputError naming ``rate``."""
        with pytest.raises(InvalidInputError, match=match):
            func(rate)


class TestOneConversion:
    """rule-interest: the functions and the schedule constructors share one conversion."""

    @given(rate=decimals("0", "10", places=8))
    def test_daily_and_yearly_agree(self, rate: Decimal) -> None:
        """hourly_from_daily/yearly and RateSchedule.from_daily/yearly give the same rate."""
        assert RateSchedule.from_daily(rate).changes[0].hourly_rate == hourly_from_daily(rate)
        assert RateSchedule.from_yearly(rate).changes[0].hourly_rate == hourly_from_yearly(rate)

    def test_helper(self) -> None:
        """_hourly divides by the period's hours and names the argument it checks."""
        assert _hourly("0.24", "r", 24) == Decimal("0.01")
        with pytest.raises(InvalidInputError, match=r"^r must not be negative"):
            _hourly("-1", "r", 24)


class TestRateKeyword:
    """rule-interest: ``schedule`` is the rate keyword; ``hourly_rate`` its deprecated alias."""

    def test_given_rate(self) -> None:
        """The rate and the keyword it came by; neither is (None, schedule); both is an error."""
        assert _given_rate("0.1", None) == ("0.1", "schedule")
        assert _given_rate(None, "0.1") == ("0.1", "hourly_rate")
        assert _given_rate(None, None) == (None, "schedule")
        with pytest.raises(InvalidInputError, match="give schedule or hourly_rate, not both"):
            _given_rate(0, 0)

    def test_schedule_names_the_keyword(self) -> None:
        """A number becomes a constant schedule; a bad one is reported under its keyword."""
        assert _schedule("0.1") == RateSchedule.constant("0.1")
        schedule = RateSchedule.from_daily("0.24")
        assert _schedule(schedule, "hourly_rate") is schedule
        with pytest.raises(InvalidInputError, match=r"^hourly_rate must not be negative"):
            _schedule("-1", "hourly_rate")
        with pytest.raises(InvalidInputError, match=r"^schedule must be a finite number"):
            _schedule("x")


class TestRatesTable:
    """rule-interest: a schedule's instants and rates are computed once per schedule (issue 13)."""

    def test_cached_per_schedule(self) -> None:
        """The table is computed once and reused; equal schedules answer the same."""
        t0 = datetime(2024, 5, 1, tzinfo=UTC)
        schedule = RateSchedule.from_pairs([(t0, "0.00001"), (t0 + 3 * HOUR, "0.00002")])
        table = _table(schedule)
        assert _table(schedule) is table
        assert _rates(schedule) is table
        assert list(table.instants) == [_micros(t0), _micros(t0 + 3 * HOUR)]
        assert list(table.rates) == [Decimal("0.00001"), Decimal("0.00002")]
        twin = RateSchedule.from_pairs([(t0, "0.00001"), (t0 + 3 * HOUR, "0.00002")])
        end = t0 + 5 * HOUR
        assert accrued_interest(1000, twin, t0, end) == accrued_interest(1000, schedule, t0, end)
        # Accruals at 00:00 (borrowing), 01:00, 02:00 at 0.001 %, then 03:00–05:00 at 0.002 %.
        assert accrued_interest(1000, schedule, t0, end) == Decimal("0.09000")

    def test_entry_goes_with_its_schedule(self) -> None:
        """A schedule that is collected leaves no entry; a replaced entry is kept."""
        schedule = RateSchedule.constant("0.00001")
        key = id(schedule)
        _table(schedule)
        assert key in _TABLES
        del schedule
        gc.collect()
        assert key not in _TABLES
        other = RateSchedule.constant("0.00002")
        key = id(other)
        _table(other)
        third = RateSchedule.constant("0.00003")
        kept = (weakref.ref(third), _table(third))
        stale = _TABLES[key]  # its weak reference must live on for its callback to run
        _TABLES[key] = kept  # as if another schedule had taken the key
        del other
        gc.collect()
        assert stale[0]() is None  # the callback ran and left the newer entry alone
        assert _TABLES.pop(key) is kept

    def test_number_is_a_constant_rate(self) -> None:
        """A number is a rate in force at every instant, checked under its keyword."""
        rates = _rates("0.1", "hourly_rate")
        assert list(rates.rates) == [Decimal("0.1")]
        assert rates.rate(_micros(datetime(1, 1, 1, tzinfo=UTC))) == Decimal("0.1")
        with pytest.raises(InvalidInputError, match=r"^hourly_rate must not be negative"):
            _rates("-1", "hourly_rate")


class TestRateSchedule:
    """rule-interest: the hourly rate can change every hour (a rate schedule)."""

    def test_rate_at_picks_the_entry_in_force(self) -> None:
        """Each rate applies from its instant (inclusive) to the next one (exclusive)."""
        schedule = RateSchedule.from_pairs([(at("00:00"), "0.00001"), (at("12:00"), "0.00002")])
        assert schedule.rate_at(at("00:00")) == Decimal("0.00001")
        assert schedule.rate_at(at("11:59")) == Decimal("0.00001")
        assert schedule.rate_at(at("12:00")) == Decimal("0.00002")
        assert schedule.rate_at(at("12:00", day=3)) == Decimal("0.00002")
        assert schedule.start == at("00:00")

    def test_rate_at_other_zone(self) -> None:
        """Instants in other zones compare by the moment they denote."""
        schedule = RateSchedule.from_pairs([(at("00:00"), "1"), (at("12:00"), "2")])
        paris = timezone(timedelta(hours=2))
        assert schedule.rate_at(datetime(2024, 5, 1, 13, 59, tzinfo=paris)) == Decimal(1)
        assert schedule.rate_at(datetime(2024, 5, 1, 14, 0, tzinfo=paris)) == Decimal(2)

    def test_before_first_entry(self) -> None:
        """A time before the first entry is an error naming that time."""
        schedule = RateSchedule.from_daily("0.0002", since=at("12:00"))
        with pytest.raises(InvalidInputError, match=r"2024-05-01T11:00:00\+00:00"):
            schedule.rate_at(at("11:00"))

    def test_constant_applies_always(self) -> None:
        """A constant schedule has a rate at any instant."""
        schedule = RateSchedule.constant("0.00001")
        assert schedule.rate_at(datetime.min.replace(tzinfo=UTC)) == Decimal("0.00001")
        assert schedule.rate_at(datetime.max.replace(tzinfo=UTC)) == Decimal("0.00001")

    def test_from_daily_and_yearly(self) -> None:
        """The named constructors convert with ``hourly_from_daily``/``hourly_from_yearly``."""
        assert RateSchedule.from_daily("0.0002").rate_at(at("10:00")) == hourly_from_daily("0.0002")
        yearly = RateSchedule.from_yearly("0.1", since=at("09:00"))
        assert yearly.rate_at(at("10:00")) == hourly_from_yearly("0.1")
        assert yearly.start == at("09:00")

    def test_direct_construction(self) -> None:
        """``RateSchedule(changes=...)`` takes RateChange entries in any iterable."""
        changes = (
            RateChange(since=at("00:00"), hourly_rate=1),
            RateChange(since=at("01:00"), hourly_rate=0),
        )
        assert RateSchedule(changes=iter(changes)).changes == changes

    @pytest.mark.parametrize(
        ("changes", "match"),
        [
            ([], r"changes must hold at least one RateChange"),
            (5, r"changes\[0\] must be a RateChange, got 5"),
            (["0.1"], r"changes\[0\] must be a RateChange"),
            (
                [
                    RateChange(since=at("02:00"), hourly_rate=1),
                    RateChange(since=at("01:00"), hourly_rate=1),
                ],
                r"changes\[1\].since must be after changes\[0\].since",
            ),
            (
                [
                    RateChange(since=at("02:00"), hourly_rate=1),
                    RateChange(since=at("02:00"), hourly_rate=2),
                ],
                r"changes\[1\].since must be after",
            ),
        ],
        ids=["empty", "not-iterable", "not-a-change", "decreasing", "duplicate"],
    )
    def test_rejects(self, changes: Any, match: str) -> None:
        """Empty, ill-typed or unordered schedules raise InvalidInputError."""
        with pytest.raises(InvalidInputError, match=match):
            RateSchedule(changes=changes)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"since": NAIVE, "hourly_rate": 1}, "since must be timezone-aware"),
            ({"since": "2024-05-01", "hourly_rate": 1}, "since must be a timezone-aware datetime"),
            ({"since": at("00:00"), "hourly_rate": "-1"}, "hourly_rate must not be negative"),
            ({"since": at("00:00"), "hourly_rate": None}, "hourly_rate must be a finite number"),
        ],
        ids=["naive", "string", "negative", "none"],
    )
    def test_change_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """A RateChange validates its instant and rate, naming the field."""
        with pytest.raises(InvalidInputError, match=match):
            RateChange(**kwargs)

    @pytest.mark.parametrize(
        ("pairs", "match"),
        [
            (None, "pairs must be an iterable"),
            ([(at("00:00"),)], r"pairs\[0\] must be a \(since, hourly_rate\) pair"),
            (["ab"], r"pairs\[0\] must be a \(since, hourly_rate\) pair"),
            ([5], r"pairs\[0\] must be a \(since, hourly_rate\) pair"),
        ],
        ids=["none", "short", "string", "number"],
    )
    def test_from_pairs_rejects(self, pairs: Any, match: str) -> None:
        """``from_pairs`` names the bad pair."""
        with pytest.raises(InvalidInputError, match=match):
            RateSchedule.from_pairs(pairs)

    @pytest.mark.parametrize(
        ("call", "match"),
        [
            (lambda: RateSchedule.from_daily("-1"), "daily_rate must not be negative"),
            (lambda: RateSchedule.from_yearly("x"), "yearly_rate must be a finite number"),
            (lambda: RateSchedule.constant(hourly_rate=True), "hourly_rate must be a finite"),
            (lambda: RateSchedule.constant(1).rate_at(NOTHING), "instant must be a timezone-aware"),
        ],
        ids=["daily-negative", "yearly-string", "constant-bool", "rate-at-none"],
    )
    def test_constructors_reject(self, call: Any, match: str) -> None:
        """The named constructors and ``rate_at`` name their bad argument."""
        with pytest.raises(InvalidInputError, match=match):
            call()


class TestAccruedInterest:
    """rule-interest: interest = Σ principal · hourly_rate(t) over the accrual instants."""

    def test_binance_example(self) -> None:
        """1,000 USDT at 0.001%/h, 13:55 → 14:30: accruals at 13:55 and 14:00 → 0.02 USDT."""
        assert accrued_interest(1000, "0.00001", at("13:55"), at("14:30")) == Decimal("0.02")

    def test_bybit_example(self) -> None:
        """Bybit classic: 10,000 USDT, 08:05 → 10:00, 0.02%/day, started hours → 0.1667."""
        hourly = hourly_from_daily("0.0002")
        interest = accrued_interest(
            10_000, hourly, at("08:05"), at("10:00"), counting="started_hour"
        )
        assert round_to_step(interest, "0.0001", "half_up") == Decimal("0.1667")

    def test_bybit_example_from_daily_schedule(self) -> None:
        """The same Bybit loan with a daily-rate schedule gives the same interest."""
        schedule = RateSchedule.from_daily("0.0002")
        interest = accrued_interest(
            10_000, schedule, at("08:05"), at("10:00"), counting="started_hour"
        )
        assert round_to_step(interest, "0.0001", "half_up") == Decimal("0.1667")

    def test_binance_same_loan_three_hours(self) -> None:
        """The Bybit loan under the Binance rule accrues at 08:05, 09:00 and 10:00."""
        interest = accrued_interest(
            10_000, RateSchedule.from_daily("0.0002"), at("08:05"), at("10:00")
        )
        assert round_to_step(interest, "0.0001", "half_up") == Decimal("0.2500")

    def test_changing_schedule(self) -> None:
        """Each accrual uses the rate in force at its instant."""
        schedule = RateSchedule.from_pairs(
            [(at("13:00"), "0.00001"), (at("14:00"), "0.00002"), (at("15:30"), "0.00003")]
        )
        # accruals 13:55 (1e-5), 14:00 (2e-5), 15:00 (2e-5), 16:00 (3e-5)
        assert accrued_interest(1000, schedule, at("13:55"), at("16:10")) == Decimal("0.08")

    def test_clock_hour_no_boundary_is_free(self) -> None:
        """Under clock-hour counting a loan repaid before the first HH:00 costs nothing."""
        assert (
            accrued_interest(1000, "0.0001", at("13:20"), at("13:50"), counting="clock_hour") == 0
        )

    def test_clock_hour_schedule_may_start_late(self) -> None:
        """With no accrual in the period no rate is needed."""
        schedule = RateSchedule.constant(1)
        late = RateSchedule(changes=[RateChange(since=at("14:00"), hourly_rate=1)])
        assert accrued_interest(1, late, at("13:20"), at("13:50"), counting="clock_hour") == 0
        assert accrued_interest(1, schedule, at("13:20"), at("14:00"), counting="clock_hour") == 1

    def test_schedule_starting_after_borrowing(self) -> None:
        """A schedule with no rate at the first accrual is an error naming the accrual."""
        schedule = RateSchedule.from_daily("0.0002", since=at("14:00"))
        with pytest.raises(InvalidInputError, match=r"schedule must have a rate at .*13:55"):
            accrued_interest(1000, schedule, at("13:55"), at("14:30"))

    @pytest.mark.parametrize(
        ("waived", "expected"),
        [(0, Decimal("0.03")), (1, Decimal("0.02")), (2, Decimal("0.01")), (3, 0), (100, 0)],
        ids=["none", "one", "two", "all", "more-than-all"],
    )
    def test_waived_hours(self, waived: int, expected: Decimal) -> None:
        """The first ``waived_hours`` accruals are free."""
        interest = accrued_interest(1000, "0.00001", at("13:55"), at("15:00"), waived_hours=waived)
        assert interest == expected

    def test_waived_hours_with_changing_rate(self) -> None:
        """Waiving skips the earliest accruals, whatever their rate."""
        schedule = RateSchedule.from_pairs([(at("13:00"), "0.00001"), (at("14:00"), "0.00002")])
        interest = accrued_interest(1000, schedule, at("13:55"), at("15:00"), waived_hours=2)
        assert interest == Decimal("0.02")

    def test_zero_principal(self) -> None:
        """Nothing borrowed, nothing owed."""
        assert accrued_interest(0, "0.001", at("00:00"), at("05:00")) == 0

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"principal": "-1"}, "principal must not be negative"),
            ({"principal": float("inf")}, "principal must be a finite number"),
            ({"schedule": "-0.0001"}, "schedule must not be negative"),
            ({"schedule": [1]}, "schedule must be a finite number"),
            ({"waived_hours": -1}, "waived_hours must be a non-negative int"),
            ({"waived_hours": True}, "waived_hours must be a non-negative int"),
            ({"waived_hours": 1.0}, "waived_hours must be a non-negative int"),
            ({"borrowed_at": NAIVE}, "borrowed_at must be timezone-aware"),
            ({"until": at("12:00")}, "until must not be before borrowed_at"),
            ({"counting": "bybit"}, "counting must be one of"),
            ({"repayments": 5}, "repayments must be an iterable of Repayment"),
            ({"repayments": [5]}, r"repayments\[0\] must be a Repayment"),
        ],
        ids=[
            "negative-principal",
            "infinite-principal",
            "negative-rate",
            "list-rate",
            "negative-waived",
            "bool-waived",
            "float-waived",
            "naive-borrowed",
            "until-before",
            "unknown-counting",
            "repayments-not-iterable",
            "repayment-not-a-repayment",
        ],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Out-of-domain arguments raise InvalidInputError naming the argument."""
        arguments: dict[str, Any] = {
            "principal": 1000,
            "schedule": "0.00001",
            "borrowed_at": at("13:55"),
            "until": at("14:30"),
        } | kwargs
        with pytest.raises(InvalidInputError, match=match):
            accrued_interest(**arguments)

    @given(
        principal=principals,
        rate=hourly_rates,
        borrowed=instants,
        first=st.integers(0, 48 * 3600),
        second=st.integers(0, 48 * 3600),
        counting=st.sampled_from(COUNTINGS),
    )
    def test_never_decreases_with_time(
        self,
        *,
        principal: Decimal,
        rate: Decimal,
        borrowed: datetime,
        first: int,
        second: int,
        counting: InterestCounting,
    ) -> None:
        """Interest never decreases as ``until`` grows."""
        early, late = sorted((first, second))
        interest = [
            accrued_interest(
                principal, rate, borrowed, borrowed + timedelta(seconds=s), counting=counting
            )
            for s in (early, late)
        ]
        assert interest[0] <= interest[1]

    @given(
        first=principals,
        second=principals,
        rate=hourly_rates,
        borrowed=instants,
        length=st.integers(0, 72 * 3600),
        counting=st.sampled_from(COUNTINGS),
    )
    def test_splitting_a_loan(
        self,
        *,
        first: Decimal,
        second: Decimal,
        rate: Decimal,
        borrowed: datetime,
        length: int,
        counting: InterestCounting,
    ) -> None:
        """Two loans of principals a and b accrue what one loan of a + b accrues."""
        until = borrowed + timedelta(seconds=length)
        parts = [
            accrued_interest(p, rate, borrowed, until, counting=counting) for p in (first, second)
        ]
        assert sum(parts) == accrued_interest(
            first + second, rate, borrowed, until, counting=counting
        )

    @given(
        principal=principals,
        rate=hourly_rates,
        borrowed=instants,
        length=st.integers(0, 72 * 3600),
        counting=st.sampled_from(COUNTINGS),
    )
    def test_constant_rate_times_count(
        self,
        *,
        principal: Decimal,
        rate: Decimal,
        borrowed: datetime,
        length: int,
        counting: InterestCounting,
    ) -> None:
        """A constant schedule gives principal × rate × number of accruals."""
        until = borrowed + timedelta(seconds=length)
        count = len(accrual_times(borrowed, until, counting=counting))
        assert accrued_interest(principal, rate, borrowed, until, counting=counting) == (
            principal * rate * count
        )

    @given(
        principal=principals,
        rates=st.lists(hourly_rates, min_size=1, max_size=5),
        offsets=st.lists(st.integers(1, 80 * 3600), min_size=4, max_size=4, unique=True),
        borrowed=instants,
        length=st.integers(0, 72 * 3600),
        waived=st.integers(0, 5),
        counting=st.sampled_from(COUNTINGS),
    )
    def test_changing_schedule_is_sum_over_accruals(
        self,
        *,
        principal: Decimal,
        rates: list[Decimal],
        offsets: list[int],
        borrowed: datetime,
        length: int,
        waived: int,
        counting: InterestCounting,
    ) -> None:
        """Interest is Σ principal × rate_at(t) over the non-waived accrual instants."""
        start = borrowed - timedelta(hours=1)
        instants_ = [start, *(start + timedelta(seconds=s) for s in sorted(offsets))]
        schedule = RateSchedule.from_pairs(zip(instants_[: len(rates)], rates, strict=True))
        until = borrowed + timedelta(seconds=length)
        times = accrual_times(borrowed, until, counting=counting)
        expected = sum((principal * schedule.rate_at(t) for t in times[waived:]), Decimal(0))
        interest = accrued_interest(
            principal, schedule, borrowed, until, waived_hours=waived, counting=counting
        )
        assert interest == expected


class TestRepayments:
    """rule-interest: repayment pays interest first; later hours accrue on what remains."""

    def test_partial_repayment(self) -> None:
        """Interest is paid first, the rest reduces principal, later hours accrue on it."""
        state = loan_state(
            1000,
            "0.00001",
            at("13:55"),
            at("16:30"),
            repayments=[Repayment(at=at("14:30"), amount="500.02")],
        )
        assert state == LoanState(
            principal=500, interest_outstanding="0.01", interest_accrued="0.03", accruals=4
        )
        assert state.owed == Decimal("500.01")
        assert state.interest_repaid == Decimal("0.02")

    def test_repayment_smaller_than_interest(self) -> None:
        """A repayment below the interest owed leaves the principal untouched."""
        state = loan_state(
            1000,
            "0.001",
            at("13:55"),
            at("14:30"),
            repayments=[Repayment(at=at("14:10"), amount=1)],
        )
        assert state.principal == 1000
        assert state.interest_outstanding == 1
        assert state.interest_accrued == 2

    def test_accrual_before_repayment_at_same_instant(self) -> None:
        """At HH:00 the hour is charged on the principal outstanding, then the repayment applies."""
        state = loan_state(
            1000,
            "0.001",
            at("13:55"),
            at("15:30"),
            repayments=[Repayment(at=at("14:00"), amount=502)],
        )
        # 13:55 and 14:00 on 1000 (1 + 1), repay 2 interest + 500 principal; 15:00 on 500
        assert state == LoanState(
            principal=500, interest_outstanding="0.5", interest_accrued="2.5", accruals=3
        )

    def test_started_hour_repayment_on_the_hour_comes_first(self) -> None:
        """Bybit: repaying at borrowed_at + 1h pays before the second hour starts."""
        repaid = at("09:05")
        state = loan_state(
            1000,
            "0.001",
            at("08:05"),
            at("10:30"),
            repayments=[Repayment(at=repaid, amount=1001)],
            counting="started_hour",
        )
        assert state == LoanState(
            principal=0, interest_outstanding=0, interest_accrued=1, accruals=3
        )
        alone = accrued_interest(1000, "0.001", at("08:05"), repaid, counting="started_hour")
        assert alone == state.interest_accrued

    def test_repayment_at_borrowing(self) -> None:
        """Repaying at the instant of borrowing still pays the first hour."""
        with pytest.raises(
            InvalidInputError, match=r"must not exceed the Decimal\('1001.000'\) owed"
        ):
            loan_state(
                1000,
                "0.001",
                at("13:55"),
                at("15:00"),
                repayments=[Repayment(at=at("13:55"), amount=1002)],
            )
        state = loan_state(
            1000,
            "0.001",
            at("13:55"),
            at("15:00"),
            repayments=[Repayment(at=at("13:55"), amount=1001)],
        )
        assert state == LoanState(
            principal=0, interest_outstanding=0, interest_accrued=1, accruals=3
        )

    def test_repayments_in_any_order(self) -> None:
        """Repayments are applied in time order whatever order they are given in."""
        repayments = [Repayment(at=at("15:10"), amount=100), Repayment(at=at("14:10"), amount=100)]
        forward = loan_state(1000, "0.001", at("13:55"), at("16:00"), repayments=repayments)
        backward = loan_state(1000, "0.001", at("13:55"), at("16:00"), repayments=repayments[::-1])
        assert forward == backward

    def test_waived_hours_and_repayment(self) -> None:
        """Waived accruals cost nothing even with repayments in between."""
        state = loan_state(
            1000,
            "0.001",
            at("13:55"),
            at("15:00"),
            waived_hours=2,
            repayments=[Repayment(at=at("14:30"), amount=500)],
        )
        assert state.interest_accrued == Decimal("0.5")
        assert state.principal == 500

    def test_clock_hour_repayment_before_first_boundary(self) -> None:
        """Under clock-hour counting a full repayment before HH:00 costs nothing."""
        state = loan_state(
            1000,
            "0.001",
            at("13:20"),
            at("16:00"),
            repayments=[Repayment(at=at("13:40"), amount=1000)],
            counting="clock_hour",
        )
        assert state == LoanState(
            principal=0, interest_outstanding=0, interest_accrued=0, accruals=3
        )

    @pytest.mark.parametrize(
        ("repayment", "match"),
        [
            (Repayment(at=at("13:00"), amount=1), r"repayments\[0\].at must lie between"),
            (Repayment(at=at("17:00"), amount=1), r"repayments\[0\].at must lie between"),
            (
                Repayment(at=at("14:30"), amount="1002.01"),
                r"must not exceed the Decimal\('1002.000'\)",
            ),
        ],
        ids=["before-borrowing", "after-until", "more-than-owed"],
    )
    def test_rejects(self, repayment: Repayment, match: str) -> None:
        """Repayments outside the period or above what is owed are errors."""
        with pytest.raises(InvalidInputError, match=match):
            loan_state(1000, "0.001", at("13:55"), at("16:30"), repayments=[repayment])

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"at": NAIVE, "amount": 1}, "at must be timezone-aware"),
            ({"at": at("13:00"), "amount": 0}, "amount must be positive"),
            ({"at": at("13:00"), "amount": "x"}, "amount must be a finite number"),
        ],
        ids=["naive", "zero", "string"],
    )
    def test_repayment_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """A Repayment validates its instant and amount."""
        with pytest.raises(InvalidInputError, match=match):
            Repayment(**kwargs)

    @given(
        principal=principals,
        rate=hourly_rates,
        borrowed=instants,
        repay_after=st.integers(0, 24 * 3600),
        extra=st.integers(0, 24 * 3600),
        counting=st.sampled_from(COUNTINGS),
    )
    def test_full_repayment_stops_accrual(
        self,
        *,
        principal: Decimal,
        rate: Decimal,
        borrowed: datetime,
        repay_after: int,
        extra: int,
        counting: InterestCounting,
    ) -> None:
        """Repaying everything at t leaves nothing owed and accrues nothing after t."""
        repaid_at = borrowed + timedelta(seconds=repay_after)
        before = loan_state(principal, rate, borrowed, repaid_at, counting=counting)
        repayments = [Repayment(at=repaid_at, amount=before.owed)] if before.owed else []
        later = loan_state(
            principal,
            rate,
            borrowed,
            repaid_at + timedelta(seconds=extra),
            repayments=repayments,
            counting=counting,
        )
        assert later.interest_accrued == before.interest_accrued
        assert later.owed == 0

    @given(
        principal=principals,
        rate=hourly_rates,
        borrowed=instants,
        repay_after=st.integers(0, 24 * 3600),
        length=st.integers(0, 48 * 3600),
        share=st.decimals(min_value=0, max_value=1, places=4),
        counting=st.sampled_from(COUNTINGS),
    )
    def test_partial_repayment_balances(
        self,
        *,
        principal: Decimal,
        rate: Decimal,
        borrowed: datetime,
        repay_after: int,
        length: int,
        share: Decimal,
        counting: InterestCounting,
    ) -> None:
        """What is repaid plus what is owed equals principal plus interest, and interest falls."""
        until = borrowed + timedelta(seconds=max(repay_after, length))
        repaid_at = borrowed + timedelta(seconds=repay_after)
        owed = loan_state(principal, rate, borrowed, repaid_at, counting=counting).owed
        amount = owed * share
        repayments = [Repayment(at=repaid_at, amount=amount)] if amount else []
        state = loan_state(
            principal, rate, borrowed, until, repayments=repayments, counting=counting
        )
        assert state.owed + amount == principal + state.interest_accrued
        assert state.interest_accrued <= accrued_interest(
            principal, rate, borrowed, until, counting=counting
        )

    @given(
        principal=principals,
        rates=st.lists(hourly_rates, min_size=1, max_size=4),
        changes=st.lists(st.integers(1, 80 * 3600), min_size=3, max_size=3, unique=True),
        borrowed=instants,
        length=st.integers(0, 72 * 3600),
        repaid=st.lists(
            st.tuples(st.integers(0, 72 * 3600), st.decimals(0, 1, places=3)), max_size=4
        ),
        waived=st.integers(0, 4),
        counting=st.sampled_from(COUNTINGS),
        compounding=st.booleans(),
    )
    def test_matches_event_replay(
        self,
        *,
        principal: Decimal,
        rates: list[Decimal],
        changes: list[int],
        borrowed: datetime,
        length: int,
        repaid: list[tuple[int, Decimal]],
        waived: int,
        counting: InterestCounting,
        compounding: bool,
    ) -> None:
        """The segment arithmetic equals replaying every accrual and repayment in order.

        Compounded or not (rule-interest, rule-interest-compounding).
        """
        begin = borrowed - timedelta(minutes=30)
        since = [begin, *(begin + timedelta(seconds=c) for c in sorted(changes))]
        schedule = RateSchedule.from_pairs(zip(since[: len(rates)], rates, strict=True))
        until = borrowed + timedelta(seconds=length)
        repayments = [
            Repayment(at=borrowed + timedelta(seconds=min(o, length)), amount=principal * f / 8)
            for o, f in repaid
            if principal * f
        ]
        state = loan_state(
            principal,
            schedule,
            borrowed,
            until,
            waived_hours=waived,
            repayments=repayments,
            counting=counting,
            compounding=compounding,
        )
        expected = reference_state(
            principal,
            schedule,
            borrowed,
            until,
            waived_hours=waived,
            repayments=repayments,
            counting=counting,
            compounding=compounding,
        )
        # The segment sums and the replay round in a different order once a figure needs
        # more than PRECISION digits: they agree to the last digits of the precision.
        actual = (state.principal, state.interest_outstanding, state.interest_accrued)
        for got, want in zip(actual, expected, strict=True):
            assert abs(got - want) <= max(abs(got), abs(want)) * Decimal(10) ** (3 - PRECISION)


_ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            Decimal("NaN"),
            Decimal("Infinity"),
            Decimal("-0"),
            Decimal("1e-40"),
            Decimal("1e30"),
            Decimal(-1),
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.datetimes(),
    st.datetimes(
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
        )
    ),
    instants,
    st.dates(),
    st.just(RateSchedule.constant("0.00001")),
    st.just([Repayment(at=at("14:00"), amount=1)]),
    st.sampled_from(COUNTINGS),
)
_NOT_A_TIME = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.dates(),
    st.datetimes(),
    st.sampled_from(COUNTINGS),
)
"""Values for ``until`` that are not aware datetimes (aware ones come as offsets)."""


class TestFuzz:
    """Only LevriskError subclasses escape the entry points, whatever goes in."""

    @given(
        principal=_ANYTHING,
        schedule=_ANYTHING,
        borrowed_at=_ANYTHING,
        until=_ANYTHING,
        waived=_ANYTHING,
        repayments=_ANYTHING,
        counting=_ANYTHING,
        compounding=_ANYTHING,
    )
    def test_loan_state(
        self,
        *,
        principal: Any,
        schedule: Any,
        borrowed_at: Any,
        until: Any,
        waived: Any,
        repayments: Any,
        counting: Any,
        compounding: Any,
    ) -> None:
        """``loan_state`` and ``accrued_interest`` return a result or raise LevriskError."""
        for func in (loan_state, accrued_interest):
            with contextlib.suppress(LevriskError):
                func(
                    principal,
                    schedule,
                    borrowed_at,
                    until,
                    waived_hours=waived,
                    repayments=repayments,
                    counting=counting,
                    compounding=compounding,
                )

    @given(
        borrowed_at=_ANYTHING,
        length=st.one_of(st.integers(0, 10**12), _NOT_A_TIME),
        counting=_ANYTHING,
    )
    def test_accrual_times(self, borrowed_at: Any, length: Any, counting: Any) -> None:
        """``accrual_times`` returns a tuple or raises LevriskError (loans up to ~12 days)."""
        until = length
        if (
            isinstance(borrowed_at, datetime)
            and isinstance(length, int)
            and not isinstance(length, bool)
        ):
            try:
                until = borrowed_at + timedelta(microseconds=length)
            except OverflowError:
                until = borrowed_at
        with contextlib.suppress(LevriskError):
            assert isinstance(accrual_times(borrowed_at, until, counting=counting), tuple)

    @given(value=_ANYTHING, other=_ANYTHING)
    def test_constructors(self, value: Any, other: Any) -> None:
        """Conversions, schedules and repayments raise only LevriskError."""
        calls: list[Callable[[], object]] = [
            lambda: hourly_from_daily(value),
            lambda: hourly_from_yearly(value),
            lambda: RateSchedule.constant(value),
            lambda: RateSchedule.from_daily(value, since=other),
            lambda: RateSchedule.from_yearly(value, since=other),
            lambda: RateSchedule.from_pairs(value),
            lambda: RateSchedule.from_pairs([(value, other)]),
            lambda: RateSchedule(changes=value),
            lambda: RateSchedule.constant(1).rate_at(value),
            lambda: RateChange(since=value, hourly_rate=other),
            lambda: Repayment(at=value, amount=other),
        ]
        for call in calls:
            with contextlib.suppress(LevriskError):
                call()


class TestAccrualCount:
    """rule-interest: the number of accruals, counted without listing them."""

    @pytest.mark.parametrize("counting", COUNTINGS)
    @given(start=instants, hours=st.integers(min_value=0, max_value=400))
    def test_equals_the_listed_instants(
        self, counting: InterestCounting, start: datetime, hours: int
    ) -> None:
        """accrual_count is len(accrual_times) for every counting rule."""
        end = start + timedelta(hours=hours, minutes=hours % 7 * 11)
        listed = accrual_times(start, end, counting=counting)
        assert accrual_count(start, end, counting=counting) == len(listed)

    def test_two_centuries_without_listing(self) -> None:
        """A 200-year loan is counted by arithmetic: one at borrowing plus every HH:00."""
        start = datetime(1824, 5, 1, 0, 30, tzinfo=UTC)
        end = datetime(2024, 5, 1, 0, 30, tzinfo=UTC)
        hours = (end - start) // timedelta(hours=1)
        assert accrual_count(start, end) == 1 + hours
        assert accrual_count(start, end, counting="clock_hour") == hours
        assert accrual_count(start, end, counting="started_hour") == hours

    def test_checks_its_arguments(self) -> None:
        """Naive datetimes, a reversed period and an unknown rule raise InvalidInputError."""
        start = datetime(2024, 5, 1, tzinfo=UTC)
        with pytest.raises(InvalidInputError, match="borrowed_at"):
            accrual_count(datetime(2024, 5, 1), start)  # noqa: DTZ001 - naive on purpose
        with pytest.raises(InvalidInputError, match="until must not be before"):
            accrual_count(start, start - timedelta(hours=1))
        with pytest.raises(InvalidInputError, match="counting must be one of"):
            accrual_count(start, start, counting="daily")  # type: ignore[arg-type]


def _crypto_com_example(until: datetime) -> Decimal:
    """Crypto.com's example loan: 1,000 USDT from 12:05 at 0.052 % a day, compounded."""
    return accrued_interest(
        1000,
        hourly_from_daily("0.00052"),
        at("12:05"),
        until,
        counting="clock_hour",
        compounding=True,
    )


def _growth(rate: Decimal, hours: int) -> Decimal:
    """``(1 + r)^n − 1`` as levrisk computes it: the interest on 1 over ``n`` clock hours."""
    start = datetime(2024, 5, 1, tzinfo=UTC)
    return accrued_interest(
        1, rate, start, start + timedelta(hours=hours), counting="clock_hour", compounding=True
    )


class TestCompounding:
    """rule-interest-compounding: each hour charged on the balance then owed."""

    def test_crypto_com_worked_example(self) -> None:
        """Crypto.com: 12:05 → 14:15 passes 13:00 and 14:00, 0.04333 USDT at 5 decimals."""
        interest = _crypto_com_example(at("14:15"))
        assert interest == Decimal("0.043333802777777777777777777777777777777777777777778")
        assert round_to_step(interest, "0.00001", "half_up") == Decimal("0.04333")
        # Total Owed = Principal × (1 + r)^n with the published rounded rate 0.00216667 %.
        owed = 1000 * (1 + Decimal("0.0000216667")) ** 2
        assert round_to_step(owed, "0.00001", "half_up") == Decimal("1000.04333")

    def test_crypto_com_repaid_before_the_first_snapshot(self) -> None:
        """Crypto.com's second example: repaid at 12:58, no snapshot passed, no interest."""
        assert _crypto_com_example(at("12:58")) == 0

    def test_exact_against_integer_arithmetic(self) -> None:
        """(1 + r)^n − 1 is the exactly computed value correctly rounded to PRECISION digits."""
        rate, hours = Decimal("0.0000123456789"), 1000
        exact_value = (10**13 + 123456789) ** hours - 10 ** (13 * hours)
        with decimal.localcontext(decimal.Context(prec=PRECISION)):
            want = Decimal(exact_value).scaleb(-13 * hours)
        assert _growth(rate, hours) == want

    def test_rounding_is_correct_where_a_plain_power_is_not_enough(self) -> None:
        """A tiny rate: the − 1 cancels ~60 digits, yet every digit of the result is right."""
        rate = Decimal("1E-60")
        want = Decimal(3) * rate + Decimal(3) * rate**2  # + r³, far below the last digit
        assert _growth(rate, 3) == want

    def test_near_a_tie_takes_more_digits(self) -> None:
        """A rate just above a rounding tie of the 50th digit rounds up, as exact arithmetic does.

        The first enclosure (60 digits) straddles the tie; the digits double until it does not.
        """
        rate = Decimal("0.1" + "0" * 49 + "5" + "0" * 20 + "1")
        assert _growth(rate, 1) == Decimal("0.1" + "0" * 48 + "1")

    def test_exact_power_needs_no_rounding(self) -> None:
        """(1 + 1)^10 − 1 = 1023 exactly."""
        assert _growth(Decimal(1), 10) == 1023

    def test_long_loan_is_fast(self) -> None:
        """Eight thousand years of hours take O(log n) products, not n."""
        start = datetime(1, 1, 1, tzinfo=UTC)
        began = time.perf_counter()
        value = accrued_interest(
            1, "0.00001", start, datetime(9000, 1, 1, tzinfo=UTC), compounding=True
        )
        assert value > 10**300
        assert time.perf_counter() - began < 1

    def test_the_simple_default_is_unchanged(self) -> None:
        """``compounding=False`` is the simple interest of rule-interest."""
        assert accrued_interest(
            1000, "0.00001", at("13:55"), at("14:30"), compounding=False
        ) == Decimal("0.02000")

    @pytest.mark.parametrize("value", [None, 1, "yes", Decimal(1)])
    def test_rejects_non_bool(self, value: Any) -> None:
        """A non-bool ``compounding`` is an InvalidInputError naming it."""
        with pytest.raises(InvalidInputError, match="compounding must be True or False"):
            loan_state(1000, "0.00001", at("13:55"), at("14:30"), compounding=value)

    def test_repayment_pays_compounded_interest_first(self) -> None:
        """A repayment pays the compounded interest, then principal; later hours on the rest."""
        repaid = [Repayment(at=at("14:30"), amount="500")]
        crypto_com: dict[str, Any] = {"counting": "clock_hour", "compounding": True}
        state = loan_state(1000, "0.01", at("12:30"), at("15:30"), repayments=repaid, **crypto_com)
        # 13:00, 14:00: 1000 → 1020.1 (20.1 interest); repay 500: 20.1 interest, 479.9
        # principal; 15:00: 520.1 × 1.01 − 520.1 = 5.201 interest.
        assert state.principal == Decimal("520.1")
        assert state.interest_outstanding == Decimal("5.201")
        assert state.interest_accrued == Decimal("25.301")

    @given(rate=hourly_rates, hours=st.integers(1, 2000))
    def test_at_least_simple(self, rate: Decimal, hours: int) -> None:
        """Compounding never charges less than simple interest: (1 + r)^n − 1 ≥ n·r."""
        assert _growth(rate, hours) >= rate * hours

    @given(rate=hourly_rates)
    def test_equal_to_simple_for_one_hour(self, rate: Decimal) -> None:
        """One accrual: (1 + r)^1 − 1 = r."""
        assert _growth(rate, 1) == rate

    @given(hours=st.integers(0, 10**6))
    def test_rate_zero_charges_nothing(self, hours: int) -> None:
        """A zero rate compounds to zero."""
        assert _growth(Decimal(0), hours) == 0

    @given(rate=hourly_rates, first=st.integers(0, 5000), second=st.integers(0, 5000))
    def test_additive_in_log_across_a_split(self, rate: Decimal, first: int, second: int) -> None:
        """ln(1 + g(m + n)) = ln(1 + g(m)) + ln(1 + g(n)), to the precision's last digits."""
        with decimal.localcontext(decimal.Context(prec=PRECISION + 20)):
            whole = (1 + _growth(rate, first + second)).ln()
            parts = (1 + _growth(rate, first)).ln() + (1 + _growth(rate, second)).ln()
            assert abs(whole - parts) <= max(whole, Decimal(1)) * Decimal(10) ** (3 - PRECISION)

    @given(
        principal=principals,
        rate=hourly_rates,
        borrowed=instants,
        change=st.integers(1, 48),
        length=st.integers(0, 96),
    )
    def test_rate_change_splits_the_span(
        self, *, principal: Decimal, rate: Decimal, borrowed: datetime, change: int, length: int
    ) -> None:
        """A rate change at hour k compounds the first k hours at r₀, the rest at r₁."""
        start = borrowed.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        since = start + timedelta(hours=change)
        schedule = RateSchedule.from_pairs([(start, rate), (since, rate * 2)])
        until = start + timedelta(hours=length)
        got = accrued_interest(
            principal, schedule, start, until, counting="clock_hour", compounding=True
        )
        before = min(change - 1, length)  # HH:00 instants in (start, since)
        after = length - before
        with decimal.localcontext(decimal.Context(prec=200)):
            want = principal * ((1 + rate) ** before * (1 + 2 * rate) ** after - 1)
        assert abs(got - want) <= max(abs(want), Decimal(1)) * Decimal(10) ** (3 - PRECISION)

    def test_margin_close_passes_compounding_through(self) -> None:
        """margin.close(..., compounding=True) charges the compounded interest of the loan."""
        from levrisk.margin import BINANCE_CROSS_3X, close, open_long  # noqa: PLC0415

        trade = open_long(
            1000,
            leverage=2,
            price=100,
            thresholds=BINANCE_CROSS_3X,
            opened_at=at("12:05"),
            base="BTC",
            quote="USDT",
        )
        rate = hourly_from_daily("0.00052")
        simple, compound = (
            close(
                trade,
                exit_price=100,
                at=at("14:15"),
                fee_rate=0,
                schedule=rate,
                counting="clock_hour",
                compounding=flag,
            )
            for flag in (False, True)
        )
        interest = [
            accrued_interest(
                trade.borrowed, rate, at("12:05"), at("14:15"), counting="clock_hour", compounding=c
            )
            for c in (False, True)
        ]
        assert simple.net_pnl == interest[0].copy_negate()  # no fee, no price move
        assert compound.net_pnl == interest[1].copy_negate()
        assert compound.net_pnl < simple.net_pnl


class TestKrakenCounting:
    """rule-kraken-rollover as a counting rule: the opening fee, then every 4 hours."""

    def test_same_fees_as_the_kraken_functions(self) -> None:
        """10,000 USD at 0.025 % for 8 hours: opening + 2 rollovers, 7.5 USD (Kraken's rate)."""
        start = datetime(2026, 1, 5, tzinfo=UTC)
        got = accrued_interest(
            10_000, "0.00025", start, start + 2 * KRAKEN_PERIOD, counting="kraken"
        )
        assert got == Decimal("7.50000")

    def test_instants(self) -> None:
        """Accruals at opening and at opening + 4 h, + 8 h; the mark itself counts."""
        start = at("09:30")
        times = accrual_times(start, at("17:30"), counting="kraken")
        assert times == (start, at("13:30"), at("17:30"))
        assert accrual_count(start, at("17:29"), counting="kraken") == 2

    def test_position_closed_at_a_mark_pays_that_rollover(self) -> None:
        """A repayment at the 4-hour mark comes after that rollover (as the kraken module)."""
        start = at("08:00")
        before = loan_state(100, "0.001", start, at("12:00"), counting="kraken")
        state = loan_state(
            100,
            "0.001",
            start,
            at("16:00"),
            counting="kraken",
            repayments=[Repayment(at=at("12:00"), amount=before.owed)],
        )
        assert state.interest_accrued == Decimal("0.200") == before.interest_accrued
        assert state.owed == 0

    @given(borrowed=instants, length=st.integers(0, 30 * 24 * 3600))
    def test_count_is_one_plus_rollover_count(self, borrowed: datetime, length: int) -> None:
        """accrual_count = 1 (the opening fee) + kraken.rollover_count."""
        from levrisk.exchanges import kraken  # noqa: PLC0415 - the venue module under test

        until = borrowed + timedelta(seconds=length)
        assert accrual_count(borrowed, until, counting="kraken") == 1 + kraken.rollover_count(
            borrowed, until
        )


class TestAccrualPeriod:
    """rule-kraken-rollover: a schedule's rate covers one accrual period (4 h for Kraken)."""

    @pytest.mark.parametrize(
        ("counting", "hours"),
        [("binance", 1), ("started_hour", 1), ("clock_hour", 1), ("kraken", 4)],
    )
    def test_period(self, counting: InterestCounting, hours: int) -> None:
        """One hour for the hourly rules, four for Kraken's rollover."""
        assert accrual_period(counting) == timedelta(hours=hours)

    def test_unknown_rule(self) -> None:
        """An unknown rule is refused by name."""
        with pytest.raises(InvalidInputError, match="counting"):
            accrual_period("weekly")  # type: ignore[arg-type]
