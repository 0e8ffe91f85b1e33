"""Tests of ``qualitykit.stats.metrics``.

Published reference values used here (each cited at its test):

* R package binom ``binom.confint(x, n, tol = 1e-8)`` for 0/30, 30/30, 4/20, 18/20 and 4/200 —
  methods ``wilson``, ``exact``, ``agresti-coull`` and ``bayes`` (Jeffreys prior). The R output
  is recorded, with the R commands, in statsmodels' test results
  ``statsmodels/stats/tests/results/results_proportion.py`` (``res_binom``; method order
  agresti-coull, asymptotic, bayes, cloglog, exact, logit, probit, profile, lrt, prop.test,
  wilson), copied here at the precision printed there.
* PHEindicatormethods (first released as PHEstatmethods) testthat file for
  ``phe_proportion()``: 65/100 and 35078/41980 at 95 % and 99.8 %, eight decimals.
* the same R binom output for methods ``asymptotic`` (Wald) and ``prop.test`` (R
  ``prop.test``, continuity-corrected Wilson) for 18/20, 4/20, 4/200, 190/200, 1/30, 29/30, 0/30
  and 30/30.
* Newcombe RG (1998) Stat Med 17:857–872, Table I (Wilson score interval, method 3) and
  Newcombe RG (1998) Stat Med 17:873–890, Table II (difference of proportions, method 10),
  four decimals.

Not found: the expected values for the other rows of
``tests/reference/binomial_ci_phe_wilson/input.csv`` live in PHEindicatormethods'
``tests/testthat/testdata_Proportion.xlsx``, which could not be read (binary file in the
index). Those rows are checked against the published PHE formula written out here and against
statsmodels' independent Wilson implementation; Area4 (65/100) is checked against PHE's
published numbers.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from qualitykit.errors import InputError, ParameterError, QualityKitWarning
from qualitykit.stats import metrics

REFERENCE = Path(__file__).parent / "reference" / "binomial_ci_phe_wilson" / "input.csv"

# --------------------------------------------------------------------------------------------
# single proportions: published values
# --------------------------------------------------------------------------------------------

# R binom::binom.confint(x, n, tol = 1e-8), via statsmodels results_proportion.py.
# (x, n, method) -> (lower, upper, tolerance): half a unit of the last printed digit, or 1e-9
# where R printed full precision (R and SciPy beta quantile algorithms differ by ~1e-11)
BINOM_CONFINT = {
    (4, 20, "agresti_coull"): (0.0749115102767071, 0.4217635845549845, 1e-9),
    (4, 20, "jeffreys"): (0.07152005247873425, 0.4082257625169254, 1e-9),
    (4, 20, "exact"): (0.05733399705003284, 0.436614002996668, 1e-9),
    (4, 20, "wilson"): (0.0806576625797981, 0.4160174322518935, 1e-9),
    (18, 20, "agresti_coull"): (0.6867561125596077, 0.984343760998137, 1e-9),
    (18, 20, "jeffreys"): (0.716146742695748, 0.97862751197755, 1e-9),
    (18, 20, "exact"): (0.6830172859809176, 0.9876514728297052, 1e-9),
    (18, 20, "wilson"): (0.6989663547715128, 0.972133518786232, 1e-9),
    (4, 200, "agresti_coull"): (0.005991954548218395, 0.0520995587739575, 1e-9),
    (4, 200, "jeffreys"): (0.00678759879519299, 0.0468465669668423, 1e-9),
    (4, 200, "exact"): (0.005475565879556443, 0.05041360908989634, 1e-9),
    (4, 200, "wilson"): (0.00780442641634947, 0.05028708690582643, 1e-9),
    # edge values: binom prints 8 significant digits here; binom's agresti-coull lower limit
    # at 0/30 is negative (clipped to 0 in the statsmodels file and here)
    (0, 30, "agresti_coull"): (0.0, 0.13471170, 5e-9),
    (0, 30, "jeffreys"): (0.0, 0.06151672, 5e-9),
    (0, 30, "exact"): (0.0, 0.11570331, 5e-9),
    (0, 30, "wilson"): (0.0, 0.11351339, 5e-9),
    (30, 30, "agresti_coull"): (0.8652883, 1.0, 5e-8),
    (30, 30, "jeffreys"): (0.9384833, 1.0, 5e-8),
    (30, 30, "exact"): (0.8842967, 1.0, 5e-8),
    (30, 30, "wilson"): (0.8864866, 1.0, 5e-8),
}


@pytest.mark.parametrize(("x", "n", "method"), sorted(BINOM_CONFINT))
def test_binomial_ci_reproduces_r_binom(x: int, n: int, method: str) -> None:
    lower, upper, tol = BINOM_CONFINT[(x, n, method)]
    got = metrics.binomial_ci(x, n, 0.95, method)
    assert got["estimate"].iloc[0] == pytest.approx(x / n, abs=1e-15)
    assert got["ci_lower"].iloc[0] == pytest.approx(lower, abs=max(tol, 1e-13))
    assert got["ci_upper"].iloc[0] == pytest.approx(upper, abs=max(tol, 1e-13))


def test_edge_values_are_exact() -> None:
    # x = 0 has lower limit exactly 0 and x = n upper limit exactly 1, for every method
    for method in metrics.CI_METHODS:
        got = metrics.binomial_ci([0, 7], [7, 7], 0.95, method)
        assert got["ci_lower"].iloc[0] == 0.0
        assert got["ci_upper"].iloc[1] == 1.0


def test_agresti_coull_is_clipped_where_binom_is_not() -> None:
    # binom.confint(1, 30) agresti-coull lower = -8.305484e-03 (statsmodels results file);
    # qualitykit clips to 0 and keeps the upper limit 0.18091798
    got = metrics.binomial_ci(1, 30, 0.95, "agresti_coull")
    assert got["ci_lower"].iloc[0] == 0.0
    assert got["ci_upper"].iloc[0] == pytest.approx(0.18091798, abs=5e-9)


@pytest.mark.parametrize(
    ("x", "n", "conf", "lower", "upper"),
    [
        # PHEstatmethods testthat, test_that("proportion and CIs calculate correctly")
        (35078, 41980, 0.95, 0.83201210, 0.83910324),
        (35078, 41980, 0.998, 0.82992190, 0.84110220),
        (65, 100, 0.95, 0.55254443, 0.73635752),
        (65, 100, 0.998, 0.49549466, 0.77835406),
    ],
)
def test_wilson_reproduces_phe_published_values(
    x: int, n: int, conf: float, lower: float, upper: float
) -> None:
    got = metrics.binomial_ci(x, n, conf, "wilson")
    assert got["ci_lower"].iloc[0] == pytest.approx(lower, abs=5e-9)
    assert got["ci_upper"].iloc[0] == pytest.approx(upper, abs=5e-9)


@pytest.mark.parametrize(
    ("x", "n", "lower", "upper"),
    [
        # Newcombe (1998) Stat Med 17:857, Table I, method 3 (Wilson score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_reproduces_newcombe_table_1(x: int, n: int, lower: float, upper: float) -> None:
    got = metrics.binomial_ci(x, n, 0.95, "wilson")
    assert round(float(got["ci_lower"].iloc[0]), 4) == lower
    assert round(float(got["ci_upper"].iloc[0]), 4) == upper


# R binom::binom.confint(x, n, tol = 1e-8), methods "asymptotic" (Wald) and "prop.test"
# (stats::prop.test, continuity-corrected Wilson), via statsmodels results_proportion.py
# (res_binom[...].ci_low / ci_upp, method positions 2 and 10). binom does not clip the Wald
# interval (18/20: upper 1.031478381086487; 29/30: 1.0309007); qualitykit clips to [0, 1].
R_WALD_PROP_TEST = {
    (18, 20, "wald"): (0.768521618913513, 1.0, 1e-12),
    (4, 20, "wald"): (0.0246954918846837, 0.3753045081153163, 1e-12),
    (4, 200, "wald"): (0.000597346459104517, 0.0394026535408955, 1e-12),
    (190, 200, "wald"): (0.919794926420966, 0.980205073579034, 1e-12),
    (1, 30, "wald"): (0.0, 0.09756737, 5e-9),
    (29, 30, "wald"): (0.9024326, 1.0, 5e-8),
    (0, 30, "wald"): (0.0, 0.0, 0.0),
    (18, 20, "wilson_cc"): (0.668722403162941, 0.982487361226571, 1e-12),
    (4, 20, "wilson_cc"): (0.0661062308910436, 0.442686245059445, 1e-12),
    (4, 200, "wilson_cc"): (0.00642601313670221, 0.0537574613520185, 1e-12),
    (190, 200, "wilson_cc"): (0.9073089225133698, 0.974392083257476, 1e-12),
    (1, 30, "wilson_cc"): (1.742467e-03, 0.19053022, 5e-9),
    (29, 30, "wilson_cc"): (0.8094698, 0.9982575, 5e-8),
    (0, 30, "wilson_cc"): (0.0, 0.14132048, 5e-9),
    (30, 30, "wilson_cc"): (0.8586795, 1.0, 5e-8),
}


@pytest.mark.parametrize(("x", "n", "method"), sorted(R_WALD_PROP_TEST))
def test_wald_and_continuity_corrected_wilson_reproduce_r(x: int, n: int, method: str) -> None:
    lower, upper, tol = R_WALD_PROP_TEST[(x, n, method)]
    got = metrics.binomial_ci(x, n, 0.95, method).iloc[0]
    assert got["ci_lower"] == pytest.approx(lower, abs=max(tol, 1e-15))
    assert got["ci_upper"] == pytest.approx(upper, abs=max(tol, 1e-15))


def test_prop_test_drops_the_correction_at_half() -> None:
    # R prop.test(x, n): YATES = min(0.5, |x - n p|) with p = 0.5, so 10/20 has no correction
    # and equals the Wilson interval; scipy's "wilsoncc" (Newcombe method 4) always corrects
    cc = metrics.binomial_ci(10, 20, 0.95, "wilson_cc").iloc[0]
    wilson = metrics.binomial_ci(10, 20, 0.95, "wilson").iloc[0]
    assert cc["ci_lower"] == pytest.approx(wilson["ci_lower"], abs=1e-14)
    newcombe4 = stats.binomtest(10, 20).proportion_ci(0.95, method="wilsoncc")
    assert newcombe4.low < cc["ci_lower"]


def _phe_wilson(x: np.ndarray, n: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    """PHEindicatormethods wilson_lower()/wilson_upper(), written out."""
    z = stats.norm.ppf(1 - (1 - conf) / 2)
    root = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


@pytest.mark.parametrize("conf", [0.9, 0.95, 0.998])
def test_library_backed_intervals_equal_the_written_out_formulas(conf: float) -> None:
    # binomial_ci and newcombe_diff_ci wrap statsmodels; they must equal the formulas to 1e-12
    rng = np.random.default_rng(7)
    n = rng.integers(1, 5000, 400).astype(float)
    x = np.floor(rng.uniform(0, 1, 400) * (n + 1)).clip(0, n)
    lo, hi = _phe_wilson(x, n, conf)
    got = metrics.binomial_ci(x, n, conf, "wilson")
    np.testing.assert_allclose(got["ci_lower"], np.clip(lo, 0, 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["ci_upper"], np.clip(hi, 0, 1), rtol=0, atol=1e-12)
    z = stats.norm.ppf(1 - (1 - conf) / 2)
    p = x / n
    wald = metrics.binomial_ci(x, n, conf, "wald")
    half = z * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(wald["ci_lower"], np.clip(p - half, 0, 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(wald["ci_upper"], np.clip(p + half, 0, 1), rtol=0, atol=1e-12)
    exact = metrics.binomial_ci(x, n, conf, "exact")
    a = (1 - conf) / 2
    cp_lo = np.where(x == 0, 0.0, stats.beta.ppf(a, np.maximum(x, 1), n - x + 1))
    cp_hi = np.where(x == n, 1.0, stats.beta.ppf(1 - a, x + 1, np.maximum(n - x, 1)))
    np.testing.assert_allclose(exact["ci_lower"], cp_lo, rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact["ci_upper"], cp_hi, rtol=0, atol=1e-12)
    # continuity-corrected Wilson against scipy's Newcombe method 4 (same where x != n / 2)
    cc = metrics.binomial_ci(x[:60], n[:60], conf, "wilson_cc")
    for i in range(60):
        if 2 * x[i] == n[i]:
            continue
        ref = stats.binomtest(int(x[i]), int(n[i])).proportion_ci(conf, method="wilsoncc")
        assert cc["ci_lower"].iloc[i] == pytest.approx(ref.low, abs=1e-12)
        assert cc["ci_upper"].iloc[i] == pytest.approx(ref.high, abs=1e-12)
    # Newcombe's hybrid score interval from the Wilson limits, written out
    x2 = np.floor(rng.uniform(0, 1, 400) * (n + 1)).clip(0, n)[::-1]
    n2 = n[::-1]
    l1, u1 = _phe_wilson(x, n, conf)
    l2, u2 = _phe_wilson(x2, n2, conf)
    p1, p2 = x / n, x2 / n2
    d = metrics.newcombe_diff_ci(x, n, x2, n2, conf)
    np.testing.assert_allclose(d["diff"], p1 - p2, rtol=0, atol=1e-15)
    lower = p1 - p2 - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = p1 - p2 + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    np.testing.assert_allclose(d["ci_lower"], lower, rtol=0, atol=1e-12)
    np.testing.assert_allclose(d["ci_upper"], upper, rtol=0, atol=1e-12)


@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_phe_reference_input_file(conf: float) -> None:
    data = pd.read_csv(REFERENCE)
    x = data["numerator"].to_numpy(dtype=float)
    n = data["denominator"].to_numpy(dtype=float)
    got = metrics.binomial_ci(x, n, conf, "wilson")
    # 1) the PHE formula as published in PHEindicatormethods R/Wilson.R, written out
    z = stats.norm.ppf(conf + (1 - conf) / 2)
    root = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
    phe_lo = (2 * x + z**2 - root) / 2 / (n + z**2)
    phe_hi = (2 * x + z**2 + root) / 2 / (n + z**2)
    np.testing.assert_allclose(got["ci_lower"], phe_lo, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got["ci_upper"], phe_hi, rtol=1e-12, atol=1e-15)
    # 2) statsmodels' independent implementation (centre ± half-width form)
    sm_lo, sm_hi = proportion_confint(x, n, alpha=1 - conf, method="wilson")
    np.testing.assert_allclose(got["ci_lower"], sm_lo, rtol=1e-9)
    np.testing.assert_allclose(got["ci_upper"], sm_hi, rtol=1e-9)
    # 3) Area4 = 65/100 against PHE's published values (see the test above)
    area4 = got.iloc[int(np.flatnonzero(data["Area"] == "Area4")[0])]
    expected = {0.95: (0.55254443, 0.73635752), 0.998: (0.49549466, 0.77835406)}[conf]
    assert area4["ci_lower"] == pytest.approx(expected[0], abs=5e-9)
    assert area4["ci_upper"] == pytest.approx(expected[1], abs=5e-9)


def test_zero_denominator_warns_and_gives_nan() -> None:
    with pytest.warns(QualityKitWarning, match="zero denominator"):
        got = metrics.binomial_ci([0, 3], [0, 10])
    assert got.iloc[0].isna().all()
    assert got.iloc[1].notna().all()


@pytest.mark.parametrize(
    ("x", "n", "conf", "method"),
    [(5, 3, 0.95, "wilson"), (-1, 3, 0.95, "wilson"), (1, 3, 95, "wilson"), (1, 3, 0.95, "logit")],
)
def test_invalid_arguments_raise_parameter_error(x: int, n: int, conf: float, method: str) -> None:
    with pytest.raises(ParameterError):
        metrics.binomial_ci(x, n, conf, method)


# --------------------------------------------------------------------------------------------
# single proportions: properties
# --------------------------------------------------------------------------------------------

_counts = st.integers(min_value=1, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
_conf = st.floats(min_value=0.8, max_value=0.999)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xn=_counts, conf=_conf, method=st.sampled_from(metrics.CI_METHODS))
def test_interval_contains_estimate_and_lies_in_unit_interval(
    xn: tuple[int, int], conf: float, method: str
) -> None:
    x, n = xn
    got = metrics.binomial_ci(x, n, conf, method).iloc[0]
    assert 0.0 <= got["ci_lower"] <= got["estimate"] <= got["ci_upper"] <= 1.0


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=400),
    conf=_conf,
    method=st.sampled_from(metrics.CI_METHODS),
)
def test_limits_increase_with_successes(n: int, conf: float, method: str) -> None:
    got = metrics.binomial_ci(np.arange(n + 1), n, conf, method)
    assert np.all(np.diff(got["ci_lower"].to_numpy()) >= -1e-12)
    assert np.all(np.diff(got["ci_upper"].to_numpy()) >= -1e-12)


@settings(max_examples=150, deadline=None)
@given(xn=_counts, method=st.sampled_from(metrics.CI_METHODS))
def test_higher_confidence_gives_wider_interval(xn: tuple[int, int], method: str) -> None:
    x, n = xn
    lo90 = metrics.binomial_ci(x, n, 0.90, method).iloc[0]
    lo99 = metrics.binomial_ci(x, n, 0.99, method).iloc[0]
    assert lo99["ci_lower"] <= lo90["ci_lower"] + 1e-12
    assert lo99["ci_upper"] >= lo90["ci_upper"] - 1e-12


@settings(max_examples=100, deadline=None)
@given(xn=_counts, conf=_conf, method=st.sampled_from(metrics.CI_METHODS))
def test_interval_is_symmetric_under_relabelling(
    xn: tuple[int, int], conf: float, method: str
) -> None:
    # the NC-rate interval is 1 - (pass-rate interval): every method here is label-symmetric
    x, n = xn
    a = metrics.binomial_ci(x, n, conf, method).iloc[0]
    b = metrics.binomial_ci(n - x, n, conf, method).iloc[0]
    assert a["ci_lower"] == pytest.approx(1 - b["ci_upper"], abs=1e-9)
    assert a["ci_upper"] == pytest.approx(1 - b["ci_lower"], abs=1e-9)


# --------------------------------------------------------------------------------------------
# rates tables
# --------------------------------------------------------------------------------------------


def test_rates_from_records_equal_rates_from_counts() -> None:
    records = pd.DataFrame(
        {
            "region_code": pd.array(["330302"] * 5 + ["330303"] * 3, dtype="string"),
            "passed": [True, True, False, True, True, False, False, True],
        }
    )
    counts = pd.DataFrame(
        {
            "region_code": pd.array(["330303", "330302"], dtype="string"),
            "batches": [3, 5],
            "nonconforming": [2, 1],
        }
    )
    a = metrics.rates(records, "region_code")
    b = metrics.rates(counts, "region_code")
    pd.testing.assert_frame_equal(a, b)
    row = a.set_index("region_code").loc["330302"]
    assert (row["batches"], row["passed"], row["nonconforming"]) == (5, 4, 1)
    assert row["pass_rate"] == 0.8
    assert row["nc_rate"] == pytest.approx(0.2)
    lo, hi = proportion_confint(4, 5, method="wilson")
    assert (row["ci_lower"], row["ci_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert list(a.columns) == [
        "region_code",
        "batches",
        "passed",
        "nonconforming",
        "pass_rate",
        "nc_rate",
        "ci_lower",
        "ci_upper",
    ]
    assert a["batches"].dtype == np.int64


@pytest.mark.parametrize(
    "key",
    [
        pd.array([2020, 2019, None, 2020, 2018, 2019], dtype="Int64"),
        np.array([2020, 2019, 2021, 2020, 2018, 2019], dtype="int16"),
        pd.array(["330303", "330302", None, "330303", "330304", "330302"], dtype="string"),
        pd.Categorical(["county", "national", None, "county", "county", "national"],
                       categories=["national", "provincial", "municipal", "county"]),
        np.array([1.5, np.nan, 0.5, 1.5, 2.0, 0.5]),
        pd.Series(["b", "a", None, "b", "c", "a"], dtype=object),
    ],
    ids=["Int64", "int16", "string", "category", "float", "object"],
)  # fmt: skip
def test_counts_of_records_equal_a_pandas_groupby(key) -> None:
    # the keys, their dtype and order (sorted, missing last, unobserved categories left out) and
    # the sums of pandas' own groupby of the one-batch rows
    passed = np.array([True, False, True, True, False, True])
    records = pd.DataFrame({"k": key, "passed": passed})
    rows = pd.DataFrame(
        {"k": key, "batches": np.ones(6, np.int64), "passed": passed.astype(np.int64)}
    )
    want = rows.groupby("k", sort=True, observed=True, dropna=False)[["batches", "passed"]].sum()
    want = want.reset_index().assign(nonconforming=lambda d: d["batches"] - d["passed"])
    pd.testing.assert_frame_equal(metrics.aggregate_counts(records, "k"), want)
    total = metrics.aggregate_counts(records)
    assert total.to_dict("records") == [{"batches": 6, "passed": 4, "nonconforming": 2}]
    assert (total.dtypes == np.int64).all()


def test_rates_without_groups_and_with_zero_batches() -> None:
    counts = pd.DataFrame({"g": ["a", "b"], "batches": [0, 10], "passed": [0, 9]})
    total = metrics.rates(counts)
    assert total.shape[0] == 1 and total["pass_rate"].iloc[0] == 0.9
    with pytest.warns(QualityKitWarning):
        per = metrics.rates(counts, "g")
    assert np.isnan(per["pass_rate"].iloc[0])


def test_rates_collects_every_problem() -> None:
    bad = pd.DataFrame(
        {
            "g": list("abcd"),
            "batches": [10, -1, 5.5, 4],
            "passed": [11, 0, 5, 4],
            "nonconforming": [0, 0, 0, 1],
        }
    )
    with pytest.raises(InputError) as info:
        metrics.rates(bad, "g", source="counts.csv")
    problems = info.value.problems
    assert {(p.row, p.column) for p in problems} >= {(3, "batches"), (4, "batches")}
    # passed > batches and inconsistent nonconforming are reported once the counts are whole
    ok_but_inconsistent = pd.DataFrame(
        {"batches": [10, 4], "passed": [11, 4], "nonconforming": [0, 1]}
    )
    with pytest.raises(InputError) as info2:
        metrics.rates(ok_but_inconsistent)
    msgs = [str(p) for p in info2.value.problems]
    assert any("must not exceed batches" in m for m in msgs)
    assert any("passed + nonconforming must equal batches" in m for m in msgs)


def test_records_need_boolean_passed() -> None:
    with pytest.raises(InputError, match="boolean"):
        metrics.rates(pd.DataFrame({"passed": ["yes", "no"]}))
    with pytest.raises(InputError, match="missing"):
        metrics.rates(pd.DataFrame({"passed": pd.array([True, None], dtype="boolean")}))


# --------------------------------------------------------------------------------------------
# gaps in percentage points
# --------------------------------------------------------------------------------------------

NEWCOMBE_TABLE_2 = [
    # Newcombe (1998) Stat Med 17:873, Table II, method 10: (x1, n1, x2, n2) -> (lower, upper)
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_TABLE_2)
def test_newcombe_method_10_reproduces_table_2(
    counts: tuple[int, int, int, int], expected: tuple[float, float]
) -> None:
    got = metrics.newcombe_diff_ci(*counts).iloc[0]
    assert round(float(got["ci_lower"]), 4) == pytest.approx(expected[0], abs=1e-12)
    assert round(float(got["ci_upper"]), 4) == pytest.approx(expected[1], abs=1e-12)


def test_gap_to_reference_group_uses_newcombe_in_pp() -> None:
    unit = pd.DataFrame({"region_code": ["a"], "batches": [70], "passed": [56]})
    ref = pd.DataFrame({"batches": [80], "passed": [48]})
    got = metrics.gap_pp(unit, ref).iloc[0]
    assert got["gap_pp"] == pytest.approx(20.0)
    assert round(got["gap_lower_pp"], 2) == 5.24  # Newcombe Table II (a), ×100
    assert round(got["gap_upper_pp"], 2) == 33.39
    assert got["ref_pass_rate"] == pytest.approx(0.6)


def test_gap_to_parent_excluding_self() -> None:
    districts = pd.DataFrame(
        {
            "code": ["d1", "d2", "d3"],
            "parent": ["p", "p", "q"],
            "batches": [40, 60, 30],
            "passed": [38, 50, 27],
        }
    )
    parents = pd.DataFrame({"parent": ["p", "q"], "batches": [200, 30], "passed": [180, 27]})
    with pytest.warns(QualityKitWarning):  # d3 is all of q: the rest of q is empty
        got = metrics.gap_pp(districts, parents, on="parent", exclude_self=True)
    expect = metrics.newcombe_diff_ci([38, 50], [40, 60], [180 - 38, 180 - 50], [160, 140])
    np.testing.assert_allclose(got["gap_lower_pp"].iloc[:2], 100 * expect["ci_lower"])
    np.testing.assert_allclose(got["gap_upper_pp"].iloc[:2], 100 * expect["ci_upper"])
    np.testing.assert_allclose(got["ref_pass_rate"].iloc[:2], [142 / 160, 130 / 140])
    assert np.isnan(got["gap_pp"].iloc[2])


def test_gap_to_fixed_rate() -> None:
    unit = pd.DataFrame({"batches": [200, 50], "passed": [190, 50]})
    got = metrics.gap_pp(unit, 0.93)
    lo, hi = proportion_confint(np.array([190, 50]), np.array([200, 50]), method="wilson")
    np.testing.assert_allclose(got["gap_pp"], [2.0, 7.0], atol=1e-12)
    np.testing.assert_allclose(got["gap_lower_pp"], 100 * (lo - 0.93), atol=1e-9)
    np.testing.assert_allclose(got["gap_upper_pp"], 100 * (hi - 0.93), atol=1e-9)
    with pytest.raises(ParameterError, match="proportion"):
        metrics.gap_pp(unit, 93.0)


# --------------------------------------------------------------------------------------------
# direct standardisation
# --------------------------------------------------------------------------------------------


def _two_group_counts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "g": ["a", "a", "a", "b", "b", "b"],
            "size": ["large", "medium", "small"] * 2,
            "batches": [50, 30, 20, 10, 20, 70],
            "passed": [49, 28, 17, 10, 19, 56],
        }
    )


def test_standardised_rate_equals_weighted_sum() -> None:
    data = _two_group_counts()
    standard = pd.DataFrame({"size": ["large", "medium", "small"], "weight": [2.0, 3.0, 5.0]})
    got = metrics.standardise(data, "size", "g", standard, ci_method="normal").set_index("g")
    w = np.array([0.2, 0.3, 0.5])
    ra = np.array([49 / 50, 28 / 30, 17 / 20])
    rb = np.array([10 / 10, 19 / 20, 56 / 70])
    assert got.loc["a", "std_pass_rate"] == pytest.approx(w @ ra)
    assert got.loc["b", "std_pass_rate"] == pytest.approx(w @ rb)
    assert got.loc["a", "crude_pass_rate"] == pytest.approx(94 / 100)
    # normal approximation of the weighted sum, written out
    var_a = np.sum(w**2 * ra * (1 - ra) / np.array([50, 30, 20]))
    z = stats.norm.ppf(0.975)
    assert got.loc["a", "ci_lower"] == pytest.approx(w @ ra - z * math.sqrt(var_a))
    assert got.loc["a", "ci_upper"] == pytest.approx(w @ ra + z * math.sqrt(var_a))
    assert (got["weight_covered"] == 1.0).all() and (got["strata_empty"] == 0).all()


@settings(max_examples=100, deadline=None)
@given(data=st.lists(st.tuples(st.integers(1, 500), st.floats(0, 1)), min_size=1, max_size=8))
def test_standardising_to_own_mix_returns_crude_rate(data: list[tuple[int, float]]) -> None:
    batches = np.array([b for b, _ in data])
    passed = np.array([int(round(b * f)) for b, f in data])
    counts = pd.DataFrame({"stratum": range(len(data)), "batches": batches, "passed": passed})
    own = counts.rename(columns={"batches": "weight"})[["stratum", "weight"]]
    for method in ("fay_feuer", "normal"):
        got = metrics.standardise(counts, "stratum", standard=own, ci_method=method).iloc[0]
        assert got["std_pass_rate"] == pytest.approx(passed.sum() / batches.sum(), abs=1e-12)
        assert got["ci_lower"] <= got["std_pass_rate"] + 1e-12
        assert got["std_pass_rate"] <= got["ci_upper"] + 1e-12


def test_fay_feuer_reduces_to_exact_poisson_for_one_stratum() -> None:
    # Fay & Feuer (1997): with one stratum the gamma interval is the exact (Garwood) interval
    counts = pd.DataFrame({"s": ["x"], "batches": [400], "passed": [388]})
    got = metrics.standardise(counts, "s", conf=0.95).iloc[0]
    x, n = 12, 400
    lo_nc = stats.chi2.ppf(0.025, 2 * x) / (2 * n)
    hi_nc = stats.chi2.ppf(0.975, 2 * x + 2) / (2 * n)
    assert got["std_nc_rate"] == pytest.approx(x / n)
    assert got["ci_lower"] == pytest.approx(1 - hi_nc, rel=1e-10)
    assert got["ci_upper"] == pytest.approx(1 - lo_nc, rel=1e-10)
    zero = metrics.standardise(pd.DataFrame({"s": ["x"], "batches": [50], "passed": [50]}), "s")
    assert zero["ci_upper"].iloc[0] == 1.0
    assert zero["ci_lower"].iloc[0] == pytest.approx(1 - stats.chi2.ppf(0.975, 2) / 100)


def test_empty_cells_nan_or_renormalised() -> None:
    data = _two_group_counts()
    data = data[~((data["g"] == "b") & (data["size"] == "large"))]
    standard = pd.DataFrame({"size": ["large", "medium", "small"], "weight": [0.2, 0.3, 0.5]})
    with pytest.warns(QualityKitWarning, match="empty strata"):
        nan = metrics.standardise(data, "size", "g", standard).set_index("g")
    assert np.isnan(nan.loc["b", "std_pass_rate"]) and np.isfinite(nan.loc["a", "std_pass_rate"])
    assert nan.loc["b", "weight_covered"] == pytest.approx(0.8)
    assert nan.loc["b", "strata_empty"] == 1
    ren = metrics.standardise(data, "size", "g", standard, empty="renormalise").set_index("g")
    assert ren.loc["b", "std_pass_rate"] == pytest.approx((0.3 * 19 / 20 + 0.5 * 56 / 70) / 0.8)
    assert ren.loc["a", "std_pass_rate"] == pytest.approx(nan.loc["a", "std_pass_rate"])


def test_default_standard_is_pooled_mix() -> None:
    data = _two_group_counts()
    got = metrics.standardise(data, "size", "g").set_index("g")
    pooled = np.array([60, 50, 90]) / 200
    rb = np.array([10 / 10, 19 / 20, 56 / 70])
    assert got.loc["b", "std_pass_rate"] == pytest.approx(pooled @ rb)


# --------------------------------------------------------------------------------------------
# RPQ (output-weighted rates)
# --------------------------------------------------------------------------------------------


def _rpq_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    output = pd.DataFrame(
        {
            "region_code": ["440000"] * 3 + ["330000"] * 2 + ["110000"],
            "industry_code": ["39", "18", "13", "39", "18", "13"],
            "output_value": [30.0, 50.0, 20.0, 10.0, 90.0, 40.0],
        }
    )
    counts = pd.DataFrame(
        {
            "region_code": ["440000", "440000", "330000", "330000", "440000"],
            "industry_code": ["39", "18", "39", "18", "41"],
            "batches": [100, 50, 20, 30, 5],
            "passed": [90, 45, 19, 27, 5],
        }
    )
    return counts, output


def test_rpq_by_region_weights_by_output_and_renormalises() -> None:
    counts, output = _rpq_inputs()
    got = metrics.rpq_by_region(counts, output).set_index("region_code")
    # Guangdong-like region: industry 13 has output but no samples -> weights 30/80, 50/80
    assert got.loc["440000", "rpq"] == pytest.approx(30 / 80 * 0.90 + 50 / 80 * 0.90)
    assert got.loc["440000", "output_covered_share"] == pytest.approx(0.8)
    assert got.loc["440000", "batches_without_output"] == 5  # industry 41 has no output value
    assert got.loc["440000", "crude_pass_rate"] == pytest.approx(140 / 155)
    assert got.loc["330000", "rpq"] == pytest.approx(0.1 * 19 / 20 + 0.9 * 27 / 30)
    assert got.loc["330000", "output_covered_share"] == pytest.approx(1.0)
    assert np.isnan(got.loc["110000", "rpq"])  # output, no samples
    assert got.loc["110000", "output_covered_share"] == 0.0
    assert (got["ci_lower"].dropna() <= got["rpq"].dropna()).all()


def test_rpq_national_weights_regions_by_total_output() -> None:
    counts, output = _rpq_inputs()
    got = metrics.rpq_national(counts, output).iloc[0]
    rpq_gd = 0.90
    rpq_zj = 0.1 * 19 / 20 + 0.9 * 27 / 30
    assert got["rpq"] == pytest.approx((100 * rpq_gd + 100 * rpq_zj) / 200)
    assert got["output_covered_share"] == pytest.approx((80 + 100) / 240)
    assert got["regions_with_rpq"] == 2 and got["regions_without_rpq"] == 1
    assert got["ci_lower"] <= got["rpq"] <= got["ci_upper"]


def test_rpq_equals_crude_rate_when_output_mix_equals_sample_mix() -> None:
    counts = pd.DataFrame(
        {
            "region_code": ["r"] * 3,
            "industry_code": ["13", "14", "15"],
            "batches": [10, 30, 60],
            "passed": [9, 24, 57],
        }
    )
    output = counts.rename(columns={"batches": "output_value"})[
        ["region_code", "industry_code", "output_value"]
    ]
    got = metrics.rpq_by_region(counts, output).iloc[0]
    assert got["rpq"] == pytest.approx(90 / 100)


def test_rpq_rejects_negative_output() -> None:
    counts, output = _rpq_inputs()
    output.loc[0, "output_value"] = -1.0
    with pytest.raises(InputError, match="non-negative"):
        metrics.rpq_by_region(counts, output)


def test_no_warnings_on_clean_input() -> None:
    counts, output = _rpq_inputs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.rates(counts, ["region_code", "industry_code"])
        metrics.standardise(_two_group_counts(), "size", "g")
