"""The data a futures figure uses: which contract and table, their date and source, and age.

``--symbol`` takes a shipped contract preset (``BTCUSDT``, ``ETHUSDT``, ``BTCUSD_PERP``,
over the dated snapshots of ``binance.CONTRACTS``) or any symbol of
``binance.USDM_SNAPSHOTS`` (Binance's USDⓈ-M brackets of 2024-10-24, a linear contract
built from the snapshot). ``--brackets FILE`` replaces the table by a saved payload: a
Binance ``leverageBracket`` response or ccxt's leverage tiers (one market's list, or the
dict by ccxt symbol).

Every report that used a table shows its :class:`Data` line (date and source) and, when
the data are more than :data:`STALE_AFTER_DAYS` days older than :func:`today`, a warning.
:func:`today` is the only clock levrisk reads; tests pin it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import attrs

from levrisk import futures
from levrisk.brackets import BracketTable
from levrisk.cli import _args, _render
from levrisk.cli._args import UsageError
from levrisk.exchanges import binance, ccxt
from levrisk.exchanges.snapshots import ContractPreset

STALE_AFTER_DAYS: Final = 90
"""Data older than this many days get a warning."""


def today() -> dt.date:
    """Today's UTC date: the one clock the command reads (tests monkeypatch it)."""
    return dt.datetime.now(dt.timezone.utc).date()


@attrs.frozen
class Data:
    """The data behind a report's figures: what, of which date, from where."""

    what: str
    date: dt.date | None
    source: str

    @property
    def iso_date(self) -> str | None:
        """The date as ISO-8601 text (``None`` when undated)."""
        return None if self.date is None else self.date.isoformat()

    @property
    def line(self) -> str:
        """``Binance brackets of 2024-10-24: <source>`` (no date: ``... from <source>``)."""
        if self.date is None:
            return f"{self.what} from {self.source}"
        return f"{self.what} of {self.date.isoformat()}: {self.source}"

    def warning(self, on: dt.date) -> str | None:
        """The staleness warning on the day ``on``, or ``None`` for fresh or undated data."""
        if self.date is None:
            return None
        age = (on - self.date).days
        if age <= STALE_AFTER_DAYS:
            return None
        return (
            f"the {self.what} of {self.date.isoformat()} are {age} days old (more than "
            f"{STALE_AFTER_DAYS}): tiers change, pass a current table with --brackets FILE"
        )


@attrs.frozen
class Market:
    """What ``--symbol`` and ``--brackets`` select: the contract, its rule, units and data."""

    venue: str
    contract: futures.Contract
    rule: futures.LiquidationRule
    price_unit: str
    margin_unit: str
    size_unit: str
    data: Data
    brackets_file: str | None = None


def preset(symbol: str) -> ContractPreset:
    """The shipped preset of ``symbol``, or the USDⓈ-M contract of the 2024 snapshots."""
    if symbol in binance.CONTRACTS:
        return binance.CONTRACTS[symbol]
    if symbol in binance.USDM_SNAPSHOTS:
        return binance.usdm_preset(symbol)
    msg = (
        f"--symbol must be one of {', '.join(binance.CONTRACTS)} or a symbol of Binance's "
        f"USDⓈ-M brackets of {binance.USDM_SNAPSHOTS['BTCUSDT'].date.isoformat()} "
        f"({len(binance.USDM_SNAPSHOTS)} symbols, e.g. SOLUSDT), got {symbol!r}"
    )
    raise UsageError(msg)


def market(args: argparse.Namespace) -> Market:
    """The market of ``--exchange``, ``--symbol`` and ``--brackets FILE`` (when given).

    Binance ships contract presets and snapshots; another venue gives its liquidation
    rule (with ``--close-fee-rate`` where the rule carries the taker fee) and a linear
    contract over ``--brackets FILE`` or a table its module ships for the symbol.
    """
    venue = _args.FUTURES_VENUES[args.exchange]
    if not venue.contracts:
        return _venue_market(args, venue)
    base = preset(args.symbol)
    data = Data(f"{binance.VENUE} brackets", base.snapshot.date, base.snapshot.label)
    contract = base.contract
    path = getattr(args, "brackets", None)
    if path is not None:
        table, kind = load_brackets(path, args.symbol)
        contract = attrs.evolve(contract, brackets=table)
        data = Data(f"{binance.VENUE} brackets", None, f"{path} ({kind})")
    return Market(
        venue=binance.VENUE,
        contract=contract,
        rule=base.rule,
        price_unit=base.price_unit,
        margin_unit=base.margin_unit,
        size_unit=base.size_unit,
        data=data,
        brackets_file=path,
    )


def _venue_market(args: argparse.Namespace, venue: _args.Venue) -> Market:
    """A contract of a venue without presets: its rule, and its table or a file.

    ``--kind`` and ``--contract-size`` give the contract (linear, size 1 by default); an
    inverse one settles in the base coin and counts contracts of ``CS`` quote.
    """
    rule = venue.rule(args.close_fee_rate)
    path = args.brackets
    if path is not None:
        table, kind = load_brackets(path, args.symbol)
        data = Data(f"{venue.name} brackets", None, f"{path} ({kind})")
    else:
        shipped = venue.tiers(args.symbol)
        if shipped is None:
            msg = (
                f"--exchange {venue.key}: levrisk ships no {venue.name} tiers for "
                f"{args.symbol}; pass them with --brackets FILE (ccxt leverage tiers)"
            )
            raise UsageError(msg)
        table, source = shipped
        data = Data(f"{venue.name} tiers", None, source)
    base, quote = _units(args.symbol)
    contract = futures.Contract(
        symbol=args.symbol,
        kind=args.kind,
        contract_size=args.contract_size,
        margin_asset=base if args.kind == "inverse" else None,
        brackets=table,
    )
    inverse = contract.kind == "inverse"
    size = _render.plain(contract.contract_size)
    return Market(
        venue=venue.name,
        contract=contract,
        rule=rule,
        price_unit=quote,
        margin_unit=base if inverse else quote,
        size_unit=f"contracts of {size} {quote}" if inverse else base,
        data=data,
        brackets_file=path,
    )


_QUOTES: Final = ("USDT", "USDC", "USD")


def _units(symbol: str) -> tuple[str, str]:
    """The base and quote of a linear symbol (``BTCUSDT``, ``BTC/USDT:USDT``, ``BTC-USDT``)."""
    name = symbol.partition(":")[0].upper()
    for sep in ("/", "-", "_"):
        base, found, quote = name.partition(sep)
        if found and base and quote:
            return base, quote.partition(sep)[0]
    for quote in _QUOTES:
        if name.endswith(quote) and len(name) > len(quote):
            return name[: -len(quote)], quote
    return "base", "quote"


def read_json(option: str, path: str) -> object:
    """The decoded JSON of the file ``path``; an unreadable or invalid file is a usage error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        msg = f"{option} cannot read {path!r}: {error.strerror or error}"
        raise UsageError(msg) from None
    try:
        return json.loads(text)
    except ValueError as error:
        msg = f"{option} {path!r} is not JSON: {error}"
        raise UsageError(msg) from None


def load_brackets(path: str, symbol: str) -> tuple[BracketTable, str]:
    """The table of ``symbol`` in a saved ``leverageBracket`` payload or ccxt tiers file."""
    payload = read_json("--brackets", path)
    first = payload[0] if isinstance(payload, list) and payload else payload
    if isinstance(first, Mapping) and "brackets" in first:
        return binance.brackets_from_payload(
            payload, symbol=symbol
        ), "Binance leverageBracket payload"
    if isinstance(payload, Mapping):
        key = symbol if symbol in payload else _ccxt_name(symbol)
        return ccxt.brackets_from_leverage_tiers(payload, symbol=key), "ccxt leverage tiers"
    return ccxt.brackets_from_leverage_tiers(payload), "ccxt leverage tiers"


def _ccxt_name(symbol: str) -> str:
    """The ccxt name of a USDⓈ-M symbol (``BTCUSDT`` → ``BTC/USDT:USDT``; else unchanged)."""
    if symbol not in binance.USDM_SNAPSHOTS:
        return symbol
    p = binance.usdm_preset(symbol)
    expiry = symbol.partition("_")[2]
    return f"{p.size_unit}/{p.price_unit}:{p.margin_unit}" + (f"-{expiry}" if expiry else "")
