r"""Binance multi-collateral accounts: Multi-Assets mode and Portfolio Margin data and parsers.

Private: :mod:`levrisk.exchanges.binance` re-exports every public name. The mechanics
live in :mod:`levrisk.portfolio`; here are Binance's thresholds, the parsers of its
payloads (passed in as decoded JSON: the caller does the I/O) and the account-level
reconciliation of levrisk's exact figures with the figures Binance reports.

Payloads: ``GET /fapi/v1/assetIndex`` (Multi-Assets mode's index, bid/ask buffers and
rates), ``GET /fapi/v2/account`` and ``/fapi/v3/account`` (per-asset wallet and
unrealised PnL, account totals), ``GET /papi/v1/account`` (uniMMR, account equity,
actual equity, maintenance margin, status) and ``GET /papi/v1/balance`` (per-asset
cross-margin balance and loan, UM and CM wallets).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from levrisk._fields import FrozenMap, require
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._accounts import AccountCheck, AccountReconciliation, by_asset, check
from levrisk.exchanges._payload import Json
from levrisk.futures import Position
from levrisk.numbers import exact
from levrisk.portfolio import AccountFigures, AssetBook, Collateral, PortfolioThresholds

__all__ = [
    "MULTI_ASSETS_THRESHOLDS",
    "PORTFOLIO_MARGIN_LOAN_RATES",
    "PORTFOLIO_MARGIN_THRESHOLDS",
    "AccountCheck",
    "AccountReconciliation",
    "AssetIndexRow",
    "MultiAssetsReport",
    "PortfolioMarginReport",
    "asset_index_from_payload",
    "multi_assets_books_from_payload",
    "multi_assets_report_from_payload",
    "portfolio_margin_books_from_payload",
    "portfolio_margin_report_from_payload",
    "reconcile_account",
]

PORTFOLIO_MARGIN_THRESHOLDS: Final = PortfolioThresholds(
    liquidation="1.05", reduce_only="1.2", margin_call="1.5"
)
"""Binance Portfolio Margin's uniMMR bands: trade freely above 150 %, reminders down to
120 %, no new orders down to 105 %, liquidation at 105 % and below.

Source: Binance, "Binance Portfolio Margin Pro Maintenance Margin Ratio Calculation";
:ref:`rule-portfolio-margin` [published]."""

MULTI_ASSETS_THRESHOLDS: Final = PortfolioThresholds(liquidation=1, reduce_only=1, margin_call=1)
"""Binance Multi-Assets mode: liquidation when the account margin ratio ``MM/E`` reaches
100 %, that is ``E/MM ≤ 1`` (the page publishes no earlier band).

Source: Binance, "How to Calculate Margin in Multi-Assets Mode"; :ref:`rule-multi-assets`
[published]."""

PORTFOLIO_MARGIN_LOAN_RATES: Final[Mapping[int, Decimal]] = MappingProxyType(
    {3: Decimal("0.10"), 5: Decimal("0.08"), 10: Decimal("0.05")}
)
"""Classic Portfolio Margin: a margin loan's maintenance rate by the chosen leverage
(``MarginMM = loan × MMR``). Build a loan table with ``BracketTable.from_rates``.

Source: Binance, "Binance Classic Portfolio Margin Maintenance Margin Ratio
Calculation" (also "... Portfolio Margin Pro ..."); :ref:`rule-portfolio-margin`
[published]."""


# ---------------------------------------------------------------- asset index


@attrs.frozen(kw_only=True)
class AssetIndexRow:
    """One asset of ``GET /fapi/v1/assetIndex``, as Binance reports it.

    Attributes:
        asset: the asset (the symbol without its ``USD`` suffix: ``ADAUSD`` → ``ADA``).
        index: the index price in USD.
        bid_buffer: ``bidBuffer``.
        ask_buffer: ``askBuffer``.
        bid_rate: ``bidRate`` (``index × (1 − bidBuffer)``, as Binance rounds it).
        ask_rate: ``askRate`` (``index × (1 + askBuffer)``, as Binance rounds it).

    .. versionadded:: 0.2.0
    """

    asset: str
    index: Decimal
    bid_buffer: Decimal
    ask_buffer: Decimal
    bid_rate: Decimal
    ask_rate: Decimal

    @property
    def collateral(self) -> Collateral:
        """The asset's :class:`~levrisk.portfolio.Collateral` rule (its buffers)."""
        return Collateral(asset=self.asset, bid_buffer=self.bid_buffer, ask_buffer=self.ask_buffer)


@exact
def asset_index_from_payload(payload: Json) -> dict[str, AssetIndexRow]:
    """Read ``GET /fapi/v1/assetIndex`` (one object, or the list of every asset).

    The buffers are Binance's haircuts of Multi-Assets mode: an asset counts at its bid
    rate ``index × (1 − bidBuffer)`` when held and at its ask rate
    ``index × (1 + askBuffer)`` when owed (ADA's ``bidBuffer`` 0.10 is the 90 % value
    ratio Binance's Multi-Assets page quotes for ADA).

    Args:
        payload: the decoded JSON.

    Returns:
        Asset → :class:`AssetIndexRow`; pass ``row.collateral`` to a
        :class:`~levrisk.portfolio.PortfolioAccount` and ``row.index`` as its index price.

    Raises:
        InvalidInputError: a missing field, a wrong type, or a symbol not ending in
            ``USD``, naming its path.

    References:
        Binance API, "Multi-Assets Mode Asset Index"; :ref:`rule-multi-assets` [published].

    Examples:
        >>> rows = asset_index_from_payload(
        ...     {
        ...         "symbol": "ADAUSD",
        ...         "time": 1635740268004,
        ...         "index": "1.92957370",
        ...         "bidBuffer": "0.10000000",
        ...         "askBuffer": "0.10000000",
        ...         "bidRate": "1.73661633",
        ...         "askRate": "2.12253107",
        ...     }
        ... )
        >>> from levrisk.portfolio import bid_rate
        >>> bid_rate(rows["ADA"].collateral, rows["ADA"].index) == rows["ADA"].bid_rate
        True

    .. versionadded:: 0.2.0
    """
    items = payload if isinstance(payload, (list, tuple)) else [payload]
    rows: dict[str, AssetIndexRow] = {}
    for where, obj in _payload.objects(items, where="payload"):
        symbol = _payload.text(obj, "symbol", where=where)
        if not symbol.endswith("USD") or symbol == "USD":
            msg = f"{where}.symbol must be an asset's USD pair like 'ADAUSD', got {symbol!r}"
            raise InvalidInputError(msg)
        asset = symbol[: -len("USD")]
        rows[asset] = AssetIndexRow(
            asset=asset,
            index=_payload.number(obj, "index", where=where),
            bid_buffer=_payload.number(obj, "bidBuffer", where=where),
            ask_buffer=_payload.number(obj, "askBuffer", where=where),
            bid_rate=_payload.number(obj, "bidRate", where=where),
            ask_rate=_payload.number(obj, "askRate", where=where),
        )
    return rows


# ---------------------------------------------------------------- reports


@attrs.frozen(kw_only=True)
class MultiAssetsReport:
    """What ``GET /fapi/v2/account`` (or v3) reports for a Multi-Assets account.

    Attributes:
        multi_assets: the ``multiAssetsMargin`` flag when the payload carries it.
        equity: ``totalMarginBalance`` (USD in Multi-Assets mode).
        maintenance_margin: ``totalMaintMargin``.
        initial_margin: ``totalInitialMargin``.
        available: ``availableBalance``.
        wallets: asset → ``walletBalance``.
        unrealized: asset → ``unrealizedProfit``.
        asset_available: asset → its ``availableBalance``.

    .. versionadded:: 0.2.0
    """

    multi_assets: bool | None
    equity: Decimal
    maintenance_margin: Decimal
    initial_margin: Decimal
    available: Decimal
    wallets: FrozenMap
    unrealized: FrozenMap
    asset_available: FrozenMap


def _assets(obj: Mapping[str, Json], *, where: str) -> list[tuple[str, Mapping[str, Json]]]:
    return _payload.objects(_payload.field(obj, "assets", where=where), where=f"{where}.assets")


def multi_assets_report_from_payload(payload: Json) -> MultiAssetsReport:
    """Read the account figures of ``GET /fapi/v2/account`` or ``/fapi/v3/account``.

    Args:
        payload: the decoded JSON object.

    Returns:
        A :class:`MultiAssetsReport` (``multi_assets`` is ``None`` when the payload has no
        ``multiAssetsMargin`` flag).

    Raises:
        InvalidInputError: a missing field or a wrong type, naming its path.

    References:
        Binance API, "Account Information V2" / "V3"; :ref:`rule-multi-assets`.

    Examples:
        >>> report = multi_assets_report_from_payload(
        ...     {
        ...         "totalInitialMargin": "340.49500000",
        ...         "totalMaintMargin": "199.59600000",
        ...         "totalMarginBalance": "416.02000000",
        ...         "availableBalance": "76.52500000",
        ...         "assets": [
        ...             {
        ...                 "asset": "USDT",
        ...                 "walletBalance": "200.00000000",
        ...                 "unrealizedProfit": "0.00000000",
        ...                 "availableBalance": "76.91341273",
        ...             }
        ...         ],
        ...     }
        ... )
        >>> report.equity, report.wallets["USDT"]
        (Decimal('416.02000000'), Decimal('200.00000000'))

    .. versionadded:: 0.2.0
    """
    obj = _payload.as_mapping(payload, where="payload")
    flag = obj.get("multiAssetsMargin")
    if flag is not None and not isinstance(flag, bool):
        msg = f"payload.multiAssetsMargin must be a boolean, got {flag!r}"
        raise InvalidInputError(msg)
    wallets: dict[str, Decimal] = {}
    unrealized: dict[str, Decimal] = {}
    available: dict[str, Decimal] = {}
    for where, row in _assets(obj, where="payload"):
        asset = _payload.text(row, "asset", where=where)
        wallets[asset] = _payload.number(row, "walletBalance", where=where)
        unrealized[asset] = _payload.number(row, "unrealizedProfit", where=where)
        available[asset] = _payload.number(row, "availableBalance", where=where)
    return MultiAssetsReport(
        multi_assets=flag,
        equity=_payload.number(obj, "totalMarginBalance", where="payload"),
        maintenance_margin=_payload.number(obj, "totalMaintMargin", where="payload"),
        initial_margin=_payload.number(obj, "totalInitialMargin", where="payload"),
        available=_payload.number(obj, "availableBalance", where="payload"),
        wallets=FrozenMap(wallets),
        unrealized=FrozenMap(unrealized),
        asset_available=FrozenMap(available),
    )


def multi_assets_books_from_payload(
    payload: Json, *, positions: Mapping[str, Iterable[Position]] | None = None
) -> tuple[AssetBook, ...]:
    """The asset books of a Multi-Assets account from ``GET /fapi/v2/account`` (or v3).

    Each asset's ``walletBalance`` becomes its book's wallet; assets with a zero wallet
    and no positions are left out.

    Args:
        payload: the decoded JSON object.
        positions: settlement asset → the cross positions settled in it (for example
            from ``position_risks_from_payload``); the account payload alone does not
            carry entry prices in v3.

    Returns:
        The :class:`~levrisk.portfolio.AssetBook` values, in payload order.

    Raises:
        InvalidInputError: a missing field or a wrong type, naming its path.

    References:
        Binance API, "Account Information V2" / "V3"; :ref:`rule-multi-assets`.

    Examples:
        >>> usdt, bnb = (
        ...     {"asset": "USDT", "walletBalance": "200"},
        ...     {"asset": "BNB", "walletBalance": "0"},
        ... )
        >>> books = multi_assets_books_from_payload({"assets": [usdt, bnb]})
        >>> [(book.asset, book.wallet_balance) for book in books]
        [('USDT', Decimal('200'))]

    .. versionadded:: 0.2.0
    """
    grouped = by_asset(positions)
    obj = _payload.as_mapping(payload, where="payload")
    books: list[AssetBook] = []
    for where, row in _assets(obj, where="payload"):
        asset = _payload.text(row, "asset", where=where)
        wallet = _payload.number(row, "walletBalance", where=where)
        held = grouped.get(asset, ())
        if wallet or held:
            books.append(AssetBook(asset=asset, wallet_balance=wallet, positions=held))
    return tuple(books)


@attrs.frozen(kw_only=True)
class PortfolioMarginReport:
    """What ``GET /papi/v1/account`` reports for a Portfolio Margin account (USD).

    Attributes:
        uni_mmr: ``uniMMR``.
        equity: ``accountEquity`` (with collateral rates).
        actual_equity: ``actualEquity`` (without collateral rates).
        initial_margin: ``accountInitialMargin``.
        maintenance_margin: ``accountMaintMargin``.
        status: ``accountStatus`` (``"NORMAL"``, ``"MARGIN_CALL"``, ``"SUPPLY_MARGIN"``,
            ``"REDUCE_ONLY"``, ``"ACTIVE_LIQUIDATION"``, ``"FORCE_LIQUIDATION"``,
            ``"BANKRUPTED"``).
        max_withdraw: ``virtualMaxWithdrawAmount``.
        available: ``totalAvailableBalance`` (``None`` when reported empty).

    .. versionadded:: 0.2.0
    """

    uni_mmr: Decimal
    equity: Decimal
    actual_equity: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    status: str
    max_withdraw: Decimal
    available: Decimal | None


def portfolio_margin_report_from_payload(payload: Json) -> PortfolioMarginReport:
    """Read ``GET /papi/v1/account``.

    Args:
        payload: the decoded JSON object.

    Returns:
        A :class:`PortfolioMarginReport` (``available`` is ``None`` when Binance sends
        ``totalAvailableBalance`` empty).

    Raises:
        InvalidInputError: a missing field or a wrong type, naming its path.

    References:
        Binance API, "Portfolio Margin — Account Information"; :ref:`rule-portfolio-margin`.

    Examples:
        >>> report = portfolio_margin_report_from_payload(
        ...     {
        ...         "uniMMR": "5167.92171923",
        ...         "accountEquity": "122607.35137903",
        ...         "actualEquity": "73.47428058",
        ...         "accountInitialMargin": "23.72469206",
        ...         "accountMaintMargin": "23.72469206",
        ...         "accountStatus": "NORMAL",
        ...         "virtualMaxWithdrawAmount": "1627523.32459208",
        ...         "totalAvailableBalance": "",
        ...         "totalMarginOpenLoss": "",
        ...         "updateTime": 1657707212154,
        ...     }
        ... )
        >>> report.uni_mmr, report.available
        (Decimal('5167.92171923'), None)

    .. versionadded:: 0.2.0
    """
    obj = _payload.as_mapping(payload, where="payload")

    def num(key: str) -> Decimal:
        return _payload.number(obj, key, where="payload")

    return PortfolioMarginReport(
        uni_mmr=num("uniMMR"),
        equity=num("accountEquity"),
        actual_equity=num("actualEquity"),
        initial_margin=num("accountInitialMargin"),
        maintenance_margin=num("accountMaintMargin"),
        status=_payload.text(obj, "accountStatus", where="payload"),
        max_withdraw=num("virtualMaxWithdrawAmount"),
        available=_payload.optional_number(obj, "totalAvailableBalance", where="payload"),
    )


@exact
def portfolio_margin_books_from_payload(
    payload: Json, *, positions: Mapping[str, Iterable[Position]] | None = None
) -> tuple[AssetBook, ...]:
    """The asset books of a Portfolio Margin account from ``GET /papi/v1/balance``.

    Per asset: ``crossMarginAsset`` is the cross-margin balance, ``crossMarginBorrowed +
    crossMarginInterest`` the loan, ``umWalletBalance + cmWalletBalance`` the futures
    wallet. Assets with nothing in them and no positions are left out.

    Args:
        payload: the decoded JSON (one object, or the list of every asset).
        positions: settlement asset → the positions settled in it (USDⓈ-M in USDT or
            USDC, COIN-M in their coin).

    Returns:
        The :class:`~levrisk.portfolio.AssetBook` values, in payload order.

    Raises:
        InvalidInputError: a missing field or a wrong type, naming its path.

    References:
        Binance API, "Portfolio Margin — Account Balance"; :ref:`rule-portfolio-margin`.

    Examples:
        One asset of a ``/papi/v1/balance`` response:

        >>> usdt = {
        ...     "asset": "USDT",
        ...     "totalWalletBalance": "122607.35137903",
        ...     "crossMarginAsset": "92.27530794",
        ...     "crossMarginBorrowed": "10.00000000",
        ...     "crossMarginFree": "100.00000000",
        ...     "crossMarginInterest": "0.72469206",
        ...     "crossMarginLocked": "3.00000000",
        ...     "umWalletBalance": "0.00000000",
        ...     "umUnrealizedPNL": "23.72469206",
        ...     "cmWalletBalance": "23.72469206",
        ...     "cmUnrealizedPNL": "",
        ...     "updateTime": 1617939110373,
        ...     "negativeBalance": "0",
        ... }
        >>> books = portfolio_margin_books_from_payload([usdt])
        >>> books[0].margin_loan, books[0].wallet_balance
        (Decimal('10.72469206'), Decimal('23.72469206'))

    .. versionadded:: 0.2.0
    """
    grouped = by_asset(positions)
    items = payload if isinstance(payload, (list, tuple)) else [payload]
    books: list[AssetBook] = []
    for where, row in _payload.objects(items, where="payload"):

        def num(key: str, row: Mapping[str, Json] = row, where: str = where) -> Decimal:
            return _payload.number(row, key, where=where)

        asset = _payload.text(row, "asset", where=where)
        held = grouped.get(asset, ())
        book = AssetBook(
            asset=asset,
            wallet_balance=num("umWalletBalance") + num("cmWalletBalance"),
            margin_balance=num("crossMarginAsset"),
            margin_loan=num("crossMarginBorrowed") + num("crossMarginInterest"),
            positions=held,
        )
        if book.wallet_balance or book.margin_balance or book.margin_loan or held:
            books.append(book)
    return tuple(books)


# ---------------------------------------------------------------- reconciliation


@exact
def reconcile_account(
    figures: AccountFigures, report: MultiAssetsReport | PortfolioMarginReport
) -> AccountReconciliation:
    r"""Compare levrisk's account figures with what Binance reports, figure by figure.

    A figure agrees when levrisk's exact value lies within one unit of the last digit
    Binance reports (``416.02000000`` agrees with anything in ``(416.01999999,
    416.02000001)``): Binance rounds its figures, levrisk does not.

    Multi-Assets (:class:`MultiAssetsReport`): ``margin_ratio`` (Binance's own
    ``totalMaintMargin / totalMarginBalance``, agreeing when both parts agree),
    ``equity``, ``maintenance_margin``, ``available``. Portfolio Margin
    (:class:`PortfolioMarginReport`): ``uni_mmr``, ``equity``, ``maintenance_margin`` and
    ``available`` when reported.

    Args:
        figures: levrisk's :class:`~levrisk.portfolio.AccountFigures`.
        report: the parsed report of the same account at the same prices.

    Returns:
        An :class:`AccountReconciliation`.

    Raises:
        InvalidInputError: for arguments of the wrong type.

    References:
        :ref:`rule-multi-assets`, :ref:`rule-portfolio-margin`; :ref:`rule-rounding`.

    Examples:
        A Portfolio Margin account of 1 BTC at 95 % backing a 10,000 USDT loan at the
        10x loan rate, against a report whose maintenance margin is 0.02 off:

        >>> from levrisk.brackets import BracketTable
        >>> from levrisk.portfolio import Collateral, PortfolioAccount, account_figures
        >>> rate = PORTFOLIO_MARGIN_LOAN_RATES[10]
        >>> loans = BracketTable.from_rates(
        ...     caps=[10**7], maintenance_rates=[rate], max_leverages=[10]
        ... )
        >>> btc, usdt = (
        ...     AssetBook(asset="BTC", margin_balance=1),
        ...     AssetBook(asset="USDT", margin_loan=10_000),
        ... )
        >>> account = PortfolioAccount(
        ...     books=[btc, usdt],
        ...     collaterals=[Collateral(asset="BTC", ratio="0.95"), Collateral(asset="USDT")],
        ...     loan_tiers={"USDT": loans},
        ... )
        >>> prices = {"BTC": 30_000, "USDT": 1}
        >>> figures = account_figures(account, mark_prices={}, index_prices=prices)
        >>> report = portfolio_margin_report_from_payload(
        ...     {
        ...         "uniMMR": "37.00000000",
        ...         "accountEquity": "18500",
        ...         "actualEquity": "20000",
        ...         "accountInitialMargin": "5000",
        ...         "accountMaintMargin": "499.98",
        ...         "accountStatus": "NORMAL",
        ...         "virtualMaxWithdrawAmount": "0",
        ...     }
        ... )
        >>> [(c.name, c.agrees) for c in reconcile_account(figures, report).checks]
        [('uni_mmr', True), ('equity', True), ('maintenance_margin', False)]

    .. versionadded:: 0.2.0
    """
    figures = require(figures, AccountFigures, "figures")
    if isinstance(report, MultiAssetsReport):
        equity = check("equity", figures.equity, report.equity)
        mm = check("maintenance_margin", figures.maintenance_margin, report.maintenance_margin)
        ratio = report.maintenance_margin / report.equity if report.equity > 0 else Decimal(0)
        ratio_check = AccountCheck(
            name="margin_ratio",
            levrisk=figures.margin_ratio,
            exchange=ratio,
            agrees=figures.margin_ratio is not None and equity.agrees and mm.agrees,
        )
        checks = [ratio_check, equity, mm, check("available", figures.available, report.available)]
    elif isinstance(report, PortfolioMarginReport):
        checks = [
            check("uni_mmr", figures.uni_mmr, report.uni_mmr),
            check("equity", figures.equity, report.equity),
            check("maintenance_margin", figures.maintenance_margin, report.maintenance_margin),
        ]
        if report.available is not None:
            checks.append(check("available", figures.available, report.available))
    else:
        msg = f"report must be a MultiAssetsReport or a PortfolioMarginReport, got {report!r}"
        raise InvalidInputError(msg)
    return AccountReconciliation(checks=tuple(checks))
