"""Reading spot-check records, nonconformities and counts — from the sample or from user data.

* :func:`open_records` — records of a region (any level), years and check levels. From a
  partitioned Parquet data set in the layout :func:`qualitykit.data.sample.write_sample` writes
  (hive partitions ``province=PP0000``, files sorted by ``region_code``) the filter is pushed down
  to Arrow: the province partition is pruned, then the row groups whose ``region_code`` statistics
  exclude the district, so one district of a 10 M-row set is read without loading the rest. A
  single user file (CSV / XLSX / Parquet) or another folder goes through
  :func:`qualitykit.data.io.load_records` (validation, encodings) and is filtered in memory.
* :func:`open_nonconformities` — the failed items of the selected records (joined through
  ``batch_id``), with the record columns needed to group them and the cause map's columns.
* :func:`aggregate` — records → counts (``batches``, ``passed``, ``nonconforming``) by any
  columns, including the derived ``province_code``, ``city_code`` and ``sales_class``.
* :func:`load_cause_map` — the item → cause map (``data/causes/cause_map.csv`` or the user's own).

``source=None`` means the embedded synthetic sample (:func:`qualitykit.data.sample.ensure_sample`
builds it on first use). Returned columns have the dtypes of :mod:`qualitykit.data.io`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from qualitykit import schema
from qualitykit.data import regions, row_groups
from qualitykit.data.frames import to_frame
from qualitykit.data.sample import ensure_sample
from qualitykit.errors import NoDataError, ParameterError

__all__ = [
    "DEFAULT_NC_RECORD_COLUMNS",
    "RECORD_COLUMNS",
    "aggregate",
    "current_codes",
    "load_cause_map",
    "open_enterprises",
    "open_nonconformities",
    "open_records",
    "open_source",
    "stored_code_changes",
]

RECORD_COLUMNS: tuple[str, ...] = (
    "batch_id",
    "year",
    "quarter",
    "check_level",
    "region_code",
    "industry_code",
    "product",
    "enterprise_id",
    "enterprise_size",
    "annual_sales",
    "passed",
)
"""The record columns of the sample (``schema.RECORD_COLUMNS`` without ``sampled_on``)."""

DEFAULT_NC_RECORD_COLUMNS: tuple[str, ...] = (
    "year",
    "quarter",
    "check_level",
    "region_code",
    "industry_code",
    "product",
    "enterprise_size",
    "annual_sales",
)
"""Record columns joined to each nonconformity by default (to group a Pareto analysis by period,
region, check level, product or enterprise class)."""

_PARTITIONING = ds.partitioning(pa.schema([("province", pa.string())]), flavor="hive")
PathLike = str | os.PathLike[str]
Years = int | tuple[int, int] | Iterable[int] | None


# ---------------------------------------------------------------------------------------------
# Argument checking
# ---------------------------------------------------------------------------------------------


def _check_region(region: str | None, map_codes: bool = True) -> tuple[str, str] | None:
    """(code, level) of ``region`` (level: national / province / city / county) or None. With
    ``map_codes``, an abolished code that has a successor is a ParameterError naming it (its
    data are read under the successor)."""
    if region is None:
        return None
    regions.check_code(region, "region")
    if map_codes and regions.is_abolished(region):
        raise ParameterError(regions.abolished_message(region, "region"))
    level = str(regions.lookup(region)["level"])
    return region, level


def _check_years(years: Years) -> tuple[int, int] | list[int] | None:
    if years is None:
        return None
    if isinstance(years, (int, np.integer)) and not isinstance(years, bool):
        return [int(years)]
    if isinstance(years, tuple) and len(years) == 2:
        lo, hi = years
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lo, hi)):
            raise ParameterError(f"years (first, last) must be integers, got {years!r}")
        if lo > hi:
            raise ParameterError(f"years (first, last) must have first <= last, got {years!r}")
        return (int(lo), int(hi))
    if isinstance(years, (str, bytes)) or not isinstance(years, Iterable):
        raise ParameterError(
            f"years must be a year, a (first, last) tuple or a list of years, got {years!r}"
        )
    out = []
    for v in years:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ParameterError(f"years must be integers, got {v!r} in {years!r}")
        out.append(int(v))
    return sorted(set(out))


def _check_levels(check_levels: str | Iterable[str] | None) -> list[str] | None:
    if check_levels is None:
        return None
    items = [check_levels] if isinstance(check_levels, str) else list(check_levels)
    out = []
    for lv in items:
        canon = schema.CHECK_LEVEL_ALIASES.get(
            str(lv).strip().lower(), schema.CHECK_LEVEL_ALIASES.get(str(lv).strip())
        )
        if canon is None:
            raise ParameterError(
                f"unknown check level {lv!r}; expected one of {list(schema.CHECK_LEVELS)} "
                "(or 国家/省/市/县级)"
            )
        out.append(canon)
    return sorted(set(out), key=schema.CHECK_LEVELS.index)


def _check_columns(columns: Sequence[str] | None, allowed: Sequence[str]) -> list[str]:
    if columns is None:
        return list(allowed)
    cols = [columns] if isinstance(columns, str) else list(columns)
    unknown = [c for c in cols if c not in allowed]
    if unknown:
        raise ParameterError(f"unknown columns {unknown}; expected some of {list(allowed)}")
    return cols


def _describe(region: tuple[str, str] | None, years: object, levels: object) -> str:
    parts = []
    if region is not None:
        parts.append(f"region {region[0]} ({regions.name(region[0])})")
    if years is not None:
        parts.append(f"years {years}")
    if levels is not None:
        parts.append(f"check levels {levels}")
    return ", ".join(parts) or "the whole data set"


# ---------------------------------------------------------------------------------------------
# Source resolution
# ---------------------------------------------------------------------------------------------


def _partitioned(folder: Path) -> bool:
    return folder.is_dir() and any(p.name.startswith("province=") for p in folder.iterdir())


def _resolve(source: PathLike | None, kind: str) -> tuple[str, Path]:
    """("dataset", folder) for a province-partitioned Parquet folder, ("file", path) otherwise."""
    if source is None:
        return "dataset", ensure_sample() / kind
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"source {str(path)!r} does not exist")
    if path.is_dir():
        if _partitioned(path / kind):
            return "dataset", path / kind
        if kind == "records" and _partitioned(path):
            return "dataset", path
    return "file", path


def _region_codes(code: str, level: str, map_codes: bool = True) -> list[str]:
    """The ``region_code`` values a county or a city is stored under: its county-level units
    and, with ``map_codes``, their predecessors (abolished codes the data may still use, e.g.
    330185 for 330112 临安区), sorted."""
    if level == "county":
        units = [code]
    else:
        kids = regions.children(code, level="county", current=map_codes)
        units = kids["region_code"].astype(str).tolist()
    if map_codes:
        units += [old for c in units for old in regions.predecessors(c)]
    return sorted(set(units))


def _region_expression(
    region: tuple[str, str] | None, map_codes: bool = True
) -> tuple[ds.Expression | None, list[str] | None]:
    if region is None or region[1] == "national":
        return None, None
    code, level = region
    province = pc.field("province") == f"{code[:2]}0000"
    if level == "province":
        return province, None
    members = _region_codes(code, level, map_codes)
    if len(members) == 1:
        return province & (pc.field("region_code") == members[0]), members
    return province & pc.field("region_code").isin(members), members


def current_codes(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """A ``region_code`` column with abolished codes replaced by their successors
    (:func:`qualitykit.data.regions.successors`; the rule of published tables,
    :func:`qualitykit.data.units.map_codes`). Dictionary-encoded chunks are mapped on their few
    dictionary entries (the sample's Parquet reads ``region_code`` so)."""
    succ = regions.successors()
    old = pa.array(list(succ), pa.string())
    new = pa.array([v[0] for v in succ.values()], pa.string())

    def one(chunk: pa.Array) -> pa.Array:
        if pa.types.is_dictionary(chunk.type):
            d = chunk.dictionary.cast(pa.string())
            idx = pc.index_in(d, value_set=old)
            if idx.null_count == len(d):
                return chunk
            d = pc.if_else(pc.is_null(idx), d, pc.take(new, idx))
            return pa.DictionaryArray.from_arrays(chunk.indices, d)
        idx = pc.index_in(chunk, value_set=old)
        if idx.null_count == len(chunk):
            return chunk
        return pc.if_else(pc.is_null(idx), chunk, pc.take(new, idx)).cast(chunk.type)

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    return pa.chunked_array([one(c) for c in chunks], column.type if chunks else pa.string())


def _map_table(table: pa.Table, map_codes: bool) -> pa.Table:
    """``table`` with its ``region_code`` column (if any) mapped to current codes."""
    if not map_codes or "region_code" not in table.column_names:
        return table
    i = table.column_names.index("region_code")
    return table.set_column(i, "region_code", current_codes(table.column(i)))


def _years_expression(years: tuple[int, int] | list[int] | None) -> ds.Expression | None:
    if years is None:
        return None
    if isinstance(years, tuple):
        return (pc.field("year") >= years[0]) & (pc.field("year") <= years[1])
    return pc.field("year").isin(years)


def _and(*exprs: ds.Expression | None) -> ds.Expression | None:
    out = None
    for e in exprs:
        if e is not None:
            out = e if out is None else out & e
    return out


def _read_dataset(
    folder: Path,
    columns: list[str],
    filt: ds.Expression | None,
    region: tuple[str, str] | None = None,
    rest: ds.Expression | None = None,
    map_codes: bool = True,
) -> pa.Table:
    """The ``columns`` of the rows of a province-partitioned folder that match ``filt``, with
    ``region_code`` mapped to current codes (``map_codes``). With ``region`` (a county or a
    city; ``rest`` = the filter without the region) the province's files are read directly
    (:func:`_read_region`); else by :mod:`pyarrow.dataset`."""
    if region is not None and region[1] in ("county", "city"):
        table = _read_region(folder, region, columns, rest, map_codes)
        if table is not None:
            return table
    dataset = ds.dataset(folder, format="parquet", partitioning=_PARTITIONING)
    present = [c for c in columns if c in dataset.schema.names]
    return _map_table(dataset.to_table(columns=present, filter=filt), map_codes)


def _read_region(
    folder: Path,
    region: tuple[str, str],
    columns: list[str],
    rest: ds.Expression | None,
    map_codes: bool = True,
) -> pa.Table | None:
    """The rows of one county (or the counties of one city) from its province's partition
    (``province=<code>/*.parquet``), or None to fall back to :mod:`pyarrow.dataset`.

    Where the time goes in the general scan (10 M-row sample, the largest district, 210,000 of
    its province's 1.3 M rows): decoding ``region_code`` to text for every row of the row groups
    the statistics keep, only to compare it. Here the row groups are pruned by the statistics
    of ``region_code`` (the sample is sorted by region), ``region_code`` is read as a
    dictionary and matched on its few dictionary entries, and only the matching rows of the
    other columns are kept; ``rest`` (years, check levels) is applied to that table. With
    ``map_codes`` the rows stored under a predecessor's code (330185 for 330112 临安区) are read
    too and given the current code (mapped on the dictionary entries). The row groups are
    decoded once per process (:mod:`qualitykit.data.row_groups`): the next district of the
    province is usually in the same ones."""
    code, level = region
    part = folder / f"province={code[:2]}0000"
    if not part.is_dir():
        return None
    files = sorted(f for f in part.iterdir() if f.suffix in (".parquet", ".pq") and f.is_file())
    if not files:
        return None
    codes = _region_codes(code, level, map_codes)
    wanted = pa.array(codes, pa.string())
    tables = []
    for f in files:
        ident = row_groups.identity(f)
        meta, names = row_groups.footer(f, ident)
        if "region_code" not in names:
            return None
        col = names.index("region_code")
        groups = []
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(col).statistics
            if (
                stats is None
                or not stats.has_min_max
                or any(stats.min <= c <= stats.max for c in codes)
            ):
                groups.append(i)
        if not groups:
            continue
        need = [c for c in names if c in columns or (rest is not None and c in _REST_COLUMNS)]
        others = [c for c in need if c != "region_code"]
        read = (*others, "region_code")  # decoded once per process (row_groups)
        parts = [row_groups.read_row_group(f, ident, i, read, ("region_code",)) for i in groups]
        both = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        rc = both.column("region_code")
        masks = []
        for chunk in rc.chunks:
            if pa.types.is_dictionary(chunk.type):  # match the few dictionary entries only
                hits = pc.is_in(chunk.dictionary, value_set=wanted)
                masks.append(pc.fill_null(pc.take(hits, chunk.indices), False))
            else:
                masks.append(pc.fill_null(pc.is_in(chunk, value_set=wanted), False))
        mask = pa.chunked_array(masks, pa.bool_())
        table = both if ("region_code" in need or not others) else both.drop_columns("region_code")
        table = _map_table(table.filter(mask), map_codes)
        if "region_code" in table.column_names:
            i = table.column_names.index("region_code")
            table = table.set_column(i, "region_code", table.column(i).cast(pa.string()))
        tables.append(table)
    if not tables:
        return None  # nothing there: the general scan gives the empty table with its schema
    table = pa.concat_tables(tables)
    if rest is not None:
        table = table.filter(rest)
    if "province" in columns:  # the partition key, as the general scan gives it
        table = table.append_column(
            "province", pa.array([f"{code[:2]}0000"] * table.num_rows, pa.string())
        )
    return table.select([c for c in columns if c in table.column_names])


def stored_code_changes(folder: PathLike) -> pd.DataFrame:
    """The abolished codes a province-partitioned records folder stores rows under, as
    :func:`qualitykit.data.units.map_codes` reports them for a table: ``old_code, old_name,
    new_code, new_name, year, rows``. Only the row groups whose ``region_code`` statistics can
    hold an abolished code are read (the sample is sorted by region: a few row groups)."""
    import pyarrow.parquet as pq

    succ = regions.successors()
    by_province: dict[str, list[str]] = {}
    for old in succ:
        by_province.setdefault(old[:2], []).append(old)
    seen: dict[str, int] = {}
    root = Path(folder)
    for prov, olds in sorted(by_province.items()):
        part = root / f"province={prov}0000"
        if not part.is_dir():
            continue
        wanted = pa.array(sorted(olds), pa.string())
        for f in sorted(x for x in part.iterdir() if x.suffix in (".parquet", ".pq")):
            pf = pq.ParquetFile(f, read_dictionary=["region_code"])
            if "region_code" not in pf.schema_arrow.names:
                continue
            col = pf.schema_arrow.names.index("region_code")
            groups = []
            for i in range(pf.metadata.num_row_groups):
                st = pf.metadata.row_group(i).column(col).statistics
                if st is None or not st.has_min_max or any(st.min <= c <= st.max for c in olds):
                    groups.append(i)
            if not groups:
                continue
            rc = pf.read_row_groups(groups, columns=["region_code"]).column(0)
            for chunk in rc.chunks:
                if pa.types.is_dictionary(chunk.type):  # look at the few dictionary entries
                    d = chunk.dictionary.cast(pa.string())
                    if not pc.any(pc.is_in(d, value_set=wanted)).as_py():
                        continue
                    vc = pc.value_counts(chunk.indices)
                    values = pc.take(d, vc.field("values")).to_pylist()
                else:
                    vc = pc.value_counts(chunk)
                    values = vc.field("values").to_pylist()
                for code, n in zip(values, vc.field("counts").to_pylist(), strict=True):
                    if code in succ:
                        seen[code] = seen.get(code, 0) + int(n)
    cc = regions.code_changes().drop_duplicates("old_code").set_index("old_code")
    rows = [
        {
            "old_code": old,
            "old_name": cc.at[old, "old_name"],
            "new_code": succ[old][0],
            "new_name": regions.name(succ[old][0]),
            "year": succ[old][1],
            "rows": n,
        }
        for old, n in sorted(seen.items())
    ]
    return pd.DataFrame(
        rows, columns=["old_code", "old_name", "new_code", "new_name", "year", "rows"]
    )


_REST_COLUMNS = ("year", "check_level")
"""Columns the filters besides the region use (``rest`` of :func:`_read_region`)."""


def _filter_frame(
    df: pd.DataFrame, region: tuple[str, str] | None, years: object, levels: list[str] | None
) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    if region is not None and region[1] != "national":
        mask &= regions.within(df["region_code"].astype("string"), region[0]).to_numpy(bool)
    if years is not None:
        y = df["year"]
        if isinstance(years, tuple):
            mask &= ((y >= years[0]) & (y <= years[1])).fillna(False).to_numpy(bool)
        else:
            mask &= y.isin(years).fillna(False).to_numpy(bool)
    if levels is not None:
        mask &= df["check_level"].astype("string").isin(levels).fillna(False).to_numpy(bool)
    return df[mask.to_numpy(bool)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def open_records(
    source: PathLike | None = None,
    region: str | None = None,
    years: Years = None,
    check_levels: str | Iterable[str] | None = None,
    columns: Sequence[str] | None = None,
    map_codes: bool = True,
) -> pd.DataFrame:
    """Spot-check records, filtered.

    ``source``: None (the embedded synthetic sample), a sample folder (with ``records/``), a
    province-partitioned records folder, or a user file / folder read by
    :func:`qualitykit.data.io.load_records`. ``region``: a GB/T 2260 code of any level (``"330303"``
    a district, ``"330300"`` a city, ``"330000"`` a province, ``"000000"`` the country).
    ``years``: a year, a ``(first, last)`` tuple (inclusive) or a list of years.
    ``check_levels``: one level or several (national / provincial / municipal / county or
    国家/省/市/县级). ``columns``: the record columns to return (default all, see
    :data:`RECORD_COLUMNS`). ``map_codes`` (default): abolished region codes are read as their
    successors (``data/regions/code_changes.csv``, the rule of published tables): the sample's
    330185 临安市 rows are 330112 临安区's, a district is read with its predecessors' rows, and an
    abolished code given as ``region`` is a ParameterError naming its successor; ``False`` keeps
    the codes as stored (the opt-out, ``--keep-codes``).

    Returns one row per batch with the canonical columns (dtypes of :mod:`qualitykit.data.io`), in
    the order of the data set (the sample: by region, year, quarter, check level). Raises
    ``ParameterError`` for a malformed or unknown code / level / column and ``NoDataError`` if
    the selection is empty.
    """
    reg = _check_region(region, map_codes)
    yrs = _check_years(years)
    levels = _check_levels(check_levels)
    kind, path = _resolve(source, "records")
    if kind == "file":
        from . import io  # lazily: io is only needed for user files

        df = io.load_records(path, map_codes=map_codes)
        cols = _check_columns(columns, list(df.columns))
        out = _filter_frame(df, reg, yrs, levels)[cols]
    else:
        cols = _check_columns(columns, RECORD_COLUMNS)
        expr, _ = _region_expression(reg, map_codes)
        rest = _and(
            _years_expression(yrs),
            None if levels is None else pc.field("check_level").isin(levels),
        )
        table = _read_dataset(path, cols, _and(expr, rest), reg, rest, map_codes)
        out = to_frame(table.select([c for c in cols if c in table.column_names]))
    if out.empty:
        raise NoDataError(f"no records for {_describe(reg, years, levels)} in {path}")
    return out


def open_nonconformities(
    source: PathLike | None = None,
    region: str | None = None,
    years: Years = None,
    check_levels: str | Iterable[str] | None = None,
    record_columns: Sequence[str] | None = DEFAULT_NC_RECORD_COLUMNS,
    cause_map: bool | PathLike | pd.DataFrame = True,
    map_codes: bool = True,
    records: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Nonconforming test items of the selected records (same filters as :func:`open_records`).

    ======================  ===============================================================
    batch_id, item          one row per failed item of a failed batch
    <record_columns>        the batch's record columns (default
                            :data:`DEFAULT_NC_RECORD_COLUMNS`), joined through ``batch_id``
    category, cause_5m1e,   from the cause map (``cause_map=True``: ``data/causes/
    controllable            cause_map.csv``; a path or DataFrame: the user's own map; False:
                            no cause columns). Items missing from the map get NA.
    ======================  ===============================================================

    A user file is read with :func:`qualitykit.data.io.load_nonconformities`; the region / year /
    level filters then need ``records`` with the same batch ids, so for user files only the
    unfiltered table is supported (pass the filters as None). ``map_codes``: as
    :func:`open_records`. ``records``: the selected records when the caller has read them
    already (:func:`open_records` of the same source and filters, with ``batch_id`` and the
    ``record_columns``) — the join uses them instead of reading the records again (a partitioned
    folder only; the result is the same).
    """
    reg = _check_region(region, map_codes)
    yrs = _check_years(years)
    levels = _check_levels(check_levels)
    rec_cols = _check_columns(record_columns or [], RECORD_COLUMNS)
    kind, path = _resolve(source, "nonconformities")
    if kind == "file":
        from qualitykit.data import io

        if reg is not None or yrs is not None or levels is not None:
            raise ParameterError(
                "filters on a nonconformities file need the records: open_records(...) and "
                "join on batch_id (or use a partitioned sample folder)"
            )
        nc = io.load_nonconformities(path, map_codes=map_codes)
    else:
        rec_path = path.parent / "records"
        joined = [c for c in rec_cols if c != "batch_id"]
        needed = ["batch_id", *joined]
        if levels is not None and "check_level" not in needed:
            needed.append("check_level")
        expr, _ = _region_expression(reg, map_codes)
        years_expr = _years_expression(yrs)
        rec_rest = _and(
            years_expr, None if levels is None else pc.field("check_level").isin(levels)
        )
        # a county or a city: its province's files are read directly (_read_region)
        nc_table = _read_dataset(
            path, ["batch_id", "item"], _and(expr, years_expr), reg, years_expr, map_codes
        )
        if records is not None:
            missing = [c for c in ("batch_id", *joined) if c not in records.columns]
            if missing:
                raise ParameterError(f"records lack the columns {missing} of the join")
            ids = pa.array(records["batch_id"].astype("string"), pa.string())
            nc = to_frame(nc_table.filter(pc.is_in(nc_table.column("batch_id"), value_set=ids)))
            if joined:
                nc = _join_records(nc, records[["batch_id", *joined]])
        elif rec_cols or levels is not None:
            rec_table = _read_dataset(
                rec_path, needed, _and(expr, rec_rest), reg, rec_rest, map_codes
            )
            keep = pc.is_in(nc_table.column("batch_id"), value_set=rec_table.column("batch_id"))
            nc = to_frame(nc_table.filter(keep))
            if joined:
                nc = _join_records(nc, to_frame(rec_table.select(["batch_id", *joined])))
        else:
            nc = to_frame(nc_table)
    if cause_map is not False:
        cm = load_cause_map(None if cause_map is True else cause_map)
        nc = nc.drop(columns=[c for c in ("category", "cause_5m1e", "controllable") if c in nc])
        nc = _left_join(nc, cm[["item", "category", "cause_5m1e", "controllable"]], "item")
        nc["cause_5m1e"] = nc["cause_5m1e"].astype(pd.CategoricalDtype(list(schema.CAUSES_5M1E)))
        nc["controllable"] = nc["controllable"].astype(
            pd.CategoricalDtype(list(schema.CONTROLLABILITY))
        )
    if nc.empty:
        raise NoDataError(f"no nonconformities for {_describe(reg, years, levels)} in {path}")
    return nc.reset_index(drop=True)


def _left_join(
    left: pd.DataFrame, right: pd.DataFrame, on: str, validate: str | None = None
) -> pd.DataFrame:
    """``left.merge(right, on=on, how="left", sort=False, validate=validate)``, by position
    where every row of ``left`` has its one match in ``right`` (the common case, without the
    merge's overhead); otherwise (and where both share another column, which the merge
    suffixes) by the merge itself."""
    keys = pd.Index(right[on])
    shared = set(left.columns) & set(right.columns) - {on}
    pos = keys.get_indexer(left[on]) if keys.is_unique and not shared else None
    if pos is None or (pos < 0).any():  # the general case: pandas itself
        return left.merge(right, on=on, how="left", sort=False, validate=validate)
    out = {c: left[c].array for c in left.columns}
    out.update({c: right[c].array.take(pos) for c in right.columns if c != on})
    return pd.DataFrame(out, index=pd.RangeIndex(len(left)))


def _join_records(nc: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The record columns of each nonconformity's batch (``records``: ``batch_id`` first, one
    row per batch)."""
    return _left_join(nc, records, "batch_id", "many_to_one")


def open_enterprises(
    source: PathLike | None = None, region: str | None = None, map_codes: bool = True
) -> pd.DataFrame:
    """The enterprises of a sample folder (default the embedded sample), optionally of one region:
    ``enterprise_id, region_code, industry_code, product, enterprise_size, annual_sales,
    sales_class``. ``map_codes``: as :func:`open_records`."""
    reg = _check_region(region, map_codes)
    folder = ensure_sample() if source is None else Path(source)
    path = folder / "enterprises.parquet"
    if not path.is_file():
        raise ParameterError(f"{str(folder)!r} holds no enterprises.parquet (not a sample folder)")
    filt = None
    if reg is not None and reg[1] != "national":
        if reg[1] == "province":
            filt = pc.starts_with(pc.field("region_code"), reg[0][:2])
        else:
            members = _region_codes(reg[0], reg[1], map_codes)
            filt = pc.field("region_code").isin(members)
    table = _map_table(ds.dataset(path, format="parquet").to_table(filter=filt), map_codes)
    out = to_frame(table)
    if out.empty:
        raise NoDataError(f"no enterprises for {_describe(reg, None, None)} in {folder}")
    return out


def aggregate(records: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Counts of ``records`` (or re-summed counts) by the columns ``by``.

    Besides the record columns, ``by`` may name the derived ``province_code`` and ``city_code``
    (from ``region_code``, :func:`qualitykit.data.regions.add_parents`) and ``sales_class`` (Longwan
    A/B/C from ``annual_sales``, :func:`qualitykit.schema.sales_class`).

    ===============  =============================================
    <by columns>     the groups (sorted; missing keys form a group)
    batches          batches (int64)
    passed           passing batches (int64)
    nonconforming    batches − passed (int64)
    ===============  =============================================

    Counting is :func:`qualitykit.stats.metrics.aggregate_counts` (which checks the input and collects
    every problem into one ``InputError``).
    """
    from qualitykit.stats.metrics import aggregate_counts  # lazily: scipy.stats is slow to import

    keys = [by] if isinstance(by, str) else list(by or [])
    frame = records
    derived: dict[str, pd.Series] = {}
    for k in keys:
        if k in frame.columns:
            continue
        if k in ("province_code", "city_code") and "region_code" in frame.columns:
            parents = regions.add_parents(frame[["region_code"]])
            derived[k] = parents[k].astype("string")
        elif k == "sales_class" and "annual_sales" in frame.columns:
            derived[k] = schema.sales_class(frame["annual_sales"])
        else:
            raise ParameterError(
                f"cannot group by {k!r}: not a column of the data (and not derivable: "
                "province_code / city_code need region_code, sales_class needs annual_sales)"
            )
    if derived:
        frame = frame.assign(**derived)
    return aggregate_counts(frame, keys, source="records")


def load_cause_map(
    path: PathLike | pd.DataFrame | None = None, extend: PathLike | pd.DataFrame | None = None
) -> pd.DataFrame:
    """The item → cause map (:func:`qualitykit.data.causes.load_cause_map`): the default
    ``data/causes/cause_map.csv`` or the user's own (``path``), extended / overridden by
    ``extend``."""
    from qualitykit.data.causes import load_cause_map as load

    return load(path, extend)


def open_source(source: PathLike | None = None, **options: object) -> object:
    """The one entry point for any shape: :func:`qualitykit.data.source.open_source`."""
    from qualitykit.data.source import open_source as open_

    return open_(source, **options)  # type: ignore[arg-type]
