"""Sentences of the district brief: the district's position among its province's districts and the
summary paragraph (from the fields of ``summary.json``), with the headline target status and its
confidence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qualitykit.report import vocabulary
from qualitykit.report.narrative._format import (
    Lang,
    check_lang,
    count,
    interval,
    md_text,
    num,
    ok,
    pct,
    pp,
    row_of,
    span,
    status_label,
)
from qualitykit.report.narrative.benchmark import limits_text

__all__ = ["district_position", "district_summary", "funnel_position", "status_with_confidence"]


def funnel_position(
    flag_998: object,
    flag_95: object,
    lang: Lang = "zh",
    *,
    row: Mapping[str, Any] | None = None,
    od: Mapping[str, Any] | None = None,
) -> str:
    """Where a unit lies in its funnel, in words that say which limits and what it means: above
    the upper limit is better than the average (news, not a concern), below it worse; a unit
    outside the 95 % but inside the 99.8 % limits is said to be so. ``row`` (with ``z`` and
    ``z_adjusted``) or ``od`` name the limits as exact or widened for overdispersion and explain
    a raw z that looks extreme inside widened limits."""
    lang = check_lang(lang)
    f998, f95 = str(flag_998), str(flag_95)
    lim998 = (
        limits_text(row, lang, level="99.8%", od=od)
        if row is not None
        else ("99.8% 控制限" if lang == "zh" else "the 99.8% limits")
    )
    lim95 = "95% 控制限" if lang == "zh" else "the 95% limits"
    zh = lang == "zh"
    if zh:  # a space between a Chinese word and a number (the house style)
        lim998 = f" {lim998}" if lim998[:1].isascii() else lim998
        lim95 = f" {lim95}"
    if f998 == "high":
        text = (
            f"高于平均水平，超出{lim998}（明显优于平均）"
            if zh
            else f"above the average, beyond {lim998} (clearly better)"
        )
    elif f998 == "low":
        text = (
            f"低于平均水平，超出{lim998}，需关注"
            if zh
            else f"below the average, beyond {lim998}: a concern"
        )
    elif f95 == "high":
        text = (
            f"高于平均水平，超出{lim95}，但在{lim998}内"
            if zh
            else f"above the average, beyond {lim95} but within {lim998}"
        )
    elif f95 == "low":
        text = (
            f"低于平均水平，超出{lim95}，但在{lim998}内，值得留意"
            if zh
            else f"below the average, beyond {lim95} but within {lim998}: worth watching"
        )
    elif f998 == "within":
        text = (
            f"位于{lim95}内，与平均水平的差异可用抽样波动解释"
            if zh
            else f"within {lim95}, its difference from the average within sampling variation"
        )
    else:
        return ""
    if row is not None and ok(row.get("z")) and ok(row.get("z_adjusted")):
        z, za = float(row["z"]), float(row["z_adjusted"])
        if abs(z - za) > 1e-6:
            named = "过度离散" in text or "overdispersion" in text
            if zh:
                text += (
                    f"（原始 z = {num(z, 1)}，按 φ 调整后 z = {num(za, 1)}）"
                    if named
                    else f"（原始 z = {num(z, 1)}；控制限按单位间的过度离散放宽后 z = {num(za, 1)}）"
                )
            else:
                text += (
                    f" (raw z = {num(z, 1)}; adjusted for φ, z = {num(za, 1)})"
                    if named
                    else f" (raw z = {num(z, 1)}; z = {num(za, 1)} against the limits widened for "
                    "overdispersion between units)"
                )
    return text


def district_position(
    position: Any, lang: Lang = "zh", *, od: Mapping[str, Any] | None = None
) -> str:
    """One district's row of the province comparison (:mod:`qualitykit.report.district`): funnel
    position (which limits, better or worse than the average), rank interval and shrunken
    estimate."""
    lang = check_lang(lang)
    r = row_of(position)
    n = int(r["n_units"])
    prov = md_text(r.get("province_name", ""))
    lo, hi = r.get("shrunk_lower"), r.get("shrunk_upper")
    where = funnel_position(
        r.get("flag_998", "within"), r.get("flag_95", "within"), lang, row=r, od=od
    )
    shr = ""
    if ok(lo) and ok(hi):  # an empirical-Bayes posterior interval, not a confidence interval
        shr = (
            f"（95% 后验区间 {pct(lo)} 至 {pct(hi)}）"
            if lang == "zh"
            else f" (95% posterior interval {pct(lo)} to {pct(hi)})"
        )
    if lang == "zh":
        rank = (
            f"在全省 {n} 个区县中排名 {num(r['rank'], 0)}（95% 区间 {num(r['rank_lower'], 0)}–"
            f"{num(r['rank_upper'], 0)}）"
            if n > 1
            else "全省只有这一个区县，不排名"
        )
        return (
            f"与{prov}平均水平 {pct(r['center'])} 相比，本区县的合格率 {pct(r['pass_rate'])} "
            f"{where}。{rank}；收缩估计 {pct(r['shrunk_rate'])}{shr}。"
        )
    rank = (
        f"It ranks {num(r['rank'], 0)} of {n} districts (95% interval {num(r['rank_lower'], 0)}–"
        f"{num(r['rank_upper'], 0)})"
        if n > 1
        else "It is the province's only district: no rank"
    )
    return (
        f"Against the {prov} average of {pct(r['center'])}, the district's pass rate of "
        f"{pct(r['pass_rate'])} lies {where}. {rank}; its shrunken estimate is "
        f"{pct(r['shrunk_rate'])}{shr}."
    )


def status_with_confidence(status: object, lang: Lang = "zh") -> str:
    """A status with what it rests on: ``无法判定（区间跨越要求，数据无法判定）`` /
    ``inconclusive (the interval straddles the requirement: the data cannot decide)``."""
    lang = check_lang(lang)
    label = md_text(status_label(status, lang))
    note = vocabulary.VALUES["status_note"].get(str(status))
    if not note:
        return label
    return f"{label}（{note['zh']}）" if lang == "zh" else f"{label} ({note['en']})"


def district_summary(summary: Mapping[str, Any], lang: Lang = "zh") -> str:
    """The summary paragraph of a district brief from its ``summary.json`` fields (empty for a
    district without records: :func:`qualitykit.report.framework.start` has said so). The funnel
    position uses ``funnel_flag`` / ``funnel_flag_95`` (and ``z`` / ``z_adjusted``, ``phi`` /
    ``phi_p_value`` when present: which limits, and the overdispersion test's p);
    the headline target status is the least favourable of the district's targets, with what it
    rests on."""
    lang = check_lang(lang)
    s = summary
    name = md_text(s.get("name") or s.get("region_code"))
    if s.get("data_status") == "no_data":
        return ""  # the report's header already says that there are no records
    years = (s["year_from"], s["year_to"])
    ci = interval(s.get("ci_lower"), s.get("ci_upper"), lang)
    tr = s.get("trend_direction")
    flag = s.get("funnel_flag")
    top = md_text(vocabulary.value("item", s["top_item"], lang)) if s.get("top_item") else None
    status = s.get("target_status")
    where = ""
    if flag in ("high", "low", "within"):
        row = s if ok(s.get("z_adjusted")) else None
        od = {
            k: float(s[f]) for k, f in (("phi", "phi"), ("p_value", "phi_p_value")) if ok(s.get(f))
        }
        where = funnel_position(flag, s.get("funnel_flag_95") or flag, lang, row=row, od=od or None)
    if lang == "zh":
        text = (
            f"{name}{span(*years, lang)}抽查 {count(s['batches'])} 批次，批次合格率 "
            f"{pct(s['pass_rate'])}{ci}。"
        )
        if tr in ("rising", "falling", "flat"):
            word = vocabulary.value("trend", tr, lang)
            text += f"趋势：{word}（平均每年 {pp(s.get('trend_pp'), lang, 2)}）。"
        if where:
            text += f"在全省漏斗图中{where}。"
        if top:
            text += f"最常见的不合格项目是{top}（占 {pct(s.get('top_item_share'))}）。"
        if status:
            text += f"目标状态（各项目标中最不利的）：{status_with_confidence(status, lang)}。"
        return text
    text = (
        f"{name} had {count(s['batches'])} batches checked in {span(*years, lang)}, a batch pass "
        f"rate of {pct(s['pass_rate'])}{ci}."
    )
    if tr in ("rising", "falling", "flat"):
        word = vocabulary.value("trend", tr, lang)
        text += f" Trend: {word} ({pp(s.get('trend_pp'), lang, 2)} per year on average)."
    if where:
        text += f" In the province's funnel it lies {where}."
    if top:
        text += f" The most frequent nonconforming item is {top} ({pct(s.get('top_item_share'))})."
    if status:
        text += (
            " Target status (the least favourable of its targets): "
            f"{status_with_confidence(status, lang)}."
        )
    return text
