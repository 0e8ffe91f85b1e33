"""Batch throughput: the naive way vs ``qualitykit run`` vs the pure compute — same notebook, data,
machine and number of workers, in one run.

    python benchmarks/bench_batch.py                      # 05_district_report, 24 districts of 浙江
    python benchmarks/bench_batch.py --n 60 --workers 2
    python benchmarks/bench_batch.py --all --skip-naive --skip-pure   # every district of China, (b) only

(a) naive   — per district ``papermill`` CLI (a fresh kernel, fresh imports), then
              ``jupyter nbconvert --to html`` (a process per file); N at a time.
(b) qualitykit run — warm kernels (one per worker), HTML rendered in-process, shared work once.
(c) pure    — the notebook's code executed in N warm interpreters without Jupyter: each cell's
              figures rendered to PNG and displayed objects turned into their HTML/Markdown, as the
              notebook front-end would, but no kernel protocol, no notebook or HTML files.

All three get the same shared context (the notebook's ``prepare`` hook, computed once, outside the
timings). Prints districts per minute, the ratios b/a (throughput) and b/c (time), checks that (b)'s
tables and figure count equal (a)'s, and the peak memory per worker of (b) (worker + its kernel).
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from qualitykit import run as batch  # noqa: E402  (its modules are imported on first use)

# Nothing here imports nbformat (→ jsonschema) at module level: the spawned worker processes of (b)
# and (c) import this module as their main module, and should pay only for what they use.

SCRATCH = ROOT / "benchmarks" / "_scratch" / "batch"
BIN = Path(sys.executable).parent


# ------------------------------------------------------------------------------------------------
# (a) the naive way
# ------------------------------------------------------------------------------------------------


def _naive_one(nb: Path, pset: dict[str, Any], out_dir: Path) -> float:
    key = pset["region_code"]
    d = out_dir / key
    d.mkdir(parents=True, exist_ok=True)
    args = [
        str(BIN / "papermill"),
        str(nb),
        str(d / f"{key}.ipynb"),
        "-k",
        "python3",
        "--no-progress-bar",
        "--cwd",
        str(nb.parent),
    ]
    for name, value in {**pset, "output_dir": str(d / "tables")}.items():
        if isinstance(value, str):
            args += ["-r", name, value]  # raw: papermill's -p would turn '010100' into 10100
        else:
            args += ["-p", name, json.dumps(value)]
    t0 = time.perf_counter()
    subprocess.run(args, check=False, capture_output=True)
    subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(d / f"{key}.ipynb")],
        check=False,
        capture_output=True,
    )
    return time.perf_counter() - t0


def run_naive(nb: Path, sets: list[dict[str, Any]], workers: int, out_dir: Path) -> float:
    shutil.rmtree(out_dir, ignore_errors=True)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda s: _naive_one(nb, s, out_dir), sets))
    return time.perf_counter() - t0


# ------------------------------------------------------------------------------------------------
# (c) the pure compute
# ------------------------------------------------------------------------------------------------

_CELLS: list[tuple[Any, Any]] = []
_DEFAULTS: dict[str, Any] = {}


def _render(obj: Any) -> None:
    """What a notebook front-end does with a displayed object: PNG for figures, else HTML/Markdown."""
    from matplotlib.figure import Figure

    if isinstance(obj, Figure):
        obj.savefig(io.BytesIO(), format="png", bbox_inches="tight")
        return
    for meth in ("_repr_html_", "_repr_markdown_", "_repr_png_"):
        f = getattr(obj, meth, None)
        if f is not None:
            f()
            return
    repr(obj)


def _pure_init(nb_path: str, preload: tuple[str, ...]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import IPython.core.display_functions as dfun
    import IPython.display as idisp
    import matplotlib.pyplot as plt

    def display(*objs: Any, **kwargs: Any) -> None:
        for o in objs:
            _render(o)

    dfun.display = display
    idisp.display = display
    plt.show = lambda *a, **k: None
    for mod in preload:
        try:
            __import__(mod)
        except ImportError:
            pass
    with open(nb_path, encoding="utf-8") as f:  # the notebook's JSON: no nbformat, as the kernel
        nb = json.load(f)
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        src = "\n".join(
            line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            exec(compile(src, "<parameters>", "exec"), _DEFAULTS)
            continue
        tree = ast.parse(src)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = compile(ast.Expression(tree.body.pop().value), "<cell>", "eval")
        _CELLS.append((compile(tree, "<cell>", "exec"), last))


def _pure_one(pset: dict[str, Any]) -> tuple[float, float]:
    """One district's cells: (wall seconds, CPU seconds of this process)."""
    import matplotlib.pyplot as plt

    t0, c0 = time.perf_counter(), time.process_time()
    ns: dict[str, Any] = {k: v for k, v in _DEFAULTS.items() if not k.startswith("__")}
    ns.update(pset)
    ns["__name__"] = "__main__"
    with open(os.devnull, "w") as null:
        old = sys.stdout
        sys.stdout = null
        try:
            for code, last in _CELLS:
                exec(code, ns)
                if last is not None:
                    value = eval(last, ns)
                    if value is not None:
                        _render(value)
                for num in plt.get_fignums():
                    _render(plt.figure(num))
                plt.close("all")
        finally:
            sys.stdout = old
    return time.perf_counter() - t0, time.process_time() - c0


def run_pure(
    nb: Path, sets: list[dict[str, Any]], workers: int, out_dir: Path
) -> tuple[float, list[float], list[float], float]:
    """(c): wall seconds, per district wall and CPU seconds, CPU seconds of the pool's processes
    (whole run, start-up included, sampled as for (b))."""
    shutil.rmtree(out_dir, ignore_errors=True)
    sets = [{**s, "output_dir": str(out_dir / s["region_code"] / "tables")} for s in sets]
    mem = PeakMemory()
    mem.start()
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_pure_init, initargs=(str(nb), tuple(batch.PRELOAD))
    ) as pool:
        per_task = list(pool.map(_pure_one, sets))
    elapsed = time.perf_counter() - t0
    mem.stop.set()
    return elapsed, [t[0] for t in per_task], [t[1] for t in per_task], mem.cpu_seconds


# ------------------------------------------------------------------------------------------------
# (b) qualitykit run, with memory sampling
# ------------------------------------------------------------------------------------------------


class PeakMemory(threading.Thread):
    """Samples the RSS of every worker process (+ its kernel child) of this process tree, and the
    CPU time (user + system) each of them used so far: on a shared machine the CPU seconds per
    report say more than the wall time."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_per_worker = 0
        self.cpu: dict[int, float] = {}
        self.workers: set[int] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.is_set():
            try:
                for child in me.children():
                    total = child.memory_info().rss
                    self._cpu(child)
                    self.workers.add(child.pid)
                    for grand in child.children(recursive=True):
                        total += grand.memory_info().rss
                        self._cpu(grand)
                    self.peak_per_worker = max(self.peak_per_worker, total)
            except psutil.Error:
                pass
            time.sleep(0.2)

    def _cpu(self, proc: Any) -> None:
        t = proc.cpu_times()
        self.cpu[proc.pid] = t.user + t.system

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    @property
    def worker_cpu_seconds(self) -> float:
        """The worker processes alone (cell loop, .ipynb and HTML), without their kernels."""
        return sum(t for pid, t in self.cpu.items() if pid in self.workers)


def run_qualitykit(
    nb: Path, sets: list[dict[str, Any]], workers: int, out_dir: Path, engine: str = "loop"
) -> tuple[float, int, Any, float]:
    shutil.rmtree(out_dir, ignore_errors=True)
    mem = PeakMemory()
    mem.start()
    t0 = time.perf_counter()
    opts = batch.RunOptions(workers=workers, progress=False, engine=engine)
    result = batch.run_batch(nb, sets, out_dir, opts)
    elapsed = time.perf_counter() - t0
    mem.stop.set()
    n = max(1, len(sets))
    print(
        f"(b) CPU time of workers and kernels: {mem.cpu_seconds:.1f} s "
        f"({mem.cpu_seconds / n:.3f} s per report; the workers alone "
        f"{mem.worker_cpu_seconds / n:.3f} s per report; sampled every 0.2 s)"
    )
    return elapsed, mem.peak_per_worker, result, mem.cpu_seconds / n


# ------------------------------------------------------------------------------------------------
# comparison
# ------------------------------------------------------------------------------------------------


def _tables(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("tables/*"))
        if p.is_file()
    }


def _figures(ipynb: Path) -> int:
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    return sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def compare(naive_dir: Path, qk_dir: Path, stem: str, keys: list[str]) -> list[str]:
    problems = []
    for key in keys:
        a_tables = _tables(naive_dir / key)
        b_tables = _tables(qk_dir / stem / key)
        if a_tables.keys() != b_tables.keys():
            problems.append(
                f"{key}: tables differ in names: {sorted(a_tables)} vs {sorted(b_tables)}"
            )
        else:
            problems += [
                f"{key}: table {n} differs" for n in a_tables if a_tables[n] != b_tables[n]
            ]
        fa = _figures(naive_dir / key / f"{key}.ipynb")
        fb = _figures(qk_dir / stem / key / f"{key}.ipynb")
        if fa != fb:
            problems.append(f"{key}: {fa} figures (naive) vs {fb} (qualitykit run)")
    return problems


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--notebook", default=str(ROOT / "notebooks" / "05_district_report.ipynb"))
    p.add_argument(
        "--within", default="330000", help="districts within this code (default 浙江 330000)"
    )
    p.add_argument("--n", type=int, default=24, help="number of districts (default 24)")
    p.add_argument("--all", action="store_true", help="every county-level district of China")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE")
    )
    p.add_argument(
        "--engine",
        choices=("loop", "nbclient"),
        default="loop",
        help="(b)'s cell loop: the blocking client (default) or papermill's nbclient client",
    )
    p.add_argument("--skip-naive", action="store_true")
    p.add_argument("--skip-pure", action="store_true")
    args = p.parse_args()

    from qualitykit.run.params import notebook_parameters

    nb = Path(args.notebook).resolve()
    specs = notebook_parameters(nb)
    from qualitykit.run.params import coerce_text

    fixed = {k: coerce_text(specs[k], v) for k, v in args.parameter}
    fixed = {  # the notebook runs in its own folder: paths given here are relative to this one
        k: str(Path(v).resolve()) if isinstance(v, str) and v and Path(v).exists() else v
        for k, v in fixed.items()
    }
    within = "000000" if args.all else args.within
    sets = batch.expand_parameter_sets(nb, each="district", within=within, fixed=fixed or None)
    if not args.all:
        sets = sets[: args.n]
    n = len(sets)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    shared = batch.prepare_shared(nb, SCRATCH / "shared", sets)
    print(f"shared work (prepare hook, once per run): {time.perf_counter() - t0:.2f} s")
    if hasattr(os, "getloadavg"):  # not on Windows
        print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with_shared = [{**s, **shared} for s in sets]
    import platform

    import psutil

    print(
        f"machine: {platform.node()}, {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB; "
        f"python {platform.python_version()}"
    )
    print(f"notebook: {nb.name}; {n} districts within {within}; {args.workers} workers")

    rows = []
    if not args.skip_naive:
        ta = run_naive(nb, with_shared, args.workers, SCRATCH / "naive")
        rows.append(("(a) naive: papermill CLI + nbconvert per district", ta))
    tb_total, peak, result, cpu_b = run_qualitykit(
        nb, sets, args.workers, SCRATCH / "qualitykit", args.engine
    )
    # the shared work (prepare hook) is done once inside the run; (a) and (c) got it for free
    tb = tb_total - float(result.manifest["run"].get("prepare_s") or 0.0)
    print(
        f"(b) total {tb_total:.1f} s, of which shared work {tb_total - tb:.1f} s (excluded below)"
    )
    rows.append((f"(b) qualitykit run (warm kernels, engine {args.engine})", tb))
    if not args.skip_pure:
        tc, per_c, cpu_c, cpu_c_run = run_pure(nb, with_shared, args.workers, SCRATCH / "pure")
        rows.append(("(c) pure compute (no Jupyter)", tc))
    failed = [t for t in result.manifest["tasks"] if t["status"] != "ok"]
    if failed:
        print(
            f"(b) failed for {len(failed)} districts, e.g. {failed[0]['key']}: {failed[0]['error']}"
        )
        return 1
    print()
    for name, t in rows:
        print(f"{name:<52} {t:8.1f} s  {60 * n / t:8.1f} districts/min")
    times = dict((r[0][:3], r[1]) for r in rows)
    if "(a)" in times:
        print(f"b/a throughput ratio: {times['(a)'] / tb:.1f}x  (target >= 5x, aim 10x)")
    if "(c)" in times:
        import statistics

        per_b = [t["duration_s"] for t in result.manifest["tasks"] if t.get("duration_s")]
        mb, mc = statistics.median(per_b), statistics.median(per_c)
        print(
            f"b/c time ratio:       {tb / times['(c)']:.2f}   (target <= 1.30; wall, start-up included)"
        )
        print(
            f"per district (median): (b) {mb:.3f} s incl. execution, .ipynb and HTML; (c) {mc:.3f} s "
            f"-> {mb / mc:.2f}"
        )
        run_c = cpu_c_run / n
        print(
            f"CPU per district, whole run (start-up included): (b) {cpu_b:.3f} s (workers and "
            f"kernels); (c) {run_c:.3f} s -> {cpu_b / run_c:.2f}; the runner's own "
            f"{cpu_b - run_c:.3f} s (the cells alone in (c): {statistics.mean(cpu_c):.3f} s)"
        )
    print(
        f"peak memory per worker of (b) (worker + kernel): {peak / 2**20:.0f} MiB (target <= 1024 MiB)"
    )
    print(f"(b) statuses: {result.manifest['counts']}")
    if args.all:
        print(
            f"all {n} districts of China rendered in {tb_total / 60:.1f} min, shared work included "
            "(target <= 15 min)"
        )
    if "(a)" in times:
        problems = compare(
            SCRATCH / "naive", SCRATCH / "qualitykit", nb.stem, [s["region_code"] for s in sets]
        )
        print("tables and figure counts of (b) equal (a): " + ("yes" if not problems else "NO"))
        for prob in problems[:20]:
            print("  - " + prob)
        if problems:
            return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
