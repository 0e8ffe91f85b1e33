"""Poisson funnel limits for counts per exposure and indirectly standardised ratios (O/E).

A unit with exposure ``e`` (the expected count E of a standardised ratio, or a number of batches
or a population for a rate) and target ratio / rate θ has O ~ Poisson(μ), μ = θ·e. The limits are
on the scale of O/e (ratio or rate):

* ``method="chisq"`` (default) — exact limits through the gamma–Poisson relation: lower
  χ²_t(2μ)/(2e), upper χ²_{1−t}(2μ + 2)/(2e), t = (1 − level)/2 — R FunnelPlotR
  ``calculate_limits(data_type = "SR")`` (written there as ``target * qchisq(…, 2E)/2/E``, the
  same for θ = 1, its only case);
* ``method="interpolated"`` — Spiegelhalter's (2005, *Stat Med* 24:1185, appendix) interpolated
  percentile r − α of Poisson(μ), divided by e, with the upper limit by ``interpolation`` as for
  the binomial funnel: ``"reflected"`` (default) (r_p + 1 − α_p)/e, ``"spiegelhalter2005"``
  (r_p − α_p)/e.

``phi`` > 1 stretches the distance of each limit from θ by √φ (multiplicative over-dispersion)
before the lower limit is clipped at 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from qualitykit.errors import InputError, NoDataError, ParameterError, Problem
from qualitykit.stats._checks import check_choice, check_levels, level_suffix, require_columns
from qualitykit.stats.funnel import DEFAULT_LEVELS, INTERPOLATIONS, interpolated_percentile

__all__ = ["POISSON_METHODS", "poisson_funnel_limits", "poisson_funnel_units"]

PoissonMethod = Literal["chisq", "interpolated"]
POISSON_METHODS: tuple[str, ...] = ("chisq", "interpolated")


def _poisson_limits(
    level: float, e: np.ndarray, theta: float, method: str, interpolation: str
) -> tuple[np.ndarray, np.ndarray]:
    """Unclipped lower and upper limits on the O/e scale."""
    tail = (1.0 - level) / 2.0
    mu = theta * e
    if method == "chisq":
        lower = stats.chi2.ppf(tail, 2.0 * mu) / (2.0 * e)
        upper = stats.chi2.ppf(1.0 - tail, 2.0 * mu + 2.0) / (2.0 * e)
        return np.where(mu > 0, lower, 0.0), upper
    dist = stats.poisson(mu)
    r, alpha = interpolated_percentile(dist, tail)
    lower = (r - alpha) / e
    r_u, alpha_u = interpolated_percentile(dist, 1.0 - tail)
    shift = 1.0 if interpolation == "reflected" else 0.0
    return lower, (r_u + shift - alpha_u) / e


def _check_theta_phi(target: object, phi: object) -> tuple[float, float]:
    if isinstance(target, bool) or not (
        isinstance(target, int | float) and target > 0 and math.isfinite(target)
    ):
        raise ParameterError(f"target: {target!r} is not a positive ratio or rate")
    if isinstance(phi, bool) or not (
        isinstance(phi, int | float) and phi > 0 and math.isfinite(phi)
    ):
        raise ParameterError(f"phi: {phi!r} is not a positive dispersion factor")
    return float(target), float(phi)


def _limit_columns(
    e: np.ndarray,
    theta: float,
    levels: tuple[float, ...],
    method: str,
    interpolation: str,
    phi: float,
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    root = math.sqrt(phi)
    for lev in levels:
        lo, hi = _poisson_limits(lev, e, theta, method, interpolation)
        if phi != 1.0:
            lo = theta - root * (theta - lo)
            hi = theta + root * (hi - theta)
        sfx = level_suffix(lev)
        out[f"lower_{sfx}"] = np.maximum(lo, 0.0)
        out[f"upper_{sfx}"] = hi
    return out


def poisson_funnel_limits(
    exposure: ArrayLike,
    target: float = 1.0,
    *,
    levels: float | Sequence[float] = DEFAULT_LEVELS,
    method: PoissonMethod = "chisq",
    interpolation: Literal["reflected", "spiegelhalter2005"] = "reflected",
    phi: float = 1.0,
) -> pd.DataFrame:
    """Poisson funnel limits at each ``exposure`` around ``target`` (ratio scale O/exposure).

    For a standardised ratio pass the expected counts E as ``exposure`` and ``target=1``; for a
    rate pass the exposure (e.g. batches) and the overall rate. Methods as in the module docstring.

    ============ ==========================================================
    column       meaning
    ============ ==========================================================
    exposure     the exposure e (expected count, population, batches)
    center       the target θ
    lower_<lev>  lower limit of O/e at coverage ``lev`` (≥ 0), e.g. lower_95
    upper_<lev>  upper limit of O/e, e.g. upper_998
    ============ ==========================================================
    """
    method = check_choice(method, "method", POISSON_METHODS)  # type: ignore[assignment]
    interpolation = check_choice(interpolation, "interpolation", INTERPOLATIONS)  # type: ignore[assignment]
    levs = check_levels(levels)
    theta, phi_f = _check_theta_phi(target, phi)
    e = np.asarray(exposure, dtype=float).ravel()
    if e.size and (not np.all(np.isfinite(e)) or np.any(e <= 0)):
        raise ParameterError("exposure: values must be finite and greater than zero")
    cols = _limit_columns(e, theta, levs, method, interpolation, phi_f)
    return pd.DataFrame({"exposure": e, "center": np.full(e.shape, theta), **cols})


def _observed_expected(
    data: pd.DataFrame, observed: str, exposure: str
) -> tuple[np.ndarray, np.ndarray]:
    require_columns(data, (observed, exposure), "data")
    if len(data) == 0:
        raise NoDataError("data: the table has no rows")
    problems: list[Problem] = []
    o_raw, e_raw = data[observed], data[exposure]
    o = pd.to_numeric(o_raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    e = pd.to_numeric(e_raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad_o = ~np.isfinite(o) | (o < 0) | (o != np.round(o))
        bad_e = ~np.isfinite(e) | (e <= 0)
    problems += [
        Problem("data", "expected a whole number >= 0", int(i) + 2, observed, o_raw.iloc[i])
        for i in np.flatnonzero(bad_o)
    ]
    problems += [
        Problem("data", "expected a number > 0", int(i) + 2, exposure, e_raw.iloc[i])
        for i in np.flatnonzero(bad_e)
    ]
    if problems:
        raise InputError(problems)
    return o, e


def poisson_funnel_units(
    data: pd.DataFrame,
    *,
    observed: str = "observed",
    exposure: str = "expected",
    target: float | None = 1.0,
    levels: float | Sequence[float] = DEFAULT_LEVELS,
    method: PoissonMethod = "chisq",
    interpolation: Literal["reflected", "spiegelhalter2005"] = "reflected",
    phi: float = 1.0,
) -> pd.DataFrame:
    """Each unit's ratio O/e against the Poisson funnel at its own exposure.

    ``observed``: counts (whole numbers ≥ 0); ``exposure``: expected counts of an indirectly
    standardised ratio (``target=1``, the default) or exposures of a rate (``target=None`` = the
    pooled rate ΣO/Σe). Limits as :func:`poisson_funnel_limits`.

    Columns: the input columns, then ``ratio`` (O/e), ``center`` (θ), ``z`` ((O − θe)/√(θe), the
    Poisson z-score), ``lower_<lev>``, ``upper_<lev>``, ``flag_<lev>`` (``"low"``, ``"within"``,
    ``"high"``).
    """
    o, e = _observed_expected(data, observed, exposure)
    theta_in = float(o.sum() / e.sum()) if target is None else target
    method = check_choice(method, "method", POISSON_METHODS)  # type: ignore[assignment]
    interpolation = check_choice(interpolation, "interpolation", INTERPOLATIONS)  # type: ignore[assignment]
    levs = check_levels(levels)
    theta, phi_f = _check_theta_phi(theta_in, phi)
    lims = _limit_columns(e, theta, levs, method, interpolation, phi_f)
    ratio = o / e
    out = data.copy()
    out["ratio"] = ratio
    out["center"] = theta
    out["z"] = (o - theta * e) / np.sqrt(theta * e)
    for key, val in lims.items():
        out[key] = val
    for lev in levs:
        sfx = level_suffix(lev)
        lo, hi = lims[f"lower_{sfx}"], lims[f"upper_{sfx}"]
        flag = np.where(ratio < lo, "low", np.where(ratio > hi, "high", "within"))
        out[f"flag_{sfx}"] = pd.Series(flag, index=out.index, dtype="string")
    return out
