r"""Funding over a position's life: schedules, fills, charges and the funding-aware break-even.

Rules: :ref:`rule-funding`. A position pays ``s·notional(MP)·r`` at each settlement
instant it is open at (positive: paid, as :func:`~levrisk.futures.funding_payment`); the
schedule says when the instants are, how the venue caps the rate, and whether fills at
the very instant of a settlement count before or after it.

Private: :mod:`levrisk.futures` will re-export the public names (``FundingSchedule``,
``Fill``, ``FundingEvent``, ``FundingCharge``, ``FundingLife``, ``SettlementOrder``,
``funding_over_life``, ``funding_break_even_price``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeAlias

import attrs

from levrisk import _algebra, _typing
from levrisk._fields import (
    aware_datetime,
    fee_rate,
    finite,
    number,
    optional_number,
    positive,
    require,
)
from levrisk._typing import PositionMode, Side, choice, one_of, side_sign
from levrisk.exceptions import InvalidInputError
from levrisk.futures._model import Contract, Position
from levrisk.futures._pnl import exit_price, pnl_share
from levrisk.numbers import NumberLike, exact, to_decimal

SettlementOrder: TypeAlias = _typing.SettlementOrder
"""At a settlement instant: funding on the position held just before (``"funding_first"``)
or on the position after that instant's fills (``"fills_first"``)."""

SIDES: tuple[Side, Side] = ("long", "short")
"""Both sides, longs first (the order of every per-leg result)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate (for attrs) a timezone-aware datetime (the message names the field)."""
    aware_datetime(value, attribute.name)


def leg_side(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate (for attrs) a hedge leg: ``None`` (one-way) or a :data:`Side`."""
    if value is not None:
        choice(value, Side, attribute.name)


def _interval(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        msg = f"{attribute.name} must be a positive timedelta, got {value!r}"
        raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class FundingSchedule:
    r"""When a perpetual settles funding, and the venue's cap and floor on the rate.

    Settlement instants are ``anchor + k·interval`` for every integer ``k`` (8 hours from
    the epoch: 00:00, 08:00 and 16:00 UTC). A settled rate is clamped to
    ``[floor, cap]`` when they are given:

    .. math::

        r_{settled} = \min(\max(r, floor), cap)

    Args:
        interval: the funding interval, a positive ``timedelta`` (1, 4 or 8 hours on
            Binance, per symbol).
        anchor: one settlement instant, aware (default the Unix epoch, UTC).
        cap: the highest rate (a fraction), or ``None``.
        floor: the lowest rate (a fraction), ``≤ cap``, or ``None``.
        at_settlement: a :data:`SettlementOrder`: whether a fill at the very instant of a
            settlement counts after (``"funding_first"``) or before (``"fills_first"``).

    Raises:
        InvalidInputError: for a non-positive interval, a naive anchor, a non-numeric cap
            or floor, ``floor > cap``, or an unknown order.

    References:
        Binance, "Get Funding Rate Info" (``/fapi/v1/fundingInfo``:
        ``adjustedFundingRateCap``, ``adjustedFundingRateFloor``, ``fundingIntervalHours``);
        :ref:`rule-funding` [published].

    Examples:
        >>> from datetime import timedelta
        >>> FundingSchedule(interval=timedelta(hours=8), cap="0.02", floor="-0.02").clamp("0.03")
        Decimal('0.02')

    .. versionadded:: 0.2.0
    """

    interval: timedelta = attrs.field(validator=_interval)
    anchor: datetime = attrs.field(default=_EPOCH, validator=aware)
    cap: Decimal | None = attrs.field(default=None, converter=optional_number, validator=finite)
    floor: Decimal | None = attrs.field(default=None, converter=optional_number, validator=finite)
    at_settlement: SettlementOrder = attrs.field(
        default="funding_first", validator=one_of(SettlementOrder)
    )

    @floor.validator
    def _check_floor(self, _attribute: attrs.Attribute[Any], value: Decimal | None) -> None:
        if value is not None and self.cap is not None and value > self.cap:
            msg = f"floor must not exceed cap {self.cap!r}, got {value!r}"
            raise InvalidInputError(msg)

    @exact
    def clamp(self, rate: NumberLike) -> Decimal:
        """The rate the venue settles: ``rate`` within ``[floor, cap]``."""
        value = to_decimal(rate, name="rate")
        if self.cap is not None:
            value = min(value, self.cap)
        if self.floor is not None:
            value = max(value, self.floor)
        return value

    def is_settlement(self, instant: datetime) -> bool:
        """Whether ``instant`` is a settlement instant of this schedule."""
        at = aware_datetime(instant, "instant")
        return (at - self.anchor) % self.interval == timedelta(0)

    def settlements(self, start: datetime, end: datetime) -> tuple[datetime, ...]:
        """The settlement instants ``t`` with ``start ≤ t ≤ end``, in UTC, in order."""
        first = aware_datetime(start, "start")
        last = aware_datetime(end, "end")
        k = -((self.anchor - first) // self.interval)  # ceil((start − anchor) / interval)
        out: list[datetime] = []
        at = self.anchor + k * self.interval
        while at <= last:
            out.append(at.astimezone(timezone.utc))
            at += self.interval
        return tuple(out)


@attrs.frozen(kw_only=True)
class Fill:
    """One fill of an order: at ``at``, ``size`` bought (``side="long"``) or sold (``"short"``).

    Args:
        at: the fill's instant, aware.
        side: the order's :data:`Side`: ``"long"`` buys, ``"short"`` sells.
        size: > 0, in the contract's size unit.
        price: the fill price (> 0).
        fee_rate: the maker or taker rate the fill paid, in ``[0, 1)``, on its notional.
        position_side: in hedge mode, the leg the fill trades (``"long"`` or ``"short"``);
            ``None`` in one-way mode.

    Raises:
        InvalidInputError: for a field out of its domain.

    Examples:
        >>> from datetime import datetime, timezone
        >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
        >>> fill = Fill(at=t, side="long", size=1, price=100)
        >>> fill.fee_rate, fill.position_side
        (Decimal('0'), None)

    .. versionadded:: 0.2.0
    """

    at: datetime = attrs.field(validator=aware)
    side: Side = attrs.field(validator=one_of(Side))
    size: Decimal = attrs.field(converter=number, validator=positive)
    price: Decimal = attrs.field(converter=number, validator=positive)
    fee_rate: Decimal = attrs.field(default=Decimal(0), converter=number, validator=finite)
    position_side: Side | None = attrs.field(default=None, validator=leg_side)

    @fee_rate.validator
    def _check_fee(self, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        fee_rate(value, attribute.name)


@attrs.frozen(kw_only=True)
class FundingEvent:
    """A funding settlement: the rate published for ``at`` and the mark price at ``at``.

    Args:
        at: the settlement instant, aware.
        rate: the funding rate (a fraction, any sign; clamped by the schedule).
        mark_price: the mark price at the settlement (> 0).

    Raises:
        InvalidInputError: for a field out of its domain.

    Examples:
        >>> from datetime import datetime, timezone
        >>> FundingEvent(
        ...     at=datetime(2024, 1, 1, 8, tzinfo=timezone.utc), rate="0.0001", mark_price=100
        ... ).rate
        Decimal('0.0001')

    .. versionadded:: 0.2.0
    """

    at: datetime = attrs.field(validator=aware)
    rate: Decimal = attrs.field(converter=number, validator=finite)
    mark_price: Decimal = attrs.field(converter=number, validator=positive)


@attrs.frozen(kw_only=True)
class FundingCharge:
    """What one position (one leg in hedge mode) paid at one settlement (positive: paid).

    Args:
        at: the settlement instant.
        side: the position's :data:`Side`.
        size: the position's size at the settlement (> 0).
        mark_price: the mark price at the settlement.
        rate: the settled (clamped) rate.
        payment: ``s·notional(MP)·r``: quote (linear) or coin (inverse).

    .. versionadded:: 0.2.0
    """

    at: datetime
    side: Side
    size: Decimal
    mark_price: Decimal
    rate: Decimal
    payment: Decimal


@attrs.frozen(kw_only=True)
class FundingLife:
    """Every funding charge of a position's life, and their total (positive: paid).

    .. versionadded:: 0.2.0
    """

    charges: tuple[FundingCharge, ...]
    total: Decimal


def payment(contract: Contract, side: Side, size: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """``s·notional(MP)·r`` of ``size`` held on ``side`` (the formula of ``funding_payment``)."""
    value = _algebra.notional(contract.kind, size * contract.contract_size, mark)
    return side_sign(side) * value * rate


def held_at(
    fills: Iterable[Fill], at: datetime, *, mode: PositionMode, include: bool
) -> dict[Side, Decimal]:
    """The size held on each side at ``at`` from the fills before it (and at it, when ``include``).

    One-way: the net signed size; hedge: each leg's own size (its fills name the leg).
    """
    legs: dict[Side, Decimal] = {"long": Decimal(0), "short": Decimal(0)}
    for fill in fills:
        if fill.at < at or (include and fill.at == at):
            if mode == "hedge":
                leg: Side = fill.position_side  # type: ignore[assignment]  # checked by caller
                legs[leg] += fill.size if fill.side == leg else -fill.size
            else:
                legs["long"] += side_sign(fill.side) * fill.size
    if mode == "one_way" and legs["long"] < 0:
        legs = {"long": Decimal(0), "short": -legs["long"]}
    return legs


def check_fills(fills: Iterable[Fill], mode: PositionMode) -> tuple[Fill, ...]:
    """The fills as a tuple, each a :class:`Fill` naming a leg exactly in hedge mode."""
    raw: object = fills
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        msg = f"fills must be an iterable of Fill, got {fills!r}"
        raise InvalidInputError(msg)
    out = tuple(raw)
    for i, fill in enumerate(out):
        require(fill, Fill, f"fills[{i}]")
        if (fill.position_side is None) == (mode == "hedge"):
            need = "a position_side" if mode == "hedge" else "no position_side"
            msg = f"fills[{i}] must name {need} in {mode!r} mode, got {fill.position_side!r}"
            raise InvalidInputError(msg)
    return out


@exact
def funding_over_life(
    contract: Contract,
    fills: Iterable[Fill],
    events: Iterable[FundingEvent],
    *,
    schedule: FundingSchedule,
    position_mode: PositionMode = "one_way",
) -> FundingLife:
    r"""What a position paid or received at each settlement of its life, from its fills.

    At each settlement ``t`` the size held is derived from the fills (before ``t``, and
    at ``t`` when the schedule's order is ``"fills_first"``), the rate is clamped to the
    schedule's ``[floor, cap]``, and each leg held pays

    .. math::

        F_t = s \cdot notional(MP_t) \cdot clamp(r_t), \qquad F = \sum_t F_t

    Args:
        contract: the :class:`Contract`.
        fills: the position's :class:`Fill` objects (any order).
        events: the :class:`FundingEvent` settlements (each at a settlement instant of
            ``schedule``).
        schedule: the symbol's :class:`FundingSchedule`.
        position_mode: a :data:`PositionMode`; in hedge mode every fill names its leg.

    Returns:
        A :class:`FundingLife`: the charges in time order (legs of no size are skipped)
        and their total, in quote (linear) or coin (inverse); positive is paid.

    Raises:
        InvalidInputError: for a bad contract, fill, event or schedule, an event off the
            schedule, or a fill that does not name its leg in hedge mode (or does in
            one-way mode).

    References:
        Binance, "Introduction to Binance Futures Funding Rates" (positions open at the
        funding time pay or receive); :ref:`rule-funding` [published]; the order at the
        instant [derived, per venue in :ref:`rule-funding`].

    Examples:
        >>> from datetime import datetime, timedelta, timezone
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
        >>> life = funding_over_life(
        ...     btc,
        ...     [Fill(at=t - timedelta(hours=1), side="long", size=2, price=40_000)],
        ...     [FundingEvent(at=t, rate="0.0001", mark_price=40_000)],
        ...     schedule=FundingSchedule(interval=timedelta(hours=8)),
        ... )
        >>> life.total
        Decimal('8.0000')

    .. versionadded:: 0.2.0
    """
    contract = require(contract, Contract, "contract")
    schedule = require(schedule, FundingSchedule, "schedule")
    mode = choice(position_mode, PositionMode, "position_mode")
    fills = check_fills(fills, mode)
    raw: object = events
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        msg = f"events must be an iterable of FundingEvent, got {events!r}"
        raise InvalidInputError(msg)
    checked = [require(e, FundingEvent, f"events[{i}]") for i, e in enumerate(raw)]
    for i, event in enumerate(checked):
        if not schedule.is_settlement(event.at):
            msg = f"events[{i}] must be at a settlement instant of the schedule, got {event.at!r}"
            raise InvalidInputError(msg)
    charges: list[FundingCharge] = []
    include = schedule.at_settlement == "fills_first"
    for event in sorted(checked, key=lambda e: e.at):
        rate = schedule.clamp(event.rate)
        legs = held_at(fills, event.at, mode=mode, include=include)
        for side in SIDES:
            size = legs[side]
            if size > 0:
                charges.append(
                    FundingCharge(
                        at=event.at,
                        side=side,
                        size=size,
                        mark_price=event.mark_price,
                        rate=rate,
                        payment=payment(contract, side, size, event.mark_price, rate),
                    )
                )
    return FundingLife(charges=tuple(charges), total=sum((c.payment for c in charges), Decimal(0)))


@exact
def funding_break_even_price(
    position: Position,
    *,
    open_fee_rate: NumberLike,
    close_fee_rate: NumberLike,
    funding_paid: NumberLike,
) -> Decimal | None:
    r"""The exit price at which the PnL pays the fees and the funding paid so far.

    Solving ``net(P) = F`` (``F`` the funding paid, negative when received) with the one
    exit-price inversion of :ref:`rule-futures-margin-pnl`:

    .. math::

        X = x_e \, \frac{F/(Q x_e) + k s + f_o}{k s - f_c}

    ``F = 0`` is :func:`~levrisk.futures.break_even_price`.

    Args:
        position: the :class:`Position`.
        open_fee_rate: ``f_o`` in [0, 1).
        close_fee_rate: ``f_c`` in [0, 1).
        funding_paid: ``F``, the funding paid over the position's life (quote linear,
            coin inverse; negative: received), e.g. ``FundingLife.total``.

    Returns:
        The price, or ``None`` when no positive price recovers it (a short that received
        more funding than its entry notional can lose cannot break even "down").

    Raises:
        InvalidInputError: for a bad position, fee rate or amount.

    References:
        :ref:`rule-funding` [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size=1, entry_price=40_000, leverage=10)
        >>> funding_break_even_price(pos, open_fee_rate=0, close_fee_rate=0, funding_paid=12)
        Decimal('40012')

    .. versionadded:: 0.2.0
    """
    position = require(position, Position, "position")
    fo = fee_rate(open_fee_rate, "open_fee_rate")
    fc = fee_rate(close_fee_rate, "close_fee_rate")
    paid = to_decimal(funding_paid, name="funding_paid")
    gain, per = pnl_share(position, paid)
    return exit_price(position, gain=gain, per=per, fees=(fo, fc))
