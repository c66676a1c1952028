"""Stated, never defaulted (issue 14, item 5): an input that changes a figure is stated.

One test per removed default: leaving the input out is an error naming it, and stating
the old default's value gives the old figure. Conventions: "Stated, never defaulted".
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from levrisk._typing import Side
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.futures import Contract, CrossAccount, Position, initial_margin, notional
from levrisk.margin import BINANCE_CROSS_3X, break_even_price, close, open_long, open_short

T0 = datetime(2024, 5, 1, 13, 55, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=24)
TABLE = BracketTable.from_rates(caps=[50], maintenance_rates=["0.004"], max_leverages=[125])
USDT_TABLE = BracketTable.from_rates(
    caps=[1_000_000], maintenance_rates=["0.004"], max_leverages=[125]
)


def _held(contract: Contract, side: Side = "long") -> Position:
    """One contract (or base unit) of ``contract`` at 100, 1x."""
    return Position(contract=contract, side=side, size=1, entry_price=100, leverage=1)


def _inverse(symbol: str, asset: str, **extra: Any) -> Contract:
    return Contract(
        symbol=symbol,
        kind="inverse",
        brackets=TABLE,
        contract_size=100,
        margin_asset=asset,
        **extra,
    )


class TestTradeAssets:
    """open_short/open_long: base and quote are stated (rule-spot-trades)."""

    @pytest.mark.parametrize("opener", [open_short, open_long], ids=["short", "long"])
    def test_missing_assets_are_named(self, opener: Any) -> None:
        """Without base and quote the call fails and names both."""
        with pytest.raises(TypeError, match="'base' and 'quote'"):
            opener(3000, leverage=3, price=60_000, opened_at=T0)

    def test_stated_gives_the_seed(self) -> None:
        """Stating BTC/USDT gives the seed's figures (rule-spot-trades worked example)."""
        trade = open_short(3000, leverage=3, price=60_000, opened_at=T0, base="BTC", quote="USDT")
        assert (trade.borrowed, trade.quote_amount, trade.margin_level) == (
            Decimal("0.1"),
            Decimal("6000.0"),
            Decimal("1.5"),
        )
        assert trade.borrowed_asset == "BTC"
        assert trade.liquidation_price is not None
        assert round(trade.liquidation_price, 2) == Decimal("81818.18")

    def test_other_assets_label_the_trade(self) -> None:
        """An ETH/USDC long borrows USDC and holds ETH, as stated."""
        trade = open_long(1000, leverage=2, price=100, opened_at=T0, base="ETH", quote="USDC")
        assert trade.borrowed_asset == "USDC"
        assert trade.account.base == "ETH"


class TestInverseContractSize:
    """An inverse Contract states contract_size; a linear one defaults to 1."""

    def test_missing_size_is_named(self) -> None:
        """No contract_size for kind='inverse': InvalidInputError naming it."""
        with pytest.raises(
            InvalidInputError, match=r"^contract_size must be stated .*'BTCUSD_PERP'"
        ):
            Contract(symbol="BTCUSD_PERP", kind="inverse", brackets=TABLE, margin_asset="BTC")

    def test_stated_one_gives_the_old_figure(self) -> None:
        """Stating the old default (1) gives the old notional: 1 contract of 1 USD at 25,000."""
        one = Contract(
            symbol="BTCUSD", kind="inverse", brackets=TABLE, contract_size=1, margin_asset="BTC"
        )
        position = Position(contract=one, side="long", size=100, entry_price=25_000, leverage=20)
        assert notional(position) == Decimal("0.004")
        assert initial_margin(position) == Decimal("0.0002")

    def test_linear_defaults_to_one(self) -> None:
        """A linear contract's size is one base unit unless stated; the attribute is a Decimal."""
        linear = Contract(symbol="BTCUSDT", kind="linear", brackets=USDT_TABLE)
        assert linear.contract_size == Decimal(1)
        assert isinstance(linear.contract_size, Decimal)
        assert linear.margin_asset is None

    def test_bad_size_still_rejected(self) -> None:
        """A stated size is validated as before."""
        with pytest.raises(InvalidInputError, match="contract_size must be positive"):
            Contract(
                symbol="BTCUSD", kind="inverse", brackets=TABLE, contract_size=0, margin_asset="BTC"
            )


class TestMarginAsset:
    """An inverse Contract states its margin asset; a cross account holds one."""

    def test_missing_asset_is_named(self) -> None:
        """No margin_asset for kind='inverse': InvalidInputError naming it."""
        with pytest.raises(InvalidInputError, match=r"^margin_asset must be stated"):
            Contract(symbol="BTCUSD_PERP", kind="inverse", brackets=TABLE, contract_size=100)

    @pytest.mark.parametrize("bad", ["", " BTC", 5], ids=["empty", "spaced", "int"])
    def test_bad_asset(self, bad: object) -> None:
        """A margin asset is a non-empty name without surrounding spaces."""
        with pytest.raises(InvalidInputError, match=r"^margin_asset must be a non-empty asset"):
            _inverse("BTCUSD_PERP", bad)  # type: ignore[arg-type]

    def test_str_subclass_is_plain(self) -> None:
        """A str subclass is stored as a plain str."""

        class Name(str):
            __slots__ = ()

        assert type(_inverse("BTCUSD_PERP", Name("BTC")).margin_asset) is str

    def test_preset_states_btc(self) -> None:
        """Binance's BTCUSD_PERP preset is 100 USD a contract, margined in BTC."""
        from levrisk.exchanges.binance import BTCUSD_PERP_CONTRACT  # noqa: PLC0415

        assert BTCUSD_PERP_CONTRACT.contract_size == 100
        assert BTCUSD_PERP_CONTRACT.margin_asset == "BTC"

    def test_cross_account_refuses_two_coins(self) -> None:
        """BTC- and ETH-margined positions in one wallet: refused, both named."""
        btc = _held(_inverse("BTCUSD_PERP", "BTC"))
        eth = _held(_inverse("ETHUSD_PERP", "ETH"))
        with pytest.raises(
            InvalidInputError,
            match=r"^positions\[1\] must be margined in 'BTC' like positions\[0\]",
        ):
            CrossAccount(wallet_balance=1, positions=[btc, eth])

    def test_cross_account_one_coin(self) -> None:
        """Two BTC-margined contracts share one wallet."""
        perp = _held(_inverse("BTCUSD_PERP", "BTC"))
        quarter = _held(_inverse("BTCUSD_250627", "BTC"), "short")
        account = CrossAccount(wallet_balance=1, positions=[perp, quarter])
        assert len(account.positions) == 2

    def test_linear_stated_and_unstated(self) -> None:
        """Linear: an unstated margin asset matches any; USDT and USDC do not mix."""

        def linear(symbol: str, asset: str | None) -> Position:
            contract = Contract(
                symbol=symbol, kind="linear", brackets=USDT_TABLE, margin_asset=asset
            )
            return _held(contract)

        mixed = [linear("BTCUSDT", "USDT"), linear("ETHUSDT", None), linear("SOLUSDT", "USDT")]
        assert len(CrossAccount(wallet_balance=1, positions=mixed).positions) == 3
        with pytest.raises(InvalidInputError, match=r"^positions\[2\] must be margined in 'USDT'"):
            CrossAccount(
                wallet_balance=1,
                positions=[linear("BTCUSDT", "USDT"), linear("ETHUSDT", None), linear("X", "USDC")],
            )

    def test_zero_d_array_positions(self) -> None:
        """A 0-d array is not a collection of positions: InvalidInputError, no TypeError."""
        with pytest.raises(InvalidInputError, match=r"^positions must be an iterable"):
            CrossAccount(wallet_balance=1, positions=np.array(1))


class TestCloseRate:
    """close() and break_even_price(at=...) need the rate stated (rule-spot-trades)."""

    @staticmethod
    def _seed() -> Any:
        return open_short(
            3000,
            leverage=3,
            price=60_000,
            opened_at=T0,
            base="BTC",
            quote="USDT",
            thresholds=BINANCE_CROSS_3X,
        )

    def test_close_without_rate_is_named(self) -> None:
        """No schedule: InvalidInputError saying to state schedule= (0 for none)."""
        with pytest.raises(InvalidInputError, match=r"^schedule must be stated .*schedule=0"):
            close(self._seed(), exit_price=50_000, at=T1)

    def test_close_with_zero_gives_the_old_figure(self) -> None:
        """schedule=0 gives the old no-rate figure: the seed's 1,000 gross and net."""
        pnl = close(self._seed(), exit_price=50_000, at=T1, schedule=0)
        assert (pnl.gross_pnl, pnl.interest, pnl.net_pnl) == (
            Decimal("1000.0"),
            Decimal(0),
            Decimal("1000.0"),
        )

    def test_hourly_rate_alias_states_the_rate(self) -> None:
        """The deprecated hourly_rate still states a rate."""
        trade = self._seed()
        by_alias = close(trade, exit_price=50_000, at=T1, hourly_rate="0.00001")
        assert by_alias == close(trade, exit_price=50_000, at=T1, schedule="0.00001")
        assert by_alias.interest > 0

    def test_break_even_needs_the_rate_with_at(self) -> None:
        """break_even_price at a time needs the rate; without a time no interest is counted."""
        trade = self._seed()
        with pytest.raises(InvalidInputError, match=r"^schedule must be stated"):
            break_even_price(trade, at=T1)
        assert break_even_price(trade, at=T1, schedule=0) == break_even_price(trade)
