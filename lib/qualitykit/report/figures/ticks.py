"""Axes whose new ticks are copies of the axis' first tick (issue 14).

matplotlib makes the ticks of an axis lazily while drawing: one :class:`~matplotlib.axis.Tick`
per tick location, each built from scratch (two tick lines, a grid line and two labels, every
property looked up in the rcParams, a tick marker deep-copied) and then given the properties of
the axis' first tick (``Axis._copy_tick_props``: ``update_from`` of each part). That is ≈ 1 ms
per tick, and a trend figure has ≈ 23 of them (12 year ticks, 9 percent ticks, 2 minor): about a
fifth of a district brief's figure time.

:class:`Axes` (used by every figure of this package, ``fig.add_subplot(axes_class=Axes)``) has
axes whose ``_get_tick`` copies the axis' first tick instead (:func:`clone_tick`, ≈ 0.1 ms): the
new tick and each of its parts is a shallow copy of the first tick's, with what must not be
shared made new — the change callbacks, the remove method, the lists of an artist (sticky edges,
path effects), a label's font properties and a tick line's marker. Shared are, as
``update_from`` shares them, the transforms and the clip path; the tick's location, label text
and data are set by matplotlib right after (``Axis._update_ticks``), as for a new tick. So a
copied tick has every property matplotlib's new tick gets from the first one, and in addition
those matplotlib would take from the axis' tick parameters (``set_tick_params``), which are the
first tick's too unless that one tick was changed by hand — matplotlib documents that such
changes to single ticks do not persist. The first tick of an axis (and of each minor/major list
after a reset) is made by matplotlib as before. ``tests/test_figures_ticks.py`` compares the
properties and the pixels of copied and matplotlib-made ticks.
"""

from __future__ import annotations

import copy
from typing import Any

from matplotlib import axis as maxis
from matplotlib import cbook
from matplotlib.axes import Axes as _MplAxes
from matplotlib.markers import MarkerStyle
from matplotlib.text import Text

_PARTS = ("tick1line", "tick2line", "gridline", "label1", "label2")


def _fresh(artist: Any) -> Any:
    """A shallow copy of ``artist`` with its own callbacks, lists and (for texts and lines) its
    own font properties and marker."""
    new = copy.copy(artist)
    state = new.__dict__
    state["_callbacks"] = cbook.CallbackRegistry(signals=["pchanged"])
    state["_remove_method"] = None
    state["stale_callback"] = None
    for key, value in state.items():
        if type(value) in (list, dict, set):
            state[key] = value.copy()
    sticky = state.get("_sticky_edges")
    if sticky is not None:
        state["_sticky_edges"] = type(sticky)(list(sticky.x), list(sticky.y))
    if isinstance(new, Text):
        state["_fontproperties"] = new._fontproperties.copy()
    marker = state.get("_marker")
    if isinstance(marker, MarkerStyle):
        state["_marker"] = copy.copy(marker)
    return new


def clone_tick(tick: maxis.Tick) -> maxis.Tick:
    """A new tick with every property of ``tick`` (see the module)."""
    new = _fresh(tick)
    for name in _PARTS:
        setattr(new, name, _fresh(getattr(tick, name)))
    new._qk_copied = True  # its properties are already the first tick's
    return new


class _CopyingTicks:
    """Mixin of the two axes: a new tick is a copy of the first one (see the module)."""

    def _get_tick(self, major: bool) -> maxis.Tick:
        ticks = self.__dict__.get("majorTicks" if major else "minorTicks")
        if isinstance(ticks, list) and ticks:
            return clone_tick(ticks[0])
        return super()._get_tick(major)  # type: ignore[misc]

    def _copy_tick_props(self, src: Any, dest: Any) -> None:
        if dest is not None and dest.__dict__.pop("_qk_copied", False):
            return
        super()._copy_tick_props(src, dest)  # type: ignore[misc]


class XAxis(_CopyingTicks, maxis.XAxis):
    """matplotlib's x axis, new ticks copied from the first (see the module)."""


class YAxis(_CopyingTicks, maxis.YAxis):
    """matplotlib's y axis, new ticks copied from the first (see the module)."""


class Axes(_MplAxes):
    """matplotlib's Axes with :class:`XAxis` and :class:`YAxis` (the axis set-up of
    ``Axes._init_axis``, as matplotlib's custom-projection example does it)."""

    def _init_axis(self) -> None:
        self.xaxis = XAxis(self, clear=False)
        self.spines.bottom.register_axis(self.xaxis)
        self.spines.top.register_axis(self.xaxis)
        self.yaxis = YAxis(self, clear=False)
        self.spines.left.register_axis(self.yaxis)
        self.spines.right.register_axis(self.yaxis)
