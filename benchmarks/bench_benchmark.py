"""Time the benchmarking statistics on 3,000 synthetic districts.

Funnel limits (exact binomial per unit + the plotting grid), overdispersion (φ, τ²), empirical-
Bayes shrinkage and rank intervals with 1,000 draws — the work of one regional-benchmark notebook
over every county-level division of China. Target: ≤ 1 s (statistics issue).

Wall-clock and CPU time (``time.process_time``) are both reported: on a shared machine the wall
clock mostly measures the other processes, the CPU time what this code costs. Both are medians.

Run: ``.venv/bin/python benchmarks/bench_benchmark.py [--units 3000] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd

from qualitykit.stats import benchmark as bm


def synthetic_units(k: int, seed: int = 2024) -> pd.DataFrame:
    """Districts with very different batch counts and true pass rates spread around 92 %."""
    rng = np.random.default_rng(seed)
    batches = np.maximum(1, np.round(rng.lognormal(mean=4.0, sigma=1.2, size=k))).astype(np.int64)
    true_rate = rng.beta(92 * 0.5, 8 * 0.5, size=k)  # extra-binomial variation between districts
    passed = rng.binomial(batches, true_rate)
    codes = [f"{110000 + i:06d}" for i in range(k)]
    return pd.DataFrame(
        {"region_code": pd.array(codes, dtype="string"), "batches": batches, "passed": passed}
    )


def run_once(units: pd.DataFrame, draws: int, clock=time.perf_counter) -> dict[str, float]:
    t: dict[str, float] = {}
    t0 = clock()
    bm.funnel_units(units, method="spiegelhalter", adjust="phi")
    bm.funnel_grid(units, method="spiegelhalter", adjust="phi")
    t1 = clock()
    t["funnel (exact limits, φ-adjusted, per unit + grid)"] = t1 - t0
    bm.overdispersion(units)
    t2 = clock()
    t["overdispersion (φ, τ²)"] = t2 - t1
    bm.eb_shrinkage(units)
    t3 = clock()
    t["eb_shrinkage (beta-binomial MLE)"] = t3 - t2
    bm.rank_intervals(units, draws=draws, seed=1)
    t4 = clock()
    t[f"rank_intervals ({draws} draws)"] = t4 - t3
    t["total"] = t4 - t0
    return t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    units = synthetic_units(args.units)
    run_once(units.head(50), 10)  # warm-up (imports, scipy first calls)
    wall = [run_once(units, args.draws) for _ in range(args.repeat)]
    cpu = [run_once(units, args.draws, time.process_time) for _ in range(args.repeat)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"qualitykit.stats.benchmark on {args.units:,} districts, median of {args.repeat} runs "
        f"({os.cpu_count()} CPUs, load average {load:.1f} at the start):"
    )
    print(f"  {'':<55s} {'wall':>9s} {'CPU':>9s}")
    for key in wall[0]:
        w = statistics.median(r[key] for r in wall)
        c = statistics.median(r[key] for r in cpu)
        print(f"  {key:<55s} {w * 1000:6.1f} ms {c * 1000:6.1f} ms")
    total_w = statistics.median(r["total"] for r in wall)
    total_c = statistics.median(r["total"] for r in cpu)
    verdict = "met" if total_w <= 1.0 else "NOT met"
    print(f"  target ≤ 1 s (wall): {verdict} ({total_w:.2f} s wall, {total_c:.2f} s CPU)")


if __name__ == "__main__":
    main()
