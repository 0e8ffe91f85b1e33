"""The worked examples of ``data/examples`` (real published tables) through ``validate`` and
:func:`qualitykit.data.source.open_source`.

Every expected number is typed here from the source as published (URL next to it), and sums are
worked out by hand in the comments — never taken from the code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from example_data import BAZHONG
from example_data import BAZHONG_UNITS as UNITS
from example_data import EXAMPLES as EX
from qualitykit import cli
from qualitykit.data import validate as val
from qualitykit.data.shapes import ShapeError
from qualitykit.data.source import open_source
from qualitykit.errors import NoDataError


@pytest.mark.parametrize("name", ["bazhong_by_district.csv", "bazhong_by_district.xlsx"])
def test_bazhong_district_table_with_a_development_zone_and_a_total_row(name: str):
    report = val.validate(EX / name, units=UNITS, period="2024")
    assert report.ok, report.to_text()
    df = report.frame.set_index("region_code")
    assert sorted(df.index) == sorted(BAZHONG)
    for code, (_, batches, passed) in BAZHONG.items():
        assert (df.at[code, "batches"], df.at[code, "passed"]) == (batches, passed)
    # the real total, not twice it: 555 batches, 497 passed (the 合计 row is excluded)
    assert (report.summary["batches"], report.summary["passed"]) == (555, 497)
    assert [t["label"] for t in report.totals] == ["合计"]
    assert report.totals[0]["batches"] == 555
    assert {(x["column"], x["parts"], x["stated"]) for x in report.cross_checks} == {
        ("batches", 555, 555), ("passed", 497, 497), ("nonconforming", 58, 58)
    }  # fmt: skip
    assert any("X511900-01 经开区" in n for n in report.notes)


def test_bazhong_xlsx_reads_title_percent_cells_and_source_line():
    report = val.validate(EX / "bazhong_by_district.xlsx", units=UNITS, period="2024")
    assert report.title == ["巴中市产品质量监督抽查 表3 各行政区域抽查情况"]
    assert report.footer and report.footer[0].startswith("数据来源：中国质量新闻网")
    # 合格率 92.13% of 巴州区 read from a percent-formatted cell as the proportion 0.9213
    row = report.frame.set_index("region_code").loc["511902"]
    assert row["pass_rate"] == pytest.approx(0.9213)


def test_an_undeclared_zone_is_one_clear_message(capsys):
    code = cli.main(["validate", str(EX / "bazhong_by_district.csv"), "--period", "2024"])
    out = capsys.readouterr().out
    assert code == 1
    assert "row 4, column '抽样区域': '经开区' is not a GB/T 2260 division" in out
    assert "'经开区,511900'" in out and "--units FILE" in out


def test_a_table_without_period_says_what_to_change(capsys):
    code = cli.main(["validate", str(EX / "bazhong_by_district.csv"), "--units", str(UNITS)])
    out = capsys.readouterr().out
    assert code == 1
    assert "no period" in out and "--period 2019H2" in out


def test_bazhong_through_open_source():
    src = open_source(EX / "bazhong_by_district.xlsx", units=UNITS, period="2024")
    assert src.shape == "counts"
    c = src.counts().set_index("region_code")
    assert int(c["batches"].sum()) == 555 and int(c["nonconforming"].sum()) == 58  # 555 − 497
    assert c.loc["X511900-01", ["batches", "passed"]].tolist() == [18, 16]
    units = src.units.set_index("code")
    assert units.at["X511900-01", "kind"] == "non-standard"
    assert units.at["X511900-01", "parent_code"] == "511900"
    fig = src.parent_figure("511900")
    assert (fig.batches, fig.passed, fig.kind) == (555, 497, "data_total")
    assert fig.label_zh == "本数据中巴中市合计"  # never 四川省 / 全省
    assert any(n.kind == "totals" and "合计" in n.zh for n in src.notices)
    assert any(n.kind == "units" and "经开区" in n.en for n in src.notices)
    assert src.supports("funnel") and not src.supports("pareto")
    with pytest.raises(ShapeError):
        src.records()
    with pytest.raises(NoDataError):
        src.counts(region="330300")  # 温州: not in these data


def test_a_published_parent_figure_is_labelled_with_its_source():
    figures = pd.DataFrame(
        {"region_code": ["511900"], "year": [2024], "batches": [555], "passed": [497],
         "source": ["https://m.ryxmt.com.cn/channel/xfts/20241101/475655_2.html 表3 合计"]}
    )  # fmt: skip
    src = open_source(EX / "bazhong_by_district.csv", units=UNITS, period="2024",
                      parent_figures=figures)  # fmt: skip
    fig = src.parent_figure("511900", 2024)
    assert fig.kind == "published" and "475655_2.html" in fig.label_en
    assert fig.pass_rate == pytest.approx(497 / 555)


def test_national_2021_by_channel_rates_title_and_total():
    # SAMR 2021 national spot checks (http://news.ddcjw.cn/news/202205/295071.html):
    # 生产领域 16,356 batches NC 9.8 %; 流通领域 9,280 batches NC 16.4 %; total 25,636 batches,
    # 3,120 NC. Derived NC: round(16356 × 0.098) = round(1602.9) = 1603; round(9280 × 0.164) =
    # round(1521.9) = 1522; 1603 + 1522 = 3125 vs the stated 3120 (published rates are rounded).
    report = val.validate(EX / "national_2021_by_channel.csv")
    assert report.ok, report.to_text()
    assert report.period["year"] == 2021 and report.period["from"] == "title"
    df = report.frame.set_index("channel")
    assert df.loc["生产领域", "nonconforming"] == 1603
    assert df.loc["流通领域", "nonconforming"] == 1522
    assert report.summary["batches"] == 16356 + 9280 == 25636  # not 51,272
    nc = {x["column"]: x for x in report.cross_checks}
    assert (nc["nonconforming"]["parts"], nc["nonconforming"]["stated"]) == (3125, 3120)
    assert (nc["batches"]["parts"], nc["batches"]["stated"]) == (25636, 25636)
    c = open_source(EX / "national_2021_by_channel.csv").counts(by=["channel"])
    assert c["batches"].tolist() == [9280, 16356]  # sorted by channel: 流通 before 生产


def test_cangnan_total_of_three_levels_is_cross_checked_not_counted():
    # 苍南县 2010 (http://nbxinxi.com/a/cangnanxian/20210530/133379.html): 省级 244 / 223,
    # 市级 246 / 203, 三级合计 828 / 722; the county level is not itemised, so the parts sum to
    # 244 + 246 = 490 batches and 223 + 203 = 426 passed — a note, not an error.
    report = val.validate(EX / "cangnan_2010_by_level.csv")
    assert report.ok, report.to_text()
    assert report.summary["batches"] == 490
    assert report.frame["region_code"].unique().tolist() == ["330327"]
    assert report.frame["check_level"].tolist() == ["provincial", "municipal"]
    x = {c["column"]: (c["parts"], c["stated"]) for c in report.cross_checks}
    assert x == {"batches": (490, 828), "passed": (426, 722)}


def test_zhejiang_item_counts_and_the_cause_map():
    # 2014 Q2 Zhejiang children's shoes (https://m.cqn.com.cn/ms/content/2014-06/04/content_2213044.htm,
    # counted from the visible records): 4 + 1 + 3 + 3 + 2 + 2 + 1 = 16 nonconformities.
    from qualitykit.data import causes

    src = open_source(EX / "zhejiang_2014q2_childrens_shoes_items.csv")
    assert src.shape == "item_counts"
    ic = src.item_counts()
    assert int(ic["nc_count"].sum()) == 16 and ic.iloc[0].tolist() == ["标识", 4]
    assert src.reports[0].period == {"year": 2014, "quarter": 2, "label": "2014年第二季度",
                                     "from": "title"}  # fmt: skip
    # every real item maps once names are normalised (Cr(Ⅵ) 六价铬, 游离甲醛(内底) …)
    assert causes.unmapped_items(ic, count="nc_count").empty
    mapped = causes.map_items(ic).set_index("item")
    assert mapped.at["Cr(Ⅵ) 六价铬", "item_key"] == "六价铬"
    assert mapped.at["游离甲醛(内底)", "qualifier"] == "内底"
    with pytest.raises(ShapeError, match="item counts"):
        src.counts()
