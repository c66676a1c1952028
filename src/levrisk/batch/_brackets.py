"""Bracket tables as arrays (:ref:`rule-brackets`) for the batch path."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import attrs

from levrisk.batch._common import Array
from levrisk.brackets import BracketTable
from levrisk.exceptions import BracketError
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
    return tuple(tuple(float(x) for x in row) for row in value)


def _counts(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(int(x) for x in value)


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
    _cache: dict[tuple[int, str], TableArrays] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )

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
        )

    @property
    def symbols(self) -> int:
        """How many tables the stack holds (1 for a shared table)."""
        return len(self.counts)

    def arrays(self, xp: Any, device: Any = None) -> TableArrays:  # noqa: ANN401 - namespace, device
        """The tables as arrays of namespace ``xp`` on ``device`` (built once, then cached).

        Args:
            xp: an array-API namespace (e.g. from ``array_api_compat.array_namespace``).
            device: the device to create the arrays on (None: the namespace's default).

        Returns:
            The :class:`TableArrays`.
        """
        key = (id(xp), repr(device))
        cached = self._cache.get(key)
        if cached is None:

            def make(rows: object, dtype: Any) -> Array:  # noqa: ANN401 - a dtype
                return xp.asarray(rows, dtype=dtype, device=device)

            cached = TableArrays(
                caps=make(self.caps, xp.float64),
                rates=make(self.rates, xp.float64),
                amounts=make(self.amounts, xp.float64),
                edges_minus=make(self.edges_minus, xp.float64),
                edges_plus=make(self.edges_plus, xp.float64),
                counts=make(self.counts, xp.int64),
            )
            self._cache[key] = cached
        return cached


def check_brackets(brackets: object) -> BracketArrays:
    """Validate a ``brackets`` argument (a :class:`BracketArrays` or a table)."""
    if isinstance(brackets, BracketTable):
        return BracketArrays.from_table(brackets)
    if not isinstance(brackets, BracketArrays):
        msg = f"brackets must be a BracketArrays or a BracketTable, got {brackets!r}"
        raise BracketError(msg)
    return brackets
