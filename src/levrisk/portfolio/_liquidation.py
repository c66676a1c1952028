r"""The account's liquidation point: one symbol's price, one asset's price, a uniform move.

Private: :mod:`levrisk.portfolio` re-exports every public name.

Every question moves prices by one factor ``u`` (``u = 1``: the prices given) and asks
where ``g(u) = E(u) − θ·MM(u)`` reaches 0, ``θ`` the liquidation level of the ratio
``E / MM``. ``g`` is continuous and piecewise linear in ``u``:

- one symbol: ``u = X / X_0`` with ``X = P`` (linear) or ``1/P`` (inverse) — PnL and
  notional are linear in ``X`` (the change of variable of ``levrisk._algebra``);
- one asset: its index price is ``u·I_0`` — every worth and value in that asset is
  linear in the index;
- a uniform move: every mark and the index of every moving asset is ``u`` times its
  value; linear contracts must settle in an asset that does not move and inverse ones in
  an asset that moves, which keeps every term linear in ``u`` (an inverse PnL in coin
  times a coin index moving with the mark is linear; a linear PnL in a moving asset would
  be quadratic).

Each kink is where a tiered amount crosses a bracket cap, or an asset's worth crosses 0
or a collateral tier (a quantity tier, when the asset's index moves, where the worth over
the index crosses it): the worths are affine and the notionals proportional to ``u`` or
``1/u``, so every kink is found exactly from the state at ``u = 1`` and ``u = 2``.
Between kinks ``g`` is linear: two exact evaluations give the line and its root. The
solve is therefore a finite walk over segments in exact rationals (no bisection): it
ends after at most one step per kink.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

import attrs

from levrisk import _algebra
from levrisk._fields import positive_number, require
from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, InvalidInputError
from levrisk.numbers import NumberLike, exact
from levrisk.portfolio import _engine
from levrisk.portfolio._figures import exact_prices, prices_of, risk_units
from levrisk.portfolio._model import (
    AssetBook,  # noqa: F401 - the doctests' namespace
    Collateral,  # noqa: F401 - the doctests' namespace
    PortfolioAccount,
)
from levrisk.portfolio._stress import RiskUnit

Scene = Callable[[Fraction], tuple[dict[str, Fraction], dict[str, Fraction]]]
"""The marks and indexes at the factor ``u``."""


def _unit_kinks(
    units: tuple[RiskUnit, ...], one: _engine.State, two: _engine.State
) -> set[Fraction]:
    """Where a unit's requirement changes slope: ``X = 0`` and ``L + c·G = f·G`` on each side.

    ``X`` and ``G`` are affine in ``u`` (lines through the states at ``u = 1`` and ``2``);
    the loss is ``down·X`` for ``X ≥ 0`` and ``−up·X`` below, so each piece is a line too.
    """
    found: set[Fraction] = set()
    for unit, (x1, g1), (x2, g2) in zip(units, one.exposures, two.exposures, strict=True):
        down, up = _engine.unit_slopes(unit)
        spread = Fraction(unit.contingency_rate) - Fraction(unit.minimum_rate)
        x, g = (x2 - x1, 2 * x1 - x2), (g2 - g1, 2 * g1 - g2)
        lines = [x, *((k * x[0] + spread * g[0], k * x[1] + spread * g[1]) for k in (down, -up))]
        found.update(-b / a for a, b in lines if a)
    return found


@attrs.frozen
class _Problem:
    """What every question starts from (built by :func:`_prepared`, all checked and exact).

    Attributes:
        account: the account.
        level: ``θ``, the liquidation level of ``E / MM``.
        marks: symbol → mark price at ``u = 1``.
        indexes: asset (and each unit's coin) → index price at ``u = 1``.
        units: the risk units of a portfolio-margin account (empty otherwise).
    """

    account: PortfolioAccount
    level: Fraction
    marks: dict[str, Fraction]
    indexes: dict[str, Fraction]
    units: tuple[RiskUnit, ...]

    def state(self, scene: Scene, u: Fraction) -> _engine.State:
        """The account evaluated at the prices of ``scene`` at the factor ``u``."""
        return _engine.evaluate(self.account, *scene(u), self.units)


def _kinks(problem: _Problem, scene: Scene) -> list[Fraction]:
    """Every ``u > 0`` at which a piece of ``g`` ends (exact; see the module's note)."""
    account = problem.account
    one = problem.state(scene, Fraction(1))
    two = problem.state(scene, Fraction(2))
    found = _unit_kinks(problem.units, one, two)
    for book in account.books:
        rule, asset = account.rules[book.asset], book.asset
        slope = two.worths[asset] - one.worths[asset]
        start = one.worths[asset] - slope
        index = one.indexes[asset]
        if rule.quantity_tiers and two.indexes[asset] != index:
            # I(u) = I·u: the quantity w(u)/I(u) = start/(I·u) + slope/I meets a cap q
            # at u = start / (q·I − slope).
            tops = [Fraction(t.cap) * index for t in rule.tiers if t.cap is not None]
            found.update(start / (top - slope) for top in tops if top != slope)
            found.update([-start / slope] if slope else [])
        elif slope:
            found.update((edge - start) / slope for edge in _engine.edges(rule, index))
    for (n1, caps), (n2, _) in zip(one.notionals, two.notionals, strict=True):
        if n2 == 2 * n1:
            found.update(cap / n1 for cap in caps)
        elif n2 != n1:
            found.update(n1 / cap for cap in caps)
    return sorted(u for u in found if u > 0)


def _line(
    g: Callable[[Fraction], Fraction], low: Fraction, high: Fraction | None
) -> tuple[Fraction, Fraction]:
    """``(a, b)`` with ``g(u) = a·u + b`` on the segment from ``low`` to ``high``."""
    if high is None:
        p, q = low + 1, low + 2
    else:
        p, q = low + (high - low) / 3, low + 2 * (high - low) / 3
    gp, gq = g(p), g(q)
    a = (gq - gp) / (q - p)
    return a, gp - a * p


def _solve(problem: _Problem, scene: Scene) -> Fraction | None:
    """The factor ``u`` of the liquidation point (the three outcomes of the conventions)."""

    def g(u: Fraction) -> Fraction:
        state = problem.state(scene, u)
        return state.equity - problem.level * state.maintenance

    kinks = _kinks(problem, scene)
    lows = [Fraction(0), *kinks]
    highs: list[Fraction | None] = [*kinks, None]
    roots: list[Fraction] = []
    positive = False
    slope_here = Fraction(0)
    for low, high in zip(lows, highs, strict=True):
        a, b = _line(g, low, high)
        ends = [e for e in (low, high) if e is not None]
        positive = positive or b > 0 or any(a * e + b > 0 for e in ends) or (high is None and a > 0)
        if low <= 1 and (high is None or high > 1):
            slope_here = a
        if a:
            root = -b / a
            if root > 0 and low <= root and (high is None or root <= high):
                roots.append(root)
        elif b == 0:
            roots.extend(e for e in ends if e > 0)
    unique = sorted(set(roots))
    if g(Fraction(1)) <= 0:
        if not positive:
            msg = "the account is liquidated at every price: equity never exceeds the level"
            raise AlwaysLiquidatedError(msg)
        crossed = min(unique, key=lambda r: (abs(r - 1), r)) if unique else None
        raise _Crossed(crossed)
    losing = [r for r in unique if (r < 1 if slope_here > 0 else r > 1)]
    if slope_here and losing:
        return max(losing) if slope_here > 0 else min(losing)
    return min(unique, key=lambda r: (abs(r - 1), r)) if unique else None


class _Crossed(Exception):  # noqa: N818 - an internal signal, never escapes
    """Raised inside :func:`_solve` when ``g(1) ≤ 0``; the caller words the public error."""

    def __init__(self, factor: Fraction | None) -> None:
        super().__init__()
        self.factor = factor


def _outcome(
    problem: _Problem, scene: Scene, to_result: Callable[[Fraction], Decimal], what: str
) -> Decimal | None:
    """The liquidation point of ``scene`` as ``to_result`` words it (``what`` moves)."""
    try:
        u = _solve(problem, scene)
    except _Crossed as crossed:
        price = None if crossed.factor is None else to_result(crossed.factor)
        msg = (
            f"the account is already at or past its liquidation level at the prices given ({what})"
        )
        raise AlreadyLiquidatedError(msg, price=price) from None
    return None if u is None else to_result(u)


def _prepared(
    account: PortfolioAccount,
    mark_prices: Mapping[str, NumberLike],
    index_prices: Mapping[str, NumberLike],
    liquidation_level: NumberLike,
    units: Iterable[RiskUnit],
) -> _Problem:
    """The :class:`_Problem` every question starts from: ``θ``, the exact prices, the units."""
    level = _algebra.fraction(
        positive_number(liquidation_level, "liquidation_level"), "liquidation_level"
    )
    marks, indexes = prices_of(account, mark_prices, index_prices)
    stress, coins = risk_units(account, units, index_prices)
    return _Problem(account, level, exact_prices(marks), exact_prices({**coins, **indexes}), stress)


@exact
def symbol_liquidation_price(
    account: PortfolioAccount,
    symbol: str,
    *,
    mark_prices: Mapping[str, NumberLike],
    index_prices: Mapping[str, NumberLike],
    liquidation_level: NumberLike,
    units: Iterable[RiskUnit] = (),
) -> Decimal | None:
    r"""The mark price of ``symbol`` at which the account reaches its liquidation level.

    Every other mark and every index price is held. Solves, exactly,

    .. math::

        E(P) = \theta \cdot MM(P)

    with ``E`` and ``MM`` as in :func:`account_figures` and ``θ`` the level of the ratio
    ``E / MM`` (Binance Multi-Assets: 1, the account margin ratio ``MM/E`` reaching
    100 %; Portfolio Margin: 1.05, uniMMR reaching 105 %).

    Args:
        account: the :class:`PortfolioAccount`.
        symbol: a symbol the account holds.
        mark_prices: the mark price of every symbol the account holds (the symbol's own
            is where the search starts: the account is not liquidated there).
        index_prices: the index price of every asset of the account's books.
        liquidation_level: ``θ`` (> 0).
        units: the :class:`RiskUnit` of a portfolio-margin account (their positions
            count by the unit's requirement; ``index_prices`` then holds each unit's
            underlying).

    Returns:
        The price, or ``None`` when no price of the symbol liquidates the account. When
        the condition has several roots, the one nearest the current mark in the
        direction that loses equity.

    Raises:
        InvalidInputError: for bad input or a symbol the account does not hold.
        AlreadyLiquidatedError: when the account is at or past the level at the given
            prices (``price``: the nearest crossed price, if any).
        AlwaysLiquidatedError: when no price of the symbol lifts it above the level.

    References:
        :ref:`rule-multi-assets`, :ref:`rule-portfolio-margin` [derived from the
        published figures].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.futures import Contract, Position
        >>> table = BracketTable.from_rates(
        ...     caps=[1_000_000], maintenance_rates=["0.008"], max_leverages=[100]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> long = Position(contract=btc, side="long", size="0.5", entry_price=20_000, leverage=100)
        >>> account = PortfolioAccount(
        ...     books=[AssetBook(asset="USDT", wallet_balance=200, positions=[long])],
        ...     collaterals=[Collateral(asset="USDT")],
        ... )
        >>> symbol_liquidation_price(
        ...     account,
        ...     "BTCUSDT",
        ...     mark_prices={"BTCUSDT": 20_000},
        ...     index_prices={"USDT": 1},
        ...     liquidation_level=1,
        ... )
        Decimal('19758.064516129032258064516129032258064516129032258')

    .. versionadded:: 0.2.0
    .. versionchanged:: 0.2.0
        ``units`` (portfolio margin's risk units, :ref:`rule-portfolio-margin-units`).
    """
    account = require(account, PortfolioAccount, "account")
    raw: object = symbol
    if not isinstance(raw, str) or symbol not in account.symbols:
        held = sorted(account.symbols)
        msg = f"symbol must be a symbol the account holds {held!r}, got {symbol!r}"
        raise InvalidInputError(msg)
    problem = _prepared(account, mark_prices, index_prices, liquidation_level, units)
    kind = next(
        p.contract.kind for b in account.books for p in b.positions if p.contract.symbol == symbol
    )
    start = problem.marks[symbol]

    def price(u: Fraction) -> Fraction:
        return start * u if kind == "linear" else start / u

    def scene(u: Fraction) -> tuple[dict[str, Fraction], dict[str, Fraction]]:
        return {**problem.marks, symbol: price(u)}, problem.indexes

    return _outcome(problem, scene, lambda u: _algebra.decimal(price(u)), f"mark of {symbol!r}")


@exact
def asset_liquidation_price(
    account: PortfolioAccount,
    asset: str,
    *,
    mark_prices: Mapping[str, NumberLike],
    index_prices: Mapping[str, NumberLike],
    liquidation_level: NumberLike,
    units: Iterable[RiskUnit] = (),
) -> Decimal | None:
    r"""The index price of ``asset`` at which the account reaches its liquidation level.

    Every mark and every other index is held: the asset's balance, its loan and the
    requirements of the positions settled in it are revalued. Solves
    ``E(I) = θ·MM(I)`` exactly (see :func:`symbol_liquidation_price`).

    Args:
        account: the :class:`PortfolioAccount`.
        asset: an asset of the account's books.
        mark_prices: the mark price of every symbol the account holds.
        index_prices: the index price of every asset of the account's books.
        liquidation_level: ``θ`` (> 0).
        units: the :class:`RiskUnit` of a portfolio-margin account (their positions
            count by the unit's requirement; ``index_prices`` then holds each unit's
            underlying).

    Returns:
        The index price, or ``None`` when no price of the asset liquidates the account.

    Raises:
        InvalidInputError: for bad input or an asset without a book.
        AlreadyLiquidatedError: when the account is at or past the level at the given
            prices.
        AlwaysLiquidatedError: when no price of the asset lifts it above the level.

    References:
        :ref:`rule-portfolio-margin` [derived from the published figures].

    Examples:
        A BTC balance backing a USDT loan (a one-tier loan table at 10 %):

        >>> from levrisk.brackets import BracketTable
        >>> loans = BracketTable.from_rates(
        ...     caps=[1_000_000], maintenance_rates=["0.1"], max_leverages=[3]
        ... )
        >>> account = PortfolioAccount(
        ...     books=[
        ...         AssetBook(asset="BTC", margin_balance=1),
        ...         AssetBook(asset="USDT", margin_loan=20_000),
        ...     ],
        ...     collaterals=[Collateral(asset="BTC", ratio="0.95"), Collateral(asset="USDT")],
        ...     loan_tiers={"USDT": loans},
        ... )
        >>> asset_liquidation_price(
        ...     account,
        ...     "BTC",
        ...     mark_prices={},
        ...     index_prices={"BTC": 30_000, "USDT": 1},
        ...     liquidation_level="1.05",
        ... )
        Decimal('23263.157894736842105263157894736842105263157894737')

    .. versionadded:: 0.2.0
    .. versionchanged:: 0.2.0
        ``units`` (portfolio margin's risk units, :ref:`rule-portfolio-margin-units`).
    """
    account = require(account, PortfolioAccount, "account")
    assets = [book.asset for book in account.books]
    raw: object = asset
    if not isinstance(raw, str) or asset not in assets:
        msg = f"asset must be an asset of the account's books {assets!r}, got {asset!r}"
        raise InvalidInputError(msg)
    problem = _prepared(account, mark_prices, index_prices, liquidation_level, units)
    start = problem.indexes[asset]

    def scene(u: Fraction) -> tuple[dict[str, Fraction], dict[str, Fraction]]:
        return problem.marks, {**problem.indexes, asset: start * u}

    return _outcome(problem, scene, lambda u: _algebra.decimal(start * u), f"index of {asset!r}")


@exact
def liquidation_move(
    account: PortfolioAccount,
    *,
    mark_prices: Mapping[str, NumberLike],
    index_prices: Mapping[str, NumberLike],
    moving_assets: Iterable[str],
    liquidation_level: NumberLike,
    units: Iterable[RiskUnit] = (),
) -> Decimal | None:
    r"""The uniform relative move of all prices at which the account reaches its level.

    Every mark price and the index price of every asset in ``moving_assets`` become
    ``(1 + x)`` times their value; the other indexes (the stablecoins a linear contract
    settles in) are held. Solves ``E(x) = θ·MM(x)`` exactly.

    Args:
        account: the :class:`PortfolioAccount`.
        mark_prices: the mark price of every symbol the account holds.
        index_prices: the index price of every asset of the account's books.
        moving_assets: the assets whose index moves with the marks; it must hold the
            settlement asset of every inverse position and none of a linear one.
        liquidation_level: ``θ`` (> 0).
        units: the :class:`RiskUnit` of a portfolio-margin account (their positions
            count by the unit's requirement; ``index_prices`` then holds each unit's
            underlying).

    Returns:
        ``x`` (``-0.25`` is a 25 % fall), or ``None`` when no move liquidates the account.

    Raises:
        InvalidInputError: for bad input, an unknown moving asset, or a settlement asset
            on the wrong side of ``moving_assets``.
        AlreadyLiquidatedError: when the account is at or past the level now (``price``
            holds the crossed move, if any).
        AlwaysLiquidatedError: when no move lifts it above the level.

    References:
        :ref:`rule-portfolio-margin` [derived from the published figures].

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.futures import Contract, Position
        >>> table = BracketTable.from_rates(
        ...     caps=[1_000_000], maintenance_rates=["0.008"], max_leverages=[100]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> long = Position(contract=btc, side="long", size=1, entry_price=20_000, leverage=20)
        >>> account = PortfolioAccount(
        ...     books=[
        ...         AssetBook(asset="USDT", wallet_balance=0, positions=[long]),
        ...         AssetBook(asset="BTC", wallet_balance="0.05"),
        ...     ],
        ...     collaterals=[Collateral(asset="USDT"), Collateral(asset="BTC", ratio="0.95")],
        ... )
        >>> liquidation_move(
        ...     account,
        ...     mark_prices={"BTCUSDT": 20_000},
        ...     index_prices={"USDT": 1, "BTC": 20_000},
        ...     moving_assets=["BTC"],
        ...     liquidation_level=1,
        ... )
        Decimal('-0.037999037999037999037999037999037999037999037999038')

    .. versionadded:: 0.2.0
    .. versionchanged:: 0.2.0
        ``units`` (portfolio margin's risk units, :ref:`rule-portfolio-margin-units`).
    """
    account = require(account, PortfolioAccount, "account")
    raw: object = moving_assets
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        msg = f"moving_assets must be an iterable of asset names, got {moving_assets!r}"
        raise InvalidInputError(msg)
    moving = set(moving_assets)
    assets = [book.asset for book in account.books]
    for name in sorted(moving, key=str):
        if name not in assets:
            msg = f"moving_assets must name assets of the account's books {assets!r}, got {name!r}"
            raise InvalidInputError(msg)
    for book in account.books:
        for position in book.positions:
            inverse = position.contract.kind == "inverse"
            if inverse != (book.asset in moving):
                where = "must" if inverse else "must not"
                msg = (
                    f"moving_assets {where} hold {book.asset!r}, the settlement asset of the "
                    f"{position.contract.kind} {position.contract.symbol!r}"
                )
                raise InvalidInputError(msg)
    problem = _prepared(account, mark_prices, index_prices, liquidation_level, units)

    moving |= {unit.underlying for unit in problem.units if unit.underlying not in assets}

    def scene(u: Fraction) -> tuple[dict[str, Fraction], dict[str, Fraction]]:
        return (
            {symbol: price * u for symbol, price in problem.marks.items()},
            {a: price * u if a in moving else price for a, price in problem.indexes.items()},
        )

    return _outcome(problem, scene, lambda u: _algebra.decimal(u - 1), "uniform move")


@exact
def underlying_liquidation_price(
    account: PortfolioAccount,
    underlying: str,
    *,
    units: Iterable[RiskUnit],
    mark_prices: Mapping[str, NumberLike],
    index_prices: Mapping[str, NumberLike],
    liquidation_level: NumberLike,
) -> Decimal | None:
    r"""The index price of a risk unit's coin at which a portfolio-margin account is liquidated.

    The coin's index and the mark of every contract of its unit move by one factor
    (``P_i = P_i^0 · I / I_0``); every other price is held. Solves, exactly,

    .. math::

        E(I) = \theta \cdot \Bigl(\sum_{units} MM_{unit}(I) + MM_{other}\Bigr)

    with the units' requirement of :class:`RiskUnit` (piecewise linear in ``I``: the worst
    scenario switches where the exposure ``X`` crosses 0, the minimum charge takes over
    where ``L + c·G = f·G``) and ``θ`` the level of ``E / MM``: 1 for Bybit (account MM
    rate reaching 100 %) and OKX (``mgnRatio`` at 100 %).

    Args:
        account: the :class:`PortfolioAccount` (its equity as in :func:`account_figures`).
        underlying: the coin of one of ``units``.
        units: the account's :class:`RiskUnit`.
        mark_prices: the mark price of every symbol the account holds.
        index_prices: the index price of every asset of the books and every unit's coin.
        liquidation_level: ``θ`` (> 0).

    Returns:
        The coin's index price, or ``None`` when no price of the coin liquidates the
        account (the root nearest the current price, in the direction that loses equity).

    Raises:
        InvalidInputError: for bad input or a coin without a unit.
        AlreadyLiquidatedError: when the account is at or past the level at the given
            prices (``price``: the nearest crossed price, if any).
        AlwaysLiquidatedError: when no price of the coin lifts it above the level.

    References:
        Bybit, "Margin Calculations under Portfolio Margin (Unified Trading Account)";
        OKX API v5, "Get balance" (``mgnRatio``); :ref:`rule-portfolio-margin-units`
        [derived from the published method].

    Examples:
        A 1 BTC long perpetual on 2,000 USDT, Bybit-style: ±15 % scenarios and a 1 %
        contingency, so ``MM = 0.16 · P`` and ``2,000 + (P − 50,000) = 0.16 · P``:

        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.futures import Contract, Position
        >>> unit = RiskUnit(
        ...     underlying="BTC",
        ...     symbols=["BTCUSDT"],
        ...     moves=["-0.15", "0.15"],
        ...     contingency_rate="0.01",
        ... )
        >>> flat = {"caps": [10**7], "maintenance_rates": ["0.005"], "max_leverages": [100]}
        >>> btc = Contract(
        ...     symbol="BTCUSDT", kind="linear", brackets=BracketTable.from_rates(**flat)
        ... )
        >>> long = Position(contract=btc, side="long", size=1, entry_price=50_000, leverage=10)
        >>> account = PortfolioAccount(
        ...     books=[AssetBook(asset="USDT", wallet_balance=2_000, positions=[long])],
        ...     collaterals=[Collateral(asset="USDT")],
        ... )
        >>> at = {"mark_prices": {"BTCUSDT": 60_000}, "index_prices": {"USDT": 1, "BTC": 60_000}}
        >>> underlying_liquidation_price(account, "BTC", units=[unit], liquidation_level=1, **at)
        Decimal('57142.857142857142857142857142857142857142857142857')

    .. versionadded:: 0.2.0
    """
    account = require(account, PortfolioAccount, "account")
    problem = _prepared(account, mark_prices, index_prices, liquidation_level, units)
    unit = next((u for u in problem.units if u.underlying == underlying), None)
    if unit is None:
        coins = [u.underlying for u in problem.units]
        msg = f"underlying must be the coin of one of the units {coins!r}, got {underlying!r}"
        raise InvalidInputError(msg)
    start = problem.indexes[unit.underlying]

    def scene(u: Fraction) -> tuple[dict[str, Fraction], dict[str, Fraction]]:
        moved = {s: problem.marks[s] * u for s in unit.symbols}
        return {**problem.marks, **moved}, {**problem.indexes, unit.underlying: start * u}

    what = f"index of {unit.underlying!r}"
    return _outcome(problem, scene, lambda u: _algebra.decimal(start * u), what)
