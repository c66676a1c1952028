"""Truth at the edges (issue 14): documented bounds, exact and context-free results.

One class per item: the bounds every number, schedule and span must respect (refused up
front with an InvalidInputError naming the argument, and fast); instants compared in UTC;
validation under the library's context; ``round_to_step`` exact at any digit count;
borrowing exactly ``max_borrowable`` allowed; the inverse margin ratio and PnL rounded
once; subclasses of the number types copied to their base type before validation.
"""

from __future__ import annotations

import decimal
import itertools
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk import _algebra, cli, interest
from levrisk._fields import aware_datetime, entries, price_map
from levrisk.brackets import Bracket, BracketTable
from levrisk.exceptions import BracketError, InvalidInputError
from levrisk.futures import Contract, Position, average_entry_price, margin_ratio
from levrisk.interest import (
    MAX_ACCRUAL_TIMES,
    MAX_ENTRIES,
    RateChange,
    RateSchedule,
    Repayment,
    accrual_count,
    accrual_times,
    first_accrual,
    last_accrual,
    loan_state,
)
from levrisk.margin import (
    BINANCE_CROSS_3X,
    CrossMarginAccount,
    IsolatedMarginAccount,
    Loan,
    borrow,
    collateral_margin_level,
    liquidation_price,
    margin_level,
    max_borrowable,
    open_short,
)
from levrisk.numbers import MAX_DIGITS, MAX_EXPONENT, PRECISION, round_to_step, to_decimal

UTC = timezone.utc
NEW_YORK = ZoneInfo("America/New_York")
HUGE = "9E+999999999999999999"
MODES = ("down", "up", "floor", "ceiling", "half_up", "half_even", "half_down")


def _rounded(value: Fraction) -> Decimal:
    """The correctly rounded PRECISION-digit Decimal of an exact rational."""
    with decimal.localcontext() as context:
        context.prec = PRECISION
        context.rounding = decimal.ROUND_HALF_EVEN
        return Decimal(value.numerator) / Decimal(value.denominator)


_BTCUSD = Contract(
    symbol="BTCUSD_PERP",
    kind="inverse",
    brackets=BracketTable.from_rates(
        caps=[5, 10], maintenance_rates=["0.004", "0.005"], max_leverages=[125, 100]
    ),
    contract_size=100,
    margin_asset="BTC",
)
_CROSS = CrossMarginAccount(balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=10_000)])


class _LyingDecimal(Decimal):
    """A Decimal subclass whose comparisons claim it is never below anything."""

    def __lt__(self, other: object) -> bool:
        return False

    def __le__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True

    def __ge__(self, other: object) -> bool:
        return True


class _OddInt(int):
    """An int subclass that prints as something else."""

    def __repr__(self) -> str:
        return "odd"


class _OddFloat(float):
    """A float subclass whose repr is not a number."""

    def __repr__(self) -> str:
        return "odd"


class _OddStr(str):
    """A str subclass whose strip() returns a non-string."""

    __slots__ = ()

    def strip(self, chars: str | None = None) -> Any:  # noqa: ARG002 - the signature of str.strip
        return 5


class TestNumericBounds:
    """rule-rounding: every number lies within 1E±9999 and 2000 significant digits."""

    @pytest.mark.parametrize(
        "value",
        [HUGE, "1E+10000", Decimal("1E-10000"), "-9.99E+10000", 10**10000, 10**1_000_000],
        ids=["9E+huge", "1E+10000", "1E-10000", "negative", "int-1E+10000", "int-1E+1000000"],
    )
    def test_magnitude_refused_by_name(self, value: object) -> None:
        """A magnitude beyond 1E±9999 is refused, naming the argument."""
        with pytest.raises(InvalidInputError, match=r"^price must lie within 1E-9999 and 1E"):
            to_decimal(value, name="price")  # type: ignore[arg-type]

    def test_the_bounds_are_inclusive(self) -> None:
        """1E-9999, 9.9…E+9999 and MAX_DIGITS digits are accepted as given."""
        assert to_decimal("1E-9999") == Decimal("1E-9999")
        assert to_decimal("-9.99E+9999") == Decimal("-9.99E+9999")
        digits = "1" * MAX_DIGITS
        assert to_decimal(digits) == Decimal(digits)
        assert to_decimal(10**9999) == Decimal(10**9999)
        assert MAX_EXPONENT == 9999
        assert to_decimal("0E-99999") == 0

    def test_trailing_zeros_are_not_significant(self) -> None:
        """A long run of trailing zeros is not a long number."""
        assert to_decimal("1" + "0" * 5000) == Decimal("1E+5000")

    def test_too_many_digits(self) -> None:
        """MAX_DIGITS + 1 significant digits are refused, naming the argument."""
        with pytest.raises(InvalidInputError, match=r"^size must have at most 2000 significant"):
            to_decimal("1." + "1" * MAX_DIGITS, name="size")

    def test_a_million_digit_int_is_refused_at_once(self) -> None:
        """to_decimal(10**1_000_000) answers in well under a second (it took 18.7 s)."""
        huge = 10**1_000_000
        start = time.perf_counter()
        with pytest.raises(InvalidInputError, match="an int of 3321929 bits"):
            to_decimal(huge)
        assert time.perf_counter() - start < 0.1

    @pytest.mark.parametrize(
        ("name", "call"),
        [
            (
                "size",
                lambda v: Position(
                    contract=_BTCUSD, side="long", size=v, entry_price=1, leverage=1
                ),
            ),
            (
                "price",
                lambda v: open_short(
                    1,
                    base="BTC",
                    quote="USDT",
                    leverage=3,
                    price=v,
                    opened_at=datetime(2024, 1, 1, tzinfo=UTC),
                ),
            ),
            (
                "prices['BTC']",
                lambda v: liquidation_price(
                    _CROSS, asset="BTC", prices={"BTC": v}, liquidation_level="1.1"
                ),
            ),
            ("prices['BTC']", lambda v: margin_level(_CROSS, {"BTC": v})),
            (
                "caps",
                lambda v: BracketTable.from_rates(
                    caps=[v], maintenance_rates=["0.01"], max_leverages=[10]
                ),
            ),
            ("value", lambda v: round_to_step(v, "0.5", "floor")),
        ],
        ids=["Position", "open_short", "liquidation", "level", "from_rates", "round_to_step"],
    )
    def test_no_overflow_escapes(self, name: str, call: Callable[[object], object]) -> None:
        """A 9E+999999999999999999 is an InvalidInputError, never decimal.Overflow."""
        with pytest.raises(InvalidInputError, match=r"must lie within") as error:
            call(HUGE)
        assert name.split("[", maxsplit=1)[0] in str(error.value)


class TestSubclasses:
    """rule-rounding: a subclass of Decimal, int, float or str is read as its base type."""

    def test_lying_decimal_does_not_pass_validation(self) -> None:
        """Loan(principal=<lying subclass>("-5")) is refused as negative."""
        with pytest.raises(InvalidInputError, match="principal must not be negative"):
            Loan(asset="USDT", principal=_LyingDecimal("-5"))

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (_LyingDecimal("2.5"), Decimal("2.5")),
            (_OddInt(7), Decimal(7)),
            (_OddFloat(0.1), Decimal("0.1")),
            (_OddStr(" 1.25 "), Decimal("1.25")),
        ],
        ids=["Decimal", "int", "float", "str"],
    )
    def test_copied_to_the_base_type(self, value: object, expected: Decimal) -> None:
        """The result is a plain Decimal of the value's own digits."""
        result = to_decimal(value)  # type: ignore[arg-type]
        assert type(result) is Decimal
        assert result == expected

    def test_asset_names_are_plain_strings(self) -> None:
        """A str subclass asset is stored as a plain str; a non-str is refused."""
        loan = Loan(asset=_OddStr("BTC"), principal=1)
        assert type(loan.asset) is str
        with pytest.raises(InvalidInputError, match="asset must be a non-empty asset name"):
            Loan(asset=1, principal=1)  # type: ignore[arg-type]

    def test_mode_as_a_str_subclass(self) -> None:
        """round_to_step reads a str subclass mode as its plain value."""
        assert round_to_step("1.25", "0.1", _OddStr("floor")) == Decimal("1.2")  # type: ignore[arg-type]


class TestRoundToStepExact:
    """rule-rounding: round_to_step is exact at any digit count."""

    def test_huge_value_ceiling_never_below(self) -> None:
        """1E+49 to a 0.3 step, ceiling: the next multiple, not a value below the input."""
        result = round_to_step("1E+49", "0.3", "ceiling")
        assert result >= Decimal("1E+49")
        assert result == Decimal("1" + "0" * 48 + "0.2")

    def test_fifty_digit_floor_never_rounds_up(self) -> None:
        """5.99…9 (50 digits) floored to 0.5 is 5.5, not 6.0."""
        assert round_to_step("5." + "9" * 49, "0.5", "floor") == Decimal("5.5")

    def test_forty_six_digit_step(self) -> None:
        """A 46-digit step is no decimal.InvalidOperation."""
        step = "0." + "0" * 44 + "1"
        assert round_to_step("1.5", step, "half_even") == Decimal("1.5" + "0" * 44)

    @pytest.mark.parametrize(
        ("mode", "low", "high"),
        [
            ("down", "1.2", "-1.2"),
            ("up", "1.3", "-1.3"),
            ("floor", "1.2", "-1.3"),
            ("ceiling", "1.3", "-1.2"),
            ("half_up", "1.3", "-1.3"),
            ("half_down", "1.2", "-1.2"),
            ("half_even", "1.2", "-1.2"),
        ],
    )
    def test_ties_and_directions(self, mode: Any, low: str, high: str) -> None:
        """A tie at ±1.25 and a step of 0.1, each mode, both signs."""
        assert round_to_step("1.25", "0.1", mode) == Decimal(low)
        assert round_to_step("-1.25", "0.1", mode) == Decimal(high)

    @given(
        value=st.decimals(places=60, min_value=-(10**60), max_value=10**60),
        step=st.decimals(places=60, min_value=Decimal("1E-60"), max_value=10**10),
        mode=st.sampled_from(MODES),
    )
    def test_matches_exact_rationals(self, value: Decimal, step: Decimal, mode: Any) -> None:
        """The result is the multiple a rational computation chooses, every digit kept."""
        result = round_to_step(value, step, mode)
        quotient = Fraction(value) / Fraction(step)
        low = Fraction(quotient.numerator // quotient.denominator)
        assert Fraction(result) / Fraction(step) in {low, low + 1}
        if mode == "floor":
            assert Fraction(result) <= Fraction(value)
        if mode == "ceiling":
            assert Fraction(result) >= Fraction(value)
        if mode.startswith("half"):
            assert abs(Fraction(result) - Fraction(value)) <= Fraction(step) / 2


class TestInstantsInUTC:
    """rule-interest: instants are compared in UTC, never by a shared zone's wall clock."""

    def test_aware_datetime_returns_the_utc_instant(self) -> None:
        """01:15 EST after 01:45 EDT on the fall-back night: later in real time."""
        edt = datetime(2024, 11, 3, 1, 45, tzinfo=NEW_YORK)
        est = datetime(2024, 11, 3, 1, 15, fold=1, tzinfo=NEW_YORK)
        assert est < edt  # wall clock: the trap
        assert aware_datetime(est, "at") > aware_datetime(edt, "at")
        assert aware_datetime(est, "at").tzinfo is UTC

    def test_out_of_range_once_in_utc(self) -> None:
        """A datetime that leaves datetime's range in UTC is refused by name."""
        late = datetime.max.replace(tzinfo=timezone(timedelta(hours=-5)))
        with pytest.raises(InvalidInputError, match=r"^at must lie within datetime's range"):
            aware_datetime(late, "at")

    def test_repayments_across_the_fall_back(self) -> None:
        """Repayments in New York time replay as the same instants given in UTC."""
        borrowed = datetime(2024, 11, 3, 0, 30, tzinfo=NEW_YORK)
        until = datetime(2024, 11, 3, 3, 0, tzinfo=NEW_YORK)
        first = datetime(2024, 11, 3, 1, 45, tzinfo=NEW_YORK)  # EDT
        second = datetime(2024, 11, 3, 1, 15, fold=1, tzinfo=NEW_YORK)  # EST, later
        local = [Repayment(at=first, amount=500), Repayment(at=second, amount=400)]
        utc = [Repayment(at=r.at.astimezone(UTC), amount=r.amount) for r in local]
        args = (1000, "0.001", borrowed.astimezone(UTC), until.astimezone(UTC))
        want = loan_state(*args, repayments=utc)
        got = loan_state(1000, "0.001", borrowed, until, repayments=local)
        assert got == want
        assert got.principal < 110

    def test_schedule_order_is_real_time(self) -> None:
        """A schedule going forward in real time is accepted; backwards is refused."""
        edt = datetime(2024, 11, 3, 1, 45, tzinfo=NEW_YORK)
        est = datetime(2024, 11, 3, 1, 15, fold=1, tzinfo=NEW_YORK)
        schedule = RateSchedule.from_pairs([(edt, "0.00001"), (est, "0.00002")])
        assert schedule.rate_at(est) == Decimal("0.00002")
        with pytest.raises(InvalidInputError, match=r"changes\[1\].since must be after"):
            RateSchedule.from_pairs([(est, "0.00001"), (edt, "0.00002")])

    def test_margin_trade_close_in_a_shared_zone(self) -> None:
        """A trade closed at 01:15 EST after opening at 01:45 EDT is not 'before opened_at'."""
        from levrisk.margin import close  # noqa: PLC0415 - the one test that closes

        trade = open_short(
            3000,
            leverage=3,
            price=60_000,
            opened_at=datetime(2024, 11, 3, 1, 45, tzinfo=NEW_YORK),
            base="BTC",
            quote="USDT",
        )
        at = datetime(2024, 11, 3, 1, 15, fold=1, tzinfo=NEW_YORK)
        result = close(trade, exit_price=60_000, at=at, schedule="0.00001")
        assert result is not None


class TestLibraryContext:
    """rule-brackets: validation and lazy figures run under the library's context."""

    ROWS = (  # Binance ETHUSDT's published first tiers: cum_2 = 5365 by the recursion
        (0, 1_000_000, 100, "0.005", 0),
        (1_000_000, 2_000_000, 75, "0.0065", "1500"),
        (2_000_000, 5_000_000, 50, "0.01", "8500"),
    )

    def _table(self, amounts: list[Any]) -> BracketTable:
        return BracketTable(
            brackets=[
                Bracket(floor=f, cap=c, max_leverage=lv, maintenance_rate=m, maintenance_amount=a)
                for (f, c, lv, m, _), a in zip(self.ROWS, amounts, strict=True)
            ],
            maintenance="marginal",  # checked against the recursion (on request)
        )

    def test_valid_table_under_prec_3(self) -> None:
        """A valid table is accepted under a caller's prec=3, and no flag is set there."""
        with decimal.localcontext() as context:
            context.prec = 3
            context.clear_flags()
            table = self._table([row[4] for row in self.ROWS])
            assert not any(context.flags.values())
        assert table.brackets[2].maintenance_amount == Decimal(8500)

    def test_wrong_amount_under_prec_3(self) -> None:
        """A wrong amount (8510 where the recursion gives 8500) is refused under prec=3."""
        with decimal.localcontext() as context:
            context.prec = 2
            with pytest.raises(BracketError, match="8500"):
                self._table([0, "1500", "8510"])

    def test_margin_level_ignores_the_callers_context(self) -> None:
        """A caller's prec=3 changes no figure and gets no flag."""
        want = margin_level(_CROSS, {"BTC": "30000.123"})
        with decimal.localcontext() as context:
            context.prec = 3
            context.clear_flags()
            assert margin_level(_CROSS, {"BTC": "30000.123"}) == want
            assert not any(context.flags.values())


class TestMaxBorrowable:
    """rule-isolated-max-borrow: borrowing exactly the maximum is allowed."""

    def test_the_level_stays_at_the_initial_risk_ratio(self) -> None:
        """392,415 USDT at 3x, BTC at 74,279: the level after the borrow is ≥ 1.5."""
        account = CrossMarginAccount(balances={"USDT": 392_415})
        prices = {"BTC": 74_279}
        amount = max_borrowable(account, asset="BTC", prices=prices, thresholds=BINANCE_CROSS_3X)
        after = borrow(
            account, asset="BTC", amount=amount, prices=prices, thresholds=BINANCE_CROSS_3X
        )
        level = margin_level(after, prices)
        assert level is not None
        assert level >= BINANCE_CROSS_3X.initial_risk_ratio

    @given(
        quote=st.integers(min_value=1, max_value=10**9),
        held=st.decimals(min_value=0, max_value=100, places=8),
        owed=st.decimals(min_value=0, max_value=10**6, places=8),
        price=st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=4),
    )
    def test_borrowing_the_maximum_keeps_the_level(
        self, quote: int, held: Decimal, owed: Decimal, price: Decimal
    ) -> None:
        """Any account: the level after borrowing the maximum is ≥ the initial risk ratio."""
        account = CrossMarginAccount(
            balances={"USDT": quote, "BTC": held}, loans=[Loan(asset="USDT", principal=owed)]
        )
        prices = {"BTC": price}
        amount = max_borrowable(account, asset="BTC", prices=prices, thresholds=BINANCE_CROSS_3X)
        if amount:
            after = borrow(
                account, asset="BTC", amount=amount, prices=prices, thresholds=BINANCE_CROSS_3X
            )
            level = margin_level(after, prices)
            assert level is not None
            assert level >= BINANCE_CROSS_3X.initial_risk_ratio

    def test_a_level_that_rounds_below_steps_down(self) -> None:
        """The floored amount steps down by its last digit's unit until the level holds."""
        from levrisk.margin import _margin  # noqa: PLC0415 - the private helper itself

        account = CrossMarginAccount(balances={"USDT": 3000})
        calls: list[Decimal] = []

        def allows(after: Any) -> bool:
            calls.append(after.balances["BTC"])
            return len(calls) > 2

        result = _margin._allowed(account, "BTC", Decimal("0.1"), allows)
        assert result < Decimal("0.1")
        assert calls[0] == Decimal("0.1")
        assert _margin._allowed(account, "BTC", Decimal("0.1"), lambda _: False) == 0


class TestTinyDebt:
    """rule-margin-level: a tiny debt still makes a level, never None."""

    def test_tiny_debt(self) -> None:
        """1E-9999 owed at a price of 1E-9999 is a debt: a level, not None."""
        account = IsolatedMarginAccount(
            base="BTC",
            quote="USDT",
            quote_balance=1,
            loans=[Loan(asset="BTC", principal="1E-9999")],
        )
        level = margin_level(account, {"BTC": "1E-9999"})
        assert level == Decimal("1E+19998")
        ratio = collateral_margin_level(account, {"BTC": "1E-9999"}, collateral_ratios={})
        assert ratio == level


class TestInversePrecision:
    """rule-futures-margin-pnl: inverse PnL and margin ratio rounded once."""

    @given(
        size=st.integers(min_value=1, max_value=50),
        entry=st.decimals(min_value=1000, max_value=100_000, places=2),
        move=st.decimals(min_value=Decimal("-0.5"), max_value=Decimal("0.5"), places=30),
        margin=st.decimals(min_value=0, max_value=10, places=12),
        side=st.sampled_from(["long", "short"]),
    )
    def test_margin_ratio_is_correctly_rounded(
        self, size: int, entry: Decimal, move: Decimal, margin: Decimal, side: Any
    ) -> None:
        """MM / (M + UPNL) equals the exact rational rounded once to 50 digits."""
        position = Position(contract=_BTCUSD, side=side, size=size, entry_price=entry, leverage=1)
        price = entry * (1 + move)
        got = margin_ratio(position, margin=margin, mark_price=price)
        q, p, ep = Fraction(size * 100), Fraction(price), Fraction(entry)
        notional = q / p
        table = _BTCUSD.brackets
        bracket = (
            table.bracket_for(_rounded(notional))
            if _rounded(notional) <= table.max_cap
            else table.brackets[-1]
        )
        mm = notional * Fraction(bracket.maintenance_rate) - Fraction(bracket.maintenance_amount)
        sign = 1 if side == "long" else -1
        balance = Fraction(margin) + sign * q * (p - ep) / (ep * p)
        assert got == (None if balance <= 0 else _rounded(mm / balance))

    def test_near_bankruptcy(self) -> None:
        """A long a hair above its bankruptcy price: every digit of the ratio is right."""
        position = Position(contract=_BTCUSD, side="long", size=1, entry_price=60_000, leverage=20)
        price = Decimal("56603.7735849056603773584905660377358490566038")
        got = margin_ratio(position, margin="0.0001", mark_price=price)
        q, p = Fraction(100), Fraction(price)
        balance = Fraction("0.0001") + q * (p - 60_000) / (60_000 * p)
        assert got == _rounded(q / p * Fraction("0.004") / balance)

    @given(
        q=st.decimals(min_value=1, max_value=10**9, places=8),
        entry=st.decimals(min_value=1, max_value=10**6, places=10),
        tick=st.integers(min_value=-(10**6), max_value=10**6),
        side=st.sampled_from(["long", "short"]),
    )
    def test_inverse_pnl_near_the_entry(
        self, q: Decimal, entry: Decimal, tick: int, side: Any
    ) -> None:
        """s·Q·(P − EP)/(EP·P) rounded once, however close the price is to the entry."""
        price = entry + Decimal(tick).scaleb(-30)
        if price <= 0:
            return
        with decimal.localcontext() as context:
            context.prec = PRECISION
            got = _algebra.pnl("inverse", side, q, entry, price)
        sign = 1 if side == "long" else -1
        exact = (
            sign
            * Fraction(q)
            * (Fraction(price) - Fraction(entry))
            / (Fraction(entry) * Fraction(price))
        )
        assert got == _rounded(exact)


class TestPriceMapKeys:
    """rule-futures: a price map's keys are names (str); any other key is refused by name."""

    def test_mixed_keys(self) -> None:
        """{"BTCUSDT": 1, 1: 2} is an InvalidInputError, never a TypeError."""
        with pytest.raises(InvalidInputError, match=r"^mark_prices must map each symbol as a str"):
            price_map(
                {"BTCUSDT": 1, 1: 2}, ["BTCUSDT"], argument="mark_prices", of="symbol", missing=str
            )


class TestInterestBounds:
    """rule-interest: spans and schedules have documented bounds; counting is O(1)."""

    START = datetime(1, 1, 2, tzinfo=UTC)
    END = datetime(9999, 12, 30, tzinfo=UTC)

    @pytest.mark.parametrize("counting", ["binance", "started_hour", "clock_hour"])
    def test_first_and_last_in_constant_time(self, counting: Any) -> None:
        """Ten millennia: first and last accrual in microseconds, as the listing gives them."""
        start = time.perf_counter()
        first = first_accrual(self.START, self.END, counting=counting)
        last = last_accrual(self.START, self.END, counting=counting)
        assert accrual_count(self.START, self.END, counting=counting) > MAX_ACCRUAL_TIMES
        assert time.perf_counter() - start < 0.1
        assert first is not None
        assert last is not None
        assert first.tzinfo is UTC
        assert last <= self.END
        near = self.START + timedelta(hours=30, minutes=5)
        listed = accrual_times(self.START, near, counting=counting)
        assert first_accrual(self.START, near, counting=counting) == listed[0]
        assert last_accrual(self.START, near, counting=counting) == listed[-1]

    def test_no_accrual(self) -> None:
        """clock_hour before the next HH:00: no first and no last accrual."""
        start = datetime(2024, 5, 1, 13, 20, tzinfo=UTC)
        end = datetime(2024, 5, 1, 13, 50, tzinfo=UTC)
        assert first_accrual(start, end, counting="clock_hour") is None
        assert last_accrual(start, end, counting="clock_hour") is None

    def test_listing_is_bounded(self) -> None:
        """accrual_times refuses to list more than MAX_ACCRUAL_TIMES instants."""
        with pytest.raises(InvalidInputError, match=r"^until must give at most 1000000 accrual"):
            accrual_times(self.START, self.END)

    def test_long_loans_are_fast(self) -> None:
        """Interest over ten millennia, and its CLI report, in well under a second."""
        start = time.perf_counter()
        amount = interest.accrued_interest(
            1000, schedule="0.00001", borrowed_at=self.START, until=self.END
        )
        assert amount > 0
        code = cli.main(
            [
                "interest",
                "--principal",
                "1000",
                "--hourly-rate",
                "0.00001",
                "--from",
                "0001-01-02T00:00Z",
                "--to",
                "9999-12-30T00:00Z",
                "--json",
            ]
        )
        assert code == 0
        assert time.perf_counter() - start < 1

    def test_entries_are_bounded(self) -> None:
        """More than MAX_ENTRIES repayments or rate changes are refused by name."""
        start = datetime(2024, 5, 1, tzinfo=UTC)
        repayment = Repayment(at=start, amount=1)
        with pytest.raises(InvalidInputError, match=r"^repayments must hold at most"):
            loan_state(
                1, "0.00001", start, start, repayments=itertools.repeat(repayment, MAX_ENTRIES + 1)
            )
        change = RateChange(since=start, hourly_rate="0.00001")
        with pytest.raises(InvalidInputError, match=r"^changes must hold at most"):
            RateSchedule(changes=itertools.repeat(change, MAX_ENTRIES + 1))


class TestCollections:
    """rule-brackets: a collection argument is read through one check (0-d arrays refused)."""

    @pytest.mark.parametrize("value", [np.array("short"), "abc", {"a": 1}, 5])
    def test_entries_refuses(self, value: object) -> None:
        """A 0-d array, a string, a mapping or a number is not a collection of entries."""
        with pytest.raises(InvalidInputError, match=r"^things"):
            entries(value, "things must be a collection")

    def test_entry_points(self) -> None:
        """BracketTable, Loan lists, tier tables and fills refuse a 0-d array by name."""
        zero_d = np.array("short")
        with pytest.raises(BracketError, match=r"^brackets must be a sequence"):
            BracketTable(brackets=zero_d)
        with pytest.raises(InvalidInputError, match=r"^loans must be an iterable"):
            CrossMarginAccount(balances={}, loans=zero_d)
        with pytest.raises(InvalidInputError, match=r"^fills must be an iterable"):
            average_entry_price(zero_d)
        assert entries((1, 2), "unused") == [1, 2]
