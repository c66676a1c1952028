"""``--plot FILE.png``: a position's margin level (or ratio) and PnL against the price.

The commands compute every point with the library (exact decimals, shown as floats only
here); this module only draws them, with matplotlib when it is installed (it is not a
dependency of levrisk: without it ``--plot`` is a usage error that names
``pip install matplotlib``). The figure has two panels over one price axis: the margin
level (spot margin) or margin ratio (futures) with its thresholds as horizontal lines,
and the PnL; the liquidation and margin-call prices are vertical lines on both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

from levrisk.cli._args import UsageError
from levrisk.cli._render import PRICE, display
from levrisk.numbers import exact

POINTS: Final = 241
"""How many prices the curves are drawn through."""


@attrs.frozen
class Mark:
    """A labelled level: a price (vertical line) or a threshold (horizontal line)."""

    label: str
    value: Decimal | None
    colour: str


@attrs.frozen
class Curves:
    """What a plot shows: the price grid and the two curves over it (``None``: no value)."""

    title: str
    price_unit: str
    prices: tuple[Decimal, ...]
    level_label: str
    level: tuple[Decimal | None, ...]
    pnl_label: str
    pnl: tuple[Decimal | None, ...]
    prices_marked: tuple[Mark, ...]
    levels_marked: tuple[Mark, ...]
    level_limits: tuple[float, float] | None = None  # the level axis, when it must be cut


@exact
def price_grid(entry: Decimal, *marked: Decimal | None) -> tuple[Decimal, ...]:
    """Prices around the entry that take in every marked price, with a margin of 10 %."""
    points = [entry, *(p for p in marked if p is not None and p > 0)]
    low, high = min(points), max(points)
    span = max(high - low, entry / 2)
    low, high = max(low - span / 10, entry / 100), high + span / 10
    step = (high - low) / (POINTS - 1)
    return tuple(low + step * i for i in range(POINTS))


def sample(
    prices: Sequence[Decimal], value: Callable[[Decimal], Decimal | None]
) -> tuple[Decimal | None, ...]:
    """``value`` at each price (``None`` where it has none)."""
    return tuple(value(p) for p in prices)


def _present(marks: Sequence[Mark]) -> list[tuple[str, Decimal, str]]:
    """The marks that have a value (a position may have no liquidation price)."""
    return [(m.label, m.value, m.colour) for m in marks if m.value is not None]


def _floats(values: Sequence[Decimal | None]) -> list[float]:
    return [float("nan") if v is None else float(v) for v in values]


def _pyplot_free_figure() -> Any:  # noqa: ANN401 - matplotlib's Figure (untyped here)
    """A matplotlib Figure without pyplot (no GUI backend); a usage error without it."""
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415 - optional, loaded on demand
    except ImportError:
        msg = "--plot needs matplotlib, which is not installed: pip install matplotlib"
        raise UsageError(msg) from None
    return Figure(figsize=(9, 7), dpi=110, layout="constrained")


def add_option(parser: Any) -> None:  # noqa: ANN401 - argparse's parser or group
    """The ``--plot FILE.png`` option."""
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        help="draw the margin level (or ratio) and PnL against the price, with the "
        "liquidation and margin-call levels, into a PNG file (needs matplotlib)",
    )


def note(path: str) -> str:
    """The report's note on the plot written."""
    return f"plot of the margin level and PnL against the price written to {path}"


def write(path: str, curves: Curves) -> None:
    """Draw ``curves`` into the PNG file ``path``."""
    figure = _pyplot_free_figure()
    top, bottom = figure.subplots(2, 1, sharex=True)
    x = _floats(curves.prices)
    top.plot(x, _floats(curves.level), color="tab:blue", label=curves.level_label)
    bottom.plot(x, _floats(curves.pnl), color="tab:green", label=curves.pnl_label)
    bottom.axhline(0, color="grey", linewidth=0.8)
    for label, value, colour in _present(curves.levels_marked):
        shown = display(value, 4, exact_figures=False)
        top.axhline(float(value), color=colour, linestyle="--", label=f"{label} {shown}")
    for label, value, colour in _present(curves.prices_marked):
        shown = display(value, PRICE, exact_figures=False)
        for axes in (top, bottom):
            axes.axvline(
                float(value),
                color=colour,
                linestyle=":",
                label=f"{label} {shown} {curves.price_unit}",
            )
    if curves.level_limits is not None:
        top.set_ylim(*curves.level_limits)
    top.set_ylabel(curves.level_label)
    bottom.set_ylabel(curves.pnl_label)
    bottom.set_xlabel(f"price ({curves.price_unit})")
    top.set_title(curves.title)
    for axes in (top, bottom):
        axes.grid(visible=True, alpha=0.3)
        axes.legend(loc="best", fontsize="small")
    try:
        figure.savefig(path, format="png")
    except OSError as error:
        msg = f"--plot cannot write {path}: {error.strerror or error}"
        raise UsageError(msg) from None
