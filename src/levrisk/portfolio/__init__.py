r"""Multi-collateral and unified accounts over both markets (:ref:`rule-multi-assets`).

An account whose collateral is several assets: each asset's balance counts at its index
price through a :class:`Collateral` rule (bid and ask buffers, a collateral ratio or
tiered ratios), and the maintenance and initial margin of every futures position and
margin loan are converted into one valuation currency. Binance Multi-Assets mode
(USDⓈ-M contracts settled in USDT, USDC, ... sharing one margin) and Binance Portfolio
Margin (uniMMR over spot-margin loans, USDⓈ-M and COIN-M futures,
:ref:`rule-portfolio-margin`) are two sets of data for the same mechanics; the venue's
rates, haircuts and thresholds live in :mod:`levrisk.exchanges.binance`.

The implementation is split by role: the value objects (``_model``), the one exact
evaluation (``_engine``), the figures and status (``_figures``) and the liquidation
point (``_liquidation``). Every public name is re-exported here.

Units. Index prices and every account figure are in the account's valuation currency
(``PortfolioAccount.valuation``, ``"USD"``); balances, wallets and loans are in their
own asset; PnL and requirements of a position are in its settlement asset (its book's).
"""

from __future__ import annotations

from typing import TypeAlias

from levrisk._typing import publish
from levrisk.portfolio import _model
from levrisk.portfolio._figures import account_figures, account_status, asset_equity
from levrisk.portfolio._liquidation import (
    asset_liquidation_price,
    liquidation_move,
    symbol_liquidation_price,
    underlying_liquidation_price,
)
from levrisk.portfolio._model import (
    AccountFigures,
    AssetBook,
    Collateral,
    CollateralTier,
    PortfolioAccount,
    PortfolioThresholds,
    ask_rate,
    bid_rate,
)
from levrisk.portfolio._stress import RiskUnit, scenario_loss

__all__ = [
    "AccountFigures",
    "AssetBook",
    "Collateral",
    "CollateralTier",
    "PortfolioAccount",
    "PortfolioStatus",
    "PortfolioThresholds",
    "RiskUnit",
    "account_figures",
    "account_status",
    "ask_rate",
    "asset_equity",
    "asset_liquidation_price",
    "bid_rate",
    "liquidation_move",
    "scenario_loss",
    "symbol_liquidation_price",
    "underlying_liquidation_price",
]

PortfolioStatus: TypeAlias = _model.PortfolioStatus
"""The status band of an account ratio (uniMMR's direction, higher is safer).

``"NORMAL"`` (trade freely), ``"MARGIN_CALL"`` (reminders), ``"REDUCE_ONLY"`` (no new
orders), ``"LIQUIDATION"``; see :class:`PortfolioThresholds`."""

_PUBLIC = publish(__name__, globals(), __all__)


def __dir__() -> list[str]:
    """The public names."""
    return _PUBLIC
