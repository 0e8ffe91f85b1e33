"""The figure style: CJK fonts (matplotlib font manager), seaborn theme and rcParams, colours by
role, labels in Chinese and English, texts that render without a CJK font, and saving with fixed
metadata (same figure → same bytes).
"""

from __future__ import annotations

import math
import os
import warnings
from functools import cache
from pathlib import Path
from typing import IO, Any, Literal

import matplotlib as mpl
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.schema import CAUSE_5M1E_ZH, CHECK_LEVEL_ZH, ENTERPRISE_SIZE_ZH

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
    "unlabelled_flagged": {
        "zh": "另有 {k} 个超出控制限的单位未标注名称（见表）",
        "en": "{k} more units outside the limits are not named (see the table)",
    },
    "all_equal": {"zh": "所有单位相同：{value}", "en": "All units equal: {value}"},
    "centre_value": {"zh": "中心 = {what}", "en": "centre = {what}"},
    "no_data": {"zh": "无数据", "en": "No data"},
    "centroids_note": {
        "zh": "点为区县中心点（未安装边界数据，非行政区划图）",
        "en": "Dots are county centroids (no boundary data installed; not a boundary map)",
    },
    "south_china_sea": {"zh": "南海诸岛", "en": "South China Sea Islands"},
    "parent_rate": {"zh": "上级总体", "en": "parent's overall rate"},
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
