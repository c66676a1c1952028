r"""Risk tools: sizing for a risk budget, stops before liquidation, scenarios and stress.

The seed guide's risk management turned into numbers, for spot margin (``levrisk.margin``)
and perpetual futures (``levrisk.futures``):

- **sizing** for a risk budget — the quantity that loses exactly ``equity × risk
  fraction`` at the stop, fees (and interest) included, rounded down to a lot step:
  :func:`futures_position_size`, :func:`margin_position_size`;
- **stops and targets** — the exit price for a target loss or profit (or ROE):
  :func:`futures_stop_price`, :func:`futures_take_profit_price`,
  :func:`margin_stop_price`, :func:`margin_take_profit_price`; the
  :func:`risk_reward_ratio`;
- **the stop check** — does the stop fire before liquidation, with a buffer
  (:class:`StopCheck` from :func:`check_stop`, :func:`check_futures_stop`,
  :func:`check_margin_stop`), the highest whole leverage for which it does
  (:func:`max_futures_leverage_for_stop`, :func:`max_margin_leverage_for_stop`) and the
  largest size, continuous (:func:`max_futures_size_for_stop`,
  :func:`max_margin_size_for_stop`);
- **liquidation outcome** — what is lost if liquidated, clearance fee included
  (:class:`LiquidationOutcome`);
- **scenario tables** over a price grid (and hours of interest) —
  :func:`futures_scenarios`, :func:`margin_scenarios` — and **stress** of a cross
  account with the move that liquidates it first — :func:`stress_margin_account`,
  :func:`uniform_move_to_liquidation`, :func:`asset_moves_to_liquidation` (spot margin),
  :func:`stress_futures_account`, :func:`futures_uniform_move_to_liquidation`,
  :func:`symbol_moves_to_liquidation` (futures) — as frozen rows that ``attrs.asdict``
  turns into dicts.

The regular way in is one submodule per market with the same names for the same
concepts — :mod:`levrisk.risk.futures` and :mod:`levrisk.risk.margin` each have
``position_size``, ``stop_price``, ``take_profit_price``, ``check_stop``,
``max_leverage_for_stop``, ``max_size_for_stop``, ``liquidation_outcome``, ``scenarios``
(rows ``Scenario``), ``stress`` (rows ``StressRow``), ``uniform_move_to_liquidation`` and
``moves_to_liquidation`` (per symbol, per asset). The prefixed names above stay here as
aliases of these (``futures_position_size is futures.position_size``).

Everything is exact ``Decimal`` arithmetic; prices are quote per base, and amounts are
in the settlement unit of the market (quote for spot margin and linear futures, the
coin for inverse futures).
"""

from __future__ import annotations

from typing import Final, TypeAlias

from levrisk import _typing
from levrisk._typing import publish
from levrisk.risk import _common, futures, margin
from levrisk.risk._common import (
    AssetMove,
    LiquidationOutcome,
    StopCheck,
    check_stop,
    risk_reward_ratio,
)
from levrisk.risk.futures import Scenario as FuturesScenario
from levrisk.risk.futures import StressRow as FuturesStressRow
from levrisk.risk.futures import check_stop as check_futures_stop
from levrisk.risk.futures import liquidation_outcome as futures_liquidation_outcome
from levrisk.risk.futures import max_leverage_for_stop as max_futures_leverage_for_stop
from levrisk.risk.futures import max_size_for_stop as max_futures_size_for_stop
from levrisk.risk.futures import moves_to_liquidation as symbol_moves_to_liquidation
from levrisk.risk.futures import position_size as futures_position_size
from levrisk.risk.futures import scenarios as futures_scenarios
from levrisk.risk.futures import stop_price as futures_stop_price
from levrisk.risk.futures import stress as stress_futures_account
from levrisk.risk.futures import take_profit_price as futures_take_profit_price
from levrisk.risk.futures import (
    uniform_move_to_liquidation as futures_uniform_move_to_liquidation,
)
from levrisk.risk.margin import Scenario as MarginScenario
from levrisk.risk.margin import StressRow, uniform_move_to_liquidation
from levrisk.risk.margin import check_stop as check_margin_stop
from levrisk.risk.margin import liquidation_outcome as margin_liquidation_outcome
from levrisk.risk.margin import max_leverage_for_stop as max_margin_leverage_for_stop
from levrisk.risk.margin import max_size_for_stop as max_margin_size_for_stop
from levrisk.risk.margin import moves_to_liquidation as asset_moves_to_liquidation
from levrisk.risk.margin import position_size as margin_position_size
from levrisk.risk.margin import scenarios as margin_scenarios
from levrisk.risk.margin import stop_price as margin_stop_price
from levrisk.risk.margin import stress as stress_margin_account
from levrisk.risk.margin import take_profit_price as margin_take_profit_price

FuturesStatus: TypeAlias = _typing.FuturesStatus
"""The state of a futures position at a price, on Binance's margin-ratio convention.

``"NORMAL"``: margin ratio below 1 (100 %); ``"LIQUIDATION"``: margin ratio at or above 1
while the margin balance is still positive; ``"BANKRUPT"``: margin balance ≤ 0 (the margin
is gone and the ratio has no meaning)."""

SPOT_LIQUIDATION_FEE_RATE: Final = _common.SPOT_LIQUIDATION_FEE_RATE
"""The liquidation clearance fee of Binance cross margin classic and isolated margin, 2 %.

Charged on the liabilities by :func:`levrisk.risk.margin.liquidation_outcome` (the base
is derived)."""

PRO_LIQUIDATION_FEE_RATE: Final = _common.PRO_LIQUIDATION_FEE_RATE
"""The liquidation clearance fee of Binance Cross Margin Pro, 3 %."""

_SHARED = [
    "AssetMove",
    "LiquidationOutcome",
    "StopCheck",
    "check_stop",
    "risk_reward_ratio",
]
"""What both markets use, defined in the private ``_common`` and documented here."""

__all__ = [
    "PRO_LIQUIDATION_FEE_RATE",
    "SPOT_LIQUIDATION_FEE_RATE",
    "AssetMove",
    "FuturesScenario",
    "FuturesStatus",
    "FuturesStressRow",
    "LiquidationOutcome",
    "MarginScenario",
    "StopCheck",
    "StressRow",
    "asset_moves_to_liquidation",
    "check_futures_stop",
    "check_margin_stop",
    "check_stop",
    "futures",
    "futures_liquidation_outcome",
    "futures_position_size",
    "futures_scenarios",
    "futures_stop_price",
    "futures_take_profit_price",
    "futures_uniform_move_to_liquidation",
    "margin",
    "margin_liquidation_outcome",
    "margin_position_size",
    "margin_scenarios",
    "margin_stop_price",
    "margin_take_profit_price",
    "max_futures_leverage_for_stop",
    "max_futures_size_for_stop",
    "max_margin_leverage_for_stop",
    "max_margin_size_for_stop",
    "risk_reward_ratio",
    "stress_futures_account",
    "stress_margin_account",
    "symbol_moves_to_liquidation",
    "uniform_move_to_liquidation",
]

publish(__name__, globals(), _SHARED)
_PUBLIC = sorted(__all__)


def __dir__() -> list[str]:
    """The public names: the shared ones, the old spellings, and the two submodules."""
    return _PUBLIC
