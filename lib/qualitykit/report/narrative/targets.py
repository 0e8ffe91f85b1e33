"""Sentences and tables on policy targets: the documents, the targets as the documents state them
(ranges, relative targets, each target's own clause), the scorecard with each status's
confidence, and the pass-rate targets compared across documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from qualitykit.report import vocabulary
from qualitykit.report.narrative._format import (
    Lang,
    check_lang,
    md_text,
    no_data,
    span,
    status_label,
)

__all__ = [
    "documents",
    "requirement",
    "scorecard",
    "targets_compared",
    "targets_view",
]


def _n(x: object) -> str:
    """A threshold as the document prints it: 95 → ``95``, 2.5 → ``2.5``."""
    return f"{float(x):g}"  # type: ignore[arg-type]


def _missing(x: object) -> bool:
    return x is None or (not isinstance(x, str) and bool(pd.isna(x)))


def requirement(row: Mapping[str, Any], lang: Lang = "zh") -> str:
    """What a target asks, in words, as the document states it (a row of
    :func:`qualitykit.policy.targets.targets_table`): ``不低于 85%`` / ``at least 85%``, ranges
    ``5–6`` / ``30–50``, ``高于全省平均水平 2–5 个百分点`` / ``2–5 pp above the provincial
    average``; a qualitative aim: ``定性目标（提高）`` / ``qualitative aim (increase)``."""
    lang = check_lang(lang)
    zh = lang == "zh"
    comp = row.get("comparator")
    unit = "" if _missing(row.get("unit")) else str(row.get("unit"))
    thr, lo, hi = row.get("threshold"), row.get("range_low"), row.get("range_high")
    if _missing(comp) or bool(row.get("qualitative")):
        direction = row.get("direction")
        words = {"increase": ("提高", "increase"), "decrease": ("降低", "decrease")}.get(
            str(direction), ("", "")
        )
        base = vocabulary.status_label("qualitative", lang)
        if words[0]:
            return f"{base}（{words[0]}）" if zh else f"qualitative aim ({words[1]})"
        return base if zh else "qualitative aim"
    suffix = "%" if unit == "pct" else ""
    level = row.get("reference_level")
    ref = vocabulary.value("reference_level", level, lang) if not _missing(level) else ""
    ref_zh = ref or "参照地区"
    ref_en = ref or "reference"
    if comp == "above_reference":
        return f"高于{ref_zh}平均水平" if zh else f"above the {ref_en} average"
    if comp == "above_reference_by":
        k = f"{_n(lo)}–{_n(hi)}" if not _missing(lo) else _n(thr)
        return f"高于{ref_zh}平均水平 {k} 个百分点" if zh else f"{k} pp above the {ref_en} average"
    if comp == "range":
        return f"{_n(lo)}–{_n(hi)}{suffix}"
    if _missing(thr):
        return vocabulary.comparator_label(str(comp), lang)
    value = f"{_n(thr)}{suffix}"
    counted = unit == "count"
    if comp == ">=":
        return f"{'不少于' if counted else '不低于'} {value}" if zh else f"at least {value}"
    if comp == "<=":
        return f"{'不多于' if counted else '不高于'} {value}" if zh else f"at most {value}"
    if comp == "==":
        return f"达到 {value}" if zh else f"exactly {value}"
    return f"{vocabulary.comparator_label(str(comp), lang)} {value}"


def targets_view(targets: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """The targets of :func:`qualitykit.policy.targets.targets_table` as a reader sees them: one row
    per target with ``target_id``, ``region`` (its name), ``indicator`` (in words),
    ``requirement`` (:func:`requirement`), ``deadline``, ``check_level`` (in words), ``product``
    and ``clause`` — the part of the source sentence that sets this target (the whole sentence
    where no clause is recorded)."""
    lang = check_lang(lang)
    rows = targets.to_dict("records")
    clause = [
        r.get("clause") if not _missing(r.get("clause")) else r.get("source_sentence") for r in rows
    ]

    def levels(value: object) -> object:
        if _missing(value):
            return pd.NA
        sep = "、" if lang == "zh" else ", "
        return sep.join(vocabulary.value("check_level", v, lang) for v in str(value).split("、"))

    return pd.DataFrame(
        {
            "target_id": targets["target_id"].astype("string").to_numpy(),
            "region": [
                pd.NA
                if _missing(r.get("region_code"))
                else vocabulary.region_name(r["region_code"], lang)
                for r in rows
            ],
            "indicator": [vocabulary.indicator_label(r.get("indicator"), lang) for r in rows],
            "requirement": [requirement(r, lang) for r in rows],
            "deadline": targets["deadline"].astype("string").to_numpy(),
            "check_level": [levels(r.get("check_level")) for r in rows],
            "product": [r.get("product") for r in rows],
            "clause": pd.array(clause, dtype="string"),
        }
    )


def scorecard(evaluated: pd.DataFrame, lang: Lang = "zh") -> str:
    """A scorecard (one row per target with a ``status`` column): counts by status, each with what
    it rests on (``status_note`` of the vocabulary: a met target's whole interval meets the
    requirement, an inconclusive one straddles it …)."""
    lang = check_lang(lang)
    if evaluated is None or len(evaluated) == 0:
        return no_data("没有适用的目标" if lang == "zh" else "no target applies", lang)
    counts = evaluated["status"].astype(str).value_counts()
    known = list(vocabulary.index_values("status")["values_en"])
    order = [s for s in known if s in counts.index] + [s for s in counts.index if s not in known]
    notes = vocabulary.VALUES["status_note"]
    parts = []
    for s in order:
        note = notes.get(s)
        label = md_text(status_label(s, lang))
        if note is None:
            parts.append(f"{label} {int(counts[s])}")
        elif lang == "zh":
            parts.append(f"{label} {int(counts[s])} 项（{note['zh']}）")
        else:
            parts.append(f"{label} {int(counts[s])} ({note['en']})")
    if lang == "zh":
        return f"共 {len(evaluated)} 项目标：" + "；".join(parts) + "。"
    return f"{len(evaluated)} targets: " + "; ".join(parts) + "."


def documents(docs: pd.DataFrame, targets: pd.DataFrame, lang: Lang = "zh") -> str:
    """The documents and targets of a selection of the registry: how many, how many
    quantitative, the span of deadlines."""
    lang = check_lang(lang)
    if len(docs) == 0:
        return no_data("没有符合条件的政策文件" if lang == "zh" else "no document matches", lang)
    quant = targets[~targets["qualitative"].astype(bool)]
    years = targets["deadline_year"].dropna()
    when = span(int(years.min()), int(years.max()), lang) if len(years) else "–"
    n_doc, n_t, n_q = len(docs), len(targets), len(quant)
    if lang == "zh":
        return (
            f"{n_doc} 份文件共 {n_t} 项目标，其中 {n_q} 项为定量目标、"
            f"{n_t - n_q} 项为定性目标；期限为 {when}。"
        )
    return (
        f"{n_doc} document{'s' if n_doc != 1 else ''} with {n_t} target{'s' if n_t != 1 else ''}: "
        f"{n_q} quantitative, {n_t - n_q} qualitative; deadlines {when}."
    )


def targets_compared(targets: pd.DataFrame, lang: Lang = "zh") -> str:
    """Spot-check pass-rate targets across documents (:func:`qualitykit.policy.targets.targets_table`
    rows): the range of absolute thresholds and the relative ("above the average") targets, as
    the documents state them."""
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
    n_docs = targets["document_id"].nunique()
    years = targets["deadline_year"].dropna()
    when = span(int(years.min()), int(years.max()), lang) if len(years) else "–"
    rel_words = sorted({requirement(r, lang) for r in relative.to_dict("records")})
    if lang == "zh":
        text = f"{n_docs} 份文件设定了 {len(targets)} 项抽查合格率目标，期限 {when}。"
        if len(absolute):
            lo, hi = absolute.loc[lows.idxmin()], absolute.loc[lows.idxmax()]
            text += (
                f"绝对目标 {len(absolute)} 项，要求从 {lows.min():g}%（{md_text(lo['target_id'])}）到 "
                f"{lows.max():g}%（{md_text(hi['target_id'])}）。"
            )
        if len(relative):
            text += f"相对目标 {len(relative)} 项：" + "、".join(rel_words) + "。"
        return text
    text = (
        f"{n_docs} document(s) set {len(targets)} spot-check pass-rate targets, deadlines {when}."
    )
    if len(absolute):
        lo, hi = absolute.loc[lows.idxmin()], absolute.loc[lows.idxmax()]
        text += (
            f" {len(absolute)} are absolute, asking for {lows.min():g}% "
            f"({md_text(lo['target_id'])}) up to {lows.max():g}% ({md_text(hi['target_id'])})."
        )
    if len(relative):
        text += f" {len(relative)} are relative: " + "; ".join(rel_words) + "."
    return text
