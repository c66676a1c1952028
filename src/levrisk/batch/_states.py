"""The four liquidation outcomes of the batch path, as values and as state codes.

The scalar path has four outcomes (a price, ``None``, ``AlwaysLiquidatedError``,
``AlreadyLiquidatedError(price=)``; the conventions page). A batch liquidation price
spells them in its float64 values, each with one meaning:

- a finite positive number: the liquidation price;
- ``NaN``: no price liquidates the position;
- ``+inf`` for a long, ``-inf`` for a short (and for a spot asset whose level falls as
  its price rises): every price liquidates it. These values make the natural test
  true at every mark — a long is liquidated at ``mark ≤ price``, a short at
  ``mark ≥ price``;
- "already at or past the liquidation point" needs the current marks: the value is
  then the crossed root (as ``AlreadyLiquidatedError.price``), and
  :func:`liquidation_states` tells it given the marks (for an isolated position, its
  entry price, as the scalar path does).

:func:`liquidation_states` turns prices into one ``int8`` code per row.
"""

from __future__ import annotations

from typing import Final

import array_api_compat

from levrisk.batch._common import (
    Array,
    as_float,
    broadcast_flat,
    namespace,
    positive,
    quiet,
    side_codes,
)
from levrisk.batch._dask import lazy_int8
from levrisk.exceptions import InvalidInputError

STATE_PRICE: Final = 0  # a liquidation price (documented in levrisk.batch)
STATE_NONE: Final = 1  # no price liquidates
STATE_ALWAYS: Final = 2  # every price liquidates
STATE_ALREADY: Final = 3  # already at or past the price at the given mark


@lazy_int8
@quiet
def liquidation_states(*, price: Array, side: Array = None, mark_price: Array = None) -> Array:
    r"""The outcome of each batch liquidation price as an ``int8`` state code.

    .. math::

        \text{state} = \begin{cases}
        1 \ (\texttt{STATE\_NONE}) & LP = \text{NaN} \\
        2 \ (\texttt{STATE\_ALWAYS}) & LP = \pm\infty \\
        3 \ (\texttt{STATE\_ALREADY}) & s = 1,\ MP \le LP \ \text{ or } \ s = -1,\ MP \ge LP \\
        0 \ (\texttt{STATE\_PRICE}) & \text{otherwise}
        \end{cases}

    the batch spelling of the scalar outcomes (a price, ``None``,
    :class:`~levrisk.exceptions.AlwaysLiquidatedError`,
    :class:`~levrisk.exceptions.AlreadyLiquidatedError`). "At" counts as liquidated, as
    on the exchanges. For an isolated futures position pass its entry price as
    ``mark_price`` (the scalar path's reading: a margin below the maintenance margin
    at entry is already liquidated); without ``mark_price`` state 3 is never given.
    A price that overflowed float64 (beyond about 1.8e308) also reads as ±inf: at every
    representable mark the natural test gives the same answer.

    Args:
        price: liquidation prices from a batch function (any float64 values).
        side: ``1`` (long: liquidated at ``mark ≤ price``) or ``-1`` (short) per row;
            required with ``mark_price``.
        mark_price: optionally, the current mark of each row (> 0).

    Returns:
        An ``int8`` array of the broadcast shape: :data:`STATE_PRICE`,
        :data:`STATE_NONE`, :data:`STATE_ALWAYS` or :data:`STATE_ALREADY`.

    Raises:
        InvalidInputError: for a non-real ``price``, a side other than ±1, a mark that is
            not positive and finite, ``mark_price`` without ``side``, or shapes that do
            not broadcast (the message lists rows).

    References:
        levrisk's conventions, "Liquidation outcomes"; :ref:`rule-batch-outcomes`
        [derived].

    Examples:
        >>> import numpy as np
        >>> liquidation_states(
        ...     price=np.array([25_100.4, np.nan, -np.inf, 59_860.55]),
        ...     side=np.array([1, 1, -1, -1]),
        ...     mark_price=np.array([50_000.0, 50_000.0, 60_000.0, 60_000.0]),
        ... )
        array([0, 1, 2, 3], dtype=int8)

    .. versionadded:: 0.2.0
    """
    if mark_price is not None and side is None:
        msg = "side is required with mark_price (a long is liquidated at mark ≤ price)"
        raise InvalidInputError(msg)
    xp = namespace(price, side, mark_price)
    arrays = [as_float(xp, price, name="price")]
    if mark_price is not None:
        arrays += [side_codes(xp, side), positive(xp, mark_price, name="mark_price")]
    elif side is not None:
        arrays.append(side_codes(xp, side))
    shape, flat = broadcast_flat(xp, *arrays)
    value = flat[0]
    codes = [
        xp.asarray(code, dtype=xp.int8, device=array_api_compat.device(value))
        for code in (STATE_PRICE, STATE_NONE, STATE_ALWAYS, STATE_ALREADY)
    ]
    state = xp.where(xp.isnan(value), codes[STATE_NONE], codes[STATE_PRICE])
    state = xp.where(xp.isinf(value), codes[STATE_ALWAYS], state)
    if mark_price is not None:
        sign, mark = flat[1], flat[2]
        crossed = xp.isfinite(value) & (sign * (mark - value) <= 0)
        state = xp.where(crossed, codes[STATE_ALREADY], state)
    return xp.reshape(state, shape)
