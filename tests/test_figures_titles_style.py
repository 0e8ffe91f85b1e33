"""Three things a figure no longer does again per report (issue 14), checked against matplotlib.

* Titles: ``figures.layout.titles_in_place`` keeps an axes' titles at ``y=1`` during a save when
  nothing of its axes can reach above it, instead of matplotlib measuring every tick label to
  find that out. The reference is matplotlib's own placement (the same figure saved without it):
  the PNG must be the same bytes, and a figure with something above its axes (x tick labels on
  top, a y offset text) is left to matplotlib.
* Legend: ``figures.layout.best_legend_found_once`` lets matplotlib search the best place of a
  ``loc="best"`` legend once per draw instead of twice: same PNG bytes as matplotlib's own.
* Style: the figure functions apply the style again when it was lost (first applied inside a
  ``matplotlib.rc_context`` that has ended, ``rcdefaults``), keep a user's own rcParam change,
  and ``ensure_style`` (each report's ``start``) leaves a style in effect alone.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.ticker import ScalarFormatter

from qualitykit.report import plots
from qualitykit.report.figures import layout, style
from qualitykit.report.framework import FIGURE_DPI

HERE = Path(__file__).parent / "fixtures" / "figures" / "district"
_spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
ref = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(ref)  # type: ignore[union-attr]


def _png(fig, *, matplotlib_places_titles: bool = False, legend_search: bool = False) -> bytes:
    buf = io.BytesIO()
    if matplotlib_places_titles or legend_search:
        with pytest.MonkeyPatch.context() as m:
            if matplotlib_places_titles:
                m.setattr(layout, "titles_in_place", lambda fig: contextlib.nullcontext())
            if legend_search:
                m.setattr(layout, "best_legend_found_once", lambda fig: contextlib.nullcontext())
            plots.save_figure(fig, buf, format="png", dpi=FIGURE_DPI)
    else:
        plots.save_figure(fig, buf, format="png", dpi=FIGURE_DPI)
    return buf.getvalue()


def _trend(code: str = "330303", lang: str = "zh", **kw):
    return plots.trend_figure(ref.read_inputs(code)[2], title="龙湾区", lang=lang, **kw)


def _fixed(fig) -> bool:
    """Whether titles_in_place keeps the titles of the figure's axes where they are."""
    layout.settle_layout(fig)
    ax = fig.axes[0]
    with layout.titles_in_place(fig):
        fixed = ax._autotitlepos is False
    assert ax._autotitlepos is not False  # matplotlib's placement restored afterwards
    return fixed


@pytest.mark.parametrize(("code", "lang"), ref.CASES)
def test_titles_kept_in_place_give_matplotlibs_picture(code, lang):
    fig = _trend(code, lang)
    assert _fixed(_trend(code, lang))
    want = _png(_trend(code, lang), matplotlib_places_titles=True)
    assert _png(fig) == want


def test_something_above_the_axes_leaves_the_title_to_matplotlib():
    fig = _trend()
    fig.axes[0].xaxis.tick_top()  # tick labels above the axes: the title goes above them
    assert not _fixed(fig)
    fig = _trend()
    fig.axes[0].xaxis.tick_top()
    want = _png(fig, matplotlib_places_titles=True)
    fig = _trend()
    fig.axes[0].xaxis.tick_top()
    assert _png(fig) == want
    # a y axis that may show an offset text above it is not kept in place either
    fig = _trend()
    fig.axes[0].yaxis.set_major_formatter(ScalarFormatter())
    assert not _fixed(fig)


def test_the_title_check_can_fail():
    """Keeping the title at y=1 over top tick labels would draw another picture."""
    fig = _trend()
    fig.axes[0].xaxis.tick_top()
    want = _png(fig, matplotlib_places_titles=True)
    fig = _trend()
    fig.axes[0].xaxis.tick_top()
    fig.axes[0].set_title(fig.axes[0].get_title(), y=1.0)  # as if kept in place
    assert _png(fig) != want


@pytest.mark.parametrize(("code", "lang"), ref.CASES)
def test_the_best_legend_place_searched_once_is_matplotlibs(code, lang, monkeypatch):
    from matplotlib.legend import Legend

    want = _png(_trend(code, lang, target=0.95), legend_search=True)
    fig = _trend(code, lang, target=0.95)
    layout.settle_layout(fig)
    legend = fig.axes[0].get_legend()
    find = legend._legend_box._offset
    searches = []
    real = Legend._find_best_position
    monkeypatch.setattr(
        Legend, "_find_best_position", lambda *a, **k: searches.append(1) or real(*a, **k)
    )
    assert _png(fig) == want
    assert len(searches) == 1  # matplotlib alone: 2
    assert legend._legend_box._offset == find  # its own search restored


@pytest.fixture
def restore_style():
    yield
    plots.use_style()


def test_a_style_first_applied_inside_an_rc_context_is_applied_again(monkeypatch, restore_style):
    with mpl.rc_context():
        mpl.rcdefaults()  # a new process: no style yet
        monkeypatch.setitem(style._STATE, "applied", False)
        with mpl.rc_context():
            _trend()  # applies the style, which ends with this context
        assert mpl.rcParams["svg.hashsalt"] != "qualitykit"
        fonts = mpl.rcParams["font.sans-serif"]
        assert fonts[0] != (plots.cjk_family() or plots.FALLBACK_FAMILY) or len(fonts) > 2
        _trend()
        assert mpl.rcParams["svg.hashsalt"] == "qualitykit"
        assert mpl.rcParams["font.sans-serif"][0] == (plots.cjk_family() or plots.FALLBACK_FAMILY)
        mpl.rcdefaults()  # the style lost once more
        _trend()
        assert mpl.rcParams["svg.hashsalt"] == "qualitykit"


def test_a_users_own_rcparam_is_kept_by_the_figures(monkeypatch, restore_style):
    plots.use_style()
    with mpl.rc_context({"ytick.labelsize": 16}):
        fig = _trend()
        assert mpl.rcParams["ytick.labelsize"] == 16
        assert fig.axes[0].yaxis.get_major_ticks()[0].label1.get_fontsize() == 16


def test_ensure_style_sets_no_theme_when_in_effect_and_restores_a_changed_one(
    monkeypatch, restore_style
):
    import seaborn as sns

    plots.use_style()
    calls = []
    real = sns.set_theme
    monkeypatch.setattr(sns, "set_theme", lambda *a, **k: (calls.append(1), real(*a, **k)))
    plots.ensure_style()
    assert calls == []
    mpl.rcParams["axes.titlesize"] = 20
    plots.ensure_style()  # each report starts with the same style
    assert calls == [1] and mpl.rcParams["axes.titlesize"] == 13
    np.testing.assert_array_equal(mpl.rcParams["figure.figsize"], plots.FIGSIZE)
