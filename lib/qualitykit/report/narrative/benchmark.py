"""Sentences on benchmarks between sibling units: overdispersion, funnel plots (which limits, and
what lying outside them means), rank intervals, shrunken estimates and the "k pp above the
parent average" target.

A pass rate above the funnel's upper limit is better than the average — news, never a concern;
the limits are named as exact binomial or as widened for overdispersion (with φ and its test).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.report.narrative._format import (
    Lang,
    check_lang,
    count,
    join,
    names,
    no_data,
    num,
    ok,
    pct,
    pp,
    pval,
    verdict_label,
)
from qualitykit.report.vocabulary import VALUES

__all__ = [
    "funnel",
    "limits_text",
    "overdispersion",
    "ranks",
    "relative_target",
    "shrinkage",
]


def overdispersion(od: Mapping[str, Any] | Any, lang: Lang = "zh") -> str:
    """An :class:`qualitykit.stats.benchmark.Overdispersion` (or its dict): φ, the test and τ²."""
    lang = check_lang(lang)
    o = od if isinstance(od, Mapping) else (od.__dict__ if od is not None else {})
    if not ok(o.get("phi")):
        return no_data(
            "过度离散的检验需要至少 2 个单位"
            if lang == "zh"
            else "overdispersion needs 2 units or more",
            lang,
        )
    tau = math.sqrt(float(o["tau2"])) if ok(o.get("tau2")) else float("nan")
    if lang == "zh":
        text = (
            f"{int(o['k'])} 个单位围绕平均水平 {pct(o['target'])} 的离散度 φ = {num(o['phi'], 2)}"
            f"（χ² 检验 {pval(o['p_value'])}）："
        )
        if o["overdispersed"]:
            text += (
                "单位之间的真实差异超出抽样误差（过度离散），控制限按 √φ 放宽；随机效应标准差 τ ≈ "
                f"{pp(100 * tau, lang, signed=False)}。"
            )
        else:
            text += "差异在抽样误差范围内，未见过度离散，使用精确二项控制限。"
        return text
    text = (
        f"The {int(o['k'])} units vary around the average {pct(o['target'])} with dispersion "
        f"φ = {num(o['phi'], 2)} (χ² test {pval(o['p_value'])}): "
    )
    if o["overdispersed"]:
        text += (
            "real differences between units exceed sampling error (overdispersion), so the limits "
            f"are widened by √φ; the random-effects SD is τ ≈ {pp(100 * tau, lang, signed=False)}."
        )
    else:
        text += (
            "the differences are within sampling error, no overdispersion; exact binomial limits "
            "are used."
        )
    return text


def limits_text(
    units: pd.DataFrame | Mapping[str, Any] | None,
    lang: Lang = "zh",
    *,
    level: str = "99.8%",
    od: Mapping[str, Any] | None = None,
) -> str:
    """Which limits a funnel uses: ``精确二项 99.8% 控制限`` / ``the exact binomial 99.8% limits``,
    or ``经过度离散调整（φ = …，检验 p = …）的 99.8% 控制限`` / ``the 99.8% limits widened for
    overdispersion (φ = …, test p = …)``.

    Widening is read from ``od`` (the funnel's overdispersion dict; ``units.attrs``) when it
    says so, else from the units' ``z`` against ``z_adjusted`` (φ = (z / z_adjusted)²)."""
    if od is None and isinstance(units, pd.DataFrame):
        od = units.attrs.get("overdispersion")
    phi = float("nan")
    widened = False
    known = bool(od)
    if isinstance(units, pd.DataFrame) and {"z", "z_adjusted"} <= set(units.columns):
        known = True
        z = units["z"].to_numpy(dtype=float, na_value=np.nan)
        za = units["z_adjusted"].to_numpy(dtype=float, na_value=np.nan)
        keep = np.isfinite(z) & np.isfinite(za) & (np.abs(za) > 1e-12)
        if keep.any():
            ratio = float(np.median((z[keep] / za[keep]) ** 2))
            widened = abs(ratio - 1.0) > 1e-6
            phi = ratio
    elif isinstance(units, Mapping) and ok(units.get("z")) and ok(units.get("z_adjusted")):
        known = True
        z, za = float(units["z"]), float(units["z_adjusted"])
        if abs(za) > 1e-12:
            phi = (z / za) ** 2
            widened = abs(phi - 1.0) > 1e-6
    p = float("nan")
    if od:
        p = float(od.get("p_value", float("nan")))
        if ok(od.get("phi")) and widened:
            phi = float(od["phi"])
    if not known:  # nothing says which limits: name the level only
        return f"{level} 控制限" if lang == "zh" else f"the {level} limits"
    if not widened:
        return f"精确二项 {level} 控制限" if lang == "zh" else f"the exact binomial {level} limits"
    test_zh = f"，检验 {pval(p)}" if ok(p) else "，经检验显著"
    test_en = f", test {pval(p)}" if ok(p) else ", significant by its test"
    if lang == "zh":
        return f"经过度离散调整（φ = {num(phi, 2)}{test_zh}）的 {level} 控制限"
    return f"the {level} limits widened for overdispersion (φ = {num(phi, 2)}{test_en})"


def funnel(
    units: pd.DataFrame,
    lang: Lang = "zh",
    *,
    level: str = "998",
    label_column: str | None = None,
    od: Mapping[str, Any] | None = None,
) -> str:
    """:func:`qualitykit.stats.benchmark.funnel_units`: how many units lie above (better than the
    average) and below (worse) the ``level`` limits (default 99.8 %), which units, and which
    limits — exact, or widened for overdispersion (``od``: the overdispersion fit, for its
    test's p; default ``units.attrs["overdispersion"]``)."""
    lang = check_lang(lang)
    if len(units) == 0:
        return no_data("没有可比较的单位" if lang == "zh" else "no units to compare", lang)
    flag = units[f"flag_{level}"].astype(str)
    high = units[flag == "high"].sort_values("z", ascending=False)
    low = units[flag == "low"].sort_values("z")
    center = float(units["center"].iloc[0])
    lev = f"{level[:2]}.{level[2:]}%" if len(level) > 2 else f"{level}%"
    limits = limits_text(units, lang, level=lev, od=od)
    if lang == "zh":
        text = (
            f"{len(units)} 个单位与平均水平 {pct(center)} 相比，{len(high)} 个高于上限（优于平均水平），"
            f"{len(low)} 个低于下限（差于平均水平）；所用的是{limits}。"
        )
        if len(high):
            text += f"高于上限：{join(names(high, label_column, lang), lang)}。"
        if len(low):
            text += f"低于下限：{join(names(low, label_column, lang), lang)}。"
        text += "控制限内的单位与平均水平的差异可能只是抽样波动，不宜排名。"
        return text
    text = (
        f"Of {len(units)} units, {len(high)} lie above the upper limit (better than the average "
        f"of {pct(center)}) and {len(low)} below the lower one (worse), using {limits}."
    )
    if len(high):
        text += f" Above: {join(names(high, label_column, lang), lang)}."
    if len(low):
        text += f" Below: {join(names(low, label_column, lang), lang)}."
    text += (
        " Units inside the limits may differ from the average by chance alone: do not rank them."
    )
    return text


def ranks(table: pd.DataFrame, lang: Lang = "zh", *, label_column: str | None = None) -> str:
    """:func:`qualitykit.stats.benchmark.rank_intervals`: how wide the rank intervals are and which
    units are confidently in the top or bottom quarter (with fewer than 8 units: first or last)."""
    lang = check_lang(lang)
    n = len(table)
    if n < 2:
        return f"只有 {n} 个单位，不排名。" if lang == "zh" else f"Only {n} unit(s): no ranking."
    width = (table["rank_upper"] - table["rank_lower"]).to_numpy(dtype=float)
    q = max(1, int(math.floor(n / 4)))
    top = table[table["rank_upper"] <= q].sort_values("rank")
    bottom = table[table["rank_lower"] > n - q].sort_values("rank")
    med = float(np.median(width))
    if lang == "zh":
        where_top = "排名第一" if q == 1 else f"位于前四分之一（前 {q} 名）"
        where_bottom = "排名最后" if q == 1 else f"位于后四分之一（后 {q} 名）"
        text = f"{n} 个单位排名区间宽度的中位数为 {num(med, 0)} 位。"
        text += (
            f"可以确定{where_top}的：{join(names(top, label_column, lang), lang)}。"
            if len(top)
            else f"没有单位可以确定{where_top}。"
        )
        text += (
            f"可以确定{where_bottom}的：{join(names(bottom, label_column, lang), lang)}。"
            if len(bottom)
            else f"没有单位可以确定{where_bottom}。"
        )
        return text
    where_top = "ranked first" if q == 1 else f"in the top quarter (ranks 1–{q})"
    where_bottom = "ranked last" if q == 1 else f"in the bottom quarter (the last {q} ranks)"
    text = f"The median width of the rank intervals of {n} units is {num(med, 0)} places."
    text += (
        f" Confidently {where_top}: {join(names(top, label_column, lang), lang)}."
        if len(top)
        else f" No unit is confidently {where_top}."
    )
    text += (
        f" Confidently {where_bottom}: {join(names(bottom, label_column, lang), lang)}."
        if len(bottom)
        else f" No unit is confidently {where_bottom}."
    )
    return text


DEGENERATE_PRECISION = 1e6
"""A beta-binomial prior weighing this many batches or more: no between-unit variation detected."""


def shrinkage(table: pd.DataFrame, lang: Lang = "zh", *, label_column: str | None = None) -> str:
    """:func:`qualitykit.stats.benchmark.eb_shrinkage`: the prior, the typical and the largest
    shrinkage; when the fitted prior has (next to) no spread — complete pooling, a precision of
    :data:`DEGENERATE_PRECISION` batches or more — "no between-unit variation detected"."""
    lang = check_lang(lang)
    if len(table) == 0:
        return no_data("没有可收缩的单位" if lang == "zh" else "no units to shrink", lang)
    prior = table.attrs.get("prior", {}) or {}
    mean = prior.get("mean", float(table["prior_mean"].iloc[0]))
    prec = prior.get("precision", float("nan"))
    degenerate = bool(prior.get("pooled")) or (ok(prec) and float(prec) >= DEGENERATE_PRECISION)
    if degenerate:
        if lang == "zh":
            return (
                "无法检测到单位间差异：各单位合格率的差别都在抽样误差之内，经验贝叶斯估计的单位间方差为 0，"
                f"所有单位都收缩到总体均值 {pct(mean)}（收缩系数 "
                f"{num(table['shrinkage'].median(), 2)}）。收缩估计因此不能区分各单位。"
            )
        return (
            "No between-unit variation detected: the units differ by no more than sampling error, "
            "the empirical-Bayes between-unit variance is 0, and every unit is shrunk to the "
            f"overall mean of {pct(mean)} (shrinkage {num(table['shrinkage'].median(), 2)}). "
            "The shrunken estimates therefore cannot tell the units apart."
        )
    most = table.loc[table["shrinkage"].idxmax()]
    name = names(table.loc[[most.name]], label_column, lang)[0]
    if lang == "zh":
        return (
            f"各单位真实合格率的先验分布均值为 {pct(mean)}，其分量相当于 {count(prec)} 个批次。"
            f"批次越少，估计越向均值收缩：收缩系数中位数 {num(table['shrinkage'].median(), 2)}，最大的是 "
            f"{name}（{count(most['batches'])} 批次，{pct(most['pass_rate'])} → {pct(most['shrunk_rate'])}）。"
        )
    return (
        f"The prior of the true pass rates has mean {pct(mean)} and weighs as much as "
        f"{count(prec)} batches. Units with few batches are pulled towards the mean: the median "
        f"shrinkage is {num(table['shrinkage'].median(), 2)}, the largest {name} "
        f"({count(most['batches'])} batches, {pct(most['pass_rate'])} → {pct(most['shrunk_rate'])})."
    )


def relative_target(
    table: pd.DataFrame, k_pp: float, lang: Lang = "zh", *, label_column: str | None = None
) -> str:
    """:func:`qualitykit.stats.benchmark.relative_target`: how many units meet "k pp above the
    parent average", by verdict, and which are confidently above."""
    lang = check_lang(lang)
    n = len(table)
    if n == 0:
        return no_data("没有可比较的单位" if lang == "zh" else "no units to compare", lang)
    counts = table["verdict"].astype(str).value_counts()
    conf = table[table["verdict"] == "met with confidence"].sort_values("gap_pp", ascending=False)
    parent = float(table["parent_rate"].iloc[0])
    verdicts = list(VALUES["verdict"])
    parts = [
        f"{verdict_label(v, lang)} {int(counts.get(v, 0))}"
        for v in verdicts
        if int(counts.get(v, 0))
    ]
    if lang == "zh":
        text = (
            f"以上级平均 {pct(parent)} 为基准，要求高出 {pp(k_pp, lang, signed=False)}："
            + "，".join(parts)
            + f"（共 {n} 个）。"
        )
        if len(conf):
            text += f"确定达到的：{join(names(conf, label_column, lang), lang)}。"
        return text
    text = (
        f"Against the parent average of {pct(parent)} and a required margin of "
        f"{pp(k_pp, lang, signed=False)}: " + ", ".join(parts) + f" (of {n})."
    )
    if len(conf):
        text += f" Met with confidence: {join(names(conf, label_column, lang), lang)}."
    return text
