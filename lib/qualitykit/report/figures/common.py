"""Helpers shared by the figure functions: a new constrained-layout figure (its axes
:class:`qualitykit.report.figures.ticks.Axes`), checks of the input
table, percent axes, titles, unit labels and the highlighted unit.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from qualitykit.errors import ParameterError
from qualitykit.report.figures.layout import rc_key
from qualitykit.report.figures.style import (
    _RED,
    FIGSIZE,
    Lang,
    _ensure_style,
    _text,
    _texts,
    label,
)
from qualitykit.report.figures.ticks import Axes

_BLANK_MAX = 8
_BLANK: OrderedDict[tuple[type, type, tuple[float, float], int], bytes] = OrderedDict()
"""Pickled blank figures (:func:`_new_figure`) by figure class, axes class, size and the
rcParams they were made under (:func:`~qualitykit.report.figures.layout.rc_key`)."""


def _new_figure(
    figsize: tuple[float, float] | None = None, figure_class: type[Figure] = Figure
) -> tuple[Figure, Any]:
    """A new constrained-layout ``figure_class`` of ``figsize`` with one
    :class:`~qualitykit.report.figures.ticks.Axes`, and that axes.

    Building the axes is ≈ 4 ms of matplotlib (its ticks, spines, grid and limits set up from
    the rcParams); a copy of a blank figure unpickled from a per-process template is ≈ 2.5 ms
    (issue 14). matplotlib's figures are picklable with their whole state, and a template is used
    only under the rcParams it was made under (its key holds ``rc_key()``), so the copy is the
    figure ``figure_class(figsize=…, layout="constrained")`` and ``add_subplot(axes_class=Axes)``
    give; ``tests/test_figures_blank.py`` compares their pixels and SVGs."""
    _ensure_style()
    width, height = figsize or FIGSIZE
    key = (figure_class, Axes, (float(width), float(height)), rc_key())
    data = _BLANK.get(key)
    if data is not None:
        _BLANK.move_to_end(key)
        fig = pickle.loads(data)
        return fig, fig.axes[0]
    fig = figure_class(figsize=key[2], layout="constrained")
    ax = fig.add_subplot(axes_class=Axes)
    _BLANK[key] = pickle.dumps(fig, protocol=pickle.HIGHEST_PROTOCOL)
    while len(_BLANK) > _BLANK_MAX:
        _BLANK.popitem(last=False)
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


def _finish(fig: Figure, ax: Any, title: str | None, *, title_on_top: bool = False) -> Figure:
    """Title the axes. ``title_on_top``: the caller knows nothing is drawn above the axes (x
    ticks below, no offset text on the y axis): the title is placed where matplotlib would put it
    (``y=1``) without matplotlib measuring both axes' ticks again at each draw to find that out."""
    if title:
        text = _text(title, fallback="")
        if text != "?":
            ax.set_title(text, y=1.0 if title_on_top else None)
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


def _target_line(ax: Any, target: float, lang: Lang) -> None:
    """The dotted red line of a target rate, labelled with its value."""
    ax.axhline(
        target,
        color=_RED,
        linestyle=":",
        linewidth=1.6,
        label=f"{label('target', lang)} {_pct(target)}",
    )
