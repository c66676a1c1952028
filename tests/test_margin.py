"""Tests of levrisk.margin: spot-margin accounts, levels, liquidation, trades (rule-spot-margin)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Context, Decimal, localcontext
from typing import Any, TypedDict

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from levrisk.brackets import Bracket, BracketTable
from levrisk.exceptions import (
    AlreadyLiquidatedError,
    AlwaysLiquidatedError,
    InsufficientMarginError,
    InvalidInputError,
    LeverageError,
    LevriskError,
)
from levrisk.interest import RateSchedule, accrued_interest, hourly_from_daily
from levrisk.margin import (
    BINANCE_CROSS_3X,
    BINANCE_CROSS_5X,
    BINANCE_ISOLATED_10X_TIER1,
    PRO_LIQUIDATION_LEVEL,
    CrossMarginAccount,
    IsolatedMarginAccount,
    IsolatedTier,
    IsolatedTierTable,
    Loan,
    MarginThresholds,
    MarginTrade,
    borrow,
    break_even_price,
    close,
    collateral_margin_level,
    liquidation_price,
    margin_level,
    margin_status,
    max_borrowable,
    open_long,
    open_short,
    pro_initial_margin,
    pro_initial_rate,
    pro_maintenance_margin,
    pro_margin_level,
    pro_max_borrowable,
)
from levrisk.margin._model import _by_asset
from levrisk.margin._pnl import _buyback_fee, price_for_net_pnl
from levrisk.numbers import PRECISION, round_to_step
from strategies import decimals

UTC = timezone.utc
T0 = datetime(2024, 5, 1, 13, 55, tzinfo=UTC)


class _Pair(TypedDict):
    """The stated assets of a spot-margin trade (issue 14: never defaulted)."""

    base: str
    quote: str


BTC_USDT: _Pair = {"base": "BTC", "quote": "USDT"}
T1 = datetime(2024, 5, 1, 14, 30, tzinfo=UTC)
TINY = Decimal("1e-40")

amounts = decimals("0.01", "100000", places=4)
collaterals = decimals("10", "1000000", places=2)
prices = decimals("1", "200000", places=2)
levels = decimals("1.01", "2", places=3)
fee_rates = decimals("0", "0.01", places=5)


@pytest.fixture(autouse=True, scope="module")
def _library_precision() -> Iterator[None]:
    """Expected values in this module are computed at the library's 50 digits."""
    with localcontext(Context(prec=PRECISION)):
        yield


def div(a: Decimal | int, b: Decimal | int) -> Decimal:
    """``a / b`` at the library's precision (50 digits), for expected values."""
    return Context(prec=PRECISION).divide(Decimal(a), Decimal(b))


def close_to(a: Decimal, b: Decimal, rel: Decimal = Decimal("1e-40")) -> bool:
    """Whether ``a`` and ``b`` agree to the library's context precision."""
    return abs(a - b) <= rel * max(abs(a), abs(b), Decimal(1))


def short_account(
    quote_balance: Decimal, owed: Decimal, interest: Decimal = Decimal(0)
) -> IsolatedMarginAccount:
    """An isolated BTCUSDT account holding only quote and owing BTC."""
    return IsolatedMarginAccount(
        base="BTC",
        quote="USDT",
        quote_balance=quote_balance,
        loans=[Loan(asset="BTC", principal=owed, interest=interest)],
    )


def two_tiers() -> IsolatedTierTable:
    """A two-tier isolated table: 10x up to 1 BTC / 50,000 USDT, then 5x up to 2 / 100,000."""
    return IsolatedTierTable(
        tiers=[
            IsolatedTier(
                tier=1,
                thresholds=BINANCE_ISOLATED_10X_TIER1,
                base_borrow_limit=1,
                quote_borrow_limit=50_000,
            ),
            IsolatedTier(
                tier=2,
                thresholds=MarginThresholds(
                    liquidation="1.05", margin_call="1.1", initial_risk_ratio="1.25", max_leverage=5
                ),
                base_borrow_limit=2,
                quote_borrow_limit=100_000,
            ),
        ]
    )


class TestLoan:
    """Loans: principal plus interest owed in the borrowed asset (rule-spot-trades)."""

    def test_total_adds_interest(self) -> None:
        """The amount to repay is principal plus accrued interest."""
        assert Loan(asset="BTC", principal="0.1", interest="0.0001").total == Decimal("0.1001")

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"asset": "BTC", "principal": -1}, "principal must not be negative"),
            ({"asset": "BTC", "principal": 1, "interest": -1}, "interest must not be negative"),
            ({"asset": "", "principal": 1}, "asset must be a non-empty"),
            ({"asset": " BTC", "principal": 1}, "asset must be a non-empty"),
            ({"asset": 5, "principal": 1}, "asset must be a non-empty"),
            ({"asset": "BTC", "principal": "x"}, "principal must be a finite number"),
        ],
        ids=["negative-principal", "negative-interest", "empty", "spaces", "not-str", "nan"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad loans raise InvalidInputError naming the field."""
        with pytest.raises(InvalidInputError, match=match):
            Loan(**kwargs)


class TestAccounts:
    """Isolated and cross account value objects (rule-margin-level)."""

    def test_isolated_views(self) -> None:
        """Balances, liabilities (with interest) and principal-only borrowed amounts."""
        acct = IsolatedMarginAccount(
            base="BTC",
            quote="USDT",
            base_balance=1,
            quote_balance=5,
            loans=[
                Loan(asset="USDT", principal=100, interest=1),
                Loan(asset="USDT", principal=50),
            ],
        )
        assert acct.balances == {"BTC": 1, "USDT": 5}
        assert acct.liabilities == {"USDT": Decimal(151)}
        assert acct.borrowed == {"USDT": Decimal(150)}

    def test_to_cross_keeps_everything(self) -> None:
        """An isolated pair converts into a cross account with the same holdings."""
        iso = short_account(Decimal(9000), Decimal("0.1"))
        cross = iso.to_cross()
        assert cross.balances == iso.balances
        assert cross.liabilities == iso.liabilities
        assert cross.quote == "USDT"

    def test_cross_borrowed_and_hash(self) -> None:
        """Cross accounts are hashable value objects; borrowed excludes interest."""
        a = CrossMarginAccount(
            balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=5, interest=1)]
        )
        b = CrossMarginAccount(
            balances={"BTC": "1"}, loans=[Loan(asset="USDT", principal=5, interest=1)]
        )
        assert a == b
        assert hash(a) == hash(b)
        assert a.borrowed == {"USDT": Decimal(5)}
        assert len(a.balances) == 1
        assert repr(a.balances) == "{'BTC': Decimal('1')}"

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"base": "BTC", "quote": "BTC"}, "quote must differ"),
            (
                {"base": "BTC", "quote": "USDT", "base_balance": -1},
                "base_balance must not be negative",
            ),
            (
                {"base": "BTC", "quote": "USDT", "loans": [Loan(asset="ETH", principal=1)]},
                r"loans\[0\].asset must be",
            ),
            ({"base": "BTC", "quote": "USDT", "loans": [1]}, r"loans\[0\] must be a Loan"),
            ({"base": "BTC", "quote": "USDT", "loans": 5}, "loans must be an iterable"),
            ({"base": "BTC", "quote": "USDT", "loans": "BTC"}, "loans must be an iterable"),
        ],
        ids=["same-asset", "negative-balance", "foreign-loan", "not-a-loan", "int", "str"],
    )
    def test_isolated_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad isolated accounts raise InvalidInputError naming the field."""
        with pytest.raises(InvalidInputError, match=match):
            IsolatedMarginAccount(**kwargs)

    @pytest.mark.parametrize(
        ("balances", "match"),
        [
            ([("BTC", 1)], "balances must be a mapping"),
            ({"": 1}, "balances key must be"),
            ({"BTC": -1}, r"balances\['BTC'\] must not be negative"),
            ({"BTC": "nan"}, r"balances\['BTC'\] must be a finite number"),
        ],
        ids=["list", "empty-key", "negative", "nan"],
    )
    def test_cross_rejects(self, balances: Any, match: str) -> None:
        """Bad cross balances raise InvalidInputError naming the asset."""
        with pytest.raises(InvalidInputError, match=match):
            CrossMarginAccount(balances=balances)


class TestMarginLevel:
    """margin_level = total assets / (liabilities + interest) (rule-margin-level)."""

    @pytest.mark.parametrize(
        ("account", "prices", "expected"),
        [
            (short_account(Decimal(9000), Decimal("0.1")), {"BTC": 60_000}, Decimal("1.5")),
            (
                short_account(Decimal(9000), Decimal("0.1"), Decimal("0.02")),
                {"BTC": 60_000},
                Decimal("1.25"),
            ),
            (
                CrossMarginAccount(
                    balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)]
                ),
                {"BTC": 30_000},
                Decimal("1.5"),
            ),
            (
                CrossMarginAccount(
                    balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)], quote="EUR"
                ),
                {"BTC": 30_000, "USDT": 1},
                Decimal("1.5"),
            ),
        ],
        ids=["isolated-short-3x", "interest-counts", "cross-long", "other-quote"],
    )
    def test_examples(self, account: Any, prices: dict[str, int], expected: Decimal) -> None:
        """Worked levels, exact."""
        assert margin_level(account, prices) == expected

    def test_no_liabilities_is_none(self) -> None:
        """An account that owes nothing has no level (None, 'infinite')."""
        assert margin_level(CrossMarginAccount(balances={"USDT": 1}), {}) is None

    def test_zero_holdings_need_no_price(self) -> None:
        """An asset held in zero amount needs no price."""
        acct = CrossMarginAccount(
            balances={"DOGE": 0, "USDT": 3}, loans=[Loan(asset="USDT", principal=2)]
        )
        assert margin_level(acct, {}) == Decimal("1.5")

    @pytest.mark.parametrize(
        ("prices", "error", "match"),
        [
            ({}, InvalidInputError, "no price for asset 'BTC'"),
            ({"BTC": 0}, InvalidInputError, r"prices\['BTC'\] must be positive"),
            ({"BTC": -5}, InvalidInputError, r"prices\['BTC'\] must be positive"),
            ({"BTC": None}, InvalidInputError, r"prices\['BTC'\] must be a finite number"),
            ({1: 5}, InvalidInputError, "prices key must be"),
            ([("BTC", 1)], InvalidInputError, "prices must be a mapping"),
        ],
        ids=["missing", "zero", "negative", "none", "bad-key", "not-mapping"],
    )
    def test_bad_prices(self, prices: Any, error: type[Exception], match: str) -> None:
        """Bad or missing prices raise errors naming the asset."""
        with pytest.raises(error, match=match):
            margin_level(short_account(Decimal(1), Decimal(1)), prices)

    def test_bad_account(self) -> None:
        """Something that is not an account is rejected."""
        with pytest.raises(InvalidInputError, match="account must be"):
            margin_level({"BTC": 1}, {})  # type: ignore[arg-type]


class TestCollateralMarginLevel:
    """Collateral margin level with per-asset haircuts (rule-margin-level)."""

    def test_example(self) -> None:
        """(1 BTC · 30,000 · 0.9 + 1,000) / 20,000 = 1.4; unlisted assets count in full."""
        acct = CrossMarginAccount(
            balances={"BTC": 1, "USDT": 1000}, loans=[Loan(asset="USDT", principal=20_000)]
        )
        got = collateral_margin_level(acct, {"BTC": 30_000}, collateral_ratios={"BTC": "0.9"})
        assert got == Decimal("1.4")

    def test_full_ratios_equal_margin_level(self) -> None:
        """With every ratio 1 it is the margin level."""
        acct = short_account(Decimal(9000), Decimal("0.1"))
        got = collateral_margin_level(acct, {"BTC": 60_000}, collateral_ratios={"USDT": 1})
        assert got == margin_level(acct, {"BTC": 60_000})

    def test_liability_valued_at_its_price(self) -> None:
        """A BTC liability's tier value is amount × price: 2 BTC at 30,000 → V = 60,000."""
        acct = CrossMarginAccount(
            balances={"USDT": 100_000}, loans=[Loan(asset="BTC", principal=2)]
        )
        tiers = {"BTC": usdt_tiers()}
        assert pro_maintenance_margin(acct, {"BTC": 30_000}, tiers=tiers) == Decimal(3000)
        assert pro_initial_margin(acct, {"BTC": 30_000}, tiers=tiers) == Decimal(6672)

    def test_none_without_liabilities(self) -> None:
        """No liabilities, no level."""
        acct = CrossMarginAccount(balances={"USDT": 1})
        assert collateral_margin_level(acct, {}, collateral_ratios={}) is None

    @pytest.mark.parametrize(
        ("ratios", "match"),
        [
            ({"BTC": "1.1"}, r"collateral_ratios\['BTC'\] must be in \[0, 1\]"),
            ({"BTC": -1}, r"collateral_ratios\['BTC'\] must be in \[0, 1\]"),
            ({"": 1}, "collateral_ratios key"),
            ([1], "collateral_ratios must be a mapping"),
        ],
        ids=["above-one", "negative", "bad-key", "not-mapping"],
    )
    def test_rejects(self, ratios: Any, match: str) -> None:
        """Bad ratios raise InvalidInputError."""
        with pytest.raises(InvalidInputError, match=match):
            collateral_margin_level(
                short_account(Decimal(1), Decimal(1)), {"BTC": 1}, collateral_ratios=ratios
            )


class TestThresholds:
    """MarginThresholds and the Binance presets (rule-margin-level)."""

    @pytest.mark.parametrize(
        ("preset", "liq", "call", "irr", "lev", "transfer"),
        [
            (BINANCE_CROSS_3X, "1.1", "1.3", "1.5", "3", "2"),
            (BINANCE_CROSS_5X, "1.1", "1.3", "1.25", "5", "2"),
            (BINANCE_ISOLATED_10X_TIER1, "1.05", "1.09", "1.111", "10", None),
        ],
        ids=["cross-3x", "cross-5x", "isolated-10x-tier1"],
    )
    def test_presets(
        self,
        *,
        preset: MarginThresholds,
        liq: str,
        call: str,
        irr: str,
        lev: str,
        transfer: str | None,
    ) -> None:
        """The published Binance levels."""
        assert preset.liquidation == Decimal(liq)
        assert preset.margin_call == Decimal(call)
        assert preset.initial_risk_ratio == Decimal(irr)
        assert preset.max_leverage == Decimal(lev)
        assert preset.transfer_out == (None if transfer is None else Decimal(transfer))

    def test_presets_leverage_matches_irr(self) -> None:
        """max_leverage ≤ IRR/(IRR − 1): 3x ↔ 1.5, 5x ↔ 1.25, 10x ↔ 1.111."""
        for t in (BINANCE_CROSS_3X, BINANCE_CROSS_5X, BINANCE_ISOLATED_10X_TIER1):
            irr = t.initial_risk_ratio
            assert t.max_leverage <= irr / (irr - 1)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"liquidation": "0.9"}, "liquidation must be at least 1"),
            ({"margin_call": "1.1"}, "margin_call must be above liquidation"),
            ({"initial_risk_ratio": "1.05"}, "initial_risk_ratio must be above liquidation"),
            ({"initial_risk_ratio": "1"}, "initial_risk_ratio must be above 1"),
            ({"max_leverage": "1"}, "max_leverage must be above 1"),
            ({"max_leverage": "0"}, "max_leverage must be positive"),
            ({"transfer_out": "1.4"}, "transfer_out must be at least initial_risk_ratio"),
            ({"pre_liquidation": "1.3"}, "pre_liquidation must lie strictly between"),
            ({"pre_liquidation": "1.1"}, "pre_liquidation must lie strictly between"),
        ],
        ids=[
            "liq",
            "call",
            "irr-vs-liq",
            "irr-one",
            "lev",
            "lev-zero",
            "transfer",
            "pre-high",
            "pre-low",
        ],
    )
    def test_rejects(self, kwargs: dict[str, str], match: str) -> None:
        """Out-of-order levels raise InvalidInputError."""
        base = {
            "liquidation": "1.1",
            "margin_call": "1.3",
            "initial_risk_ratio": "1.5",
            "max_leverage": "3",
        }
        with pytest.raises(InvalidInputError, match=match):
            MarginThresholds(**{**base, **kwargs})

    def test_liquidation_at_one_allowed(self) -> None:
        """A liquidation level of exactly 1 (assets equal to debt) is valid."""
        t = MarginThresholds(
            liquidation=1, margin_call="1.3", initial_risk_ratio="1.5", max_leverage=3
        )
        assert t.liquidation == 1


class TestMarginStatus:
    """Binance status names and the documented boundaries (rule-margin-level)."""

    pre = MarginThresholds(
        liquidation="1.1",
        margin_call="1.3",
        initial_risk_ratio="1.5",
        max_leverage=3,
        pre_liquidation="1.15",
    )

    @pytest.mark.parametrize(
        ("level", "thresholds", "expected"),
        [
            ("0", BINANCE_CROSS_3X, "FORCE_LIQUIDATION"),
            ("1.1", BINANCE_CROSS_3X, "FORCE_LIQUIDATION"),
            ("1.1000001", BINANCE_CROSS_3X, "MARGIN_CALL"),
            ("1.3", BINANCE_CROSS_3X, "MARGIN_CALL"),
            ("1.3000001", BINANCE_CROSS_3X, "NORMAL"),
            ("2", BINANCE_CROSS_3X, "NORMAL"),
            ("2.0000001", BINANCE_CROSS_3X, "EXCESSIVE"),
            (None, BINANCE_CROSS_3X, "EXCESSIVE"),
            ("99", BINANCE_ISOLATED_10X_TIER1, "NORMAL"),
            ("1.15", pre, "PRE_LIQUIDATION"),
            ("1.12", pre, "PRE_LIQUIDATION"),
            ("1.16", pre, "MARGIN_CALL"),
            ("1.1", pre, "FORCE_LIQUIDATION"),
        ],
        ids=[
            "zero",
            "at-liq",
            "above-liq",
            "at-call",
            "above-call",
            "at-transfer",
            "above-transfer",
            "no-liabilities",
            "no-transfer-level",
            "at-pre",
            "in-pre",
            "above-pre",
            "pre-at-liq",
        ],
    )
    def test_boundaries(
        self, level: str | None, thresholds: MarginThresholds, expected: str
    ) -> None:
        """Each threshold is inclusive on the risky side."""
        assert margin_status(level, thresholds) == expected

    def test_rejects(self) -> None:
        """Negative levels and wrong thresholds raise InvalidInputError."""
        with pytest.raises(InvalidInputError, match="level must not be negative"):
            margin_status(-1, BINANCE_CROSS_3X)
        with pytest.raises(InvalidInputError, match="thresholds must be"):
            margin_status(1, "cross")  # type: ignore[arg-type]


class TestIsolatedTiers:
    """Isolated tiers chosen by the amount borrowed, the higher when both are.

    Rule: rule-margin-level.
    """

    @pytest.mark.parametrize(
        ("base", "quote", "tier"),
        [
            (0, 0, 1),
            (1, 50_000, 1),
            ("1.01", 0, 2),
            (0, "50000.01", 2),
            ("0.5", 60_000, 2),
            (2, 100_000, 2),
        ],
        ids=["none", "at-limits", "base-above", "quote-above", "both-higher-wins", "top"],
    )
    def test_tier_for(self, base: Any, quote: Any, tier: int) -> None:
        """Lowest tier whose limit holds each amount; the higher of the two applies."""
        assert two_tiers().tier_for(base_borrowed=base, quote_borrowed=quote).tier == tier

    def test_above_top_limit(self) -> None:
        """Borrowing beyond the top tier is not possible."""
        with pytest.raises(InsufficientMarginError, match="exceed the top tier"):
            two_tiers().tier_for(base_borrowed=3, quote_borrowed=0)

    def test_negative_amount(self) -> None:
        """A negative or non-numeric borrowed amount is invalid; the message names it."""
        with pytest.raises(InvalidInputError, match="base_borrowed must not be negative"):
            two_tiers().tier_for(base_borrowed=-1, quote_borrowed=0)
        with pytest.raises(InvalidInputError, match=r"^quote_borrowed must be a finite number"):
            two_tiers().tier_for(base_borrowed=0, quote_borrowed="x")

    def test_rejects_bad_tables(self) -> None:
        """Empty, mistyped or out-of-order tables raise InvalidInputError."""
        t1, t2 = two_tiers().tiers
        with pytest.raises(InvalidInputError, match="at least one"):
            IsolatedTierTable(tiers=[])
        with pytest.raises(InvalidInputError, match="tiers must be an iterable"):
            IsolatedTierTable(tiers=5)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match=r"tiers\[0\] must be an IsolatedTier"):
            IsolatedTierTable(tiers=[1])  # type: ignore[list-item]
        with pytest.raises(InvalidInputError, match=r"tiers\[1\].tier must exceed"):
            IsolatedTierTable(tiers=[t1, t1])
        with pytest.raises(InvalidInputError, match=r"tiers\[1\].base_borrow_limit"):
            IsolatedTierTable(
                tiers=[
                    t2,
                    IsolatedTier(
                        tier=3,
                        thresholds=t2.thresholds,
                        base_borrow_limit=1,
                        quote_borrow_limit=10**6,
                    ),
                ]
            )
        with pytest.raises(InvalidInputError, match=r"tiers\[1\].thresholds.max_leverage"):
            IsolatedTierTable(
                tiers=[
                    t2,
                    IsolatedTier(
                        tier=3,
                        thresholds=t1.thresholds,
                        base_borrow_limit=9,
                        quote_borrow_limit=10**6,
                    ),
                ]
            )
        with pytest.raises(InvalidInputError, match="tier must be an integer"):
            IsolatedTier(
                tier=True, thresholds=t1.thresholds, base_borrow_limit=1, quote_borrow_limit=1
            )
        with pytest.raises(InvalidInputError, match="tier must be an integer ≥ 1, got 0"):
            IsolatedTier(
                tier=0, thresholds=t1.thresholds, base_borrow_limit=1, quote_borrow_limit=1
            )
        with pytest.raises(InvalidInputError, match="thresholds must be MarginThresholds"):
            IsolatedTier(tier=1, thresholds=None, base_borrow_limit=1, quote_borrow_limit=1)  # type: ignore[arg-type]


class TestLiquidationPrice:
    """l = (ML*·D_o − A_o) / (A_x − ML*·D_x) (rule-spot-liquidation)."""

    def test_cross_long_example(self) -> None:
        """10,000 own + 20,000 borrowed buys 1 BTC at 30,000 → liquidation at 22,000."""
        acct = CrossMarginAccount(
            balances={"BTC": 1, "USDT": 0}, loans=[Loan(asset="USDT", principal=20_000)]
        )
        got = liquidation_price(acct, asset="BTC", prices={"BTC": 30_000}, liquidation_level="1.1")
        assert got == Decimal(22_000)

    def test_isolated_short_closed_form(self) -> None:
        """Short holding only quote: l = quote / (ML*·(Q + I))."""
        acct = short_account(Decimal(9000), Decimal("0.1"), Decimal("0.0001"))
        got = liquidation_price(acct, asset="BTC", prices={}, liquidation_level="1.1")
        assert got == div(9000, Decimal("1.1") * Decimal("0.1001"))

    def test_fully_collateralised_long_has_none(self) -> None:
        """Owing quote while holding more quote than the debt: no liquidation price."""
        acct = IsolatedMarginAccount(
            base="BTC",
            quote="USDT",
            base_balance=1,
            quote_balance=500,
            loans=[Loan(asset="USDT", principal=100)],
        )
        assert liquidation_price(acct, asset="BTC", prices={}, liquidation_level="1.1") is None

    def test_zero_denominator_is_none(self) -> None:
        """A_x = ML*·D_x: the level does not depend on the price → None."""
        acct = IsolatedMarginAccount(
            base="BTC",
            quote="USDT",
            base_balance="1.1",
            quote_balance=1,
            loans=[Loan(asset="BTC", principal=1)],
        )
        assert liquidation_price(acct, asset="BTC", prices={}, liquidation_level="1.1") is None

    def test_no_liabilities_is_none(self) -> None:
        """Nothing owed, nothing to liquidate."""
        acct = CrossMarginAccount(balances={"BTC": 1})
        assert liquidation_price(acct, asset="BTC", prices={}, liquidation_level="1.1") is None

    def test_unknown_asset(self) -> None:
        """An asset neither held nor owed is an error naming it."""
        with pytest.raises(InvalidInputError, match="'ETH' is neither held nor owed"):
            liquidation_price(
                short_account(Decimal(1), Decimal(1)), asset="ETH", prices={}, liquidation_level=1
            )

    def test_bad_level(self) -> None:
        """A non-positive liquidation level is invalid."""
        with pytest.raises(InvalidInputError, match="liquidation_level must be positive"):
            liquidation_price(
                short_account(Decimal(1), Decimal(1)), asset="BTC", prices={}, liquidation_level=0
            )

    @given(
        quote=amounts,
        owed=decimals("0.001", "100", places=4),
        interest=decimals("0", "0.01"),
        level=levels,
    )
    def test_level_at_price_is_threshold_short(
        self, quote: Decimal, owed: Decimal, interest: Decimal, level: Decimal
    ) -> None:
        """At the computed price, the margin level equals the liquidation level."""
        acct = short_account(quote, owed, interest)
        lp = liquidation_price(acct, asset="BTC", prices={}, liquidation_level=level)
        assert lp is not None
        got = margin_level(acct, {"BTC": lp})
        assert got is not None
        assert close_to(got, level)

    @given(
        btc=decimals("0.001", "100", places=4),
        eth=decimals("0", "100", places=4),
        usdt=decimals("0", "100000", places=2),
        debt=decimals("1", "1000000", places=2),
        eth_price=prices,
        level=levels,
    )
    def test_level_at_price_is_threshold_cross(
        self,
        *,
        btc: Decimal,
        eth: Decimal,
        usdt: Decimal,
        debt: Decimal,
        eth_price: Decimal,
        level: Decimal,
    ) -> None:
        """Cross, several assets: at the price found, the level is the threshold (or None)."""
        acct = CrossMarginAccount(
            balances={"BTC": btc, "ETH": eth, "USDT": usdt},
            loans=[Loan(asset="USDT", principal=debt)],
        )
        lp = liquidation_price(
            acct, asset="BTC", prices={"ETH": eth_price}, liquidation_level=level
        )
        if lp is None:
            assert level * debt - eth * eth_price - usdt <= 0
        else:
            got = margin_level(acct, {"BTC": lp, "ETH": eth_price})
            assert got is not None
            assert close_to(got, level)

    @given(
        collateral=collaterals, extra=collaterals, lev=decimals("1.1", "3", places=2), price=prices
    )
    def test_short_rises_with_collateral(
        self, collateral: Decimal, extra: Decimal, lev: Decimal, price: Decimal
    ) -> None:
        """More collateral for the same borrow moves a short's liquidation price up."""
        q = collateral * (lev - 1) / price
        low = liquidation_price(
            short_account(collateral * lev, q), asset="BTC", prices={}, liquidation_level="1.1"
        )
        high = liquidation_price(
            short_account(collateral * lev + extra, q),
            asset="BTC",
            prices={},
            liquidation_level="1.1",
        )
        assert low is not None
        assert high is not None
        assert high > low

    @given(
        collateral=collaterals,
        lev=decimals("1.1", "2.9", places=2),
        more=decimals("0.01", "0.1", places=2),
        price=prices,
    )
    def test_short_falls_with_borrowing(
        self, collateral: Decimal, lev: Decimal, more: Decimal, price: Decimal
    ) -> None:
        """Borrowing (and selling) more on the same collateral moves it down."""
        low_lev = open_short(
            collateral,
            **BTC_USDT,
            leverage=lev,
            price=price,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        high_lev = open_short(
            collateral,
            **BTC_USDT,
            leverage=lev + more,
            price=price,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        assert low_lev.liquidation_price is not None
        assert high_lev.liquidation_price is not None
        assert high_lev.liquidation_price < low_lev.liquidation_price

    @given(
        base=decimals("0", "100", places=4),
        quote=decimals("0", "1000000", places=2),
        owed_base=decimals("0", "50", places=4),
        owed_quote=decimals("0", "500000", places=2),
        price=prices,
        level=levels,
    )
    def test_cross_single_pair_agrees_with_isolated(
        self,
        *,
        base: Decimal,
        quote: Decimal,
        owed_base: Decimal,
        owed_quote: Decimal,
        price: Decimal,
        level: Decimal,
    ) -> None:
        """A cross account holding one pair gives the isolated numbers."""
        iso = IsolatedMarginAccount(
            base="BTC",
            quote="USDT",
            base_balance=base,
            quote_balance=quote,
            loans=[
                Loan(asset="BTC", principal=owed_base),
                Loan(asset="USDT", principal=owed_quote),
            ],
        )
        cross = CrossMarginAccount(
            balances={"BTC": base, "USDT": quote},
            loans=[
                Loan(asset="BTC", principal=owed_base),
                Loan(asset="USDT", principal=owed_quote),
            ],
        )
        p = {"BTC": price}
        assert margin_level(iso, p) == margin_level(cross, p)
        assert _outcome(
            liquidation_price, iso, asset="BTC", prices=p, liquidation_level=level
        ) == _outcome(liquidation_price, cross, asset="BTC", prices=p, liquidation_level=level)
        assert max_borrowable(
            iso, asset="BTC", prices=p, thresholds=BINANCE_CROSS_3X
        ) == max_borrowable(cross, asset="BTC", prices=p, thresholds=BINANCE_CROSS_3X)


def _outcome(call: Callable[..., Decimal | None], *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """A liquidation function's outcome: its price, or the liquidated state and price."""
    try:
        return "price", call(*args, **kwargs)
    except AlreadyLiquidatedError as crossed:
        return "crossed", crossed.price
    except AlwaysLiquidatedError:
        return "always", None


class TestTradeLiquidation:
    """A trade's own liquidation price puts its account at the liquidation level.

    Rule: rule-spot-liquidation.
    """

    @given(
        collateral=collaterals,
        lev=decimals("1.05", "3", places=2),
        p0=prices,
        fee=fee_rates,
        side=st.sampled_from(["short", "long"]),
        convention=st.sampled_from(["quote", "received"]),
    )
    def test_level_at_liquidation_price(
        self,
        *,
        collateral: Decimal,
        lev: Decimal,
        p0: Decimal,
        fee: Decimal,
        side: str,
        convention: Any,
    ) -> None:
        """margin_level(account at the trade's liquidation price) == thresholds.liquidation."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            collateral,
            **BTC_USDT,
            leverage=lev,
            price=p0,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate=fee,
            fee_convention=convention,
        )
        assert trade.liquidation_price is not None
        level = margin_level(trade.account, {"BTC": trade.liquidation_price})
        assert level is not None
        assert close_to(level, Decimal("1.1"))
        # a short is liquidated above its entry, a long below it
        if side == "short":
            assert trade.liquidation_price > p0
        else:
            assert trade.liquidation_price < p0


class TestMaxBorrowable:
    """max_borrow = (A − IRR·D) / (IRR − 1) / price, tier-capped.

    Rule: rule-spot-trades, rule-isolated-max-borrow.
    """

    def test_cross_3x_example(self) -> None:
        """3,000 USDT on 3x borrows 6,000 worth: 0.1 BTC at 60,000."""
        acct = CrossMarginAccount(balances={"USDT": 3000})
        assert max_borrowable(
            acct, asset="BTC", prices={"BTC": 60_000}, thresholds=BINANCE_CROSS_3X
        ) == Decimal("0.1")

    def test_cross_5x(self) -> None:
        """5x: IRR 1.25 allows C·4."""
        acct = CrossMarginAccount(balances={"USDT": 1000})
        assert max_borrowable(
            acct, asset="USDT", prices={}, thresholds=BINANCE_CROSS_5X
        ) == Decimal(4000)

    def test_never_negative(self) -> None:
        """An account already below IRR may borrow 0."""
        acct = CrossMarginAccount(balances={"USDT": 100}, loans=[Loan(asset="USDT", principal=90)])
        assert max_borrowable(acct, asset="USDT", prices={}, thresholds=BINANCE_CROSS_3X) == 0

    def test_isolated_tier_limit_caps(self) -> None:
        """Each tier's margin bound is capped by its limit; the best tier wins."""
        acct = IsolatedMarginAccount(base="BTC", quote="USDT", quote_balance=10_000)
        got = max_borrowable(acct, asset="BTC", prices={"BTC": 10_000}, thresholds=two_tiers())
        # tier 1: (10,000 − 0)/0.111/10,000 = 9.009 BTC, capped at 1; tier 2: 4 BTC, capped at 2
        assert got == Decimal(2)

    def test_isolated_margin_binds(self) -> None:
        """When the margin bound is below the limits, it applies (tier 1's IRR 1.111)."""
        acct = IsolatedMarginAccount(base="BTC", quote="USDT", quote_balance=111)
        got = max_borrowable(acct, asset="USDT", prices={"BTC": 10_000}, thresholds=two_tiers())
        assert got == Decimal(1000)

    def test_other_asset_selects_tier(self) -> None:
        """Quote already borrowed beyond tier 1 leaves only tier 2 for the base."""
        acct = IsolatedMarginAccount(
            base="BTC",
            quote="USDT",
            quote_balance=100_000,
            loans=[Loan(asset="USDT", principal=60_000)],
        )
        got = max_borrowable(acct, asset="BTC", prices={"BTC": 10_000}, thresholds=two_tiers())
        assert got == Decimal(2)

    def test_rejects(self) -> None:
        """Tables need isolated accounts; isolated assets must be in the pair."""
        cross = CrossMarginAccount(balances={"USDT": 1})
        with pytest.raises(InvalidInputError, match="applies to an IsolatedMarginAccount"):
            max_borrowable(cross, asset="USDT", prices={}, thresholds=two_tiers())
        with pytest.raises(InvalidInputError, match="thresholds must be"):
            max_borrowable(cross, asset="USDT", prices={}, thresholds=3)  # type: ignore[arg-type]
        iso = short_account(Decimal(1), Decimal(0))
        with pytest.raises(InvalidInputError, match="asset must be 'BTC' or 'USDT'"):
            max_borrowable(iso, asset="ETH", prices={}, thresholds=BINANCE_CROSS_3X)

    @given(quote=amounts, owed=decimals("0", "1", places=4), price=prices)
    def test_borrowing_the_max_lands_on_irr(
        self, quote: Decimal, owed: Decimal, price: Decimal
    ) -> None:
        """After borrowing the maximum, the margin level is exactly the IRR."""
        acct = short_account(quote, owed)
        amount = max_borrowable(
            acct, asset="BTC", prices={"BTC": price}, thresholds=BINANCE_CROSS_3X
        )
        after = IsolatedMarginAccount(
            base="BTC",
            quote="USDT",
            base_balance=amount,
            quote_balance=quote,
            loans=[*acct.loans, Loan(asset="BTC", principal=amount)],
        )
        level = margin_level(after, {"BTC": price})
        if amount > 0:
            assert level is not None
            assert close_to(level, Decimal("1.5"))
        else:
            assert level is not None
            assert level <= Decimal("1.5")


class TestBorrow:
    """Borrowing up to the maximum borrowable (rule-spot-trades, rule-isolated-max-borrow)."""

    def test_cross_borrow_lands_on_irr(self) -> None:
        """Borrowing the maximum on 3x leaves the level at the IRR 1.5."""
        acct = CrossMarginAccount(balances={"USDT": 3000})
        after = borrow(
            acct, asset="BTC", amount="0.1", prices={"BTC": 60_000}, thresholds=BINANCE_CROSS_3X
        )
        assert after.balances == {"USDT": 3000, "BTC": Decimal("0.1")}
        assert after.liabilities == {"BTC": Decimal("0.1")}
        assert margin_level(after, {"BTC": 60_000}) == Decimal("1.5")

    def test_isolated_borrow(self) -> None:
        """An isolated borrow adds to the borrowed asset's balance only."""
        acct = IsolatedMarginAccount(base="BTC", quote="USDT", quote_balance=1000)
        after = borrow(acct, asset="USDT", amount=500, prices={"BTC": 1}, thresholds=two_tiers())
        assert after.quote_balance == 1500
        assert after.base_balance == 0
        assert after.borrowed == {"USDT": Decimal(500)}
        again = borrow(after, asset="BTC", amount=1, prices={"BTC": 1}, thresholds=two_tiers())
        assert again.base_balance == 1
        assert again.quote_balance == 1500

    def test_above_max(self) -> None:
        """Borrowing above the maximum (or the tier limit) raises InsufficientMarginError."""
        acct = IsolatedMarginAccount(base="BTC", quote="USDT", quote_balance=10**6)
        with pytest.raises(InsufficientMarginError, match="exceeds the maximum borrowable"):
            borrow(acct, asset="BTC", amount=3, prices={"BTC": 1}, thresholds=two_tiers())

    def test_amount_positive(self) -> None:
        """The amount must be positive."""
        acct = CrossMarginAccount(balances={"USDT": 3000})
        with pytest.raises(InvalidInputError, match="amount must be positive"):
            borrow(acct, asset="USDT", amount=0, prices={}, thresholds=BINANCE_CROSS_3X)


class TestOpenShort:
    """Short: borrow C·(L−1)/P₀ base and sell it (rule-spot-trades)."""

    def test_seed(self) -> None:
        """3,000 USDT at 3x borrows 0.1 BTC at 60,000 and sells it for 6,000."""
        trade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        assert trade.side == "short"
        assert trade.borrowed_asset == "BTC"
        assert trade.borrowed == Decimal("0.1")
        assert trade.quote_amount == Decimal(6000)
        assert trade.open_fee == 0
        assert trade.margin_level == Decimal("1.5")
        assert trade.account.quote_balance == Decimal(9000)
        assert trade.account.liabilities == {"BTC": Decimal("0.1")}
        assert trade.liquidation_price == div(9000, Decimal("0.11"))
        assert trade.opened_at == T0
        assert trade.proceeds == Decimal(6000)
        assert trade.cost is None
        assert trade.notional == Decimal(6000)

    @pytest.mark.parametrize("convention", ["quote", "received"])
    def test_fee_on_sale(self, convention: Any) -> None:
        """A sale receives quote: either convention charges Q·P₀·f in quote."""
        trade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate="0.001",
            fee_convention=convention,
        )
        assert trade.open_fee == Decimal(6)
        assert trade.quote_amount == Decimal(5994)

    @pytest.mark.parametrize(
        ("leverage", "thresholds", "error", "match"),
        [
            (1, BINANCE_CROSS_3X, LeverageError, "leverage must be above 1"),
            ("0.5", BINANCE_CROSS_3X, LeverageError, "leverage must be above 1"),
            ("3.01", BINANCE_CROSS_3X, LeverageError, "leverage must be between 1 and 3"),
            (
                4,
                MarginThresholds(
                    liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.5", max_leverage=5
                ),
                LeverageError,
                "below the initial risk ratio",
            ),
            (6, BINANCE_CROSS_5X, LeverageError, "between 1 and 5"),
        ],
        ids=["one", "below-one", "above-3x", "irr", "above-5x"],
    )
    def test_leverage_errors(
        self, leverage: Any, thresholds: MarginThresholds, error: type[Exception], match: str
    ) -> None:
        """Leverage ≤ 1, above the max, or borrowing past the IRR raises LeverageError."""
        with pytest.raises(error, match=match):
            open_short(
                1000,
                **BTC_USDT,
                leverage=leverage,
                price=100,
                opened_at=T0,
                thresholds=thresholds,
            )

    def test_tier_table(self) -> None:
        """The tier is picked by the amount borrowed; its max leverage applies."""

        def tiered(collateral: int, leverage: int) -> MarginTrade:
            return open_short(
                collateral,
                **BTC_USDT,
                leverage=leverage,
                price=10_000,
                opened_at=T0,
                thresholds=two_tiers(),
            )

        assert tiered(1000, 10).thresholds == BINANCE_ISOLATED_10X_TIER1
        with pytest.raises(LeverageError, match="between 1 and 5"):
            tiered(1500, 10)
        assert tiered(4000, 5).thresholds.max_leverage == 5
        with pytest.raises(InsufficientMarginError, match="exceed the top tier"):
            tiered(10_000, 5)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"price": 0}, "price must be positive"),
            ({"fee_rate": 1}, "fee_rate must be a fraction"),
            ({"fee_convention": "bnb"}, "fee_convention must be one of"),
            ({"opened_at": datetime(2024, 1, 1)}, "opened_at must be timezone-aware"),  # noqa: DTZ001 - a naive datetime on purpose
            ({"opened_at": "2024-01-01"}, "opened_at must be a timezone-aware datetime"),
            ({"quote": "BTC"}, "quote must differ"),
            ({"thresholds": None}, "thresholds must be"),
            ({"leverage": "abc"}, "^leverage must be a finite number, got 'abc'"),
            ({"fee_rate": "abc"}, "^fee_rate must be a finite number, got 'abc'"),
            ({"base": ""}, "^base must be a non-empty asset name"),
            ({"quote": " USDT"}, "^quote must be a non-empty asset name"),
        ],
        ids=[
            "price",
            "fee",
            "convention",
            "naive",
            "str-time",
            "same-asset",
            "thresholds",
            "str-leverage",
            "str-fee",
            "empty-base",
            "spaced-quote",
        ],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad arguments raise InvalidInputError naming them."""
        args: dict[str, Any] = {
            "leverage": 2,
            "price": 100,
            "opened_at": T0,
            "thresholds": BINANCE_CROSS_3X,
            "base": "BTC",
            "quote": "USDT",
        }
        with pytest.raises(InvalidInputError, match=match):
            open_short(1000, **{**args, **kwargs})

    def test_collateral_positive(self) -> None:
        """Collateral must be a positive number; the message names it."""
        with pytest.raises(InvalidInputError, match="collateral must be positive"):
            open_short(
                0,
                **BTC_USDT,
                leverage=2,
                price=1,
                opened_at=T0,
                thresholds=BINANCE_CROSS_3X,
            )
        with pytest.raises(InvalidInputError, match=r"^collateral must be a finite number"):
            open_short(
                "abc",
                **BTC_USDT,
                leverage=2,
                price=1,
                opened_at=T0,
                thresholds=BINANCE_CROSS_3X,
            )

    def test_irr_message_states_the_level(self) -> None:
        """The IRR error states the margin level L/(L − 1) the leverage would leave."""
        thresholds = MarginThresholds(
            liquidation="1.1", margin_call="1.3", initial_risk_ratio="1.5", max_leverage=5
        )
        with pytest.raises(LeverageError) as info:
            open_short(
                1000,
                **BTC_USDT,
                leverage=4,
                price=100,
                opened_at=T0,
                thresholds=thresholds,
            )
        assert str(info.value) == (
            f"leverage 4 borrows down to a margin level of {div(4, 3)}, "
            "below the initial risk ratio 1.5"
        )

    def test_tier_counts_only_the_borrowed_asset(self) -> None:
        """A short borrows no quote and a long no base: each side's limit sees only its asset."""
        tight = IsolatedTierTable(
            tiers=[
                IsolatedTier(
                    tier=1,
                    thresholds=BINANCE_ISOLATED_10X_TIER1,
                    base_borrow_limit="0.5",
                    quote_borrow_limit="0.05",
                ),
                attrs.evolve(two_tiers().tiers[1], base_borrow_limit=10, quote_borrow_limit=10),
            ]
        )
        short = open_short(1, **BTC_USDT, leverage=2, price=10, opened_at=T0, thresholds=tight)
        assert short.borrowed == Decimal("0.1")
        assert short.thresholds == BINANCE_ISOLATED_10X_TIER1
        long = open_long("0.04", **BTC_USDT, leverage=2, price=10, opened_at=T0, thresholds=tight)
        assert long.borrowed == Decimal("0.04")
        assert long.thresholds == BINANCE_ISOLATED_10X_TIER1

    def test_long_tier_from_quote_borrowed(self) -> None:
        """A long's tier is picked by the quote it borrows (60,000 USDT → tier 2)."""
        tiers = two_tiers()
        small = open_long(
            1000, **BTC_USDT, leverage=10, price=30_000, opened_at=T0, thresholds=tiers
        )
        assert small.thresholds == BINANCE_ISOLATED_10X_TIER1
        big = open_long(
            15_000, **BTC_USDT, leverage=5, price=30_000, opened_at=T0, thresholds=tiers
        )
        assert big.borrowed == Decimal(60_000)
        assert big.thresholds == two_tiers().tiers[1].thresholds


class TestTradeObjects:
    """MarginTrade and MarginPnL validate their fields like every value object."""

    @pytest.mark.parametrize(
        ("changes", "match"),
        [
            ({"side": "flat"}, "side must be one of"),
            ({"fee_convention": "bnb"}, "fee_convention must be one of"),
            ({"opened_at": datetime(2024, 1, 1)}, "opened_at must be timezone-aware"),  # noqa: DTZ001 - naive on purpose
            ({"account": None}, "account must be IsolatedMarginAccount"),
            ({"liquidation_price": 0}, "liquidation_price must be positive"),
        ],
        ids=["side", "convention", "naive", "account", "liquidation"],
    )
    def test_trade_rejects(self, changes: dict[str, Any], match: str) -> None:
        """Out-of-domain trade fields raise InvalidInputError."""
        trade = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        with pytest.raises(InvalidInputError, match=match):
            attrs.evolve(trade, **changes)

    def test_pnl_rejects(self) -> None:
        """Out-of-domain PnL fields raise InvalidInputError."""
        pnl = close(
            open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0),
            exit_price=1,
            at=T1,
            schedule=0,
        )
        with pytest.raises(InvalidInputError, match="trade must be MarginTrade"):
            attrs.evolve(pnl, trade=None)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="closed_at must be a timezone-aware"):
            attrs.evolve(pnl, closed_at="now")  # type: ignore[arg-type]


class TestOpenLong:
    """Long: borrow C·(L−1) quote and buy base with everything (rule-spot-trades)."""

    def test_cross_example(self) -> None:
        """10,000 own + 20,000 borrowed buys 1 BTC at 30,000 → liquidation at 22,000."""
        trade = open_long(
            10_000,
            **BTC_USDT,
            leverage=3,
            price=30_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        assert trade.quantity == 1
        assert trade.borrowed == Decimal(20_000)
        assert trade.borrowed_asset == "USDT"
        assert trade.liquidation_price == Decimal(22_000)
        assert trade.margin_level == Decimal("1.5")
        assert trade.cost == Decimal(30_000)
        assert trade.proceeds is None
        assert trade.notional == Decimal(30_000)

    def test_fee_in_quote(self) -> None:
        """Fee in quote on top of the notional: N·(1 + f) = C·L."""
        trade = open_long(
            10_100,
            **BTC_USDT,
            leverage=2,
            price=1000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate="0.01",
        )
        assert trade.quantity == Decimal(20)
        assert trade.open_fee == Decimal(200)
        assert trade.quote_amount == Decimal(20_200)
        assert trade.account.quote_balance == 0

    def test_fee_in_received_base(self) -> None:
        """Fee in the base received: Q = C·L·(1 − f)/P₀."""
        trade = open_long(
            10_000,
            **BTC_USDT,
            leverage=2,
            price=1000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate="0.01",
            fee_convention="received",
        )
        assert trade.quantity == Decimal("19.8")
        assert trade.open_fee == Decimal(200)


class TestClose:
    """PnL after fees and interest: net = gross − fees − I·p (rule-spot-trades, rule-interest)."""

    def test_seed_end_to_end(self) -> None:
        """Borrow 0.1 BTC at 60,000, buy back at 50,000 → 1,000 before fees and interest."""
        trade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        pnl = close(trade, exit_price=50_000, at=T1, schedule=0)
        assert pnl.gross_pnl == Decimal(1000)
        assert pnl.trading_fees == 0
        assert pnl.interest == 0
        assert pnl.net_pnl == Decimal(1000)
        assert pnl.roi == div(1000, 3000)
        assert pnl.trade is trade
        assert pnl.closed_at == T1
        assert pnl.exit_price == Decimal(50_000)

    def test_seed_with_fees_and_interest(self) -> None:
        """0.1% fees both ways, 0.001%/h for 2 accruals: net = gross − fees − I·P₁."""
        trade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate="0.001",
        )
        pnl = close(trade, exit_price=50_000, at=T1, schedule="0.00001")
        interest = Decimal("0.1") * Decimal("0.00001") * 2
        assert pnl.interest == interest
        assert pnl.interest_value == interest * 50_000
        assert pnl.open_fee == Decimal(6)
        assert pnl.close_fee == (Decimal("0.1") + interest) * 50_000 * Decimal("0.001")
        assert pnl.gross_pnl == Decimal(1000)
        assert pnl.net_pnl == Decimal(1000) - pnl.trading_fees - interest * 50_000
        # the account: 9,000 − 6 quote, buy back Q + I at 50,000 plus fee, keep the rest
        final = trade.account.quote_balance - (Decimal("0.1") + interest) * 50_000 - pnl.close_fee
        assert pnl.net_pnl == final - trade.collateral

    def test_long_interest_example(self) -> None:
        """1,000 USDT borrowed 13:55 → 14:30 at 0.001%/h accrues 0.02 USDT (2 accruals)."""
        trade = open_long(
            1000,
            **BTC_USDT,
            leverage=2,
            price=100,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        pnl = close(trade, exit_price=100, at=T1, schedule="0.00001")
        assert pnl.interest == Decimal("0.02")
        assert pnl.interest_value == Decimal("0.02")
        assert pnl.net_pnl == Decimal("-0.02")

    def test_bybit_started_hours(self) -> None:
        """Bybit: 10,000 USDT 08:05 → 10:00 at 0.02%/day counts 2 started hours → 0.1667."""
        opened = datetime(2024, 5, 1, 8, 5, tzinfo=UTC)
        trade = open_long(
            10_000,
            **BTC_USDT,
            leverage=2,
            price=100,
            opened_at=opened,
            thresholds=BINANCE_CROSS_3X,
        )
        pnl = close(
            trade,
            exit_price=100,
            at=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
            schedule=hourly_from_daily("0.0002"),
            counting="started_hour",
        )
        assert round_to_step(pnl.interest, "0.0001", "half_up") == Decimal("0.1667")

    def test_schedule_object_and_waiver(self) -> None:
        """A RateSchedule works like a rate; waived hours are free."""
        trade = open_long(1000, **BTC_USDT, leverage=2, price=100, opened_at=T0)  # cross 3x
        pnl = close(
            trade, exit_price=100, at=T1, schedule=RateSchedule.constant("0.00001"), waived_hours=1
        )
        assert pnl.interest == Decimal("0.01")

    @pytest.mark.parametrize("convention", ["quote", "received"])
    def test_long_net_is_account_change(self, convention: Any) -> None:
        """A long's net PnL equals sale proceeds − loan − interest − collateral."""
        trade = open_long(
            1000,
            **BTC_USDT,
            leverage=3,
            price=200,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate="0.002",
            fee_convention=convention,
        )
        pnl = close(trade, exit_price=250, at=T1, schedule="0.0001")
        final = trade.quantity * 250 * (1 - Decimal("0.002")) - trade.borrowed - pnl.interest
        assert close_to(pnl.net_pnl, final - trade.collateral)

    def test_short_received_convention(self) -> None:
        """Fee in the base bought back: buy (Q + I)/(1 − f) base."""
        trade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate="0.001",
            fee_convention="received",
        )
        pnl = close(trade, exit_price=50_000, at=T1, schedule=0, fee_rate="0.002")
        cost = div(5000, Decimal("0.998"))
        assert close_to(pnl.close_fee, cost - 5000)
        assert close_to(pnl.net_pnl, trade.quote_amount - cost)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"exit_price": -1}, "exit_price must be positive"),
            ({"at": T0 - timedelta(hours=1)}, "at must not be before opened_at"),
            ({"at": datetime(2024, 5, 1)}, "at must be timezone-aware"),  # noqa: DTZ001 - naive on purpose
            ({"fee_rate": "-0.1"}, "fee_rate must be a fraction"),
            ({"schedule": -1}, "schedule must not be negative"),
        ],
        ids=["price", "before-open", "naive", "fee", "rate"],
    )
    def test_rejects(self, kwargs: dict[str, Any], match: str) -> None:
        """Bad closing arguments raise InvalidInputError."""
        trade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        args: dict[str, Any] = {"exit_price": 1, "at": T1, "schedule": 0}
        with pytest.raises(InvalidInputError, match=match):
            close(trade, **{**args, **kwargs})

    def test_rate_arguments(self) -> None:
        """hourly_rate is the constant-rate spelling; no rate is refused (stated, 0 allowed).

        Rule: rule-spot-trades.
        """
        trade = open_long(1000, **BTC_USDT, leverage=2, price=100, opened_at=T0)
        assert trade.thresholds == BINANCE_CROSS_3X
        by_rate = close(trade, exit_price=100, at=T1, hourly_rate="0.00001")
        assert by_rate == close(trade, exit_price=100, at=T1, schedule="0.00001")
        assert close(trade, exit_price=100, at=T1, schedule=0).interest == 0
        with pytest.raises(InvalidInputError, match=r"^schedule must be stated .*schedule=0"):
            close(trade, exit_price=100, at=T1)
        with pytest.raises(InvalidInputError, match="schedule or hourly_rate, not both"):
            close(trade, exit_price=100, at=T1, schedule=0, hourly_rate=0)

    def test_rejects_non_trade(self) -> None:
        """close() needs a MarginTrade."""
        with pytest.raises(InvalidInputError, match="trade must be a MarginTrade"):
            close("trade", exit_price=1, at=T1, schedule=0)  # type: ignore[arg-type]

    @given(
        collateral=collaterals,
        p0=prices,
        p1=prices,
    )
    def test_short_long_antisymmetry(self, collateral: Decimal, p0: Decimal, p1: Decimal) -> None:
        """Same quantity, no fees or interest: short PnL = −long PnL at every exit."""
        short = open_short(
            collateral,
            **BTC_USDT,
            leverage=2,
            price=p0,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        long = open_long(
            collateral / 2,
            **BTC_USDT,
            leverage=2,
            price=p0,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        assert short.quantity == long.quantity
        s = close(short, exit_price=p1, at=T0, schedule=0)
        lg = close(long, exit_price=p1, at=T0, schedule=0)
        assert s.gross_pnl == -lg.gross_pnl
        assert s.net_pnl == -lg.net_pnl

    @given(
        collateral=collaterals,
        lev=decimals("1.5", "3", places=2),
        p0=prices,
        p1=prices,
        fee=fee_rates,
        rate=decimals("0", "0.001", places=6),
        hours=st.integers(min_value=0, max_value=500),
        side=st.sampled_from(["short", "long"]),
        convention=st.sampled_from(["quote", "received"]),
    )
    def test_net_decomposes(
        self,
        *,
        collateral: Decimal,
        lev: Decimal,
        p0: Decimal,
        p1: Decimal,
        fee: Decimal,
        rate: Decimal,
        hours: int,
        side: str,
        convention: Any,
    ) -> None:
        """Net = gross − fees − interest value, for both sides and fee conventions."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            collateral,
            **BTC_USDT,
            leverage=lev,
            price=p0,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate=fee,
            fee_convention=convention,
        )
        at = T0 + timedelta(hours=hours)
        pnl = close(trade, exit_price=p1, at=at, schedule=rate)
        assert pnl.net_pnl == pnl.gross_pnl - pnl.trading_fees - pnl.interest_value
        assert pnl.interest == accrued_interest(trade.borrowed, rate, T0, at)
        sign = -1 if side == "short" else 1
        assert pnl.gross_pnl == sign * trade.quantity * (p1 - p0)


class TestBreakEvenPrice:
    """The exit price where net PnL is zero, fees and interest included (rule-spot-trades)."""

    def test_no_costs_is_entry(self) -> None:
        """Without fees or interest a short breaks even at its entry."""
        trade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        assert break_even_price(trade, at=T0, schedule=0) == Decimal(60_000)
        assert break_even_price(trade) == Decimal(60_000)

    def test_rate_needs_time(self) -> None:
        """A rate without a closing time cannot accrue: InvalidInputError."""
        trade = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        with pytest.raises(InvalidInputError, match="at is needed to accrue interest"):
            break_even_price(trade, schedule="0.00001")

    @given(
        collateral=collaterals,
        lev=decimals("1.5", "3", places=2),
        p0=prices,
        fee=fee_rates,
        close_fee=fee_rates,
        rate=decimals("0", "0.001", places=6),
        hours=st.integers(min_value=0, max_value=500),
        side=st.sampled_from(["short", "long"]),
        convention=st.sampled_from(["quote", "received"]),
    )
    def test_net_is_zero_there(
        self,
        *,
        collateral: Decimal,
        lev: Decimal,
        p0: Decimal,
        fee: Decimal,
        close_fee: Decimal,
        rate: Decimal,
        hours: int,
        side: str,
        convention: Any,
    ) -> None:
        """Closing at the break-even price nets zero."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            collateral,
            **BTC_USDT,
            leverage=lev,
            price=p0,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate=fee,
            fee_convention=convention,
        )
        at = T0 + timedelta(hours=hours)
        p = break_even_price(trade, at=at, schedule=rate, fee_rate=close_fee)
        pnl = close(trade, exit_price=p, at=at, schedule=rate, fee_rate=close_fee)
        assert abs(pnl.net_pnl) <= TINY * collateral * lev
        if fee == close_fee == rate == 0:
            assert close_to(p, p0)


class TestRateKeyword:
    """schedule is the rate keyword; hourly_rate its deprecated alias (rule-interest)."""

    def test_close_alias_still_works(self) -> None:
        """close(hourly_rate=...) equals close(schedule=...) with the same constant rate."""
        trade = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        by_alias = close(trade, exit_price=50_000, at=T1, hourly_rate="0.00001")
        assert by_alias == close(trade, exit_price=50_000, at=T1, schedule="0.00001")
        assert by_alias.interest > 0

    def test_break_even_alias_still_works(self) -> None:
        """break_even_price(hourly_rate=...) equals break_even_price(schedule=...)."""
        trade = open_long(1000, **BTC_USDT, leverage=2, price=100, opened_at=T0, fee_rate="0.001")
        by_alias = break_even_price(trade, at=T1, hourly_rate="0.00001")
        assert by_alias == break_even_price(trade, at=T1, schedule="0.00001")

    def test_price_for_net_pnl_alias_still_works(self) -> None:
        """price_for_net_pnl passes hourly_rate on like schedule."""
        trade = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        by_alias = price_for_net_pnl(trade, net_pnl=-30, at=T1, hourly_rate="0.00001")
        assert by_alias == price_for_net_pnl(trade, net_pnl=-30, at=T1, schedule="0.00001")

    @pytest.mark.parametrize(
        ("keyword", "call"),
        [
            ("schedule", lambda t, kw: close(t, exit_price=1, at=T1, **kw)),
            ("hourly_rate", lambda t, kw: close(t, exit_price=1, at=T1, **kw)),
            ("schedule", lambda t, kw: break_even_price(t, at=T1, **kw)),
            ("hourly_rate", lambda t, kw: break_even_price(t, at=T1, **kw)),
            ("hourly_rate", lambda t, kw: price_for_net_pnl(t, net_pnl=0, at=T1, **kw)),
        ],
        ids=["close", "close-alias", "break-even", "break-even-alias", "net-pnl-alias"],
    )
    def test_error_names_the_keyword_given(
        self, keyword: str, call: Callable[[MarginTrade, dict[str, Any]], object]
    ) -> None:
        """A bad rate is reported under the keyword the caller used."""
        trade = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        with pytest.raises(InvalidInputError, match=rf"^{keyword} must not be negative"):
            call(trade, {keyword: "-1"})
        with pytest.raises(InvalidInputError, match=rf"^{keyword} must be a finite number"):
            call(trade, {keyword: "x"})

    @pytest.mark.parametrize("keyword", ["schedule", "hourly_rate"])
    def test_rate_without_time_names_the_keyword(self, keyword: str) -> None:
        """A rate without a closing time names the keyword it came by."""
        trade = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        rate: dict[str, Any] = {keyword: "0.1"}
        with pytest.raises(InvalidInputError, match=rf"at is needed .* at {keyword}='0.1'"):
            break_even_price(trade, **rate)

    def test_not_both(self) -> None:
        """Both keywords at once are an error, for every entry point."""
        trade = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        with pytest.raises(InvalidInputError, match="schedule or hourly_rate, not both"):
            break_even_price(trade, at=T1, schedule=0, hourly_rate=0)
        with pytest.raises(InvalidInputError, match="schedule or hourly_rate, not both"):
            price_for_net_pnl(trade, net_pnl=0, at=T1, schedule=0, hourly_rate=0)


class TestPriceForNetPnl:
    """The one exit-price inversion: close().net_pnl solved for the price (rule-spot-trades)."""

    def test_examples(self) -> None:
        """The seed short: +1,000 at 50,000, −30 at 60,300; a long's stop and target."""
        short = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        assert price_for_net_pnl(short, net_pnl=1000) == 50_000
        assert price_for_net_pnl(short, net_pnl=-30, at=T0, schedule=0) == 60_300
        long = open_long(10_000, **BTC_USDT, leverage=3, price=30_000, opened_at=T0)
        assert price_for_net_pnl(long, net_pnl=-1000) == 29_000
        assert price_for_net_pnl(long, net_pnl="1500.5") == Decimal("31500.5")

    def test_no_positive_price(self) -> None:
        """A short cannot earn its proceeds; a long cannot lose more than C·L + I: None."""
        short = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        assert price_for_net_pnl(short, net_pnl=6000) is None
        assert price_for_net_pnl(short, net_pnl="5999.99") is not None
        long = open_long(10_000, **BTC_USDT, leverage=3, price=30_000, opened_at=T0)
        assert price_for_net_pnl(long, net_pnl=-30_000) is None
        assert price_for_net_pnl(long, net_pnl=-29_999) == 1

    def test_rejects(self) -> None:
        """The target must be a number; the closing arguments are those of close()."""
        trade = open_short(3000, **BTC_USDT, leverage=3, price=60_000, opened_at=T0)
        with pytest.raises(InvalidInputError, match=r"^net_pnl must be a finite number"):
            price_for_net_pnl(trade, net_pnl="x")
        with pytest.raises(InvalidInputError, match=r"^trade must be a MarginTrade"):
            price_for_net_pnl("x", net_pnl=0)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match=r"^fee_rate must be a fraction"):
            price_for_net_pnl(trade, net_pnl=0, fee_rate=1)

    @given(
        collateral=collaterals,
        lev=decimals("1.5", "3", places=2),
        p0=prices,
        fee=fee_rates,
        close_fee=fee_rates,
        rate=decimals("0", "0.001", places=6),
        hours=st.integers(min_value=0, max_value=500),
        target=decimals("-0.5", "0.5", places=4),
        side=st.sampled_from(["short", "long"]),
        convention=st.sampled_from(["quote", "received"]),
    )
    @example(
        collateral=Decimal(10),
        lev=Decimal("1.5"),
        p0=Decimal(100),
        fee=Decimal(0),
        close_fee=Decimal(0),
        rate=Decimal(0),
        hours=0,
        target=Decimal("0.5"),
        side="short",
        convention="quote",
    )  # a short at 1.5x cannot net half its collateral: no price
    def test_net_pnl_is_the_target_there(
        self,
        *,
        collateral: Decimal,
        lev: Decimal,
        p0: Decimal,
        fee: Decimal,
        close_fee: Decimal,
        rate: Decimal,
        hours: int,
        target: Decimal,
        side: str,
        convention: Any,
    ) -> None:
        """Closing at the returned price nets the target (a fraction of the collateral)."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            collateral,
            **BTC_USDT,
            leverage=lev,
            price=p0,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
            fee_rate=fee,
            fee_convention=convention,
        )
        at = T0 + timedelta(hours=hours)
        goal = target * collateral
        p = price_for_net_pnl(trade, net_pnl=goal, at=at, schedule=rate, fee_rate=close_fee)
        if p is None:
            # a long can always lose |goal| ≤ C/2 < C·L + I; a short earns less than what
            # buying back at a price near 0 would net (its proceeds, C·(L − 1) less fees)
            assert side == "short"
            best = close(
                trade, exit_price=Decimal("1e-30"), at=at, schedule=rate, fee_rate=close_fee
            )
            assert goal >= best.net_pnl
            return
        pnl = close(trade, exit_price=p, at=at, schedule=rate, fee_rate=close_fee)
        assert abs(pnl.net_pnl - goal) <= TINY * collateral * lev

    @given(
        collateral=collaterals,
        p0=prices,
        fee=fee_rates,
        rate=decimals("0", "0.001", places=6),
        hours=st.integers(min_value=0, max_value=500),
        side=st.sampled_from(["short", "long"]),
        convention=st.sampled_from(["quote", "received"]),
    )
    def test_zero_target_is_break_even(
        self,
        *,
        collateral: Decimal,
        p0: Decimal,
        fee: Decimal,
        rate: Decimal,
        hours: int,
        side: str,
        convention: Any,
    ) -> None:
        """break_even_price is the inversion at a target of zero, to the last digit."""
        opener = open_short if side == "short" else open_long
        trade = opener(
            collateral,
            **BTC_USDT,
            leverage=3,
            price=p0,
            opened_at=T0,
            fee_rate=fee,
            fee_convention=convention,
        )
        at = T0 + timedelta(hours=hours)
        expected = break_even_price(trade, at=at, schedule=rate)
        assert price_for_net_pnl(trade, net_pnl=0, at=at, schedule=rate) == expected


class TestBuybackFee:
    """The close-fee convention, stated once: f·v, or f·v/(1 − f) (rule-spot-trades)."""

    def test_conventions(self) -> None:
        """In quote the fee is f·v; taken from the base received it is f·v/(1 − f)."""
        assert _buyback_fee(Decimal(1000), Decimal("0.001"), "quote") == 1
        assert _buyback_fee(Decimal(999), Decimal("0.001"), "received") == 1

    def test_close_uses_it(self) -> None:
        """A short's closing fee under "received" buys back (Q + I)/(1 − f) base."""
        trade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            fee_rate="0.001",
            fee_convention="received",
        )
        pnl = close(trade, exit_price=50_000, at=T0, schedule=0)
        assert pnl.close_fee == div(Decimal("0.1") * 50_000 * Decimal("0.001"), Decimal("0.999"))


class TestAssetMappings:
    """One check for every asset → number mapping (rule-margin-level)."""

    def test_converts_and_checks_each_entry(self) -> None:
        """Entries are converted; a failing entry is named with the rule it breaks."""
        assert _by_asset({"BTC": "2"}, "m", "amount", lambda v: v > 0, "be positive") == {
            "BTC": Decimal(2)
        }
        with pytest.raises(InvalidInputError, match=r"^m\['BTC'\] must be positive, got '0'"):
            _by_asset({"BTC": "0"}, "m", "amount", lambda v: v > 0, "be positive")
        with pytest.raises(InvalidInputError, match=r"^m must be a mapping of asset to amount"):
            _by_asset([1], "m", "amount", lambda v: v > 0, "be positive")
        with pytest.raises(InvalidInputError, match=r"^m key must be a non-empty asset"):
            _by_asset({" BTC": 1}, "m", "amount", lambda v: v > 0, "be positive")


class TestFace:
    """levrisk.margin publishes its names as its own (rule-spot-margin)."""

    def test_dir_is_all(self) -> None:
        """dir() lists exactly the sorted public names."""
        import levrisk.margin  # noqa: PLC0415 - the face under test

        assert dir(levrisk.margin) == sorted(levrisk.margin.__all__)

    def test_names_are_documented_here(self) -> None:
        """Classes and functions say they live in levrisk.margin."""
        assert MarginTrade.__module__ == "levrisk.margin"
        assert close.__module__ == "levrisk.margin"
        assert pro_max_borrowable.__module__ == "levrisk.margin"


def usdt_tiers() -> BracketTable:
    """A two-tier Pro table for USDT liabilities: 10x up to 100,000, 5x up to 1,000,000."""
    return BracketTable.from_rates(
        caps=[100_000, 1_000_000], maintenance_rates=["0.05", "0.1"], max_leverages=[10, 5]
    )


class TestCrossMarginPro:
    """Tiered liability IM/MM, Pro margin level, Pro max borrow (rule-cross-margin-pro)."""

    @pytest.mark.parametrize(
        ("leverage", "rate"),
        [(10, "0.1112"), (5, "0.25"), (3, "0.5"), (4, "0.3334"), (20, "0.0527")],
        ids=["10x", "5x", "3x", "4x", "20x"],
    )
    def test_initial_rate(self, leverage: int, rate: str) -> None:
        """IMR = 1/(L − 1) rounded up to 0.01% (10x → 11.12%)."""
        assert pro_initial_rate(leverage) == Decimal(rate)

    def test_initial_rate_needs_leverage_above_one(self) -> None:
        """L ≤ 1 has no IMR."""
        with pytest.raises(LeverageError, match="leverage must be above 1"):
            pro_initial_rate(1)

    def test_level_example(self) -> None:
        """(30,000 − 20,000) / (20,000 · 5%) = 10."""
        acct = CrossMarginAccount(balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)])
        assert pro_maintenance_margin(
            acct, {"BTC": 30_000}, tiers={"USDT": usdt_tiers()}
        ) == Decimal(1000)
        assert pro_margin_level(acct, {"BTC": 30_000}, tiers={"USDT": usdt_tiers()}) == 10
        assert PRO_LIQUIDATION_LEVEL == 1

    def test_tiered_margins(self) -> None:
        """Above the first tier, MM = V·m − cum and IM is the progressive sum."""
        acct = CrossMarginAccount(
            balances={"USDT": 400_000}, loans=[Loan(asset="USDT", principal=200_000)]
        )
        mm = pro_maintenance_margin(acct, {}, tiers={"USDT": usdt_tiers()})
        assert mm == Decimal(200_000) * Decimal("0.1") - Decimal(5000)
        im = pro_initial_margin(acct, {}, tiers={"USDT": usdt_tiers()})
        assert im == Decimal(100_000) * Decimal("0.1112") + Decimal(100_000) * Decimal("0.25")

    def test_published_initial_rate_used(self) -> None:
        """A bracket's own initial_rate wins over the derived one."""
        table = BracketTable(
            brackets=[
                Bracket(
                    floor=0, cap=10**6, max_leverage=10, maintenance_rate="0.05", initial_rate="0.2"
                )
            ]
        )
        acct = CrossMarginAccount(
            balances={"USDT": 2000}, loans=[Loan(asset="USDT", principal=1000)]
        )
        assert pro_initial_margin(acct, {}, tiers={"USDT": table}) == Decimal(200)

    def test_none_without_liabilities(self) -> None:
        """No liabilities, no Pro level."""
        acct = CrossMarginAccount(balances={"USDT": 1})
        assert pro_margin_level(acct, {}, tiers={}) is None

    def test_max_borrow_single_tier(self) -> None:
        """Available / IMR: 10,000 / 0.1112."""
        acct = CrossMarginAccount(balances={"USDT": 10_000})
        got = pro_max_borrowable(acct, asset="USDT", prices={}, tiers={"USDT": usdt_tiers()})
        assert got == div(10_000, Decimal("0.1112"))

    def test_max_borrow_across_tiers(self) -> None:
        """Tier 1 fills to its cap at 11.12%, the rest at 25%."""
        acct = CrossMarginAccount(balances={"USDT": 20_000})
        got = pro_max_borrowable(acct, asset="USDT", prices={}, tiers={"USDT": usdt_tiers()})
        assert got == 100_000 + (Decimal(20_000) - Decimal(11_120)) / Decimal("0.25")

    def test_max_borrow_capped_by_top_tier(self) -> None:
        """Never beyond the table's top cap."""
        acct = CrossMarginAccount(balances={"USDT": 10**7})
        got = pro_max_borrowable(acct, asset="USDT", prices={}, tiers={"USDT": usdt_tiers()})
        assert got == Decimal(1_000_000)

    def test_max_borrow_in_base_and_existing_im(self) -> None:
        """Existing IM is subtracted; the amount is in the borrowed asset's units."""
        acct = CrossMarginAccount(
            balances={"USDT": 30_000}, loans=[Loan(asset="USDT", principal=10_000)]
        )
        btc = BracketTable.from_rates(caps=[10**7], maintenance_rates=["0.05"], max_leverages=[10])
        got = pro_max_borrowable(
            acct,
            asset="BTC",
            prices={"BTC": 20_000},
            tiers={"USDT": usdt_tiers(), "BTC": btc},
        )
        assert got == div(div(20_000 - 1112, Decimal("0.1112")), 20_000)

    def test_max_borrow_starts_in_a_higher_tier(self) -> None:
        """A liability already in tier 2 skips tier 1: (200,000 − 36,120) / 25%."""
        acct = CrossMarginAccount(
            balances={"USDT": 400_000}, loans=[Loan(asset="USDT", principal=200_000)]
        )
        got = pro_max_borrowable(acct, asset="USDT", prices={}, tiers={"USDT": usdt_tiers()})
        assert got == Decimal(655_520)

    def test_max_borrow_zero_when_underwater(self) -> None:
        """No available margin, nothing to borrow."""
        acct = CrossMarginAccount(
            balances={"USDT": 100_500}, loans=[Loan(asset="USDT", principal=100_000)]
        )
        assert pro_max_borrowable(acct, asset="USDT", prices={}, tiers={"USDT": usdt_tiers()}) == 0

    @given(equity=decimals("1", "250000", places=2), existing=decimals("0", "500000", places=2))
    def test_borrowing_the_max_uses_all_available_margin(
        self, equity: Decimal, existing: Decimal
    ) -> None:
        """After borrowing the maximum, IM grows by the available margin (or hits the cap)."""
        tiers = {"USDT": usdt_tiers()}
        acct = CrossMarginAccount(
            balances={"USDT": equity + existing}, loans=[Loan(asset="USDT", principal=existing)]
        )
        available = equity - pro_initial_margin(acct, {}, tiers=tiers)
        amount = pro_max_borrowable(acct, asset="USDT", prices={}, tiers=tiers)
        if available <= 0:
            assert amount == 0
            return
        after = CrossMarginAccount(
            balances={"USDT": equity + existing + amount},
            loans=[Loan(asset="USDT", principal=existing + amount)],
        )
        grown = pro_initial_margin(after, {}, tiers=tiers) - pro_initial_margin(
            acct, {}, tiers=tiers
        )
        assert close_to(grown, available) or existing + amount == 1_000_000

    def test_rejects(self) -> None:
        """Bad accounts and tables raise LevriskErrors; a liability beyond the top extrapolates."""
        acct = CrossMarginAccount(balances={"BTC": 1}, loans=[Loan(asset="USDT", principal=20_000)])
        with pytest.raises(InvalidInputError, match="no table for the liability asset 'USDT'"):
            pro_margin_level(acct, {"BTC": 1}, tiers={})
        with pytest.raises(InvalidInputError, match=r"^tiers key must be a non-empty asset"):
            pro_margin_level(acct, {"BTC": 1}, tiers={"": usdt_tiers()})
        with pytest.raises(InvalidInputError, match="tiers must be a mapping"):
            pro_margin_level(acct, {"BTC": 1}, tiers=[])  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match=r"tiers\['USDT'\] must be a BracketTable"):
            pro_margin_level(acct, {"BTC": 1}, tiers={"USDT": 1})  # type: ignore[dict-item]
        with pytest.raises(InvalidInputError, match="account must be a CrossMarginAccount"):
            pro_margin_level(short_account(Decimal(1), Decimal(1)), {}, tiers={})  # type: ignore[arg-type]
        big = CrossMarginAccount(
            balances={"USDT": 1}, loans=[Loan(asset="USDT", principal=2_000_000)]
        )
        # above the top cap the top tier goes on (one behaviour for every margin figure)
        im = pro_initial_margin(big, {}, tiers={"USDT": usdt_tiers()})
        assert im == 11_120 + 1_900_000 * Decimal("0.25")
        assert pro_maintenance_margin(big, {}, tiers={"USDT": usdt_tiers()}) == 195_000
        assert pro_max_borrowable(big, asset="USDT", prices={}, tiers={"USDT": usdt_tiers()}) == 0


_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(Decimal("NaN")),
    st.just(Decimal("-0")),
    st.just(Decimal("1e-40")),
    st.just(Decimal("1e30")),
    st.just(Decimal(-1)),
    st.just(0),
    st.just(1),
    st.just(2),
    st.just("abc"),
    st.just("1.5"),
    st.just(""),
    st.just([]),
    st.just({}),
    st.just({"BTC": 1}),
    st.just({"BTC": "x"}),
    st.just(T0),
    st.just(datetime(2024, 1, 1)),  # noqa: DTZ001 - a naive datetime on purpose
    st.just(BINANCE_CROSS_3X),
    st.just(short_account(Decimal(1), Decimal(1))),
    st.just("BTC"),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.decimals(),
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),
)


class TestFuzz:
    """Only LevriskError escapes the public entry points, whatever comes in."""

    @given(a=_junk, b=_junk, c=_junk, d=_junk)
    def test_account_functions(self, a: Any, b: Any, c: Any, d: Any) -> None:
        """Account-level functions."""
        calls: list[Callable[[], object]] = [
            lambda: margin_level(a, b),
            lambda: collateral_margin_level(a, b, collateral_ratios=c),
            lambda: liquidation_price(a, asset=b, prices=c, liquidation_level=d),
            lambda: max_borrowable(a, asset=b, prices=c, thresholds=d),
            lambda: borrow(a, asset=b, amount=c, prices=d, thresholds=BINANCE_CROSS_3X),
            lambda: margin_status(a, b),
            lambda: pro_margin_level(a, b, tiers=c),
            lambda: pro_max_borrowable(a, asset=b, prices=c, tiers=d),
            lambda: pro_initial_rate(a),
            lambda: Loan(asset=a, principal=b, interest=c),
            lambda: CrossMarginAccount(balances=a, loans=b, quote=c),
            lambda: IsolatedMarginAccount(base=a, quote=b, base_balance=c, quote_balance=d),
            lambda: MarginThresholds(
                liquidation=a, margin_call=b, initial_risk_ratio=c, max_leverage=d
            ),
            lambda: two_tiers().tier_for(base_borrowed=a, quote_borrowed=b),
        ]
        for call in calls:
            with contextlib.suppress(LevriskError):
                call()

    @given(a=_junk, b=_junk, c=_junk, d=_junk, e=_junk)
    def test_trade_functions(self, a: Any, b: Any, c: Any, d: Any, e: Any) -> None:
        """Trade functions, with one good trade to close."""
        trade: MarginTrade = open_short(
            3000,
            **BTC_USDT,
            leverage=3,
            price=60_000,
            opened_at=T0,
            thresholds=BINANCE_CROSS_3X,
        )
        calls: list[Callable[[], object]] = [
            lambda: open_short(a, **BTC_USDT, leverage=b, price=c, opened_at=d, thresholds=e),
            lambda: open_long(
                a,
                **BTC_USDT,
                leverage=b,
                price=c,
                opened_at=T0,
                thresholds=BINANCE_CROSS_3X,
                fee_rate=d,
                fee_convention=e,
            ),
            lambda: close(trade, exit_price=a, at=b, schedule=c, fee_rate=d, waived_hours=e),
            lambda: close(a, exit_price=1, at=T1, schedule=0),
            lambda: break_even_price(trade, at=a, schedule=b, fee_rate=c, counting=d),
            lambda: break_even_price(trade, at=T1, schedule=a, waived_hours=b),
            lambda: close(trade, exit_price=1, at=T1, hourly_rate=a, waived_hours=b),
            lambda: price_for_net_pnl(trade, net_pnl=a, at=b, schedule=c, fee_rate=d),
        ]
        for call in calls:
            with contextlib.suppress(LevriskError):
                call()


class TestQuotePrice:
    """rule-margin-level: everything is valued in one quote, whose price is 1 by definition."""

    account = IsolatedMarginAccount(
        base="BTC",
        quote="USDT",
        quote_balance=9000,
        loans=[Loan(asset="BTC", principal="0.1", interest="0.0001")],
    )

    def test_quote_price_of_one_is_accepted(self) -> None:
        """Giving the quote's price as 1 changes nothing."""
        assert margin_level(self.account, {"BTC": 60_000, "USDT": 1}) == margin_level(
            self.account, {"BTC": 60_000}
        )

    def test_other_quote_price_is_rejected(self) -> None:
        """A quote price other than 1 would silently rescale the level: it is an error."""
        with pytest.raises(InvalidInputError, match=r"^prices\['USDT'\] must be 1"):
            margin_level(self.account, {"BTC": 60_000, "USDT": 2})
        with pytest.raises(InvalidInputError, match=r"^prices\['USDT'\] must be 1"):
            liquidation_price(
                self.account, asset="BTC", prices={"BTC": 1, "USDT": 2}, liquidation_level="1.1"
            )

    def test_quote_asset_has_no_liquidation_price(self) -> None:
        """Asking for the quote's own liquidation price is an error, not a number."""
        with pytest.raises(InvalidInputError, match=r"^asset must not be the quote 'USDT'"):
            liquidation_price(
                self.account, asset="USDT", prices={"BTC": 60_000}, liquidation_level="1.1"
            )
