"""Tests of ``qualitykit.report.plots``: the style, the CJK font, and what each figure draws.

No published numbers are involved: a figure only draws the output of a statistics function, so
these tests check that the drawn artists carry exactly the input's values (line data, bar heights,
positions, tick and legend texts in Chinese and English), that every figure really renders
(PNG into memory) — pyproject's ``filterwarnings`` turns matplotlib's "Glyph … missing from font"
warning into an error, and one test proves that it would fail — and that the same input gives
the same PNG and SVG bytes. Zh-label assertions need a CJK font and are skipped without one
(``sudo apt-get install fonts-noto-cjk``); the no-CJK fallback is tested by hiding the font.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from qualitykit.data import regions
from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.report import plots
from qualitykit.report.figures import style
from qualitykit.stats import benchmark, metrics, pareto, spc, trends

REF = Path(__file__).parent / "reference"
needs_cjk = pytest.mark.skipif(
    not plots.cjk_available(), reason="no CJK font (sudo apt-get install fonts-noto-cjk)"
)


def render(fig: Figure, fmt: str = "png") -> bytes:
    """Draw the figure for real (a missing glyph raises here) and return the file's bytes."""
    buf = io.BytesIO()
    plots.save_figure(fig, buf, format=fmt)
    return buf.getvalue()


def texts(fig: Figure) -> set[str]:
    """Every text drawn on the figure: titles, axis labels, tick labels, legends, annotations."""
    return {t.get_text() for t in fig.findobj(mpl.text.Text) if t.get_text()}


def _name(name_zh: str, code: str) -> str:
    """How a Chinese region name is drawn: itself, or its code without a CJK font."""
    return name_zh if plots.cjk_available() else code


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# --------------------------------------------------------------------------------------------
# fixtures: outputs of the statistics modules
# --------------------------------------------------------------------------------------------

YEARS = np.arange(2010, 2024)
BATCHES = np.array([310, 420, 380, 450, 500, 470, 520, 610, 580, 640, 600, 660, 700, 690])
PASSED = np.array([262, 356, 326, 392, 419, 413, 459, 545, 516, 575, 547, 604, 645, 647])


@pytest.fixture(scope="module")
def yearly() -> pd.DataFrame:
    return pd.DataFrame({"year": YEARS, "batches": BATCHES, "passed": PASSED})


@pytest.fixture(scope="module")
def trend(yearly: pd.DataFrame) -> trends.TrendResult:
    return trends.glm_trend(yearly, n_sim=2000)


@pytest.fixture(scope="module")
def districts() -> pd.DataFrame:
    """Wenzhou's districts (温州市 330300) with made-up counts; real names and codes."""
    kids = regions.children("330300")[["region_code", "name_zh"]].reset_index(drop=True)
    k = len(kids)
    batches = np.linspace(40, 900, k).round().astype(int)
    rate = np.full(k, 0.9)
    rate[0], rate[-1], rate[k // 2] = 0.70, 0.985, 0.84  # clear outliers at both ends
    return kids.assign(batches=batches, passed=(batches * rate).round().astype(int))


@pytest.fixture(scope="module")
def funnel(districts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return benchmark.funnel_units(districts), benchmark.funnel_grid(districts)


@pytest.fixture(scope="module")
def pareto_tab() -> pd.DataFrame:
    items = pd.DataFrame(
        {
            "item": ["成鞋耐折性能", "帮底剥离强度", "标识", "外底耐磨性能", "鞋跟结合力", "甲醛"],
            "n": [40, 25, 18, 7, 2, 1],
        }
    )
    return pareto.pareto_table(items, "item", "n", other_min_count=3)


@pytest.fixture(scope="module")
def oj_chart() -> spc.ControlChart:
    oj = pd.read_csv(REF / "pchart_orangejuice_montgomery" / "orangejuice.csv")
    return spc.p_chart(
        oj, count="D", size="size", subgroup="sample", calibration="trial", exclude=[15, 23]
    )


# --------------------------------------------------------------------------------------------
# style and fonts
# --------------------------------------------------------------------------------------------


@needs_cjk
def test_use_style_sets_cjk_font_palette_and_fixed_defaults() -> None:
    plots.use_style()
    rc = mpl.rcParams
    assert rc["font.sans-serif"][0] == plots.cjk_family() == "Noto Sans CJK SC"
    assert rc["font.sans-serif"][-1] == "DejaVu Sans"
    assert rc["axes.unicode_minus"] is False
    assert rc["svg.hashsalt"] == "qualitykit"
    assert tuple(rc["figure.figsize"]) == plots.FIGSIZE and rc["savefig.dpi"] == 150
    cycle = [to_hex(c["color"]) for c in rc["axes.prop_cycle"]]
    assert cycle == [to_hex(c) for c in sns.color_palette("colorblind")]


def test_missing_glyph_would_fail_the_tests() -> None:
    # pyproject turns "Glyph … missing from font" into an error: Chinese text in a font without
    # CJK glyphs must raise when drawn — so the renders below would catch boxes.
    fig = Figure()
    fig.text(0.5, 0.5, "温州市龙湾区", fontfamily="DejaVu Sans")
    with pytest.raises(UserWarning, match="Glyph .* missing from font"):
        render(fig)


@needs_cjk
def test_chinese_text_renders_with_the_style_font() -> None:
    plots.use_style()
    fig = Figure()
    fig.text(0.5, 0.5, "温州市龙湾区 成鞋耐折性能 −5")
    assert render(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_label_dictionary_and_bad_lang() -> None:
    assert plots.label("pass_rate", "en") == "Batch pass rate"
    assert plots.label("no_such_key", "en") == "no_such_key"
    if plots.cjk_available():
        assert plots.label("pass_rate", "zh") == "批次合格率"
        assert plots.label("cum_share", "zh") == "累计占比"
    with pytest.raises(ParameterError, match="lang"):
        plots.label("pass_rate", "fr")  # type: ignore[arg-type]


def test_without_cjk_font_warns_once_and_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch, funnel: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    units, grid = funnel
    try:
        with monkeypatch.context() as m:
            m.setattr(style, "cjk_family", lambda: None)
            m.setitem(style._STATE, "warned", False)
            with pytest.warns(QualityKitWarning, match="fonts-noto-cjk"):
                plots.use_style()
            assert mpl.rcParams["font.sans-serif"] == ["DejaVu Sans"]
            with warnings.catch_warnings():
                warnings.simplefilter("error", QualityKitWarning)
                plots.use_style()  # warns only once
            fig = plots.funnel_figure(units, grid, highlight="330303", lang="zh")
            render(fig)  # Chinese names would raise "Glyph missing" here
            drawn = texts(fig)
            assert "Number of batches" in drawn and "批次数" not in drawn
            # outliers and the highlighted unit are named by their region code instead
            outliers = units.loc[units["flag_998"] != "within", "region_code"]
            assert set(outliers) | {"330303"} <= drawn
            tab = pd.DataFrame({"item": ["标识", "甲醛"], "n": [3, 1]})
            fig = plots.pareto_figure(pareto.pareto_table(tab, "item", "n"), title="皮鞋 Pareto")
            render(fig)
            assert {"#1", "#2"} <= texts(fig)
            assert fig.axes[0].get_title() == "Pareto"
    finally:
        plots.use_style()
    assert mpl.rcParams["font.sans-serif"][0] == (plots.cjk_family() or "DejaVu Sans")


# --------------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------------


@needs_cjk
def test_trend_figure_draws_fit_bands_points_and_target(trend: trends.TrendResult) -> None:
    fig = plots.trend_figure(trend.fitted, target=0.93, title="温州市 批次合格率")
    ax = fig.axes[0]
    render(fig)
    by_label = {line.get_label(): line for line in ax.get_lines()}
    fitted = by_label["拟合趋势"]
    np.testing.assert_allclose(fitted.get_xdata(), trend.fitted["t"])
    np.testing.assert_allclose(fitted.get_ydata(), trend.fitted["fitted"])
    np.testing.assert_allclose(by_label["观测值"].get_ydata(), PASSED / BATCHES)
    target = by_label["目标 93%"]
    assert list(target.get_ydata()) == [0.93, 0.93]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2  # prediction and confidence band
    assert legend_texts(ax) == ["预测区间", "置信区间", "拟合趋势", "观测值", "目标 93%"]
    assert {"年份", "批次合格率", "温州市 批次合格率"} <= texts(fig)


def test_trend_figure_english_forecast_dashed_and_observed_cis(
    trend: trends.TrendResult, yearly: pd.DataFrame
) -> None:
    fc = trends.forecast(trend, 2027, target=0.95, n_sim=2000)
    table = fc.table.merge(
        metrics.rates(yearly, "year")[["year", "ci_lower", "ci_upper"]], on="year", how="left"
    )
    fig = plots.trend_figure(table, target=0.95, lang="en")
    ax = fig.axes[0]
    render(fig)
    dashed = [ln for ln in ax.get_lines() if ln.get_label() == "Forecast"]
    assert len(dashed) == 1 and dashed[0].get_linestyle() == "--"
    assert list(dashed[0].get_xdata()) == [2023, 2024, 2025, 2026, 2027]  # joined to the data
    solid = next(ln for ln in ax.get_lines() if ln.get_label() == "Fitted trend")
    assert list(solid.get_xdata()) == list(YEARS)
    # observed points with their Wilson intervals as error bars (a LineCollection)
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(bars) == 1 and len(bars[0].get_segments()) == len(YEARS)
    ci = metrics.rates(yearly, "year")
    seg = bars[0].get_segments()[3]
    assert seg[:, 1].tolist() == pytest.approx([ci["ci_lower"].iloc[3], ci["ci_upper"].iloc[3]])
    assert {"Year", "Batch pass rate", "Target 95%", "Observed"} <= texts(fig)


@needs_cjk
def test_trend_figure_segmented_break_and_counterfactual(yearly: pd.DataFrame) -> None:
    seg = trends.segmented_regression(yearly, time="year", break_at=2016)
    fig = plots.trend_figure(seg)
    ax = fig.axes[0]
    render(fig)
    by_label = {line.get_label(): line for line in ax.get_lines()}
    start = by_label["政策实施 (2016)"]
    assert list(start.get_xdata()) == [2016, 2016]
    cf = by_label["反事实 (原趋势延续)"]
    assert cf.get_xdata()[0] == 2015 and cf.get_xdata()[-1] == 2023
    np.testing.assert_allclose(cf.get_ydata(), seg.fitted["counterfactual"].iloc[5:])
    # the fitted line and its band are broken at the break: two pieces each
    fitted = [ln for ln in ax.get_lines() if ln.get_color() == by_label["拟合趋势"].get_color()]
    assert sorted(len(ln.get_xdata()) for ln in fitted if ln.get_linestyle() == "-") == [6, 8]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2
    assert "年份" in texts(fig)


def test_trend_figure_rejects_other_input() -> None:
    with pytest.raises(ParameterError, match="trend_figure"):
        plots.trend_figure(pd.DataFrame({"year": [2020], "value": [1.0]}), lang="en")
    with pytest.raises(ParameterError, match="glm_trend"):
        plots.trend_figure(42, lang="en")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# control chart
# --------------------------------------------------------------------------------------------


@needs_cjk
def test_control_chart_figure_phases_signals_and_excluded(oj_chart: spc.ControlChart) -> None:
    pts = oj_chart.points
    fig = plots.control_chart_figure(oj_chart)
    ax = fig.axes[0]
    render(fig)
    by_label = {line.get_label(): line for line in ax.get_lines()}
    ucl = by_label["控制限"]
    assert ucl.get_drawstyle() == "steps-mid"
    np.testing.assert_allclose(ucl.get_ydata(), pts["ucl"])
    lcl = [
        ln
        for ln in ax.get_lines()
        if len(ln.get_ydata()) == len(pts) and np.allclose(ln.get_ydata(), pts["lcl"])
    ]
    assert len(lcl) == 1 and lcl[0].get_drawstyle() == "steps-mid"
    np.testing.assert_allclose(by_label["中心线"].get_ydata(), pts["center"])
    excluded = by_label["已剔除 (不参与计算)"]
    assert list(excluded.get_xdata()) == [14.0, 22.0]  # samples 15 and 23 (Montgomery Ex. 7.1)
    assert excluded.get_markerfacecolor() == "none"
    signal = by_label["失控信号"]
    expected = np.flatnonzero(pts["out_of_control"] & ~pts["excluded"])
    assert list(signal.get_xdata()) == list(expected.astype(float))
    np.testing.assert_allclose(signal.get_ydata(), pts["p"].iloc[expected])
    boundary = by_label["第二阶段 (监控)"]
    first_ii = int(np.flatnonzero(pts["phase"] == "II")[0])
    assert list(boundary.get_xdata()) == [first_ii - 0.5] * 2
    assert ax.get_title() == "p 控制图"
    assert {"子组", "批次不合格率"} <= texts(fig)
    # tick labels are the subgroup labels (sample numbers)
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and set(labels) <= {str(s) for s in pts["subgroup"]}


def test_control_chart_figure_variable_n_np_and_laney_in_english() -> None:
    data = pd.read_csv(REF / "pchart_variable_n_montgomery_t7_4" / "input.csv")
    chart = spc.p_chart(data, count="count", size="size", subgroup="sample")
    fig = plots.control_chart_figure(chart, lang="en")
    ax = fig.axes[0]
    render(fig)
    ucl = next(ln for ln in ax.get_lines() if ln.get_label() == "Control limits")
    assert np.ptp(ucl.get_ydata()) > 0  # limits vary with n, drawn as steps
    np.testing.assert_allclose(ucl.get_ydata(), chart.points["ucl"])
    assert ax.get_title() == "p chart"
    np_fig = plots.control_chart_figure(
        spc.np_chart(data.assign(size=100), count="count", size="size"), lang="en"
    )
    render(np_fig)
    assert np_fig.axes[0].get_ylabel() == "Nonconforming batches"
    assert np_fig.axes[0].get_title() == "np chart"
    nhs = pd.read_csv(REF / "laney_pprime_nhs_ae_4h" / "input.csv")
    nhs = nhs.assign(nonconforming=nhs["attendances"] - nhs["seen_within_4h"])
    laney = spc.laney_p_chart(nhs, size="attendances", subgroup="week")
    fig = plots.control_chart_figure(laney, lang="en")
    render(fig)
    assert fig.axes[0].get_title() == "Laney p′ chart"


# --------------------------------------------------------------------------------------------
# Pareto
# --------------------------------------------------------------------------------------------


@needs_cjk
def test_pareto_figure_bars_cumulative_line_and_other_last(pareto_tab: pd.DataFrame) -> None:
    fig = plots.pareto_figure(pareto_tab, cut=0.8)
    ax, ax2 = fig.axes
    render(fig)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pareto_tab["count"].tolist() == [40, 25, 18, 7, 3]
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours[:3] == [style._BLUE] * 3 and colours[3:] == [style._GREY] * 2  # vital few
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["成鞋耐折性能", "帮底剥离强度", "标识", "外底耐磨性能", "其他"]
    cum = ax2.get_lines()[0]
    np.testing.assert_allclose(cum.get_ydata(), pareto_tab["cum_share"])
    cut = ax2.get_lines()[1]
    assert list(cut.get_ydata()) == [0.8, 0.8]
    # bar tops and the cumulative line share one scale: count axis up to the total
    assert ax.get_ylim()[1] / 93 == pytest.approx(ax2.get_ylim()[1])
    assert {"关键少数", "次要多数", "累计占比", "80%", "不合格项次"} <= texts(fig)


def test_pareto_figure_english_other_and_category_argument(pareto_tab: pd.DataFrame) -> None:
    fig = plots.pareto_figure(pareto_tab, lang="en", cut=None)
    render(fig)
    assert fig.axes[0].get_xticklabels()[-1].get_text() == "Other"
    assert len(fig.axes[1].get_lines()) == 1  # no cut line
    with pytest.raises(ParameterError, match="category"):
        plots.pareto_figure(pareto_tab.assign(extra=1), lang="en")
    fig = plots.pareto_figure(pareto_tab.assign(extra=1), category="item", lang="en")
    render(fig)


# --------------------------------------------------------------------------------------------
# funnel plot
# --------------------------------------------------------------------------------------------


@needs_cjk
def test_funnel_figure_limits_points_and_outlier_labels(
    funnel: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    units, grid = funnel
    before = units.copy()
    fig = plots.funnel_figure(units, grid, highlight="龙湾区")
    ax = fig.axes[0]
    render(fig)
    pd.testing.assert_frame_equal(units, before)  # input not mutated
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    np.testing.assert_allclose(lines["95% 控制限"].get_ydata(), grid["lower_95"])
    np.testing.assert_allclose(lines["99.8% 控制限"].get_ydata(), grid["lower_998"])
    assert lines["95% 控制限"].get_linestyle() == "--"
    assert lines["99.8% 控制限"].get_linestyle() == "-"
    np.testing.assert_allclose(lines["平均水平"].get_ydata(), grid["center"])
    assert len(ax.get_lines()) == 5  # centre + two limits × lower/upper
    # points: one collection per outer flag, plus the highlight ring
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    n_points = sum(len(c.get_offsets()) for c in points[:-1])
    assert n_points == len(units)
    low = units[units["flag_998"] == "low"]
    low_pts = next(c for c in points if c.get_label() == "低于控制限 (99.8%)")
    np.testing.assert_allclose(low_pts.get_offsets(), low[["batches", "pass_rate"]].to_numpy())
    # outliers beyond 99.8 % named, the highlighted unit named in bold
    notes = {a.get_text(): a for a in ax.texts}
    outliers = set(units.loc[units["flag_998"] != "within", "name_zh"])
    assert outliers and outliers | {"龙湾区"} == set(notes)
    assert notes["龙湾区"].get_fontweight() == "bold"
    assert {"批次数", "批次合格率"} <= texts(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:3] == ["平均水平", "95% 控制限", "99.8% 控制限"]


def test_funnel_figure_inner_labels_limit_and_errors(
    funnel: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    units, grid = funnel
    inner = set(units.loc[units["flag_95"] != "within", "region_code"])
    fig = plots.funnel_figure(units, grid, label_inner=True, label_column="region_code")
    render(fig)
    assert {a.get_text() for a in fig.axes[0].texts} == inner
    fig = plots.funnel_figure(units, grid, label_inner=True, max_labels=2, lang="en")
    render(fig)
    assert len(fig.axes[0].texts) == 2
    worst = units["name_zh"].iloc[0]  # an outlier (70 %) named once, in bold, when highlighted
    fig = plots.funnel_figure(units, grid, highlight=worst)
    render(fig)
    named = [a.get_text() for a in fig.axes[0].texts]
    assert named.count(_name(worst, "330302")) == 1
    fig = plots.funnel_figure(units, grid, label_outliers=False, sized=True, lang="en")
    render(fig)
    assert not fig.axes[0].texts
    with pytest.raises(ParameterError, match="highlight"):
        plots.funnel_figure(units, grid, highlight="不存在", lang="en")
    with pytest.raises(ParameterError, match="lower_"):
        plots.funnel_figure(units, grid[["n", "center"]], lang="en")


# --------------------------------------------------------------------------------------------
# caterpillar
# --------------------------------------------------------------------------------------------


@needs_cjk
def test_caterpillar_of_shrunk_rates_sorted_with_highlight(districts: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        shrunk = benchmark.eb_shrinkage(districts)
    fig = plots.caterpillar_figure(shrunk, highlight="330303")
    ax = fig.axes[0]
    render(fig)
    order = shrunk.sort_values("shrunk_rate", ascending=False)
    ticks = ax.get_yticklabels()
    # best at the top: tick positions descend with the order
    by_pos = sorted((t.get_position()[1], t.get_text()) for t in ticks)
    assert [name for _, name in reversed(by_pos)] == order["name_zh"].tolist()
    hl = next(t for t in ticks if t.get_text() == "龙湾区")
    assert to_hex(hl.get_color()) == style._ORANGE
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "原始合格率")
    np.testing.assert_allclose(np.sort(line.get_xdata()), np.sort(shrunk["pass_rate"]))
    prior = next(ln for ln in ax.get_lines() if ln.get_label() == "总体均值 (先验)")
    assert prior.get_xdata()[0] == pytest.approx(shrunk["prior_mean"].iloc[0])
    assert "收缩后合格率" in texts(fig)


def test_caterpillar_of_rank_intervals_and_many_units(districts: pd.DataFrame) -> None:
    ranks = benchmark.rank_intervals(districts, draws=400, seed=1)
    fig = plots.caterpillar_figure(ranks, lang="en")
    ax = fig.axes[0]
    render(fig)
    assert ax.get_xlabel() == "Rank (1 = best)"
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    segs = sorted(tuple(s[:, 0]) for s in bars[0].get_segments())
    assert segs == sorted(zip(ranks["rank_lower"], ranks["rank_upper"], strict=True))
    many = pd.DataFrame(
        {"region_code": [f"{i:06d}" for i in range(300)], "pass_rate": np.linspace(0.8, 0.99, 300)}
    ).assign(ci_lower=lambda d: d["pass_rate"] - 0.02, ci_upper=lambda d: d["pass_rate"] + 0.02)
    fig = plots.caterpillar_figure(many, highlight="000123", lang="en")
    render(fig)
    assert not fig.axes[0].get_yticklabels()  # too many names: only the highlight is named
    assert [a.get_text() for a in fig.axes[0].texts] == ["000123"]


# --------------------------------------------------------------------------------------------
# rates by group, map
# --------------------------------------------------------------------------------------------


@needs_cjk
def test_rates_figure_size_classes_in_schema_order_and_chinese() -> None:
    counts = pd.DataFrame(
        {
            "enterprise_size": ["small", "large", "micro", "medium"],
            "batches": [2000, 300, 500, 800],
            "passed": [1750, 290, 400, 740],
        }
    )
    r = metrics.rates(counts, "enterprise_size")
    fig = plots.rates_figure(r, "enterprise_size", target=0.9, reference=0.88)
    ax = fig.axes[0]
    render(fig)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["大型", "中型", "小型", "微型"]
    pts = next(c for c in ax.collections if isinstance(c, PathCollection))
    expected = r.set_index("enterprise_size").loc[["large", "medium", "small", "micro"]]
    np.testing.assert_allclose(pts.get_offsets()[:, 1], expected["pass_rate"])
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert list(lines["目标 90%"].get_ydata()) == [0.9, 0.9]
    assert list(lines["参考水平 88%"].get_ydata()) == [0.88, 0.88]
    assert {"企业规模", "批次合格率"} <= texts(fig)
    fig = plots.rates_figure(r, "enterprise_size", lang="en")
    render(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["large", "medium", "small", "micro"]


def test_rates_figure_bars_by_district_with_highlight(districts: pd.DataFrame) -> None:
    r = metrics.rates(districts, "name_zh")
    fig = plots.rates_figure(r, "name_zh", kind="bar", highlight="龙湾区")
    ax = fig.axes[0]
    render(fig)
    assert [p.get_height() for p in ax.patches] == pytest.approx(r["pass_rate"].tolist())
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    pos = r["name_zh"].tolist().index("龙湾区")
    assert colours[pos] == style._ORANGE and colours.count(style._ORANGE) == 1
    with pytest.raises(ParameterError, match="kind"):
        plots.rates_figure(r, "name_zh", kind="pie")  # type: ignore[arg-type]


@needs_cjk
def test_map_figure_uses_region_centroids(districts: pd.DataFrame) -> None:
    r = metrics.rates(districts, ["region_code", "name_zh"])
    fig = plots.map_figure(r, "pass_rate", highlight="龙湾区", boundaries=None)
    ax = fig.axes[0]
    render(fig)
    cent = regions.regions().drop_duplicates("region_code").set_index("region_code")
    expected = cent.loc[r["region_code"], ["longitude", "latitude"]].to_numpy(dtype=float)
    pts = ax.collections[0]
    np.testing.assert_allclose(pts.get_offsets(), expected)
    np.testing.assert_allclose(pts.get_array(), r["pass_rate"])
    assert fig.axes[1].get_ylabel().splitlines()[0] == "批次合格率"  # colour bar
    assert [a.get_text() for a in ax.texts] == ["龙湾区"]
    assert {"经度", "纬度"} <= texts(fig)
    # without boundary data the figure says that its dots are centroids, not a boundary map
    assert "点为区县中心点（未安装边界数据，非行政区划图）" in texts(fig)


def test_map_figure_warns_on_missing_centroids() -> None:
    units = pd.DataFrame(
        {"name": ["a", "b"], "longitude": [120.0, np.nan], "latitude": [28.0, np.nan]}
    ).assign(pass_rate=[0.9, 0.8])
    with pytest.warns(QualityKitWarning, match="1 unit"):
        fig = plots.map_figure(units, "pass_rate", lang="en")
    render(fig)
    assert len(fig.axes[0].collections[0].get_offsets()) == 1
    with pytest.raises(ParameterError, match="longitude"):
        plots.map_figure(pd.DataFrame({"pass_rate": [0.9]}), "pass_rate", lang="en")


# --------------------------------------------------------------------------------------------
# determinism and saving
# --------------------------------------------------------------------------------------------


def test_same_input_gives_identical_png_and_svg_bytes(
    trend: trends.TrendResult, funnel: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    units, grid = funnel
    for fmt in ("png", "svg"):
        a = render(plots.trend_figure(trend.fitted, target=0.93), fmt)
        b = render(plots.trend_figure(trend.fitted, target=0.93), fmt)
        assert a == b
        c = render(plots.funnel_figure(units, grid, highlight="330303"), fmt)
        d = render(plots.funnel_figure(units, grid, highlight="330303"), fmt)
        assert c == d
    assert a != render(plots.trend_figure(trend.fitted, target=0.94), "svg")  # not a constant
    assert b"<dc:date>" not in a  # no timestamp in the SVG


def test_save_figure_to_path_by_suffix(tmp_path: Path, trend: trends.TrendResult) -> None:
    fig = plots.trend_figure(trend, lang="en")  # the TrendResult itself
    plots.save_figure(fig, tmp_path / "trend.svg")
    plots.save_figure(fig, tmp_path / "trend.png")
    assert (tmp_path / "trend.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (tmp_path / "trend.png").read_bytes()[:4] == b"\x89PNG"


def test_rates_by_year_use_a_time_axis_with_gaps():
    rates = pd.DataFrame(
        {"year": [2000, 2011, 2012, 2017], "pass_rate": [0.789, 0.875, 0.898, 0.915]}
    )
    fig = plots.rates_figure(rates, "year", lang="en")
    ax = fig.axes[0]
    xs = ax.collections[-1].get_offsets()[:, 0]
    assert list(xs) == [2000, 2011, 2012, 2017]  # not 0, 1, 2, 3: the 2001–2010 gap shows
    fig.canvas.draw()
    fig.clf()
