"""Shared helpers of :mod:`levrisk.batch`: namespaces, conversion and row validation."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Final, ParamSpec, TypeAlias, TypeVar

import array_api_compat
import numpy as np

from levrisk.exceptions import InvalidInputError
from levrisk.futures import ContractKind

Array: TypeAlias = Any
"""Any array of the Python array API standard (NumPy, CuPy, PyTorch, JAX, ...)."""


LONG: Final = 1
"""The ``side`` code of a long position."""

SHORT: Final = -1
"""The ``side`` code of a short position."""

_SHOWN: Final = 5
"""How many offending rows an error message lists."""


ROWS: contextvars.ContextVar[Callable[[Sequence[int]], list[int]] | None] = contextvars.ContextVar(
    "levrisk_batch_rows", default=None
)
"""Maps a block's flat row indices to the whole array's (set by the Dask path)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


def quiet(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` with NumPy's floating-point warnings off.

    Invalid rows are rejected before any arithmetic, and the masked divisions never
    divide by zero; what remains is float64 overflow of absurdly large inputs, which
    gives ``inf`` rows (documented) instead of a ``RuntimeWarning``.
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)

    return wrapper


def where(xp: Any, condition: Array, value: Array, other: float) -> Array:  # noqa: ANN401
    """``xp.where`` with a Python scalar ``other``, as a 0-d array of ``value``'s dtype.

    The 2023.12 array API standard accepts only arrays in ``where``; newer versions and
    most libraries also accept scalars.
    """
    fill = xp.asarray(other, dtype=value.dtype, device=array_api_compat.device(value))
    return xp.where(condition, value, fill)


def namespace(*values: object) -> Any:  # noqa: ANN401 - a module object
    """The array-API namespace of the array arguments (NumPy when all are scalars)."""
    arrays = [v for v in values if array_api_compat.is_array_api_obj(v)]
    if not arrays:
        return array_api_compat.array_namespace(np.asarray(0.0))
    try:
        return array_api_compat.array_namespace(*arrays)
    except TypeError as error:
        msg = f"the array arguments must share one array namespace: {error}"
        raise InvalidInputError(msg) from error


def check_kind(kind: object) -> ContractKind:
    """Validate a contract kind."""
    if not isinstance(kind, str) or kind not in {"linear", "inverse"}:
        msg = f"kind must be 'linear' or 'inverse', got {kind!r}"
        raise InvalidInputError(msg)
    return "linear" if kind == "linear" else "inverse"


def as_float(xp: Any, value: object, *, name: str) -> Array:  # noqa: ANN401
    """Convert an array or a real scalar to a float64 array of namespace ``xp``.

    Integer arrays are converted, float arrays kept (float32 is widened). Booleans,
    complex values, strings and other objects raise
    :class:`~levrisk.exceptions.InvalidInputError` naming ``name``.
    """
    if array_api_compat.is_array_api_obj(value):
        array: Any = value
        dtype = array.dtype
        if xp.isdtype(dtype, "real floating"):
            return value if dtype == xp.float64 else xp.astype(value, xp.float64)
        if xp.isdtype(dtype, "integral"):
            return xp.astype(value, xp.float64)
        msg = f"{name} must be an array of real numbers, got dtype {dtype!r}"
        raise InvalidInputError(msg)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, Decimal))
        or (isinstance(value, Decimal) and value.is_snan())
    ):
        msg = f"{name} must be a real number or an array of real numbers, got {value!r}"
        raise InvalidInputError(msg)
    try:
        converted = float(value)
    except OverflowError as error:
        msg = f"{name} must be a real number within float64 range, got {value!r}"
        raise InvalidInputError(msg) from error
    return xp.asarray(converted, dtype=xp.float64)


def as_index(xp: Any, value: object, *, name: str, bound: int) -> Array:  # noqa: ANN401
    """Validate an integer index array with ``0 ≤ value < bound``."""
    array: Any = value
    if not array_api_compat.is_array_api_obj(array) or not xp.isdtype(array.dtype, "integral"):
        msg = f"{name} must be an integer array, got {value!r}"
        raise InvalidInputError(msg)
    index = xp.astype(value, xp.int64)
    check_rows(
        xp,
        (index < 0) | (index >= bound),
        name=name,
        rule=f"a symbol index in [0, {bound})",
        values=index,
    )
    return index


def check_rows(xp: Any, bad: Array, *, name: str, rule: str, values: Array) -> None:  # noqa: ANN401
    """Raise :class:`~levrisk.exceptions.InvalidInputError` when any row of ``bad`` is set.

    The message names the argument, the rule, how many rows break it and the first
    few flat row indices with their values.
    """
    flat = xp.reshape(bad, (-1,))
    if not bool(xp.any(flat)):
        return
    (rows,) = xp.nonzero(flat)
    count = int(rows.shape[0])
    first = rows[: min(count, _SHOWN)]
    shown = xp.take(xp.reshape(xp.broadcast_to(values, bad.shape), (-1,)), first)
    indices = [int(first[i]) for i in range(int(first.shape[0]))]
    mapping = ROWS.get()
    if mapping is not None:
        indices = mapping(indices)
    got = [float(shown[i]) for i in range(int(shown.shape[0]))]
    msg = f"{name} must be {rule}: {count} bad row(s), first at {indices}, got {got}"
    raise InvalidInputError(msg)


def positive(xp: Any, value: object, *, name: str) -> Array:  # noqa: ANN401
    """``value`` as float64 (:func:`as_float`), every row positive and finite."""
    array = as_float(xp, value, name=name)
    check_rows(
        xp, ~(xp.isfinite(array) & (array > 0)), name=name, rule="positive and finite", values=array
    )
    return array


def non_negative(xp: Any, value: object, *, name: str) -> Array:  # noqa: ANN401
    """``value`` as float64 (:func:`as_float`), every row non-negative and finite."""
    array = as_float(xp, value, name=name)
    check_rows(
        xp,
        ~(xp.isfinite(array) & (array >= 0)),
        name=name,
        rule="non-negative and finite",
        values=array,
    )
    return array


def side_codes(xp: Any, side: object) -> Array:  # noqa: ANN401
    """``side`` as float64 (:func:`as_float`), every row ``1`` (long) or ``-1`` (short)."""
    value = as_float(xp, side, name="side")
    check_rows(
        xp,
        (value != 1.0) & (value != -1.0),
        name="side",
        rule="1 (long) or -1 (short)",
        values=value,
    )
    return value


def broadcast_flat(xp: Any, *arrays: Array) -> tuple[tuple[int, ...], list[Array]]:  # noqa: ANN401
    """Broadcast the arrays together and flatten each to 1-D; return the common shape."""
    try:
        broadcast = xp.broadcast_arrays(*arrays)
    except ValueError as error:
        msg = f"the position arrays must have broadcastable shapes: {error}"
        raise InvalidInputError(msg) from error
    shape = tuple(broadcast[0].shape)
    try:
        return shape, [xp.reshape(a, (-1,)) for a in broadcast]
    except MemoryError as error:  # NumPy's ArrayMemoryError: the broadcast is too large
        msg = f"the position arrays broadcast to shape {shape}, too large to compute: {error}"
        raise InvalidInputError(msg) from error
