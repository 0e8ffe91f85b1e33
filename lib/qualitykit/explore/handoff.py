"""From exploring to reporting: the explorer's selection as notebook parameters, a parameter
file and a batch command, and a rendered report.

* :func:`parameter_sets` — the current selection (one set) or every unit in view (one set per
  unit) as parameters of a notebook of ``notebooks/``: region, years, check level, product,
  language and data source, only the names the notebook declares (read with
  ``papermill.inspect_notebook``), so ``qualitykit run`` accepts them as they are;
* :func:`write_parameter_file` — those sets as the CSV that ``qualitykit run --params`` reads;
* :func:`run_command` — the ``qualitykit run`` command line for such a file;
* :class:`RenderJob` — runs that command in a separate process (the batch runner with its
  checks, manifest and HTML pages; the explorer's kernel stays responsive) and finds the
  rendered page when it is done.

Which notebook accepts which units: :data:`UNIT_LEVELS`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from qualitykit.atomic import write_csv
from qualitykit.data import regions
from qualitykit.errors import ParameterError
from qualitykit.paths import notebooks_dir, outputs_dir

__all__ = [
    "BATCH_NOTEBOOKS",
    "REPORT_NOTEBOOKS",
    "UNIT_LEVELS",
    "RenderJob",
    "parameter_sets",
    "run_command",
    "write_parameter_file",
]

REPORT_NOTEBOOKS: tuple[str, ...] = (
    "05_district_report",
    "01_quality_trends",
    "02_pareto_causes",
    "03_regional_benchmark",
    "04_policy_targets",
)
"""Notebooks the current selection can be rendered with (the district brief first)."""
BATCH_NOTEBOOKS: tuple[str, ...] = (
    "05_district_report",
    "01_quality_trends",
    "02_pareto_causes",
    "04_policy_targets",
)
"""Notebooks that can be run once per unit in view."""
UNIT_LEVELS: dict[str, tuple[str, ...]] = {
    "05_district_report": ("county",),
    "03_regional_benchmark": ("national", "province", "city"),
}
"""Region levels a notebook's ``region_code`` accepts (notebooks not listed: any level)."""


@cache
def declared(notebook: str) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares (``papermill.inspect_notebook``), by name."""
    import papermill

    path = notebook_path(notebook)
    return dict(papermill.inspect_notebook(str(path)))


def notebook_path(notebook: str) -> Path:
    """``notebooks/<notebook>.ipynb`` (``ParameterError`` when there is none)."""
    name = notebook.removesuffix(".ipynb")
    path = notebooks_dir() / f"{name}.ipynb"
    if not path.is_file():
        raise ParameterError(f"no notebook {name!r} in {notebooks_dir()}")
    return path


def _accepts(notebook: str, code: str) -> bool:
    want = UNIT_LEVELS.get(notebook)
    return want is None or bool(set(regions.levels(code)) & set(want))


def _values(state: Any, notebook: str, code: str, data_source: str) -> dict[str, Any]:
    y0, y1 = state.years
    values: dict[str, Any] = {
        "region_code": code,
        "year_from": int(y0),
        "year_to": int(y1),
        "check_level": state.check_level or "all",
        "product": state.product or "",
        "lang": state.lang,
        "data_source": data_source,
    }
    if notebook == "03_regional_benchmark":
        values.update(region_code=state.region, highlight=code, unit_level=state.unit_level)
    if notebook == "04_policy_targets":
        values.update(document_id="", as_of=int(y1))
    names = declared(notebook)
    return {k: v for k, v in values.items() if k in names}


def parameter_sets(explorer: Any, notebook: str, *, units: bool = False) -> list[dict[str, Any]]:
    """Parameters of ``notebook`` for the explorer's selected unit (``units=False``) or for every
    unit in the funnel (``units=True``), in the order of the funnel table. Raises
    ``ParameterError`` when the notebook does not accept the units' level (the district brief
    needs county-level units) or there is nothing selected."""
    s = explorer.state
    data_source = explorer.data.data_source
    if data_source and not data_source.startswith("sample:"):
        data_source = str(Path(data_source).expanduser().resolve())
    if units:
        if notebook not in BATCH_NOTEBOOKS:
            raise ParameterError(
                f"{notebook} is not run once per unit; choose one of {', '.join(BATCH_NOTEBOOKS)}"
            )
        view = explorer.funnel()
        codes = [] if view.table is None else view.table["region_code"].astype(str).tolist()
        if not codes:
            raise ParameterError("no unit with records is in view")
    else:
        codes = [s.selected] if s.selected else []
        if notebook == "03_regional_benchmark":
            codes = [s.selected or s.region]
        if not codes:
            raise ParameterError("no unit is selected")
    # 03 compares the units of the region: its region_code is the region, the unit highlighted
    bad = [c for c in codes if not _accepts(notebook, s.region if notebook.startswith("03") else c)]
    if bad:
        levels = " or ".join(UNIT_LEVELS[notebook])
        raise ParameterError(
            f"{notebook} needs {levels}-level regions; {regions.name(bad[0])} ({bad[0]}) is not "
            "one (compare the districts instead)"
        )
    return [_values(s, notebook, c, data_source) for c in codes]


def write_parameter_file(sets: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write parameter sets as the CSV ``qualitykit run --params`` reads (one row per set,
    UTF-8, codes as text), atomically."""
    if not sets:
        raise ParameterError("no parameter sets to write")
    frame = pd.DataFrame([dict(s) for s in sets]).astype("string")
    return write_csv(path, frame)


def run_command(
    notebook: str, params_file: str | Path, out: str | Path, *, lang: str = "zh"
) -> list[str]:
    """The ``qualitykit run`` command (argv) that runs ``notebook`` for every set of
    ``params_file`` into the run folder ``out``."""
    return [
        "qualitykit",
        "run",
        str(_display_path(notebook_path(notebook))),
        "--params",
        str(_display_path(Path(params_file))),
        "--out",
        str(_display_path(Path(out))),
        "--lang",
        lang,
    ]


def _display_path(path: Path) -> Path:
    """``path`` relative to the working folder when it lies below it (shorter commands)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path.resolve()


def explore_dir() -> Path:
    """Where the explorer writes parameter files and rendered reports: ``outputs/explore``."""
    return outputs_dir() / "explore"


def stamp() -> str:
    """A timestamp for new file names (``20250101-120000``)."""
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


@dataclass
class RenderJob:
    """``qualitykit run`` of one notebook for some parameter sets, in a child process.

    ``start()`` writes the parameter file into ``out`` and starts the run; ``poll()`` is None
    while it runs and the exit code after; ``pages()`` lists the rendered HTML pages (from the
    run's manifest) and ``error()`` the failures."""

    notebook: str
    sets: list[dict[str, Any]]
    out: Path
    lang: str = "zh"
    timeout: float = 600.0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log: Path | None = None

    def start(self) -> RenderJob:
        self.out = Path(self.out)
        if self.out.exists():
            raise ParameterError(f"{self.out} exists already: choose a new folder")
        params = self.out.parent / f"{self.out.name}.params.csv"
        write_parameter_file(self.sets, params)
        argv = run_command(self.notebook, params, self.out, lang=self.lang)
        argv[0:1] = [sys.executable, "-m", "qualitykit.cli"]
        argv += ["--workers", "1", "--no-progress", "--timeout", f"{self.timeout:g}"]
        self.log = self.out.parent / f"{self.out.name}.log"
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(Path.cwd())
            )
        return self

    def poll(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait(self, timeout: float | None = None) -> int:
        if self.process is None:
            raise ParameterError("the job has not been started")
        return self.process.wait(timeout)

    def _manifest(self) -> dict[str, Any]:
        path = self.out / "manifest.json"
        if not path.is_file():
            return {}
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def pages(self) -> list[Path]:
        """The rendered HTML pages of the run (absolute paths), in task order."""
        out = []
        for task in self._manifest().get("tasks", []):
            html = (task.get("outputs") or {}).get("html")
            if html and (self.out / html).is_file():
                out.append((self.out / html).resolve())
        return out

    def error(self) -> str:
        """What went wrong (failed tasks' errors, else the end of the log); "" when nothing."""
        tasks = self._manifest().get("tasks", [])
        failed = [
            f"{t.get('key')}: {t.get('error') or t.get('status')}"
            for t in tasks
            if t.get("status") != "ok"
        ]
        if failed:
            return "; ".join(failed)
        if self.poll() not in (None, 0) and self.log is not None and self.log.is_file():
            lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            return lines[-1] if lines else f"exit code {self.poll()}"
        return ""
