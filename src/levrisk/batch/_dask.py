"""Dask arrays in, lazy Dask arrays out: every batch function block by block.

A call with a Dask array argument returns at once a Dask array of the broadcast shape
whose blocks are computed by the same function on NumPy blocks (so the Numba kernel
runs where it applies). Validation happens inside the blocks when the result is
computed; its errors name the rows by their index in the whole (flattened) array.
Dask itself is imported only when a Dask array is passed (the ``dask`` extra).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import array_api_compat
import numpy as np

from levrisk.batch._common import ROWS
from levrisk.exceptions import InvalidInputError

_P = ParamSpec("_P")
_R = TypeVar("_R")


_PLAIN: frozenset[type] = frozenset({np.ndarray, type(None), int, float, str, bool})
"""Argument types that are never Dask arrays (checked first, for speed)."""


def is_dask(value: object) -> bool:
    """Whether ``value`` is a Dask array (without importing Dask)."""
    return type(value).__module__.startswith("dask.") and array_api_compat.is_dask_array(value)


def lazy(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` block by block, lazily, when any of its arguments is a Dask array."""
    return _lazy(func, np.dtype(np.float64))


def lazy_int8(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """:func:`lazy` for a function whose result is an ``int8`` array."""
    return _lazy(func, np.dtype(np.int8))


def _lazy(func: Callable[_P, _R], dtype: np.dtype[Any]) -> Callable[_P, _R]:
    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if any(type(value) not in _PLAIN and is_dask(value) for value in kwargs.values()):
            result: _R = _blockwise(func, dict(kwargs), dtype)
            return result
        return func(*args, **kwargs)

    return wrapper


def _blockwise(
    func: Callable[..., Any],
    kwargs: dict[str, object],
    dtype: np.dtype[Any],
) -> Any:  # noqa: ANN401
    """``func`` mapped over the blocks of the broadcast array arguments (of ``dtype``)."""
    da: Any = importlib.import_module("dask.array")  # the optional extra, for Dask inputs

    if kwargs.get("out") is not None:
        msg = "out is not accepted with Dask arrays (the result is a new lazy array)"
        raise InvalidInputError(msg)
    names = [k for k, v in kwargs.items() if is_dask(v) or array_api_compat.is_array_api_obj(v)]
    for name in names:
        value = kwargs[name]
        if not (is_dask(value) or isinstance(value, np.ndarray)):
            msg = (
                "the array arguments must share one array namespace: Dask arrays mix "
                f"only with NumPy arrays, got {type(value).__name__} for {name}"
            )
            raise InvalidInputError(msg)
    try:
        arrays = da.broadcast_arrays(*(da.asarray(kwargs[name]) for name in names))
    except ValueError as error:
        msg = f"the position arrays must have broadcastable shapes: {error}"
        raise InvalidInputError(msg) from error
    fixed = {k: v for k, v in kwargs.items() if k not in names}
    ndim = arrays[0].ndim
    return da.map_blocks(
        functools.partial(_block, func, names, fixed),
        *arrays,
        dtype=dtype,
        meta=np.empty((0,) * ndim, dtype=dtype),
    )


def _block(
    func: Callable[..., Any],
    names: Sequence[str],
    fixed: dict[str, object],
    *blocks: Any,  # noqa: ANN401 - NumPy blocks
    block_info: dict[object, Any] | None = None,
) -> Any:  # noqa: ANN401 - a NumPy block
    """One block: ``func`` on NumPy arrays, its row errors in global indices."""
    info = (block_info or {}).get(None)
    mapping = None if info is None else _global_rows(blocks[0].shape, info)
    token = ROWS.set(mapping)
    try:
        return func(**fixed, **dict(zip(names, blocks, strict=True)))
    finally:
        ROWS.reset(token)


def _global_rows(
    shape: tuple[int, ...], info: dict[str, Any]
) -> Callable[[Sequence[int]], list[int]]:
    """Map flat indices of a block of ``shape`` to flat indices of the whole array."""
    starts = [start for start, _ in info["array-location"]]
    whole = tuple(info["shape"])

    def mapping(indices: Sequence[int]) -> list[int]:
        if not whole:
            return list(indices)
        local = np.unravel_index(np.asarray(indices, dtype=np.int64), shape)
        moved = tuple(i + start for i, start in zip(local, starts, strict=True))
        return [int(i) for i in np.ravel_multi_index(moved, whole)]

    return mapping
