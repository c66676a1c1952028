"""levrisk: exact, typed risk figures for leveraged crypto trading.

Borrowed amounts, PnL after fees and interest, interest accrual, margin level and margin
ratio, and liquidation prices for spot margin and perpetual futures (linear and
inverse), isolated and cross, one-way and hedge, in exact :class:`~decimal.Decimal`
arithmetic. The API lives in the submodules (``levrisk.numbers``, ``levrisk.brackets``,
...); this package only carries the version, read from the installed metadata when it is
first asked for (importing levrisk reads no metadata).
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """Serve ``__version__`` lazily from the installed distribution's metadata."""
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 - only when asked

        return version("levrisk")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    """The public names, ``__version__`` included."""
    return sorted({*globals(), "__version__"} - {"annotations"})
