"""The units table of the benchmarking functions: validated counts, the target, the pooled rate.

A ``units`` DataFrame has one row per unit (district) and the columns

========== ===============================================================================
column     meaning
========== ===============================================================================
batches    number of sampled batches (抽查批次), > 0
passed     number of batches that passed (合格批次), 0 ≤ passed ≤ batches; a table with
           ``nonconforming`` instead of ``passed`` is accepted (passed = batches − nonconforming)
(others)   any label columns (``region_code``, names …) — passed through unchanged
========== ===============================================================================

Counts may be non-integer for the Wilson, normal and arcsine methods (published indicators
sometimes are); exact binomial limits and binomial resampling need integer ``batches``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualitykit.errors import InputError, NoDataError, ParameterError, Problem

__all__ = ["check_target", "pooled_rate", "require_integer_batches", "unit_counts"]


def check_target(target: float | None) -> float | None:
    """``target`` as a proportion in [0, 1] (None stays None), else ParameterError."""
    if target is None:
        return None
    if isinstance(target, bool) or not (
        isinstance(target, int | float | np.integer | np.floating) and 0.0 <= float(target) <= 1.0
    ):
        raise ParameterError(f"target: {target!r} is not a proportion in [0, 1]")
    return float(target)


def unit_counts(units: pd.DataFrame, source: str = "units") -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(batches, passed)`` float arrays; every problem is collected (InputError)."""
    if not isinstance(units, pd.DataFrame):
        raise ParameterError(f"{source}: expected a pandas DataFrame, got {type(units).__name__}")
    if len(units) == 0:
        raise NoDataError(f"{source}: the table has no rows")
    problems: list[Problem] = []
    if "batches" not in units.columns:
        problems.append(Problem(source, "required column 'batches' is missing", column="batches"))
    if "passed" not in units.columns and "nonconforming" not in units.columns:
        problems.append(
            Problem(source, "column 'passed' (or 'nonconforming') is missing", column="passed")
        )
    if problems:
        raise InputError(problems)
    rows = np.arange(len(units)) + 2  # spreadsheet row numbers (header = row 1)

    def numeric(col: str) -> np.ndarray:
        raw = units[col]
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        for i in np.flatnonzero(~np.isfinite(num)):
            problems.append(
                Problem(source, "expected a finite number", int(rows[i]), col, raw.iloc[i])
            )
        return num

    batches = numeric("batches")
    if "passed" in units.columns:
        passed = numeric("passed")
        pcol = "passed"
    else:
        passed = batches - numeric("nonconforming")
        pcol = "nonconforming"
    ok = np.isfinite(batches) & np.isfinite(passed)
    for i in np.flatnonzero(ok & (batches <= 0)):
        problems.append(
            Problem(
                source, "batches must be greater than zero", int(rows[i]), "batches", batches[i]
            )
        )
    for i in np.flatnonzero(ok & (passed < 0)):
        problems.append(
            Problem(source, f"{pcol} gives passed < 0", int(rows[i]), pcol, units[pcol].iloc[i])
        )
    for i in np.flatnonzero(ok & (passed > batches)):
        problems.append(
            Problem(
                source,
                f"{pcol} gives passed > batches ({batches[i]:g})",
                int(rows[i]),
                pcol,
                units[pcol].iloc[i],
            )
        )
    if problems:
        raise InputError(problems)
    return batches, passed


def require_integer_batches(batches: np.ndarray, what: str) -> None:
    bad = np.flatnonzero(batches != np.round(batches))
    if bad.size:
        raise InputError(
            [
                Problem("units", f"{what} needs integer batches", int(i) + 2, "batches", batches[i])
                for i in bad
            ]
        )


def pooled_rate(units: pd.DataFrame) -> float:
    """Pooled pass rate Σ passed / Σ batches — the usual funnel-plot centre (target)."""
    batches, passed = unit_counts(units)
    return float(passed.sum() / batches.sum())
