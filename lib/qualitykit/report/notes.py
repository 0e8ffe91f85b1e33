"""Short notes a report shows about its data (issue 10), in Chinese and English.

The sentences the notebooks need when they run on a user's published table and that the data layer
does not already give (:meth:`qualitykit.data.source.Source.unsupported`, ``Notice.zh/en``,
``ParentFigure.label_zh/en`` are used as they are): a window of years cut to the data, the parent a
comparison is made with, a column a section needs, too few units or periods, a degenerate
shrinkage, the items the cause map does not cover, a district's position among the units of the
data. Each function returns one Markdown paragraph; every value from the data or a parameter goes
through :func:`qualitykit.report.narrative.md_text`. Kept apart so that they can be folded into the
bilingual vocabulary (:mod:`qualitykit.report.narrative`) as one piece.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from qualitykit.report.narrative import Lang, count, interval, md_text, pct

__all__ = [
    "COLUMN_NAMES",
    "SECTIONS_OF_UNITS",
    "data_heading",
    "degenerate_shrinkage",
    "needs_columns",
    "own_series",
    "parent_line",
    "position_among",
    "predecessor_codes",
    "single_valued",
    "too_few_groups",
    "too_few_periods",
    "too_few_units",
    "unmapped_items",
    "years_cut",
]

COLUMN_NAMES: dict[str, tuple[str, str]] = {
    "industry_code": ("行业代码", "industry code"),
    "enterprise_size": ("企业规模", "enterprise size"),
    "annual_sales": ("年销售额", "annual sales"),
    "check_level": ("抽查级别", "check level"),
    "region_code": ("地区", "unit"),
    "year": ("年份", "year"),
    "product": ("产品名称", "product"),
}
"""How a note names a column (the headers of ``data/README.md``)."""


def _col(column: str, lang: Lang) -> str:
    zh, en = COLUMN_NAMES.get(column, (column, column))
    return f"“{zh}”（{column}）" if lang == "zh" else f"'{en}' ({column})"


def _years(a: int, b: int, lang: Lang) -> str:
    text = str(a) if a == b else f"{a}–{b}"
    return f"{text} 年" if lang == "zh" else text


def data_heading(label: str, lang: Lang = "zh") -> str:
    """The first line of the data block: ``**数据：** <title or file>``."""
    return f"**数据：** {md_text(label)}" if lang == "zh" else f"**Data:** {md_text(label)}"


def years_cut(
    requested: Sequence[int], window: Sequence[int], covered: Sequence[int], lang: Lang = "zh"
) -> str:
    """The years asked for reach beyond the years the data cover: the report covers ``window``."""
    req, win, cov = _years(*requested, lang), _years(*window, lang), _years(*covered, lang)
    if lang == "zh":
        return f"所选年份 {req}超出数据覆盖的 {cov}：报告的年份范围为 {win}。"
    return (
        f"The years asked for, {req}, reach beyond the data, which cover {cov}: the report "
        f"covers {win}."
    )


def parent_line(
    label: str, batches: int | None, passed: int | None, rate: float | None, lang: Lang = "zh"
) -> str:
    """The benchmark a comparison uses, with what it is (a :class:`ParentFigure`'s label)."""
    counts = ""
    if batches is not None and passed is not None:
        counts = (
            f"（{count(passed)} / {count(batches)} 批次）"
            if lang == "zh"
            else f" ({count(passed)} of {count(batches)} batches)"
        )
    if lang == "zh":
        return f"比较基准：{md_text(label)}，批次合格率 {pct(rate)}{counts}。"
    return f"Benchmark: {md_text(label)}, a batch pass rate of {pct(rate)}{counts}."


def needs_columns(columns: Sequence[str], lang: Lang = "zh") -> str:
    """A section needs columns the data lack (the data layer's wording, for several columns)."""
    names = [_col(c, lang) for c in columns]
    if lang == "zh":
        return f"本节需要{'、'.join(names)}列，本数据没有，故略去。"
    return f"This section needs the column(s) {', '.join(names)}, which these data lack; left out."


def single_valued(columns: Sequence[str], lang: Lang = "zh") -> str:
    """The strata form a single cell: the standardised rate is the crude one, and whether the
    composition matters cannot be judged."""
    names = [_col(c, lang) for c in columns]
    sep = "、" if lang == "zh" else ", "
    if lang == "zh":
        return (
            f"按{sep.join(names)}分层，本数据只有一个层：标准化合格率即粗合格率，"
            "无从判断样本结构是否影响合格率，故略去。"
        )
    return (
        f"By {sep.join(names)} these data form a single stratum: the standardised rate is the "
        "crude rate, and whether the sample mix matters cannot be judged; left out."
    )


_WHAT: dict[str, tuple[str, str]] = {
    "trend": ("趋势", "a trend"),
    "segmented": ("分段回归", "a segmented regression"),
    "control_chart": ("控制图", "a control chart"),
    "forecast": ("趋势外推", "a forecast"),
    "funnel": ("漏斗图", "a funnel plot"),
    "overdispersion": ("超离散检验", "the overdispersion test"),
    "ranks": ("排名区间", "rank intervals"),
    "shrinkage": ("收缩估计", "shrunken estimates"),
    "map": ("地图", "a map"),
    "relative_target": ("与上级平均水平的比较", "the comparison with the parent average"),
}
"""What :func:`too_few_periods` and :func:`too_few_units` say cannot be drawn."""
SECTIONS_OF_UNITS: tuple[str, ...] = (
    "funnel", "overdispersion", "ranks", "shrinkage", "map", "relative_target"
)  # fmt: skip
"""The sections of a comparison of units (``03_regional_benchmark``)."""


def too_few_periods(n: int, need: int, what: str, lang: Lang = "zh") -> str:
    """Too few periods for ``what`` (a key of :data:`_WHAT`: trend, segmented, control_chart,
    forecast): said, not drawn — one period is "no trend", with no fitted line and no axis."""
    zh, en = _WHAT.get(what, (what, what))
    if lang == "zh":
        head = "只有一个时期：没有趋势" if n <= 1 else f"只有 {n} 个时期"
        return f"{head}（{zh}至少需要 {need} 个时期），故不作图。"
    head = "One period: no trend" if n <= 1 else f"Only {n} periods"
    return f"{head} ({en} needs at least {need} periods); nothing is drawn."


def too_few_units(n: int, need: int, what: str, lang: Lang = "zh") -> str:
    """Too few units for ``what`` (funnel, overdispersion, ranks, shrinkage, map,
    relative_target): said, not drawn."""
    zh, en = _WHAT.get(what, (what, what))
    if lang == "zh":
        return f"只有 {n} 个单位，{zh}至少需要 {need} 个，故不作图。"
    return f"Only {n} unit(s): {en} needs at least {need}; nothing is drawn."


def too_few_groups(n: int, lang: Lang = "zh") -> str:
    """A comparison between groups with fewer than two groups in the data."""
    if lang == "zh":
        return f"数据中只有 {n} 个组，比较至少需要 2 个组，故略去。"
    return f"The data hold {n} group(s); a comparison needs at least 2; left out."


def degenerate_shrinkage(n: int, mean: float, lang: Lang = "zh") -> str:
    """The beta-binomial fit found no variation between units beyond sampling error (complete
    pooling): every unit's estimate is the common mean and its posterior interval is far too
    narrow to describe that unit, so neither is reported."""
    if lang == "zh":
        return (
            f"{n} 个单位之间的差异未超出抽样误差，经验贝叶斯估计退化为完全合并：每个单位都被收缩到"
            f"共同的平均水平 {pct(mean)}，其后验区间窄得不反映该单位自身的不确定性。"
            "此时收缩估计没有信息，故不列出；请看漏斗图和各单位自己的置信区间。"
        )
    return (
        f"The {n} units do not differ beyond sampling error, so the empirical-Bayes estimate "
        f"degenerates to complete pooling: every unit is shrunk to the common mean {pct(mean)} "
        "with a posterior interval far too narrow to describe that unit. The shrunken estimates "
        "carry no information here and are not reported; read the funnel and each unit's own "
        "confidence interval."
    )


def unmapped_items(table: pd.DataFrame, lang: Lang = "zh", *, limit: int = 10) -> str:
    """The items the cause map does not cover (:func:`qualitykit.data.causes.unmapped_items`),
    with their share of all nonconformities — "（未归类）" is no finding."""
    if table is None or len(table) == 0:
        return ""
    shown = table.head(limit)
    total = float(table["share"].sum())
    if lang == "zh":
        items = "、".join(
            f"{md_text(r.item)}（{count(r.count)} 项次，{pct(r.share)}）"
            for r in shown.itertuples()
        )
        more = f"等 {len(table)} 个" if len(table) > limit else ""
        return (
            f"原因对照表未收录的项目{more}：{items}，共占全部不合格项次的 {pct(total)}。"
            "它们在按原因的统计中记为“（未归类）”，不计入管理者可控占比的分母；这一类别不是发现，"
            "只说明对照表没有覆盖它们（可用自己的对照表补充）。"
        )
    items = ", ".join(
        f"{md_text(r.item)} ({count(r.count)}, {pct(r.share)})" for r in shown.itertuples()
    )
    more = f" ({len(table)} in all)" if len(table) > limit else ""
    return (
        f"Items the cause map does not cover{more}: {items} — together {pct(total)} of all "
        "nonconformities. They are counted as '(unmapped)' in the tables by cause and left out of "
        "the management share; that bucket is no finding, only a gap of the map (extend it with "
        "your own)."
    )


def own_series(label: str, lang: Lang = "zh") -> str:
    """What ``data_source`` adds to the national context: the data's own yearly rates."""
    if lang == "zh":
        return (
            f"以下是所给数据（{md_text(label)}）的历年批次合格率，与上面公布的全国数字并列；"
            "全国数字只来自公布的统计，不受 data_source 影响，两者口径未必相同。"
        )
    return (
        f"Below are the yearly batch pass rates of the data given ({md_text(label)}), next to the "
        "published national figures above; those come from published statistics only, are not "
        "affected by data_source, and need not be defined the same way."
    )


_FLAG = {
    "high": ("高于控制限", "above the limits"),
    "low": ("低于控制限", "below the limits"),
    "within": ("在控制限内", "within the limits"),
}


def position_among(
    position: Mapping[str, Any] | pd.DataFrame,
    parent_label: str,
    lang: Lang = "zh",
    *,
    shrinkage_ok: bool = True,
) -> str:
    """A unit's row of the comparison with the units of its parent *in the data* (funnel flag,
    rank interval, shrunken estimate unless degenerate), the parent named by ``parent_label``
    ("本数据中巴中市合计" or a published figure) — never 全省."""
    r = position.iloc[0].to_dict() if isinstance(position, pd.DataFrame) else dict(position)
    flag, flag95 = str(r.get("flag_998", "within")), str(r.get("flag_95", "within"))
    n = int(r["n_units"])
    label = md_text(parent_label)
    rank = (
        f"{r['rank']:.0f}" if pd.notna(r.get("rank")) else "–",
        f"{r['rank_lower']:.0f}" if pd.notna(r.get("rank_lower")) else "–",
        f"{r['rank_upper']:.0f}" if pd.notna(r.get("rank_upper")) else "–",
    )
    if lang == "zh":
        text = (
            f"与{label}（{pct(r['center'])}）相比，本单位的合格率 {pct(r['pass_rate'])}"
            f"{interval(r.get('ci_lower'), r.get('ci_upper'), lang)}{_FLAG.get(flag, _FLAG['within'])[0]}（99.8%）"
        )
        if flag == "within" and flag95 != "within":
            text += f"，但{_FLAG[flag95][0]}（95%，需关注）"
        text += f"。在本数据的 {n} 个单位中排名 {rank[0]}（95% 区间 {rank[1]}–{rank[2]}）"
        if shrinkage_ok and pd.notna(r.get("shrunk_rate")):
            text += (
                f"；收缩估计 {pct(r['shrunk_rate'])}（95% 后验区间 {pct(r.get('shrunk_lower'))} 至 "
                f"{pct(r.get('shrunk_upper'))}）"
            )
        return text + "。"
    text = (
        f"Against the {label} ({pct(r['center'])}), the unit's pass rate of "
        f"{pct(r['pass_rate'])}{interval(r.get('ci_lower'), r.get('ci_upper'), lang)} lies "
        f"{_FLAG.get(flag, _FLAG['within'])[1]} (99.8%)"
    )
    if flag == "within" and flag95 != "within":
        text += f" but {_FLAG[flag95][1]} at 95% (worth watching)"
    text += (
        f". It ranks {rank[0]} of the {n} units of these data (95% interval {rank[1]}–{rank[2]})"
    )
    if shrinkage_ok and pd.notna(r.get("shrunk_rate")):
        text += (
            f"; its shrunken estimate is {pct(r['shrunk_rate'])} (95% posterior interval "
            f"{pct(r.get('shrunk_lower'))} to {pct(r.get('shrunk_upper'))})"
        )
    return text + "."


def predecessor_codes(code: str, lang: Lang = "zh") -> str:
    """Which abolished codes a unit's figures count (the data layer reads them as their current
    successor, ``data/regions/code_changes.csv``): "已撤销代码 330185（临安市，2017 年起为本地区）下的
    数据计入本地区。" / "Data under the abolished code 330185 (this unit since 2017) are counted
    here."; "" when no abolished code maps to ``code``."""
    from qualitykit.data import regions

    olds = regions.predecessors(code)
    if not olds:
        return ""
    succ = regions.successors()
    cc = regions.code_changes().drop_duplicates("old_code").set_index("old_code")
    zh, en = [], []
    for o in olds:
        year, merged = succ[o][1], str(cc["change"].get(o, "")) == "merged"
        zh.append(f"{o}（{md_text(cc['old_name'].get(o, ''))}，{year} 年"
                  + ("并入本地区）" if merged else "起为本地区）"))  # fmt: skip
        en.append(f"{o} ({'merged into this unit in' if merged else 'this unit since'} {year})")
    if lang == "zh":
        return f"已撤销代码 {'、'.join(zh)}下的数据计入本地区。"
    parts = en
    word = "code" if len(parts) == 1 else "codes"
    return f"Data under the abolished {word} {', '.join(parts)} are counted here."
