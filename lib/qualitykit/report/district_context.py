"""The shared context of the district briefs on disk: :class:`Context` (the work
:func:`qualitykit.report.district.build_context` does once per run), written by
:func:`write_context` into the run's folder and read back per district by :func:`read_context`
(the province's rows, Parquet filters; the last contexts read kept per process, issue 14).
Re-exported by :mod:`qualitykit.report.district`.
"""

from __future__ import annotations

import json
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from qualitykit.atomic import TMP_SUFFIX, publish_dir, write_json
from qualitykit.data import regions
from qualitykit.errors import ParameterError

__all__ = ["READ_CACHE_SIZE", "Context", "read_context", "write_context"]


@dataclass
class Context:
    """The shared work of a run (or of one interactive report).

    ``units`` — :class:`UnitComparison` tables of the districts of each province *in the data*
    (plus ``context``, ``province_code``, ``city_code``, ``name_zh``/``name_en`` and
    ``parent_code``, the division the units are compared within: the province for the synthetic
    sample, which covers it; for a user's data the smallest division holding all of the
    province's units in the data, e.g. the city of a city's table); ``grid`` — funnel lines per
    province (``context``, ``province_code``, ``n``, ``center``, ``lower_95`` …); ``areas`` —
    pooled counts and pass rates with Wilson intervals of each comparison parent and, for the
    sample, of the nation (``context``, ``region_code``, ``batches``, ``passed``, ``pass_rate``,
    ``ci_lower``, ``ci_upper``, ``phi``, ``phi_p_value``, ``overdispersed``, ``label_zh``,
    ``label_en``, ``kind`` — ``data_total`` or ``published`` —, ``source``); ``scorecard`` — the district scorecards
    (``context``, ``for_region_code`` + the columns of :func:`qualitykit.policy.scorecard.evaluate`)
    or None when no target applies; ``meta`` — the parameters of each key."""

    units: pd.DataFrame
    grid: pd.DataFrame
    areas: pd.DataFrame
    scorecard: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    views: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    """What the briefs derive from it per province (kept with it: ``district._province_view``)."""


def write_context(context: Context, folder: str | Path) -> Path:
    """Write ``context`` into ``folder`` (replaced atomically): ``units.parquet``,
    ``grid.parquet``, ``areas.parquet``, [``scorecard.parquet``] and ``meta.json``."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=TMP_SUFFIX, dir=folder.parent)
    )
    for name in ("units", "grid", "areas", "scorecard"):
        frame = getattr(context, name)
        if frame is not None and len(frame.columns):
            frame.to_parquet(staging / f"{name}.parquet", index=False)
    write_json(staging / "meta.json", context.meta)
    return publish_dir(staging, folder)


def _read(folder: Path, name: str, key: str, province: str | None) -> pd.DataFrame | None:
    path = folder / f"{name}.parquet"
    if not path.is_file():
        return None
    f = ds.field("context") == key
    if province is not None and name in ("units", "grid"):
        f = f & (ds.field("province_code") == province)
    elif province is not None and name == "areas":
        f = f & ds.field("province_code").isin([province, regions.NATIONAL_CODE])
    elif province is not None and name == "scorecard":
        f = f & _starts_with("for_region_code", province[:2])
    return pq.read_table(path, filters=f).to_pandas(types_mapper=_types)


def _starts_with(column: str, prefix: str) -> ds.Expression:
    import pyarrow.compute as pc

    return pc.starts_with(ds.field(column), prefix)


def _types(t: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype()
    return None


_READ_CACHE: OrderedDict[tuple[Any, ...], Context] = OrderedDict()
READ_CACHE_SIZE = 32
"""Contexts :func:`read_context` keeps per process (a batch worker reports the districts of a
province one after another: the province's rows are read once, issue 14)."""


def _signature(folder: Path) -> tuple[Any, ...]:
    """What tells a context folder from the one read before: its files' sizes and times."""
    out = []
    for name in (
        "meta.json",
        "units.parquet",
        "grid.parquet",
        "areas.parquet",
        "scorecard.parquet",
    ):
        try:
            st = (folder / name).stat()
        except OSError:
            out.append(None)
        else:
            out.append((st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(out)


def read_context(folder: str | Path, key: str, province: str | None = None) -> Context:
    """The context written by :func:`write_context` for parameters ``key`` (:func:`context_key`),
    optionally only the rows of one province (read with Parquet filters). The last
    :data:`READ_CACHE_SIZE` contexts read are kept per process, by folder, key, province and
    the folder's files' sizes and times (a folder written again is read again); treat the frames
    as read-only."""
    folder = Path(folder)
    cache_key = (str(folder.resolve()), key, province, _signature(folder))
    hit = _READ_CACHE.get(cache_key)
    if hit is not None:
        _READ_CACHE.move_to_end(cache_key)
        return hit
    context = _read_context(folder, key, province)
    _READ_CACHE[cache_key] = context
    while len(_READ_CACHE) > READ_CACHE_SIZE:
        _READ_CACHE.popitem(last=False)
    return context


def _read_context(folder: Path, key: str, province: str | None) -> Context:
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise ParameterError(f"context_path {str(folder)!r} holds no district context (meta.json)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if key not in meta:
        raise ParameterError(
            f"context_path {str(folder)!r} was prepared for other parameters "
            "(data_source, years, check_level, k_pp); run district.prepare again"
        )
    units = _read(folder, "units", key, province)
    grid = _read(folder, "grid", key, province)
    areas = _read(folder, "areas", key, province)
    card = _read(folder, "scorecard", key, province)
    return Context(
        units if units is not None else pd.DataFrame(),
        grid if grid is not None else pd.DataFrame(),
        areas if areas is not None else pd.DataFrame(),
        card,
        {key: meta[key]},
    )
