r"""Hyperliquid: USDC perpetuals — its maintenance rule, margin tiers, funding and payloads.

Hyperliquid's maintenance margin is half the initial margin at the asset's maximum
leverage: with ``L`` the maximum leverage of the margin tier, ``m = 1/(2·L)`` (1% at 50x,
16.7% at 3x) [published]. Tiers carry the usual deduction, so the maintenance margin is
continuous in the notional (the recursion of :ref:`rule-brackets`) [published]. The
liquidation condition values the maintenance margin at mark with no close fee — Binance's
fee-less rule, :data:`LIQUIDATION_RULE`: Hyperliquid's own formula

.. math::

    LP = P - s \cdot \frac{A}{Q \cdot (1 - l \cdot s)}, \qquad l = m = \frac{1}{2 L}

(``A`` the margin available above maintenance at the price ``P``) is the solution of that
condition [derived]. A contract is ``Contract(kind="linear", contract_size=1, ...)``
(sizes in coin, ``szi``) over :func:`brackets_from_tiers` or a table of
:func:`brackets_from_payload`; the algebra lives in ``levrisk.futures``.

Funding is paid every hour, one eighth of the 8-hour rate :func:`funding_rate`, capped at
4% an hour (:data:`FUNDING_SCHEDULE`) [published].

:func:`reconcile` and :func:`reconcile_account` compare a ``clearinghouseState``
payload's figures with levrisk's, field by field.

Sources: Hyperliquid Docs, "Liquidations", "Margin tiers", "Margining" and "Funding"
(https://hyperliquid.gitbook.io/hyperliquid-docs/trading/); Hyperliquid API, "Info
endpoint — Perpetuals" (``meta``, ``metaAndAssetCtxs``, ``clearinghouseState``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from levrisk import futures as _futures
from levrisk._fields import positive_number
from levrisk._typing import Side
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload, _positions
from levrisk.exchanges._payload import Json
from levrisk.exchanges._positions import (
    MarginMode,
    ReportedPosition,
    _same,
    check_contracts,
    contract_for,
    held_position,
    located,
)
from levrisk.exchanges._reconcile import Figure, Reconciliation, check_figures
from levrisk.exchanges._rows import Parsed, collect
from levrisk.futures import Contract, CrossAccount, LiquidationRule, _funding
from levrisk.numbers import NumberLike, exact, to_decimal

__all__ = [
    "FUNDING_CAP",
    "FUNDING_INTEREST_RATE",
    "FUNDING_INTERVAL",
    "FUNDING_SCHEDULE",
    "LIQUIDATION_RULE",
    "MARGIN_TIERS",
    "MARGIN_TIERS_SOURCE",
    "TOP_NOTIONAL",
    "VENUE",
    "brackets_from_payload",
    "brackets_from_tiers",
    "cross_account_from_payload",
    "funding_rate",
    "maintenance_rate",
    "mark_prices_from_payload",
    "position_report_from_payload",
    "reconcile",
    "reconcile_account",
]

VENUE: Final = "Hyperliquid"
"""The venue's name, as reports show it."""

LIQUIDATION_RULE: LiquidationRule = LiquidationRule()
"""Hyperliquid: maintenance valued at mark, no close fee in the condition.

References: Hyperliquid Docs, "Liquidations"; :ref:`rule-hyperliquid` [derived].
"""

FUNDING_INTERVAL: Final = timedelta(hours=1)
"""Funding is paid every hour [published]."""

FUNDING_CAP: Final = Decimal("0.04")
"""The hourly funding rate is capped at 4% (either way) [published]."""

FUNDING_INTEREST_RATE: Final = Decimal("0.0001")
"""The interest component of the 8-hour funding rate, 0.01% [published]."""

FUNDING_SCHEDULE: Final = _funding.FundingSchedule(
    interval=FUNDING_INTERVAL,
    cap=FUNDING_CAP,
    floor=-FUNDING_CAP,
    at_settlement="funding_first",
)
"""Hourly funding capped at ±4% an hour; the order of a fill at the very instant is not
published, so the position held just before it is charged [derived].

References: Hyperliquid Docs, "Funding"; :ref:`rule-funding` [published].
"""

TOP_NOTIONAL: Final = Decimal("1E+15")
"""The cap levrisk gives a last, open-ended tier (Hyperliquid's top tier has no bound)."""

_HALF: Final = Decimal("0.5")
_SINGLE_TIER_IDS: Final = 50
"""Margin table IDs below 50 are one tier whose maximum leverage is the ID [published]."""


@exact
def maintenance_rate(max_leverage: NumberLike) -> Decimal:
    r"""The maintenance rate of a tier: half the initial rate at its maximum leverage.

    .. math::

        m = \frac{1}{2 L}

    Args:
        max_leverage: ``L``, the tier's maximum leverage, > 0.

    Returns:
        ``m``, a fraction of the notional.

    Raises:
        InvalidInputError: for a non-positive or non-numeric ``max_leverage``.

    References:
        Hyperliquid Docs, "Margin tiers" ("at 20x max leverage, maintenance_margin_rate
        = 2.5%") and "Liquidations"; :ref:`rule-hyperliquid` [published].

    Examples:
        >>> maintenance_rate(20)
        Decimal('0.025')

    .. versionadded:: 0.2.0
    """
    return _HALF / positive_number(max_leverage, "max_leverage")


@exact
def brackets_from_tiers(tiers: Sequence[tuple[NumberLike, NumberLike]]) -> BracketTable:
    r"""A bracket table from Hyperliquid's margin tiers ``(lower bound, max leverage)``.

    Each tier runs from its lower bound (exclusive) to the next tier's (inclusive); the
    last one up to :data:`TOP_NOTIONAL`. Its maintenance rate is :func:`maintenance_rate`,
    its deduction the recursion

    .. math::

        D_n = D_{n-1} + \text{lower}_n \cdot (m_n - m_{n-1}), \qquad D_0 = 0

    Args:
        tiers: the tiers, lowest first; the first lower bound is 0.

    Returns:
        The validated ``levrisk.brackets.BracketTable``.

    Raises:
        InvalidInputError: for no tiers, a tier that is not a pair, or a bad number.
        BracketError: for unsorted tiers or a first bound that is not 0.

    References:
        Hyperliquid Docs, "Margin tiers"; :ref:`rule-brackets`, :ref:`rule-hyperliquid`
        [published].

    Examples:
        BTC's mainnet tiers, 40x up to 150M USDC and 20x above:

        >>> table = brackets_from_tiers([(0, 40), (150_000_000, 20)])
        >>> table.maintenance_margin(200_000_000)
        Decimal('3125000.0000')

    .. versionadded:: 0.2.0
    """
    if not isinstance(tiers, (list, tuple)) or not tiers:
        msg = f"tiers must be a non-empty list of (lower bound, max leverage) pairs, got {tiers!r}"
        raise InvalidInputError(msg)
    for i, tier in enumerate(tiers):
        if not isinstance(tier, (list, tuple)) or len(tier) != 2:
            msg = f"tiers[{i}] must be a (lower bound, max leverage) pair, got {tier!r}"
            raise InvalidInputError(msg)
    lows = [to_decimal(low, name=f"tiers[{i}] lower bound") for i, (low, _) in enumerate(tiers)]
    if lows[0] != 0:
        msg = f"tiers[0] lower bound must be 0, got {lows[0]!r}"
        raise InvalidInputError(msg)
    leverages = [
        positive_number(lev, f"tiers[{i}] max leverage") for i, (_, lev) in enumerate(tiers)
    ]
    return BracketTable.from_rates(
        caps=[*lows[1:], TOP_NOTIONAL],
        maintenance_rates=[maintenance_rate(lev) for lev in leverages],
        max_leverages=leverages,
    )


MARGIN_TIERS_SOURCE: Final = (
    'Hyperliquid Docs, "Margin tiers" — Mainnet Margin Tiers '
    "(https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers), "
    "as read on 2026-11-30"
)
"""Where :data:`MARGIN_TIERS` comes from, and when it was read."""

_TIERED_10X_20M: Final = ((0, 10), (20_000_000, 5))
_TIERED_10X_3M: Final = ((0, 10), (3_000_000, 5))

_TIERS: Final[dict[str, tuple[tuple[int, int], ...]]] = {
    "BTC": ((0, 40), (150_000_000, 20)),
    "ETH": ((0, 25), (100_000_000, 15)),
    "SOL": ((0, 20), (70_000_000, 10)),
    "XRP": ((0, 20), (40_000_000, 10)),
    **dict.fromkeys(
        [
            "DOGE",
            "kPEPE",
            "SUI",
            "WLD",
            "TRUMP",
            "LTC",
            "ENA",
            "POPCAT",
            "WIF",
            "AAVE",
            "kBONK",
            "LINK",
            "CRV",
            "AVAX",
            "ADA",
            "UNI",
            "NEAR",
            "TIA",
            "APT",
            "BCH",
            "HYPE",
            "FARTCOIN",
        ],
        _TIERED_10X_20M,
    ),
    **dict.fromkeys(
        [
            "OP",
            "ARB",
            "LDO",
            "TON",
            "MKR",
            "ONDO",
            "JUP",
            "INJ",
            "kSHIB",
            "SEI",
            "TRX",
            "BNB",
            "DOT",
        ],
        _TIERED_10X_3M,
    ),
}

MARGIN_TIERS: Final[Mapping[str, BracketTable]] = MappingProxyType(
    {coin: brackets_from_tiers(tiers) for coin, tiers in _TIERS.items()}
)
"""The mainnet margin tiers Hyperliquid's docs publish, per coin (a dated snapshot,
:data:`MARGIN_TIERS_SOURCE`); for current tables parse ``meta`` with
:func:`brackets_from_payload`."""


@exact
def funding_rate(
    premium: NumberLike, *, interest_rate: NumberLike = FUNDING_INTEREST_RATE
) -> Decimal:
    r"""The 8-hour funding rate from the average premium index ``P`` and interest ``I``.

    .. math::

        F = P + \operatorname{clamp}(I - P, -0.0005, 0.0005)

    One eighth of ``F`` is paid each hour, capped at :data:`FUNDING_CAP`
    (``FUNDING_SCHEDULE.clamp(F / 8)``).

    Args:
        premium: the average premium index over the hour, a fraction.
        interest_rate: ``I`` per 8 hours (default 0.01%).

    Returns:
        ``F``, per 8 hours.

    Raises:
        InvalidInputError: for a non-numeric input.

    References:
        Hyperliquid Docs, "Funding"; :ref:`rule-hyperliquid` [published].

    Examples:
        The docs' example, a 1% premium at 0.01% interest:

        >>> funding_rate("0.01")
        Decimal('0.0095')

    .. versionadded:: 0.2.0
    """
    p = to_decimal(premium, name="premium")
    i = to_decimal(interest_rate, name="interest_rate")
    bound = Decimal("0.0005")
    return p + min(max(i - p, -bound), bound)


# ---------------------------------------------------------------- payloads


def _meta(payload: Json) -> tuple[Mapping[str, Json], Sequence[Json] | None]:
    """``meta``, or the ``[meta, assetCtxs]`` pair of ``metaAndAssetCtxs``."""
    if isinstance(payload, (list, tuple)):
        if len(payload) != 2:
            msg = f"a metaAndAssetCtxs payload must be a [meta, assetCtxs] pair, got {payload!r}"
            raise InvalidInputError(msg)
        meta = _payload.as_mapping(payload[0], where="payload[0]")
        return meta, _payload.as_list(payload[1], where="payload[1]")
    return _payload.as_mapping(payload, where="payload"), None


def _universe(meta: Mapping[str, Json]) -> list[tuple[str, Mapping[str, Json]]]:
    return _payload.objects(_payload.field(meta, "universe", where="meta"), where="meta.universe")


def _margin_tables(meta: Mapping[str, Json]) -> dict[int, BracketTable]:
    tables: dict[int, BracketTable] = {}
    if not _payload.has(meta, "marginTables"):
        return tables
    for i, raw in enumerate(_payload.as_list(meta["marginTables"], where="meta.marginTables")):
        at = f"meta.marginTables[{i}]"
        pair = _payload.as_list(raw, where=at)
        if len(pair) != 2:
            msg = f"{at} must be an [id, table] pair, got {raw!r}"
            raise InvalidInputError(msg)
        table = _payload.as_mapping(pair[1], where=f"{at}[1]")
        tiers = _payload.objects(
            _payload.field(table, "marginTiers", where=f"{at}[1]"), where=f"{at}[1].marginTiers"
        )
        rows = [
            (
                _payload.number(tier, "lowerBound", where=where),
                _payload.number(tier, "maxLeverage", where=where),
            )
            for where, tier in tiers
        ]
        ident = _payload.number({"id": pair[0]}, "id", where=f"{at}[0]")
        tables[int(ident)] = brackets_from_tiers(rows)
    return tables


@exact
def brackets_from_payload(payload: Json) -> dict[str, BracketTable]:
    """Each asset's bracket table from an info ``meta`` (or ``metaAndAssetCtxs``) response.

    An asset's ``marginTableId`` names its table in ``marginTables``; an ID below 50 not
    listed there is one tier at that leverage; an asset without ``marginTableId`` (older
    responses) is one tier at its ``maxLeverage``.

    Args:
        payload: the decoded JSON of ``{"type": "meta"}`` or ``{"type":
            "metaAndAssetCtxs"}``.

    Returns:
        ``{coin: BracketTable}`` in the universe's order.

    Raises:
        InvalidInputError: for a payload of another shape or an unknown table ID.
        BracketError: for tiers that do not form a table.

    References:
        Hyperliquid API, "Info endpoint — Perpetuals: Retrieve perpetuals metadata";
        Hyperliquid Docs, "Margin tiers"; :ref:`rule-hyperliquid` [published].

    Examples:
        >>> meta = {
        ...     "universe": [
        ...         {"name": "BTC", "szDecimals": 5, "maxLeverage": 40, "marginTableId": 56},
        ...         {"name": "ETH", "szDecimals": 4, "maxLeverage": 25},
        ...     ],
        ...     "marginTables": [
        ...         [
        ...             56,
        ...             {
        ...                 "description": "tiered 40x",
        ...                 "marginTiers": [
        ...                     {"lowerBound": "0.0", "maxLeverage": 40},
        ...                     {"lowerBound": "150000000.0", "maxLeverage": 20},
        ...                 ],
        ...             },
        ...         ]
        ...     ],
        ... }
        >>> tables = brackets_from_payload(meta)
        >>> tables["BTC"].max_leverage(200_000_000), tables["ETH"].maintenance_margin(1000)
        (Decimal('20'), Decimal('20.00'))

    .. versionadded:: 0.2.0
    """
    meta, _ = _meta(payload)
    tables = _margin_tables(meta)
    result: dict[str, BracketTable] = {}
    for where, asset in _universe(meta):
        name = _payload.text(asset, "name", where=where)
        if _payload.has(asset, "marginTableId"):
            ident = _payload.number(asset, "marginTableId", where=where)
            if int(ident) in tables:
                result[name] = tables[int(ident)]
                continue
            if ident >= _SINGLE_TIER_IDS:
                msg = f"{where}.marginTableId {ident!r} is not in meta.marginTables"
                raise InvalidInputError(msg)
            result[name] = brackets_from_tiers([(0, ident)])
            continue
        result[name] = brackets_from_tiers(
            [(0, _payload.number(asset, "maxLeverage", where=where))]
        )
    return result


@exact
def mark_prices_from_payload(payload: Json) -> dict[str, Decimal]:
    """Each asset's mark price from a ``metaAndAssetCtxs`` response (``markPx``).

    Args:
        payload: the decoded ``[meta, assetCtxs]`` pair; ``assetCtxs[i]`` is the context
            of ``meta.universe[i]``.

    Returns:
        ``{coin: mark price}``.

    Raises:
        InvalidInputError: for another shape, lists of different lengths or a bad price.

    References:
        Hyperliquid API, "Info endpoint — Perpetuals: Retrieve perpetuals asset contexts";
        :ref:`rule-hyperliquid` [published].

    Examples:
        >>> mark_prices_from_payload(
        ...     [{"universe": [{"name": "BTC", "maxLeverage": 40}]}, [{"markPx": "97000.0"}]]
        ... )
        {'BTC': Decimal('97000.0')}

    .. versionadded:: 0.2.0
    """
    meta, contexts = _meta(payload)
    if contexts is None:
        msg = "mark prices need a metaAndAssetCtxs payload, a [meta, assetCtxs] pair"
        raise InvalidInputError(msg)
    universe = _universe(meta)
    if len(universe) != len(contexts):
        msg = (
            f"payload[1] must hold one context per asset of meta.universe ({len(universe)}), "
            f"got {len(contexts)}"
        )
        raise InvalidInputError(msg)
    prices: dict[str, Decimal] = {}
    for (where, asset), (at, ctx) in zip(
        universe, _payload.objects(contexts, where="payload[1]"), strict=True
    ):
        prices[_payload.text(asset, "name", where=where)] = positive_number(
            _payload.number(ctx, "markPx", where=at), f"{at}.markPx"
        )
    return prices


def _position_row(
    obj: Mapping[str, Json], contracts: Mapping[str, Contract], *, where: str
) -> ReportedPosition | None:
    at = f"{where}.position"
    pos = _payload.as_mapping(_payload.field(obj, "position", where=where), where=at)
    coin = _payload.text(pos, "coin", where=at)
    size = _payload.number(pos, "szi", where=at)
    if size == 0:
        return None
    side: Side = "long" if size > 0 else "short"
    contract = contract_for(contracts, coin, where=at)
    leverage = _payload.as_mapping(
        _payload.field(pos, "leverage", where=at), where=f"{at}.leverage"
    )
    mode = _payload.text(leverage, "type", where=f"{at}.leverage")
    if mode not in ("cross", "isolated"):
        msg = f"{at}.leverage.type must be 'cross' or 'isolated', got {mode!r}"
        raise InvalidInputError(msg)
    margin_mode: MarginMode = "isolated" if mode == "isolated" else "cross"

    def build() -> ReportedPosition:
        pnl = _payload.number(pos, "unrealizedPnl", where=at)
        used = _payload.number(pos, "marginUsed", where=at)
        return ReportedPosition(
            venue=VENUE,
            position=held_position(
                contract=contract,
                side=side,
                size=abs(size),
                entry_price=_payload.number(pos, "entryPx", where=at),
                leverage=_payload.number(leverage, "value", where=f"{at}.leverage"),
                where=at,
            ),
            margin_mode=margin_mode,
            margin=used - pnl if margin_mode == "isolated" else 0,
            mark_price=_payload.number(pos, "positionValue", where=at) / abs(size),
            liquidation_price=_payload.optional_number(pos, "liquidationPx", where=at),
            unrealized_pnl=pnl,
            initial_margin=used if margin_mode == "cross" else None,
        )

    return located(at, build)


@exact
def position_report_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract], strict: bool = False
) -> Parsed:
    """Parse a ``clearinghouseState`` response row by row: the good rows and a per-row report.

    Each ``assetPositions[i].position`` is one row: ``szi`` is the signed size in coin
    (negative: short), ``leverage.type`` the margin mode, ``entryPx`` the entry price.
    Hyperliquid gives no mark price per position: the mark is ``positionValue ÷ |szi|``.
    An isolated position's margin is ``marginUsed − unrealizedPnl`` (``marginUsed``
    includes the unrealised PnL) [derived]; a cross row's ``marginUsed`` is its initial
    margin. ``liquidationPx`` may be ``null`` (ccxt passes it on as ``None``): Hyperliquid
    shows none where the account can absorb any move; levrisk's
    ``cross_liquidation_price`` over :func:`cross_account_from_payload` gives the price
    when one exists and ``None`` exactly when no positive price liquidates.

    Args:
        payload: the decoded JSON of ``{"type": "clearinghouseState", "user": ...}``.
        contracts: the ``levrisk.futures.Contract`` of each ``coin``.
        strict: raise the first bad row's error instead of reporting it.

    Returns:
        A :class:`~levrisk.exchanges.Parsed` of ``ReportedPosition`` rows.

    Raises:
        InvalidInputError: when the payload has no ``assetPositions`` list or
            ``contracts`` is not a mapping; with ``strict=True``, the first bad row's error.

    References:
        Hyperliquid API, "Info endpoint — Perpetuals: Retrieve user's perpetuals account
        summary"; :ref:`rule-hyperliquid` [published].

    Examples:
        >>> from levrisk.futures import Contract
        >>> eth = Contract(symbol="ETH", kind="linear", brackets=MARGIN_TIERS["ETH"])
        >>> state = {
        ...     "assetPositions": [
        ...         {
        ...             "type": "oneWay",
        ...             "position": {
        ...                 "coin": "ETH",
        ...                 "szi": "-2.0",
        ...                 "leverage": {"type": "isolated", "value": 10, "rawUsd": "6400.0"},
        ...                 "entryPx": "3000.0",
        ...                 "positionValue": "6200.0",
        ...                 "unrealizedPnl": "-200.0",
        ...                 "liquidationPx": None,
        ...                 "marginUsed": "200.0",
        ...             },
        ...         }
        ...     ]
        ... }
        >>> row = position_report_from_payload(state, contracts={"ETH": eth}).rows[0]
        >>> row.position.side, row.margin, row.mark_price, row.liquidation_price
        ('short', Decimal('400.0'), Decimal('3100'), None)

    .. versionadded:: 0.2.0
    """
    contracts = check_contracts(contracts)
    state = _payload.as_mapping(payload, where="payload")
    return collect(
        _payload.objects(
            _payload.field(state, "assetPositions", where="payload"), where="payload.assetPositions"
        ),
        lambda at, obj: _position_row(obj, contracts, where=at),
        strict=strict,
    )


@exact
def cross_account_from_payload(payload: Json, *, contracts: Mapping[str, Contract]) -> CrossAccount:
    r"""The cross account of a ``clearinghouseState`` response (its cross positions).

    .. math::

        WB = \text{crossMarginSummary.accountValue} - \sum_{\text{cross}} UPNL

    Args:
        payload: the decoded JSON of ``clearinghouseState``.
        contracts: the ``levrisk.futures.Contract`` of each ``coin``.

    Returns:
        A ``levrisk.futures.CrossAccount`` (one-way) for ``cross_liquidation_price`` with
        :data:`LIQUIDATION_RULE` and ``cross_margin_ratio``.

    Raises:
        InvalidInputError: for a bad payload (every row must parse).

    References:
        Hyperliquid API, "Info endpoint — Perpetuals: Retrieve user's perpetuals account
        summary"; Hyperliquid Docs, "Margining"; :ref:`rule-hyperliquid` [derived].

    Examples:
        >>> from levrisk.futures import Contract
        >>> btc = Contract(symbol="BTC", kind="linear", brackets=MARGIN_TIERS["BTC"])
        >>> state = {
        ...     "crossMarginSummary": {"accountValue": "1100.0"},
        ...     "assetPositions": [
        ...         {
        ...             "type": "oneWay",
        ...             "position": {
        ...                 "coin": "BTC",
        ...                 "szi": "0.1",
        ...                 "leverage": {"type": "cross", "value": 20},
        ...                 "entryPx": "100000.0",
        ...                 "positionValue": "10100.0",
        ...                 "unrealizedPnl": "100.0",
        ...                 "liquidationPx": None,
        ...                 "marginUsed": "505.0",
        ...             },
        ...         }
        ...     ],
        ... }
        >>> account = cross_account_from_payload(state, contracts={"BTC": btc})
        >>> account.wallet_balance
        Decimal('1000.0')
        >>> from levrisk.futures import cross_liquidation_price
        >>> price = cross_liquidation_price(account, "BTC", mark_prices={"BTC": 101000})
        >>> round(price, 2)
        Decimal('91139.24')

    .. versionadded:: 0.2.0
    """
    rows = position_report_from_payload(payload, contracts=contracts, strict=True).rows
    state = _payload.as_mapping(payload, where="payload")
    summary = _payload.as_mapping(
        _payload.field(state, "crossMarginSummary", where="payload"),
        where="payload.crossMarginSummary",
    )
    value = _payload.number(summary, "accountValue", where="payload.crossMarginSummary")
    cross = [row for row in rows if row.margin_mode == "cross"]
    pnl = sum((row.unrealized_pnl or Decimal(0) for row in cross), Decimal(0))
    return CrossAccount(wallet_balance=value - pnl, positions=[row.position for row in cross])


@exact
def reconcile(row: ReportedPosition, *, account: CrossAccount | None = None) -> Reconciliation:
    """Compare one ``clearinghouseState`` position with levrisk's figures, field by field.

    The liquidation price is solved with :data:`LIQUIDATION_RULE` (on the isolated margin
    ``marginUsed − unrealizedPnl``, or over ``account`` for a cross row,
    :func:`cross_account_from_payload`) and compared exact at the decimals of
    ``liquidationPx`` (Hyperliquid writes it unrounded to a tick); a ``null``
    ``liquidationPx`` agrees when levrisk finds no positive price that liquidates. The
    unrealised PnL at the mark ``positionValue ÷ |szi|`` and, for a cross row, the margin
    used (the initial margin at mark, ``positionValue ÷ leverage``) are compared exact.
    An isolated row's ``marginUsed`` is its margin plus the PnL by construction: nothing
    to compare.

    Args:
        row: a row of :func:`position_report_from_payload`.
        account: the cross account of a cross row (``levrisk.futures.CrossAccount``).

    Returns:
        The :class:`~levrisk.exchanges.Reconciliation`.

    Raises:
        InvalidInputError: for a bad row or account.

    References:
        Hyperliquid API, "Info endpoint — Perpetuals: Retrieve user's perpetuals account
        summary" (its example response); Hyperliquid Docs, "Liquidations";
        :ref:`rule-hyperliquid`, :ref:`rule-venues` [checked].

    Examples:
        The API documentation's example, 0.0335 ETH isolated at 20x (maximum leverage 50,
        ticks of 0.1): the prices differ by 1.5e-5, what the 6 decimals of the payload's
        USD amounts leave open (half a unit of ``rawUsd`` over ``0.0335 × 0.99``):

        >>> from levrisk.futures import Contract
        >>> tiers = brackets_from_tiers([(0, 50)])
        >>> eth = Contract(symbol="ETH", kind="linear", brackets=tiers, tick_size="0.1")
        >>> position = {
        ...     "coin": "ETH",
        ...     "szi": "0.0335",
        ...     "leverage": {"rawUsd": "-95.059824", "type": "isolated", "value": 20},
        ...     "entryPx": "2986.3",
        ...     "positionValue": "100.02765",
        ...     "unrealizedPnl": "-0.0134",
        ...     "liquidationPx": "2866.26936529",
        ...     "marginUsed": "4.967826",
        ... }
        >>> state = {"assetPositions": [{"type": "oneWay", "position": position}]}
        >>> row = position_report_from_payload(state, contracts={"ETH": eth}).rows[0]
        >>> [(c.field, c.agrees, c.reason) for c in reconcile(row).checks]
        [('unrealized_pnl', True, None), ('liquidation_price', False, 'tick display')]

    .. versionadded:: 0.2.0
    """
    return _positions.reconcile_position(row, rule=LIQUIDATION_RULE, account=account, fee_rate=None)


@exact
def reconcile_account(payload: Json, *, contracts: Mapping[str, Contract]) -> Reconciliation:
    r"""Compare a ``clearinghouseState`` account's totals with levrisk's, field by field.

    .. math::

        MM_{cross} = \sum_{\text{cross}} MM_i(P_{mark}), \qquad
        \text{used} = \sum_{\text{cross}} \frac{|szi| \cdot P_{mark}}{L_i}
            + \sum_{\text{isolated}} \text{marginUsed}_i, \qquad
        \text{value} = \text{crossMarginSummary.accountValue}
            + \sum_{\text{isolated}} \text{marginUsed}_i

    ``maintenance_margin`` is ``crossMaintenanceMarginUsed`` against levrisk's tiered
    maintenance margin of the cross positions at mark (a disagreement names a stale tier
    table); ``margin_used`` is ``marginSummary.totalMarginUsed``; ``account_value`` is
    ``marginSummary.accountValue`` (cross account value plus the isolated margins, each
    with its PnL) [derived]. Each is compared exact at the decimals of the exchange's
    value. The result's ``symbol`` is ``"account"`` and its ``side`` ``"cross"``.

    Args:
        payload: the decoded JSON of ``clearinghouseState``.
        contracts: the ``levrisk.futures.Contract`` of each ``coin``.

    Returns:
        The :class:`~levrisk.exchanges.Reconciliation` of the account.

    Raises:
        InvalidInputError: for a bad payload (every row must parse).

    References:
        Hyperliquid API, "Info endpoint — Perpetuals: Retrieve user's perpetuals account
        summary" (its example response); Hyperliquid Docs, "Margining";
        :ref:`rule-hyperliquid` [derived], :ref:`rule-venues`.

    Examples:
        A 0.1 BTC cross long at 20x, worth 10,100 USDC at mark (BTC's tiers: 1/80):

        >>> from levrisk.futures import Contract
        >>> btc = Contract(symbol="BTC", kind="linear", brackets=MARGIN_TIERS["BTC"])
        >>> long = {"coin": "BTC", "szi": "0.1", "leverage": {"type": "cross", "value": 20}}
        >>> long |= {"entryPx": "1E+5", "positionValue": "10100.0", "unrealizedPnl": "100.0"}
        >>> long |= {"marginUsed": "505.0", "liquidationPx": None}
        >>> state = {"assetPositions": [{"type": "oneWay", "position": long}]}
        >>> state |= {"crossMaintenanceMarginUsed": "126.25"}
        >>> state |= {"crossMarginSummary": {"accountValue": "1100.0"}}
        >>> state |= {"marginSummary": {"accountValue": "1100.0", "totalMarginUsed": "505.0"}}
        >>> reconcile_account(state, contracts={"BTC": btc}).agrees
        True

    .. versionadded:: 0.2.0
    """
    rows = position_report_from_payload(payload, contracts=contracts, strict=True).rows
    state = _payload.as_mapping(payload, where="payload")

    def summary(key: str) -> Mapping[str, Json]:
        return _payload.as_mapping(
            _payload.field(state, key, where="payload"), where=f"payload.{key}"
        )

    total, cross = summary("marginSummary"), summary("crossMarginSummary")
    cross_rows = [row for row in rows if row.margin_mode == "cross"]
    isolated = sum(
        (row.margin + (row.unrealized_pnl or 0) for row in rows if row.margin_mode == "isolated"),
        Decimal(0),
    )

    def maintenance() -> tuple[Decimal | None, bool]:
        values = (
            _futures.maintenance_margin(r.position, mark_price=r.mark_price) for r in cross_rows
        )
        return sum(values, Decimal(0)), False

    def used() -> tuple[Decimal | None, bool]:
        values = (
            _futures.initial_margin(r.position, basis="mark", mark_price=r.mark_price)
            for r in cross_rows
        )
        return sum(values, isolated), False

    def value() -> tuple[Decimal | None, bool]:
        return _payload.number(cross, "accountValue", where="payload.crossMarginSummary") + (
            isolated
        ), False

    checks = check_figures(
        (
            Figure(
                "maintenance_margin",
                _payload.optional_number(state, "crossMaintenanceMarginUsed", where="payload"),
                maintenance,
                _same,
            ),
            Figure(
                "margin_used",
                _payload.optional_number(total, "totalMarginUsed", where="payload.marginSummary"),
                used,
                _same,
            ),
            Figure(
                "account_value",
                _payload.optional_number(total, "accountValue", where="payload.marginSummary"),
                value,
                _same,
            ),
        )
    )
    return Reconciliation(venue=VENUE, symbol="account", side="cross", checks=checks)
