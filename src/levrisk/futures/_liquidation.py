"""Liquidation of perpetual futures: isolated and cross liquidation, bankruptcy prices.

Private: :mod:`levrisk.futures` re-exports every public name; :mod:`._solver` beside it
solves the liquidation condition in ``X`` (``P`` linear, ``1/P`` inverse).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from levrisk import _algebra
from levrisk._fields import non_negative_number, positive_number, require
from levrisk._typing import ContractKind
from levrisk.exceptions import InvalidInputError
from levrisk.futures import _solver
from levrisk.futures._margin import (
    initial_margin,  # noqa: F401 - the doctests' namespace
    maintenance,
    marks_of,
    value_at,
)
from levrisk.futures._model import (
    Contract,  # noqa: F401 - the doctests' namespace
    CrossAccount,
    LiquidationRule,
    Position,
)
from levrisk.futures._pnl import position_pnl
from levrisk.numbers import NumberLike, exact


def solver_rule(rule: object) -> _solver.Rule:
    """A :class:`LiquidationRule` in the solver's terms (the argument checked)."""
    checked = require(rule, LiquidationRule, "rule")
    fee_rate = _algebra.fraction(checked.fee_rate, "rule.fee_rate")
    return _solver.Rule(checked.maintenance_basis, checked.close_fee, fee_rate)


def leg(position: Position) -> _solver.Leg:
    """A position as one leg of the solver, in ``X`` (exact rationals, magnitudes checked)."""
    kind = position.contract.kind
    for i, b in enumerate(position.contract.brackets.brackets):
        _algebra.fraction(b.cap, f"brackets[{i}].cap")
        _algebra.fraction(b.maintenance_rate, f"brackets[{i}].maintenance_rate")
        _algebra.fraction(b.maintenance_amount, f"brackets[{i}].maintenance_amount")
    size = _algebra.fraction(position.size, "position.size")
    quantity = size * _algebra.fraction(position.contract.contract_size, "contract_size")
    return _solver.Leg(
        _algebra.direction(kind, position.side),
        quantity,
        _x_at(kind, position.entry_price, "position.entry_price"),
        position.contract.brackets,
    )


def _x_at(kind: ContractKind, price: Decimal, name: str) -> Fraction:
    """The solver's variable ``X`` at ``price`` (exact)."""
    return _algebra.swap(kind, _algebra.fraction(price, name))


def _to_price(kind: ContractKind, x: Fraction | None) -> Decimal | None:
    """The price at the solver's root ``X`` (``None`` stays ``None``)."""
    if x is None:
        return None
    return _algebra.decimal(_algebra.swap(kind, x))


def _isolated(position: Position, wallet: Decimal, condition: _solver.Rule) -> Decimal | None:
    """The price solving ``condition`` for one position alone with the wallet ``wallet``."""
    kind = position.contract.kind
    x = _solver.solve(
        [leg(position)],
        _algebra.fraction(wallet, "margin"),
        condition,
        _x_at(kind, position.entry_price, "position.entry_price"),
    )
    return _to_price(kind, x)


@exact
def isolated_liquidation_price(
    position: Position,
    *,
    margin: NumberLike,
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
) -> Decimal | None:
    r"""The liquidation price of an isolated position.

    Solves ``margin balance = maintenance margin (+ fee)`` with the maintenance of the
    bracket that holds the notional *at the liquidation price*. Binance USDⓈ-M, one-way:

    .. math::

        LP_{long} = \frac{Q \cdot EP - M - cum}{Q (1 - m)},\qquad
        LP_{short} = \frac{Q \cdot EP + M + cum}{Q (1 + m)}

    and COIN-M: :math:`LP = \frac{CS \cdot N (m + s)}{M + cum + s \cdot N \cdot CS / EP}`.
    In hedge mode each side is its own isolated position with its own price.

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` (≥ 0): the initial margin plus added margin;
            quote (linear) or coin (inverse).
        rule: the venue's :class:`LiquidationRule` (default Binance).

    Returns:
        The liquidation price, or ``None`` when there is none (e.g. a linear long at 1x:
        the solved price is ≤ 0).

    Raises:
        InvalidInputError: for a bad position, margin or rule.

    References:
        Binance, "How to Calculate Liquidation Price of USDⓈ-M Contracts" and "... of
        COIN-M Contracts"; :ref:`rule-futures-liquidation-linear` and
        :ref:`rule-futures-liquidation-inverse` [checked], :ref:`rule-venues` for other rules.

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> isolated_liquidation_price(pos, margin=500)
        Decimal('25100.401606425702811244979919678714859437751004016')

    .. versionadded:: 0.1.0
    """
    position = require(position, Position, "position")
    wallet = non_negative_number(margin, "margin")
    condition = solver_rule(rule)
    return _isolated(position, wallet, condition)


@exact
def bankruptcy_price(position: Position, *, margin: NumberLike) -> Decimal | None:
    r"""The price at which an isolated position's margin balance reaches 0 [derived].

    The liquidation solve with no maintenance margin and no fee:

    .. math::

        \text{linear: } EP - s \cdot \frac{M}{Q} \qquad
        \text{inverse: } \frac{N \cdot CS}{N \cdot CS / EP + s \cdot M}

    With ``M`` the initial margin this is ``EP·(1 − s/L)`` (linear) and ``EP·L/(L + s)``
    (inverse).

    Args:
        position: the :class:`Position`.
        margin: the isolated wallet ``M`` (≥ 0).

    Returns:
        The bankruptcy price, or ``None`` when none exists (a linear long at 1x, an
        inverse short at 1x).

    Raises:
        InvalidInputError: for a bad position or margin.

    References:
        :ref:`rule-bankruptcy-price` [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="short", size=1, entry_price=20_000, leverage=10)
        >>> bankruptcy_price(pos, margin=initial_margin(pos))
        Decimal('22000')

    .. versionadded:: 0.1.0
    """
    position = require(position, Position, "position")
    wallet = non_negative_number(margin, "margin")
    return _isolated(position, wallet, _solver.Rule(None, "none", Fraction(0)))


@exact
def cross_liquidation_price(
    account: CrossAccount,
    symbol: str,
    *,
    mark_prices: Mapping[str, NumberLike],
    rule: LiquidationRule = LiquidationRule(),  # noqa: B008 - frozen attrs: immutable
) -> Decimal | None:
    r"""The liquidation price of ``symbol`` in a cross account, the others at their marks.

    Binance USDⓈ-M (one-way size ``Q_B`` of side ``s_B``, or hedge sizes ``Q_L``,
    ``Q_S``, each with its own bracket at the liquidation price):

    .. math::

        LP = \frac{WB - TMM_1 + UPNL_1 + cum_B + cum_L + cum_S - s_B Q_B EP_B
                   - Q_L EP_L + Q_S EP_S}
                  {Q_B m_B + Q_L m_L + Q_S m_S - s_B Q_B - Q_L + Q_S}

    ``TMM1`` and ``UPNL1`` are the maintenance margin and PnL of every other symbol at
    its mark. COIN-M is the coin-valued analogue (:ref:`rule-futures-liquidation-inverse`). In
    hedge mode the
    long and the short of ``symbol`` share this one price. When the condition has two
    roots (possible in hedge mode with tiered rates), the one returned is the nearest to
    the symbol's mark in the direction that loses margin.

    Args:
        account: the :class:`CrossAccount`.
        symbol: the symbol to solve for; the account must hold it.
        mark_prices: the mark price of every other symbol the account holds; the
            symbol's own mark is optional (it only orients the search; default the
            entry price of the symbol's first position in the account).
        rule: the venue's :class:`LiquidationRule` (default Binance). Other symbols'
            maintenance follows the rule's basis and their close fee is valued at mark.

    Returns:
        The liquidation price, or ``None`` when there is none.

    Raises:
        InvalidInputError: for a bad account, rule, an unknown symbol, or a missing or
            non-positive mark price of another symbol (the message names it).

    References:
        Binance, "How to Calculate Liquidation Price of USDⓈ-M Contracts" and "... of
        COIN-M Contracts"; :ref:`rule-futures-liquidation-linear` and
        :ref:`rule-futures-liquidation-inverse` [checked], :ref:`rule-venues`.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.numbers import round_to_step
        >>> table = BracketTable.from_rates(
        ...     caps=[50_000], maintenance_rates=["0.004"], max_leverages=[125]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> pos = Position(contract=btc, side="long", size="0.02", entry_price=50_000, leverage=2)
        >>> account = CrossAccount(wallet_balance=500, positions=[pos])
        >>> lp = cross_liquidation_price(account, "BTCUSDT", mark_prices={})
        >>> round_to_step(lp, "0.01", "half_up")
        Decimal('25100.40')

    .. versionadded:: 0.1.0
    """
    account = require(account, CrossAccount, "account")
    condition = solver_rule(rule)
    own = [p for p in account.positions if p.contract.symbol == symbol]
    raw: object = symbol
    if not isinstance(raw, str) or not own:
        held = sorted({p.contract.symbol for p in account.positions})
        msg = f"symbol must be a symbol the account holds {held!r}, got {symbol!r}"
        raise InvalidInputError(msg)
    others = [p for p in account.positions if p.contract.symbol != symbol]
    marks = marks_of(mark_prices, others)
    constant = _algebra.fraction(account.wallet_balance, "account.wallet_balance")
    for position in others:
        price = marks[position.contract.symbol]
        basis = price if rule.maintenance_basis == "mark" else position.entry_price
        value = value_at(position, basis)
        fee = rule.fee_rate * value_at(position, price)
        others_margin = position_pnl(position, price) - maintenance(position.contract, value) - fee
        constant += _algebra.fraction(others_margin, f"the margin of {position.contract.symbol!r}")
    kind = own[0].contract.kind
    start = own[0].entry_price
    if symbol in mark_prices:
        start = positive_number(mark_prices[symbol], f"mark_prices[{symbol!r}]")
    x = _solver.solve(
        [leg(p) for p in own], constant, condition, _x_at(kind, start, "the start price")
    )
    return _to_price(kind, x)
