"""``levrisk futures long|short``: a perpetual position's margin, ratio and prices."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
from typing import Any

from levrisk import futures
from levrisk.cli import _args, _data, _plot, _render
from levrisk.cli._render import AMOUNT, PRICE, Report, Row, Section
from levrisk.numbers import exact

_SUMMARY = "a perpetual futures position: margin, margin ratio, liquidation price"
_DESCRIPTION = (
    "A linear (USDⓈ-M) or inverse (COIN-M) perpetual position, isolated "
    "(with its margin) or cross (with the wallet balance): initial and maintenance "
    "margin, PnL and ROE at the mark price, margin ratio, liquidation and bankruptcy "
    "prices"
)
_EPILOG = (
    "examples:\n  levrisk futures short --size 0.1 --entry-price 60000 --leverage 10\n"
    "  levrisk futures long --size 0.02 --entry-price 50000 --leverage 2 "
    "--wallet-balance 500\n"
    "  levrisk futures short --symbol BTCUSD_PERP --size 10 --entry-price 60000 "
    "--leverage 20\n"
    "  levrisk futures long --symbol SOLUSDT --size 10 --entry-price 150 --leverage 5 "
    "--brackets leverageBracket.json"
)


def add(commands: Any) -> None:  # noqa: ANN401 - argparse's private _SubParsersAction
    """Register the command and its arguments."""
    p = _args.command(commands, "futures", _SUMMARY, _DESCRIPTION, "rule-futures", _EPILOG)
    _args.add_position(p)
    p.add_argument("--mark-price", help="mark price (default: the entry price)")
    wallet = p.add_mutually_exclusive_group()
    wallet.add_argument("--margin", help="isolated margin (default: the initial margin)")
    wallet.add_argument("--wallet-balance", help="cross margin: the cross wallet balance")
    _args.add_fees(p)
    _args.add_common(p, _args.FUTURES_VENUES, "rules and bracket snapshots")
    _plot.add_option(p)
    p.set_defaults(handler=run)


def position(args: argparse.Namespace, preset_contract: futures.Contract) -> futures.Position:
    """The position of ``side``, ``--size``, ``--entry-price`` and ``--leverage``."""
    return futures.Position(
        contract=preset_contract,
        side=args.side,
        size=args.size,
        entry_price=args.entry_price,
        leverage=args.leverage,
    )


def data_row(market: _data.Market) -> Row:
    """The row naming the table's date (a snapshot) or its file (``--brackets``)."""
    if market.brackets_file is not None:
        name = Path(market.brackets_file).name
        return Row("brackets_file", f"{market.venue} brackets from", name)
    if market.data.date is None:  # a table a venue module ships undated
        return Row("tiers_source", f"{market.venue} tiers from", market.data.source)
    return Row("snapshot_date", f"{market.venue} brackets of", market.data.date.isoformat())


def provenance(market: _data.Market, warnings: tuple[str, ...] = ()) -> dict[str, Any]:
    """The report's ``data`` and ``warnings``: the table's date, source and age.

    The command's own ``warnings`` come first.
    """
    warning = market.data.warning(_data.today())
    return {
        "data": ((market.data.line, market.data.iso_date),),
        "warnings": warnings + (() if warning is None else (warning,)),
    }


def break_even(args: argparse.Namespace, pos: futures.Position, unit: str) -> tuple[Row, ...]:
    """The break-even row when a fee rate is given (none otherwise)."""
    if args.open_fee_rate is None and args.close_fee_rate is None:
        return ()
    be = futures.break_even_price(
        pos,
        open_fee_rate=args.open_fee_rate or "0",
        close_fee_rate=args.close_fee_rate or "0",
    )
    return (Row("break_even_price", "break-even price", be, unit, PRICE),)


@exact
def run(args: argparse.Namespace) -> Report:
    """Compute the position's figures and build the report."""
    preset = _data.market(args)
    c = preset.contract
    price_unit, margin_unit = preset.price_unit, preset.margin_unit
    # Figures in the price's currency (quote-settled) show as money, coin ones as amounts.
    money = PRICE if margin_unit == price_unit else AMOUNT
    pos = position(args, c)
    mark = args.mark_price if args.mark_price is not None else args.entry_price
    im = futures.initial_margin(pos)
    mm = futures.maintenance_margin(pos, mark_price=mark)
    upnl = futures.unrealized_pnl(pos, mark_price=mark)
    if args.wallet_balance is not None:
        mode = "cross"
        wallet = _args.number("--wallet-balance", args.wallet_balance)
        account = futures.CrossAccount(wallet_balance=wallet, positions=[pos])

        def ratio_at(price: Decimal) -> Decimal | None:
            return futures.cross_margin_ratio(account, mark_prices={c.symbol: price})

        ratio = ratio_at(mark)
        liquidation, state = _render.outcome(
            lambda: futures.cross_liquidation_price(
                account, c.symbol, mark_prices={c.symbol: mark}, rule=preset.rule
            )
        )
    else:
        mode = "isolated"
        wallet = im if args.margin is None else _args.number("--margin", args.margin)

        def ratio_at(price: Decimal) -> Decimal | None:
            return futures.margin_ratio(pos, margin=wallet, mark_price=price)

        ratio = ratio_at(mark)
        liquidation, state = _render.outcome(
            lambda: futures.isolated_liquidation_price(pos, margin=wallet, rule=preset.rule)
        )
    bankruptcy, _ = _render.outcome(lambda: futures.bankruptcy_price(pos, margin=wallet))
    wallet_label = "cross wallet balance" if mode == "cross" else "isolated margin"
    mark_shown = _args.number("--mark-price", mark)
    liquidated = state != "safe" or _render.liquidated_at(pos.side, mark_shown, liquidation)
    line = _liquidation_line(
        (state, mode, pos.side), liquidation, (wallet, margin_unit, wallet_label), price_unit
    )
    rows = (
        Row("symbol", "contract", f"{c.symbol} ({c.kind})"),
        data_row(preset),
        Row("size", "size", pos.size, preset.size_unit, None),
        Row("entry_price", "entry price", pos.entry_price, price_unit, None),
        Row("mark_price", "mark price", mark_shown, price_unit, None),
        Row("leverage", "leverage", pos.leverage, "x", None),
        Row("margin_mode", "margin mode", mode),
        Row("wallet", wallet_label, wallet, margin_unit, money),
    )
    figures = (
        Row("notional", "notional at mark", futures.notional(pos, price=mark), margin_unit, money),
        Row("initial_margin", "initial margin (entry)", im, margin_unit, money),
        Row("maintenance_margin", "maintenance margin", mm, margin_unit, money),
        Row("unrealized_pnl", "unrealized PnL", upnl, margin_unit, money),
        Row("roe", "ROE", futures.roe(pos, mark_price=mark), places=PRICE, percent=True),
        Row("margin_balance", "margin balance", wallet + upnl, margin_unit, money),
        Row("margin_ratio", "margin ratio (MM / balance)", ratio, places=PRICE, percent=True),
        Row(
            "liquidation_price",
            "liquidation price",
            liquidation,
            price_unit,
            PRICE,
            rounding=_render.toward_entry(pos.side),
        ),
        Row(
            "bankruptcy_price",
            "bankruptcy price",
            bankruptcy,
            price_unit,
            PRICE,
            rounding=_render.toward_entry(pos.side),
        ),
    )
    sections = [
        Section("position", "Position", rows),
        Section("risk", "Margin and prices", figures),
    ]
    fees = break_even(args, pos, price_unit)
    if fees:
        sections.append(Section("fees", "Fees", fees))
    title = f"Futures {pos.side}, {c.symbol}, {mode} margin"
    notes: tuple[str, ...] = (
        "margin ratio: MM / margin balance (Binance's convention), liquidation at 100%",
    )
    if args.plot is not None:
        prices = _plot.price_grid(pos.entry_price, liquidation, bankruptcy)
        curves = _plot.Curves(
            title=title,
            price_unit=price_unit,
            prices=prices,
            level_label="margin ratio (MM / balance)",
            level=_plot.sample(prices, ratio_at),
            pnl_label=f"unrealized PnL ({margin_unit})",
            pnl=_plot.sample(prices, lambda p: futures.unrealized_pnl(pos, mark_price=p)),
            prices_marked=(
                _plot.Mark("liquidation at", liquidation, "tab:red"),
                _plot.Mark("bankruptcy at", bankruptcy, "black"),
            ),
            levels_marked=(_plot.Mark("liquidation at ratio", Decimal(1), "tab:red"),),
            level_limits=(0, 1.5),
        )
        _plot.write(args.plot, curves)
        notes += (_plot.note(args.plot),)
    return Report(
        command=f"futures {pos.side}",
        title=f"{title} ({_render.rules('rule-futures')})",
        sections=tuple(sections),
        notes=notes,
        liquidated=liquidated,
        liquidation=line if liquidated else "",
        **provenance(preset),
    )


def _liquidation_line(
    how: tuple[str, str, str], price: Decimal | None, wallet: tuple[Decimal, str, str], unit: str
) -> str:
    """The report's "liquidated" line: at which price, and what is lost.

    ``how``: the outcome's state, the margin mode and the side; ``wallet``: the margin,
    its unit and its label.
    """
    state, mode, side = how
    amount, margin_unit, label = wallet
    lost = _render.display(amount, AMOUNT if margin_unit != unit else PRICE, exact_figures=False)
    loss = f"it loses its {label} of {lost} {margin_unit} (less any remainder the venue returns)"
    if state == "always":
        return f"the position is liquidated at every price; {loss}"
    shown = _render.display(price, PRICE, exact_figures=False, rounding=_render.toward_entry(side))
    where = "its entry price" if mode == "isolated" else "the mark price"
    when = f"already at {where}" if state == "crossed" else "the mark price is at or beyond it"
    return f"the position is liquidated ({when}): liquidation price {shown} {unit}; {loss}"
