"""A figure's layout computed once and frozen.

matplotlib's constrained layout (``layout="constrained"``) runs on every draw, and a save of a
figure with any layout engine — even the placeholder matplotlib keeps after
``set_layout_engine("none")`` — makes a whole extra pass over the figure (a draw without
rendering) before the real draw. With two figures per district brief this was about a third of a
brief's compute (issue 14). :func:`freeze_layout` runs the figure's layout engine once, then
removes it: the positions are the ones matplotlib computes (same picture), later draws move
nothing and a save draws once.

:func:`settle_layout` (what :func:`qualitykit.report.figures.style.save_figure` calls) goes one
step further for a figure of one plain axes (the trend, rates, Pareto and control figures): the
constrained layout of such a figure depends only on the figure's size and style and on the texts
around the axes — the tick labels, the axis labels, the title's height, a legend inside the axes.
The layout is computed by matplotlib's constrained layout the first time and kept per process
under a key of exactly those (a title only by how far it reaches above the axes: constrained
layout counts its top, and the axes top moves with it pixel for pixel; the y tick labels only by
the widest one's width, which moves the axes' left edge the same way) (:data:`CACHE_SIZE` entries); another figure with the same key gets
the same axes position without a layout pass (the district briefs of a batch share a handful of
keys). Anything else around the axes (a text or annotation outside it, a figure legend, a
colorbar, a second axes) and the figure is laid out by matplotlib as before.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib import transforms
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine, PlaceHolderLayoutEngine
from matplotlib.legend import Legend
from matplotlib.spines import Spine
from matplotlib.ticker import Formatter, NullLocator

_RC: dict[str, Any] = {"key": None, "snapshot": None}
CACHE_SIZE = 256
MAX_SHIFT = 4.0
"""A title reaching this many pixels higher or lower than the cached figure's moves the axes top
by as much (the title is the highest text above the axes: the ticks are below it), y tick labels
up to ten times as much wider or narrower move its left edge by as much (the y label is placed
left of them); further, the figure is laid out afresh."""
_LAYOUTS: OrderedDict[Any, Any] = OrderedDict()  # full key -> (original, active) bounds
_START: dict[Any, Any] = {}  # figure family -> the position its last layout gave


def renderer(fig: Figure) -> Any:
    """The Agg renderer of ``fig`` (an Agg canvas is attached when it has another one)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def rc_key() -> int:
    """A key of the current style (every rcParam), recomputed only when rcParams changed: they
    are compared (≈ 5 µs) with a deep copy taken when the key was made, so a value changed in
    place (a list of fonts, say) is a change too."""
    snapshot = _RC["snapshot"]
    try:
        same = snapshot is not None and bool(dict.__eq__(mpl.rcParams, snapshot))
    except Exception:  # noqa: BLE001 - e.g. an array value: ambiguous, so changed
        same = False
    if not same:
        snapshot = _RC["snapshot"] = copy.deepcopy(dict(mpl.rcParams))
        _RC["key"] = hash(tuple(sorted((k, repr(v)) for k, v in snapshot.items())))
    return _RC["key"]


def freeze_layout(fig: Figure) -> None:
    """Run the figure's layout engine once (at the figure's dpi, with the Agg renderer) and
    remove it: later draws move nothing, measure nothing for the layout, and a save draws the
    figure once. A figure without a layout engine (or already frozen) is left as it is."""
    engine = fig.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        return
    renderer(fig)
    engine.execute(fig)
    drop_layout_engine(fig)


def drop_layout_engine(fig: Figure) -> None:
    """No layout engine from now on: matplotlib's ``"none"`` keeps a placeholder engine, with
    which every save still makes a layout pass (a draw without rendering) before the real draw."""
    fig.set_layout_engine(None)
    if fig.get_layout_engine() is not None:  # rcParams ask for a layout: keep the placeholder
        fig.set_layout_engine("none")


def clear_cache() -> None:
    """Forget the cached layouts (:func:`settle_layout`)."""
    _LAYOUTS.clear()
    _START.clear()


def settle_layout(fig: Figure) -> None:
    """Freeze the figure's layout (:func:`freeze_layout`), re-using the cached layout of a
    figure of one plain axes whose size, style and texts around the axes are those of a figure
    laid out before (see the module); the axes position is then the one constrained layout gave
    that figure, and the ticks at it are checked to be the key's."""
    engine = fig.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine):
        freeze_layout(fig)
        return
    family = _family(fig, engine)
    if family is None:
        freeze_layout(fig)
        return
    ax = fig.axes[0]
    rend = renderer(fig)
    start = _START.get(family)
    if start is not None:
        _place(ax, start)
    texts = _texts(ax)
    if texts is None:
        freeze_layout(fig)
        return
    ticks = _ticks(ax)
    key = (family, texts, ticks[:2])  # the y tick labels by their width
    hit = _LAYOUTS.get(key)
    if hit is not None:
        _LAYOUTS.move_to_end(key)
        pos, top, left = hit
        new_top, new_left = _title_top(ax, rend), _label_width(ax, rend, ticks)
        rise = new_top - top  # a taller title: the axes top lower, pixel for pixel
        widen = new_left - left  # wider y tick labels: the axes left edge further right
        if not rise or (abs(rise) <= MAX_SHIFT and min(top, new_top) > _tick_reach(fig)):
            if abs(widen) <= MAX_SHIFT * 10:
                pos = _moved(pos, widen / fig.bbox.width, rise / fig.bbox.height)
                if pos != start:
                    _place(ax, pos)
                if pos == start or _ticks(ax) == ticks:
                    drop_layout_engine(fig)
                    return
    freeze_layout(fig)
    pos = _position(ax)
    _START[family] = pos
    ticks = _ticks(ax)
    _LAYOUTS[(family, texts, ticks[:2])] = (
        pos,
        _title_top(ax, rend),
        _label_width(ax, rend, ticks),
    )
    while len(_LAYOUTS) > CACHE_SIZE:
        _LAYOUTS.popitem(last=False)


@contextmanager
def titles_in_place(fig: Figure) -> Iterator[None]:
    """During a draw, the titles of each axes with nothing drawn above it stay where they are
    (``y=1``, the title pad above the axes) instead of matplotlib finding that out again.

    At each draw matplotlib places an axes' titles above whatever of the x axis may reach above
    the axes (``Axes._update_title_position``): it measures the x axis' and y axis' tick labels
    (both tight bounding boxes) — the trend figure's most expensive step (issue 14). When the x
    axis has no tick marks or labels on top (its first major and minor ticks, as matplotlib's
    ``get_ticks_position`` checks), its label is below, the y axis can have no offset text (a
    formatter without offset, e.g. percent), there is no twin, child or title-aligned axes and
    each title's lowest point at ``y=1`` lies at or above the axes' top, matplotlib leaves the
    titles at ``y=1``: they are put there and not measured again. The automatic placement is
    restored afterwards (a later change of the figure is placed by matplotlib as before)."""
    fixed: list[tuple[Any, Any]] = []
    rend = None
    for ax in fig.axes:
        titles = [t for t in _titles(ax) if t.get_text()]
        if not titles or ax._autotitlepos is False or not _nothing_above(ax):
            continue
        rend = rend or renderer(fig)
        for t in _titles(ax):
            x, y = t.get_position()
            if y != 1.0:  # (as matplotlib starts; a title left as it is stays as drawn)
                t.set_position((x, 1.0))
        if all(t.get_window_extent(rend).y0 >= ax.bbox.y1 for t in titles):
            fixed.append((ax, ax._autotitlepos))
            ax._autotitlepos = False
    try:
        yield
    finally:
        for ax, auto in fixed:
            ax._autotitlepos = auto


@contextmanager
def best_legend_found_once(fig: Figure) -> Iterator[None]:
    """During a draw, a legend at ``loc="best"`` is placed by matplotlib's search once.

    matplotlib draws such a legend by asking for its offset twice — for the legend's frame, then
    for its contents — and each time tries every location against every line, patch and point
    of the axes (about a twentieth of the trend figure). Here the second answer is the first
    one: the same search with the same arguments, whose inputs do not change in between. The
    legend's own search is restored afterwards."""
    saved = []
    for legend in [*(ax.get_legend() for ax in fig.axes), *fig.legends]:
        box = getattr(legend, "_legend_box", None)
        if legend is None or legend._loc != 0 or box is None or not callable(box._offset):
            continue
        memo: dict[tuple[Any, ...], Any] = {}

        def once(*args: Any, _find: Any = box._offset, _memo: Any = memo) -> Any:
            key = (*args[:4], id(args[4]))
            if key not in _memo:
                _memo[key] = _find(*args)
            return _memo[key]

        saved.append((box, box._offset))
        box._offset = once  # (not set_offset: that would make the legend stale)
    try:
        yield
    finally:
        for box, find in saved:
            box._offset = find


def _nothing_above(ax: Any) -> bool:
    """True when nothing of the axes' x and y axes can reach above the axes (see
    :func:`titles_in_place`)."""
    xaxis, yaxis = ax.xaxis, ax.yaxis
    if xaxis.get_label_position() != "bottom" or not xaxis.get_visible():
        return False
    ticks = [
        ticks[0]
        for ticks, locator in (
            (xaxis.majorTicks, xaxis.get_major_locator()),
            (xaxis.minorTicks, xaxis.get_minor_locator()),
        )
        if not isinstance(locator, NullLocator)
    ]
    if any(t.tick2line.get_visible() or t.label2.get_visible() for t in ticks):
        return False
    fmt = yaxis.get_major_formatter()
    if type(fmt).get_offset is not Formatter.get_offset or yaxis.offsetText.get_text():
        return False
    fig = ax.get_figure(root=False)
    return (
        not ax.child_axes
        and len(ax._twinned_axes.get_siblings(ax)) == 1
        and len(fig._align_label_groups["title"].get_siblings(ax)) == 1
    )


def _label_width(ax: Any, rend: Any, ticks: tuple[tuple[str, ...], ...]) -> float:
    """The width of the widest y tick label in pixels (cached text metrics; NaN — never equal,
    so no re-use — for math text)."""
    labels = ticks[2] + ticks[3]
    if not labels:
        return 0.0
    kw = ax.yaxis._major_tick_kw
    if any("$" in t for t in labels) or mpl.rcParams["text.usetex"] or "labelfontfamily" in kw:
        return float("nan")
    size = kw.get("labelsize", mpl.rcParams["ytick.labelsize"])
    prop = FontProperties(size=size)
    return max(rend.get_text_width_height_descent(t, prop, ismath=False)[0] for t in labels)


def _title_top(ax: Any, rend: Any) -> float:
    """How far the titles reach above the axes, in pixels (0 without a title)."""
    tops = [t.get_window_extent(rend).y1 for t in _titles(ax) if t.get_visible() and t.get_text()]
    return max(tops) - ax.bbox.y1 if tops else 0.0


def _tick_reach(fig: Figure) -> float:
    """More than a tick label can reach above the axes (its height), in pixels."""
    sizes = [
        FontProperties(size=mpl.rcParams[f"{a}tick.labelsize"]).get_size_in_points() for a in "xy"
    ]
    return 1.5 * max(sizes) * fig.dpi / 72


def _moved(pos: Any, right: float, down: float) -> Any:
    """The position with its left edge moved right by ``right`` and its top down by ``down``
    (fractions of the figure's width and height)."""
    if not right and not down:
        return pos
    return tuple((x + right, y, w - right, h - down) for x, y, w, h in pos)


def _position(ax: Any) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return (
        tuple(ax.get_position(original=True).bounds),
        tuple(ax.get_position(original=False).bounds),
    )


def _place(ax: Any, pos: tuple[tuple[float, ...], tuple[float, ...]]) -> None:
    ax._set_position(transforms.Bbox.from_bounds(*pos[0]), which="original")
    ax._set_position(transforms.Bbox.from_bounds(*pos[1]), which="active")


def _axis_key(axis: Any) -> tuple[Any, ...]:
    label = axis.label
    return (
        label.get_text(),
        label.get_visible(),
        label.get_fontproperties().copy(),
        label.get_rotation(),
        axis.labelpad,
        axis.get_label_position(),
        repr(sorted(axis._major_tick_kw.items())),
        repr(sorted(axis._minor_tick_kw.items())),
        axis.get_scale(),
        axis.get_visible(),
    )


def _family(fig: Figure, engine: Any) -> tuple[Any, ...] | None:
    """What a one-axes figure's layout depends on besides its tick labels, title heights and
    legend texts; None for any other figure."""
    if (
        len(fig.axes) != 1
        or fig.legends
        or fig.texts
        or fig.images
        or fig.lines
        or fig.patches
        or fig.artists
        or fig.subfigs
        or any(getattr(fig, a, None) is not None for a in ("_suptitle", "_supxlabel", "_supylabel"))
    ):
        return None
    ax = fig.axes[0]
    spec = ax.get_subplotspec()
    if (
        spec is None
        or spec.get_geometry() != (1, 1, 0, 0)
        or ax.child_axes
        or len(ax._twinned_axes.get_siblings(ax)) != 1
        or ax.get_axes_locator() is not None
        or ax.get_aspect() != "auto"
        or not (ax.axison and ax.get_frame_on())
    ):
        return None
    params = engine.get()
    return (
        type(fig).__name__,
        tuple(fig.get_size_inches()),
        float(fig.dpi),
        rc_key(),
        tuple(sorted((k, repr(v)) for k, v in params.items())),
        _axis_key(ax.xaxis),
        _axis_key(ax.yaxis),
        tuple((n, s.get_visible(), repr(s._position)) for n, s in ax.spines.items()),
        tuple(np.round(ax.titleOffsetTrans.get_matrix().ravel(), 9)),
    )


def _titles(ax: Any) -> tuple[Any, ...]:
    return (ax.title, ax._left_title, ax._right_title)


def _texts(ax: Any) -> tuple[Any, ...] | None:
    """Which titles there are (constrained layout counts a title one pixel wide; its height is
    :func:`_title_top`) and the texts of a legend inside the axes; None when anything else may
    reach outside the axes."""
    titles = tuple(
        (t.get_visible(), bool(t.get_text()), t.get_fontproperties().copy(),
         tuple(t.get_position()))
        for t in _titles(ax)
    )  # fmt: skip
    legends: list[Any] = []
    for a in ax.get_default_bbox_extra_artists():
        if a is ax.patch or isinstance(a, Spine):  # the axes' own outline (in the family)
            continue
        if not isinstance(a, Legend) or a._bbox_to_anchor is not None:
            return None
        if not isinstance(a._loc, int) or not 0 <= a._loc <= 10:
            return None
        legends.append(
            (a._loc, tuple(t.get_text() for t in a.texts), a.get_title().get_text(), a._ncols)
        )
    offsets = (ax.xaxis.offsetText.get_text(), ax.yaxis.offsetText.get_text())
    return titles, tuple(legends), offsets


def _ticks(ax: Any) -> tuple[tuple[str, ...], ...]:
    """The tick labels each axis draws at the axes' present position (as ``Axis._update_ticks``
    chooses them: the locator's ticks within the view interval)."""
    out = []
    for axis in (ax.xaxis, ax.yaxis):
        low, high = sorted(axis.get_view_interval())
        interval = axis.get_transform().transform([low, high])
        for which, kw in (("major", axis._major_tick_kw), ("minor", axis._minor_tick_kw)):
            ticker = getattr(axis, which)
            if not axis._tick_group_visible(kw) or isinstance(ticker.locator, NullLocator):
                out.append(())
                continue
            locs = axis.get_majorticklocs() if which == "major" else axis.get_minorticklocs()
            labels = ticker.formatter.format_ticks(locs)
            out.append(
                tuple(
                    lab
                    for loc, lab in zip(locs, labels, strict=True)
                    if transforms._interval_contains_close(
                        interval, axis.get_transform().transform(loc)
                    )
                )
            )
    return tuple(out)
