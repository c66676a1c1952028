"""Spot-margin level, collateral margin level, status, max borrowable and borrowing.

The private part of :mod:`levrisk.margin` for :ref:`rule-margin-level` and
:ref:`rule-isolated-max-borrow`; re-exported there.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar, cast

import attrs

from levrisk._fields import non_negative_number, positive_number, require
from levrisk._typing import MarginStatus
from levrisk.exceptions import InsufficientMarginError, InvalidInputError
from levrisk.margin._model import (
    CrossMarginAccount,
    IsolatedMarginAccount,
    IsolatedTierTable,
    Loan,
    MarginAccount,
    MarginThresholds,
    PriceMap,
    _account,
    _asset,
    _by_asset,
    _price_of,
    _prices,
    _sum_by_asset,
    _thresholds,
    _value_of,
)
from levrisk.numbers import NumberLike, exact

# ----------------------------------------------------------------- margin level


@exact
def margin_level(account: MarginAccount, prices: PriceMap) -> Decimal | None:
    r"""Margin level of a spot-margin account: total assets over total liabilities.

    .. math::

        ML = \frac{\sum_a A_a \, p_a}{\sum_a (D_a + I_a) \, p_a}

    with ``A`` the amounts held, ``D`` the principal and ``I`` the accrued interest owed,
    all valued in one quote at the given (index) prices.

    Args:
        account: an :class:`IsolatedMarginAccount` or a :class:`CrossMarginAccount`.
        prices: asset → price in the account's quote; the quote may be omitted.

    Returns:
        The margin level (a pure number), or ``None`` when nothing is owed ("infinite").

    Raises:
        InvalidInputError: for a bad account or price, or a missing price of an asset the
            account holds or owes (the message names the asset).

    References:
        Binance, "Margin Level" / "Cross Margin Risk Ratio"; :ref:`rule-margin-level` [published].

    Examples:
        The seed short right after the sale: 9,000 USDT held, 0.1 BTC owed:

        >>> loan = Loan(asset="BTC", principal="0.1")
        >>> acct = IsolatedMarginAccount(base="BTC", quote="USDT", quote_balance=9000, loans=[loan])
        >>> margin_level(acct, {"BTC": 60_000})
        Decimal('1.5')

    .. versionadded:: 0.1.0
    """
    acct = _account(account)
    p = _prices(prices)
    debt = _value_of(acct.liabilities, p, acct.quote)
    assets = _value_of(acct.balances, p, acct.quote)
    if not _owes(acct):
        return None
    return assets / debt


@exact
def collateral_margin_level(
    account: MarginAccount, prices: PriceMap, *, collateral_ratios: Mapping[str, NumberLike]
) -> Decimal | None:
    r"""Collateral margin level: assets after per-asset haircuts over liabilities.

    .. math::

        CML = \frac{\sum_a A_a \, p_a \, r_a}{\sum_a (D_a + I_a) \, p_a}

    It gates borrowing and transfers out only; liquidation uses :func:`margin_level`.

    Args:
        account: an :class:`IsolatedMarginAccount` or a :class:`CrossMarginAccount`.
        prices: asset → price in the account's quote; the quote may be omitted.
        collateral_ratios: asset → collateral ratio in ``[0, 1]``; an asset not listed
            counts at its full value (ratio 1).

    Returns:
        The collateral margin level, or ``None`` when nothing is owed.

    Raises:
        InvalidInputError: for a bad account, price or ratio, or a missing price.

    References:
        Binance, "Collateral Ratio" (cross margin); :ref:`rule-margin-level` [published].

    Examples:
        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1, "USDT": 1000}, loans=[Loan(asset="USDT", principal=20_000)]
        ... )
        >>> collateral_margin_level(acct, {"BTC": 30_000}, collateral_ratios={"BTC": "0.9"})
        Decimal('1.4')

    .. versionadded:: 0.1.0
    """
    acct = _account(account)
    p = _prices(prices)
    ratios = _by_asset(
        collateral_ratios, "collateral_ratios", "ratio", lambda v: 0 <= v <= 1, "be in [0, 1]"
    )
    debt = _value_of(acct.liabilities, p, acct.quote)
    adjusted = {a: amount * ratios.get(a, Decimal(1)) for a, amount in acct.balances.items()}
    assets = _value_of(adjusted, p, acct.quote)
    if not _owes(acct):
        return None
    return assets / debt


def _level(account: MarginAccount, prices: Mapping[str, Decimal]) -> Decimal:
    """The margin level of an account that owes something, computed as :func:`margin_level`."""
    assets = _value_of(account.balances, prices, account.quote)
    return assets / _value_of(_sum_by_asset(account.loans), prices, account.quote)


def _owes(account: MarginAccount) -> bool:
    """Whether any liability is nonzero (decided on the amounts, never on a rounded sum)."""
    return any(amount for amount in account.liabilities.values())


@exact
def margin_status(level: NumberLike | None, thresholds: MarginThresholds) -> MarginStatus:
    r"""The Binance status name of a margin level.

    See :data:`MarginStatus` for the exact boundaries (each threshold is inclusive on
    the risky side: ``ML ≤ liquidation`` is ``FORCE_LIQUIDATION``).

    Args:
        level: a margin level, or ``None`` for an account with no liabilities.
        thresholds: the venue's :class:`MarginThresholds`.

    Returns:
        One of ``EXCESSIVE``, ``NORMAL``, ``MARGIN_CALL``, ``PRE_LIQUIDATION``,
        ``FORCE_LIQUIDATION``.

    Raises:
        InvalidInputError: when ``level`` is not a number ≥ 0 or ``None``, or
            ``thresholds`` is not a :class:`MarginThresholds`.

    References:
        Binance API ``marginLevelStatus``; :ref:`rule-margin-level` [published names, boundaries
        as documented here].

    Examples:
        >>> from levrisk.margin import BINANCE_CROSS_3X
        >>> margin_status("1.1", BINANCE_CROSS_3X)
        'FORCE_LIQUIDATION'
        >>> margin_status("1.3", BINANCE_CROSS_3X)
        'MARGIN_CALL'
        >>> margin_status("2", BINANCE_CROSS_3X), margin_status("2.01", BINANCE_CROSS_3X)
        ('NORMAL', 'EXCESSIVE')

    .. versionadded:: 0.1.0
    """
    t = require(thresholds, MarginThresholds, "thresholds")
    if level is None:
        return "EXCESSIVE"
    value = non_negative_number(level, "level")
    if value <= t.liquidation:
        return "FORCE_LIQUIDATION"
    if t.pre_liquidation is not None and value <= t.pre_liquidation:
        return "PRE_LIQUIDATION"
    if value <= t.margin_call:
        return "MARGIN_CALL"
    if t.transfer_out is not None and value > t.transfer_out:
        return "EXCESSIVE"
    return "NORMAL"


# ----------------------------------------------------------------- max borrowable


@exact
def max_borrowable(
    account: MarginAccount,
    *,
    asset: str,
    prices: PriceMap,
    thresholds: MarginThresholds | IsolatedTierTable,
) -> Decimal:
    r"""The largest amount of ``asset`` that may still be borrowed.

    A borrow of value ``v`` adds ``v`` to both assets and liabilities, and is allowed
    while the margin level stays at or above the initial risk ratio:

    .. math::

        \frac{A + v}{D + v} \ge IRR
        \quad\Longrightarrow\quad
        \text{max\_borrow} = \frac{A - IRR \cdot D}{(IRR - 1)\, p_{asset}}

    With an :class:`IsolatedTierTable` this is computed per tier, capped by the tier's
    borrow limit less the principal already borrowed, and the largest amount any tier
    allows is returned (a tier applies only while the other asset's borrowing fits it).

    Args:
        account: an :class:`IsolatedMarginAccount` or a :class:`CrossMarginAccount`.
        asset: the asset to borrow (for an isolated account, its base or quote).
        prices: prices in the account's quote (the quote may be omitted).
        thresholds: :class:`MarginThresholds` (their initial risk ratio applies), or an
            isolated pair's :class:`IsolatedTierTable`.

    Returns:
        The amount of ``asset`` (≥ 0; 0 when the account may not borrow more).

    Raises:
        InvalidInputError: for bad input, a missing price, an asset outside an isolated
            pair, or a tier table with a cross account.

    References:
        Binance, "Isolated Margin Max Borrow" and "Initial Risk Ratio";
        :ref:`rule-spot-trades` and :ref:`rule-isolated-max-borrow` [published].

    Examples:
        3,000 USDT on a 3x cross account may borrow 6,000 USDT worth, 0.1 BTC at 60,000:

        >>> from levrisk.margin import BINANCE_CROSS_3X
        >>> acct = CrossMarginAccount(balances={"USDT": 3000})
        >>> max_borrowable(acct, asset="BTC", prices={"BTC": 60_000}, thresholds=BINANCE_CROSS_3X)
        Decimal('0.1')

    .. versionadded:: 0.1.0
    """
    acct = _account(account)
    x = _asset(asset, "asset")
    p = _prices(prices)
    if isinstance(acct, IsolatedMarginAccount) and x not in {acct.base, acct.quote}:
        msg = f"asset must be {acct.base!r} or {acct.quote!r} for this pair, got {x!r}"
        raise InvalidInputError(msg)
    price = _price_of(p, x, acct.quote)
    assets = _value_of(acct.balances, p, acct.quote)
    debt = _value_of(acct.liabilities, p, acct.quote)

    def by_margin(t: MarginThresholds) -> Decimal:
        irr = t.initial_risk_ratio
        with decimal.localcontext() as context:
            context.rounding = decimal.ROUND_FLOOR
            amount = (assets - irr * debt) / (irr - 1) / price
        return _allowed(acct, x, amount, lambda after: _level(after, p) >= irr)

    limits = _thresholds(thresholds)
    if isinstance(limits, MarginThresholds):
        return max(by_margin(limits), Decimal(0))
    if not isinstance(acct, IsolatedMarginAccount):
        msg = "an IsolatedTierTable applies to an IsolatedMarginAccount, got a cross account"
        raise InvalidInputError(msg)
    borrowed = acct.borrowed
    is_base = x == acct.base
    mine = borrowed.get(x, Decimal(0))
    other = borrowed.get(acct.quote if is_base else acct.base, Decimal(0))
    best = Decimal(0)
    for tier in limits.tiers:
        own_limit, other_limit = (
            (tier.base_borrow_limit, tier.quote_borrow_limit)
            if is_base
            else (tier.quote_borrow_limit, tier.base_borrow_limit)
        )
        if other <= other_limit:
            best = max(best, min(by_margin(tier.thresholds), own_limit - mine))
    return best


if TYPE_CHECKING:  # for the type checker only: the docs then show the bare private name
    _Account = TypeVar("_Account", IsolatedMarginAccount, CrossMarginAccount)


@exact
def borrow(
    account: _Account,
    *,
    asset: str,
    amount: NumberLike,
    prices: PriceMap,
    thresholds: MarginThresholds | IsolatedTierTable,
) -> _Account:
    r"""Borrow ``amount`` of ``asset``: the account after the loan, if it is allowed.

    The borrowed amount is added to the balance and owed as a new :class:`Loan` (no
    interest yet). The amount may not exceed :func:`max_borrowable`.

    Args:
        account: an :class:`IsolatedMarginAccount` or a :class:`CrossMarginAccount`.
        asset: the asset to borrow.
        amount: how much (> 0), in units of ``asset``.
        prices: prices in the account's quote (the quote may be omitted).
        thresholds: :class:`MarginThresholds` or an :class:`IsolatedTierTable`.

    Returns:
        A new account of the same kind.

    Raises:
        InsufficientMarginError: when ``amount`` exceeds the maximum borrowable.
        InvalidInputError: for bad input (as :func:`max_borrowable`).

    References:
        Binance, "Initial Risk Ratio"; :ref:`rule-spot-trades` and :ref:`rule-isolated-max-borrow`
        [published].

    Examples:
        >>> from levrisk.margin import BINANCE_CROSS_3X
        >>> acct = CrossMarginAccount(balances={"USDT": 3000})
        >>> after = borrow(
        ...     acct, asset="BTC", amount="0.1", prices={"BTC": 60_000}, thresholds=BINANCE_CROSS_3X
        ... )
        >>> margin_level(after, {"BTC": 60_000})
        Decimal('1.5')
        >>> try:
        ...     borrow(
        ...         acct,
        ...         asset="BTC",
        ...         amount="0.11",
        ...         prices={"BTC": 60_000},
        ...         thresholds=BINANCE_CROSS_3X,
        ...     )
        ... except InsufficientMarginError as error:
        ...     print(error)
        amount '0.11' of 'BTC' exceeds the maximum borrowable 0.1

    .. versionadded:: 0.1.0
    """
    limit = max_borrowable(account, asset=asset, prices=prices, thresholds=thresholds)
    value = positive_number(amount, "amount")
    if value > limit:
        msg = f"amount {amount!r} of {asset!r} exceeds the maximum borrowable {limit}"
        raise InsufficientMarginError(msg)
    return cast("_Account", _borrowed(account, asset, value))


def _allowed(
    account: MarginAccount, asset: str, amount: Decimal, allows: Callable[[MarginAccount], bool]
) -> Decimal:
    """The largest of ``amount``, ``amount − u``, ``amount − 2u``, ... that ``allows``.

    ``u`` is the unit of the amount's last digit; 0 when no candidate is allowed
    (:ref:`rule-rounding`).

    The formula's amount is floored, yet the margin level after the borrow is computed
    with rounded sums: borrowing exactly the returned amount must pass the very check
    :func:`margin_level` makes, so the amount steps down until it does.
    """
    step = Decimal(0)
    candidate = amount
    while candidate > 0:
        if allows(_borrowed(account, asset, candidate)):
            return candidate
        step = step * 2 if step else _unit(candidate)
        candidate = amount - step
    return Decimal(0)


def _unit(value: Decimal) -> Decimal:
    """The unit of ``value``'s last digit at the library's precision (``next_minus`` step)."""
    return value - value.next_minus()


def _borrowed(account: MarginAccount, asset: str, value: Decimal) -> MarginAccount:
    """``account`` after borrowing ``value`` of ``asset`` (no check: the caller made it)."""
    loans = (*account.loans, Loan(asset=asset, principal=value))
    if isinstance(account, IsolatedMarginAccount):
        return attrs.evolve(
            account,
            base_balance=account.base_balance + (value if asset == account.base else 0),
            quote_balance=account.quote_balance + (value if asset == account.quote else 0),
            loans=loans,
        )
    balances = dict(account.balances)
    balances[asset] = balances.get(asset, Decimal(0)) + value
    return attrs.evolve(account, balances=balances, loans=loans)
