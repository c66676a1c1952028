"""Margin of perpetual futures: notional, initial and maintenance margin, ratios, costs.

Private: :mod:`levrisk.futures` re-exports every public name.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from levrisk import _algebra
from levrisk._fields import non_negative_number, positive_number, price_map, require
from levrisk._typing import ContractKind, MarginBasis, Side, choice
from levrisk.exceptions import InsufficientMarginError, InvalidInputError
from levrisk.futures import _solver
from levrisk.futures._model import Contract, CrossAccount, OpenCost, Position
from levrisk.futures._pnl import at_mark, position_pnl
from levrisk.numbers import NumberLike, exact, to_decimal


def value_at(position: Position, price: Decimal) -> Decimal:
    """The position's notional at ``price``, in the bracket table's unit."""
    q = position.size * position.contract.contract_size
    return _algebra.notional(position.contract.kind, q, price)


def maintenance(contract: Contract, notional_value: Decimal) -> Decimal:
    """The maintenance margin of a notional (the last bracket extrapolated above the top).

    ``n·m − cum`` of the bracket found by a bisect over the table's precomputed caps.
    """
    return _solver.tiers(contract.brackets).maintenance(notional_value)


@exact
def notional(position: Position, *, price: NumberLike | None = None) -> Decimal:
    r"""The position's notional at ``price`` (default: its entry price).

    .. math::

        \text{linear: } Q \cdot CS \cdot P \qquad \text{inverse: } N \cdot CS / P

    Args:
        position: the :class:`Position`.
        price: the price to value it at (> 0); ``None`` means the entry price.

    Returns:
        The notional in quote (linear) or coin (inverse), the bracket table's unit.

    Raises:
        InvalidInputError: when ``position`` is not a Position or ``price`` not positive.

    References:
        Binance, "Leverage and Margin of USDⓈ-M Futures" / "of COIN-M Futures";
        :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSD_PERP_CONTRACT as btcusd
        >>> pos = Position(contract=btcusd, side="long", size=100, entry_price=25_000, leverage=20)
        >>> notional(pos)
        Decimal('0.4')

    .. versionadded:: 0.1.0
    """
    position = require(position, Position, "position")
    value = position.entry_price if price is None else positive_number(price, "price")
    return value_at(position, value)


@exact
def initial_margin(
    position: Position, *, basis: MarginBasis = "entry", mark_price: NumberLike | None = None
) -> Decimal:
    r"""Initial margin ``notional / L``, valued at entry (the calculator's) or at mark.

    .. math::

        IM = \frac{notional(P)}{L},\quad P = EP \text{ (basis entry) or } MP \text{ (mark)}

    Args:
        position: the :class:`Position`.
        basis: a :data:`MarginBasis`: ``"entry"`` (Binance's calculator, the margin an
            isolated position is opened with) or ``"mark"`` (the margin the position ties
            up now).
        mark_price: the mark price, required when ``basis="mark"``.

    Returns:
        IM in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position, basis, or a missing/non-positive mark.

    References:
        Binance, "How to Calculate Initial Margin"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="short", size=1, entry_price="9253.30", leverage=20)
        >>> initial_margin(pos)
        Decimal('462.665')

    .. versionadded:: 0.1.0
    """
    position = require(position, Position, "position")
    choice(basis, MarginBasis, "basis")
    if basis == "entry":
        if mark_price is not None:
            msg = f"mark_price is only used with basis='mark', got {mark_price!r}"
            raise InvalidInputError(msg)
        price = position.entry_price
    elif mark_price is None:
        msg = "mark_price is required when basis='mark', got None"
        raise InvalidInputError(msg)
    else:
        price = positive_number(mark_price, "mark_price")
    return value_at(position, price) / position.leverage


@exact
def maintenance_margin(position: Position, *, mark_price: NumberLike) -> Decimal:
    r"""Maintenance margin at ``mark_price``, bracket chosen by the notional at that price.

    .. math::

        MM = notional(MP) \cdot m - cum

    Above the table's highest cap the last bracket is extrapolated.

    Args:
        position: the :class:`Position`; its contract's table says how maintenance is
            stated (:ref:`rule-tier-maintenance`).
        mark_price: the mark price (> 0).

    Returns:
        MM in quote (linear) or coin (inverse). Raises ``InvalidInputError`` for a bad
        position or a non-positive mark price.

    References:
        Binance, "Leverage and Margin of USDⓈ-M Futures" / "of COIN-M Futures";
        :ref:`rule-brackets` [published], :ref:`rule-tier-maintenance`.

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSD_PERP_CONTRACT as btcusd
        >>> pos = Position(contract=btcusd, side="long", size=100, entry_price=25_000, leverage=20)
        >>> maintenance_margin(pos, mark_price=25_000)
        Decimal('0.0016')

    .. versionadded:: 0.1.0
    """
    position, price = at_mark(position, mark_price)
    return maintenance(position.contract, value_at(position, price))


@exact
def margin_ratio(
    position: Position, *, margin: NumberLike, mark_price: NumberLike
) -> Decimal | None:
    r"""Binance's margin ratio of an isolated position: MM ÷ margin balance.

    .. math::

        \text{margin ratio} = \frac{MM(MP)}{M + UPNL(MP)}

    Binance's convention (also Bybit's and Deribit's): higher is riskier, liquidation at
    1 (100%). OKX's "margin ratio" points the other way; this is not it.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` (≥ 0), in quote (linear) or coin (inverse).
        mark_price: the mark price (> 0).

    Returns:
        The ratio (1 = liquidation), or ``None`` when the margin balance is ≤ 0 (the
        position is past bankruptcy and the ratio has no meaning).

    Raises:
        InvalidInputError: for a bad position, a negative margin or a non-positive price.

    References:
        Binance, "Margin Ratio"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        At entry, 0.02 BTC at 2x on 500 USDT: a maintenance of 4 over a balance of 500.

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> margin_ratio(pos, margin=500, mark_price=50_000)
        Decimal('0.008')

    .. versionadded:: 0.1.0
    """
    return _ratio(*_isolated(position, margin, mark_price))


def _isolated(
    position: Position, margin: NumberLike, mark_price: NumberLike
) -> tuple[Position, Decimal, Decimal]:
    """The checked ``(position, margin, mark_price)`` of an isolated position's figure."""
    return (
        require(position, Position, "position"),
        non_negative_number(margin, "margin"),
        positive_number(mark_price, "mark_price"),
    )


def _ratio(position: Position, wallet: Decimal, price: Decimal) -> Decimal | None:
    """``MM(P) / (M + UPNL(P))`` as one fraction of exact terms, rounded once.

    Linear: ``(Q·P·m − cum) / (M + s·Q·(P − EP))``. Inverse: multiplying both terms by
    ``EP·P``, ``(Q·m − cum·P)·EP / (M·EP·P + s·Q·(P − EP))``: near bankruptcy the margin
    balance is a small difference of large terms, and only exact terms keep its digits.
    ``None`` when the margin balance is ≤ 0.
    """
    ex = _algebra.EXACT
    tiers = _solver.tiers(position.contract.brackets)
    j = tiers.index(value_at(position, price))
    rate, amount = tiers.rates[j], tiers.amounts[j]
    q = ex.multiply(position.size, position.contract.contract_size)
    signed = q if position.side == "long" else q.copy_negate()
    entry = position.entry_price
    move = ex.multiply(signed, ex.subtract(price, entry))
    if position.contract.kind == "linear":
        mm = ex.subtract(ex.multiply(ex.multiply(q, price), rate), amount)
        balance = ex.add(wallet, move)
    else:
        mm = ex.multiply(ex.subtract(ex.multiply(q, rate), ex.multiply(amount, price)), entry)
        balance = ex.add(ex.multiply(ex.multiply(wallet, entry), price), move)
    if balance <= 0:
        return None
    return mm / balance


@exact
def max_removable_margin(
    position: Position, *, margin: NumberLike, mark_price: NumberLike
) -> Decimal:
    r"""The most isolated margin that may be removed now [derived].

    .. math::

        \max\bigl(0,\; M + \min(0, UPNL) - \max(IM(MP), MM(MP))\bigr)

    Unrealized profit is not removable, and what stays must cover the initial margin at
    mark (and the maintenance margin, should a bracket demand more). Binance publishes no
    formula: this is derived and conservative.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` (≥ 0).
        mark_price: the mark price (> 0).

    Returns:
        The removable amount (quote linear, coin inverse), ≥ 0.

    Raises:
        InvalidInputError: for a bad position, margin or price.

    References:
        Binance, "How to Adjust Margin for Isolated Positions"; :ref:`rule-futures-margin-pnl`
        [derived].

    Examples:
        A 10x long of 0.1 BTC from 40,000 on 500 USDT, marked at 39,000 (a loss of 100):

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> max_removable_margin(pos, margin=500, mark_price=39_000)
        Decimal('10.0')

    .. versionadded:: 0.1.0
    """
    position, wallet, price = _isolated(position, margin, mark_price)
    value = value_at(position, price)
    floor = max(value / position.leverage, maintenance(position.contract, value))
    return max(Decimal(0), wallet + min(Decimal(0), position_pnl(position, price)) - floor)


@exact
def adjust_isolated_margin(
    position: Position, *, margin: NumberLike, amount: NumberLike, mark_price: NumberLike
) -> Decimal:
    r"""The isolated wallet after adding (``amount > 0``) or removing (``< 0``) margin.

    Adding margin moves the liquidation price away from the mark (for a linear long by
    ``amount / (Q·(1 − m))`` within one bracket); removing moves it closer, and at most
    :func:`max_removable_margin` may be removed. Pass the result as ``margin`` to
    :func:`isolated_liquidation_price`.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` now (≥ 0).
        amount: the change (any sign).
        mark_price: the mark price (> 0).

    Returns:
        ``margin + amount``.

    Raises:
        InvalidInputError: for a bad position, margin, amount or price.
        InsufficientMarginError: when removing more than :func:`max_removable_margin`.

    References:
        Binance, "How to Adjust Margin for Isolated Positions"; :ref:`rule-futures-margin-pnl`
        [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> adjust_isolated_margin(pos, margin=400, amount=100, mark_price=40_000)
        Decimal('500')

    .. versionadded:: 0.1.0
    """
    change = to_decimal(amount, name="amount")
    removable = max_removable_margin(position, margin=margin, mark_price=mark_price)
    if -change > removable:
        msg = f"amount must not remove more than the removable {removable!r}, got {amount!r}"
        raise InsufficientMarginError(msg)
    return to_decimal(margin, name="margin") + change


def marks_of(
    mark_prices: Mapping[str, NumberLike], positions: Sequence[Position]
) -> dict[str, Decimal]:
    """The mark price of each position's symbol."""
    return marks_for(mark_prices, [position.contract.symbol for position in positions])


def marks_for(mark_prices: Mapping[str, NumberLike], symbols: Iterable[str]) -> dict[str, Decimal]:
    """The mark price of each of ``symbols`` (checked, in that order)."""

    def missing(symbol: str) -> str:
        return f"mark_prices must hold a mark price for {symbol!r}, got {sorted(mark_prices)!r}"

    return price_map(mark_prices, symbols, argument="mark_prices", of="symbol", missing=missing)


@exact
def cross_margin_ratio(
    account: CrossAccount, *, mark_prices: Mapping[str, NumberLike]
) -> Decimal | None:
    r"""Binance's cross margin ratio: total MM ÷ cross margin balance.

    .. math::

        \text{margin ratio} = \frac{\sum MM_i(MP_i)}{WB + \sum UPNL_i(MP_i)}

    Higher is riskier; the account is liquidated at 1 (100%).

    Args:
        account: the :class:`CrossAccount`.
        mark_prices: the mark price of every symbol the account holds.

    Returns:
        The ratio, or ``None`` when the margin balance is ≤ 0.

    Raises:
        InvalidInputError: for a bad account or a missing or non-positive mark price.

    References:
        Binance, "Margin Ratio"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> account = CrossAccount(wallet_balance=500, positions=[pos])
        >>> cross_margin_ratio(account, mark_prices={"BTCUSDT": 40_000})
        Decimal('0.010666666666666666666666666666666666666666666666667')

    .. versionadded:: 0.1.0
    """
    account = require(account, CrossAccount, "account")
    marks = marks_of(mark_prices, account.positions)
    balance = account.wallet_balance
    mm = Decimal(0)
    for position in account.positions:
        price = marks[position.contract.symbol]
        balance += position_pnl(position, price)
        mm += maintenance(position.contract, value_at(position, price))
    if balance <= 0:
        return None
    return mm / balance


def _open_loss_per_unit(kind: ContractKind, side: Side, order: Decimal, mark: Decimal) -> Decimal:
    """The loss of one unit entered at ``order`` and valued at ``mark`` (0 for a gain)."""
    return max(Decimal(0), -_algebra.pnl(kind, side, Decimal(1), order, mark))


@exact
def cost_to_open(
    contract: Contract,
    *,
    side: Side,
    size: NumberLike,
    order_price: NumberLike,
    mark_price: NumberLike,
    leverage: NumberLike,
) -> OpenCost:
    r"""The cost of an order: initial margin at the order price plus the open loss.

    .. math::

        \text{cost} = \frac{notional(P_{order})}{L} + \text{open loss},\quad
        \text{open loss} = Q \cdot CS \cdot |\min(0, d \cdot (MP - P_{order}))|

    with ``d = +1`` for a buy (long) and −1 for a sell (short). Inverse: the open loss
    is the coin PnL of entering at the order price valued at mark,
    ``N·CS·max(0, d·(1/MP − 1/P_order))``.

    Args:
        contract: the :class:`Contract`.
        side: the :data:`Side` of the order.
        size: > 0, in the contract's size unit.
        order_price: the order price (> 0).
        mark_price: the mark price (> 0).
        leverage: ``L`` ≥ 1, at most the bracket's max for the order's notional.

    Returns:
        An :class:`OpenCost` (quote for linear, coin for inverse).

    Raises:
        InvalidInputError: for a bad contract, side or number.
        LeverageError: when the leverage exceeds the bracket's max.

    References:
        Binance, "How to Calculate Cost Required to Open a Position in Futures"
        (linear) — :ref:`rule-futures-margin-pnl` [published]; inverse [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> cost = cost_to_open(
        ...     btc,
        ...     side="short",
        ...     size=1,
        ...     order_price="9253.30",
        ...     mark_price="9259.84",
        ...     leverage=20,
        ... )
        >>> cost.initial_margin, cost.open_loss
        (Decimal('462.665'), Decimal('6.54'))

    .. versionadded:: 0.1.0
    """
    contract = require(contract, Contract, "contract")
    mark = positive_number(mark_price, "mark_price")
    position = Position(
        contract=contract, side=side, size=size, entry_price=order_price, leverage=leverage
    )
    loss = _open_loss_per_unit(contract.kind, side, position.entry_price, mark)
    return OpenCost(
        initial_margin=initial_margin(position),
        open_loss=position.size * contract.contract_size * loss,
    )


@exact
def max_open_quantity(
    contract: Contract,
    *,
    side: Side,
    available: NumberLike,
    price: NumberLike,
    mark_price: NumberLike,
    leverage: NumberLike,
) -> Decimal:
    r"""The largest size an available balance can open at ``price`` [derived].

    .. math::

        Q_{max} = \min\left(\frac{available}{P/L + \max(0, d \cdot (P - MP))},
        \frac{\text{max\_notional}(L)}{P}\right) \Big/ CS

    Inverse, per contract: cost ``CS/(P·L) + CS·max(0, d·(1/MP − 1/P))`` coin, capped at
    ``max_notional(L)·P/CS`` contracts. Binance documents no formula: this is derived
    from :func:`cost_to_open` and the bracket table, for an account with no other
    position on the symbol.

    Args:
        contract: the :class:`Contract`.
        side: the :data:`Side` of the order.
        available: the available balance (quote linear, coin inverse); ≤ 0 gives 0.
        price: the order price (> 0).
        mark_price: the mark price (> 0).
        leverage: ``L``, between 1 and the table's highest max leverage.

    Returns:
        The size, in the contract's size unit, rounded down at the 50th digit so that
        its cost never exceeds ``available`` nor its notional the cap (round it down to
        the lot step with ``round_to_step(..., "down")``).

    Raises:
        InvalidInputError: for a bad contract, side or number.
        LeverageError: when ``leverage`` is outside the table's range.

    References:
        :ref:`rule-max-open` [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> max_open_quantity(
        ...     btc,
        ...     side="long",
        ...     available=1_000,
        ...     price=50_000,
        ...     mark_price=50_000,
        ...     leverage=20,
        ... )
        Decimal('0.4')

    .. versionadded:: 0.1.0
    """
    contract = require(contract, Contract, "contract")
    side = choice(side, Side, "side")
    balance = to_decimal(available, name="available")
    order = positive_number(price, "price")
    mark = positive_number(mark_price, "mark_price")
    cap = contract.brackets.max_notional(leverage)
    lev = to_decimal(leverage, name="leverage")
    kind = contract.kind
    cs = _algebra.fraction(contract.contract_size, "contract.contract_size")
    xp = _algebra.swap(kind, _algebra.fraction(order, "price"))
    xm = _algebra.swap(kind, _algebra.fraction(mark, "mark_price"))
    lv = _algebra.fraction(lev, "leverage")
    loss = max(Fraction(0), _algebra.direction(kind, side) * (xp - xm))
    per_unit = cs * (xp / lv + loss)
    limit = _algebra.fraction(cap, "max_notional") / (cs * xp)
    best = max(Fraction(0), min(_algebra.fraction(balance, "available") / per_unit, limit))
    floor = decimal.getcontext().copy()
    floor.rounding = decimal.ROUND_FLOOR
    size = floor.divide(Decimal(best.numerator), Decimal(best.denominator))
    # The cost sums rounded parts: step down one unit in the last digit until opening
    # exactly ``size`` is allowed (the principle issue 14 stated for max borrow).
    while size > 0:
        cost = cost_to_open(
            contract, side=side, size=size, order_price=order, mark_price=mark, leverage=lev
        )
        if cost.total <= balance:
            break
        size = size.next_minus(floor)
    return size
