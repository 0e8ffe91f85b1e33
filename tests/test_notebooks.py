"""The notebooks, executed: every notebook runs through papermill (the batch runner's warm
kernels) with its defaults and with two or three other parameter sets on the tiny synthetic
sample, and the tables it writes must equal the golden files of ``tests/golden/<notebook>/<case>/``
(regenerate them with ``python tests/golden/update.py`` after an intended change). Bad parameters
must give one clear line, no traceback; a region without data a short "no data" report;
``lang="en"`` English headings and text.

nbval: ``tests/golden/notebooks/*.ipynb`` are the notebooks executed with their defaults on the tiny
sample; :func:`test_nbval_golden_notebooks` re-runs them with ``pytest --nbval-lax
--nbval-sanitize-with tests/nbval_sanitize.cfg`` in a subprocess: every cell marked
``# NBVAL_CHECK_OUTPUT`` (generated text and tables) must give the same output again.

No published figures are reproduced here: the notebooks only call library functions whose
published reference cases are tested in their own modules (test_metrics, test_benchmark, …);
what is tested is that the notebooks run, say what their tables say, and do not change silently.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

import cases

pytestmark = pytest.mark.notebook

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_PUNCTUATION = re.compile(r"[。，；：]")


@pytest.fixture(scope="module", params=list(cases.CASES))
def run(request, tmp_path_factory):
    """One batch run per notebook: every case and every bad parameter set (warm kernels)."""
    name = request.param
    result = cases.run_cases(name, tmp_path_factory.mktemp(name) / "run")
    return name, result


def _executed(result, params) -> nbformat.NotebookNode:
    task = cases.task_of(result, params)
    return nbformat.read(str(result.run_dir / task["outputs"]["ipynb"]), as_version=4)


def _markdown_outputs(nb: nbformat.NotebookNode) -> list[str]:
    return [
        o["data"]["text/markdown"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "data" in o and "text/markdown" in o["data"]
    ]


@pytest.mark.slow
def test_every_case_runs(run):
    name, result = run
    for case, params in cases.CASES[name].items():
        task = cases.task_of(result, params)
        assert task["status"] == "ok", f"{name}/{case}: {task['error']}"


@pytest.mark.slow
def test_written_tables_equal_the_golden_files(run):
    name, result = run
    for case, params in cases.CASES[name].items():
        want = cases.golden_files(name, case)
        got = cases.written_files(cases.tables_of(result, params))
        problems = cases.compare_folder(got, want)
        assert not problems, f"{name}/{case} differs from tests/golden:\n" + "\n".join(
            problems[:20]
        )


@pytest.mark.slow
def test_bad_parameters_give_one_clear_line(run):
    name, result = run
    for params, fragment in cases.BAD.get(name, []):
        task = cases.task_of(result, params)
        assert task["status"] == "failed"
        assert task["error"].startswith("ParameterError: "), task["error"]
        assert fragment in task["error"]
        errors = [
            o
            for c in _executed(result, params).cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if o.get("output_type") == "error"
        ]
        assert len(errors) == 1
        shown = "\n".join(errors[0]["traceback"])
        assert fragment in shown
        assert "Traceback" not in shown and "File " not in shown and "----" not in shown


@pytest.mark.slow
def test_no_data_gives_a_short_report(run):
    name, result = run
    params = cases.CASES[name].get("no_data")
    if params is None:
        pytest.skip(f"{name} has no no-data case")
    texts = _markdown_outputs(_executed(result, params))
    # the wording of narrative.no_data (its one home; tests/test_narrative.py): the bold word,
    # then the full-width colon outside the bold
    assert any("**无数据**：" in t for t in texts)
    assert not any(t.startswith("## ") for t in texts)  # no empty sections
    if name == "05_district_report":
        summary = json.loads(
            (cases.tables_of(result, params) / "summary.json").read_text(encoding="utf-8")
        )
        assert summary["data_status"] == "no_data"
        assert summary["batches"] == 0 and summary["pass_rate"] is None
        assert summary["region_code"] == params["region_code"]


@pytest.mark.slow
def test_english_reports_are_in_english(run):
    name, result = run
    for case, params in cases.CASES[name].items():
        if params.get("lang") != "en":
            continue
        texts = _markdown_outputs(_executed(result, params))
        headings = [t for t in texts if t.startswith("## ")]
        assert headings, f"{name}/{case}: no section shown"
        assert not any(CJK.search(h) for h in headings), headings
        sentences = [t for t in texts if not t.startswith("## ")]
        assert sentences
        # region, item and document names stay Chinese; the sentences around them are English:
        # no Chinese punctuation, which every generated Chinese sentence has
        assert not any(ZH_PUNCTUATION.search(t) for t in sentences), sentences


def test_golden_comparison_can_fail():
    """The comparison is not vacuous: a changed number, row, column or file is reported."""
    want = {"t.csv": "year,pass_rate\n2020,0.9\n2021,0.95\n", "summary.json": '{"a": 1.0}'}
    assert cases.compare_folder(dict(want), want) == []
    assert cases.compare_folder({**want, "t.csv": want["t.csv"].replace("0.95", "0.9500001")}, want)
    assert cases.compare_folder({**want, "t.csv": "year,pass_rate\n2020,0.9\n"}, want)
    assert cases.compare_folder({**want, "t.csv": "year,rate\n2020,0.9\n2021,0.95\n"}, want)
    assert cases.compare_folder({**want, "summary.json": '{"a": 1.1}'}, want)
    assert cases.compare_folder({"t.csv": want["t.csv"]}, want) == ["missing: summary.json"]
    # within the tolerance: the last digits of a fitted value
    close = want["t.csv"].replace("0.95", "0.950000000001")
    assert cases.compare_folder({**want, "t.csv": close}, want) == []


def test_golden_notebooks_mark_checked_cells():
    """Each golden notebook has checked cells and was executed on the tiny sample."""
    folder = cases.GOLDEN / "notebooks"
    assert sorted(p.stem for p in folder.glob("*.ipynb")) == sorted(cases.CASES)
    for path in folder.glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        checked = [c for c in nb.cells if "# NBVAL_CHECK_OUTPUT" in c.source]
        assert checked, path.name
        assert all(c.get("outputs") for c in checked), f"{path.name}: a checked cell has no output"
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        if cases.CASES[path.stem]["default"]:
            assert injected and cases.TINY in injected[0].source


@pytest.mark.slow
def test_nbval_golden_notebooks(tmp_path):
    """nbval re-runs the golden executed notebooks; the checked cells must give the same output."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-sanitize-with",
            str(root / "tests" / "nbval_sanitize.cfg"),
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            str(root / "tests" / "golden" / "notebooks"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"\d+ passed", proc.stdout)


@pytest.mark.slow
def test_every_notebook_runs_with_its_own_defaults_on_the_sample(tmp_path):
    """What a user gets in JupyterLab (Run All, no parameter changed): every notebook runs top
    to bottom on the embedded sample in a fresh namespace, and writes its tables."""
    from qualitykit import run as batch
    from qualitykit.data.sample import ensure_sample

    ensure_sample()
    for name in cases.CASES:
        result = batch.run_batch(
            cases.notebook_path(name),
            [{}],
            tmp_path / name,
            batch.RunOptions(workers=1, progress=False, timeout=300),
        )
        task = result.manifest["tasks"][0]
        assert task["status"] == "ok", f"{name} with its defaults: {task['error']}"
        assert list((tmp_path / name).rglob("tables/*.csv")), f"{name} wrote no table"
