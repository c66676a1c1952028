"""Reconciliation: levrisk's exact figure, its reported form, and the exchange's figure.

A venue's ``reconcile`` computes each figure the exchange reports on a position
(liquidation price, margin ratio, maintenance and initial margin, unrealised PnL,
break-even price) with levrisk's exact formulas, turns it into the form the exchange
displays (its decimals, tick and rounding, :ref:`rule-rounding`), and compares that with
the exchange's own value at the exchange's precision: the two **agree** when levrisk's
reported figure, rounded half-even to the decimals the exchange's value is written with,
equals it.

When they do not agree, :class:`FieldCheck` names the most likely reason (a ``Reason``,
one of the strings below), tried in this order:

1. ``"missing account-level input"``: levrisk could not compute the figure from the
   position alone (a cross position without the account payload, a break-even price
   without the fee rate);
2. ``"tick display"``: levrisk's *exact* figure lies within one unit of the exchange's last
   shown digit (or one tick) of the exchange's value: only the display rule differs;
3. the field's own likely cause: ``"stale tier table"`` for maintenance margin and for a
   liquidation price whose maintenance margin disagrees too, ``"fee rate"`` for a
   break-even price and for a liquidation price whose margins agree, ``"mark vs last
   price"`` for unrealised PnL, initial margin and margin ratio (figures valued at a
   price).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final, TypeAlias

import attrs

from levrisk import _typing
from levrisk._fields import optional_number
from levrisk._typing import one_of
from levrisk.exchanges._payload import check, string
from levrisk.numbers import exact

__all__ = ["FieldCheck", "Figure", "Reason", "Reconciliation", "check_figures", "compare"]

Reason: TypeAlias = _typing.Reason
"""The most likely reason a figure disagrees with the exchange's."""

_FIELD_REASON: Final[dict[str, Reason]] = {
    "maintenance_margin": "stale tier table",
    "break_even_price": "fee rate",
    "unrealized_pnl": "mark vs last price",
    "initial_margin": "mark vs last price",
    "margin_ratio": "mark vs last price",
}


def _optional_reason(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        one_of(Reason)(_instance, attribute, value)


@attrs.frozen(kw_only=True)
class FieldCheck:
    """One reported figure, levrisk's and the exchange's.

    Attributes:
        field: the figure (``"liquidation_price"``, ``"maintenance_margin"``, ...).
        exact: levrisk's exact value (``None`` where levrisk cannot compute it, or where
            the quantity does not exist).
        reported: ``exact`` in the form the exchange displays it.
        exchange: the exchange's value (``None`` where it shows none, e.g. ``0``).
        agrees: whether ``reported`` equals ``exchange`` at the exchange's precision.
        reason: the most likely reason (a ``Reason``) when they do not agree, else
            ``None``.

    .. versionadded:: 0.2.0
    """

    field: str = attrs.field(validator=string)
    exact: Decimal | None = attrs.field(converter=optional_number)
    reported: Decimal | None = attrs.field(converter=optional_number)
    exchange: Decimal | None = attrs.field(converter=optional_number)
    agrees: bool = attrs.field(validator=check(lambda v: isinstance(v, bool), "a bool"))
    reason: str | None = attrs.field(default=None, validator=_optional_reason)


@attrs.frozen(kw_only=True)
class Reconciliation:
    """The field-by-field comparison of one position with the exchange's figures.

    Attributes:
        venue: the exchange (``"Binance"``).
        symbol: the exchange's symbol.
        side: ``"long"`` or ``"short"``.
        checks: one :class:`FieldCheck` per figure the exchange reports.

    .. versionadded:: 0.2.0
    """

    venue: str = attrs.field(validator=string)
    symbol: str = attrs.field(validator=string)
    side: str = attrs.field(validator=string)
    checks: tuple[FieldCheck, ...] = attrs.field(
        validator=check(
            lambda v: isinstance(v, tuple) and all(isinstance(c, FieldCheck) for c in v),
            "a tuple of FieldCheck",
        )
    )

    @property
    def agrees(self) -> bool:
        """Whether every figure agrees with the exchange's."""
        return all(c.agrees for c in self.checks)


def _unit(value: Decimal) -> Decimal:
    """One unit of the last digit ``value`` is written with (``"0.10"`` → ``0.01``)."""
    return Decimal(1).scaleb(min(value.as_tuple().exponent, 0))  # type: ignore[arg-type]


@exact
def compare(
    field: str,
    *,
    exact_value: Decimal | None,
    reported: Decimal | None,
    exchange: Decimal | None,
    tick: Decimal | None = None,
    missing: bool = False,
    related: Sequence[FieldCheck] = (),
) -> FieldCheck:
    """Compare one figure with the exchange's and name the likely reason of a difference."""
    if reported is None or exchange is None:
        agrees = reported is None and exchange is None and not missing
    else:
        unit = _unit(exchange)
        agrees = reported.quantize(unit, rounding=ROUND_HALF_EVEN) == exchange
    reason: Reason | None = None
    if not agrees:
        reason = _reason(field, exact_value, exchange, tick=tick, missing=missing, related=related)
    return FieldCheck(
        field=field,
        exact=exact_value,
        reported=reported,
        exchange=exchange,
        agrees=agrees,
        reason=reason,
    )


def _reason(
    field: str,
    exact_value: Decimal | None,
    exchange: Decimal | None,
    *,
    tick: Decimal | None,
    missing: bool,
    related: Sequence[FieldCheck],
) -> Reason:
    if missing or exact_value is None or exchange is None:
        return "missing account-level input"
    step = max(_unit(exchange), tick or 0)
    if abs(exact_value - exchange) <= step:
        return "tick display"
    if field == "liquidation_price":
        margins = [c for c in related if c.field == "maintenance_margin"]
        return "stale tier table" if any(not c.agrees for c in margins) else "fee rate"
    return _FIELD_REASON.get(field, "mark vs last price")


@attrs.frozen
class Figure:
    """One figure a venue's ``reconcile`` checks: the exchange's value and levrisk's.

    ``compute`` gives levrisk's exact value and whether an account-level input was
    missing; ``report`` turns an exact value into the exchange's form. A figure the
    exchange does not report (``exchange`` is ``None``) is skipped unless ``always``
    (a liquidation price that the exchange shows as 0 is still checked).
    """

    field: str
    exchange: Decimal | None
    compute: Callable[[], tuple[Decimal | None, bool]]
    report: Callable[[Decimal], Decimal | None]
    always: bool = False
    tick: Decimal | None = None


def check_figures(figures: Iterable[Figure]) -> tuple[FieldCheck, ...]:
    """Compare each figure in order; a later figure sees the earlier checks (``related``)."""
    checks: list[FieldCheck] = []
    for figure in figures:
        if figure.exchange is None and not figure.always:
            continue
        value, missing = figure.compute()
        checks.append(
            compare(
                figure.field,
                exact_value=value,
                reported=None if value is None else figure.report(value),
                exchange=figure.exchange,
                tick=figure.tick,
                missing=missing,
                related=checks,
            )
        )
    return tuple(checks)
