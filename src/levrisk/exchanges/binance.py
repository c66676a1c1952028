r"""Binance: USDⓈ-M and COIN-M futures, spot margin — presets, snapshots and parsers.

What is Binance-specific lives here as data; the algebra lives in ``levrisk.brackets``,
``levrisk.futures`` and ``levrisk.margin``.

**Bracket payloads.** :func:`brackets_from_payload` reads the response of
``GET /fapi/v1/leverageBracket`` (USDⓈ-M: ``notionalFloor``/``notionalCap`` in quote,
USDT) and ``GET /dapi/v2/leverageBracket`` (COIN-M: ``qtyFloor``/``qtyCap`` in coin),
either the single-symbol object or the list of symbols. Numbers may be JSON numbers or
strings. The published ``cum`` column is checked against the recursion of FORMULAS.md §1.

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

**Isolated margin tiers.** :func:`isolated_margin_tiers_from_payload` reads
``GET /sapi/v1/margin/isolatedMarginTier`` into :class:`IsolatedMarginTierRow` values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, TypeAlias

import attrs

from levrisk._fields import number, positive
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._payload import Json, OnMismatch, TierRow
from levrisk.exchanges.snapshots import Snapshot, load
from levrisk.interest import InterestCounting
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = [
    "BTCUSDT_BRACKETS",
    "BTCUSDT_SNAPSHOT",
    "BTCUSD_PERP_BRACKETS",
    "BTCUSD_PERP_SNAPSHOT",
    "ETHUSDT_BRACKETS",
    "ETHUSDT_SNAPSHOT",
    "INTEREST_COUNTING",
    "SNAPSHOTS",
    "SNAPSHOT_DATE",
    "IsolatedMarginTierRow",
    "NotionalCoef",
    "bracket_tables_from_payload",
    "brackets_from_payload",
    "isolated_margin_tiers_from_payload",
    "scale_brackets",
]

NotionalCoef: TypeAlias = Literal["included", "apply"]
"""How :func:`brackets_from_payload` treats a symbol's ``notionalCoef``.

``"included"`` (the default): the brackets are the user's own, already scaled, and are
used as given. ``"apply"``: the brackets are the standard ones and are scaled by the
coefficient with :func:`scale_brackets` (no coefficient: unchanged).
"""

_USDM = ("notionalFloor", "notionalCap")
_COINM = ("qtyFloor", "qtyCap")


def _tier_rows(entry: Mapping[str, Json], *, where: str) -> list[TierRow]:
    brackets = _payload.as_list(
        _payload.field(entry, "brackets", where=where), where=f"{where}.brackets"
    )
    rows: list[TierRow] = []
    names: tuple[str, str] | None = None
    for i, raw in enumerate(brackets):
        at = f"{where}.brackets[{i}]"
        obj = _payload.as_mapping(raw, where=at)
        if names is None:
            names = _COINM if "qtyCap" in obj else _USDM
        floor_name, cap_name = names
        rows.append(
            TierRow(
                where=at,
                floor=_payload.number(obj, floor_name, where=at),
                cap=_payload.number(obj, cap_name, where=at),
                maintenance_rate=_payload.number(obj, "maintMarginRatio", where=at),
                max_leverage=_payload.number(obj, "initialLeverage", where=at),
                maintenance_amount=_payload.optional_number(obj, "cum", where=at),
                floor_name=floor_name,
                cap_name=cap_name,
            )
        )
    return rows


def _entry_table(
    entry: Mapping[str, Json],
    *,
    where: str,
    notional_coef: NotionalCoef,
    on_mismatch: OnMismatch,
) -> BracketTable:
    if notional_coef not in ("included", "apply"):
        msg = f"notional_coef must be 'included' or 'apply', got {notional_coef!r}"
        raise InvalidInputError(msg)
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
    on_mismatch: OnMismatch = "raise",
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
        on_mismatch: ``"raise"`` (default) or ``"warn"``, what a ``cum`` that breaks the
            recursion does (``"warn"`` keeps the derived amount).

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
        FORMULAS.md §1 [published].

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
    on_mismatch: OnMismatch = "raise",
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
        Binance API, "Notional and Leverage Brackets (USER_DATA)"; FORMULAS.md §1
        [published].

    Examples:
        >>> tables = bracket_tables_from_payload(
        ...     [
        ...         {
        ...             "symbol": "BTCUSDT",
        ...             "brackets": [
        ...                 {
        ...                     "bracket": 1,
        ...                     "initialLeverage": 125,
        ...                     "notionalCap": 50000,
        ...                     "notionalFloor": 0,
        ...                     "maintMarginRatio": 0.004,
        ...                     "cum": 0.0,
        ...                 }
        ...             ],
        ...         },
        ...         {
        ...             "symbol": "ETHUSDT",
        ...             "brackets": [
        ...                 {
        ...                     "bracket": 1,
        ...                     "initialLeverage": 100,
        ...                     "notionalCap": 10000,
        ...                     "notionalFloor": 0,
        ...                     "maintMarginRatio": 0.005,
        ...                     "cum": 0.0,
        ...                 }
        ...             ],
        ...         },
        ...     ]
        ... )
        >>> sorted(tables)
        ['BTCUSDT', 'ETHUSDT']

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

    Floors, caps and maintenance amounts are multiplied by ``k``; rates and leverages
    stay. The recursion is linear in the floors, so the scaled amounts stay consistent:

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
        Binance API, "Notional and Leverage Brackets" (``notionalCoef``); FORMULAS.md §1
        [derived].

    Examples:
        >>> scaled = scale_brackets(BTCUSDT_BRACKETS, "1.5")
        >>> scaled.brackets[1].floor, scaled.brackets[1].maintenance_amount
        (Decimal('75000.0'), Decimal('75.0000'))

    .. versionadded:: 0.1.0
    """
    if not isinstance(table, BracketTable):
        msg = f"table must be a BracketTable, got {table!r}"
        raise InvalidInputError(msg)
    k = to_decimal(coef, name="coef")
    if k <= 0:
        msg = f"coef must be positive, got {coef!r}"
        raise InvalidInputError(msg)
    return BracketTable(
        brackets=[
            attrs.evolve(
                b,
                floor=b.floor * k,
                cap=b.cap * k,
                maintenance_amount=b.maintenance_amount * k,
            )
            for b in table.brackets
        ]
    )


_MAX_TIER = 10_000


def _tier_number(value: Decimal, *, where: str) -> int:
    if not 1 <= value <= _MAX_TIER or value != value.to_integral_value():
        msg = f"{where}.tier must be a whole number from 1 to {_MAX_TIER}, got {value!r}"
        raise InvalidInputError(msg)
    return int(value)


def _isolated_leverage(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    positive(instance, attribute, value)
    if value <= 1:
        msg = f"{attribute.name} must be above 1, got {value!r}"
        raise InvalidInputError(msg)


def _text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        msg = f"{attribute.name} must be a string, got {value!r}"
        raise InvalidInputError(msg)


def _whole(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{attribute.name} must be an integer ≥ 1, got {value!r}"
        raise InvalidInputError(msg)


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    positive(instance, attribute, value + 1 if value == 0 else value)


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

    The margin-call ratio is not part of this payload (FORMULAS.md §2.3 quotes 1.09 for
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

    symbol: str = attrs.field(validator=_text)
    tier: int = attrs.field(validator=_whole)
    effective_multiple: Decimal = attrs.field(converter=number, validator=_isolated_leverage)
    initial_risk_ratio: Decimal = attrs.field(converter=number, validator=_isolated_leverage)
    liquidation_risk_ratio: Decimal = attrs.field(converter=number, validator=_isolated_leverage)
    base_asset_max_borrowable: Decimal = attrs.field(converter=number, validator=_non_negative)
    quote_asset_max_borrowable: Decimal = attrs.field(converter=number, validator=_non_negative)

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
        Binance API, "Query Isolated Margin Tier Data (USER_DATA)"; FORMULAS.md §2.3
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
    if symbol is not None and not isinstance(symbol, str):
        msg = f"symbol must be a string or None, got {symbol!r}"
        raise InvalidInputError(msg)
    entries = _payload.as_list(payload, where="payload")
    rows: list[IsolatedMarginTierRow] = []
    for i, raw in enumerate(entries):
        where = f"payload[{i}]"
        obj = _payload.as_mapping(raw, where=where)
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


BTCUSDT_SNAPSHOT: Snapshot = load("binance_usdm_BTCUSDT.json", _parse_snapshot)
"""Binance USDⓈ-M BTCUSDT brackets, the 2021–2023 table (dated 2022-01-01; see ``.notes``)."""

ETHUSDT_SNAPSHOT: Snapshot = load("binance_usdm_ETHUSDT.json", _parse_snapshot)
"""Binance USDⓈ-M ETHUSDT brackets (dated 2022-01-01; less certain, see ``.notes``)."""

BTCUSD_PERP_SNAPSHOT: Snapshot = load("binance_coinm_BTCUSD_PERP.json", _parse_snapshot)
"""Binance COIN-M BTCUSD_PERP brackets in BTC (dated 2022-01-01; see ``.notes``)."""

BTCUSDT_BRACKETS: BracketTable = BTCUSDT_SNAPSHOT.brackets
"""The table of :data:`BTCUSDT_SNAPSHOT` (quote notional, USDT)."""

ETHUSDT_BRACKETS: BracketTable = ETHUSDT_SNAPSHOT.brackets
"""The table of :data:`ETHUSDT_SNAPSHOT` (quote notional, USDT)."""

BTCUSD_PERP_BRACKETS: BracketTable = BTCUSD_PERP_SNAPSHOT.brackets
"""The table of :data:`BTCUSD_PERP_SNAPSHOT` (coin notional, BTC)."""

SNAPSHOTS: Mapping[str, Snapshot] = {
    s.symbol: s for s in (BTCUSDT_SNAPSHOT, ETHUSDT_SNAPSHOT, BTCUSD_PERP_SNAPSHOT)
}
"""The shipped snapshots by symbol."""

SNAPSHOT_DATE: dt.date = BTCUSDT_SNAPSHOT.date
"""The date of the shipped snapshots (all three are of the same date)."""

INTEREST_COUNTING: InterestCounting = "binance"
"""Binance spot margin charges one hour of interest at borrowing, then one at every UTC
``HH:00`` while the loan is open (FORMULAS.md §2.2 [published]). Pass it as
``counting=`` to ``levrisk.interest.accrued_interest``."""
