"""Pareto analysis of nonconformities: which test items and cause categories are the vital few.

* :func:`pareto_table` — counts, shares, cumulative counts and shares, the vital few at a cut, an
  "Other" bucket (R qcc ``paretoChart()``; SAS/QC PROC PARETO ``MAXNCAT=``, ``MINPCT=``,
  ``OTHER=``, ``LAST=``).
* :func:`map_causes`, :func:`pareto_by_cause` — roll-up of items to cause category, 5M1E cause or
  management- vs operator-controllable cause through a cause map; unmapped items are reported,
  never dropped.
* :func:`management_share` — Juran's claim (management-controllable share of quality problems,
  often quoted as 80 %) with a Wilson score interval (Wilson 1927; Newcombe 1998a).
* :func:`compare_groups` — χ² test of homogeneity of the item / category mix across groups
  (periods, regions, enterprise classes) with Haberman's adjusted standardised residuals
  (Haberman 1973; Agresti 2007 §2.4.5; R ``chisq.test()$stdres``; computed by scipy
  ``chi2_contingency`` and statsmodels ``Table``) and the change in share against a reference
  group with Newcombe's hybrid score interval (Newcombe 1998b, method 10) and a per-cell test,
  Holm-adjusted for the number of cells by default (Holm 1979, *Scand J Stat* 6:65).

Shares are proportions in [0, 1]; differences of shares are in percentage points (``*_pp``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.multitest import multipletests

from qualitykit.errors import (
    InputError,
    NoDataError,
    ParameterError,
    Problem,
    QualityKitWarning,
)
from qualitykit.schema import CAUSES_5M1E, CONTROLLABILITY
from qualitykit.stats._checks import check_choice, check_level, require_columns
from qualitykit.stats.metrics import binomial_ci, newcombe_diff_ci

__all__ = [
    "CAUSE_MAP_COLUMNS",
    "UNMAPPED",
    "UNSPECIFIED",
    "GroupComparison",
    "MappedCauses",
    "compare_groups",
    "management_share",
    "map_causes",
    "pareto_by_cause",
    "pareto_table",
    "validate_cause_map",
]

CAUSE_MAP_COLUMNS: tuple[str, ...] = ("item", "category", "cause_5m1e", "controllable")
"""A cause map has one row per test item; ``category``, ``cause_5m1e`` and ``controllable`` are
the nonconformities columns of :mod:`qualitykit.schema` (missing values allowed)."""
UNMAPPED = "(unmapped)"
"""Label of the bucket of items that the cause map does not list."""
UNSPECIFIED = "(unspecified)"
"""Label of the bucket of mapped items whose map entry leaves the rolled-up column empty."""

_INPUT = "input table"
_CAUSE_MAP = "cause map"
Ties = Literal["label", "first"]
Adjustment = Literal["holm", "bonferroni", "none"]
ADJUSTMENTS: tuple[str, ...] = ("holm", "bonferroni", "none")


# --------------------------------------------------------------------------------------------
# helpers


def _wilson(x: np.ndarray, n: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for x / n (Wilson 1927) from :func:`qualitykit.stats.metrics.binomial_ci`;
    NaN where n = 0 (the callers warn about empty denominators themselves)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        ci = binomial_ci(np.asarray(x, dtype=float), np.asarray(n, dtype=float), confidence)
    return ci["ci_lower"].to_numpy(), ci["ci_upper"].to_numpy()


def _newcombe(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p1 − p2 with Newcombe's hybrid score interval (Newcombe 1998, Stat Med 17:873, method 10)
    from :func:`qualitykit.stats.metrics.newcombe_diff_ci`, for arrays of any (common) shape."""
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (x1, n1, x2, n2)))
    shape = arrays[0].shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        ci = newcombe_diff_ci(*(a.ravel() for a in arrays), conf=confidence)
    d, lower, upper = (ci[c].to_numpy().reshape(shape) for c in ("diff", "ci_lower", "ci_upper"))
    return d, lower, upper


def _labels(data: pd.DataFrame, column: str, what: str = _INPUT) -> pd.Series:
    """The column as ``string`` dtype; missing labels are an input error (never dropped)."""
    labels = data[column].astype("string").reset_index(drop=True)
    missing = labels.isna() | (labels.str.strip() == "")
    if missing.any():
        raise InputError(
            [
                Problem(
                    what,
                    "missing label (fill it, e.g. with a named bucket, before the analysis)",
                    row=int(i) + 2,
                    column=column,
                    value=data[column].iloc[i],
                )
                for i in np.flatnonzero(missing.to_numpy())
            ]
        )
    return labels


def _weights(data: pd.DataFrame, count: str | None, what: str = _INPUT) -> np.ndarray:
    """Count per row: 1 for raw records (``count=None``), else the validated ``count`` column."""
    if count is None:
        return np.ones(len(data), dtype=np.int64)
    raw = data[count]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    if bad.any():
        raise InputError(
            [
                Problem(
                    what,
                    "expected a non-negative integer count",
                    row=int(i) + 2,
                    column=count,
                    value=raw.iloc[i],
                )
                for i in np.flatnonzero(bad)
            ]
        )
    return values.astype(np.int64)


def _tally_arrays(labels: pd.Series, weights: np.ndarray) -> tuple[pd.Index, np.ndarray]:
    """The distinct labels in first-seen order and the summed weight of each (int64)."""
    codes, uniques = pd.factorize(labels, sort=False)
    counts = np.zeros(len(uniques), dtype=np.int64)
    np.add.at(counts, codes, np.asarray(weights, dtype=np.int64))
    return uniques, counts


def _tally(labels: pd.Series, weights: np.ndarray) -> pd.DataFrame:
    """label, count, first (first-seen position) — one row per label, in first-seen order."""
    uniques, counts = _tally_arrays(labels, weights)
    first = np.unique(pd.factorize(labels, sort=False)[0], return_index=True)[1]
    return pd.DataFrame(
        {"label": uniques, "count": counts, "first": first.astype(np.int64)},
        index=pd.RangeIndex(len(uniques)),
    )


# --------------------------------------------------------------------------------------------
# Pareto table


def pareto_table(
    data: pd.DataFrame,
    category: str = "item",
    count: str | None = None,
    *,
    cut: float = 0.8,
    ties: Ties = "label",
    max_categories: int | None = None,
    other_min_count: int | None = None,
    other_min_share: float | None = None,
    other_label: str = "Other",
    last: Sequence[str] = (),
) -> pd.DataFrame:
    """Pareto table of ``category`` from raw records (one row per nonconformity) or counts.

    Parameters
    ----------
    data
        Raw records (``count=None``: every row counts once) or one row per category with a
        ``count`` column. Repeated categories are summed. Missing labels are an error.
    cut
        The vital few are the categories needed to reach ``cut`` of all nonconformities: the
        categories before the one whose cumulative share first reaches the cut, **including that
        crossing category** (a category whose preceding cumulative share is still below the
        cut). qcc's ``paretoChart()`` prints the table only and names no vital few; with the qcc
        help example (cumulative 31.33, 58.00, 80.00, …) the vital few at 80 % are the first
        three categories.
    ties
        Order of equal counts: ``"label"`` (default) — label ascending, independent of the input
        order; ``"first"`` — first-seen order in ``data`` (a stable sort, as qcc's
        ``sort(decreasing = TRUE)`` of a table given in that order).
    max_categories, other_min_count, other_min_share
        Merge into one ``other_label`` bucket every category beyond the ``max_categories`` most
        frequent (SAS ``MAXNCAT=`` with ``OTHER=``; the bucket is not counted in
        ``max_categories``), with fewer than ``other_min_count`` nonconformities, or with a share
        below ``other_min_share`` (SAS ``MINPCT=``). The bucket is always the last row and is never
        one of the vital few.
    last
        Categories shown after the ranked ones (before the "Other" bucket) and excluded from the
        vital few, as SAS ``LAST=`` — e.g. a "miscellaneous" or "(unmapped)" bucket.

    Returns one row per category in display order:

    ============ ===========================================================================
    rank         1, 2, … for ranked categories; missing for ``last`` rows and "Other"
    <category>   the label (``string`` dtype), column named like the input column
    count        nonconformities in the category
    share        count / total (qcc "Percentage" / 100)
    cum_count    cumulative count (qcc "Cum.Freq.")
    cum_share    cumulative share (qcc "Cum.Percent." / 100); the last row is 1
    vital_few    the category belongs to the vital few at ``cut``
    is_other     the row is the merged "Other" bucket
    merged       number of input categories in the row (> 1 only for "Other")
    ============ ===========================================================================
    """
    require_columns(data, [category] + ([count] if count else []))
    if not (isinstance(cut, int | float) and 0 < cut <= 1):
        raise ParameterError(f"cut must be a proportion in (0, 1], got {cut!r} (80 % is 0.8)")
    if ties not in ("label", "first"):
        raise ParameterError(f"ties must be 'label' or 'first', got {ties!r}")
    if max_categories is not None and not (isinstance(max_categories, int) and max_categories >= 1):
        raise ParameterError(f"max_categories must be a positive integer, got {max_categories!r}")
    if other_min_count is not None and not (
        isinstance(other_min_count, int) and other_min_count >= 0
    ):
        raise ParameterError(
            f"other_min_count must be a non-negative integer, got {other_min_count!r}"
        )
    if other_min_share is not None and not (
        isinstance(other_min_share, int | float) and 0 <= other_min_share <= 1
    ):
        raise ParameterError(
            f"other_min_share must be a proportion in [0, 1], got {other_min_share!r}"
        )
    if len(data) == 0:
        raise NoDataError("the Pareto table got no rows")

    labels = _labels(data, category)
    # the tally on arrays: labels in first-seen order (the order of ties="first") and their counts
    uniques, tally = _tally_arrays(labels, _weights(data, count))
    names = np.asarray(uniques.astype(object))
    total = int(tally.sum())
    last = [str(v) for v in last]
    where = {name: i for i, name in enumerate(names)}

    is_last = np.isin(np.arange(len(names)), [where[v] for v in last if v in where])
    rest = np.flatnonzero(~is_last)
    if ties == "label":  # count descending, then label ascending (code-point order)
        by_label = np.empty(len(names), dtype=np.int64)
        by_label[np.argsort(names, kind="stable")] = np.arange(len(names))
        ranked = rest[np.lexsort((by_label[rest], -tally[rest]))]
    else:  # count descending, then first seen
        ranked = rest[np.lexsort((rest, -tally[rest]))]
    tail = np.array([where[v] for v in last if v in where], dtype=np.int64)

    with np.errstate(divide="ignore", invalid="ignore"):
        share_ranked = tally[ranked] / total if total else np.full(len(ranked), np.nan)
    merge = np.zeros(len(ranked), dtype=bool)
    if max_categories is not None:
        merge |= np.arange(len(ranked)) >= max_categories
    if other_min_count is not None:
        merge |= tally[ranked] < other_min_count
    if other_min_share is not None and total:
        merge |= share_ranked < other_min_share
    kept, merged = ranked[~merge], ranked[merge]
    if len(merged) and other_label in set(names[kept]) | set(names[tail]):
        raise ParameterError(
            f"other_label {other_label!r} is already a category that is not merged; choose another label"
        )

    label = [*names[kept], *names[tail]]
    counts = np.concatenate([tally[kept], tally[tail]])
    n_ranked, n_rows = len(kept), len(label)
    merged_n = np.ones(n_rows, dtype=np.int64)
    if len(merged):
        label.append(other_label)
        counts = np.append(counts, tally[merged].sum())
        merged_n = np.append(merged_n, len(merged))
    counts = counts.astype(np.int64)
    cum = np.cumsum(counts)
    if total == 0:
        warnings.warn(
            "all counts are zero: shares are undefined (NaN) and there are no vital few",
            QualityKitWarning,
            stacklevel=2,
        )
        share = np.full(len(label), np.nan)
        cum_share = np.full(len(label), np.nan)
    else:
        share = counts / total
        cum_share = cum / total
    ranked_rows = np.arange(len(label)) < n_ranked
    previous = np.concatenate([[0], cum[:-1]])
    # integer comparison avoids floating-point trouble at exactly the cut (qcc: 240/300 = 80 %)
    vital = ranked_rows & (previous < cut * total - 1e-9 * max(total, 1)) & (total > 0)

    return pd.DataFrame(
        {
            "rank": pd.arrays.IntegerArray(np.arange(1, len(label) + 1), ~ranked_rows),
            category: pd.array(label, dtype="string"),
            "count": counts,
            "share": share,
            "cum_count": cum.astype(np.int64),
            "cum_share": cum_share,
            "vital_few": vital,
            "is_other": np.arange(len(label)) >= n_rows,
            "merged": merged_n,
        }
    )


# --------------------------------------------------------------------------------------------
# cause map


@dataclass(frozen=True)
class MappedCauses:
    """Records joined to a cause map.

    ``records``: the input rows (same order) plus ``category``, ``cause_5m1e``, ``controllable``
    from the map and ``mapped`` (the item is in the map). ``unmapped``: one row per item missing
    from the map with its ``count`` of nonconformities, most frequent first.
    """

    records: pd.DataFrame
    unmapped: pd.DataFrame


def validate_cause_map(cause_map: pd.DataFrame) -> pd.DataFrame:
    """Check a cause map ``item → category, cause_5m1e, controllable`` and return a clean copy.

    Items must be unique and present; ``cause_5m1e`` must be one of ``schema.CAUSES_5M1E`` and
    ``controllable`` one of ``schema.CONTROLLABILITY`` (or missing). All problems are collected
    into one :class:`~qualitykit.errors.InputError`.
    """
    require_columns(cause_map, CAUSE_MAP_COLUMNS, "cause map")
    cm = cause_map.loc[:, list(CAUSE_MAP_COLUMNS)].reset_index(drop=True).copy()
    for c in CAUSE_MAP_COLUMNS:
        cm[c] = cm[c].astype("string").str.strip()
        cm.loc[cm[c] == "", c] = pd.NA
    problems: list[Problem] = []
    for i in np.flatnonzero(cm["item"].isna().to_numpy()):
        problems.append(Problem(_CAUSE_MAP, "missing item", row=int(i) + 2, column="item"))
    dup = cm["item"].duplicated(keep=False) & cm["item"].notna()
    for i in np.flatnonzero(dup.to_numpy()):
        problems.append(
            Problem(
                _CAUSE_MAP,
                "item listed more than once (ambiguous mapping)",
                row=int(i) + 2,
                column="item",
                value=cm.at[i, "item"],
            )
        )
    for col, allowed in (("cause_5m1e", CAUSES_5M1E), ("controllable", CONTROLLABILITY)):
        lower = cm[col].str.lower()
        bad = lower.notna() & ~lower.isin(allowed)
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    _CAUSE_MAP,
                    f"expected one of {list(allowed)} or empty",
                    row=int(i) + 2,
                    column=col,
                    value=cm.at[i, col],
                )
            )
        cm[col] = lower
    if problems:
        raise InputError(problems)
    return cm


def map_causes(
    records: pd.DataFrame,
    cause_map: pd.DataFrame,
    *,
    item: str = "item",
    count: str | None = None,
) -> MappedCauses:
    """Join nonconformity records (or item counts) to a cause map; report unmapped items.

    Columns ``category``, ``cause_5m1e`` and ``controllable`` already in ``records`` are replaced
    by the map's. See :class:`MappedCauses` for the result.
    """
    require_columns(records, [item] + ([count] if count else []), "records")
    cm = validate_cause_map(cause_map)
    labels = _labels(records, item)
    weights = _weights(records, count)
    base = records.reset_index(drop=True).drop(
        columns=[c for c in CAUSE_MAP_COLUMNS[1:] if c in records.columns and c != item]
    )
    lookup = cm.set_index("item")
    joined = base.assign(
        category=labels.map(lookup["category"]).astype("string"),
        cause_5m1e=labels.map(lookup["cause_5m1e"]).astype("string"),
        controllable=labels.map(lookup["controllable"]).astype("string"),
        mapped=labels.isin(lookup.index).to_numpy(),
    )
    miss = ~joined["mapped"].to_numpy()
    unmapped = _tally(labels[miss].reset_index(drop=True), weights[miss])
    unmapped = (
        unmapped.sort_values(["count", "label"], ascending=[False, True], kind="stable")
        .rename(columns={"label": item})
        .drop(columns="first")
        .reset_index(drop=True)
    )
    unmapped[item] = unmapped[item].astype("string")
    unmapped["count"] = unmapped["count"].astype(np.int64)
    return MappedCauses(records=joined, unmapped=unmapped)


def _rolled_up(
    records: pd.DataFrame,
    cause_map: pd.DataFrame | None,
    by: str,
    item: str,
    count: str | None,
) -> tuple[pd.Series, np.ndarray, pd.DataFrame]:
    """Labels of ``by`` per record (with UNMAPPED / UNSPECIFIED buckets), weights, unmapped."""
    if cause_map is not None:
        mapped = map_causes(records, cause_map, item=item, count=count)
        frame, unmapped = mapped.records, mapped.unmapped
        labels = frame[by].astype("string")
        labels = labels.mask(~frame["mapped"], UNMAPPED)
    else:
        require_columns(records, [by] + ([count] if count else []), "records")
        frame = records.reset_index(drop=True)
        labels = frame[by].astype("string").str.strip()
        unmapped = pd.DataFrame(
            {item: pd.array([], dtype="string"), "count": np.array([], np.int64)}
        )
    labels = labels.mask(labels.isna() | (labels == ""), UNSPECIFIED)
    if by in ("cause_5m1e", "controllable"):
        labels = labels.where(labels.isin([UNMAPPED, UNSPECIFIED]), labels.str.lower())
    return labels, _weights(frame, count), unmapped


def pareto_by_cause(
    records: pd.DataFrame,
    cause_map: pd.DataFrame | None = None,
    *,
    by: Literal["category", "cause_5m1e", "controllable"] = "category",
    item: str = "item",
    count: str | None = None,
    **pareto_options: object,
) -> pd.DataFrame:
    """Pareto table of nonconformities rolled up by cause category, 5M1E cause or controllability.

    Items missing from the cause map form an explicit ``"(unmapped)"`` row, items whose map entry
    leaves ``by`` empty an ``"(unspecified)"`` row; both are listed after the ranked categories
    and are never among the vital few. Without a ``cause_map`` the ``by`` column of ``records``
    is used. Other options as :func:`pareto_table` (``cut``, ``ties``, "Other" bucket).
    Columns as :func:`pareto_table`, the label column named ``by``.
    """
    if by not in ("category", "cause_5m1e", "controllable"):
        raise ParameterError(f"by must be 'category', 'cause_5m1e' or 'controllable', got {by!r}")
    if "last" in pareto_options:
        raise ParameterError(
            "pareto_by_cause sets 'last' itself (the unmapped / unspecified buckets)"
        )
    labels, weights, _ = _rolled_up(records, cause_map, by, item, count)
    if len(labels) == 0:
        raise NoDataError("no nonconformity records to roll up")
    frame = pd.DataFrame({by: labels, "count": weights})
    return pareto_table(frame, by, "count", last=(UNSPECIFIED, UNMAPPED), **pareto_options)  # type: ignore[arg-type]


def management_share(
    records: pd.DataFrame,
    cause_map: pd.DataFrame | None = None,
    *,
    item: str = "item",
    count: str | None = None,
    group: str | None = None,
    confidence: float = 0.95,
    claimed_share: float = 0.8,
) -> pd.DataFrame:
    """Share of management-controllable nonconformities with a Wilson score interval.

    Juran's rule, quoted in the local programmes, says about 80 % of quality problems are
    management-controllable and 20 % operator-controllable. The share is management /
    (management + operator); nonconformities whose item is unmapped or whose controllability is
    unspecified are counted in their own columns and left out of the denominator. Interval:
    Wilson (1927) score interval (Newcombe 1998a, method 3).

    Returns one row (per ``group`` value if given): ``management``, ``operator``,
    ``unspecified``, ``unmapped``, ``classified`` (= management + operator), ``total``,
    ``management_share``, ``ci_lower``, ``ci_upper``, ``confidence``, ``method`` (``"wilson"``),
    ``claimed_share`` and ``claim_in_ci`` (the claimed share lies inside the interval).
    """
    check_level(confidence, "confidence")
    if not (isinstance(claimed_share, int | float) and 0 <= claimed_share <= 1):
        raise ParameterError(f"claimed_share must be a proportion in [0, 1], got {claimed_share!r}")
    if group is not None:
        require_columns(records, [group], "records")
    labels, weights, _ = _rolled_up(records, cause_map, "controllable", item, count)
    allowed = {*CONTROLLABILITY, UNSPECIFIED, UNMAPPED}
    bad = ~labels.isin(allowed).to_numpy()
    if bad.any():
        raise InputError(
            [
                Problem(
                    _INPUT,
                    f"controllable must be one of {list(CONTROLLABILITY)} or empty",
                    row=int(i) + 2,
                    column="controllable",
                    value=labels.iloc[i],
                )
                for i in np.flatnonzero(bad)
            ]
        )
    frame = pd.DataFrame({"label": labels, "count": weights})
    if group is not None:
        key = _labels(records, group).rename(group)
    else:
        key = pd.Series(0, index=frame.index, name="_all")
    wide = (
        frame.groupby([key, frame["label"]], observed=True, sort=True)["count"]
        .sum()
        .unstack("label", fill_value=0)
        .reindex(columns=["management", "operator", UNSPECIFIED, UNMAPPED], fill_value=0)
    )
    out = pd.DataFrame(
        {
            "management": wide["management"].to_numpy(np.int64),
            "operator": wide["operator"].to_numpy(np.int64),
            "unspecified": wide[UNSPECIFIED].to_numpy(np.int64),
            "unmapped": wide[UNMAPPED].to_numpy(np.int64),
        }
    )
    out["classified"] = out["management"] + out["operator"]
    out["total"] = out["classified"] + out["unspecified"] + out["unmapped"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["management_share"] = np.where(
            out["classified"] > 0, out["management"] / out["classified"], np.nan
        )
    lo, hi = _wilson(out["management"].to_numpy(), out["classified"].to_numpy(), confidence)
    out["ci_lower"], out["ci_upper"] = lo, hi
    out["confidence"] = float(confidence)
    out["method"] = pd.array(["wilson"] * len(out), dtype="string")
    out["claimed_share"] = float(claimed_share)
    out["claim_in_ci"] = (out["ci_lower"] <= claimed_share) & (claimed_share <= out["ci_upper"])
    if (out["classified"] == 0).any():
        warnings.warn(
            "no nonconformity classified as management or operator in some row: share undefined",
            QualityKitWarning,
            stacklevel=2,
        )
    if group is not None:
        out.insert(0, group, pd.array(wide.index, dtype="string"))
    return out


# --------------------------------------------------------------------------------------------
# comparison of groups


@dataclass(frozen=True)
class GroupComparison:
    """χ² homogeneity test of a category mix across groups.

    ``test`` (one row): ``statistic`` (Pearson X²), ``df``, ``p_value``, ``n``, ``groups``,
    ``categories``, ``min_expected``, ``share_expected_below_5`` (Cochran: keep ≤ 0.2),
    ``cramers_v``.

    ``cells`` (group × category): ``<group>``, ``<category>``, ``count``, ``group_total``,
    ``share`` (within the group), ``expected``, ``pearson_residual`` and ``adjusted_residual``
    (Haberman: (O − E) / √(E (1 − rᵢ/n)(1 − cⱼ/n)), ≈ N(0, 1) under homogeneity).

    ``differences`` (each non-reference group × category): ``<group>``, ``reference``,
    ``<category>``, ``count``, ``group_total``, ``share``, ``reference_count``,
    ``reference_total``, ``reference_share``, ``diff_pp`` (share − reference share in percentage
    points), ``ci_lower_pp`` / ``ci_upper_pp`` (Newcombe 1998 hybrid score interval, method 10,
    per comparison), ``p_value`` (χ² test of the cell's 2×2 table against the reference, no
    continuity correction; 1 when the category is absent from both), ``p_adjusted`` (by
    ``adjustment`` over all cells of the table), ``significant`` (p_adjusted < 1 − confidence)
    and ``adjustment``.

    ``adjustment``: the multiplicity adjustment used, ``"holm"``, ``"bonferroni"`` or ``"none"``.
    """

    test: pd.DataFrame
    cells: pd.DataFrame
    differences: pd.DataFrame
    adjustment: str = "holm"


def _two_proportion_p(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided p of the pooled two-proportion z-test (= Pearson χ² of the 2×2 table, no
    continuity correction); 1 where both proportions are 0 or both 1 (nothing to test)."""
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (x1 / n1 - x2 / n2) / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    return 2.0 * stats.norm.sf(np.abs(z))


def compare_groups(
    data: pd.DataFrame,
    group: str,
    category: str = "item",
    count: str | None = None,
    *,
    reference: object | None = None,
    confidence: float = 0.95,
    adjust: Adjustment = "holm",
) -> GroupComparison:
    """Compare the nonconformity mix of two or more groups (periods, regions, size classes).

    Pearson's χ² test of homogeneity of the ``category`` distribution across ``group`` values
    (R ``chisq.test()`` without continuity correction), Haberman's adjusted residuals per cell
    (R ``chisq.test()$stdres``; Agresti 2007 §2.4.5), and each group's change in share against
    ``reference`` (default: the first group in sort order) with Newcombe's hybrid score interval
    and a per-cell test whose p-values are adjusted for the number of cells compared: ``adjust``
    = ``"holm"`` (default; Holm 1979, statsmodels ``multipletests``), ``"bonferroni"`` or
    ``"none"``; ``significant`` is p_adjusted < 1 − ``confidence``. The per-cell test is the
    Pearson χ² test of the 2×2 table (group vs reference × category vs the rest), i.e. the pooled
    two-proportion z-test; the Newcombe intervals are per comparison (not adjusted).
    Categories with no nonconformity in any group are left out of the test (they carry no
    information) with a warning. Input: raw records or counts (``count``). Missing labels are an
    error. See :class:`GroupComparison` for the columns.
    """
    require_columns(data, [group, category] + ([count] if count else []))
    check_level(confidence, "confidence")
    adjust = check_choice(adjust, "adjust", ADJUSTMENTS)  # type: ignore[assignment]
    if group == category:
        raise ParameterError("group and category must be different columns")
    if len(data) == 0:
        raise NoDataError("no records to compare")
    g = _labels(data, group)
    c = _labels(data, category)
    w = _weights(data, count)
    frame = pd.DataFrame({group: g, category: c, "count": w})
    table = (
        frame.pivot_table(
            index=group,
            columns=category,
            values="count",
            aggfunc="sum",
            fill_value=0,
            observed=True,
        )
        .sort_index(axis=0)
        .sort_index(axis=1)
    )
    empty_cols = table.columns[table.sum(axis=0) == 0]
    if len(empty_cols):
        warnings.warn(
            f"categories with no nonconformity in any group left out of the test: {list(empty_cols)}",
            QualityKitWarning,
            stacklevel=2,
        )
        table = table.drop(columns=empty_cols)
    empty_rows = table.index[table.sum(axis=1) == 0]
    if len(empty_rows):
        warnings.warn(
            f"groups with no nonconformity left out of the test: {list(empty_rows)}",
            QualityKitWarning,
            stacklevel=2,
        )
        table = table.drop(index=empty_rows)
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise NoDataError(
            f"a homogeneity test needs at least 2 groups and 2 categories with counts, got "
            f"{table.shape[0]} group(s) and {table.shape[1]} categor(y/ies)"
        )

    obs = table.to_numpy(dtype=float)
    n = obs.sum()
    rows = obs.sum(axis=1, keepdims=True)
    # Pearson X² (no continuity correction) by scipy; residuals by statsmodels' Table (Haberman's
    # adjusted residuals are its standardized_resids)
    statistic, p_value, df, expected = stats.chi2_contingency(obs, correction=False)
    cont = Table(obs, shift_zeros=False)
    pearson = np.asarray(cont.resid_pearson, dtype=float)
    adjusted = np.asarray(cont.standardized_resids, dtype=float)
    statistic, df = float(statistic), int(df)
    below5 = float((expected < 5).mean())
    if below5 > 0.2:
        warnings.warn(
            f"{below5:.0%} of expected counts are below 5: the χ² approximation may be poor "
            "(Cochran 1954); merge sparse categories (pareto 'Other') first",
            QualityKitWarning,
            stacklevel=2,
        )
    test = pd.DataFrame(
        {
            "statistic": [statistic],
            "df": [df],
            "p_value": [float(p_value)],
            "n": [int(n)],
            "groups": [obs.shape[0]],
            "categories": [obs.shape[1]],
            "min_expected": [float(expected.min())],
            "share_expected_below_5": [below5],
            "cramers_v": [math.sqrt(statistic / (n * (min(obs.shape) - 1)))],
        }
    )

    group_labels = table.index.astype("string")
    cat_labels = table.columns.astype("string")
    gi, ci = np.meshgrid(np.arange(obs.shape[0]), np.arange(obs.shape[1]), indexing="ij")
    cells = pd.DataFrame(
        {
            group: pd.array(group_labels[gi.ravel()], dtype="string"),
            category: pd.array(cat_labels[ci.ravel()], dtype="string"),
            "count": obs.ravel().astype(np.int64),
            "group_total": np.broadcast_to(rows, obs.shape).ravel().astype(np.int64),
            "share": (obs / rows).ravel(),
            "expected": expected.ravel(),
            "pearson_residual": pearson.ravel(),
            "adjusted_residual": adjusted.ravel(),
        }
    )

    if reference is None:
        ref_pos = 0
    else:
        matches = np.flatnonzero(np.asarray(group_labels) == str(reference))
        if len(matches) == 0:
            raise ParameterError(
                f"reference group {reference!r} not among the groups {list(group_labels)}"
            )
        ref_pos = int(matches[0])
    others = [i for i in range(obs.shape[0]) if i != ref_pos]
    x1 = obs[others]
    n1 = np.broadcast_to(rows[others], x1.shape)
    x2 = np.broadcast_to(obs[ref_pos], x1.shape)
    n2 = np.broadcast_to(rows[ref_pos], x1.shape)
    d, lo, hi = _newcombe(x1, n1, x2, n2, confidence)
    p_cell = _two_proportion_p(x1, n1, x2, n2).ravel()
    p_adj = p_cell if adjust == "none" else multipletests(p_cell, method=adjust)[1]
    oi, oc = np.meshgrid(np.array(others), np.arange(obs.shape[1]), indexing="ij")
    differences = pd.DataFrame(
        {
            group: pd.array(group_labels[oi.ravel()], dtype="string"),
            "reference": pd.array([group_labels[ref_pos]] * oi.size, dtype="string"),
            category: pd.array(cat_labels[oc.ravel()], dtype="string"),
            "count": x1.ravel().astype(np.int64),
            "group_total": n1.ravel().astype(np.int64),
            "share": (x1 / n1).ravel(),
            "reference_count": x2.ravel().astype(np.int64),
            "reference_total": n2.ravel().astype(np.int64),
            "reference_share": (x2 / n2).ravel(),
            "diff_pp": 100 * d.ravel(),
            "ci_lower_pp": 100 * lo.ravel(),
            "ci_upper_pp": 100 * hi.ravel(),
            "p_value": p_cell,
            "p_adjusted": p_adj,
            "significant": p_adj < 1.0 - confidence,
            "adjustment": pd.array([adjust] * oi.size, dtype="string"),
        }
    )
    return GroupComparison(test=test, cells=cells, differences=differences, adjustment=adjust)
