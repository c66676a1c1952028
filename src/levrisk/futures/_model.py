"""The value objects of perpetual futures: contracts, positions, accounts, rules, costs.

Private: :mod:`levrisk.futures` re-exports every public name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from levrisk import _algebra
from levrisk._fields import (
    entries,
    fraction,
    instance_of,
    non_negative,
    number,
    optional_number,
    positive,
)
from levrisk._typing import (
    CloseFeeBasis,
    ContractKind,
    HedgeMaintenance,
    MaintenanceBasis,
    PositionMode,
    Side,
    one_of,
)
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError, LeverageError
from levrisk.futures import _solver
from levrisk.numbers import exact


def _symbol(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{attribute.name} must be a non-empty string, got {value!r}"
        raise InvalidInputError(msg)


def _plain_text(value: object) -> object:
    """A ``str`` subclass as a plain ``str`` (anything else is left to the validator)."""
    return str.__str__(value) if isinstance(value, str) else value


def _asset(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or value != value.strip() or not value):
        msg = (
            f"{attribute.name} must be a non-empty asset name without surrounding spaces "
            f"(or None), got {value!r}"
        )
        raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class Contract:
    """A perpetual contract: symbol, kind, contract size, margin asset and bracket table.

    An inverse (COIN-M) contract states its contract size and its margin asset: neither
    has a default, since a wrong one silently changes every figure (BTCUSD_PERP is 100
    USD a contract and settles in BTC; see "Stated, never defaulted" in the conventions).

    Args:
        symbol: the exchange's symbol, e.g. ``"BTCUSDT"`` or ``"BTCUSD_PERP"``.
        kind: a :data:`ContractKind`. Linear size is in base units × ``contract_size``;
            inverse size is in contracts of ``contract_size`` quote units each.
        brackets: the maintenance/leverage table, in quote notional (linear) or coin
            notional (inverse).
        contract_size: ``CS`` (> 0); 1 for Binance USDⓈ-M, 100 USD for BTCUSD_PERP.
            Required for an inverse contract; a linear one defaults to 1 (one base unit).
        tick_size: the price step, when known (> 0); not used by the formulas, kept for
            rounding a displayed price with ``round_to_step``.
        margin_asset: the asset the contract is margined and settled in (Binance's
            ``marginAsset``), e.g. ``"BTC"`` for BTCUSD_PERP. Required for an inverse
            contract; optional for a linear one (``None``, or its quote such as
            ``"USDT"``). A :class:`CrossAccount` holds contracts of one margin asset.

    Raises:
        InvalidInputError: when a field is missing its type or out of its domain, or an
            inverse contract lacks ``contract_size`` or ``margin_asset``.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> Contract(symbol="BTCUSDT", kind="linear", brackets=table).contract_size
        Decimal('1')
        >>> Contract(symbol="BTCUSD_PERP", kind="inverse", brackets=table)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        levrisk.exceptions.InvalidInputError: contract_size must be stated for the inverse ...
        >>> Contract(
        ...     symbol="BTCUSD_PERP",
        ...     kind="inverse",
        ...     brackets=table,
        ...     contract_size=100,
        ...     margin_asset="BTC",
        ... ).margin_asset
        'BTC'

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       ``margin_asset`` added; an inverse contract states ``contract_size`` and
       ``margin_asset`` (no default).
    """

    symbol: str = attrs.field(validator=_symbol)
    kind: ContractKind = attrs.field(validator=one_of(ContractKind))
    brackets: BracketTable = attrs.field(validator=instance_of(BracketTable))
    # ``None`` only until ``__attrs_post_init__``: 1 for linear, an error for inverse.
    contract_size: Decimal = attrs.field(
        default=None, converter=optional_number, validator=positive
    )
    tick_size: Decimal | None = attrs.field(
        default=None, converter=optional_number, validator=positive
    )
    margin_asset: str | None = attrs.field(default=None, converter=_plain_text, validator=_asset)

    def __attrs_post_init__(self) -> None:
        """Default a linear contract's size to 1; require an inverse one's size and asset."""
        size: Decimal | None = self.contract_size
        if self.kind == "linear":
            if size is None:
                object.__setattr__(self, "contract_size", Decimal(1))
            return
        missing = [
            name for name in ("contract_size", "margin_asset") if getattr(self, name) is None
        ]
        if missing:
            msg = (
                f"{missing[0]} must be stated for the inverse contract {self.symbol!r} "
                f"(BTCUSD_PERP: 100 USD a contract, margined in BTC), got None"
            )
            raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class Position:
    """An open futures position.

    Args:
        contract: the :class:`Contract`.
        side: a :data:`Side`.
        size: > 0; base units (linear, times the contract size) or contracts (inverse).
        entry_price: > 0, quote per base.
        leverage: ``L`` ≥ 1, at most the max leverage of the bracket that holds the
            position's notional at entry.

    Raises:
        InvalidInputError: when a field is not a number, not positive, or of the wrong
            type; ``BracketError`` when the notional at entry exceeds the table.
        LeverageError: when ``leverage`` is below 1 or above the bracket's max leverage.

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> Position(
        ...     contract=btc, side="long", size=2, entry_price=30_000, leverage=125
        ... )  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        levrisk.exceptions.LeverageError: leverage must be between 1 and 100 (the max ...

    .. versionadded:: 0.1.0
    """

    contract: Contract = attrs.field(validator=instance_of(Contract))
    side: Side = attrs.field(validator=one_of(Side))
    size: Decimal = attrs.field(converter=number, validator=positive)
    entry_price: Decimal = attrs.field(converter=number, validator=positive)
    leverage: Decimal = attrs.field(converter=number, validator=positive)

    @functools.cached_property
    def _one(self) -> _solver.One:
        """The position alone on its symbol, as the fast core takes it (made on first use)."""
        return _solver.one_of(self)

    @leverage.validator
    def _check_leverage(self, _attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        entry_notional = _exact_notional(self.contract, self.size, self.entry_price)
        bracket = self.contract.brackets.bracket_for(entry_notional)
        if not 1 <= value <= bracket.max_leverage:
            msg = (
                f"leverage must be between 1 and {bracket.max_leverage} (the max leverage of "
                f"the bracket {bracket.floor} < notional ≤ {bracket.cap} holding the notional "
                f"{entry_notional} at entry), got {value!r}"
            )
            raise LeverageError(msg)


@exact
def _exact_notional(contract: Contract, size: Decimal, price: Decimal) -> Decimal:
    return _algebra.notional(contract.kind, size * contract.contract_size, price)


@attrs.frozen(kw_only=True)
class OpenCost:
    """What opening a position costs: initial margin plus the open loss.

    Args:
        initial_margin: ``notional(order price) / L``.
        open_loss: the loss of filling away from the mark price (≥ 0).

    Examples:
        >>> OpenCost(initial_margin="462.665", open_loss="6.54").total
        Decimal('469.205')

    .. versionadded:: 0.1.0
    """

    initial_margin: Decimal = attrs.field(converter=number, validator=non_negative)
    open_loss: Decimal = attrs.field(converter=number, validator=non_negative)

    @property
    @exact
    def total(self) -> Decimal:
        """``initial_margin + open_loss``, the balance the order needs."""
        return self.initial_margin + self.open_loss


@attrs.frozen(kw_only=True, repr=False)
class LiquidationRule:
    r"""How a venue states its liquidation condition (:ref:`rule-venues`).

    Linear, with ``M`` the margin (isolated wallet, or cross wallet plus the other
    positions' PnL minus their maintenance):

    .. math::

        M + s \cdot Q \cdot (P - EP) = m \cdot Q \cdot V - cum + fee

    ``V`` is ``P`` (``maintenance_basis="mark"``) or ``EP`` (``"entry"``); ``fee`` is 0
    (``close_fee="none"``), ``c·Q·P`` (``"mark"``) or ``c·Q·BP`` (``"bankruptcy"``,
    with ``BP`` the bankruptcy price). Inverse: the same in coin values ``N·CS/P``. The
    bracket of a mark-valued maintenance is chosen by the notional at the liquidation
    price; of an entry-valued one by the notional at entry.

    The default is Binance USDⓈ-M and COIN-M (mark basis, no close fee: the clearance
    fee does not move the price). Others: Gate, OKX isolated, Bitget —
    ``LiquidationRule(close_fee="mark", fee_rate=c)``; Bybit classic and 2020 and
    BitMEX — ``maintenance_basis="entry"`` (Bybit with ``close_fee="bankruptcy"``).

    A hedged pair (a long and a short of one symbol in a cross account) keeps each
    leg's own maintenance (``hedge_maintenance="each"``), or rates both legs at the
    larger-value leg's effective rate ``MM(N_max)/N_max`` (``"larger"``, Gate:
    :ref:`rule-gate-hedge-maintenance`): the pair's maintenance is
    ``(N_L + N_S)·MM(N_max)/N_max``. The repr shows the field only when it is not the
    default.

    Args:
        maintenance_basis: a :data:`MaintenanceBasis`.
        close_fee: a :data:`CloseFeeBasis`.
        fee_rate: ``c`` in [0, 1); must be 0 when ``close_fee="none"``.
        hedge_maintenance: a :data:`HedgeMaintenance` (default ``"each"``).

    Raises:
        InvalidInputError: for an unknown basis or fee basis, or a bad fee rate.

    References:
        :ref:`rule-venues` [published for Binance, Gate, Bybit; derived for OKX];
        :ref:`rule-gate-hedge-maintenance` [published, derived in part].

    Examples:
        >>> LiquidationRule(close_fee="mark", fee_rate="0.0005").maintenance_basis
        'mark'

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.3.0
       ``hedge_maintenance``.
    """

    maintenance_basis: MaintenanceBasis = attrs.field(
        default="mark", validator=one_of(MaintenanceBasis)
    )
    close_fee: CloseFeeBasis = attrs.field(default="none", validator=one_of(CloseFeeBasis))
    fee_rate: Decimal = attrs.field(default=Decimal(0), converter=number, validator=fraction)
    hedge_maintenance: HedgeMaintenance = attrs.field(
        default="each", validator=one_of(HedgeMaintenance), repr=False
    )  # repr=False: __repr__ shows it only off its default

    def __repr__(self) -> str:
        """The fields, ``hedge_maintenance`` only when it is not ``"each"``."""
        text = (
            f"LiquidationRule(maintenance_basis={self.maintenance_basis!r}, "
            f"close_fee={self.close_fee!r}, fee_rate={self.fee_rate!r}"
        )
        if self.hedge_maintenance != "each":
            text += f", hedge_maintenance={self.hedge_maintenance!r}"
        return text + ")"

    @fee_rate.validator
    def _fee_needs_basis(self, _attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        if self.close_fee == "none" and value != 0:
            msg = f"fee_rate must be 0 when close_fee is 'none', got {value!r}"
            raise InvalidInputError(msg)


def _to_positions(value: Iterable[Position]) -> tuple[Position, ...]:
    return tuple(entries(value, f"positions must be an iterable of Position, got {value!r}"))


@attrs.frozen(kw_only=True)
class CrossAccount:
    """A cross-margin futures wallet and its open positions.

    One wallet in one settlement asset: all contracts are of one kind (USDⓈ-M linear, or
    COIN-M inverse) and of one ``margin_asset`` of its :class:`Contract` (a BTC wallet does not
    absorb ETH-margined losses; a linear contract without a stated margin asset matches
    any).

    Args:
        wallet_balance: ``WB``, the cross wallet (quote linear, coin inverse).
        positions: the open positions, at most one per symbol in ``"one_way"`` mode and
            one per symbol and side in ``"hedge"`` mode.
        position_mode: a :data:`PositionMode`.

    Raises:
        InvalidInputError: for a non-Position, linear and inverse mixed, two margin
            assets mixed, two positions of one symbol and side, a long and a short of
            one symbol in one-way mode, or two different contracts under one symbol.

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> long = Position(contract=btc, side="long", size=1, entry_price=100, leverage=1)
        >>> short = Position(contract=btc, side="short", size=1, entry_price=100, leverage=1)
        >>> CrossAccount(
        ...     wallet_balance=10, positions=[long, short], position_mode="hedge"
        ... ).position_mode
        'hedge'
        >>> CrossAccount(wallet_balance=10, positions=[long, short])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        levrisk.exceptions.InvalidInputError: positions[1] holds a long and a short of ...

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       Positions margined in two coins are refused.
    """

    wallet_balance: Decimal = attrs.field(converter=number, validator=non_negative)
    positions: tuple[Position, ...] = attrs.field(converter=_to_positions)
    position_mode: PositionMode = attrs.field(default="one_way", validator=one_of(PositionMode))

    @functools.cached_property
    def _rows(self) -> tuple[_solver.Row, ...]:
        """The positions as a cross solve takes them (made on first use)."""
        return _solver.rows_of(self.positions)

    @functools.cached_property
    def _by_symbol(self) -> dict[str, tuple[Position, ...]]:
        """The positions of each symbol, in account order (made on first use; immutable)."""
        found: dict[str, list[Position]] = {}
        for position in self.positions:
            found.setdefault(position.contract.symbol, []).append(position)
        return {symbol: tuple(positions) for symbol, positions in found.items()}

    @positions.validator
    def _check_positions(
        self, _attribute: attrs.Attribute[Any], value: tuple[Position, ...]
    ) -> None:
        groups: dict[str, list[Position]] = {}
        margined: tuple[int, str] | None = None  # the first stated margin asset, and where
        for i, position in enumerate(value):
            if not isinstance(position, Position):
                msg = f"positions[{i}] must be a Position, got {position!r}"
                raise InvalidInputError(msg)
            if position.contract.kind != value[0].contract.kind:
                msg = (
                    f"positions[{i}] must be {value[0].contract.kind} like positions[0] "
                    f"(one cross wallet cannot mix linear and inverse), got "
                    f"{position.contract.kind!r}"
                )
                raise InvalidInputError(msg)
            asset = position.contract.margin_asset
            if asset is not None and margined is None:
                margined = (i, asset)
            elif asset is not None and margined is not None and asset != margined[1]:
                msg = (
                    f"positions[{i}] must be margined in {margined[1]!r} like "
                    f"positions[{margined[0]}] (one cross wallet holds one margin asset), "
                    f"got {asset!r}"
                )
                raise InvalidInputError(msg)
            symbol = position.contract.symbol
            group = groups.setdefault(symbol, [])
            if group and group[0].contract != position.contract:
                msg = f"positions[{i}] must use the same contract as the other {symbol!r} position"
                raise InvalidInputError(msg)
            if any(other.side == position.side for other in group):
                msg = f"positions[{i}] is a second {position.side} position for {symbol!r}"
                raise InvalidInputError(msg)
            if group and self.position_mode == "one_way":
                msg = (
                    f"positions[{i}] holds a long and a short of {symbol!r}, which needs "
                    f"position_mode='hedge', got {self.position_mode!r}"
                )
                raise InvalidInputError(msg)
            group.append(position)
