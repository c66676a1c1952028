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
from levrisk.exchanges._accounts import AccountReconciliation, by_asset, one_account, reconciled
from levrisk.exchanges._payload import Json
from levrisk.futures import Contract, Position
from levrisk.interest import RateSchedule, accrued_interest
from levrisk.numbers import NumberLike, exact, to_decimal
from levrisk.portfolio import (
    AccountFigures,
    AssetBook,
    Collateral,
    CollateralTier,
    PortfolioThresholds,
)

__all__ = [
    "UTA_INTEREST_OFFSET",
    "UTA_THRESHOLDS",
    "UtaCoin",
    "UtaWalletReport",
    "auto_borrowed",
    "reconcile_uta",
    "uta_books_from_payload",
    "uta_collateral_from_payload",
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


_UTA_FIELDS = {
    "accountMMRate": ("margin_ratio", "account_mm_rate"),
    "accountIMRate": ("initial_margin_ratio", "account_im_rate"),
    "totalEquity": ("actual_equity", "total_equity"),
    "totalMarginBalance": ("equity", "total_margin_balance"),
}


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

    .. versionadded:: 0.2.0
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

    .. versionadded:: 0.2.0
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

    .. versionadded:: 0.2.0
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
        total_margin_balance: ``totalMarginBalance`` (``None`` when reported empty, as
            for an account whose positions are all isolated).
        total_available_balance: ``totalAvailableBalance`` (``None`` when empty).
        total_initial_margin: ``totalInitialMargin`` (``None`` when empty).
        total_maintenance_margin: ``totalMaintenanceMargin`` (``None`` when empty).
        coins: coin → :class:`UtaCoin`.

    .. versionadded:: 0.2.0
    """

    account_type: str
    account_im_rate: Decimal | None
    account_mm_rate: Decimal | None
    total_equity: Decimal
    total_wallet_balance: Decimal
    coins: Mapping[str, UtaCoin] = attrs.field(hash=False)
    total_margin_balance: Decimal | None
    total_available_balance: Decimal | None
    total_initial_margin: Decimal | None
    total_maintenance_margin: Decimal | None


def uta_report_from_payload(payload: Json) -> UtaWalletReport:
    """Read ``GET /v5/account/wallet-balance`` (``accountType=UNIFIED``).

    Accepts the whole response, its ``result``, the one account object, or ccxt's balance
    structure for Bybit (whose ``info`` is the response).

    Args:
        payload: the decoded JSON.

    Returns:
        A :class:`UtaWalletReport`; the account totals Bybit leaves empty (an account whose
        positions are all isolated) are ``None``.

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

    .. versionadded:: 0.2.0
    """
    obj, where = one_account(payload, "result", "list")

    def num(key: str) -> Decimal:
        return _payload.number(obj, key, where=where)

    def optional(key: str) -> Decimal | None:
        return _payload.optional_number(obj, key, where=where)

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
        coins=MappingProxyType(coins),
        account_im_rate=optional("accountIMRate"),
        account_mm_rate=optional("accountMMRate"),
        total_equity=num("totalEquity"),
        total_wallet_balance=num("totalWalletBalance"),
        total_margin_balance=optional("totalMarginBalance"),
        total_available_balance=optional("totalAvailableBalance"),
        total_initial_margin=optional("totalInitialMargin"),
        total_maintenance_margin=optional("totalMaintenanceMargin"),
    )


def _coins(obj: Mapping[str, Json], where: str) -> list[tuple[str, Mapping[str, Json]]]:
    return _payload.objects(_payload.field(obj, "coin", where=where), where=f"{where}.coin")


def _listed(payload: Json) -> tuple[Json, str]:
    """The ``list`` of a v5 response (the response, its ``result``, or the list itself)."""
    obj: Json = payload
    where = "payload"
    if isinstance(obj, Mapping) and "result" in obj:
        obj, where = obj["result"], f"{where}.result"
    if isinstance(obj, Mapping):
        obj, where = _payload.field(obj, "list", where=where), f"{where}.list"
    return obj, where


def uta_collateral_from_payload(payload: Json) -> dict[str, Collateral]:
    r"""Read Bybit's tiered collateral ratios (``GET /v5/spot-margin-trade/collateral``).

    Each coin's ``collateralRatioList`` tiers its quantity: the slice of the coin held
    between ``minQty`` and ``maxQty`` (in the coin; ``maxQty`` empty for the last, unbounded
    tier) counts at its ``collateralRatio``, so ``n`` coins at index ``I`` are worth

    .. math::

        v(n) = I \sum_k r_k \cdot \bigl(\min(n, max_k) - min_k\bigr)^+

    as :class:`~levrisk.portfolio.Collateral` with ``quantity_tiers`` computes it.

    Args:
        payload: the decoded JSON (the response, its ``result``, or its ``list``).

    Returns:
        Coin → its :class:`~levrisk.portfolio.Collateral` rule.

    Raises:
        InvalidInputError: a missing field, a wrong type, a tier whose ``minQty`` is not
            the previous tier's ``maxQty`` (the first starts at 0), or a bounded last tier,
            naming its path.

    References:
        Bybit API v5, "Get Tiered Collateral Ratio"; :ref:`rule-bybit-uta` [published].

    Examples:
        Bybit's response example: BTC counts at 85 % up to 1,000,000 BTC, at 0 above.

        >>> rules = uta_collateral_from_payload(
        ...     {
        ...         "retCode": 0,
        ...         "result": {
        ...             "list": [
        ...                 {
        ...                     "currency": "BTC",
        ...                     "collateralRatioList": [
        ...                         {"minQty": "0", "maxQty": "1000000", "collateralRatio": "0.85"},
        ...                         {"minQty": "1000000", "maxQty": "", "collateralRatio": "0"},
        ...                     ],
        ...                 }
        ...             ]
        ...         },
        ...     }
        ... )
        >>> [(tier.cap, tier.ratio) for tier in rules["BTC"].tiers]
        [(Decimal('1000000'), Decimal('0.85')), (None, Decimal('0'))]

    .. versionadded:: 0.2.0
    """
    obj, where = _listed(payload)
    rules: dict[str, Collateral] = {}
    for at, row in _payload.objects(obj, where=where):
        coin = _payload.text(row, "currency", where=at)
        tiers: list[CollateralTier] = []
        floor = Decimal(0)
        path = f"{at}.collateralRatioList"
        listed = _payload.objects(_payload.field(row, "collateralRatioList", where=at), where=path)
        for i, (tier_at, tier) in enumerate(listed):
            low = _payload.number(tier, "minQty", where=tier_at)
            cap = _payload.optional_number(tier, "maxQty", where=tier_at)
            if low != floor or (cap is None and i != len(listed) - 1):
                msg = f"{tier_at} must run on from {floor} (a last tier unbounded), got {tier!r}"
                raise InvalidInputError(msg)
            ratio = _payload.number(tier, "collateralRatio", where=tier_at)
            tiers.append(CollateralTier(ratio=ratio, cap=cap))
            floor = floor if cap is None else cap
        if not tiers or tiers[-1].cap is not None:
            last = f"{len(tiers)} tiers up to {floor}"
            msg = f'{path} must end with an unbounded tier (maxQty ""), got {last}'
            raise InvalidInputError(msg)
        rules[coin] = Collateral(asset=coin, tiers=tiers, quantity_tiers=True)
    return rules


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

    .. versionadded:: 0.2.0
    """
    grouped = by_asset(positions)
    obj, where = one_account(payload, "result", "list")
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

    .. versionadded:: 0.2.0
    """
    raw: object = contracts
    if not isinstance(raw, Mapping):
        msg = f"contracts must be a mapping of symbol to Contract, got {contracts!r}"
        raise InvalidInputError(msg)
    obj, where = _listed(payload)
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
        An ``AccountReconciliation`` (``binance.AccountReconciliation``); index it by
        Bybit's field name, e.g. ``["accountMMRate"]``.

    Raises:
        InvalidInputError: for a ``figures`` or a ``report`` of the wrong type.

    References:
        :ref:`rule-bybit-uta`; :ref:`rule-rounding`.

    Examples:
        150 USDT and 0.01 BTC counted at 90 %, against a report whose margin balance
        is 0.1 off:

        >>> from levrisk.portfolio import Collateral, PortfolioAccount, account_figures
        >>> account = PortfolioAccount(
        ...     books=[
        ...         AssetBook(asset="USDT", wallet_balance=150),
        ...         AssetBook(asset="BTC", wallet_balance="0.01"),
        ...     ],
        ...     collaterals=[Collateral(asset="USDT"), Collateral(asset="BTC", ratio="0.9")],
        ... )
        >>> figures = account_figures(
        ...     account, mark_prices={}, index_prices={"USDT": 1, "BTC": 60_000}
        ... )
        >>> wallet = {"accountType": "UNIFIED", "accountMMRate": "0", "accountIMRate": "0"}
        >>> totals = {"totalEquity": "750.00", "totalWalletBalance": "750"}
        >>> report = uta_report_from_payload(
        ...     {**wallet, **totals, "totalMarginBalance": "690.1", "coin": []}
        ... )
        >>> checked = reconcile_uta(figures, report)
        >>> [check.name for check in checked.checks if not check.agrees]
        ['totalMarginBalance']

    .. versionadded:: 0.2.0
    """
    return reconciled(figures, report, UtaWalletReport, _UTA_FIELDS)
