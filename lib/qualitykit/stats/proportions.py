"""Confidence intervals for one binomial proportion and for the difference of two.

The one home of these intervals in the package (``metrics``, ``benchmark``, ``pareto`` and the
scorecard call it). Thin wrappers: the arithmetic is statsmodels'
``proportion_confint`` (Wilson, Wald, Clopper–Pearson, Agresti–Coull, Jeffreys) and
``confint_proportions_2indep(method="newcomb")``; the wrappers add R binom's edge conventions,
vectorised input checks and tidy output. Only the continuity-corrected Wilson interval, which no
library offers vectorised, is written out (R ``prop.test``).

References: Wilson (1927) *JASA* 22:209; Clopper & Pearson (1934) *Biometrika* 26:404; Agresti
& Coull (1998) *Am Stat* 52:119; Brown, Cai & DasGupta (2001) *Stat Sci* 16:101; Newcombe (1998a)
*Stat Med* 17:857 (single proportions, methods 1–5) and (1998b) *Stat Med* 17:873 (differences,
method 10); R binom ``binom.confint()``; R stats ``prop.test()``.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.stats._checks import check_level

__all__ = ["CI_METHODS", "binomial_ci", "newcombe_diff_ci", "z_two_sided"]

CIMethod = Literal["wilson", "wilson_cc", "wald", "exact", "agresti_coull", "jeffreys"]

CI_METHODS: tuple[str, ...] = (
    "wilson",
    "wilson_cc",
    "wald",
    "exact",
    "agresti_coull",
    "jeffreys",
)
_METHOD_ALIASES: dict[str, str] = {
    "wilson": "wilson",
    "score": "wilson",
    "wilson_cc": "wilson_cc",
    "prop.test": "wilson_cc",
    "prop_test": "wilson_cc",
    "wald": "wald",
    "asymptotic": "wald",
    "normal": "wald",
    "exact": "exact",
    "clopper_pearson": "exact",
    "clopper-pearson": "exact",
    "agresti_coull": "agresti_coull",
    "agresti-coull": "agresti_coull",
    "jeffreys": "jeffreys",
    "bayes": "jeffreys",
}
# statsmodels proportion_confint method names
_STATSMODELS = {
    "wilson": "wilson",
    "wald": "normal",
    "exact": "beta",
    "agresti_coull": "agresti_coull",
}


def z_two_sided(conf: float) -> float:
    """Two-sided normal quantile qnorm(1 − (1 − conf)/2), as PHEindicatormethods ``zscore``."""
    return float(stats.norm.ppf(1.0 - (1.0 - conf) / 2.0))


def _method(method: str) -> str:
    key = str(method).strip().lower()
    if key not in _METHOD_ALIASES:
        raise ParameterError(
            f"unknown interval method {method!r}; expected one of {', '.join(CI_METHODS)}"
        )
    return _METHOD_ALIASES[key]


def _wilson_cc(xs: np.ndarray, ns: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    """R ``prop.test(x, n, correct = TRUE)$conf.int`` (one sample, null p = 0.5), vectorised.

    The correction is min(0.5, |x − n/2|): Newcombe's (1998a) method 4 except that R drops the
    correction when x = n/2 exactly. Limits are the Wilson limits of p̂ ∓ correction/n, and 0
    (1) when the shifted proportion is ≤ 0 (≥ 1).
    """
    z = z_two_sided(conf)
    p = xs / ns
    yates = np.minimum(0.5, np.abs(xs - ns * 0.5))
    z22n = z * z / (2.0 * ns)
    with np.errstate(invalid="ignore"):
        pc = p + yates / ns
        up = (pc + z22n + z * np.sqrt(pc * (1.0 - pc) / ns + z22n / (2.0 * ns))) / (
            1.0 + 2.0 * z22n
        )
        upper = np.where(pc >= 1.0, 1.0, up)
        pc = p - yates / ns
        lo = (pc + z22n - z * np.sqrt(pc * (1.0 - pc) / ns + z22n / (2.0 * ns))) / (
            1.0 + 2.0 * z22n
        )
        lower = np.where(pc <= 0.0, 0.0, lo)
    return lower, upper


def _binomial_limits(
    x: np.ndarray, n: np.ndarray, conf: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits for valid x, n (n > 0, 0 <= x <= n); NaN elsewhere."""
    alpha = 1.0 - conf
    lo = np.full(x.shape, np.nan)
    hi = np.full(x.shape, np.nan)
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    if not ok.any():
        return lo, hi
    xs, ns = x[ok], n[ok]
    at0, atn = xs == 0, xs == ns
    if method in _STATSMODELS:
        lo_ok, hi_ok = proportion_confint(xs, ns, alpha=alpha, method=_STATSMODELS[method])
        lo_ok, hi_ok = np.asarray(lo_ok, dtype=float), np.asarray(hi_ok, dtype=float)
    elif method == "wilson_cc":
        lo_ok, hi_ok = _wilson_cc(xs, ns, conf)
    elif method == "jeffreys":
        # Beta(x + 1/2, n − x + 1/2) equal tails (statsmodels "jeffreys"); at x = 0 (x = n) the
        # interval is [0, q(1 − α)] ([q(α), 1]) as R binom::binom.bayes, used by binom.confint
        lo_ok, hi_ok = proportion_confint(xs, ns, alpha=alpha, method="jeffreys")
        lo_ok, hi_ok = np.asarray(lo_ok, dtype=float), np.asarray(hi_ok, dtype=float)
        a, b = xs + 0.5, ns - xs + 0.5
        if at0.any():
            hi_ok = np.where(at0, stats.beta.ppf(1.0 - alpha, a, b), hi_ok)
        if atn.any():
            lo_ok = np.where(atn, stats.beta.ppf(alpha, a, b), lo_ok)
    else:  # pragma: no cover - guarded by _method
        raise ParameterError(f"unknown interval method {method!r}")
    # R binom's edge convention for every method: lower = 0 at x = 0, upper = 1 at x = n
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

    * ``"wilson"`` (``wilson``) — Wilson (1927) score interval, (2x + z² ∓ z·√(z² + 4x(1 − x/n)))
      / (2(n + z²)), z = qnorm(1 − α/2) (the form of PHEindicatormethods ``wilson_lower()``);
    * ``"wilson_cc"`` (``prop.test``) — Wilson with continuity correction as R
      ``prop.test(x, n, correct = TRUE)``: the correction is min(½, |x − n/2|) (R's one-sample
      null p = ½), i.e. Newcombe (1998a) method 4 except at x = n/2, where R drops it;
    * ``"wald"`` (``asymptotic``) — p̂ ± z·√(p̂(1 − p̂)/n); degenerate ([0, 0]) at x = 0;
    * ``"exact"`` (``exact``) — Clopper–Pearson;
    * ``"agresti_coull"`` (``agresti-coull``) — Agresti & Coull (1998);
    * ``"jeffreys"`` (``bayes``) — equal-tailed Beta(x + ½, n − x + ½) interval (Brown, Cai &
      DasGupta 2001); at x = 0 the interval is [0, B(1 − α)], at x = n [B(α), 1], as binom does.

    Every method has lower = 0 at x = 0 and upper = 1 at x = n, and limits clipped to [0, 1]
    (binom leaves Wald and Agresti–Coull limits outside [0, 1] unclipped). ``x`` may be
    non-integer (e.g. weighted counts). ``n = 0`` gives NaN and a ``QualityKitWarning``; NaN
    inputs give NaN.

    Returns a DataFrame (index of ``x`` if it is a Series):

    ==========  ===================================
    estimate    x / n
    ci_lower    lower limit, in [0, 1]
    ci_upper    upper limit, in [0, 1]
    ==========  ===================================
    """
    conf = check_level(conf, "conf")
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
    lower = d − √((p1 − l1)² + (u2 − p2)²), upper = d + √((u1 − p1)² + (p2 − l2)²) — computed by
    statsmodels ``confint_proportions_2indep(method="newcomb", compare="diff")``. A pair with
    n1 = 0 or n2 = 0 gives NaN (and a ``QualityKitWarning``).

    ==========  ===================================
    diff        p1 − p2
    ci_lower    lower limit, in [−1, 1]
    ci_upper    upper limit, in [−1, 1]
    ==========  ===================================
    """
    conf = check_level(conf, "conf")
    arrays = []
    for name, a in (("x1", x1), ("n1", n1), ("x2", x2), ("n2", n2)):
        try:
            arrays.append(np.atleast_1d(np.asarray(a, dtype=float)))
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be numeric, got {a!r}") from None
    try:
        a1, b1, a2, b2 = np.broadcast_arrays(*arrays)
    except ValueError as exc:
        raise ParameterError(f"x1, n1, x2, n2 must have matching shapes: {exc}") from None
    for x, n, lab in ((a1, b1, "1"), (a2, b2, "2")):
        if np.any(x < 0) or np.any(n < 0) or np.any(x > n):
            raise ParameterError(f"invalid binomial counts in sample {lab} (need 0 <= x <= n)")
    empty = (b1 == 0) | (b2 == 0)
    if empty.any():
        warnings.warn(
            f"{int(empty.sum())} difference(s) with a zero denominator (n = 0): NaN",
            QualityKitWarning,
            stacklevel=2,
        )
    d = np.full(a1.shape, np.nan)
    lower = np.full(a1.shape, np.nan)
    upper = np.full(a1.shape, np.nan)
    ok = ~empty & np.isfinite(a1) & np.isfinite(b1) & np.isfinite(a2) & np.isfinite(b2)
    if ok.any():
        lo_ok, hi_ok = confint_proportions_2indep(
            a1[ok], b1[ok], a2[ok], b2[ok], method="newcomb", compare="diff", alpha=1.0 - conf
        )
        d[ok] = a1[ok] / b1[ok] - a2[ok] / b2[ok]
        lower[ok] = np.asarray(lo_ok, dtype=float)
        upper[ok] = np.asarray(hi_ok, dtype=float)
    return pd.DataFrame(
        {"diff": d, "ci_lower": np.clip(lower, -1.0, 1.0), "ci_upper": np.clip(upper, -1.0, 1.0)}
    )
