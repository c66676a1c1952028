"""Batch path: the hot formulas over arrays of positions, fast and pinned to the exact path.

Install with the ``batch`` extra (``pip install 'levrisk[batch]'``: NumPy and
array-api-compat), or ``batch-jit`` for the compiled Numba kernels as well
(``pip install 'levrisk[batch-jit]'``; without Numba the NumPy path computes the same
results). Importing this package without the extra raises an :class:`ImportError` that
names the command. The functions take arrays of any library that implements the
Python array API standard (NumPy by default; CuPy, PyTorch, JAX, array-api-strict) and
compute in float64 in that library, on its device. For NumPy inputs the isolated
liquidation price runs in a compiled Numba kernel on every core when Numba is
installed. Dask arrays (the ``dask`` extra) give lazy Dask arrays, computed block by
block.

Conventions shared by every function:

- ``side`` is ``1`` for a long and ``-1`` for a short (:data:`LONG`, :data:`SHORT`).
- A quantity that does not exist (no liquidation price, no margin level) is ``NaN``,
  where the scalar ``Decimal`` path returns ``None``; a position that every price
  liquidates gets ``+inf`` (long) or ``-inf`` (short), so that ``mark <= price`` (long)
  and ``mark >= price`` (short) stay the liquidation test. :func:`liquidation_states`
  turns prices (and marks) into the four outcomes of the scalar path as ``int8`` codes.
- Invalid rows (non-positive size or price, negative margin, a side other than ±1,
  NaN or infinities) are never computed silently: the call raises
  :class:`~levrisk.exceptions.InvalidInputError` listing how many rows are bad and the
  first few flat row indices with their values.
- The arguments broadcast together (scalars are allowed); the result has the
  broadcast shape.

The scalar ``Decimal`` path is the reference; the tests pin every function here to it
(see the batch explanation page for the float64 error bound).
"""

from __future__ import annotations

from typing import Final, TypeAlias

import levrisk.batch._extra  # noqa: F401 - first: without the extra, an ImportError naming the command
from levrisk._typing import publish
from levrisk.batch import _common, _futures, _states, _walker
from levrisk.batch._brackets import BracketArrays, TableArrays
from levrisk.batch._futures import (
    bankruptcy_price,
    isolated_liquidation_price,
    maintenance_margin,
    margin_ratio,
    notional,
    unrealized_pnl,
)
from levrisk.batch._interest import accrual_counts
from levrisk.batch._margin import margin_level, spot_liquidation_price
from levrisk.batch._states import liquidation_states
from levrisk.batch._walker import LIQUIDATION as WALK_LIQUIDATION
from levrisk.batch._walker import NONE as WALK_NONE
from levrisk.batch._walker import STOP as WALK_STOP
from levrisk.batch._walker import TAKE_PROFIT as WALK_TAKE_PROFIT
from levrisk.batch._walker import (
    WalkArrays,
    accrued_rates,
    walk_bars,
    walk_margin,
    walk_margin_bars,
)

LONG: Final = _common.LONG
"""The ``side`` code of a long position: ``1``."""

SHORT: Final = _common.SHORT
"""The ``side`` code of a short position: ``-1``."""

STATE_PRICE: Final = _states.STATE_PRICE
"""State code ``0`` of :func:`liquidation_states`: the row has a liquidation price, not
reached at the given marks."""

STATE_NONE: Final = _states.STATE_NONE
"""State code ``1`` of :func:`liquidation_states`: no price liquidates the row (its price
is ``NaN``)."""

STATE_ALWAYS: Final = _states.STATE_ALWAYS
"""State code ``2`` of :func:`liquidation_states`: every price liquidates the row (its
price is ``+inf`` or ``-inf``)."""

STATE_ALREADY: Final = _states.STATE_ALREADY
"""State code ``3`` of :func:`liquidation_states`: at the given mark the row is already
at or past its liquidation price."""

Array: TypeAlias = _common.Array
"""Any array of the Python array API standard (NumPy, CuPy, PyTorch, JAX, ...).

An alias of ``Any``: the array libraries share no static type.
"""

Engine: TypeAlias = _futures.Engine
"""Which implementation computes the isolated liquidation price.

``"auto"`` uses a compiled Numba kernel for NumPy inputs when Numba is installed and the
array-API path otherwise; ``"numba"`` insists on the kernel (and raises
:class:`~levrisk.exceptions.InvalidInputError` when the inputs or the installation do
not allow it); ``"array_api"`` always takes the portable path.
"""


WalkEngine: TypeAlias = _walker.WalkEngine
"""The engine of :func:`walk_bars`: ``"auto"`` (the Numba kernel when Numba is installed,
else NumPy), ``"numba"``, ``"numpy"`` or ``"python"`` (a per-bar loop, the reference)."""

__all__ = [
    "LONG",
    "SHORT",
    "STATE_ALREADY",
    "STATE_ALWAYS",
    "STATE_NONE",
    "STATE_PRICE",
    "WALK_LIQUIDATION",
    "WALK_NONE",
    "WALK_STOP",
    "WALK_TAKE_PROFIT",
    "Array",
    "BracketArrays",
    "Engine",
    "TableArrays",
    "WalkArrays",
    "WalkEngine",
    "accrual_counts",
    "accrued_rates",
    "bankruptcy_price",
    "isolated_liquidation_price",
    "liquidation_states",
    "maintenance_margin",
    "margin_level",
    "margin_ratio",
    "notional",
    "spot_liquidation_price",
    "unrealized_pnl",
    "walk_bars",
    "walk_margin",
    "walk_margin_bars",
]

_PUBLIC = publish(__name__, globals(), __all__)  # document as levrisk.batch.<name>


def __dir__() -> list[str]:
    """The public names (the private modules stay out of ``dir()``)."""
    return _PUBLIC
