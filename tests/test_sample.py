"""Tests of qualitykit.data.sample: the deterministic, calibrated synthetic sample.

The calibration tests compare the generated data with published figures typed in here from
their sources (every one also in data/reference, with its URL):

* national annual spot-check (国家监督抽查) batch pass rate / NC rate: see ``PUBLISHED_PASS``
  (the values and sources are listed in tests/test_reference.py);
* pass rate by enterprise size (spot_check_by_enterprise_size.csv): 2011 L/M/S 95.4/91.4/84.7
  (AQSIQ 2012, m.kgymhc.com); 2017 96.7/93.8/90.0 (tex-asia.com 2018); NC rates 2018
  2.9/7.0/12.0 (SAMR 公告2019年第19号), 2021 2.1/3.3/13.1, 2023 0.8/2.2/13.2 (SAMR);
* share of small enterprises in the national sample: 2015 60 % (4th batch), 2017 71.1 %, 2018
  81.8 %, 2021 91.9 %, 2023 93.0 % (same sources);
* producer-province share of national batches 2021 / 2023: 广东 29.0 / 24.9, 浙江 17.0 / 15.8,
  江苏 9.2 / 9.3, 山东 5.3 / 5.7, 上海 6.5 (2021), 河北 6.8 (2023); east / central / west
  81.9 / 10.4 / 7.7 and 76.4 / 15.6 / 8.1 (spot_check_national_breakdowns.csv).

No published record-level data exist (data/reference/README.md), so district dispersion and
programme effects are tested as properties of the data (a dispersion test, segmented
regressions fitted here with statsmodels), not against published numbers.
"""

from __future__ import annotations

import concurrent.futures
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import statsmodels.api as sm
from scipy import stats

from qualitykit import schema
from qualitykit.data import dataset, industries, regions, sample
from qualitykit.errors import ParameterError

PUBLISHED_PASS = {
    2011: 87.5,
    2012: 89.8,
    2013: 88.9,
    2014: 92.3,
    2015: 91.1,
    2016: 91.6,
    2017: 91.5,
    2018: 100 - 10.3,
    2021: 100 - 12.2,
    2022: 100 - 9.4,
    2023: 100 - 12.3,
    2024: 100 - 14.3,
}
PUBLISHED_SIZE_PASS = {  # year: (large, medium, small) batch pass rate, %
    2011: (95.4, 91.4, 84.7),
    2017: (96.7, 93.8, 90.0),
    2018: (100 - 2.9, 100 - 7.0, 100 - 12.0),
    2021: (100 - 2.1, 100 - 3.3, 100 - 13.1),
    2023: (100 - 0.8, 100 - 2.2, 100 - 13.2),
}
PUBLISHED_SMALL_SHARE = {2015: 60.0, 2017: 71.1, 2018: 81.8, 2021: 91.9, 2023: 93.0}
PUBLISHED_PROVINCE_SHARE = {
    "440000": (29.0, 24.9),
    "330000": (17.0, 15.8),
    "320000": (9.2, 9.3),
    "370000": (5.3, 5.7),
    "310000": (6.5,),
    "130000": (6.8,),
}
PUBLISHED_MACRO_SHARE = {"east": (81.9, 76.4), "central": (10.4, 15.6), "west": (7.7, 8.1)}


@pytest.fixture(scope="module")
def default() -> sample.SampleData:
    return sample.generate()


@pytest.fixture(scope="module")
def other_seed() -> sample.SampleData:
    return sample.generate(600_000, seed=1)


def _national(records: pd.DataFrame) -> pd.DataFrame:
    return records[records["check_level"] == "national"]


# ---------------------------------------------------------------------------------------------
# determinism and storage
# ---------------------------------------------------------------------------------------------


def test_same_seed_and_size_give_identical_tables() -> None:
    a = sample.generate(20_000, seed=7)
    b = sample.generate(20_000, seed=7)
    for name in ("records", "nonconformities", "enterprises"):
        pdt.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.manifest["content_hash"] == b.manifest["content_hash"]
    c = sample.generate(20_000, seed=8)
    assert c.manifest["content_hash"]["records"] != a.manifest["content_hash"]["records"]
    d = sample.generate(21_000, seed=7)
    assert d.manifest["content_hash"]["records"] != a.manifest["content_hash"]["records"]


def test_table_hash_is_content_not_layout() -> None:
    df = pd.DataFrame({"a": ["x", "y", "z"], "b": [1, 2, 3]})
    h = sample.table_hash(df)
    assert sample.table_hash(df.iloc[::-1]) == h  # row order
    assert sample.table_hash(df[["b", "a"]]) == h  # column order
    assert sample.table_hash(df.astype({"a": "category"})) == h  # storage type
    assert sample.table_hash(df.assign(b=[1, 2, 4])) != h
    assert sample.table_hash(df.rename(columns={"b": "c"})) != h


def test_written_sample_reads_back_identical(tmp_path) -> None:
    mem = sample.generate(20_000, seed=7)
    manifest = sample.write_sample(tmp_path / "s", 20_000, seed=7)
    assert manifest["content_hash"] == mem.manifest["content_hash"]
    assert manifest["rows"] == mem.manifest["rows"]
    assert manifest["synthetic"] is True
    # the codes as stored (the readers map abolished codes by default: test_vintage.py)
    back = dataset.open_records(tmp_path / "s", map_codes=False)
    pdt.assert_frame_equal(back, mem.records)
    nc = dataset.open_nonconformities(
        tmp_path / "s", record_columns=None, cause_map=False, map_codes=False
    )
    assert sample.table_hash(nc) == mem.manifest["content_hash"]["nonconformities"]
    ent = dataset.open_enterprises(tmp_path / "s", map_codes=False)
    assert sample.table_hash(ent) == mem.manifest["content_hash"]["enterprises"]
    with pytest.raises(ParameterError, match="not empty"):
        sample.write_sample(tmp_path / "s", 20_000, seed=7)


def test_partitions_are_sorted_by_region_code(tmp_path) -> None:
    import pyarrow.parquet as pq

    sample.write_sample(tmp_path / "s", 20_000, seed=3)
    files = sorted((tmp_path / "s" / "records").glob("province=*/part-0.parquet"))
    assert len(files) == 31
    for f in files:
        codes = pq.read_table(f, columns=["region_code"]).column(0).to_pylist()
        assert codes == sorted(codes)
        assert {c[:2] for c in codes} == {f.parent.name.split("=")[1][:2]}


def test_bad_arguments_are_parameter_errors() -> None:
    with pytest.raises(ParameterError, match="at least 1000"):
        sample.generate(10)
    with pytest.raises(ParameterError, match="seed"):
        sample.generate(20_000, seed=-1)
    with pytest.raises(ParameterError, match="years"):
        sample.generate(20_000, years=(2024, 2005))


# ---------------------------------------------------------------------------------------------
# shape, coverage, consistency
# ---------------------------------------------------------------------------------------------


def test_records_have_the_canonical_columns_and_values(default: sample.SampleData) -> None:
    r = default.records
    expected = [c.name for c in schema.RECORD_COLUMNS if c.name != "sampled_on"]
    assert list(r.columns) == expected
    assert len(r) == sample.DEFAULT_N_BATCHES >= 500_000
    assert r["batch_id"].is_unique
    assert r["region_code"].str.fullmatch(r"\d{6}").all()
    assert set(r["region_code"]) <= set(regions.counties()["region_code"])
    assert r["batch_id"].str.slice(0, 6).eq(r["region_code"]).all()
    assert r["year"].between(2005, 2024).all() and r["quarter"].between(1, 4).all()
    assert set(r["check_level"]) == set(schema.CHECK_LEVELS)
    assert set(r["enterprise_size"].astype(str)) == {"large", "medium", "small"}
    prod = sample.products().set_index("product")["industry_code"]
    assert (r["product"].map(prod) == r["industry_code"]).all()
    assert r.attrs["note"] == sample.SYNTHETIC_NOTE


def test_every_province_district_industry_year_and_level_is_covered(
    default: sample.SampleData,
) -> None:
    r = default.records
    assert set(r["region_code"]) == set(regions.counties()["region_code"])  # all 2,855
    assert r["region_code"].str.slice(0, 2).nunique() == 31
    assert set(r["industry_code"]) == set(industries.industries()["industry_code"])  # 29
    cells = r.groupby(["year", "check_level"], observed=True).size()
    assert len(cells) == 20 * 4 and cells.min() > 1000


def test_enterprises_match_their_records(default: sample.SampleData) -> None:
    ent = default.enterprises
    r = default.records
    assert ent["enterprise_id"].is_unique
    cols = ["region_code", "industry_code", "product", "enterprise_size", "annual_sales"]
    joined = r[["enterprise_id", *cols]].merge(
        ent, on="enterprise_id", how="left", suffixes=("", "_ent"), validate="many_to_one"
    )
    for col in cols:
        assert joined[col].eq(joined[f"{col}_ent"]).all(), col
    pdt.assert_series_equal(
        schema.sales_class(ent["annual_sales"]), ent["sales_class"], check_names=False
    )


def test_sales_classes_and_sizes_follow_the_thresholds(default: sample.SampleData) -> None:
    ent = default.enterprises
    assert set(ent["sales_class"]) == {"A", "B", "C"}
    large = ent[ent["enterprise_size"] == "large"]
    assert (large["sales_class"] == "A").all()  # large: revenue >= 40,000万 (NBS 2017)
    small = ent[ent["enterprise_size"] == "small"]
    assert (small["annual_sales"] < 2000).all() and (small["sales_class"] != "A").all()
    shoes = ent[(ent["region_code"] == "330303") & (ent["product"] == "皮鞋")]
    assert set(shoes["sales_class"]) == {"A", "B", "C"}
    counts = dataset.aggregate(default.records, ["sales_class"]).set_index("sales_class")
    rate = counts["passed"] / counts["batches"]
    assert rate["A"] > rate["B"] > rate["C"]


def test_nonconformities_belong_to_failed_batches_and_their_product(
    default: sample.SampleData,
) -> None:
    r = default.records.set_index("batch_id")
    nc = default.nonconformities
    assert list(nc.columns) == ["batch_id", "item"]
    assert not nc.duplicated().any()
    failed = set(r.index[~r["passed"]])
    assert set(nc["batch_id"]) == failed  # every failed batch has >= 1 item, passed ones none
    items = sample.product_items()
    allowed = set(zip(items["product"], items["item"], strict=True))
    pairs = set(zip(r.loc[nc["batch_id"], "product"], nc["item"], strict=True))
    assert pairs <= allowed
    cause = dataset.load_cause_map()
    assert set(items["item"]) <= set(cause["item"])
    per_batch = nc.groupby("batch_id").size()
    assert 1.2 < per_batch.mean() < 1.8


def test_footwear_vital_few_are_the_published_main_problems(default: sample.SampleData) -> None:
    # national leather-shoe releases name 帮底剥离强度 and 成鞋耐折性能 as the main problems
    # (footwear_spot_checks.csv, 2012 Q1); 标识 dominates the Dongying check (13 of 17 NC)
    r = default.records.set_index("batch_id")
    nc = default.nonconformities
    shoes = nc[r.loc[nc["batch_id"], "product"].to_numpy() == "皮鞋"]
    top3 = shoes["item"].value_counts().index[:3].tolist()
    assert set(top3) == {"成鞋耐折性能", "帮底剥离强度", "标识"}


# ---------------------------------------------------------------------------------------------
# calibration to published figures
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "seed"), [(60_000, 0), (60_000, 1), (60_000, 2), (60_000, 99), (20_000, 5)]
)
def test_national_pass_rate_within_1pp_of_every_published_year(n: int, seed: int) -> None:
    r = sample.generate(n, seed=seed).records
    rate = _national(r).groupby("year")["passed"].mean() * 100
    for year, pct in PUBLISHED_PASS.items():
        assert abs(rate[year] - pct) <= 1.0, (seed, year, rate[year], pct)
    # years without a published figure: a smooth interpolation between the neighbours
    for year in (2019, 2020):
        lo = min(PUBLISHED_PASS[2018], PUBLISHED_PASS[2021]) - 1.0
        hi = max(PUBLISHED_PASS[2018], PUBLISHED_PASS[2021]) + 1.0
        assert lo <= rate[year] <= hi
    for year in range(2005, 2011):  # between 2000 (78.9 %) and 2011 (87.5 %)
        assert 78.9 - 1.0 <= rate[year] <= PUBLISHED_PASS[2011] + 1.0
    assert rate.loc[2005:2011].is_monotonic_increasing


def test_calibration_targets_flag_published_and_interpolated_years() -> None:
    t = sample.calibration_targets().set_index("year")
    for year, pct in PUBLISHED_PASS.items():
        assert t.at[year, "target_source"] == "published"
        assert t.at[year, "pass_rate_target"] == pytest.approx(pct / 100, abs=1e-9)
    assert set(t.loc[[2005, 2010, 2019, 2020], "target_source"]) == {"interpolated"}
    shares = t[["share_large", "share_medium", "share_small"]].to_numpy()
    assert np.allclose(shares.sum(axis=1), 1.0)
    # the intercept solves  sum_s share_s * expit(a + gap_s) = 1 - target
    gaps = np.column_stack([np.zeros(len(t)), t["gap_medium_logit"], t["gap_small_logit"]])
    fail = (shares / (1 + np.exp(-(t["intercept_logit"].to_numpy()[:, None] + gaps)))).sum(1)
    assert np.allclose(fail, 1 - t["pass_rate_target"].to_numpy(), atol=1e-9)


def test_size_classes_follow_the_published_gaps(default: sample.SampleData) -> None:
    nat = _national(default.records)
    rates = nat.groupby(["year", "enterprise_size"], observed=True)["passed"].mean().unstack() * 100
    for year, pub in PUBLISHED_SIZE_PASS.items():
        got = rates.loc[year, ["large", "medium", "small"]].to_numpy(float)
        assert np.all(np.abs(got - np.array(pub)) <= 1.0), (year, got, pub)
    # small firms fail more than medium, medium more than large, in every year
    assert (rates["large"] > rates["medium"]).all() and (rates["medium"] > rates["small"]).all()


def test_small_firm_share_rises_as_published(default: sample.SampleData) -> None:
    nat = _national(default.records)
    share = nat.groupby("year")["enterprise_size"].apply(lambda s: (s == "small").mean() * 100)
    for year, pct in PUBLISHED_SMALL_SHARE.items():
        assert abs(share[year] - pct) <= 1.0, (year, share[year], pct)
    assert share.loc[2015:2024].is_monotonic_increasing


def test_producer_provinces_follow_the_published_shares(default: sample.SampleData) -> None:
    nat = _national(default.records)
    prov = nat["region_code"].str.slice(0, 2).value_counts(normalize=True) * 100
    for code, pub in PUBLISHED_PROVINCE_SHARE.items():
        assert abs(prov[code[:2]] - np.mean(pub)) <= 2.0, (code, prov[code[:2]], pub)
    macro = {mr: prov.reindex(list(ps)).fillna(0).sum() for mr, ps in sample.MACRO_REGIONS.items()}
    for mr, pub in PUBLISHED_MACRO_SHARE.items():
        assert abs(macro[mr] - np.mean(pub)) <= 2.0, (mr, macro[mr], pub)


# ---------------------------------------------------------------------------------------------
# structure: districts, provinces, programmes
# ---------------------------------------------------------------------------------------------


def _pearson_dispersion(counts: pd.DataFrame) -> tuple[float, int, float]:
    """Pearson X² of homogeneity of pass rates across groups: (X², df, p)."""
    n = counts["batches"].to_numpy(float)
    x = counts["passed"].to_numpy(float)
    p = x.sum() / n.sum()
    x2 = float((((x - n * p) ** 2) / (n * p * (1 - p))).sum())
    df = len(n) - 1
    return x2, df, float(stats.chi2.sf(x2, df))


def test_districts_differ_beyond_binomial_noise(default: sample.SampleData) -> None:
    r = default.records
    # districts of one province, local checks of 2013-2017 (their trend is smooth), pooled
    for code in ("330000", "420000", "510000"):
        sel = r[
            regions.within(r["region_code"], code)
            & r["year"].between(2013, 2017)
            & (r["check_level"] != "national")
        ]
        counts = dataset.aggregate(sel, ["region_code"])
        counts = counts[counts["batches"] >= 20]
        x2, df, p = _pearson_dispersion(counts)
        assert df >= 20
        assert x2 / df > 1.5 and p < 1e-6, (code, x2 / df, p)


def test_provinces_differ(default: sample.SampleData) -> None:
    r = default.records
    sel = r[(r["year"] == 2015) & (r["check_level"] == "provincial")]
    x2, df, p = _pearson_dispersion(dataset.aggregate(sel, ["province_code"]))
    assert df == 30 and p < 1e-6


def test_longwan_is_a_shoe_cluster_with_enough_batches(default: sample.SampleData) -> None:
    r = default.records
    lw = r[(r["region_code"] == "330303") & (r["product"] == "皮鞋")]
    per_year = lw.groupby("year").size()
    assert len(per_year) == 20 and per_year.min() >= 100
    longwan = r[r["region_code"] == "330303"]
    assert longwan["product"].value_counts().index[0] == "皮鞋"


def _fit(
    x: pd.DataFrame, break_at: float, window: tuple[float, float], quarterly: bool, pre_slope: bool
) -> Any:
    """Segmented binomial regression (Wagner et al. 2002) with quasi-binomial scale."""
    t = x["year"].astype(float) + ((x["quarter"].astype(float) - 0.5) / 4 if quarterly else 0.5)
    x = x.assign(t=t.round(4))
    x = x[(x["t"] >= window[0]) & (x["t"] <= window[1])]
    g = x.groupby("t")["passed"].agg(["sum", "size"])
    tt = g.index.to_numpy(float)
    post = (tt >= break_at).astype(float)
    tc = tt - break_at
    cols = [np.ones_like(tt)] + ([tc] if pre_slope else []) + [post, tc * post]
    y = np.column_stack([g["sum"], g["size"] - g["sum"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = sm.GLM(y, np.column_stack(cols), family=sm.families.Binomial()).fit()
        phi = max(1.0, first.pearson_chi2 / first.df_resid)
        return sm.GLM(y, np.column_stack(cols), family=sm.families.Binomial()).fit(scale=phi)


@pytest.mark.parametrize("which", ["default", "other_seed"])
def test_programme_effects_are_detectable_by_segmented_regression(which: str, request) -> None:
    r = request.getfixturevalue(which).records
    longwan, xianning, chenzhou = sample.PROGRAMMES

    # Longwan 皮鞋 from 2006-09: the data start in 2005, so the pre-period has only 7 quarters;
    # fitted with a flat pre-period: pass rate rises after the start (slope on the post period)
    lw = r[(r["region_code"] == "330303") & (r["product"] == "皮鞋")]
    fit = _fit(lw, longwan.start, (2005, 2012.99), quarterly=True, pre_slope=False)
    assert fit.params[-1] > 0 and fit.pvalues[-1] < 1e-3
    rate = lw.groupby("year")["passed"].mean()
    assert rate.loc[2010:2012].mean() - rate.loc[2005] > 0.10
    others = r[r["region_code"].isin(["330302", "330304"]) & (r["product"] == "皮鞋")]
    placebo = _fit(others, longwan.start, (2005, 2012.99), quarterly=True, pre_slope=False)
    assert placebo.pvalues[-1] > 0.001

    # Xianning (all districts) from 2016 and Chenzhou from 2010: Wagner's model with pre-slope
    xn = r[regions.within(r["region_code"], "421200")]
    fit = _fit(xn, 2016, (2005, 2024), quarterly=False, pre_slope=True)
    assert fit.params[-1] > 0 and fit.pvalues[-1] < 0.01  # slope change
    cz = r[regions.within(r["region_code"], "431000")]
    fit = _fit(cz, 2010, (2005, 2018), quarterly=False, pre_slope=True)
    assert fit.params[-1] > 0 and fit.pvalues[-1] < 0.01
    for city, start in (("420900", 2016), ("430400", 2010)):  # 孝感, 衡阳: no programme
        ctrl = r[regions.within(r["region_code"], city)]
        placebo = _fit(ctrl, start, (2005, 2024 if start == 2016 else 2018), False, True)
        assert placebo.pvalues[-1] > 0.001, city


def test_programme_effect_shape() -> None:
    p = sample.Programme("x", "330303", None, 2010.0, 0.5, 0.3, 0.2, 5.0, "doc")
    got = p.effect(np.array([2009.9, 2010.0, 2012.0, 2015.0, 2020.0]))
    assert np.allclose(got, [0.5, 0.2, 0.2 - 0.4, 0.2 - 1.0, 0.2 - 1.0])


# ---------------------------------------------------------------------------------------------
# ensure_sample: generate once, rebuild when stale, safe for concurrent callers
# ---------------------------------------------------------------------------------------------


def test_ensure_sample_generates_once_and_rebuilds_when_stale(tmp_path, monkeypatch) -> None:
    target = tmp_path / "generated"
    calls: list[int] = []
    real = sample.write_sample

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sample, "write_sample", counting)
    n = sample.PRESETS["tiny"]
    assert sample.ensure_sample(n, path=target) == target
    assert len(calls) == 1
    manifest = sample.read_manifest(target)
    assert manifest["seed"] == sample.DEFAULT_SEED and manifest["n_batches"] == n
    sample.ensure_sample(n, path=target)
    assert len(calls) == 1  # current: not regenerated

    # stale generator version
    manifest["generator_version"] = "0"
    (target / "manifest.json").write_text(__import__("json").dumps(manifest), encoding="utf-8")
    sample.ensure_sample(n, path=target)
    assert len(calls) == 2
    assert sample.read_manifest(target)["generator_version"] == sample.GENERATOR_VERSION

    # a missing file, another seed
    next(target.rglob("part-0.parquet")).unlink()
    sample.ensure_sample(n, path=target)
    assert len(calls) == 3
    sample.ensure_sample(n, seed=5, path=target)
    assert len(calls) == 4 and sample.read_manifest(target)["seed"] == 5

    # written with another row group size (an earlier layout, whose manifest did not say it)
    manifest = sample.read_manifest(target)
    del manifest["row_group_size"]
    (target / "manifest.json").write_text(__import__("json").dumps(manifest), encoding="utf-8")
    sample.ensure_sample(n, seed=5, path=target)
    assert len(calls) == 5
    assert sample.read_manifest(target)["row_group_size"] == sample.ROW_GROUP_SIZE
    assert not [p for p in tmp_path.iterdir() if p.name != "generated"]  # no leftovers


def test_sample_row_groups_hold_row_group_size_rows(tmp_path, monkeypatch) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr(sample, "ROW_GROUP_SIZE", 500)
    folder = sample.ensure_sample(sample.PRESETS["tiny"], path=tmp_path / "generated")
    assert sample.read_manifest(folder)["row_group_size"] == 500
    for f in sorted((folder / "records").rglob("*.parquet")):
        meta = pq.ParquetFile(f).metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        assert max(sizes) <= 500 and sum(sizes) == meta.num_rows
        assert len(sizes) == -(-meta.num_rows // 500), f


def test_ensure_sample_is_safe_under_concurrent_callers(tmp_path, monkeypatch) -> None:
    target = tmp_path / "generated"
    calls: list[int] = []
    real = sample.write_sample

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sample, "write_sample", counting)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(sample.ensure_sample, sample.PRESETS["tiny"], path=target) for _ in range(4)
        ]
        results = [f.result() for f in futures]  # re-raises an error of any caller
    assert results == [target] * 4
    assert len(calls) == 1
    mem = sample.generate(sample.PRESETS["tiny"])
    assert sample.read_manifest(target)["content_hash"] == mem.manifest["content_hash"]


def test_main_writes_the_tiny_preset(tmp_path, capsys) -> None:
    assert sample.main(["--small", "--out", str(tmp_path / "out")]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    assert sample.read_manifest(tmp_path / "out")["n_batches"] == sample.PRESETS["tiny"]
