"""levrisk.exchanges.hyperliquid (rule-hyperliquid): maintenance, tiers, funding, payloads."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk.exceptions import BracketError, InvalidInputError, LevriskWarning
from levrisk.exchanges import VENUES, hyperliquid
from levrisk.futures import (
    Contract,
    Position,
    Side,
    cross_liquidation_price,
    isolated_liquidation_price,
    margin_ratio,
)
from strategies import decimals

BTC = Contract(symbol="BTC", kind="linear", brackets=hyperliquid.MARGIN_TIERS["BTC"])
ETH = Contract(symbol="ETH", kind="linear", brackets=hyperliquid.MARGIN_TIERS["ETH"])


def _position(**fields: Any) -> dict[str, Any]:
    """One ``assetPositions`` entry with ``fields`` over a small BTC long."""
    position: dict[str, Any] = {
        "coin": "BTC",
        "szi": "0.1",
        "leverage": {"type": "cross", "value": 20},
        "entryPx": "100000.0",
        "positionValue": "10100.0",
        "unrealizedPnl": "100.0",
        "liquidationPx": None,
        "marginUsed": "505.0",
    }
    position.update(fields)
    return {"type": "oneWay", "position": position}


class TestMaintenanceRate:
    """rule-hyperliquid [published]: MM is half the initial margin at the max leverage."""

    @pytest.mark.parametrize(
        ("leverage", "expected"),
        [(20, Decimal("0.025")), (50, Decimal("0.01")), (40, Decimal("0.0125"))],
        ids=["docs-20x-2.5%", "docs-50x-1%", "btc-40x"],
    )
    def test_published(self, leverage: int, expected: Decimal) -> None:
        """The docs' 20x → 2.5% and 50x → 1%."""
        assert hyperliquid.maintenance_rate(leverage) == expected

    def test_three_x_is_16_7_percent(self) -> None:
        """The docs' 3x → 16.7% (1/6, shown rounded)."""
        assert round(hyperliquid.maintenance_rate(3), 3) == Decimal("0.167")

    def test_rejects_zero(self) -> None:
        """A leverage of 0 is named in the error."""
        with pytest.raises(InvalidInputError, match="max_leverage"):
            hyperliquid.maintenance_rate(0)


class TestBracketsFromTiers:
    """rule-hyperliquid, rule-brackets [published]: tiers with the deduction recursion."""

    def test_btc_deduction(self) -> None:
        """BTC: D_1 = 150M·(2.5% − 1.25%) = 1.875M; MM is continuous at 150M."""
        table = hyperliquid.MARGIN_TIERS["BTC"]
        assert table.brackets[1].maintenance_amount == Decimal(1875000)
        assert table.maintenance_margin(150_000_000) == Decimal(1875000)
        assert table.max_leverage(150_000_001) == Decimal(20)
        assert table.brackets[-1].cap == hyperliquid.TOP_NOTIONAL

    def test_snapshot_groups(self) -> None:
        """The grouped coins share their group's table; the source is dated."""
        tiers = hyperliquid.MARGIN_TIERS
        assert tiers["DOGE"] == tiers["HYPE"]
        assert tiers["DOT"].brackets[0].cap == Decimal(3_000_000)
        assert "2026-11-30" in hyperliquid.MARGIN_TIERS_SOURCE

    def test_rejects_no_tiers(self) -> None:
        """An empty list is an error."""
        with pytest.raises(InvalidInputError, match="non-empty list"):
            hyperliquid.brackets_from_tiers([])

    def test_rejects_a_tier_that_is_not_a_pair(self) -> None:
        """Each tier is a (lower bound, max leverage) pair."""
        with pytest.raises(InvalidInputError, match=r"tiers\[0\] must be"):
            hyperliquid.brackets_from_tiers([(0,)])  # type: ignore[list-item]  # the bad input tested

    def test_rejects_nonzero_first_bound(self) -> None:
        """The first tier starts at 0."""
        with pytest.raises(InvalidInputError, match=r"tiers\[0\] lower bound must be 0"):
            hyperliquid.brackets_from_tiers([(10, 40)])

    def test_rejects_unsorted(self) -> None:
        """Lower bounds must increase."""
        with pytest.raises(BracketError):
            hyperliquid.brackets_from_tiers([(0, 40), (100, 20), (50, 10)])


class TestLiquidation:
    """rule-hyperliquid [derived]: the docs' formula is the fee-less mark rule's solution."""

    @staticmethod
    def _docs_price(side: Side, size: Decimal, entry: Decimal, margin: Decimal) -> Fraction:
        """The docs: liq = P − side·A/Q/(1 − l·side) at P = entry, A = margin − l·Q·P (one tier)."""
        lev = Fraction(hyperliquid.maintenance_rate(40))
        s = 1 if side == "long" else -1
        q, p = Fraction(size), Fraction(entry)
        available = Fraction(margin) - lev * q * p
        return p - s * available / q / (1 - lev * s)

    @given(
        side=st.sampled_from(["long", "short"]),
        size=decimals("0.001", "100", places=3),
        entry=decimals("1000", "200000", places=1),
        leverage=st.integers(min_value=2, max_value=40),
    )
    def test_docs_formula(self, side: Side, size: Decimal, entry: Decimal, leverage: int) -> None:
        """Isolated at the initial margin (2x and up): levrisk agrees with the docs' formula."""
        position = Position(
            contract=BTC, side=side, size=size, entry_price=entry, leverage=leverage
        )
        margin = size * entry / leverage
        price = isolated_liquidation_price(
            position, margin=margin, rule=hyperliquid.LIQUIDATION_RULE
        )
        assert price is not None
        expected = self._docs_price(side, size, entry, margin)
        assert abs(Fraction(price) - expected) <= expected * Fraction(1, 10**40)

    def test_margin_ratio_is_one_at_the_price(self) -> None:
        """At the liquidation price MM equals the margin balance."""
        position = Position(contract=BTC, side="long", size=1, entry_price=100_000, leverage=10)
        price = isolated_liquidation_price(position, margin=10_000)
        assert price is not None
        ratio = margin_ratio(position, margin=10_000, mark_price=price)
        assert ratio is not None
        assert abs(ratio - 1) < Decimal("1e-40")


class TestFunding:
    """rule-hyperliquid [published]: hourly funding, capped at 4% an hour."""

    def test_docs_example(self) -> None:
        """A 1% premium at 0.01% interest gives 0.95% per 8 hours."""
        assert hyperliquid.funding_rate("0.01") == Decimal("0.0095")

    def test_clamp_inside(self) -> None:
        """A premium within 0.05% of the interest rate gives the interest rate."""
        assert hyperliquid.funding_rate("0.0003") == Decimal("0.0001")

    def test_clamp_below(self) -> None:
        """A negative premium beyond the band keeps 0.05% of it."""
        assert hyperliquid.funding_rate("-0.01") == Decimal("-0.0095")

    def test_schedule(self) -> None:
        """One hour, ±4% an hour."""
        schedule = hyperliquid.FUNDING_SCHEDULE
        assert schedule.interval == hyperliquid.FUNDING_INTERVAL
        assert schedule.clamp("0.05") == Decimal("0.04")
        assert schedule.clamp("-0.05") == Decimal("-0.04")


META: dict[str, Any] = {
    "universe": [
        {"name": "BTC", "szDecimals": 5, "maxLeverage": 40, "marginTableId": 56},
        {"name": "SUI", "szDecimals": 1, "maxLeverage": 10, "marginTableId": 10},
        {"name": "OLD", "szDecimals": 1, "maxLeverage": 3},
    ],
    "marginTables": [
        [
            56,
            {
                "description": "tiered 40x",
                "marginTiers": [
                    {"lowerBound": "0.0", "maxLeverage": 40},
                    {"lowerBound": "150000000.0", "maxLeverage": 20},
                ],
            },
        ]
    ],
}


class TestBracketsFromPayload:
    """rule-hyperliquid [published]: ``meta`` margin tables, IDs below 50, ``maxLeverage``."""

    def test_meta(self) -> None:
        """A listed table, a single-tier ID and an asset without an ID."""
        tables = hyperliquid.brackets_from_payload(META)
        assert tables["BTC"] == hyperliquid.MARGIN_TIERS["BTC"]
        assert tables["SUI"].max_leverage(10**9) == Decimal(10)
        assert tables["OLD"].brackets[0].maintenance_rate == hyperliquid.maintenance_rate(3)

    def test_meta_and_asset_contexts(self) -> None:
        """The ``[meta, assetCtxs]`` pair reads the same."""
        contexts = [{"markPx": "1"}, {"markPx": "2"}, {"markPx": "3"}]
        assert hyperliquid.brackets_from_payload([META, contexts]).keys() == {"BTC", "SUI", "OLD"}

    def test_no_tables(self) -> None:
        """Without ``marginTables`` every asset reads its ID or leverage."""
        meta = {"universe": [{"name": "ETH", "maxLeverage": 25}]}
        assert hyperliquid.brackets_from_payload(meta)["ETH"].max_leverage(1) == Decimal(25)

    def test_unknown_table(self) -> None:
        """An ID of 50 or more must be listed."""
        meta = {"universe": [{"name": "X", "maxLeverage": 5, "marginTableId": 57}]}
        with pytest.raises(InvalidInputError, match=r"not in meta\.marginTables"):
            hyperliquid.brackets_from_payload(meta)

    def test_bad_table_entry(self) -> None:
        """A table entry is an [id, table] pair."""
        meta = {"universe": [], "marginTables": [[56]]}
        with pytest.raises(InvalidInputError, match=r"\[id, table\] pair"):
            hyperliquid.brackets_from_payload(meta)

    def test_bad_pair(self) -> None:
        """A list payload is a pair."""
        with pytest.raises(InvalidInputError, match="pair"):
            hyperliquid.brackets_from_payload([META])


class TestMarkPrices:
    """rule-hyperliquid [published]: ``metaAndAssetCtxs`` mark prices."""

    def test_prices(self) -> None:
        """One price per asset, in the universe's order."""
        contexts = [{"markPx": "97000.5"}, {"markPx": "3.1"}, {"markPx": "0.5"}]
        prices = hyperliquid.mark_prices_from_payload([META, contexts])
        assert prices == {"BTC": Decimal("97000.5"), "SUI": Decimal("3.1"), "OLD": Decimal("0.5")}

    def test_needs_contexts(self) -> None:
        """A bare ``meta`` has no prices."""
        with pytest.raises(InvalidInputError, match="metaAndAssetCtxs"):
            hyperliquid.mark_prices_from_payload(META)

    def test_length_mismatch(self) -> None:
        """One context per asset."""
        with pytest.raises(InvalidInputError, match="one context per asset"):
            hyperliquid.mark_prices_from_payload([META, [{"markPx": "1"}]])


class TestPositions:
    """rule-hyperliquid [published]: ``clearinghouseState`` positions."""

    def test_cross_and_isolated(self) -> None:
        """Side from the sign, mark from positionValue, isolated margin without the PnL."""
        state = {
            "assetPositions": [
                _position(),
                _position(
                    coin="ETH",
                    szi="-2.0",
                    leverage={"type": "isolated", "value": 10, "rawUsd": "6400.0"},
                    entryPx="3000.0",
                    positionValue="6200.0",
                    unrealizedPnl="-200.0",
                    liquidationPx="3250.5",
                    marginUsed="200.0",
                ),
                _position(szi="0.0"),
            ]
        }
        parsed = hyperliquid.position_report_from_payload(state, contracts={"BTC": BTC, "ETH": ETH})
        cross, isolated = parsed.rows
        assert (cross.position.side, cross.margin_mode, cross.margin) == ("long", "cross", 0)
        assert cross.mark_price == Decimal(101000)
        assert cross.initial_margin == Decimal("505.0")
        assert cross.liquidation_price is None
        assert (isolated.position.side, isolated.margin) == ("short", Decimal("400.0"))
        assert isolated.liquidation_price == Decimal("3250.5")
        assert isolated.initial_margin is None
        assert parsed.errors == ()

    def test_bad_leverage_type(self) -> None:
        """A leverage type other than cross or isolated is a row error."""
        state = {"assetPositions": [_position(leverage={"type": "portfolio", "value": 1})]}
        parsed = hyperliquid.position_report_from_payload(state, contracts={"BTC": BTC})
        assert parsed.rows == ()
        assert "leverage.type" in parsed.errors[0].message

    def test_leverage_above_the_table_is_kept(self) -> None:
        """Issue 15 item 2: a held 100x BTC row (the table allows 40x) is kept, with a warning."""
        state = {"assetPositions": [_position(leverage={"type": "cross", "value": 100})]}
        with pytest.warns(LevriskWarning, match=r"^payload\.assetPositions\[0\]\.position: "):
            parsed = hyperliquid.position_report_from_payload(state, contracts={"BTC": BTC})
        assert parsed.errors == ()
        assert parsed.rows[0].position.leverage == 100

    def test_cross_account_gives_a_price_where_the_api_gives_null(self) -> None:
        """WB = accountValue − cross UPNL; levrisk solves the price the API left null."""
        state = {
            "crossMarginSummary": {"accountValue": "1100.0"},
            "assetPositions": [
                _position(),
                _position(
                    coin="ETH",
                    szi="1",
                    leverage={"type": "isolated", "value": 10},
                    positionValue="3000",
                    entryPx="3000",
                    unrealizedPnl="0",
                    marginUsed="300",
                ),
            ],
        }
        account = hyperliquid.cross_account_from_payload(state, contracts={"BTC": BTC, "ETH": ETH})
        assert account.wallet_balance == Decimal("1000.0")
        assert len(account.positions) == 1
        price = cross_liquidation_price(
            account, "BTC", mark_prices={"BTC": 101000}, rule=hyperliquid.LIQUIDATION_RULE
        )
        assert price is not None
        assert abs(Fraction(price) - Fraction(9000) / Fraction("0.09875")) < Fraction(1, 10**40)


class TestFace:
    """rule-venues: the module is one of ``levrisk.exchanges.VENUES``."""

    def test_in_venues(self) -> None:
        """Hyperliquid is listed, with its name and rule."""
        assert hyperliquid in VENUES
        assert hyperliquid.VENUE == "Hyperliquid"
        assert hyperliquid.LIQUIDATION_RULE.close_fee == "none"


# The example response of Hyperliquid's API documentation, "Info endpoint — Perpetuals:
# Retrieve user's perpetuals account summary" (clearinghouseState), as published.
DOCS_STATE: dict[str, Any] = {
    "assetPositions": [
        {
            "position": {
                "coin": "ETH",
                "cumFunding": {"allTime": "514.085417", "sinceChange": "0.0", "sinceOpen": "0.0"},
                "entryPx": "2986.3",
                "leverage": {"rawUsd": "-95.059824", "type": "isolated", "value": 20},
                "liquidationPx": "2866.26936529",
                "marginUsed": "4.967826",
                "maxLeverage": 50,
                "positionValue": "100.02765",
                "returnOnEquity": "-0.0026789",
                "szi": "0.0335",
                "unrealizedPnl": "-0.0134",
            },
            "type": "oneWay",
        }
    ],
    "crossMaintenanceMarginUsed": "0.0",
    "crossMarginSummary": {
        "accountValue": "13104.514502",
        "totalMarginUsed": "0.0",
        "totalNtlPos": "0.0",
        "totalRawUsd": "13104.514502",
    },
    "marginSummary": {
        "accountValue": "13109.482328",
        "totalMarginUsed": "4.967826",
        "totalNtlPos": "100.02765",
        "totalRawUsd": "13009.454678",
    },
    "time": 1708622398623,
    "withdrawable": "13104.514502",
}
# The example's ETH at its maxLeverage 50 (m = 1 %), on Hyperliquid's 5-significant-figure tick.
DOCS_ETH = Contract(
    symbol="ETH",
    kind="linear",
    brackets=hyperliquid.brackets_from_tiers([(0, 50)]),
    tick_size="0.1",
)


class TestReconcile:
    """rule-hyperliquid, rule-venues: clearinghouseState figures against levrisk's."""

    def _docs_row(self) -> Any:
        return hyperliquid.position_report_from_payload(
            DOCS_STATE, contracts={"ETH": DOCS_ETH}
        ).rows[0]

    def test_docs_example_position(self) -> None:
        """The PnL agrees; the price is levrisk's to 1.6e-5, inside the payload's rounding."""
        row = self._docs_row()
        assert row.margin == Decimal("4.981226")  # marginUsed − unrealizedPnl
        pnl, liquidation = hyperliquid.reconcile(row).checks
        assert (pnl.field, pnl.agrees) == ("unrealized_pnl", True)
        assert liquidation.field == "liquidation_price"
        assert liquidation.exchange == Decimal("2866.26936529")
        assert liquidation.exact is not None
        assert abs(liquidation.exact - liquidation.exchange) < Decimal("0.000016")
        assert (liquidation.agrees, liquidation.reason) == (False, "tick display")

    def test_docs_price_is_levrisks_for_the_unrounded_margin(self) -> None:
        """A rawUsd of −95.0598235 (shown −95.059824) gives the published price.

        The isolated margin is rawUsd + szi·entryPx; half a unit of the 6th decimal more
        reproduces every one of the 8 decimals of liquidationPx.
        """
        row = self._docs_row()
        margin = Decimal("-95.0598235") + row.position.size * row.position.entry_price
        price = isolated_liquidation_price(
            row.position, margin=margin, rule=hyperliquid.LIQUIDATION_RULE
        )
        assert price is not None
        assert price.quantize(Decimal("1E-8")) == Decimal("2866.26936529")

    def test_docs_example_account(self) -> None:
        """No cross position: MM 0.0; used and value add the isolated margin with its PnL."""
        report = hyperliquid.reconcile_account(DOCS_STATE, contracts={"ETH": DOCS_ETH})
        assert (report.venue, report.symbol, report.side) == ("Hyperliquid", "account", "cross")
        assert [(c.field, c.exact, c.agrees) for c in report.checks] == [
            ("maintenance_margin", Decimal(0), True),
            ("margin_used", Decimal("4.967826"), True),
            ("account_value", Decimal("13109.482328"), True),
        ]

    def test_cross_null_price_agrees_when_none_liquidates(self) -> None:
        """A cross long backed by more than its notional: null from the API, None here."""
        state = {"crossMarginSummary": {"accountValue": "20000.0"}, "assetPositions": [_position()]}
        account = hyperliquid.cross_account_from_payload(state, contracts={"BTC": BTC})
        row = hyperliquid.position_report_from_payload(state, contracts={"BTC": BTC}).rows[0]
        checks = {c.field: c for c in hyperliquid.reconcile(row, account=account).checks}
        assert checks["initial_margin"].agrees  # marginUsed 505 = 10,100 / 20
        assert checks["liquidation_price"].exact is None
        assert checks["liquidation_price"].agrees
        assert hyperliquid.reconcile(row, account=account).agrees

    def test_cross_without_account_is_missing_input(self) -> None:
        """A cross row's price needs the account: the reason says so."""
        row = hyperliquid.position_report_from_payload(
            {"assetPositions": [_position(liquidationPx="80000.0")]}, contracts={"BTC": BTC}
        ).rows[0]
        check = hyperliquid.reconcile(row).checks[-1]
        assert (check.agrees, check.reason) == (False, "missing account-level input")

    def test_stale_tiers_show_in_the_maintenance_margin(self) -> None:
        """A crossMaintenanceMarginUsed off levrisk's tiers: reason "stale tier table"."""
        state = {
            "marginSummary": {"accountValue": "1100.0", "totalMarginUsed": "505.0"},
            "crossMarginSummary": {"accountValue": "1100.0"},
            "crossMaintenanceMarginUsed": "252.5",  # 2.5 %: another table than BTC's 40x
            "assetPositions": [_position()],
        }
        report = hyperliquid.reconcile_account(state, contracts={"BTC": BTC})
        maintenance = report.checks[0]
        assert maintenance.exact == Decimal("126.25")  # 10,100 × 1/(2·40)
        assert (maintenance.agrees, maintenance.reason) == (False, "stale tier table")
        assert [c.agrees for c in report.checks[1:]] == [True, True]

    def test_account_fields_may_be_absent(self) -> None:
        """A payload without the totals checks what it has."""
        state = {
            "marginSummary": {},
            "crossMarginSummary": {"accountValue": "1100.0"},
            "assetPositions": [_position()],
        }
        assert hyperliquid.reconcile_account(state, contracts={"BTC": BTC}).checks == ()

    def test_account_needs_the_summaries(self) -> None:
        """No marginSummary: InvalidInputError naming it."""
        with pytest.raises(InvalidInputError, match="marginSummary"):
            hyperliquid.reconcile_account(
                {"assetPositions": [], "crossMarginSummary": {}}, contracts={}
            )
