"""Position payloads of Bybit, OKX, Gate and ccxt: rows, cross accounts, reconcile.

The payloads are each venue's documented example responses (field names and string
numbers as the API returns them), saved under ``tests/data/``; the first row of each is
resized to a position whose figures are known: a 0.02 BTC isolated long at 50,000 on
500 USDT, liquidated at 25,100.4016… (rule-futures-liquidation-linear).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from levrisk.exceptions import AlwaysLiquidatedError, InvalidInputError, LeverageError
from levrisk.exchanges import ReportedPosition, _positions, binance, bybit, ccxt, gate, okx
from levrisk.exchanges._positions import cross_account, located, reconcile_position
from levrisk.futures import Contract, CrossAccount, LiquidationRule, Position

DATA = Path(__file__).parent / "data"
LIQUIDATION = Decimal("25100.401606425702811244979919678714859437751004016")
"""(0.02 · 50,000 − 500) / (0.02 · (1 − 0.004)), at levrisk's 50 digits."""


def load(name: str) -> Any:
    """A fresh copy of a saved payload."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def contract(symbol: str, **changes: Any) -> Contract:
    """A linear contract over Binance's shipped BTCUSDT table."""
    return Contract(symbol=symbol, kind="linear", brackets=binance.BTCUSDT_BRACKETS, **changes)


INVERSE = Contract(
    symbol="BTCUSD",
    kind="inverse",
    brackets=binance.BTCUSD_PERP_BRACKETS,
    contract_size=1,
    margin_asset="BTC",
)
ETH_USD = Contract(
    symbol="ETH-USD-210430",
    kind="inverse",
    contract_size=10,
    brackets=binance.BTCUSD_PERP_BRACKETS,
    tick_size="0.001",
    margin_asset="ETH",
)
BYBIT = {"BTCUSDT": contract("BTCUSDT"), "BTCUSD": INVERSE}
OKX = {
    "BTC-USDT-SWAP": contract("BTC-USDT-SWAP", contract_size="0.01", tick_size="0.1"),
    "ETH-USD-210430": ETH_USD,
}
GATE = {"BTC_USDT": contract("BTC_USDT", contract_size="0.0001", tick_size="0.1")}
CCXT = {"BTC/USDT:USDT": contract("BTC/USDT:USDT")}


class TestBybitPositions:
    """rule-futures-margin-pnl: Bybit v5 "Get Position Info" rows."""

    def test_documented_rows(self) -> None:
        """The resized linear row and Bybit's inverse example row both parse."""
        report = bybit.position_report_from_payload(
            load("bybit_position_list.json"), contracts=BYBIT
        )
        linear, inverse = report.rows
        assert (linear.margin_mode, linear.margin, linear.liquidation_price) == (
            "isolated",
            Decimal(500),
            Decimal("25100.4"),
        )
        assert inverse.position.side == "short"
        assert inverse.position.size == Decimal(300)
        assert inverse.liquidation_price is None
        assert inverse.break_even_price == Decimal("93556.73034991")
        assert report.errors == ()

    def test_by_mark_figures_first(self) -> None:
        """PositionMMByMp is read before positionMM; the bare list and result work too."""
        payload = load("bybit_position_list.json")
        row = payload["result"]["list"][0]
        row["positionMMByMp"] = "5"
        assert (
            bybit.position_report_from_payload([row], contracts=BYBIT).rows[0].maintenance_margin
            == 5
        )
        del row["positionMMByMp"], row["positionIMByMp"]
        parsed = bybit.position_report_from_payload({"list": [row]}, contracts=BYBIT).rows[0]
        assert (parsed.maintenance_margin, parsed.initial_margin) == (4, 500)
        del row["positionMM"], row["positionIM"]
        assert (
            bybit.position_report_from_payload([row], contracts=BYBIT).rows[0].initial_margin
            is None
        )

    def test_empty_rows_are_skipped(self) -> None:
        """Size 0, side "" or "None": an empty position, not a row."""
        row = load("bybit_position_list.json")["result"]["list"][0]
        rows = [{**row, "size": "0"}, {**row, "side": ""}, {**row, "side": "None"}]
        assert bybit.position_report_from_payload(rows, contracts=BYBIT).rows == ()

    def test_bad_rows_are_reported(self) -> None:
        """A bad side, an unknown symbol, a refused leverage: reported, the rest parsed."""
        row = load("bybit_position_list.json")["result"]["list"][0]
        rows = [
            {**row, "side": "Long"},
            {**row, "symbol": "DOGEUSDT"},
            {**row, "leverage": "500"},
            row,
        ]
        report = bybit.position_report_from_payload(rows, contracts=BYBIT)
        assert len(report.rows) == 1
        assert [(e.where, e.error) for e in report.errors] == [
            ("payload[0]", "InvalidInputError"),
            ("payload[1]", "InvalidInputError"),
            ("payload[2]", "LeverageError"),
        ]
        assert report.errors[2].message.startswith("payload[2]: ")
        with pytest.raises(LeverageError, match=r"payload\[0\]: leverage must be"):
            bybit.position_report_from_payload(rows[2:], contracts=BYBIT, strict=True)

    def test_contracts_must_be_a_mapping(self) -> None:
        """Contracts is checked before any row."""
        with pytest.raises(InvalidInputError, match="contracts must be a mapping"):
            bybit.position_report_from_payload([], contracts=[])  # type: ignore[arg-type]


UNIFIED: dict[str, Any] = {
    "retCode": 0,
    "retMsg": "OK",
    "result": {
        "list": [
            {
                "totalEquity": "3.31216591",
                "accountIMRate": "0",
                "totalMarginBalance": "3.00326056",
                "totalInitialMargin": "0",
                "accountType": "UNIFIED",
                "totalAvailableBalance": "3.00326056",
                "accountMMRate": "0",
                "totalPerpUPL": "0",
                "totalWalletBalance": "3.00326056",
                "accountLTV": "0",
                "totalMaintenanceMargin": "0",
                "coin": [
                    {
                        "availableToBorrow": "3",
                        "bonus": "0",
                        "accruedInterest": "0",
                        "availableToWithdraw": "0",
                        "totalOrderIM": "0",
                        "equity": "0",
                        "totalPositionMM": "0",
                        "usdValue": "0",
                        "unrealisedPnl": "0",
                        "collateralSwitch": True,
                        "borrowAmount": "0.0",
                        "totalPositionIM": "0",
                        "walletBalance": "0",
                        "cumRealisedPnl": "0",
                        "locked": "0",
                        "marginCollateral": True,
                        "coin": "BTC",
                    }
                ],
            }
        ]
    },
    "retExtInfo": {},
    "time": 1690872862481,
}
"""Bybit's documented "Get Wallet Balance" example (a unified account holding BTC)."""

CLASSIC = {
    "accountType": "CONTRACT",
    "accountIMRate": "",
    "totalEquity": "",
    "coin": [{"coin": "USDT", "equity": "500", "walletBalance": "500", "unrealisedPnl": "0"}],
}
"""A classic (CONTRACT) wallet: the account-wide fields empty, as Bybit documents."""


class TestBybitWallet:
    """rule-futures-liquidation-linear: the cross wallet of a wallet-balance response."""

    def test_unified_shape(self) -> None:
        """The documented unified example gives its BTC wallet."""
        assert bybit.cross_wallet_balance_from_payload(UNIFIED, coin="BTC") == 0

    def test_classic_shape_and_account_type(self) -> None:
        """A classic CONTRACT wallet; with both shapes listed, account_type picks one."""
        both = copy.deepcopy(UNIFIED)
        both["result"]["list"][0]["coin"].append({"coin": "USDT", "walletBalance": "7"})
        both["result"]["list"].append(CLASSIC)
        with pytest.raises(InvalidInputError, match="found 2: pass account_type="):
            bybit.cross_wallet_balance_from_payload(both)
        assert bybit.cross_wallet_balance_from_payload(both, account_type="CONTRACT") == 500
        assert bybit.cross_wallet_balance_from_payload(both, account_type="UNIFIED") == 7

    def test_missing_coin(self) -> None:
        """No account with the coin is an error naming it."""
        with pytest.raises(
            InvalidInputError, match=r"of accountType 'CONTRACT' with coin 'USDT', found 0"
        ):
            bybit.cross_wallet_balance_from_payload(UNIFIED, account_type="CONTRACT")
        with pytest.raises(InvalidInputError, match="coin must be a str"):
            bybit.cross_wallet_balance_from_payload(UNIFIED, coin=1)  # type: ignore[arg-type]

    def test_cross_account(self) -> None:
        """A cross row on a classic wallet; positionIdx 1 or 2 means hedge mode."""
        row = load("bybit_position_list.json")["result"]["list"][0]
        row.update(tradeMode=0)
        wallet = {"result": {"list": [CLASSIC]}}
        account = bybit.cross_account_from_payloads([row], wallet, contracts=BYBIT)
        assert account.wallet_balance == 500
        assert account.position_mode == "one_way"
        hedged = bybit.cross_account_from_payloads(
            [{**row, "positionIdx": 1}], wallet, contracts=BYBIT
        )
        assert hedged.position_mode == "hedge"


class TestBybitReconcile:
    """rule-rounding: Bybit's figures against levrisk's."""

    def test_isolated_agrees(self) -> None:
        """The resized row agrees; Bybit's inverse example row is cross, without account."""
        report = bybit.position_report_from_payload(
            load("bybit_position_list.json"), contracts=BYBIT
        )
        linear = bybit.reconcile(report.rows[0])
        assert linear.agrees
        assert linear.venue == "Bybit"
        assert linear.checks[-1].exact == LIQUIDATION
        inverse = bybit.reconcile(report.rows[1], fee_rate="0.00055")
        assert {c.field: c.reason for c in inverse.checks}["liquidation_price"] == (
            "missing account-level input"
        )

    def test_inverse_pnl_in_bybits_form(self) -> None:
        """An inverse contract's PnL is shown at 5 decimals (reported_inverse_pnl)."""
        row = load("bybit_position_list.json")["result"]["list"][1]
        row.update(unrealisedPnl="-0.00029")
        parsed = bybit.position_report_from_payload([row], contracts=BYBIT).rows[0]
        pnl = bybit.reconcile(parsed).checks[2]
        assert pnl.field == "unrealized_pnl"
        assert pnl.exact is not None
        assert pnl.reported == bybit.reported_inverse_pnl(pnl.exact)

    def test_cross_with_account(self) -> None:
        """A cross row over its account agrees with Bybit's price."""
        row = load("bybit_position_list.json")["result"]["list"][0]
        row.update(tradeMode=0)
        wallet = {"result": {"list": [CLASSIC]}}
        account = bybit.cross_account_from_payloads([row], wallet, contracts=BYBIT)
        parsed = bybit.position_report_from_payload([row], contracts=BYBIT).rows[0]
        assert bybit.reconcile(parsed, account=account).agrees


OKX_BALANCE: dict[str, Any] = {
    "code": "0",
    "data": [
        {
            "adjEq": "55415.624719833286",
            "availEq": "55415.624719833286",
            "details": [
                {
                    "availBal": "4834.317093622894",
                    "availEq": "4834.3170936228935",
                    "cashBal": "4850.435693622894",
                    "ccy": "USDT",
                    "crossLiab": "0",
                    "disEq": "4991.542013297616",
                    "eq": "4992.890093622894",
                    "eqUsd": "4991.542013297616",
                    "frozenBal": "158.573",
                    "interest": "0",
                    "isoEq": "0",
                    "liab": "0",
                    "stgyEq": "150",
                    "uTime": "1705449605015",
                    "upl": "-7.545600000000006",
                }
            ],
            "imr": "0",
            "isoEq": "0",
            "mgnRatio": "",
            "mmr": "0",
            "totalEq": "55837.43556134779",
            "uTime": "1705474164160",
            "upl": "0",
        }
    ],
    "msg": "",
}
"""OKX's documented "Get balance" example (trimmed to the fields levrisk reads and a few more)."""


class TestOkxPositions:
    """rule-futures-margin-pnl: OKX "Get positions" rows."""

    def test_documented_rows(self) -> None:
        """The resized swap row and OKX's inverse futures example row both parse."""
        report = okx.position_report_from_payload(load("okx_positions.json"), contracts=OKX)
        swap, future = report.rows
        assert (swap.position.size, swap.margin, swap.maintenance_margin) == (2, 500, 4)
        assert swap.initial_margin is None
        assert future.position.contract.kind == "inverse"
        assert future.break_even_price == Decimal("2353.949")

    def test_net_mode_and_skips(self) -> None:
        """In net mode the sign of pos is the side; pos 0 is skipped; data or a list."""
        row = load("okx_positions.json")["data"][0]
        net = [{**row, "posSide": "net", "pos": "-2"}, {**row, "pos": "0"}]
        report = okx.position_report_from_payload(net, contracts=OKX)
        assert [r.position.side for r in report.rows] == ["short"]

    def test_bad_rows(self) -> None:
        """Spot margin and options rows, a bad posSide or mgnMode: reported per row."""
        row = load("okx_positions.json")["data"][0]
        rows = [
            {**row, "instType": "MARGIN"},
            {**row, "posSide": "both"},
            {**row, "mgnMode": "cash"},
            {**row, "instId": "DOGE-USDT-SWAP"},
        ]
        report = okx.position_report_from_payload({"data": rows}, contracts=OKX)
        assert report.rows == ()
        assert [e.where for e in report.errors] == [f"payload.data[{i}]" for i in range(4)]
        assert "instType must be 'SWAP' or 'FUTURES'" in report.errors[0].message

    def test_balance(self) -> None:
        """CashBal is the cross wallet; an unknown currency or empty data is an error."""
        assert okx.cross_wallet_balance_from_payload(OKX_BALANCE) == Decimal("4850.435693622894")
        with pytest.raises(InvalidInputError, match="has no currency 'BTC'"):
            okx.cross_wallet_balance_from_payload(OKX_BALANCE, ccy="BTC")
        with pytest.raises(InvalidInputError, match="holds no account"):
            okx.cross_wallet_balance_from_payload({"data": []})


class TestOkxReconcile:
    """rule-rounding: OKX's liqPx is one tick toward the entry."""

    def test_isolated_agrees(self) -> None:
        """The resized row agrees: levrisk's price plus one tick is OKX's liqPx."""
        row = okx.position_report_from_payload(load("okx_positions.json"), contracts=OKX).rows[0]
        result = okx.reconcile(row)
        assert result.agrees
        check = result.checks[-1]
        assert check.exact == LIQUIDATION
        assert check.reported is not None
        assert check.reported - LIQUIDATION == Decimal("0.1")

    def test_without_tick_and_with_fees(self) -> None:
        """Without a tick the exact price is compared (one tick off); bePx needs a fee."""
        data = load("okx_positions.json")
        swap = {"BTC-USDT-SWAP": contract("BTC-USDT-SWAP", contract_size="0.01")}
        row = okx.position_report_from_payload([data["data"][0]], contracts=swap).rows[0]
        check = okx.reconcile(row).checks[-1]
        assert (check.reported, check.agrees) == (LIQUIDATION, False)
        future = okx.position_report_from_payload([data["data"][1]], contracts=OKX).rows[0]
        checks = {c.field: c for c in okx.reconcile(future, break_even_fee_rate="0.0005").checks}
        assert checks["break_even_price"].exact is not None

    def test_cross_account(self) -> None:
        """A cross row over the balance's USDT cash agrees; long/short rows mean hedge."""
        row = load("okx_positions.json")["data"][0]
        row.update(mgnMode="cross", margin="", posSide="net")
        balance = copy.deepcopy(OKX_BALANCE)
        balance["data"][0]["details"][0]["cashBal"] = "500"
        account = okx.cross_account_from_payloads([row], balance, contracts=OKX)
        assert account.position_mode == "one_way"
        parsed = okx.position_report_from_payload([row], contracts=OKX).rows[0]
        assert okx.reconcile(parsed, account=account).agrees
        hedged = okx.cross_account_from_payloads(
            [{**row, "posSide": "long"}], balance, contracts=OKX
        )
        assert hedged.position_mode == "hedge"


class TestGatePositions:
    """rule-futures-margin-pnl: Gate "List all positions of a user" rows."""

    def test_documented_rows(self) -> None:
        """The resized row and Gate's example row (a short of 9,440 contracts) parse."""
        report = gate.position_report_from_payload(load("gate_positions.json"), contracts=GATE)
        long, short = report.rows
        assert (long.position.size, long.maintenance_margin, long.initial_margin) == (200, 4, 500)
        assert (short.position.side, short.position.leverage) == ("short", 30)

    def test_older_fields(self) -> None:
        """Without pos_margin_mode and lever: leverage 0 is cross, else isolated."""
        row = load("gate_positions.json")[0]
        del row["pos_margin_mode"], row["lever"]
        cross = {**row, "leverage": "0", "cross_leverage_limit": "10"}
        report = gate.position_report_from_payload([row, cross], contracts=GATE)
        assert [(r.margin_mode, r.position.leverage, r.margin) for r in report.rows] == [
            ("isolated", 2, 500),
            ("cross", 10, 0),
        ]

    def test_dual_mode_and_bad_rows(self) -> None:
        """dual_short is short whatever the sign; bad modes, no leverage: reported."""
        row = load("gate_positions.json")[0]
        rows = [
            {**row, "mode": "dual_short"},
            {**row, "size": 0},
            {**row, "mode": "hedge"},
            {**row, "pos_margin_mode": "portfolio"},
            {**row, "lever": "0", "leverage": "0", "cross_leverage_limit": "0"},
        ]
        report = gate.position_report_from_payload(rows, contracts=GATE)
        assert [r.position.side for r in report.rows] == ["short"]
        assert [e.where for e in report.errors] == ["payload[2]", "payload[3]", "payload[4]"]
        assert "gives no leverage" in report.errors[2].message

    def test_reconcile(self) -> None:
        """The resized row agrees at Gate's tick; without a tick, at Gate's decimals."""
        row = gate.position_report_from_payload(load("gate_positions.json"), contracts=GATE).rows[0]
        assert gate.reconcile(row).agrees
        plain = {"BTC_USDT": contract("BTC_USDT", contract_size="0.0001")}
        row = gate.position_report_from_payload(
            load("gate_positions.json")[:1], contracts=plain
        ).rows[0]
        result = gate.reconcile(row, mode="down")
        assert result.agrees
        with pytest.raises(InvalidInputError, match="mode must be one of"):
            gate.reconcile(row, mode="nearest")  # type: ignore[arg-type]


class TestCcxtPositions:
    """rule-futures-margin-pnl: ccxt's position and balance structures."""

    def test_rows(self) -> None:
        """The isolated margin is collateral less the PnL; 0 contracts are skipped."""
        rows = load("ccxt_positions.json")
        rows[0].update(unrealizedPnl=10.0, collateral=510.0)
        rows.append({**rows[0], "contracts": 0})
        report = ccxt.position_report_from_positions(rows, contracts=CCXT)
        assert [r.margin for r in report.rows] == [Decimal("500.0")]

    def test_leverage_none_and_bad_mode(self) -> None:
        """Leverage None needs the override; a missing marginMode is reported."""
        row = load("ccxt_positions.json")[0]
        rows = [{**row, "leverage": None}, {**row, "marginMode": None}]
        report = ccxt.position_report_from_positions(rows, contracts=CCXT)
        assert [e.where for e in report.errors] == ["positions[0]", "positions[1]"]
        fixed = ccxt.position_report_from_positions(rows[:1], contracts=CCXT, leverage=2)
        assert fixed.rows[0].position.leverage == 2

    def test_cross_account(self) -> None:
        """Ccxt's total is a margin balance or a wallet: the caller says which."""
        row = load("ccxt_positions.json")[0]
        row.update(marginMode="cross", markPrice=51000.0, unrealizedPnl=20.0, hedged=True)
        nested = {"USDT": {"total": 520.0}}
        flat = {"total": {"USDT": 500.0}}
        margin = ccxt.cross_account_from_balance(
            [row], nested, contracts=CCXT, currency="USDT", total_is="margin_balance"
        )
        wallet = ccxt.cross_account_from_balance(
            [row], flat, contracts=CCXT, currency="USDT", total_is="wallet_balance"
        )
        assert margin.wallet_balance == wallet.wallet_balance == 500
        assert margin.position_mode == "hedge"
        with pytest.raises(InvalidInputError, match="no 'USDT' entry"):
            ccxt.cross_account_from_balance(
                [row], {}, contracts=CCXT, currency="USDT", total_is="wallet_balance"
            )
        with pytest.raises(InvalidInputError, match="total_is must be one of"):
            ccxt.cross_account_from_balance(
                [row],
                flat,
                contracts=CCXT,
                currency="USDT",
                total_is="equity",  # type: ignore[arg-type]
            )

    def test_reconcile(self) -> None:
        """The saved ccxt row agrees under Binance's rule; a cross row without account."""
        row = ccxt.position_report_from_positions(load("ccxt_positions.json"), contracts=CCXT).rows[
            0
        ]
        result = ccxt.reconcile(row, rule=binance.LIQUIDATION_RULE)
        assert result.agrees
        assert result.venue == "ccxt"


class TestReconcilePosition:
    """rule-rounding: the one reconciliation every venue's reconcile goes through."""

    def row(self, **changes: Any) -> ReportedPosition:
        """The resized isolated long as a ReportedPosition."""
        position = Position(
            contract=contract("BTCUSDT"), side="long", size="0.02", entry_price=50000, leverage=2
        )
        values: dict[str, Any] = {
            "venue": "Test",
            "position": position,
            "margin_mode": "isolated",
            "margin": 500,
            "mark_price": 50000,
            "liquidation_price": "25100.40",
        }
        return ReportedPosition(**{**values, **changes})

    def test_liquidated_at_every_price(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A liquidation error is no price, and not a missing input."""

        def always(*_args: object, **_kwargs: object) -> None:
            msg = "liquidated at every price"
            raise AlwaysLiquidatedError(msg)

        monkeypatch.setattr(_positions, "isolated_liquidation_price", always)
        row = self.row(liquidation_price=None)
        check = reconcile_position(row, rule=LiquidationRule(), account=None, fee_rate=None).checks[
            -1
        ]
        assert (check.exact, check.agrees) == (None, True)

    def test_checks_its_arguments(self) -> None:
        """A row, rule and account of the wrong type are refused."""
        row = self.row()
        with pytest.raises(InvalidInputError, match="row must be a ReportedPosition"):
            reconcile_position(1, rule=LiquidationRule(), account=None, fee_rate=None)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="rule must be a LiquidationRule"):
            reconcile_position(row, rule=None, account=None, fee_rate=None)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="account must be a CrossAccount"):
            reconcile_position(row, rule=LiquidationRule(), account=1, fee_rate=None)  # type: ignore[arg-type]

    def test_cross_account_of_rows(self) -> None:
        """Only the cross rows enter the account."""
        rows = [self.row(), self.row(margin_mode="cross", margin=0)]
        account = cross_account(rows, wallet_balance=500, hedge=False)
        assert isinstance(account, CrossAccount)
        assert len(account.positions) == 1

    def test_located(self) -> None:
        """An error while building a row gets the row's path in front."""

        def fail() -> ReportedPosition:
            return self.row(margin=-1)

        with pytest.raises(InvalidInputError, match=r"^payload\[3\]: margin must"):
            located("payload[3]", fail)
