"""The scorecard's words: status labels and the reason sentence of each row, in Chinese and
English, generated from the row's codes and numbers only (``status``, ``reason_code``,
``evidence`` and the numeric columns of :func:`qualitykit.policy.scorecard.evaluate`).

The words are the one vocabulary's: the status labels (:data:`STATUS_LABELS`, served to the
reports by :mod:`qualitykit.report.vocabulary`, which this layer cannot import), the indicator,
unit and comparator labels (:mod:`qualitykit.policy.vocabulary`) and region names
(:func:`qualitykit.data.regions.name`). The sentences stay in this layer because the scorecard
(:func:`~qualitykit.policy.scorecard.evaluate`) writes them into its ``status_reason_*`` columns;
they depend on the row alone, never on the status rules (:mod:`qualitykit.policy.status`).
Sentences are never cut.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from qualitykit.data import regions
from qualitykit.errors import ParameterError
from qualitykit.policy.status import PROB_OFF_TRACK, PROB_ON_TRACK
from qualitykit.policy.vocabulary import INDICATORS, comparator_symbol, is_rate

Lang = Literal["zh", "en"]

STATUS_LABELS: dict[str, dict[str, str]] = {
    "met": {"zh": "已达标", "en": "met"},
    "not_met": {"zh": "未达标", "en": "not met"},
    "inconclusive": {"zh": "无法判定", "en": "inconclusive"},
    "on_track": {"zh": "进度正常", "en": "on track"},
    "off_track": {"zh": "进度滞后", "en": "off track"},
    "no_data": {"zh": "无数据", "en": "no data"},
    "qualitative": {"zh": "定性目标", "en": "qualitative"},
}
"""Labels of the status codes."""

STATUS_ZH: dict[str, str] = {k: v["zh"] for k, v in STATUS_LABELS.items()}


def status_label(status: object, lang: Lang = "zh") -> str:
    """A status code in words (the code itself if unknown)."""
    entry = STATUS_LABELS.get(str(status))
    return entry[lang] if entry else str(status)


# ---------------------------------------------------------------------------------------------
# why an indicator is not observable
# ---------------------------------------------------------------------------------------------

_NOT_OBSERVABLE: dict[str, tuple[str, str]] = {
    "quality_index": (
        "the formula of the 产品质量指数 is not published (data/reference/README.md §3), so it "
        "cannot be computed from spot-check records",
        "产品质量指数的计算公式未公开（见 data/reference/README.md 第3节），无法由抽查记录计算",
    ),
    "export_factory_pass_rate": (
        "factory-release pass rates of export products are not part of supervisory spot-check data",
        "出口产品出厂合格率不属于监督抽查数据",
    ),
}
_NOT_OBSERVABLE_PREFIX: tuple[tuple[str, tuple[str, str]], ...] = (
    (
        "brand_",
        (
            "brand-name products (their number, share or growth) are not recorded in spot-check data",
            "名牌产品的数量、占比和增长不在监督抽查数据中",
        ),
    ),
    (
        "engineering_",
        (
            "acceptance results of construction works are not part of product spot-check data",
            "工程验收结果不属于产品质量监督抽查数据",
        ),
    ),
    (
        "standard_",
        (
            "standard adoption and coverage are not recorded in spot-check data",
            "采标率和标准覆盖率不在监督抽查数据中",
        ),
    ),
)


def not_observable(indicator: str) -> tuple[str, str]:
    """(en, zh): why the scorecard's data do not measure this indicator."""
    if indicator in _NOT_OBSERVABLE:
        return _NOT_OBSERVABLE[indicator]
    for prefix, reason in _NOT_OBSERVABLE_PREFIX:
        if indicator.startswith(prefix):
            return reason
    ind = INDICATORS.get(indicator)
    zh = ind.zh if ind else indicator
    if ind is not None and ind.unit == "count":
        return (
            f"counts of this kind ({indicator}: {zh}) are not in spot-check data or in the "
            "published series of data/reference",
            f"{zh}不在监督抽查数据或 data/reference 的公开数据中",
        )
    return (
        f"{indicator} ({zh}) is measured neither by spot checks nor by a published series in "
        "data/reference",
        f"{zh}既不由监督抽查数据测得，data/reference 中也没有其公开数据",
    )


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------


def _val(row: Mapping[str, Any], key: str) -> Any:
    v = row.get(key)
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v


def _fmt(v: float | None, rate: bool, digits: int) -> str:
    if v is None or not math.isfinite(float(v)):
        return "NA"
    return f"{100 * float(v):.{digits}f}%" if rate else f"{float(v):.{digits}f}"


def _num(x: float) -> str:
    return f"{x:g}"


def _name(code: object, fallback: object, lang: Lang) -> str:
    if code is not None and not pd.isna(code):
        try:
            return regions.name(str(code), lang)
        except ParameterError:
            pass
    return "" if fallback is None or pd.isna(fallback) else str(fallback)


def _indicator(row: Mapping[str, Any], lang: Lang) -> str:
    ind = INDICATORS.get(str(row.get("indicator")))
    return ind.label(lang, short=True) if ind else str(row.get("indicator"))


def requirement_text(row: Mapping[str, Any], lang: Lang = "zh") -> str:
    """What the target asks, in words (``≥85%``, ``高于湖南省平均水平2–5个百分点`` …)."""
    comparator = _val(row, "comparator")
    thr, lo, hi = _val(row, "threshold"), _val(row, "range_low"), _val(row, "range_high")
    u = "%" if _val(row, "unit") == "pct" else ""
    ref = _name(_val(row, "ref_region_code"), _val(row, "ref_region_name"), lang)
    if lang == "en" and _val(row, "ref_region_code") == regions.NATIONAL_CODE:
        ref = "national"  # "the national average", not "the China average"
    if comparator in ("above_reference", "above_reference_by"):
        if comparator == "above_reference":
            return f"above the {ref} average" if lang == "en" else f"高于{ref}平均水平"
        k = f"{_num(lo)}–{_num(hi)}" if lo is not None else _num(thr or 0.0)
        return (
            f"{k} pp above the {ref} average" if lang == "en" else f"高于{ref}平均水平{k}个百分点"
        )
    if comparator == "range" and lo is not None:
        r = f"{_num(lo)}–{_num(hi)}{u}"
        return f"{r} (at least {_num(lo)}{u})" if lang == "en" else f"{r}（至少{_num(lo)}{u}）"
    op = comparator_symbol(comparator)
    return f"{op} {_num(thr or 0.0)}{u}" if lang == "en" else f"{op}{_num(thr or 0.0)}{u}"


def _conf(row: Mapping[str, Any]) -> str:
    level = _val(row, "conf_level")
    return f"{round(100 * float(level))}%" if level is not None else "95%"


def _value_text(row: Mapping[str, Any], lang: Lang) -> str:
    """The observed value with its interval (absolute targets) or the gap to the reference with
    its interval (relative targets)."""
    rate = is_rate(str(row.get("indicator")))
    digits = 1 if _val(row, "batches") is not None else 2
    c = _conf(row)
    own = _fmt(_val(row, "observed"), rate, digits)
    if _val(row, "ref_value") is None:
        lo, hi = _val(row, "ci_lower"), _val(row, "ci_upper")
        if lo is None:
            return own
        lo_t, hi_t = _fmt(lo, rate, digits), _fmt(hi, rate, digits)
        return (
            f"{own} ({c} CI {lo_t}–{hi_t})"
            if lang == "en"
            else f"{own}（{c}置信区间{lo_t}–{hi_t}）"
        )
    ref = _name(_val(row, "ref_region_code"), _val(row, "ref_region_name"), lang)
    refv = _fmt(_val(row, "ref_value"), True, digits)
    gap = float(_val(row, "gap_pp"))
    glo, ghi = _val(row, "gap_lower_pp"), _val(row, "gap_upper_pp")
    rest = bool(_val(row, "ref_excludes_region"))
    if lang == "en":
        ci = "" if glo is None else f" ({c} CI {glo:+.1f} to {ghi:+.1f})"
        rest_en = " (rest of the reference)" if rest else ""
        return f"{own} vs {ref}{rest_en} {refv}: gap {gap:+.1f} pp{ci}"
    ci = "" if glo is None else f"（{c}置信区间{glo:+.1f}至{ghi:+.1f}）"
    return f"{own}，{ref}{'（不含本地区）' if rest else ''}{refv}，差距{gap:+.1f}个百分点{ci}"


def _position_text(row: Mapping[str, Any], lang: Lang) -> str:
    pos = _val(row, "range_position")
    if pos is None:
        return ""
    lo, hi = _val(row, "range_low"), _val(row, "range_high")
    relative = _val(row, "ref_value") is not None
    if lang == "en":
        return f"; {pos} the {_num(lo)}–{_num(hi)} pp range" if relative else f"; {pos} the range"
    word = {"below": "低于", "within": "位于", "above": "高于"}[pos]
    if relative:
        return f"；{word}{_num(lo)}–{_num(hi)}个百分点区间"
    return {"below": "；低于目标区间", "within": "；位于目标区间内", "above": "；高于目标区间"}[pos]


def _judged(row: Mapping[str, Any], lang: Lang) -> str:
    """Deadline reached or no deadline: the value (or gap) and the verdict."""
    year = int(_val(row, "obs_year"))
    name, value, req = _indicator(row, lang), _value_text(row, lang), requirement_text(row, lang)
    status, evidence = _val(row, "status"), _val(row, "evidence")
    pos = _position_text(row, lang)
    reached = _val(row, "reason_code") == "deadline_reached"
    if lang == "en":
        head = "deadline reached: " if reached else "no deadline: latest value — "
        text = f"{head}{year} {name} {value}"
        if evidence == "point":
            verb = "meets" if status == "met" else "does not meet"
            return f"{text} {verb} the requirement {req} (a published value, without an interval){pos}."
        if status == "met":
            return f"{text} meets the requirement {req}; the whole interval meets it{pos}."
        if status == "not_met":
            return (
                f"{text} does not meet the requirement {req}; the whole interval falls short{pos}."
            )
        if _val(row, "point_status") == "met":
            return (
                f"{text}: the observed value meets the letter of the requirement {req}, but "
                f"{_consistent(row, lang)}, so the data cannot confirm that it is met{pos}."
            )
        return (
            f"{text}: the point estimate does not meet the requirement {req}, but the interval "
            f"straddles it, so the data cannot tell whether it is met{pos}."
        )
    head = "期限已到：" if reached else "无期限，按最新数据："
    text = f"{head}{year}年{name}{value}"
    if evidence == "point":
        verb = "达到" if status == "met" else "未达到"
        return f"{text}，{verb}{req}的要求（公布数据，无置信区间）{pos}。"
    if status == "met":
        return f"{text}，达到{req}的要求，置信区间整体达到要求{pos}。"
    if status == "not_met":
        return f"{text}，未达到{req}的要求，置信区间整体未达到要求{pos}。"
    if _val(row, "point_status") == "met":
        return f"{text}，观测值符合{req}的字面要求，但{_consistent(row, lang)}，无法确认达标{pos}。"
    return f"{text}，点估计未达到{req}的要求，但置信区间跨越目标值，无法判定是否达标{pos}。"


def _consistent(row: Mapping[str, Any], lang: Lang) -> str:
    """What else the data are consistent with: ``with 34 batches the data are consistent with
    values down to 89.9%`` (the interval's far end; the gap's, for relative targets)."""
    c = _conf(row)
    n = _val(row, "batches")
    if _val(row, "ref_value") is not None:
        lo = _val(row, "gap_lower_pp")
        if lo is None:
            return "the interval straddles it" if lang == "en" else "置信区间跨越目标值"
        if lang == "en":
            return f"the data are also consistent with a gap of {float(lo):+.1f} pp ({c} CI)"
        return f"数据与{float(lo):+.1f}个百分点的差距也相容（{c}置信区间）"
    rate = is_rate(str(row.get("indicator")))
    digits = 1 if n is not None else 2
    upper = _val(row, "comparator") == "<="
    far = _val(row, "ci_upper" if upper else "ci_lower")
    if far is None:
        return "the interval straddles it" if lang == "en" else "置信区间跨越目标值"
    value = _fmt(far, rate, digits)
    if lang == "en":
        with_n = f"with {int(n):,} batches " if n is not None else ""
        bound = "up to" if upper else "down to"
        return f"{with_n}the data are consistent with values {bound} {value} ({c} CI)"
    with_n = f"{int(n):,} 批次的数据" if n is not None else "数据"
    bound = "高至" if upper else "低至"
    return f"{with_n}与{bound}{value}的水平也相容（{c}置信区间）"


def _probability_words(status: str, prob: float, lang: Lang) -> str:
    on, off = f"{PROB_ON_TRACK:.2f}", f"{PROB_OFF_TRACK:.2f}"
    label = status_label(status, lang)
    if lang == "en":
        return {
            "on_track": f"{prob:.2f} ≥ {on} (likely) → {label}",
            "off_track": f"{prob:.2f} ≤ {off} (unlikely) → {label}",
        }.get(status, f"{prob:.2f}, between {off} and {on} (as likely as not) → {label}")
    return {
        "on_track": f"{prob:.2f}，不低于{on}（很可能达到），判为{label}",
        "off_track": f"{prob:.2f}，不高于{off}（不太可能达到），判为{label}",
    }.get(status, f"{prob:.2f}，介于{off}与{on}之间（达到与否可能性相当），进度{label}")


def _forecast(row: Mapping[str, Any], lang: Lang) -> str:
    last, dl = int(_val(row, "obs_year")), int(_val(row, "forecast_year"))
    name, value, req = _indicator(row, lang), _value_text(row, lang), requirement_text(row, lang)
    rate = is_rate(str(row.get("indicator")))
    digits = 1 if _val(row, "batches") is not None else 2
    tr, unit, years = (
        float(_val(row, "trend_per_year")),
        _val(row, "trend_unit"),
        _val(row, "fit_years"),
    )
    words = _probability_words(str(_val(row, "status")), float(_val(row, "prob_meet")), lang)
    relative = _val(row, "ref_value") is not None
    fc = _val(row, "forecast")
    c = _conf(row)
    if lang == "en":
        what = {"gap": " of the gap", "value": " of the region"}.get(str(_val(row, "trend_of")), "")
        head = f"latest {last}: {value}" if relative else f"latest {last}: {name} {value}"
        text = f"{head}; trend{what if relative else ''} {tr:+.2f} {unit}/year (fitted on {years})"
        if fc is not None and not relative:
            pi = f"{_fmt(_val(row, 'forecast_lower'), rate, digits)}–{_fmt(_val(row, 'forecast_upper'), rate, digits)}"
            text += f"; forecast {dl}: {_fmt(fc, rate, digits)} ({c} PI {pi})"
        return f"{text}; probability of meeting {req} in {dl}: {words}."
    head = f"{last}年{value}" if relative else f"{last}年{name}{value}"
    per = "个百分点" if unit == "pp" else "点"
    text = f"{head}；趋势每年{tr:+.2f}{per}（据{years}年数据）"
    if fc is not None and not relative:
        pi = f"{_fmt(_val(row, 'forecast_lower'), rate, digits)}–{_fmt(_val(row, 'forecast_upper'), rate, digits)}"
        text += f"；预测{dl}年{_fmt(fc, rate, digits)}（{c}预测区间{pi}）"
    return f"{text}；{dl}年达到{req}要求的概率为{words}。"


def _without_trend(row: Mapping[str, Any], lang: Lang) -> str:
    last, dl = int(_val(row, "obs_year")), int(_val(row, "forecast_year"))
    n = int(_val(row, "n_fit_years") or 0)
    name, value, req = _indicator(row, lang), _value_text(row, lang), requirement_text(row, lang)
    status, evidence = str(_val(row, "status")), _val(row, "evidence")
    few = _val(row, "reason_code") == "no_trend_few_years"
    relative = _val(row, "ref_value") is not None
    if lang == "en":
        why = (
            f"only {n} year(s) of data: no trend"
            if few
            else "the trend cannot be estimated (see notes)"
        )
        latest = f"latest {last}: {value}" if relative else f"latest {last} {name} {value}"
        if status == "on_track":
            how = "" if evidence == "point" else " (the whole interval)"
            return f"{why}; {latest} already meets {req}{how} (deadline {dl}) → {status_label(status, lang)}."
        if status == "off_track":
            how = "" if evidence == "point" else " (the whole interval falls short)"
            return f"{why}; {latest} does not yet meet {req}{how} (deadline {dl}) → {status_label(status, lang)}."
        return (
            f"{why}; {latest}: the interval straddles {req} (deadline {dl}), so the data cannot "
            f"tell whether it is on track → {status_label(status, lang)}."
        )
    why = f"仅有{n}年数据，不估计趋势" if few else "无法估计趋势（见 notes）"
    latest = f"{last}年{value}" if relative else f"{last}年{name}{value}"
    if status == "on_track":
        how = "" if evidence == "point" else "（置信区间整体达到）"
        return (
            f"{why}；{latest}，已达到{req}{how}（期限{dl}年），判为{status_label(status, lang)}。"
        )
    if status == "off_track":
        how = "" if evidence == "point" else "（置信区间整体未达到）"
        return (
            f"{why}；{latest}，尚未达到{req}{how}（期限{dl}年），判为{status_label(status, lang)}。"
        )
    return f"{why}；{latest}，置信区间跨越{req}的要求（期限{dl}年），进度{status_label(status, lang)}。"


def _no_data_text(row: Mapping[str, Any], code: str, lang: Lang) -> str:
    en = lang == "en"
    ref = _name(_val(row, "ref_region_code"), _val(row, "ref_region_name"), lang)
    region = _name(_val(row, "region_code"), _val(row, "region_name"), lang)
    provider = _val(row, f"provider_reason_{lang}")
    as_of = _val(row, "as_of")
    if provider is None:
        if as_of is not None:
            provider = f"no observations up to {as_of}" if en else f"{as_of}年及以前无数据"
        else:
            provider = "no observations for this region and scope" if en else "该地区和范围无数据"
    if code == "not_observable":
        return not_observable(str(row.get("indicator")))[0 if en else 1]
    if code == "no_series":
        return provider
    if code == "no_reference_series":
        return f"reference {ref}: {provider}" if en else f"参照地区{ref}：{provider}"
    if code == "no_deadline_observation":
        dl, years = _val(row, "deadline_year"), _val(row, "years_observed")
        if en:
            return (
                f"no observation in the deadline year {dl} (data up to {as_of}; years observed: "
                f"{years})"
            )
        return f"期限年份{dl}年无数据（数据截至{as_of}年；有数据的年份：{years}）"
    if code == "whole_reference":
        year = _val(row, "obs_year")
        if en:
            return f"in {year} all batches of {ref} are the region's own: there is nothing to compare it with."
        return f"{year}年{ref}的抽查批次全部来自本地区，无可比较的参照。"
    if code == "unit_mismatch":
        unit = _val(row, "unit")
        return (
            f"a {unit} threshold cannot be compared with this indicator's series"
            if en
            else "目标单位与该指标的数据不一致，无法比较"
        )
    if code == "no_common_year":
        if en:
            return f"no year with data for both {region} and the reference {ref}"
        return f"{region}与参照地区{ref}没有同一年份的数据"
    if code == "reference_excludes_region":
        if en:
            return f"the reference counts of {ref} do not include the region's own"
        return f"参照地区{ref}的批次未包含本地区批次"
    fixed = {
        "qualitative": ("qualitative aim: no number to evaluate", "定性目标，无可评价的数值"),
        "region_unknown": ("the region the target applies to is not known", "目标适用地区不明"),
        "reference_unknown": ("the reference region is not known", "参照地区不明"),
        "no_threshold": ("the target gives no usable threshold", "目标未给出可用的阈值"),
        "relative_not_rate": (
            "relative targets are supported for rate indicators only",
            "相对目标仅支持比率类指标",
        ),
        "mixed_series": (
            "the region and its reference come from different kinds of series",
            "本地区与参照地区的数据类型不同",
        ),
    }
    pair = fixed.get(code, (code, code))
    return pair[0 if en else 1]


def reason_text(row: Mapping[str, Any], lang: Lang = "zh") -> str:
    """The reason sentence of one scorecard row (a mapping of the columns of
    :func:`~qualitykit.policy.scorecard.evaluate`), in Chinese or English, whole."""
    code = str(_val(row, "reason_code") or "")
    if code in ("deadline_reached", "no_deadline"):
        return _judged(row, lang)
    if code == "forecast":
        return _forecast(row, lang)
    if code in ("no_trend_few_years", "no_trend_not_estimable"):
        return _without_trend(row, lang)
    return _no_data_text(row, code, lang)
