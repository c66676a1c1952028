"""Sphinx extension: draw the documentation's figures with levrisk at build time.

At ``builder-inited`` every plotting function below runs with matplotlib's Agg backend
and writes a PNG to ``docs/_generated/`` (git-ignored), which the pages include with
``{figure}``. Every plotted value is computed by levrisk, so the figures cannot drift
from the library. matplotlib is a docs-only dependency (the ``docs`` extra).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.ticker import StrMethodFormatter

from levrisk import futures, margin, portfolio
from levrisk.exchanges import binance
from levrisk.interest import RateSchedule

if TYPE_CHECKING:
    from sphinx.application import Sphinx

OPENED = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
CALL_COLOUR = "#d98c00"
LIQUIDATION_COLOUR = "#c0392b"
_THOUSANDS = StrMethodFormatter("{x:,.0f}")


def _prices(low: int, high: int, step: int) -> list[Decimal]:
    return [Decimal(p) for p in range(low, high + 1, step)]


def _f(values: list[Decimal]) -> list[float]:
    return [float(v) for v in values]


def spot_short(path: Path) -> None:
    """PnL and margin level of the tutorial's 3x spot-margin short against the BTC price."""
    thresholds = margin.BINANCE_CROSS_3X
    trade = margin.open_short(
        3000,
        base="BTC",
        quote="USDT",
        leverage=3,
        price=60_000,
        thresholds=thresholds,
        fee_rate="0.001",
        opened_at=OPENED,
    )
    call = margin.liquidation_price(
        trade.account,
        asset="BTC",
        prices={"BTC": trade.entry_price},
        liquidation_level=thresholds.margin_call,
    )
    liquidation = trade.liquidation_price
    assert call is not None  # noqa: S101 - a short always has both prices
    assert liquidation is not None  # noqa: S101 - a short always has both prices
    schedule = RateSchedule.from_daily("0.0002")
    closed = OPENED + timedelta(hours=24)
    prices = [*_prices(40000, 80000, 250), liquidation]
    pnl = [margin.close(trade, exit_price=p, at=closed, schedule=schedule).net_pnl for p in prices]
    levels = [margin.margin_level(trade.account, {"BTC": p}) or Decimal(0) for p in prices]

    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8, 6.5), dpi=110)
    top.plot(_f(prices), _f(pnl), color="#1f5fa8", label="net PnL after 24 h (fees, interest)")
    top.axhline(0, color="grey", linewidth=0.8)
    top.axhline(-3000, color="grey", linewidth=0.8, linestyle=":", label="own collateral lost")
    top.set_ylabel("net PnL (USDT)")
    top.set_title("3x spot-margin short: borrow 0.1 BTC at 60,000 with 3,000 USDT")
    bottom.plot(_f(prices), _f(levels), color="#1f5fa8", label="margin level")
    bottom.axhline(
        float(thresholds.margin_call), color=CALL_COLOUR, linestyle="--", label="margin call 1.3"
    )
    bottom.axhline(
        float(thresholds.liquidation),
        color=LIQUIDATION_COLOUR,
        linestyle="--",
        label="liquidation 1.1",
    )
    bottom.set_ylabel("margin level")
    bottom.set_xlabel("BTC price (USDT)")
    for axis in (top, bottom):
        axis.axvline(float(call), color=CALL_COLOUR, linewidth=1)
        axis.axvline(float(liquidation), color=LIQUIDATION_COLOUR, linewidth=1)
        axis.axvline(60_000, color="grey", linewidth=0.8, linestyle=":")
        axis.grid(alpha=0.3)
        axis.xaxis.set_major_formatter(_THOUSANDS)
    bottom.annotate(
        f"margin call\n{call:,.0f}",
        (float(call), float(thresholds.margin_call)),
        xytext=(-70, 40),
        textcoords="offset points",
        color=CALL_COLOUR,
        arrowprops={"arrowstyle": "->", "color": CALL_COLOUR},
    )
    bottom.annotate(
        f"liquidation\n{liquidation:,.0f}",
        (float(liquidation), float(thresholds.liquidation)),
        xytext=(-40, 55),
        textcoords="offset points",
        color=LIQUIDATION_COLOUR,
        arrowprops={"arrowstyle": "->", "color": LIQUIDATION_COLOUR},
    )
    top.legend(loc="lower left", fontsize="small")
    bottom.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def futures_roe(path: Path) -> None:
    """ROE of a BTCUSDT futures short against price, for several leverages."""
    contract = futures.Contract(symbol="BTCUSDT", kind="linear", brackets=binance.BTCUSDT_BRACKETS)
    fig, axis = plt.subplots(figsize=(8, 5), dpi=110)
    prices = _prices(50_000, 92_000, 100)
    for leverage, colour in ((2, "#1f5fa8"), (5, "#2e8b57"), (10, "#d98c00"), (20, "#8e44ad")):
        position = futures.Position(
            contract=contract, side="short", size="0.1", entry_price=60_000, leverage=leverage
        )
        lp = futures.isolated_liquidation_price(position, margin=futures.initial_margin(position))
        assert lp is not None  # noqa: S101 - a linear short always has one
        alive = [p for p in prices if p < lp] + [lp]
        roe = [futures.roe(position, mark_price=p) for p in alive]
        axis.plot(_f(alive), [100 * r for r in _f(roe)], color=colour, label=f"{leverage}x")
        at_lp = futures.roe(position, mark_price=lp)
        axis.plot([float(lp)], [100 * float(at_lp)], "o", color=colour)
        axis.annotate(
            f"{lp:,.0f}",
            (float(lp), 100 * float(at_lp)),
            xytext=(5, -13),
            textcoords="offset points",
            color=colour,
            fontsize="small",
        )
    axis.set_xlim(right=96_000)
    axis.set_ylim(bottom=-125)
    axis.axhline(0, color="grey", linewidth=0.8)
    axis.axvline(60_000, color="grey", linewidth=0.8, linestyle=":")
    axis.set_xlabel("BTC mark price (USDT)")
    axis.set_ylabel("ROE (%)")
    axis.set_title("BTCUSDT short at 60,000, isolated: ROE until liquidation (dots)")
    axis.grid(alpha=0.3)
    axis.legend(title="leverage", loc="upper right")
    axis.xaxis.set_major_formatter(_THOUSANDS)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def portfolio_ratio(path: Path) -> None:
    """The uniMMR of a Portfolio Margin account against a uniform move of BTC (mark, index)."""
    long = futures.Position(
        contract=binance.BTCUSDT_CONTRACT, side="long", size=5, entry_price=60_000, leverage=10
    )
    account = portfolio.PortfolioAccount(
        books=[
            portfolio.AssetBook(asset="USDT", wallet_balance=0, positions=[long]),
            portfolio.AssetBook(asset="BTC", wallet_balance="0.5"),
        ],
        collaterals=[
            portfolio.Collateral(asset="USDT"),
            portfolio.Collateral(asset="BTC", ratio="0.95"),
        ],
    )
    bands = binance.PORTFOLIO_MARGIN_THRESHOLDS
    moves = [Decimal(x) / 200 for x in range(-30, 31)]
    shown: list[Decimal] = []
    ratios: list[Decimal] = []
    for move in moves:
        figures = portfolio.account_figures(
            account,
            mark_prices={"BTCUSDT": 60_000 * (1 + move)},
            index_prices={"USDT": 1, "BTC": 60_000 * (1 + move)},
        )
        if figures.uni_mmr is not None and figures.uni_mmr > 0:
            shown.append(move)
            ratios.append(figures.uni_mmr)
    liquidation = portfolio.liquidation_move(
        account,
        mark_prices={"BTCUSDT": 60_000},
        index_prices={"USDT": 1, "BTC": 60_000},
        moving_assets=["BTC"],
        liquidation_level=bands.liquidation,
    )
    assert liquidation is not None  # noqa: S101 - a leveraged long has one

    fig, axis = plt.subplots(figsize=(8, 4.5), dpi=110)
    axis.plot([float(m) * 100 for m in shown], _f(ratios), color="#1f5fa8", label="uniMMR")
    for level, label, colour in (
        (bands.margin_call, "reminders ≤ 150 %", CALL_COLOUR),
        (bands.reduce_only, "no new orders ≤ 120 %", CALL_COLOUR),
        (bands.liquidation, "liquidation ≤ 105 %", LIQUIDATION_COLOUR),
    ):
        axis.axhline(float(level), color=colour, linestyle="--", linewidth=0.9, label=label)
    axis.axvline(float(liquidation) * 100, color=LIQUIDATION_COLOUR, linewidth=0.8, linestyle=":")
    axis.set_xlabel("uniform move of BTC (mark and index), %")
    axis.set_ylabel("uniMMR (account equity / maintenance)")
    axis.set_title("Portfolio Margin: 5 BTC long on BTCUSDT at 60,000, 0.5 BTC collateral (95 %)")
    axis.set_yscale("log")
    axis.set_ylim(0.5, 100)
    axis.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def funding_drift(path: Path) -> None:
    """The liquidation price of an isolated long drifting up as funding is paid (bar walker)."""
    from levrisk.futures import Bar, walk  # noqa: PLC0415 - matplotlib-only helper

    contract = futures.Contract(symbol="BTCUSDT", kind="linear", brackets=binance.BTCUSDT_BRACKETS)
    position = futures.Position(
        contract=contract, side="long", size="0.1", entry_price=60_000, leverage=20
    )
    margin = futures.initial_margin(position)
    hours = 24 * 12
    opens = [
        Decimal(60_000) - Decimal(8) * h + Decimal(700) * Decimal(h % 48 < 24) for h in range(hours)
    ]
    bars = [Bar(open=o, high=o + 150, low=o - 150, close=o) for o in opens]
    funding = {h: Decimal("0.001") for h in range(8, hours, 8)}
    wallet = margin
    levels: list[Decimal] = []
    for h, bar in enumerate(bars):
        if h in funding:
            wallet -= futures.funding_payment(
                position, mark_price=bar.open, funding_rate=funding[h]
            )
        lp = futures.isolated_liquidation_price(position, margin=wallet)
        assert lp is not None  # noqa: S101 - a 20x long has one
        levels.append(lp)
    hit = walk(position, margin=margin, bars=bars, funding=funding)
    still = futures.isolated_liquidation_price(position, margin=margin)
    assert hit is not None  # noqa: S101 - the series is built to reach it
    assert still is not None  # noqa: S101 - a 20x long has one
    end = hit.index + 1
    fig, axis = plt.subplots(figsize=(8, 5), dpi=110)
    axis.plot(range(end), _f(opens[:end]), color="#1f5fa8", label="BTC price (bar open)")
    axis.fill_between(
        range(end),
        _f([b.low for b in bars[:end]]),
        _f([b.high for b in bars[:end]]),
        color="#1f5fa8",
        alpha=0.2,
        label="bar range",
    )
    axis.step(
        range(end),
        _f(levels[:end]),
        where="post",
        color=LIQUIDATION_COLOUR,
        label="liquidation price (funding paid 0.1 % / 8 h)",
    )
    axis.axhline(
        float(still), color="grey", linestyle=":", label="liquidation price without funding"
    )
    axis.plot([hit.index], [float(hit.price)], "o", color=LIQUIDATION_COLOUR)
    axis.annotate(
        f"liquidated at bar {hit.index}: {hit.price:,.0f}",
        (hit.index, float(hit.price)),
        xytext=(-160, -25),
        textcoords="offset points",
        color=LIQUIDATION_COLOUR,
    )
    axis.set_xlabel("hourly bar")
    axis.set_ylabel("USDT")
    axis.set_title("BTCUSDT long 0.1 at 60,000, 20x isolated: funding lifts the liquidation price")
    axis.grid(alpha=0.3)
    axis.legend(loc="upper right", fontsize="small")
    axis.yaxis.set_major_formatter(_THOUSANDS)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


PLOTS: dict[str, Callable[[Path], None]] = {
    "spot-short-3x": spot_short,
    "futures-roe": futures_roe,
    "portfolio-ratio": portfolio_ratio,
    "funding-drift": funding_drift,
}


def generate(app: Sphinx) -> None:
    """Write every figure to ``<srcdir>/_generated/<name>.png``."""
    out = Path(app.srcdir) / "_generated"
    out.mkdir(exist_ok=True)
    for name, draw in PLOTS.items():
        draw(out / f"{name}.png")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the figure generation with Sphinx."""
    app.connect("builder-inited", generate)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
