"""Tests of qualitykit.stats.benchmark against published numbers and independent computations.

Published numbers reproduced
----------------------------
* PHE funnel limits (Wilson-score inversion) on the 100-point grid, 95 % and 99.8 %, for the
  303-area reference input, and for its subset with denominators < 31,000 (the "axis variation"
  case): R PHEindicatormethods test fixtures ``tests/testthat/testdata_funnel_prop_outputs.csv``
  (printed to 6 decimals of a percentage) and ``…_outputs_with_axis_variation.csv`` (8 decimals),
  repository ukhsa-collaboration/PHEindicatormethods, copied to ``tests/fixtures/benchmark/``.
* The significance band of all 303 areas: column ``significance`` of the same package's
  ``tests/testthat/testdata_funnel_prop_inputs.csv`` (``phe_funnel_significance`` /
  ``assign_funnel_significance``), copied as ``phe_funnel_prop_significance.csv``.
* The Wilson and Newcombe intervals that ``relative_target`` uses are
  ``qualitykit.stats.metrics.binomial_ci`` / ``newcombe_diff_ci``; their published values (Newcombe
  1998a Table I, 1998b Table II) are tested once, in ``tests/test_metrics.py``.
* Rat-tumour data (Tarone 1982; Gelman et al., BDA3 Table 5.1, 70 historical experiments):
  moment estimates (α, β) = (1.4, 8.6) from mean 0.136 and sd 0.103 (BDA3 §5.1, p. 102); marginal
  maximum-likelihood Beta(2.304768, 14.079707) (R package BayesGOF vignette, ``gMLE.bb``).

Not published — tested against independent computations instead
---------------------------------------------------------------
* No published φ or τ² for the WinBUGS "Surgical" data (12 hospitals) was found (searched the
  Spiegelhalter 2005 papers as far as accessible, FunnelPlotR's vignette and tests — its tests only
  check types — and the BUGS examples, which report MCMC summaries, not φ / τ²). φ is checked
  against literal re-implementations of Spiegelhalter's R ``winsorise()`` and of FunnelPlotR's
  quantile winsorisation, and the unwinsorised τ² against the DerSimonian–Laird τ² of
  statsmodels ``combine_effects`` (with target = pooled rate, Cochran's Q equals Σ z²).
* No published table of Spiegelhalter's interpolated exact binomial limits was found; both
  conventions are checked in ``tests/test_stats_funnel.py`` against a pure-Python, loop-based
  evaluation of the appendix formula with ``math.comb`` probabilities; here against the normal
  limits for large n and for pass/fail symmetry.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from qualitykit.errors import InputError, NoDataError, ParameterError, QualityKitWarning
from qualitykit.stats import benchmark as bm
from qualitykit.stats import metrics

TESTS = Path(__file__).parent
FIX = TESTS / "fixtures" / "benchmark"
PHE_INPUT = TESTS / "reference" / "funnel_phe_wilson_proportions" / "input.csv"

# WinBUGS Examples Vol. 1 "Surgical: institutional ranking" — checked against the OpenBUGS /
# MultiBUGS example page (https://www.multibugs.org/examples/latest/Surgical.html):
# list(n = c(47, 148, 119, 810, 211, 196, 148, 215, 207, 97, 256, 360),
#      r = c(0, 18, 8, 46, 8, 13, 9, 31, 14, 8, 29, 24), N = 12)
SURG_N = np.array([47, 148, 119, 810, 211, 196, 148, 215, 207, 97, 256, 360])
SURG_R = np.array([0, 18, 8, 46, 8, 13, 9, 31, 14, 8, 29, 24])

# BDA3 Table 5.1, the 70 historical experiments (rats.asc, Tarone 1982).
RAT_Y = np.array(
    [0] * 14 + [1] * 8 + [2] * 9
    + [1, 5, 2, 5, 3, 2, 7, 7, 3, 3, 2, 9, 10, 4, 4, 4, 4, 4, 4, 4, 10, 4, 4, 4, 5, 11, 12, 5, 5]
    + [6, 5, 6, 6, 6, 6, 16, 15, 15, 9]
)  # fmt: skip
RAT_N = np.array(
    [20, 20, 20, 20, 20, 20, 20, 19, 19, 19, 19, 18, 18, 17, 20, 20, 20, 20, 19, 19, 18, 18]
    + [25, 24, 23, 20, 20, 20, 20, 20, 20, 10, 49, 19, 46, 27, 17, 49, 47, 20, 20, 13, 48, 50]
    + [20, 20, 20, 20, 20, 20, 20, 48, 19, 19, 19, 22, 46, 49, 20, 20, 23, 19, 22, 20, 20, 20]
    + [52, 46, 47, 24]
)  # fmt: skip


def surgical(numerator: str = "deaths") -> pd.DataFrame:
    """The 12 hospitals; the analysed 'passed' count is the deaths (or the survivors)."""
    x = SURG_R if numerator == "deaths" else SURG_N - SURG_R
    return pd.DataFrame({"hospital": list("ABCDEFGHIJKL"), "batches": SURG_N, "passed": x})


@pytest.fixture(scope="module")
def phe_units() -> pd.DataFrame:
    raw = pd.read_csv(PHE_INPUT)
    return raw.rename(columns={"numerator": "passed", "denominator": "batches"})


PHE_COLS = {
    "lower_95": "Lower2s0025limit",
    "upper_95": "Upper2s0025limit",
    "lower_998": "Lower3s0001limit",
    "upper_998": "Upper3s0001limit",
    "center": "Baseline",
}


# ------------------------------------------------------------------------------------------
# PHE (Wilson-inversion) funnel limits and significance: published fixtures
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "max_batches", "decimals"),
    [
        ("phe_funnel_prop_limits.csv", None, 6),
        ("phe_funnel_prop_limits_axis_variation.csv", 31000, 8),
    ],
)
def test_phe_funnel_limits_grid(
    phe_units: pd.DataFrame, fixture: str, max_batches: int | None, decimals: int
) -> None:
    expected = pd.read_csv(FIX / fixture)
    units = phe_units if max_batches is None else phe_units[phe_units["batches"] < max_batches]
    got = bm.funnel_grid(units, method="wilson")
    assert list(got.columns) == ["n", "center", "lower_95", "upper_95", "lower_998", "upper_998"]
    np.testing.assert_array_equal(got["n"].to_numpy(), expected["Population"].to_numpy())
    tol = 0.5 * 10.0**-decimals + 1e-12  # printed precision, in percent
    for ours, theirs in PHE_COLS.items():
        np.testing.assert_allclose(got[ours] * 100, expected[theirs], rtol=0, atol=tol)


def test_phe_significance_all_303_areas(phe_units: pd.DataFrame) -> None:
    expected = pd.read_csv(FIX / "phe_funnel_prop_significance.csv")
    assert len(phe_units) == len(expected) == 303
    assert (phe_units["Area"].to_numpy() == expected["Area"].to_numpy()).all()
    got = bm.funnel_units(phe_units, method="wilson")
    mismatch = got.loc[got["significance"] != expected["significance"], "Area"].tolist()
    assert mismatch == []
    # the flags agree with the bands
    assert set(got.loc[got["significance"] == "High (0.001)", "flag_998"]) == {"high"}
    assert set(got.loc[got["significance"] == "Low (0.025)", "flag_95"]) == {"low"}
    assert set(got.loc[got["significance"] == "Low (0.025)", "flag_998"]) == {"within"}


def test_phe_units_keep_labels_and_do_not_mutate(phe_units: pd.DataFrame) -> None:
    before = phe_units.copy()
    got = bm.funnel_units(phe_units, method="wilson")
    pd.testing.assert_frame_equal(phe_units, before)
    assert got["Area"].tolist() == phe_units["Area"].tolist()
    assert got["center"].iloc[0] == pytest.approx(0.80642448, abs=5e-9)  # Baseline 80.642448 %


# ------------------------------------------------------------------------------------------
# Spiegelhalter exact binomial limits (the interpolation conventions: tests/test_stats_funnel.py)
# ------------------------------------------------------------------------------------------


def test_spiegelhalter_limits_symmetric_and_close_to_normal_for_large_n() -> None:
    ns = np.array([3, 30, 300, 3000])
    a = bm.funnel_limits(ns, 0.9, method="spiegelhalter")
    b = bm.funnel_limits(ns, 0.1, method="spiegelhalter")
    np.testing.assert_allclose(a["upper_95"], 1 - b["lower_95"], atol=1e-12)
    np.testing.assert_allclose(a["lower_998"], 1 - b["upper_998"], atol=1e-12)
    big = bm.funnel_limits([1_000_000], 0.9, method="spiegelhalter")
    norm = bm.funnel_limits([1_000_000], 0.9, method="normal")
    for col in ("lower_95", "upper_95", "lower_998", "upper_998"):
        # half-width is 5.9e-4 (95 %); exact and normal agree to < 2 % of it
        assert abs(big[col].iloc[0] - norm[col].iloc[0]) < 1e-5


def test_normal_limits_by_hand() -> None:
    got = bm.funnel_limits([100], 0.9, method="normal", levels=0.95)
    half = stats.norm.ppf(0.975) * math.sqrt(0.9 * 0.1 / 100)
    assert got["lower_95"].iloc[0] == pytest.approx(0.9 - half, abs=1e-14)
    assert got["upper_95"].iloc[0] == pytest.approx(0.9 + half, abs=1e-14)


def test_level_suffixes_and_any_level() -> None:
    assert [bm.level_suffix(v) for v in (0.9, 0.95, 0.99, 0.998, 0.999)] == [
        "90", "95", "99", "998", "999",
    ]  # fmt: skip
    got = bm.funnel_limits([50, 500], 0.8, levels=(0.9, 0.999))
    assert list(got.columns) == ["n", "center", "lower_90", "upper_90", "lower_999", "upper_999"]
    assert (got["lower_999"] <= got["lower_90"]).all()


@settings(max_examples=60, deadline=None)
@given(
    theta=st.floats(0.005, 0.995),
    n1=st.integers(1, 3000),
    extra=st.integers(1, 3000),
    method=st.sampled_from(["spiegelhalter", "wilson", "normal"]),
)
def test_funnel_narrows_with_n_and_contains_centre(
    theta: float, n1: int, extra: int, method: str
) -> None:
    got = bm.funnel_limits([n1, n1 + extra], theta, method=method)  # type: ignore[arg-type]
    for sfx in ("95", "998"):
        lo, hi = got[f"lower_{sfx}"].to_numpy(), got[f"upper_{sfx}"].to_numpy()
        assert (lo <= theta + 1e-12).all() and (hi >= theta - 1e-12).all()
        assert lo[1] >= lo[0] - 1e-12 and hi[1] <= hi[0] + 1e-12
    assert (got["lower_998"] <= got["lower_95"] + 1e-12).all()
    assert (got["upper_998"] >= got["upper_95"] - 1e-12).all()


def test_funnel_units_exact_flags_surgical() -> None:
    got = bm.funnel_units(surgical())
    theta = SURG_R.sum() / SURG_N.sum()
    lim = bm.funnel_limits(SURG_N, theta)
    np.testing.assert_allclose(got["lower_998"], lim["lower_998"])
    z = (SURG_R / SURG_N - theta) / np.sqrt(theta * (1 - theta) / SURG_N)
    np.testing.assert_allclose(got["z"], z)
    rate = SURG_R / SURG_N
    expect = np.where(
        rate < lim["lower_95"], "low", np.where(rate > lim["upper_95"], "high", "within")
    )
    assert got["flag_95"].tolist() == expect.tolist()
    assert got.loc[got["hospital"] == "H", "significance"].item() == "High (0.001)"


# ------------------------------------------------------------------------------------------
# Overdispersion on the Surgical data: independent computations
# ------------------------------------------------------------------------------------------


def _winsorise_spiegelhalter_loop(z: list[float], winsor_pct: float) -> list[float]:
    """Literal port of Spiegelhalter's R winsorise(Z, winsor) (winsor in percent)."""
    n = len(z)
    order = sorted(range(n), key=lambda i: z[i])
    z_ord = [z[i] for i in order]
    winlow = int(n * winsor_pct / 100) + 1
    winhigh = n - winlow + 1
    for i in range(winlow):
        z_ord[i] = z_ord[winlow - 1]
    for i in range(winhigh - 1, n):
        z_ord[i] = z_ord[winhigh - 1]
    out = [0.0] * n
    for pos, i in enumerate(order):
        out[i] = z_ord[pos]
    return out


def _type7(sorted_z: list[float], q: float) -> float:
    h = (len(sorted_z) - 1) * q
    lo = math.floor(h)
    return sorted_z[lo] + (h - lo) * (sorted_z[min(lo + 1, len(sorted_z) - 1)] - sorted_z[lo])


def _surgical_z() -> tuple[list[float], list[float], float]:
    theta = sum(SURG_R) / sum(SURG_N)
    s = [math.sqrt(theta * (1 - theta) / n) for n in SURG_N]
    z = [(r / n - theta) / si for r, n, si in zip(SURG_R, SURG_N, s, strict=True)]
    return z, s, theta


def test_surgical_phi_rank_winsorisation_independent() -> None:
    z, s, theta = _surgical_z()
    zw = _winsorise_spiegelhalter_loop(z, 10)
    k = len(z)
    phi = sum(v * v for v in zw) / k
    w = [1 / si**2 for si in s]
    tau2 = (k * phi - (k - 1)) / (sum(w) - sum(x * x for x in w) / sum(w))
    od = bm.overdispersion(surgical())
    assert od.k == 12 and od.df == 11
    assert od.target == pytest.approx(theta, rel=1e-14)
    assert od.phi == pytest.approx(phi, rel=1e-12)
    assert od.tau2 == pytest.approx(tau2, rel=1e-12)
    assert od.statistic == pytest.approx(k * phi, rel=1e-12)
    assert od.p_value == pytest.approx(stats.chi2.sf(k * phi, 11), rel=1e-10)
    assert od.overdispersed == bool(k * phi > stats.chi2.ppf(0.95, 11))
    assert od.overdispersed  # φ ≈ 2.38: clearly over-dispersed


def test_surgical_phi_quantile_winsorisation_independent() -> None:
    z, _, _ = _surgical_z()
    srt = sorted(z)
    lo, hi = _type7(srt, 0.1), _type7(srt, 0.9)
    phi = sum(min(max(v, lo), hi) ** 2 for v in z) / len(z)
    od = bm.overdispersion(surgical(), winsor_method="quantile")
    assert od.phi == pytest.approx(phi, rel=1e-12)


def test_surgical_unwinsorised_tau2_equals_dersimonian_laird() -> None:
    from statsmodels.stats.meta_analysis import combine_effects

    theta = SURG_R.sum() / SURG_N.sum()
    res = combine_effects(SURG_R / SURG_N, theta * (1 - theta) / SURG_N, method_re="dl")
    od = bm.overdispersion(surgical(), winsor=0.0)
    assert od.statistic == pytest.approx(res.q, rel=1e-10)  # Cochran's Q = Σ z²
    assert od.tau2 == pytest.approx(res.tau2, rel=1e-10)


def test_overdispersion_symmetric_in_pass_and_fail() -> None:
    a = bm.overdispersion(surgical("deaths"))
    b = bm.overdispersion(surgical("survivors"))
    assert a.phi == pytest.approx(b.phi, rel=1e-12)
    assert a.tau2 == pytest.approx(b.tau2, rel=1e-12)
    ua = bm.funnel_units(surgical("deaths"))
    ub = bm.funnel_units(surgical("survivors"))
    swap = {"low": "high", "high": "low", "within": "within"}
    assert ub["flag_998"].tolist() == [swap[f] for f in ua["flag_998"]]
    np.testing.assert_allclose(ub["upper_95"], 1 - ua["lower_95"], atol=1e-12)


def test_phi_and_tau2_adjusted_limits_by_hand() -> None:
    od = bm.overdispersion(surgical())
    theta = od.target
    plain = bm.funnel_units(surgical(), method="normal")
    phi = bm.funnel_units(surgical(), method="normal", adjust="phi")
    assert phi.attrs["overdispersion"]["phi"] == pytest.approx(od.phi)
    np.testing.assert_allclose(
        phi["upper_95"] - theta, math.sqrt(od.phi) * (plain["upper_95"] - theta), rtol=1e-12
    )
    np.testing.assert_allclose(phi["z_adjusted"], plain["z"] / math.sqrt(od.phi), rtol=1e-12)
    tau = bm.funnel_units(surgical(), method="normal", adjust="tau2")
    z95 = stats.norm.ppf(0.975)
    half = z95 * np.sqrt(theta * (1 - theta) / SURG_N + od.tau2)
    np.testing.assert_allclose(tau["lower_95"], np.clip(theta - half, 0, 1), rtol=1e-12)
    np.testing.assert_allclose(tau["upper_95"], theta + half, rtol=1e-12)
    # H (31/215) stays high after the τ² adjustment, K (29/256) does not
    flags = dict(zip(tau["hospital"], tau["flag_95"], strict=True))
    assert flags["H"] == "high" and flags["K"] == "within"


def test_adjust_only_when_significant() -> None:
    # binomial data with no extra variation: k·φ below the χ² 95 % point -> no inflation
    units = pd.DataFrame(
        {"batches": [200] * 10, "passed": [180, 181, 179, 180, 182, 178, 180, 181, 179, 180]}
    )
    od = bm.overdispersion(units)
    assert not od.overdispersed
    plain = bm.funnel_units(units)
    auto = bm.funnel_units(units, adjust="phi")
    forced = bm.funnel_units(units, adjust="phi", adjust_when="always")
    np.testing.assert_array_equal(auto["upper_95"], plain["upper_95"])
    assert od.phi < 1  # under-dispersed: forcing the factor narrows the limits
    assert (forced["upper_95"] < plain["upper_95"]).all()
    grid = bm.funnel_grid(units, adjust="phi", adjust_when="always")
    assert grid["n"].iloc[0] >= 1


def test_tau2_needs_normal_method() -> None:
    with pytest.raises(ParameterError, match="normal"):
        bm.funnel_units(surgical(), adjust="tau2")
    with pytest.raises(ParameterError, match="normal"):
        bm.funnel_limits([10], 0.5, tau2=0.01)


# ------------------------------------------------------------------------------------------
# Rank intervals
# ------------------------------------------------------------------------------------------


def test_rank_intervals_deterministic_and_match_loop() -> None:
    units = surgical()
    a = bm.rank_intervals(units, draws=400, seed=11)
    b = bm.rank_intervals(units, draws=400, seed=11)
    pd.testing.assert_frame_equal(a, b)
    # independent: the same draws, ranked row by row with argsort, percentiles by sorting
    rng = np.random.default_rng(11)
    sims = rng.beta(SURG_R + 0.5, SURG_N - SURG_R + 0.5, size=(400, 12))
    ranks = np.empty_like(sims)
    for d in range(400):
        order = np.argsort(-sims[d])
        ranks[d, order] = np.arange(1, 13)
    srt = np.sort(ranks, axis=0)
    lo = srt[math.ceil(0.025 * 400) - 1]
    hi = srt[math.ceil(0.975 * 400) - 1]
    med = srt[math.ceil(0.5 * 400) - 1]
    np.testing.assert_array_equal(a["rank_lower"], lo)
    np.testing.assert_array_equal(a["rank_upper"], hi)
    np.testing.assert_array_equal(a["rank"], med)
    assert a["rank_observed"].tolist() == [12, 2, 6, 10, 11, 8, 9, 1, 5, 4, 3, 7]


@pytest.mark.parametrize("higher_is_better", [True, False])
@pytest.mark.parametrize("ties", [False, True])
def test_rank_rows_are_scipy_average_ranks(higher_is_better: bool, ties: bool) -> None:
    # independent: scipy.stats.rankdata row by row (average ranks; 1 = best)
    from qualitykit.stats.ranks import rank_rows

    rng = np.random.default_rng(7)
    values = rng.integers(0, 6, size=(50, 9)) / 5 if ties else rng.random((50, 9))
    got = rank_rows(values, higher_is_better)
    key = -values if higher_is_better else values
    want = np.vstack([stats.rankdata(row, method="average") for row in key])
    np.testing.assert_array_equal(got, want)
    assert got.shape == values.shape


def test_rank_intervals_collapse_for_well_separated_units() -> None:
    units = pd.DataFrame({"batches": [100_000] * 4, "passed": [99_000, 95_000, 90_000, 80_000]})
    got = bm.rank_intervals(units, draws=200, seed=3)
    for col in ("rank", "rank_lower", "rank_upper"):
        assert got[col].tolist() == [1, 2, 3, 4]
    worse_first = bm.rank_intervals(units, draws=50, seed=3, higher_is_better=False)
    assert worse_first["rank"].tolist() == [4, 3, 2, 1]


def test_rank_intervals_binomial_bootstrap() -> None:
    got = bm.rank_intervals(surgical(), draws=300, seed=5, method="binomial")
    assert (got["rank_lower"] <= got["rank_upper"]).all()
    assert got.loc[got["hospital"] == "H", "rank_lower"].item() == 1
    with pytest.raises(InputError):
        bm.rank_intervals(
            pd.DataFrame({"batches": [10.5, 20], "passed": [3, 4]}), method="binomial"
        )


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(1, 400), st.floats(0, 1)), min_size=2, max_size=25),
    seed=st.integers(0, 2**31),
    method=st.sampled_from(["beta", "binomial"]),
)
def test_rank_interval_contains_point_rank(
    data: list[tuple[int, float]], seed: int, method: str
) -> None:
    batches = np.array([d[0] for d in data])
    passed = np.floor(np.array([d[1] for d in data]) * batches)
    units = pd.DataFrame({"batches": batches, "passed": passed})
    got = bm.rank_intervals(units, draws=200, seed=seed, method=method)  # type: ignore[arg-type]
    k = len(units)
    assert (got["rank_lower"] <= got["rank"]).all()
    assert (got["rank"] <= got["rank_upper"]).all()
    assert (got["rank_lower"] >= 1).all() and (got["rank_upper"] <= k).all()


# ------------------------------------------------------------------------------------------
# Empirical-Bayes shrinkage
# ------------------------------------------------------------------------------------------


def rats() -> pd.DataFrame:
    assert len(RAT_Y) == len(RAT_N) == 70
    return pd.DataFrame({"batches": RAT_N, "passed": RAT_Y})


def test_rat_tumour_moments_bda3() -> None:
    p = RAT_Y / RAT_N
    assert round(p.mean(), 3) == 0.136 and round(p.std(ddof=1), 3) == 0.103  # BDA3 p. 102
    fit = bm.fit_beta_binomial(rats(), method="moments")
    assert (round(fit.alpha, 1), round(fit.beta, 1)) == (1.4, 8.6)  # BDA3 p. 102


def test_rat_tumour_marginal_mle_bayesgof() -> None:
    fit = bm.fit_beta_binomial(rats())
    assert fit.converged
    # BayesGOF vignette prints 2.304768, 14.079707 (7 significant digits); the likelihood is very
    # flat along the ridge and our optimum has a slightly higher log-likelihood (by ~2e-10), so
    # the match is to 1e-5 relative.
    assert fit.alpha == pytest.approx(2.304768, rel=1e-5)
    assert fit.beta == pytest.approx(14.079707, rel=1e-5)

    # independent: scipy betabinom log-pmf maximised by Nelder-Mead on (log α, log β)
    def nll(par: np.ndarray) -> float:
        a, b = np.exp(par)
        return -float(stats.betabinom.logpmf(RAT_Y, RAT_N, a, b).sum())

    res = optimize.minimize(
        nll,
        [0.0, 2.0],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000},
    )
    a, b = np.exp(res.x)
    assert fit.alpha == pytest.approx(a, rel=1e-5)
    assert fit.beta == pytest.approx(b, rel=1e-5)


def test_eb_shrinkage_posterior_by_hand() -> None:
    got = bm.eb_shrinkage(rats(), level=0.9)
    prior = got.attrs["prior"]
    a, b = prior["alpha"], prior["beta"]
    i = 66  # 16 / 52
    post = stats.beta(RAT_Y[i] + a, RAT_N[i] - RAT_Y[i] + b)
    row = got.iloc[i]
    assert row["shrunk_rate"] == pytest.approx(post.mean(), rel=1e-12)
    assert row["ci_lower"] == pytest.approx(post.ppf(0.05), rel=1e-9)
    assert row["ci_upper"] == pytest.approx(post.ppf(0.95), rel=1e-9)
    assert row["shrinkage"] == pytest.approx((a + b) / (RAT_N[i] + a + b), rel=1e-12)
    assert row["prior_mean"] == pytest.approx(a / (a + b), rel=1e-12)


def test_eb_shrinkage_no_overdispersion_warns_and_pools() -> None:
    units = pd.DataFrame({"batches": [100] * 8, "passed": [90] * 8})
    with pytest.warns(QualityKitWarning, match="no extra-binomial"):
        got = bm.eb_shrinkage(units)
    np.testing.assert_allclose(got["shrunk_rate"], 0.9, atol=1e-6)
    prior = got.attrs["prior"]
    assert prior["pooled"] and prior["precision"] == pytest.approx(1e9)
    # Tarone (1979): S = Σ(x − n p̂)²/(p̂ q̂) = 0, Z = (S − Σn)/√(2 Σ n(n − 1))
    assert prior["tarone_z"] == pytest.approx(-800 / math.sqrt(2 * 8 * 100 * 99), rel=1e-12)
    # the log-likelihood of complete pooling is its exact limit, Σ x log p̂ + (n − x) log q̂
    assert prior["loglik"] == pytest.approx(8 * (90 * math.log(0.9) + 10 * math.log(0.1)))


def test_eb_pooling_decision_is_a_score_test_not_a_rounding_comparison() -> None:
    # binomial-like scatter (S < Σn): pooled; clear extra-binomial scatter: a finite prior
    calm = pd.DataFrame(
        {"batches": [200] * 10, "passed": [180, 181, 179, 180, 182, 178, 180, 181, 179, 180]}
    )
    with pytest.warns(QualityKitWarning, match="no extra-binomial"):
        fit = bm.fit_beta_binomial(calm)
    p = 1800 / 2000
    s = sum((x - 200 * p) ** 2 for x in calm["passed"]) / (p * (1 - p))
    assert s < 2000 and fit.pooled
    assert fit.tarone_z == pytest.approx((s - 2000) / math.sqrt(2 * 10 * 200 * 199), rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", QualityKitWarning)
        rough = bm.fit_beta_binomial(rats())
    assert not rough.pooled and rough.tarone_z > 0


def test_eb_pooling_ignores_rounding_noise_in_the_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    # The failure of the statistics issue: at α + β ≈ 1e8–1e9 the computed log-likelihood can
    # exceed its true supremum (−260.066345 against −260.066379 for eight units of 90/100). Feed
    # the fit an optimiser result carrying exactly that error: it must still pool.
    from scipy.optimize import OptimizeResult

    from qualitykit.stats import shrinkage

    units = pd.DataFrame({"batches": [100] * 8, "passed": [90] * 8})
    supremum = 8 * (90 * math.log(0.9) + 10 * math.log(0.1))
    noisy = OptimizeResult(
        x=np.array([math.log(9.0), math.log(1e8)]), fun=-(supremum + 3.4e-5), success=True
    )
    monkeypatch.setattr(shrinkage.optimize, "minimize", lambda *a, **k: noisy)
    with pytest.warns(QualityKitWarning, match="no extra-binomial"):
        fit = bm.fit_beta_binomial(units)
    assert fit.pooled and fit.loglik == pytest.approx(supremum, rel=1e-15)


def test_eb_shrinkage_degenerate_mle_is_bounded() -> None:
    # Hypothesis found it: two units failing their one batch, one passing both of its two. The
    # marginal likelihood rises as α, β → 0 (a prior with its mass at 0 and 1); its limit is
    # (1 − m)²·m, maximal at m = 1/3. Unbounded, the posterior interval of the failing units was
    # [2.2e-308, 2.2e-308], below their shrunk rate.
    units = pd.DataFrame({"batches": [1, 1, 2], "passed": [0, 0, 2]})
    with pytest.warns(QualityKitWarning, match="degenerate prior"):
        got = bm.eb_shrinkage(units)
    prior = got.attrs["prior"]
    assert prior["bounded"]
    assert min(prior["alpha"], prior["beta"]) == pytest.approx(0.05)
    assert prior["mean"] == pytest.approx(1 / 3, abs=1e-5)
    for i, (n, x) in enumerate([(1, 0), (1, 0), (2, 2)]):
        post = stats.beta(x + prior["alpha"], n - x + prior["beta"])  # independent: scipy
        assert got["shrunk_rate"].iloc[i] == pytest.approx(post.mean(), rel=1e-12)
        assert got["ci_lower"].iloc[i] == pytest.approx(post.ppf(0.025), rel=1e-9)
        assert got["ci_upper"].iloc[i] == pytest.approx(post.ppf(0.975), rel=1e-9)
        assert got["ci_lower"].iloc[i] < got["shrunk_rate"].iloc[i] < got["ci_upper"].iloc[i]


def test_eb_shrinkage_degenerate_moments_is_bounded() -> None:
    # rates 0.02 and 0.98 (ten units each): mean 0.5, variance 0.2425 (ddof = 1) just below
    # 0.25, so the moment estimates are α = β = 0.5 × (0.25 / 0.2425 − 1) ≈ 0.015
    units = pd.DataFrame({"batches": [50] * 20, "passed": [1] * 10 + [49] * 10})
    with pytest.warns(QualityKitWarning, match="degenerate prior"):
        got = bm.eb_shrinkage(units, method="moments")
    prior = got.attrs["prior"]
    assert prior["bounded"] and prior["alpha"] == pytest.approx(0.05)
    assert prior["beta"] == pytest.approx(0.05) and prior["mean"] == pytest.approx(0.5)
    assert ((got["ci_lower"] <= got["shrunk_rate"]) & (got["shrunk_rate"] <= got["ci_upper"])).all()


def test_eb_fit_not_bounded_for_ordinary_data() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", QualityKitWarning)
        fit = bm.fit_beta_binomial(rats())
    assert not fit.bounded


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(1, 300), st.floats(0, 1)), min_size=3, max_size=30),
)
@example(data=[(1, 0.0), (1, 0.0), (2, 1.0)])
def test_shrunk_between_raw_and_prior_mean(data: list[tuple[int, float]]) -> None:
    batches = np.array([d[0] for d in data])
    passed = np.round(np.array([d[1] for d in data]) * batches)
    if passed.sum() in (0, batches.sum()):
        return  # nothing to fit: all pass or all fail (raises ParameterError, tested below)
    units = pd.DataFrame({"batches": batches, "passed": passed})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        got = bm.eb_shrinkage(units)
    raw, shrunk, m = got["pass_rate"], got["shrunk_rate"], got["prior_mean"]
    eps = 1e-12
    assert ((shrunk >= np.minimum(raw, m) - eps) & (shrunk <= np.maximum(raw, m) + eps)).all()
    assert ((got["ci_lower"] <= shrunk + eps) & (shrunk <= got["ci_upper"] + eps)).all()
    assert ((got["ci_lower"] >= 0) & (got["ci_upper"] <= 1)).all()
    assert ((got["shrinkage"] > 0) & (got["shrinkage"] <= 1)).all()


def test_fit_rejects_all_pass() -> None:
    with pytest.raises(ParameterError, match="cannot be fitted"):
        bm.fit_beta_binomial(pd.DataFrame({"batches": [5, 6], "passed": [5, 6]}))


# ------------------------------------------------------------------------------------------
# Relative target: k pp above the parent average
# ------------------------------------------------------------------------------------------


def test_relative_target_gap_and_ci() -> None:
    units = pd.DataFrame(
        {"city": ["a", "b", "c"], "batches": [400, 1500, 100], "passed": [380, 1290, 88]}
    )
    excl = bm.relative_target(units, k_pp=2.0, include_self=False)
    incl = bm.relative_target(units, k_pp=2.0)
    # excluded: Newcombe CI of unit vs rest, by hand for city a
    lo = metrics.newcombe_diff_ci(380, 400, 1378, 1600)["ci_lower"].iloc[0]
    assert excl["gap_pp"].iloc[0] == pytest.approx(100 * (0.95 - 1378 / 1600))
    assert excl["gap_lower_pp"].iloc[0] == pytest.approx(100 * float(lo))
    assert excl["parent_rate"].iloc[0] == pytest.approx(1378 / 1600)
    # included: the gap to the whole parent equals (1 - w) × the gap to the rest
    parent = 1758 / 2000
    assert incl["parent_rate"].iloc[0] == pytest.approx(parent)
    assert incl["gap_pp"].iloc[0] == pytest.approx(100 * (0.95 - parent))
    w = 400 / 2000
    np.testing.assert_allclose(
        incl["gap_lower_pp"], excl["gap_lower_pp"] * (1 - np.array([400, 1500, 100]) / 2000)
    )
    assert incl["gap_upper_pp"].iloc[0] == pytest.approx((1 - w) * excl["gap_upper_pp"].iloc[0])
    assert incl["verdict"].iloc[0] == "met with confidence"  # 95 % vs 87.9 %: +7.1 pp, CI > 2
    assert incl["verdict"].iloc[1] == "not met with confidence"  # 86 % vs 87.9 %


def test_relative_target_verdicts_and_parent_totals() -> None:
    # parent totals from outside the table (e.g. the published provincial figures: 88 %)
    units = pd.DataFrame({"batches": [50, 60, 5000, 5000], "passed": [46, 50, 4520, 4300]})
    got = bm.relative_target(units, k_pp=2.0, parent_batches=100_000, parent_passed=88_000)
    # 92 % of 50: +4 pp, CI about -6.8 to +8.8 -> met (point estimate)
    # 83.3 % of 60: -4.7 pp, CI upper about +2.7 -> not met (cannot rule out +2)
    # 90.4 % of 5000: +2.4 pp, CI lower below +2 -> met (point estimate)
    # 86 % of 5000: -2 pp, CI about -3.0 to -1.1 -> not met with confidence
    assert got["verdict"].tolist() == [
        "met (point estimate)", "not met", "met (point estimate)", "not met with confidence",
    ]  # fmt: skip
    assert got["gap_lower_pp"].iloc[2] < 2.0 < got["gap_pp"].iloc[2]
    assert got["gap_upper_pp"].iloc[1] >= 2.0
    with pytest.raises(ParameterError, match="include the unit"):
        bm.relative_target(units, parent_batches=1000, parent_passed=900)
    with pytest.raises(ParameterError, match="both"):
        bm.relative_target(units, parent_batches=1000)


def test_relative_target_whole_parent_is_nan() -> None:
    units = pd.DataFrame({"batches": [100], "passed": [95]})
    with pytest.warns(QualityKitWarning, match="whole parent"):
        got = bm.relative_target(units)
    assert np.isnan(got["gap_pp"].iloc[0]) and pd.isna(got["verdict"].iloc[0])


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------


def test_bad_counts_collect_every_problem() -> None:
    units = pd.DataFrame({"batches": [10, 0, 5, "x"], "passed": [11, 0, -1, 3]})
    with pytest.raises(InputError) as info:
        bm.funnel_units(units)
    rows = sorted((p.row, p.column) for p in info.value.problems)
    assert rows == [(2, "passed"), (3, "batches"), (4, "passed"), (5, "batches")]
    assert "greater than zero" in str(info.value)


def test_missing_columns_and_empty() -> None:
    with pytest.raises(InputError, match="'batches' is missing"):
        bm.overdispersion(pd.DataFrame({"passed": [1]}))
    with pytest.raises(NoDataError):
        bm.funnel_units(pd.DataFrame({"batches": [], "passed": []}))


def test_nonconforming_column_accepted() -> None:
    a = bm.funnel_units(pd.DataFrame({"batches": SURG_N, "nonconforming": SURG_N - SURG_R}))
    b = bm.funnel_units(surgical())
    np.testing.assert_allclose(a["z"], b["z"])


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="method"):
        bm.funnel_units(surgical(), method="exact")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="levels"):
        bm.funnel_limits([10], 0.5, levels=(0.95, 1.2))
    with pytest.raises(ParameterError, match="target"):
        bm.funnel_units(surgical(), target=1.5)
    with pytest.raises(ParameterError, match="integer"):
        bm.funnel_limits([10.5], 0.5)
    with pytest.raises(InputError, match="integer batches"):
        bm.funnel_units(pd.DataFrame({"batches": [10.5, 20], "passed": [3, 4]}))
    with pytest.raises(ParameterError, match="draws"):
        bm.rank_intervals(surgical(), draws=0)
