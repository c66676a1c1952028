"""PnL and targets of perpetual futures: PnL, ROE, target and break-even prices, funding.

Private: :mod:`levrisk.futures` re-exports every public name. :func:`exit_price` is the
one exit-price inversion (targets, break-even, and ``levrisk.risk``'s stops).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import cast

import attrs

from levrisk import _algebra
from levrisk._fields import entries, fee_rate, positive_number, require
from levrisk._typing import ContractKind, choice, side_sign
from levrisk.exceptions import InvalidInputError
from levrisk.futures._model import (
    Contract,  # noqa: F401 - the doctests' namespace
    Position,
)
from levrisk.numbers import NumberLike, exact, to_decimal

_ZERO = Decimal(0)
_ONE = Decimal(1)


def position_pnl(position: Position, price: Decimal) -> Decimal:
    """The PnL of the whole position at ``price``, before fees.

    An inverse position's PnL is ``−s·Q·(1/P − 1/EP)``, the form the liquidation checks
    (``futures._solver.margins_at``) use too, so that a margin balance here and a
    root there round alike; :func:`levrisk._algebra.pnl` has the one-rounding form
    ``s·Q·(P − EP)/(EP·P)``, which this follows once the solver does.
    """
    q = position.size * position.contract.contract_size
    if position.contract.kind == "linear":
        return _algebra.pnl("linear", position.side, q, position.entry_price, price)
    gain = q * (_ONE / price - _ONE / position.entry_price)
    return -gain if position.side == "long" else gain


def pnl_share(position: Position, amount: Decimal) -> tuple[Decimal, Decimal]:
    """``amount`` as a share of the position's entry notional, ``(numerator, denominator)``."""
    q = position.size * position.contract.contract_size
    return _algebra.share(position.contract.kind, amount, q, position.entry_price)


def exit_price(
    position: Position,
    *,
    gain: Decimal,
    per: Decimal = _ONE,
    fees: tuple[Decimal, Decimal] = (_ZERO, _ZERO),
) -> Decimal | None:
    """The one exit-price inversion of futures: the price whose net PnL is ``gain/per``.

    ``gain/per`` is the net PnL after the opening and closing fee rates ``fees`` as a
    share of the entry notional: ``roe/L`` for a target ROE, 0 for the break-even, and
    :func:`pnl_share` of an amount for a stop or a take-profit (``levrisk.risk``).
    """
    return _algebra.exit_price(
        position.contract.kind, position.side, position.entry_price, gain=gain, per=per, fees=fees
    )


@exact
def unrealized_pnl(position: Position, *, mark_price: NumberLike) -> Decimal:
    r"""Unrealized PnL at ``mark_price`` (positive: a gain).

    .. math::

        \text{linear: } s \cdot Q \cdot CS \cdot (MP - EP) \qquad
        \text{inverse: } s \cdot N \cdot CS \cdot \left(\frac{1}{EP} - \frac{1}{MP}\right)

    Args:
        position: the :class:`Position`.
        mark_price: the mark price (> 0).

    Returns:
        PnL in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position or a non-positive mark price.

    References:
        Binance, "Unrealized PnL" (USDⓈ-M and COIN-M); :ref:`rule-futures-margin-pnl` [published].

    Examples:
        A short of 0.5 BTC from 40,000, marked at 38,000:

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="short", size="0.5", entry_price=40_000, leverage=10)
        >>> unrealized_pnl(pos, mark_price=38_000)
        Decimal('1000.0')

    .. versionadded:: 0.1.0
    """
    return position_pnl(*at_mark(position, mark_price))


def at_mark(position: Position, mark_price: NumberLike) -> tuple[Position, Decimal]:
    """The checked ``(position, mark_price)`` of a figure at the mark."""
    return require(position, Position, "position"), positive_number(mark_price, "mark_price")


@exact
def roe(position: Position, *, mark_price: NumberLike) -> Decimal:
    r"""Return on equity at ``mark_price`` on Binance calculator's terms, as a fraction.

    It is the unrealized PnL over the initial margin at entry:

    .. math::

        \text{linear: } s \cdot \left(\frac{P}{EP} - 1\right) \cdot L \qquad
        \text{inverse: } s \cdot \left(1 - \frac{EP}{P}\right) \cdot L

    Binance's printed linear ROI text does not agree with its own target-price formula;
    these are the terms consistent with :func:`target_price` (``0.5`` means 50%).

    Args:
        position: the :class:`Position`.
        mark_price: the price (> 0).

    Returns:
        ROE as a fraction (dimensionless).

    Raises:
        InvalidInputError: for a bad position or a non-positive price.

    References:
        Binance Futures calculator; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        A 10x long from 40,000 marked at 42,000 (+5 %):

        >>> from levrisk.exchanges import binance
        >>> roe(
        ...     Position(
        ...         contract=binance.BTCUSDT_CONTRACT,
        ...         side="long",
        ...         size="0.1",
        ...         entry_price=40_000,
        ...         leverage=10,
        ...     ),
        ...     mark_price=42_000,
        ... )
        Decimal('0.50')

    .. versionadded:: 0.1.0
    """
    position, price = at_mark(position, mark_price)
    kind = position.contract.kind
    growth = _algebra.growth(kind, price, position.entry_price)
    return _algebra.direction(kind, position.side) * (growth - 1) * position.leverage


@exact
def target_price(position: Position, *, roe: NumberLike) -> Decimal | None:
    r"""The price at which the position reaches the target ROE ``r`` (a fraction).

    .. math::

        \text{linear: } EP \cdot \left(1 + \frac{s \cdot r}{L}\right) \qquad
        \text{inverse: } \frac{s \cdot EP}{s - r / L}

    Args:
        position: the :class:`Position`.
        roe: the target ROE as a fraction (``0.5`` = 50%; negative for a loss).

    Returns:
        The target price, or ``None`` when no positive price reaches it (e.g. a linear
        short cannot earn ``L`` times its margin, a long cannot lose more than ``L``).

    Raises:
        InvalidInputError: for a bad position or a non-numeric ``roe``.

    References:
        Binance Futures calculator, "Target Price"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> target_price(pos, roe="0.5")
        Decimal('42000.00')

    .. versionadded:: 0.1.0
    """
    position = require(position, Position, "position")
    r = to_decimal(roe, name="roe")
    return exit_price(position, gain=r / position.leverage)


@exact
def break_even_price(
    position: Position, *, open_fee_rate: NumberLike, close_fee_rate: NumberLike
) -> Decimal:
    r"""The exit price at which PnL pays the opening and closing fees exactly.

    .. math::

        \text{linear long: } EP\frac{1 + f_o}{1 - f_c},\quad
        \text{short: } EP\frac{1 - f_o}{1 + f_c};\qquad
        \text{inverse long: } EP\frac{1 + f_c}{1 - f_o},\quad
        \text{short: } EP\frac{1 - f_c}{1 + f_o}

    Fees are rates on the notional of each trade (quote for linear, coin for inverse).

    Args:
        position: the :class:`Position`.
        open_fee_rate: ``f_o`` in [0, 1).
        close_fee_rate: ``f_c`` in [0, 1).

    Returns:
        The break-even exit price.

    Raises:
        InvalidInputError: for a bad position or a fee rate outside [0, 1).

    References:
        Linear: :ref:`rule-futures-margin-pnl` [published]. Inverse: solved from the coin PnL and
        coin-valued fees [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size="0.1", entry_price=40_000, leverage=10)
        >>> break_even_price(pos, open_fee_rate="0.0005", close_fee_rate="0.0005")
        Decimal('40040.020010005002501250625312656328164082041020510')

    .. versionadded:: 0.1.0
    """
    position = require(position, Position, "position")
    fo = fee_rate(open_fee_rate, "open_fee_rate")
    fc = fee_rate(close_fee_rate, "close_fee_rate")
    # the break-even always exists: 1 ± f_o > 0 and 1 ± f_c > 0 for rates in [0, 1)
    return cast("Decimal", exit_price(position, gain=_ZERO, fees=(fo, fc)))


@exact
def funding_payment(
    position: Position, *, mark_price: NumberLike, funding_rate: NumberLike
) -> Decimal:
    r"""The funding the position pays at one funding time (positive: it pays).

    .. math::

        \text{payment} = s \cdot notional(MP) \cdot r

    With a positive rate longs pay shorts; with a negative rate shorts pay longs. A
    negative result is funding received.

    Args:
        position: the :class:`Position`.
        mark_price: the mark price at the funding time (> 0).
        funding_rate: the funding rate ``r`` as a fraction (any sign).

    Returns:
        The payment in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position, price or rate.

    References:
        Binance, "Introduction to Funding Rates"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="short", size="0.5", entry_price=40_000, leverage=10)
        >>> funding_payment(pos, mark_price=40_000, funding_rate="0.0001")
        Decimal('-2.00000')

    .. versionadded:: 0.1.0
    """
    position = require(position, Position, "position")
    price = positive_number(mark_price, "mark_price")
    rate = to_decimal(funding_rate, name="funding_rate")
    value = _algebra.notional(
        position.contract.kind, position.size * position.contract.contract_size, price
    )
    return side_sign(position.side) * value * rate


@exact
def average_entry_price(
    fills: Iterable[tuple[NumberLike, NumberLike]], *, kind: ContractKind = "linear"
) -> Decimal:
    r"""The entry price of a position built from several fills of one side.

    .. math::

        \text{linear: } \frac{\sum q_j p_j}{\sum q_j} \qquad
        \text{inverse: } \frac{\sum n_j}{\sum n_j / p_j}

    Linear entries average by quantity; inverse entries average harmonically (total
    contracts × CS over total coin value; the contract size cancels).

    Args:
        fills: ``(size, price)`` pairs, sizes and prices > 0, at least one.
        kind: a :data:`ContractKind`.

    Returns:
        The average entry price.

    Raises:
        InvalidInputError: when ``fills`` is empty or not pairs, or a value not positive.

    References:
        Binance, "How to Calculate the Average Entry Price"; :ref:`rule-futures-margin-pnl`
        [published].

    Examples:
        >>> average_entry_price([(1, 20_000), (1, 30_000)], kind="inverse")
        Decimal('24000')

    .. versionadded:: 0.1.0
    """
    kind = choice(kind, ContractKind, "kind")
    raw = entries(fills, f"fills must be an iterable of (size, price) pairs, got {fills!r}")
    total = Fraction(0)
    weighted = Fraction(0)
    count = 0
    for j, fill in enumerate(raw):
        if not isinstance(fill, (tuple, list)) or len(fill) != 2:
            msg = f"fills[{j}] must be a (size, price) pair, got {fill!r}"
            raise InvalidInputError(msg)
        size = positive_number(fill[0], f"fills[{j}] size")
        price = positive_number(fill[1], f"fills[{j}] price")
        q = _algebra.fraction(size, f"fills[{j}] size")
        total += q
        weighted += q * _algebra.swap(kind, _algebra.fraction(price, f"fills[{j}] price"))
        count += 1
    if count == 0:
        msg = f"fills must hold at least one (size, price) pair, got {fills!r}"
        raise InvalidInputError(msg)
    return _algebra.decimal(_algebra.swap(kind, weighted / total))


@exact
def realized_pnl(position: Position, *, size: NumberLike, exit_price: NumberLike) -> Decimal:
    r"""The PnL realized by closing ``size`` of the position at ``exit_price`` (before fees).

    .. math::

        \text{linear: } s \cdot q \cdot CS \cdot (P_{exit} - EP) \qquad
        \text{inverse: } s \cdot n \cdot CS \cdot \left(\frac{1}{EP} - \frac{1}{P_{exit}}\right)

    A partial close keeps the entry price of the rest.

    Args:
        position: the :class:`Position`.
        size: the closed size, ``0 < size ≤ position.size``.
        exit_price: the fill price (> 0).

    Returns:
        Realized PnL in quote (linear) or coin (inverse).

    Raises:
        InvalidInputError: for a bad position, price, or a size outside (0, position size].

    References:
        Binance, "Realized PnL"; :ref:`rule-futures-margin-pnl` [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size=1, entry_price=40_000, leverage=10)
        >>> realized_pnl(pos, size="0.25", exit_price=44_000)
        Decimal('1000.00')

    .. versionadded:: 0.1.0
    """
    position = require(position, Position, "position")
    closed = positive_number(size, "size")
    if closed > position.size:
        msg = f"size must not exceed the position's size {position.size!r}, got {size!r}"
        raise InvalidInputError(msg)
    price = positive_number(exit_price, "exit_price")
    return position_pnl(attrs.evolve(position, size=closed), price)
