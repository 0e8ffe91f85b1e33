"""A figure whose shared part is drawn once and reused: the background raster of a layer.

A batch run draws the same province funnel (limits, every sibling's point, legend, axes) for each
of the province's districts; only the highlighted district's ring and the name labels differ
(issue 14). :class:`LayeredFigure` is a matplotlib figure that knows which of its artists are the
*layer* (everything drawn before :meth:`LayeredFigure.mark_layer`) and which are the report's own
*marks* (everything added after). The first figure of a layer renders the layer once with Agg and
keeps the pixels in a small per-process cache (:data:`CACHE_SIZE` layers, keyed by the caller:
the layer's content, style and size); every figure of that layer then lays itself out like the
first (the layout is part of the cached entry) and, when saved as a raster at the cached size and
dpi, starts from those pixels and draws only its marks over them.

The layer's artists themselves are kept too, from the second figure of a layer on: that figure,
just marked (laid out as the first, not drawn, no marks yet), is pickled, and every later figure
of the layer is a copy of it (:func:`copy_of`, ≈ 6 ms instead of ≈ 11 ms to build the axes, the
layer's artists and the legend again); it is the figure building them would give, so a full draw
of it (an SVG, a print at another dpi) draws what it would have drawn.

The result is the picture a full draw gives, because the marks are drawn in the order a full
draw would draw them: they lie inside the axes and above every layer artist there (zorder ≥ 3,
added after the layer's zorder-3 points), and the one layer artist above the axes, the figure
legend, lies outside them. Whenever that cannot be guaranteed the figure is drawn in full, as
any figure: another format or dpi (SVG, PDF, a print at 300 dpi), a figure-level text, legend
or axes added after the layer, a mark below zorder 3, a layer artist changed after it was drawn,
or an axes moved.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from qualitykit.report.figures.layout import drop_layout_engine, freeze_layout

CACHE_SIZE = 8
MARK_ZORDER = 3.0
"""Marks must be drawn at this zorder or above (the layer's points are at 3)."""


@dataclass(frozen=True)
class Layer:
    """A layer's cached rendering: the axes' positions (original and active) after the layout,
    the pixels, and the canvas size and dpi they were drawn at."""

    positions: tuple[tuple[Any, Any], ...]
    region: Any
    size: tuple[int, int]
    dpi: float


_CACHE: OrderedDict[Any, Layer] = OrderedDict()


def cached(key: Any) -> Layer | None:
    layer = _CACHE.get(key)
    if layer is not None:
        _CACHE.move_to_end(key)
    return layer


_COPIES: OrderedDict[Any, bytes] = OrderedDict()
"""Pickled figures of a layer just after :meth:`LayeredFigure.mark_layer`, by layer key."""


def clear_cache() -> None:
    _CACHE.clear()
    _COPIES.clear()


def keep_copy(fig: LayeredFigure, key: Any) -> None:
    """Keep ``fig`` to be copied by :func:`copy_of`: a figure whose layer ``key`` was cached
    when it was marked (so not drawn) and that has no marks yet."""
    if key in _COPIES or fig._qk_layer is None or fig._figure_counts() != fig._qk_counts:
        return
    _COPIES[key] = pickle.dumps(fig, protocol=pickle.HIGHEST_PROTOCOL)
    while len(_COPIES) > CACHE_SIZE:
        _COPIES.popitem(last=False)


def copy_of(key: Any) -> LayeredFigure | None:
    """A new figure of layer ``key`` as :func:`keep_copy` kept it (marked, no marks yet), or
    None when there is none or the layer's pixels are no longer cached."""
    layer = cached(key)
    data = _COPIES.get(key)
    if layer is None or data is None:
        return None
    _COPIES.move_to_end(key)
    fig = pickle.loads(data)
    fig._qk_layer = layer
    return fig


class LayeredFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` drawn from a cached layer plus its own marks (see
    the module). Build the layer's artists, call :meth:`mark_layer` with the layer's key, then
    add the marks."""

    _qk_layer: Layer | None = None
    _qk_base: tuple[Any, ...] = ()
    _qk_counts: tuple[int, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_qk_layer", None)  # the cached pixels: attached again by copy_of
        return state

    def _figure_counts(self) -> tuple[int, ...]:
        return (
            len(self.axes),
            len(self.legends),
            len(self.texts),
            len(self.images),
            len(self.lines),
            len(self.patches),
            len(self.artists),
            len(self.subfigs),
        )

    def mark_layer(self, key: Any) -> None:
        """Everything drawn so far is the layer ``key``: lay the figure out as the cached layer
        of that key (its first figure: lay out, render and cache it). The layout is frozen."""
        layer = cached(key)
        if layer is None:
            freeze_layout(self)
        else:
            drop_layout_engine(self)
            for ax, (original, active) in zip(self.axes, layer.positions, strict=True):
                ax._set_position(original, which="original")
                ax._set_position(active, which="active")
        self._qk_base = tuple(a for ax in self.axes for a in (ax, *ax.get_children())) + tuple(
            self.legends
        )
        if layer is None:
            canvas = self.canvas if isinstance(self.canvas, FigureCanvasAgg) else None
            canvas = canvas or FigureCanvasAgg(self)
            canvas.draw()
            rend = canvas.get_renderer()
            layer = Layer(
                positions=tuple(
                    (ax.get_position(original=True).frozen(), ax.get_position().frozen())
                    for ax in self.axes
                ),
                region=rend.copy_from_bbox(self.bbox),
                size=(int(rend.width), int(rend.height)),
                dpi=float(self.dpi),
            )
            _CACHE[key] = layer
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
        for a in self._qk_base:  # as drawn: a later change makes them stale again
            a.stale = False
        self._qk_layer = layer
        self._qk_counts = self._figure_counts()

    def _marks(self) -> list[Any] | None:
        """The artists added after the layer, in drawing order, or None when the layer cannot be
        reused for them."""
        if self._figure_counts() != self._qk_counts:
            return None
        base = set(map(id, self._qk_base))
        marks: list[Any] = []
        for ax in self.axes:
            for a in ax.get_children():
                if id(a) in base:
                    if a.stale and a.get_visible():
                        return None
                    continue
                if a.get_zorder() < MARK_ZORDER:
                    return None
                marks.append(a)
        return sorted(marks, key=lambda a: a.get_zorder())  # stable: insertion order on ties

    def _reusable(self, renderer: Any) -> bool:
        layer = self._qk_layer
        if layer is None or not isinstance(renderer, RendererAgg):
            return False
        if (int(renderer.width), int(renderer.height)) != layer.size or self.dpi != layer.dpi:
            return False
        engine = self.get_layout_engine()
        if engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
            return False
        return all(
            ax.get_position(original=True).bounds == orig.bounds
            and ax.get_position().bounds == act.bounds
            for ax, (orig, act) in zip(self.axes, layer.positions, strict=True)
        )

    def draw(self, renderer: Any) -> None:
        marks = self._marks() if self._reusable(renderer) else None
        if marks is None or self._qk_layer is None:
            super().draw(renderer)
            return
        renderer.restore_region(self._qk_layer.region)
        for a in marks:
            if a.get_visible():
                a.draw(renderer)
        self.stale = False
