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
