"""Name labels that do not overlap: each other, the labelled points' markers, or the axes' edge.

Labels are first put at the free one of eight candidate positions around their point (nearest
first, in display units, most important label first) and then, when some still collide, moved
apart by adjustText (Flöck & contributors, PyPI ``adjustText``), which also draws a thin leader
line from a moved label to its point. The result is checked in display units with the Agg
renderer; :func:`overlaps` is the same check, used by the tests.

Which units are named is decided by the figure (``funnel``: the highlighted unit, every unit
outside the control limits, optionally the largest ones); this module only places the texts.
The collision tests are vectorised over the obstacles (arrays of box extents, only those near
the label's point), so a funnel of 3,000 units costs about what one of 90 does (issue 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from qualitykit.report.figures.layout import freeze_layout, renderer
from qualitykit.report.figures.style import _DARK, _GREY

# candidate positions: 16 directions (the four diagonals first: the usual place of a label) at
# growing distances from the marker's edge (display points); beyond the first ring a thin
# leader line joins the label to its point
_ANGLES = np.deg2rad(
    [45, -45, 135, -135, 0, 180, 90, -90, 22.5, -22.5, 157.5, -157.5, 67.5, -67.5, 112.5, -112.5]
)
_DISTANCES = (2.0, 8.0, 16.0, 26.0, 40.0, 60.0, 85.0)


def _renderer(fig: Figure) -> Any:
    return renderer(fig)


def _marker_boxes(ax: Any, xy: np.ndarray, radius_px: np.ndarray) -> list[Bbox]:
    return [Bbox(e.reshape(2, 2)) for e in _marker_extents(ax, xy, radius_px)]


def _marker_extents(ax: Any, xy: np.ndarray, radius_px: np.ndarray) -> np.ndarray:
    """Display-unit boxes of markers as rows (x0, y0, x1, y1)."""
    disp = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2))
    r = np.asarray(radius_px, dtype=float)
    return np.column_stack([disp[:, 0] - r, disp[:, 1] - r, disp[:, 0] + r, disp[:, 1] + r])


def _hits(box: Bbox, others: np.ndarray, pad: float = 0.0) -> bool:
    """Whether ``box`` grown by ``pad`` meets any of the boxes ``others`` (rows x0, y0, x1,
    y1) — :meth:`matplotlib.transforms.Bbox.overlaps` (touching counts), vectorised."""
    if not len(others):
        return False
    x0, y0, x1, y1 = box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad
    return bool(
        np.any(
            (x0 <= others[:, 2])
            & (others[:, 0] <= x1)
            & (y0 <= others[:, 3])
            & (others[:, 1] <= y1)
        )
    )


def _near(boxes: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """The rows of ``boxes`` that meet the region (x0, y0, x1, y1): the only ones a candidate
    position inside it can hit."""
    if not len(boxes):
        return boxes
    keep = (x0 <= boxes[:, 2]) & (boxes[:, 0] <= x1) & (y0 <= boxes[:, 3]) & (boxes[:, 1] <= y1)
    return boxes[keep]


def place_labels(
    ax: Any,
    xy: np.ndarray,
    texts: Sequence[str],
    *,
    marker_size: np.ndarray | float = 22.0,
    bold: Sequence[bool] | None = None,
    fontsize: float = 8.0,
    obstacles: np.ndarray | None = None,
    obstacle_size: np.ndarray | float = 22.0,
    halo: bool = False,
) -> list[Text]:
    """Put ``texts`` next to their points ``xy`` (data units, one row per text, most important
    first) without overlaps; returns the Text artists.

    ``marker_size`` is the scatter size (points²) of each labelled point; ``obstacles`` are other
    points (data units) the labels should keep clear of where they can (``obstacle_size`` likewise);
    ``halo`` draws a white outline around the letters (labels over a map's colours).
    The figure's layout is frozen first (:func:`qualitykit.report.figures.layout.freeze_layout`).
    """
    fig = ax.figure
    freeze_layout(fig)
    renderer = _renderer(fig)
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    k = len(texts)
    if k == 0:
        return []
    bold = list(bold) if bold is not None else [False] * k
    px = fig.dpi / 72.0
    radius = np.sqrt(np.broadcast_to(np.asarray(marker_size, dtype=float), (k,))) / 2.0 * px
    markers = _marker_extents(ax, xy, radius + 1.0)
    soft = np.zeros((0, 4))
    if obstacles is not None and len(obstacles):
        obs = np.asarray(obstacles, dtype=float).reshape(-1, 2)
        r_obs = np.sqrt(np.broadcast_to(np.asarray(obstacle_size, dtype=float), (len(obs),)))
        soft = _marker_extents(ax, obs, r_obs / 2.0 * px)
    frame = ax.get_window_extent(renderer)
    gap = 2.0 * px
    hard = markers
    artists: list[Text] = []
    leaders: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for i in range(k):
        art = ax.text(
            xy[i, 0],
            xy[i, 1],
            texts[i],
            fontsize=fontsize + (1.0 if bold[i] else 0.0),
            fontweight="bold" if bold[i] else "normal",
            color=_DARK,
            ha="left",
            va="bottom",
            zorder=5,
            path_effects=[withStroke(linewidth=2.5, foreground="white")] if halo else None,
        )
        ext = art.get_window_extent(renderer)
        w, h = ext.width, ext.height
        cx, cy = ax.transData.transform(xy[i])
        reach = radius[i] + _DISTANCES[-1] * px + 2.0  # every candidate lies within this
        region = (cx - reach - w, cy - reach - h, cx + reach + w, cy + reach + h)
        near_hard, near_soft = _near(hard, *region), _near(soft, *region)
        best: tuple[float, Bbox] | None = None
        for ring, dist in enumerate(_DISTANCES):
            d = radius[i] + dist * px
            for theta in _ANGLES:
                c, sn = float(np.cos(theta)), float(np.sin(theta))
                bx = cx + c * d + (c * w / 2.0 if abs(c) > 1e-9 else 0.0) - w / 2.0
                by = cy + sn * d + (sn * h / 2.0 if abs(sn) > 1e-9 else 0.0) - h / 2.0
                box = Bbox.from_bounds(bx, by, w, h)
                inside = (
                    box.x0 >= frame.x0
                    and box.x1 <= frame.x1
                    and box.y0 >= frame.y0
                    and box.y1 <= frame.y1
                )
                if not inside or _hits(box, near_hard, pad=1.0):
                    continue
                cost = ring + (0.75 if _hits(box, near_soft) else 0.0)
                if best is None or cost < best[0]:
                    best = (cost, box)
            if best is not None and best[0] <= ring:
                break
        if best is None:  # crowded: start beside the point, adjustText moves it below
            box = Bbox.from_bounds(cx + radius[i] + gap, cy + radius[i] + gap, w, h)
        else:
            box = best[1]
        far = best is not None and best[0] >= 1.0
        if far:
            qx = min(max(cx, box.x0), box.x1)
            qy = min(max(cy, box.y0), box.y1)
            leaders.append(((cx, cy), (qx, qy)))
        art.set_position(ax.transData.inverted().transform((box.x0, box.y0)))
        hard = np.vstack([hard, [box.x0, box.y0, box.x1, box.y1]])
        artists.append(art)
    if leaders:
        inv = ax.transData.inverted()
        segs = [inv.transform(np.array(seg)) for seg in leaders]
        ax.add_collection(
            LineCollection(segs, colors=_GREY, linewidths=0.6, zorder=3), autolim=False
        )
    if overlaps(ax, artists, xy, marker_size):
        _adjust(ax, artists, xy, obstacles)
    return artists


def _adjust(ax: Any, artists: list[Text], xy: np.ndarray, obstacles: np.ndarray | None) -> None:
    """adjustText for the labels the candidate positions could not free (deterministic: a fixed
    number of iterations, no time limit)."""
    from adjustText import adjust_text

    pts = xy if obstacles is None or not len(obstacles) else np.vstack([xy, obstacles])
    adjust_text(
        artists,
        x=pts[:, 0],
        y=pts[:, 1],
        target_x=xy[:, 0],
        target_y=xy[:, 1],
        ax=ax,
        expand=(1.15, 1.4),
        ensure_inside_axes=True,
        iter_lim=400,
        time_lim=None,
        min_arrow_len=6,
        arrowprops={"arrowstyle": "-", "color": _GREY, "lw": 0.6},
    )


def text_boxes(ax: Any, artists: Sequence[Text]) -> list[Bbox]:
    """Display-unit bounding boxes of ``artists`` (Agg renderer)."""
    renderer = _renderer(ax.figure)
    return [a.get_window_extent(renderer) for a in artists]


def overlaps(
    ax: Any,
    artists: Sequence[Text],
    xy: np.ndarray | None = None,
    marker_size: np.ndarray | float = 22.0,
) -> list[tuple[int, int | str]]:
    """Pairs of labels whose boxes intersect ``(i, j)``, labels over a labelled point's marker
    ``(i, "marker j")`` and labels outside the axes ``(i, "outside")``; empty when all is clear."""
    fig = ax.figure
    renderer = _renderer(fig)
    boxes = [a.get_window_extent(renderer) for a in artists]
    found: list[tuple[int, int | str]] = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if boxes[i].overlaps(boxes[j]):
                found.append((i, j))
    if xy is not None and len(boxes):
        pts = np.asarray(xy, dtype=float).reshape(-1, 2)
        px = fig.dpi / 72.0
        r = np.sqrt(np.broadcast_to(np.asarray(marker_size, dtype=float), (len(pts),))) / 2 * px
        for j, m in enumerate(_marker_boxes(ax, pts, r)):
            found.extend((i, f"marker {j}") for i, b in enumerate(boxes) if b.overlaps(m))
    frame = ax.get_window_extent(renderer).padded(0.5)
    found.extend(
        (i, "outside")
        for i, b in enumerate(boxes)
        if b.x0 < frame.x0 or b.x1 > frame.x1 or b.y0 < frame.y0 or b.y1 > frame.y1
    )
    return found
