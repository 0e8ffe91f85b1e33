"""Incremental runs: a full run, then ``--update`` after one province's data changed.

    python benchmarks/bench_update.py                      # the districts of 浙江 + 北京 (~100)
    python benchmarks/bench_update.py --within 000000      # every district of China
    python benchmarks/bench_update.py --verify             # also a full re-run to compare with

The data are a copy of the sample (province-partitioned Parquet) under ``benchmarks/_scratch``.
The change is a correction in one province (``--province``, default 110000 北京): a failed batch of
one district becomes passed and a passed batch of another failed, so the province's and the
nation's totals stay as they were — the province's briefs change (their data and funnel), the
others do not. (New counts that change the national total change every brief of the sample, which
shows the nation's pass rate: ``--update`` then rebuilds all of them, correctly.) Prints the wall
and CPU seconds of the full run and of the update, the ratio, what was rebuilt and why, and with
``--verify`` whether the updated folder equals a full re-run (papermill's times and the index's
generation time aside).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / "benchmarks" / "_scratch" / "update"
NOTEBOOK = ROOT / "notebooks" / "05_district_report.ipynb"
sys.path.insert(0, str(ROOT / "tests"))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (workers, kernels)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--within", default="330000,110000", help="comma-separated codes")
    p.add_argument("--province", default="110000")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--verify", action="store_true")
    args = p.parse_args()

    from qualitykit import run
    from qualitykit.paths import sample_dir
    from qualitykit.report.sources import resolve_source

    source = resolve_source("") or sample_dir()
    data = SCRATCH / "data"
    shutil.rmtree(SCRATCH, ignore_errors=True)
    shutil.copytree(source, data)
    sets = []
    for within in args.within.split(","):
        sets += run.expand_parameter_sets(
            NOTEBOOK, each="district", within=within, fixed={"data_source": str(data)}
        )
    out = SCRATCH / "run"
    opts = {"workers": args.workers, "progress": False}
    print(
        f"{len(sets)} districts within {args.within}; {args.workers} workers; load {os.getloadavg()}"
    )

    t0, c0 = time.perf_counter(), _cpu()
    full = run.run_batch(NOTEBOOK, sets, out, run.RunOptions(**opts))
    t_full, c_full = time.perf_counter() - t0, _cpu() - c0
    print(
        f"full run:  {t_full:7.1f} s wall, {c_full:7.1f} s CPU; {full.manifest['counts']}; "
        f"prepare hook {full.manifest['run']['prepare_s']:.2f} s"
    )

    from run_helpers import correct_province

    touched = correct_province(data, args.province)
    t0, c0 = time.perf_counter(), _cpu()
    upd = run.run_batch(NOTEBOOK, sets, out, run.RunOptions(update=True, **opts))
    t_upd, c_upd = time.perf_counter() - t0, _cpu() - c0
    reasons = upd.manifest["run"]["reasons"]
    print(
        f"--update:  {t_upd:7.1f} s wall, {c_upd:7.1f} s CPU; {json.dumps(reasons, ensure_ascii=False)}; "
        f"prepare hook {upd.manifest['run']['prepare_s']:.2f} s"
    )
    print(f"  (corrected districts {touched[0]} and {touched[1]} of {args.province})")
    print(
        f"update / full: {t_upd / t_full:.3f} wall, {c_upd / max(c_full, 1e-9):.3f} CPU (target <= 0.05)"
    )
    print(f"load {os.getloadavg()}")
    if args.verify:
        from run_helpers import comparable_outputs

        updated = comparable_outputs(out)
        again = run.run_batch(NOTEBOOK, sets, out, run.RunOptions(overwrite=True, **opts))
        fresh = comparable_outputs(out)
        differ = [k for k in fresh if updated.get(k) != fresh[k]] + sorted(
            set(updated) - set(fresh)
        )
        print(f"full re-run: {again.manifest['counts']}; outputs equal the update's: "
              + ("yes" if not differ else f"NO ({len(differ)} files, e.g. {differ[:3]})"))  # fmt: skip
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
