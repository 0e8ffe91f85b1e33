"""Trends and forecasts of a target's series to its deadline, with the probability of meeting it.

* :func:`ols_forecast` — value series (published figures without counts): ordinary least squares
  on the year (statsmodels ``OLS(...).fit().get_prediction(...)``), the slope with its t
  interval, the prediction interval of a new value at the deadline and P(new value meets the
  requirement) under the Student-t predictive distribution, df = n − 2 (Montgomery, Peck & Vining
  2012, *Introduction to Linear Regression Analysis*, 5th ed., §2.5, prediction of new
  observations; read as a probability it is the flat-prior Bayesian predictive).
* :func:`glm_forecast` — counts series: binomial GLM (logit) trend, quasi-binomial when
  overdispersed (:func:`qualitykit.stats.trends.glm_trend`), its change in pp/year at the last
  observed year, and :func:`qualitykit.stats.trends.forecast` to the deadline; ``prob`` is the
  probability that the pass rate *observed* in the deadline year (on as many batches as in the
  last observed year) meets the requirement, ``prob_expected`` that the underlying rate does.

Both assume that the fitted line continues to the deadline; they say nothing about changes of
sampling design or policy. Numbers only: no I/O, no prose (the notes are the warnings of
:mod:`qualitykit.stats.trends`, kept for the ``notes`` column).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from qualitykit.errors import QualityKitWarning

EPS = 1e-9

MAX_SLOPE_SE = 5.0
"""A GLM slope with a standard error above this (odds ratios per year spanning e^±10) is a
quasi-complete separation, not a trend: treated as not estimable."""

NOT_IDENTIFIED = (
    "the logit trend is not identified (quasi-complete separation: the pass rate runs into 0 or "
    "100 %); no forecast"
)


def meets(x: float, req: float, direction: str, strict: bool = False) -> bool:
    """Does ``x`` meet the requirement ``req`` (``direction`` ``>=`` or ``<=``; ``strict``:
    strictly above / below)? Equality within 1e-9 counts as meeting a non-strict requirement."""
    if direction == "<=":
        return x < req - EPS if strict else x <= req + EPS
    return x > req + EPS if strict else x >= req - EPS


def ols_forecast(
    years: np.ndarray, y: np.ndarray, to_year: int, req: float, direction: str, conf: float
) -> dict[str, float]:
    """OLS line through (year, y): ``slope`` with its t interval, ``forecast`` at ``to_year``
    with its prediction interval, and ``prob`` = P(new value meets ``req``) under the t
    predictive distribution. The year is centred at its mean before fitting (the same line,
    better conditioned)."""
    from statsmodels.regression.linear_model import OLS  # lazily: statsmodels is slow to import

    t = np.asarray(years, dtype=float)
    centre = float(t.mean())
    x = np.column_stack([np.ones_like(t), t - centre])
    res = OLS(np.asarray(y, dtype=float), x).fit()
    alpha = 1.0 - conf
    slope_ci = np.asarray(res.conf_int(alpha))[1]
    pred = res.get_prediction(np.array([[1.0, to_year - centre]]))
    frame = pred.summary_frame(alpha=alpha)
    fc = float(frame["mean"].iloc[0])
    se_obs = float(np.sqrt(pred.var_pred_mean[0] + res.scale))
    df = float(res.df_resid)
    if se_obs > 0:
        z = (req - fc) / se_obs
        prob = float(stats.t.sf(z, df)) if direction != "<=" else float(stats.t.cdf(z, df))
    else:
        prob = float(meets(fc, req, direction))
    return {
        "slope": float(res.params[1]),
        "slope_lower": float(slope_ci[0]),
        "slope_upper": float(slope_ci[1]),
        "forecast": fc,
        "forecast_lower": float(frame["obs_ci_lower"].iloc[0]),
        "forecast_upper": float(frame["obs_ci_upper"].iloc[0]),
        "prob": prob,
    }


def glm_forecast(
    counts: pd.DataFrame,
    to_year: int,
    req: float | None,
    direction: str,
    *,
    conf: float,
    n_sim: int,
    seed: int,
    notes: list[str],
) -> dict[str, float]:
    """:func:`~qualitykit.stats.trends.glm_trend` + :func:`~qualitykit.stats.trends.forecast` of a
    counts series (``year, batches, passed``); probabilities for ``req`` (a proportion; None: the
    forecast only). Warnings of the trend go to ``notes``. Keys: ``slope`` (+ ``_lower``,
    ``_upper``, pp/year at the last year), ``forecast`` (+ ``_lower``, ``_upper``), ``prob``,
    ``prob_expected``; missing keys (or NaN) when the trend cannot be estimated."""
    from qualitykit.stats.trends import forecast, glm_trend

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QualityKitWarning)
        trend = glm_trend(counts, conf=conf, n_sim=200, seed=seed)
        m = int(counts["batches"].iloc[-1])
        out: dict[str, float] = {"prob": np.nan, "prob_expected": np.nan}
        if not np.all(np.isfinite(trend.params)):
            notes.extend(
                str(w.message) for w in caught if issubclass(w.category, QualityKitWarning)
            )
            return out
        terms = trend.terms.set_index("term")
        if float(terms.loc["slope_logit", "std_error"]) > MAX_SLOPE_SE:
            notes.append(NOT_IDENTIFIED)
            return out
        out["slope"] = float(terms.loc["change_pp_per_year_last", "estimate"])
        out["slope_lower"] = float(terms.loc["change_pp_per_year_last", "ci_lower"])
        out["slope_upper"] = float(terms.loc["change_pp_per_year_last", "ci_upper"])
        target = None
        if req is not None:
            if direction == "<=":
                hi = (math.floor(req * m + 1e-9) + 1) / m
                target = hi if hi <= 1.0 else None
            else:
                target = min(max(req, 0.0), 1.0) if req <= 1.0 + EPS else None
        # without a requirement only the fitted value is used: a small simulation suffices
        sims = n_sim if req is not None else 100
        fc = forecast(trend, to_year, target=target, batches=m, n_sim=sims, seed=seed)
        a = fc.attainment.iloc[0]
        out["forecast"] = float(a["fitted"])
        out["forecast_lower"] = float(a["pred_lower"])
        out["forecast_upper"] = float(a["pred_upper"])
        if req is not None:
            if direction == "<=":
                if target is None:
                    out["prob"], out["prob_expected"] = 1.0, 1.0
                else:
                    out["prob"] = 1.0 - float(a["prob_observed_meets"])
                    at_req = forecast(
                        trend, to_year, target=min(max(req, 0.0), 1.0), batches=m, n_sim=100
                    ).attainment.iloc[0]
                    out["prob_expected"] = 1.0 - float(at_req["prob_expected_meets"])
            elif target is None:  # requirement above 100 %
                out["prob"], out["prob_expected"] = 0.0, 0.0
            else:
                out["prob"] = float(a["prob_observed_meets"])
                out["prob_expected"] = float(a["prob_expected_meets"])
    notes.extend(str(w.message) for w in caught if issubclass(w.category, QualityKitWarning))
    return out
