r"""BitMEX: inverse perpetuals (XBTUSD) with maintenance valued at entry — rule and risk limits.

XBTUSD is an inverse contract: size ``N`` in USD (one contract is 1 USD), PnL paid in
XBT, ``s·N·(1/EP − 1/P)``. BitMEX fixes the maintenance margin at the position's entry
value, ``m·N/EP`` XBT, so the liquidation condition is linear in ``1/P`` and needs no
bracket iteration:

.. math::

    M + s \cdot N \cdot \left(\frac{1}{EP} - \frac{1}{P}\right) = m \cdot \frac{N}{EP} - D

Build the contract as ``Contract(symbol="XBTUSD", kind="inverse", contract_size=1,
brackets=..., margin_asset="BTC")`` with the table of the position's risk limit
(:func:`risk_limit_brackets`), and solve with :data:`LIQUIDATION_RULE`.

**Risk limits.** BitMEX does not tier the maintenance margin by deductions: the whole
position pays the rate of its risk-limit step. Above the base risk limit each step of
``risk_step`` raises both the maintenance and the initial rate by the base maintenance
rate [published]. The algebra lives in ``levrisk.futures``; this module holds the
venue's name, its rule and the risk-limit steps.

Sources: BitMEX, "Liquidation", "Inverse contracts" and "Risk Limits Examples"
(https://www.bitmex.com/app/riskLimitsExamples).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Final

from levrisk._fields import non_negative_number, positive_number
from levrisk.brackets import BracketTable
from levrisk.exceptions import InvalidInputError
from levrisk.futures import LiquidationRule
from levrisk.numbers import NumberLike, exact

__all__ = [
    "LIQUIDATION_RULE",
    "RULE",
    "VENUE",
    "XBTUSD_BASE_INITIAL_RATE",
    "XBTUSD_BASE_MAINTENANCE_RATE",
    "XBTUSD_BASE_RISK_LIMIT",
    "XBTUSD_RISK_LIMITS_SOURCE",
    "XBTUSD_RISK_STEP",
    "risk_limit_brackets",
    "risk_limit_rates",
    "risk_limit_steps",
]

VENUE: Final = "BitMEX"
"""The venue's name, as reports show it."""

LIQUIDATION_RULE: LiquidationRule = LiquidationRule(maintenance_basis="entry")
"""BitMEX: maintenance valued at entry, no close fee in the condition.

References: BitMEX, "Liquidation" and "Inverse contracts"; :ref:`rule-venues` [derived].
"""

RULE: LiquidationRule = LIQUIDATION_RULE
"""Alias of :data:`LIQUIDATION_RULE` (the name it had first, kept)."""

XBTUSD_RISK_LIMITS_SOURCE: Final = (
    'BitMEX, "Risk Limits Examples" (https://www.bitmex.com/app/riskLimitsExamples), '
    "the XBTUSD example as archived in 2019; BitMEX's current margins are on its "
    '"Risk Limits" page and change with its announcements'
)
"""Where the XBTUSD constants come from, and when."""

XBTUSD_BASE_MAINTENANCE_RATE: Final = Decimal("0.005")
"""XBTUSD's base maintenance rate in the example, 0.50%."""

XBTUSD_BASE_INITIAL_RATE: Final = Decimal("0.01")
"""XBTUSD's base initial rate in the example, 1.00%."""

XBTUSD_BASE_RISK_LIMIT: Final = Decimal(200)
"""XBTUSD's base risk limit in the example, 200 XBT of position value."""

XBTUSD_RISK_STEP: Final = Decimal(150)
"""XBTUSD's risk step in the example, 150 XBT."""

_MAX_STEPS: Final = 10**9
"""More risk steps than any contract lists: a value that needs them is an input error."""


@exact
def risk_limit_steps(
    position_value: NumberLike,
    *,
    base_risk_limit: NumberLike = XBTUSD_BASE_RISK_LIMIT,
    risk_step: NumberLike = XBTUSD_RISK_STEP,
) -> int:
    r"""How many risk steps above the base risk limit a position value needs.

    .. math::

        n = 0 \text{ for } V < B, \qquad
        n = \left\lfloor \frac{V - B}{S} \right\rfloor + 1 \text{ otherwise}

    Args:
        position_value: ``V``, the position's value (XBT for XBTUSD), ≥ 0.
        base_risk_limit: ``B`` (default XBTUSD's 200 XBT).
        risk_step: ``S`` (default XBTUSD's 150 XBT).

    Returns:
        ``n ≥ 0``.

    Raises:
        InvalidInputError: for a negative value, a non-positive limit or step, or a value
            beyond a billion steps.

    References:
        BitMEX, "Risk Limits Examples" (its table: < 200, < 350, < 500, < 650 XBT);
        :ref:`rule-venues` [published].

    Examples:
        The page's trade: 180 XBT is on the base limit, 230 XBT one step above it:

        >>> risk_limit_steps(180), risk_limit_steps(230)
        (0, 1)

    .. versionadded:: 0.2.0
    """
    value = non_negative_number(position_value, "position_value")
    base = positive_number(base_risk_limit, "base_risk_limit")
    step = positive_number(risk_step, "risk_step")
    if value < base:
        return 0
    steps = ((value - base) / step).to_integral_value(rounding=ROUND_FLOOR) + 1
    if steps > _MAX_STEPS:
        msg = f"position_value is beyond any risk limit ({steps!r} steps), got {value!r}"
        raise InvalidInputError(msg)
    return int(steps)


@exact
def risk_limit_rates(
    position_value: NumberLike,
    *,
    base_maintenance_rate: NumberLike = XBTUSD_BASE_MAINTENANCE_RATE,
    base_initial_rate: NumberLike = XBTUSD_BASE_INITIAL_RATE,
    base_risk_limit: NumberLike = XBTUSD_BASE_RISK_LIMIT,
    risk_step: NumberLike = XBTUSD_RISK_STEP,
) -> tuple[Decimal, Decimal]:
    r"""The maintenance and initial rates at a position value's risk-limit step.

    .. math::

        m = m_0 \cdot (1 + n), \qquad i = i_0 + n \cdot m_0

    Args:
        position_value: the position's value, ≥ 0.
        base_maintenance_rate: ``m_0`` (default XBTUSD's 0.50%).
        base_initial_rate: ``i_0`` (default XBTUSD's 1.00%).
        base_risk_limit: the base risk limit.
        risk_step: the risk step.

    Returns:
        ``(m, i)``, fractions of the position value.

    Raises:
        InvalidInputError: for a bad value, rate, limit or step.

    References:
        BitMEX, "Risk Limits Examples"; :ref:`rule-venues` [published].

    Examples:
        The page's trade: at 180 XBT, 0.50% (0.90 XBT) and 1.00%; at 230 XBT, 1.00%
        and 1.50%:

        >>> m, i = risk_limit_rates(180)
        >>> m, m * 180, i
        (Decimal('0.005'), Decimal('0.900'), Decimal('0.010'))
        >>> risk_limit_rates(230)
        (Decimal('0.010'), Decimal('0.015'))

    .. versionadded:: 0.2.0
    """
    n = risk_limit_steps(position_value, base_risk_limit=base_risk_limit, risk_step=risk_step)
    m0 = positive_number(base_maintenance_rate, "base_maintenance_rate")
    i0 = positive_number(base_initial_rate, "base_initial_rate")
    return m0 * (1 + n), i0 + n * m0


@exact
def risk_limit_brackets(
    position_value: NumberLike,
    *,
    base_maintenance_rate: NumberLike = XBTUSD_BASE_MAINTENANCE_RATE,
    base_initial_rate: NumberLike = XBTUSD_BASE_INITIAL_RATE,
    base_risk_limit: NumberLike = XBTUSD_BASE_RISK_LIMIT,
    risk_step: NumberLike = XBTUSD_RISK_STEP,
) -> BracketTable:
    r"""A one-bracket table at a position value's risk limit, for ``Contract(brackets=...)``.

    The bracket runs up to the risk limit ``B + n·S``, at the step's maintenance rate
    with no deduction, and allows ``1/i`` leverage — the whole position pays one rate
    (a ``maintenance="whole"`` table, :ref:`rule-tier-maintenance`).

    Args:
        position_value: the position's value, ≥ 0.
        base_maintenance_rate: ``m_0``.
        base_initial_rate: ``i_0``.
        base_risk_limit: ``B``.
        risk_step: ``S``.

    Returns:
        The one-bracket ``levrisk.brackets.BracketTable``.

    Raises:
        InvalidInputError: for a bad value, rate, limit or step.

    References:
        BitMEX, "Risk Limits Examples"; :ref:`rule-venues` [published].

    Examples:
        >>> table = risk_limit_brackets(230)
        >>> table.brackets[0].cap, table.maintenance_margin(230)
        (Decimal('350'), Decimal('2.300'))
        >>> round(table.max_leverage(230), 2)
        Decimal('66.67')

    .. versionadded:: 0.2.0
    """
    n = risk_limit_steps(position_value, base_risk_limit=base_risk_limit, risk_step=risk_step)
    m, i = risk_limit_rates(
        position_value,
        base_maintenance_rate=base_maintenance_rate,
        base_initial_rate=base_initial_rate,
        base_risk_limit=base_risk_limit,
        risk_step=risk_step,
    )
    cap = positive_number(base_risk_limit, "base_risk_limit") + n * positive_number(
        risk_step, "risk_step"
    )
    return BracketTable.from_rates(
        caps=[cap], maintenance_rates=[m], max_leverages=[1 / i], maintenance="whole"
    )
