"""The explorer on every data shape, through :func:`qualitykit.data.source.open_source` (issue 15):
the real published tables of ``data/examples`` — 巴中's counts by district with its 经开区 and 合计
row (CSV and XLSX), and 浙江's item counts — read as the notebooks read them.

Expected numbers are typed from the sources (``data/examples/README.md``), not taken from the
code under test.
"""

from __future__ import annotations

import pytest

from example_data import BAZHONG, BAZHONG_UNITS
from example_data import EXAMPLES as EX
from qualitykit.errors import ParameterError
from qualitykit.explore.source import ExplorerData, Filters
from qualitykit.explore.state import NOTES, Explorer

UNITS = str(BAZHONG_UNITS)
Y2024 = Filters((2024, 2024))

# 2014 Q2 浙江 children's shoes (https://m.cqn.com.cn/ms/content/2014-06/04/content_2213044.htm)
ITEMS = {"标识": 4, "感官质量": 3, "耐磨性能": 3, "Cr(Ⅵ) 六价铬": 2, "游离甲醛(内底)": 2, "标志": 1,
         "鞋里和内底摩擦色牢度(沾色)": 1}  # fmt: skip


@pytest.fixture(scope="module", params=["bazhong_by_district.csv", "bazhong_by_district.xlsx"])
def bazhong(request) -> ExplorerData:
    return ExplorerData(str(EX / request.param), period="2024", units_file=UNITS)


def test_counts_table_with_a_zone_and_a_total_row(bazhong):
    assert bazhong.shape == "counts" and bazhong.years == (2024, 2024)
    assert bazhong.supports("funnel") == (True, None)
    assert bazhong.supports("pareto") == (False, "needs_items")
    got = bazhong.unit_counts("511900", Y2024).set_index("region_code")
    # the six units, the 经开区 among them; the 合计 row is no unit
    assert {c: (int(r.batches), int(r.passed)) for c, r in got.iterrows()} == {
        c: (b, p) for c, (_, b, p) in BAZHONG.items()
    }
    # the province and the city: the data's own total, 555 / 497 (not twice it)
    prov = bazhong.unit_counts("510000", Y2024, unit_level="child")
    assert prov[["region_code", "batches", "passed"]].values.tolist() == [["511900", 555, 497]]
    assert bazhong.year_counts("511900", Y2024)[["batches", "passed"]].values.tolist() == [
        [555, 497]
    ]
    assert any("'合计' is a total row" in n for n in bazhong.notes)
    assert not any("left out of the views" in n for n in bazhong.notes)


def test_the_zone_is_a_unit_of_its_own_in_the_views(bazhong):
    ex = Explorer(bazhong, region_code="511900", years=(2024, 2024), unit_level="child")
    funnel = ex.funnel().table.set_index("region_code")
    assert funnel.loc["X511900-01", "name_zh"] == "经开区"
    assert (funnel.loc["X511900-01", "batches"], funnel.loc["X511900-01", "passed"]) == (18, 16)
    assert funnel["batches"].sum() == 555
    assert ex.state.selected == "511922"  # 南江县, the most batches (132)
    ex.select("X511900-01")
    assert ex.selected_name() == "经开区 (X511900-01)"
    trend = ex.trend()
    assert trend.table[["year", "batches", "passed"]].values.tolist() == [[2024, 18, 16]]
    assert trend.extra["text"].startswith("经开区2024 年共抽查 18 批次，合格 16 批次")
    assert ex.pareto().note == NOTES["needs_items"]["zh"]
    assert ex.targets().note == NOTES["declared_unit"]["zh"]
    with pytest.raises(ParameterError):
        ex.select("X511900-09")  # not a unit of these data


def test_item_counts_feed_the_pareto_only():
    data = ExplorerData(str(EX / "zhejiang_2014q2_childrens_shoes_items.csv"))
    assert data.shape == "item_counts" and data.years == (2014, 2014)
    assert data.supports("pareto") == (True, None)
    for view in ("funnel", "trend", "targets"):
        assert data.supports(view) == (False, "needs_rates")
    ex = Explorer(data, region_code="000000", years=(2014, 2014), lang="en")
    assert ex.funnel().note == NOTES["needs_rates"]["en"]
    assert ex.trend().note == NOTES["needs_rates"]["en"]
    table = ex.pareto().table
    assert dict(zip(table["item"], table["count"], strict=True)) == ITEMS
    assert int(table["count"].sum()) == 16


def test_a_table_without_period_or_with_an_undeclared_zone_is_one_clear_line():
    with pytest.raises(ParameterError, match="no period"):
        ExplorerData(str(EX / "bazhong_by_district.csv"), units_file=UNITS)
    with pytest.raises(ParameterError, match="经开区"):
        ExplorerData(str(EX / "bazhong_by_district.csv"), period="2024")


def test_the_app_reads_a_published_table_with_its_period_and_units():
    """Notebook 06 / ``qualitykit explore --period --units-file``: the App opens the table."""
    from qualitykit.explore import App

    app = App(
        str(EX / "bazhong_by_district.csv"),
        region_code="511900",
        selected="",
        period="2024",
        units_file=UNITS,
    )
    assert app.explorer.data.shape == "counts"
    table = app.explorer.funnel().table.set_index("region_code")
    assert (int(table.loc["X511900-01", "batches"]), int(table.loc["X511900-01", "passed"])) == (
        18,
        16,
    )
