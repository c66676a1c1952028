"""The compiled fast path: a Numba kernel for the isolated liquidation price.

Used only for NumPy float64 inputs when Numba is importable; everything else takes the
array-API path of :mod:`levrisk.batch._futures`. The kernel evaluates exactly the same
float64 expressions in the same order as the array-API path, fused into one pass over
the positions (validation included), so it reads every input once and writes the
output once.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

AVAILABLE: bool = importlib.util.find_spec("numba") is not None
"""Whether the compiled kernels can be used (Numba is imported on their first call)."""

_F64 = npt.NDArray[np.float64]


def kernel_tables(
    edges_minus: _F64, edges_plus: _F64, rates: _F64, amounts: _F64
) -> tuple[_F64, _F64, _F64]:
    """The kernels' layout of a table stack, padded with one more column.

    Edges ``(S, 2, K + 1)`` (``[:, 1]`` the ``σ = +1`` edges) and rates/amounts
    ``(S, K + 1)``; the extra column repeats the last bracket's rate and amount, so a
    count that runs past the top cap extrapolates the last bracket (as do the padding
    columns of a shorter table in a stack).
    """
    pad = np.full((edges_minus.shape[0], 1), np.inf)
    edges = np.ascontiguousarray(
        np.stack([np.hstack([edges_plus, pad]), np.hstack([edges_minus, pad])], axis=1)
    )
    rates_padded = np.ascontiguousarray(np.hstack([rates, rates[:, -1:]]))
    amounts_padded = np.ascontiguousarray(np.hstack([amounts, amounts[:, -1:]]))
    return edges, rates_padded, amounts_padded


def _isolated_liquidation(  # noqa: PLR0917 - a numba kernel takes positional arrays
    side: npt.NDArray[Any],
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: _F64,
    symbol: npt.NDArray[np.int64],
    inverse: bool,  # noqa: FBT001 - numba kernels take positional flags
    edges: _F64,
    rates: _F64,
    amounts: _F64,
    counts: npt.NDArray[np.int64],
    out: _F64,
) -> int:
    """Fill ``out``; return the number of invalid rows (NaN in ``out``).

    Branch-free in the data (side, bracket): the bracket index counts the edges below
    the target over the whole padded row, so random sides and notionals cost no
    mispredicted branches; only the (rare) invalid rows branch.
    """
    n = size.shape[0]
    width = edges.shape[2]
    n_cs = contract_size.shape[0]
    n_sym = symbol.shape[0]
    n_tables = counts.shape[0]
    bad = 0
    for i in range(n):
        s = side[i]
        q = size[i]
        e = entry[i]
        m = margin[i]
        c = contract_size[i] if n_cs > 1 else contract_size[0]
        row = symbol[i] if n_sym > 1 else symbol[0]
        if not (
            (s == 1 or s == -1)  # noqa: PLR1714 - numba compiles this form
            and 0 < q < math.inf
            and 0 < e < math.inf
            and 0 <= m < math.inf
            and 0 < c < math.inf
            and 0 <= row < n_tables
        ):
            bad += 1
            out[i] = math.nan
            continue
        qc = q * c
        notional = qc / e if inverse else qc * e
        plus = (s < 0) if inverse else (s > 0)
        p = 1 if plus else 0
        sign = 2.0 * p - 1.0
        target = notional - sign * m
        k = 0
        for j in range(width - 2):  # the last edge leads to the same (extrapolated) bracket
            k += edges[row, p, j] < target
        numerator = target - sign * amounts[row, k]
        denominator = 1.0 - sign * rates[row, k]
        price = qc * denominator / numerator if inverse else numerator / (denominator * qc)
        out[i] = price if numerator > 0 else math.nan
    return bad


_BLOCK = 512
"""Rows per block of the shared-table kernel (its scratch arrays stay in L1 cache)."""


def _isolated_liquidation_shared(  # noqa: PLR0917 - a numba kernel takes positional arrays
    side: npt.NDArray[Any],
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: float,
    inverse: bool,  # noqa: FBT001 - numba kernels take positional flags
    edges_plus: _F64,
    edges_minus: _F64,
    rates: _F64,
    amounts: _F64,
    out: _F64,
) -> int:
    """One shared table and one contract size: the same arithmetic, blocked for SIMD.

    Each block of rows runs three simple loops that the compiler vectorises: targets
    and validity (an invalid row's target is NaN); the bracket, one pass per edge that
    moves each row whose target lies above the edge to the next bracket's rate and
    amount (selects, no gather); the solve. ``edges_*``, ``rates`` and ``amounts`` are
    one padded table row (see :func:`kernel_tables`). Returns the invalid row count,
    like :func:`isolated_liquidation`.
    """
    n = size.shape[0]
    width = edges_plus.shape[0]
    target = np.empty(_BLOCK)
    signs = np.empty(_BLOCK)
    units = np.empty(_BLOCK)
    rate = np.empty(_BLOCK)
    amount = np.empty(_BLOCK)
    bad = 0
    for start in range(0, n, _BLOCK):
        rows = min(_BLOCK, n - start)
        sides = side[start : start + rows]
        sizes = size[start : start + rows]
        entries = entry[start : start + rows]
        margins = margin[start : start + rows]
        block_bad = 0
        for t in range(rows):
            s = sides[t]
            q = sizes[t]
            e = entries[t]
            m = margins[t]
            good = (
                ((s == 1) | (s == -1))
                & (q > 0)
                & (q < math.inf)
                & (e > 0)
                & (e < math.inf)
                & (m >= 0)
                & (m < math.inf)
            )
            qc = q * contract_size
            notional = qc / e if inverse else qc * e
            sign = (-1.0 if s > 0 else 1.0) if inverse else (1.0 if s > 0 else -1.0)
            block_bad += not good
            target[t] = (notional - sign * m) if good else math.nan  # NaN: an invalid row
            signs[t] = sign
            units[t] = qc
            rate[t] = rates[0]
            amount[t] = amounts[0]
        for j in range(width - 2):  # the last edge leads to the same (extrapolated) bracket
            low = edges_plus[j]
            high = edges_minus[j]
            next_rate = rates[j + 1]
            next_amount = amounts[j + 1]
            for t in range(rows):
                below = (high if signs[t] > 0 else low) < target[t]
                rate[t] = next_rate if below else rate[t]
                amount[t] = next_amount if below else amount[t]
        block = out[start : start + rows]
        for t in range(rows):
            sign = signs[t]
            numerator = target[t] - sign * amount[t]
            denominator = 1.0 - sign * rate[t]
            price = (
                units[t] * denominator / numerator
                if inverse
                else numerator / (denominator * units[t])
            )
            block[t] = price if numerator > 0 else math.nan  # also NaN for invalid rows
        bad += block_bad
    return bad


_COMPILED: dict[str, Callable[..., int]] = {}


def _compiled(func: Callable[..., int]) -> Callable[..., int]:
    """``func`` compiled by Numba (imported and jitted on first use, cached on disk)."""
    kernel = _COMPILED.get(func.__name__)
    if kernel is None:
        import numba  # noqa: PLC0415 - imported lazily: it takes a while

        kernel = numba.njit(cache=True, nogil=True, error_model="numpy")(func)
        _COMPILED[func.__name__] = kernel
    return kernel


def isolated_liquidation(*args: Any) -> int:  # noqa: ANN401 - the kernel's arrays
    """Run the general kernel (:func:`_isolated_liquidation`) compiled."""
    return _compiled(_isolated_liquidation)(*args)


def isolated_liquidation_shared(*args: Any) -> int:  # noqa: ANN401 - the kernel's arrays
    """Run the shared-table kernel (:func:`_isolated_liquidation_shared`) compiled."""
    return _compiled(_isolated_liquidation_shared)(*args)
