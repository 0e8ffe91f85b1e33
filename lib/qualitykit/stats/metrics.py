"""Pass and nonconformity rates, binomial intervals, gaps, standardisation and RPQ weighting.

Every function takes plain arrays or tidy DataFrames (see ``qualitykit.schema``): a **counts**
table has any grouping columns plus ``batches`` and ``passed`` (or ``nonconforming``); a
**records** table has one row per sampled batch with a boolean ``passed`` and is aggregated
first. Proportions are in [0, 1]; differences in percentage points end in ``_pp``.

Methods and their references:

* single-proportion intervals — Wilson (1927) score, Clopper & Pearson (1934) exact,
  Agresti & Coull (1998), Jeffreys (Brown, Cai & DasGupta 2001, *Stat Sci* 16:101); edge
  conventions as R package binom ``binom.confint()``;
* the Wilson formula in the form of PHEindicatormethods ``wilson_lower()/wilson_upper()``;
* difference of two proportions — Newcombe (1998) *Stat Med* 17:873, method 10 (hybrid score);
* weighted sums of stratum rates (direct standardisation, RPQ) — Fay & Feuer (1997) *Stat Med*
  16:791 gamma interval, or the normal approximation of the weighted sum.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from qualitykit.errors import InputError, ParameterError, Problem, QualityKitWarning

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

CIMethod = Literal["wilson", "exact", "agresti_coull", "jeffreys"]
WeightedCIMethod = Literal["fay_feuer", "normal"]

CI_METHODS: tuple[str, ...] = ("wilson", "exact", "agresti_coull", "jeffreys")
_METHOD_ALIASES: dict[str, str] = {
    "wilson": "wilson",
    "score": "wilson",
    "exact": "exact",
    "clopper_pearson": "exact",
    "clopper-pearson": "exact",
    "agresti_coull": "agresti_coull",
    "agresti-coull": "agresti_coull",
    "jeffreys": "jeffreys",
    "bayes": "jeffreys",
}


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def _as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


def _check_conf(conf: float) -> float:
    try:
        value = float(conf)
    except (TypeError, ValueError):
        raise ParameterError(f"conf must be a number in (0, 1), got {conf!r}") from None
    if not 0.0 < value < 1.0:
        raise ParameterError(f"conf must be in (0, 1) (e.g. 0.95 or 0.998), got {conf!r}")
    return value


def _z(conf: float) -> float:
    """Two-sided normal quantile, qnorm(1 - (1 - conf) / 2) as in PHEindicatormethods ``zscore``."""
    return float(stats.norm.ppf(1.0 - (1.0 - conf) / 2.0))


def _method(method: str) -> str:
    key = str(method).strip().lower()
    if key not in _METHOD_ALIASES:
        raise ParameterError(
            f"unknown interval method {method!r}; expected one of {', '.join(CI_METHODS)}"
        )
    return _METHOD_ALIASES[key]


# ----------------------------------------------------------------------------------------------
# single proportions
# ----------------------------------------------------------------------------------------------


def _binomial_limits(
    x: np.ndarray, n: np.ndarray, conf: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits for valid x, n (n > 0, 0 <= x <= n); NaN elsewhere."""
    alpha = 1.0 - conf
    z = _z(conf)
    lo = np.full(x.shape, np.nan)
    hi = np.full(x.shape, np.nan)
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    xs, ns = x[ok], n[ok]
    at0, atn = xs == 0, xs == ns
    if method == "wilson":
        # PHEindicatormethods wilson_lower / wilson_upper (Wilson 1927; Newcombe 1998 method 3)
        root = z * np.sqrt(z * z + 4.0 * xs * (1.0 - xs / ns))
        denom = 2.0 * (ns + z * z)
        lo_ok = (2.0 * xs + z * z - root) / denom
        hi_ok = (2.0 * xs + z * z + root) / denom
    elif method == "exact":
        # Clopper & Pearson (1934) via beta quantiles, binom::binom.exact
        a_lo = np.where(at0, 1.0, xs)
        b_hi = np.where(atn, 1.0, ns - xs)
        lo_ok = np.where(at0, 0.0, stats.beta.ppf(alpha / 2.0, a_lo, ns - xs + 1.0))
        hi_ok = np.where(atn, 1.0, stats.beta.ppf(1.0 - alpha / 2.0, xs + 1.0, b_hi))
    elif method == "agresti_coull":
        # Agresti & Coull (1998): Wald interval around (x + z^2/2) / (n + z^2), clipped to [0, 1]
        n_t = ns + z * z
        p_t = (xs + z * z / 2.0) / n_t
        half = z * np.sqrt(p_t * (1.0 - p_t) / n_t)
        lo_ok, hi_ok = p_t - half, p_t + half
    elif method == "jeffreys":
        # Beta(x + 1/2, n - x + 1/2) posterior, equal tails; at x = 0 (x = n) the interval is
        # [0, q(1 - alpha)] ([q(alpha), 1]) as in binom::binom.bayes (used by binom.confint)
        ends = at0 | atn
        tail = np.where(ends, alpha, alpha / 2.0)
        a, b = xs + 0.5, ns - xs + 0.5
        lo_ok = np.where(at0, 0.0, stats.beta.ppf(tail, a, b))
        hi_ok = np.where(atn, 1.0, stats.beta.ppf(1.0 - tail, a, b))
    else:  # pragma: no cover - guarded by _method
        raise ParameterError(f"unknown interval method {method!r}")
    lo_ok = np.where(at0, 0.0, lo_ok)
    hi_ok = np.where(atn, 1.0, hi_ok)
    lo[ok] = np.clip(lo_ok, 0.0, 1.0)
    hi[ok] = np.clip(hi_ok, 0.0, 1.0)
    return lo, hi


def binomial_ci(
    x: ArrayLike,
    n: ArrayLike,
    conf: float = 0.95,
    method: CIMethod | str = "wilson",
) -> pd.DataFrame:
    """Confidence intervals for binomial proportions ``x / n``, vectorised over arrays.

    Methods (R binom ``binom.confint()`` names in brackets):

    * ``"wilson"`` (``wilson``) — Wilson (1927) score interval, computed as PHEindicatormethods
      ``wilson_lower()``: (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)), z = qnorm(1 − α/2);
    * ``"exact"`` (``exact``) — Clopper–Pearson; lower = 0 at x = 0, upper = 1 at x = n;
    * ``"agresti_coull"`` (``agresti-coull``) — Agresti & Coull (1998); unlike binom the limits
      are clipped to [0, 1];
    * ``"jeffreys"`` (``bayes``) — equal-tailed Beta(x + ½, n − x + ½) interval (Brown, Cai &
      DasGupta 2001); at x = 0 the interval is [0, B(1 − α)], at x = n [B(α), 1], as binom does.

    ``x`` may be non-integer (e.g. weighted counts). ``n = 0`` gives NaN and a
    ``QualityKitWarning``; NaN inputs give NaN.

    Returns a DataFrame (index of ``x`` if it is a Series):

    ==========  ===================================
    estimate    x / n
    ci_lower    lower limit, in [0, 1]
    ci_upper    upper limit, in [0, 1]
    ==========  ===================================
    """
    conf = _check_conf(conf)
    method = _method(method)
    index = x.index if isinstance(x, pd.Series) else None
    try:
        xa = np.asarray(x, dtype=float)
        na = np.asarray(n, dtype=float)
        xa, na = np.broadcast_arrays(xa, na)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"x and n must be numeric arrays of matching shape: {exc}") from None
    xa = np.atleast_1d(xa).astype(float)
    na = np.atleast_1d(na).astype(float)
    bad = []
    if np.any(xa < 0):
        bad.append(f"x < 0 at positions {np.flatnonzero(xa < 0)[:5].tolist()}")
    if np.any(na < 0):
        bad.append(f"n < 0 at positions {np.flatnonzero(na < 0)[:5].tolist()}")
    if np.any(xa > na):
        bad.append(f"x > n at positions {np.flatnonzero(xa > na)[:5].tolist()}")
    if bad:
        raise ParameterError("invalid binomial counts: " + "; ".join(bad) + " (need 0 <= x <= n)")
    zero = na == 0
    if np.any(zero):
        warnings.warn(
            f"{int(zero.sum())} proportion(s) with zero denominator (n = 0): rate and interval "
            "are NaN",
            QualityKitWarning,
            stacklevel=2,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(na > 0, xa / np.where(na > 0, na, 1.0), np.nan)
    est[~np.isfinite(xa) | ~np.isfinite(na)] = np.nan
    lo, hi = _binomial_limits(xa, na, conf, method)
    return pd.DataFrame(
        {"estimate": est, "ci_lower": lo, "ci_upper": hi},
        index=index if index is not None and len(index) == len(est) else None,
    )


def newcombe_diff_ci(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, conf: float = 0.95
) -> pd.DataFrame:
    """Interval for p1 − p2 of two independent proportions (proportion scale, not pp).

    Newcombe (1998), "Interval estimation for the difference between independent proportions:
    comparison of eleven methods", *Stat Med* 17:873–890, method 10 (hybrid score, no continuity
    correction): with Wilson limits (l_i, u_i) of each proportion,
    lower = d − √((p1 − l1)² + (u2 − p2)²), upper = d + √((u1 − p1)² + (p2 − l2)²).

    ==========  ===================================
    diff        p1 − p2
    ci_lower    lower limit, in [−1, 1]
    ci_upper    upper limit, in [−1, 1]
    ==========  ===================================
    """
    a = binomial_ci(x1, n1, conf, "wilson")
    b = binomial_ci(x2, n2, conf, "wilson")
    if len(a) != len(b):
        a, b = (
            pd.DataFrame({c: np.broadcast_to(a[c].to_numpy(), (max(len(a), len(b)),)) for c in a}),
            pd.DataFrame({c: np.broadcast_to(b[c].to_numpy(), (max(len(a), len(b)),)) for c in b}),
        )
    p1, l1, u1 = (a[c].to_numpy() for c in ("estimate", "ci_lower", "ci_upper"))
    p2, l2, u2 = (b[c].to_numpy() for c in ("estimate", "ci_lower", "ci_upper"))
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return pd.DataFrame(
        {"diff": d, "ci_lower": np.clip(lower, -1.0, 1.0), "ci_upper": np.clip(upper, -1.0, 1.0)}
    )


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
    return counts.assign(
        pass_rate=ci["estimate"].to_numpy(),
        nc_rate=1.0 - ci["estimate"].to_numpy(),
        ci_lower=ci["ci_lower"].to_numpy(),
        ci_upper=ci["ci_upper"].to_numpy(),
    )


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
    conf = _check_conf(conf)
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


# ----------------------------------------------------------------------------------------------
# weighted sums of stratum rates: direct standardisation and RPQ
# ----------------------------------------------------------------------------------------------


def _weighted_combine(
    cells: pd.DataFrame, groups: list[str], conf: float, ci_method: str
) -> pd.DataFrame:
    """Σ w·p over sampled cells (batches > 0) per group, with an interval.

    ``cells``: groups + ``w`` (weights summing to 1 within group over the cells used) +
    ``batches`` (> 0) + ``passed``. The interval is computed for the nonconformity rate
    Σ w·x_nc/n and mapped to the pass rate (1 − upper, 1 − lower).
    """
    if ci_method not in ("fay_feuer", "normal"):
        raise ParameterError(f"ci_method must be 'fay_feuer' or 'normal', got {ci_method!r}")
    alpha = 1.0 - conf
    n = cells["batches"].to_numpy(dtype=float)
    x_nc = n - cells["passed"].to_numpy(dtype=float)
    w = cells["w"].to_numpy(dtype=float)
    wi = w / n  # weight per nonconforming batch
    p_nc = x_nc / n
    work = cells[groups].assign(
        _y=wi * x_nc,
        _v=wi * wi * x_nc,
        _wm=wi,
        _vn=w * w * p_nc * (1.0 - p_nc) / n,
    )
    if groups:
        g = work.groupby(groups, sort=True, observed=True, dropna=False)
        agg = g.agg(_y=("_y", "sum"), _v=("_v", "sum"), _wm=("_wm", "max"), _vn=("_vn", "sum"))
        agg = agg.reset_index()
    else:
        agg = pd.DataFrame(
            {
                "_y": [work["_y"].sum()],
                "_v": [work["_v"].sum()],
                "_wm": [work["_wm"].max() if len(work) else np.nan],
                "_vn": [work["_vn"].sum()],
            }
        )
    y, v, wm, vn = (agg[c].to_numpy(dtype=float) for c in ("_y", "_v", "_wm", "_vn"))
    with np.errstate(divide="ignore", invalid="ignore"):
        if ci_method == "fay_feuer":
            # Fay & Feuer (1997) gamma interval for a weighted sum of Poisson counts
            lo_nc = np.where(
                y > 0, v / (2.0 * y) * stats.chi2.ppf(alpha / 2.0, 2.0 * y * y / v), 0.0
            )
            vu, yu = v + wm * wm, y + wm
            hi_nc = vu / (2.0 * yu) * stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * yu * yu / vu)
        else:
            half = _z(conf) * np.sqrt(vn)
            lo_nc, hi_nc = y - half, y + half
    out = agg[groups].copy() if groups else pd.DataFrame(index=range(1))
    out["std_pass_rate"] = 1.0 - y
    out["std_nc_rate"] = y
    out["ci_lower"] = np.clip(1.0 - hi_nc, 0.0, 1.0)
    out["ci_upper"] = np.clip(1.0 - lo_nc, 0.0, 1.0)
    return out


def _standard_weights(
    standard: pd.DataFrame | pd.Series | None, counts: pd.DataFrame, strata: list[str]
) -> pd.DataFrame:
    """The standard mix as strata + ``weight`` (normalised to sum 1)."""
    if standard is None:
        std = counts.groupby(strata, sort=True, observed=True, dropna=False)["batches"].sum()
        std = std.rename("weight").reset_index()
    elif isinstance(standard, pd.Series):
        std = standard.rename("weight").reset_index()
        missing = [s for s in strata if s not in std.columns]
        if missing:
            raise ParameterError(f"standard Series must be indexed by the strata {strata}")
    elif isinstance(standard, pd.DataFrame):
        wcol = "weight" if "weight" in standard.columns else "batches"
        missing = [c for c in [*strata, wcol] if c not in standard.columns]
        if missing:
            raise InputError(
                [
                    Problem(
                        file="standard",
                        column=c,
                        message="standard mix needs the strata columns and 'weight' (or 'batches')",
                    )
                    for c in missing
                ]
            )
        std = standard.groupby(strata, sort=True, observed=True, dropna=False)[wcol].sum()
        std = std.rename("weight").reset_index()
    else:
        raise ParameterError("standard must be None, a DataFrame or a Series of weights")
    wts = pd.to_numeric(std["weight"], errors="coerce").astype("float64")
    if wts.isna().any() or (wts < 0).any() or wts.sum() <= 0:
        raise InputError(
            [
                Problem(
                    file="standard",
                    column="weight",
                    message="weights must be non-negative numbers with a positive sum",
                )
            ]
        )
    std["weight"] = wts / wts.sum()
    return std[std["weight"] > 0].reset_index(drop=True)


def standardise(
    data: pd.DataFrame,
    strata: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    standard: pd.DataFrame | pd.Series | None = None,
    *,
    conf: float = 0.95,
    ci_method: WeightedCIMethod = "fay_feuer",
    empty: Literal["nan", "renormalise"] = "nan",
) -> pd.DataFrame:
    """Directly standardised pass rates: Σ_s w_s · r_gs with the standard population's weights.

    ``data`` (counts or records) is aggregated by ``by`` × ``strata`` (e.g. industry ×
    enterprise size). ``standard`` gives the reference mix: ``None`` = the pooled mix of
    ``data`` itself (batches per stratum over all groups); a DataFrame with the strata columns
    and ``weight`` (or ``batches``); or a Series of weights indexed by the strata. Weights are
    normalised to sum to 1; strata of ``data`` outside the standard get weight 0.

    **Empty cells** (a stratum of the standard in which a group has no batches): with
    ``empty="nan"`` (default) the group's standardised rate is NaN (a ``QualityKitWarning``
    says how many groups); with ``empty="renormalise"`` the weights are renormalised over the
    strata the group has sampled, i.e. the rate is standardised to the covered part of the
    standard only. ``weight_covered`` reports the share of the standard that was covered.

    Interval (``ci_method``): ``"fay_feuer"`` — the gamma interval of Fay & Feuer (1997, *Stat
    Med* 16:791) applied to the nonconforming counts treated as Poisson, which is conservative
    for binomial counts and reduces to the exact (Garwood) interval for one stratum;
    ``"normal"`` — Σ w² p(1 − p)/n, the normal approximation of the weighted sum (poor near 0
    or 1). Both are computed for the NC rate and mapped to the pass rate. A group's own mix as
    the standard returns its crude rate.

    ===============  ======================================================
    <by columns>     the groups
    batches          all batches of the group (int)
    passed           all passing batches of the group (int)
    crude_pass_rate  passed / batches
    std_pass_rate    standardised pass rate
    std_nc_rate      1 − std_pass_rate
    ci_lower         lower limit for std_pass_rate
    ci_upper         upper limit for std_pass_rate
    weight_covered   share of the standard's weight in strata with batches
    strata_empty     number of standard strata with no batches in the group
    ===============  ======================================================
    """
    conf = _check_conf(conf)
    strata = _as_list(strata)
    by = _as_list(by)
    if not strata:
        raise ParameterError("strata must name at least one column")
    if empty not in ("nan", "renormalise"):
        raise ParameterError(f"empty must be 'nan' or 'renormalise', got {empty!r}")
    counts = aggregate_counts(data, by + strata)
    std = _standard_weights(standard, counts, strata)
    totals = (
        counts.groupby(by, sort=True, observed=True, dropna=False)[["batches", "passed"]]
        .sum()
        .reset_index()
        if by
        else pd.DataFrame(
            {"batches": [int(counts["batches"].sum())], "passed": [int(counts["passed"].sum())]}
        )
    )
    groups = totals[by] if by else pd.DataFrame(index=range(1))
    grid = groups.merge(std, how="cross")
    cells = grid.merge(counts[[*by, *strata, "batches", "passed"]], on=[*by, *strata], how="left")
    cells["batches"] = cells["batches"].fillna(0).astype("int64")
    cells["passed"] = cells["passed"].fillna(0).astype("int64")
    sampled = cells["batches"] > 0
    cov = cells.assign(
        _cov=np.where(sampled, cells["weight"], 0.0), _empty=(~sampled).astype("int64")
    )
    if by:
        covg = cov.groupby(by, sort=True, observed=True, dropna=False)[["_cov", "_empty"]].sum()
        covg = covg.reset_index()
    else:
        covg = pd.DataFrame({"_cov": [cov["_cov"].sum()], "_empty": [cov["_empty"].sum()]})
    used = (
        cells[sampled].merge(covg, on=by, how="left")
        if by
        else cells[sampled].assign(_cov=float(covg["_cov"].iloc[0]))
    )
    used = used.assign(w=used["weight"] / used["_cov"])
    comb = _weighted_combine(used, by, conf, ci_method)
    out = totals.merge(comb, on=by, how="left") if by else pd.concat([totals, comb], axis=1)
    out = out.merge(covg, on=by, how="left") if by else pd.concat([out, covg], axis=1)
    out = out.rename(columns={"_cov": "weight_covered", "_empty": "strata_empty"})
    with np.errstate(divide="ignore", invalid="ignore"):
        out.insert(
            len(by) + 2,
            "crude_pass_rate",
            np.where(
                out["batches"] > 0, out["passed"] / out["batches"].where(out["batches"] > 0), np.nan
            ),
        )
    value_cols = ["std_pass_rate", "std_nc_rate", "ci_lower", "ci_upper"]
    no_data = out["weight_covered"].fillna(0) <= 0
    if no_data.any():
        warnings.warn(
            f"{int(no_data.sum())} group(s) have no batches in any stratum of the standard: "
            "standardised rate is NaN",
            QualityKitWarning,
            stacklevel=2,
        )
    out.loc[no_data, value_cols] = np.nan
    if empty == "nan":
        gaps = (out["strata_empty"] > 0) & ~no_data
        if gaps.any():
            warnings.warn(
                f"{int(gaps.sum())} group(s) have empty strata of the standard mix: their "
                "standardised rate is NaN (use empty='renormalise' to standardise to the "
                "covered strata only)",
                QualityKitWarning,
                stacklevel=2,
            )
        out.loc[gaps, value_cols] = np.nan
    out["strata_empty"] = out["strata_empty"].astype("int64")
    return out[
        [*by, "batches", "passed", "crude_pass_rate", *value_cols, "weight_covered", "strata_empty"]
    ]


def _rpq_cells(
    counts: pd.DataFrame, output: pd.DataFrame, region: str, industry: str
) -> pd.DataFrame:
    """Region × industry cells with batches, passed and output value (outer join)."""
    cnt = aggregate_counts(counts, [region, industry], source="counts")
    problems = [
        Problem(file="output", column=c, message="output table needs this column")
        for c in (region, industry, "output_value")
        if c not in output.columns
    ]
    if problems:
        raise InputError(problems)
    val = pd.to_numeric(output["output_value"], errors="coerce").astype("float64")
    bad = np.flatnonzero((~np.isfinite(val.to_numpy())) | (val.to_numpy() < 0))
    if len(bad):
        raise InputError(
            [
                Problem(
                    file="output",
                    row=int(p) + 2,
                    column="output_value",
                    value=output["output_value"].iloc[p],
                    message="expected a non-negative output value",
                )
                for p in bad
            ]
        )
    out = (
        output[[region, industry]]
        .assign(output_value=val.to_numpy())
        .groupby([region, industry], sort=True, observed=True, dropna=False)["output_value"]
        .sum()
        .reset_index()
    )
    cells = out.merge(cnt, on=[region, industry], how="outer")
    cells["output_value"] = cells["output_value"].fillna(0.0)
    for c in ("batches", "passed", "nonconforming"):
        cells[c] = cells[c].fillna(0).astype("int64")
    return cells


def _rpq_region_table(
    cells: pd.DataFrame, region: str, conf: float, ci_method: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    weighted = (cells["output_value"] > 0) & (cells["batches"] > 0)
    c = cells.assign(
        _v_cov=np.where(weighted, cells["output_value"], 0.0),
        _has_out=(cells["output_value"] > 0).astype("int64"),
        _sampled=weighted.astype("int64"),
        _b_noout=np.where(cells["output_value"] > 0, 0, cells["batches"]),
    )
    g = c.groupby(region, sort=True, observed=True, dropna=False)
    reg = g.agg(
        batches=("batches", "sum"),
        passed=("passed", "sum"),
        output_value=("output_value", "sum"),
        _v_cov=("_v_cov", "sum"),
        industries_with_output=("_has_out", "sum"),
        industries_sampled=("_sampled", "sum"),
        batches_without_output=("_b_noout", "sum"),
    ).reset_index()
    used = c[weighted].merge(reg[[region, "_v_cov"]], on=region, how="left", suffixes=("", "_r"))
    used = used.assign(w=used["output_value"] / used["_v_cov_r"])
    comb = _weighted_combine(used, [region], conf, ci_method)
    reg = reg.merge(comb, on=region, how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        reg["crude_pass_rate"] = reg["passed"] / reg["batches"].where(reg["batches"] > 0)
        reg["output_covered_share"] = reg["_v_cov"] / reg["output_value"].where(
            reg["output_value"] > 0
        )
    return reg, used


def rpq_by_region(
    counts: pd.DataFrame,
    output: pd.DataFrame,
    *,
    region: str = "region_code",
    industry: str = "industry_code",
    conf: float = 0.95,
    ci_method: WeightedCIMethod = "fay_feuer",
) -> pd.DataFrame:
    """Output-weighted pass rate per region: the RPQ layer-1 method (制造业产品质量合格率).

    RPQ_p = Σ_i w_pi · r_pi with w_pi = V_pi / Σ_j V_pj, r_pi = passed / batches of region p in
    industry i, V = industrial output value (SAMR explainer "产品质量合格率解析"; see
    ``data/reference/README.md``, "Methods found" §1). ``counts``: counts or records with
    ``region`` and ``industry`` columns; ``output``: ``region``, ``industry``,
    ``output_value`` (any unit).

    **Empty cells:** an industry with output but no samples in the region is left out and the
    weights are renormalised over the sampled industries; ``output_covered_share`` reports the
    share of the region's output that was covered. Samples of an industry without an output
    value get weight 0 (counted in ``batches_without_output``). A region with no sampled
    output gets NaN. Interval as in :func:`standardise` (``ci_method``).

    ======================  ==================================================
    <region>                the region
    batches, passed         all batches / passes of the region (int)
    crude_pass_rate         passed / batches
    rpq                     output-weighted pass rate (proportion)
    ci_lower, ci_upper      interval for rpq
    output_value            total output value of the region
    output_covered_share    share of the output in sampled industries
    industries_with_output  industries with output > 0
    industries_sampled      industries with output > 0 and batches > 0
    batches_without_output  batches in industries without an output value
    ======================  ==================================================
    """
    conf = _check_conf(conf)
    cells = _rpq_cells(counts, output, region, industry)
    reg, _ = _rpq_region_table(cells, region, conf, ci_method)
    reg = reg.rename(columns={"std_pass_rate": "rpq"})
    cols = [
        region,
        "batches",
        "passed",
        "crude_pass_rate",
        "rpq",
        "ci_lower",
        "ci_upper",
        "output_value",
        "output_covered_share",
        "industries_with_output",
        "industries_sampled",
        "batches_without_output",
    ]
    return reg[cols]


def rpq_national(
    counts: pd.DataFrame,
    output: pd.DataFrame,
    *,
    region: str = "region_code",
    industry: str = "industry_code",
    conf: float = 0.95,
    ci_method: WeightedCIMethod = "fay_feuer",
) -> pd.DataFrame:
    """National RPQ as the output-weighted mean of regional RPQs (layer 2 — an inference).

    RPQ_nat = Σ_p (V_p / V) · RPQ_p with V_p the region's total output value. **The source
    explainer stops before describing the national layer**; this is the natural reading noted
    in ``data/reference/README.md`` ("Methods found" §1) and is *not verified*. Regions with
    no sampled output are left out and the regional weights renormalised; industries are
    handled as in :func:`rpq_by_region`. The interval treats the result as one weighted sum of
    cell rates (cell weight = V_p/V' × w_pi), by ``ci_method``.

    ======================  ==================================================
    batches, passed         all batches / passes (int)
    crude_pass_rate         passed / batches
    rpq                     national output-weighted pass rate
    ci_lower, ci_upper      interval for rpq
    output_value            total output value
    output_covered_share    share of national output in sampled region × industry cells
                            of the regions that have an RPQ
    regions_with_rpq        regions contributing
    regions_without_rpq     regions with output but no sampled output
    ======================  ==================================================
    """
    conf = _check_conf(conf)
    cells = _rpq_cells(counts, output, region, industry)
    reg, used = _rpq_region_table(cells, region, conf, ci_method)
    has = reg["_v_cov"] > 0
    v_used = reg.loc[has, "output_value"].sum()
    used = used.merge(reg[[region, "output_value"]], on=region, suffixes=("", "_region"))
    used = used.assign(w=used["w"] * used["output_value_region"] / v_used)
    comb = _weighted_combine(used, [], conf, ci_method) if len(used) else None
    total_v = float(cells["output_value"].sum())
    batches = int(cells["batches"].sum())
    passed = int(cells["passed"].sum())
    row = {
        "batches": batches,
        "passed": passed,
        "crude_pass_rate": passed / batches if batches else np.nan,
        "rpq": float(comb["std_pass_rate"].iloc[0]) if comb is not None else np.nan,
        "ci_lower": float(comb["ci_lower"].iloc[0]) if comb is not None else np.nan,
        "ci_upper": float(comb["ci_upper"].iloc[0]) if comb is not None else np.nan,
        "output_value": total_v,
        "output_covered_share": float(reg.loc[has, "_v_cov"].sum()) / total_v
        if total_v > 0
        else np.nan,
        "regions_with_rpq": int(has.sum()),
        "regions_without_rpq": int(((reg["output_value"] > 0) & ~has).sum()),
    }
    if comb is None:
        warnings.warn(
            "no region has sampled output: national RPQ is NaN", QualityKitWarning, stacklevel=2
        )
    return pd.DataFrame([row])
