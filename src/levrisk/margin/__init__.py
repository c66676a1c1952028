"""Spot margin: accounts, margin level, liquidation price, trades (:ref:`rule-spot-margin`).

Borrow-and-sell shorts and borrow-and-buy longs on Binance-style spot margin: the
account value objects (:class:`IsolatedMarginAccount`, :class:`CrossMarginAccount`,
:class:`Loan`), the margin level and its Binance statuses, the liquidation price of one
moving asset, the maximum borrowable amount, trades with a full PnL breakdown after
fees and hourly interest, and Binance Cross Margin Pro. Prices are always passed in as a
mapping asset → price in one quote currency; nothing here reads a clock or the network.

The implementation is split by role, the same shape as :mod:`levrisk.futures`: the value
objects and presets (``_model``), margin level and borrowing (``_margin``), liquidation
(``_liquidation``), opening trades (``_trades``), closing and the exit-price inversion
(``_pnl``) and Cross Margin Pro (``_pro``). Every public name is re-exported here.
"""

from __future__ import annotations

from typing import Final, TypeAlias

from levrisk import _typing
from levrisk._typing import publish
from levrisk.margin import _model, _pro
from levrisk.margin._ledger import Borrow, LoanLedgerState, loan_ledger
from levrisk.margin._liquidation import liquidation_price
from levrisk.margin._margin import (
    borrow,
    collateral_margin_level,
    margin_level,
    margin_status,
    max_borrowable,
)
from levrisk.margin._model import (
    CrossMarginAccount,
    IsolatedMarginAccount,
    IsolatedTier,
    IsolatedTierTable,
    Loan,
    MarginPnL,
    MarginThresholds,
    MarginTrade,
)
from levrisk.margin._pnl import break_even_price, close
from levrisk.margin._pro import (
    pro_initial_margin,
    pro_initial_rate,
    pro_maintenance_margin,
    pro_margin_level,
    pro_max_borrowable,
)
from levrisk.margin._trades import open_long, open_short

MarginStatus: TypeAlias = _typing.MarginStatus
"""A margin account's status, by Binance's API names (``marginLevelStatus``).

Boundaries, for a margin level ``ML`` and :class:`MarginThresholds` ``t`` (checked in
this order, the first that holds wins):

- ``FORCE_LIQUIDATION``: ``ML ≤ t.liquidation``;
- ``PRE_LIQUIDATION``: ``ML ≤ t.pre_liquidation`` (only when that level is set);
- ``MARGIN_CALL``: ``ML ≤ t.margin_call``;
- ``EXCESSIVE``: ``ML > t.transfer_out`` (only when that level is set), or no
  liabilities at all (``ML`` is ``None``, "infinite");
- ``NORMAL``: otherwise."""

Side: TypeAlias = _typing.Side
"""The side of a spot-margin trade: ``"short"`` borrows base and sells it, ``"long"``
borrows quote and buys base."""

FeeConvention: TypeAlias = _typing.FeeConvention
"""How the trading fee is charged (:ref:`rule-spot-trades`).

``"quote"``: in the quote asset, ``fee_rate × notional`` (the default; e.g. fees paid
from a quote balance, or valued in quote). ``"received"``: in the asset the trade
delivers (Binance spot without BNB): a buy receives ``(1 − f)`` of the base bought, a sell
``(1 − f)`` of the quote. For a buy under ``"quote"`` the fee comes on top of the
notional; the fee is always reported by its quote value at the trade price."""

PriceMap: TypeAlias = _model.PriceMap
"""Prices of assets in one quote currency, ``{"BTC": "60000", ...}``.

The account's quote asset may be omitted (its price is 1)."""

MarginAccount: TypeAlias = _model.MarginAccount
"""Either kind of spot-margin account."""

BINANCE_CROSS_3X: Final = _model.BINANCE_CROSS_3X
"""Binance cross margin classic, 3x account: call 1.3, liquidation 1.1, IRR 1.5, transfer out 2.

Source: Binance, "Cross Margin Classic" FAQ; :ref:`rule-margin-level` [published]."""

BINANCE_CROSS_5X: Final = _model.BINANCE_CROSS_5X
"""Binance cross margin classic, 5x account: call 1.3, liquidation 1.1, IRR 1.25, transfer out 2.

Source: Binance, "Cross Margin Classic" FAQ; :ref:`rule-margin-level` [published]."""

BINANCE_ISOLATED_10X_TIER1: Final = _model.BINANCE_ISOLATED_10X_TIER1
"""Binance isolated margin, 10x pair family, tier 1: liquidation 1.05, call 1.09, IRR 1.111.

Per-pair tiers change; build current ones with :class:`IsolatedTier` from the API's
``isolatedMarginTier`` data. Source: Binance, "Isolated Margin Tiers"; :ref:`rule-margin-level`
[published]."""

PRO_LIQUIDATION_LEVEL: Final = _pro.PRO_LIQUIDATION_LEVEL
"""Cross Margin Pro liquidates at a Pro margin level ≤ 1.0.

Rule: :ref:`rule-cross-margin-pro` [published]."""


__all__ = [
    "BINANCE_CROSS_3X",
    "BINANCE_CROSS_5X",
    "BINANCE_ISOLATED_10X_TIER1",
    "PRO_LIQUIDATION_LEVEL",
    "Borrow",
    "CrossMarginAccount",
    "FeeConvention",
    "IsolatedMarginAccount",
    "IsolatedTier",
    "IsolatedTierTable",
    "Loan",
    "LoanLedgerState",
    "MarginAccount",
    "MarginPnL",
    "MarginStatus",
    "MarginThresholds",
    "MarginTrade",
    "PriceMap",
    "Side",
    "borrow",
    "break_even_price",
    "close",
    "collateral_margin_level",
    "liquidation_price",
    "loan_ledger",
    "margin_level",
    "margin_status",
    "max_borrowable",
    "open_long",
    "open_short",
    "pro_initial_margin",
    "pro_initial_rate",
    "pro_maintenance_margin",
    "pro_margin_level",
    "pro_max_borrowable",
]

_PUBLISHED: Final = publish(__name__, globals(), __all__)


def __dir__() -> list[str]:
    """The public names (:data:`__all__`)."""
    return list(_PUBLISHED)
