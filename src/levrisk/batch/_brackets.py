"""Bracket tables as arrays (:ref:`rule-brackets`) for the batch path."""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import attrs

from levrisk.batch import _kernel
from levrisk.batch._common import Array
from levrisk.brackets import BracketTable
from levrisk.exceptions import BracketError, InvalidInputError
from levrisk.futures import _solver
from levrisk.numbers import exact

__all__ = ["BracketArrays", "TableArrays"]

_Rows = tuple[tuple[float, ...], ...]


class TableArrays(NamedTuple):
    """The arrays of a :class:`BracketArrays` in one array namespace.

    Each is of shape ``(S, K)``: ``S`` tables of ``K`` brackets (padded), except
    ``counts`` of shape ``(S,)``. Returned by :meth:`BracketArrays.arrays`.

    .. versionadded:: 0.1.0
    """

    caps: Array
    """Inclusive caps (padding: ``inf``), float64."""
    rates: Array
    """Maintenance rates ``m``, float64."""
    amounts: Array
    """Maintenance amounts ``cum``, float64."""
    edges_minus: Array
    """``cap − MM(cap)`` (padding: ``inf``), float64."""
    edges_plus: Array
    """``cap + MM(cap)`` (padding: ``inf``), float64."""
    counts: Array
    """Number of real brackets of each table, int64."""


def _rows(value: Iterable[Iterable[float]]) -> _Rows:
    """A copy of the rows as float tuples (the arrays handed out are built from it)."""
    try:
        return tuple(tuple(float(x) for x in row) for row in value)
    except (TypeError, ValueError, OverflowError) as error:
        msg = f"bracket arrays must be rows of real numbers, got {value!r}"
        raise BracketError(msg) from error


def _flags(value: Iterable[bool] | None) -> tuple[bool, ...] | None:
    """``continuous`` as a tuple of bools (None: every table continuous)."""
    if value is None:
        return None
    try:
        flags = tuple(value)
    except TypeError as error:
        msg = f"continuous must be a sequence of bools, got {value!r}"
        raise BracketError(msg) from error
    if not all(isinstance(flag, bool) for flag in flags):
        msg = f"continuous must be a sequence of bools, got {value!r}"
        raise BracketError(msg)
    return flags


def _counts(value: Iterable[int]) -> tuple[int, ...]:
    try:
        counts = tuple(operator.index(x) for x in value)
    except TypeError as error:
        msg = f"counts must be integers, got {value!r}"
        raise BracketError(msg) from error
    return counts


@attrs.frozen(kw_only=True)
class BracketArrays:
    r"""One or more bracket tables as float64 arrays, ready for vectorised bracket lookup.

    Build it with :meth:`from_table` (one table shared by every position) or
    :meth:`from_tables` (a stack of per-symbol tables; the positions then carry a
    ``symbol`` index into the stack). Shorter tables of a stack are padded with
    ``+inf`` caps and edges, so a lookup never lands in the padding.

    Besides the caps, rates and maintenance amounts it holds the edges that make the
    consistent-bracket rule of the liquidation solve a single ``searchsorted``: for each
    cap ``c_k``

    .. math::

        E^{-}_k = c_k - MM(c_k), \qquad E^{+}_k = c_k + MM(c_k)

    Both are strictly increasing in ``k`` because ``MM`` is continuous with slope
    ``m < 1``, so the notional solving ``n ∓ MM(n) = T`` lies in the first bracket with
    ``E_k ≥ T``. The edges are computed exactly in ``Decimal`` and rounded once to
    float64.

    A table whose maintenance jumps at an edge (``maintenance="whole"``, or published
    amounts off the recursion: :ref:`rule-tier-maintenance`) is flagged in
    ``continuous``; its edges need not increase, and a mark-valued solve on it walks
    the brackets instead (the price where the notional reaches a cap is then a
    liquidation price when the jump crosses the condition, as in
    ``levrisk.futures``).

    The arrays of a namespace are built on first use and cached, so one
    ``BracketArrays`` serves NumPy, array-api-strict, CuPy or PyTorch inputs alike.

    Attributes:
        caps: per table, the inclusive cap of each bracket (padding: ``inf``).
        rates: per table, the maintenance rate ``m`` of each bracket.
        amounts: per table, the maintenance amount ``cum`` of each bracket.
        edges_minus: per table, ``cap − MM(cap)`` (padding: ``inf``).
        edges_plus: per table, ``cap + MM(cap)`` (padding: ``inf``).
        counts: per table, its number of real brackets.
        stacked: whether this is a per-symbol stack (positions need a ``symbol`` index).
        continuous: per table, whether its maintenance is continuous at every edge
            (None when built by hand: every table, as before 0.2.0).

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000, 250_000],
        ...     maintenance_rates=["0.004", "0.005"],
        ...     max_leverages=[125, 100],
        ... )
        >>> arrays = BracketArrays.from_table(table)
        >>> arrays.caps, arrays.edges_minus
        (((50000.0, 250000.0),), ((49800.0, 248800.0),))

    .. versionadded:: 0.1.0
    """

    caps: _Rows = attrs.field(converter=_rows)
    rates: _Rows = attrs.field(converter=_rows)
    amounts: _Rows = attrs.field(converter=_rows)
    edges_minus: _Rows = attrs.field(converter=_rows)
    edges_plus: _Rows = attrs.field(converter=_rows)
    counts: tuple[int, ...] = attrs.field(converter=_counts)
    stacked: bool = attrs.field(default=False)
    continuous: tuple[bool, ...] | None = attrs.field(default=None, converter=_flags)
    _cache: dict[object, object] = attrs.field(init=False, factory=dict, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        """Check shapes, sortedness, counts and finiteness (:ref:`rule-brackets`)."""
        _check_layout(self)
        if self.continuous is None:  # built by hand: continuous tables, as before
            object.__setattr__(self, "continuous", (True,) * len(self.counts))

    def __getstate__(self) -> dict[str, object]:
        """Pickle the tables, not the per-namespace cache (e.g. for Dask workers)."""
        return {field.name: getattr(self, field.name) for field in _FIELDS}

    def __setstate__(self, state: dict[str, object]) -> None:
        """Restore a pickled table stack with an empty cache."""
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_cache", {})

    @classmethod
    def from_table(cls, table: BracketTable) -> BracketArrays:
        """One bracket table shared by every position of a call.

        Args:
            table: a validated :class:`~levrisk.brackets.BracketTable`.

        Returns:
            The table as arrays (``stacked`` is false).

        Raises:
            BracketError: when ``table`` is not a ``BracketTable``.
        """
        return cls._build([table], stacked=False, name="table")

    @classmethod
    def from_tables(cls, tables: Sequence[BracketTable]) -> BracketArrays:
        """A stack of per-symbol tables; position ``i`` uses ``tables[symbol[i]]``.

        Args:
            tables: one :class:`~levrisk.brackets.BracketTable` per symbol (at least one).

        Returns:
            The padded stack (``stacked`` is true).

        Raises:
            BracketError: when ``tables`` is empty or holds something else than tables.

        Examples:
            >>> from levrisk.brackets import BracketTable
            >>> a = BracketTable.from_rates(
            ...     caps=[10, 20], maintenance_rates=["0.01", "0.02"], max_leverages=[50, 20]
            ... )
            >>> b = BracketTable.from_rates(
            ...     caps=[5], maintenance_rates=["0.05"], max_leverages=[10]
            ... )
            >>> stack = BracketArrays.from_tables([a, b])
            >>> stack.caps, stack.counts
            (((10.0, 20.0), (5.0, inf)), (2, 1))
        """
        given: object = tables
        if not isinstance(given, Sequence) or not given:
            msg = f"tables must be a non-empty sequence of BracketTable, got {tables!r}"
            raise BracketError(msg)
        return cls._build(list(tables), stacked=True, name="tables")

    @classmethod
    @exact
    def _build(cls, tables: list[BracketTable], *, stacked: bool, name: str) -> BracketArrays:
        for i, table in enumerate(tables):
            if not isinstance(table, BracketTable):
                where = name if not stacked else f"{name}[{i}]"
                msg = f"{where} must be a BracketTable, got {table!r}"
                raise BracketError(msg)
        width = max(len(t.brackets) for t in tables)
        columns: dict[str, list[list[float]]] = {
            key: [] for key in ("caps", "rates", "amounts", "edges_minus", "edges_plus")
        }
        for table in tables:
            pad = width - len(table.brackets)
            last = table.brackets[-1]
            caps = [b.cap for b in table.brackets]
            mms = [b.maintenance_margin(b.cap) for b in table.brackets]
            columns["caps"].append([float(c) for c in caps] + [math.inf] * pad)
            columns["rates"].append(
                [float(b.maintenance_rate) for b in table.brackets]
                + [float(last.maintenance_rate)] * pad
            )
            columns["amounts"].append(
                [float(b.maintenance_amount) for b in table.brackets]
                + [float(last.maintenance_amount)] * pad
            )
            columns["edges_minus"].append(
                [float(c - mm) for c, mm in zip(caps, mms, strict=True)] + [math.inf] * pad
            )
            columns["edges_plus"].append(
                [float(c + mm) for c, mm in zip(caps, mms, strict=True)] + [math.inf] * pad
            )
        return cls(
            **columns,
            counts=[len(t.brackets) for t in tables],
            stacked=stacked,
            continuous=[_solver.tiers(t).continuous for t in tables],
        )

    def jumps(self, *, entry_basis: bool) -> bool:
        """Whether a solve under the rule meets a maintenance jump (:ref:`rule-tier-maintenance`).

        True when some table is not continuous (``MM(cap⁺) ≠ MM(cap)`` at an edge) and
        the maintenance is valued at mark; at entry it is a constant.

        Args:
            entry_basis: whether the rule values the maintenance at entry.

        Examples:
            >>> from levrisk.brackets import BracketTable
            >>> whole = BracketTable.from_rates(
            ...     caps=[1000, 2000],
            ...     maintenance_rates=["0.02", "0.025"],
            ...     max_leverages=[50, 40],
            ...     maintenance="whole",
            ... )
            >>> arrays = BracketArrays.from_table(whole)
            >>> arrays.continuous, arrays.jumps(entry_basis=False), arrays.jumps(entry_basis=True)
            ((False,), True, False)
        """
        return not entry_basis and self.continuous is not None and not all(self.continuous)

    @property
    def symbols(self) -> int:
        """How many tables the stack holds (1 for a shared table)."""
        return len(self.counts)

    def arrays(self, xp: Any, device: Any = None) -> TableArrays:  # noqa: ANN401 - namespace, device
        """The tables as arrays of namespace ``xp`` on ``device`` (built once, then cached).

        NumPy arrays are read-only views of the cache; other libraries get fresh copies
        (most have no read-only arrays), so writing into what this returns never
        changes a later result.

        Args:
            xp: an array-API namespace (e.g. from ``array_api_compat.array_namespace``).
            device: the device to create the arrays on (None: the namespace's default).

        Returns:
            The :class:`TableArrays`.

        Raises:
            InvalidInputError: when ``xp`` is not an array namespace, or ``device`` is
                not one of its devices.
        """
        cached = self.cached_arrays(xp, device)
        if _is_numpy(xp):
            return cached
        return TableArrays(*(xp.asarray(a, copy=True) for a in cached))

    def cached_arrays(self, xp: Any, device: Any = None) -> TableArrays:  # noqa: ANN401
        """:meth:`arrays` without the copies (private to the batch functions)."""
        name = getattr(xp, "__name__", None)
        if not isinstance(name, str) or not all(
            hasattr(xp, attr) for attr in ("asarray", "float64", "int64")
        ):
            msg = f"xp must be an array-API namespace, got {xp!r}"
            raise InvalidInputError(msg)
        key = ("arrays", name, repr(device))
        cached = self._cache.get(key)
        if cached is None:
            try:
                cached = TableArrays(
                    caps=_make(xp, self.caps, xp.float64, device),
                    rates=_make(xp, self.rates, xp.float64, device),
                    amounts=_make(xp, self.amounts, xp.float64, device),
                    edges_minus=_make(xp, self.edges_minus, xp.float64, device),
                    edges_plus=_make(xp, self.edges_plus, xp.float64, device),
                    counts=_make(xp, self.counts, xp.int64, device),
                )
            except (TypeError, ValueError, RuntimeError, AttributeError) as error:
                msg = f"cannot build the bracket arrays in {name} on device {device!r}: {error}"
                raise InvalidInputError(msg) from error
            self._cache[key] = cached
        return cached  # type: ignore[return-value]

    def thresholds(self, *, entry_basis: bool, fee_mark: float) -> tuple[_Rows, _Rows]:
        """``(σ = +1, σ = −1)`` thresholds that pick the bracket under a liquidation rule.

        Entry-valued maintenance: the caps (the bracket holds the entry notional).
        Mark-valued: the consistent-bracket edges of the condition with a close fee
        ``c`` at mark, ``cap·(1 − σc) − σ·MM(cap)`` (``edges_minus``/``edges_plus``
        when ``c = 0``); padding stays ``inf``.
        """
        if entry_basis:
            return self.caps, self.caps
        return (
            _shifted(self.edges_minus, self.caps, -fee_mark),
            _shifted(self.edges_plus, self.caps, fee_mark),
        )

    def kernel_tables(self, *, entry_basis: bool, fee_mark: float) -> tuple[Any, Any, Any]:
        """The Numba kernels' read-only tables for a rule (built once, then cached)."""
        key = ("kernel", entry_basis, fee_mark)
        cached = self._cache.get(key)
        if cached is None:
            import numpy as np  # noqa: PLC0415 - the kernels run on NumPy only

            minus, plus = self.thresholds(entry_basis=entry_basis, fee_mark=fee_mark)
            cached = _kernel.kernel_tables(
                np.array(minus), np.array(plus), np.array(self.rates), np.array(self.amounts)
            )
            self._cache[key] = cached
        return cached  # type: ignore[return-value]

    def kernel_search(self, *, entry_basis: bool, fee_mark: float) -> Any:  # noqa: ANN401
        """The shared-table kernel's bracket search in cells (a ``SearchTable``) for a rule.

        Of the first table (the shared one); built once per rule, then cached.
        """
        key = ("search", entry_basis, fee_mark)
        cached = self._cache.get(key)
        if cached is None:
            minus, plus = self.thresholds(entry_basis=entry_basis, fee_mark=fee_mark)
            searched = self.counts[0] - 1  # the last edge leads to the same bracket
            cached = _kernel.search_table(
                plus[0][:searched],
                minus[0][:searched],
                self.rates[0][: self.counts[0]],
                self.amounts[0][: self.counts[0]],
            )
            self._cache[key] = cached
        return cached


_FIELDS = [f for f in attrs.fields(BracketArrays) if f.init]


def _shifted(edges: _Rows, caps: _Rows, fee: float) -> _Rows:
    """``edge + fee·cap`` where the edge is finite (the padding stays ``inf``)."""
    if fee == 0:
        return edges
    return tuple(
        tuple(e + fee * c if math.isfinite(e) else math.inf for e, c in zip(row, cap, strict=True))
        for row, cap in zip(edges, caps, strict=True)
    )


def _is_numpy(xp: Any) -> bool:  # noqa: ANN401 - a namespace
    return getattr(xp, "__name__", None) in {"numpy", "array_api_compat.numpy"}


def _make(xp: Any, rows: object, dtype: Any, device: Any) -> Array:  # noqa: ANN401
    """An array of the rows, read-only where the library allows it (NumPy)."""
    array = xp.asarray(rows, dtype=dtype, device=device)
    flags = getattr(array, "flags", None)
    if flags is not None and _is_numpy(xp):
        flags.writeable = False
    return array


def _increasing(row: tuple[float, ...]) -> bool:
    return all(a < b for a, b in itertools.pairwise(row))


def _check_layout(arrays: BracketArrays) -> None:
    """Raise :class:`BracketError` unless ``arrays`` is a well-formed padded stack."""
    rows = len(arrays.counts)
    named = {
        "caps": arrays.caps,
        "rates": arrays.rates,
        "amounts": arrays.amounts,
        "edges_minus": arrays.edges_minus,
        "edges_plus": arrays.edges_plus,
    }
    if not isinstance(arrays.stacked, bool):
        msg = f"stacked must be a bool, got {arrays.stacked!r}"
        raise BracketError(msg)
    if rows == 0 or (not arrays.stacked and rows != 1):
        msg = f"counts must hold one count per table (1 unless stacked), got {arrays.counts!r}"
        raise BracketError(msg)
    width = len(arrays.caps[0]) if arrays.caps else 0
    for name, value in named.items():
        if len(value) != rows or any(len(row) != width for row in value):
            msg = f"{name} must have {rows} row(s) of {width} value(s), got {value!r}"
            raise BracketError(msg)
    if arrays.continuous is not None and len(arrays.continuous) != rows:
        msg = f"continuous must hold one flag per table ({rows}), got {arrays.continuous!r}"
        raise BracketError(msg)
    for i, count in enumerate(arrays.counts):
        _check_table(arrays, named, i, count, width)


def check_brackets(brackets: object) -> BracketArrays:
    """Validate a ``brackets`` argument (a :class:`BracketArrays` or a table)."""
    if isinstance(brackets, BracketTable):
        return BracketArrays.from_table(brackets)
    if not isinstance(brackets, BracketArrays):
        msg = f"brackets must be a BracketArrays or a BracketTable, got {brackets!r}"
        raise BracketError(msg)
    return brackets


def _check_table(
    arrays: BracketArrays, named: dict[str, _Rows], i: int, count: int, width: int
) -> None:
    """Raise :class:`BracketError` unless table ``i`` of the stack is well formed."""
    if not 1 <= count <= width:
        msg = f"counts[{i}] must be between 1 and {width}, got {count!r}"
        raise BracketError(msg)
    jumps = arrays.continuous is not None and not arrays.continuous[i]
    for name in ("caps", "edges_minus", "edges_plus"):
        row = named[name][i]
        real, pad = row[:count], row[count:]
        rising = name == "caps" or not jumps  # a jumping table's edges need not rise
        if not (
            all(math.isfinite(x) for x in real)
            and (_increasing(real) or not rising)
            and all(x == math.inf for x in pad)
        ):
            order = "strictly increasing" if rising else "finite"
            msg = (
                f"{name}[{i}] must be finite and {order} over its {count} "
                f"bracket(s), then inf, got {row!r}"
            )
            raise BracketError(msg)
    if arrays.caps[i][0] <= 0:
        msg = f"caps[{i}] must be positive, got {arrays.caps[i]!r}"
        raise BracketError(msg)
    if not all(0 <= r < 1 for r in arrays.rates[i]):
        msg = f"rates[{i}] must be in [0, 1), got {arrays.rates[i]!r}"
        raise BracketError(msg)
    if not all(math.isfinite(a) for a in arrays.amounts[i]):
        msg = f"amounts[{i}] must be finite, got {arrays.amounts[i]!r}"
        raise BracketError(msg)
