r"""ccxt interop: ccxt's unified structures in, levrisk value objects out.

`ccxt <https://github.com/ccxt/ccxt>`_ normalises many exchanges' responses into unified
dicts. levrisk never imports ccxt: pass the dicts ccxt returns.

**Leverage tiers** (``exchange.fetch_market_leverage_tiers(symbol)``, or one symbol's list
from ``fetch_leverage_tiers()``): a list of
``{"tier", "currency", "minNotional", "maxNotional", "maintenanceMarginRate",
"maxLeverage", "info"}``. :func:`brackets_from_leverage_tiers` reads them into a
:class:`~levrisk.brackets.BracketTable`, deriving the maintenance amounts by the recursion
of FORMULAS.md §1 (ccxt drops the exchange's amount column). The unit of the notional is
whatever ccxt reports for the venue (``currency``): quote for Binance USDⓈ-M, coin for
COIN-M, contracts for OKX.
"""

from __future__ import annotations

from collections.abc import Mapping

from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._payload import Json, OnMismatch, TierRow
from levrisk.numbers import exact

__all__ = ["brackets_from_leverage_tiers"]


@exact
def brackets_from_leverage_tiers(
    tiers: Json, *, symbol: str | None = None, on_mismatch: OnMismatch = "raise"
) -> BracketTable:
    r"""Build a table from ccxt's unified leverage-tiers structure.

    .. math::

        floor_k = minNotional_k = maxNotional_{k-1}, \qquad cap_k = maxNotional_k

    Args:
        tiers: a list of ccxt tier dicts of one market, or the dict ``{symbol: list}``
            that ``fetch_leverage_tiers()`` returns (then ``symbol`` picks one).
        symbol: the ccxt symbol (``"BTC/USDT:USDT"``) to take from a dict.
        on_mismatch: accepted for symmetry with the other parsers (ccxt gives no
            amounts, they are always derived).

    Returns:
        The validated table.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path),
            or a dict without ``symbol`` or without that symbol.
        BracketError: unsorted, overlapping or gapped tiers, or invalid rates.

    References:
        ccxt Manual, "Leverage Tiers Structure"; FORMULAS.md §1 [published].

    Examples:
        >>> table = brackets_from_leverage_tiers(
        ...     [
        ...         {
        ...             "tier": 1,
        ...             "currency": "USDT",
        ...             "minNotional": 0,
        ...             "maxNotional": 50000,
        ...             "maintenanceMarginRate": 0.004,
        ...             "maxLeverage": 125,
        ...             "info": {},
        ...         },
        ...         {
        ...             "tier": 2,
        ...             "currency": "USDT",
        ...             "minNotional": 50000,
        ...             "maxNotional": 250000,
        ...             "maintenanceMarginRate": 0.005,
        ...             "maxLeverage": 100,
        ...             "info": {},
        ...         },
        ...     ]
        ... )
        >>> table.brackets[1].maintenance_amount
        Decimal('50.000')

    .. versionadded:: 0.1.0
    """
    where = "tiers"
    if isinstance(tiers, Mapping):
        if not isinstance(symbol, str):
            msg = f"symbol must name one market of the tiers dict, got {symbol!r}"
            raise InvalidInputError(msg)
        if symbol not in tiers:
            msg = f"tiers has no market {symbol!r}"
            raise InvalidInputError(msg)
        tiers, where = tiers[symbol], f"tiers[{symbol!r}]"
    rows: list[TierRow] = []
    for i, raw in enumerate(_payload.as_list(tiers, where=where)):
        at = f"{where}[{i}]"
        obj = _payload.as_mapping(raw, where=at)
        rows.append(
            TierRow(
                where=at,
                floor=_payload.number(obj, "minNotional", where=at),
                cap=_payload.number(obj, "maxNotional", where=at),
                maintenance_rate=_payload.number(obj, "maintenanceMarginRate", where=at),
                max_leverage=_payload.number(obj, "maxLeverage", where=at),
                floor_name="minNotional",
                cap_name="maxNotional",
            )
        )
    return _payload.table_from_tiers(rows, where=where, on_mismatch=on_mismatch)
