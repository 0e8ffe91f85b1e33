"""The explorer's widgets and figures, driven from Python as the controls drive them (no browser;
``test_explorer_browser.py`` clicks the real page). Checks that a control change, a hover, a
click and a search reach the state and that the marks then show the views' numbers; that a bad
value becomes one line in the status; that the figure data are the views' tables; and the way
from the selection to reports: the parameter file is accepted by the batch runner as it is, and a
rendered brief is the district's.
"""

from __future__ import annotations

import pandas as pd
import pytest

from qualitykit.explore import figures, handoff
from qualitykit.explore.app import App
from qualitykit.explore.source import ExplorerData

TINY = "sample:tiny"


@pytest.fixture
def app(explorer_data: ExplorerData) -> App:
    return App(explorer_data, region_code="330000", selected="330303", year_from=2015, year_to=2024)


def test_a_control_change_redraws_the_views_from_the_new_state(app):
    app.years.value = (2018, 2024)  # as the slider does
    ex = app.explorer
    assert ex.state.years == (2018, 2024)
    table = ex.funnel().table
    assert app.funnel_chart.points.x.tolist() == table["batches"].astype(float).tolist()
    assert app.funnel_chart.points.y.tolist() == pytest.approx(table["pass_rate"].tolist())
    assert app.trend_chart.observed.x.tolist() == ex.trend().table["year"].astype(float).tolist()
    assert "2018–2024" in app.scope.value
    app.check_level.value = "national"
    assert ex.state.check_level == "national"
    assert app.status.value == ""


def test_province_and_city_dropdowns_follow_each_other(app):
    app.province.value = "320000"
    assert app.explorer.state.region == "320000"
    cities = [code for _, code in app.city.options if code]
    assert cities and all(c.startswith("32") for c in cities)
    app.city.value = cities[0]
    assert app.explorer.state.region == cities[0]
    assert app.city.value == cities[0] and app.province.value == "320000"


def test_a_click_selects_the_clicked_unit_and_a_hover_names_it(app):
    table = app.explorer.funnel().table
    app.funnel_chart._click(None, {"event": "element_click", "data": {"index": 4}})
    code = str(table["region_code"].iloc[4])
    assert app.explorer.state.selected == code
    assert app.unit.value == code
    assert app.funnel_chart.selected.x.tolist() == [float(table["batches"].iloc[4])]
    app.funnel_chart._hover(None, {"event": "hover", "data": {"index": 4}})
    tip = app.funnel_chart.tooltip.value
    assert str(table["name_zh"].iloc[4]) in tip and code in tip
    assert f"{int(table['batches'].iloc[4]):,}" in tip


def test_search_by_label_or_code(app):
    label = next(lab for lab, code in app.explorer.region_options() if code == "330303")
    app.province.value = "110000"
    app.search.value = label
    assert (app.explorer.state.region, app.explorer.state.selected) == ("330000", "330303")
    app.search.value = "330300"
    assert app.explorer.state.region == "330300"
    app.search.value = "龙"  # a partial text does nothing until an option is chosen
    assert app.explorer.state.region == "330300"


def test_a_bad_value_is_one_line_in_the_status_and_the_controls_keep_the_state(app):
    before = app.explorer.state
    app._guard(app.change, years=(1990, 1991))
    assert "outside the data" in app.status.value and "Traceback" not in app.status.value
    assert app.explorer.state == before
    assert app.years.value == before.years


def test_describe_says_what_is_in_view(app):
    text = app.describe()
    assert "浙江省" in text and "龙湾区 (330303)" in text and "批次合格率" in text


# ---- figure data -------------------------------------------------------------------------------


def test_funnel_data_are_the_view_table(app):
    view = app.explorer.funnel()
    spec = figures.funnel(view.table, view.extra["grid"], selected="330303", lang="zh")
    t = view.table
    assert spec["points"]["codes"] == t["region_code"].astype(str).tolist()
    flags = [figures.FLAG_CLASSES[i] for i in spec["points"]["flag"]]
    assert flags == t["flag_998"].astype(str).tolist()
    row = t[t["region_code"] == "330303"].iloc[0]
    assert spec["selected"] == {
        "x": [float(row["batches"])],
        "y": [row["pass_rate"]],
        "text": ["龙湾区"],
    }
    lo, hi = spec["y_range"]
    assert lo <= t["pass_rate"].min() and hi >= t["pass_rate"].max()


def test_tooltips_escape_what_they_show():
    table = pd.DataFrame(
        {
            "region_code": ["330303"],
            "name_zh": ["<script>x</script>"],
            "name_en": ["a&b"],
            "batches": [10],
            "pass_rate": [0.9],
            "ci_lower": [0.6],
            "ci_upper": [0.98],
            "flag_998": ["within"],
        }
    )
    tip = figures.funnel(table, None, lang="zh")["points"]["tooltips"][0]
    assert "<script>" not in tip and "&lt;script&gt;" in tip
    assert "a&amp;b" in figures.funnel(table, None, lang="en")["points"]["tooltips"][0]


def test_trend_data_carry_the_intervals_and_target_lines(app):
    view = app.explorer.trend()
    spec = figures.trend(view.table, targets=view.extra["targets"], lang="zh")
    assert spec["errors"]["y"] == [
        [a, b] for a, b in zip(view.table["ci_lower"], view.table["ci_upper"], strict=True)
    ]
    lines = view.extra["targets"]
    assert [y[0] for y in spec["targets"]["y"]] == pytest.approx(lines["value"].tolist())
    assert all(lab.startswith("目标 ") for lab in spec["targets"]["labels"])


def test_pareto_data_mark_the_vital_few_and_other():
    table = pd.DataFrame(
        {
            "item": ["标识", "帮底剥离强度", "其他"],
            "count": [5, 3, 2],
            "share": [0.5, 0.3, 0.2],
            "cum_share": [0.5, 0.8, 1.0],
            "vital_few": [True, True, False],
            "is_other": [False, False, True],
        }
    )
    spec = figures.pareto(table, lang="zh")
    assert spec["kind"] == [0, 0, 2] and spec["counts"] == [5, 3, 2]


# ---- from exploring to reporting ------------------------------------------------------------------


def test_the_batch_parameter_file_is_accepted_by_the_runner(app, tmp_path, monkeypatch):
    from qualitykit import run as batch

    monkeypatch.setattr(handoff, "explore_dir", lambda: tmp_path)
    path, command = app.write_batch("05_district_report")
    nb = handoff.notebook_path("05_district_report")
    sets = batch.expand_parameter_sets(nb, params_file=path)
    units = app.explorer.funnel().table["region_code"].astype(str).tolist()
    assert [s["region_code"] for s in sets] == units
    assert all(s["year_from"] == 2015 and s["year_to"] == 2024 for s in sets)
    assert sets[0]["data_source"] == TINY
    assert command.startswith("qualitykit run ") and "--params" in command
    assert "data:text/csv;base64," in app.batch_out.value


def test_notebooks_that_need_districts_refuse_cities(app):
    from qualitykit.errors import ParameterError

    app.change(unit_level="child")
    with pytest.raises(ParameterError, match="county"):
        handoff.parameter_sets(app.explorer, "05_district_report", units=True)
    sets = handoff.parameter_sets(app.explorer, "03_regional_benchmark")
    assert (
        sets[0]["region_code"] == "330000" and sets[0]["highlight"] == app.explorer.state.selected
    )
    assert sets[0]["unit_level"] == "child"


@pytest.mark.slow
@pytest.mark.notebook
def test_the_selection_renders_the_district_brief(app, tmp_path, monkeypatch):
    monkeypatch.setattr(handoff, "explore_dir", lambda: tmp_path)
    job = app.render_report("05_district_report", wait=True)
    assert job.poll() == 0, job.error()
    pages = job.pages()
    assert len(pages) == 1
    page = pages[0].read_text(encoding="utf-8")
    assert "龙湾区" in page and "2015–2024" in page
    assert "qk-report-frame" in app.report_out.value


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize(
    "params", [{}, {"data_source": TINY, "lang": "en"}], ids=["defaults", "en"]
)
def test_notebook_06_executes_headlessly_and_shows_its_initial_views(tmp_path, params):
    """The exemplar rule: the notebook runs top to bottom under papermill (no browser) with its
    defaults on the embedded sample; its output says what the views show."""
    import nbformat

    from qualitykit import run as batch

    result = batch.run_batch(
        handoff.notebook_path("06_explorer"),
        [params],
        tmp_path / "run",
        batch.RunOptions(workers=1, progress=False, timeout=600, html=False),
    )
    task = result.manifest["tasks"][0]
    assert task["status"] == "ok", task["error"]
    nb = nbformat.read(str(tmp_path / "run" / task["outputs"]["ipynb"]), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    shown = [o["data"] for o in outputs if "data" in o]
    assert any("application/vnd.jupyter.widget-view+json" in d for d in shown)
    text = "\n".join(d.get("text/plain", "") for d in shown)
    if params.get("lang") == "en":
        assert "Longwan District (330303)" in text and "Of " in text
    else:
        assert "龙湾区 (330303)" in text and "个单位与平均水平" in text  # the funnel's sentence
