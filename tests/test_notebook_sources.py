"""Notebook sources are reviewable: committed without outputs (nbstripout) and in sync with their
jupytext percent-format twins (``notebooks/NN_name.py``), one typed ``parameters`` cell each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from qualitykit.run.params import notebook_parameters

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    names = {p.stem for p in NOTEBOOKS}
    assert {
        "00_national_context",
        "01_quality_trends",
        "02_pareto_causes",
        "03_regional_benchmark",
        "04_policy_targets",
        "05_district_report",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOKS + FIXTURES, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    result = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, f"{path.name} carries outputs: run `nbstripout {path}`"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS + FIXTURES, ids=lambda p: p.name)
def test_paired_percent_script_is_in_sync(path):
    script = path.with_suffix(".py")
    assert script.exists(), f"{path.name} has no jupytext twin {script.name}"
    from_script = jupytext.read(script)
    from_ipynb = nbformat.read(str(path), as_version=4)
    got = [(c.cell_type, c.source.strip()) for c in from_ipynb.cells]
    want = [(c.cell_type, c.source.strip()) for c in from_script.cells]
    assert got == want, f"{path.name} and {script.name} differ: run `jupytext --sync {script}`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_typed_parameters_cell_with_help(path):
    specs = notebook_parameters(path)
    assert specs, f"{path.name}: empty parameters cell"
    for spec in specs.values():
        assert spec.type in {"str", "int", "float", "bool"} or spec.type.replace(" ", "") in {
            "str|None",
            "int|None",
            "float|None",
        }, f"{path.name}: parameter {spec.name} is not a typed primitive ({spec.type})"
        assert spec.help, f"{path.name}: parameter {spec.name} has no help comment"
    nb = nbformat.read(str(path), as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    assert "lang" in specs
