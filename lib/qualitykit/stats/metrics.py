"""Pass and nonconformity rates, binomial intervals and gaps in percentage points.

Every function takes plain arrays or tidy DataFrames (see ``qualitykit.schema``): a **counts**
table has any grouping columns plus ``batches`` and ``passed`` (or ``nonconforming``); a
**records** table has one row per sampled batch with a boolean ``passed`` and is aggregated
first. Proportions are in [0, 1]; differences in percentage points end in ``_pp``.

* :func:`rates` — counts and pass / NC rates per group with a binomial interval;
* :func:`gap_pp` — the gap of a unit to a fixed rate or to reference counts, Newcombe (1998)
  *Stat Med* 17:873 method 10.

Re-exported from their homes, so that ``metrics.<name>`` keeps working:
:func:`~qualitykit.stats.counts.aggregate_counts`; :func:`~qualitykit.stats.proportions.binomial_ci`
(Wilson, continuity-corrected Wilson, Wald, Clopper–Pearson, Agresti–Coull, Jeffreys) and
:func:`~qualitykit.stats.proportions.newcombe_diff_ci`; :func:`~qualitykit.stats.standardise.standardise`,
:func:`~qualitykit.stats.standardise.rpq_by_region`, :func:`~qualitykit.stats.standardise.rpq_national`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qualitykit.errors import InputError, ParameterError, Problem, QualityKitWarning
from qualitykit.stats._checks import check_level
from qualitykit.stats.counts import _as_list, _row_counts, aggregate_counts
from qualitykit.stats.proportions import CI_METHODS, CIMethod, binomial_ci, newcombe_diff_ci
from qualitykit.stats.standardise import rpq_by_region, rpq_national, standardise

__all__ = [
    "CI_METHODS",
    "aggregate_counts",
    "binomial_ci",
    "gap_pp",
    "newcombe_diff_ci",
    "rates",
    "rpq_by_region",
    "rpq_national",
    "standardise",
]


def rates(
    data: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    conf: float = 0.95,
    method: CIMethod | str = "wilson",
    *,
    source: str = "data",
) -> pd.DataFrame:
    """Batch pass and nonconformity rates with a binomial interval, per group.

    ``data`` is a counts table or records (aggregated first, see :func:`aggregate_counts`).
    The interval is on the **pass rate** (the NC-rate interval is 1 − upper, 1 − lower), by
    ``method`` as in :func:`binomial_ci` (Wilson score by default). Groups with no batches get
    NaN rates and a ``QualityKitWarning``.

    ===============  ==============================================
    <by columns>     the groups
    batches          batches checked (int)
    passed           passing batches (int)
    nonconforming    batches − passed (int)
    pass_rate        passed / batches (批次合格率)
    nc_rate          nonconforming / batches (不合格发现率)
    ci_lower         lower limit of the pass-rate interval
    ci_upper         upper limit of the pass-rate interval
    ===============  ==============================================
    """
    counts = aggregate_counts(data, by, source=source)
    ci = binomial_ci(counts["passed"].to_numpy(), counts["batches"].to_numpy(), conf, method)
    estimate = ci["estimate"].to_numpy()
    columns = {c: counts[c].array for c in counts.columns}  # one frame, not four insertions
    columns.update(
        pass_rate=estimate,
        nc_rate=1.0 - estimate,
        ci_lower=ci["ci_lower"].to_numpy(),
        ci_upper=ci["ci_upper"].to_numpy(),
    )
    return pd.DataFrame(columns, index=counts.index)


# ----------------------------------------------------------------------------------------------
# gaps in percentage points
# ----------------------------------------------------------------------------------------------


def gap_pp(
    counts: pd.DataFrame,
    reference: float | pd.DataFrame,
    *,
    on: str | Sequence[str] | None = None,
    exclude_self: bool = False,
    conf: float = 0.95,
    method: CIMethod | str = "wilson",
) -> pd.DataFrame:
    """Gap of each row's pass rate to a reference, in percentage points, with an interval.

    ``counts`` holds one row per unit (grouping columns + ``batches`` + ``passed`` or
    ``nonconforming``, e.g. the output of :func:`rates`). ``reference`` is either

    * a number in [0, 1] — a fixed reference rate (a target, a published national rate); the
      interval is the unit's own interval (``method``) shifted by the reference, or
    * a counts table — the reference group. Without ``on`` it is pooled into one reference;
      with ``on`` (e.g. the parent region's code, present in both tables) each row is compared
      with its own reference row. The interval is Newcombe's (1998) hybrid score interval for
      the difference of independent proportions (method 10). When the unit is part of its
      reference (a district inside its province total), pass ``exclude_self=True`` to compare
      with the rest of the reference (reference − unit), which makes the samples independent;
      otherwise the interval ignores the overlap and is somewhat too wide.

    A positive gap means the unit passes more often than the reference.

    Returned: the input columns, plus ``pass_rate`` if absent, and

    ===============  ==========================================================
    ref_batches      reference batches (NaN for a fixed reference)
    ref_passed       reference passing batches (NaN for a fixed reference)
    ref_pass_rate    reference pass rate
    gap_pp           100 × (pass_rate − ref_pass_rate)
    gap_lower_pp     lower limit of the gap, pp
    gap_upper_pp     upper limit of the gap, pp
    ===============  ==========================================================
    """
    conf = check_level(conf, "conf")
    on = _as_list(on)
    rows = _row_counts(counts, [], "counts")
    own = counts.copy()
    x1 = rows["passed"].to_numpy().astype(float)
    n1 = rows["batches"].to_numpy().astype(float)
    if "pass_rate" not in own.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            own["pass_rate"] = np.where(n1 > 0, x1 / np.where(n1 > 0, n1, 1), np.nan)
    if isinstance(reference, pd.DataFrame):
        if on:
            ref = aggregate_counts(reference, on, source="reference")
            keys = counts[on].reset_index(drop=True)
            merged = keys.merge(ref, on=on, how="left", validate="many_to_one")
            if merged["batches"].isna().any():
                warnings.warn(
                    f"{int(merged['batches'].isna().sum())} row(s) have no reference row "
                    f"(matched on {on}): gap is NaN",
                    QualityKitWarning,
                    stacklevel=2,
                )
            x2 = merged["passed"].to_numpy(dtype=float)
            n2 = merged["batches"].to_numpy(dtype=float)
        else:
            ref = aggregate_counts(reference, source="reference")
            x2 = np.full(len(x1), float(ref["passed"].iloc[0]))
            n2 = np.full(len(x1), float(ref["batches"].iloc[0]))
        if exclude_self:
            x2, n2 = x2 - x1, n2 - n1
            if np.any(n2 < 0) or np.any(x2 < 0) or np.any(x2 > n2):
                raise InputError(
                    [
                        Problem(
                            file="reference",
                            column="batches",
                            message="exclude_self=True but a unit has more batches or passes "
                            "than its reference; is the unit really part of the reference?",
                        )
                    ]
                )
        known = np.isfinite(n2)
        diff = pd.DataFrame(
            {"diff": np.nan, "ci_lower": np.nan, "ci_upper": np.nan}, index=range(len(x1))
        )
        if known.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", QualityKitWarning)
                d = newcombe_diff_ci(x1[known], n1[known], x2[known], n2[known], conf)
            diff.loc[known, ["diff", "ci_lower", "ci_upper"]] = d.to_numpy()
        if np.any(n1 == 0) or np.any(n2[known] == 0):
            warnings.warn(
                "a unit or reference with zero batches: its gap is NaN",
                QualityKitWarning,
                stacklevel=2,
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            ref_rate = np.where(n2 > 0, x2 / np.where(n2 > 0, n2, 1), np.nan)
        out = own.assign(
            ref_batches=n2,
            ref_passed=x2,
            ref_pass_rate=ref_rate,
            gap_pp=100.0 * diff["diff"].to_numpy(dtype=float),
            gap_lower_pp=100.0 * diff["ci_lower"].to_numpy(dtype=float),
            gap_upper_pp=100.0 * diff["ci_upper"].to_numpy(dtype=float),
        )
        return out
    try:
        r = float(reference)
    except (TypeError, ValueError):
        raise ParameterError(
            f"reference must be a rate in [0, 1] or a counts DataFrame, got {type(reference).__name__}"
        ) from None
    if not 0.0 <= r <= 1.0:
        raise ParameterError(
            f"reference rate must be a proportion in [0, 1] (not percent), got {reference!r}"
        )
    ci = binomial_ci(x1, n1, conf, method)
    return own.assign(
        ref_batches=np.nan,
        ref_passed=np.nan,
        ref_pass_rate=r,
        gap_pp=100.0 * (ci["estimate"].to_numpy() - r),
        gap_lower_pp=100.0 * (ci["ci_lower"].to_numpy() - r),
        gap_upper_pp=100.0 * (ci["ci_upper"].to_numpy() - r),
    )
