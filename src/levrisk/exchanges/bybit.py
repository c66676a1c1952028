r"""Bybit: classic and unified liquidation rules, risk-limit tiers — presets and parsers.

**Rules** (:ref:`rule-venues`), for ``levrisk.futures``' one solver: :data:`CLASSIC_RULE`
(classic USDT perpetuals 2022–2024 and Bybit 2020: maintenance valued at entry;
:func:`liquidation_rule`, alias ``classic_rule``, adds the fee to close at the
bankruptcy price) and
:data:`UNIFIED_RULE` (unified trading account: maintenance at mark, the fee entering only
through the added margin, :func:`unified_margin`). Both apply to inverse contracts too
(``Contract(kind="inverse", contract_size=1, margin_asset="BTC")`` for BTCUSD, 1 USD a
contract). Bybit's bankruptcy price is
``levrisk.futures.bankruptcy_price`` with the initial margin (``EP·(1 ∓ 1/L)`` linear);
:func:`fee_to_close` is the fee at that price. Classic spot margin counts interest per
started hour (:data:`INTEREST_COUNTING`).

**Risk-limit payloads.** Bybit's risk limits are bracket tables under another name: each
tier has a cap (the risk limit value), a maintenance margin rate, an initial margin rate
and a max leverage, and the maintenance amount ("``mmDeduction``") follows the same
recursion as Binance's ``cum`` (:ref:`rule-brackets`). The API changed how it writes the rates:

- v2 (``/v2/public/risk-limit/list``, snake_case fields ``limit``, ``maintain_margin``,
  ``starting_margin``, ``max_leverage``) gave them in **percent** (``"0.5"`` is 0.5%);
- v5 (``/v5/market/risk-limit``, camelCase fields ``riskLimitValue``,
  ``maintenanceMargin``, ``initialMargin``, ``maxLeverage``, ``mmDeduction``) gives them
  as **fractions** (``"0.005"``).

:func:`risk_limits_from_payload` recognises the version by the field names, or takes the
units from the caller, and returns them with the table (:class:`RiskLimits`), so the
caller can see which reading was used. Where a tier gives both an initial rate and a max
leverage, ``initial rate × max leverage`` must be close to 1 in the chosen units; if it is
not (say ``units="percent"`` on a v5 payload), the reading is ambiguous and the parser
raises instead of returning a table off by a factor of 100.

**Positions and wallet.** :func:`position_report_from_payload` reads v5
``position/list`` row by row, :func:`cross_wallet_balance_from_payload` and
:func:`cross_account_from_payloads` the cross wallet of ``account/wallet-balance``
(classic and unified shapes), and :func:`reconcile` compares a row with levrisk's
figures (an inverse contract's PnL in Bybit's form, :func:`reported_inverse_pnl`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal, TypeAlias

import attrs

from levrisk import _algebra, _typing
from levrisk._fields import non_negative_number, require
from levrisk._typing import choice, one_of
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._bybit_unified import (
    UTA_INTEREST_OFFSET,
    UTA_THRESHOLDS,
    UtaCoin,
    UtaWalletReport,
    auto_borrowed,
    reconcile_uta,
    uta_books_from_payload,
    uta_collateral_from_payload,
    uta_interest,
    uta_positions_from_payload,
    uta_report_from_payload,
)
from levrisk.exchanges._funding_rules import BYBIT_AT_SETTLEMENT as AT_SETTLEMENT
from levrisk.exchanges._funding_rules import bybit_funding_schedule as funding_schedule
from levrisk.exchanges._payload import Json, OnMismatch, TierRow
from levrisk.exchanges._positions import (
    ReportedPosition,
    check_contracts,
    contract_for,
    cross_account,
    located,
    reconcile_position,
)
from levrisk.exchanges._reconcile import Reconciliation
from levrisk.exchanges._rows import Parsed, collect
from levrisk.exchanges._rules import with_fee
from levrisk.futures import (
    Contract,
    CrossAccount,
    LiquidationRule,
    Position,
    bankruptcy_price,
    initial_margin,
    notional,
)
from levrisk.interest import InterestCounting
from levrisk.numbers import NumberLike, RoundingMode, exact, round_to_step, to_decimal

__all__ = [
    "AT_SETTLEMENT",
    "CLASSIC_RULE",
    "INTEREST_COUNTING",
    "UNIFIED_RULE",
    "UTA_INTEREST_OFFSET",
    "UTA_THRESHOLDS",
    "VENUE",
    "RateUnits",
    "RiskLimits",
    "UtaCoin",
    "UtaWalletReport",
    "auto_borrowed",
    "classic_rule",
    "cross_account_from_payloads",
    "cross_wallet_balance_from_payload",
    "fee_to_close",
    "funding_schedule",
    "liquidation_rule",
    "position_report_from_payload",
    "reconcile",
    "reconcile_uta",
    "reported_inverse_pnl",
    "risk_limits_from_payload",
    "unified_margin",
    "uta_books_from_payload",
    "uta_collateral_from_payload",
    "uta_interest",
    "uta_positions_from_payload",
    "uta_report_from_payload",
]

VENUE: Final = "Bybit"
"""The venue's name, as reports show it."""

RateUnits: TypeAlias = _typing.RateUnits
"""How a payload writes its rates: ``"percent"`` (``"0.5"`` is 0.5%) or ``"fraction"``."""

_V5 = {
    "cap": "riskLimitValue",
    "mm": "maintenanceMargin",
    "im": "initialMargin",
    "lev": "maxLeverage",
    "amount": "mmDeduction",
}
_V2 = {
    "cap": "limit",
    "mm": "maintain_margin",
    "im": "starting_margin",
    "lev": "max_leverage",
    "amount": "mm_deduction",
}
_TOLERANCE = Decimal("0.1")


@attrs.frozen(kw_only=True)
class RiskLimits:
    """A parsed risk-limit table and the rate units the payload was read in.

    Attributes:
        symbol: the symbol the tiers belong to.
        units: the :data:`RateUnits` the payload's rates were read in.
        brackets: the table, rates as fractions, in the risk limit's unit (quote for
            USDT contracts, coin for inverse ones).

    .. versionadded:: 0.1.0
    """

    symbol: str = attrs.field(validator=_payload.string)
    units: RateUnits = attrs.field(validator=one_of(RateUnits))
    brackets: BracketTable = attrs.field(validator=_payload.is_a(BracketTable))


def _tiers(payload: Json) -> tuple[Sequence[Json], str]:
    """The list of tiers inside a full response, its ``result``, or the bare list."""
    where = "payload"
    node = payload
    if isinstance(node, Mapping) and "result" in node:
        node, where = node["result"], f"{where}.result"
    if isinstance(node, Mapping) and "list" in node:
        node, where = node["list"], f"{where}.list"
    return _payload.as_list(node, where=where), where


def _version_of(obj: Mapping[str, Json], *, where: str) -> dict[str, str]:
    v5 = _V5["cap"] in obj
    v2 = _V2["cap"] in obj
    if v5 == v2:
        msg = (
            f"{where} must carry either {_V5['cap']!r} (API v5, rates as fractions) or "
            f"{_V2['cap']!r} (API v2, rates in percent); cannot tell the version or the "
            f"rate units: pass units="
        )
        raise InvalidInputError(msg)
    return _V5 if v5 else _V2


@exact
def risk_limits_from_payload(
    payload: Json,
    *,
    symbol: str | None = None,
    units: RateUnits | Literal["auto"] = "auto",
    on_mismatch: OnMismatch = "keep",
) -> RiskLimits:
    r"""Parse a Bybit risk-limit response (API v5 or v2) into a bracket table.

    Rates are normalised to fractions: ``rate = value / 100`` when the payload writes
    percent. The maintenance amount is derived by the recursion (and ``mmDeduction``,
    when given, is checked against it):

    .. math::

        MM = notional \cdot m_k - deduction_k, \qquad
        deduction_k = deduction_{k-1} + cap_{k-1} \cdot (m_k - m_{k-1})

    Args:
        payload: the decoded JSON: the whole response (``{"result": {"list": [...]}}``
            for v5, ``{"result": [...]}`` for v2), its ``result``, or the list of tiers.
        symbol: the symbol to keep when the list holds several.
        units: ``"auto"`` (default: v5 field names mean fractions, v2 names percent),
            or the :data:`RateUnits` to read the rates in.
        on_mismatch: ``"keep"`` (default: taken as published), ``"raise"`` or ``"warn"``,
            what an ``mmDeduction`` that breaks the recursion does.

    Returns:
        The table with the units it was read in.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names the path),
            tiers of both API versions, several symbols and no ``symbol``, an unknown
            ``symbol``, or a percent/fraction ambiguity (``initial rate × max leverage``
            far from 1 in the chosen units).
        BracketError: unsorted or overlapping tiers, or invalid rates.

    References:
        Bybit API v5, "Get Risk Limit"; Bybit API v2, "Risk Limit"; :ref:`rule-brackets` and
        :ref:`rule-venues` [published].

    Examples:
        >>> limits = risk_limits_from_payload(
        ...     {
        ...         "retCode": 0,
        ...         "result": {
        ...             "category": "linear",
        ...             "list": [
        ...                 {
        ...                     "id": 1,
        ...                     "symbol": "BTCUSDT",
        ...                     "riskLimitValue": "2000000",
        ...                     "maintenanceMargin": "0.005",
        ...                     "initialMargin": "0.01",
        ...                     "maxLeverage": "100.00",
        ...                     "mmDeduction": "",
        ...                 },
        ...                 {
        ...                     "id": 2,
        ...                     "symbol": "BTCUSDT",
        ...                     "riskLimitValue": "4000000",
        ...                     "maintenanceMargin": "0.01",
        ...                     "initialMargin": "0.0175",
        ...                     "maxLeverage": "57.14",
        ...                     "mmDeduction": "10000",
        ...                 },
        ...             ],
        ...         },
        ...     }
        ... )
        >>> limits.units, limits.brackets.maintenance_margin(3_000_000)
        ('fraction', Decimal('20000.000'))

    .. versionadded:: 0.1.0
    """
    raw: object = units  # typed as an option, but callers may pass anything
    auto = isinstance(raw, str) and str.__str__(raw) == "auto"  # an array is no option
    stated: RateUnits | None = None if auto else choice(units, RateUnits, "units")
    tiers, where = _tiers(payload)
    chosen, symbol = _select(tiers, symbol, where=where)
    fields = _version_of(chosen[0][1], where=f"{where}[{chosen[0][0]}]")
    seen: RateUnits = "fraction" if fields is _V5 else "percent"
    read_as: RateUnits = seen if stated is None else stated
    rows: list[TierRow] = []
    for i, obj in chosen:
        at = f"{where}[{i}]"
        if _version_of(obj, where=at) is not fields:
            msg = f"{at} uses the other API version's field names than {where}[{chosen[0][0]}]"
            raise InvalidInputError(msg)
        floor = rows[-1].cap if rows else Decimal(0)
        rows.append(_row(obj, at=at, fields=fields, read_as=read_as, floor=floor))
    table = _payload.table_from_tiers(rows, where=where, on_mismatch=on_mismatch)
    return RiskLimits(symbol=symbol, units=read_as, brackets=table)


def _select(
    tiers: Sequence[Json], symbol: str | None, *, where: str
) -> tuple[list[tuple[int, Mapping[str, Json]]], str]:
    """The tiers of ``symbol`` (with their indices) and the symbol chosen."""
    if not tiers:
        msg = f"{where} holds no risk-limit tiers"
        raise InvalidInputError(msg)
    objects = [_payload.as_mapping(raw, where=f"{where}[{i}]") for i, raw in enumerate(tiers)]
    names = [_payload.text(obj, "symbol", where=f"{where}[{i}]") for i, obj in enumerate(objects)]
    symbol = _payload.optional_text(symbol, "symbol")
    if symbol is None:
        if len(set(names)) > 1:
            msg = f"{where} holds tiers of {sorted(set(names))!r}: pass symbol= to choose one"
            raise InvalidInputError(msg)
        symbol = names[0]
    chosen = [
        (i, obj) for i, (obj, name) in enumerate(zip(objects, names, strict=True)) if name == symbol
    ]
    if not chosen:
        msg = f"{where} has no tiers of symbol {symbol!r}"
        raise InvalidInputError(msg)
    return chosen, symbol


def _row(
    obj: Mapping[str, Json],
    *,
    at: str,
    fields: dict[str, str],
    read_as: RateUnits,
    floor: Decimal,
) -> TierRow:
    """One tier, rates normalised to fractions, checked for percent/fraction ambiguity."""
    scale = Decimal(100) if read_as == "percent" else Decimal(1)
    initial = _payload.optional_number(obj, fields["im"], where=at)
    leverage = _payload.number(obj, fields["lev"], where=at)
    if initial is not None:
        product = initial / scale * leverage
        if abs(product - 1) > _TOLERANCE:
            msg = (
                f"{at}: percent/fraction ambiguity: read as {read_as}, "
                f"{fields['im']} {initial!r} × {fields['lev']} {leverage!r} "
                f"should be close to 1, got {product!r}; check units="
            )
            raise InvalidInputError(msg)
    return TierRow(
        where=at,
        floor=floor,
        cap=_payload.number(obj, fields["cap"], where=at),
        maintenance_rate=_payload.number(obj, fields["mm"], where=at) / scale,
        max_leverage=leverage,
        maintenance_amount=_payload.optional_number(obj, fields["amount"], where=at),
        initial_rate=None if initial is None else initial / scale,
        floor_name=f"(previous {fields['cap']})",
        cap_name=fields["cap"],
        amount_name=fields["amount"],
    )


INTEREST_COUNTING: InterestCounting = "started_hour"
"""Bybit classic spot margin charges one hour of interest per started hour since
borrowing (08:05 → 10:00 is 2 hours; :ref:`rule-interest` [published]). Pass it as
``counting=`` to ``levrisk.interest.accrued_interest``."""


# ---------------------------------------------------------------- futures rules

CLASSIC_RULE: LiquidationRule = LiquidationRule(maintenance_basis="entry")
r"""Bybit classic USDT perpetuals (2022–2024) and Bybit 2020: maintenance valued at entry.

With margin ``M = IM + A`` (initial margin plus margin added) and ``MM₀ = Q·EP·m − D``:

.. math::

    LP_{long} = EP - \frac{IM - MM_0}{Q} - \frac{A}{Q}, \qquad
    LP_{short} = EP + \frac{IM - MM_0}{Q} + \frac{A}{Q}

which, with ``M = IM`` and ``D = 0``, is the 2020 form ``EP·(1 ∓ 1/L ± m)``
(:ref:`rule-venues` [published]). Use it with ``levrisk.futures.isolated_liquidation_price``.
"""

UNIFIED_RULE: LiquidationRule = LiquidationRule()
r"""Bybit unified trading account: maintenance valued at mark, no close fee in the condition.

The fee enters only through the margin added: pass ``margin=unified_margin(...)``
(:ref:`rule-venues` [published]).
"""


@exact
def liquidation_rule(*, fee_rate: NumberLike) -> LiquidationRule:
    r"""Bybit classic with the fee to close at the bankruptcy price in the condition.

    .. math::

        M + s \cdot Q \cdot (P - EP) = m \cdot Q \cdot EP - D + c \cdot Q \cdot BP

    Bybit's published classic formula has no fee term (:data:`CLASSIC_RULE`); Bybit's
    margin pages reserve the "fee to close" at the bankruptcy price, and this rule puts
    it in the condition [derived].

    Args:
        fee_rate: the taker fee rate ``c`` in [0, 1).

    Returns:
        The rule (``CLASSIC_RULE`` when ``fee_rate`` is 0).

    Raises:
        InvalidInputError: when ``fee_rate`` is not a rate in [0, 1).

    References:
        Bybit Help, "Liquidation Price (USDT Contract)" and "Order Cost"; :ref:`rule-venues`
        [derived].

    Examples:
        >>> liquidation_rule(fee_rate="0.00055").close_fee
        'bankruptcy'

    .. versionadded:: 0.1.0
    """
    return with_fee(
        fee_rate, close_fee="bankruptcy", maintenance_basis="entry", fee_less=CLASSIC_RULE
    )


classic_rule = liquidation_rule
"""Alias of :func:`liquidation_rule` (the name it had first, kept)."""


def _fee_rate(value: NumberLike) -> Decimal:
    c = to_decimal(value, name="fee_rate")
    if not 0 <= c < 1:
        msg = f"fee_rate must be a rate in [0, 1), got {value!r}"
        raise InvalidInputError(msg)
    return c


@exact
def unified_margin(
    position: Position, *, fee_rate: NumberLike, added_margin: NumberLike = 0
) -> Decimal:
    r"""The margin Bybit's unified account solves with: ``IM + A/(1 ∓ c)``.

    .. math::

        M = \frac{notional(EP)}{L} + \frac{A}{1 - d \cdot c}

    with ``d = +1`` for a linear long or an inverse short and ``−1`` otherwise; so a
    linear long uses ``A/(1 − c)``, a linear short and an inverse long ``A/(1 + c)``.
    Pass the result as ``margin=`` with :data:`UNIFIED_RULE`; the price algebra stays in
    ``levrisk.futures``.

    Args:
        position: the ``levrisk.futures.Position``.
        fee_rate: the taker fee rate ``c`` in [0, 1).
        added_margin: ``A`` ≥ 0, margin added beyond the initial margin (quote linear,
            coin inverse).

    Returns:
        The margin in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position, fee rate or added margin.

    References:
        Bybit Help, "Liquidation Price (Unified Trading Account)"; :ref:`rule-venues`
        [published for linear and the inverse long; derived for the inverse short].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> from levrisk.futures import Position
        >>> pos = Position(contract=btc, side="long", size=1, entry_price=20_000, leverage=10)
        >>> unified_margin(pos, fee_rate="0.0006", added_margin="999.4")
        Decimal('3000')
    """
    im = initial_margin(position)
    c = _fee_rate(fee_rate)
    added = non_negative_number(added_margin, "added_margin")
    d = _algebra.direction(position.contract.kind, position.side)
    return im + added / (1 - d * c)


@exact
def fee_to_close(position: Position, *, margin: NumberLike, fee_rate: NumberLike) -> Decimal | None:
    r"""The fee Bybit reserves to close a position at its bankruptcy price.

    .. math::

        fee = c \cdot notional(BP) \quad (c \cdot Q \cdot BP \text{ linear},\;
        c \cdot N \cdot CS / BP \text{ inverse})

    Args:
        position: the ``levrisk.futures.Position``.
        margin: the isolated margin ``M`` ≥ 0 (with ``M = IM``, Bybit's bankruptcy price
            is ``EP·(1 ∓ 1/L)``).
        fee_rate: the taker fee rate ``c`` in [0, 1).

    Returns:
        The fee in quote (linear) or coin (inverse), or ``None`` when the position has
        no bankruptcy price (a linear long at 1x).

    Raises:
        InvalidInputError: for a bad position, margin or fee rate.

    References:
        Bybit Help, "Bankruptcy Price" and "Order Cost"; :ref:`rule-bankruptcy-price` [derived] and
        :ref:`rule-venues` [published].

    Examples:
        A 1 BTC long at 20,000 on 10x (the bankruptcy price is 18,000):

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT
        >>> from levrisk.futures import Position, initial_margin
        >>> pos = Position(
        ...     contract=BTCUSDT_CONTRACT, side="long", size=1, entry_price=20_000, leverage=10
        ... )
        >>> fee_to_close(pos, margin=initial_margin(pos), fee_rate="0.0006")
        Decimal('10.8000')
    """
    c = _fee_rate(fee_rate)
    price = bankruptcy_price(position, margin=margin)
    if price is None:
        return None
    return c * notional(position, price=price)


@exact
def reported_inverse_pnl(pnl: NumberLike, *, mode: RoundingMode = "half_up") -> Decimal:
    """The exact coin-margined (inverse) PnL as Bybit shows it: 5 decimals.

    The rounding direction was not established on the responses checked, so it is an
    argument (default ``"half_up"``) [derived].

    Args:
        pnl: the exact PnL in coin (any sign).
        mode: a ``levrisk.numbers.RoundingMode``.

    Returns:
        The PnL at 5 decimals.

    Raises:
        InvalidInputError: for a bad PnL or mode.

    References:
        Bybit API v5, "Get Position Info" (``unrealisedPnl``, inverse); :ref:`rule-rounding`
        [checked].

    Examples:
        >>> reported_inverse_pnl("0.000123456")
        Decimal('0.00012')

    .. versionadded:: 0.2.0
    """
    return round_to_step(to_decimal(pnl, name="pnl"), "0.00001", mode)


# ---------------------------------------------------------------- positions and wallet

_SIDES: Final = ("Buy", "Sell")


def _figure(obj: Mapping[str, Json], keys: Sequence[str], *, where: str) -> Decimal | None:
    """The first of ``keys`` the row carries (``positionMMByMp`` before ``positionMM``)."""
    for key in keys:
        if _payload.has(obj, key):
            return _payload.number(obj, key, where=where)
    return None


def _position_row(
    obj: Mapping[str, Json], contracts: Mapping[str, Contract], *, where: str
) -> ReportedPosition | None:
    symbol = _payload.text(obj, "symbol", where=where)
    size = _payload.number(obj, "size", where=where)
    side = obj.get("side")
    if size == 0 or side in ("", "None", None):
        return None
    if side not in _SIDES:
        msg = f"{where}.side must be 'Buy' or 'Sell', got {side!r}"
        raise InvalidInputError(msg)
    contract = contract_for(contracts, symbol, where=where)
    isolated = obj.get("tradeMode") == 1

    def build() -> ReportedPosition:
        return ReportedPosition(
            venue=VENUE,
            position=Position(
                contract=contract,
                side="long" if side == "Buy" else "short",
                size=size,
                entry_price=_payload.number(obj, "avgPrice", where=where),
                leverage=_payload.number(obj, "leverage", where=where),
            ),
            margin_mode="isolated" if isolated else "cross",
            margin=_payload.number(obj, "positionBalance", where=where) if isolated else 0,
            mark_price=_payload.number(obj, "markPrice", where=where),
            liquidation_price=_payload.optional_number(obj, "liqPrice", where=where) or None,
            unrealized_pnl=_payload.optional_number(obj, "unrealisedPnl", where=where),
            maintenance_margin=_figure(obj, ("positionMMByMp", "positionMM"), where=where),
            initial_margin=_figure(obj, ("positionIMByMp", "positionIM"), where=where),
            break_even_price=_payload.optional_number(obj, "breakEvenPrice", where=where) or None,
        )

    return located(where, build)


@exact
def position_report_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract], strict: bool = False
) -> Parsed:
    """Parse a v5 ``position/list`` response row by row: the good rows and a per-row report.

    A row is long for ``side`` ``"Buy"``, short for ``"Sell"``; rows of size 0 (or
    ``side`` ``""``/``"None"``, an empty position) are skipped. ``tradeMode`` 1 is
    isolated, with ``positionBalance`` as its margin; anything else is cross. The
    maintenance and initial margins are ``positionMMByMp``/``positionIMByMp`` (by mark
    price) where given, else ``positionMM``/``positionIM``. Sizes are in the contract's
    units (base coin for USDT perpetuals, USD for inverse contracts: give those a
    ``Contract(kind="inverse", contract_size=1, margin_asset=...)``, the coin they settle
    in).

    Args:
        payload: the decoded response (``{"result": {"list": [...]}}``), its ``result``,
            or the list of positions.
        contracts: the ``levrisk.futures.Contract`` of each symbol.
        strict: raise the first bad row's error instead of reporting it.

    Returns:
        A :class:`~levrisk.exchanges.Parsed` of ``ReportedPosition`` rows.

    Raises:
        InvalidInputError: when the payload holds no list of objects or ``contracts`` is
            not a mapping; with ``strict=True``, the first bad row's error.

    References:
        Bybit API v5, "Get Position Info" (``GET /v5/position/list``,
        https://bybit-exchange.github.io/docs/v5/position); :ref:`rule-futures-margin-pnl`
        [published].

    Examples:
        Bybit's documented example row, an inverse BTCUSD short of 300 USD:

        >>> import attrs
        >>> from levrisk.exchanges.binance import BTCUSD_PERP_CONTRACT  # BTC-margined
        >>> btcusd = attrs.evolve(BTCUSD_PERP_CONTRACT, symbol="BTCUSD", contract_size=1)
        >>> row = {
        ...     "positionIdx": 0,
        ...     "symbol": "BTCUSD",
        ...     "side": "Sell",
        ...     "size": "300",
        ...     "avgPrice": "27464.50441675",
        ...     "tradeMode": 0,
        ...     "leverage": "10",
        ...     "positionBalance": "0.00139186",
        ...     "markPrice": "28224.50",
        ...     "liqPrice": "",
        ...     "positionMM": "0.0000015",
        ...     "positionIM": "0.00010923",
        ...     "unrealisedPnl": "-0.00029413",
        ... }
        >>> report = position_report_from_payload(
        ...     {"retCode": 0, "result": {"list": [row], "category": "inverse"}},
        ...     contracts={"BTCUSD": btcusd},
        ... )
        >>> r = report.rows[0]
        >>> r.position.side, r.position.size, r.margin_mode, r.liquidation_price
        ('short', Decimal('300'), 'cross', None)

    .. versionadded:: 0.2.0
    """
    contracts = check_contracts(contracts)
    rows, where = _tiers(payload)
    return collect(
        _payload.objects(rows, where=where),
        lambda at, obj: _position_row(obj, contracts, where=at),
        strict=strict,
    )


@exact
def cross_wallet_balance_from_payload(
    payload: Json, *, coin: str = "USDT", account_type: str | None = None
) -> Decimal:
    """The ``walletBalance`` of one coin in a v5 ``account/wallet-balance`` response.

    The classic (``accountType`` ``"CONTRACT"``) and unified (``"UNIFIED"``) shapes both
    list ``coin`` entries with a ``walletBalance``: for a USDT-settled cross account that
    is the cross wallet. Account-level unified figures (``totalEquity``,
    ``accountMMRate``, collateral across coins) are not read here.

    Args:
        payload: the decoded response, its ``result``, or the list of accounts.
        coin: the settlement coin (``"USDT"``).
        account_type: the ``accountType`` to read when the list holds several.

    Returns:
        The coin's wallet balance.

    Raises:
        InvalidInputError: a missing field or wrong type (the message names its path),
            no account or several accounts holding ``coin``, or no such coin.

    References:
        Bybit API v5, "Get Wallet Balance" (``GET /v5/account/wallet-balance``,
        https://bybit-exchange.github.io/docs/v5/account/wallet-balance);
        :ref:`rule-futures-liquidation-linear` [published].

    Examples:
        >>> cross_wallet_balance_from_payload(
        ...     {
        ...         "result": {
        ...             "list": [
        ...                 {
        ...                     "accountType": "UNIFIED",
        ...                     "coin": [
        ...                         {
        ...                             "coin": "USDT",
        ...                             "walletBalance": "500.25",
        ...                             "unrealisedPnl": "0",
        ...                         }
        ...                     ],
        ...                 }
        ...             ]
        ...         }
        ...     }
        ... )
        Decimal('500.25')

    .. versionadded:: 0.2.0
    """
    require(coin, str, "coin")
    account_type = _payload.optional_text(account_type, "account_type")
    accounts, where = _tiers(payload)
    found: list[tuple[str, Mapping[str, Json]]] = []
    for at, account in _payload.objects(accounts, where=where):
        if account_type is not None and account.get("accountType") != account_type:
            continue
        entries = _payload.objects(_payload.field(account, "coin", where=at), where=f"{at}.coin")
        found += [(c, e) for c, e in entries if _payload.text(e, "coin", where=c) == coin]
    if len(found) != 1:
        chosen = "" if account_type is None else f" of accountType {account_type!r}"
        msg = f"{where} must hold one account{chosen} with coin {coin!r}, found {len(found)}"
        if len(found) > 1:
            msg += ": pass account_type="
        raise InvalidInputError(msg)
    at, entry = found[0]
    return _payload.number(entry, "walletBalance", where=at)


def _hedged(payload: Json) -> bool:
    rows, _ = _tiers(payload)
    return any(isinstance(r, Mapping) and r.get("positionIdx") in (1, 2) for r in rows)


@exact
def cross_account_from_payloads(
    positions: Json,
    wallet: Json,
    *,
    contracts: Mapping[str, Contract],
    coin: str = "USDT",
    account_type: str | None = None,
) -> CrossAccount:
    """The cross account of a ``position/list`` response and a ``wallet-balance`` response.

    Every row must parse (a cross account without one of its positions would be wrong);
    isolated rows are left out; ``positionIdx`` 1 or 2 on any row means hedge mode.

    Args:
        positions: the decoded ``position/list`` response.
        wallet: the decoded ``wallet-balance`` response.
        contracts: the contract of each symbol.
        coin: the settlement coin whose ``walletBalance`` is the cross wallet.
        account_type: as in :func:`cross_wallet_balance_from_payload`.

    Returns:
        The ``levrisk.futures.CrossAccount`` of the cross positions.

    Raises:
        InvalidInputError: as :func:`position_report_from_payload` with ``strict=True``
            and :func:`cross_wallet_balance_from_payload`.

    References:
        Bybit API v5, "Get Position Info" and "Get Wallet Balance";
        :ref:`rule-futures-liquidation-linear` [published].

    Examples:
        A cross (``tradeMode`` 0) long of 0.02 BTC and a 500 USDT wallet:

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT
        >>> row = {"positionIdx": 0, "symbol": "BTCUSDT", "side": "Buy", "size": "0.02"}
        >>> row |= {"avgPrice": "50000", "tradeMode": 0, "leverage": "2", "markPrice": "50000"}
        >>> wallet = {"result": {"list": [{"coin": [{"coin": "USDT", "walletBalance": "500"}]}]}}
        >>> cross_account_from_payloads(
        ...     {"result": {"list": [row]}}, wallet, contracts={"BTCUSDT": BTCUSDT_CONTRACT}
        ... ).wallet_balance
        Decimal('500')

    .. versionadded:: 0.2.0
    """
    balance = cross_wallet_balance_from_payload(wallet, coin=coin, account_type=account_type)
    report = position_report_from_payload(positions, contracts=contracts, strict=True)
    return cross_account(report.rows, wallet_balance=balance, hedge=_hedged(positions))


@exact
def reconcile(
    row: ReportedPosition,
    *,
    account: CrossAccount | None = None,
    rule: LiquidationRule = UNIFIED_RULE,
    fee_rate: NumberLike | None = None,
) -> Reconciliation:
    """Compare one ``position/list`` row with levrisk's figures, field by field.

    Checks what the row reports: ``maintenance_margin`` and ``initial_margin`` (at
    mark), ``unrealized_pnl`` (at mark; an inverse contract's in Bybit's form,
    :func:`reported_inverse_pnl`), ``break_even_price`` (with ``fee_rate`` to open and
    close) and ``liquidation_price`` (isolated: on ``positionBalance``; cross: over
    ``account``). The other figures are compared exact, at the decimals Bybit writes.

    Args:
        row: a row of :func:`position_report_from_payload`.
        account: the cross account (:func:`cross_account_from_payloads`) of a cross row.
        rule: :data:`UNIFIED_RULE` (the default, unified trading account) or
            :data:`CLASSIC_RULE` / :func:`liquidation_rule` for a classic account.
        fee_rate: the taker fee rate of the break-even price (``None``: not computed).

    Returns:
        The :class:`~levrisk.exchanges.Reconciliation`.

    Raises:
        InvalidInputError: for a bad row, account, rule or fee rate.

    References:
        Bybit API v5, "Get Position Info"; :ref:`rule-venues`, :ref:`rule-rounding`
        [checked].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT
        >>> row = {
        ...     "positionIdx": 0,
        ...     "symbol": "BTCUSDT",
        ...     "side": "Buy",
        ...     "size": "0.02",
        ...     "avgPrice": "50000",
        ...     "tradeMode": 1,
        ...     "leverage": "2",
        ...     "markPrice": "50000",
        ...     "positionBalance": "500",
        ...     "liqPrice": "25100.4",
        ...     "unrealisedPnl": "0",
        ...     "positionMM": "4",
        ... }
        >>> report = position_report_from_payload([row], contracts={"BTCUSDT": BTCUSDT_CONTRACT})
        >>> [(c.field, c.agrees) for c in reconcile(report.rows[0]).checks]
        [('maintenance_margin', True), ('unrealized_pnl', True), ('liquidation_price', True)]

    .. versionadded:: 0.2.0
    """
    require(row, ReportedPosition, "row")
    inverse = row.position.contract.kind == "inverse"
    return reconcile_position(
        row,
        rule=rule,
        account=account,
        fee_rate=fee_rate,
        pnl=reported_inverse_pnl if inverse else None,
    )
