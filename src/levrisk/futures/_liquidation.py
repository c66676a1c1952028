"""Liquidation of perpetual futures: isolated and cross liquidation, bankruptcy prices.

Private: :mod:`levrisk.futures` re-exports every public name; :mod:`._solver` beside it
solves the liquidation condition in ``X`` (``P`` linear, ``1/P`` inverse).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, NoReturn

from levrisk import _algebra
from levrisk._fields import non_negative_number, positive_entry, require
from levrisk._typing import ContractKind, HedgeMaintenance
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, InvalidInputError
from levrisk.futures import _solver
from levrisk.futures._margin import (
    initial_margin,  # noqa: F401 - the doctests' namespace
    marks_for,
)
from levrisk.futures._model import (
    Contract,  # noqa: F401 - the doctests' namespace
    CrossAccount,
    LiquidationRule,
    Position,
)
from levrisk.numbers import NumberLike, exact


def checked_rule(rule: object) -> LiquidationRule:
    """The rule argument checked: a :class:`LiquidationRule` with a fee rate in range."""
    if rule is DEFAULT_RULE:
        return DEFAULT_RULE  # checked once, when the module was loaded
    checked = require(rule, LiquidationRule, "rule")
    _algebra.bounded(checked.fee_rate, "rule.fee_rate")
    return checked


def solver_rule(rule: object) -> _solver.Rule:
    """A :class:`LiquidationRule` in the general solver's terms (the argument checked)."""
    checked = checked_rule(rule)
    return _solver.Rule(
        checked.maintenance_basis,
        checked.close_fee,
        Fraction(checked.fee_rate),
        checked.hedge_maintenance,
    )


def _terms(rule: LiquidationRule) -> _Terms:
    """The rule as the fast core takes it: ``(maintenance, close fee, fee rate)``."""
    return rule.maintenance_basis, rule.close_fee, rule.fee_rate


DEFAULT_RULE: Final = LiquidationRule()
"""The default rule of the public signatures (Binance), checked once."""

_DEFAULT_TERMS: Final = _terms(checked_rule(DEFAULT_RULE))


def checked_terms(rule: object) -> _Terms:
    """:func:`checked_rule` in the fast core's terms (the default rule's made once)."""
    return _DEFAULT_TERMS if rule is DEFAULT_RULE else _terms(checked_rule(rule))


_ONE = Decimal(1)

_Terms = tuple[Literal["mark", "entry"] | None, Literal["none", "mark", "bankruptcy"], Decimal]
_BANKRUPTCY: _Terms = (None, "none", Decimal(0))


def leg(position: Position) -> _solver.Leg:
    """A position as one leg of the general solver, in ``X`` (exact rationals, checked)."""
    kind = position.contract.kind
    _solver.tiers(position.contract.brackets).check()
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


def _solve(
    positions: Sequence[Position],
    wallet: Decimal,
    rule: _Terms,
    start: Decimal,
    *,
    what: Description,
    wallet_name: str | None = None,
    hedge: HedgeMaintenance = "each",
) -> Decimal | None:
    """The liquidation price of ``positions`` (one symbol) with the wallet ``wallet``.

    One position: the fast core's closed form; two (hedge legs), or a condition that is
    not monotone: the general exact solve. ``wallet_name``: check the wallet's magnitude
    after the positions' (the order of the checks is the order of the arguments).
    ``what`` names the position and the price ``start`` in the errors of the
    liquidation outcomes (see the conventions page). ``hedge``: the rule's
    ``hedge_maintenance`` (it acts on a hedged pair only).
    """
    if len(positions) == 1:
        return _single(positions[0], wallet, rule, start, what, wallet_name)
    return _general(positions, wallet, rule, start, what, hedge)


def _single(  # noqa: PLR0917 - _solve's arguments for one position
    position: Position,
    wallet: Decimal,
    rule: _Terms,
    start: Decimal,
    what: Description,
    wallet_name: str | None = None,
) -> Decimal | None:
    """:func:`_solve` for one position: the fast core's closed form, else the general solve."""
    single = position._one  # noqa: SLF001 - the position's own cache, read by its one solver
    low, high = _algebra.EXPONENT_RANGE
    if wallet_name is not None and wallet and not low <= wallet.adjusted() <= high:
        _algebra.bounded(wallet, wallet_name)
    found = _solver.solve_one(single, wallet, rule, start)
    if found is None:
        return _general([position], wallet, rule, start, what, "each")
    price, state = found
    return price if state == "safe" else outcome(price, state, what)


def _general(  # noqa: PLR0917 - _solve's arguments
    positions: Sequence[Position],
    wallet: Decimal,
    rule: _Terms,
    start: Decimal,
    what: Description,
    hedge: HedgeMaintenance,
) -> Decimal | None:
    """:func:`_solve` by the general exact solver (exact rationals, every segment)."""
    kind = positions[0].contract.kind
    legs = [leg(p) for p in positions]
    maintenance, close_fee, fee_rate = rule
    condition = _solver.Rule(maintenance, close_fee, Fraction(fee_rate), hedge)
    x_start = _x_at(kind, start, "the start price")
    try:
        x = _solver.solve(legs, Fraction(wallet), condition, x_start)
    except _solver.Always:
        return outcome(None, "always", what)
    except _solver.Crossed as crossed:
        return outcome(_to_price(kind, crossed.x), "crossed", what)
    return _to_price(kind, x)


Description = str | Callable[[], str]
"""What an outcome's error names, or a function that words it (only an error pays for it)."""


def outcome(price: Decimal | None, state: _solver.State, what: Description) -> NoReturn:
    """The liquidated state's error: ``"always"`` or ``"crossed"`` (at ``price``).

    ``what`` names the position and the price it was looked at (e.g. ``"the position at
    its entry price 60000"``), or is a function that returns the name.
    """
    if not isinstance(what, str):
        what = what()
    if state == "always":
        msg = f"{what}: every price liquidates it (its margin never covers maintenance)"
        raise AlwaysLiquidatedError(msg)
    at = "" if price is None else f", liquidation price {price}"
    msg = f"{what}: already at or past its liquidation point{at}"
    raise AlreadyLiquidatedError(msg, price=price)


@exact
def isolated_liquidation_price(
    position: Position,
    *,
    margin: NumberLike,
    rule: LiquidationRule = DEFAULT_RULE,
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
        The liquidation price, or ``None`` when no price liquidates the position (e.g. a
        linear long at 1x).

    Raises:
        InvalidInputError: for a bad position, margin or rule.
        AlreadyLiquidatedError: when the margin is at or below the maintenance margin at
            the entry price (``.price``: the crossed liquidation price).
        AlwaysLiquidatedError: when every price liquidates it. Both are the
            :ref:`liquidation-outcomes` of the conventions page.

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
    return _isolated(position, margin, rule)


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
        AlreadyLiquidatedError: when the margin balance is already ≤ 0 at the entry price
            (a zero margin), ``.price`` the crossed price.
        AlwaysLiquidatedError: when it is ≤ 0 at every price (see
            :ref:`liquidation-outcomes`).

    References:
        :ref:`rule-bankruptcy-price` [derived].

    Examples:
        >>> from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc
        >>> pos = Position(contract=btc, side="short", size=1, entry_price=20_000, leverage=10)
        >>> bankruptcy_price(pos, margin=initial_margin(pos))
        Decimal('22000')

    .. versionadded:: 0.1.0
    """
    return _isolated(position, margin, bankruptcy=True)


def _isolated(
    position: object, margin: object, rule: object = DEFAULT_RULE, *, bankruptcy: bool = False
) -> Decimal | None:
    """The isolated price of ``position`` with the wallet ``margin`` (checked in that order).

    ``rule``: the liquidation rule (checked after the position and the margin); with
    ``bankruptcy`` the bankruptcy price instead (no maintenance, no fee, no rule).
    """
    checked = require(position, Position, "position")
    wallet = non_negative_number(margin, "margin")
    terms = _BANKRUPTCY if bankruptcy else checked_terms(rule)
    label = " (bankruptcy)" if bankruptcy else ""
    return _single(
        checked,
        wallet,
        terms,
        checked.entry_price,
        lambda: f"the isolated {checked.side} at its entry price {checked.entry_price}{label}",
        "margin",
    )


@exact
def cross_liquidation_price(
    account: CrossAccount,
    symbol: str,
    *,
    mark_prices: Mapping[str, NumberLike],
    rule: LiquidationRule = DEFAULT_RULE,
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
        The liquidation price, or ``None`` when no price of ``symbol`` liquidates the
        account.

    Raises:
        InvalidInputError: for a bad account, rule, an unknown symbol, or a missing or
            non-positive mark price of another symbol (the message names it).
        AlreadyLiquidatedError: when the account is at or past liquidation at the marks
            (the symbol's own mark, or its entry price when none is given); ``.price``
            is the crossed liquidation price.
        AlwaysLiquidatedError: when every price of ``symbol`` liquidates the account
            (e.g. a hedge whose entry-valued maintenance exceeds the wallet). See
            :ref:`liquidation-outcomes`.

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
    checked = checked_rule(rule)
    raw: object = symbol
    own = account._by_symbol.get(symbol) if isinstance(raw, str) else None  # noqa: SLF001
    if not own:
        held = sorted({p.contract.symbol for p in account.positions})
        msg = f"symbol must be a symbol the account holds {held!r}, got {symbol!r}"
        raise InvalidInputError(msg)
    rows = account._rows  # noqa: SLF001 - the account's own cache
    alone = len(own) == len(rows)  # no other symbol
    marks = marks_for(mark_prices, () if alone else [r.symbol for r in rows if r.symbol != symbol])
    low, high = _algebra.EXPONENT_RANGE
    wallet = account.wallet_balance
    if wallet and not low <= wallet.adjusted() <= high:
        _algebra.bounded(wallet, "account.wallet_balance")
    constant = wallet
    if not alone:
        margins = [wallet, *_margins_at(rows, marks, checked, symbol)]
        if checked.hedge_maintenance == "larger":
            others = [p for p in account.positions if p.contract.symbol != symbol]
            margins.extend(_pair_corrections(others, marks, checked))
        constant = _algebra.exact_sum(margins)
    start = own[0].entry_price
    if symbol in mark_prices:
        start = positive_entry(mark_prices, symbol, "mark_prices")
    if not low <= start.adjusted() <= high:  # > 0
        _algebra.bounded(start, "the start price")
    terms = checked_terms(checked)

    def what() -> str:
        return f"the cross account at {symbol} {start}"

    return _solve(own, constant, terms, start, what=what, hedge=checked.hedge_maintenance)


def _margins_at(
    rows: tuple[_solver.Row, ...],
    marks: Mapping[str, Decimal],
    rule: LiquidationRule,
    skip: str | None = None,
) -> list[Decimal]:
    """Each row's margin at its mark (but ``skip``'s): PnL less maintenance less the close fee.

    ``k·s·Q·(X − x_e) − MM(basis) − c·Q·X`` (:func:`levrisk.futures._solver.margins_at`:
    the operations of ``position_pnl``, ``Tiers.maintenance`` and ``value_at``, which the
    solver's roots are rounded alike with), each magnitude checked as the solver needs.
    """
    return _solver.margins_at(rows, marks, rule.maintenance_basis, rule.fee_rate, skip)


def _pair_corrections(
    others: list[Position], marks: Mapping[str, Decimal], rule: LiquidationRule
) -> list[Decimal]:
    """Each hedged pair's own maintenance given back less the pair's (``"larger"``).

    :func:`_margins_at` takes each leg's own ``MM(V_i)``; the pair owes
    ``(V_L + V_S)·MM(V_max)/V_max`` instead (:ref:`rule-gate-hedge-maintenance`), so its
    correction is ``MM(V_L) + MM(V_S) − (V_L + V_S)·MM(V_max)/V_max`` (one division).
    """
    pairs: dict[str, list[Position]] = {}
    for position in others:
        pairs.setdefault(position.contract.symbol, []).append(position)
    corrections = []
    for symbol, pair in pairs.items():
        if len(pair) == 2:
            values = [_value(p, marks[symbol], rule) for p in pair]
            tiers = _solver.tiers(pair[0].contract.brackets)
            own = [tiers.maintenance(v) for v in values]
            big = max(values)
            owed = sum(values) * own[values.index(big)] / big
            corrections.append(own[0] + own[1] - owed)
    return corrections


def _value(position: Position, price: Decimal, rule: LiquidationRule) -> Decimal:
    """A position's value at its maintenance basis: ``Q·X`` at the mark, or at entry."""
    contract = position.contract
    q = position.size * contract.contract_size
    at = price if rule.maintenance_basis == "mark" else position.entry_price
    return q * at if contract.kind == "linear" else q / at


def cross_prices(account: CrossAccount, marks: Mapping[str, Decimal]) -> dict[str, Decimal | None]:
    """:func:`cross_liquidation_price` of every symbol at once (default rule), in ``O(N)``.

    ``marks``: the checked mark of every symbol the account holds. Each position's
    margin at its mark is computed once; a symbol's constant is the exact total less
    its own positions' margins — the exact sum of the others', as one call would make it.
    """
    rule = LiquidationRule()
    terms = _terms(rule)
    wallet = _algebra.bounded(account.wallet_balance, "account.wallet_balance")
    own: dict[str, list[Position]] = {}
    margins: dict[str, list[Decimal]] = {}
    for position, margin in zip(
        account.positions,
        _margins_at(account._rows, marks, rule),  # noqa: SLF001 - the account's own cache
        strict=True,
    ):
        symbol = position.contract.symbol
        own.setdefault(symbol, []).append(position)
        margins.setdefault(symbol, []).append(margin)
    exact = _algebra.EXACT
    total = exact.add(wallet, _algebra.exact_sum(m for ms in margins.values() for m in ms))
    constants = {
        symbol: exact.subtract(total, _algebra.exact_sum(ms)) for symbol, ms in margins.items()
    }
    return {
        symbol: _solve(
            own[symbol],
            constants[symbol],
            terms,
            _algebra.bounded(mark, "the start price"),
            what=functools.partial("the cross account at {} {}".format, symbol, mark),
        )
        for symbol, mark in marks.items()
    }
