"""Generated text (qualitykit.report.narrative): the numbers in a sentence are those of the table it
describes, and every direction or verdict follows the interval, in Chinese and in English.

The inputs are small tables built here whose answer is known by construction (a share whose
Wilson interval lies above 80 %, a funnel with two units flagged high …) or real outputs of the
statistics functions on data with an unmistakable trend. No published figure is involved: the
statistics themselves are tested against published references in their own test modules.
"""

from __future__ import annotations

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
        (_share(78, 22, 0.69, 0.85), "置信区间跨越 80%，数据与之相容，但不足以确认", "cannot confirm it"),
        (_share(95, 5, 0.89, 0.98), "置信区间整体不低于 80%，数据支持这一说法", "support the claim"),
        (_share(50, 50, 0.40, 0.60), "置信区间整体低于 80%，数据不支持", "do not support the claim"),
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
    assert "94.1% 相比，本区县的合格率 96.9% 高于平均水平，超出 95% 控制限，但在 99.8% 控制限内" in zh
    assert "需关注" not in zh
    assert "90 个区县中排名 12（95% 区间 5–30）" in zh and "95% 后验区间 95.0% 至 97.5%" in zh
    en = nv.district_position({**row, "flag_998": "low", "flag_95": "low"}, "en")
    assert "lies below the average, beyond the 99.8% limits: a concern." in en
    assert "worth watching" not in en
