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
from collections.abc import Callable
from typing import Any, Final, Literal, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from levrisk.batch._brackets import BracketArrays, check_brackets
from levrisk.batch._common import check_kind, check_rows
from levrisk.batch._kernel import kernel_tables
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError

NONE: Final = 0
"""Event code: nothing fired over the bars."""
LIQUIDATION: Final = 1
"""Event code: the liquidation price was reached."""
STOP: Final = 2
"""Event code: the stop-loss was reached."""
TAKE_PROFIT: Final = 3
"""Event code: the take-profit was reached."""

WalkEngine: TypeAlias = Literal["auto", "numba", "numpy", "python"]
"""``"auto"`` (Numba when installed, else NumPy), ``"numba"``, ``"numpy"`` (a loop over bars,
vectorised over positions) or ``"python"`` (the kernel uncompiled: a per-bar Python loop)."""

_ENGINES = ("auto", "numba", "numpy", "python")
_F64 = npt.NDArray[np.float64]
_ORDERS = {"worst": (LIQUIDATION, STOP, TAKE_PROFIT), "best": (TAKE_PROFIT, STOP, LIQUIDATION)}
AVAILABLE: bool = importlib.util.find_spec("numba") is not None
"""Whether the compiled kernel can be used."""


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


def _walk(  # noqa: C901, PLR0912, PLR0915, PLR0917 - one fused numba kernel
    side: _F64,
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: _F64,
    symbol: npt.NDArray[np.int64],
    stop: _F64,
    take_profit: _F64,
    inverse: bool,  # noqa: FBT001 - numba kernels take positional flags
    edges: _F64,
    rates: _F64,
    amounts: _F64,
    bars: _F64,
    funding: _F64,
    order: npt.NDArray[np.int64],
    out_index: npt.NDArray[np.int64],
    out_event: npt.NDArray[np.int8],
    out_price: _F64,
) -> None:
    """Walk each position over ``bars`` (rows: open, high, low, mark high, mark low)."""
    n = size.shape[0]
    count = bars.shape[1]
    width = edges.shape[2]
    for i in range(n):
        s = side[i]
        qc = size[i] * contract_size[i]
        m = margin[i]
        row = symbol[i]
        out_index[i] = -1
        out_event[i] = 0
        out_price[i] = math.nan
        plus = (s < 0) if inverse else (s > 0)
        p = 1 if plus else 0
        sign = 2.0 * p - 1.0
        notional = qc / entry[i] if inverse else qc * entry[i]
        lp = math.nan
        for b in range(count):
            o = bars[0, b]
            r = funding[b]
            if r != 0.0:
                m -= s * (qc / o if inverse else qc * o) * r
            if b == 0 or r != 0.0:
                target = notional - sign * m
                k = 0
                for j in range(width - 2):
                    k += edges[row, p, j] < target
                numerator = target - sign * amounts[row, k]
                denominator = 1.0 - sign * rates[row, k]
                price = qc * denominator / numerator if inverse else numerator / (denominator * qc)
                lp = price if numerator > 0 else math.nan
            found = 0
            fill = math.nan
            for gap in range(2):
                for t in range(3):
                    ev = order[t]
                    level = lp if ev == 1 else (stop[i] if ev == 2 else take_profit[i])
                    if level != level:  # noqa: PLR0124 - NaN: no such level
                        continue
                    below = (s > 0) == (ev != 3)
                    if gap == 0:
                        low = o
                        high = o
                    elif ev == 1:
                        low = bars[4, b]
                        high = bars[3, b]
                    else:
                        low = bars[2, b]
                        high = bars[1, b]
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
    """The kernel compiled by Numba (imported and jitted on first use, cached on disk)."""
    kernel = _COMPILED.get("walk")
    if kernel is None:
        import numba  # noqa: PLC0415 - imported lazily: it takes a while

        kernel = numba.njit(cache=True, nogil=True, error_model="numpy")(_walk)
        _COMPILED["walk"] = kernel
    return kernel


def _numpy(  # noqa: PLR0917 - the kernel's arguments
    side: _F64,
    size: _F64,
    entry: _F64,
    margin: _F64,
    contract_size: _F64,
    symbol: npt.NDArray[np.int64],
    stop: _F64,
    take_profit: _F64,
    inverse: bool,  # noqa: FBT001 - the kernel's signature
    edges: _F64,
    rates: _F64,
    amounts: _F64,
    bars: _F64,
    funding: _F64,
    order: npt.NDArray[np.int64],
    out_index: npt.NDArray[np.int64],
    out_event: npt.NDArray[np.int8],
    out_price: _F64,
) -> None:
    """The kernel's arithmetic, a loop over bars vectorised over the positions."""
    width = edges.shape[2]
    qc = size * contract_size
    plus = (side < 0) if inverse else (side > 0)
    p = plus.astype(np.int64)
    sign = 2.0 * p - 1.0
    notional = qc / entry if inverse else qc * entry
    m = margin.copy()
    lp = np.full(size.shape, np.nan)
    out_index[:] = -1
    out_event[:] = 0
    out_price[:] = np.nan
    alive = np.ones(size.shape, dtype=bool)
    below = {ev: (side > 0) == (ev != TAKE_PROFIT) for ev in (LIQUIDATION, STOP, TAKE_PROFIT)}
    with np.errstate(divide="ignore", invalid="ignore"):
        for b in range(bars.shape[1]):
            o = bars[0, b]
            r = funding[b]
            if r != 0.0:
                m = m - side * (qc / o if inverse else qc * o) * r
            if b == 0 or r != 0.0:
                target = notional - sign * m
                k = (edges[symbol, p, : width - 2] < target[:, None]).sum(axis=1)
                numerator = target - sign * amounts[symbol, k]
                denominator = 1.0 - sign * rates[symbol, k]
                price = qc * denominator / numerator if inverse else numerator / (denominator * qc)
                lp = np.where(numerator > 0, price, np.nan)
            levels = {LIQUIDATION: lp, STOP: stop, TAKE_PROFIT: take_profit}
            ranges = {
                LIQUIDATION: (bars[4, b], bars[3, b]),
                STOP: (bars[2, b], bars[1, b]),
                TAKE_PROFIT: (bars[2, b], bars[1, b]),
            }
            found = np.zeros(size.shape, dtype=np.int8)
            fill = np.full(size.shape, np.nan)
            for gap in (True, False):
                for ev in order:
                    level = levels[int(ev)]
                    low, high = (o, o) if gap else ranges[int(ev)]
                    reached = np.where(below[int(ev)], low <= level, high >= level)
                    new = alive & (found == 0) & reached
                    found[new] = ev
                    fill[new] = o if gap else level[new]
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


def _positive(values: _F64, name: str, *, optional: bool = False) -> None:
    bad = ~(np.isfinite(values) & (values > 0))
    if optional:
        bad &= ~np.isnan(values)
    check_rows(np, bad, name=name, rule="positive and finite", values=values)


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
) -> WalkArrays:
    r"""The first bar at which each position is liquidated, stopped or takes profit.

    Per position and bar ``b``: the funding rate ``r_b`` settled at the bar's open is
    paid from the isolated margin, ``M ← M − s·notional(O_b)·r_b``, and the liquidation
    price is solved again (the closed form of :func:`isolated_liquidation_price`); then a
    level the open is already through fires at the open (a gap), else a level inside
    the bar's range fires at the level (the mark's range for the liquidation). Levels in
    one bar fire in the ``intrabar`` order: ``"worst"`` (liquidation, stop,
    take-profit) or ``"best"`` (the reverse). The same rule as the exact
    ``levrisk.futures`` walker, in float64.

    Args:
        side: ``1`` (long) or ``-1`` (short) per position.
        size: sizes (> 0).
        entry_price: entry prices (> 0).
        margin: isolated wallets (≥ 0) at the first bar.
        brackets: a :class:`BracketArrays` (shared, or a stack with ``symbol``) or a table.
        open: the bars' opens, 1-D (> 0).
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

    Returns:
        A :class:`WalkArrays` of the positions' events.

    Raises:
        InvalidInputError: for a bad argument or row (the message lists the first bad
            rows), or ``engine="numba"`` without Numba.

    References:
        :ref:`rule-bar-walker` [derived]; :ref:`rule-futures-liquidation-linear`,
        :ref:`rule-futures-liquidation-inverse`, :ref:`rule-funding`.

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
    """
    contract = check_kind(kind)
    tables = check_brackets(brackets)
    chosen_order: object = intrabar
    if not isinstance(chosen_order, str) or chosen_order not in _ORDERS:
        msg = f"intrabar must be one of {tuple(_ORDERS)!r}, got {intrabar!r}"
        raise InvalidInputError(msg)
    chosen: object = engine
    if not isinstance(chosen, str) or chosen not in _ENGINES:
        msg = f"engine must be one of {_ENGINES!r}, got {engine!r}"
        raise InvalidInputError(msg)
    if engine == "numba" and not AVAILABLE:
        msg = "engine='numba' needs Numba installed"
        raise InvalidInputError(msg)
    sides = np.atleast_1d(np.asarray(side))
    if sides.ndim != 1 or sides.dtype.kind not in "if":
        msg = f"side must be a 1-D array of 1 and -1, got {side!r}"
        raise InvalidInputError(msg)
    n = sides.shape[0]
    s = _column(sides, n, "side")
    check_rows(np, (s != 1.0) & (s != -1.0), name="side", rule="1 (long) or -1 (short)", values=s)
    q = _column(size, n, "size")
    e = _column(entry_price, n, "entry_price")
    m = _column(margin, n, "margin")
    c = _column(contract_size, n, "contract_size")
    for values, name in ((q, "size"), (e, "entry_price"), (c, "contract_size")):
        _positive(values, name)
    check_rows(
        np, ~(np.isfinite(m) & (m >= 0)), name="margin", rule="non-negative and finite", values=m
    )
    st = _column(stop, n, "stop", optional=True)
    tp = _column(take_profit, n, "take_profit", optional=True)
    _positive(st, "stop", optional=True)
    _positive(tp, "take_profit", optional=True)
    bars = _bars(open, high, low, mark_high, mark_low)
    count = bars.shape[1]
    rates = np.zeros(count) if funding is None else _column(funding, count, "funding")
    check_rows(np, ~np.isfinite(rates), name="funding", rule="finite", values=rates)
    sym = _symbols(symbol, tables, n)
    arrays = tables.arrays(np)
    edges, padded_rates, padded_amounts = kernel_tables(
        arrays.edges_minus, arrays.edges_plus, arrays.rates, arrays.amounts
    )
    out = WalkArrays(
        bar=np.empty(n, dtype=np.int64),
        event=np.empty(n, dtype=np.int8),
        price=np.empty(n, dtype=np.float64),
    )
    if engine == "auto":
        chosen = "numba" if AVAILABLE else "numpy"
    run: Callable[..., None] = _compiled() if chosen == "numba" else _PATHS[engine]
    run(
        s,
        q,
        e,
        m,
        c,
        sym,
        st,
        tp,
        contract == "inverse",
        edges,
        padded_rates,
        padded_amounts,
        bars,
        rates,
        np.asarray(_ORDERS[intrabar], dtype=np.int64),
        *out,
    )
    return out


def _bars(open_: object, high: object, low: object, mark_high: object, mark_low: object) -> _F64:
    """The bars as rows (open, high, low, mark high, mark low), checked."""
    opens = np.atleast_1d(np.asarray(open_, dtype=np.float64))
    count = opens.shape[0]
    bars = np.empty((5, count))
    bars[0] = opens
    bars[1] = _column(high, count, "high")
    bars[2] = _column(low, count, "low")
    bars[3] = bars[1] if mark_high is None else _column(mark_high, count, "mark_high")
    bars[4] = bars[2] if mark_low is None else _column(mark_low, count, "mark_low")
    for row, name in zip(bars, ("open", "high", "low", "mark_high", "mark_low"), strict=True):
        _positive(row, name)
    check_rows(
        np,
        (bars[2] > bars[0]) | (bars[0] > bars[1]) | (bars[4] > bars[3]),
        name="bars",
        rule="low ≤ open ≤ high and mark_low ≤ mark_high",
        values=bars[0],
    )
    return bars


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
