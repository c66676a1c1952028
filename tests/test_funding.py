"""Tests of funding over a position's life and the venues' funding rules (rule-funding)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges._funding_rules import (
    BINANCE_AT_SETTLEMENT,
    binance_funding_schedule,
    bybit_funding_schedule,
    okx_funding_schedule,
)
from levrisk.exchanges.binance import BTCUSDT_CONTRACT as BTC
from levrisk.futures import Contract, Position, break_even_price
from levrisk.futures._funding import (
    Fill,
    FundingEvent,
    FundingSchedule,
    funding_break_even_price,
    funding_over_life,
)

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)
NAIVE = datetime(2024, 1, 1)  # noqa: DTZ001 - a naive datetime on purpose
EIGHT = FundingSchedule(interval=timedelta(hours=8))
COIN = Contract(
    symbol="BTCUSD_PERP",
    kind="inverse",
    contract_size=100,
    brackets=BracketTable.from_rates(caps=[50], maintenance_rates=["0.004"], max_leverages=[125]),
    margin_asset="BTC",
)


def fill(hours: float, side: str, size: Any, price: Any = 40_000, **kw: Any) -> Fill:
    """A fill ``hours`` after T0."""
    return Fill(at=T0 + timedelta(hours=hours), side=side, size=size, price=price, **kw)  # type: ignore[arg-type]


def event(hours: float, rate: Any = "0.0001", mark: Any = 40_000) -> FundingEvent:
    """A settlement ``hours`` after T0."""
    return FundingEvent(at=T0 + timedelta(hours=hours), rate=rate, mark_price=mark)


class TestSchedule:
    """rule-funding: settlement instants every interval from the anchor; the cap and floor."""

    def test_settlements_every_eight_hours(self) -> None:
        """00:00, 08:00, 16:00 UTC; both ends inclusive."""
        got = EIGHT.settlements(T0, T0 + timedelta(hours=16))
        assert got == (T0, T0 + timedelta(hours=8), T0 + timedelta(hours=16))

    def test_settlements_from_inside_an_interval(self) -> None:
        """The first instant is the next one after an off-grid start."""
        got = EIGHT.settlements(T0 + timedelta(hours=1), T0 + timedelta(hours=9))
        assert got == (T0 + timedelta(hours=8),)

    def test_is_settlement(self) -> None:
        """08:00 is an instant of an 8-hour schedule, 04:00 is not."""
        assert EIGHT.is_settlement(T0 + timedelta(hours=8))
        assert not EIGHT.is_settlement(T0 + timedelta(hours=4))

    @pytest.mark.parametrize(
        ("rate", "expected"),
        [("0.03", "0.02"), ("-0.05", "-0.02"), ("0.001", "0.001")],
        ids=["capped", "floored", "inside"],
    )
    def test_clamp(self, rate: str, expected: str) -> None:
        """A rate outside [floor, cap] settles at the bound."""
        schedule = FundingSchedule(interval=timedelta(hours=4), cap="0.02", floor="-0.02")
        assert schedule.clamp(rate) == Decimal(expected)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"interval": timedelta(0)}, "interval must be a positive timedelta"),
            ({"interval": 8}, "interval must be a positive timedelta"),
            ({"interval": timedelta(hours=8), "cap": "0.01", "floor": "0.02"}, "floor must not"),
            ({"interval": timedelta(hours=8), "anchor": NAIVE}, "anchor must be"),
            ({"interval": timedelta(hours=8), "at_settlement": "never"}, "at_settlement must"),
        ],
        ids=["zero", "not-timedelta", "floor-above-cap", "naive-anchor", "order"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Out-of-domain schedules raise InvalidInputError naming the field."""
        with pytest.raises(InvalidInputError, match=match):
            FundingSchedule(**kwargs)


class TestFundingOverLife:
    """rule-funding: each settlement charges s·notional(MP)·clamp(r) on the size held then."""

    def test_one_settlement_by_hand(self) -> None:
        """A 2 BTC long at a 40,000 mark and 0.01 % pays 2·40,000·0.0001 = 8 USDT."""
        life = funding_over_life(BTC, [fill(-1, "long", 2)], [event(0)], schedule=EIGHT)
        assert life.total == Decimal(8)
        (charge,) = life.charges
        assert (charge.side, charge.size, charge.rate) == ("long", Decimal(2), Decimal("0.0001"))

    def test_size_changes_between_settlements(self) -> None:
        """Long 2, settle (8), add 1, settle at 41,000 (12.3), sell 4, settle short 1 (−4.2)."""
        fills = [fill(-1, "long", 2), fill(4, "long", 1), fill(12, "short", 4)]
        events = [event(0), event(8, mark=41_000), event(16, mark=42_000)]
        life = funding_over_life(BTC, fills, events, schedule=EIGHT)
        assert [c.payment for c in life.charges] == [
            Decimal(8),
            Decimal("12.3"),
            Decimal("-4.2"),
        ]
        assert life.total == Decimal("16.1")
        assert life.charges[-1].side == "short"

    def test_negative_rate_short_pays(self) -> None:
        """With a negative rate the short pays: −1·40,000·(−0.0001) = 4."""
        life = funding_over_life(BTC, [fill(-1, "short", 1)], [event(0, "-0.0001")], schedule=EIGHT)
        assert life.total == Decimal(4)

    def test_rate_is_clamped(self) -> None:
        """A 3 % rate under a 2 % cap charges 2 %."""
        schedule = FundingSchedule(interval=timedelta(hours=8), cap="0.02", floor="-0.02")
        life = funding_over_life(BTC, [fill(-1, "long", 1)], [event(0, "0.03")], schedule=schedule)
        assert life.total == Decimal(800)

    @pytest.mark.parametrize(
        ("order", "total"),
        [("funding_first", Decimal(0)), ("fills_first", Decimal(4))],
        ids=["funding-first", "fills-first"],
    )
    def test_fill_at_the_settlement_instant(self, order: str, total: Decimal) -> None:
        """A position opened at the very instant pays only when fills count first."""
        schedule = FundingSchedule(interval=timedelta(hours=8), at_settlement=order)  # type: ignore[arg-type]
        life = funding_over_life(BTC, [fill(0, "long", 1)], [event(0)], schedule=schedule)
        assert life.total == total

    def test_closed_before_the_instant_pays_nothing(self) -> None:
        """A position closed a second before the settlement pays nothing."""
        fills = [fill(-2, "long", 1), fill(-1 / 3600, "short", 1)]
        life = funding_over_life(BTC, fills, [event(0)], schedule=EIGHT)
        assert life.charges == ()
        assert life.total == 0

    def test_hedge_legs_each_charged(self) -> None:
        """Hedge: a 2 long pays 8 and a 1 short receives 4; net 4."""
        fills = [
            fill(-1, "long", 2, position_side="long"),
            fill(-1, "short", 1, position_side="short"),
            fill(-1, "long", "0.5", position_side="short"),
        ]
        life = funding_over_life(BTC, fills, [event(0)], schedule=EIGHT, position_mode="hedge")
        assert [(c.side, c.payment) for c in life.charges] == [
            ("long", Decimal(8)),
            ("short", Decimal(-2)),
        ]

    def test_inverse_in_coin(self) -> None:
        """Inverse: 100 contracts of 100 USD at a 50,000 mark: 0.2 BTC · 0.0001 = 0.00002 BTC."""
        life = funding_over_life(
            COIN, [fill(-1, "long", 100, 50_000)], [event(0, mark=50_000)], schedule=EIGHT
        )
        assert life.total == Decimal("0.00002")

    @pytest.mark.parametrize(
        ("fills", "events", "kwargs", "match"),
        [
            ("x", [], {}, "fills must be an iterable"),
            ([1], [], {}, r"fills\[0\] must be a Fill"),
            ([], 3, {}, "events must be an iterable"),
            ([], [1], {}, r"events\[0\] must be a FundingEvent"),
            ([], [event(4)], {}, r"events\[0\] must be at a settlement instant"),
            ([fill(-1, "long", 1)], [], {"position_mode": "hedge"}, "must name a position_side"),
            ([fill(-1, "long", 1, position_side="long")], [], {}, "must name no position_side"),
            ([], [], {"position_mode": "both"}, "position_mode must be one of"),
        ],
        ids=[
            "fills-str",
            "fill-type",
            "events-int",
            "event-type",
            "off-grid",
            "hedge",
            "one-way",
            "mode",
        ],
    )
    def test_rejects(self, fills: Any, events: Any, kwargs: dict[str, Any], match: str) -> None:
        """Bad fills, events or modes raise InvalidInputError naming them."""
        with pytest.raises(InvalidInputError, match=match):
            funding_over_life(BTC, fills, events, schedule=EIGHT, **kwargs)


class TestFill:
    """rule-ledger: a fill's fields are checked like every value object's."""

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"fee_rate": 1}, "fee_rate must be a fraction"),
            ({"position_side": "up"}, "position_side must be one of"),
            ({"size": 0}, "size must be positive"),
        ],
        ids=["fee", "leg", "size"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Out-of-domain fields raise InvalidInputError."""
        base: dict[str, Any] = {"at": T0, "side": "long", "size": 1, "price": 1}
        with pytest.raises(InvalidInputError, match=match):
            Fill(**{**base, **kwargs})


class TestFundingBreakEven:
    """rule-funding: the exit price whose net PnL pays the fees and the funding paid."""

    def test_linear_long_by_hand(self) -> None:
        """A 1 BTC long from 40,000 that paid 12 USDT funding breaks even at 40,012."""
        pos = Position(contract=BTC, side="long", size=1, entry_price=40_000, leverage=10)
        assert funding_break_even_price(
            pos, open_fee_rate=0, close_fee_rate=0, funding_paid=12
        ) == Decimal(40_012)

    def test_zero_funding_is_the_break_even(self) -> None:
        """With no funding it equals break_even_price."""
        pos = Position(contract=BTC, side="short", size=1, entry_price=40_000, leverage=10)
        fees = {"open_fee_rate": "0.0004", "close_fee_rate": "0.0005"}
        assert funding_break_even_price(pos, funding_paid=0, **fees) == break_even_price(
            pos, **fees
        )

    def test_inverse_short_received(self) -> None:
        """Inverse short that received 0.0002 BTC: it may exit at a coin PnL of −0.0002."""
        pos = Position(contract=COIN, side="short", size=100, entry_price=50_000, leverage=10)
        price = funding_break_even_price(
            pos, open_fee_rate=0, close_fee_rate=0, funding_paid="-0.0002"
        )
        assert price is not None
        # Q·(1/P − 1/EP) = −0.0002 with Q = 10,000 USD: 1/P = 1/50,000 − 0.00000002
        assert abs(price - 1 / Decimal("0.00001998")) < Decimal("1e-20")

    def test_none_when_unrecoverable(self) -> None:
        """A short that paid its whole entry notional would need a price of 0: None."""
        pos = Position(contract=BTC, side="short", size=1, entry_price=40_000, leverage=10)
        assert (
            funding_break_even_price(pos, open_fee_rate=0, close_fee_rate=0, funding_paid=40_000)
            is None
        )


class TestVenueRules:
    """rule-funding: each venue's payload gives the interval, cap and floor."""

    def test_binance_published_payload(self) -> None:
        """Binance's "Get Funding Rate Info" response example (BLZUSDT, ±2.5 %, 8 h)."""
        schedule = binance_funding_schedule(
            {
                "symbol": "BLZUSDT",
                "adjustedFundingRateCap": "0.02500000",
                "adjustedFundingRateFloor": "-0.02500000",
                "fundingIntervalHours": 8,
                "disclaimer": False,
            }
        )
        assert schedule.interval == timedelta(hours=8)
        assert (schedule.cap, schedule.floor) == (Decimal("0.025"), Decimal("-0.025"))
        assert schedule.at_settlement == BINANCE_AT_SETTLEMENT

    def test_binance_default(self) -> None:
        """A symbol fundingInfo does not list: 8 hours, no cap."""
        schedule = binance_funding_schedule()
        assert (schedule.interval, schedule.cap) == (timedelta(hours=8), None)

    def test_bybit_minutes(self) -> None:
        """Bybit's fundingInterval is in minutes (480 = 8 h); cap and floor as strings."""
        schedule = bybit_funding_schedule(
            {"fundingInterval": 480, "upperFundingRate": "0.00375", "lowerFundingRate": "-0.00375"}
        )
        assert schedule.interval == timedelta(hours=8)
        assert schedule.clamp("0.01") == Decimal("0.00375")

    def test_bybit_without_cap(self) -> None:
        """An empty cap field means none."""
        schedule = bybit_funding_schedule({"fundingInterval": "60", "upperFundingRate": ""})
        assert (schedule.interval, schedule.cap) == (timedelta(hours=1), None)

    def test_okx_interval_from_times(self) -> None:
        """OKX: the interval is nextFundingTime − fundingTime, anchored at fundingTime."""
        at = 1_704_096_000_000  # 2024-01-01T08:00Z
        schedule = okx_funding_schedule(
            {
                "fundingTime": str(at),
                "nextFundingTime": str(at + 4 * 3_600_000),
                "maxFundingRate": "0.0075",
                "minFundingRate": "-0.0075",
            }
        )
        assert schedule.interval == timedelta(hours=4)
        assert schedule.is_settlement(datetime(2024, 1, 1, 12, tzinfo=UTC))
        assert schedule.floor == Decimal("-0.0075")

    @pytest.mark.parametrize(
        ("parser", "payload", "match"),
        [
            (binance_funding_schedule, {}, "must hold 'fundingIntervalHours'"),
            (binance_funding_schedule, {"fundingIntervalHours": "1.5"}, "positive whole number"),
            (bybit_funding_schedule, [], "must hold 'fundingInterval'"),
            (bybit_funding_schedule, {"fundingInterval": 0}, "positive whole number"),
            (okx_funding_schedule, {"fundingTime": 2, "nextFundingTime": 1}, "must be after"),
        ],
        ids=["binance-missing", "binance-fraction", "bybit-not-mapping", "bybit-zero", "okx-order"],
    )
    def test_rejects(self, parser: Any, payload: Any, match: str) -> None:
        """Malformed payloads raise InvalidInputError naming the field."""
        with pytest.raises(InvalidInputError, match=match):
            parser(payload)
