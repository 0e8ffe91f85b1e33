"""Compute time of ``notebooks/05_district_report`` per district, in a warm interpreter.

Runs the notebook's code cells (the parameters cell replaced by the parameters of each district)
in one IPython shell with the inline backend, so figures are rendered to PNG exactly as in a
kernel; the shared context is prepared once first (``qualitykit.report.district.prepare``), as a batch
run does. Kernel start-up, papermill and HTML rendering are not included (see the batch
runner's manifest for the end-to-end time per report).

The shell is in the state of a batch run's warm kernel (``--state kernel``, the default): the
kernel's own start-up and per-notebook code runs in it (:func:`qualitykit.run._warm.baseline`
before the first district — the scientific stack imported and frozen out of the garbage
collector's sight, IPython's input transformations and compiled statements remembered — and
:func:`qualitykit.run._warm.reset` before each). ``--state plain`` runs the cells in a plain
IPython shell instead (every cell transformed and compiled anew, every object in the collector's
generations, nothing reset between districts).

    python benchmarks/bench_district_report.py [--within 330000] [--limit N] [--data-source S]
                                                [--state kernel|plain]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_district_report.ipynb"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--within", default="330000", help="province or city (default 330000 浙江省)")
    p.add_argument("--limit", type=int, default=None, help="only the first N districts")
    p.add_argument("--data-source", default="", help="data_source parameter (default the sample)")
    p.add_argument(
        "--cells", action="store_true", help="also the median CPU time of each code cell"
    )
    p.add_argument(
        "--profile",
        metavar="FILE",
        default=None,
        help="write a cProfile of the districts' cells (warm-up excluded) to FILE",
    )
    p.add_argument(
        "--state",
        choices=("kernel", "plain"),
        default="kernel",
        help="the shell's state: a batch run's warm kernel (default) or a plain IPython shell",
    )
    args = p.parse_args(argv)

    from IPython.core.interactiveshell import InteractiveShell

    from qualitykit.data import regions
    from qualitykit.report import district
    from qualitykit.run.params import notebook_parameters

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    cells = [
        c.source
        for c in nb.cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
    ]
    defaults = {k: s.default for k, s in notebook_parameters(NOTEBOOK).items()}
    codes = regions.children(args.within, level="county")["region_code"].astype(str).tolist()
    codes = codes[: args.limit] if args.limit else codes

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # the inline backend needs no GUI event loop
            return None

    shell = Shell.instance()
    shell.enable_matplotlib("inline")
    if args.state == "kernel":
        from qualitykit.run import _warm
        from qualitykit.run.engine import PRELOAD

        _warm.baseline(shell, PRELOAD)
    with tempfile.TemporaryDirectory() as tmp:
        sets = [{"region_code": c, "data_source": args.data_source} for c in codes]
        t0 = time.perf_counter()
        shared = district.prepare(run_dir=tmp, parameter_sets=sets)
        t_prepare = time.perf_counter() - t0
        times, cpu = [], []
        per_cell: list[list[float]] = [[] for _ in cells]
        profiler = None
        for i, code in enumerate(["warm-up", *codes]):
            rc = codes[0] if i == 0 else code
            params = {
                **defaults,
                **shared,
                "region_code": rc,
                "data_source": args.data_source,
                "output_dir": f"{tmp}/out/{rc}",
            }
            if args.state == "kernel":
                _warm.reset(shell, str(NOTEBOOK.parent))
            shell.user_ns.update(params)
            if i == 1 and args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            t0, c0 = time.perf_counter(), time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                for k, src in enumerate(cells):
                    c1 = time.process_time()
                    result = shell.run_cell(src, store_history=False, silent=True)
                    if not result.success:
                        result.raise_error()
                    if i:
                        per_cell[k].append(time.process_time() - c1)
            if i:
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
    times.sort()
    cpu.sort()
    print(
        f"05_district_report, {len(times)} districts of {args.within} (shell state: {args.state}):"
    )
    print(f"  prepare (once per run): {t_prepare:.2f} s")
    print(
        f"  per district: median {statistics.median(times):.3f} s, "
        f"p90 {times[int(0.9 * (len(times) - 1))]:.3f} s, max {times[-1]:.3f} s, "
        f"total {sum(times):.1f} s"
    )
    print(
        f"  CPU time per district: median {statistics.median(cpu):.3f} s, "
        f"p90 {cpu[int(0.9 * (len(cpu) - 1))]:.3f} s (this process; on a shared machine the wall "
        "time includes waiting for a core)"
    )
    if args.cells:
        for k, (src, spent) in enumerate(zip(cells, per_cell, strict=True)):
            first = next((ln for ln in src.splitlines() if ln and not ln.startswith("#")), "")
            print(f"  cell {k + 1}: CPU median {statistics.median(spent):.3f} s  {first[:60]}")
    print(f"  load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
