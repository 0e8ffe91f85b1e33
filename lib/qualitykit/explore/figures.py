"""What the explorer's interactive figures draw — plain lists and strings, no widgets.

Each function turns one view of :class:`qualitykit.explore.state.Explorer` into the data of the
marks of one figure (``x`` / ``y`` lists, colour classes, tooltip texts, labels, axis ranges);
:mod:`qualitykit.explore.app` copies them into its bqplot marks. Keeping the figures' content
here makes it testable without a browser and keeps the widget layer free of decisions.

==================  ==================================================================
function            marks
==================  ==================================================================
:func:`funnel`      centre line, 95 % limits (dashed), 99.8 % limits (solid), the units
                    (one point per row of the view's table, so a clicked point's index is
                    the row; colour class 0 within / 1 below / 2 above the 99.8 % limits),
                    the selected unit (ringed)
:func:`trend`       the unit's yearly rates with their Wilson intervals, the GLM trend
                    and its confidence band, the region's yearly rates, target lines
:func:`pareto`      item counts (bars; class 0 vital few / 1 the rest / 2 "Other") and the
                    cumulative share
==================  ==================================================================

Tooltip texts are escaped HTML. The look follows :mod:`qualitykit.report.plots` (its colour-blind
palette, labels, and its CJK font list for the browser: :data:`FONT_FAMILY`).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.report import narrative
from qualitykit.report.narrative import Lang

__all__ = ["COLOURS", "FONT_FAMILY", "funnel", "pareto", "trend"]

COLOURS: dict[str, str] = {
    "blue": "#0173b2",
    "orange": "#de8f05",
    "green": "#029e73",
    "red": "#d55e00",
    "grey": "#949494",
    "dark": "#333333",
    "light": "#c8c8c8",
}
"""The colour-blind palette of :mod:`qualitykit.report.plots` (seaborn "colorblind", Wong 2011)."""
FLAG_CLASSES: tuple[str, ...] = ("within", "low", "high")
"""Colour classes of the funnel's points: blue, red, green."""


def _font_family() -> str:
    from qualitykit.report.plots import CJK_FAMILIES

    return ", ".join([*(f'"{f}"' for f in CJK_FAMILIES), "sans-serif"])


FONT_FAMILY = _font_family()
"""CSS font list: the CJK families of :data:`qualitykit.report.plots.CJK_FAMILIES` first."""


def label(key: str, lang: Lang) -> str:
    """An axis / legend text of :data:`qualitykit.report.plots.LABELS`."""
    from qualitykit.report.plots import label as plots_label

    return plots_label(key, lang)


def _e(value: object) -> str:
    return html.escape(str(value))


def _floats(values: Any) -> list[float]:
    arr = np.asarray(values, dtype=float)
    return [float(v) for v in arr]


def _range(values: list[float], pad_share: float = 0.04) -> tuple[float, float]:
    """A y range (proportions) around ``values``, padded, within [0, 1] plus the padding."""
    finite = [v for v in values if np.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    pad = max(pad_share * (hi - lo), 0.005)
    return max(0.0, lo - pad), min(1.0, hi) + pad


# ---------------------------------------------------------------------------------------------
# funnel
# ---------------------------------------------------------------------------------------------


def _funnel_tooltip(r: Any, name_col: str, flag: str, lang: Lang) -> str:
    name, code = _e(getattr(r, name_col)), _e(r.region_code)
    rate, lo, hi = (narrative.pct(v) for v in (r.pass_rate, r.ci_lower, r.ci_upper))
    where = _e(narrative.flag_label(flag, lang))
    if lang == "zh":
        rows = [
            f"抽查批次 {narrative.count(r.batches)}",
            f"批次合格率 {rate}",
            f"95% 置信区间 {lo} – {hi}",
            f"漏斗图（99.8%）：{where}",
        ]
    else:
        rows = [
            f"batches {narrative.count(r.batches)}",
            f"pass rate {rate}",
            f"95% CI {lo} – {hi}",
            f"funnel (99.8%): {where}",
        ]
    return f"<b>{name}</b> ({code})<br>" + "<br>".join(rows)


def funnel(
    table: pd.DataFrame | None,
    grid: pd.DataFrame | None,
    *,
    selected: str | None = None,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """The funnel plot of :meth:`Explorer.funnel` (``table`` and ``extra["grid"]``): pass rate
    against batches, exact limits at 95 % and 99.8 %, the units by their 99.8 % flag, the
    selected unit. Returns ``points`` (``x``, ``y``, ``flag`` class, ``codes``, ``tooltips``),
    ``lines`` (``n``; ``center``; ``95`` and ``998`` as [lower, upper]), ``selected`` (``x``,
    ``y``, ``text``), ``x_max`` and ``y_range``; empty lists when there is no table."""
    empty = {
        "points": {"x": [], "y": [], "flag": [], "codes": [], "tooltips": []},
        "lines": {"n": [], "center": [], "95": [[], []], "998": [[], []]},
        "selected": {"x": [], "y": [], "text": []},
        "x_max": 1.0,
        "y_range": (0.0, 1.0),
    }
    if table is None or len(table) == 0:
        return empty
    name_col = "name_zh" if lang == "zh" else "name_en"
    flags = (
        table["flag_998"].astype("string").fillna("within").tolist()
        if "flag_998" in table.columns
        else ["within"] * len(table)
    )
    x, y = _floats(table["batches"]), _floats(table["pass_rate"])
    points = {
        "x": x,
        "y": y,
        "flag": [FLAG_CLASSES.index(f) if f in FLAG_CLASSES else 0 for f in flags],
        "codes": table["region_code"].astype(str).tolist(),
        "tooltips": [
            _funnel_tooltip(r, name_col, f, lang)
            for r, f in zip(table.itertuples(index=False), flags, strict=True)
        ],
    }
    lines: dict[str, Any] = dict(empty["lines"])
    ys = list(y)
    if grid is not None and len(grid):
        n = _floats(grid["n"])
        lines["n"] = n
        lines["center"] = _floats(grid["center"])
        span = np.asarray(n) >= min(x)
        for lev in ("95", "998"):
            lo, hi = f"lower_{lev}", f"upper_{lev}"
            if lo in grid and hi in grid:
                lines[lev] = [_floats(grid[lo]), _floats(grid[hi])]
        for col in ("lower_998", "upper_998"):
            if col in grid:
                ys += [v for v, s in zip(_floats(grid[col]), span, strict=True) if s]
    codes = points["codes"]
    sel = [i for i, c in enumerate(codes) if selected is not None and c == str(selected)]
    return {
        "points": points,
        "lines": lines,
        "selected": {
            "x": [x[i] for i in sel],
            "y": [y[i] for i in sel],
            "text": [str(table[name_col].iloc[i]) for i in sel],
        },
        # the units' range (the limit lines are clipped to it), with room for the selected name
        "x_max": max(x) * 1.12,
        "y_range": _range(ys),
    }


# ---------------------------------------------------------------------------------------------
# trend
# ---------------------------------------------------------------------------------------------


def trend(
    yearly: pd.DataFrame | None,
    *,
    fitted: pd.DataFrame | None = None,
    parent: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """The selected unit's trend (:meth:`Explorer.trend`). Returns ``observed`` (``x`` year,
    ``y`` rate, ``tooltips``), ``errors`` (one [year, year] / [lower, upper] segment per year:
    the Wilson intervals), ``fitted`` and ``band`` (GLM trend and its confidence interval, upper
    then lower), ``parent`` (the region's yearly rates), ``targets`` (one horizontal segment per
    target line over the plotted years, ``labels`` "目标 ≥90.0% · 2010 … (已达标)", label
    positions), ``x_range`` and ``y_range``; empty lists when there is no table."""
    out: dict[str, Any] = {
        "observed": {"x": [], "y": [], "tooltips": []},
        "errors": {"x": [], "y": []},
        "fitted": {"x": [], "y": []},
        "band": {"x": [], "y": [[], []]},
        "parent": {"x": [], "y": []},
        "targets": {"x": [], "y": [], "labels": [], "label_x": [], "label_y": []},
        "x_range": (0.0, 1.0),
        "y_range": (0.0, 1.0),
    }
    if yearly is None or len(yearly) == 0:
        return out
    years = _floats(yearly["year"])
    rate, lo, hi = (_floats(yearly[c]) for c in ("pass_rate", "ci_lower", "ci_upper"))
    word = ("抽查批次", "95% 置信区间") if lang == "zh" else ("batches", "95% CI")
    out["observed"] = {
        "x": years,
        "y": rate,
        "tooltips": [
            f"<b>{int(yr)}</b>: {narrative.pct(r)}<br>{word[1]} {narrative.pct(a)} – "
            f"{narrative.pct(b)}<br>{word[0]} {narrative.count(n)}"
            for yr, r, a, b, n in zip(years, rate, lo, hi, yearly["batches"], strict=True)
        ],
    }
    out["errors"] = {
        "x": [[v, v] for v in years],
        "y": [[a, b] for a, b in zip(lo, hi, strict=True)],
    }
    values = [*rate, *lo, *hi]
    if fitted is not None and len(fitted):
        fx = _floats(fitted["year"])
        out["fitted"] = {"x": fx, "y": _floats(fitted["fitted"])}
        if {"fit_lower", "fit_upper"} <= set(fitted.columns):
            out["band"] = {
                "x": fx,
                "y": [_floats(fitted["fit_upper"]), _floats(fitted["fit_lower"])],
            }
    all_years = list(years)
    if parent is not None and len(parent):
        out["parent"] = {"x": _floats(parent["year"]), "y": _floats(parent["pass_rate"])}
        values += out["parent"]["y"]
        all_years += out["parent"]["x"]
    x0, x1 = min(all_years) - 0.5, max(all_years) + 0.5
    out["x_range"] = (x0, x1)
    if targets is not None and len(targets):
        tgt = out["targets"]
        for r in targets.itertuples(index=False):
            v = float(r.value)
            tgt["x"].append([x0, x1])
            tgt["y"].append([v, v])
            status = narrative.status_label(r.status, lang)
            tgt["labels"].append(
                f"{label('target', lang)} {r.label}（{status}）"
                if lang == "zh"
                else f"{label('target', lang)} {r.label} ({status})"
            )
            tgt["label_x"].append(x0 + 0.1)
            tgt["label_y"].append(v)
            values.append(v)
    out["y_range"] = _range(values, 0.06)
    return out


# ---------------------------------------------------------------------------------------------
# pareto
# ---------------------------------------------------------------------------------------------


def pareto(table: pd.DataFrame | None, *, lang: Lang = "zh") -> dict[str, Any]:
    """The Pareto chart of :meth:`Explorer.pareto` (a ``pareto_table``): ``items`` (labels in
    ``lang``), ``counts``, ``kind`` (0 vital few, 1 the rest, 2 "Other"), ``cum_share`` and
    ``tooltips``; empty lists when there is no table."""
    if table is None or len(table) == 0:
        return {"items": [], "counts": [], "kind": [], "cum_share": [], "tooltips": []}
    items = [narrative.label_value(v, lang, "item") for v in table["item"].astype(str)]
    # two items may read the same once translated: keep the bars apart
    seen: dict[str, int] = {}
    unique = []
    for it in items:
        seen[it] = seen.get(it, 0) + 1
        unique.append(it if seen[it] == 1 else f"{it} ({seen[it]})")
    vital = table["vital_few"].astype(bool).tolist()
    other = table["is_other"].astype(bool).tolist()
    counts = [int(c) for c in table["count"]]
    share = _floats(table["share"])
    word = ("项次", "占比", "累计") if lang == "zh" else ("nonconformities", "share", "cumulative")
    cum = _floats(table["cum_share"])
    return {
        "items": unique,
        "counts": counts,
        "kind": [2 if o else (0 if v else 1) for v, o in zip(vital, other, strict=True)],
        "cum_share": cum,
        "tooltips": [
            f"<b>{_e(it)}</b><br>{word[0]} {narrative.count(c)}<br>{word[1]} {narrative.pct(s)}"
            f"<br>{word[2]} {narrative.pct(k)}"
            for it, c, s, k in zip(unique, counts, share, cum, strict=True)
        ],
    }
