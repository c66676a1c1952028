"""Interest accrual counts over arrays of loans (:ref:`rule-interest`)."""

from __future__ import annotations

from typing import Any

import array_api_compat

from levrisk._typing import options
from levrisk.batch._common import Array, as_float, broadcast_flat, check_rows, namespace, quiet
from levrisk.exceptions import InvalidInputError
from levrisk.interest import InterestCounting

_HOUR = 3600


def _is_datetime(value: object) -> bool:
    array: Any = value
    return array_api_compat.is_numpy_array(array) and array.dtype.kind == "M"


_COUNTINGS = options(InterestCounting)
_KRAKEN_HOURS = 4  # Kraken's rollover period (levrisk.interest.accrual_period("kraken"))
_FINE = ("ns", "ps", "fs", "as")
"""datetime64 units finer than a microsecond: counted in nanoseconds (else microseconds)."""


def _count(
    xp: Any,  # noqa: ANN401
    hours_start: Array,
    hours_end: Array,
    started: Array,
    counting: InterestCounting,
    *,
    periods: Array,
) -> Array:
    """The count by rule, from the floor hours, the started hours and the whole 4-hour periods."""
    if counting == "kraken":
        return 1 + periods
    if counting == "binance":
        return 1 + hours_end - hours_start
    if counting == "clock_hour":
        return hours_end - hours_start
    return xp.maximum(started, xp.ones_like(started))


def _datetime_counts(
    xp: Any,  # noqa: ANN401
    borrowed_at: Array,
    until: Array,
    counting: InterestCounting,
) -> Array:
    import numpy as np  # noqa: PLC0415 - datetime64 arrays are NumPy arrays

    for name, value in (("borrowed_at", borrowed_at), ("until", until)):
        check_rows(
            xp,
            np.isnat(value),
            name=name,
            rule="a datetime64 instant, not NaT",
            values=np.zeros(value.shape),
        )
    fine = any(np.datetime_data(v.dtype)[0] in _FINE for v in (borrowed_at, until))
    unit, per_hour = ("ns", 3_600 * 10**9) if fine else ("us", 3_600 * 10**6)
    shape, (start, end) = broadcast_flat(
        xp, borrowed_at.astype(f"datetime64[{unit}]"), until.astype(f"datetime64[{unit}]")
    )
    elapsed = end - start
    check_rows(
        xp,
        elapsed < np.timedelta64(0),
        name="until",
        rule="at or after borrowed_at",
        values=elapsed / np.timedelta64(1, "s"),
    )
    ticks = elapsed.astype(np.int64)
    started = -((-ticks) // per_hour)
    hours_start = start.astype("datetime64[h]").astype(np.int64)
    hours_end = end.astype("datetime64[h]").astype(np.int64)
    periods = ticks // (_KRAKEN_HOURS * per_hour)
    return xp.reshape(_count(xp, hours_start, hours_end, started, counting, periods=periods), shape)


def _seconds(xp: Any, value: Array, *, name: str) -> Array:  # noqa: ANN401
    """Seconds as int64 (integer input, exact) or float64 (real input), validated."""
    if array_api_compat.is_array_api_obj(value) and xp.isdtype(value.dtype, "integral"):
        return xp.astype(value, xp.int64)
    seconds = as_float(xp, value, name=name)
    check_rows(xp, ~xp.isfinite(seconds), name=name, rule="finite", values=seconds)
    return seconds


@quiet
def accrual_counts(
    borrowed_at: Array, until: Array, *, counting: InterestCounting = "binance"
) -> Array:
    r"""Number of hourly interest accruals of each loan, by a venue's counting rule.

    With ``counting="binance"`` one hour accrues at the moment of borrowing, then one
    more at each UTC ``HH:00`` boundary while the loan is open:

    .. math::

        \text{accruals} = 1 + \#\{t = HH{:}00 : \text{borrowed\_at} < t \le \text{until}\}
        = 1 + \lfloor u / 3600 \rfloor - \lfloor b / 3600 \rfloor

    with ``b`` and ``u`` in seconds since the Unix epoch (UTC). This is not
    ``ceil(elapsed hours)``: 13:20 → 14:15 accrues 2, 09:20 → 09:55 accrues 1.
    ``"started_hour"`` counts ``max(1, ceil((u − b) / 3600))`` and ``"clock_hour"``
    the boundaries alone, ``⌊u/3600⌋ − ⌊b/3600⌋``; ``"kraken"`` the opening fee and one
    rollover per whole 4 hours, ``1 + ⌊(u − b) / 14400⌋`` (:ref:`rule-kraken-rollover`):
    the same rules as ``levrisk.interest.accrual_times``, whose tuple length this returns.

    Args:
        borrowed_at: borrowing instants: seconds since the epoch (an integer array,
            counted exactly, or a real array), or a NumPy ``datetime64`` array (NumPy's
            datetimes carry no time zone; they are read as UTC).
        until: the instants to count up to, in the same form, each ≥ its
            ``borrowed_at``.
        counting: ``"binance"`` (default), ``"started_hour"``, ``"clock_hour"`` or
            ``"kraken"``.

    Returns:
        An int64 array of accrual counts with the broadcast shape (for float seconds,
        int64 as well).

    Raises:
        InvalidInputError: for non-finite seconds or NaT, ``until`` before
            ``borrowed_at`` (rows listed), a mix of datetime64 and seconds, an unknown
            ``counting``, non-real arguments, or shapes that do not broadcast.

    References:
        Binance margin FAQ on interest (hourly, charged at borrowing and at every full
        UTC hour); Bybit classic spot-margin FAQ (per started hour); :ref:`rule-interest`
        [published]; ``"clock_hour"`` [derived].

    Examples:
        >>> import numpy as np
        >>> b = np.array(["2024-01-01T13:20", "2024-01-01T09:20"], dtype="datetime64[m]")
        >>> u = np.array(["2024-01-01T14:15", "2024-01-01T09:55"], dtype="datetime64[m]")
        >>> accrual_counts(b, u)
        array([2, 1])
        >>> accrual_counts(
        ...     np.array([8 * 3600 + 300]), np.array([10 * 3600]), counting="started_hour"
        ... )
        array([2])

    .. versionadded:: 0.1.0
    """
    chosen: object = counting
    if not isinstance(chosen, str) or chosen not in _COUNTINGS:
        msg = f"counting must be one of {sorted(_COUNTINGS)}, got {counting!r}"
        raise InvalidInputError(msg)
    xp = namespace(borrowed_at, until)
    dated = (_is_datetime(borrowed_at), _is_datetime(until))
    if dated == (True, True):
        return _datetime_counts(xp, borrowed_at, until, counting)
    if any(dated):
        msg = "borrowed_at and until must both be datetime64 arrays or both epoch seconds"
        raise InvalidInputError(msg)
    start = _seconds(xp, borrowed_at, name="borrowed_at")
    end = _seconds(xp, until, name="until")
    if start.dtype != end.dtype:
        start, end = xp.astype(start, xp.float64), xp.astype(end, xp.float64)
    shape, (start, end) = broadcast_flat(xp, start, end)
    elapsed = end - start
    check_rows(
        xp,
        elapsed < 0,
        name="until",
        rule="at or after borrowed_at",
        values=xp.astype(elapsed, xp.float64),
    )
    if xp.isdtype(start.dtype, "integral"):
        hours_start = start // _HOUR
        hours_end = end // _HOUR
        started = -((-elapsed) // _HOUR)
        periods = elapsed // (_KRAKEN_HOURS * _HOUR)
    else:
        hours_start = xp.astype(xp.floor(start / _HOUR), xp.int64)
        hours_end = xp.astype(xp.floor(end / _HOUR), xp.int64)
        started = xp.astype(xp.ceil(elapsed / _HOUR), xp.int64)
        periods = xp.astype(xp.floor(elapsed / (_KRAKEN_HOURS * _HOUR)), xp.int64)
    return xp.reshape(_count(xp, hours_start, hours_end, started, counting, periods=periods), shape)
