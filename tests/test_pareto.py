"""pareto: Pareto tables, the "Other" bucket, cause roll-ups, Juran's share, group comparisons.

Published numbers reproduced here, with their sources:

* R qcc `paretoChart()` help example (docs/reference/paretoChart.html of github.com/luca-scr/qcc):
  defects 80, 27, 66, 94, 33 — the printed table (Frequency, Cum.Freq., Percentage, Cum.Percent.
  to 2 decimals).
* SAS/QC User's Guide, PROC PARETO "Getting Started": the `Failure1` raw data (31 failed
  integrated circuits, tests/fixtures/pareto/sas_failure1.csv), the PROC FREQ listing of its
  counts and percentages (4 decimals), and "Restricting the Number of Pareto Categories":
  `MAXNCAT=5` leaves out Doping and Silicon Defect, which `OTHER=` merges into one bar. The
  charts' own numbers are in images and are not used.
* R `chisq.test()` help example (Agresti 2007, *An Introduction to Categorical Data Analysis*,
  2nd ed., p. 39: party identification by gender): printed X-squared = 30.07, df = 2,
  p-value = 2.954e-07, expected counts and standardised residuals (`$stdres`, Haberman's
  adjusted residuals).
* Newcombe (1998a) Stat Med 17:857, Table I, method 3 (Wilson score interval) and Newcombe
  (1998b) Stat Med 17:873, Table II, method 10 (hybrid score interval for a difference), 4 dp —
  two rows each, to check that ``management_share`` and ``compare_groups`` pass the right counts
  to ``qualitykit.stats.metrics`` (which holds the one implementation and the full tables' tests).

No published reference gives a vital-few set or Juran's management share for real data; those
are tested against the definitions (independent counts in the tests).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualitykit.errors import InputError, NoDataError, ParameterError, QualityKitWarning
from qualitykit.stats import pareto

FIX = Path(__file__).parent / "fixtures" / "pareto"


# ---------------------------------------------------------------- qcc paretoChart()


@pytest.fixture(scope="module")
def qcc_defects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["price code", "schedule date", "supplier code", "contact num.", "part num."],
            "n": [80, 27, 66, 94, 33],
        }
    )


def test_qcc_pareto_chart_help_example(qcc_defects):
    t = pareto.pareto_table(qcc_defects, "item", "n")
    # printed by paretoChart(defect):
    #   contact num.   94   94  31.33  31.33
    #   price code     80  174  26.67  58.00
    #   supplier code  66  240  22.00  80.00
    #   part num.      33  273  11.00  91.00
    #   schedule date  27  300   9.00 100.00
    assert t["item"].tolist() == [
        "contact num.",
        "price code",
        "supplier code",
        "part num.",
        "schedule date",
    ]
    assert t["count"].tolist() == [94, 80, 66, 33, 27]
    assert t["cum_count"].tolist() == [94, 174, 240, 273, 300]
    np.testing.assert_allclose(100 * t["share"], [31.33, 26.67, 22.00, 11.00, 9.00], atol=0.005)
    np.testing.assert_allclose(
        100 * t["cum_share"], [31.33, 58.00, 80.00, 91.00, 100.00], atol=0.005
    )
    assert t["rank"].tolist() == [1, 2, 3, 4, 5]
    # the vital few at 80 %: the categories needed to reach it, the crossing one included —
    # here supplier code brings the cumulative share to exactly 80.00 %
    assert t.loc[t["vital_few"], "item"].tolist() == ["contact num.", "price code", "supplier code"]
    assert t.loc[
        pareto.pareto_table(qcc_defects, "item", "n", cut=0.5)["vital_few"], "item"
    ].tolist() == ["contact num.", "price code"]


# ---------------------------------------------------------------- SAS PROC PARETO Failure1


@pytest.fixture(scope="module")
def failure1() -> pd.DataFrame:
    return pd.read_csv(FIX / "sas_failure1.csv")


def test_sas_failure1_raw_data_counts_and_percents(failure1):
    assert len(failure1) == 31
    t = pareto.pareto_table(failure1, "cause")
    # PROC FREQ listing of Failure2 (Cause, COUNT, PERCENT)
    published = {
        "Contamination": (14, 45.1613),
        "Corrosion": (2, 6.4516),
        "Doping": (1, 3.2258),
        "Metallization": (2, 6.4516),
        "Miscellaneous": (3, 9.6774),
        "Oxide Defect": (8, 25.8065),
        "Silicon Defect": (1, 3.2258),
    }
    got = t.set_index("cause")
    for cause, (count, pct) in published.items():
        assert got.loc[cause, "count"] == count
        assert 100 * got.loc[cause, "share"] == pytest.approx(pct, abs=5e-5)
    assert t["cause"].tolist()[:3] == ["Contamination", "Oxide Defect", "Miscellaneous"]


def test_sas_failure1_raw_and_frequency_data_agree(failure1):
    raw = pareto.pareto_table(failure1, "cause")
    counts = failure1.value_counts("cause").rename("count").reset_index()
    freq = pareto.pareto_table(counts, "cause", "count")
    pd.testing.assert_frame_equal(raw, freq)


def test_sas_maxncat_other_bucket(failure1):
    # MAXNCAT=5: Doping and Silicon Defect are not displayed; OTHER= merges them into one bar
    t = pareto.pareto_table(failure1, "cause", max_categories=5, other_label="Others")
    assert set(t.loc[~t["is_other"], "cause"]) == {
        "Contamination",
        "Oxide Defect",
        "Miscellaneous",
        "Corrosion",
        "Metallization",
    }
    other = t.iloc[-1]
    assert other["is_other"] and other["cause"] == "Others"
    assert other["count"] == 2 and other["merged"] == 2 and pd.isna(other["rank"])
    assert not other["vital_few"]
    assert t["count"].sum() == 31 and t["cum_share"].iloc[-1] == 1.0


def test_other_by_minimum_count_and_share(failure1):
    by_count = pareto.pareto_table(failure1, "cause", other_min_count=3)
    assert by_count["cause"].tolist() == ["Contamination", "Oxide Defect", "Miscellaneous", "Other"]
    assert by_count["count"].tolist() == [14, 8, 3, 6]
    by_share = pareto.pareto_table(failure1, "cause", other_min_share=0.05)  # SAS MINPCT=5
    assert by_share.loc[by_share["is_other"], "count"].item() == 2  # the two 3.23 % causes
    with pytest.raises(ParameterError):  # label already used by a kept category
        pareto.pareto_table(failure1, "cause", other_min_count=3, other_label="Contamination")


def test_last_rows_follow_the_ranked_ones(failure1):
    t = pareto.pareto_table(failure1, "cause", last=["Contamination"])  # SAS LAST=
    assert t["cause"].iloc[-1] == "Contamination" and pd.isna(t["rank"].iloc[-1])
    assert not t["vital_few"].iloc[-1]


def test_tie_order_is_deterministic():
    data = pd.DataFrame({"item": ["b", "a", "c", "a", "b", "d"]})  # a, b: 2 each; c, d: 1
    assert pareto.pareto_table(data)["item"].tolist() == ["a", "b", "c", "d"]
    assert pareto.pareto_table(data, ties="first")["item"].tolist() == ["b", "a", "c", "d"]
    shuffled = data.sample(frac=1, random_state=3)
    assert pareto.pareto_table(shuffled)["item"].tolist() == ["a", "b", "c", "d"]


def test_pareto_errors_and_warnings():
    with pytest.raises(InputError) as err:
        pareto.pareto_table(pd.DataFrame({"item": ["a", None, "b", " "]}))
    assert [p.row for p in err.value.problems] == [3, 5]
    with pytest.raises(InputError):
        pareto.pareto_table(pd.DataFrame({"item": ["a"], "n": [-1]}), count="n")
    with pytest.raises(ParameterError):
        pareto.pareto_table(pd.DataFrame({"item": ["a"]}), cut=80)
    with pytest.raises(NoDataError):
        pareto.pareto_table(pd.DataFrame({"item": pd.Series([], dtype="string")}))
    with pytest.warns(QualityKitWarning):
        t = pareto.pareto_table(pd.DataFrame({"item": ["a", "b"], "n": [0, 0]}), count="n")
    assert t["share"].isna().all() and not t["vital_few"].any()


# ---------------------------------------------------------------- cause map


@pytest.fixture(scope="module")
def cause_map() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["成鞋耐折性能", "帮底剥离强度", "标识", "耐磨性能"],
            "category": ["performance", "performance", "labelling", "material"],
            "cause_5m1e": ["method", "machine", "man", "material"],
            "controllable": ["management", "management", "operator", None],
        }
    )


@pytest.fixture(scope="module")
def footwear() -> pd.DataFrame:
    items = (
        ["成鞋耐折性能"] * 7 + ["帮底剥离强度"] * 5 + ["标识"] * 4 + ["耐磨性能"] * 2 + ["甲醛"] * 3
    )
    return pd.DataFrame({"batch_id": [f"B{i:03d}" for i in range(len(items))], "item": items})


def test_map_causes_reports_unmapped_items(footwear, cause_map):
    mapped = pareto.map_causes(footwear, cause_map)
    assert len(mapped.records) == len(footwear)
    assert (~mapped.records["mapped"]).sum() == 3
    assert mapped.unmapped.to_dict("records") == [{"item": "甲醛", "count": 3}]
    assert mapped.records["batch_id"].tolist() == footwear["batch_id"].tolist()


def test_pareto_by_cause_keeps_unmapped_and_unspecified(footwear, cause_map):
    t = pareto.pareto_by_cause(footwear, cause_map, by="category")
    assert t["category"].tolist() == ["performance", "labelling", "material", pareto.UNMAPPED]
    assert t["count"].tolist() == [12, 4, 2, 3]
    assert t["count"].sum() == len(footwear)  # nothing silently dropped
    c = pareto.pareto_by_cause(footwear, cause_map, by="controllable")
    assert c["controllable"].tolist() == [
        "management",
        "operator",
        pareto.UNSPECIFIED,
        pareto.UNMAPPED,
    ]
    assert c["count"].tolist() == [12, 4, 2, 3]
    assert not c["vital_few"].iloc[2:].any()


def test_cause_map_problems_are_collected():
    bad = pd.DataFrame(
        {
            "item": ["a", "a", None],
            "category": ["x", "y", "z"],
            "cause_5m1e": ["method", "money", "man"],
            "controllable": ["management", "system", "operator"],
        }
    )
    with pytest.raises(InputError) as err:
        pareto.validate_cause_map(bad)
    messages = {(p.row, p.column) for p in err.value.problems}
    assert messages == {
        (2, "item"),
        (3, "item"),
        (4, "item"),
        (3, "cause_5m1e"),
        (3, "controllable"),
    }


# ---------------------------------------------------------------- Juran: management share


def test_management_share_wilson_interval_matches_newcombe_table_1():
    # Newcombe (1998a) Table I, method 3 (score, no continuity correction), 95 %. The interval is
    # qualitykit.stats.metrics.binomial_ci, whose published values are tested in test_metrics; two
    # rows here check the wiring (counts per group, the edge at 0 included).
    published = [
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ]
    frames = []
    for k, (m, n, _, _) in enumerate(published):
        frames.append(
            pd.DataFrame(
                {"case": f"c{k}", "controllable": ["management", "operator"], "n": [m, n - m]}
            )
        )
    data = pd.concat(frames, ignore_index=True)
    out = pareto.management_share(data, count="n", group="case").set_index("case")
    for k, (m, n, lo, hi) in enumerate(published):
        row = out.loc[f"c{k}"]
        assert (row["management"], row["classified"]) == (m, n)
        assert row["management_share"] == pytest.approx(m / n)
        assert row["ci_lower"] == pytest.approx(lo, abs=5e-5)
        assert row["ci_upper"] == pytest.approx(hi, abs=5e-5)


def test_management_share_excludes_unclassified_from_the_denominator(footwear, cause_map):
    out = pareto.management_share(footwear, cause_map).iloc[0]
    assert (out["management"], out["operator"], out["unspecified"], out["unmapped"]) == (
        12,
        4,
        2,
        3,
    )
    assert out["classified"] == 16 and out["total"] == 21
    assert out["management_share"] == pytest.approx(12 / 16)
    assert out["method"] == "wilson" and out["claimed_share"] == 0.8
    assert out["claim_in_ci"] == (out["ci_lower"] <= 0.8 <= out["ci_upper"])


def test_management_share_rejects_unknown_controllability():
    data = pd.DataFrame({"controllable": ["management", "system"]})
    with pytest.raises(InputError):
        pareto.management_share(data)


# ---------------------------------------------------------------- comparisons


def test_chi_square_homogeneity_matches_r_chisq_test():
    # R chisq.test() help example, Agresti (2007) p. 39
    data = pd.DataFrame(
        {
            "gender": ["F"] * 3 + ["M"] * 3,
            "party": ["Democrat", "Independent", "Republican"] * 2,
            "n": [762, 327, 468, 484, 239, 477],
        }
    )
    r = pareto.compare_groups(data, "gender", "party", "n")
    test = r.test.iloc[0]
    assert test["statistic"] == pytest.approx(30.07, abs=0.005)  # X-squared = 30.07
    assert test["df"] == 2
    assert test["p_value"] == pytest.approx(2.954e-07, abs=5e-11)  # p-value = 2.954e-07
    cells = r.cells.set_index(["gender", "party"])
    expected = {
        ("F", "Democrat"): 703.6714,
        ("F", "Independent"): 319.6453,
        ("F", "Republican"): 533.6834,
        ("M", "Democrat"): 542.3286,
        ("M", "Independent"): 246.3547,
        ("M", "Republican"): 411.3166,
    }
    stdres = {
        ("F", "Democrat"): 4.5020535,
        ("F", "Independent"): 0.6994517,
        ("F", "Republican"): -5.3159455,
        ("M", "Democrat"): -4.5020535,
        ("M", "Independent"): -0.6994517,
        ("M", "Republican"): 5.3159455,
    }
    for key, e in expected.items():
        assert cells.loc[key, "expected"] == pytest.approx(e, abs=5e-5)
        assert cells.loc[key, "adjusted_residual"] == pytest.approx(stdres[key], abs=5e-8)
    # Pearson residuals printed by $residuals
    assert cells.loc[("F", "Democrat"), "pearson_residual"] == pytest.approx(2.1988558, abs=5e-8)
    assert cells.loc[("M", "Republican"), "pearson_residual"] == pytest.approx(3.2386734, abs=5e-8)


@pytest.mark.filterwarnings(
    "ignore:.*expected counts are below 5:qualitykit.errors.QualityKitWarning"
)
@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "lo", "hi"),
    [  # Newcombe (1998b) Table II, method 10. The interval is qualitykit.stats.metrics.
        # newcombe_diff_ci (the whole table is tested in test_metrics); these rows check the
        # wiring: group vs reference order, the pp scale and the asymmetric, bounded limits.
        (5, 56, 0, 29, -0.0381, 0.1926),  # (d)
        (10, 10, 0, 20, 0.6791, 1.0000),  # (g)
    ],
)
def test_share_difference_matches_newcombe_table_2(x1, n1, x2, n2, lo, hi):
    data = pd.DataFrame(
        {
            "period": ["2024", "2024", "2020", "2020"],
            "item": ["标识", "other", "标识", "other"],
            "n": [x1, n1 - x1, x2, n2 - x2],
        }
    )
    r = pareto.compare_groups(data, "period", "item", "n", reference="2020")
    d = r.differences.set_index("item").loc["标识"]
    assert (d["period"], d["reference"]) == ("2024", "2020")
    assert d["diff_pp"] == pytest.approx(100 * (x1 / n1 - x2 / n2))
    assert d["ci_lower_pp"] == pytest.approx(100 * lo, abs=5e-3)
    assert d["ci_upper_pp"] == pytest.approx(100 * hi, abs=5e-3)


def _three_periods() -> pd.DataFrame:
    counts = {
        "2015": [40, 25, 18, 9, 8],
        "2019": [52, 14, 22, 7, 15],
        "2023": [61, 12, 30, 20, 3],
    }
    items = ["标识", "耐折", "剥离", "耐磨", "鞋跟"]
    return pd.DataFrame(
        [(g, i, n) for g, ns in counts.items() for i, n in zip(items, ns, strict=True)],
        columns=["period", "item", "n"],
    )


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, written out."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj


def test_cell_tests_are_holm_adjusted_by_default():
    from scipy.stats import chi2_contingency

    r = pareto.compare_groups(_three_periods(), "period", "item", "n", reference="2015")
    d = r.differences
    assert r.adjustment == "holm" and set(d["adjustment"]) == {"holm"}
    assert len(d) == 10  # the family: 2 groups × 5 items against the reference
    # each cell: Pearson χ² of group vs reference × item vs rest, no continuity correction
    for _, row in d.iterrows():
        table = [
            [row["count"], row["group_total"] - row["count"]],
            [row["reference_count"], row["reference_total"] - row["reference_count"]],
        ]
        ref = chi2_contingency(table, correction=False)
        assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    np.testing.assert_allclose(d["p_adjusted"], _holm(d["p_value"].to_numpy()), rtol=1e-12)
    assert (d["significant"] == (d["p_adjusted"] < 0.05)).all()
    # the adjustment matters here: a cell significant one at a time is not after Holm
    assert ((d["p_value"] < 0.05) & ~d["significant"]).any()
    plain = pareto.compare_groups(
        _three_periods(), "period", "item", "n", reference="2015", adjust="none"
    )
    np.testing.assert_array_equal(plain.differences["p_adjusted"], plain.differences["p_value"])
    bonf = pareto.compare_groups(
        _three_periods(), "period", "item", "n", reference="2015", adjust="bonferroni"
    )
    np.testing.assert_allclose(
        bonf.differences["p_adjusted"], np.minimum(1, 10 * d["p_value"]), rtol=1e-12
    )
    with pytest.raises(ParameterError, match="adjust"):
        pareto.compare_groups(_three_periods(), "period", "item", "n", adjust="fdr")


def test_chi_square_and_residuals_equal_the_written_out_formulas():
    # compare_groups wraps scipy chi2_contingency and statsmodels Table: equal to 1e-12
    r = pareto.compare_groups(_three_periods(), "period", "item", "n")
    obs = (
        _three_periods().pivot_table(index="period", columns="item", values="n", aggfunc="sum")
    ).to_numpy(dtype=float)
    n = obs.sum()
    rows, cols = obs.sum(axis=1, keepdims=True), obs.sum(axis=0, keepdims=True)
    e = rows @ cols / n
    pearson = (obs - e) / np.sqrt(e)
    adjusted = (obs - e) / np.sqrt(e * (1 - rows / n) * (1 - cols / n))
    assert r.test["statistic"].iloc[0] == pytest.approx((pearson**2).sum(), rel=1e-12)
    np.testing.assert_allclose(r.cells["expected"], e.ravel(), rtol=1e-12)
    np.testing.assert_allclose(r.cells["pearson_residual"], pearson.ravel(), rtol=1e-12)
    np.testing.assert_allclose(r.cells["adjusted_residual"], adjusted.ravel(), rtol=1e-12)


def test_compare_groups_edge_cases():
    data = pd.DataFrame(
        {"g": ["a", "a", "b", "b", "b"], "item": ["x", "y", "x", "y", "z"], "n": [5, 3, 4, 6, 0]}
    )
    with pytest.warns(QualityKitWarning) as record:
        r = pareto.compare_groups(data, "g", "item", "n")
    messages = " | ".join(str(w.message) for w in record)
    assert "categories with no nonconformity in any group left out of the test: ['z']" in messages
    assert "expected counts are below 5" in messages  # Cochran's rule of thumb
    assert set(r.cells["item"]) == {"x", "y"}
    with pytest.raises(NoDataError):
        pareto.compare_groups(data[data["g"] == "a"], "g", "item", "n")
    with pytest.warns(QualityKitWarning), pytest.raises(ParameterError):
        pareto.compare_groups(data, "g", "item", "n", reference="zz")


# ---------------------------------------------------------------- invariants


@settings(max_examples=80, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=25),
    min_count=st.none() | st.integers(min_value=0, max_value=50),
    max_categories=st.none() | st.integers(min_value=1, max_value=10),
    cut=st.floats(min_value=0.05, max_value=1.0),
)
def test_pareto_invariants(counts, min_count, max_categories, cut):
    data = pd.DataFrame({"item": [f"i{k:02d}" for k in range(len(counts))], "n": counts})
    if sum(counts) == 0:
        return
    t = pareto.pareto_table(
        data, "item", "n", cut=cut, other_min_count=min_count, max_categories=max_categories
    )
    assert t["count"].sum() == sum(counts)
    assert t["cum_count"].iloc[-1] == sum(counts)
    assert (np.diff(t["cum_share"]) >= 0).all()
    assert t["cum_share"].iloc[-1] == pytest.approx(1.0)
    assert t["is_other"].sum() <= 1 and (not t["is_other"].any() or t["is_other"].iloc[-1])
    ranked = t[t["rank"].notna()]
    assert (np.diff(ranked["count"]) <= 0).all()
    # vital few = a prefix of the ranked rows, reaching the cut unless "Other" holds the rest
    vital = t["vital_few"].to_numpy()
    assert vital[: vital.sum()].all()
    if vital.any() and not t["is_other"].any():
        assert t.loc[vital, "cum_share"].iloc[-1] >= cut - 1e-9


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(
        st.sampled_from(["标识", "净含量", "b", "a", "B", "é", "z9", "其他"]), min_size=1
    ),
    ties=st.sampled_from(["label", "first"]),
    last=st.lists(st.sampled_from(["标识", "z9", "absent"]), max_size=2, unique=True),
    max_categories=st.none() | st.integers(min_value=1, max_value=4),
)
def test_pareto_table_equals_a_counter_tally(labels, ties, last, max_categories):
    # the table written out with collections.Counter and sorted() on Python strings
    import collections

    got = pareto.pareto_table(
        pd.DataFrame({"item": labels}), ties=ties, last=last, max_categories=max_categories,
        other_label="(other)",
    )  # fmt: skip
    tally = collections.Counter(labels)
    first = {v: labels.index(v) for v in tally}
    rest = [v for v in tally if v not in last]
    order = sorted(rest, key=(lambda v: (-tally[v], v)) if ties == "label" else
                   (lambda v: (-tally[v], first[v])))  # fmt: skip
    keep = order if max_categories is None else order[:max_categories]
    other = order[len(keep) :]
    rows = [*keep, *[v for v in last if v in tally]]
    counts = [tally[v] for v in rows] + ([sum(tally[v] for v in other)] if other else [])
    rows += ["(other)"] if other else []
    total = len(labels)
    cum = np.cumsum(counts)
    assert got["item"].tolist() == rows
    assert got["count"].tolist() == counts and got["cum_count"].tolist() == cum.tolist()
    assert got["share"].tolist() == [c / total for c in counts]
    assert got["rank"].tolist() == [*range(1, len(keep) + 1), *[pd.NA] * (len(rows) - len(keep))]
    prev = np.concatenate([[0], cum[:-1]])
    vital = [i < len(keep) and 5 * prev[i] < 4 * total for i in range(len(rows))]  # cut 80 %
    assert got["vital_few"].tolist() == vital
    assert got["is_other"].tolist() == [
        bool(other) and i == len(rows) - 1 for i in range(len(rows))
    ]
    assert got["merged"].tolist() == [1] * (len(rows) - bool(other)) + (
        [len(other)] if other else []
    )
