"""A figure's layout computed once and frozen.

matplotlib's constrained layout (``layout="constrained"``) runs on every draw, and a save of a
figure with any layout engine — even the placeholder matplotlib keeps after
``set_layout_engine("none")`` — makes a whole extra pass over the figure (a draw without
rendering) before the real draw. With two figures per district brief this was about a third of a
brief's compute (issue 14). :func:`freeze_layout` runs the figure's layout engine once, then
removes it: the positions are the ones matplotlib computes (same picture), later draws move
nothing and a save draws once.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

_RC: dict[str, Any] = {"key": None, "snapshot": None}


def renderer(fig: Figure) -> Any:
    """The Agg renderer of ``fig`` (an Agg canvas is attached when it has another one)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def rc_key() -> int:
    """A key of the current style (every rcParam), recomputed only when rcParams changed."""
    snapshot = dict(mpl.rcParams)
    if snapshot != _RC["snapshot"]:
        _RC["snapshot"] = snapshot
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
