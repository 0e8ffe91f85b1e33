"""Over-dispersion of unit pass rates around a target: φ, its χ² test and τ².

z-scores of every unit against the target θ, on one of two scales:

* ``"proportion"`` — z_i = (y_i − θ)/s_i, s_i = √(θ(1 − θ)/n_i) (Spiegelhalter 2005, *Stat Med*
  24:1185, §5; the binomial funnels of :mod:`qualitykit.stats.funnel`);
* ``"arcsine"`` — z_i = (asin√y_i − asin√θ)/s_i, s_i = 1/(2√n_i), the variance-stabilised scale
  of the arcsine funnel (Spiegelhalter 2005 §3; R FunnelPlotR ``data_type = "PR"``).

The z-scores are winsorised (or truncated) at ``winsor`` in each tail; φ = Σ z_w²/k; k·φ is
compared with χ² on k − 1 df; τ² = (k·φ − (k − 1))/(Σw_i − Σw_i²/Σw_i), w_i = 1/s_i², 0 when
k·φ ≤ k − 1 (DerSimonian & Laird 1986 on the winsorised statistic; Spiegelhalter 2005 *QSHC*
14:347; R FunnelPlotR ``phi_func()`` / ``tau_func()``). The three tail conventions — which
reference uses which is set out in ``docs/methods.md`` ("Winsorisation"):

* ``"rank"`` (default) — the ⌊k·q⌋ lowest (highest) z-scores are set to the nearest retained
  value, so exactly ⌊k·q⌋ units are moved in each tail;
* ``"quantile"`` — z-scores are clipped to the q and 1 − q sample quantiles (R type 7), as R
  FunnelPlotR ``winsorisation()``;
* ``"truncate"`` — units whose rank group floor(rank·(1/q)/(k + 1)) is 0 or ≥ 1/q − 1 are
  dropped, and φ, the test and τ² use the remaining k′ units (the SHMI method of NHS Digital as
  R FunnelPlotR ``truncation()``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.stats._checks import check_choice
from qualitykit.stats._units import check_target, unit_counts

__all__ = ["SCALES", "WINSOR_METHODS", "Overdispersion", "overdispersion", "unit_zscores"]

WinsorMethod = Literal["rank", "quantile", "truncate"]
Scale = Literal["proportion", "arcsine"]
WINSOR_METHODS: tuple[str, ...] = ("rank", "quantile", "truncate")
SCALES: tuple[str, ...] = ("proportion", "arcsine")


@dataclass(frozen=True)
class Overdispersion:
    """Over-dispersion of units around a target (Spiegelhalter 2005, QSHC 14:347 and Stat Med).

    ``phi`` = Σ z_w² / k_used from winsorised (or truncated) z-scores; ``statistic`` =
    k_used·φ is compared with χ² on ``df`` = k_used − 1 (``p_value``, ``overdispersed`` at 5 %);
    ``tau2`` is the DerSimonian–Laird between-unit variance from the same statistic, on the
    scale of the z-scores (``scale``: proportion² or arcsine-radians²). ``k`` counts all units,
    ``k_used`` those left after truncation (= k for winsorisation).
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
    scale: str = "proportion"
    k_used: int = -1

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame of the fields."""
        return pd.DataFrame([asdict(self)])


def _winsorise(z: np.ndarray, winsor: float, how: str) -> np.ndarray:
    """Winsorised (``rank``, ``quantile``) or truncated (``truncate``: NaN) z-scores.

    ``"rank"``: the ⌊k·w⌋ most extreme values at each end are set to the nearest retained value
    (winlow = trunc(k·w) + 1). ``"quantile"``: values are clipped to the w and 1 − w sample
    quantiles (type 7), as R FunnelPlotR ``winsorisation()``. ``"truncate"``: as FunnelPlotR
    ``truncation()`` — with g = 1/w groups, rank r (ties averaged) and sp = ⌊r·g/(k + 1)⌋, units
    with sp ≤ 0 or sp ≥ g − 1 are dropped (NaN).
    """
    if winsor == 0 or z.size == 0:
        return z.copy()
    if how == "quantile":
        lo, hi = np.quantile(z, [winsor, 1.0 - winsor])
        return np.clip(z, lo, hi)
    if how == "truncate":
        groups = 1.0 / winsor
        sp = np.floor(stats.rankdata(z, method="average") * groups / (z.size + 1))
        return np.where((sp > 0) & (sp < groups - 1), z, np.nan)
    k = z.size
    m = int(math.floor(k * winsor + 1e-9))
    if m == 0:
        return z.copy()
    s = np.sort(z)
    return np.clip(z, s[m], s[k - 1 - m])


def unit_zscores(
    batches: np.ndarray, passed: np.ndarray, theta: float, scale: str = "proportion"
) -> tuple[np.ndarray, np.ndarray]:
    """z-scores and their standard errors s_i on the ``scale`` (see the module docstring)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "arcsine":
            s = 0.5 / np.sqrt(batches)
            z = (np.arcsin(np.sqrt(passed / batches)) - math.asin(math.sqrt(theta))) / s
        else:
            s = np.sqrt(theta * (1.0 - theta) / batches)
            z = (passed / batches - theta) / s
    return z, s


def _overdispersion(
    batches: np.ndarray,
    passed: np.ndarray,
    theta: float,
    winsor: float,
    winsor_method: str,
    scale: str = "proportion",
) -> Overdispersion:
    k = batches.size
    nan = float("nan")

    def undefined(why: str) -> Overdispersion:
        warnings.warn(f"overdispersion: {why}; φ and τ² are NaN", QualityKitWarning, stacklevel=4)
        return Overdispersion(
            k, theta, nan, nan, k - 1, nan, False, nan, winsor, winsor_method, scale, k
        )

    if not 0.0 < theta < 1.0:
        return undefined(f"target {theta:g} is 0 or 1, z-scores are undefined")
    if k < 2:
        return undefined("needs at least 2 units")
    z, s = unit_zscores(batches, passed, theta, scale)
    zw = _winsorise(z, winsor, winsor_method)
    keep = np.isfinite(zw)
    k_used = int(keep.sum())
    if k_used < 2:
        return undefined(f"only {k_used} unit(s) left after truncation")
    phi = float(np.mean(zw[keep] ** 2))
    stat = k_used * phi
    df = k_used - 1
    p = float(stats.chi2.sf(stat, df))
    w = 1.0 / s[keep] ** 2
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (stat - df) / denom) if stat > df and denom > 0 else 0.0
    crit = float(stats.chi2.ppf(0.95, df))
    return Overdispersion(
        k,
        theta,
        phi,
        stat,
        df,
        p,
        bool(stat > crit),
        float(tau2),
        winsor,
        winsor_method,
        scale,
        k_used,
    )


def check_winsor(winsor: object, winsor_method: object) -> tuple[float, str]:
    """Validated ``winsor`` fraction in [0, 0.5) and tail convention."""
    if isinstance(winsor, bool) or not (
        isinstance(winsor, int | float) and 0.0 <= float(winsor) < 0.5
    ):
        raise ParameterError(f"winsor: {winsor!r} is not a fraction in [0, 0.5)")
    how = check_choice(winsor_method, "winsor_method", WINSOR_METHODS)
    return float(winsor), how


def overdispersion(
    units: pd.DataFrame,
    *,
    target: float | None = None,
    winsor: float = 0.1,
    winsor_method: WinsorMethod = "rank",
    scale: Scale = "proportion",
) -> Overdispersion:
    """Multiplicative φ and additive τ² over-dispersion of unit pass rates around a target.

    z_i on ``scale`` (``"proportion"``: (y_i − θ)/√(θ(1−θ)/n_i); ``"arcsine"``:
    2√n_i·(asin√y_i − asin√θ), for the arcsine funnel); winsorise ``winsor`` (10 %) at each end
    by ``winsor_method``; φ = Σ z_w² / k; test k·φ against χ²_{k−1}; τ² = (k·φ − (k−1)) / (Σw_i −
    Σw_i²/Σw_i), w_i = 1/s_i², 0 if k·φ ≤ k − 1 (DerSimonian & Laird 1986 on winsorised z;
    Spiegelhalter 2005, Stat Med 24:1185 §3, §5 and QSHC 14:347; R FunnelPlotR ``phi_func`` /
    ``tau_func``). ``target`` defaults to the pooled rate. See the module docstring for the tail
    conventions.
    """
    batches, passed = unit_counts(units)
    theta = check_target(target)
    if theta is None:
        theta = float(passed.sum() / batches.sum())
    winsor, how = check_winsor(winsor, winsor_method)
    scale = check_choice(scale, "scale", SCALES)  # type: ignore[assignment]
    return _overdispersion(batches, passed, theta, winsor, how, scale)
