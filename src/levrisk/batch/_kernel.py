"""The compiled fast path: a Numba kernel for the isolated liquidation price.

Used only for NumPy float64 inputs when Numba is importable; everything else takes the
array-API path of :mod:`levrisk.batch._futures`. The kernel evaluates exactly the same
float64 expressions in the same order as the array-API path, fused into one pass over
the positions (validation included), so it reads every input once and writes the
output once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

numba: Any
try:
    import numba
except ImportError:  # pragma: no cover - numba ships with the batch and test extras
    numba = None

AVAILABLE: bool = numba is not None
"""Whether the compiled kernel can be used."""

_F64 = npt.NDArray[np.float64]


def _isolated_liquidation(  # noqa: PLR0912, PLR0915, PLR0917 - one fused numba loop
    side: npt.NDArray[Any],
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: _F64,
    symbol: npt.NDArray[np.int64],
    inverse: bool,  # noqa: FBT001 - numba kernels take positional flags
    edges_minus: _F64,
    edges_plus: _F64,
    rates: _F64,
    amounts: _F64,
    counts: npt.NDArray[np.int64],
    out: _F64,
) -> int:
    """Fill ``out``; return the number of invalid or out-of-table rows (NaN in ``out``)."""
    n = size.shape[0]
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
            (s == 1 or s == -1)  # noqa: PLR1714 - numba cannot compile `in` on a tuple here
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
        if inverse:
            notional = qc / e
            plus = s < 0
        else:
            notional = qc * e
            plus = s > 0
        if plus:
            target = notional - m
            edges = edges_minus
            sign = 1.0
        else:
            target = notional + m
            edges = edges_plus
            sign = -1.0
        count = counts[row]
        lo = 0
        hi = count
        while lo < hi:
            mid = (lo + hi) // 2
            if edges[row, mid] < target:
                lo = mid + 1
            else:
                hi = mid
        if lo == count:
            bad += 1
            out[i] = math.nan
            continue
        solved = (target - sign * amounts[row, lo]) / (1.0 - sign * rates[row, lo])
        if solved <= 0:
            out[i] = math.nan
        elif inverse:
            out[i] = qc / solved
        else:
            out[i] = solved / qc
    return bad


if numba is not None:
    isolated_liquidation = numba.njit(cache=True, nogil=True, error_model="numpy")(
        _isolated_liquidation
    )
else:  # pragma: no cover - numba ships with the batch extra
    isolated_liquidation = _isolated_liquidation
