"""Funnel plots of unit pass rates: control limits around a target at every number of batches.

Methods for a proportion (``method=``):

* ``"spiegelhalter"`` (default) — exact binomial percentiles with linear interpolation between
  integers (Spiegelhalter 2005, *Stat Med* 24:1185, appendix A.1.1). Two conventions for the upper
  limit (``interpolation=``), which differ by exactly 1/n (derivation in ``docs/methods.md``):
  ``"reflected"`` (default) — 1 − lower(n, 1 − θ), i.e. (r_p + 1 − α)/n: pass-rate and
  failure-rate funnels flag the same units and an in-control unit falls outside either limit with
  probability at most the nominal tail; ``"spiegelhalter2005"`` — (r_p − α)/n, the formula as
  printed in the appendix for both tails;
* ``"wilson"`` — inversion of the Wilson score interval (PHEindicatormethods
  ``calculate_funnel_limits(statistic = "proportion")``);
* ``"normal"`` — θ ± z√(θ(1 − θ)/n);
* ``"arcsine"`` — sin²(asin√θ ± z·s), s = 1/(2√n), the variance-stabilised scale
  (Spiegelhalter 2005 §3; R FunnelPlotR ``data_type = "PR"``).

Over-dispersion (:mod:`qualitykit.stats.overdispersion`): ``phi`` > 1 widens the limits
multiplicatively, ``tau2`` additively (random effects). For the proportion-scale methods the
distance of each *unclipped* limit from θ is stretched by √φ and only then clipped to [0, 1]; the
additive τ² is normal-based (``method="normal"``). For ``"arcsine"`` both act on the arcsine
scale: asin√θ ± z·√(φ·s² + τ²), with φ and τ² estimated from arcsine-scale z-scores.

Limit columns are named by level: 0.95 → ``lower_95`` / ``upper_95``, 0.998 → ``lower_998`` /
``upper_998``; flags ``flag_95`` … take ``"low"``, ``"within"``, ``"high"``. Poisson limits for
counts and standardised ratios: :mod:`qualitykit.stats.funnel_poisson`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.stats._checks import check_choice, check_levels, level_suffix
from qualitykit.stats._units import check_target, require_integer_batches, unit_counts
from qualitykit.stats.overdispersion import (
    Overdispersion,
    WinsorMethod,
    _overdispersion,
    check_winsor,
    unit_zscores,
)

__all__ = [
    "DEFAULT_LEVELS",
    "INTERPOLATIONS",
    "METHODS",
    "funnel_grid",
    "funnel_limits",
    "funnel_n_grid",
    "funnel_units",
    "interpolated_percentile",
]

FunnelMethod = Literal["spiegelhalter", "wilson", "normal", "arcsine"]
Interpolation = Literal["reflected", "spiegelhalter2005"]
Adjust = Literal["none", "phi", "tau2"]
AdjustWhen = Literal["significant", "always"]

DEFAULT_LEVELS: tuple[float, ...] = (0.95, 0.998)
"""Two-sided coverage of the inner ("alert", ≈2 SD) and outer ("alarm", ≈3 SD) funnel limits."""

METHODS: tuple[str, ...] = ("spiegelhalter", "wilson", "normal", "arcsine")
INTERPOLATIONS: tuple[str, ...] = ("reflected", "spiegelhalter2005")


# --------------------------------------------------------------------------------------------
# limits on the proportion scale (unclipped)
# --------------------------------------------------------------------------------------------


def interpolated_percentile(dist: stats.rv_discrete, p: float) -> tuple[np.ndarray, np.ndarray]:
    """r_p = smallest r with F(r) ≥ p and α = (F(r_p) − p)/f(r_p) for a frozen discrete ``dist``.

    The interpolated percentile of Spiegelhalter (2005, appendix A.1.1) is r_p − α; α ∈ [0, 1).
    """
    r = dist.ppf(p)
    cdf = dist.cdf(r)
    pmf = dist.pmf(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(pmf > 0, (cdf - p) / pmf, 0.0)
    return r, alpha


def _exact_binomial_limits(
    level: float, n: np.ndarray, theta: float, interpolation: str
) -> tuple[np.ndarray, np.ndarray]:
    """Interpolated exact binomial limits (proportions, unclipped); see the module docstring.

    Lower: (r_t − α_t)/n at the tail t = (1 − level)/2. Upper: ``"reflected"`` —
    1 − lower(n, 1 − θ) = (r_p + 1 − α_p)/n; ``"spiegelhalter2005"`` — (r_p − α_p)/n, p = 1 − t.
    """
    tail = (1.0 - level) / 2.0
    if theta <= 0.0 or theta >= 1.0:
        const = np.full(n.shape, theta)
        return const, const.copy()
    r, alpha = interpolated_percentile(stats.binom(n, theta), tail)
    lower = (r - alpha) / n
    if interpolation == "reflected":
        r_c, alpha_c = interpolated_percentile(stats.binom(n, 1.0 - theta), tail)
        upper = 1.0 - (r_c - alpha_c) / n
    else:
        r_u, alpha_u = interpolated_percentile(stats.binom(n, theta), 1.0 - tail)
        upper = (r_u - alpha_u) / n
    return lower, upper


def _wilson_inversion_limits(
    level: float, n: np.ndarray, theta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Observed proportions whose Wilson score interval has ``theta`` as its bound.

    Closed form of PHEindicatormethods ``sigma_adjustment()`` used by
    ``calculate_funnel_limits(statistic = "proportion")`` and ``assign_funnel_significance()``
    (Fingertips technical guidance).
    """
    z2 = stats.norm.ppf(1.0 - (1.0 - level) / 2.0) ** 2
    first = theta * (n / z2 + 1.0)
    disc = (-8.0 * theta * (n / z2 + 1.0)) ** 2 - 64.0 * (1.0 / z2 + 1.0 / n) * theta * (
        n * (theta * (n / z2 + 2.0) - 1.0) + z2 * (theta - 1.0)
    )
    adj = np.sqrt(np.maximum(disc, 0.0))
    last = 1.0 / z2 + 1.0 / n
    return (first - adj / 8.0) / last / n, (first + adj / 8.0) / last / n


def _normal_limits(
    level: float, n: np.ndarray, theta: float, tau2: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(1.0 - (1.0 - level) / 2.0)
    half = z * np.sqrt(theta * (1.0 - theta) / n + tau2)
    return theta - half, theta + half


def _arcsine_limits(
    level: float, n: np.ndarray, theta: float, phi: float, tau2: float
) -> tuple[np.ndarray, np.ndarray]:
    """sin²(asin√θ ∓ z·√(φ/(4n) + τ²)), the angle clipped to [0, π/2] (so limits stay monotone).

    R FunnelPlotR squares the sine of an angle outside [0, π/2] and then repairs the resulting
    non-monotone limits at small n by setting them to 0 or 1; clipping the angle gives 0 / 1
    directly.
    """
    z = stats.norm.ppf(1.0 - (1.0 - level) / 2.0)
    centre = math.asin(math.sqrt(theta))
    half = z * np.sqrt(phi / (4.0 * n) + tau2)
    lo = np.clip(centre - half, 0.0, math.pi / 2.0)
    hi = np.clip(centre + half, 0.0, math.pi / 2.0)
    return np.sin(lo) ** 2, np.sin(hi) ** 2


def _limits_matrix(
    n: np.ndarray,
    center: float,
    method: str,
    levels: tuple[float, ...],
    phi: float,
    tau2: float,
    interpolation: str = "reflected",
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for lev in levels:
        if method == "arcsine":
            lo, hi = _arcsine_limits(lev, n, center, phi, tau2)
        else:
            if tau2 > 0.0:
                lo, hi = _normal_limits(lev, n, center, tau2)
            elif method == "spiegelhalter":
                lo, hi = _exact_binomial_limits(lev, n, center, interpolation)
            elif method == "wilson":
                lo, hi = _wilson_inversion_limits(lev, n, center)
            else:
                lo, hi = _normal_limits(lev, n, center)
            if phi != 1.0:
                # multiplicative over-dispersion: stretch the distance of the unclipped limits
                # from the centre by √φ (Spiegelhalter 2005, QSHC 14:347), then clip
                root = math.sqrt(phi)
                lo = center - root * (center - lo)
                hi = center + root * (hi - center)
        sfx = level_suffix(lev)
        out[f"lower_{sfx}"] = np.clip(lo, 0.0, 1.0)
        out[f"upper_{sfx}"] = np.clip(hi, 0.0, 1.0)
    return out


def _check_phi_tau2(phi: object, tau2: object, method: str) -> tuple[float, float]:
    if isinstance(phi, bool) or not (
        isinstance(phi, int | float) and phi > 0 and math.isfinite(phi)
    ):
        raise ParameterError(f"phi: {phi!r} is not a positive dispersion factor")
    if isinstance(tau2, bool) or not (
        isinstance(tau2, int | float) and tau2 >= 0 and math.isfinite(tau2)
    ):
        raise ParameterError(f"tau2: {tau2!r} is not a non-negative variance")
    if tau2 > 0 and method not in ("normal", "arcsine"):
        raise ParameterError(
            "tau2: the additive random-effects limits are normal-based; pass method='normal' "
            "(proportion scale) or method='arcsine'"
        )
    return float(phi), float(tau2)


def funnel_limits(
    n: ArrayLike,
    center: float,
    *,
    method: FunnelMethod = "spiegelhalter",
    levels: float | Sequence[float] = DEFAULT_LEVELS,
    phi: float = 1.0,
    tau2: float = 0.0,
    interpolation: Interpolation = "reflected",
) -> pd.DataFrame:
    """Funnel-plot control limits for a proportion at each denominator ``n``.

    ``method`` and ``interpolation`` as in the module docstring (``interpolation`` only matters
    for ``"spiegelhalter"``). ``phi`` > 1 widens every limit multiplicatively (the √φ stretch is
    applied before clipping; on the arcsine scale for ``"arcsine"``); ``tau2`` > 0 gives the
    additive random-effects limits θ ± z√(θ(1−θ)/n + τ²) (``method="normal"``) or
    sin²(asin√θ ± z√(1/(4n) + τ²)) (``method="arcsine"``, τ² on the arcsine scale). Limits are
    clipped to [0, 1].

    ============ ==========================================================
    column       meaning
    ============ ==========================================================
    n            denominator (batches)
    center       the target θ the limits are drawn around
    lower_<lev>  lower limit (proportion) at coverage ``lev``, e.g. lower_95
    upper_<lev>  upper limit, e.g. upper_998
    ============ ==========================================================
    """
    method = check_choice(method, "method", METHODS)  # type: ignore[assignment]
    interpolation = check_choice(interpolation, "interpolation", INTERPOLATIONS)  # type: ignore[assignment]
    levs = check_levels(levels)
    c = check_target(center)
    if c is None:
        raise ParameterError("center: give the target proportion the limits are drawn around")
    phi_f, tau2_f = _check_phi_tau2(phi, tau2, method)
    nn = np.asarray(n, dtype=float).ravel()
    if nn.size and (not np.all(np.isfinite(nn)) or np.any(nn <= 0)):
        raise ParameterError("n: denominators must be finite and greater than zero")
    if method == "spiegelhalter" and np.any(nn != np.round(nn)):
        raise ParameterError("n: exact binomial limits need integer denominators")
    cols = _limits_matrix(nn, c, method, levs, phi_f, tau2_f, interpolation)
    return pd.DataFrame({"n": nn, "center": np.full(nn.shape, c), **cols})


def _digits(x: float) -> int:
    return len(str(int(x)))


def funnel_n_grid(min_n: float, max_n: float, points: int = 100) -> np.ndarray:
    """Denominators for drawing funnel lines, as PHEindicatormethods ``calculate_funnel_limits``.

    The axis starts at 0 (first point n = 1) when max_n > 2·min_n, otherwise at min_n·0.95 rounded
    down to its leading digit; it ends at max_n·1.05 rounded up to two significant digits. Points
    grow geometrically (rounded, strictly increasing), so small n — where the funnel bends — are
    dense. (Digits are counted exactly; R's ``nchar()`` sees 100000 as "1e+05", so PHE's axis can
    differ for maxima whose 1.05-multiple is a round power of ten.)
    """
    if not (points >= 2 and int(points) == points):
        raise ParameterError(f"points: {points!r} is not an integer ≥ 2")
    if not (0 < min_n <= max_n and math.isfinite(max_n)):
        raise ParameterError(f"min_n, max_n: ({min_n!r}, {max_n!r}) is not a valid range")
    if max_n > 2 * min_n:
        axis_min = 0.0
    else:
        x = math.floor(min_n * 0.95)
        e = _digits(x) - 1
        axis_min = math.floor(min_n * 0.95 / 10**e) * 10**e if x > 0 else 0.0
    x = math.ceil(max_n * 1.05)
    e = _digits(x) - 2
    axis_max = math.ceil(max_n * 1.05 / 10.0**e) * 10.0**e
    grid = np.empty(int(points))
    grid[0] = max(1.0, axis_min)
    for j in range(1, int(points)):  # 100 sequential steps, independent of the number of units
        prev = grid[j - 1]
        step = (axis_max / prev) ** (1.0 / (points - j)) * prev
        grid[j] = max(float(np.round(step)), prev + 1.0)
    return grid


# --------------------------------------------------------------------------------------------
# funnel tables
# --------------------------------------------------------------------------------------------


def _resolve_adjustment(
    batches: np.ndarray,
    passed: np.ndarray,
    theta: float,
    method: str,
    adjust: str,
    adjust_when: str,
    winsor: float,
    winsor_method: str,
) -> tuple[float, float, Overdispersion | None]:
    adjust = check_choice(adjust, "adjust", ("none", "phi", "tau2"))
    adjust_when = check_choice(adjust_when, "adjust_when", ("significant", "always"))
    if adjust == "none":
        return 1.0, 0.0, None
    if adjust == "tau2" and method not in ("normal", "arcsine"):
        raise ParameterError(
            "adjust='tau2': the additive random-effects limits are normal-based; "
            "pass method='normal' (proportion scale) or method='arcsine'"
        )
    winsor, how = check_winsor(winsor, winsor_method)
    scale = "arcsine" if method == "arcsine" else "proportion"
    od = _overdispersion(batches, passed, theta, winsor, how, scale)
    apply = od.overdispersed or adjust_when == "always"
    if not apply or not math.isfinite(od.phi):
        return 1.0, 0.0, od
    if adjust == "phi":
        return od.phi, 0.0, od
    return 1.0, od.tau2, od


def funnel_grid(
    units: pd.DataFrame,
    *,
    method: FunnelMethod = "spiegelhalter",
    levels: float | Sequence[float] = DEFAULT_LEVELS,
    target: float | None = None,
    points: int = 100,
    adjust: Adjust = "none",
    adjust_when: AdjustWhen = "significant",
    winsor: float = 0.1,
    winsor_method: WinsorMethod = "rank",
    interpolation: Interpolation = "reflected",
) -> pd.DataFrame:
    """Funnel lines for plotting: limits on a grid of n spanning the units' batches.

    The grid is :func:`funnel_n_grid` (PHEindicatormethods ``calculate_funnel_limits`` axis); the
    centre is ``target`` or the pooled pass rate. ``adjust`` = ``"phi"`` / ``"tau2"`` inflates the
    lines for over-dispersion (see :func:`funnel_units`). Columns as :func:`funnel_limits`:
    ``n, center, lower_95, upper_95, lower_998, upper_998`` (one pair per level).
    """
    batches, passed = unit_counts(units)
    theta = check_target(target)
    if theta is None:
        theta = float(passed.sum() / batches.sum())
    method = check_choice(method, "method", METHODS)  # type: ignore[assignment]
    phi, tau2, _ = _resolve_adjustment(
        batches, passed, theta, method, adjust, adjust_when, winsor, winsor_method
    )
    grid = funnel_n_grid(float(batches.min()), float(batches.max()), points)
    return funnel_limits(
        grid,
        theta,
        method=method,
        levels=levels,
        phi=phi,
        tau2=tau2,
        interpolation=interpolation,
    )


def funnel_units(
    units: pd.DataFrame,
    *,
    method: FunnelMethod = "spiegelhalter",
    levels: float | Sequence[float] = DEFAULT_LEVELS,
    target: float | None = None,
    adjust: Adjust = "none",
    adjust_when: AdjustWhen = "significant",
    winsor: float = 0.1,
    winsor_method: WinsorMethod = "rank",
    interpolation: Interpolation = "reflected",
) -> pd.DataFrame:
    """Each unit against the funnel: z-score, limits at its own n, flags and significance band.

    Limits as :func:`funnel_limits` (``method``, ``interpolation``); the centre is ``target`` or
    the pooled pass rate. ``adjust="phi"`` inflates limits by √φ, ``adjust="tau2"`` uses
    θ ± z √(s² + τ²) (``method="normal"``; on the arcsine scale for ``method="arcsine"``); with
    ``adjust_when="significant"`` (default) only when k·φ exceeds the 95 % point of χ²_{k−1}, with
    ``"always"`` unconditionally (Spiegelhalter 2005, QSHC 14:347). φ and τ² are estimated on the
    scale of the method (:func:`qualitykit.stats.overdispersion.overdispersion`, ``scale=``
    ``"arcsine"`` for the arcsine funnel). The :class:`Overdispersion` used is in
    ``result.attrs["overdispersion"]`` (a dict).

    Columns: the input columns, then

    ============= ======================================================================
    column        meaning
    ============= ======================================================================
    pass_rate     passed / batches
    center        target θ
    z             (pass_rate − θ) / √(θ(1−θ)/batches); for ``method="arcsine"`` the
                  arcsine-scale 2√batches·(asin√pass_rate − asin√θ)
    z_adjusted    z / √φ, or the deviation over √(s² + τ²) when adjusted; else = z
    lower_<lev>   limit at the unit's batches (per level, e.g. lower_95, upper_998)
    flag_<lev>    ``"low"`` (< lower), ``"high"`` (> upper) or ``"within"``
    significance  PHE band: ``"High (0.001)"``, ``"High (0.025)"``, ``"Low (0.025)"``,
                  ``"Low (0.001)"`` or ``"Not significant"`` — the most extreme level
                  crossed (as PHEindicatormethods ``assign_funnel_significance()``)
    ============= ======================================================================
    """
    batches, passed = unit_counts(units)
    method = check_choice(method, "method", METHODS)  # type: ignore[assignment]
    interpolation = check_choice(interpolation, "interpolation", INTERPOLATIONS)  # type: ignore[assignment]
    levs = check_levels(levels)
    if method == "spiegelhalter":
        require_integer_batches(batches, "method='spiegelhalter' (exact binomial limits)")
    theta = check_target(target)
    if theta is None:
        theta = float(passed.sum() / batches.sum())
    phi, tau2, od = _resolve_adjustment(
        batches, passed, theta, method, adjust, adjust_when, winsor, winsor_method
    )
    rate = passed / batches
    scale = "arcsine" if method == "arcsine" else "proportion"
    z, s = unit_zscores(batches, passed, theta, scale)
    if not 0.0 < theta < 1.0:
        warnings.warn(
            f"funnel_units: target {theta:g} is 0 or 1, z-scores are undefined",
            QualityKitWarning,
            stacklevel=2,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        z_adj = z * s / np.sqrt(s**2 + tau2) / math.sqrt(phi)
    lims = _limits_matrix(batches, theta, method, levs, phi, tau2, interpolation)

    out = units.copy()
    out["pass_rate"] = rate
    out["center"] = theta
    out["z"] = z
    out["z_adjusted"] = z_adj
    for key, val in lims.items():
        out[key] = val
    band = np.full(rate.shape, "Not significant", dtype=object)
    for lev in levs:  # ascending: a later (wider) level overrides a narrower one
        sfx = level_suffix(lev)
        lo, hi = lims[f"lower_{sfx}"], lims[f"upper_{sfx}"]
        flag = np.where(rate < lo, "low", np.where(rate > hi, "high", "within"))
        out[f"flag_{sfx}"] = pd.Series(flag, index=out.index, dtype="string")
        tail = f"{(1.0 - lev) / 2.0:g}"
        band = np.where(rate < lo, f"Low ({tail})", np.where(rate > hi, f"High ({tail})", band))
    out["significance"] = pd.Series(band, index=out.index, dtype="string")
    out.attrs["overdispersion"] = None if od is None else asdict(od)
    return out
