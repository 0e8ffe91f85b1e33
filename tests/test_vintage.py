"""One vintage everywhere (issue 10, item 2): abolished region codes are not units of their own
and are read as their successors, so a district's series stays continuous.

Independent computations: the crosswalk is read here with the ``csv`` module (not through
``qualitykit``), the synthetic sample generated in memory with its stored (cpca-vintage) codes
(``sample_mem``, tests/conftest.py) is compared with what the readers return from its folder
(``sample_folder``); the brief is checked against the raw records of the
predecessor read with ``map_codes=False``.
"""

from __future__ import annotations

import csv

import pandas as pd
import pandas.testing as pdt
import pytest

from qualitykit.data import dataset, regions
from qualitykit.data.source import open_source
from qualitykit.errors import ParameterError
from qualitykit.paths import data_dir, notebooks_dir
from qualitykit.report import district
from qualitykit.report import framework as report
from qualitykit.run.params import expand_parameter_sets

ZJ_OLD = {"330185": "330112", "330283": "330213", "331021": "331083", "330204": "330212"}
"""临安市 → 临安区 (2017), 奉化市 → 奉化区 (2016), 玉环县 → 玉环市 (2017), 江东区 → 鄞州区 (2016)."""


def _crosswalk() -> dict[str, str]:
    """old → current code, read with the csv module and chains followed by hand."""
    with open(data_dir() / "regions" / "code_changes.csv", encoding="utf-8", newline="") as fh:
        step = {row["old_code"]: row["new_code"] for row in csv.DictReader(fh)}
    out = {}
    for old, new in step.items():
        while new in step:
            new = step[new]
        out[old] = new
    return out


# --------------------------------------------------------------------------------------------
# units: children() and the batch expansion list current units only
# --------------------------------------------------------------------------------------------


def test_zhejiang_counties_are_current_units() -> None:
    kids = set(regions.children("330000", level="county")["region_code"])
    every = set(regions.children("330000", level="county", current=False)["region_code"])
    assert len(every) == 93  # the region table's codes of both vintages (the defect on main)
    for old, new in ZJ_OLD.items():
        assert old not in kids and new in kids and old in every
    assert "330104" in kids  # 江干区 was split (2021): no single successor, stays listed
    assert kids == {c for c in every if c not in _crosswalk()}
    assert len(kids) == 89


def test_city_children_and_the_crosswalk_agree_everywhere() -> None:
    cw = _crosswalk()
    hz = set(regions.children("330100")["region_code"])
    assert "330112" in hz and "330185" not in hz
    # no current list anywhere holds an abolished code that has a successor
    nation = set(regions.children("000000", level="county")["region_code"])
    assert not nation & set(cw)
    assert {cw[c] for c in regions.counties()["region_code"] if c in cw} <= nation


def test_batch_over_a_province_expands_to_current_units() -> None:
    sets = expand_parameter_sets(
        notebooks_dir() / "05_district_report.ipynb", each="district", within="330000"
    )
    codes = [s["region_code"] for s in sets]
    assert len(codes) == len(set(codes)) == 89
    assert "330112" in codes and "330185" not in codes and "330204" not in codes


# --------------------------------------------------------------------------------------------
# records read in today's vintage
# --------------------------------------------------------------------------------------------


def _mapped(records: pd.DataFrame) -> pd.DataFrame:
    cw = _crosswalk()
    rc = records["region_code"].astype(str).map(lambda c: cw.get(c, c))
    return records.assign(region_code=rc.astype("string"))


def test_a_successor_is_read_with_its_predecessors_rows(sample_mem, sample_folder) -> None:
    r = sample_mem.records
    got = dataset.open_records(sample_folder, region="330112")
    want = _mapped(r[(r["region_code"] == "330185").to_numpy(bool)].reset_index(drop=True))
    assert len(want) > 0
    pdt.assert_frame_equal(got, want)
    # a merger: 鄞州区 holds its own rows and 江东区's, in the stored order
    got = dataset.open_records(sample_folder, region="330212")
    mask = r["region_code"].isin(["330212", "330204"]).to_numpy(bool)
    pdt.assert_frame_equal(got, _mapped(r[mask].reset_index(drop=True)))


def test_city_province_and_national_reads_are_mapped(sample_mem, sample_folder) -> None:
    r = sample_mem.records
    for code in ("330100", "330000", "000000"):
        got = dataset.open_records(sample_folder, region=code, columns=["batch_id", "region_code"])
        within = regions.within(_mapped(r)["region_code"], code).to_numpy(bool)
        want = _mapped(r[within].reset_index(drop=True))[["batch_id", "region_code"]]
        pdt.assert_frame_equal(
            got.sort_values("batch_id").reset_index(drop=True),
            want.sort_values("batch_id").reset_index(drop=True),
        )
        assert not set(got["region_code"]) & set(_crosswalk())


def test_nonconformities_and_enterprises_follow(sample_mem, sample_folder) -> None:
    r, nc, e = sample_mem.records, sample_mem.nonconformities, sample_mem.enterprises
    got = dataset.open_nonconformities(sample_folder, region="330112", cause_map=False)
    ids = set(r.loc[(r["region_code"] == "330185").to_numpy(bool), "batch_id"])
    assert sorted(got["batch_id"]) == sorted(nc.loc[nc["batch_id"].isin(ids), "batch_id"])
    assert set(got["region_code"]) == {"330112"}
    ents = dataset.open_enterprises(sample_folder, region="330112")
    assert len(ents) == int((e["region_code"] == "330185").sum()) > 0
    assert set(ents["region_code"]) == {"330112"}


def test_source_counts_units_and_notices(sample_mem, sample_folder) -> None:
    r = sample_mem.records
    src = open_source(sample_folder)
    c = src.counts(region="330112")
    old = r[(r["region_code"] == "330185").to_numpy(bool)]
    assert int(c["batches"].sum()) == len(old)
    assert int(c["passed"].sum()) == int(old["passed"].sum())
    units = src.units.set_index("code")
    assert units.at["330112", "kind"] == "standard"
    assert units.at["330185", "kind"] == "abolished"
    assert units.at["330185", "successor"] == "330112"
    # the notice names the code, its successor, the year and the rows stored under it
    zh = [n.zh for n in src.notices if n.kind == "code_changes"]
    en = [n.en for n in src.notices if n.kind == "code_changes"]
    line = next(t for t in en if "330185" in t)
    assert "330112" in line and "2017" in line and f"{len(old):,} rows" in line
    assert any("330185" in t and "临安区" in t for t in zh)
    stored = set(r["region_code"].astype(str)) & set(_crosswalk())
    assert {t.split()[2] for t in en} == stored


def test_a_user_records_file_is_mapped_by_the_same_rule(sample_mem, tmp_path) -> None:
    r = sample_mem.records
    rows = r[r["region_code"].isin(["330185", "330112", "330303"]).to_numpy(bool)]
    path = tmp_path / "records.csv"
    rows.to_csv(path, index=False)
    src = open_source(path)
    c = src.counts(region="330112")
    assert int(c["batches"].sum()) == int(rows["region_code"].isin(["330185", "330112"]).sum())
    assert any(n.kind == "code_changes" and "330185" in n.en for n in src.notices)
    kept = open_source(path, map_codes=False)
    assert int(kept.counts(region="330185")["batches"].sum()) == int(
        (rows["region_code"] == "330185").sum()
    )


# --------------------------------------------------------------------------------------------
# an abolished code given explicitly; the opt-out
# --------------------------------------------------------------------------------------------


def test_an_abolished_code_as_region_names_its_successor(sample_folder) -> None:
    with pytest.raises(ParameterError, match=r"330185.*abolished.*2017.*330112 临安区"):
        dataset.open_records(sample_folder, region="330185")
    with pytest.raises(ParameterError, match=r"'330112'"):
        open_source(sample_folder).counts(region="330185")
    with pytest.raises(ParameterError, match=r"region_code '330185' \(临安市\) is an abolished"):
        report.start(
            "05_district_report",
            region_code="330185",
            levels=("county",),
            years=(2015, 2024),
            data_source="sample:tiny",
        )


def test_opt_out_keeps_the_stored_codes(sample_mem, sample_folder) -> None:
    r = sample_mem.records
    got = dataset.open_records(sample_folder, region="330185", map_codes=False)
    pdt.assert_frame_equal(
        got, r[(r["region_code"] == "330185").to_numpy(bool)].reset_index(drop=True)
    )
    nat = dataset.open_records(sample_folder, columns=["region_code"], map_codes=False)
    assert "330185" in set(nat["region_code"]) and "330112" not in set(nat["region_code"])
    src = open_source(sample_folder, map_codes=False)
    assert not [n for n in src.notices if n.kind == "code_changes"]
    assert "330185" in set(src.units["code"]) and "330112" not in set(src.units["code"])
    assert "330185" in set(regions.children("330100", current=False)["region_code"])


# --------------------------------------------------------------------------------------------
# the district brief on the embedded sample
# --------------------------------------------------------------------------------------------


def test_brief_of_the_successor_has_the_whole_series(tmp_path) -> None:
    ctx = report.start(
        "05_district_report",
        region_code="330112",
        levels=("county",),
        years=(2015, 2024),
        output_dir=str(tmp_path / "330112"),
        record_columns=district.RECORD_COLUMNS,
        show_scope=False,
    )
    brief = district.analyse(ctx)
    raw = dataset.open_records(None, region="330185", years=(2015, 2024), map_codes=False)
    assert brief.summary["batches"] == len(raw) > 0
    assert brief.summary["passed"] == int(raw["passed"].sum())
    assert brief.yearly["year"].tolist() == list(range(2015, 2025))
    per_year = raw.groupby("year")["passed"].size()
    assert brief.yearly.set_index("year")["batches"].to_dict() == {
        int(y): int(n) for y, n in per_year.items()
    }
    siblings = set(brief.siblings["region_code"]) if brief.siblings is not None else set()
    assert "330112" in siblings and "330185" not in siblings
