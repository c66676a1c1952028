r"""OKX's multi-currency and portfolio margin accounts: thresholds, parsers, reconciliation.

Private: :mod:`levrisk.exchanges.okx` re-exports every public name. The mechanics live
in :mod:`levrisk.portfolio` (:ref:`rule-okx-multi-currency`,
:ref:`rule-okx-portfolio-margin`): an OKX multi-currency account is a
:class:`~levrisk.portfolio.PortfolioAccount` whose collateral rules carry OKX's (tiered)
discount rates and no buffers; its cross positions sit in the book of their margin
currency, a currency's negative equity is its liability.

Figures, in USD (OKX, "Multi-currency margin mode: cross margin trading"; OKX API v5,
"Get balance"): ``adjEq`` is ``AccountFigures.equity``, ``imr`` and ``mmr`` are
``initial_margin`` and ``maintenance_margin``, ``mgnRatio = adjEq / mmr`` is
``AccountFigures.uni_mmr`` — OKX's ratio points the way uniMMR does (higher is safer) and
liquidation starts at 100 %.

Payloads: ``GET /api/v5/account/balance`` and ``GET /api/v5/account/positions``,
passed in decoded (the caller does the I/O), or ccxt's balance structure for OKX (its
``info`` holds the same response).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import attrs

from levrisk._fields import entries, non_negative_number, positive_number, require
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import _payload
from levrisk.exchanges._accounts import AccountReconciliation, by_asset, one_account, reconciled
from levrisk.exchanges._payload import Json
from levrisk.futures import Contract, Position
from levrisk.numbers import NumberLike, exact
from levrisk.portfolio import AccountFigures, AssetBook, PortfolioThresholds

__all__ = [
    "MULTI_CURRENCY_THRESHOLDS",
    "PM_SPOT_SHOCKS",
    "PM_SPOT_SHOCKS_OTHERS",
    "OkxBalanceDetail",
    "OkxBalanceReport",
    "balance_report_from_payload",
    "multi_currency_books_from_payload",
    "multi_currency_positions_from_payload",
    "portfolio_margin_minimum_charge",
    "portfolio_margin_unit_mmr",
    "reconcile_balance",
]

MULTI_CURRENCY_THRESHOLDS: Final = PortfolioThresholds(liquidation=1, reduce_only=1, margin_call=1)
"""OKX multi-currency and portfolio margin: liquidation when ``mgnRatio = adjEq / mmr``
reaches 100 % or less (no earlier band is published as a number).

Source: OKX API v5, "Get balance" (``mgnRatio``, ``mmr``); OKX, "Multi-currency margin mode:
cross margin trading"; :ref:`rule-okx-multi-currency` [published]."""


_BALANCE_FIELDS: Final[Mapping[str, tuple[str, str]]] = {
    "mgnRatio": ("uni_mmr", "mgn_ratio"),
    "adjEq": ("equity", "adj_eq"),
    "imr": ("initial_margin", "imr"),
    "mmr": ("maintenance_margin", "mmr"),
}


def _shocks(*moves: str) -> tuple[Decimal, ...]:
    """``±m`` for each move, ascending (the 0 % scenario included)."""
    up = [Decimal(m) for m in moves]
    return tuple(sorted({-m for m in up} | set(up)))


_MID_CAPS = ("LTC", "BCH", "EOS", "OKB", "DOT", "BSV", "LINK", "FIL", "ADA", "TRX", "UNI", "XRP")

PM_SPOT_SHOCKS: Final[Mapping[str, tuple[Decimal, ...]]] = MappingProxyType(
    {
        "BTC": _shocks("0", "0.04", "0.08", "0.12"),
        "ETH": _shocks("0", "0.04", "0.08", "0.12"),
        **dict.fromkeys(_MID_CAPS, _shocks("0", "0.06", "0.12", "0.18")),
    }
)
"""OKX portfolio margin, MR1 (spot shock): the price moves of each underlying's scenarios,
±0/4/8/12 % for BTC and ETH, ±0/6/12/18 % for LTC, BCH, EOS, OKB, DOT, BSV, LINK, FIL, ADA,
TRX, UNI and XRP (in force since 6 January 2025); pass them as
:func:`levrisk.portfolio.scenario_loss`'s ``moves``.

Source: OKX, "OKX will further adjust portfolio margin parameters" (2 January 2025);
:ref:`rule-okx-portfolio-margin` [published]."""

PM_SPOT_SHOCKS_OTHERS: Final = _shocks("0", "0.08", "0.16", "0.25")
"""OKX portfolio margin, MR1: ±0/8/16/25 % for every underlying not in ``PM_SPOT_SHOCKS``.

Source: as ``PM_SPOT_SHOCKS``; :ref:`rule-okx-portfolio-margin` [published]."""


@exact
def portfolio_margin_unit_mmr(
    mr1: NumberLike,
    *,
    mr2: NumberLike = 0,
    mr3: NumberLike = 0,
    mr4: NumberLike = 0,
    mr5: NumberLike = 0,
    mr6: NumberLike = 0,
    mr7: NumberLike = 0,
) -> Decimal:
    r"""The maintenance margin of one OKX portfolio-margin risk unit from its terms.

    .. math::

        MMR = \max\bigl(\max(MR1, MR2, MR6) + MR3 + MR4 + MR5,\ MR7\bigr)

    with MR1 the spot shock (:func:`levrisk.portfolio.scenario_loss` at
    ``PM_SPOT_SHOCKS``), MR2 the theta decay, MR3 the vega term, MR4 the basis risk, MR5
    the interest-rate risk, MR6 the extreme move and MR7 the minimum charge (scaled by
    :func:`portfolio_margin_minimum_charge`). The account's MMR is the sum over its risk
    units plus the borrowing margin. levrisk computes MR1 for delta-one products and the
    MR7 scaling; the other terms are OKX's (options' terms, basis and extreme-move
    weightings are not published as formulas levrisk could reproduce).

    Args:
        mr1: the spot-shock loss (≥ 0), USD.
        mr2: theta decay (≥ 0), USD.
        mr3: vega (≥ 0), USD.
        mr4: basis risk (≥ 0), USD.
        mr5: interest-rate risk (≥ 0), USD.
        mr6: extreme move (≥ 0), USD.
        mr7: the (scaled) minimum charge (≥ 0), USD.

    Returns:
        The risk unit's MMR, in USD.

    Raises:
        InvalidInputError: for a non-number or a negative term.

    References:
        OKX, "OKX to enhance new features in portfolio margin mode" (31 May 2024: the
        formula and its two worked examples); :ref:`rule-okx-portfolio-margin`
        [published].

    Examples:
        OKX's example of 10 BTC spot against −1,000 BTCUSDT perpetual contracts, before
        and after basis risk counted spot (MR1 to MR6 otherwise 0):

        >>> portfolio_margin_unit_mmr(0, mr7="3020.87")
        Decimal('3020.87')
        >>> portfolio_margin_unit_mmr(0, mr4="8053.32", mr7="3020.17")
        Decimal('8053.32')

    .. versionadded:: 0.2.0
    """
    terms = {"mr1": mr1, "mr2": mr2, "mr3": mr3, "mr4": mr4, "mr5": mr5, "mr6": mr6, "mr7": mr7}
    t = {name: non_negative_number(value, name) for name, value in terms.items()}
    risk = max(t["mr1"], t["mr2"], t["mr6"]) + t["mr3"] + t["mr4"] + t["mr5"]
    return max(risk, t["mr7"])


@exact
def portfolio_margin_minimum_charge(
    raw: NumberLike, tiers: Iterable[tuple[NumberLike | None, NumberLike]]
) -> Decimal:
    r"""OKX's scaled minimum charge (MR7) of a risk unit: each slice of the raw charge at its tier.

    .. math::

        MR7 = \sum_k f_k \cdot \bigl(\min(raw, c_k) - c_{k-1}\bigr)^+, \qquad c_0 = 0

    — only the part of the raw charge inside a tier is multiplied by that tier's factor.

    Args:
        raw: the raw minimum charge (≥ 0), USD.
        tiers: ``(cap, multiplier)`` pairs with increasing caps in USD, the last cap
            ``None`` (unbounded); multipliers > 0.

    Returns:
        The scaled minimum charge, in USD.

    Raises:
        InvalidInputError: for bad numbers, unordered caps or a bounded last tier.

    References:
        OKX, "OKEx adjusts scaling-factor logic in Portfolio Margin mode" (the rule and its
        worked example); OKX, "OKX will further adjust portfolio margin parameters" (the
        BTC and ETH tiers before 15 January 2025); :ref:`rule-okx-portfolio-margin`
        [published].

    Examples:
        OKX's example: a BTC risk unit with ``max(MR1, MR2, MR6) + MR3 + MR4 + MR5`` of
        40,000 USD and a raw MR7 of 30,000 USD, on the BTC/ETH tiers:

        >>> btc = [
        ...     (10_000, 1),
        ...     (70_000, 2),
        ...     (170_000, 4),
        ...     (300_000, 6),
        ...     (470_000, 8),
        ...     (700_000, 10),
        ...     (None, 12),
        ... ]
        >>> mr7 = portfolio_margin_minimum_charge(30_000, btc)
        >>> mr7, portfolio_margin_unit_mmr(40_000, mr7=mr7)
        (Decimal('50000'), Decimal('50000'))

    .. versionadded:: 0.2.0
    """
    value = non_negative_number(raw, "raw")
    rows = entries(tiers, f"tiers must be an iterable of (cap, multiplier) pairs, got {tiers!r}")
    total = Decimal(0)
    floor = Decimal(0)
    for i, row in enumerate(rows):
        if not isinstance(row, tuple) or len(row) != 2:
            msg = f"tiers[{i}] must be a (cap, multiplier) pair, got {row!r}"
            raise InvalidInputError(msg)
        last = i == len(rows) - 1
        if (row[0] is None) != last:
            msg = f"tiers[{i}] must have a cap (only the last tier is unbounded), got {row!r}"
            raise InvalidInputError(msg)
        cap = None if row[0] is None else positive_number(row[0], f"tiers[{i}] cap")
        if cap is not None and cap <= floor:
            msg = f"tiers[{i}] cap must be above {floor}, got {row[0]!r}"
            raise InvalidInputError(msg)
        factor = positive_number(row[1], f"tiers[{i}] multiplier")
        top = value if cap is None else min(value, cap)
        total += factor * max(Decimal(0), top - floor)
        floor = floor if cap is None else cap
    if not rows:
        msg = "tiers must hold at least one (cap, multiplier) pair, got none"
        raise InvalidInputError(msg)
    return total


def _details(obj: Mapping[str, Json], where: str) -> list[tuple[str, Mapping[str, Json]]]:
    return _payload.objects(_payload.field(obj, "details", where=where), where=f"{where}.details")


def _zero(obj: Mapping[str, Json], key: str, where: str) -> Decimal:
    """A number that OKX may leave empty (``""``: 0)."""
    value = _payload.optional_number(obj, key, where=where)
    return Decimal(0) if value is None else value


@attrs.frozen(kw_only=True)
class OkxBalanceDetail:
    """One currency of ``GET /api/v5/account/balance``, as OKX reports it.

    Attributes:
        ccy: the currency.
        eq: ``eq``, the currency's equity.
        cash_bal: ``cashBal``.
        upl: ``upl`` (0 when empty).
        liab: ``liab`` (0 when empty).
        interest: ``interest``, accrued (0 when empty).
        dis_eq: ``disEq``, the discounted equity in USD (``None`` when empty).
        eq_usd: ``eqUsd`` (``None`` when empty).

    .. versionadded:: 0.2.0
    """

    ccy: str
    eq: Decimal
    cash_bal: Decimal
    upl: Decimal
    liab: Decimal
    interest: Decimal
    dis_eq: Decimal | None
    eq_usd: Decimal | None


@attrs.frozen(kw_only=True)
class OkxBalanceReport:
    """What ``GET /api/v5/account/balance`` reports (USD; ``None`` where OKX sends ``""``).

    Attributes:
        total_eq: ``totalEq``.
        adj_eq: ``adjEq``.
        imr: ``imr``.
        mmr: ``mmr``.
        mgn_ratio: ``mgnRatio`` (empty when nothing is required).
        details: currency → :class:`OkxBalanceDetail`.

    .. versionadded:: 0.2.0
    """

    total_eq: Decimal
    adj_eq: Decimal | None
    imr: Decimal | None
    mmr: Decimal | None
    mgn_ratio: Decimal | None
    details: Mapping[str, OkxBalanceDetail] = attrs.field(hash=False)


def balance_report_from_payload(payload: Json) -> OkxBalanceReport:
    """Read ``GET /api/v5/account/balance`` (the response, one account, or ccxt's balance).

    Args:
        payload: the decoded JSON.

    Returns:
        An :class:`OkxBalanceReport`.

    Raises:
        InvalidInputError: a missing field, a wrong type or not exactly one account,
            naming its path.

    References:
        OKX API v5, "Get balance"; :ref:`rule-okx-multi-currency`.

    Examples:
        OKX's own response example (fields levrisk does not read left out):

        >>> report = balance_report_from_payload(
        ...     {
        ...         "code": "0",
        ...         "data": [
        ...             {
        ...                 "adjEq": "55415.624719833286",
        ...                 "imr": "0",
        ...                 "mmr": "0",
        ...                 "mgnRatio": "",
        ...                 "totalEq": "55837.43556134779",
        ...                 "details": [
        ...                     {
        ...                         "ccy": "USDT",
        ...                         "eq": "4992.890093622894",
        ...                         "cashBal": "4850.435693622894",
        ...                         "upl": "-7.545600000000006",
        ...                         "liab": "0",
        ...                         "interest": "0",
        ...                         "disEq": "4991.542013297616",
        ...                         "eqUsd": "4991.542013297616",
        ...                     }
        ...                 ],
        ...             }
        ...         ],
        ...         "msg": "",
        ...     }
        ... )
        >>> report.adj_eq, report.mgn_ratio, report.details["USDT"].upl
        (Decimal('55415.624719833286'), None, Decimal('-7.545600000000006'))

    .. versionadded:: 0.2.0
    """
    obj, where = one_account(payload, "data")
    details: dict[str, OkxBalanceDetail] = {}
    for at, row in _details(obj, where):
        ccy = _payload.text(row, "ccy", where=at)
        details[ccy] = OkxBalanceDetail(
            ccy=ccy,
            eq=_payload.number(row, "eq", where=at),
            cash_bal=_payload.number(row, "cashBal", where=at),
            upl=_zero(row, "upl", at),
            liab=_zero(row, "liab", at),
            interest=_zero(row, "interest", at),
            dis_eq=_payload.optional_number(row, "disEq", where=at),
            eq_usd=_payload.optional_number(row, "eqUsd", where=at),
        )

    def optional(key: str) -> Decimal | None:
        return _payload.optional_number(obj, key, where=where)

    return OkxBalanceReport(
        total_eq=_payload.number(obj, "totalEq", where=where),
        adj_eq=optional("adjEq"),
        imr=optional("imr"),
        mmr=optional("mmr"),
        mgn_ratio=optional("mgnRatio"),
        details=MappingProxyType(details),
    )


@exact
def multi_currency_books_from_payload(
    payload: Json, *, positions: Mapping[str, Iterable[Position]] | None = None
) -> tuple[AssetBook, ...]:
    """The asset books of an OKX multi-currency account from ``GET /api/v5/account/balance``.

    Per currency: ``cashBal − interest`` is the wallet, so the book's equity is OKX's
    ``eq`` (``Balance + Floating PnL − Accrued interest``) once the cross positions' PnL
    is added; a negative equity is the currency's liability. Currencies with nothing in
    them and no positions are left out.

    Args:
        payload: the decoded JSON (as :func:`balance_report_from_payload` accepts it).
        positions: currency → the cross positions margined in it (for example from
            :func:`multi_currency_positions_from_payload`).

    Returns:
        The :class:`~levrisk.portfolio.AssetBook` values, in payload order.

    Raises:
        InvalidInputError: a missing field or a wrong type, naming its path.

    References:
        OKX, "Multi-currency margin mode: cross margin trading"; OKX API v5, "Get
        balance"; :ref:`rule-okx-multi-currency`.

    Examples:
        >>> books = multi_currency_books_from_payload(
        ...     {
        ...         "totalEq": "0",
        ...         "details": [
        ...             {"ccy": "USDT", "eq": "-50", "cashBal": "-49", "interest": "1"},
        ...             {"ccy": "BTC", "eq": "0", "cashBal": "0", "interest": ""},
        ...         ],
        ...     }
        ... )
        >>> [(book.asset, book.wallet_balance) for book in books]
        [('USDT', Decimal('-50'))]

    .. versionadded:: 0.2.0
    """
    grouped = by_asset(positions)
    obj, where = one_account(payload, "data")
    books: list[AssetBook] = []
    for at, row in _details(obj, where):
        ccy = _payload.text(row, "ccy", where=at)
        wallet = _payload.number(row, "cashBal", where=at) - _zero(row, "interest", at)
        held = grouped.get(ccy, ())
        if wallet or held:
            books.append(AssetBook(asset=ccy, wallet_balance=wallet, positions=held))
    return tuple(books)


def multi_currency_positions_from_payload(
    payload: Json, *, contracts: Mapping[str, Contract]
) -> dict[str, tuple[Position, ...]]:
    """The cross positions of ``GET /api/v5/account/positions``, by margin currency.

    Reads ``instId``, ``mgnMode`` (isolated positions are left out: they are not part of
    the cross account), ``posSide`` (``"long"``/``"short"``, or ``"net"`` with the sign
    of ``pos``), ``pos`` (contracts), ``avgPx``, ``lever`` and ``ccy``.

    Args:
        payload: the decoded JSON (the response or its ``data`` list).
        contracts: ``instId`` → its :class:`~levrisk.futures.Contract`, with
            ``contract_size`` OKX's ``ctVal``.

    Returns:
        Margin currency → its cross positions, in payload order.

    Raises:
        InvalidInputError: a missing field, a wrong type, an unknown ``posSide`` or an
            instrument without a contract, naming its path.

    References:
        OKX API v5, "Get positions"; :ref:`rule-okx-multi-currency`.

    Examples:
        >>> from levrisk.brackets import BracketTable
        >>> table = BracketTable.from_rates(
        ...     caps=[10**7], maintenance_rates=["0.004"], max_leverages=[100]
        ... )
        >>> swap = Contract(
        ...     symbol="BTC-USDT-SWAP", kind="linear", brackets=table, contract_size="0.01"
        ... )
        >>> held = multi_currency_positions_from_payload(
        ...     {
        ...         "code": "0",
        ...         "data": [
        ...             {
        ...                 "instId": "BTC-USDT-SWAP",
        ...                 "mgnMode": "cross",
        ...                 "posSide": "net",
        ...                 "pos": "-3",
        ...                 "avgPx": "60000",
        ...                 "lever": "10",
        ...                 "ccy": "USDT",
        ...             }
        ...         ],
        ...     },
        ...     contracts={"BTC-USDT-SWAP": swap},
        ... )
        >>> [(p.side, p.size) for p in held["USDT"]]
        [('short', Decimal('3'))]

    .. versionadded:: 0.2.0
    """
    raw: object = contracts
    if not isinstance(raw, Mapping):
        msg = f"contracts must be a mapping of instId to Contract, got {contracts!r}"
        raise InvalidInputError(msg)
    obj: Json = payload
    where = "payload"
    if isinstance(obj, Mapping):
        obj, where = _payload.field(obj, "data", where=where), f"{where}.data"
    result: dict[str, list[Position]] = {}
    for at, row in _payload.objects(obj, where=where):
        size = _payload.number(row, "pos", where=at)
        if not size or _payload.text(row, "mgnMode", where=at) != "cross":
            continue
        inst = _payload.text(row, "instId", where=at)
        pos_side = _payload.text(row, "posSide", where=at)
        if pos_side not in ("long", "short", "net"):
            msg = f"{at}.posSide must be 'long', 'short' or 'net', got {pos_side!r}"
            raise InvalidInputError(msg)
        if inst not in contracts:
            msg = f"{at}.instId {inst!r} has no contract in contracts {sorted(contracts)!r}"
            raise InvalidInputError(msg)
        long = pos_side == "long" or (pos_side == "net" and size > 0)
        position = Position(
            contract=require(contracts[inst], Contract, f"contracts[{inst!r}]"),
            side="long" if long else "short",
            size=abs(size),
            entry_price=_payload.number(row, "avgPx", where=at),
            leverage=_payload.number(row, "lever", where=at),
        )
        result.setdefault(_payload.text(row, "ccy", where=at), []).append(position)
    return {ccy: tuple(group) for ccy, group in result.items()}


@exact
def reconcile_balance(figures: AccountFigures, report: OkxBalanceReport) -> AccountReconciliation:
    """Compare levrisk's account figures with what OKX reports, figure by figure.

    Checks, named by OKX's fields, each left out when OKX reports it empty: ``mgnRatio``
    (``uni_mmr``), ``adjEq`` (``equity``), ``imr`` (``initial_margin``) and ``mmr``
    (``maintenance_margin``). A figure agrees when levrisk's exact value lies within one
    unit of OKX's last digit. In portfolio margin mode OKX's ``mmr`` comes from its
    stress scenarios, which levrisk does not model: compare ``adjEq`` there.

    Args:
        figures: levrisk's :class:`~levrisk.portfolio.AccountFigures`.
        report: the :class:`OkxBalanceReport` of the same account at the same prices.

    Returns:
        An ``AccountReconciliation`` (``binance.AccountReconciliation``; index it by name).

    Raises:
        InvalidInputError: for arguments of the wrong type.

    References:
        OKX API v5, "Get balance"; :ref:`rule-okx-multi-currency`; :ref:`rule-rounding`.

    Examples:
        A USDT-only account with nothing required (OKX leaves ``mgnRatio`` empty):

        >>> from levrisk.portfolio import Collateral, PortfolioAccount, account_figures
        >>> account = PortfolioAccount(
        ...     books=[AssetBook(asset="USDT", wallet_balance=1000)],
        ...     collaterals=[Collateral(asset="USDT")],
        ... )
        >>> figures = account_figures(account, mark_prices={}, index_prices={"USDT": 1})
        >>> report = balance_report_from_payload(
        ...     {"totalEq": "1000", "adjEq": "1000.0", "imr": "0", "mmr": "0", "details": []}
        ... )
        >>> checked = reconcile_balance(figures, report)
        >>> [check.name for check in checked.checks], checked.agrees
        (['adjEq', 'imr', 'mmr'], True)

    .. versionadded:: 0.2.0
    """
    return reconciled(figures, report, OkxBalanceReport, _BALANCE_FIELDS)
