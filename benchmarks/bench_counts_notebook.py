"""Benchmark: a counts table of 3,000 units × 10 years through notebook 03 (issue 10: ≤ 5 s).

    python benchmarks/bench_counts_notebook.py [--units 3000] [--years 10] [--keep]
                                               [--profile] [--only-in-process]

1. Writes the table to ``benchmarks/_scratch/counts_3000x10.csv`` (git-ignored) as a researcher
   would have it — Chinese headers 地区代码, 年份, 抽查级别, 抽查批次, 合格批次 — with real GB/T 2260
   codes (every county-level division of the mainland, then cities up to ``--units``) and
   made-up counts (seed 1; 20–400 batches, ~8 % nonconforming).
2. Runs ``notebooks/03_regional_benchmark.ipynb`` on it for all of China with every county-level
   unit compared (``region_code=000000``, ``unit_level=county``, 2015–2024):

   a. ``papermill.execute_notebook`` in a fresh kernel, as a user's single run: wall time (kernel
      start-up and imports included) and the notebook's own cell time (the sum of papermill's
      per-cell durations);
   b. the batch runner (``qualitykit run``, one worker, warm kernel) on three parameter sets
      (``k_pp`` 1, 2, 3): the first pays the kernel start and the data read, the others are what
      each further report costs;
   c. the notebook's code (its percent script) in this process, three times: the first imports
      and opens the data; the second is one report's own work — the per-process result caches
      (the comparison's simulations and fits, the funnel's drawn layer) emptied first; the
      third, with another ``k_pp``, is a further report of a batch on the same units (caches
      kept). Wall and CPU time of the second and third — CPU time is what a quiet machine's
      wall time would be, since the notebook runs on one core. ``--profile`` prints cProfile's
      top functions of the second run.

Prints the load average before and after: on the shared 2-core machine the numbers are
indicative only.

Measured 2026-12-07 (issue 10 target ≤ 5 s), main 35ceab7 against branch nb03 on the shared
2-core VM (three other engineers' jobs and a test suite running): wall times are inflated 2–5×,
compare the CPU rows; one or two runs each, so ±15 %. The notebook's figures
(and 13 variants: highlighted units, the 浙江 fixtures) are byte-identical PNGs before and after,
the comparison tables equal.

Session 1 (08:08–08:18 UTC, load 5–10; (b) measured before the comparison cache) and
session 2 (08:53–08:57 UTC, final code, load 10–12), main then nb03 back to back each time:

==========================================  =========================  =========================
                                            main 35ceab7               nb03
==========================================  =========================  =========================
(a) fresh papermill kernel, wall  (1)       27.4 s, cells 22.2 s       16.0 s, cells 12.7 s
                                  (2)       25.1 s, cells 19.2 s       19.7 s, cells 14.8 s
(b) warm runner, further reports, wall (1)  5.6 s, 5.3 s               3.6 s, 3.1 s
                                       (2)  6.1 s, 8.6 s               4.9 s, 2.9 s
(c) one report, caches emptied, CPU (1)     2.17 s, 2.18 s             2.09 s, 1.64 s
                                    (2)     2.34 s                     2.01 s
(c) further report, same units, CPU (1)     2.09 s, 1.96 s             1.15 s, 0.84 s
                                    (2)     2.20 s                     1.12 s
==========================================  =========================  =========================

Where the CPU of one report goes now (cProfile under load, so rough): the comparison (rank-interval
draws ≈ 0.3 s, shrinkage fit ≈ 0.2 s, funnel limits ≈ 0.1 s), the five CSV tables ≈ 0.2 s, the
map ≈ 0.3 s (3,000 polygons), the two caterpillars ≈ 0.15 s each, the funnel ≈ 0.2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRATCH = HERE / "_scratch"
NOTEBOOK = HERE.parent / "notebooks" / "03_regional_benchmark.ipynb"


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # Windows
        return "n/a"


def write_table(path: Path, n_units: int, n_years: int) -> int:
    """The counts table (rows written)."""
    import numpy as np

    from qualitykit.data import regions

    r = regions.regions()
    codes = regions.counties()["region_code"].astype(str).tolist()
    cities = r.loc[r["level"] == "city", "region_code"].astype(str).tolist()
    codes += [c for c in cities if c not in set(codes)][: max(0, n_units - len(codes))]
    codes = codes[:n_units]
    rng = np.random.default_rng(1)
    lines = ["地区代码,年份,抽查级别,抽查批次,合格批次"]
    for c in codes:
        for y in range(2025 - n_years, 2025):
            b = int(rng.integers(20, 400))
            p = int(b - rng.binomial(b, 0.08))
            lines.append(f"{c},{y},省级,{b},{p}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="keep benchmarks/_scratch")
    ap.add_argument("--profile", action="store_true", help="cProfile the in-process report")
    ap.add_argument(
        "--only-in-process", action="store_true", help="skip (a) and (b): papermill and the runner"
    )
    args = ap.parse_args(argv)
    print(f"load average before: {_load()}")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    table = SCRATCH / f"counts_{args.units}x{args.years}.csv"
    rows = write_table(table, args.units, args.years)
    print(f"table: {rows:,} rows ({args.units:,} units × {args.years} years) → {table}")
    params = {
        "data_source": str(table),
        "region_code": "000000",
        "unit_level": "county",
        "year_from": 2025 - args.years,
        "year_to": 2024,
    }
    with tempfile.TemporaryDirectory() as tmp:
        if not args.only_in_process:
            _papermill_and_runner(params, Path(tmp))
    (wall, cpu), (wall3, cpu3) = _in_process(params, profile=args.profile)
    print(
        f"(c) the notebook's code in this process: one report {wall:.1f} s wall, {cpu:.2f} s CPU "
        f"(result caches emptied); a further report on the same units (k_pp 3) {wall3:.1f} s "
        f"wall, {cpu3:.2f} s CPU"
    )
    print(f"load average after: {_load()}")
    if not args.keep:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    return 0


def _papermill_and_runner(params: dict, tmp: Path) -> None:
    """(a) and (b)."""
    import nbformat
    import papermill as pm

    from qualitykit import run as batch

    out = Path(tmp) / "03.ipynb"
    t = time.perf_counter()
    pm.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={**params, "output_dir": str(Path(tmp) / "tables")},
        kernel_name="python3",
        progress_bar=False,
        cwd=tmp,
    )
    wall = time.perf_counter() - t
    nb = nbformat.read(str(out), as_version=4)
    cells = sum(float(c.metadata.get("papermill", {}).get("duration") or 0) for c in nb.cells)
    units = (Path(tmp) / "tables" / "units.csv").read_text(encoding="utf-8").count("\n") - 1
    print(
        f"(a) papermill, fresh kernel: {wall:.1f} s wall (kernel start-up and imports "
        f"included); the notebook's cells {cells:.1f} s; {units:,} units compared"
    )
    sets = [{**params, "k_pp": k} for k in (1.0, 2.0, 3.0)]
    opts = batch.RunOptions(workers=1, html=False, progress=False, timeout=600)
    result = batch.run_batch(NOTEBOOK, sets, Path(tmp) / "run", opts)
    durations = [t["duration_s"] for t in result.manifest["tasks"]]
    status = {t["status"] for t in result.manifest["tasks"]}
    print(
        "(b) batch runner, one warm kernel, 3 reports: "
        + ", ".join(f"{d:.1f} s" for d in durations)
        + f" (first: kernel start-up and data read; status {sorted(status)})"
    )


def _in_process(
    params: dict, *, profile: bool = False
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Wall and CPU time of the notebook's code (percent script, parameters cell overridden):
    the second of three runs (result caches emptied first) and the third (k_pp 3, caches
    kept)."""
    import contextlib
    import cProfile
    import io
    import pstats
    import re
    import warnings

    import matplotlib

    from qualitykit.report import comparison
    from qualitykit.report.figures import layers

    matplotlib.use("Agg")
    script = NOTEBOOK.with_suffix(".py").read_text(encoding="utf-8")
    cells = re.split(r"^# %%.*$", script, flags=re.M)
    times: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for run in range(3):
            if run == 1:
                comparison.clear_cache()
                layers.clear_cache()
            g: dict = {}
            prof = cProfile.Profile() if profile and run == 1 else None
            wall, cpu = time.perf_counter(), time.process_time()
            if prof:
                prof.enable()
            with contextlib.redirect_stdout(io.StringIO()):
                for i, cell in enumerate(cells):
                    exec(compile(cell, f"cell{i}", "exec"), g)
                    if "region_code: str" in cell:  # the parameters cell
                        g.update(params, output_dir=tmp)
                        if run == 2:
                            g.update(k_pp=3.0)
            if prof:
                prof.disable()
            times.append((time.perf_counter() - wall, time.process_time() - cpu))
            if prof:
                pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    return times[1], times[2]


if __name__ == "__main__":
    sys.exit(main())
