"""The analysis behind 05_district_report (qualitykit.report.district) on the tiny synthetic sample.

What is checked against an independent computation: counts against plain pandas group-bys of the
raw records; pass rates and Wilson intervals against the closed formula (Wilson 1927) written out
here; each unit's funnel flag, rank interval and shrunken estimate against the benchmark function
called on its own (the comparison must not mix up rows); the most frequent nonconforming item
against a value count; and the shared context written once by ``prepare`` against the context built
in memory (batch and interactive reports must give the same numbers). The statistics themselves are
tested against published references in test_benchmark / test_metrics / test_trends.
"""

from __future__ import annotations

import json
import math
import warnings

import nbformat
import pandas as pd
import pytest
from scipy import stats

import example_data
from qualitykit import narrative
from qualitykit.data import dataset, regions
from qualitykit.errors import ParameterError
from qualitykit.paths import notebooks_dir
from qualitykit.report import district
from qualitykit.report import framework as report
from qualitykit.run.params import notebook_parameters
from qualitykit.stats import benchmark

TINY = "sample:tiny"
NB = notebooks_dir() / "05_district_report.ipynb"


@pytest.fixture(scope="module")
def tiny():
    return report.resolve_source(TINY)


@pytest.fixture(scope="module")
def zhejiang(tiny):
    """Records of Zhejiang in the default window, read directly."""
    recs = dataset.open_records(tiny, region="330000", years=(2015, 2024))
    return recs


@pytest.fixture(scope="module")
def context():
    return district.build_context(["330000"], data_source=TINY)


def wilson(x: float, n: float, conf: float = 0.95) -> tuple[float, float]:
    z = stats.norm.ppf(1 - (1 - conf) / 2)
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def _ctx(tmp_path, code: str, **kw):
    return report.start(
        "05_district_report",
        region_code=code,
        levels=("county",),
        years=(kw.pop("year_from", 2015), kw.pop("year_to", 2024)),
        data_source=TINY,
        output_dir=str(tmp_path / code),
        record_columns=district.RECORD_COLUMNS,
        show_scope=False,
        **kw,
    )


# ------------------------------------------------------------------------------------------
# the notebook and its batch contract
# ------------------------------------------------------------------------------------------


def test_defaults_agree_with_the_notebook():
    specs = notebook_parameters(NB)
    for name, value in district.DEFAULTS.items():
        assert specs[name].default == value, name
    assert {"context_path", "output_dir", "lang", "region_code"} <= set(specs)


def test_notebook_metadata_names_the_prepare_hook_and_summary_columns(tmp_path):
    meta = nbformat.read(str(NB), as_version=4).metadata["qualitykit"]
    assert meta["prepare"] == "qualitykit.report.district:prepare"
    brief = district.analyse(_ctx(tmp_path, "330303"))
    keys = set(brief.summary)
    for col in meta["index_columns"]:
        assert col["key"] in keys, col["key"]
        assert col["kind"] in {"text", "int", "number", "rate", "pp", "flag", "interval"}
        for part in col.get("parts", ()):
            assert part in keys, part
    for required in (
        "title",
        "name",
        "region_code",
        "province",
        "batches",
        "pass_rate",
        "ci_lower",
        "ci_upper",
        "trend_pp",
        "funnel_flag",
        "target_status",
    ):
        assert required in keys


# ------------------------------------------------------------------------------------------
# counts and the comparison of units
# ------------------------------------------------------------------------------------------


def test_child_counts_are_group_sums(zhejiang):
    cities = district.child_counts(zhejiang, "330000")
    from qualitykit.data import regions

    city = zhejiang["region_code"].map(
        regions.regions().drop_duplicates("region_code").set_index("region_code")["city_code"]
    )
    want = zhejiang.groupby(city)["passed"].agg(["size", "sum"])
    got = cities.set_index("region_code")
    assert got["batches"].to_dict() == want["size"].to_dict()
    assert got["passed"].to_dict() == want["sum"].to_dict()
    assert got.loc["330300", "name_zh"] == "温州市" and got.loc["330300", "name_en"] == "Wenzhou"
    counties = district.child_counts(zhejiang, "330000", unit_level="county")
    assert counties["batches"].sum() == len(zhejiang)
    with pytest.raises(ParameterError, match="county-level division"):
        district.child_counts(zhejiang, "330303")


def test_compare_units_keeps_rows_aligned(zhejiang):
    units = district.child_counts(zhejiang, "330000", unit_level="county")
    shuffled = units.sample(frac=1.0, random_state=1).reset_index(drop=True)
    cmp = district.compare_units(shuffled, k_pp=2.0)
    t = cmp.table.set_index("region_code")
    # the same benchmark functions called on their own, in another order
    fu = benchmark.funnel_units(units, adjust="phi").set_index("region_code")
    ri = benchmark.rank_intervals(shuffled, draws=district.RANK_DRAWS, seed=0).set_index(
        "region_code"
    )
    eb = benchmark.eb_shrinkage(units).set_index("region_code")
    rt = benchmark.relative_target(units, k_pp=2.0).set_index("region_code")
    for code in units["region_code"]:
        row = t.loc[code]
        assert row["pass_rate"] == row["passed"] / row["batches"]
        lo, hi = wilson(row["passed"], row["batches"])
        assert row["ci_lower"] == pytest.approx(lo, abs=1e-12)
        assert row["ci_upper"] == pytest.approx(hi, abs=1e-12)
        assert row["flag_998"] == fu.loc[code, "flag_998"]
        assert row["z"] == pytest.approx(fu.loc[code, "z"])
        assert (row["rank_lower"], row["rank_upper"]) == (
            ri.loc[code, "rank_lower"],
            ri.loc[code, "rank_upper"],
        )
        assert row["shrunk_rate"] == pytest.approx(
            eb.loc[code, "shrunk_rate"], rel=1e-6
        )  # optimiser tolerance
        assert row["verdict"] == rt.loc[code, "verdict"]
    assert (t["n_units"] == len(units)).all()
    assert cmp.overdispersion["k"] == len(units)


# ------------------------------------------------------------------------------------------
# the shared context
# ------------------------------------------------------------------------------------------


def test_repeated_comparisons_reuse_the_same_numbers(zhejiang):
    # a batch's further reports on the same units (other k_pp) get the numbers a fresh
    # computation gives, and changing one result does not change the next
    from qualitykit.report import comparison

    units = district.child_counts(zhejiang, "330000", unit_level="county")
    comparison.clear_cache()
    first = district.compare_units(units, k_pp=2.0)
    first.ranks.loc[0, "rank"] = -1.0
    first.table.loc[0, "flag_998"] = "changed"
    again = district.compare_units(units, k_pp=3.0)
    comparison.clear_cache()
    fresh = district.compare_units(units, k_pp=3.0)
    for a, b in ((again.table, fresh.table), (again.ranks, fresh.ranks), (again.grid, fresh.grid)):
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(again.shrunk, fresh.shrunk)
    assert again.prior == fresh.prior and again.overdispersion == fresh.overdispersion
    assert (again.table["target_pp"] == 3.0).all()


def test_context_counts_match_the_records(context, zhejiang, tiny):
    units = context.units.set_index("region_code")
    want = zhejiang.groupby("region_code")["passed"].agg(["size", "sum"])
    assert units["batches"].to_dict() == want["size"].to_dict()
    assert units["passed"].to_dict() == want["sum"].to_dict()
    areas = context.areas.set_index("region_code")
    assert areas.loc["330000", "batches"] == len(zhejiang)
    everything = dataset.open_records(tiny, years=(2015, 2024), columns=["passed"])
    assert areas.loc["000000", "batches"] == len(everything)
    assert areas.loc["000000", "passed"] == int(everything["passed"].sum())
    assert (context.units["context"] == district.context_key(TINY)).all()


def test_written_context_reads_back_by_province(tmp_path, context):
    folder = district.write_context(context, tmp_path / "ctx")
    key = district.context_key(TINY)
    back = district.read_context(folder, key, "330000")
    pd.testing.assert_frame_equal(
        back.units.reset_index(drop=True), context.units.reset_index(drop=True), check_dtype=False
    )
    assert set(back.areas["region_code"]) == {"330000", "000000"}
    assert district.read_context(folder, key, "110000").units.empty
    with pytest.raises(ParameterError, match="prepared for other parameters"):
        district.read_context(folder, district.context_key(TINY, 2010, 2012))
    with pytest.raises(ParameterError, match="holds no district context"):
        district.read_context(tmp_path, key)


def test_prepare_builds_one_context_per_parameter_group(tmp_path):
    sets = [
        {"region_code": "330303", "data_source": TINY},
        {"region_code": "330304", "data_source": TINY},
        {"region_code": "431002", "data_source": TINY, "year_from": 2010, "year_to": 2014},
    ]
    out = district.prepare(run_dir=tmp_path, parameter_sets=sets)
    folder = tmp_path / "shared" / district.CONTEXT_DIR
    assert out == {"context_path": str(folder)}
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert set(meta) == {district.context_key(TINY), district.context_key(TINY, 2010, 2014)}
    assert meta[district.context_key(TINY)]["provinces"] == ["330000"]
    hunan = district.read_context(folder, district.context_key(TINY, 2010, 2014), "430000")
    assert not hunan.units.empty and set(hunan.units["province_code"]) == {"430000"}


# ------------------------------------------------------------------------------------------
# one district
# ------------------------------------------------------------------------------------------


def test_brief_numbers_come_from_the_districts_records(tmp_path, tiny):
    brief = district.analyse(_ctx(tmp_path, "330303"))
    s = brief.summary
    recs = dataset.open_records(tiny, region="330303", years=(2015, 2024))
    assert s["batches"] == len(recs) and s["passed"] == int(recs["passed"].sum())
    assert s["pass_rate"] == s["passed"] / s["batches"]
    lo, hi = wilson(s["passed"], s["batches"])
    assert s["ci_lower"] == pytest.approx(lo) and s["ci_upper"] == pytest.approx(hi)
    nc = dataset.open_nonconformities(tiny, region="330303", years=(2015, 2024))
    counts = nc["item"].value_counts()
    assert counts[s["top_item"]] == counts.max()
    assert s["top_item_share"] == pytest.approx(counts.max() / len(nc))
    assert s["province"] == "浙江省" and s["city"] == "温州市"
    pos = brief.position.iloc[0]
    assert s["funnel_flag"] == pos["flag_998"] and s["rank"] == pos["rank"]
    province = brief.areas.set_index("area").loc["province"]
    assert s["gap_province_pp"] == pytest.approx(100 * (s["pass_rate"] - province["pass_rate"]))
    assert brief.yearly["batches"].sum() == s["batches"]
    assert s["target_status"] in {
        "met",
        "not_met",
        "inconclusive",
        "on_track",
        "off_track",
        "no_data",
    }
    assert (brief.targets["status"] != "qualitative").all()


def test_batch_and_interactive_briefs_agree(tmp_path):
    folder = district.write_context(
        district.build_context(["330000"], data_source=TINY), tmp_path / "c"
    )
    interactive = district.analyse(_ctx(tmp_path, "330304"))
    batch_like = district.analyse(_ctx(tmp_path, "330304"), context_path=str(folder))
    assert interactive.summary == batch_like.summary
    pd.testing.assert_frame_equal(interactive.position, batch_like.position, check_dtype=False)


def test_district_without_records(tmp_path):
    brief = district.analyse(_ctx(tmp_path, "330302", year_from=2005, year_to=2009))
    s = brief.summary
    assert s["data_status"] == "no_data" and s["batches"] == 0
    assert s["pass_rate"] is None and s["funnel_flag"] is None and s["trend_pp"] is None
    assert brief.rate is None and brief.position is None and brief.items is None


def test_few_years_give_no_trend(tmp_path):
    brief = district.analyse(_ctx(tmp_path, "431002"))  # 4 years with 1–2 batches, all passed
    assert brief.summary["trend_pp"] is None and brief.summary["trend_direction"] is None


def test_separated_years_give_no_trend_and_no_numbers(tmp_path, tiny):
    """A district whose only failures are in its last year: no trend (none exists), said why,
    and no overflow warning in the report."""
    from qualitykit.stats import trends

    found = None
    for code in regions.children("130000", level="county")["region_code"].astype(str):
        recs = dataset.open_records(tiny, region=code, years=(2015, 2024))
        yearly = recs.groupby("year")["passed"].agg(["size", "sum"])
        t = yearly.index.to_numpy(dtype=float)
        passed, batches = yearly["sum"].to_numpy(float), yearly["size"].to_numpy(float)
        if len(t) >= 3 and trends.separated_at(t, passed, batches):
            found = code
            break
    assert found is not None, "the tiny sample has a district with separated years"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow in exp
        brief = district.analyse(_ctx(tmp_path, found))
    assert brief.trend.not_estimable == "separated"
    assert brief.summary["trend_pp"] is None and brief.summary["trend_direction"] is None
    assert "无法估计" in narrative.trend(brief.trend, "zh")


def test_target_status_is_the_least_favourable_of_the_districts_targets(tmp_path):
    """The headline status of summary.json: the least favourable of the district's evaluated
    targets in the order written out here (an interval straddling its requirement, inconclusive,
    is below on track and above off track); no_data when none was evaluated; None when no target
    applies."""
    order = ["not_met", "off_track", "inconclusive", "on_track", "met"]
    for code in ("330303", "330324", "330302"):
        brief = district.analyse(_ctx(tmp_path, code))
        statuses = set(brief.targets["status"])
        want = next((s for s in order if s in statuses), "no_data") if statuses else None
        assert brief.summary["target_status"] == want, (code, statuses)


def test_summary_carries_the_overdispersion_and_the_adjusted_z(tmp_path):
    """phi and its test's p against the overdispersion test run on the province's units here;
    z_adjusted = z / √φ when the limits are widened (Spiegelhalter 2005), = z otherwise."""
    brief = district.analyse(_ctx(tmp_path, "330303"))
    s = brief.summary
    units = brief.siblings[["region_code", "batches", "passed"]]
    od = benchmark.overdispersion(units)
    assert s["phi"] == pytest.approx(od.phi) and s["phi_p_value"] == pytest.approx(od.p_value)
    assert brief.overdispersion["phi"] == pytest.approx(od.phi)
    factor = math.sqrt(od.phi) if od.overdispersed else 1.0
    assert s["z_adjusted"] == pytest.approx(s["z"] / factor)
    assert 1 <= s["rank_lower"] <= s["rank"] <= s["rank_upper"] <= s["n_districts"]
    assert s["n_districts"] == len(brief.siblings)


# ------------------------------------------------------------------------------------------
# counts of a real published table, a development zone, an honest parent (issue 10)
# ------------------------------------------------------------------------------------------

# 巴中市 表3 各行政区域抽查情况 (tests/example_data.py): code → (batches, passed); its 合计 row
BAZHONG = {code: (b, p) for code, (_, b, p) in example_data.BAZHONG.items()}
BAZHONG_TOTAL = example_data.BAZHONG_TOTAL


def _bazhong(**kw):
    ex = example_data.EXAMPLES
    return {
        "data_source": str(ex / "bazhong_by_district.xlsx"),
        "units_file": str(ex / "bazhong_units.csv"),
        "period": "2024",
        **kw,
    }


def _bz_ctx(tmp_path, code, lang="zh", **kw):
    return report.start(
        "05_district_report",
        region_code=code,
        levels=("county",),
        years=(2015, 2024),
        lang=lang,
        output_dir=str(tmp_path / code),
        record_columns=district.RECORD_COLUMNS,
        show_scope=False,
        **_bazhong(**kw),
    )


def test_unit_table_keeps_the_zone_as_a_unit_of_its_own():
    src = report.open_data(**_bazhong())
    counts = src.counts()
    units = district.unit_table(counts, "511900", source=src)
    got = {r.region_code: (r.batches, r.passed) for r in units.itertuples()}
    assert got == BAZHONG  # every unit, the zone included, none merged, none dropped
    assert units.set_index("region_code").loc["X511900-01", "name_zh"] == "经开区"
    assert (units["batches"].sum(), units["passed"].sum()) == BAZHONG_TOTAL  # 合计 not counted
    county = district.unit_table(counts, "510000", unit_level="county", source=src)
    assert set(county["region_code"]) == set(BAZHONG)
    # compared as cities of the province, the zone's batches count with the city it lies in
    cities = district.unit_table(counts, "510000", source=src)
    assert cities[["region_code", "batches", "passed"]].values.tolist() == [["511900", 555, 497]]
    with pytest.raises(ParameterError, match="county-level division"):
        district.unit_table(counts, "511902", source=src)


def test_context_of_a_city_table_is_compared_with_its_own_total():
    ctx = district.build_context(["510000"], **_bazhong())
    assert set(ctx.units["region_code"]) == set(BAZHONG)
    assert set(ctx.units["parent_code"]) == {"511900"}  # the city, not the province
    areas = ctx.areas.set_index("region_code")
    assert "000000" not in areas.index and "510000" not in areas.index  # no 全国, no 全省
    row = areas.loc["511900"]
    assert (
        row["label_zh"] == "本数据中巴中市合计"
        and row["label_en"] == "total of Bazhong in these data"
    )
    assert (row["batches"], row["passed"]) == BAZHONG_TOTAL
    # each unit's gap to the parent: (passed/batches − 497/555) in percentage points
    for r in ctx.units.itertuples():
        b, p = BAZHONG[r.region_code]
        assert r.gap_pp == pytest.approx(100 * (p / b - 497 / 555))
        assert r.center == pytest.approx(497 / 555)


def test_a_published_parent_figure_is_used_and_labelled_with_its_source(tmp_path):
    # the table's own 合计 row, as published (data/examples/README.md), given as the parent figure
    source = "https://m.ryxmt.com.cn/channel/xfts/20241101/475655_2.html"
    figures = tmp_path / "parent.csv"
    figures.write_text(
        f"region_code,year,batches,passed,source\n511900,2024,555,497,{source}\n", encoding="utf-8"
    )
    ctx = district.build_context(["510000"], **_bazhong(parent_figure_file=str(figures)))
    published = ctx.areas[ctx.areas["kind"] == "published"].iloc[0]
    assert published["region_code"] == "511900" and source in published["label_zh"]
    assert "公布数" in published["label_zh"]
    # the comparison arithmetic with a parent figure from outside the table
    units = pd.DataFrame({"region_code": list(BAZHONG), "batches": [b for b, _ in BAZHONG.values()],
                          "passed": [p for _, p in BAZHONG.values()]})  # fmt: skip
    cmp = district.compare_units(units, parent_batches=1000, parent_passed=900)
    want = [100 * (p / b - 0.9) for b, p in BAZHONG.values()]
    assert cmp.table["gap_pp"].tolist() == pytest.approx(want)


def test_brief_of_a_zone_from_a_counts_table(tmp_path):
    brief = district.analyse(_bz_ctx(tmp_path, "X511900-01"))
    s = brief.summary
    assert (s["batches"], s["passed"]) == BAZHONG["X511900-01"]
    lo, hi = wilson(16, 18)
    assert s["ci_lower"] == pytest.approx(lo) and s["ci_upper"] == pytest.approx(hi)
    assert s["name"] == "经开区" and s["city"] == "巴中市" and s["province"] == "四川省"
    assert s["parent_label"] == "本数据中巴中市合计" and s["parent_pass_rate"] == 497 / 555
    assert s["province_pass_rate"] is None and s["gap_province_pp"] is None  # no 全省 figure
    assert s["gap_parent_pp"] == pytest.approx(100 * (16 / 18 - 497 / 555))
    assert s["n_districts"] == 6 and s["year_from"] == s["year_to"] == 2024
    # one period: no trend fitted, stated or drawn
    assert brief.trend is None and brief.n_periods == 1 and s["trend_pp"] is None
    assert brief.areas["name"].tolist() == ["经开区", "本数据中巴中市合计"]
    # the six units do not differ beyond chance: the EB fit pools them, and says so
    assert brief.shrinkage_degenerate and s["shrunk_rate"] is None
    assert not brief.complete and brief.items is None  # counts without item counts


def test_prepare_and_the_unit_hook_work_for_counts(tmp_path):
    params = _bazhong()
    assert district.units_within(within="511900", level="county", parameters=params) == [
        "X511900-01"
    ]
    assert district.units_within(within="330000", level="county", parameters=params) == []
    assert district.units_within(within="511900", level="city", parameters=params) == []
    assert district.units_within(within="511900", level="county", parameters={}) == []  # sample
    sets = [{"region_code": c, **params} for c in ("511902", "X511900-01")]
    out = district.prepare(run_dir=tmp_path, parameter_sets=sets)
    folder = out["context_path"]
    bz_key = district.context_key(
        params["data_source"], 2015, 2024, "all", 2.0, "2024", params["units_file"], ""
    )
    # the data's options shape the key; without them, keys of earlier runs are unchanged
    assert bz_key != district.context_key(params["data_source"], 2015, 2024, "all", 2.0)
    back = district.read_context(folder, bz_key, "510000")
    assert set(back.units["region_code"]) == set(BAZHONG)
    batch = district.analyse(_bz_ctx(tmp_path, "511902"), context_path=folder)
    interactive = district.analyse(_bz_ctx(tmp_path, "511902"))
    assert batch.summary == interactive.summary
