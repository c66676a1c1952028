"""levrisk.exchanges.okx spot margin (rule-okx-spot-margin): ratio, price, borrowing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk.exceptions import AlreadyLiquidatedError, AlwaysLiquidatedError, InvalidInputError
from levrisk.exchanges import okx
from levrisk.interest import first_accrual
from strategies import decimals

RATES: dict[str, Any] = {"maintenance_rate": "0.08", "taker_fee_rate": "0.001"}
K = Decimal("1.08") * Decimal("1.001")


class TestQuickMode:
    """rule-okx-spot-margin [published]: OKX's quick margin mode, one pair."""

    def test_long_price(self) -> None:
        """A 5x ETH long: 6 ETH against 5,000 USDT liquidates at 5000·k/6."""
        price = okx.spot_liquidation_price(
            base_assets=6, quote_assets=0, base_liability=0, quote_liability=5000, **RATES
        )
        assert price == Decimal("900.9")

    def test_short_price(self) -> None:
        """A short: 11,000 USDT against 10 ETH owed liquidates at 11000/(10·k)."""
        price = okx.spot_liquidation_price(
            base_assets=0, quote_assets=11000, base_liability=10, quote_liability=0, **RATES
        )
        assert price is not None
        assert abs(Fraction(price) - Fraction(11000) / (10 * Fraction(K))) < Fraction(1, 10**40)

    def test_ratio_is_one_at_the_price(self) -> None:
        """At the liquidation price the ratio is exactly 100%."""
        pair: dict[str, Any] = {
            "base_assets": "2.5",
            "quote_assets": 300,
            "base_liability": "0.5",
            "quote_liability": 2000,
        }
        price = okx.spot_liquidation_price(**pair, **RATES)
        assert price is not None
        ratio = okx.spot_margin_ratio(**pair, mark_price=price, **RATES)
        assert ratio is not None
        assert abs(ratio - 1) < Decimal("1e-40")

    @given(
        assets=decimals("1", "100", places=3),
        owed=decimals("100", "100000", places=2),
        mark=decimals("100", "100000", places=2),
    )
    def test_ratio_is_net_over_maintenance_and_fee(
        self, assets: Decimal, owed: Decimal, mark: Decimal
    ) -> None:
        """Net assets ÷ (MM + c·(1 + m)·liability), OKX's terms."""
        ratio = okx.spot_margin_ratio(
            base_assets=assets,
            quote_assets=0,
            base_liability=0,
            quote_liability=owed,
            mark_price=mark,
            **RATES,
        )
        net = Fraction(assets) * Fraction(mark) - Fraction(owed)
        mm = Fraction(owed) * Fraction("0.08")
        fee = Fraction(owed) * Fraction("1.08") * Fraction("0.001")
        assert ratio is not None
        assert abs(Fraction(ratio) - net / (mm + fee)) < Fraction(1, 10**35)

    def test_no_liability(self) -> None:
        """Without liabilities there is no ratio and no price."""
        pair: dict[str, Any] = {
            "base_assets": 1,
            "quote_assets": 1,
            "base_liability": 0,
            "quote_liability": 0,
        }
        assert okx.spot_margin_ratio(**pair, mark_price=1, **RATES) is None
        assert okx.spot_liquidation_price(**pair, **RATES) is None

    def test_long_covered_by_quote(self) -> None:
        """A net long whose quote covers k·L_q never liquidates."""
        price = okx.spot_liquidation_price(
            base_assets=1, quote_assets=2000, base_liability=0, quote_liability=1000, **RATES
        )
        assert price is None

    def test_short_uncovered_always(self) -> None:
        """A net short whose quote does not cover k·L_q liquidates at every price."""
        with pytest.raises(AlwaysLiquidatedError, match="every price"):
            okx.spot_liquidation_price(
                base_assets=0, quote_assets=100, base_liability=1, quote_liability=1000, **RATES
            )

    def test_flat_exposure(self) -> None:
        """With B = k·L_b the price does not matter: safe or always liquidated."""
        covered: dict[str, Any] = {"base_assets": K, "base_liability": 1}
        assert (
            okx.spot_liquidation_price(quote_assets=10, quote_liability=0, **covered, **RATES)
            is None
        )
        with pytest.raises(AlwaysLiquidatedError):
            okx.spot_liquidation_price(quote_assets=0, quote_liability=10, **covered, **RATES)

    @pytest.mark.parametrize(
        ("pair", "mark"),
        [
            (
                {"base_assets": 6, "quote_assets": 0, "base_liability": 0, "quote_liability": 5000},
                900,
            ),
            (
                {
                    "base_assets": 0,
                    "quote_assets": 11000,
                    "base_liability": 10,
                    "quote_liability": 0,
                },
                1100,
            ),
        ],
        ids=["long-below", "short-above"],
    )
    def test_already(self, pair: dict[str, Any], mark: int) -> None:
        """A mark at or past the price raises with the crossed price."""
        with pytest.raises(AlreadyLiquidatedError) as caught:
            okx.spot_liquidation_price(**pair, mark_price=mark, **RATES)
        assert caught.value.price is not None

    def test_alive_at_mark(self) -> None:
        """A mark on the safe side returns the price."""
        price = okx.spot_liquidation_price(
            base_assets=6,
            quote_assets=0,
            base_liability=0,
            quote_liability=5000,
            mark_price=1000,
            **RATES,
        )
        assert price == Decimal("900.9")


class TestLegacyMode:
    """rule-okx-spot-margin [published]: the legacy isolated mode's two formulas."""

    def test_long(self) -> None:
        """Long: (liability + interest)·(1 + m)·(1 + c) / position assets."""
        price = okx.legacy_isolated_liquidation_price(
            "long", position_assets="1.1", liability=10000, **RATES
        )
        assert price == Decimal(10000) * K / Decimal("1.1")

    def test_short(self) -> None:
        """Short: position assets / ((liability + interest)·(1 + m)·(1 + c))."""
        price = okx.legacy_isolated_liquidation_price(
            "short", position_assets=22000, liability=2, **RATES
        )
        assert price is not None
        assert abs(Fraction(price) - Fraction(22000) / (2 * Fraction(K))) < Fraction(1, 10**40)

    def test_rejects_side(self) -> None:
        """A side outside long/short is named."""
        with pytest.raises(InvalidInputError, match="side"):
            okx.legacy_isolated_liquidation_price(
                "flat",  # type: ignore[arg-type]  # the bad input tested
                position_assets=1,
                liability=1,
                **RATES,
            )


class TestAvailableToBorrow:
    """rule-okx-spot-margin [published]: margin balance × leverage."""

    def test_page_example(self) -> None:
        """1 ETH at 1,000 USDT, 5x: up to 5,000 USDT."""
        assert okx.spot_available_to_borrow(1, leverage=5, price=1000) == Decimal(5000)

    @given(limit=st.integers(min_value=0, max_value=10_000))
    def test_limit(self, limit: int) -> None:
        """A limit caps the amount."""
        assert okx.spot_available_to_borrow(1, leverage=5, price=1000, limit=limit) == min(
            5000, limit
        )


class TestInterestCounting:
    """rule-interest [published]: OKX charges on the clock hour."""

    def test_clock_hour(self) -> None:
        """Borrowed 14:55, first interest at 15:00: the clock-hour rule."""
        assert okx.INTEREST_COUNTING == "clock_hour"
        borrowed = datetime(2024, 5, 1, 14, 55, tzinfo=timezone.utc)
        first = first_accrual(
            borrowed, borrowed + timedelta(hours=1), counting=okx.INTEREST_COUNTING
        )
        assert first == datetime(2024, 5, 1, 15, tzinfo=timezone.utc)


# The example response of OKX API v5, "Get positions" (GET /api/v5/account/positions,
# https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions): a MARGIN row.
DOCS_MARGIN_ROW: dict[str, Any] = {
    "adl": "1",
    "availPos": "0.00190433573",
    "avgPx": "62961.4",
    "baseBal": "",
    "baseBorrowed": "",
    "baseInterest": "",
    "bePx": "",
    "cTime": "1724740225685",
    "ccy": "BTC",
    "closeOrderAlgo": [],
    "idxPx": "62890.5",
    "imr": "",
    "instId": "BTC-USDT",
    "instType": "MARGIN",
    "interest": "0",
    "last": "62892.9",
    "lever": "5",
    "liab": "-99.9998177776581948",
    "liabCcy": "USDT",
    "liqPenalty": "",
    "liqPx": "53615.448336593756",
    "margin": "0.000317654",
    "markPx": "62891.9",
    "mgnMode": "isolated",
    "mgnRatio": "9.404143929947395",
    "mmr": "0.0000318005395854",
    "notionalUsd": "119.756628017499",
    "pendingCloseOrdLiabVal": "0",
    "pos": "0.00190433573",
    "posCcy": "BTC",
    "posId": "1752810569801498626",
    "posSide": "net",
    "quoteBal": "",
    "quoteBorrowed": "",
    "quoteInterest": "",
    "tradeId": "785524470",
    "uTime": "1724742632153",
    "upl": "-0.0000033452492717",
    "uplLastPx": "-0.0000033199677697",
    "uplRatio": "-0.0105311101755551",
    "uplRatioLastPx": "-0.0104515220008934",
    "usdPx": "",
}
# The example's tier: m = 2 % and the 0.1 % taker fee give k = 1.02102 (its liqPx·pos/liab).
DOCS_RATES: dict[str, Any] = {"maintenance_rate": "0.02", "taker_fee_rate": "0.001"}


def _margin_row(**fields: Any) -> dict[str, Any]:
    return {**DOCS_MARGIN_ROW, **fields}


class TestMarginPositions:
    """rule-okx-spot-margin: ``account/positions`` MARGIN rows parsed into the pair."""

    def test_docs_example(self) -> None:
        """The documented row: a long of pos BTC owing |liab| USDT, OKX's figures kept."""
        parsed = okx.margin_position_report_from_payload({"code": "0", "data": [DOCS_MARGIN_ROW]})
        assert parsed.errors == ()
        (row,) = parsed.rows
        assert (row.inst_id, row.margin_mode, row.side) == ("BTC-USDT", "isolated", "long")
        assert row.pair == {
            "base_assets": Decimal("0.00190433573"),
            "quote_assets": 0,
            "base_liability": 0,
            "quote_liability": Decimal("99.9998177776581948"),
        }
        assert row.liability == Decimal("99.9998177776581948")
        assert row.available == Decimal("0.00190433573")
        assert row.margin == Decimal("0.000317654")
        assert row.mark_price == Decimal("62891.9")
        assert row.interest == 0

    def test_docs_example_checks_the_rule(self) -> None:
        """The ratio, price and maintenance of levrisk match OKX's to its digits (doubles)."""
        row = okx.margin_position_report_from_payload([DOCS_MARGIN_ROW]).rows[0]
        price = okx.spot_liquidation_price(**row.pair, **DOCS_RATES)
        ratio = okx.spot_margin_ratio(**row.pair, mark_price=row.mark_price, **DOCS_RATES)
        assert price is not None
        assert ratio is not None
        assert abs(price / row.liquidation_price - 1) < Decimal("1E-15")
        assert abs(ratio / row.margin_ratio - 1) < Decimal("1E-15")
        # mmr is the maintenance L·m in the margin currency (BTC) at the mark, to its 16 decimals
        maintenance = row.liability * Decimal("0.02") / row.mark_price
        assert maintenance.quantize(Decimal("1E-16")) == row.maintenance_margin

    def test_short_owes_base(self) -> None:
        """A posCcy of the quote: a short holding quote and owing base, interest added."""
        row = okx.margin_position_report_from_payload(
            [_margin_row(pos="500", posCcy="USDT", liab="-0.01", liabCcy="BTC", interest="0.0001")]
        ).rows[0]
        assert row.side == "short"
        assert row.pair == {
            "base_assets": 0,
            "quote_assets": Decimal(500),
            "base_liability": Decimal("0.0101"),
            "quote_liability": 0,
        }

    def test_skips_other_rows(self) -> None:
        """SWAP rows and empty positions are not margin positions."""
        rows = [
            _margin_row(instType="SWAP"),
            _margin_row(pos="0"),
            DOCS_MARGIN_ROW,
        ]
        assert len(okx.margin_position_report_from_payload(rows).rows) == 1

    @pytest.mark.parametrize(
        ("fields", "match"),
        [
            ({"posCcy": "ETH"}, "posCcy must be the base or the quote"),
            ({"instId": "BTCUSDT", "posCcy": "BTCUSDT"}, "posCcy must be the base or the quote"),
            ({"mgnMode": "portfolio"}, "margin_mode must be one of"),
            ({"markPx": "0"}, "mark_price"),
            ({"liab": ""}, "liab"),
        ],
        ids=["unknown-currency", "no-pair", "bad-mode", "zero-mark", "no-liability"],
    )
    def test_row_errors(self, fields: dict[str, Any], match: str) -> None:
        """A bad row is a RowError naming its path; the good rows still parse."""
        parsed = okx.margin_position_report_from_payload(
            {"data": [_margin_row(**fields), DOCS_MARGIN_ROW]}
        )
        assert len(parsed.rows) == 1
        (error,) = parsed.errors
        assert error.where == "payload.data[0]"
        assert match in error.message
        with pytest.raises(InvalidInputError, match=match):
            okx.margin_position_report_from_payload([_margin_row(**fields)], strict=True)

    def test_needs_a_list(self) -> None:
        """A payload that holds no list of rows is an InvalidInputError."""
        with pytest.raises(InvalidInputError, match=r"payload\.data"):
            okx.margin_position_report_from_payload({"data": "none"})
