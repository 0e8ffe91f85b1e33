"""The analysis behind ``05_district_report``: one brief per district, fast, for batch runs.

A batch run reports every district of a province (or of China: ~2,850). Work that is the same for
every district — the province's funnel, rank intervals and shrunken estimates of all its districts,
the provincial and national pass rates, the district scorecards — is done **once per run** by
:func:`prepare` (named in the notebook's metadata ``qualitykit.prepare``; the batch runner calls it
in the parent process) and written to a folder whose path is the notebook parameter
``context_path``. Each district's notebook then reads only its own slice of the records (dataset
pushdown) and its province's rows of the context (Parquet filters) in :func:`analyse`.

Interactively (``context_path=""``) :func:`analyse` builds the context of the district's own
province in memory; the numbers are the same.

Functions
---------
* :func:`compare_units` — the fair comparison of sibling units (also used by
  ``03_regional_benchmark``): funnel position (Spiegelhalter 2005 exact binomial limits, widened
  by √φ when overdispersed), rank intervals (Goldstein & Spiegelhalter 1996), empirical-Bayes
  shrinkage (beta-binomial) and the gap to the parent average with the "k pp above" verdict
  (郴政发〔2010〕4号), all from :mod:`qualitykit.stats.benchmark`;
* :func:`child_counts` — counts of the children of a region (provinces, cities or districts);
* :func:`build_context`, :func:`write_context`, :func:`read_context`, :func:`prepare`;
* :func:`analyse` → :class:`DistrictBrief` (rates, trend, position, Pareto, targets, summary).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from qualitykit.atomic import TMP_SUFFIX, publish_dir, write_json
from qualitykit.data import regions
from qualitykit.errors import NoDataError, ParameterError, QualityKitWarning

__all__ = [
    "DEFAULTS",
    "RECORD_COLUMNS",
    "Context",
    "DistrictBrief",
    "UnitComparison",
    "analyse",
    "build_context",
    "child_counts",
    "compare_units",
    "context_key",
    "prepare",
    "read_context",
    "write_context",
]

DEFAULTS: dict[str, Any] = {
    "year_from": 2015,
    "year_to": 2024,
    "check_level": "all",
    "data_source": "",
    "k_pp": 2.0,
}
"""Defaults of the parameters of ``05_district_report`` that shape the shared context (the
notebook's parameters cell must agree: ``tests/test_district.py`` checks it). :func:`prepare`
fills them in for parameter sets that do not name them."""

RECORD_COLUMNS: tuple[str, ...] = ("batch_id", "year", "passed")
"""The record columns a district brief reads."""

CONTEXT_DIR = "district_context"
RANK_DRAWS = 1000
TOP_ITEMS = 8
_STATUS_ORDER = ("not_met", "off_track", "inconclusive", "on_track", "met")


# --------------------------------------------------------------------------------------------
# comparison of sibling units
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitComparison:
    """Result of :func:`compare_units`.

    ``table`` — one row per unit: the input columns, then

    ===================  ==================================================================
    pass_rate            passed / batches
    ci_lower, ci_upper   Wilson 95 % interval of the pass rate (metrics.binomial_ci)
    center               the parent's pooled pass rate (funnel centre)
    z, z_adjusted        z-score, and divided by √φ when the limits are widened
    lower_95 … upper_998 funnel limits at the unit's batches (benchmark.funnel_units)
    flag_95, flag_998    ``low`` / ``within`` / ``high``
    significance         PHE band
    rank_observed, rank, rank_lower, rank_upper   ranks (1 = best) and 95 % interval
    shrunk_rate, shrunk_lower, shrunk_upper, shrinkage, prior_mean   EB estimates
    parent_rate, gap_pp, gap_lower_pp, gap_upper_pp, target_pp, verdict   "k pp above"
    n_units              number of units compared
    ===================  ==================================================================

    ``grid`` — funnel lines (benchmark.funnel_grid); ``ranks`` and ``shrunk`` — the outputs of
    benchmark.rank_intervals and benchmark.eb_shrinkage as they are (for
    :func:`qualitykit.report.plots.caterpillar_figure`); ``relative`` — benchmark.relative_target;
    ``overdispersion`` — the φ / τ² fit (dict); ``prior`` — the beta-binomial prior (dict).
    """

    table: pd.DataFrame
    grid: pd.DataFrame
    ranks: pd.DataFrame
    shrunk: pd.DataFrame
    relative: pd.DataFrame
    overdispersion: dict[str, Any]
    prior: dict[str, Any]


def compare_units(
    units: pd.DataFrame,
    *,
    k_pp: float = 2.0,
    adjust: str = "phi",
    draws: int = RANK_DRAWS,
    seed: int = 0,
) -> UnitComparison:
    """Funnel, ranks, shrinkage and the "k pp above the parent average" verdict for sibling
    units (``units``: one row per unit with ``batches`` > 0 and ``passed``; label columns kept).

    Funnel limits: Spiegelhalter (2005, Stat Med 24:1185) exact binomial limits around the pooled
    rate, widened by √φ when the units are significantly overdispersed (``adjust="phi"``,
    Spiegelhalter 2005 QSHC 14:347); ranks: Goldstein & Spiegelhalter (1996) by simulation
    (``draws``, ``seed``); shrinkage: beta-binomial empirical Bayes (Efron & Morris 1975);
    relative target: :func:`qualitykit.stats.benchmark.relative_target` (unit included in the parent
    average, as the documents' published averages include it)."""
    from qualitykit.stats import benchmark, metrics

    if len(units) == 0:
        raise NoDataError("no units to compare")
    base = units.reset_index(drop=True)
    ci = metrics.binomial_ci(base["passed"].to_numpy(), base["batches"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)  # k < 2 etc.: documented NaNs below
        fu = benchmark.funnel_units(base, adjust=adjust)  # type: ignore[arg-type]
        grid = benchmark.funnel_grid(base, adjust=adjust)  # type: ignore[arg-type]
        if len(base) >= 2:
            ri = benchmark.rank_intervals(base, draws=draws, seed=seed)
            eb = benchmark.eb_shrinkage(base)
            prior = dict(eb.attrs.get("prior", {}))
        else:
            ri = base.assign(rank_observed=1, rank=1.0, rank_lower=1.0, rank_upper=1.0)
            rate = base["passed"] / base["batches"]
            eb = base.assign(
                shrunk_rate=rate,
                ci_lower=ci["ci_lower"],
                ci_upper=ci["ci_upper"],
                shrinkage=0.0,
                prior_mean=rate,
            )
            prior = {}
        rt = benchmark.relative_target(base, k_pp=k_pp)
    od = dict(fu.attrs.get("overdispersion") or {})
    if not od:
        od = benchmark.overdispersion(base).__dict__ if len(base) >= 2 else {}
    extra = [c for c in fu.columns if c not in base.columns]
    table = pd.concat([base, fu[extra]], axis=1)
    table.insert(table.columns.get_loc("pass_rate") + 1, "ci_lower", ci["ci_lower"].to_numpy())
    table.insert(table.columns.get_loc("ci_lower") + 1, "ci_upper", ci["ci_upper"].to_numpy())
    table = table.assign(
        rank_observed=ri["rank_observed"].to_numpy(),
        rank=ri["rank"].to_numpy(dtype=float),
        rank_lower=ri["rank_lower"].to_numpy(dtype=float),
        rank_upper=ri["rank_upper"].to_numpy(dtype=float),
        shrunk_rate=eb["shrunk_rate"].to_numpy(dtype=float),
        shrunk_lower=eb["ci_lower"].to_numpy(dtype=float),
        shrunk_upper=eb["ci_upper"].to_numpy(dtype=float),
        shrinkage=eb["shrinkage"].to_numpy(dtype=float),
        prior_mean=eb["prior_mean"].to_numpy(dtype=float),
        parent_rate=rt["parent_rate"].to_numpy(dtype=float),
        gap_pp=rt["gap_pp"].to_numpy(dtype=float),
        gap_lower_pp=rt["gap_lower_pp"].to_numpy(dtype=float),
        gap_upper_pp=rt["gap_upper_pp"].to_numpy(dtype=float),
        target_pp=rt["target_pp"].to_numpy(dtype=float),
        verdict=rt["verdict"].astype("string").to_numpy(),
        n_units=len(base),
    )
    return UnitComparison(
        table=table, grid=grid, ranks=ri, shrunk=eb, relative=rt, overdispersion=od, prior=prior
    )


def child_counts(
    records: pd.DataFrame, parent_code: str, *, unit_level: str = "child"
) -> pd.DataFrame:
    """Counts of the children of ``parent_code`` from its records: provinces of the nation,
    cities of a province, districts of a city (``unit_level="child"``) or every county-level
    division within the parent (``"county"``).

    Columns: ``region_code`` (the child), ``name_zh``, ``name_en``, ``batches``, ``passed``,
    ``nonconforming``; children without records are left out."""
    from qualitykit.data.dataset import aggregate

    regions.check_code(parent_code, "parent region code")
    level = str(regions.lookup(parent_code)["level"])
    if unit_level not in ("child", "county"):
        raise ParameterError(f"unit_level must be 'child' or 'county', got {unit_level!r}")
    if unit_level == "county" or level == "city":
        key = "region_code"
    elif level == "national":
        key = "province_code"
    elif level == "province":
        key = "city_code"
    else:
        raise ParameterError(
            f"{parent_code} ({regions.name(parent_code)}) is a county-level division: it has no "
            "children to compare"
        )
    counts = aggregate(records, by=key)
    counts = counts[counts[key].notna() & (counts["batches"] > 0)]
    counts = counts.rename(columns={key: "region_code"})
    counts["region_code"] = counts["region_code"].astype("string")
    names = regions.regions().drop_duplicates("region_code").set_index("region_code")
    counts.insert(1, "name_zh", counts["region_code"].map(names["name_zh"]).astype("string"))
    en = counts["region_code"].map(names["name_en"]).astype("string")
    counts.insert(2, "name_en", en.where(en.fillna("") != "", counts["name_zh"]))
    return counts.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the shared context
# --------------------------------------------------------------------------------------------


def context_key(
    data_source: str = "",
    year_from: int = 2015,
    year_to: int = 2024,
    check_level: str = "all",
    k_pp: float = 2.0,
) -> str:
    """A short key naming the parameters that shape the context (one run may mix several)."""
    text = json.dumps(
        [str(data_source), int(year_from), int(year_to), str(check_level), float(k_pp)]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Context:
    """The shared work of a run (or of one interactive report).

    ``units`` — :class:`UnitComparison` tables of the districts of each province (plus
    ``context``, ``province_code``, ``city_code`` and ``name_zh``/``name_en``);
    ``grid`` — funnel lines per province (``context``, ``province_code``, ``n``, ``center``,
    ``lower_95`` …); ``areas`` — pooled counts and pass rates with Wilson intervals of each
    province and of the nation (``context``, ``region_code``, ``batches``, ``passed``,
    ``pass_rate``, ``ci_lower``, ``ci_upper``, ``phi``, ``overdispersed``); ``scorecard`` —
    the district scorecards (``context``, ``for_region_code`` + the columns of
    :func:`qualitykit.policy.scorecard.evaluate`) or None when no target applies; ``meta`` — the
    parameters of each key."""

    units: pd.DataFrame
    grid: pd.DataFrame
    areas: pd.DataFrame
    scorecard: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def build_context(
    provinces: Sequence[str],
    *,
    data_source: str = DEFAULTS["data_source"],
    year_from: int = DEFAULTS["year_from"],
    year_to: int = DEFAULTS["year_to"],
    check_level: str = DEFAULTS["check_level"],
    k_pp: float = DEFAULTS["k_pp"],
    scorecards: bool = True,
) -> Context:
    """The shared context of the districts of ``provinces`` (codes ``PP0000``) for one set of
    parameters: one read of two columns (``region_code``, ``passed``) of the whole data set —
    the national aggregate needs it — counted by district once, then :func:`compare_units` per
    province and the district scorecards (:func:`qualitykit.policy.scorecard.scorecard_for_districts`,
    as of ``year_to``) per province."""
    from qualitykit.data import dataset
    from qualitykit.report.framework import check_levels, resolve_source
    from qualitykit.stats import metrics

    source = resolve_source(data_source)
    levels = check_levels(check_level)
    key = context_key(data_source, year_from, year_to, check_level, k_pp)
    provinces = sorted({regions.parent_code(p, "province") for p in provinces})
    try:
        recs = dataset.open_records(
            source, None, (year_from, year_to), levels, columns=["region_code", "passed"]
        )
    except NoDataError:
        recs = pd.DataFrame(
            {"region_code": pd.Series(dtype="string"), "passed": pd.Series(dtype=bool)}
        )
    by_district = dataset.aggregate(recs, by="region_code")
    by_district["region_code"] = by_district["region_code"].astype("string")
    by_district = by_district.assign(
        province_code=by_district["region_code"].str.slice(0, 2) + "0000"
    )
    unit_tables, grids, areas = [], [], []
    national = by_district[["batches", "passed"]].sum()
    areas.append(
        {
            "region_code": regions.NATIONAL_CODE,
            **national.to_dict(),
            "phi": np.nan,
            "overdispersed": False,
        }
    )
    info = regions.regions().drop_duplicates("region_code").set_index("region_code")
    for prov in provinces:
        units = by_district[(by_district["province_code"] == prov) & (by_district["batches"] > 0)]
        units = units.drop(columns="province_code").reset_index(drop=True)
        total = units[["batches", "passed"]].sum()
        if units.empty:
            areas.append(
                {
                    "region_code": prov,
                    "batches": 0,
                    "passed": 0,
                    "phi": np.nan,
                    "overdispersed": False,
                }
            )
            continue
        cmp = compare_units(units, k_pp=k_pp)
        od = cmp.overdispersion
        areas.append(
            {
                "region_code": prov,
                **total.to_dict(),
                "phi": od.get("phi", np.nan),
                "overdispersed": bool(od.get("overdispersed", False)),
            }
        )
        tab = cmp.table
        codes = tab["region_code"]
        tab.insert(1, "name_zh", codes.map(info["name_zh"]).astype("string").to_numpy())
        en = codes.map(info["name_en"]).astype("string").fillna("")
        tab.insert(2, "name_en", en.where(en != "", tab["name_zh"]).to_numpy())
        tab.insert(3, "city_code", codes.map(info["city_code"]).astype("string").to_numpy())
        tab.insert(4, "province_code", prov)
        unit_tables.append(tab)
        grids.append(cmp.grid.assign(province_code=prov))
    area = pd.DataFrame(areas)
    area["batches"] = area["batches"].astype("int64")
    area["passed"] = area["passed"].astype("int64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)
        ci = metrics.binomial_ci(area["passed"].to_numpy(), area["batches"].to_numpy())
    area.insert(3, "pass_rate", ci["estimate"].to_numpy())
    area.insert(4, "ci_lower", ci["ci_lower"].to_numpy())
    area.insert(5, "ci_upper", ci["ci_upper"].to_numpy())
    units_all = pd.concat(unit_tables, ignore_index=True) if unit_tables else pd.DataFrame()
    grid_all = pd.concat(grids, ignore_index=True) if grids else pd.DataFrame()
    card = (
        _district_scorecards(provinces, data_source, (year_from, year_to)) if scorecards else None
    )
    frames = [units_all, grid_all, area] + ([card] if card is not None else [])
    for f in frames:
        f.insert(0, "context", key)
    params = {
        "data_source": data_source,
        "year_from": int(year_from),
        "year_to": int(year_to),
        "check_level": check_level,
        "k_pp": float(k_pp),
        "provinces": provinces,
    }
    return Context(units_all, grid_all, area, card, {key: params})


def _district_scorecards(
    provinces: Sequence[str], data_source: str, years: tuple[int, int]
) -> pd.DataFrame | None:
    """District scorecards (:func:`qualitykit.policy.scorecard.scorecard_for_districts`, one call per
    province), or None when no target applies to any district."""
    from qualitykit.policy import scorecard
    from qualitykit.report.framework import resolve_source

    provider = scorecard.SampleProvider(resolve_source(data_source))
    frames = []
    for prov in provinces:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QualityKitWarning)
            card = scorecard.scorecard_for_districts(prov, provider, as_of=years[1])
        if card is not None and len(card):
            frames.append(card)
    if not frames:
        return None
    out = pd.concat(frames, ignore_index=True)
    return out.astype({c: "string" for c in out.columns if out[c].dtype == object})


def write_context(context: Context, folder: str | Path) -> Path:
    """Write ``context`` into ``folder`` (replaced atomically): ``units.parquet``,
    ``grid.parquet``, ``areas.parquet``, [``scorecard.parquet``] and ``meta.json``."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=TMP_SUFFIX, dir=folder.parent)
    )
    for name in ("units", "grid", "areas", "scorecard"):
        frame = getattr(context, name)
        if frame is not None and len(frame.columns):
            frame.to_parquet(staging / f"{name}.parquet", index=False)
    write_json(staging / "meta.json", context.meta)
    return publish_dir(staging, folder)


def _read(folder: Path, name: str, key: str, province: str | None) -> pd.DataFrame | None:
    path = folder / f"{name}.parquet"
    if not path.is_file():
        return None
    f = ds.field("context") == key
    if province is not None and name in ("units", "grid"):
        f = f & (ds.field("province_code") == province)
    elif province is not None and name == "areas":
        f = f & ds.field("region_code").isin([province, regions.NATIONAL_CODE])
    elif province is not None and name == "scorecard":
        f = f & _starts_with("for_region_code", province[:2])
    return pq.read_table(path, filters=f).to_pandas(types_mapper=_types)


def _starts_with(column: str, prefix: str) -> ds.Expression:
    import pyarrow.compute as pc

    return pc.starts_with(ds.field(column), prefix)


def _types(t: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype()
    return None


def read_context(folder: str | Path, key: str, province: str | None = None) -> Context:
    """The context written by :func:`write_context` for parameters ``key`` (:func:`context_key`),
    optionally only the rows of one province (read with Parquet filters)."""
    folder = Path(folder)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise ParameterError(f"context_path {str(folder)!r} holds no district context (meta.json)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if key not in meta:
        raise ParameterError(
            f"context_path {str(folder)!r} was prepared for other parameters "
            "(data_source, years, check_level, k_pp); run district.prepare again"
        )
    units = _read(folder, "units", key, province)
    grid = _read(folder, "grid", key, province)
    areas = _read(folder, "areas", key, province)
    card = _read(folder, "scorecard", key, province)
    return Context(
        units if units is not None else pd.DataFrame(),
        grid if grid is not None else pd.DataFrame(),
        areas if areas is not None else pd.DataFrame(),
        card,
        {key: meta[key]},
    )


def prepare(
    *, run_dir: str | Path, parameter_sets: Sequence[Mapping[str, Any]], **_: Any
) -> dict[str, Any]:
    """The batch runner's once-per-run hook (``qualitykit.prepare: "qualitykit.report.district:prepare"``).

    Groups the parameter sets by the parameters that shape the context (missing ones take
    :data:`DEFAULTS`), builds one context per group for the provinces of its districts, writes
    them to ``<run_dir>/shared/district_context`` and returns ``{"context_path": <that folder>}``
    for every task."""
    groups: dict[str, dict[str, Any]] = {}
    for pset in parameter_sets:
        params = {k: pset.get(k, v) for k, v in DEFAULTS.items()}
        code = pset.get("region_code")
        if not isinstance(code, str):
            continue
        key = context_key(**params)
        g = groups.setdefault(key, {"params": params, "provinces": set()})
        g["provinces"].add(code[:2] + "0000")
    merged: Context | None = None
    for g in groups.values():
        ctx = build_context(sorted(g["provinces"]), **g["params"])
        merged = ctx if merged is None else _merge(merged, ctx)
    if merged is None:
        merged = Context(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), None, {})
    folder = Path(run_dir) / "shared" / CONTEXT_DIR
    write_context(merged, folder)
    return {"context_path": str(folder)}


def _merge(a: Context, b: Context) -> Context:
    def cat(x: pd.DataFrame | None, y: pd.DataFrame | None) -> pd.DataFrame | None:
        parts = [f for f in (x, y) if f is not None and len(f.columns)]
        return pd.concat(parts, ignore_index=True) if parts else None

    return Context(
        cat(a.units, b.units),  # type: ignore[arg-type]
        cat(a.grid, b.grid),  # type: ignore[arg-type]
        cat(a.areas, b.areas),  # type: ignore[arg-type]
        cat(a.scorecard, b.scorecard),
        {**a.meta, **b.meta},
    )


# --------------------------------------------------------------------------------------------
# one district
# --------------------------------------------------------------------------------------------


@dataclass
class DistrictBrief:
    """Everything a district brief shows (``None`` where the district has no data).

    ``rate`` — one row of :func:`qualitykit.stats.metrics.rates` over the window; ``yearly`` — rates by
    year; ``trend`` — :class:`qualitykit.stats.trends.TrendResult`; ``trend_table`` — its fitted rows
    with the yearly Wilson intervals (for :func:`qualitykit.report.plots.trend_figure`); ``areas`` —
    district, province and nation side by side (``area``, ``region_code``, ``name``, ``batches``,
    ``passed``, ``pass_rate``, ``ci_lower``, ``ci_upper``); ``position`` — the district's row of
    the province comparison (:class:`UnitComparison` columns + ``province_name``); ``siblings``
    and ``grid`` — the province's districts and funnel lines (for the funnel figure); ``items``
    — Pareto table of the nonconforming items; ``targets`` — the district's scorecard rows;
    ``summary`` — the fields of ``summary.json``."""

    rate: pd.DataFrame | None
    yearly: pd.DataFrame | None
    trend: Any
    trend_table: pd.DataFrame | None
    areas: pd.DataFrame | None
    position: pd.DataFrame | None
    siblings: pd.DataFrame | None
    grid: pd.DataFrame | None
    items: pd.DataFrame | None
    targets: pd.DataFrame | None
    summary: dict[str, Any]


def _context_for(ctx: Any, context_path: str, k_pp: float) -> Context:
    params = {
        "data_source": ctx.params.get("data_source", ""),
        "year_from": ctx.years[0],
        "year_to": ctx.years[1],
        "check_level": ctx.params.get("check_level", "all"),
        "k_pp": k_pp,
    }
    province = regions.parent_code(ctx.region_code, "province")
    if context_path:
        return read_context(context_path, context_key(**params), province)
    return build_context([province], **params)


def target_status(card: pd.DataFrame | None) -> str | None:
    """One status for the index page from a district's scorecard rows: the least favourable of
    the evaluated targets (not_met < off_track < on_track < met); ``no_data`` when none could
    be evaluated; None when no target applies."""
    if card is None or len(card) == 0 or "status" not in card:
        return None
    statuses = set(card["status"].astype(str))
    for s in _STATUS_ORDER:
        if s in statuses:
            return s
    return "no_data"


def analyse(ctx: Any, *, context_path: str = "", k_pp: float = DEFAULTS["k_pp"]) -> DistrictBrief:
    """The brief of the district of ``ctx`` (a :class:`qualitykit.report.framework.Report` with a
    county-level ``region_code`` and ``years``), with the shared context read from
    ``context_path`` (a :func:`prepare` folder) or built for its province when empty."""
    from qualitykit.report.framework import with_intervals
    from qualitykit.stats import metrics, pareto, trends

    code = ctx.region_code
    province = regions.parent_code(code, "province")
    context = _context_for(ctx, context_path, k_pp)
    key = next(iter(context.meta))
    units = context.units
    siblings = units[units["province_code"] == province] if len(units) else None
    grid = context.grid[context.grid["province_code"] == province] if len(context.grid) else None
    card = None
    if context.scorecard is not None and "for_region_code" in context.scorecard:
        card = context.scorecard[
            (context.scorecard["for_region_code"] == code)
            & (context.scorecard["status"] != "qualitative")
        ].reset_index(drop=True)
        card = card.drop(columns=["context"], errors="ignore")
    name = regions.name(code, ctx.lang)
    prov_name = regions.name(province, ctx.lang)
    y0, y1 = ctx.years
    title = f"{name} · {'质量简报' if ctx.lang == 'zh' else 'quality brief'} {y0}–{y1}"
    summary: dict[str, Any] = {
        "title": title,
        "name": name,
        "region_code": code,
        "province": prov_name,
        "city": regions.name(regions.parent_code(code, "city"), ctx.lang)
        if regions.lookup(code)["level"] == "county"
        else None,
        "year_from": y0,
        "year_to": y1,
        "data_status": "ok" if ctx.has_data else "no_data",
        "batches": 0,
        "passed": 0,
        "pass_rate": None,
        "ci_lower": None,
        "ci_upper": None,
        "trend_pp": None,
        "trend_lower_pp": None,
        "trend_upper_pp": None,
        "trend_direction": None,
        "province_pass_rate": None,
        "gap_province_pp": None,
        "funnel_flag": None,
        "funnel_flag_95": None,
        "z": None,
        "rank": None,
        "rank_lower": None,
        "rank_upper": None,
        "n_districts": None if siblings is None else int(len(siblings)),
        "shrunk_rate": None,
        "top_item": None,
        "top_item_share": None,
        "target_status": target_status(card),
        "context": key,
    }
    areas_all = context.areas
    prov_row = areas_all[areas_all["region_code"] == province] if len(areas_all) else areas_all
    if len(prov_row):
        summary["province_pass_rate"] = float(prov_row["pass_rate"].iloc[0])
    if not ctx.has_data:
        return DistrictBrief(
            None, None, None, None, None, None, siblings, grid, None, card, summary
        )

    records = ctx.records()
    rate = metrics.rates(records)
    yearly = metrics.rates(records, by="year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)  # few years: NaN terms, said in text
        trend = trends.glm_trend(records, n_sim=2000)
    trend_table = with_intervals(trend.fitted, yearly)
    pos = None
    if siblings is not None and len(siblings):
        row = siblings[siblings["region_code"] == code]
        if len(row):
            pos = (
                row.drop(columns=["context"]).reset_index(drop=True).assign(province_name=prov_name)
            )
    own = rate.assign(area="district", region_code=code, name=name)
    rows = [own]
    for area, rc in (("province", province), ("national", regions.NATIONAL_CODE)):
        r = areas_all[areas_all["region_code"] == rc]
        if len(r):
            label = prov_name if area == "province" else ("全国" if ctx.lang == "zh" else "China")
            rows.append(r.drop(columns=["context"]).assign(area=area, name=label))
    cols = ["area", "region_code", "name", "batches", "passed", "pass_rate", "ci_lower", "ci_upper"]
    areas = pd.concat([r[cols] for r in rows], ignore_index=True)
    nc = ctx.nonconformities()
    items = pareto.pareto_table(nc, "item", max_categories=TOP_ITEMS) if len(nc) else None

    r0 = rate.iloc[0]
    mean = trend.terms[trend.terms["term"] == "change_pp_per_year_mean"].iloc[0]
    slope = trend.terms[trend.terms["term"] == "slope_logit"].iloc[0]
    direction = None
    trend_ok = trend.n_points >= 3 and np.isfinite(slope["ci_lower"])
    if trend_ok:
        direction = (
            "rising" if slope["ci_lower"] > 0 else "falling" if slope["ci_upper"] < 0 else "flat"
        )
    summary.update(
        batches=int(r0["batches"]),
        passed=int(r0["passed"]),
        pass_rate=float(r0["pass_rate"]),
        ci_lower=float(r0["ci_lower"]),
        ci_upper=float(r0["ci_upper"]),
        trend_pp=float(mean["estimate"]) if trend_ok else None,
        trend_lower_pp=float(mean["ci_lower"]) if trend_ok else None,
        trend_upper_pp=float(mean["ci_upper"]) if trend_ok else None,
        trend_direction=direction,
    )
    if summary["province_pass_rate"] is not None:
        summary["gap_province_pp"] = 100.0 * (summary["pass_rate"] - summary["province_pass_rate"])
    if pos is not None:
        p = pos.iloc[0]
        summary.update(
            funnel_flag=str(p["flag_998"]),
            funnel_flag_95=str(p["flag_95"]),
            z=float(p["z"]),
            rank=float(p["rank"]),
            rank_lower=float(p["rank_lower"]),
            rank_upper=float(p["rank_upper"]),
            shrunk_rate=float(p["shrunk_rate"]),
        )
    if items is not None and len(items):
        top = items.iloc[0]
        summary.update(top_item=str(top["item"]), top_item_share=float(top["share"]))
    return DistrictBrief(
        rate, yearly, trend, trend_table, areas, pos, siblings, grid, items, card, summary
    )
