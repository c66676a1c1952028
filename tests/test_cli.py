"""The ``levrisk`` command line: every subcommand, human and JSON output, errors, help.

JSON figures are parsed back with ``Decimal`` and compared exactly with what the library
returns for the same inputs: the calculator adds no arithmetic of its own.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import io
import json
import re
import runpy
import shlex
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from levrisk import cli, futures, interest, margin, risk
from levrisk.cli import _args, _data, _plot, _render
from levrisk.exchanges import binance

UTC = timezone.utc
DAILY_NOTE = (
    "--daily-rate is charged hourly as daily / 24, at borrowing and at every hour "
    "boundary: 25 accruals over 24 hours, 4.17 % more than 24 charges"
)
LOAN = "interest --principal 1 --hourly-rate 0"
T13, T14, T15 = "2024-05-01T13:00Z", "2024-05-01T14:00Z", "2024-05-01T15:00Z"
SEED = [
    "margin",
    "short",
    "--borrow",
    "0.1",
    "--price",
    "60000",
    "--leverage",
    "3",
    "--exit-price",
    "50000",
    "--hours",
    "24",
    "--daily-rate",
    "0.0002",
    "--fee-rate",
    "0.001",
]


def _seed_trade(opened: datetime, fee_rate: str | int = 0) -> margin.MarginTrade:
    """The CLI's seed short: 3,000 USDT at 3x on BTC/USDT at 60,000, Binance cross 3x."""
    return margin.open_short(
        3000,
        base="BTC",
        quote="USDT",
        leverage=3,
        price=60000,
        opened_at=opened,
        thresholds=margin.BINANCE_CROSS_3X,
        fee_rate=fee_rate,
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process and return (exit code, stdout, stderr)."""
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run with --json, check success, and return the parsed document."""
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


def row(out: str, label: str) -> str:
    """The value and unit of the human-output row ``label``, spaces collapsed."""
    for line in out.splitlines():
        if line.startswith(f"  {label}  "):
            return " ".join(line[len(label) + 2 :].split())
    msg = f"no row {label!r} in:\n{out}"
    raise AssertionError(msg)


def value_end(out: str, label: str) -> int:
    """The column where the value of row ``label`` ends (values are right-aligned)."""
    line = next(line for line in out.splitlines() if line.startswith(f"  {label}  "))
    return len(line.rstrip()) - len(line.rstrip().split()[-1]) - 2


def exact(text: str | None) -> Decimal | None:
    """A JSON figure back as a Decimal (``None`` stays ``None``)."""
    return None if text is None else Decimal(text)


def btc_contract(symbol: str = "BTCUSDT") -> futures.Contract:
    """The contract the CLI builds for a shipped snapshot."""
    inverse = symbol == "BTCUSD_PERP"
    return futures.Contract(
        symbol=symbol,
        kind="inverse" if inverse else "linear",
        brackets=binance.SNAPSHOTS[symbol].brackets,
        contract_size=100 if inverse else 1,
        margin_asset="BTC" if inverse else None,
    )


class TestInterest:
    """``levrisk interest`` — rule-interest."""

    ARGS = (
        "interest",
        "--principal",
        "1000",
        "--hourly-rate",
        "0.00001",
        "--from",
        "2024-05-01T13:55Z",
        "--to",
        "2024-05-01T14:30:00+00:00",
    )

    def test_published_example_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        """13:55 → 14:30 at 0.001 %/h on 1,000 USDT accrues twice: 0.02 USDT, exactly."""
        doc = run_json(capsys, *self.ARGS)
        start = datetime(2024, 5, 1, 13, 55, tzinfo=UTC)
        end = datetime(2024, 5, 1, 14, 30, tzinfo=UTC)
        expected = interest.accrued_interest(1000, "0.00001", start, end)
        assert exact(doc["results"]["interest"]) == expected == Decimal("0.02")
        assert doc["results"]["interest"] == str(expected)
        assert doc["results"]["accruals"] == 2
        assert doc["results"]["first_accrual"] == start.isoformat()
        assert doc["results"]["last_accrual"] == "2024-05-01T14:00:00+00:00"
        assert doc["inputs"]["counting"] == "binance"
        assert doc["command"] == "interest"

    def test_human_output(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The human output is aligned, names the rule and rounds to 8 decimals."""
        code, out, err = run(capsys, *self.ARGS)
        assert (code, err) == (0, "")
        assert "(Binance, counting rule 'binance'," in out
        assert row(out, "interest") == "0.02000000 USDT"
        assert row(out, "borrowed at") == "2024-05-01T13:55:00+00:00"
        assert "rounded for display" in out

    def test_offsets_are_converted_to_utc(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An instant with a +02:00 offset is the same instant in UTC."""
        doc = run_json(
            capsys,
            "interest",
            "--principal",
            "1000",
            "--hourly-rate",
            "0.00001",
            "--from",
            "2024-05-01T15:55+02:00",
            "--to",
            "2024-05-01T16:30+02:00",
        )
        assert doc["inputs"]["borrowed_at"] == "2024-05-01T13:55:00+00:00"
        assert exact(doc["results"]["interest"]) == Decimal("0.02")

    @pytest.mark.parametrize(
        ("option", "rate", "hourly"),
        [
            ("--daily-rate", "0.00024", "0.00001"),
            ("--yearly-rate", "0.0876", "0.00001"),
        ],
        ids=["daily", "yearly"],
    )
    def test_daily_and_yearly_rates(
        self, capsys: pytest.CaptureFixture[str], option: str, rate: str, hourly: str
    ) -> None:
        """Daily and yearly rates convert to the hourly rate the library derives."""
        doc = run_json(
            capsys,
            "interest",
            "--principal",
            "1000",
            option,
            rate,
            "--from",
            "2024-05-01T13:55Z",
            "--to",
            "2024-05-01T14:30Z",
        )
        assert exact(doc["inputs"]["hourly_rate"]) == Decimal(hourly)
        assert exact(doc["results"]["interest"]) == Decimal("0.02")

    def test_bybit_started_hours(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Bybit classic: 10,000 USDT 08:05 → 10:00 at 0.02 %/day is 2 started hours: 0.1667."""
        doc = run_json(
            capsys,
            "interest",
            "--principal",
            "10000",
            "--daily-rate",
            "0.0002",
            "--from",
            "2024-05-01T08:05Z",
            "--to",
            "2024-05-01T10:00Z",
            "--exchange",
            "bybit",
        )
        assert doc["inputs"]["counting"] == "started_hour"
        value = exact(doc["results"]["interest"])
        assert value is not None
        assert value.quantize(Decimal("0.0001")) == Decimal("0.1667")
        assert doc["results"]["accruals"] == 2

    def test_rate_changes(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--rate-change builds a schedule; the result equals the library's."""
        doc = run_json(
            capsys,
            *self.ARGS[:-1],
            "2024-05-01T16:30Z",
            "--rate-change",
            "2024-05-01T15:00Z=0.00002",
            "--waived-hours",
            "1",
        )
        start = datetime(2024, 5, 1, 13, 55, tzinfo=UTC)
        schedule = interest.RateSchedule.from_pairs(
            [(start, "0.00001"), (datetime(2024, 5, 1, 15, tzinfo=UTC), "0.00002")]
        )
        expected = interest.accrued_interest(
            1000, schedule, start, datetime(2024, 5, 1, 16, 30, tzinfo=UTC), waived_hours=1
        )
        assert exact(doc["results"]["interest"]) == expected
        assert doc["notes"] == ["hourly rates in force from 2024-05-01T15:00:00+00:00: 0.00002"]

    @pytest.mark.parametrize(
        ("exchange", "counting", "accruals"),
        [("binance", "binance", 3), ("bybit", "started_hour", 2), ("okx", "clock_hour", 2)],
        ids=["binance", "bybit", "okx"],
    )
    def test_exchange_counting_presets(
        self, capsys: pytest.CaptureFixture[str], exchange: str, counting: str, accruals: int
    ) -> None:
        """--exchange picks the venue's counting rule; --counting overrides it."""
        argv = (*self.ARGS[:-1], "2024-05-01T15:30Z", "--exchange", exchange)
        doc = run_json(capsys, *argv)
        assert (doc["inputs"]["counting"], doc["results"]["accruals"]) == (counting, accruals)
        doc = run_json(capsys, *argv, "--counting", "binance")
        assert doc["results"]["accruals"] == 3

    def test_no_accruals(self, capsys: pytest.CaptureFixture[str]) -> None:
        """clock_hour counting inside one hour has no accrual: first/last are null."""
        doc = run_json(
            capsys,
            *self.ARGS[:-1],
            "2024-05-01T13:59Z",
            "--counting",
            "clock_hour",
        )
        assert doc["results"]["accruals"] == 0
        assert doc["results"]["first_accrual"] is None
        assert exact(doc["results"]["interest"]) == 0


class TestMargin:
    """``levrisk margin`` — rule-spot-trades, rule-margin-level, rule-spot-liquidation."""

    def test_seed_scenario_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The seed: borrow 0.1 BTC at 60,000 on 3x, buy back at 50,000 → gross 1,000."""
        doc = run_json(capsys, *SEED)
        opened = datetime(2024, 1, 1, tzinfo=UTC)
        trade = _seed_trade(opened, fee_rate="0.001")
        pnl = margin.close(
            trade,
            exit_price=50000,
            at=opened + timedelta(hours=24),
            schedule=interest.RateSchedule.from_daily("0.0002"),
        )
        assert doc["command"] == "margin short"
        assert exact(doc["open"]["borrowed"]) == trade.borrowed == Decimal("0.1")
        assert exact(doc["open"]["liquidation_price"]) == trade.liquidation_price
        assert exact(doc["open"]["margin_level"]) == trade.margin_level
        assert doc["open"]["status"] == "NORMAL"
        assert exact(doc["close"]["gross_pnl"]) == pnl.gross_pnl == Decimal(1000)
        for key in ("close_fee", "trading_fees", "interest", "interest_value", "net_pnl", "roi"):
            assert doc["close"][key] == str(getattr(pnl, key)), key
        assert doc["close"]["accruals"] == 25
        assert exact(doc["close"]["hours"]) == 24
        be = margin.break_even_price(
            trade,
            at=opened + timedelta(hours=24),
            schedule=interest.RateSchedule.from_daily("0.0002"),
        )
        assert exact(doc["exits"]["break_even_price"]) == be

    def test_seed_scenario_human(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The human output shows the seed's figures, aligned and rounded."""
        code, out, err = run(capsys, *SEED)
        assert (code, err) == (0, "")
        assert out.startswith("Spot-margin short, BTC/USDT, Binance cross margin classic 3x")
        assert row(out, "borrowed") == "0.10000000 BTC"
        assert row(out, "gross PnL") == "1,000.00 USDT"
        assert row(out, "return on collateral") == "32.93 %"
        assert row(out, "liquidation price") == "81,763.63 USDT"
        assert value_end(out, "borrowed") == value_end(out, "gross PnL")

    def test_margin_call_price(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The margin-call price is the liquidation solve at the margin-call level."""
        doc = run_json(capsys, "margin", "short", "--collateral", "3000", "--price", "60000")
        trade = _seed_trade(datetime(2024, 1, 1, tzinfo=UTC))
        expected = margin.liquidation_price(
            trade.account, asset="BTC", prices={"BTC": 60000}, liquidation_level="1.3"
        )
        assert exact(doc["open"]["margin_call_price"]) == expected
        assert "close" not in doc
        assert "exits" not in doc

    def test_long_cross_example(self, capsys: pytest.CaptureFixture[str]) -> None:
        """10,000 own + 20,000 borrowed buys 1 BTC at 30,000: liquidation at 22,000."""
        doc = run_json(capsys, "margin", "long", "--borrow", "20000", "--price", "30000")
        assert exact(doc["open"]["quantity"]) == 1
        assert exact(doc["open"]["collateral"]) == 10000
        assert exact(doc["open"]["liquidation_price"]) == 22000

    def test_isolated_account_between_times(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An isolated 5x-capable tier, closed between two UTC times, matches the library."""
        doc = run_json(
            capsys,
            "margin",
            "long",
            "--collateral",
            "1000",
            "--leverage",
            "5",
            "--price",
            "3000",
            "--pair",
            "eth/usdt",
            "--account",
            "isolated",
            "--fee-rate",
            "0.001",
            "--fee-convention",
            "received",
            "--opened-at",
            "2024-05-01T13:20Z",
            "--closed-at",
            "2024-05-01T14:15Z",
            "--exit-price",
            "3300",
            "--hourly-rate",
            "0.00001",
            "--counting",
            "binance",
        )
        opened = datetime(2024, 5, 1, 13, 20, tzinfo=UTC)
        trade = margin.open_long(
            1000,
            leverage=5,
            price=3000,
            opened_at=opened,
            thresholds=margin.BINANCE_ISOLATED_10X_TIER1,
            base="ETH",
            quote="USDT",
            fee_rate="0.001",
            fee_convention="received",
        )
        pnl = margin.close(
            trade, exit_price=3300, at=datetime(2024, 5, 1, 14, 15, tzinfo=UTC), schedule="0.00001"
        )
        assert doc["close"]["net_pnl"] == str(pnl.net_pnl)
        assert doc["close"]["accruals"] == 2
        with localcontext() as context:
            context.prec = 50
            assert exact(doc["close"]["hours"]) == Decimal(55) / 60

    def test_stop_loss_and_take_profit(self, capsys: pytest.CaptureFixture[str]) -> None:
        """PnL at each exit level is the library's close at that price."""
        doc = run_json(
            capsys,
            *SEED[:8],
            "--hours",
            "24",
            "--daily-rate",
            "0.0002",
            "--stop-loss",
            "66000",
            "--take-profit",
            "48000",
        )
        opened = datetime(2024, 1, 1, tzinfo=UTC)
        trade = _seed_trade(opened)
        for key, price in (("stop_loss", 66000), ("take_profit", 48000)):
            pnl = margin.close(
                trade,
                exit_price=price,
                at=opened + timedelta(hours=24),
                schedule=interest.RateSchedule.from_daily("0.0002"),
            )
            assert exact(doc["exits"][f"{key}_net_pnl"]) == pnl.net_pnl
        assert "close" not in doc
        assert doc["notes"] == [DAILY_NOTE]

    def test_stops_as_roi_of_the_collateral(self, capsys: pytest.CaptureFixture[str]) -> None:
        """10% / 25% of the collateral solve to the prices levrisk.risk gives; PnL matches."""
        doc = run_json(
            capsys,
            *SEED[:8],
            "--hours",
            "24",
            "--daily-rate",
            "0.0002",
            "--fee-rate",
            "0.001",
            "--stop-loss",
            "10%",
            "--take-profit",
            "25%",
        )
        opened = datetime(2024, 1, 1, tzinfo=UTC)
        trade = _seed_trade(opened, fee_rate="0.001")
        terms: dict[str, Any] = {
            "at": opened + timedelta(hours=24),
            "schedule": interest.RateSchedule.from_daily("0.0002"),
        }
        stop = risk.margin_stop_price(trade, roe="0.1", **terms)
        take = risk.margin_take_profit_price(trade, roe="0.25", **terms)
        exits = doc["exits"]
        assert exact(exits["stop_loss_price"]) == stop
        assert exact(exits["take_profit_price"]) == take
        assert exact(exits["stop_loss_roi"]) == Decimal("-0.1")
        assert exact(exits["take_profit_roi"]) == Decimal("0.25")
        net = exact(exits["stop_loss_net_pnl"])
        assert net is not None
        assert abs(net + 300) < Decimal("1e-40")

    def test_unreachable_target_and_stop_past_liquidation(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A short cannot earn 500%: null; a 90% stop lies past liquidation: a note."""
        doc = run_json(
            capsys,
            *SEED[:8],
            "--hours",
            "1",
            "--hourly-rate",
            "0",
            "--stop-loss",
            "90%",
            "--take-profit",
            "500%",
        )
        assert doc["exits"]["take_profit_price"] is None
        assert "take_profit_net_pnl" not in doc["exits"]
        assert any("beyond the liquidation price" in note for note in doc["notes"])

    @pytest.mark.parametrize(
        ("side", "stop", "beyond"),
        [("short", "90000", True), ("short", "70000", False), ("long", "1000", True)],
        ids=["short-beyond", "short-before", "long-beyond"],
    )
    def test_stop_beyond_liquidation(
        self, capsys: pytest.CaptureFixture[str], side: str, stop: str, beyond: bool
    ) -> None:
        """A stop-loss past the liquidation price is flagged in a note."""
        doc = run_json(
            capsys,
            "margin",
            side,
            "--collateral",
            "3000",
            "--price",
            "60000",
            "--stop-loss",
            stop,
            "--hours",
            "1",
            "--hourly-rate",
            "0",
        )
        assert any("beyond the liquidation price" in note for note in doc["notes"]) is beyond

    def test_opened_at_alone(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--opened-at alone only dates the trade; --hours counts from it."""
        doc = run_json(
            capsys,
            *SEED[:8],
            "--opened-at",
            "2024-05-01T13:20Z",
        )
        assert "close" not in doc
        doc = run_json(
            capsys,
            *SEED[:8],
            "--opened-at",
            "2024-05-01T13:20Z",
            "--hours",
            "1",
            "--exit-price",
            "50000",
            "--hourly-rate",
            "0.00001",
        )
        assert doc["close"]["accruals"] == 2


class TestFutures:
    """``levrisk futures`` — rule-futures-margin-pnl–rule-bankruptcy-price."""

    def test_cross_published_example(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Cross, wallet 500 USDT, long 0.02 BTC at 50,000: liquidation 25,100.40."""
        doc = run_json(
            capsys,
            "futures",
            "long",
            "--size",
            "0.02",
            "--entry-price",
            "50000",
            "--leverage",
            "2",
            "--wallet-balance",
            "500",
        )
        position = futures.Position(
            contract=btc_contract(), side="long", size="0.02", entry_price=50000, leverage=2
        )
        account = futures.CrossAccount(wallet_balance=500, positions=[position])
        lp = futures.cross_liquidation_price(account, "BTCUSDT", mark_prices={"BTCUSDT": 50000})
        assert exact(doc["risk"]["liquidation_price"]) == lp
        assert lp is not None
        assert lp.quantize(Decimal("0.01")) == Decimal("25100.40")
        ratio = futures.cross_margin_ratio(account, mark_prices={"BTCUSDT": 50000})
        assert exact(doc["risk"]["margin_ratio"]) == ratio
        assert doc["position"]["margin_mode"] == "cross"
        assert doc["position"]["snapshot_date"] == binance.SNAPSHOT_DATE.isoformat()

    def test_isolated_default_margin(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Isolated with the initial margin: every figure equals the library's."""
        doc = run_json(
            capsys,
            "futures",
            "short",
            "--size",
            "0.1",
            "--entry-price",
            "60000",
            "--leverage",
            "10",
            "--mark-price",
            "62000",
        )
        position = futures.Position(
            contract=btc_contract(), side="short", size="0.1", entry_price=60000, leverage=10
        )
        im = futures.initial_margin(position)
        risk = doc["risk"]
        assert exact(risk["initial_margin"]) == im == 600
        assert exact(risk["maintenance_margin"]) == futures.maintenance_margin(
            position, mark_price=62000
        )
        assert exact(risk["unrealized_pnl"]) == futures.unrealized_pnl(position, mark_price=62000)
        assert exact(risk["roe"]) == futures.roe(position, mark_price=62000)
        assert exact(risk["margin_ratio"]) == futures.margin_ratio(
            position, margin=im, mark_price=62000
        )
        assert exact(risk["liquidation_price"]) == futures.isolated_liquidation_price(
            position, margin=im
        )
        assert exact(risk["bankruptcy_price"]) == futures.bankruptcy_price(position, margin=im)
        assert exact(risk["bankruptcy_price"]) == 66000
        assert exact(risk["margin_balance"]) == im - 200

    def test_isolated_explicit_margin_inverse(self, capsys: pytest.CaptureFixture[str]) -> None:
        """COIN-M with an explicit margin, and break-even with fees."""
        doc = run_json(
            capsys,
            "futures",
            "long",
            "--symbol",
            "BTCUSD_PERP",
            "--size",
            "10",
            "--entry-price",
            "60000",
            "--leverage",
            "20",
            "--margin",
            "0.001",
            "--open-fee-rate",
            "0.0005",
        )
        position = futures.Position(
            contract=btc_contract("BTCUSD_PERP"),
            side="long",
            size=10,
            entry_price=60000,
            leverage=20,
        )
        assert exact(doc["risk"]["liquidation_price"]) == futures.isolated_liquidation_price(
            position, margin="0.001"
        )
        assert exact(doc["fees"]["break_even_price"]) == futures.break_even_price(
            position, open_fee_rate="0.0005", close_fee_rate=0
        )

    def test_human_output(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Human output: percentages for ROE and margin ratio, the snapshot date, --exact."""
        argv = ("futures", "long", "--size", "0.02", "--entry-price", "50000", "--leverage", "2")
        code, out, _ = run(capsys, *argv, "--wallet-balance", "500", "--close-fee-rate", "0.0005")
        assert code == 0
        assert row(out, "ROE") == "0.00 %"
        assert row(out, "Binance brackets of") == "2022-01-01"
        # exact 25,100.4016...: shown rounded toward the entry (rule-rounding), up for a long
        assert row(out, "liquidation price") == "25,100.41 USDT"
        assert row(out, "break-even price") == "50,025.01 USDT"
        code, out, _ = run(capsys, *argv, "--wallet-balance", "500", "--exact")
        assert code == 0
        assert "25,100.401606425702811244979919678714859437751004016  USDT" in out
        assert "rounded for display" not in out


class TestTarget:
    """``levrisk target`` — rule-futures-margin-pnl target price."""

    def test_short_targets(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Take-profit at +50 % and stop-loss at −25 % ROE, 10x short at 60,000."""
        doc = run_json(
            capsys,
            "target",
            "short",
            "--entry-price",
            "60000",
            "--leverage",
            "10",
            "--take-profit",
            "50%",
            "--stop-loss",
            "0.25",
            "--open-fee-rate",
            "0.0004",
            "--close-fee-rate",
            "0.0004",
        )
        position = futures.Position(
            contract=btc_contract(), side="short", size=1, entry_price=60000, leverage=10
        )
        prices = doc["prices"]
        assert exact(prices["take_profit_price"]) == futures.target_price(position, roe="0.5")
        assert exact(prices["take_profit_price"]) == 57000
        assert exact(prices["stop_loss_price"]) == futures.target_price(position, roe="-0.25")
        assert exact(prices["stop_loss_roe"]) == Decimal("-0.25")
        assert exact(prices["break_even_price"]) == futures.break_even_price(
            position, open_fee_rate="0.0004", close_fee_rate="0.0004"
        )
        assert doc["notes"] == [
            "ROE: PnL over the initial margin at entry (Binance's calculator terms)",
            "give --size for the liquidation price: it depends on the size",
        ]

    def test_stop_beyond_liquidation_and_none(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A stop past liquidation is flagged; an unreachable target is null."""
        doc = run_json(
            capsys,
            "target",
            "short",
            "--entry-price",
            "60000",
            "--leverage",
            "10",
            "--take-profit",
            "20",
            "--stop-loss",
            "150%",
            "--size",
            "1",
        )
        assert doc["prices"]["take_profit_price"] is None
        assert "beyond the liquidation price" in doc["notes"][-1]

    def test_no_liquidation_price(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A 1x linear long has no liquidation price: null, and no note on its stop."""
        doc = run_json(
            capsys,
            "target",
            "long",
            "--entry-price",
            "60000",
            "--leverage",
            "1",
            "--stop-loss",
            "50%",
            "--size",
            "1",
        )
        assert doc["prices"]["liquidation_price"] is None
        assert exact(doc["prices"]["stop_loss_price"]) == 30000
        assert len(doc["notes"]) == 1

    def test_only_liquidation(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without targets the command still gives the liquidation price (human output)."""
        code, out, _ = run(
            capsys, "target", "long", "--entry-price", "60000", "--leverage", "10", "--size", "1"
        )
        assert code == 0
        assert "liquidation price (isolated)" in out
        assert "take-profit" not in out


class TestErrors:
    """Bad input: one line ``levrisk: error: ...`` on stderr and exit code 2."""

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            ("", "the following arguments are required: COMMAND"),
            ("bogus", "invalid choice: 'bogus'"),
            (
                f"{LOAN} --from 2024-05-01T13:55 --to {T14}",
                "--from must be an ISO-8601 time with Z or ±HH:MM",
            ),
            (
                f"{LOAN} --from yesterday --to {T14}",
                "got yesterday",
            ),
            (
                f"{LOAN} --principal -1 --from {T13} --to {T14}",
                "principal must not be negative",
            ),
            (
                f"{LOAN} --from {T15} --to {T14}",
                "--to must not be before --from 2024-05-01T15:00:00+00:00",
            ),
            (
                f"{LOAN} --from {T13} --to {T14} --rate-change 0.1",
                "--rate-change must look like TIME=HOURLY_RATE",
            ),
            (
                f"interest --principal 1 --from {T13} --to {T14}",
                "one of the arguments --hourly-rate --daily-rate --yearly-rate is required",
            ),
            ("margin short --borrow x --price 1", "--borrow must be a finite"),
            ("margin short --borrow 1 --price 1 --leverage 1", "--leverage must be above 1"),
            (
                "margin short --collateral 1 --price 1 --leverage 4",
                "leverage must be between 1 and 3",
            ),
            ("margin short --borrow 1 --price 1 --pair BTC", "--pair"),
            ("margin short --borrow 1 --price 1 --exit-price 1", "closing needs a time"),
            ("margin short --borrow 1 --price 1 --closed-at x", "--closed-at needs --opened-at"),
            (
                "margin short --borrow 1 --price 1 --hours 1.5 --take-profit 1",
                "--hours must be a whole number",
            ),
            (
                "margin short --borrow 1 --price 1 --hours -1 --exit-price 1",
                "--hours must be a whole number",
            ),
            (
                "margin short --borrow 1 --price 1 --hours 1 --exit-price 1",
                "an interest rate is needed",
            ),
            (
                "futures short --size 0.1 --entry-price 60000 --leverage 200",
                "leverage must be between 1 and 125",
            ),
            (
                "futures short --size 1 --entry-price 1 --leverage 1 --symbol NOSUCHUSDT",
                "--symbol must be one of BTCUSDT, ETHUSDT, BTCUSD_PERP or a symbol of",
            ),
            (
                "target long --entry-price 1 --leverage 2 --stop-loss a%",
                "--stop-loss must be a finite number",
            ),
            ("futures long --size 1", "the following arguments are required"),
        ],
        ids=[
            "no-command",
            "unknown-command",
            "naive-time",
            "not-a-time",
            "negative-principal",
            "until-before-borrow",
            "bad-rate-change",
            "no-rate",
            "not-a-number",
            "leverage-1",
            "leverage-above-max",
            "bad-pair",
            "close-without-time",
            "closed-at-alone",
            "fractional-hours",
            "negative-hours",
            "close-without-rate",
            "futures-leverage",
            "unknown-symbol",
            "bad-percent",
            "missing-options",
        ],
    )
    def test_exit_code_and_one_line(
        self, capsys: pytest.CaptureFixture[str], argv: str, message: str
    ) -> None:
        """The error is one line naming the problem, no traceback, exit code 2."""
        code, out, err = run(capsys, *argv.split())
        assert code == 2
        assert out == ""
        assert err.startswith("levrisk: error: ")
        assert err.endswith("\n")
        assert err.count("\n") == 1
        assert message in err
        assert "Traceback" not in err


class TestHelp:
    """``--help`` and ``--version`` print and exit with 0."""

    def test_main_help_has_examples(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The top-level help lists the commands and shows examples."""
        code, out, err = run(capsys, "--help")
        assert (code, err) == (0, "")
        assert "examples:" in out
        assert "levrisk margin short --borrow 0.1 --price 60000 --leverage 3" in out
        for command in ("interest", "margin", "futures", "target"):
            assert command in out

    @pytest.mark.parametrize("command", ["interest", "margin", "futures", "target", "reconcile"])
    def test_command_help(self, capsys: pytest.CaptureFixture[str], command: str) -> None:
        """Every command has its own help with an example."""
        code, out, _ = run(capsys, command, "--help")
        assert code == 0
        assert f"usage: levrisk {command}" in out
        assert "example" in out

    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--version prints the installed version."""
        code, out, _ = run(capsys, "--version")
        assert code == 0
        assert out.strip() == f"levrisk {importlib.metadata.version('levrisk')}"

    def test_parser_exit_with_message(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The parser's exit() prints a message to stderr and carries the status."""
        with pytest.raises(_args.Exit) as info:
            _args.Parser(prog="levrisk").exit(3, "bye\n")
        assert info.value.status == 3
        assert capsys.readouterr().err == "bye\n"


class TestDisplay:
    """Human formatting rules."""

    @pytest.mark.parametrize(
        ("value", "places", "percent", "text"),
        [
            (None, 2, False, "none"),
            ("NORMAL", 2, False, "NORMAL"),
            (25, 2, False, "25"),
            (1234567, 2, False, "1,234,567"),
            (Decimal("-0.001"), 2, False, "0.00"),
            (Decimal("0.015"), 2, False, "0.02"),
            (Decimal("0.025"), 2, False, "0.02"),
            (Decimal("0.3293"), 2, True, "32.93"),
            (Decimal(60000), None, False, "60,000"),
            (Decimal("1E+3"), 2, False, "1,000.00"),
        ],
        ids=[
            "none",
            "text",
            "int",
            "int-grouped",
            "no-negative-zero",
            "half-even-up",
            "half-even-down",
            "percent",
            "as-given",
            "exponent",
        ],
    )
    def test_display(
        self, value: _render.Value, places: int | None, percent: bool, text: str
    ) -> None:
        """Rounded half-even, grouped thousands, no negative zero."""
        assert _render.display(value, places, exact_figures=False, percent=percent) == text

    def test_datetime(self) -> None:
        """Instants print as ISO-8601."""
        when = datetime(2024, 5, 1, 13, 55, tzinfo=UTC)
        assert _render.display(when, 2, exact_figures=False) == "2024-05-01T13:55:00+00:00"


class TestRulesPointer:
    """The pointer a report prints to the formula reference resolves in the docs."""

    ROOT = Path(__file__).parents[1]

    def test_pointer(self) -> None:
        """One helper writes the docs page and the anchor."""
        assert _render.rules("rule-futures") == "rules: explanation/formulas.html#rule-futures"

    @pytest.mark.parametrize(
        "argv",
        [
            TestInterest.ARGS,
            SEED,
            ("futures", "long", "--size", "1", "--entry-price", "60000", "--leverage", "5"),
            ("target", "long", "--entry-price", "60000", "--leverage", "5"),
        ],
        ids=["interest", "margin", "futures", "target"],
    )
    def test_every_title_points_to_an_anchor(
        self, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
    ) -> None:
        """Each title's pointer names a page of docs/ and a label defined on it."""
        _, out, _ = run(capsys, *argv)
        page, anchor = re.findall(r"rules: (\S+?)\.html#([\w-]+)\)", out.splitlines()[0])[0]
        source = (self.ROOT / "docs" / page).with_suffix(".md").read_text(encoding="utf-8")
        assert f"({anchor})=" in source


class TestStopNote:
    """rule-spot-liquidation: the stop-loss note follows levrisk.risk.check_stop."""

    def test_winning_side_stop_has_no_note(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A short's stop below the entry never meets liquidation: no note, no error."""
        doc = run_json(
            capsys,
            "margin",
            "short",
            "--collateral",
            "3000",
            "--price",
            "60000",
            "--stop-loss",
            "50000",
            "--hours",
            "1",
            "--hourly-rate",
            "0",
        )
        assert doc["notes"] == []

    def test_note_names_the_liquidation_price(self) -> None:
        """The note shows check_stop's liquidation price, rounded for display."""
        notes = _render.stop_note("long", Decimal(60000), Decimal(1000), Decimal("40000.125"))
        assert notes == (
            "the stop-loss lies beyond the liquidation price 40,000.12: liquidation comes first",
        )
        assert _render.stop_note("long", Decimal(60000), Decimal(50000), None) == ()


def test_python_dash_m(tmp_path: Any) -> None:
    """``python -m levrisk`` runs the same calculator in a subprocess."""
    result = subprocess.run(  # noqa: S603 - a fixed command line of this interpreter
        [sys.executable, "-m", "levrisk", *SEED, "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert exact(json.loads(result.stdout)["close"]["gross_pnl"]) == 1000


def test_main_module_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """``levrisk.__main__`` exits with main()'s code; importing it otherwise runs nothing."""
    monkeypatch.setattr(sys, "argv", ["levrisk", "bogus"])
    with pytest.raises(SystemExit) as info:
        runpy.run_module("levrisk", run_name="__main__")
    assert info.value.code == 2
    module = importlib.import_module("levrisk.__main__")
    assert module.main is cli.main


def test_readme_shows_the_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's first command is the seed scenario, and the output it shows is current."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    command = re.findall(r"```console\n(.*?)\n```", readme, flags=re.DOTALL)[0]
    shown = re.findall(r"```text\n(.*?)\n```", readme, flags=re.DOTALL)[0]
    argv = shlex.split(command.split(".venv/bin/levrisk ", 1)[1])
    assert argv[:3] == ["margin", "short", "--borrow"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert out == shown + "\n"


FUZZ_COMMANDS = [
    (
        "interest --principal 1000 --hourly-rate 0.00001 --from 2024-05-01T13:55Z "
        "--to 2024-05-01T14:30Z --waived-hours 0 --rate-change 2024-05-01T14:00Z=0.1"
    ),
    (
        "margin short --borrow 0.1 --price 60000 --leverage 3 --exit-price 50000 --hours 24 "
        "--daily-rate 0.0002 --fee-rate 0.001 --stop-loss 66000 --take-profit 50000"
    ),
    (
        "margin long --collateral 1000 --price 60000 --leverage 3 --exit-price 50000 "
        "--opened-at 2024-05-01T13:55Z --closed-at 2024-05-02T13:55Z --yearly-rate 0.1"
    ),
    (
        "futures short --size 0.1 --entry-price 60000 --leverage 10 --mark-price 61000 "
        "--margin 700 --open-fee-rate 0.001 --close-fee-rate 0.001"
    ),
    (
        "futures long --symbol BTCUSD_PERP --size 10 --entry-price 60000 --leverage 10 "
        "--mark-price 61000 --wallet-balance 0.1"
    ),
    "target short --entry-price 60000 --leverage 10 --take-profit 50% --stop-loss 0.25",
]
# Huge exponents stay moderate (1e400): the futures solver works in exact fractions, and
# 10**999999 as an integer makes a single example take seconds.
FUZZ_VALUES = [
    "nan",
    "inf",
    "-inf",
    "-0",
    "0",
    "-1",
    "1e400",
    "1e-400",
    "",
    "abc",
    "1e30",
    "1e-40",
    "١٢٣",
    "9" * 60,
    "1e400%",
    "sNaN",
    "2024-05-01T13:55",
    "=",
    "1.5",
]


class TestFuzz:
    """Any value in any option: exit code 0 or 2, and an error is one line, never a traceback."""

    @settings(max_examples=100, deadline=None)
    @given(
        command=st.sampled_from(FUZZ_COMMANDS),
        position=st.integers(min_value=0, max_value=40),
        value=st.one_of(st.sampled_from(FUZZ_VALUES), st.text(max_size=12)),
    )
    def test_only_clean_exits(self, command: str, position: int, value: str) -> None:
        """Replacing one option value by junk gives exit 0, or 2 with one error line."""
        argv = command.split()
        slots = [i for i, token in enumerate(argv) if i >= 2 and not token.startswith("--")]
        argv[slots[position % len(slots)]] = value
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
        assert code in {0, 2}
        if code == 2:
            assert err.getvalue().startswith("levrisk: error: ")
            assert err.getvalue().count("\n") == 1

    def test_huge_figures_in_scientific_notation(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An absurd margin prints as 1E+50 rather than as 51 digits and decimals."""
        argv = "futures short --size 0.1 --entry-price 60000 --leverage 10 --margin 1e50"
        code, out, _ = run(capsys, *argv.split())
        assert code == 0
        assert row(out, "isolated margin") == "1E+50 USDT"

    def test_hours_past_the_calendar(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--hours beyond year 9999 is a clean usage error."""
        code, _, err = run(capsys, *SEED[:8], "--hours", "9" * 30, "--exit-price", "1")
        assert code == 2
        assert "--hours takes the trade past the last representable date" in err

    def test_arithmetic_safety_net(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An arithmetic error from anywhere becomes one error line, not a traceback."""

        def explode(_args: object) -> None:
            raise decimal.Overflow

        monkeypatch.setattr(cli._target, "run", explode)
        monkeypatch.setattr(cli, "_parser", _parser_with(explode))
        code, out, err = run(capsys, "target", "long", "--entry-price", "1", "--leverage", "1")
        assert (code, out) == (2, "")
        assert (
            err == "levrisk: error: a number is out of the range levrisk computes in (Overflow)\n"
        )


def _parser_with(handler: object) -> Any:
    """A parser factory whose target command runs ``handler``."""
    original = cli._parser

    def build() -> _args.Parser:
        parser = original()
        parser.set_defaults(handler=handler)
        return parser

    return build


USDM = binance.USDM_SNAPSHOTS


class TestData:
    """``--symbol``, ``--brackets FILE``, the data line and its age — rule-brackets."""

    def test_any_usdm_symbol(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A 2024 symbol builds a linear contract over its verified snapshot."""
        argv = ("futures", "long", "--symbol", "SOLUSDT", "--size", "10")
        doc = run_json(capsys, *argv, "--entry-price", "150", "--leverage", "5")
        position = futures.Position(
            contract=binance.usdm_preset("SOLUSDT").contract,
            side="long",
            size=10,
            entry_price=150,
            leverage=5,
        )
        lp = futures.isolated_liquidation_price(position, margin=futures.initial_margin(position))
        assert exact(doc["risk"]["liquidation_price"]) == lp
        assert doc["position"]["snapshot_date"] == "2024-10-24"
        assert doc["data"] == [
            {
                "source": f"Binance brackets of 2024-10-24: {USDM['SOLUSDT'].label}",
                "date": "2024-10-24",
            }
        ]

    @pytest.mark.parametrize(
        ("on", "warned"),
        [(date(2025, 1, 22), False), (date(2025, 1, 23), True)],
        ids=["day-90", "day-91"],
    )
    def test_stale_after_ninety_days(
        self,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        on: date,
        warned: bool,
    ) -> None:
        """The warning appears when the data are more than 90 days old on the pinned day."""
        monkeypatch.setattr(_data, "today", lambda: on)
        argv = ("target", "long", "--symbol", "ETHUSDT_241227", "--entry-price", "2500")
        doc = run_json(capsys, *argv, "--leverage", "10")
        assert ("warnings" in doc) is warned
        code, out, _ = run(capsys, *argv, "--leverage", "10")
        assert code == 0
        assert ("Warning: the Binance brackets of 2024-10-24 are 91 days old" in out) is warned
        assert "Data: Binance brackets of 2024-10-24: Binance USDⓈ-M" in out

    def test_today_is_the_utc_date(self) -> None:
        """The one clock: today's date in UTC."""
        assert _data.today() == datetime.now(UTC).date()

    def test_unverified_preset_says_so(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The default BTCUSDT preset names its 2022 transcription as unverified."""
        code, out, _ = run(
            capsys, "futures", "short", "--size", "1", "--entry-price", "1", "--leverage", "2"
        )
        assert code == 0
        assert "Data: Binance brackets of 2022-01-01: UNVERIFIED transcription" in out

    def test_binance_payload_file(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """A saved leverageBracket list: the symbol's table, no date, the file named."""
        payload = [
            {
                "symbol": "BTCUSDT",
                "brackets": [
                    {
                        "bracket": 1,
                        "initialLeverage": 20,
                        "notionalFloor": 0,
                        "notionalCap": 1e9,
                        "maintMarginRatio": 0.01,
                        "cum": 0,
                    }
                ],
            }
        ]
        path = tmp_path / "leverageBracket.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        argv = ("futures", "short", "--size", "1", "--entry-price", "100", "--leverage", "10")
        doc = run_json(capsys, *argv, "--brackets", str(path))
        assert exact(doc["risk"]["maintenance_margin"]) == 1
        assert doc["position"]["brackets_file"] == "leverageBracket.json"
        assert doc["data"] == [
            {
                "source": f"Binance brackets from {path} (Binance leverageBracket payload)",
                "date": None,
            }
        ]
        assert "warnings" not in doc
        _, out, _ = run(capsys, *argv, "--brackets", str(path))
        assert row(out, "Binance brackets from") == "leverageBracket.json"

    @pytest.mark.parametrize("shape", ["list", "dict-by-ccxt-name", "dict-by-symbol"])
    def test_ccxt_tiers_file(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, shape: str
    ) -> None:
        """Tiers of ccxt: one market's list, or the dict by ccxt (or exchange) symbol."""
        tiers = [
            {
                "tier": 1,
                "currency": "USDT",
                "minNotional": 0,
                "maxNotional": 1e9,
                "maintenanceMarginRate": 0.02,
                "maxLeverage": 20,
                "info": {},
            }
        ]
        documents = {
            "list": tiers,
            "dict-by-ccxt-name": {"BTC/USDT:USDT-241227": tiers, "ETH/USDT:USDT": []},
            "dict-by-symbol": {"BTCUSDT_241227": tiers},
        }
        path = tmp_path / "tiers.json"
        path.write_text(json.dumps(documents[shape]), encoding="utf-8")
        argv = (
            "futures",
            "short",
            "--symbol",
            "BTCUSDT_241227",
            "--size",
            "1",
            "--entry-price",
            "100",
        )
        doc = run_json(capsys, *argv, "--leverage", "10", "--brackets", str(path))
        assert exact(doc["risk"]["maintenance_margin"]) == 2
        assert doc["data"][0]["source"].endswith("(ccxt leverage tiers)")

    def test_ccxt_name_of_a_perpetual(self) -> None:
        """A perpetual's ccxt name has no expiry; an unknown symbol stays as given."""
        assert _data._ccxt_name("BTCUSDT") == "BTC/USDT:USDT"
        assert _data._ccxt_name("FOO") == "FOO"

    @pytest.mark.parametrize(
        ("text", "message"),
        [(None, "--brackets cannot read"), ("{", "is not JSON"), ("[]", "")],
        ids=["missing", "not-json", "empty"],
    )
    def test_bad_file(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str | None, message: str
    ) -> None:
        """An unreadable, invalid or empty file: one line, exit code 2."""
        path = tmp_path / "brackets.json"
        if text is not None:
            path.write_text(text, encoding="utf-8")
        argv = ("futures", "short", "--size", "1", "--entry-price", "100", "--leverage", "10")
        code, _, err = run(capsys, *argv, "--brackets", str(path))
        assert code == 2
        assert err.startswith("levrisk: error: ")
        assert message in err


class TestLiquidatedAloud:
    """rule-futures-liquidation-linear, rule-spot-liquidation: the CLI says "liquidated" (14.3)."""

    FUTURES = ("futures", "short", "--size", "0.1", "--entry-price", "60000", "--leverage", "10")
    MARGIN = (*SEED[:8], *SEED[10:14])  # the seed without its exit price and fee rate

    def test_futures_margin_below_maintenance(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A margin of 10 under a maintenance of 24: a LIQUIDATED line, liquidated in the JSON."""
        code, out, _ = run(capsys, *self.FUTURES, "--margin", "10")
        assert code == 0
        assert "LIQUIDATED: the position is liquidated (already at its entry price)" in out
        assert "59,860.55" in out
        doc = run_json(capsys, *self.FUTURES, "--margin", "10")
        assert doc["liquidated"] is True
        assert "liquidated" in doc["liquidation_line"]

    def test_futures_mark_beyond(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A mark past the liquidation price: liquidated; the default mark: not."""
        doc = run_json(capsys, *self.FUTURES, "--mark-price", "70000")
        assert doc["liquidated"] is True
        assert run_json(capsys, *self.FUTURES)["liquidated"] is False
        code, out, _ = run(capsys, *self.FUTURES)
        assert code == 0
        assert "LIQUIDATED" not in out

    def test_futures_cross_and_always(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A cross wallet of 0: liquidated at the mark; the line says what is lost."""
        code, out, _ = run(capsys, *self.FUTURES, "--wallet-balance", "0")
        assert code == 0
        assert "LIQUIDATED: the position is liquidated (already at the mark price)" in out
        assert "cross wallet balance of 0.00 USDT" in out

    def test_futures_line_text(self) -> None:
        """Every price liquidates: the line says so (no single price)."""
        from levrisk.cli import _futures  # noqa: PLC0415 - the private wording

        line = _futures._liquidation_line(
            ("always", "cross", "long"), None, (Decimal(5), "USDT", "wallet"), "USDT"
        )
        assert line.startswith("the position is liquidated at every price;")

    def test_margin_exit_beyond(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The issue's short exiting at 90,000: liquidated at 81,818.18 first, no net PnL shown."""
        code, out, _ = run(capsys, *self.MARGIN, "--exit-price", "90000")
        assert code == 0
        assert "LIQUIDATED: the trade is liquidated at 81,818.18 USDT" in out
        assert "net PnL" not in out
        doc = run_json(capsys, *self.MARGIN, "--exit-price", "90000")
        assert doc["liquidated"] is True
        assert "close" not in doc
        assert doc["liquidation"]["liquidation_price"].startswith("81818.18")
        assert run_json(capsys, *self.MARGIN, "--exit-price", "50000")["liquidated"] is False

    def test_margin_stop_beyond(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A stop-loss past liquidation shows no net PnL at it."""
        doc = run_json(capsys, *self.MARGIN, "--stop-loss", "95000")
        assert doc["exits"]["stop_loss_net_pnl"] is None
        assert doc["liquidated"] is False

    def test_target_liquidated_at_entry(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """A table whose maintenance (2 %) exceeds the initial margin at 100x: liquidated."""
        bracket = {
            "bracket": 1,
            "initialLeverage": 100,
            "notionalFloor": 0,
            "notionalCap": 1e9,
            "maintMarginRatio": 0.02,
            "cum": 0,
        }
        path = tmp_path / "leverageBracket.json"
        path.write_text(json.dumps([{"symbol": "BTCUSDT", "brackets": [bracket]}]), "utf-8")
        argv = ("target", "long", "--size", "1", "--entry-price", "100", "--leverage", "100")
        doc = run_json(capsys, *argv, "--take-profit", "10%", "--brackets", str(path))
        assert doc["liquidated"] is True
        assert "already at its entry price" in doc["liquidation_line"]
        low = ("target", "long", "--size", "1", "--entry-price", "100", "--leverage", "10")
        assert (
            run_json(capsys, *low, "--take-profit", "10%", "--brackets", str(path))["liquidated"]
            is False
        )


class TestRenderOutcome:
    """rule-futures-liquidation-linear: the CLI's reading of the three outcomes."""

    def test_states(self) -> None:
        """A price is safe; the two errors are crossed (with its price) and always."""
        from levrisk.cli import _render  # noqa: PLC0415 - the private helper
        from levrisk.exceptions import (  # noqa: PLC0415 - local to the check
            AlreadyLiquidatedError,
            AlwaysLiquidatedError,
        )

        msg = "liquidated"

        def crossed() -> Decimal:
            raise AlreadyLiquidatedError(msg, price=Decimal(5))

        def always() -> Decimal:
            raise AlwaysLiquidatedError(msg)

        assert _render.outcome(lambda: Decimal(3)) == (Decimal(3), "safe")
        assert _render.outcome(crossed) == (Decimal(5), "crossed")
        assert _render.outcome(always) == (None, "always")
        assert _render.liquidated_at("long", Decimal(1), None) is False
        assert _render.liquidated_at("short", Decimal(6), Decimal(5)) is True


# --------------------------------------------------------------------------- issue 20

TIERS_FILE = Path(__file__).parent / "data" / "ccxt_tiers_btcusdt.json"


def words(text: str) -> list[str]:
    """A command line's words (``shlex`` rules)."""
    return shlex.split(text)


def strings(document: object) -> list[str]:
    """Every string of a JSON document, keys aside."""
    if isinstance(document, dict):
        return [s for value in document.values() for s in strings(value)]
    if isinstance(document, list):
        return [s for value in document for s in strings(value)]
    return [document] if isinstance(document, str) else []


class TestEveryVenue:
    """``--exchange`` offers every venue with what the command needs (rule-venues)."""

    def test_futures_offers_every_venue(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Futures and target list every venue of levrisk.exchanges.VENUES; interest the lenders."""
        from levrisk import exchanges  # noqa: PLC0415 - the venue list under test

        keys = sorted(m.__name__.rpartition(".")[2] for m in exchanges.VENUES)
        assert sorted(_args.FUTURES_VENUES) == keys
        assert sorted(_args.LENDERS) == ["binance", "bybit", "kraken", "okx"]
        code, out, _ = run(capsys, "futures", "--help")
        assert code == 0
        assert "{" + ",".join(keys) + "}" in out

    def test_bitget_shipped_tiers_and_fee_rule(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Bitget: its shipped BTCUSDT tiers and its rule with the taker fee, as the library."""
        from levrisk.exchanges import bitget  # noqa: PLC0415 - the venue under test

        doc = run_json(
            capsys,
            *words(
                "futures long --exchange bitget --size 0.1 --entry-price "
                "60000 --leverage 10 --close-fee-rate 0.06%"
            ),
        )
        contract = futures.Contract(symbol="BTCUSDT", kind="linear", brackets=bitget.BTCUSDT_TIERS)
        pos = futures.Position(
            contract=contract, side="long", size="0.1", entry_price=60000, leverage=10
        )
        lp = futures.isolated_liquidation_price(
            pos,
            margin=futures.initial_margin(pos),
            rule=bitget.liquidation_rule(fee_rate="0.0006"),
        )
        assert exact(doc["risk"]["liquidation_price"]) == lp
        assert doc["position"]["tiers_source"] == bitget.BTCUSDT_TIERS_SOURCE
        assert doc["data"][0]["source"].startswith("Bitget tiers from")

    def test_fixed_rule_venue_with_a_tiers_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Hyperliquid (one fixed rule) over a ccxt tiers file: no fee rate needed."""
        from levrisk.exchanges import ccxt, hyperliquid  # noqa: PLC0415 - the venue under test

        doc = run_json(
            capsys,
            *words(
                f"futures short --exchange hyperliquid --symbol BTC/USDT:USDT "
                f"--brackets {TIERS_FILE} --size 0.1 --entry-price 60000 "
                f"--leverage 10"
            ),
        )
        table = ccxt.brackets_from_leverage_tiers(json.loads(TIERS_FILE.read_text()))
        contract = futures.Contract(symbol="BTC/USDT:USDT", kind="linear", brackets=table)
        pos = futures.Position(
            contract=contract, side="short", size="0.1", entry_price=60000, leverage=10
        )
        lp = futures.isolated_liquidation_price(
            pos, margin=futures.initial_margin(pos), rule=hyperliquid.LIQUIDATION_RULE
        )
        assert exact(doc["risk"]["liquidation_price"]) == lp
        assert doc["position"]["wallet"] == "600.0"
        assert (
            "USDT"
            in run(
                capsys,
                *words(
                    f"futures short --exchange hyperliquid --symbol BTC/USDT:USDT "
                    f"--brackets {TIERS_FILE} --size 0.1 --entry-price 60000 "
                    f"--leverage 10"
                ),
            )[1]
        )

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            ("--exchange bybit", "Bybit's liquidation rule carries the taker fee"),
            ("--exchange gate --close-fee-rate 0.05%", "levrisk ships no Gate tiers for BTCUSDT"),
        ],
        ids=["fee-needed", "no-tiers"],
    )
    def test_what_a_venue_needs(
        self, capsys: pytest.CaptureFixture[str], argv: str, message: str
    ) -> None:
        """A venue whose rule carries the fee needs --close-fee-rate; without tiers, a file."""
        base = "futures long --size 0.1 --entry-price 60000 --leverage 10 "
        code, _, err = run(capsys, *(base + argv).split())
        assert code == 2
        assert message in err

    def test_symbol_units(self) -> None:
        """The units of a linear symbol of another venue, however it is spelt."""
        assert _data._units("ETHUSDC") == ("ETH", "USDC")
        assert _data._units("BTC-USDT-SWAP") == ("BTC", "USDT")
        assert _data._units("btc/usd:btc") == ("BTC", "USD")
        assert _data._units("XYZ") == ("base", "quote")


class TestPercentRates:
    """Every rate takes a fraction or a percentage (rule-spot-trades, rule-interest)."""

    @pytest.mark.parametrize(
        ("percent", "fraction"),
        [
            (("--fee-rate", "0.1%"), ("--fee-rate", "0.001")),
            (("--daily-rate", "0.02%"), ("--daily-rate", "0.0002")),
        ],
    )
    def test_margin_rates(
        self,
        capsys: pytest.CaptureFixture[str],
        percent: tuple[str, str],
        fraction: tuple[str, str],
    ) -> None:
        """``0.1%`` is ``0.001``: the same report."""
        argv = [a for a in SEED if a not in fraction]
        assert run_json(capsys, *argv, *percent) == run_json(capsys, *argv, *fraction)

    def test_interest_and_fee_rates(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--hourly-rate, --yearly-rate and the break-even fee rates take percentages too."""
        loan = ["interest", "--principal", "1000", "--from", T13, "--to", T15]
        assert run_json(capsys, *loan, "--hourly-rate", "0.001%") == run_json(
            capsys, *loan, "--hourly-rate", "0.00001"
        )
        assert run_json(capsys, *loan, "--yearly-rate", "8.76%") == run_json(
            capsys, *loan, "--yearly-rate", "0.0876"
        )
        pos = ["futures", "long", "--size", "0.1", "--entry-price", "60000", "--leverage", "10"]
        assert run_json(capsys, *pos, "--open-fee-rate", "0.05%") == run_json(
            capsys, *pos, "--open-fee-rate", "0.0005"
        )

    def test_a_negative_percentage_is_a_value(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--fee-rate -0.1%`` reaches the check (not "expected one argument")."""
        code, _, err = run(capsys, *SEED[:-2], "--fee-rate", "-0.1%")
        assert code == 2
        assert err == "levrisk: error: --fee-rate must be a fraction in [0, 1), got -0.001\n"

    def test_a_bad_percentage(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A percentage that is no number names the option."""
        code, _, err = run(capsys, *SEED[:-2], "--fee-rate", "x%")
        assert code == 2
        assert err.startswith("levrisk: error: --fee-rate")


class TestTraderWords:
    """Errors name the options and show plain decimals: no reprs, no Python names."""

    @pytest.mark.parametrize(
        ("argv", "expected"),
        [
            (
                (
                    "margin short --borrow 0.1 --price 60000 --opened-at 2024-01-02T00:00Z "
                    "--closed-at 2024-01-01T00:00Z --exit-price 50000 --daily-rate 0.1%"
                ),
                (
                    "--closed-at must not be before --opened-at 2024-01-02T00:00:00+00:00, "
                    "got 2024-01-01T00:00:00+00:00"
                ),
            ),
            (
                (
                    f"{LOAN} --from {T13} --to {T15} --rate-change 2024-05-01T14:30Z=0.1 "
                    "--rate-change 2024-05-01T14:00Z=0.2"
                ),
                (
                    "the time of --rate-change 2 must be after the time of --rate-change 1 "
                    "2024-05-01T14:30:00+00:00, got 2024-05-01T14:00:00+00:00"
                ),
            ),
            (
                "futures long --size 1000 --entry-price 60000 --leverage 10",
                (
                    "--leverage must be between 1 and 4 (the max leverage of the bracket "
                    "50000000 < notional ≤ 100000000 holding the notional 60000000 at entry), "
                    "got 10"
                ),
            ),
            (
                "margin long --collateral 1000 --price 62000 --leverage 200",
                "--leverage must be between 1 and 3, got 200",
            ),
        ],
        ids=["closed-before-opened", "rate-changes-out-of-order", "bracket-leverage", "max"],
    )
    def test_issue_examples(
        self, capsys: pytest.CaptureFixture[str], argv: str, expected: str
    ) -> None:
        """The issue's messages, in the command's words."""
        code, out, err = run(capsys, *argv.split())
        assert (code, out) == (2, "")
        assert err == f"levrisk: error: {expected}\n"
        assert "Decimal(" not in err
        assert not re.search(r"\dE[+-]\d", err)

    @pytest.mark.parametrize(
        ("message", "names", "expected"),
        [
            (
                "fee_rate must be a fraction, got Decimal('-0.1')",
                {},
                "--fee-rate must be a fraction, got -0.1",
            ),
            ("cap 6.0000E+7 exceeded, got '1E+3'", {}, "cap 60000000 exceeded, got 1000"),
            (
                "at must not be before opened_at X",
                {"at": "--closed-at"},
                "--closed-at must not be before --opened-at X",
            ),
            ("the price at mark", {"at": "--to"}, "the price at mark"),
            (
                "changes[3].hourly_rate must not be negative",
                {},
                "the rate of --rate-change 3 must not be negative",
            ),
            ("got 'BTC'", {}, "got 'BTC'"),
        ],
    )
    def test_translation(self, message: str, names: dict[str, str], expected: str) -> None:
        """Names with an underscore anywhere, single words only leading; plain decimals."""
        assert _args.trader_words(message, names) == expected


class TestPlainJson:
    """``--json`` figures are plain decimals: no negative zero, no exponent."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            ("-0.0", "0"),
            ("-0", "0"),
            ("0E-46", "0"),
            ("6.0000E+7", "60000000"),
            ("600.0", "600.0"),
            ("-1.5E-3", "-0.0015"),
            ("Infinity", "Infinity"),
        ],
    )
    def test_plain(self, value: str, text: str) -> None:
        """Each value as the JSON shows it, and it parses back to the same number."""
        assert _render.plain(Decimal(value)) == text
        if Decimal(value).is_finite():
            assert Decimal(text) == Decimal(value)

    @pytest.mark.parametrize(
        "argv",
        [
            "futures short --size 0.1 --entry-price 60000 --leverage 10",
            "margin short --borrow 0.1 --price 60000 --hours 24 --exit-price 60000 --hourly-rate 0",
            "target long --size 1 --entry-price 60000 --leverage 10 --take-profit 0",
        ],
    )
    def test_no_negative_zero_or_exponent(
        self, capsys: pytest.CaptureFixture[str], argv: str
    ) -> None:
        """No ``-0``, ``-0.0``, ``0E-46`` or exponent in any string of the document."""
        doc = run_json(capsys, *argv.split())
        for text in strings(doc):
            assert not re.fullmatch(r"-0(\.0*)?", text), text
            assert not re.fullmatch(r"[-+]?[\d.]+E[-+]?\d+", text), text


class TestTargetSize:
    """``target --size``: the liquidation price of the position given (rule-futures-margin-pnl)."""

    def test_liquidation_is_the_positions(self, capsys: pytest.CaptureFixture[str]) -> None:
        """With --size, target's liquidation price is futures' for the same position."""
        terms = ["--size", "30", "--entry-price", "60000", "--leverage", "10"]
        target = run_json(capsys, "target", "short", *terms, "--take-profit", "50%")
        position = run_json(capsys, "futures", "short", *terms)
        liquidation = target["prices"]["liquidation_price"]
        assert liquidation == position["risk"]["liquidation_price"]
        one = run_json(capsys, "target", "short", *terms[2:], "--size", "1")
        assert one["prices"]["liquidation_price"] != liquidation  # the bracket follows the size
        assert target["prices"]["size"] == "30"

    def test_without_size_no_liquidation(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without --size the prices come alone, with a note on the liquidation price."""
        doc = run_json(
            capsys, *words("target long --entry-price 60000 --leverage 10 --take-profit 50%")
        )
        assert "liquidation_price" not in doc["prices"]
        assert "give --size for the liquidation price: it depends on the size" in doc["notes"]


class TestMarginRateChanges:
    """``margin --rate-change``: a RateSchedule over the loan (rule-interest)."""

    def test_schedule(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Two changes: the interest is the library's over the same schedule."""
        doc = run_json(
            capsys,
            *words(
                "margin short --borrow 0.1 --price 60000 --exit-price 50000 "
                "--opened-at 2024-01-01T00:00Z --closed-at 2024-01-03T00:00Z "
                "--hourly-rate 0.00001 --rate-change "
                "2024-01-02T00:00Z=0.00003 --rate-change "
                "2024-01-02T12:00+02:00=0.002%"
            ),
        )
        opened = datetime(2024, 1, 1, tzinfo=UTC)
        trade = margin.open_short(
            3000,
            leverage=3,
            price=60000,
            opened_at=opened,
            thresholds=margin.BINANCE_CROSS_3X,
            base="BTC",
            quote="USDT",
        )
        schedule = interest.RateSchedule.from_pairs(
            [
                (opened, "0.00001"),
                (datetime(2024, 1, 2, tzinfo=UTC), "0.00003"),
                (datetime(2024, 1, 2, 10, tzinfo=UTC), "0.00002"),
            ]
        )
        pnl = margin.close(
            trade, exit_price=50000, at=opened + timedelta(days=2), schedule=schedule
        )
        assert exact(doc["close"]["interest"]) == pnl.interest

    def test_bad_change(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A change without ``=`` is one line naming the form."""
        code, _, err = run(capsys, *SEED, "--rate-change", "2024-01-02T00:00Z")
        assert code == 2
        assert "--rate-change must look like TIME=HOURLY_RATE" in err


class TestInstants:
    """One strict ISO-8601 grammar on every Python: ``Z`` or ``±HH:MM`` (or ``±HHMM``)."""

    @pytest.mark.parametrize(
        "text",
        [
            "2024-05-01T13:55Z",
            "2024-05-01t13:55:00z",
            "2024-05-01T15:55+02:00",
            "2024-05-01T15:55:00+0200",
            "2024-05-01 13:55:00.000000Z",
            "2024-05-01T10:25-03:30",
        ],
    )
    def test_same_instant(self, text: str) -> None:
        """Every accepted spelling of 13:55 UTC."""
        assert _args.instant("--from", text) == datetime(2024, 5, 1, 13, 55, tzinfo=UTC)

    def test_fraction(self) -> None:
        """Up to six decimals of a second, comma or point."""
        assert _args.instant("--from", "2024-05-01T13:55:00,5Z").microsecond == 500_000

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("2024-05-01T13:55", "got 2024-05-01T13:55 without a UTC offset"),
            ("2024-05-01", "got 2024-05-01 without a UTC offset"),
            ("2024-05-01T13:55+2", "got 2024-05-01T13:55+2"),
            ("2024-13-01T00:00Z", "--from is not a valid time (month must be in 1..12)"),
            ("2024-05-01T00:00+25:00", "--from is not a valid time"),
            ("yesterday", "such as 2024-05-01T13:55Z"),
        ],
    )
    def test_refused(self, text: str, message: str) -> None:
        """A naive or malformed time is a usage error naming the option."""
        with pytest.raises(_args.UsageError, match=re.escape(message)):
            _args.instant("--from", text)

    def test_no_fromisoformat(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The parser never asks datetime.fromisoformat (whose grammar differs by version)."""

        class Strict(datetime):
            @classmethod
            def fromisoformat(cls, date_string: str) -> Strict:  # noqa: ARG003
                raise AssertionError

        monkeypatch.setattr(_args, "datetime", Strict)
        assert _args.instant("--to", "2024-05-01T15:55+0200").hour == 15


class TestProfitSideStop:
    """A stop-loss on the profit side of the entry warns (text and ``--json``)."""

    @pytest.mark.parametrize(
        ("side", "stop", "where"), [("long", "66000", "above"), ("short", "54000", "below")]
    )
    def test_margin(
        self, capsys: pytest.CaptureFixture[str], side: str, stop: str, where: str
    ) -> None:
        """A long's stop above its entry, a short's below: one warning."""
        argv = [
            "margin",
            side,
            "--collateral",
            "1000",
            "--price",
            "60000",
            "--hours",
            "1",
            "--hourly-rate",
            "0",
            "--stop-loss",
            stop,
        ]
        doc = run_json(capsys, *argv)
        assert doc["warnings"] == [
            (
                f"the stop-loss {int(stop):,}.00 lies {where} the entry 60,000.00, on the profit "
                f"side of a {side}: it closes the position at a gain (a take-profit), not a loss"
            )
        ]
        code, out, _ = run(capsys, *argv)
        assert code == 0
        assert f"Warning: the stop-loss {int(stop):,}.00 lies {where}" in out

    def test_losing_side_is_quiet(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A stop on the losing side gets no warning."""
        doc = run_json(
            capsys,
            *words(
                "margin long --collateral 1000 --price 60000 --hours 1 "
                "--hourly-rate 0 --stop-loss 59000"
            ),
        )
        assert "warnings" not in doc

    def test_target_negative_loss(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``target --stop-loss -25%`` is a price on the profit side: warned first."""
        doc = run_json(
            capsys,
            *words("target short --size 0.1 --entry-price 60000 --leverage 10 --stop-loss -25%"),
        )
        assert doc["warnings"][0].startswith("the stop-loss 58,500.00 lies below the entry")


class TestDailyRateNote:
    """Where a daily rate is entered, the note says how it is charged (rule-interest)."""

    def test_binance(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Binance: 25 accruals over 24 hours, 4.17 % more than 24 charges."""
        day = "--from 2024-05-01T13:55Z --to 2024-05-02T13:55Z"
        doc = run_json(capsys, *words(f"interest --principal 1000 --daily-rate 0.02% {day}"))
        assert doc["notes"] == [DAILY_NOTE]
        assert doc["results"]["accruals"] == 25

    def test_other_rules_and_other_rates(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An hourly rate gets no note, nor a daily one under a rule charging 24 times a day."""
        loan = ["interest", "--principal", "1000", "--from", T13, "--to", T15]
        assert run_json(capsys, *loan, "--hourly-rate", "0.00001")["notes"] == []
        # started hours and clock hours both charge 24 times a day: no note
        for venue in ("bybit", "okx"):
            doc = run_json(capsys, *loan, "--daily-rate", "0.0002", "--exchange", venue)
            assert doc["notes"] == []

    def test_margin(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The margin report carries the same note (the seed enters a daily rate)."""
        assert DAILY_NOTE in run_json(capsys, *SEED)["notes"]


class TestKrakenInterest:
    """Kraken lends by the 4-hour rollover: rates entered per hour or day become per period.

    rule-kraken-rollover: an opening fee at borrowing, then a rollover every 4 hours, each at
    the rate per 4-hour period.
    """

    LOAN = ("interest", "--exchange", "kraken", "--principal", "1000")
    SPAN = ("--from", "2024-01-01T00:00Z", "--to", "2024-01-01T09:00Z")

    def test_daily_rate_is_charged_per_period(self, capsys: pytest.CaptureFixture[str]) -> None:
        """0.12 %/day is 0.02 % per 4 hours; 00:00, 04:00 and 08:00 accrue: 0.6 USDT."""
        doc = run_json(capsys, *self.LOAN, "--daily-rate", "0.12%", *self.SPAN)
        assert Decimal(doc["inputs"]["period_rate"]) == Decimal("0.0002")
        assert doc["results"]["accruals"] == 3
        assert Decimal(doc["results"]["interest"]) == Decimal("0.6")
        note = (
            "--daily-rate is charged per 4-hour period as daily / 6, under the 'kraken' "
            "counting rule: 7 accruals over 24 hours (the first at borrowing)"
        )
        assert doc["notes"] == [note]

    def test_hourly_rate_and_changes_scale_to_the_period(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An hourly rate (and each --rate-change) is four hours' worth per accrual."""
        change = ("--rate-change", "2024-01-01T06:00Z=0.001%")
        doc = run_json(capsys, *self.LOAN, "--hourly-rate", "0.005%", *change, *self.SPAN)
        # 00:00 and 04:00 at 4 x 0.00005, 08:00 at 4 x 0.00001
        assert Decimal(doc["results"]["interest"]) == Decimal("0.44")
        note = "4-hour period rates in force from 2024-01-01T06:00:00+00:00: 0.00004"
        assert doc["notes"] == [note]

    def test_text_report_names_the_period(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The text report labels the rate and the accruals by the period."""
        code, out, _ = run(capsys, *self.LOAN, "--daily-rate", "0.12%", *self.SPAN)
        assert code == 0
        assert "rate per 4-hour period at borrowing" in out
        assert "4-hour period accruals" in out


class TestPlot:
    """``--plot FILE.png``: margin level (or ratio) and PnL against the price."""

    @pytest.mark.parametrize(
        "argv",
        [
            "margin short --borrow 0.1 --price 60000 --leverage 3",
            "margin long --collateral 1000 --price 60000 --leverage 3 --fee-rate 0.1%",
            "futures long --size 0.1 --entry-price 60000 --leverage 10",
            "futures short --size 0.1 --entry-price 60000 --leverage 10 --wallet-balance 800",
            "futures long --size 0.1 --entry-price 60000 --leverage 1",
        ],
        ids=["margin-short", "margin-long", "futures-isolated", "futures-cross", "no-liquidation"],
    )
    def test_renders(self, capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: str) -> None:
        """A PNG is written and the report's notes say where."""
        pytest.importorskip("matplotlib", reason="--plot draws with matplotlib (optional)")
        target = tmp_path / "plot.png"
        doc = run_json(capsys, *argv.split(), "--plot", str(target))
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert doc["notes"][-1].endswith(f"written to {target}")

    def test_grid_takes_in_the_marks(self) -> None:
        """The price grid spans the entry and every marked price, and stays positive."""
        grid = _plot.price_grid(Decimal(60000), Decimal(81818), None, Decimal(-1))
        assert len(grid) == _plot.POINTS
        assert grid[0] < 60000
        assert grid[-1] > 81818
        assert min(grid) > 0

    def test_without_matplotlib(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Without matplotlib: one line naming ``pip install matplotlib``, exit 2."""
        monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
        code, _, err = run(capsys, *SEED[:8], "--plot", str(tmp_path / "p.png"))
        assert code == 2
        assert err == (
            "levrisk: error: --plot needs matplotlib, which is not installed: "
            "pip install matplotlib\n"
        )

    def test_unwritable(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """A file that cannot be written is one line naming it."""
        pytest.importorskip("matplotlib", reason="--plot draws with matplotlib (optional)")
        path = tmp_path / "missing" / "p.png"
        code, _, err = run(capsys, *SEED[:8], "--plot", str(path))
        assert code == 2
        assert err.startswith(f"levrisk: error: --plot cannot write {path}")


class TestSize:
    """``levrisk size``: the largest size for a stop (rule-futures-max-size-for-stop)."""

    def test_the_issue_example(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Long at 62,000, stop 60,000, 1,000 USDT: 27x holds 0.435 BTC, the size ~0.4464."""
        doc = run_json(
            capsys, *words("size long --entry-price 62000 --stop-price 60000 --margin 1000")
        )
        size = doc["size"]
        expected = risk.max_futures_size_for_stop(
            btc_contract(), side="long", entry_price=62000, stop_price=60000, margin=1000
        )
        assert exact(size["max_size"]) == expected
        assert round(expected, 4) == Decimal("0.4464")
        assert size["max_whole_leverage"] == 27
        assert round(Decimal(size["whole_leverage_size"]), 3) == Decimal("0.435")
        code, out, _ = run(
            capsys, *words("size long --entry-price 62000 --stop-price 60000 --margin 1000")
        )
        assert code == 0
        assert row(out, "largest size") == "0.44642857 BTC"
        assert row(out, "its leverage") == "27.68 x"

    def test_inverse_lots(self, capsys: pytest.CaptureFixture[str]) -> None:
        """COIN-M in whole contracts, as the library gives it."""
        doc = run_json(
            capsys,
            *words(
                "size short --symbol BTCUSD_PERP --entry-price 60000 --stop-price 63000 "
                "--margin 0.1 --lot-step 1 --buffer 0.5%"
            ),
        )
        expected = risk.max_futures_size_for_stop(
            btc_contract("BTCUSD_PERP"),
            side="short",
            entry_price=60000,
            stop_price=63000,
            margin="0.1",
            buffer="0.005",
            lot_step=1,
        )
        assert exact(doc["size"]["max_size"]) == expected
        assert expected == expected.to_integral_value()

    def test_no_whole_leverage(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A short's stop past its 1x liquidation: no whole leverage, a smaller size still."""
        doc = run_json(
            capsys, *words("size short --entry-price 60000 --stop-price 130000 --margin 1000")
        )
        assert doc["size"]["max_whole_leverage"] is None
        assert doc["size"]["whole_leverage_size"] is None
        assert Decimal(doc["size"]["max_size"]) > 0


class TestVenueContract:
    """``--kind`` and ``--contract-size`` on a venue without presets (rule-venues)."""

    def test_bitmex_inverse(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """An inverse XBTUSD over a tiers file under BitMEX's entry-basis rule, as the library."""
        from levrisk.exchanges import bitmex, ccxt  # noqa: PLC0415 - the venue under test

        tiers = [
            {
                "tier": 1,
                "minNotional": 0,
                "maxNotional": 200,
                "maintenanceMarginRate": 0.005,
                "maxLeverage": 100,
                "info": {},
            },
        ]
        path = tmp_path / "xbt.json"
        path.write_text(json.dumps(tiers), encoding="utf-8")
        doc = run_json(
            capsys,
            *words(
                f"futures long --exchange bitmex --symbol XBTUSD --kind inverse "
                f"--contract-size 1 --brackets {path} --size 1000 --entry-price 60000 "
                "--leverage 10"
            ),
        )
        contract = futures.Contract(
            symbol="XBTUSD",
            kind="inverse",
            contract_size=1,
            margin_asset="XBT",
            brackets=ccxt.brackets_from_leverage_tiers(tiers),
        )
        pos = futures.Position(
            contract=contract, side="long", size=1000, entry_price=60000, leverage=10
        )
        lp = futures.isolated_liquidation_price(
            pos, margin=futures.initial_margin(pos), rule=bitmex.LIQUIDATION_RULE
        )
        assert exact(doc["risk"]["liquidation_price"]) == lp
        code, out, _ = run(
            capsys,
            *words(
                f"futures long --exchange bitmex --symbol XBTUSD --kind inverse "
                f"--contract-size 1 --brackets {path} --size 1000 --entry-price 60000 "
                "--leverage 10"
            ),
        )
        assert code == 0
        assert row(out, "size") == "1,000 contracts of 1 USD"
        assert row(out, "initial margin (entry)") == "0.00166667 XBT"

    def test_bad_contract_size(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A bad --contract-size is named as the option."""
        code, _, err = run(
            capsys,
            *words(
                "futures long --exchange bitget --close-fee-rate 0.06% --contract-size -1 "
                "--size 0.1 --entry-price 60000 --leverage 10"
            ),
        )
        assert code == 2
        assert err.startswith("levrisk: error: --contract-size")
