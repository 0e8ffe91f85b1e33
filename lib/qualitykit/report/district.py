"""The analysis behind ``05_district_report``: one brief per district, fast, for batch runs.

A batch run reports every district of a province (or of China: ~2,850). Work that is the same for
every district — the funnel, rank intervals and shrunken estimates of the province's units, the
comparison parent's pass rate, the district scorecards — is done **once per run** by
:func:`prepare` (named in the notebook's metadata ``qualitykit.prepare``; the batch runner calls it
in the parent process) and written to a folder whose path is the notebook parameter
``context_path``. Each district's notebook then reads only its own slice of the data (dataset
pushdown, or the opened table) and its province's rows of the context (Parquet filters) in
:func:`analyse`.

Interactively (``context_path=""``) :func:`analyse` builds the context of the district's own
province in memory; the numbers are the same.

Any shape with pass rates works: the synthetic sample or a user's records, or a counts table
(one row per unit × period). A unit is compared with the units of its province *in the data*;
the sample covers the province, a user's table usually a part of it, and the report then names
the comparison parent for what it is (the data's own total, "本数据中巴中市合计", or a published
figure with its source) — never 全省 or 全国. A declared non-standard unit (经开区, code
``X511900-01``) has a brief of its own; :func:`units_within` tells the batch runner about such
units (``--each district`` takes its list from the region table, which does not know them).

Functions
---------
* re-exported from :mod:`qualitykit.report.comparison`: :func:`compare_units` (funnel,
  overdispersion, rank intervals, shrinkage and the "k pp above" verdict), :func:`child_counts`,
  :func:`unit_table`, :func:`degenerate_shrinkage`;
* :func:`build_context`, :func:`write_context`, :func:`read_context`, :func:`prepare`,
  :func:`units_within` (what each brief reads, for ``--update``:
  :func:`qualitykit.report.district_inputs.report_inputs`);
* :func:`analyse` → :class:`DistrictBrief` (rates, trend, position, Pareto, targets, summary).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.data import regions
from qualitykit.data.shapes import ShapeError
from qualitykit.errors import NoDataError, QualityKitWarning
from qualitykit.policy.status import headline_status
from qualitykit.report.comparison import (  # re-exported: notebooks call district.<name>
    MIN_UNITS,
    RANK_DRAWS,
    UnitComparison,
    child_counts,
    compare_units,
    degenerate_shrinkage,
    unit_table,
)
from qualitykit.report.district_context import (  # re-exported: notebooks call district.<name>
    Context,
    read_context,
    write_context,
)
from qualitykit.report.narrative import ok

__all__ = [
    "DEFAULTS",
    "MIN_UNITS",
    "RANK_DRAWS",
    "RECORD_COLUMNS",
    "Context",
    "DistrictBrief",
    "UnitComparison",
    "analyse",
    "build_context",
    "child_counts",
    "compare_units",
    "context_key",
    "degenerate_shrinkage",
    "prepare",
    "read_context",
    "unit_table",
    "units_within",
    "write_context",
]

DEFAULTS: dict[str, Any] = {
    "year_from": 2015,
    "year_to": 2024,
    "check_level": "all",
    "data_source": "",
    "k_pp": 2.0,
    "period": "",
    "units_file": "",
    "parent_figure_file": "",
}
"""Defaults of the parameters of ``05_district_report`` that shape the shared context (the
notebook's parameters cell must agree: ``tests/test_district.py`` checks it). :func:`prepare`
fills them in for parameter sets that do not name them."""

RECORD_COLUMNS: tuple[str, ...] = ("batch_id", "year", "passed")
"""The record columns a district brief reads."""

CONTEXT_DIR = "district_context"
TOP_ITEMS = 8


# --------------------------------------------------------------------------------------------
# the shared context
# --------------------------------------------------------------------------------------------


def context_key(
    data_source: str = "",
    year_from: int = 2015,
    year_to: int = 2024,
    check_level: str = "all",
    k_pp: float = 2.0,
    period: str = "",
    units_file: str = "",
    parent_figure_file: str = "",
) -> str:
    """A short key naming the parameters that shape the context (one run may mix several)."""
    values: list[Any] = [
        str(data_source), int(year_from), int(year_to), str(check_level), float(k_pp)
    ]  # fmt: skip
    extra = [str(period or ""), str(units_file or ""), str(parent_figure_file or "")]
    if any(extra):  # the data's options, when given (keys of runs without them are unchanged)
        values += extra
    text = json.dumps(values)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _counts_by_unit(src: Any, years: tuple[int, int], levels: list[str] | None) -> pd.DataFrame:
    """``region_code, batches, passed`` of every unit of the data over the years."""
    from qualitykit.data import dataset

    if src.dataset is not None:  # the sample's layout: two columns of the whole data set
        try:
            recs = dataset.open_records(
                src.dataset, None, years, levels, columns=["region_code", "passed"]
            )
        except NoDataError:
            recs = pd.DataFrame(
                {"region_code": pd.Series(dtype="string"), "passed": pd.Series(dtype=bool)}
            )
        out = dataset.aggregate(recs, by="region_code")
    else:
        try:
            c = src.counts(None, years, levels)
        except (NoDataError, ShapeError):  # no batches (item counts) or no units: no context
            c = pd.DataFrame(
                {"region_code": pd.Series(dtype="string"), "batches": [], "passed": []}
            )
        out = c.groupby("region_code", sort=True)[["batches", "passed"]].sum().reset_index()
    out["region_code"] = out["region_code"].astype("string")
    return out


def _area_row(province: str, code: str, batches: int, passed: int, label: tuple[str, str],
              kind: str, source: str, od: Mapping[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    od = od or {}
    return {
        "province_code": province,
        "region_code": code,
        "batches": int(batches),
        "passed": int(passed),
        "phi": od.get("phi", np.nan),
        "phi_p_value": od.get("p_value", np.nan),
        "overdispersed": bool(od.get("overdispersed", False)),
        "label_zh": label[0],
        "label_en": label[1],
        "kind": kind,
        "source": source,
    }


def build_context(
    provinces: Sequence[str],
    *,
    data_source: str = DEFAULTS["data_source"],
    year_from: int = DEFAULTS["year_from"],
    year_to: int = DEFAULTS["year_to"],
    check_level: str = DEFAULTS["check_level"],
    k_pp: float = DEFAULTS["k_pp"],
    period: str = DEFAULTS["period"],
    units_file: str = DEFAULTS["units_file"],
    parent_figure_file: str = DEFAULTS["parent_figure_file"],
    scorecards: bool = True,
    cache: Any = None,
) -> Context:
    """The shared context of the districts of ``provinces`` (codes ``PP0000``) for one set of
    parameters: the data's units counted once (for the sample's layout one read of two columns
    of the whole data set — the national aggregate needs it), then :func:`compare_units` over the
    units of each province in the data and the district scorecards
    (:func:`qualitykit.policy.scorecard.scorecard_for_districts`, as of ``year_to``).

    The units compared are those *in the data*: for the synthetic sample every district of the
    province, compared with the province; for a user's table the units it holds (a declared
    non-standard unit among them, as a unit of its own), compared with the smallest division that
    holds them all, labelled as the data's own total of it ("本数据中巴中市合计"), or with a published
    figure of that division given in ``parent_figure_file`` (the "k pp above" gap then uses it).

    With ``cache`` (the batch runner's :func:`prepare`), each province's part — its units'
    comparison, funnel lines, pooled rows and scorecards — is reused from an earlier run when
    its units' counts, its data slice, the parameters and the code are the same
    (:class:`~qualitykit.report.district_parts.PartCache`); the result is the same."""
    from qualitykit.report import district_parts as parts
    from qualitykit.report import sources
    from qualitykit.report.framework import check_levels
    from qualitykit.stats import metrics

    src = sources.open_data(
        data_source, period=period, units_file=units_file, parent_figure_file=parent_figure_file
    )
    complete = sources.is_complete(src)
    levels = check_levels(check_level)
    key = context_key(
        data_source, year_from, year_to, check_level, k_pp, period, units_file, parent_figure_file
    )
    provinces = sorted({regions.parent_code(p, "province") for p in provinces})
    by_unit = _counts_by_unit(src, (year_from, year_to), levels)
    prov_of = {c: sources.unit_province(src, c) for c in by_unit["region_code"].unique()}
    by_unit = by_unit.assign(province_code=by_unit["region_code"].map(prov_of).astype("string"))
    unit_tables, grids, areas, cards = [], [], [], []
    if complete:
        national = by_unit[["batches", "passed"]].sum()
        areas.append(_area_row(regions.NATIONAL_CODE, regions.NATIONAL_CODE, national["batches"], national["passed"],
                               ("全国", "China"), "data_total", "synthetic sample"))  # fmt: skip
    registry: list[Any] = []  # the targets, read once and only when a scorecard is made
    in_data = sorted(str(p) for p in by_unit["province_code"].dropna().unique())
    for prov in provinces:
        units = by_unit[(by_unit["province_code"] == prov) & (by_unit["batches"] > 0)]
        units = units.drop(columns="province_code").reset_index(drop=True)

        def part(prov: str = prov, units: pd.DataFrame = units) -> tuple[Any, ...]:
            return parts.province_part(prov, units, src, complete, k_pp, (year_from, year_to),
                                       registry if scorecards else None)  # fmt: skip

        use_cache = cache is not None and complete and src.dataset is not None
        tab, grid, rows, card, _ = (
            cache.part(key, prov, units, src.dataset, part, in_data) if use_cache else part()
        )
        areas.extend(rows)
        if tab is not None:
            unit_tables.append(tab)
            grids.append(grid)
        if card is not None and len(card):
            cards.append(card)
    area = pd.DataFrame(areas)
    if len(area):
        area["batches"] = area["batches"].astype("int64")
        area["passed"] = area["passed"].astype("int64")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QualityKitWarning)
            ci = metrics.binomial_ci(area["passed"].to_numpy(), area["batches"].to_numpy())
        area.insert(4, "pass_rate", ci["estimate"].to_numpy())
        area.insert(5, "ci_lower", ci["ci_lower"].to_numpy())
        area.insert(6, "ci_upper", ci["ci_upper"].to_numpy())
    units_all = pd.concat(unit_tables, ignore_index=True) if unit_tables else pd.DataFrame()
    grid_all = pd.concat(grids, ignore_index=True) if grids else pd.DataFrame()
    card = pd.concat(cards, ignore_index=True) if cards else None
    if card is not None:
        card = card.astype({c: "string" for c in card.columns if card[c].dtype == object})
    frames = [units_all, grid_all, area] + ([card] if card is not None else [])
    for f in frames:
        f.insert(0, "context", key)
    params = {
        "data_source": data_source,
        "year_from": int(year_from),
        "year_to": int(year_to),
        "check_level": check_level,
        "k_pp": float(k_pp),
        "period": period,
        "units_file": units_file,
        "parent_figure_file": parent_figure_file,
        "provinces": provinces,
    }
    return Context(units_all, grid_all, area, card, {key: params})


def _published(src: Any, code: str, years: tuple[int, int]) -> Any:
    """A published figure of ``code`` the user supplied (``parent_figure_file``), or None."""
    if src.parent_figures is None:
        return None
    fig = src.parent_figure(code, years)
    return fig if fig.kind == "published" else None


def _data_params(params: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(params.get(k) or "") for k in ("period", "units_file", "parent_figure_file")}


def prepare(
    *,
    run_dir: str | Path,
    parameter_sets: Sequence[Mapping[str, Any]],
    data_fingerprint: Any = None,
    versions: Mapping[str, Any] | None = None,
    **_: Any,
) -> dict[str, Any]:
    """The batch runner's once-per-run hook (``qualitykit.prepare: "qualitykit.report.district:prepare"``).

    Groups the parameter sets by the parameters that shape the context (missing ones take
    :data:`DEFAULTS`), builds one context per group for the provinces of its districts (a
    declared non-standard unit: the province it lies in), writes them to
    ``<run_dir>/shared/district_context`` and returns ``{"context_path": <that folder>}`` for
    every task. Works for records and counts alike. Given ``data_fingerprint`` (the runner's
    :func:`~qualitykit.run.manifest.data_fingerprint`) and ``versions`` (package versions and
    code fingerprint), each province's part is kept in ``<run_dir>/shared/district_parts`` and
    reused by the next run into the same folder (``--update``, ``--resume``) while its inputs
    are unchanged (:class:`~qualitykit.report.district_parts.PartCache`)."""
    from qualitykit.report import sources

    groups: dict[str, dict[str, Any]] = {}
    for pset in parameter_sets:
        params = {k: pset.get(k, v) for k, v in DEFAULTS.items()}
        code = pset.get("region_code")
        if not isinstance(code, str):
            continue
        key = context_key(**params)
        if key not in groups:  # the data opened once per group
            src = sources.open_data(params["data_source"], **_data_params(params))
            groups[key] = {"params": params, "provinces": set(), "src": src}
        g = groups[key]
        g["provinces"].add(sources.unit_province(g["src"], code))
    cache = None
    if data_fingerprint is not None:
        from qualitykit.report.district_parts import PARTS_DIR, PartCache

        cache = PartCache(Path(run_dir) / "shared" / PARTS_DIR, data_fingerprint, versions or {})
    merged: Context | None = None
    for g in groups.values():
        ctx = build_context(sorted(g["provinces"]), **g["params"], cache=cache)
        merged = ctx if merged is None else _merge(merged, ctx)
    if merged is None:
        merged = Context(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), None, {})
    folder = Path(run_dir) / "shared" / CONTEXT_DIR
    write_context(merged, folder)
    if cache is not None:
        cache.forget_unused()
    return {"context_path": str(folder)}


def units_within(*, within: str, level: str, parameters: Mapping[str, Any], **_: Any) -> list[str]:
    """The batch runner's unit hook (``qualitykit.units_from``): the units of the data within
    ``within`` that the region table does not list — the declared non-standard units (经开区 …)
    — so that ``--each district`` gives each of them a brief too. Only at the county level; none
    for the sample, whose units are the divisions of the region table."""
    from qualitykit.data.units import _inside
    from qualitykit.report import sources

    if level != "county":
        return []
    src = sources.open_data(str(parameters.get("data_source") or ""), **_data_params(parameters))
    if src.dataset is not None or not len(src.declared):
        return []
    units = src.units
    own = units[(units["kind"] == "non-standard")]
    return [
        str(c) for c in own["code"] if within == regions.NATIONAL_CODE or _inside(str(c), within)
    ]


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
    year; ``trend`` — :class:`qualitykit.stats.trends.TrendResult` (None with fewer than
    :data:`MIN_PERIODS` periods: no trend is fitted, drawn or stated); ``trend_table`` — its fitted
    rows with the yearly Wilson intervals (for :func:`qualitykit.report.plots.trend_figure`);
    ``areas`` — the district, its comparison parent (``parent``) and, for the synthetic sample,
    the nation side by side (``area``, ``region_code``, ``name``, ``batches``, ``passed``,
    ``pass_rate``, ``ci_lower``, ``ci_upper``); ``position`` — the district's row of the
    comparison with the province's units in the data (:class:`UnitComparison` columns +
    ``province_name``); ``siblings`` and ``grid`` — those units and the funnel lines (for the
    funnel figure); ``items`` — Pareto table of the nonconforming items; ``targets`` — the
    district's scorecard rows; ``summary`` — the fields of ``summary.json``; ``parent`` — the
    benchmark (``code``, ``label``, ``batches``, ``passed``, ``pass_rate``, ``kind``: a published
    figure when given, else the data's own total); ``funnel_label`` — what the funnel's centre is
    (the data's own total of the comparison parent, or the province for the sample);
    ``n_periods`` — the years with data; ``shrinkage_degenerate`` — the shrunken estimates pooled
    every unit completely (:func:`degenerate_shrinkage`) and are not reported; ``complete`` — the
    data cover the province (the synthetic sample); ``overdispersion`` — ``phi``, ``p_value``,
    ``overdispersed`` of the units compared (empty without a comparison)."""

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
    parent: dict[str, Any] = field(default_factory=dict)
    funnel_label: str = ""
    n_periods: int = 0
    shrinkage_degenerate: bool = False
    complete: bool = True
    overdispersion: dict[str, Any] = field(default_factory=dict)


MIN_PERIODS = 3
"""Periods needed for a trend (a binomial GLM slope with its interval; :mod:`qualitykit.stats.trends`)."""


def _context_for(ctx: Any, context_path: str, k_pp: float) -> Context:
    from qualitykit.report import sources

    years = ctx.requested_years or ctx.years
    params = {
        "data_source": ctx.params.get("data_source", ""),
        "year_from": years[0],
        "year_to": years[1],
        "check_level": ctx.params.get("check_level", "all"),
        "k_pp": k_pp,
        **_data_params(ctx.params),
    }
    province = sources.unit_province(ctx.data, ctx.region_code)
    if context_path:
        return read_context(context_path, context_key(**params), province)
    return build_context([province], **params)


def _areas_rows(context: Context, province: str) -> pd.DataFrame:
    areas = context.areas
    if not len(areas):
        return areas
    if "province_code" in areas:
        return areas[areas["province_code"].isin([province, regions.NATIONAL_CODE])]
    return areas


AREA_COLUMNS = ["area", "region_code", "name", "batches", "passed", "pass_rate", "ci_lower",
                "ci_upper"]  # fmt: skip


@dataclass
class _ProvinceView:
    """What every brief of one province (in one language) takes from the shared context:
    derived once per context and province (``Context.views``), not per district."""

    prov_name: str
    siblings: pd.DataFrame | None
    grid: pd.DataFrame | None
    areas_all: pd.DataFrame
    parent_row: pd.DataFrame
    parent: dict[str, Any]
    funnel_label: str
    area_rows: list[pd.DataFrame]
    positions: dict[str, pd.DataFrame]
    pooled: bool
    cards: dict[str, pd.DataFrame] | None
    no_card: pd.DataFrame | None


def _province_view(context: Context, province: str, lang: str, complete: bool) -> _ProvinceView:
    """The province's units, funnel lines, benchmark rows and scorecards of ``context``, with
    the labels of ``lang`` (kept in ``context.views``)."""
    key = (province, lang, complete)
    hit = context.views.get(key)
    if hit is not None:
        return hit
    units = context.units
    siblings = units[units["province_code"] == province] if len(units) else None
    if siblings is not None and not len(siblings):
        siblings = None
    grid = context.grid[context.grid["province_code"] == province] if len(context.grid) else None
    cards = no_card = None
    if context.scorecard is not None and "for_region_code" in context.scorecard:
        sc = context.scorecard[context.scorecard["status"] != "qualitative"]
        sc = sc.drop(columns=["context"], errors="ignore")
        no_card = sc.iloc[0:0].reset_index(drop=True)
        cards = {
            str(c): g.reset_index(drop=True)
            for c, g in sc.groupby("for_region_code", sort=False, observed=True)
        }
    prov_name = regions.name(province, lang)
    areas_all = _areas_rows(context, province)
    own_rows = (
        areas_all[(areas_all["region_code"] != regions.NATIONAL_CODE)]
        if len(areas_all)
        else areas_all
    )
    if complete and len(own_rows):
        own_rows = own_rows[own_rows["region_code"] == province]
    parent_row = (
        own_rows[own_rows["kind"] == "data_total"]
        if len(own_rows) and "kind" in own_rows
        else own_rows
    )
    published = (
        own_rows[own_rows["kind"] == "published"]
        if len(own_rows) and "kind" in own_rows
        else own_rows.iloc[0:0]
    )
    bench = published if len(published) else parent_row
    parent: dict[str, Any] = {}
    if len(bench):
        b = bench.iloc[0]
        parent = {
            "code": str(b["region_code"]),
            "label": str(b.get(f"label_{lang}", b.get("label_zh", prov_name))),
            "batches": int(b["batches"]),
            "passed": int(b["passed"]),
            "pass_rate": float(b["pass_rate"]),
            "kind": str(b.get("kind", "data_total")),
        }
    funnel_label = (
        str(parent_row.iloc[0].get(f"label_{lang}", prov_name)) if len(parent_row) else prov_name
    )
    rows = []
    nation = areas_all[areas_all["region_code"] == regions.NATIONAL_CODE] if complete else None
    for _, r in own_rows.iterrows():  # the benchmark(s): the province, or the data's parent
        area = "province" if complete else f"parent_{r.get('kind', 'data_total')}"
        label = prov_name if complete else str(r.get(f"label_{lang}", r.get("label_zh")))
        rows.append(pd.DataFrame([r]).assign(area=area, name=label))
    if nation is not None and len(nation):  # the sample covers the nation: its total is China's
        rows.append(nation.assign(area="national", name="全国" if lang == "zh" else "China"))
    positions = {}
    if siblings is not None:  # each unit's row as a brief shows it (with the province's name)
        rows_of = siblings.drop(columns=["context"]).assign(province_name=prov_name)
        positions = {
            str(c): g for c, g in rows_of.groupby("region_code", sort=False, observed=True)
        }
    view = _ProvinceView(
        prov_name, siblings, grid, areas_all, parent_row, parent, funnel_label,
        [r[AREA_COLUMNS] for r in rows], positions,
        siblings is not None and _pooled(siblings), cards, no_card,
    )  # fmt: skip
    context.views[key] = view
    return view


def analyse(ctx: Any, *, context_path: str = "", k_pp: float = DEFAULTS["k_pp"]) -> DistrictBrief:
    """The brief of the district of ``ctx`` (a :class:`qualitykit.report.framework.Report` with a
    county-level ``region_code`` — a declared non-standard unit too — and ``years``), with the
    shared context read from ``context_path`` (a :func:`prepare` folder) or built for its
    province when empty. Records or counts; item counts of a counts folder give the Pareto."""
    from qualitykit.report import sources
    from qualitykit.report.framework import with_intervals
    from qualitykit.stats import metrics, pareto, trends

    src = ctx.data
    code = ctx.region_code
    complete = sources.is_complete(src)
    province = sources.unit_province(src, code)
    context = _context_for(ctx, context_path, k_pp)
    key = next(iter(context.meta))
    lang = ctx.lang
    view = _province_view(context, province, lang, complete)
    siblings, grid = view.siblings, view.grid
    parent_row, parent, funnel_label = view.parent_row, view.parent, view.funnel_label
    card = view.cards.get(code, view.no_card) if view.cards is not None else None
    name = sources.unit_name(src, code, lang)
    prov_name = view.prov_name
    city = sources.unit_city(src, code)
    y0, y1 = ctx.years
    span = f"{y0}–{y1}" if y0 != y1 else str(y0)
    title = f"{name} · {'质量简报' if lang == 'zh' else 'quality brief'} {span}"
    summary: dict[str, Any] = {
        "title": title,
        "name": name,
        "region_code": code,
        "province": prov_name,
        "city": regions.name(city, lang) if city and city != code else None,
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
        "parent_code": parent.get("code"),
        "parent_label": parent.get("label"),
        "parent_pass_rate": parent.get("pass_rate"),
        "gap_parent_pp": None,
        "funnel_flag": None,
        "funnel_flag_95": None,
        "z": None,
        "z_adjusted": None,
        "phi": None,
        "phi_p_value": None,
        "rank": None,
        "rank_lower": None,
        "rank_upper": None,
        "n_districts": None if siblings is None else int(len(siblings)),
        "shrunk_rate": None,
        "top_item": None,
        "top_item_share": None,
        # the headline: the least favourable status (policy.status, its one home); None: no target
        "target_status": None if card is None else headline_status(card["status"]),
        "context": key,
    }
    if complete and len(parent_row):
        summary["province_pass_rate"] = float(parent_row["pass_rate"].iloc[0])
    if not ctx.has_data:
        return DistrictBrief(None, None, None, None, None, None, siblings, grid, None, card,
                             summary, parent, funnel_label, 0, False, complete)  # fmt: skip

    data = ctx.records() if ctx.shape == "records" else ctx.counts()
    rate = metrics.rates(data)
    yearly = metrics.rates(data, by="year")
    n_periods = int((yearly["batches"] > 0).sum())
    trend = trend_table = None
    if n_periods >= MIN_PERIODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QualityKitWarning)  # NaN terms, said in text
            trend = trends.glm_trend(data, n_sim=2000)
        trend_table = with_intervals(trend.fitted, yearly)
    pos = None
    degenerate = False
    if siblings is not None and len(siblings) >= MIN_UNITS:
        row = view.positions.get(code)
        if row is not None:
            pos = row.reset_index(drop=True)
            degenerate = view.pooled
    own = rate.assign(area="district", region_code=code, name=name)
    areas = pd.concat([own[AREA_COLUMNS], *view.area_rows], ignore_index=True)
    items = None
    if ctx.shape == "records":
        nc = ctx.nonconformities(["batch_id", "item"])  # the items only: no cause map, no join
        items = pareto.pareto_table(nc, "item", max_categories=TOP_ITEMS) if len(nc) else None
    elif ctx.supports("pareto"):
        ic = ctx.item_counts()
        items = (
            pareto.pareto_table(ic, "item", "nc_count", max_categories=TOP_ITEMS)
            if len(ic) and int(ic["nc_count"].sum())
            else None
        )

    r0 = rate.iloc[0]
    direction = None
    trend_ok = False
    if trend is not None:
        terms = trend.terms.set_index("term")  # one row per term
        mean = terms.loc["change_pp_per_year_mean"]
        slope = terms.loc["slope_logit"]
        trend_ok = trend.n_points >= MIN_PERIODS and np.isfinite(slope["ci_lower"])
        if trend_ok:
            direction = (
                "rising"
                if slope["ci_lower"] > 0
                else "falling"
                if slope["ci_upper"] < 0
                else "flat"
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
    if summary["parent_pass_rate"] is not None:
        summary["gap_parent_pp"] = 100.0 * (summary["pass_rate"] - summary["parent_pass_rate"])
    od: dict[str, Any] = {}  # the overdispersion test of the units compared (the funnel's)
    if pos is not None and len(parent_row) and "phi" in parent_row:
        a = parent_row.iloc[0]
        od = {"phi": _number(a.get("phi")), "p_value": _number(a.get("phi_p_value")),
              "overdispersed": bool(a.get("overdispersed", False))}  # fmt: skip
    if pos is not None:
        p = {c: pos[c].iat[0] for c in _POSITION_FIELDS if c in pos}  # not a 38-column row
        summary.update(
            funnel_flag=str(p["flag_998"]),
            funnel_flag_95=str(p["flag_95"]),
            z=float(p["z"]),
            z_adjusted=_number(p.get("z_adjusted")),
            phi=od.get("phi"),
            phi_p_value=od.get("p_value"),
            rank=float(p["rank"]),
            rank_lower=float(p["rank_lower"]),
            rank_upper=float(p["rank_upper"]),
            shrunk_rate=None if degenerate else float(p["shrunk_rate"]),
        )
    if items is not None and len(items):
        summary.update(
            top_item=str(items["item"].iat[0]), top_item_share=float(items["share"].iat[0])
        )
    return DistrictBrief(rate, yearly, trend, trend_table, areas, pos, siblings, grid, items, card,
                         summary, parent, funnel_label, n_periods, degenerate, complete, od)  # fmt: skip


_POSITION_FIELDS = ("flag_998", "flag_95", "z", "z_adjusted", "rank", "rank_lower", "rank_upper",
                    "shrunk_rate")  # fmt: skip
"""The columns of the district's position row that its summary takes."""


def _number(x: Any) -> float | None:
    """A finite float, else None (summary.json has null for what is not known)."""
    return float(x) if ok(x) else None


def _pooled(siblings: pd.DataFrame) -> bool:
    """The siblings' shrinkage pooled them completely: every unit's shrinkage weight is 1
    (within rounding) — the prior's precision at its cap (:func:`degenerate_shrinkage`)."""
    w = siblings["shrinkage"].to_numpy(dtype=float)
    return bool(len(w) and np.all(w > 1 - 1e-6))
