r"""Perpetual futures: linear and inverse, isolated and cross, one-way and hedge.

Margin, PnL, ROE, margin ratio, funding, and the liquidation and bankruptcy prices of
Binance USDⓈ-M (linear) and COIN-M (inverse) perpetuals (:ref:`rule-futures`), with the
liquidation condition of other venues expressible as a :class:`LiquidationRule`
(:ref:`rule-venues`).

Units. A :class:`Contract` of kind ``"linear"`` counts size in base units times the
contract size (Binance USDⓈ-M: contract size 1, size in BTC); PnL, margin and notional
are in the quote asset. A contract of kind ``"inverse"`` counts size in contracts, each
worth ``contract_size`` quote units (BTCUSD_PERP: 100 USD); PnL, margin and notional are
in the base coin. Bracket tables are in that notional unit: ``Q·P`` quote (linear),
``N·CS/P`` coin (inverse). Above a table's highest cap (a position whose notional grew
with the price), the last bracket is extrapolated.

Signs. ``side`` is ``"long"`` (s = +1) or ``"short"`` (s = −1). A positive PnL is a
gain; a positive :func:`funding_payment` is paid by the position.
"""

from __future__ import annotations

from typing import TypeAlias

from levrisk import _typing
from levrisk._typing import publish
from levrisk.futures import _funding, _walk
from levrisk.futures._funding import (
    Fill,
    FundingCharge,
    FundingEvent,
    FundingLife,
    FundingSchedule,
    funding_break_even_price,
    funding_over_life,
)
from levrisk.futures._ledger import (
    LedgerEvent,
    LedgerState,
    LegState,
    MarginTransfer,
    replay,
)
from levrisk.futures._liquidation import (
    bankruptcy_price,
    cross_liquidation_price,
    isolated_liquidation_price,
)
from levrisk.futures._margin import (
    adjust_isolated_margin,
    cost_to_open,
    cross_margin_ratio,
    initial_margin,
    maintenance_margin,
    margin_ratio,
    max_open_quantity,
    max_removable_margin,
    notional,
)
from levrisk.futures._model import Contract, CrossAccount, LiquidationRule, OpenCost, Position
from levrisk.futures._pnl import (
    average_entry_price,
    break_even_price,
    funding_payment,
    realized_pnl,
    roe,
    target_price,
    unrealized_pnl,
)
from levrisk.futures._preview import (
    CrossOrderPreview,
    Order,
    OrderPreview,
    preview_cross,
    preview_isolated,
)
from levrisk.futures._walk import (
    Bar,
    WalkResult,
    walk,
)

SettlementOrder: TypeAlias = _funding.SettlementOrder
"""Which comes first at a funding settlement instant: ``"funding_first"`` (the position held
just before the instant pays or receives; a fill at the instant comes after) or
``"fills_first"``."""

WalkEvent: TypeAlias = _walk.WalkEvent
"""What ends a walk over bars: ``"liquidation"``, ``"stop"`` or ``"take_profit"``."""

Intrabar: TypeAlias = _walk.Intrabar
"""Which level a bar reaches first when several lie inside it: ``"worst"`` (liquidation or
stop before take-profit, the default) or ``"best"``."""

__all__ = [
    "Bar",
    "CloseFeeBasis",
    "Contract",
    "ContractKind",
    "CrossAccount",
    "CrossOrderPreview",
    "Fill",
    "FundingCharge",
    "FundingEvent",
    "FundingLife",
    "FundingSchedule",
    "HedgeMaintenance",
    "Intrabar",
    "LedgerEvent",
    "LedgerState",
    "LegState",
    "LiquidationRule",
    "MaintenanceBasis",
    "MarginBasis",
    "MarginTransfer",
    "OpenCost",
    "Order",
    "OrderPreview",
    "Position",
    "PositionMode",
    "SettlementOrder",
    "Side",
    "WalkEvent",
    "WalkResult",
    "adjust_isolated_margin",
    "average_entry_price",
    "bankruptcy_price",
    "break_even_price",
    "cost_to_open",
    "cross_liquidation_price",
    "cross_margin_ratio",
    "funding_break_even_price",
    "funding_over_life",
    "funding_payment",
    "initial_margin",
    "isolated_liquidation_price",
    "maintenance_margin",
    "margin_ratio",
    "max_open_quantity",
    "max_removable_margin",
    "notional",
    "preview_cross",
    "preview_isolated",
    "realized_pnl",
    "replay",
    "roe",
    "target_price",
    "unrealized_pnl",
    "walk",
]

Side: TypeAlias = _typing.Side
"""The side of a position: ``"long"`` (s = +1) or ``"short"`` (s = −1)."""

ContractKind: TypeAlias = _typing.ContractKind
"""``"linear"`` (quote-margined, PnL in quote) or ``"inverse"`` (coin-margined, PnL in coin)."""

PositionMode: TypeAlias = _typing.PositionMode
"""``"one_way"`` (one net position per symbol) or ``"hedge"`` (a long and a short per symbol)."""

MaintenanceBasis: TypeAlias = _typing.MaintenanceBasis
"""Whether a liquidation rule values maintenance margin at the mark price or at entry."""

CloseFeeBasis: TypeAlias = _typing.CloseFeeBasis
"""Whether a liquidation rule reserves a closing fee, valued at mark or at bankruptcy."""

HedgeMaintenance: TypeAlias = _typing.HedgeMaintenance
"""How a hedged pair's maintenance is rated: each leg alone, or both at the larger leg's rate."""

MarginBasis: TypeAlias = _typing.MarginBasis
"""The price an initial margin is valued at: entry (the calculator's) or mark."""

_PUBLIC = publish(__name__, globals(), __all__)


def __dir__() -> list[str]:
    """The public names."""
    return _PUBLIC
