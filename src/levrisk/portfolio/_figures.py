"""Account figures of multi-collateral accounts: equity, margins, ratios, available, status.

Private: :mod:`levrisk.portfolio` re-exports every public name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

from levrisk import _algebra
from levrisk._fields import FrozenMap, entries, positive_number, price_map, require
from levrisk.exceptions import InvalidInputError
from levrisk.margin import CrossMarginAccount, Loan, pro_initial_margin
from levrisk.numbers import NumberLike, exact, to_decimal
from levrisk.portfolio import _engine
from levrisk.portfolio._model import (
    AccountFigures,
    AssetBook,
    Collateral,  # noqa: F401 - the doctests' namespace
    PortfolioAccount,
    PortfolioStatus,
    PortfolioThresholds,
    ask_rate,
)
from levrisk.portfolio._stress import RiskUnit

_LOAN_QUOTE = "valuation-currency"
"""The quote of the one-loan margin accounts built for ``pro_initial_margin`` (never an asset)."""


def _no_mark(symbol: str, mark_prices: Mapping[str, NumberLike]) -> str:
    return f"mark_prices must hold a mark price for {symbol!r}, got {sorted(mark_prices)!r}"


def prices_of(
    account: PortfolioAccount,
    mark_prices: Mapping[str, NumberLike],
    index_prices: Mapping[str, NumberLike],
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """The checked mark price of every symbol and index price of every asset of ``account``."""

    def no_mark(symbol: str) -> str:
        return _no_mark(symbol, mark_prices)

    def no_index(asset: str) -> str:
        return f"index_prices must hold an index price for {asset!r}, got {sorted(index_prices)!r}"

    marks = price_map(
        mark_prices, account.symbols, argument="mark_prices", of="symbol", missing=no_mark
    )
    assets = [book.asset for book in account.books]
    indexes = price_map(index_prices, assets, argument="index_prices", of="asset", missing=no_index)
    return marks, indexes


def risk_units(
    account: PortfolioAccount, units: Iterable[RiskUnit], index_prices: Mapping[str, NumberLike]
) -> tuple[tuple[RiskUnit, ...], dict[str, Decimal]]:
    """The checked risk units of ``account`` and the index price of each unit's underlying."""
    rows = entries(units, f"units must be an iterable of RiskUnit, got {units!r}")
    checked = tuple(require(row, RiskUnit, f"units[{i}]") for i, row in enumerate(rows))
    settle = {p.contract.symbol: (b.asset, p) for b in account.books for p in b.positions}
    assets = [book.asset for book in account.books]
    seen: set[str] = set()
    indexes: dict[str, Decimal] = {}
    for i, unit in enumerate(checked):
        coin = unit.underlying
        if coin in indexes:
            msg = f"units[{i}].underlying must not repeat a unit's, got {coin!r}"
            raise InvalidInputError(msg)
        if unit.spot and coin not in assets:
            msg = f"units[{i}] holds spot: the account must have a book for {coin!r}"
            raise InvalidInputError(msg)
        for symbol in unit.symbols:
            if symbol not in settle or symbol in seen:
                what = "a symbol the account holds, in one unit only"
                msg = f"units[{i}].symbols must each be {what}, got {symbol!r}"
                raise InvalidInputError(msg)
            asset, position = settle[symbol]
            if position.contract.kind != "linear" or asset == coin:
                what = f"a linear contract not settled in {coin!r}"
                msg = f"units[{i}].symbols must each be {what}, got {symbol!r}"
                raise InvalidInputError(msg)
            seen.add(symbol)
        raw: object = index_prices
        if not isinstance(raw, Mapping) or coin not in index_prices:
            msg = f"index_prices must hold an index price for the underlying {coin!r}"
            raise InvalidInputError(msg)
        indexes[coin] = positive_number(index_prices[coin], f"index_prices[{coin!r}]")
    return checked, indexes


def exact_prices(prices: Mapping[str, Decimal]) -> dict[str, Fraction]:
    """The prices as exact rationals (magnitudes checked)."""
    return {name: _algebra.fraction(price, name) for name, price in prices.items()}


def _loan_initial(account: PortfolioAccount, book: AssetBook, index: Decimal) -> Decimal:
    """The initial margin of ``book``'s loan, tier by tier (Cross Margin Pro's rule)."""
    if not book.margin_loan:
        return Decimal(0)
    loans = CrossMarginAccount(
        balances={}, loans=[Loan(asset=book.asset, principal=book.margin_loan)], quote=_LOAN_QUOTE
    )
    tiers = {book.asset: account.loan_tiers[book.asset]}
    return pro_initial_margin(loans, {book.asset: index}, tiers=tiers)


@exact
def account_figures(
    account: PortfolioAccount,
    *,
    mark_prices: Mapping[str, NumberLike],
    index_prices: Mapping[str, NumberLike],
    units: Iterable[RiskUnit] = (),
) -> AccountFigures:
    r"""Every account-level figure of a multi-collateral account, in its valuation currency.

    With ``e_a`` asset ``a``'s equity (cross-margin balance − loan + futures wallet +
    unrealised PnL of the positions settled in it), ``w_a = e_a·I_a`` and ``v_a`` its
    collateral value (:class:`Collateral`):

    .. math::

        E = \sum_a v_a(w_a) - \sum_a OL_a I_a, \qquad
        MM = \sum_a I_a (1 + k_a) \sum_{i \in a} MM_i(MP_i) + \sum_a MM^{loan}_a(D_a I_a)

        IM = \sum_a I_a (1 + k_a) \sum_{i \in a} \frac{notional_i(MP_i)}{L_i}
             + \sum_a IM^{loan}_a, \qquad available = E - IM

        \text{margin ratio} = \frac{MM}{E}, \qquad uniMMR = \frac{E}{MM}, \qquad
        available_a = \frac{available}{I_a (1 + k_a)}

    Binance Multi-Assets mode: no loans, ``I·(1 + k)`` the ask rate; Portfolio Margin: no
    buffers, the collateral rate as the haircut, loans by their tiers.

    Args:
        account: the :class:`PortfolioAccount`.
        mark_prices: the mark price of every symbol the account holds.
        index_prices: the index price of every asset of the account's books, in the
            valuation currency (and of each unit's underlying).
        units: the :class:`RiskUnit` of a portfolio-margin account: their positions
            count by the unit's requirement (``MM_unit``, initial ``k·MM_unit``) instead
            of their brackets and leverage (:ref:`rule-portfolio-margin-units`).

    Returns:
        An :class:`AccountFigures` (``margin_ratio`` is ``None`` when ``E ≤ 0``,
        ``uni_mmr`` when ``MM = 0``).

    Raises:
        InvalidInputError: for a bad account or a missing or non-positive price.

    References:
        Binance, "How to Calculate Margin in Multi-Assets Mode" (:ref:`rule-multi-assets`)
        and "What Is the Unified Account Maintenance Margin Ratio (uniMMR)"
        (:ref:`rule-portfolio-margin`) [published; ``max_withdrawable`` derived].

    Examples:
        Binance's Multi-Assets example, before any position:

        >>> account = PortfolioAccount(
        ...     books=[
        ...         AssetBook(asset="USDT", wallet_balance=200),
        ...         AssetBook(asset="USDC", wallet_balance=220),
        ...     ],
        ...     collaterals=[
        ...         Collateral(asset="USDT", bid_buffer="0.01", ask_buffer="0.005"),
        ...         Collateral(asset="USDC"),
        ...     ],
        ... )
        >>> figures = account_figures(
        ...     account, mark_prices={}, index_prices={"USDT": "0.99", "USDC": 1}
        ... )
        >>> figures.equity, round(figures.asset_available["USDT"], 2)
        (Decimal('416.02'), Decimal('418.13'))

    .. versionadded:: 0.2.0
    .. versionchanged:: 0.2.0
        ``units`` (portfolio margin's risk units).
    """
    account = require(account, PortfolioAccount, "account")
    marks, indexes = prices_of(account, mark_prices, index_prices)
    stress, coins = risk_units(account, units, index_prices)
    exact_indexes = exact_prices({**coins, **indexes})
    state = _engine.evaluate(account, exact_prices(marks), exact_indexes, stress)
    initial = Fraction(0)
    for unit, (exposure, gross) in zip(stress, state.exposures, strict=True):
        initial += Fraction(unit.initial_factor) * _engine.unit_maintenance(unit, exposure, gross)
    stressed = {symbol for unit in stress for symbol in unit.symbols}
    for book in account.books:
        ask = Fraction(ask_rate(account.rules[book.asset], indexes[book.asset]))
        for position in (p for p in book.positions if p.contract.symbol not in stressed):
            mark = Fraction(marks[position.contract.symbol])
            notional = _engine.position_notional(position, mark)
            initial += notional / Fraction(position.leverage) * ask
        initial += Fraction(_loan_initial(account, book, indexes[book.asset]))
    available = state.equity - initial
    asset_available: dict[str, Decimal] = {}
    withdrawable: dict[str, Decimal] = {}
    for book in account.books:
        ask = Fraction(ask_rate(account.rules[book.asset], indexes[book.asset]))
        share = available / ask
        own = Fraction(book.wallet_balance + book.margin_balance - book.margin_loan)
        asset_available[book.asset] = _algebra.decimal(share)
        withdrawable[book.asset] = _algebra.decimal(max(Fraction(0), min(own, share)))
    equity = state.equity
    return AccountFigures(
        unit=account.valuation,
        actual_equity=_algebra.decimal(state.actual_equity),
        equity=_algebra.decimal(equity),
        maintenance_margin=_algebra.decimal(state.maintenance),
        initial_margin=_algebra.decimal(initial),
        available=_algebra.decimal(available),
        margin_ratio=_algebra.decimal(state.maintenance / equity) if equity > 0 else None,
        uni_mmr=_algebra.decimal(equity / state.maintenance) if state.maintenance else None,
        asset_available=FrozenMap(asset_available),
        max_withdrawable=FrozenMap(withdrawable),
    )


@exact
def account_status(uni_mmr: NumberLike | None, thresholds: PortfolioThresholds) -> PortfolioStatus:
    """The status band of an account ratio ``equity / maintenance`` (uniMMR).

    Args:
        uni_mmr: the ratio (``AccountFigures.uni_mmr``), or ``None`` when nothing is
            required (then ``"NORMAL"``).
        thresholds: the :class:`PortfolioThresholds`.

    Returns:
        A :data:`PortfolioStatus`.

    Raises:
        InvalidInputError: for a non-number ratio or bad thresholds.

    References:
        Binance, "Binance Portfolio Margin Pro Maintenance Margin Ratio Calculation";
        :ref:`rule-portfolio-margin` [published].

    Examples:
        >>> bands = PortfolioThresholds(liquidation="1.05", reduce_only="1.2", margin_call="1.5")
        >>> [account_status(r, bands) for r in ("1.6", "1.5", "1.2", "1.05", None)]
        ['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'LIQUIDATION', 'NORMAL']

    .. versionadded:: 0.2.0
    """
    bands = require(thresholds, PortfolioThresholds, "thresholds")
    if uni_mmr is None:
        return "NORMAL"
    ratio = to_decimal(uni_mmr, name="uni_mmr")
    if ratio <= bands.liquidation:
        return "LIQUIDATION"
    if ratio <= bands.reduce_only:
        return "REDUCE_ONLY"
    if ratio <= bands.margin_call:
        return "MARGIN_CALL"
    return "NORMAL"


@exact
def asset_equity(account: PortfolioAccount, *, mark_prices: Mapping[str, NumberLike]) -> FrozenMap:
    r"""Each asset's equity in its own unit: what is held less what is owed, with PnL.

    .. math::

        e_a = B_a - D_a + W_a + \sum_{i \in a} PnL_i(MP_i)

    A negative ``e_a`` is what a unified account borrows automatically (Bybit's
    ``|min(0, equity)|``, OKX's liability from negative equity).

    Args:
        account: the :class:`PortfolioAccount`.
        mark_prices: the mark price of every symbol the account holds.

    Returns:
        Asset → ``e_a`` (a :class:`~levrisk._fields.FrozenMap`, in book order).

    Raises:
        InvalidInputError: for a bad account or a missing or non-positive mark price.

    References:
        Bybit, "Borrowing, Interest and Repayment (Unified Trading Account)"
        (:ref:`rule-bybit-uta`); OKX, "Multi-currency margin mode: cross margin trading"
        (:ref:`rule-okx-multi-currency`) [published].

    Examples:
        Bybit's example: 50 USDT and 100 USDC, an unrealised loss of 100 USDT on a USDT
        perpetual (here a long of 1 BTC from 20,100 to 20,000):

        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.futures import Contract, Position
        >>> table = BracketTable.from_rates(
        ...     caps=[10**6], maintenance_rates=["0.005"], max_leverages=[100]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> long = Position(contract=btc, side="long", size=1, entry_price=20_100, leverage=10)
        >>> account = PortfolioAccount(
        ...     books=[
        ...         AssetBook(asset="USDT", wallet_balance=50, positions=[long]),
        ...         AssetBook(asset="USDC", wallet_balance=100),
        ...     ],
        ...     collaterals=[Collateral(asset="USDT"), Collateral(asset="USDC")],
        ... )
        >>> dict(asset_equity(account, mark_prices={"BTCUSDT": 20_000}))
        {'USDT': Decimal('-50'), 'USDC': Decimal('100')}

    .. versionadded:: 0.2.0
    """
    account = require(account, PortfolioAccount, "account")

    def no_mark(symbol: str) -> str:
        return _no_mark(symbol, mark_prices)

    marks = price_map(
        mark_prices, account.symbols, argument="mark_prices", of="symbol", missing=no_mark
    )
    equities: dict[str, Decimal] = {}
    for book in account.books:
        balance = (
            Fraction(book.margin_balance)
            - Fraction(book.margin_loan)
            + Fraction(book.wallet_balance)
        )
        for position in book.positions:
            balance += _engine.position_pnl(position, Fraction(marks[position.contract.symbol]))
        equities[book.asset] = _algebra.decimal(balance)
    return FrozenMap(equities)
