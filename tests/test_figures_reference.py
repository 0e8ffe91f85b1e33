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
