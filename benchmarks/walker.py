"""Benchmark of the bar walker (issue 18): positions × bars per second, kernel against a loop.

Prints, in one run, for each of three cases, the throughput of the compiled Numba kernel,
of the NumPy path (a loop over bars vectorised over positions) and of the per-bar Python
loop (the same kernel uncompiled, on a sample of positions), and the ratios to the loop:

1. ``shared``: P positions over B bars of one random-walk series, funding every 8th bar,
   stops and take-profits on half the positions;
2. ``per position``: a random-walk series per position (``--grid-positions`` ×
   ``--grid-bars``, bars shaped (positions, bars)), NaN-padded heads and random start
   offsets, the same funding and levels;
3. ``spot margin``: the per-position series walked by spot-margin positions
   (``walk_margin_bars``) whose loans accrue hourly interest.

Throughput counts the position-bars actually walked (from a position's start to its
event or the last bar), measured once and printed.

Run: ``python benchmarks/walker.py`` (``--positions 10000 --bars 5000`` by default). On
a shared machine, run it when ``uptime`` shows a low load; each figure is the best of
``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from levrisk.batch import _walker
from levrisk.batch._walker import WalkArrays, walk_bars, walk_margin_bars
from levrisk.exchanges.binance import BTCUSDT_CONTRACT


def _best(run: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` timed runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _series(rng: np.random.Generator, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Random-walk bars along the last axis: open, high, low."""
    opens = 60_000 * np.exp(np.cumsum(rng.normal(0, 0.002, shape), axis=-1))
    high = opens * (1 + rng.uniform(0, 0.004, shape))
    low = opens * (1 - rng.uniform(0, 0.004, shape))
    return {"open": opens, "high": high, "low": low}


def _positions(rng: np.random.Generator, p: int, entry: np.ndarray) -> dict[str, np.ndarray]:
    """Random futures positions entered at ``entry``, stops and targets on half of them."""
    side = rng.choice([-1, 1], p)
    size = rng.uniform(0.01, 2.0, p)
    return {
        "side": side,
        "size": size,
        "entry_price": entry,
        "margin": size * entry / rng.uniform(2, 20, p),
        "stop": np.where(rng.uniform(size=p) < 0.5, entry * (1 - side * 0.2), np.nan),
        "take_profit": np.where(rng.uniform(size=p) < 0.5, entry * (1 + side * 0.3), np.nan),
    }


def _case(
    name: str,
    walker: Callable[..., WalkArrays],
    inputs: dict[str, Any],
    per_position: tuple[str, ...],
    args: argparse.Namespace,
) -> None:
    """Time the three engines on ``inputs``; print throughputs and ratios to the loop."""
    p = len(inputs["side"])
    b = inputs["open"].shape[-1]

    def run(engine: str, rows: slice) -> Callable[[], WalkArrays]:
        part = {
            key: value[rows] if key in per_position and np.ndim(value) > 0 else value
            for key, value in inputs.items()
        }
        return lambda: walker(**part, engine=engine)

    def walked(rows: slice) -> int:
        """Position-bars actually walked (from its start to its event or the last bar)."""
        result = run("numpy", rows)()
        first = inputs.get("start", np.zeros(p, dtype=np.int64))[rows]
        return int((np.where(result.bar >= 0, result.bar + 1, b) - first).sum())

    every, sample = slice(None), slice(0, args.sample)
    work, work_sample = walked(every), walked(sample)
    print(f"{name}: {p:,} positions × {b:,} bars; walked {work:,} of {p * b:,} position-bars")
    rates: dict[str, float] = {}
    if _walker.AVAILABLE:
        run("numba", sample)()  # compile (or load the cache) outside the timing
        rates["numba kernel"] = work / _best(run("numba", every), args.repeat)
    rates["numpy path"] = work / _best(run("numpy", every), args.repeat)
    rates["python loop (per bar)"] = work_sample / _best(run("python", sample), 1)
    loop = rates["python loop (per bar)"]
    for engine, rate in rates.items():
        print(f"  {engine:24s} {rate:14,.0f} position-bars/s   ×{rate / loop:,.1f} the loop")


def main() -> None:
    """Build the data, time each engine on each case, print throughputs and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--bars", type=int, default=5_000)
    parser.add_argument("--grid-positions", type=int, default=2_000)
    parser.add_argument("--grid-bars", type=int, default=2_000)
    parser.add_argument("--sample", type=int, default=200, help="positions for the Python loop")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(18)
    print(f"levrisk bar walker; {platform.python_implementation()} {platform.python_version()}")
    fields = ("side", "size", "entry_price", "margin", "stop", "take_profit")

    p, b = args.positions, args.bars
    bars = _series(rng, (b,))
    shared = {
        **_positions(rng, p, np.full(p, bars["open"][0])),
        **bars,
        "funding": np.where(np.arange(b) % 8 == 0, rng.normal(0.0001, 0.0002, b), 0.0),
        "brackets": BTCUSDT_CONTRACT.brackets,
    }
    _case("shared series", walk_bars, shared, fields, args)

    p, b = args.grid_positions, args.grid_bars
    grid = _series(rng, (p, b))
    start = rng.integers(0, b // 4, p)
    head = rng.integers(0, b // 8, p)
    for values in grid.values():
        values[np.arange(b) < head[:, None]] = np.nan
    start = np.maximum(start, head)
    entry = grid["open"][np.arange(p), start]
    funding = np.where(np.arange(b) % 8 == 0, rng.normal(0.0001, 0.0002, (p, b)), 0.0)
    per = (*fields, "open", "high", "low", "funding", "start")
    own = {**_positions(rng, p, entry), **grid, "funding": funding, "start": start}
    _case(
        "series per position", walk_bars, {**own, "brackets": BTCUSDT_CONTRACT.brackets}, per, args
    )

    side = own["side"]
    q = own["size"]
    spot = {
        "side": side,
        "base_balance": np.where(side > 0, q, 0.0),
        "quote_balance": np.where(side > 0, 0.0, q * entry * 1.3),
        "principal": np.where(side > 0, q * entry * 0.7, q),
        "liquidation_level": 1.1,
        "stop": own["stop"],
        "take_profit": own["take_profit"],
        **grid,
        "accrued": np.cumsum(np.full((p, b), 0.00002), axis=1),
        "start": start,
    }
    spot_rows: tuple[str, ...] = ("side", "base_balance", "quote_balance", "principal")
    spot_rows += ("stop", "take_profit", "open", "high", "low", "accrued", "start")
    _case("spot margin, series per position", walk_margin_bars, spot, spot_rows, args)


if __name__ == "__main__":
    main()
