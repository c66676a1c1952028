r"""The isolated liquidation price on tables whose maintenance jumps (:ref:`rule-tier-maintenance`).

A ``"whole"`` table (the tier's rate on the whole notional: OKX, BitMEX, Bitget before
2025-11-10) or one with published amounts off the recursion makes ``MM`` jump at a cap,
so the condition of a mark-valued solve is no longer monotone in the notional and the
consistent-bracket search of the continuous tables does not apply. This path walks the
brackets instead (a loop over brackets, never over rows), as the exact solver
``levrisk.futures._solver`` does. On bracket ``k`` (notionals ``lo < n ≤ hi``; the last
real bracket extends to ``+∞``) the condition is linear,

.. math::

    φ_k(n) = n\,(σ - c - m_k) + cum_k - σT \quad (> 0: \text{safe}),

with the target ``T`` and close fee ``c`` of the continuous path. Its root
``r_k = (σT − cum_k) / (σ − c − m_k)`` splits it into an unsafe part — ``(lo, min(hi, r_k)]``
for ``σ = +1`` (the condition rises with ``n``), ``[max(lo, r_k), hi]`` for ``σ = −1``
(closed at the root: "at" counts as liquidated, so a root exactly at the cap is a point
of the unsafe set) — and a safe part (the rest). The exact solver returns the root nearest the entry
notional ``n_e`` on the losing side (``n ≤ n_e`` for ``σ = +1``, ``n ≥ n_e`` otherwise),
else the nearest on the other side, where an edge whose jump crosses the condition
counts as a root. That root is the boundary of the set the position would move into
nearest ``n_e``: the unsafe set when ``n_e`` is safe, the safe set when it is already
crossed. So each bracket contributes the end of its part nearest ``n_e`` (clamped to
the bracket: a root within rounding of an edge is never lost) and the nearest one wins.
The price is ``n / Q`` (linear) or ``Q / n`` (inverse); a jump edge gives ``cap / Q``.
Without any such boundary: NaN for ``σ = +1`` (no price liquidates), ``±inf`` for
``σ = −1`` (every price does), the batch outcomes.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat

from levrisk.batch._common import Array, where

__all__: list[str] = []


def _column(xp: Any, table: Array, k: int, sym: Array | None) -> Array:  # noqa: ANN401
    """Column ``k`` of each row's own table (the shared table's: a 0-d array)."""
    if sym is None:
        return table[0, k]
    return xp.take(table[:, k], sym)


def liquidation(
    xp: Any,  # noqa: ANN401
    rows: tuple[Array, Array, Array, Array, Array | float],
    tables: tuple[Array, Array, Array, Array],
    sym: Array | None,
    *,
    inverse: bool,
) -> Array:
    """The liquidation price of each row (see the module docstring).

    ``rows`` are each row's units ``Q``, entry notional, ``σ``, target ``T`` and close
    fee rate ``c`` (as ``levrisk.batch._futures`` computes them); ``tables`` the stack's
    ``caps``, ``rates``, ``amounts`` and ``counts`` arrays; ``sym`` each row's table
    (None: the first, shared).
    """
    units, entry_notional, sign, target, fee = rows
    caps, rates, amounts, counts = tables
    plus = sign > 0
    last = _column(xp, xp.reshape(counts, (-1, 1)), 0, sym) - 1
    zero = xp.zeros_like(target)
    inf = zero + math.inf
    low = zero  # the bracket's lower edge: 0, then the previous cap
    crossed = xp.zeros(target.shape, dtype=xp.bool, device=array_api_compat.device(target))
    # per part (unsafe, safe): the nearest end below n_e (0: none), above it (inf: none)
    below = [zero, zero]
    above = [inf, inf]
    for k in range(caps.shape[1]):
        cap = _column(xp, caps, k, sym)
        high = xp.where(last == k, inf, cap)  # the last bracket extends to +inf
        rate = _column(xp, rates, k, sym)
        amount = _column(xp, amounts, k, sym)
        slope = sign - fee - rate
        offset = amount - sign * target
        root = -offset / slope
        inside = (low < entry_notional) & (entry_notional <= high)
        crossed = crossed | (inside & (entry_notional * slope + offset <= 0))
        up, down = xp.maximum(low, root), xp.minimum(high, root)
        parts = (
            (xp.where(plus, low, up), xp.where(plus, down, high)),  # unsafe
            (xp.where(plus, up, low), xp.where(plus, high, down)),  # safe
        )
        for i, (start, end) in enumerate(parts):
            top = xp.minimum(end, entry_notional)
            bottom = xp.maximum(start, entry_notional)
            if i == 0:  # σ = −1: the unsafe part holds its root, even alone (r_k = hi)
                lower, upper = xp.where(plus, start < top, start <= top), bottom <= end
            else:
                lower, upper = start < top, bottom < end
            below[i] = xp.where(lower, xp.maximum(below[i], top), below[i])
            above[i] = xp.where(upper, xp.minimum(above[i], bottom), above[i])
        low = high
    near_below = xp.where(crossed, below[1], below[0])
    near_above = xp.where(crossed, above[1], above[0])
    has_below = near_below > 0
    has_above = near_above < math.inf
    first = xp.where(plus, has_below, has_above)  # the losing side first
    solved = xp.where(plus, near_below, near_above)
    other = xp.where(plus, near_above, near_below)
    found = first | xp.where(plus, has_above, has_below)
    solved = xp.where(first, solved, other)
    safe = where(xp, found, solved, 1.0)
    price = units / safe if inverse else safe / units
    always = math.inf if inverse else -math.inf  # σ = −1: every price liquidates
    return xp.where(found, price, where(xp, plus, xp.full_like(price, xp.nan), always))
