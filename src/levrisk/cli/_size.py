"""``levrisk size long|short``: the largest futures size whose liquidation lies beyond a stop."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from levrisk import risk
from levrisk.cli import _args, _data, _render
from levrisk.cli._futures import data_row, provenance
from levrisk.cli._render import AMOUNT, PRICE, Report, Row, Section
from levrisk.numbers import exact

_HELP = {
    "summary": "the largest futures size whose liquidation lies beyond a stop",
    "description": "For an isolated margin and a stop, the largest size (any leverage) "
    "whose liquidation price lies at or beyond the stop, next to the highest whole "
    "leverage that keeps liquidation beyond it",
    "anchor": "rule-futures-max-size-for-stop",
    "epilog": "example:\n  levrisk size long --entry-price 62000 --stop-price 60000 --margin 1000",
}


def add(commands: Any) -> None:  # noqa: ANN401 - argparse's private _SubParsersAction
    """Register the command and its arguments."""
    p = _args.command(commands, "size", **_HELP)
    p.add_argument("side", choices=_args.SIDES, help="position side")
    _args.add_contract(p)
    p.add_argument("--symbol", default="BTCUSDT", help="the contract (as for futures)")
    p.add_argument("--brackets", metavar="FILE", help="a saved bracket table (as for futures)")
    p.add_argument("--entry-price", required=True, help="entry price, quote per base")
    p.add_argument("--stop-price", required=True, help="the stop, on the losing side")
    p.add_argument("--margin", required=True, help="the isolated margin put up")
    _args.add_rate(p, "--buffer", "the gap the stop keeps from liquidation, e.g. 1%% (0)", "0")
    p.add_argument("--lot-step", help="round the size down to this step (e.g. 0.001)")
    _args.add_rate(p, "--close-fee-rate", "the taker fee of rules that carry it, e.g. 0.05%%")
    _args.add_common(p, _args.FUTURES_VENUES, "rules and bracket snapshots")
    p.set_defaults(handler=run)


_NOTE = (
    "largest size: its liquidation price lies at or beyond the stop (equal when the solve "
    "binds); a whole leverage holds less"
)


@exact
def run(args: argparse.Namespace) -> Report:
    """Solve the size and the whole leverage and build the report."""
    market = _data.market(args)
    terms = {
        "side": args.side,
        "entry_price": args.entry_price,
        "stop_price": args.stop_price,
        "rule": market.rule,
        "buffer": args.buffer,
    }
    size = risk.max_futures_size_for_stop(
        market.contract, **terms, margin=args.margin, lot_step=args.lot_step
    )
    lev = risk.max_futures_leverage_for_stop(market.contract, **terms, margin=args.margin)
    margin = _args.number("--margin", args.margin)
    entry = _args.number("--entry-price", args.entry_price)
    per = _unit_value(market, entry)
    whole = None if lev is None else margin * lev / per
    unit, money = market.size_unit, market.margin_unit
    rows = (
        Row("symbol", "contract", f"{market.contract.symbol} ({market.contract.kind})"),
        data_row(market),
        Row("entry_price", "entry price", entry, market.price_unit, None),
        Row(
            "stop_price",
            "stop price",
            _args.number("--stop-price", args.stop_price),
            market.price_unit,
            None,
        ),
        Row("margin", "isolated margin", margin, money, None),
        Row("max_size", "largest size", size, unit, AMOUNT),
        Row("leverage", "its leverage", size * per / margin, "x", PRICE),
        Row("max_whole_leverage", "highest whole leverage", lev, "x"),
        Row("whole_leverage_size", "size at that leverage", whole, unit, AMOUNT),
    )
    return Report(
        command=f"size {args.side}",
        title=f"Largest size for a stop, {market.contract.symbol} {args.side} "
        f"({_render.rules('rule-futures-max-size-for-stop')})",
        sections=(Section("size", "Size", rows),),
        notes=(_NOTE,),
        **provenance(market),
    )


def _unit_value(market: _data.Market, entry: Decimal) -> Decimal:
    """The notional at entry of one unit of size (``CS·EP`` linear, ``CS/EP`` inverse)."""
    c = market.contract
    return c.contract_size * (entry if c.kind == "linear" else 1 / entry)
