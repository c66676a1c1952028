r"""Order preview: what an order does to an isolated position or a cross account.

Rules: :ref:`rule-order-preview`. The resulting position comes from the ledger's fill
rule (:ref:`rule-ledger`); the checks are the bracket's max leverage and notional, the
available balance, and reduce-only.

Private: :mod:`levrisk.futures` will re-export the public names (``Order``,
``OrderPreview``, ``CrossOrderPreview``, ``preview_isolated``, ``preview_cross``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from levrisk import _algebra
from levrisk._fields import finite, non_negative_number, number, positive, positive_number, require
from levrisk._typing import PositionMode, Side, choice, one_of
from levrisk.exceptions import InvalidInputError, LevriskError
from levrisk.futures._funding import SIDES, leg_side
from levrisk.futures._ledger import Book, LegState, leg_of
from levrisk.futures._liquidation import cross_liquidation_price
from levrisk.futures._margin import cross_margin_ratio, margin_ratio, marks_of, value_at
from levrisk.futures._model import Contract, CrossAccount, LiquidationRule, Position
from levrisk.futures._pnl import position_pnl
from levrisk.numbers import NumberLike, exact, to_decimal

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class Order:
    """An order to preview: buy (``side="long"``) or sell ``size`` at ``price``.

    Args:
        side: the order's :data:`Side`.
        size: > 0, in the contract's size unit.
        price: the expected fill price (> 0).
        reduce_only: whether the order may only reduce the position.
        position_side: in hedge mode, the leg it trades; ``None`` in one-way mode.
        fee_rate: the maker or taker rate it will pay, in ``[0, 1)``.

    Raises:
        InvalidInputError: for a field out of its domain.

    Examples:
        >>> Order(side="short", size="0.5", price=40_000, reduce_only=True).reduce_only
        True

    .. versionadded:: 0.2.0
    """

    side: Side = attrs.field(validator=one_of(Side))
    size: Decimal = attrs.field(converter=number, validator=positive)
    price: Decimal = attrs.field(converter=number, validator=positive)
    reduce_only: bool = attrs.field(default=False)
    position_side: Side | None = attrs.field(default=None, validator=leg_side)
    fee_rate: Decimal = attrs.field(default=Decimal(0), converter=number, validator=finite)

    @reduce_only.validator
    def _check_flag(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, bool):
            msg = f"{attribute.name} must be a bool, got {value!r}"
            raise InvalidInputError(msg)

    @fee_rate.validator
    def _check_fee(self, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        if not 0 <= value < 1:
            msg = f"{attribute.name} must be a fraction in [0, 1), got {value!r}"
            raise InvalidInputError(msg)


@attrs.frozen(kw_only=True)
class OrderPreview:
    """What an order does to an isolated position (see :func:`preview_isolated`).

    Args:
        positions: the resulting legs, longs first (with margin and liquidation price);
            empty when flat or when the bracket refuses the result.
        initial_margin: the margin the order needs: the initial margin of the part
            that opens, plus its open loss against the mark (0 for a pure reduction).
        fee: the order's trading fee.
        realized_pnl: the PnL the order realises (before fees).
        allowed: whether every check passes.
        reasons: why not, one line per failed check (empty when allowed).
        margin_ratio: the traded leg's margin ratio at the mark afterwards (``None``
            when it is closed).

    Amounts are in quote (linear) or coin (inverse).

    .. versionadded:: 0.2.0
    """

    positions: tuple[LegState, ...]
    initial_margin: Decimal
    fee: Decimal
    realized_pnl: Decimal
    allowed: bool
    reasons: tuple[str, ...]
    margin_ratio: Decimal | None


@attrs.frozen(kw_only=True)
class CrossOrderPreview:
    """What an order does to a cross account (see :func:`preview_cross`).

    Args:
        account: the resulting :class:`CrossAccount` (``None`` when a check refuses
            the result: the bracket, or a wallet that would go negative).
        initial_margin: the margin the order needs (initial margin of the opening part
            plus its open loss).
        fee: the order's trading fee.
        realized_pnl: the PnL the order realises (before fees).
        allowed: whether every check passes.
        reasons: why not, one line per failed check.
        liquidation_price: the symbol's cross liquidation price afterwards (hedge: the
            one price of both legs); ``None`` when none or when flat.
        margin_ratio: the account's margin ratio afterwards.

    .. versionadded:: 0.2.0
    """

    account: CrossAccount | None
    initial_margin: Decimal
    fee: Decimal
    realized_pnl: Decimal
    allowed: bool
    reasons: tuple[str, ...]
    liquidation_price: Decimal | None
    margin_ratio: Decimal | None


def _afford(reasons: list[str], cost: Decimal, balance: Decimal) -> None:
    """Add a reason when the available ``balance`` does not cover ``cost``."""
    if cost > balance:
        reasons.append(f"available must cover {cost} (margin and fee), got {balance}")


def _check_order(order: Order, mode: PositionMode) -> Order:
    """The order, checked to name its leg exactly in hedge mode."""
    order = require(order, Order, "order")
    if (order.position_side is None) == (mode == "hedge"):
        need = "a position_side" if mode == "hedge" else "no position_side"
        msg = f"order must name {need} in {mode!r} mode, got {order.position_side!r}"
        raise InvalidInputError(msg)
    return order


def _trade(
    book: Book, order: Order, mode: PositionMode, mark: Decimal
) -> tuple[Side, Decimal, Decimal, Decimal, list[str]]:
    """Apply ``order`` to ``book``: ``(leg, needed margin, fee, realised, reasons)``."""
    kind = book.contract.kind
    cs = book.contract.contract_size
    leg = leg_of(mode, book, order.side, order.position_side)
    held = book.legs[leg][0] if leg in book.legs else _ZERO
    opening = order.size if order.side == leg or leg not in book.legs else order.size - held
    if mode == "hedge" and order.side != leg:
        opening = _ZERO
    opening = max(opening, _ZERO)
    reasons: list[str] = []
    if order.reduce_only and (opening > 0 or leg not in book.legs):
        reasons.append(f"reduce_only: the order would open {opening} on the {order.side} side")
    loss = max(_ZERO, -_algebra.pnl(kind, order.side, opening * cs, order.price, mark))
    needed = _algebra.notional(kind, opening * cs, order.price) / book.leverage + loss
    fee = order.fee_rate * _algebra.notional(kind, order.size * cs, order.price)
    realized = _ZERO
    try:
        realized = book.fill(leg, order.side, order.size, order.price, flip=mode == "one_way")
    except InvalidInputError as error:
        reasons.append(str(error))
    return leg, needed, fee, realized, reasons


@exact
def preview_isolated(
    contract: Contract,
    order: Order,
    *,
    available: NumberLike,
    mark_price: NumberLike,
    position: Position | None = None,
    margin: NumberLike = 0,
    leverage: NumberLike | None = None,
    position_mode: PositionMode = "one_way",
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
) -> OrderPreview:
    r"""Preview an order on an isolated position: the result, the margin it needs, the checks.

    The resulting legs follow the ledger's fill rule (average entry, realised PnL, flip);
    the order needs

    .. math::

        IM_{order} = \frac{notional(n_{open}, P)}{L} + n_{open} \cdot CS \cdot
        \max\bigl(0, -k d (x_{MP} - x_P)\bigr)

    for the part ``n_open`` that opens (none for a reduction). It is allowed when
    ``IM_order + fee ≤ available``, the bracket of each resulting leg's notional at entry
    allows ``L`` (the max leverage and so the max notional), and a reduce-only order
    opens nothing.

    Args:
        contract: the :class:`Contract`.
        order: the :class:`Order`.
        available: the available balance (quote linear, coin inverse).
        mark_price: the mark price (> 0): the open loss and the margin ratio.
        position: the open :class:`Position` on ``contract`` (``None``: flat); in hedge
            mode, either leg.
        margin: the position's isolated wallet (≥ 0).
        leverage: ``L``; default the position's leverage (required when flat).
        position_mode: a :data:`PositionMode`.
        rule: the venue's :class:`LiquidationRule` (default Binance).

    Returns:
        An :class:`OrderPreview`.

    Raises:
        InvalidInputError: for a bad argument, a position on another contract, or a
            missing leverage when flat.

    References:
        Binance, "How to Calculate Cost Required to Open a Position in Futures" and
        "Leverage and Margin of USDⓈ-M Futures"; :ref:`rule-order-preview` [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> preview = preview_isolated(
        ...     btc,
        ...     Order(side="long", size="0.1", price=40_000),
        ...     available=500,
        ...     mark_price=40_000,
        ...     leverage=10,
        ... )
        >>> preview.allowed, preview.initial_margin
        (True, Decimal('400.0'))

    .. versionadded:: 0.2.0
    """
    contract = require(contract, Contract, "contract")
    mode = choice(position_mode, PositionMode, "position_mode")
    order = _check_order(order, mode)
    balance = to_decimal(available, name="available")
    mark = positive_number(mark_price, "mark_price")
    wallet = non_negative_number(margin, "margin")
    book = Book(contract, _leverage(contract, position, leverage))
    if position is not None:
        book.legs[position.side] = (position.size, position.entry_price, wallet)
    leg, needed, fee, realized, reasons = _trade(book, order, mode, mark)
    leg = leg if leg in book.legs else order.side  # a one-way flip trades into the other side
    _afford(reasons, needed + fee, balance)
    try:
        legs = book.states(rule)
    except LevriskError as error:
        reasons.append(str(error))
        legs = ()
    ratio = None
    for state in legs:
        if state.side == leg:
            traded = Position(
                contract=contract,
                side=state.side,
                size=state.size,
                entry_price=state.entry_price,
                leverage=book.leverage,
            )
            ratio = margin_ratio(traded, margin=max(state.margin, _ZERO), mark_price=mark)
    return OrderPreview(
        positions=legs, margin_ratio=ratio, **_verdict(needed, fee, realized, reasons)
    )


def _leverage(
    contract: Contract, position: Position | None, leverage: NumberLike | None
) -> Decimal:
    """The leverage: given, else the position's; the position checked to be on ``contract``."""
    if position is not None:
        require(position, Position, "position")
        if position.contract != contract:
            msg = (
                f"position must be on the contract {contract.symbol!r}, "
                f"got {position.contract.symbol!r}"
            )
            raise InvalidInputError(msg)
    if leverage is not None:
        return to_decimal(leverage, name="leverage")
    if position is None:
        msg = "leverage is required when there is no position, got None"
        raise InvalidInputError(msg)
    return position.leverage


@exact
def preview_cross(
    account: CrossAccount,
    order: Order,
    *,
    contract: Contract,
    mark_prices: Mapping[str, NumberLike],
    leverage: NumberLike | None = None,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
) -> CrossOrderPreview:
    r"""Preview an order on a cross account: the resulting account, its checks and prices.

    The symbol's legs change by the ledger's fill rule, the wallet by the realised PnL
    less the fee. The available balance is

    .. math::

        avail = WB + \sum_i UPNL_i(MP_i) - \sum_i IM_i(MP_i)

    (initial margins at mark); the order needs its opening part's initial margin and
    open loss, as in :func:`preview_isolated`. The liquidation price afterwards is
    :func:`~levrisk.futures.cross_liquidation_price` (hedge: the one price of both legs).

    Args:
        account: the :class:`CrossAccount` (its position mode applies).
        order: the :class:`Order`.
        contract: the order's :class:`Contract` (the account's, if it holds the symbol).
        mark_prices: the mark price of every symbol the account holds and of the
            order's symbol.
        leverage: ``L`` for the symbol; default that of its position in the account
            (required when the account does not hold the symbol).
        rule: the venue's :class:`LiquidationRule` (default Binance).

    Returns:
        A :class:`CrossOrderPreview`.

    Raises:
        InvalidInputError: for a bad argument, a missing mark price or leverage, or a
            contract that differs from the account's for its symbol.

    References:
        Binance, "How to Calculate Cost Required to Open a Position in Futures" and
        "Margin Ratio"; :ref:`rule-order-preview` [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> account = CrossAccount(wallet_balance=1_000, positions=[pos])
        >>> preview = preview_cross(
        ...     account,
        ...     Order(side="short", size="0.05", price=42_000),
        ...     contract=btc,
        ...     mark_prices={"BTCUSDT": 42_000},
        ... )
        >>> preview.realized_pnl, preview.account.wallet_balance
        (Decimal('100.00'), Decimal('1100.00'))

    .. versionadded:: 0.2.0
    """
    account = require(account, CrossAccount, "account")
    contract = require(contract, Contract, "contract")
    mode = account.position_mode
    order = _check_order(order, mode)
    symbol = contract.symbol
    own = [p for p in account.positions if p.contract.symbol == symbol]
    others = [p for p in account.positions if p.contract.symbol != symbol]
    marks = marks_of(mark_prices, account.positions)
    if symbol not in marks:
        if symbol not in mark_prices:
            msg = f"mark_prices must hold a mark price for {symbol!r}, got {sorted(mark_prices)!r}"
            raise InvalidInputError(msg)
        marks[symbol] = positive_number(mark_prices[symbol], f"mark_prices[{symbol!r}]")
    mark = marks[symbol]
    book = Book(contract, _leverage(contract, own[0] if own else None, leverage))
    for p in own:
        _leverage(contract, p, None)
        book.legs[p.side] = (p.size, p.entry_price, _ZERO)
    balance = account.wallet_balance
    for p in account.positions:
        at = marks[p.contract.symbol]
        balance += position_pnl(p, at) - value_at(p, at) / p.leverage
    _leg, needed, fee, realized, reasons = _trade(book, order, mode, mark)
    _afford(reasons, needed + fee, balance)
    result: CrossAccount | None = None
    price: Decimal | None = None
    ratio: Decimal | None = None
    try:
        legs = [
            Position(
                contract=contract, side=side, size=size, entry_price=entry, leverage=book.leverage
            )
            for side in SIDES
            if side in book.legs
            for size, entry, _ in [book.legs[side]]
        ]
        result = CrossAccount(
            wallet_balance=account.wallet_balance + realized - fee,
            positions=[*others, *legs],
            position_mode=mode,
        )
    except LevriskError as error:
        reasons.append(str(error))
    if result is not None:
        ratio = cross_margin_ratio(result, mark_prices=marks)
        if legs:
            price = cross_liquidation_price(result, symbol, mark_prices=marks, rule=rule)
    return CrossOrderPreview(
        account=result,
        liquidation_price=price,
        margin_ratio=ratio,
        **_verdict(needed, fee, realized, reasons),
    )


def _verdict(
    needed: Decimal, fee: Decimal, realized: Decimal, reasons: list[str]
) -> dict[str, Any]:
    """The fields both previews share: the margin, fee and PnL of the order, and the verdict."""
    return {
        "initial_margin": needed,
        "fee": fee,
        "realized_pnl": realized,
        "allowed": not reasons,
        "reasons": tuple(reasons),
    }
