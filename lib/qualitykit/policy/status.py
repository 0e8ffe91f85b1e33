"""Status rules of the target scorecard: codes and numbers, no I/O and no prose.

Statuses (stable codes, :data:`STATUSES`)
-----------------------------------------
``met`` / ``not_met``
    The deadline has been reached (or the target has none): the value of the deadline year (the
    latest value) is compared with the requirement **through its confidence interval**. ``met``
    when the whole interval meets it, ``not_met`` when the whole interval fails it.
``inconclusive``
    The data cannot decide: the interval straddles the requirement (deadline reached or no
    deadline); or, deadline ahead, the probability of meeting it lies between
    :data:`PROB_OFF_TRACK` and :data:`PROB_ON_TRACK`; or, deadline ahead without a usable trend,
    the latest value's interval straddles the requirement.
``on_track`` / ``off_track``
    Deadline ahead. With a trend (≥ 3 observed years): the probability of meeting the target at
    the deadline, ``prob_meet``, is at least :data:`PROB_ON_TRACK` (likely) / at most
    :data:`PROB_OFF_TRACK` (unlikely). The bounds are the IPCC's calibrated likelihood language
    ("likely" ≥ 66 %, "unlikely" ≤ 33 %, in between "about as likely as not"; Mastrandrea et al.
    2010, *Guidance Note for Lead Authors of the IPCC Fifth Assessment Report on Consistent
    Treatment of Uncertainties*, Table 1). Without a usable trend (fewer than 3 years, or a trend
    that cannot be estimated): the latest value's interval lies wholly on the meeting / failing
    side.
``no_data``
    No series, no observation in the deadline year, or nothing to compare with; ``reason_code``
    says which.
``qualitative``
    An aim without a number.

The interval is the Wilson score interval of the pass rate (:func:`qualitykit.stats.metrics.
binomial_ci`) for absolute targets, and Newcombe's hybrid score interval of the gap to the
reference (:func:`qualitykit.stats.benchmark.relative_target`; Newcombe 1998, method 10) for
relative ones, compared with ``k`` pp (``高于…平均水平`` needs a gap strictly above 0). Published
values without counts have no interval: their status rests on the point value (``evidence`` =
``point``). ``point_status`` gives the status on the point estimate alone (P ≥ 0.5 for forecasts),
so a report can say "the observed rate meets the letter of the target, but the data cannot
confirm it".

Comparators: ``>=`` and ``==`` are read as "reaches" (value ≥ threshold; for a pass rate of 100 %
the two coincide, and an observed 100 % is ``inconclusive``: no finite number of batches shows a
rate of 100 %), ``<=`` as value ≤ threshold. A range (and a ranged ``above_reference_by`` such as
"高于全省平均水平2-5个百分点") takes its lower bound as the requirement — "at least 2 pp above,
aiming at up to 5" — and ``range_position`` reports where the value lies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from qualitykit.errors import QualityKitWarning
from qualitykit.policy.forecast import EPS, glm_forecast, meets, ols_forecast
from qualitykit.policy.model import Target
from qualitykit.policy.vocabulary import is_rate

STATUSES: tuple[str, ...] = (
    "met",
    "not_met",
    "inconclusive",
    "on_track",
    "off_track",
    "no_data",
    "qualitative",
)
"""The status codes, in the order of :func:`~qualitykit.policy.scorecard.scorecard_summary`."""

EVALUATED: tuple[str, ...] = ("met", "not_met", "inconclusive", "on_track", "off_track")
"""Statuses of targets evaluated against data."""

HEADLINE_ORDER: tuple[str, ...] = ("not_met", "off_track", "inconclusive", "on_track", "met")
"""From the least to the most favourable (:func:`headline_status`)."""

PROB_ON_TRACK = 0.66
"""``prob_meet`` at or above this: on track ("likely", IPCC AR5 guidance)."""
PROB_OFF_TRACK = 0.33
"""``prob_meet`` at or below this: off track ("unlikely", IPCC AR5 guidance)."""

EVIDENCE: tuple[str, ...] = ("interval", "point", "probability")
"""What a status rests on: a confidence interval against the requirement, a point value
(published figures without counts), or the probability of meeting the target at the deadline."""

REASON_CODES: dict[str, str] = {
    "qualitative": "qualitative aim: no number to evaluate",
    "region_unknown": "the region the target applies to is not known",
    "not_observable": "the provider serves no series of this indicator",
    "reference_unknown": "the reference region is not known",
    "no_series": "the provider has no series for this region and scope (provider_reason_*)",
    "no_reference_series": "the provider has no series for the reference (provider_reason_*)",
    "unit_mismatch": "the target's unit does not fit the indicator's series",
    "no_threshold": "the target gives no usable threshold",
    "relative_not_rate": "relative targets are supported for rate indicators only",
    "no_common_year": "no year with data for both the region and its reference",
    "mixed_series": "the region and its reference come from different kinds of series",
    "reference_excludes_region": "the reference counts do not include the region's own",
    "whole_reference": "in obs_year all batches of the reference are the region's own",
    "no_deadline_observation": "the deadline has passed but its year has no observation",
    "deadline_reached": "judged on the deadline year's value",
    "no_deadline": "no deadline: judged on the latest value",
    "forecast": "deadline ahead: judged on the probability of meeting it (prob_meet)",
    "no_trend_few_years": "deadline ahead, fewer than 3 years: judged on the latest value",
    "no_trend_not_estimable": "deadline ahead, trend not estimable: judged on the latest value",
}
"""``reason_code`` values: why the status is what it is (stable codes)."""

Direction = Literal[">=", "<="]


# ---------------------------------------------------------------------------------------------
# the rules
# ---------------------------------------------------------------------------------------------


def judge_point(value: float, required: float, direction: str = ">=", strict: bool = False) -> str:
    """``met`` / ``not_met`` on a point value."""
    return "met" if meets(value, required, direction, strict) else "not_met"


def judge_interval(
    lower: float, upper: float, required: float, direction: str = ">=", strict: bool = False
) -> str:
    """``met`` when the whole interval meets the requirement, ``not_met`` when the whole interval
    fails it, ``inconclusive`` when it straddles it (``direction`` ``>=``: at least; ``<=``: at
    most; ``strict``: strictly above)."""
    if direction == "<=":
        if meets(upper, required, "<=", strict):
            return "met"
        return "not_met" if not meets(lower, required, "<=", strict) else "inconclusive"
    if meets(lower, required, ">=", strict):
        return "met"
    return "not_met" if not meets(upper, required, ">=", strict) else "inconclusive"


def judge_probability(prob: float) -> str:
    """``on_track`` (P ≥ :data:`PROB_ON_TRACK`), ``off_track`` (P ≤ :data:`PROB_OFF_TRACK`) or
    ``inconclusive`` in between."""
    if prob >= PROB_ON_TRACK - EPS:
        return "on_track"
    if prob <= PROB_OFF_TRACK + EPS:
        return "off_track"
    return "inconclusive"


def headline_status(statuses: Iterable[object]) -> str | None:
    """One status for a set of targets (a district's headline): the least favourable of the
    evaluated ones in :data:`HEADLINE_ORDER` (not_met < off_track < inconclusive < on_track <
    met); ``no_data`` when none was evaluated; None when there are none."""
    seen = {str(s) for s in statuses if s is not None and not pd.isna(s)}
    if not seen:
        return None
    for s in HEADLINE_ORDER:
        if s in seen:
            return s
    return "no_data"


def _decide(
    row: dict[str, Any],
    est: float,
    lo: float,
    hi: float,
    required: float,
    direction: str,
    strict: bool,
    *,
    ahead: bool = False,
) -> None:
    """Status of a value (and its interval, if finite) against the requirement; ``ahead``: a
    deadline still ahead, judged on the latest value (met → on_track, not_met → off_track)."""
    point = judge_point(est, required, direction, strict)
    if math.isfinite(lo) and math.isfinite(hi):
        status = judge_interval(lo, hi, required, direction, strict)
        row["evidence"] = "interval"
        row["confident"] = status != "inconclusive"
    else:
        status = point
        row["evidence"] = "point"
    if ahead:
        track = {"met": "on_track", "not_met": "off_track", "inconclusive": "inconclusive"}
        status, point = track[status], track[point]
    row["status"] = status
    row["point_status"] = point
    row["estimate"] = est
    row["estimate_lower"] = lo if math.isfinite(lo) else None
    row["estimate_upper"] = hi if math.isfinite(hi) else None


def _probability(row: dict[str, Any], prob: float) -> None:
    row["status"] = judge_probability(prob)
    row["point_status"] = "on_track" if prob >= 0.5 else "off_track"
    row["evidence"] = "probability"


def no_data(row: dict[str, Any], code: str, en: str | None = None, zh: str | None = None) -> None:
    """Mark a row ``no_data`` with a reason code (and the provider's own words, if any)."""
    row.update(status="no_data", reason_code=code, provider_reason_en=en, provider_reason_zh=zh)


# ---------------------------------------------------------------------------------------------
# series and context
# ---------------------------------------------------------------------------------------------


@dataclass
class Series:
    """A yearly series of one request: counts (``batches``, ``passed``) or published values."""

    kind: Literal["counts", "values"]
    years: np.ndarray
    batches: np.ndarray | None
    passed: np.ndarray | None
    value: np.ndarray
    source: str
    horizon: int  # last year the data cover (≥ the last observed year)

    @staticmethod
    def from_counts(df: pd.DataFrame, horizon: int | None) -> Series:
        b = df["batches"].to_numpy(dtype=np.int64)
        p = df["passed"].to_numpy(dtype=np.int64)
        y = df["year"].to_numpy(dtype=np.int64)
        h = int(y.max()) if horizon is None else max(int(horizon), int(y.max()))
        return Series("counts", y, b, p, p / b, str(df["source"].iloc[0]), h)

    @staticmethod
    def from_values(df: pd.DataFrame, horizon: int | None) -> Series:
        y = df["year"].to_numpy(dtype=np.int64)
        h = int(y.max()) if horizon is None else max(int(horizon), int(y.max()))
        v = df["value"].to_numpy(dtype=float)
        return Series("values", y, None, None, v, str(df["source"].iloc[0]), h)

    def take(self, mask: np.ndarray) -> Series:
        return Series(
            self.kind,
            self.years[mask],
            None if self.batches is None else self.batches[mask],
            None if self.passed is None else self.passed[mask],
            self.value[mask],
            self.source,
            self.horizon,
        )

    def counts_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"year": self.years, "batches": self.batches, "passed": self.passed})


@dataclass(frozen=True)
class Context:
    """The evaluation settings (:func:`~qualitykit.policy.scorecard.evaluate`)."""

    as_of: int | None
    conf: float
    n_sim: int
    seed: int
    include_self: bool
    trend_years: int | None


def years_text(years: Iterable[int]) -> str:
    """2005–2010, 2021, 2023–2024 (runs of consecutive years collapsed)."""
    runs: list[list[int]] = []
    for y in sorted(int(y) for y in years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _window(years: np.ndarray, trend_years: int | None) -> np.ndarray:
    if trend_years is None or len(years) == 0:
        return np.ones(len(years), dtype=bool)
    return years > years.max() - trend_years


def _position(x: float, lo: float | None, hi: float | None) -> str | None:
    if lo is None or hi is None or not math.isfinite(x):
        return None
    if x < lo - EPS:
        return "below"
    if x > hi + EPS:
        return "above"
    return "within"


def _wilson(passed: int, batches: int, conf: float) -> tuple[float, float]:
    from qualitykit.stats.metrics import binomial_ci  # lazily: scipy.stats is slow to import

    ci = binomial_ci(passed, batches, conf, "wilson").iloc[0]
    return float(ci["ci_lower"]), float(ci["ci_upper"])


def _start(row: dict[str, Any], years: np.ndarray, horizon: int, ctx: Context) -> None:
    row["as_of"] = horizon
    row["n_years"] = len(years)
    row["years_observed"] = years_text(years)
    row["conf_level"] = ctx.conf


def _fit(row: dict[str, Any], fit: dict[str, float], scale: float, method: str) -> None:
    row.update(
        trend_per_year=fit["slope"] * scale,
        trend_lower=fit["slope_lower"] * scale,
        trend_upper=fit["slope_upper"] * scale,
        forecast=fit.get("forecast"),
        forecast_lower=fit.get("forecast_lower"),
        forecast_upper=fit.get("forecast_upper"),
        prob_meet=fit["prob"],
        prob_expected_meets=fit.get("prob_expected", np.nan),
        prob_method=method,
    )


# ---------------------------------------------------------------------------------------------
# absolute targets: a threshold or range
# ---------------------------------------------------------------------------------------------


def absolute_requirement(t: Target) -> tuple[float, str, float | None, float | None] | None:
    """(required value in the series' scale, direction, range low, range high) or None."""
    scale = 0.01 if t.unit == "pct" else 1.0
    if t.comparator in (">=", "==") and t.threshold is not None:
        return t.threshold * scale, ">=", None, None
    if t.comparator == "<=" and t.threshold is not None:
        return t.threshold * scale, "<=", None, None
    if t.comparator == "range" and t.range is not None:
        return t.range[0] * scale, ">=", t.range[0] * scale, t.range[1] * scale
    return None


def assess_absolute(row: dict[str, Any], t: Target, s: Series, ctx: Context) -> None:
    """Fill the row of a threshold / range target from its series (status rules above)."""
    rate = is_rate(t.indicator)
    if (rate and t.unit != "pct") or (not rate and t.unit != "index"):
        no_data(row, "unit_mismatch")
        return
    spec = absolute_requirement(t)
    if spec is None:
        no_data(row, "no_threshold")
        return
    req, direction, lo, hi = spec
    row["required"] = req
    years = s.years
    last = int(years.max())
    _start(row, years, s.horizon, ctx)
    dl = t.deadline_year

    def observe_at(year: int) -> tuple[float, float, float]:
        i = int(np.flatnonzero(years == year)[0])
        v = float(s.value[i])
        row.update(obs_year=year, observed=v, range_position=_position(v, lo, hi))
        lo_ci = hi_ci = np.nan
        if s.kind == "counts":
            b, p = int(s.batches[i]), int(s.passed[i])  # type: ignore[index]
            lo_ci, hi_ci = _wilson(p, b, ctx.conf)
            row.update(batches=b, passed=p, ci_lower=lo_ci, ci_upper=hi_ci)
        return v, lo_ci, hi_ci

    if dl is not None and s.horizon >= dl and dl not in years:
        no_data(row, "no_deadline_observation")
        return
    if dl is None or s.horizon >= dl:
        row["reason_code"] = "no_deadline" if dl is None else "deadline_reached"
        v, lo_ci, hi_ci = observe_at(last if dl is None else dl)
        _decide(row, v, lo_ci, hi_ci, req, direction, False)
        return
    # deadline ahead
    v, lo_ci, hi_ci = observe_at(last)
    row.update(forecast_year=dl, forecast_threshold=req, trend_of="value")
    win = s.take(_window(years, ctx.trend_years))
    row.update(n_fit_years=len(win.years), fit_years=years_text(win.years))
    notes: list[str] = []
    fit: dict[str, float] = {}
    if len(win.years) >= 3:
        if s.kind == "counts":
            fit = glm_forecast(
                win.counts_frame(),
                dl,
                req,
                direction,
                conf=ctx.conf,
                n_sim=ctx.n_sim,
                seed=ctx.seed,
                notes=notes,
            )
            method = "glm: P(observed pass rate in the deadline year meets the requirement)"
        else:
            fit = ols_forecast(win.years, win.value, dl, req, direction, ctx.conf)
            method = "ols: Student-t predictive P(published value in the deadline year meets it)"
    if notes:
        row["notes"] = "; ".join(dict.fromkeys(notes))
    prob = fit.get("prob", np.nan)
    if math.isfinite(prob):
        scale = 100.0 if (rate and s.kind == "values") else 1.0
        _fit(row, fit, scale, method)
        row["trend_unit"] = "pp" if rate else "points"
        row["reason_code"] = "forecast"
        row["estimate"] = v
        row["estimate_lower"] = lo_ci if math.isfinite(lo_ci) else None
        row["estimate_upper"] = hi_ci if math.isfinite(hi_ci) else None
        _probability(row, prob)
        return
    row["reason_code"] = "no_trend_few_years" if len(win.years) < 3 else "no_trend_not_estimable"
    _decide(row, v, lo_ci, hi_ci, req, direction, False, ahead=True)


# ---------------------------------------------------------------------------------------------
# relative targets: above (k pp above) a reference average
# ---------------------------------------------------------------------------------------------


def relative_k(t: Target) -> tuple[float, bool, float | None, float | None]:
    """(k in pp, strict, range low, range high) of a relative target."""
    if t.comparator == "above_reference":
        return 0.0, True, None, None
    if t.range is not None:
        return t.range[0], False, t.range[0], t.range[1]
    return float(t.threshold or 0.0), False, None, None


def _gaps(
    row: dict[str, Any], own: Series, ref: Series, k: float, contains: bool, ctx: Context
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(gap, lower, upper in pp; reference value) for every common year; None (and no_data) when
    the reference counts cannot contain the region's."""
    if own.kind == "values":
        gap = 100.0 * (own.value - ref.value)
        return gap, np.full(len(gap), np.nan), np.full(len(gap), np.nan), ref.value
    import warnings

    from qualitykit.stats.benchmark import relative_target

    b, p = own.batches, own.passed
    rb, rp = ref.batches, ref.passed
    if contains:
        if np.any(rb < b) or np.any(rp < p) or np.any(rp - p > rb - b):  # type: ignore[operator]
            no_data(row, "reference_excludes_region")
            return None
        pb, pp_, incl = rb, rp, ctx.include_self
    else:  # reference outside the region: compare with it as it is
        pb, pp_, incl = rb + b, rp + p, False  # type: ignore[operator]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        rel = relative_target(
            pd.DataFrame({"batches": b, "passed": p}),
            k_pp=k,
            include_self=incl,
            parent_batches=pb,
            parent_passed=pp_,
            level=ctx.conf,
        )
    return (
        rel["gap_pp"].to_numpy(float),
        rel["gap_lower_pp"].to_numpy(float),
        rel["gap_upper_pp"].to_numpy(float),
        rel["parent_rate"].to_numpy(float),
    )


def assess_relative(
    row: dict[str, Any],
    t: Target,
    own: Series,
    ref: Series,
    ctx: Context,
    ref_trends: dict[tuple, dict[str, float]],
    contains: bool,
) -> None:
    """Fill the row of a relative target (``above_reference(_by)``) from the region's series and
    its reference's; ``contains``: the reference region contains the region (its counts include
    the region's); ``ref_trends`` caches the reference forecasts shared by several rows."""
    if not is_rate(t.indicator):
        no_data(row, "relative_not_rate")
        return
    k, strict, lo_k, hi_k = relative_k(t)
    row["required"] = k
    row["conf_level"] = ctx.conf
    common = np.intersect1d(own.years, ref.years)
    if len(common) == 0:
        no_data(row, "no_common_year")
        return
    own = own.take(np.isin(own.years, common))
    ref = ref.take(np.isin(ref.years, common))
    if own.kind != ref.kind:
        no_data(row, "mixed_series")
        return
    row["ref_excludes_region"] = bool(contains and not ctx.include_self and own.kind == "counts")
    gaps = _gaps(row, own, ref, k, contains, ctx)
    if gaps is None:
        return
    gap, glo, ghi, refv = gaps
    years = own.years
    last = int(years.max())
    horizon = min(own.horizon, ref.horizon)
    _start(row, years, horizon, ctx)
    dl = t.deadline_year

    def observe_at(year: int) -> int:
        i = int(np.flatnonzero(years == year)[0])
        row.update(obs_year=year, observed=float(own.value[i]), ref_value=float(refv[i]))
        if own.kind == "counts":
            b, p = int(own.batches[i]), int(own.passed[i])  # type: ignore[index]
            lo_ci, hi_ci = _wilson(p, b, ctx.conf)
            row.update(batches=b, passed=p, ci_lower=lo_ci, ci_upper=hi_ci)
        row["gap_pp"] = float(gap[i])
        row["gap_lower_pp"] = float(glo[i]) if math.isfinite(glo[i]) else None
        row["gap_upper_pp"] = float(ghi[i]) if math.isfinite(ghi[i]) else None
        row["range_position"] = _position(float(gap[i]), lo_k, hi_k)
        return i

    def whole_reference(i: int) -> bool:
        """The region is all of its reference in that year: no other batches to compare with."""
        if math.isfinite(float(gap[i])):
            return False
        no_data(row, "whole_reference")
        return True

    if dl is not None and horizon >= dl and dl not in years:
        no_data(row, "no_deadline_observation")
        return
    if dl is None or horizon >= dl:
        i = observe_at(last if dl is None else dl)
        if whole_reference(i):
            return
        row["reason_code"] = "no_deadline" if dl is None else "deadline_reached"
        _decide(row, float(gap[i]), float(glo[i]), float(ghi[i]), k, ">=", strict)
        return
    i = observe_at(last)
    if whole_reference(i):
        return
    mask = _window(years, ctx.trend_years)
    row.update(
        forecast_year=dl,
        n_fit_years=int(mask.sum()),
        fit_years=years_text(years[mask]),
        trend_of="value" if own.kind == "counts" else "gap",
    )
    notes: list[str] = []
    fit: dict[str, float] = {}
    method = None
    if mask.sum() >= 3:
        if own.kind == "counts":
            # the reference's trend, forecast to the deadline and taken as known
            rs = ref
            if contains and not ctx.include_self:
                rb, rp = ref.batches - own.batches, ref.passed - own.passed  # type: ignore[operator]
                rs = Series("counts", years, rb, rp, ref.value, ref.source, ref.horizon)
            rs = rs.take(mask)
            key = (row["ref_region_code"], rs.source, tuple(rs.years), tuple(rs.batches), dl)  # type: ignore[arg-type]
            key += (tuple(rs.passed),)  # type: ignore[arg-type]
            if key not in ref_trends:
                ref_trends[key] = glm_forecast(
                    rs.counts_frame(),
                    dl,
                    None,
                    ">=",
                    conf=ctx.conf,
                    n_sim=ctx.n_sim,
                    seed=ctx.seed,
                    notes=notes,
                )
            rfit = ref_trends[key]
            if math.isfinite(rfit.get("forecast", np.nan)):
                thr = rfit["forecast"] + k / 100.0
                row["forecast_threshold"] = thr
                fit = glm_forecast(
                    own.take(mask).counts_frame(),
                    dl,
                    thr,
                    ">=",
                    conf=ctx.conf,
                    n_sim=ctx.n_sim,
                    seed=ctx.seed,
                    notes=notes,
                )
                method = (
                    "glm: P(observed pass rate in the deadline year ≥ forecast reference + k pp)"
                )
        else:
            fit = ols_forecast(years[mask], gap[mask] / 100.0, dl, k / 100.0, ">=", ctx.conf)
            fit = {**fit, "forecast": np.nan, "forecast_lower": np.nan, "forecast_upper": np.nan}
            method = "ols on the gap: Student-t predictive P(gap in the deadline year ≥ k pp)"
    if notes:
        row["notes"] = "; ".join(dict.fromkeys(notes))
    prob = fit.get("prob", np.nan)
    if math.isfinite(prob):
        _fit(row, fit, 100.0 if own.kind == "values" else 1.0, str(method))
        row["trend_unit"] = "pp"
        row["reason_code"] = "forecast"
        row["estimate"] = float(gap[i])
        row["estimate_lower"] = float(glo[i]) if math.isfinite(glo[i]) else None
        row["estimate_upper"] = float(ghi[i]) if math.isfinite(ghi[i]) else None
        _probability(row, prob)
        return
    n_fit = int(mask.sum())
    row["reason_code"] = "no_trend_few_years" if n_fit < 3 else "no_trend_not_estimable"
    _decide(row, float(gap[i]), float(glo[i]), float(ghi[i]), k, ">=", strict, ahead=True)
