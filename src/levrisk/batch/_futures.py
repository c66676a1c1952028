"""Futures formulas over arrays of positions (:ref:`rule-brackets`, :ref:`rule-futures`)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import Any, Final, Literal, NamedTuple, TypeAlias, cast

import array_api_compat
import attrs
import numpy as np

from levrisk.batch import _jumps, _kernel, _numpy
from levrisk.batch._brackets import BracketArrays, check_brackets
from levrisk.batch._common import (
    Array,
    as_index,
    broadcast_flat,
    check_kind,
    namespace,
    non_negative,
    positive,
    quiet,
    side_codes,
    where,
)
from levrisk.batch._dask import lazy
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.futures import ContractKind, LiquidationRule

Engine: TypeAlias = Literal["auto", "numba", "array_api"]
"""Which implementation computes the isolated liquidation price.

``"auto"`` uses the compiled Numba kernel for NumPy inputs when Numba is installed and
the array-API path otherwise; ``"numba"`` insists on the kernel; ``"array_api"`` always
takes the portable path.
"""

_ENGINES = ("auto", "numba", "array_api")

_BINANCE: Final = LiquidationRule()
"""The default rule: maintenance at mark, no close fee (Binance USDⓈ-M and COIN-M)."""


def _symbol(
    xp: Any,  # noqa: ANN401
    symbol: object,
    tables: BracketArrays,
    shape: tuple[int, ...],
) -> Array | None:
    """The flat symbol index of each row (None for a shared table)."""
    if not tables.stacked:
        if symbol is not None:
            msg = "symbol is only accepted with a stacked BracketArrays (from_tables)"
            raise InvalidInputError(msg)
        return None
    if symbol is None:
        msg = "symbol is required with a stacked BracketArrays (from_tables)"
        raise InvalidInputError(msg)
    index = as_index(xp, symbol, name="symbol", bound=tables.symbols)
    try:
        return xp.reshape(xp.broadcast_to(index, shape), (-1,))
    except (ValueError, RuntimeError) as error:
        msg = f"symbol must broadcast to the positions' shape {shape}: {error}"
        raise InvalidInputError(msg) from error


def _lookup(
    xp: Any,  # noqa: ANN401
    edges: Array,
    target: Array,
    sym: Array | None,
) -> Array:
    """Index of the first edge ``≥ target`` in each row's own table (edges ascending).

    Caps are inclusive and the solve's edges are where the bracket's formula reaches
    its cap, so a value equal to an edge belongs to that edge's bracket: the count of
    edges strictly below the value, which is ``searchsorted(..., side="left")``.
    """
    if sym is None:
        return xp.searchsorted(edges[0, :], target, side="left")
    index = xp.zeros(target.shape, dtype=xp.int64)
    for k in range(edges.shape[1]):  # a loop over brackets, never over positions
        column = xp.take(edges[:, k], sym)
        index = index + xp.astype(column < target, xp.int64)
    return index


def _gather(xp: Any, table: Array, index: Array, sym: Array | None) -> Array:  # noqa: ANN401
    """Each row's entry of its table; past the top cap, the last bracket's (extrapolated).

    Padding columns of a stack repeat their table's last bracket, so clipping to the
    last column extrapolates every table alike.
    """
    width = table.shape[1]
    flat = xp.reshape(table, (-1,))
    clipped = where(xp, index < width, index, width - 1)
    return xp.take(flat, clipped if sym is None else sym * width + clipped)


def _notional(
    size: Array,
    price: Array,
    contract_size: Array,
    kind: ContractKind,
) -> Array:
    units = size * contract_size
    return units * price if kind == "linear" else units / price


def _rows(
    names: tuple[str, ...],
    values: tuple[object, ...],
    *,
    margins: tuple[str, ...] = (),
    others: tuple[object, ...] = (),
) -> tuple[Any, tuple[int, ...], dict[str, Array]]:
    """:func:`_prepare` the row arguments ``names`` = ``values`` in their namespace.

    Returns ``(xp, shape, rows)``; ``others`` are further arguments whose namespace
    counts (a symbol index).
    """
    arrays = dict(zip(names, values, strict=True))
    xp = namespace(*values, *others)
    return (xp, *_prepare(xp, arrays, margins=margins, side="side" in arrays))


def _prepare(
    xp: Any,  # noqa: ANN401
    arrays: dict[str, object],
    *,
    margins: tuple[str, ...] = (),
    side: bool = False,
) -> tuple[tuple[int, ...], dict[str, Array]]:
    """Convert, validate and broadcast the row arguments; return the shape and 1-D arrays.

    ``side`` must be ±1, the ``margins`` non-negative, every other argument positive;
    all finite.
    """
    converted: dict[str, Array] = {}
    for name, value in arrays.items():
        if name == "side" and side:
            converted[name] = side_codes(xp, value)
        elif name in margins:
            converted[name] = non_negative(xp, value, name=name)
        else:
            converted[name] = positive(xp, value, name=name)
    shape, flat = broadcast_flat(xp, *converted.values())
    return shape, dict(zip(converted, flat, strict=True))


@lazy
@quiet
def notional(
    *,
    size: Array,
    price: Array,
    kind: ContractKind = "linear",
    contract_size: Array | float = 1.0,
) -> Array:
    r"""Notional of each position at a price: quote for linear, coin for inverse.

    .. math::

        n = Q \cdot P \ \text{(linear)}, \qquad n = N \cdot CS / P \ \text{(inverse)}

    with ``Q = N = size · contract_size``.

    Args:
        size: position sizes (> 0): base units (linear) or contracts (inverse).
        price: prices (> 0), quote per base.
        kind: ``"linear"`` or ``"inverse"`` for the whole call.
        contract_size: base per contract (linear, default 1) or quote per contract
            (inverse, 100 for Binance BTCUSD), a scalar or an array.

    Returns:
        A float64 array with the broadcast shape of the inputs.

    Raises:
        InvalidInputError: when ``kind`` is unknown, an argument is not real-valued, the
            shapes do not broadcast, or a row is not positive and finite (the message
            lists the first offending row indices).

    References:
        Binance, "Leverage and Margin of USDⓈ-M Futures" / COIN-M; :ref:`rule-futures-margin-pnl`
        [published].

    Examples:
        >>> import numpy as np
        >>> notional(size=np.array([100.0]), price=25_000.0, kind="inverse", contract_size=100)
        array([0.4])

    .. versionadded:: 0.1.0
    """
    contract = check_kind(kind)
    xp, shape, a = _rows(("size", "price", "contract_size"), (size, price, contract_size))
    return xp.reshape(_notional(a["size"], a["price"], a["contract_size"], contract), shape)


def _maintenance(
    xp: Any,  # noqa: ANN401
    value: Array,
    tables: BracketArrays,
    sym: Array | None,
) -> Array:
    arrays = tables.cached_arrays(xp, array_api_compat.device(value))
    index = _lookup(xp, arrays.caps, value, sym)
    rate = _gather(xp, arrays.rates, index, sym)
    amount = _gather(xp, arrays.amounts, index, sym)
    return value * rate - amount


@lazy
@quiet
def maintenance_margin(
    *,
    size: Array,
    mark_price: Array,
    brackets: BracketArrays | BracketTable,
    kind: ContractKind = "linear",
    contract_size: Array | float = 1.0,
    symbol: Array | None = None,
) -> Array:
    r"""Maintenance margin of each position at its mark price (tiered brackets).

    .. math::

        MM = n \cdot m_k - cum_k, \qquad floor_k < n \le cap_k

    with ``n`` the notional at the mark price (see :func:`notional`); the bracket is
    found with ``searchsorted`` on the caps (cap inclusive). Above a table's highest
    cap the last bracket is extrapolated, as the scalar path does.

    Args:
        size: position sizes (> 0).
        mark_price: mark prices (> 0).
        brackets: a :class:`BracketArrays` (or a ``BracketTable``, converted on each call).
        kind: ``"linear"`` or ``"inverse"``.
        contract_size: base (linear) or quote (inverse) units per contract.
        symbol: with a stacked ``brackets``, the integer table index of each row.

    Returns:
        MM in the notional unit (quote for linear, coin for inverse), float64.

    Raises:
        InvalidInputError: for invalid rows or arguments (the message lists rows).

    References:
        Binance, "Leverage and Margin of USDⓈ-M Futures"; :ref:`rule-brackets` [published].

    Examples:
        >>> import numpy as np
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000, 250_000, 1_000_000, 10_000_000],
        ...     maintenance_rates=["0.004", "0.005", "0.01", "0.025"],
        ...     max_leverages=[125, 100, 50, 20],
        ... )
        >>> brackets = BracketArrays.from_table(table)
        >>> maintenance_margin(size=np.array([10.0]), mark_price=50_000.0, brackets=brackets)
        array([3700.])

    .. versionadded:: 0.1.0
    """
    contract = check_kind(kind)
    tables = check_brackets(brackets)
    xp, shape, a = _rows(_MM_ARGS, (size, mark_price, contract_size), others=(symbol,))
    sym = _symbol(xp, symbol, tables, shape)
    value = _notional(a["size"], a["mark_price"], a["contract_size"], contract)
    return xp.reshape(_maintenance(xp, value, tables, sym), shape)


def _upnl(a: dict[str, Array], kind: ContractKind) -> Array:
    units = a["size"] * a["contract_size"]
    if kind == "linear":
        return a["side"] * units * (a["mark_price"] - a["entry_price"])
    return a["side"] * units * (1.0 / a["entry_price"] - 1.0 / a["mark_price"])


@lazy
@quiet
def unrealized_pnl(
    *,
    side: Array,
    size: Array,
    entry_price: Array,
    mark_price: Array,
    kind: ContractKind = "linear",
    contract_size: Array | float = 1.0,
) -> Array:
    r"""Unrealized PnL of each position at its mark price.

    .. math::

        UPNL = s \cdot Q \cdot (MP - EP) \ \text{(linear, quote)}, \qquad
        UPNL = s \cdot N \cdot CS \cdot (1/EP - 1/MP) \ \text{(inverse, coin)}

    Args:
        side: ``1`` (long) or ``-1`` (short) per row (:data:`LONG`, :data:`SHORT`).
        size: position sizes (> 0).
        entry_price: entry prices (> 0).
        mark_price: mark prices (> 0).
        kind: ``"linear"`` or ``"inverse"``.
        contract_size: base (linear) or quote (inverse) units per contract.

    Returns:
        PnL in quote (linear) or coin (inverse), float64.

    Raises:
        InvalidInputError: for invalid rows or arguments (the message lists rows).

    References:
        Binance, "How to Calculate Unrealized PnL"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> import numpy as np
        >>> unrealized_pnl(side=np.array([1, -1]), size=0.5, entry_price=60_000, mark_price=62_000)
        array([ 1000., -1000.])

    .. versionadded:: 0.1.0
    """
    contract = check_kind(kind)
    xp, shape, a = _rows(_PNL_ARGS, (side, size, entry_price, mark_price, contract_size))
    return xp.reshape(_upnl(a, contract), shape)


@lazy
@quiet
def margin_ratio(
    *,
    side: Array,
    size: Array,
    entry_price: Array,
    mark_price: Array,
    margin: Array,
    brackets: BracketArrays | BracketTable,
    kind: ContractKind = "linear",
    contract_size: Array | float = 1.0,
    symbol: Array | None = None,
) -> Array:
    r"""Binance-convention margin ratio of isolated positions: MM ÷ margin balance.

    .. math::

        \text{margin ratio} = \frac{MM(n_{MP})}{WB + UPNL}

    Liquidation is at 1 (100 %); higher is riskier. Where the margin balance
    ``WB + UPNL`` is not positive the ratio does not exist and the row is NaN.

    Args:
        side: ``1`` (long) or ``-1`` (short) per row.
        size: position sizes (> 0).
        entry_price: entry prices (> 0).
        mark_price: mark prices (> 0).
        margin: the isolated wallet of each position (≥ 0), quote or coin.
        brackets: a :class:`BracketArrays`.
        kind: ``"linear"`` or ``"inverse"``.
        contract_size: base (linear) or quote (inverse) units per contract.
        symbol: with a stacked ``brackets``, the table index of each row.

    Returns:
        The ratio as a float64 fraction (1.0 = 100 %), NaN where the balance is ≤ 0.

    Raises:
        InvalidInputError: for invalid rows or arguments (the message lists rows).

    References:
        Binance, "Margin Ratio"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> import numpy as np
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> brackets = BracketArrays.from_table(table)
        >>> at_entry = {"entry_price": 50_000.0, "mark_price": 50_000.0}
        >>> margin_ratio(side=np.array([1]), size=0.02, margin=100.0, brackets=brackets, **at_entry)
        array([0.04])

    .. versionadded:: 0.1.0
    """
    contract = check_kind(kind)
    tables = check_brackets(brackets)
    xp, shape, a = _rows(
        (*_PNL_ARGS, "margin"),
        (side, size, entry_price, mark_price, contract_size, margin),
        margins=("margin",),
        others=(symbol,),
    )
    sym = _symbol(xp, symbol, tables, shape)
    value = _notional(a["size"], a["mark_price"], a["contract_size"], contract)
    mm = _maintenance(xp, value, tables, sym)
    balance = a["margin"] + _upnl(a, contract)
    alive = balance > 0
    ratio = mm / where(xp, alive, balance, 1.0)
    return xp.reshape(where(xp, alive, ratio, xp.nan), shape)


def _entry_terms(a: dict[str, Array], kind: ContractKind) -> tuple[Array, Array, Array]:
    """``(units, entry notional, σ)`` of each row: σ = +1 for a linear long or an inverse short.

    The ``σ = +1`` rows solve ``n − MM(n) = T``, the others ``n + MM(n) = T``, with
    ``T = n_entry − σ·margin`` (the bankruptcy notional).
    """
    units = a["size"] * a["contract_size"]
    if kind == "inverse":
        return units, units / a["entry_price"], -a["side"]
    return units, units * a["entry_price"], a["side"]


def _price_from_notional(
    xp: Any,  # noqa: ANN401
    solved: Array,
    units: Array,
    kind: ContractKind,
) -> Array:
    alive = solved > 0
    safe = where(xp, alive, solved, 1.0)
    price = safe / units if kind == "linear" else units / safe
    return where(xp, alive, price, xp.nan)


_LIQUIDATION_ARGS = ("side", "size", "entry_price", "margin", "contract_size")

_MM_ARGS = ("size", "mark_price", "contract_size")

_PNL_ARGS = ("side", "size", "entry_price", "mark_price", "contract_size")


@attrs.frozen
class _Terms:
    """A :class:`~levrisk.futures.LiquidationRule` as the batch solve's float terms.

    ``fee_mark`` is the close fee rate at mark (0 unless ``close_fee="mark"``),
    ``fee_bankrupt`` the one at the bankruptcy price (0 unless ``"bankruptcy"``).
    """

    entry_basis: bool
    fee_mark: float
    fee_bankrupt: float


def _terms(rule: object, tables: BracketArrays) -> _Terms:
    """Validate ``rule`` for the batch solve and return its terms."""
    if not isinstance(rule, LiquidationRule):
        msg = f"rule must be a LiquidationRule, got {rule!r}"
        raise InvalidInputError(msg)
    fee = float(rule.fee_rate)
    terms = _Terms(
        entry_basis=rule.maintenance_basis == "entry",
        fee_mark=fee if rule.close_fee == "mark" else 0.0,
        fee_bankrupt=fee if rule.close_fee == "bankruptcy" else 0.0,
    )
    highest = max(max(row) for row in tables.rates)
    if not terms.entry_basis and highest + terms.fee_mark + terms.fee_bankrupt >= 1:
        msg = (
            "the batch solve needs every maintenance rate plus rule.fee_rate below 1, "
            f"got {highest!r} + {fee!r}"
        )
        raise InvalidInputError(msg)
    return terms


def isolated_liquidation_price(
    *,
    side: Array,
    size: Array,
    entry_price: Array,
    margin: Array,
    brackets: BracketArrays | BracketTable,
    kind: ContractKind = "linear",
    contract_size: Array | float = 1.0,
    symbol: Array | None = None,
    rule: LiquidationRule = _BINANCE,
    engine: Engine = "auto",
    out: Array | None = None,
) -> Array:
    r"""Isolated liquidation price of each position under a venue's liquidation rule.

    With the default rule (Binance: maintenance at mark, no close fee), solves
    ``margin + UPNL(P) = MM(n(P))`` with the maintenance margin evaluated at the
    liquidation price itself (the consistent-bracket rule). With ``σ = +1`` for a
    linear long or an inverse short and ``σ = −1`` otherwise, the condition reads
    ``n − σ·MM(n) = T`` in the notional ``n`` at the liquidation price, with
    ``T = n_entry − σ·margin``; the left side is strictly increasing, so the one
    consistent bracket is the first with edge ``E^σ_k = cap_k − σ·MM(cap_k) ≥ T``
    (a ``searchsorted``), and

    .. math::

        n = \frac{T - \sigma \cdot cum_k}{1 - \sigma \cdot m_k}, \qquad
        LP = n / Q \ \text{(linear)}, \qquad LP = N \cdot CS / n \ \text{(inverse)}

    which is the closed form of
    :ref:`rule-futures-liquidation-linear`/:ref:`rule-futures-liquidation-inverse`, e.g. linear long
    ``(Q·EP − M − cum)/(Q·(1 − m))``. Other rules (:ref:`rule-venues`) shift three
    terms: a close fee ``c_m`` at mark gives the denominator ``1 − σ·(m_k + c_m)`` and
    edges ``cap_k·(1 − σ·c_m) − σ·MM(cap_k)``; a close fee ``c_b`` at the bankruptcy
    price (whose notional is ``T``) gives the target ``T·(1 + σ·c_b)``; maintenance at
    entry is the constant ``MM(n_entry)``, moved into the target, with denominator
    ``1 − σ·c_m``.

    A position that cannot be liquidated (``n ≤ 0`` for ``σ = +1``: a linear long or
    an inverse short with margin ≥ its entry notional) gets NaN, where the scalar path
    returns ``None``; one liquidated at every price (``n ≤ 0`` for ``σ = −1``, possible
    only with maintenance at entry and large rates) gets ``+inf`` (a long) or ``-inf``
    (a short), where it raises :class:`~levrisk.exceptions.AlwaysLiquidatedError`; a
    position already past its root at entry gets the root (the scalar path's
    :class:`~levrisk.exceptions.AlreadyLiquidatedError` ``.price``):
    :func:`liquidation_states` tells the four outcomes apart (:ref:`rule-batch-outcomes`).
    A liquidation notional above the table's highest cap (a short, or an inverse long,
    far from entry) uses the last bracket extrapolated, as the scalar path does. Results
    are float64; see the batch explanation page for the error bound.

    Args:
        side: ``1`` (long) or ``-1`` (short) per row (:data:`LONG`, :data:`SHORT`).
        size: sizes (> 0): base units (linear) or contracts (inverse).
        entry_price: entry prices (> 0).
        margin: the isolated wallet of each position (≥ 0): quote (linear) or coin
            (inverse).
        brackets: a :class:`BracketArrays` (one shared table, or a stack with
            ``symbol``).
        kind: ``"linear"`` or ``"inverse"`` for the whole call.
        contract_size: base (linear, default 1) or quote (inverse) units per contract.
        symbol: with a stacked ``brackets``, the integer table index of each row.
        rule: the venue's :class:`~levrisk.futures.LiquidationRule` (default Binance):
            maintenance at mark or at entry, close fee none, at mark or at the
            bankruptcy price (Bybit, Gate, OKX, Bitget, BitMEX; :ref:`rule-venues`).
        engine: ``"auto"``, ``"numba"`` or ``"array_api"`` (see :data:`Engine`).
        out: optionally, a float64 array of the result's shape and namespace to write
            the prices into (and return), so that a caller evaluating every tick reuses
            one buffer instead of allocating one per call. The Numba kernel writes into
            it directly; the array-API path assigns ``out[...] = result`` (not possible
            for libraries with immutable arrays, such as JAX). When the call raises,
            the content of ``out`` is unspecified.

    Returns:
        Liquidation prices (quote per base), float64, NaN where no price liquidates,
        ±inf where every price does (``out`` when given).

    Raises:
        InvalidInputError: when ``kind``/``engine`` is unknown, an argument is not
            real-valued, shapes do not broadcast, or rows are invalid (side not ±1,
            size/price/contract size not positive and finite, margin negative or not
            finite, symbol out of range); the message lists the first bad rows. Also
            when ``out`` is not a float64 array of the result's shape.

    References:
        Binance, "How to Calculate Liquidation Price of USDⓈ-M Contracts" and
        "... of COIN-M Contracts"; :ref:`rule-futures-liquidation-linear`,
        :ref:`rule-futures-liquidation-inverse` [checked].

    Examples:
        >>> import numpy as np
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000, 250_000],
        ...     maintenance_rates=["0.004", "0.005"],
        ...     max_leverages=[125, 100],
        ... )
        >>> lp = isolated_liquidation_price(
        ...     side=np.array([1, 1]),
        ...     size=np.array([0.02, 1.0]),
        ...     entry_price=np.array([50_000.0, 50_000.0]),
        ...     margin=np.array([500.0, 60_000.0]),
        ...     brackets=BracketArrays.from_table(table),
        ... )
        >>> lp.round(2)
        array([25100.4,     nan])

    .. versionadded:: 0.1.0
    """
    if (  # the common case first, in a few microseconds: NumPy rows, one table, the kernel
        type(side) is np.ndarray
        and type(size) is np.ndarray
        and type(entry_price) is np.ndarray
        and type(margin) is np.ndarray
        and type(brackets) is BracketArrays
        and symbol is None
        and type(engine) is str
        and engine in _KERNEL_ENGINES
        and _kernel.AVAILABLE
    ):
        fast = _fast_shared(
            side, size, entry_price, margin, brackets, kind, contract_size, rule, out
        )
        if fast is not None:
            return fast
    return _liquidation_price(
        side=side,
        size=size,
        entry_price=entry_price,
        margin=margin,
        brackets=brackets,
        kind=kind,
        contract_size=contract_size,
        symbol=symbol,
        rule=rule,
        engine=engine,
        out=out,
    )


_KERNEL_ENGINES: Final = ("auto", "numba")


def _fast_shared(  # noqa: PLR0917 - the public function's arguments, positionally
    side: Any,  # noqa: ANN401
    size: Any,  # noqa: ANN401
    entry_price: Any,  # noqa: ANN401
    margin: Any,  # noqa: ANN401
    tables: BracketArrays,
    kind: object,
    contract_size: object,
    rule: object,
    out: object,
) -> Array | None:
    """The shared-table kernel on NumPy rows, or None (then the full path decides)."""
    rows = side.shape
    if not (
        side.ndim == 1
        and side.dtype.kind in "if"
        and size.dtype == np.float64
        and entry_price.dtype == np.float64
        and margin.dtype == np.float64
        and size.shape == rows
        and entry_price.shape == rows
        and margin.shape == rows
        and type(contract_size) in {float, int}
        and type(kind) is str
        and kind in {"linear", "inverse"}
        and not tables.stacked
    ):
        return None
    try:
        shared_size = float(contract_size)  # type: ignore[arg-type]
    except OverflowError:  # an int beyond float64: the full path reports it
        return None
    if not 0 < shared_size < math.inf:
        return None
    if out is None:
        result = np.empty(rows)
    elif (
        type(out) is np.ndarray
        and out.dtype == np.float64
        and out.shape == rows
        and out.flags.writeable
    ):
        result = out
    else:
        return None
    terms = (
        _BINANCE_TERMS
        if rule is _BINANCE
        else _terms(rule, tables)
        if type(rule) is LiquidationRule
        else None
    )
    if terms is None or tables.jumps(entry_basis=terms.entry_basis):
        return None  # the full path (a table that jumps: the general kernel walks it)
    search = tables.kernel_search(entry_basis=terms.entry_basis, fee_mark=terms.fee_mark)
    bad = _kernel.isolated_liquidation_shared(
        side,
        size,
        entry_price,
        margin,
        shared_size,
        (kind == "inverse", terms.entry_basis, terms.fee_mark, terms.fee_bankrupt),
        *search.kernel,
        result,
    )
    return None if bad else result


@lazy
@quiet
def _liquidation_price(
    *,
    side: Array,
    size: Array,
    entry_price: Array,
    margin: Array,
    brackets: BracketArrays | BracketTable,
    kind: ContractKind,
    contract_size: Array | float,
    symbol: Array | None,
    rule: LiquidationRule,
    engine: Engine,
    out: Array | None,
) -> Array:
    """:func:`isolated_liquidation_price` in full: checks, kernels, array API, Dask."""
    contract = check_kind(kind)
    tables = check_brackets(brackets)
    chosen: object = engine
    if not isinstance(chosen, str) or chosen not in _ENGINES:
        msg = f"engine must be one of {list(_ENGINES)}, got {engine!r}"
        raise InvalidInputError(msg)
    terms = _BINANCE_TERMS if rule is _BINANCE else _terms(rule, tables)
    raw = dict(
        zip(_LIQUIDATION_ARGS, (side, size, entry_price, margin, contract_size), strict=True)
    )
    xp = _NUMPY if _all_numpy(side, size, entry_price, margin, contract_size, symbol, out) else None
    xp = xp or namespace(*raw.values(), symbol, out)
    if engine != "array_api":
        qualified, fast = _fast(xp, raw, symbol, tables, contract, terms=terms, out=out)
        if fast is not None:
            return fast
        if engine == "numba" and not qualified:
            msg = (
                "engine='numba' needs Numba and NumPy arrays: 1-D float64 size, "
                "entry_price and margin of one length, a real 1-D side of that length"
            )
            raise InvalidInputError(msg)
    return _array_api(xp, raw, symbol, tables, contract, terms=terms, out=out)


def _numpy_lane(
    raw: dict[str, Any],
    tables: BracketArrays,
    contract: ContractKind,
    *,
    terms: _Terms,
    out: Any,  # noqa: ANN401
) -> Array | None:
    """The portable path's NumPy lane (:mod:`levrisk.batch._numpy`), or None.

    None when the arguments do not fit it or a row is invalid (the portable path then
    reports it).
    """
    side, size, entry, margin, contract_size = (raw[name] for name in _LIQUIDATION_ARGS)
    scalar = type(contract_size) in {int, float}
    columns = (side, size, entry, margin, None if scalar else contract_size)
    if tables.stacked or not _numpy.qualifies(columns, out):
        return None
    if scalar:
        try:
            contract_size = float(contract_size)
        except OverflowError:  # an int beyond float64: the portable path reports it
            return None
    result = np.empty(side.shape) if out is None else out
    solved = _numpy.liquidation(
        (side, size, entry, margin),
        contract_size=contract_size,
        rule=_numpy.Rule(
            contract == "inverse", terms.entry_basis, terms.fee_mark, terms.fee_bankrupt
        ),
        search=tables.kernel_search(entry_basis=terms.entry_basis, fee_mark=terms.fee_mark),
        out=result,
    )
    return result if solved else None


def _array_api(
    xp: Any,  # noqa: ANN401
    raw: dict[str, object],
    symbol: object,
    tables: BracketArrays,
    contract: ContractKind,
    *,
    terms: _Terms,
    out: Any,  # noqa: ANN401
) -> Array:
    """The portable path of :func:`isolated_liquidation_price`: validate, solve in blocks."""
    jumps = tables.jumps(entry_basis=terms.entry_basis)
    if symbol is None and not jumps and array_api_compat.is_numpy_namespace(xp):
        lane = _numpy_lane(raw, tables, contract, terms=terms, out=out)
        if lane is not None:
            return lane
    shape, a = _prepare(xp, raw, margins=("margin",), side=True)
    _check_out(xp, out, shape)
    sym = _symbol(xp, symbol, tables, shape)
    device = array_api_compat.device(a["size"])
    solve = _solver(xp, tables, contract, terms, device, jumps=jumps, shared=sym is None)
    rows = a["size"].shape[0]
    if rows is None or rows <= _CHUNK:
        result = solve(a, sym)
    else:
        parts = []
        for start in range(0, rows, _CHUNK):  # blocks of rows keep temporaries in cache
            part = {key: value[start : start + _CHUNK] for key, value in a.items()}
            parts.append(solve(part, None if sym is None else sym[start : start + _CHUNK]))
        result = xp.concat(parts)
    if out is None:
        return xp.reshape(result, shape)
    try:
        out[...] = xp.reshape(result, shape)
    except (TypeError, ValueError, RuntimeError) as error:  # read-only or immutable arrays
        msg = f"out must be a writable array, got {type(out).__name__}: {error}"
        raise InvalidInputError(msg) from error
    return out


def _solver(
    xp: Any,  # noqa: ANN401
    tables: BracketArrays,
    contract: ContractKind,
    terms: _Terms,
    device: Any,  # noqa: ANN401
    *,
    jumps: bool,
    shared: bool,
) -> Callable[[dict[str, Array], Array | None], Array]:
    """The solve of a block of rows and their symbols (None for a ``shared`` table).

    A table whose maintenance jumps under the rule walks the brackets
    (:mod:`levrisk.batch._jumps`); otherwise one search picks the bracket.
    """
    arrays = tables.cached_arrays(xp, device)
    if jumps:

        def walk(part: dict[str, Array], chunk: Array | None) -> Array:
            return _jumps.liquidation(
                xp,
                _targets(xp, part, contract, terms),
                (arrays.caps, arrays.rates, arrays.amounts, arrays.counts),
                chunk,
                inverse=contract == "inverse",
            )

        return walk
    if shared:
        merged = _merged(xp, tables, terms, device)

        def one(part: dict[str, Array], _chunk: Array | None) -> Array:
            return _liquidation_shared(xp, part, merged=merged, kind=contract, terms=terms)

        return one
    low, high = _thresholds(xp, tables, terms, device)

    def each(part: dict[str, Array], chunk: Array | None) -> Array:
        return _liquidation(
            xp,
            part,
            sym=cast("Array", chunk),
            low=low,
            high=high,
            rates=arrays.rates,
            amounts=arrays.amounts,
            kind=contract,
            terms=terms,
        )

    return each


_BINANCE_TERMS: Final = _Terms(entry_basis=False, fee_mark=0.0, fee_bankrupt=0.0)

_NUMPY: Final = array_api_compat.array_namespace(np.empty(0))
"""The array-API namespace of NumPy arrays."""


def _all_numpy(*values: object) -> bool:
    """Whether the arguments are NumPy arrays, or for the last three also plain scalars."""
    return all(type(value) is np.ndarray for value in values[:4]) and all(
        type(value) in _PLAIN for value in values[4:]
    )


_PLAIN: Final = frozenset({np.ndarray, type(None), int, float})


def _thresholds(
    xp: Any,  # noqa: ANN401
    tables: BracketArrays,
    terms: _Terms,
    device: Any,  # noqa: ANN401
) -> tuple[Array, Array]:
    """``(low, high)``: the bracket thresholds of the σ = −1 and σ = +1 rows, as arrays."""
    if not terms.entry_basis and terms.fee_mark == 0:
        arrays = tables.cached_arrays(xp, device)
        return arrays.edges_plus, arrays.edges_minus
    if terms.entry_basis:
        caps = tables.cached_arrays(xp, device).caps
        return caps, caps
    high, low = tables.thresholds(entry_basis=False, fee_mark=terms.fee_mark)
    return (
        xp.asarray(low, dtype=xp.float64, device=device),
        xp.asarray(high, dtype=xp.float64, device=device),
    )


def _check_out(xp: Any, out: object, shape: tuple[int, ...]) -> None:  # noqa: ANN401
    """Validate an ``out`` argument: None, or a float64 array of the result's shape."""
    if out is None:
        return
    array: Any = out
    if (
        not array_api_compat.is_array_api_obj(array)
        or array.dtype != xp.float64
        or tuple(array.shape) != shape
    ):
        described = (
            f"dtype {array.dtype}, shape {tuple(array.shape)}"
            if array_api_compat.is_array_api_obj(array)
            else repr(out)
        )
        msg = f"out must be a float64 array of shape {shape}, got {described}"
        raise InvalidInputError(msg)


_CHUNK = 1 << 16
"""Rows per block of the array-API liquidation solve (bounds its temporaries)."""


class _Merged(NamedTuple):
    """One shared table's bracket search as a single ``searchsorted`` (array-API path).

    ``thresholds`` holds the σ = −1 and σ = +1 thresholds merged in one sorted array;
    for each insertion position ``p`` (0 to ``2K``), ``rates[p]``/``amounts[p]`` are
    the bracket's terms for a σ = −1 row and ``rates[p + offset]``/``amounts[p + offset]``
    for a σ = +1 row: the bracket counts the thresholds of the row's own kind below the
    key, as the kernels do.
    """

    thresholds: Array
    rates: Array
    amounts: Array
    offset: int
    values: tuple[float, ...]
    """The merged thresholds as floats (counted pass by pass when there are few)."""


def _merged(
    xp: Any,  # noqa: ANN401
    tables: BracketArrays,
    terms: _Terms,
    device: Any,  # noqa: ANN401
) -> _Merged:
    """The :class:`_Merged` search of a shared table under a rule (built once, cached)."""
    key = ("merged", xp.__name__, repr(device), terms.entry_basis, terms.fee_mark)
    cached = tables._cache.get(key)  # noqa: SLF001 - the tables' own per-rule cache
    if cached is None:
        high, low = tables.thresholds(entry_basis=terms.entry_basis, fee_mark=terms.fee_mark)
        top = tables.counts[0] - 1
        merged = sorted([*low[0], *high[0]])
        rates, amounts = tables.rates[0], tables.amounts[0]
        terms_by_position: list[tuple[float, float]] = []
        for row in (low[0], high[0]):
            for p in range(len(merged) + 1):
                k = min(top, bisect.bisect_right(row, merged[p - 1])) if p else 0
                terms_by_position.append((rates[k], amounts[k]))
        cached = _Merged(
            thresholds=xp.asarray(merged, dtype=xp.float64, device=device),
            rates=xp.asarray([r for r, _ in terms_by_position], dtype=xp.float64, device=device),
            amounts=xp.asarray([a for _, a in terms_by_position], dtype=xp.float64, device=device),
            offset=len(merged) + 1,
            values=tuple(merged),
        )
        tables._cache[key] = cached  # noqa: SLF001 - the tables' own per-rule cache
    return cached  # type: ignore[return-value]


_COUNTED = 32
"""Up to this many merged thresholds, passes of comparisons beat ``searchsorted``."""


def _liquidation_shared(
    xp: Any,  # noqa: ANN401
    a: dict[str, Array],
    *,
    merged: _Merged,
    kind: ContractKind,
    terms: _Terms,
) -> Array:
    """The array-API solve with one shared table: :func:`_liquidation`, one search."""
    units, entry_notional, sign, target, fee = _targets(xp, a, kind, terms)
    key = entry_notional if terms.entry_basis else target
    if len(merged.values) <= _COUNTED:
        position = xp.zeros(key.shape, dtype=xp.int64, device=array_api_compat.device(key))
        numpy = array_api_compat.is_numpy_namespace(xp)
        for value in merged.values:  # NumPy adds the comparison in place, without a cast
            above = key > value
            position += above if numpy else xp.astype(above, xp.int64)
    else:
        position = xp.searchsorted(merged.thresholds, key, side="left")
    position = position + xp.astype(sign > 0, position.dtype) * merged.offset
    rate = xp.take(merged.rates, position)
    amount = xp.take(merged.amounts, position)
    return _solved(xp, units, entry_notional, sign, target, rate, amount, fee, kind, terms)


def _targets(
    xp: Any,  # noqa: ANN401
    a: dict[str, Array],
    kind: ContractKind,
    terms: _Terms,
) -> tuple[Array, Array, Array, Array, Array | float]:
    """``(units, n_entry, σ, T·(1 + σ·c_b), close fee rate at mark)`` of each row.

    Without a bankruptcy price (``T ≤ 0``) the bankruptcy fee is charged at mark.
    """
    units, entry_notional, sign = _entry_terms(a, kind)
    target = entry_notional - sign * a["margin"]
    fee: Array | float = terms.fee_mark
    if terms.fee_bankrupt:
        alive = target > 0
        target = xp.where(alive, target * (1.0 + sign * terms.fee_bankrupt), target)
        fee = where(xp, alive, xp.zeros_like(target), terms.fee_bankrupt) + terms.fee_mark
    return units, entry_notional, sign, target, fee


def _solved(  # noqa: PLR0917 - the solve's terms, positionally
    xp: Any,  # noqa: ANN401
    units: Array,
    entry_notional: Array,
    sign: Array,
    target: Array,
    rate: Array,
    amount: Array,
    fee: Array | float,
    kind: ContractKind,
    terms: _Terms,
) -> Array:
    """The price from each row's bracket terms (the kernels' expressions and order)."""
    if terms.entry_basis:
        target = target + sign * rate * entry_notional
        rate = fee
    elif terms.fee_mark or terms.fee_bankrupt:
        rate = rate + fee
    numerator = target - sign * amount
    denominator = 1.0 - sign * rate
    alive = numerator > 0
    safe = where(xp, alive, numerator, 1.0)
    price = units * denominator / safe if kind == "inverse" else safe / (denominator * units)
    always = math.inf if kind == "inverse" else -math.inf  # σ = −1: every price liquidates
    return xp.where(alive, price, where(xp, sign > 0, xp.full_like(price, xp.nan), always))


def _liquidation(
    xp: Any,  # noqa: ANN401
    a: dict[str, Array],
    *,
    sym: Array,
    low: Array,
    high: Array,
    rates: Array,
    amounts: Array,
    kind: ContractKind,
    terms: _Terms,
) -> Array:
    """The array-API solve over 1-D rows: the kernels' expressions, array by array.

    With ``c_b`` the close fee at the bankruptcy price and ``c_m`` the one at mark, the
    condition reads ``n·(1 − σ·c_m) − σ·MM = T·(1 + σ·c_b)`` (the bankruptcy notional is
    ``T``; without a bankruptcy price, ``T ≤ 0``, its fee is charged at mark as the
    scalar path does). Mark-valued maintenance picks the bracket by the thresholds
    (``high`` for ``σ = +1``, ``low`` otherwise) below ``T·(1 + σ·c_b)``; entry-valued
    by the caps below the entry notional, and moves ``σ·m·n_entry`` into the target.
    """
    units, entry_notional, sign, target, fee = _targets(xp, a, kind, terms)
    key = entry_notional if terms.entry_basis else target
    if terms.entry_basis:
        index = _lookup(xp, low, key, sym)
    else:
        index = xp.where(sign > 0, _lookup(xp, high, key, sym), _lookup(xp, low, key, sym))
    rate = _gather(xp, rates, index, sym)
    amount = _gather(xp, amounts, index, sym)
    return _solved(xp, units, entry_notional, sign, target, rate, amount, fee, kind, terms)


def _kernel_inputs(xp: Any, raw: dict[str, object], symbol: object) -> bool:  # noqa: ANN401
    """Whether the arguments are NumPy arrays of the kinds the Numba kernels take."""
    if not _kernel.AVAILABLE or not array_api_compat.is_numpy_namespace(xp):
        return False
    side: Any = raw["side"]
    columns = (raw["size"], raw["entry_price"], raw["margin"])
    contract_size = np.asarray(raw["contract_size"])
    return (
        isinstance(side, np.ndarray)
        and side.ndim == 1
        and side.dtype.kind in "if"
        and all(
            isinstance(c, np.ndarray) and c.shape == side.shape and c.dtype == np.float64
            for c in columns
        )
        and contract_size.dtype.kind in "if"
        and contract_size.shape in {(), side.shape}
        and (
            symbol is None
            or (
                isinstance(symbol, np.ndarray)
                and symbol.shape == side.shape
                and symbol.dtype.kind == "i"
            )
        )
    )


def _fast(
    xp: Any,  # noqa: ANN401
    raw: dict[str, object],
    symbol: object,
    tables: BracketArrays,
    kind: ContractKind,
    *,
    terms: _Terms,
    out: object,
) -> tuple[bool, Array | None]:
    """``(qualified, result)``: whether a Numba kernel applies, and its result.

    The result is None when the inputs do not qualify, or when the kernel met invalid
    rows, the symbol index is out of range (checked before the kernel runs), or the
    shared/stacked use is wrong (then the array-API path raises the documented,
    row-listing error).
    """
    if not _kernel_inputs(xp, raw, symbol):
        return False, None
    side: Any = raw["side"]
    if out is not None and not (
        isinstance(out, np.ndarray)
        and out.dtype == np.float64
        and out.shape == side.shape
        and out.flags.writeable
    ):
        return True, None  # the array-API path reports a bad ``out``
    if (symbol is None) == tables.stacked:
        return True, None  # misuse: let the array-API path report it
    index: Any = symbol
    if index is not None and index.size and not (index.min() >= 0 and index.max() < tables.symbols):
        return True, None  # the array-API path lists the rows out of range
    contract_size: Any = raw["contract_size"]
    result = np.empty(side.shape, dtype=np.float64) if out is None else out
    rule = (kind == "inverse", terms.entry_basis, terms.fee_mark, terms.fee_bankrupt)
    walk = tables.jumps(entry_basis=terms.entry_basis)
    if symbol is None and np.ndim(contract_size) == 0 and not walk:
        shared_size = float(contract_size)
        search = tables.kernel_search(entry_basis=terms.entry_basis, fee_mark=terms.fee_mark)
        bad = (not 0 < shared_size < math.inf) or _kernel.isolated_liquidation_shared(
            side,
            raw["size"],
            raw["entry_price"],
            raw["margin"],
            shared_size,
            rule,
            *search.kernel,
            result,
        )
    else:
        edges, rates, amounts = tables.kernel_tables(
            entry_basis=terms.entry_basis, fee_mark=terms.fee_mark
        )
        bad = _kernel.isolated_liquidation(
            side,
            raw["size"],
            raw["entry_price"],
            raw["margin"],
            np.atleast_1d(np.asarray(contract_size, dtype=np.float64)),
            np.zeros(1, np.int64) if index is None else index.astype(np.int64, copy=False),
            rule,
            edges,
            rates,
            amounts,
            *(_walked(tables) if walk else _NO_WALK),
            result,
        )
    return True, (None if bad else result)


_NO_WALK: Final = (np.empty((0, 0)), np.empty(0, np.int64))
"""The general kernel's ``caps`` and ``counts`` when it searches (no table jumps)."""


def _walked(tables: BracketArrays) -> tuple[Array, Array]:
    """The general kernel's ``caps`` and ``counts`` when it walks the brackets."""
    arrays = tables.cached_arrays(_NUMPY)
    return arrays.caps, arrays.counts


@lazy
@quiet
def bankruptcy_price(
    *,
    side: Array,
    size: Array,
    entry_price: Array,
    margin: Array,
    kind: ContractKind = "linear",
    contract_size: Array | float = 1.0,
) -> Array:
    r"""Bankruptcy price of each isolated position: where margin + UPNL reaches 0.

    The liquidation solve with ``MM = 0``:

    .. math::

        BP = EP - s \cdot M / Q \ \text{(linear)}, \qquad
        BP = \frac{N \cdot CS}{N \cdot CS / EP + s \cdot M} \ \text{(inverse)}

    (isolated with the initial margin as ``M``: linear ``EP·(1 − s/L)``, inverse long
    ``EP·L/(L+1)``, short ``EP·L/(L−1)``). Where it does not exist (a linear long or
    an inverse short with margin ≥ its entry notional) the row is NaN.

    Args:
        side: ``1`` (long) or ``-1`` (short) per row.
        size: sizes (> 0): base units (linear) or contracts (inverse).
        entry_price: entry prices (> 0).
        margin: the isolated wallet of each position (≥ 0), quote or coin.
        kind: ``"linear"`` or ``"inverse"``.
        contract_size: base (linear) or quote (inverse) units per contract.

    Returns:
        Bankruptcy prices (quote per base), float64, NaN where none exists.

    Raises:
        InvalidInputError: for invalid rows or arguments (the message lists rows).

    References:
        :ref:`rule-bankruptcy-price` [derived].

    Examples:
        >>> import numpy as np
        >>> bankruptcy_price(side=np.array([1, -1]), size=1.0, entry_price=50_000, margin=5_000)
        array([45000., 55000.])

    .. versionadded:: 0.1.0
    """
    contract = check_kind(kind)
    xp, shape, a = _rows(
        _LIQUIDATION_ARGS, (side, size, entry_price, margin, contract_size), margins=("margin",)
    )
    units, entry_notional, sign = _entry_terms(a, contract)
    target = entry_notional - sign * a["margin"]
    return xp.reshape(_price_from_notional(xp, target, units, contract), shape)
