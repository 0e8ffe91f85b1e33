"""Funnel plot (``benchmark.funnel_units`` and ``benchmark.funnel_grid``)."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from qualitykit.errors import ParameterError
from qualitykit.report.figures.common import (
    _finish,
    _labels,
    _level_text,
    _match,
    _new_figure,
    _num,
    _percent_axis,
    _require,
)
from qualitykit.report.figures.style import (
    _BLUE,
    _DARK,
    _GREEN,
    _GREY,
    _ORANGE,
    _RED,
    Lang,
    _lang,
    label,
)


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
