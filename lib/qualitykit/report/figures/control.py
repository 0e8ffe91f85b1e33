"""Control chart figure (``spc.control_chart``: p, np or Laney p′)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from qualitykit.errors import ParameterError
from qualitykit.report.figures.common import (
    _finish,
    _new_figure,
    _num,
    _percent_axis,
    _require,
)
from qualitykit.report.figures.style import (
    _BLUE,
    _DARK,
    _GREY,
    _ORANGE,
    _RED,
    Lang,
    _lang,
    _texts,
    label,
)


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
