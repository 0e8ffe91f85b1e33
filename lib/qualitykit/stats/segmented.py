"""Segmented regression (interrupted time series) at a programme start.

Wagner, Soumerai, Zhang & Ross-Degnan (2002) *J Clin Pharm Ther* 27:299; Lopez Bernal, Cummins &
Gasparrini (2017) *Int J Epidemiol* 46:348 (tutorial; code repository
``gasparrini/2017_lopezbernal_IJE_codedata``, ``Rcode.R``). Two parametrisations of the same
model (same fit, deviance and fitted values; the coefficients are linear transforms of each
other), with t0 = ``break_at`` and post_t = [t ≥ t0]:

* ``"centred"`` (default): g(μ_t) = β0 + β1(t − t0) + β2·post_t + β3(t − t0)·post_t. β0
  (``baseline``) is the pre-period line at t0 and β2 (``level_change``) the jump at t0 itself;
  the slope-change regressor is 0 in the first post-period when t0 is a time point.
* ``"bernal"``: g(μ_t) = γ0 + γ1·t + γ2·post_t + γ3(t − t_p)·post_t with t_p the last
  pre-period time — Wagner's "time after intervention" (1, 2, … in the post-period) and R
  ``I(time - 36):smokban`` of Lopez Bernal et al.'s ``model4``. γ0 (``intercept``) is the line
  at time 0.

Relations: β1 = γ1, β3 = γ3, β0 = γ0 + γ1·t0 and β2 = γ2 + γ3·(t0 − t_p): the centred level
change is the Bernal one plus the slope change times the gap between the last pre-period time
and t0 — one period when t0 is the first post-period time (Sicily: 37 − 36).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.stats._checks import check_choice, check_level
from qualitykit.stats._glm import (
    TERM_COLUMNS,
    Dispersion,
    check_dispersion,
    nan_terms,
    scale_from_phi,
    separated_at,
)
from qualitykit.stats.counts import aggregate_counts

__all__ = ["PARAMETRISATIONS", "SegmentedResult", "segmented_regression", "separated_segment"]

Parametrisation = Literal["centred", "bernal"]
PARAMETRISATIONS: tuple[str, ...] = ("centred", "bernal")
_SEG_EXTRA = ("ratio", "ratio_lower", "ratio_upper")


@dataclass
class SegmentedResult:
    """Result of :func:`segmented_regression`.

    ``terms`` — one row per coefficient; columns ``term, estimate, std_error, ci_lower,
    ci_upper, p_value`` on the model scale (logit, log or the rate itself) and ``ratio,
    ratio_lower, ratio_upper`` = exp(…) (odds ratio for binomial, rate ratio for Poisson, NaN
    for Gaussian):

    ==============  ===============================================================
    baseline        (``"centred"``) the pre-period line at the break time ``break_at``
    intercept       (``"bernal"``) the pre-period line at time 0
    pre_slope       change per time unit before the break
    level_change    immediate change at the break (see the module docstring for how the
                    two parametrisations' level changes relate)
    slope_change    change of the slope after the break (if fitted)
    post_slope      pre_slope + slope_change (delta method; if slope change fitted)
    sin1, cos1, …   seasonal harmonics (if requested)
    ==============  ===============================================================

    ``intercept`` — one row, the same columns: the pre-period line at time 0, for either
    parametrisation (for ``"centred"`` the linear combination β0 − β1·t0).

    ``fitted`` — one row per time point: ``time``, ``post`` (bool), ``observed`` (pass rate;
    events / exposure; or the value), ``fitted`` and ``fit_lower``/``fit_upper`` on the same
    scale, and ``counterfactual`` (the pre-period trend continued, seasonality kept).

    Also ``family``, ``parametrisation``, ``phi`` (Pearson χ²/df), ``scale`` (the scale used for
    the standard errors), ``deviance`` (GLM deviance; residual sum of squares for Gaussian),
    ``df_resid``, ``n_pre``, ``n_post``, ``last_pre_time`` (t_p), ``conf``, ``params`` (the
    fitted coefficients, a Series by term) and ``cov`` (their covariance at the scale used, a
    DataFrame).
    """

    terms: pd.DataFrame
    fitted: pd.DataFrame
    family: str
    phi: float
    scale: float
    df_resid: float
    n_pre: int
    n_post: int
    conf: float
    parametrisation: str = "centred"
    deviance: float = float("nan")
    last_pre_time: float = float("nan")
    intercept: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    params: pd.Series = field(default_factory=lambda: pd.Series(dtype=float), repr=False)
    cov: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    separated: tuple[str, str] | None = None
    """Why the terms are NaN though there are points enough: ``(side, kind)`` of
    :func:`separated_segment` (e.g. ``("post", "all_passed")``); None otherwise."""


def separated_segment(
    t: np.ndarray,
    post: np.ndarray,
    ok: np.ndarray,
    n: np.ndarray | None,
    *,
    own_slope: bool,
) -> tuple[str, str] | None:
    """A side of the break whose data give the segmented GLM no maximum-likelihood estimate, as
    ``(side, kind)`` — ``side`` ``"pre"`` or ``"post"``; ``kind`` ``"all_passed"``,
    ``"all_failed"`` (binomial: ``ok`` passing of ``n`` batches), ``"no_events"`` (Poisson:
    ``ok`` events, ``n`` None) or ``"in_time"`` (passes and failures separated in time within
    the side, :func:`qualitykit.stats.trends.separated_at`; only when the side has a slope of
    its own, ``own_slope``: the slope change is fitted) — or None. Each side has a level of its
    own (the level change), so such a side drives a coefficient to ±∞ whatever the other
    side holds ((quasi-)complete separation, Albert & Anderson 1984)."""
    for side, sel in (("pre", ~post), ("post", post)):
        if not sel.any():
            continue
        if n is None:
            if np.all(ok[sel] == 0):
                return side, "no_events"
            continue
        if np.all(ok[sel] == n[sel]):
            return side, "all_passed"
        if np.all(ok[sel] == 0):
            return side, "all_failed"
        if own_slope and separated_at(t[sel], ok[sel], n[sel]) is not None:
            return side, "in_time"
    return None


def _frame(
    data: pd.DataFrame,
    time: str,
    family: str,
    events: str | None,
    exposure: str | None,
    value: str | None,
    season: str | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per time point with the response; ``y_obs`` on the response scale."""
    extra_keys = [season] if season else []
    if family == "binomial":
        frame = aggregate_counts(data, [time, *extra_keys])
        frame = frame[frame["batches"] > 0].reset_index(drop=True)
        return frame, (frame["passed"] / frame["batches"]).to_numpy(dtype=float)
    col = events if family == "poisson" else value
    if col is None or col not in data.columns:
        arg = "events" if family == "poisson" else "value"
        raise ParameterError(f"family={family!r} needs {arg}= naming a column of the data")
    cols = [time, *extra_keys, col] + ([exposure] if exposure else [])
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ParameterError(f"columns {missing} are not in the data")
    frame = data[cols].dropna().sort_values(time).reset_index(drop=True)
    if family == "poisson":
        expo = frame[exposure].to_numpy(dtype=float) if exposure else np.ones(len(frame))
        return frame, frame[col].to_numpy(dtype=float) / expo
    return frame, frame[col].to_numpy(dtype=float)


def segmented_regression(
    data: pd.DataFrame,
    *,
    time: str,
    break_at: float,
    family: Literal["binomial", "poisson", "gaussian"] = "binomial",
    events: str | None = None,
    exposure: str | None = None,
    value: str | None = None,
    slope_change: bool = True,
    season: str | None = None,
    harmonics: int = 2,
    period: float = 12.0,
    dispersion: Dispersion = "auto",
    hac_lags: int | None = None,
    conf: float = 0.95,
    parametrisation: Parametrisation = "centred",
) -> SegmentedResult:
    """Segmented regression (interrupted time series) with a break at ``break_at``.

    Model and parametrisations in the module docstring (``parametrisation="centred"``, the
    default, or ``"bernal"`` for Wagner / Lopez Bernal's coding). Families:

    * ``"binomial"`` — ``data`` is counts/records (``batches``, ``passed``) summed per time;
      logit link; quasi-binomial scale by ``dispersion`` as in
      :func:`qualitykit.stats.trends.glm_trend`;
    * ``"poisson"`` — ``events`` column of counts with ``exposure`` (offset log(exposure); for
      rates such as events per standard population), log link; quasi-Poisson scale likewise;
    * ``"gaussian"`` — ``value`` column (e.g. a published rate series), ordinary least
      squares with t-based intervals; ``hac_lags`` gives Newey–West (HAC) standard errors.

    ``season`` names a column (e.g. month) for ``harmonics`` sine/cosine pairs of period
    ``period`` (R tsModel ``harmonic(season, harmonics, period)``). GLM intervals are Wald
    intervals with normal quantiles (Epi ``ci.exp``; Stata ``glm …, eform``).

    Fewer than 3 points on either side give a ``QualityKitWarning``; with fewer than 2 pre
    points or no post point the terms are NaN, and with 1 post point the slope change is not
    fitted (NaN). Columns and attributes: :class:`SegmentedResult`.
    """
    conf = check_level(conf, "conf")
    dispersion = check_dispersion(dispersion)
    parametrisation = check_choice(parametrisation, "parametrisation", PARAMETRISATIONS)  # type: ignore[assignment]
    if family not in ("binomial", "poisson", "gaussian"):
        raise ParameterError(f"family must be binomial, poisson or gaussian, got {family!r}")
    if time not in data.columns:
        raise ParameterError(f"time column {time!r} is not in the data")
    frame, y_obs = _frame(data, time, family, events, exposure, value, season)
    t = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    order = np.argsort(t, kind="stable")
    frame, t, y_obs = frame.iloc[order].reset_index(drop=True), t[order], y_obs[order]
    t0 = float(break_at)
    post = t >= t0
    n_pre, n_post = int((~post).sum()), int(post.sum())
    t_pre = float(t[~post].max()) if n_pre else float("nan")

    first = "baseline" if parametrisation == "centred" else "intercept"
    names = [first, "pre_slope", "level_change"]
    if parametrisation == "centred":
        cols_x = [np.ones(len(t)), t - t0, post.astype(float)]
        slope_x = (t - t0) * post
    else:
        cols_x = [np.ones(len(t)), t, post.astype(float)]
        slope_x = np.where(post, t - t_pre, 0.0)
    fit_slope = slope_change and n_post >= 2
    if slope_change:
        names.append("slope_change")
        if fit_slope:
            cols_x.append(slope_x)
    seasonal = []
    if season:
        s = pd.to_numeric(frame[season], errors="coerce").to_numpy(dtype=float)
        for k in range(1, int(harmonics) + 1):
            seasonal += [f"sin{k}", f"cos{k}"]
            cols_x += [np.sin(2 * np.pi * k * s / period), np.cos(2 * np.pi * k * s / period)]
    all_names = [*names, *(["post_slope"] if slope_change else []), *seasonal]

    fitted = pd.DataFrame(
        {
            "time": t,
            "post": post,
            "observed": y_obs,
            "fitted": np.nan,
            "fit_lower": np.nan,
            "fit_upper": np.nan,
            "counterfactual": np.nan,
        }
    )
    if n_pre < 3 or n_post < 3:
        warnings.warn(
            f"{n_pre} point(s) before and {n_post} after the break at {break_at}: segmented "
            "regression needs at least 3 on each side",
            QualityKitWarning,
            stacklevel=2,
        )
    if slope_change and not fit_slope and n_post >= 1:
        warnings.warn(
            "fewer than 2 post-break points: the slope change is not estimable (NaN)",
            QualityKitWarning,
            stacklevel=2,
        )
    exog = np.column_stack(cols_x)
    n_par = exog.shape[1]
    empty = SegmentedResult(
        terms=nan_terms(all_names, _SEG_EXTRA),
        fitted=fitted,
        family=family,
        phi=np.nan,
        scale=np.nan,
        df_resid=float(len(t) - n_par),
        n_pre=n_pre,
        n_post=n_post,
        conf=conf,
        parametrisation=parametrisation,
        last_pre_time=t_pre,
        intercept=nan_terms(["intercept"], _SEG_EXTRA),
    )
    if n_pre < 2 or n_post < 1 or len(t) < n_par or np.linalg.matrix_rank(exog) < n_par:
        warnings.warn(
            "too few points around the break to fit the segmented model: terms are NaN",
            QualityKitWarning,
            stacklevel=2,
        )
        return empty
    if family != "gaussian":
        ok, n = (
            (frame["passed"].to_numpy(dtype=float), frame["batches"].to_numpy(dtype=float))
            if family == "binomial"
            else (frame[events].to_numpy(dtype=float), None)
        )
        split = separated_segment(t, post, ok, n, own_slope=fit_slope)
        if split is not None:
            warnings.warn(
                f"the {split[0]}-break data are separated ({split[1].replace('_', ' ')}): the "
                "segmented model has no maximum-likelihood estimate; terms are NaN",
                QualityKitWarning,
                stacklevel=2,
            )
            return replace(empty, separated=split)

    phi = np.nan
    if family == "gaussian":
        model = sm.OLS(y_obs, exog)
        with warnings.catch_warnings():
            if len(t) <= n_par:  # saturated: statsmodels divides by df_resid = 0
                warnings.simplefilter("ignore", RuntimeWarning)
            if hac_lags is not None:
                res = model.fit(cov_type="HAC", cov_kwds={"maxlags": int(hac_lags)}, use_t=True)
            else:
                res = model.fit()
        params = np.asarray(res.params, dtype=float)
        cov = np.asarray(res.cov_params(), dtype=float)
        df_resid = float(res.df_resid)
        scale = float(res.scale)
        deviance = float(res.ssr)
        qv = stats.t.ppf(1.0 - (1.0 - conf) / 2.0, df_resid) if df_resid > 0 else np.nan
        dist_sf = (lambda z: 2.0 * stats.t.sf(abs(z), df_resid)) if df_resid > 0 else None
    else:
        if family == "binomial":
            endog = np.column_stack([frame["passed"], frame["batches"] - frame["passed"]]).astype(
                float
            )
            fam = sm.families.Binomial()
            offset = None
        else:
            endog = frame[events].to_numpy(dtype=float)
            fam = sm.families.Poisson()
            offset = np.log(frame[exposure].to_numpy(dtype=float)) if exposure else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            if len(t) <= n_par:  # saturated: statsmodels divides by df_resid = 0
                warnings.simplefilter("ignore", RuntimeWarning)
            res = sm.GLM(endog, exog, family=fam, offset=offset).fit()
        df_resid = float(res.df_resid)
        phi = float(res.pearson_chi2 / df_resid) if df_resid > 0 else np.nan
        scale = scale_from_phi(phi, dispersion)
        params = np.asarray(res.params, dtype=float)
        cov = np.asarray(res.cov_params(), dtype=float) * scale
        deviance = float(res.deviance)
        qv = stats.norm.ppf(1.0 - (1.0 - conf) / 2.0)
        dist_sf = lambda z: 2.0 * stats.norm.sf(abs(z))  # noqa: E731

    fitted_names = [n for n in names if n != "slope_change" or fit_slope] + seasonal
    ratio_of = family != "gaussian"

    def row(name: str, g: np.ndarray) -> tuple:
        est, s = float(g @ params), float(np.sqrt(g @ cov @ g))
        lo, hi = est - qv * s, est + qv * s
        pval = dist_sf(est / s) if (dist_sf is not None and s > 0) else np.nan
        with np.errstate(over="ignore"):  # e.g. the line at time 0 (the year 0): inf, no warning
            ratio = (np.exp(est), np.exp(lo), np.exp(hi)) if ratio_of else (np.nan,) * 3
        return (name, est, s, lo, hi, pval, *ratio)

    def unit(name: str) -> np.ndarray:
        g = np.zeros(n_par)
        g[fitted_names.index(name)] = 1.0
        return g

    rows = []
    for nm in all_names:
        if nm == "post_slope":
            if fit_slope:
                rows.append(row(nm, unit("pre_slope") + unit("slope_change")))
            else:
                rows.append((nm, *([np.nan] * 8)))
        elif nm in fitted_names:
            rows.append(row(nm, unit(nm)))
        else:
            rows.append((nm, *([np.nan] * 8)))
    columns = [*TERM_COLUMNS, *_SEG_EXTRA]
    terms = pd.DataFrame(rows, columns=columns)
    terms["term"] = terms["term"].astype("string")
    g0 = unit(first) - (t0 * unit("pre_slope") if parametrisation == "centred" else 0.0)
    intercept = pd.DataFrame([row("intercept", g0)], columns=columns)
    intercept["term"] = intercept["term"].astype("string")

    eta = exog @ params
    se_eta = np.sqrt(np.einsum("ij,jk,ik->i", exog, cov, exog))
    cf = exog.copy()
    for nm in ("level_change", "slope_change"):
        if nm in fitted_names:
            cf[:, fitted_names.index(nm)] = 0.0
    eta_cf = cf @ params
    inv = {
        "binomial": special.expit,
        "poisson": np.exp,
        "gaussian": lambda v: v,
    }[family]
    fitted = fitted.assign(
        fitted=inv(eta),
        fit_lower=inv(eta - qv * se_eta),
        fit_upper=inv(eta + qv * se_eta),
        counterfactual=inv(eta_cf),
    )
    return SegmentedResult(
        terms=terms,
        fitted=fitted,
        family=family,
        phi=phi,
        scale=scale,
        df_resid=df_resid,
        n_pre=n_pre,
        n_post=n_post,
        conf=conf,
        parametrisation=parametrisation,
        deviance=deviance,
        last_pre_time=t_pre,
        intercept=intercept,
        params=pd.Series(params, index=fitted_names, name="estimate"),
        cov=pd.DataFrame(cov, index=fitted_names, columns=fitted_names),
    )
