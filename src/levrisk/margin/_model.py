"""Spot-margin value objects: loans, accounts, thresholds and presets, isolated tiers, trades, PnL.

The private model of :mod:`levrisk.margin` (:ref:`rule-spot-margin`); everything public is
re-exported there. The asset and price checks every spot-margin function shares live here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeAlias

import attrs

from levrisk._fields import (
    FrozenMap,
    aware_datetime,
    entries,
    finite,
    fraction,
    instance_of,
    non_negative,
    non_negative_number,
    number,
    optional_number,
    positive,
    require,
)
from levrisk._typing import FeeConvention, Side, one_of
from levrisk.exceptions import InsufficientMarginError, InvalidInputError
from levrisk.numbers import NumberLike, exact, to_decimal

PriceMap: TypeAlias = Mapping[str, NumberLike]  # documented in levrisk.margin


# ----------------------------------------------------------------- small checks


def _asset(value: object, name: str) -> str:
    """``value`` as a plain ``str`` asset name (a ``str`` subclass is copied first)."""
    plain = str.__str__(value) if isinstance(value, str) else None
    if plain is None or not plain or plain != plain.strip():  # empty, or spaces around
        msg = f"{name} must be a non-empty asset name without surrounding spaces, got {value!r}"
        raise InvalidInputError(msg)
    return plain


def _asset_converter(value: str) -> str:
    """A ``str`` subclass as a plain ``str`` (anything else is left to the validator)."""
    plain: object = value
    return str.__str__(plain) if isinstance(plain, str) else value


def _asset_validator(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _asset(value, attribute.name)


def _by_asset(
    value: object, name: str, what: str, valid: Callable[[Decimal], bool], rule: str
) -> dict[str, Decimal]:
    """A mapping asset → number checked entry by entry: ``name[asset] must <rule>``.

    The one check of the per-asset mappings (prices, balances, collateral ratios).
    """
    if not isinstance(value, Mapping):
        msg = f"{name} must be a mapping of asset to {what}, got {value!r}"
        raise InvalidInputError(msg)
    result: dict[str, Decimal] = {}
    for key, raw in value.items():
        asset = _asset(key, f"{name} key")
        amount = to_decimal(raw, name=f"{name}[{asset!r}]")
        if not valid(amount):
            msg = f"{name}[{asset!r}] must {rule}, got {raw!r}"
            raise InvalidInputError(msg)
        result[asset] = amount
    return result


def _prices(prices: object) -> dict[str, Decimal]:
    return _by_asset(prices, "prices", "price", lambda v: v > 0, "be positive")


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
    loans = entries(value, f"loans must be an iterable of Loan, got {value!r}")
    return tuple(require(loan, Loan, f"loans[{i}]") for i, loan in enumerate(loans))


def _sum_by_asset(loans: Iterable[Loan], *, principal_only: bool = False) -> dict[str, Decimal]:
    result: dict[str, Decimal] = {}
    for loan in loans:
        amount = loan.principal if principal_only else loan.principal + loan.interest  # .total
        result[loan.asset] = result.get(loan.asset, Decimal(0)) + amount
    return result


class _Owing:
    """What an account owes, summed from its loans (both account kinds)."""

    __slots__ = ()
    loans: tuple[Loan, ...]

    @property
    @exact
    def liabilities(self) -> dict[str, Decimal]:
        """Principal plus interest owed per asset (assets with no loan are absent)."""
        return _sum_by_asset(self.loans)

    @property
    @exact
    def borrowed(self) -> dict[str, Decimal]:
        """Principal owed per asset, without interest (what isolated tier limits count)."""
        return _sum_by_asset(self.loans, principal_only=True)


def _balances(value: Mapping[str, NumberLike]) -> Mapping[str, Decimal]:
    return FrozenMap(_by_asset(value, "balances", "amount", lambda v: v >= 0, "not be negative"))


@attrs.frozen(kw_only=True)
class IsolatedMarginAccount(_Owing):
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

    def to_cross(self) -> CrossMarginAccount:
        """The same balances and loans as a :class:`CrossMarginAccount` valued in ``quote``.

        Examples:
            >>> IsolatedMarginAccount(base="BTC", quote="USDT", base_balance=1).to_cross().balances
            {'BTC': Decimal('1'), 'USDT': Decimal('0')}
        """
        return CrossMarginAccount(balances=self.balances, loans=self.loans, quote=self.quote)


@attrs.frozen(kw_only=True)
class CrossMarginAccount(_Owing):
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
        >>> from levrisk.margin import margin_level
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


MarginAccount: TypeAlias = (
    IsolatedMarginAccount | CrossMarginAccount
)  # documented in levrisk.margin


def _account(value: object) -> MarginAccount:
    if not isinstance(value, (IsolatedMarginAccount, CrossMarginAccount)):
        msg = f"account must be an IsolatedMarginAccount or a CrossMarginAccount, got {value!r}"
        raise InvalidInputError(msg)
    return value


def _value_of(amounts: Mapping[str, Decimal], prices: Mapping[str, Decimal], quote: str) -> Decimal:
    total = Decimal(0)
    for asset, amount in amounts.items():
        if amount:
            total += amount * _price_of(prices, asset, quote)
    return total


# ----------------------------------------------------------------- thresholds


def _from_one(*, strict: bool) -> Callable[[object, attrs.Attribute[Any], Decimal], None]:
    """A validator of a margin level or leverage: a number ≥ 1 (``strict``: > 1)."""
    bound = "above 1" if strict else "at least 1"

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
        positive(instance, attribute, value)
        if value < 1 or (strict and value == 1):
            msg = f"{attribute.name} must be {bound}, got {value!r}"
            raise InvalidInputError(msg)

    return validate


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

    liquidation: Decimal = attrs.field(converter=number, validator=_from_one(strict=False))
    margin_call: Decimal = attrs.field(converter=number, validator=positive)
    initial_risk_ratio: Decimal = attrs.field(converter=number, validator=_from_one(strict=True))
    max_leverage: Decimal = attrs.field(converter=number, validator=_from_one(strict=True))
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


# The presets; their documentation is in levrisk.margin, which publishes them.
BINANCE_CROSS_3X = MarginThresholds(
    liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.5", max_leverage=3, transfer_out=2
)

BINANCE_CROSS_5X = MarginThresholds(
    liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.25", max_leverage=5, transfer_out=2
)

BINANCE_ISOLATED_10X_TIER1 = MarginThresholds(
    liquidation="1.05", margin_call="1.09", initial_risk_ratio="1.111", max_leverage=10
)


# ----------------------------------------------------------------- isolated tiers


def _tier_number(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{attribute.name} must be an integer ≥ 1, got {value!r}"
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
    thresholds: MarginThresholds = attrs.field(validator=instance_of(MarginThresholds))
    base_borrow_limit: Decimal = attrs.field(converter=number, validator=positive)
    quote_borrow_limit: Decimal = attrs.field(converter=number, validator=positive)


def _tiers(value: Iterable[IsolatedTier]) -> tuple[IsolatedTier, ...]:
    return tuple(entries(value, f"tiers must be an iterable of IsolatedTier, got {value!r}"))


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


def _thresholds(value: object) -> MarginThresholds | IsolatedTierTable:
    """``value`` when it is :class:`MarginThresholds` or an :class:`IsolatedTierTable`."""
    if not isinstance(value, (MarginThresholds, IsolatedTierTable)):
        msg = f"thresholds must be MarginThresholds or an IsolatedTierTable, got {value!r}"
        raise InvalidInputError(msg)
    return value


# ----------------------------------------------------------------- trades


def _aware_validator(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    aware_datetime(value, attribute.name)


@attrs.frozen(kw_only=True)
class MarginTrade:
    r"""An opened spot-margin trade (built by :func:`open_short` / :func:`open_long`).

    Attributes:
        side: ``"short"`` or ``"long"``.
        base: the base asset (``"BTC"``).
        quote: the quote asset (``"USDT"``).
        collateral: own capital put in, in quote.
        leverage: ``L``; the borrow is worth ``collateral · (L − 1)``.
        entry_price: the trade price ``P₀``, quote per base.
        quantity: base sold (short) or base received after fees (long).
        borrowed: the loan, in the borrowed asset (base for a short, quote for a long).
        quote_amount: a short's sale proceeds after fees, or the quote a long spent
            (fees included), in quote.
        open_fee: the opening fee's quote value.
        fee_rate: the opening fee rate.
        fee_convention: its :data:`FeeConvention`.
        account: the pair's balances and loans right after the trade
            (``account.to_cross()`` for a cross account).
        thresholds: the :class:`MarginThresholds` in force (the tier's, for a table).
        margin_level: the margin level right after the trade, at ``entry_price``.
        liquidation_price: the base price at which the margin level reaches
            ``thresholds.liquidation``, or ``None``.
        opened_at: when the loan was taken (timezone-aware).

    .. versionadded:: 0.1.0
    """

    side: Side = attrs.field(validator=one_of(Side))
    base: str = attrs.field(validator=_asset_validator)
    quote: str = attrs.field(validator=_asset_validator)
    collateral: Decimal = attrs.field(converter=number, validator=positive)
    leverage: Decimal = attrs.field(converter=number, validator=positive)
    entry_price: Decimal = attrs.field(converter=number, validator=positive)
    quantity: Decimal = attrs.field(converter=number, validator=positive)
    borrowed: Decimal = attrs.field(converter=number, validator=positive)
    quote_amount: Decimal = attrs.field(converter=number, validator=positive)
    open_fee: Decimal = attrs.field(converter=number, validator=non_negative)
    fee_rate: Decimal = attrs.field(converter=number, validator=fraction)
    fee_convention: FeeConvention = attrs.field(validator=one_of(FeeConvention))
    account: IsolatedMarginAccount = attrs.field(validator=instance_of(IsolatedMarginAccount))
    thresholds: MarginThresholds = attrs.field(validator=instance_of(MarginThresholds))
    margin_level: Decimal = attrs.field(converter=number, validator=positive)
    liquidation_price: Decimal | None = attrs.field(converter=optional_number, validator=positive)
    opened_at: dt.datetime = attrs.field(validator=_aware_validator)

    @property
    def borrowed_asset(self) -> str:
        """The asset owed: ``base`` for a short, ``quote`` for a long."""
        return self.base if self.side == "short" else self.quote

    @property
    def proceeds(self) -> Decimal | None:
        """A short's sale proceeds after fees, in quote (``None`` for a long)."""
        return self.quote_amount if self.side == "short" else None

    @property
    def cost(self) -> Decimal | None:
        """The quote a long spent, fees included (``None`` for a short)."""
        return self.quote_amount if self.side == "long" else None

    @property
    @exact
    def notional(self) -> Decimal:
        """``quantity · entry_price``: the trade's value in quote at entry, before fees."""
        return self.quantity * self.entry_price


@attrs.frozen(kw_only=True)
class MarginPnL:
    r"""The PnL of a closed spot-margin trade (built by :func:`close`), in quote.

    ``net_pnl = gross_pnl − trading_fees − interest_value``.

    Attributes:
        trade: the :class:`MarginTrade` closed.
        exit_price: ``P₁``, quote per base.
        closed_at: when it was closed.
        gross_pnl: ``Q·(P₀ − P₁)`` for a short, ``Q·(P₁ − P₀)`` for a long.
        open_fee: the quote value of the opening fee.
        close_fee: the quote value of the closing fee.
        trading_fees: ``open_fee + close_fee``.
        interest: the interest accrued, in the borrowed asset.
        interest_value: its quote value (``interest · P₁`` for a short).
        net_pnl: what the trade earned after fees and interest.
        roi: ``net_pnl / collateral`` (a fraction: ``0.5`` is 50 %).

    .. versionadded:: 0.1.0
    """

    trade: MarginTrade = attrs.field(validator=instance_of(MarginTrade))
    exit_price: Decimal = attrs.field(converter=number, validator=positive)
    closed_at: dt.datetime = attrs.field(validator=_aware_validator)
    gross_pnl: Decimal = attrs.field(converter=number, validator=finite)
    open_fee: Decimal = attrs.field(converter=number, validator=non_negative)
    close_fee: Decimal = attrs.field(converter=number, validator=non_negative)
    trading_fees: Decimal = attrs.field(converter=number, validator=non_negative)
    interest: Decimal = attrs.field(converter=number, validator=non_negative)
    interest_value: Decimal = attrs.field(converter=number, validator=non_negative)
    net_pnl: Decimal = attrs.field(converter=number, validator=finite)
    roi: Decimal = attrs.field(converter=number, validator=finite)
