"""spc: p, np and Laney p′ charts, phases, run rules and the dispersion test.

Published numbers reproduced here, with their sources:

* R qcc 3.0 vignette "A quick tour of qcc", section "p and np charts" (docs/articles/qcc.html of
  github.com/luca-scr/qcc): printed `qcc()` summaries for `orangejuice` (Montgomery Example 7.1,
  Tables 7.1–7.2) — trial p chart, np chart, the revised chart without samples 15 and 23 with the
  later samples as Phase II — and for `orangejuice2` (Montgomery Example 7.2). qcc prints 7
  significant digits; tolerances are half a unit of the last printed digit.
* R qcc help page `qccOverdispersionTest()` (docs/reference/qccOverdispersionTest.html): printed
  binomial and Poisson results for the Wetherill & Brown (1991, pp. 212–218) data.
* R qicharts2 0.8.1 p and p′ limits for the NHS A&E data of Mohammed et al. (BMJ Qual Saf
  2013;22:362): tests/fixtures/spc/qicharts2_nhs_accidents_limits.csv (see the README there).
* R qicharts2 printed `summary()` tables (README and `summary.qic` help): Anhøj limits
  longest.run.max / n.crossings.min = 8 / 8 for 24 useful points, 8 / 7 for 23, 8 / 16 for 43.

Not found / not reproduced: the qicharts2 test fixture `tbl_7.4_1.rds` for Montgomery Table 7.4
is a binary R file that the search tools could not read, and Mohammed et al. (2013) do not print
σ_z in any text we could reach. For Table 7.4 the test therefore checks the centre line against
234/2450 (the data's totals), the single out-of-limits sample (11) named in
tests/reference/SOURCES.md, and the runs analysis against an independent count in the test.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qualitykit.errors import InputError, NoDataError, ParameterError, QualityKitWarning
from qualitykit.stats import spc

HERE = Path(__file__).parent
REF = HERE / "reference"
FIX = HERE / "fixtures" / "spc"


def half_unit(printed: float, digits: int = 7) -> float:
    """Half a unit in the last of ``digits`` significant digits of a printed number."""
    if printed == 0:
        return 5e-8
    return 0.5 * 10 ** (math.floor(math.log10(abs(printed))) - digits + 1)


def assert_printed(value: float, printed: float, digits: int = 7) -> None:
    assert abs(value - printed) <= half_unit(printed, digits) * 1.0001, (value, printed)


@pytest.fixture(scope="module")
def orangejuice() -> pd.DataFrame:
    return pd.read_csv(REF / "pchart_orangejuice_montgomery" / "orangejuice.csv")


@pytest.fixture(scope="module")
def orangejuice2() -> pd.DataFrame:
    return pd.read_csv(REF / "pchart_orangejuice_montgomery" / "orangejuice2.csv")


@pytest.fixture(scope="module")
def nhs() -> pd.DataFrame:
    return pd.read_csv(REF / "laney_pprime_nhs_ae_4h" / "input.csv")


OJ = {"count": "D", "size": "size", "subgroup": "sample"}


# ---------------------------------------------------------------- Montgomery Example 7.1 / qcc


def test_orangejuice_trial_p_chart_matches_qcc(orangejuice):
    # qcc vignette: qcc(D[trial], sizes = size[trial], type = "p")
    chart = spc.p_chart(orangejuice[orangejuice["trial"]], **OJ)
    s = chart.summary.iloc[0]
    assert s["subgroups"] == 30
    assert_printed(s["center"], 0.2313333)
    assert_printed(s["sigma"], 0.421685, digits=6)
    assert_printed(s["lcl"], 0.05242755)
    assert_printed(s["ucl"], 0.4102391)
    # The out-of-control trial samples: 15 and 23 (qcc help(orangejuice): new cardboard batch,
    # inexperienced operator; the vignette drops exactly these).
    pts = chart.points
    assert pts.loc[pts["beyond_limits"], "subgroup"].tolist() == [15, 23]
    assert pts.loc[pts["out_of_control"], "subgroup"].tolist() == [15, 23]


def test_orangejuice_trial_np_chart_matches_qcc(orangejuice):
    # qcc vignette: qcc(D[trial], sizes = size[trial], type = "np")
    s = spc.np_chart(orangejuice[orangejuice["trial"]], **OJ).summary.iloc[0]
    assert_printed(s["center"], 11.56667)
    assert_printed(s["sigma"], 2.981763)
    assert_printed(s["lcl"], 2.621377)
    assert_printed(s["ucl"], 20.51196)


def test_orangejuice_revised_limits_and_phase_two_match_qcc(orangejuice):
    # qcc vignette: inc <- setdiff(which(trial), c(15, 23));
    # qcc(D[inc], sizes = size[inc], type = "p", newdata = D[!trial], newsizes = size[!trial])
    chart = spc.p_chart(orangejuice, calibration="trial", exclude=[15, 23], **OJ)
    s = chart.summary.set_index("phase")
    assert s.loc["I", "used"] == 28  # "Number of groups = 28"
    assert s.loc["II", "subgroups"] == 24  # "New data (phase II) … Number of groups = 24"
    for phase in ("I", "II"):
        assert_printed(s.loc[phase, "center"], 0.215, digits=3)
        assert_printed(s.loc[phase, "sigma"], 0.4108223)
        assert_printed(s.loc[phase, "lcl"], 0.04070284)
        assert_printed(s.loc[phase, "ucl"], 0.3892972)
    pts = chart.points.set_index("subgroup")
    assert pts.loc[[15, 23], "excluded"].all()
    assert (pts.loc[[15, 23], "excluded_by"] == "exclude").all()
    assert not pts.loc[[15, 23], "used"].any()
    # Sample 21 (p = 0.40) lies above the revised UCL 0.3893 but has no assignable cause, so it
    # stays in the calibration (Montgomery Example 7.1 keeps it).
    assert pts.loc[21, "beyond_limits"] and pts.loc[21, "used"]
    assert s.loc["I", "n_beyond_limits"] == 1
    # Phase II: the new samples sit far below the old centre line (the machine adjustment of
    # Example 7.1): observed fraction = 133 / 1200 — the orangejuice2 trial centre below.
    assert s.loc["II", "p_observed"] == pytest.approx(133 / 1200)


def test_orangejuice2_recalibrated_chart_matches_qcc(orangejuice2):
    # qcc vignette: qcc(D[trial], sizes = size[trial], type = "p", newdata = D[!trial], …)
    chart = spc.p_chart(orangejuice2, calibration="trial", **OJ)
    s = chart.summary.set_index("phase")
    assert s.loc["I", "subgroups"] == 24 and s.loc["II", "subgroups"] == 40
    assert_printed(s.loc["I", "center"], 0.1108333)
    assert_printed(s.loc["I", "sigma"], 0.3139256)
    assert s.loc["II", "lcl"] == 0.0  # negative LCL truncated at 0, printed as 0
    assert_printed(s.loc["II", "ucl"], 0.2440207)
    assert not chart.points["beyond_limits"].any()


def test_revise_drops_points_round_after_round(orangejuice):
    chart = spc.p_chart(orangejuice, calibration="trial", revise=True, **OJ)
    s = chart.summary.iloc[0]
    # round 1 drops 15 and 23 (as qcc/Montgomery), round 2 then drops 21 (> 0.3892972)
    assert s["revisions"] == 2
    pts = chart.points.set_index("subgroup")
    assert pts.loc[pts["excluded"]].index.tolist() == [15, 21, 23]
    assert (pts.loc[[15, 21, 23], "excluded_by"] == "revision").all()
    assert s["p_bar"] == pytest.approx((347 - 22 - 24 - 20) / (27 * 50))
    assert s["n_beyond_limits"] == 0


# ---------------------------------------------------------------- Montgomery Table 7.4


def test_montgomery_table_7_4_variable_n():
    data = pd.read_csv(REF / "pchart_variable_n_montgomery_t7_4" / "input.csv")
    chart = spc.p_chart(data, count="count", size="size", subgroup="sample")
    s = chart.summary.iloc[0]
    assert data["count"].sum() == 234 and data["size"].sum() == 2450
    assert s["p_bar"] == pytest.approx(234 / 2450)
    assert round(s["p_bar"], 3) == 0.096  # Montgomery: p̄ = 234/2450 = 0.096
    assert bool(s["limits_vary"]) and math.isnan(s["ucl"])
    pts = chart.points
    # per-sample limits: equal n, equal limits; larger n, narrower limits
    by_n = pts.groupby("n")["ucl"].agg(["min", "max"])
    assert (by_n["max"] - by_n["min"]).abs().max() < 1e-15
    assert by_n["min"].is_monotonic_decreasing
    # the single signal: sample 11 (20/110 = 0.1818 above its UCL)
    assert pts.loc[pts["beyond_limits"], "subgroup"].tolist() == [11]
    # z = (p − p̄) / √(p̄(1 − p̄)/n), the standardised chart of Montgomery §7.2.2
    p_bar = 234 / 2450
    z11 = (20 / 110 - p_bar) / math.sqrt(p_bar * (1 - p_bar) / 110)
    assert pts.loc[pts["subgroup"] == 11, "z"].item() == pytest.approx(z11)
    # runs analysis against an independent count of runs about p̄
    signs = [int(np.sign(p - p_bar)) for p in data["count"] / data["size"]]
    runs = [len(list(g)) for _, g in itertools.groupby(signs)]
    assert s["n_useful"] == 25
    assert s["longest_run"] == max(runs) == 5
    assert s["n_crossings"] == len(runs) - 1 == 10
    assert (s["longest_run_max"], s["n_crossings_min"]) == (8, 8)
    assert not s["runs_signal"]


# ---------------------------------------------------------------- Laney p′ (NHS A&E)


@pytest.fixture(scope="module")
def qicharts2_nhs() -> pd.DataFrame:
    return pd.read_csv(FIX / "qicharts2_nhs_accidents_limits.csv")


NHS = {"count": "seen_within_4h", "size": "attendances", "subgroup": "week"}


def test_nhs_ordinary_p_chart_matches_qicharts2_and_flags_most_weeks(nhs, qicharts2_nhs):
    chart = spc.p_chart(nhs, **NHS)
    pts = chart.points
    np.testing.assert_allclose(pts["center"], qicharts2_nhs["p_cl"], rtol=1e-13)
    np.testing.assert_allclose(pts["lcl"], qicharts2_nhs["p_lcl"], rtol=1e-13)
    np.testing.assert_allclose(pts["ucl"], qicharts2_nhs["p_ucl"], rtol=1e-13)
    # Mohammed et al. 2013: the p chart's limits are far too narrow — most weeks are "out"
    expected = ((pts["p"] > qicharts2_nhs["p_ucl"]) | (pts["p"] < qicharts2_nhs["p_lcl"])).sum()
    assert pts["beyond_limits"].sum() == expected == 16


def test_nhs_laney_chart_matches_qicharts2_and_flags_none(nhs, qicharts2_nhs):
    chart = spc.laney_p_chart(nhs, **NHS)
    pts = chart.points
    np.testing.assert_allclose(pts["center"], qicharts2_nhs["pp_cl"], rtol=1e-13)
    np.testing.assert_allclose(pts["lcl"], qicharts2_nhs["pp_lcl"], rtol=1e-13)
    np.testing.assert_allclose(pts["ucl"], qicharts2_nhs["pp_ucl"], rtol=1e-13)
    assert not pts["beyond_limits"].any()  # the p′ chart flags no week
    # σ_z implied by qicharts2's limits: (UCL − CL) / (3 σ_pi), the same for every week
    cl = qicharts2_nhs["pp_cl"]
    implied = (qicharts2_nhs["pp_ucl"] - cl) / (3 * np.sqrt(cl * (1 - cl) / nhs["attendances"]))
    assert implied.std() < 1e-9
    assert chart.sigma_z == pytest.approx(implied.mean(), rel=1e-10)
    assert chart.sigma_z > 10  # variation between weeks ~10× the binomial one


def test_nhs_laney_with_phase_one_of_ten_weeks_matches_qicharts2_freeze(nhs, qicharts2_nhs):
    data = nhs.assign(trial=nhs["week"] <= 10)
    chart = spc.laney_p_chart(data, calibration="trial", **NHS)
    pts = chart.points
    assert pts["phase"].tolist() == ["I"] * 10 + ["II"] * 10
    np.testing.assert_allclose(pts["center"], qicharts2_nhs["pp_freeze10_cl"], rtol=1e-13)
    np.testing.assert_allclose(pts["lcl"], qicharts2_nhs["pp_freeze10_lcl"], rtol=1e-13)
    np.testing.assert_allclose(pts["ucl"], qicharts2_nhs["pp_freeze10_ucl"], rtol=1e-13)


# ---------------------------------------------------------------- Wetherill–Brown dispersion test


@pytest.fixture(scope="module")
def wetherill_brown() -> pd.DataFrame:
    return pd.read_csv(REF / "overdispersion_test_wetherill_brown" / "input.csv")


def test_dispersion_test_binomial_matches_qcc(wetherill_brown):
    # qccOverdispersionTest(x, size): Obs.Var/Theor.Var 0.7644566, Statistic 22.16924, p 0.81311
    r = spc.dispersion_test(wetherill_brown["x_binomial"], wetherill_brown["size"]).iloc[0]
    assert r["distribution"] == "binomial" and r["df"] == 29
    assert_printed(r["dispersion_ratio"], 0.7644566)
    assert_printed(r["statistic"], 22.16924)
    assert_printed(r["p_value"], 0.81311, digits=5)


def test_dispersion_test_poisson_matches_qcc(wetherill_brown):
    # qccOverdispersionTest(x): Obs.Var/Theor.Var 1.472203, Statistic 42.69388, p 0.048579
    r = spc.dispersion_test(wetherill_brown["x_poisson"]).iloc[0]
    assert r["distribution"] == "poisson" and r["df"] == 29
    assert_printed(r["dispersion_ratio"], 1.472203)
    assert_printed(r["statistic"], 42.69388)
    assert_printed(r["p_value"], 0.048579, digits=5)


def test_dispersion_test_with_unequal_sizes_is_the_pearson_chi_square():
    x = np.array([3, 10, 4, 12, 0, 7])
    n = np.array([40, 80, 35, 90, 25, 60])
    r = spc.dispersion_test(x, n).iloc[0]
    # independent: Pearson X² of the 2 × k table (nonconforming, conforming) by subgroup
    chi2, p, dof, _ = stats.chi2_contingency(np.vstack([x, n - x]), correction=False)
    assert r["statistic"] == pytest.approx(chi2) and r["df"] == dof
    assert r["p_value"] == pytest.approx(p)
    # qcc's shortcut uses mean(n) and differs when n varies
    q = spc.dispersion_test(x, n, method="qcc").iloc[0]
    assert q["statistic"] != pytest.approx(chi2)


def test_dispersion_test_rejects_bad_input():
    with pytest.raises(ParameterError):
        spc.dispersion_test([1, 2, 3], distribution="binomial")
    with pytest.raises(InputError) as err:
        spc.dispersion_test([1, -2, 9], [5, 5, 5])
    assert len(err.value.problems) == 2  # the negative count and the count above its size
    with pytest.raises(NoDataError):
        spc.dispersion_test([3])


# ---------------------------------------------------------------- run rules


def test_runs_limits_match_qicharts2_printed_summaries():
    # qicharts2 summary(): n.useful 24 → 8 / 8, 23 → 8 / 7, 43 → 8 / 16
    assert spc.runs_limits(24) == (8, 8)
    assert spc.runs_limits(23) == (8, 7)
    assert spc.runs_limits(43) == (8, 16)


def test_runs_analysis_skips_points_on_the_centre_line():
    values = [1, 1, 0, 1, -1, -1, -1, 0, 1]
    r = spc.runs_analysis(values, 0)
    assert r.n_obs == 9 and r.n_useful == 7
    assert r.longest_run == 3  # the zeros do not break the first run of + (1, 1, 1)
    assert r.n_crossings == 2
    assert spc.runs_analysis([0, 0], 0).n_useful == 0


def test_runs_analysis_signals_a_long_run():
    values = [-1] * 5 + [1] * 13 + [-1] * 6  # 24 points, a run of 13 > 8, 2 crossings < 8
    r = spc.runs_analysis(values, 0)
    assert (r.longest_run, r.n_crossings, r.signal) == (13, 2, True)


def test_western_electric_rules_on_constructed_series():
    z = np.zeros(30)
    z[[3, 4]] = 2.5  # rule 2: 2 of 3 beyond 2σ — signals at the second
    z[[10, 11, 12, 13]] = 1.5  # rule 3: 4 of 5 beyond 1σ — signals at the 4th (window 9–13)
    z[20] = -3.2  # rule 1
    rules = spc.western_electric_rules(z)
    assert np.flatnonzero(rules["we1"]).tolist() == [20]
    assert np.flatnonzero(rules["we2"]).tolist() == [4]
    assert np.flatnonzero(rules["we3"]).tolist() == [13]
    assert not rules["we4"].any()
    run = np.concatenate([np.full(9, 0.5), [-0.5]])  # 9 above the centre line
    assert np.flatnonzero(spc.western_electric_rules(run)["we4"]).tolist() == [7, 8]
    # qcc: the point that completes the pattern must itself be beyond the line
    assert not spc.western_electric_rules([2.5, 2.5, 0.0])["we2"].iloc[2]


def test_rules_make_points_out_of_control_only_when_selected(orangejuice):
    trial = orangejuice[orangejuice["trial"]]
    base = spc.p_chart(trial, **OJ).points
    more = spc.p_chart(trial, rules=spc.WESTERN_ELECTRIC_RULES, **OJ).points
    assert (base["we2"] == more["we2"]).all()  # always computed
    expected = more["beyond_limits"] | more["we2"] | more["we3"] | more["we4"]
    assert (more["out_of_control"] == expected).all()
    assert base["out_of_control"].sum() == 2 <= more["out_of_control"].sum()


# ---------------------------------------------------------------- errors and edge cases


def test_bad_counts_are_all_reported():
    data = pd.DataFrame({"nonconforming": [1, 12, -1, 2.5], "batches": [10, 10, 10, 0]})
    with pytest.raises(InputError) as err:
        spc.p_chart(data)
    problems = err.value.problems
    assert {(p.row, p.column) for p in problems} == {
        (3, "nonconforming"),
        (4, "nonconforming"),
        (5, "nonconforming"),
        (5, "batches"),
    }


def test_parameter_and_empty_errors(orangejuice):
    with pytest.raises(ParameterError):
        spc.control_chart(orangejuice, chart="c", **OJ)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        spc.p_chart(orangejuice, count="defects", size="size")
    with pytest.raises(ParameterError):
        spc.p_chart(orangejuice, exclude=[999], **OJ)
    with pytest.raises(ParameterError):  # a Phase II sample cannot be excluded
        spc.p_chart(orangejuice, calibration="trial", exclude=[40], **OJ)
    with pytest.raises(ParameterError):
        spc.p_chart(orangejuice, rules=["we9"], **OJ)
    with pytest.raises(NoDataError):
        spc.p_chart(orangejuice.iloc[0:0], **OJ)


def test_zero_centre_line_warns_and_gives_missing_z():
    data = pd.DataFrame(
        {
            "nonconforming": [0, 0, 0, 1],
            "batches": [10, 10, 10, 10],
            "trial": [True, True, True, False],
        }
    )
    with pytest.warns(QualityKitWarning):
        chart = spc.p_chart(data, calibration="trial")
    pts = chart.points
    assert pts["z"].isna().all()
    assert pts["beyond_limits"].tolist() == [False, False, False, True]


def test_laney_needs_two_calibration_points():
    data = pd.DataFrame({"nonconforming": [5, 6], "batches": [100, 100], "trial": [True, False]})
    with pytest.warns(QualityKitWarning):
        chart = spc.laney_p_chart(data, calibration="trial")
    assert math.isnan(chart.sigma_z)


def test_input_frame_is_not_mutated(orangejuice):
    before = orangejuice.copy()
    spc.p_chart(orangejuice, calibration="trial", exclude=[15, 23], **OJ)
    pd.testing.assert_frame_equal(orangejuice, before)


# ---------------------------------------------------------------- invariants


@st.composite
def subgroups(draw):
    k = draw(st.integers(min_value=2, max_value=40))
    n = draw(st.lists(st.integers(1, 5000), min_size=k, max_size=k))
    x = [draw(st.integers(0, ni)) for ni in n]
    return pd.DataFrame({"nonconforming": x, "batches": n})


@settings(max_examples=60, deadline=None)
@given(data=subgroups(), chart=st.sampled_from(["p", "np", "laney"]))
def test_limits_contain_the_centre_line(data, chart):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        pts = spc.control_chart(data, chart=chart).points
    finite = pts["lcl"].notna() & pts["ucl"].notna()
    assert (pts.loc[finite, "lcl"] >= 0).all()
    assert (pts.loc[finite, "lcl"] <= pts.loc[finite, "center"] + 1e-12).all()
    assert (pts.loc[finite, "center"] <= pts.loc[finite, "ucl"] + 1e-12).all()
    upper = pts["n"] if chart == "np" else 1.0
    assert (pts.loc[finite, "ucl"] <= upper + 1e-12).all()
