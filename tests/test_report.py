"""The notebook framework (qualitykit.report.framework): parameters are checked before anything is read and
every problem is named in one message without a traceback; data of a selection are read once and
filtered; tables and summaries are written atomically; the published national tables are the
published numbers.

Independent checks: decimal years against the programme starts written into the sample generator
(qualitykit.data.sample.PROGRAMMES), the national tables against the CSV files of data/reference read
with the csv module, time counts and groups against plain pandas on the raw records.
"""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pandas as pd
import pytest

from qualitykit import errors
from qualitykit.data import sample
from qualitykit.paths import data_dir
from qualitykit.report import framework as report

TINY = "sample:tiny"


@pytest.fixture(scope="module")
def tiny():
    return report.resolve_source(TINY)


def _start(tmp_path, **kw):
    kw.setdefault("data_source", TINY)
    kw.setdefault("output_dir", str(tmp_path / "out"))
    kw.setdefault("show_scope", False)
    return report.start("01_quality_trends", **kw)


# ------------------------------------------------------------------------------------------
# parameter checks
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"lang": "fr"}, "lang must be 'zh' (Chinese) or 'en' (English), got 'fr'"),
        ({"region_code": "999999"}, "unknown region_code '999999': not a GB/T 2260 division"),
        ({"region_code": "33030"}, "region_code must be 6 digits"),
        ({"region_code": 330303}, "got int 330303"),
        (
            {"region_code": "330000", "levels": ("county",)},
            "region_code '330000' (浙江省) is a province-level division; 01_quality_trends needs a "
            "county-level one",
        ),
        ({"years": (1990, 1999)}, "lie outside the data, which cover 2005–2024"),
        ({"years": (2030, 2031)}, "lie outside the data, which cover 2005–2024"),
        ({"years": (2015, 2010)}, "year_from (2015) is after year_to (2010)"),
        ({"check_level": "city"}, "check_level 'city': unknown level 'city'"),
        (
            {"product": "皮靴"},
            "product '皮靴' is not a product of the sample data; did you mean '皮鞋'",
        ),
        ({"data_source": "/no/such/folder"}, "data_source '/no/such/folder' does not exist"),
        ({"data_source": "sample:huge"}, "unknown sample preset 'huge'"),
        (
            {"proportions": {"target_pass_rate": 95}},
            "target_pass_rate must be a proportion in (0, 1]",
        ),
        (
            {"choices": {"compare_by": ("colour", ("period", "region"))}},
            "compare_by must be one of",
        ),
        ({"document_id": "nope"}, "unknown target document 'nope'; known: chenzhou_2010"),
        ({"codes": {"highlight": "12"}}, "highlight must be 6 digits"),
        (
            {"years": (2005, 2008), "years_inside": {"split_year": 2010}},
            "split_year (2010) must lie after year_from (2005)",
        ),
    ],
)
def test_bad_parameters_are_named(tmp_path, kw, fragment):
    with pytest.raises(report.ParameterError) as info:
        _start(tmp_path, **kw)
    assert fragment in str(info.value)
    assert isinstance(info.value, errors.ParameterError)
    assert not (tmp_path / "out").exists()  # nothing written before the checks pass


def test_a_city_without_districts_is_accepted_as_a_district(tmp_path):
    # 东莞 441900 has no county-level divisions: it is its own county-level unit
    ctx = report.start(
        "05_district_report",
        region_code="441900",
        levels=("county",),
        data_source=TINY,
        output_dir=str(tmp_path / "out"),
        show_scope=False,
    )
    assert ctx.region_code == "441900"
    with pytest.raises(report.ParameterError, match="is a city-level division"):
        report.start(
            "05_district_report",
            region_code="330300",
            levels=("county",),
            data_source=TINY,
            output_dir=str(tmp_path / "out2"),
            show_scope=False,
        )


def test_every_problem_is_listed_in_one_error(tmp_path):
    with pytest.raises(report.ParameterError) as info:
        _start(tmp_path, lang="xx", region_code="999999", years=(2010, 2001))
    text = str(info.value)
    assert text.startswith("3 parameter problems:")
    assert "lang must be" in text and "'999999'" in text and "year_from (2010)" in text


def test_in_a_notebook_the_error_shows_no_traceback():
    exc = report.ParameterError("region_code '999999': unknown\nsecond line")
    lines = exc._render_traceback_()
    assert lines[0].endswith("ParameterError\x1b[0m: region_code '999999': unknown")
    assert lines[1] == "second line"
    assert not any("Traceback" in line or "File " in line for line in lines)


# ------------------------------------------------------------------------------------------
# sources, years, programme starts
# ------------------------------------------------------------------------------------------


def test_sources(tiny):
    assert report.resolve_source("") is None
    assert report.resolve_source("sample:default") is None
    assert (tiny / "manifest.json").is_file()
    assert sample.read_manifest(tiny)["n_batches"] == sample.PRESETS["tiny"]
    assert report.data_years(tiny) == tuple(sample.YEARS)


def test_decimal_years_match_the_programme_starts_of_the_sample():
    starts = {p.region_code: p.start for p in sample.PROGRAMMES}
    assert report.decimal_year("2006-09-05") == pytest.approx(starts["330303"], abs=1e-12)
    assert report.decimal_year("2016-06-27") == pytest.approx(starts["421200"], abs=1e-12)
    assert report.decimal_year("2010") == 2010.0
    assert report.decimal_year("2010-07") == pytest.approx(2010 + 181 / 365)


def test_programme_start_from_the_registry():
    start, doc = report.programme_start("330303")
    assert doc == "longwan_2006" and math.floor(start) == 2006
    assert report.programme_start("421202")[1] == "xianning_2016"  # a district of 咸宁市
    assert report.programme_start("431002")[1] == "chenzhou_2010"  # a district of 郴州市
    assert report.programme_start("110101") is None  # no programme for Beijing
    assert report.policy_start("110101", 2012.5) == (2012.5, "policy_start")


# ------------------------------------------------------------------------------------------
# the report context
# ------------------------------------------------------------------------------------------


def test_selection_is_read_once_and_filtered(tmp_path, tiny):
    ctx = _start(tmp_path, region_code="330303", years=(2010, 2020), product="皮鞋")
    recs = ctx.records()
    assert recs is ctx.records()  # cached
    from qualitykit.data import dataset

    raw = dataset.open_records(tiny, region="330303")
    want = raw[(raw["year"] >= 2010) & (raw["year"] <= 2020) & (raw["product"] == "皮鞋")]
    assert sorted(recs["batch_id"]) == sorted(want["batch_id"])
    nc = ctx.nonconformities()
    assert set(nc["batch_id"]) <= set(want.loc[~want["passed"], "batch_id"])
    assert ctx.has_data
    empty = _start(tmp_path, region_code="330302", years=(2005, 2008))
    assert not empty.has_data and len(empty.records()) == 0
    assert not empty.section("trend")  # left out


@pytest.mark.parametrize("product", [None, "皮鞋"])
def test_nonconformities_of_some_columns(tmp_path, tiny, product):
    # the failed items of the selected batches, as the plain join of the whole tables gives them;
    # a column set joins only what it names (the records read for the report are reused)
    from qualitykit.data import dataset

    kw = {"region_code": "330303", "years": (2010, 2020), "product": product}
    ctx = _start(tmp_path, **kw)
    ctx.records()  # read first, as a brief does (has_data)
    items = ctx.nonconformities(["batch_id", "item"])
    assert list(items.columns) == ["batch_id", "item"]
    assert items is ctx.nonconformities(["batch_id", "item"])  # cached
    full = ctx.nonconformities()
    pd.testing.assert_frame_equal(items, full[["batch_id", "item"]])
    raw = dataset.open_records(tiny, region="330303")
    sel = raw[raw["year"].between(2010, 2020) & ((raw["product"] == product) if product else True)]
    nc = dataset.open_nonconformities(tiny, record_columns=None, cause_map=False)
    want = nc[nc["batch_id"].isin(set(sel["batch_id"]))]
    assert sorted(zip(items["batch_id"], items["item"], strict=True)) == sorted(
        zip(want["batch_id"], want["item"], strict=True)
    )
    with_year = _start(tmp_path, **kw).nonconformities(["item", "year", "category"])
    assert list(with_year.columns) == ["item", "year", "category"]
    pd.testing.assert_frame_equal(with_year, full[["item", "year", "category"]])


def test_tables_and_summary_are_written(tmp_path):
    ctx = _start(tmp_path, region_code="330303", lang="en")
    df = pd.DataFrame(
        {"year": [2020, 2021], "pass_rate": [0.9, np.nan], "status": ["met", "off_track"]}
    )
    assert ctx.table(df, "rates", percent=["pass_rate"]) is df
    back = pd.read_csv(tmp_path / "out" / "rates.csv")
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert not list((tmp_path / "out").glob("*.qk-tmp"))
    assert (
        ctx.save_summary({"a": np.float64(0.5), "b": float("nan"), "c": np.int64(3), "d": pd.NA})
        is None
    )
    path = tmp_path / "out" / "summary.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 0.5, "b": None, "c": 3, "d": None}
    assert ctx.table(None, "nothing") is None and not (tmp_path / "out" / "nothing.csv").exists()


@pytest.mark.parametrize(
    ("lang", "period", "level", "header"),
    [
        ("zh", "6–9 月（第四批）", "省级监督抽查、国家监督抽查", "不合格批次"),
        (
            "en",
            "Jun–Sep (4th batch)",
            "provincial spot check, national spot check",
            "Nonconforming batches",
        ),
    ],
)
def test_table_shows_periods_levels_and_headers_in_words(tmp_path, lang, period, level, header):
    # the period and check-level words are those of the published tables' glossary
    # (docs/glossary.md): "Jun-Sep (4th batch)" is never shown as the raw code on a zh page
    ctx = _start(tmp_path, region_code="330303", lang=lang)
    shown: list = []
    df = pd.DataFrame(
        {"period": ["Jun-Sep (4th batch)"], "check_level": ["provincial、national"], "count": [3]}
    )
    import qualitykit.report.framework as fw

    original = fw._display
    fw._display = shown.append
    try:
        ctx.table(df, None, headers={"count": "count_batches"})
    finally:
        fw._display = original
    (out,) = shown
    assert list(out.iloc[0]) == [period, level, "3"]
    assert list(out.columns)[-1] == header
    assert "Jun-Sep" not in " ".join(out.iloc[0]) or lang == "en"


@pytest.mark.parametrize(("lang", "words"), [("zh", ["是", "否", "–"]), ("en", ["yes", "no", "–"])])
def test_table_shows_yes_no_in_the_page_language(tmp_path, monkeypatch, lang, words):
    # a boolean column (notebook 03's "overdispersed") reads 是/否 or yes/no, never True/False
    import qualitykit.report.framework as fw

    ctx = _start(tmp_path, region_code="330303", lang=lang)
    shown: list = []
    monkeypatch.setattr(fw, "_display", shown.append)
    ctx.table(pd.DataFrame({"overdispersed": pd.array([True, False, None], dtype="boolean")}))
    ctx.table(pd.DataFrame({"overdispersed": [True, False]}))
    assert list(shown[0].iloc[:, 0]) == words
    assert list(shown[1].iloc[:, 0]) == words[:2]


@pytest.mark.parametrize(
    ("code", "lang", "said"),
    [
        ("330112", "zh", "已撤销代码 330185（临安市，2017 年起为本地区）下的数据计入本地区。"),
        ("330112", "en", "Data under the abolished code 330185 (this unit since 2017) are counted"),
        ("330212", "zh", "330204（江东区，2016 年并入本地区）"),
        ("330303", "zh", None),
    ],
)
def test_scope_says_which_abolished_codes_a_unit_counts(tmp_path, code, lang, said):
    # the data layer reads abolished codes as their successors (data/regions/code_changes.csv:
    # 330185 临安市 → 330112 临安区 in 2017, 330204 江东区 merged into 330212 鄞州区 in 2016)
    with open(data_dir() / "regions" / "code_changes.csv", encoding="utf-8") as f:
        rows = {r["old_code"]: r for r in csv.DictReader(f)}
    assert rows["330185"]["new_code"] == "330112" and rows["330204"]["new_code"] == "330212"
    scope = _start(tmp_path, region_code=code, lang=lang).scope()
    if said is None:
        assert "abolished" not in scope and "撤销" not in scope
    else:
        assert said in scope


def test_scope_names_check_levels_in_words(tmp_path):
    zh = _start(tmp_path, region_code="330303", check_level="national,county")
    assert "国家监督抽查、县级监督抽查" in zh.scope()
    en = _start(tmp_path, region_code="330303", check_level="national,county", lang="en")
    assert "national spot check, county spot check" in en.scope()
    assert "checks" not in en.scope()


def test_library_warnings_are_noted_in_the_reports_language(tmp_path, monkeypatch):
    import warnings

    import qualitykit.report.framework as fw

    shown: list = []
    monkeypatch.setattr(fw, "_in_kernel", lambda: True)
    monkeypatch.setattr(fw, "_display", shown.append)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    message = "40% of expected counts are below 5: the χ² approximation may be poor"
    for lang, want in (("zh", "40% 的期望频数小于 5"), ("en", "40% of expected counts")):
        _start(tmp_path, region_code="330303", lang=lang)
        warnings.showwarning(message, errors.QualityKitWarning, "x.py", 1)
        assert want in shown[-1].data, shown[-1].data
    assert "expected counts" not in shown[0].data  # no English left on the zh page


def test_default_output_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "outputs_dir", lambda: tmp_path / "outputs")
    ctx = report.start(
        "05_district_report", region_code="330303", data_source=TINY, show_scope=False
    )
    assert ctx.output_dir == tmp_path / "outputs" / "interactive" / "05_district_report" / "330303"
    assert ctx.output_dir.is_dir()


def test_section_with_missing_data_shows_a_note(tmp_path, capsys):
    ctx = _start(tmp_path, region_code="330303")
    assert ctx.section("trend")
    assert not ctx.section("segmented", data=None, reason="no programme")
    assert not ctx.section("pareto_items", data=pd.DataFrame())
    assert ctx.section("targets", needs_data=False, data=pd.DataFrame({"a": [1]}))
    out = capsys.readouterr().out
    assert "no programme" in out


def test_attempt_turns_no_data_into_a_note(tmp_path, capsys):
    ctx = _start(tmp_path, region_code="330303", lang="en")

    def fails():
        raise errors.NoDataError("a homogeneity test needs at least 2 groups")

    assert ctx.attempt(fails) is None
    assert "**No data:** a homogeneity test needs at least 2 groups." in capsys.readouterr().out
    assert ctx.attempt(lambda x: x + 1, 1) == 2


# ------------------------------------------------------------------------------------------
# helpers for the notebooks
# ------------------------------------------------------------------------------------------


def test_time_counts_sum_the_records(tmp_path):
    recs = _start(tmp_path, region_code="330303").records()
    q = report.time_counts(recs)
    raw = recs.groupby(["year", "quarter"]).agg(
        batches=("passed", "size"), passed=("passed", "sum")
    )
    assert q["batches"].tolist() == raw["batches"].tolist()
    assert q["passed"].tolist() == raw["passed"].tolist()
    first = q.iloc[0]
    assert first["t"] == first["year"] + (first["quarter"] - 1) / 4
    y = report.time_counts(recs, quarterly=False)
    assert (y["t"] == y["year"]).all() and y["batches"].sum() == len(recs)


def test_groups_for_comparisons(tmp_path):
    nc = _start(tmp_path, region_code="330300").nonconformities()
    by_period, ref = report.add_group(nc, "period", split_year=2012, lang="en")
    assert ref == "before 2012"
    before = by_period["group"] == "before 2012"
    assert (by_period.loc[before, "year"] < 2012).all()
    assert (by_period.loc[~before, "year"] >= 2012).all()
    by_class, ref = report.add_group(nc, "sales_class", category="category")
    assert ref == "A"
    sales = by_class["annual_sales"].astype(float)
    assert (sales[by_class["group"] == "A"] >= 5000).all()
    assert (sales[by_class["group"] == "C"] < 1000).all()
    assert by_class["category"].notna().all()
    with pytest.raises(errors.ParameterError, match="compare_by must be one of"):
        report.add_group(nc, "colour")


def _csv(name: str) -> list[dict[str, str]]:
    with (data_dir() / "reference" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_national_tables_are_the_published_numbers():
    spot = report.national_spot_checks().set_index("year")
    rows = [
        r
        for r in _csv("spot_check_national")
        if r["period"] == "annual" and r["programme"] == "国家监督抽查"
    ]
    for r in rows:
        y = int(r["year"])
        if r["pass_rate_pct"]:
            assert spot.loc[y, "pass_rate"] == pytest.approx(float(r["pass_rate_pct"]) / 100)
            assert spot.loc[y, "measure"] == "pass_rate"
        if r["nc_rate_pct"] and not r["pass_rate_pct"]:
            assert spot.loc[y, "nc_rate"] == pytest.approx(float(r["nc_rate_pct"]) / 100)
            assert spot.loc[y, "measure"] == "nc_rate"
    assert spot.loc[2017, "pass_rate"] == pytest.approx(0.915)  # 91.5 % (AQSIQ, 2017)
    assert spot.loc[2018, "nc_rate"] == pytest.approx(0.103)  # 10.3 % (SAMR 2019 No. 19)
    rpq = report.national_rpq().set_index("year")["rpq"]
    want = {
        int(r["year"]): float(r["rpq_pct"]) / 100
        for r in _csv("rpq_national")
        if r["period"] == "annual"
    }
    assert rpq.to_dict() == pytest.approx(want)
    assert rpq[2024] == pytest.approx(0.9393)
    small = report.small_firm_share().set_index("year")["small_share"]
    assert small[2015] == pytest.approx(0.60) and small[2023] == pytest.approx(0.93)
    qci = report.national_qci().set_index("year")["qci"]
    assert qci[2024] == pytest.approx(85.6) and qci[2005] == pytest.approx(78.98)


def test_policy_target_selection():
    docs, tt = report.policy_targets("longwan_2006")
    assert docs["document_id"].tolist() == ["longwan_2006"] and len(tt) == 18
    docs, tt = report.policy_targets(region_code="431002", quantitative_only=True)
    assert set(docs["document_id"]) == {"chenzhou_2010", "national_2025"}
    assert not tt["qualitative"].any()
    _, everything = report.policy_targets()
    assert len(everything) > len(tt)


# ------------------------------------------------------------------------------------------
# a user's data of any shape (issue 10)
# ------------------------------------------------------------------------------------------

EXAMPLES = data_dir() / "examples"
BAZHONG = {
    "data_source": str(EXAMPLES / "bazhong_by_district.csv"),
    "units_file": str(EXAMPLES / "bazhong_units.csv"),
    "period": "2024",
}
ITEMS = {"data_source": str(EXAMPLES / "zhejiang_2014q2_childrens_shoes_items.csv")}
CJK_PUNCTUATION = ("，", "。", "；", "：", "（", "）")


def test_years_beyond_the_data_are_cut_to_them_with_a_note(tmp_path, capsys):
    ctx = _start(tmp_path, region_code="330303", years=(1999, 2010), show_scope=True)
    assert ctx.years == (2005, 2010) and ctx.requested_years == (1999, 2010)
    out = capsys.readouterr().out
    assert (
        "所选年份 1999–2010 年超出数据覆盖的 2005–2024 年：报告的年份范围为 2005–2010 年。" in out
    )


def test_counts_of_records_are_the_records_counted(tmp_path):
    ctx = _start(tmp_path, region_code="330300", years=(2015, 2020), product="")
    got = ctx.counts(by=["enterprise_size"])
    recs = ctx.records()
    raw = recs.groupby(["region_code", "year", "enterprise_size"], observed=True)["passed"]
    want = raw.agg(batches="size", passed="sum").reset_index()
    assert got["batches"].tolist() == want["batches"].tolist()
    assert got["passed"].tolist() == want["passed"].tolist()
    assert (got["nonconforming"] == got["batches"] - got["passed"]).all()
    assert ctx.counts(by=["enterprise_size"]) is got  # read once


def test_a_counts_table_feeds_rates_and_says_what_it_cannot(tmp_path, capsys):
    ctx = report.start(
        "03_regional_benchmark", region_code="511900", output_dir=str(tmp_path), **BAZHONG
    )
    assert ctx.shape == "counts" and ctx.has_data
    assert int(ctx.counts()["batches"].sum()) == 555  # the 合计 row is not counted again
    out = capsys.readouterr().out
    assert "**数据：** bazhong_by_district" in out and "作为独立单位保留" in out
    assert "第 8 行“合计”为合计行" in out  # the notice of the data layer, shown once
    assert ctx.region_name == "巴中市"
    assert ctx.section("funnel", needs="funnel")
    assert not ctx.section("pareto_items", needs="pareto")
    assert "本数据为汇总计数，不支持本节，故略去。" in capsys.readouterr().out
    parent = ctx.parent("511900")
    assert parent.label_zh == "本数据中巴中市合计" and (parent.batches, parent.passed) == (555, 497)


def test_item_counts_feed_the_pareto_and_say_they_hold_no_rates(tmp_path, capsys):
    ctx = report.start(
        "02_pareto_causes", years=(2005, 2024), output_dir=str(tmp_path), lang="en", **ITEMS
    )
    assert ctx.shape == "item_counts" and ctx.years == (2014, 2014)
    items = ctx.item_counts()
    assert int(items["nc_count"].sum()) == 16 and items.iloc[0]["item"] == "标识"
    assert ctx.region_name == "2014年第二季度浙江省童鞋产品质量监督抽查不合格项目"  # never "China"
    assert not ctx.section("yearly_rates", needs="rates")
    assert "These data are item counts; this section needs other data" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        (
            {"region_code": "330303", **ITEMS},
            "region_code '330303': the data have no units (no 地区代码 / 地区 column)",
        ),
        ({"region_code": None, "product": "童鞋", **ITEMS}, "the data have no product column"),
        (
            {"region_code": None, "check_level": "provincial", **ITEMS},
            "the data have no check level column (抽查级别)",
        ),
        (
            {"region_code": "X511900-09", "levels": ("county",), **BAZHONG},
            "nor a declared unit (X511900-01)",
        ),
        (
            {"region_code": "511902", "data_source": BAZHONG["data_source"], "period": "2024"},
            "'经开区' is not a GB/T 2260 division",  # undeclared zone: the data layer's message, as one parameter problem
        ),
        (
            {"region_code": "511902", **{**BAZHONG, "units_file": "/no/such.csv"}},
            "units_file '/no/such.csv' does not exist",
        ),
    ],
)
def test_what_a_users_data_cannot_do_is_one_clear_message(tmp_path, kw, fragment):
    kw = {"years": (2005, 2024), "product": "", **kw}
    with pytest.raises(report.ParameterError) as info:
        report.start("01_quality_trends", output_dir=str(tmp_path), show_scope=False, **kw)
    assert fragment in str(info.value)


def test_a_declared_zone_is_a_county_level_unit(tmp_path):
    ctx = report.start(
        "05_district_report",
        region_code="X511900-01",
        levels=("county",),
        output_dir=str(tmp_path),
        show_scope=False,
        **BAZHONG,
    )
    assert ctx.region_name == "经开区" and ctx.region_level == "county"
    assert ctx.province_name == "四川省"
    c = ctx.counts()
    assert c[["batches", "passed"]].values.tolist() == [[18, 16]]


def test_strata_problems():
    both = pd.DataFrame(
        {"industry_code": ["19", "19", "27"], "enterprise_size": ["small", "large", "small"]}
    )
    assert report.strata_problem(both) is None
    constant = both.assign(industry_code="19")  # the mix is that of the sizes: fine
    assert report.strata_problem(constant) is None
    one = pd.DataFrame({"industry_code": ["19", "19"], "enterprise_size": ["small", "small"]})
    assert "只有一个层" in report.strata_problem(one)
    assert "single stratum" in report.strata_problem(one, lang="en")
    empty = both.assign(enterprise_size=pd.NA)
    assert "企业规模" in report.strata_problem(empty) and "本数据没有" in report.strata_problem(
        empty
    )
    absent = both.drop(columns="enterprise_size")
    assert "enterprise_size" in report.strata_problem(absent, lang="en")


def test_the_cause_map_is_extended_by_the_datas_own_spellings():
    items = pd.DataFrame(
        {"item": ["Cr(Ⅵ) 六价铬", "游离甲醛(内底)", "标识", "鞋里和内底摩擦色牢度(沾色)", "无此项目"],
         "nc_count": [2, 2, 4, 1, 3]}
    )  # fmt: skip
    cmap, unmapped = report.cause_map_for(items, count="nc_count")
    with (data_dir() / "causes" / "cause_map.csv").open(encoding="utf-8") as f:
        rows = {r["item"]: r for r in csv.DictReader(f)}
    by_item = cmap.set_index("item")
    for spelled, canonical in (("Cr(Ⅵ) 六价铬", "六价铬"), ("游离甲醛(内底)", "游离甲醛")):
        assert by_item.loc[spelled, "category"] == rows[canonical]["category"]
        assert by_item.loc[spelled, "controllable"] == rows[canonical]["controllable"]
    assert unmapped["item"].tolist() == ["无此项目"]
    assert unmapped["count"].tolist() == [3] and unmapped["share"].tolist() == [3 / 12]


def test_notes_are_one_language_and_escape_values():
    from qualitykit.report import notes

    texts_en = [
        notes.years_cut((2015, 2024), (2024, 2024), (2024, 2024), "en"),
        notes.parent_line("total of a*b in these data", 555, 497, 497 / 555, "en"),
        notes.needs_columns(["enterprise_size"], "en"),
        notes.single_valued(["industry_code", "enterprise_size"], "en"),
        notes.too_few_periods(1, 3, "trend", "en"),
        notes.too_few_units(2, 3, "shrinkage", "en"),
        notes.too_few_groups(1, "en"),
        notes.degenerate_shrinkage(6, 0.8955, "en"),
        notes.own_series("my data", "en"),
        notes.unmapped_items(pd.DataFrame({"item": ["x"], "count": [3], "share": [0.25]}), "en"),
    ]
    for text in texts_en:
        assert not any(p in text for p in CJK_PUNCTUATION), text
    assert "a\\*b" in texts_en[1] and "89.5%" in texts_en[1] and "497 of 555" in texts_en[1]
    assert texts_en[4].startswith("One period: no trend")
    zh = notes.too_few_periods(1, 3, "trend", "zh")
    assert zh.startswith("只有一个时期：没有趋势") and zh.endswith("。")
    assert notes.unmapped_items(pd.DataFrame({"item": [], "count": [], "share": []})) == ""


def test_item_counts_of_nonconforming_batches_are_called_batches():
    """The children's-shoes table counts 不合格批次数 per item (its header says so): its Pareto counts
    batches, not 项次 — the figure's axis, the table header and the sentence say which."""
    from matplotlib import pyplot as plt

    from qualitykit.report import plots, sources
    from qualitykit.stats import pareto

    src = report.open_data(str(EXAMPLES / "zhejiang_2014q2_childrens_shoes_items.csv"))
    assert src.shape == "item_counts" and sources.item_count_unit(src) == "batches"
    assert sources.item_count_unit(report.open_data(TINY)) == "items"
    table = pareto.pareto_table(src.item_counts(), "item", "nc_count")
    zh = plots.pareto_figure(table, lang="zh", counted="batches")
    en = plots.pareto_figure(table, lang="en")
    try:
        assert zh.axes[0].get_ylabel() == "不合格批次数"
        assert en.axes[0].get_ylabel() == "Nonconformities"
    finally:
        plt.close(zh)
        plt.close(en)
    with pytest.raises(errors.ParameterError):
        plots.pareto_figure(table, counted="rows")


@pytest.mark.parametrize("future", [False, True])
def test_with_intervals_takes_each_years_interval(future):
    # each row (quarterly: four per year; a forecast: years without data) gets the Wilson
    # interval of its year from the yearly rates, NaN where the year has none; rows keep order
    fitted = pd.DataFrame(
        {
            "year": pd.array([2019] * 4 + [2020] * 4 + ([2021, 2022] if future else []), "Int64"),
            "fitted": np.linspace(0.8, 0.9, 10 if future else 8),
            "ci_lower": 0.0,  # replaced
        }
    )
    yearly = pd.DataFrame(
        {
            "year": pd.array([2020, 2019], "Int64"),
            "batches": [10, 20],
            "ci_lower": [0.5, 0.6],
            "ci_upper": [0.7, 0.8],
        }
    )
    got = report.with_intervals(fitted, yearly)
    interval = {2019: (0.6, 0.8), 2020: (0.5, 0.7)}
    assert list(got.columns) == ["year", "fitted", "ci_lower", "ci_upper"]
    assert got["fitted"].tolist() == fitted["fitted"].tolist()
    for y, lo, hi in zip(got["year"], got["ci_lower"], got["ci_upper"], strict=True):
        want = interval.get(int(y), (np.nan, np.nan))
        np.testing.assert_equal((lo, hi), want)
