"""Tests for levrisk.exchanges.okx: position tiers in contracts, OKX's margin ratio."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from levrisk.exceptions import BracketError, InvalidInputError, LevriskError
from levrisk.exchanges import binance, okx
from levrisk.exchanges.okx import (
    LIQUIDATION_RATIO,
    equity_to_maintenance_ratio,
    position_tiers_from_payload,
)
from levrisk.interest import accrual_times
from strategies import decimals, json_fuzz

# GET /api/v5/public/position-tiers?instType=SWAP&tdMode=isolated&instFamily=BTC-USDT
TIERS: dict[str, Any] = {
    "code": "0",
    "msg": "",
    "data": [
        {
            "baseMaxLoan": "",
            "imr": "0.01",
            "instFamily": "BTC-USDT",
            "instId": "",
            "maxLever": "100",
            "maxSz": "500",
            "minSz": "0",
            "mmr": "0.004",
            "optMgnFactor": "0",
            "quoteMaxLoan": "",
            "tier": "1",
            "uly": "BTC-USDT",
        },
        {
            "baseMaxLoan": "",
            "imr": "0.0133",
            "instFamily": "BTC-USDT",
            "instId": "",
            "maxLever": "75",
            "maxSz": "1000",
            "minSz": "501",
            "mmr": "0.005",
            "optMgnFactor": "0",
            "quoteMaxLoan": "",
            "tier": "2",
            "uly": "BTC-USDT",
        },
        {
            "baseMaxLoan": "",
            "imr": "0.02",
            "instFamily": "BTC-USDT",
            "instId": "",
            "maxLever": "50",
            "maxSz": "2000",
            "minSz": "1000",
            "mmr": "0.01",
            "optMgnFactor": "0",
            "quoteMaxLoan": "",
            "tier": "3",
            "uly": "BTC-USDT",
        },
    ],
}


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


class TestPositionTiers:
    """rule-brackets [published]: OKX tiers are counted in contracts, ctVal scales them."""

    def test_in_contracts(self) -> None:
        """With ct_val=1 the table is in contracts; minSz one above maxSz is contiguous."""
        table = position_tiers_from_payload(TIERS)
        assert [b.cap for b in table.brackets] == [500, 1000, 2000]
        assert [b.floor for b in table.brackets] == [0, 500, 1000]
        assert [b.initial_rate for b in table.brackets] == [
            Decimal("0.01"),
            Decimal("0.0133"),
            Decimal("0.02"),
        ]
        assert table.max_leverage(700) == Decimal(75)

    def test_ct_val(self) -> None:
        """ct_val 0.01 BTC per contract turns 700 contracts into 7 BTC, tier 2."""
        table = position_tiers_from_payload(TIERS["data"], ct_val="0.01", maintenance="marginal")
        assert table.bracket_for(Decimal(700) * Decimal("0.01")).maintenance_rate == Decimal(
            "0.005"
        )
        assert table.max_cap == Decimal(20)
        # amounts by the recursion: 5 × (0.005 − 0.004) = 0.005 BTC
        assert table.brackets[1].maintenance_amount == Decimal("0.005")

    def test_family_selection(self) -> None:
        """inst_family picks one family; older responses name it in uly."""
        eth = {**TIERS["data"][0], "instFamily": "", "uly": "ETH-USDT"}
        data = [eth, *TIERS["data"]]
        assert position_tiers_from_payload(data, inst_family="ETH-USDT").max_cap == 500
        assert position_tiers_from_payload(data, inst_family="BTC-USDT").max_cap == 2000
        with pytest.raises(InvalidInputError, match="pass inst_family="):
            position_tiers_from_payload(data)

    @pytest.mark.parametrize(
        ("index", "min_sz", "match"),
        [(1, "400", "overlap"), (1, "502", "a gap"), (0, "1", "a gap")],
        ids=["overlap", "gap", "first"],
    )
    def test_non_contiguous(self, index: int, min_sz: str, match: str) -> None:
        """Each minSz must be the previous maxSz or one contract above it."""
        payload = _copy(TIERS)
        payload["data"][index]["minSz"] = min_sz
        with pytest.raises(BracketError, match=match) as info:
            position_tiers_from_payload(payload)
        assert f"payload.data[{index}].minSz" in str(info.value)

    @pytest.mark.parametrize(
        ("payload", "kwargs", "match"),
        [
            (TIERS, {"ct_val": 0}, "ct_val must be positive"),
            (TIERS, {"ct_val": "x"}, "ct_val must be a finite number"),
            (TIERS, {"inst_family": 1}, "inst_family must be a string"),
            (TIERS, {"inst_family": "ETH-USDT"}, "no position tiers of instFamily 'ETH-USDT'"),
            ({"data": []}, {}, "no position tiers"),
            ({"data": "x"}, {}, r"payload\.data must be a JSON array"),
            ("x", {}, "payload must be a JSON array"),
            ([{"mmr": "0.1"}], {}, "missing the field 'uly'"),
        ],
        ids=["ct-zero", "ct-text", "family-type", "unknown", "empty", "data", "str", "family"],
    )
    def test_errors(self, payload: object, kwargs: dict[str, Any], match: str) -> None:
        """Bad payloads or arguments raise InvalidInputError naming the problem."""
        with pytest.raises(InvalidInputError, match=match):
            position_tiers_from_payload(payload, **kwargs)

    def test_missing_mmr(self) -> None:
        """A missing mmr is named with its path."""
        payload = _copy(TIERS)
        del payload["data"][2]["mmr"]
        with pytest.raises(
            InvalidInputError, match=r"payload\.data\[2\] is missing the field 'mmr'"
        ):
            position_tiers_from_payload(payload)

    @given(json_fuzz)
    def test_fuzz(self, value: object) -> None:
        """Arbitrary field values never raise anything but a LevriskError."""
        for key in ("minSz", "maxSz", "mmr", "imr", "maxLever", "instFamily"):
            payload = _copy(TIERS)
            payload["data"][1][key] = value
            with contextlib.suppress(LevriskError):
                position_tiers_from_payload(payload)
        with contextlib.suppress(LevriskError):
            position_tiers_from_payload(TIERS, ct_val=value)  # type: ignore[arg-type]


class TestEquityToMaintenanceRatio:
    """rule-venues [published]: OKX ratio = equity / (MM + liquidation fee), higher is safer."""

    def test_value(self) -> None:
        """500 equity over 40 MM + 10 fee is 10 (1,000%)."""
        assert equity_to_maintenance_ratio(
            500, maintenance_margin=40, liquidation_fee=10
        ) == Decimal(10)

    def test_liquidation_at_100_percent(self) -> None:
        """Equity equal to MM + fee is exactly the liquidation ratio (100%)."""
        assert (
            equity_to_maintenance_ratio("50", maintenance_margin="40", liquidation_fee="10")
            == LIQUIDATION_RATIO
        )

    def test_no_position(self) -> None:
        """No MM and no fee: the ratio does not exist (None)."""
        assert equity_to_maintenance_ratio(100, maintenance_margin=0) is None

    @given(decimals("0.01", "1000000"), decimals("0.01", "100000"), decimals(0, "1000"))
    def test_opposite_of_binance(self, equity: Decimal, mm: Decimal, fee: Decimal) -> None:
        """OKX's ratio is the reciprocal of an MM÷equity ratio that counts the fee in MM."""
        okx = equity_to_maintenance_ratio(equity, maintenance_margin=mm, liquidation_fee=fee)
        assert okx is not None
        binance_style = (mm + fee) / equity
        assert (okx > 1) == (binance_style < 1)
        assert okx * binance_style == pytest.approx(Decimal(1), rel=Decimal("1e-40"))

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"maintenance_margin": -1}, "maintenance_margin must not be negative"),
            ({"maintenance_margin": 1, "liquidation_fee": -1}, "liquidation_fee must not be"),
            ({"maintenance_margin": "x"}, "maintenance_margin must be a finite number"),
        ],
        ids=["mm", "fee", "text"],
    )
    def test_errors(self, kwargs: dict[str, Any], match: str) -> None:
        """Negative or non-numeric inputs are InvalidInputErrors."""
        with pytest.raises(InvalidInputError, match=match):
            equity_to_maintenance_ratio(1, **kwargs)

    @given(json_fuzz, json_fuzz)
    def test_fuzz(self, equity: object, mm: object) -> None:
        """Only LevriskErrors escape, and a result is a Decimal or None."""
        try:
            result = equity_to_maintenance_ratio(equity, maintenance_margin=mm)  # type: ignore[arg-type]
        except LevriskError:
            return
        assert result is None or isinstance(result, Decimal)


class TestInterestCounting:
    """rule-interest [derived]: OKX charges on the clock hour, not at borrowing."""

    def test_on_the_hour(self) -> None:
        """09:20 → 11:00 accrues at 10:00 and 11:00 only (Binance adds 09:20)."""
        utc = dt.timezone.utc
        start = dt.datetime(2024, 5, 1, 9, 20, tzinfo=utc)
        end = dt.datetime(2024, 5, 1, 11, 0, tzinfo=utc)
        times = accrual_times(start, end, counting=okx.INTEREST_COUNTING)
        assert times == (
            dt.datetime(2024, 5, 1, 10, 0, tzinfo=utc),
            dt.datetime(2024, 5, 1, 11, 0, tzinfo=utc),
        )
        assert len(accrual_times(start, end, counting=binance.INTEREST_COUNTING)) == 3
