"""Row groups of Parquet files, decoded once per process and remembered (issue 14).

A batch run reads one district after another from the same province file: the sample is sorted
by region and written in row groups of 16,000 rows (:data:`qualitykit.data.sample.ROW_GROUP_SIZE`),
so some 45 consecutive districts share a row group, and each district's report decoded it again
(≈ 3 ms of a brief's ≈ 120 ms). :func:`read_row_group` keeps the last
:data:`CACHE_SIZE` decoded row groups, and :func:`footer` each file's footer, under the file's
identity — path, size, modification time and inode (a file replaced or rewritten is read
afresh) — and the columns asked for. The tables are Arrow tables, which nobody can change in
place; what a caller does with them (filter, select) makes new ones. Memory: a row group of
the sample's records is ≈ 1–2 MB, so the cache holds at most a few tens of MB.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import pyarrow as pa

CACHE_SIZE = 16
"""Decoded row groups remembered per process (the records' and the items' of a province or two)."""
_TABLES: OrderedDict[tuple[Any, ...], pa.Table] = OrderedDict()
_FOOTERS: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def identity(path: Path) -> tuple[Any, ...]:
    """What tells a file's content apart from an earlier one at the same path."""
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns, st.st_ino)


def _remember(cache: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> Any:
    cache[key] = value
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return value


def footer(path: Path, ident: tuple[Any, ...]) -> tuple[Any, list[str]]:
    """The file's :class:`pyarrow.parquet.FileMetaData` (row groups, their statistics) and the
    names of its Arrow schema's columns."""
    hit = _FOOTERS.get(ident)
    if hit is None:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        hit = _remember(_FOOTERS, ident, (pf.metadata, list(pf.schema_arrow.names)))
    return hit


def read_row_group(
    path: Path,
    ident: tuple[Any, ...],
    group: int,
    columns: tuple[str, ...],
    dictionary: tuple[str, ...] = (),
) -> pa.Table:
    """Row group ``group`` of the file, its ``columns`` (in that order; those named in
    ``dictionary`` as dictionary arrays), as ``pyarrow.parquet.ParquetFile.read_row_group``
    gives it — from the cache when this process read it before."""
    key = (ident, group, columns, dictionary)
    hit = _TABLES.get(key)
    if hit is not None:
        _TABLES.move_to_end(key)
        return hit
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path, read_dictionary=dictionary).read_row_group(
        group, columns=list(columns)
    )
    return _remember(_TABLES, key, table)


def clear_cache() -> None:
    """Forget every remembered row group and footer."""
    _TABLES.clear()
    _FOOTERS.clear()
