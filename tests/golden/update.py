"""Regenerate the golden files of the notebook tests (run after an intended change of a table):

    .venv/bin/python tests/golden/update.py [--real] [NOTEBOOK …]

* ``tests/golden/<notebook>/<case>/`` — the tables (``*.csv``) and ``summary.json`` each case of
  ``cases.CASES`` writes, paths normalised (``cases.normalise``);
* ``tests/golden/<notebook>/real_<case>/`` — the same for the real tables of ``data/examples``
  (``cases.REAL``; ``--real``: only these);
* ``tests/golden/notebooks/<notebook>.ipynb`` — the notebook executed by papermill with its
  defaults on the tiny sample (``data_source="sample:tiny"``), re-run by nbval
  (``tests/test_notebooks.py::test_nbval_golden_notebooks``; cells marked
  ``# NBVAL_CHECK_OUTPUT`` must give the same output).

Review the diff (``git diff tests/golden``) before committing: every change must be explained by
the change of code or data that caused it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill as pm

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cases


def update_tables(name: str, tmp: Path) -> None:
    result = cases.run_cases(name, tmp / name, bad=False)
    failed = [t for t in result.manifest["tasks"] if t["status"] != "ok"]
    if failed:
        raise SystemExit(f"{name}: cases failed: {[(t['key'], t['error']) for t in failed]}")
    for case, params in cases.CASES[name].items():
        target = cases.GOLDEN / name / case
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        files = cases.written_files(cases.tables_of(result, params))
        for fname, text in files.items():
            (target / fname).write_text(text, encoding="utf-8")
        # the list of files, also when there is none (git keeps no empty folder)
        (target / cases.LISTING).write_text("".join(f"{n}\n" for n in files), encoding="utf-8")
        print(f"{name}/{case}: {len(list(target.iterdir()))} files")


def update_real(name: str, tmp: Path) -> None:
    """The golden tables of the real-table cases (:data:`cases.REAL`)."""
    result = cases.run_real(name, tmp / f"{name}-real", bad=False)
    failed = [t for t in result.manifest["tasks"] if t["status"] != "ok"]
    if failed:
        raise SystemExit(f"{name}: real cases failed: {[(t['key'], t['error']) for t in failed]}")
    for case, params in cases.REAL[name].items():
        target = cases.GOLDEN / name / case
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        files = cases.written_files(cases.tables_of(result, cases.real_params(params)), real=True)
        for fname, text in files.items():
            (target / fname).write_text(text, encoding="utf-8")
        (target / cases.LISTING).write_text("".join(f"{n}\n" for n in files), encoding="utf-8")
        print(f"{name}/{case}: {len(list(target.iterdir()))} files")


def update_notebook(name: str) -> None:
    out = cases.GOLDEN / "notebooks" / f"{name}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    params = dict(cases.CASES[name]["default"])
    pm.execute_notebook(
        str(cases.notebook_path(name)),
        str(out),
        parameters=params,
        kernel_name="python3",
        cwd=str(out.parent),
        progress_bar=False,
    )
    nb = nbformat.read(str(out), as_version=4)
    nb.metadata.pop("papermill", None)  # timings and paths: diff noise
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill draws a random id
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):  # nbval never compares images: keep git small
                del output["data"]["image/png"]
    nbformat.write(nb, str(out))
    print(f"notebooks/{name}.ipynb")


def main(argv: list[str]) -> int:
    names = argv or list(cases.CASES)
    unknown = [n for n in names if n not in cases.CASES and n != "--real"]
    if unknown:
        raise SystemExit(f"unknown notebook(s) {unknown}; expected some of {list(cases.CASES)}")
    real_only = "--real" in names
    names = [n for n in names if n != "--real"] or list(cases.CASES)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            if not real_only:
                update_tables(name, Path(tmp))
                update_notebook(name)
            update_real(name, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
