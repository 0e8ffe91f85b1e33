"""Sentences on rates and trends: pooled and yearly pass rates, standardised rates, the GLM
trend, the segmented regression, the control chart and the forecast to a deadline.

Directions follow intervals (a trend is rising only when its slope's interval lies above 0);
overdispersion is named only when the dispersion test says so; a forecast or a counterfactual is
narrated only where the model supports it (:mod:`qualitykit.stats.adequacy`): a trend whose
slope is not clear, or whose straight line misses the recent years, is not extrapolated, and a
counterfactual far outside everything observed is flagged instead of read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.policy.status import PROB_OFF_TRACK, PROB_ON_TRACK
from qualitykit.report.narrative._format import (
    Lang,
    check_lang,
    count,
    direction,
    interval,
    md_text,
    no_data,
    num,
    ok,
    pct,
    pp,
    prob,
    pval,
    row_of,
    span,
    term_row,
)
from qualitykit.stats import adequacy
from qualitykit.stats.trends import separated_at

__all__ = [
    "control_chart",
    "forecast",
    "pass_rate",
    "segmented",
    "standardised",
    "trend",
    "yearly_rates",
]

RECENT_YEARS = 5
"""The window of :func:`qualitykit.stats.adequacy.recent_fit` a forecast is checked against."""


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
    r = row_of(rate)
    name = md_text(name)
    when = "" if years is None else span(*years, lang)
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
        return text if len(y) > 1 else _one_year(first, lang)
    text = (
        f"The batch pass rate was {pct(first['pass_rate'])} in {int(first['year'])} "
        f"({count(first['batches'])} batches) and {pct(last['pass_rate'])} in {int(last['year'])} "
        f"({count(last['batches'])} batches); the lowest year was {int(lo['year'])} "
        f"({pct(lo['pass_rate'])}), the highest {int(hi['year'])} ({pct(hi['pass_rate'])})."
    )
    small = y[y["batches"] < 30]
    if len(small):
        n = len(small)
        text += (
            f" {n} year{'s have' if n != 1 else ' has'} fewer than 30 batches: "
            f"{'their intervals are' if n != 1 else 'its interval is'} wide."
        )
    return text if len(y) > 1 else _one_year(first, lang)


def _one_year(row: Any, lang: Lang) -> str:
    if lang == "zh":
        return (
            f"只有 {int(row['year'])} 年一年的数据：批次合格率 {pct(row['pass_rate'])}"
            f"（{count(row['batches'])} 批次）。"
        )
    return (
        f"Only one year of data, {int(row['year'])}: a batch pass rate of "
        f"{pct(row['pass_rate'])} ({count(row['batches'])} batches)."
    )


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


def _dispersion_sentence(phi: float, df_resid: float, scale: float, lang: Lang) -> str:
    """φ with its test: overdispersion named only when the test finds it."""
    if not ok(phi):
        return ""
    p = adequacy.dispersion_test(phi, df_resid)
    widened = ok(scale) and float(scale) > 1.0
    if ok(p) and p < 0.05:
        if lang == "zh":
            return (
                f"各期之间的波动超出二项抽样误差：φ = {num(phi, 2)}，离散检验 {pval(p)}（过度离散）"
                + ("，区间已按拟二项尺度放宽。" if widened else "。")
            )
        return (
            f" Periods vary more than binomial sampling allows: φ = {num(phi, 2)}, dispersion test "
            f"{pval(p)} (overdispersion)"
            + ("; the intervals use the quasi-binomial scale." if widened else ".")
        )
    test = f"，离散检验 {pval(p)}" if ok(p) else ""
    test_en = f", dispersion test {pval(p)}" if ok(p) else ""
    if lang == "zh":
        return f"离散度 φ = {num(phi, 2)}{test}：未见过度离散" + (
            "（区间仍按 φ 略为放宽）。" if widened else "。"
        )
    return f" The dispersion φ = {num(phi, 2)}{test_en} shows no overdispersion" + (
        " (the intervals are still widened by φ)." if widened else "."
    )


def _when(t: float, lang: Lang, quarterly: bool) -> str:
    """A time of a trend table: a year, or a year and quarter (t = year + (quarter − 1)/4)."""
    year = int(np.floor(t))
    if not quarterly:
        return f"{year} 年" if lang == "zh" else str(year)
    q = int(round((t - year) * 4)) + 1
    return f"{year} 年第 {q} 季度" if lang == "zh" else f"{year} Q{q}"


def _no_trend(result: Any, who: str, lang: Lang) -> str:
    """Why no trend is stated (``TrendResult.not_estimable``, or fewer than 3 time points)."""
    why = getattr(result, "not_estimable", None)
    fitted = result.fitted
    n = len(fitted)
    split = None
    if why == "separated":
        t = fitted["t"].to_numpy(dtype=float)
        passed = fitted["passed"].to_numpy(dtype=float)
        split = separated_at(t, passed, fitted["batches"].to_numpy(dtype=float))
    if split is not None:
        at, late = _when(split[0], lang, bool(getattr(result, "quarterly", False))), split[1]
        if lang == "zh":
            where = (
                f"不合格批次都出现在 {at}及以后，合格批次都在 {at}及以前"
                if late
                else f"不合格批次都出现在 {at}及以前，合格批次都在 {at}及以后"
            )
            return (
                f"{who}的趋势无法估计：{where}——合格与不合格在时间上完全分开，logit 趋势的斜率"
                "没有有限的最大似然估计（Albert & Anderson 1984），因此不作趋势判断。"
            )
        where = (
            f"every failing batch is in {at} or later and every passing batch in {at} or earlier"
            if late
            else f"every failing batch is in {at} or earlier and every passing batch in {at} or later"
        )
        return (
            f"No trend can be estimated for {who}: {where} — passes and failures are separated "
            "in time, and the logit trend has no finite maximum-likelihood slope (Albert & "
            "Anderson 1984), so no trend is stated."
        )
    if why in ("all_passed", "all_failed"):
        every = {"all_passed": ("全部合格", "passed"), "all_failed": ("全部不合格", "failed")}[why]
        if lang == "zh":
            return f"{who}的趋势无法估计：共 {n} 个时间点，各期{every[0]}。"
        return f"No trend can be estimated for {who}: every batch {every[1]} in each of the {n} periods."
    if lang == "zh":
        return f"{who}的趋势无法估计：只有 {n} 个时间点（至少需要 3 个）。"
    return f"No trend can be estimated for {who}: {n} time point(s) (at least 3 are needed)."


def trend(result: Any, lang: Lang = "zh", *, name: str | None = None) -> str:
    """A :class:`qualitykit.stats.trends.TrendResult`: direction (by the slope's interval), average
    change in pp per year with its interval, the odds ratio, and the dispersion φ with its test
    (:func:`qualitykit.stats.adequacy.dispersion_test`). With fewer than 3 time points no trend
    is stated (as the scorecard)."""
    lang = check_lang(lang)
    fitted = result.fitted
    slope = term_row(result.terms, "slope_logit")
    mean = term_row(result.terms, "change_pp_per_year_mean")
    orr = term_row(result.terms, "odds_ratio_per_year")
    who = md_text(name) if name else ("合格率" if lang == "zh" else "the pass rate")
    if not slope or not ok(slope.get("estimate")) or result.n_points < 3:
        return _no_trend(result, who, lang)
    y0, y1 = int(np.floor(fitted["t"].min())), int(np.floor(fitted["t"].max()))
    d = direction(slope["ci_lower"], slope["ci_upper"])
    conf = result.conf
    ci = interval(mean["ci_lower"], mean["ci_upper"], lang, kind="pp", conf=conf, digits=2)
    disp = _dispersion_sentence(result.phi, result.df_resid, result.scale, lang)
    if lang == "zh":
        verdict = {1: "呈上升趋势", -1: "呈下降趋势", 0: "没有统计上明确的趋势"}[d]
        return (
            f"{span(y0, y1, lang)}{who}{verdict}：平均每年变化 {pp(mean['estimate'], lang, 2)}{ci}，"
            f"每年的优势比为 {num(orr['estimate'], 3)}。{disp}"
        )
    verdict = {1: "is rising", -1: "is falling", 0: "shows no statistically clear trend"}[d]
    return (
        f"Over {span(y0, y1, lang)} {who} {verdict}: on average {pp(mean['estimate'], lang, 2)} "
        f"per year{ci}, an odds ratio of {num(orr['estimate'], 3)} per year.{disp}"
    )


def _counterfactual_flag(result: Any, lang: Lang) -> str:
    """A warning when the counterfactual (pre-period trend continued) ends outside every observed
    rate while reaching further than the pre-period itself spans: an extrapolation, not an
    estimate of "no programme"."""
    f = result.fitted
    if f is None or "counterfactual" not in f or f.empty or "post" not in f:
        return ""
    post = f[f["post"].astype(bool)]
    pre = f[~f["post"].astype(bool)]
    if post.empty or pre.empty:
        return ""
    cf = float(post["counterfactual"].iloc[-1])
    obs = f["observed"].to_numpy(dtype=float, na_value=np.nan)
    lo, hi = float(np.nanmin(obs)), float(np.nanmax(obs))
    pre_span = float(pre["time"].max() - pre["time"].min())
    reach = float(post["time"].max() - pre["time"].max())
    if not (ok(cf) and (cf < lo or cf > hi) and reach > pre_span):
        return ""
    year = int(np.floor(float(post["time"].iloc[-1])))
    side_zh, side_en = ("低于", "below") if cf < lo else ("高于", "above")
    edge = lo if cf < lo else hi
    n_pre = len(pre)
    if lang == "zh":
        return (
            f"注意：反事实线（实施前趋势延续）到 {year} 年为 {pct(cf)}，{side_zh}任何观测值"
            f"（{'最低' if cf < lo else '最高'} {pct(edge)}）。它由实施前 {n_pre} 个时间点"
            f"（跨 {num(pre_span, 1)} 年）外推 {num(reach, 1)} 年得来，超出模型所能支持的范围，"
            "不能作为“没有政策时”的水平来解读。"
        )
    return (
        f" Note: the counterfactual (the pre-programme trend continued) reaches {pct(cf)} by "
        f"{year}, {side_en} every observed rate ({'lowest' if cf < lo else 'highest'} "
        f"{pct(edge)}). It extrapolates {n_pre} pre-programme time points (spanning "
        f"{num(pre_span, 1)} years) over {num(reach, 1)} years, beyond what the model supports: "
        'it cannot be read as the level "without the programme".'
    )


_SEGMENT_DATA = {
    "all_passed": ("各期全部合格", "every batch passed"),
    "all_failed": ("各期全部不合格", "every batch failed"),
    "no_events": ("各期都没有事件", "there were no events"),
    "in_time": ("合格与不合格在时间上完全分开", "passes and failures are separated in time"),
}


def _separated_segment(split: tuple[str, str], break_at: float, src: str, lang: Lang) -> str:
    """Why a segmented regression has no estimate: one side of the break is separated
    (``SegmentedResult.separated``)."""
    side, kind = split
    zh, en = _SEGMENT_DATA[kind]
    if lang == "zh":
        where = "之前" if side == "pre" else "之后"
        return (
            f"政策实施时点 {break_at:.2f}{src}{where}{zh}：分段回归的参数没有有限的最大似然估计"
            "（Albert & Anderson 1984），无法估计实施时的跳变和趋势变化。"
        )
    where = "before" if side == "pre" else "after"
    return (
        f"{where.capitalize()} the programme start {break_at:.2f}{src} {en}: the segmented "
        "regression has no finite maximum-likelihood estimate (Albert & Anderson 1984), so the "
        "level and slope changes at the start cannot be estimated."
    )


def segmented(
    result: Any, break_at: float, lang: Lang = "zh", *, document: str | None = None
) -> str:
    """A :class:`qualitykit.stats.trends.SegmentedResult` (binomial): the level change at the break
    (odds ratio with its interval), the change of slope, and a flag when the counterfactual
    line is an extrapolation far outside the data."""
    lang = check_lang(lang)
    level = term_row(result.terms, "level_change")
    slope = term_row(result.terms, "slope_change")
    doc = md_text(document) if document else ""
    src = f"（{doc}）" if doc and lang == "zh" else (f" ({doc})" if doc else "")
    split = getattr(result, "separated", None)
    if split is not None:
        return _separated_segment(split, break_at, src, lang)
    if not level or not ok(level.get("estimate")):
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
    dl = direction(level["ci_lower"], level["ci_upper"])
    ds = direction(slope.get("ci_lower"), slope.get("ci_upper")) if slope else 0
    lci = interval(level["ratio_lower"], level["ratio_upper"], lang, kind="num", conf=conf)
    has_slope = bool(slope) and ok(slope.get("estimate"))
    sci = (
        interval(slope["ratio_lower"], slope["ratio_upper"], lang, kind="num", conf=conf, digits=3)
        if has_slope
        else ""
    )
    flag = _counterfactual_flag(result, lang)
    if lang == "zh":
        lv = {1: "合格率明显跃升", -1: "合格率明显下降", 0: "合格率没有统计上明确的跳变"}[dl]
        text = (
            f"以 {break_at:.2f}{src}为界（之前 {result.n_pre} 个、之后 {result.n_post} 个时间点），"
            f"实施时{lv}：合格的优势比为 {num(level['ratio'], 2)}{lci}。"
        )
        if has_slope:
            sv = {1: "变得更陡（改善加快）", -1: "变得更缓或转为下降", 0: "没有统计上明确的变化"}[
                ds
            ]
            text += f"实施后的年度趋势{sv}，斜率的优势比变化为 {num(slope['ratio'], 3)}{sci}。"
        return text + flag
    lv = {
        1: "the pass rate jumps up",
        -1: "the pass rate drops",
        0: "there is no statistically clear jump in the pass rate",
    }[dl]
    text = (
        f"At the programme start {break_at:.2f}{src} ({result.n_pre} time points before, "
        f"{result.n_post} after) {lv}: the odds ratio of passing is {num(level['ratio'], 2)}{lci}."
    )
    if has_slope:
        sv = {
            1: "becomes steeper (faster improvement)",
            -1: "becomes flatter or turns down",
            0: "does not change clearly",
        }[ds]
        text += (
            f" After the start the trend {sv}: the slope's odds ratio changes by "
            f"{num(slope['ratio'], 3)}{sci}."
        )
    return text + flag


def control_chart(
    chart: Any, lang: Lang = "zh", *, dispersion: pd.DataFrame | Mapping[str, Any] | None = None
) -> str:
    """A :class:`qualitykit.stats.spc.ControlChart`: which chart and why (the dispersion test), the
    points beyond the limits and the runs analysis."""
    from qualitykit.report.narrative._format import join

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
        d = row_of(dispersion)
        ratio, p = d.get("dispersion_ratio"), d.get("p_value")
        over = ok(p) and float(p) < 0.05  # type: ignore[arg-type]
        if lang == "zh":
            why = f"各期不合格率的方差是二项分布的 {num(ratio, 1)} 倍（离散检验 {pval(p)}），" + (
                "存在过度离散，故用 Laney p′ 图放宽控制限。"
                if over
                else "未见过度离散，故用 p 图。"
            )
        else:
            why = (
                f"The period-to-period variance is {num(ratio, 1)} times the binomial (dispersion "
                f"test {pval(p)}): "
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
                parts.append(f"{join(high, lang)} 高于上控制限（不合格偏多）")
            if low:
                parts.append(f"{join(low, lang)} 低于下控制限（不合格偏少）")
            text += f"{len(beyond)} 个点超出控制限：" + "；".join(parts) + "。"
        text += (
            f"游程分析提示非随机变化（最长游程 {int(summ['longest_run'])}，上限 "
            f"{int(summ['longest_run_max'])}；穿越中心线 {int(summ['n_crossings'])} 次，下限 "
            f"{int(summ['n_crossings_min'])}）。"
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
            parts.append(f"{join(high, lang)} above the upper limit (more failures)")
        if low:
            parts.append(f"{join(low, lang)} below the lower limit (fewer failures)")
        n_b = len(beyond)
        text += f"{n_b} point{'s lie' if n_b != 1 else ' lies'} beyond the limits: "
        text += "; ".join(parts) + "."
    text += (
        f" The runs analysis signals non-random variation (longest run {int(summ['longest_run'])}, "
        f"limit {int(summ['longest_run_max'])}; {int(summ['n_crossings'])} crossings, minimum "
        f"{int(summ['n_crossings_min'])})."
        if runs
        else " The runs analysis shows no non-random pattern."
    )
    return text


def _likelihood(p: object, lang: Lang) -> str:
    """The IPCC likelihood words of the scorecard's bounds (:mod:`qualitykit.policy.status`)."""
    if not ok(p):
        return ""
    v = float(p)  # type: ignore[arg-type]
    if v >= PROB_ON_TRACK:
        return "很可能达到" if lang == "zh" else "likely to be met"
    if v <= PROB_OFF_TRACK:
        return "不太可能达到" if lang == "zh" else "unlikely to be met"
    return "达到与否可能性相当" if lang == "zh" else "about as likely as not to be met"


def _recent_level(recent: Mapping[str, Any], lang: Lang) -> str:
    from qualitykit.stats import metrics

    n, obs = int(recent["batches"]), recent["observed"]
    ci = metrics.binomial_ci(np.array([round(obs * n)]), np.array([n]))
    when = span(recent["year_from"], recent["year_to"], lang)
    lo, hi = ci["ci_lower"].iloc[0], ci["ci_upper"].iloc[0]
    if lang == "zh":
        return f"{when}合计 {count(n)} 批次，合格率 {pct(obs)}{interval(lo, hi, lang)}"
    return f"{count(n)} batches in {when}, a pass rate of {pct(obs)}{interval(lo, hi, lang)}"


def forecast(
    attainment: Any,
    lang: Lang = "zh",
    *,
    conf: float = 0.95,
    trend: Any = None,
) -> str:
    """The attainment row of :func:`qualitykit.stats.trends.forecast` (or the whole
    ``ForecastResult``): the expected rate at the deadline with its interval, the prediction
    interval for a check of that size, and the probabilities of meeting the target, worded as
    probabilities.

    With ``trend`` (the :class:`~qualitykit.stats.trends.TrendResult` forecast from) the forecast
    is first checked against what the model supports: a slope whose interval includes 0, or a
    straight line that misses the last :data:`RECENT_YEARS` years
    (:func:`qualitykit.stats.adequacy.recent_fit`, p < 0.05), is not extrapolated — the sentence
    gives the recent level with its interval instead."""
    lang = check_lang(lang)
    a = row_of(attainment.attainment if hasattr(attainment, "attainment") else attainment)
    year = int(a["year"])
    if not ok(a.get("fitted")):
        return (
            f"无法外推到 {year} 年：趋势不可估计。"
            if lang == "zh"
            else f"No forecast to {year}: the trend could not be estimated."
        )
    has_target = ok(a.get("target"))
    target = pct(a.get("target"))
    if trend is not None:
        slope = term_row(trend.terms, "slope_logit")
        flat = not slope or direction(slope.get("ci_lower"), slope.get("ci_upper")) == 0
        recent = adequacy.recent_fit(trend.fitted, trend.scale, RECENT_YEARS)
        off = ok(recent["p_value"]) and recent["p_value"] < 0.05
        if (flat or off) and recent["batches"] > 0:
            level = _recent_level(recent, lang)
            if lang == "zh":
                why = (
                    "趋势在统计上不明确（斜率的置信区间包含 0）"
                    if flat
                    else f"近年的合格率{'低于' if recent['observed'] < recent['fitted'] else '高于'}"
                    f"直线趋势的拟合值 {pct(recent['fitted'])}（残差检验 {pval(recent['p_value'])}），"
                    "直线趋势不能描述近年的走势"
                )
                text = f"{why}：不据此外推到 {year} 年（直线外推值 {pct(a['fitted'])} 缺乏依据）。"
                text += f"近期水平：{level}。"
                if has_target:
                    text += _against_target(recent, a["target"], lang)
                return text
            why = (
                "the trend is not statistically clear (its slope's interval includes 0)"
                if flat
                else f"recent years lie {'below' if recent['observed'] < recent['fitted'] else 'above'} "
                f"the straight trend's fitted {pct(recent['fitted'])} (residual test "
                f"{pval(recent['p_value'])}): the line does not describe them"
            )
            text = (
                f"No forecast to {year}: {why}, so the straight-line value of {pct(a['fitted'])} "
                f"is not supported. Recent level: {level}."
            )
            if has_target:
                text += _against_target(recent, a["target"], lang)
            return text
    fci = interval(a["fit_lower"], a["fit_upper"], lang, conf=conf)
    level = f"{100 * conf:g}%"
    if lang == "zh":
        text = (
            f"若拟合趋势不变，{year} 年的期望合格率为 {pct(a['fitted'])}{fci}；抽查 "
            f"{count(a['batches'])} 批次时，观测合格率的 {level} 预测区间为 {pct(a['pred_lower'])} 至 "
            f"{pct(a['pred_upper'])}。"
        )
        if has_target:
            p_obs, p_exp = a.get("prob_observed_meets"), a.get("prob_expected_meets")
            text += (
                f"按此趋势，{year} 年公布的合格率不低于目标 {target} 的概率为 {prob(p_obs)}，"
                f"期望合格率不低于目标的概率为 {prob(p_exp)}（{_likelihood(p_obs, lang)}）。"
                "这些概率假定趋势、抽样方案和产品结构均不变。"
            )
        return text
    text = (
        f"If the fitted trend continues, the expected pass rate in {year} is {pct(a['fitted'])}{fci}; "
        f"a check of {count(a['batches'])} batches would give an observed rate between "
        f"{pct(a['pred_lower'])} and {pct(a['pred_upper'])} ({level} prediction interval)."
    )
    if has_target:
        p_obs, p_exp = a.get("prob_observed_meets"), a.get("prob_expected_meets")
        text += (
            f" On this trend, the probability that the published rate in {year} reaches the "
            f"target of {target} is {prob(p_obs)}, and {prob(p_exp)} for the expected rate "
            f"({_likelihood(p_obs, lang)}). These probabilities assume that the trend, the "
            "sampling design and the product mix stay as they were."
        )
    return text


def _against_target(recent: Mapping[str, Any], target: float, lang: Lang) -> str:
    """The recent level's interval against the target: above, below or straddling it."""
    from qualitykit.stats import metrics

    n = int(recent["batches"])
    ci = metrics.binomial_ci(np.array([round(recent["observed"] * n)]), np.array([n]))
    lo, hi = float(ci["ci_lower"].iloc[0]), float(ci["ci_upper"].iloc[0])
    t = float(target)
    if lo >= t:
        return (
            f"其置信区间整体不低于目标 {pct(t)}。"
            if lang == "zh"
            else f" Its interval lies wholly at or above the target of {pct(t)}."
        )
    if hi < t:
        return (
            f"其置信区间整体低于目标 {pct(t)}。"
            if lang == "zh"
            else f" Its interval lies wholly below the target of {pct(t)}."
        )
    return (
        f"其置信区间跨越目标 {pct(t)}：数据无法判定是否达到。"
        if lang == "zh"
        else f" Its interval straddles the target of {pct(t)}: the data cannot tell."
    )
