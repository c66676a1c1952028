r"""Bitget: USDT-M perpetual futures — its rule, position tiers and a dated tier snapshot.

Bitget reserves the fee to close at the liquidation price, valued at mark, and values the
maintenance margin at mark: Gate's condition (:mod:`levrisk.exchanges.gate` states it)
[derived from Bitget's help pages]. This module holds the venue's name, its rule
(:func:`liquidation_rule`), the reader of its ``query-position-lever`` tiers
(:func:`position_tiers_from_payload`) and the tiers of the API's own example
(:data:`BTCUSDT_TIERS`); the algebra lives in ``levrisk.futures``.

Sources: Bitget Help, "Liquidation price" (USDT-M futures); Bitget API v2, "Get Position
Tier" (``GET /api/v2/mix/market/query-position-lever``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from levrisk._typing import OnMismatch
from levrisk.brackets import BracketTable, TierMaintenance
from levrisk.exchanges import _payload
from levrisk.exchanges._payload import Json
from levrisk.exchanges._rules import with_fee
from levrisk.futures import LiquidationRule
from levrisk.numbers import NumberLike, exact

__all__ = [
    "BTCUSDT_TIERS",
    "BTCUSDT_TIERS_SOURCE",
    "VENUE",
    "liquidation_rule",
    "position_tiers_from_payload",
]


@exact
def liquidation_rule(*, fee_rate: NumberLike) -> LiquidationRule:
    r"""Bitget's rule: ``M + s·Q·(P − EP) = m·Q·P − D + c·Q·P``, the close fee at mark.

    ``fee_rate`` is the taker fee rate ``c`` in [0, 1) (0 gives Binance's fee-less rule),
    for the isolated and cross solvers; an ``InvalidInputError`` outside [0, 1).
    Source: Bitget Help, "Liquidation price" (USDT-M futures); :ref:`rule-venues`
    [derived].

    Examples:
        >>> liquidation_rule(fee_rate="0.0006").fee_rate
        Decimal('0.0006')

    .. versionadded:: 0.1.0
    """
    return with_fee(fee_rate)


VENUE: Final = "Bitget"
"""The venue's name, as reports show it."""


def _entries(payload: Json) -> tuple[list[tuple[str, Mapping[str, Json]]], str]:
    """The tier objects of the response (``{"data": [...]}``) or of its ``data`` list."""
    if isinstance(payload, Mapping) and "data" in payload:
        return _payload.objects(payload["data"], where="payload.data"), "payload.data"
    return _payload.objects(payload, where="payload"), "payload"


@exact
def position_tiers_from_payload(
    payload: Json, *, on_mismatch: OnMismatch = "keep", maintenance: TierMaintenance = "marginal"
) -> BracketTable:
    r"""Parse Bitget's position tiers (``query-position-lever``) into a bracket table.

    Each tier gives ``startUnit``/``endUnit`` (the position value, quote for USDT-M),
    ``leverage`` (the tier's maximum) and ``keepMarginRate`` (the maintenance rate).
    Bitget publishes no deduction. Positions opened from 2025-11-10 08:00 UTC pay each
    slice of their value at its tier's rate (``maintenance="marginal"``, the default:
    the deduction of the recursion of :ref:`rule-brackets`); positions opened before pay
    the rate of their tier on the whole value (``"whole"``) [published,
    :ref:`rule-tier-maintenance`].

    .. math::

        D_k = D_{k-1} + \text{startUnit}_k \cdot (m_k - m_{k-1})

    Args:
        payload: the decoded response, or its ``data`` list (one symbol's tiers).
        on_mismatch: kept for the shape of the other parsers (Bitget sends no amounts).
        maintenance: a ``levrisk.brackets.TierMaintenance``: ``"marginal"`` (default)
            or ``"whole"`` (a position opened before 2025-11-10).

    Returns:
        The ``levrisk.brackets.BracketTable``.

    Raises:
        InvalidInputError: for a payload of another shape or a bad number.
        BracketError: for tiers that are unsorted, overlap or leave a gap.

    References:
        Bitget API v2, "Get Position Tier"
        (https://www.bitget.com/api-doc/contract/position/Get-Query-Position-Lever);
        Bitget, "Bitget to update maintenance margin calculation for classic account
        futures" (https://www.bitget.com/support/articles/12560603841952);
        :ref:`rule-tier-maintenance` [published].

    Examples:
        The endpoint's documented response:

        >>> table = position_tiers_from_payload(
        ...     {
        ...         "code": "00000",
        ...         "msg": "success",
        ...         "requestTime": 1695796884470,
        ...         "data": [
        ...             {
        ...                 "symbol": "BTCUSDT",
        ...                 "level": "1",
        ...                 "startUnit": "0",
        ...                 "endUnit": "50000",
        ...                 "leverage": "125",
        ...                 "keepMarginRate": "0.004",
        ...             },
        ...             {
        ...                 "symbol": "BTCUSDT",
        ...                 "level": "2",
        ...                 "startUnit": "50000",
        ...                 "endUnit": "200000",
        ...                 "leverage": "100",
        ...                 "keepMarginRate": "0.005",
        ...             },
        ...         ],
        ...     }
        ... )
        >>> table.brackets[1].maintenance_amount, table.max_leverage(60000)
        (Decimal('50.000'), Decimal('100'))

    .. versionadded:: 0.2.0
    """
    entries, where = _entries(payload)
    rows = [
        _payload.tier_row(
            obj,
            where=at,
            floor="startUnit",
            cap="endUnit",
            maintenance_rate="keepMarginRate",
            max_leverage="leverage",
        )
        for at, obj in entries
    ]
    return _payload.table_from_tiers(
        rows, where=where, on_mismatch=on_mismatch, maintenance=maintenance
    )


BTCUSDT_TIERS_SOURCE: Final = (
    'Bitget API v2, "Get Position Tier" — the documented response example '
    "(requestTime 1695796884470, 2023-09-27); its first two tiers only"
)
"""Where :data:`BTCUSDT_TIERS` comes from, and its date."""

BTCUSDT_TIERS: Final[BracketTable] = BracketTable.from_rates(
    caps=[Decimal(50_000), Decimal(200_000)],
    maintenance_rates=[Decimal("0.004"), Decimal("0.005")],
    max_leverages=[Decimal(125), Decimal(100)],
)
"""BTCUSDT's first two tiers as Bitget's API documentation shows them (a dated snapshot,
:data:`BTCUSDT_TIERS_SOURCE`; positions above 200,000 USDT need the live table)."""
