"""Tests of qualitykit.data.dataset: filtered reading with pushdown, joins, aggregation, cause map.

Every result read from the sample folder (``sample_folder``, tests/conftest.py) is compared with an
independent computation on the same sample generated in memory (``sample_mem``): plain pandas masks for
the filters, Python dictionaries / ``collections.Counter`` for the counts. No published figures
are involved (the module reads data; the calibration is tested in test_sample.py).
"""

from __future__ import annotations

import collections

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from qualitykit import schema
from qualitykit.data import dataset, regions, sample
from qualitykit.errors import InputError, NoDataError, ParameterError


def _expect(records: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return records[mask.to_numpy(bool)].reset_index(drop=True)


def test_district_city_province_and_national_filters(sample_mem, sample_folder) -> None:
    # the codes as stored (map_codes=False); reading them in today's vintage: test_vintage.py
    r = sample_mem.records
    got = dataset.open_records(sample_folder, region="330303", map_codes=False)
    pdt.assert_frame_equal(got, _expect(r, r["region_code"] == "330303"))

    city_members = set(
        regions.counties().loc[regions.counties()["city_code"] == "330300", "region_code"]
    )
    got = dataset.open_records(sample_folder, region="330300", map_codes=False)
    pdt.assert_frame_equal(got, _expect(r, r["region_code"].isin(city_members)))

    got = dataset.open_records(sample_folder, region="330000", map_codes=False)
    pdt.assert_frame_equal(got, _expect(r, r["region_code"].str.startswith("33")))

    # 东莞: a city that is its own county
    got = dataset.open_records(sample_folder, region="441900", map_codes=False)
    pdt.assert_frame_equal(got, _expect(r, r["region_code"] == "441900"))

    pdt.assert_frame_equal(dataset.open_records(sample_folder, region="000000", map_codes=False), r)
    pdt.assert_frame_equal(dataset.open_records(sample_folder, map_codes=False), r)


def test_years_levels_and_columns(sample_mem, sample_folder) -> None:
    r = sample_mem.records
    got = dataset.open_records(
        sample_folder,
        region="420000",
        years=(2010, 2012),
        check_levels=["national", "省级"],
        map_codes=False,
    )
    mask = (
        r["region_code"].str.startswith("42")
        & r["year"].between(2010, 2012)
        & r["check_level"].isin(["national", "provincial"])
    )
    pdt.assert_frame_equal(got, _expect(r, mask))

    got = dataset.open_records(
        sample_folder,
        years=[2005, 2024],
        check_levels="county",
        columns=["batch_id", "passed", "year"],
    )
    mask = r["year"].isin([2005, 2024]) & (r["check_level"] == "county")
    pdt.assert_frame_equal(got, _expect(r, mask)[["batch_id", "passed", "year"]])

    got = dataset.open_records(sample_folder, years=2015, columns=["year"])
    assert len(got) == int((r["year"] == 2015).sum()) and set(got["year"]) == {2015}


def test_pushdown_reads_one_partition_and_few_row_groups(sample_folder) -> None:
    part = ds.partitioning(pa.schema([("province", pa.string())]), flavor="hive")
    data = ds.dataset(sample_folder / "records", format="parquet", partitioning=part)
    filt = (pc.field("province") == "330000") & (pc.field("region_code") == "330302")
    fragments = list(data.get_fragments(filter=filt))
    assert len(fragments) == 1  # one province file of 31
    frag = fragments[0]
    kept = frag.subset(pc.field("region_code") == "330302")  # row groups by statistics
    assert frag.num_row_groups >= 5 and kept.num_row_groups <= 2, (
        frag.num_row_groups,
        kept.num_row_groups,
    )


def test_selection_errors(sample_folder) -> None:
    with pytest.raises(ParameterError, match="6-digit string"):
        dataset.open_records(sample_folder, region=330303)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="unknown region"):
        dataset.open_records(sample_folder, region="339999")
    with pytest.raises(ParameterError, match="unknown check level"):
        dataset.open_records(sample_folder, check_levels=["national", "city"])
    with pytest.raises(ParameterError, match="unknown columns"):
        dataset.open_records(sample_folder, columns=["batch_id", "pass"])
    with pytest.raises(ParameterError, match="first <= last"):
        dataset.open_records(sample_folder, years=(2020, 2010))
    with pytest.raises(ParameterError, match="does not exist"):
        dataset.open_records(sample_folder / "nope")
    with pytest.raises(NoDataError, match="330303"):
        dataset.open_records(sample_folder, region="330303", years=1999)


def test_nonconformities_joined_through_batch_id(sample_mem, sample_folder) -> None:
    r, nc = sample_mem.records, sample_mem.nonconformities
    got = dataset.open_nonconformities(
        sample_folder, region="330300", years=(2008, 2012), check_levels="provincial"
    )
    sel = r[
        regions.within(r["region_code"], "330300")
        & r["year"].between(2008, 2012)
        & (r["check_level"] == "provincial")
    ]
    want = nc[nc["batch_id"].isin(set(sel["batch_id"]))]
    assert collections.Counter(zip(got["batch_id"], got["item"], strict=True)) == (
        collections.Counter(zip(want["batch_id"], want["item"], strict=True))
    )
    by_batch = sel.set_index("batch_id")
    for col in dataset.DEFAULT_NC_RECORD_COLUMNS:
        exp = by_batch.loc[got["batch_id"], col].to_numpy()
        assert (got[col].astype(str).to_numpy() == pd.Series(exp).astype(str).to_numpy()).all()
    cm = dataset.load_cause_map().set_index("item")
    assert (got["category"].to_numpy() == cm.loc[got["item"], "category"].to_numpy()).all()
    assert (
        got["controllable"].astype(str).to_numpy() == cm.loc[got["item"], "controllable"].to_numpy()
    ).all()
    assert isinstance(got["cause_5m1e"].dtype, pd.CategoricalDtype)


def test_nonconformities_without_record_columns_or_causes(sample_mem, sample_folder) -> None:
    got = dataset.open_nonconformities(sample_folder, record_columns=None, cause_map=False)
    assert list(got.columns) == ["batch_id", "item"]
    assert sample.table_hash(got) == sample.table_hash(sample_mem.nonconformities)


@pytest.mark.parametrize("region", ["330303", "330300"])
def test_nonconformities_of_a_county_or_city_and_the_records_given(
    sample_mem, sample_folder, region
) -> None:
    # a county or a city is read from its province's files (the fast path); the result is the
    # plain pandas selection and join on the in-memory sample, whether the records are read
    # again or given by the caller (open_records of the same selection)
    r, nc = sample_mem.records, sample_mem.nonconformities
    years, levels = (2010, 2020), ["provincial", "county"]
    cols = ["year", "check_level", "product"]
    got = dataset.open_nonconformities(
        sample_folder, region, years, levels, record_columns=cols, cause_map=False, map_codes=False
    )
    sel = r[
        regions.within(r["region_code"], region)
        & r["year"].between(*years)
        & r["check_level"].isin(levels)
    ]
    want = nc[["batch_id", "item"]].merge(sel[["batch_id", *cols]], on="batch_id")
    key = ["batch_id", "item"]
    pdt.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        want.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    recs = dataset.open_records(
        sample_folder, region, years, levels, columns=["batch_id", *cols], map_codes=False
    )
    given = dataset.open_nonconformities(
        sample_folder, region, years, levels, record_columns=cols, cause_map=False, map_codes=False,
        records=recs,
    )  # fmt: skip
    pdt.assert_frame_equal(given, got)
    items = dataset.open_nonconformities(
        sample_folder, region, years, levels, record_columns=(), cause_map=False, map_codes=False,
        records=recs[["batch_id"]],
    )  # fmt: skip
    pdt.assert_frame_equal(items, got[["batch_id", "item"]])
    with pytest.raises(ParameterError, match="product"):
        dataset.open_nonconformities(
            sample_folder, region, years, levels, record_columns=cols, records=recs[["batch_id"]]
        )


def test_nonconformities_with_a_user_cause_map(sample_folder) -> None:
    user = pd.DataFrame(
        {
            "item": ["标识", "成鞋耐折性能"],
            "category": ["labelling", "performance"],
            "cause_5m1e": ["Method", "material"],
            "controllable": ["management", "operator"],
        }
    )
    got = dataset.open_nonconformities(sample_folder, region="330303", cause_map=user)
    mapped = got[got["item"].isin(["标识", "成鞋耐折性能"])]
    assert len(mapped) > 0 and mapped["cause_5m1e"].notna().all()
    assert (got.loc[got["item"] == "成鞋耐折性能", "controllable"] == "operator").all()
    assert got.loc[~got["item"].isin(["标识", "成鞋耐折性能"]), "category"].isna().all()


def test_aggregate_counts_like_an_independent_tally(sample_mem) -> None:
    r = sample_mem.records
    got = dataset.aggregate(r, ["year", "check_level"])
    tally: dict[tuple[int, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    for y, lv, ok in zip(r["year"], r["check_level"], r["passed"], strict=True):
        tally[(int(y), str(lv))][0] += 1
        tally[(int(y), str(lv))][1] += bool(ok)
    assert len(got) == len(tally)
    for row in got.itertuples(index=False):
        n, p = tally[(int(row.year), str(row.check_level))]
        assert (row.batches, row.passed, row.nonconforming) == (n, p, n - p)
    assert got[["batches", "passed", "nonconforming"]].dtypes.eq("int64").all()
    total = dataset.aggregate(r)
    assert total.iloc[0].tolist() == [len(r), int(r["passed"].sum()), int((~r["passed"]).sum())]


def test_aggregate_derives_province_city_and_sales_class(sample_mem) -> None:
    r = sample_mem.records
    got = dataset.aggregate(r, ["province_code", "city_code", "sales_class"])
    city = dict(
        zip(regions.counties()["region_code"], regions.counties()["city_code"], strict=True)
    )
    sales = r["annual_sales"].to_numpy(float)
    cls = np.where(sales >= 5000, "A", np.where(sales >= 1000, "B", "C"))
    keys = zip(
        r["region_code"].str.slice(0, 2) + "0000", r["region_code"].map(city), cls, strict=True
    )
    tally = collections.Counter(keys)
    assert dict(
        zip(
            zip(
                got["province_code"], got["city_code"], got["sales_class"].astype(str), strict=True
            ),
            got["batches"],
            strict=True,
        )
    ) == dict(tally)
    # counts are re-summed
    again = dataset.aggregate(got, ["province_code"])
    direct = dataset.aggregate(r, ["province_code"])
    pdt.assert_frame_equal(again, direct)
    with pytest.raises(ParameterError, match="cannot group by 'district'"):
        dataset.aggregate(r, ["district"])


def test_user_file_goes_through_io(sample_mem, tmp_path) -> None:
    r = sample_mem.records
    part = r[r["region_code"].str.startswith("3303")].head(500)
    csv = tmp_path / "records.csv"
    part.to_csv(csv, index=False)
    got = dataset.open_records(csv, region="330303", years=(2005, 2015))
    want = part[(part["region_code"] == "330303") & part["year"].between(2005, 2015)]
    assert got["batch_id"].tolist() == want["batch_id"].tolist()
    assert got["passed"].tolist() == want["passed"].tolist()
    assert isinstance(got["region_code"].dtype, pd.StringDtype)
    nc_csv = tmp_path / "nc.csv"
    sample_mem.nonconformities.head(50).to_csv(nc_csv, index=False)
    got_nc = dataset.open_nonconformities(nc_csv, record_columns=None, cause_map=False)
    assert got_nc["item"].tolist() == sample_mem.nonconformities.head(50)["item"].tolist()
    with pytest.raises(ParameterError, match="need the records"):
        dataset.open_nonconformities(nc_csv, region="330303")


def test_enterprises_of_a_region(sample_mem, sample_folder) -> None:
    e = sample_mem.enterprises
    got = dataset.open_enterprises(sample_folder, region="330300")
    members = set(regions.children("330300", level="county")["region_code"])
    pdt.assert_frame_equal(got, e[e["region_code"].isin(members)].reset_index(drop=True))
    got = dataset.open_enterprises(sample_folder, region="110000")
    assert got["region_code"].str.startswith("11").all()
    assert len(got) == int(e["region_code"].str.startswith("11").sum())
    with pytest.raises(ParameterError, match="not a sample folder"):
        dataset.open_enterprises(sample_folder / "records")


def test_default_cause_map() -> None:
    cm = dataset.load_cause_map()
    assert list(cm.columns[:4]) == ["item", "category", "cause_5m1e", "controllable"]
    assert {"rule", "reasoning"} <= set(cm.columns)
    assert cm["item"].is_unique and cm["reasoning"].notna().all()
    assert set(cm["cause_5m1e"]) <= set(schema.CAUSES_5M1E)
    assert set(cm["controllable"]) == set(schema.CONTROLLABILITY)
    row = cm.set_index("item")
    # the classifications the project's brief fixes
    assert tuple(row.loc["标识", ["category", "cause_5m1e", "controllable"]]) == (
        "labelling",
        "method",
        "management",
    )
    assert tuple(row.loc["成鞋耐折性能", ["cause_5m1e", "controllable"]]) == (
        "material",
        "management",
    )
    assert row.loc["帮底剥离强度", "cause_5m1e"] == "method"


def test_user_cause_map_problems_are_all_reported(tmp_path) -> None:
    path = tmp_path / "map.csv"
    path.write_text(
        "item,category,cause_5m1e,controllable\n"
        "标识,labelling,method,management\n"
        "标识,labelling,method,management\n"
        "耐折,performance,materials,boss\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        dataset.load_cause_map(path)
    problems = info.value.problems
    assert {p.column for p in problems} == {"item", "cause_5m1e", "controllable"}
    assert all(p.file == "map.csv" for p in problems)
    assert len(problems) == 4
    with pytest.raises(ParameterError, match="does not exist"):
        dataset.load_cause_map(tmp_path / "missing.csv")


def test_a_cause_map_file_is_read_once_and_again_when_rewritten(tmp_path, monkeypatch) -> None:
    path = tmp_path / "map.csv"
    path.write_text(
        "item,category,cause_5m1e,controllable\n标识,labelling,method,management\n",
        encoding="utf-8",
    )
    reads = collections.Counter()
    real = pd.read_csv

    def counting(*args, **kwargs):
        reads[str(args[0])] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", counting)
    first = dataset.load_cause_map(path)
    first.loc[0, "category"] = "changed by a caller"
    assert dataset.load_cause_map(path).loc[0, "category"] == "labelling"  # a copy each time
    assert reads[str(path)] == 1
    path.write_text(
        "item,category,cause_5m1e,controllable\n标识,labelling,method,management\n"
        "耐折,performance,material,management\n",
        encoding="utf-8",
    )
    assert list(dataset.load_cause_map(path)["item"]) == ["标识", "耐折"]
    assert reads[str(path)] == 2


def test_no_source_means_the_embedded_sample(sample_mem, sample_folder, monkeypatch) -> None:
    calls: list[int] = []

    def fake_ensure() -> object:
        calls.append(1)
        return sample_folder

    monkeypatch.setattr(dataset, "ensure_sample", fake_ensure)
    got = dataset.open_records(region="330303", columns=["batch_id"])
    r = sample_mem.records
    assert got["batch_id"].tolist() == r.loc[r["region_code"] == "330303", "batch_id"].tolist()
    assert len(dataset.open_nonconformities(region="330303")) > 0
    assert len(calls) == 2


@pytest.mark.parametrize(
    "right",
    [
        pd.DataFrame({"k": ["b", "a", "c"], "v": [2, 1, 3]}),  # every row matched: by position
        pd.DataFrame({"k": ["b", "a"], "v": [2, 1]}),  # one unmatched: the merge
        pd.DataFrame({"k": ["b", "a", "c"], "w": [0, 0, 0], "v": [2, 1, 3]}),  # a shared column
    ],
)
def test_left_join_is_the_left_merge(right) -> None:
    left = pd.DataFrame({"k": ["a", "b", "a", "c"], "w": [9, 8, 7, 6]})
    want = left.merge(right, on="k", how="left", sort=False, validate="many_to_one")
    pdt.assert_frame_equal(dataset._left_join(left, right, "k", "many_to_one"), want)
