"""Tests of the order preview, isolated and cross (rule-order-preview)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.exchanges.binance import BTCUSDT_CONTRACT as BTC
from levrisk.futures import (
    Contract,
    CrossAccount,
    Position,
    cross_liquidation_price,
    cross_margin_ratio,
    isolated_liquidation_price,
    margin_ratio,
)
from levrisk.futures._preview import Order, preview_cross, preview_isolated

TABLE = BracketTable.from_rates(caps=[1_000_000], maintenance_rates=["0.004"], max_leverages=[125])
LIN = Contract(symbol="LIN", kind="linear", brackets=TABLE)
ETH = Contract(symbol="ETH", kind="linear", brackets=TABLE)


def long_at(price: Any = 100, size: Any = 1, leverage: Any = 10) -> Position:
    """A long on LIN."""
    return Position(contract=LIN, side="long", size=size, entry_price=price, leverage=leverage)


class TestPreviewIsolated:
    """rule-order-preview: result by the ledger's fill rule; margin, fee and the checks."""

    def test_open_by_hand(self) -> None:
        """Buying 2@100 at 10x needs 20; fee 0.0005·200; LP and ratio of the new leg."""
        preview = preview_isolated(
            LIN,
            Order(side="long", size=2, price=100, fee_rate="0.0005"),
            available=100,
            mark_price=100,
            leverage=10,
        )
        assert (preview.allowed, preview.initial_margin, preview.fee) == (
            True,
            Decimal(20),
            Decimal("0.1"),
        )
        (leg,) = preview.positions
        pos = long_at(size=2)
        assert leg.liquidation_price == isolated_liquidation_price(pos, margin=20)
        assert preview.margin_ratio == margin_ratio(pos, margin=20, mark_price=100)

    def test_open_loss_against_the_mark(self) -> None:
        """Buying at 101 with the mark at 100 adds the open loss 1 to the margin needed."""
        preview = preview_isolated(
            LIN, Order(side="long", size=1, price=101), available=100, mark_price=100, leverage=10
        )
        assert preview.initial_margin == Decimal("10.1") + 1

    def test_insufficient_balance(self) -> None:
        """Needing 20 with 19 available is refused, and the reason says how much."""
        preview = preview_isolated(
            LIN, Order(side="long", size=2, price=100), available=19, mark_price=100, leverage=10
        )
        assert not preview.allowed
        assert preview.reasons == ("available must cover 20 (margin and fee), got 19",)

    def test_reduce_only_reduction(self) -> None:
        """A reduce-only sell of half the long needs no margin and realises its PnL."""
        preview = preview_isolated(
            LIN,
            Order(side="short", size="0.5", price=110, reduce_only=True),
            available=0,
            mark_price=110,
            position=long_at(),
            margin=10,
        )
        assert (preview.allowed, preview.initial_margin, preview.realized_pnl) == (
            True,
            Decimal(0),
            Decimal(5),
        )
        assert preview.positions[0].margin == Decimal(5)

    def test_reduce_only_that_would_flip(self) -> None:
        """A reduce-only order larger than the position is refused (it would open 1)."""
        preview = preview_isolated(
            LIN,
            Order(side="short", size=2, price=100, reduce_only=True),
            available=100,
            mark_price=100,
            position=long_at(),
            margin=10,
        )
        assert not preview.allowed
        assert preview.reasons[0].startswith("reduce_only: the order would open 1")
        assert preview.positions[0].side == "short"

    def test_flip_needs_margin_for_the_new_side(self) -> None:
        """Selling 3 against a long 1 closes 1 and opens a short 2: margin of 2 only."""
        preview = preview_isolated(
            LIN,
            Order(side="short", size=3, price=100),
            available=100,
            mark_price=100,
            position=long_at(),
            margin=10,
        )
        assert preview.initial_margin == Decimal(20)
        assert preview.margin_ratio is not None

    def test_full_close_has_no_ratio(self) -> None:
        """Closing the whole position leaves no leg and no margin ratio."""
        preview = preview_isolated(
            LIN,
            Order(side="short", size=1, price=100),
            available=0,
            mark_price=100,
            position=long_at(),
            margin=10,
        )
        assert (preview.positions, preview.margin_ratio) == ((), None)

    def test_bracket_refuses_leverage(self) -> None:
        """100 BTC at 100x exceeds BTCUSDT's bracket: refused with the bracket's message."""
        preview = preview_isolated(
            BTC,
            Order(side="long", size=100, price=50_000),
            available=10**9,
            mark_price=50_000,
            leverage=100,
        )
        assert not preview.allowed
        assert "leverage must be between 1 and" in preview.reasons[0]
        assert preview.positions == ()

    def test_hedge_legs(self) -> None:
        """Hedge: a short order on the short leg leaves the long leg as it was."""
        preview = preview_isolated(
            LIN,
            Order(side="short", size=1, price=100, position_side="short"),
            available=100,
            mark_price=100,
            position=long_at(),
            margin=10,
            position_mode="hedge",
        )
        assert [leg.side for leg in preview.positions] == ["long", "short"]
        assert preview.initial_margin == Decimal(10)

    def test_hedge_over_reduce(self) -> None:
        """Hedge: selling more than the long leg is refused with a reason."""
        preview = preview_isolated(
            LIN,
            Order(side="short", size=2, price=100, position_side="long"),
            available=100,
            mark_price=100,
            position=long_at(),
            margin=10,
            position_mode="hedge",
        )
        assert not preview.allowed
        assert "must not reduce the long leg" in preview.reasons[0]

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({}, "leverage is required"),
            (
                {
                    "position": Position(
                        contract=ETH, side="long", size=1, entry_price=1, leverage=1
                    )
                },
                "position must be on",
            ),
            ({"position": 1}, "position must be a Position"),
            ({"leverage": 10, "position_mode": "hedge"}, "order must name a position_side"),
            ({"leverage": 10, "mark_price": 0}, "mark_price must be positive"),
        ],
        ids=["no-leverage", "other-contract", "not-position", "hedge-unnamed", "mark"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad arguments raise InvalidInputError naming them."""
        args: dict[str, Any] = {"available": 1, "mark_price": 100, **kwargs}
        with pytest.raises(InvalidInputError, match=match):
            preview_isolated(LIN, Order(side="long", size=1, price=100), **args)


class TestOrder:
    """rule-order-preview: an order's fields are checked."""

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"reduce_only": 1}, "reduce_only must be a bool"),
            ({"position_side": "up"}, "position_side must be one of"),
            ({"fee_rate": "1"}, "fee_rate must be a fraction"),
        ],
        ids=["flag", "leg", "fee"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Out-of-domain fields raise InvalidInputError."""
        with pytest.raises(InvalidInputError, match=match):
            Order(**{"side": "long", "size": 1, "price": 1, **kwargs})


class TestPreviewCross:
    """rule-order-preview: the resulting cross account, its liquidation price and ratio."""

    def test_reduce_by_hand(self) -> None:
        """Selling half of a 1@100 long at 110 realises 5 into the wallet."""
        account = CrossAccount(wallet_balance=20, positions=[long_at()])
        preview = preview_cross(
            account,
            Order(side="short", size="0.5", price=110),
            contract=LIN,
            mark_prices={"LIN": 110},
        )
        assert preview.allowed
        assert preview.account is not None
        assert preview.account.wallet_balance == Decimal(25)
        assert preview.liquidation_price == cross_liquidation_price(
            preview.account, "LIN", mark_prices={"LIN": 110}
        )
        assert preview.margin_ratio == cross_margin_ratio(preview.account, mark_prices={"LIN": 110})

    def test_new_symbol_needs_leverage_and_balance(self) -> None:
        """Opening ETH beside LIN: available = 20 + 0 − 10; needing 20 is refused."""
        account = CrossAccount(wallet_balance=20, positions=[long_at()])
        preview = preview_cross(
            account,
            Order(side="long", size=2, price=100),
            contract=ETH,
            mark_prices={"LIN": 100, "ETH": 100},
            leverage=10,
        )
        assert not preview.allowed
        assert preview.reasons == ("available must cover 20 (margin and fee), got 10",)
        assert preview.account is not None
        assert len(preview.account.positions) == 2

    def test_full_close_has_no_price(self) -> None:
        """Closing the symbol leaves it out of the account and without a price."""
        account = CrossAccount(wallet_balance=20, positions=[long_at()])
        preview = preview_cross(
            account, Order(side="short", size=1, price=100), contract=LIN, mark_prices={"LIN": 100}
        )
        assert preview.account is not None
        assert (preview.account.positions, preview.liquidation_price) == ((), None)

    def test_wallet_would_go_negative(self) -> None:
        """A realised loss above the wallet is refused with the account's own message."""
        account = CrossAccount(wallet_balance=5, positions=[long_at()])
        preview = preview_cross(
            account, Order(side="short", size=1, price=90), contract=LIN, mark_prices={"LIN": 90}
        )
        assert not preview.allowed
        assert preview.account is None
        assert "wallet_balance must not be negative" in preview.reasons[-1]

    def test_hedge_account(self) -> None:
        """A hedge account's short order on the short leg opens it beside the long."""
        account = CrossAccount(wallet_balance=100, positions=[long_at()], position_mode="hedge")
        preview = preview_cross(
            account,
            Order(side="short", size=1, price=100, position_side="short"),
            contract=LIN,
            mark_prices={"LIN": 100},
        )
        assert preview.account is not None
        assert sorted(p.side for p in preview.account.positions) == ["long", "short"]

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"mark_prices": {}}, "mark_prices must hold a mark price for 'LIN'"),
            (
                {"contract": ETH, "mark_prices": {"LIN": 1}},
                "mark_prices must hold a mark price for 'ETH'",
            ),
            ({"contract": ETH, "mark_prices": {"LIN": 1, "ETH": 1}}, "leverage is required"),
            (
                {
                    "contract": Contract(
                        symbol="LIN", kind="linear", brackets=TABLE, tick_size="0.1"
                    )
                },
                "position must be on the contract",
            ),
        ],
        ids=["mark", "new-mark", "leverage", "other-contract"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Missing marks or leverage, or a contract unlike the account's, raise."""
        account = CrossAccount(wallet_balance=20, positions=[long_at()])
        args: dict[str, Any] = {"contract": LIN, "mark_prices": {"LIN": 100}, **kwargs}
        with pytest.raises(InvalidInputError, match=match):
            preview_cross(account, Order(side="long", size=1, price=100), **args)
