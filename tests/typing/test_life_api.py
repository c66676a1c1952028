"""Type-level checks of the life-of-a-position API (mypy checks this file; pytest never runs it)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
from typing_extensions import assert_type

from levrisk.batch._walker import WalkArrays, walk_bars
from levrisk.exchanges._funding_rules import (
    binance_funding_schedule,
    bybit_funding_schedule,
    okx_funding_schedule,
)
from levrisk.exchanges.binance import BTCUSDT_CONTRACT as btc  # noqa: N811 - the docs' spelling
from levrisk.futures import CrossAccount, Position
from levrisk.futures._funding import (
    Fill,
    FundingEvent,
    FundingLife,
    FundingSchedule,
    funding_break_even_price,
    funding_over_life,
)
from levrisk.futures._ledger import LedgerState, MarginTransfer, replay
from levrisk.futures._preview import (
    CrossOrderPreview,
    Order,
    OrderPreview,
    preview_cross,
    preview_isolated,
)
from levrisk.futures._walk import Bar, WalkResult, walk
from levrisk.interest import Repayment
from levrisk.margin._ledger import Borrow, LoanLedgerState, loan_ledger

t = datetime(2024, 1, 1, tzinfo=timezone.utc)
schedule = FundingSchedule(interval=timedelta(hours=8))
fills = [Fill(at=t, side="long", size=1, price=100)]
events = [FundingEvent(at=t, rate="0.0001", mark_price=100)]
pos = Position(contract=btc, side="long", size=1, entry_price=100, leverage=10)

assert_type(schedule.clamp("0.1"), Decimal)
assert_type(schedule.settlements(t, t), tuple[datetime, ...])
assert_type(funding_over_life(btc, fills, events, schedule=schedule), FundingLife)
assert_type(
    funding_break_even_price(pos, open_fee_rate=0, close_fee_rate=0, funding_paid=1),
    Decimal | None,
)
assert_type(binance_funding_schedule(), FundingSchedule)
assert_type(bybit_funding_schedule({"fundingInterval": 480}), FundingSchedule)
assert_type(okx_funding_schedule({"fundingTime": 1, "nextFundingTime": 2}), FundingSchedule)
assert_type(
    replay(btc, [*fills, MarginTransfer(at=t, amount=1)], leverage=10), tuple[LedgerState, ...]
)
order = Order(side="long", size=1, price=100)
assert_type(preview_isolated(btc, order, available=1, mark_price=100, leverage=10), OrderPreview)
assert_type(
    preview_cross(
        CrossAccount(wallet_balance=1, positions=[]),
        order,
        contract=btc,
        mark_prices={"BTCUSDT": 100},
        leverage=10,
    ),
    CrossOrderPreview,
)
assert_type(walk(pos, margin=10, bars=[Bar(open=1, high=1, low=1, close=1)]), WalkResult | None)
assert_type(
    walk_bars(
        side=np.array([1]),
        size=np.array([1.0]),
        entry_price=np.array([1.0]),
        margin=np.array([1.0]),
        brackets=btc.brackets,
        open=np.array([1.0]),
        high=np.array([1.0]),
        low=np.array([1.0]),
    ),
    WalkArrays,
)
assert_type(
    loan_ledger([Borrow(at=t, amount=1), Repayment(at=t, amount=1)], "0.0001"),
    tuple[LoanLedgerState, ...],
)
