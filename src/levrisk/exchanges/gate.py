r"""Gate: perpetual futures with the close fee valued at mark — its rule, positions, reconcile.

Gate's liquidation condition values the maintenance margin at mark and reserves the fee
to close the position at the mark (liquidation) price [published]:

.. math::

    LP_{long} = \frac{Q \cdot EP - M - D}{Q \cdot (1 - m - c)}, \qquad
    LP_{short} = \frac{Q \cdot EP + M + D}{Q \cdot (1 + m + c)}

Bitget and OKX state the same condition. The algebra lives in ``levrisk.futures``; this
module holds the venue's name and its rule, :func:`liquidation_rule`, the reader of its
risk-limit tiers (:func:`risk_limit_tiers_from_payload`: maintenance marginal by tier,
with Gate's published ``deduction``), the reader of its futures ``positions`` payload
(:func:`position_report_from_payload`), the price as Gate shows it
(:func:`reported_liquidation_price`) and :func:`reconcile`.

Sources: Gate Help, "Calculation of Liquidation Price" (USDT perpetual contracts); Gate
API v4, "Query risk limit tiers" (``GET /futures/{settle}/risk_limit_tiers``,
``FuturesRiskLimitTier``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import attrs

from levrisk._fields import positive_number
from levrisk._typing import HedgeMaintenance, Side, choice
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._payload import Json, OnMismatch, TierRow
from levrisk.exchanges._positions import (
    MarginMode,
    ReportedPosition,
    contract_for,
    reconcile_position,
    report_rows,
    reported_row,
)
from levrisk.exchanges._reconcile import Reconciliation
from levrisk.exchanges._rows import Parsed
from levrisk.exchanges._rules import with_fee
from levrisk.futures import Contract, CrossAccount, LiquidationRule
from levrisk.numbers import NumberLike, RoundingMode, exact, round_to_step

__all__ = [
    "VENUE",
    "liquidation_rule",
    "position_report_from_payload",
    "reconcile",
    "reported_liquidation_price",
    "risk_limit_tiers_from_payload",
]


@exact
def liquidation_rule(
    *, fee_rate: NumberLike, hedge_maintenance: HedgeMaintenance = "larger"
) -> LiquidationRule:
    r"""Gate's rule: maintenance at mark plus the close fee ``c·Q·P`` at mark (see above).

    ``fee_rate`` is the taker fee rate ``c`` in [0, 1) (0 drops the fee). In hedge mode
    Gate rates the pair's maintenance by the higher-value position
    (``hedge_maintenance="larger"``, the default: both legs at ``MM(N_max)/N_max``);
    ``"each"`` keeps each leg's own. The rule is for
    ``levrisk.futures.isolated_liquidation_price`` and ``cross_liquidation_price``. An
    ``InvalidInputError`` when ``fee_rate`` is not a rate or the basis is unknown.
    Sources: Gate Help, "Calculation of Liquidation Price"; Gate, futures introduction
    "Leverage and Margin" (maintenance by tier; hedge mode by the higher-value
    position); :ref:`rule-venues` [published], :ref:`rule-gate-hedge-maintenance`.

    Examples:
        >>> liquidation_rule(fee_rate="0.0005")  # doctest: +NORMALIZE_WHITESPACE
        LiquidationRule(maintenance_basis='mark', close_fee='mark', fee_rate=Decimal('0.0005'),
                        hedge_maintenance='larger')

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.3.0
       ``hedge_maintenance``, by default Gate's hedge-mode rule.
    """
    return attrs.evolve(with_fee(fee_rate), hedge_maintenance=hedge_maintenance)


@exact
def reported_liquidation_price(
    price: NumberLike | None, *, tick_size: NumberLike, mode: RoundingMode = "half_up"
) -> Decimal | None:
    """The exact liquidation price as Gate shows it (``liq_price``): at its tick.

    Gate shows the price on the contract's ``order_price_round`` tick; the rounding
    direction was not established on the responses checked, so it is an argument
    (default ``"half_up"``) [derived].

    Args:
        price: the exact liquidation price (``None``: none).
        tick_size: the contract's tick (``order_price_round``), > 0.
        mode: a ``levrisk.numbers.RoundingMode``.

    Returns:
        The price on the tick, or ``None``.

    Raises:
        InvalidInputError: for a bad price, tick or mode.

    References:
        Gate API v4, "List all positions of a user" (``liq_price``) and "Futures contract"
        (``order_price_round``); :ref:`rule-rounding` [checked].

    Examples:
        >>> reported_liquidation_price("25100.4037", tick_size="0.1")
        Decimal('25100.4')

    .. versionadded:: 0.2.0
    """
    tick = positive_number(tick_size, "tick_size")
    if price is None:
        return None
    return round_to_step(positive_number(price, "price"), tick, mode)


# ---------------------------------------------------------------- risk-limit tiers

VENUE: Final = "Gate"
"""The venue's name, as reports show it."""

_TIER_FIELDS: Final = {
    "cap": "risk_limit",
    "maintenance_rate": "maintenance_rate",
    "max_leverage": "leverage_max",
    "maintenance_amount": "deduction",
    "initial_rate": "initial_rate",
}
"""Gate's names of a tier's fields (``FuturesRiskLimitTier``)."""


@exact
def risk_limit_tiers_from_payload(
    payload: Json, *, contract: str | None = None, on_mismatch: OnMismatch = "keep"
) -> BracketTable:
    r"""Parse Gate's risk-limit tiers (``GET /futures/{settle}/risk_limit_tiers``) into a table.

    Each tier gives ``risk_limit`` (the tier's cap, in the position value's unit: quote
    for USDT-settled contracts), ``maintenance_rate``, ``initial_rate``,
    ``leverage_max`` and, in current responses, ``deduction`` ("maintenance margin quick
    calculation deduction amount"). The floor of a tier is the previous tier's
    ``risk_limit``. Gate charges maintenance marginally by tier, ``MM = value · m_k −
    deduction_k``: with every ``deduction`` given the table is ``"deduction"`` (taken as
    published, checked against the recursion with ``on_mismatch="raise"``); without, it
    is ``"marginal"`` (the deduction of the recursion of :ref:`rule-brackets`)
    (:ref:`rule-tier-maintenance`).

    .. math::

        floor_k = risk\_limit_{k-1}, \qquad cap_k = risk\_limit_k, \qquad
        MM = n \cdot m_k - deduction_k

    Args:
        payload: the decoded response: a list of tier objects (all of one contract, or
            each with its ``contract``).
        contract: the contract to keep (``"BTC_USDT"``) when the list holds several.
        on_mismatch: an ``OnMismatch``: what a ``deduction`` off the recursion does
            (``"keep"``, the default; ``"raise"``; ``"warn"``).

    Returns:
        The ``levrisk.brackets.BracketTable``.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path),
            several contracts and no ``contract``, or an unknown contract.
        BracketError: unsorted, overlapping or gapped tiers, invalid rates, or a
            deduction off the recursion under ``on_mismatch="raise"``.

    References:
        Gate API v4, "Query risk limit tiers" and ``FuturesRiskLimitTier`` (gateapi-python
        ``docs/FuturesRiskLimitTier.md``); :ref:`rule-tier-maintenance` [published].

    Examples:
        >>> table = risk_limit_tiers_from_payload(
        ...     [
        ...         {
        ...             "tier": 1,
        ...             "risk_limit": "500000",
        ...             "initial_rate": "0.01",
        ...             "maintenance_rate": "0.005",
        ...             "leverage_max": "100",
        ...             "deduction": "0",
        ...         },
        ...         {
        ...             "tier": 2,
        ...             "risk_limit": "1000000",
        ...             "initial_rate": "0.015",
        ...             "maintenance_rate": "0.01",
        ...             "leverage_max": "66.66",
        ...             "deduction": "2500",
        ...         },
        ...     ]
        ... )
        >>> table.maintenance, table.maintenance_margin(800_000)
        ('deduction', Decimal('5500.000'))

    .. versionadded:: 0.2.0
    """
    contract = _payload.optional_text(contract, "contract")
    objects = _payload.objects(payload, where="payload")
    names = {
        _payload.text(obj, "contract", where=at)
        for at, obj in objects
        if _payload.has(obj, "contract")
    }
    if contract is None and len(names) > 1:
        msg = f"payload holds the tiers of {sorted(names)!r}: pass contract="
        raise InvalidInputError(msg)
    if contract is not None and contract not in names:
        msg = f"payload has no tiers of contract {contract!r}"
        raise InvalidInputError(msg)
    rows: list[TierRow] = []
    for at, obj in objects:
        if contract is not None and obj.get("contract") != contract:
            continue
        floor = rows[-1].cap if rows else Decimal(0)
        rows.append(_payload.tier_row(obj, where=at, floor=floor, **_TIER_FIELDS))
    return _payload.table_from_tiers(rows, where="payload", on_mismatch=on_mismatch)


# ---------------------------------------------------------------- positions

_MODES: Final = ("single", "dual_long", "dual_short")


def _leverage(obj: Mapping[str, Json], *, where: str) -> Decimal:
    """``lever``, else ``leverage`` (0 means cross), else ``cross_leverage_limit``."""
    for key in ("lever", "leverage", "cross_leverage_limit"):
        value = _payload.optional_number(obj, key, where=where)
        if value:
            return value
    msg = (
        f"{where} gives no leverage ('lever', and 'leverage' and 'cross_leverage_limit' "
        f"are 0 or absent)"
    )
    raise InvalidInputError(msg)


def _margin_mode(obj: Mapping[str, Json], *, where: str) -> MarginMode:
    """``pos_margin_mode``, else cross where ``leverage`` is 0 (Gate's older convention)."""
    if _payload.has(obj, "pos_margin_mode"):
        mode = _payload.text(obj, "pos_margin_mode", where=where)
        margin_mode: MarginMode = choice(mode, MarginMode, f"{where}.pos_margin_mode")
        return margin_mode
    return "cross" if not _payload.optional_number(obj, "leverage", where=where) else "isolated"


def _position_row(
    obj: Mapping[str, Json], contracts: Mapping[str, Contract], where: str
) -> ReportedPosition | None:
    name = _payload.text(obj, "contract", where=where)
    size = _payload.number(obj, "size", where=where)
    if size == 0:
        return None
    mode = obj.get("mode", "single")
    if mode not in _MODES:
        msg = f"{where}.mode must be 'single', 'dual_long' or 'dual_short', got {mode!r}"
        raise InvalidInputError(msg)
    long = mode == "dual_long" or (mode == "single" and size > 0)
    side: Side = "long" if long else "short"
    contract = contract_for(contracts, name, where=where)
    parts: dict[str, object] = {"contract": contract, "side": side, "size": abs(size)}
    parts["leverage"] = lambda: _leverage(obj, where=where)
    mode = _margin_mode(obj, where=where)
    return reported_row(
        obj, venue=VENUE, where=where, position=parts, margin_mode=mode, fields=_POSITION_FIELDS
    )


_POSITION_FIELDS: Final = {
    "entry_price": "entry_price",
    "margin": "margin",
    "mark_price": "mark_price",
    "liquidation_price": "liq_price",
    "unrealized_pnl": "unrealised_pnl",
    "maintenance_margin": "maintenance_margin",
    "initial_margin": "initial_margin",
}
"""Gate's key of each figure of a ``positions`` row."""


@exact
def position_report_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract], strict: bool = False
) -> Parsed:
    """Parse a futures ``positions`` response row by row: the good rows and a per-row report.

    ``size`` counts contracts, negative for a short (give each contract a ``Contract``
    with ``contract_size`` its ``quanto_multiplier`` and ``tick_size`` its
    ``order_price_round``); in dual mode the side is ``mode`` (``dual_long``,
    ``dual_short``); rows of size 0 are skipped. The margin mode is
    ``pos_margin_mode``, or cross where ``leverage`` is ``"0"`` (Gate's older
    convention); the leverage is ``lever``, else a non-zero ``leverage``, else
    ``cross_leverage_limit``. An isolated position carries its ``margin``.

    Args:
        payload: the decoded JSON list of ``GET /futures/{settle}/positions``.
        contracts: the ``levrisk.futures.Contract`` of each ``contract`` name.
        strict: raise the first bad row's error instead of reporting it.

    Returns:
        A :class:`~levrisk.exchanges.Parsed` of ``ReportedPosition`` rows.

    Raises:
        InvalidInputError: when the payload is not a list of objects or ``contracts`` is
            not a mapping; with ``strict=True``, the first bad row's error.

    References:
        Gate API v4, "List all positions of a user" (``GET /futures/{settle}/positions``,
        https://www.gate.io/docs/developers/apiv4/en/#list-all-positions-of-a-user);
        :ref:`rule-futures-margin-pnl` [published].

    Examples:
        Gate's documented example row (a BTC_USDT short of 9,440 contracts):

        >>> from levrisk.exchanges.binance import BTCUSDT_BRACKETS
        >>> from levrisk.futures import Contract
        >>> btc = Contract(
        ...     symbol="BTC_USDT",
        ...     kind="linear",
        ...     contract_size="0.0001",
        ...     brackets=BTCUSDT_BRACKETS,
        ... )
        >>> row = {
        ...     "user": 10000,
        ...     "contract": "BTC_USDT",
        ...     "size": "-9440",
        ...     "leverage": "0",
        ...     "margin": "4.431548146258",
        ...     "entry_price": "3779.55",
        ...     "liq_price": "99999999",
        ...     "mark_price": "3780.32",
        ...     "unrealised_pnl": "-0.000507486844",
        ...     "mode": "single",
        ...     "cross_leverage_limit": "0",
        ...     "pos_margin_mode": "isolated",
        ...     "lever": "30",
        ... }
        >>> r = position_report_from_payload([row], contracts={"BTC_USDT": btc}).rows[0]
        >>> r.position.side, r.position.size, r.position.leverage, r.margin_mode
        ('short', Decimal('9440'), Decimal('30'), 'isolated')

    .. versionadded:: 0.2.0
    """
    return report_rows(
        payload, where="payload", contracts=contracts, parse=_position_row, strict=strict
    )


@exact
def reconcile(
    row: ReportedPosition,
    *,
    account: CrossAccount | None = None,
    fee_rate: NumberLike = 0,
    mode: RoundingMode = "half_up",
) -> Reconciliation:
    """Compare one futures ``positions`` row with levrisk's figures, field by field.

    The liquidation price is solved with :func:`liquidation_rule` at ``fee_rate`` (on
    ``margin`` when isolated, over ``account`` when cross) and compared in Gate's form,
    :func:`reported_liquidation_price` on the row's contract ``tick_size`` (a contract
    without one: the exact price); the unrealised PnL and the margins Gate reports are
    compared exact at Gate's decimals.

    Args:
        row: a row of :func:`position_report_from_payload`.
        account: the cross account of a cross row (``levrisk.futures.CrossAccount``).
        fee_rate: the taker fee rate of the liquidation condition, in [0, 1).
        mode: the rounding of the reported price (a ``levrisk.numbers.RoundingMode``).

    Returns:
        The :class:`~levrisk.exchanges.Reconciliation`.

    Raises:
        InvalidInputError: for a bad row, account, fee rate or mode.

    References:
        Gate API v4, "List all positions of a user" (``liq_price``); :ref:`rule-venues`,
        :ref:`rule-rounding` [checked].

    Examples:
        An isolated long of 200 contracts of 0.0001 BTC at 50,000 on 500 USDT, 2x:

        >>> from attrs import evolve
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as usdm
        >>> btc = evolve(usdm, symbol="BTC_USDT", contract_size="0.0001", tick_size="0.1")
        >>> row = dict(contract="BTC_USDT", size="200", lever="2", margin="500")
        >>> row |= dict(entry_price="50000", mark_price="50000", liq_price="25100.4")
        >>> row |= dict(pos_margin_mode="isolated", unrealised_pnl="0")
        >>> report = position_report_from_payload([row], contracts={"BTC_USDT": btc})
        >>> reconcile(report.rows[0]).agrees
        True

    .. versionadded:: 0.2.0
    """
    choice(mode, RoundingMode, "mode")
    return reconcile_position(
        row,
        rule=liquidation_rule(fee_rate=fee_rate),
        account=account,
        fee_rate=None,
        liquidation=lambda price, tick: (
            price if tick is None else reported_liquidation_price(price, tick_size=tick, mode=mode)
        ),
    )
