"""Private helpers shared by the exchange payload parsers.

Exchange APIs send JSON: objects, arrays, and numbers either as JSON numbers (floats once
parsed) or as strings. These helpers read one field at a time and raise
:class:`~levrisk.exceptions.InvalidInputError` naming the *path* of the offending value in
the payload (``payload[0].brackets[2].notionalCap``), so a caller can find it in the
exchange's response. Numbers go through :func:`~levrisk.numbers.to_decimal` (a float is
read from its shortest ``repr``; ``bool``, NaN and infinities are rejected).

:func:`table_from_tiers` turns parsed tier rows into a
:class:`~levrisk.brackets.BracketTable` as the venue states its maintenance
(:ref:`rule-tier-maintenance`), checking that the tiers are sorted and contiguous (no
gap, no overlap); published maintenance amounts are taken as published, or checked
against the recursion of :ref:`rule-brackets` on request.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeAlias

import attrs

from levrisk._fields import require
from levrisk._typing import OnMismatch, TierMaintenance, choice
from levrisk.brackets import BracketTable, check_published
from levrisk.exceptions import BracketError, InvalidInputError
from levrisk.numbers import to_decimal

__all__ = [
    "Json",
    "OnMismatch",
    "TierRow",
    "as_list",
    "as_mapping",
    "check",
    "field",
    "has",
    "is_a",
    "number",
    "objects",
    "optional_number",
    "optional_text",
    "pick_symbol",
    "string",
    "table_from_tiers",
    "text",
    "tier_row",
]

Json: TypeAlias = object
"""A value decoded from JSON (checked at runtime, never trusted)."""

Validator: TypeAlias = Callable[[object, "attrs.Attribute[Any]", object], None]


# ------------------------------------------------------------------ value objects' fields


def check(holds: Callable[[Any], bool], what: str) -> Validator:
    """An attrs validator: ``holds(value)``, or ``<field> must be <what>, got <value>``."""

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not holds(value):
            msg = f"{attribute.name} must be {what}, got {value!r}"
            raise InvalidInputError(msg)

    return validate


string = check(lambda value: isinstance(value, str), "a string")
"""An attrs validator: the field holds a ``str`` (``symbol must be a string, got 1``)."""


def is_a(kind: type) -> Validator:
    """An attrs validator over :func:`levrisk._fields.require` (``brackets must be a …``)."""

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require(value, kind, attribute.name)

    return validate


def optional_text(value: object, name: str) -> str | None:
    """A selector argument (``symbol=``, ``inst_family=``): a string or ``None``."""
    if value is not None and not isinstance(value, str):
        msg = f"{name} must be a string or None, got {value!r}"
        raise InvalidInputError(msg)
    return value


# ------------------------------------------------------------------ JSON values


def as_mapping(value: Json, *, where: str) -> Mapping[str, Json]:
    """``value`` as a JSON object, or an error naming ``where``."""
    if not isinstance(value, Mapping):
        msg = f"{where} must be a JSON object (a dict), got {value!r}"
        raise InvalidInputError(msg)
    return value


def as_list(value: Json, *, where: str) -> Sequence[Json]:
    """``value`` as a JSON array (a list or tuple, never a string), or an error."""
    if not isinstance(value, (list, tuple)):
        msg = f"{where} must be a JSON array (a list), got {value!r}"
        raise InvalidInputError(msg)
    return value


def has(obj: Mapping[str, Json], key: str) -> bool:
    """Whether ``obj`` carries ``key`` with a value that is not ``None`` or ``""``."""
    value = obj.get(key)
    return value is not None and value != ""


def field(obj: Mapping[str, Json], key: str, *, where: str) -> Json:
    """The value of ``key`` in ``obj``; a missing key is an error naming the path."""
    if key not in obj:
        msg = f"{where} is missing the field {key!r}"
        raise InvalidInputError(msg)
    return obj[key]


def objects(value: Json, *, where: str) -> list[tuple[str, Mapping[str, Json]]]:
    """The JSON objects of the array ``value``, each with its path ``where[i]``."""
    paths = [(f"{where}[{i}]", raw) for i, raw in enumerate(as_list(value, where=where))]
    return [(at, as_mapping(raw, where=at)) for at, raw in paths]


def number(obj: Mapping[str, Json], key: str, *, where: str) -> Decimal:
    """The number in field ``key`` (a JSON number or a numeric string) as a ``Decimal``."""
    value = field(obj, key, where=where)
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        msg = f"{where}.{key} must be a number or a numeric string, got {value!r}"
        raise InvalidInputError(msg)
    return to_decimal(value, name=f"{where}.{key}")


def optional_number(obj: Mapping[str, Json], key: str, *, where: str) -> Decimal | None:
    """Like :func:`number`, but a missing, ``None`` or ``""`` field gives ``None``."""
    return number(obj, key, where=where) if has(obj, key) else None


def text(obj: Mapping[str, Json], key: str, *, where: str) -> str:
    """The string in field ``key``."""
    value = field(obj, key, where=where)
    if not isinstance(value, str):
        msg = f"{where}.{key} must be a string, got {value!r}"
        raise InvalidInputError(msg)
    return value


@attrs.frozen(kw_only=True)
class TierRow:
    """One parsed tier before it becomes a :class:`~levrisk.brackets.Bracket`.

    ``where`` is the tier's path in the payload and ``names`` maps the roles
    (``floor``, ``cap``, ``amount``) to the exchange's own field names, for messages.
    """

    where: str
    floor: Decimal
    cap: Decimal
    maintenance_rate: Decimal
    max_leverage: Decimal
    maintenance_amount: Decimal | None = None
    initial_rate: Decimal | None = None
    floor_name: str = "floor"
    cap_name: str = "cap"
    amount_name: str = "cum"


def tier_row(
    obj: Mapping[str, Json],
    *,
    where: str,
    floor: str | Decimal,
    cap: str,
    maintenance_rate: str,
    max_leverage: str,
    maintenance_amount: str | None = None,
    initial_rate: str | None = None,
) -> TierRow:
    """Read one tier from the exchange's field names (``floor`` may be a value instead).

    A ``floor`` given as a value (the previous tier's cap, where the payload has no floor
    column) is named ``(previous <cap>)`` in messages.
    """

    def optional(key: str | None) -> Decimal | None:
        return None if key is None else optional_number(obj, key, where=where)

    return TierRow(
        where=where,
        floor=number(obj, floor, where=where) if isinstance(floor, str) else floor,
        cap=number(obj, cap, where=where),
        maintenance_rate=number(obj, maintenance_rate, where=where),
        max_leverage=number(obj, max_leverage, where=where),
        maintenance_amount=optional(maintenance_amount),
        initial_rate=optional(initial_rate),
        floor_name=floor if isinstance(floor, str) else f"(previous {cap})",
        cap_name=cap,
        amount_name=maintenance_amount or "cum",
    )


def table_from_tiers(
    rows: Sequence[TierRow],
    *,
    where: str,
    on_mismatch: OnMismatch,
    maintenance: TierMaintenance = "marginal",
) -> BracketTable:
    """Build a validated table from tier rows, lowest first.

    Rows that all carry a published amount give a ``"deduction"`` table, taken as
    published (``on_mismatch="keep"``) or checked against the recursion (``"raise"``,
    ``"warn"``: a ``"marginal"`` table); rows without amounts give a ``maintenance``
    table (``"marginal"`` or ``"whole"``, as the venue computes it).

    Raises:
        BracketError: when there are no rows, a row's floor is not the previous cap
            (unsorted, overlapping or with a gap), the first floor is not 0, a published
            amount breaks the recursion under ``on_mismatch="raise"``, or a bracket is
            invalid.
    """
    choice(on_mismatch, OnMismatch, "on_mismatch")
    if not rows:
        msg = f"{where} holds no tiers"
        raise BracketError(msg)
    _check_order(rows)
    initial = [row.initial_rate for row in rows if row.initial_rate is not None]
    amounts = [row.maintenance_amount for row in rows if row.maintenance_amount is not None]
    published = len(amounts) == len(rows) and on_mismatch == "keep"
    table = BracketTable.from_rates(
        caps=[row.cap for row in rows],
        maintenance_rates=[row.maintenance_rate for row in rows],
        max_leverages=[row.max_leverage for row in rows],
        initial_rates=initial if len(initial) == len(rows) else None,
        maintenance_amounts=amounts if published else None,
        maintenance=None if published or amounts else maintenance,
    )
    if on_mismatch != "keep":
        check_published(
            ((f"{row.where}.{row.amount_name}", row.maintenance_amount) for row in rows),
            [bracket.maintenance_amount for bracket in table.brackets],
            on_mismatch=on_mismatch,
            stacklevel=5,
        )
    return table


def _check_order(rows: Sequence[TierRow]) -> None:
    """Caps increase; each floor is the previous cap (0 first); each cap is above its floor."""
    for previous, row in itertools.pairwise(rows):
        if row.cap <= previous.cap:
            msg = (
                f"{row.where}.{row.cap_name} must be above {previous.where}.{row.cap_name} "
                f"{previous.cap!r}, got {row.cap!r}: tiers must be sorted by notional"
            )
            raise BracketError(msg)
    expected_floor = Decimal(0)
    for row in rows:
        if row.floor != expected_floor:
            if row.floor < expected_floor:
                problem = "tiers must be sorted by notional and must not overlap"
            else:
                problem = "tiers must be contiguous (a gap)"
            msg = (
                f"{row.where}.{row.floor_name} must be {expected_floor!r} "
                f"(the previous tier's {row.cap_name}), got {row.floor!r}: {problem}"
            )
            raise BracketError(msg)
        if row.cap <= row.floor:
            msg = (
                f"{row.where}.{row.cap_name} must be above its {row.floor_name} {row.floor!r}, "
                f"got {row.cap!r}: tiers must be sorted by notional and must not overlap"
            )
            raise BracketError(msg)
        expected_floor = row.cap


def pick_symbol(
    entries: Sequence[Json], symbol: str | None, *, key: str, where: str
) -> tuple[int, Mapping[str, Json]]:
    """The entry of a list-of-symbols payload whose ``key`` is ``symbol``.

    With ``symbol=None`` the list must hold exactly one entry.
    """
    symbol = optional_text(symbol, "symbol")
    items = [as_mapping(entry, where=f"{where}[{i}]") for i, entry in enumerate(entries)]
    if symbol is None:
        if len(items) != 1:
            msg = f"{where} holds {len(items)} entries: pass symbol= to choose one"
            raise InvalidInputError(msg)
        return 0, items[0]
    for i, obj in enumerate(items):
        if text(obj, key, where=f"{where}[{i}]") == symbol:
            return i, obj
    msg = f"{where} has no entry with {key} {symbol!r}"
    raise InvalidInputError(msg)
