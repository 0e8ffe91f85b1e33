"""Ticks copied from an axis' first tick (``qualitykit.report.figures.ticks``) are the ticks
matplotlib makes: the same properties and the same pixels, and nothing shared that a later
change to one tick could leak through."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import matplotlib.axes
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from qualitykit.report import plots
from qualitykit.report.figures import common, layers, layout, ticks

HERE = Path(__file__).parent / "fixtures" / "figures" / "district"
_spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
ref = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(ref)  # type: ignore[union-attr]

SCENARIOS = {
    "defaults": lambda ax: None,
    "tick_params": lambda ax: ax.tick_params(
        labelsize=7, direction="in", pad=6, colors="tab:red", labelrotation=30, length=6
    ),
    "grid_and_minor": lambda ax: (ax.grid(True, which="both"), ax.minorticks_on()),
    "top_and_right": lambda ax: (
        ax.xaxis.set_ticks_position("both"),
        ax.yaxis.tick_right(),
        ax.xaxis.set_tick_params(labeltop=True),
    ),
    "first_label_styled": lambda ax: [
        t.set(color="tab:green", fontweight="bold") for t in ax.get_xticklabels()[:1]
    ],
}


def _draw(axes_class, scenario):
    fig = Figure(figsize=(5, 3), layout="constrained")
    ax = fig.add_subplot(axes_class=axes_class)
    ax.plot(np.arange(2014, 2026), np.linspace(0.81, 0.97, 12))
    ax.set_xlim(2014.5, 2024.5)
    SCENARIOS[scenario](ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=100)
    return fig, ax, buf.getvalue()


def _comparable(value):
    """A property value in a form two figures' artists can be compared by."""
    if isinstance(value, Bbox):
        return np.round(value.get_points(), 6).tolist()
    if isinstance(value, np.ndarray):
        return np.round(value.astype(float), 6).tolist()
    if hasattr(value, "get_matrix"):
        return np.round(value.get_matrix(), 6).tolist()
    if isinstance(value, list | tuple) and not isinstance(value, str):
        return [_comparable(v) for v in value]
    if type(value).__module__.startswith("matplotlib"):  # artists, paths, font properties
        return type(value).__name__
    return value


def _properties(tick):
    skip = {"figure", "axes", "children", "clip_path", "path", "agg_filter", "picker"}
    out = {}
    for part in ("tick1line", "tick2line", "gridline", "label1", "label2"):
        art = getattr(tick, part)
        props = {k: _comparable(v) for k, v in art.properties().items() if k not in skip}
        props["fontproperties"] = getattr(art, "get_fontproperties", lambda: None)()
        props["fontproperties"] = (
            None if props["fontproperties"] is None else hash(props["fontproperties"])
        )
        out[part] = props
    return out


LATER_CHANGES = {
    "fixed_ticks_and_labels": lambda ax: ax.set_xticks([2016, 2019, 2022], labels=["a", "b", "c"]),
    "cleared": lambda ax: (ax.get_xticklabels(), ax.cla(), ax.plot([0, 5], [1, 2])),
    "twin_axes": lambda ax: ax.twinx().plot([2015, 2024], [3, 1]),
    "secondary_axis": lambda ax: ax.secondary_xaxis("top"),
    "labels_moved_after_ticks_exist": lambda ax: (
        ax.get_xticklabels(),
        ax.xaxis.set_tick_params(labelbottom=False, labeltop=True),
    ),
    "grid_after_ticks_exist": lambda ax: (ax.get_xticklabels(), ax.grid(color="r", ls="--")),
    "log_scale": lambda ax: ax.set_yscale("log"),
    "inverted_and_rotated": lambda ax: (
        ax.invert_yaxis(),
        [t.set_rotation(45) for t in ax.get_xticklabels()],
    ),
    "minor_tick_params": lambda ax: (
        ax.minorticks_on(),
        ax.tick_params(which="minor", length=8, color="g"),
    ),
}


@pytest.mark.parametrize("change", sorted(LATER_CHANGES))
def test_figures_changed_after_their_ticks_exist_draw_as_with_matplotlibs_ticks(change):
    def draw(axes_class):
        fig = Figure(figsize=(5, 3), layout="constrained")
        ax = fig.add_subplot(axes_class=axes_class)
        ax.plot(np.arange(2014, 2026), np.linspace(0.81, 0.97, 12))
        LATER_CHANGES[change](ax)
        buf = io.BytesIO()
        fig.savefig(buf, format="rgba", dpi=80)
        return buf.getvalue()

    assert draw(ticks.Axes) == draw(matplotlib.axes.Axes)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_copied_ticks_have_matplotlibs_properties_and_pixels(scenario, monkeypatch):
    copied = []
    clone = ticks.clone_tick
    monkeypatch.setattr(ticks, "clone_tick", lambda tick: copied.append(1) or clone(tick))
    _, mine, mine_px = _draw(ticks.Axes, scenario)
    assert len(copied) >= 8  # all ticks but the first of each list were copies
    _, theirs, theirs_px = _draw(matplotlib.axes.Axes, scenario)
    assert isinstance(mine.xaxis, ticks.XAxis) and isinstance(mine.yaxis, ticks.YAxis)
    for a, b in ((mine.xaxis, theirs.xaxis), (mine.yaxis, theirs.yaxis)):
        for kind in ("majorTicks", "minorTicks"):
            got, want = getattr(a, kind), getattr(b, kind)
            assert len(got) == len(want) and len(got) >= 1
            for i, (t1, t2) in enumerate(zip(got, want, strict=True)):
                assert _properties(t1) == _properties(t2), (scenario, kind, i)
    assert mine_px == theirs_px


def test_copied_ticks_share_nothing_a_change_could_leak_through():
    _, ax, _ = _draw(ticks.Axes, "defaults")
    first, second = ax.xaxis.majorTicks[:2]
    assert getattr(second, "_qk_copied", False) is False  # the marker was consumed
    second.label1.set_fontsize(3)
    second.label1.set_color("tab:purple")
    second.tick1line.set_markersize(20)
    second.gridline.sticky_edges.x.append(1.0)
    assert first.label1.get_fontsize() != 3
    assert first.label1.get_color() != "tab:purple"
    assert first.tick1line.get_markersize() != 20
    assert first.gridline.sticky_edges.x == []
    seen = []
    second.label1.add_callback(lambda artist: seen.append(artist))
    first.label1.set_text("changed")
    assert seen == []
    for part in ("tick1line", "tick2line", "gridline", "label1", "label2"):
        assert getattr(first, part) is not getattr(second, part)
        assert getattr(first, part)._callbacks is not getattr(second, part)._callbacks
    assert first.label1.get_fontproperties() is not second.label1.get_fontproperties()


def test_the_tick_comparison_can_fail():
    """A tick that differs from matplotlib's in one property is caught."""
    _, mine, _ = _draw(ticks.Axes, "defaults")
    _, theirs, _ = _draw(matplotlib.axes.Axes, "defaults")
    mine.xaxis.majorTicks[3].label1.set_fontsize(5)
    assert _properties(mine.xaxis.majorTicks[3]) != _properties(theirs.xaxis.majorTicks[3])


@pytest.mark.skipif(not plots.cjk_available(), reason="the figures are compared in CJK")
@pytest.mark.parametrize(("code", "lang"), ref.CASES)
def test_district_figures_are_the_same_bytes_as_with_matplotlibs_ticks(code, lang, monkeypatch):
    def render():
        layers.clear_cache()
        layout.clear_cache()
        return {kind: ref.png(fig) for kind, fig in ref.render(code, lang).items()}

    mine = render()
    monkeypatch.setattr(common, "Axes", matplotlib.axes.Axes)
    theirs = render()
    layers.clear_cache()
    layout.clear_cache()
    assert mine.keys() == theirs.keys()
    for kind in mine:
        assert mine[kind] == theirs[kind], kind


def test_other_figures_are_the_same_bytes_as_with_matplotlibs_ticks(monkeypatch):
    years = pd.DataFrame(
        {
            "year": [2015, 2016, 2018, 2019, 2020, 2021, 2022, 2023, 2024],
            "batches": [120, 80, 60, 90, 100, 110, 95, 130, 140],
            "pass_rate": [0.95, 0.9, 0.85, 0.88, 0.91, 0.93, 0.92, 0.94, 0.96],
        }
    )
    years["ci_lower"] = years["pass_rate"] - 0.04
    years["ci_upper"] = years["pass_rate"] + 0.03

    def render():
        layout.clear_cache()
        by_year = plots.rates_figure(years, "year", title="测试", target=0.9, lang="en")
        bars = plots.rates_figure(years.astype({"year": str}), "year", kind="bar", lang="en")
        return ref.png(by_year), ref.png(bars)

    mine = render()
    monkeypatch.setattr(common, "Axes", matplotlib.axes.Axes)
    theirs = render()
    layout.clear_cache()
    assert mine == theirs
