"""Binance Cross Margin Pro: tiered liability margins, Pro margin level, Pro max borrow.

The private part of :mod:`levrisk.margin` for :ref:`rule-cross-margin-pro`; re-exported there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

from levrisk._fields import require
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError, LeverageError
from levrisk.margin._model import (
    CrossMarginAccount,
    PriceMap,
    _asset,
    _price_of,
    _prices,
    _value_of,
)
from levrisk.numbers import NumberLike, exact, round_to_step, to_decimal

PRO_LIQUIDATION_LEVEL: Final = Decimal(1)  # documented in levrisk.margin

_IMR_STEP: Final = Decimal("0.0001")


@exact
def pro_initial_rate(leverage: NumberLike) -> Decimal:
    r"""The Cross Margin Pro initial margin rate of a tier with this max leverage.

    .. math::

        IMR = \left\lceil \frac{1}{L - 1} \right\rceil_{0.01\%}

    (a borrow at leverage ``L`` adds ``L − 1`` of liability per unit of own equity).

    Args:
        leverage: the tier's maximum leverage ``L`` (> 1).

    Returns:
        The rate, rounded up to 0.01 % (a fraction: ``0.1112`` is 11.12 %).

    Raises:
        LeverageError: when ``leverage`` is not above 1.
        InvalidInputError: when it is not a number.

    References:
        Binance, "Cross Margin Pro" tier table; :ref:`rule-cross-margin-pro` [published].

    Examples:
        >>> pro_initial_rate(10)
        Decimal('0.1112')
        >>> pro_initial_rate(3)
        Decimal('0.5000')

    .. versionadded:: 0.1.0
    """
    value = to_decimal(leverage, name="leverage")
    if value <= 1:
        msg = f"leverage must be above 1, got {leverage!r}"
        raise LeverageError(msg)
    return round_to_step(1 / (value - 1), _IMR_STEP, "ceiling")


def _tables(tiers: object) -> Mapping[str, BracketTable]:
    if not isinstance(tiers, Mapping):
        msg = f"tiers must be a mapping of asset to BracketTable, got {tiers!r}"
        raise InvalidInputError(msg)
    for key, table in tiers.items():
        require(table, BracketTable, f"tiers[{_asset(key, 'tiers key')!r}]")
    return tiers


def _table_for(tables: Mapping[str, BracketTable], asset: str) -> BracketTable:
    if asset not in tables:
        msg = f"tiers has no table for the liability asset {asset!r}"
        raise InvalidInputError(msg)
    return tables[asset]


def _initial_rates(table: BracketTable) -> list[Decimal]:
    return [
        b.initial_rate if b.initial_rate is not None else pro_initial_rate(b.max_leverage)
        for b in table.brackets
    ]


def _initial_margin(table: BracketTable, value: Decimal) -> Decimal:
    """Progressive IM: each slice of liability value at its own tier's initial rate.

    Above the top cap the top tier's rate goes on (the one behaviour of every margin
    figure above a table's top: :ref:`rule-brackets`); only a new borrow stops at the cap.
    """
    total = Decimal(0)
    top = table.brackets[-1]
    for bracket, rate in zip(table.brackets, _initial_rates(table), strict=True):
        if value > bracket.floor:
            end = value if bracket is top else min(value, bracket.cap)
            total += (end - bracket.floor) * rate
    return total


def _liability_values(
    account: CrossMarginAccount, prices: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    return {
        asset: amount * _price_of(prices, asset, account.quote)
        for asset, amount in account.liabilities.items()
        if amount
    }


def _per_liability(
    account: object,
    prices: PriceMap,
    tiers: object,
    margin: Callable[[BracketTable, Decimal], Decimal],
) -> Decimal:
    """``Σ_c margin(table_c, V_c)`` over the liability assets ``c`` of a Pro account."""
    acct = require(account, CrossMarginAccount, "account")
    p = _prices(prices)
    tables = _tables(tiers)
    return sum(
        (margin(_table_for(tables, c), value) for c, value in _liability_values(acct, p).items()),
        Decimal(0),
    )


def _net_equity(account: CrossMarginAccount, prices: Mapping[str, Decimal]) -> Decimal:
    return _value_of(account.balances, prices, account.quote) - _value_of(
        account.liabilities, prices, account.quote
    )


@exact
def pro_maintenance_margin(
    account: CrossMarginAccount, prices: PriceMap, *, tiers: Mapping[str, BracketTable]
) -> Decimal:
    r"""Total Cross Margin Pro maintenance margin: tiered MM summed over liability coins.

    .. math::

        MM = \sum_{c} \left( V_c \, m_{k(c)} - cum_{k(c)} \right),
        \qquad V_c = (D_c + I_c)\, p_c

    Args:
        account: the :class:`CrossMarginAccount`.
        prices: prices in the account's quote (the quote may be omitted).
        tiers: liability asset → its tier table (``BracketTable`` on the liability's
            quote value).

    Returns:
        The maintenance margin in the account's quote.

    Raises:
        InvalidInputError: for bad input, a missing price or a missing tier table.

    References:
        Binance, "Cross Margin Pro" (tiered margin ratios); :ref:`rule-cross-margin-pro`
        [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.margin import CrossMarginAccount, Loan
        >>> usdt = BracketTable.from_rates(
        ...     caps=[100_000, 1_000_000],
        ...     maintenance_rates=["0.05", "0.1"],
        ...     max_leverages=[10, 5],
        ... )
        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)]
        ... )
        >>> pro_maintenance_margin(acct, {"BTC": 30_000}, tiers={"USDT": usdt})
        Decimal('1000.00')

    .. versionadded:: 0.1.0
    """
    return _per_liability(account, prices, tiers, BracketTable.maintenance_margin)


@exact
def pro_initial_margin(
    account: CrossMarginAccount, prices: PriceMap, *, tiers: Mapping[str, BracketTable]
) -> Decimal:
    r"""Total Cross Margin Pro initial margin held by the existing liabilities.

    Each liability's quote value is split over its tiers like a bracket table, each slice
    at its tier's initial rate (the bracket's ``initial_rate``, or
    :func:`pro_initial_rate` of its max leverage):

    .. math::

        IM = \sum_c \sum_k \max(0, \min(V_c, cap_k) - floor_k) \cdot IMR_k

    The arguments and errors are those of :func:`pro_maintenance_margin`; the result is
    the initial margin in the account's quote.

    References:
        Binance, "Cross Margin Pro"; :ref:`rule-cross-margin-pro` [published rates; the progressive
        split across tiers is derived].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.margin import CrossMarginAccount, Loan
        >>> usdt = BracketTable.from_rates(
        ...     caps=[10**6], maintenance_rates=["0.05"], max_leverages=[10]
        ... )
        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)]
        ... )
        >>> pro_initial_margin(acct, {"BTC": 30_000}, tiers={"USDT": usdt})
        Decimal('2224.0000')

    .. versionadded:: 0.1.0
    """
    return _per_liability(account, prices, tiers, _initial_margin)


@exact
def pro_margin_level(
    account: CrossMarginAccount, prices: PriceMap, *, tiers: Mapping[str, BracketTable]
) -> Decimal | None:
    r"""Cross Margin Pro margin level: total net equity over total maintenance margin.

    .. math::

        ML_{pro} = \frac{\sum_a (A_a - D_a - I_a)\, p_a}{\sum_c MM_c}

    Liquidation happens at ``ML_pro ≤ 1`` (:data:`PRO_LIQUIDATION_LEVEL`).

    Returns:
        The Pro margin level, or ``None`` when nothing is owed.

    Raises:
        InvalidInputError: for bad input, a missing price or a missing tier table.

    References:
        Binance, "Cross Margin Pro"; :ref:`rule-cross-margin-pro` [published].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.margin import CrossMarginAccount, Loan
        >>> usdt = BracketTable.from_rates(
        ...     caps=[10**6], maintenance_rates=["0.05"], max_leverages=[10]
        ... )
        >>> loan = Loan(asset="USDT", principal=20_000)
        >>> acct = CrossMarginAccount(balances={"BTC": 1}, loans=[loan])
        >>> pro_margin_level(acct, {"BTC": 33_000}, tiers={"USDT": usdt})
        Decimal('13')

    .. versionadded:: 0.1.0
    """
    acct = require(account, CrossMarginAccount, "account")
    p = _prices(prices)
    mm = pro_maintenance_margin(acct, p, tiers=tiers)
    if mm == 0:
        return None
    return _net_equity(acct, p) / mm


@exact
def pro_max_borrowable(
    account: CrossMarginAccount,
    *,
    asset: str,
    prices: PriceMap,
    tiers: Mapping[str, BracketTable],
) -> Decimal:
    r"""The most of ``asset`` a Cross Margin Pro account may still borrow.

    .. math::

        \text{available} = \sum \text{net equity} - \sum IM_{existing},
        \qquad \text{max\_borrow} = \frac{\text{available}}{IMR_{asset} \cdot p_{asset}}

    A borrow leaves net equity unchanged and adds its initial margin. Across tiers the
    new value is filled slice by slice, each at its tier's rate, and never beyond the
    table's top cap.

    Returns:
        The amount of ``asset`` (≥ 0).

    Raises:
        InvalidInputError: for bad input, a missing price or a missing tier table.

    References:
        Binance, "Cross Margin Pro" (max borrowable); :ref:`rule-cross-margin-pro` [published].

    Examples:
        10,000 USDT of equity at 10x (IMR 11.12 %) may borrow 89,928.05... USDT:

        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.margin import CrossMarginAccount, Loan
        >>> usdt = BracketTable.from_rates(
        ...     caps=[10**6], maintenance_rates=["0.05"], max_leverages=[10]
        ... )
        >>> acct = CrossMarginAccount(balances={"USDT": 10_000})
        >>> round(pro_max_borrowable(acct, asset="USDT", prices={}, tiers={"USDT": usdt}), 2)
        Decimal('89928.06')

    .. versionadded:: 0.1.0
    """
    acct = require(account, CrossMarginAccount, "account")
    x = _asset(asset, "asset")
    p = _prices(prices)
    tables = _tables(tiers)
    table = _table_for(tables, x)
    price = _price_of(p, x, acct.quote)
    available = _net_equity(acct, p) - pro_initial_margin(acct, p, tiers=tables)
    current = acct.liabilities.get(x, Decimal(0)) * price
    added = Decimal(0)
    for bracket, rate in zip(table.brackets, _initial_rates(table), strict=True):
        if available <= 0:
            break
        room = bracket.cap - max(current, bracket.floor)
        if room <= 0:
            continue
        if room * rate >= available:
            added += available / rate
            available = Decimal(0)
        else:
            added += room
            available -= room * rate
    return added / price
