"""Tests for levrisk.exchanges.binance: bracket payloads, snapshots, isolated tiers."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk import exchanges, margin, risk
from levrisk.brackets import BracketTable
from levrisk.exceptions import (
    BracketError,
    InvalidInputError,
    LevriskError,
    LevriskWarning,
)
from levrisk.exchanges import binance, bitmex, bybit, okx
from levrisk.exchanges.binance import (
    IsolatedMarginTierRow,
    PositionRisk,
    bracket_tables_from_payload,
    brackets_from_payload,
    cross_account_from_payload,
    isolated_margin_tiers_from_payload,
    mark_prices_from_payload,
    position_risks_from_payload,
    scale_brackets,
)
from levrisk.exchanges.snapshots import ContractPreset, Snapshot
from levrisk.futures import (
    Contract,
    LiquidationRule,
    Position,
    cross_liquidation_price,
    isolated_liquidation_price,
)
from levrisk.interest import accrual_times, accrued_interest
from levrisk.margin import (
    CrossMarginAccount,
    Loan,
    liquidation_price,
    margin_status,
    pro_margin_level,
)
from levrisk.numbers import round_to_step
from strategies import bracket_tables, decimals, json_fuzz

# Binance USDⓈ-M returns JSON numbers (floats once decoded), as in its API docs.
USDM_LIST: list[dict[str, Any]] = [
    {
        "symbol": "ETHUSDT",
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 100,
                "notionalCap": 10000,
                "notionalFloor": 0,
                "maintMarginRatio": 0.005,
                "cum": 0.0,
            },
            {
                "bracket": 2,
                "initialLeverage": 75,
                "notionalCap": 100000,
                "notionalFloor": 10000,
                "maintMarginRatio": 0.0065,
                "cum": 15.0,
            },
        ],
    },
    {
        "symbol": "BTCUSDT",
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 125,
                "notionalCap": 50000,
                "notionalFloor": 0,
                "maintMarginRatio": 0.004,
                "cum": 0.0,
            },
            {
                "bracket": 2,
                "initialLeverage": 100,
                "notionalCap": 250000,
                "notionalFloor": 50000,
                "maintMarginRatio": 0.005,
                "cum": 50.0,
            },
            {
                "bracket": 3,
                "initialLeverage": 50,
                "notionalCap": 1000000,
                "notionalFloor": 250000,
                "maintMarginRatio": 0.01,
                "cum": 1300.0,
            },
            {
                "bracket": 4,
                "initialLeverage": 20,
                "notionalCap": 10000000,
                "notionalFloor": 1000000,
                "maintMarginRatio": 0.025,
                "cum": 16300.0,
            },
        ],
    },
]

# COIN-M v2: quantities in coin, written here as strings (both styles occur).
COINM: dict[str, Any] = {
    "symbol": "BTCUSD_PERP",
    "notionalCoef": "1.0",
    "brackets": [
        {
            "bracket": 1,
            "initialLeverage": "125",
            "qtyCap": "5",
            "qtyFloor": "0",
            "maintMarginRatio": "0.004",
            "cum": "0.0",
        },
        {
            "bracket": 2,
            "initialLeverage": "100",
            "qtyCap": "10",
            "qtyFloor": "5",
            "maintMarginRatio": "0.005",
            "cum": "0.005",
        },
    ],
}

ISOLATED: list[dict[str, Any]] = [
    {
        "symbol": "BTCUSDT",
        "tier": 1,
        "effectiveMultiple": "10",
        "initialRiskRatio": "1.111",
        "liquidationRiskRatio": "1.05",
        "baseAssetMaxBorrowable": "9",
        "quoteAssetMaxBorrowable": "70000",
    },
    {
        "symbol": "BTCUSDT",
        "tier": 2,
        "effectiveMultiple": "5",
        "initialRiskRatio": "1.25",
        "liquidationRiskRatio": "1.1",
        "baseAssetMaxBorrowable": "18",
        "quoteAssetMaxBorrowable": "140000",
    },
]


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _usdm_payload(table: BracketTable, *, symbol: str = "X") -> dict[str, Any]:
    """Write a table back in Binance's string-number style."""
    return {
        "symbol": symbol,
        "brackets": [
            {
                "bracket": i + 1,
                "initialLeverage": str(b.max_leverage),
                "notionalCap": str(b.cap),
                "notionalFloor": str(b.floor),
                "maintMarginRatio": str(b.maintenance_rate),
                "cum": str(b.maintenance_amount),
            }
            for i, b in enumerate(table.brackets)
        ],
    }


class TestBracketsFromPayload:
    """rule-brackets [published]: /fapi/v1 and /dapi/v2 leverageBracket payloads."""

    def test_usdm_list_picks_symbol(self) -> None:
        """The list form with JSON floats gives Binance's 2021 BTCUSDT figures exactly."""
        table = brackets_from_payload(USDM_LIST, symbol="BTCUSDT")
        assert table.bracket_for(500_000).maintenance_amount == Decimal(1300)
        assert table.maintenance_margin(500_000) == Decimal(3700)
        assert [b.maintenance_amount for b in table.brackets] == [0, 50, 1300, 16300]
        assert table.max_leverage(60_000) == Decimal(100)

    def test_single_object_form(self) -> None:
        """A single-symbol object parses like its list entry."""
        assert brackets_from_payload(USDM_LIST[1]) == brackets_from_payload(
            USDM_LIST, symbol="BTCUSDT"
        )

    def test_one_entry_list_needs_no_symbol(self) -> None:
        """A list of one symbol needs no symbol= argument."""
        assert brackets_from_payload([USDM_LIST[0]]).max_cap == Decimal(100000)

    def test_coinm_in_coin(self) -> None:
        """COIN-M: 100 contracts × 100 USD at mark 25,000 = 0.4 BTC → MM 0.0016 BTC."""
        table = brackets_from_payload([COINM])
        notional = Decimal(100) * Decimal(100) / Decimal(25_000)
        assert table.maintenance_margin(notional) == Decimal("0.0016")
        assert table.brackets[1].maintenance_amount == Decimal("0.005")

    def test_missing_cum_is_derived(self) -> None:
        """A bracket without cum gets the recursion's amount."""
        payload = _copy(USDM_LIST[1])
        for bracket in payload["brackets"]:
            del bracket["cum"]
        assert brackets_from_payload(payload).brackets[3].maintenance_amount == Decimal(16300)

    @given(bracket_tables())
    def test_round_trip(self, table: BracketTable) -> None:
        """Writing a table as a string-number payload and parsing it gives it back."""
        assert brackets_from_payload(_usdm_payload(table)) == table

    def test_cum_mismatch_raises(self) -> None:
        """A cum that breaks the recursion names its path, when checked (on_mismatch='raise')."""
        payload = _copy(USDM_LIST[1])
        payload["brackets"][2]["cum"] = 1299.0
        with pytest.raises(BracketError, match=r"payload\.brackets\[2\]\.cum must be"):
            brackets_from_payload(payload, on_mismatch="raise")
        kept = brackets_from_payload(payload)  # rule-tier-maintenance: taken as published
        assert kept.brackets[2].maintenance_amount == Decimal(1299)
        assert kept.maintenance == "deduction"

    def test_cum_mismatch_warns(self) -> None:
        """on_mismatch='warn' keeps the derived amount and warns."""
        payload = _copy(USDM_LIST[1])
        payload["brackets"][2]["cum"] = 1299.0
        with pytest.warns(LevriskWarning, match="using the derived amount"):
            table = brackets_from_payload(payload, on_mismatch="warn")
        assert table.brackets[2].maintenance_amount == Decimal(1300)

    def test_bad_on_mismatch(self) -> None:
        """on_mismatch outside its Literal is an error."""
        with pytest.raises(InvalidInputError, match="on_mismatch"):
            brackets_from_payload(USDM_LIST[1], on_mismatch="ignore")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("index", "floor", "match"),
        [(1, 40000, "overlap"), (1, 60000, "a gap"), (0, 10, "a gap")],
        ids=["overlap", "gap", "first-floor"],
    )
    def test_non_contiguous(self, index: int, floor: int, match: str) -> None:
        """A floor that is not the previous cap is an overlap or a gap, named by path."""
        payload = _copy(USDM_LIST[1])
        payload["brackets"][index]["notionalFloor"] = floor
        with pytest.raises(BracketError, match=match) as info:
            brackets_from_payload(payload)
        assert f"payload.brackets[{index}].notionalFloor" in str(info.value)

    def test_unsorted(self) -> None:
        """Brackets out of order are rejected."""
        payload = _copy(USDM_LIST[1])
        payload["brackets"].reverse()
        with pytest.raises(BracketError, match="sorted"):
            brackets_from_payload(payload)

    def test_cap_below_floor(self) -> None:
        """A cap at or below its floor is rejected with the field named."""
        payload = _copy(USDM_LIST[1])
        payload["brackets"][1]["notionalCap"] = 50000
        with pytest.raises(BracketError, match=r"brackets\[1\]\.notionalCap must be above"):
            brackets_from_payload(payload)

    def test_first_cap_zero(self) -> None:
        """A first bracket with cap 0 is empty and rejected."""
        payload = _copy(USDM_LIST[0])
        del payload["brackets"][1]
        payload["brackets"][0]["notionalCap"] = 0
        with pytest.raises(BracketError, match=r"brackets\[0\]\.notionalCap must be above"):
            brackets_from_payload(payload)

    def test_rising_leverage(self) -> None:
        """A max leverage that rises with notional is rejected by the table."""
        payload = _copy(USDM_LIST[1])
        payload["brackets"][1]["initialLeverage"] = 150
        with pytest.raises(BracketError, match="max_leverage"):
            brackets_from_payload(payload)

    @pytest.mark.parametrize(
        ("field", "value", "match"),
        [
            ("maintMarginRatio", None, r"brackets\[1\]\.maintMarginRatio must be a number"),
            ("maintMarginRatio", True, r"brackets\[1\]\.maintMarginRatio must be a number"),
            ("maintMarginRatio", "abc", r"brackets\[1\]\.maintMarginRatio must be a finite"),
            ("notionalCap", [1], r"brackets\[1\]\.notionalCap must be a number"),
            ("initialLeverage", float("nan"), r"brackets\[1\]\.initialLeverage must be a finite"),
        ],
        ids=["none", "bool", "text", "list", "nan"],
    )
    def test_wrong_types(self, field: str, value: object, match: str) -> None:
        """A value of the wrong type names its path."""
        payload = _copy(USDM_LIST[1])
        payload["brackets"][1][field] = value
        with pytest.raises(InvalidInputError, match=match):
            brackets_from_payload(payload)

    def test_missing_field(self) -> None:
        """A missing field is named with its path."""
        payload = _copy(USDM_LIST)
        del payload[1]["brackets"][2]["maintMarginRatio"]
        with pytest.raises(
            InvalidInputError,
            match=r"payload\[1\]\.brackets\[2\] is missing the field 'maintMarginRatio'",
        ):
            brackets_from_payload(payload, symbol="BTCUSDT")

    def test_coinm_missing_qty_floor(self) -> None:
        """A COIN-M bracket is read with the COIN-M field names."""
        payload = _copy(COINM)
        del payload["brackets"][1]["qtyFloor"]
        with pytest.raises(InvalidInputError, match="missing the field 'qtyFloor'"):
            brackets_from_payload(payload)

    @pytest.mark.parametrize(
        ("payload", "kwargs", "error", "match"),
        [
            (USDM_LIST, {}, InvalidInputError, "holds 2 entries: pass symbol="),
            (USDM_LIST, {"symbol": "XRPUSDT"}, InvalidInputError, "no entry with symbol"),
            (USDM_LIST, {"symbol": 1}, InvalidInputError, "symbol must be a string"),
            ("BTCUSDT", {}, InvalidInputError, "payload must be a JSON array"),
            ([1], {}, InvalidInputError, r"payload\[0\] must be a JSON object"),
            ({"symbol": "X"}, {}, InvalidInputError, "missing the field 'brackets'"),
            ({"symbol": "X", "brackets": {}}, {}, InvalidInputError, "must be a JSON array"),
            ({"symbol": "X", "brackets": []}, {}, BracketError, "holds no tiers"),
            ({"symbol": "X", "brackets": [3]}, {}, InvalidInputError, "JSON object"),
            ([{"symbol": 5, "brackets": []}], {"symbol": "X"}, InvalidInputError, "string"),
        ],
        ids=[
            "several",
            "unknown",
            "symbol-type",
            "string",
            "entry-type",
            "no-brackets",
            "brackets-type",
            "empty",
            "bracket-type",
            "symbol-field-type",
        ],
    )
    def test_shape_errors(
        self, payload: object, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Payloads of the wrong shape raise a clear error."""
        with pytest.raises(error, match=match):
            brackets_from_payload(payload, **kwargs)


class TestNotionalCoef:
    """rule-brackets [derived]: a user's scaled brackets (notionalCoef)."""

    def test_included_by_default(self) -> None:
        """By default the brackets are the user's own, used as given."""
        payload = _copy(USDM_LIST[1])
        payload["notionalCoef"] = 1.5
        assert brackets_from_payload(payload) == brackets_from_payload(USDM_LIST[1])

    def test_apply(self) -> None:
        """notional_coef='apply' scales floors, caps and cum by the coefficient."""
        payload = _copy(USDM_LIST[1])
        payload["notionalCoef"] = 1.5
        table = brackets_from_payload(payload, notional_coef="apply")
        assert table.brackets[1].floor == Decimal(75000)
        assert table.brackets[1].maintenance_amount == Decimal(75)
        assert table.maintenance_margin(750_000) == Decimal(5550)

    def test_apply_without_coef(self) -> None:
        """Without a coefficient, 'apply' leaves the table unchanged."""
        assert brackets_from_payload(USDM_LIST[1], notional_coef="apply") == (
            brackets_from_payload(USDM_LIST[1])
        )

    def test_bad_coef(self) -> None:
        """A non-positive coefficient is an error naming the field."""
        payload = _copy(USDM_LIST[1])
        payload["notionalCoef"] = 0
        with pytest.raises(InvalidInputError, match=r"payload\.notionalCoef must be positive"):
            brackets_from_payload(payload)

    def test_bad_mode(self) -> None:
        """notional_coef outside its Literal is an error."""
        with pytest.raises(InvalidInputError, match="notional_coef"):
            brackets_from_payload(USDM_LIST[1], notional_coef="x")  # type: ignore[arg-type]


class TestScaleBrackets:
    """rule-brackets [derived]: scaling the edges by k scales MM of k·n by k."""

    @given(bracket_tables(), decimals("0.1", "10", places=2), st.data())
    def test_homogeneous(self, table: BracketTable, k: Decimal, data: st.DataObject) -> None:
        """MM'(k·n) = k·MM(n) for every notional in the table."""
        notional = data.draw(decimals(0, table.max_cap, places=2))
        scaled = scale_brackets(table, k)
        assert scaled.maintenance_margin(k * notional) == k * table.maintenance_margin(notional)

    @pytest.mark.parametrize(
        ("table", "coef", "match"),
        [(None, 1, "table must be a BracketTable"), ("t", 0, "table"), (None, -1, "table")],
        ids=["none", "str", "both"],
    )
    def test_bad_table(self, table: object, coef: object, match: str) -> None:
        """Only a BracketTable can be scaled."""
        with pytest.raises(InvalidInputError, match=match):
            scale_brackets(table, coef)  # type: ignore[arg-type]

    @pytest.mark.parametrize("coef", [0, -1, "x", None], ids=["zero", "negative", "text", "none"])
    def test_bad_coef(self, coef: object) -> None:
        """The coefficient must be a positive number."""
        with pytest.raises(InvalidInputError, match="coef"):
            scale_brackets(binance.BTCUSDT_BRACKETS, coef)  # type: ignore[arg-type]


class TestBracketTablesFromPayload:
    """rule-brackets [published]: every symbol of a list-form payload."""

    def test_all_symbols(self) -> None:
        """Each symbol gets its own table, in payload order."""
        tables = bracket_tables_from_payload(USDM_LIST)
        assert list(tables) == ["ETHUSDT", "BTCUSDT"]
        assert tables["BTCUSDT"] == brackets_from_payload(USDM_LIST, symbol="BTCUSDT")

    def test_single_object(self) -> None:
        """A single object gives a one-entry dict."""
        assert list(bracket_tables_from_payload(COINM)) == ["BTCUSD_PERP"]

    def test_duplicate(self) -> None:
        """A symbol listed twice is an error."""
        with pytest.raises(InvalidInputError, match="listed twice"):
            bracket_tables_from_payload([USDM_LIST[0], USDM_LIST[0]])

    def test_error_path(self) -> None:
        """Errors name the entry's index."""
        payload = _copy(USDM_LIST)
        del payload[1]["brackets"][0]["notionalCap"]
        with pytest.raises(InvalidInputError, match=r"payload\[1\]\.brackets\[0\]"):
            bracket_tables_from_payload(payload)


class TestSnapshots:
    """rule-brackets [published]: the shipped, dated snapshots load and validate."""

    def test_btcusdt_published_tiers(self) -> None:
        """The BTCUSDT snapshot carries the 2021–2023 tiers quoted in rule-brackets."""
        table = binance.BTCUSDT_BRACKETS
        assert [b.maintenance_amount for b in table.brackets[:4]] == [0, 50, 1300, 16300]
        assert [b.cap for b in table.brackets[:4]] == [50_000, 250_000, 1_000_000, 10_000_000]
        assert [b.max_leverage for b in table.brackets[:4]] == [125, 100, 50, 20]
        assert table.bracket_for(500_000).maintenance_amount == Decimal(1300)

    @pytest.mark.parametrize(
        ("snapshot", "table", "symbol"),
        [
            (binance.BTCUSDT_SNAPSHOT, binance.BTCUSDT_BRACKETS, "BTCUSDT"),
            (binance.ETHUSDT_SNAPSHOT, binance.ETHUSDT_BRACKETS, "ETHUSDT"),
            (binance.BTCUSD_PERP_SNAPSHOT, binance.BTCUSD_PERP_BRACKETS, "BTCUSD_PERP"),
        ],
        ids=["BTCUSDT", "ETHUSDT", "BTCUSD_PERP"],
    )
    def test_dated_and_consistent(
        self, snapshot: Snapshot, table: BracketTable, symbol: str
    ) -> None:
        """Each snapshot says its date and source, and its table passes validation again."""
        assert snapshot.symbol == symbol
        assert snapshot.venue == "binance"
        assert snapshot.date == binance.SNAPSHOT_DATE == dt.date(2022, 1, 1)
        assert "Binance" in snapshot.source
        assert snapshot.notes
        assert snapshot.brackets is table
        assert binance.SNAPSHOTS[symbol] is snapshot
        rebuilt = BracketTable.from_rates(
            caps=[b.cap for b in table.brackets],
            maintenance_rates=[b.maintenance_rate for b in table.brackets],
            max_leverages=[b.max_leverage for b in table.brackets],
            maintenance_amounts=[b.maintenance_amount for b in table.brackets],
            on_mismatch="raise",
        )
        assert rebuilt == table

    @pytest.mark.parametrize(
        ("field", "value", "match"),
        [
            ("date", "2022-01-01", "date must be a datetime.date"),
            ("date", dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc), "date must be"),
            ("symbol", 1, "symbol must be a string"),
            ("brackets", [], "brackets must be a BracketTable"),
        ],
        ids=["date-str", "datetime", "symbol", "brackets"],
    )
    def test_snapshot_validation(self, field: str, value: object, match: str) -> None:
        """A Snapshot checks its field types."""
        fields: dict[str, Any] = {
            "venue": "binance",
            "symbol": "BTCUSDT",
            "date": dt.date(2022, 1, 1),
            "source": "s",
            "notes": "n",
            "brackets": binance.BTCUSDT_BRACKETS,
            field: value,
        }
        with pytest.raises(InvalidInputError, match=match):
            Snapshot(**fields)


class TestIsolatedMarginTiers:
    """rule-margin-level [published]: the isolatedMarginTier payload."""

    def test_round_trip(self) -> None:
        """A realistic two-tier payload parses field by field."""
        rows = isolated_margin_tiers_from_payload(ISOLATED)
        assert rows[0] == IsolatedMarginTierRow(
            symbol="BTCUSDT",
            tier=1,
            effective_multiple=Decimal(10),
            initial_risk_ratio=Decimal("1.111"),
            liquidation_risk_ratio=Decimal("1.05"),
            base_asset_max_borrowable=Decimal(9),
            quote_asset_max_borrowable=Decimal(70000),
        )
        assert [r.tier for r in rows] == [1, 2]
        assert rows[1].effective_multiple == Decimal(5)

    def test_irr_matches_leverage(self) -> None:
        """max_leverage = IRR/(IRR − 1): 1.25 → 5x exactly; 1.111 → about 10x."""
        rows = isolated_margin_tiers_from_payload(ISOLATED)
        irr = rows[1].initial_risk_ratio
        assert irr / (irr - 1) == rows[1].effective_multiple

    def test_filters_symbol(self) -> None:
        """symbol= keeps one pair of a mixed list."""
        other = {**ISOLATED[0], "symbol": "ETHUSDT"}
        assert len(isolated_margin_tiers_from_payload([other, *ISOLATED], symbol="BTCUSDT")) == 2

    @pytest.mark.parametrize(
        ("payload", "kwargs", "match"),
        [
            ([ISOLATED[1]], {}, r"payload\[0\]\.tier must be 1"),
            ([ISOLATED[0], {**ISOLATED[1], "symbol": "ETHUSDT"}], {}, "pass symbol="),
            ([], {}, "no isolated margin tiers"),
            (ISOLATED, {"symbol": "ETHUSDT"}, "for symbol 'ETHUSDT'"),
            (ISOLATED, {"symbol": 3}, "symbol must be a string"),
            ([{**ISOLATED[0], "tier": "1.5"}], {}, "whole number"),
            ([{**ISOLATED[0], "tier": 0}], {}, "whole number"),
            ([{**ISOLATED[0], "liquidationRiskRatio": "1.2"}], {}, "below initial_risk_ratio"),
            ([{**ISOLATED[0], "effectiveMultiple": "1"}], {}, "above 1"),
            ([{**ISOLATED[0], "baseAssetMaxBorrowable": "-1"}], {}, "base_asset_max"),
            ([{**ISOLATED[0], "quoteAssetMaxBorrowable": None}], {}, "quoteAsset"),
            ({"symbol": "BTCUSDT"}, {}, "JSON array"),
        ],
        ids=[
            "order",
            "mixed",
            "empty",
            "unknown",
            "symbol-type",
            "fractional-tier",
            "tier-zero",
            "liq-above-irr",
            "multiple",
            "negative-borrowable",
            "none",
            "object",
        ],
    )
    def test_errors(self, payload: object, kwargs: dict[str, Any], match: str) -> None:
        """Bad tier payloads raise InvalidInputError naming the problem."""
        with pytest.raises(InvalidInputError, match=match):
            isolated_margin_tiers_from_payload(payload, **kwargs)

    @pytest.mark.parametrize(
        ("field", "value", "match"),
        [
            ("symbol", 1, "symbol must be a string"),
            ("tier", "1", "tier must be an integer"),
            ("tier", True, "tier must be an integer"),
            ("tier", 0, "tier must be an integer"),
        ],
        ids=["symbol", "tier-str", "tier-bool", "tier-zero"],
    )
    def test_row_validation(self, field: str, value: object, match: str) -> None:
        """A row checks its symbol and tier number."""
        fields: dict[str, Any] = {
            "symbol": "BTCUSDT",
            "tier": 1,
            "effective_multiple": 10,
            "initial_risk_ratio": "1.111",
            "liquidation_risk_ratio": "1.05",
            "base_asset_max_borrowable": 9,
            "quote_asset_max_borrowable": 70000,
            field: value,
        }
        with pytest.raises(InvalidInputError, match=match):
            IsolatedMarginTierRow(**fields)

    def test_zero_borrowable(self) -> None:
        """A tier that lends none of an asset is valid (0 borrowable)."""
        rows = isolated_margin_tiers_from_payload([{**ISOLATED[0], "baseAssetMaxBorrowable": 0}])
        assert rows[0].base_asset_max_borrowable == 0


class TestFuzz:
    """Only levrisk's documented errors escape the parsers, whatever comes in."""

    @given(json_fuzz, json_fuzz)
    def test_brackets(self, value: object, other: object) -> None:
        """Arbitrary fields in a bracket never raise anything but a LevriskError."""
        payload = _copy(USDM_LIST[1])
        payload["brackets"][1]["maintMarginRatio"] = value
        payload["brackets"][2]["notionalFloor"] = other
        for candidate in (payload, value, [value], {"symbol": "X", "brackets": value}):
            with contextlib.suppress(LevriskError):
                brackets_from_payload(candidate, symbol=None)
            with contextlib.suppress(LevriskError):
                bracket_tables_from_payload(candidate)

    @given(json_fuzz)
    def test_isolated(self, value: object) -> None:
        """Arbitrary fields in a tier never raise anything but a LevriskError."""
        for key in ("tier", "effectiveMultiple", "liquidationRiskRatio", "symbol"):
            with contextlib.suppress(LevriskError):
                isolated_margin_tiers_from_payload([{**ISOLATED[0], key: value}])

    @given(json_fuzz)
    def test_scale(self, value: object) -> None:
        """scale_brackets rejects anything that is not a positive number."""
        try:
            result = scale_brackets(binance.BTCUSDT_BRACKETS, value)  # type: ignore[arg-type]
        except LevriskError:
            return
        assert result.max_cap > 0


class TestInterestCounting:
    """rule-interest [published]: Binance charges at borrowing and at every HH:00."""

    def test_published_example(self) -> None:
        """1,000 USDT at 0.001%/h from 13:55 to 14:30: accruals 13:55 and 14:00 → 0.02 USDT."""
        utc = dt.timezone.utc
        interest = accrued_interest(
            1000,
            "0.00001",
            dt.datetime(2024, 5, 1, 13, 55, tzinfo=utc),
            dt.datetime(2024, 5, 1, 14, 30, tzinfo=utc),
            counting=binance.INTEREST_COUNTING,
        )
        assert interest == Decimal("0.02")

    def test_differs_from_bybit_and_okx(self) -> None:
        """13:20 → 14:15: Binance 2 hours, Bybit 1 started hour, OKX 1 clock hour."""
        utc = dt.timezone.utc
        start = dt.datetime(2024, 5, 1, 13, 20, tzinfo=utc)
        end = dt.datetime(2024, 5, 1, 14, 15, tzinfo=utc)
        hours = {
            venue.INTEREST_COUNTING: len(
                accrual_times(start, end, counting=venue.INTEREST_COUNTING)
            )
            for venue in (binance, bybit, okx)
        }
        assert hours == {"binance": 2, "started_hour": 1, "clock_hour": 1}


BTC_CONTRACT = Contract(symbol="BTCUSDT", kind="linear", brackets=binance.BTCUSDT_BRACKETS)
ETH_CONTRACT = Contract(symbol="ETHUSDT", kind="linear", brackets=binance.ETHUSDT_BRACKETS)
BTCUSD_CONTRACT = binance.BTCUSD_PERP_CONTRACT  # inverse, 100 USD, margined in BTC
CONTRACTS = {"BTCUSDT": BTC_CONTRACT, "ETHUSDT": ETH_CONTRACT}

# GET /fapi/v2/positionRisk (one-way mode): every symbol listed, strings throughout.
POSITION_RISK: list[dict[str, Any]] = [
    {
        "entryPrice": "50000.0",
        "breakEvenPrice": "50020.0",
        "marginType": "cross",
        "isAutoAddMargin": "false",
        "isolatedMargin": "0.00000000",
        "leverage": "2",
        "liquidationPrice": "25100.40160642",
        "markPrice": "50000.00000000",
        "maxNotionalValue": "100000000",
        "positionAmt": "0.020",
        "notional": "1000.00000000",
        "isolatedWallet": "0",
        "symbol": "BTCUSDT",
        "unRealizedProfit": "0.00000000",
        "positionSide": "BOTH",
        "updateTime": 1720736417660,
    },
    {
        "entryPrice": "3000.0",
        "breakEvenPrice": "2998.8",
        "marginType": "isolated",
        "isAutoAddMargin": "false",
        "isolatedMargin": "301.50000000",
        "leverage": "10",
        "liquidationPrice": "3283.58208955",
        "markPrice": "2985.00000000",
        "maxNotionalValue": "1000000",
        "positionAmt": "-1.000",
        "notional": "-2985.00000000",
        "isolatedWallet": "300.00000000",
        "symbol": "ETHUSDT",
        "unRealizedProfit": "15.00000000",
        "positionSide": "BOTH",
        "updateTime": 1720736417660,
    },
    {
        "entryPrice": "0.0",
        "breakEvenPrice": "0.0",
        "marginType": "cross",
        "isAutoAddMargin": "false",
        "isolatedMargin": "0.00000000",
        "leverage": "20",
        "liquidationPrice": "0",
        "markPrice": "0.50000000",
        "maxNotionalValue": "25000",
        "positionAmt": "0.0",
        "notional": "0",
        "isolatedWallet": "0",
        "symbol": "XRPUSDT",
        "unRealizedProfit": "0.00000000",
        "positionSide": "BOTH",
        "updateTime": 0,
    },
]


class TestPositionRisk:
    """rule-futures-margin-pnl [published]: positionRisk entries → Position, CrossAccount."""

    def test_round_trip(self) -> None:
        """Open positions come back with side, size, wallet and Binance's own figures."""
        risks = position_risks_from_payload(POSITION_RISK, contracts=CONTRACTS)
        assert [r.position.contract.symbol for r in risks] == ["BTCUSDT", "ETHUSDT"]
        btc, eth = risks
        assert btc.position == Position(
            contract=BTC_CONTRACT, side="long", size="0.020", entry_price=50_000, leverage=2
        )
        assert btc.margin_type == "cross"
        assert btc.isolated_wallet == 0
        assert eth.position.side == "short"
        assert eth.position.size == 1
        assert eth.isolated_wallet == Decimal(300)
        assert eth.mark_price == Decimal(2985)
        assert eth.liquidation_price == Decimal("3283.58208955")

    def test_isolated_price_matches_binance(self) -> None:
        """The isolated ETH short solves to the payload's liquidationPrice (8 decimals)."""
        eth = position_risks_from_payload(POSITION_RISK, contracts=CONTRACTS)[1]
        lp = isolated_liquidation_price(
            eth.position, margin=eth.isolated_wallet, rule=binance.USDM_RULE
        )
        assert lp is not None
        assert eth.liquidation_price is not None
        assert round_to_step(lp, "0.00000001", "half_up") == eth.liquidation_price

    def test_cross_account(self) -> None:
        """Cross positions form the account; its price is Binance's 25,100.40."""
        account = cross_account_from_payload(POSITION_RISK, wallet_balance=500, contracts=CONTRACTS)
        assert account.position_mode == "one_way"
        assert [p.contract.symbol for p in account.positions] == ["BTCUSDT"]
        marks = mark_prices_from_payload(POSITION_RISK)
        lp = cross_liquidation_price(account, "BTCUSDT", mark_prices=marks, rule=binance.USDM_RULE)
        assert lp is not None
        assert round_to_step(lp, "0.01", "half_up") == Decimal("25100.40")

    def test_hedge_mode(self) -> None:
        """LONG and SHORT entries of one symbol make a hedge-mode account."""
        long_leg = {**POSITION_RISK[0], "positionSide": "LONG"}
        short_leg = {**POSITION_RISK[0], "positionSide": "SHORT", "positionAmt": "-0.010"}
        account = cross_account_from_payload(
            [long_leg, short_leg], wallet_balance=500, contracts=CONTRACTS
        )
        assert account.position_mode == "hedge"
        assert [p.side for p in account.positions] == ["long", "short"]

    def test_coinm(self) -> None:
        """COIN-M positionAmt is in contracts; the contract carries CS = 100."""
        entry = {
            **POSITION_RISK[0],
            "symbol": "BTCUSD_PERP",
            "positionAmt": "100",
            "entryPrice": "25000",
            "leverage": "20",
        }
        risks = position_risks_from_payload([entry], contracts={"BTCUSD_PERP": BTCUSD_CONTRACT})
        assert risks[0].position.size == 100
        assert risks[0].position.contract.contract_size == 100

    def test_marks(self) -> None:
        """Mark prices by symbol; a zero mark is skipped."""
        marks = mark_prices_from_payload([*POSITION_RISK, {"symbol": "X", "markPrice": "0"}])
        assert marks == {
            "BTCUSDT": Decimal(50000),
            "ETHUSDT": Decimal(2985),
            "XRPUSDT": Decimal("0.5"),
        }

    @pytest.mark.parametrize(
        ("change", "error", "match"),
        [
            ({"symbol": "SOLUSDT"}, InvalidInputError, "'SOLUSDT' has no Contract"),
            ({"positionSide": "UP"}, InvalidInputError, "positionSide must be"),
            ({"marginType": "portfolio"}, InvalidInputError, r"payload\[0\]\.marginType must"),
            ({"entryPrice": "0"}, InvalidInputError, r"payload\[0\]: entry_price must be"),
            ({"positionAmt": None}, InvalidInputError, r"positionAmt must be a number"),
            ({"markPrice": "-1"}, InvalidInputError, "mark_price must be positive"),
        ],
        ids=["symbol", "side", "margin-type", "entry", "amount", "mark"],
    )
    def test_errors(self, change: dict[str, Any], error: type[Exception], match: str) -> None:
        """A bad entry names its index and the field."""
        payload = [{**POSITION_RISK[0], **change}]
        with pytest.raises(error, match=match):
            position_risks_from_payload(payload, contracts=CONTRACTS)

    def test_leverage_is_never_refused(self) -> None:
        """An existing position above its bracket's max leverage is kept, with a warning."""
        payload = [{**POSITION_RISK[0], "leverage": "150"}]
        with pytest.warns(LevriskWarning, match=r"^payload\[0\]: leverage must be"):
            risk = position_risks_from_payload(payload, contracts=CONTRACTS)[0]
        assert risk.position.leverage == Decimal(150)

    def test_contracts_must_be_mapping(self) -> None:
        """The contracts argument must map symbols to Contracts."""
        with pytest.raises(InvalidInputError, match="contracts must be a mapping"):
            position_risks_from_payload(POSITION_RISK, contracts=[BTC_CONTRACT])  # type: ignore[arg-type]

    def test_position_risk_validation(self) -> None:
        """PositionRisk checks its position and margin type."""
        risk = position_risks_from_payload(POSITION_RISK, contracts=CONTRACTS)[0]
        with pytest.raises(InvalidInputError, match="margin_type must be"):
            PositionRisk(position=risk.position, margin_type="x", isolated_wallet=0, mark_price=1)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="position must be a Position"):
            PositionRisk(position=None, margin_type="cross", isolated_wallet=0, mark_price=1)  # type: ignore[arg-type]

    @pytest.mark.filterwarnings("ignore::levrisk.exceptions.LevriskWarning")
    @given(json_fuzz)
    def test_fuzz(self, value: object) -> None:
        """Arbitrary field values never raise anything but a LevriskError."""
        for key in ("positionAmt", "entryPrice", "leverage", "markPrice", "marginType"):
            with contextlib.suppress(LevriskError):
                position_risks_from_payload([{**POSITION_RISK[1], key: value}], contracts=CONTRACTS)
        with contextlib.suppress(LevriskError):
            cross_account_from_payload(value, wallet_balance=value, contracts=CONTRACTS)  # type: ignore[arg-type]
        with contextlib.suppress(LevriskError):
            mark_prices_from_payload([{"symbol": "X", "markPrice": value}])


class TestSpotMarginPresets:
    """Binance spot-margin thresholds as data.

    Rules: rule-margin-level, rule-spot-liquidation, rule-cross-margin-pro [published].
    """

    def test_cross_presets(self) -> None:
        """Cross classic: call 1.3, liquidation 1.1, IRR 1.5 (3x) and 1.25 (5x)."""
        assert binance.CROSS_3X.margin_call == Decimal("1.3")
        assert binance.CROSS_3X.liquidation == binance.CROSS_5X.liquidation == Decimal("1.1")
        assert binance.CROSS_3X.initial_risk_ratio == Decimal("1.5")
        assert binance.CROSS_5X.initial_risk_ratio == Decimal("1.25")
        for preset in (binance.CROSS_3X, binance.CROSS_5X):
            irr = preset.initial_risk_ratio
            assert irr / (irr - 1) == preset.max_leverage

    def test_cross_liquidation_example(self) -> None:
        """10,000 USDT own + 20,000 borrowed, 1 BTC bought at 30,000 → liquidation at 22,000."""
        account = CrossMarginAccount(
            balances={"BTC": 1, "USDT": 0}, loans=[Loan(asset="USDT", principal=20_000)]
        )
        lp = liquidation_price(
            account,
            asset="BTC",
            prices={"BTC": 30_000},
            liquidation_level=binance.CROSS_3X.liquidation,
        )
        assert lp == Decimal(22000)
        assert margin_status(Decimal("1.1"), binance.CROSS_3X) == "FORCE_LIQUIDATION"

    def test_isolated_tier1(self) -> None:
        """Isolated 10x tier 1: liquidation 1.05, call 1.09, IRR 1.111."""
        t = binance.ISOLATED_10X_TIER1
        assert (t.liquidation, t.margin_call, t.initial_risk_ratio) == (
            Decimal("1.05"),
            Decimal("1.09"),
            Decimal("1.111"),
        )

    def test_pro_level(self) -> None:
        """Cross Margin Pro liquidates at a Pro margin level of 1.0."""
        assert binance.CROSS_MARGIN_PRO_LIQUIDATION_LEVEL == 1


class TestContractPresets:
    """rule-futures [published]: the contract presets over the shipped snapshots."""

    @pytest.mark.parametrize(
        ("symbol", "contract", "kind", "size"),
        [
            ("BTCUSDT", binance.BTCUSDT_CONTRACT, "linear", 1),
            ("ETHUSDT", binance.ETHUSDT_CONTRACT, "linear", 1),
            ("BTCUSD_PERP", binance.BTCUSD_PERP_CONTRACT, "inverse", 100),
        ],
        ids=["BTCUSDT", "ETHUSDT", "BTCUSD_PERP"],
    )
    def test_preset_is_its_snapshot(
        self, symbol: str, contract: Contract, kind: str, size: int
    ) -> None:
        """Each preset equals the contract built from its snapshot, and CONTRACTS holds it."""
        snapshot = binance.SNAPSHOTS[symbol]
        built = Contract(
            symbol=snapshot.symbol,
            kind="linear" if kind == "linear" else "inverse",
            contract_size=size,
            brackets=snapshot.brackets,
            margin_asset=None if kind == "linear" else "BTC",
        )
        assert contract == built
        preset = binance.CONTRACTS[symbol]
        assert preset.contract is contract
        assert preset.snapshot is snapshot
        assert preset.rule is binance.LIQUIDATION_RULE

    def test_every_snapshot_has_a_preset(self) -> None:
        """The presets cover exactly the shipped snapshots."""
        assert set(binance.CONTRACTS) == set(binance.SNAPSHOTS)

    @pytest.mark.parametrize(
        ("symbol", "units"),
        [
            ("BTCUSDT", ("USDT", "USDT", "BTC")),
            ("ETHUSDT", ("USDT", "USDT", "ETH")),
            ("BTCUSD_PERP", ("USD", "BTC", "contracts of 100 USD")),
        ],
        ids=["BTCUSDT", "ETHUSDT", "BTCUSD_PERP"],
    )
    def test_units(self, symbol: str, units: tuple[str, str, str]) -> None:
        """Linear contracts settle in the quote, the inverse one in the coin."""
        preset = binance.CONTRACTS[symbol]
        assert (preset.price_unit, preset.margin_unit, preset.size_unit) == units

    @pytest.mark.parametrize(
        ("field", "value", "match"),
        [
            ("snapshot", binance.ETHUSDT_SNAPSHOT, "snapshot must be the contract's own"),
            ("contract", "BTCUSDT", "contract must be a Contract"),
            ("rule", None, "rule must be a LiquidationRule"),
            ("size_unit", 1, "size_unit must be a string"),
        ],
        ids=["other-snapshot", "contract", "rule", "unit"],
    )
    def test_validation(self, field: str, value: object, match: str) -> None:
        """A preset checks its fields, and that the snapshot is its contract's own."""
        fields: dict[str, Any] = {
            "contract": binance.BTCUSDT_CONTRACT,
            "snapshot": binance.BTCUSDT_SNAPSHOT,
            "rule": binance.LIQUIDATION_RULE,
            "price_unit": "USDT",
            "margin_unit": "USDT",
            "size_unit": "BTC",
            field: value,
        }
        with pytest.raises(InvalidInputError, match=match):
            ContractPreset(**fields)


class TestCanonicalNames:
    """rule-venues: each Binance preset has one canonical name; the old ones are aliases."""

    def test_rule_aliases(self) -> None:
        """USDM_RULE and COINM_RULE are LIQUIDATION_RULE, the fee-less rule at mark."""
        assert binance.USDM_RULE is binance.LIQUIDATION_RULE
        assert binance.COINM_RULE is binance.LIQUIDATION_RULE
        assert LiquidationRule() == binance.LIQUIDATION_RULE

    def test_thresholds_are_margins_objects(self) -> None:
        """binance.CROSS_3X and friends are the objects levrisk.margin names BINANCE_*."""
        assert binance.CROSS_3X is margin.BINANCE_CROSS_3X
        assert binance.CROSS_5X is margin.BINANCE_CROSS_5X
        assert binance.ISOLATED_10X_TIER1 is margin.BINANCE_ISOLATED_10X_TIER1

    def test_margin_accounts(self) -> None:
        """MARGIN_ACCOUNTS names each shipped threshold preset once."""
        assert {key: t for key, (_, t) in binance.MARGIN_ACCOUNTS.items()} == {
            "cross-3x": binance.CROSS_3X,
            "cross-5x": binance.CROSS_5X,
            "isolated": binance.ISOLATED_10X_TIER1,
        }

    def test_fee_constants(self) -> None:
        """The clearance fees are risk's objects: 2 % classic and isolated, 3 % Pro."""
        assert binance.SPOT_LIQUIDATION_FEE_RATE is risk.SPOT_LIQUIDATION_FEE_RATE
        assert binance.PRO_LIQUIDATION_FEE_RATE is risk.PRO_LIQUIDATION_FEE_RATE
        assert Decimal("0.02") == binance.SPOT_LIQUIDATION_FEE_RATE
        assert Decimal("0.03") == binance.PRO_LIQUIDATION_FEE_RATE

    def test_every_venue_has_the_same_shape(self) -> None:
        """Each venue module names itself and ships a rule (a preset or a factory)."""
        for venue in exchanges.VENUES:
            assert isinstance(venue.VENUE, str)
            assert hasattr(venue, "LIQUIDATION_RULE") or hasattr(venue, "liquidation_rule")
        assert bitmex.RULE is bitmex.LIQUIDATION_RULE
        assert bybit.classic_rule is bybit.liquidation_rule
        lenders = {v.VENUE for v in exchanges.VENUES if hasattr(v, "INTEREST_COUNTING")}
        assert lenders == {"Binance", "Bybit", "OKX"}


class TestIsolatedTierTable:
    """rule-margin-level [published]: isolatedMarginTier → levrisk.margin tier table."""

    def test_table(self) -> None:
        """Two tiers with a per-tier margin call; tier 1 is Binance's 10x tier 1."""
        table = binance.isolated_tier_table_from_payload(
            ISOLATED, margin_call={1: "1.09", 2: "1.15"}
        )
        assert table.tiers[0].thresholds == binance.ISOLATED_10X_TIER1
        assert table.tiers[1].thresholds.max_leverage == 5
        assert table.tier_for(base_borrowed=10, quote_borrowed=0).tier == 2

    @pytest.mark.parametrize(
        ("payload", "margin_call", "match"),
        [
            (ISOLATED, {1: "1.09"}, "no level for tier 2"),
            (ISOLATED, "1.0", r"tier 1 \(row 0\): margin_call must be above"),
            ([{**ISOLATED[0], "quoteAssetMaxBorrowable": "0"}], "1.09", "quote_borrow_limit"),
        ],
        ids=["missing-call", "call-below-liquidation", "zero-limit"],
    )
    def test_errors(self, payload: object, margin_call: Any, match: str) -> None:
        """A missing or inconsistent margin call, or a zero limit, is an error."""
        with pytest.raises(InvalidInputError, match=match):
            binance.isolated_tier_table_from_payload(payload, margin_call=margin_call)


PRO: list[dict[str, Any]] = [
    {
        "assetNames": ["SHIB", "FDUSD", "BTC", "ETH", "USDC"],
        "rank": 1,
        "brackets": [
            {
                "leverage": 10,
                "maxDebt": 1000000.00000000,
                "maintenanceMarginRate": 0.02000000,
                "initialMarginRate": 0.1112,
                "fastNum": 0,
            },
            {
                "leverage": 3,
                "maxDebt": 4000000.00000000,
                "maintenanceMarginRate": 0.07000000,
                "initialMarginRate": 0.5000,
                "fastNum": 60000.0000000,
            },
        ],
    },
    {
        "assetNames": ["USDT"],
        "rank": 2,
        "brackets": [
            {
                "leverage": 10,
                "maxDebt": 2000000.00000000,
                "maintenanceMarginRate": 0.02000000,
                "initialMarginRate": 0.1112,
                "fastNum": 0,
            }
        ],
    },
]


class TestProTiers:
    """rule-cross-margin-pro [published]: Cross Margin Pro liability brackets per asset."""

    def test_tables(self) -> None:
        """Each asset gets its group's table with the published initial rates."""
        tables = binance.pro_tiers_from_payload(PRO)
        assert sorted(tables) == ["BTC", "ETH", "FDUSD", "SHIB", "USDC", "USDT"]
        assert tables["BTC"] is tables["SHIB"]
        btc = tables["BTC"]
        assert [b.initial_rate for b in btc.brackets] == [Decimal("0.1112"), Decimal("0.5")]
        assert btc.brackets[1].maintenance_amount == Decimal(50000)
        assert tables["USDT"].max_cap == 2_000_000

    def test_pro_margin_level(self) -> None:
        """The parsed tables drive levrisk.margin's Pro margin level."""
        account = CrossMarginAccount(
            balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)]
        )
        level = pro_margin_level(
            account, {"BTC": 33_000}, tiers=binance.pro_tiers_from_payload(PRO)
        )
        # net equity 13,000 over MM 20,000 × 2% = 400
        assert level == Decimal("32.5")

    @pytest.mark.parametrize(
        ("change", "match"),
        [
            ({"assetNames": ["BTC"]}, r"payload\[1\]\.assetNames\[0\] 'BTC' is listed in two"),
            ({"assetNames": [""]}, "must be a non-empty string"),
            ({"assetNames": "USDT"}, "assetNames must be a JSON array"),
            ({"brackets": []}, "holds no tiers"),
        ],
        ids=["duplicate", "empty-name", "names-type", "no-brackets"],
    )
    def test_errors(self, change: dict[str, Any], match: str) -> None:
        """Bad groups are named by path."""
        with pytest.raises(InvalidInputError, match=match):
            binance.pro_tiers_from_payload([PRO[0], {**PRO[1], **change}])

    @pytest.mark.filterwarnings("ignore::levrisk.exceptions.LevriskWarning")
    @given(json_fuzz)
    def test_fuzz(self, value: object) -> None:
        """Arbitrary values never raise anything but a LevriskError."""
        for key in ("leverage", "maxDebt", "maintenanceMarginRate", "initialMarginRate"):
            bracket = {**PRO[1]["brackets"][0], key: value}
            with contextlib.suppress(LevriskError):
                binance.pro_tiers_from_payload([{**PRO[1], "brackets": [bracket]}])
        with contextlib.suppress(LevriskError):
            binance.isolated_tier_table_from_payload(ISOLATED, margin_call=value)  # type: ignore[arg-type]
