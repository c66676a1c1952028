r"""Binance: USDⓈ-M and COIN-M futures, spot margin — presets, snapshots and parsers.

What is Binance-specific lives here as data; the algebra lives in ``levrisk.brackets``,
``levrisk.futures`` and ``levrisk.margin``.

**Rules and thresholds.** :data:`LIQUIDATION_RULE` (maintenance at mark, no close fee;
``USDM_RULE`` and ``COINM_RULE`` are its aliases) for ``levrisk.futures``;
:data:`CROSS_3X`, :data:`CROSS_5X`, :data:`ISOLATED_10X_TIER1` (the objects
``levrisk.margin`` also names ``BINANCE_CROSS_3X``, ...), :data:`MARGIN_ACCOUNTS` and
:data:`CROSS_MARGIN_PRO_LIQUIDATION_LEVEL` for ``levrisk.margin``;
:data:`SPOT_LIQUIDATION_FEE_RATE` and :data:`PRO_LIQUIDATION_FEE_RATE` (also importable
from ``levrisk.risk``); :data:`INTEREST_COUNTING` for ``levrisk.interest``.

**Contracts.** :data:`BTCUSDT_CONTRACT`, :data:`ETHUSDT_CONTRACT` (linear, contract size
1) and :data:`BTCUSD_PERP_CONTRACT` (inverse, 100 USD contracts) are
``levrisk.futures.Contract`` presets over the shipped snapshots; :data:`CONTRACTS` holds
each with its snapshot, rule and units
(:class:`~levrisk.exchanges.snapshots.ContractPreset`).

**Positions.** :func:`position_risks_from_payload`, :func:`cross_account_from_payload`
and :func:`mark_prices_from_payload` read ``GET /fapi/v2/positionRisk`` (or the COIN-M
``/dapi/v1/positionRisk``) into ``levrisk.futures`` positions and accounts.

**Bracket payloads.** :func:`brackets_from_payload` reads the response of
``GET /fapi/v1/leverageBracket`` (USDⓈ-M: ``notionalFloor``/``notionalCap`` in quote,
USDT) and ``GET /dapi/v2/leverageBracket`` (COIN-M: ``qtyFloor``/``qtyCap`` in coin),
either the single-symbol object or the list of symbols. Numbers may be JSON numbers or
strings. The published ``cum`` column is checked against the recursion of :ref:`rule-brackets`.

**A user's scaled brackets (``notionalCoef``).** Binance may adjust one user's brackets of
a symbol by a multiplier and then adds ``"notionalCoef"`` to that symbol's entry. The
endpoint is signed (per user), and the brackets it returns are that user's brackets:
floors, caps and ``cum`` already include the multiplier, so by default
(``notional_coef="included"``) they are used as given. Scaling every floor and cap by
``k`` scales every ``cum`` by ``k`` too (the recursion is linear in the floors), while the
rates and leverages stay: :func:`scale_brackets` does exactly that, to build a user's
table from the standard one (for example from a shipped snapshot), and
``notional_coef="apply"`` applies the payload's coefficient to brackets that are known to
be the standard ones. [derived: Binance documents the field only as "user symbol bracket
multiplier, only appears when user's symbol bracket is adjusted".]

**Snapshots.** :data:`BTCUSDT_SNAPSHOT`, :data:`ETHUSDT_SNAPSHOT` (USDⓈ-M) and
:data:`BTCUSD_PERP_SNAPSHOT` (COIN-M, in BTC) are dated transcriptions of Binance's
published tables (see :class:`~levrisk.exchanges.snapshots.Snapshot`); the ``*_BRACKETS``
names are their tables, :data:`SNAPSHOT_DATE` their date.

**Spot-margin accounts.** :func:`cross_margin_account_from_payload` reads
``GET /sapi/v1/margin/account`` into a ``levrisk.margin.CrossMarginAccount`` and
:func:`isolated_margin_accounts_from_payload` reads ``GET /sapi/v1/margin/isolated/account``
into one ``IsolatedMarginAccount`` per pair (balances, loans with their interest).

**Spot-margin tiers.** :func:`isolated_margin_tiers_from_payload` reads
``GET /sapi/v1/margin/isolatedMarginTier`` into :class:`IsolatedMarginTierRow` values and
:func:`isolated_tier_table_from_payload` into ``levrisk.margin``'s tier table;
:func:`pro_tiers_from_payload` reads Cross Margin Pro's liability brackets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

import attrs

from levrisk import _algebra, _fields
from levrisk._fields import non_negative, number, optional_number, positive
from levrisk._typing import choice, one_of
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError, LiquidationError
from levrisk.exchanges import _payload
from levrisk.exchanges._binance_coinm import (
    CoinmPositionRisk,
    _side,
    coinm_cross_account_from_payload,
    coinm_position_report_from_payload,
    coinm_reconcile,
)
from levrisk.exchanges._binance_portfolio import (
    MULTI_ASSETS_THRESHOLDS,
    PORTFOLIO_MARGIN_LOAN_RATES,
    PORTFOLIO_MARGIN_THRESHOLDS,
    AccountCheck,
    AccountReconciliation,
    AssetIndexRow,
    MultiAssetsReport,
    PortfolioMarginReport,
    asset_index_from_payload,
    multi_assets_books_from_payload,
    multi_assets_report_from_payload,
    portfolio_margin_books_from_payload,
    portfolio_margin_report_from_payload,
    reconcile_account,
)
from levrisk.exchanges._funding_rules import BINANCE_AT_SETTLEMENT as AT_SETTLEMENT
from levrisk.exchanges._funding_rules import BINANCE_DEFAULT_INTERVAL as DEFAULT_FUNDING_INTERVAL
from levrisk.exchanges._funding_rules import binance_funding_schedule as funding_schedule
from levrisk.exchanges._payload import Json, OnMismatch, TierRow
from levrisk.exchanges._positions import contract_for, held_position, position_checks
from levrisk.exchanges._reconcile import Reconciliation
from levrisk.exchanges._rows import Parsed, collect
from levrisk.exchanges.snapshots import ContractPreset, Snapshot, SnapshotSet, load
from levrisk.futures import (
    Contract,
    CrossAccount,
    LiquidationRule,
    Position,
    cross_liquidation_price,
    isolated_liquidation_price,
)
from levrisk.interest import InterestCounting
from levrisk.margin import (
    BINANCE_CROSS_3X,
    BINANCE_CROSS_5X,
    BINANCE_ISOLATED_10X_TIER1,
    PRO_LIQUIDATION_LEVEL,
    CrossMarginAccount,
    IsolatedMarginAccount,
    IsolatedTier,
    IsolatedTierTable,
    Loan,
    MarginThresholds,
)
from levrisk.numbers import NumberLike, exact, round_to_step, to_decimal
from levrisk.risk import PRO_LIQUIDATION_FEE_RATE as _PRO_FEE
from levrisk.risk import SPOT_LIQUIDATION_FEE_RATE as _SPOT_FEE

__all__ = [
    "AT_SETTLEMENT",
    "BTCUSDT_BRACKETS",
    "BTCUSDT_CONTRACT",
    "BTCUSDT_SNAPSHOT",
    "BTCUSD_PERP_BRACKETS",
    "BTCUSD_PERP_CONTRACT",
    "BTCUSD_PERP_SNAPSHOT",
    "COINM_RULE",
    "CONTRACTS",
    "CROSS_3X",
    "CROSS_5X",
    "CROSS_MARGIN_PRO_LIQUIDATION_LEVEL",
    "DEFAULT_FUNDING_INTERVAL",
    "ETHUSDT_BRACKETS",
    "ETHUSDT_CONTRACT",
    "ETHUSDT_SNAPSHOT",
    "INTEREST_COUNTING",
    "ISOLATED_10X_TIER1",
    "LIQUIDATION_RULE",
    "MARGIN_ACCOUNTS",
    "MULTI_ASSETS_THRESHOLDS",
    "PORTFOLIO_MARGIN_LOAN_RATES",
    "PORTFOLIO_MARGIN_THRESHOLDS",
    "PRO_LIQUIDATION_FEE_RATE",
    "SNAPSHOTS",
    "SNAPSHOT_DATE",
    "SPOT_LIQUIDATION_FEE_RATE",
    "USDM_RULE",
    "USDM_SNAPSHOTS",
    "VENUE",
    "AccountCheck",
    "AccountReconciliation",
    "AssetIndexRow",
    "CoinmPositionRisk",
    "IsolatedMarginTierRow",
    "MarginType",
    "MultiAssetsReport",
    "NotionalCoef",
    "PortfolioMarginReport",
    "PositionRisk",
    "asset_index_from_payload",
    "bracket_tables_from_payload",
    "brackets_from_payload",
    "coinm_cross_account_from_payload",
    "coinm_position_report_from_payload",
    "coinm_reconcile",
    "cross_account_from_payload",
    "cross_account_from_payloads",
    "cross_margin_account_from_payload",
    "cross_wallet_balance_from_payload",
    "funding_schedule",
    "isolated_margin_accounts_from_payload",
    "isolated_margin_tiers_from_payload",
    "isolated_tier_table_from_payload",
    "mark_prices_from_payload",
    "multi_assets_books_from_payload",
    "multi_assets_report_from_payload",
    "portfolio_margin_books_from_payload",
    "portfolio_margin_report_from_payload",
    "position_report_from_payload",
    "position_risks_from_payload",
    "pro_tiers_from_payload",
    "reconcile",
    "reconcile_account",
    "reported_liquidation_price",
    "reported_unrealized_pnl",
    "scale_brackets",
    "usdm_preset",
]

NotionalCoef: TypeAlias = Literal["included", "apply"]
"""How :func:`brackets_from_payload` treats a symbol's ``notionalCoef``.

``"included"`` (the default): the brackets are the user's own, already scaled, and are
used as given. ``"apply"``: the brackets are the standard ones and are scaled by the
coefficient with :func:`scale_brackets` (no coefficient: unchanged).
"""

VENUE: Final = "Binance"
"""The venue's name, as reports show it."""

_USDM = ("notionalFloor", "notionalCap")
_COINM = ("qtyFloor", "qtyCap")


def _tier_rows(entry: Mapping[str, Json], *, where: str) -> list[TierRow]:
    brackets = _payload.objects(
        _payload.field(entry, "brackets", where=where), where=f"{where}.brackets"
    )
    names = _COINM if brackets and "qtyCap" in brackets[0][1] else _USDM
    return [
        _payload.tier_row(
            obj,
            where=at,
            floor=names[0],
            cap=names[1],
            maintenance_rate="maintMarginRatio",
            max_leverage="initialLeverage",
            maintenance_amount="cum",
        )
        for at, obj in brackets
    ]


def _entry_table(
    entry: Mapping[str, Json],
    *,
    where: str,
    notional_coef: NotionalCoef,
    on_mismatch: OnMismatch,
) -> BracketTable:
    choice(notional_coef, NotionalCoef, "notional_coef")
    table = _payload.table_from_tiers(
        _tier_rows(entry, where=where), where=f"{where}.brackets", on_mismatch=on_mismatch
    )
    coef = _payload.optional_number(entry, "notionalCoef", where=where)
    if coef is not None and coef <= 0:
        msg = f"{where}.notionalCoef must be positive, got {coef!r}"
        raise InvalidInputError(msg)
    if notional_coef == "apply" and coef is not None:
        return scale_brackets(table, coef)
    return table


@exact
def brackets_from_payload(
    payload: Json,
    *,
    symbol: str | None = None,
    notional_coef: NotionalCoef = "included",
    on_mismatch: OnMismatch = "keep",
) -> BracketTable:
    r"""Parse Binance's ``leverageBracket`` response (USDⓈ-M or COIN-M) into a table.

    The market is recognised by the field names: ``notionalFloor``/``notionalCap``
    (USDⓈ-M, ``/fapi/v1/leverageBracket``, notional in quote) or ``qtyFloor``/``qtyCap``
    (COIN-M, ``/dapi/v2/leverageBracket``, notional in coin). Each bracket gives
    ``initialLeverage`` (max leverage), ``maintMarginRatio`` (``m``) and ``cum`` (the
    maintenance amount, checked against the recursion):

    .. math::

        cum_1 = 0, \qquad cum_k = cum_{k-1} + floor_k \cdot (m_k - m_{k-1})

    Args:
        payload: the decoded JSON: one ``{"symbol": ..., "brackets": [...]}`` object, or
            a list of them.
        symbol: which symbol to take from a list (not needed for a one-entry list).
        notional_coef: a :data:`NotionalCoef`, how a ``notionalCoef`` is treated.
        on_mismatch: what a ``cum`` that breaks the recursion does: ``"keep"`` (default:
            taken as published, :ref:`rule-tier-maintenance`), ``"raise"``, or ``"warn"``
            (keeps the derived amount).

    Returns:
        The validated table, in quote (USDⓈ-M) or coin (COIN-M) notional.

    Raises:
        InvalidInputError: a missing field, a value of the wrong type, a list with
            several symbols and no ``symbol``, or an unknown ``symbol``; the message names
            the field's path (``payload[0].brackets[2].maintMarginRatio``).
        BracketError: unsorted, overlapping or non-contiguous brackets, invalid rates or
            leverages, or a ``cum`` that breaks the recursion.

    References:
        Binance API, "Notional and Leverage Brackets (USER_DATA)" (USDⓈ-M and COIN-M);
        :ref:`rule-brackets` [published].

    Examples:
        >>> payload = {
        ...     "symbol": "BTCUSDT",
        ...     "brackets": [
        ...         {
        ...             "bracket": 1,
        ...             "initialLeverage": 125,
        ...             "notionalCap": 50000,
        ...             "notionalFloor": 0,
        ...             "maintMarginRatio": 0.004,
        ...             "cum": 0.0,
        ...         },
        ...         {
        ...             "bracket": 2,
        ...             "initialLeverage": 100,
        ...             "notionalCap": 250000,
        ...             "notionalFloor": 50000,
        ...             "maintMarginRatio": 0.005,
        ...             "cum": 50.0,
        ...         },
        ...     ],
        ... }
        >>> brackets_from_payload(payload).maintenance_margin(100_000)
        Decimal('450.000')

    .. versionadded:: 0.1.0
    """
    if isinstance(payload, Mapping):
        return _entry_table(
            payload, where="payload", notional_coef=notional_coef, on_mismatch=on_mismatch
        )
    entries = _payload.as_list(payload, where="payload")
    i, entry = _payload.pick_symbol(entries, symbol, key="symbol", where="payload")
    return _entry_table(
        entry, where=f"payload[{i}]", notional_coef=notional_coef, on_mismatch=on_mismatch
    )


@exact
def bracket_tables_from_payload(
    payload: Json,
    *,
    notional_coef: NotionalCoef = "included",
    on_mismatch: OnMismatch = "keep",
) -> dict[str, BracketTable]:
    """Parse every symbol of a list-form ``leverageBracket`` response.

    Args:
        payload: the decoded JSON list of ``{"symbol": ..., "brackets": [...]}`` objects
            (a single object is accepted too).
        notional_coef: as in :func:`brackets_from_payload`.
        on_mismatch: as in :func:`brackets_from_payload`.

    Returns:
        A table per symbol, in the payload's order.

    Raises:
        InvalidInputError: as in :func:`brackets_from_payload`, and for a symbol listed
            twice.
        BracketError: as in :func:`brackets_from_payload`.

    References:
        Binance API, "Notional and Leverage Brackets (USER_DATA)"; :ref:`rule-brackets`
        [published].

    Examples:
        >>> tier = {"initialLeverage": 100, "notionalFloor": 0, "notionalCap": 10000}
        >>> tables = bracket_tables_from_payload(
        ...     [
        ...         {"symbol": "BTCUSDT", "brackets": [{**tier, "maintMarginRatio": 0.004}]},
        ...         {"symbol": "ETHUSDT", "brackets": [{**tier, "maintMarginRatio": 0.005}]},
        ...     ]
        ... )
        >>> sorted(tables), tables["ETHUSDT"].maintenance_margin(10_000)
        (['BTCUSDT', 'ETHUSDT'], Decimal('50.000'))

    .. versionadded:: 0.1.0
    """
    entries = (
        [payload] if isinstance(payload, Mapping) else _payload.as_list(payload, where="payload")
    )
    tables: dict[str, BracketTable] = {}
    for i, raw in enumerate(entries):
        where = "payload" if isinstance(payload, Mapping) else f"payload[{i}]"
        entry = _payload.as_mapping(raw, where=where)
        name = _payload.text(entry, "symbol", where=where)
        if name in tables:
            msg = f"{where}.symbol {name!r} is listed twice"
            raise InvalidInputError(msg)
        tables[name] = _entry_table(
            entry, where=where, notional_coef=notional_coef, on_mismatch=on_mismatch
        )
    return tables


@exact
def scale_brackets(table: BracketTable, coef: NumberLike) -> BracketTable:
    r"""Scale a table's notional edges by a user's bracket multiplier ``k``.

    Floors, caps and maintenance amounts are multiplied by ``k``, exactly (every digit
    kept); rates, leverages and the table's ``maintenance`` stay. The recursion is linear
    in the floors, so the scaled amounts stay consistent:

    .. math::

        floor'_i = k \cdot floor_i, \quad cap'_i = k \cdot cap_i, \quad
        cum'_i = k \cdot cum_i

    Args:
        table: the standard table.
        coef: ``k > 0``, Binance's ``notionalCoef``.

    Returns:
        The user's table.

    Raises:
        InvalidInputError: when ``table`` is not a table or ``coef`` is not a positive
            number.

    References:
        Binance API, "Notional and Leverage Brackets" (``notionalCoef``); :ref:`rule-brackets`
        [derived].

    Examples:
        >>> scaled = scale_brackets(BTCUSDT_BRACKETS, "1.5")
        >>> scaled.brackets[1].floor, scaled.brackets[1].maintenance_amount
        (Decimal('75000.0'), Decimal('75.0000'))

    .. versionadded:: 0.1.0
    """
    _fields.require(table, BracketTable, "table")
    k = _fields.positive_number(coef, "coef")
    scale = _algebra.EXACT.multiply  # every digit kept: a 50-digit k scales exactly
    return BracketTable(
        brackets=[
            attrs.evolve(
                b,
                floor=scale(b.floor, k),
                cap=scale(b.cap, k),
                maintenance_amount=scale(b.maintenance_amount, k),
            )
            for b in table.brackets
        ],
        maintenance=table.maintenance,
    )


_MAX_TIER = 10_000


def _tier_number(value: Decimal, *, where: str) -> int:
    if not 1 <= value <= _MAX_TIER or value != value.to_integral_value():
        msg = f"{where}.tier must be a whole number from 1 to {_MAX_TIER}, got {value!r}"
        raise InvalidInputError(msg)
    return int(value)


_ABOVE_ONE = attrs.validators.and_(positive, _payload.check(lambda value: value > 1, "above 1"))
_WHOLE = _payload.check(
    lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= 1,
    "an integer ≥ 1",
)


@attrs.frozen(kw_only=True)
class IsolatedMarginTierRow:
    """One row of Binance's isolated margin tier data for one pair.

    Attributes:
        symbol: the pair (``"BTCUSDT"``).
        tier: the tier number, 1 for the smallest borrow.
        effective_multiple: the tier's max leverage (``effectiveMultiple``).
        initial_risk_ratio: the margin level a borrow must keep (``initialRiskRatio``,
            IRR; ``max_leverage = IRR/(IRR − 1)``).
        liquidation_risk_ratio: the margin level at which the pair is liquidated
            (``liquidationRiskRatio``).
        base_asset_max_borrowable: the most base asset this tier lends.
        quote_asset_max_borrowable: the most quote asset this tier lends.

    The margin-call ratio is not part of this payload (:ref:`rule-margin-level` quotes 1.09 for
    tier 1 of the 10x family).

    Examples:
        >>> IsolatedMarginTierRow(
        ...     symbol="BTCUSDT",
        ...     tier=1,
        ...     effective_multiple=10,
        ...     initial_risk_ratio="1.111",
        ...     liquidation_risk_ratio="1.05",
        ...     base_asset_max_borrowable=9,
        ...     quote_asset_max_borrowable=70000,
        ... ).tier
        1

    .. versionadded:: 0.1.0
    """

    symbol: str = attrs.field(validator=_payload.string)
    tier: int = attrs.field(validator=_WHOLE)
    effective_multiple: Decimal = attrs.field(converter=number, validator=_ABOVE_ONE)
    initial_risk_ratio: Decimal = attrs.field(converter=number, validator=_ABOVE_ONE)
    liquidation_risk_ratio: Decimal = attrs.field(converter=number, validator=_ABOVE_ONE)
    base_asset_max_borrowable: Decimal = attrs.field(converter=number, validator=non_negative)
    quote_asset_max_borrowable: Decimal = attrs.field(converter=number, validator=non_negative)

    @liquidation_risk_ratio.validator
    def _below_initial(self, _attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        if value >= self.initial_risk_ratio:
            msg = (
                f"liquidation_risk_ratio must be below initial_risk_ratio "
                f"{self.initial_risk_ratio!r}, got {value!r}"
            )
            raise InvalidInputError(msg)


_TIER_FIELDS = {
    "effective_multiple": "effectiveMultiple",
    "initial_risk_ratio": "initialRiskRatio",
    "liquidation_risk_ratio": "liquidationRiskRatio",
    "base_asset_max_borrowable": "baseAssetMaxBorrowable",
    "quote_asset_max_borrowable": "quoteAssetMaxBorrowable",
}


@exact
def isolated_margin_tiers_from_payload(
    payload: Json, *, symbol: str | None = None
) -> tuple[IsolatedMarginTierRow, ...]:
    """Parse ``GET /sapi/v1/margin/isolatedMarginTier`` into tier rows of one pair.

    Args:
        payload: the decoded JSON list of tier objects (``symbol``, ``tier``,
            ``effectiveMultiple``, ``initialRiskRatio``, ``liquidationRiskRatio``,
            ``baseAssetMaxBorrowable``, ``quoteAssetMaxBorrowable``; numbers as strings
            or JSON numbers).
        symbol: the pair to keep when the list holds several pairs.

    Returns:
        The pair's tiers, ordered by tier number ``1, 2, …``.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path),
            an empty list, several pairs and no ``symbol``, an unknown ``symbol``, tiers
            out of order or not numbered ``1, 2, …``, or a row whose liquidation ratio is
            not below its initial risk ratio.

    References:
        Binance API, "Query Isolated Margin Tier Data (USER_DATA)"; :ref:`rule-margin-level`
        [published].

    Examples:
        >>> rows = isolated_margin_tiers_from_payload(
        ...     [
        ...         {
        ...             "symbol": "BTCUSDT",
        ...             "tier": 1,
        ...             "effectiveMultiple": "10",
        ...             "initialRiskRatio": "1.111",
        ...             "liquidationRiskRatio": "1.05",
        ...             "baseAssetMaxBorrowable": "9",
        ...             "quoteAssetMaxBorrowable": "70000",
        ...         },
        ...     ]
        ... )
        >>> rows[0].liquidation_risk_ratio
        Decimal('1.05')

    .. versionadded:: 0.1.0
    """
    symbol = _payload.optional_text(symbol, "symbol")
    rows: list[IsolatedMarginTierRow] = []
    for where, obj in _payload.objects(payload, where="payload"):
        name = _payload.text(obj, "symbol", where=where)
        if symbol is not None and name != symbol:
            continue
        tier = _tier_number(_payload.number(obj, "tier", where=where), where=where)
        values = {
            attr: _payload.number(obj, key, where=where) for attr, key in _TIER_FIELDS.items()
        }
        if rows and name != rows[0].symbol:
            msg = (
                f"{where}.symbol is {name!r} but earlier tiers are {rows[0].symbol!r}: pass symbol="
            )
            raise InvalidInputError(msg)
        if tier != len(rows) + 1:
            msg = f"{where}.tier must be {len(rows) + 1} (tiers sorted 1, 2, …), got {tier!r}"
            raise InvalidInputError(msg)
        rows.append(IsolatedMarginTierRow(symbol=name, tier=tier, **values))
    if not rows:
        wanted = "" if symbol is None else f" for symbol {symbol!r}"
        msg = f"payload holds no isolated margin tiers{wanted}"
        raise InvalidInputError(msg)
    return tuple(rows)


def _parse_snapshot(payload: Json) -> BracketTable:
    return brackets_from_payload(payload)


_USDM_COLUMNS = (
    "bracket",
    "initialLeverage",
    "notionalFloor",
    "notionalCap",
    "maintMarginRatio",
    "cum",
)


def _usdm_rows(entry: Json) -> Json:
    """One stored symbol of the 2024 set as the ``leverageBracket`` entry it came from."""
    rows = _payload.as_list(_payload.as_mapping(entry, where="entry")["brackets"], where="entry")
    return {"brackets": [dict(zip(_USDM_COLUMNS, row, strict=True)) for row in rows]}  # type: ignore[call-overload]


_USDM_SET = SnapshotSet("binance_usdm_2024-10-24.json", _parse_snapshot, _usdm_rows)

USDM_SNAPSHOTS: Mapping[str, Snapshot] = _USDM_SET
"""Binance USDⓈ-M brackets of 349 symbols as the API returned them on 2024-10-24 (verified).

A read-only mapping symbol → :class:`~levrisk.exchanges.snapshots.Snapshot`
(``USDM_SNAPSHOTS["BTCUSDT"]``; delivery contracts as ``"BTCUSDT_241227"``), each table
parsed on first use. Source: "Binance USDⓈ-M leverage brackets, API, 2024-10-24"
(``GET /fapi/v1/leverageBracket``; the rows kept by freqtrade's
``binance_leverage_tiers.json`` at commit 3d9514d). Every row is checked against that
payload in the test suite (:ref:`rule-brackets` [published]).
"""

BTCUSDT_SNAPSHOT: Snapshot = load("binance_usdm_BTCUSDT.json", _parse_snapshot)
"""UNVERIFIED: Binance USDⓈ-M BTCUSDT brackets dated 2022-01-01, transcribed from Binance's
page from memory (``verified=False``; see ``.notes``). Kept because the examples of the
documentation are worked on it; the verified table is ``USDM_SNAPSHOTS["BTCUSDT"]``."""

ETHUSDT_SNAPSHOT: Snapshot = load("binance_usdm_ETHUSDT.json", _parse_snapshot)
"""UNVERIFIED: Binance USDⓈ-M ETHUSDT brackets dated 2022-01-01, transcribed (less certain;
see ``.notes``); the verified table is ``USDM_SNAPSHOTS["ETHUSDT"]``."""

BTCUSD_PERP_SNAPSHOT: Snapshot = load("binance_coinm_BTCUSD_PERP.json", _parse_snapshot)
"""UNVERIFIED: Binance COIN-M BTCUSD_PERP brackets in BTC dated 2022-01-01, transcribed (no
COIN-M ``leverageBracket`` payload could be sourced; see ``.notes``)."""

BTCUSDT_BRACKETS: BracketTable = BTCUSDT_SNAPSHOT.brackets
"""The table of :data:`BTCUSDT_SNAPSHOT` (quote notional, USDT)."""

ETHUSDT_BRACKETS: BracketTable = ETHUSDT_SNAPSHOT.brackets
"""The table of :data:`ETHUSDT_SNAPSHOT` (quote notional, USDT)."""

BTCUSD_PERP_BRACKETS: BracketTable = BTCUSD_PERP_SNAPSHOT.brackets
"""The table of :data:`BTCUSD_PERP_SNAPSHOT` (coin notional, BTC)."""

SNAPSHOTS: Mapping[str, Snapshot] = {
    s.symbol: s for s in (BTCUSDT_SNAPSHOT, ETHUSDT_SNAPSHOT, BTCUSD_PERP_SNAPSHOT)
}
"""The unverified 2022 snapshots of the three contract presets, by symbol
(:data:`USDM_SNAPSHOTS` holds the verified 2024 tables of every USDⓈ-M symbol)."""

SNAPSHOT_DATE: dt.date = BTCUSDT_SNAPSHOT.date
"""The date of :data:`SNAPSHOTS` (2022-01-01, unverified; :data:`USDM_SNAPSHOTS` is of
2024-10-24)."""

INTEREST_COUNTING: InterestCounting = "binance"
"""Binance spot margin charges one hour of interest at borrowing, then one at every UTC
``HH:00`` while the loan is open (:ref:`rule-interest` [published]). Pass it as
``counting=`` to ``levrisk.interest.accrued_interest``."""


# ---------------------------------------------------------------- futures rules

LIQUIDATION_RULE: LiquidationRule = LiquidationRule()
"""Binance futures, USDⓈ-M and COIN-M: maintenance at mark (bracket at the liquidation
price), no close fee.

The clearance fee Binance charges on liquidation does not move the price
(:ref:`rule-futures-liquidation-linear` and :ref:`rule-futures-liquidation-inverse`
[checked], :ref:`rule-venues` [published]). It is ``levrisk.futures``' default rule.
"""

USDM_RULE: LiquidationRule = LIQUIDATION_RULE
"""Alias of :data:`LIQUIDATION_RULE` (the USDⓈ-M name, kept)."""

COINM_RULE: LiquidationRule = LIQUIDATION_RULE
"""Alias of :data:`LIQUIDATION_RULE` (the COIN-M name, kept: the same rule in coin values)."""


# ---------------------------------------------------------------- contract presets

BTCUSDT_CONTRACT: Contract = Contract(
    symbol="BTCUSDT", kind="linear", contract_size=1, brackets=BTCUSDT_BRACKETS
)
"""USDⓈ-M BTCUSDT perpetual: linear, size in BTC, margin in USDT, brackets of
:data:`BTCUSDT_SNAPSHOT` (Binance, "Contract Specifications")."""

ETHUSDT_CONTRACT: Contract = Contract(
    symbol="ETHUSDT", kind="linear", contract_size=1, brackets=ETHUSDT_BRACKETS
)
"""USDⓈ-M ETHUSDT perpetual: linear, size in ETH, margin in USDT, brackets of
:data:`ETHUSDT_SNAPSHOT` (Binance, "Contract Specifications")."""

BTCUSD_PERP_CONTRACT: Contract = Contract(
    symbol="BTCUSD_PERP",
    kind="inverse",
    contract_size=100,
    brackets=BTCUSD_PERP_BRACKETS,
    margin_asset="BTC",
)
"""COIN-M BTCUSD_PERP perpetual: inverse, contracts of 100 USD, margin in BTC, brackets of
:data:`BTCUSD_PERP_SNAPSHOT` (Binance, "Contract Specifications")."""

CONTRACTS: Mapping[str, ContractPreset] = MappingProxyType(
    {
        contract.symbol: ContractPreset(
            contract=contract,
            snapshot=SNAPSHOTS[contract.symbol],
            rule=LIQUIDATION_RULE,
            price_unit=price_unit,
            margin_unit=margin_unit,
            size_unit=size_unit,
        )
        for contract, price_unit, margin_unit, size_unit in (
            (BTCUSDT_CONTRACT, "USDT", "USDT", "BTC"),
            (ETHUSDT_CONTRACT, "USDT", "USDT", "ETH"),
            (BTCUSD_PERP_CONTRACT, "USD", "BTC", "contracts of 100 USD"),
        )
    }
)
"""Every contract with a shipped snapshot, by symbol: the contract, its snapshot, its rule
and the units its figures are in (what the ``levrisk`` command shows)."""


def usdm_preset(symbol: str) -> ContractPreset:
    """The linear USDⓈ-M contract of ``symbol`` over its snapshot of :data:`USDM_SNAPSHOTS`.

    Every USDⓈ-M contract is linear with a contract size of 1 (sizes in base units);
    the units come from the market's ccxt name stored with the snapshot
    (``"BTC/USDT:USDT"``: prices and margin in USDT, sizes in BTC).

    Args:
        symbol: a symbol of :data:`USDM_SNAPSHOTS` (``"SOLUSDT"``, ``"BTCUSDT_241227"``).

    Returns:
        The :class:`~levrisk.exchanges.snapshots.ContractPreset`, with
        :data:`LIQUIDATION_RULE`.

    Raises:
        InvalidInputError: for a symbol the snapshots do not hold.

    References:
        Binance, "Contract Specifications" (USDⓈ-M: linear, quantity in base units);
        :ref:`rule-venues` [published].

    Examples:
        >>> preset = usdm_preset("SOLUSDT")
        >>> preset.contract.kind, preset.price_unit, preset.size_unit, preset.snapshot.verified
        ('linear', 'USDT', 'SOL', True)

    .. versionadded:: 0.2.0
    """
    symbol = _payload.optional_text(symbol, "symbol") or ""
    if symbol not in USDM_SNAPSHOTS:
        msg = f"symbol must be one of USDM_SNAPSHOTS (Binance USDⓈ-M, 2024-10-24), got {symbol!r}"
        raise InvalidInputError(msg)
    snapshot = USDM_SNAPSHOTS[symbol]
    market = _USDM_SET._entry(symbol)["ccxt"]  # noqa: SLF001 - the set's own raw entry
    base, _, rest = str(market).partition("/")
    quote, _, settle = rest.partition(":")  # a delivery contract's settle ends "-241227"
    return ContractPreset(
        contract=Contract(
            symbol=symbol, kind="linear", contract_size=1, brackets=snapshot.brackets
        ),
        snapshot=snapshot,
        rule=LIQUIDATION_RULE,
        price_unit=quote,
        margin_unit=settle.partition("-")[0],
        size_unit=base,
    )


# ---------------------------------------------------------------- positionRisk

MarginType: TypeAlias = Literal["isolated", "cross"]
"""Binance's ``marginType`` of a position."""


@attrs.frozen(kw_only=True)
class PositionRisk:
    """One open position of a ``positionRisk`` response, with what Binance reports on it.

    Attributes:
        position: the ``levrisk.futures.Position``.
        margin_type: a :data:`MarginType`.
        isolated_wallet: the isolated position's margin (``isolatedWallet``; 0 for cross).
        mark_price: the mark price Binance reports (``markPrice``).
        liquidation_price: Binance's own liquidation price, or ``None`` where it shows 0.
        unrealized_pnl: Binance's ``unRealizedProfit`` (``None`` where absent).
        break_even_price: Binance's ``breakEvenPrice`` (``None`` where absent or 0).
        maintenance_margin: Binance's ``maintMargin`` (v3; ``None`` where absent).
        initial_margin: Binance's ``positionInitialMargin`` (v3; ``None`` where absent).

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       The figures Binance reports (``unrealized_pnl`` and after), for :func:`reconcile`.
    """

    position: Position = attrs.field(validator=_payload.is_a(Position))
    margin_type: MarginType = attrs.field(validator=one_of(MarginType))
    isolated_wallet: Decimal = attrs.field(converter=number, validator=non_negative)
    mark_price: Decimal = attrs.field(converter=number, validator=positive)
    liquidation_price: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )
    unrealized_pnl: Decimal | None = attrs.field(default=None, converter=optional_number)
    break_even_price: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )
    maintenance_margin: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=non_negative
    )
    initial_margin: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=non_negative
    )


def _margin_type(obj: Mapping[str, Json], *, where: str) -> MarginType:
    """``marginType`` (v2, COIN-M), or from the isolated wallet where v3 dropped it."""
    if "marginType" in obj:
        raw = _payload.text(obj, "marginType", where=where).lower()
        margin_type: MarginType = choice(raw, MarginType, f"{where}.marginType")
        return margin_type
    wallet = _payload.optional_number(obj, "isolatedWallet", where=where) or 0
    return "isolated" if wallet else "cross"


def _leverage(obj: Mapping[str, Json], *, where: str) -> Decimal:
    """``leverage`` (v2, COIN-M), or ``|notional| / positionInitialMargin`` (v3)."""
    if "leverage" in obj or "positionInitialMargin" not in obj:
        return _payload.number(obj, "leverage", where=where)
    margin = _payload.number(obj, "positionInitialMargin", where=where)
    if margin <= 0:
        msg = f"{where}.positionInitialMargin must be positive to give the leverage, got {margin!r}"
        raise InvalidInputError(msg)
    return abs(_payload.number(obj, "notional", where=where)) / margin


def _position_risk(
    obj: Mapping[str, Json], contracts: Mapping[str, Contract], *, where: str
) -> PositionRisk | None:
    symbol = _payload.text(obj, "symbol", where=where)
    amount = _payload.number(obj, "positionAmt", where=where)
    if amount == 0:
        return None
    contract = contract_for(contracts, symbol, where=f"{where}.symbol", named=True)
    margin_type = _margin_type(obj, where=where)
    liquidation = _payload.optional_number(obj, "liquidationPrice", where=where)
    try:
        position = held_position(
            contract=contract,
            side=_side(obj, amount, where=where),
            size=abs(amount),
            entry_price=_payload.number(obj, "entryPrice", where=where),
            leverage=_leverage(obj, where=where),
            where=where,
        )
        return PositionRisk(
            position=position,
            margin_type=margin_type,
            isolated_wallet=_payload.optional_number(obj, "isolatedWallet", where=where) or 0,
            mark_price=_payload.number(obj, "markPrice", where=where),
            liquidation_price=liquidation or None,
            unrealized_pnl=_payload.optional_number(obj, "unRealizedProfit", where=where),
            break_even_price=_payload.optional_number(obj, "breakEvenPrice", where=where) or None,
            maintenance_margin=_payload.optional_number(obj, "maintMargin", where=where),
            initial_margin=_payload.optional_number(obj, "positionInitialMargin", where=where),
        )
    except InvalidInputError as error:
        msg = f"{where}: {error}"
        raise type(error)(msg) from error


@exact
def position_risks_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract]
) -> tuple[PositionRisk, ...]:
    """Parse a ``positionRisk`` response into the open positions it lists.

    Entries with ``positionAmt`` 0 (Binance lists every symbol) are skipped. The side is
    ``positionSide`` in hedge mode (``LONG``/``SHORT``), the sign of ``positionAmt`` in
    one-way mode (``BOTH``); the size is ``|positionAmt|`` (base units on USDⓈ-M,
    contracts on COIN-M).

    Args:
        payload: the decoded JSON list of ``GET /fapi/v2/positionRisk``,
            ``/fapi/v3/positionRisk`` (no ``marginType``: isolated where
            ``isolatedWallet`` is not 0; no ``leverage``: ``|notional| /
            positionInitialMargin``) or ``/dapi/v1/positionRisk`` entries.
        contracts: the ``levrisk.futures.Contract`` of each symbol (its bracket table from
            :func:`brackets_from_payload`; ``kind="inverse"`` and ``contract_size`` for
            COIN-M).

    Returns:
        The open positions, in payload order.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path), a
            symbol without a contract, or a position the contract does not admit (e.g.
            ``LeverageError`` for a leverage above its bracket).

    References:
        Binance API, "Position Information V2 (USER_DATA)" and "Position Information V3
        (USER_DATA)" (``GET /fapi/v3/positionRisk``); :ref:`rule-futures-margin-pnl`
        [published].

    Examples:
        >>> from levrisk.futures import Contract
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=BTCUSDT_BRACKETS)
        >>> risks = position_risks_from_payload(
        ...     [
        ...         {
        ...             "symbol": "BTCUSDT",
        ...             "positionAmt": "-0.100",
        ...             "entryPrice": "60000.0",
        ...             "markPrice": "59000.00000000",
        ...             "unRealizedProfit": "100.00000000",
        ...             "liquidationPrice": "65000.12345",
        ...             "leverage": "10",
        ...             "marginType": "isolated",
        ...             "isolatedWallet": "600.00000000",
        ...             "positionSide": "BOTH",
        ...         }
        ...     ],
        ...     contracts={"BTCUSDT": btc},
        ... )
        >>> risks[0].position.side, risks[0].position.size, risks[0].isolated_wallet
        ('short', Decimal('0.100'), Decimal('600.00000000'))

    .. versionadded:: 0.1.0
    """
    if not isinstance(contracts, Mapping):
        msg = f"contracts must be a mapping of symbol to Contract, got {contracts!r}"
        raise InvalidInputError(msg)
    risks: list[PositionRisk] = []
    for where, obj in _payload.objects(payload, where="payload"):
        risk = _position_risk(obj, contracts, where=where)
        if risk is not None:
            risks.append(risk)
    return tuple(risks)


@exact
def cross_account_from_payload(
    payload: Json, *, wallet_balance: NumberLike, contracts: Mapping[str, Contract]
) -> CrossAccount:
    """Build the cross account of a ``positionRisk`` response (its cross positions).

    Isolated positions are left out (each is its own account). The position mode is
    ``"hedge"`` when any entry has ``positionSide`` ``LONG`` or ``SHORT``.

    Args:
        payload: the decoded ``positionRisk`` list.
        wallet_balance: the cross wallet balance (``crossWalletBalance`` of the account
            endpoint), ≥ 0.
        contracts: the contract of each symbol, as in :func:`position_risks_from_payload`.

    Returns:
        The ``levrisk.futures.CrossAccount``; mark prices are in :func:`mark_prices_from_payload`.

    Raises:
        InvalidInputError: as :func:`position_risks_from_payload`, or a bad wallet.

    References:
        Binance API, "Position Information V2" and "Account Information V2";
        :ref:`rule-futures-liquidation-linear` [checked].

    Examples:
        >>> from levrisk.futures import Contract, cross_liquidation_price
        >>> from levrisk.numbers import round_to_step
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=BTCUSDT_BRACKETS)
        >>> payload = [
        ...     {
        ...         "symbol": "BTCUSDT",
        ...         "positionAmt": "0.020",
        ...         "entryPrice": "50000",
        ...         "markPrice": "50000",
        ...         "liquidationPrice": "25100.40",
        ...         "leverage": "2",
        ...         "marginType": "cross",
        ...         "isolatedWallet": "0",
        ...         "positionSide": "BOTH",
        ...     }
        ... ]
        >>> account = cross_account_from_payload(
        ...     payload, wallet_balance=500, contracts={"BTCUSDT": btc}
        ... )
        >>> lp = cross_liquidation_price(account, "BTCUSDT", mark_prices={}, rule=USDM_RULE)
        >>> round_to_step(lp, "0.01", "half_up")
        Decimal('25100.40')

    .. versionadded:: 0.1.0
    """
    risks = [
        r
        for r in position_risks_from_payload(payload, contracts=contracts)
        if r.margin_type == "cross"
    ]
    hedge = any(
        _payload.as_mapping(raw, where="payload").get("positionSide", "BOTH") != "BOTH"
        for raw in _payload.as_list(payload, where="payload")
    )
    return CrossAccount(
        wallet_balance=wallet_balance,
        positions=[r.position for r in risks],
        position_mode="hedge" if hedge else "one_way",
    )


@exact
def mark_prices_from_payload(payload: Json) -> dict[str, Decimal]:
    """The ``markPrice`` of every symbol of a ``positionRisk`` (or ``premiumIndex``) list.

    Args:
        payload: the decoded JSON list of objects with ``symbol`` and ``markPrice``.

    Returns:
        The mark price by symbol (entries without a positive mark are skipped).

    Raises:
        InvalidInputError: a missing field or wrong type, naming its path.

    References:
        Binance API, "Position Information V2", "Mark Price"; :ref:`rule-futures-margin-pnl`.

    Examples:
        >>> mark_prices_from_payload([{"symbol": "BTCUSDT", "markPrice": "59000.5"}])
        {'BTCUSDT': Decimal('59000.5')}

    .. versionadded:: 0.1.0
    """
    marks: dict[str, Decimal] = {}
    for where, obj in _payload.objects(payload, where="payload"):
        price = _payload.number(obj, "markPrice", where=where)
        if price > 0:
            marks[_payload.text(obj, "symbol", where=where)] = price
    return marks


@exact
def position_report_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract], strict: bool = False
) -> Parsed:
    """Parse a ``positionRisk`` response row by row: the good rows and a per-row error report.

    Like :func:`position_risks_from_payload` (v2, v3 and COIN-M), but a row that cannot
    be parsed (a missing field, a symbol without a contract, a leverage the table would
    not allow today) is reported in ``errors`` instead of aborting the whole parse.

    Args:
        payload: the decoded ``positionRisk`` list.
        contracts: the contract of each symbol.
        strict: raise the first row's error instead of reporting it.

    Returns:
        A :class:`~levrisk.exchanges.Parsed` of :class:`PositionRisk` rows.

    Raises:
        InvalidInputError: when ``payload`` is not a list of objects or ``contracts`` not
            a mapping; with ``strict=True``, the first bad row's error.

    References:
        Binance API, "Position Information V3 (USER_DATA)"; :ref:`rule-futures-margin-pnl`
        [published].

    Examples:
        >>> row = {
        ...     "symbol": "BTCUSDT",
        ...     "positionSide": "BOTH",
        ...     "positionAmt": "0.001",
        ...     "entryPrice": "60000",
        ...     "markPrice": "60000",
        ...     "notional": "60",
        ...     "positionInitialMargin": "3",
        ...     "isolatedWallet": "0",
        ... }
        >>> report = position_report_from_payload(
        ...     [row, {"symbol": "DOGEUSDT", "positionAmt": "1"}],
        ...     contracts={"BTCUSDT": BTCUSDT_CONTRACT},
        ... )
        >>> report.rows[0].position.leverage, report.errors[0].where
        (Decimal('20'), 'payload[1]')

    .. versionadded:: 0.2.0
    """
    if not isinstance(contracts, Mapping):
        msg = f"contracts must be a mapping of symbol to Contract, got {contracts!r}"
        raise InvalidInputError(msg)
    rows = _payload.objects(payload, where="payload")
    return collect(
        rows, lambda where, obj: _position_risk(obj, contracts, where=where), strict=strict
    )


@exact
def cross_wallet_balance_from_payload(payload: Json, *, asset: str | None = None) -> Decimal:
    """The cross wallet balance of an ``account`` response (USDⓈ-M v2 or v3).

    Args:
        payload: the decoded ``GET /fapi/v2/account`` or ``/fapi/v3/account`` object.
        asset: the margin asset whose ``crossWalletBalance`` to take from ``assets``
            (single-asset mode); ``None`` takes ``totalCrossWalletBalance`` (multi-assets
            mode, in USD value).

    Returns:
        The balance, in the asset (or USD value).

    Raises:
        InvalidInputError: a missing field or wrong type (the message names its path),
            or an asset the payload does not list.

    References:
        Binance API, "Account Information V2 (USER_DATA)" and "Account Information V3
        (USER_DATA)"; :ref:`rule-futures-liquidation-linear` [published].

    Examples:
        >>> account = {
        ...     "totalCrossWalletBalance": "103.12345678",
        ...     "assets": [{"asset": "USDT", "crossWalletBalance": "23.72469206"}],
        ... }
        >>> cross_wallet_balance_from_payload(account, asset="USDT")
        Decimal('23.72469206')

    .. versionadded:: 0.2.0
    """
    obj = _payload.as_mapping(payload, where="payload")
    asset = _payload.optional_text(asset, "asset")
    if asset is None:
        return _payload.number(obj, "totalCrossWalletBalance", where="payload")
    for where, row in _payload.objects(
        _payload.field(obj, "assets", where="payload"), where="payload.assets"
    ):
        if _payload.text(row, "asset", where=where) == asset:
            return _payload.number(row, "crossWalletBalance", where=where)
    msg = f"payload.assets has no asset {asset!r}"
    raise InvalidInputError(msg)


@exact
def cross_account_from_payloads(
    positions: Json, account: Json, *, contracts: Mapping[str, Contract], asset: str | None = "USDT"
) -> CrossAccount:
    """The cross account of a ``positionRisk`` response and an ``account`` response.

    Args:
        positions: the decoded ``positionRisk`` list (v2, v3 or COIN-M).
        account: the decoded ``account`` object (v2 or v3).
        contracts: the contract of each symbol.
        asset: as in :func:`cross_wallet_balance_from_payload`.

    Returns:
        The ``levrisk.futures.CrossAccount`` of the cross positions.

    Raises:
        InvalidInputError: as :func:`cross_account_from_payload` and
            :func:`cross_wallet_balance_from_payload`.

    References:
        Binance API, "Position Information V3" and "Account Information V3";
        :ref:`rule-futures-liquidation-linear` [published].

    Examples:
        >>> row = {
        ...     "symbol": "BTCUSDT",
        ...     "positionSide": "BOTH",
        ...     "positionAmt": "0.020",
        ...     "entryPrice": "50000",
        ...     "markPrice": "50000",
        ...     "notional": "1000",
        ...     "positionInitialMargin": "500",
        ...     "isolatedWallet": "0",
        ... }
        >>> account = {"assets": [{"asset": "USDT", "crossWalletBalance": "500"}]}
        >>> cross_account_from_payloads(
        ...     [row], account, contracts={"BTCUSDT": BTCUSDT_CONTRACT}
        ... ).wallet_balance
        Decimal('500')

    .. versionadded:: 0.2.0
    """
    wallet = cross_wallet_balance_from_payload(account, asset=asset)
    return cross_account_from_payload(positions, wallet_balance=wallet, contracts=contracts)


_EIGHT: Final = Decimal("0.00000001")


@exact
def reported_liquidation_price(price: NumberLike | None) -> Decimal | None:
    """Levrisk's exact liquidation price as Binance reports it: 8 decimals, half up.

    Args:
        price: the exact price (``None``: no liquidation price; Binance shows ``"0"``).

    Returns:
        The price at 8 decimals, rounded half up, or ``None``.

    Raises:
        InvalidInputError: when ``price`` is not a positive number.

    References:
        Binance API, "Position Information V3" (``liquidationPrice``), checked on API
        responses quoted in public issue threads; :ref:`rule-rounding` [checked].

    Examples:
        >>> reported_liquidation_price("25100.403750005")
        Decimal('25100.40375001')

    .. versionadded:: 0.2.0
    """
    if price is None:
        return None
    return round_to_step(_fields.positive_number(price, "price"), _EIGHT, "half_up")


@exact
def reported_unrealized_pnl(pnl: NumberLike) -> Decimal:
    """Levrisk's exact unrealised PnL as Binance reports it: 8 decimals, toward zero.

    Args:
        pnl: the exact PnL (any sign).

    Returns:
        The PnL truncated toward zero at 8 decimals.

    Raises:
        InvalidInputError: when ``pnl`` is not a number.

    References:
        Binance API, "Position Information V3" (``unRealizedProfit``); :ref:`rule-rounding`
        [checked on API responses quoted in public issue threads].

    Examples:
        A loss truncates toward zero, as a gain does:

        >>> reported_unrealized_pnl("-0.123456789"), reported_unrealized_pnl("0.123456789")
        (Decimal('-0.12345678'), Decimal('0.12345678'))

    .. versionadded:: 0.2.0
    """
    return round_to_step(to_decimal(pnl, name="pnl"), _EIGHT, "down")


def _shown(value: Decimal) -> Decimal:
    return round_to_step(value, _EIGHT, "half_up")


@exact
def reconcile(
    risk: PositionRisk,
    *,
    account: CrossAccount | None = None,
    fee_rate: NumberLike | None = None,
) -> Reconciliation:
    """Compare one ``positionRisk`` row with levrisk's figures, field by field.

    Checks the figures the row reports: ``liquidation_price`` (isolated: with its
    ``isolatedWallet``; cross: over ``account``, at the row's mark for every other
    position), ``maintenance_margin`` and ``initial_margin`` (v3, at mark),
    ``unrealized_pnl`` (at mark) and ``break_even_price`` (with ``fee_rate`` as opening
    and closing fee). Reported forms: :func:`reported_liquidation_price`,
    :func:`reported_unrealized_pnl`, 8 decimals half up for the others.

    Args:
        risk: a row of :func:`position_report_from_payload`.
        account: the cross account (:func:`cross_account_from_payloads`) for a cross
            position; without it the cross liquidation price is not computed.
        fee_rate: the taker fee rate of the break-even price (``None``: not computed).

    Returns:
        The :class:`~levrisk.exchanges.Reconciliation`.

    Raises:
        InvalidInputError: for a bad row, account or fee rate.

    References:
        Binance API, "Position Information V3"; :ref:`rule-futures-liquidation-linear`,
        :ref:`rule-rounding` [checked].

    Examples:
        >>> row = {
        ...     "symbol": "BTCUSDT",
        ...     "positionSide": "BOTH",
        ...     "positionAmt": "-0.100",
        ...     "entryPrice": "60000",
        ...     "markPrice": "59000",
        ...     "notional": "-5900",
        ...     "positionInitialMargin": "590",
        ...     "isolatedWallet": "600",
        ...     "unRealizedProfit": "100.00000000",
        ...     "liquidationPrice": "65737.05179283",
        ...     "maintMargin": "23.6",
        ... }
        >>> report = position_report_from_payload([row], contracts={"BTCUSDT": BTCUSDT_CONTRACT})
        >>> result = reconcile(report.rows[0])
        >>> [(c.field, c.agrees) for c in result.checks]  # doctest: +NORMALIZE_WHITESPACE
        [('maintenance_margin', True), ('initial_margin', True), ('unrealized_pnl', True),
         ('liquidation_price', True)]

    .. versionadded:: 0.2.0
    """
    _fields.require(risk, PositionRisk, "risk")
    pos, mark = risk.position, risk.mark_price
    checks = position_checks(
        pos,
        mark,
        risk,
        fee_rate=fee_rate,
        shown=_shown,
        pnl=reported_unrealized_pnl,
        liquidation=lambda: _liquidation(risk, account),
        shown_liquidation=reported_liquidation_price,
    )
    return Reconciliation(venue=VENUE, symbol=pos.contract.symbol, side=pos.side, checks=checks)


def _liquidation(risk: PositionRisk, account: CrossAccount | None) -> tuple[Decimal | None, bool]:
    """The exact liquidation price, and whether an account-level input was missing."""
    symbol = risk.position.contract.symbol
    try:
        if risk.margin_type == "isolated":
            return isolated_liquidation_price(
                risk.position, margin=risk.isolated_wallet, rule=LIQUIDATION_RULE
            ), False
        if account is None:
            return None, True
        _fields.require(account, CrossAccount, "account")
        return cross_liquidation_price(
            account, symbol, mark_prices={symbol: risk.mark_price}, rule=LIQUIDATION_RULE
        ), False
    except LiquidationError:
        return None, False


# ---------------------------------------------------------------- spot margin

CROSS_3X: MarginThresholds = BINANCE_CROSS_3X
"""Binance cross margin classic, 3x: call 1.3, liquidation 1.1, IRR 1.5, transfer out above 2.

The thresholds object of ``levrisk.margin`` (:ref:`rule-margin-level` [published]).
"""

CROSS_5X: MarginThresholds = BINANCE_CROSS_5X
"""Binance cross margin classic, 5x: call 1.3, liquidation 1.1, IRR 1.25, transfer out above 2.

:ref:`rule-margin-level` [published].
"""

ISOLATED_10X_TIER1: MarginThresholds = BINANCE_ISOLATED_10X_TIER1
"""Binance isolated margin, 10x family, tier 1: liquidation 1.05, call 1.09, IRR 1.111.

Per-pair tiers change: parse the current ones with :func:`isolated_tier_table_from_payload`
(:ref:`rule-margin-level` [published]).
"""

CROSS_MARGIN_PRO_LIQUIDATION_LEVEL: Decimal = PRO_LIQUIDATION_LEVEL
"""Cross Margin Pro liquidates at a Pro margin level ≤ 1.0.

Rule: :ref:`rule-cross-margin-pro` [published].
"""

MARGIN_ACCOUNTS: Mapping[str, tuple[str, MarginThresholds]] = MappingProxyType(
    {
        "cross-3x": ("cross margin classic 3x", CROSS_3X),
        "cross-5x": ("cross margin classic 5x", CROSS_5X),
        "isolated": ("isolated margin, 10x tier 1", ISOLATED_10X_TIER1),
    }
)
"""The spot-margin accounts of the shipped thresholds: short name → (Binance's name for
the account, its thresholds). The ``levrisk margin --account`` choices."""

SPOT_LIQUIDATION_FEE_RATE: Final[Decimal] = _SPOT_FEE
"""The liquidation clearance fee of cross margin classic and isolated margin, 2 % of the
liabilities (Binance, "Margin Trading Liquidation"; :ref:`rule-spot-liquidation`
[published]). The same object as ``levrisk.risk.SPOT_LIQUIDATION_FEE_RATE``."""

PRO_LIQUIDATION_FEE_RATE: Final[Decimal] = _PRO_FEE
"""The liquidation clearance fee of Cross Margin Pro, 3 % (Binance, "Cross Margin Pro";
:ref:`rule-cross-margin-pro` [published]). The same object as
``levrisk.risk.PRO_LIQUIDATION_FEE_RATE``."""


def _asset(obj: Mapping[str, Json], *, where: str) -> tuple[str, Decimal, Loan | None]:
    """One ``userAssets`` (or ``baseAsset``/``quoteAsset``) entry: held, and what is owed.

    Held is ``free + locked``; owed is ``borrowed`` with its ``interest`` (no loan when
    both are 0).
    """
    asset = _payload.text(obj, "asset", where=where)
    held = _payload.number(obj, "free", where=where) + _payload.number(obj, "locked", where=where)
    borrowed = _payload.number(obj, "borrowed", where=where)
    interest = _payload.number(obj, "interest", where=where)
    try:
        loan = (
            Loan(asset=asset, principal=borrowed, interest=interest)
            if borrowed or interest
            else None
        )
        return asset, _fields.non_negative_number(held, f"{where}.free + locked"), loan
    except InvalidInputError as error:
        msg = f"{where}: {error}"
        raise type(error)(msg) from error


@exact
def cross_margin_account_from_payload(payload: Json, *, quote: str = "USDT") -> CrossMarginAccount:
    r"""Build a ``levrisk.margin.CrossMarginAccount`` from ``GET /sapi/v1/margin/account``.

    .. math::

        balance_a = free_a + locked_a, \qquad loan_a = (borrowed_a,\; interest_a)

    Every ``userAssets`` entry gives its balance; an asset with ``borrowed`` or
    ``interest`` above 0 gives a ``Loan``. ``netAsset`` (``balance − borrowed −
    interest``) and the account's own ``marginLevel`` are Binance's figures, not inputs.

    Args:
        payload: the decoded response object.
        quote: the asset prices will be quoted in (``"USDT"``).

    Returns:
        The account.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names its path),
            or a negative amount.

    References:
        Binance API, "Query Cross Margin Account Details (USER_DATA)"
        (https://developers.binance.com/docs/margin_trading/account/Query-Cross-Margin-Account-Details);
        :ref:`rule-spot-margin` [published].

    Examples:
        Binance's documented example response (BNB borrowed):

        >>> account = cross_margin_account_from_payload(
        ...     {
        ...         "created": True,
        ...         "marginLevel": "11.64405625",
        ...         "accountType": "MARGIN_1",
        ...         "userAssets": [
        ...             {
        ...                 "asset": "BTC",
        ...                 "borrowed": "0.00000000",
        ...                 "free": "0.00499500",
        ...                 "interest": "0.00000000",
        ...                 "locked": "0.00000000",
        ...                 "netAsset": "0.00499500",
        ...             },
        ...             {
        ...                 "asset": "BNB",
        ...                 "borrowed": "201.66666672",
        ...                 "free": "2346.50000000",
        ...                 "interest": "0.00000000",
        ...                 "locked": "0.00000000",
        ...                 "netAsset": "2144.83333328",
        ...             },
        ...         ],
        ...     }
        ... )
        >>> account.balances["BNB"], account.liabilities
        (Decimal('2346.50000000'), {'BNB': Decimal('201.66666672')})

    .. versionadded:: 0.2.0
    """
    obj = _payload.as_mapping(payload, where="payload")
    balances: dict[str, Decimal] = {}
    loans: list[Loan] = []
    for where, entry in _payload.objects(
        _payload.field(obj, "userAssets", where="payload"), where="payload.userAssets"
    ):
        asset, held, loan = _asset(entry, where=where)
        balances[asset] = held
        loans += [] if loan is None else [loan]
    return CrossMarginAccount(balances=balances, loans=loans, quote=quote)


@exact
def isolated_margin_accounts_from_payload(payload: Json) -> dict[str, IsolatedMarginAccount]:
    r"""Build each pair's ``IsolatedMarginAccount`` from ``GET /sapi/v1/margin/isolated/account``.

    .. math::

        balance = free + locked, \qquad loan = (borrowed,\; interest)

    for the pair's ``baseAsset`` and ``quoteAsset``; ``marginLevel``,
    ``liquidatePrice`` and ``marginLevelStatus`` are Binance's figures, not inputs.

    Args:
        payload: the decoded response object (``{"assets": [...], ...}``).

    Returns:
        The account of each ``symbol``, in payload order.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names its path),
            a negative amount, or a symbol listed twice.

    References:
        Binance API, "Query Isolated Margin Account Info (USER_DATA)"
        (https://developers.binance.com/docs/margin_trading/account/Query-Isolated-Margin-Account-Info);
        :ref:`rule-spot-margin` [published].

    Examples:
        >>> base = {
        ...     "asset": "BTC",
        ...     "borrowed": "0.1",
        ...     "free": "0.1",
        ...     "interest": "0.0001",
        ...     "locked": "0",
        ...     "netAsset": "-0.0001",
        ... }
        >>> quote = {
        ...     "asset": "USDT",
        ...     "borrowed": "0",
        ...     "free": "9000",
        ...     "interest": "0",
        ...     "locked": "0",
        ...     "netAsset": "9000",
        ... }
        >>> accounts = isolated_margin_accounts_from_payload(
        ...     {
        ...         "assets": [
        ...             {
        ...                 "symbol": "BTCUSDT",
        ...                 "baseAsset": base,
        ...                 "quoteAsset": quote,
        ...                 "marginLevel": "1.5",
        ...                 "liquidatePrice": "0",
        ...             }
        ...         ]
        ...     }
        ... )
        >>> accounts["BTCUSDT"].liabilities
        {'BTC': Decimal('0.1001')}

    .. versionadded:: 0.2.0
    """
    obj = _payload.as_mapping(payload, where="payload")
    accounts: dict[str, IsolatedMarginAccount] = {}
    for where, entry in _payload.objects(
        _payload.field(obj, "assets", where="payload"), where="payload.assets"
    ):
        symbol = _payload.text(entry, "symbol", where=where)
        if symbol in accounts:
            msg = f"{where}.symbol {symbol!r} is listed twice"
            raise InvalidInputError(msg)
        sides = [
            _asset(
                _payload.as_mapping(
                    _payload.field(entry, key, where=where), where=f"{where}.{key}"
                ),
                where=f"{where}.{key}",
            )
            for key in ("baseAsset", "quoteAsset")
        ]
        (base, base_held, base_loan), (quote, quote_held, quote_loan) = sides
        try:
            accounts[symbol] = IsolatedMarginAccount(
                base=base,
                quote=quote,
                base_balance=base_held,
                quote_balance=quote_held,
                loans=[loan for loan in (base_loan, quote_loan) if loan is not None],
            )
        except InvalidInputError as error:
            msg = f"{where}: {error}"
            raise type(error)(msg) from error
    return accounts


@exact
def isolated_tier_table_from_payload(
    payload: Json,
    *,
    margin_call: NumberLike | Mapping[int, NumberLike],
    symbol: str | None = None,
) -> IsolatedTierTable:
    """Build ``levrisk.margin``'s isolated tier table from ``isolatedMarginTier`` data.

    The payload gives each tier's max leverage (``effectiveMultiple``), initial and
    liquidation risk ratios and borrow limits, but not its margin-call level, so that is
    an argument: one level for every tier, or one per tier number.

    Args:
        payload: the decoded JSON list of ``GET /sapi/v1/margin/isolatedMarginTier``.
        margin_call: the margin-call level, or a mapping tier number → level.
        symbol: the pair to keep when the list holds several.

    Returns:
        The pair's ``levrisk.margin.IsolatedTierTable``.

    Raises:
        InvalidInputError: as :func:`isolated_margin_tiers_from_payload`; a tier with no
            margin-call level, or thresholds out of order (the call must lie above the
            liquidation ratio); a borrow limit of 0.

    References:
        Binance API, "Query Isolated Margin Tier Data"; Binance, "Isolated Margin Tiers";
        :ref:`rule-margin-level` [published].

    Examples:
        >>> tier = {"symbol": "BTCUSDT", "tier": 1, "effectiveMultiple": "10"}
        >>> ratios = {"initialRiskRatio": "1.111", "liquidationRiskRatio": "1.05"}
        >>> limits = {"baseAssetMaxBorrowable": "9", "quoteAssetMaxBorrowable": "70000"}
        >>> payload = [{**tier, **ratios, **limits}]
        >>> table = isolated_tier_table_from_payload(payload, margin_call="1.09")
        >>> table.tiers[0].thresholds == ISOLATED_10X_TIER1
        True

    .. versionadded:: 0.1.0
    """
    rows = isolated_margin_tiers_from_payload(payload, symbol=symbol)
    tiers: list[IsolatedTier] = []
    for i, row in enumerate(rows):
        if isinstance(margin_call, Mapping):
            if row.tier not in margin_call:
                msg = f"margin_call has no level for tier {row.tier!r}"
                raise InvalidInputError(msg)
            call = margin_call[row.tier]
        else:
            call = margin_call
        try:
            thresholds = MarginThresholds(
                liquidation=row.liquidation_risk_ratio,
                margin_call=call,
                initial_risk_ratio=row.initial_risk_ratio,
                max_leverage=row.effective_multiple,
            )
            tiers.append(
                IsolatedTier(
                    tier=row.tier,
                    thresholds=thresholds,
                    base_borrow_limit=row.base_asset_max_borrowable,
                    quote_borrow_limit=row.quote_asset_max_borrowable,
                )
            )
        except InvalidInputError as error:
            msg = f"payload tier {row.tier} (row {i}): {error}"
            raise type(error)(msg) from error
    return IsolatedTierTable(tiers=tiers)


@exact
def pro_tiers_from_payload(
    payload: Json, *, on_mismatch: OnMismatch = "keep"
) -> dict[str, BracketTable]:
    """Parse Cross Margin Pro's liability brackets into one table per asset.

    Reads ``GET /sapi/v1/margin/leverageBracket``: groups of ``assetNames`` sharing
    ``brackets`` of ``leverage``, ``maxDebt`` (the cap, in USDT value of the liability),
    ``maintenanceMarginRate`` and ``initialMarginRate``. The maintenance amounts are
    derived by the recursion of :ref:`rule-brackets`; ``fastNum`` is not used (Binance does not
    document it).

    Args:
        payload: the decoded JSON list of groups.
        on_mismatch: accepted for symmetry with the other parsers (no amounts are given).

    Returns:
        A table per liability asset, with the published initial rates, ready for the
        ``tiers=`` argument of ``levrisk.margin``'s Pro functions.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path), or
            an asset listed in two groups.
        BracketError: unsorted or overlapping brackets, invalid rates or leverages.

    References:
        Binance API, "Query Liability Coin Leverage Bracket in Cross Margin Pro Mode";
        :ref:`rule-cross-margin-pro` [published].

    Examples:
        >>> tables = pro_tiers_from_payload(
        ...     [
        ...         {
        ...             "assetNames": ["USDT", "BTC"],
        ...             "rank": 1,
        ...             "brackets": [
        ...                 {
        ...                     "leverage": 10,
        ...                     "maxDebt": 1000000.0,
        ...                     "maintenanceMarginRate": 0.02,
        ...                     "initialMarginRate": 0.1112,
        ...                     "fastNum": 0,
        ...                 },
        ...                 {
        ...                     "leverage": 3,
        ...                     "maxDebt": 4000000.0,
        ...                     "maintenanceMarginRate": 0.07,
        ...                     "initialMarginRate": 0.5,
        ...                     "fastNum": 60000.0,
        ...                 },
        ...             ],
        ...         }
        ...     ]
        ... )
        >>> sorted(tables), tables["BTC"].maintenance_margin(2_000_000)
        (['BTC', 'USDT'], Decimal('90000.000'))

    .. versionadded:: 0.1.0
    """
    tables: dict[str, BracketTable] = {}
    for where, group in _payload.objects(payload, where="payload"):
        names = _payload.as_list(
            _payload.field(group, "assetNames", where=where), where=f"{where}.assetNames"
        )
        brackets = _payload.field(group, "brackets", where=where)
        rows: list[TierRow] = []
        for at, obj in _payload.objects(brackets, where=f"{where}.brackets"):
            rows.append(
                _payload.tier_row(
                    obj,
                    where=at,
                    floor=rows[-1].cap if rows else Decimal(0),
                    cap="maxDebt",
                    maintenance_rate="maintenanceMarginRate",
                    max_leverage="leverage",
                    initial_rate="initialMarginRate",
                )
            )
        table = _payload.table_from_tiers(rows, where=f"{where}.brackets", on_mismatch=on_mismatch)
        for j, name in enumerate(names):
            if not isinstance(name, str) or not name:
                msg = f"{where}.assetNames[{j}] must be a non-empty string, got {name!r}"
                raise InvalidInputError(msg)
            if name in tables:
                msg = f"{where}.assetNames[{j}] {name!r} is listed in two groups"
                raise InvalidInputError(msg)
            tables[name] = table
    return tables
