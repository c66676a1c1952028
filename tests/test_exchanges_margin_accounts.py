"""Binance spot-margin account payloads into levrisk.margin accounts (rule-spot-margin).

The payloads are Binance's documented example responses of "Query Cross Margin Account
Details" and "Query Isolated Margin Account Info", saved under ``tests/data/``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from levrisk.exceptions import InvalidInputError
from levrisk.exchanges import binance
from levrisk.margin import Loan, margin_level

DATA = Path(__file__).parent / "data"


def load(name: str) -> Any:
    """A fresh copy of a saved payload."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class TestCrossMarginAccount:
    """rule-spot-margin: GET /sapi/v1/margin/account."""

    def test_documented_example(self) -> None:
        """Every asset's free + locked is held; BNB's borrowed amount is the one loan."""
        account = binance.cross_margin_account_from_payload(load("binance_margin_account.json"))
        assert dict(account.balances) == {
            "BTC": Decimal("0.00499500"),
            "BNB": Decimal("2346.50000000"),
            "ETH": Decimal(0),
            "USDT": Decimal(0),
        }
        assert account.loans == (Loan(asset="BNB", principal="201.66666672"),)
        assert account.quote == "USDT"

    def test_interest_and_locked(self) -> None:
        """Interest joins the loan; locked joins the balance; the level follows."""
        payload = load("binance_margin_account.json")
        payload["userAssets"][1].update(interest="0.5", locked="3.5")
        account = binance.cross_margin_account_from_payload(payload, quote="BTC")
        assert account.liabilities == {"BNB": Decimal("202.16666672")}
        assert account.balances["BNB"] == Decimal("2350.00000000")
        assert margin_level(account, {"BNB": 1}) is not None

    def test_bad_entries(self) -> None:
        """A missing field or a negative amount names its path."""
        payload = load("binance_margin_account.json")
        del payload["userAssets"][0]["interest"]
        with pytest.raises(InvalidInputError, match=r"payload.userAssets\[0\] is missing"):
            binance.cross_margin_account_from_payload(payload)
        payload = load("binance_margin_account.json")
        payload["userAssets"][1]["borrowed"] = "-1"
        with pytest.raises(InvalidInputError, match=r"^payload.userAssets\[1\]: principal"):
            binance.cross_margin_account_from_payload(payload)


class TestIsolatedMarginAccounts:
    """rule-spot-margin: GET /sapi/v1/margin/isolated/account."""

    def test_documented_example(self) -> None:
        """Binance's example pair: nothing held, nothing owed."""
        accounts = binance.isolated_margin_accounts_from_payload(
            load("binance_isolated_margin_account.json")
        )
        btc = accounts["BTCUSDT"]
        assert (btc.base, btc.quote) == ("BTC", "USDT")
        assert btc.base_balance == 0
        assert btc.loans == ()

    def test_a_short(self) -> None:
        """A borrowed base with interest is a loan of the pair's base asset."""
        payload = load("binance_isolated_margin_account.json")
        payload["assets"][0]["baseAsset"].update(borrowed="0.1", interest="0.0001")
        payload["assets"][0]["quoteAsset"].update(free="9000", locked="100")
        btc = binance.isolated_margin_accounts_from_payload(payload)["BTCUSDT"]
        assert btc.liabilities == {"BTC": Decimal("0.1001")}
        assert btc.quote_balance == 9100

    def test_bad_entries(self) -> None:
        """A symbol listed twice, or base equal to quote, is refused with its path."""
        payload = load("binance_isolated_margin_account.json")
        payload["assets"].append(payload["assets"][0])
        with pytest.raises(InvalidInputError, match=r"payload.assets\[1\].symbol 'BTCUSDT'"):
            binance.isolated_margin_accounts_from_payload(payload)
        payload = load("binance_isolated_margin_account.json")
        payload["assets"][0]["quoteAsset"]["asset"] = "BTC"
        with pytest.raises(InvalidInputError, match=r"^payload.assets\[0\]: quote must differ"):
            binance.isolated_margin_accounts_from_payload(payload)
