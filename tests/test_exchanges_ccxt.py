"""Tests for levrisk.exchanges.ccxt: ccxt's unified structures (ccxt is never imported)."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from levrisk.brackets import BracketTable
from levrisk.exceptions import BracketError, InvalidInputError, LevriskError, LevriskWarning
from levrisk.exchanges import binance
from levrisk.exchanges.ccxt import brackets_from_leverage_tiers, position_from_ccxt
from levrisk.futures import Contract, Position, isolated_liquidation_price
from levrisk.numbers import round_to_step
from strategies import bracket_tables, json_fuzz

# exchange.fetch_market_leverage_tiers("BTC/USDT:USDT") on binanceusdm (floats, info kept raw).
TIERS: list[dict[str, Any]] = [
    {
        "tier": 1.0,
        "currency": "USDT",
        "minNotional": 0.0,
        "maxNotional": 50000.0,
        "maintenanceMarginRate": 0.004,
        "maxLeverage": 125.0,
        "info": {
            "bracket": "1",
            "initialLeverage": "125",
            "notionalCap": "50000",
            "notionalFloor": "0",
            "maintMarginRatio": "0.004",
            "cum": "0.0",
        },
    },
    {
        "tier": 2.0,
        "currency": "USDT",
        "minNotional": 50000.0,
        "maxNotional": 250000.0,
        "maintenanceMarginRate": 0.005,
        "maxLeverage": 100.0,
        "info": {
            "bracket": "2",
            "initialLeverage": "100",
            "notionalCap": "250000",
            "notionalFloor": "50000",
            "maintMarginRatio": "0.005",
            "cum": "50.0",
        },
    },
    {
        "tier": 3.0,
        "currency": "USDT",
        "minNotional": 250000.0,
        "maxNotional": 1000000.0,
        "maintenanceMarginRate": 0.01,
        "maxLeverage": 50.0,
        "info": {
            "bracket": "3",
            "initialLeverage": "50",
            "notionalCap": "1000000",
            "notionalFloor": "250000",
            "maintMarginRatio": "0.01",
            "cum": "1300.0",
        },
    },
]


def _ccxt_tiers(table: BracketTable) -> list[dict[str, Any]]:
    """Write a table as ccxt would, with float numbers."""
    return [
        {
            "tier": float(i + 1),
            "currency": "USDT",
            "minNotional": float(b.floor),
            "maxNotional": float(b.cap),
            "maintenanceMarginRate": float(b.maintenance_rate),
            "maxLeverage": float(b.max_leverage),
            "info": {},
        }
        for i, b in enumerate(table.brackets)
    ]


class TestBracketsFromLeverageTiers:
    """rule-brackets [published]: ccxt leverage tiers → bracket table."""

    def test_binance_tiers(self) -> None:
        """The Binance tiers of ccxt give the amounts Binance publishes (0, 50, 1,300)."""
        table = brackets_from_leverage_tiers(TIERS)
        assert [b.maintenance_amount for b in table.brackets] == [0, 50, 1300]
        assert table.maintenance_margin(500_000) == Decimal(3700)

    def test_matches_binance_parser(self) -> None:
        """The same tiers via ccxt and via Binance's own payload give the same table."""
        own = brackets_from_leverage_tiers(TIERS)
        raw = binance.brackets_from_payload(
            {"symbol": "BTCUSDT", "brackets": [t["info"] for t in TIERS]}
        )
        assert own == raw

    def test_dict_by_symbol(self) -> None:
        """fetch_leverage_tiers()'s dict form needs symbol=."""
        tiers = {"BTC/USDT:USDT": TIERS, "ETH/USDT:USDT": TIERS[:1]}
        assert brackets_from_leverage_tiers(tiers, symbol="ETH/USDT:USDT").max_cap == 50000
        with pytest.raises(InvalidInputError, match="symbol must name one market"):
            brackets_from_leverage_tiers(tiers)
        with pytest.raises(InvalidInputError, match="no market 'XRP/USDT:USDT'"):
            brackets_from_leverage_tiers(tiers, symbol="XRP/USDT:USDT")

    @given(bracket_tables())
    def test_round_trip(self, table: BracketTable) -> None:
        """A table written as ccxt float tiers parses back to itself."""
        assert brackets_from_leverage_tiers(_ccxt_tiers(table)) == table

    def test_gap(self) -> None:
        """A gap between tiers names the field and index."""
        tiers = json.loads(json.dumps(TIERS))
        tiers[2]["minNotional"] = 300000.0
        with pytest.raises(BracketError, match=r"tiers\[2\]\.minNotional must be"):
            brackets_from_leverage_tiers(tiers)

    def test_unsorted(self) -> None:
        """Tiers out of order are rejected."""
        with pytest.raises(BracketError, match="sorted by notional"):
            brackets_from_leverage_tiers([TIERS[1], TIERS[0]])

    @pytest.mark.parametrize(
        ("tiers", "match"),
        [
            ("x", "tiers must be a JSON array"),
            ([1], r"tiers\[0\] must be a JSON object"),
            ([{"minNotional": 0}], "missing the field 'maxNotional'"),
            ([], "holds no tiers"),
        ],
        ids=["str", "item", "missing", "empty"],
    )
    def test_errors(self, tiers: object, match: str) -> None:
        """Bad structures raise InvalidInputError naming the problem."""
        with pytest.raises(InvalidInputError, match=match):
            brackets_from_leverage_tiers(tiers)

    @pytest.mark.filterwarnings("ignore::levrisk.exceptions.LevriskWarning")
    @given(json_fuzz)
    def test_fuzz(self, value: object) -> None:
        """Arbitrary field values never raise anything but a LevriskError."""
        for key in ("minNotional", "maxNotional", "maintenanceMarginRate", "maxLeverage"):
            tiers = json.loads(json.dumps(TIERS))
            tiers[1][key] = value
            with contextlib.suppress(LevriskError):
                brackets_from_leverage_tiers(tiers)
        with contextlib.suppress(LevriskError):
            brackets_from_leverage_tiers({"X": value}, symbol="X")


BTC = Contract(symbol="BTC/USDT:USDT", kind="linear", brackets=binance.BTCUSDT_BRACKETS)

# exchange.fetch_positions() on binanceusdm: one unified position (floats, info raw).
POSITION: dict[str, Any] = {
    "info": {"symbol": "BTCUSDT", "positionAmt": "-0.100"},
    "id": None,
    "symbol": "BTC/USDT:USDT",
    "timestamp": 1720736417660,
    "datetime": "2024-07-11T22:20:17.660Z",
    "initialMargin": 600.0,
    "initialMarginPercentage": 0.1,
    "maintenanceMargin": 23.6,
    "maintenanceMarginPercentage": 0.004,
    "entryPrice": 60000.0,
    "notional": -5900.0,
    "leverage": 10.0,
    "unrealizedPnl": 100.0,
    "contracts": 0.1,
    "contractSize": 1.0,
    "marginRatio": 0.0337,
    "liquidationPrice": 65737.05,
    "markPrice": 59000.0,
    "collateral": 600.0,
    "marginMode": "isolated",
    "side": "short",
    "percentage": 16.67,
}


class TestPositionFromCcxt:
    """rule-futures-margin-pnl: ccxt's unified position → levrisk Position."""

    def test_round_trip(self) -> None:
        """Side, contracts, entry and leverage come through exactly."""
        pos = position_from_ccxt(POSITION, contract=BTC)
        assert pos == Position(
            contract=BTC, side="short", size="0.1", entry_price=60_000, leverage=10
        )

    def test_liquidation_price_agrees(self) -> None:
        """The isolated short's price with ccxt's collateral agrees with ccxt's figure."""
        pos = position_from_ccxt(POSITION, contract=BTC)
        lp = isolated_liquidation_price(pos, margin=POSITION["collateral"])
        assert lp is not None
        assert round_to_step(lp, "0.01", "half_up") == Decimal("65737.05")

    def test_string_numbers_and_long(self) -> None:
        """Numbers may be strings; a long comes back long."""
        raw = {**POSITION, "side": "long", "contracts": "0.5", "entryPrice": "60000"}
        assert position_from_ccxt(raw, contract=BTC).side == "long"

    def test_leverage_is_never_refused(self) -> None:
        """An existing position above its bracket's max leverage is kept, with a warning."""
        with pytest.warns(LevriskWarning, match=r"^position: leverage must be"):
            pos = position_from_ccxt({**POSITION, "leverage": 200}, contract=BTC)
        assert pos.leverage == Decimal(200)

    @pytest.mark.parametrize(
        ("change", "match"),
        [
            ({"side": None}, "position.side must be 'long' or 'short'"),
            ({"side": ["long"]}, "position.side must be"),
            ({"contractSize": 0.01}, "contractSize must equal"),
            ({"contracts": 0}, "position: size must be positive"),
            ({"entryPrice": None}, "entryPrice must be a number"),
        ],
        ids=["side-none", "side-list", "contract-size", "zero", "entry"],
    )
    def test_errors(self, change: dict[str, Any], match: str) -> None:
        """Bad positions raise InvalidInputError naming the field."""
        with pytest.raises(InvalidInputError, match=match):
            position_from_ccxt({**POSITION, **change}, contract=BTC)

    def test_missing_side(self) -> None:
        """A position without side is named."""
        raw = {k: v for k, v in POSITION.items() if k != "side"}
        with pytest.raises(InvalidInputError, match="missing the field 'side'"):
            position_from_ccxt(raw, contract=BTC)

    def test_contract_type(self) -> None:
        """The contract argument must be a Contract."""
        with pytest.raises(InvalidInputError, match="contract must be a Contract"):
            position_from_ccxt(POSITION, contract="BTC")  # type: ignore[arg-type]

    @pytest.mark.filterwarnings("ignore::levrisk.exceptions.LevriskWarning")
    @given(json_fuzz)
    def test_fuzz(self, value: object) -> None:
        """Arbitrary field values never raise anything but a LevriskError."""
        for key in ("side", "contracts", "contractSize", "entryPrice", "leverage"):
            with contextlib.suppress(LevriskError):
                position_from_ccxt({**POSITION, key: value}, contract=BTC)
        with contextlib.suppress(LevriskError):
            position_from_ccxt(value, contract=BTC)
