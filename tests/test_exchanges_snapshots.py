"""The shipped bracket snapshots: dated, sourced, and verified against their payloads."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import binance

_NAME = "binance_usdm_leverage_tiers_2024-10-24.json"
# LEVRISK_SHARED_DATA (.ci/run sets it: its tests run in a copy of the tree), else
# ../shared beside the clone, or beside the worktrees' folder (a local worktree).
_CANDIDATES = [
    *(
        [Path(os.environ["LEVRISK_SHARED_DATA"]) / _NAME]
        if "LEVRISK_SHARED_DATA" in os.environ
        else []
    ),
    *(Path(__file__).parents[n] / "shared" / "data" / _NAME for n in (2, 3)),
]
SHARED = next((path for path in _CANDIDATES if path.exists()), _CANDIDATES[0])


def _binance_id(ccxt_symbol: str) -> str:
    base, rest = ccxt_symbol.split("/")
    quote, settle = rest.split(":")
    expiry = settle.partition("-")[2]
    return base + quote + (f"_{expiry}" if expiry else "")


class TestUsdmSnapshots:
    """rule-brackets: the 2024-10-24 Binance USDⓈ-M tables, as the API returned them."""

    def test_dated_sourced_verified(self) -> None:
        """Every snapshot of the set carries the date, the source and the verified flag."""
        snapshot = binance.USDM_SNAPSHOTS["BTCUSDT"]
        assert len(binance.USDM_SNAPSHOTS) == 349
        assert snapshot.date.isoformat() == "2024-10-24"
        assert snapshot.verified
        assert snapshot.label.startswith("Binance USDⓈ-M leverage brackets, API, 2024-10-24")
        assert binance.USDM_SNAPSHOTS["BTCUSDT"] is snapshot  # parsed once
        assert "BTCUSDT_241227" in list(binance.USDM_SNAPSHOTS)

    def test_btcusdt_rows(self) -> None:
        """BTCUSDT's first two brackets are Binance's (125x 0.4 %, 100x 0.5 % cum 50)."""
        table = binance.USDM_SNAPSHOTS["BTCUSDT"].brackets
        assert table.brackets[1].cap == Decimal(600000)
        assert table.maintenance_margin(500_000) == Decimal("2450.000")

    def test_old_tables_marked_unverified(self) -> None:
        """The 2022 transcriptions are kept for the docs' examples, marked unverified."""
        for snapshot in binance.SNAPSHOTS.values():
            assert not snapshot.verified
            assert snapshot.label.startswith("UNVERIFIED")
            assert snapshot.notes.startswith("UNVERIFIED")

    @pytest.mark.skipif(not SHARED.exists(), reason="the shared payload is not beside the clone")
    def test_verified_against_the_payload(self) -> None:
        """Every row of every symbol equals Binance's own leverageBracket row (349 symbols)."""
        payload = json.loads(SHARED.read_text(encoding="utf-8"))
        assert len(payload) == len(binance.USDM_SNAPSHOTS)
        for ccxt_symbol, tiers in payload.items():
            symbol = _binance_id(ccxt_symbol)
            entry = binance.USDM_SNAPSHOTS._entry(symbol)  # type: ignore[attr-defined]
            assert entry["ccxt"] == ccxt_symbol
            columns = (
                *("bracket", "initialLeverage", "notionalFloor", "notionalCap"),
                *("maintMarginRatio", "cum"),
            )
            assert entry["brackets"] == [[t["info"][c] for c in columns] for t in tiers]
            table = binance.USDM_SNAPSHOTS[symbol].brackets
            for bracket, tier in zip(table.brackets, tiers, strict=True):
                assert bracket.maintenance_amount == Decimal(tier["info"]["cum"])
                assert bracket.cap == Decimal(tier["info"]["notionalCap"])


class TestUsdmPreset:
    """rule-venues: a USDⓈ-M symbol's linear contract over its 2024 snapshot."""

    @pytest.mark.parametrize(
        ("symbol", "units"),
        [
            ("SOLUSDT", ("USDT", "USDT", "SOL")),
            ("ETHBTC", ("BTC", "BTC", "ETH")),
            ("BTCUSDT_241227", ("USDT", "USDT", "BTC")),
            ("1000PEPEUSDC", ("USDC", "USDC", "1000PEPE")),
        ],
        ids=["usdt", "coin-quoted", "delivery", "usdc"],
    )
    def test_units_from_the_market(self, symbol: str, units: tuple[str, str, str]) -> None:
        """Price, margin and size units come from the stored ccxt market name."""
        preset = binance.usdm_preset(symbol)
        assert (preset.price_unit, preset.margin_unit, preset.size_unit) == units
        assert preset.contract.kind == "linear"
        assert preset.contract.contract_size == 1
        assert preset.snapshot is binance.USDM_SNAPSHOTS[symbol]

    def test_unknown_symbol(self) -> None:
        """A symbol the snapshots do not hold is an error naming it."""
        with pytest.raises(InvalidInputError, match="got 'BTCUSD_PERP'"):
            binance.usdm_preset("BTCUSD_PERP")
