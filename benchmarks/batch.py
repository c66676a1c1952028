"""Benchmark of levrisk.batch's isolated liquidation price (issue: batch path).

Prints, in one run on the same data: positions per second of the batch isolated
liquidation price over N positions (default 10 million) with a 10-bracket table, for
the compiled Numba kernel and for the portable array-API path on NumPy; a per-position
pure-Python float loop and the scalar ``Decimal`` path (each on a sample, extrapolated);
the throughput of a plain NumPy copy of the same input and output bytes (the
memory-bandwidth roofline); the ratios; and the peak memory of each batch call against
the input arrays' size (tracemalloc).

Run: ``python benchmarks/batch.py`` (or ``--n 1000000`` to run smaller).
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np

from levrisk import futures
from levrisk.batch import BracketArrays, _kernel, isolated_liquidation_price
from levrisk.brackets import BracketTable

TABLE = BracketTable.from_rates(
    caps=[
        50_000,
        500_000,
        8_000_000,
        50_000_000,
        80_000_000,
        100_000_000,
        200_000_000,
        400_000_000,
        600_000_000,
        1_000_000_000,
    ],
    maintenance_rates=[
        "0.004",
        "0.005",
        "0.01",
        "0.02",
        "0.025",
        "0.05",
        "0.1",
        "0.125",
        "0.15",
        "0.25",
    ],
    max_leverages=[125, 100, 50, 20, 10, 5, 4, 3, 2, 1],
)


def _data(n: int, seed: int) -> dict[str, np.ndarray[Any, Any]]:
    rng = np.random.default_rng(seed)
    side = rng.choice(np.array([1, -1], dtype=np.int8), n)
    size = rng.uniform(0.001, 50.0, n)
    entry = rng.uniform(1_000.0, 100_000.0, n)
    leverage = rng.uniform(1.0, 100.0, n)
    margin = size * entry / leverage
    return {"side": side, "size": size, "entry_price": entry, "margin": margin}


def _best(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def _peak(func: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before


def _roofline(nbytes: int) -> float:
    """Seconds for a plain NumPy copy of ``nbytes`` (best of 5)."""
    src = np.ones(nbytes, dtype=np.uint8)
    dst = np.empty_like(src)
    return _best(lambda: np.copyto(dst, src), 5)


def _float_loop(
    side: list[int], size: list[float], entry: list[float], margin: list[float]
) -> list[float]:
    """What a peer does: one position at a time, Python floats, bracket iteration."""
    caps = [float(b.cap) for b in TABLE.brackets]
    rates = [float(b.maintenance_rate) for b in TABLE.brackets]
    amounts = [float(b.maintenance_amount) for b in TABLE.brackets]
    out = []
    for s, q, e, m in zip(side, size, entry, margin, strict=True):
        k = 0
        while k < len(caps) and caps[k] < q * e:
            k += 1
        price = math.nan
        for _ in range(len(caps)):
            price = (s * q * e - m - amounts[k]) / (q * (s - rates[k]))
            n_lp = q * price
            j = 0
            while j < len(caps) - 1 and caps[j] < n_lp:
                j += 1
            if j == k:
                break
            k = j
        out.append(price if price > 0 else math.nan)
    return out


def _decimal_path(
    side: list[int], size: list[float], entry: list[float], margin: list[float]
) -> list[Decimal | None]:
    """The scalar Decimal path: ``levrisk.futures.isolated_liquidation_price``, per position."""
    contract = futures.Contract(symbol="BTCUSDT", kind="linear", brackets=TABLE)
    results: list[Decimal | None] = []
    for s, q, e, m in zip(side, size, entry, margin, strict=True):
        position = futures.Position(
            contract=contract,
            side="long" if s > 0 else "short",
            size=q,
            entry_price=e,
            leverage=1,
        )
        results.append(futures.isolated_liquidation_price(position, margin=m))
    return results


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="positions (default 10M)")
    parser.add_argument("--float-sample", type=int, default=100_000)
    parser.add_argument("--decimal-sample", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    n = args.n
    data = _data(n, args.seed)
    brackets = BracketArrays.from_table(TABLE)
    in_bytes = sum(a.nbytes for a in data.values())
    out_bytes = 8 * n

    copy_s = _roofline(in_bytes + out_bytes)

    def run(engine: str, out: np.ndarray[Any, Any] | None = None) -> object:
        return isolated_liquidation_price(**data, brackets=brackets, engine=engine, out=out)  # type: ignore[arg-type]

    rows: list[tuple[str, float]] = []
    peaks: dict[str, int] = {}
    if _kernel.AVAILABLE:
        small = {k: v[:1000] for k, v in data.items()}
        isolated_liquidation_price(**small, brackets=brackets, engine="numba")  # JIT warm-up
        buffer = np.empty(n)
        numba_s = _best(lambda: run("numba", buffer), 5)
        rows.append(("batch, Numba kernel, out= buffer", n / numba_s))
        fresh_s = _best(lambda: run("numba"), 5)
        rows.append(("batch, Numba kernel, new output array", n / fresh_s))
        peaks["Numba kernel (new output array)"] = _peak(lambda: run("numba"))
    array_s = _best(lambda: run("array_api"), 3)
    rows.append(("batch, array-API path on NumPy", n / array_s))
    peaks["array-API path"] = _peak(lambda: run("array_api"))

    lists = {k: v[: args.float_sample].tolist() for k, v in data.items()}
    float_s = _best(
        lambda: _float_loop(lists["side"], lists["size"], lists["entry_price"], lists["margin"]),
        3,
    )
    float_rate = args.float_sample / float_s
    rows.append((f"pure-Python float loop (sample {args.float_sample:,})", float_rate))

    dec = {k: v[: args.decimal_sample].tolist() for k, v in data.items()}
    dec_s = _best(
        lambda: _decimal_path(dec["side"], dec["size"], dec["entry_price"], dec["margin"]), 1
    )
    rows.append(
        (f"scalar Decimal path (sample {args.decimal_sample:,})", args.decimal_sample / dec_s)
    )

    roofline = n / copy_s
    rows.append(("roofline: NumPy copy of the same bytes", roofline))

    _report(
        n=n,
        fresh_rate=n / fresh_s if _kernel.AVAILABLE else None,
        in_bytes=in_bytes,
        out_bytes=out_bytes,
        rows=rows,
        roofline=roofline,
        float_rate=float_rate,
        array_rate=n / array_s,
        decimal_rate=args.decimal_sample / dec_s,
        peaks=peaks,
    )


def _report(
    *,
    n: int,
    fresh_rate: float | None,
    in_bytes: int,
    out_bytes: int,
    rows: list[tuple[str, float]],
    roofline: float,
    float_rate: float,
    array_rate: float,
    decimal_rate: float,
    peaks: dict[str, int],
) -> None:
    """Print the throughput table and the ratios."""
    print(f"levrisk.batch isolated liquidation price: {n:,} positions, 10-bracket table")
    print(f"{platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}")
    print(
        f"input {in_bytes / 2**20:,.0f} MiB (side int8, size/entry/margin float64), "
        f"output {out_bytes / 2**20:,.0f} MiB"
    )
    print()
    print(f"| {'implementation':<44} | {'positions/s':>14} |")
    print(f"|{'-' * 46}|{'-' * 15}:|")
    for name, rate in rows:
        print(f"| {name:<44} | {rate:>14,.0f} |")
    print()
    fast_rate = rows[0][1]
    print(f"| {'ratio':<52} | {'value':>8} | {'target':>7} |")
    print(f"|{'-' * 54}|{'-' * 9}:|{'-' * 8}:|")
    fast = "Numba kernel (out=)" if fresh_rate is not None else "array-API path"
    ratios = [
        (f"{fast} / roofline", f"{fast_rate / roofline:.0%}", ">= 50%"),
        (f"{fast} / float loop", f"{fast_rate / float_rate:,.0f}x", ">= 30x"),
    ]
    if fresh_rate is not None:
        ratios += [
            ("Numba kernel (new output array) / roofline", f"{fresh_rate / roofline:.0%}", ""),
            (
                "Numba kernel (new output array) / float loop",
                f"{fresh_rate / float_rate:,.0f}x",
                "",
            ),
        ]
    ratios += [
        ("array-API path / roofline", f"{array_rate / roofline:.0%}", ""),
        ("array-API path / float loop", f"{array_rate / float_rate:,.0f}x", ""),
        (f"{fast} / Decimal path", f"{fast_rate / decimal_rate:,.0f}x", ""),
    ]
    ratios += [
        (f"peak memory / input, {name}", f"{peak / in_bytes:.2f}x", "<= 3x")
        for name, peak in peaks.items()
    ]
    for name, value, target in ratios:
        print(f"| {name:<52} | {value:>8} | {target:>7} |")


if __name__ == "__main__":
    main()
