r"""The bar walker over arrays of positions (:ref:`rule-bar-walker`).

Every position walks one shared series of bars; the first bar at which its liquidation,
stop or take-profit fires is found by a compiled Numba kernel when Numba is installed
(one pass per position, stopping at its event), and otherwise by a NumPy path that
loops over the bars and is vectorised over the positions. Both evaluate the same float64
expressions as :func:`levrisk.batch.isolated_liquidation_price` (Binance rule: mark
basis, no close fee); the exact reference is :func:`levrisk.futures._walk.walk`.

Private: :mod:`levrisk.batch` will re-export ``walk_bars``, ``WalkArrays``,
``WalkEngine`` and the event codes.
"""

from __future__ import annotations

import importlib.util
import math
import types
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

from levrisk import _typing
from levrisk._fields import aware_datetime, entries, non_negative_number, positive_number, require
from levrisk._typing import InterestCounting, Side, choice
from levrisk.batch._brackets import BracketArrays, check_brackets
from levrisk.batch._common import Array, check_kind, check_rows
from levrisk.batch._futures import _BINANCE, _terms
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.futures._model import LiquidationRule
from levrisk.futures._walk import _ORDER, Bar, Intrabar, WalkEvent, WalkResult, first_event
from levrisk.interest import RateSchedule, accrual_count, accrual_times, loan_state
from levrisk.margin._liquidation import liquidation_price
from levrisk.margin._model import IsolatedMarginAccount, Loan
from levrisk.numbers import NumberLike, exact

NONE: Final = 0
"""Event code: nothing fired over the bars."""
LIQUIDATION: Final = 1
"""Event code: the liquidation price was reached."""
STOP: Final = 2
"""Event code: the stop-loss was reached."""
TAKE_PROFIT: Final = 3
"""Event code: the take-profit was reached."""

WalkEngine: TypeAlias = _typing.WalkEngine
"""``"auto"`` (Numba when installed, else NumPy), ``"numba"``, ``"numpy"`` (a loop over bars,
vectorised over positions) or ``"python"`` (the kernel uncompiled: a per-bar Python loop)."""

_ENGINES = ("auto", "numba", "numpy", "python")
_F64 = npt.NDArray[np.float64]
_ORDERS = {"worst": (LIQUIDATION, STOP, TAKE_PROFIT), "best": (TAKE_PROFIT, STOP, LIQUIDATION)}
AVAILABLE: bool = importlib.util.find_spec("numba") is not None
"""Whether the compiled kernel can be used."""

# Rows of the kernel's ``columns`` (positions along the second axis): 0 side, 1 stop,
# 2 take-profit, 3 first bar; futures: size × contract size, entry, margin; spot margin:
# base held, quote held, principal, interest owed at the start, liquidation level.
_SIZE, _ENTRY, _MARGIN = 4, 5, 6
_BASE, _QUOTE, _PRINCIPAL, _INTEREST, _LEVEL = 4, 5, 6, 7, 8


class WalkArrays(NamedTuple):
    """The first event of each position (see :func:`walk_bars`).

    .. versionadded:: 0.2.0
    """

    bar: npt.NDArray[np.int64]
    """The bar index of the event, −1 when nothing fired."""
    event: npt.NDArray[np.int8]
    """The event code: :data:`NONE`, :data:`LIQUIDATION`, :data:`STOP`, :data:`TAKE_PROFIT`."""
    price: _F64
    """The fill price (the level, or the bar's open on a gap); NaN when nothing fired."""


def _futures_price(position: tuple[Any, ...], rule: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """``(numerator, price, sign)`` of the isolated liquidation price.

    The price is valid where ``numerator > 0``; elsewhere no price liquidates when
    ``sign > 0`` and every price does otherwise (``±inf``, as the batch solve gives).

    The float expressions of :func:`levrisk.batch._kernel._isolated_liquidation` for
    any :class:`~levrisk.futures.LiquidationRule` (``flags``: spot, inverse, entry basis,
    close fee at mark, close fee at the bankruptcy price), written without branches on
    the data so that the same code runs on scalars (the kernel) and on arrays (NumPy):
    ``x·1.0`` and ``x + 0.0`` leave a float unchanged.
    """
    qc, entry, margin, side, symbol = position
    flags, edges, rates, amounts = rule
    inverse = flags[1] != 0
    width = edges.shape[2]
    notional = qc / entry if inverse else qc * entry
    p = ((side < 0) if inverse else (side > 0)) * 1
    sign = 2.0 * p - 1.0
    target = notional - sign * margin
    alive = (target > 0) * 1.0  # a bankruptcy price exists: its close fee applies
    target = target * (1.0 + alive * sign * flags[4])
    fee = flags[3] + (1.0 - alive) * flags[4]
    key = notional if flags[2] != 0 else target
    k = 0
    for j in range(width - 2):  # the last edge leads to the same (extrapolated) bracket
        k += edges[symbol, p, j] < key
    basis = flags[2]  # maintenance at entry: a constant, moved into the target
    target = target + sign * rates[symbol, k] * notional * basis
    rate = fee if basis != 0 else rates[symbol, k] + fee
    numerator = target - sign * amounts[symbol, k]
    price = (
        qc * (1.0 - sign * rate) / numerator if inverse else numerator / ((1.0 - sign * rate) * qc)
    )
    return numerator, price, sign


def _spot_price(columns: _F64, i: Any, accrued: Any) -> tuple[Any, Any]:  # noqa: ANN401
    """``(test, price)`` of the spot-margin liquidation price; valid where test > 0.

    With ``D = P + I₀ + P·R`` owed (``R`` the hourly rates accrued so far), on the quote
    for a long (``σ = +1``) and on the base for a short: ``l = (ML*·D_o − A_o)/(A_x −
    ML*·D_x)`` (:func:`levrisk.margin.liquidation_price`), a price only where numerator
    and denominator share their sign. ``i``: a row or an array of rows.
    """
    side = columns[0, i]
    principal = columns[_PRINCIPAL, i]
    owed = principal + columns[_INTEREST, i] + principal * accrued
    level = columns[_LEVEL, i]
    long = (side > 0) * 1.0
    numerator = level * owed * long - columns[_QUOTE, i]
    denominator = columns[_BASE, i] - level * owed * (1.0 - long)
    return numerator * denominator, numerator / denominator


def _walk(  # noqa: C901, PLR0912, PLR0915, PLR0917 - one fused numba kernel
    columns: _F64,
    symbol: npt.NDArray[np.int64],
    flags: _F64,
    edges: _F64,
    rates: _F64,
    amounts: _F64,
    bars: _F64,
    order: npt.NDArray[np.int64],
    out_index: npt.NDArray[np.int64],
    out_event: npt.NDArray[np.int8],
    out_price: _F64,
) -> None:
    """Walk each position over its ``bars`` (see :func:`walk_bars` for the layouts)."""
    n = columns.shape[1]
    count = bars.shape[2]
    shared = bars.shape[1] == 1
    spot = flags[0] != 0
    inverse = flags[1] != 0
    always = math.inf if inverse else -math.inf  # a σ = −1 row liquidated at every price
    for i in range(n):
        s = columns[0, i]
        row = 0 if shared else i
        qc = columns[_SIZE, i]
        m = columns[_MARGIN, i]
        out_index[i] = -1
        out_event[i] = 0
        out_price[i] = math.nan
        lp = math.nan
        first = True
        last = 0.0
        for b in range(int(columns[3, i]), count):
            o = bars[0, row, b]
            if o != o:  # noqa: PLR0124 - NaN: no bar for this position
                continue
            r = bars[5, row, b]
            if spot:
                if first or r != last:
                    test, price = _spot_price(columns, i, r)
                    lp = price if test > 0 else math.nan
                last = r
            else:
                if r != 0.0:
                    m -= s * (qc / o if inverse else qc * o) * r
                if first or r != 0.0:
                    numerator, price, sign = _futures_price(
                        (qc, columns[_ENTRY, i], m, s, symbol[i]), (flags, edges, rates, amounts)
                    )
                    lp = price if numerator > 0 else (math.nan if sign > 0 else always)
            first = False
            found = 0
            fill = math.nan
            for gap in range(2):
                for t in range(3):
                    ev = order[t]
                    level = lp if ev == 1 else columns[ev - 1, i]  # stop: row 1, target: 2
                    if level != level:  # noqa: PLR0124 - NaN: no such level
                        continue
                    below = (s > 0) == (ev != 3)
                    if gap == 0:
                        low = o
                        high = o
                    elif ev == 1:
                        low = bars[4, row, b]
                        high = bars[3, row, b]
                    else:
                        low = bars[2, row, b]
                        high = bars[1, row, b]
                    if (low <= level) if below else (high >= level):
                        found = ev
                        fill = o if gap == 0 else level
                        break
                if found:
                    break
            if found:
                out_index[i] = b
                out_event[i] = found
                out_price[i] = fill
                break


_COMPILED: dict[str, Callable[..., None]] = {}


def _compiled() -> Callable[..., None]:
    """The kernel compiled by Numba (imported and jitted on first use, cached on disk).

    The two price helpers are compiled first and the kernel is built over a copy of
    this module's globals that holds them, so the Python engines keep the plain ones.
    """
    kernel = _COMPILED.get("walk")
    if kernel is None:
        import numba  # noqa: PLC0415 - imported lazily: it takes a while

        jit = numba.njit(cache=True, nogil=True, error_model="numpy")
        scope = dict(globals())
        scope["_futures_price"] = jit(_futures_price)
        scope["_spot_price"] = jit(_spot_price)
        source = types.FunctionType(_walk.__code__, scope, "_walk")
        kernel = jit(source)
        _COMPILED["walk"] = kernel
    return kernel


def _numpy(*args: Any) -> None:  # noqa: ANN401 - the kernel's arguments
    """The kernel's arithmetic, a loop over bars vectorised over the positions."""
    columns, symbol, flags, edges, rates, amounts, bars, order, out_index, out_event, out_price = (
        args
    )
    n = columns.shape[1]
    side = columns[0]
    shared = bars.shape[1] == 1
    qc = columns[_SIZE]
    m = columns[_MARGIN].copy()
    out_index[:] = -1
    out_event[:] = 0
    out_price[:] = np.nan
    alive = np.ones(n, dtype=bool)
    started = np.zeros(n, dtype=bool)
    last = np.zeros(n)
    below = {ev: (side > 0) == (ev != TAKE_PROFIT) for ev in (LIQUIDATION, STOP, TAKE_PROFIT)}
    levels = {LIQUIDATION: np.full(n, np.nan), STOP: columns[1], TAKE_PROFIT: columns[2]}
    with np.errstate(divide="ignore", invalid="ignore"):
        for b in range(bars.shape[2]):
            cells = np.broadcast_to(bars[:, :, b], (6, n)) if shared else bars[:, :, b]
            o, high, low, mark_high, mark_low, r = cells
            present = alive & ~np.isnan(o) & (columns[3] <= b)
            if flags[0] != 0:  # solved again where the accrued rates changed
                need = present & (~started | (r != last))
                last = np.where(present, r, last)
            else:  # funding paid from the margin, then solved again
                need = present & (~started | (r != 0.0))
                if need.any():
                    paid = side * (qc / o if flags[1] != 0 else qc * o) * r
                    m = np.where(present & (r != 0.0), m - paid, m)
            if need.any():
                if flags[0] != 0:
                    test, price, sign = (*_spot_price(columns, slice(None), r), 1.0)
                else:
                    test, price, sign = _futures_price(
                        (qc, columns[_ENTRY], m, side, symbol), (flags, edges, rates, amounts)
                    )
                levels[LIQUIDATION] = np.where(  # σ = −1: every price (+inf inverse, −inf linear)
                    need,
                    np.where(
                        test > 0,
                        price,
                        np.where(sign > 0, np.nan, np.copysign(np.inf, flags[1] - 0.5)),
                    ),
                    levels[LIQUIDATION],
                )
            started |= present
            ranges = {
                LIQUIDATION: (mark_low, mark_high),
                STOP: (low, high),
                TAKE_PROFIT: (low, high),
            }
            found = np.zeros(n, dtype=np.int8)
            fill = np.full(n, np.nan)
            for gap in (True, False):
                for ev in order:
                    level = levels[int(ev)]
                    lower, upper = (o, o) if gap else ranges[int(ev)]
                    reached = np.where(below[int(ev)], lower <= level, upper >= level)
                    new = present & (found == 0) & reached
                    found[new] = ev
                    fill[new] = o[new] if gap else level[new]
            done = found > 0
            out_index[done] = b
            out_event[done] = found[done]
            out_price[done] = fill[done]
            alive &= ~done
            if not alive.any():
                break


_PATHS: dict[str, Callable[..., None]] = {"auto": _numpy, "numpy": _numpy, "python": _walk}


def _column(value: object, n: int, name: str, *, optional: bool = False) -> _F64:
    """``value`` as a float64 column of length ``n`` (a scalar broadcasts; ``None``: NaN)."""
    if value is None and optional:
        return np.full(n, np.nan)
    raw: Any = value
    if isinstance(raw, bool) or (isinstance(raw, np.ndarray) and raw.dtype.kind not in "if"):
        msg = f"{name} must be real numbers, got {value!r}"
        raise InvalidInputError(msg)
    try:
        array = np.broadcast_to(np.asarray(raw, dtype=np.float64), (n,))
    except (TypeError, ValueError) as error:
        msg = f"{name} must be real numbers broadcasting to ({n},): {error}"
        raise InvalidInputError(msg) from error
    return np.ascontiguousarray(array)


def _positive(values: _F64, name: str, *, optional: bool = False, zero: bool = False) -> None:
    """Check that ``values`` are finite and > 0 (≥ 0 with ``zero``; NaN too if ``optional``)."""
    bad = ~(np.isfinite(values) & ((values >= 0) if zero else (values > 0)))
    if optional:
        bad &= ~np.isnan(values)
    rule = "non-negative and finite" if zero else "positive and finite"
    check_rows(np, bad, name=name, rule=rule, values=values)


def _grid(value: object, name: str) -> _F64:
    """``value`` as a float64 array of bars: 1-D (bars,) or 2-D (positions, bars)."""
    raw: Any = value
    if isinstance(raw, bool) or (isinstance(raw, np.ndarray) and raw.dtype.kind not in "if"):
        msg = f"{name} must be real numbers, got {value!r}"
        raise InvalidInputError(msg)
    try:
        array = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as error:
        msg = f"{name} must be real numbers: {error}"
        raise InvalidInputError(msg) from error
    if array.ndim not in {1, 2}:
        msg = f"{name} must be 1-D (bars,) or 2-D (positions, bars), got shape {array.shape}"
        raise InvalidInputError(msg)
    return array


def _bars(n: int, given: dict[str, object], carry: str) -> _F64:
    """The bars as ``(6, R, bars)``: open, high, low, mark high, mark low, ``carry``.

    ``R`` is 1 (one series shared by every position) or ``n`` (a series per position,
    when any field is 2-D); a NaN open marks a missing bar (its other fields are
    ignored). ``given``: the fields by name (``None`` marks: the trade range).
    """
    grids = {name: _grid(value, name) for name, value in given.items() if value is not None}
    rows = n if any(grid.ndim == 2 for grid in grids.values()) else 1
    count = grids["open"].shape[-1]
    bars = np.zeros((6, rows, count))
    for k, name in enumerate(("open", "high", "low", "mark_high", "mark_low", carry)):
        fallback = {"mark_high": "high", "mark_low": "low"}.get(name, name)
        grid = grids.get(name, grids.get(fallback))
        if grid is None:  # no funding or accrual given: zero
            continue
        try:
            bars[k] = np.broadcast_to(grid, (rows, count))
        except ValueError as error:
            msg = f"{name} must broadcast to ({rows}, {count}) (positions, bars): {error}"
            raise InvalidInputError(msg) from error
    present = ~np.isnan(bars[0])
    for k, name in enumerate(("open", "high", "low", "mark_high", "mark_low")):
        row = bars[k]
        check_rows(
            np,
            present & ~(np.isfinite(row) & (row > 0)),
            name=name,
            rule="positive and finite",
            values=row,
        )
    check_rows(
        np,
        present & ((bars[2] > bars[0]) | (bars[0] > bars[1]) | (bars[4] > bars[3])),
        name="bars",
        rule="low ≤ open ≤ high and mark_low ≤ mark_high",
        values=bars[0],
    )
    check_rows(np, present & ~np.isfinite(bars[5]), name=carry, rule="finite", values=bars[5])
    bars[5] = np.where(present, bars[5], 0.0)
    return bars


def _starts(start: object, n: int, count: int) -> _F64:
    """The first bar each position walks (default 0), an integer in ``[0, bars]``."""
    if start is None:
        return np.zeros(n)
    raw: Any = start
    array = np.asarray(raw) if not isinstance(raw, bool) else np.asarray(None)
    if array.dtype.kind not in "iu":
        msg = f"start must be integers, got {start!r}"
        raise InvalidInputError(msg)
    values = np.broadcast_to(array, (n,)) if array.ndim <= 1 and array.size in {1, n} else None
    if values is None:
        msg = f"start must be one integer or ({n},) of them, got shape {array.shape}"
        raise InvalidInputError(msg)
    check_rows(
        np,
        (values < 0) | (values > count),
        name="start",
        rule=f"a bar index in [0, {count}]",
        values=values,
    )
    return values.astype(np.float64)


def _order_engine(intrabar: object, engine: object) -> tuple[npt.NDArray[np.int64], str]:
    """The intrabar order's event codes and the engine to run, checked."""
    if not isinstance(intrabar, str) or intrabar not in _ORDERS:
        msg = f"intrabar must be one of {tuple(_ORDERS)!r}, got {intrabar!r}"
        raise InvalidInputError(msg)
    if not isinstance(engine, str) or engine not in _ENGINES:
        msg = f"engine must be one of {_ENGINES!r}, got {engine!r}"
        raise InvalidInputError(msg)
    if engine == "numba" and not AVAILABLE:
        msg = "engine='numba' needs Numba installed"
        raise InvalidInputError(msg)
    if engine == "auto":
        engine = "numba" if AVAILABLE else "numpy"
    return np.asarray(_ORDERS[intrabar], dtype=np.int64), engine


def _sides(side: object) -> _F64:
    """``side`` as a float column of ``1`` and ``-1``."""
    sides = np.atleast_1d(np.asarray(side))
    if sides.ndim != 1 or sides.dtype.kind not in "if":
        msg = f"side must be a 1-D array of 1 and -1, got {side!r}"
        raise InvalidInputError(msg)
    s = _column(sides, sides.shape[0], "side")
    check_rows(np, (s != 1.0) & (s != -1.0), name="side", rule="1 (long) or -1 (short)", values=s)
    return s


def _run(  # noqa: PLR0917 - the kernel's inputs, prepared
    columns: _F64,
    symbol: npt.NDArray[np.int64],
    flags: _F64,
    tables: tuple[_F64, _F64, _F64],
    bars: _F64,
    order_engine: tuple[npt.NDArray[np.int64], str],
) -> WalkArrays:
    """Fill the stop, take-profit and start rows, run the chosen engine; its result."""
    n = columns.shape[1]
    out = WalkArrays(
        bar=np.empty(n, dtype=np.int64),
        event=np.empty(n, dtype=np.int8),
        price=np.empty(n, dtype=np.float64),
    )
    order, engine = order_engine
    run: Callable[..., None] = _compiled() if engine == "numba" else _PATHS[engine]
    run(columns, symbol, flags, *tables, bars, order, *out)
    return out


def _levels(columns: _F64, stop: object, take_profit: object, start: object, count: int) -> None:
    """Rows 1–3 of ``columns``: the stop, the take-profit (NaN: none) and the first bar."""
    n = columns.shape[1]
    columns[1] = _column(stop, n, "stop", optional=True)
    columns[2] = _column(take_profit, n, "take_profit", optional=True)
    _positive(columns[1], "stop", optional=True)
    _positive(columns[2], "take_profit", optional=True)
    columns[3] = _starts(start, n, count)


def walk_bars(
    *,
    side: Any,  # noqa: ANN401 - arrays
    size: Any,  # noqa: ANN401
    entry_price: Any,  # noqa: ANN401
    margin: Any,  # noqa: ANN401
    brackets: BracketArrays | BracketTable,
    open: Any,  # noqa: A002, ANN401 - the bar's field
    high: Any,  # noqa: ANN401
    low: Any,  # noqa: ANN401
    mark_high: Any = None,  # noqa: ANN401
    mark_low: Any = None,  # noqa: ANN401
    stop: Any = None,  # noqa: ANN401
    take_profit: Any = None,  # noqa: ANN401
    funding: Any = None,  # noqa: ANN401
    kind: str = "linear",
    contract_size: Any = 1.0,  # noqa: ANN401
    symbol: Any = None,  # noqa: ANN401
    intrabar: str = "worst",
    engine: WalkEngine = "auto",
    start: Any = None,  # noqa: ANN401
    rule: LiquidationRule = _BINANCE,
) -> WalkArrays:
    r"""The first bar at which each position is liquidated, stopped or takes profit.

    Per position and bar ``b``: the funding rate ``r_b`` settled at the bar's open is
    paid from the isolated margin, ``M ← M − s·notional(O_b)·r_b``, and the liquidation
    price is solved again under ``rule`` (the closed form of
    :func:`isolated_liquidation_price`); then a level the open is already through fires
    at the open (a gap), else a level inside the bar's range fires at the level (the
    mark's range for the liquidation). Levels in one bar fire in the ``intrabar`` order:
    ``"worst"`` (liquidation, stop, take-profit) or ``"best"`` (the reverse). The same
    rule as the exact ``levrisk.futures`` walker, in float64.

    Every bar field (and ``funding``) is either one series shared by all positions,
    shape ``(bars,)``, or a series per position, shape ``(positions, bars)``. A position
    starts at its ``start`` bar and skips bars whose open is NaN (a NaN-padded series):
    it neither pays funding nor trades there.

    Args:
        side: ``1`` (long) or ``-1`` (short) per position.
        size: sizes (> 0).
        entry_price: entry prices (> 0).
        margin: isolated wallets (≥ 0) at the first bar.
        brackets: a :class:`BracketArrays` (shared, or a stack with ``symbol``) or a table.
        open: the bars' opens (> 0; NaN: no bar).
        high: the bars' highs.
        low: the bars' lows.
        mark_high: the mark's highs (default ``high``); liquidation uses them.
        mark_low: the mark's lows (default ``low``).
        stop: per position, the stop trigger (NaN or ``None``: none).
        take_profit: per position, the take-profit trigger (NaN or ``None``: none).
        funding: per bar, the rate settled at its open (0: no settlement); default none.
        kind: ``"linear"`` or ``"inverse"``.
        contract_size: per position or shared (> 0).
        symbol: with a stacked ``brackets``, each position's table index.
        intrabar: ``"worst"`` or ``"best"``.
        engine: a :data:`WalkEngine`.
        start: per position (or shared), the index of its first bar (default 0).
        rule: the venue's :class:`~levrisk.futures.LiquidationRule` (default Binance:
            maintenance at mark, no close fee).

    Returns:
        A :class:`WalkArrays` of the positions' events.

    A row that every price liquidates (``±inf`` from the batch solve) is liquidated at
    its first bar's open.

    Raises:
        InvalidInputError: for a bad argument or row (the message lists the first bad
            rows), ``engine="numba"`` without Numba, or a table whose maintenance jumps
            at a cap under a mark-valued rule (walk those with ``levrisk.futures.walk``).

    References:
        :ref:`rule-bar-walker` [derived]; :ref:`rule-futures-liquidation-linear`,
        :ref:`rule-futures-liquidation-inverse`, :ref:`rule-venues`, :ref:`rule-funding`.

    Examples:
        >>> import numpy as np
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> result = walk_bars(
        ...     side=np.array([1, -1]),
        ...     size=np.array([1.0, 1.0]),
        ...     entry_price=np.array([100.0, 100.0]),
        ...     margin=np.array([10.0, 10.0]),
        ...     brackets=btc.brackets,
        ...     open=np.array([100.0, 96.0]),
        ...     high=np.array([101.0, 97.0]),
        ...     low=np.array([99.0, 85.0]),
        ...     take_profit=np.array([np.nan, 90.0]),
        ... )
        >>> result.bar, result.event, result.price.round(2)
        (array([1, 1]), array([1, 3], dtype=int8), array([90.36, 90.  ]))

    .. versionadded:: 0.2.0
    .. versionchanged:: 0.2.0
       Bars per position, ``start`` and any ``rule``.
    """
    contract = check_kind(kind)
    tables = check_brackets(brackets)
    order_engine = _order_engine(intrabar, engine)
    s = _sides(side)
    n = s.shape[0]
    terms = _terms(rule, tables)
    if tables.jumps(entry_basis=terms.entry_basis):
        msg = (
            "brackets must be continuous for walk_bars: a table whose maintenance jumps at "
            "a cap (maintenance='whole', or amounts off the recursion) is walked exactly by "
            "levrisk.futures.walk"
        )
        raise InvalidInputError(msg)
    columns = np.zeros((9, n))
    columns[0] = s
    q = _column(size, n, "size")
    e = _column(entry_price, n, "entry_price")
    m = _column(margin, n, "margin")
    c = _column(contract_size, n, "contract_size")
    for values, name in ((q, "size"), (e, "entry_price"), (c, "contract_size")):
        _positive(values, name)
    _positive(m, "margin", zero=True)
    columns[_SIZE], columns[_ENTRY], columns[_MARGIN] = q * c, e, m
    fields = {"open": open, "high": high, "low": low, "mark_high": mark_high}
    bars = _bars(n, {**fields, "mark_low": mark_low, "funding": funding}, "funding")
    _levels(columns, stop, take_profit, start, bars.shape[2])
    flags = np.array(
        [0.0, contract == "inverse", terms.entry_basis, terms.fee_mark, terms.fee_bankrupt]
    )
    padded = tables.kernel_tables(entry_basis=terms.entry_basis, fee_mark=terms.fee_mark)
    return _run(columns, _symbols(symbol, tables, n), flags, padded, bars, order_engine)


def walk_margin_bars(
    *,
    side: Array,
    base_balance: Array,
    quote_balance: Array,
    principal: Array,
    liquidation_level: Array,
    open: Array,  # noqa: A002 - the bar's field
    high: Array,
    low: Array,
    mark_high: Array | None = None,
    mark_low: Array | None = None,
    accrued: Array | None = None,
    interest: Array = 0.0,
    stop: Array | None = None,
    take_profit: Array | None = None,
    start: Array | None = None,
    intrabar: str = "worst",
    engine: WalkEngine = "auto",
) -> WalkArrays:
    r"""The bar walker for isolated spot-margin positions whose loan accrues interest.

    A long (``side = 1``) holds ``A_x`` base and ``A_o`` quote and owes quote; a short
    (``−1``) owes base. At bar ``b`` the loan owes ``D_b = P + I₀ + P·R_b``, with
    ``R_b`` the hourly rates accrued through the bar's open (simple interest:
    :func:`levrisk.interest.loan_state`; :func:`accrued_rates` builds ``R`` from a rate
    schedule), and the liquidation price is that of
    :func:`levrisk.margin.liquidation_price` at the margin level ``ML*``:

    .. math::

        l_b = \frac{ML^*·D_o − A_o}{A_x − ML^*·D_x}

    (``D_o = D_b`` for a long, ``D_x = D_b`` for a short, the other 0): a long's rises
    and a short's falls as interest accrues. The bars, levels, intrabar order, ``start``
    and NaN-padded series are those of :func:`walk_bars`.

    Args:
        side: ``1`` (long: the loan is in quote) or ``-1`` (short: in base).
        base_balance: base held (≥ 0; > 0 for a long).
        quote_balance: quote held (≥ 0; > 0 for a short).
        principal: the loan's principal (≥ 0), in the borrowed asset.
        liquidation_level: ``ML*`` per position or shared (> 0), e.g. 1.1.
        open: the bars' opens (> 0; NaN: no bar).
        high: the bars' highs.
        low: the bars' lows.
        mark_high: the index price's highs (default ``high``); liquidation uses them.
        mark_low: the index price's lows (default ``low``).
        accrued: per bar, ``R_b`` (≥ 0, the sum of the hourly rates of the accruals
            through its open); default none.
        interest: ``I₀``, interest already owed at the first bar (≥ 0).
        stop: per position, the stop trigger (NaN or ``None``: none).
        take_profit: per position, the take-profit trigger (NaN or ``None``: none).
        start: per position (or shared), the index of its first bar (default 0).
        intrabar: ``"worst"`` or ``"best"``.
        engine: a :data:`WalkEngine`.

    Returns and raises as :func:`walk_bars`.

    References:
        :ref:`rule-bar-walker` [derived]; :ref:`rule-spot-liquidation`,
        :ref:`rule-interest`.

    Examples:
        1 BTC bought with 20,000 USDT borrowed at 0.1 % an hour, liquidated at 1.1: the
        liquidation price is ``1.1·20,000·(1 + 0.001·k)`` after ``k`` accruals:

        >>> import numpy as np
        >>> result = walk_margin_bars(
        ...     side=np.array([1]),
        ...     base_balance=1.0,
        ...     quote_balance=0.0,
        ...     principal=20_000.0,
        ...     liquidation_level=1.1,
        ...     open=np.full(3, 23_000.0),
        ...     high=np.full(3, 23_100.0),
        ...     low=np.full(3, 22_050.0),
        ...     accrued=np.array([0.001, 0.002, 0.003]),
        ... )
        >>> result.bar, result.event, result.price.round(2)
        (array([2]), array([1], dtype=int8), array([22066.]))

    .. versionadded:: 0.2.0
    """
    order_engine = _order_engine(intrabar, engine)
    s = _sides(side)
    n = s.shape[0]
    columns = np.zeros((9, n))
    columns[0] = s
    for row, value, name in (
        (_BASE, base_balance, "base_balance"),
        (_QUOTE, quote_balance, "quote_balance"),
        (_PRINCIPAL, principal, "principal"),
        (_INTEREST, interest, "interest"),
    ):
        columns[row] = _column(value, n, name)
        _positive(columns[row], name, zero=True)
    columns[_LEVEL] = _column(liquidation_level, n, "liquidation_level")
    _positive(columns[_LEVEL], "liquidation_level")
    held = np.where(s > 0, columns[_BASE], columns[_QUOTE])
    check_rows(
        np,
        held <= 0,
        name="base_balance (long) or quote_balance (short)",
        rule="positive: what the position holds",
        values=held,
    )
    fields = {"open": open, "high": high, "low": low, "mark_high": mark_high}
    bars = _bars(n, {**fields, "mark_low": mark_low, "accrued": accrued}, "accrued")
    check_rows(np, bars[5] < 0, name="accrued", rule="non-negative", values=bars[5])
    _levels(columns, stop, take_profit, start, bars.shape[2])
    empty = np.zeros((1, 2, 2))
    tables = (empty, empty[:, 0], empty[:, 0])
    flags = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
    return _run(columns, np.zeros(n, dtype=np.int64), flags, tables, bars, order_engine)


@exact
def walk_margin(
    account: IsolatedMarginAccount,
    *,
    bars: Sequence[Bar],
    times: Sequence[datetime],
    schedule: RateSchedule | NumberLike,
    liquidation_level: NumberLike,
    borrowed_at: datetime | None = None,
    counting: InterestCounting = "binance",
    stop: NumberLike | None = None,
    take_profit: NumberLike | None = None,
    intrabar: Intrabar = "worst",
) -> WalkResult | None:
    r"""Walk an isolated spot-margin position over bars while its loan accrues interest.

    The account owes one asset: quote (a long, whose loss levels lie below) or base (a
    short). At bar ``i``, opening at ``times[i]``, each loan owes its principal, its
    interest and the interest accrued from ``borrowed_at`` through ``times[i]``
    (:func:`~levrisk.interest.loan_state`), and the liquidation price is
    :func:`~levrisk.margin.liquidation_price` of the base at ``liquidation_level``:

    .. math::

        l_i = \frac{ML^* D_o(t_i) − A_o}{A_x − ML^* D_x(t_i)}

    so a long's rises and a short's falls at every accrual. The bar rule (gaps at the
    open, levels inside the range, the ``intrabar`` order) is that of
    :func:`levrisk.futures.walk`; the result's ``margin`` is what the loans owe at that
    bar (principal plus interest). The exact reference of :func:`walk_margin_bars`.

    Args:
        account: the :class:`~levrisk.margin.IsolatedMarginAccount` at the first bar.
        bars: the :class:`Bar` objects in time order.
        times: each bar's open instant, aware (as many as bars, none before
            ``borrowed_at``).
        schedule: the loan's :class:`~levrisk.interest.RateSchedule` or a constant
            hourly rate.
        liquidation_level: ``ML*``, e.g. ``MarginThresholds.liquidation``.
        borrowed_at: when the loans were taken (default ``times[0]``).
        counting: the venue's :data:`~levrisk.interest.InterestCounting` rule.
        stop: the stop-loss trigger price, or ``None``.
        take_profit: the take-profit trigger price, or ``None``.
        intrabar: an :data:`~levrisk.futures.Intrabar` assumption.

    Returns:
        The first :class:`WalkResult`, or ``None`` when nothing fires.

    Raises:
        InvalidInputError: for a bad argument, an account that owes nothing or both
            assets, or times that do not match the bars.
        AlwaysLiquidatedError: when at some bar every price liquidates the account.

    References:
        :ref:`rule-bar-walker` [derived]; :ref:`rule-spot-liquidation`,
        :ref:`rule-interest` [published].

    Examples:
        1 BTC bought with 20,000 USDT borrowed at 0.1 % an hour (Binance counting: at the
        borrow and at every full hour), liquidated at a margin level of 1.1: the
        liquidation price is 22,022 at the first bar, 22,066 at the third:

        >>> from datetime import datetime, timedelta, timezone
        >>> from levrisk.futures import Bar
        >>> from levrisk.margin import IsolatedMarginAccount, Loan
        >>> acct = IsolatedMarginAccount(
        ...     base="BTC",
        ...     quote="USDT",
        ...     base_balance=1,
        ...     loans=[Loan(asset="USDT", principal=20_000)],
        ... )
        >>> t0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
        >>> bars = [Bar(open=23_000, high=23_100, low=22_050, close=23_000)] * 3
        >>> hit = walk_margin(
        ...     acct,
        ...     bars=bars,
        ...     times=[t0 + timedelta(hours=h) for h in range(3)],
        ...     schedule="0.001",
        ...     liquidation_level="1.1",
        ... )
        >>> hit.index, hit.event, hit.price, hit.margin
        (2, 'liquidation', Decimal('22066.000'), Decimal('20060.000'))

    .. versionadded:: 0.2.0
    """
    account = require(account, IsolatedMarginAccount, "account")
    owed = {loan.asset for loan in account.loans if loan.total}
    if len(owed) != 1:
        msg = f"account must owe exactly one asset (base or quote), got {account!r}"
        raise InvalidInputError(msg)
    side: Side = "long" if owed == {account.quote} else "short"
    level = positive_number(liquidation_level, "liquidation_level")
    order = _ORDER[choice(intrabar, Intrabar, "intrabar")]
    instants = entries(times, f"times must be a sequence of datetimes, got {times!r}")
    if len(instants) != len(bars):
        msg = f"times must give one instant per bar ({len(bars)}), got {len(instants)}"
        raise InvalidInputError(msg)
    levels: dict[WalkEvent, Decimal | None] = {
        "stop": None if stop is None else positive_number(stop, "stop"),
        "take_profit": None if take_profit is None else positive_number(take_profit, "take_profit"),
    }
    for i, raw in enumerate(bars):
        bar = require(raw, Bar, f"bars[{i}]")
        since = instants[0] if borrowed_at is None else borrowed_at
        loans = [
            Loan(
                asset=loan.asset,
                principal=loan.principal,
                interest=loan.interest
                + loan_state(
                    loan.principal, schedule, since, instants[i], counting=counting
                ).interest_accrued,
            )
            for loan in account.loans
        ]
        now = attrs.evolve(account, loans=loans)
        levels["liquidation"] = liquidation_price(
            now, asset=account.base, prices={}, liquidation_level=level
        )
        found = first_event(side, bar, levels, order)
        if found is not None:
            return WalkResult(
                index=i,
                event=found[0],
                price=found[1],
                margin=sum((loan.total for loan in loans), Decimal(0)),
                liquidation_price=levels["liquidation"],
            )
    return None


@exact
def accrued_rates(
    times: Iterable[datetime],
    schedule: RateSchedule | NumberLike,
    *,
    borrowed_at: datetime,
    counting: InterestCounting = "binance",
) -> _F64:
    r"""``R`` of :func:`walk_margin_bars`: the hourly rates accrued through each instant.

    ``R(t) = Σ r(a)`` over the loan's accrual instants ``a`` from ``borrowed_at``
    through ``t`` (:func:`levrisk.interest.accrual_times`), summed exactly, then
    rounded to float64; a principal ``P`` borrowed at ``borrowed_at`` owes
    ``P·R(t)`` interest at ``t`` (:func:`levrisk.interest.loan_state`).

    Args:
        times: the bars' open instants, aware, each at or after ``borrowed_at``.
        schedule: a :class:`~levrisk.interest.RateSchedule` or a constant hourly rate.
        borrowed_at: when the loan was taken, aware.
        counting: the venue's :data:`~levrisk.interest.InterestCounting` rule.

    Returns:
        ``R`` at each instant, a float64 array.

    Raises:
        InvalidInputError: for a naive or non-datetime time, a time before
            ``borrowed_at``, a bad schedule or counting rule.

    References:
        :ref:`rule-interest` [published].

    Examples:
        >>> from datetime import datetime, timedelta, timezone
        >>> t0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
        >>> accrued_rates(
        ...     [t0 + timedelta(minutes=30 * k) for k in range(4)], "0.001", borrowed_at=t0
        ... )
        array([0.001, 0.001, 0.002, 0.002])

    .. versionadded:: 0.2.0
    """
    instants = [
        aware_datetime(t, f"times[{i}]")
        for i, t in enumerate(entries(times, f"times must be datetimes, got {times!r}"))
    ]
    plan = (
        schedule
        if isinstance(schedule, RateSchedule)
        else RateSchedule.constant(non_negative_number(schedule, "schedule"))
    )
    counts = [accrual_count(borrowed_at, t, counting=counting) for t in instants]
    sums = [Decimal(0)]
    if instants:
        for tick in accrual_times(borrowed_at, max(instants), counting=counting):
            sums.append(sums[-1] + plan.rate_at(tick))
    return np.array([float(sums[k]) for k in counts], dtype=np.float64)


def _symbols(symbol: object, tables: BracketArrays, n: int) -> npt.NDArray[np.int64]:
    """Each position's table row (zeros for a shared table)."""
    if not tables.stacked:
        if symbol is not None:
            msg = "symbol is only accepted with a stacked BracketArrays (from_tables)"
            raise InvalidInputError(msg)
        return np.zeros(n, dtype=np.int64)
    raw: Any = symbol
    if not isinstance(raw, np.ndarray) or raw.dtype.kind not in "iu" or raw.shape != (n,):
        msg = (
            f"symbol must be an integer array of shape ({n},) with a stacked table, got {symbol!r}"
        )
        raise InvalidInputError(msg)
    index = raw.astype(np.int64)
    check_rows(
        np,
        (index < 0) | (index >= tables.symbols),
        name="symbol",
        rule=f"a symbol index in [0, {tables.symbols})",
        values=index,
    )
    return index
