"""Target scorecard (``qualitykit.policy.scorecard``).

What the tests compare with:

* **Synthetic series whose answer is known by construction** (``tests/fixtures/scorecard/
  synthetic_scorecard.yaml`` holds the targets, :func:`_synthetic_counts` the counts): a rate
  clearly above / below a threshold at a past deadline, a rising and a falling logistic series,
  a region without data, a qualitative aim, relative targets met / not met against a synthetic
  province. Gaps, intervals, trend slopes and the probability that the expected rate meets a
  target are recomputed here independently — with statsmodels' GLM directly and the Wilson /
  Newcombe formulas written out — not with the functions under test.
* **Real published national series** for the 质量强国建设纲要 2025 targets: RPQ (制造业产品质量
  合格率) 2017 93.71 and 2020 93.39 (NBS statistical communiques), 2023 93.65 and 2024 93.93
  (SAMR monitoring releases); QCI (制造业质量竞争力指数) 2005–2010, 2021, 2023, 2024; the 2023
  agricultural monitoring actual 97.8; food supervision sampling totals 2021–2023. The numbers
  are typed below with their sources (the same as ``data/reference``, whose URLs are in the
  CSVs). What they imply — not met as of 2024, the OLS forecast and its predictive probability —
  is computed here with numpy/scipy.
* **The registry itself**: every quantitative target appears in the output with its source
  sentence (compared with ``targets_table()``).

No published scorecard of these documents exists to compare with (none was found), so the
statuses of the seed targets on the synthetic sample are not checked against outside figures;
they are checked against the sample's own records, aggregated independently.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from qualitykit.data import regions
from qualitykit.errors import ParameterError
from qualitykit.policy import scorecard, targets
from qualitykit.policy.scorecard import (
    STATUSES,
    CompositeProvider,
    CountsProvider,
    Observations,
    ReferenceProvider,
    SeriesProvider,
    evaluate,
)

FIXTURES = Path(__file__).parent / "fixtures" / "scorecard"
N_SIM = 4000  # enough for the clear-cut probabilities tested here; keeps the suite fast


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


def _rows(region, level, years, batches, passed, product="其他"):
    return [
        {
            "region_code": region,
            "year": int(y),
            "check_level": level,
            "product": product,
            "batches": int(b),
            "passed": int(p),
        }
        for y, b, p in zip(years, np.broadcast_to(batches, len(years)), passed, strict=True)
    ]


def _logistic(years, a, b, n):
    t = np.asarray(years, dtype=float)
    return np.rint(n * special.expit(a + b * (t - 2011))).astype(int)


RISING = (np.arange(2008, 2015), 1.5, 0.35, 1000)  # 431021 provincial
FALLING = (np.arange(2008, 2015), 3.5, -0.30, 1000)  # 431022 provincial
COUNTY_UNIT = (np.arange(2008, 2015), 1.0, 0.40, 500)  # 431021 county-level checks


def _synthetic_counts() -> pd.DataFrame:
    y5 = np.arange(2011, 2016)
    rows = []
    rows += _rows("431002", "provincial", y5, 400, [392] * 5)  # 98 %: clearly above 90 %
    rows += _rows("431002", "provincial", [2015], 100, [80], product="皮鞋")  # a product group
    rows += _rows("431003", "provincial", y5, 400, [320] * 5)  # 80 %: clearly below 90 %
    for region, (yrs, a, b, n) in (("431021", RISING), ("431022", FALLING)):
        rows += _rows(region, "provincial", yrs, n, _logistic(yrs, a, b, n))
    rows += _rows("431023", "provincial", [2013, 2014], 200, [190, 194])  # two years only
    rows += _rows("431024", "provincial", [2013, 2014, 2016], 200, [196, 196, 198])  # no 2015
    rows += _rows("431025", "provincial", [2014, 2015], 50, [49, 50])  # 100 % in 2015
    rows += _rows("431026", "provincial", [2015], 400, [380])  # 95 %
    rows += _rows("431027", "provincial", range(2011, 2015), 200, [190] * 4)  # ends in 2014
    rows += _rows("431028", "provincial", range(2012, 2015), 100, [100] * 3)  # always 100 %
    # municipal checks 2015: a district exactly at the provincial average (90 %)
    rows += _rows("431026", "municipal", [2015], 100, [90])
    rows += _rows("430102", "municipal", [2015], 1000, [900])
    # national checks 2015: the city (431002 + 431003) against the province
    rows += _rows("431002", "national", [2015], 500, [490])
    rows += _rows("431003", "national", [2015], 100, [91])
    rows += _rows("430102", "national", [2015], 1500, [1350])
    # county-level checks: a rising district and a flat rest of the province
    yrs, a, b, n = COUNTY_UNIT
    rows += _rows("431021", "county", yrs, n, _logistic(yrs, a, b, n))
    rows += _rows("430102", "county", yrs, 2000, [1800] * len(yrs))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def synth_registry() -> targets.Registry:
    return targets.load_registry(FIXTURES / "synthetic_scorecard.yaml")


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return _synthetic_counts()


@pytest.fixture(scope="module")
def synth(synth_registry, counts) -> pd.DataFrame:
    out = evaluate(synth_registry, CountsProvider(counts), n_sim=N_SIM)
    return out.set_index("target_id", drop=False)


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    reg = targets.load_registry()
    out = evaluate([t for t in reg if t.document_id == "national_2025"], ReferenceProvider())
    return out.set_index("target_id", drop=False)


# independent formulas --------------------------------------------------------------------------


def wilson(x: float, n: float, conf: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval, written out."""
    z = stats.norm.ppf(1 - (1 - conf) / 2)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def newcombe(x1, n1, x2, n2, conf=0.95) -> tuple[float, float, float]:
    """Newcombe (1998) method 10 for p1 − p2."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, conf)
    l2, u2 = wilson(x2, n2, conf)
    d = p1 - p2
    return (
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def glm_at(years, batches, passed, year):
    """Binomial GLM (quasi scale when φ > 1, as R quasibinomial): (η̂, se, b1, p_last)."""
    t = np.asarray(years, dtype=float)
    tc = t - t.mean()
    X = np.column_stack([np.ones_like(tc), tc])
    y = np.column_stack([passed, np.asarray(batches) - np.asarray(passed)])
    res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
    phi = res.pearson_chi2 / res.df_resid
    cov = res.cov_params() * (phi if phi > 1 else 1.0)
    x0 = np.array([1.0, year - t.mean()])
    eta = float(x0 @ res.params)
    se = float(np.sqrt(x0 @ cov @ x0))
    p_last = special.expit(res.params[0] + res.params[1] * tc.max())
    return eta, se, float(res.params[1]), float(p_last)


def by_interval(lo: float, hi: float, required: float, strict: bool = False) -> str:
    """The rule for a reached deadline, written out: met when the whole interval meets the
    requirement (strictly above it for "高于…平均水平"), not met when none of it does."""
    if (lo > required + 1e-9) if strict else (lo >= required - 1e-9):
        return "met"
    if (hi <= required + 1e-9) if strict else (hi < required - 1e-9):
        return "not_met"
    return "inconclusive"


def track(prob: float) -> str:
    """The forecast rule, written out: on track when meeting the target is "likely" (P ≥ 0.66),
    off track when "unlikely" (P ≤ 0.33), inconclusive in between (IPCC AR5 guidance note,
    Mastrandrea et al. 2010, Table 1)."""
    return "on_track" if prob >= 0.66 else "off_track" if prob <= 0.33 else "inconclusive"


def ols_predictive(years, values, year, threshold):
    """Straight line by numpy.polyfit; P(new value ≥ threshold) under the t predictive law."""
    t = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    b1, b0 = np.polyfit(t, y, 1)
    n = len(t)
    s2 = np.sum((y - (b0 + b1 * t)) ** 2) / (n - 2)
    se = math.sqrt(s2 * (1 + 1 / n + (year - t.mean()) ** 2 / np.sum((t - t.mean()) ** 2)))
    fc = b0 + b1 * year
    return fc, float(stats.t.sf((threshold - fc) / se, n - 2)), b1


# ---------------------------------------------------------------------------------------------
# status logic on synthetic series
# ---------------------------------------------------------------------------------------------


def test_every_target_gets_a_known_status(synth, synth_registry):
    assert list(synth["target_id"]) == [t.id for t in synth_registry]
    assert set(synth["status"]) <= set(STATUSES)
    assert list(synth.columns) == list(scorecard.EVALUATION_COLUMNS)


def test_past_deadline_clearly_above_is_met_with_confidence(synth):
    r = synth.loc["synthetic_scorecard.01"]
    # 2015: 392 of 400 (other products) + 80 of 100 (皮鞋) = 472 / 500
    assert (r["obs_year"], r["batches"], r["passed"]) == (2015, 500, 472)
    lo, hi = wilson(472, 500)
    assert r["observed"] == pytest.approx(472 / 500)
    assert (r["ci_lower"], r["ci_upper"]) == pytest.approx((lo, hi), abs=1e-12)
    assert lo > 0.90
    assert r["status"] == "met" and r["confident"]
    assert r["as_of"] == 2016  # the data set's last year, not the district's
    assert "2015" in r["status_reason_en"] and "94.4%" in r["status_reason_en"]
    assert "达到" in r["status_reason_zh"]


def test_past_deadline_clearly_below_is_not_met_with_confidence(synth):
    r = synth.loc["synthetic_scorecard.02"]
    assert r["observed"] == pytest.approx(0.8)
    assert wilson(320, 400)[1] < 0.9
    assert r["status"] == "not_met" and r["confident"]
    assert "未达到" in r["status_reason_zh"]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 500),
    frac=st.floats(0, 1),
    threshold=st.integers(50, 100),
)
def test_past_deadline_status_follows_the_interval(synth_registry, n, frac, threshold):
    # invariant: met ⇔ the whole Wilson interval ≥ threshold; not_met ⇔ the whole interval below
    # it; inconclusive otherwise. point_status: x/n against the threshold.
    x = int(round(frac * n))
    t = replace(synth_registry.target("synthetic_scorecard.01"), threshold=float(threshold))
    data = pd.DataFrame(
        {"region_code": ["431002"], "year": [2015], "check_level": ["provincial"]}
    ).assign(batches=n, passed=x)
    r = evaluate([t], CountsProvider(data)).iloc[0]
    thr = threshold / 100
    lo, hi = wilson(x, n)
    expected = "met" if lo >= thr - 1e-9 else ("not_met" if hi < thr - 1e-9 else "inconclusive")
    assert r["status"] == expected
    assert r["point_status"] == ("met" if x / n >= thr - 1e-12 else "not_met")
    assert bool(r["confident"]) == (expected != "inconclusive")
    assert (r["evidence"], r["reason_code"]) == ("interval", "deadline_reached")
    assert (r["estimate_lower"], r["estimate_upper"]) == pytest.approx((lo, hi), abs=1e-12)
    assert "…" not in r["status_reason_zh"] and r["status_reason_zh"].endswith("。")


def test_rising_series_is_on_track(synth):
    r = synth.loc["synthetic_scorecard.03"]
    years, a, b, n = RISING
    passed = _logistic(years, a, b, n)
    eta, se, b1, p_last = glm_at(years, np.full(len(years), n), passed, 2020)
    assert r["status"] == "on_track"
    assert r["obs_year"] == 2014 and r["forecast_year"] == 2020
    # P(expected rate ≥ 95 %) = Φ((η̂ − logit 0.95) / se), recomputed from statsmodels directly
    expected = stats.norm.sf((special.logit(0.95) - eta) / se)
    assert r["prob_expected_meets"] == pytest.approx(expected, abs=1e-9)
    assert r["forecast"] == pytest.approx(special.expit(eta), abs=1e-9)
    assert r["trend_per_year"] == pytest.approx(100 * b1 * p_last * (1 - p_last), abs=1e-9)
    assert r["prob_meet"] > 0.99 and r["prob_meet"] >= 0.5
    assert r["forecast_lower"] <= r["forecast"] <= r["forecast_upper"]
    assert "on track" in r["status_reason_en"] and "进度正常" in r["status_reason_zh"]


def test_falling_series_is_off_track(synth):
    r = synth.loc["synthetic_scorecard.04"]
    years, a, b, n = FALLING
    eta, se, b1, _ = glm_at(years, np.full(len(years), n), _logistic(years, a, b, n), 2020)
    assert b1 < 0 and r["trend_per_year"] < 0
    assert r["prob_expected_meets"] == pytest.approx(
        stats.norm.sf((special.logit(0.95) - eta) / se), abs=1e-9
    )
    assert r["prob_meet"] < 0.01
    assert r["status"] == "off_track" and "进度滞后" in r["status_reason_zh"]


def test_probability_is_reproducible_with_the_seed(synth_registry, counts):
    one = [synth_registry.target("synthetic_scorecard.03")]
    a = evaluate(one, CountsProvider(counts), n_sim=N_SIM, seed=7)
    b = evaluate(one, CountsProvider(counts), n_sim=N_SIM, seed=7)
    assert a["prob_meet"].iloc[0] == b["prob_meet"].iloc[0]


def test_region_without_data_is_no_data(synth):
    r = synth.loc["synthetic_scorecard.05"]
    assert r["status"] == "no_data"
    assert "330303" in r["status_reason_en"]
    assert pd.isna(r["observed"]) and pd.isna(r["prob_meet"])


def test_qualitative_target_has_no_numbers(synth):
    r = synth.loc["synthetic_scorecard.06"]
    assert r["status"] == "qualitative" and r["qualitative"]
    numeric = ["observed", "ci_lower", "gap_pp", "trend_per_year", "forecast", "prob_meet"]
    assert all(pd.isna(r[c]) for c in numeric)
    assert pd.isna(r["confident"])


def test_relative_range_target_against_the_province(synth, counts):
    r = synth.loc["synthetic_scorecard.07"]
    # the city = 431002 + 431003 (490 + 91 of 500 + 100); the province adds 430102 (1350/1500)
    unit_x, unit_n, rest_x, rest_n = 581, 600, 1350, 1500
    parent = (unit_x + rest_x) / (unit_n + rest_n)
    gap = 100 * (unit_x / unit_n - parent)
    assert r["observed"] == pytest.approx(unit_x / unit_n)
    assert r["ref_value"] == pytest.approx(parent)
    assert r["gap_pp"] == pytest.approx(gap, abs=1e-9)
    # the reference includes the city: gap = (1 − w)(p_unit − p_rest), interval scaled alike
    w = unit_n / (unit_n + rest_n)
    d, lo, hi = newcombe(unit_x, unit_n, rest_x, rest_n)
    assert 100 * (1 - w) * d == pytest.approx(gap, abs=1e-9)
    assert r["gap_lower_pp"] == pytest.approx(100 * (1 - w) * lo, abs=1e-9)
    assert r["gap_upper_pp"] == pytest.approx(100 * (1 - w) * hi, abs=1e-9)
    assert 2 <= gap <= 5
    assert r["status"] == "met" and r["range_position"] == "within"
    assert r["required"] == 2 and r["ref_region_code"] == "430000"
    assert "湖南省" in r["status_reason_zh"]


def test_relative_target_excluding_the_region(synth_registry, counts):
    t = synth_registry.target("synthetic_scorecard.07")
    r = evaluate([t], CountsProvider(counts), include_self=False).iloc[0]
    gap = 100 * (581 / 600 - 1350 / 1500)
    assert r["gap_pp"] == pytest.approx(gap, abs=1e-9)
    assert r["ref_value"] == pytest.approx(0.9)
    assert r["status"] == "met" and r["range_position"] == "above"


def test_relative_target_when_the_region_is_its_whole_reference(synth_registry, counts):
    # the province's national checks of 2015 all come from the city: no comparison is possible
    only_city = counts[
        ~((counts["region_code"] == "430102") & (counts["check_level"] == "national"))
    ]
    t = synth_registry.target("synthetic_scorecard.07")
    r = evaluate([t], CountsProvider(only_city)).iloc[0]
    assert r["status"] == "no_data"
    assert "nothing to compare" in r["status_reason_en"]
    assert "nan" not in r["status_reason_zh"]


def test_relative_target_below_the_average_but_within_the_interval(synth):
    # 苏仙区 91/100 against Hunan (1931/2100, itself included): the gap is negative, but its
    # Newcombe interval reaches above 0, so "高于全省平均水平" cannot be ruled out
    r = synth.loc["synthetic_scorecard.08"]
    parent = (490 + 91 + 1350) / (500 + 100 + 1500)
    assert r["gap_pp"] == pytest.approx(100 * (0.91 - parent), abs=1e-9)
    w = 100 / 2100
    _, lo, hi = newcombe(91, 100, 490 + 1350, 500 + 1500)
    assert r["gap_lower_pp"] == pytest.approx(100 * (1 - w) * lo, abs=1e-9)
    assert r["gap_pp"] < 0 < r["gap_upper_pp"]
    assert (r["status"], r["point_status"]) == ("inconclusive", "not_met")


def test_relative_target_with_a_future_deadline(synth, counts):
    r = synth.loc["synthetic_scorecard.14"]
    # reference = the province's county-level checks (431021 + 430102), its GLM trend to 2020
    c = counts[(counts["check_level"] == "county")].groupby("year")[["batches", "passed"]].sum()
    eta, _, _, _ = glm_at(c.index, c["batches"], c["passed"], 2020)
    assert r["forecast_threshold"] == pytest.approx(special.expit(eta) + 0.02, abs=1e-9)
    yrs, a, b, n = COUNTY_UNIT
    eta_u, se_u, _, _ = glm_at(yrs, np.full(len(yrs), n), _logistic(yrs, a, b, n), 2020)
    expected = stats.norm.sf((special.logit(r["forecast_threshold"]) - eta_u) / se_u)
    assert r["prob_expected_meets"] == pytest.approx(expected, abs=1e-9)
    assert r["prob_meet"] > 0.9 and r["status"] == "on_track"


def test_above_reference_needs_a_strictly_positive_gap(synth_registry, counts):
    # 高于全省平均水平: a district exactly at the average (90/100 vs 990/1100) does not meet it
    t = replace(
        synth_registry.target("synthetic_scorecard.08"),
        region_code="431026",
        scope={"check_level": "municipal"},
    )
    r = evaluate([t], CountsProvider(counts)).iloc[0]
    assert r["gap_pp"] == pytest.approx(0.0, abs=1e-12)
    assert r["ref_value"] == pytest.approx(990 / 1100)
    assert r["point_status"] == "not_met"  # a gap of 0 is not "above"
    assert r["status"] == "inconclusive"  # but the interval reaches above 0
    # with many batches exactly at the average the interval decides: not met
    municipal = counts["check_level"] == "municipal"
    big = counts.assign(
        batches=counts["batches"].where(~municipal, counts["batches"] * 1000),
        passed=counts["passed"].where(~municipal, counts["passed"] * 1000),
    )
    r = evaluate([t], CountsProvider(big)).iloc[0]
    assert r["gap_pp"] == pytest.approx(0.0, abs=1e-9)
    _, lo, hi = newcombe(90_000, 100_000, 900_000, 1_000_000)
    assert r["gap_upper_pp"] == pytest.approx(100 * (1 - 1 / 11) * hi, abs=1e-9)
    assert 0 < r["gap_upper_pp"] < 0.2  # still reaches above 0: a tie is never ruled out …
    assert r["status"] == "inconclusive"
    # … but a gap of −1 pp on these numbers is: not met
    worse = big.assign(
        passed=big["passed"].where(~(municipal & (big["region_code"] == "431026")), 89_000)
    )
    r = evaluate([t], CountsProvider(worse)).iloc[0]
    assert r["gap_upper_pp"] < 0 and (r["status"], r["confident"]) == ("not_met", True)


def test_fewer_than_three_years_no_trend(synth, synth_registry, counts):
    r = synth.loc["synthetic_scorecard.09"]
    assert r["n_years"] == 2 and r["reason_code"] == "no_trend_few_years"
    assert pd.isna(r["trend_per_year"]) and pd.isna(r["prob_meet"])
    assert r["observed"] == pytest.approx(0.97)  # 194/200 in 2014 ≥ 95 %
    assert wilson(194, 200)[0] < 0.95  # … but its interval reaches below 95 %
    assert (r["status"], r["point_status"]) == ("inconclusive", "on_track")
    assert "only 2 year" in r["status_reason_en"] and "仅有2年" in r["status_reason_zh"]
    # the same latest value on 2,000 batches: the whole interval is above 95 %
    big = counts.assign(batches=counts["batches"] * 10, passed=counts["passed"] * 10)
    t = synth_registry.target("synthetic_scorecard.09")
    r = evaluate([t], CountsProvider(big)).iloc[0]
    assert wilson(1940, 2000)[0] > 0.95
    assert r["status"] == "on_track" and "on track" in r["status_reason_en"]


def test_trend_not_estimable_falls_back_to_the_latest_value(synth_registry, counts):
    # every batch passed in 2012–2014: the logit slope does not exist
    t = replace(synth_registry.target("synthetic_scorecard.03"), region_code="431028")
    r = evaluate([t], CountsProvider(counts)).iloc[0]
    assert r["n_years"] == 3 and r["observed"] == 1.0
    assert pd.isna(r["prob_meet"]) and pd.isna(r["trend_per_year"])
    assert r["status"] == "on_track"
    assert "cannot be estimated" in r["status_reason_en"]
    assert "not estimable" in r["notes"]


def test_missing_deadline_year_is_no_data(synth):
    r = synth.loc["synthetic_scorecard.10"]
    assert r["status"] == "no_data"
    assert "deadline year 2015" in r["status_reason_en"]


def test_series_ending_before_a_reached_deadline_is_no_data(synth_registry, counts):
    # 431027 has checks 2011–2014 only, the data run to 2016: the deadline 2015 has passed
    # without an observation — no forecast from 2014
    t = replace(synth_registry.target("synthetic_scorecard.01"), region_code="431027")
    r = evaluate([t], CountsProvider(counts)).iloc[0]
    assert r["as_of"] == 2016
    assert r["status"] == "no_data" and "deadline year 2015" in r["status_reason_en"]
    assert pd.isna(r["prob_meet"])


def test_hundred_percent_target(synth):
    r = synth.loc["synthetic_scorecard.11"]
    assert r["observed"] == 1.0 and r["point_status"] == "met"
    # the Wilson lower limit of 50/50 is below 1: no finite sample shows a rate of 100 %
    assert wilson(50, 50)[0] < 1 and r["status"] == "inconclusive"
    assert not r["confident"]
    assert r["threshold_prop"] == 1.0


def test_range_target_reports_its_position(synth):
    r = synth.loc["synthetic_scorecard.12"]
    assert (r["range_low_prop"], r["range_high_prop"]) == pytest.approx((0.85, 0.90))
    assert r["required"] == pytest.approx(0.85)
    assert r["status"] == "met" and r["range_position"] == "above"


def test_at_most_comparator(synth):
    r = synth.loc["synthetic_scorecard.16"]
    assert r["status"] == "met" and r["confident"]  # 80 % ≤ 95 %, upper limit 84 %


def test_unobservable_indicator_says_why(synth):
    r = synth.loc["synthetic_scorecard.15"]
    assert r["status"] == "no_data" and "brand" in r["status_reason_en"]
    assert "名牌" in r["status_reason_zh"]


def test_product_group_needs_a_mapping(synth, synth_registry, counts):
    r = synth.loc["synthetic_scorecard.13"]
    assert r["status"] == "no_data" and "product_groups" in r["status_reason_en"]
    t = [synth_registry.target("synthetic_scorecard.13")]
    mapped = evaluate(t, CountsProvider(counts, product_groups={"重点产品": ["皮鞋"]})).iloc[0]
    assert (mapped["batches"], mapped["passed"]) == (100, 80)
    assert mapped["status"] == "not_met"
    assert "皮鞋" in mapped["data_source"]
    proxy = evaluate(t, CountsProvider(counts, product_groups="all")).iloc[0]
    assert (proxy["batches"], proxy["passed"]) == (500, 472)
    assert "proxy" in proxy["data_source"]


def test_as_of_turns_a_past_deadline_into_a_forecast(synth_registry, counts):
    t = [synth_registry.target("synthetic_scorecard.01")]
    r = evaluate(t, CountsProvider(counts), as_of=2013, n_sim=N_SIM).iloc[0]
    assert r["as_of"] == 2013 and r["obs_year"] == 2013 and r["n_years"] == 3
    # a flat 98 % against 90 %: the slope's uncertainty alone leaves some doubt 2 years ahead
    assert r["status"] == "on_track" and r["prob_meet"] > 0.9
    early = evaluate(t, CountsProvider(counts), as_of=2010).iloc[0]
    assert early["status"] == "no_data" and "2010" in early["status_reason_en"]


def test_trend_years_limits_the_fit(synth_registry, counts):
    t = [synth_registry.target("synthetic_scorecard.03")]
    r = evaluate(t, CountsProvider(counts), trend_years=4, n_sim=N_SIM).iloc[0]
    years, a, b, n = RISING
    keep = years > years.max() - 4
    p = _logistic(years, a, b, n)[keep]
    eta, se, _, _ = glm_at(years[keep], np.full(keep.sum(), n), p, 2020)
    assert r["prob_expected_meets"] == pytest.approx(
        stats.norm.sf((special.logit(0.95) - eta) / se), abs=1e-9
    )
    assert "2011–2014" in r["status_reason_en"]


def test_summary_counts_statuses(synth):
    s = scorecard.scorecard_summary(synth.reset_index(drop=True))
    expected = synth["status"].value_counts()
    row = s.iloc[0]
    assert row["n_targets"] == len(synth)
    for status in STATUSES:
        assert row[status] == expected.get(status, 0)
    evaluated = ("met", "not_met", "inconclusive", "on_track", "off_track")
    assert row["n_evaluated"] == sum(expected.get(k, 0) for k in evaluated)


# ---------------------------------------------------------------------------------------------
# the national 2025 targets against the real published series
# ---------------------------------------------------------------------------------------------

# 制造业产品质量合格率 (RPQ), annual figures as published (data/reference/rpq_national.csv):
# 2017 93.71 (NBS 2017 statistical communique), 2020 93.39 (NBS 2020 communique), 2023 93.65 and
# 2024 93.93 (SAMR monitoring data, released 2024-02 and 2025-01). The 2018 figure 94.16 covers
# Jan–Sep only and is not an annual value.
RPQ = {2017: 93.71, 2020: 93.39, 2023: 93.65, 2024: 93.93}
# 制造业质量竞争力指数 (QCI), national, dated values (data/reference/qci_…csv): AQSIQ/NBS
# communiques 2005–2009, 2010 82.57, 2021 84.91, 2023 85.21 (中国质量报 2024-03-04), 2024 85.6.
QCI = {
    2005: 78.98,
    2006: 79.98,
    2007: 80.99,
    2008: 81.18,
    2009: 82.14,
    2010: 82.57,
    2021: 84.91,
    2023: 85.21,
    2024: 85.6,
}


def test_reference_series_are_the_published_figures():
    s = ReferenceProvider().series()
    rpq = s[s["indicator"] == "rpq_pass_rate"].set_index("year")["value"]
    assert rpq.to_dict() == pytest.approx({y: v / 100 for y, v in RPQ.items()})
    qci = s[s["indicator"] == "quality_competitiveness_index"].set_index("year")["value"]
    assert qci.to_dict() == pytest.approx(QCI)
    agri = s[s["indicator"] == "agri_monitoring_pass_rate"]
    assert agri["year"].tolist() == [2023]
    assert agri["value"].tolist() == pytest.approx([0.978])
    assert "food_sampling_pass_rate" not in set(s["indicator"])


def test_rpq_2025_not_met_in_2024_and_off_track(national):
    r = national.loc["national_2025.02"]
    assert r["as_of"] == 2024 and r["obs_year"] == 2024
    assert r["observed"] == pytest.approx(0.9393)
    assert r["observed"] < r["threshold_prop"] == pytest.approx(0.94)  # not met as of 2024
    fc, prob, slope = ols_predictive(list(RPQ), [v / 100 for v in RPQ.values()], 2025, 0.94)
    assert r["forecast"] == pytest.approx(fc, abs=1e-12)
    assert r["prob_meet"] == pytest.approx(prob, abs=1e-9)
    assert r["trend_per_year"] == pytest.approx(100 * slope, abs=1e-9)
    assert r["status"] == track(prob)
    assert r["status"] == "off_track"  # fc ≈ 93.78 %, P ≈ 0.29
    assert r["trend_unit"] == "pp" and r["prob_method"].startswith("ols")
    assert "rpq_national.csv" in r["data_source"]


def test_rpq_as_of_2023(national):
    reg = targets.load_registry()
    r = evaluate([reg.target("national_2025.02")], ReferenceProvider(), as_of=2023).iloc[0]
    ys = [y for y in RPQ if y <= 2023]
    fc, prob, _ = ols_predictive(ys, [RPQ[y] / 100 for y in ys], 2025, 0.94)
    assert r["observed"] == pytest.approx(0.9365)
    assert r["prob_meet"] == pytest.approx(prob, abs=1e-9)
    assert r["status"] == track(prob)


def test_qci_2025(national):
    r = national.loc["national_2025.01"]
    fc, prob, slope = ols_predictive(list(QCI), list(QCI.values()), 2025, 86)
    assert r["observed"] == pytest.approx(85.6)
    assert r["forecast"] == pytest.approx(fc, abs=1e-9)
    assert r["prob_meet"] == pytest.approx(prob, abs=1e-9)
    assert r["trend_per_year"] == pytest.approx(slope, abs=1e-9) and r["trend_unit"] == "points"
    assert r["status"] == track(prob)
    assert 0.33 < prob < 0.66 and r["status"] == "inconclusive"  # P ≈ 0.54: as likely as not
    assert r["point_status"] == "on_track" and r["evidence"] == "probability"
    assert "0.54" in r["status_reason_en"] and "0.54" in r["status_reason_zh"]
    # the verdict depends on the years fitted: the last ten years alone (2021, 2023, 2024)
    reg = targets.load_registry()
    recent = evaluate([reg.target("national_2025.01")], ReferenceProvider(), trend_years=10)
    ys = [y for y in QCI if y > 2014]
    fc10, prob10, _ = ols_predictive(ys, [QCI[y] for y in ys], 2025, 86)
    assert recent["prob_meet"].iloc[0] == pytest.approx(prob10, abs=1e-9)
    assert recent["status"].iloc[0] == track(prob10)


def test_agri_monitoring_single_year(national):
    r = national.loc["national_2025.03"]
    assert r["observed"] == pytest.approx(0.978) and r["obs_year"] == 2023
    assert r["status"] == "off_track"  # 97.8 < 98, one year: no trend
    assert "only 1 year" in r["status_reason_en"]


def test_food_sampling_is_opt_in(national):
    r = national.loc["national_2025.04"]
    assert r["status"] == "no_data" and "food_series" in r["status_reason_en"]
    reg = targets.load_registry()
    out = evaluate(
        [reg.target("national_2025.04")], ReferenceProvider(food_series="supervision")
    ).iloc[0]
    # food_spot_check_totals.csv, 2023: 6,997,389 batches, 190,872 NC, NC rate 2.73 % (published)
    assert (out["batches"], out["passed"]) == (6_997_389, 6_997_389 - 190_872)
    assert 1 - out["observed"] == pytest.approx(0.0273, abs=0.00005)
    years = [2021, 2022, 2023]
    b = np.array([6_954_438, 6_563_388, 6_997_389])
    nc = np.array([187_368, 187_572, 190_872])
    eta, se, _, _ = glm_at(years, b, b - nc, 2025)
    assert out["prob_expected_meets"] == pytest.approx(
        stats.norm.sf((special.logit(0.98) - eta) / se), abs=1e-9
    )
    assert out["status"] == track(out["prob_meet"])


def test_series_provider_for_a_provincial_series():
    reg = targets.load_registry()
    t = replace(reg.target("national_2025.02"), region_code="330000")
    values = pd.DataFrame(
        {
            "indicator": "rpq_pass_rate",
            "region_code": "330000",
            "year": [2020, 2021, 2022, 2023],
            "value": [0.930, 0.935, 0.938, 0.944],
        }
    )
    r = evaluate([t], SeriesProvider(values, label="synthetic provincial series")).iloc[0]
    fc, prob, _ = ols_predictive(values["year"], values["value"], 2025, 0.94)
    assert r["prob_meet"] == pytest.approx(prob, abs=1e-9)
    assert r["status"] == "on_track"
    assert r["data_source"] == "synthetic provincial series"
    with pytest.raises(ParameterError, match="proportions"):
        SeriesProvider(values.assign(value=[93.0, 93.5, 93.8, 94.4]))


# ---------------------------------------------------------------------------------------------
# the registry, region views and providers
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry_eval(counts) -> pd.DataFrame:
    provider = CompositeProvider(ReferenceProvider(), CountsProvider(counts))
    return evaluate(None, provider, n_sim=N_SIM)


def test_every_registry_target_listed_with_its_sentence(registry_eval):
    table = targets.targets_table()
    assert list(registry_eval["target_id"]) == list(table["target_id"])
    quantitative = table[~table["qualitative"]]
    merged = quantitative.merge(registry_eval, on="target_id", suffixes=("", "_ev"))
    assert len(merged) == len(quantitative) > 40
    assert (merged["source_sentence"] == merged["source_sentence_ev"]).all()
    assert (merged["clause"] == merged["clause_ev"]).all()
    qual = registry_eval[registry_eval["qualitative"]]
    assert (qual["status"] == "qualitative").all()
    assert (registry_eval.loc[~registry_eval["qualitative"], "status"] != "qualitative").all()


def test_quality_index_is_no_data_with_the_reason(registry_eval):
    q = registry_eval[registry_eval["indicator"] == "quality_index"]
    assert len(q) == 2 and (q["status"] == "no_data").all()
    assert q["status_reason_en"].str.contains("not published").all()


def test_scorecard_for_region(counts):
    provider = CountsProvider(counts)
    table = targets.targets_table()
    out = scorecard.scorecard_for_region("431002", provider, n_sim=N_SIM)
    expected = table[table["document_id"].isin(["chenzhou_2010", "national_2025"])]
    assert list(out["target_id"]) == list(expected["target_id"])
    assert (out["for_region_code"] == "431002").all()
    chen = out[out["document_id"] == "chenzhou_2010"]
    assert (chen["region_code"] == "431000").all()  # evaluated at the city, as written
    lw = scorecard.scorecard_for_region("330303", provider, include_national=False)
    assert set(lw["document_id"]) == {"longwan_2006"}
    assert len(lw) == (table["document_id"] == "longwan_2006").sum()


def test_scorecard_for_districts_of_a_city(counts):
    out = scorecard.scorecard_for_districts("431000", CountsProvider(counts), n_sim=N_SIM)
    districts = regions.children("431000", level="county")["region_code"].tolist()
    assert sorted(set(out["for_region_code"])) == sorted(districts)
    # the city's quantitative spot-check targets, one district version each
    ids = ["chenzhou_2010.13", "chenzhou_2010.14", "chenzhou_2010.16", "chenzhou_2010.17"]
    assert len(out) == len(districts) * len(ids)
    assert (out["region_code"] == out["for_region_code"]).all()
    assert out["adaptation"].notna().all()
    r = out[(out["for_region_code"] == "431003") & (out["target_id"] == "chenzhou_2010.16")].iloc[0]
    parent = (490 + 91 + 1350) / (500 + 100 + 1500)
    assert r["gap_pp"] == pytest.approx(100 * (0.91 - parent), abs=1e-9)
    # "2 pp above the provincial average": the interval straddles 2 pp
    _, lo, hi = newcombe(91, 100, 490 + 1350, 500 + 1500)
    w = 100 / 2100
    assert r["status"] == by_interval(100 * (1 - w) * lo, 100 * (1 - w) * hi, 2.0)
    assert r["status"] == "inconclusive" and r["point_status"] == "not_met"
    g = out[(out["for_region_code"] == "431003") & (out["target_id"] == "chenzhou_2010.14")]
    assert g["observed"].iloc[0] == pytest.approx(0.8)  # product group dropped: all products
    assert "重点产品" in g["adaptation"].iloc[0]


def test_scorecard_for_districts_own_document_and_explicit_targets(counts):
    provider = CountsProvider(counts)
    wz = scorecard.scorecard_for_districts("330300", provider)
    assert set(wz["for_region_code"]) == {"330303"}  # Wenzhou has no city document
    assert len(wz) == len(targets.targets_table(document="longwan_2006"))
    assert wz["adaptation"].isna().all()
    hn = scorecard.scorecard_for_districts("430000", provider, targets=["chenzhou_2010.17"])
    assert len(hn) == len(regions.children("430000", level="county"))
    assert (hn["ref_region_code"] == "430000").all()
    with pytest.raises(ParameterError, match="unknown argument"):
        scorecard.scorecard_for_districts("430000", provider, bogus=1)


def test_a_custom_provider_plugs_in(synth_registry):
    class Fixed:
        label = "fixed"
        indicators = frozenset({"spot_check_pass_rate"})

        def observe(self, requests: pd.DataFrame) -> Observations:
            rows = [
                {"key": k, "year": 2015, "batches": 1000, "passed": 990, "source": "fixed"}
                for k in requests["key"]
            ]
            return Observations(counts=pd.DataFrame(rows))

    t = [synth_registry.target("synthetic_scorecard.01")]
    r = evaluate(t, Fixed()).iloc[0]
    assert r["status"] == "met" and r["observed"] == 0.99 and r["data_source"] == "fixed"
    with pytest.raises(ParameterError, match="DataProvider"):
        evaluate(t, object())  # type: ignore[arg-type]


def test_bad_arguments(counts):
    with pytest.raises(ParameterError, match="as_of"):
        evaluate(["national_2025.02"], ReferenceProvider(), as_of="2024")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="conf"):
        evaluate(["national_2025.02"], ReferenceProvider(), conf=95)
    with pytest.raises(ParameterError, match="unknown target id"):
        evaluate(["nope.01"], ReferenceProvider())
    with pytest.raises(ParameterError, match="check level"):
        CountsProvider(counts.assign(check_level="regional"))
    with pytest.raises(ParameterError, match="region_code"):
        CountsProvider(counts.drop(columns="region_code"))
    with pytest.raises(ParameterError, match="unknown status"):
        scorecard.scorecard_summary(pd.DataFrame({"document_id": ["a"], "status": ["done"]}))


# ---------------------------------------------------------------------------------------------
# integration with the synthetic sample (built on first use)
# ---------------------------------------------------------------------------------------------


def test_seed_targets_on_the_sample_match_its_records():
    from qualitykit.data.dataset import aggregate, open_records

    reg = targets.load_registry()
    ids = ["longwan_2006.12", "longwan_2006.06", "chenzhou_2010.17"]
    out = evaluate([reg.target(i) for i in ids]).set_index("target_id")
    recs = open_records(
        None, region="000000", years=(2008, 2015), check_levels=["national", "provincial"]
    )
    shoes = recs[(recs["product"] == "皮鞋") & (recs["industry_code"] == "19")]
    nat = shoes[shoes["check_level"] == "national"]
    lw10 = aggregate(nat[(nat["region_code"] == "330303") & (nat["year"] == 2010)])
    r = out.loc["longwan_2006.12"]
    assert (r["batches"], r["passed"]) == (lw10["batches"].iloc[0], lw10["passed"].iloc[0])
    assert r["status"] == by_interval(*wilson(r["passed"], r["batches"]), 0.85)
    # 高于全国平均水平 (2008): Longwan against all national leather-shoe checks, itself included
    lw08 = aggregate(nat[(nat["region_code"] == "330303") & (nat["year"] == 2008)])
    all08 = aggregate(nat[nat["year"] == 2008])
    gap = 100 * (
        lw08["passed"].iloc[0] / lw08["batches"].iloc[0]
        - all08["passed"].iloc[0] / all08["batches"].iloc[0]
    )
    r = out.loc["longwan_2006.06"]
    assert r["gap_pp"] == pytest.approx(gap, abs=1e-9)
    x, n = lw08["passed"].iloc[0], lw08["batches"].iloc[0]
    w = n / all08["batches"].iloc[0]
    rest = (all08["passed"].iloc[0] - x, all08["batches"].iloc[0] - n)
    _, lo, hi = newcombe(x, n, *rest)
    assert r["status"] == by_interval(100 * (1 - w) * lo, 100 * (1 - w) * hi, 0.0, strict=True)
    # Chenzhou's provincial checks in 2015 against Hunan's
    prov = recs[(recs["check_level"] == "provincial") & (recs["year"] == 2015)]
    hn = prov[prov["region_code"].str.startswith("43")]
    cz = hn[regions.within(hn["region_code"], "431000").to_numpy(bool)]
    gap = 100 * (cz["passed"].mean() - hn["passed"].mean())
    r = out.loc["chenzhou_2010.17"]
    assert r["gap_pp"] == pytest.approx(gap, abs=1e-9)
    x, n = int(cz["passed"].sum()), len(cz)
    w = n / len(hn)
    _, lo, hi = newcombe(x, n, int(hn["passed"].sum()) - x, len(hn) - n)
    assert r["status"] == by_interval(100 * (1 - w) * lo, 100 * (1 - w) * hi, 2.0)
    assert r["data_source"].startswith("synthetic sample")


# ---------------------------------------------------------------------------------------------
# statuses with confidence: the examples of issue 11 ("Statements that mislead")
# ---------------------------------------------------------------------------------------------


def _one_district(x: int, n: int, rest_x: int, rest_n: int) -> pd.DataFrame:
    """431002 (Beihu, Chenzhou) with x of n batches passed and the rest of Hunan (430102) with
    rest_x of rest_n, provincial checks of 2015."""
    rows = _rows("431002", "provincial", [2015], n, [x])
    rows += _rows("430102", "provincial", [2015], rest_n, [rest_x])
    return pd.DataFrame(rows)


def test_nineteen_batches_straddling_the_average_are_inconclusive(synth_registry):
    # "未达标" on 19 batches with a CI of −20.1 to +10.8 pp: 16 of 19 against a provincial
    # average of 160/190 (the district included) is a gap of exactly 0, which is not "above the
    # average" — but the interval says the data cannot tell
    t = replace(
        synth_registry.target("synthetic_scorecard.08"),
        region_code="431002",
        scope=MappingProxyType({"check_level": "provincial"}),
    )
    r = evaluate([t], CountsProvider(_one_district(16, 19, 144, 171))).iloc[0]
    w = 19 / 190
    d, lo, hi = newcombe(16, 19, 144, 171)
    assert r["gap_pp"] == pytest.approx(100 * (1 - w) * d, abs=1e-12) == pytest.approx(0, abs=1e-12)
    assert (round(r["gap_lower_pp"], 1), round(r["gap_upper_pp"], 1)) == (-20.1, 10.8)
    assert r["gap_lower_pp"] == pytest.approx(100 * (1 - w) * lo, abs=1e-9)
    assert (r["point_status"], r["status"], r["confident"]) == ("not_met", "inconclusive", False)
    assert (r["estimate"], r["estimate_lower"], r["estimate_upper"]) == pytest.approx(
        (r["gap_pp"], r["gap_lower_pp"], r["gap_upper_pp"])
    )
    assert (r["evidence"], r["reason_code"]) == ("interval", "deadline_reached")
    assert "-20.1至+10.8" in r["status_reason_zh"] and "无法判定" in r["status_reason_zh"]
    assert "未达标" not in r["status_reason_zh"]
    assert "-20.1 to +10.8" in r["status_reason_en"] and "cannot tell" in r["status_reason_en"]


def test_nineteen_batches_k_points_above_the_rest_of_the_province_are_inconclusive(
    synth_registry,
):
    # "高于全省平均水平2个百分点" against the rest of the province: 17 of 19 vs 143 of 162 is a gap
    # of +1.2 pp, short of 2 — the Newcombe interval of the gap (−20.1 to +10.8) contains 2
    t = replace(
        synth_registry.target("synthetic_scorecard.14"),
        region_code="431002",
        scope=MappingProxyType({"check_level": "provincial"}),
        deadline="2015",
    )
    data = _one_district(17, 19, 143, 162)
    r = evaluate([t], CountsProvider(data), include_self=False).iloc[0]
    d, lo, hi = newcombe(17, 19, 143, 162)
    assert (r["gap_pp"], r["gap_lower_pp"], r["gap_upper_pp"]) == pytest.approx(
        (100 * d, 100 * lo, 100 * hi), abs=1e-9
    )
    assert (round(r["gap_lower_pp"], 1), round(r["gap_upper_pp"], 1)) == (-20.1, 10.8)
    assert r["gap_pp"] < 2 < r["gap_upper_pp"]
    assert (r["point_status"], r["status"]) == ("not_met", "inconclusive")
    assert r["ref_excludes_region"] and "不含本地区" in r["status_reason_zh"]


def test_longwan_headline_on_34_batches_is_inconclusive():
    # Longwan's brief said "目标状态：未达标"; it rested on the 2008 national checks of leather
    # shoes: 34 batches against the nation, Zhejiang and Wenzhou, each interval straddling 0
    from qualitykit.data.dataset import aggregate, open_records

    card = scorecard.scorecard_for_districts("330300", scorecard.SampleProvider(), as_of=2024)
    lw = card[card["for_region_code"] == "330303"].set_index("target_id")
    recs = open_records(None, region="000000", years=(2008, 2008), check_levels=["national"])
    shoes = recs[(recs["product"] == "皮鞋") & (recs["industry_code"] == "19")]
    own = aggregate(shoes[shoes["region_code"] == "330303"])
    x, n = int(own["passed"].iloc[0]), int(own["batches"].iloc[0])
    assert n == 34
    for tid, parent in (("06", "000000"), ("07", "330000"), ("08", "330300")):
        inside = shoes[regions.within(shoes["region_code"], parent).to_numpy(bool)]
        px, pn = int(inside["passed"].sum()), len(inside)
        _, lo, hi = newcombe(x, n, px - x, pn - n)
        w = n / pn
        r = lw.loc[f"longwan_2006.{tid}"]
        assert (r["batches"], r["passed"], r["obs_year"]) == (n, x, 2008)
        assert r["gap_lower_pp"] == pytest.approx(100 * (1 - w) * lo, abs=1e-9)
        assert r["gap_upper_pp"] == pytest.approx(100 * (1 - w) * hi, abs=1e-9)
        assert r["gap_lower_pp"] < 0 < r["gap_upper_pp"]
        assert r["status"] == "inconclusive"
    # the other evaluated targets are met with confidence (46 and 218 batches in 2010)
    evaluated = lw[lw["status"].isin(scorecard.EVALUATED)]
    assert set(evaluated["status"]) == {"inconclusive", "met"}
    assert scorecard.headline_status(card.loc[card["for_region_code"] == "330303", "status"]) == (
        "inconclusive"
    )
    # English reasons name the references in English
    assert "Zhejiang" in lw.loc["longwan_2006.07", "status_reason_en"]
    assert "浙江" not in lw.loc["longwan_2006.07", "status_reason_en"]


def test_headline_status_is_the_least_favourable():
    h = scorecard.headline_status
    assert h(["met", "inconclusive", "on_track"]) == "inconclusive"
    assert h(["met", "inconclusive", "not_met"]) == "not_met"
    assert h(["off_track", "inconclusive"]) == "off_track"
    assert h(["no_data", "qualitative"]) == "no_data"
    assert h([]) is None


def test_reasons_are_whole_sentences(registry_eval, synth):
    # every reason is a complete sentence generated from the numbers, never cut
    for frame_ in (registry_eval, synth):
        for col in ("status_reason_en", "status_reason_zh"):
            text = frame_[col]
            assert text.notna().all()
            assert not text.str.contains("…").any()
            assert not text.str.contains(r"\bnan\b|\bNA\b|\bNone\b", regex=True).any()
        assert set(frame_["reason_code"]) <= set(scorecard.REASON_CODES)
        judged = frame_[frame_["status"].isin(scorecard.EVALUATED)]
        assert judged["status_reason_zh"].str.endswith("。").all()
        assert judged["status_reason_en"].str.endswith(".").all()
        assert judged["evidence"].notna().all() and judged["point_status"].notna().all()


def test_forecast_probability_bounds(synth_registry, counts):
    # a probability between 0.33 and 0.66 is inconclusive: 431021's rising series against a
    # threshold near its forecast
    t = synth_registry.target("synthetic_scorecard.03")
    years, a, b, n = RISING
    eta, se, _, _ = glm_at(years, np.full(len(years), n), _logistic(years, a, b, n), 2020)
    near = float(special.expit(eta))  # the expected rate in 2020
    r = evaluate([replace(t, threshold=100 * near)], CountsProvider(counts), n_sim=N_SIM).iloc[0]
    assert 0.33 < r["prob_meet"] < 0.66
    assert (r["status"], r["evidence"], r["reason_code"]) == (
        "inconclusive",
        "probability",
        "forecast",
    )
    assert "as likely as not" in r["status_reason_en"] and "进度无法判定" in r["status_reason_zh"]


def test_ols_forecast_agrees_with_the_closed_form():
    # statsmodels OLS(...).get_prediction against the formulas the scorecard used before
    # (Montgomery, Peck & Vining 2012, §2.4–2.5), on the published RPQ and QCI series
    from qualitykit.policy.forecast import ols_forecast

    for series, req, scale in ((RPQ, 0.94, 100.0), (QCI, 86.0, 1.0)):
        t = np.array(list(series), dtype=float)
        y = np.array(list(series.values())) / scale
        n, tbar = len(t), t.mean()
        sxx = float(np.sum((t - tbar) ** 2))
        b1 = float(np.sum((t - tbar) * (y - y.mean())) / sxx)
        b0 = float(y.mean() - b1 * tbar)
        s2 = float(np.sum((y - b0 - b1 * t) ** 2) / (n - 2))
        q = float(stats.t.ppf(0.975, n - 2))
        fc = b0 + b1 * 2025
        se_pred = math.sqrt(s2 * (1 + 1 / n + (2025 - tbar) ** 2 / sxx))
        for direction in (">=", "<="):
            got = ols_forecast(t, y, 2025, req, direction, 0.95)
            z = (req - fc) / se_pred
            expected = {
                "slope": b1,
                "slope_lower": b1 - q * math.sqrt(s2 / sxx),
                "slope_upper": b1 + q * math.sqrt(s2 / sxx),
                "forecast": fc,
                "forecast_lower": fc - q * se_pred,
                "forecast_upper": fc + q * se_pred,
                "prob": stats.t.sf(z, n - 2) if direction == ">=" else stats.t.cdf(z, n - 2),
            }
            for key, value in expected.items():
                assert got[key] == pytest.approx(value, abs=1e-12 * max(1.0, abs(value))), key


def test_codes_and_numbers_without_the_words(synth_registry, counts, synth):
    # reasons=False: the same codes and numbers, no prose; reason_text words them afterwards
    plain = evaluate(synth_registry, CountsProvider(counts), n_sim=N_SIM, reasons=False)
    plain = plain.set_index("target_id", drop=False)
    assert plain["status_reason_en"].isna().all() and plain["status_reason_zh"].isna().all()
    numbers = [c for c in scorecard.EVALUATION_COLUMNS if not c.startswith("status_reason")]
    pd.testing.assert_frame_equal(plain[numbers], synth[numbers])
    row = plain.loc["synthetic_scorecard.02"].to_dict()
    assert (
        scorecard.reason_text(row, "zh") == synth.loc["synthetic_scorecard.02", "status_reason_zh"]
    )
