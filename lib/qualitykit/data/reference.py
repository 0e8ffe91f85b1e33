"""Real published figures of Chinese product-quality supervision, as stored in ``data/reference``.

Every file is a UTF-8 CSV whose last two columns are ``source_url`` and ``note``; what each file
and column means is in ``data/reference/DATA_DICTIONARY.md`` (methods and caveats in
``data/reference/README.md``). This module only *reads* them:

* :func:`list_reference` — the files, their row counts and one-line descriptions;
* :func:`load_reference` — one file as a typed DataFrame, every row kept, ``source_url`` and
  ``note`` kept, empty cells left as NA (never filled, never derived);
* :func:`national_pass_rate_series` — the annual national supervisory spot-check figures
  (国家监督抽查): the batch pass rate up to 2017, the nonconforming (NC) rate from 2018.

Column types are given by the column name, the same rule for every file:

==========================================  ===========  ======================================
column                                      dtype        rule
==========================================  ===========  ======================================
``year`` and ``*_year``                     ``Int64``    calendar year; NA where not stated
counts (``batches``, ``enterprises``,       ``Int64``    integer counts as published
``pass_batches``, ``nc_batches``, …)
``*_pct``, ``change_pp*``, ``value``,       ``float64``  percentages 0–100, percentage points,
``qci_value``, ``quality_index``, …                      index points; NaN where empty
everything else                             ``string``   text kept verbatim; ``<NA>`` if empty
==========================================  ===========  ======================================
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from qualitykit.errors import InputError, ParameterError, Problem
from qualitykit.paths import data_dir

__all__ = [
    "COUNT_COLUMNS",
    "FLOAT_COLUMNS",
    "list_reference",
    "load_reference",
    "national_pass_rate_series",
    "reference_dir",
]

COUNT_COLUMNS: frozenset[str] = frozenset(
    {
        "batches",
        "enterprises",
        "pass_batches",
        "nc_batches",
        "pass_enterprises",
        "nc_enterprises",
        "nc_count",
        "rank_in_source",
        "items_tested_count_listed",
        "record_no_in_excerpt",
    }
)
"""Integer count columns (nullable ``Int64``)."""

FLOAT_COLUMNS: frozenset[str] = frozenset(
    {
        "value",
        "target_value",
        "latest_actual_reported",
        "qci_value",
        "quality_index",
        "change_vs_prev_reported",
    }
)
"""Numeric columns whose names do not end in ``_pct`` or start with ``change_pp``."""


def reference_dir() -> Path:
    """``data/reference``: the published figures (one CSV per topic) and their README."""
    return data_dir() / "reference"


def _dtype_of(column: str) -> str:
    if column == "year" or column.endswith("_year"):
        return "Int64"
    if column in COUNT_COLUMNS:
        return "Int64"
    if column.endswith("_pct") or column.startswith("change_pp") or column in FLOAT_COLUMNS:
        return "float64"
    return "string"


def _path_of(name: str) -> Path:
    stem = name[:-4] if name.endswith(".csv") else name
    path = reference_dir() / f"{stem}.csv"
    if not re.fullmatch(r"[a-z0-9_]+", stem) or not path.is_file():
        known = ", ".join(_names())
        raise ParameterError(f"unknown reference file {name!r}; expected one of: {known}")
    return path


def _names() -> list[str]:
    return sorted(p.stem for p in reference_dir().glob("*.csv"))


@cache
def _load(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    problems: list[Problem] = []
    out: dict[str, pd.Series] = {}
    for col in raw.columns:
        text = raw[col].str.strip()
        empty = text == ""
        dtype = _dtype_of(col)
        if dtype == "string":
            out[col] = raw[col].astype("string").mask(empty, pd.NA)
            continue
        num = pd.to_numeric(text.mask(empty, None), errors="coerce")
        bad = num.isna() & ~empty
        if dtype == "Int64":
            frac = num.notna() & (num != np.round(num))
            bad |= frac
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    path.name,
                    f"expected a number ({dtype})",
                    row=int(i) + 2,
                    column=col,
                    value=raw[col].iat[i],
                )
            )
        out[col] = num.mask(bad).astype(dtype)
    if problems:
        raise InputError(problems)
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def load_reference(name: str) -> pd.DataFrame:
    """One reference file (``"spot_check_national"`` or ``"spot_check_national.csv"``).

    Every row of the CSV, in file order, with the column types of the module docstring;
    ``source_url`` and ``note`` are kept; empty cells stay NA. Returns a fresh copy each call.
    Raises ``ParameterError`` for an unknown name and ``InputError`` (listing every cell) if a
    numeric column holds text.
    """
    return _load(_path_of(name)).copy()


def list_reference() -> pd.DataFrame:
    """The reference files.

    ===================  ==========================================================
    name                 file stem, the argument of :func:`load_reference`
    file                 path of the CSV
    rows                 data rows in the file
    rows_documented      the row count stated in ``data/reference/README.md``
    description          the README's one-line description
    ===================  ==========================================================
    """
    doc = _readme_table()
    rows = []
    for stem in _names():
        path = reference_dir() / f"{stem}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            n = sum(1 for _ in csv.reader(f)) - 1
        documented, description = doc.get(stem, (pd.NA, pd.NA))
        rows.append((stem, str(path), n, documented, description))
    df = pd.DataFrame(rows, columns=["name", "file", "rows", "rows_documented", "description"])
    return df.astype(
        {
            "name": "string",
            "file": "string",
            "rows": "int64",
            "rows_documented": "Int64",
            "description": "string",
        }
    )


def _readme_table() -> dict[str, tuple[int, str]]:
    path = reference_dir() / "README.md"
    out: dict[str, tuple[int, str]] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*`([a-z0-9_]+)\.csv`\s*\|\s*(\d+)\s*\|\s*(.*?)\s*\|\s*$", line)
        if m:
            out[m.group(1)] = (int(m.group(2)), m.group(3))
    return out


def national_pass_rate_series(derive: bool = False) -> pd.DataFrame:
    """Annual national supervisory spot-check figures (国家监督抽查), one row per year.

    Rows of ``spot_check_national.csv`` with ``period == "annual"`` and ``programme ==
    "国家监督抽查"`` (sub-annual releases and all-level totals are left out). Up to 2017 the
    releases give the batch pass rate; from 2018 SAMR publishes the NC rate (不合格发现率) instead.

    ================  ================================================================
    year              int
    pass_rate_pct     batch pass rate, % (as published; NaN where not published)
    nc_rate_pct       NC rate, % (as published; NaN where not published)
    batches           batches checked (``Int64``, NA where not published)
    source_url        where the figure was read
    derived           True if a rate in this row was computed, not published
    ================  ================================================================

    With ``derive=True`` the missing one of the two rates is filled as 100 − the other and the
    row is flagged ``derived``; by default nothing is filled (``derived`` is all False).
    """
    df = load_reference("spot_check_national")
    sel = df[(df["period"] == "annual") & (df["programme"] == "国家监督抽查")]
    out = sel[["year", "pass_rate_pct", "nc_rate_pct", "batches", "source_url"]].copy()
    out["year"] = out["year"].astype("int64")
    out = out.sort_values("year", kind="stable").reset_index(drop=True)
    if out["year"].duplicated().any():  # pragma: no cover - guards the data file
        raise InputError(
            [Problem("spot_check_national.csv", "two annual national rows for a year")]
        )
    out["derived"] = False
    if derive:
        fill_pass = out["pass_rate_pct"].isna() & out["nc_rate_pct"].notna()
        fill_nc = out["nc_rate_pct"].isna() & out["pass_rate_pct"].notna()
        out.loc[fill_pass, "pass_rate_pct"] = np.round(100.0 - out.loc[fill_pass, "nc_rate_pct"], 6)
        out.loc[fill_nc, "nc_rate_pct"] = np.round(100.0 - out.loc[fill_nc, "pass_rate_pct"], 6)
        out["derived"] = fill_pass | fill_nc
    return out
