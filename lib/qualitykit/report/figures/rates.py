"""Rates by group with their intervals (``metrics.rates`` / ``metrics.standardise``)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from qualitykit.errors import ParameterError
from qualitykit.report.figures.common import (
    _finish,
    _is_proportion,
    _new_figure,
    _num,
    _pct,
    _percent_axis,
    _require,
    _target_line,
)
from qualitykit.report.figures.style import (
    _BLUE,
    _DARK,
    _GREY,
    _ORANGE,
    _VALUE_ORDER,
    _VALUE_ZH,
    Lang,
    _lang,
    _texts,
    label,
)


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
