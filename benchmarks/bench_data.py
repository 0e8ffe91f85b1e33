"""Benchmark of the sample data: generation at scale and reading one district by pushdown.

    python benchmarks/bench_data.py [--rows 10000000] [--district 330303] [--keep]
    python benchmarks/bench_data.py --data DIR [--skip-counts] [--skip-default]   # reuse a set

``--data DIR`` reads an existing partitioned set (e.g. ``qualitykit sample --preset large --out
DIR``) instead of generating one: on a shared machine generating 10 M rows takes minutes.

Prints, each measured in a fresh Python process (so peak RSS is that step's own):

1. generating ``--rows`` batches (default 10 M) as partitioned Parquet into
   ``benchmarks/_scratch/large`` (git-ignored): wall time and peak RSS (targets: ≤ 2 min);
2. reading one district's records (three districts) from that set with :func:`qualitykit.data.dataset.open_records`:
   (a) the first read of a fresh process — the read alone (it includes the one-time set-up of the
   process: the region table, Arrow's thread pools), the whole process (imports included) and
   peak RSS; (b) the read as a running kernel pays it for each report of a batch run — after one
   read of another district, the median and the best of ``--repeat`` reads
   (targets: read ≤ 0.2 s, ≤ 300 MB);
3. the same district through the one entry point for every shape:
   ``open_source(large).counts(region=…, by=["check_level"])`` (target ≤ 0.2 s for the read);
4. a counts table of 3,000 units × 10 years (CSV, written to the scratch folder from real GB/T 2260
   codes and made-up counts) read with ``open_source`` and aggregated (target ≤ 1 s);
5. generating the default sample (1,000,000 batches) with content hashes, as ``ensure_sample``
   does: wall time and peak RSS.

The scratch folder is deleted at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRATCH = HERE / "_scratch"

_PREAMBLE = """
import json, resource, sys, time
t0 = time.perf_counter()
"""
_REPORT = """
print("RESULT " + json.dumps({"seconds": seconds, "total": time.perf_counter() - t0,
      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}))
"""


def _run(body: str) -> dict[str, float]:
    code = _PREAMBLE + body + _REPORT
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark step failed (exit {proc.returncode})")
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000, help="batches to generate (10 M)")
    ap.add_argument(
        "--district",
        nargs="+",
        default=["330303", "421202", "540102"],
        help="districts to read (default: 龙湾区, the largest; 咸安区; 城关区 Lhasa)",
    )
    ap.add_argument("--keep", action="store_true", help="keep benchmarks/_scratch")
    ap.add_argument("--data", type=Path, help="an existing partitioned set: no generation")
    ap.add_argument("--repeat", type=int, default=7, help="reads per district in (b) (7)")
    ap.add_argument("--skip-counts", action="store_true", help="skip step 4")
    ap.add_argument("--skip-default", action="store_true", help="skip step 5")
    args = ap.parse_args(argv)
    large = args.data.resolve() if args.data else SCRATCH / "large"
    default = SCRATCH / "default"
    print(f"load average before: {_load()}")
    if args.data is None:
        shutil.rmtree(large, ignore_errors=True)
    shutil.rmtree(default, ignore_errors=True)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    if args.data is None:
        _generate(large, args.rows)
    _read_districts(large, args.district, args.repeat)

    for district in args.district[:1]:
        rs = _run(f"""
from qualitykit.data.source import open_source
src = open_source({str(large)!r})
t = time.perf_counter()
c = src.counts(region={district!r}, by=["check_level"])
seconds = time.perf_counter() - t
extra = {{"rows": int(c["batches"].sum())}}
""")
        print(f"open_source(...).counts(region={district}) (fresh process): {rs['rows']:,} batches "
              f"in {rs['seconds'] * 1000:.0f} ms, peak RSS {rs['peak_rss_mb']:.0f} MB")  # fmt: skip

    if not args.skip_counts:
        _counts_table()
    if not args.skip_default:
        _default_sample(default)
    print(f"load average after: {_load()}")
    if not args.keep:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    return 0


def _load() -> str:
    """The 1, 5 and 15 minute load averages (timings on a loaded machine are indicative)."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # Windows
        return "n/a"


def _generate(large: Path, rows: int) -> None:
    gen = _run(f"""
from qualitykit.data import sample
t = time.perf_counter()
m = sample.write_sample({str(large)!r}, {rows}, compute_hash=False)
seconds = time.perf_counter() - t
extra = {{"rows": m["rows"]["records"], "nc_rows": m["rows"]["nonconformities"]}}
""")
    size_mb = sum(f.stat().st_size for f in large.rglob("*.parquet")) / 2**20
    print(f"generate {gen['rows']:,} batches (+{gen['nc_rows']:,} NC items) as partitioned "
          f"Parquet: {gen['seconds']:.1f} s, peak RSS {gen['peak_rss_mb']:.0f} MB, "
          f"{size_mb:.0f} MB on disk")  # fmt: skip


def _read_districts(large: Path, districts: list[str], repeat: int) -> None:
    for district in districts:
        rd = _run(f"""
from qualitykit.data import dataset
t = time.perf_counter()
df = dataset.open_records({str(large)!r}, region={district!r})
seconds = time.perf_counter() - t
extra = {{"rows": len(df)}}
""")
        print(f"read district {district} (fresh process): {rd['rows']:,} rows in "
              f"{rd['seconds'] * 1000:.0f} ms (process incl. imports {rd['total']:.2f} s), "
              f"peak RSS {rd['peak_rss_mb']:.0f} MB")  # fmt: skip
    warm = _run(f"""
import statistics
from qualitykit.data import dataset
dataset.open_records({str(large)!r}, region="110101")  # a running kernel: set-up done
extra = {{}}
for d in {list(districts)!r}:
    ts = []
    for _ in range({repeat}):
        t = time.perf_counter()
        n = len(dataset.open_records({str(large)!r}, region=d))
        ts.append(time.perf_counter() - t)
    extra[d] = [statistics.median(ts), min(ts), n]
seconds = 0.0
""")
    for district in districts:
        med, best, n = warm[district]
        print(
            f"read district {district} (running process, {repeat} reads): {n:,} rows, median "
            f"{med * 1000:.0f} ms, best {best * 1000:.0f} ms"
        )


def _counts_table() -> None:
    counts_csv = SCRATCH / "counts_3000x10.csv"
    ct = _run(f"""
import numpy as np
from qualitykit.data import regions
r = regions.regions()
codes = regions.counties()["region_code"].astype(str).tolist()
codes += r.loc[r["level"] == "city", "region_code"].astype(str).tolist()[: 3000 - len(codes)]
rng = np.random.default_rng(1)
lines = ["地区代码,年份,抽查级别,抽查批次,合格批次"]
for c in codes:
    for y in range(2015, 2025):
        b = int(rng.integers(20, 400)); p = int(b - rng.binomial(b, 0.08))
        lines.append(f"{{c}},{{y}},省级,{{b}},{{p}}")
open({str(counts_csv)!r}, "w", encoding="utf-8").write(chr(10).join(lines) + chr(10))
from qualitykit.data.source import open_source
t = time.perf_counter()
src = open_source({str(counts_csv)!r})
c = src.counts(years=(2015, 2024))
seconds = time.perf_counter() - t
extra = {{"rows": len(c)}}
""")
    print(f"counts table 3,000 units × 10 years: read + aggregated {ct['rows']:,} rows in "
          f"{ct['seconds']:.2f} s (fresh process), peak RSS {ct['peak_rss_mb']:.0f} MB")  # fmt: skip


def _default_sample(default: Path) -> None:
    df_ = _run(f"""
from qualitykit.data import sample
t = time.perf_counter()
m = sample.write_sample({str(default)!r}, sample.DEFAULT_N_BATCHES)
seconds = time.perf_counter() - t
extra = {{"rows": m["rows"]["records"]}}
""")
    print(f"generate the default sample ({df_['rows']:,} batches, with content hashes): "
          f"{df_['seconds']:.1f} s, peak RSS {df_['peak_rss_mb']:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    t = time.perf_counter()
    code = main()
    print(f"(benchmark took {time.perf_counter() - t:.0f} s)")
    sys.exit(code)
