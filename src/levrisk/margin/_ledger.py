r"""A loan's life in spot margin: borrows, repayments and interest accruals (:ref:`rule-ledger`).

Each borrow is a tranche accruing from its own instant by :func:`~levrisk.interest.loan_state`;
a repayment pays the oldest tranche first, its interest before its principal.

Private: :mod:`levrisk.margin` will re-export the public names (``Borrow``,
``LoanLedgerState``, ``loan_ledger``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from levrisk._fields import aware_datetime, entries, number, positive, require
from levrisk._typing import InterestCounting, choice
from levrisk.exceptions import InvalidInputError
from levrisk.interest import LoanState, RateSchedule, Repayment, loan_state
from levrisk.numbers import NumberLike, exact

_ZERO = Decimal(0)


def _aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    aware_datetime(value, attribute.name)


@attrs.frozen(kw_only=True)
class Borrow:
    """A borrow of ``amount`` (in the borrowed asset) at ``at``.

    Args:
        at: the instant, aware.
        amount: > 0.

    Raises:
        InvalidInputError: for a field out of its domain.

    Examples:
        >>> from datetime import datetime, timezone
        >>> borrow = Borrow(at=datetime(2024, 5, 1, tzinfo=timezone.utc), amount=100)
        >>> borrow.amount, borrow.at.hour
        (Decimal('100'), 0)

    .. versionadded:: 0.2.0
    """

    at: datetime = attrs.field(validator=_aware)
    amount: Decimal = attrs.field(converter=number, validator=positive)


@attrs.frozen
class _Tranche:
    borrow: Borrow
    repayments: list[Repayment] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class LoanLedgerState:
    """The loan after one event (a :class:`Borrow`, a ``Repayment``, or an observation).

    Args:
        at: the instant.
        event: the event applied, or ``None`` for an observation instant.
        principal: the principal outstanding.
        interest_outstanding: interest accrued and not repaid.
        interest_accrued: all interest accrued so far (repaid or not).

    .. versionadded:: 0.2.0
    """

    at: datetime
    event: Borrow | Repayment | None
    principal: Decimal
    interest_outstanding: Decimal
    interest_accrued: Decimal

    @property
    @exact
    def owed(self) -> Decimal:
        """Principal plus outstanding interest: what repaying in full costs now."""
        return self.principal + self.interest_outstanding


@exact
def loan_ledger(
    events: Iterable[Borrow | Repayment],
    schedule: RateSchedule | NumberLike,
    *,
    observe: Iterable[datetime] = (),
    counting: InterestCounting = "binance",
) -> tuple[LoanLedgerState, ...]:
    r"""Replay a margin loan through borrows, repayments and accruals; the state after each.

    Each borrow ``j`` accrues from its own instant ``t_j``; at an instant ``t`` the loan
    owes the sum of the tranches' states:

    .. math::

        P(t) = \sum_{t_j \le t} P_j(t), \qquad I(t) = \sum_{t_j \le t} I_j(t)

    with ``P_j``, ``I_j`` from :func:`~levrisk.interest.loan_state`. A repayment pays the
    oldest tranche first (its interest, then its principal), then the next.

    Args:
        events: :class:`Borrow` and :class:`~levrisk.interest.Repayment` objects in time
            order (the first a borrow).
        schedule: a :class:`~levrisk.interest.RateSchedule` or a constant hourly rate.
        observe: extra instants to report (e.g. every accrual hour), each after the
            first borrow.
        counting: the venue's :data:`~levrisk.interest.InterestCounting` rule.

    Returns:
        One :class:`LoanLedgerState` per event and observation, in time order (an
        observation at an event's instant comes after it).

    Raises:
        InvalidInputError: for a bad event or schedule, events out of order, a first
            event that is not a borrow, an observation before it, or a repayment above
            what is owed.

    References:
        Binance margin FAQs on interest and on repayment (interest first);
        :ref:`rule-interest` [published]; :ref:`rule-ledger` (oldest tranche first)
        [derived].

    Examples:
        >>> from datetime import datetime, timezone
        >>> utc = timezone.utc
        >>> states = loan_ledger(
        ...     [
        ...         Borrow(at=datetime(2024, 5, 1, 13, 55, tzinfo=utc), amount=1000),
        ...         Repayment(at=datetime(2024, 5, 1, 14, 30, tzinfo=utc), amount="500.02"),
        ...     ],
        ...     "0.00001",
        ...     observe=[datetime(2024, 5, 1, 16, 30, tzinfo=utc)],
        ... )
        >>> states[-1].principal, states[-1].interest_accrued
        (Decimal('500.00000'), Decimal('0.0300000000'))

    .. versionadded:: 0.2.0
    """
    counting = choice(counting, InterestCounting, "counting")
    items = _events(events)
    instants = sorted(aware_datetime(t, f"observe[{i}]") for i, t in enumerate(observe))
    if instants and instants[0] < items[0].at:
        msg = f"observe must not be before the first borrow {items[0].at!r}, got {instants[0]!r}"
        raise InvalidInputError(msg)
    timeline: list[tuple[datetime, int, Borrow | Repayment | None]] = [
        (event.at, 0, event) for event in items
    ]
    timeline += [(t, 1, None) for t in instants]
    timeline.sort(key=lambda row: (row[0], row[1]))
    tranches: list[_Tranche] = []
    states: list[LoanLedgerState] = []
    for at, _, event in timeline:
        if isinstance(event, Borrow):
            tranches.append(_Tranche(event))
        elif isinstance(event, Repayment):
            _repay(tranches, event, schedule, counting)
        principal = outstanding = accrued = _ZERO
        for tranche in tranches:
            state = _state(tranche, schedule, at, counting)
            principal += state.principal
            outstanding += state.interest_outstanding
            accrued += state.interest_accrued
        states.append(
            LoanLedgerState(
                at=at,
                event=event,
                principal=principal,
                interest_outstanding=outstanding,
                interest_accrued=accrued,
            )
        )
    return tuple(states)


def _events(events: Iterable[Borrow | Repayment]) -> tuple[Borrow | Repayment, ...]:
    """The events, checked: borrows and repayments in time order, a borrow first."""
    msg = f"events must be an iterable of Borrow or Repayment, got {events!r}"
    items = tuple(entries(events, msg))
    for i, event in enumerate(items):
        if not isinstance(event, (Borrow, Repayment)):
            msg = f"events[{i}] must be a Borrow or a Repayment, got {event!r}"
            raise InvalidInputError(msg)
        if i and event.at < items[i - 1].at:
            msg = f"events[{i}] must not be before events[{i - 1}], got {event.at!r}"
            raise InvalidInputError(msg)
    if not items or not isinstance(items[0], Borrow):
        msg = f"events must start with a Borrow, got {items[:1]!r}"
        raise InvalidInputError(msg)
    return items


def _state(
    tranche: _Tranche, schedule: RateSchedule | NumberLike, at: datetime, counting: InterestCounting
) -> LoanState:
    """The tranche's :class:`~levrisk.interest.LoanState` at ``at``."""
    return loan_state(
        tranche.borrow.amount,
        schedule,
        tranche.borrow.at,
        at,
        repayments=tranche.repayments,
        counting=counting,
    )


def _repay(
    tranches: list[_Tranche],
    repayment: Repayment,
    schedule: RateSchedule | NumberLike,
    counting: InterestCounting,
) -> None:
    """Allocate ``repayment`` to the tranches, oldest first."""
    left = require(repayment, Repayment, "repayment").amount
    for tranche in tranches:
        owed = _state(tranche, schedule, repayment.at, counting).owed
        pay = min(left, owed)
        if pay > 0:
            tranche.repayments.append(Repayment(at=repayment.at, amount=pay))
            left -= pay
    if left > 0:
        msg = (
            f"repayment at {repayment.at.isoformat()} must not exceed what is owed, "
            f"got {repayment.amount!r} ({left!r} too much)"
        )
        raise InvalidInputError(msg)
