"""Caterpillar plot of estimates with intervals, ordered (``benchmark.eb_shrinkage``,
``benchmark.rank_intervals`` or any table with ``ci_lower`` / ``ci_upper``).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from qualitykit.report.figures.common import (
    _finish,
    _labels,
    _match,
    _new_figure,
    _num,
    _percent_axis,
    _require,
)
from qualitykit.report.figures.funnel import DENSE
from qualitykit.report.figures.style import (
    _BLUE,
    _DARK,
    _GREY,
    _ORANGE,
    FIGSIZE,
    Lang,
    _lang,
    label,
)


def _bars(
    ax: Any, e: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray, text: str
) -> None:
    """Points with horizontal interval bars: what ``ax.errorbar(e, y, xerr=…, fmt="o")`` draws
    (the bars one collection at zorder 2, the points above at 2.1, one legend entry), built from
    plain arrays — ``errorbar`` makes a masked array per bar, a second per figure for 3,000
    units (issue 10)."""
    bars = LineCollection(
        np.stack([np.column_stack([low, y]), np.column_stack([high, y])], axis=1),
        colors=_BLUE,
        linestyles="solid",
        linewidths=1.2,
        label="_nolegend_",
        zorder=2,
        rasterized=len(e) > DENSE,
    )
    (points,) = ax.plot(
        e,
        y,
        "o",
        color=_BLUE,
        markersize=3.5,
        label="_nolegend_",
        zorder=2.1,
        rasterized=len(e) > DENSE,
    )
    ax.add_collection(bars)
    ax.add_container(
        ErrorbarContainer((points, (), (bars,)), has_xerr=True, has_yerr=False, label=text)
    )


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
    _bars(
        ax,
        e[rest],
        ypos[rest],
        low[rest],
        high[rest],
        label(
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
