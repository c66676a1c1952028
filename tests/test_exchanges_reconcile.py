"""Live payloads: per-row reports, reported figures and the reconciliation (exchanges)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from levrisk.exceptions import (
    AlwaysLiquidatedError,
    InvalidInputError,
    LevriskWarning,
)
from levrisk.exchanges import FieldCheck, Parsed, Reconciliation, binance, bybit, ccxt, gate, okx
from levrisk.exchanges._reconcile import compare
from levrisk.exchanges._rows import collect
from levrisk.futures import isolated_liquidation_price

BTC = {"BTCUSDT": binance.BTCUSDT_CONTRACT}


def v3_row(**changes: Any) -> dict[str, Any]:
    """The v3 example row of Binance's "Position Information V3", resized for BTCUSDT."""
    row = {
        "symbol": "BTCUSDT",
        "positionSide": "BOTH",
        "positionAmt": "-0.100",
        "entryPrice": "60000",
        "breakEvenPrice": "0.0",
        "markPrice": "59000",
        "unRealizedProfit": "100.00000000",
        "liquidationPrice": "65737.05179283",
        "isolatedMargin": "700.00000000",
        "notional": "-5900",
        "marginAsset": "USDT",
        "isolatedWallet": "600",
        "initialMargin": "590",
        "maintMargin": "23.6",
        "positionInitialMargin": "590",
        "openOrderInitialMargin": "0",
        "adl": 2,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": 1720736417660,
    }
    return {**row, **changes}


class TestRows:
    """rule-futures-margin-pnl: a bad row is reported, the good rows are kept."""

    def test_collect(self) -> None:
        """Good rows, skipped rows and bad rows; strict raises the first error."""

        def build(where: str, item: int) -> int | None:
            if item < 0:
                msg = f"{where} is negative"
                raise InvalidInputError(msg)
            return item or None

        items = [("a", 1), ("b", 0), ("c", -1)]
        parsed = collect(items, build, strict=False)
        assert parsed.rows == (1,)
        assert [(e.where, e.error) for e in parsed.errors] == [("c", "InvalidInputError")]
        with pytest.raises(InvalidInputError, match="c is negative"):
            collect(items, build, strict=True)
        assert Parsed(rows=(), errors=()).rows == ()


class TestBinancePositionRisk:
    """rule-futures-margin-pnl: positionRisk v2, v3 and COIN-M rows."""

    def test_v3_has_no_margin_type_or_leverage(self) -> None:
        """v3: isolated from isolatedWallet, leverage = |notional| / positionInitialMargin."""
        risks = binance.position_risks_from_payload([v3_row()], contracts=BTC)
        assert risks[0].margin_type == "isolated"
        assert risks[0].position.leverage == Decimal(10)
        assert risks[0].maintenance_margin == Decimal("23.6")
        assert risks[0].break_even_price is None
        cross = binance.position_risks_from_payload([v3_row(isolatedWallet="0")], contracts=BTC)
        assert cross[0].margin_type == "cross"

    def test_v2_keeps_its_fields(self) -> None:
        """v2: marginType and leverage are read as given."""
        row = v3_row(marginType="cross", leverage="20")
        del row["positionInitialMargin"]
        risk = binance.position_risks_from_payload([row], contracts=BTC)[0]
        assert (risk.margin_type, risk.position.leverage) == ("cross", Decimal(20))

    def test_zero_initial_margin(self) -> None:
        """v3 with no initial margin cannot give the leverage."""
        with pytest.raises(InvalidInputError, match="positionInitialMargin must be positive"):
            binance.position_risks_from_payload([v3_row(positionInitialMargin="0")], contracts=BTC)

    def test_report_keeps_good_rows(self) -> None:
        """Issue 15 item 2: a 75x row worth 300,000 the shipped table refuses is kept, warned.

        Legal under Binance's 2024 BTCUSDT table (100x up to 600,000): parsed with it, no
        warning; with the older table, a LevriskWarning names the row and the position
        keeps its 75x. Leverage does not enter the liquidation price.
        """
        big = v3_row(positionAmt="5", notional="300000", positionInitialMargin="4000")
        with pytest.warns(LevriskWarning, match=r"^payload\[1\]: leverage must be"):
            report = binance.position_report_from_payload([v3_row(), big], contracts=BTC)
        assert len(report.rows) == 2
        assert not report.errors
        held = report.rows[1].position
        assert held.leverage == Decimal(75)
        table_2024 = binance.USDM_SNAPSHOTS["BTCUSDT"].brackets
        assert table_2024.max_leverage(300_000) == Decimal(100)
        current = {"BTCUSDT": attrs.evolve(BTC["BTCUSDT"], brackets=table_2024)}
        fresh = binance.position_report_from_payload([big], contracts=current, strict=True)
        assert fresh.rows[0].position.leverage == Decimal(75)
        at_1x = attrs.evolve(held, leverage=1)
        assert isolated_liquidation_price(held, margin=20_000) == isolated_liquidation_price(
            at_1x, margin=20_000
        )
        with pytest.raises(InvalidInputError, match="contracts must be a mapping"):
            binance.position_report_from_payload([], contracts=[])  # type: ignore[arg-type]

    def test_account(self) -> None:
        """Account v2/v3: one asset's crossWalletBalance, or the total; unknown asset."""
        account = {
            "totalCrossWalletBalance": "103.12345678",
            "assets": [{"asset": "USDT", "crossWalletBalance": "23.72469206"}],
        }
        assert binance.cross_wallet_balance_from_payload(account) == Decimal("103.12345678")
        with pytest.raises(InvalidInputError, match="no asset 'BTC'"):
            binance.cross_wallet_balance_from_payload(account, asset="BTC")
        rows = [v3_row(isolatedWallet="0")]
        built = binance.cross_account_from_payloads(rows, account, contracts=BTC)
        assert built.wallet_balance == Decimal("23.72469206")


class TestBinanceReported:
    """rule-rounding: Binance's liquidationPrice and unRealizedProfit."""

    def test_liquidation_price(self) -> None:
        """8 decimals half up; none stays none."""
        assert binance.reported_liquidation_price("1.000000005") == Decimal("1.00000001")
        assert binance.reported_liquidation_price(None) is None

    def test_unrealized_pnl(self) -> None:
        """8 decimals toward zero, both signs."""
        assert binance.reported_unrealized_pnl("0.999999999") == Decimal("0.99999999")
        assert binance.reported_unrealized_pnl("-0.999999999") == Decimal("-0.99999999")


class TestBinanceReconcile:
    """rule-futures-liquidation-linear: Binance's figures against levrisk's."""

    def test_isolated_agrees(self) -> None:
        """Every reported figure of an isolated short agrees."""
        risk = binance.position_report_from_payload([v3_row()], contracts=BTC).rows[0]
        result = binance.reconcile(risk)
        assert isinstance(result, Reconciliation)
        assert result.agrees
        assert (result.venue, result.symbol, result.side) == ("Binance", "BTCUSDT", "short")

    def test_v2_row_checks_what_it_reports(self) -> None:
        """A v2 row without v3's margins or a PnL: only the liquidation price is checked."""
        row = {
            **v3_row(marginType="isolated", leverage="10"),
            "maintMargin": None,
            "positionInitialMargin": None,
            "unRealizedProfit": None,
        }
        risk = binance.position_report_from_payload([row], contracts=BTC).rows[0]
        assert [c.field for c in binance.reconcile(risk).checks] == ["liquidation_price"]

    def test_cross_without_account(self) -> None:
        """A cross position without the account: a missing account-level input."""
        row = v3_row(isolatedWallet="0", breakEvenPrice="59970.0")
        risk = binance.position_report_from_payload([row], contracts=BTC).rows[0]
        result = binance.reconcile(risk)
        reasons = {c.field: c.reason for c in result.checks}
        assert reasons["liquidation_price"] == "missing account-level input"
        assert reasons["break_even_price"] == "missing account-level input"
        assert not result.agrees

    def test_cross_with_account(self) -> None:
        """With the account the cross price is computed; the break-even uses the fee."""
        row = v3_row(isolatedWallet="0", breakEvenPrice="59880.11988012")
        risk = binance.position_report_from_payload([row], contracts=BTC).rows[0]
        account = binance.cross_account_from_payload([row], wallet_balance=600, contracts=BTC)
        result = binance.reconcile(risk, account=account, fee_rate="0.001")
        checks = {c.field: c for c in result.checks}
        assert checks["liquidation_price"].agrees
        assert checks["break_even_price"].agrees

    def test_liquidated_outcome(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A liquidated outcome (every price liquidates): no levrisk price to compare."""

        def always(*_args: object, **_kwargs: object) -> None:
            msg = "every price liquidates"
            raise AlwaysLiquidatedError(msg)

        monkeypatch.setattr(binance, "isolated_liquidation_price", always)
        risk = binance.position_report_from_payload([v3_row()], contracts=BTC).rows[0]
        check = binance.reconcile(risk).checks[-1]
        assert check.exact is None
        assert not check.agrees


class TestCompare:
    """rule-rounding: agreement at the exchange's precision and the likely reason."""

    @pytest.mark.parametrize(
        ("field", "exact", "exchange", "related", "reason"),
        [
            ("liquidation_price", "100.004", "100.01", (), "tick display"),
            ("liquidation_price", "105", "100.01", (), "fee rate"),
            ("maintenance_margin", "5", "6.5", (), "stale tier table"),
            ("unrealized_pnl", "5", "6.5", (), "mark vs last price"),
            ("notional", "5", "6.5", (), "mark vs last price"),
        ],
        ids=["tick", "fee", "tiers", "mark", "default"],
    )
    def test_reasons(
        self, field: str, exact: str, exchange: str, related: tuple[FieldCheck, ...], reason: str
    ) -> None:
        """Each disagreement names its most likely reason."""
        value = Decimal(exact)
        check = compare(
            field, exact_value=value, reported=value, exchange=Decimal(exchange), related=related
        )
        assert (check.agrees, check.reason) == (False, reason)

    def test_stale_tiers_explain_the_price(self) -> None:
        """A liquidation price whose maintenance margin disagrees: a stale tier table."""
        mm = compare(
            "maintenance_margin", exact_value=Decimal(5), reported=Decimal(5), exchange=Decimal(7)
        )
        check = compare(
            "liquidation_price",
            exact_value=Decimal(90),
            reported=Decimal(90),
            exchange=Decimal(80),
            related=(mm,),
        )
        assert check.reason == "stale tier table"

    def test_none_on_both_sides(self) -> None:
        """No price on either side agrees; one side only does not."""
        assert compare("liquidation_price", exact_value=None, reported=None, exchange=None).agrees
        check = compare("x", exact_value=None, reported=None, exchange=Decimal(1))
        assert check.reason == "missing account-level input"


class TestReportedFigures:
    """rule-rounding: OKX, Gate and Bybit display rules."""

    def test_okx_one_tick_toward_entry(self) -> None:
        """A long's liqPx is one tick above the formula's, a short's one tick below."""
        assert okx.reported_liquidation_price("100.123", side="long", tick_size="0.1") == Decimal(
            "100.223"
        )
        assert okx.reported_liquidation_price("100.123", side="short", tick_size="0.1") == Decimal(
            "100.023"
        )
        assert okx.reported_liquidation_price(None, side="short", tick_size="0.1") is None

    def test_gate_at_its_tick(self) -> None:
        """Gate's price on its tick; none stays none."""
        assert gate.reported_liquidation_price("100.15", tick_size="0.1") == Decimal("100.2")
        assert gate.reported_liquidation_price(None, tick_size="0.1") is None

    def test_bybit_inverse_pnl(self) -> None:
        """Bybit's coin-margined PnL at 5 decimals."""
        assert bybit.reported_inverse_pnl("-0.000015") == Decimal("-0.00002")


class TestCcxt:
    """rule-brackets: ccxt's OKX-shaped tiers and a position without leverage."""

    def test_okx_shape_is_contiguous(self) -> None:
        """OKX in ccxt: minNotional one contract above the previous max is contiguous."""
        tiers = [
            {"minNotional": 0, "maxNotional": 500, "maintenanceMarginRate": 0.004,
             "maxLeverage": 100},
            {"minNotional": 501, "maxNotional": 1000, "maintenanceMarginRate": 0.005,
             "maxLeverage": 75},
        ]  # fmt: skip
        table = ccxt.brackets_from_leverage_tiers(tiers)
        assert table.brackets[1].floor == Decimal(500)

    def test_leverage_none(self) -> None:
        """A ccxt leverage of None needs leverage=; the override wins."""
        contract = binance.BTCUSDT_CONTRACT
        position = {"side": "long", "contracts": 0.1, "entryPrice": 60000.0, "leverage": None}
        with pytest.raises(InvalidInputError, match="pass leverage="):
            ccxt.position_from_ccxt(position, contract=contract)
        assert ccxt.position_from_ccxt(
            {**position, "leverage": 3}, contract=contract, leverage=5
        ).leverage == Decimal(5)
