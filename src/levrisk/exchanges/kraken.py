r"""Kraken: spot margin fees — the opening fee and the rollover fee per 4-hour period.

Kraken charges margin fees on the amount it extends (the quote currency for a long, the
base for a short; collateral is not deducted): an **opening fee** when the position
opens, then a **rollover fee** for each 4 hours it stays open, starting after the first 4
hours [published]. The rollover rate is locked in when the order executes [published].
With ``A`` the amount extended, ``o`` the opening rate, ``r`` the rollover rate and
``n`` the rollover count,

.. math::

    \text{fees} = A \cdot (o + n \cdot r), \qquad
    n = \left\lfloor \frac{t_{until} - t_{open}}{4\,\text{h}} \right\rfloor

A rollover falls at each instant ``t_open + k·4 h`` (``k ≥ 1``) up to and including
``until``: a position closed at that very instant is charged [derived: Kraken does not
say which way the instant goes]. The count is computed in O(1).

The same instants are ``levrisk.interest``'s counting rule ``"kraken"``
(:data:`INTEREST_COUNTING`): with it, :func:`levrisk.interest.accrued_interest` and
``levrisk.margin.close`` charge the rate per 4-hour period at opening and at each
rollover, which is :func:`margin_fees` when the opening and rollover rates are equal (as
in every row of Kraken's table).

Sources: Kraken Support, "What are the fees (opening and rollover) for trading using
margin?" (https://support.kraken.com/articles/206161568, last updated 2026-02-10).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from levrisk._fields import aware_datetime, fee_rate, non_negative_number
from levrisk.exceptions import InvalidInputError
from levrisk.interest import InterestCounting
from levrisk.numbers import NumberLike, exact

__all__ = [
    "INTEREST_COUNTING",
    "MARGIN_FEE_RATES",
    "MARGIN_FEE_RATES_SOURCE",
    "ROLLOVER_PERIOD",
    "VENUE",
    "margin_fees",
    "opening_fee",
    "rollover_count",
    "rollover_fees",
]

VENUE: Final = "Kraken"
"""The venue's name, as reports show it."""

ROLLOVER_PERIOD: Final = timedelta(hours=4)
"""A rollover fee is charged for every 4 hours a margin position stays open [published]."""

INTEREST_COUNTING: InterestCounting = "kraken"
"""Kraken's counting rule for ``levrisk.interest``: at opening, then every 4 hours.

Pass it as ``counting=`` to ``levrisk.interest.accrued_interest`` or
``levrisk.margin.close`` with the rate per 4-hour period (:ref:`rule-kraken-rollover`).
"""

MARGIN_FEE_RATES_SOURCE: Final = (
    'Kraken Support, "What are the fees (opening and rollover) for trading using margin?" '
    "(https://support.kraken.com/articles/206161568): its currency table (Spanish and "
    "Portuguese editions) and, for USD, the English edition's example (2026-02-10)"
)
"""Where :data:`MARGIN_FEE_RATES` comes from."""

_BTC: Final = (Decimal("0.0001"), Decimal("0.0001"))
_FIAT: Final = (Decimal("0.00015"), Decimal("0.00015"))
_ALT: Final = (Decimal("0.0002"), Decimal("0.0002"))

MARGIN_FEE_RATES: Final[Mapping[str, tuple[Decimal, Decimal]]] = MappingProxyType(
    {
        "BTC": _BTC,
        "USD": (Decimal("0.00025"), Decimal("0.00025")),
        "GBP": _FIAT,
        "CAD": _FIAT,
        "AUD": _ALT,
        **dict.fromkeys(
            ["AAVE", "ADA", "ALGO", "APE", "APT", "ARB", "ATOM", "AVAX", "AXS", "BAT", "BCH"],
            _ALT,
        ),
        **dict.fromkeys(["BLUR", "COMP", "LINK", "TAO", "ZRX"], _ALT),
    }
)
"""``(opening rate, rollover rate per 4 hours)`` per currency extended, as Kraken's table
lists them (a dated snapshot, :data:`MARGIN_FEE_RATES_SOURCE`). Kraken's rates are
dynamic: the order form shows the rate locked in for a position; pass that one."""


def _span(opened_at: object, until: object) -> timedelta:
    start = aware_datetime(opened_at, "opened_at")
    end = aware_datetime(until, "until")
    if end < start:
        msg = f"until must not be before opened_at {start.isoformat()!r}, got {end.isoformat()!r}"
        raise InvalidInputError(msg)
    return end - start


@exact
def rollover_count(opened_at: datetime, until: datetime) -> int:
    r"""How many rollover fees fall between opening and ``until``.

    .. math::

        n = \left\lfloor \frac{t_{until} - t_{open}}{4\,\text{h}} \right\rfloor

    Args:
        opened_at: when the position opened, timezone-aware.
        until: when it closed (or now), timezone-aware, not before ``opened_at``.

    Returns:
        ``n ≥ 0``.

    Raises:
        InvalidInputError: for a naive datetime or ``until`` before ``opened_at``.

    References:
        Kraken Support, "What are the fees (opening and rollover) for trading using
        margin?"; :ref:`rule-kraken-rollover` [published; the instant itself derived].

    Examples:
        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
        >>> rollover_count(t0, datetime(2026, 1, 5, 13, 29, tzinfo=timezone.utc))
        0
        >>> rollover_count(t0, datetime(2026, 1, 6, 9, 30, tzinfo=timezone.utc))
        6

    .. versionadded:: 0.2.0
    """
    return _span(opened_at, until) // ROLLOVER_PERIOD


@exact
def opening_fee(amount: NumberLike, *, rate: NumberLike) -> Decimal:
    r"""The opening fee on the amount Kraken extends, ``A·o``.

    Args:
        amount: ``A``, the amount extended (quote for a long, base for a short), ≥ 0.
        rate: ``o``, the opening rate, a fraction in [0, 1).

    Returns:
        The fee, in the currency of ``amount``.

    Raises:
        InvalidInputError: for a negative amount or a rate outside [0, 1).

    References:
        Kraken Support, "What are the fees (opening and rollover) for trading using
        margin?"; :ref:`rule-kraken-rollover` [published].

    Examples:
        A long on BTC/USD borrowing 10,000 USD at the 0.025% of Kraken's example:

        >>> opening_fee(10_000, rate="0.00025")
        Decimal('2.50000')

    .. versionadded:: 0.2.0
    """
    return non_negative_number(amount, "amount") * fee_rate(rate, "rate")


@exact
def rollover_fees(
    amount: NumberLike, *, rate: NumberLike, opened_at: datetime, until: datetime
) -> Decimal:
    r"""The rollover fees between opening and ``until``, ``A·n·r``.

    Args:
        amount: ``A``, the amount extended, ≥ 0.
        rate: ``r``, the rollover rate per 4 hours, a fraction in [0, 1).
        opened_at: when the position opened, timezone-aware.
        until: when it closed (or now), timezone-aware.

    Returns:
        The fees, in the currency of ``amount``.

    Raises:
        InvalidInputError: for a bad amount, rate or datetime.

    References:
        Kraken Support, "What are the fees (opening and rollover) for trading using
        margin?"; :ref:`rule-kraken-rollover` [published].

    Examples:
        A BTC short of 2 BTC held for one day, at 0.01% per 4 hours:

        >>> from datetime import datetime, timezone
        >>> rollover_fees(
        ...     2,
        ...     rate="0.0001",
        ...     opened_at=datetime(2026, 1, 5, tzinfo=timezone.utc),
        ...     until=datetime(2026, 1, 6, tzinfo=timezone.utc),
        ... )
        Decimal('0.0012')

    .. versionadded:: 0.2.0
    """
    a = non_negative_number(amount, "amount")
    r = fee_rate(rate, "rate")
    return a * r * rollover_count(opened_at, until)


@exact
def margin_fees(
    amount: NumberLike,
    *,
    opening_rate: NumberLike,
    rollover_rate: NumberLike,
    opened_at: datetime,
    until: datetime,
) -> Decimal:
    r"""All margin fees of a position: the opening fee plus its rollover fees.

    .. math::

        A \cdot (o + n \cdot r)

    :func:`opening_fee` at ``opening_rate`` (``o``) plus :func:`rollover_fees` at
    ``rollover_rate`` (``r``, per 4 hours); ``amount``, ``opened_at``, ``until``, the
    result (in the currency of ``amount``) and the errors (InvalidInputError) are theirs.
    With ``o = r`` this is :func:`levrisk.interest.accrued_interest` with
    ``counting=INTEREST_COUNTING``. Source: Kraken Support, "What are the fees (opening and
    rollover) for trading using margin?"; :ref:`rule-kraken-rollover` [published].

    Examples:
        >>> from datetime import datetime, timezone
        >>> opening, rollover = MARGIN_FEE_RATES["USD"]
        >>> margin_fees(
        ...     10_000,
        ...     opening_rate=opening,
        ...     rollover_rate=rollover,
        ...     opened_at=datetime(2026, 1, 5, tzinfo=timezone.utc),
        ...     until=datetime(2026, 1, 5, 8, tzinfo=timezone.utc),
        ... )
        Decimal('7.50000')

    .. versionadded:: 0.2.0
    """
    return opening_fee(amount, rate=opening_rate) + rollover_fees(
        amount, rate=rollover_rate, opened_at=opened_at, until=until
    )
