"""Weighted sums of stratum pass rates: direct standardisation and the output-weighted RPQ.

* :func:`standardise` — directly standardised pass rates Σ_s w_s·r_gs with the weights of a
  standard mix; Fay & Feuer (1997) *Stat Med* 16:791 gamma interval or the normal approximation;
* :func:`rpq_by_region`, :func:`rpq_national` — the output-weighted pass rate of the official RPQ
  (制造业产品质量合格率), layer 1 from the SAMR explainer "产品质量合格率解析", layer 2 inferred
  (see ``data/reference/README.md``, "Methods found" §1).

Input is a counts or records table as :func:`qualitykit.stats.metrics.aggregate_counts` reads it;
proportions in [0, 1].
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from qualitykit.errors import InputError, ParameterError, Problem, QualityKitWarning
from qualitykit.stats._checks import check_level
from qualitykit.stats.counts import _as_list, aggregate_counts
from qualitykit.stats.proportions import z_two_sided

__all__ = ["WeightedCIMethod", "rpq_by_region", "rpq_national", "standardise"]

WeightedCIMethod = Literal["fay_feuer", "normal"]


# ----------------------------------------------------------------------------------------------
# weighted sums of stratum rates: direct standardisation and RPQ
# ----------------------------------------------------------------------------------------------


def _weighted_combine(
    cells: pd.DataFrame, groups: list[str], conf: float, ci_method: str
) -> pd.DataFrame:
    """Σ w·p over sampled cells (batches > 0) per group, with an interval.

    ``cells``: groups + ``w`` (weights summing to 1 within group over the cells used) +
    ``batches`` (> 0) + ``passed``. The interval is computed for the nonconformity rate
    Σ w·x_nc/n and mapped to the pass rate (1 − upper, 1 − lower).
    """
    if ci_method not in ("fay_feuer", "normal"):
        raise ParameterError(f"ci_method must be 'fay_feuer' or 'normal', got {ci_method!r}")
    alpha = 1.0 - conf
    n = cells["batches"].to_numpy(dtype=float)
    x_nc = n - cells["passed"].to_numpy(dtype=float)
    w = cells["w"].to_numpy(dtype=float)
    wi = w / n  # weight per nonconforming batch
    p_nc = x_nc / n
    work = cells[groups].assign(
        _y=wi * x_nc,
        _v=wi * wi * x_nc,
        _wm=wi,
        _vn=w * w * p_nc * (1.0 - p_nc) / n,
    )
    if groups:
        g = work.groupby(groups, sort=True, observed=True, dropna=False)
        agg = g.agg(_y=("_y", "sum"), _v=("_v", "sum"), _wm=("_wm", "max"), _vn=("_vn", "sum"))
        agg = agg.reset_index()
    else:
        agg = pd.DataFrame(
            {
                "_y": [work["_y"].sum()],
                "_v": [work["_v"].sum()],
                "_wm": [work["_wm"].max() if len(work) else np.nan],
                "_vn": [work["_vn"].sum()],
            }
        )
    y, v, wm, vn = (agg[c].to_numpy(dtype=float) for c in ("_y", "_v", "_wm", "_vn"))
    with np.errstate(divide="ignore", invalid="ignore"):
        if ci_method == "fay_feuer":
            # Fay & Feuer (1997) gamma interval for a weighted sum of Poisson counts
            lo_nc = np.where(
                y > 0, v / (2.0 * y) * stats.chi2.ppf(alpha / 2.0, 2.0 * y * y / v), 0.0
            )
            vu, yu = v + wm * wm, y + wm
            hi_nc = vu / (2.0 * yu) * stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * yu * yu / vu)
        else:
            half = z_two_sided(conf) * np.sqrt(vn)
            lo_nc, hi_nc = y - half, y + half
    out = agg[groups].copy() if groups else pd.DataFrame(index=range(1))
    out["std_pass_rate"] = 1.0 - y
    out["std_nc_rate"] = y
    out["ci_lower"] = np.clip(1.0 - hi_nc, 0.0, 1.0)
    out["ci_upper"] = np.clip(1.0 - lo_nc, 0.0, 1.0)
    return out


def _standard_weights(
    standard: pd.DataFrame | pd.Series | None, counts: pd.DataFrame, strata: list[str]
) -> pd.DataFrame:
    """The standard mix as strata + ``weight`` (normalised to sum 1)."""
    if standard is None:
        std = counts.groupby(strata, sort=True, observed=True, dropna=False)["batches"].sum()
        std = std.rename("weight").reset_index()
    elif isinstance(standard, pd.Series):
        std = standard.rename("weight").reset_index()
        missing = [s for s in strata if s not in std.columns]
        if missing:
            raise ParameterError(f"standard Series must be indexed by the strata {strata}")
    elif isinstance(standard, pd.DataFrame):
        wcol = "weight" if "weight" in standard.columns else "batches"
        missing = [c for c in [*strata, wcol] if c not in standard.columns]
        if missing:
            raise InputError(
                [
                    Problem(
                        file="standard",
                        column=c,
                        message="standard mix needs the strata columns and 'weight' (or 'batches')",
                    )
                    for c in missing
                ]
            )
        std = standard.groupby(strata, sort=True, observed=True, dropna=False)[wcol].sum()
        std = std.rename("weight").reset_index()
    else:
        raise ParameterError("standard must be None, a DataFrame or a Series of weights")
    wts = pd.to_numeric(std["weight"], errors="coerce").astype("float64")
    if wts.isna().any() or (wts < 0).any() or wts.sum() <= 0:
        raise InputError(
            [
                Problem(
                    file="standard",
                    column="weight",
                    message="weights must be non-negative numbers with a positive sum",
                )
            ]
        )
    std["weight"] = wts / wts.sum()
    return std[std["weight"] > 0].reset_index(drop=True)


def standardise(
    data: pd.DataFrame,
    strata: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    standard: pd.DataFrame | pd.Series | None = None,
    *,
    conf: float = 0.95,
    ci_method: WeightedCIMethod = "fay_feuer",
    empty: Literal["nan", "renormalise"] = "nan",
) -> pd.DataFrame:
    """Directly standardised pass rates: Σ_s w_s · r_gs with the standard population's weights.

    ``data`` (counts or records) is aggregated by ``by`` × ``strata`` (e.g. industry ×
    enterprise size). ``standard`` gives the reference mix: ``None`` = the pooled mix of
    ``data`` itself (batches per stratum over all groups); a DataFrame with the strata columns
    and ``weight`` (or ``batches``); or a Series of weights indexed by the strata. Weights are
    normalised to sum to 1; strata of ``data`` outside the standard get weight 0.

    **Empty cells** (a stratum of the standard in which a group has no batches): with
    ``empty="nan"`` (default) the group's standardised rate is NaN (a ``QualityKitWarning``
    says how many groups); with ``empty="renormalise"`` the weights are renormalised over the
    strata the group has sampled, i.e. the rate is standardised to the covered part of the
    standard only. ``weight_covered`` reports the share of the standard that was covered.

    Interval (``ci_method``): ``"fay_feuer"`` — the gamma interval of Fay & Feuer (1997, *Stat
    Med* 16:791) applied to the nonconforming counts treated as Poisson, which is conservative
    for binomial counts and reduces to the exact (Garwood) interval for one stratum;
    ``"normal"`` — Σ w² p(1 − p)/n, the normal approximation of the weighted sum (poor near 0
    or 1). Both are computed for the NC rate and mapped to the pass rate. A group's own mix as
    the standard returns its crude rate.

    ===============  ======================================================
    <by columns>     the groups
    batches          all batches of the group (int)
    passed           all passing batches of the group (int)
    crude_pass_rate  passed / batches
    std_pass_rate    standardised pass rate
    std_nc_rate      1 − std_pass_rate
    ci_lower         lower limit for std_pass_rate
    ci_upper         upper limit for std_pass_rate
    weight_covered   share of the standard's weight in strata with batches
    strata_empty     number of standard strata with no batches in the group
    ===============  ======================================================
    """
    conf = check_level(conf, "conf")
    strata = _as_list(strata)
    by = _as_list(by)
    if not strata:
        raise ParameterError("strata must name at least one column")
    if empty not in ("nan", "renormalise"):
        raise ParameterError(f"empty must be 'nan' or 'renormalise', got {empty!r}")
    counts = aggregate_counts(data, by + strata)
    std = _standard_weights(standard, counts, strata)
    totals = (
        counts.groupby(by, sort=True, observed=True, dropna=False)[["batches", "passed"]]
        .sum()
        .reset_index()
        if by
        else pd.DataFrame(
            {"batches": [int(counts["batches"].sum())], "passed": [int(counts["passed"].sum())]}
        )
    )
    groups = totals[by] if by else pd.DataFrame(index=range(1))
    grid = groups.merge(std, how="cross")
    cells = grid.merge(counts[[*by, *strata, "batches", "passed"]], on=[*by, *strata], how="left")
    cells["batches"] = cells["batches"].fillna(0).astype("int64")
    cells["passed"] = cells["passed"].fillna(0).astype("int64")
    sampled = cells["batches"] > 0
    cov = cells.assign(
        _cov=np.where(sampled, cells["weight"], 0.0), _empty=(~sampled).astype("int64")
    )
    if by:
        covg = cov.groupby(by, sort=True, observed=True, dropna=False)[["_cov", "_empty"]].sum()
        covg = covg.reset_index()
    else:
        covg = pd.DataFrame({"_cov": [cov["_cov"].sum()], "_empty": [cov["_empty"].sum()]})
    used = (
        cells[sampled].merge(covg, on=by, how="left")
        if by
        else cells[sampled].assign(_cov=float(covg["_cov"].iloc[0]))
    )
    used = used.assign(w=used["weight"] / used["_cov"])
    comb = _weighted_combine(used, by, conf, ci_method)
    out = totals.merge(comb, on=by, how="left") if by else pd.concat([totals, comb], axis=1)
    out = out.merge(covg, on=by, how="left") if by else pd.concat([out, covg], axis=1)
    out = out.rename(columns={"_cov": "weight_covered", "_empty": "strata_empty"})
    with np.errstate(divide="ignore", invalid="ignore"):
        out.insert(
            len(by) + 2,
            "crude_pass_rate",
            np.where(
                out["batches"] > 0, out["passed"] / out["batches"].where(out["batches"] > 0), np.nan
            ),
        )
    value_cols = ["std_pass_rate", "std_nc_rate", "ci_lower", "ci_upper"]
    no_data = out["weight_covered"].fillna(0) <= 0
    if no_data.any():
        warnings.warn(
            f"{int(no_data.sum())} group(s) have no batches in any stratum of the standard: "
            "standardised rate is NaN",
            QualityKitWarning,
            stacklevel=2,
        )
    out.loc[no_data, value_cols] = np.nan
    if empty == "nan":
        gaps = (out["strata_empty"] > 0) & ~no_data
        if gaps.any():
            warnings.warn(
                f"{int(gaps.sum())} group(s) have empty strata of the standard mix: their "
                "standardised rate is NaN (use empty='renormalise' to standardise to the "
                "covered strata only)",
                QualityKitWarning,
                stacklevel=2,
            )
        out.loc[gaps, value_cols] = np.nan
    out["strata_empty"] = out["strata_empty"].astype("int64")
    return out[
        [*by, "batches", "passed", "crude_pass_rate", *value_cols, "weight_covered", "strata_empty"]
    ]


def _rpq_cells(
    counts: pd.DataFrame, output: pd.DataFrame, region: str, industry: str
) -> pd.DataFrame:
    """Region × industry cells with batches, passed and output value (outer join)."""
    cnt = aggregate_counts(counts, [region, industry], source="counts")
    problems = [
        Problem(file="output", column=c, message="output table needs this column")
        for c in (region, industry, "output_value")
        if c not in output.columns
    ]
    if problems:
        raise InputError(problems)
    val = pd.to_numeric(output["output_value"], errors="coerce").astype("float64")
    bad = np.flatnonzero((~np.isfinite(val.to_numpy())) | (val.to_numpy() < 0))
    if len(bad):
        raise InputError(
            [
                Problem(
                    file="output",
                    row=int(p) + 2,
                    column="output_value",
                    value=output["output_value"].iloc[p],
                    message="expected a non-negative output value",
                )
                for p in bad
            ]
        )
    out = (
        output[[region, industry]]
        .assign(output_value=val.to_numpy())
        .groupby([region, industry], sort=True, observed=True, dropna=False)["output_value"]
        .sum()
        .reset_index()
    )
    cells = out.merge(cnt, on=[region, industry], how="outer")
    cells["output_value"] = cells["output_value"].fillna(0.0)
    for c in ("batches", "passed", "nonconforming"):
        cells[c] = cells[c].fillna(0).astype("int64")
    return cells


def _rpq_region_table(
    cells: pd.DataFrame, region: str, conf: float, ci_method: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    weighted = (cells["output_value"] > 0) & (cells["batches"] > 0)
    c = cells.assign(
        _v_cov=np.where(weighted, cells["output_value"], 0.0),
        _has_out=(cells["output_value"] > 0).astype("int64"),
        _sampled=weighted.astype("int64"),
        _b_noout=np.where(cells["output_value"] > 0, 0, cells["batches"]),
    )
    g = c.groupby(region, sort=True, observed=True, dropna=False)
    reg = g.agg(
        batches=("batches", "sum"),
        passed=("passed", "sum"),
        output_value=("output_value", "sum"),
        _v_cov=("_v_cov", "sum"),
        industries_with_output=("_has_out", "sum"),
        industries_sampled=("_sampled", "sum"),
        batches_without_output=("_b_noout", "sum"),
    ).reset_index()
    used = c[weighted].merge(reg[[region, "_v_cov"]], on=region, how="left", suffixes=("", "_r"))
    used = used.assign(w=used["output_value"] / used["_v_cov_r"])
    comb = _weighted_combine(used, [region], conf, ci_method)
    reg = reg.merge(comb, on=region, how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        reg["crude_pass_rate"] = reg["passed"] / reg["batches"].where(reg["batches"] > 0)
        reg["output_covered_share"] = reg["_v_cov"] / reg["output_value"].where(
            reg["output_value"] > 0
        )
    return reg, used


def rpq_by_region(
    counts: pd.DataFrame,
    output: pd.DataFrame,
    *,
    region: str = "region_code",
    industry: str = "industry_code",
    conf: float = 0.95,
    ci_method: WeightedCIMethod = "fay_feuer",
) -> pd.DataFrame:
    """Output-weighted pass rate per region: the RPQ layer-1 method (制造业产品质量合格率).

    RPQ_p = Σ_i w_pi · r_pi with w_pi = V_pi / Σ_j V_pj, r_pi = passed / batches of region p in
    industry i, V = industrial output value (SAMR explainer "产品质量合格率解析"; see
    ``data/reference/README.md``, "Methods found" §1). ``counts``: counts or records with
    ``region`` and ``industry`` columns; ``output``: ``region``, ``industry``,
    ``output_value`` (any unit).

    **Empty cells:** an industry with output but no samples in the region is left out and the
    weights are renormalised over the sampled industries; ``output_covered_share`` reports the
    share of the region's output that was covered. Samples of an industry without an output
    value get weight 0 (counted in ``batches_without_output``). A region with no sampled
    output gets NaN. Interval as in :func:`standardise` (``ci_method``).

    ======================  ==================================================
    <region>                the region
    batches, passed         all batches / passes of the region (int)
    crude_pass_rate         passed / batches
    rpq                     output-weighted pass rate (proportion)
    ci_lower, ci_upper      interval for rpq
    output_value            total output value of the region
    output_covered_share    share of the output in sampled industries
    industries_with_output  industries with output > 0
    industries_sampled      industries with output > 0 and batches > 0
    batches_without_output  batches in industries without an output value
    ======================  ==================================================
    """
    conf = check_level(conf, "conf")
    cells = _rpq_cells(counts, output, region, industry)
    reg, _ = _rpq_region_table(cells, region, conf, ci_method)
    reg = reg.rename(columns={"std_pass_rate": "rpq"})
    cols = [
        region,
        "batches",
        "passed",
        "crude_pass_rate",
        "rpq",
        "ci_lower",
        "ci_upper",
        "output_value",
        "output_covered_share",
        "industries_with_output",
        "industries_sampled",
        "batches_without_output",
    ]
    return reg[cols]


def rpq_national(
    counts: pd.DataFrame,
    output: pd.DataFrame,
    *,
    region: str = "region_code",
    industry: str = "industry_code",
    conf: float = 0.95,
    ci_method: WeightedCIMethod = "fay_feuer",
) -> pd.DataFrame:
    """National RPQ as the output-weighted mean of regional RPQs (layer 2 — an inference).

    RPQ_nat = Σ_p (V_p / V) · RPQ_p with V_p the region's total output value. **The source
    explainer stops before describing the national layer**; this is the natural reading noted
    in ``data/reference/README.md`` ("Methods found" §1) and is *not verified*. Regions with
    no sampled output are left out and the regional weights renormalised; industries are
    handled as in :func:`rpq_by_region`. The interval treats the result as one weighted sum of
    cell rates (cell weight = V_p/V' × w_pi), by ``ci_method``.

    ======================  ==================================================
    batches, passed         all batches / passes (int)
    crude_pass_rate         passed / batches
    rpq                     national output-weighted pass rate
    ci_lower, ci_upper      interval for rpq
    output_value            total output value
    output_covered_share    share of national output in sampled region × industry cells
                            of the regions that have an RPQ
    regions_with_rpq        regions contributing
    regions_without_rpq     regions with output but no sampled output
    ======================  ==================================================
    """
    conf = check_level(conf, "conf")
    cells = _rpq_cells(counts, output, region, industry)
    reg, used = _rpq_region_table(cells, region, conf, ci_method)
    has = reg["_v_cov"] > 0
    v_used = reg.loc[has, "output_value"].sum()
    used = used.merge(reg[[region, "output_value"]], on=region, suffixes=("", "_region"))
    used = used.assign(w=used["w"] * used["output_value_region"] / v_used)
    comb = _weighted_combine(used, [], conf, ci_method) if len(used) else None
    total_v = float(cells["output_value"].sum())
    batches = int(cells["batches"].sum())
    passed = int(cells["passed"].sum())
    row = {
        "batches": batches,
        "passed": passed,
        "crude_pass_rate": passed / batches if batches else np.nan,
        "rpq": float(comb["std_pass_rate"].iloc[0]) if comb is not None else np.nan,
        "ci_lower": float(comb["ci_lower"].iloc[0]) if comb is not None else np.nan,
        "ci_upper": float(comb["ci_upper"].iloc[0]) if comb is not None else np.nan,
        "output_value": total_v,
        "output_covered_share": float(reg.loc[has, "_v_cov"].sum()) / total_v
        if total_v > 0
        else np.nan,
        "regions_with_rpq": int(has.sum()),
        "regions_without_rpq": int(((reg["output_value"] > 0) & ~has).sum()),
    }
    if comb is None:
        warnings.warn(
            "no region has sampled output: national RPQ is NaN", QualityKitWarning, stacklevel=2
        )
    return pd.DataFrame([row])
