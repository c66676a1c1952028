"""Dated bracket snapshots shipped with levrisk as package data.

Tier tables change often, so levrisk computes with the table the caller passes in, parsed
from the exchange's own API response (``brackets_from_payload`` in each venue module). For
the reference calculator and the examples it also ships a few **dated snapshots**: JSON
files under ``levrisk/exchanges/data/`` stored in the exchange's own payload format and
read through the same parser, so a snapshot is validated exactly like a live payload
(sorted, contiguous tiers; maintenance amounts consistent with the recursion of
:ref:`rule-brackets`).

A :class:`Snapshot` says which date its table is from, where it was taken from and
whether it was **verified** against a real API payload (:attr:`Snapshot.verified`). The
Binance USDⓈ-M tables of 2024-10-24 (``binance.USDM_SNAPSHOTS``, 349 symbols) are Binance's own
``leverageBracket`` rows as the API returned them, checked row by row against that payload
in the test suite; the 2022-01-01 tables shipped first were transcribed from Binance's
published page from memory and are kept, marked **unverified** (``verified=False``; their
``notes`` say which parts are uncertain), because the documentation's worked examples use
them (``binance.BTCUSDT_BRACKETS``, ``binance.BTCUSDT_CONTRACT``). Do not use any
snapshot for live trading decisions: fetch the current table and parse it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from importlib import resources

import attrs

from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges._payload import Json, as_mapping, check, is_a, string, text
from levrisk.futures import Contract, LiquidationRule

__all__ = ["ContractPreset", "Snapshot"]


_date = check(
    lambda value: isinstance(value, dt.date) and not isinstance(value, dt.datetime),
    "a datetime.date",
)


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
        verified: whether the table was checked against a real API payload (``False``:
            transcribed, unverified).

    Examples:
        >>> from levrisk.exchanges import binance
        >>> binance.BTCUSDT_SNAPSHOT.date
        datetime.date(2022, 1, 1)
        >>> binance.BTCUSDT_SNAPSHOT.verified, binance.USDM_SNAPSHOTS["BTCUSDT"].verified
        (False, True)
        >>> binance.USDM_SNAPSHOTS["BTCUSDT"].brackets.maintenance_margin(500_000)
        Decimal('2450.000')

    .. versionadded:: 0.1.0
    """

    venue: str = attrs.field(validator=string)
    symbol: str = attrs.field(validator=string)
    date: dt.date = attrs.field(validator=_date)
    source: str = attrs.field(validator=string)
    notes: str = attrs.field(validator=string)
    brackets: BracketTable = attrs.field(validator=is_a(BracketTable))
    verified: bool = attrs.field(
        default=False, validator=check(lambda value: isinstance(value, bool), "a bool")
    )

    @property
    def label(self) -> str:
        """The one line reports print with a figure that used the table: date and source.

        Examples:
            >>> from levrisk.exchanges import binance
            >>> binance.USDM_SNAPSHOTS["BTCUSDT"].label[:51]
            'Binance USDⓈ-M leverage brackets, API, 2024-10-24 ('
        """
        mark = "" if self.verified else "UNVERIFIED transcription, "
        return f"{mark}{self.source}"


class SnapshotSet(Mapping[str, Snapshot]):
    """Many symbols' tables of one dated payload, parsed on first use, symbol by symbol.

    A read-only mapping symbol → :class:`Snapshot`; every snapshot carries the set's
    date, source, notes and ``verified`` flag.

    Examples:
        >>> from levrisk.exchanges import binance
        >>> len(binance.USDM_SNAPSHOTS), binance.USDM_SNAPSHOTS.date
        (349, datetime.date(2024, 10, 24))
        >>> binance.USDM_SNAPSHOTS["ETHUSDT"].brackets.brackets[0].max_leverage
        Decimal('125')

    .. versionadded:: 0.2.0
    """

    def __init__(
        self, name: str, parse: Callable[[Json], BracketTable], rows: Callable[[Json], Json]
    ) -> None:
        """Read the packaged file ``name`` (``rows``: one entry to its payload)."""
        document = as_mapping(json.loads(_read(name)), where=name)
        self.venue = text(document, "venue", where=name)
        self.date = dt.date.fromisoformat(text(document, "date", where=name))
        self.source = text(document, "source", where=name)
        self.notes = text(document, "notes", where=name)
        self.verified = document.get("verified") is True
        self._entries = as_mapping(document["symbols"], where=f"{name}.symbols")
        self._parse = parse
        self._rows = rows
        self._tables: dict[str, Snapshot] = {}

    def __getitem__(self, symbol: str) -> Snapshot:
        """The snapshot of ``symbol`` (parsed and validated on first use)."""
        if symbol not in self._tables:
            entry = self._entries[symbol]
            self._tables[symbol] = Snapshot(
                venue=self.venue,
                symbol=symbol,
                date=self.date,
                source=self.source,
                notes=self.notes,
                brackets=self._parse(self._rows(entry)),
                verified=self.verified,
            )
        return self._tables[symbol]

    def __iter__(self) -> Iterator[str]:
        """The symbols, sorted."""
        return iter(self._entries)

    def __len__(self) -> int:
        """The number of symbols."""
        return len(self._entries)

    def _entry(self, symbol: str) -> Mapping[str, Json]:
        """The raw stored entry of ``symbol`` (for verification against the payload)."""
        return as_mapping(self._entries[symbol], where=symbol)


def _read(name: str) -> str:
    return resources.files("levrisk.exchanges").joinpath("data").joinpath(name).read_text("utf-8")


@attrs.frozen(kw_only=True)
class ContractPreset:
    """A venue's contract over a shipped snapshot, with its rule and the units of its figures.

    The units travel with the preset so that no caller (the ``levrisk`` command among
    them) re-derives "quote for a linear contract, coin for an inverse one".

    Attributes:
        contract: the ``levrisk.futures.Contract`` (kind, contract size, the snapshot's
            brackets).
        snapshot: the :class:`Snapshot` its brackets come from.
        rule: the venue's ``levrisk.futures.LiquidationRule`` for the contract.
        price_unit: what prices are quoted in (``"USDT"``, ``"USD"``).
        margin_unit: the settlement asset: margin, PnL and notional (``"USDT"``, ``"BTC"``).
        size_unit: what a size counts (``"BTC"``, ``"contracts of 100 USD"``).

    Examples:
        >>> from levrisk.exchanges import binance
        >>> preset = binance.CONTRACTS["BTCUSD_PERP"]
        >>> preset.contract.kind, preset.margin_unit, preset.size_unit
        ('inverse', 'BTC', 'contracts of 100 USD')

    .. versionadded:: 0.1.0
    """

    contract: Contract = attrs.field(validator=is_a(Contract))
    snapshot: Snapshot = attrs.field(validator=is_a(Snapshot))
    rule: LiquidationRule = attrs.field(validator=is_a(LiquidationRule))
    price_unit: str = attrs.field(validator=string)
    margin_unit: str = attrs.field(validator=string)
    size_unit: str = attrs.field(validator=string)

    @snapshot.validator
    def _same_table(self, _attribute: attrs.Attribute[Snapshot], value: Snapshot) -> None:
        if value.brackets != self.contract.brackets or value.symbol != self.contract.symbol:
            msg = (
                f"snapshot must be the contract's own ({self.contract.symbol!r} and its "
                f"brackets), got the snapshot of {value.symbol!r}"
            )
            raise InvalidInputError(msg)


def load(name: str, parse: Callable[[Json], BracketTable]) -> Snapshot:
    """Read the packaged snapshot file ``name`` and parse its payload with ``parse``."""
    document = as_mapping(json.loads(_read(name)), where=name)
    return Snapshot(
        venue=text(document, "venue", where=name),
        symbol=text(document, "symbol", where=name),
        date=dt.date.fromisoformat(text(document, "date", where=name)),
        source=text(document, "source", where=name),
        notes=text(document, "notes", where=name),
        brackets=parse(document["payload"]),
        verified=document.get("verified") is True,
    )
