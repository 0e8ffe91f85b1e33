"""The deterministic, seeded, **synthetic** sample data set, calibrated to real published figures.

Nothing in this data set is a real spot-check result. It exists so that every notebook runs out of
the box and so that the methods can be shown on data with a known, realistic structure. Every
table carries the note :data:`SYNTHETIC_NOTE`; the manifest says ``"synthetic": true``.

Tables (canonical columns of :mod:`qualitykit.schema`; dtypes as :mod:`qualitykit.data.io` returns them)

* **records** — one row per sampled batch: ``batch_id, year, quarter, check_level, region_code,
  industry_code, product, enterprise_id, enterprise_size, annual_sales, passed``;
* **nonconformities** — one row per failed test item of a failed batch: ``batch_id, item``
  (each failed batch has at least one item, passed batches none); the cause of an item comes
  from the cause map (``data/causes/cause_map.csv``, see :func:`qualitykit.data.dataset.load_cause_map`);
* **enterprises** — ``enterprise_id, region_code, industry_code, product, enterprise_size,
  annual_sales, sales_class``.

Coverage: every mainland county-level division of :func:`qualitykit.data.regions.counties` (2,855, all 31
provinces), the years 2005–2024, the four check levels, the 29 GB/T 4754-2017 divisions 13–41 with
real product names and per product its real test items (``data/sample/products.csv``,
``data/sample/product_items.csv``), industrial clusters (``data/sample/clusters.csv``, e.g. 龙湾区
皮鞋, 晋江 旅游鞋, 乐清 断路器).

Calibration (by construction, for any seed and size; see ``data/sample/README.md``)

* **National pass rate.** For each year the records of ``check_level == "national"`` fail in
  exactly ``round(n_y · (1 − T_y))`` batches, where ``T_y`` is the published annual national
  figure (:func:`qualitykit.data.reference.national_pass_rate_series`: the batch pass rate up to 2017,
  ``1 −`` the NC rate from 2018). Years without a published figure take a monotone cubic (PCHIP)
  interpolation through the published years; :func:`calibration_targets` flags them.
* **Enterprise size.** The national size mix follows the published shares (small firms ~60 % in
  2015 → 93 % in 2023) and the log-odds gaps between large / medium / small firms follow the
  published size-class pass rates (``spot_check_by_enterprise_size.csv``), interpolated in time.
* **Exact failures, random structure.** Within each (check level, year, size) cell a latent
  logistic propensity ``f = γ + ε`` (``ε`` standard logistic) is drawn; the ``k`` batches with the
  largest ``f`` fail. ``γ`` holds province and district random effects (overdispersion beyond
  binomial noise), district random slopes, product and enterprise effects and the programme
  effects of the seed regions (龙湾区 330303 皮鞋 from 2006, 咸宁市 421200 from 2016, 郴州市 431000
  from 2010). This is a logistic model whose intercept is solved so that the cell's count of
  failures is exact.

Size and speed: :data:`DEFAULT_N_BATCHES` (1,000,000 batches) generate in about 2 s.
:func:`write_sample` holds only a compact index of all batches (9 bytes per batch) and builds and
writes the tables one province at a time as hive-partitioned Parquet (``province=PP0000``, files
sorted by ``region_code``, row groups of :data:`ROW_GROUP_SIZE`): 10 M batches take about 15 s
and 0.8 GB on the 2-core reference machine (``benchmarks/bench_data.py``), and one district is
read by predicate pushdown (:func:`qualitykit.data.dataset.open_records`). :func:`ensure_sample` builds the default set once into
:func:`qualitykit.paths.sample_dir` and rebuilds it when its manifest is stale.

Modules: this one writes, hashes and caches the sample; :mod:`qualitykit.data.generator` holds the
model and builds the tables, :mod:`qualitykit.data.calibration` the configuration tables and the
published targets (their public names are re-exported here).

References: the calibration data are in ``data/reference`` (sources in its README); the threshold
(tolerance-distribution) view of binary regression is McCullagh & Nelder (1989) §4.3; PCHIP is Fritsch &
Carlson (1980), ``scipy.interpolate.PchipInterpolator``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qualitykit import __version__, schema
from qualitykit.atomic import TMP_SUFFIX, publish_dir, write_json
from qualitykit.data.calibration import (  # re-exported: the sample's public names
    MACRO_REGIONS,
    YEARS,
    _config_dir,
    calibration_targets,
    clusters,
    product_items,
    products,
)
from qualitykit.data.frames import to_frame
from qualitykit.data.generator import (  # re-exported: the sample's public names
    PROGRAMMES,
    RECORDS_SCHEMA,
    Programme,
    _build_model,
    _enterprises_table,
    _nonconformities_table,
    _province_slices,
    _records_table,
    _skeleton,
)
from qualitykit.errors import ParameterError
from qualitykit.paths import data_dir, sample_dir

__all__ = [
    "DEFAULT_N_BATCHES",
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "MACRO_REGIONS",
    "PRESETS",
    "PROGRAMMES",
    "SYNTHETIC_NOTE",
    "YEARS",
    "Programme",
    "SampleData",
    "calibration_targets",
    "clusters",
    "content_hash",
    "ensure_sample",
    "generate",
    "main",
    "product_items",
    "products",
    "read_manifest",
    "table_hash",
    "write_sample",
]

GENERATOR_VERSION = "1"
"""Bumped whenever the generator's output for a given seed and size changes."""
DEFAULT_SEED = 2006
DEFAULT_N_BATCHES = 1_000_000
PRESETS: dict[str, int] = {
    "tiny": 20_000,
    "small": 100_000,
    "default": DEFAULT_N_BATCHES,
    "large": 10_000_000,
}
"""Named sizes (batches, all levels). ``tiny`` is for test fixtures, ``large`` for benchmarks."""
SYNTHETIC_NOTE = (
    "SYNTHETIC data generated by qualitykit.data.sample (seeded, calibrated to published national "
    "figures); not real spot-check results."
)


def _config_files() -> list[Path]:
    ref = data_dir() / "reference"
    return [
        _config_dir() / "products.csv",
        _config_dir() / "product_items.csv",
        _config_dir() / "clusters.csv",
        ref / "spot_check_national.csv",
        ref / "spot_check_by_enterprise_size.csv",
        ref / "spot_check_national_breakdowns.csv",
        data_dir() / "regions" / "regions.csv",
    ]


def _config_hash() -> str:
    h = hashlib.sha256(GENERATOR_VERSION.encode())
    for p in _config_files():
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Hashing
# ---------------------------------------------------------------------------------------------


def _row_hashes(df: pd.DataFrame) -> np.ndarray:
    cols = sorted(df.columns)
    if not len(df):
        return np.array([], dtype=np.uint64)
    return pd.util.hash_pandas_object(df[cols], index=False).to_numpy(np.uint64)


def table_hash(df: pd.DataFrame) -> str:
    """Content hash of a table: SHA-256 of its sorted column names and sorted row hashes.

    Independent of row order, column order and storage (file bytes, compression, Parquet
    row groups, categorical versus string columns), so a table read back from disk hashes like
    the one generated in memory."""
    h = hashlib.sha256(json.dumps(sorted(map(str, df.columns))).encode())
    h.update(np.sort(_row_hashes(df)).tobytes())
    return h.hexdigest()


def content_hash(tables: Mapping[str, pd.DataFrame]) -> str:
    """One hash over several named tables (see :func:`table_hash`)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        h.update(name.encode())
        h.update(table_hash(tables[name]).encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleData:
    """The three tables of the sample (pandas, canonical dtypes) and their manifest."""

    records: pd.DataFrame
    nonconformities: pd.DataFrame
    enterprises: pd.DataFrame
    manifest: dict[str, Any]


def _check_args(
    n_batches: int, seed: int, years: tuple[int, int]
) -> tuple[int, int, tuple[int, int]]:
    if isinstance(n_batches, bool) or not isinstance(n_batches, (int, np.integer)):
        raise ParameterError(f"n_batches must be an integer, got {n_batches!r}")
    if n_batches < 1000:
        raise ParameterError(f"n_batches must be at least 1000, got {n_batches}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    y0, y1 = (int(years[0]), int(years[1]))
    if not (schema.YEAR_MIN <= y0 <= y1 <= schema.YEAR_MAX) or y1 - y0 > 60:
        raise ParameterError(f"years must be (first, last) with first <= last, got {years!r}")
    return int(n_batches), int(seed), (y0, y1)


def _manifest(n_batches: int, seed: int, years: tuple[int, int]) -> dict[str, Any]:
    return {
        "generator": "qualitykit.data.sample",
        "generator_version": GENERATOR_VERSION,
        "qualitykit_version": __version__,
        "config_hash": _config_hash(),
        "seed": seed,
        "n_batches": n_batches,
        "years": list(years),
        "row_group_size": ROW_GROUP_SIZE,
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
    }


def generate(
    n_batches: int = DEFAULT_N_BATCHES, seed: int = DEFAULT_SEED, years: tuple[int, int] = YEARS
) -> SampleData:
    """Generate the sample in memory (records sorted by region, year, quarter, check level).

    Same ``seed``, ``n_batches`` and ``years`` → identical tables (compare with
    :func:`content_hash`). Use :func:`write_sample` for sizes that should not be held in memory.
    """
    n_batches, seed, years = _check_args(n_batches, seed, years)
    model = _build_model(n_batches, seed, years)
    sk = _skeleton(model)
    recs, ncs = [], []
    for p, sl in _province_slices(model, sk):
        rt = _records_table(model, sk, sl)
        recs.append(rt)
        ncs.append(_nonconformities_table(model, sk, sl, rt, p))
    records = to_frame(pa.concat_tables(recs))
    nonconformities = to_frame(pa.concat_tables(ncs).select(["batch_id", "item"]))
    enterprises = to_frame(_enterprises_table(model))
    for df in (records, nonconformities, enterprises):
        df.attrs["note"] = SYNTHETIC_NOTE
    manifest = _manifest(n_batches, seed, years)
    manifest["rows"] = {
        "records": len(records),
        "nonconformities": len(nonconformities),
        "enterprises": len(enterprises),
    }
    manifest["content_hash"] = {
        "records": table_hash(records),
        "nonconformities": table_hash(nonconformities),
        "enterprises": table_hash(enterprises),
    }
    return SampleData(records, nonconformities, enterprises, manifest)


ROW_GROUP_SIZE = 16_000
"""Rows per Parquet row group: one district's slice touches one or two groups, and a district's
read (:func:`qualitykit.data.dataset.open_records`) decodes little besides it. Measured on the
default sample's 浙江 file (128,727 rows; a county ≈ 1,400 of them), median CPU of a
county's records read by :func:`qualitykit.data.dataset._read_region` over 30 counties: ≈ 13 ms
with groups of 64,000 rows (the earlier size), ≈ 5.5 ms with 16,000, 8,000 or 4,000; the file
4 % larger than with 64,000. ``benchmarks/bench_data.py`` measures a district's read on the
10 M-row set. Recorded in the manifest: a sample written with another size is rebuilt."""


def write_sample(
    out_dir: str | os.PathLike[str],
    n_batches: int = DEFAULT_N_BATCHES,
    seed: int = DEFAULT_SEED,
    years: tuple[int, int] = YEARS,
    *,
    compute_hash: bool = True,
) -> dict[str, Any]:
    """Generate the sample and write it as Parquet under ``out_dir``, one province at a time.

    Layout::

        out_dir/manifest.json
        out_dir/records/province=PP0000/part-0.parquet          sorted by region_code, year, …
        out_dir/nonconformities/province=PP0000/part-0.parquet  batch_id, item, region_code, year
        out_dir/enterprises.parquet

    ``out_dir`` must not exist or be empty. Returns the manifest (seed, size, generator version,
    config hash, row counts, files with sizes and — unless ``compute_hash=False`` — the content
    hashes of the three tables as pandas would read them, :func:`table_hash`).
    """
    n_batches, seed, years = _check_args(n_batches, seed, years)
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ParameterError(f"output folder {str(out)!r} is not empty")
    t0 = time.perf_counter()
    model = _build_model(n_batches, seed, years)
    sk = _skeleton(model)
    hashes: dict[str, list[np.ndarray]] = {"records": [], "nonconformities": []}
    rows = {"records": 0, "nonconformities": 0}
    for p, sl in _province_slices(model, sk):
        code = model.prov_codes[p]
        rt = _records_table(model, sk, sl)
        nt = _nonconformities_table(model, sk, sl, rt, p)
        for kind, table in (("records", rt), ("nonconformities", nt)):
            target = out / kind / f"province={code}"
            target.mkdir(parents=True, exist_ok=True)
            pq.write_table(
                table,
                target / "part-0.parquet",
                row_group_size=ROW_GROUP_SIZE,
                compression="snappy",
                write_statistics=True,
            )
            rows[kind] += table.num_rows
            if compute_hash:
                cols = ["batch_id", "item"] if kind == "nonconformities" else table.column_names
                hashes[kind].append(_row_hashes(to_frame(table.select(cols))))
    et = _enterprises_table(model)
    pq.write_table(et, out / "enterprises.parquet", row_group_size=ROW_GROUP_SIZE)
    manifest = _manifest(n_batches, seed, years)
    manifest["rows"] = {**rows, "enterprises": et.num_rows}
    if compute_hash:
        manifest["content_hash"] = {}
        for kind, parts in hashes.items():
            cols = ["batch_id", "item"] if kind == "nonconformities" else list(RECORDS_SCHEMA.names)
            h = hashlib.sha256(json.dumps(sorted(cols)).encode())
            h.update(np.sort(np.concatenate(parts)).tobytes())
            manifest["content_hash"][kind] = h.hexdigest()
        manifest["content_hash"]["enterprises"] = table_hash(to_frame(et))
    else:
        manifest["content_hash"] = None
    manifest["files"] = {
        str(f.relative_to(out)): f.stat().st_size for f in sorted(out.rglob("*.parquet"))
    }
    manifest["seconds"] = round(time.perf_counter() - t0, 2)
    write_json(out / "manifest.json", manifest)
    return manifest


def read_manifest(path: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    """The manifest of a written sample folder (default :func:`~qualitykit.paths.sample_dir`), or
    None if there is none or it cannot be read."""
    folder = Path(path) if path is not None else sample_dir()
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_current(folder: Path, n_batches: int, seed: int, years: tuple[int, int]) -> bool:
    m = read_manifest(folder)
    if not m:
        return False
    wanted = _manifest(n_batches, seed, years)
    for key in ("generator_version", "config_hash", "seed", "n_batches", "years", "row_group_size"):
        if m.get(key) != wanted[key]:
            return False
    files = m.get("files") or {}
    if not files:
        return False
    for rel, size in files.items():
        f = folder / rel
        if not f.is_file() or f.stat().st_size != size:
            return False
    return True


def _lock_path(target: Path) -> Path:
    """A lock file per sample folder, in the temp folder (no stray files in the project)."""
    digest = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"qualitykit-sample-{digest}.lock"


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An inter-process lock (``filelock``: fcntl on POSIX, msvcrt on Windows), so that two
    processes asking for the same sample build it once."""
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path)):
        yield


def ensure_sample(
    n_batches: int = DEFAULT_N_BATCHES,
    seed: int = DEFAULT_SEED,
    years: tuple[int, int] = YEARS,
    *,
    path: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> Path:
    """The folder of the written sample (default :func:`~qualitykit.paths.sample_dir`), generated
    first if it is missing or stale.

    Stale: the manifest is missing or unreadable, was written by another generator version or
    from other configuration / reference files (``config_hash``), for another seed, size or
    years or with another row group size, or a listed file is missing or has another size. Safe under concurrent callers: an
    exclusive lock serialises them (the second finds the first one's result current), and the new
    folder is written under a temporary name and moved into place in one rename.
    """
    n_batches, seed, years = _check_args(n_batches, seed, years)
    target = Path(path) if path is not None else sample_dir()
    if not force and _is_current(target, n_batches, seed, years):
        return target
    with _lock(_lock_path(target)):
        if not force and _is_current(target, n_batches, seed, years):
            return target
        staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}"
        try:
            write_sample(staging, n_batches, seed, years)
            publish_dir(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


# ---------------------------------------------------------------------------------------------
# Command line (also registered as ``qualitykit sample``)
# ---------------------------------------------------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``qualitykit sample``."""
    size = p.add_mutually_exclusive_group()
    size.add_argument("--preset", choices=sorted(PRESETS), help="named size (default: default)")
    size.add_argument("--rows", type=int, metavar="N", help="number of batches (all levels)")
    size.add_argument("--small", action="store_true", help="the tiny preset (test fixtures)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    p.add_argument("--out", metavar="DIR", help="output folder (default: the sample folder)")
    p.add_argument("--force", action="store_true", help="regenerate even if current")


def run(args: argparse.Namespace) -> int:
    """Run ``qualitykit sample`` with parsed arguments; prints where the sample is."""
    if args.small:
        n = PRESETS["tiny"]
    elif args.rows is not None:
        n = args.rows
    else:
        n = PRESETS[args.preset or "default"]
    t0 = time.perf_counter()
    folder = ensure_sample(n, args.seed, path=args.out, force=args.force)
    m = read_manifest(folder) or {}
    rows = m.get("rows", {})
    print(
        f"{folder}: {rows.get('records', '?')} batches, {rows.get('nonconformities', '?')} "
        f"nonconforming items, {rows.get('enterprises', '?')} enterprises "
        f"(seed {m.get('seed')}, generator {m.get('generator_version')}; "
        f"{time.perf_counter() - t0:.1f} s) — SYNTHETIC data"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m qualitykit.data.sample [--preset NAME | --rows N | --small] [--seed S] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="qualitykit sample", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
