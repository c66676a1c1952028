r"""OKX: close fee at mark, OKX's margin ratio, tiers in contracts — presets and parsers.

**Rule.** :func:`liquidation_rule` values the maintenance margin at mark and puts the
close fee at mark in the condition [derived]; interest is charged on the clock hour
(:data:`INTEREST_COUNTING`).

**Position tiers.** OKX's ``GET /api/v5/public/position-tiers`` counts tiers in
*contracts* (``minSz``/``maxSz``), not in notional, so the tier of a position depends on
its size, not on the price. :func:`position_tiers_from_payload` turns them into a
:class:`~levrisk.brackets.BracketTable` whose unit is contracts times ``ct_val`` (the
instrument's ``ctVal``: the base coin for USDT-margined swaps such as BTC-USDT-SWAP, 0.01
BTC per contract; USD for inverse swaps such as BTC-USD-SWAP, 100 USD per contract).
OKX writes ``minSz`` of a tier as the previous ``maxSz`` or one contract above it; both
are read as contiguous (floor = previous ``maxSz``).

Because these tiers count size, not value, the table is **not** in the unit that
``levrisk.futures.Contract`` expects (quote notional for linear, coin notional for
inverse contracts): use it to look up a position's tier, rates and max leverage by size
(``table.bracket_for(contracts * ct_val)``), then solve with a one-bracket table at that
tier's rate. A solver that tiers by size directly is not part of levrisk yet.

**OKX's margin ratio points the other way.** Binance and Bybit show
``MM ÷ equity`` (liquidation at 100%, higher is riskier); OKX shows
``equity ÷ (MM + liquidation fee)`` (liquidation at or below 100%, **higher is safer**).
:func:`equity_to_maintenance_ratio` computes OKX's figure under a name that cannot be
mistaken for Binance's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final, Literal

from levrisk._fields import non_negative_number, positive_number
from levrisk._typing import Side, choice, side_sign
from levrisk.brackets import BracketTable
from levrisk.exceptions import BracketError, InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._okx_unified import (
    MULTI_CURRENCY_THRESHOLDS,
    OkxBalanceDetail,
    OkxBalanceReport,
    balance_report_from_payload,
    multi_currency_books_from_payload,
    multi_currency_positions_from_payload,
    reconcile_balance,
)
from levrisk.exchanges._payload import Json, OnMismatch, TierRow
from levrisk.exchanges._rules import with_fee
from levrisk.futures import LiquidationRule
from levrisk.interest import InterestCounting
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = [
    "INTEREST_COUNTING",
    "LIQUIDATION_RATIO",
    "MULTI_CURRENCY_THRESHOLDS",
    "VENUE",
    "OkxBalanceDetail",
    "OkxBalanceReport",
    "balance_report_from_payload",
    "equity_to_maintenance_ratio",
    "liquidation_rule",
    "multi_currency_books_from_payload",
    "multi_currency_positions_from_payload",
    "position_tiers_from_payload",
    "reconcile_balance",
    "reported_liquidation_price",
]

VENUE: Final = "OKX"
"""The venue's name, as reports show it."""


@exact
def liquidation_rule(*, fee_rate: NumberLike) -> LiquidationRule:
    r"""OKX's isolated rule: maintenance at mark, the close fee ``c·Q·P`` at mark [derived].

    .. math::

        LP_{long} = \frac{Q \cdot EP - M - D}{Q \cdot (1 - m - c)}, \qquad
        LP_{short} = \frac{Q \cdot EP + M + D}{Q \cdot (1 + m + c)}

    OKX liquidates when :func:`equity_to_maintenance_ratio` reaches 100%, with the
    liquidation fee (the taker fee on the position at mark) added to the maintenance
    margin; solved for the price this is the condition above.

    Args:
        fee_rate: the taker fee rate ``c`` in [0, 1).

    Returns:
        The rule, for ``levrisk.futures.isolated_liquidation_price``.

    Raises:
        InvalidInputError: when ``fee_rate`` is not a rate in [0, 1).

    References:
        OKX Help, "Margin ratio" and "Liquidation"; :ref:`rule-venues` [derived].

    Examples:
        >>> liquidation_rule(fee_rate="0.0005").close_fee
        'mark'

    .. versionadded:: 0.1.0
    """
    return with_fee(fee_rate)


LIQUIDATION_RATIO: Final = Decimal(1)
"""OKX liquidates when :func:`equity_to_maintenance_ratio` is at or below this (100%)."""


def _data(payload: Json) -> tuple[list[Json], str]:
    if isinstance(payload, Mapping) and "data" in payload:
        return list(_payload.as_list(payload["data"], where="payload.data")), "payload.data"
    return list(_payload.as_list(payload, where="payload")), "payload"


@exact
def position_tiers_from_payload(
    payload: Json,
    *,
    inst_family: str | None = None,
    ct_val: NumberLike = 1,
    on_mismatch: OnMismatch = "raise",
) -> BracketTable:
    r"""Parse OKX's position tiers into a table counted in ``contracts · ct_val``.

    Each tier gives ``minSz``/``maxSz`` (contracts), ``mmr`` (maintenance rate),
    ``imr`` (initial rate) and ``maxLever``. Edges are scaled by ``ct_val``; the
    maintenance amounts are derived by the recursion of :ref:`rule-brackets`, which keeps MM
    continuous at the edges (OKX's payload carries no amount to check them against):

    .. math::

        floor_k = ct\_val \cdot maxSz_{k-1}, \qquad cap_k = ct\_val \cdot maxSz_k

    Args:
        payload: the decoded JSON: the whole response (``{"code": "0", "data": [...]}``)
            or its ``data`` list.
        inst_family: the instrument family to keep (``"BTC-USDT"``) when the list holds
            several; matched against ``instFamily`` (or ``uly`` in older responses).
        ct_val: the contract value (``ctVal`` of the instrument), > 0; 1 keeps the table
            in contracts.
        on_mismatch: accepted for symmetry with the other parsers (OKX gives no amounts).

    Returns:
        The table, in contracts times ``ct_val``.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path),
            several families and no ``inst_family``, an unknown family, or a bad
            ``ct_val``.
        BracketError: unsorted, overlapping or gapped tiers, or invalid rates.

    References:
        OKX API v5, "Get position tiers" and "Get instruments" (``ctVal``);
        :ref:`rule-brackets` [published tiers; derived amounts].

    Examples:
        >>> table = position_tiers_from_payload(
        ...     {
        ...         "code": "0",
        ...         "msg": "",
        ...         "data": [
        ...             {
        ...                 "instFamily": "BTC-USDT",
        ...                 "tier": "1",
        ...                 "minSz": "0",
        ...                 "maxSz": "500",
        ...                 "mmr": "0.004",
        ...                 "imr": "0.01",
        ...                 "maxLever": "100",
        ...             },
        ...             {
        ...                 "instFamily": "BTC-USDT",
        ...                 "tier": "2",
        ...                 "minSz": "501",
        ...                 "maxSz": "1000",
        ...                 "mmr": "0.005",
        ...                 "imr": "0.0133",
        ...                 "maxLever": "75",
        ...             },
        ...         ],
        ...     },
        ...     ct_val="0.01",
        ... )
        >>> table.brackets[1].floor, table.brackets[1].cap
        (Decimal('5.00'), Decimal('10.00'))

    .. versionadded:: 0.1.0
    """
    size = positive_number(ct_val, "ct_val")
    inst_family = _payload.optional_text(inst_family, "inst_family")
    entries, where = _data(payload)
    objects = _payload.objects(entries, where=where)
    families = [
        _payload.text(obj, "instFamily" if _payload.has(obj, "instFamily") else "uly", where=at)
        for at, obj in objects
    ]
    if inst_family is None:
        if len(set(families)) > 1:
            msg = f"{where} holds tiers of {sorted(set(families))!r}: pass inst_family="
            raise InvalidInputError(msg)
        inst_family = families[0] if families else None
    rows: list[TierRow] = []
    for (at, obj), family in zip(objects, families, strict=True):
        if family != inst_family:
            continue
        previous = rows[-1].cap / size if rows else Decimal(0)
        low = _payload.number(obj, "minSz", where=at)
        if not previous <= low <= previous + (1 if rows else 0):
            problem = "overlap or unsorted" if low < previous else "a gap"
            msg = (
                f"{at}.minSz must be the previous maxSz {previous!r} (or one contract above), "
                f"got {low!r}: {problem}"
            )
            raise BracketError(msg)
        rows.append(
            TierRow(
                where=at,
                floor=previous * size,
                cap=_payload.number(obj, "maxSz", where=at) * size,
                maintenance_rate=_payload.number(obj, "mmr", where=at),
                max_leverage=_payload.number(obj, "maxLever", where=at),
                initial_rate=_payload.optional_number(obj, "imr", where=at),
                floor_name="minSz",
                cap_name="maxSz",
            )
        )
    if not rows:
        msg = f"{where} holds no position tiers of instFamily {inst_family!r}"
        raise InvalidInputError(msg)
    return _payload.table_from_tiers(rows, where=where, on_mismatch=on_mismatch)


@exact
def equity_to_maintenance_ratio(
    equity: NumberLike, *, maintenance_margin: NumberLike, liquidation_fee: NumberLike = 0
) -> Decimal | None:
    r"""OKX's margin ratio: equity over maintenance margin plus liquidation fee.

    .. math::

        ratio_{OKX} = \frac{equity}{MM + fee_{liq}}

    Liquidation when the ratio is at or below :data:`LIQUIDATION_RATIO` (100%); higher
    is safer. This is *not* Binance's margin ratio (``MM ÷ margin balance``, higher is
    riskier).

    Args:
        equity: margin plus unrealised PnL, in the margin currency (any sign).
        maintenance_margin: MM ≥ 0, same currency.
        liquidation_fee: the fee OKX reserves for closing, ≥ 0, same currency.

    Returns:
        The ratio as a fraction (1 is 100%), or ``None`` when ``MM + fee`` is 0 (no
        position: the ratio does not exist).

    Raises:
        InvalidInputError: when an argument is not a number, or MM or the fee is
            negative.

    References:
        OKX Help, "Margin ratio" (isolated and cross margin mode); :ref:`rule-venues`
        [published].

    Examples:
        >>> equity_to_maintenance_ratio(500, maintenance_margin=40, liquidation_fee=10)
        Decimal('10')
    """
    e = to_decimal(equity, name="equity")
    mm = non_negative_number(maintenance_margin, "maintenance_margin")
    fee = non_negative_number(liquidation_fee, "liquidation_fee")
    denominator = mm + fee
    if denominator == 0:
        return None
    return e / denominator


INTEREST_COUNTING: InterestCounting = "clock_hour"
"""OKX charges margin interest on the hour: one accrual at every UTC ``HH:00`` after
borrowing, none at borrowing (:ref:`rule-interest` [derived]). Pass it as ``counting=`` to
``levrisk.interest.accrued_interest``."""


@exact
def reported_liquidation_price(
    price: NumberLike | None, *, side: Literal["long", "short"], tick_size: NumberLike
) -> Decimal | None:
    r"""The exact liquidation price as OKX reports it (``liqPx``): one tick toward entry.

    .. math::

        liqPx = LP + s \cdot tick \quad (s = +1 \text{ long}, -1 \text{ short})

    A long's liquidation price lies below its entry and a short's above, so the shift is
    up for a long and down for a short, linear and inverse alike; the other digits are
    the formula's.

    Args:
        price: the exact liquidation price (``None``: none).
        side: the position's side.
        tick_size: the instrument's ``tickSz`` (> 0).

    Returns:
        The reported price, or ``None``.

    Raises:
        InvalidInputError: for a bad price, side or tick size.

    References:
        OKX API v5, "Get positions" (``liqPx``); checked on API responses quoted in public
        issue threads (a linear long, a linear short and an inverse short);
        :ref:`rule-rounding` [checked].

    Examples:
        >>> reported_liquidation_price("33950.45454545", side="long", tick_size="0.1")
        Decimal('33950.55454545')

    .. versionadded:: 0.2.0
    """
    s = side_sign(choice(side, Side, "side"))
    tick = positive_number(tick_size, "tick_size")
    if price is None:
        return None
    return positive_number(price, "price") + s * tick
