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
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

AVAILABLE: bool = importlib.util.find_spec("numba") is not None
"""Whether the compiled kernels can be used (Numba is imported on their first call)."""

_F64 = npt.NDArray[np.float64]

Rule = tuple[bool, bool, float, float]
"""The kernels' rule terms: ``(inverse, entry_basis, fee_mark, fee_bankrupt)``: the
contract kind, maintenance valued at entry, the close fee rates at mark and at the
bankruptcy price."""

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


def _isolated_liquidation(  # noqa: C901, PLR0912, PLR0915, PLR0917 - one fused kernel
    side: npt.NDArray[Any],
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: _F64,
    symbol: npt.NDArray[np.int64],
    rule: Rule,
    edges: _F64,
    rates: _F64,
    amounts: _F64,
    caps: _F64,
    counts: npt.NDArray[np.int64],
    out: _F64,
) -> int:
    """Fill ``out``; return the number of invalid rows (NaN in ``out``).

    A row without a liquidation price is NaN when no price liquidates it (``σ = +1``)
    and ±inf when every price does (``σ = −1``: ``+inf`` for an inverse long, ``-inf``
    for a linear short), the batch outcomes (:mod:`levrisk.batch._states`).

    The general kernel: per-row contract sizes and table rows (``symbol``, checked
    against the stack beforehand and again here). Branch-free in the data (side,
    bracket): the bracket index counts the thresholds below the key over the whole
    padded row; only the (rare) invalid rows branch.

    With ``caps`` (the stack's ``(S, K)`` caps; empty otherwise) and ``counts`` it walks
    the brackets of tables whose maintenance jumps instead (mark-valued, see
    :mod:`levrisk.batch._jumps`, the same expressions row by row): each bracket's
    unsafe and safe parts, the end of each nearest the entry notional on either side,
    then the nearest boundary on the losing side (else the other) of the set the row
    would move into.
    """
    inverse, entry_basis, fee_mark, fee_bankrupt = rule
    n = size.shape[0]
    width = edges.shape[2]
    n_cs = contract_size.shape[0]
    n_sym = symbol.shape[0]
    n_tables = edges.shape[0]
    always = math.inf if inverse else -math.inf  # a σ = −1 row liquidated at every price
    walking = caps.shape[0] > 0
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
        if walking:
            last = counts[row] - 1
            low = 0.0
            crossed = False
            below_unsafe = below_safe = 0.0
            above_unsafe = above_safe = math.inf
            for k in range(caps.shape[1]):
                high = math.inf if k == last else caps[row, k]
                slope = sign - fee - rates[row, k]
                offset = amounts[row, k] - sign * target
                root = -offset / slope
                if low < notional <= high and notional * slope + offset <= 0:
                    crossed = True
                for part in range(2):  # 0: the unsafe part, 1: the safe part
                    if (part == 0) == plus:
                        start, end = low, min(high, root)
                    else:
                        start, end = max(low, root), high
                    top = min(end, notional)
                    bottom = max(start, notional)
                    if part == 0:  # σ = −1: closed at its root, even alone
                        if start < top or (not plus and start == top):
                            below_unsafe = max(below_unsafe, top)
                        if bottom <= end:
                            above_unsafe = min(above_unsafe, bottom)
                    else:
                        if start < top:
                            below_safe = max(below_safe, top)
                        if bottom < end:
                            above_safe = min(above_safe, bottom)
                low = high
            near_below = below_safe if crossed else below_unsafe
            near_above = above_safe if crossed else above_unsafe
            has_below = near_below > 0
            has_above = near_above < math.inf
            if plus:
                solved = near_below if has_below else near_above
            else:
                solved = near_above if has_above else near_below
            if has_below or has_above:
                out[i] = qc / solved if inverse else solved / qc
            else:
                out[i] = math.nan if plus else always
            continue
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
        out[i] = price if numerator > 0 else (math.nan if plus else always)
    return bad


class SearchTable(NamedTuple):
    """One shared table's bracket search for the shared-table kernel, in cells.

    A key's cell is read off its float64 bits: ``(bits >> shift) − base``, clamped to
    ``[0, cells − 1]`` (bits are ordered like positive floats; a key ≤ 0 lands in cell
    0, ``+inf`` and NaN in the last). Row ``2c + p`` of ``table`` (``stride`` floats;
    ``p = 1`` for the ``σ = +1`` rows) holds the thresholds of that side that fall in
    cell ``c`` (``candidates`` of them, padded with ``inf``), then the rate and amount of
    the bracket ``k0 + u`` for ``u = 0 … candidates``, ``k0`` counting the thresholds of
    the cells below. The bracket of a key is then ``k0`` plus its count of candidates
    below it: exactly the count of every threshold below it, in one or two loads
    instead of one comparison per threshold. The NumPy lane reads the same terms from
    ``firsts`` (each row's first candidate), ``rates`` and ``amounts`` (row
    ``r``'s bracket ``k0 + u`` at ``r·(candidates + 1) + u``). Built by
    :func:`search_table`.
    """

    shift: int
    base: int
    cells: int
    candidates: int
    stride: int
    table: _F64
    firsts: _F64
    rates: _F64
    amounts: _F64

    @property
    def kernel(self) -> tuple[int, int, int, int, int, _F64]:
        """The shared-table kernel's arguments: ``shift`` … ``table``."""
        return self.shift, self.base, self.cells, self.candidates, self.stride, self.table


_MAX_CELLS = 2048
"""Most cells per side of a :class:`SearchTable` (16 float64 columns each at most)."""

_MAX_CANDIDATES = 4
"""Most thresholds per cell before the search falls back to one cell (a linear count)."""


def _grid(low: _F64, high: _F64) -> tuple[int, int, int, int] | None:
    """``(shift, base, cells, candidates)`` of the coarsest fitting bit grid, or None.

    The grid with the fewest mantissa bits that puts at most one threshold of a side in
    a cell; failing that (no grid of at most :data:`_MAX_CELLS` cells does), the least
    crowded one if it holds at most :data:`_MAX_CANDIDATES` per cell. None when a side
    has a threshold ≤ 0 (the bits order only positive floats) or none at all.
    """
    if not (low.size and low[0] > 0 and high[0] > 0):
        return None
    best = (63, 0, 1, low.size)  # one cell
    shift = 53  # from the exponent alone (52) to every bit (0), while cells are crowded
    while best[3] > 1 and shift > 0:
        shift -= 1
        lows, highs = low.view(np.int64) >> shift, high.view(np.int64) >> shift
        base = int(min(lows[0], highs[0]))
        cells = int(max(lows[-1], highs[-1])) - base + 2  # the last cell: above them all
        if cells > _MAX_CELLS:
            break
        crowd = int(max(np.bincount(lows - base).max(), np.bincount(highs - base).max()))
        if crowd < best[3]:
            best = (shift, base, cells, crowd)
    return best if best[3] <= _MAX_CANDIDATES else None


def search_table(
    sigma_minus: npt.ArrayLike,
    sigma_plus: npt.ArrayLike,
    rates: npt.ArrayLike,
    amounts: npt.ArrayLike,
) -> SearchTable:
    """The :class:`SearchTable` of one table's searched thresholds (``K − 1`` per side).

    ``sigma_minus`` are the thresholds of the ``σ = −1`` rows, ``sigma_plus`` those of
    the ``σ = +1`` rows (each strictly increasing); ``rates``/``amounts`` the ``K``
    brackets'. The cells are the coarsest bit grid that puts at most one threshold of a
    side in a cell (see :func:`_grid`); when there is none, one cell holds every
    threshold and the search counts them one by one.
    """
    low = np.asarray(sigma_minus, dtype=np.float64) + 0.0  # + 0.0: no -0.0 (bits order)
    high = np.asarray(sigma_plus, dtype=np.float64) + 0.0
    grid = _grid(low, high)
    shift, base, cells, candidates = (63, 0, 1, low.size) if grid is None else grid
    rates = np.asarray(rates, dtype=np.float64)
    amounts = np.asarray(amounts, dtype=np.float64)
    top = rates.shape[0] - 1
    stride = 3 * candidates + 2
    table = np.full((cells, 2, stride), np.inf)
    for side, values in enumerate((low, high)):
        where = np.clip((values.view(np.int64) >> shift) - base, 0, cells - 1)
        for cell in range(cells):
            inside = values[where == cell]
            table[cell, side, : inside.size] = inside
            below = int(np.count_nonzero(where < cell))
            for extra in range(candidates + 1):
                k = min(below + extra, top)
                table[cell, side, candidates + 2 * extra] = rates[k]
                table[cell, side, candidates + 2 * extra + 1] = amounts[k]
    rows = table.reshape(2 * cells, stride)
    parts = (
        rows.reshape(-1),
        rows[:, 0] if candidates else np.full(2 * cells, np.inf),
        rows[:, candidates::2].reshape(-1),
        rows[:, candidates + 1 :: 2].reshape(-1),
    )
    arrays = [np.ascontiguousarray(part) for part in parts]
    for array in arrays:
        array.flags.writeable = False
    return SearchTable(shift, base, cells, candidates, stride, *arrays)


_BLOCK = 64
"""Rows per block of the shared-table kernel.

Short blocks keep the scratch arrays in L1 cache and let the core load the next block's
rows while it still solves this one's (measured: 64 rows stream about a third faster
than 512).
"""

_BLOCKS_PER_TASK = 1024
"""Blocks per parallel task of the shared-table kernel (scratch allocated once per task)."""


def _isolated_liquidation_shared(  # noqa: C901, PLR0912, PLR0915, PLR0917 - one fused kernel
    side: npt.NDArray[Any],
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: float,
    rule: Rule,
    shift: int,
    base: int,
    cells: int,
    candidates: int,
    stride: int,
    table: _F64,
    out: _F64,
) -> int:
    """One shared table and one contract size: the same arithmetic, blocked for SIMD.

    ``shift`` … ``table`` are a :class:`SearchTable`. Each block of rows runs four
    loops: the targets, their search cells and a fused validity test (vectorised); the
    candidate comparison in the cell, then the gathers of each row's rate and amount
    (scalar loads from the small cell table); the solve (vectorised). The validity test
    is ``±1`` side, ``q > 0``, ``e > 0``, ``m ≥ 0`` and a finite ``q + e + m``: it
    rejects every invalid row (NaN fails each comparison) and, besides them, only
    rows whose sum overflows float64; a rejected row is NaN in ``out`` and counted.
    Tasks of blocks run in parallel. Returns the rejected row count (the caller then
    takes the array-API path, which validates row by row).
    """
    inverse, entry_basis, fee_mark, fee_bankrupt = rule
    n = size.shape[0]
    span = _BLOCK * _BLOCKS_PER_TASK
    tasks = (n + span - 1) // span
    top = cells - 1
    one, three = np.uint64(1), np.uint64(3)
    always = math.inf if inverse else -math.inf  # a σ = −1 row liquidated at every price
    bad = 0
    for task in prange(tasks):
        target = np.empty(_BLOCK)
        keys = np.empty(_BLOCK)  # the values searched
        bits = keys.view(np.int64)
        signs = np.empty(_BLOCK)
        where = np.empty(_BLOCK, dtype=np.uint64)  # unsigned: no negative-index wraparound
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
                    ((s == 1) | (s == -1)) & (q > 0) & (e > 0) & (m >= 0) & (q + e + m < math.inf)
                )
                qc = q * contract_size
                notional = qc / e if inverse else qc * e
                sign = (-1.0 if s > 0 else 1.0) if inverse else (1.0 if s > 0 else -1.0)
                task_bad += not good
                value = (notional - sign * m) if good else math.nan  # NaN: a rejected row
                value = value * (1.0 + sign * fee_bankrupt) if value > 0 else value
                target[t] = value
                signs[t] = sign
                keys[t] = notional if entry_basis else value
                cell = 2 * min(max((bits[t] >> shift) - base, 0), top) + (sign > 0)
                where[t] = np.uint64(cell * stride)
            if candidates == 1:  # the usual table: at most one threshold per cell
                for t in range(rows):
                    o = where[t]
                    where[t] = o + (three if table[o] < keys[t] else one)
            else:
                for t in range(rows):
                    o = where[t]
                    key = keys[t]
                    up = 0
                    for j in range(candidates):
                        up += table[o + np.uint64(j)] < key
                    where[t] = o + np.uint64(candidates + 2 * up)
            for t in range(rows):  # the gathers, apart: the solve below then vectorises
                o = where[t]
                rate[t] = table[o]
                amount[t] = table[o + one]
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
                every = (numerator <= 0) & (sign < 0)  # NaN: no price (or a rejected row)
                block[t] = price if numerator > 0 else (always if every else math.nan)
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
