r"""Bybit's Unified Trading Account (UTA): thresholds, borrowing, interest, parsers, reconciliation.

Private: :mod:`levrisk.exchanges.bybit` re-exports every public name. The mechanics live
in :mod:`levrisk.portfolio` (:ref:`rule-bybit-uta`): a UTA in cross margin mode is a
:class:`~levrisk.portfolio.PortfolioAccount` whose collateral rules have no buffers and
carry Bybit's (tiered) collateral value ratios, whose USDT/USDC perpetuals are positions
of the USDT/USDC books, and whose spot-margin borrowings are loans with their own tiers.

Figures, in USD (Bybit, "Trading Terms and Formulas in Unified Trading Account"):
``totalEquity`` is ``AccountFigures.actual_equity`` (no collateral value ratio),
``totalMarginBalance`` is ``AccountFigures.equity`` (each coin at its ratio),
``accountMMRate`` is ``AccountFigures.margin_ratio`` (liquidation at 100 %) and
``accountIMRate`` is ``AccountFigures.initial_margin_ratio``.

Payloads: ``GET /v5/account/wallet-balance`` (``accountType=UNIFIED``) and
``GET /v5/position/list``, passed in decoded (the caller does the I/O), or the balance
structure ccxt returns for Bybit (its ``info`` holds the same response).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from levrisk._fields import non_negative_number, require
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._binance_portfolio import AccountReconciliation, _check, _grouped
from levrisk.exchanges._payload import Json
from levrisk.futures import Contract, Position
from levrisk.interest import RateSchedule, accrued_interest
from levrisk.numbers import NumberLike, exact, to_decimal
from levrisk.portfolio import AccountFigures, AssetBook, PortfolioThresholds

__all__ = [
    "UTA_INTEREST_OFFSET",
    "UTA_THRESHOLDS",
    "UtaCoin",
    "UtaWalletReport",
    "auto_borrowed",
    "reconcile_uta",
    "uta_books_from_payload",
    "uta_interest",
    "uta_positions_from_payload",
    "uta_report_from_payload",
]

UTA_THRESHOLDS: Final = PortfolioThresholds(liquidation=1, reduce_only=1, margin_call=1)
"""Bybit UTA: liquidation when the account MM rate ``MM / margin balance`` reaches 100 %,
that is ``E / MM ≤ 1`` (levrisk's level 1; no earlier band is published as a number).

Source: Bybit, "Trading Terms and Formulas in Unified Trading Account" (Account MM Rate);
:ref:`rule-bybit-uta` [published]."""

UTA_INTEREST_OFFSET: Final = timedelta(minutes=5)
"""Bybit charges UTA interest five minutes after each hour (08:05, 09:05, … UTC) on the
amount borrowed at that time.

Source: Bybit, "Borrowing, Interest and Repayment (Unified Trading Account)";
:ref:`rule-bybit-uta` [published]."""


@exact
def auto_borrowed(equity: NumberLike, *, frozen: NumberLike = 0) -> Decimal:
    r"""What a UTA borrows automatically in one coin.

    .. math::

        borrowed = \lvert \min(0,\ equity - frozen) \rvert

    with ``equity`` the coin's equity (wallet balance + perpetual and futures UPL;
    :func:`levrisk.portfolio.asset_equity`) and ``frozen`` the coin frozen by open
    orders (Portfolio Margin's formula; Cross Margin also subtracts the option terms,
    which levrisk does not model).

    Args:
        equity: the coin's equity, in the coin.
        frozen: the coin frozen by open orders (≥ 0).

    Returns:
        The borrowed amount, in the coin (≥ 0).

    Raises:
        InvalidInputError: for a non-number or a negative ``frozen``.

    References:
        Bybit, "Borrowing, Interest and Repayment (Unified Trading Account)";
        :ref:`rule-bybit-uta` [published].

    Examples:
        Bybit's two examples: an opening fee of 1.5 USDT with no USDT in the wallet, and
        50 USDT with an unrealised loss of 100 USDT:

        >>> auto_borrowed(0 - Decimal("1.5")), auto_borrowed(50 - 100)
        (Decimal('1.5'), Decimal('50'))
        >>> auto_borrowed(100)
        Decimal('0')

    .. versionadded:: 0.3.0
    """
    value = to_decimal(equity, name="equity") - non_negative_number(frozen, "frozen")
    return -min(Decimal(0), value)


def _moved_back(instant: datetime, name: str) -> datetime:
    """``instant`` on the clock moved back by ``UTA_INTEREST_OFFSET``, or InvalidInputError."""
    try:
        return instant - UTA_INTEREST_OFFSET
    except OverflowError:  # within 5 minutes of datetime.min
        msg = (
            f"{name} must be at least {UTA_INTEREST_OFFSET} after datetime.min (the HH:05 "
            f"clock moves it back), got {instant!r}"
        )
        raise InvalidInputError(msg) from None


def _shifted(schedule: RateSchedule | NumberLike) -> RateSchedule | NumberLike:
    if not isinstance(schedule, RateSchedule):
        return schedule
    return RateSchedule.from_pairs(
        (_moved_back(change.since, f"schedule.changes[{i}].since"), change.hourly_rate)
        for i, change in enumerate(schedule.changes)
    )


@exact
def uta_interest(
    principal: NumberLike,
    schedule: RateSchedule | NumberLike,
    borrowed_at: datetime,
    until: datetime,
) -> Decimal:
    r"""The interest a UTA borrowing accrues: one hour at every ``HH:05`` UTC after borrowing.

    .. math::

        interest = principal \cdot \sum_{t \in (t_0,\ t_1],\ t = HH{:}05} r(t)

    — Bybit's hourly payment ``borrowing × hourly rate`` at each charge instant, the rate
    the one in force then. Counted as levrisk's ``"clock_hour"`` rule on the clock moved
    back by ``UTA_INTEREST_OFFSET``.

    Args:
        principal: the amount borrowed (≥ 0), constant over the period.
        schedule: a :class:`~levrisk.interest.RateSchedule` or a constant hourly rate.
        borrowed_at: when the borrowing started (timezone-aware).
        until: the end of the period (timezone-aware).

    Returns:
        The interest, in the borrowed coin.

    Raises:
        InvalidInputError: for bad input (as :func:`levrisk.interest.accrued_interest`),
            or an instant within ``UTA_INTEREST_OFFSET`` of ``datetime.min``.

    References:
        Bybit, "Borrowing, Interest and Repayment (Unified Trading Account)";
        :ref:`rule-bybit-uta` [published rule; the ``HH:05`` counting derived].

    Examples:
        Borrowed at 08:30, held to 10:10: charged at 09:05 and 10:05:

        >>> from datetime import datetime, timezone
        >>> utc = timezone.utc
        >>> uta_interest(
        ...     1000,
        ...     "0.00001",
        ...     datetime(2024, 1, 1, 8, 30, tzinfo=utc),
        ...     datetime(2024, 1, 1, 10, 10, tzinfo=utc),
        ... )
        Decimal('0.02000')

    .. versionadded:: 0.3.0
    """
    start = require(borrowed_at, datetime, "borrowed_at")
    end = require(until, datetime, "until")
    return accrued_interest(
        principal,
        _shifted(schedule),
        _moved_back(start, "borrowed_at"),
        _moved_back(end, "until"),
        counting="clock_hour",
    )


# ---------------------------------------------------------------- payloads


def _unwrap(payload: Json) -> tuple[Mapping[str, Json], str]:
    """The one account object of a wallet-balance response (raw, ``result`` or ccxt's)."""
    obj = _payload.as_mapping(payload, where="payload")
    where = "payload"
    if "info" in obj:
        obj, where = _payload.as_mapping(obj["info"], where=f"{where}.info"), f"{where}.info"
    if "result" in obj:
        obj, where = _payload.as_mapping(obj["result"], where=f"{where}.result"), f"{where}.result"
    if "list" not in obj:
        return obj, where
    rows = _payload.objects(_payload.field(obj, "list", where=where), where=f"{where}.list")
    if len(rows) != 1:
        msg = f"{where}.list must hold one account, got {len(rows)}"
        raise InvalidInputError(msg)
    return rows[0][1], rows[0][0]


@attrs.frozen(kw_only=True)
class UtaCoin:
    """One coin of ``GET /v5/account/wallet-balance``, as Bybit reports it.

    Attributes:
        coin: the coin, e.g. ``"USDT"``.
        equity: ``equity`` (wallet − spot borrow + UPL).
        wallet_balance: ``walletBalance``.
        spot_borrow: ``spotBorrow`` (0 when absent).
        borrow_amount: ``borrowAmount`` (spot and derivatives liabilities).
        accrued_interest: ``accruedInterest``.
        unrealised_pnl: ``unrealisedPnl``.
        usd_value: ``usdValue``.

    .. versionadded:: 0.3.0
    """

    coin: str
    equity: Decimal
    wallet_balance: Decimal
    spot_borrow: Decimal
    borrow_amount: Decimal
    accrued_interest: Decimal
    unrealised_pnl: Decimal
    usd_value: Decimal


@attrs.frozen(kw_only=True)
class UtaWalletReport:
    """What ``GET /v5/account/wallet-balance`` reports for a unified account (USD).

    Attributes:
        account_type: ``accountType`` (``"UNIFIED"``).
        account_im_rate: ``accountIMRate`` (``None`` when reported empty).
        account_mm_rate: ``accountMMRate`` (``None`` when reported empty).
        total_equity: ``totalEquity``.
        total_wallet_balance: ``totalWalletBalance``.
        total_margin_balance: ``totalMarginBalance``.
        total_available_balance: ``totalAvailableBalance``.
        total_initial_margin: ``totalInitialMargin``.
        total_maintenance_margin: ``totalMaintenanceMargin``.
        coins: coin → :class:`UtaCoin`.

    .. versionadded:: 0.3.0
    """

    account_type: str
    account_im_rate: Decimal | None
    account_mm_rate: Decimal | None
    total_equity: Decimal
    total_wallet_balance: Decimal
    total_margin_balance: Decimal
    total_available_balance: Decimal
    total_initial_margin: Decimal
    total_maintenance_margin: Decimal
    coins: Mapping[str, UtaCoin] = attrs.field(hash=False)


def _coins(obj: Mapping[str, Json], where: str) -> list[tuple[str, Mapping[str, Json]]]:
    return _payload.objects(_payload.field(obj, "coin", where=where), where=f"{where}.coin")


def uta_report_from_payload(payload: Json) -> UtaWalletReport:
    """Read ``GET /v5/account/wallet-balance`` (``accountType=UNIFIED``).

    Accepts the whole response, its ``result``, the one account object, or ccxt's balance
    structure for Bybit (whose ``info`` is the response).

    Args:
        payload: the decoded JSON.

    Returns:
        A :class:`UtaWalletReport`.

    Raises:
        InvalidInputError: a missing field, a wrong type or not exactly one account,
            naming its path.

    References:
        Bybit API v5, "Get Wallet Balance"; :ref:`rule-bybit-uta`.

    Examples:
        >>> report = uta_report_from_payload(
        ...     {
        ...         "retCode": 0,
        ...         "result": {
        ...             "list": [
        ...                 {
        ...                     "accountType": "UNIFIED",
        ...                     "accountIMRate": "0",
        ...                     "accountMMRate": "0",
        ...                     "totalEquity": "3.31216591",
        ...                     "totalWalletBalance": "3.00326056",
        ...                     "totalMarginBalance": "3.00326056",
        ...                     "totalAvailableBalance": "3.00326056",
        ...                     "totalPerpUPL": "0",
        ...                     "totalInitialMargin": "0",
        ...                     "totalMaintenanceMargin": "0",
        ...                     "coin": [],
        ...                 }
        ...             ]
        ...         },
        ...     }
        ... )
        >>> report.total_equity, report.account_mm_rate
        (Decimal('3.31216591'), Decimal('0'))

    .. versionadded:: 0.3.0
    """
    obj, where = _unwrap(payload)

    def num(key: str) -> Decimal:
        return _payload.number(obj, key, where=where)

    coins: dict[str, UtaCoin] = {}
    for at, row in _coins(obj, where):

        def field(key: str, row: Mapping[str, Json] = row, at: str = at) -> Decimal:
            return _payload.number(row, key, where=at)

        name = _payload.text(row, "coin", where=at)
        spot = _payload.optional_number(row, "spotBorrow", where=at)
        coins[name] = UtaCoin(
            coin=name,
            equity=field("equity"),
            wallet_balance=field("walletBalance"),
            spot_borrow=Decimal(0) if spot is None else spot,
            borrow_amount=_payload.optional_number(row, "borrowAmount", where=at) or Decimal(0),
            accrued_interest=_payload.optional_number(row, "accruedInterest", where=at)
            or Decimal(0),
            unrealised_pnl=field("unrealisedPnl"),
            usd_value=field("usdValue"),
        )
    return UtaWalletReport(
        account_type=_payload.text(obj, "accountType", where=where),
        account_im_rate=_payload.optional_number(obj, "accountIMRate", where=where),
        account_mm_rate=_payload.optional_number(obj, "accountMMRate", where=where),
        total_equity=num("totalEquity"),
        total_wallet_balance=num("totalWalletBalance"),
        total_margin_balance=num("totalMarginBalance"),
        total_available_balance=num("totalAvailableBalance"),
        total_initial_margin=num("totalInitialMargin"),
        total_maintenance_margin=num("totalMaintenanceMargin"),
        coins=MappingProxyType(coins),
    )


@exact
def uta_books_from_payload(
    payload: Json, *, positions: Mapping[str, Iterable[Position]] | None = None
) -> tuple[AssetBook, ...]:
    """The asset books of a UTA from ``GET /v5/account/wallet-balance``.

    Per coin: ``walletBalance`` is the wallet and ``spotBorrow`` the loan (give its tiers
    to :class:`~levrisk.portfolio.PortfolioAccount`'s ``loan_tiers``), so the book's
    equity is Bybit's ``equity`` once the positions' PnL is added. Coins with nothing in
    them and no positions are left out.

    Args:
        payload: the decoded JSON (as :func:`uta_report_from_payload` accepts it).
        positions: settle coin → the positions settled in it (USDT perpetuals in
            ``"USDT"``, USDC perpetuals in ``"USDC"``, inverse contracts in their coin).

    Returns:
        The :class:`~levrisk.portfolio.AssetBook` values, in payload order.

    Raises:
        InvalidInputError: a missing field or a wrong type, naming its path.

    References:
        Bybit API v5, "Get Wallet Balance"; :ref:`rule-bybit-uta`.

    Examples:
        >>> books = uta_books_from_payload(
        ...     {
        ...         "accountType": "UNIFIED",
        ...         "coin": [
        ...             {"coin": "USDT", "walletBalance": "50", "spotBorrow": "0"},
        ...             {"coin": "USDC", "walletBalance": "100"},
        ...             {"coin": "BTC", "walletBalance": "0"},
        ...         ],
        ...     }
        ... )
        >>> [(book.asset, book.wallet_balance) for book in books]
        [('USDT', Decimal('50')), ('USDC', Decimal('100'))]

    .. versionadded:: 0.3.0
    """
    grouped = _grouped({} if positions is None else positions)
    obj, where = _unwrap(payload)
    books: list[AssetBook] = []
    for at, row in _coins(obj, where):
        coin = _payload.text(row, "coin", where=at)
        wallet = _payload.number(row, "walletBalance", where=at)
        loan = _payload.optional_number(row, "spotBorrow", where=at) or Decimal(0)
        held = grouped.get(coin, ())
        if wallet or loan or held:
            books.append(
                AssetBook(asset=coin, wallet_balance=wallet, margin_loan=loan, positions=held)
            )
    return tuple(books)


def uta_positions_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract]
) -> tuple[Position, ...]:
    """The open positions of ``GET /v5/position/list`` as levrisk positions.

    Reads ``symbol``, ``side`` (``"Buy"`` long, ``"Sell"`` short; empty for a closed
    slot, skipped with a zero ``size``), ``size``, ``avgPrice`` and ``leverage``.

    Args:
        payload: the decoded JSON (the response, its ``result``, or the ``list``).
        contracts: symbol → its :class:`~levrisk.futures.Contract` (kind and risk-limit
            table, e.g. from ``bybit.risk_limits_from_payload``).

    Returns:
        The positions, in payload order.

    Raises:
        InvalidInputError: a missing field, a wrong type, an unknown side or a symbol
            without a contract, naming its path.

    References:
        Bybit API v5, "Get Position Info"; :ref:`rule-bybit-uta`.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[2_000_000], maintenance_rates=["0.005"], max_leverages=[100]
        ... )
        >>> btc = Contract(symbol="BTCUSDT", kind="linear", brackets=table)
        >>> [p] = uta_positions_from_payload(
        ...     {
        ...         "list": [
        ...             {
        ...                 "symbol": "BTCUSDT",
        ...                 "side": "Sell",
        ...                 "size": "0.01",
        ...                 "avgPrice": "60000",
        ...                 "leverage": "10",
        ...             }
        ...         ]
        ...     },
        ...     contracts={"BTCUSDT": btc},
        ... )
        >>> p.side, p.size
        ('short', Decimal('0.01'))

    .. versionadded:: 0.3.0
    """
    raw: object = contracts
    if not isinstance(raw, Mapping):
        msg = f"contracts must be a mapping of symbol to Contract, got {contracts!r}"
        raise InvalidInputError(msg)
    obj: Json = payload
    where = "payload"
    if isinstance(obj, Mapping) and "result" in obj:
        obj, where = obj["result"], f"{where}.result"
    if isinstance(obj, Mapping):
        obj, where = _payload.field(obj, "list", where=where), f"{where}.list"
    result: list[Position] = []
    for at, row in _payload.objects(obj, where=where):
        size = _payload.number(row, "size", where=at)
        if not size:
            continue
        symbol = _payload.text(row, "symbol", where=at)
        side = _payload.text(row, "side", where=at)
        if side not in ("Buy", "Sell"):
            msg = f"{at}.side must be 'Buy' or 'Sell', got {side!r}"
            raise InvalidInputError(msg)
        if symbol not in contracts:
            msg = f"{at}.symbol {symbol!r} has no contract in contracts {sorted(contracts)!r}"
            raise InvalidInputError(msg)
        contract = require(contracts[symbol], Contract, f"contracts[{symbol!r}]")
        result.append(
            Position(
                contract=contract,
                side="long" if side == "Buy" else "short",
                size=size,
                entry_price=_payload.number(row, "avgPrice", where=at),
                leverage=_payload.number(row, "leverage", where=at),
            )
        )
    return tuple(result)


@exact
def reconcile_uta(figures: AccountFigures, report: UtaWalletReport) -> AccountReconciliation:
    """Compare levrisk's account figures with what Bybit reports for a UTA, figure by figure.

    Checks, named by Bybit's fields: ``accountMMRate`` (``margin_ratio``),
    ``accountIMRate`` (``initial_margin_ratio``), ``totalEquity`` (``actual_equity``) and
    ``totalMarginBalance`` (``equity``); a rate Bybit reports empty is left out. A figure
    agrees when levrisk's exact value lies within one unit of Bybit's last digit
    (``accountMMRate`` ``"0.0101"`` has four decimals).

    Args:
        figures: levrisk's :class:`~levrisk.portfolio.AccountFigures`.
        report: the :class:`UtaWalletReport` of the same account at the same prices.

    Returns:
        An ``AccountReconciliation`` (``binance.AccountReconciliation``; index it by name).

    Raises:
        InvalidInputError: for arguments of the wrong type.

    References:
        :ref:`rule-bybit-uta`; :ref:`rule-rounding`.

    Examples:
        >>> from levrisk._fields import FrozenMap
        >>> from levrisk.portfolio import AccountFigures
        >>> figures = AccountFigures(
        ...     unit="USD",
        ...     actual_equity=Decimal("150"),
        ...     equity=Decimal("150"),
        ...     maintenance_margin=Decimal("1.5"),
        ...     initial_margin=Decimal("15"),
        ...     available=Decimal("135"),
        ...     margin_ratio=Decimal("0.01"),
        ...     uni_mmr=Decimal("100"),
        ...     asset_available=FrozenMap({}),
        ...     max_withdrawable=FrozenMap({}),
        ... )
        >>> report = UtaWalletReport(
        ...     account_type="UNIFIED",
        ...     account_im_rate=Decimal("0.1"),
        ...     account_mm_rate=Decimal("0.0100"),
        ...     total_equity=Decimal("150.00"),
        ...     total_wallet_balance=Decimal("150"),
        ...     total_margin_balance=Decimal("149.90"),
        ...     total_available_balance=Decimal("135"),
        ...     total_initial_margin=Decimal("15"),
        ...     total_maintenance_margin=Decimal("1.5"),
        ...     coins={},
        ... )
        >>> [(c.name, c.agrees) for c in reconcile_uta(figures, report).checks]
        [('accountMMRate', True), ('accountIMRate', True), ('totalEquity', True), ('totalMarginBalance', False)]

    .. versionadded:: 0.3.0
    """  # noqa: E501 - a doctest's output line
    figures = require(figures, AccountFigures, "figures")
    report = require(report, UtaWalletReport, "report")
    checks = []
    if report.account_mm_rate is not None:
        checks.append(_check("accountMMRate", figures.margin_ratio, report.account_mm_rate))
    if report.account_im_rate is not None:
        checks.append(_check("accountIMRate", figures.initial_margin_ratio, report.account_im_rate))
    checks.append(_check("totalEquity", figures.actual_equity, report.total_equity))
    checks.append(_check("totalMarginBalance", figures.equity, report.total_margin_balance))
    return AccountReconciliation(checks=tuple(checks))
