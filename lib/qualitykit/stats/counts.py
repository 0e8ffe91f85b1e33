"""Counting batches: a counts or records table summed by grouping columns, with every problem reported.

:func:`aggregate_counts` is the one reader of the two table shapes for the statistics modules: a
**counts** table (``batches`` plus ``passed`` and/or ``nonconforming``) or a **records** table (one
row per batch, boolean ``passed``). All problems (negative or fractional counts, passed > batches,
passed + nonconforming ≠ batches, missing or non-boolean ``passed``) are collected into one
:class:`~qualitykit.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qualitykit.errors import InputError, ParameterError, Problem

__all__ = ["aggregate_counts"]


def _as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


# ----------------------------------------------------------------------------------------------
# counts tables
# ----------------------------------------------------------------------------------------------


def _integer_problems(values: pd.Series, column: str, source: str) -> list[Problem]:
    """Problems for entries that are not finite non-negative whole numbers."""
    num = pd.to_numeric(values, errors="coerce").astype("float64")
    arr = num.to_numpy()
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
    positions = np.flatnonzero(bad)
    return [
        Problem(
            file=source,
            row=int(pos) + 2,
            column=column,
            value=values.iloc[pos],
            message="expected a whole number >= 0",
        )
        for pos in positions
    ]


def _row_counts(data: pd.DataFrame, by: list[str], source: str) -> pd.DataFrame:
    """Validated per-row ``by`` + ``batches`` + ``passed`` (int) from counts or records."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"expected a pandas DataFrame, got {type(data).__name__}")
    problems: list[Problem] = [
        Problem(file=source, column=col, message="grouping column is missing")
        for col in by
        if col not in data.columns
    ]
    if "batches" in data.columns:
        has_p, has_nc = "passed" in data.columns, "nonconforming" in data.columns
        if not (has_p or has_nc):
            problems.append(
                Problem(
                    file=source,
                    column="passed",
                    message="a counts table needs 'passed' or 'nonconforming' besides 'batches'",
                )
            )
            raise InputError(problems)
        problems += _integer_problems(data["batches"], "batches", source)
        for col in ("passed", "nonconforming"):
            if col in data.columns:
                problems += _integer_problems(data[col], col, source)
        if problems:
            raise InputError(problems)
        batches = pd.to_numeric(data["batches"]).astype("int64")
        if has_p:
            passed = pd.to_numeric(data["passed"]).astype("int64")
        else:
            passed = batches - pd.to_numeric(data["nonconforming"]).astype("int64")
        col = "passed" if has_p else "nonconforming"
        for pos in np.flatnonzero((passed > batches).to_numpy() | (passed < 0).to_numpy()):
            problems.append(
                Problem(
                    file=source,
                    row=int(pos) + 2,
                    column=col,
                    value=data[col].iloc[pos],
                    message=f"must not exceed batches ({int(batches.iloc[pos])})",
                )
            )
        if has_p and has_nc:
            nc = pd.to_numeric(data["nonconforming"]).astype("int64")
            for pos in np.flatnonzero((passed + nc != batches).to_numpy()):
                problems.append(
                    Problem(
                        file=source,
                        row=int(pos) + 2,
                        column="nonconforming",
                        value=data["nonconforming"].iloc[pos],
                        message=(
                            f"passed + nonconforming must equal batches "
                            f"({int(passed.iloc[pos])} + {int(nc.iloc[pos])} != "
                            f"{int(batches.iloc[pos])})"
                        ),
                    )
                )
        if problems:
            raise InputError(problems)
        return data[by].assign(batches=batches.to_numpy(), passed=passed.to_numpy())
    if "passed" in data.columns:
        col = data["passed"]
        if not pd.api.types.is_bool_dtype(col.dtype):
            problems.append(
                Problem(
                    file=source,
                    column="passed",
                    value=str(col.dtype),
                    message="records need a boolean 'passed' column (load them with qualitykit.data.io)",
                )
            )
            raise InputError(problems)
        for pos in np.flatnonzero(col.isna().to_numpy()):
            problems.append(
                Problem(
                    file=source,
                    row=int(pos) + 2,
                    column="passed",
                    message="missing pass/fail result",
                )
            )
        if problems:
            raise InputError(problems)
        return data[by].assign(batches=1, passed=col.astype("int64").to_numpy())
    problems.append(
        Problem(
            file=source,
            column="batches",
            message="expected a counts table (batches + passed/nonconforming) or records "
            "(boolean passed)",
        )
    )
    raise InputError(problems)


def aggregate_counts(
    data: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    source: str = "data",
) -> pd.DataFrame:
    """Sum a counts table, or count a records table, by grouping columns.

    ``data`` is either a counts table (``batches`` plus ``passed`` and/or ``nonconforming``) or
    a records table (one row per batch, boolean ``passed``). All problems (negative or
    fractional counts, passed > batches, passed + nonconforming ≠ batches, missing or
    non-boolean ``passed``) are collected into one ``InputError``; ``source`` names the input in
    its messages. Group keys keep their dtype; missing keys form their own group.

    ===============  ===========================================
    <by columns>     the groups (sorted)
    batches          number of batches (int)
    passed           passing batches (int)
    nonconforming    batches − passed (int)
    ===============  ===========================================
    """
    by = _as_list(by)
    fast = _record_counts(data, by, source)
    if fast is not None:
        return fast
    frame = _row_counts(data, by, source)
    if by:
        out = frame.groupby(by, sort=True, observed=True, dropna=False)[["batches", "passed"]].sum()
        out = out.reset_index()
    else:
        out = pd.DataFrame(
            {"batches": [int(frame["batches"].sum())], "passed": [int(frame["passed"].sum())]}
        )
    out["batches"] = out["batches"].astype("int64")
    out["passed"] = out["passed"].astype("int64")
    out["nonconforming"] = out["batches"] - out["passed"]
    return out


def _record_counts(data: pd.DataFrame, by: list[str], source: str) -> pd.DataFrame | None:
    """:func:`aggregate_counts` of records (boolean ``passed``) by at most one column, counted
    on arrays (``numpy.bincount`` over ``pandas.factorize`` codes; the groupby's keys, dtype and
    order: sorted, missing keys a group of their own, last) — or None for any other input, which
    takes the general path (and its checks)."""
    if (
        not isinstance(data, pd.DataFrame)
        or "batches" in data.columns
        or "passed" not in data.columns
        or len(by) > 1
        or any(b not in data.columns for b in by)
        or data["passed"].dtype != np.dtype(bool)  # numpy bool: no missing results to report
    ):
        return None
    passed = data["passed"].to_numpy()
    if not by:
        n, x = len(passed), int(np.count_nonzero(passed))
        return pd.DataFrame(
            {"batches": np.array([n], np.int64), "passed": np.array([x], np.int64),
             "nonconforming": np.array([n - x], np.int64)}
        )  # fmt: skip
    key = data[by[0]]
    if not isinstance(key, pd.Series) or key.dtype == object:
        return None  # pandas infers the dtype of object keys: the general path
    codes, uniques = pd.factorize(key, sort=True, use_na_sentinel=False)
    batches = np.bincount(codes, minlength=len(uniques)).astype(np.int64)
    ok = np.bincount(codes, weights=passed, minlength=len(uniques)).astype(np.int64)
    return pd.DataFrame(
        {by[0]: uniques, "batches": batches, "passed": ok, "nonconforming": batches - ok}
    )
