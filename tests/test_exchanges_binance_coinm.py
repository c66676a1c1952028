"""Binance COIN-M ``positionRisk`` (``GET /dapi/v1/positionRisk``): rows and reconcile.

The payloads are Binance's documented examples: the COIN-M page "Position Information
(USER_DATA)" (developers.binance.com/docs/derivatives/coin-margined-futures/trade/rest-api/
Position-Information) and Portfolio Margin's "Query CM Position Information" (``GET
/papi/v1/cm/positionRisk``, the same row without the margin fields, with
``notionalValue``). Figures are checked against rule-futures-margin-pnl (inverse PnL
``Q·CS·(1/EP − 1/MP)``, notional ``Q·CS/MP``) and rule-futures-liquidation-inverse.
"""

from __future__ import annotations

import copy
import warnings
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from levrisk.exceptions import InvalidInputError, LevriskWarning
from levrisk.exchanges import ReportedPosition, binance
from levrisk.exchanges._binance_coinm import (
    _RULE,
    CoinmPositionRisk,
    coinm_cross_account_from_payload,
    coinm_position_report_from_payload,
    coinm_reconcile,
)
from levrisk.futures import cross_liquidation_price, isolated_liquidation_price
from levrisk.numbers import round_to_step

QUARTER = attrs.evolve(binance.BTCUSD_PERP_CONTRACT, symbol="BTCUSD_201225")
ETH = attrs.evolve(
    binance.BTCUSD_PERP_CONTRACT, symbol="ETHUSD_PERP", contract_size=10, margin_asset="ETH"
)
CONTRACTS = {
    "BTCUSD_201225": QUARTER,
    "BTCUSD_PERP": binance.BTCUSD_PERP_CONTRACT,
    "ETHUSD_PERP": ETH,
}


def empty_leg(side: str, update_time: int) -> dict[str, Any]:
    """The documented response's empty leg ``side`` (``positionAmt`` 0)."""
    keys = "positionAmt entryPrice breakEvenPrice markPrice unRealizedProfit liquidationPrice"
    zero = dict(
        zip(keys.split(), ["0", "0.0", "0.0", "0.00000000", "0.00000000", "0"], strict=True)
    )
    keys = "symbol leverage maxQty marginType isolatedMargin isAutoAddMargin positionSide"
    fixed = ["BTCUSD_201225", "125", "50", "cross", "0.00000000", "false", side]
    return zero | dict(zip(keys.split(), fixed, strict=True)) | {"updateTime": update_time}


DAPI_EXAMPLE: list[dict[str, Any]] = [
    empty_leg("BOTH", 0),
    {
        "symbol": "BTCUSD_201225",
        "positionAmt": "1",
        "entryPrice": "11707.70000003",
        "breakEvenPrice": "11707.80000005",
        "markPrice": "11788.66626667",
        "unRealizedProfit": "0.00005866",
        "liquidationPrice": "11667.63509587",
        "leverage": "125",
        "maxQty": "50",
        "marginType": "cross",
        "isolatedMargin": "0.00000000",
        "isAutoAddMargin": "false",
        "positionSide": "LONG",
        "updateTime": 1627026881327,
    },
    empty_leg("SHORT", 1627026881327),
]
"""Binance COIN-M "Position Information (USER_DATA)", the documented response (hedge mode)."""

PAPI_EXAMPLE: dict[str, Any] = {
    "symbol": "BTCUSD_201225",
    "positionAmt": "1",
    "entryPrice": "11707.70000003",
    "markPrice": "11788.66626667",
    "unRealizedProfit": "0.00005866",
    "liquidationPrice": "6170.20509059",
    "leverage": "125",
    "positionSide": "LONG",
    "updateTime": 1627026881327,
    "maxQty": "50",
    "notionalValue": "0.00084827",
}
"""Binance Portfolio Margin "Query CM Position Information", the documented row."""

ISOLATED: dict[str, Any] = {
    "symbol": "BTCUSD_PERP",
    "positionAmt": "10",
    "entryPrice": "60000",
    "breakEvenPrice": "0.0",
    "markPrice": "60000",
    "unRealizedProfit": "0.00000000",
    "liquidationPrice": "50200.00836667",
    "leverage": "5",
    "marginType": "isolated",
    "isolatedMargin": "0.00333333",
    "isolatedWallet": "0.00333333",
    "positionSide": "BOTH",
    "notionalValue": "0.01666667",
}
"""10 contracts of 100 USD at 60,000 on 0.00333333 BTC, isolated (the how-to's row)."""


def rows(payload: Any, **kwargs: Any) -> tuple[Any, ...]:
    """The parsed rows of ``payload`` over :data:`CONTRACTS`."""
    return coinm_position_report_from_payload(payload, contracts=CONTRACTS, **kwargs).rows


def with_fields(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``row`` with ``changes`` (a ``None`` value drops the field)."""
    out = copy.deepcopy(row)
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


# ---------------------------------------------------------------- parsing


def test_documented_dapi_example_parses_exactly() -> None:
    """The COIN-M doc's hedge response: the two empty legs skipped, the LONG leg exact."""
    report = coinm_position_report_from_payload(DAPI_EXAMPLE, contracts=CONTRACTS)
    assert report.errors == ()
    [row] = report.rows
    assert isinstance(row, CoinmPositionRisk)
    assert isinstance(row, ReportedPosition)
    assert row.venue == "Binance"
    assert row.position.contract is QUARTER
    assert row.position.side == "long"
    assert row.position.size == Decimal(1)
    assert row.position.entry_price == Decimal("11707.70000003")
    assert row.position.leverage == Decimal(125)
    assert row.margin_mode == "cross"
    assert row.margin == 0
    assert row.mark_price == Decimal("11788.66626667")
    assert row.liquidation_price == Decimal("11667.63509587")
    assert row.unrealized_pnl == Decimal("0.00005866")
    assert row.break_even_price == Decimal("11707.80000005")
    assert row.notional_value is None


def test_papi_cm_example_parses_as_cross() -> None:
    """A Portfolio Margin row (no ``marginType``) is cross and keeps ``notionalValue``."""
    [row] = rows([PAPI_EXAMPLE])
    assert row.margin_mode == "cross"
    assert row.notional_value == Decimal("0.00084827")
    assert row.break_even_price is None


def test_isolated_row_keeps_its_wallet() -> None:
    """An isolated row's margin is its ``isolatedWallet``, in coin."""
    [row] = rows([ISOLATED])
    assert (row.margin_mode, row.margin) == ("isolated", Decimal("0.00333333"))


def test_isolated_row_without_wallet_takes_margin_less_pnl() -> None:
    """``isolatedMargin`` is the wallet plus the unrealised PnL [derived]."""
    row = with_fields(
        ISOLATED, isolatedWallet=None, isolatedMargin="0.00400000", unRealizedProfit="0.00066667"
    )
    assert rows([row])[0].margin == Decimal("0.00333333")


@pytest.mark.parametrize("case", ["3 BOTH long", "-3 BOTH short", "-3 SHORT short", "3 LONG long"])
def test_side_from_sign_or_leg(case: str) -> None:
    """``BOTH``: the sign of ``positionAmt``; ``LONG``/``SHORT``: the leg; size ``|amt|``."""
    amount, side_field, side = case.split()
    row = with_fields(ISOLATED, positionAmt=amount, positionSide=side_field)
    [parsed] = rows([row])
    assert (parsed.position.side, parsed.position.size) == (side, Decimal(3))


def test_margin_type_is_case_insensitive() -> None:
    """``marginType`` is read case-insensitively."""
    assert rows([with_fields(ISOLATED, marginType="CROSS")])[0].margin_mode == "cross"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"symbol": "XRPUSD_PERP"}, "has no Contract"),
        ({"positionSide": "HEDGE"}, "positionSide"),
        ({"marginType": "portfolio"}, "marginType"),
        ({"leverage": None}, "leverage"),
        ({"entryPrice": "-1"}, "payload[1]"),
        ({"isolatedWallet": "-0.1"}, "payload[1]"),
        ({"isolatedWallet": None, "isolatedMargin": None}, "isolatedMargin"),
        ({"notionalValue": "abc"}, "notionalValue"),
    ],
)
def test_bad_rows_are_reported_and_strict_raises(change: dict[str, Any], message: str) -> None:
    """A bad row is a RowError naming its path; the good row stays; strict raises."""
    bad = with_fields(ISOLATED, **change)
    report = coinm_position_report_from_payload([ISOLATED, bad], contracts=CONTRACTS)
    assert len(report.rows) == 1
    [error] = report.errors
    assert error.where == "payload[1]"
    assert message in error.message
    with pytest.raises(InvalidInputError, match=r"payload\[1\]"):
        coinm_position_report_from_payload([ISOLATED, bad], contracts=CONTRACTS, strict=True)


def test_linear_contract_is_refused() -> None:
    """A COIN-M row needs an inverse contract."""
    report = coinm_position_report_from_payload(
        [ISOLATED], contracts={"BTCUSD_PERP": binance.BTCUSDT_CONTRACT}
    )
    assert report.rows == ()
    assert "needs an inverse Contract" in report.errors[0].message


def test_leverage_above_the_table_warns_not_fails() -> None:
    """An existing position is never refused on its leverage (issue 15, item 2)."""
    big = with_fields(ISOLATED, positionAmt="100000", leverage="125", isolatedWallet="100")
    with pytest.warns(LevriskWarning, match=r"payload\[0\]"):
        [row] = rows([big])
    assert row.position.leverage == Decimal(125)


@pytest.mark.parametrize(("payload", "contracts"), [({"a": 1}, CONTRACTS), ([ISOLATED], [1])])
def test_bad_payload_or_contracts_raise(payload: Any, contracts: Any) -> None:
    """A payload that is not a list, or contracts not a mapping, raise even when lenient."""
    with pytest.raises(InvalidInputError):
        coinm_position_report_from_payload(payload, contracts=contracts)


def test_reexported_from_binance() -> None:
    """The public names live in ``levrisk.exchanges.binance``."""
    assert binance.coinm_position_report_from_payload is coinm_position_report_from_payload
    assert binance.coinm_reconcile is coinm_reconcile
    assert binance.coinm_cross_account_from_payload is coinm_cross_account_from_payload
    assert binance.CoinmPositionRisk is CoinmPositionRisk


# ---------------------------------------------------------------- cross account


def test_cross_account_keeps_cross_rows_in_hedge_mode() -> None:
    """Isolated rows are left out; a LONG/SHORT row makes the account hedged."""
    payload = [*DAPI_EXAMPLE, ISOLATED]
    account = coinm_cross_account_from_payload(payload, wallet_balance="0.001", contracts=CONTRACTS)
    assert account.position_mode == "hedge"
    assert [p.contract.symbol for p in account.positions] == ["BTCUSD_201225"]
    assert account.wallet_balance == Decimal("0.001")


def test_cross_account_one_way_and_strict() -> None:
    """``BOTH`` rows give a one-way account; a bad row raises."""
    cross = with_fields(ISOLATED, marginType="cross")
    account = coinm_cross_account_from_payload([cross], wallet_balance=0, contracts=CONTRACTS)
    assert account.position_mode == "one_way"
    with pytest.raises(InvalidInputError):
        coinm_cross_account_from_payload(
            [with_fields(cross, symbol="X")], wallet_balance=0, contracts=CONTRACTS
        )


# ---------------------------------------------------------------- reconcile


def test_rule_is_binances() -> None:
    """The COIN-M rule is ``binance.COINM_RULE``."""
    assert _RULE == binance.COINM_RULE


def test_documented_dapi_row_reconciles_its_pnl_exactly() -> None:
    """rule-futures-margin-pnl: 100·(1/11707.70000003 − 1/11788.66626667), toward zero."""
    [row] = rows(DAPI_EXAMPLE)
    pnl, break_even, liquidation = coinm_reconcile(row).checks
    assert (pnl.field, break_even.field) == ("unrealized_pnl", "break_even_price")
    assert pnl.exact == Decimal("0.000058663484513349923971129872878194910972912763301700")
    assert (pnl.reported, pnl.exchange, pnl.agrees) == (
        Decimal("0.00005866"),
        Decimal("0.00005866"),
        True,
    )
    assert liquidation.field == "liquidation_price"
    assert (liquidation.agrees, liquidation.reason) == (False, "missing account-level input")


def test_documented_dapi_cross_price_at_its_implied_wallet() -> None:
    """rule-futures-liquidation-inverse: the doc's cross price solves ``W = 100.4/LP − 100/EP``.

    The wallet the example implies [derived] gives back Binance's price at 8 decimals.
    """
    [row] = rows(DAPI_EXAMPLE)
    wallet = Decimal("100.4") / Decimal("11667.63509587") - 100 / Decimal("11707.70000003")
    account = coinm_cross_account_from_payload(
        DAPI_EXAMPLE, wallet_balance=wallet, contracts=CONTRACTS
    )
    check = coinm_reconcile(row, account=account).checks[-1]
    assert check.field == "liquidation_price"
    assert check.reported == Decimal("11667.63509587")
    assert check.agrees


def test_documented_papi_row_notional_is_ten_usd_contracts() -> None:
    """The PAPI example's ``notionalValue`` is ``10/MP``, its PnL ``100·(…)``: they disagree.

    At the 100 USD contract of BTCUSD the PnL agrees and the notional does not; at 10 USD
    the notional agrees and the PnL does not (the example mixes contract sizes).
    """
    [row] = rows([PAPI_EXAMPLE])
    checks = {c.field: c for c in coinm_reconcile(row).checks}
    assert checks["unrealized_pnl"].agrees
    assert not checks["notional_value"].agrees
    assert checks["notional_value"].exact == Decimal(
        "0.0084827238075887502648991808623075282180741612398013"
    )
    ten = {"BTCUSD_201225": attrs.evolve(QUARTER, contract_size=10)}
    [small] = coinm_position_report_from_payload([PAPI_EXAMPLE], contracts=ten).rows
    checks = {c.field: c for c in coinm_reconcile(small).checks}
    assert checks["notional_value"].agrees
    assert not checks["unrealized_pnl"].agrees


def test_isolated_row_reconciles_every_figure() -> None:
    """rule-futures-liquidation-inverse: 10 × 100 USD at 60,000 on 0.00333333 BTC."""
    [row] = rows([ISOLATED])
    result = coinm_reconcile(row)
    assert [c.field for c in result.checks] == [
        "unrealized_pnl",
        "liquidation_price",
        "notional_value",
    ]
    assert result.agrees
    exact = isolated_liquidation_price(
        row.position, margin=Decimal("0.00333333"), rule=binance.COINM_RULE
    )
    assert result.checks[1].exact == exact
    assert result.checks[1].reported == Decimal("50200.00836667")


def test_short_notional_value_compared_without_its_sign() -> None:
    """A short's ``notionalValue`` is compared by its size; ``liquidationPrice`` 0 is none."""
    row = with_fields(
        ISOLATED,
        positionAmt="-10",
        notionalValue="-0.01666667",
        liquidationPrice="0",
        isolatedWallet="0.00333333",
    )
    [parsed] = rows([row])
    checks = {c.field: c for c in coinm_reconcile(parsed).checks}
    assert checks["notional_value"].agrees
    assert parsed.liquidation_price is None


def test_break_even_needs_the_fee_rate() -> None:
    """``breakEvenPrice`` is computed only with a fee rate."""
    [row] = rows(DAPI_EXAMPLE)
    without = {c.field: c for c in coinm_reconcile(row).checks}
    assert "break_even_price" in without
    assert without["break_even_price"].reason == "missing account-level input"
    with_fee = {c.field: c for c in coinm_reconcile(row, fee_rate="0.0005").checks}
    assert with_fee["break_even_price"].exact is not None


def test_reconcile_refuses_other_rows() -> None:
    """``coinm_reconcile`` takes a COIN-M row only."""
    with pytest.raises(InvalidInputError, match="row"):
        coinm_reconcile("row")  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties


@given(
    contracts=st.integers(1, 10_000),
    entry=st.decimals("1000", "100000", places=2),
    mark=st.decimals("1000", "100000", places=2),
    short=st.booleans(),
)
def test_reported_pnl_and_notional_always_agree(
    contracts: int, entry: Decimal, mark: Decimal, short: bool
) -> None:
    """rule-futures-margin-pnl: a row stating Binance's forms of the inverse figures agrees."""
    size = Decimal(contracts)
    sign = -1 if short else 1
    pnl = sign * size * 100 * (1 / entry - 1 / mark)
    row = with_fields(
        ISOLATED,
        positionAmt=str(sign * size),
        entryPrice=str(entry),
        markPrice=str(mark),
        unRealizedProfit=str(round_to_step(pnl, "0.00000001", "down")),
        notionalValue=str(sign * round_to_step(size * 100 / mark, "0.00000001", "half_even")),
        liquidationPrice="0",
        leverage="1",
        isolatedWallet="1000",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LevriskWarning)
        [parsed] = rows([row])
    checks = {c.field: c for c in coinm_reconcile(parsed).checks}
    assert checks["unrealized_pnl"].agrees
    assert checks["notional_value"].agrees


@given(wallet=st.decimals("0.0001", "1", places=8))
def test_cross_price_agrees_with_the_solver(wallet: Decimal) -> None:
    """rule-futures-liquidation-inverse: a row stating levrisk's price, 8 decimals half up."""
    [row] = rows(DAPI_EXAMPLE)
    account = coinm_cross_account_from_payload(
        DAPI_EXAMPLE, wallet_balance=wallet, contracts=CONTRACTS
    )
    price = cross_liquidation_price(
        account, "BTCUSD_201225", mark_prices={"BTCUSD_201225": row.mark_price}
    )
    assert price is not None
    shown = round_to_step(price, "0.00000001", "half_up")
    [stated] = rows([with_fields(DAPI_EXAMPLE[1], liquidationPrice=str(shown))])
    check = coinm_reconcile(stated, account=account).checks[-1]
    assert (check.field, check.exact, check.reported) == ("liquidation_price", price, shown)
    assert check.agrees
