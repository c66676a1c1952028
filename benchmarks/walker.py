"""Benchmark of the bar walker (issue 18): positions × bars per second, kernel against a loop.

Prints, in one run on the same data (P positions over B bars of one random-walk series,
with funding every 8th bar and stops and take-profits on half the positions): the
throughput of the compiled Numba kernel, of the NumPy path (a loop over bars vectorised
over positions) and of the per-bar Python loop (the same kernel uncompiled, on a sample
of positions), and the ratios. Throughput counts the position-bars actually walked (a
position stops at its event), measured once and printed.

Run: ``python benchmarks/walker.py`` (``--positions 10000 --bars 5000`` by default). On
a shared machine, run it when ``uptime`` shows a low load; each figure is the best of
``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np

from levrisk.batch import _walker
from levrisk.batch._walker import WalkArrays, walk_bars
from levrisk.exchanges.binance import BTCUSDT_CONTRACT


def _best(run: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` timed runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Build the data, time each engine, print throughputs and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--bars", type=int, default=5_000)
    parser.add_argument("--sample", type=int, default=200, help="positions for the Python loop")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(18)
    p, b = args.positions, args.bars
    opens = 60_000 * np.exp(np.cumsum(rng.normal(0, 0.002, b)))
    high = opens * (1 + rng.uniform(0, 0.004, b))
    low = opens * (1 - rng.uniform(0, 0.004, b))
    funding = np.where(np.arange(b) % 8 == 0, rng.normal(0.0001, 0.0002, b), 0.0)
    side = rng.choice([-1, 1], p)
    size = rng.uniform(0.01, 2.0, p)
    entry = np.full(p, opens[0])
    margin = size * entry / rng.uniform(2, 20, p)
    stop = np.where(rng.uniform(size=p) < 0.5, entry * (1 - side * 0.2), np.nan)
    take_profit = np.where(rng.uniform(size=p) < 0.5, entry * (1 + side * 0.3), np.nan)

    def walked(rows: slice) -> int:
        """Position-bars actually walked (a position stops at its event)."""
        result = run("numpy", rows)()
        return int(np.where(result.bar >= 0, result.bar + 1, b).sum())

    def run(engine: str, rows: slice) -> Callable[[], WalkArrays]:
        def call() -> WalkArrays:
            return walk_bars(
                side=side[rows],
                size=size[rows],
                entry_price=entry[rows],
                margin=margin[rows],
                brackets=BTCUSDT_CONTRACT.brackets,
                open=opens,
                high=high,
                low=low,
                stop=stop[rows],
                take_profit=take_profit[rows],
                funding=funding,
                engine=engine,  # type: ignore[arg-type]
            )

        return call

    print(f"levrisk bar walker: {p} positions × {b} bars; {platform.python_implementation()}")
    every = slice(None)
    sample = slice(0, args.sample)
    rates: dict[str, float] = {}
    work, work_sample = walked(every), walked(sample)
    print(f"  position-bars walked: {work:,} of {p * b:,} (positions stop at their event)")
    if _walker.AVAILABLE:
        run("numba", sample)()  # compile (or load the cache) outside the timing
        rates["numba kernel"] = work / _best(run("numba", every), args.repeat)
    rates["numpy path"] = work / _best(run("numpy", every), args.repeat)
    rates["python loop (per bar)"] = work_sample / _best(run("python", sample), 1)
    loop = rates["python loop (per bar)"]
    for name, rate in rates.items():
        print(f"  {name:24s} {rate:14,.0f} position-bars/s   ×{rate / loop:,.1f} the loop")


if __name__ == "__main__":
    main()
