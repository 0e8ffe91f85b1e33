"""Colour scales for maps: diverging around the parent average, with a range that means something.

A scale from 89.57167 % to 89.57168 % (all units equal up to rounding) tells a reader nothing;
so the scale is centred on the comparison value (the parent's pooled rate, the funnel centre)
and its half-range is the largest of

* the data's own spread (max |value − centre|),
* the funnel's half-width at the units' median batches (``lower_998``/``upper_998`` columns:
  differences smaller than that are noise, Spiegelhalter 2005), and
* a minimum span (1 percentage point for proportions),

rounded up to a readable step (1, 2, 2.5, 5 × 10ᵏ). Ticks sit at the centre and at ± half and
full range, formatted with as many decimals as the step needs. When every unit has the same
value the scale is dropped and the figure says "all units equal" instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.colors import Normalize

CMAP = "RdBu"  # ColorBrewer diverging (red = below the centre, blue = above); colour-blind safe
MIN_SPAN = 0.01  # 1 percentage point for proportions
_EQUAL = 1e-6  # relative: 89.57167 % and 89.57168 % are the same rate


@dataclass(frozen=True)
class ColourScale:
    """A diverging colour scale: ``centre`` ± ``half`` (display range clipped to
    [``lo``, ``hi``]); ``equal`` when all values are the same (then ``value`` holds it)."""

    centre: float
    half: float
    lo: float
    hi: float
    ticks: tuple[float, ...]
    decimals: int
    percent: bool
    equal: bool
    value: float | None
    cmap: str = CMAP

    @property
    def norm(self) -> Normalize:
        return Normalize(vmin=self.centre - self.half, vmax=self.centre + self.half)

    def format(self, v: float) -> str:
        if self.percent:
            return f"{100.0 * v:.{self.decimals}f}%"
        return f"{v:.{self.decimals}f}"


def _nice_up(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ᵏ not below ``x`` (``x`` > 0)."""
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = m * 10.0**exp
        if step >= x * (1 - 1e-12):
            return step
    return 10.0 ** (exp + 1)


def _decimals(step: float, percent: bool) -> int:
    unit = 100.0 * step if percent else step
    d = 0
    while d < 6 and abs(round(unit, d) - unit) > 1e-9 * max(1.0, abs(unit)):
        d += 1
    return d


def diverging_scale(
    values: np.ndarray,
    *,
    centre: float | None = None,
    limit_half_width: float | None = None,
    min_span: float | None = None,
    percent: bool | None = None,
    weights: np.ndarray | None = None,
) -> ColourScale:
    """The colour scale for ``values`` (NaNs ignored); see the module's docstring.

    ``centre`` defaults to the weighted mean (``weights``, e.g. batches) of the values;
    ``percent`` defaults to "all values in [0, 1]"; ``min_span`` defaults to :data:`MIN_SPAN`
    for proportions and to 1 % of the largest |value| otherwise.
    """
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    vals = v[ok]
    if vals.size == 0:
        raise ValueError("no finite values to colour")
    if percent is None:
        percent = bool(np.all((vals >= 0.0) & (vals <= 1.0)))
    equal = float(np.ptp(vals)) <= _EQUAL * max(1.0, float(np.max(np.abs(vals))))
    if centre is None or not math.isfinite(centre):
        w = None if weights is None else np.asarray(weights, dtype=float)[ok]
        if w is not None and np.all(np.isfinite(w)) and w.sum() > 0:
            centre = float(np.average(vals, weights=w))
        else:
            centre = float(np.mean(vals))
    if min_span is None:
        min_span = MIN_SPAN if percent else max(0.01 * float(np.max(np.abs(vals))), 1e-9)
    spread = float(np.max(np.abs(vals - centre)))
    half = max(spread, min_span / 2.0)
    if limit_half_width is not None and math.isfinite(limit_half_width):
        half = max(half, float(limit_half_width))
    half = _nice_up(half)
    step = half / 2.0
    lo, hi = centre - half, centre + half
    if percent:
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    ticks = (centre - half, centre - step, centre, centre + step, centre + half)
    ticks = tuple(t for t in ticks if lo - 1e-12 <= t <= hi + 1e-12)
    decimals = _decimals(step, percent)  # ticks one step apart read as different numbers
    return ColourScale(
        centre=float(centre),
        half=float(half),
        lo=float(lo),
        hi=float(hi),
        ticks=ticks,
        decimals=decimals,
        percent=percent,
        equal=equal,
        value=float(vals[0]) if equal else None,
    )


def funnel_half_width(lower: np.ndarray, upper: np.ndarray) -> float | None:
    """Half the funnel's width at the units' median (``lower``/``upper``: each unit's limits)."""
    width = (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / 2.0
    width = width[np.isfinite(width)]
    return float(np.median(width)) if width.size else None
