"""Venue funding rules: interval, rate cap and floor, and the order at the settlement instant.

Rules: :ref:`rule-funding`. One section per venue; each builds a
:class:`~levrisk.futures._funding.FundingSchedule` from the venue's own API payload
(passed in as a dict: the caller does the I/O).

Private: the venue modules will re-export ``binance.funding_schedule``,
``bybit.funding_schedule``, ``okx.funding_schedule`` and the ``*_AT_SETTLEMENT`` rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple

from levrisk.exceptions import InvalidInputError
from levrisk.futures._funding import FundingSchedule, SettlementOrder
from levrisk.numbers import to_decimal

__all__: list[str] = []

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class _Venue(NamedTuple):
    """Where a venue's funding payload keeps its cap and floor, and its settlement order."""

    name: str
    cap: str
    floor: str
    order: SettlementOrder


def _field(payload: Mapping[str, Any], key: str, venue: str) -> object:
    """``payload[key]``, or InvalidInputError naming the venue's field."""
    raw: object = payload
    if not isinstance(raw, Mapping) or key not in raw:
        msg = f"a {venue} funding payload must hold {key!r}, got {payload!r}"
        raise InvalidInputError(msg)
    return raw[key]


def _count(value: object, name: str) -> int:
    """A positive whole count (hours, minutes, milliseconds) from a number or a string."""
    number = to_decimal(value, name=name)  # type: ignore[arg-type]  # checked by to_decimal
    if number <= 0 or number != number.to_integral_value():
        msg = f"{name} must be a positive whole number, got {value!r}"
        raise InvalidInputError(msg)
    return int(number)


def _whole(payload: Mapping[str, Any], key: str, venue: _Venue) -> int:
    """``payload[key]`` as a positive whole count (an error names the venue's field)."""
    return _count(_field(payload, key, venue.name), key)


def _rate(value: object, name: str) -> Decimal | None:
    """A cap or floor (``None`` or ``""``: not set)."""
    if value is None or value == "":
        return None
    return to_decimal(value, name=name)  # type: ignore[arg-type]  # checked by to_decimal


def _schedule(
    payload: Mapping[str, Any], venue: _Venue, interval: timedelta, *, anchor: datetime = _EPOCH
) -> FundingSchedule:
    """The schedule every venue's parser builds, from its interval.

    The cap and floor are read from the payload's ``venue.cap`` and ``venue.floor``
    fields; the settlement order is ``venue.order``.
    """
    return FundingSchedule(
        interval=interval,
        anchor=anchor,
        cap=_rate(payload.get(venue.cap), venue.cap),
        floor=_rate(payload.get(venue.floor), venue.floor),
        at_settlement=venue.order,
    )


# ---------------------------------------------------------------------------- Binance

BINANCE_AT_SETTLEMENT: SettlementOrder = "funding_first"
"""Binance: a position pays or receives funding only if open at the funding time
("Introduction to Binance Futures Funding Rates"); the order of a fill at the very
instant is not published (the developer forum thread "Add clear rules for funding",
https://dev.binance.vision/t/add-clear-rules-for-funding/2335, asks for one), so the
position held just before the instant is charged [derived]."""

BINANCE_DEFAULT_INTERVAL = timedelta(hours=8)
"""Binance: funding at 00:00, 08:00 and 16:00 UTC unless ``fundingInfo`` lists the symbol."""

_BINANCE = _Venue(
    "Binance", "adjustedFundingRateCap", "adjustedFundingRateFloor", BINANCE_AT_SETTLEMENT
)


def binance_funding_schedule(payload: Mapping[str, Any] | None = None) -> FundingSchedule:
    """A schedule from one item of Binance ``GET /fapi/v1/fundingInfo`` (or ``/dapi/v1``).

    The endpoint lists only symbols whose cap, floor or interval was adjusted
    (``adjustedFundingRateCap``, ``adjustedFundingRateFloor``, ``fundingIntervalHours``);
    ``None`` gives the default 8-hour schedule without a cap.

    References: Binance, "Get Funding Rate Info"
    (https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-Info);
    :ref:`rule-funding` [published].

    Examples:
        The endpoint's published response example:

        >>> schedule = binance_funding_schedule(
        ...     {
        ...         "symbol": "BLZUSDT",
        ...         "adjustedFundingRateCap": "0.02500000",
        ...         "adjustedFundingRateFloor": "-0.02500000",
        ...         "fundingIntervalHours": 8,
        ...         "disclaimer": False,
        ...     }
        ... )
        >>> schedule.interval, schedule.clamp("0.03")
        (datetime.timedelta(seconds=28800), Decimal('0.02500000'))
    """
    if payload is None:
        return FundingSchedule(
            interval=BINANCE_DEFAULT_INTERVAL, at_settlement=BINANCE_AT_SETTLEMENT
        )
    hours = _whole(payload, "fundingIntervalHours", _BINANCE)
    return _schedule(payload, _BINANCE, timedelta(hours=hours))


# ------------------------------------------------------------------------------ Bybit

BYBIT_AT_SETTLEMENT: SettlementOrder = "funding_first"
"""Bybit: a position entirely closed before the funding time neither pays nor receives
(Bybit Help Center, "Introduction to Funding Rate", not retrievable from this build; the
rule as quoted by third-party guides); the instant's order is not published, so the
position held just before it is charged [derived]."""

_BYBIT = _Venue("Bybit", "upperFundingRate", "lowerFundingRate", BYBIT_AT_SETTLEMENT)


def bybit_funding_schedule(instrument: Mapping[str, Any]) -> FundingSchedule:
    """A schedule from one item of Bybit ``GET /v5/market/instruments-info`` (linear, inverse).

    ``fundingInterval`` is in minutes; ``upperFundingRate`` and ``lowerFundingRate`` are
    the cap and floor.

    References: Bybit V5 API, "Get Instruments Info"
    (https://bybit-exchange.github.io/docs/v5/market/instrument); :ref:`rule-funding`
    [published].

    Examples:
        >>> bybit_funding_schedule({"fundingInterval": 240, "upperFundingRate": "0.005"}).interval
        datetime.timedelta(seconds=14400)
    """
    minutes = _whole(instrument, "fundingInterval", _BYBIT)
    return _schedule(instrument, _BYBIT, timedelta(minutes=minutes))


# -------------------------------------------------------------------------------- OKX

OKX_AT_SETTLEMENT: SettlementOrder = "funding_first"
"""OKX: funding is charged on positions held at the funding time (OKX Help, "Funding
rate", not retrievable from this build); the instant's order is not published, so the
position held just before it is charged [derived]."""

_OKX = _Venue("OKX", "maxFundingRate", "minFundingRate", OKX_AT_SETTLEMENT)


def okx_funding_schedule(item: Mapping[str, Any]) -> FundingSchedule:
    """A schedule from one item of OKX ``GET /api/v5/public/funding-rate``.

    The interval is ``nextFundingTime − fundingTime`` (milliseconds), anchored at
    ``fundingTime``; ``maxFundingRate`` and ``minFundingRate`` are the cap and floor.

    References: OKX API v5, "Get funding rate"
    (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate);
    :ref:`rule-funding` [published].

    Examples:
        >>> okx_funding_schedule(
        ...     {"fundingTime": "1704096000000", "nextFundingTime": "1704124800000"}
        ... ).interval
        datetime.timedelta(seconds=28800)
    """
    at = _whole(item, "fundingTime", _OKX)
    following = _whole(item, "nextFundingTime", _OKX)
    if following <= at:
        msg = f"nextFundingTime must be after fundingTime {at!r}, got {following!r}"
        raise InvalidInputError(msg)
    return _schedule(
        item,
        _OKX,
        timedelta(milliseconds=following - at),
        anchor=_EPOCH + timedelta(milliseconds=at),
    )
