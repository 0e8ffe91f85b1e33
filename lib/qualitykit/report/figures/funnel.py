"""Funnel plot (``benchmark.funnel_units`` and ``benchmark.funnel_grid``).

Built in two layers so that a batch run can draw the shared part once per province (issue 14):
:func:`funnel_layer` computes what every district of a province shares (the limit curves, the
siblings' points and colours, their names, the axis ranges) and :func:`draw_funnel_layer` draws
it; :func:`draw_funnel_marks` adds one report's own marks (the highlighted unit's ring and the
name labels, placed without overlap by :mod:`qualitykit.report.figures.labels`).
:func:`funnel_figure` does all three; it draws the shared layer of a province once per process
and reuses its pixels for every district of it (:mod:`qualitykit.report.figures.layers`), with
the same picture as a full draw (``tests/test_figures_reference.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from qualitykit.errors import ParameterError
from qualitykit.report.figures import common
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
from qualitykit.report.figures.labels import place_labels
from qualitykit.report.figures.layers import LayeredFigure, cached, copy_of, keep_copy
from qualitykit.report.figures.layout import rc_key
from qualitykit.report.figures.style import (
    _BLUE,
    _DARK,
    _GREEN,
    _GREY,
    _ORANGE,
    _RED,
    FIGSIZE,
    Lang,
    _ensure_style,
    _lang,
    label,
)

HIGHLIGHT_SIZE = 90.0  # points² of the ring around the highlighted unit
DENSE = 1000
"""More units than this: their points are rasterized in an SVG or PDF (a PNG is unchanged)."""
# the units' columns the shared layer reads (with every ``flag_<level>``): points, colours and
# names (the label column, or the default ones of ``common._labels``, or the index)
_LAYER_COLUMNS = frozenset(
    {"batches", "pass_rate", "z", "name", "name_zh", "name_en", "region_name", "unit"}
    | {"region_code", "label"}
)


def _levels(grid: pd.DataFrame) -> list[str]:
    sfx = [c[len("lower_") :] for c in grid.columns if c.startswith("lower_")]
    sfx = [s for s in sfx if f"upper_{s}" in grid.columns]
    return sorted(sfx, key=lambda s: float(_level_text(s)[:-1]))


def _flags(units: pd.DataFrame, column: str) -> np.ndarray:
    if column not in units.columns:
        return np.full(len(units), "within", dtype=object)
    return units[column].astype("string").fillna("within").to_numpy(dtype=object)


@dataclass(frozen=True)
class FunnelLayer:
    """What every report on the same siblings shares: limit curves (``n``, ``center``,
    ``limits``: level → (lower, upper)), the units' points (``batches``, ``rate``, ``sizes``,
    ``flag_outer``, ``flag_inner``, ``z``), their ``names`` and the axis ranges."""

    units: pd.DataFrame
    label_column: str | None
    lang: Lang
    n: np.ndarray
    center: np.ndarray
    levels: tuple[str, ...]
    limits: dict[str, tuple[np.ndarray, np.ndarray]]
    batches: np.ndarray
    rate: np.ndarray
    sizes: np.ndarray
    flag_outer: np.ndarray
    flag_inner: np.ndarray
    z: np.ndarray
    names: list[str]
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    @property
    def outer(self) -> str:
        return self.levels[-1]

    @property
    def inner(self) -> str:
        return self.levels[0]


def funnel_layer(
    units: pd.DataFrame,
    grid: pd.DataFrame,
    *,
    label_column: str | None = None,
    sized: bool = False,
    lang: Lang = "zh",
) -> FunnelLayer:
    """The shared layer of a funnel plot (see :func:`funnel_figure` for the inputs)."""
    lang = _lang(lang)
    _require(units, ["batches", "pass_rate"], "funnel_figure (units)")
    _require(grid, ["n", "center"], "funnel_figure (grid)")
    levels = _levels(grid)
    if not levels:
        raise ParameterError("funnel_figure: grid has no lower_<level>/upper_<level> columns")
    outer, inner = levels[-1], levels[0]
    n, rate = _num(units, "batches"), _num(units, "pass_rate")
    gn = _num(grid, "n")
    limits = {s: (_num(grid, f"lower_{s}"), _num(grid, f"upper_{s}")) for s in levels}
    sizes = 12.0 + 140.0 * n / np.nanmax(n) if sized else np.full(n.shape, 22.0)
    z = np.abs(_num(units, "z")) if "z" in units.columns else np.zeros(len(units))
    # y range: the points and the limits over the units' range of batches (not the funnel's mouth)
    span = gn >= np.nanmin(n)
    ys = [rate] + [lim[span] for lim in limits[outer]]
    lo_y = float(np.nanmin(np.concatenate(ys)))
    hi_y = float(np.nanmax(np.concatenate(ys)))
    pad = max(0.06 * (hi_y - lo_y), 0.005)  # room for labels above and below the points
    return FunnelLayer(
        units=units,
        label_column=label_column,
        lang=lang,
        n=gn,
        center=_num(grid, "center"),
        levels=tuple(levels),
        limits=limits,
        batches=n,
        rate=rate,
        sizes=sizes,
        flag_outer=_flags(units, f"flag_{outer}"),
        flag_inner=_flags(units, f"flag_{inner}"),
        z=np.nan_to_num(z, nan=0.0),
        names=_labels(units, label_column, lang),
        xlim=(0.0, float(np.nanmax(gn))),
        ylim=(max(0.0, lo_y - pad), min(1.0 + pad, hi_y + pad)),
    )


def draw_funnel_layer(ax: Any, layer: FunnelLayer) -> None:
    """Draw the shared layer: centre line, limits (outer solid, inner dashed), the units'
    points (below the limits red, above green), axes, labels and ranges."""
    lang = layer.lang
    ax.plot(layer.n, layer.center, color=_DARK, linewidth=1.2, label=label("centre", lang))
    styles = {layer.outer: "-", layer.inner: "--"}
    for sfx in layer.levels:
        style = styles.get(sfx, ":")
        lower, upper = layer.limits[sfx]
        text = f"{_level_text(sfx)} {label('limits', lang)}"
        ax.plot(layer.n, lower, color=_GREY, linestyle=style, label=text)
        ax.plot(layer.n, upper, color=_GREY, linestyle=style)
    for flag, colour, key in (
        ("within", _BLUE, "within"),
        ("low", _RED, "below"),
        ("high", _GREEN, "above"),
    ):
        sel = layer.flag_outer == flag
        if sel.any():
            ax.scatter(
                layer.batches[sel],
                layer.rate[sel],
                s=layer.sizes[sel],
                color=colour,
                alpha=0.8,
                linewidths=0.4,
                edgecolors="white",
                zorder=3,
                label=f"{label(key, lang)} ({_level_text(layer.outer)})",
                rasterized=len(layer.rate) > DENSE,
            )
    ax.set_ylim(*layer.ylim)
    ax.set_xlim(*layer.xlim)
    _percent_axis(ax.yaxis)
    ax.set_xlabel(label("batches", lang))
    ax.set_ylabel(label("pass_rate", lang))


def labelled_units(
    layer: FunnelLayer,
    highlight: int = -1,
    *,
    label_outliers: bool = True,
    label_inner: bool = False,
    max_labels: int = 25,
    label_largest: int = 0,
) -> tuple[np.ndarray, int]:
    """Which units are named, most important first, and how many flagged units are left
    unnamed by ``max_labels``.

    The rule: the highlighted unit always; with ``label_outliers`` every unit outside the outer
    limits (and the inner ones with ``label_inner``), the most extreme |z| first, at most
    ``max_labels``; then the ``label_largest`` units with the most batches. Other units stay
    unnamed (their names are in the report's table).
    """
    k = len(layer.rate)
    out = np.zeros(k, dtype=bool)
    if label_outliers:
        out |= layer.flag_outer != "within"
        if label_inner:
            out |= layer.flag_inner != "within"
    if highlight >= 0:
        out[highlight] = False
    idx = np.flatnonzero(out)
    idx = idx[np.argsort(-layer.z[idx], kind="stable")]
    dropped = max(0, idx.size - max_labels)
    idx = idx[:max_labels]
    if label_largest > 0:
        big = np.argsort(-np.nan_to_num(layer.batches, nan=0.0), kind="stable")[:label_largest]
        idx = np.concatenate([idx, [i for i in big if i not in idx and i != highlight]])
    order = ([highlight] if highlight >= 0 else []) + [int(i) for i in idx]
    return np.asarray(order, dtype=int), dropped


def draw_funnel_marks(
    ax: Any,
    layer: FunnelLayer,
    *,
    highlight: Hashable | None = None,
    label_outliers: bool = True,
    label_inner: bool = False,
    max_labels: int = 25,
    label_largest: int = 0,
) -> list[Text]:
    """Draw one report's marks on a drawn layer: the ring around ``highlight`` and the names
    chosen by :func:`labelled_units`, placed without overlap. Returns the name labels."""
    hi = _match(layer.units, layer.names, highlight, layer.label_column)
    if hi >= 0:
        ax.scatter(
            [layer.batches[hi]],
            [layer.rate[hi]],
            s=HIGHLIGHT_SIZE,
            facecolors="none",
            edgecolors=_ORANGE,
            linewidths=2,
            zorder=4,
        )
    order, dropped = labelled_units(
        layer,
        hi,
        label_outliers=label_outliers,
        label_inner=label_inner,
        max_labels=max_labels,
        label_largest=label_largest,
    )
    if dropped:
        ax.figure.text(
            0.99,
            0.01,
            label("unlabelled_flagged", layer.lang).format(k=dropped),
            ha="right",
            va="bottom",
            fontsize=7,
            color=_GREY,
        )
    xy = np.column_stack([layer.batches, layer.rate])
    rest = np.setdiff1d(np.arange(len(layer.rate)), order)
    sizes = np.where(order == hi, HIGHLIGHT_SIZE, layer.sizes[order]) if order.size else []
    return place_labels(
        ax,
        xy[order],
        [layer.names[i] for i in order],
        marker_size=sizes,
        bold=[i == hi for i in order],
        obstacles=xy[rest],
        obstacle_size=layer.sizes[rest],
    )


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
    label_largest: int = 0,
) -> Figure:
    """Funnel plot: units' pass rates against their batches inside the control limits.

    ``units`` is :func:`qualitykit.stats.benchmark.funnel_units` (``batches``, ``pass_rate``,
    ``flag_<level>``), ``grid`` is :func:`~qualitykit.stats.benchmark.funnel_grid` with the same
    ``levels`` (``n``, ``center``, ``lower_<level>``/``upper_<level>``: 95 % dashed, 99.8 %
    solid). Units outside the widest limits are coloured (below: red, above: green) and, with
    ``label_outliers``, named (``label_inner``: also those outside the inner limits; at most
    ``max_labels``, the most extreme |z| first; a note says how many flagged units are left
    unnamed); ``label_largest`` also names the N units with the most batches. Names come from
    ``label_column`` (default ``name``/``name_zh``/``region_code``); ``highlight`` marks one
    unit (name or region code), always named, in bold; ``sized`` scales the points by batches.
    Names never overlap each other, the named points or the axes' edge.
    """
    layer = funnel_layer(units, grid, label_column=label_column, sized=sized, lang=lang)
    _ensure_style()
    key = _layer_key(units, grid, label_column, sized, layer.lang, title)
    fig = copy_of(key)
    if fig is None:
        fig, ax = _new_figure(FIGSIZE, LayeredFigure)
        draw_funnel_layer(ax, layer)
        fig.legend(loc="outside lower center", ncols=3)
        fig = _finish(fig, ax, title)
        drawn_before = cached(key) is not None
        fig.mark_layer(key)
        if drawn_before:  # marked without being drawn: later figures of the layer copy it
            keep_copy(fig, key)
    ax = fig.axes[0]
    draw_funnel_marks(
        ax,
        layer,
        highlight=highlight,
        label_outliers=label_outliers,
        label_inner=label_inner,
        max_labels=max_labels,
        label_largest=label_largest,
    )
    return fig


def _layer_key(
    units: pd.DataFrame,
    grid: pd.DataFrame,
    label_column: str | None,
    sized: bool,
    lang: str,
    title: str | None,
) -> tuple[object, ...]:
    """What the shared layer of a funnel depends on: the columns of the two tables it draws
    (not, e.g., a verdict that changes with ``k_pp``: reports that differ only there share the
    layer), the options, the style, the figure's size and dpi (a new figure's: ``FIGSIZE`` and
    the rcParams' ``figure.dpi``) and the axes class."""
    h = hashlib.sha256()
    used = [
        c
        for c in units.columns
        if str(c) in _LAYER_COLUMNS or str(c).startswith("flag_") or c == label_column
    ]
    _digest(h, units, used)
    _digest(h, grid, list(grid.columns))
    return (
        h.hexdigest(),
        label_column,
        sized,
        lang,
        title,
        rc_key(),
        tuple(float(x) for x in FIGSIZE),
        float(mpl.rcParams["figure.dpi"]),
        common.Axes,
    )


def _digest(h: Any, frame: pd.DataFrame, columns: list[Any]) -> None:
    """Feed ``columns`` of ``frame`` into the hash ``h``: their names and dtypes, the index and
    each column's values — numbers as their bytes, anything else as the ``repr`` of its values
    (a missing value and the text "<NA>" differ). Equal digests mean equal tables; a fraction of
    the cost of ``pandas.util.hash_pandas_object`` for a province's units."""
    index = frame.index
    h.update((repr(index) if isinstance(index, pd.RangeIndex) else repr(index.tolist())).encode())
    for c in columns:
        column = frame[c]
        h.update(repr((str(c), str(column.dtype))).encode())
        values = column.to_numpy()
        if values.dtype.kind in "biufcmM":
            h.update(np.ascontiguousarray(values).tobytes())
        else:
            h.update(repr(column.tolist()).encode())
        h.update(b"\x1f")
