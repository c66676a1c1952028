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
  :func:`check_margin_stop`), and the highest whole leverage for which it does
  (:func:`max_futures_leverage_for_stop`, :func:`max_margin_leverage_for_stop`);
- **liquidation outcome** — what is lost if liquidated, clearance fee included
  (:class:`LiquidationOutcome`);
- **scenario tables** over a price grid (and hours of interest) —
  :func:`futures_scenarios`, :func:`margin_scenarios` — and **stress** of a cross
  account with the move that liquidates it first — :func:`stress_margin_account`,
  :func:`uniform_move_to_liquidation`, :func:`asset_moves_to_liquidation` (spot margin),
  :func:`stress_futures_account`, :func:`futures_uniform_move_to_liquidation`,
  :func:`symbol_moves_to_liquidation` (futures) — as frozen rows that ``attrs.asdict``
  turns into dicts.

Everything is exact ``Decimal`` arithmetic; prices are quote per base, and amounts are
in the settlement unit of the market (quote for spot margin and linear futures, the
coin for inverse futures).
"""

from __future__ import annotations

from types import FunctionType, GenericAlias
from typing import Final, TypeAlias

from levrisk.risk import _common as _risk_core
from levrisk.risk import futures as _risk_futures
from levrisk.risk._common import (
    AssetMove,
    LiquidationOutcome,
    StopCheck,
    check_stop,
    risk_reward_ratio,
)
from levrisk.risk.futures import (
    FuturesScenario,
    FuturesStressRow,
    check_futures_stop,
    futures_liquidation_outcome,
    futures_position_size,
    futures_scenarios,
    futures_stop_price,
    futures_take_profit_price,
    futures_uniform_move_to_liquidation,
    max_futures_leverage_for_stop,
    stress_futures_account,
    symbol_moves_to_liquidation,
)
from levrisk.risk.margin import (
    MarginScenario,
    StressRow,
    asset_moves_to_liquidation,
    check_margin_stop,
    margin_liquidation_outcome,
    margin_position_size,
    margin_scenarios,
    margin_stop_price,
    margin_take_profit_price,
    max_margin_leverage_for_stop,
    stress_margin_account,
    uniform_move_to_liquidation,
)

FuturesStatus: TypeAlias = _risk_futures.FuturesStatus
"""The state of a futures position at a price, on Binance's margin-ratio convention.

``"NORMAL"``: margin ratio below 1 (100 %); ``"LIQUIDATION"``: margin ratio at or above 1
while the margin balance is still positive; ``"BANKRUPT"``: margin balance ≤ 0 (the margin
is gone and the ratio has no meaning)."""

SPOT_LIQUIDATION_FEE_RATE: Final = _risk_core.SPOT_LIQUIDATION_FEE_RATE
"""The liquidation clearance fee of Binance cross margin classic and isolated margin, 2 %.

Charged on the liabilities by :func:`margin_liquidation_outcome` (the base is derived)."""

PRO_LIQUIDATION_FEE_RATE: Final = _risk_core.PRO_LIQUIDATION_FEE_RATE
"""The liquidation clearance fee of Binance Cross Margin Pro, 3 %."""

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
    "futures_liquidation_outcome",
    "futures_position_size",
    "futures_scenarios",
    "futures_stop_price",
    "futures_take_profit_price",
    "futures_uniform_move_to_liquidation",
    "margin_liquidation_outcome",
    "margin_position_size",
    "margin_scenarios",
    "margin_stop_price",
    "margin_take_profit_price",
    "max_futures_leverage_for_stop",
    "max_margin_leverage_for_stop",
    "risk_reward_ratio",
    "stress_futures_account",
    "stress_margin_account",
    "symbol_moves_to_liquidation",
    "uniform_move_to_liquidation",
]

for _name in __all__:
    _obj = globals()[_name]
    # (on Python 3.10 a parametrised generic passes isinstance(_, type))
    if isinstance(_obj, (type, FunctionType)) and not isinstance(_obj, GenericAlias):
        _obj.__module__ = __name__  # document and cross-reference as levrisk.risk.<name>
