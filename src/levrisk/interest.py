r"""Hourly interest on spot-margin loans (:ref:`rule-interest`).

Spot-margin loans carry simple interest, charged hourly in the borrowed asset. What
differs between venues is *when* an hour is charged, so the counting rule is a
parameter (:data:`InterestCounting`):

- ``"binance"`` [published]: one accrual at the moment of borrowing, then one at every
  UTC clock hour ``HH:00`` while the loan is open (``borrowed_at < t ≤ until``). This is
  not ``ceil(elapsed hours)``: 13:20 → 14:15 accrues 2 hours, 09:20 → 09:55 accrues 1.
- ``"started_hour"`` [published]: Bybit classic spot margin, one accrual per started
  hour since borrowing, at ``borrowed_at + k`` hours (08:05 → 10:00 accrues 2).
- ``"clock_hour"`` [derived]: OKX-style, one accrual at every UTC ``HH:00`` boundary in
  ``(borrowed_at, until]`` and none at borrowing.
- ``"kraken"`` [published]: Kraken margin, an opening fee at borrowing, then a rollover
  fee at every ``borrowed_at + k·4`` hours (``k ≥ 1``); the rate is then the rate per
  accrual (per 4-hour period), not per hour (:ref:`rule-kraken-rollover`).

The interest of a loan is the sum, over its accrual instants, of the principal then
outstanding times the hourly rate then in force:

.. math::

    I = \sum_{t \in A} P(t) \cdot r(t)

With ``compounding=True`` each accrual is charged on the balance then owed, principal
plus the interest not yet repaid (Crypto.com Exchange margin, :ref:`rule-interest-compounding`):
over ``n`` accruals at a rate ``r`` a balance ``B`` grows to ``B·(1 + r)^n``.

Everything is exact :class:`~decimal.Decimal` arithmetic in levrisk's context and nothing
is rounded: Binance shows interest with 8 decimals but does not publish its rounding mode,
so round with :func:`levrisk.numbers.round_to_step` only when you need the display value.
Datetimes must be timezone-aware; any zone is accepted and clock hours are taken in UTC.
"""

from __future__ import annotations

import bisect
import decimal
import itertools
import weakref
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final, NamedTuple, TypeAlias

import attrs

from levrisk import _typing
from levrisk._fields import (
    aware_datetime,
    instance_of,
    non_negative,
    non_negative_number,
    number,
    option,
    positive,
    require,
    trusted,
)
from levrisk._typing import choice
from levrisk.exceptions import InvalidInputError
from levrisk.numbers import NumberLike, exact

__all__ = [
    "MAX_ACCRUAL_TIMES",
    "MAX_ENTRIES",
    "InterestCounting",
    "LoanState",
    "RateChange",
    "RateSchedule",
    "Repayment",
    "accrual_count",
    "accrual_period",
    "accrual_times",
    "accrued_interest",
    "first_accrual",
    "hourly_from_daily",
    "hourly_from_yearly",
    "last_accrual",
    "loan_state",
]

InterestCounting: TypeAlias = _typing.InterestCounting
"""When an hour of interest is charged (:ref:`rule-interest`).

``"binance"`` at borrowing and at every UTC ``HH:00`` after it up to and including
``until`` [published]; ``"started_hour"`` once per started hour since borrowing, Bybit
classic [published]; ``"clock_hour"`` at every UTC ``HH:00`` after borrowing but not at
borrowing, OKX-style [derived]; ``"kraken"`` at borrowing (the opening fee) and every 4
hours after it, the rate being per 4-hour period [published; the instant itself derived].
"""

_UTC: Final = timezone.utc
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=_UTC)
_ZERO: Final = Decimal(0)
_MICROSECOND: Final = timedelta(microseconds=1)
_HOUR: Final = 3_600_000_000  # one hour in microseconds
_KRAKEN_PERIOD: Final = 4 * _HOUR  # Kraken's rollover period
_GUARD_DIGITS: Final = 10  # the first extra digits of an enclosure of (1 + r)^n
_ALWAYS: Final = datetime.min.replace(tzinfo=_UTC)
_HOURS_PER_DAY: Final = 24

MAX_ACCRUAL_TIMES: Final = 1_000_000
"""The most instants :func:`accrual_times` lists (about 114 years of hours).

Counting, accruing and replaying a loan never list its instants (any span datetime can
hold is accepted there); :func:`accrual_count`, :func:`first_accrual` and
:func:`last_accrual` answer in constant time.
"""

MAX_ENTRIES: Final = 100_000
"""The most rate changes a :class:`RateSchedule` and repayments a loan may hold."""
_HOURS_PER_YEAR: Final = 365 * 24


def _utc(value: object, name: str) -> datetime:
    """``value`` as an aware UTC datetime, or InvalidInputError naming ``name``."""
    return aware_datetime(value, name)


def _micros(value: datetime) -> int:
    """Microseconds since 1970-01-01 00:00 UTC (clock hours are multiples of 3.6e9)."""
    return (value - _EPOCH) // _MICROSECOND


def _instant(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _utc(value, attribute.name)


def _hourly(rate: object, name: str, hours: int) -> Decimal:
    """A simple rate per period of ``hours`` hours as an hourly rate: ``rate / hours``.

    The one conversion behind :func:`hourly_from_daily`, :func:`hourly_from_yearly` and
    :class:`RateSchedule`'s ``from_daily`` / ``from_yearly`` (no compounding).
    """
    return non_negative_number(rate, name) / hours


def accrual_period(counting: InterestCounting) -> timedelta:
    r"""The span one accrual's rate covers under ``counting``: the unit of a schedule's rate.

    One hour for ``"binance"``, ``"started_hour"`` and ``"clock_hour"`` (the rate is
    hourly); four hours for ``"kraken"``, whose rollover fee is quoted per 4-hour period
    (:ref:`rule-kraken-rollover`). A daily rate ``r_day`` becomes the schedule's rate as

    .. math::

        r_{accrual} = r_{day} \cdot \frac{\text{accrual\_period}}{24\ \text{h}}

    Args:
        counting: an :data:`InterestCounting` rule.

    Returns:
        The period as a :class:`~datetime.timedelta`.

    Raises:
        InvalidInputError: if ``counting`` is not a known rule.

    References:
        :ref:`rule-interest`, :ref:`rule-kraken-rollover`.

    Examples:
        >>> accrual_period("binance")
        datetime.timedelta(seconds=3600)
        >>> accrual_period("kraken")
        datetime.timedelta(seconds=14400)
    """
    rule = choice(counting, InterestCounting, "counting")
    return timedelta(microseconds=_KRAKEN_PERIOD if rule == "kraken" else _HOUR)


@exact
def hourly_from_daily(rate: NumberLike) -> Decimal:
    r"""Convert a daily interest rate to the hourly rate Binance and Bybit charge.

    .. math::

        r_{hour} = r_{day} / 24

    Args:
        rate: the daily rate as a fraction (0.02% is ``"0.0002"``), ≥ 0.

    Returns:
        The hourly rate as a fraction, exact to levrisk's 50-digit precision.

    Raises:
        InvalidInputError: when ``rate`` is not a finite number or is negative.

    References:
        Binance margin FAQ on interest (legacy daily rates, hourly accrual);
        :ref:`rule-interest` [published].

    Examples:
        >>> hourly_from_daily("0.00024")
        Decimal('0.00001')

    .. versionadded:: 0.1.0
    """
    return _hourly(rate, "rate", _HOURS_PER_DAY)


@exact
def hourly_from_yearly(rate: NumberLike) -> Decimal:
    r"""Convert a yearly interest rate to an hourly rate, on a 365-day year.

    .. math::

        r_{hour} = r_{year} / (365 \cdot 24)

    Binance states yearly rates as the daily rate times 365 (no leap years, no
    compounding), so this is the inverse of that display. ``rate`` is the yearly rate as
    a fraction (8.76% is ``"0.0876"``), ≥ 0; the result and the errors are those of
    :func:`hourly_from_daily`. Source: Binance margin interest-rate page (yearly rate
    shown as daily × 365); :ref:`rule-interest` [published].

    Examples:
        >>> hourly_from_yearly("0.0876")
        Decimal('0.00001')

    .. versionadded:: 0.1.0
    """
    return _hourly(rate, "rate", _HOURS_PER_YEAR)


@attrs.frozen(kw_only=True)
class RateChange:
    """An hourly rate in force from ``since`` on (one entry of a :class:`RateSchedule`).

    Args:
        since: the timezone-aware instant from which ``hourly_rate`` applies.
        hourly_rate: the hourly interest rate as a fraction, ≥ 0.

    Raises:
        InvalidInputError: when ``since`` is not an aware datetime or ``hourly_rate``
            is not a finite non-negative number.

    Examples:
        >>> from datetime import datetime, timezone
        >>> change = RateChange(
        ...     since=datetime(2024, 1, 1, tzinfo=timezone.utc), hourly_rate="0.00001"
        ... )
        >>> change.hourly_rate
        Decimal('0.00001')

    .. versionadded:: 0.1.0
    """

    since: datetime = attrs.field(validator=_aware)
    hourly_rate: Decimal = attrs.field(converter=number, validator=non_negative)


def _from(since: datetime | None, hourly_rate: NumberLike) -> RateChange:
    """``hourly_rate`` in force from ``since`` (``None``: at every instant)."""
    return RateChange(since=_ALWAYS if since is None else since, hourly_rate=hourly_rate)


def _to_changes(value: Iterable[RateChange]) -> tuple[RateChange, ...]:
    try:
        return tuple(itertools.islice(value, MAX_ENTRIES + 1))
    except TypeError:
        return (value,)  # type: ignore[return-value]  # not iterable: the validator names it


@attrs.frozen(kw_only=True)
class RateSchedule:
    r"""Hourly interest rates, each in force from its instant until the next one.

    The first entry applies from its own instant on; asking for a rate before it is an
    error (levrisk does not guess a rate). A constant rate is the one-entry schedule
    from :meth:`constant`, in force at every instant.

    .. math::

        r(t) = r_k \quad\text{where}\quad since_k \le t < since_{k+1}

    Args:
        changes: the :class:`RateChange` entries, in strictly increasing ``since`` order.

    Raises:
        InvalidInputError: when ``changes`` is empty, holds something that is not a
            :class:`RateChange`, or its instants do not strictly increase.

    References:
        Binance margin FAQ on interest (the hourly rate can change every hour);
        :ref:`rule-interest` [published].

    Examples:
        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
        >>> t1 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
        >>> s = RateSchedule.from_pairs([(t0, "0.00001"), (t1, "0.00002")])
        >>> s.rate_at(datetime(2024, 5, 1, 11, 59, tzinfo=timezone.utc))
        Decimal('0.00001')
        >>> s.rate_at(t1)
        Decimal('0.00002')

    .. versionadded:: 0.1.0
    """

    changes: tuple[RateChange, ...] = attrs.field(converter=_to_changes)

    @changes.validator
    def _check(self, _attribute: attrs.Attribute[Any], value: tuple[RateChange, ...]) -> None:
        if not 0 < len(value) <= MAX_ENTRIES:
            msg = (
                f"changes must hold at most {MAX_ENTRIES} entries, got more"
                if value
                else "changes must hold at least one RateChange, got ()"
            )
            raise InvalidInputError(msg)
        for i, change in enumerate(value):
            require(change, RateChange, f"changes[{i}]")
            if i and _utc(change.since, "since") <= _utc(value[i - 1].since, "since"):
                msg = (
                    f"changes[{i}].since must be after changes[{i - 1}].since "
                    f"{value[i - 1].since.isoformat()}, got {change.since.isoformat()}"
                )
                raise InvalidInputError(msg)

    @classmethod
    def constant(cls, hourly_rate: NumberLike) -> RateSchedule:
        """A schedule with one hourly rate in force at every instant.

        Args:
            hourly_rate: the hourly rate as a fraction, ≥ 0.

        Raises:
            InvalidInputError: when ``hourly_rate`` is not a finite non-negative number.

        Examples:
            >>> RateSchedule.constant("0.00001").changes[0].hourly_rate
            Decimal('0.00001')
        """
        return cls(changes=[_from(None, hourly_rate)])

    @classmethod
    @exact
    def from_daily(cls, daily_rate: NumberLike, *, since: datetime | None = None) -> RateSchedule:
        """A constant schedule from a daily rate (``hourly = daily / 24``).

        Args:
            daily_rate: the daily rate as a fraction, ≥ 0.
            since: the instant the rate applies from; ``None`` (default): every instant.

        Raises:
            InvalidInputError: when ``daily_rate`` is negative or not a number, or
                ``since`` is not an aware datetime.

        Examples:
            >>> RateSchedule.from_daily("0.00024").changes[0].hourly_rate
            Decimal('0.00001')
        """
        return cls(changes=[_from(since, _hourly(daily_rate, "daily_rate", _HOURS_PER_DAY))])

    @classmethod
    @exact
    def from_yearly(cls, yearly_rate: NumberLike, *, since: datetime | None = None) -> RateSchedule:
        """A constant schedule from a yearly rate (``hourly = yearly / (365 · 24)``).

        As :meth:`from_daily`, with ``yearly_rate`` (a fraction, ≥ 0) converted by
        :func:`hourly_from_yearly`'s rule; errors name ``yearly_rate``.

        Examples:
            >>> RateSchedule.from_yearly("0.0876").changes[0].hourly_rate
            Decimal('0.00001')
        """
        return cls(changes=[_from(since, _hourly(yearly_rate, "yearly_rate", _HOURS_PER_YEAR))])

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[datetime, NumberLike]]) -> RateSchedule:
        """A schedule from ``(since, hourly_rate)`` pairs in increasing time order.

        Args:
            pairs: the instants and the hourly rates in force from them.

        Raises:
            InvalidInputError: when ``pairs`` is not an iterable of 2-item pairs, or an
                entry or the order is invalid (see :class:`RateSchedule`).

        Examples:
            >>> from datetime import datetime, timezone
            >>> t0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
            >>> len(RateSchedule.from_pairs([(t0, "0.00001")]).changes)
            1
        """
        changes = []
        try:
            items: list[object] = list(pairs)
        except TypeError:
            msg = f"pairs must be an iterable of (since, hourly_rate) pairs, got {pairs!r}"
            raise InvalidInputError(msg) from None
        for i, pair in enumerate(items):
            if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
                msg = f"pairs[{i}] must be a (since, hourly_rate) pair, got {pair!r}"
                raise InvalidInputError(msg)
            changes.append(RateChange(since=pair[0], hourly_rate=pair[1]))
        return cls(changes=changes)

    @property
    def start(self) -> datetime:
        """The instant of the first entry (no rate is defined before it)."""
        return self.changes[0].since

    def rate_at(self, instant: datetime) -> Decimal:
        """The hourly rate in force at ``instant``.

        Args:
            instant: a timezone-aware datetime, at or after ``start``.

        Returns:
            The hourly rate as a fraction.

        Raises:
            InvalidInputError: when ``instant`` is not an aware datetime or lies before
                the first entry (the message names the time).

        Examples:
            >>> from datetime import datetime, timezone
            >>> RateSchedule.constant("0.00001").rate_at(datetime(2024, 1, 1, tzinfo=timezone.utc))
            Decimal('0.00001')
        """
        at = _utc(instant, "instant")
        index = bisect.bisect_right([change.since for change in self.changes], at)
        if index == 0:
            msg = (
                f"instant must not be before the schedule's first entry "
                f"{self.start.isoformat()}, got {at.isoformat()}"
            )
            raise InvalidInputError(msg)
        return self.changes[index - 1].hourly_rate


@attrs.frozen(kw_only=True)
class LoanState:
    """What a loan owes at ``until``: the result of :func:`loan_state`.

    Args:
        principal: the principal still outstanding, in the borrowed asset.
        interest_outstanding: interest accrued and not yet repaid.
        interest_accrued: all interest accrued from borrowing to ``until``, repaid or
            not (what the loan cost so far).
        accruals: the number of accrual instants in the period, waived ones included.

    Raises:
        InvalidInputError: when an amount is negative or not a number.

    .. versionadded:: 0.1.0
    """

    principal: Decimal = attrs.field(converter=number, validator=non_negative)
    interest_outstanding: Decimal = attrs.field(converter=number, validator=non_negative)
    interest_accrued: Decimal = attrs.field(converter=number, validator=non_negative)
    accruals: int = attrs.field(validator=instance_of(int))

    @property
    @exact
    def owed(self) -> Decimal:
        """Principal plus outstanding interest, what repaying the loan in full costs."""
        return self.principal + self.interest_outstanding

    @property
    @exact
    def interest_repaid(self) -> Decimal:
        """Interest paid by the repayments so far."""
        return self.interest_accrued - self.interest_outstanding


@attrs.frozen(kw_only=True)
class Repayment:
    """A repayment of ``amount`` (in the borrowed asset) at the instant ``at``.

    A repayment pays the outstanding interest first, then principal. An accrual at the
    same instant happens first (see :func:`loan_state`).

    Args:
        at: the timezone-aware instant of the repayment.
        amount: the amount repaid, > 0, in the borrowed asset.

    Raises:
        InvalidInputError: when ``at`` is not an aware datetime or ``amount`` is not a
            positive number.

    Examples:
        >>> from datetime import datetime, timezone
        >>> repaid = Repayment(at=datetime(2024, 5, 1, 15, tzinfo=timezone.utc), amount=500)
        >>> repaid.amount, repaid.at.hour
        (Decimal('500'), 15)

    .. versionadded:: 0.1.0
    """

    at: datetime = attrs.field(validator=_aware)
    amount: Decimal = attrs.field(converter=number, validator=positive)


@attrs.define  # private and never changed: a plain (fast) init
class _Accruals:
    """Accrual instants in microseconds: an optional ``first``, then ``count`` every ``step``."""

    first: int | None
    start: int
    count: int
    started: bool = False
    step: int = _HOUR

    @classmethod
    def of(cls, borrowed: int, until: int, counting: InterestCounting) -> _Accruals:
        if counting == "started_hour":
            return cls(None, borrowed, max(1, -((borrowed - until) // _HOUR)), started=True)
        if counting == "kraken":
            return cls(
                borrowed,
                borrowed + _KRAKEN_PERIOD,
                (until - borrowed) // _KRAKEN_PERIOD,
                step=_KRAKEN_PERIOD,
            )
        boundary = (borrowed // _HOUR + 1) * _HOUR
        hours = (until - boundary) // _HOUR + 1 if until >= boundary else 0
        return cls(borrowed if counting == "binance" else None, boundary, hours)

    @property
    def total(self) -> int:
        return self.count + (self.first is not None)

    def at(self, index: int) -> int:
        if self.first is not None:
            if index == 0:
                return self.first
            index -= 1
        return self.start + index * self.step

    def through(self, micros: int) -> int:
        """How many accrual instants are ≤ ``micros``."""
        head = self.first is not None and self.first <= micros
        tail = (
            min(self.count, (micros - self.start) // self.step + 1) if micros >= self.start else 0
        )
        return head + tail

    def before(self, micros: int) -> int:
        """How many accrual instants are < ``micros``."""
        return self.through(micros - 1)

    def cuts(self, instants: Sequence[int], first: int) -> set[int]:
        """``{before(m) for m in instants[first:]}`` (increasing ``instants``), 0 and ``total``.

        Only the instants within ``(at(0), at(total − 1)]`` give another count than 0 or
        ``total``: the others are skipped by two bisections.
        """
        result = {0, self.total}
        if self.total and len(instants) > first:
            low = bisect.bisect_right(instants, self.at(0), first)
            high = bisect.bisect_right(instants, self.at(self.total - 1), low)
            result.update(self.before(m) for m in instants[low:high])
        return result

    def due(self, micros: int) -> int:
        """How many accruals happen before a repayment at ``micros`` (≥ borrowing).

        A clock-hour accrual at ``t`` is charged on a loan that ends at ``t``, so it comes
        first; a started hour that begins at ``t`` has not started for a loan repaid at
        ``t``, so the repayment comes first (the accrual at borrowing always happens).
        """
        if self.started:
            return max(1, self.before(micros))
        return self.through(micros)


def _period(borrowed_at: object, until: object, counting: object) -> _Accruals:
    return _span(borrowed_at, until, counting)[0]


def _span(
    borrowed_at: object, until: object, counting: object
) -> tuple[_Accruals, datetime, datetime]:
    """The accruals of the period, and its two ends in UTC (checked in this order)."""
    start = _utc(borrowed_at, "borrowed_at")
    end = _utc(until, "until")
    if end < start:
        msg = f"until must not be before borrowed_at {start.isoformat()}, got {end.isoformat()}"
        raise InvalidInputError(msg)
    return _accruals(start, end, counting), start, end


def _accruals(start: datetime, end: datetime, counting: object) -> _Accruals:
    """The accruals from ``start`` to ``end`` (checked: aware, in UTC, in order) by ``counting``."""
    return _Accruals.of(
        _micros(start), _micros(end), option(counting, InterestCounting, "counting")
    )


def accrual_times(
    borrowed_at: datetime, until: datetime, *, counting: InterestCounting = "binance"
) -> tuple[datetime, ...]:
    r"""The instants at which a loan open from ``borrowed_at`` to ``until`` accrues interest.

    With ``counting="binance"``:

    .. math::

        A = \{t_0\} \cup \{ t : t \text{ a UTC } HH{:}00,\; t_0 < t \le t_1 \}

    so the count is ``1 + #HH:00 boundaries in (borrowed_at, until]``, not
    ``ceil(elapsed hours)``. ``"started_hour"`` gives ``max(1, ceil((t_1 - t_0) / 1h))``
    instants ``t_0 + k`` hours; ``"clock_hour"`` the ``HH:00`` boundaries alone;
    ``"kraken"`` ``t_0`` and every ``t_0 + k·4`` hours (:ref:`rule-kraken-rollover`).

    Args:
        borrowed_at: when the loan was taken, timezone-aware (any zone).
        until: the end of the period (now, or the repayment), aware, ≥ ``borrowed_at``.
        counting: the venue's :data:`InterestCounting` rule.

    Returns:
        The accrual instants in UTC, in increasing order.

    Raises:
        InvalidInputError: when a datetime is naive or not a datetime, ``until`` is
            before ``borrowed_at``, ``counting`` is unknown, or the period holds more
            than :data:`MAX_ACCRUAL_TIMES` instants.

    References:
        Binance margin FAQ on interest (hourly, charged at borrowing and at every
        full UTC hour); Bybit classic spot-margin FAQ on interest (per started hour);
        :ref:`rule-interest` [published]; ``"clock_hour"`` [derived].

    Examples:
        >>> from datetime import datetime, timezone
        >>> utc = timezone.utc
        >>> [
        ...     t.strftime("%H:%M")
        ...     for t in accrual_times(
        ...         datetime(2024, 5, 1, 13, 20, tzinfo=utc),
        ...         datetime(2024, 5, 1, 14, 15, tzinfo=utc),
        ...     )
        ... ]
        ['13:20', '14:00']

    .. versionadded:: 0.1.0
    """
    accruals = _period(borrowed_at, until, counting)
    if accruals.total > MAX_ACCRUAL_TIMES:
        msg = (
            f"until must give at most {MAX_ACCRUAL_TIMES} accrual times to list "
            f"(use accrual_count, first_accrual and last_accrual), got {accruals.total}"
        )
        raise InvalidInputError(msg)
    return tuple(_instant(accruals.at(i)) for i in range(accruals.total))


def accrual_count(
    borrowed_at: datetime, until: datetime, *, counting: InterestCounting = "binance"
) -> int:
    r"""How many times a loan open from ``borrowed_at`` to ``until`` accrues interest.

    ``len(accrual_times(borrowed_at, until, counting=counting))``, counted in constant
    time (nothing is listed: a loan of two centuries costs what a loan of a day costs).
    With ``counting="binance"``:

    .. math::

        |A| = 1 + \#\{ t : t \text{ a UTC } HH{:}00,\; t_0 < t \le t_1 \}

    ``"started_hour"`` gives ``max(1, ceil((t_1 - t_0) / 1h))``; ``"clock_hour"`` the
    number of ``HH:00`` boundaries in ``(t_0, t_1]``; ``"kraken"``
    ``1 + ⌊(t_1 − t_0) / 4h⌋``.

    Args:
        borrowed_at: when the loan was taken, timezone-aware (any zone).
        until: the end of the period (now, or the repayment), aware, ≥ ``borrowed_at``.
        counting: the venue's :data:`InterestCounting` rule.

    Returns:
        The number of accrual instants (an ``int`` ≥ 0).

    Raises:
        InvalidInputError: as :func:`accrual_times`, whose sources it shares
            (:ref:`rule-interest` [published]; ``"clock_hour"`` [derived]).

    Examples:
        >>> from datetime import datetime, timedelta, timezone
        >>> utc = timezone(timedelta(0))
        >>> accrual_count(
        ...     datetime(2024, 5, 1, 13, 20, tzinfo=utc), datetime(2024, 5, 1, 14, 15, tzinfo=utc)
        ... )
        2
        >>> accrual_count(datetime(1824, 5, 1, tzinfo=utc), datetime(2024, 5, 1, tzinfo=utc))
        1753177

    .. versionadded:: 0.1.0
    """
    return _period(borrowed_at, until, counting).total


def first_accrual(
    borrowed_at: datetime, until: datetime, *, counting: InterestCounting = "binance"
) -> datetime | None:
    r"""The first instant at which a loan open from ``borrowed_at`` to ``until`` accrues.

    ``accrual_times(borrowed_at, until, counting=counting)[0]``, found in constant time;
    ``None`` when the period holds no accrual (``"clock_hour"`` before the next ``HH:00``).

    Args:
        borrowed_at: when the loan was taken, timezone-aware (any zone).
        until: the end of the period (now, or the repayment), aware, ≥ ``borrowed_at``.
        counting: the venue's :data:`InterestCounting` rule.

    Returns:
        The first accrual instant in UTC, or ``None`` when there is none.

    Raises:
        InvalidInputError: as :func:`accrual_count`.

    References:
        :ref:`rule-interest` [published]; ``"clock_hour"`` [derived].

    Examples:
        >>> from datetime import datetime, timezone
        >>> utc = timezone.utc
        >>> first_accrual(
        ...     datetime(2024, 5, 1, 13, 20, tzinfo=utc),
        ...     datetime(2024, 5, 1, 14, 15, tzinfo=utc),
        ...     counting="clock_hour",
        ... ).isoformat()
        '2024-05-01T14:00:00+00:00'

    .. versionadded:: 0.1.0
    """
    accruals = _period(borrowed_at, until, counting)
    return _instant(accruals.at(0)) if accruals.total else None


def last_accrual(
    borrowed_at: datetime, until: datetime, *, counting: InterestCounting = "binance"
) -> datetime | None:
    r"""The last instant at which a loan open from ``borrowed_at`` to ``until`` accrues.

    ``accrual_times(borrowed_at, until, counting=counting)[-1]`` in constant time: a loan
    of two centuries costs what a loan of a day costs. ``None`` when there is none.

    ``borrowed_at``, ``until`` and ``counting`` are those of :func:`first_accrual`, and so
    are the errors (InvalidInputError) and the sources (:ref:`rule-interest` [published];
    ``"clock_hour"`` [derived]). Returns the last accrual instant in UTC, or ``None``.

    Examples:
        >>> from datetime import datetime, timezone
        >>> start = datetime(1824, 5, 1, 13, 20, tzinfo=timezone.utc)
        >>> last_accrual(start, datetime(2024, 5, 1, 14, 15, tzinfo=timezone.utc)).hour
        14

    .. versionadded:: 0.1.0
    """
    accruals = _period(borrowed_at, until, counting)
    return _instant(accruals.at(accruals.total - 1)) if accruals.total else None


def _schedule(schedule: RateSchedule | NumberLike, name: str = "schedule") -> RateSchedule:
    """``schedule`` as a :class:`RateSchedule` (a number is a constant hourly rate ≥ 0).

    ``name`` is the keyword the caller gave the rate by, for the error message.
    """
    if isinstance(schedule, RateSchedule):
        return schedule
    return RateSchedule.constant(non_negative_number(schedule, name))


class _Rates(NamedTuple):
    """A schedule ready to compute with: the instants in microseconds and the rates.

    ``start`` is the first entry's instant as given (shown in messages); a constant rate
    given as a number is in force at every instant, like :meth:`RateSchedule.constant`.
    """

    start: datetime
    instants: Sequence[int]
    rates: Sequence[Decimal]

    def rate(self, micros: int) -> Decimal:
        """The rate in force at ``micros`` (at or after the first instant)."""
        return self.rates[bisect.bisect_right(self.instants, micros) - 1]


_TABLES: Final[dict[int, tuple[weakref.ref[RateSchedule], _Rates]]] = {}
"""Each live schedule's :class:`_Rates`, by ``id``: computed once per (immutable) schedule."""


def _table(schedule: RateSchedule) -> _Rates:
    """The cached :class:`_Rates` of ``schedule`` (the entry goes when the schedule does)."""
    key = id(schedule)
    hit = _TABLES.get(key)
    if hit is not None and hit[0]() is schedule:
        return hit[1]
    changes = schedule.changes
    table = _Rates(
        schedule.start,
        [_micros(_utc(change.since, "since")) for change in changes],
        [change.hourly_rate for change in changes],
    )

    def forget(ref: weakref.ref[RateSchedule]) -> None:
        if _TABLES.get(key, (None,))[0] is ref:
            del _TABLES[key]

    _TABLES[key] = (weakref.ref(schedule, forget), table)
    return table


_ALWAYS_MICROS: Final = (_ALWAYS - _EPOCH) // _MICROSECOND


def _rates(schedule: RateSchedule | NumberLike, name: str = "schedule") -> _Rates:
    """``schedule`` as :class:`_Rates`, checked as :func:`_schedule` checks it."""
    if isinstance(schedule, RateSchedule):
        return _table(schedule)
    return _constant(non_negative_number(schedule, name))


def _constant(rate: Decimal) -> _Rates:
    """A checked constant hourly rate as :class:`_Rates`: in force at every instant."""
    return _Rates(_ALWAYS, (_ALWAYS_MICROS,), (rate,))


def _given_rate(
    schedule: RateSchedule | NumberLike | None, hourly_rate: RateSchedule | NumberLike | None
) -> tuple[RateSchedule | NumberLike | None, str]:
    """The rate a caller gave and the keyword it came by (``schedule`` or ``hourly_rate``).

    ``schedule`` is the keyword of every entry point that takes a rate; ``hourly_rate`` is
    its deprecated alias, kept for compatibility. Both at once: InvalidInputError.
    """
    if hourly_rate is None:
        return schedule, "schedule"
    if schedule is not None:
        msg = f"give schedule or hourly_rate, not both: got {schedule!r} and {hourly_rate!r}"
        raise InvalidInputError(msg)
    return hourly_rate, "hourly_rate"


def _power_bound(base: Decimal, n: int, context: decimal.Context) -> Decimal:
    """``base ** n`` (``base ≥ 1``, ``n ≥ 1``) by squaring, every step rounded one way.

    Each product of numbers ≥ 1 is rounded by ``context``'s directed rounding, so the
    result is a bound of the exact power: below it under ``ROUND_FLOOR``, above it under
    ``ROUND_CEILING``. ``O(log n)`` products.
    """
    result = Decimal(1)
    while True:
        if n & 1:
            result = context.multiply(result, base)
        n >>= 1
        if not n:
            return result
        base = context.multiply(base, base)


def _compound_growth(rate: Decimal, n: int) -> Decimal:
    """``(1 + rate)^n − 1`` correctly rounded in the current context (``rate ≥ 0``, ``n ≥ 0``).

    The exact value is enclosed between a lower and an upper bound computed with directed
    rounding at more digits than the context's (enough, to start with, for the cancellation
    of ``− 1``: the value is at least ``n·rate``); when both bounds round to the same
    number, that number is the correctly rounded value, otherwise the digits double.
    ``O(log n)`` products at each precision.
    """
    context = decimal.getcontext()
    if not rate or not n:
        return Decimal(0)
    guard = _GUARD_DIGITS
    while True:
        digits = context.prec + guard + max(0, -(rate * n).adjusted())
        bounds = []
        for rounding in (decimal.ROUND_FLOOR, decimal.ROUND_CEILING):
            local = context.copy()
            local.prec = digits
            local.rounding = rounding
            power = _power_bound(local.add(1, rate), n, local)
            bounds.append(context.plus(local.subtract(power, 1)))
        if bounds[0] == bounds[1]:
            return bounds[0]
        guard *= 2


def _compounding(compounding: object) -> bool:
    if not isinstance(compounding, bool):
        msg = f"compounding must be True or False, got {compounding!r}"
        raise InvalidInputError(msg)
    return compounding


def _waived(waived_hours: object) -> int:
    if isinstance(waived_hours, bool) or not isinstance(waived_hours, int) or waived_hours < 0:
        msg = f"waived_hours must be a non-negative int, got {waived_hours!r}"
        raise InvalidInputError(msg)
    return waived_hours


def _repayments(repayments: Iterable[Repayment], start: datetime, end: datetime) -> list[Repayment]:
    try:
        items = list(itertools.islice(repayments, MAX_ENTRIES + 1))
    except TypeError:
        msg = f"repayments must be an iterable of Repayment, got {repayments!r}"
        raise InvalidInputError(msg) from None
    if len(items) > MAX_ENTRIES:
        msg = f"repayments must hold at most {MAX_ENTRIES} entries, got more"
        raise InvalidInputError(msg)
    for i, item in enumerate(items):
        require(item, Repayment, f"repayments[{i}]")
        if not start <= _utc(item.at, "at") <= end:
            msg = (
                f"repayments[{i}].at must lie between borrowed_at {start.isoformat()} and "
                f"until {end.isoformat()}, got {item.at.isoformat()}"
            )
            raise InvalidInputError(msg)
    return sorted(items, key=lambda item: _utc(item.at, "at"))


@exact
def loan_state(
    principal: NumberLike,
    schedule: RateSchedule | NumberLike,
    borrowed_at: datetime,
    until: datetime,
    *,
    waived_hours: int = 0,
    repayments: Iterable[Repayment] = (),
    counting: InterestCounting = "binance",
    compounding: bool = False,
) -> LoanState:
    r"""Replay a loan from ``borrowed_at`` to ``until``: principal and interest still owed.

    At each accrual instant ``t`` (see :func:`accrual_times`) the loan accrues
    ``P(t) · r(t)`` in the borrowed asset, where ``P(t)`` is the principal outstanding
    at ``t`` and ``r(t)`` the hourly rate in force; the first ``waived_hours`` accruals
    are free. A repayment pays the outstanding interest first and then principal; later
    accruals are on the remaining principal. Interest never earns interest (simple
    interest).

    .. math::

        I = \sum_{t \in A,\; t \text{ not waived}} P(t) \cdot r(t)

    Same instant: a repayment at ``t`` is ordered so that a loan repaid in full at ``t``
    costs exactly what the same loan observed ``until=t`` accrues, and a loan repaid in
    full stops accruing. So under ``"binance"`` and ``"clock_hour"`` an ``HH:00`` accrual
    at ``t`` happens **before** a repayment at ``t`` (the hour is charged on the principal
    outstanding at that instant; ``until`` is inclusive), and so does the accrual at the
    moment of borrowing; under ``"started_hour"`` a repayment at ``borrowed_at + k`` hours
    (``k ≥ 1``) comes **first**, since that hour has not started for a loan repaid then.

    Args:
        principal: the amount borrowed, ≥ 0, in the borrowed asset.
        schedule: a :class:`RateSchedule`, or a number: a constant hourly rate (≥ 0).
        borrowed_at: when the loan was taken, timezone-aware.
        until: the end of the period, aware, ≥ ``borrowed_at``.
        waived_hours: how many of the first accruals are free (interest-free-hours
            promotions, e.g. new-user coupons), an ``int`` ≥ 0. They still count in
            ``LoanState.accruals``.
        repayments: :class:`Repayment` objects between ``borrowed_at`` and ``until``
            (any order; applied in time order, equal times in the given order).
        counting: the venue's :data:`InterestCounting` rule.
        compounding: ``True`` to charge each accrual on the balance then owed,
            ``(P(t) + I_{out}(t)) · r(t)``: over ``n`` accruals at one rate, without a
            repayment, ``B`` grows to ``B·(1 + r)^n`` (``(1 + r)^n − 1`` correctly rounded,
            in ``O(log n)``; rate changes and repayments split the span). Default
            ``False``: simple interest.

    Returns:
        The :class:`LoanState` at ``until``; amounts exact, unrounded.

    Raises:
        InvalidInputError: when an argument is out of its domain (the message names
            it): a naive or non-datetime time, ``until < borrowed_at``, a negative
            principal or rate, bad ``waived_hours``, an unknown ``counting``, a
            ``compounding`` that is not a bool, a schedule
            that starts after the first accrual, a repayment outside the period, or a
            repayment above what is owed at its instant.

    References:
        Binance margin FAQs on interest and on repayment (interest is
        repaid first); :ref:`rule-interest` [published]; the same-instant order [derived];
        Crypto.com Help Center, "Daily Interest Rates" (compounding hourly interest),
        :ref:`rule-interest-compounding` [published].

    Examples:
        >>> from datetime import datetime, timezone
        >>> utc = timezone.utc
        >>> state = loan_state(
        ...     1000,
        ...     "0.00001",
        ...     datetime(2024, 5, 1, 13, 55, tzinfo=utc),
        ...     datetime(2024, 5, 1, 16, 30, tzinfo=utc),
        ...     repayments=[
        ...         Repayment(at=datetime(2024, 5, 1, 14, 30, tzinfo=utc), amount="500.02")
        ...     ],
        ... )
        >>> state.principal, state.interest_accrued, state.accruals
        (Decimal('500.00000'), Decimal('0.0300000000'), 4)

    .. versionadded:: 0.1.0
    """
    outstanding, interest, accrued, accruals = _replay(
        principal, schedule, borrowed_at, until, waived_hours, repayments, counting, compounding
    )
    return trusted(  # every value is checked or computed from checked ones
        LoanState,
        principal=outstanding,
        interest_outstanding=interest,
        interest_accrued=accrued,
        accruals=accruals.total,
    )


def _replay(  # noqa: PLR0917 - loan_state's arguments, in its order
    principal: object,
    schedule: RateSchedule | NumberLike,
    borrowed_at: object,
    until: object,
    waived_hours: object,
    repayments: Iterable[Repayment],
    counting: object,
    compounding: object,
    name: str = "schedule",
) -> tuple[Decimal, Decimal, Decimal, _Accruals]:
    """:func:`loan_state`: every argument checked in its documented order, then the replay.

    The principal and interest outstanding, the interest accrued and the accruals. ``name``
    is the keyword the caller gave the schedule by, for the error message.
    """
    outstanding = non_negative_number(principal, "principal")
    rates = _rates(schedule, name)
    free = _waived(waived_hours)
    compound = _compounding(compounding)
    accruals, start, end = _span(borrowed_at, until, counting)
    return _run(outstanding, rates, free, compound, accruals, (repayments, start, end))


def _loan_interest(  # noqa: PLR0917 - accrued_interest's arguments, in its order
    principal: Decimal,
    schedule: RateSchedule | NumberLike,
    borrowed_at: datetime,
    until: datetime,
    waived_hours: object,
    counting: object,
    compounding: object,
    name: str,
) -> Decimal:
    """:func:`accrued_interest` of a loan without repayments whose amount and period are checked.

    ``principal ≥ 0``; ``borrowed_at ≤ until``, both aware, ``until`` in UTC (a checked
    ``MarginTrade`` and its checked closing time). The other arguments are checked as
    :func:`_replay` checks them, in its order.
    """
    # the checks of _replay, in its order (a RateSchedule is checked: its table comes later)
    rate = None if isinstance(schedule, RateSchedule) else non_negative_number(schedule, name)
    free = _waived(waived_hours)
    compound = _compounding(compounding)
    start = borrowed_at.astimezone(_UTC)
    accruals = _accruals(start, until, counting)
    if rate is not None and not compound:  # a rate in force at every instant: one segment
        return _one_rate(principal, rate, accruals.total, free)
    rates = _rates(schedule, name) if rate is None else _constant(rate)
    return _run(principal, rates, free, compound, accruals, ((), start, until))[2]


def _one_rate(principal: Decimal, rate: Decimal, count: int, free: int) -> Decimal:
    """Simple interest at one rate over ``count`` accruals, the first ``free`` of them waived."""
    accrued = _ZERO
    if free < count:
        accrued += principal * rate * (count - free)
    return accrued


def _run(  # noqa: PLR0917 - the checked terms of _replay, in its order
    outstanding: Decimal,
    rates: _Rates,
    free: int,
    compound: bool,  # noqa: FBT001 - a checked flag, passed on in order
    accruals: _Accruals,
    repaid: tuple[Iterable[Repayment], datetime, datetime],
) -> tuple[Decimal, Decimal, Decimal, _Accruals]:
    """The replay of :func:`_replay` on checked terms, the rest of its checks in its order.

    ``repaid``: the repayments (unchecked) and the period's two ends in UTC. Refuses a
    schedule without a rate at the first accrual, a repayment outside the period and one
    above what is owed at its instant.
    """
    if accruals.total and accruals.at(0) < rates.instants[0]:
        first = _instant(accruals.at(0))
        msg = (
            f"schedule must have a rate at the first accrual {first.isoformat()}, "
            f"but its first entry is {rates.start.isoformat()}"
        )
        raise InvalidInputError(msg)
    repayments, start, end = repaid
    empty = type(repayments) is tuple and not repayments
    paid = [] if empty else _repayments(repayments, start, end)
    if not paid and not compound and len(rates.rates) == 1:  # one rate, one segment
        accrued = _one_rate(outstanding, rates.rates[0], accruals.total, free)
        return outstanding, accrued, accrued, accruals
    due = [accruals.due(_micros(_utc(item.at, "at"))) for item in paid]
    cuts = accruals.cuts(rates.instants, 1)
    cuts.update(due)
    cuts.add(min(free, accruals.total))
    accrued = Decimal(0)
    interest = Decimal(0)
    done = 0
    queue = 0
    for cut in sorted(cuts):
        if cut > done:
            if done >= free:
                rate = rates.rate(accruals.at(done))
                if compound:  # on the balance then owed, at every accrual of the segment
                    charge = (outstanding + interest) * _compound_growth(rate, cut - done)
                else:
                    charge = outstanding * rate * (cut - done)
                accrued += charge
                interest += charge
            done = cut
        while queue < len(paid) and due[queue] == cut:
            item = paid[queue]
            if item.amount > outstanding + interest:
                msg = (
                    f"repayments amount must not exceed the {outstanding + interest!r} owed at "
                    f"{_utc(item.at, 'at').isoformat()}, got {item.amount!r}"
                )
                raise InvalidInputError(msg)
            to_interest = min(item.amount, interest)
            interest -= to_interest
            outstanding -= item.amount - to_interest
            queue += 1
    return outstanding, interest, accrued, accruals


@exact
def accrued_interest(
    principal: NumberLike,
    schedule: RateSchedule | NumberLike,
    borrowed_at: datetime,
    until: datetime,
    *,
    repayments: Iterable[Repayment] = (),
    waived_hours: int = 0,
    counting: InterestCounting = "binance",
    compounding: bool = False,
) -> Decimal:
    r"""Interest a loan accrues from ``borrowed_at`` to ``until``, in the borrowed asset.

    .. math::

        I = \sum_{t \in A,\; t \text{ not waived}} P(t) \cdot r(t)
        \;\overset{\text{constant } r,\ \text{no repayment}}{=}\;
        P \cdot r \cdot (|A| - \text{waived})

    The total accrued over the period, including interest already paid by
    ``repayments``; :func:`loan_state` tells what is still owed. Arguments and rules
    (waived hours, repayments, same-instant order) as in :func:`loan_state`.

    Args:
        principal: the amount borrowed, ≥ 0, in the borrowed asset.
        schedule: a :class:`RateSchedule`, or a number: a constant hourly rate (≥ 0).
        borrowed_at: when the loan was taken, timezone-aware.
        until: the end of the period, aware, ≥ ``borrowed_at``.
        waived_hours: how many of the first accruals are free, an ``int`` ≥ 0.
        repayments: :class:`Repayment` objects between ``borrowed_at`` and ``until``.
        counting: the venue's :data:`InterestCounting` rule.
        compounding: charge each accrual on the balance then owed, as in
            :func:`loan_state` (default ``False``, simple interest).

    Returns:
        The interest, exact and unrounded (Binance displays 8 decimals).

    Raises:
        InvalidInputError: as :func:`loan_state`.

    References:
        Binance margin FAQ on interest; Bybit classic spot-margin FAQ on interest;
        :ref:`rule-interest` [published]; Crypto.com Help Center, "Daily Interest Rates"
        (https://help.crypto.com/en/articles/4642940-daily-interest-rates),
        :ref:`rule-interest-compounding` [published].

    Examples:
        Binance: 1,000 USDT at 0.001%/h from 13:55 to 14:30 accrues at 13:55 and 14:00:

        >>> from datetime import datetime, timezone
        >>> borrowed = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
        >>> accrued_interest(1000, "0.00001", borrowed, borrowed.replace(hour=14, minute=30))
        Decimal('0.02000')

        Crypto.com: 1,000 USDT from 12:05 to 14:15 at 0.052 % a day, compounded at 13:00
        and 14:00 (shown as 0.04333 USDT):

        >>> crypto_com = {"counting": "clock_hour", "compounding": True}
        >>> opened, repaid = borrowed.replace(hour=12, minute=5), borrowed.replace(minute=15)
        >>> daily = hourly_from_daily("0.00052")
        >>> accrued_interest(1000, daily, opened, repaid.replace(hour=14), **crypto_com)
        Decimal('0.043333802777777777777777777777777777777777777777778')

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       ``compounding``.
    """
    return _replay(
        principal, schedule, borrowed_at, until, waived_hours, repayments, counting, compounding
    )[2]
