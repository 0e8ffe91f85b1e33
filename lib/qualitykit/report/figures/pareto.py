"""Pareto chart (``pareto.pareto_table`` / ``pareto.pareto_by_cause``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from qualitykit.errors import ParameterError
from qualitykit.report.figures.common import (
    _finish,
    _new_figure,
    _num,
    _pct,
    _percent_axis,
    _require,
)
from qualitykit.report.figures.style import (
    _BLUE,
    _GREY,
    _ORANGE,
    _RED,
    Lang,
    _lang,
    _texts,
    label,
)

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
    counted: str = "items",
) -> Figure:
    """Pareto chart of :func:`qualitykit.stats.pareto.pareto_table`: bars and cumulative share.

    Bars of ``count`` in the table's order with the vital few (``vital_few``) highlighted and the
    "Other" bucket (``is_other``) last; the cumulative share (``cum_share``) on a right axis with
    a horizontal line at ``cut`` (pass the ``cut`` given to ``pareto_table``; None: no line).
    ``category`` names the label column (default: the one column that is not a Pareto column).
    ``counted``: what a count is — ``items`` (不合格项次, one per failed test item) or ``batches``
    (不合格批次数, e.g. a published table of nonconforming batches per item); it names the y axis.
    """
    lang = _lang(lang)
    if counted not in ("items", "batches"):
        raise ParameterError(
            f"pareto_figure: counted must be 'items' or 'batches', got {counted!r}"
        )
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
    ax.set_ylabel(label("nc_batches" if counted == "batches" else "nonconformities", lang))
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
