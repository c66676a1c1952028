"""Reports of the ``levrisk`` command, rendered as aligned text or as one JSON object.

A command builds a :class:`Report` (sections of labelled :class:`Row` values) from the
library's results; this module alone decides how a figure is shown: rounded for display
(prices to 2 decimals, amounts to 8, ratios to 4), unrounded with ``--exact``, or as exact
decimal strings with ``--json``. It also holds the short pointer to the formula reference
that report titles print, and the note on a stop-loss that liquidation would pre-empt.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from levrisk import risk
from levrisk._typing import side_sign
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, InvalidInputError
from levrisk.futures import Side

Value = Decimal | int | str | datetime | None
"""What a row shows: a figure, a count, a text, an instant, or nothing (``none``/``null``)."""

# Display precision of the human output; --exact and --json show everything.
PRICE: Final = 2
AMOUNT: Final = 8
RATIO: Final = 4
RATE: Final = 12
_FIXED_LIMIT: Final = 40  # beyond 10**±40 a figure is shown in scientific notation

FORMULAS_PAGE: Final = "explanation/formulas.html"
"""The formula reference's page in the built documentation, relative to its root."""


def rules(anchor: str) -> str:
    """The short pointer to a rule of the formula reference: ``rules: <page>#<anchor>``."""
    return f"rules: {FORMULAS_PAGE}#{anchor}"


@attrs.frozen
class Row:
    """One labelled figure; ``key`` names it in the JSON output."""

    key: str
    label: str
    value: Value
    unit: str = ""
    places: int | None = AMOUNT  # None: shown as given (an input echoed back)
    percent: bool = False  # a fraction shown as a percentage in the human output
    rounding: str = decimal.ROUND_HALF_EVEN  # how the human output rounds to ``places``


@attrs.frozen
class Section:
    """A titled group of rows; ``key`` names it in the JSON output."""

    key: str
    title: str
    rows: tuple[Row, ...]


@attrs.frozen
class Table:
    """A titled table: one header per column, rows of cells; ``key`` names it in the JSON."""

    key: str
    title: str
    columns: tuple[tuple[str, str, int | None], ...]  # (JSON key, header, display places)
    cells: tuple[tuple[Value, ...], ...]


@attrs.frozen
class Report:
    """What a command prints: a title, its sections, notes, data lines and warnings.

    ``data`` names the dated data the figures used (date and source); ``warnings`` says
    what the user should know about them (stale data). Both come last in the text.
    ``liquidated``: for a position's report, whether it is liquidated at the prices shown
    (``None``: the command has no position); ``liquidation`` is then the line that says
    so — shown right under the title, and carried in the JSON as ``"liquidated"`` (and
    ``"liquidation_line"``).
    """

    command: str
    title: str
    sections: tuple[Section | Table, ...]
    notes: tuple[str, ...] = ()
    data: tuple[tuple[str, Value], ...] = ()  # (line shown, JSON date), one per data set
    warnings: tuple[str, ...] = ()
    liquidated: bool | None = None
    liquidation: str = ""


def toward_entry(side: str) -> str:
    """Show a long's liquidation price rounded up, a short's down.

    The shown price is then reached no later than the real one.
    """
    return decimal.ROUND_CEILING if side == "long" else decimal.ROUND_FLOOR


def stop_note(
    side: Side, entry: Decimal, stop: Decimal | None, liquidation: Decimal | None
) -> tuple[str, ...]:
    """A note when a stop-loss would only trigger after liquidation (none otherwise).

    The verdict is ``levrisk.risk.check_stop``'s; a stop on the winning side of the entry
    (which the check refuses) never meets liquidation, so it gets no note.
    """
    if stop is None:
        return ()
    try:
        check = risk.check_stop(
            side, entry_price=entry, stop_price=stop, liquidation_price=liquidation
        )
    except InvalidInputError:
        return ()
    if check.passed:
        return ()
    shown = display(check.liquidation_price, PRICE, exact_figures=False)
    return (f"the stop-loss lies beyond the liquidation price {shown}: liquidation comes first",)


def profit_side_stop(side: Side, entry: Decimal, stop: Decimal | None) -> tuple[str, ...]:
    """A warning when a stop-loss lies on the profit side of the entry (none otherwise).

    A long's stop above its entry, or a short's below, fires on a gain: it is a
    take-profit, most likely entered by mistake.
    """
    if stop is None or side_sign(side) * (stop - entry) <= 0:
        return ()
    where = "above" if side == "long" else "below"
    shown = display(stop, PRICE, exact_figures=False)
    at = display(entry, PRICE, exact_figures=False)
    warning = (
        f"the stop-loss {shown} lies {where} the entry {at}, on the profit side of a "
        f"{side}: it closes the position at a gain (a take-profit), not a loss"
    )
    return (warning,)


def outcome(call: Callable[[], Decimal | None]) -> tuple[Decimal | None, str]:
    """A liquidation function's result and state: ``safe``, ``crossed`` or ``always``.

    ``crossed`` (already at or past liquidation at the prices given) carries the crossed
    price; ``always`` none (see the conventions page, "Liquidation outcomes").
    """
    try:
        return call(), "safe"
    except AlreadyLiquidatedError as crossed:
        return crossed.price, "crossed"
    except AlwaysLiquidatedError:
        return None, "always"


def liquidated_at(side: Side, price: Decimal, liquidation: Decimal | None) -> bool:
    """Whether ``price`` is at or beyond ``liquidation`` on the losing side of the entry."""
    if liquidation is None:
        return False
    return price <= liquidation if side == "long" else price >= liquidation


def plain(value: Decimal) -> str:
    """``value`` as a plain decimal: no exponent, no negative zero (``0E-46`` is ``0``).

    The digits are kept (``600.0`` stays ``600.0``), so ``Decimal(plain(x)) == x``.
    """
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    return f"{value:f}"


def _json_value(value: Value) -> object:
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def to_json(report: Report) -> str:
    """The report as one JSON object: exact decimals as strings, ``null`` for none."""
    document: dict[str, object] = {"command": report.command}
    if report.liquidated is not None:
        document["liquidated"] = report.liquidated
        if report.liquidated:
            document["liquidation_line"] = report.liquidation
    for section in report.sections:
        if isinstance(section, Table):
            keys = [key for key, _, _ in section.columns]
            document[section.key] = [
                dict(zip(keys, map(_json_value, cells), strict=True)) for cells in section.cells
            ]
        else:
            document[section.key] = {row.key: _json_value(row.value) for row in section.rows}
    document["notes"] = list(report.notes)
    if report.data:
        document["data"] = [
            {"source": line, "date": _json_value(date)} for line, date in report.data
        ]
    if report.warnings:
        document["warnings"] = list(report.warnings)
    return json.dumps(document, indent=2, ensure_ascii=False)


def display(
    value: Value,
    places: int | None,
    *,
    exact_figures: bool,
    percent: bool = False,
    rounding: str = decimal.ROUND_HALF_EVEN,
) -> str:
    """One value as the human output shows it (rounded unless ``exact_figures``)."""
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        value = "yes" if value else "no"
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


def to_text(report: Report, *, exact_figures: bool) -> str:
    """The report as aligned text: labels left, values right-aligned, then units."""
    lines = [report.title]
    rows = [row for s in report.sections if isinstance(s, Section) for row in s.rows]
    label_width = max((len(row.label) for row in rows), default=0)
    shown = {
        id(row): display(
            row.value,
            row.places,
            exact_figures=exact_figures,
            percent=row.percent,
            rounding=row.rounding,
        )
        for row in rows
    }
    value_width = max((len(text) for text in shown.values()), default=0)
    if report.liquidated:
        lines += ["", f"LIQUIDATED: {report.liquidation}"]
    for section in report.sections:
        lines += ["", section.title]
        if isinstance(section, Table):
            lines += _table(section, exact_figures=exact_figures)
            continue
        for row in section.rows:
            unit = "%" if row.percent else row.unit
            cell = shown[id(row)].rjust(value_width)
            lines.append(f"  {row.label.ljust(label_width)}  {cell}  {unit}".rstrip())
    if report.notes:
        lines.append("")
        lines += [f"Note: {note}" for note in report.notes]
    if report.data or report.warnings:
        lines.append("")
        lines += [f"Data: {line}" for line, _ in report.data]
        lines += [f"Warning: {warning}" for warning in report.warnings]
    if not exact_figures:
        lines += ["", "Figures are rounded for display; --exact or --json give exact values."]
    return "\n".join(lines)


def _table(table: Table, *, exact_figures: bool) -> list[str]:
    """A table's lines: headers, then one line per row; text left, figures right-aligned."""
    places = [p for _, _, p in table.columns]
    shown = [
        [
            display(cell, p, exact_figures=exact_figures)
            for cell, p in zip(cells, places, strict=True)
        ]
        for cells in table.cells
    ]
    headers = [header for _, header, _ in table.columns]
    widths = [max([len(h)] + [len(r[i]) for r in shown]) for i, h in enumerate(headers)]
    left = [
        all(isinstance(cells[i], str | None) for cells in table.cells) for i in range(len(headers))
    ]

    def line(texts: list[str]) -> str:
        cells = [
            t.ljust(w) if is_left else t.rjust(w)
            for t, w, is_left in zip(texts, widths, left, strict=True)
        ]
        return ("  " + "  ".join(cells)).rstrip()

    return [line(headers)] + [line(texts) for texts in shown]
