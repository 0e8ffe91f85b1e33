"""Does a fitted binomial trend describe the data well enough to be extrapolated? Two checks from
the numbers a :class:`~qualitykit.stats.trends.TrendResult` already holds.

* :func:`dispersion_test` — Pearson's goodness-of-fit test: X² = φ·df_resid is compared with
  χ² on df_resid degrees of freedom (McCullagh & Nelder 1989, *Generalized Linear Models*, 2nd
  ed., §4.4.3–4.5; the statistic behind R's ``sum(residuals(fit, "pearson")^2)``). A small p
  means more variation between periods than binomial sampling allows (overdispersion, or a
  trend that is not a straight line on the logit scale); φ above 1 with a large p is not.
* :func:`recent_fit` — the fitted line against the last ``years`` years pooled: the pooled
  Pearson residual z = (O − E)/√(Σ n·p̂(1 − p̂)·scale), O and E the observed and fitted passing
  batches over the window, two-sided normal p (McCullagh & Nelder §2.4.2 on Pearson residuals;
  the window pooled as in Hosmer & Lemeshow's grouped residuals, *Applied Logistic Regression*
  2000 §5.2.2). A small p says the straight line misses the recent level — extrapolating it
  to a deadline is not supported by the data, whatever its slope.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["dispersion_test", "recent_fit"]


def dispersion_test(phi: float, df_resid: float) -> float:
    """p-value of Pearson's X² = φ·df_resid on df_resid degrees of freedom (upper tail); NaN when
    φ or the degrees of freedom are undefined."""
    if not (np.isfinite(phi) and np.isfinite(df_resid)) or df_resid <= 0:
        return float("nan")
    return float(stats.chi2.sf(phi * df_resid, df_resid))


def recent_fit(fitted: pd.DataFrame, scale: float = 1.0, years: int = 5) -> dict[str, Any]:
    """The fitted trend against the observed pass rate of its last ``years`` years, pooled.

    ``fitted``: :attr:`TrendResult.fitted` (``t``, ``batches``, ``passed``, ``fitted``);
    ``scale``: the dispersion used for the trend's standard errors (:attr:`TrendResult.scale`).
    Returns ``year_from``, ``year_to``, ``batches``, ``observed`` (pooled pass rate),
    ``fitted`` (batch-weighted fitted rate), ``z`` and ``p_value`` (two-sided); NaN where the
    window has no batches or the fitted rates are 0 or 1."""
    f = fitted[np.isfinite(fitted["fitted"].to_numpy(dtype=float, na_value=np.nan))]
    out: dict[str, Any] = {
        "year_from": np.nan,
        "year_to": np.nan,
        "batches": 0,
        "observed": np.nan,
        "fitted": np.nan,
        "z": np.nan,
        "p_value": np.nan,
    }
    if f.empty:
        return out
    year = np.floor(f["t"].to_numpy(dtype=float))
    last = year.max()
    window = f[year > last - years]
    n = window["batches"].to_numpy(dtype=float)
    passed = window["passed"].to_numpy(dtype=float, na_value=np.nan)
    p = window["fitted"].to_numpy(dtype=float)
    total = float(n.sum())
    out.update(year_from=int(np.floor(window["t"].min())), year_to=int(last), batches=int(total))
    if total <= 0:
        return out
    observed = float(np.nansum(passed) / total)
    expected = float((n * p).sum() / total)
    var = float((n * p * (1.0 - p)).sum()) * (scale if np.isfinite(scale) and scale > 0 else 1.0)
    out.update(observed=observed, fitted=expected)
    if var > 0:
        z = (observed - expected) * total / math.sqrt(var)
        out.update(z=float(z), p_value=float(2.0 * stats.norm.sf(abs(z))))
    return out
