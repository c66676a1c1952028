"""Tests for levrisk.exchanges.bybit: risk-limit payloads (percent vs fraction)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from levrisk.brackets import BracketTable
from levrisk.exceptions import BracketError, InvalidInputError, LevriskError, LevriskWarning
from levrisk.exchanges import binance, bybit
from levrisk.exchanges.bybit import RiskLimits, risk_limits_from_payload
from levrisk.futures import Contract, LiquidationRule, Position
from levrisk.interest import accrual_times, accrued_interest, hourly_from_daily
from levrisk.numbers import round_to_step
from strategies import json_fuzz

# API v5, GET /v5/market/risk-limit?category=linear&symbol=BTCUSDT: fractions as strings.
V5: dict[str, Any] = {
    "retCode": 0,
    "retMsg": "OK",
    "result": {
        "category": "linear",
        "list": [
            {
                "id": 1,
                "symbol": "BTCUSDT",
                "riskLimitValue": "2000000",
                "maintenanceMargin": "0.005",
                "initialMargin": "0.01",
                "isLowestRisk": 1,
                "maxLeverage": "100.00",
                "mmDeduction": "",
            },
            {
                "id": 2,
                "symbol": "BTCUSDT",
                "riskLimitValue": "4000000",
                "maintenanceMargin": "0.01",
                "initialMargin": "0.0175",
                "isLowestRisk": 0,
                "maxLeverage": "57.14",
                "mmDeduction": "10000",
            },
            {
                "id": 3,
                "symbol": "BTCUSDT",
                "riskLimitValue": "6000000",
                "maintenanceMargin": "0.015",
                "initialMargin": "0.025",
                "isLowestRisk": 0,
                "maxLeverage": "40.00",
                "mmDeduction": "30000",
            },
        ],
    },
    "retExtInfo": {},
    "time": 1672054488010,
}

# API v2, GET /v2/public/risk-limit/list?symbol=BTCUSD: percent, inverse limits in BTC.
V2: dict[str, Any] = {
    "ret_code": 0,
    "ret_msg": "OK",
    "result": [
        {
            "id": 1,
            "symbol": "BTCUSD",
            "limit": 150,
            "maintain_margin": "0.5",
            "starting_margin": "1",
            "section": ["1", "2", "3", "5", "10", "25", "50", "100"],
            "is_lowest_risk": 1,
            "created_at": "2022-06-23T15:04:07.187882Z",
            "updated_at": "2022-06-23T15:04:07.187884Z",
            "max_leverage": "100",
        },
        {
            "id": 2,
            "symbol": "BTCUSD",
            "limit": 300,
            "maintain_margin": "1",
            "starting_margin": "1.5",
            "section": ["1", "2", "3", "5", "10", "25", "50", "66"],
            "is_lowest_risk": 0,
            "created_at": "2022-06-23T15:04:07.187882Z",
            "updated_at": "2022-06-23T15:04:07.187884Z",
            "max_leverage": "66.67",
        },
    ],
}


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


class TestRiskLimitsFromPayload:
    """Bybit risk limits, rates normalised to fractions (rule-brackets, rule-venues)."""

    def test_v5_fractions(self) -> None:
        """v5 field names are read as fractions and the deductions check out."""
        limits = risk_limits_from_payload(V5)
        assert limits.units == "fraction"
        assert limits.symbol == "BTCUSDT"
        table = limits.brackets
        assert [b.maintenance_rate for b in table.brackets] == [
            Decimal("0.005"),
            Decimal("0.01"),
            Decimal("0.015"),
        ]
        assert [b.maintenance_amount for b in table.brackets] == [0, 10000, 30000]
        assert table.brackets[1].initial_rate == Decimal("0.0175")
        assert table.maintenance_margin(3_000_000) == Decimal(20000)

    def test_v2_percent(self) -> None:
        """v2 field names are read as percent: '0.5' is 0.5%."""
        limits = risk_limits_from_payload(V2)
        assert limits.units == "percent"
        assert limits.brackets.brackets[0].maintenance_rate == Decimal("0.005")
        assert limits.brackets.brackets[1].maintenance_rate == Decimal("0.01")
        assert limits.brackets.brackets[1].initial_rate == Decimal("0.015")
        assert limits.brackets.maintenance_margin(200) == Decimal("1.25")

    def test_same_table_both_versions(self) -> None:
        """The same tiers written in v2 percent and in v5 fractions give the same table."""
        v5 = [
            {
                "symbol": "BTCUSD",
                "riskLimitValue": str(t["limit"]),
                "maintenanceMargin": str(Decimal(t["maintain_margin"]) / 100),
                "initialMargin": str(Decimal(t["starting_margin"]) / 100),
                "maxLeverage": t["max_leverage"],
            }
            for t in V2["result"]
        ]
        assert risk_limits_from_payload(v5).brackets == risk_limits_from_payload(V2).brackets

    @pytest.mark.parametrize(
        "payload",
        [V5, V5["result"], V5["result"]["list"]],
        ids=["response", "result", "list"],
    )
    def test_wrappers(self, payload: object) -> None:
        """The whole response, its result and the bare list all parse alike."""
        assert risk_limits_from_payload(payload) == risk_limits_from_payload(V5)

    def test_explicit_units(self) -> None:
        """units= overrides the detection when it is consistent."""
        limits = risk_limits_from_payload(V2, units="percent")
        assert limits == risk_limits_from_payload(V2)

    @pytest.mark.parametrize(
        ("payload", "units"),
        [(V5, "percent"), (V2, "fraction")],
        ids=["v5-as-percent", "v2-as-fraction"],
    )
    def test_ambiguity_detected(self, payload: object, units: Any) -> None:
        """Reading rates in the wrong units contradicts the max leverage: an error."""
        with pytest.raises(InvalidInputError, match="percent/fraction ambiguity"):
            risk_limits_from_payload(payload, units=units)

    def test_ambiguous_field_names(self) -> None:
        """Tiers with neither version's field names cannot be read: an error."""
        tier = {"symbol": "BTCUSDT", "cap": "1", "mm": "0.5", "maxLeverage": "10"}
        with pytest.raises(InvalidInputError, match="cannot tell the version"):
            risk_limits_from_payload([tier])

    def test_both_field_names(self) -> None:
        """A tier carrying both versions' cap fields is ambiguous."""
        tier = {**V5["result"]["list"][0], "limit": 150}
        with pytest.raises(InvalidInputError, match="cannot tell the version"):
            risk_limits_from_payload([tier])

    def test_mixed_versions(self) -> None:
        """Tiers of both API versions in one list are rejected."""
        first = V5["result"]["list"][0]
        second = {**V2["result"][1], "symbol": "BTCUSDT", "limit": 4000000}
        with pytest.raises(InvalidInputError, match="other API version"):
            risk_limits_from_payload([first, second])

    def test_without_initial_margin(self) -> None:
        """Without an initial margin no ambiguity check is possible; units are as detected."""
        tiers = _copy(V5["result"]["list"])
        for tier in tiers:
            del tier["initialMargin"]
        limits = risk_limits_from_payload(tiers)
        assert limits.brackets.brackets[0].initial_rate is None
        assert limits.brackets.maintenance_margin(3_000_000) == Decimal(20000)

    def test_deduction_mismatch(self) -> None:
        """An mmDeduction off the recursion raises (on request), or warns with 'warn'."""
        payload = _copy(V5)
        payload["result"]["list"][2]["mmDeduction"] = "29999"
        with pytest.raises(BracketError, match=r"list\[2\]\.mmDeduction must be"):
            risk_limits_from_payload(payload, on_mismatch="raise")
        with pytest.warns(LevriskWarning):
            limits = risk_limits_from_payload(payload, on_mismatch="warn")
        assert limits.brackets.brackets[2].maintenance_amount == Decimal(30000)

    def test_symbol_selection(self) -> None:
        """symbol= picks one symbol of a mixed list; without it, a mixed list is an error."""
        eth = {**V5["result"]["list"][0], "symbol": "ETHUSDT", "riskLimitValue": "1000000"}
        tiers = [eth, *V5["result"]["list"]]
        assert risk_limits_from_payload(tiers, symbol="BTCUSDT").brackets.max_cap == 6_000_000
        assert risk_limits_from_payload(tiers, symbol="ETHUSDT").brackets.max_cap == 1_000_000
        with pytest.raises(InvalidInputError, match="pass symbol="):
            risk_limits_from_payload(tiers)

    def test_unsorted(self) -> None:
        """Tiers out of order are rejected with the field named."""
        tiers = list(reversed(V5["result"]["list"]))
        with pytest.raises(BracketError, match=r"\[1\]\.riskLimitValue must be above"):
            risk_limits_from_payload(tiers)

    def test_duplicate_cap(self) -> None:
        """Two tiers with the same cap overlap: rejected."""
        tiers = _copy(V5["result"]["list"])
        tiers[1]["riskLimitValue"] = "2000000"
        with pytest.raises(BracketError, match="sorted by notional"):
            risk_limits_from_payload(tiers)

    @pytest.mark.parametrize(
        ("payload", "kwargs", "match"),
        [
            ([], {}, "holds no risk-limit tiers"),
            ({"result": {"list": []}}, {}, r"payload\.result\.list holds no"),
            (V5, {"symbol": "ETHUSDT"}, "no tiers of symbol 'ETHUSDT'"),
            (V5, {"symbol": 5}, "symbol must be a string"),
            (V5, {"units": "basis"}, "units must be"),
            ("x", {}, "JSON array"),
            ([1], {}, r"payload\[0\] must be a JSON object"),
            ([{"riskLimitValue": "1"}], {}, "missing the field 'symbol'"),
        ],
        ids=["empty", "empty-v5", "unknown", "symbol-type", "units", "str", "item", "symbol"],
    )
    def test_shape_errors(self, payload: object, kwargs: dict[str, Any], match: str) -> None:
        """Payloads of the wrong shape raise InvalidInputError naming the problem."""
        with pytest.raises(InvalidInputError, match=match):
            risk_limits_from_payload(payload, **kwargs)

    def test_missing_field(self) -> None:
        """A missing max leverage is named with its path."""
        payload = _copy(V5)
        del payload["result"]["list"][1]["maxLeverage"]
        with pytest.raises(
            InvalidInputError, match=r"payload\.result\.list\[1\] is missing the field"
        ):
            risk_limits_from_payload(payload)


class TestRiskLimits:
    """The result object checks its fields."""

    @pytest.mark.parametrize(
        ("symbol", "units", "brackets", "match"),
        [
            ("BTCUSDT", "percentage", None, "units"),
            ("BTCUSDT", "percent", "table", "brackets"),
            (1, "percent", None, "symbol must be a string"),
        ],
        ids=["units", "brackets", "symbol"],
    )
    def test_validation(self, symbol: Any, units: Any, brackets: Any, match: str) -> None:
        """Bad units, symbol or a non-table are InvalidInputErrors."""
        table = risk_limits_from_payload(V5).brackets if brackets is None else brackets
        with pytest.raises(InvalidInputError, match=match):
            RiskLimits(symbol=symbol, units=units, brackets=table)


class TestFuzz:
    """Only levrisk's documented errors escape the parser."""

    @given(json_fuzz)
    def test_fields(self, value: object) -> None:
        """Arbitrary values in any field never raise anything but a LevriskError."""
        for key in ("riskLimitValue", "maintenanceMargin", "initialMargin", "maxLeverage"):
            payload = _copy(V5)
            payload["result"]["list"][1][key] = value
            with contextlib.suppress(LevriskError):
                risk_limits_from_payload(payload)
        for candidate in (value, [value], {"result": value}, {"result": {"list": value}}):
            with contextlib.suppress(LevriskError):
                risk_limits_from_payload(candidate)


class TestInterestCounting:
    """rule-interest [published]: Bybit classic counts started hours."""

    def test_published_example(self) -> None:
        """10,000 USDT from 08:05 to 10:00 at 0.02%/day: 2 started hours → 0.1667 USDT."""
        utc = dt.timezone.utc
        interest = accrued_interest(
            10_000,
            hourly_from_daily("0.0002"),
            dt.datetime(2024, 5, 1, 8, 5, tzinfo=utc),
            dt.datetime(2024, 5, 1, 10, 0, tzinfo=utc),
            counting=bybit.INTEREST_COUNTING,
        )
        assert round_to_step(interest, "0.0001", "half_up") == Decimal("0.1667")

    def test_differs_from_binance(self) -> None:
        """The same loan under Binance's rule accrues 3 hours (08:05, 09:00, 10:00)."""
        utc = dt.timezone.utc
        start = dt.datetime(2024, 5, 1, 8, 5, tzinfo=utc)
        end = dt.datetime(2024, 5, 1, 10, 0, tzinfo=utc)
        assert len(accrual_times(start, end, counting=bybit.INTEREST_COUNTING)) == 2
        assert len(accrual_times(start, end, counting=binance.INTEREST_COUNTING)) == 3


FLAT = BracketTable.from_rates(caps=[10**9], maintenance_rates=["0.005"], max_leverages=[100])
BTC = Contract(symbol="BTCUSDT", kind="linear", brackets=FLAT)


class TestRulePresets:
    """rule-venues: the Bybit rule presets and helpers check their inputs."""

    def test_presets(self) -> None:
        """Classic values maintenance at entry; unified at mark; neither has a close fee."""
        assert LiquidationRule(maintenance_basis="entry") == bybit.CLASSIC_RULE
        assert LiquidationRule() == bybit.UNIFIED_RULE
        assert bybit.classic_rule(fee_rate=0) is bybit.CLASSIC_RULE
        assert bybit.classic_rule(fee_rate="0.00055") == LiquidationRule(
            maintenance_basis="entry", close_fee="bankruptcy", fee_rate="0.00055"
        )

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"fee_rate": "1"}, "fee_rate must be a rate"),
            ({"fee_rate": "-0.1"}, "fee_rate must be a rate"),
            ({"fee_rate": "x"}, "fee_rate must be a finite number"),
            ({"fee_rate": "0.001", "added_margin": -1}, "added_margin must not be negative"),
        ],
        ids=["one", "negative", "text", "added"],
    )
    def test_unified_margin_errors(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad fee rates and negative added margin are InvalidInputErrors."""
        pos = Position(contract=BTC, side="long", size=1, entry_price=20_000, leverage=10)
        with pytest.raises(InvalidInputError, match=match):
            bybit.unified_margin(pos, **kwargs)

    def test_unified_margin_inverse_short(self) -> None:
        """An inverse short divides the added margin by 1 − c (the mirror of a linear long)."""
        xbt = Contract(
            symbol="BTCUSD", kind="inverse", brackets=FLAT, contract_size=1, margin_asset="BTC"
        )
        pos = Position(contract=xbt, side="short", size=10_000, entry_price=20_000, leverage=10)
        margin = bybit.unified_margin(pos, fee_rate="0.0006", added_margin="0.9994")
        assert margin == Decimal("0.05") + 1

    def test_fee_to_close_errors(self) -> None:
        """fee_to_close rejects a bad fee rate or position."""
        pos = Position(contract=BTC, side="long", size=1, entry_price=20_000, leverage=10)
        with pytest.raises(InvalidInputError, match="fee_rate"):
            bybit.fee_to_close(pos, margin=2000, fee_rate=2)
        with pytest.raises(InvalidInputError, match="position"):
            bybit.fee_to_close(None, margin=2000, fee_rate=0)  # type: ignore[arg-type]

    @given(json_fuzz, json_fuzz)
    def test_fuzz(self, fee: object, added: object) -> None:
        """Only LevriskErrors escape the helpers."""
        pos = Position(contract=BTC, side="short", size=1, entry_price=20_000, leverage=10)
        with contextlib.suppress(LevriskError):
            bybit.unified_margin(pos, fee_rate=fee, added_margin=added)  # type: ignore[arg-type]
        with contextlib.suppress(LevriskError):
            bybit.fee_to_close(pos, margin=added, fee_rate=fee)  # type: ignore[arg-type]
        with contextlib.suppress(LevriskError):
            bybit.classic_rule(fee_rate=fee)  # type: ignore[arg-type]
