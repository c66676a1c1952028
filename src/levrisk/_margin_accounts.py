"""Spot-margin accounts, margin level, thresholds, liquidation price (:ref:`rule-margin-level`-2.5).

The private half of :mod:`levrisk.margin`; everything public is re-exported there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Literal, TypeAlias, TypeVar

import attrs

from levrisk._fields import (
    non_negative,
    non_negative_number,
    number,
    optional_number,
    positive,
    positive_number,
)
from levrisk.exceptions import InsufficientMarginError, InvalidInputError
from levrisk.numbers import NumberLike, exact, to_decimal

MarginStatus: TypeAlias = Literal[
    "EXCESSIVE", "NORMAL", "MARGIN_CALL", "PRE_LIQUIDATION", "FORCE_LIQUIDATION"
]
"""A margin account's status, by Binance's API names (``marginLevelStatus``).

Boundaries, for a margin level ``ML`` and :class:`MarginThresholds` ``t`` (checked in
this order, the first that holds wins):

- ``FORCE_LIQUIDATION``: ``ML ≤ t.liquidation``;
- ``PRE_LIQUIDATION``: ``ML ≤ t.pre_liquidation`` (only when that level is set);
- ``MARGIN_CALL``: ``ML ≤ t.margin_call``;
- ``EXCESSIVE``: ``ML > t.transfer_out`` (only when that level is set), or no
  liabilities at all (``ML`` is ``None``, "infinite");
- ``NORMAL``: otherwise.
"""

PriceMap: TypeAlias = Mapping[str, NumberLike]
"""Prices of assets in one quote currency, ``{"BTC": "60000", ...}``.

The account's quote asset may be omitted (its price is 1).
"""


# ----------------------------------------------------------------- small checks


def _asset(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        msg = f"{name} must be a non-empty asset name without surrounding spaces, got {value!r}"
        raise InvalidInputError(msg)
    return value


def _asset_converter(value: str) -> str:
    return value


def _asset_validator(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _asset(value, attribute.name)


def _prices(prices: object) -> dict[str, Decimal]:
    if not isinstance(prices, Mapping):
        msg = f"prices must be a mapping of asset to price, got {prices!r}"
        raise InvalidInputError(msg)
    result: dict[str, Decimal] = {}
    for key, raw in prices.items():
        asset = _asset(key, "prices key")
        value = to_decimal(raw, name=f"prices[{asset!r}]")
        if value <= 0:
            msg = f"prices[{asset!r}] must be positive, got {raw!r}"
            raise InvalidInputError(msg)
        result[asset] = value
    return result


def _price_of(prices: Mapping[str, Decimal], asset: str, quote: str) -> Decimal:
    if asset == quote:
        if prices.get(asset, 1) != 1:
            msg = f"prices[{asset!r}] must be 1: prices are in {quote!r}, got {prices[asset]!r}"
            raise InvalidInputError(msg)
        return Decimal(1)
    if asset in prices:
        return prices[asset]
    msg = f"prices has no price for asset {asset!r} (prices are in {quote!r})"
    raise InvalidInputError(msg)


# ----------------------------------------------------------------- value objects


@attrs.frozen(kw_only=True)
class Loan:
    r"""A margin loan: an amount of one asset owed, and the interest accrued on it.

    Interest is owed in the borrowed asset (:ref:`rule-spot-trades`); use
    ``levrisk.interest.accrued_interest`` to compute it.

    Args:
        asset: the borrowed asset, e.g. ``"BTC"``.
        principal: the amount borrowed and not yet repaid (≥ 0), in units of ``asset``.
        interest: the accrued, unpaid interest (≥ 0), in units of ``asset``.

    Raises:
        InvalidInputError: when a field is not a finite number, is negative, or the
            asset name is empty.

    Examples:
        >>> Loan(asset="BTC", principal="0.1", interest="0.000002").total
        Decimal('0.100002')

    .. versionadded:: 0.1.0
    """

    asset: str = attrs.field(converter=_asset_converter, validator=_asset_validator)
    principal: Decimal = attrs.field(converter=number, validator=non_negative)
    interest: Decimal = attrs.field(default=Decimal(0), converter=number, validator=non_negative)

    @property
    @exact
    def total(self) -> Decimal:
        """Principal plus accrued interest: what must be repaid, in units of ``asset``."""
        return self.principal + self.interest


def _loans(value: Iterable[Loan]) -> tuple[Loan, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        msg = f"loans must be an iterable of Loan, got {value!r}"
        raise InvalidInputError(msg)
    result = tuple(value)
    for i, loan in enumerate(result):
        if not isinstance(loan, Loan):
            msg = f"loans[{i}] must be a Loan, got {loan!r}"
            raise InvalidInputError(msg)
    return result


def _sum_by_asset(loans: Iterable[Loan], *, principal_only: bool = False) -> dict[str, Decimal]:
    result: dict[str, Decimal] = {}
    for loan in loans:
        amount = loan.principal if principal_only else loan.total
        result[loan.asset] = result.get(loan.asset, Decimal(0)) + amount
    return result


class _Balances(Mapping[str, Decimal]):
    """A read-only, hashable mapping of asset to amount."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Decimal]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Decimal:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items())))

    def __repr__(self) -> str:
        return repr(self._data)


def _balances(value: Mapping[str, NumberLike]) -> Mapping[str, Decimal]:
    if not isinstance(value, Mapping):
        msg = f"balances must be a mapping of asset to amount, got {value!r}"
        raise InvalidInputError(msg)
    data: dict[str, Decimal] = {}
    for key, raw in value.items():
        asset = _asset(key, "balances key")
        amount = to_decimal(raw, name=f"balances[{asset!r}]")
        if amount < 0:
            msg = f"balances[{asset!r}] must not be negative, got {raw!r}"
            raise InvalidInputError(msg)
        data[asset] = amount
    return _Balances(data)


@attrs.frozen(kw_only=True)
class IsolatedMarginAccount:
    r"""An isolated margin account: the balances and loans of one trading pair.

    Args:
        base: the base asset, e.g. ``"BTC"``.
        quote: the quote asset, e.g. ``"USDT"``; prices are in this asset unless the
            caller's price mapping prices the quote too.
        base_balance: base held (free plus locked, ≥ 0), in base units.
        quote_balance: quote held (≥ 0), in quote units.
        loans: the open loans, each of ``base`` or ``quote``.

    Raises:
        InvalidInputError: for a negative or non-numeric balance, ``base == quote``, or
            a loan of an asset outside the pair.

    Examples:
        >>> acct = IsolatedMarginAccount(
        ...     base="BTC",
        ...     quote="USDT",
        ...     quote_balance=9000,
        ...     loans=[Loan(asset="BTC", principal="0.1")],
        ... )
        >>> acct.liabilities
        {'BTC': Decimal('0.1')}

    .. versionadded:: 0.1.0
    """

    base: str = attrs.field(converter=_asset_converter, validator=_asset_validator)
    quote: str = attrs.field(converter=_asset_converter, validator=_asset_validator)
    base_balance: Decimal = attrs.field(
        default=Decimal(0), converter=number, validator=non_negative
    )
    quote_balance: Decimal = attrs.field(
        default=Decimal(0), converter=number, validator=non_negative
    )
    loans: tuple[Loan, ...] = attrs.field(default=(), converter=_loans)

    @quote.validator
    def _distinct(self, _attribute: attrs.Attribute[str], value: str) -> None:
        if value == self.base:
            msg = f"quote must differ from base {self.base!r}, got {value!r}"
            raise InvalidInputError(msg)

    @loans.validator
    def _in_pair(self, _attribute: attrs.Attribute[Any], value: tuple[Loan, ...]) -> None:
        for i, loan in enumerate(value):
            if loan.asset not in {self.base, self.quote}:
                msg = (
                    f"loans[{i}].asset must be {self.base!r} or {self.quote!r}, got {loan.asset!r}"
                )
                raise InvalidInputError(msg)

    @property
    def balances(self) -> dict[str, Decimal]:
        """The amounts held, ``{base: base_balance, quote: quote_balance}``."""
        return {self.base: self.base_balance, self.quote: self.quote_balance}

    @property
    @exact
    def liabilities(self) -> dict[str, Decimal]:
        """Principal plus interest owed per asset (assets with no loan are absent)."""
        return _sum_by_asset(self.loans)

    @property
    @exact
    def borrowed(self) -> dict[str, Decimal]:
        """Principal owed per asset, without interest (what tier limits count)."""
        return _sum_by_asset(self.loans, principal_only=True)

    def to_cross(self) -> CrossMarginAccount:
        """The same balances and loans as a :class:`CrossMarginAccount` valued in ``quote``.

        Examples:
            >>> IsolatedMarginAccount(base="BTC", quote="USDT", base_balance=1).to_cross().balances
            {'BTC': Decimal('1'), 'USDT': Decimal('0')}
        """
        return CrossMarginAccount(balances=self.balances, loans=self.loans, quote=self.quote)


@attrs.frozen(kw_only=True)
class CrossMarginAccount:
    r"""A cross margin account: balances and loans of any number of assets.

    Args:
        balances: asset → amount held (≥ 0).
        loans: the open loans (several loans of one asset add up).
        quote: the asset prices are quoted in (valued at 1 when absent from the
            price mapping), ``"USDT"`` by default.

    Raises:
        InvalidInputError: for a negative or non-numeric balance, an empty asset name,
            or a loan that is not a :class:`Loan`.

    Examples:
        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)]
        ... )
        >>> margin_level(acct, {"BTC": 30_000})
        Decimal('1.5')

    .. versionadded:: 0.1.0
    """

    balances: Mapping[str, Decimal] = attrs.field(converter=_balances)
    loans: tuple[Loan, ...] = attrs.field(default=(), converter=_loans)
    quote: str = attrs.field(default="USDT", converter=_asset_converter, validator=_asset_validator)

    @property
    @exact
    def liabilities(self) -> dict[str, Decimal]:
        """Principal plus interest owed per asset (assets with no loan are absent)."""
        return _sum_by_asset(self.loans)

    @property
    @exact
    def borrowed(self) -> dict[str, Decimal]:
        """Principal owed per asset, without interest."""
        return _sum_by_asset(self.loans, principal_only=True)


MarginAccount: TypeAlias = IsolatedMarginAccount | CrossMarginAccount
"""Either kind of spot-margin account."""


def _account(value: object) -> MarginAccount:
    if not isinstance(value, (IsolatedMarginAccount, CrossMarginAccount)):
        msg = f"account must be an IsolatedMarginAccount or a CrossMarginAccount, got {value!r}"
        raise InvalidInputError(msg)
    return value


def _value_of(amounts: Mapping[str, Decimal], prices: Mapping[str, Decimal], quote: str) -> Decimal:
    return sum(
        (amount * _price_of(prices, asset, quote) for asset, amount in amounts.items() if amount),
        Decimal(0),
    )


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
        >>> acct = IsolatedMarginAccount(
        ...     base="BTC",
        ...     quote="USDT",
        ...     quote_balance=9000,
        ...     loans=[Loan(asset="BTC", principal="0.1")],
        ... )
        >>> margin_level(acct, {"BTC": 60_000})
        Decimal('1.5')

    .. versionadded:: 0.1.0
    """
    acct = _account(account)
    p = _prices(prices)
    debt = _value_of(acct.liabilities, p, acct.quote)
    assets = _value_of(acct.balances, p, acct.quote)
    if debt == 0:
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
    if not isinstance(collateral_ratios, Mapping):
        msg = f"collateral_ratios must be a mapping of asset to ratio, got {collateral_ratios!r}"
        raise InvalidInputError(msg)
    ratios: dict[str, Decimal] = {}
    for key, raw in collateral_ratios.items():
        asset = _asset(key, "collateral_ratios key")
        ratio = to_decimal(raw, name=f"collateral_ratios[{asset!r}]")
        if not 0 <= ratio <= 1:
            msg = f"collateral_ratios[{asset!r}] must be in [0, 1], got {raw!r}"
            raise InvalidInputError(msg)
        ratios[asset] = ratio
    debt = _value_of(acct.liabilities, p, acct.quote)
    adjusted = {a: amount * ratios.get(a, Decimal(1)) for a, amount in acct.balances.items()}
    assets = _value_of(adjusted, p, acct.quote)
    if debt == 0:
        return None
    return assets / debt


# ----------------------------------------------------------------- thresholds


def _at_least_one(_instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    positive(_instance, attribute, value)
    if value < 1:
        msg = f"{attribute.name} must be at least 1, got {value!r}"
        raise InvalidInputError(msg)


def _above_one(_instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    positive(_instance, attribute, value)
    if value <= 1:
        msg = f"{attribute.name} must be above 1, got {value!r}"
        raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class MarginThresholds:
    r"""The margin levels at which a venue acts, and the leverage it allows.

    Ordering (validated): ``1 ≤ liquidation < pre_liquidation < margin_call``,
    ``liquidation < initial_risk_ratio ≤ transfer_out``, the optional levels only when
    set. (The initial risk ratio may lie below the margin call level: Binance's 5x cross
    account borrows down to 1.25 while its margin call is at 1.3.)

    Args:
        liquidation: margin level at or below which the account is liquidated.
        margin_call: margin level at or below which a margin call is sent.
        initial_risk_ratio: ``IRR``; a borrow is allowed while the margin level after
            it stays at or above this (``max_leverage = IRR / (IRR − 1)`` at most).
        max_leverage: the highest leverage offered (> 1), e.g. 3, 5 or 10.
        transfer_out: margin level above which assets may be transferred out
            (status ``EXCESSIVE``), or ``None``.
        pre_liquidation: margin level at or below which the status is
            ``PRE_LIQUIDATION``, or ``None`` (the status is then never reported).

    Raises:
        InvalidInputError: when a level is not a number or the ordering is broken.

    Examples:
        >>> BINANCE_CROSS_3X.initial_risk_ratio
        Decimal('1.5')
        >>> MarginThresholds(
        ...     liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.25", max_leverage=5
        ... ).max_leverage
        Decimal('5')

    .. versionadded:: 0.1.0
    """

    liquidation: Decimal = attrs.field(converter=number, validator=_at_least_one)
    margin_call: Decimal = attrs.field(converter=number, validator=positive)
    initial_risk_ratio: Decimal = attrs.field(converter=number, validator=_above_one)
    max_leverage: Decimal = attrs.field(converter=number, validator=_above_one)
    transfer_out: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )
    pre_liquidation: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )

    @margin_call.validator
    def _call_above_liquidation(self, _a: attrs.Attribute[Decimal], value: Decimal) -> None:
        if value <= self.liquidation:
            msg = f"margin_call must be above liquidation {self.liquidation!r}, got {value!r}"
            raise InvalidInputError(msg)

    @initial_risk_ratio.validator
    def _irr_above_liquidation(self, _a: attrs.Attribute[Decimal], value: Decimal) -> None:
        if value <= self.liquidation:
            msg = (
                f"initial_risk_ratio must be above liquidation {self.liquidation!r}, got {value!r}"
            )
            raise InvalidInputError(msg)

    @transfer_out.validator
    def _transfer_at_least_irr(self, _a: attrs.Attribute[Any], value: Decimal | None) -> None:
        if value is not None and value < self.initial_risk_ratio:
            msg = (
                f"transfer_out must be at least initial_risk_ratio "
                f"{self.initial_risk_ratio!r}, got {value!r}"
            )
            raise InvalidInputError(msg)

    @pre_liquidation.validator
    def _pre_between(self, _a: attrs.Attribute[Any], value: Decimal | None) -> None:
        if value is not None and not self.liquidation < value < self.margin_call:
            msg = (
                f"pre_liquidation must lie strictly between liquidation {self.liquidation!r} "
                f"and margin_call {self.margin_call!r}, got {value!r}"
            )
            raise InvalidInputError(msg)


BINANCE_CROSS_3X = MarginThresholds(
    liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.5", max_leverage=3, transfer_out=2
)
"""Binance cross margin classic, 3x account: call 1.3, liquidation 1.1, IRR 1.5, transfer out 2.

Source: Binance, "Cross Margin Classic" FAQ; :ref:`rule-margin-level` [published].
"""

BINANCE_CROSS_5X = MarginThresholds(
    liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.25", max_leverage=5, transfer_out=2
)
"""Binance cross margin classic, 5x account: call 1.3, liquidation 1.1, IRR 1.25, transfer out 2.

Source: Binance, "Cross Margin Classic" FAQ; :ref:`rule-margin-level` [published].
"""

BINANCE_ISOLATED_10X_TIER1 = MarginThresholds(
    liquidation="1.05", margin_call="1.09", initial_risk_ratio="1.111", max_leverage=10
)
"""Binance isolated margin, 10x pair family, tier 1: liquidation 1.05, call 1.09, IRR 1.111.

Per-pair tiers change; build current ones with :class:`IsolatedTier` from the API's
``isolatedMarginTier`` data. Source: Binance, "Isolated Margin Tiers"; :ref:`rule-margin-level`
[published].
"""


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
        >>> margin_status("1.1", BINANCE_CROSS_3X)
        'FORCE_LIQUIDATION'
        >>> margin_status("1.3", BINANCE_CROSS_3X)
        'MARGIN_CALL'
        >>> margin_status("2", BINANCE_CROSS_3X), margin_status("2.01", BINANCE_CROSS_3X)
        ('NORMAL', 'EXCESSIVE')

    .. versionadded:: 0.1.0
    """
    if not isinstance(thresholds, MarginThresholds):
        msg = f"thresholds must be MarginThresholds, got {thresholds!r}"
        raise InvalidInputError(msg)
    if level is None:
        return "EXCESSIVE"
    value = to_decimal(level, name="level")
    if value < 0:
        msg = f"level must not be negative, got {level!r}"
        raise InvalidInputError(msg)
    t = thresholds
    if value <= t.liquidation:
        return "FORCE_LIQUIDATION"
    if t.pre_liquidation is not None and value <= t.pre_liquidation:
        return "PRE_LIQUIDATION"
    if value <= t.margin_call:
        return "MARGIN_CALL"
    if t.transfer_out is not None and value > t.transfer_out:
        return "EXCESSIVE"
    return "NORMAL"


# ----------------------------------------------------------------- isolated tiers


def _tier_number(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{attribute.name} must be an integer ≥ 1, got {value!r}"
        raise InvalidInputError(msg)


def _thresholds_validator(
    _instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if not isinstance(value, MarginThresholds):
        msg = f"{attribute.name} must be MarginThresholds, got {value!r}"
        raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class IsolatedTier:
    r"""One tier of an isolated pair: its thresholds and how much may be borrowed in it.

    Args:
        tier: the tier number (1 for the lowest borrow amounts).
        thresholds: liquidation, margin call, initial risk ratio and max leverage.
        base_borrow_limit: the most base that may be borrowed while in this tier
            (cumulative, > 0), e.g. Binance's ``baseAssetMaxBorrowable``.
        quote_borrow_limit: the same for the quote asset (``quoteAssetMaxBorrowable``).

    Raises:
        InvalidInputError: for a bad tier number, thresholds or limit.

    Examples:
        >>> IsolatedTier(
        ...     tier=1,
        ...     thresholds=BINANCE_ISOLATED_10X_TIER1,
        ...     base_borrow_limit=9,
        ...     quote_borrow_limit=70_000,
        ... ).base_borrow_limit
        Decimal('9')

    .. versionadded:: 0.1.0
    """

    tier: int = attrs.field(validator=_tier_number)
    thresholds: MarginThresholds = attrs.field(validator=_thresholds_validator)
    base_borrow_limit: Decimal = attrs.field(converter=number, validator=positive)
    quote_borrow_limit: Decimal = attrs.field(converter=number, validator=positive)


def _tiers(value: Iterable[IsolatedTier]) -> tuple[IsolatedTier, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        msg = f"tiers must be an iterable of IsolatedTier, got {value!r}"
        raise InvalidInputError(msg)
    return tuple(value)


@attrs.frozen(kw_only=True)
class IsolatedTierTable:
    r"""The tiers of one isolated pair, ordered by the amount borrowed.

    The tier in force is the lowest whose limit holds the amount borrowed of each asset;
    when both assets are borrowed, the higher of the two tiers applies.

    Args:
        tiers: the tiers, tier 1 first; tier numbers increase, limits never fall and
            max leverage never rises.

    Raises:
        InvalidInputError: when the table is empty or out of order.

    Examples:
        >>> table = IsolatedTierTable(
        ...     tiers=[
        ...         IsolatedTier(
        ...             tier=1,
        ...             thresholds=BINANCE_ISOLATED_10X_TIER1,
        ...             base_borrow_limit=9,
        ...             quote_borrow_limit=70_000,
        ...         ),
        ...         IsolatedTier(
        ...             tier=2,
        ...             thresholds=MarginThresholds(
        ...                 liquidation="1.05",
        ...                 margin_call="1.1",
        ...                 initial_risk_ratio="1.25",
        ...                 max_leverage=5,
        ...             ),
        ...             base_borrow_limit=20,
        ...             quote_borrow_limit=150_000,
        ...         ),
        ...     ]
        ... )
        >>> table.tier_for(base_borrowed=1, quote_borrowed=80_000).tier
        2

    .. versionadded:: 0.1.0
    """

    tiers: tuple[IsolatedTier, ...] = attrs.field(converter=_tiers)

    @tiers.validator
    def _check(self, _attribute: attrs.Attribute[Any], value: tuple[IsolatedTier, ...]) -> None:
        if not value:
            msg = "tiers must hold at least one IsolatedTier, got ()"
            raise InvalidInputError(msg)
        for i, tier in enumerate(value):
            if not isinstance(tier, IsolatedTier):
                msg = f"tiers[{i}] must be an IsolatedTier, got {tier!r}"
                raise InvalidInputError(msg)
        for i in range(1, len(value)):
            prev, cur = value[i - 1], value[i]
            if cur.tier <= prev.tier:
                msg = f"tiers[{i}].tier must exceed {prev.tier!r}, got {cur.tier!r}"
                raise InvalidInputError(msg)
            for field in ("base_borrow_limit", "quote_borrow_limit"):
                if getattr(cur, field) < getattr(prev, field):
                    msg = (
                        f"tiers[{i}].{field} must not be below {getattr(prev, field)!r}, "
                        f"got {getattr(cur, field)!r}"
                    )
                    raise InvalidInputError(msg)
            if cur.thresholds.max_leverage > prev.thresholds.max_leverage:
                msg = (
                    f"tiers[{i}].thresholds.max_leverage must not exceed "
                    f"{prev.thresholds.max_leverage!r}, got {cur.thresholds.max_leverage!r}"
                )
                raise InvalidInputError(msg)

    @exact
    def tier_for(self, *, base_borrowed: NumberLike, quote_borrowed: NumberLike) -> IsolatedTier:
        """The tier in force for these borrowed amounts (principal, in asset units).

        Raises:
            InvalidInputError: for a negative or non-numeric amount.
            InsufficientMarginError: when an amount exceeds the top tier's limit.
        """
        base_amount = non_negative_number(base_borrowed, "base_borrowed")
        quote_amount = non_negative_number(quote_borrowed, "quote_borrowed")
        for tier in self.tiers:
            if base_amount <= tier.base_borrow_limit and quote_amount <= tier.quote_borrow_limit:
                return tier
        top = self.tiers[-1]
        msg = (
            f"borrowed amounts (base {base_borrowed!r}, quote {quote_borrowed!r}) exceed the "
            f"top tier's limits (base {top.base_borrow_limit!r}, "
            f"quote {top.quote_borrow_limit!r})"
        )
        raise InsufficientMarginError(msg)


# ----------------------------------------------------------------- liquidation price


@exact
def liquidation_price(
    account: MarginAccount, *, asset: str, prices: PriceMap, liquidation_level: NumberLike
) -> Decimal | None:
    r"""The price of one asset at which the margin level falls to the liquidation level.

    Only ``asset`` moves; every other asset stays at its given price. With ``A_x`` the
    amount of ``asset`` held, ``D_x`` its principal plus interest owed, ``A_o`` and
    ``D_o`` the value of everything else held and owed:

    .. math::

        \frac{A_o + A_x\,l}{D_o + D_x\,l} = ML^*
        \quad\Longrightarrow\quad
        l = \frac{ML^* D_o - A_o}{A_x - ML^* D_x}

    A zero denominator or a result ≤ 0 means the level never reaches ``ML*`` by moving
    this asset: the function returns ``None``. An isolated short holding only quote
    gives ``l = quote_balance / (ML* · (Q + I))``.

    Args:
        account: an :class:`IsolatedMarginAccount` or a :class:`CrossMarginAccount`.
        asset: the asset whose price moves (held or owed by the account).
        prices: current prices of the other assets in the account's quote.
        liquidation_level: ``ML*``, e.g. ``thresholds.liquidation``.

    Returns:
        The liquidation price of ``asset`` in the account's quote, or ``None``.

    Raises:
        InvalidInputError: for a bad account, price or level, an asset the account
            neither holds nor owes, the quote asset itself (its price is 1 by definition,
            and a price given for it must be 1), or a missing price of another asset.

    References:
        Binance, "Margin Level" (liquidation at ``ML ≤ 1.1``); :ref:`rule-spot-liquidation`
        [published definition, derived closed form].

    Examples:
        Cross, 10,000 USDT own + 20,000 USDT borrowed, 1 BTC bought at 30,000:

        >>> acct = CrossMarginAccount(
        ...     balances={"BTC": 1, "USDT": 0}, loans=[Loan(asset="USDT", principal=20_000)]
        ... )
        >>> liquidation_price(acct, asset="BTC", prices={"BTC": 30_000}, liquidation_level="1.1")
        Decimal('22000')

    .. versionadded:: 0.1.0
    """
    acct = _account(account)
    x = _asset(asset, "asset")
    p = _prices(prices)
    level = positive_number(liquidation_level, "liquidation_level")
    balances, liabilities = acct.balances, acct.liabilities
    if x not in balances and x not in liabilities:
        msg = f"asset {x!r} is neither held nor owed by the account"
        raise InvalidInputError(msg)
    if x == acct.quote:
        msg = f"asset must not be the quote {x!r}: prices are in it, so its price never moves"
        raise InvalidInputError(msg)
    _price_of(p, acct.quote, acct.quote)  # a price given for the quote itself must be 1
    held = balances.get(x, Decimal(0))
    owed = liabilities.get(x, Decimal(0))
    others_held = _value_of({a: v for a, v in balances.items() if a != x}, p, acct.quote)
    others_owed = _value_of({a: v for a, v in liabilities.items() if a != x}, p, acct.quote)
    denominator = held - level * owed
    if denominator == 0:
        return None
    result = (level * others_owed - others_held) / denominator
    return result if result > 0 else None


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
        return (assets - irr * debt) / (irr - 1) / price

    if isinstance(thresholds, MarginThresholds):
        return max(by_margin(thresholds), Decimal(0))
    if not isinstance(thresholds, IsolatedTierTable):
        msg = f"thresholds must be MarginThresholds or an IsolatedTierTable, got {thresholds!r}"
        raise InvalidInputError(msg)
    if not isinstance(acct, IsolatedMarginAccount):
        msg = "an IsolatedTierTable applies to an IsolatedMarginAccount, got a cross account"
        raise InvalidInputError(msg)
    borrowed = acct.borrowed
    is_base = x == acct.base
    mine = borrowed.get(x, Decimal(0))
    other = borrowed.get(acct.quote if is_base else acct.base, Decimal(0))
    best = Decimal(0)
    for tier in thresholds.tiers:
        own_limit, other_limit = (
            (tier.base_borrow_limit, tier.quote_borrow_limit)
            if is_base
            else (tier.quote_borrow_limit, tier.base_borrow_limit)
        )
        if other <= other_limit:
            best = max(best, min(by_margin(tier.thresholds), own_limit - mine))
    return best


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
