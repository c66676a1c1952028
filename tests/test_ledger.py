"""Tests of the futures fills ledger against hand-computed cases (rule-ledger)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError, LeverageError
from levrisk.exchanges.binance import BTCUSDT_CONTRACT as BTC
from levrisk.futures import Contract, Position, isolated_liquidation_price
from levrisk.futures._funding import Fill, FundingEvent
from levrisk.futures._ledger import MarginTransfer, replay

UTC = timezone.utc
T0 = datetime(2024, 1, 1, tzinfo=UTC)
TABLE = BracketTable.from_rates(caps=[1_000_000], maintenance_rates=["0.004"], max_leverages=[125])
LIN = Contract(symbol="LIN", kind="linear", brackets=TABLE)
COIN = Contract(
    symbol="BTCUSD_PERP",
    kind="inverse",
    contract_size=100,
    brackets=BracketTable.from_rates(caps=[50], maintenance_rates=["0.004"], max_leverages=[125]),
    margin_asset="BTC",
)


def near(value: Decimal, exact: Fraction) -> bool:
    """Whether ``value`` is ``exact`` to 45 significant digits (results carry 50)."""
    return abs(Fraction(value) - exact) <= abs(exact) * Fraction(1, 10**45)


def at(minutes: int) -> datetime:
    """T0 plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)


class TestOneWayLinear:
    """rule-ledger: increase by quantity, reduce with realised PnL, flip through zero."""

    def test_walkthrough_by_hand(self) -> None:
        """Buy 1@40,000 and 1@42,000, sell 0.5@43,000, sell 2.5@44,000 (flip), at 10x."""
        fee = "0.0004"
        states = replay(
            LIN,
            [
                Fill(at=at(0), side="long", size=1, price=40_000, fee_rate=fee),
                Fill(at=at(1), side="long", size=1, price=42_000, fee_rate=fee),
                Fill(at=at(2), side="short", size="0.5", price=43_000, fee_rate=fee),
                Fill(at=at(3), side="short", size="2.5", price=44_000, fee_rate=fee),
            ],
            leverage=10,
        )
        (second,) = states[1].positions
        assert (second.size, second.entry_price, second.margin) == (
            Decimal(2),
            Decimal(41_000),
            Decimal(8_200),
        )
        (third,) = states[2].positions
        assert (third.size, third.margin) == (Decimal("1.5"), Decimal(6_150))
        assert states[2].realized_pnl == Decimal(1_000)  # 0.5 · (43,000 − 41,000)
        (last,) = states[3].positions
        assert (last.side, last.size, last.entry_price, last.margin) == (
            "short",
            Decimal(1),
            Decimal(44_000),
            Decimal(4_400),
        )
        assert states[3].realized_pnl == Decimal(5_500)  # + 1.5 · (44,000 − 41,000)
        assert states[3].fees == Decimal("0.0004") * (40_000 + 42_000 + 21_500 + 110_000)
        assert states[3].net_pnl == states[3].realized_pnl - states[3].fees

    def test_liquidation_price_is_the_isolated_one(self) -> None:
        """Each state's liquidation price is isolated_liquidation_price at the leg's margin."""
        (state,) = replay(LIN, [Fill(at=at(0), side="short", size=2, price=100)], leverage=20)
        (leg,) = state.positions
        pos = Position(contract=LIN, side="short", size=2, entry_price=100, leverage=20)
        assert leg.margin == Decimal(10)
        assert leg.liquidation_price == isolated_liquidation_price(pos, margin=10)

    def test_full_close_is_flat(self) -> None:
        """Selling the whole size leaves no leg and keeps the realised PnL."""
        states = replay(
            LIN,
            [
                Fill(at=at(0), side="long", size=1, price=100),
                Fill(at=at(1), side="short", size=1, price=90),
            ],
            leverage=5,
        )
        assert states[-1].positions == ()
        assert states[-1].realized_pnl == Decimal(-10)


class TestInverse:
    """rule-ledger: inverse entries average harmonically; PnL in coin."""

    def test_harmonic_entry_and_coin_pnl(self) -> None:
        """100@20,000 + 100@30,000 → entry 24,000; closing 100@30,000 realises 1/12 BTC."""
        states = replay(
            COIN,
            [
                Fill(at=at(0), side="long", size=100, price=20_000),
                Fill(at=at(1), side="long", size=100, price=30_000),
                Fill(at=at(2), side="short", size=100, price=30_000),
            ],
            leverage=10,
        )
        assert states[1].positions[0].entry_price == Decimal(24_000)
        # margin: (10,000/20,000 + 10,000/30,000)/10 BTC
        assert near(states[1].positions[0].margin, Fraction(1, 20) + Fraction(1, 30))
        # 10,000 · (1/24,000 − 1/30,000) = 1/12
        assert near(states[2].realized_pnl, Fraction(1, 12))


class TestHedge:
    """rule-ledger: hedge legs are separate positions; funding charges each leg's margin."""

    def test_funding_on_both_legs(self) -> None:
        """Long 1@100 and short 1@100; at 1 % the long pays 1 and the short receives 1."""
        states = replay(
            LIN,
            [
                Fill(at=at(0), side="long", size=1, price=100, position_side="long"),
                Fill(at=at(0), side="short", size=1, price=100, position_side="short"),
                FundingEvent(at=at(60), rate="0.01", mark_price=100),
                Fill(at=at(61), side="short", size="0.5", price=110, position_side="long"),
            ],
            leverage=10,
            position_mode="hedge",
        )
        long, short = states[2].positions
        assert (long.side, long.margin, short.side, short.margin) == (
            "long",
            Decimal(9),
            "short",
            Decimal(11),
        )
        assert states[2].funding == 0
        assert states[3].realized_pnl == Decimal(5)
        assert states[3].positions[0].size == Decimal("0.5")

    def test_over_reduce_rejected(self) -> None:
        """A hedge fill may not take a leg through zero."""
        with pytest.raises(InvalidInputError, match="must not reduce the long leg"):
            replay(
                LIN,
                [
                    Fill(at=at(0), side="long", size=1, price=100, position_side="long"),
                    Fill(at=at(1), side="short", size=2, price=100, position_side="long"),
                ],
                leverage=10,
                position_mode="hedge",
            )


class TestFundingMovesLiquidation:
    """rule-ledger: funding paid from the isolated margin moves the liquidation price."""

    def test_by_hand(self) -> None:
        """Long 1@100 at 10x: LP 90/0.996; after paying 1 % of 100 the LP is 91/0.996."""
        states = replay(
            LIN,
            [
                Fill(at=at(0), side="long", size=1, price=100),
                FundingEvent(at=at(60), rate="0.01", mark_price=100),
            ],
            leverage=10,
        )
        before = states[0].positions[0].liquidation_price
        after = states[1].positions[0].liquidation_price
        assert before is not None
        assert after is not None
        assert near(before, Fraction(90) / Fraction("0.996"))
        assert near(after, Fraction(91) / Fraction("0.996"))
        assert states[1].funding == Decimal(1)


class TestTransfers:
    """rule-ledger: a transfer adds to or removes from the leg's isolated margin."""

    def test_add_and_remove(self) -> None:
        """Adding 5 then removing 3 leaves margin 10 + 2."""
        states = replay(
            LIN,
            [
                Fill(at=at(0), side="long", size=1, price=100),
                MarginTransfer(at=at(1), amount=5),
                MarginTransfer(at=at(2), amount=-3),
            ],
            leverage=10,
        )
        assert states[-1].positions[0].margin == Decimal(12)

    def test_hedge_transfer_names_the_leg(self) -> None:
        """In hedge mode the transfer moves the named leg's margin."""
        states = replay(
            LIN,
            [
                Fill(at=at(0), side="short", size=1, price=100, position_side="short"),
                MarginTransfer(at=at(1), amount=5, position_side="short"),
            ],
            leverage=10,
            position_mode="hedge",
        )
        assert states[-1].positions[0].margin == Decimal(15)

    @pytest.mark.parametrize(
        ("events", "mode", "match"),
        [
            ([MarginTransfer(at=at(0), amount=1)], "one_way", "which is not open"),
            (
                [
                    Fill(at=at(0), side="long", size=1, price=100),
                    MarginTransfer(at=at(1), amount=-11),
                ],
                "one_way",
                "must not remove more than the margin",
            ),
            ([MarginTransfer(at=at(0), amount=1)], "hedge", "must name a position_side"),
            (
                [MarginTransfer(at=at(0), amount=1, position_side="long")],
                "one_way",
                "must name no position_side",
            ),
        ],
        ids=["no-leg", "too-much", "hedge-unnamed", "one-way-named"],
    )
    def test_rejects(self, events: list[Any], mode: str, match: str) -> None:
        """Transfers without an open leg, below zero, or naming legs wrongly raise."""
        with pytest.raises(InvalidInputError, match=match):
            replay(LIN, events, leverage=10, position_mode=mode)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [({"amount": 0}, "amount must not be 0"), ({"position_side": "x"}, "position_side must")],
        ids=["zero", "leg"],
    )
    def test_field_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """A transfer of 0 or an unknown leg is refused."""
        with pytest.raises(InvalidInputError, match=match):
            MarginTransfer(**{"at": T0, "amount": 1, **kwargs})


class TestReplayRejects:
    """rule-ledger: events are checked and applied in time order."""

    @pytest.mark.parametrize(
        ("events", "match"),
        [
            ("abc", "events must be an iterable"),
            ([1], r"events\[0\] must be a MarginTransfer"),
            (
                [
                    Fill(at=at(1), side="long", size=1, price=100),
                    Fill(at=at(0), side="long", size=1, price=100),
                ],
                r"events\[1\] must not be before",
            ),
        ],
        ids=["string", "type", "order"],
    )
    def test_rejects(self, events: Any, match: str) -> None:
        """Bad events raise InvalidInputError naming them."""
        with pytest.raises(InvalidInputError, match=match):
            replay(LIN, events, leverage=10)

    def test_leverage_above_bracket(self) -> None:
        """A leg the bracket does not allow at the leverage raises LeverageError."""
        with pytest.raises(LeverageError):
            replay(BTC, [Fill(at=at(0), side="long", size=100, price=50_000)], leverage=100)
