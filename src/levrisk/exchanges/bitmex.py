r"""BitMEX: inverse perpetuals (XBTUSD) with maintenance valued at entry — a rule preset.

XBTUSD is an inverse contract: size ``N`` in USD (one contract is 1 USD), PnL paid in
XBT, ``s·N·(1/EP − 1/P)``. BitMEX fixes the maintenance margin at the position's entry
value, ``m·N/EP`` XBT, so the liquidation condition is linear in ``1/P`` and needs no
bracket iteration:

.. math::

    M + s \cdot N \cdot \left(\frac{1}{EP} - \frac{1}{P}\right) = m \cdot \frac{N}{EP} - D

Build the contract as ``Contract(symbol="XBTUSD", kind="inverse", contract_size=1,
brackets=...)`` with BitMEX's risk-limit table in XBT, and solve with
:data:`LIQUIDATION_RULE`. The algebra lives in ``levrisk.futures``; this module holds the
venue's name and its rule.

Sources: BitMEX, "Liquidation" and "Inverse contracts".
"""

from __future__ import annotations

from typing import Final

from levrisk.futures import LiquidationRule

__all__ = ["LIQUIDATION_RULE", "RULE", "VENUE"]

VENUE: Final = "BitMEX"
"""The venue's name, as reports show it."""

LIQUIDATION_RULE: LiquidationRule = LiquidationRule(maintenance_basis="entry")
"""BitMEX: maintenance valued at entry, no close fee in the condition.

References: BitMEX, "Liquidation" and "Inverse contracts"; :ref:`rule-venues` [derived].
"""

RULE: LiquidationRule = LIQUIDATION_RULE
"""Alias of :data:`LIQUIDATION_RULE` (the name it had first, kept)."""
