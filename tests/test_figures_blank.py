"""A new figure is a copy of a pickled blank template (``figures.common._new_figure``): the same
bytes as a figure built by matplotlib, and never a template made under other rcParams."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import matplotlib as mpl
import matplotlib.figure
import pytest

from qualitykit.report import plots
from qualitykit.report.figures import common, funnel, layers, layout
from qualitykit.report.figures.layers import LayeredFigure
from qualitykit.report.figures.style import FIGSIZE

HERE = Path(__file__).parent / "fixtures" / "figures" / "district"
_spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
ref = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(ref)  # type: ignore[union-attr]


@pytest.fixture
def built(monkeypatch):
    """Counts the figures matplotlib builds (``add_subplot``) rather than copies."""
    calls = []
    add = matplotlib.figure.FigureBase.add_subplot
    monkeypatch.setattr(
        matplotlib.figure.FigureBase,
        "add_subplot",
        lambda self, *a, **k: calls.append(type(self)) or add(self, *a, **k),
    )
    common._BLANK.clear()
    yield calls
    common._BLANK.clear()


def _render(code, lang):
    layers.clear_cache()
    layout.clear_cache()
    figs = ref.render(code, lang)
    out = {kind: ref.png(fig) for kind, fig in figs.items()}
    buf = io.BytesIO()
    plots.save_figure(figs["trend"], buf, format="svg")
    out["trend.svg"] = buf.getvalue()
    return out


@pytest.mark.skipif(not plots.cjk_available(), reason="the figures are compared in CJK")
@pytest.mark.parametrize(("code", "lang"), ref.CASES)
def test_district_figures_from_the_template_are_the_bytes_of_built_ones(code, lang, built):
    first = _render(code, lang)  # builds the templates (trend: Figure, funnel: LayeredFigure)
    assert sorted(c.__name__ for c in built) == ["Figure", "LayeredFigure"]
    copied = _render(code, lang)
    assert len(built) == 2  # nothing built the second time: both figures were copies
    assert first.keys() == copied.keys()
    for kind in first:
        assert first[kind] == copied[kind], kind


def test_a_figure_is_built_again_under_other_rcparams(built):
    fig, ax = common._new_figure()
    common._new_figure()
    assert len(built) == 1
    with mpl.rc_context({"axes.facecolor": "#ff0000"}):
        fig2, ax2 = common._new_figure()
        assert mpl.colors.to_hex(ax2.get_facecolor()) == "#ff0000"
        common._new_figure()  # a template made under these rcParams
        assert len(built) == 2
    fig3, ax3 = common._new_figure()  # a copy of the first template again
    common._new_figure()
    assert len(built) == 2
    assert mpl.colors.to_hex(ax3.get_facecolor()) == mpl.colors.to_hex(ax.get_facecolor())
    sans = mpl.rcParams["font.sans-serif"]
    sans.insert(0, "A font changed in place")  # the same list object, changed
    try:
        common._new_figure()
        assert len(built) == 3
    finally:
        sans.remove("A font changed in place")


def test_copies_are_independent_figures_of_their_class_and_size(built):
    a, ax_a = common._new_figure(FIGSIZE, LayeredFigure)
    b, ax_b = common._new_figure(FIGSIZE, LayeredFigure)
    c, _ = common._new_figure((3.0, 2.0))
    assert type(b) is LayeredFigure and type(c) is matplotlib.figure.Figure
    assert tuple(c.get_size_inches()) == (3.0, 2.0)
    assert b is not a and ax_b is not ax_a and ax_b.figure is b and b.axes == [ax_b]
    ax_b.plot([0, 1], [0, 1])
    ax_b.set_xlim(5, 9)
    assert len(ax_a.lines) == 0 and tuple(ax_a.get_xlim()) != (5.0, 9.0)
    d, ax_d = common._new_figure(FIGSIZE, LayeredFigure)
    assert len(ax_d.lines) == 0 and tuple(ax_d.get_xlim()) == tuple(ax_a.get_xlim())
    assert len(built) == 2  # one LayeredFigure and one small Figure were built


def _funnels(codes, lang="zh"):
    """PNG of each district's funnel, in order, then an SVG of the last; caches cleared first."""
    layers.clear_cache()
    layout.clear_cache()
    siblings, grid, _ = ref.read_inputs(codes[0])
    out = []
    for code in codes:
        fig = plots.funnel_figure(
            siblings, grid, highlight=code, label_column="name_zh", title="浙江省", lang=lang
        )
        out.append(ref.png(fig))
    buf = io.BytesIO()
    plots.save_figure(fig, buf, format="svg")
    out.append(buf.getvalue())
    big = io.BytesIO()
    plots.save_figure(fig, big, format="png", dpi=150)  # drawn in full: another dpi
    out.append(big.getvalue())
    return out


@pytest.mark.skipif(not plots.cjk_available(), reason="the figures are compared in CJK")
def test_funnels_copied_from_a_kept_layer_figure_are_the_bytes_of_built_ones(monkeypatch):
    drawn = []
    draw = funnel.draw_funnel_layer
    monkeypatch.setattr(
        funnel, "draw_funnel_layer", lambda ax, layer: drawn.append(1) or draw(ax, layer)
    )
    siblings, _, _ = ref.read_inputs("330303")
    codes = ["330303", *siblings["region_code"].astype(str).tolist()[:5]]
    copied = _funnels(codes)
    assert len(drawn) == 2  # the layer's artists built for the first (drawn) and second (kept)
    assert len(layers._COPIES) == 1
    monkeypatch.setattr(layers, "keep_copy", lambda fig, key: None)
    monkeypatch.setattr(funnel, "keep_copy", lambda fig, key: None)
    own = _funnels(codes)
    assert len(drawn) == 2 + len(codes)  # built for every figure
    assert own == copied
    layers.clear_cache()
