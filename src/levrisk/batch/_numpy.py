"""The array-API path's NumPy lane for the isolated liquidation price.

The portable path (:mod:`levrisk.batch._futures`) writes every step as a new array. With
NumPy arrays, one shared table and a scalar contract size, this lane evaluates the very
same float64 expressions in the same order, chunk by chunk, into a few scratch arrays
reused in place (``out=`` on the ufuncs), searches the bracket in cells of the key's
float bits (:class:`~levrisk.batch._kernel.SearchTable`: a few passes whatever the
bracket count) and validates each chunk with six reductions instead of a mask per
argument. So it gives the portable path's result bit for bit, in fewer passes over
memory; a chunk that fails the fast validity test sends the whole call back to the
portable path, which lists the bad rows.
"""

from __future__ import annotations

import math
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

from levrisk.batch._kernel import SearchTable

_F64 = npt.NDArray[np.float64]

CHUNK: Final = 1 << 16
"""Rows per chunk (its scratch arrays stay in the core's cache)."""


def qualifies(columns: tuple[object, ...], out: object) -> bool:
    """Whether the arguments fit the lane: 1-D NumPy rows of one length.

    ``columns`` are ``side``, ``size``, ``entry_price``, ``margin`` and
    ``contract_size`` (or None for a scalar contract size).
    """
    side, *floats = columns
    if not (type(side) is np.ndarray and side.ndim == 1 and side.dtype.kind in "if"):
        return False
    rows = side.shape
    return all(
        c is None or (type(c) is np.ndarray and c.dtype == np.float64 and c.shape == rows)
        for c in floats
    ) and (
        out is None
        or (
            type(out) is np.ndarray
            and out.dtype == np.float64
            and out.shape == rows
            and out.flags.writeable
        )
    )


def _valid(
    side: npt.NDArray[Any],
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: Any,  # noqa: ANN401
) -> bool:
    """Whether every row of a chunk is valid (NaN fails each comparison)."""
    if not (
        size.min() > 0
        and entry.min() > 0
        and margin.min() >= 0
        and size.max() < math.inf
        and entry.max() < math.inf
        and margin.max() < math.inf
        and np.min(contract_size) > 0
        and np.max(contract_size) < math.inf
    ):
        return False
    if side.dtype.kind == "i":  # integers in [-1, 1] without a 0
        return bool(side.min() >= -1 and side.max() <= 1 and np.count_nonzero(side) == side.size)
    return bool(np.count_nonzero(np.abs(side) == 1) == side.size)


class _Scratch:
    """The chunk's reused arrays."""

    def __init__(self, rows: int) -> None:
        self.sign = np.empty(rows)
        self.units = np.empty(rows)
        self.notional = np.empty(rows)
        self.target = np.empty(rows)
        self.work = np.empty(rows)
        self.rate = np.empty(rows)
        self.amount = np.empty(rows)
        self.cell = np.empty(rows, dtype=np.int64)
        self.mask = np.empty(rows, dtype=bool)
        self.plus = np.empty(rows, dtype=bool)

    def trimmed(self, rows: int) -> _Scratch:
        """The same arrays cut to a shorter last chunk."""
        short = _Scratch.__new__(_Scratch)
        for name, value in vars(self).items():
            setattr(short, name, value[:rows])
        return short


class Rule(NamedTuple):
    """The solve's terms: the contract kind and the liquidation rule's floats."""

    inverse: bool
    entry_basis: bool
    fee_mark: float
    fee_bankrupt: float


def liquidation(
    columns: tuple[npt.NDArray[Any], _F64, _F64, _F64],
    *,
    contract_size: float | _F64,
    rule: Rule,
    search: SearchTable,
    out: _F64,
) -> bool:
    """Fill ``out`` chunk by chunk; False (``out`` unspecified) when a row is invalid.

    ``columns`` are ``side``, ``size``, ``entry_price`` and ``margin``;
    ``contract_size`` is a float or a float64 array of one per row.
    """
    rows = columns[1].shape[0]
    scratch = _Scratch(min(rows, CHUNK))
    per_row = isinstance(contract_size, np.ndarray)
    for start in range(0, rows, CHUNK):
        stop = min(rows, start + CHUNK)
        side, size, entry, margin = (column[start:stop] for column in columns)
        units = contract_size[start:stop] if per_row else contract_size  # type: ignore[index]
        if not _valid(side, size, entry, margin, units):
            return False
        _solve(
            (side, size, entry, margin),
            units,
            rule,
            search,
            out[start:stop],
            scratch if stop - start == CHUNK else scratch.trimmed(stop - start),
        )
    return True


def _solve(  # noqa: PLR0917 - one chunk's parts, positionally
    columns: tuple[npt.NDArray[Any], _F64, _F64, _F64],
    contract_size: float | _F64,
    rule: Rule,
    search: SearchTable,
    out: _F64,
    scratch: _Scratch,
) -> None:
    """One valid chunk: the portable path's expressions, in place."""
    side, size, entry, margin = columns
    inverse, entry_basis, fee_mark, fee_bankrupt = rule
    s = scratch
    if inverse:  # σ = −side
        np.negative(side, out=s.sign, casting="unsafe")
        np.less(side, 0, out=s.plus)  # σ = +1
    else:  # σ = side
        np.copyto(s.sign, side)
        np.greater(side, 0, out=s.plus)
    one = isinstance(contract_size, float) and contract_size == 1  # Q·1 is Q, exactly
    units = size if one else np.multiply(size, contract_size, out=s.units)
    (np.divide if inverse else np.multiply)(units, entry, out=s.notional)
    np.multiply(s.sign, margin, out=s.work)
    np.subtract(s.notional, s.work, out=s.target)  # T = n_entry − σ·M
    fee: Any = fee_mark
    if fee_bankrupt:  # T·(1 + σ·c_b) where a bankruptcy price exists, else the fee at mark
        np.greater(s.target, 0.0, out=s.mask)
        np.multiply(s.sign, fee_bankrupt, out=s.work)
        np.add(s.work, 1.0, out=s.work)
        np.multiply(s.target, s.work, out=s.work)
        np.copyto(s.target, s.work, where=s.mask)
        fee = np.where(s.mask, fee_mark, fee_bankrupt + fee_mark)
    key = s.notional if entry_basis else s.target
    _search(key, s, search)
    if entry_basis:  # maintenance at entry: σ·m·n_entry moves into the target
        np.multiply(s.sign, s.rate, out=s.work)
        np.multiply(s.work, s.notional, out=s.work)
        np.add(s.target, s.work, out=s.target)
        rate: Any = fee
    else:
        rate = s.rate if not (fee_mark or fee_bankrupt) else np.add(s.rate, fee, out=s.rate)
    np.multiply(s.sign, s.amount, out=s.work)
    np.subtract(s.target, s.work, out=s.target)  # the numerator
    np.multiply(s.sign, rate, out=s.work)
    np.subtract(1.0, s.work, out=s.work)  # the denominator
    if inverse:
        np.multiply(units, s.work, out=s.work)
        np.divide(s.work, s.target, out=out)
    else:
        np.multiply(s.work, units, out=s.work)
        np.divide(s.target, s.work, out=out)
    np.less_equal(s.target, 0.0, out=s.mask)  # no liquidation price (NaN stays NaN):
    np.copyto(out, math.nan, where=s.mask & s.plus)  # σ = +1: no price liquidates
    np.copyto(out, math.inf if inverse else -math.inf, where=s.mask & ~s.plus)  # every price


def _search(key: _F64, s: _Scratch, search: SearchTable) -> None:
    """Each row's bracket rate and amount into ``s.rate``/``s.amount`` (the cell search)."""
    cell = s.cell
    np.right_shift(key.view(np.int64), search.shift, out=cell)
    np.subtract(cell, search.base, out=cell)
    np.clip(cell, 0, search.cells - 1, out=cell)
    np.left_shift(cell, 1, out=cell)
    np.add(cell, s.plus, out=cell)  # σ = +1: the odd rows
    if search.candidates == 1:  # the usual table: at most one threshold per cell
        np.take(search.firsts, cell, out=s.work, mode="clip")  # in range: no check
        np.less(s.work, key, out=s.mask)
        np.left_shift(cell, 1, out=cell)
        np.add(cell, s.mask, out=cell)
    else:
        below = np.zeros(cell.shape, dtype=np.int64)
        rows = search.table.reshape(-1, search.stride)
        for j in range(search.candidates):
            np.take(rows[:, j], cell, out=s.work, mode="clip")
            np.less(s.work, key, out=s.mask)
            np.add(below, s.mask, out=below)
        np.multiply(cell, search.candidates + 1, out=cell)
        np.add(cell, below, out=cell)
    np.take(search.rates, cell, out=s.rate, mode="clip")
    np.take(search.amounts, cell, out=s.amount, mode="clip")
