"""The explorer without a browser: its data (read once), its state changes and the data of its views.

Every view's numbers are compared with an independent path through the library — the records read
from disk by :func:`qualitykit.data.dataset.open_records` and counted by pandas or by the functions
the notebooks use (``district.child_counts`` / ``compare_units`` of 03 and 05, ``metrics.rates``,
``pareto.pareto_table`` on ``open_nonconformities``, the scorecard with a ``SampleProvider`` that
reads the records itself) — never with the explorer's own output. The statistical methods behind
them are tested against published figures in their own modules (test_benchmark, test_metrics …).
"""

from __future__ import annotations

import pandas as pd
import pytest

from qualitykit.data import dataset, regions
from qualitykit.errors import ParameterError
from qualitykit.explore.source import ExplorerData, Filters
from qualitykit.explore.state import NOTES, Explorer
from qualitykit.report.framework import resolve_source

TINY = "sample:tiny"
YEARS = (2015, 2024)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return dataset.open_records(resolve_source(TINY))


@pytest.fixture
def explorer(explorer_data: ExplorerData) -> Explorer:
    return Explorer(explorer_data, region_code="330000", selected="330303", years=YEARS)


def _within(records: pd.DataFrame, code: str, years=YEARS, level=None, product=None):
    r = records[regions.within(records["region_code"], code).to_numpy(bool)]
    r = r[(r["year"] >= years[0]) & (r["year"] <= years[1])]
    if level is not None:
        r = r[r["check_level"].astype(str) == level]
    if product is not None:
        r = r[r["product"] == product]
    return r


def _pandas_counts(r: pd.DataFrame, key: str) -> pd.DataFrame:
    g = r.groupby(r[key].astype(str))["passed"].agg(["size", "sum"])
    return g.rename(columns={"size": "batches", "sum": "passed"}).sort_index()


# ---- the data, read once ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "level", "product"),
    [("330000", None, None), ("330000", "provincial", None), ("330300", None, "皮鞋")],
)
def test_unit_counts_equal_the_records_counted_by_pandas(
    explorer_data, records, parent, level, product
):
    got = explorer_data.unit_counts(parent, Filters(YEARS, level, None, product)).set_index(
        "region_code"
    )
    want = _pandas_counts(_within(records, parent, level=level, product=product), "region_code")
    assert list(got.index) == list(want.index)
    assert got["batches"].tolist() == want["batches"].tolist()
    assert got["passed"].tolist() == want["passed"].tolist()
    assert (got["nonconforming"] == got["batches"] - got["passed"]).all()


def test_child_units_are_the_cities_of_notebook_03(explorer_data, records):
    from qualitykit.report.district import child_counts

    got = explorer_data.unit_counts("330000", Filters(YEARS), unit_level="child")
    want = child_counts(_within(records, "330000"), "330000")
    assert got["region_code"].tolist() == want["region_code"].astype(str).tolist()
    assert got["batches"].tolist() == want["batches"].tolist()
    assert got["passed"].tolist() == want["passed"].tolist()


def test_year_and_item_counts_equal_the_records(explorer_data, records):
    got = explorer_data.year_counts("330303", Filters(YEARS, "national"))
    r = _within(records, "330303", level="national")
    want = _pandas_counts(r.assign(y=r["year"].astype(int)), "y")
    assert got["year"].astype(str).tolist() == list(want.index)
    assert got["batches"].tolist() == want["batches"].tolist()

    nc = dataset.open_nonconformities(resolve_source(TINY), region="330300", years=YEARS)
    want_items = nc["item"].value_counts().sort_index()
    got_items = (
        explorer_data.item_counts("330300", Filters(YEARS)).set_index("item")["count"].sort_index()
    )
    assert got_items.to_dict() == want_items.to_dict()


def test_no_file_is_read_after_the_session_starts(explorer_data, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the explorer read the data again")

    monkeypatch.setattr(dataset, "open_records", boom)
    monkeypatch.setattr(dataset, "open_nonconformities", boom)
    ex = Explorer(explorer_data, region_code="330000", selected="330303", years=YEARS)
    for change in (
        {"years": (2016, 2023)},
        {"check_level": "national"},
        {"region": "320000"},
        {"product": "皮鞋"},
        {"region": "龙湾"},
        {"unit_level": "child"},
    ):
        ex.update(**change)
        ex.funnel(), ex.trend(), ex.pareto(), ex.targets()


# ---- state changes --------------------------------------------------------------------------------


def test_a_county_is_selected_within_its_province(explorer):
    explorer.update(region="320000")
    assert explorer.state.region == "320000"
    assert explorer.state.selected is not None and explorer.state.selected.startswith("32")
    explorer.update(region="龙湾")  # a name: 龙湾区 330303
    assert (explorer.state.region, explorer.state.selected) == ("330000", "330303")
    explorer.update(region="330300")  # its city: the selection stays
    assert explorer.state.selected == "330303"
    explorer.update(region="温州市 · 浙江省 (330300)")  # an option label of the search box
    assert explorer.state.region == "330300"


def test_a_new_region_selects_its_largest_unit(explorer, records):
    explorer.update(region="320000")
    r = _within(records, "320000")
    assert explorer.state.selected == r["region_code"].value_counts().idxmax()


def test_product_sets_its_industry_and_another_industry_clears_it(explorer, explorer_data):
    explorer.update(product="皮鞋")
    assert explorer.state.industry == explorer_data.industry_of("皮鞋") == "19"
    other = next(i for i in explorer_data.present("industry") if i != "19")
    explorer.update(industry=other)
    assert explorer.state.product is None and explorer.state.industry == other


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"check_level": "monthly"}, "unknown check level"),
        ({"years": (1990, 1995)}, "outside the data"),
        ({"years": (2020, 2010)}, "after the last"),
        ({"product": "月饼"}, "does not occur"),
        ({"region": "新华区"}, "several regions"),
        ({"region": "999999"}, "unknown region"),
        ({"colour": "red"}, "unknown explorer setting"),
    ],
)
def test_bad_values_give_one_clear_error(explorer, change, message):
    before = explorer.state
    with pytest.raises(ParameterError, match=message):
        explorer.update(**change)
    assert explorer.state == before


# ---- views -----------------------------------------------------------------------------------------


def test_funnel_flags_and_intervals_equal_those_of_notebook_03(explorer, records):
    from qualitykit.report.district import child_counts, compare_units

    view = explorer.funnel()
    units = child_counts(_within(records, "330000"), "330000", unit_level="county")
    cmp = compare_units(units)
    want = cmp.table.set_index("region_code")
    got = view.table.set_index("region_code")
    assert list(got.index) == list(want.index.astype(str))
    for col in ("pass_rate", "ci_lower", "ci_upper", "lower_998", "upper_998", "z"):
        pd.testing.assert_series_equal(got[col], want[col], check_names=False, rtol=1e-12)
    assert got["flag_998"].tolist() == want["flag_998"].tolist()
    pd.testing.assert_frame_equal(view.extra["grid"], cmp.grid)


def test_trend_rates_equal_metrics_rates_of_the_records(explorer, records):
    from qualitykit.stats import metrics

    view = explorer.trend()
    want = metrics.rates(_within(records, "330303"), by="year")
    assert view.table["year"].tolist() == want["year"].astype(int).tolist()
    for col in ("batches", "passed", "pass_rate", "ci_lower", "ci_upper"):
        assert view.table[col].tolist() == pytest.approx(want[col].tolist(), rel=1e-12)
    parent = metrics.rates(_within(records, "330000"), by="year")
    assert view.extra["parent"]["pass_rate"].tolist() == pytest.approx(parent["pass_rate"].tolist())
    assert view.extra["fitted"] is not None  # ten years: a GLM trend


def test_pareto_equals_pareto_table_of_the_nonconformities(explorer):
    from qualitykit.stats import pareto

    explorer.update(region="330300")  # the city: enough items in the tiny sample
    explorer.select("330303")
    nc = dataset.open_nonconformities(resolve_source(TINY), region="330303", years=YEARS)
    want = pareto.pareto_table(nc, "item", max_categories=10, other_label="其他")
    got = explorer.pareto().table
    assert got["item"].tolist() == want["item"].tolist()
    assert got["count"].tolist() == want["count"].tolist()


def test_target_statuses_equal_a_scorecard_that_reads_the_records_itself(explorer):
    from qualitykit.policy import scorecard

    got = explorer.targets().table
    want = scorecard.scorecard_for_districts(
        "330303", scorecard.SampleProvider(resolve_source(TINY)), as_of=YEARS[1]
    )
    want = want[~want["qualitative"].astype(bool)]
    assert got["target_id"].tolist() == want["target_id"].tolist()
    assert got["status"].tolist() == want["status"].tolist()
    pd.testing.assert_series_equal(
        got["observed"].astype("Float64"),
        want["observed"].astype("Float64").reset_index(drop=True),
        check_names=False,
    )
    lines = explorer.target_lines()
    fixed = want[
        (want["indicator"] == "spot_check_pass_rate")
        & want["comparator"].isin([">=", "==", "<=", "range"])
    ]
    assert lines["target_id"].tolist() == fixed["target_id"].tolist()
    assert lines["value"].tolist() == pytest.approx(fixed["required"].astype(float).tolist())


def test_views_are_cached_by_the_state_they_depend_on(explorer):
    f, t = explorer.funnel(), explorer.targets()
    explorer.update(years=(2016, 2024))
    assert explorer.funnel() is not f  # the window changed the funnel
    assert explorer.targets() is t  # targets depend on the last year only
    explorer.select("330304")
    assert explorer.funnel() is explorer.funnel()
    explorer.update(years=YEARS)
    assert explorer.funnel() is f  # back to an earlier state: nothing recomputed


def test_english_labels_and_notes(explorer_data):
    ex = Explorer(explorer_data, region_code="330000", selected="330303", years=YEARS, lang="en")
    assert "Longwan District" in ex.selected_name()
    assert "Zhejiang" in ex.scope() and "county-level units" in ex.scope()
    text = ex.funnel().extra["text"]
    assert text.startswith("Of ") and not any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize(
    ("lang", "years", "shown"),
    [
        ("zh", (2024, 2024), " · 2024 年 · "),
        ("en", (2024, 2024), " · 2024 · "),
        ("zh", (2016, 2024), " · 2016–2024 年 · "),
    ],
)
def test_scope_names_one_year_once(explorer_data, lang, years, shown):
    ex = Explorer(explorer_data, region_code="330000", years=years, lang=lang)
    assert shown in ex.scope() and "2024–2024" not in ex.scope()


# ---- other data shapes -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def user_files(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("user")
    recs = records[regions.within(records["region_code"], "330300").to_numpy(bool)]
    recs.to_csv(folder / "records.csv", index=False)
    counts = dataset.aggregate(recs, by=["region_code", "year"])
    counts[["region_code", "year", "batches", "passed"]].to_csv(folder / "counts.csv", index=False)
    return folder, recs


@pytest.mark.parametrize("name", ["records.csv", "counts.csv"])
def test_user_records_and_counts_feed_the_rates_but_not_the_pareto(user_files, name):
    folder, recs = user_files
    data = ExplorerData(str(folder / name))
    assert data.shape == name.removesuffix(".csv")
    ex = Explorer(data, region_code="330300", selected="330303", years=YEARS)
    want = _pandas_counts(_within(recs, "330300"), "region_code")
    assert ex.funnel().table["batches"].tolist() == want["batches"].tolist()
    assert ex.trend().ok
    pareto = ex.pareto()
    assert pareto.table is None and pareto.note == NOTES["needs_items"]["zh"]
    assert "records with nonconforming items" in NOTES["needs_items"]["en"]
