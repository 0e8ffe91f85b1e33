"""Empirical-Bayes shrinkage of unit pass rates with a beta-binomial prior.

:func:`fit_beta_binomial` fits Beta(α, β) to the units' true rates (marginal maximum likelihood or
moments); :func:`eb_shrinkage` returns each unit's posterior mean and interval. References: Efron
& Morris (1975) *JASA* 70:311; Kahn & Raftery (1996); Gelman et al. BDA3 §5.1; Tarone (1979)
*Biometrika* 66:585 (the score test that decides complete pooling).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, special

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.stats._checks import check_choice, check_level
from qualitykit.stats._units import unit_counts

__all__ = ["BetaBinomialFit", "eb_shrinkage", "fit_beta_binomial"]


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
    tarone_z: float = float("nan")
    """Tarone's (1979) score statistic for extra-binomial variation, (S − Σn)/√(2Σn(n − 1)),
    S = Σ(x − n·p̂)²/(p̂(1 − p̂)); ≤ 0 means the likelihood falls as the prior leaves complete
    pooling (NaN for ``method="moments"``)."""
    pooled: bool = False
    """Complete pooling: no extra-binomial variation, α + β set to the cap 1e9."""

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


def _tarone(x: np.ndarray, n: np.ndarray, p: float) -> tuple[float, float]:
    """Tarone's (1979) score for extra-binomial variation: (S − Σn, Z), Z = (S − Σn)/√(2Σn(n−1)).

    S − Σn is twice the derivative of the beta-binomial log-likelihood with respect to
    1/(α + β) at complete pooling (p at the pooled rate), times p(1 − p)."""
    s = float(np.sum((x - n * p) ** 2) / (p * (1.0 - p)))
    score = s - float(n.sum())
    denom = math.sqrt(2.0 * float(np.sum(n * (n - 1.0))))
    return score, (score / denom if denom > 0 else math.nan)


def _gain_over_pooling(
    m: float, big: float, p: float, x: np.ndarray, n: np.ndarray, fallback: float
) -> float:
    """log L(α, β) − log L(complete pooling at p), stable for large α + β = ``big``.

    For whole counts, log B(x + a, n − x + b) − log B(a, b) = x·log m + (n − x)·log(1 − m) +
    Σ_{j<x} log1p(j/a) + Σ_{j<n−x} log1p(j/b) − Σ_{j<n} log1p(j/(a + b)), a = m·big,
    b = (1 − m)·big: no difference of two large log-gamma values. Non-integer counts (or
    denominators beyond 10⁶) use ``fallback``, the plain difference of the two log-likelihoods.
    """
    whole = bool(np.all(x == np.round(x)) and np.all(n == np.round(n)))
    if not whole or n.max() > 1e6:
        return fallback
    a, b = m * big, (1.0 - m) * big
    j = np.arange(int(n.max()), dtype=float)
    cum_a = np.concatenate([[0.0], np.cumsum(np.log1p(j / a))])
    cum_b = np.concatenate([[0.0], np.cumsum(np.log1p(j / b))])
    cum_ab = np.concatenate([[0.0], np.cumsum(np.log1p(j / big))])
    xi, ni = x.astype(np.int64), n.astype(np.int64)
    extra = float(np.sum(cum_a[xi] + cum_b[ni - xi] - cum_ab[ni]))
    mean_part = float(
        np.sum(x * (math.log(m) - math.log(p)) + (n - x) * (math.log1p(-m) - math.log1p(-p)))
    )
    return extra + mean_part


def fit_beta_binomial(
    units: pd.DataFrame, *, method: Literal["mle", "moments"] = "mle"
) -> BetaBinomialFit:
    """Fit the Beta(α, β) distribution of true pass rates (the empirical-Bayes prior).

    ``"mle"``: marginal (type-II) maximum likelihood of the beta-binomial model, maximised over
    (logit mean, log(α+β)) with analytic gradients (e.g. Kahn & Raftery 1996; Efron 2010 ch. 1;
    R BayesGOF ``gMLE.bb``). ``"moments"``: match the mean and variance of the observed rates,
    ignoring binomial noise (Gelman et al., BDA3 §5.1, p. 102) — quick but under-shrinks. When the
    units show no extra-binomial variation the MLE runs to α + β → ∞ (complete pooling); it is
    capped at 1e9 with a :class:`QualityKitWarning` (``pooled=True``). Complete pooling is decided
    by Tarone's (1979) score test statistic (``tarone_z`` ≤ 0: the likelihood falls as the prior
    leaves complete pooling) and a numerically stable form of the optimum's gain over complete
    pooling (relative tolerance 1e-10) — never by comparing log-likelihoods that differ only by
    rounding at α + β ≈ 1e9.

    The opposite degenerate case — α or β → 0, a prior with all its mass at 0 and 1, which the
    MLE approaches when every unit passes all or none of very few batches — gives posteriors whose
    intervals miss their own means. Either method therefore keeps the fitted mean and raises
    α + β until min(α, β) = 0.05 (``bounded=True``, with a :class:`QualityKitWarning`); fits with
    α, β ≥ 0.05 are unchanged.
    """
    batches, passed = unit_counts(units)
    how = check_choice(method, "method", ("mle", "moments"))
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
    ll_fit = -float(res.fun)
    # Complete pooling (α + β → ∞) is decided without comparing two log-likelihoods that differ
    # by rounding noise at α + β ≈ 1e9: Tarone's score (the slope of the log-likelihood in
    # 1/(α + β) at complete pooling) is ≤ 0 and the optimum found does not beat complete pooling
    # — its gain computed in a numerically stable form, with a relative tolerance of 1e-10 — or
    # the optimiser ran to the cap.
    score, tarone = _tarone(x, n, pooled)
    ll_pooled = float(np.sum(x * math.log(pooled) + (n - x) * math.log1p(-pooled)))
    gain = _gain_over_pooling(m, big, pooled, x, n, ll_fit - ll_pooled)
    no_gain = gain <= 1e-10 * max(1.0, abs(ll_pooled))
    at_cap = big >= _MAX_PRECISION * (1.0 - 1e-6)
    pooled_fit = (score <= 0.0 and no_gain) or at_cap
    if pooled_fit:
        m, big = pooled, _MAX_PRECISION  # complete pooling: the MLE of the mean is the pooled rate
        ll_fit = ll_pooled
        warnings.warn(
            "fit_beta_binomial: no extra-binomial variation between units; the prior precision "
            f"is capped at {_MAX_PRECISION:g} (complete pooling to the mean)",
            QualityKitWarning,
            stacklevel=2,
        )
    a, b, bounded = _floor_shapes(m * big, (1.0 - m) * big)
    if bounded:
        ll_fit = _bb_loglik(a, b, x, n)
    converged = bool(res.success) or pooled_fit
    return BetaBinomialFit(a, b, "mle", ll_fit, converged, bounded, tarone, pooled_fit)


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
    batches, passed = unit_counts(units)
    lev = check_level(level, "level")
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
