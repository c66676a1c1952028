"""The compiled fast path: Numba kernels for the isolated liquidation price.

Used only for NumPy inputs when Numba is importable; everything else takes the
array-API path of :mod:`levrisk.batch._futures`. The kernels evaluate exactly the same
float64 expressions in the same order as the array-API path, fused into one pass over
the positions (validation included), so they read every input once and write the
output once. They run on every core (``numba.prange``) and are cached on disk.

One kernel covers every :class:`~levrisk.futures.LiquidationRule`: the caller passes the
thresholds that pick the bracket (the consistent-bracket edges for a mark-valued
maintenance, the caps for an entry-valued one) and the two fee rates (see
:func:`rule_terms`).
"""

from __future__ import annotations

import importlib.util
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

AVAILABLE: bool = importlib.util.find_spec("numba") is not None
"""Whether the compiled kernels can be used (Numba is imported on their first call)."""

_F64 = npt.NDArray[np.float64]

prange = range
"""The kernels' parallel loop: ``range`` as Python, ``numba.prange`` once compiled."""


def kernel_tables(
    thresholds_minus: _F64, thresholds_plus: _F64, rates: _F64, amounts: _F64
) -> tuple[_F64, _F64, _F64]:
    """The kernels' layout of a table stack, padded with one more column.

    Thresholds ``(S, 2, K + 1)`` (``[:, 1]`` those of the ``σ = +1`` rows) and
    rates/amounts ``(S, K + 1)``; the extra column repeats the last bracket's rate and
    amount, so a count that runs past the top cap extrapolates the last bracket (as do
    the padding columns of a shorter table in a stack). The arrays are read-only.
    """
    pad = np.full((thresholds_minus.shape[0], 1), np.inf)
    edges = np.ascontiguousarray(
        np.stack([np.hstack([thresholds_plus, pad]), np.hstack([thresholds_minus, pad])], axis=1)
    )
    rates_padded = np.ascontiguousarray(np.hstack([rates, rates[:, -1:]]))
    amounts_padded = np.ascontiguousarray(np.hstack([amounts, amounts[:, -1:]]))
    for array in (edges, rates_padded, amounts_padded):
        array.flags.writeable = False
    return edges, rates_padded, amounts_padded


def _isolated_liquidation(  # noqa: PLR0917 - a numba kernel takes positional arrays
    side: npt.NDArray[Any],
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: _F64,
    symbol: npt.NDArray[np.int64],
    inverse: bool,  # noqa: FBT001 - numba kernels take positional flags
    entry_basis: bool,  # noqa: FBT001 - numba kernels take positional flags
    fee_mark: float,
    fee_bankrupt: float,
    edges: _F64,
    rates: _F64,
    amounts: _F64,
    out: _F64,
) -> int:
    """Fill ``out``; return the number of invalid rows (NaN in ``out``).

    The general kernel: per-row contract sizes and table rows (``symbol``, checked
    against the stack beforehand and again here). Branch-free in the data (side,
    bracket): the bracket index counts the thresholds below the key over the whole
    padded row; only the (rare) invalid rows branch.
    """
    n = size.shape[0]
    width = edges.shape[2]
    n_cs = contract_size.shape[0]
    n_sym = symbol.shape[0]
    n_tables = edges.shape[0]
    bad = 0
    for i in prange(n):
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
        alive = target > 0  # a bankruptcy price exists: its close fee applies
        target = target * (1.0 + sign * fee_bankrupt) if alive else target
        fee = fee_mark if alive else fee_mark + fee_bankrupt
        key = notional if entry_basis else target
        k = 0
        for j in range(width - 2):  # the last edge leads to the same (extrapolated) bracket
            k += edges[row, p, j] < key
        rate = rates[row, k]
        if entry_basis:
            target = target + sign * rate * notional
            rate = fee
        else:
            rate = rate + fee
        numerator = target - sign * amounts[row, k]
        denominator = 1.0 - sign * rate
        price = qc * denominator / numerator if inverse else numerator / (denominator * qc)
        out[i] = price if numerator > 0 else math.nan
    return bad


_BLOCK = 1024
"""Rows per block of the shared-table kernel (its scratch arrays stay in L1 cache)."""

_BLOCKS_PER_TASK = 64
"""Blocks per parallel task of the shared-table kernel (scratch allocated once per task)."""


def _isolated_liquidation_shared(  # noqa: C901, PLR0915, PLR0917 - one fused kernel
    side: npt.NDArray[Any],
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: float,
    inverse: bool,  # noqa: FBT001 - numba kernels take positional flags
    entry_basis: bool,  # noqa: FBT001 - numba kernels take positional flags
    fee_mark: float,
    fee_bankrupt: float,
    edges: _F64,
    rates: _F64,
    amounts: _F64,
    out: _F64,
) -> int:
    """One shared table and one contract size: the same arithmetic, blocked for SIMD.

    Each block of rows runs three loops: targets and validity (an invalid row's target
    is NaN); the bracket, one counting pass per threshold (``edges[1]`` for the
    ``σ = +1`` rows, ``edges[0]`` for the others); the solve. The first two vectorise;
    the solve gathers each row's rate and amount. ``edges``, ``rates`` and
    ``amounts`` are one padded table (see :func:`kernel_tables`). Tasks of blocks run
    in parallel. Returns the invalid row count, like :func:`_isolated_liquidation`.
    """
    n = size.shape[0]
    width = edges.shape[1]
    searched = width - 2  # the last edge leads to the same (extrapolated) bracket
    span = _BLOCK * _BLOCKS_PER_TASK
    tasks = (n + span - 1) // span
    bad = 0
    for task in prange(tasks):
        target = np.empty(_BLOCK)
        keys = np.empty(_BLOCK)  # the values searched
        signs = np.empty(_BLOCK)
        index = np.empty(_BLOCK, dtype=np.int64)
        rate = np.empty(_BLOCK)
        amount = np.empty(_BLOCK)
        task_bad = 0
        for start in range(task * span, min(n, (task + 1) * span), _BLOCK):
            rows = min(_BLOCK, n - start)
            sides = side[start : start + rows]
            sizes = size[start : start + rows]
            entries = entry[start : start + rows]
            margins = margin[start : start + rows]
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
                task_bad += not good
                value = (notional - sign * m) if good else math.nan  # NaN: an invalid row
                target[t] = value * (1.0 + sign * fee_bankrupt) if value > 0 else value
                signs[t] = sign
                index[t] = 0
                keys[t] = notional if entry_basis else target[t]
            for j in range(searched):
                below_low = edges[0, j]
                below_high = edges[1, j]
                for t in range(rows):
                    index[t] += (below_high if signs[t] > 0 else below_low) < keys[t]
            for t in range(rows):  # the gathers, apart: the solve below then vectorises
                k = index[t]
                rate[t] = rates[k]
                amount[t] = amounts[k]
            block = out[start : start + rows]
            if entry_basis:  # maintenance at entry: a constant, moved into the target
                for t in range(rows):
                    sign = signs[t]
                    fee = fee_mark if target[t] > 0 else fee_mark + fee_bankrupt
                    value = target[t] + sign * rate[t] * keys[t]
                    rate[t] = fee
                    target[t] = value
            elif fee_mark != 0 or fee_bankrupt != 0:  # a close fee at mark
                for t in range(rows):
                    fee = fee_mark if target[t] > 0 else fee_mark + fee_bankrupt
                    rate[t] = rate[t] + fee
            for t in range(rows):
                sign = signs[t]
                qc = sizes[t] * contract_size
                numerator = target[t] - sign * amount[t]
                denominator = 1.0 - sign * rate[t]
                price = qc * denominator / numerator if inverse else numerator / (denominator * qc)
                block[t] = price if numerator > 0 else math.nan  # also NaN for invalid rows
        bad += task_bad
    return bad


PARALLEL_ROWS = 1 << 15
"""From this many rows on, the kernels run on every core; below, on one (no thread start)."""

_COMPILED: dict[tuple[str, bool], Callable[..., int]] = {}


def _compiled(func: Callable[..., int], *, parallel: bool) -> Callable[..., int]:
    """``func`` compiled by Numba (imported and jitted on first use, cached on disk)."""
    kernel = _COMPILED.get((func.__name__, parallel))
    if kernel is None:
        import numba  # noqa: PLC0415 - imported lazily: it takes a while

        globals()["prange"] = numba.prange  # the kernels' loop over rows runs in parallel
        source = func
        if not parallel:  # its own name, so Numba's disk cache keeps the two builds apart
            source = types.FunctionType(func.__code__, func.__globals__, func.__name__)
            source.__qualname__ = f"{func.__qualname__}_serial"
        kernel = numba.njit(cache=True, nogil=True, parallel=parallel, error_model="numpy")(source)
        _COMPILED[func.__name__, parallel] = kernel
    return kernel


def isolated_liquidation(*args: Any) -> int:  # noqa: ANN401 - the kernel's arrays
    """Run the general kernel (:func:`_isolated_liquidation`) compiled."""
    parallel = args[1].shape[0] >= PARALLEL_ROWS
    return _compiled(_isolated_liquidation, parallel=parallel)(*args)


def isolated_liquidation_shared(*args: Any) -> int:  # noqa: ANN401 - the kernel's arrays
    """Run the shared-table kernel (:func:`_isolated_liquidation_shared`) compiled."""
    parallel = args[1].shape[0] >= PARALLEL_ROWS
    return _compiled(_isolated_liquidation_shared, parallel=parallel)(*args)
