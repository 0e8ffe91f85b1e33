"""Figures: one visual style (seaborn), CJK fonts, one function per figure returning a Figure.

Every figure function draws the tidy output of one library function and computes no statistics
itself (beyond sorting and picking columns); each returns a :class:`matplotlib.figure.Figure`
built with ``layout="constrained"`` and not registered with pyplot, so batch runs need no
``plt.close`` and notebooks show it once.

=========================  ===========================================================
function                   draws the output of
=========================  ===========================================================
:func:`trend_figure`       ``trends.glm_trend(...)`` (``.fitted``), ``trends.forecast(...)``
                           (``.table``), ``trends.segmented_regression(...)`` (``.fitted``)
:func:`control_chart_figure`  ``spc.control_chart(...)`` (a ``ControlChart``)
:func:`pareto_figure`      ``pareto.pareto_table(...)`` / ``pareto.pareto_by_cause(...)``
:func:`funnel_figure`      ``benchmark.funnel_units(...)`` and ``benchmark.funnel_grid(...)``
:func:`caterpillar_figure` ``benchmark.eb_shrinkage(...)``, ``benchmark.rank_intervals(...)``
                           or any table with an estimate and ``ci_lower``/``ci_upper``
:func:`rates_figure`       ``metrics.rates(...)`` / ``metrics.standardise(...)`` by a group
:func:`map_figure`         any per-region table with ``longitude``/``latitude`` (or
                           ``region_code``: centroids from :mod:`qualitykit.data.regions`)
=========================  ===========================================================

Style (:func:`use_style`, applied by every figure function on its first call): seaborn
``whitegrid`` with the colour-blind-safe ``colorblind`` palette, fixed figure size and dpi, and a
CJK font found through matplotlib's font manager (Noto Sans CJK SC preferred) first in
``font.sans-serif`` with DejaVu Sans as fallback. Without a CJK font, ``lang="zh"`` falls back
to English labels and Chinese names from the data are replaced by codes — never boxes. Labels
come from :data:`LABELS` (``lang="zh"`` or ``"en"``). :func:`save_figure` writes PNG / SVG / PDF
with fixed metadata, so the same input gives the same bytes.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Hashable, Sequence
from functools import cache
from pathlib import Path
from typing import IO, Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.schema import CAUSE_5M1E_ZH, CHECK_LEVEL_ZH, ENTERPRISE_SIZE_ZH

__all__ = [
    "CJK_FAMILIES",
    "LABELS",
    "caterpillar_figure",
    "cjk_available",
    "cjk_family",
    "control_chart_figure",
    "funnel_figure",
    "label",
    "map_figure",
    "pareto_figure",
    "rates_figure",
    "save_figure",
    "style_rc",
    "trend_figure",
    "use_style",
]

Lang = Literal["zh", "en"]

CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
"""CJK font families looked for, in order of preference."""
FALLBACK_FAMILY = "DejaVu Sans"
CJK_INSTALL_HINT = "sudo apt-get install fonts-noto-cjk"

FIGSIZE: tuple[float, float] = (7.0, 4.5)
PALETTE = "colorblind"
# seaborn "colorblind" palette (Wong 2011), by role
_BLUE, _ORANGE, _GREEN, _RED, _GREY = "#0173b2", "#de8f05", "#029e73", "#d55e00", "#949494"
_DARK = "#333333"

LABELS: dict[str, dict[str, str]] = {
    "pass_rate": {"zh": "批次合格率", "en": "Batch pass rate"},
    "nc_rate": {"zh": "批次不合格率", "en": "Batch nonconforming rate"},
    "crude_pass_rate": {"zh": "粗合格率", "en": "Crude pass rate"},
    "std_pass_rate": {"zh": "标准化合格率", "en": "Standardised pass rate"},
    "shrunk_rate": {"zh": "收缩后合格率", "en": "Shrunken pass rate"},
    "rpq": {"zh": "产品质量合格率 (RPQ)", "en": "Product quality pass rate (RPQ)"},
    "gap_pp": {"zh": "与参考水平之差 (百分点)", "en": "Gap (percentage points)"},
    "z": {"zh": "z 值", "en": "z-score"},
    "year": {"zh": "年份", "en": "Year"},
    "time": {"zh": "时间", "en": "Time"},
    "target": {"zh": "目标", "en": "Target"},
    "reference": {"zh": "参考水平", "en": "Reference"},
    "observed": {"zh": "观测值", "en": "Observed"},
    "fitted": {"zh": "拟合趋势", "en": "Fitted trend"},
    "confidence_band": {"zh": "置信区间", "en": "Confidence interval"},
    "prediction_band": {"zh": "预测区间", "en": "Prediction interval"},
    "forecast": {"zh": "趋势外推", "en": "Forecast"},
    "programme_start": {"zh": "政策实施", "en": "Programme start"},
    "counterfactual": {"zh": "反事实 (原趋势延续)", "en": "Counterfactual (pre-trend continued)"},
    "center_line": {"zh": "中心线", "en": "Centre line"},
    "control_limits": {"zh": "控制限", "en": "Control limits"},
    "signal": {"zh": "失控信号", "en": "Signal"},
    "excluded": {"zh": "已剔除 (不参与计算)", "en": "Excluded from calibration"},
    "phase_2": {"zh": "第二阶段 (监控)", "en": "Phase II (monitoring)"},
    "subgroup": {"zh": "子组", "en": "Subgroup"},
    "nonconforming": {"zh": "不合格批次数", "en": "Nonconforming batches"},
    "p_chart": {"zh": "p 控制图", "en": "p chart"},
    "np_chart": {"zh": "np 控制图", "en": "np chart"},
    "laney_chart": {"zh": "Laney p′ 控制图", "en": "Laney p′ chart"},
    "nonconformities": {"zh": "不合格项次", "en": "Nonconformities"},
    "cum_share": {"zh": "累计占比", "en": "Cumulative share"},
    "vital_few": {"zh": "关键少数", "en": "Vital few"},
    "useful_many": {"zh": "次要多数", "en": "Useful many"},
    "other": {"zh": "其他", "en": "Other"},
    "batches": {"zh": "批次数", "en": "Number of batches"},
    "centre": {"zh": "平均水平", "en": "Average"},
    "limits": {"zh": "控制限", "en": "limits"},
    "above": {"zh": "高于控制限", "en": "Above the limits"},
    "below": {"zh": "低于控制限", "en": "Below the limits"},
    "within": {"zh": "控制限内", "en": "Within the limits"},
    "rank": {"zh": "排名 (1 = 最好)", "en": "Rank (1 = best)"},
    "raw_rate": {"zh": "原始合格率", "en": "Raw pass rate"},
    "prior_mean": {"zh": "总体均值 (先验)", "en": "Prior mean"},
    "estimate": {"zh": "估计值", "en": "Estimate"},
    "longitude": {"zh": "经度", "en": "Longitude"},
    "latitude": {"zh": "纬度", "en": "Latitude"},
    "enterprise_size": {"zh": "企业规模", "en": "Enterprise size"},
    "check_level": {"zh": "抽查级别", "en": "Check level"},
    "region_code": {"zh": "地区代码", "en": "Region code"},
    "industry_code": {"zh": "行业代码", "en": "Industry code"},
    "product": {"zh": "产品", "en": "Product"},
    "item": {"zh": "不合格项目", "en": "Nonconforming item"},
    "category": {"zh": "项目类别", "en": "Item category"},
    "cause_5m1e": {"zh": "原因 (5M1E)", "en": "Cause (5M1E)"},
    "controllable": {"zh": "可控性", "en": "Controllability"},
    "name_zh": {"zh": "地区", "en": "Region"},
    "name": {"zh": "地区", "en": "Region"},
}
"""Axis, legend and title texts in Chinese and English, by key (mostly canonical column names)."""

_VALUE_ZH: dict[str, dict[str, str]] = {
    "enterprise_size": ENTERPRISE_SIZE_ZH,
    "check_level": CHECK_LEVEL_ZH,
    "cause_5m1e": CAUSE_5M1E_ZH,
    "controllable": {"management": "管理者可控", "operator": "操作者可控"},
}
_VALUE_ORDER: dict[str, tuple[str, ...]] = {
    "enterprise_size": tuple(ENTERPRISE_SIZE_ZH),
    "check_level": tuple(CHECK_LEVEL_ZH),
}

_STATE: dict[str, bool] = {"applied": False, "warned": False}

# --------------------------------------------------------------------------------------------
# fonts and style
# --------------------------------------------------------------------------------------------


@cache
def cjk_family() -> str | None:
    """The first installed family of :data:`CJK_FAMILIES` (matplotlib font manager), or None."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((fam for fam in CJK_FAMILIES if fam in installed), None)


def cjk_available() -> bool:
    """True when a CJK font is installed, so Chinese labels render (no 'Glyph missing' boxes)."""
    return cjk_family() is not None


@cache
def _fallback_charmap() -> frozenset[int]:
    """Code points the fallback font (DejaVu Sans) has glyphs for."""
    path = font_manager.findfont(
        font_manager.FontProperties(family=FALLBACK_FAMILY), fallback_to_default=True
    )
    return frozenset(font_manager.get_font(path).get_charmap())


def _renderable(text: str) -> bool:
    """True when ``text`` renders without a CJK font."""
    charmap = _fallback_charmap()
    return all(ord(ch) in charmap or ch.isspace() for ch in text)


def style_rc() -> dict[str, Any]:
    """The rcParams qualitykit sets on top of seaborn's ``whitegrid`` theme."""
    family = cjk_family()
    fonts = [family, FALLBACK_FAMILY] if family else [FALLBACK_FAMILY]
    return {
        "figure.figsize": FIGSIZE,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.format": "png",
        "font.family": "sans-serif",
        "font.sans-serif": fonts,
        "axes.unicode_minus": False,
        "axes.titlesize": 13,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 9,
        "legend.title_fontsize": 9,
        "legend.frameon": True,
        "legend.framealpha": 0.85,
        "lines.linewidth": 1.6,
        "lines.markersize": 5,
        "image.cmap": "viridis",
        "svg.hashsalt": "qualitykit",
        "svg.fonttype": "path",
        "pdf.fonttype": 3,
    }


def use_style() -> None:
    """Set the qualitykit style: seaborn whitegrid, colour-blind palette, CJK font, fixed sizes.

    Sets global rcParams (``seaborn.set_theme`` with :func:`style_rc`). Without a CJK font it
    warns once (:class:`QualityKitWarning`) and figures use English labels.
    """
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, rc=style_rc())
    _STATE["applied"] = True
    if not cjk_available() and not _STATE["warned"]:
        _STATE["warned"] = True
        warnings.warn(
            "no CJK font found (looked for " + ", ".join(CJK_FAMILIES) + "): figures use "
            f"English labels and region codes instead of Chinese names; install one with "
            f"`{CJK_INSTALL_HINT}` and restart the kernel",
            QualityKitWarning,
            stacklevel=2,
        )


def _ensure_style() -> None:
    if not _STATE["applied"]:
        use_style()


def _lang(lang: str) -> Lang:
    if lang not in ("zh", "en"):
        raise ParameterError(f"lang must be 'zh' or 'en', got {lang!r}")
    if lang == "zh" and not cjk_available():
        return "en"
    return lang  # type: ignore[return-value]


def label(key: str, lang: Lang = "zh") -> str:
    """The text of ``key`` in :data:`LABELS` (English without a CJK font); the key if unknown."""
    entry = LABELS.get(key)
    if entry is None:
        return key
    return entry[_lang(lang)]


def _text(value: object, fallback: object = None) -> str:
    """A data text (region or item name) that renders: without a CJK font, the fallback."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if cjk_available() or _renderable(text):
        return text
    alt = "" if fallback is None else str(fallback)
    if alt and _renderable(alt):
        return alt
    return "".join(c for c in text if _renderable(c)).strip() or "?"


def _texts(values: pd.Series, fallback: pd.Series | None = None) -> list[str]:
    fb = [None] * len(values) if fallback is None else fallback.tolist()
    return [_text(v, f) for v, f in zip(values.tolist(), fb, strict=True)]


def save_figure(
    fig: Figure,
    target: str | os.PathLike[str] | IO[bytes],
    *,
    format: str | None = None,
    dpi: float | None = None,
) -> None:
    """Save with fixed metadata (no date, no software version), so the same figure gives the
    same PNG / SVG / PDF bytes. ``format`` defaults to the file suffix, else PNG."""
    fmt = format
    if fmt is None:
        fmt = (
            Path(os.fspath(target)).suffix.lstrip(".")
            if isinstance(target, str | os.PathLike)
            else ""
        )
        fmt = fmt or "png"
    fmt = fmt.lower()
    metadata: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    }.get(fmt, {})
    with mpl.rc_context({"svg.hashsalt": "qualitykit"}):
        fig.savefig(target, format=fmt, dpi=dpi, metadata=metadata or None)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _new_figure(figsize: tuple[float, float] | None = None) -> tuple[Figure, Any]:
    _ensure_style()
    fig = Figure(figsize=figsize or FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    return fig, ax


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"{what}: column(s) {missing} missing; got {list(frame.columns)} — pass the output "
            "of the library function named in the figure function's docstring"
        )
    if len(frame) == 0:
        raise ParameterError(f"{what}: the table has no rows")


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is_proportion(*arrays: np.ndarray) -> bool:
    vals = np.concatenate([np.ravel(a) for a in arrays])
    vals = vals[np.isfinite(vals)]
    return bool(vals.size) and bool(np.all((vals >= 0.0) & (vals <= 1.0)))


def _percent_axis(axis: Any) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))


def _level_text(suffix: str) -> str:
    """'95' → '95%', '998' → '99.8%' (inverse of ``benchmark.level_suffix``)."""
    pct = suffix if len(suffix) <= 2 else f"{suffix[:2]}.{suffix[2:]}"
    return f"{pct}%"


def _pct(value: float) -> str:
    return f"{100.0 * value:.4g}%"


def _finish(fig: Figure, ax: Any, title: str | None) -> Figure:
    if title:
        text = _text(title, fallback="")
        if text != "?":
            ax.set_title(text)
    return fig


def _default_label_column(frame: pd.DataFrame, lang: Lang) -> str | None:
    prefer = ("name_en", "name", "name_zh") if lang == "en" else ("name", "name_zh")
    for col in (*prefer, "region_name", "unit", "region_code", "label"):
        if col in frame.columns and frame[col].astype("string").fillna("").str.len().gt(0).all():
            return col
    return None


def _labels(frame: pd.DataFrame, column: str | None, lang: Lang) -> list[str]:
    col = column or _default_label_column(frame, lang)
    if col is None:
        return [str(i) for i in frame.index]
    if col not in frame.columns:
        raise ParameterError(f"label column {col!r} is not in the table")
    fallback = frame["region_code"] if "region_code" in frame.columns else None
    if fallback is None:
        fallback = pd.Series([str(i) for i in frame.index], index=frame.index)
    return _texts(frame[col], fallback)


def _match(
    frame: pd.DataFrame, names: list[str], value: Hashable | None, column: str | None
) -> int:
    """Position of the highlighted unit (by label, label column or region code), or -1."""
    if value is None:
        return -1
    cols = [c for c in (column, "region_code", "name", "name_zh", "unit") if c and c in frame]
    for col in cols:
        hits = np.flatnonzero(frame[col].astype("string").to_numpy() == str(value))
        if hits.size:
            return int(hits[0])
    hits = np.flatnonzero(np.asarray(names, dtype=object) == str(value))
    if hits.size:
        return int(hits[0])
    raise ParameterError(f"highlight: no unit labelled {value!r}")


# --------------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------------


def _trend_frame(fitted: Any) -> tuple[pd.DataFrame, float | None]:
    if isinstance(fitted, pd.DataFrame):
        return fitted, None
    conf = getattr(fitted, "conf", None)
    for attr in ("table", "fitted"):
        frame = getattr(fitted, attr, None)
        if isinstance(frame, pd.DataFrame):
            return frame, conf
    raise ParameterError(
        "trend_figure: pass glm_trend(...).fitted, forecast(...).table or "
        f"segmented_regression(...).fitted (or the result itself), got {type(fitted).__name__}"
    )


def _target_line(ax: Any, target: float, lang: Lang) -> None:
    """The dotted red line of a target rate, labelled with its value."""
    ax.axhline(
        target,
        color=_RED,
        linestyle=":",
        linewidth=1.6,
        label=f"{label('target', lang)} {_pct(target)}",
    )


def trend_figure(
    fitted: pd.DataFrame | Any,
    *,
    target: float | None = None,
    title: str | None = None,
    break_at: float | None = None,
    ylabel: str | None = None,
    lang: Lang = "zh",
) -> Figure:
    """Observed pass rates, fitted trend with confidence and prediction bands, target line.

    ``fitted`` is the per-time table of :func:`qualitykit.stats.trends.glm_trend` (``.fitted``:
    ``year``/``t``, ``observed``, ``fitted``, ``fit_lower``/``fit_upper``,
    ``pred_lower``/``pred_upper``), of :func:`~qualitykit.stats.trends.forecast` (``.table``, rows with
    ``forecast`` True drawn dashed) or of :func:`~qualitykit.stats.trends.segmented_regression`
    (``.fitted``: ``time``, ``post``, ``counterfactual``; the programme start is drawn at the
    first post-period time unless ``break_at`` is given) — or the result object itself.
    Optional ``ci_lower``/``ci_upper`` columns (e.g. merged from ``metrics.rates``) give error bars
    on the observed points. ``target`` (a proportion) draws a horizontal target line.
    """
    lang = _lang(lang)
    frame, conf = _trend_frame(fitted)
    xcol = next((c for c in ("t", "time", "year") if c in frame.columns), None)
    if xcol is None:
        raise ParameterError("trend_figure: the table needs a 't', 'time' or 'year' column")
    _require(frame, [xcol, "observed", "fitted"], "trend_figure")
    frame = frame.sort_values(xcol, kind="stable")
    x = _num(frame, xcol)
    obs, fit = _num(frame, "observed"), _num(frame, "fitted")
    is_fc = (
        frame["forecast"].fillna(False).to_numpy(dtype=bool)
        if "forecast" in frame.columns
        else np.zeros(len(frame), dtype=bool)
    )
    post = frame["post"].to_numpy(dtype=bool) if "post" in frame.columns else None

    fig, ax = _new_figure()
    conf_txt = f"{conf:.0%} " if conf else ""
    # bands and the fitted line are broken at a segmented regression's break
    pieces = [np.ones(len(frame), dtype=bool)] if post is None else [~post, post]
    for key, lo_col, hi_col, alpha in (
        ("prediction_band", "pred_lower", "pred_upper", 0.12),
        ("confidence_band", "fit_lower", "fit_upper", 0.28),
    ):
        if not {lo_col, hi_col} <= set(frame.columns):
            continue
        lo, hi = _num(frame, lo_col), _num(frame, hi_col)
        text = conf_txt + label(key, lang)
        for piece in pieces:
            if piece.any() and np.isfinite(lo[piece]).any():
                ax.fill_between(
                    x[piece],
                    lo[piece],
                    hi[piece],
                    color=_BLUE,
                    alpha=alpha,
                    linewidth=0,
                    label=text,
                )
                text = None

    # fitted line: solid over the data, dashed into the forecast
    segments = [~is_fc] if post is None else [~post, post]
    first = True
    for seg in segments:
        if seg.any():
            ax.plot(x[seg], fit[seg], color=_BLUE, label=label("fitted", lang) if first else None)
            first = False
    if is_fc.any():
        idx = np.flatnonzero(is_fc)
        start = max(idx[0] - 1, 0)
        ax.plot(
            x[start : idx[-1] + 1],
            fit[start : idx[-1] + 1],
            color=_BLUE,
            linestyle="--",
            label=label("forecast", lang),
        )
    if post is not None and "counterfactual" in frame.columns and post.any():
        cf = _num(frame, "counterfactual")
        idx = np.flatnonzero(post)
        start = max(idx[0] - 1, 0)
        ax.plot(
            x[start:],
            cf[start:],
            color=_GREY,
            linestyle="--",
            label=label("counterfactual", lang),
        )
        if break_at is None:
            break_at = float(x[idx[0]])

    has_obs = np.isfinite(obs) & ~is_fc
    if {"ci_lower", "ci_upper"} <= set(frame.columns):
        lo, hi = _num(frame, "ci_lower"), _num(frame, "ci_upper")
        ax.errorbar(
            x[has_obs],
            obs[has_obs],
            yerr=np.vstack([obs - lo, hi - obs])[:, has_obs],
            fmt="o",
            color=_DARK,
            ecolor=_GREY,
            elinewidth=1,
            capsize=2,
            markersize=4,
            label=label("observed", lang),
            zorder=3,
        )
    else:
        ax.plot(
            x[has_obs],
            obs[has_obs],
            "o",
            color=_DARK,
            markersize=4,
            label=label("observed", lang),
            zorder=3,
        )

    if target is not None:
        _target_line(ax, float(target), lang)
    if break_at is not None:
        ax.axvline(
            float(break_at),
            color=_ORANGE,
            linestyle="-.",
            linewidth=1.2,
            label=f"{label('programme_start', lang)} ({float(break_at):g})",
        )

    values = [obs, fit] + [_num(frame, c) for c in ("fit_lower", "fit_upper") if c in frame]
    if _is_proportion(*values, np.array([] if target is None else [float(target)])):
        _percent_axis(ax.yaxis)
    if xcol != "t" or np.allclose(x, np.round(x)):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    yearly = xcol in ("t", "year") or bool(np.all((x >= 1900) & (x <= 2100)))
    ax.set_xlabel(label("year" if yearly else "time", lang))
    ax.set_ylabel(_text(ylabel, "") if ylabel else label("pass_rate", lang))
    ax.legend(loc="best")
    return _finish(fig, ax, title)


# --------------------------------------------------------------------------------------------
# control chart
# --------------------------------------------------------------------------------------------


def control_chart_figure(
    chart: Any,
    *,
    title: str | None = None,
    lang: Lang = "zh",
) -> Figure:
    """p / np / Laney p′ chart from :func:`qualitykit.stats.spc.control_chart` (a ``ControlChart``).

    Points in data order with the centre line and step-wise control limits (they vary with n),
    the Phase I / Phase II boundary, out-of-control points (``out_of_control``) in red and
    points excluded from the calibration (``excluded``) hollow. Default title: the chart type.
    """
    lang = _lang(lang)
    points = getattr(chart, "points", None)
    kind = getattr(chart, "chart", "p")
    if not isinstance(points, pd.DataFrame):
        raise ParameterError(
            f"control_chart_figure: pass spc.control_chart(...), got {type(chart).__name__}"
        )
    _require(
        points,
        ["subgroup", "value", "center", "lcl", "ucl", "phase", "excluded", "out_of_control"],
        "control_chart_figure",
    )
    k = len(points)
    pos = np.arange(k, dtype=float)
    value = _num(points, "value")
    excluded = points["excluded"].to_numpy(dtype=bool)
    signal = points["out_of_control"].to_numpy(dtype=bool) & ~excluded
    normal = ~excluded & ~signal

    fig, ax = _new_figure()
    ax.plot(pos, value, "-", color=_GREY, linewidth=1.0, zorder=2)
    ax.step(pos, _num(points, "center"), where="mid", color=_DARK, label=label("center_line", lang))
    ax.step(
        pos,
        _num(points, "ucl"),
        where="mid",
        color=_RED,
        linestyle="--",
        linewidth=1.2,
        label=label("control_limits", lang),
    )
    ax.step(pos, _num(points, "lcl"), where="mid", color=_RED, linestyle="--", linewidth=1.2)
    ax.plot(
        pos[normal],
        value[normal],
        "o",
        color=_BLUE,
        markersize=5,
        zorder=3,
        label=label("nc_rate" if kind != "np" else "nonconforming", lang),
    )
    if signal.any():
        ax.plot(
            pos[signal],
            value[signal],
            "o",
            color=_RED,
            markersize=7,
            zorder=4,
            label=label("signal", lang),
        )
    if excluded.any():
        ax.plot(
            pos[excluded],
            value[excluded],
            "o",
            markerfacecolor="none",
            markeredgecolor=_BLUE,
            markersize=6,
            zorder=3,
            label=label("excluded", lang),
        )
    phase2 = (points["phase"].astype("string") == "II").to_numpy(dtype=bool)
    if phase2.any() and (~phase2).any():
        boundary = float(np.flatnonzero(phase2)[0]) - 0.5
        ax.axvline(
            boundary, color=_ORANGE, linestyle="-.", linewidth=1.2, label=label("phase_2", lang)
        )

    names = _texts(points["subgroup"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _p: names[int(v)] if float(v).is_integer() and 0 <= v < k else "")
    )
    ax.set_xlim(-0.6, k - 0.4)
    if kind == "np":
        ax.set_ylabel(label("nonconforming", lang))
    else:
        _percent_axis(ax.yaxis)
        ax.set_ylabel(label("nc_rate", lang))
    ax.set_xlabel(label("subgroup", lang))
    fig.legend(loc="outside lower center", ncols=3)
    default = {"np": "np_chart", "laney": "laney_chart"}.get(kind, "p_chart")
    return _finish(fig, ax, title if title is not None else label(default, lang))


# --------------------------------------------------------------------------------------------
# Pareto
# --------------------------------------------------------------------------------------------

_PARETO_COLUMNS = (
    "rank",
    "count",
    "share",
    "cum_count",
    "cum_share",
    "vital_few",
    "is_other",
    "merged",
)


def pareto_figure(
    table: pd.DataFrame,
    *,
    cut: float | None = 0.8,
    category: str | None = None,
    title: str | None = None,
    lang: Lang = "zh",
) -> Figure:
    """Pareto chart of :func:`qualitykit.stats.pareto.pareto_table`: bars and cumulative share.

    Bars of ``count`` in the table's order with the vital few (``vital_few``) highlighted and the
    "Other" bucket (``is_other``) last; the cumulative share (``cum_share``) on a right axis with
    a horizontal line at ``cut`` (pass the ``cut`` given to ``pareto_table``; None: no line).
    ``category`` names the label column (default: the one column that is not a Pareto column).
    """
    lang = _lang(lang)
    _require(table, ["count", "cum_share", "vital_few", "is_other"], "pareto_figure")
    if category is None:
        rest = [c for c in table.columns if c not in _PARETO_COLUMNS]
        if len(rest) != 1:
            raise ParameterError(f"pareto_figure: name the category column (one of {rest})")
        category = rest[0]
    is_other = table["is_other"].to_numpy(dtype=bool)
    t = pd.concat([table[~is_other], table[is_other]])  # "Other" last
    is_other = t["is_other"].to_numpy(dtype=bool)
    vital = t["vital_few"].to_numpy(dtype=bool)
    names = _texts(t[category], pd.Series([f"#{i + 1}" for i in range(len(t))]))
    names = [label("other", lang) if o else n for n, o in zip(names, is_other, strict=True)]
    pos = np.arange(len(t), dtype=float)

    fig, ax = _new_figure()
    ax.bar(pos, _num(t, "count"), color=np.where(vital, _BLUE, _GREY), width=0.7, zorder=2)
    ax.set_xticks(pos, names)
    if len(t) > 6 or max((len(n) for n in names), default=0) > 6:
        ax.tick_params(axis="x", labelrotation=40)
        for lab in ax.get_xticklabels():
            lab.set_horizontalalignment("right")
            lab.set_rotation_mode("anchor")
    ax.set_ylabel(label("nonconformities", lang))
    ax.set_xlabel(label(category, lang))
    ax.grid(axis="x", visible=False)

    ax2 = ax.twinx()
    ax2.plot(pos, _num(t, "cum_share"), "-o", color=_ORANGE, markersize=4, zorder=3)
    if cut is not None:
        ax2.axhline(float(cut), color=_RED, linestyle="--", linewidth=1.0)
    # the count axis runs to the total, so bar tops and the cumulative line share one scale
    total = float(np.nansum(_num(t, "count")))
    ax.set_ylim(0.0, 1.05 * total if total > 0 else 1.0)
    ax2.set_ylim(0.0, 1.05)
    _percent_axis(ax2.yaxis)
    ax2.set_ylabel(label("cum_share", lang))
    ax2.grid(False)
    handles = [
        Patch(color=_BLUE, label=label("vital_few", lang)),
        Patch(color=_GREY, label=label("useful_many", lang)),
        Line2D([], [], color=_ORANGE, marker="o", markersize=4, label=label("cum_share", lang)),
    ]
    if cut is not None:
        handles.append(Line2D([], [], color=_RED, linestyle="--", label=_pct(float(cut))))
    ax.legend(handles=handles, loc="center right")
    return _finish(fig, ax, title)


# --------------------------------------------------------------------------------------------
# funnel plot
# --------------------------------------------------------------------------------------------


def _levels(grid: pd.DataFrame) -> list[str]:
    sfx = [c[len("lower_") :] for c in grid.columns if c.startswith("lower_")]
    sfx = [s for s in sfx if f"upper_{s}" in grid.columns]
    return sorted(sfx, key=lambda s: float(_level_text(s)[:-1]))


def funnel_figure(
    units: pd.DataFrame,
    grid: pd.DataFrame,
    *,
    label_outliers: bool = True,
    label_inner: bool = False,
    max_labels: int = 25,
    label_column: str | None = None,
    highlight: Hashable | None = None,
    sized: bool = False,
    title: str | None = None,
    lang: Lang = "zh",
) -> Figure:
    """Funnel plot: units' pass rates against their batches inside the control limits.

    ``units`` is :func:`qualitykit.stats.benchmark.funnel_units` (``batches``, ``pass_rate``,
    ``flag_<level>``), ``grid`` is :func:`~qualitykit.stats.benchmark.funnel_grid` with the same
    ``levels`` (``n``, ``center``, ``lower_<level>``/``upper_<level>``: 95 % dashed, 99.8 %
    solid). Units outside the widest limits are coloured (below: red, above: green) and, with
    ``label_outliers``, named (``label_inner``: also those outside the inner limits; at most
    ``max_labels``, the most extreme |z| first). Names come from ``label_column`` (default
    ``name``/``name_zh``/``region_code``); ``highlight`` marks one unit (name or region code);
    ``sized`` scales the points by batches.
    """
    lang = _lang(lang)
    _require(units, ["batches", "pass_rate"], "funnel_figure (units)")
    _require(grid, ["n", "center"], "funnel_figure (grid)")
    levels = _levels(grid)
    if not levels:
        raise ParameterError("funnel_figure: grid has no lower_<level>/upper_<level> columns")
    outer, inner = levels[-1], levels[0]
    flag_outer = (
        units[f"flag_{outer}"].astype("string").fillna("within").to_numpy(dtype=object)
        if f"flag_{outer}" in units.columns
        else np.full(len(units), "within", dtype=object)
    )
    n, rate = _num(units, "batches"), _num(units, "pass_rate")
    gn = _num(grid, "n")
    names = _labels(units, label_column, lang)

    fig, ax = _new_figure()
    ax.plot(gn, _num(grid, "center"), color=_DARK, linewidth=1.2, label=label("centre", lang))
    styles = {outer: "-", inner: "--"}
    for sfx in levels:
        style = styles.get(sfx, ":")
        text = f"{_level_text(sfx)} {label('limits', lang)}"
        ax.plot(gn, _num(grid, f"lower_{sfx}"), color=_GREY, linestyle=style, label=text)
        ax.plot(gn, _num(grid, f"upper_{sfx}"), color=_GREY, linestyle=style)
    sizes = 12.0 + 140.0 * n / np.nanmax(n) if sized else np.full(n.shape, 22.0)
    for flag, colour, key in (
        ("within", _BLUE, "within"),
        ("low", _RED, "below"),
        ("high", _GREEN, "above"),
    ):
        sel = flag_outer == flag
        if sel.any():
            ax.scatter(
                n[sel],
                rate[sel],
                s=sizes[sel],
                color=colour,
                alpha=0.8,
                linewidths=0.4,
                edgecolors="white",
                zorder=3,
                label=f"{label(key, lang)} ({_level_text(outer)})",
            )

    hi = _match(units, names, highlight, label_column)
    right_side = 0.8 * float(np.nanmax(gn))
    if label_outliers:
        flags = [f"flag_{outer}"] + ([f"flag_{inner}"] if label_inner else [])
        out = np.zeros(len(units), dtype=bool)
        for col in flags:
            if col in units.columns:
                out |= (units[col].astype("string").fillna("within") != "within").to_numpy()
        if hi >= 0:
            out[hi] = False  # named below, in bold
        idx = np.flatnonzero(out)
        if "z" in units.columns and idx.size > max_labels:
            z = np.abs(_num(units, "z"))[idx]
            idx = idx[np.argsort(-np.nan_to_num(z, nan=0.0), kind="stable")]
        for i in idx[:max_labels]:
            left = n[i] > right_side  # keep labels near the right edge inside the axes
            ax.annotate(
                names[i],
                (n[i], rate[i]),
                xytext=(-3 if left else 3, 3),
                textcoords="offset points",
                ha="right" if left else "left",
                fontsize=8,
            )
    if hi >= 0:
        ax.scatter(
            [n[hi]],
            [rate[hi]],
            s=90,
            facecolors="none",
            edgecolors=_ORANGE,
            linewidths=2,
            zorder=4,
        )
        left = n[hi] > right_side
        ax.annotate(
            names[hi],
            (n[hi], rate[hi]),
            xytext=(-6 if left else 6, -12),
            textcoords="offset points",
            ha="right" if left else "left",
            fontsize=9,
            fontweight="bold",
            color=_DARK,
        )

    # y range: the points and the limits over the units' range of batches (not the funnel's mouth)
    span = gn >= np.nanmin(n)
    ys = [rate] + [_num(grid, f"{s}_{outer}")[span] for s in ("lower", "upper")]
    lo_y = float(np.nanmin(np.concatenate(ys)))
    hi_y = float(np.nanmax(np.concatenate(ys)))
    pad = max(0.02 * (hi_y - lo_y), 0.005)
    ax.set_ylim(max(0.0, lo_y - pad), min(1.0 + pad, hi_y + pad))
    ax.set_xlim(0.0, float(np.nanmax(gn)))
    _percent_axis(ax.yaxis)
    ax.set_xlabel(label("batches", lang))
    ax.set_ylabel(label("pass_rate", lang))
    fig.legend(loc="outside lower center", ncols=3)
    return _finish(fig, ax, title)


# --------------------------------------------------------------------------------------------
# caterpillar
# --------------------------------------------------------------------------------------------


def caterpillar_figure(
    ranks_or_shrunk: pd.DataFrame,
    *,
    label_column: str | None = None,
    highlight: Hashable | None = None,
    max_labels: int = 60,
    title: str | None = None,
    lang: Lang = "zh",
) -> Figure:
    """Ranked estimates with their intervals, one row per unit (best at the top).

    Takes :func:`qualitykit.stats.benchmark.rank_intervals` (``rank``, ``rank_lower``,
    ``rank_upper``: intervals on ranks), :func:`~qualitykit.stats.benchmark.eb_shrinkage`
    (``shrunk_rate`` with ``ci_lower``/``ci_upper``, raw ``pass_rate`` hollow, ``prior_mean``
    line) or any table with ``pass_rate`` (or ``estimate``) and ``ci_lower``/``ci_upper``
    (e.g. ``metrics.rates``). Unit names are shown up to ``max_labels`` units; ``highlight``
    (a name or region code) is drawn in orange and always named.
    """
    lang = _lang(lang)
    frame = ranks_or_shrunk
    cols = set(getattr(frame, "columns", []))
    if {"rank", "rank_lower", "rank_upper"} <= cols:
        kind, est, lo, hi = "rank", "rank", "rank_lower", "rank_upper"
    elif {"shrunk_rate", "ci_lower", "ci_upper"} <= cols:
        kind, est, lo, hi = "shrunk", "shrunk_rate", "ci_lower", "ci_upper"
    else:
        est = "pass_rate" if "pass_rate" in cols else "estimate"
        kind, lo, hi = "rate", "ci_lower", "ci_upper"
    _require(frame, [est, lo, hi], "caterpillar_figure")
    order = np.argsort(_num(frame, est) * (1.0 if kind == "rank" else -1.0), kind="stable")
    f = frame.iloc[order]
    k = len(f)
    names = _labels(f, label_column, lang)
    e, low, high = _num(f, est), _num(f, lo), _num(f, hi)
    ypos = np.arange(k, dtype=float)[::-1]  # best at the top

    show_names = k <= max_labels
    height = min(max(0.22 * k + 1.2, 3.5), 12.0) if show_names else 5.0
    fig, ax = _new_figure((FIGSIZE[0], height))
    hi_pos = _match(f, names, highlight, label_column)
    rest = np.arange(k) != hi_pos
    ax.errorbar(
        e[rest],
        ypos[rest],
        xerr=np.vstack([e - low, high - e])[:, rest],
        fmt="o",
        color=_BLUE,
        ecolor=_BLUE,
        elinewidth=1.2,
        markersize=3.5,
        label=label(
            "rank" if kind == "rank" else ("shrunk_rate" if kind == "shrunk" else "estimate"), lang
        ),
    )
    if kind == "shrunk" and "pass_rate" in f.columns:
        ax.plot(
            _num(f, "pass_rate"),
            ypos,
            "o",
            markerfacecolor="none",
            markeredgecolor=_GREY,
            markersize=4,
            label=label("raw_rate", lang),
        )
    if kind == "shrunk" and "prior_mean" in f.columns:
        ax.axvline(
            float(_num(f, "prior_mean")[0]),
            color=_DARK,
            linestyle="--",
            linewidth=1.0,
            label=label("prior_mean", lang),
        )
    if hi_pos >= 0:
        ax.errorbar(
            e[hi_pos : hi_pos + 1],
            ypos[hi_pos : hi_pos + 1],
            xerr=[[e[hi_pos] - low[hi_pos]], [high[hi_pos] - e[hi_pos]]],
            fmt="o",
            color=_ORANGE,
            ecolor=_ORANGE,
            elinewidth=2.0,
            markersize=6,
            zorder=4,
        )
    if show_names:
        ax.set_yticks(ypos, names)
    else:
        ax.set_yticks([])
        if hi_pos >= 0:
            ax.annotate(
                names[hi_pos],
                (high[hi_pos], ypos[hi_pos]),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                color=_DARK,
            )
    if hi_pos >= 0 and show_names:
        tick = ax.get_yticklabels()[hi_pos]
        tick.set_color(_ORANGE)
        tick.set_fontweight("bold")
    ax.set_ylim(-0.8, k - 0.2)
    ax.grid(axis="y", visible=False)
    if kind == "rank":
        ax.set_xlabel(label("rank", lang))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _percent_axis(ax.xaxis)
        ax.set_xlabel(label("shrunk_rate" if kind == "shrunk" else est, lang))
    if kind == "shrunk":
        ax.legend(loc="lower right")
    return _finish(fig, ax, title)


# --------------------------------------------------------------------------------------------
# rates by group
# --------------------------------------------------------------------------------------------


def rates_figure(
    rates: pd.DataFrame,
    x: str,
    *,
    value: str = "pass_rate",
    kind: Literal["point", "bar"] = "point",
    target: float | None = None,
    reference: float | None = None,
    highlight: Hashable | None = None,
    title: str | None = None,
    lang: Lang = "zh",
) -> Figure:
    """Rates with their intervals by group, e.g. by enterprise size or by district.

    ``rates`` is :func:`qualitykit.stats.metrics.rates` grouped by ``x`` (``pass_rate``, ``ci_lower``,
    ``ci_upper``) or :func:`~qualitykit.stats.metrics.standardise` (``value="std_pass_rate"``). Groups
    keep the table's order, except enterprise size and check level, which follow the schema
    order (large → micro, national → county) and are named in Chinese with ``lang="zh"``.
    ``target`` / ``reference`` (proportions) draw horizontal lines; ``highlight`` (a value of
    ``x``) colours one group. With ``x="year"`` (numeric) the x axis is a time axis: gaps
    between published years stay visible.
    """
    lang = _lang(lang)
    if kind not in ("point", "bar"):
        raise ParameterError(f"kind must be 'point' or 'bar', got {kind!r}")
    _require(rates, [x, value], "rates_figure")
    frame = rates
    if x in _VALUE_ORDER:
        rank = {v: i for i, v in enumerate(_VALUE_ORDER[x])}
        key = frame[x].astype("string").map(lambda v: rank.get(v, len(rank)))
        frame = frame.iloc[np.argsort(key.to_numpy(dtype=float), kind="stable")]
    raw = frame[x].astype("string").fillna("")
    if lang == "zh" and x in _VALUE_ZH:
        raw = raw.map(lambda v: _VALUE_ZH[x].get(v, v))
    names = _texts(raw)
    v = _num(frame, value)
    has_ci = {"ci_lower", "ci_upper"} <= set(frame.columns)
    err = np.vstack([v - _num(frame, "ci_lower"), _num(frame, "ci_upper") - v]) if has_ci else None
    # years are a time axis: positions at the years themselves, so that gaps in a published
    # series (e.g. no figure for 2001–2010) show as gaps, not as neighbouring categories
    time_axis = x == "year" and pd.api.types.is_numeric_dtype(frame[x]) and frame[x].notna().all()
    pos = frame[x].to_numpy(float) if time_axis else np.arange(len(frame), dtype=float)
    hi = -1
    if highlight is not None:
        hits = np.flatnonzero(frame[x].astype("string").to_numpy() == str(highlight))
        if not hits.size:
            raise ParameterError(f"highlight: {highlight!r} is not a value of {x!r}")
        hi = int(hits[0])
    colours = np.where(np.arange(len(frame)) == hi, _ORANGE, _BLUE)

    fig, ax = _new_figure()
    if kind == "bar":
        ax.bar(pos, v, color=colours, width=0.65, zorder=2)
        if err is not None:
            ax.errorbar(pos, v, yerr=err, fmt="none", ecolor=_DARK, elinewidth=1.2, capsize=3)
    else:
        ax.errorbar(pos, v, yerr=err, fmt="none", ecolor=_GREY, elinewidth=1.4, capsize=3, zorder=2)
        ax.scatter(pos, v, color=colours, s=36, zorder=3)
    if target is not None:
        _target_line(ax, float(target), lang)
    if reference is not None:
        ax.axhline(
            float(reference),
            color=_DARK,
            linestyle="--",
            linewidth=1.0,
            label=f"{label('reference', lang)} {_pct(float(reference))}",
        )
    if time_axis and (len(pos) > 12 or np.ptp(pos) > 10):  # ticks by the locator, not at every year
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
    elif time_axis:
        ax.set_xticks(pos, [str(int(p)) for p in pos])
    else:
        ax.set_xticks(pos, names)
    if not time_axis and (len(names) > 8 or max((len(n) for n in names), default=0) > 8):
        ax.tick_params(axis="x", labelrotation=40)
        for lab in ax.get_xticklabels():
            lab.set_horizontalalignment("right")
            lab.set_rotation_mode("anchor")
    ax.grid(axis="x", visible=False)
    extra = [] if err is None else [v - err[0], v + err[1]]
    if _is_proportion(v, *extra):
        _percent_axis(ax.yaxis)
    ax.set_xlabel(label(x, lang))
    ax.set_ylabel(label(value, lang))
    if target is not None or reference is not None:
        ax.legend(loc="best")
    return _finish(fig, ax, title)


# --------------------------------------------------------------------------------------------
# map of centroids
# --------------------------------------------------------------------------------------------


def map_figure(
    units_with_lon_lat: pd.DataFrame,
    value: str,
    *,
    label_column: str | None = None,
    highlight: Hashable | None = None,
    sized: bool = False,
    cmap: str = "viridis",
    title: str | None = None,
    lang: Lang = "zh",
) -> Figure:
    """District centroids coloured by ``value`` (no shapefiles).

    ``units_with_lon_lat`` has ``longitude``/``latitude`` (WGS-84 degrees) or a ``region_code``
    whose centroid is taken from :func:`qualitykit.data.regions.regions`; units without a centroid are
    left out with a :class:`QualityKitWarning`. The colour bar is labelled from :data:`LABELS`
    (percent for proportions); ``sized`` scales points by ``batches``; ``highlight`` (a name or
    region code) is ringed and named. The aspect ratio is 1/cos(mean latitude).
    """
    lang = _lang(lang)
    frame = units_with_lon_lat
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"map_figure: expected a DataFrame, got {type(frame).__name__}")
    if not {"longitude", "latitude"} <= set(frame.columns):
        if "region_code" not in frame.columns:
            raise ParameterError(
                "map_figure: the table needs longitude/latitude or a region_code column"
            )
        from qualitykit import regions

        cent = regions.regions().drop_duplicates("region_code").set_index("region_code")
        codes = frame["region_code"].astype("string")
        frame = frame.assign(
            longitude=codes.map(cent["longitude"]).to_numpy(dtype=float, na_value=np.nan),
            latitude=codes.map(cent["latitude"]).to_numpy(dtype=float, na_value=np.nan),
        )
    _require(frame, ["longitude", "latitude", value], "map_figure")
    lon, lat = _num(frame, "longitude"), _num(frame, "latitude")
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.all():
        warnings.warn(
            f"map_figure: {int((~ok).sum())} unit(s) without a centroid are not drawn",
            QualityKitWarning,
            stacklevel=2,
        )
    if not ok.any():
        raise ParameterError("map_figure: no unit has a centroid")
    f = frame[ok]
    lon, lat, v = lon[ok], lat[ok], _num(f, value)
    names = _labels(f, label_column, lang)

    fig, ax = _new_figure()
    if sized and "batches" in f.columns:
        b = _num(f, "batches")
        sizes = 10.0 + 120.0 * b / np.nanmax(b)
    else:
        sizes = np.full(lon.shape, 28.0 if len(f) < 300 else 10.0)
    sc = ax.scatter(lon, lat, c=v, s=sizes, cmap=cmap, edgecolors="white", linewidths=0.3, zorder=3)
    bar = fig.colorbar(sc, ax=ax, shrink=0.85)
    bar.set_label(label(value, lang))
    if _is_proportion(v):
        _percent_axis(bar.ax.yaxis)
    hi = _match(f, names, highlight, label_column)
    if hi >= 0:
        ax.scatter([lon[hi]], [lat[hi]], s=120, facecolors="none", edgecolors=_RED, linewidths=2)
        ax.annotate(
            names[hi],
            (lon[hi], lat[hi]),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
        )
    ax.set_aspect(1.0 / math.cos(math.radians(float(np.mean(lat)))), adjustable="datalim")
    ax.set_xlabel(label("longitude", lang))
    ax.set_ylabel(label("latitude", lang))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda d, _p: f"{d:g}°E"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda d, _p: f"{d:g}°N"))
    return _finish(fig, ax, title)
