r"""A fills ledger for futures positions: the state after every fill, funding and transfer.

Rules: :ref:`rule-ledger`. One-way and hedge mode, linear and inverse, isolated margin.

Private: :mod:`levrisk.futures` will re-export the public names (``MarginTransfer``,
``LegState``, ``LedgerState``, ``LedgerEvent``, ``replay``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TypeAlias

import attrs

from levrisk import _algebra
from levrisk._fields import finite, number, require
from levrisk._typing import PositionMode, Side, choice
from levrisk.exceptions import InvalidInputError
from levrisk.futures._funding import (
    SIDES,
    Fill,
    FundingEvent,
    aware,
    check_fills,
    leg_side,
    payment,
)
from levrisk.futures._liquidation import _terms, checked_rule
from levrisk.futures._model import Contract, LiquidationRule, Position
from levrisk.futures._pnl import average_entry_price
from levrisk.futures._walk import solved_price
from levrisk.numbers import NumberLike, exact, to_decimal

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class MarginTransfer:
    """Isolated margin added (``amount > 0``) to or removed (``< 0``) from a position.

    Args:
        at: the instant, aware.
        amount: the change, nonzero (quote linear, coin inverse).
        position_side: in hedge mode, the leg (``"long"`` or ``"short"``); ``None`` in
            one-way mode.

    Raises:
        InvalidInputError: for a field out of its domain.

    Examples:
        >>> from datetime import datetime, timezone
        >>> MarginTransfer(at=datetime(2024, 1, 1, tzinfo=timezone.utc), amount=-5).amount
        Decimal('-5')

    .. versionadded:: 0.2.0
    """

    at: datetime = attrs.field(validator=aware)
    amount: Decimal = attrs.field(converter=number, validator=finite)
    position_side: Side | None = attrs.field(default=None, validator=leg_side)

    @amount.validator
    def _nonzero(self, _attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        if value == 0:
            msg = f"amount must not be 0, got {value!r}"
            raise InvalidInputError(msg)


LedgerEvent: TypeAlias = Fill | FundingEvent | MarginTransfer
"""What a ledger applies: a :class:`Fill`, a :class:`FundingEvent` or a :class:`MarginTransfer`."""


@attrs.frozen(kw_only=True)
class LegState:
    """One open position (one leg in hedge mode) after a ledger event.

    Args:
        side: its :data:`Side`.
        size: > 0.
        entry_price: the average entry (by quantity linear, harmonic inverse).
        margin: its isolated wallet (initial margins of the fills, less the share
            released by reductions, less funding paid, plus transfers).
        liquidation_price: the isolated liquidation price at that margin (``None``: none).

    .. versionadded:: 0.2.0
    """

    side: Side
    size: Decimal
    entry_price: Decimal
    margin: Decimal
    liquidation_price: Decimal | None


@attrs.frozen(kw_only=True)
class LedgerState:
    """The position(s) after one ledger event, and the running totals.

    Args:
        at: the event's instant.
        event: the event applied.
        positions: the open legs (none when flat; at most one in one-way mode, a long
            and a short in hedge mode), longs first.
        realized_pnl: the PnL realised so far, before fees and funding.
        fees: the trading fees paid so far.
        funding: the funding paid so far (negative: received).

    Amounts are in quote (linear) or coin (inverse).

    .. versionadded:: 0.2.0
    """

    at: datetime
    event: Fill | FundingEvent | MarginTransfer
    positions: tuple[LegState, ...]
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal

    @property
    @exact
    def net_pnl(self) -> Decimal:
        """``realized_pnl − fees − funding``: what the events added to the wallet."""
        return self.realized_pnl - self.fees - self.funding


@attrs.frozen
class Book:
    """The open legs of one symbol as ``side → (size, entry, margin)`` (internal)."""

    contract: Contract
    leverage: Decimal
    legs: dict[Side, tuple[Decimal, Decimal, Decimal]] = attrs.field(factory=dict)

    def fill(self, leg: Side, side: Side, size: Decimal, price: Decimal, *, flip: bool) -> Decimal:
        """Apply a fill to ``leg``; return the realised PnL (flip: one-way past zero)."""
        kind = self.contract.kind
        cs = self.contract.contract_size
        if leg not in self.legs:
            self.legs[leg] = (
                size,
                price,
                _algebra.notional(kind, size * cs, price) / self.leverage,
            )
            return _ZERO
        held, entry, margin = self.legs[leg]
        if side == leg:
            im = _algebra.notional(kind, size * cs, price) / self.leverage
            average = average_entry_price([(held, entry), (size, price)], kind=kind)
            self.legs[leg] = (held + size, average, margin + im)
            return _ZERO
        closed = min(size, held)
        if size > held and not flip:
            msg = f"a fill must not reduce the {leg} leg of {held} by more, got {size}"
            raise InvalidInputError(msg)
        realized = _algebra.pnl(kind, leg, closed * cs, entry, price)
        del self.legs[leg]
        if closed < held:
            self.legs[leg] = (held - closed, entry, margin * (held - closed) / held)
        elif size > held:
            self.fill(side, side, size - held, price, flip=False)
        return realized

    def states(self, rule: LiquidationRule) -> tuple[LegState, ...]:
        """The legs as :class:`LegState`, longs first, each with its liquidation price."""
        condition = _terms(checked_rule(rule))
        out = []
        for side in SIDES:
            if side in self.legs:
                size, entry, margin = self.legs[side]
                position = Position(
                    contract=self.contract,
                    side=side,
                    size=size,
                    entry_price=entry,
                    leverage=self.leverage,
                )
                out.append(
                    LegState(
                        side=side,
                        size=size,
                        entry_price=entry,
                        margin=margin,
                        liquidation_price=solved_price(position, margin, condition),
                    )
                )
        return tuple(out)


def leg_of(mode: PositionMode, book: Book, side: Side, named: Side | None) -> Side:
    """The leg a fill or transfer applies to (one-way: the open leg, else the fill's side)."""
    if mode == "hedge":
        return named  # type: ignore[return-value]  # checked: hedge events name their leg
    return next(iter(book.legs), side)


@exact
def replay(
    contract: Contract,
    events: Iterable[Fill | FundingEvent | MarginTransfer],
    *,
    leverage: NumberLike,
    position_mode: PositionMode = "one_way",
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
) -> tuple[LedgerState, ...]:
    r"""Apply fills, funding settlements and margin transfers; the state after each.

    Per leg of side ``S`` (size ``q``, entry ``e``, isolated margin ``M``), a fill of
    size ``n`` at ``p``:

    - increase (the fill's side is ``S``): ``x_e ← (q x_e + n x_p)/(q + n)`` with
      ``x = P`` (linear) or ``1/P`` (inverse), ``M ← M + notional(n, p)/L``;
    - reduce (``n ≤ q``): realised ``k s Q_n (x_p − x_e)``, ``M ← M (q − n)/q``;
    - flip (one-way, ``n > q``): close ``q``, then open ``n − q`` on the fill's side.

    Every fill pays ``f · notional(n, p)``; a funding settlement ``s·notional(MP)·r``
    from each leg's margin; a transfer adds to (removes from) the leg's margin. The
    liquidation price after each event is :func:`~levrisk.futures.isolated_liquidation_price`
    at the leg's margin.

    Args:
        contract: the :class:`Contract`.
        events: :class:`Fill`, :class:`FundingEvent` and :class:`MarginTransfer` objects
            in time order (equal instants in the given order).
        leverage: ``L``, the symbol's leverage (each leg's bracket must allow it).
        position_mode: a :data:`PositionMode`; hedge fills and transfers name their leg.
        rule: the venue's :class:`LiquidationRule` (default Binance).

    Returns:
        One :class:`LedgerState` per event. Trading fees and realised PnL settle to the
        wallet, funding and transfers to the isolated margin.

    Raises:
        InvalidInputError: for a bad event, events out of time order, a hedge fill that
            reduces a leg by more than its size, a transfer with no open leg, or a
            removal below zero margin.
        LeverageError: when a leg's bracket does not allow ``leverage``.

    References:
        Binance, "How to Calculate the Average Entry Price", "Realized PnL",
        "Introduction to Binance Futures Funding Rates", "How to Adjust Margin for
        Isolated Positions"; :ref:`rule-ledger` [derived from published rules].

    Examples:
        >>> from datetime import datetime, timezone
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
        >>> states = replay(
        ...     btc,
        ...     [
        ...         Fill(at=t, side="long", size=1, price=40_000),
        ...         Fill(at=t, side="short", size=3, price=42_000),
        ...     ],
        ...     leverage=10,
        ... )
        >>> states[-1].realized_pnl, states[-1].positions[0].side, states[-1].positions[0].size
        (Decimal('2000'), 'short', Decimal('2'))

    .. versionadded:: 0.2.0
    """
    contract = require(contract, Contract, "contract")
    lev = to_decimal(leverage, name="leverage")
    mode = choice(position_mode, PositionMode, "position_mode")
    require(rule, LiquidationRule, "rule")
    raw: object = events
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        msg = f"events must be an iterable of Fill, FundingEvent or MarginTransfer, got {events!r}"
        raise InvalidInputError(msg)
    items = tuple(raw)
    book = Book(contract, lev)
    realized = fees = funding = _ZERO
    states: list[LedgerState] = []
    for i, event in enumerate(items):
        if i and event.at < items[i - 1].at:
            msg = f"events[{i}] must not be before events[{i - 1}], got {event.at!r}"
            raise InvalidInputError(msg)
        if isinstance(event, Fill):
            check_fills([event], mode)
            leg = leg_of(mode, book, event.side, event.position_side)
            realized += book.fill(leg, event.side, event.size, event.price, flip=mode == "one_way")
            value = _algebra.notional(
                contract.kind, event.size * contract.contract_size, event.price
            )
            fees += event.fee_rate * value
        elif isinstance(event, FundingEvent):
            for side, (size, entry, margin) in list(book.legs.items()):
                paid = payment(contract, side, size, event.mark_price, event.rate)
                funding += paid
                book.legs[side] = (size, entry, margin - paid)
        else:
            require(event, MarginTransfer, f"events[{i}]")
            transfer(book, mode, event, i)
        states.append(
            LedgerState(
                at=event.at,
                event=event,
                positions=book.states(rule),
                realized_pnl=realized,
                fees=fees,
                funding=funding,
            )
        )
    return tuple(states)


def transfer(book: Book, mode: PositionMode, event: MarginTransfer, i: int) -> None:
    """Move isolated margin into or out of the event's leg."""
    if (event.position_side is None) == (mode == "hedge"):
        need = "a position_side" if mode == "hedge" else "no position_side"
        msg = f"events[{i}] must name {need} in {mode!r} mode, got {event.position_side!r}"
        raise InvalidInputError(msg)
    leg = leg_of(mode, book, "long", event.position_side)
    if leg not in book.legs:
        msg = f"events[{i}] moves margin of the {leg} leg, which is not open"
        raise InvalidInputError(msg)
    size, entry, margin = book.legs[leg]
    if margin + event.amount < 0:
        msg = f"events[{i}] must not remove more than the margin {margin!r}, got {event.amount!r}"
        raise InvalidInputError(msg)
    book.legs[leg] = (size, entry, margin + event.amount)
