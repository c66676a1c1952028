"""``levrisk reconcile FILE.json``: a saved position payload, figure by figure, against levrisk.

Reads what the exchange returned (saved as JSON by the user: the positions payload, and
with ``--account`` the account payload a cross position needs), rebuilds each position
with levrisk's tables, and prints one table per position: levrisk's exact figure, its
reported form, the exchange's value, whether they agree at the exchange's precision and
the most likely reason when they do not (the venue's ``reconcile``). Rows that cannot be
parsed are listed with their path in the payload; the others are still reconciled.

Binance's contracts come from the shipped 2024 snapshots (or ``--brackets``). levrisk
ships no other venue's tables: for Bybit, OKX, Gate and ccxt payloads ``--brackets FILE``
(ccxt's leverage tiers, which ccxt fetches for every venue, or a Binance-format payload)
gives the table, and ``--kind``, ``--contract-size`` and ``--tick-size`` the contract of
the payload's instruments (one contract specification per run).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from levrisk import futures
from levrisk.cli import _args, _data, _render
from levrisk.cli._args import UsageError
from levrisk.cli._render import AMOUNT, Report, Table
from levrisk.exchanges import (
    Parsed,
    Reconciliation,
    ReportedPosition,
    RowError,
    binance,
    bybit,
    ccxt,
    gate,
    okx,
)
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
    "  levrisk reconcile positionRisk.json --account account.json --fee-rate 0.0005 --json\n"
    "  levrisk reconcile positions.json --exchange okx --brackets tiers.json "
    "--contract-size 0.01 --tick-size 0.1"
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
        help="the cross margin asset of the account payload (Bybit's coin, OKX's ccy, "
        "ccxt's currency); Binance: 'all' takes totalCrossWalletBalance (multi-assets mode) "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--brackets",
        metavar="FILE",
        help="tables from a saved Binance leverageBracket response or ccxt leverage tiers "
        "(Binance default: the shipped 2024-10-24 snapshots; required for other venues)",
    )
    p.add_argument(
        "--fee-rate",
        metavar="RATE",
        help="taker fee rate: the break-even price; OKX, Gate and ccxt: also the close fee "
        "of the liquidation condition (default: none)",
    )
    spec = p.add_argument_group("contract (Bybit, OKX, Gate, ccxt)")
    spec.add_argument(
        "--kind", choices=("linear", "inverse"), default="linear", help="(default: %(default)s)"
    )
    spec.add_argument(
        "--contract-size",
        metavar="N",
        default="1",
        help="one contract in base (linear) or quote (inverse) units: OKX ctVal, Gate "
        "quanto_multiplier (default: %(default)s)",
    )
    spec.add_argument(
        "--tick-size", metavar="TICK", help="price tick: OKX tickSz, Gate order_price_round"
    )
    spec.add_argument(
        "--balance-total",
        choices=ccxt_totals(),
        help="ccxt with --account: what the balance's total holds for the venue (required)",
    )
    _args.add_common(p, _VENUES, "the venue the payload comes from")
    p.set_defaults(handler=run)


def ccxt_totals() -> tuple[str, ...]:
    """The ``--balance-total`` choices (ccxt's ``BalanceTotal``)."""
    return ("margin_balance", "wallet_balance")


# --------------------------------------------------------------------------- Binance


def _rows(payload: object) -> list[Mapping[str, object]]:
    """The object rows of a list payload, or of its ``result``/``list``/``data`` member."""
    for key in ("result", "list", "data"):
        if isinstance(payload, Mapping) and key in payload:
            payload = payload[key]
    rows = payload if isinstance(payload, list) else []
    return [row for row in rows if isinstance(row, Mapping)]


def _symbols(payload: object, key: str = "symbol") -> list[str]:
    """The distinct string symbols of a list of rows (the parser reports the rest)."""
    names = [row.get(key) for row in _rows(payload)]
    return list(dict.fromkeys(name for name in names if isinstance(name, str)))


def _cross(
    positions: list[futures.Position], wallet: Decimal, *, hedge: bool
) -> futures.CrossAccount:
    """The cross account of the parsed cross positions, on ``wallet``."""
    return futures.CrossAccount(
        wallet_balance=wallet,
        positions=positions,
        position_mode="hedge" if hedge else "one_way",
    )


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
        rows = [r.position for r in report.rows if r.margin_type == "cross"]
        sides = [r.get("positionSide") for r in _rows(positions)]
        cross = _cross(rows, wallet, hedge=bool({"LONG", "SHORT"} & set(sides)))
    results = tuple(
        binance.reconcile(row, account=cross, fee_rate=args.fee_rate) for row in report.rows
    )
    return Outcome(results=results, errors=report.errors, data=tuple(data.values()))


# --------------------------------------------------------------------------- other venues


@attrs.frozen
class _Venue:
    """How one venue's payload is read: its symbol field, parser, wallet and reconcile."""

    name: str
    key: str
    parse: Callable[[object, dict[str, futures.Contract]], Parsed]
    wallet: Callable[[argparse.Namespace, object, tuple[ReportedPosition, ...]], Decimal] | None
    hedged: Callable[[Mapping[str, object]], bool]
    check: Callable[
        [argparse.Namespace, ReportedPosition, futures.CrossAccount | None], Reconciliation
    ]


def _contracts(
    args: argparse.Namespace, venue: str, symbols: list[str]
) -> tuple[dict[str, futures.Contract], tuple[_data.Data, ...]]:
    """The contract of each symbol: ``--brackets`` with ``--kind``, size and tick."""
    if args.brackets is None:
        msg = (
            f"--exchange {args.exchange} needs --brackets FILE (the venue's tiers as ccxt "
            f"leverage tiers, or a Binance leverageBracket payload): levrisk ships Binance's "
            f"tables only"
        )
        raise UsageError(msg)
    size = _args.number("--contract-size", args.contract_size)
    tick = None if args.tick_size is None else _args.number("--tick-size", args.tick_size)
    contracts: dict[str, futures.Contract] = {}
    data: dict[str, _data.Data] = {}
    for symbol in symbols:
        table, kind = _data.load_brackets(args.brackets, symbol)
        contracts[symbol] = futures.Contract(
            symbol=symbol,
            kind=args.kind,
            brackets=table,
            contract_size=size,
            tick_size=tick,
            # an inverse contract states its coin: the symbol's leading coin (BTCUSD, BTC-USD-SWAP)
            margin_asset=re.split(r"USD|[-_/:]", symbol)[0] or None
            if args.kind == "inverse"
            else None,
        )
        source = _data.Data(f"{venue} tiers", None, f"{args.brackets} ({kind})")
        data[source.line] = source
    return contracts, tuple(data.values())


def _venue(spec: _Venue) -> Callable[[argparse.Namespace, object, object], Outcome]:
    """The runner of a venue read through its ``ReportedPosition`` parser."""

    def run_venue(args: argparse.Namespace, positions: object, account: object) -> Outcome:
        contracts, data = _contracts(args, spec.name, _symbols(positions, spec.key))
        report = spec.parse(positions, contracts)
        cross = None
        if account is not None:
            if spec.wallet is None:
                msg = f"--account is not read for --exchange {args.exchange}"
                raise UsageError(msg)
            wallet = spec.wallet(args, account, report.rows)
            rows = [r.position for r in report.rows if r.margin_mode == "cross"]
            hedge = any(spec.hedged(row) for row in _rows(positions))
            cross = _cross(rows, wallet, hedge=hedge)
        results = tuple(spec.check(args, row, cross) for row in report.rows)
        return Outcome(results=results, errors=report.errors, data=data)

    return run_venue


def _fee(args: argparse.Namespace) -> Decimal:
    """The ``--fee-rate`` of a liquidation condition (0 without it)."""
    return Decimal(0) if args.fee_rate is None else Decimal(args.fee_rate)


def _ccxt_wallet(
    args: argparse.Namespace, account: object, rows: tuple[ReportedPosition, ...]
) -> Decimal:
    """The ccxt total, less the cross rows' PnL where it is a margin balance."""
    if args.balance_total is None:
        msg = "--exchange ccxt with --account needs --balance-total (what ccxt's total holds)"
        raise UsageError(msg)
    total = ccxt.balance_total(account, currency=args.asset)
    if args.balance_total == "margin_balance":
        total -= sum((r.unrealized_pnl or 0 for r in rows if r.margin_mode == "cross"), Decimal(0))
    return total


def _ccxt_rule(args: argparse.Namespace) -> futures.LiquidationRule:
    """Maintenance at mark; with ``--fee-rate``, the close fee at mark in the condition."""
    if args.fee_rate is None:
        return futures.LiquidationRule()
    return futures.LiquidationRule(close_fee="mark", fee_rate=args.fee_rate)


_BYBIT = _Venue(
    bybit.VENUE,
    "symbol",
    lambda p, c: bybit.position_report_from_payload(p, contracts=c),
    lambda a, w, _: bybit.cross_wallet_balance_from_payload(w, coin=a.asset),
    lambda row: row.get("positionIdx") in {1, 2},
    lambda a, row, cross: bybit.reconcile(row, account=cross, fee_rate=a.fee_rate),
)
_OKX = _Venue(
    okx.VENUE,
    "instId",
    lambda p, c: okx.position_report_from_payload(p, contracts=c),
    lambda a, w, _: okx.cross_wallet_balance_from_payload(w, ccy=a.asset),
    lambda row: row.get("posSide") in {"long", "short"},
    lambda a, row, cross: okx.reconcile(
        row, account=cross, fee_rate=_fee(a), break_even_fee_rate=a.fee_rate
    ),
)
_GATE = _Venue(
    gate.VENUE,
    "contract",
    lambda p, c: gate.position_report_from_payload(p, contracts=c),
    None,
    lambda _row: False,
    lambda a, row, cross: gate.reconcile(row, account=cross, fee_rate=_fee(a)),
)
_CCXT = _Venue(
    ccxt.VENUE,
    "symbol",
    lambda p, c: ccxt.position_report_from_positions(p, contracts=c),
    _ccxt_wallet,
    lambda row: row.get("hedged") is True,
    lambda a, row, cross: ccxt.reconcile(row, rule=_ccxt_rule(a), account=cross),
)

_VENUES: Final[dict[str, Callable[[argparse.Namespace, object, object], Outcome]]] = {
    "binance": _binance,
    "bybit": _venue(_BYBIT),
    "ccxt": _venue(_CCXT),
    "gate": _venue(_GATE),
    "okx": _venue(_OKX),
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
