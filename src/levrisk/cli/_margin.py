"""``levrisk margin short|long``: a spot-margin trade, opened and optionally closed."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from levrisk import interest, margin, risk
from levrisk._typing import options
from levrisk.cli import _args, _plot, _render
from levrisk.cli._render import AMOUNT, PRICE, RATIO, Report, Row, Section
from levrisk.interest import InterestCounting
from levrisk.margin import FeeConvention
from levrisk.numbers import exact

_SUMMARY = "a spot-margin short or long: open, then close with fees and interest"
_DESCRIPTION = (
    "Open a spot-margin trade (borrow and sell, or borrow and buy) and "
    "optionally close it at an exit price: borrowed amount, margin level, margin-call "
    "and liquidation prices, and the PnL after fees and interest"
)
_EPILOG = (
    "example:\n  levrisk margin short --borrow 0.1 --price 60000 --leverage 3 "
    "--exit-price 50000 --hours 24 --daily-rate 0.0002"
)


def add(commands: Any) -> None:  # noqa: ANN401 - argparse's private _SubParsersAction
    """Register the command and its arguments."""
    p = _args.command(commands, "margin", _SUMMARY, _DESCRIPTION, "rule-spot-margin", _EPILOG)
    p.add_argument(
        "side",
        choices=_args.SIDES,
        help="short: borrow base and sell it; long: borrow quote and buy base",
    )
    p.add_argument("--pair", default="BTC/USDT", help="BASE/QUOTE (default: %(default)s)")
    p.add_argument("--price", required=True, help="entry price, quote per base")
    p.add_argument("--leverage", default="3", help="leverage L > 1 (default: %(default)s)")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--borrow", help="amount to borrow: base (short) or quote (long)")
    size.add_argument("--collateral", help="own capital in quote; borrows collateral x (L - 1)")
    accounts = {key for venue in _args.MARGIN_VENUES.values() for key in venue.accounts}
    p.add_argument(
        "--account",
        default="cross-3x",
        choices=sorted(accounts),
        help="margin account and its thresholds (default: %(default)s)",
    )
    _args.add_rate(
        p, "--fee-rate", "trading fee rate, a fraction or a percentage (0.1%%) (default: 0)", "0"
    )
    p.add_argument(
        "--fee-convention",
        default="quote",
        choices=options(FeeConvention),
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
    _args.add_rates(p, required=False)
    _args.add_common(p, _args.MARGIN_VENUES, "rules, thresholds and bracket snapshots")
    _plot.add_option(p)
    p.set_defaults(handler=run, names=NAMES)


NAMES = {"at": "--closed-at", "until": "--closed-at", "borrowed_at": "--opened-at"}
"""The library's argument names that this command's options give."""


@exact
def _collateral(args: argparse.Namespace) -> Decimal:
    """Own capital from --collateral, or from --borrow: ``C = borrow value / (L − 1)``."""
    if args.collateral is not None:
        return _args.number("--collateral", args.collateral)
    borrow = _args.number("--borrow", args.borrow)
    leverage = _args.number("--leverage", args.leverage)
    price = _args.number("--price", args.price)
    if leverage <= 1:
        msg = f"--leverage must be above 1 (a margin trade borrows), got {args.leverage!r}"
        raise _args.UsageError(msg)
    value = borrow * price if args.side == "short" else borrow
    return value / (leverage - 1)


def _close_times(args: argparse.Namespace) -> tuple[datetime, datetime] | None:
    opened = None if args.opened_at is None else _args.instant("--opened-at", args.opened_at)
    if args.closed_at is not None:
        if opened is None:
            msg = "--closed-at needs --opened-at (or give --hours)"
            raise _args.UsageError(msg)
        return opened, _args.instant("--closed-at", args.closed_at)
    if args.hours is not None:
        start = _args.REFERENCE_OPEN if opened is None else opened
        return start, _args.after_hours(start, args.hours)
    return None if opened is None else (opened, opened)


@exact
def run(args: argparse.Namespace) -> Report:
    """Open (and close) the trade and build the report."""
    venue = _args.MARGIN_VENUES[args.exchange]
    base, quote = _args.pair(args.pair)
    account_name, thresholds = venue.accounts[args.account]
    times = _close_times(args)
    closing = args.exit_price is not None or args.stop_loss is not None
    closing = closing or args.take_profit is not None
    if closing and times is None:
        msg = "closing needs a time: --hours N, or --opened-at and --closed-at"
        raise _args.UsageError(msg)
    opened_at = _args.REFERENCE_OPEN if times is None else times[0]
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
        Row("price", "entry price", trade.entry_price, quote, None),
        Row("leverage", "leverage", trade.leverage, "x", None),
        Row("collateral", "own collateral", trade.collateral, quote, PRICE),
        Row("borrowed", "borrowed", trade.borrowed, borrowed, AMOUNT),
        Row("quantity", f"{base} {moved}", trade.quantity, base, AMOUNT),
        Row("quote_amount", spent, trade.quote_amount, quote, PRICE),
        Row("open_fee", "opening fee", trade.open_fee, quote, PRICE),
        Row("margin_level", "margin level", trade.margin_level, "", RATIO),
        Row("status", "status", margin.margin_status(trade.margin_level, thresholds)),
        Row("margin_call_level", "margin call at level", thresholds.margin_call, "", RATIO),
        Row(
            "margin_call_price",
            "margin call price",
            call_price,
            quote,
            PRICE,
            rounding=_render.toward_entry(trade.side),
        ),
        Row("liquidation_level", "liquidation at level", thresholds.liquidation, "", RATIO),
        Row(
            "liquidation_price",
            "liquidation price",
            trade.liquidation_price,
            quote,
            PRICE,
            rounding=_render.toward_entry(trade.side),
        ),
    )
    sections = [Section("open", "Open", opened)]
    title = (
        f"Spot-margin {trade.side}, {base}/{quote}, {venue.name} {account_name}"
        f" ({_render.rules('rule-spot-margin')})"
    )
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    line = ""
    if closing:
        assert times is not None  # noqa: S101 - checked above
        closing_sections, stop, line = _close(args, trade, times[1], venue)
        sections += closing_sections
        notes = _render.stop_note(trade.side, trade.entry_price, stop, trade.liquidation_price)
        warnings = _render.profit_side_stop(trade.side, trade.entry_price, stop)
    if args.daily_rate is not None:
        notes += _args.daily_note(args, opened_at, _args.counting(args, venue))
    if args.plot is not None:
        _plot.write(args.plot, _curves(trade, call_price, title))
        notes += (_plot.note(args.plot),)
    return Report(
        command=f"margin {trade.side}",
        title=title,
        sections=tuple(sections),
        notes=notes,
        warnings=warnings,
        liquidated=bool(line),
        liquidation=line,
    )


def _curves(trade: margin.MarginTrade, call_price: Decimal | None, title: str) -> _plot.Curves:
    """The margin level and the net PnL (no interest) of the trade over a price grid."""
    prices = _plot.price_grid(trade.entry_price, trade.liquidation_price, call_price)
    thresholds = trade.thresholds
    return _plot.Curves(
        title=title.partition(" (rules:")[0],
        price_unit=trade.quote,
        prices=prices,
        level_label="margin level",
        level=_plot.sample(prices, lambda p: margin.margin_level(trade.account, {trade.base: p})),
        pnl_label=f"net PnL at opening ({trade.quote})",
        pnl=_plot.sample(
            prices,
            lambda p: margin.close(trade, exit_price=p, at=trade.opened_at, schedule=0).net_pnl,
        ),
        prices_marked=(
            _plot.Mark("margin call at", call_price, "tab:orange"),
            _plot.Mark("liquidation at", trade.liquidation_price, "tab:red"),
        ),
        levels_marked=(
            _plot.Mark("margin call level", thresholds.margin_call, "tab:orange"),
            _plot.Mark("liquidation level", thresholds.liquidation, "tab:red"),
        ),
    )


def _close(
    args: argparse.Namespace, trade: margin.MarginTrade, closed_at: datetime, venue: _args.Venue
) -> tuple[list[Section], Decimal | None, str]:
    """The close and exit-level sections, the stop-loss price (for the note), the liquidation.

    An exit price at or beyond the liquidation price is never reached as a close: the
    close section is then the liquidation's outcome, and the third item is the report's
    "liquidated" line (empty otherwise). A stop or target beyond it shows no net PnL.
    """
    rule = _args.counting(args, venue)
    terms = {
        "at": closed_at,
        "schedule": _args.rate_schedule(args, trade.opened_at, rule),
        "counting": rule,
        "waived_hours": args.waived_hours,
    }
    quote = trade.quote
    sections = []
    line = ""
    lp = trade.liquidation_price
    if args.exit_price is not None:
        exit_price = _args.number("--exit-price", args.exit_price)
        if _render.liquidated_at(trade.side, exit_price, lp):
            line, rows = _liquidation(trade, exit_price)
            sections.append(Section("liquidation", "Liquidation (before the exit)", rows))
        else:
            pnl = margin.close(trade, exit_price=exit_price, **terms)
            sections.append(Section("close", "Close", _pnl_rows(pnl, trade, closed_at, rule)))
    be = margin.break_even_price(trade, **terms)
    stops: list[Row] = [Row("break_even_price", "break-even price", be, quote, PRICE)]
    stop_price = None
    for key, label, text, solve, sign in (
        ("stop_loss", "stop-loss", args.stop_loss, risk.margin_stop_price, -1),
        ("take_profit", "take-profit", args.take_profit, risk.margin_take_profit_price, 1),
    ):
        if text is None:
            continue
        option = f"--{key.replace('_', '-')}"
        if text.strip().endswith("%"):
            share = _args.fraction(option, text)
            price = solve(trade, roe=share, **terms)
            stops.append(
                Row(f"{key}_roi", f"{label} ROI", sign * share, places=PRICE, percent=True)
            )
        else:
            price = _args.number(option, text)
        stops.append(Row(f"{key}_price", f"{label} price", price, quote, PRICE))
        if price is not None and not _render.liquidated_at(trade.side, price, lp):
            pnl = margin.close(trade, exit_price=price, **terms)
            stops.append(Row(f"{key}_net_pnl", f"net PnL at {label}", pnl.net_pnl, quote, PRICE))
        elif price is not None:  # liquidation comes first: no close at that price
            stops.append(Row(f"{key}_net_pnl", f"net PnL at {label} (liquidated first)", None))
        if sign < 0:
            stop_price = price
    sections.append(Section("exits", "Exit levels", tuple(stops)))
    return sections, stop_price, line


def _liquidation(trade: margin.MarginTrade, exit_price: Decimal) -> tuple[str, tuple[Row, ...]]:
    """The "liquidated" line and the liquidation's rows, for an exit beyond liquidation."""
    quote = trade.quote
    result = risk.margin_liquidation_outcome(trade)
    assert result is not None  # noqa: S101 - an exit beyond it: the price exists
    price = _render.display(
        result.liquidation_price,
        PRICE,
        exact_figures=False,
        rounding=_render.toward_entry(trade.side),
    )
    loss = _render.display(result.loss, PRICE, exact_figures=False)
    shown = _render.display(exit_price, None, exact_figures=False)
    line = (
        f"the trade is liquidated at {price} {quote}, before the exit at {shown} {quote}; "
        f"it loses {loss} {quote} of its collateral"
    )
    rows = (
        Row("exit_price", "exit price asked", exit_price, quote, None),
        Row(
            "liquidation_price",
            "liquidated at",
            result.liquidation_price,
            quote,
            PRICE,
            rounding=_render.toward_entry(trade.side),
        ),
        Row("liquidation_fee", "liquidation fee", result.liquidation_fee, quote, PRICE),
        Row("remaining", "returned", result.remaining, quote, PRICE),
        Row("loss", "loss", result.loss, quote, PRICE),
        Row(
            "loss_fraction", "loss of collateral", result.loss_fraction, places=PRICE, percent=True
        ),
    )
    return line, rows


def _pnl_rows(
    pnl: margin.MarginPnL,
    trade: margin.MarginTrade,
    closed_at: datetime,
    counting: InterestCounting,
) -> tuple[Row, ...]:
    quote = trade.quote
    accruals = interest.accrual_count(trade.opened_at, closed_at, counting=counting)
    return (
        Row("exit_price", "exit price", pnl.exit_price, quote, None),
        Row("hours", "hours open", _whole_hours(trade.opened_at, closed_at), "h", PRICE),
        Row("accruals", "interest accruals", accruals),
        Row("gross_pnl", "gross PnL", pnl.gross_pnl, quote, PRICE),
        Row("open_fee", "opening fee", pnl.open_fee, quote, PRICE),
        Row("close_fee", "closing fee", pnl.close_fee, quote, PRICE),
        Row("trading_fees", "trading fees", pnl.trading_fees, quote, PRICE),
        Row("interest", "interest", pnl.interest, trade.borrowed_asset, AMOUNT),
        Row("interest_value", "interest value", pnl.interest_value, quote, PRICE),
        Row("net_pnl", "net PnL", pnl.net_pnl, quote, PRICE),
        Row("roi", "return on collateral", pnl.roi, places=PRICE, percent=True),
    )


@exact
def _whole_hours(start: datetime, end: datetime) -> Decimal:
    return Decimal((end - start) // timedelta(microseconds=1)) / Decimal(3_600_000_000)
