"""Peak memory of ``qualitykit validate`` on a large malformed CSV (issue 9, item 9).

    python benchmarks/bench_validate.py [--gb 1.0] [--keep]

Writes a malformed records CSV of about ``--gb`` GB into ``benchmarks/_scratch/`` (git-ignored):
every row has a bad year, an unknown region code and a bad yes/no value, so the file holds several
problems per row (≈ 14 M rows and ≈ 40 M problems for 1 GB). Then runs ``qualitykit validate`` on
it in a fresh process and prints the wall time, the peak RSS of that process (target ≤ 1 GiB)
and the size of what it printed. A script, not a timed test: numbers on a loaded machine are
indicative only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRATCH = HERE / "_scratch"

HEADER = "batch_id,year,check_level,region_code,industry_code,product,enterprise_id,passed\n"
ROW = "B{i:09d},20x3,national,99{j:04d},19,皮鞋,E{j:06d},maybe\n"

_RUN = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
proc = subprocess.run([sys.executable, "-m", "qualitykit.cli", "validate", sys.argv[1]],
                      capture_output=True, text=True)
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("RESULT " + json.dumps({"seconds": seconds, "peak_rss_mb": peak, "exit": proc.returncode,
                              "stdout_bytes": len(proc.stdout.encode()), "head": proc.stdout[:600],
                              "stderr": proc.stderr[-600:]}))
"""


def write_file(path: Path, gigabytes: float) -> int:
    target = int(gigabytes * 1e9)
    n, size = 0, 0
    block = 100_000
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        while size < target:
            chunk = "".join(ROW.format(i=n + k, j=(n + k) % 9999) for k in range(block))
            fh.write(chunk)
            size += len(chunk.encode())
            n += block
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=1.0, help="size of the malformed CSV (GB)")
    ap.add_argument("--keep", action="store_true", help="keep benchmarks/_scratch")
    args = ap.parse_args(argv)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = SCRATCH / "malformed.csv"
    t = time.perf_counter()
    rows = write_file(path, args.gb)
    print(
        f"wrote {rows:,} rows, {path.stat().st_size / 1e9:.2f} GB in {time.perf_counter() - t:.0f} s"
    )
    proc = subprocess.run([sys.executable, "-c", _RUN, str(path)], capture_output=True, text=True)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    r = json.loads(line[len("RESULT ") :])
    print(
        f"qualitykit validate: exit {r['exit']}, {r['seconds']:.0f} s, peak RSS "
        f"{r['peak_rss_mb']:.0f} MB (target ≤ 1024 MB), printed {r['stdout_bytes']:,} bytes"
    )
    print(r["head"])
    if r["stderr"]:
        print("stderr:", r["stderr"])
    if not args.keep:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
