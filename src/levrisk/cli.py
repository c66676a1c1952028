"""The ``levrisk`` command: a reference calculator over the library.

This is the only module of levrisk that does I/O (it prints and returns exit codes);
everything it shows is computed by the library's public functions. Numbers are parsed
from the command line as exact decimals and passed on as strings, so the numeric
contract of :mod:`levrisk.numbers` applies unchanged.

- Human output is aligned and rounded for display (prices to 2 decimals, amounts to 8,
  ratios to 4); ``--exact`` prints every figure unrounded.
- ``--json`` prints one JSON object: every figure is a string holding the exact decimal
  (``Decimal(text)`` gives back the library's value), counts are integers, instants are
  ISO-8601 strings, absent quantities (no liquidation price) are ``null``.
- Bad input prints one line ``levrisk: error: ...`` on stderr and exits with code 2;
  ``--help`` exits with 0.

The defaults come from the dated Binance snapshots shipped with levrisk, so the
calculator works offline; the output names the snapshot and its date.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import argparse
import decimal
import json
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import IO, Final, NoReturn

import attrs

from levrisk import __version__, futures, interest, margin, risk
from levrisk.exceptions import LevriskError
from levrisk.exchanges import binance, bybit, okx
from levrisk.exchanges.snapshots import Snapshot
from levrisk.numbers import exact, to_decimal

__all__ = ["main"]

_PROG: Final = "levrisk"
_UTC: Final = timezone.utc
# The instant a trade given only as "--hours N" is taken to open at. Under every counting
# rule a whole number of hours accrues the same interest wherever it starts.
_REFERENCE_OPEN: Final = datetime(2024, 1, 1, tzinfo=_UTC)

# Display precision of the human output; --exact and --json show everything.
_PRICE: Final = 2
_AMOUNT: Final = 8
_RATIO: Final = 4
_RATE: Final = 12
_FIXED_LIMIT: Final = 40  # beyond 10**±40 a figure is shown in scientific notation


# --------------------------------------------------------------------------- errors


class _UsageError(Exception):
    """Bad command-line input: reported as one line on stderr, exit code 2."""


class _Exit(Exception):  # noqa: N818 - a control-flow signal, not an error
    """argparse asked to exit (``--help``, ``--version``) with ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise _Exit(status)


# --------------------------------------------------------------------------- reports


Value = Decimal | int | str | datetime | None


@attrs.frozen
class _Row:
    key: str
    label: str
    value: Value
    unit: str = ""
    places: int | None = _AMOUNT  # None: shown as given (an input echoed back)
    percent: bool = False  # a fraction shown as a percentage in the human output
    rounding: str = decimal.ROUND_HALF_EVEN  # how the human output rounds to ``places``


def _toward_entry(side: str) -> str:
    """Show a long's liquidation price rounded up, a short's down.

    The shown price is then reached no later than the real one.
    """
    return decimal.ROUND_CEILING if side == "long" else decimal.ROUND_FLOOR


@attrs.frozen
class _Section:
    key: str
    title: str
    rows: tuple[_Row, ...]


@attrs.frozen
class _Report:
    command: str
    title: str
    sections: tuple[_Section, ...]
    notes: tuple[str, ...] = ()


def _json_value(value: Value) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _to_json(report: _Report) -> str:
    document: dict[str, object] = {"command": report.command}
    for section in report.sections:
        document[section.key] = {row.key: _json_value(row.value) for row in section.rows}
    document["notes"] = list(report.notes)
    return json.dumps(document, indent=2, ensure_ascii=False)


def _display(
    value: Value,
    places: int | None,
    *,
    exact_figures: bool,
    percent: bool = False,
    rounding: str = decimal.ROUND_HALF_EVEN,
) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    digits = len(value.as_tuple().digits) + max(value.adjusted(), 0) + (places or 0) + 4
    context = decimal.Context(
        prec=digits,
        rounding=decimal.ROUND_HALF_EVEN,
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
    )
    with decimal.localcontext(context):
        shown = value.scaleb(2) if percent else value  # exact: the context holds every digit
        if shown and abs(shown.adjusted()) > _FIXED_LIMIT:
            return str(shown)  # absurd magnitudes stay in scientific notation
        if not exact_figures and places is not None:
            shown = shown.quantize(Decimal(1).scaleb(-places), rounding=rounding)
        if shown == 0:
            shown = abs(shown)  # no "-0.00"
    return f"{shown:,f}"


def _to_text(report: _Report, *, exact_figures: bool) -> str:
    lines = [report.title]
    rows = [row for section in report.sections for row in section.rows]
    label_width = max(len(row.label) for row in rows)
    shown = {
        id(row): _display(
            row.value,
            row.places,
            exact_figures=exact_figures,
            percent=row.percent,
            rounding=row.rounding,
        )
        for row in rows
    }
    value_width = max(len(text) for text in shown.values())
    for section in report.sections:
        lines += ["", section.title]
        for row in section.rows:
            unit = "%" if row.percent else row.unit
            cell = shown[id(row)].rjust(value_width)
            lines.append(f"  {row.label.ljust(label_width)}  {cell}  {unit}".rstrip())
    if report.notes:
        lines.append("")
        lines += [f"Note: {note}" for note in report.notes]
    if not exact_figures:
        lines += ["", "Figures are rounded for display; --exact or --json give exact values."]
    return "\n".join(lines)


# --------------------------------------------------------------------------- parsing


def _number(name: str, text: str) -> Decimal:
    """``text`` as an exact Decimal; the error names the option."""
    return to_decimal(text, name=name)


def _instant(name: str, text: str) -> datetime:
    """An ISO-8601 instant with a UTC offset (``Z`` allowed); naive is an error."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        msg = f"{name} must be an ISO-8601 date-time such as 2024-05-01T13:55:00Z, got {text!r}"
        raise _UsageError(msg) from None
    if parsed.utcoffset() is None:
        msg = (
            f"{name} must carry a UTC offset (e.g. 2024-05-01T13:55:00Z or "
            f"2024-05-01T15:55:00+02:00), got the naive {text!r}"
        )
        raise _UsageError(msg)
    return parsed


def _rate_schedule(args: argparse.Namespace) -> interest.RateSchedule:
    """The hourly rate from --hourly-rate, --daily-rate or --yearly-rate."""
    if args.hourly_rate is not None:
        return interest.RateSchedule.constant(args.hourly_rate)
    if args.daily_rate is not None:
        return interest.RateSchedule.from_daily(args.daily_rate)
    if args.yearly_rate is not None:
        return interest.RateSchedule.from_yearly(args.yearly_rate)
    msg = "an interest rate is needed: --hourly-rate, --daily-rate or --yearly-rate (0 for none)"
    raise _UsageError(msg)


def _pair(text: str) -> tuple[str, str]:
    base, sep, quote = text.partition("/")
    if not sep or not base or not quote:
        msg = f"--pair must look like BASE/QUOTE (e.g. BTC/USDT), got {text!r}"
        raise _UsageError(msg)
    return base.upper(), quote.upper()


def _hours(text: str) -> int:
    try:
        hours = int(text)
    except ValueError:
        hours = -1
    if hours < 0:
        msg = f"--hours must be a whole number of hours >= 0, got {text!r}"
        raise _UsageError(msg)
    return hours


# --------------------------------------------------------------------------- venues


@attrs.frozen
class _Venue:
    """What ``--exchange`` selects: the venue's rules and shipped data."""

    name: str
    counting: interest.InterestCounting
    thresholds: dict[str, tuple[str, margin.MarginThresholds]]
    snapshots: dict[str, Snapshot]
    rules: dict[futures.ContractKind, futures.LiquidationRule]


_VENUES: Final = {
    "binance": _Venue(
        name="Binance",
        counting=binance.INTEREST_COUNTING,
        thresholds={
            "cross-3x": ("cross margin classic 3x", binance.CROSS_3X),
            "cross-5x": ("cross margin classic 5x", binance.CROSS_5X),
            "isolated": ("isolated margin, 10x tier 1", binance.ISOLATED_10X_TIER1),
        },
        snapshots=dict(binance.SNAPSHOTS),
        rules={"linear": binance.USDM_RULE, "inverse": binance.COINM_RULE},
    ),
}


@attrs.frozen
class _Spec:
    """What the calculator needs to know of a contract besides its brackets."""

    kind: futures.ContractKind
    contract_size: Decimal
    price_unit: str
    margin_unit: str
    size_unit: str


_CONTRACTS: Final = {
    "BTCUSDT": _Spec("linear", Decimal(1), "USDT", "USDT", "BTC"),
    "ETHUSDT": _Spec("linear", Decimal(1), "USDT", "USDT", "ETH"),
    "BTCUSD_PERP": _Spec("inverse", Decimal(100), "USD", "BTC", "contracts of 100 USD"),
}
_SYMBOLS: Final = sorted(set(_CONTRACTS) & set(binance.SNAPSHOTS))


# Venues whose interest counting rule is a preset; spot-margin thresholds and bracket
# snapshots are shipped for Binance only, so the other commands offer Binance alone.
_INTEREST_VENUES: Final[dict[str, tuple[str, interest.InterestCounting]]] = {
    "binance": ("Binance", binance.INTEREST_COUNTING),
    "bybit": ("Bybit", bybit.INTEREST_COUNTING),
    "okx": ("OKX", okx.INTEREST_COUNTING),
}


def _venue(args: argparse.Namespace) -> _Venue:
    return _VENUES[args.exchange]


# --------------------------------------------------------------------------- interest


@exact
def _interest(args: argparse.Namespace) -> _Report:
    venue_name, venue_counting = _INTEREST_VENUES[args.exchange]
    start = _instant("--from", args.start)
    end = _instant("--to", args.end)
    base = _rate_schedule(args)
    schedule = base
    if args.rate_change:
        pairs: list[tuple[datetime, str]] = [(start, str(base.rate_at(start)))]
        for item in args.rate_change:
            when, sep, rate = item.partition("=")
            if not sep:
                msg = f"--rate-change must look like TIME=HOURLY_RATE, got {item!r}"
                raise _UsageError(msg)
            pairs.append((_instant("--rate-change", when), rate))
        schedule = interest.RateSchedule.from_pairs(pairs)
    counting = args.counting or venue_counting
    times = interest.accrual_times(start, end, counting=counting)
    amount = interest.accrued_interest(
        args.principal,
        schedule,
        start,
        end,
        waived_hours=args.waived_hours,
        counting=counting,
    )
    asset = args.asset
    inputs = (
        _Row("principal", "principal", _number("--principal", args.principal), asset, None),
        _Row(
            "hourly_rate",
            "hourly rate at borrowing",
            base.rate_at(start),
            "",
            None if args.hourly_rate is not None else _RATE,
        ),
        _Row("borrowed_at", "borrowed at", start.astimezone(_UTC)),
        _Row("until", "until", end.astimezone(_UTC)),
        _Row("counting", "counting rule", counting),
        _Row("waived_hours", "waived hours", args.waived_hours),
    )
    results = (
        _Row("accruals", "hourly accruals", len(times)),
        _Row("first_accrual", "first accrual", times[0] if times else None),
        _Row("last_accrual", "last accrual", times[-1] if times else None),
        _Row("interest", "interest", amount, asset, _AMOUNT),
    )
    notes = [
        f"hourly rates in force from {c.since.isoformat()}: {c.hourly_rate}"
        for c in schedule.changes[1:]
    ]
    return _Report(
        command="interest",
        title=(
            f"Interest on a spot-margin loan ({venue_name}, counting rule {counting!r}, "
            "rules: formulas#rule-interest)"
        ),
        sections=(_Section("inputs", "Loan", inputs), _Section("results", "Interest", results)),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- spot margin


@exact
def _collateral(args: argparse.Namespace) -> Decimal:
    """Own capital from --collateral, or from --borrow: ``C = borrow value / (L − 1)``."""
    if args.collateral is not None:
        return _number("--collateral", args.collateral)
    borrow = _number("--borrow", args.borrow)
    leverage = _number("--leverage", args.leverage)
    price = _number("--price", args.price)
    if leverage <= 1:
        msg = f"--leverage must be above 1 (a margin trade borrows), got {args.leverage!r}"
        raise _UsageError(msg)
    value = borrow * price if args.side == "short" else borrow
    return value / (leverage - 1)


def _close_times(args: argparse.Namespace) -> tuple[datetime, datetime] | None:
    opened = None if args.opened_at is None else _instant("--opened-at", args.opened_at)
    if args.closed_at is not None:
        if opened is None:
            msg = "--closed-at needs --opened-at (or give --hours)"
            raise _UsageError(msg)
        return opened, _instant("--closed-at", args.closed_at)
    if args.hours is not None:
        start = _REFERENCE_OPEN if opened is None else opened
        try:
            return start, start + timedelta(hours=_hours(args.hours))
        except OverflowError:
            msg = f"--hours takes the trade past the last representable date, got {args.hours!r}"
            raise _UsageError(msg) from None
    return None if opened is None else (opened, opened)


@exact
def _margin(args: argparse.Namespace) -> _Report:
    venue = _venue(args)
    base, quote = _pair(args.pair)
    account_name, thresholds = venue.thresholds[args.account]
    times = _close_times(args)
    closing = args.exit_price is not None or args.stop_loss is not None
    closing = closing or args.take_profit is not None
    if closing and times is None:
        msg = "closing needs a time: --hours N, or --opened-at and --closed-at"
        raise _UsageError(msg)
    opened_at = _REFERENCE_OPEN if times is None else times[0]
    opener = margin.open_short if args.side == "short" else margin.open_long
    trade = opener(
        _collateral(args),
        leverage=args.leverage,
        price=args.price,
        opened_at=opened_at,
        thresholds=thresholds,
        base=base,
        quote=quote,
        fee_rate=args.fee_rate,
        fee_convention=args.fee_convention,
    )
    borrowed = trade.borrowed_asset
    prices = {base: trade.entry_price}
    call_price = margin.liquidation_price(
        trade.account, asset=base, prices=prices, liquidation_level=thresholds.margin_call
    )
    moved = "sold" if trade.side == "short" else "bought"
    spent = "sale proceeds after fee" if trade.side == "short" else "spent on the purchase"
    opened = (
        _Row("price", "entry price", trade.entry_price, quote, None),
        _Row("leverage", "leverage", trade.leverage, "x", None),
        _Row("collateral", "own collateral", trade.collateral, quote, _PRICE),
        _Row("borrowed", "borrowed", trade.borrowed, borrowed, _AMOUNT),
        _Row("quantity", f"{base} {moved}", trade.quantity, base, _AMOUNT),
        _Row("quote_amount", spent, trade.quote_amount, quote, _PRICE),
        _Row("open_fee", "opening fee", trade.open_fee, quote, _PRICE),
        _Row("margin_level", "margin level", trade.margin_level, "", _RATIO),
        _Row("status", "status", margin.margin_status(trade.margin_level, thresholds)),
        _Row("margin_call_level", "margin call at level", thresholds.margin_call, "", _RATIO),
        _Row(
            "margin_call_price",
            "margin call price",
            call_price,
            quote,
            _PRICE,
            rounding=_toward_entry(trade.side),
        ),
        _Row("liquidation_level", "liquidation at level", thresholds.liquidation, "", _RATIO),
        _Row(
            "liquidation_price",
            "liquidation price",
            trade.liquidation_price,
            quote,
            _PRICE,
            rounding=_toward_entry(trade.side),
        ),
    )
    sections = [_Section("open", "Open", opened)]
    notes: list[str] = []
    if closing:
        assert times is not None  # noqa: S101 - checked above
        closing_sections, stop = _margin_close(args, trade, times[1], venue)
        sections += closing_sections
        notes += _beyond(trade.side, stop, trade.liquidation_price)
    title = (
        f"Spot-margin {trade.side}, {base}/{quote}, {venue.name} {account_name}"
        " (rules: formulas#rule-spot-margin)"
    )
    return _Report(
        command=f"margin {trade.side}",
        title=title,
        sections=tuple(sections),
        notes=tuple(notes),
    )


def _margin_close(
    args: argparse.Namespace, trade: margin.MarginTrade, closed_at: datetime, venue: _Venue
) -> tuple[list[_Section], Decimal | None]:
    """The close and exit-level sections, and the stop-loss price (for the note)."""
    schedule = _rate_schedule(args)
    counting = args.counting or venue.counting
    terms = {
        "at": closed_at,
        "schedule": schedule,
        "counting": counting,
        "waived_hours": args.waived_hours,
    }
    quote = trade.quote
    sections = []
    if args.exit_price is not None:
        pnl = margin.close(trade, exit_price=args.exit_price, **terms)
        sections.append(_Section("close", "Close", _pnl_rows(pnl, trade, closed_at, counting)))
    be = margin.break_even_price(trade, **terms)
    stops: list[_Row] = [_Row("break_even_price", "break-even price", be, quote, _PRICE)]
    stop_price = None
    for key, label, text, solve, sign in (
        ("stop_loss", "stop-loss", args.stop_loss, risk.margin_stop_price, -1),
        ("take_profit", "take-profit", args.take_profit, risk.margin_take_profit_price, 1),
    ):
        if text is None:
            continue
        option = f"--{key.replace('_', '-')}"
        if text.strip().endswith("%"):
            share = _fraction(option, text)
            price = solve(trade, roe=share, **terms)
            stops.append(
                _Row(f"{key}_roi", f"{label} ROI", sign * share, places=_PRICE, percent=True)
            )
        else:
            price = _number(option, text)
        stops.append(_Row(f"{key}_price", f"{label} price", price, quote, _PRICE))
        if price is not None:
            pnl = margin.close(trade, exit_price=price, **terms)
            stops.append(_Row(f"{key}_net_pnl", f"net PnL at {label}", pnl.net_pnl, quote, _PRICE))
        if sign < 0:
            stop_price = price
    sections.append(_Section("exits", "Exit levels", tuple(stops)))
    return sections, stop_price


def _pnl_rows(
    pnl: margin.MarginPnL,
    trade: margin.MarginTrade,
    closed_at: datetime,
    counting: interest.InterestCounting,
) -> tuple[_Row, ...]:
    quote = trade.quote
    accruals = len(interest.accrual_times(trade.opened_at, closed_at, counting=counting))
    return (
        _Row("exit_price", "exit price", pnl.exit_price, quote, None),
        _Row("hours", "hours open", _whole_hours(trade.opened_at, closed_at), "h", _PRICE),
        _Row("accruals", "interest accruals", accruals),
        _Row("gross_pnl", "gross PnL", pnl.gross_pnl, quote, _PRICE),
        _Row("open_fee", "opening fee", pnl.open_fee, quote, _PRICE),
        _Row("close_fee", "closing fee", pnl.close_fee, quote, _PRICE),
        _Row("trading_fees", "trading fees", pnl.trading_fees, quote, _PRICE),
        _Row("interest", "interest", pnl.interest, trade.borrowed_asset, _AMOUNT),
        _Row("interest_value", "interest value", pnl.interest_value, quote, _PRICE),
        _Row("net_pnl", "net PnL", pnl.net_pnl, quote, _PRICE),
        _Row("roi", "return on collateral", pnl.roi, places=_PRICE, percent=True),
    )


@exact
def _whole_hours(start: datetime, end: datetime) -> Decimal:
    return Decimal((end - start) // timedelta(microseconds=1)) / Decimal(3_600_000_000)


# --------------------------------------------------------------------------- futures


def _contract(args: argparse.Namespace, venue: _Venue) -> tuple[futures.Contract, _Spec, str]:
    snapshot = venue.snapshots[args.symbol]
    spec = _CONTRACTS[args.symbol]
    contract = futures.Contract(
        symbol=snapshot.symbol,
        kind=spec.kind,
        brackets=snapshot.brackets,
        contract_size=spec.contract_size,
    )
    return contract, spec, snapshot.date.isoformat()


@exact
def _futures(args: argparse.Namespace) -> _Report:
    venue = _venue(args)
    contract, spec, snapshot_date = _contract(args, venue)
    price_unit, margin_unit, size_unit = spec.price_unit, spec.margin_unit, spec.size_unit
    money = _PRICE if contract.kind == "linear" else _AMOUNT
    position = futures.Position(
        contract=contract,
        side=args.side,
        size=args.size,
        entry_price=args.entry_price,
        leverage=args.leverage,
    )
    mark = args.mark_price if args.mark_price is not None else args.entry_price
    im = futures.initial_margin(position)
    mm = futures.maintenance_margin(position, mark_price=mark)
    upnl = futures.unrealized_pnl(position, mark_price=mark)
    if args.wallet_balance is not None:
        mode = "cross"
        wallet = _number("--wallet-balance", args.wallet_balance)
        account = futures.CrossAccount(wallet_balance=wallet, positions=[position])
        ratio = futures.cross_margin_ratio(account, mark_prices={contract.symbol: mark})
        liquidation = futures.cross_liquidation_price(
            account,
            contract.symbol,
            mark_prices={contract.symbol: mark},
            rule=venue.rules[contract.kind],
        )
    else:
        mode = "isolated"
        wallet = im if args.margin is None else _number("--margin", args.margin)
        ratio = futures.margin_ratio(position, margin=wallet, mark_price=mark)
        liquidation = futures.isolated_liquidation_price(
            position, margin=wallet, rule=venue.rules[contract.kind]
        )
    bankruptcy = futures.bankruptcy_price(position, margin=wallet)
    wallet_label = "cross wallet balance" if mode == "cross" else "isolated margin"
    rows = (
        _Row("symbol", "contract", f"{contract.symbol} ({contract.kind})"),
        _Row("snapshot_date", f"{venue.name} brackets of", snapshot_date),
        _Row("size", "size", position.size, size_unit, None),
        _Row("entry_price", "entry price", position.entry_price, price_unit, None),
        _Row("mark_price", "mark price", _number("--mark-price", mark), price_unit, None),
        _Row("leverage", "leverage", position.leverage, "x", None),
        _Row("margin_mode", "margin mode", mode),
        _Row("wallet", wallet_label, wallet, margin_unit, money),
    )
    figures = (
        _Row(
            "notional",
            "notional at mark",
            futures.notional(position, price=mark),
            margin_unit,
            money,
        ),
        _Row("initial_margin", "initial margin (entry)", im, margin_unit, money),
        _Row("maintenance_margin", "maintenance margin", mm, margin_unit, money),
        _Row("unrealized_pnl", "unrealized PnL", upnl, margin_unit, money),
        _Row("roe", "ROE", futures.roe(position, mark_price=mark), places=_PRICE, percent=True),
        _Row("margin_balance", "margin balance", wallet + upnl, margin_unit, money),
        _Row("margin_ratio", "margin ratio (MM / balance)", ratio, places=_PRICE, percent=True),
        _Row(
            "liquidation_price",
            "liquidation price",
            liquidation,
            price_unit,
            _PRICE,
            rounding=_toward_entry(position.side),
        ),
        _Row(
            "bankruptcy_price",
            "bankruptcy price",
            bankruptcy,
            price_unit,
            _PRICE,
            rounding=_toward_entry(position.side),
        ),
    )
    sections = [
        _Section("position", "Position", rows),
        _Section("risk", "Margin and prices", figures),
    ]
    if args.open_fee_rate is not None or args.close_fee_rate is not None:
        be = futures.break_even_price(
            position,
            open_fee_rate=args.open_fee_rate or "0",
            close_fee_rate=args.close_fee_rate or "0",
        )
        sections.append(
            _Section(
                "fees",
                "Fees",
                (_Row("break_even_price", "break-even price", be, price_unit, _PRICE),),
            )
        )
    return _Report(
        command=f"futures {position.side}",
        title=(
            f"Futures {position.side}, {contract.symbol}, {mode} margin"
            " (rules: formulas#rule-futures)"
        ),
        sections=tuple(sections),
        notes=("margin ratio: MM / margin balance (Binance's convention), liquidation at 100%",),
    )


# --------------------------------------------------------------------------- targets


def _fraction(name: str, text: str) -> Decimal:
    """A fraction, or a percentage with a trailing ``%`` (``50%`` is ``0.5``)."""
    stripped = text.strip()
    if stripped.endswith("%"):
        return _percent(name, stripped[:-1])
    return _number(name, stripped)


@exact
def _percent(name: str, text: str) -> Decimal:
    return _number(name, text) / 100


@exact
def _target(args: argparse.Namespace) -> _Report:
    venue = _venue(args)
    contract, spec, snapshot_date = _contract(args, venue)
    price_unit = spec.price_unit
    position = futures.Position(
        contract=contract,
        side=args.side,
        size=args.size,
        entry_price=args.entry_price,
        leverage=args.leverage,
    )
    liquidation = futures.isolated_liquidation_price(
        position, margin=futures.initial_margin(position), rule=venue.rules[contract.kind]
    )
    rows = [
        _Row("symbol", "contract", f"{contract.symbol} ({contract.kind})"),
        _Row("snapshot_date", f"{venue.name} brackets of", snapshot_date),
        _Row("entry_price", "entry price", position.entry_price, price_unit, None),
        _Row("leverage", "leverage", position.leverage, "x", None),
    ]
    notes = ["ROE: PnL over the initial margin at entry (Binance's calculator terms)"]
    if args.take_profit is not None:
        gain = _fraction("--take-profit", args.take_profit)
        price = futures.target_price(position, roe=gain)
        rows.append(_Row("take_profit_roe", "take-profit ROE", gain, places=_PRICE, percent=True))
        rows.append(_Row("take_profit_price", "take-profit price", price, price_unit, _PRICE))
    if args.stop_loss is not None:
        loss = _fraction("--stop-loss", args.stop_loss)
        price = futures.target_price(position, roe=-loss)
        rows.append(_Row("stop_loss_roe", "stop-loss ROE", -loss, places=_PRICE, percent=True))
        rows.append(_Row("stop_loss_price", "stop-loss price", price, price_unit, _PRICE))
        notes += _beyond(position.side, price, liquidation)
    rows.append(
        _Row(
            "liquidation_price",
            "liquidation price (isolated)",
            liquidation,
            price_unit,
            _PRICE,
            rounding=_toward_entry(position.side),
        )
    )
    if args.open_fee_rate is not None or args.close_fee_rate is not None:
        be = futures.break_even_price(
            position,
            open_fee_rate=args.open_fee_rate or "0",
            close_fee_rate=args.close_fee_rate or "0",
        )
        rows.append(_Row("break_even_price", "break-even price", be, price_unit, _PRICE))
    return _Report(
        command=f"target {position.side}",
        title=f"Take-profit and stop-loss prices, {contract.symbol} {position.side} "
        "(rules: formulas#rule-futures-margin-pnl)",
        sections=(_Section("prices", "Prices", tuple(rows)),),
        notes=tuple(notes),
    )


def _beyond(side: str, stop: Decimal | None, liquidation: Decimal | None) -> list[str]:
    """A note when a stop-loss would only trigger after liquidation."""
    if stop is None or liquidation is None:
        return []
    if (stop >= liquidation) if side == "short" else (stop <= liquidation):
        shown = _display(liquidation, _PRICE, exact_figures=False)
        return [f"the stop-loss lies beyond the liquidation price {shown}: liquidation comes first"]
    return []


# --------------------------------------------------------------------------- the parser

_EPILOG: Final = """\
examples:
  # the seed scenario: borrow 0.1 BTC at 60,000 on 3x, buy it back at 50,000 after 24 h
  levrisk margin short --borrow 0.1 --price 60000 --leverage 3 \\
      --exit-price 50000 --hours 24 --daily-rate 0.0002 --fee-rate 0.001

  # interest between two UTC times (Binance: one hour at borrowing, then every HH:00)
  levrisk interest --principal 1000 --asset USDT --hourly-rate 0.00001 \\
      --from 2024-05-01T13:55Z --to 2024-05-01T14:30Z

  # a 10x isolated BTCUSDT futures short: margin, margin ratio, liquidation price
  levrisk futures short --size 0.1 --entry-price 60000 --leverage 10

  # take-profit at +50 % ROE and stop-loss at -25 % ROE, as JSON
  levrisk target short --entry-price 60000 --leverage 10 \\
      --take-profit 50% --stop-loss 25% --json

Human output is rounded for display; --exact prints exact figures and --json prints
exact decimals as strings. Bad input: one line on stderr, exit code 2.
"""


def _wrap(text: str) -> str:
    """A help paragraph wrapped for the terminal (the raw formatter keeps line breaks)."""
    return textwrap.fill(text, width=88)


def _add_common(
    parser: argparse.ArgumentParser,
    venues: Sequence[str] = tuple(_VENUES),
    what: str = "rules, thresholds and bracket snapshots",
) -> None:
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print one JSON object (exact strings)")
    out.add_argument("--exact", action="store_true", help="print exact, unrounded figures")
    parser.add_argument(
        "--exchange",
        choices=sorted(venues),
        default="binance",
        help=f"venue preset: {what} (default: %(default)s)",
    )


def _add_rates(parser: argparse.ArgumentParser, *, required: bool) -> None:
    group = parser.add_argument_group("interest")
    rates = group.add_mutually_exclusive_group(required=required)
    rates.add_argument("--hourly-rate", metavar="RATE", help="hourly rate, a fraction")
    rates.add_argument("--daily-rate", metavar="RATE", help="daily rate (hourly = daily / 24)")
    rates.add_argument(
        "--yearly-rate", metavar="RATE", help="yearly rate (hourly = yearly / (365 x 24))"
    )
    group.add_argument(
        "--counting",
        choices=["binance", "started_hour", "clock_hour"],
        help="when an hour is charged (default: the exchange's rule)",
    )
    group.add_argument(
        "--waived-hours", type=int, default=0, metavar="N", help="interest-free first accruals"
    )


def _parser() -> _Parser:
    parser = _Parser(
        prog=_PROG,
        description=_wrap(
            "levrisk: a reference calculator for leveraged crypto trading — spot-margin "
            "shorts and longs, hourly interest, futures margin and liquidation prices. "
            "Exact decimal arithmetic; defaults from Binance's shipped, dated snapshots."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    formatter = argparse.RawDescriptionHelpFormatter

    p = commands.add_parser(
        "interest",
        help="interest accrued on a loan between two UTC times",
        description=_wrap(
            "Hourly simple interest on a spot-margin loan (rules: formulas#rule-interest)."
        ),
        epilog=(
            "example:\n  levrisk interest --principal 1000 --asset USDT --hourly-rate 0.00001 "
            "--from 2024-05-01T13:55Z --to 2024-05-01T14:30Z"
        ),
        formatter_class=formatter,
    )
    p.add_argument("--principal", required=True, help="amount borrowed, in the borrowed asset")
    p.add_argument("--asset", default="USDT", help="the borrowed asset (default: %(default)s)")
    p.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="TIME",
        help="when the loan was taken: ISO-8601 with offset, e.g. 2024-05-01T13:55Z",
    )
    p.add_argument(
        "--to",
        dest="end",
        required=True,
        metavar="TIME",
        help="the end of the period (now or the repayment), ISO-8601 with offset",
    )
    p.add_argument(
        "--rate-change",
        action="append",
        metavar="TIME=RATE",
        help="a new hourly rate in force from TIME on (repeatable)",
    )
    _add_rates(p, required=True)
    _add_common(p, tuple(_INTEREST_VENUES), "the interest counting rule")
    p.set_defaults(handler=_interest)

    p = commands.add_parser(
        "margin",
        help="a spot-margin short or long: open, then close with fees and interest",
        description=_wrap(
            "Open a spot-margin trade (borrow and sell, or borrow and buy) and optionally "
            "close it at an exit price: borrowed amount, margin level, margin-call and "
            "liquidation prices, and the PnL after fees and interest "
            "(rules: formulas#rule-spot-margin)."
        ),
        epilog=(
            "example:\n  levrisk margin short --borrow 0.1 --price 60000 --leverage 3 "
            "--exit-price 50000 --hours 24 --daily-rate 0.0002"
        ),
        formatter_class=formatter,
    )
    p.add_argument(
        "side",
        choices=["short", "long"],
        help="short: borrow base and sell it; long: borrow quote and buy base",
    )
    p.add_argument("--pair", default="BTC/USDT", help="BASE/QUOTE (default: %(default)s)")
    p.add_argument("--price", required=True, help="entry price, quote per base")
    p.add_argument("--leverage", default="3", help="leverage L > 1 (default: %(default)s)")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--borrow", help="amount to borrow: base (short) or quote (long)")
    size.add_argument("--collateral", help="own capital in quote; borrows collateral x (L - 1)")
    p.add_argument(
        "--account",
        default="cross-3x",
        choices=["cross-3x", "cross-5x", "isolated"],
        help="margin account and its thresholds (default: %(default)s)",
    )
    p.add_argument("--fee-rate", default="0", help="trading fee rate (default: %(default)s)")
    p.add_argument(
        "--fee-convention",
        default="quote",
        choices=["quote", "received"],
        help="fee in quote, or in the asset received (default: %(default)s)",
    )
    close = p.add_argument_group("close")
    close.add_argument("--exit-price", help="price the trade is closed at")
    close.add_argument(
        "--stop-loss",
        metavar="PRICE|ROI%",
        help="a stop-loss price, or the loss on the collateral as a percentage (10%%): "
        "its price and net PnL",
    )
    close.add_argument(
        "--take-profit",
        metavar="PRICE|ROI%",
        help="a take-profit price, or the net return on the collateral (25%%): its price "
        "and net PnL",
    )
    close.add_argument("--hours", help="whole hours the loan stays open")
    close.add_argument("--opened-at", metavar="TIME", help="when the loan is taken (ISO-8601)")
    close.add_argument("--closed-at", metavar="TIME", help="when the trade is closed (ISO-8601)")
    _add_rates(p, required=False)
    _add_common(p)
    p.set_defaults(handler=_margin)

    p = commands.add_parser(
        "futures",
        help="a perpetual futures position: margin, margin ratio, liquidation price",
        description=_wrap(
            "A linear (USDⓈ-M) or inverse (COIN-M) perpetual position, isolated (with its "
            "margin) or cross (with the wallet balance): initial and maintenance margin, "
            "PnL and ROE at the mark price, margin ratio, liquidation and bankruptcy prices "
            "(rules: formulas#rule-futures)."
        ),
        epilog=(
            "examples:\n  levrisk futures short --size 0.1 --entry-price 60000 --leverage 10\n"
            "  levrisk futures long --size 0.02 --entry-price 50000 --leverage 2 "
            "--wallet-balance 500\n"
            "  levrisk futures short --symbol BTCUSD_PERP --size 10 --entry-price 60000 "
            "--leverage 20"
        ),
        formatter_class=formatter,
    )
    _add_position(p)
    p.add_argument("--mark-price", help="mark price (default: the entry price)")
    wallet = p.add_mutually_exclusive_group()
    wallet.add_argument("--margin", help="isolated margin (default: the initial margin)")
    wallet.add_argument("--wallet-balance", help="cross margin: the cross wallet balance")
    _add_fees(p)
    _add_common(p)
    p.set_defaults(handler=_futures)

    p = commands.add_parser(
        "target",
        help="take-profit and stop-loss prices of a futures position from target ROEs",
        description=_wrap(
            "The prices at which a futures position reaches a target ROE (take-profit) or "
            "a loss ROE (stop-loss), with its isolated liquidation price "
            "(rules: formulas#rule-futures-margin-pnl)."
        ),
        epilog=(
            "example:\n  levrisk target short --entry-price 60000 --leverage 10 "
            "--take-profit 50% --stop-loss 25%"
        ),
        formatter_class=formatter,
    )
    _add_position(p, size_default="1")
    p.add_argument("--take-profit", metavar="ROE", help="target ROE, a fraction or 50%%")
    p.add_argument("--stop-loss", metavar="ROE", help="loss ROE, a fraction or 25%% (positive)")
    _add_fees(p)
    _add_common(p)
    p.set_defaults(handler=_target)
    return parser


def _add_position(parser: argparse.ArgumentParser, *, size_default: str | None = None) -> None:
    parser.add_argument("side", choices=["long", "short"], help="position side")
    parser.add_argument(
        "--symbol",
        default="BTCUSDT",
        choices=_SYMBOLS,
        help="a contract with a shipped bracket snapshot: BTCUSDT, ETHUSDT (linear) or "
        "BTCUSD_PERP (inverse, 100 USD contracts) (default: %(default)s)",
    )
    size_help = "size: base units (linear) or contracts (inverse)"
    if size_default is None:
        parser.add_argument("--size", required=True, help=size_help)
    else:
        parser.add_argument(
            "--size",
            default=size_default,
            help=(
                f"{size_help}; the target prices do not depend on it, but the liquidation"
                " price does (the bracket follows the notional) (default: %(default)s)"
            ),
        )
    parser.add_argument("--entry-price", required=True, help="entry price, quote per base")
    parser.add_argument("--leverage", required=True, help="leverage, at most the bracket's max")


def _add_fees(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--open-fee-rate", metavar="RATE", help="opening fee rate (break-even)")
    parser.add_argument("--close-fee-rate", metavar="RATE", help="closing fee rate (break-even)")


# --------------------------------------------------------------------------- main


def _print(text: str, stream: IO[str]) -> None:
    stream.write(text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``levrisk`` command line and return its exit code.

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success (and for ``--help``/``--version``), 2 for bad input, with one line
        ``levrisk: error: ...`` on stderr.

    .. versionadded:: 0.1.0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        report = args.handler(args)
    except _Exit as stop:
        return stop.status
    except (_UsageError, LevriskError) as error:
        message = " ".join(str(error).split())
        _print(f"{_PROG}: error: {message}", sys.stderr)
        return 2
    except ArithmeticError as error:  # decimal traps, datetime overflow: inputs out of range
        name = type(error).__name__
        _print(
            f"{_PROG}: error: a number is out of the range levrisk computes in ({name})", sys.stderr
        )
        return 2
    if args.json:
        _print(_to_json(report), sys.stdout)
    else:
        _print(_to_text(report, exact_figures=args.exact), sys.stdout)
    return 0
