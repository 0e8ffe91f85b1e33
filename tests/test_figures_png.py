"""The PNGs ``save_figure`` writes itself (``figures.style.png_bytes``, issue 14) hold the pixels
matplotlib's own PNG (Pillow) holds, at the same size, mode and resolution — decoded by Pillow,
an independent decoder."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from PIL import Image

from qualitykit.report import plots
from qualitykit.report.figures import style

HERE = Path(__file__).parent / "fixtures" / "figures" / "district"
_spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
ref = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(ref)  # type: ignore[union-attr]


def _matplotlibs(fig, **kw) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", **kw)
    return buf.getvalue()


def _ours(fig, **kw) -> bytes:
    buf = io.BytesIO()
    plots.save_figure(fig, buf, format="png", **kw)
    return buf.getvalue()


def _same_image(got: bytes, want: bytes) -> None:
    a, b = Image.open(io.BytesIO(got)), Image.open(io.BytesIO(want))
    assert (a.mode, a.size, a.info.get("dpi")) == (b.mode, b.size, b.info.get("dpi"))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("kind", ["trend", "funnel"])
@pytest.mark.parametrize("dpi", [100, 133, 150])
def test_pngs_hold_matplotlibs_pixels(kind, dpi):
    code, lang = ref.CASES[0]
    fig = ref.render(code, lang)[kind]
    got = _ours(fig, dpi=dpi)
    assert got.startswith(b"\x89PNG\r\n\x1a\n")
    _same_image(got, _matplotlibs(fig, dpi=dpi))


def test_transparent_pixels_and_default_dpi_are_kept(tmp_path):
    fig = plots.trend_figure(ref.read_inputs("330303")[2], title="龙湾区")
    fig.patch.set_alpha(0.0)  # a transparent background: the alpha channel matters
    plots.save_figure(fig, tmp_path / "t.png")  # by suffix, at savefig.dpi
    got = (tmp_path / "t.png").read_bytes()
    _same_image(got, _matplotlibs(fig, dpi=mpl.rcParams["savefig.dpi"]))
    assert np.asarray(Image.open(io.BytesIO(got)))[0, 0, 3] == 0


def test_a_tight_bounding_box_is_left_to_matplotlib(monkeypatch):
    fig = plots.trend_figure(ref.read_inputs("330303")[2], title="龙湾区")
    calls = []
    monkeypatch.setattr(style, "png_bytes", lambda *a, **k: calls.append(1) or b"")
    with mpl.rc_context({"savefig.bbox": "tight"}):
        got = _ours(fig, dpi=100)
        want = _matplotlibs(fig, dpi=100)
    assert calls == []
    _same_image(got, want)


def test_the_png_check_can_fail():
    fig = plots.trend_figure(ref.read_inputs("330303")[2], title="龙湾区")
    want = _matplotlibs(fig, dpi=100)
    rgba = np.asarray(Image.open(io.BytesIO(want))).copy()
    rgba[200, 300] = (255, 0, 0, 255)  # one pixel
    with pytest.raises(AssertionError):
        _same_image(style.png_bytes(rgba, 100), want)
    _same_image(style.png_bytes(np.asarray(Image.open(io.BytesIO(want))), 100), want)
