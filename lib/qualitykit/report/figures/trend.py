"""Trend figure: a fitted trend with intervals, observed rates with error bars, targets,
forecasts and a programme start (``trends.glm_trend`` / ``forecast`` / ``segmented_regression``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from qualitykit.errors import ParameterError
from qualitykit.report.figures.common import (
    _finish,
    _is_proportion,
    _new_figure,
    _num,
    _percent_axis,
    _require,
    _target_line,
)
from qualitykit.report.figures.style import (
    _BLUE,
    _DARK,
    _GREY,
    _ORANGE,
    Lang,
    _lang,
    _text,
    label,
)


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
    percent = _is_proportion(*values, np.array([] if target is None else [float(target)]))
    if percent:
        _percent_axis(ax.yaxis)
    if xcol != "t" or np.allclose(x, np.round(x)):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    yearly = xcol in ("t", "year") or bool(np.all((x >= 1900) & (x <= 2100)))
    ax.set_xlabel(label("year" if yearly else "time", lang))
    ax.set_ylabel(_text(ylabel, "") if ylabel else label("pass_rate", lang))
    ax.legend(loc="best")
    # a percent axis has no offset text and the x ticks are below: nothing above the axes
    return _finish(
        fig, ax, title, title_on_top=percent and ax.xaxis.get_ticks_position() == "bottom"
    )
