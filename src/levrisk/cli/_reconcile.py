"""``levrisk reconcile FILE.json``: a saved position payload, figure by figure, against levrisk.

Reads what the exchange returned (saved as JSON by the user: the positions payload, and
with ``--account`` the account payload a cross position needs), rebuilds each position
with levrisk's tables, and prints one table per position: levrisk's exact figure, its
reported form, the exchange's value, whether they agree at the exchange's precision and
the most likely reason when they do not (the venue's ``reconcile``). Rows that cannot be
parsed are listed with their path in the payload; the others are still reconciled.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from levrisk import futures
from levrisk.cli import _args, _data, _render
from levrisk.cli._render import AMOUNT, Report, Table
from levrisk.exchanges import Reconciliation, RowError, binance
from levrisk.numbers import exact

_SUMMARY = "compare a saved position payload with levrisk's figures, field by field"
_DESCRIPTION = (
    "Reads a position payload saved from the exchange (and, for cross positions, the "
    "account payload with --account), recomputes each figure the exchange reports "
    "(liquidation price, maintenance and initial margin, unrealised PnL, break-even "
    "price) and shows levrisk's exact value, its reported form, the exchange's value, "
    "whether they agree at the exchange's precision, and the most likely reason when "
    "they do not"
)
_EPILOG = (
    "examples:\n  levrisk reconcile positionRisk.json --exchange binance\n"
    "  levrisk reconcile positionRisk.json --account account.json --fee-rate 0.0005 --json"
)


@attrs.frozen
class Outcome:
    """What a venue's reconciliation of one payload gives the report."""

    results: tuple[Reconciliation, ...]
    errors: tuple[RowError, ...]
    data: tuple[_data.Data, ...]


def add(commands: Any) -> None:  # noqa: ANN401 - argparse's private _SubParsersAction
    """Register the command and its arguments."""
    p = _args.command(commands, "reconcile", _SUMMARY, _DESCRIPTION, "rule-rounding", _EPILOG)
    p.add_argument("file", metavar="FILE", help="the saved positions payload (JSON)")
    p.add_argument("--account", metavar="FILE", help="the saved account payload (JSON), for cross")
    p.add_argument(
        "--asset",
        default="USDT",
        help="Binance: the cross margin asset of the account payload; 'all' takes "
        "totalCrossWalletBalance (multi-assets mode) (default: %(default)s)",
    )
    p.add_argument(
        "--brackets",
        metavar="FILE",
        help="tables from a saved Binance leverageBracket response or ccxt leverage tiers "
        "(default: the shipped 2024-10-24 snapshots)",
    )
    p.add_argument("--fee-rate", metavar="RATE", help="taker fee rate (break-even price)")
    _args.add_common(p, _VENUES, "the venue the payload comes from")
    p.set_defaults(handler=run)


# --------------------------------------------------------------------------- Binance


def _rows(payload: object) -> list[Mapping[str, object]]:
    """The object rows of a list payload (the parser reports anything else)."""
    rows = payload if isinstance(payload, list) else []
    return [row for row in rows if isinstance(row, Mapping)]


def _symbols(payload: object) -> list[str]:
    """The distinct string symbols of a list of rows (the parser reports the rest)."""
    names = [row.get("symbol") for row in _rows(payload)]
    return list(dict.fromkeys(name for name in names if isinstance(name, str)))


def _binance_contract(symbol: str, path: str | None) -> tuple[futures.Contract, _data.Data]:
    """The contract of a Binance symbol: the verified 2024 table first, or ``--brackets``."""
    preset = (
        binance.usdm_preset(symbol)
        if symbol in binance.USDM_SNAPSHOTS
        else binance.CONTRACTS[symbol]
    )
    what = f"{binance.VENUE} brackets"
    if path is None:
        return preset.contract, _data.Data(what, preset.snapshot.date, preset.snapshot.label)
    table, kind = _data.load_brackets(path, symbol)
    return attrs.evolve(preset.contract, brackets=table), _data.Data(what, None, f"{path} ({kind})")


def _binance(args: argparse.Namespace, positions: object, account: object) -> Outcome:
    """Reconcile a ``positionRisk`` payload (and an ``account`` payload for cross)."""
    contracts: dict[str, futures.Contract] = {}
    data: dict[str, _data.Data] = {}
    for symbol in _symbols(positions):
        if symbol in binance.USDM_SNAPSHOTS or symbol in binance.CONTRACTS:
            contracts[symbol], source = _binance_contract(symbol, args.brackets)
            data[source.line] = source
    report = binance.position_report_from_payload(positions, contracts=contracts)
    cross = None
    if account is not None:
        asset = None if args.asset == "all" else args.asset
        wallet = binance.cross_wallet_balance_from_payload(account, asset=asset)
        rows = [r for r in report.rows if r.margin_type == "cross"]
        sides = [r.get("positionSide") for r in _rows(positions)]
        cross = futures.CrossAccount(
            wallet_balance=wallet,
            positions=[r.position for r in rows],
            position_mode="hedge" if {"LONG", "SHORT"} & set(sides) else "one_way",
        )
    results = tuple(
        binance.reconcile(row, account=cross, fee_rate=args.fee_rate) for row in report.rows
    )
    return Outcome(results=results, errors=report.errors, data=tuple(data.values()))


_VENUES: Final[dict[str, Callable[[argparse.Namespace, object, object], Outcome]]] = {
    "binance": _binance,
}


# --------------------------------------------------------------------------- report

_COLUMNS: Final = (
    ("field", "figure", None),
    ("exact", "levrisk exact", AMOUNT),
    ("reported", "levrisk reported", None),
    ("exchange", "exchange", None),
    ("agrees", "agrees", None),
    ("reason", "likely reason", None),
)


def _table(key: str, result: Reconciliation) -> Table:
    cells = tuple(
        (c.field, c.exact, c.reported, c.exchange, c.agrees, c.reason) for c in result.checks
    )
    title = f"{result.symbol} {result.side}: {'agrees' if result.agrees else 'differs'}"
    return Table(key, title, _COLUMNS, cells)


@exact
def run(args: argparse.Namespace) -> Report:
    """Reconcile the saved payload and build the report."""
    positions = _data.read_json("FILE", args.file)
    account = None if args.account is None else _data.read_json("--account", args.account)
    if args.fee_rate is not None:
        args.fee_rate = _args.number("--fee-rate", args.fee_rate)
    outcome = _VENUES[args.exchange](args, positions, account)
    sections: list[Table] = []
    for i, result in enumerate(outcome.results):
        key = f"{result.symbol}_{result.side}"
        sections.append(_table(f"{key}_{i}" if key in {t.key for t in sections} else key, result))
    if outcome.errors:
        cells = tuple((e.where, e.error, e.message) for e in outcome.errors)
        columns = (("where", "row", None), ("error", "error", None), ("message", "message", None))
        sections.append(Table("errors", "Rows not parsed", columns, cells))
    today = _data.today()
    warnings = tuple(w for d in outcome.data if (w := d.warning(today)) is not None)
    agreeing = sum(r.agrees for r in outcome.results)
    venue = outcome.results[0].venue if outcome.results else args.exchange
    return Report(
        command="reconcile",
        title=f"Reconciliation with {venue}: {agreeing} of {len(outcome.results)} positions "
        f"agree ({_render.rules('rule-rounding')})",
        sections=tuple(sections),
        notes=_notes(outcome),
        data=tuple((d.line, d.iso_date) for d in outcome.data),
        warnings=warnings,
    )


def _notes(outcome: Outcome) -> tuple[str, ...]:
    """A note when nothing was reconciled."""
    if outcome.results:
        return ("agrees: levrisk's reported figure equals the exchange's at its precision",)
    return ("the payload holds no open position levrisk could reconcile",)
