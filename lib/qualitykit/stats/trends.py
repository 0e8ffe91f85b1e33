"""Trends in pass rates: binomial GLM trend, segmented regression at a programme start, forecasts.

* :func:`glm_trend` — binomial GLM (logit link) of pass counts on time, quasi-binomial scale
  φ = Pearson χ²/df when overdispersed (McCullagh & Nelder 1989 §4.5; R ``glm(family =
  quasibinomial)``), yearly change as an odds ratio and in percentage points.
* :func:`segmented_regression` — interrupted time series (Wagner et al. 2002, *J Clin Pharm
  Ther* 27:299; Lopez Bernal, Cummins & Gasparrini 2017, *Int J Epidemiol* 46:348): level and
  slope change at a break; binomial (logit), Poisson with a log-exposure offset (rates of
  events) or Gaussian (a rate series, optionally Newey–West standard errors).
* :func:`forecast` — the trend continued to a deadline year, a prediction interval for the
  pass rate observed on an assumed number of batches, and the probability that a target is met.

All statistics modules take plain DataFrames (counts: ``batches`` + ``passed`` or
``nonconforming``; records: boolean ``passed`` per batch, aggregated first).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.stats._checks import check_level
from qualitykit.stats._glm import (
    TERM_COLUMNS,
    Dispersion,
    check_dispersion,
    nan_terms,
    scale_from_phi,
    separated_at,
)
from qualitykit.stats.counts import aggregate_counts
from qualitykit.stats.segmented import SegmentedResult, segmented_regression

__all__ = [
    "ForecastResult",
    "SegmentedResult",
    "TrendResult",
    "forecast",
    "glm_trend",
    "segmented_regression",
    "separated_at",
]


def _simulate_observed(
    eta: np.ndarray,
    se_eta: np.ndarray,
    batches: np.ndarray,
    phi: float,
    n_sim: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Simulated observed pass rates Y/m, shape (n_sim, k).

    η* ~ N(η̂, se²) (uncertainty of the fitted trend), p* = expit(η*), then Y ~ Binomial(m, p*),
    or, when φ > 1, a beta-binomial with the same mean and variance φ·m·p(1 − p) (intra-class
    correlation ρ = (φ − 1)/(m − 1)) — the quasi-binomial variance with an assumed distribution.
    """
    k = len(eta)
    m = np.asarray(batches, dtype=np.int64)
    z = rng.standard_normal((n_sim, k))
    p = special.expit(eta[None, :] + se_eta[None, :] * z)
    if np.isfinite(phi) and phi > 1.0:
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(m > 1, (phi - 1.0) / np.maximum(m - 1, 1), 0.0)
        rho = np.clip(rho, 0.0, 1.0 - 1e-9)
        shrink = np.where(rho > 0, 1.0 / np.where(rho > 0, rho, 1.0) - 1.0, np.inf)
        a = p * shrink[None, :]
        b = (1.0 - p) * shrink[None, :]
        use_beta = (rho > 0)[None, :] & (a > 0) & (b > 0)
        q = np.where(
            use_beta,
            rng.beta(np.where(use_beta, a, 1.0), np.where(use_beta, b, 1.0)),
            p,
        )
        p = q
    y = rng.binomial(np.broadcast_to(m[None, :], p.shape), p)
    return y / m[None, :]


# ----------------------------------------------------------------------------------------------
# GLM trend
# ----------------------------------------------------------------------------------------------


@dataclass
class TrendResult:
    """Result of :func:`glm_trend`.

    ``terms`` — one row per quantity (columns ``term, estimate, std_error, ci_lower, ci_upper,
    p_value``):

    ==========================  ===========================================================
    intercept                   logit of the pass rate at ``t_ref`` (mean of the times)
    slope_logit                 change of the logit per year
    odds_ratio_per_year         exp(slope_logit); interval = exp of the slope's interval
    change_pp_per_year_last     d(pass rate)/d(year) × 100 at the last observed time, pp/yr
    change_pp_per_year_mean     the same averaged over the observed times (average marginal
                                effect, each time point weighted equally), pp/yr
    ==========================  ===========================================================

    Percentage-point changes and their intervals use the delta method. ``std_error`` and the
    intervals use the scale ``scale`` (φ if the quasi-binomial scale is used, else 1); intervals
    are Wald intervals with normal quantiles (as R ``confint.default`` / Epi ``ci.exp``).

    ``fitted`` — one row per time point:

    ===========  ================================================================
    year         year (and ``quarter`` if the trend is quarterly)
    t            time in years (year + (quarter − 1)/4)
    batches      batches (int);  ``passed`` passing batches (int)
    observed     observed pass rate
    fitted       fitted pass rate
    fit_lower    interval for the fitted (expected) pass rate
    fit_upper
    pred_lower   prediction interval for the pass rate observed on that year's number
    pred_upper   of batches (simulated, seeded; includes sampling variation and φ)
    ===========  ================================================================

    Also: ``phi`` (Pearson χ²/df, NaN without residual df), ``scale`` (the scale used),
    ``df_resid``, ``n_points``, ``t_ref``, ``conf``, ``quarterly``, and ``params`` / ``cov``
    (β0 at ``t_ref`` and β1, with their covariance at the scale used) for :func:`forecast`.
    """

    terms: pd.DataFrame
    fitted: pd.DataFrame
    phi: float
    scale: float
    df_resid: float
    n_points: int
    t_ref: float
    conf: float
    quarterly: bool
    params: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    not_estimable: str | None = None
    """Why the terms are NaN: ``"few_points"`` (fewer than 2 time points), ``"all_passed"`` /
    ``"all_failed"`` (every batch of every period), ``"separated"`` (passes and failures
    separated in time, :func:`separated_at`); None when the trend was estimated."""


_TREND_TERMS = (
    "intercept",
    "slope_logit",
    "odds_ratio_per_year",
    "change_pp_per_year_last",
    "change_pp_per_year_mean",
)


def _prepare_trend_counts(
    data: pd.DataFrame, time: str, quarter: str | None
) -> tuple[pd.DataFrame, np.ndarray]:
    keys = [time] + ([quarter] if quarter else [])
    counts = aggregate_counts(data, keys)
    if any(counts[k].isna().any() for k in keys):
        raise ParameterError(f"missing values in the time column(s) {keys}")
    year = pd.to_numeric(counts[time], errors="coerce").to_numpy(dtype=float)
    t = year.copy()
    if quarter:
        q = pd.to_numeric(counts[quarter], errors="coerce").to_numpy(dtype=float)
        if np.any(~np.isin(q, [1, 2, 3, 4])):
            raise ParameterError(f"column {quarter!r} must hold quarters 1–4")
        t = t + (q - 1.0) / 4.0
    empty = counts["batches"].to_numpy() == 0
    if empty.any():
        warnings.warn(
            f"{int(empty.sum())} time point(s) with no batches are left out of the trend",
            QualityKitWarning,
            stacklevel=3,
        )
    if not empty.any():
        return counts, t
    keep = ~empty
    return counts.loc[keep].reset_index(drop=True), t[keep]


def glm_trend(
    data: pd.DataFrame,
    *,
    time: str = "year",
    quarter: str | None = None,
    conf: float = 0.95,
    dispersion: Dispersion = "auto",
    n_sim: int = 10_000,
    seed: int = 0,
) -> TrendResult:
    """Binomial GLM trend of pass counts on time: logit(p_t) = β0 + β1 (t − t_ref).

    ``data`` is a counts table or records with a ``time`` column (year) and optionally a
    ``quarter`` column (1–4, entered as the fractional year year + (q − 1)/4); rows are summed
    per time point and time points without batches are dropped.

    Overdispersion: φ = Pearson χ² / df_resid. With ``dispersion="auto"`` the quasi-binomial
    scale φ is used for standard errors when φ > 1 (binomial otherwise); ``"quasi"`` always
    uses φ, ``"fixed"`` never. Percentage-point changes: the derivative 100·β1·p(1 − p) at the
    last observed time, and its average over the observed times (average marginal effect);
    see :class:`TrendResult` for all columns. Prediction intervals per time point are simulated
    with ``n_sim`` draws from ``numpy.random.default_rng(seed)``.

    Fewer than 3 time points give a ``QualityKitWarning``: with 2 points the slope is fitted
    (φ is undefined, scale 1), with 1 point or all batches passing (failing) the terms are NaN.
    So are they, with a warning, when passes and failures are separated in time
    (:func:`separated_at`: no maximum-likelihood slope exists); ``not_estimable`` says why.
    """
    conf = check_level(conf, "conf")
    dispersion = check_dispersion(dispersion)
    counts, t = _prepare_trend_counts(data, time, quarter)
    k = len(counts)
    passed = counts["passed"].to_numpy(dtype=float)
    batches = counts["batches"].to_numpy(dtype=float)
    observed = passed / batches
    t_ref = float(np.mean(t)) if k else np.nan
    # the fitted table, built once (its columns: TrendResult)
    columns: dict[str, object] = {"year": counts[time].array}
    if quarter:
        columns["quarter"] = counts[quarter].array
    nan = np.full(k, np.nan)
    columns.update(
        t=t,
        batches=counts["batches"].to_numpy(),
        passed=counts["passed"].to_numpy(),
        observed=observed,
        fitted=nan,
        fit_lower=nan,
        fit_upper=nan,
        pred_lower=nan,
        pred_upper=nan,
    )
    n_times = len(np.unique(t))
    if n_times < 3:
        warnings.warn(
            f"only {n_times} time point(s): a trend needs at least 3 "
            "(results are NaN or rest on no residual degrees of freedom)",
            QualityKitWarning,
            stacklevel=2,
        )
    degenerate = k == 0 or np.all(passed == batches) or np.all(passed == 0)
    split = None if degenerate or n_times < 2 else separated_at(t, passed, batches)
    if n_times < 2 or degenerate or split is not None:
        if degenerate and n_times >= 2:
            warnings.warn(
                "every batch passed (or every batch failed) in every period: the logit trend "
                "is not estimable",
                QualityKitWarning,
                stacklevel=2,
            )
        if split is not None:
            warnings.warn(
                f"passing and failing batches are separated in time (at {split[0]:g}): the logit "
                "trend has no maximum-likelihood estimate and is not estimable",
                QualityKitWarning,
                stacklevel=2,
            )
        why = (
            "few_points"
            if n_times < 2 or k == 0
            else "all_passed"
            if np.all(passed == batches)
            else "all_failed"
            if np.all(passed == 0)
            else "separated"
        )
        return TrendResult(
            terms=nan_terms(_TREND_TERMS),
            fitted=pd.DataFrame(columns, index=counts.index),
            phi=np.nan,
            scale=np.nan,
            df_resid=float(max(k - 2, 0)),
            n_points=k,
            t_ref=t_ref,
            conf=conf,
            quarterly=quarter is not None,
            params=np.full(2, np.nan),
            cov=np.full((2, 2), np.nan),
            not_estimable=why,
        )
    tc = t - t_ref
    exog = np.column_stack([np.ones(k), tc])
    endog = np.column_stack([passed, batches - passed])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        if k <= exog.shape[1]:  # saturated: statsmodels divides by df_resid = 0
            warnings.simplefilter("ignore", RuntimeWarning)
        res = sm.GLM(endog, exog, family=sm.families.Binomial()).fit()
    df_resid = float(res.df_resid)
    phi = float(res.pearson_chi2 / df_resid) if df_resid > 0 else np.nan
    scale = scale_from_phi(phi, dispersion)
    params = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float) * scale  # cov at scale 1 for Binomial
    q = special.ndtri(1.0 - (1.0 - conf) / 2.0)  # stats.norm.ppf, without its argument checks

    def wald(est: float, se: float) -> tuple[float, float, float, float, float]:
        p = 2.0 * special.ndtr(-abs(est / se)) if se > 0 else np.nan  # stats.norm.sf
        return est, se, est - q * se, est + q * se, p

    b0, b1 = params
    se0, se1 = np.sqrt(np.diag(cov))
    rows = [
        ("intercept", *wald(b0, se0)),
        ("slope_logit", *wald(b1, se1)),
    ]
    _, _, lo1, hi1, p1 = wald(b1, se1)
    rows.append(("odds_ratio_per_year", np.exp(b1), np.exp(b1) * se1, np.exp(lo1), np.exp(hi1), p1))

    def marginal(tcs: np.ndarray) -> tuple[float, float]:
        p = special.expit(b0 + b1 * tcs)
        v = p * (1.0 - p)
        value = 100.0 * np.mean(b1 * v)
        grad = 100.0 * np.array(
            [np.mean(b1 * v * (1.0 - 2.0 * p)), np.mean(v + b1 * v * (1.0 - 2.0 * p) * tcs)]
        )
        return float(value), float(np.sqrt(grad @ cov @ grad))

    last_val, last_se = marginal(np.array([tc.max()]))
    mean_val, mean_se = marginal(tc)
    rows.append(("change_pp_per_year_last", *wald(last_val, last_se)))
    rows.append(("change_pp_per_year_mean", *wald(mean_val, mean_se)))
    values = np.array([r[1:] for r in rows], dtype=float)
    terms = pd.DataFrame(
        {
            "term": pd.array([r[0] for r in rows], dtype="string"),
            **{c: values[:, i] for i, c in enumerate(TERM_COLUMNS[1:])},
        }
    )

    eta = b0 + b1 * tc
    se_eta = np.sqrt(np.einsum("ij,jk,ik->i", exog, cov, exog))
    rng = np.random.default_rng(seed)
    sim = _simulate_observed(eta, se_eta, counts["batches"].to_numpy(), scale, n_sim, rng)
    alpha = 1.0 - conf
    columns.update(
        fitted=special.expit(eta),
        fit_lower=special.expit(eta - q * se_eta),
        fit_upper=special.expit(eta + q * se_eta),
        pred_lower=np.quantile(sim, alpha / 2.0, axis=0),
        pred_upper=np.quantile(sim, 1.0 - alpha / 2.0, axis=0),
    )
    return TrendResult(
        terms=terms,
        fitted=pd.DataFrame(columns, index=counts.index),
        phi=phi,
        scale=scale,
        df_resid=df_resid,
        n_points=k,
        t_ref=t_ref,
        conf=conf,
        quarterly=quarter is not None,
        params=params,
        cov=cov,
    )


# ----------------------------------------------------------------------------------------------
# forecast and target attainment
# ----------------------------------------------------------------------------------------------


@dataclass
class ForecastResult:
    """Result of :func:`forecast`.

    ``table`` — the trend's fitted rows followed by one row per future year (``forecast`` =
    True) with the columns of :attr:`TrendResult.fitted`; for future rows ``observed`` is NaN
    and ``batches`` is the assumed number of batches.

    ``attainment`` — one row:

    ======================  =============================================================
    year                    the deadline year
    target                  the target pass rate (proportion)
    fitted                  fitted (expected) pass rate at the deadline
    fit_lower, fit_upper    its interval
    pred_lower, pred_upper  prediction interval for the observed rate on ``batches``
    batches                 assumed number of batches in the deadline year
    prob_expected_meets     P(expected pass rate ≥ target) = Φ((η̂ − logit(target)) / se)
    prob_observed_meets     P(observed pass rate on ``batches`` ≥ target), simulated
    prob_observed_mc_se     Monte Carlo standard error of ``prob_observed_meets``
    n_sim, seed             simulation size and seed
    ======================  =============================================================

    What the probabilities mean: both take the fitted trend (straight line on the logit
    scale) as continuing unchanged to the deadline and read the estimate's sampling
    distribution η ~ N(η̂, se²) as the uncertainty about the deadline year's expected rate (an
    approximate, flat-prior predictive reading, not a frequentist coverage statement).
    ``prob_expected_meets`` is the chance that the underlying rate is at or above the target;
    ``prob_observed_meets`` adds the binomial (or, with φ > 1, beta-binomial) sampling
    variation of a spot check of ``batches`` batches, i.e. the chance that the published
    figure meets the target. Neither accounts for a change of trend, of sampling design or of
    product mix.
    """

    table: pd.DataFrame
    attainment: pd.DataFrame


def forecast(
    trend: TrendResult,
    to_year: int,
    *,
    target: float | None = None,
    batches: int | None = None,
    n_sim: int = 20_000,
    seed: int = 0,
) -> ForecastResult:
    """Continue a :func:`glm_trend` to ``to_year`` with prediction intervals and attainment.

    Each future year is predicted at t = year (annual trends) or at t = year + 0.375, the
    mean of the year's quarter times (quarterly trends). The fitted interval is the delta-method
    interval on the linear predictor, expit(η̂ ± z·se); the prediction interval adds the
    sampling variation of ``batches`` batches (default: the batches of the last observed year)
    by seeded simulation (see :class:`ForecastResult` for the meaning of the probabilities).
    ``target`` is a pass rate in [0, 1]; for "k pp above a reference" pass reference + k/100.
    A deadline beyond the data is an extrapolation; more than the data's own span ahead gives a
    ``QualityKitWarning``.
    """
    if target is not None and not 0.0 <= float(target) <= 1.0:
        raise ParameterError(f"target must be a pass rate in [0, 1] (not percent), got {target!r}")
    fitted = trend.fitted
    if len(fitted) == 0:
        raise ParameterError("the trend has no data to forecast from")
    last_year = int(np.floor(fitted["t"].max()))
    if batches is None:
        batches = int(fitted.loc[np.floor(fitted["t"]) == last_year, "batches"].sum())
    batches = int(batches)
    if batches < 1:
        raise ParameterError(f"batches must be a positive whole number, got {batches!r}")
    years = np.arange(last_year + 1, int(to_year) + 1)
    if int(to_year) <= last_year:
        years = np.array([int(to_year)])
    offset = 0.375 if trend.quarterly else 0.0
    t_new = years + offset
    span = fitted["t"].max() - fitted["t"].min()
    if t_new.max() - fitted["t"].max() > max(span, 1.0):
        warnings.warn(
            f"forecasting {t_new.max() - fitted['t'].max():.1f} years ahead from a trend "
            f"fitted over {span:.1f} years: a long extrapolation",
            QualityKitWarning,
            stacklevel=2,
        )
    conf = trend.conf
    q = stats.norm.ppf(1.0 - (1.0 - conf) / 2.0)
    x = np.column_stack([np.ones(len(t_new)), t_new - trend.t_ref])
    eta = x @ trend.params
    se = np.sqrt(np.einsum("ij,jk,ik->i", x, trend.cov, x))
    rng = np.random.default_rng(seed)
    valid = np.all(np.isfinite(trend.params))
    if valid:
        sim = _simulate_observed(eta, se, np.full(len(eta), batches), trend.scale, n_sim, rng)
        pred_lo = np.quantile(sim, (1.0 - conf) / 2.0, axis=0)
        pred_hi = np.quantile(sim, 1.0 - (1.0 - conf) / 2.0, axis=0)
    else:
        sim = np.full((1, len(eta)), np.nan)
        pred_lo = pred_hi = np.full(len(eta), np.nan)
    future = pd.DataFrame(
        {
            "year": years,
            "t": t_new,
            "batches": batches,
            "passed": pd.array([pd.NA] * len(years), dtype="Int64"),
            "observed": np.nan,
            "fitted": special.expit(eta),
            "fit_lower": special.expit(eta - q * se),
            "fit_upper": special.expit(eta + q * se),
            "pred_lower": pred_lo,
            "pred_upper": pred_hi,
        }
    )
    past = fitted.assign(forecast=False)
    table = pd.concat([past, future.assign(forecast=True)], ignore_index=True)
    i = len(years) - 1
    row: dict[str, object] = {
        "year": int(years[i]),
        "target": np.nan if target is None else float(target),
        "fitted": float(special.expit(eta[i])),
        "fit_lower": float(special.expit(eta[i] - q * se[i])),
        "fit_upper": float(special.expit(eta[i] + q * se[i])),
        "pred_lower": float(pred_lo[i]),
        "pred_upper": float(pred_hi[i]),
        "batches": batches,
        "prob_expected_meets": np.nan,
        "prob_observed_meets": np.nan,
        "prob_observed_mc_se": np.nan,
        "n_sim": int(n_sim),
        "seed": int(seed),
    }
    if target is not None and valid:
        tgt = float(target)
        with np.errstate(divide="ignore"):
            logit_t = special.logit(tgt)
        row["prob_expected_meets"] = float(stats.norm.sf((logit_t - eta[i]) / se[i]))
        need = np.ceil(tgt * batches - 1e-9)
        hit = sim[:, i] * batches >= need - 1e-9
        prob = float(np.mean(hit))
        row["prob_observed_meets"] = prob
        row["prob_observed_mc_se"] = float(np.sqrt(prob * (1.0 - prob) / sim.shape[0]))
    return ForecastResult(table=table, attainment=pd.DataFrame([row]))
