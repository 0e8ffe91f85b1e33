"""The district brief's figures look as they did before the speed-ups of issue 14.

``tests/fixtures/figures/district`` holds the inputs of the trend and funnel figures of three
district briefs and the PNGs main rendered from them before the figures were made cheaper (see
``make_reference.py`` there for how). Each figure is rendered again with the current code, as a
report shows it, and compared pixel by pixel: same size, and at most a small share of pixels
differing by more than a small amount (anti-aliasing may move with a matplotlib patch release; a
point moved by half a percentage point, a moved label, line, legend or axis does not stay within
it).
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from qualitykit.report import plots

HERE = Path(__file__).parent / "fixtures" / "figures" / "district"
_spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
ref = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(ref)  # type: ignore[union-attr]

pytestmark = pytest.mark.skipif(
    not plots.cjk_available(), reason="the reference images were drawn with a CJK font"
)

MAX_SHARE = 0.0005  # share of pixels allowed to differ by more than TOLERANCE (of 255): ~160 px
TOLERANCE = 64


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def assert_same_image(got: bytes, name: str) -> None:
    want = _pixels((HERE / name).read_bytes())
    have = _pixels(got)
    assert have.shape == want.shape, f"{name}: size {have.shape} != reference {want.shape}"
    diff = np.abs(have - want).max(axis=2)
    share = float((diff > TOLERANCE).mean())
    assert share <= MAX_SHARE, f"{name}: {share:.2%} of the pixels differ (allowed {MAX_SHARE:.2%})"


@pytest.mark.parametrize(("code", "lang"), ref.CASES)
def test_district_figures_look_as_before(code, lang):
    for kind, fig in ref.render(code, lang).items():
        assert_same_image(ref.png(fig), f"{code}_{lang}_{kind}.png")


def test_the_reference_check_can_fail():
    """A figure with one district's point moved by half a point is caught (the tolerance is not too loose)."""
    siblings, grid, _ = ref.read_inputs("330303")
    moved = siblings.copy()
    i = int(np.flatnonzero(moved["region_code"] == "330303")[0])
    moved.loc[i, "pass_rate"] = moved.loc[i, "pass_rate"] - 0.005
    fig = plots.funnel_figure(
        moved, grid, highlight="330303", label_column="name_zh", title="浙江省"
    )
    with pytest.raises(AssertionError, match="pixels differ"):
        assert_same_image(ref.png(fig), "330303_zh_funnel.png")


def _full_draw(siblings, grid, code: str) -> bytes:
    """The funnel of ``code`` drawn as one plain figure (no cached layer)."""
    from qualitykit.report.figures import funnel
    from qualitykit.report.figures.common import _finish, _new_figure

    layer = funnel.funnel_layer(siblings, grid, label_column="name_zh", lang="zh")
    fig, ax = _new_figure()
    funnel.draw_funnel_layer(ax, layer)
    fig.legend(loc="outside lower center", ncols=3)
    _finish(fig, ax, "浙江省")
    funnel.draw_funnel_marks(ax, layer, highlight=code)
    return ref.png(fig)


def test_a_reused_province_layer_gives_the_bytes_of_a_full_draw():
    """Districts of one province after the first reuse its cached layer (only their own marks are
    drawn) and still give exactly the PNG of a figure drawn in full."""
    from qualitykit.report.figures import layers

    siblings, grid, _ = ref.read_inputs("330303")
    layers.clear_cache()
    codes = list(siblings["region_code"].iloc[[0, 5, 17, 40, -1]]) + ["330303"]
    drawn = {}
    for code in codes:
        fig = plots.funnel_figure(
            siblings, grid, highlight=code, label_column="name_zh", title="浙江省", lang="zh"
        )
        assert fig._qk_layer is not None
        drawn[code] = ref.png(fig)
    assert len(layers._CACHE) == 1  # one province, drawn once
    for code in codes:
        assert drawn[code] == _full_draw(siblings, grid, code), code
    assert_same_image(drawn["330303"], "330303_zh_funnel.png")


def test_reports_differing_in_columns_the_funnel_does_not_draw_share_its_layer():
    """A batch's reports with another ``k_pp`` change only the verdict columns: one cached layer,
    and still the bytes of a full draw; a moved point is another layer."""
    from qualitykit.report.figures import layers

    siblings, grid, _ = ref.read_inputs("330303")
    layers.clear_cache()
    other = siblings.assign(verdict="changed", target_pp=3.0)
    for table in (siblings, other):
        fig = plots.funnel_figure(
            table, grid, highlight="330303", label_column="name_zh", title="浙江省"
        )
        got = ref.png(fig)
    assert len(layers._CACHE) == 1
    assert got == _full_draw(other, grid, "330303")
    moved = siblings.copy()
    moved.loc[0, "pass_rate"] = moved.loc[0, "pass_rate"] - 0.01
    plots.funnel_figure(moved, grid, highlight="330303", label_column="name_zh", title="浙江省")
    assert len(layers._CACHE) == 2


def test_a_layered_figure_changed_after_its_layer_is_drawn_in_full():
    """A change to the layer (a line recoloured), a figure-level text or another format never
    shows the cached pixels."""
    siblings, grid, _ = ref.read_inputs("330303")

    def fig():
        return plots.funnel_figure(
            siblings, grid, highlight="330303", label_column="name_zh", title="浙江省"
        )

    plain = _pixels(ref.png(fig()))
    f = fig()
    f.axes[0].get_lines()[0].set_color("red")  # the centre line
    assert f._marks() is None
    assert (np.abs(_pixels(ref.png(f)) - plain).max(axis=2) > 0).any()
    f = fig()
    f.text(0.5, 0.5, "note")
    assert f._marks() is None
    assert ref.png(f) != ref.png(fig())
    buf = io.BytesIO()
    fig().savefig(buf, format="svg")
    assert b"<svg" in buf.getvalue()[:500]
