"""Name labels in figures never overlap: each other, the named points' markers, or the axes' edge.

The example of issue 11: in the province funnel of 浙江 (the sample's 90 county-level divisions,
``tests/fixtures/figures/zhejiang_counties_sample.csv``, counts of the synthetic sample as
``district.build_context`` aggregates them for 2015–2024), 苍南县 (843 batches, 81.97 %) and
景宁畲族自治县 (464 batches, 81.68 %) are both below the limits and their names were drawn over
each other. The check here is independent of the placement code: every drawn label's box is
measured with the Agg renderer at the saving dpi and compared with the others and with a box of
the marker's size around each named unit's point (positions taken from the input table).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

from qualitykit.report import district, plots

FIXTURE = Path(__file__).parent / "fixtures" / "figures" / "zhejiang_counties_sample.csv"
needs_cjk = pytest.mark.skipif(
    not plots.cjk_available(), reason="no CJK font (sudo apt-get install fonts-noto-cjk)"
)


@pytest.fixture(scope="module")
def zhejiang() -> district.UnitComparison:
    units = pd.read_csv(FIXTURE, dtype={"region_code": "string"})
    return district.compare_units(units)


def _draw(fig, dpi: float = 150.0):
    """Render at ``dpi`` (as saved) and return the renderer."""
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _problems(fig, table: pd.DataFrame, name_column: str, highlight: str | None) -> list[str]:
    ax = fig.axes[0]
    renderer = _draw(fig)
    labels = [t for t in ax.texts if t.get_text()]
    boxes = {t.get_text(): t.get_window_extent(renderer) for t in labels}
    found = []
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if boxes[a].overlaps(boxes[b]):
                found.append(f"{a} over {b}")
    px = fig.dpi / 72.0
    rows = table.set_index(name_column)
    for name in names:
        x, y = rows.loc[name, ["batches", "pass_rate"]].to_numpy(dtype=float)
        cx, cy = ax.transData.transform((x, y))
        r = (np.sqrt(90.0 if name == highlight else 22.0) / 2.0) * px
        marker = Bbox.from_extents(cx - r, cy - r, cx + r, cy + r)
        for other, box in boxes.items():
            if box.overlaps(marker):
                found.append(f"{other} over the point of {name}")
    frame = ax.get_window_extent(renderer)
    for name, box in boxes.items():
        if box.x0 < frame.x0 - 1 or box.x1 > frame.x1 + 1 or box.y0 < frame.y0 - 1:
            found.append(f"{name} outside the axes")
        if box.y1 > frame.y1 + 1:
            found.append(f"{name} outside the axes")
    return found


@needs_cjk
@pytest.mark.parametrize("highlight", ["苍南县", "景宁畲族自治县", "龙湾区", None])
def test_zhejiang_funnel_names_do_not_overlap(zhejiang, highlight) -> None:
    table = zhejiang.table
    fig = plots.funnel_figure(table, zhejiang.grid, highlight=highlight, label_column="name_zh")
    problems = _problems(fig, table, "name_zh", highlight)
    assert problems == []
    # every unit outside the outer limits is named, and the highlighted one
    named = {t.get_text() for t in fig.axes[0].texts if t.get_text()}
    flagged = set(table.loc[table["flag_998"] != "within", "name_zh"])
    assert {"苍南县", "景宁畲族自治县"} <= flagged
    assert named == flagged | ({highlight} if highlight else set())


@needs_cjk
def test_crowded_inner_labels_do_not_overlap(zhejiang) -> None:
    # the harder case: every unit outside the 95 % limits named, plus the 10 largest
    table = zhejiang.table
    fig = plots.funnel_figure(
        table,
        zhejiang.grid,
        highlight="330327",
        label_column="name_zh",
        label_inner=True,
        label_largest=10,
    )
    assert _problems(fig, table, "name_zh", "苍南县") == []
    named = {t.get_text() for t in fig.axes[0].texts if t.get_text()}
    inner = set(table.loc[table["flag_95"] != "within", "name_zh"])
    largest = set(table.nlargest(10, "batches")["name_zh"])
    assert named == inner | largest | {"苍南县"}


def test_too_many_flagged_units_are_counted_not_hidden(zhejiang) -> None:
    table = zhejiang.table
    inner = int((table["flag_95"] != "within").sum())
    fig = plots.funnel_figure(
        table, zhejiang.grid, label_inner=True, max_labels=3, label_column="region_code", lang="en"
    )
    assert len([t for t in fig.axes[0].texts if t.get_text()]) == 3
    notes = [t.get_text() for t in fig.texts]
    assert f"{inner - 3} more units outside the limits are not named (see the table)" in notes


@needs_cjk
def test_labelled_funnel_still_renders_the_same_bytes(zhejiang) -> None:
    def png() -> bytes:
        buf = io.BytesIO()
        fig = plots.funnel_figure(zhejiang.table, zhejiang.grid, highlight="苍南县")
        plots.save_figure(fig, buf, format="png")
        return buf.getvalue()

    assert png() == png()


@needs_cjk
def test_caterpillar_names_do_not_overlap() -> None:
    # the most names a caterpillar shows (max_labels=60), long Chinese names included
    from qualitykit.data import regions

    kids = regions.counties()[["region_code", "name_zh"]].iloc[:60].reset_index(drop=True)
    rate = np.linspace(0.80, 0.99, 60)
    table = kids.assign(pass_rate=rate, ci_lower=rate - 0.03, ci_upper=rate + 0.02)
    table.loc[7, "name_zh"] = "景宁畲族自治县"
    fig = plots.caterpillar_figure(table, highlight=table.loc[7, "region_code"])
    renderer = _draw(fig)
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert len(boxes) == 60
    assert not [(i, j) for i in range(60) for j in range(i + 1, 60) if boxes[i].overlaps(boxes[j])]
