r"""Risk tools for perpetual futures: sizing, stops, leverage for a stop, outcomes, scenarios.

The private part of :mod:`levrisk.risk` for ``levrisk.futures``; re-exported there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Literal, cast

import attrs

from levrisk import _algebra
from levrisk._fields import (
    FrozenMap,
    fee_rate,
    finite,
    instance_of,
    non_negative_number,
    number,
    optional_number,
    positive,
    positive_number,
    price_map,
    require,
)
from levrisk._typing import FuturesStatus, one_of, side_sign
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    AlwaysLiquidatedError,
    InvalidInputError,
    LeverageError,
    LiquidationError,
)
from levrisk.futures import (
    Contract,
    CrossAccount,
    LiquidationRule,
    Position,
    _liquidation,
    _pnl,
    _solver,
    cross_margin_ratio,
    initial_margin,
    isolated_liquidation_price,
    maintenance_margin,
    margin_ratio,
    notional,
    roe,
    unrealized_pnl,
)
from levrisk.numbers import NumberLike, exact
from levrisk.risk import _common
from levrisk.risk._common import (
    AssetMove,
    LiquidationOutcome,
    StopCheck,
    amount_or_roe,
    entry_and_stop,
    floor_decimal,
    frozen_map,
    grid,
    largest_passing,
    outcome,
    round_size,
    stop_cap,
)
from levrisk.risk._common import risk_fraction as _risk_fraction

__all__ = [*_common.MARKET_NAMES]  # noqa: PLE0604 - the one list both markets publish


def _margin(position: Position, margin: NumberLike | None) -> Decimal:
    if margin is None:
        return initial_margin(position)
    return non_negative_number(margin, "margin")


def _status(ratio: Decimal | None) -> FuturesStatus:
    if ratio is None:
        return "BANKRUPT"
    return "LIQUIDATION" if ratio >= 1 else "NORMAL"


def _loss_per_unit(
    contract: Contract,
    side: Literal["long", "short"],
    entry: Decimal,
    price: Decimal,
    *,
    fees: tuple[Decimal, Decimal],
) -> Decimal:
    """Loss of one unit of size closed at ``price``, both fees included."""
    one = Decimal(1)
    net = _algebra.net_pnl(contract.kind, side, one, entry, price, fees=fees)
    return contract.contract_size * -net


@exact
def position_size(
    contract: Contract,
    *,
    side: Literal["long", "short"],
    entry_price: NumberLike,
    stop_price: NumberLike,
    equity: NumberLike,
    risk_fraction: NumberLike,
    open_fee_rate: NumberLike = 0,
    close_fee_rate: NumberLike = 0,
    lot_step: NumberLike | None = None,
) -> Decimal:
    r"""The futures size that loses exactly ``equity × risk_fraction`` at the stop, fees included.

    With ``q`` the size, ``CS`` the contract size, ``f_o`` and ``f_c`` the fee rates on
    the opening and closing notional:

    .. math::

        \text{linear: } \ell = CS\,\bigl(s(EP - SP) + f_o EP + f_c SP\bigr) \qquad
        \text{inverse: } \ell = CS\,\Bigl(s\bigl(\tfrac{1}{SP} - \tfrac{1}{EP}\bigr)
            + \tfrac{f_o}{EP} + \tfrac{f_c}{SP}\Bigr)

    .. math::

        q = \frac{E \cdot r}{\ell}

    rounded down to ``lot_step`` when one is given (then the loss at the stop is at
    most the budget, and one lot more would exceed it). The leverage does not enter:
    check the margin needed and the liquidation price separately (see
    :func:`check_stop` and :func:`max_leverage_for_stop`).

    Args:
        contract: the ``levrisk.futures.Contract``.
        side: ``"long"`` or ``"short"``.
        entry_price: ``EP`` (> 0).
        stop_price: ``SP`` (> 0): below the entry of a long, above that of a short.
        equity: the account equity ``E`` (> 0), in the settlement unit (quote for
            linear, the coin for inverse).
        risk_fraction: ``r``, the share of equity to lose at the stop, strictly
            between 0 and 1 (``0.01`` is 1 %).
        open_fee_rate: ``f_o`` in ``[0, 1)``.
        close_fee_rate: ``f_c`` in ``[0, 1)`` (a stop-market order pays the taker fee).
        lot_step: the quantity step (> 0), or ``None`` for the exact size.

    Returns:
        The size in the contract's unit (base × CS for linear, contracts for inverse);
        ``0`` when not even one lot fits the budget.

    Raises:
        InvalidInputError: for a bad contract, side or number, a stop on the wrong side
            of the entry, or ``risk_fraction`` outside ``(0, 1)``.

    References:
        :ref:`rule-futures-margin-pnl` (PnL, fees on notional) [published]; the sizing solves loss =
        budget [derived].

    Examples:
        Risk 1 % of 3,000 USDT on a short at 60,000 with a stop at 60,300:

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> trade = {"side": "short", "entry_price": 60_000, "stop_price": 60_300}
        >>> position_size(btc, **trade, equity=3_000, risk_fraction="0.01")
        Decimal('0.10')

    .. versionadded:: 0.1.0
    """
    c = require(contract, Contract, "contract")
    s_name, entry, stop = entry_and_stop(side, entry_price, stop_price)
    budget = positive_number(equity, "equity") * _risk_fraction(risk_fraction)
    fo = fee_rate(open_fee_rate, "open_fee_rate")
    fc = fee_rate(close_fee_rate, "close_fee_rate")
    size = budget / _loss_per_unit(c, s_name, entry, stop, fees=(fo, fc))
    return round_size(size, lot_step)


def _exit(
    position: Position, pnl: Decimal, open_fee_rate: NumberLike, close_fee_rate: NumberLike
) -> Decimal | None:
    """The exit price whose net PnL is ``pnl`` (< 0: a stop, > 0: a take-profit), if any.

    The price must lie on the side of the entry that ``pnl`` needs (below a long's entry
    for a loss, above it for a profit); otherwise the fees decide and there is none.
    """
    fo = fee_rate(open_fee_rate, "open_fee_rate")
    fc = fee_rate(close_fee_rate, "close_fee_rate")
    gain, per = _pnl.pnl_share(position, pnl)
    price = _pnl.exit_price(position, gain=gain, per=per, fees=(fo, fc))
    if price is None:
        return None
    move = side_sign(position.side) * (price - position.entry_price)
    return price if (move < 0 if pnl < 0 else move > 0) else None


@exact
def stop_price(
    position: Position,
    *,
    loss: NumberLike | None = None,
    roe: NumberLike | None = None,
    open_fee_rate: NumberLike = 0,
    close_fee_rate: NumberLike = 0,
) -> Decimal | None:
    r"""The stop price at which closing the position loses ``loss`` (or ``roe`` of its margin).

    Solves ``s·q·(EP − P) + f_o·q·EP + f_c·q·P = loss`` (linear, ``q = size · CS``) or
    its coin analogue (inverse) for ``P``:

    .. math::

        \text{linear: } SP = \frac{\text{loss} - q\,EP\,(s + f_o)}{q\,(f_c - s)} \qquad
        \text{inverse: } \frac{1}{SP} = \frac{\text{loss} + q\,(s - f_o)/EP}{q\,(s + f_c)}

    ``roe`` gives the loss as a fraction of the initial margin at entry:
    ``loss = roe · IM``; without fees this is ``levrisk.futures.target_price`` at
    ``−roe``.

    Args:
        position: the ``levrisk.futures.Position``.
        loss: the loss to allow (> 0), in quote (linear) or coin (inverse).
        roe: alternatively, the share of the initial margin to lose (> 0; ``0.5`` is
            half of it). Give exactly one of ``loss`` and ``roe``.
        open_fee_rate: ``f_o`` in ``[0, 1)``.
        close_fee_rate: ``f_c`` in ``[0, 1)``.

    Returns:
        The stop price, or ``None`` when no price on the losing side loses exactly that
        much (the fees alone cost more, or an inverse short cannot lose that much).

    Raises:
        InvalidInputError: for a bad position or number, or when both or neither of
            ``loss`` and ``roe`` are given.

    References:
        :ref:`rule-futures-margin-pnl` (PnL, ROE, target price) [published]; solved for the price
        [derived].

    Examples:
        The stop at which a 0.1 BTC short from 60,000 loses 30 USDT (1 % of 3,000):

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> from levrisk.futures import Position
        >>> pos = Position(contract=btc, side="short", size="0.1", entry_price=60_000, leverage=3)
        >>> stop_price(pos, loss=30)
        Decimal('60300')
        >>> stop_price(pos, roe="0.5")
        Decimal('70000.0')

    .. versionadded:: 0.1.0
    """
    p = require(position, Position, "position")
    amount = amount_or_roe(loss, roe, "loss", capital=lambda: initial_margin(p))
    return _exit(p, -amount, open_fee_rate, close_fee_rate)


@exact
def take_profit_price(
    position: Position,
    *,
    open_fee_rate: NumberLike = 0,
    close_fee_rate: NumberLike = 0,
    profit: NumberLike | None = None,
    roe: NumberLike | None = None,
) -> Decimal | None:
    r"""The take-profit price at which closing the position earns ``profit`` after fees.

    :func:`stop_price` solved for a gain, ``loss = −profit`` (quote for linear, coin for
    inverse), or ``roe``, the profit as a fraction of the initial margin (without fees:
    ``levrisk.futures.target_price`` at ``roe``); give exactly one of the two. The fee
    rates and errors are those of :func:`stop_price`; ``None`` when no positive price
    earns that much (a linear short cannot earn more than ``q·EP`` less fees).

    References:
        :ref:`rule-futures-margin-pnl` (target price) [published]; with fees [derived].

    Examples:
        A 0.1 BTC short from 60,000 earns 600 USDT at 54,000:

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT
        >>> from levrisk.futures import Position
        >>> terms = {"side": "short", "size": "0.1", "entry_price": 60_000, "leverage": 3}
        >>> take_profit_price(Position(contract=BTCUSDT_CONTRACT, **terms), profit=600)
        Decimal('54000')

    .. versionadded:: 0.1.0
    """
    p = require(position, Position, "position")
    amount = amount_or_roe(profit, roe, "profit", capital=lambda: initial_margin(p))
    return _exit(p, amount, open_fee_rate, close_fee_rate)


@exact
def check_stop(
    position: Position,
    *,
    stop_price: NumberLike,
    margin: NumberLike | None = None,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
    buffer: NumberLike = 0,
) -> StopCheck:
    r"""Check that the stop of an isolated futures position fires before liquidation.

    The liquidation price is ``levrisk.futures.isolated_liquidation_price(position,
    margin=margin, rule=rule)``; the verdict and distances are those of
    :func:`~levrisk.risk.check_stop`. Along the adverse path margin balance minus maintenance falls
    monotonically, so a stop that passes is never preceded by liquidation.

    Args:
        position: the ``levrisk.futures.Position``.
        stop_price: the stop (> 0), on the losing side of the entry.
        margin: the isolated wallet (≥ 0); ``None`` means the initial margin at entry.
        rule: the venue's ``levrisk.futures.LiquidationRule`` (default Binance).
        buffer: the required gap between stop and liquidation, a fraction of the stop.

    Returns:
        A :class:`~levrisk.risk.StopCheck`.

    Raises:
        InvalidInputError: for a bad position, rule or number, or a stop on the wrong
            side of the entry.
        LiquidationError: when the position is liquidated at its entry price or at every
            price (:ref:`liquidation-outcomes`).

    References:
        :ref:`rule-futures-liquidation-linear`–:ref:`rule-futures-liquidation-inverse` (liquidation
        price) [checked], :ref:`rule-venues` (rules).

    Examples:
        A 0.1 BTC short from 60,000 at 18x and 19x with a stop at 63,000:

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> from levrisk.futures import Position
        >>> pos = Position(contract=btc, side="short", size="0.1", entry_price=60_000, leverage=18)
        >>> check = check_stop(pos, stop_price=63_000)
        >>> check.passed, round(check.liquidation_price, 2)
        (True, Decimal('63081.01'))
        >>> pos19 = Position(
        ...     contract=btc, side="short", size="0.1", entry_price=60_000, leverage=19
        ... )
        >>> check_stop(pos19, stop_price=63_000).passed
        False

    .. versionadded:: 0.1.0
    """
    p = require(position, Position, "position")
    lp = isolated_liquidation_price(
        p, margin=_margin(p, margin), rule=require(rule, LiquidationRule, "rule")
    )
    return _common.check_stop(
        p.side,
        entry_price=p.entry_price,
        stop_price=stop_price,
        liquidation_price=lp,
        buffer=buffer,
    )


@exact
def max_leverage_for_stop(
    contract: Contract,
    *,
    side: Literal["long", "short"],
    entry_price: NumberLike,
    stop_price: NumberLike,
    size: NumberLike | None = None,
    margin: NumberLike | None = None,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
    buffer: NumberLike = 0,
) -> int | None:
    r"""The highest whole leverage whose isolated liquidation price stays beyond the stop.

    Exchanges offer whole leverages (1x, 2x, …, 125x), so the result is an ``int``
    ``L`` such that :func:`check_stop` passes at ``L`` with the initial margin
    as the isolated wallet, and fails — or the bracket table forbids it — at ``L + 1``.
    Give exactly one of:

    - ``size``: the size is fixed and the margin is ``notional(EP) / L``; the bracket
      of the notional at entry caps ``L``;
    - ``margin``: the margin is fixed and the size grows with ``L``
      (``q = M·L / (EP·CS)`` linear, ``N = M·L·EP / CS`` inverse); each ``L`` must be
      allowed by the bracket holding its own notional ``M·L``.

    A leverage liquidated at entry fails. Leverages above ``max(EP, SP)/|EP − SP| + 2``
    are never tried (the loss at the stop exceeds the margin there), so a table with an
    absurd top leverage does not stall the search. Every whole ``L`` from the table's
    highest max leverage (within that bound) down to 1 is tried, so the
    answer is the largest that passes even where tiers interact (a table offering more
    than 256 steps is bisected instead: the liquidation price moves toward the entry as
    ``L`` rises, so the passing leverages form a prefix).

    Args:
        contract: the ``levrisk.futures.Contract``.
        side: ``"long"`` or ``"short"``.
        entry_price: ``EP`` (> 0).
        stop_price: the stop (> 0), on the losing side of the entry.
        size: the fixed size (> 0), in the contract's unit.
        margin: the fixed margin (> 0), in quote (linear) or coin (inverse).
        rule: the venue's ``levrisk.futures.LiquidationRule`` (default Binance).
        buffer: the required gap between stop and liquidation (see
            :func:`~levrisk.risk.check_stop`).

    Returns:
        The leverage, or ``None`` when not even 1x keeps liquidation beyond the stop
        (or the table allows no leverage for that size).

    Raises:
        InvalidInputError: for a bad contract, side, rule or number, a stop on the wrong
            side of the entry, or when both or neither of ``size`` and ``margin`` are
            given.

    References:
        :ref:`rule-brackets` (bracket max leverage) [published],
        :ref:`rule-futures-liquidation-linear`–:ref:`rule-futures-liquidation-inverse` [checked].

    Examples:
        A 0.1 BTC short from 60,000 with a stop at 63,000: above 18x liquidation comes
        first.

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> max_leverage_for_stop(
        ...     btc, side="short", entry_price=60_000, stop_price=63_000, size="0.1"
        ... )
        18

    .. versionadded:: 0.1.0
    """
    c = require(contract, Contract, "contract")
    s_name, entry, stop = entry_and_stop(side, entry_price, stop_price)
    r = require(rule, LiquidationRule, "rule")
    gap = non_negative_number(buffer, "buffer")
    if (size is None) == (margin is None):
        msg = f"exactly one of size and margin must be given, got size={size!r}, margin={margin!r}"
        raise InvalidInputError(msg)
    fixed_size = None if size is None else positive_number(size, "size")
    fixed_margin = None if margin is None else positive_number(margin, "margin")
    top = stop_cap(entry, stop, max(b.max_leverage for b in c.brackets.brackets))

    def passes(lev: int) -> bool:
        if fixed_margin is None:
            q = cast("Decimal", fixed_size)
        else:  # the size whose notional at entry is M·L
            top, bottom = _algebra.share(c.kind, fixed_margin * lev, c.contract_size, entry)
            q = top / bottom
        try:
            position = Position(contract=c, side=s_name, size=q, entry_price=entry, leverage=lev)
            return check_stop(position, stop_price=stop, rule=r, buffer=gap).passed
        except (LeverageError, InvalidInputError):
            return False  # this leverage is not allowed for this notional (or the table ends)
        except LiquidationError:
            return False  # liquidated at entry at this leverage: liquidation precedes the stop

    return largest_passing(1, top, passes)


@exact
def max_size_for_stop(
    contract: Contract,
    *,
    side: Literal["long", "short"],
    entry_price: NumberLike,
    stop_price: NumberLike,
    margin: NumberLike,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
    buffer: NumberLike = 0,
    lot_step: NumberLike | None = None,
) -> Decimal:
    r"""The largest size whose isolated liquidation price lies at or beyond the stop.

    The continuous answer to :func:`max_leverage_for_stop` with a fixed ``margin``:
    instead of the highest whole leverage, the largest size ``q`` (any leverage
    ``notional(EP) / M``) for which the isolated position with wallet ``M`` is not
    liquidated before the price ``T = SP·(1 − s·buffer)``. With ``X = P`` (linear) or
    ``1/P`` (inverse), ``k = ±1`` (linear/inverse), ``u = q·CS`` and, in the bracket
    ``(m, cum)`` that holds the notional (at ``T`` on the mark basis, at the entry on
    the entry basis), the condition of the rule at ``T`` is linear in ``u``:

    .. math::

        M + k s u (X_T - X_e) - m u X_V + cum - \text{fee} \ge 0
        \iff u \le \frac{M + cum + a}{-k s (X_T - X_e) + m X_V + b}

    with ``V = T`` or the entry, and the fee of the rule: none (``a = b = 0``), at mark
    (``b = c X_T``) or at the bankruptcy price (``a = c k s M``, ``b = c X_e``). Each
    bracket is solved exactly (rationals); the answer is the largest ``u`` over the
    brackets, capped where the table allows ``notional(EP)/M`` as a leverage (the
    bracket's max leverage) and at its highest cap, then ``q = u / CS`` rounded down
    (to ``lot_step`` when one is given). At the answer the liquidation price is at or
    beyond ``T`` (equal to it when the solve binds: :func:`check_stop` then fails
    without a buffer, since liquidation triggers at the stop); any larger size is
    liquidated before ``T`` or not allowed.

    Args:
        contract: the ``levrisk.futures.Contract``.
        side: ``"long"`` or ``"short"``.
        entry_price: ``EP`` (> 0).
        stop_price: ``SP`` (> 0), on the losing side of the entry.
        margin: the isolated wallet ``M`` (> 0), in quote (linear) or coin (inverse).
        rule: the venue's ``levrisk.futures.LiquidationRule`` (default Binance).
        buffer: the required gap between stop and liquidation, a fraction of the stop
            (see :func:`~levrisk.risk.check_stop`).
        lot_step: the quantity step (> 0), or ``None`` for the continuous size.

    Returns:
        The size in the contract's unit (base × CS linear, contracts inverse).

    Raises:
        InvalidInputError: for a bad contract, side, rule or number, or a stop on the
            wrong side of the entry.

    References:
        :ref:`rule-futures-max-size-for-stop` [derived], from
        :ref:`rule-futures-liquidation-linear`–:ref:`rule-futures-liquidation-inverse` and
        :ref:`rule-venues` [checked].

    Examples:
        A long at 62,000 with a stop at 60,000 and 1,000 USDT of margin: 27x (the
        highest whole leverage) holds 0.435 BTC, the largest size about 0.4464 BTC.

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> terms = {"side": "long", "entry_price": 62_000, "stop_price": 60_000}
        >>> round(max_size_for_stop(btc, **terms, margin=1_000), 6)
        Decimal('0.446429')
        >>> max_size_for_stop(btc, **terms, margin=1_000, lot_step="0.001")
        Decimal('0.446')

    .. versionadded:: 0.2.0
    """
    c = require(contract, Contract, "contract")
    s_name, entry, stop = entry_and_stop(side, entry_price, stop_price)
    r = require(rule, LiquidationRule, "rule")
    wallet = _algebra.fraction(positive_number(margin, "margin"), "margin")
    gap = _algebra.fraction(non_negative_number(buffer, "buffer"), "buffer")
    s = side_sign(s_name)
    k = _algebra.kind_sign(c.kind)
    x_e = _algebra.swap(c.kind, _algebra.fraction(entry, "entry_price"))
    x_t = _algebra.swap(c.kind, _algebra.fraction(stop, "stop_price") * (1 - s * gap))
    x_v = x_t if r.maintenance_basis == "mark" else x_e
    fee = Fraction(r.fee_rate)
    a = fee * k * s * wallet if r.close_fee == "bankruptcy" else Fraction(0)
    b = {"none": Fraction(0), "mark": fee * x_t, "bankruptcy": fee * x_e}[r.close_fee]
    loss = -k * s * (x_t - x_e)
    tiers = c.brackets.brackets
    units = max(
        _largest_in(
            Fraction(t.floor) / x_v,
            # the last bracket holds every notional at T: the table caps the entry's below
            None if t is tiers[-1] else Fraction(t.cap) / x_v,
            wallet + Fraction(t.maintenance_amount) + a,
            loss + Fraction(t.maintenance_rate) * x_v + b,
        )
        for t in tiers
    )
    allowed = max(
        min(Fraction(t.cap), Fraction(t.max_leverage) * wallet) / x_e
        for t in c.brackets.brackets
        if Fraction(t.max_leverage) * wallet > Fraction(t.floor)
    )
    size = min(units, allowed) / Fraction(c.contract_size)
    return round_size(floor_decimal(size), lot_step)


def _largest_in(
    low: Fraction, high: Fraction | None, constant: Fraction, slope: Fraction
) -> Fraction:
    """The largest ``u`` in ``(low, high]`` with ``constant − slope·u ≥ 0`` (0 if none).

    ``slope > 0``: the loss per unit to ``T`` is positive (``T`` lies on the losing side),
    and so are the maintenance rate and the fee. ``high=None``: no upper end.
    """
    root = constant / slope
    if high is not None and root >= high:
        return high
    return root if root > low else Fraction(0)


@exact
def liquidation_outcome(
    position: Position,
    *,
    liquidation_fee_rate: NumberLike,
    margin: NumberLike | None = None,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
) -> LiquidationOutcome | None:
    r"""What an isolated futures position loses when it is liquidated.

    At the liquidation price ``LP`` the margin balance ``M + UPNL(LP)`` (equal to the
    maintenance margin under Binance's rule) goes to the clearance fee first; what is
    left, if anything, is returned:

    .. math::

        \text{fee} = c \cdot notional(LP), \qquad
        \text{remaining} = \max(0,\; M + UPNL(LP) - \text{fee}), \qquad
        \text{loss} = M - \text{remaining}

    Args:
        position: the ``levrisk.futures.Position``.
        liquidation_fee_rate: ``c``, the symbol's liquidation (clearance) fee rate in
            ``[0, 1)`` — per symbol on Binance (e.g. ``0.0125`` for 1.25 %).
        margin: the isolated wallet ``M`` (> 0); ``None`` means the initial margin.
        rule: the venue's ``levrisk.futures.LiquidationRule`` (default Binance).

    Returns:
        A :class:`~levrisk.risk.LiquidationOutcome` (quote linear, coin inverse), or ``None``
        when the
        position has no liquidation price.

    Raises:
        InvalidInputError: for a bad position, rule or number, or a zero margin.
        LiquidationError: when the position is liquidated at its entry price or at every
            price (:ref:`liquidation-outcomes`).

    References:
        Binance, "Liquidation Protocols" (clearance fee on the liquidated notional);
        :ref:`rule-futures-liquidation-linear` [checked]; the outcome arithmetic [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> from levrisk.futures import Position
        >>> pos = Position(contract=btc, side="short", size="0.1", entry_price=60_000, leverage=10)
        >>> result = liquidation_outcome(pos, liquidation_fee_rate="0.0125")
        >>> round(result.liquidation_price, 2), result.anything_remains
        (Decimal('65737.05'), False)

    .. versionadded:: 0.1.0
    """
    p = require(position, Position, "position")
    rate = fee_rate(liquidation_fee_rate, "liquidation_fee_rate")
    wallet = positive_number(_margin(p, margin), "margin")
    lp = isolated_liquidation_price(p, margin=wallet, rule=require(rule, LiquidationRule, "rule"))
    if lp is None:
        return None
    equity = wallet + unrealized_pnl(p, mark_price=lp)
    return outcome(price=lp, collateral=wallet, equity=equity, fee=rate * notional(p, price=lp))


@attrs.frozen(kw_only=True)
class Scenario:
    r"""One row of :func:`scenarios`: an isolated position valued at one price.

    Attributes:
        price: the mark price of the row.
        pnl: ``levrisk.futures.unrealized_pnl`` at ``price``.
        equity: the margin balance, ``margin + pnl``.
        roe: ``levrisk.futures.roe`` at ``price`` (a fraction).
        margin_ratio: ``levrisk.futures.margin_ratio`` (MM ÷ margin balance; 1 is
            liquidation), or ``None`` when the margin balance is ≤ 0.
        status: the :data:`~levrisk.risk.FuturesStatus`.
        liquidated: ``status != "NORMAL"``.

    .. versionadded:: 0.1.0
    """

    price: Decimal = attrs.field(converter=number, validator=positive)
    pnl: Decimal = attrs.field(converter=number, validator=finite)
    equity: Decimal = attrs.field(converter=number, validator=finite)
    roe: Decimal = attrs.field(converter=number, validator=finite)
    margin_ratio: Decimal | None = attrs.field(converter=optional_number, validator=finite)
    status: FuturesStatus = attrs.field(validator=one_of(FuturesStatus))
    liquidated: bool = attrs.field(validator=instance_of(bool))


@exact
def scenarios(
    position: Position, *, prices: Iterable[NumberLike], margin: NumberLike | None = None
) -> tuple[Scenario, ...]:
    r"""A scenario table of an isolated futures position over a grid of mark prices.

    Each row is the scalar functions at one price: ``unrealized_pnl``, the margin
    balance ``M + pnl``, ``roe`` and ``margin_ratio``, with the status on Binance's
    convention (liquidation at a margin ratio of 100 %).

    Args:
        position: the ``levrisk.futures.Position``.
        prices: the grid of mark prices (> 0; at least one), in the order wanted.
        margin: the isolated wallet (≥ 0); ``None`` means the initial margin.

    Returns:
        One :class:`Scenario` per price, in grid order (``attrs.asdict`` turns
        each into a row).

    Raises:
        InvalidInputError: for a bad position or margin, an empty grid or a
            non-positive price.

    References:
        :ref:`rule-futures-margin-pnl` (PnL, ROE, margin ratio) [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> from levrisk.futures import Position
        >>> pos = Position(contract=btc, side="short", size="0.1", entry_price=60_000, leverage=10)
        >>> rows = scenarios(pos, prices=[60_000, 63_000, 66_000])
        >>> [(r.pnl, r.status) for r in rows]
        [(Decimal('0.0'), 'NORMAL'), (Decimal('-300.0'), 'NORMAL'), (Decimal('-600.0'), 'BANKRUPT')]

    .. versionadded:: 0.1.0
    """
    p = require(position, Position, "position")
    points = grid(prices, "prices")
    wallet = _margin(p, margin)
    rows = []
    for price in points:
        pnl = unrealized_pnl(p, mark_price=price)
        equity = wallet + pnl
        ratio = margin_ratio(p, margin=wallet, mark_price=price)
        status = _status(ratio)
        rows.append(
            Scenario(
                price=price,
                pnl=pnl,
                equity=equity,
                roe=roe(p, mark_price=price),
                margin_ratio=ratio,
                status=status,
                liquidated=status != "NORMAL",
            )
        )
    return tuple(rows)


# ----------------------------------------------------------------- cross-account stress


def _marks(account: CrossAccount, mark_prices: object) -> dict[str, Decimal]:
    """The mark price of every symbol the account holds."""
    symbols = [position.contract.symbol for position in account.positions]
    return price_map(
        mark_prices,
        symbols,
        argument="mark_prices",
        of="symbol",
        missing=lambda symbol: f"mark_prices has no mark price for {symbol!r}",
    )


@attrs.frozen(kw_only=True)
class StressRow:
    r"""One row of :func:`stress`: a cross account after one shock.

    Attributes:
        moves: symbol → the relative move applied to its mark price (``-0.1`` is −10 %).
        mark_prices: symbol → the shocked mark price.
        margin_balance: the wallet plus every position's unrealized PnL.
        maintenance_margin: the sum of the positions' maintenance margins.
        margin_ratio: ``levrisk.futures.cross_margin_ratio`` (1 is liquidation), or
            ``None`` when the margin balance is ≤ 0.
        status: the :data:`~levrisk.risk.FuturesStatus`.
        liquidated: ``status != "NORMAL"``.

    .. versionadded:: 0.1.0
    """

    moves: FrozenMap = attrs.field(converter=frozen_map)
    mark_prices: FrozenMap = attrs.field(converter=frozen_map)
    margin_balance: Decimal = attrs.field(converter=number, validator=finite)
    maintenance_margin: Decimal = attrs.field(converter=number, validator=finite)
    margin_ratio: Decimal | None = attrs.field(converter=optional_number, validator=finite)
    status: FuturesStatus = attrs.field(validator=one_of(FuturesStatus))
    liquidated: bool = attrs.field(validator=instance_of(bool))


@exact
def stress(
    account: CrossAccount,
    *,
    mark_prices: Mapping[str, NumberLike],
    shocks: Iterable[NumberLike | Mapping[str, NumberLike]],
) -> tuple[StressRow, ...]:
    r"""Stress a cross-margin futures account: its margin ratio after each mark-price shock.

    A shock is one number, a relative move of every symbol's mark price (``-0.1``: all
    10 % lower), or a mapping symbol → move (symbols left out keep their mark). Each row
    is ``levrisk.futures.cross_margin_ratio`` at ``MP·(1 + move)``, with maintenance
    margins from the brackets at the shocked notionals. In an ordered grid of ever larger
    shocks the first ``liquidated`` row is the shock that first liquidates the account;
    :func:`uniform_move_to_liquidation` gives the exact uniform move.

    Args:
        account: the ``levrisk.futures.CrossAccount``.
        mark_prices: symbol → mark price of every symbol the account holds.
        shocks: the shocks (at least one); each move above −1.

    Returns:
        One :class:`StressRow` per shock, in order.

    Raises:
        InvalidInputError: for a bad account, price or shock, an empty list of shocks, or
            a shock of a symbol the account does not hold.

    References:
        :ref:`rule-futures-margin-pnl` (margin ratio, liquidation at 100 %) [published].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> from levrisk.futures import CrossAccount, Position
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> account = CrossAccount(wallet_balance=500, positions=[pos])
        >>> rows = stress(account, mark_prices={"BTCUSDT": 50_000}, shocks=["-0.4", "-0.5"])
        >>> [(r.margin_balance, r.status) for r in rows]
        [(Decimal('100.000'), 'NORMAL'), (Decimal('0.000'), 'BANKRUPT')]

    .. versionadded:: 0.1.0
    """
    acct = require(account, CrossAccount, "account")
    marks = _marks(acct, mark_prices)
    rows = []
    held = list(marks)
    unknown = f"which the account does not hold {held!r}"
    for moves in _common.shocks(shocks, held, key="symbol", unknown=unknown):
        shocked = {s: p * (1 + moves.get(s, Decimal(0))) for s, p in marks.items()}
        balance = acct.wallet_balance
        mm = Decimal(0)
        for position in acct.positions:
            price = shocked[position.contract.symbol]
            balance += unrealized_pnl(position, mark_price=price)
            mm += maintenance_margin(position, mark_price=price)
        ratio = cross_margin_ratio(acct, mark_prices=shocked)
        status = _status(ratio)
        rows.append(
            StressRow(
                moves=moves,
                mark_prices=shocked,
                margin_balance=balance,
                maintenance_margin=mm,
                margin_ratio=ratio,
                status=status,
                liquidated=status != "NORMAL",
            )
        )
    return tuple(rows)


def _uniform_roots(account: CrossAccount, marks: Mapping[str, Decimal]) -> list[Fraction]:
    r"""Every factor ``k > 0`` on all marks at which margin balance equals maintenance.

    The futures solver's condition with each position rescaled to the shock: a linear
    position of ``q`` at mark ``MP`` is a leg of quantity ``q·MP`` in ``X = k`` (entry at
    ``EP/MP``); an inverse one a leg of quantity ``q/MP`` in ``X = 1/k`` (entry at
    ``MP/EP``). Brackets follow each notional at the shocked price, segment by segment.
    """
    if not account.positions:
        return []
    legs = []
    for position in account.positions:
        kind = position.contract.kind
        q = Fraction(position.size) * Fraction(position.contract.contract_size)
        mark = _algebra.swap(kind, Fraction(marks[position.contract.symbol]))
        entry = _algebra.swap(kind, Fraction(position.entry_price))
        direction = _algebra.direction(kind, position.side)
        legs.append(_solver.Leg(direction, q * mark, entry / mark, position.contract.brackets))
    wallet = Fraction(account.wallet_balance)
    rule = _solver.Rule("mark", "none", Fraction(0))
    crossed = _solver.condition_at(legs, wallet, rule, Fraction(1)) <= 0
    found = _solver.swept_roots(legs, wallet, Fraction(1), crossed=crossed)
    kind = account.positions[0].contract.kind
    factors = [_algebra.swap(kind, r) for r in found]
    if crossed:
        if not _solver.positive_somewhere(legs, wallet, rule, None):
            msg = "the cross account is liquidated at every uniform move of its marks"
            raise AlwaysLiquidatedError(msg)
        move = _nearest_move(factors)
        msg = (
            "the cross account is already at or past its liquidation point at the marks"
            f" given (nearest liquidating move {move})"
        )
        raise AlreadyLiquidatedError(msg, price=move)
    return factors


def _nearest_move(factors: list[Fraction]) -> Decimal | None:
    """The move ``k − 1`` of smallest ``|k − 1|`` (the lower on a tie), or ``None``."""
    moves = [k - 1 for k in factors]
    if not moves:
        return None
    best = min(moves, key=lambda m: (abs(m), m))
    return Decimal(best.numerator) / Decimal(best.denominator)


@exact
def uniform_move_to_liquidation(
    account: CrossAccount, *, mark_prices: Mapping[str, NumberLike]
) -> Decimal | None:
    r"""The smallest uniform relative move of all marks at which the cross account is liquidated.

    Every mark is scaled by ``k = 1 + x``; the account is liquidated where the margin
    balance equals the total maintenance margin (Binance's margin ratio of 100 %):

    .. math::

        WB + \sum_i UPNL_i(k \cdot MP_i) = \sum_i MM_i(k \cdot MP_i)

    The maintenance of each position uses the bracket of its notional at the shocked
    price, so the condition is piecewise linear (in ``k`` for linear contracts, in
    ``1/k`` for inverse ones) and is solved segment by segment in exact rationals. Of
    all roots the one with the smallest ``|x|`` is returned — a hedged book can be
    liquidated by a rise and by a fall.

    Args:
        account: the ``levrisk.futures.CrossAccount``.
        mark_prices: symbol → mark price of every symbol the account holds.

    Returns:
        The move ``x`` (``-0.2`` is a 20 % fall of every mark), or ``None`` when no
        uniform move liquidates the account (or it holds no position).

    Raises:
        InvalidInputError: for a bad account or mark price.
        AlreadyLiquidatedError: when the account is at or past liquidation at the marks
            (``.price``: the nearest liquidating move).
        AlwaysLiquidatedError: when every uniform move liquidates it
            (:ref:`liquidation-outcomes`).

    References:
        :ref:`rule-futures-margin-pnl`–:ref:`rule-futures-liquidation-inverse` (margin balance,
        maintenance, brackets at the price)
        [published/checked]; the uniform solve [derived].

    Examples:
        One long of 0.02 BTC from 50,000 with a 500 USDT wallet liquidates at 25,100.40,
        a move of −49.8 %:

        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> from levrisk.futures import CrossAccount, Position
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> account = CrossAccount(wallet_balance=500, positions=[pos])
        >>> move = uniform_move_to_liquidation(account, mark_prices={"BTCUSDT": 50_000})
        >>> round(move, 6)
        Decimal('-0.497992')

    .. versionadded:: 0.1.0
    """
    acct = require(account, CrossAccount, "account")
    marks = _marks(acct, mark_prices)
    return _nearest_move(_uniform_roots(acct, marks))


@exact
def moves_to_liquidation(
    account: CrossAccount, *, mark_prices: Mapping[str, NumberLike]
) -> tuple[AssetMove, ...]:
    r"""For each symbol alone, the mark move that liquidates the cross account — nearest first.

    Each symbol's mark moves while the others keep theirs:
    ``levrisk.futures.cross_liquidation_price`` (in hedge mode the long and the short of
    a symbol share one price). Rows are sorted by ``|move|``; symbols without a
    liquidation price come last.

    Args:
        account: the ``levrisk.futures.CrossAccount``.
        mark_prices: symbol → mark price of every symbol the account holds.

    Returns:
        One :class:`~levrisk.risk.AssetMove` per symbol (``asset`` holds the symbol).

    Raises:
        InvalidInputError: for a bad account or mark price.
        AlreadyLiquidatedError: when the account is at or past liquidation at the marks
            (:ref:`liquidation-outcomes`).

    References:
        :ref:`rule-futures-liquidation-linear`–:ref:`rule-futures-liquidation-inverse` [checked].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> from levrisk.futures import CrossAccount, Position
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> account = CrossAccount(wallet_balance=500, positions=[pos])
        >>> (row,) = moves_to_liquidation(account, mark_prices={"BTCUSDT": 50_000})
        >>> row.asset, round(row.liquidation_price, 2)
        ('BTCUSDT', Decimal('25100.40'))

    .. versionadded:: 0.1.0
    """
    acct = require(account, CrossAccount, "account")
    marks = _marks(acct, mark_prices)
    try:
        prices = _liquidation.cross_prices(acct, marks)
    except LiquidationError:  # the condition at the marks is the account's, whatever the symbol
        msg = "the cross account is already at or past its liquidation point at the marks given"
        raise AlreadyLiquidatedError(msg) from None
    return _common.nearest_moves(marks, prices)
