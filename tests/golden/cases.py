"""The parameter sets the notebook tests run, and how their written tables are compared.

Shared by ``tests/test_notebooks.py`` (which compares every table a notebook writes with
``tests/golden/<notebook>/<case>/``), ``tests/test_notebooks_real.py`` (the same for :data:`REAL`) and
``tests/golden/update.py`` (which rewrites those files and the executed notebooks of
``tests/golden/notebooks/`` that nbval re-runs). The cases of :data:`CASES` run on the tiny preset
of the synthetic sample (``data_source="sample:tiny"``, 20,000 batches, built once under the sample
folder); ``00_national_context`` reads only the published figures of ``data/reference``. The cases
of :data:`REAL` run on the real published tables of ``data/examples`` (counts and item counts, CSV
and XLSX with Chinese headers, a development zone, total rows), after the NHS RAP back-test
exemplar: a real table in, golden tables out.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualitykit import run as batch
from qualitykit.paths import notebooks_dir, project_root, sample_dir

GOLDEN = Path(__file__).resolve().parent
TINY = "sample:tiny"
LISTING = "FILES.txt"
"""In each golden case folder: the names of the files the case writes (one per line)."""

CASES: dict[str, dict[str, dict[str, Any]]] = {
    "00_national_context": {
        "default": {},
        "en": {"lang": "en"},
    },
    "01_quality_trends": {
        "default": {"data_source": TINY},
        "city_all_products_en": {
            "data_source": TINY,
            "region_code": "330300",
            "product": "",
            "lang": "en",
        },
        "no_data": {
            "data_source": TINY,
            "region_code": "330302",
            "year_from": 2005,
            "year_to": 2008,
        },
    },
    "02_pareto_causes": {
        "default": {"data_source": TINY},
        "city_sales_class_en": {
            "data_source": TINY,
            "region_code": "330300",
            "product": "",
            "compare_by": "sales_class",
            "lang": "en",
        },
        "no_data": {
            "data_source": TINY,
            "region_code": "330302",
            "year_from": 2005,
            "year_to": 2008,
            "split_year": 2007,
        },
    },
    "03_regional_benchmark": {
        "default": {"data_source": TINY},
        "city_en": {
            "data_source": TINY,
            "region_code": "330300",
            "year_from": 2005,
            "highlight": "330303",
            "lang": "en",
        },
        "provinces": {"data_source": TINY, "region_code": "000000"},
        "no_data": {
            "data_source": TINY,
            "region_code": "330900",
            "year_from": 2005,
            "year_to": 2006,
        },
    },
    "04_policy_targets": {
        "default": {"data_source": TINY},
        "region_en": {
            "data_source": TINY,
            "document_id": "",
            "region_code": "431002",
            "lang": "en",
        },
        "national": {
            "data_source": TINY,
            "document_id": "national_2025",
            "quantitative_only": True,
        },
    },
    "05_district_report": {
        "default": {"data_source": TINY},
        "en": {"data_source": TINY, "region_code": "330304", "lang": "en"},
        "chenzhou_levels": {
            "data_source": TINY,
            "region_code": "431002",
            "check_level": "national,provincial",
        },
        "no_data": {
            "data_source": TINY,
            "region_code": "330302",
            "year_from": 2005,
            "year_to": 2009,
        },
    },
}
"""Notebook → case name → parameters (besides the notebook's defaults)."""

BAD: dict[str, list[tuple[dict[str, Any], str]]] = {
    "01_quality_trends": [
        ({"data_source": TINY, "product": "皮靴"}, "did you mean '皮鞋'"),
        ({"data_source": TINY, "lang": "fr"}, "lang must be 'zh' (Chinese) or 'en' (English)"),
    ],
    "03_regional_benchmark": [
        ({"data_source": TINY, "region_code": "330303"}, "is a county-level division"),
    ],
    "05_district_report": [
        ({"data_source": TINY, "region_code": "330000"}, "is a province-level division"),
        (
            {"data_source": TINY, "year_from": 1990, "year_to": 1999},
            "lie outside the data, which cover 2005–2024",
        ),
    ],
}
"""Parameter sets that pass the runner's checks (types, known region codes) but that the notebook
must refuse, with a fragment of the one-line message it must show."""


EXAMPLES = "data/examples"
"""Where the real tables of :data:`REAL` are (relative to the project; :func:`real_params` makes
the paths absolute, since a notebook runs in its own folder)."""
_BZ = {
    "units_file": f"{EXAMPLES}/bazhong_units.csv",
    "period": "2024",
}
BZ_XLSX = {"data_source": f"{EXAMPLES}/bazhong_by_district.xlsx", **_BZ}
BZ_CSV = {"data_source": f"{EXAMPLES}/bazhong_by_district.csv", **_BZ}
ITEMS = {"data_source": f"{EXAMPLES}/zhejiang_2014q2_childrens_shoes_items.csv"}
CANGNAN = {"data_source": f"{EXAMPLES}/cangnan_2010_by_level.csv"}
CHANNELS = {"data_source": f"{EXAMPLES}/national_2021_by_channel.csv"}

REAL: dict[str, dict[str, dict[str, Any]]] = {
    "00_national_context": {
        "real_counts_xlsx": {**BZ_XLSX},
        "real_item_counts_en": {**ITEMS, "lang": "en"},
    },
    "01_quality_trends": {
        "real_counts_csv": {**BZ_CSV, "region_code": "511900", "product": ""},
        "real_levels_en": {**CANGNAN, "region_code": "330327", "product": "", "lang": "en"},
        "real_channels": {**CHANNELS, "region_code": "", "product": ""},
        "real_item_counts": {**ITEMS, "region_code": "", "product": ""},
    },
    "02_pareto_causes": {
        "real_item_counts_csv": {**ITEMS, "region_code": "", "product": ""},
        "real_item_counts_en": {
            **ITEMS,
            "region_code": "",
            "product": "",
            "compare_by": "region",
            "lang": "en",
        },
        "real_counts_xlsx": {**BZ_XLSX, "region_code": "511900", "product": ""},
    },
    "03_regional_benchmark": {
        "real_counts_xlsx": {**BZ_XLSX, "region_code": "511900"},
        "real_counts_csv_en": {
            **BZ_CSV,
            "region_code": "511900",
            "highlight": "X511900-01",
            "lang": "en",
        },
        "real_channels": {**CHANNELS, "region_code": "000000"},
        "real_item_counts": {**ITEMS, "region_code": "000000", "year_from": 2014, "year_to": 2014},
    },
    "04_policy_targets": {
        "real_counts_csv": {**CANGNAN, "document_id": "", "region_code": "330327"},
        "real_item_counts_en": {**ITEMS, "lang": "en"},
    },
    "05_district_report": {
        "real_counts_xlsx": {**BZ_XLSX, "region_code": "511902"},
        "real_zone_en": {**BZ_CSV, "region_code": "X511900-01", "lang": "en"},
        "real_one_unit": {**CANGNAN, "region_code": "330327", "year_from": 2010, "year_to": 2010},
        "real_no_data": {**CANGNAN, "region_code": "330302", "year_from": 2010, "year_to": 2010},
    },
}
"""Notebook → case → parameters on the real tables of ``data/examples`` (paths relative to the
project). Each notebook runs on each shape it supports, and on the others to show their notes."""


REAL_BAD: dict[str, list[tuple[dict[str, Any], str]]] = {
    "05_district_report": [
        (
            {**ITEMS, "region_code": "330303", "year_from": 2014, "year_to": 2014},
            "the data have no units (no 地区代码 / 地区 column)",
        ),
    ],
}
"""Real tables a notebook must refuse in one line (a district brief on item counts without
units: there is no district to report on)."""


def real_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with the paths of the real tables made absolute."""
    root = project_root()
    return {
        k: str(root / v) if isinstance(v, str) and v.startswith(EXAMPLES) else v
        for k, v in params.items()
    }


def run_real(name: str, run_dir: Path, *, bad: bool = True) -> batch.RunResult:
    """Run every case of :data:`REAL` of one notebook (and, with ``bad``, of :data:`REAL_BAD`)
    through the batch runner."""
    sets = [real_params(p) for p in REAL[name].values()]
    if bad:
        sets += [real_params(p) for p, _ in REAL_BAD.get(name, [])]
    opts = batch.RunOptions(workers=2, timeout=300, html=False, progress=False)
    return batch.run_batch(notebook_path(name), sets, run_dir, opts)


def notebook_path(name: str) -> Path:
    return notebooks_dir() / f"{name}.ipynb"


def run_cases(name: str, run_dir: Path, *, bad: bool = True) -> batch.RunResult:
    """Run every case (and, with ``bad``, every bad parameter set) of one notebook through the
    batch runner (warm kernels, two workers); tables land in ``<run>/<name>/<key>/tables``."""
    sets = [dict(p) for p in CASES[name].values()]
    if bad:
        sets += [dict(p) for p, _ in BAD.get(name, [])]
    opts = batch.RunOptions(workers=2, timeout=300, html=False, progress=False)
    return batch.run_batch(notebook_path(name), sets, run_dir, opts)


def task_of(result: batch.RunResult, params: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest row of the task run with ``params``."""
    rows = [t for t in result.manifest["tasks"] if t["params"] == dict(params)]
    assert len(rows) == 1, f"no single task with parameters {params}"
    return rows[0]


def tables_of(result: batch.RunResult, params: Mapping[str, Any]) -> Path:
    task = task_of(result, params)
    ipynb = result.run_dir / task["outputs"]["ipynb"]
    return ipynb.parent / "tables"


# ------------------------------------------------------------------------------------------
# normalising and comparing written tables
# ------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Machine-specific paths replaced by placeholders (the scorecard names its data source)."""
    for path, mark in ((sample_dir(), "<sample>"), (project_root(), "<root>")):
        text = text.replace(str(path.resolve()), mark)
    return text


def written_files(folder: Path, *, real: bool = False) -> dict[str, str]:
    """The tables (``*.csv``) and ``summary.json`` a notebook wrote, normalised, by file name
    (none if the folder does not exist: a report without data may write nothing). ``real``: the
    key of the district brief's shared context (a hash of the parameters, which name the real
    table by its absolute path) is replaced by ``<context>``."""
    if not folder.is_dir():
        return {}
    out = {
        p.name: normalise(p.read_text(encoding="utf-8"))
        for p in sorted(folder.iterdir())
        if p.suffix in (".csv", ".json")
    }
    if real and "summary.json" in out:
        summary = json.loads(out["summary.json"])
        if "context" in summary:
            summary["context"] = "<context>"
            out["summary.json"] = json.dumps(summary, ensure_ascii=False, indent=1) + "\n"
    return out


def golden_files(name: str, case: str) -> dict[str, str]:
    """The golden files of one case; their names must be those listed in ``FILES.txt``."""
    folder = GOLDEN / name / case
    listing = folder / LISTING
    if not listing.is_file():
        raise AssertionError(f"no golden files for {name}/{case}: run tests/golden/update.py")
    names = listing.read_text(encoding="utf-8").split()
    files = written_files(folder)
    if sorted(files) != sorted(names):
        raise AssertionError(f"{folder}: files {sorted(files)} differ from {LISTING} {names}")
    return files


RTOL = 1e-7
"""Relative tolerance for numbers: the last digits of fitted values may differ between BLAS
builds; anything a reader could see differs by far more."""


def _numbers(values: pd.Series) -> np.ndarray | None:
    num = pd.to_numeric(values.replace("", np.nan), errors="coerce")
    if (num.isna() & (values != "")).any():
        return None
    return num.to_numpy(dtype=float)


def compare_csv(got: str, want: str, name: str) -> list[str]:
    """Differences between two CSV texts: same columns and rows, equal text cells, numbers
    equal to :data:`RTOL`."""
    a = pd.read_csv(io.StringIO(got), dtype=str, keep_default_na=False)
    b = pd.read_csv(io.StringIO(want), dtype=str, keep_default_na=False)
    if list(a.columns) != list(b.columns):
        return [f"{name}: columns {list(a.columns)} != {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{name}: {len(a)} rows != {len(b)}"]
    problems = []
    for col in a.columns:
        x, y = _numbers(a[col]), _numbers(b[col])
        if x is not None and y is not None:
            bad = ~np.isclose(x, y, rtol=RTOL, atol=1e-12, equal_nan=True)
        else:
            bad = (a[col] != b[col]).to_numpy()
        for i in np.flatnonzero(bad)[:3]:
            problems.append(
                f"{name}, row {i + 2}, column {col}: {a[col].iat[i]!r} != {b[col].iat[i]!r}"
            )
    return problems


def _close(x: Any, y: Any) -> bool:
    if isinstance(x, bool) or isinstance(y, bool) or not isinstance(x, int | float):
        return x == y
    if not isinstance(y, int | float):
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=RTOL, abs_tol=1e-12)


def compare_json(got: str, want: str, name: str) -> list[str]:
    a, b = json.loads(got), json.loads(want)
    if a.keys() != b.keys():
        return [f"{name}: keys {sorted(a)} != {sorted(b)}"]
    return [f"{name}, {k}: {a[k]!r} != {b[k]!r}" for k in a if not _close(a[k], b[k])]


def compare_folder(got: Mapping[str, str], want: Mapping[str, str]) -> list[str]:
    """Every difference between two sets of written files (missing, extra, changed)."""
    problems = [f"missing: {n}" for n in sorted(set(want) - set(got))]
    problems += [f"not in the golden files: {n}" for n in sorted(set(got) - set(want))]
    for n in sorted(set(got) & set(want)):
        compare = compare_json if n.endswith(".json") else compare_csv
        problems += compare(got[n], want[n], n)
    return problems
