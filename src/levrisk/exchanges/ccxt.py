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

**Positions and balance** (``fetch_positions()``, ``fetch_balance()``):
:func:`position_from_ccxt` builds one position; :func:`position_report_from_positions`
reads the list row by row with the figures ccxt reports; :func:`cross_account_from_balance`
builds the cross account (the caller says what ccxt's ``total`` holds, a
:data:`BalanceTotal`); :func:`reconcile` compares a row with levrisk's figures under the
rule the caller names.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final, Literal, TypeAlias

import attrs

from levrisk._fields import require
from levrisk._typing import choice
from levrisk.brackets import BracketTable, TierMaintenance
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._payload import Json, OnMismatch
from levrisk.exchanges._positions import (
    ReportedPosition,
    contract_for,
    cross_account,
    held_position,
    located,
    reconcile_position,
    report_rows,
)
from levrisk.exchanges._reconcile import Reconciliation
from levrisk.exchanges._rows import Parsed
from levrisk.futures import Contract, CrossAccount, LiquidationRule, Position
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = [
    "VENUE",
    "BalanceTotal",
    "balance_total",
    "brackets_from_leverage_tiers",
    "cross_account_from_balance",
    "position_from_ccxt",
    "position_report_from_positions",
    "reconcile",
]


@exact
def brackets_from_leverage_tiers(
    tiers: Json,
    *,
    symbol: str | None = None,
    on_mismatch: OnMismatch = "keep",
    maintenance: TierMaintenance = "marginal",
) -> BracketTable:
    r"""Build a table from ccxt's unified leverage-tiers structure.

    .. math::

        floor_k = minNotional_k = maxNotional_{k-1}, \qquad cap_k = maxNotional_k

    Args:
        tiers: a list of ccxt tier dicts of one market, or the dict ``{symbol: list}``
            that ``fetch_leverage_tiers()`` returns (then ``symbol`` picks one).
        symbol: the ccxt symbol (``"BTC/USDT:USDT"``) to take from a dict.
        on_mismatch: accepted for symmetry with the other parsers (ccxt's unified
            structure gives no amounts).
        maintenance: how the venue computes maintenance, a
            ``levrisk.brackets.TierMaintenance`` (:ref:`rule-tier-maintenance`):
            ``"marginal"`` (default: the deduction of the recursion, Binance, Bybit,
            Gate, Bitget's current rule) or ``"whole"`` (OKX, BitMEX: the tier's rate on
            the whole position).

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
    return _payload.table_from_tiers(
        rows, where=where, on_mismatch=on_mismatch, maintenance=maintenance
    )


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
        return held_position(
            contract=contract,
            side="long" if side == "long" else "short",
            size=_payload.number(obj, "contracts", where=where),
            entry_price=_payload.number(obj, "entryPrice", where=where),
            leverage=_leverage(obj, leverage, where=where),
            where=where,
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


# ---------------------------------------------------------------- positions and balance

VENUE: Final = "ccxt"
"""The name reports show for figures read from ccxt's structures."""

BalanceTotal: TypeAlias = Literal["margin_balance", "wallet_balance"]
"""What ccxt's ``total`` of the settlement currency holds for the venue.

``"margin_balance"``: the wallet plus the unrealised PnL (ccxt's Binance and BitMEX
classes take the venue's ``marginBalance``); ``"wallet_balance"``: the wallet alone."""


def _row(
    obj: Mapping[str, Json],
    contracts: Mapping[str, Contract],
    leverage: NumberLike | None,
    *,
    where: str,
) -> ReportedPosition | None:
    symbol = _payload.text(obj, "symbol", where=where)
    if _payload.optional_number(obj, "contracts", where=where) in (None, 0):
        return None
    contract = contract_for(contracts, symbol, where=where)
    mode = obj.get("marginMode")
    if mode not in ("isolated", "cross"):
        msg = f"{where}.marginMode must be 'isolated' or 'cross', got {mode!r}"
        raise InvalidInputError(msg)

    def optional(key: str) -> Decimal | None:
        return _payload.optional_number(obj, key, where=where)

    def build() -> ReportedPosition:
        pnl = optional("unrealizedPnl")
        margin = Decimal(0)
        if mode == "isolated":
            margin = _payload.number(obj, "collateral", where=where) - (pnl or 0)
        return ReportedPosition(
            venue=VENUE,
            position=position_from_ccxt(obj, contract=contract, leverage=leverage),
            margin_mode="isolated" if mode == "isolated" else "cross",
            margin=margin,
            mark_price=_payload.number(obj, "markPrice", where=where),
            liquidation_price=optional("liquidationPrice") or None,
            unrealized_pnl=pnl,
            maintenance_margin=optional("maintenanceMargin"),
            initial_margin=optional("initialMargin"),
        )

    return located(where, build)


@exact
def position_report_from_positions(
    positions: Json,
    *,
    contracts: Mapping[str, Contract],
    leverage: NumberLike | None = None,
    strict: bool = False,
) -> Parsed:
    """Read ccxt's ``fetch_positions()`` list row by row: the good rows and a per-row report.

    Each row becomes a :func:`position_from_ccxt` position (``leverage`` overrides the
    rows' ``leverage``, which ccxt leaves ``None`` for some venues) with ``marginMode``,
    ``markPrice`` and the figures ccxt reports: ``liquidationPrice``, ``unrealizedPnl``,
    ``maintenanceMargin``, ``initialMargin``. An isolated row's margin is
    ``collateral − unrealizedPnl``: ccxt's ``collateral`` is "affected by pnl" (its
    Binance class adds ``unRealizedProfit`` to ``isolatedWallet``). Rows with 0
    ``contracts`` are skipped.

    Args:
        positions: the list ``fetch_positions()`` returned.
        contracts: the ``levrisk.futures.Contract`` of each ccxt symbol.
        leverage: the leverage of every row, instead of the rows' ``leverage``.
        strict: raise the first bad row's error instead of reporting it.

    Returns:
        A :class:`~levrisk.exchanges.Parsed` of ``ReportedPosition`` rows.

    Raises:
        InvalidInputError: when ``positions`` is not a list of objects or ``contracts``
            not a mapping; with ``strict=True``, the first bad row's error.

    References:
        ccxt Manual, "Position Structure"; ccxt's Binance class (``parsePositionRisk``:
        ``collateral``); :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_BRACKETS
        >>> from levrisk.futures import Contract
        >>> btc = Contract(symbol="BTC/USDT:USDT", kind="linear", brackets=BTCUSDT_BRACKETS)
        >>> row = {
        ...     "symbol": "BTC/USDT:USDT",
        ...     "side": "long",
        ...     "contracts": 0.02,
        ...     "contractSize": 1.0,
        ...     "entryPrice": 50000.0,
        ...     "markPrice": 50000.0,
        ...     "leverage": None,
        ...     "marginMode": "isolated",
        ...     "collateral": 500.0,
        ...     "unrealizedPnl": 0.0,
        ...     "liquidationPrice": 25100.40160643,
        ...     "info": {},
        ... }
        >>> report = position_report_from_positions(
        ...     [row], contracts={"BTC/USDT:USDT": btc}, leverage=2
        ... )
        >>> report.rows[0].margin, report.rows[0].position.leverage
        (Decimal('500.0'), Decimal('2'))

    .. versionadded:: 0.2.0
    """
    return report_rows(
        positions,
        where="positions",
        contracts=contracts,
        parse=lambda obj, checked, at: _row(obj, checked, leverage, where=at),
        strict=strict,
    )


@exact
def cross_account_from_balance(
    positions: Json,
    balance: Json,
    *,
    contracts: Mapping[str, Contract],
    currency: str,
    total_is: BalanceTotal,
    leverage: NumberLike | None = None,
) -> CrossAccount:
    r"""The cross account of ccxt's ``fetch_positions()`` and ``fetch_balance()`` results.

    .. math::

        wallet = total_{currency} - \sum_{cross} unrealizedPnl \quad
        \text{(margin balance)}, \qquad wallet = total_{currency} \quad
        \text{(wallet balance)}

    ccxt's ``total`` means different things per venue, so ``total_is`` has no default.
    Every row must parse; isolated rows are left out; a row with ``hedged`` true means
    hedge mode.

    Args:
        positions: the list ``fetch_positions()`` returned.
        balance: the dict ``fetch_balance()`` returned (``balance[currency]["total"]``, or
            ``balance["total"][currency]``).
        contracts: the contract of each ccxt symbol.
        currency: the settlement currency of the cross positions (``"USDT"``).
        total_is: a ``BalanceTotal``: what ccxt's ``total`` holds for this venue.
        leverage: as in :func:`position_report_from_positions`.

    Returns:
        The ``levrisk.futures.CrossAccount`` of the cross positions.

    Raises:
        InvalidInputError: as :func:`position_report_from_positions` with
            ``strict=True``; a balance without ``currency``; a bad ``total_is``.

    References:
        ccxt Manual, "Balance Structure" and "Position Structure"; ccxt's Binance class
        (``parseBalance``: ``total`` from ``marginBalance``);
        :ref:`rule-futures-liquidation-linear` [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_BRACKETS
        >>> from levrisk.futures import Contract
        >>> btc = Contract(symbol="BTC/USDT:USDT", kind="linear", brackets=BTCUSDT_BRACKETS)
        >>> row = {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 0.02, "hedged": False}
        >>> row |= {"entryPrice": 50000.0, "markPrice": 51000.0, "leverage": 2.0}
        >>> row |= {"marginMode": "cross", "unrealizedPnl": 20.0}
        >>> balance = {"USDT": {"free": 0.0, "used": 510.0, "total": 520.0}, "info": {}}
        >>> cross_account_from_balance(
        ...     [row],
        ...     balance,
        ...     contracts={"BTC/USDT:USDT": btc},
        ...     currency="USDT",
        ...     total_is="margin_balance",
        ... ).wallet_balance
        Decimal('500.0')

    .. versionadded:: 0.2.0
    """
    choice(total_is, BalanceTotal, "total_is")
    total = balance_total(balance, currency=currency)
    report = position_report_from_positions(
        positions, contracts=contracts, leverage=leverage, strict=True
    )
    cross = [r for r in report.rows if r.margin_mode == "cross"]
    if total_is == "margin_balance":
        total -= sum((r.unrealized_pnl or 0 for r in cross), Decimal(0))
    hedged = any(
        isinstance(raw, Mapping) and raw.get("hedged") is True
        for raw in _payload.as_list(positions, where="positions")
    )
    return cross_account(cross, wallet_balance=total, hedge=hedged)


@exact
def balance_total(balance: Json, *, currency: str) -> Decimal:
    """Ccxt's ``total`` of one currency in a ``fetch_balance()`` result.

    Args:
        balance: the dict ``fetch_balance()`` returned.
        currency: the currency (``"USDT"``).

    Returns:
        ``balance[currency]["total"]``, or ``balance["total"][currency]``.

    Raises:
        InvalidInputError: when the balance holds neither, or not a number.

    References:
        ccxt Manual, "Balance Structure" [published].

    Examples:
        >>> balance_total({"USDT": {"free": 10.0, "used": 510.0, "total": 520.0}}, currency="USDT")
        Decimal('520.0')

    .. versionadded:: 0.2.0
    """
    require(currency, str, "currency")
    obj = _payload.as_mapping(balance, where="balance")
    entry = obj.get(currency)
    if isinstance(entry, Mapping):
        return _payload.number(entry, "total", where=f"balance[{currency!r}]")
    totals = obj.get("total")
    if isinstance(totals, Mapping):
        return _payload.number(totals, currency, where="balance['total']")
    msg = f"balance has no {currency!r} entry and no 'total' mapping"
    raise InvalidInputError(msg)


@exact
def reconcile(
    row: ReportedPosition,
    *,
    rule: LiquidationRule,
    account: CrossAccount | None = None,
) -> Reconciliation:
    """Compare one ccxt position with levrisk's figures, field by field.

    ccxt carries no venue's display rule, so the figures are compared exact at the
    decimals of ccxt's numbers (the venue's own ``reconcile`` applies its reported
    forms): ``maintenanceMargin`` and ``initialMargin`` (at mark), ``unrealizedPnl``
    (at mark), and ``liquidationPrice`` under ``rule`` (isolated: on the row's margin;
    cross: over ``account``).

    Args:
        row: a row of :func:`position_report_from_positions`.
        rule: the venue's ``levrisk.futures.LiquidationRule`` (ccxt does not say which).
        account: the cross account (:func:`cross_account_from_balance`) of a cross row.

    Returns:
        The :class:`~levrisk.exchanges.Reconciliation`.

    Raises:
        InvalidInputError: for a bad row, rule or account.

    References:
        ccxt Manual, "Position Structure"; :ref:`rule-futures-liquidation-linear`,
        :ref:`rule-rounding` [checked].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_BRACKETS, LIQUIDATION_RULE
        >>> from levrisk.futures import Contract
        >>> btc = Contract(symbol="BTC/USDT:USDT", kind="linear", brackets=BTCUSDT_BRACKETS)
        >>> row = dict(symbol="BTC/USDT:USDT", side="long", contracts=0.02, leverage=2.0)
        >>> row.update(entryPrice=50000.0, markPrice=50000.0, unrealizedPnl=0.0)
        >>> row.update(marginMode="isolated", collateral=500.0, maintenanceMargin=4.0)
        >>> row.update(liquidationPrice=25100.40160643)
        >>> report = position_report_from_positions([row], contracts={"BTC/USDT:USDT": btc})
        >>> reconcile(report.rows[0], rule=LIQUIDATION_RULE).agrees
        True

    .. versionadded:: 0.2.0
    """
    return reconcile_position(row, rule=rule, account=account, fee_rate=None)
