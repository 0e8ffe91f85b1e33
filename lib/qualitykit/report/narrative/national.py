"""Sentences on published national figures: the spot-check series, RPQ and QCI against their
targets, the sample composition, and the list of sources."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from qualitykit.report.narrative._format import Lang, check_lang, md_text, no_data, pct, pp
from qualitykit.report.vocabulary import period_label

__all__ = ["national_series", "published", "size_mix", "source_list"]


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
            else f"the nonconformity detection rate was {a['nc_rate_pct']:.1f}% in {int(a['year'])} and {b['nc_rate_pct']:.1f}% in {int(b['year'])}"
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
        "the nonconformity detection rate instead of the pass rate; the two are defined differently and are not joined "
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
        f"受检企业中小型企业的占比从 {int(a['year'])} 年（{md_text(period_label(a['period'], lang))}）的 {pct(a['small_share'])} "
        f"升至 {int(b['year'])} 年的 {pct(b['small_share'])}。"
        if zh
        else f"Small firms made up {pct(a['small_share'])} of the enterprises checked in "
        f"{int(a['year'])} ({md_text(period_label(a['period'], lang))}) and {pct(b['small_share'])} in {int(b['year'])}."
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
        f" In {year} the nonconformity detection rate of small firms was {pct(r['small'])}, of large {pct(r['large'])} "
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
