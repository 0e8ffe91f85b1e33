"""Target scorecard: policy targets evaluated against observed indicators (DESIGN §1.4, §3).

Every target of the registry (:mod:`qualitykit.policy.targets`) gets one row: qualitative aims are
listed with status ``qualitative`` and no numbers; quantitative targets are evaluated against a
yearly series delivered by an **observation provider**, with the trend, a forecast at the deadline
and the probability of meeting it where a series exists. This module orchestrates; the parts are

* :mod:`qualitykit.policy.observations` and :mod:`qualitykit.policy.providers` — the data
  providers (all the I/O): :class:`SampleProvider` (spot-check records through
  :func:`qualitykit.data.dataset.open_records`), :class:`CountsProvider` (a counts table),
  :class:`ReferenceProvider` (the real published national series of ``data/reference``),
  :class:`SeriesProvider` (value series), :class:`CompositeProvider`; :func:`default_provider` =
  reference series first, then the sample;
* :mod:`qualitykit.policy.status` — the status rules (codes and numbers: met / not_met /
  inconclusive / on_track / off_track / no_data / qualitative, each with a ``reason_code`` and
  the ``evidence`` it rests on; the rules are set out there);
* :mod:`qualitykit.policy.forecast` — trends and forecasts (binomial GLM for counts, statsmodels
  OLS for published values) and the probability of meeting a target at its deadline;
* :mod:`qualitykit.policy.reasons` — the status labels and the reason sentences in Chinese and
  English, generated from the codes and numbers of each row.

``as_of`` is the last year of data used: the last year the provider's data cover (for spot-check
records the data set's last year — a district without checks in a year simply has no batches
that year; for a published series its last published year), cut at the ``as_of`` argument when
given. ``obs_year`` is the year of the value shown. Trends use every observed year up to ``as_of``
unless ``trend_years`` limits them to the most recent ones; ``fit_years`` names them (for the
national QCI the verdict depends on this choice, see the tests).

Relative targets are evaluated against the reference region of the target (e.g. Hunan 430000 for
Chenzhou, the nation / Zhejiang / Wenzhou for Longwan), computed by the same provider with the
same scope. By default the reference **includes** the region itself (``include_self=True``, the
default of :func:`qualitykit.stats.benchmark.relative_target`: a published provincial average
includes the city); ``include_self=False`` compares with the rest of the reference region. For a
deadline ahead, the reference's own trend is forecast to the deadline and taken as known (a
province or the nation has many times the region's batches; its uncertainty is ignored), and the
requirement becomes reference + k pp.

District reports
----------------
:func:`scorecard_for_region` lists the targets whose region is the given region or contains it,
each evaluated at its own region as the document states it (Chenzhou's targets for any district
of 431000 are evaluated at the city level). :func:`scorecard_for_districts` is the batch version
for every county-level division of a province or city: a district gets the targets of its own
document as written, plus a *district version* of each quantitative spot-check pass-rate target
of an enclosing city or province document (its threshold, or "k pp above the provincial
average", applied to the district's own checks); other indicators of a city document (brand
counts, awards …) are city-wide and are not applied to districts, nor are the national targets.
:func:`headline_status` gives one status for a district's rows (the least favourable).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.data import regions
from qualitykit.errors import NoDataError, ParameterError
from qualitykit.policy import targets as tg
from qualitykit.policy.model import Registry, Target, scope_text
from qualitykit.policy.observations import (
    RATE_INDICATOR,
    REQUEST_COLUMNS,
    CountsProvider,
    DataProvider,
    Observations,
    check_requests,
    frame,
    join,
    region_name,
    scope_value,
    split,
)
from qualitykit.policy.providers import (
    CompositeProvider,
    ReferenceProvider,
    SampleProvider,
    SeriesProvider,
    default_provider,
)
from qualitykit.policy.reasons import STATUS_LABELS, STATUS_ZH, reason_text, status_label
from qualitykit.policy.status import (
    EVALUATED,
    PROB_OFF_TRACK,
    PROB_ON_TRACK,
    REASON_CODES,
    STATUSES,
    Context,
    Series,
    assess_absolute,
    assess_relative,
    headline_status,
    no_data,
)
from qualitykit.policy.vocabulary import INDICATORS

__all__ = [
    "EVALUATED",
    "EVALUATION_COLUMNS",
    "PROB_OFF_TRACK",
    "PROB_ON_TRACK",
    "REASON_CODES",
    "REQUEST_COLUMNS",
    "STATUSES",
    "STATUS_LABELS",
    "STATUS_ZH",
    "CompositeProvider",
    "CountsProvider",
    "DataProvider",
    "Observations",
    "ReferenceProvider",
    "SampleProvider",
    "SeriesProvider",
    "default_provider",
    "evaluate",
    "headline_status",
    "reason_text",
    "scorecard_for_districts",
    "scorecard_for_region",
    "scorecard_summary",
    "status_label",
]

EVALUATION_COLUMNS: dict[str, str] = {
    "document_id": "string",
    "target_id": "string",
    "indicator": "string",
    "indicator_zh": "string",
    "qualitative": "boolean",
    "region_code": "string",
    "region_name": "string",
    "scope": "string",
    "check_level": "string",
    "product": "string",
    "comparator": "string",
    "threshold": "Float64",
    "range_low": "Float64",
    "range_high": "Float64",
    "unit": "string",
    "threshold_prop": "Float64",
    "range_low_prop": "Float64",
    "range_high_prop": "Float64",
    "required": "Float64",
    "ref_level": "string",
    "ref_region_code": "string",
    "ref_region_name": "string",
    "deadline": "string",
    "deadline_year": "Int64",
    "as_of": "Int64",
    "n_years": "Int64",
    "obs_year": "Int64",
    "batches": "Int64",
    "passed": "Int64",
    "observed": "Float64",
    "ci_lower": "Float64",
    "ci_upper": "Float64",
    "ref_value": "Float64",
    "gap_pp": "Float64",
    "gap_lower_pp": "Float64",
    "gap_upper_pp": "Float64",
    "range_position": "string",
    "trend_per_year": "Float64",
    "trend_lower": "Float64",
    "trend_upper": "Float64",
    "trend_unit": "string",
    "forecast_year": "Int64",
    "forecast": "Float64",
    "forecast_lower": "Float64",
    "forecast_upper": "Float64",
    "forecast_threshold": "Float64",
    "prob_meet": "Float64",
    "prob_expected_meets": "Float64",
    "prob_method": "string",
    "status": "string",
    "confident": "boolean",
    "status_reason_en": "string",
    "status_reason_zh": "string",
    "source_sentence": "string",
    "clause": "string",
    "data_source": "string",
    "adaptation": "string",
    "notes": "string",
    # added with the statuses with confidence (after the columns above, whose order is kept)
    "reason_code": "string",
    "evidence": "string",
    "point_status": "string",
    "estimate": "Float64",
    "estimate_lower": "Float64",
    "estimate_upper": "Float64",
    "conf_level": "Float64",
    "ref_excludes_region": "boolean",
    "years_observed": "string",
    "n_fit_years": "Int64",
    "fit_years": "string",
    "trend_of": "string",
    "provider_reason_en": "string",
    "provider_reason_zh": "string",
}
"""Columns of :func:`evaluate` (documented there)."""


@dataclass(frozen=True)
class _Item:
    target: Target
    adaptation: str | None = None


def _base_row(item: _Item) -> dict[str, Any]:
    t = item.target
    pct = t.unit == "pct"
    ref = t.reference
    ref_code = None
    if ref is not None:
        ref_code = ref.region_code
        if ref_code is None and t.region_code is not None:
            level = {"provincial": "province", "municipal": "city"}.get(ref.level, ref.level)
            try:
                ref_code = regions.parent_code(t.region_code, level)  # type: ignore[arg-type]
            except ParameterError:
                ref_code = None
    return {
        "document_id": t.document_id,
        "target_id": t.id,
        "indicator": t.indicator,
        "indicator_zh": INDICATORS[t.indicator].zh if t.indicator in INDICATORS else None,
        "qualitative": t.qualitative,
        "region_code": t.region_code,
        "region_name": region_name(t.region_code),
        "scope": scope_text(t.scope),
        "check_level": scope_value(t.scope, "check_level"),
        "product": scope_value(t.scope, "product"),
        "comparator": t.comparator,
        "threshold": t.threshold,
        "range_low": None if t.range is None else t.range[0],
        "range_high": None if t.range is None else t.range[1],
        "unit": t.unit,
        "threshold_prop": None if (t.threshold is None or not pct) else t.threshold / 100.0,
        "range_low_prop": None if (t.range is None or not pct) else t.range[0] / 100.0,
        "range_high_prop": None if (t.range is None or not pct) else t.range[1] / 100.0,
        "ref_level": None if ref is None else ref.level,
        "ref_region_code": ref_code,
        "ref_region_name": region_name(ref_code),
        "deadline": t.deadline,
        "deadline_year": t.deadline_year,
        "source_sentence": t.source_sentence,
        "clause": t.clause,
        "adaptation": item.adaptation,
    }


def _request(t: Target, region: str) -> dict[str, Any]:
    return {
        "indicator": t.indicator,
        "region_code": region,
        "check_level": scope_value(t.scope, "check_level"),
        "product": scope_value(t.scope, "product"),
        "product_group": scope_value(t.scope, "product_group"),
        "industry_code": scope_value(t.scope, "industry_code"),
    }


def _request_key(r: Mapping[str, Any]) -> str:
    return "|".join(str(r[c]) if r[c] is not None else "" for c in list(REQUEST_COLUMNS)[1:])


def _collect(
    targets: Registry | Iterable[Target | str] | pd.DataFrame | None, registry: Registry | None
) -> list[Target]:
    if targets is None:
        return list(registry if registry is not None else tg.load_registry())
    if isinstance(targets, Registry):
        return list(targets)
    reg_holder: list[Registry] = []

    def reg() -> Registry:
        if not reg_holder:
            reg_holder.append(registry if registry is not None else tg.load_registry())
        return reg_holder[0]

    if isinstance(targets, pd.DataFrame):
        if "target_id" not in targets.columns:
            raise ParameterError("a targets DataFrame needs a target_id column (targets_table())")
        return [reg().target(str(i)) for i in targets["target_id"]]
    if isinstance(targets, (str, Target)):
        targets = [targets]
    out = []
    for t in targets:
        if isinstance(t, Target):
            out.append(t)
        elif isinstance(t, str):
            out.append(reg().target(t))
        else:
            raise ParameterError(f"targets must be Target objects or target ids, got {t!r}")
    return out


def _check_eval_args(as_of: int | None, conf: float, n_sim: int, trend_years: int | None) -> None:
    if as_of is not None and (isinstance(as_of, bool) or not isinstance(as_of, (int, np.integer))):
        raise ParameterError(f"as_of must be a year (int) or None, got {as_of!r}")
    if not 0.0 < float(conf) < 1.0:
        raise ParameterError(f"conf must be in (0, 1), got {conf!r}")
    if isinstance(n_sim, bool) or not isinstance(n_sim, (int, np.integer)) or n_sim < 100:
        raise ParameterError(f"n_sim must be a whole number ≥ 100, got {n_sim!r}")
    if trend_years is not None and (
        isinstance(trend_years, bool)
        or not isinstance(trend_years, (int, np.integer))
        or trend_years < 3
    ):
        raise ParameterError(f"trend_years must be None or a whole number ≥ 3, got {trend_years!r}")


def evaluate(
    targets: Registry | Iterable[Target | str] | pd.DataFrame | None = None,
    provider: DataProvider | None = None,
    *,
    as_of: int | None = None,
    conf: float = 0.95,
    n_sim: int = 20_000,
    seed: int = 0,
    include_self: bool = True,
    trend_years: int | None = None,
    registry: Registry | None = None,
    reasons: bool = True,
) -> pd.DataFrame:
    """The scorecard: one row per target (quantitative and qualitative), in input order.

    ``targets``: None (every target of the registry), a :class:`~qualitykit.policy.targets.Registry`,
    Target objects or target ids, or a :func:`~qualitykit.policy.targets.targets_table` frame.
    ``provider``: a :class:`DataProvider` (default :func:`default_provider`: published national
    series + the synthetic sample). All series are requested from the provider in one call.
    ``as_of``: cut the data at this year (evaluate as if in that year); ``conf``: level of the
    intervals; ``n_sim``/``seed``: simulation of :func:`qualitykit.stats.trends.forecast`;
    ``include_self``: whether a relative target's reference includes the region itself;
    ``trend_years``: fit trends on the last N observed years only (default all);
    ``reasons=False``: codes and numbers only (the ``status_reason_*`` columns stay NA; the
    report layer can word them from ``reason_code`` and the numbers, e.g. with
    :func:`reason_text`). Status rules: :mod:`qualitykit.policy.status`; methods: the module
    docstring and :mod:`qualitykit.policy.forecast`.

    ====================== =================================================================
    document_id, target_id  the target; ``indicator``, ``indicator_zh`` its indicator
    qualitative             True for an aim without a number (status ``qualitative``)
    region_code, …_name     region the target is evaluated for
    scope, check_level,     the target's scope (all keys as text; check level and product)
    product
    comparator, threshold,  as written, in the document's ``unit`` (pct, pp, index, count)
    range_low, range_high,
    unit
    threshold_prop,         the same as proportions where ``unit`` is pct
    range_low_prop, …_high_prop
    required                the requirement evaluated: a proportion (rates), index points,
                            or k in pp for relative targets (the range's lower bound)
    ref_level, ref_region_code, ref_region_name   the reference of a relative target
    deadline, deadline_year as written and its year
    as_of                   the last year of data used (module docstring)
    n_years                 observed years used
    obs_year                year of ``observed``: the deadline year if reached, else ``as_of``
    batches, passed         counts of that year (rate series from spot checks)
    observed                value in that year: pass rate (proportion) or index
    ci_lower, ci_upper      its ``conf`` Wilson interval (NA for published values)
    ref_value               reference rate in that year (relative targets)
    gap_pp, gap_lower_pp,   (observed − ref_value) × 100 and its interval
    gap_upper_pp            (:func:`qualitykit.stats.benchmark.relative_target`)
    range_position          below / within / above a target range
    trend_per_year, trend_lower, trend_upper   yearly change (deadline ahead, ≥ 3 years)
    trend_unit              pp (rates; for relative targets on published series: of the gap)
                            or points (indices)
    forecast_year           the deadline year (deadline ahead)
    forecast                expected value at the deadline (GLM) or OLS prediction
    forecast_lower, …upper  ``conf`` prediction interval of the value observed at the deadline
    forecast_threshold      requirement at the deadline in the value's scale (for relative
                            targets: forecast reference + k pp)
    prob_meet               probability the target is met at the deadline (module docstring)
    prob_expected_meets     GLM only: probability the expected rate meets it
    prob_method             how ``prob_meet`` was computed
    status                  met / not_met / inconclusive / on_track / off_track / no_data /
                            qualitative (:mod:`qualitykit.policy.status`)
    confident               True when a status resting on an interval is decided by it (the
                            whole interval on one side), False when inconclusive; NA otherwise
    status_reason_en, …_zh  the reason, one whole sentence generated from the codes and
                            numbers of the row (:func:`reason_text`)
    source_sentence, clause the document's sentence and the part setting the target
    data_source             what the series came from
    adaptation              how a district version differs from the written target
    notes                   warnings of the trend / forecast (e.g. long extrapolation)
    reason_code             why the status is what it is (:data:`REASON_CODES`): e.g.
                            deadline_reached, no_deadline, forecast, no_trend_few_years,
                            no_series, not_observable, whole_reference
    evidence                what the status rests on: interval (the confidence interval of
                            ``estimate`` against ``required``), point (a published value
                            without an interval) or probability (``prob_meet`` against
                            :data:`PROB_ON_TRACK` / :data:`PROB_OFF_TRACK`)
    point_status            the status on the point estimate alone (met / not_met; deadline
                            ahead: on_track / off_track, with P ≥ 0.5 for forecasts)
    estimate, estimate_lower, estimate_upper   the value compared with ``required`` in
                            ``obs_year`` and its ``conf`` interval, in the scale of
                            ``required``: the pass rate (Wilson) or index for absolute targets,
                            the gap in pp (Newcombe) for relative ones
    conf_level              the level of the intervals (``conf``)
    ref_excludes_region     relative targets: True when the reference is the rest of the
                            reference region (``include_self=False``)
    years_observed          the years with data (e.g. ``2011–2014, 2016``)
    n_fit_years, fit_years  deadline ahead: the years the trend was fitted on
    trend_of                value (the region's own rate or index) or gap (relative targets
                            on published series)
    provider_reason_en, …_zh   no_series / no_reference_series: the provider's own words
    ====================== =================================================================
    """
    items = [_Item(t) for t in _collect(targets, registry)]
    return _evaluate_items(
        items,
        provider,
        as_of=as_of,
        conf=conf,
        n_sim=n_sim,
        seed=seed,
        include_self=include_self,
        trend_years=trend_years,
        reasons=reasons,
    )


def _evaluate_items(
    items: list[_Item],
    provider: DataProvider | None,
    *,
    as_of: int | None,
    conf: float,
    n_sim: int,
    seed: int,
    include_self: bool,
    trend_years: int | None,
    reasons: bool = True,
) -> pd.DataFrame:
    _check_eval_args(as_of, conf, n_sim, trend_years)
    ctx = Context(
        None if as_of is None else int(as_of),
        float(conf),
        int(n_sim),
        int(seed),
        bool(include_self),
        trend_years,
    )
    if provider is None:
        provider = default_provider()
    elif not isinstance(provider, DataProvider):
        raise ParameterError(
            f"provider must be a DataProvider (label, indicators, observe), got {type(provider).__name__}"
        )
    rows = [_base_row(it) for it in items]
    requests: dict[str, dict[str, Any]] = {}
    plan: list[tuple[str | None, str | None]] = []
    for it, row in zip(items, rows, strict=True):
        t = it.target
        own_key = ref_key = None
        if t.qualitative:
            row.update(status="qualitative", reason_code="qualitative")
        elif t.region_code is None:
            no_data(row, "region_unknown")
        elif t.indicator not in provider.indicators:
            no_data(row, "not_observable")
        elif (
            t.comparator in ("above_reference", "above_reference_by")
            and row["ref_region_code"] is None
        ):
            no_data(row, "reference_unknown")
        else:
            r = _request(t, t.region_code)
            own_key = _request_key(r)
            requests.setdefault(own_key, r)
            if t.comparator in ("above_reference", "above_reference_by"):
                rr = _request(t, row["ref_region_code"])
                ref_key = _request_key(rr)
                requests.setdefault(ref_key, rr)
        plan.append((own_key, ref_key))
    counts: dict[str, pd.DataFrame] = {}
    values: dict[str, pd.DataFrame] = {}
    missing: dict[str, tuple[str, str]] = {}
    horizons: dict[str, int] = {}
    if requests:
        req = pd.DataFrame([{"key": k, **v} for k, v in requests.items()])
        obs = provider.observe(check_requests(req))
        c = obs.counts
        v = obs.values
        if ctx.as_of is not None:
            c = c[c["year"] <= ctx.as_of]
            v = v[v["year"] <= ctx.as_of]
        c = c[c["batches"] > 0]
        counts = {str(k): g.sort_values("year") for k, g in c.groupby("key", sort=False)}
        values = {str(k): g.sort_values("year") for k, g in v.groupby("key", sort=False)}
        missing = {
            str(r.key): (str(r.reason_en), str(r.reason_zh))
            for r in obs.missing.itertuples(index=False)
        }
        horizons = {
            k: (h if ctx.as_of is None else min(int(h), ctx.as_of)) for k, h in obs.horizon.items()
        }

    def series(key: str) -> Series | None:
        if key in counts:
            return Series.from_counts(counts[key], horizons.get(key))
        if key in values:
            return Series.from_values(values[key], horizons.get(key))
        return None

    def lacking(row: dict[str, Any], key: str, code: str) -> None:
        """no_data with the provider's reason (or, without one, the year the data were cut)."""
        if key in missing:
            no_data(row, code, *missing[key])
        else:
            no_data(row, code)
            row["as_of"] = ctx.as_of

    ref_trends: dict[tuple, dict[str, float]] = {}
    for it, row, (own_key, ref_key) in zip(items, rows, plan, strict=True):
        if own_key is None:
            continue
        t = it.target
        own = series(own_key)
        if own is None:
            lacking(row, own_key, "no_series")
            continue
        row["data_source"] = own.source
        if ref_key is None:
            assess_absolute(row, t, own, ctx)
            continue
        ref = series(ref_key)
        if ref is None:
            lacking(row, ref_key, "no_reference_series")
            continue
        contains = row["ref_region_code"] in regions.ancestors(str(t.region_code))
        assess_relative(row, t, own, ref, ctx, ref_trends, contains)
    for row in rows if reasons else ():
        row["status_reason_en"] = reason_text(row, "en")
        row["status_reason_zh"] = reason_text(row, "zh")
    return frame(rows, EVALUATION_COLUMNS)


# ---------------------------------------------------------------------------------------------
# summaries and region views
# ---------------------------------------------------------------------------------------------


def scorecard_summary(
    evaluated: pd.DataFrame, by: str | Sequence[str] = "document_id"
) -> pd.DataFrame:
    """Counts of statuses per document (or per ``by``, e.g. ``"for_region_code"``).

    ==================  ========================================================
    <by>                the groups
    n_targets           rows of the group
    met … qualitative   one count column per status, in :data:`STATUSES` order
    n_evaluated         targets evaluated against data (:data:`EVALUATED`: met + not_met +
                        inconclusive + on_track + off_track)
    ==================  ========================================================
    """
    keys = [by] if isinstance(by, str) else list(by)
    need = [*keys, "status"]
    absent = [c for c in need if c not in evaluated.columns]
    if absent:
        raise ParameterError(f"evaluated lacks the columns {absent} (the output of evaluate())")
    unknown = set(evaluated["status"].dropna()) - set(STATUSES)
    if unknown:
        raise ParameterError(f"unknown status value(s) {sorted(unknown)}")
    status = pd.Categorical(evaluated["status"], categories=list(STATUSES))
    tab = pd.crosstab([evaluated[k] for k in keys], status, dropna=False)
    tab = tab.reindex(columns=list(STATUSES), fill_value=0)
    tab.columns = list(STATUSES)
    out = tab.reset_index()
    out.insert(len(keys), "n_targets", out[list(STATUSES)].sum(axis=1))
    out["n_evaluated"] = out[list(EVALUATED)].sum(axis=1)
    for c in [*STATUSES, "n_targets", "n_evaluated"]:
        out[c] = out[c].astype("int64")
    return out


def scorecard_for_region(
    region_code: str,
    provider: DataProvider | None = None,
    *,
    registry: Registry | None = None,
    include_national: bool = True,
    **kwargs: Any,
) -> pd.DataFrame:
    """The targets that concern one region: those whose region is ``region_code`` or contains it
    (its city, province, and — with ``include_national`` — the national targets), each
    evaluated at its own region as the document states it (Chenzhou's targets for a district of
    431000 are city-level figures). Columns: ``for_region_code`` plus those of :func:`evaluate`
    (``kwargs`` are passed on)."""
    regions.check_code(region_code)
    anc = regions.ancestors(region_code)
    if not include_national:
        anc = [a for a in anc if a != regions.NATIONAL_CODE]
    reg = registry if registry is not None else tg.load_registry()
    chosen = [t for t in reg if t.region_code is not None and t.region_code in anc]
    out = evaluate(chosen, provider, **kwargs)
    out.insert(0, "for_region_code", pd.array([region_code] * len(out), dtype="string"))
    return out


def _district_version(t: Target, district: str) -> _Item:
    scope = dict(t.scope)
    notes = [f"{region_name(t.region_code)} target applied to the district's own spot checks"]
    group = scope.pop("product_group", None)
    if group is not None:
        notes.append(
            f"product group {join(split(group))} not identified in the data: all products used"
        )
    adapted = replace(t, region_code=district, scope=MappingProxyType(scope))
    return _Item(adapted, "; ".join(notes))


def scorecard_for_districts(
    parent_code: str,
    provider: DataProvider | None = None,
    *,
    targets: Iterable[Target | str] | None = None,
    registry: Registry | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Batch scorecard for every county-level division of a province, city or the nation.

    Which targets apply to a district (``targets=None``):

    * the targets of a document issued for the district itself, as written (Longwan's for
      330303), qualitative ones included;
    * for each document of an enclosing city or province, a district version of every
      quantitative ``spot_check_pass_rate`` target — the threshold or "k pp above the
      provincial average" applied to the district's own checks (a product group such as
      重点产品, which the records do not mark, is dropped and the ``adaptation`` column says so);
      city-wide counts, shares and awards are not district targets and are left out, as are the
      national targets (RPQ, QCI …), which are national figures.

    ``targets`` (ids or Target objects) replaces that choice: each is applied to every district
    as a district version. One provider call covers all districts (one read of the province).
    Columns: ``for_region_code`` (the district) plus those of :func:`evaluate`; districts without
    applicable targets have no rows.
    """
    regions.check_code(parent_code)
    level = regions.lookup(parent_code)["level"]
    if level == "county":
        districts = [parent_code]
    else:
        districts = (
            regions.children(parent_code, level="county")["region_code"].astype(str).tolist()
        )
    if not districts:
        raise NoDataError(f"no county-level divisions within {parent_code}")
    given = None if targets is None else list(targets)
    reg = registry
    if reg is None and (given is None or any(not isinstance(t, Target) for t in given)):
        reg = tg.load_registry()
    items: list[_Item] = []
    owners: list[str] = []
    if given is not None:
        chosen = _collect(given, reg)
        for d in districts:
            for t in chosen:
                items.append(_district_version(t, d))
                owners.append(d)
    else:
        assert reg is not None
        all_targets = list(reg)
        for d in districts:
            anc = set(regions.ancestors(d)) - {regions.NATIONAL_CODE}
            for t in all_targets:
                if t.region_code is None or t.region_code not in anc:
                    continue
                if t.region_code == d:
                    items.append(_Item(t))
                elif t.indicator == RATE_INDICATOR and not t.qualitative:
                    items.append(_district_version(t, d))
                else:
                    continue
                owners.append(d)
    out = _evaluate_items(items, provider, **_eval_kwargs(kwargs))
    out.insert(0, "for_region_code", pd.array(owners, dtype="string"))
    return out


def _eval_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    allowed = {"as_of", "conf", "n_sim", "seed", "include_self", "trend_years", "reasons"}
    unknown = set(kwargs) - allowed
    if unknown:
        raise ParameterError(
            f"unknown argument(s) {sorted(unknown)}; expected some of {sorted(allowed)}"
        )
    defaults: dict[str, Any] = {
        "as_of": None,
        "conf": 0.95,
        "n_sim": 20_000,
        "seed": 0,
        "include_self": True,
        "trend_years": None,
        "reasons": True,
    }
    return {**defaults, **kwargs}
