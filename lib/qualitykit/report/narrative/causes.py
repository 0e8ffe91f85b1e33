"""Sentences on causes: Pareto tables (the vital few), the management-controllable share against
Juran's claim, and the comparison of the nonconformity mix between groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from qualitykit.report import vocabulary
from qualitykit.report.narrative._format import (
    Lang,
    check_lang,
    count,
    interval,
    join,
    label_value,
    md_text,
    no_data,
    num,
    ok,
    pct,
    pp,
    pval,
    row_of,
)

__all__ = ["comparison", "management_share", "pareto"]

_PARETO_UNITS: dict[str, tuple[str, str]] = {
    "item": ("项目", "items"),
    "category": ("项目类别", "item categories"),
    "cause_5m1e": ("原因", "causes"),
    "controllable": ("可控性类别", "kinds of cause"),
}
_PARETO_COLUMNS = {
    "rank",
    "count",
    "share",
    "cum_count",
    "cum_share",
    "vital_few",
    "is_other",
    "merged",
}


def _plural(noun: str) -> str:
    """``food nonconformity category`` → ``food nonconformity categories``."""
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy", "uy")):
        return noun[:-1] + "ies"
    return noun if noun.endswith("s") else noun + "s"


def pareto(
    table: pd.DataFrame | None,
    lang: Lang = "zh",
    *,
    cut: float = 0.8,
    what: str | None = None,
    counted: Literal["items", "batches"] = "items",
) -> str:
    """A :func:`qualitykit.stats.pareto.pareto_table` (or ``pareto_by_cause``): the vital few at
    ``cut`` with their shares (None or empty: no nonconformities). ``counted``: what a count is —
    ``items`` (项次, one per failed test item) or ``batches`` (不合格批次, e.g. published counts of
    nonconforming batches by cause)."""
    lang = check_lang(lang)
    if table is None or len(table) == 0:
        return no_data(
            "没有不合格项目记录" if lang == "zh" else "no nonconforming items recorded", lang
        )
    label_col = next(c for c in table.columns if c not in _PARETO_COLUMNS)
    total = int(table["count"].sum())
    unit_zh, unit_en = (
        ("批次", "nonconforming batches")
        if counted == "batches"
        else (
            "项次",
            "nonconformities",
        )
    )
    if total == 0:
        return no_data(f"不合格{unit_zh}为 0" if lang == "zh" else f"no {unit_en}", lang)
    vital = table[table["vital_few"].astype(bool)]
    names = [
        f"{md_text(label_value(r[label_col], lang, label_col))}（{pct(r['share'])}）"
        if lang == "zh"
        else f"{md_text(label_value(r[label_col], lang, label_col))} ({pct(r['share'])})"
        for _, r in vital.iterrows()
    ]
    n_cat = int(table["merged"].sum()) if "merged" in table else len(table)
    cum = float(vital["share"].sum()) if len(vital) else float("nan")
    reached = len(vital) > 0 and cum >= cut - 1e-9
    if what is None:  # named after what the table counts
        zh, en = _PARETO_UNITS.get(
            label_col,
            (vocabulary.label(label_col, "zh"), _plural(vocabulary.label(label_col, "en").lower())),
        )
        what = zh if lang == "zh" else en
    else:
        what = md_text(what)
    if lang == "zh":
        text = f"共 {count(total)} {unit_zh}不合格，分布在 {n_cat} 个{what}中。"
        if reached:
            text += (
                f"关键少数（累计达到 {pct(cut, 0)} 所需）为 {len(vital)} 个：{join(names, lang)}，"
                f"合计占 {pct(cum)}。"
            )
        elif len(vital):
            text += (
                f"列出的前 {len(vital)} 个（{join(names, lang)}）合计只占 {pct(cum)}，未达到 "
                f"{pct(cut, 0)}：不合格分布较分散，没有少数几个主因。"
            )
        return text
    text = f"{count(total)} {unit_en} fall into {n_cat} {what}."
    if reached:
        text += (
            f" The vital few (needed to reach {pct(cut, 0)}) are {len(vital)}: "
            f"{join(names, lang)} — together {pct(cum)}."
        )
    elif len(vital):
        text += (
            f" The {len(vital)} listed ({join(names, lang)}) account for only {pct(cum)}, short of "
            f"{pct(cut, 0)}: the nonconformities are spread out, no small set of causes dominates."
        )
    return text


def management_share(share: pd.DataFrame | Mapping[str, Any], lang: Lang = "zh") -> str:
    """One row of :func:`qualitykit.stats.pareto.management_share`: the management-controllable share
    with its Wilson interval, tested against Juran's claim as he made it — the great majority,
    about 80 % (``claimed_share``) or more, of quality problems are management-controllable
    (Juran, *Quality Control Handbook*; Juran & Gryna 1988 §22) — i.e. "at least 80 %": supported
    when the whole interval lies at or above it, contradicted when the whole interval lies
    below, undecided otherwise. The share is fixed by how the cause map classes each item, so
    the sentence says that the data test the map as much as Juran."""
    lang = check_lang(lang)
    s = row_of(share)
    if not ok(s.get("management_share")):
        return no_data(
            "没有可归入管理者可控或操作者可控的不合格项次"
            if lang == "zh"
            else "no nonconformity is classified as management- or operator-controllable",
            lang,
        )
    claim = float(s["claimed_share"]) if ok(s.get("claimed_share")) else 0.8
    lo, hi = float(s["ci_lower"]), float(s["ci_upper"])
    level = float(s.get("confidence", 0.95)) if ok(s.get("confidence")) else 0.95
    ci = interval(lo, hi, lang, conf=level)
    unclassified = int(s.get("unspecified", 0) or 0) + int(s.get("unmapped", 0) or 0)
    c = pct(claim, 0)
    share_ = float(s["management_share"])
    if lang == "zh":
        text = (
            f"{count(s['classified'])} 项次已归类的不合格中，管理者可控占 {pct(share_)}{ci}，"
            f"操作者可控占 {pct(1 - share_)}。朱兰的说法是：质量问题中绝大部分——约 {c} 或更多——"
            f"是管理者可控的。按“至少 {c}”检验："
        )
        if lo >= claim:
            text += f"置信区间整体不低于 {c}，数据支持这一说法。"
        elif hi < claim:
            text += f"置信区间整体低于 {c}，数据不支持这一说法。"
        else:
            text += f"置信区间跨越 {c}，数据与之相容，但不足以确认。"
        if unclassified:
            text += f"另有 {count(unclassified)} 项次未能归类，未计入分母。"
        text += (
            "这一比例取决于原因对照表如何把各不合格项目归为管理者可控或操作者可控："
            "检验的既是朱兰的说法，也是这张对照表的归类。"
        )
        return text
    text = (
        f"Of {count(s['classified'])} classified nonconformities, {pct(share_)} are "
        f"management-controllable{ci} and {pct(1 - share_)} operator-controllable. Juran held "
        f"that the great majority of quality problems — about {c} or more — are "
        f'management-controllable. Tested as "at least {c}": '
    )
    if lo >= claim:
        text += f"the whole interval lies at or above {c}; the data support the claim."
    elif hi < claim:
        text += f"the whole interval lies below {c}; the data do not support the claim."
    else:
        text += (
            f"the interval straddles {c}; the data are consistent with it but cannot confirm it."
        )
    if unclassified:
        text += f" {count(unclassified)} nonconformities could not be classified and are left out."
    text += (
        " The share is fixed by how the cause map classes each item as management- or "
        "operator-controllable: the data test the cause map as much as Juran's claim."
    )
    return text


def comparison(result: Any, group: str, category: str, lang: Lang = "zh", *, top: int = 3) -> str:
    """A :class:`qualitykit.stats.pareto.GroupComparison`: the χ² test and the largest changes in
    share that are significant after the adjustment for multiple comparisons (``significant``,
    Holm's method by default)."""
    lang = check_lang(lang)
    test = result.test.iloc[0]
    d = result.differences
    tested = d[d["p_value"].notna()] if "p_value" in d else d.iloc[0:0]
    n_cmp = len(tested)
    sig_mask = d["significant"].fillna(False).astype(bool) if "significant" in d else None
    sig = d[sig_mask] if sig_mask is not None else d.iloc[0:0]
    sig = sig.reindex(sig["diff_pp"].abs().sort_values(ascending=False).index).head(top)
    adjustment = str(d["adjustment"].iloc[0]) if "adjustment" in d and len(d) else "holm"
    significant = ok(test["p_value"]) and float(test["p_value"]) < 0.05
    method_zh = {"holm": "Holm 法", "bonferroni": "Bonferroni 法"}.get(adjustment)
    method_en = {"holm": "Holm's", "bonferroni": "Bonferroni's"}.get(adjustment)
    if lang == "zh":
        text = (
            f"{int(test['groups'])} 组的不合格结构"
            + ("差异显著" if significant else "没有显著差异")
            + f"（χ² = {num(test['statistic'], 1)}，自由度 {int(test['df'])}，{pval(test['p_value'])}，"
            f"Cramér V = {num(test['cramers_v'], 2)}）。"
        )
        head = (
            f"经 {method_zh}校正（{n_cmp} 项比较）后"
            if method_zh
            else f"未经校正（{n_cmp} 项比较）"
        )
        if len(sig):
            parts = [
                f"{md_text(r[group])} 的 {md_text(label_value(r[category], lang, category))} "
                f"占比 {pct(r['share'])}，比 {md_text(r['reference'])} "
                f"{pp(r['diff_pp'], lang)}{interval(r['ci_lower_pp'], r['ci_upper_pp'], lang, kind='pp')}"
                for _, r in sig.iterrows()
            ]
            text += f"{head}显著的变化：" + "；".join(parts) + "。"
        elif n_cmp:
            text += f"{head}，没有单项变化显著。"
        if float(test["share_expected_below_5"]) > 0.2:
            text += "期望频数小于 5 的格子超过 20%，χ² 近似可能不准。"
        return text
    text = (
        f"The nonconformity mix of the {int(test['groups'])} groups "
        + ("differs significantly" if significant else "does not differ significantly")
        + f" (χ² = {num(test['statistic'], 1)}, df {int(test['df'])}, {pval(test['p_value'])}, "
        f"Cramér's V = {num(test['cramers_v'], 2)})."
    )
    head = (
        f"after {method_en} adjustment for the {n_cmp} comparisons"
        if method_en
        else f"without adjustment for the {n_cmp} comparisons"
    )
    if len(sig):
        parts = [
            f"{md_text(label_value(r[category], lang, category))} in {md_text(r[group])}: "
            f"{pct(r['share'])}, {pp(r['diff_pp'], lang)} vs {md_text(r['reference'])}"
            f"{interval(r['ci_lower_pp'], r['ci_upper_pp'], lang, kind='pp')}"
            for _, r in sig.iterrows()
        ]
        text += f" Changes significant {head}: " + "; ".join(parts) + "."
    elif n_cmp:
        text += f" No single change is significant {head}."
    if float(test["share_expected_below_5"]) > 0.2:
        text += " More than 20 % of expected counts are below 5: the χ² approximation may be poor."
    return text
