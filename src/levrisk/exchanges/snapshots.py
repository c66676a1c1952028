"""Dated bracket snapshots shipped with levrisk as package data.

Tier tables change often, so levrisk computes with the table the caller passes in, parsed
from the exchange's own API response (``brackets_from_payload`` in each venue module). For
the reference calculator and the examples it also ships a few **dated snapshots**: JSON
files under ``levrisk/exchanges/data/`` stored in the exchange's own payload format and
read through the same parser, so a snapshot is validated exactly like a live payload
(sorted, contiguous tiers; maintenance amounts consistent with the recursion of
:ref:`rule-brackets`).

A :class:`Snapshot` says which date its table is from and where it was taken from. The
shipped ones are transcriptions of the exchanges' published tables, not API downloads;
:attr:`Snapshot.notes` says how certain each one is. Do not use them for live trading
decisions: fetch the current table and parse it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import attrs

from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges._payload import Json, as_mapping, text

__all__ = ["Snapshot"]


def _date(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        msg = f"{attribute.name} must be a datetime.date, got {value!r}"
        raise InvalidInputError(msg)


def _text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        msg = f"{attribute.name} must be a string, got {value!r}"
        raise InvalidInputError(msg)


def _table(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, BracketTable):
        msg = f"{attribute.name} must be a BracketTable, got {value!r}"
        raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class Snapshot:
    """A dated bracket table of one symbol, shipped as package data.

    Attributes:
        venue: the exchange (``"binance"``).
        symbol: the exchange's symbol (``"BTCUSDT"``).
        date: the date the table was in force (the date of the transcribed version).
        source: the page or endpoint the table comes from.
        notes: how the table was obtained and how certain each part is.
        brackets: the validated table.

    Examples:
        >>> from levrisk.exchanges import binance
        >>> binance.BTCUSDT_SNAPSHOT.date
        datetime.date(2022, 1, 1)
        >>> binance.BTCUSDT_SNAPSHOT.brackets.maintenance_margin(500_000)
        Decimal('3700.000')

    .. versionadded:: 0.1.0
    """

    venue: str = attrs.field(validator=_text)
    symbol: str = attrs.field(validator=_text)
    date: dt.date = attrs.field(validator=_date)
    source: str = attrs.field(validator=_text)
    notes: str = attrs.field(validator=_text)
    brackets: BracketTable = attrs.field(validator=_table)


def load(name: str, parse: Callable[[Json], BracketTable]) -> Snapshot:
    """Read the packaged snapshot file ``name`` and parse its payload with ``parse``."""
    raw = resources.files("levrisk.exchanges").joinpath("data").joinpath(name).read_text("utf-8")
    document = as_mapping(json.loads(raw), where=name)
    return Snapshot(
        venue=text(document, "venue", where=name),
        symbol=text(document, "symbol", where=name),
        date=dt.date.fromisoformat(text(document, "date", where=name)),
        source=text(document, "source", where=name),
        notes=text(document, "notes", where=name),
        brackets=parse(document["payload"]),
    )
