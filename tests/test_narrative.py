"""Generated text (qualitykit.report.narrative): the numbers in a sentence are those of the table it
describes, and every direction or verdict follows the interval, in Chinese and in English.

The inputs are small tables built here whose answer is known by construction (a share whose
Wilson interval lies above 80 %, a funnel with two units flagged high …) or real outputs of the
statistics functions on data with an unmistakable trend. No published figure is involved: the
statistics themselves are tested against published references in their own test modules.
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pandas as pd
import pytest

from qualitykit.errors import ParameterError
from qualitykit.report import narrative as nv
from qualitykit.stats import trends

# ------------------------------------------------------------------------------------------
# formatting
# ------------------------------------------------------------------------------------------


def test_formatting_of_proportions_points_counts_and_intervals():
    assert nv.pct(0.89123) == "89.1%"
    assert nv.pct(0.9393, 2) == "93.93%"
    assert nv.pct(float("nan")) == "–" and nv.pct(None) == "–" and nv.pct(pd.NA) == "–"
    assert nv.pp(1.234) == "+1.2 个百分点"
    assert nv.pp(-0.04, "en") == "0.0 pp"  # no "-0.0"
    assert nv.pp(2.0, "en", signed=False) == "2.0 pp"
    assert nv.count(12345) == "12,345"
    assert nv.interval(0.872, 0.908) == "（95% 置信区间 87.2% 至 90.8%）"
    assert nv.interval(0.872, 0.908, "en", conf=0.9) == " (90% CI 87.2% to 90.8%)"
    assert nv.interval(-1.5, 2.25, "en", kind="pp") == " (95% CI -1.5 to +2.2 pp)"
    assert nv.interval(float("nan"), 0.9) == ""


def test_language_is_checked():
    with pytest.raises(ParameterError, match="lang must be 'zh'"):
        nv.check_lang("fr")
    with pytest.raises(ParameterError):
        nv.pass_rate("x", {"batches": 1, "passed": 1, "pass_rate": 1.0}, "de")  # type: ignore[arg-type]


def test_labels_come_from_text_then_plot_labels():
    assert nv.t("trend", "en") == "Trend (binomial GLM)"
    assert nv.t("pass_rate", "zh") == "批次合格率"  # plots.LABELS
    assert nv.t("no_such_key", "en") == "no_such_key"
    assert nv.label_value("management", "zh", "controllable") == "管理者可控"
    assert nv.label_value("material", "zh", "cause_5m1e") == "料"
    assert nv.label_value("material", "zh", "category") == "材料成分"
    assert nv.label_value("成鞋耐折性能", "en", "item") == "成鞋耐折性能"
    assert nv.status_label("off_track", "zh") == "进度滞后"


def test_no_data_note():
    assert nv.no_data("龙湾区无记录", "zh") == "**无数据**：龙湾区无记录。"
    assert nv.no_data("nothing here", "en", reason="why") == "**No data:** nothing here (why)."


# ------------------------------------------------------------------------------------------
# rates and trends
# ------------------------------------------------------------------------------------------


def test_pass_rate_sentence_states_the_row():
    row = {
        "batches": 1234,
        "passed": 1100,
        "pass_rate": 1100 / 1234,
        "ci_lower": 0.87,
        "ci_upper": 0.908,
    }
    zh = nv.pass_rate("龙湾区", row, "zh", years=(2015, 2024))
    assert zh == (
        "龙湾区2015–2024 年共抽查 1,234 批次，合格 1,100 批次，批次合格率 89.1%"
        "（95% 置信区间 87.0% 至 90.8%）。"
    )
    en = nv.pass_rate("Longwan", row, "en")
    assert "1,234 batches checked, 1,100 passed" in en and "89.1%" in en


def _counts(p: list[float], n: int = 2000) -> pd.DataFrame:
    years = np.arange(2010, 2010 + len(p))
    passed = np.round(np.asarray(p) * n).astype(int)
    return pd.DataFrame({"year": years, "batches": n, "passed": passed})


@pytest.mark.parametrize(
    ("rates", "zh_word", "en_word", "sign"),
    [
        ([0.80, 0.83, 0.86, 0.89, 0.92], "呈上升趋势", "is rising", 1),
        ([0.92, 0.89, 0.86, 0.83, 0.80], "呈下降趋势", "is falling", -1),
        (
            [0.90, 0.901, 0.899, 0.900, 0.901],
            "没有统计上明确的趋势",
            "shows no statistically clear",
            0,
        ),
    ],
)
def test_trend_direction_follows_the_slope_interval(rates, zh_word, en_word, sign):
    res = trends.glm_trend(_counts(rates))
    slope = res.terms.set_index("term").loc["slope_logit"]
    # the construction gives the expected interval; the sentence must follow it
    assert int(slope["ci_lower"] > 0) - int(slope["ci_upper"] < 0) == sign
    zh, en = nv.trend(res, "zh"), nv.trend(res, "en")
    assert zh_word in zh and en_word in en
    mean = res.terms.set_index("term").loc["change_pp_per_year_mean", "estimate"]
    assert nv.pp(mean, "zh", 2) in zh


def test_trend_that_cannot_be_estimated_says_so():
    with pytest.warns(Warning):
        res = trends.glm_trend(_counts([0.9, 0.95]))  # two years: a slope, but no trend to speak of
    assert "无法估计：只有 2 个时间点（至少需要 3 个）" in nv.trend(res, "zh")
    allpass = pd.DataFrame({"year": [2020, 2021, 2022], "batches": 5, "passed": 5})
    with pytest.warns(Warning):
        res = trends.glm_trend(allpass)
    assert nv.trend(res, "en").startswith("No trend can be estimated")
    assert "各期全部合格" in nv.trend(res, "zh") and "every batch passed" in nv.trend(res, "en")


def test_trend_of_separated_passes_and_failures_says_where_they_part():
    """No pp change, interval or odds ratio (none exists), but where passes and failures part."""
    late = pd.DataFrame({"year": range(2015, 2025), "batches": 6, "passed": [6] * 9 + [5]})
    with pytest.warns(Warning, match="separated"):
        res = trends.glm_trend(late)
    zh, en = nv.trend(res, "zh"), nv.trend(res, "en")
    assert "不合格批次都出现在 2024 年及以后，合格批次都在 2024 年及以前" in zh
    assert (
        "every failing batch is in 2024 or later and every passing batch in 2024 or earlier" in en
    )
    assert "百分点" not in zh and "优势比" not in zh and "pp" not in en and "odds" not in en
    early = late.assign(passed=[0, 3] + [6] * 8)
    with pytest.warns(Warning, match="separated"):
        res = trends.glm_trend(early)
    assert "不合格批次都出现在 2016 年及以前，合格批次都在 2016 年及以后" in nv.trend(res, "zh")
    assert "every failing batch is in 2016 or earlier" in nv.trend(res, "en")
    quarters = pd.DataFrame(
        {"year": [2023] * 4 + [2024] * 4, "quarter": [1, 2, 3, 4] * 2, "batches": 5}
    ).assign(passed=[5, 5, 5, 5, 4, 0, 0, 0])  # the failures begin in 2024 Q1 (t = 2024.0)
    with pytest.warns(Warning, match="separated"):
        res = trends.glm_trend(quarters, quarter="quarter")
    assert "不合格批次都出现在 2024 年第 1 季度及以后" in nv.trend(res, "zh")
    assert "every failing batch is in 2024 Q1 or later" in nv.trend(res, "en")


def test_segmented_with_a_separated_side_says_so():
    data = pd.DataFrame(
        {"year": range(2015, 2025), "batches": 20, "passed": [18, 19, 17, 18, 19] + [20] * 5}
    )
    with pytest.warns(Warning, match="separated"):
        res = trends.segmented_regression(data, time="year", break_at=2020)
    zh, en = nv.segmented(res, 2020, "zh"), nv.segmented(res, 2020, "en")
    assert "政策实施时点 2020.00之后各期全部合格" in zh and "优势比" not in zh
    assert "After the programme start 2020.00 every batch passed" in en and "odds" not in en


def test_forecast_sentence_gives_both_probabilities():
    row = {
        "year": 2027,
        "target": 0.95,
        "fitted": 0.97,
        "fit_lower": 0.96,
        "fit_upper": 0.98,
        "pred_lower": 0.94,
        "pred_upper": 0.99,
        "batches": 500,
        "prob_expected_meets": 0.99,
        "prob_observed_meets": 0.91,
    }
    en = nv.forecast(row, "en")
    assert "97.0%" in en and "94.0% and 99.0%" in en and "500 batches" in en
    assert "the published rate in 2027 reaches the target of 95.0% is 0.910" in en
    assert "0.990 for the expected rate" in en and "likely to be met" in en
    zh = nv.forecast({**row, "prob_observed_meets": 0.3}, "zh")
    assert "公布的合格率不低于目标 95.0% 的概率为 0.300" in zh and "不太可能达到" in zh


# ------------------------------------------------------------------------------------------
# causes
# ------------------------------------------------------------------------------------------


def _share(management: int, operator: int, lo: float, hi: float) -> dict:
    n = management + operator
    return {
        "management": management,
        "operator": operator,
        "unspecified": 0,
        "unmapped": 2,
        "classified": n,
        "total": n + 2,
        "management_share": management / n,
        "ci_lower": lo,
        "ci_upper": hi,
        "confidence": 0.95,
        "claimed_share": 0.8,
    }


@pytest.mark.parametrize(
    ("share", "zh", "en"),
    [
        (
            _share(78, 22, 0.69, 0.85),
            "置信区间跨越 80%，数据与之相容，但不足以确认",
            "cannot confirm it",
        ),
        (
            _share(95, 5, 0.89, 0.98),
            "置信区间整体不低于 80%，数据支持这一说法",
            "support the claim",
        ),
        (
            _share(50, 50, 0.40, 0.60),
            "置信区间整体低于 80%，数据不支持",
            "do not support the claim",
        ),
    ],
)
def test_management_share_verdict_follows_the_interval(share, zh, en):
    assert zh in nv.management_share(share, "zh")
    text = nv.management_share(share, "en")
    assert en in text and f"{share['management_share']:.1%}" in text
    assert "2 nonconformities could not be classified" in text


def _pareto(counts: list[int], cut_rows: int) -> pd.DataFrame:
    total = sum(counts)
    share = np.array(counts) / total
    return pd.DataFrame(
        {
            "rank": pd.array(list(range(1, len(counts) + 1)), dtype="Int64"),
            "item": [f"项目{i}" for i in range(len(counts))],
            "count": counts,
            "share": share,
            "cum_count": np.cumsum(counts),
            "cum_share": np.cumsum(share),
            "vital_few": [i < cut_rows for i in range(len(counts))],
            "is_other": False,
            "merged": 1,
        }
    )


def test_pareto_names_the_vital_few_only_when_the_cut_is_reached():
    reached = nv.pareto(_pareto([50, 30, 10, 10], 2), "zh")
    assert "关键少数（累计达到 80% 所需）为 2 个" in reached and "合计占 80.0%" in reached
    short = _pareto([10] * 10, 8)  # the listed rows cover only 80 % of a long tail
    short.loc[:, "share"] = 0.05
    text = nv.pareto(short, "en")
    assert "account for only 40.0%" in text and "spread out" in text
    assert nv.pareto(None, "en").startswith("**No data:**")


# ------------------------------------------------------------------------------------------
# benchmarks
# ------------------------------------------------------------------------------------------


def test_funnel_counts_the_flags():
    units = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙", "丁"],
            "z": [3.5, -4.0, 0.2, 3.1],
            "z_adjusted": [3.5, -4.0, 0.2, 3.1],  # equal: exact limits, not widened
            "center": 0.9,
            "flag_998": ["high", "low", "within", "high"],
        }
    )
    zh = nv.funnel(units, "zh")
    assert "2 个高于上限（优于平均水平），1 个低于下限（差于平均水平）" in zh
    assert "高于上限：甲、丁" in zh and "低于下限：乙" in zh and "精确二项 99.8% 控制限" in zh
    en = nv.funnel(units, "en")
    assert "Of 4 units, 2 lie above the upper limit (better than the average of 90.0%)" in en
    assert "exact binomial 99.8% limits" in en


def test_relative_target_counts_the_verdicts():
    table = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙"],
            "parent_rate": 0.9,
            "gap_pp": [3.0, 1.0, -2.0],
            "verdict": ["met with confidence", "not met", "not met with confidence"],
        }
    )
    en = nv.relative_target(table, 2.0, "en")
    assert "met with confidence 1, not met 1, not met with confidence 1 (of 3)" in en
    assert "Met with confidence: 甲." in en


def test_overdispersion_sentence():
    od = {
        "k": 11,
        "target": 0.93,
        "phi": 7.9,
        "p_value": 1e-9,
        "overdispersed": True,
        "tau2": 0.0001,
    }
    en = nv.overdispersion(od, "en")
    assert "φ = 7.90" in en and "p < 0.001" in en and "τ ≈ 1.0 pp" in en
    assert "精确二项控制限" in nv.overdispersion(
        {**od, "overdispersed": False, "p_value": 0.2}, "zh"
    )
    assert nv.overdispersion({**od, "phi": math.nan}, "en").startswith("**No data:**")


# ------------------------------------------------------------------------------------------
# targets and districts
# ------------------------------------------------------------------------------------------


def test_scorecard_counts_statuses_in_order():
    card = pd.DataFrame({"status": ["met", "off_track", "met", "no_data", "qualitative"]})
    assert nv.scorecard(card, "zh") == (
        "共 5 项目标：已达标 2 项（置信区间整体达到要求）；进度滞后 1 项（期限未到，按目前的数据难以达到）；"
        "无数据 1 项（没有可用于评价的数据）；定性目标 1 项（没有数值，不作评价）。"
    )
    assert nv.scorecard(card.iloc[0:0], "en").startswith("**No data:**")


def test_district_summary_paragraph():
    summary = {
        "name": "龙湾区",
        "region_code": "330303",
        "year_from": 2015,
        "year_to": 2024,
        "data_status": "ok",
        "batches": 143,
        "pass_rate": 0.937,
        "ci_lower": 0.885,
        "ci_upper": 0.967,
        "trend_direction": "flat",
        "trend_pp": 1.4,
        "funnel_flag": "low",
        "top_item": "标识",
        "top_item_share": 0.182,
        "target_status": "not_met",
    }
    zh = nv.district_summary(summary, "zh")
    assert zh.startswith("龙湾区2015–2024 年抽查 143 批次，批次合格率 93.7%")
    assert "没有明确趋势" in zh and "标识（占 18.2%）" in zh and "未达标" in zh
    assert "在全省漏斗图中低于平均水平，超出 99.8% 控制限，需关注" in zh
    en = nv.district_summary({**summary, "trend_direction": "rising"}, "en")
    assert "Trend: rising (+1.40 pp per year" in en and "below the average, beyond" in en
    assert nv.district_summary({**summary, "data_status": "no_data"}, "en") == ""


def test_published_series_against_its_target():
    table = pd.DataFrame({"year": [2017, 2024], "rpq": [0.9371, 0.9393]})
    text = nv.published(table, "rpq", "en", name="RPQ", target=0.94, target_year=2025)
    assert "93.71% in 2017, latest 93.93% in 2024" in text
    assert "-0.07 pp from it (not yet reached)" in text


def test_source_list_keeps_order_and_drops_duplicates():
    text = nv.source_list(["http://a", "http://b", "http://a", None, "index-id:1"], "en")
    assert text == "Sources:\n\n- <http://a>\n- <http://b>\n- index-id:1"


def test_district_position_sentence():
    row = {
        "flag_998": "within",
        "flag_95": "high",
        "n_units": 90,
        "province_name": "浙江省",
        "center": 0.941,
        "pass_rate": 0.969,
        "rank": 12.0,
        "rank_lower": 5.0,
        "rank_upper": 30.0,
        "shrunk_rate": 0.965,
        "shrunk_lower": 0.95,
        "shrunk_upper": 0.975,
    }
    zh = nv.district_position(row, "zh")
    assert (
        "94.1% 相比，本区县的合格率 96.9% 高于平均水平，超出 95% 控制限，但在 99.8% 控制限内" in zh
    )
    assert "需关注" not in zh
    assert "90 个区县中排名 12（95% 区间 5–30）" in zh and "95% 后验区间 95.0% 至 97.5%" in zh
    en = nv.district_position({**row, "flag_998": "low", "flag_95": "low"}, "en")
    assert "lies below the average, beyond the 99.8% limits: a concern." in en
    assert "worth watching" not in en


# ------------------------------------------------------------------------------------------
# issue 11: each example of "Statements that mislead" and "Chinese and English text"
# ------------------------------------------------------------------------------------------

_JINDONG = {  # 金东区 97.4 % vs the province's 94.1 % on 1,573 batches, raw z 5.5 (issue 11)
    "flag_998": "within",
    "flag_95": "high",
    "n_units": 90,
    "province_name": "浙江省",
    "center": 0.941,
    "pass_rate": 0.974,
    "z": 5.5,
    "z_adjusted": 1.8,
    "rank": 12.0,
    "rank_lower": 5.0,
    "rank_upper": 30.0,
    "shrunk_rate": 0.965,
    "shrunk_lower": 0.95,
    "shrunk_upper": 0.975,
}


def test_issue11_jindong_better_than_average_is_news_not_a_concern_and_limits_are_named():
    zh = nv.district_position(_JINDONG, "zh")
    assert "需关注" not in zh and "在控制限内（99.8%），但高于控制限（95%" not in zh
    assert "高于平均水平，超出 95% 控制限，但在经过度离散调整（φ = 9.34" in zh
    assert "的 99.8% 控制限内（原始 z = 5.5，按 φ 调整后 z = 1.8）" in zh
    od = {"phi": 9.3, "p_value": 1e-12}
    assert "检验 p < 0.001" in nv.district_position(_JINDONG, "zh", od=od)
    en = nv.district_position(_JINDONG, "en")
    assert "worth watching" not in en and "above the average, beyond the 95% limits" in en
    assert "99.8% limits widened for overdispersion" in en


def test_issue11_raw_z_next_to_within_limits_is_explained_in_the_summary():
    summary = {
        "name": "金东区",
        "year_from": 2015,
        "year_to": 2024,
        "data_status": "ok",
        "batches": 1573,
        "pass_rate": 0.974,
        "funnel_flag": "within",
        "funnel_flag_95": "within",
        "z": 4.4,
        "z_adjusted": 1.4,
    }
    zh = nv.district_summary(summary, "zh")
    assert "在全省漏斗图中在控制限内" not in zh  # the doubled 在 of the issue
    assert "在全省漏斗图中位于 95% 控制限内" in zh and "原始 z = 4.4" in zh and "z = 1.4" in zh
    assert "raw z = 4.4" in nv.district_summary(summary, "en")


def test_issue11_degenerate_shrinkage_says_no_between_unit_variation():
    table = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙"],
            "batches": [100, 200, 300],
            "pass_rate": [0.93, 0.94, 0.95],
            "shrunk_rate": [0.941, 0.941, 0.941],
            "shrinkage": [1.0, 1.0, 1.0],
            "prior_mean": 0.941,
        }
    )
    for precision in (155851834.0, 1e9):  # the two counts of "virtual batches" of the issue
        table.attrs["prior"] = {"mean": 0.941, "precision": precision, "pooled": False}
        zh, en = nv.shrinkage(table, "zh"), nv.shrinkage(table, "en")
        assert "虚拟批次" not in zh and "155851834" not in zh and "1000000000" not in zh
        assert zh.startswith("无法检测到单位间差异") and "收缩系数 1.00" in zh
        assert en.startswith("No between-unit variation detected")


def _longwan_like() -> pd.DataFrame:
    """Rising to 2012, flat near 97.7 % from 2015: a 20-year straight logit line overshoots."""
    rates = [0.75, 0.74, 0.86, 0.93, 0.946, 0.942, 0.967, 0.979, 0.967, 0.972]
    rates += [0.975, 0.978, 0.98, 0.987, 0.978, 0.974, 0.978, 0.981, 0.977, 0.976]
    years = np.arange(2005, 2025)
    batches = np.linspace(360, 900, len(years)).round().astype(int)
    passed = np.round(np.asarray(rates) * batches).astype(int)
    return pd.DataFrame({"year": years, "batches": batches, "passed": passed})


def test_issue11_flat_recent_rate_is_not_extrapolated_into_a_rise():
    res = trends.glm_trend(_longwan_like())
    fc = trends.forecast(res, 2027, target=0.95)
    assert (
        fc.attainment["fitted"].iloc[0] > 0.99
    )  # the straight line's 2027 value (the issue's 99.5 %)
    before = nv.forecast(fc.attainment, "zh")  # without the trend: the old sentence
    assert "期望合格率为 99." in before
    zh = nv.forecast(fc, "zh", trend=res)
    assert "不据此外推到 2027 年" in zh and "期望合格率为" not in zh
    assert "近期水平：2020–2024 年合计" in zh and "合格率 97.7%" in zh
    assert "其置信区间整体不低于目标 95.0%" in zh
    en = nv.forecast(fc, "en", trend=res)
    assert en.startswith("No forecast to 2027") and "recent years lie below" in en


def test_issue11_non_significant_trend_is_not_extrapolated():
    flat = _counts([0.90, 0.905, 0.895, 0.902, 0.898, 0.903], n=300)
    res = trends.glm_trend(flat)
    fc = trends.forecast(res, 2020, target=0.92)
    zh = nv.forecast(fc, "zh", trend=res)
    assert "趋势在统计上不明确" in zh and "期望合格率为" not in zh


def test_issue11_implausible_counterfactual_is_flagged_not_narrated():
    # 7 quarterly points before the start with a slight decline, a jump, 18 flat years after
    t = np.arange(2005.0, 2025.0, 0.25)
    rate = np.where(t < 2006.7, 0.80 - 0.06 * (t - 2005.0), 0.97)
    batches = np.full(len(t), 120)
    passed = np.round(rate * batches).astype(int)
    seg = trends.segmented_regression(
        pd.DataFrame({"t": t, "batches": batches, "passed": passed}), time="t", break_at=2006.7
    )
    cf = float(seg.fitted["counterfactual"].iloc[-1])
    assert cf < float(seg.fitted["observed"].min())  # by construction (the issue's 45 %)
    zh = nv.segmented(seg, 2006.7, "zh")
    assert (
        "反事实线（实施前趋势延续）到 2024 年为" in zh and "不能作为“没有政策时”的水平来解读" in zh
    )
    assert "cannot be read as the level" in nv.segmented(seg, 2006.7, "en")


def test_issue11_phi_of_1_1_is_not_called_overdispersion_without_the_test():
    years = np.arange(2010, 2020)
    n = np.full(len(years), 400)
    passed = np.round((0.85 + 0.01 * (years - 2010)) * n).astype(int) + np.array([6, -6] * 5)
    res = trends.glm_trend(pd.DataFrame({"year": years, "batches": n, "passed": passed}))
    assert 1.0 < res.phi < 1.5  # mild and, by the test, not significant (the issue's φ = 1.1)
    zh = nv.trend(res, "zh")
    assert "超离散" not in zh and "（过度离散）" not in zh and "未见过度离散" in zh
    assert "离散检验 p = " in zh
    big = trends.glm_trend(_longwan_like())
    assert "（过度离散）" in nv.trend(big, "zh") and "p < 0.001" in nv.trend(big, "zh")


def test_issue11_probabilities_are_worded_as_probabilities():
    row = {
        "year": 2027,
        "target": 0.95,
        "fitted": 0.995,
        "fit_lower": 0.988,
        "fit_upper": 0.998,
        "pred_lower": 0.971,
        "pred_upper": 1.0,
        "batches": 893,
        "prob_expected_meets": 1.0,
        "prob_observed_meets": 0.996,
    }
    zh = nv.forecast(row, "zh")
    assert "达到目标 95.0% 的概率：公布的观测合格率 99.6%" not in zh
    assert "公布的合格率不低于目标 95.0% 的概率为 0.996" in zh and "> 0.999" in zh


def test_issue11_juran_stated_as_he_made_it_and_the_cause_map_role_said():
    share = _share(954, 46, 0.938, 0.966)  # the issue's 95.4 %
    zh, en = nv.management_share(share, "zh"), nv.management_share(share, "en")
    assert "不支持“恰为" not in zh and "恰为" not in zh
    assert "绝大部分——约 80% 或更多——是管理者可控的" in zh and "按“至少 80%”检验" in zh
    assert "数据支持这一说法" in zh and "原因对照表" in zh and "也是这张对照表的归类" in zh
    assert "exactly 80%" not in en and 'Tested as "at least 80%"' in en
    assert "the data test the cause map as much as Juran's claim" in en


def test_issue11_statuses_with_confidence_inconclusive_not_not_met():
    card = pd.DataFrame({"status": ["inconclusive", "inconclusive", "met"]})
    zh = nv.scorecard(card, "zh")
    assert "无法判定 2 项（区间跨越要求，数据无法判定）" in zh
    assert "inconclusive 2 (the interval straddles the requirement" in nv.scorecard(card, "en")
    summary = {
        "name": "龙湾区",
        "year_from": 2015,
        "year_to": 2024,
        "data_status": "ok",
        "batches": 34,
        "pass_rate": 0.97,
        "target_status": "inconclusive",
    }
    zh = nv.district_summary(summary, "zh")
    assert "目标状态（各项目标中最不利的）：无法判定（区间跨越要求，数据无法判定）" in zh


def test_issue11_reasons_are_shown_whole_not_cut():
    from qualitykit.report import framework

    reason = "期限已到：" + "很长的说明" * 30
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        framework._display(pd.DataFrame({"status_reason_zh": [reason]}))
    assert reason in buf.getvalue() and "..." not in buf.getvalue()


def test_issue11_comparison_reports_holm_adjusted_changes():
    from qualitykit.stats import pareto as sp

    data = pd.DataFrame(
        {
            "group": ["A"] * 4 + ["B"] * 4,
            "category": ["x", "y", "z", "w"] * 2,
            "count": [300, 100, 50, 50, 100, 300, 50, 52],
        }
    )
    res = sp.compare_groups(data, "group", "category", count="count")
    n = int(res.differences["p_value"].notna().sum())
    zh = nv.comparison(res, "group", "category", "zh")
    assert f"经 Holm 法校正（{n} 项比较）后显著的变化" in zh and "区间不含 0" not in zh
    en = nv.comparison(res, "group", "category", "en")
    assert f"Changes significant after Holm's adjustment for the {n} comparisons" in en
    significant = res.differences[res.differences["significant"]]
    assert len(significant) and all(str(c) in zh for c in significant["category"])


def test_issue11_rank_sentence_for_a_quarter_of_one():
    table = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙", "丁", "戊"],
            "rank": [1.0, 2, 3, 4, 5],
            "rank_lower": [1.0, 1, 1, 2, 3],
            "rank_upper": [3.0, 4, 5, 5, 5],
        }
    )
    zh = nv.ranks(table, "zh")
    assert "前 1 名" not in zh and "没有单位可以确定排名第一" in zh
    assert "No unit is confidently ranked first" in nv.ranks(table, "en")


def test_issue11_no_data_note_does_not_repeat_the_heading():
    zh = nv.no_data("政策目标", "zh")
    assert zh == "**无数据**：没有适用的政策目标。" and "： " not in zh
    assert nv.no_data("Policy targets", "en") == "**No data:** no policy target applies."


def test_issue11_warning_on_a_zh_page_is_in_chinese():
    from qualitykit.report import vocabulary

    msg = (
        "100% of expected counts are below 5: the χ² approximation may be poor (Cochran 1954); "
        "merge sparse categories (pareto 'Other') first"
    )
    zh = vocabulary.warning_text(msg, "zh")
    assert zh.startswith("100% 的期望频数小于 5") and "expected" not in zh
    assert vocabulary.warning_text(msg, "en") == msg


def test_issue11_period_labels_of_the_reference_data_are_translated():
    small = pd.DataFrame(
        {
            "year": [2015, 2023],
            "period": ["Jun-Sep (4th batch)", "annual"],
            "small_share": [0.6, 0.93],
        }
    )
    zh = nv.size_mix(small, lang="zh")
    assert "Jun-Sep" not in zh and "2015 年（6–9 月（第四批））" in zh
    assert "(Jun–Sep (4th batch))" in nv.size_mix(small, lang="en")


def test_issue11_food_pareto_counts_batches_and_names_its_column():
    table = _pareto([50, 30, 10, 10], 2).rename(columns={"item": "food_category"})
    zh = nv.pareto(table, "zh", counted="batches")
    assert "项次" not in zh and "共 100 批次不合格" in zh and "food_category" not in zh
    assert "个食品不合格原因类别中" in zh
    en = nv.pareto(table, "en", counted="batches")
    assert "100 nonconforming batches fall into 4 food nonconformity categories" in en


def test_issue11_english_region_names_and_no_raw_name_en_header():
    from qualitykit.data import regions
    from qualitykit.report import vocabulary

    assert regions.name("330703", "en") == "Jindong District"  # 金东区
    assert regions.name("330327", "en") == "Cangnan County"  # 苍南县
    assert regions.name("331127", "en") == "Jingning She Autonomous County"  # 景宁畲族自治县
    assert regions.name("330303", "en") == "Longwan District"
    assert (
        vocabulary.term("name_en", "en") == "Region" and vocabulary.term("name_en", "zh") == "地区"
    )
    counties = regions.regions()
    assert (counties["name_en"].str.len() > 0).all()
    # the pattern as characters, not \u escapes: the RE2 of pyarrow 17 (the lowest allowed) rejects them
    assert not counties["name_en"].str.contains("[\u4e00-\u9fff]").any()


def test_issue11_one_english_for_management_controllable():
    from qualitykit.report import vocabulary
    from qualitykit.report.figures import style

    words = {
        vocabulary.value("controllable", "management", "en").lower(),
        vocabulary.term("management", "en").lower(),
        style.label("management", "en").lower(),
        nv.label_value("management", "en", "controllable").lower(),
    }
    assert words == {"management-controllable"}
