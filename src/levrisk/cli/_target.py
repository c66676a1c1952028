"""``levrisk target long|short``: take-profit and stop-loss prices from target ROEs."""

from __future__ import annotations

import argparse
from typing import Any

from levrisk import futures
from levrisk.cli import _args, _data, _render
from levrisk.cli._futures import break_even, data_row, position, provenance
from levrisk.cli._render import PRICE, Report, Row, Section
from levrisk.numbers import exact


def add(commands: Any) -> None:  # noqa: ANN401 - argparse's private _SubParsersAction
    """Register the command and its arguments."""
    p = _args.command(
        commands,
        "target",
        summary="take-profit and stop-loss prices of a futures position from target ROEs",
        description="The prices at which a futures position reaches a target ROE "
        "(take-profit) or a loss ROE (stop-loss), with its isolated liquidation price "
        "(given --size)",
        anchor="rule-futures-margin-pnl",
        epilog="example:\n  levrisk target short --size 0.1 --entry-price 60000 "
        "--leverage 10 --take-profit 50% --stop-loss 25%",
    )
    _args.add_position(p, size_required=False)
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
    sized = args.size is not None
    # The target prices do not depend on the size; the liquidation price does (the
    # bracket follows the notional), so it is shown only for a given --size.
    pos = position(args, c) if sized else position(attrs_size(args), c)
    liquidation, state = _render.outcome(
        lambda: futures.isolated_liquidation_price(
            pos, margin=futures.initial_margin(pos), rule=preset.rule
        )
    )
    line = ""
    if sized and state != "safe":  # the initial margin is below maintenance at entry
        line = "the position is liquidated already at its entry price: its initial margin is lost"
    rows = [
        Row("symbol", "contract", f"{c.symbol} ({c.kind})"),
        data_row(preset),
        Row("entry_price", "entry price", pos.entry_price, price_unit, None),
        Row("leverage", "leverage", pos.leverage, "x", None),
    ]
    if sized:
        rows.append(Row("size", "size", pos.size, preset.size_unit, None))
    notes: tuple[str, ...] = (
        "ROE: PnL over the initial margin at entry (Binance's calculator terms)",
    )
    if not sized:
        notes += ("give --size for the liquidation price: it depends on the size",)
    warnings: tuple[str, ...] = ()
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
        if sized:
            notes += _render.stop_note(pos.side, pos.entry_price, price, liquidation)
        warnings = _render.profit_side_stop(pos.side, pos.entry_price, price)
    if sized:
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
        **provenance(preset, warnings),
    )


def attrs_size(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` with a unit size: the target prices of any size (they do not depend on it)."""
    return argparse.Namespace(**{**vars(args), "size": "1"})
