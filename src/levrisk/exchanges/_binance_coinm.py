r"""Binance COIN-M ``positionRisk``: inverse positions row by row, and their reconciliation.

Private: :mod:`levrisk.exchanges.binance` re-exports every public name. ``GET
/dapi/v1/positionRisk`` (Binance COIN-M, "Position Information (USER_DATA)";
Portfolio Margin's ``GET /papi/v1/cm/positionRisk``, "Query CM Position Information",
returns the same rows without the margin fields) lists inverse positions: ``positionAmt``
counts contracts of ``contract_size`` USD each, signed in one-way mode (``BOTH``), on a
``LONG`` or ``SHORT`` leg in hedge mode; every amount is in the margin coin (BTC for
BTCUSD_PERP). The caller states each symbol's inverse ``levrisk.futures.Contract`` (its
contract size, 100 USD for BTC and 10 USD for the others, and its ``margin_asset``: none
has a default).

The figures a row reports, checked by :func:`coinm_reconcile`:

.. math::

    \text{uPnL}_{long} = Q \cdot CS \cdot \left(\frac{1}{EP} - \frac{1}{MP}\right), \qquad
    \text{notionalValue} = \frac{Q \cdot CS}{MP}

(short: the PnL's sign flips), in coin, and the liquidation price of
:ref:`rule-futures-liquidation-inverse`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import attrs

from levrisk._fields import optional_number, require
from levrisk._typing import Side, choice
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload, _positions
from levrisk.exchanges._payload import Json
from levrisk.exchanges._positions import MarginMode, ReportedPosition
from levrisk.exchanges._reconcile import Reconciliation, compare
from levrisk.exchanges._rows import Parsed
from levrisk.futures import Contract, CrossAccount, LiquidationRule, notional
from levrisk.numbers import NumberLike, RoundingMode, exact, round_to_step

__all__ = [
    "CoinmPositionRisk",
    "coinm_cross_account_from_payload",
    "coinm_position_report_from_payload",
    "coinm_reconcile",
]

_VENUE: Final = "Binance"
_RULE: Final = LiquidationRule()
"""Binance's rule (``binance.LIQUIDATION_RULE``: maintenance at mark, no close fee)."""

_EIGHT: Final = Decimal("0.00000001")

_FIELDS: Final = {
    "entry_price": "entryPrice",
    "margin": "isolatedWallet",
    "mark_price": "markPrice",
    "liquidation_price": "liquidationPrice",
    "unrealized_pnl": "unRealizedProfit",
    "break_even_price": "breakEvenPrice",
}


@attrs.frozen(kw_only=True)
class CoinmPositionRisk(ReportedPosition):
    """One open position of a COIN-M ``positionRisk`` response, with what Binance reports.

    A :class:`~levrisk.exchanges.ReportedPosition` (``margin``: the isolated wallet, in
    coin; ``unrealized_pnl`` in coin) with the row's ``notionalValue``.

    Attributes:
        notional_value: Binance's ``notionalValue``, in coin, as written (``None`` where
            absent).

    .. versionadded:: 0.2.0
    """

    notional_value: Decimal | None = attrs.field(default=None, converter=optional_number)


def _at_eight(value: Decimal, rounding: RoundingMode) -> Decimal:
    return round_to_step(value, _EIGHT, rounding)


def _side(obj: Mapping[str, Json], amount: Decimal, *, where: str) -> Side:
    raw = obj.get("positionSide", "BOTH")
    if raw not in ("BOTH", "LONG", "SHORT"):
        msg = f"{where}.positionSide must be 'BOTH', 'LONG' or 'SHORT', got {raw!r}"
        raise InvalidInputError(msg)
    if raw == "BOTH":
        return "long" if amount > 0 else "short"
    return "long" if raw == "LONG" else "short"


def _margin_mode(obj: Mapping[str, Json], *, where: str) -> MarginMode:
    """``marginType`` (``cross`` where absent, as Portfolio Margin's rows are)."""
    if "marginType" not in obj:
        return "cross"
    raw = _payload.text(obj, "marginType", where=where).lower()
    mode: MarginMode = choice(raw, MarginMode, f"{where}.marginType")
    return mode


def _wallet(obj: Mapping[str, Json], *, where: str) -> Mapping[str, Json]:
    """The row with ``isolatedWallet``: as given, or ``isolatedMargin − unRealizedProfit``."""
    if "isolatedWallet" in obj:
        return obj
    balance = _payload.number(obj, "isolatedMargin", where=where)
    pnl = _payload.number(obj, "unRealizedProfit", where=where)
    return {**obj, "isolatedWallet": balance - pnl}


def _row(
    obj: Mapping[str, Json], contracts: Mapping[str, Contract], where: str
) -> CoinmPositionRisk | None:
    amount = _payload.number(obj, "positionAmt", where=where)
    if amount == 0:
        return None
    symbol = _payload.text(obj, "symbol", where=where)
    contract = _positions.contract_for(contracts, symbol, where=where)
    if contract.kind != "inverse":
        msg = f"{where} symbol {symbol!r} needs an inverse Contract (COIN-M), got {contract.kind!r}"
        raise InvalidInputError(msg)
    mode = _margin_mode(obj, where=where)
    if mode == "isolated":
        obj = _wallet(obj, where=where)
    row = _positions.reported_row(
        obj,
        venue=_VENUE,
        where=where,
        position={
            "contract": contract,
            "side": _side(obj, amount, where=where),
            "size": abs(amount),
            "leverage": lambda: _payload.number(obj, "leverage", where=where),
        },
        margin_mode=mode,
        fields=_FIELDS,
    )
    notional_value = _payload.optional_number(obj, "notionalValue", where=where)
    return CoinmPositionRisk(**attrs.asdict(row, recurse=False), notional_value=notional_value)


@exact
def coinm_position_report_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract], strict: bool = False
) -> Parsed:
    """Parse a COIN-M ``positionRisk`` response row by row: good rows and a per-row error report.

    Rows with ``positionAmt`` 0 (Binance lists every symbol) are skipped. The side is the
    sign of ``positionAmt`` on a ``BOTH`` row and the leg on a ``LONG``/``SHORT`` row; the
    size is ``|positionAmt|`` contracts. An isolated row's margin is ``isolatedWallet``,
    or, where a row has only ``isolatedMargin`` (the wallet plus the unrealised PnL),
    ``isolatedMargin − unRealizedProfit`` [derived]; a row without ``marginType``
    (Portfolio Margin's ``/papi/v1/cm/positionRisk``) is cross. A leverage the table
    would not allow today gives a ``LevriskWarning``, never an error. A liquidation or
    break-even price of 0 means none.

    Args:
        payload: the decoded JSON list of ``GET /dapi/v1/positionRisk`` (or
            ``/papi/v1/cm/positionRisk``) rows.
        contracts: the inverse ``levrisk.futures.Contract`` of each symbol, with its
            ``contract_size`` (USD a contract) and ``margin_asset`` (the coin).
        strict: raise the first bad row's error instead of reporting it.

    Returns:
        A :class:`~levrisk.exchanges.Parsed` of :class:`CoinmPositionRisk` rows (figures
        in coin).

    Raises:
        InvalidInputError: when ``payload`` is not a list of objects or ``contracts`` not
            a mapping; with ``strict=True``, the first bad row's error (a missing field,
            a symbol without an inverse contract, a bad ``positionSide`` or
            ``marginType``).

    References:
        Binance API, COIN-M "Position Information (USER_DATA)" (``GET
        /dapi/v1/positionRisk``), Portfolio Margin "Query CM Position Information";
        :ref:`rule-futures-margin-pnl` [published].

    Examples:
        The documented example's open row (1 contract of BTCUSD_201225, a hedge ``LONG``):

        >>> from attrs import evolve
        >>> from levrisk.exchanges.binance import BTCUSD_PERP_CONTRACT
        >>> quarter = evolve(BTCUSD_PERP_CONTRACT, symbol="BTCUSD_201225")
        >>> row = dict(symbol="BTCUSD_201225", positionAmt="1", positionSide="LONG")
        >>> row |= dict(entryPrice="11707.70000003", markPrice="11788.66626667")
        >>> row |= dict(unRealizedProfit="0.00005866", leverage="125", marginType="cross")
        >>> report = coinm_position_report_from_payload(
        ...     [row, {"symbol": "ETHUSD_PERP", "positionAmt": "-2"}],
        ...     contracts={"BTCUSD_201225": quarter},
        ... )
        >>> report.rows[0].position.size, report.rows[0].margin_mode, report.errors[0].where
        (Decimal('1'), 'cross', 'payload[1]')

    .. versionadded:: 0.2.0
    """
    return _positions.report_rows(
        payload, where="payload", contracts=contracts, parse=_row, strict=strict
    )


@exact
def coinm_cross_account_from_payload(
    payload: Json, *, wallet_balance: NumberLike, contracts: Mapping[str, Contract]
) -> CrossAccount:
    """The cross account of a COIN-M ``positionRisk`` response (its cross positions).

    Isolated rows are left out; the position mode is ``"hedge"`` when any row has
    ``positionSide`` ``LONG`` or ``SHORT``. Every row must parse (``strict``).

    Args:
        payload: the decoded COIN-M ``positionRisk`` list.
        wallet_balance: the coin's cross wallet balance (``crossWalletBalance`` of the
            coin in ``GET /dapi/v1/account``'s ``assets``;
            ``binance.cross_wallet_balance_from_payload(account, asset="BTC")`` reads it),
            in coin, ≥ 0.
        contracts: as in :func:`coinm_position_report_from_payload`, all of one margin
            coin.

    Returns:
        The ``levrisk.futures.CrossAccount`` (wallet and positions in coin).

    Raises:
        InvalidInputError: as :func:`coinm_position_report_from_payload` with
            ``strict=True``, or a bad wallet, or contracts of two margin coins.

    References:
        Binance API, COIN-M "Position Information (USER_DATA)" and "Account Information
        (USER_DATA)"; :ref:`rule-futures-liquidation-inverse` [checked].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSD_PERP_CONTRACT
        >>> row = dict(symbol="BTCUSD_PERP", positionAmt="-3", positionSide="BOTH")
        >>> row |= dict(entryPrice="60000", markPrice="60000", leverage="20", marginType="cross")
        >>> account = coinm_cross_account_from_payload(
        ...     [row], wallet_balance="0.001", contracts={"BTCUSD_PERP": BTCUSD_PERP_CONTRACT}
        ... )
        >>> account.positions[0].side, account.position_mode
        ('short', 'one_way')

    .. versionadded:: 0.2.0
    """
    report = coinm_position_report_from_payload(payload, contracts=contracts, strict=True)
    hedge = any(
        obj.get("positionSide", "BOTH") != "BOTH"
        for _, obj in _payload.objects(payload, where="payload")
    )
    return _positions.cross_account(report.rows, wallet_balance=wallet_balance, hedge=hedge)


@exact
def coinm_reconcile(
    row: CoinmPositionRisk,
    *,
    account: CrossAccount | None = None,
    fee_rate: NumberLike | None = None,
) -> Reconciliation:
    r"""Compare one COIN-M ``positionRisk`` row with levrisk's figures, field by field.

    .. math::

        \text{uPnL} = s \cdot Q \cdot CS \cdot \left(\frac{1}{EP} - \frac{1}{MP}\right),
        \qquad |\text{notionalValue}| = \frac{Q \cdot CS}{MP}

    (``s`` = +1 long, −1 short; ``Q`` contracts of ``CS`` USD), in coin. Checks
    ``unrealized_pnl`` (at mark; Binance's form: 8 decimals toward zero),
    ``break_even_price`` (with ``fee_rate`` to open and close), ``liquidation_price``
    (:ref:`rule-futures-liquidation-inverse` under Binance's rule: isolated on its wallet;
    cross over ``account``, at the row's mark; Binance's form: 8 decimals half up) and
    ``notional_value`` (``|notionalValue|`` against ``Q·CS/MP``, Binance's sign left
    aside [derived]).

    Args:
        row: a row of :func:`coinm_position_report_from_payload`.
        account: the coin's cross account (:func:`coinm_cross_account_from_payload`) for
            a cross row; without it the cross liquidation price is not computed
            (``"missing account-level input"``).
        fee_rate: the fee rate of the break-even price (``None``: not computed).

    Returns:
        The :class:`~levrisk.exchanges.Reconciliation`.

    Raises:
        InvalidInputError: for a bad row, account or fee rate.

    References:
        Binance API, COIN-M "Position Information (USER_DATA)";
        :ref:`rule-futures-margin-pnl` [published], :ref:`rule-futures-liquidation-inverse`
        [checked], :ref:`rule-rounding`.

    Examples:
        The documented example's row: its PnL agrees; its cross liquidation price needs
        the account:

        >>> from attrs import evolve
        >>> from levrisk.exchanges.binance import BTCUSD_PERP_CONTRACT
        >>> quarter = evolve(BTCUSD_PERP_CONTRACT, symbol="BTCUSD_201225")
        >>> row = dict(symbol="BTCUSD_201225", positionAmt="1", positionSide="LONG")
        >>> row |= dict(entryPrice="11707.70000003", markPrice="11788.66626667")
        >>> row |= dict(unRealizedProfit="0.00005866", liquidationPrice="11667.63509587")
        >>> row |= dict(leverage="125", marginType="cross")
        >>> report = coinm_position_report_from_payload([row], contracts={"BTCUSD_201225": quarter})
        >>> result = coinm_reconcile(report.rows[0])
        >>> [(c.field, c.agrees, c.reason) for c in result.checks]  # doctest: +NORMALIZE_WHITESPACE
        [('unrealized_pnl', True, None),
         ('liquidation_price', False, 'missing account-level input')]

    .. versionadded:: 0.2.0
    """
    require(row, CoinmPositionRisk, "row")
    base = _positions.reconcile_position(
        row,
        rule=_RULE,
        account=account,
        fee_rate=fee_rate,
        liquidation=lambda price, _tick: _at_eight(price, "half_up"),
        pnl=lambda pnl: _at_eight(pnl, "down"),
    )
    checks = list(base.checks)
    if row.notional_value is not None:
        value = notional(row.position, price=row.mark_price)
        checks.append(
            compare(
                "notional_value",
                exact_value=value,
                reported=value,
                exchange=abs(row.notional_value),
            )
        )
    return attrs.evolve(base, checks=tuple(checks))
