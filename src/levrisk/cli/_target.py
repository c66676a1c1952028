"""``levrisk target long|short``: take-profit and stop-loss prices from target ROEs."""

from __future__ import annotations

import argparse
from typing import Any

from levrisk import futures
from levrisk.cli import _args, _data, _render
from levrisk.cli._futures import break_even, data_row, position, provenance
from levrisk.cli._render import PRICE, Report, Row, Section
from levrisk.numbers import exact

_SUMMARY = "take-profit and stop-loss prices of a futures position from target ROEs"
_DESCRIPTION = (
    "The prices at which a futures position reaches a target ROE "
    "(take-profit) or a loss ROE (stop-loss), with its isolated liquidation price"
)
_EPILOG = (
    "example:\n  levrisk target short --entry-price 60000 --leverage 10 "
    "--take-profit 50% --stop-loss 25%"
)


def add(commands: Any) -> None:  # noqa: ANN401 - argparse's private _SubParsersAction
    """Register the command and its arguments."""
    p = _args.command(
        commands, "target", _SUMMARY, _DESCRIPTION, "rule-futures-margin-pnl", _EPILOG
    )
    _args.add_position(p, size_default="1")
    p.add_argument("--take-profit", metavar="ROE", help="target ROE, a fraction or 50%%")
    p.add_argument("--stop-loss", metavar="ROE", help="loss ROE, a fraction or 25%% (positive)")
    _args.add_fees(p)
    _args.add_common(p, _args.FUTURES_VENUES, "rules and bracket snapshots")
    p.set_defaults(handler=run)


@exact
def run(args: argparse.Namespace) -> Report:
    """Solve the target prices and build the report."""
    preset = _data.market(args)
    c, price_unit = preset.contract, preset.price_unit
    pos = position(args, c)
    liquidation, state = _render.outcome(
        lambda: futures.isolated_liquidation_price(
            pos, margin=futures.initial_margin(pos), rule=preset.rule
        )
    )
    line = ""
    if state != "safe":  # the initial margin is below maintenance at entry
        line = "the position is liquidated already at its entry price: its initial margin is lost"
    rows = [
        Row("symbol", "contract", f"{c.symbol} ({c.kind})"),
        data_row(preset),
        Row("entry_price", "entry price", pos.entry_price, price_unit, None),
        Row("leverage", "leverage", pos.leverage, "x", None),
    ]
    notes: tuple[str, ...] = (
        "ROE: PnL over the initial margin at entry (Binance's calculator terms)",
    )
    if args.take_profit is not None:
        gain = _args.fraction("--take-profit", args.take_profit)
        price = futures.target_price(pos, roe=gain)
        rows.append(Row("take_profit_roe", "take-profit ROE", gain, places=PRICE, percent=True))
        rows.append(Row("take_profit_price", "take-profit price", price, price_unit, PRICE))
    if args.stop_loss is not None:
        loss = _args.fraction("--stop-loss", args.stop_loss)
        price = futures.target_price(pos, roe=-loss)
        rows.append(Row("stop_loss_roe", "stop-loss ROE", -loss, places=PRICE, percent=True))
        rows.append(Row("stop_loss_price", "stop-loss price", price, price_unit, PRICE))
        notes += _render.stop_note(pos.side, pos.entry_price, price, liquidation)
    rows.append(
        Row(
            "liquidation_price",
            "liquidation price (isolated)",
            liquidation,
            price_unit,
            PRICE,
            rounding=_render.toward_entry(pos.side),
        )
    )
    rows += break_even(args, pos, price_unit)
    return Report(
        command=f"target {pos.side}",
        title=f"Take-profit and stop-loss prices, {c.symbol} {pos.side} "
        f"({_render.rules('rule-futures-margin-pnl')})",
        sections=(Section("prices", "Prices", tuple(rows)),),
        notes=notes,
        liquidated=bool(line),
        liquidation=line,
        **provenance(preset),
    )
