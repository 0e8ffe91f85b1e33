"""What ``--export`` costs: the same batch run side by side without and with exports.

    python benchmarks/bench_export.py                       # 05_district_report, 8 districts of 温州
    python benchmarks/bench_export.py --n 12 --rounds 3 --export xlsx,docx

Each round runs ``qualitykit run`` (:func:`qualitykit.run.run_batch`, warm kernels, HTML on) twice
on the same districts and data — once without exports, once with — alternating which goes first so
that a machine getting busier or calmer does not favour one side. Printed: the median per-report
time (the tasks' ``duration_s`` in the manifest: notebook + page + exports, without the shared
``prepare`` work) of each side and their ratio, and the time of the exports alone, measured
in-process on the published reports (:func:`qualitykit.report.exports.export_report`, imports
warmed once). Without ``--export`` the runner's code path is today's (one ``spec.get`` more), so
the "without" column is today's per-report time.

Numbers on a shared, loaded machine are indicative: compare the two sides of one round, not runs
of different days.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from qualitykit import run as batch  # noqa: E402
from qualitykit.report.exports import export_report, parse_formats  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "05_district_report.ipynb"
WENZHOU = ["330302", "330303", "330304", "330305", "330324", "330326", "330327", "330328"]
WENZHOU += ["330329", "330381", "330382"]


def one_run(sets: list[dict], out: Path, workers: int, export: tuple[str, ...]) -> list[float]:
    opts = batch.RunOptions(workers=workers, progress=False, overwrite=True, export=export)
    result = batch.run_batch(NOTEBOOK, sets, out, opts)
    bad = [t["key"] for t in result.manifest["tasks"] if t["status"] != "ok"]
    if bad:
        raise SystemExit(f"reports failed: {bad}")
    return [float(t["duration_s"]) for t in result.manifest["tasks"]]


def export_alone(run_dir: Path, keys: list[str], export: tuple[str, ...]) -> list[float]:
    """Seconds per report of the exports alone, on the published folders (into a scratch copy)."""
    stem = NOTEBOOK.stem
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for key in keys:
            folder = run_dir / stem / key
            dest = Path(tmp) / key
            t0 = time.perf_counter()
            export_report(
                dest,
                export,
                key=key,
                tables=folder / "tables",
                notebook=folder / f"{key}.ipynb",
                title=key,
            )
            times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=8, help="districts (default 8, at most 11)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--export", default="csv,xlsx,docx")
    p.add_argument("--data-source", default="sample:tiny")
    a = p.parse_args()
    export = parse_formats(a.export)
    keys = WENZHOU[: max(1, min(a.n, len(WENZHOU)))]
    sets = [{"region_code": k, "data_source": a.data_source} for k in keys]
    scratch = Path(tempfile.mkdtemp(prefix="bench_export_"))
    without: list[float] = []
    with_: list[float] = []
    try:
        for r in range(a.rounds):
            order = [(), export] if r % 2 == 0 else [export, ()]
            for fmts in order:
                t0 = time.perf_counter()
                d = one_run(sets, scratch / ("with" if fmts else "without"), a.workers, fmts)
                wall = time.perf_counter() - t0
                (with_ if fmts else without).extend(d)
                side = "with " + ",".join(fmts) if fmts else "without"
                print(
                    f"round {r + 1} {side:>22}: median {statistics.median(d):.2f} s/report, "
                    f"wall {wall:.1f} s for {len(d)}"
                )
        export_alone(scratch / "with", keys[:1], export)  # warm the imports
        alone = export_alone(scratch / "with", keys, export)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    mw, mx = statistics.median(without), statistics.median(with_)
    print(
        f"\nper report (median of {len(without)}): without {mw:.2f} s, with {mx:.2f} s, "
        f"ratio {mx / mw:.3f}"
    )
    print(
        f"exports alone ({','.join(export)}): median {statistics.median(alone) * 1000:.0f} ms "
        f"per report ({100 * statistics.median(alone) / mw:.1f} % of a report without exports)"
    )
    print("(indicative: a shared, loaded machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
