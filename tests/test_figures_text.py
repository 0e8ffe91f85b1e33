"""Texts drawn from remembered glyph bitmaps (``style._draw_glyphs``, issue 14) give the bytes
matplotlib's own glyph drawing gives: the district briefs' figures, both languages, rotated and
non-antialiased texts, a cold and a warm cache."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import matplotlib as mpl
import pytest
from matplotlib.figure import Figure

from qualitykit.report import plots
from qualitykit.report.figures import layers, style

HERE = Path(__file__).parent / "fixtures" / "figures" / "district"
_spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
ref = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(ref)  # type: ignore[union-attr]

pytestmark = pytest.mark.skipif(
    mpl.__version__.split(".")[:2] != ["3", "11"],
    reason="the remembered glyph drawing is built on matplotlib 3.11's private text drawing",
)


def _matplotlibs_own(renderer, gc, x, y, angle, items, size, flags, modes):
    """What matplotlib 3.11's RendererAgg.draw_text does with a text's laid-out glyphs."""
    glyphs = ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items)
    renderer._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, [])


def _texts_figure(antialiased: bool = True) -> Figure:
    """Texts at many angles and sub-pixel positions, in both scripts."""
    style.use_style()
    fig = Figure(figsize=(4, 3), dpi=100)
    for i, angle in enumerate((0, 15, 30, 45, 90, 137.5, 180, 270)):
        fig.text(
            0.05 + 0.11 * i + 0.0013 * i,
            0.1 + 0.097 * i,
            "合格率 Pass 2024",
            rotation=angle,
            fontsize=7 + i * 0.7,
            antialiased=antialiased,
        )
    return fig


def _figures() -> list[tuple[str, Figure]]:
    out = []
    for code, lang in ref.CASES:
        for kind, fig in ref.render(code, lang).items():
            out.append((f"{code}_{lang}_{kind}", fig))
    out.append(("rotated", _texts_figure()))
    out.append(("not antialiased", _texts_figure(antialiased=False)))
    return out


def _pngs(figures: list[tuple[str, Figure]]) -> dict[str, bytes]:
    return {name: ref.png(fig) for name, fig in figures}


def _all_pngs() -> dict[str, bytes]:
    layers.clear_cache()  # each funnel's province layer drawn by the text drawing under test
    return _pngs(_figures())


@pytest.mark.skipif(not plots.cjk_available(), reason="the district figures need a CJK font")
def test_remembered_glyphs_give_matplotlibs_bytes(monkeypatch):
    style._BITMAPS.clear()
    cold = _all_pngs()  # every glyph rendered once, most of them re-used within a figure
    warm = _all_pngs()  # every glyph from the cache
    assert len(style._BITMAPS) > 0
    monkeypatch.setattr(style, "_draw_glyphs", _matplotlibs_own)
    own = _all_pngs()
    for name in own:
        assert cold[name] == own[name], f"{name}: cold cache"
        assert warm[name] == own[name], f"{name}: warm cache"


def test_the_comparison_sees_the_texts(monkeypatch):
    """Without their texts the figures' bytes differ: the test above compares drawn texts."""
    figure = [("rotated", _texts_figure())]
    drawn = _pngs(figure)
    monkeypatch.setattr(style, "_draw_glyphs", lambda *args: None)
    assert _pngs(figure) != drawn
    # a bitmap drawn one pixel off is caught too
    monkeypatch.setattr(style, "_draw_glyphs", _shifted)
    assert _pngs(figure) != drawn


def _shifted(renderer, gc, x, y, angle, items, size, flags, modes):
    _matplotlibs_own(renderer, gc, x + 1, y, angle, items, size, flags, modes)


def test_the_bitmap_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(style, "_BITMAP_CACHE_SIZE", 10)
    style._BITMAPS.clear()
    fig = _texts_figure()
    fig.savefig(io.BytesIO(), format="png")
    assert 0 < len(style._BITMAPS) <= 10
