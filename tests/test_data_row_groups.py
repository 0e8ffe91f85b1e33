"""Tests of qualitykit.data.row_groups: the decoded row groups a process remembers give the rows a
fresh read gives, a replaced or rewritten file is read afresh, and the cache is bounded."""

from __future__ import annotations

import contextlib
import os

import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pyarrow.parquet as pq

from qualitykit.data import dataset, regions, row_groups
from qualitykit.errors import NoDataError


def test_every_county_of_a_province_read_through_the_cache(sample_mem, sample_folder) -> None:
    """One county after another, as a batch run reads them (row groups of 1,000 rows here: many
    counties straddle two), equal to the in-memory sample's rows and to reads with an empty
    cache — the codes as stored, and mapped to today's (rows of an abolished code read too)."""
    r = sample_mem.records
    counties = regions.children("330000", level="county")["region_code"].astype(str).tolist()
    row_groups.clear_cache()
    stored = set(r["region_code"])
    warm = {}
    for code in counties:
        if code in stored:
            got = dataset.open_records(sample_folder, region=code, map_codes=False)
            want = r[(r["region_code"] == code).to_numpy(bool)].reset_index(drop=True)
            pdt.assert_frame_equal(got, want)
        warm[code] = dataset.open_records(sample_folder, region=code)
    assert 0 < len(row_groups._TABLES) <= row_groups.CACHE_SIZE
    assert "330112" in warm and "330112" not in stored  # 临安区: its rows are stored under 330185
    for code in counties:
        row_groups.clear_cache()
        pdt.assert_frame_equal(warm[code], dataset.open_records(sample_folder, region=code))
    items = {}
    for code in counties:
        with contextlib.suppress(NoDataError):  # a small county of the small test sample
            items[code] = dataset.open_nonconformities(sample_folder, region=code)
    assert len(items) > len(counties) / 2
    for code, got in items.items():
        row_groups.clear_cache()
        pdt.assert_frame_equal(got, dataset.open_nonconformities(sample_folder, region=code))


def _write(path, values) -> None:
    pq.write_table(pa.table({"region_code": ["330303"] * len(values), "x": values}), path)


def test_a_replaced_or_rewritten_file_is_read_afresh(tmp_path) -> None:
    path = tmp_path / "t.parquet"
    _write(path, [1, 2, 3])

    def read() -> list[int]:
        ident = row_groups.identity(path)
        meta, names = row_groups.footer(path, ident)
        assert names == ["region_code", "x"] and meta.num_row_groups == 1
        table = row_groups.read_row_group(path, ident, 0, ("x", "region_code"), ("region_code",))
        assert pa.types.is_dictionary(table.schema.field("region_code").type)
        return table.column("x").to_pylist()

    assert read() == [1, 2, 3]
    assert read() == [1, 2, 3]  # from the cache
    new = tmp_path / "new.parquet"
    _write(new, [4, 5, 6])
    os.replace(new, path)  # replaced, as qualitykit writes files
    assert read() == [4, 5, 6]
    _write(path, [7, 8, 9, 10])  # rewritten in place
    assert read() == [7, 8, 9, 10]


def test_the_cache_is_bounded(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(row_groups, "CACHE_SIZE", 3)
    row_groups.clear_cache()
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": list(range(100))}), path, row_group_size=10)
    ident = row_groups.identity(path)
    got = [row_groups.read_row_group(path, ident, i, ("x",)) for i in range(10)]
    assert pd.concat([t.to_pandas() for t in got])["x"].tolist() == list(range(100))
    assert len(row_groups._TABLES) == 3
