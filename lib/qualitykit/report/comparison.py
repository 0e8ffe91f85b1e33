"""The fair comparison of sibling units: funnel, overdispersion, rank intervals, shrinkage and the
"k pp above the parent average" verdict (used by ``03_regional_benchmark`` and the district brief).

* :func:`unit_table` — the units of a parent *in the data*, from counts of any shape: the
  provinces of the nation, the cities of a province, the districts of a city, or every county-level
  unit; a declared non-standard unit (开发区 …, code ``X<parent>-<NN>``) is a unit of its own
  wherever county-level units are compared — never merged into its parent, never dropped;
* :func:`child_counts` — the same from records (the sample's divisions);
* :func:`compare_units` → :class:`UnitComparison`;
* :func:`degenerate_shrinkage` — whether the empirical-Bayes fit pooled the units completely;
* :data:`MIN_UNITS` — fewer units than this give a note instead of a funnel, ranks or shrinkage.

The parts of a comparison that do not depend on ``k_pp`` or a parent figure (funnel, rank
intervals by simulation, shrinkage) are kept for the last :data:`CACHE_SIZE` unit tables of the
process (keyed by the table's contents, ``adjust``, ``draws`` and an integer ``seed``): the
further reports of a batch on the same units (other ``k_pp``, another highlighted unit) reuse
them — the same numbers, computed once (issue 10).
"""

from __future__ import annotations

import hashlib
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.data import regions
from qualitykit.data.source import Source
from qualitykit.errors import NoDataError, ParameterError, QualityKitWarning

__all__ = [
    "MIN_UNITS",
    "RANK_DRAWS",
    "UnitComparison",
    "child_counts",
    "compare_units",
    "degenerate_shrinkage",
    "unit_table",
]

RANK_DRAWS = 1000
CACHE_SIZE = 4
_STATS: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
MIN_UNITS = 3
"""Units needed for a funnel plot, rank intervals or shrunken estimates: with fewer, the pooled
average is essentially the units themselves, and the report says so instead of drawing."""


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
    parent_batches: int | None = None,
    parent_passed: int | None = None,
) -> UnitComparison:
    """Funnel, ranks, shrinkage and the "k pp above the parent average" verdict for sibling
    units (``units``: one row per unit with ``batches`` > 0 and ``passed``; label columns kept).

    Funnel limits: Spiegelhalter (2005, Stat Med 24:1185) exact binomial limits around the pooled
    rate, widened by √φ when the units are significantly overdispersed (``adjust="phi"``,
    Spiegelhalter 2005 QSHC 14:347); ranks: Goldstein & Spiegelhalter (1996) by simulation
    (``draws``, ``seed``); shrinkage: beta-binomial empirical Bayes (Efron & Morris 1975);
    relative target: :func:`qualitykit.stats.benchmark.relative_target` (unit included in the parent
    average, as the documents' published averages include it) — against the pooled rate of the
    units, or against ``parent_batches`` / ``parent_passed`` (a published parent figure)."""
    from qualitykit.stats import benchmark, metrics

    if len(units) == 0:
        raise NoDataError("no units to compare")
    base = units.reset_index(drop=True)
    ci = metrics.binomial_ci(base["passed"].to_numpy(), base["batches"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QualityKitWarning)  # k < 2 etc.: documented NaNs below
        fu, grid, ri, eb = _unit_stats(base, adjust, draws, seed)
        if eb is not None:
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
        rt = benchmark.relative_target(
            base, k_pp=k_pp, parent_batches=parent_batches, parent_passed=parent_passed
        )
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


def _unit_stats(
    base: pd.DataFrame, adjust: str, draws: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """funnel_units, funnel_grid, rank_intervals and eb_shrinkage of ``base`` (the last two None
    for a single unit) — from the process's cache when the same table was compared before with
    the same ``adjust``, ``draws`` and integer ``seed``; copies, so a caller may change them."""
    from qualitykit.stats import benchmark

    key: tuple[Any, ...] | None = None
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        h = hashlib.sha256()
        h.update(repr([(str(c), str(t)) for c, t in base.dtypes.items()]).encode())
        try:
            h.update(pd.util.hash_pandas_object(base, index=False).to_numpy().tobytes())
            key = (h.hexdigest(), str(adjust), int(draws), int(seed))
        except TypeError:  # a column of unhashable objects: compute, do not cache
            key = None
    hit = _STATS.get(key) if key is not None else None
    if hit is None:
        fu = benchmark.funnel_units(base, adjust=adjust)  # type: ignore[arg-type]
        grid = benchmark.funnel_grid(base, adjust=adjust)  # type: ignore[arg-type]
        two = len(base) >= 2
        ri = benchmark.rank_intervals(base, draws=draws, seed=seed) if two else None
        eb = benchmark.eb_shrinkage(base) if two else None
        hit = (fu, grid, ri, eb)
        if key is not None:
            _STATS[key] = hit
            while len(_STATS) > CACHE_SIZE:
                _STATS.popitem(last=False)
    else:
        _STATS.move_to_end(key)
    return tuple(None if f is None else f.copy(deep=True) for f in hit)  # type: ignore[return-value]


def clear_cache() -> None:
    """Forget the cached comparisons (tests, benchmarks of a single report)."""
    _STATS.clear()


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


def degenerate_shrinkage(cmp: UnitComparison) -> bool:
    """The beta-binomial fit found no extra-binomial variation (Tarone's test) and pooled the
    units completely (α + β at its cap): every shrunken estimate is the common mean with a
    posterior interval that says nothing about the unit (e.g. 0.1 points from 127 batches)."""
    return bool(cmp.prior.get("pooled", False))


def _child_of(code: str, parent_level: str, unit_level: str, source: Source | None) -> str:
    from qualitykit.report.sources import _anchor, unit_city

    if unit_level == "county" or parent_level == "city":
        return code
    anchor = _anchor(source, code)
    if parent_level == "national":
        return anchor[:2] + "0000"
    if anchor == anchor[:2] + "0000":  # a unit declared directly under its province
        return code
    return unit_city(source, code) or code  # 济源市 and the like have no city: their own unit


def unit_table(
    counts: pd.DataFrame,
    parent_code: str,
    *,
    unit_level: str = "child",
    source: Source | None = None,
) -> pd.DataFrame:
    """The units of ``parent_code`` in ``counts`` (``region_code``, ``batches``, ``passed``, any
    other columns summed over; already restricted to the parent, e.g. ``Report.counts()``).

    ``unit_level="child"``: the provinces of the nation, the cities of a province (a district's
    batches count with its city, a zone's with the city it lies in), the county-level units of a
    city; ``"county"``: every county-level unit within the parent. A declared non-standard unit
    (``source.declared``) is a county-level unit of its own. Units without batches are left out.

    Columns: ``region_code``, ``name_zh``, ``name_en`` (Chinese where no English name is known),
    ``batches``, ``passed``, ``nonconforming``, sorted by code."""
    from qualitykit.report.sources import unit_level as level_of
    from qualitykit.report.sources import unit_name

    if unit_level not in ("child", "county"):
        raise ParameterError(f"unit_level must be 'child' or 'county', got {unit_level!r}")
    plevel = level_of(source, parent_code)
    if plevel == "county" and unit_level == "child":
        raise ParameterError(
            f"{parent_code} ({unit_name(source, parent_code)}) is a county-level division: it has "
            "no children to compare"
        )
    codes = counts["region_code"].astype("string")
    child = {c: _child_of(str(c), plevel, unit_level, source) for c in codes.dropna().unique()}
    frame = pd.DataFrame(
        {
            "region_code": codes.map(child).astype("string"),
            "batches": counts["batches"].to_numpy(np.int64),
            "passed": counts["passed"].to_numpy(np.int64),
        }
    )
    out = frame.groupby("region_code", sort=True)[["batches", "passed"]].sum().reset_index()
    out = out[out["batches"] > 0].reset_index(drop=True)
    out["nonconforming"] = out["batches"] - out["passed"]
    names = {
        c: (unit_name(source, c, "zh"), unit_name(source, c, "en")) for c in out["region_code"]
    }
    out.insert(1, "name_zh", out["region_code"].map(lambda c: names[c][0]).astype("string"))
    out.insert(2, "name_en", out["region_code"].map(lambda c: names[c][1]).astype("string"))
    return out
