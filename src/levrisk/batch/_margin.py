"""Spot-margin formulas over arrays of accounts.

Rule: :ref:`rule-margin-level`, :ref:`rule-spot-liquidation`.
"""

from __future__ import annotations

import math
from typing import Any

from levrisk.batch._common import (
    Array,
    broadcast_flat,
    namespace,
    non_negative,
    positive,
    quiet,
    where,
)
from levrisk.batch._dask import lazy


def _non_negative(xp: Any, values: dict[str, object]) -> dict[str, Array]:  # noqa: ANN401
    return {name: non_negative(xp, value, name=name) for name, value in values.items()}


@lazy
@quiet
def margin_level(*, asset_value: Array, liability_value: Array) -> Array:
    r"""Spot margin level of each account: total asset value ÷ total liabilities.

    .. math::

        ML = \frac{\text{total asset value}}{\text{total liabilities} + \text{interest}}

    Both sides are valued in one quote at index prices by the caller (liabilities
    include accrued interest). An account without liabilities has no margin level
    (the scalar path's ``None``, "infinite"): its row is NaN.

    Args:
        asset_value: total asset value of each account (≥ 0), quote.
        liability_value: total liabilities plus outstanding interest (≥ 0), quote.

    Returns:
        The margin level as a float64 ratio, NaN where there is no liability.

    Raises:
        InvalidInputError: for negative, non-finite or non-real values (rows listed) or
            shapes that do not broadcast.

    References:
        Binance, "Margin Level" (cross and isolated margin); :ref:`rule-margin-level`
        [published].

    Examples:
        >>> import numpy as np
        >>> margin_level(
        ...     asset_value=np.array([30_000.0, 5.0]), liability_value=np.array([20_000.0, 0.0])
        ... )
        array([1.5, nan])

    .. versionadded:: 0.1.0
    """
    xp = namespace(asset_value, liability_value)
    a = _non_negative(xp, {"asset_value": asset_value, "liability_value": liability_value})
    shape, (assets, liabilities) = broadcast_flat(xp, a["asset_value"], a["liability_value"])
    owed = liabilities > 0
    level = assets / where(xp, owed, liabilities, 1.0)
    return xp.reshape(where(xp, owed, level, xp.nan), shape)


@lazy
@quiet
def spot_liquidation_price(
    *,
    other_asset_value: Array,
    other_liability_value: Array,
    amount_held: Array,
    amount_owed: Array,
    liquidation_level: Array | float,
) -> Array:
    r"""Spot-margin liquidation price of one asset x, everything else at its current price.

    .. math::

        \frac{A_o + A_x \cdot l}{D_o + D_x \cdot l} = ML^{*}
        \;\Rightarrow\;
        l = \frac{ML^{*} \cdot D_o - A_o}{A_x - ML^{*} \cdot D_x}

    The level is at or below ``ML*`` where ``(A_o − ML*·D_o) + l·(A_x − ML*·D_x) ≤ 0``:
    when both terms are ``≤ 0`` (and something is owed) every price liquidates, ``-inf``
    (the natural test ``price_now ≥ l`` is then always true; the scalar path's
    :class:`~levrisk.exceptions.AlwaysLiquidatedError`); otherwise a non-positive result
    or a zero denominator means no price liquidates: NaN (the scalar path's ``None``).
    Whether the account is already past its liquidation point at the current price is
    ``margin_level(...) ≤ ML*`` (see :func:`liquidation_states`).

    Args:
        other_asset_value: ``A_o``, value of the other assets (≥ 0), quote.
        other_liability_value: ``D_o``, value of the other liabilities plus interest
            (≥ 0), quote.
        amount_held: ``A_x``, units of x held (≥ 0).
        amount_owed: ``D_x``, units of x owed, interest included (≥ 0).
        liquidation_level: ``ML*`` (> 0), e.g. 1.1 for Binance cross classic.

    Returns:
        The price of x (quote per x) at which the margin level reaches ``ML*``,
        float64; NaN where no price liquidates, ``-inf`` where every price does.

    Raises:
        InvalidInputError: for negative or non-finite values, a non-positive level,
            non-real arguments (rows listed) or shapes that do not broadcast.

    References:
        Binance, "Margin Level" / "Liquidation"; :ref:`rule-spot-liquidation` [published definition,
        derived closed form].

    Examples:
        >>> import numpy as np
        >>> spot_liquidation_price(
        ...     other_asset_value=np.array([0.0]),
        ...     other_liability_value=np.array([20_000.0]),
        ...     amount_held=np.array([1.0]),
        ...     amount_owed=np.array([0.0]),
        ...     liquidation_level=1.1,
        ... )
        array([22000.])

    .. versionadded:: 0.1.0
    """
    xp = namespace(
        other_asset_value, other_liability_value, amount_held, amount_owed, liquidation_level
    )
    a = _non_negative(
        xp,
        {
            "other_asset_value": other_asset_value,
            "other_liability_value": other_liability_value,
            "amount_held": amount_held,
            "amount_owed": amount_owed,
        },
    )
    level = positive(xp, liquidation_level, name="liquidation_level")
    shape, (a_o, d_o, a_x, d_x, ml) = broadcast_flat(xp, *a.values(), level)
    numerator = ml * d_o - a_o
    denominator = a_x - ml * d_x
    exists = denominator != 0
    price = numerator / where(xp, exists, denominator, 1.0)
    owes = (d_o > 0) | (d_x > 0)  # no liabilities: no margin level, never liquidated
    always = owes & (numerator >= 0) & (denominator <= 0)  # the level never exceeds ML*
    none = where(xp, ~always, xp.full_like(price, xp.nan), -math.inf)
    return xp.reshape(xp.where(exists & (price > 0), price, none), shape)
