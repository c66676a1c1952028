"""The value objects of multi-collateral accounts: collateral rules, asset books, accounts.

Private: :mod:`levrisk.portfolio` re-exports every public name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeAlias

import attrs

from levrisk import _typing
from levrisk._fields import (
    FrozenMap,
    entries,
    finite,
    fraction,
    non_negative,
    number,
    optional_number,
    positive,
    positive_number,
    require,
)
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.futures import Position
from levrisk.numbers import NumberLike, exact

PortfolioStatus: TypeAlias = _typing.PortfolioStatus
# Kept here (not in levrisk._typing, which this issue may not edit); the lead may move it.


def _name(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        msg = f"{attribute.name} must be a non-empty name without surrounding spaces, got {value!r}"
        raise InvalidInputError(msg)


def _ratio(_instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    positive(_instance, attribute, value)
    if value > 1:
        msg = f"{attribute.name} must be a ratio in (0, 1], got {value!r}"
        raise InvalidInputError(msg)


def _tier_ratio(_instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    non_negative(_instance, attribute, value)
    if value > 1:
        msg = f"{attribute.name} must be a ratio in [0, 1], got {value!r}"
        raise InvalidInputError(msg)


def _flag(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        msg = f"{attribute.name} must be True or False, got {value!r}"
        raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class CollateralTier:
    """One tier of a tiered collateral ratio: the slice of value up to ``cap`` at ``ratio``.

    Args:
        ratio: the collateral (value) ratio of the slice, in [0, 1] (Bybit's and OKX's
            last tiers count at 0: value above them is no collateral).
        cap: the top of the slice, in the valuation currency (> 0), or in the asset when
            its :class:`Collateral` has ``quantity_tiers``; ``None`` for the last,
            unbounded tier.

    Examples:
        >>> CollateralTier(ratio="0.95", cap=100_000).cap
        Decimal('100000')

    .. versionadded:: 0.2.0
    """

    ratio: Decimal = attrs.field(converter=number, validator=_tier_ratio)
    cap: Decimal | None = attrs.field(default=None, converter=optional_number, validator=positive)


def _items(value: object, name: str, what: str) -> tuple[Any, ...]:
    """``value`` as a tuple, when it is a collection (the one check); its items checked later."""
    return tuple(entries(value, f"{name} must be an iterable of {what}, got {value!r}"))


def _tiers(value: Iterable[CollateralTier]) -> tuple[CollateralTier, ...]:
    return _items(value, "tiers", "CollateralTier")


@attrs.frozen(kw_only=True)
class Collateral:
    r"""How one asset counts as collateral (:ref:`rule-multi-assets`, :ref:`rule-portfolio-margin`).

    With ``I`` the asset's index price in the valuation currency, a balance ``e`` of the
    asset is worth

    .. math::

        v(e) = \begin{cases} h\bigl(e \cdot I (1 - b)\bigr) & e \ge 0 \\
                             e \cdot I (1 + a) & e < 0 \end{cases}

    — the rate less favourable to the holder: the bid rate ``I(1 − b)`` for what is
    held, the ask rate ``I(1 + a)`` for what is owed; ``h`` is the haircut, the flat
    ``ratio`` or, with ``tiers``, each slice of value at its own tier's ratio. With
    ``quantity_tiers`` the slices are of the quantity ``e`` held (Bybit's tiered
    collateral ratio, :ref:`rule-bybit-uta`): ``h = I (1 - b) Σ_k r_k · slice_k(e)``.

    Args:
        asset: the asset's name, e.g. ``"USDT"``.
        bid_buffer: ``b`` in [0, 1).
        ask_buffer: ``a`` ≥ 0.
        ratio: the collateral (value) ratio, in (0, 1]; 1 for no haircut.
        tiers: the tiers of a tiered ratio (then ``ratio`` must stay 1); caps increase and
            only the last tier may be unbounded (value above a last cap counts at the last
            tier's ratio, like a bracket table's last bracket).
        quantity_tiers: whether the tiers' caps are quantities of the asset (Bybit) rather
            than values in the valuation currency (Binance, OKX).

    Raises:
        InvalidInputError: for a field out of its domain or badly ordered tiers.

    References:
        Binance, "How to Calculate Margin in Multi-Assets Mode" (bid and ask rates);
        Binance, "What Is the Unified Account Maintenance Margin Ratio (uniMMR)"
        (collateral rate); :ref:`rule-multi-assets` [published].

    Examples:
        >>> Collateral(asset="USDT", bid_buffer="0.01", ask_buffer="0.005").ask_buffer
        Decimal('0.005')

    .. versionadded:: 0.2.0
    .. versionchanged:: 0.2.0
        ``quantity_tiers`` (tiers by quantity held).
    """

    asset: str = attrs.field(validator=_name)
    bid_buffer: Decimal = attrs.field(default=Decimal(0), converter=number, validator=fraction)
    ask_buffer: Decimal = attrs.field(default=Decimal(0), converter=number, validator=non_negative)
    ratio: Decimal = attrs.field(default=Decimal(1), converter=number, validator=_ratio)
    tiers: tuple[CollateralTier, ...] = attrs.field(default=(), converter=_tiers)
    quantity_tiers: bool = attrs.field(default=False, validator=_flag)

    @tiers.validator
    def _check_tiers(
        self, _attribute: attrs.Attribute[Any], value: tuple[CollateralTier, ...]
    ) -> None:
        previous = Decimal(0)
        for i, tier in enumerate(value):
            if not isinstance(tier, CollateralTier):
                msg = f"tiers[{i}] must be a CollateralTier, got {tier!r}"
                raise InvalidInputError(msg)
            if tier.cap is None and i != len(value) - 1:
                msg = f"tiers[{i}] must have a cap (only the last tier is unbounded)"
                raise InvalidInputError(msg)
            if tier.cap is not None and tier.cap <= previous:
                msg = f"tiers[{i}].cap must be above {previous}, got {tier.cap!r}"
                raise InvalidInputError(msg)
            previous = tier.cap if tier.cap is not None else previous
        if value and self.ratio != 1:
            msg = f"ratio must be 1 when tiers are given, got {self.ratio!r}"
            raise InvalidInputError(msg)


@exact
def bid_rate(collateral: Collateral, index_price: NumberLike) -> Decimal:
    r"""The bid rate of an asset: what one unit held counts for, before any haircut.

    .. math::

        bid = I \cdot (1 - b)

    Args:
        collateral: the asset's :class:`Collateral` rule.
        index_price: its index price ``I`` (> 0) in the valuation currency.

    Returns:
        The bid rate, in the valuation currency per unit.

    Raises:
        InvalidInputError: for a bad rule or a non-positive index price.

    References:
        Binance, "How to Calculate Margin in Multi-Assets Mode"; :ref:`rule-multi-assets`
        [published].

    Examples:
        >>> bid_rate(Collateral(asset="USDT", bid_buffer="0.01"), "0.99")
        Decimal('0.9801')

    .. versionadded:: 0.2.0
    """
    return _rate(collateral, index_price, bid=True)


@exact
def ask_rate(collateral: Collateral, index_price: NumberLike) -> Decimal:
    r"""The ask rate ``I·(1 + a)``: what one unit owed, or one unit of requirement, counts for.

    The twin of :func:`bid_rate` (same arguments, units and errors) with the ask buffer
    ``a`` (Binance, "How to Calculate Margin in Multi-Assets Mode";
    :ref:`rule-multi-assets` [published]).

    Examples:
        >>> ask_rate(Collateral(asset="USDT", ask_buffer="0.005"), "0.99")
        Decimal('0.99495')

    .. versionadded:: 0.2.0
    """
    return _rate(collateral, index_price, bid=False)


def _rate(collateral: Collateral, index_price: NumberLike, *, bid: bool) -> Decimal:
    """``I·(1 − b)`` (bid) or ``I·(1 + a)`` (ask): the one implementation of both rates."""
    rule = require(collateral, Collateral, "collateral")
    price = positive_number(index_price, "index_price")
    return price * (1 - rule.bid_buffer) if bid else price * (1 + rule.ask_buffer)


def _positions(value: Iterable[Position]) -> tuple[Position, ...]:
    return _items(value, "positions", "Position")


@attrs.frozen(kw_only=True)
class AssetBook:
    """Everything an account holds in one asset: wallet, cross positions, margin balance, loan.

    Args:
        asset: the asset, e.g. ``"USDT"`` or ``"BTC"``.
        wallet_balance: the futures wallet in the asset (any sign: Multi-Assets mode
            lets one asset's balance go negative).
        positions: the cross positions settled in the asset (linear contracts margined in
            it, or inverse contracts of that coin); one per symbol and side.
        margin_balance: the asset held in the cross margin account (≥ 0, Portfolio Margin).
        margin_loan: the asset owed in the cross margin account, principal plus interest
            (≥ 0, Portfolio Margin).
        open_loss: the open loss of the asset's open orders (≥ 0, in the asset).

    Raises:
        InvalidInputError: for a field out of its domain, a non-Position or a repeated
            symbol and side.

    Examples:
        >>> AssetBook(asset="USDT", wallet_balance=200).positions
        ()

    .. versionadded:: 0.2.0
    """

    asset: str = attrs.field(validator=_name)
    wallet_balance: Decimal = attrs.field(default=Decimal(0), converter=number, validator=finite)
    positions: tuple[Position, ...] = attrs.field(default=(), converter=_positions)
    margin_balance: Decimal = attrs.field(
        default=Decimal(0), converter=number, validator=non_negative
    )
    margin_loan: Decimal = attrs.field(default=Decimal(0), converter=number, validator=non_negative)
    open_loss: Decimal = attrs.field(default=Decimal(0), converter=number, validator=non_negative)

    @positions.validator
    def _check_positions(
        self, _attribute: attrs.Attribute[Any], value: tuple[Position, ...]
    ) -> None:
        seen: set[tuple[str, str]] = set()
        for i, position in enumerate(value):
            if not isinstance(position, Position):
                msg = f"positions[{i}] must be a Position, got {position!r}"
                raise InvalidInputError(msg)
            key = (position.contract.symbol, position.side)
            if key in seen:
                msg = f"positions[{i}] is a second {key[1]} position for {key[0]!r}"
                raise InvalidInputError(msg)
            seen.add(key)


def _books(value: Iterable[AssetBook]) -> tuple[AssetBook, ...]:
    return _items(value, "books", "AssetBook")


def _collaterals(value: Iterable[Collateral] | Mapping[str, Collateral]) -> tuple[Collateral, ...]:
    raw: object = value.values() if isinstance(value, Mapping) else value
    return _items(raw, "collaterals", "Collateral")


def _distinct_assets(
    value: tuple[AssetBook | Collateral, ...], name: str, cls: type, kind: str, what: str
) -> set[str]:
    """The assets of ``value``, each item a ``cls`` and each asset once (or the error)."""
    assets: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, cls):
            msg = f"{name}[{i}] must be {kind}, got {item!r}"
            raise InvalidInputError(msg)
        if item.asset in assets:
            msg = f"{name}[{i}] is a second {what} for {item.asset!r}"
            raise InvalidInputError(msg)
        assets.add(item.asset)
    return assets


def _loan_tiers(value: Mapping[str, BracketTable]) -> Mapping[str, BracketTable]:
    raw: object = value
    if not isinstance(raw, Mapping):
        msg = f"loan_tiers must be a mapping of asset to BracketTable, got {value!r}"
        raise InvalidInputError(msg)
    for key, table in raw.items():
        if not isinstance(table, BracketTable):
            msg = f"loan_tiers[{key!r}] must be a BracketTable, got {table!r}"
            raise InvalidInputError(msg)
    return MappingProxyType(dict(raw))


@attrs.frozen(kw_only=True)
class PortfolioAccount:
    """A multi-collateral account: one book per asset, a collateral rule per asset.

    Binance Multi-Assets mode is the case with futures books only (wallets and USDⓈ-M
    positions); Binance Portfolio Margin adds the cross margin balances and loans, COIN-M
    positions and ``loan_tiers``.

    Args:
        books: one :class:`AssetBook` per asset.
        collaterals: a :class:`Collateral` for every asset of ``books`` (an iterable, or a
            mapping whose values are the rules).
        loan_tiers: asset → the maintenance (and initial) tiers of its margin loan, on the
            loan's value in the valuation currency; required for every asset with a loan.
        valuation: the currency index prices and results are in (``"USD"``).

    Raises:
        InvalidInputError: for a repeated asset, an asset without a collateral rule or a
            loan without tiers, or a symbol held in two books.

    Examples:
        >>> account = PortfolioAccount(
        ...     books=[AssetBook(asset="USDT", wallet_balance=200)],
        ...     collaterals=[Collateral(asset="USDT")],
        ... )
        >>> account.rules["USDT"].ratio
        Decimal('1')

    .. versionadded:: 0.2.0
    """

    books: tuple[AssetBook, ...] = attrs.field(converter=_books)
    collaterals: tuple[Collateral, ...] = attrs.field(converter=_collaterals)
    loan_tiers: Mapping[str, BracketTable] = attrs.field(
        factory=dict, converter=_loan_tiers, hash=False
    )
    valuation: str = attrs.field(default="USD", validator=_name)

    @books.validator
    def _check_books(self, _attribute: attrs.Attribute[Any], value: tuple[AssetBook, ...]) -> None:
        _distinct_assets(value, "books", AssetBook, "an AssetBook", "book")
        owner: dict[str, str] = {}
        for i, book in enumerate(value):
            for position in book.positions:
                symbol = position.contract.symbol
                if owner.setdefault(symbol, book.asset) != book.asset:
                    msg = f"books[{i}] holds {symbol!r}, already held in the {owner[symbol]!r} book"
                    raise InvalidInputError(msg)

    @collaterals.validator
    def _check_collaterals(
        self, _attribute: attrs.Attribute[Any], value: tuple[Collateral, ...]
    ) -> None:
        rules = _distinct_assets(value, "collaterals", Collateral, "a Collateral", "rule")
        for book in self.books:
            if book.asset not in rules:
                msg = f"collaterals must hold a rule for {book.asset!r}, got {sorted(rules)!r}"
                raise InvalidInputError(msg)

    @loan_tiers.validator
    def _check_loans(
        self, _attribute: attrs.Attribute[Any], value: Mapping[str, BracketTable]
    ) -> None:
        for book in self.books:
            if book.margin_loan and book.asset not in value:
                msg = f"loan_tiers must hold the tiers of the {book.asset!r} loan"
                raise InvalidInputError(msg)

    @property
    def rules(self) -> Mapping[str, Collateral]:
        """Asset → its collateral rule."""
        return MappingProxyType({rule.asset: rule for rule in self.collaterals})

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol the account holds, in book order."""
        seen: dict[str, None] = {}
        for book in self.books:
            for position in book.positions:
                seen[position.contract.symbol] = None
        return tuple(seen)


def _level(_instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    positive(_instance, attribute, value)


@attrs.frozen(kw_only=True)
class PortfolioThresholds:
    """The status bands of an account ratio ``equity / maintenance`` (uniMMR's direction).

    For a ratio ``r`` (checked in this order): ``LIQUIDATION`` when ``r ≤ liquidation``,
    ``REDUCE_ONLY`` when ``r ≤ reduce_only``, ``MARGIN_CALL`` when ``r ≤ margin_call``,
    else ``NORMAL`` (also when nothing is required, ``r`` is ``None``).

    Args:
        liquidation: the liquidation level (> 0).
        reduce_only: no new orders at or below it (≥ ``liquidation``).
        margin_call: reminders at or below it (≥ ``reduce_only``).

    Raises:
        InvalidInputError: for a non-positive level or levels out of order.

    References:
        Binance, "Binance Portfolio Margin Pro Maintenance Margin Ratio Calculation";
        :ref:`rule-portfolio-margin` [published].

    Examples:
        >>> PortfolioThresholds(
        ...     liquidation="1.05", reduce_only="1.2", margin_call="1.5"
        ... ).liquidation
        Decimal('1.05')

    .. versionadded:: 0.2.0
    """

    liquidation: Decimal = attrs.field(converter=number, validator=_level)
    reduce_only: Decimal = attrs.field(converter=number, validator=_level)
    margin_call: Decimal = attrs.field(converter=number, validator=_level)

    @margin_call.validator
    def _ordered(self, _attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        if not self.liquidation <= self.reduce_only <= value:
            msg = (
                "thresholds must satisfy liquidation <= reduce_only <= margin_call, got "
                f"{self.liquidation!r}, {self.reduce_only!r}, {value!r}"
            )
            raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class AccountFigures:
    """The account-level figures of a :class:`PortfolioAccount`, in ``unit``.

    Attributes:
        unit: the valuation currency.
        actual_equity: every asset's balance at its index price, no buffer, no haircut.
        equity: the (adjusted) account equity: collateral values less open losses.
        maintenance_margin: the account maintenance margin.
        initial_margin: the account initial margin (positions at mark, loans by tier).
        available: ``equity − initial_margin`` (Binance's ``uniAvailableForOrder``).
        margin_ratio: ``maintenance_margin / equity`` (Multi-Assets' account margin ratio;
            ``None`` when the equity is ≤ 0).
        uni_mmr: ``equity / maintenance_margin`` (Portfolio Margin's uniMMR; ``None`` when
            nothing is required).
        asset_available: asset → ``available`` divided by the asset's ask rate.
        max_withdrawable: asset → what may be withdrawn: the asset's own balance, at most
            ``available`` at the ask rate, never below 0 [derived].

    .. versionadded:: 0.2.0
    """

    unit: str
    actual_equity: Decimal
    equity: Decimal
    maintenance_margin: Decimal
    initial_margin: Decimal
    available: Decimal
    margin_ratio: Decimal | None
    uni_mmr: Decimal | None
    asset_available: FrozenMap
    max_withdrawable: FrozenMap

    @property
    @exact
    def initial_margin_ratio(self) -> Decimal | None:
        """``initial_margin / equity`` (Bybit's ``accountIMRate``; ``None`` when ``E ≤ 0``).

        .. versionadded:: 0.2.0
        """
        return self.initial_margin / self.equity if self.equity > 0 else None
