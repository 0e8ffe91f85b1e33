"""Map of region centroids coloured by a rate (``regions`` longitude / latitude)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.report.figures.common import (
    _finish,
    _is_proportion,
    _labels,
    _match,
    _new_figure,
    _num,
    _percent_axis,
    _require,
)
from qualitykit.report.figures.style import (
    _RED,
    Lang,
    _lang,
    label,
)


def map_figure(
    units_with_lon_lat: pd.DataFrame,
    value: str,
    *,
    label_column: str | None = None,
    highlight: Hashable | None = None,
    sized: bool = False,
    cmap: str = "viridis",
    title: str | None = None,
    lang: Lang = "zh",
) -> Figure:
    """District centroids coloured by ``value`` (no shapefiles).

    ``units_with_lon_lat`` has ``longitude``/``latitude`` (WGS-84 degrees) or a ``region_code``
    whose centroid is taken from :func:`qualitykit.data.regions.regions`; units without a centroid are
    left out with a :class:`QualityKitWarning`. The colour bar is labelled from :data:`LABELS`
    (percent for proportions); ``sized`` scales points by ``batches``; ``highlight`` (a name or
    region code) is ringed and named. The aspect ratio is 1/cos(mean latitude).
    """
    lang = _lang(lang)
    frame = units_with_lon_lat
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"map_figure: expected a DataFrame, got {type(frame).__name__}")
    if not {"longitude", "latitude"} <= set(frame.columns):
        if "region_code" not in frame.columns:
            raise ParameterError(
                "map_figure: the table needs longitude/latitude or a region_code column"
            )
        from qualitykit import regions

        cent = regions.regions().drop_duplicates("region_code").set_index("region_code")
        codes = frame["region_code"].astype("string")
        frame = frame.assign(
            longitude=codes.map(cent["longitude"]).to_numpy(dtype=float, na_value=np.nan),
            latitude=codes.map(cent["latitude"]).to_numpy(dtype=float, na_value=np.nan),
        )
    _require(frame, ["longitude", "latitude", value], "map_figure")
    lon, lat = _num(frame, "longitude"), _num(frame, "latitude")
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.all():
        warnings.warn(
            f"map_figure: {int((~ok).sum())} unit(s) without a centroid are not drawn",
            QualityKitWarning,
            stacklevel=2,
        )
    if not ok.any():
        raise ParameterError("map_figure: no unit has a centroid")
    f = frame[ok]
    lon, lat, v = lon[ok], lat[ok], _num(f, value)
    names = _labels(f, label_column, lang)

    fig, ax = _new_figure()
    if sized and "batches" in f.columns:
        b = _num(f, "batches")
        sizes = 10.0 + 120.0 * b / np.nanmax(b)
    else:
        sizes = np.full(lon.shape, 28.0 if len(f) < 300 else 10.0)
    sc = ax.scatter(lon, lat, c=v, s=sizes, cmap=cmap, edgecolors="white", linewidths=0.3, zorder=3)
    bar = fig.colorbar(sc, ax=ax, shrink=0.85)
    bar.set_label(label(value, lang))
    if _is_proportion(v):
        _percent_axis(bar.ax.yaxis)
    hi = _match(f, names, highlight, label_column)
    if hi >= 0:
        ax.scatter([lon[hi]], [lat[hi]], s=120, facecolors="none", edgecolors=_RED, linewidths=2)
        ax.annotate(
            names[hi],
            (lon[hi], lat[hi]),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
        )
    ax.set_aspect(1.0 / math.cos(math.radians(float(np.mean(lat)))), adjustable="datalim")
    ax.set_xlabel(label("longitude", lang))
    ax.set_ylabel(label("latitude", lang))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda d, _p: f"{d:g}°E"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda d, _p: f"{d:g}°N"))
    return _finish(fig, ax, title)
