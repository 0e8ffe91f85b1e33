"""Analysis steps the notebooks share, so that no notebook holds analysis code.

* :func:`decimal_year`, :func:`programme_start`, :func:`policy_start` — the start of a region's
  quality programme (from the target registry, or a parameter) as a decimal year;
* :func:`time_counts` — counts per quarter (or year) with a decimal time ``t``;
* :func:`with_intervals` — a trend's fitted rows with each year's Wilson interval;
* :func:`control_chart_auto` — a p or Laney p′ chart, chosen by the dispersion test;
* :func:`add_group` — groups for comparisons of causes (:data:`COMPARE_BY`);
* :func:`policy_targets` — documents and targets of the registry for a region or document;
* :func:`one_row` — a one-row table of a mapping or a dataclass result;
* :func:`strata_problem` — why a table cannot be standardised (a stratum column absent or
  single-valued), or None;
* :func:`cause_map_for` — the cause map extended by the data's own spellings of its items
  (matched through :func:`qualitykit.data.causes.map_items`), and the items it does not cover;
* :func:`scorecard_provider` — the scorecard's data for a source of any shape.

Reachable as ``report.<name>`` (re-exported by :mod:`qualitykit.report.framework`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.report.narrative import Lang

__all__ = [
    "COMPARE_BY",
    "STRATA",
    "add_group",
    "cause_map_for",
    "control_chart_auto",
    "decimal_year",
    "one_row",
    "policy_start",
    "policy_targets",
    "programme_start",
    "scorecard_provider",
    "strata_problem",
    "time_counts",
    "with_intervals",
]


def decimal_year(date: str) -> float:
    """``"2006-09-05"`` → 2006.677 (year + (day of year − 1) / days in year), as the sample's
    programme starts; ``"2006-09"`` → the first of the month; ``"2006"`` → 2006.0."""
    parts = [int(p) for p in str(date).split("-")]
    year = parts[0]
    if len(parts) == 1:
        return float(year)
    day = dt.date(year, parts[1], parts[2] if len(parts) > 2 else 1)
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    return year + (day.timetuple().tm_yday - 1) / days


def programme_start(region_code: str) -> tuple[float, str] | None:
    """The start of the quality programme covering ``region_code`` from the target registry:
    (decimal year of the document's date, document id) of the nearest dated document whose
    region is the region or contains it (national documents excluded); None if there is none."""
    from qualitykit.policy import targets

    nearest = {code: i for i, code in enumerate(regions.ancestors(region_code))}
    docs = targets.documents_table()
    docs = docs[docs["date"].notna() & (docs["admin_level"] != "national")]
    docs = docs[docs["region_code"].isin(list(nearest))]
    if docs.empty:
        return None
    best = docs.iloc[int(np.argmin(docs["region_code"].map(nearest).to_numpy()))]
    return decimal_year(str(best["date"])), str(best["document_id"])


def time_counts(records: pd.DataFrame, *, quarterly: bool = True) -> pd.DataFrame:
    """Counts per period with a decimal time ``t``: by ``year`` and ``quarter`` (t = year +
    (quarter − 1)/4) when ``quarterly`` and the records (or counts) have quarters, else by
    ``year`` (t = year).

    Columns: ``year`` [, ``quarter``], ``t``, ``batches``, ``passed``, ``nonconforming``."""
    from qualitykit.data.dataset import aggregate

    by = (
        ["year", "quarter"]
        if quarterly and "quarter" in records and records["quarter"].notna().all()
        else ["year"]
    )
    counts = aggregate(records, by=by)
    t = counts["year"].astype("float64")
    if "quarter" in by:
        t = t + (counts["quarter"].astype("float64") - 1.0) / 4.0
    counts.insert(len(by), "t", t.to_numpy())
    return counts


def policy_start(region_code: str, value: float = 0.0) -> tuple[float, str] | None:
    """The programme start used by a segmented regression: ``value`` when positive (a decimal
    year given as a parameter), else :func:`programme_start` from the registry (or None)."""
    if value and value > 0:
        return float(value), "policy_start"
    if not regions.is_valid_code(region_code):  # a declared unit: no document names it
        return None
    return programme_start(region_code)


def with_intervals(fitted: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    """A trend's per-year rows (``TrendResult.fitted`` / ``ForecastResult.table``) with each
    year's Wilson interval (``ci_lower``, ``ci_upper`` of :func:`qualitykit.stats.metrics.rates` by
    ``year``) for the error bars of :func:`qualitykit.report.plots.trend_figure`."""
    keys = pd.Index(yearly["year"])
    pos = keys.get_indexer(fitted["year"]) if keys.is_unique else None
    if pos is None or (pos < 0).any():  # not one row per year: the merge itself
        keep = yearly[["year", "ci_lower", "ci_upper"]]
        return fitted.drop(columns=["ci_lower", "ci_upper"], errors="ignore").merge(
            keep, on="year", how="left"
        )
    columns = {c: fitted[c].array for c in fitted.columns if c not in ("ci_lower", "ci_upper")}
    columns.update({c: yearly[c].array.take(pos) for c in ("ci_lower", "ci_upper")})
    return pd.DataFrame(columns, index=pd.RangeIndex(len(fitted)))


def control_chart_auto(counts: pd.DataFrame, *, subgroup: str = "year") -> tuple[Any, pd.DataFrame]:
    """The control chart of a series of counts and the dispersion test that chose it: a Laney
    p′ chart when the Wetherill–Brown test finds overdispersion at 5 % (Laney 2002), else a p
    chart (Montgomery 2013 §7.2). Returns (``spc.ControlChart``, dispersion test row)."""
    from qualitykit.stats import spc

    disp = spc.dispersion_test(counts["nonconforming"], counts["batches"])
    over = bool(disp["p_value"].iloc[0] < 0.05) if len(counts) > 1 else False
    chart = spc.control_chart(counts, chart="laney" if over else "p", subgroup=subgroup)
    return chart, disp


COMPARE_BY: tuple[str, ...] = ("period", "sales_class", "enterprise_size", "check_level", "region")
"""Groupings of :func:`add_group`."""


def add_group(
    frame: pd.DataFrame,
    by: str,
    *,
    split_year: int | None = None,
    category: str | None = None,
    lang: Lang = "zh",
) -> tuple[pd.DataFrame, str | None]:
    """``frame`` (nonconformities with their record columns) with a ``group`` column for
    :func:`qualitykit.stats.pareto.compare_groups`, and the reference group's label.

    ``by``: ``period`` (before / from ``split_year``; reference: before), ``sales_class``
    (Longwan A/B/C from ``annual_sales``, :func:`qualitykit.schema.sales_class`; reference A),
    ``enterprise_size`` (reference large), ``check_level`` (reference national) or ``region``
    (the county-level division, by name; reference: the first). Rows without a group are left
    out. ``category``: a cause column whose missing values (items the cause map does not list)
    become ``"(unmapped)"`` (:data:`qualitykit.stats.pareto.UNMAPPED`) so that they stay counted."""
    from qualitykit.report.framework import ParameterError  # shown without a traceback

    if by not in COMPARE_BY:
        raise ParameterError(f"compare_by must be one of {', '.join(COMPARE_BY)}, got {by!r}")
    zh = lang == "zh"
    if by == "period":
        if split_year is None:
            raise ParameterError("compare_by='period' needs split_year")
        before = f"{split_year} 年前" if zh else f"before {split_year}"
        after = f"{split_year} 年起" if zh else f"{split_year} on"
        year = frame["year"].astype("float64")
        group = pd.Series(np.where(year < split_year, before, after), index=frame.index)
        ref: str | None = before
    elif by == "sales_class":
        group = schema.sales_class(frame["annual_sales"]).astype("string")
        ref = "A"
    elif by == "region":
        names = regions.regions().drop_duplicates("region_code").set_index("region_code")["name_zh"]
        group = frame["region_code"].astype("string").map(names)
        ref = None
    else:
        group = frame[by].astype("string")
        ref = "large" if by == "enterprise_size" else "national"
    out = frame.assign(group=pd.array(group, dtype="string"))
    if category is not None:
        from qualitykit.stats.pareto import UNMAPPED

        out[category] = out[category].astype("string").fillna(UNMAPPED)
    out = out[out["group"].notna()].reset_index(drop=True)
    present = set(out["group"])
    if ref not in present:
        ref = min(present) if present else None
    return out, ref


def policy_targets(
    document_id: str = "", region_code: str = "", *, quantitative_only: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, targets) of the target registry (:func:`qualitykit.policy.targets.documents_table`,
    :func:`~qualitykit.policy.targets.targets_table`): of one document; or of every document whose
    region is ``region_code`` or contains it (its city, province and the nation); or all."""
    from qualitykit.policy import targets

    docs = targets.documents_table()
    if document_id:
        tt = targets.targets_table(document=document_id)
    elif region_code:
        tt = targets.targets_table()
        tt = tt[tt["region_code"].isin(regions.ancestors(region_code))].reset_index(drop=True)
    else:
        tt = targets.targets_table()
    if quantitative_only:
        tt = tt[~tt["qualitative"]].reset_index(drop=True)
    docs = docs[docs["document_id"].isin(set(tt["document_id"]))].reset_index(drop=True)
    return docs, tt


def one_row(values: Mapping[str, Any] | Any) -> pd.DataFrame:
    """A one-row table of a mapping or a dataclass result (e.g. ``Overdispersion``)."""
    data = values if isinstance(values, Mapping) else vars(values)
    return pd.DataFrame([dict(data)])


STRATA: tuple[str, ...] = ("industry_code", "enterprise_size")
"""The strata of the standardised pass rate (industry × enterprise size)."""


def strata_problem(
    frame: pd.DataFrame, strata: tuple[str, ...] = STRATA, lang: Lang = "zh"
) -> str | None:
    """Why ``frame`` (records or counts) cannot be standardised by ``strata``: a column is absent
    or empty (:func:`qualitykit.report.notes.needs_columns`), or the strata form a single cell, in
    which case the standardised rate is the crude one and no mix can be compared
    (:func:`qualitykit.report.notes.single_valued`) — or None. A constant column beside a varying
    one is fine: the mix is then that of the other column."""
    from qualitykit.report import notes

    missing = [c for c in strata if c not in frame.columns or frame[c].notna().sum() == 0]
    if missing:
        return notes.needs_columns(missing, lang)
    if len(frame[list(strata)].dropna().drop_duplicates()) < 2:
        return notes.single_valued(list(strata), lang)
    return None


def cause_map_for(
    items: pd.DataFrame, cause_map: pd.DataFrame | None = None, *, count: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cause map, unmapped items) for the items of ``items`` (nonconformities or item counts
    with ``item``): the map (default ``data/causes/cause_map.csv``) extended by a row for each
    item name of the data that :func:`qualitykit.data.causes.map_items` matches only after
    normalisation (Cr(Ⅵ) → 六价铬, 游离甲醛(内底) → 游离甲醛, full/half width), so that the Pareto
    functions of :mod:`qualitykit.stats.pareto` (which match exactly) classify them; and
    :func:`qualitykit.data.causes.unmapped_items` (``item, count, share``) — what stays unmapped
    with its share of all nonconformities (``count``: the count column of item counts)."""
    from qualitykit.data import causes

    cm = causes.load_cause_map() if cause_map is None else cause_map
    cols = ["item", "category", "cause_5m1e", "controllable"]
    if len(items) == 0:
        return cm, causes.unmapped_items(items.assign(item=pd.Series(dtype="string")), cm)
    names = pd.DataFrame({"item": items["item"].astype("string").dropna().unique()})
    mapped = causes.map_items(names, cm)
    extra = mapped[mapped["mapped"] & ~mapped["item"].isin(cm["item"])]
    if len(extra):
        rows = extra[cols].astype({c: "string" for c in cols})
        cm = pd.concat([cm, rows.astype(cm[cols].dtypes.to_dict())], ignore_index=True)
    return cm, causes.unmapped_items(items, cm, count=count)


def scorecard_provider(source: Any) -> Any:
    """The scorecard's data for a :class:`qualitykit.data.source.Source`: the published national
    series, plus the source's pass rates — read from the records of the synthetic sample
    (:class:`~qualitykit.policy.providers.SampleProvider`), or from the counts of any other
    records or counts (:class:`~qualitykit.policy.observations.CountsProvider`; units without a
    GB/T 2260 code are left out of the targets, which name divisions). Item counts feed no
    pass-rate target: the published series alone."""
    from qualitykit.policy import scorecard
    from qualitykit.policy.observations import CountsProvider
    from qualitykit.report.sources import is_complete

    if is_complete(source):
        # the default sample is None (as the scorecard names it); a preset, its folder
        return scorecard.default_provider(None if source.location is None else source.dataset)
    if not source.supports("rates") or "region_code" not in (source.columns() or []):
        return scorecard.ReferenceProvider()
    by = [c for c in ("check_level", "product", "industry_code") if c in source.columns()]
    counts = source.counts(by=by)
    counts = counts[counts["region_code"].map(regions.is_valid_code) & counts["year"].notna()]
    label = f"data: {source.location}"
    return scorecard.CompositeProvider(
        scorecard.ReferenceProvider(), CountsProvider(counts.reset_index(drop=True), label=label)
    )
