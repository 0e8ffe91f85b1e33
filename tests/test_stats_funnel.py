"""Funnel-limit conventions: exact binomial interpolation, √φ before clipping, arcsine, Poisson.

Published numbers reproduced
----------------------------
* Poisson (standardised-ratio) limits at E = 15, 20, 30 around 1: R FunnelPlotR
  ``tests/testthat/test-poisson_limits.R`` (repository nhs-r-community/FunnelPlotR, commit
  9020d497), printed to 7 decimals (6 for the upper limits).
* The Surgical data (WinBUGS Examples Vol. 1, 12 hospitals; see ``tests/test_benchmark.py``):
  hospital B, 18 deaths in 148, lies above the 95 % exact limit when the upper limit is computed
  by the formula printed in Spiegelhalter (2005, *Stat Med* 24:1185, appendix A.1.1), and inside
  it by the reflected convention — the case the statistics issue reports.

Not published — independent computations instead
------------------------------------------------
* No table of Spiegelhalter's interpolated limits was found. The printed form (r_p − α)/n is
  checked against a loop over ``math.comb`` probabilities of exactly that formula; the reflected
  form against the same loop's lower limit of the complementary proportion (its definition), and
  both against the exact tail probabilities that follow from them.
* No published arcsine-scale φ, τ² or arcsine limits were found; they are checked against a
  literal re-implementation of FunnelPlotR's ``transformed_zscore(data_type = "PR")``,
  ``winsorisation()``, ``phi_func()``, ``tau_func()`` and ``calculate_limits()``.
* The SHMI truncation is checked against a literal re-implementation of FunnelPlotR's
  ``truncation()``; its published φ (2.948033, ``test-classes_methods.R``) is for log-scale
  standardised ratios, which qualitykit does not compute, so it is not used.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qualitykit.errors import InputError, ParameterError
from qualitykit.stats import benchmark as bm

SURG_N = np.array([47, 148, 119, 810, 211, 196, 148, 215, 207, 97, 256, 360])
SURG_R = np.array([0, 18, 8, 46, 8, 13, 9, 31, 14, 8, 29, 24])


def surgical() -> pd.DataFrame:
    return pd.DataFrame({"hospital": list("ABCDEFGHIJKL"), "batches": SURG_N, "passed": SURG_R})


# ------------------------------------------------------------------------------------------
# exact binomial limits: the printed formula and the reflected convention
# ------------------------------------------------------------------------------------------


def _cdf_pmf(n: int, theta: float) -> tuple[list[float], list[float]]:
    pmf = [math.comb(n, r) * theta**r * (1 - theta) ** (n - r) for r in range(n + 1)]
    cdf, acc = [], 0.0
    for p in pmf:
        acc += p
        cdf.append(acc)
    return cdf, pmf


def _printed(n: int, theta: float, p: float) -> float:
    """Spiegelhalter (2005) A.1.1 as printed: (r_p − α)/n, r_p = min{r: F(r) ≥ p}."""
    cdf, pmf = _cdf_pmf(n, theta)
    r = next(r for r in range(n + 1) if cdf[r] >= p - 1e-12)
    return (r - (cdf[r] - p) / pmf[r]) / n


@pytest.mark.parametrize("theta", [0.0739161336, 0.35, 0.8, 0.93])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_printed_form_matches_the_printed_formula(theta: float, level: float) -> None:
    ns = [1, 2, 5, 10, 47, 97, 148, 360, 810]
    tail = (1 - level) / 2
    got = bm.funnel_limits(ns, theta, levels=level, interpolation="spiegelhalter2005")
    sfx = bm.level_suffix(level)
    for i, n in enumerate(ns):
        assert got[f"lower_{sfx}"].iloc[i] == pytest.approx(
            min(max(_printed(n, theta, tail), 0.0), 1.0), abs=1e-10
        )
        assert got[f"upper_{sfx}"].iloc[i] == pytest.approx(
            min(max(_printed(n, theta, 1 - tail), 0.0), 1.0), abs=1e-10
        )


@pytest.mark.parametrize("theta", [0.0739161336, 0.35, 0.8, 0.93])
def test_reflected_upper_is_one_minus_the_lower_limit_of_the_complement(theta: float) -> None:
    ns = [1, 2, 5, 10, 47, 97, 148, 360, 810]
    got = bm.funnel_limits(ns, theta, levels=(0.95, 0.998))
    for i, n in enumerate(ns):
        for lev, sfx in ((0.95, "95"), (0.998, "998")):
            tail = (1 - lev) / 2
            lower_complement = _printed(n, 1 - theta, tail)
            assert got[f"upper_{sfx}"].iloc[i] == pytest.approx(
                min(max(1 - lower_complement, 0.0), 1.0), abs=1e-10
            )
            assert got[f"lower_{sfx}"].iloc[i] == pytest.approx(
                min(max(_printed(n, theta, tail), 0.0), 1.0), abs=1e-10
            )


@settings(max_examples=80, deadline=None)
@given(theta=st.floats(0.02, 0.98), n=st.integers(2, 2000))
def test_the_two_upper_limits_differ_by_one_over_n(theta: float, n: int) -> None:
    refl = bm.funnel_limits([n], theta, levels=0.95)["upper_95"].iloc[0]
    printed = bm.funnel_limits([n], theta, levels=0.95, interpolation="spiegelhalter2005")
    u = printed["upper_95"].iloc[0]
    if refl < 1.0:  # both unclipped
        assert refl - u == pytest.approx(1.0 / n, abs=1e-9)


@pytest.mark.parametrize(("n", "theta"), [(20, 0.3), (47, 0.0739), (148, 0.0739), (60, 0.9)])
def test_reflected_limits_are_conservative_in_both_tails(n: int, theta: float) -> None:
    # an in-control unit (X ~ Bin(n, θ)) falls above / below a limit with probability ≤ the
    # nominal tail under the reflected convention; the printed upper limit exceeds it
    cdf, pmf = _cdf_pmf(n, theta)
    tail = 0.025
    refl = bm.funnel_limits([n], theta, levels=0.95)
    printed = bm.funnel_limits([n], theta, levels=0.95, interpolation="spiegelhalter2005")

    def p_above(u: float) -> float:
        return sum(pmf[r] for r in range(n + 1) if r / n > u)

    def p_below(lo: float) -> float:
        return sum(pmf[r] for r in range(n + 1) if r / n < lo)

    assert p_above(refl["upper_95"].iloc[0]) <= tail + 1e-12
    assert p_below(refl["lower_95"].iloc[0]) <= tail + 1e-12
    assert p_above(printed["upper_95"].iloc[0]) >= tail - 1e-12


def test_surgical_hospital_b_is_outside_by_the_printed_form_only() -> None:
    printed = bm.funnel_units(surgical(), interpolation="spiegelhalter2005")
    refl = bm.funnel_units(surgical())
    theta = SURG_R.sum() / SURG_N.sum()
    b_printed = _printed(148, theta, 0.975)  # independent: the printed formula
    assert 18 / 148 > b_printed
    assert printed["upper_95"].iloc[1] == pytest.approx(b_printed, abs=1e-10)
    assert printed["flag_95"].iloc[1] == "high"
    assert refl["flag_95"].iloc[1] == "within"
    assert refl["upper_95"].iloc[1] - printed["upper_95"].iloc[1] == pytest.approx(1 / 148)
    # the reflected convention flags the same units on the pass-rate and failure-rate scale
    survivors = surgical().assign(passed=SURG_N - SURG_R)
    swap = {"low": "high", "high": "low", "within": "within"}
    mirrored = bm.funnel_units(survivors)
    assert mirrored["flag_95"].tolist() == [swap[f] for f in refl["flag_95"]]


def test_interpolation_is_validated() -> None:
    with pytest.raises(ParameterError, match="interpolation"):
        bm.funnel_limits([10], 0.5, interpolation="printed")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# multiplicative over-dispersion: stretch before clipping
# ------------------------------------------------------------------------------------------


def test_phi_stretch_is_applied_before_clipping() -> None:
    # θ = 0.95, n = 50, φ = 0.25: the normal upper limit 0.95 + 1.96·√(0.0475/50) = 1.0104 lies
    # above 1; stretched first it is 0.95 + ½·0.0604 = 0.9802, so 49/50 = 0.98 is inside
    z = stats.norm.ppf(0.975)
    expected = 0.95 + math.sqrt(0.25) * z * math.sqrt(0.95 * 0.05 / 50)
    got = bm.funnel_limits([50], 0.95, method="normal", levels=0.95, phi=0.25)
    assert got["upper_95"].iloc[0] == pytest.approx(expected, abs=1e-14)
    assert round(got["upper_95"].iloc[0], 4) == 0.9802
    assert 49 / 50 <= got["upper_95"].iloc[0]
    # the same for the exact and Wilson limits: stretched from their unclipped values
    for method in ("spiegelhalter", "wilson"):
        plain = bm.funnel_limits([50], 0.95, method=method, levels=0.95)  # type: ignore[arg-type]
        stretched = bm.funnel_limits([50], 0.95, method=method, levels=0.95, phi=0.25)  # type: ignore[arg-type]
        assert plain["upper_95"].iloc[0] == 1.0  # clipped
        assert 0.95 < stretched["upper_95"].iloc[0] < 1.0
        assert stretched["upper_95"].iloc[0] > 0.975  # not the stretch of the clipped 1.0


# ------------------------------------------------------------------------------------------
# arcsine funnel and arcsine-scale dispersion (FunnelPlotR "PR"), written out
# ------------------------------------------------------------------------------------------


def _funnelplotr_pr(winsor: float = 0.1) -> tuple[float, float, list[float], list[float]]:
    """FunnelPlotR transformed_zscore("PR") + winsorisation() + phi_func() + tau_func()."""
    target_t = math.asin(math.sqrt(SURG_R.sum() / SURG_N.sum()))
    y = [math.asin(math.sqrt(r / n)) for r, n in zip(SURG_R, SURG_N, strict=True)]
    s = [1 / (2 * math.sqrt(n)) for n in SURG_N]
    z = [(yi - target_t) / si for yi, si in zip(y, s, strict=True)]
    srt = sorted(z)

    def type7(q: float) -> float:
        h = (len(srt) - 1) * q
        lo = math.floor(h)
        return srt[lo] + (h - lo) * (srt[min(lo + 1, len(srt) - 1)] - srt[lo])

    lz, uz = type7(winsor), type7(1 - winsor)
    wz = [lz if v < lz else uz if v > uz else v for v in z]
    n = len(wz)
    phi = sum(v * v for v in wz) / n
    w = [1 / si**2 for si in s]
    tau2 = (
        0.0
        if n * phi < n - 1
        else max(0.0, (n * phi - (n - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    )
    return phi, tau2, z, s


def test_arcsine_dispersion_matches_funnelplotr_procedure() -> None:
    phi, tau2, z, _ = _funnelplotr_pr()
    od = bm.overdispersion(surgical(), winsor_method="quantile", scale="arcsine")
    assert od.scale == "arcsine" and od.k_used == 12
    assert od.phi == pytest.approx(phi, rel=1e-12)
    assert od.tau2 == pytest.approx(tau2, rel=1e-12)
    units = bm.funnel_units(surgical(), method="arcsine")
    np.testing.assert_allclose(units["z"], z, rtol=1e-12)


def test_arcsine_limits_with_additive_and_multiplicative_dispersion() -> None:
    phi, tau2, _, _ = _funnelplotr_pr()
    theta = SURG_R.sum() / SURG_N.sum()
    z95 = 1.959963984540054
    tau = bm.funnel_units(
        surgical(), method="arcsine", adjust="tau2", adjust_when="always", winsor_method="quantile"
    )
    mult = bm.funnel_units(
        surgical(), method="arcsine", adjust="phi", adjust_when="always", winsor_method="quantile"
    )
    for i, n in enumerate(SURG_N):
        s2 = 1 / (4 * n)
        centre = math.asin(math.sqrt(theta))
        # FunnelPlotR calculate_limits("PR"): sin(asin(sqrt(target)) ± z sqrt(s² + τ²))², in [0, 1]
        lo = math.sin(max(centre - z95 * math.sqrt(s2 + tau2), 0.0)) ** 2
        hi = math.sin(min(centre + z95 * math.sqrt(s2 + tau2), math.pi / 2)) ** 2
        assert tau["lower_95"].iloc[i] == pytest.approx(lo, abs=1e-12)
        assert tau["upper_95"].iloc[i] == pytest.approx(hi, abs=1e-12)
        lo_m = math.sin(max(centre - z95 * math.sqrt(phi * s2), 0.0)) ** 2
        hi_m = math.sin(min(centre + z95 * math.sqrt(phi * s2), math.pi / 2)) ** 2
        assert mult["lower_95"].iloc[i] == pytest.approx(lo_m, abs=1e-12)
        assert mult["upper_95"].iloc[i] == pytest.approx(hi_m, abs=1e-12)
    assert tau.attrs["overdispersion"]["scale"] == "arcsine"


def test_arcsine_limits_are_monotone_and_clipped_at_small_n() -> None:
    got = bm.funnel_limits(np.arange(1, 60), 0.03, method="arcsine")
    assert (got["lower_998"] == 0).iloc[:5].all()
    assert (np.diff(got["lower_998"]) >= -1e-15).all()
    assert (np.diff(got["upper_998"]) <= 1e-15).all()


# ------------------------------------------------------------------------------------------
# truncation (SHMI, as FunnelPlotR truncation())
# ------------------------------------------------------------------------------------------


def test_truncation_matches_funnelplotr_truncation() -> None:
    theta = SURG_R.sum() / SURG_N.sum()
    z = (SURG_R / SURG_N - theta) / np.sqrt(theta * (1 - theta) / SURG_N)
    k = 1 / 0.1
    rk = stats.rankdata(z)  # ties.method = "average"
    sp = np.floor(rk * k / (len(rk) + 1))
    kept = (sp > 0) & (sp < k - 1)
    phi = float(np.mean(z[kept] ** 2))
    od = bm.overdispersion(surgical(), winsor_method="truncate")
    assert od.k == 12 and od.k_used == int(kept.sum()) == 10
    assert od.df == 9
    assert od.phi == pytest.approx(phi, rel=1e-12)
    w = SURG_N[kept] / (theta * (1 - theta))
    tau2 = (10 * phi - 9) / (w.sum() - (w**2).sum() / w.sum())
    assert od.tau2 == pytest.approx(max(tau2, 0.0), rel=1e-12)


# ------------------------------------------------------------------------------------------
# Poisson funnel limits
# ------------------------------------------------------------------------------------------


def test_poisson_limits_reproduce_funnelplotr() -> None:
    # FunnelPlotR tests/testthat/test-poisson_limits.R: calculate_limits(number_seq = c(15, 20,
    # 30), target = 1, draw_adjusted = FALSE)
    got = bm.poisson_funnel_limits([15, 20, 30])
    np.testing.assert_array_equal(got["lower_95"].round(7), [0.5596924, 0.6108260, 0.6746958])
    np.testing.assert_array_equal(got["upper_95"].round(6), [1.649348, 1.544419, 1.427562])
    np.testing.assert_array_equal(got["lower_998"].round(7), [0.3862650, 0.4479107, 0.5289724])
    np.testing.assert_array_equal(got["upper_998"].round(6), [2.082907, 1.902094, 1.702771])


def _poisson_interp(mu: float, p: float) -> tuple[int, float]:
    pmf = [math.exp(-mu + r * math.log(mu) - math.lgamma(r + 1)) for r in range(int(mu * 5 + 50))]
    acc = 0.0
    for r, f in enumerate(pmf):
        acc += f
        if acc >= p - 1e-12:
            return r, (acc - p) / f
    raise AssertionError("not reached")


@pytest.mark.parametrize(("exposure", "target"), [(15, 1.0), (4.5, 1.0), (200, 0.08), (60, 1.3)])
def test_interpolated_poisson_limits_match_the_formula(exposure: float, target: float) -> None:
    mu = exposure * target
    r_lo, a_lo = _poisson_interp(mu, 0.025)
    r_hi, a_hi = _poisson_interp(mu, 0.975)
    refl = bm.poisson_funnel_limits([exposure], target, levels=0.95, method="interpolated")
    printed = bm.poisson_funnel_limits(
        [exposure], target, levels=0.95, method="interpolated", interpolation="spiegelhalter2005"
    )
    assert refl["lower_95"].iloc[0] == pytest.approx(max(r_lo - a_lo, 0) / exposure, abs=1e-10)
    assert printed["upper_95"].iloc[0] == pytest.approx((r_hi - a_hi) / exposure, abs=1e-10)
    assert refl["upper_95"].iloc[0] == pytest.approx((r_hi + 1 - a_hi) / exposure, abs=1e-10)


def test_poisson_methods_agree_for_large_exposure_and_units_flag() -> None:
    a = bm.poisson_funnel_limits([1e5], 1.0, method="chisq")
    b = bm.poisson_funnel_limits([1e5], 1.0, method="interpolated")
    z = stats.norm.ppf(0.999)
    half = z / math.sqrt(1e5)  # normal approximation of the 99.8 % limits
    for col in ("lower_998", "upper_998"):
        assert abs(a[col].iloc[0] - b[col].iloc[0]) < 0.02 * half
        assert abs(a[col].iloc[0] - 1.0) == pytest.approx(half, rel=0.03)
    ratios = pd.DataFrame(
        {"unit": list("abc"), "observed": [30, 12, 2], "expected": [15.0, 12.0, 10.0]}
    )
    got = bm.poisson_funnel_units(ratios)
    lim = bm.poisson_funnel_limits([15.0, 12.0, 10.0])
    np.testing.assert_allclose(got["upper_998"], lim["upper_998"])
    assert got["ratio"].tolist() == [2.0, 1.0, 0.2]
    assert got["flag_95"].tolist() == ["high", "within", "low"]
    np.testing.assert_allclose(
        got["z"], (np.array([30, 12, 2]) - [15, 12, 10]) / np.sqrt([15, 12, 10])
    )
    # multiplicative over-dispersion stretches the distance from the target
    wide = bm.poisson_funnel_limits([15.0], phi=4.0)
    assert wide["upper_95"].iloc[0] - 1 == pytest.approx(2 * (lim["upper_95"].iloc[0] - 1))


def test_poisson_bad_input() -> None:
    with pytest.raises(InputError) as info:
        bm.poisson_funnel_units(pd.DataFrame({"observed": [1.5, -1, 3], "expected": [2, 2, 0]}))
    assert sorted((p.row, p.column) for p in info.value.problems) == [
        (2, "observed"), (3, "observed"), (4, "expected"),
    ]  # fmt: skip
    with pytest.raises(ParameterError, match="target"):
        bm.poisson_funnel_limits([10], target=0)
    with pytest.raises(ParameterError, match="method"):
        bm.poisson_funnel_limits([10], method="byars")  # type: ignore[arg-type]
