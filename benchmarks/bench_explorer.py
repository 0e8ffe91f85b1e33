"""How fast the explorer answers a control change (issue 15: ≤ 0.5 s on a province's ~100
districts with the 1 M-row sample, ≤ 1 s with the 10 M-row data set).

What is timed is the kernel's side of one interaction, the whole callback as the widgets call it
(:meth:`qualitykit.explore.app.App.change` / :meth:`~qualitykit.explore.app.App.click`): the
state change, every view it touches (funnel of the region's units, the selected unit's trend with
its GLM fit and target lines, its Pareto, its target statuses), the figure data and the widget
updates. Not timed: the browser drawing the new marks (bqplot, a few milliseconds for ~100 points)
and the websocket. Every change reaches a state not seen before (views are cached by state, so a
revisited state costs ~0). The data are read once, before the first change; that time is shown
separately.

    python benchmarks/bench_explorer.py                                 # 1 M-row sample
    qualitykit sample --preset large --out benchmarks/_scratch/large
    python benchmarks/bench_explorer.py --data benchmarks/_scratch/large --budget 1.0

Wall time on a shared machine includes waiting for a core; CPU time (this process) is shown
beside it. Both are indicative only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time


def _changes(first: int, last: int, region: str, other: str) -> list[tuple[str, dict]]:
    """A session's worth of distinct control changes on ``region`` (and a trip to ``other``)."""
    out: list[tuple[str, dict]] = []
    for start in range(last - 9, last - 4):
        out.append(("years", {"years": (max(first, start), last)}))
    for level in ("national", "provincial", "municipal", "county", "all"):
        out.append(("check level", {"check_level": level}))
    out.append(("product", {"product": "皮鞋"}))
    out.append(("product", {"product": ""}))
    out.append(("unit level", {"unit_level": "child"}))
    out.append(("unit level", {"unit_level": "county"}))
    out.append(("region", {"region": other}))
    out.append(("region", {"region": region}))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="", help="data source (default: the 1 M-row sample)")
    p.add_argument("--region", default="330000", help="province whose districts are compared")
    p.add_argument("--other", default="320000", help="a second province visited once")
    p.add_argument("--clicks", type=int, default=10, help="funnel clicks (selections) timed")
    p.add_argument("--budget", type=float, default=0.5, help="seconds allowed per change")
    args = p.parse_args(argv)

    from qualitykit.explore.app import App
    from qualitykit.explore.source import ExplorerData

    t0, c0 = time.perf_counter(), time.process_time()
    data = ExplorerData(args.data)
    load_wall, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    first, last = data.years
    print(f"data: {args.data or 'the embedded sample'} — {data.n_rows:,} rows, {first}–{last}")
    print(f"read once: {load_wall:.1f} s wall, {load_cpu:.1f} s CPU")

    t0 = time.perf_counter()
    app = App(data, region_code=args.region, year_from=last - 9, year_to=last)
    print(f"app made (first views): {time.perf_counter() - t0:.1f} s")
    n_units = len(app.explorer.funnel().table)
    print(f"{n_units} units in the funnel of {args.region}\n")

    rows: list[tuple[str, float, float]] = []
    for kind, change in _changes(first, last, args.region, args.other):
        c0, t0 = time.process_time(), time.perf_counter()
        app.change(**change)
        rows.append((kind, time.perf_counter() - t0, time.process_time() - c0))
        if app.status.value:
            print(f"  {kind} {change}: {app.status.value}", file=sys.stderr)
    table = app.explorer.funnel().table
    step = max(1, len(table) // max(1, args.clicks))
    for i in range(0, min(len(table), step * args.clicks), step):
        c0, t0 = time.process_time(), time.perf_counter()
        app.click(i)
        rows.append(("click", time.perf_counter() - t0, time.process_time() - c0))

    print(f"{'change':<12} {'n':>3} {'median':>8} {'max':>8} {'median CPU':>11}  (seconds)")
    kinds = list(dict.fromkeys(k for k, _, _ in rows))
    for kind in kinds:
        wall = [w for k, w, _ in rows if k == kind]
        cpu = [c for k, _, c in rows if k == kind]
        print(
            f"{kind:<12} {len(wall):>3} {statistics.median(wall):>8.3f} {max(wall):>8.3f} "
            f"{statistics.median(cpu):>11.3f}"
        )
    walls = [w for k, w, _ in rows if k != "region"]
    over = [w for w in walls if w > args.budget]
    print(
        f"\nwithin {args.region} ({n_units} units): median {statistics.median(walls):.3f} s, "
        f"max {max(walls):.3f} s; {len(over)} of {len(walls)} changes over {args.budget} s"
    )
    print("(a region change to a province not visited before also builds its target provider)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
