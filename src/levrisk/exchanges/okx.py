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

**Positions and balance.** :func:`position_report_from_payload` reads
``GET /api/v5/account/positions`` row by row, :func:`cross_wallet_balance_from_payload`
and :func:`cross_account_from_payloads` the cross wallet of ``GET /api/v5/account/balance``,
and :func:`reconcile` compares a row with levrisk's figures, ``liqPx`` in OKX's form
(:func:`reported_liquidation_price`, one tick toward the entry).

**Spot margin** (one pair, isolated or cross; :ref:`rule-okx-spot-margin`):
:func:`spot_margin_ratio` and :func:`spot_liquidation_price` in the current (quick margin)
mode, :func:`legacy_isolated_liquidation_price` in the legacy isolated mode, and
:func:`spot_available_to_borrow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final, Literal

from levrisk import _algebra
from levrisk._fields import non_negative_number, positive_number, require
from levrisk._typing import Side, choice, publish, side_sign
from levrisk.brackets import BracketTable, TierMaintenance
from levrisk.exceptions import BracketError, InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._funding_rules import OKX_AT_SETTLEMENT as AT_SETTLEMENT
from levrisk.exchanges._funding_rules import okx_funding_schedule as funding_schedule
from levrisk.exchanges._okx_spot import (
    OkxMarginPosition,
    legacy_isolated_liquidation_price,
    margin_position_report_from_payload,
    spot_available_to_borrow,
    spot_liquidation_price,
    spot_margin_ratio,
)
from levrisk.exchanges._okx_unified import (
    MULTI_CURRENCY_THRESHOLDS,
    PM_SPOT_SHOCKS,
    PM_SPOT_SHOCKS_OTHERS,
    OkxBalanceDetail,
    OkxBalanceReport,
    balance_report_from_payload,
    multi_currency_books_from_payload,
    multi_currency_positions_from_payload,
    portfolio_margin_minimum_charge,
    portfolio_margin_unit_mmr,
    reconcile_balance,
)
from levrisk.exchanges._payload import Json, OnMismatch, TierRow
from levrisk.exchanges._positions import (
    ReportedPosition,
    contract_for,
    cross_account,
    reconcile_position,
    report_rows,
    reported_row,
)
from levrisk.exchanges._reconcile import Reconciliation
from levrisk.exchanges._rows import Parsed
from levrisk.exchanges._rules import with_fee
from levrisk.futures import Contract, CrossAccount, LiquidationRule
from levrisk.interest import InterestCounting
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = [
    "AT_SETTLEMENT",
    "INTEREST_COUNTING",
    "LIQUIDATION_RATIO",
    "MULTI_CURRENCY_THRESHOLDS",
    "PM_SPOT_SHOCKS",
    "PM_SPOT_SHOCKS_OTHERS",
    "VENUE",
    "OkxBalanceDetail",
    "OkxBalanceReport",
    "OkxMarginPosition",
    "balance_report_from_payload",
    "cross_account_from_payloads",
    "cross_wallet_balance_from_payload",
    "equity_to_maintenance_ratio",
    "funding_schedule",
    "legacy_isolated_liquidation_price",
    "liquidation_rule",
    "margin_position_report_from_payload",
    "multi_currency_books_from_payload",
    "multi_currency_positions_from_payload",
    "portfolio_margin_minimum_charge",
    "portfolio_margin_unit_mmr",
    "position_report_from_payload",
    "position_tiers_from_payload",
    "reconcile",
    "reconcile_balance",
    "reported_liquidation_price",
    "spot_available_to_borrow",
    "spot_liquidation_price",
    "spot_margin_ratio",
]

publish(
    __name__,
    globals(),
    [
        "OkxMarginPosition",
        "legacy_isolated_liquidation_price",
        "margin_position_report_from_payload",
        "spot_available_to_borrow",
        "spot_liquidation_price",
        "spot_margin_ratio",
    ],
)

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
    on_mismatch: OnMismatch = "keep",
    maintenance: TierMaintenance = "whole",
) -> BracketTable:
    r"""Parse OKX's position tiers into a table counted in ``contracts · ct_val``.

    Each tier gives ``minSz``/``maxSz`` (contracts), ``mmr`` (maintenance rate),
    ``imr`` (initial rate) and ``maxLever``. Edges are scaled by ``ct_val``, exactly
    (every digit kept). OKX applies the ``mmr`` of the tier holding the position to the
    whole position, so the table is ``maintenance="whole"`` (no deduction, MM jumps at
    each edge; :ref:`rule-tier-maintenance`); ``"marginal"`` gives the deduction of the
    recursion of :ref:`rule-brackets` instead (levrisk's reading before 0.2.0):

    .. math::

        floor_k = ct\_val \cdot maxSz_{k-1}, \qquad cap_k = ct\_val \cdot maxSz_k,
        \qquad MM = n \cdot mmr_k

    Args:
        payload: the decoded JSON: the whole response (``{"code": "0", "data": [...]}``)
            or its ``data`` list.
        inst_family: the instrument family to keep (``"BTC-USDT"``) when the list holds
            several; matched against ``instFamily`` (or ``uly`` in older responses).
        ct_val: the contract value (``ctVal`` of the instrument), > 0; 1 keeps the table
            in contracts.
        on_mismatch: accepted for symmetry with the other parsers (OKX gives no amounts).
        maintenance: a ``levrisk.brackets.TierMaintenance``, ``"whole"`` (OKX's rule,
            the default) or ``"marginal"``.

    Returns:
        The table, in contracts times ``ct_val``.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path),
            several families and no ``inst_family``, an unknown family, or a bad
            ``ct_val``.
        BracketError: unsorted, overlapping or gapped tiers, or invalid rates.

    References:
        OKX API v5, "Get position tiers" and "Get instruments" (``ctVal``); OKX Support,
        "Tiered Maintenance Margin Ratio System" (the tier's rate on the position);
        :ref:`rule-tier-maintenance` [published].

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
        >>> table.maintenance, table.maintenance_margin(6)
        ('whole', Decimal('0.030'))

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
    previous = Decimal(0)  # the previous maxSz, as given (no division: every digit kept)
    for (at, obj), family in zip(objects, families, strict=True):
        if family != inst_family:
            continue
        low = _payload.number(obj, "minSz", where=at)
        if not previous <= low <= previous + (1 if rows else 0):
            problem = "overlap or unsorted" if low < previous else "a gap"
            msg = (
                f"{at}.minSz must be the previous maxSz {previous!r} (or one contract above), "
                f"got {low!r}: {problem}"
            )
            raise BracketError(msg)
        high = _payload.number(obj, "maxSz", where=at)
        rows.append(
            TierRow(
                where=at,
                floor=_algebra.EXACT.multiply(previous, size),
                cap=_algebra.EXACT.multiply(high, size),
                maintenance_rate=_payload.number(obj, "mmr", where=at),
                max_leverage=_payload.number(obj, "maxLever", where=at),
                initial_rate=_payload.optional_number(obj, "imr", where=at),
                floor_name="minSz",
                cap_name="maxSz",
            )
        )
        previous = high
    if not rows:
        msg = f"{where} holds no position tiers of instFamily {inst_family!r}"
        raise InvalidInputError(msg)
    return _payload.table_from_tiers(
        rows, where=where, on_mismatch=on_mismatch, maintenance=maintenance
    )


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
borrowing, none at borrowing — OKX Help, "VI. Interest Calculation" (updated 2024-09-13):
borrowed at 14:55, interest is first recorded at 15:00; repaid at 14:57, none
(:ref:`rule-interest`, :ref:`rule-okx-spot-margin` [published]). Pass it as ``counting=`` to
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


# ---------------------------------------------------------------- positions and balance

_DERIVATIVES: Final = ("SWAP", "FUTURES")


def _position_row(
    obj: Mapping[str, Json], contracts: Mapping[str, Contract], where: str
) -> ReportedPosition | None:
    inst_id = _payload.text(obj, "instId", where=where)
    kind = obj.get("instType", "SWAP")
    if kind not in _DERIVATIVES:
        msg = f"{where}.instType must be 'SWAP' or 'FUTURES' (a futures position), got {kind!r}"
        raise InvalidInputError(msg)
    pos = _payload.number(obj, "pos", where=where)
    if pos == 0:
        return None
    pos_side = obj.get("posSide", "net")
    if pos_side not in ("long", "short", "net"):
        msg = f"{where}.posSide must be 'long', 'short' or 'net', got {pos_side!r}"
        raise InvalidInputError(msg)
    side: Side = "long" if pos_side == "long" or (pos_side == "net" and pos > 0) else "short"
    mode = _payload.text(obj, "mgnMode", where=where)
    if mode not in ("isolated", "cross"):
        msg = f"{where}.mgnMode must be 'isolated' or 'cross', got {mode!r}"
        raise InvalidInputError(msg)
    return reported_row(
        obj,
        venue=VENUE,
        where=where,
        position={
            "contract": contract_for(contracts, inst_id, where=where),
            "side": side,
            "size": abs(pos),
            "leverage": lambda: _payload.number(obj, "lever", where=where),
        },
        margin_mode="isolated" if mode == "isolated" else "cross",
        fields=_POSITION_FIELDS,
    )


_POSITION_FIELDS: Final = {
    "entry_price": "avgPx",
    "margin": "margin",
    "mark_price": "markPx",
    "liquidation_price": "liqPx",
    "unrealized_pnl": "upl",
    "maintenance_margin": "mmr",
    "initial_margin": "imr",
    "break_even_price": "bePx",
}
"""OKX's key of each figure of an ``account/positions`` row."""


@exact
def position_report_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract], strict: bool = False
) -> Parsed:
    """Parse an ``account/positions`` response row by row: the good rows and a per-row report.

    ``pos`` counts contracts: the size is ``|pos|`` (give each instrument a ``Contract``
    with ``contract_size`` its ``ctVal``, ``kind="inverse"`` for the coin-margined
    ``-USD-`` instruments and ``tick_size`` its ``tickSz``); the side is ``posSide`` in
    long/short mode and the sign of ``pos`` in net mode; rows with ``pos`` 0 are skipped.
    ``mgnMode`` ``isolated`` positions carry their ``margin``; ``mmr`` and ``imr`` are
    the position's maintenance and initial margin (OKX's names), ``bePx`` its
    break-even price. A ``MARGIN`` or ``OPTION`` row is reported as an error.

    Args:
        payload: the decoded response (``{"code": "0", "data": [...]}``) or its ``data``.
        contracts: the ``levrisk.futures.Contract`` of each ``instId``.
        strict: raise the first bad row's error instead of reporting it.

    Returns:
        A :class:`~levrisk.exchanges.Parsed` of ``ReportedPosition`` rows; an
        ``InvalidInputError`` when the payload holds no list of objects or ``contracts``
        is not a mapping (with ``strict=True``, the first bad row's error).

    References:
        OKX API v5, "Get positions" (``GET /api/v5/account/positions``,
        https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions);
        :ref:`rule-futures-margin-pnl` [published].

    Examples:
        OKX's documented example row (an inverse ETH-USD future, 1 contract of 10 USD):

        >>> from levrisk.exchanges.binance import BTCUSD_PERP_BRACKETS
        >>> from levrisk.futures import Contract
        >>> eth = Contract(
        ...     symbol="ETH-USD-210430",
        ...     kind="inverse",
        ...     contract_size=10,
        ...     brackets=BTCUSD_PERP_BRACKETS,
        ...     margin_asset="ETH",
        ... )
        >>> row = {
        ...     "instId": "ETH-USD-210430",
        ...     "instType": "FUTURES",
        ...     "mgnMode": "isolated",
        ...     "posSide": "long",
        ...     "pos": "1",
        ...     "avgPx": "2566.31",
        ...     "lever": "10",
        ...     "margin": "0.0003896645377994",
        ...     "markPx": "2353.849",
        ...     "liqPx": "2352.8496681818233",
        ...     "mmr": "0.0000311811092368",
        ...     "imr": "",
        ...     "upl": "-0.0000009932766034",
        ...     "bePx": "2353.949",
        ... }
        >>> r = position_report_from_payload(
        ...     {"code": "0", "data": [row], "msg": ""}, contracts={"ETH-USD-210430": eth}
        ... ).rows[0]
        >>> r.position.side, r.margin, r.liquidation_price
        ('long', Decimal('0.0003896645377994'), Decimal('2352.8496681818233'))

    .. versionadded:: 0.2.0
    """
    rows, where = _data(payload)
    return report_rows(rows, where=where, contracts=contracts, parse=_position_row, strict=strict)


@exact
def cross_wallet_balance_from_payload(payload: Json, *, ccy: str = "USDT") -> Decimal:
    """The cash balance of one currency in an ``account/balance`` response.

    In single-currency margin the cross positions of ``ccy`` are margined on that
    currency: its ``cashBal`` (the balance before unrealised PnL; ``eq`` adds the PnL
    and the bots' ``stgyEq``) is the cross wallet.

    Args:
        payload: the decoded response (``{"code": "0", "data": [...]}``) or its ``data``.
        ccy: the margin currency (``"USDT"``).

    Returns:
        The currency's ``cashBal``.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names its path),
            an empty ``data``, or no such currency.

    References:
        OKX API v5, "Get balance" (``GET /api/v5/account/balance``,
        https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance);
        :ref:`rule-futures-liquidation-linear` [published].

    Examples:
        From OKX's documented example response:

        >>> cross_wallet_balance_from_payload(
        ...     {
        ...         "code": "0",
        ...         "data": [
        ...             {
        ...                 "totalEq": "55837.43556134779",
        ...                 "details": [
        ...                     {
        ...                         "ccy": "USDT",
        ...                         "cashBal": "4850.435693622894",
        ...                         "eq": "4992.890093622894",
        ...                         "upl": "-7.545600000000006",
        ...                         "stgyEq": "150",
        ...                     }
        ...                 ],
        ...             }
        ...         ],
        ...         "msg": "",
        ...     }
        ... )
        Decimal('4850.435693622894')

    .. versionadded:: 0.2.0
    """
    require(ccy, str, "ccy")
    accounts, where = _data(payload)
    if not accounts:
        msg = f"{where} holds no account"
        raise InvalidInputError(msg)
    at = f"{where}[0]"
    account = _payload.as_mapping(accounts[0], where=at)
    for place, entry in _payload.objects(
        _payload.field(account, "details", where=at), where=f"{at}.details"
    ):
        if _payload.text(entry, "ccy", where=place) == ccy:
            return _payload.number(entry, "cashBal", where=place)
    msg = f"{at}.details has no currency {ccy!r}"
    raise InvalidInputError(msg)


def _hedged(payload: Json) -> bool:
    rows, _ = _data(payload)
    return any(isinstance(r, Mapping) and r.get("posSide") in ("long", "short") for r in rows)


@exact
def cross_account_from_payloads(
    positions: Json, balance: Json, *, contracts: Mapping[str, Contract], ccy: str = "USDT"
) -> CrossAccount:
    """The cross account of an ``account/positions`` and an ``account/balance`` response.

    Every row must parse; isolated rows are left out; ``posSide`` long/short on any row
    means hedge (long/short) mode.

    Args:
        positions: the decoded ``account/positions`` response.
        balance: the decoded ``account/balance`` response.
        contracts: the contract of each ``instId``.
        ccy: the margin currency whose ``cashBal`` is the cross wallet.

    Returns:
        The ``levrisk.futures.CrossAccount`` of the cross positions; an
        ``InvalidInputError`` as :func:`position_report_from_payload` with ``strict=True``
        and :func:`cross_wallet_balance_from_payload` raise it.

    References:
        OKX API v5, "Get positions" and "Get balance";
        :ref:`rule-futures-liquidation-linear` [published].

    Examples:
        A net long of 2 contracts of 0.01 BTC on a 500 USDT cross wallet:

        >>> import attrs
        >>> from levrisk.exchanges import binance
        >>> swap = attrs.evolve(binance.BTCUSDT_CONTRACT, contract_size="0.01")
        >>> row = {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "mgnMode": "cross"}
        >>> row.update(posSide="net", pos="2", avgPx="50000", lever="2", markPx="50000")
        >>> balance = {"data": [{"details": [{"ccy": "USDT", "cashBal": "500"}]}]}
        >>> cross_account_from_payloads(
        ...     {"data": [row]}, balance, contracts={"BTC-USDT-SWAP": swap}
        ... ).positions[0].size
        Decimal('2')

    .. versionadded:: 0.2.0
    """
    wallet = cross_wallet_balance_from_payload(balance, ccy=ccy)
    report = position_report_from_payload(positions, contracts=contracts, strict=True)
    return cross_account(report.rows, wallet_balance=wallet, hedge=_hedged(positions))


@exact
def reconcile(
    row: ReportedPosition,
    *,
    account: CrossAccount | None = None,
    fee_rate: NumberLike = 0,
    break_even_fee_rate: NumberLike | None = None,
) -> Reconciliation:
    """Compare one ``account/positions`` row with levrisk's figures, field by field.

    The liquidation price is solved with :func:`liquidation_rule` at ``fee_rate`` (on
    ``margin`` when isolated, over ``account`` when cross) and compared in OKX's form,
    :func:`reported_liquidation_price`: one ``tick_size`` of the row's contract toward
    the entry (a contract without ``tick_size``: the exact price). ``mmr``, ``imr`` and
    ``upl`` are compared with levrisk's maintenance and initial margin and unrealised
    PnL at mark, ``bePx`` with the break-even price at ``break_even_fee_rate``.

    Args:
        row: a row of :func:`position_report_from_payload`.
        account: the cross account (:func:`cross_account_from_payloads`) of a cross row.
        fee_rate: the taker fee rate of the liquidation condition, in [0, 1).
        break_even_fee_rate: the fee rate to open and close of the break-even price
            (``None``: not computed).

    Returns:
        The :class:`~levrisk.exchanges.Reconciliation`.

    Raises:
        InvalidInputError: for a bad row, account or fee rate.

    References:
        OKX API v5, "Get positions" (``liqPx``, ``mmr``, ``imr``, ``upl``, ``bePx``);
        :ref:`rule-venues`, :ref:`rule-rounding` [checked].

    Examples:
        A 0.02 BTC isolated long (2 contracts of 0.01 BTC) at 50,000 on 500 USDT:

        >>> import json
        >>> from attrs import evolve
        >>> from levrisk.exchanges import binance
        >>> swap = evolve(binance.BTCUSDT_CONTRACT, contract_size="0.01", tick_size="0.1")
        >>> row = json.loads(
        ...     '{"instId": "BTC-USDT-SWAP", "instType": "SWAP", "mgnMode": "isolated",'
        ...     ' "posSide": "long", "pos": "2", "avgPx": "50000", "lever": "2", "margin": "500",'
        ...     ' "markPx": "50000", "liqPx": "25100.5016064257", "upl": "0", "mmr": "4"}'
        ... )
        >>> report = position_report_from_payload([row], contracts={"BTC-USDT-SWAP": swap})
        >>> check = reconcile(report.rows[0]).checks[-1]
        >>> check.field, round(check.exact, 4), check.exchange, check.agrees
        ('liquidation_price', Decimal('25100.4016'), Decimal('25100.5016064257'), True)

    .. versionadded:: 0.2.0
    """
    require(row, ReportedPosition, "row")
    side = row.position.side
    return reconcile_position(
        row,
        rule=liquidation_rule(fee_rate=fee_rate),
        account=account,
        fee_rate=break_even_fee_rate,
        liquidation=lambda price, tick: (
            price if tick is None else reported_liquidation_price(price, side=side, tick_size=tick)
        ),
    )
