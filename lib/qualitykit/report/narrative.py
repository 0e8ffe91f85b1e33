"""Text generated from numbers, in Chinese or English: the sentences of the notebooks.

Every sentence of a notebook that states a number, a direction ("rising", "above the limits") or a
verdict ("met", "the data do not support the 80 % claim") is produced here from the tidy output
of a library function, so it cannot contradict the table or figure next to it. Each function
takes that output and ``lang`` (``"zh"`` or ``"en"``) and returns one Markdown paragraph;
missing or undefined values (NaN) give a sentence that says so, never a made-up number.

Conventions (``docs/CONVENTIONS.md``): proportions are printed as percentages with one decimal
(``pct``), differences of proportions in percentage points (``pp``: 个百分点 / pp), counts with
thousands separators. Directions and verdicts follow the interval, not the point estimate:

* a trend is "rising" / "falling" only when the confidence interval of its slope excludes 0
  (otherwise "no clear trend");
* a claimed share (Juran's 80 %) is "supported" when it lies inside the Wilson interval of the
  observed share, "not supported" when the interval lies entirely above or below it;
* a unit is above / below its funnel only when it lies outside the control limits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from qualitykit.errors import ParameterError

__all__ = [
    "TEXT",
    "check_lang",
    "comparison",
    "control_chart",
    "count",
    "district_position",
    "district_summary",
    "published",
    "size_mix",
    "documents",
    "targets_compared",
    "forecast",
    "funnel",
    "interval",
    "management_share",
    "national_series",
    "no_data",
    "overdispersion",
    "pareto",
    "pass_rate",
    "pct",
    "pp",
    "ranks",
    "relative_target",
    "scorecard",
    "segmented",
    "source_list",
    "status_label",
    "flag_label",
    "verdict_label",
    "label_value",
    "md_text",
    "shrinkage",
    "standardised",
    "t",
    "trend",
    "yearly_rates",
]

Lang = Literal["zh", "en"]

TEXT: dict[str, dict[str, str]] = {
    # section headings (report.Report.section)
    "overview": {"zh": "概况", "en": "Overview"},
    "parameters": {"zh": "参数", "en": "Parameters"},
    "yearly_rates": {"zh": "历年批次合格率", "en": "Pass rate by year"},
    "standardised": {
        "zh": "标准化合格率（行业 × 企业规模）",
        "en": "Standardised pass rate (industry × size)",
    },
    "trend": {"zh": "趋势（二项 GLM）", "en": "Trend (binomial GLM)"},
    "segmented": {"zh": "政策实施前后（分段回归）", "en": "Before and after the programme"},
    "control_chart": {"zh": "控制图", "en": "Control chart"},
    "forecast": {"zh": "趋势外推与目标达成", "en": "Forecast and target attainment"},
    "pareto_items": {"zh": "不合格项目排列图", "en": "Pareto of nonconforming items"},
    "pareto_categories": {"zh": "按项目类别", "en": "By item category"},
    "pareto_5m1e": {"zh": "按 5M1E 原因", "en": "By 5M1E cause"},
    "management_vs_operator": {
        "zh": "管理者可控与操作者可控（朱兰 80/20）",
        "en": "Management- vs operator-controllable (Juran's 80/20)",
    },
    "comparison": {"zh": "分组比较", "en": "Comparison between groups"},
    "funnel": {"zh": "漏斗图", "en": "Funnel plot"},
    "overdispersion": {"zh": "超离散", "en": "Overdispersion"},
    "ranks": {"zh": "排名区间", "en": "Rank intervals"},
    "eb_shrinkage": {"zh": "收缩估计（经验贝叶斯）", "en": "Shrunken estimates (empirical Bayes)"},
    "map": {"zh": "地图（质心）", "en": "Map (centroids)"},
    "map_note": {
        "zh": "每个点是一个单位的质心：颜色表示收缩后的合格率，大小表示抽查批次数。",
        "en": "Each point is a unit's centroid: its colour is the shrunken pass rate, its size the "
        "number of batches.",
    },
    "relative_target": {"zh": "高于上级平均水平 k 个百分点", "en": "k pp above the parent average"},
    "position": {"zh": "在全省的位置", "en": "Position in the province"},
    "targets": {"zh": "政策目标", "en": "Policy targets"},
    "documents": {"zh": "政策文件", "en": "Documents"},
    "scorecard": {"zh": "目标记分卡", "en": "Target scorecard"},
    "targets_compared": {"zh": "各文件目标比较", "en": "Targets compared across documents"},
    "summary": {"zh": "摘要", "en": "Summary"},
    "spot_checks": {"zh": "国家监督抽查", "en": "National supervisory spot checks"},
    "rpq": {"zh": "制造业产品质量合格率（RPQ）", "en": "Manufacturing product quality rate (RPQ)"},
    "qci": {"zh": "制造业质量竞争力指数（QCI）", "en": "Quality competitiveness index (QCI)"},
    "size_mix": {"zh": "样本构成：小型企业占比", "en": "Sample composition: share of small firms"},
    "national_targets": {"zh": "2025 年国家目标", "en": "National targets for 2025"},
    "pass_rate_published": {
        "zh": "批次合格率（公布至 2017 年）",
        "en": "Batch pass rate (published to 2017)",
    },
    "nc_rate_published": {
        "zh": "不合格发现率（2018 年起公布，口径不同）",
        "en": "NC rate (published from 2018, another definition)",
    },
    "pass_rate_measure": {"zh": "批次合格率", "en": "pass rate"},
    "nc_rate_measure": {"zh": "不合格发现率", "en": "NC rate"},
    "sources": {"zh": "来源", "en": "Sources"},
    # phrases
    "no_data": {"zh": "无数据", "en": "no data"},
    "synthetic": {
        "zh": "数据为合成样本（qualitykit.data.sample），并非真实抽查结果。",
        "en": "The data are the synthetic sample (qualitykit.data.sample), not real spot-check results.",
    },
    "all_products": {"zh": "全部产品", "en": "all products"},
    "no_programme": {
        "zh": "目标登记表中没有覆盖该地区的政策文件；请用参数 policy_start 给出政策实施时点",
        "en": "no programme document of the target registry covers this region; give the start "
        "as the parameter policy_start",
    },
    "all_levels": {"zh": "全部抽查级别", "en": "all check levels"},
    # table column headers (report.Report.table; plots.LABELS covers the canonical columns)
    "ci_lower": {"zh": "下限", "en": "Lower"},
    "ci_upper": {"zh": "上限", "en": "Upper"},
    "passed": {"zh": "合格批次", "en": "Passed"},
    "share": {"zh": "占比", "en": "Share"},
    "count": {"zh": "项次", "en": "Count"},
    "status": {"zh": "状态", "en": "Status"},
    "verdict": {"zh": "结论", "en": "Verdict"},
    "source_url": {"zh": "来源链接", "en": "Source"},
    "target_id": {"zh": "目标编号", "en": "Target"},
    "document_id": {"zh": "文件", "en": "Document"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "indicator_zh": {"zh": "指标", "en": "Indicator"},
    "deadline_year": {"zh": "期限", "en": "Deadline"},
    "obs_year": {"zh": "观测年份", "en": "Year observed"},
    "status_reason_zh": {"zh": "说明", "en": "Reason"},
    "status_reason_en": {"zh": "说明", "en": "Reason"},
    "source_sentence": {"zh": "原文", "en": "Source sentence"},
    "threshold": {"zh": "阈值", "en": "Threshold"},
    "unit": {"zh": "单位", "en": "Unit"},
    "prob_meet": {"zh": "达成概率", "en": "P(met)"},
    "area": {"zh": "范围", "en": "Area"},
    "management": {"zh": "管理者可控", "en": "Management"},
    "operator": {"zh": "操作者可控", "en": "Operator"},
    "classified": {"zh": "已归类", "en": "Classified"},
    "management_share": {"zh": "管理者可控占比", "en": "Management share"},
    "group": {"zh": "组", "en": "Group"},
    "reference_share": {"zh": "参照组占比", "en": "Reference share"},
    "diff_pp": {"zh": "差（百分点）", "en": "Difference (pp)"},
    "ci_lower_pp": {"zh": "下限", "en": "Lower"},
    "ci_upper_pp": {"zh": "上限", "en": "Upper"},
    "gap_lower_pp": {"zh": "下限", "en": "Lower"},
    "gap_upper_pp": {"zh": "上限", "en": "Upper"},
    "parent_rate": {"zh": "上级平均", "en": "Parent average"},
    "rank_lower": {"zh": "排名下限", "en": "Best rank"},
    "rank_upper": {"zh": "排名上限", "en": "Worst rank"},
    "shrunk_lower": {"zh": "下限", "en": "Lower"},
    "shrunk_upper": {"zh": "上限", "en": "Upper"},
    "shrinkage": {"zh": "收缩系数", "en": "Shrinkage"},
    "flag_998": {"zh": "漏斗图（99.8%）", "en": "Funnel (99.8%)"},
    "flag_95": {"zh": "漏斗图（95%）", "en": "Funnel (95%)"},
    "phi": {"zh": "φ", "en": "φ"},
    "tau2": {"zh": "τ²", "en": "τ²"},
    "k": {"zh": "单位数", "en": "Units"},
    "p_value": {"zh": "p 值", "en": "p-value"},
    "overdispersed": {"zh": "超离散", "en": "Overdispersed"},
    "small_share": {"zh": "小型企业占比", "en": "Share of small firms"},
    "period": {"zh": "期间", "en": "Period"},
    "publisher": {"zh": "发布者", "en": "Publisher"},
    "measure": {"zh": "指标", "en": "Measure"},
    "required": {"zh": "要求", "en": "Required"},
    "title": {"zh": "标题", "en": "Title"},
    "doc_number": {"zh": "文号", "en": "Number"},
    "region_name": {"zh": "地区", "en": "Region"},
    "date": {"zh": "日期", "en": "Date"},
    "n_targets": {"zh": "目标数", "en": "Targets"},
    "n_quantitative": {"zh": "定量目标数", "en": "Quantitative"},
    "comparator": {"zh": "比较", "en": "Comparator"},
    "lower": {"zh": "下限", "en": "Lower"},
    "upper": {"zh": "上限", "en": "Upper"},
    "reference_level": {"zh": "参照", "en": "Reference"},
    "deadline": {"zh": "期限", "en": "Deadline"},
}
"""Headings, phrases and table headers in Chinese and English, by key."""

_STATUS: dict[str, dict[str, str]] = {  # the Chinese as qualitykit.policy.scorecard.STATUS_ZH
    "met": {"zh": "已达标", "en": "met"},
    "not_met": {"zh": "未达标", "en": "not met"},
    "inconclusive": {"zh": "无法判定", "en": "inconclusive"},
    "on_track": {"zh": "进度正常", "en": "on track"},
    "off_track": {"zh": "进度滞后", "en": "off track"},
    "no_data": {"zh": "无数据", "en": "no data"},
    "qualitative": {"zh": "定性目标", "en": "qualitative"},
}
_FLAG: dict[str, dict[str, str]] = {
    "high": {"zh": "高于控制限", "en": "above the limits"},
    "low": {"zh": "低于控制限", "en": "below the limits"},
    "within": {"zh": "在控制限内", "en": "within the limits"},
}


# --------------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------------


def check_lang(lang: object) -> Lang:
    """``lang`` if it is ``"zh"`` or ``"en"``; a ParameterError otherwise."""
    if lang not in ("zh", "en"):
        raise ParameterError(f"lang must be 'zh' (Chinese) or 'en' (English), got {lang!r}")
    return lang  # type: ignore[return-value]


_MD_SPECIAL = re.compile(r"([\\`*\[\]<>&|~$]|:(?=//)|(?<![^\W_])_|_(?![^\W_]))")
_MD_LIST_NUMBER = re.compile(r"\d+(?=[.)])")


def md_text(value: object) -> str:
    """A data value (a name, an item, a parameter, a message) as Markdown that shows it literally.

    Every value from data, parameters or errors goes through this function where it is put into
    Markdown: the characters that start Markdown or HTML syntax (``\\ ` * [ ] < > & | ~ $``,
    ``_`` except inside a word, ``:`` of bare web addresses, and ``# + - =`` or a list number at
    the start) are backslash-escaped (CommonMark §2.4) and line breaks become spaces, so
    ``<script>`` stays text, ``[x](javascript:…)`` no link and ``# …`` no heading — in the review
    site's renderer, nbconvert's and JupyterLab's alike."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
    number = _MD_LIST_NUMBER.match(text)
    if number:  # "1. x" / "1) x": an ordered list
        return f"{number.group(0)}\\{text[number.end() :]}"
    if text[:1] in ("#", "+", "-", "="):  # a heading, a bullet, a setext underline
        return "\\" + text
    return text


def t(key: str, lang: Lang = "zh") -> str:
    """The text of ``key`` (:data:`TEXT`, then :data:`qualitykit.report.plots.LABELS`); the key if unknown."""
    lang = check_lang(lang)
    if key in TEXT:
        return TEXT[key][lang]
    from qualitykit.report.plots import LABELS  # lazily: matplotlib is not needed for text

    entry = LABELS.get(key)
    return entry[lang] if entry else key


def _ok(x: object) -> bool:
    if x is None or x is pd.NA:
        return False
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def pct(p: object, digits: int = 1) -> str:
    """A proportion as a percentage: 0.8912 → ``"89.1%"``; NaN → ``"–"``."""
    return f"{100.0 * float(p):.{digits}f}%" if _ok(p) else "–"  # type: ignore[arg-type]


def pp(x: object, lang: Lang = "zh", digits: int = 1, signed: bool = True) -> str:
    """Percentage points: 1.23 → ``"+1.2 个百分点"`` / ``"+1.2 pp"``; NaN → ``"–"``."""
    if not _ok(x):
        return "–"
    v = float(x)  # type: ignore[arg-type]
    text = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    if text in ("+0." + "0" * digits, "-0." + "0" * digits):
        text = f"{0.0:.{digits}f}"
    return f"{text} 个百分点" if lang == "zh" else f"{text} pp"


def count(n: object) -> str:
    """A count with thousands separators: 12345 → ``"12,345"``; NA → ``"–"``."""
    return f"{int(round(float(n))):,}" if _ok(n) else "–"  # type: ignore[arg-type]


def _num(x: object, digits: int = 2) -> str:
    return f"{float(x):.{digits}f}" if _ok(x) else "–"  # type: ignore[arg-type]


def interval(
    lo: object,
    hi: object,
    lang: Lang = "zh",
    *,
    kind: Literal["pct", "pp", "num"] = "pct",
    conf: float = 0.95,
    digits: int = 1,
) -> str:
    """``"（95% 置信区间 87.2% 至 90.8%）"`` / ``" (95% CI 87.2% to 90.8%)"``; empty if undefined.

    ``kind``: ``pct`` (proportions), ``pp`` (signed percentage points) or ``num``."""
    if not (_ok(lo) and _ok(hi)):
        return ""
    if kind == "pct":
        a, b = pct(lo, digits), pct(hi, digits)
    elif kind == "pp":
        a, b = f"{float(lo):+.{digits}f}", f"{float(hi):+.{digits}f}"  # type: ignore[arg-type]
    else:
        a, b = _num(lo, digits), _num(hi, digits)
    level = f"{100 * conf:g}%"
    if lang == "zh":
        unit = " 个百分点" if kind == "pp" else ""
        return f"（{level} 置信区间 {a} 至 {b}{unit}）"
    unit = " pp" if kind == "pp" else ""
    return f" ({level} CI {a} to {b}{unit})"


def _span(y0: object, y1: object, lang: Lang) -> str:
    a, b = int(y0), int(y1)  # type: ignore[call-overload]
    text = str(a) if a == b else f"{a}–{b}"
    return f"{text} 年" if lang == "zh" else text


def _join(items: Sequence[str], lang: Lang) -> str:
    items = [str(i) for i in items]
    if lang == "zh":
        return "、".join(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _end(text: str, lang: Lang) -> str:
    return text + ("。" if lang == "zh" else ".")


def no_data(what: str, lang: Lang = "zh", reason: str | None = None) -> str:
    """A short note that a section has no data: ``"**无数据：** 龙湾区 2015–2024 年无抽查记录。"``."""
    lang = check_lang(lang)
    head = "**无数据：**" if lang == "zh" else "**No data:**"
    what = md_text(what)
    body = (
        what
        if reason is None
        else (f"{what}（{md_text(reason)}）" if lang == "zh" else f"{what} ({md_text(reason)})")
    )
    return f"{head} {_end(body, lang)}"


def _row(frame: pd.DataFrame | Mapping[str, Any] | pd.Series) -> Mapping[str, Any]:
    if isinstance(frame, pd.DataFrame):
        if len(frame) != 1:
            raise ParameterError(f"expected a one-row table, got {len(frame)} rows")
        return frame.iloc[0].to_dict()
    if isinstance(frame, pd.Series):
        return frame.to_dict()
    return frame


# --------------------------------------------------------------------------------------------
# rates and trends
# --------------------------------------------------------------------------------------------


def pass_rate(
    name: str,
    rate: pd.DataFrame | Mapping[str, Any],
    lang: Lang = "zh",
    *,
    years: tuple[int, int] | None = None,
    conf: float = 0.95,
) -> str:
    """One region's pooled pass rate: one row of :func:`qualitykit.stats.metrics.rates` (``batches``,
    ``passed``, ``pass_rate``, ``ci_lower``, ``ci_upper``)."""
    lang = check_lang(lang)
    r = _row(rate)
    name = md_text(name)
    when = "" if years is None else _span(*years, lang)
    ci = interval(r.get("ci_lower"), r.get("ci_upper"), lang, conf=conf)
    if lang == "zh":
        return (
            f"{name}{when}共抽查 {count(r['batches'])} 批次，合格 {count(r['passed'])} 批次，"
            f"批次合格率 {pct(r['pass_rate'])}{ci}。"
        )
    when = f" in {when}" if when else ""
    return (
        f"{name}{when}: {count(r['batches'])} batches checked, {count(r['passed'])} passed — a "
        f"batch pass rate of {pct(r['pass_rate'])}{ci}."
    )


def yearly_rates(yearly: pd.DataFrame, lang: Lang = "zh") -> str:
    """Pass rates by year (:func:`qualitykit.stats.metrics.rates` by ``year``): first and last year,
    lowest and highest year."""
    lang = check_lang(lang)
    y = yearly[yearly["batches"] > 0].sort_values("year")
    if y.empty:
        return no_data("历年合格率" if lang == "zh" else "pass rate by year", lang)
    first, last = y.iloc[0], y.iloc[-1]
    lo = y.loc[y["pass_rate"].idxmin()]
    hi = y.loc[y["pass_rate"].idxmax()]
    if lang == "zh":
        text = (
            f"{int(first['year'])} 年批次合格率 {pct(first['pass_rate'])}（{count(first['batches'])} 批次），"
            f"{int(last['year'])} 年 {pct(last['pass_rate'])}（{count(last['batches'])} 批次）；"
            f"最低为 {int(lo['year'])} 年的 {pct(lo['pass_rate'])}，最高为 {int(hi['year'])} 年的 "
            f"{pct(hi['pass_rate'])}。"
        )
        small = y[y["batches"] < 30]
        if len(small):
            text += f"有 {len(small)} 年抽查不足 30 批次，其合格率的区间很宽。"
        return text
    text = (
        f"The batch pass rate was {pct(first['pass_rate'])} in {int(first['year'])} "
        f"({count(first['batches'])} batches) and {pct(last['pass_rate'])} in {int(last['year'])} "
        f"({count(last['batches'])} batches); the lowest year was {int(lo['year'])} "
        f"({pct(lo['pass_rate'])}), the highest {int(hi['year'])} ({pct(hi['pass_rate'])})."
    )
    small = y[y["batches"] < 30]
    if len(small):
        text += f" {len(small)} year(s) have fewer than 30 batches: their intervals are wide."
    return text


def standardised(std: pd.DataFrame, lang: Lang = "zh") -> str:
    """Crude against directly standardised pass rates (:func:`qualitykit.stats.metrics.standardise`
    by ``year``): the last year and the largest difference over the years."""
    lang = check_lang(lang)
    s = std[np.isfinite(std["std_pass_rate"].to_numpy(dtype=float, na_value=np.nan))]
    if s.empty:
        return no_data("标准化合格率" if lang == "zh" else "standardised pass rate", lang)
    s = s.sort_values("year")
    diff = 100.0 * (s["std_pass_rate"] - s["crude_pass_rate"])
    last = s.iloc[-1]
    big = s.loc[diff.abs().idxmax()]
    big_diff = 100.0 * (big["std_pass_rate"] - big["crude_pass_rate"])
    partial = s[s["weight_covered"] < 0.999] if "weight_covered" in s else s.iloc[0:0]
    if lang == "zh":
        text = (
            f"{int(last['year'])} 年粗合格率 {pct(last['crude_pass_rate'])}，按合并后的行业 × 企业规模"
            f"结构标准化后为 {pct(last['std_pass_rate'])}{interval(last['ci_lower'], last['ci_upper'], lang)}，"
            f"相差 {pp(100 * (last['std_pass_rate'] - last['crude_pass_rate']), lang)}。"
            f"各年中差别最大的是 {int(big['year'])} 年（{pp(big_diff, lang)}）"
        )
        text += (
            "：样本结构的变化会影响粗合格率的比较。"
            if abs(big_diff) >= 1.0
            else "，均不足 1 个百分点：样本结构的变化对粗合格率影响不大。"
        )
        if len(partial):
            text += f"有 {len(partial)} 年未覆盖全部标准层，按已覆盖部分重新加权。"
        return text
    text = (
        f"In {int(last['year'])} the crude pass rate is {pct(last['crude_pass_rate'])}; "
        f"standardised to the pooled industry × size mix it is {pct(last['std_pass_rate'])}"
        f"{interval(last['ci_lower'], last['ci_upper'], lang)}, a difference of "
        f"{pp(100 * (last['std_pass_rate'] - last['crude_pass_rate']), lang)}. The largest "
        f"difference is in {int(big['year'])} ({pp(big_diff, lang)})"
    )
    text += (
        ": shifts in the sample mix matter when crude rates are compared."
        if abs(big_diff) >= 1.0
        else "; every year differs by less than 1 pp: the sample mix changes the crude rate little."
    )
    if len(partial):
        text += (
            f" {len(partial)} year(s) do not cover every stratum of the standard and are "
            "re-weighted over the covered strata."
        )
    return text


def _term(terms: pd.DataFrame, name: str) -> Mapping[str, Any]:
    rows = terms[terms["term"] == name]
    return rows.iloc[0].to_dict() if len(rows) else {}


def _direction(lo: object, hi: object) -> int:
    """+1 if the interval lies above 0, −1 below, 0 if it includes 0 (or is undefined)."""
    if not (_ok(lo) and _ok(hi)):
        return 0
    if float(lo) > 0:  # type: ignore[arg-type]
        return 1
    if float(hi) < 0:  # type: ignore[arg-type]
        return -1
    return 0


def trend(result: Any, lang: Lang = "zh", *, name: str | None = None) -> str:
    """A :class:`qualitykit.stats.trends.TrendResult`: direction (by the slope's interval), average
    change in pp per year with its interval, the odds ratio, and the dispersion φ. With fewer
    than 3 time points no trend is stated (as the scorecard)."""
    lang = check_lang(lang)
    fitted = result.fitted
    slope = _term(result.terms, "slope_logit")
    mean = _term(result.terms, "change_pp_per_year_mean")
    orr = _term(result.terms, "odds_ratio_per_year")
    who = md_text(name) if name else ("合格率" if lang == "zh" else "the pass rate")
    if not slope or not _ok(slope.get("estimate")) or result.n_points < 3:
        if lang == "zh":
            return f"{who}的趋势无法估计：只有 {len(fitted)} 个时间点（至少需要 3 个），或各期全部合格（不合格）。"
        return (
            f"No trend can be estimated for {who}: {len(fitted)} time point(s) (at least 3 are "
            "needed), or every batch passed (failed) in every period."
        )
    y0, y1 = int(np.floor(fitted["t"].min())), int(np.floor(fitted["t"].max()))
    d = _direction(slope["ci_lower"], slope["ci_upper"])
    conf = result.conf
    ci = interval(mean["ci_lower"], mean["ci_upper"], lang, kind="pp", conf=conf, digits=2)
    if lang == "zh":
        verdict = {1: "呈上升趋势", -1: "呈下降趋势", 0: "没有统计上明确的趋势"}[d]
        text = (
            f"{_span(y0, y1, lang)}{who}{verdict}：平均每年变化 {pp(mean['estimate'], lang, 2)}{ci}，"
            f"每年的优势比为 {_num(orr['estimate'], 3)}。"
        )
        if _ok(result.phi) and result.scale > 1:
            text += (
                f"各期之间的波动是二项分布的 φ = {_num(result.phi, 1)} 倍（超离散），"
                "区间已按拟二项尺度放宽。"
            )
        elif _ok(result.phi):
            text += f"离散度 φ = {_num(result.phi, 2)}，未超出二项分布。"
        return text
    verdict = {1: "is rising", -1: "is falling", 0: "shows no statistically clear trend"}[d]
    text = (
        f"Over {_span(y0, y1, lang)} {who} {verdict}: on average {pp(mean['estimate'], lang, 2)} "
        f"per year{ci}, an odds ratio of {_num(orr['estimate'], 3)} per year."
    )
    if _ok(result.phi) and result.scale > 1:
        text += (
            f" Periods vary φ = {_num(result.phi, 1)} times more than binomial sampling allows "
            "(overdispersion); the intervals use the quasi-binomial scale."
        )
    elif _ok(result.phi):
        text += f" The dispersion φ = {_num(result.phi, 2)} shows no overdispersion."
    return text


def segmented(
    result: Any, break_at: float, lang: Lang = "zh", *, document: str | None = None
) -> str:
    """A :class:`qualitykit.stats.trends.SegmentedResult` (binomial): the level change at the break
    (odds ratio with its interval) and the change of slope."""
    lang = check_lang(lang)
    level = _term(result.terms, "level_change")
    slope = _term(result.terms, "slope_change")
    doc = md_text(document) if document else ""
    src = f"（{doc}）" if doc and lang == "zh" else (f" ({doc})" if doc else "")
    if not level or not _ok(level.get("estimate")):
        if lang == "zh":
            return (
                f"政策实施时点 {break_at:.2f}{src}前后各需至少 3 个时间点，现有 {result.n_pre} 个和 "
                f"{result.n_post} 个：分段回归无法估计。"
            )
        return (
            f"The segmented regression needs at least 3 time points on each side of the programme "
            f"start {break_at:.2f}{src}; there are {result.n_pre} before and {result.n_post} after: "
            "not estimable."
        )
    conf = result.conf
    dl = _direction(level["ci_lower"], level["ci_upper"])
    ds = _direction(slope.get("ci_lower"), slope.get("ci_upper")) if slope else 0
    lci = interval(level["ratio_lower"], level["ratio_upper"], lang, kind="num", conf=conf)
    has_slope = bool(slope) and _ok(slope.get("estimate"))
    sci = (
        interval(slope["ratio_lower"], slope["ratio_upper"], lang, kind="num", conf=conf, digits=3)
        if has_slope
        else ""
    )
    if lang == "zh":
        lv = {1: "合格率明显跃升", -1: "合格率明显下降", 0: "合格率没有统计上明确的跳变"}[dl]
        text = (
            f"以 {break_at:.2f}{src}为界（之前 {result.n_pre} 个、之后 {result.n_post} 个时间点），"
            f"实施时{lv}：合格的优势比为 {_num(level['ratio'], 2)}{lci}。"
        )
        if has_slope:
            sv = {1: "变得更陡（改善加快）", -1: "变得更缓或转为下降", 0: "没有统计上明确的变化"}[
                ds
            ]
            text += f"实施后的年度趋势{sv}，斜率的优势比变化为 {_num(slope['ratio'], 3)}{sci}。"
        return text
    lv = {
        1: "the pass rate jumps up",
        -1: "the pass rate drops",
        0: "there is no statistically clear jump in the pass rate",
    }[dl]
    text = (
        f"At the programme start {break_at:.2f}{src} ({result.n_pre} time points before, "
        f"{result.n_post} after) {lv}: the odds ratio of passing is {_num(level['ratio'], 2)}{lci}."
    )
    if has_slope:
        sv = {
            1: "becomes steeper (faster improvement)",
            -1: "becomes flatter or turns down",
            0: "does not change clearly",
        }[ds]
        text += (
            f" After the start the trend {sv}: the slope's odds ratio changes by "
            f"{_num(slope['ratio'], 3)}{sci}."
        )
    return text


def control_chart(
    chart: Any, lang: Lang = "zh", *, dispersion: pd.DataFrame | Mapping[str, Any] | None = None
) -> str:
    """A :class:`qualitykit.stats.spc.ControlChart`: which chart and why (the dispersion test), the
    points beyond the limits and the runs analysis."""
    lang = check_lang(lang)
    pts = chart.points
    summ = chart.summary.iloc[0]
    beyond = pts[pts["beyond_limits"].fillna(False).astype(bool) & ~pts["excluded"].astype(bool)]
    high = [md_text(s) for s in beyond[beyond["value"] > beyond["ucl"]]["subgroup"]]
    low = [md_text(s) for s in beyond[beyond["value"] < beyond["lcl"]]["subgroup"]]
    name = {
        "p": ("p 控制图", "p chart"),
        "np": ("np 控制图", "np chart"),
        "laney": ("Laney p′ 控制图", "Laney p′ chart"),
    }[chart.chart][0 if lang == "zh" else 1]
    why = ""
    if dispersion is not None:
        d = _row(dispersion)
        ratio, pval = d.get("dispersion_ratio"), d.get("p_value")
        over = _ok(pval) and float(pval) < 0.05  # type: ignore[arg-type]
        if lang == "zh":
            why = (
                f"各期不合格率的方差是二项分布的 {_num(ratio, 1)} 倍（离散检验 {_pval(pval)}），"
                + (
                    "超离散明显，故用 Laney p′ 图放宽控制限。"
                    if over
                    else "未见超离散，故用 p 图。"
                )
            )
        else:
            why = (
                f"The period-to-period variance is {_num(ratio, 1)} times the binomial (dispersion "
                f"test {_pval(pval)}): "
                + (
                    "overdispersed, so the Laney p′ chart widens the limits. "
                    if over
                    else "no overdispersion, so a p chart is used. "
                )
            )
    runs = bool(summ.get("runs_signal")) if "runs_signal" in summ else False
    if lang == "zh":
        text = why + f"{name}中心线（不合格率）为 {pct(summ['p_bar'], 2)}。"
        if beyond.empty:
            text += "没有点超出控制限。"
        else:
            parts = []
            if high:
                parts.append(f"{_join(high, lang)} 高于上控制限（不合格偏多）")
            if low:
                parts.append(f"{_join(low, lang)} 低于下控制限（不合格偏少）")
            text += f"{len(beyond)} 个点超出控制限：" + "；".join(parts) + "。"
        text += (
            f"游程分析提示非随机变化（最长游程 {int(summ['longest_run'])}，上限 {int(summ['longest_run_max'])}；"
            f"穿越中心线 {int(summ['n_crossings'])} 次，下限 {int(summ['n_crossings_min'])}）。"
            if runs
            else "游程分析未提示非随机变化。"
        )
        return text
    text = why + f"The {name}'s centre line (nonconforming rate) is {pct(summ['p_bar'], 2)}. "
    if beyond.empty:
        text += "No point lies beyond the control limits."
    else:
        parts = []
        if high:
            parts.append(f"{_join(high, lang)} above the upper limit (more failures)")
        if low:
            parts.append(f"{_join(low, lang)} below the lower limit (fewer failures)")
        text += f"{len(beyond)} point(s) lie beyond the limits: " + "; ".join(parts) + "."
    text += (
        f" The runs analysis signals non-random variation (longest run {int(summ['longest_run'])}, "
        f"limit {int(summ['longest_run_max'])}; {int(summ['n_crossings'])} crossings, minimum "
        f"{int(summ['n_crossings_min'])})."
        if runs
        else " The runs analysis shows no non-random pattern."
    )
    return text


def _pval(p: object) -> str:
    """``"p < 0.001"`` or ``"p = 0.012"``."""
    if not _ok(p):
        return "p = –"
    v = float(p)  # type: ignore[arg-type]
    return "p < 0.001" if v < 0.001 else f"p = {v:.3f}"


def forecast(
    attainment: pd.DataFrame | Mapping[str, Any], lang: Lang = "zh", *, conf: float = 0.95
) -> str:
    """The attainment row of :func:`qualitykit.stats.trends.forecast`: the expected rate at the
    deadline with its interval, the prediction interval for a check of that size, and both
    probabilities of meeting the target."""
    lang = check_lang(lang)
    a = _row(attainment)
    year = int(a["year"])
    if not _ok(a.get("fitted")):
        return (
            f"无法外推到 {year} 年：趋势不可估计。"
            if lang == "zh"
            else f"No forecast to {year}: the trend could not be estimated."
        )
    fci = interval(a["fit_lower"], a["fit_upper"], lang, conf=conf)
    level = f"{100 * conf:g}%"
    has_target = _ok(a.get("target"))
    if lang == "zh":
        text = (
            f"若拟合趋势不变，{year} 年的期望合格率为 {pct(a['fitted'])}{fci}；抽查 "
            f"{count(a['batches'])} 批次时，观测合格率的 {level} 预测区间为 {pct(a['pred_lower'])} 至 "
            f"{pct(a['pred_upper'])}。"
        )
        if has_target:
            p_obs, p_exp = a["prob_observed_meets"], a["prob_expected_meets"]
            text += (
                f"达到目标 {pct(a['target'])} 的概率：公布的观测合格率 {pct(p_obs)}，期望合格率 {pct(p_exp)}"
                f"（{'有望达成' if _ok(p_obs) and float(p_obs) >= 0.5 else '难以达成'}）。"
                "该概率假定趋势、抽样方案和产品结构均不变。"
            )
        return text
    text = (
        f"If the fitted trend continues, the expected pass rate in {year} is {pct(a['fitted'])}{fci}; "
        f"a check of {count(a['batches'])} batches would give an observed rate between "
        f"{pct(a['pred_lower'])} and {pct(a['pred_upper'])} ({level} prediction interval)."
    )
    if has_target:
        p_obs, p_exp = a["prob_observed_meets"], a["prob_expected_meets"]
        text += (
            f" Probability of meeting the target of {pct(a['target'])}: {pct(p_obs)} for the "
            f"published (observed) rate, {pct(p_exp)} for the expected rate — "
            f"{'on track' if _ok(p_obs) and float(p_obs) >= 0.5 else 'off track'}. This assumes "
            "that the trend, the sampling design and the product mix stay as they were."
        )
    return text


# --------------------------------------------------------------------------------------------
# causes
# --------------------------------------------------------------------------------------------


_VALUE_NAMES: dict[str, dict[str, dict[str, str]]] = {
    "cause_5m1e": {
        "man": {"zh": "人", "en": "man"},
        "machine": {"zh": "机", "en": "machine"},
        "material": {"zh": "料", "en": "material"},
        "method": {"zh": "法", "en": "method"},
        "measurement": {"zh": "测", "en": "measurement"},
        "environment": {"zh": "环", "en": "environment"},
    },
    "controllable": {
        "management": {"zh": "管理者可控", "en": "management-controllable"},
        "operator": {"zh": "操作者可控", "en": "operator-controllable"},
    },
    "category": {
        "safety": {"zh": "安全", "en": "safety"},
        "performance": {"zh": "性能", "en": "performance"},
        "labelling": {"zh": "标识", "en": "labelling"},
        "material": {"zh": "材料成分", "en": "material"},
        "workmanship": {"zh": "做工", "en": "workmanship"},
        "hygiene": {"zh": "卫生", "en": "hygiene"},
        "emc": {"zh": "电磁兼容", "en": "EMC"},
        "quantity": {"zh": "数量", "en": "quantity"},
    },
}
_COMMON_VALUES: dict[str, dict[str, str]] = {
    "Other": {"zh": "其他", "en": "Other"},
    "(unmapped)": {"zh": "（未归类）", "en": "(unmapped)"},
    "(unspecified)": {"zh": "（未指定）", "en": "(unspecified)"},
}


def label_value(value: object, lang: Lang = "zh", kind: str | None = None) -> str:
    """A value of a cause column (``kind``: ``category``, ``cause_5m1e`` or ``controllable``) or
    the "Other" / unmapped buckets in the chosen language; other values (item and region names)
    unchanged."""
    key = str(value)
    entry = _VALUE_NAMES.get(kind or "", {}).get(key) or _COMMON_VALUES.get(key)
    return entry[lang] if entry else key


_PARETO_UNITS: dict[str, tuple[str, str]] = {
    "item": ("项目", "items"),
    "cause_5m1e": ("原因", "causes"),
    "controllable": ("可控性类别", "kinds of cause"),
}


def pareto(
    table: pd.DataFrame | None, lang: Lang = "zh", *, cut: float = 0.8, what: str | None = None
) -> str:
    """A :func:`qualitykit.stats.pareto.pareto_table` (or ``pareto_by_cause``): the vital few at
    ``cut`` with their shares (None or empty: no nonconformities)."""
    lang = check_lang(lang)
    if table is None or len(table) == 0:
        return no_data(
            "没有不合格项目记录" if lang == "zh" else "no nonconforming items recorded", lang
        )
    label_col = next(
        c
        for c in table.columns
        if c
        not in {
            "rank",
            "count",
            "share",
            "cum_count",
            "cum_share",
            "vital_few",
            "is_other",
            "merged",
        }
    )
    total = int(table["count"].sum())
    if total == 0:
        return no_data("不合格项次" if lang == "zh" else "nonconformities", lang)
    vital = table[table["vital_few"].astype(bool)]
    names = [
        f"{md_text(label_value(r[label_col], lang, label_col))}（{pct(r['share'])}）"
        if lang == "zh"
        else f"{md_text(label_value(r[label_col], lang, label_col))} ({pct(r['share'])})"
        for _, r in vital.iterrows()
    ]
    n_cat = int(table["merged"].sum())
    cum = float(vital["share"].sum()) if len(vital) else float("nan")
    reached = len(vital) > 0 and cum >= cut - 1e-9
    if what is None:  # named after what the table counts
        zh, en = _PARETO_UNITS.get(label_col, ("类别", "categories"))
        what = zh if lang == "zh" else en
    else:
        what = md_text(what)
    if lang == "zh":
        text = f"共 {count(total)} 项次不合格，分布在 {n_cat} 个{what}中。"
        if reached:
            text += (
                f"关键少数（累计达到 {pct(cut, 0)} 所需）为 {len(vital)} 个：{_join(names, lang)}，"
                f"合计占 {pct(cum)}。"
            )
        elif len(vital):
            text += (
                f"列出的前 {len(vital)} 个（{_join(names, lang)}）合计只占 {pct(cum)}，未达到 "
                f"{pct(cut, 0)}：不合格分布较分散，没有少数几个主因。"
            )
        return text
    text = f"{count(total)} nonconformities fall into {n_cat} {what}."
    if reached:
        text += (
            f" The vital few (needed to reach {pct(cut, 0)}) are {len(vital)}: "
            f"{_join(names, lang)} — together {pct(cum)}."
        )
    elif len(vital):
        text += (
            f" The {len(vital)} listed ({_join(names, lang)}) account for only {pct(cum)}, short of "
            f"{pct(cut, 0)}: the nonconformities are spread out, no small set of causes dominates."
        )
    return text


def management_share(share: pd.DataFrame | Mapping[str, Any], lang: Lang = "zh") -> str:
    """One row of :func:`qualitykit.stats.pareto.management_share`: the management-controllable share
    with its Wilson interval against the claimed share (Juran's 80 %)."""
    lang = check_lang(lang)
    s = _row(share)
    if not _ok(s.get("management_share")):
        return no_data(
            "没有可归入管理者或操作者可控的不合格项次"
            if lang == "zh"
            else "no nonconformity is classified as management- or operator-controllable",
            lang,
        )
    claim = float(s["claimed_share"])
    lo, hi = float(s["ci_lower"]), float(s["ci_upper"])
    ci = interval(lo, hi, lang, conf=float(s.get("confidence", 0.95)))
    unclassified = int(s["unspecified"]) + int(s["unmapped"])
    if lang == "zh":
        text = (
            f"{count(s['classified'])} 项次已归类的不合格中，管理者可控占 {pct(s['management_share'])}{ci}，"
            f"操作者可控占 {pct(1 - float(s['management_share']))}。"
        )
        if lo <= claim <= hi:
            text += f"“{pct(claim, 0)} 来自管理”的说法落在置信区间内：数据与之相符。"
        elif lo > claim:
            text += f"置信区间整体高于 {pct(claim, 0)}：管理者可控的比例比该说法更高，数据不支持“恰为 {pct(claim, 0)}”。"
        else:
            text += f"置信区间整体低于 {pct(claim, 0)}：数据不支持该说法。"
        if unclassified:
            text += f"另有 {count(unclassified)} 项次未能归类，未计入分母。"
        text += "归类依据原因对照表（data/causes），其本身是一种判断。"
        return text
    text = (
        f"Of {count(s['classified'])} classified nonconformities, {pct(s['management_share'])} are "
        f"management-controllable{ci} and {pct(1 - float(s['management_share']))} "
        "operator-controllable."
    )
    if lo <= claim <= hi:
        text += f" The claim that {pct(claim, 0)} come from management lies inside the interval: the data agree with it."
    elif lo > claim:
        text += (
            f" The whole interval lies above {pct(claim, 0)}: management's share is larger than the "
            f"claim; the data do not support exactly {pct(claim, 0)}."
        )
    else:
        text += (
            f" The whole interval lies below {pct(claim, 0)}: the data do not support the claim."
        )
    if unclassified:
        text += f" {count(unclassified)} nonconformities could not be classified and are left out."
    text += " The classification follows the cause map (data/causes), itself a judgement."
    return text


def comparison(result: Any, group: str, category: str, lang: Lang = "zh", *, top: int = 3) -> str:
    """A :class:`qualitykit.stats.pareto.GroupComparison`: the χ² test and the largest changes in share
    whose interval excludes 0."""
    lang = check_lang(lang)
    test = result.test.iloc[0]
    d = result.differences
    sig = d[(d["ci_lower_pp"] > 0) | (d["ci_upper_pp"] < 0)]
    sig = sig.reindex(sig["diff_pp"].abs().sort_values(ascending=False).index).head(top)
    significant = float(test["p_value"]) < 0.05
    if lang == "zh":
        text = (
            f"{int(test['groups'])} 组的不合格结构"
            + ("差异显著" if significant else "没有显著差异")
            + f"（χ² = {_num(test['statistic'], 1)}，自由度 {int(test['df'])}，{_pval(test['p_value'])}，"
            f"Cramér V = {_num(test['cramers_v'], 2)}）。"
        )
        if len(sig):
            parts = [
                f"{md_text(r[group])} 的 {md_text(label_value(r[category], lang, category))} "
                f"占比 {pct(r['share'])}，比 {md_text(r['reference'])} "
                f"{pp(r['diff_pp'], lang)}{interval(r['ci_lower_pp'], r['ci_upper_pp'], lang, kind='pp')}"
                for _, r in sig.iterrows()
            ]
            text += "单项比较中区间不含 0 的变化：" + "；".join(parts) + "。"
        if float(test["share_expected_below_5"]) > 0.2:
            text += "期望频数小于 5 的格子超过 20%，χ² 近似可能不准。"
        return text
    text = (
        f"The nonconformity mix of the {int(test['groups'])} groups "
        + ("differs significantly" if significant else "does not differ significantly")
        + f" (χ² = {_num(test['statistic'], 1)}, df {int(test['df'])}, {_pval(test['p_value'])}, "
        f"Cramér's V = {_num(test['cramers_v'], 2)})."
    )
    if len(sig):
        parts = [
            f"{md_text(label_value(r[category], lang, category))} in {md_text(r[group])}: "
            f"{pct(r['share'])}, {pp(r['diff_pp'], lang)} vs {md_text(r['reference'])}"
            f"{interval(r['ci_lower_pp'], r['ci_upper_pp'], lang, kind='pp')}"
            for _, r in sig.iterrows()
        ]
        text += " Changes whose interval excludes 0, taken one at a time: " + "; ".join(parts) + "."
    if float(test["share_expected_below_5"]) > 0.2:
        text += " More than 20 % of expected counts are below 5: the χ² approximation may be poor."
    return text


# --------------------------------------------------------------------------------------------
# benchmarks
# --------------------------------------------------------------------------------------------


def _names(frame: pd.DataFrame, column: str | None, limit: int = 8) -> list[str]:
    col = column or next(
        (c for c in ("name", "name_zh", "region_code") if c in frame.columns), None
    )
    if col is None:
        return [md_text(i) for i in frame.index[:limit]]
    return [md_text(v) for v in frame[col].astype(str).head(limit)]


def overdispersion(od: Mapping[str, Any] | Any, lang: Lang = "zh") -> str:
    """An :class:`qualitykit.stats.benchmark.Overdispersion` (or its dict): φ, the test and τ²."""
    lang = check_lang(lang)
    o = od if isinstance(od, Mapping) else od.__dict__
    if not _ok(o.get("phi")):
        return no_data(
            "超离散需要至少 2 个单位" if lang == "zh" else "overdispersion needs 2 units or more",
            lang,
        )
    tau = math.sqrt(float(o["tau2"])) if _ok(o.get("tau2")) else float("nan")
    if lang == "zh":
        text = (
            f"{int(o['k'])} 个单位围绕平均水平 {pct(o['target'])} 的离散度 φ = {_num(o['phi'], 2)}"
            f"（χ² 检验 {_pval(o['p_value'])}）："
        )
        if o["overdispersed"]:
            text += (
                f"单位之间的真实差异超出抽样误差，控制限按 √φ 放宽；随机效应标准差 τ ≈ "
                f"{pp(100 * tau, lang, signed=False)}。"
            )
        else:
            text += "差异在抽样误差范围内，使用精确二项控制限。"
        return text
    text = (
        f"The {int(o['k'])} units vary around the average {pct(o['target'])} with dispersion "
        f"φ = {_num(o['phi'], 2)} (χ² test {_pval(o['p_value'])}): "
    )
    if o["overdispersed"]:
        text += (
            "real differences between units exceed sampling error, so the limits are widened by "
            f"√φ; the random-effects SD is τ ≈ {pp(100 * tau, lang, signed=False)}."
        )
    else:
        text += "the differences are within sampling error; exact binomial limits are used."
    return text


def funnel(
    units: pd.DataFrame,
    lang: Lang = "zh",
    *,
    level: str = "998",
    label_column: str | None = None,
) -> str:
    """:func:`qualitykit.stats.benchmark.funnel_units`: how many units lie above / below the
    ``level`` limits (default 99.8 %) and which."""
    lang = check_lang(lang)
    flag = units[f"flag_{level}"].astype(str)
    high = units[flag == "high"].sort_values("z", ascending=False)
    low = units[flag == "low"].sort_values("z")
    center = float(units["center"].iloc[0])
    lev = f"{level[:2]}.{level[2:]}%" if len(level) > 2 else f"{level}%"
    if lang == "zh":
        text = f"{len(units)} 个单位中，{len(high)} 个高于 {lev} 控制限，{len(low)} 个低于（平均水平 {pct(center)}）。"
        if len(high):
            text += f"高于：{_join(_names(high, label_column), lang)}。"
        if len(low):
            text += f"低于：{_join(_names(low, label_column), lang)}。"
        text += "控制限内的单位与平均水平的差异可能只是抽样波动，不宜排名。"
        return text
    text = (
        f"Of {len(units)} units, {len(high)} lie above and {len(low)} below the {lev} limits "
        f"(average {pct(center)})."
    )
    if len(high):
        text += f" Above: {_join(_names(high, label_column), lang)}."
    if len(low):
        text += f" Below: {_join(_names(low, label_column), lang)}."
    text += (
        " Units inside the limits may differ from the average by chance alone: do not rank them."
    )
    return text


def ranks(table: pd.DataFrame, lang: Lang = "zh", *, label_column: str | None = None) -> str:
    """:func:`qualitykit.stats.benchmark.rank_intervals`: how wide the rank intervals are and which
    units are confidently in the top or bottom quarter."""
    lang = check_lang(lang)
    n = len(table)
    width = (table["rank_upper"] - table["rank_lower"]).to_numpy(dtype=float)
    q = max(1, int(math.floor(n / 4)))
    top = table[table["rank_upper"] <= q].sort_values("rank")
    bottom = table[table["rank_lower"] > n - q].sort_values("rank")
    med = float(np.median(width)) if n else float("nan")
    if lang == "zh":
        text = f"{n} 个单位排名区间宽度的中位数为 {_num(med, 0)} 位。"
        text += (
            f"可以确定位于前四分之一（前 {q} 名）的：{_join(_names(top, label_column), lang)}。"
            if len(top)
            else f"没有单位可以确定位于前 {q} 名。"
        )
        text += (
            f"可以确定位于后四分之一的：{_join(_names(bottom, label_column), lang)}。"
            if len(bottom)
            else "没有单位可以确定位于后四分之一。"
        )
        return text
    text = f"The median width of the rank intervals of {n} units is {_num(med, 0)} places."
    text += (
        f" Confidently in the top quarter (ranks 1–{q}): {_join(_names(top, label_column), lang)}."
        if len(top)
        else f" No unit is confidently in the top {q}."
    )
    text += (
        f" Confidently in the bottom quarter: {_join(_names(bottom, label_column), lang)}."
        if len(bottom)
        else " No unit is confidently in the bottom quarter."
    )
    return text


def shrinkage(table: pd.DataFrame, lang: Lang = "zh", *, label_column: str | None = None) -> str:
    """:func:`qualitykit.stats.benchmark.eb_shrinkage`: the prior, the typical and the largest
    shrinkage."""
    lang = check_lang(lang)
    prior = table.attrs.get("prior", {})
    mean = prior.get("mean", float(table["prior_mean"].iloc[0]))
    prec = prior.get("precision", float("nan"))
    most = table.loc[table["shrinkage"].idxmax()]
    name = _names(table.loc[[most.name]], label_column)[0]
    if lang == "zh":
        return (
            f"各单位真实合格率的先验分布均值为 {pct(mean)}，相当于 {_num(prec, 0)} 个“虚拟批次”。"
            f"批次越少，估计越向均值收缩：收缩系数中位数 {_num(table['shrinkage'].median(), 2)}，最大的是 "
            f"{name}（{count(most['batches'])} 批次，{pct(most['pass_rate'])} → {pct(most['shrunk_rate'])}）。"
        )
    return (
        f"The prior of the true pass rates has mean {pct(mean)} and weighs as much as "
        f"{_num(prec, 0)} batches. Units with few batches are pulled towards the mean: the median "
        f"shrinkage is {_num(table['shrinkage'].median(), 2)}, the largest {name} "
        f"({count(most['batches'])} batches, {pct(most['pass_rate'])} → {pct(most['shrunk_rate'])})."
    )


_VERDICTS = {
    "met with confidence": {"zh": "确定达到", "en": "met with confidence"},
    "met (point estimate)": {"zh": "点估计达到", "en": "met (point estimate)"},
    "not met": {"zh": "未达到", "en": "not met"},
    "not met with confidence": {"zh": "确定未达到", "en": "not met with confidence"},
}


def relative_target(
    table: pd.DataFrame, k_pp: float, lang: Lang = "zh", *, label_column: str | None = None
) -> str:
    """:func:`qualitykit.stats.benchmark.relative_target`: how many units meet "k pp above the
    parent average", by verdict, and which are confidently above."""
    lang = check_lang(lang)
    n = len(table)
    counts = table["verdict"].astype(str).value_counts()
    conf = table[table["verdict"] == "met with confidence"].sort_values("gap_pp", ascending=False)
    parent = float(table["parent_rate"].iloc[0]) if n else float("nan")
    parts = [
        f"{_VERDICTS[v][lang]} {int(counts.get(v, 0))}" for v in _VERDICTS if int(counts.get(v, 0))
    ]
    if lang == "zh":
        text = (
            f"以上级平均 {pct(parent)} 为基准，要求高出 {pp(k_pp, lang, signed=False)}："
            + "，".join(parts)
            + f"（共 {n} 个）。"
        )
        if len(conf):
            text += f"确定达到的：{_join(_names(conf, label_column), lang)}。"
        return text
    text = (
        f"Against the parent average of {pct(parent)} and a required margin of "
        f"{pp(k_pp, lang, signed=False)}: " + ", ".join(parts) + f" (of {n})."
    )
    if len(conf):
        text += f" Met with confidence: {_join(_names(conf, label_column), lang)}."
    return text


# --------------------------------------------------------------------------------------------
# targets and districts
# --------------------------------------------------------------------------------------------


def status_label(status: object, lang: Lang = "zh") -> str:
    """A scorecard status (``met``, ``not_met``, ``on_track``, ``off_track``, ``no_data``,
    ``qualitative``) in words."""
    entry = _STATUS.get(str(status))
    return entry[lang] if entry else str(status)


def flag_label(flag: object, lang: Lang = "zh") -> str:
    """A funnel flag (``high`` / ``low`` / ``within``) in words."""
    entry = _FLAG.get(str(flag))
    return entry[lang] if entry else str(flag)


def verdict_label(verdict: object, lang: Lang = "zh") -> str:
    """A :func:`qualitykit.stats.benchmark.relative_target` verdict in words."""
    entry = _VERDICTS.get(str(verdict))
    return entry[lang] if entry else str(verdict)


def scorecard(evaluated: pd.DataFrame, lang: Lang = "zh") -> str:
    """A scorecard (one row per target with a ``status`` column): counts by status."""
    lang = check_lang(lang)
    if evaluated is None or len(evaluated) == 0:
        return no_data("没有适用的目标" if lang == "zh" else "no target applies", lang)
    counts = evaluated["status"].astype(str).value_counts()
    order = [s for s in _STATUS if s in counts.index] + [
        s for s in counts.index if s not in _STATUS
    ]
    parts = [f"{md_text(status_label(s, lang))} {int(counts[s])}" for s in order]
    if lang == "zh":
        return f"共 {len(evaluated)} 项目标：" + "，".join(parts) + "。"
    return f"{len(evaluated)} targets: " + ", ".join(parts) + "."


def documents(docs: pd.DataFrame, targets: pd.DataFrame, lang: Lang = "zh") -> str:
    """The documents and targets of a selection of the registry: how many, how many
    quantitative, the span of deadlines."""
    lang = check_lang(lang)
    if len(docs) == 0:
        return no_data("没有符合条件的政策文件" if lang == "zh" else "no document matches", lang)
    quant = targets[~targets["qualitative"].astype(bool)]
    years = targets["deadline_year"].dropna()
    span = _span(int(years.min()), int(years.max()), lang) if len(years) else "–"
    if lang == "zh":
        return (
            f"{len(docs)} 份文件共 {len(targets)} 项目标，其中 {len(quant)} 项为定量目标、"
            f"{len(targets) - len(quant)} 项为定性目标；期限为 {span}。"
        )
    return (
        f"{len(docs)} document(s) with {len(targets)} targets: {len(quant)} quantitative, "
        f"{len(targets) - len(quant)} qualitative aims; deadlines {span}."
    )


def targets_compared(targets: pd.DataFrame, lang: Lang = "zh") -> str:
    """Spot-check pass-rate targets across documents (:func:`qualitykit.policy.targets.targets_table`
    rows): the range of absolute thresholds and the relative ("above the average") targets."""
    lang = check_lang(lang)
    if len(targets) == 0:
        return no_data(
            "没有抽查合格率目标" if lang == "zh" else "no spot-check pass-rate target", lang
        )
    absolute = targets[
        targets["comparator"].isin([">=", "==", "range"]) & (targets["unit"] == "pct")
    ]
    lows = absolute["lower"].astype("float64")
    relative = targets[targets["comparator"].astype(str).str.startswith("above_reference")]
    docs = targets["document_id"].nunique()
    years = targets["deadline_year"].dropna()
    span = _span(int(years.min()), int(years.max()), lang) if len(years) else "–"
    if lang == "zh":
        text = f"{docs} 份文件设定了 {len(targets)} 项抽查合格率目标，期限 {span}。"
        if len(absolute):
            lo, hi = absolute.loc[lows.idxmin()], absolute.loc[lows.idxmax()]
            text += (
                f"绝对目标 {len(absolute)} 项，要求从 {lows.min():g}%（{md_text(lo['target_id'])}）到 "
                f"{lows.max():g}%（{md_text(hi['target_id'])}）。"
            )
        if len(relative):
            text += f"相对目标 {len(relative)} 项，要求高于某一上级平均水平。"
        return text
    text = f"{docs} document(s) set {len(targets)} spot-check pass-rate targets, deadlines {span}."
    if len(absolute):
        lo, hi = absolute.loc[lows.idxmin()], absolute.loc[lows.idxmax()]
        text += (
            f" {len(absolute)} are absolute, asking for {lows.min():g}% "
            f"({md_text(lo['target_id'])}) up to {lows.max():g}% ({md_text(hi['target_id'])})."
        )
    if len(relative):
        text += f" {len(relative)} are relative: above the average of a parent region."
    return text


def national_series(series: pd.DataFrame, lang: Lang = "zh") -> str:
    """The annual national spot-check figures (:func:`qualitykit.data.reference.national_pass_rate_series`):
    the last published pass rate (to 2017), the first and last NC rate (from 2018)."""
    lang = check_lang(lang)
    p = series[series["pass_rate_pct"].notna()].sort_values("year")
    nc = series[series["nc_rate_pct"].notna() & (series["year"] >= 2018)].sort_values("year")
    parts = []
    if len(p):
        a, b = p.iloc[0], p.iloc[-1]
        parts.append(
            (
                f"批次合格率 {int(a['year'])} 年为 {a['pass_rate_pct']:.1f}%，{int(b['year'])} 年为 {b['pass_rate_pct']:.1f}%"
                f"（{len(p)} 个年度数据）"
            )
            if lang == "zh"
            else (
                f"the batch pass rate was {a['pass_rate_pct']:.1f}% in {int(a['year'])} and "
                f"{b['pass_rate_pct']:.1f}% in {int(b['year'])} ({len(p)} annual figures)"
            )
        )
    if len(nc):
        a, b = nc.iloc[0], nc.iloc[-1]
        parts.append(
            f"不合格发现率 {int(a['year'])} 年为 {a['nc_rate_pct']:.1f}%，{int(b['year'])} 年为 {b['nc_rate_pct']:.1f}%"
            if lang == "zh"
            else f"the NC rate was {a['nc_rate_pct']:.1f}% in {int(a['year'])} and {b['nc_rate_pct']:.1f}% in {int(b['year'])}"
        )
    if lang == "zh":
        return (
            "国家监督抽查公布的数字："
            + "；".join(parts)
            + "。2018 年起市场监管总局改为公布不合格发现率，"
            "两者口径不同，不能直接拼接成一条序列；样本是风险导向的，并非随机样本。"
        )
    return (
        "Published national spot-check figures: " + "; ".join(parts) + ". From 2018 SAMR publishes "
        "the NC rate instead of the pass rate; the two are defined differently and are not joined "
        "into one series. The samples are risk-targeted, not random."
    )


def published(
    table: pd.DataFrame,
    value: str,
    lang: Lang = "zh",
    *,
    name: str,
    target: float | None = None,
    target_year: int | None = None,
    kind: Literal["pct", "index"] = "pct",
) -> str:
    """A published series (one row per year, ``value`` a proportion or index points): first and
    latest value and, with ``target``, the distance of the latest value to it."""
    lang = check_lang(lang)
    t = table[table[value].notna()].sort_values("year")
    if t.empty:
        return no_data(name, lang)
    name = md_text(name)

    def fmt(v: float) -> str:
        return pct(v, 2) if kind == "pct" else f"{float(v):.2f}"

    a, b = t.iloc[0], t.iloc[-1]
    gap = None if target is None else float(b[value]) - target
    if lang == "zh":
        text = (
            f"{name}：{int(a['year'])} 年 {fmt(a[value])}，最新为 {int(b['year'])} 年 {fmt(b[value])}"
            f"（共 {len(t)} 个公布值）。"
        )
        if gap is not None:
            diff = pp(100 * gap, lang, 2) if kind == "pct" else f"{gap:+.2f} 点"
            when = f"{target_year} 年" if target_year else ""
            text += f"{when}目标为 ≥ {fmt(target)}，最新值与目标相差 {diff}（{'已达到' if gap >= 0 else '尚未达到'}）。"
        return text
    text = (
        f"{name}: {fmt(a[value])} in {int(a['year'])}, latest {fmt(b[value])} in {int(b['year'])} "
        f"({len(t)} published values)."
    )
    if gap is not None:
        diff = pp(100 * gap, lang, 2) if kind == "pct" else f"{gap:+.2f} points"
        when = f" for {target_year}" if target_year else ""
        text += (
            f" The target{when} is ≥ {fmt(target)}; the latest value is {diff} from it "
            f"({'reached' if gap >= 0 else 'not yet reached'})."
        )
    return text


def size_mix(table: pd.DataFrame, rates: pd.DataFrame | None = None, lang: Lang = "zh") -> str:
    """The published share of small firms among the enterprises of national spot checks
    (:func:`qualitykit.data.national.small_firm_share`), and — from the latest year of ``rates``
    (:func:`qualitykit.data.national.size_class_rates`) with an NC rate for every size — how much more
    often small firms fail."""
    lang = check_lang(lang)
    t = table.sort_values("year")
    if t.empty:
        return no_data("小型企业占比" if lang == "zh" else "share of small firms", lang)
    a, b = t.iloc[0], t.iloc[-1]
    zh = lang == "zh"
    text = (
        f"受检企业中小型企业的占比从 {int(a['year'])} 年（{md_text(a['period'])}）的 {pct(a['small_share'])} "
        f"升至 {int(b['year'])} 年的 {pct(b['small_share'])}。"
        if zh
        else f"Small firms made up {pct(a['small_share'])} of the enterprises checked in "
        f"{int(a['year'])} ({md_text(a['period'])}) and {pct(b['small_share'])} in {int(b['year'])}."
    )
    if rates is None:
        return text
    nc = rates.dropna(subset=["nc_rate"]).pivot_table(
        index="year", columns="size_class", values="nc_rate", aggfunc="first"
    )
    nc = nc.dropna(subset=[c for c in ("large", "medium", "small") if c in nc.columns])
    if nc.empty or not {"large", "medium", "small"} <= set(nc.columns):
        return text
    year = int(nc.index.max())
    r = nc.loc[year]
    worse = r["small"] > max(r["large"], r["medium"])
    if zh:
        text += (
            f"{year} 年小型企业的不合格发现率为 {pct(r['small'])}，大型 {pct(r['large'])}、中型 "
            f"{pct(r['medium'])}。"
        )
        text += (
            "小型企业不合格更多，样本向小企业倾斜本身就会拉低全国的粗合格率：不同年份的粗合格率不宜直接比较，"
            "应按固定的行业 × 规模结构标准化（见 01_quality_trends）。"
            if worse
            else "小型企业的不合格发现率并不最高，样本结构的变化对粗合格率的影响方向不确定。"
        )
        return text
    text += (
        f" In {year} the NC rate of small firms was {pct(r['small'])}, of large {pct(r['large'])} "
        f"and medium {pct(r['medium'])}."
    )
    text += (
        " Small firms fail more often, so the shift towards them alone lowers the national crude "
        "rate: compare years only after standardising to a fixed industry × size mix (see "
        "01_quality_trends)."
        if worse
        else " Small firms do not have the highest NC rate, so the direction of the composition "
        "effect is unclear."
    )
    return text


def district_position(position: pd.DataFrame | Mapping[str, Any], lang: Lang = "zh") -> str:
    """One district's row of the province comparison (:mod:`qualitykit.report.district`): funnel flag,
    rank interval and shrunken estimate."""
    lang = check_lang(lang)
    r = _row(position)
    flag = str(r.get("flag_998", "within"))
    flag95 = str(r.get("flag_95", "within"))
    n = int(r["n_units"])
    prov = md_text(r.get("province_name", ""))
    lo, hi = r.get("shrunk_lower"), r.get("shrunk_upper")
    shr = ""
    if _ok(lo) and _ok(hi):  # an empirical-Bayes posterior interval, not a confidence interval
        shr = (
            f"（95% 后验区间 {pct(lo)} 至 {pct(hi)}）"
            if lang == "zh"
            else f" (95% posterior interval {pct(lo)} to {pct(hi)})"
        )
    if lang == "zh":
        text = (
            f"与{prov}平均水平 {pct(r['center'])} 相比，本区县的合格率 {pct(r['pass_rate'])} "
            f"{_FLAG[flag]['zh']}（99.8%）"
        )
        if flag == "within" and flag95 != "within":
            text += f"，但{_FLAG[flag95]['zh']}（95%，需关注）"
        text += (
            f"。在全省 {n} 个区县中排名 {_num(r['rank'], 0)}（95% 区间 {_num(r['rank_lower'], 0)}–"
            f"{_num(r['rank_upper'], 0)}）；收缩估计 {pct(r['shrunk_rate'])}{shr}。"
        )
        return text
    text = (
        f"Against the {prov} average of {pct(r['center'])}, the district's pass rate of "
        f"{pct(r['pass_rate'])} lies {_FLAG[flag]['en']} (99.8%)"
    )
    if flag == "within" and flag95 != "within":
        text += f" but {_FLAG[flag95]['en']} at 95% (worth watching)"
    text += (
        f". It ranks {_num(r['rank'], 0)} of {n} districts (95% interval {_num(r['rank_lower'], 0)}–"
        f"{_num(r['rank_upper'], 0)}); its shrunken estimate is {pct(r['shrunk_rate'])}{shr}."
    )
    return text


def district_summary(summary: Mapping[str, Any], lang: Lang = "zh") -> str:
    """The summary paragraph of a district brief from its ``summary.json`` fields (empty for a
    district without records: :func:`qualitykit.report.framework.start` has said so)."""
    lang = check_lang(lang)
    s = summary
    name = md_text(s.get("name") or s.get("region_code"))
    if s.get("data_status") == "no_data":
        return ""  # the report's header already says that there are no records
    years = (s["year_from"], s["year_to"])
    ci = interval(s.get("ci_lower"), s.get("ci_upper"), lang)
    tr = s.get("trend_direction")
    flag = s.get("funnel_flag")
    top = md_text(s["top_item"]) if s.get("top_item") else None
    status = s.get("target_status")
    if lang == "zh":
        text = f"{name}{_span(*years, lang)}抽查 {count(s['batches'])} 批次，批次合格率 {pct(s['pass_rate'])}{ci}。"
        if tr in ("rising", "falling", "flat"):
            word = {"rising": "上升", "falling": "下降", "flat": "没有明确趋势"}[tr]
            text += f"趋势：{word}（平均每年 {pp(s.get('trend_pp'), lang, 2)}）。"
        if flag in _FLAG:
            text += f"在全省漏斗图中{_FLAG[flag]['zh']}。"
        if top:
            text += f"最常见的不合格项目是{top}（占 {pct(s.get('top_item_share'))}）。"
        if status:
            text += f"目标状态：{md_text(status_label(status, lang))}。"
        return text
    text = (
        f"{name} had {count(s['batches'])} batches checked in {_span(*years, lang)}, a batch pass "
        f"rate of {pct(s['pass_rate'])}{ci}."
    )
    if tr in ("rising", "falling", "flat"):
        word = {"rising": "rising", "falling": "falling", "flat": "no clear trend"}[tr]
        text += f" Trend: {word} ({pp(s.get('trend_pp'), lang, 2)} per year on average)."
    if flag in _FLAG:
        text += f" In the province's funnel it lies {_FLAG[flag]['en']}."
    if top:
        text += f" The most frequent nonconforming item is {top} ({pct(s.get('top_item_share'))})."
    if status:
        text += f" Target status: {md_text(status_label(status, lang))}."
    return text


_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"'`\\]+")
"""A web address that can stand in a Markdown autolink as it is (anything else is shown as text)."""


def source_list(urls: Iterable[object], lang: Lang = "zh") -> str:
    """A Markdown list of the distinct source URLs (in first-seen order)."""
    lang = check_lang(lang)
    seen: list[str] = []
    for u in urls:
        if isinstance(u, str) and u and u not in seen:
            seen.append(u)
    head = "来源：" if lang == "zh" else "Sources:"
    items = [f"- <{u}>" if _WEB_ADDRESS.fullmatch(u) else f"- {md_text(u)}" for u in seen]
    return head + "\n\n" + "\n".join(items) if seen else ""
