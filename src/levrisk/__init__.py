"""levrisk: exact, typed risk figures for leveraged crypto trading.

Borrowed amounts, PnL after fees and interest, interest accrual, margin level and margin
ratio, and liquidation prices for spot margin and perpetual futures (linear and
inverse), isolated and cross, one-way and hedge, in exact :class:`~decimal.Decimal`
arithmetic. The API lives in the submodules (``levrisk.numbers``, ``levrisk.brackets``,
...); this package only carries the version.
"""

from __future__ import annotations

from importlib.metadata import version as _version

__all__ = ["__version__"]

__version__: str = _version("levrisk")
