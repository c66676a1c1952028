r"""ccxt interop: ccxt's unified structures in, levrisk value objects out.

`ccxt <https://github.com/ccxt/ccxt>`_ normalises many exchanges' responses into unified
dicts. levrisk never imports ccxt: pass the dicts ccxt returns.

**Leverage tiers** (``exchange.fetch_market_leverage_tiers(symbol)``, or one symbol's list
from ``fetch_leverage_tiers()``): a list of
``{"tier", "currency", "minNotional", "maxNotional", "maintenanceMarginRate",
"maxLeverage", "info"}``. :func:`brackets_from_leverage_tiers` reads them into a
:class:`~levrisk.brackets.BracketTable`, deriving the maintenance amounts by the recursion
of :ref:`rule-brackets` (ccxt drops the exchange's amount column). The unit of the notional is
whatever ccxt reports for the venue (``currency``): quote for Binance USDⓈ-M, coin for
COIN-M, contracts for OKX.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from levrisk._fields import require
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._payload import Json, OnMismatch
from levrisk.futures import Contract, Position
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = ["brackets_from_leverage_tiers", "position_from_ccxt"]


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

    OKX's tiers count whole contracts, and ccxt writes them with ``minNotional`` one
    contract above the previous ``maxNotional``; such a tier is read as contiguous
    (floor = the previous cap), as :func:`levrisk.exchanges.okx.position_tiers_from_payload`
    reads OKX's own ``minSz``.

    Returns:
        The validated table.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path),
            or a dict without ``symbol`` or without that symbol.
        BracketError: unsorted, overlapping or gapped tiers, or invalid rates.

    References:
        ccxt Manual, "Leverage Tiers Structure"; ccxt's OKX class
        (``parseMarketLeverageTiers``: ``minNotional`` from ``minSz``);
        :ref:`rule-brackets` [published].

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
    rows: list[_payload.TierRow] = []
    for at, obj in _payload.objects(tiers, where=where):
        row = _payload.tier_row(
            obj,
            where=at,
            floor="minNotional",
            cap="maxNotional",
            maintenance_rate="maintenanceMarginRate",
            max_leverage="maxLeverage",
        )
        if rows and _one_contract_above(rows[-1].cap, row.floor):
            row = attrs.evolve(row, floor=rows[-1].cap)
        rows.append(row)
    return _payload.table_from_tiers(rows, where=where, on_mismatch=on_mismatch)


def _one_contract_above(cap: Decimal, floor: Decimal) -> bool:
    """OKX's shape in ccxt: tiers in whole contracts, ``minNotional = previous max + 1``."""
    return cap == cap.to_integral_value() and floor == cap + 1


@exact
def position_from_ccxt(
    position: Json, *, contract: Contract, leverage: NumberLike | None = None
) -> Position:
    """Build a ``levrisk.futures.Position`` from ccxt's unified position structure.

    Reads ``side`` (``"long"``/``"short"``), ``contracts`` (the size in contracts),
    ``entryPrice`` and ``leverage``; ``contractSize``, when present, must equal the
    contract's ``contract_size``. Numbers may be floats (as ccxt returns them) or strings.

    Args:
        position: one ccxt position dict (from ``fetch_positions()``).
        contract: the ``levrisk.futures.Contract`` of its market (kind, contract size,
            bracket table — e.g. from :func:`brackets_from_leverage_tiers`).
        leverage: the leverage to use instead of the dict's ``leverage`` (which ccxt
            leaves ``None`` for some venues); required when the dict has none.

    Returns:
        The position.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names it), a side
            other than long/short, a contract size that disagrees, a zero size, or a
            position the contract does not admit (``LeverageError``).

    References:
        ccxt Manual, "Position Structure"; :ref:`rule-futures-margin-pnl`.

    Examples:
        >>> from levrisk.futures import Contract
        >>> from levrisk.exchanges import binance
        >>> btc = Contract(symbol="BTC/USDT:USDT", kind="linear", brackets=binance.BTCUSDT_BRACKETS)
        >>> pos = position_from_ccxt(
        ...     {
        ...         "symbol": "BTC/USDT:USDT",
        ...         "side": "short",
        ...         "contracts": 0.1,
        ...         "contractSize": 1.0,
        ...         "entryPrice": 60000.0,
        ...         "leverage": 10.0,
        ...         "marginMode": "isolated",
        ...         "info": {},
        ...     },
        ...     contract=btc,
        ... )
        >>> pos.side, pos.size, pos.entry_price
        ('short', Decimal('0.1'), Decimal('60000.0'))

        A position whose ``leverage`` ccxt leaves ``None``:

        >>> position_from_ccxt(
        ...     {"side": "long", "contracts": 0.1, "entryPrice": 60000.0, "leverage": None},
        ...     contract=btc,
        ...     leverage=5,
        ... ).leverage
        Decimal('5')

    .. versionadded:: 0.1.0
    """
    where = "position"
    require(contract, Contract, "contract")
    obj = _payload.as_mapping(position, where=where)
    side = _payload.field(obj, "side", where=where)
    if side not in ("long", "short"):
        msg = f"{where}.side must be 'long' or 'short', got {side!r}"
        raise InvalidInputError(msg)
    size = _payload.optional_number(obj, "contractSize", where=where)
    if size is not None and size != contract.contract_size:
        msg = (
            f"{where}.contractSize must equal the contract's contract_size "
            f"{contract.contract_size!r}, got {size!r}"
        )
        raise InvalidInputError(msg)
    try:
        return Position(
            contract=contract,
            side="long" if side == "long" else "short",
            size=_payload.number(obj, "contracts", where=where),
            entry_price=_payload.number(obj, "entryPrice", where=where),
            leverage=_leverage(obj, leverage, where=where),
        )
    except InvalidInputError as error:
        msg = f"{where}: {error}"
        raise type(error)(msg) from error


def _leverage(obj: Mapping[str, Json], override: NumberLike | None, *, where: str) -> Decimal:
    if override is not None:
        return to_decimal(override, name="leverage")
    if not _payload.has(obj, "leverage"):
        msg = f"{where}.leverage is missing or None: pass leverage= (the position's leverage)"
        raise InvalidInputError(msg)
    return _payload.number(obj, "leverage", where=where)
