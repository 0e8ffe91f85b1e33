"""Fair benchmarking of units (districts) with very different numbers of batches.

Funnel plots with exact binomial, Wilson-inversion and normal limits, overdispersion (φ and τ²),
intervals on ranks, empirical-Bayes beta-binomial shrinkage and the "k percentage points above
the parent average" target of the Chenzhou programme (郴政发〔2010〕4号).

Every function takes a plain ``units`` DataFrame with one row per unit and the columns

========== ===============================================================================
column     meaning
========== ===============================================================================
batches    number of sampled batches (抽查批次), > 0
passed     number of batches that passed (合格批次), 0 ≤ passed ≤ batches; a table with
           ``nonconforming`` instead of ``passed`` is accepted (passed = batches − nonconforming)
(others)   any label columns (``region_code``, names …) — passed through unchanged
========== ===============================================================================

The analysed proportion is the batch pass rate ``passed / batches``. All methods below are
symmetric in pass / fail (the exact limits of a pass rate are one minus the limits of the
nonconformity rate), so an analysis of ``nc_rate`` gives mirrored results. Counts may be
non-integer for the Wilson and normal methods (published indicators sometimes are); the exact
binomial limits and binomial resampling need integer ``batches``.

Limit columns are named by level: 0.95 → ``lower_95`` / ``upper_95``, 0.998 → ``lower_998`` /
``upper_998``, 0.99 → ``lower_99`` …; flags ``flag_95`` … take ``"low"``, ``"within"``,
``"high"``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

from qualitykit.errors import (
    InputError,
    NoDataError,
    ParameterError,
    Problem,
    QualityKitWarning,
)
from qualitykit.stats.metrics import newcombe_diff_ci

__all__ = [
    "DEFAULT_LEVELS",
    "BetaBinomialFit",
    "VERDICTS",
    "Overdispersion",
    "eb_shrinkage",
    "fit_beta_binomial",
    "funnel_grid",
    "funnel_limits",
    "funnel_n_grid",
    "funnel_units",
    "level_suffix",
    "overdispersion",
    "pooled_rate",
    "rank_intervals",
    "relative_target",
]

FunnelMethod = Literal["spiegelhalter", "wilson", "normal"]
Adjust = Literal["none", "phi", "tau2"]
AdjustWhen = Literal["significant", "always"]

DEFAULT_LEVELS: tuple[float, ...] = (0.95, 0.998)
"""Two-sided coverage of the inner ("alert", ≈2 SD) and outer ("alarm", ≈3 SD) funnel limits."""

_METHODS = ("spiegelhalter", "wilson", "normal")

VERDICTS: tuple[str, ...] = (
    "met with confidence",
    "met (point estimate)",
    "not met",
    "not met with confidence",
)


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def level_suffix(level: float) -> str:
    """Column suffix of a coverage level: 0.95 → ``"95"``, 0.998 → ``"998"``, 0.9 → ``"90"``."""
    return f"{level * 100:.10g}".replace(".", "")


def _check_levels(levels: float | Sequence[float]) -> tuple[float, ...]:
    levs = (levels,) if isinstance(levels, int | float) else tuple(levels)
    if not levs:
        raise ParameterError("levels: give at least one coverage level, e.g. (0.95, 0.998)")
    for lev in levs:
        if not (isinstance(lev, int | float) and 0.0 < float(lev) < 1.0):
            raise ParameterError(
                f"levels: {lev!r} is not a coverage level strictly between 0 and 1"
            )
    if len({level_suffix(v) for v in levs}) != len(levs):
        raise ParameterError(f"levels: {levs!r} contains duplicates")
    return tuple(sorted(float(v) for v in levs))


def _check_level(level: float, name: str = "level") -> float:
    if not (isinstance(level, int | float) and 0.0 < float(level) < 1.0):
        raise ParameterError(f"{name}: {level!r} is not a coverage level strictly between 0 and 1")
    return float(level)


def _check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ParameterError(f"{name}: {value!r} is not one of {', '.join(map(repr, choices))}")
    return str(value)


def _check_target(target: float | None) -> float | None:
    if target is None:
        return None
    if not (isinstance(target, int | float) and 0.0 <= float(target) <= 1.0):
        raise ParameterError(f"target: {target!r} is not a proportion in [0, 1]")
    return float(target)


def _counts(units: pd.DataFrame, source: str = "units") -> tuple[np.ndarray, np.ndarray]:
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


def _require_integer_batches(batches: np.ndarray, what: str) -> None:
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
    batches, passed = _counts(units)
    return float(passed.sum() / batches.sum())


# --------------------------------------------------------------------------------------------
# funnel limits
# --------------------------------------------------------------------------------------------


def _spiegelhalter_lower(tail: float, n: np.ndarray, theta: float) -> np.ndarray:
    """Interpolated lower binomial percentile (r_p − α)/n, Spiegelhalter (2005) appendix A.1.1."""
    r = stats.binom.ppf(tail, n, theta)
    cdf = stats.binom.cdf(r, n, theta)
    pmf = stats.binom.pmf(r, n, theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(pmf > 0, (cdf - tail) / pmf, 0.0)
    return (r - alpha) / n


def _spiegelhalter_limits(
    level: float, n: np.ndarray, theta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial control limits with Spiegelhalter's interpolation.

    Lower: r_p = smallest r with F(r) ≥ p, α = (F(r_p) − p) / f(r_p), limit (r_p − α)/n, i.e. the
    inverse of the binomial CDF interpolated linearly between integers (Spiegelhalter 2005, Stat
    Med 24:1185, appendix). Upper: the same construction on the upper tail, (r + 1 − α)/n with
    r = F⁻¹(1 − p) — identical to one minus the lower limit of the complementary proportion, as
    in Spiegelhalter's R ``qbinom.interp(tail = "upper")``. This keeps the limits symmetric in
    pass / fail and monotone in n (the naive (r − α)/n at 1 − p is neither).
    """
    tail = (1.0 - level) / 2.0
    if theta <= 0.0 or theta >= 1.0:
        const = np.full(n.shape, theta)
        return const, const.copy()
    lower = _spiegelhalter_lower(tail, n, theta)
    upper = 1.0 - _spiegelhalter_lower(tail, n, 1.0 - theta)
    return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)


def _wilson_inversion_limits(
    level: float, n: np.ndarray, theta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Observed proportions whose Wilson score interval has ``theta`` as its bound.

    Closed form of PHEindicatormethods ``sigma_adjustment()`` used by
    ``calculate_funnel_limits(statistic = "proportion")`` and ``assign_funnel_significance()``
    (Fingertips technical guidance); clipped to [0, 1].
    """
    z2 = stats.norm.ppf(1.0 - (1.0 - level) / 2.0) ** 2
    first = theta * (n / z2 + 1.0)
    disc = (-8.0 * theta * (n / z2 + 1.0)) ** 2 - 64.0 * (1.0 / z2 + 1.0 / n) * theta * (
        n * (theta * (n / z2 + 2.0) - 1.0) + z2 * (theta - 1.0)
    )
    adj = np.sqrt(np.maximum(disc, 0.0))
    last = 1.0 / z2 + 1.0 / n
    lower = (first - adj / 8.0) / last / n
    upper = (first + adj / 8.0) / last / n
    return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)


def _normal_limits(
    level: float, n: np.ndarray, theta: float, tau2: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(1.0 - (1.0 - level) / 2.0)
    half = z * np.sqrt(theta * (1.0 - theta) / n + tau2)
    return np.clip(theta - half, 0.0, 1.0), np.clip(theta + half, 0.0, 1.0)


def _limits_matrix(
    n: np.ndarray,
    center: float,
    method: str,
    levels: tuple[float, ...],
    phi: float,
    tau2: float,
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for lev in levels:
        if tau2 > 0.0:
            lo, hi = _normal_limits(lev, n, center, tau2)
        elif method == "spiegelhalter":
            lo, hi = _spiegelhalter_limits(lev, n, center)
        elif method == "wilson":
            lo, hi = _wilson_inversion_limits(lev, n, center)
        else:
            lo, hi = _normal_limits(lev, n, center)
        if phi != 1.0:
            # multiplicative over-dispersion: stretch the distance from the centre by √φ
            # (Spiegelhalter 2005, QSHC 14:347)
            root = math.sqrt(phi)
            lo = np.clip(center - root * (center - lo), 0.0, 1.0)
            hi = np.clip(center + root * (hi - center), 0.0, 1.0)
        sfx = level_suffix(lev)
        out[f"lower_{sfx}"] = lo
        out[f"upper_{sfx}"] = hi
    return out


def funnel_limits(
    n: ArrayLike,
    center: float,
    *,
    method: FunnelMethod = "spiegelhalter",
    levels: float | Sequence[float] = DEFAULT_LEVELS,
    phi: float = 1.0,
    tau2: float = 0.0,
) -> pd.DataFrame:
    """Funnel-plot control limits for a proportion at each denominator ``n``.

    Methods: ``"spiegelhalter"`` — exact binomial percentiles with interpolation (Spiegelhalter
    2005, Stat Med 24:1185, appendix A.1.1; APHO/ERPHO funnel tools); ``"wilson"`` — inversion of
    the Wilson score interval (PHEindicatormethods ``calculate_funnel_limits(statistic =
    "proportion")``); ``"normal"`` — θ ± z √(θ(1−θ)/n). ``phi`` > 1 stretches every limit's
    distance from the centre by √φ; ``tau2`` > 0 gives the additive random-effects limits
    θ ± z √(θ(1−θ)/n + τ²) (normal-based, so only with ``method="normal"``). Limits are clipped to
    [0, 1].

    ============ ==========================================================
    column       meaning
    ============ ==========================================================
    n            denominator (batches)
    center       the target θ the limits are drawn around
    lower_<lev>  lower limit (proportion) at coverage ``lev``, e.g. lower_95
    upper_<lev>  upper limit, e.g. upper_998
    ============ ==========================================================
    """
    method = _check_choice(method, "method", _METHODS)  # type: ignore[assignment]
    levs = _check_levels(levels)
    c = _check_target(center)
    if c is None:
        raise ParameterError("center: give the target proportion the limits are drawn around")
    if not (isinstance(phi, int | float) and phi > 0 and math.isfinite(phi)):
        raise ParameterError(f"phi: {phi!r} is not a positive dispersion factor")
    if not (isinstance(tau2, int | float) and tau2 >= 0 and math.isfinite(tau2)):
        raise ParameterError(f"tau2: {tau2!r} is not a non-negative variance")
    if tau2 > 0 and method != "normal":
        raise ParameterError(
            "tau2: the additive random-effects limits are normal-based; pass method='normal'"
        )
    nn = np.asarray(n, dtype=float).ravel()
    if nn.size and (not np.all(np.isfinite(nn)) or np.any(nn <= 0)):
        raise ParameterError("n: denominators must be finite and greater than zero")
    if method == "spiegelhalter" and np.any(nn != np.round(nn)):
        raise ParameterError("n: exact binomial limits need integer denominators")
    cols = _limits_matrix(nn, c, method, levs, float(phi), float(tau2))
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
# overdispersion
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overdispersion:
    """Over-dispersion of units around a target (Spiegelhalter 2005, QSHC 14:347 and Stat Med).

    ``phi`` = Σ z_w² / k from winsorised z-scores; ``statistic`` = k·φ is compared with χ² on
    ``df`` = k − 1 (``p_value``, ``overdispersed`` at 5 %); ``tau2`` is the DerSimonian–Laird
    between-unit variance (proportion² scale) from the same winsorised statistic.
    """

    k: int
    target: float
    phi: float
    statistic: float
    df: int
    p_value: float
    overdispersed: bool
    tau2: float
    winsor: float
    winsor_method: str

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame of the fields."""
        return pd.DataFrame([asdict(self)])


def _winsorise(z: np.ndarray, winsor: float, how: str) -> np.ndarray:
    """Winsorise z-scores at ``winsor`` (fraction) in each tail.

    ``"rank"``: the ⌊k·w⌋ most extreme values at each end are set to the nearest retained value —
    Spiegelhalter's R ``winsorise()`` (winlow = trunc(k·w) + 1). ``"quantile"``: values are clipped
    to the w and 1 − w sample quantiles (type 7), as R FunnelPlotR ``winsorisation()``.
    """
    if winsor == 0 or z.size == 0:
        return z.copy()
    if how == "quantile":
        lo, hi = np.quantile(z, [winsor, 1.0 - winsor])
        return np.clip(z, lo, hi)
    k = z.size
    m = int(math.floor(k * winsor + 1e-9))
    if m == 0:
        return z.copy()
    s = np.sort(z)
    return np.clip(z, s[m], s[k - 1 - m])


def _zscores(
    batches: np.ndarray, passed: np.ndarray, theta: float
) -> tuple[np.ndarray, np.ndarray]:
    s = np.sqrt(theta * (1.0 - theta) / batches)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (passed / batches - theta) / s
    return z, s


def _overdispersion(
    batches: np.ndarray,
    passed: np.ndarray,
    theta: float,
    winsor: float,
    winsor_method: str,
) -> Overdispersion:
    k = batches.size
    if not 0.0 < theta < 1.0:
        warnings.warn(
            f"overdispersion: target {theta:g} is 0 or 1, z-scores are undefined; φ and τ² are NaN",
            QualityKitWarning,
            stacklevel=3,
        )
        nan = float("nan")
        return Overdispersion(k, theta, nan, nan, k - 1, nan, False, nan, winsor, winsor_method)
    if k < 2:
        warnings.warn(
            "overdispersion: needs at least 2 units; φ and τ² are NaN",
            QualityKitWarning,
            stacklevel=3,
        )
        nan = float("nan")
        return Overdispersion(k, theta, nan, nan, k - 1, nan, False, nan, winsor, winsor_method)
    z, s = _zscores(batches, passed, theta)
    zw = _winsorise(z, winsor, winsor_method)
    phi = float(np.mean(zw**2))
    stat = k * phi
    df = k - 1
    p = float(stats.chi2.sf(stat, df))
    w = 1.0 / s**2
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (stat - df) / denom) if stat > df and denom > 0 else 0.0
    crit = float(stats.chi2.ppf(0.95, df))
    return Overdispersion(
        k, theta, phi, stat, df, p, bool(stat > crit), float(tau2), winsor, winsor_method
    )


def overdispersion(
    units: pd.DataFrame,
    *,
    target: float | None = None,
    winsor: float = 0.1,
    winsor_method: Literal["rank", "quantile"] = "rank",
) -> Overdispersion:
    """Multiplicative φ and additive τ² over-dispersion of unit pass rates around a target.

    z_i = (y_i − θ) / √(θ(1−θ)/n_i); winsorise 10 % at each end; φ = Σ z_w² / k; test k·φ against
    χ²_{k−1}; τ² = (k·φ − (k−1)) / (Σw_i − Σw_i²/Σw_i), w_i = 1/s_i², 0 if k·φ ≤ k − 1
    (DerSimonian & Laird 1986 on winsorised z; Spiegelhalter 2005, Stat Med 24:1185 §5 and QSHC
    14:347; R FunnelPlotR ``phi_func`` / ``tau_func``). ``target`` defaults to the pooled rate.
    """
    batches, passed = _counts(units)
    theta = _check_target(target)
    if theta is None:
        theta = float(passed.sum() / batches.sum())
    if not (isinstance(winsor, int | float) and 0.0 <= winsor < 0.5):
        raise ParameterError(f"winsor: {winsor!r} is not a fraction in [0, 0.5)")
    how = _check_choice(winsor_method, "winsor_method", ("rank", "quantile"))
    return _overdispersion(batches, passed, theta, float(winsor), how)


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
    adjust = _check_choice(adjust, "adjust", ("none", "phi", "tau2"))
    adjust_when = _check_choice(adjust_when, "adjust_when", ("significant", "always"))
    if adjust == "none":
        return 1.0, 0.0, None
    if adjust == "tau2" and method != "normal":
        raise ParameterError(
            "adjust='tau2': the additive random-effects limits are normal-based; "
            "pass method='normal'"
        )
    if not (isinstance(winsor, int | float) and 0.0 <= winsor < 0.5):
        raise ParameterError(f"winsor: {winsor!r} is not a fraction in [0, 0.5)")
    how = _check_choice(winsor_method, "winsor_method", ("rank", "quantile"))
    od = _overdispersion(batches, passed, theta, float(winsor), how)
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
    winsor_method: Literal["rank", "quantile"] = "rank",
) -> pd.DataFrame:
    """Funnel lines for plotting: limits on a grid of n spanning the units' batches.

    The grid is :func:`funnel_n_grid` (PHEindicatormethods ``calculate_funnel_limits`` axis); the
    centre is ``target`` or the pooled pass rate. ``adjust`` = ``"phi"`` / ``"tau2"`` inflates the
    lines for over-dispersion (see :func:`funnel_units`). Columns as :func:`funnel_limits`:
    ``n, center, lower_95, upper_95, lower_998, upper_998`` (one pair per level).
    """
    batches, passed = _counts(units)
    theta = _check_target(target)
    if theta is None:
        theta = float(passed.sum() / batches.sum())
    method = _check_choice(method, "method", _METHODS)  # type: ignore[assignment]
    phi, tau2, _ = _resolve_adjustment(
        batches, passed, theta, method, adjust, adjust_when, winsor, winsor_method
    )
    grid = funnel_n_grid(float(batches.min()), float(batches.max()), points)
    return funnel_limits(grid, theta, method=method, levels=levels, phi=phi, tau2=tau2)


def funnel_units(
    units: pd.DataFrame,
    *,
    method: FunnelMethod = "spiegelhalter",
    levels: float | Sequence[float] = DEFAULT_LEVELS,
    target: float | None = None,
    adjust: Adjust = "none",
    adjust_when: AdjustWhen = "significant",
    winsor: float = 0.1,
    winsor_method: Literal["rank", "quantile"] = "rank",
) -> pd.DataFrame:
    """Each unit against the funnel: z-score, limits at its own n, flags and significance band.

    Limits as :func:`funnel_limits` (``method``); the centre is ``target`` or the pooled pass rate.
    ``adjust="phi"`` inflates limits by √φ, ``adjust="tau2"`` uses θ ± z √(s_i² + τ²)
    (``method="normal"`` only); with ``adjust_when="significant"`` (default) only when k·φ exceeds
    the 95 % point of χ²_{k−1}, with ``"always"`` unconditionally (Spiegelhalter 2005, QSHC
    14:347). The :class:`Overdispersion` used is in ``result.attrs["overdispersion"]`` (a dict).

    Columns: the input columns, then

    ============= ======================================================================
    column        meaning
    ============= ======================================================================
    pass_rate     passed / batches
    center        target θ
    z             (pass_rate − θ) / √(θ(1−θ)/batches)
    z_adjusted    z / √φ, or (pass_rate − θ) / √(s² + τ²) when adjusted; else = z
    lower_<lev>   limit at the unit's batches (per level, e.g. lower_95, upper_998)
    flag_<lev>    ``"low"`` (< lower), ``"high"`` (> upper) or ``"within"``
    significance  PHE band: ``"High (0.001)"``, ``"High (0.025)"``, ``"Low (0.025)"``,
                  ``"Low (0.001)"`` or ``"Not significant"`` — the most extreme level
                  crossed (as PHEindicatormethods ``assign_funnel_significance()``)
    ============= ======================================================================
    """
    batches, passed = _counts(units)
    method = _check_choice(method, "method", _METHODS)  # type: ignore[assignment]
    levs = _check_levels(levels)
    if method == "spiegelhalter":
        _require_integer_batches(batches, "method='spiegelhalter' (exact binomial limits)")
    theta = _check_target(target)
    if theta is None:
        theta = float(passed.sum() / batches.sum())
    phi, tau2, od = _resolve_adjustment(
        batches, passed, theta, method, adjust, adjust_when, winsor, winsor_method
    )
    rate = passed / batches
    z, s = _zscores(batches, passed, theta)
    if not 0.0 < theta < 1.0:
        warnings.warn(
            f"funnel_units: target {theta:g} is 0 or 1, z-scores are undefined",
            QualityKitWarning,
            stacklevel=2,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        z_adj = (rate - theta) / np.sqrt(s**2 + tau2) / math.sqrt(phi)
    lims = _limits_matrix(batches, theta, method, levs, phi, tau2)

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


# --------------------------------------------------------------------------------------------
# rank intervals
# --------------------------------------------------------------------------------------------


def _rank_rows(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Average ranks (1 = best) of each row of ``values``; ties share the mean rank."""
    key = -values if higher_is_better else values
    return stats.rankdata(key, axis=-1, method="average")


def rank_intervals(
    units: pd.DataFrame,
    *,
    draws: int = 1000,
    seed: int | np.random.Generator | None = 0,
    level: float = 0.95,
    method: Literal["beta", "binomial"] = "beta",
    prior: tuple[float, float] = (0.5, 0.5),
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """Intervals on league-table ranks by simulation (Goldstein & Spiegelhalter 1996, JRSS A
    159:385; Marshall & Spiegelhalter 1998, BMJ 316:1701).

    Each draw samples every unit's true rate — ``"beta"``: from its Beta(passed + a,
    batches − passed + b) posterior (Jeffreys prior a = b = ½ by default); ``"binomial"``: a
    parametric bootstrap passed* ~ Bin(batches, pass_rate) — and ranks the units (1 = best, ties
    averaged). The interval is the equal-tailed ``level`` range of each unit's simulated ranks;
    deterministic for a given ``seed``.

    Columns: the input columns, then

    ============= ===============================================================
    column        meaning
    ============= ===============================================================
    pass_rate     passed / batches
    rank_observed rank of the observed pass rate (1 = best; ties share the lowest)
    rank          median simulated rank (the point rank of the interval)
    rank_lower    lower end (best rank) of the ``level`` interval
    rank_upper    upper end (worst rank) of the ``level`` interval
    ============= ===============================================================
    """
    batches, passed = _counts(units)
    lev = _check_level(level)
    how = _check_choice(method, "method", ("beta", "binomial"))
    if not (isinstance(draws, int | np.integer) and draws >= 1):
        raise ParameterError(f"draws: {draws!r} is not a positive integer")
    a, b = prior
    if not (a > 0 and b > 0):
        raise ParameterError(f"prior: {prior!r} must be two positive Beta parameters")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    k = batches.size
    if how == "beta":
        sims = rng.beta(passed + a, batches - passed + b, size=(int(draws), k))
    else:
        _require_integer_batches(batches, "method='binomial' (binomial resampling)")
        nn = batches.astype(np.int64)
        sims = rng.binomial(nn, passed / batches, size=(int(draws), k)) / batches
    ranks = _rank_rows(sims, higher_is_better)
    tail = (1.0 - lev) / 2.0
    q = np.quantile(ranks, [tail, 0.5, 1.0 - tail], axis=0, method="inverted_cdf")
    rate = passed / batches
    observed = stats.rankdata(-rate if higher_is_better else rate, method="min")
    out = units.copy()
    out["pass_rate"] = rate
    out["rank_observed"] = observed.astype(np.int64)
    out["rank"] = q[1]
    out["rank_lower"] = q[0]
    out["rank_upper"] = q[2]
    return out


# --------------------------------------------------------------------------------------------
# empirical-Bayes shrinkage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BetaBinomialFit:
    """Beta(α, β) prior of unit pass rates fitted from the units themselves."""

    alpha: float
    beta: float
    method: str
    loglik: float
    converged: bool
    bounded: bool = False
    """The fit was degenerate and α, β were raised to the floor (see :func:`fit_beta_binomial`)."""

    @property
    def mean(self) -> float:
        """Prior mean α / (α + β)."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def precision(self) -> float:
        """α + β (the prior's weight in 'pseudo-batches')."""
        return self.alpha + self.beta


_MAX_PRECISION = 1e9
_MIN_SHAPE = 0.05
"""Floor of α and β. Below it a Beta posterior of a unit with no (or only) failures piles so much
mass at 0 (or 1) that its equal-tailed interval can miss its own mean; at α, β ≥ 0.05 the mean has
at most 88.3 % of the posterior on either side, so every interval of level ≥ 0.77 contains it."""


def _floor_shapes(a: float, b: float) -> tuple[float, float, bool]:
    """Keep the prior mean and raise α + β until min(α, β) = ``_MIN_SHAPE`` (with a warning)."""
    if min(a, b) >= _MIN_SHAPE:
        return a, b, False
    m = a / (a + b)
    big = _MIN_SHAPE / min(m, 1.0 - m)
    warnings.warn(
        f"fit_beta_binomial: degenerate prior (alpha = {a:.3g}, beta = {b:.3g}): the units look "
        "all-pass or all-fail (e.g. one or two batches each), so the fit puts the true rates at "
        f"0 and 1; keeping the prior mean {m:.4g}, alpha + beta is raised so that "
        f"min(alpha, beta) = {_MIN_SHAPE:g}",
        QualityKitWarning,
        stacklevel=3,
    )
    return m * big, (1.0 - m) * big, True


def _bb_loglik(a: float, b: float, x: np.ndarray, n: np.ndarray) -> float:
    """Beta-binomial log-likelihood without the binomial coefficient (constant in α, β)."""
    return float(np.sum(special.betaln(x + a, n - x + b) - special.betaln(a, b)))


def _moments_fit(x: np.ndarray, n: np.ndarray) -> tuple[float, float] | None:
    p = x / n
    if p.size < 2:
        return None
    m = float(p.mean())
    v = float(p.var(ddof=1))
    if not 0.0 < m < 1.0 or v <= 0.0 or v >= m * (1.0 - m):
        return None
    c = m * (1.0 - m) / v - 1.0
    return m * c, (1.0 - m) * c


def fit_beta_binomial(
    units: pd.DataFrame, *, method: Literal["mle", "moments"] = "mle"
) -> BetaBinomialFit:
    """Fit the Beta(α, β) distribution of true pass rates (the empirical-Bayes prior).

    ``"mle"``: marginal (type-II) maximum likelihood of the beta-binomial model, maximised over
    (logit mean, log(α+β)) with analytic gradients (e.g. Kahn & Raftery 1996; Efron 2010 ch. 1;
    R BayesGOF ``gMLE.bb``). ``"moments"``: match the mean and variance of the observed rates,
    ignoring binomial noise (Gelman et al., BDA3 §5.1, p. 102) — quick but under-shrinks. When the
    units show no extra-binomial variation the MLE runs to α + β → ∞ (complete pooling); it is
    capped at 1e9 with a :class:`QualityKitWarning`.

    The opposite degenerate case — α or β → 0, a prior with all its mass at 0 and 1, which the
    MLE approaches when every unit passes all or none of very few batches — gives posteriors whose
    intervals miss their own means. Either method therefore keeps the fitted mean and raises
    α + β until min(α, β) = 0.05 (``bounded=True``, with a :class:`QualityKitWarning`); fits with
    α, β ≥ 0.05 are unchanged.
    """
    batches, passed = _counts(units)
    how = _check_choice(method, "method", ("mle", "moments"))
    x, n = passed, batches
    mom = _moments_fit(x, n)
    if how == "moments":
        if mom is None:
            raise ParameterError(
                "method='moments': the observed rates have no usable spread "
                "(need ≥ 2 units, 0 < mean < 1 and 0 < variance < mean·(1 − mean))"
            )
        a, b, bounded = _floor_shapes(*mom)
        return BetaBinomialFit(a, b, "moments", _bb_loglik(a, b, x, n), True, bounded)

    pooled = float(x.sum() / n.sum())
    if pooled <= 0.0 or pooled >= 1.0:
        raise ParameterError(
            f"method='mle': every unit has pass rate {pooled:g}; a Beta prior cannot be fitted"
        )

    def negll(par: np.ndarray) -> tuple[float, np.ndarray]:
        m = special.expit(par[0])
        big = math.exp(par[1])
        a, b = m * big, (1.0 - m) * big
        ll = np.sum(special.betaln(x + a, n - x + b)) - x.size * special.betaln(a, b)
        dig_ab = special.digamma(a + b)
        dig_nab = special.digamma(n + a + b)
        da = np.sum(special.digamma(x + a) - dig_nab) + x.size * (dig_ab - special.digamma(a))
        db = np.sum(special.digamma(n - x + b) - dig_nab) + x.size * (dig_ab - special.digamma(b))
        dm = m * (1.0 - m) * big
        grad = np.array([da * dm - db * dm, da * a + db * b])
        return -float(ll), -grad

    if mom is not None:
        start = np.array([special.logit(mom[0] / (mom[0] + mom[1])), math.log(sum(mom))])
    else:
        start = np.array([special.logit(pooled), math.log(100.0)])
    bounds = [(-30.0, 30.0), (math.log(1e-6), math.log(_MAX_PRECISION))]
    res = optimize.minimize(
        negll,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 1000},
    )
    m = float(special.expit(res.x[0]))
    big = float(math.exp(res.x[1]))
    # Without extra-binomial variation the likelihood keeps rising, ever more slowly, as α + β
    # grows; the optimiser then stops anywhere on the plateau. Compare with the capped value.
    ll_fit = -float(res.fun)
    ll_cap = _bb_loglik(pooled * _MAX_PRECISION, (1.0 - pooled) * _MAX_PRECISION, x, n)
    if ll_cap >= ll_fit - 1e-6:
        m, big = pooled, _MAX_PRECISION  # complete pooling: the MLE of the mean is the pooled rate
        ll_fit = ll_cap
        warnings.warn(
            "fit_beta_binomial: no extra-binomial variation between units; the prior precision "
            f"is capped at {_MAX_PRECISION:g} (complete pooling to the mean)",
            QualityKitWarning,
            stacklevel=2,
        )
    a, b, bounded = _floor_shapes(m * big, (1.0 - m) * big)
    if bounded:
        ll_fit = _bb_loglik(a, b, x, n)
    converged = bool(res.success) or big == _MAX_PRECISION
    return BetaBinomialFit(a, b, "mle", ll_fit, converged, bounded)


def eb_shrinkage(
    units: pd.DataFrame,
    *,
    method: Literal["mle", "moments"] = "mle",
    level: float = 0.95,
) -> pd.DataFrame:
    """Empirical-Bayes beta-binomial shrinkage of unit pass rates.

    Fit Beta(α, β) across units (:func:`fit_beta_binomial`; marginal MLE by default), then each
    unit's posterior is Beta(passed + α, batches − passed + β): the shrunk rate is its mean
    (passed + α)/(batches + α + β) = (1 − B)·pass_rate + B·prior_mean with B = (α+β)/(batches+α+β),
    and the interval its equal-tailed ``level`` quantiles (Efron & Morris 1975, JASA 70:311;
    Kahn & Raftery 1996). The fit is in ``result.attrs["prior"]``.

    ============ ===============================================================
    column       meaning
    ============ ===============================================================
    pass_rate    passed / batches (raw)
    shrunk_rate  posterior mean
    ci_lower     lower ``level`` posterior quantile
    ci_upper     upper ``level`` posterior quantile
    shrinkage    B, the weight on the prior mean (0 = none, 1 = complete pooling)
    prior_mean   α / (α + β)
    ============ ===============================================================
    """
    batches, passed = _counts(units)
    lev = _check_level(level)
    fit = fit_beta_binomial(units, method=method)
    a_post = passed + fit.alpha
    b_post = batches - passed + fit.beta
    tail = (1.0 - lev) / 2.0
    out = units.copy()
    out["pass_rate"] = passed / batches
    out["shrunk_rate"] = a_post / (a_post + b_post)
    out["ci_lower"] = special.betaincinv(a_post, b_post, tail)
    out["ci_upper"] = special.betaincinv(a_post, b_post, 1.0 - tail)
    out["shrinkage"] = fit.precision / (batches + fit.precision)
    out["prior_mean"] = fit.mean
    out.attrs["prior"] = {**asdict(fit), "mean": fit.mean, "precision": fit.precision}
    return out


# --------------------------------------------------------------------------------------------
# "k percentage points above the parent average"
# --------------------------------------------------------------------------------------------


def relative_target(
    units: pd.DataFrame,
    *,
    k_pp: float = 2.0,
    include_self: bool = True,
    parent_batches: float | ArrayLike | None = None,
    parent_passed: float | ArrayLike | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Is each unit's pass rate at least ``k_pp`` percentage points above its parent's average?

    The Chenzhou target "全市产品质量国家和省级监督检查合格率高于全省平均水平2-5个百分点"
    (郴政发〔2010〕4号): gap = pass_rate − parent_rate in pp. The parent is the pooled rate of the
    parent region: by default of all rows of ``units`` (the children of one parent), or of
    ``parent_batches`` / ``parent_passed`` (scalars or one value per unit) when the parent has
    batches outside the table. ``include_self=True`` (default, as the document reads: the
    published provincial average includes the city) compares with the whole parent;
    ``include_self=False`` compares with the rest of the parent.

    The CI is Newcombe's hybrid score interval (1998, method 10;
    :func:`qualitykit.stats.metrics.newcombe_diff_ci`) for p_unit − p_rest of the two
    independent samples (unit, rest of parent). With the unit included, the gap equals
    (1 − w)·(p_unit − p_rest), w = batches / parent_batches, so the same interval is scaled by
    (1 − w): the overlap of unit and parent is handled exactly instead of treating them as
    independent. Excluding the unit is the cleaner benchmark (a large unit does not pull the
    benchmark towards itself, and a dominant unit can still show a gap); including it answers the
    document's question literally — both are shown by the option.

    Verdict: ``"met with confidence"`` (CI lower ≥ k), ``"met (point estimate)"`` (gap ≥ k),
    ``"not met"`` (gap < k ≤ CI upper) or ``"not met with confidence"`` (CI upper < k).

    ============ ==========================================================
    column       meaning
    ============ ==========================================================
    pass_rate    passed / batches
    parent_rate  the benchmark rate (with or without the unit, see above)
    gap_pp       (pass_rate − parent_rate) × 100
    gap_lower_pp lower end of the ``level`` CI of the gap, pp
    gap_upper_pp upper end, pp
    target_pp    k_pp
    verdict      one of the four verdicts above
    ============ ==========================================================
    """
    batches, passed = _counts(units)
    lev = _check_level(level)
    if not (isinstance(k_pp, int | float) and math.isfinite(k_pp)):
        raise ParameterError(f"k_pp: {k_pp!r} is not a number of percentage points")
    if (parent_batches is None) != (parent_passed is None):
        raise ParameterError("give both parent_batches and parent_passed, or neither")
    if parent_batches is None:
        pb = np.full(batches.shape, batches.sum())
        pp = np.full(batches.shape, passed.sum())
    else:
        pb = np.broadcast_to(np.asarray(parent_batches, dtype=float), batches.shape).copy()
        pp = np.broadcast_to(np.asarray(parent_passed, dtype=float), batches.shape).copy()
        if not (np.all(np.isfinite(pb)) and np.all(np.isfinite(pp))):
            raise ParameterError("parent_batches / parent_passed must be finite numbers")
        if np.any(pb < batches) or np.any(pp < passed) or np.any(pp - passed > pb - batches):
            raise ParameterError(
                "parent totals must include the unit: parent_batches ≥ batches, "
                "parent_passed ≥ passed and parent_passed − passed ≤ parent_batches − batches"
            )
    rest_n = pb - batches
    rest_x = pp - passed
    if np.any(rest_n <= 0):
        warnings.warn(
            "relative_target: a unit is its whole parent (no other batches); its gap is NaN",
            QualityKitWarning,
            stacklevel=2,
        )
    with warnings.catch_warnings():
        # a unit that is its whole parent was reported above; metrics would warn again (n = 0)
        warnings.simplefilter("ignore", QualityKitWarning)
        diff = newcombe_diff_ci(passed, batches, rest_x, rest_n, lev)
    d, lo, hi = (diff[c].to_numpy() for c in ("diff", "ci_lower", "ci_upper"))
    with np.errstate(divide="ignore", invalid="ignore"):
        rest_n_safe = np.where(rest_n > 0, rest_n, np.nan)
        if include_self:
            scale = rest_n_safe / pb
            parent_rate = pp / pb
        else:
            scale = np.where(rest_n > 0, 1.0, np.nan)
            parent_rate = rest_x / rest_n_safe
    gap, glo, ghi = 100.0 * d * scale, 100.0 * lo * scale, 100.0 * hi * scale
    k = float(k_pp)
    verdict = np.select(
        [glo >= k, gap >= k, ghi >= k, ghi < k],
        list(VERDICTS),
        default="",
    )
    out = units.copy()
    out["pass_rate"] = passed / batches
    out["parent_rate"] = parent_rate
    out["gap_pp"] = gap
    out["gap_lower_pp"] = glo
    out["gap_upper_pp"] = ghi
    out["target_pp"] = k
    out["verdict"] = pd.Series(
        np.where(verdict == "", None, verdict), index=out.index, dtype="string"
    )
    return out
