"""Exchange presets and payload parsers, one module per venue.

Each ``levrisk.exchanges.<venue>`` module holds what is specific to one exchange as
*data*: rule presets for the generic solvers of ``levrisk.futures`` and
``levrisk.margin``, dated bracket snapshots, and parsers that turn the exchange's own API
payloads (decoded JSON passed in by the caller — levrisk does no I/O) into levrisk's value
objects. No venue module contains its own liquidation algebra.

- :mod:`levrisk.exchanges.binance` — USDⓈ-M and COIN-M rules, brackets, snapshots,
  ``positionRisk`` positions, isolated margin tiers.
- :mod:`levrisk.exchanges.bybit` — classic (entry basis) and unified (mark basis) rules,
  fee to close at the bankruptcy price, risk-limit tiers (percent or fraction).
- :mod:`levrisk.exchanges.okx` — close fee at mark, OKX's own margin ratio, position
  tiers counted in contracts.
- :mod:`levrisk.exchanges.gate` — close fee at mark, futures positions.
- :mod:`levrisk.exchanges.bitget` — close fee at mark, position tiers.
- :mod:`levrisk.exchanges.bitmex` — inverse XBTUSD, maintenance at entry, risk-limit steps.
- :mod:`levrisk.exchanges.hyperliquid` — maintenance at half the initial margin at the
  maximum leverage, margin tiers, hourly funding, ``meta`` and ``clearinghouseState``.
- :mod:`levrisk.exchanges.kraken` — spot margin fees: the opening fee and the rollover
  fee per 4 hours (no futures rule, so it is not in :data:`VENUES`).
- :mod:`levrisk.exchanges.ccxt` — ccxt's unified structures (levrisk never imports ccxt).
- :mod:`levrisk.exchanges.snapshots` — the :class:`~levrisk.exchanges.snapshots.Snapshot`
  type of the shipped tables and the
  :class:`~levrisk.exchanges.snapshots.ContractPreset` of a contract over one.

**Every venue module has the same shape** (:data:`VENUES` lists them):

- ``VENUE``: the venue's name, as reports show it;
- its liquidation rule(s) for ``levrisk.futures``: ``LIQUIDATION_RULE`` where the venue
  has one fixed rule (Binance, BitMEX, Hyperliquid), ``<ACCOUNT>_RULE`` where it has one per account
  type (Bybit ``CLASSIC_RULE`` and ``UNIFIED_RULE``), and ``liquidation_rule(fee_rate=)``
  where the rule carries the taker fee (Bybit classic, OKX, Gate, Bitget). Older names
  stay as aliases of these: ``binance.USDM_RULE`` and ``binance.COINM_RULE`` (of
  ``binance.LIQUIDATION_RULE``), ``bitmex.RULE`` (of ``bitmex.LIQUIDATION_RULE``) and
  ``bybit.classic_rule`` (of ``bybit.liquidation_rule``);
- ``INTEREST_COUNTING`` where the venue lends (Binance, Bybit, OKX);
- its shipped presets where it has any (Binance: ``CONTRACTS``, ``MARGIN_ACCOUNTS``,
  thresholds, fee constants, snapshots);
- its tier and payload parsers, ``*_from_payload``;
- its **reported-figure** rules ``reported_*`` (the exchange's decimals, tick and rounding
  applied to levrisk's exact figure, which stays the default) and, where its position
  payloads are parsed, ``reconcile``.

Row-by-row parsers return a :class:`Parsed` (the good rows plus one :class:`RowError` per
bad row; ``strict=True`` raises) — Binance's rows are its ``PositionRisk``, Bybit's,
OKX's, Gate's and ccxt's a :class:`ReportedPosition` (a ``MarginMode`` tells isolated
from cross); ``reconcile`` returns a :class:`Reconciliation` of
:class:`FieldCheck` values, each with the most likely reason of a disagreement (a
``Reason``: ``"missing account-level input"``, ``"tick display"``, ``"stale tier table"``,
``"fee rate"`` or ``"mark vs last price"``).
"""

from __future__ import annotations

from typing import Final, TypeAlias

from levrisk._typing import publish
from levrisk.exchanges import (
    _positions,
    binance,
    bitget,
    bitmex,
    bybit,
    ccxt,
    gate,
    hyperliquid,
    kraken,
    okx,
    snapshots,
)
from levrisk.exchanges._positions import ReportedPosition
from levrisk.exchanges._reconcile import FieldCheck, Reason, Reconciliation
from levrisk.exchanges._rows import Parsed, RowError

__all__ = [
    "VENUES",
    "FieldCheck",
    "MarginMode",
    "Parsed",
    "Reason",
    "Reconciliation",
    "ReportedPosition",
    "RowError",
    "binance",
    "bitget",
    "bitmex",
    "bybit",
    "ccxt",
    "gate",
    "hyperliquid",
    "kraken",
    "okx",
    "snapshots",
]

publish(
    __name__, globals(), ["FieldCheck", "Parsed", "Reconciliation", "ReportedPosition", "RowError"]
)

VENUES: Final = (binance, bitget, bitmex, bybit, gate, hyperliquid, okx)
"""The venue modules, each of the shape described above."""

MarginMode: TypeAlias = _positions.MarginMode
"""How a :class:`ReportedPosition` is margined: ``"isolated"`` (on its own margin) or
``"cross"`` (on the account's cross wallet)."""
