"""A figure's layout re-used from the cache (``figures.layout.settle_layout``) puts the axes where
matplotlib's constrained layout puts them (issue 14: no layout pass per district brief, same
picture).

The reference is an independent computation: the same figure laid out by matplotlib's own
constrained layout engine (``freeze_layout``, no cache). Figures are the trend figures of the
district briefs in ``tests/fixtures/figures/district`` and variants that move the tick labels
(a lower range), the legend (a target line) and the title (another name).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from matplotlib.layout_engine import ConstrainedLayoutEngine

from qualitykit.report import plots
from qualitykit.report.figures import layout

HERE = Path(__file__).parent / "fixtures" / "figures" / "district"
_spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
ref = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(ref)  # type: ignore[union-attr]

RATE_COLUMNS = ("observed", "fitted", "fit_lower", "fit_upper", "pred_lower", "pred_upper",
                "ci_lower", "ci_upper")  # fmt: skip


def _figures():
    """(name, builder) of trend figures: each builder gives a new figure of the same content."""
    out = []
    for code in ("330303", "330102", "440305"):
        trend = ref.read_inputs(code)[2]
        low = trend.assign(**{c: trend[c] * 0.8 for c in RATE_COLUMNS if c in trend})
        wide = trend.assign(**{c: trend[c] * 0.5 for c in RATE_COLUMNS if c in trend})
        for lang in ("zh", "en"):
            out += [
                (f"{code}-{lang}", lambda t=trend, g=lang: plots.trend_figure(t, title="龙湾区", lang=g)),
                (f"{code}-{lang}-name", lambda t=trend, g=lang: plots.trend_figure(t, title="Lucheng", lang=g)),
                (f"{code}-{lang}-target", lambda t=trend, g=lang: plots.trend_figure(t, target=0.95, title="X", lang=g)),
                (f"{code}-{lang}-low", lambda t=low, g=lang: plots.trend_figure(t, title="鹿城区", lang=g)),
                (f"{code}-{lang}-wide", lambda t=wide, g=lang: plots.trend_figure(t, title="", lang=g)),
            ]  # fmt: skip
    return out


def _pixels(fig) -> np.ndarray:
    """The axes' active and original positions in pixels of the saved figure."""
    w, h = fig.get_size_inches() * ref_dpi()
    scale = np.array([w, h, w, h])
    return np.array(
        [np.array(ax.get_position(original=o).bounds) * scale for ax in fig.axes for o in (0, 1)]
    )


def ref_dpi() -> float:
    from qualitykit.report.framework import FIGURE_DPI

    return FIGURE_DPI


def test_cached_layouts_put_the_axes_where_constrained_layout_does():
    layout.clear_cache()
    figures = _figures()
    for _ in range(2):  # the second round is served from the cache
        for name, build in figures:
            got = build()
            layout.settle_layout(got)
            assert not isinstance(got.get_layout_engine(), ConstrainedLayoutEngine)
            want = build()
            layout.freeze_layout(want)  # matplotlib's constrained layout, nothing cached
            np.testing.assert_allclose(_pixels(got), _pixels(want), atol=0.5, err_msg=name)
    # the cache is used: far fewer layouts than figures (same tick labels, title heights, legends)
    assert 0 < len(layout._LAYOUTS) < len(figures)


def test_a_cached_layout_gives_the_same_png():
    layout.clear_cache()
    trend = ref.read_inputs("330303")[2]
    first = ref.png(plots.trend_figure(trend, title="龙湾区"))
    assert len(layout._LAYOUTS) == 1
    again = ref.png(plots.trend_figure(trend, title="鹿城区"))  # same height, other name: a hit
    assert len(layout._LAYOUTS) == 1
    fresh = plots.trend_figure(trend, title="鹿城区")
    layout.freeze_layout(fresh)
    assert again == ref.png(fresh)
    assert first != again  # (the title differs: the check can tell figures apart)


def test_a_figure_with_text_outside_its_axes_is_laid_out_by_matplotlib():
    layout.clear_cache()
    trend = ref.read_inputs("330303")[2]
    fig = plots.trend_figure(trend, title="龙湾区")
    ax = fig.axes[0]
    ax.annotate("note", (0.5, -0.3), xycoords="axes fraction", annotation_clip=False)
    layout.settle_layout(fig)
    assert len(layout._LAYOUTS) == 0
    want = plots.trend_figure(trend, title="龙湾区")
    want.axes[0].annotate("note", (0.5, -0.3), xycoords="axes fraction", annotation_clip=False)
    layout.freeze_layout(want)
    np.testing.assert_allclose(_pixels(fig), _pixels(want), atol=0.5)
    # and a figure legend below the axes (as the funnel's) is not cached either
    fig = plots.trend_figure(trend, title="龙湾区")
    fig.legend(loc="outside lower center")
    layout.settle_layout(fig)
    assert len(layout._LAYOUTS) == 0


@pytest.mark.parametrize("font_size", [10, 16])
def test_a_change_of_style_is_a_new_layout(font_size):
    import matplotlib as mpl

    layout.clear_cache()
    trend = ref.read_inputs("330303")[2]
    plots.use_style()  # outside the rc_context: a style first applied inside it would end with it
    with mpl.rc_context({"ytick.labelsize": font_size}):
        got = plots.trend_figure(trend, title="龙湾区")
        layout.settle_layout(got)
        want = plots.trend_figure(trend, title="龙湾区")
        layout.freeze_layout(want)
    np.testing.assert_allclose(_pixels(got), _pixels(want), atol=0.5)
