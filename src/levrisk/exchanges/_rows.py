"""A payload parsed row by row: the good rows, and an error report for the bad ones.

An exchange's position list can hold a row levrisk cannot use (a field missing, a symbol
without a contract, a leverage the shipped table would not allow). One such row must not
hide the others: the ``*_report_from_payload`` parsers return a :class:`Parsed` with the
rows that parsed and one :class:`RowError` per row that did not, naming its path in the
payload. With ``strict=True`` the first bad row raises instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import attrs

from levrisk.exceptions import LevriskError
from levrisk.exchanges._payload import check, string

__all__ = ["Parsed", "RowError", "collect"]

_T = TypeVar("_T")
_S = TypeVar("_S")


def _tuple_of(kind: type) -> Callable[[object, attrs.Attribute[Any], object], None]:
    return check(
        lambda value: isinstance(value, tuple) and all(isinstance(v, kind) for v in value),
        f"a tuple of {kind.__name__}",
    )


@attrs.frozen(kw_only=True)
class RowError:
    """One payload row that could not be parsed.

    Attributes:
        where: the row's path in the payload (``payload[1]``).
        error: the error's class name (``"LeverageError"``).
        message: the error's message.

    Examples:
        >>> RowError(where="payload[1]", error="LeverageError", message="leverage ...").where
        'payload[1]'

    .. versionadded:: 0.2.0
    """

    where: str = attrs.field(validator=string)
    error: str = attrs.field(validator=string)
    message: str = attrs.field(validator=string)


@attrs.frozen(kw_only=True)
class Parsed:
    """What a row-by-row parser returns: the rows that parsed and the errors of the rest.

    Attributes:
        rows: the parsed rows, in payload order.
        errors: one :class:`RowError` per row that could not be parsed, in payload order.

    Examples:
        >>> Parsed(rows=(1, 2), errors=()).rows
        (1, 2)

    .. versionadded:: 0.2.0
    """

    rows: tuple[Any, ...] = attrs.field(validator=_tuple_of(object))
    errors: tuple[RowError, ...] = attrs.field(default=(), validator=_tuple_of(RowError))


def collect(
    items: Iterable[tuple[str, _S]], build: Callable[[str, _S], _T | None], *, strict: bool
) -> Parsed:
    """Build every row; a ``LevriskError`` becomes a :class:`RowError` (or raises if strict).

    ``build`` returns ``None`` for a row that is skipped on purpose (a zero position).
    """
    rows: list[_T] = []
    errors: list[RowError] = []
    for where, item in items:
        try:
            row = build(where, item)
        except LevriskError as error:
            if strict:
                raise
            errors.append(RowError(where=where, error=type(error).__name__, message=str(error)))
            continue
        if row is not None:
            rows.append(row)
    return Parsed(rows=tuple(rows), errors=tuple(errors))
