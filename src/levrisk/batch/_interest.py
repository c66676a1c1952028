"""Interest accrual counts over arrays of loans (FORMULAS.md §2.2)."""

from __future__ import annotations

from typing import Any

import array_api_compat

from levrisk.batch._common import Array, as_float, broadcast_flat, check_rows, namespace, quiet
from levrisk.exceptions import InvalidInputError

_HOUR = 3600


def _is_datetime(value: object) -> bool:
    array: Any = value
    return array_api_compat.is_numpy_array(array) and array.dtype.kind == "M"


def _datetime_counts(xp: Any, borrowed_at: Array, until: Array) -> Array:  # noqa: ANN401
    import numpy as np  # noqa: PLC0415 - datetime64 arrays are NumPy arrays

    for name, value in (("borrowed_at", borrowed_at), ("until", until)):
        check_rows(
            xp,
            np.isnat(value),
            name=name,
            rule="a datetime64 instant, not NaT",
            values=np.zeros(value.shape),
        )
    shape, (start, end) = broadcast_flat(xp, borrowed_at, until)
    check_rows(
        xp,
        end < start,
        name="until",
        rule="at or after borrowed_at",
        values=(end - start) / np.timedelta64(1, "s"),
    )
    hours_start = start.astype("datetime64[h]").astype(np.int64)
    hours_end = end.astype("datetime64[h]").astype(np.int64)
    return xp.reshape(1 + hours_end - hours_start, shape)


def _seconds_hours(xp: Any, value: Array, *, name: str) -> tuple[Array, Array]:  # noqa: ANN401
    """``(seconds, floor hour)``: exact integer arithmetic for integer arrays."""
    if array_api_compat.is_array_api_obj(value) and xp.isdtype(value.dtype, "integral"):
        integral = xp.astype(value, xp.int64)
        return integral, xp.floor_divide(integral, _HOUR)
    seconds = as_float(xp, value, name=name)
    check_rows(xp, ~xp.isfinite(seconds), name=name, rule="finite", values=seconds)
    return seconds, xp.astype(xp.floor(seconds / _HOUR), xp.int64)


@quiet
def accrual_counts(borrowed_at: Array, until: Array) -> Array:
    r"""Number of hourly interest accruals of each loan, Binance rule.

    One hour accrues at the moment of borrowing, then one more at each UTC ``HH:00``
    boundary while the loan is open:

    .. math::

        \text{accruals} = 1 + \#\{t = HH{:}00 : \text{borrowed\_at} < t \le \text{until}\}
        = 1 + \lfloor u / 3600 \rfloor - \lfloor b / 3600 \rfloor

    with ``b`` and ``u`` in seconds since the Unix epoch (UTC). This is not
    ``ceil(elapsed hours)``: 13:20 → 14:15 accrues 2, 09:20 → 09:55 accrues 1.

    Args:
        borrowed_at: borrowing instants: seconds since the epoch (an integer or real
            array, UTC), or a NumPy ``datetime64`` array (NumPy's datetimes carry no
            time zone; they are read as UTC).
        until: the instants to count up to, in the same form, each ≥ its
            ``borrowed_at``.

    Returns:
        An int64 array of accrual counts (≥ 1) with the broadcast shape.

    Raises:
        InvalidInputError: for non-finite seconds or NaT, ``until`` before
            ``borrowed_at`` (rows listed), a mix of datetime64 and seconds, non-real
            arguments, or shapes that do not broadcast.

    References:
        Binance, "Margin Interest Rate" (hourly interest); FORMULAS.md §2.2 [published].

    Examples:
        >>> import numpy as np
        >>> b = np.array(["2024-01-01T13:20", "2024-01-01T09:20"], dtype="datetime64[m]")
        >>> u = np.array(["2024-01-01T14:15", "2024-01-01T09:55"], dtype="datetime64[m]")
        >>> accrual_counts(b, u)
        array([2, 1])

    .. versionadded:: 0.1.0
    """
    xp = namespace(borrowed_at, until)
    dated = (_is_datetime(borrowed_at), _is_datetime(until))
    if dated == (True, True):
        return _datetime_counts(xp, borrowed_at, until)
    if any(dated):
        msg = "borrowed_at and until must both be datetime64 arrays or both epoch seconds"
        raise InvalidInputError(msg)
    start, hours_start = _seconds_hours(xp, borrowed_at, name="borrowed_at")
    end, hours_end = _seconds_hours(xp, until, name="until")
    shape, (start, end, hours_start, hours_end) = broadcast_flat(
        xp, start, end, hours_start, hours_end
    )
    check_rows(
        xp,
        end < start,
        name="until",
        rule="at or after borrowed_at",
        values=xp.astype(end, xp.float64) - xp.astype(start, xp.float64),
    )
    return xp.reshape(1 + hours_end - hours_start, shape)
