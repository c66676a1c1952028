"""``levrisk reconcile``: a saved payload, figure by figure — rule-rounding.

The payloads are Binance's "Position Information V3" and "Account Information V3"
example responses (field names and string numbers as the API returns them), resized to
positions whose figures are known.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from levrisk import cli
from levrisk.cli import _data
from levrisk.exchanges import binance

DATA = Path(__file__).parent / "data"
ISOLATED = DATA / "binance_position_risk_v3.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process and return (exit code, stdout, stderr)."""
    code = cli.main(["reconcile", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def document(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run with --json, check success, and return the parsed document."""
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    return result


def save(tmp_path: Path, name: str, payload: object) -> str:
    """Write ``payload`` as JSON under ``tmp_path`` and return the path."""
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def cross_row(**changes: Any) -> dict[str, Any]:
    """A v3 cross row: long 0.02 BTCUSDT at 50,000 (wallet 500: liquidation 25,100.40)."""
    row = json.loads(ISOLATED.read_text(encoding="utf-8"))[0]
    row.update(
        positionAmt="0.020",
        entryPrice="50000",
        markPrice="50000",
        notional="1000",
        isolatedWallet="0",
        isolatedMargin="0",
        positionInitialMargin="500",
        initialMargin="500",
        maintMargin="4",
        unRealizedProfit="0.00000000",
        liquidationPrice="25100.40160643",
    )
    row.update(changes)
    return dict(row)


ACCOUNT = {
    "totalCrossWalletBalance": "500.00000000",
    "assets": [
        {"asset": "USDT", "walletBalance": "500.00000000", "crossWalletBalance": "500.00000000"}
    ],
    "positions": [],
}


class TestReconcile:
    """rule-rounding: each figure as Binance reports it, against the payload's."""

    def test_isolated_human(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The example row agrees figure by figure; the table names the data."""
        code, out, err = run(capsys, str(ISOLATED))
        assert (code, err) == (0, "")
        assert out.startswith("Reconciliation with Binance: 1 of 1 positions agree")
        assert "BTCUSDT short: agrees" in out
        assert (
            "  liquidation_price   65,737.05179283   65,737.05179283  65,737.05179283     yes"
            in out
        )
        assert (
            f"Data: Binance brackets of 2024-10-24: {binance.USDM_SNAPSHOTS['BTCUSDT'].label}"
            in out
        )

    def test_isolated_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        """JSON: one list of checks per position, exact strings, booleans, null reasons."""
        doc = document(capsys, str(ISOLATED))
        checks = doc["BTCUSDT_short"]
        assert [c["field"] for c in checks] == [
            "maintenance_margin",
            "initial_margin",
            "unrealized_pnl",
            "liquidation_price",
        ]
        assert checks[-1]["exchange"] == "65737.05179283"
        assert all(c["agrees"] is True and c["reason"] is None for c in checks)
        assert doc["data"][0]["date"] == "2024-10-24"

    def test_cross_needs_the_account(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """Without --account the cross price is missing; with it, it agrees."""
        positions = save(tmp_path, "positions.json", [cross_row()])
        doc = document(capsys, positions)
        assert doc["BTCUSDT_long"][-1]["reason"] == "missing account-level input"
        account = save(tmp_path, "account.json", ACCOUNT)
        doc = document(capsys, positions, "--account", account)
        assert all(c["agrees"] for c in doc["BTCUSDT_long"])
        doc = document(capsys, positions, "--account", account, "--asset", "all")
        assert all(c["agrees"] for c in doc["BTCUSDT_long"])

    def test_hedge_mode_and_fee_rate(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """Hedge-mode rows share the account; the break-even price takes --fee-rate."""
        row = cross_row(positionSide="LONG", breakEvenPrice="50050.05005005")
        positions = save(tmp_path, "positions.json", [row, {**row, "positionAmt": "0"}])
        account = save(tmp_path, "account.json", ACCOUNT)
        doc = document(capsys, positions, "--account", account, "--fee-rate", "0.0005")
        fields = {c["field"]: c for c in doc["BTCUSDT_long"]}
        assert fields["break_even_price"]["exact"] is not None

    def test_bad_rows_and_duplicates(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """A bad row is listed with its path; the good rows (twice) are still reconciled."""
        row = json.loads(ISOLATED.read_text(encoding="utf-8"))[0]
        payload = [row, {"symbol": "NOSUCH", "positionAmt": "1"}, row]
        doc = document(capsys, save(tmp_path, "positions.json", payload))
        assert "BTCUSDT_short" in doc
        assert "BTCUSDT_short_1" in doc
        assert [(e["where"], e["error"]) for e in doc["errors"]] == [
            ("payload[1]", "InvalidInputError")
        ]
        _, out, _ = run(capsys, save(tmp_path, "positions.json", payload[:2]))
        assert "Rows not parsed" in out
        assert "payload[1]" in out

    def test_coinm_and_brackets_file(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """A COIN-M symbol takes its preset; --brackets replaces the table (no staleness)."""
        tiers = [
            {
                "tier": 1,
                "currency": "USDT",
                "minNotional": 0,
                "maxNotional": 1e9,
                "maintenanceMarginRate": 0.004,
                "maxLeverage": 125,
                "info": {},
            }
        ]
        brackets = save(tmp_path, "tiers.json", {"BTC/USDT:USDT": tiers})
        doc = document(capsys, str(ISOLATED), "--brackets", brackets)
        assert doc["BTCUSDT_short"][0]["agrees"] is True
        assert doc["data"][0]["date"] is None
        assert "warnings" not in doc
        row = {
            "symbol": "BTCUSD_PERP",
            "positionAmt": "10",
            "entryPrice": "60000",
            "markPrice": "60000",
            "leverage": "20",
            "marginType": "isolated",
            "isolatedWallet": "0.001",
            "positionSide": "BOTH",
        }
        doc = document(capsys, save(tmp_path, "coinm.json", [row]))
        assert doc["BTCUSD_PERP_long"][-1]["field"] == "liquidation_price"

    def test_nothing_to_reconcile(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """An empty list: zero positions, and a note saying so."""
        doc = document(capsys, save(tmp_path, "positions.json", []))
        assert doc["notes"] == ["the payload holds no open position levrisk could reconcile"]
        code, _, _ = run(capsys, save(tmp_path, "positions.json", {}))
        assert code == 2

    def test_stale_warning_is_pinned(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The 90-day warning follows the pinned day."""
        monkeypatch.setattr(_data, "today", lambda: date(2024, 11, 1))
        assert "warnings" not in document(capsys, str(ISOLATED))
        monkeypatch.setattr(_data, "today", lambda: date(2025, 11, 1))
        assert document(capsys, str(ISOLATED))["warnings"][0].startswith(
            "the Binance brackets of 2024-10-24 are 373 days old"
        )

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["missing.json"], "FILE cannot read 'missing.json'"),
            ([str(ISOLATED), "--fee-rate", "x"], "--fee-rate must be"),
            ([str(ISOLATED), "--account", str(ISOLATED)], "payload must be"),
        ],
        ids=["missing-file", "bad-fee-rate", "account-not-an-object"],
    )
    def test_errors(
        self, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
    ) -> None:
        """Bad input: one line on stderr, exit code 2."""
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, "")
        assert err.startswith("levrisk: error: ")
        assert message in err


TIERS = str(DATA / "ccxt_tiers_btcusdt.json")


class TestOtherVenues:
    """rule-rounding: Bybit, OKX, Gate and ccxt payloads, with a ccxt tiers file."""

    def test_bybit(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The resized row agrees; Bybit's inverse example row is reported, not fatal."""
        doc = document(
            capsys,
            str(DATA / "bybit_position_list.json"),
            "--exchange",
            "bybit",
            "--brackets",
            TIERS,
        )
        assert all(c["agrees"] for c in doc["BTCUSDT_long"])
        assert doc["errors"][0]["error"] == "BracketError"
        assert doc["data"][0]["date"] is None

    def test_okx(self, capsys: pytest.CaptureFixture[str]) -> None:
        """OKX's liqPx is levrisk's price plus one tick: it agrees with --tick-size."""
        argv = (str(DATA / "okx_positions.json"), "--exchange", "okx", "--brackets", TIERS)
        doc = document(capsys, *argv, "--contract-size", "0.01", "--tick-size", "0.1")
        assert all(c["agrees"] for c in doc["BTC-USDT-SWAP_long"])
        code, out, err = run(capsys, *argv, "--contract-size", "0.01")
        assert (code, err) == (0, "")
        assert "BTC-USDT-SWAP long: differs" in out

    def test_gate(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The resized row agrees at Gate's tick; the fee rate enters the condition."""
        argv = (str(DATA / "gate_positions.json"), "--exchange", "gate", "--brackets", TIERS)
        doc = document(capsys, *argv, "--contract-size", "0.0001", "--tick-size", "0.1")
        assert all(c["agrees"] for c in doc["BTC_USDT_long"])
        doc = document(capsys, *argv, "--contract-size", "0.0001", "--fee-rate", "0.0005")
        assert not doc["BTC_USDT_long"][-1]["agrees"]

    def test_ccxt(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """The saved ccxt row agrees; a cross row needs --account and --balance-total."""
        doc = document(
            capsys, str(DATA / "ccxt_positions.json"), "--exchange", "ccxt", "--brackets", TIERS
        )
        assert all(c["agrees"] for c in doc["BTC/USDT:USDT_long"])
        row = json.loads((DATA / "ccxt_positions.json").read_text(encoding="utf-8"))[0]
        row.update(marginMode="cross", liquidationPrice=25100.40160643, unrealizedPnl=0.0)
        positions = save(tmp_path, "positions.json", [row])
        account = save(tmp_path, "balance.json", {"USDT": {"total": 500.0}})
        argv = (positions, "--exchange", "ccxt", "--brackets", TIERS, "--account", account)
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert "needs --balance-total" in err
        for total in ("margin_balance", "wallet_balance"):
            doc = document(capsys, *argv, "--balance-total", total)
            assert all(c["agrees"] for c in doc["BTC/USDT:USDT_long"])
        doc = document(capsys, *argv, "--balance-total", "wallet_balance", "--fee-rate", "0.0005")
        assert not doc["BTC/USDT:USDT_long"][-1]["agrees"]

    def test_cross_accounts(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """Bybit's and OKX's cross rows over their wallet payloads agree."""
        bybit_row = json.loads((DATA / "bybit_position_list.json").read_text(encoding="utf-8"))
        bybit_row["result"]["list"] = [{**bybit_row["result"]["list"][0], "tradeMode": 0}]
        wallet = {
            "result": {
                "list": [
                    {"accountType": "UNIFIED", "coin": [{"coin": "USDT", "walletBalance": "500"}]}
                ]
            }
        }
        argv = ("--brackets", TIERS, "--account", save(tmp_path, "wallet.json", wallet))
        doc = document(
            capsys, save(tmp_path, "bybit.json", bybit_row), "--exchange", "bybit", *argv
        )
        assert all(c["agrees"] for c in doc["BTCUSDT_long"])
        okx_rows = json.loads((DATA / "okx_positions.json").read_text(encoding="utf-8"))
        okx_rows["data"] = [{**okx_rows["data"][0], "mgnMode": "cross", "margin": ""}]
        balance = {"data": [{"details": [{"ccy": "USDT", "cashBal": "500"}]}]}
        argv = ("--brackets", TIERS, "--account", save(tmp_path, "balance.json", balance))
        doc = document(
            capsys,
            save(tmp_path, "okx.json", okx_rows),
            "--exchange",
            "okx",
            *argv,
            "--contract-size",
            "0.01",
            "--tick-size",
            "0.1",
        )
        assert all(c["agrees"] for c in doc["BTC-USDT-SWAP_long"])

    @pytest.mark.filterwarnings("ignore::levrisk.exceptions.LevriskWarning")
    def test_usage_errors(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Other venues need --brackets; Gate takes no --account."""
        code, _, err = run(capsys, str(DATA / "gate_positions.json"), "--exchange", "gate")
        assert code == 2
        assert "--exchange gate needs --brackets FILE" in err
        code, _, err = run(
            capsys,
            str(DATA / "gate_positions.json"),
            "--exchange",
            "gate",
            "--brackets",
            TIERS,
            "--account",
            TIERS,
        )
        assert code == 2
        assert "--account is not read for --exchange gate" in err
