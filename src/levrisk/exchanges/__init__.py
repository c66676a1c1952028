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
- :mod:`levrisk.exchanges.gate`, :mod:`levrisk.exchanges.bitget` — close fee at mark.
- :mod:`levrisk.exchanges.bitmex` — inverse XBTUSD, maintenance at entry.
- :mod:`levrisk.exchanges.ccxt` — ccxt's unified structures (levrisk never imports ccxt).
- :mod:`levrisk.exchanges.snapshots` — the :class:`~levrisk.exchanges.snapshots.Snapshot`
  type of the shipped tables.
"""

from __future__ import annotations

from levrisk.exchanges import binance, bitget, bitmex, bybit, ccxt, gate, okx, snapshots

__all__ = ["binance", "bitget", "bitmex", "bybit", "ccxt", "gate", "okx", "snapshots"]
