"""Target scorecard: policy targets evaluated against observed indicators (DESIGN §1.4, §3).

Every target of the registry (:mod:`qualitykit.policy.targets`) gets one row: qualitative aims are
listed with status ``qualitative`` and no numbers; quantitative targets are evaluated against a
yearly series delivered by an **observation provider**, with the trend, a forecast at the deadline
and the probability of meeting it where a series exists.

Observation providers
---------------------
A provider turns requests (indicator, region, scope) into yearly series — ``year, batches,
passed`` for rates computed from spot-check records, or ``year, value`` for published figures.
Anything with an ``indicators`` set, a ``label`` and an ``observe(requests) -> Observations``
method is a provider (:class:`DataProvider`), so users plug in their own data:

* :class:`SampleProvider` — spot-check records (the synthetic sample by default, or a user's
  records file / folder, read with :func:`qualitykit.data.dataset.open_records`), batch pass rate of
  the checks at the target's check level (``national`` = 国家监督抽查, ``provincial`` = 省级; a
  list such as ``national、provincial`` pools the levels), filtered to the target's ``product`` /
  ``industry_code``. The regions are read once (one read per province, or one national read) and
  aggregated once, whatever the number of targets or districts.
* :class:`CountsProvider` — the same from an aggregated counts table the user already has.
* :class:`ReferenceProvider` — the real published national series of ``data/reference``: RPQ
  (制造业产品质量合格率, annual releases only: 2017, 2020, 2023, 2024; the 2018 Jan–Sep figure is
  not an annual value and is left out), QCI (制造业质量竞争力指数, dated national values), the
  routine agricultural-product monitoring pass rate (the one reported actual, 2023). The
  national food sampling pass rate is opt-in (``food_series="supervision"``), see the class.
* :class:`SeriesProvider` — published-style value series supplied by the user.
* :class:`CompositeProvider` — routes each request to the first provider that serves it;
  :func:`default_provider` = reference series first, then the sample.

Targets scoped to a *product group* the records do not mark (重点产品, 名牌产品 …) are ``no_data``
unless the provider is given ``product_groups`` (a mapping group → product names, or ``"all"``
to use every product as a stated proxy). Indicators that spot checks do not measure (brand
shares, award counts, standard adoption …) and the 产品质量指数, whose formula is not published
(``data/reference/README.md`` §3), are ``no_data`` with the reason.

Status rules
------------
``as_of`` is the last year of data used: the last year the provider's data cover (for
spot-check records the data set's last year — a district without checks in a year simply has no
batches that year; for a published series its last published year), cut at the ``as_of``
argument when given. ``obs_year`` is the year of the value shown.

* **Deadline reached** (as_of ≥ deadline year): ``met`` / ``not_met`` on the point estimate of
  the deadline year's observed value; ``confident`` says whether the confidence interval (Wilson
  score, :func:`qualitykit.stats.metrics.binomial_ci`; Newcombe's interval for gaps) lies entirely on
  the same side of the requirement. Published values have no interval (``confident`` NA). If the
  deadline year itself is not observed the target is ``no_data`` (no interpolation).
* **Deadline ahead**: with ≥ 3 observed years, ``on_track`` if ``prob_meet`` ≥ 0.5, else
  ``off_track``. With fewer than 3 years (or a trend that cannot be estimated: every batch
  passed every year, or a quasi-complete separation whose logit slope has a standard error
  above 5) there is no trend: ``on_track`` if the latest observed value already meets the
  requirement, else ``off_track``, and the reason says so. Trends use every observed year up
  to ``as_of`` unless ``trend_years`` limits them to the most recent ones; the reason names the
  years fitted (for the national QCI the verdict depends on this choice, see the tests).
* **No deadline**: ``met`` / ``not_met`` on the latest value.
* **No series** for the indicator / region / scope: ``no_data`` with the provider's reason.

Comparators: ``>=`` and ``==`` are read as "reaches" (value ≥ threshold; for a pass rate of 100 %
the two coincide), ``<=`` as value ≤ threshold. A **range** (and a ranged ``above_reference_by``
such as "高于全省平均水平2-5个百分点") takes its lower bound as the requirement — "at least 2 pp
above, aiming at up to 5" — and ``range_position`` reports whether the value lies ``below``,
``within`` or ``above`` the range. ``above_reference`` (高于…平均水平) requires a strictly
positive gap.

Relative targets are evaluated against the reference region of the target (e.g. Hunan 430000 for
Chenzhou, the nation / Zhejiang / Wenzhou for Longwan), computed by the same provider with the
same scope. By default the reference **includes** the region itself (``include_self=True``, the
default of :func:`qualitykit.stats.benchmark.relative_target`: a published provincial average includes
the city); ``include_self=False`` compares with the rest of the reference region. The gap and its
interval are :func:`qualitykit.stats.benchmark.relative_target` (Newcombe 1998, method 10, with the
overlap handled exactly).

Trend, forecast and probability
-------------------------------
Counts series: binomial GLM (logit) trend, quasi-binomial when overdispersed
(:func:`qualitykit.stats.trends.glm_trend`), its change in pp/year at the last observed year, and
:func:`qualitykit.stats.trends.forecast` to the deadline. ``prob_meet`` is ``prob_observed_meets``:
the probability that the pass rate *observed* in the deadline year (on as many batches as in the
last observed year) meets the requirement. That is the figure a programme is judged on, and it is
the only one of the two that makes sense for "合格率达到100%" (the expected rate of a logit model is
never exactly 1, so ``prob_expected_meets`` would be 0). ``prob_expected_meets`` (probability
that the underlying rate meets it) is reported alongside. For relative targets the reference's
own trend is forecast to the deadline and taken as known (a province or the nation has many
times the region's batches; its uncertainty is ignored), and the requirement becomes reference +
k pp.

Value series (published figures without counts): ordinary least squares on the year, slope with
a t interval, and the classical prediction interval for a new value at the deadline;
``prob_meet`` = P(new value meets the requirement) under that Student-t predictive distribution
(df = n − 2) — the analogue of ``prob_observed_meets`` (Montgomery, Peck & Vining 2012,
*Introduction to Linear Regression Analysis*, 5th ed., ch. 2, prediction of new observations;
read as a probability it is the flat-prior Bayesian predictive). Both probabilities assume that the
fitted straight line continues to the deadline; they say nothing about changes of sampling
design or policy.

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
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy import stats

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.errors import NoDataError, ParameterError, QualityKitWarning
from qualitykit.policy import targets as tg
from qualitykit.policy.targets import INDICATORS, Registry, Target

__all__ = [
    "EVALUATION_COLUMNS",
    "REQUEST_COLUMNS",
    "STATUSES",
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
    "scorecard_for_districts",
    "scorecard_for_region",
    "scorecard_summary",
]

STATUSES: tuple[str, ...] = ("met", "not_met", "on_track", "off_track", "no_data", "qualitative")
STATUS_ZH: dict[str, str] = {
    "met": "已达标",
    "not_met": "未达标",
    "on_track": "进度正常",
    "off_track": "进度滞后",
    "no_data": "无数据",
    "qualitative": "定性目标",
}
RATE_INDICATOR = "spot_check_pass_rate"
_EPS = 1e-9
_SEP = re.compile(r"[、,，;；]\s*")

ProductGroups = Mapping[str, Sequence[str] | Literal["all"]] | Literal["all"] | None

# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------


def _frame(data: Mapping[str, Any] | list[dict], columns: Mapping[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(data, columns=list(columns))
    return df.astype(dict(columns))


def _split(value: object) -> tuple[str, ...] | None:
    """'national、provincial' → ('national', 'provincial'); NA / '' → None."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, (list, tuple)):
        parts = [str(v).strip() for v in value]
    else:
        parts = [p.strip() for p in _SEP.split(str(value))]
    parts = [p for p in parts if p]
    return tuple(parts) or None


def _join(parts: Iterable[str] | None) -> str | None:
    if parts is None:
        return None
    parts = list(parts)
    return "、".join(parts) if parts else None


def _scope_value(scope: Mapping[str, Any], key: str) -> str | None:
    return _join(_split(scope.get(key)))


def _region_name(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return regions.name(code)
    except ParameterError:
        return None


def _contains(parent: str, code: str) -> bool:
    """Is ``code`` (any level) the division ``parent`` or inside it?"""
    if parent == code or parent == regions.NATIONAL_CODE:
        return True
    if code == regions.NATIONAL_CODE:
        return False
    level = regions.lookup(parent)["level"]
    if level == "province":
        return code[:2] == parent[:2]
    if level == "city":
        row = regions.lookup(code)
        return str(row["city_code"]) == parent
    return False


@cache
def _county_parents() -> pd.DataFrame:
    """Long table ``region_code → ancestor`` for every county-level code (self, city, province,
    nation), one row per distinct pair."""
    c = regions.counties()[["region_code", "city_code", "province_code"]].astype("string")
    parts = [
        pd.DataFrame({"region_code": c["region_code"], "ancestor": c[col]})
        for col in ("region_code", "city_code", "province_code")
    ]
    parts.append(
        pd.DataFrame(
            {
                "region_code": c["region_code"],
                "ancestor": pd.Series(regions.NATIONAL_CODE, index=c.index, dtype="string"),
            }
        )
    )
    out = pd.concat(parts, ignore_index=True).dropna().drop_duplicates()
    return out.reset_index(drop=True)


@cache
def _county_codes() -> frozenset[str]:
    return frozenset(regions.counties()["region_code"].astype(str))


def _is_rate(indicator: str) -> bool:
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.unit == "pct"


# ---------------------------------------------------------------------------------------------
# requests and observations
# ---------------------------------------------------------------------------------------------

REQUEST_COLUMNS: dict[str, str] = {
    "key": "string",
    "indicator": "string",
    "region_code": "string",
    "check_level": "string",
    "product": "string",
    "product_group": "string",
    "industry_code": "string",
}
"""What a provider is asked for, one row per series:

================ ==================================================================
key              the request's id (echoed in the observations)
indicator        controlled vocabulary of :data:`qualitykit.policy.targets.INDICATORS`
region_code      GB/T 2260 code of any level (``000000`` = the nation)
check_level      NA = all levels; ``national``, ``provincial`` … or several joined
                 with 、 (pooled)
product          NA = all products; one name or several joined with 、
product_group    NA = none; a group named by the document (重点产品、名牌产品)
industry_code    NA = all; GB/T 4754 division(s) joined with 、
================ ==================================================================
"""

_COUNT_COLUMNS = {
    "key": "string",
    "year": "int64",
    "batches": "int64",
    "passed": "int64",
    "source": "string",
}
_VALUE_COLUMNS = {"key": "string", "year": "int64", "value": "float64", "source": "string"}
_MISSING_COLUMNS = {"key": "string", "reason_en": "string", "reason_zh": "string"}


def _empty(columns: Mapping[str, str]) -> pd.DataFrame:
    return _frame([], columns)


@dataclass(frozen=True)
class Observations:
    """What a provider returns.

    ``counts`` — ``key, year, batches, passed, source`` (rate series from spot checks);
    ``values`` — ``key, year, value, source`` (published values: a proportion in [0, 1] for
    rate indicators, the index for index indicators); ``missing`` — ``key, reason_en,
    reason_zh`` for requests the provider cannot serve. ``source`` describes the data.
    ``horizon`` — key → the last year the data behind the series cover (for spot-check
    records: the data set's last year, so a district without batches in a year has *no batches*
    that year rather than a figure not yet published); keys without one use their series' last
    year.
    """

    counts: pd.DataFrame = field(default_factory=lambda: _empty(_COUNT_COLUMNS))
    values: pd.DataFrame = field(default_factory=lambda: _empty(_VALUE_COLUMNS))
    missing: pd.DataFrame = field(default_factory=lambda: _empty(_MISSING_COLUMNS))
    horizon: Mapping[str, int] = field(default_factory=dict)

    @staticmethod
    def combine(parts: Iterable[Observations]) -> Observations:
        """Concatenate several observations (no de-duplication)."""
        parts = list(parts)

        def cat(attr: str, cols: Mapping[str, str]) -> pd.DataFrame:
            frames = [getattr(p, attr) for p in parts if len(getattr(p, attr))]
            if not frames:
                return _empty(cols)
            return pd.concat(frames, ignore_index=True).astype(dict(cols))

        horizon: dict[str, int] = {}
        for p in parts:
            horizon.update(p.horizon)
        return Observations(
            cat("counts", _COUNT_COLUMNS),
            cat("values", _VALUE_COLUMNS),
            cat("missing", _MISSING_COLUMNS),
            horizon,
        )


def _missing(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return _frame(
        {
            "key": [r[0] for r in rows],
            "reason_en": [r[1] for r in rows],
            "reason_zh": [r[2] for r in rows],
        },
        _MISSING_COLUMNS,
    )


@runtime_checkable
class DataProvider(Protocol):
    """Anything that turns requests (:data:`REQUEST_COLUMNS`) into :class:`Observations`.

    ``indicators`` names the indicators it can serve (requests for others are not sent to it
    by :class:`CompositeProvider`); ``label`` describes its data for the scorecard."""

    label: str
    indicators: frozenset[str]

    def observe(self, requests: pd.DataFrame) -> Observations: ...


def _check_requests(requests: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("key", "indicator", "region_code") if c not in requests.columns]
    if missing:
        raise ParameterError(f"requests need the columns {missing} (see REQUEST_COLUMNS)")
    req = requests.copy()
    for c in REQUEST_COLUMNS:
        if c not in req.columns:
            req[c] = pd.NA
    req = req[list(REQUEST_COLUMNS)].astype(REQUEST_COLUMNS)
    if req["key"].duplicated().any():
        raise ParameterError("request keys must be unique")
    return req.reset_index(drop=True)


def _check_groups(
    product_groups: ProductGroups,
) -> Mapping[str, tuple[str, ...] | None] | str | None:
    if product_groups is None or product_groups == "all":
        return product_groups  # type: ignore[return-value]
    if not isinstance(product_groups, Mapping):
        raise ParameterError(
            "product_groups must be None, 'all' or a mapping group → product names (or 'all'), "
            f"got {type(product_groups).__name__}"
        )
    out: dict[str, tuple[str, ...] | None] = {}
    for k, v in product_groups.items():
        if v == "all":
            out[str(k)] = None
        elif isinstance(v, str) or not isinstance(v, Iterable):
            raise ParameterError(
                f"product_groups[{k!r}] must be a list of product names or 'all', got {v!r}"
            )
        else:
            out[str(k)] = tuple(str(p) for p in v)
    return out


def _resolve_products(
    product: str | None,
    group: str | None,
    groups: Mapping[str, tuple[str, ...] | None] | str | None,
) -> tuple[tuple[str, ...] | None, str | None, tuple[str, str] | None]:
    """(product filter or None = all, proxy note, missing reason) for one request."""
    prods = _split(product)
    if prods is not None:
        return prods, None, None
    names = _split(group)
    if names is None:
        return None, None, None
    label = "、".join(names)
    if groups == "all":
        return (
            None,
            f"product group {label} not marked in the records: all products used as a proxy",
            None,
        )
    if not isinstance(groups, Mapping) or any(n not in groups for n in names):
        return (
            None,
            None,
            (
                f"the records do not mark the product group {label}; pass product_groups="
                "{group: [products]} (or 'all' for every product as a proxy) to the provider",
                f"抽查记录未标注{label}，无法筛选；可为数据源指定 product_groups（产品组 → 产品名称）",
            ),
        )
    members: list[str] = []
    for n in names:
        v = groups[n]
        if v is None:
            return None, f"product group {label} mapped to all products", None
        members.extend(v)
    return tuple(dict.fromkeys(members)), f"product group {label} = {'、'.join(members)}", None


# ---------------------------------------------------------------------------------------------
# providers
# ---------------------------------------------------------------------------------------------


class CountsProvider:
    """Spot-check pass-rate series from an aggregated counts table.

    ``counts`` has ``region_code`` (GB/T 2260, any level), ``year``, ``batches`` and ``passed``
    (or ``nonconforming``), and optionally ``check_level``, ``product``, ``industry_code`` and
    ``indicator`` (default ``indicator`` for every row). A request for a region uses the rows
    whose ``region_code`` equals it when there are such rows (totals the user already has),
    otherwise it sums the county-level rows within the region. ``product_groups`` maps product
    groups named by documents (重点产品 …) to product names, or ``"all"`` (see module docstring).
    """

    def __init__(
        self,
        counts: pd.DataFrame,
        *,
        label: str = "counts supplied by the user",
        indicator: str = RATE_INDICATOR,
        product_groups: ProductGroups = None,
    ) -> None:
        from qualitykit.stats.metrics import (
            aggregate_counts,  # lazily: scipy.stats is slow to import
        )

        need = [c for c in ("region_code", "year") if c not in counts.columns]
        if need:
            raise ParameterError(f"counts need the columns {need} (and batches, passed)")
        if indicator not in INDICATORS:
            raise ParameterError(f"unknown indicator {indicator!r}; see targets.INDICATORS")
        keys = [
            c
            for c in ("indicator", "region_code", "year", "check_level", "product", "industry_code")
            if c in counts.columns
        ]
        frame = counts
        if "check_level" in counts.columns:
            lv = counts["check_level"].astype("string").str.strip()
            canon = lv.map(
                lambda v: schema.CHECK_LEVEL_ALIASES.get(v) if isinstance(v, str) else None
            )
            bad = lv.notna() & canon.isna()
            if bad.any():
                raise ParameterError(
                    f"unknown check level(s) {sorted(set(lv[bad]))}; expected one of "
                    f"{list(schema.CHECK_LEVELS)} (or 国家/省/市/县级)"
                )
            frame = counts.assign(check_level=canon.astype("string"))
        agg = aggregate_counts(frame, keys, source=label)
        agg = agg[agg["batches"] > 0]
        if "indicator" not in agg.columns:
            agg = agg.assign(indicator=indicator)
        agg = agg.assign(
            indicator=agg["indicator"].astype("string"),
            region_code=agg["region_code"].astype("string"),
            year=pd.to_numeric(agg["year"]).astype("int64"),
        )
        for c in ("check_level", "product", "industry_code"):
            if c in agg.columns:
                agg[c] = agg[c].astype("string")
        self._data = agg.reset_index(drop=True)
        self._dims = frozenset(c for c in ("check_level", "product", "industry_code") if c in agg)
        self._groups = _check_groups(product_groups)
        self.label = label
        self.indicators = frozenset(self._data["indicator"].dropna().unique().tolist())

    @property
    def data(self) -> pd.DataFrame:
        """The aggregated counts (a copy)."""
        return self._data.copy()

    def observe(self, requests: pd.DataFrame) -> Observations:
        return _observe_counts(
            self._data, self._dims, _check_requests(requests), self.label, self._groups
        )


def _observe_counts(
    data: pd.DataFrame,
    dims: frozenset[str],
    req: pd.DataFrame,
    label: str,
    groups: Mapping[str, tuple[str, ...] | None] | str | None,
) -> Observations:
    """The counts engine: one mask per distinct scope, one merge for all regions."""
    missing: list[tuple[str, str, str]] = []
    plans: list[dict[str, Any]] = []
    indicators = set(data["indicator"].dropna().unique().tolist())
    for row in req.itertuples(index=False):
        key = str(row.key)
        if row.indicator not in indicators:
            missing.append(
                (
                    key,
                    f"{row.indicator} is not in these data ({label})",
                    f"数据（{label}）中没有该指标",
                )
            )
            continue
        prods, note, reason = _resolve_products(
            None if pd.isna(row.product) else row.product,
            None if pd.isna(row.product_group) else row.product_group,
            groups,
        )
        if reason is not None:
            missing.append((key, *reason))
            continue
        levels = _split(None if pd.isna(row.check_level) else row.check_level)
        if levels is not None:
            unknown = [lv for lv in levels if lv not in schema.CHECK_LEVELS]
            if unknown:
                raise ParameterError(f"request {key!r}: unknown check level(s) {unknown}")
        industries = _split(None if pd.isna(row.industry_code) else row.industry_code)
        lacking = [
            d
            for d, v in (("check_level", levels), ("product", prods), ("industry_code", industries))
            if v is not None and d not in dims
        ]
        if lacking:
            missing.append(
                (
                    key,
                    f"the data have no {', '.join(lacking)} column to select the target's scope",
                    f"数据缺少{'、'.join(lacking)}列，无法按目标范围筛选",
                )
            )
            continue
        plans.append(
            {
                "key": key,
                "region_code": str(row.region_code),
                "scope": (str(row.indicator), levels, prods, industries),
                "note": note,
            }
        )
    parts: list[pd.DataFrame] = []
    if plans:
        plan = pd.DataFrame(plans)
        county = data["region_code"].isin(_county_codes())
        by_scope: dict[tuple, list[int]] = {}
        for i, s in enumerate(plan["scope"]):
            by_scope.setdefault(s, []).append(i)
        for (ind, levels, prods, industries), idx in by_scope.items():
            m = data["indicator"] == ind
            if levels is not None:
                m &= data["check_level"].isin(list(levels)).fillna(False)
            if prods is not None:
                m &= data["product"].isin(list(prods)).fillna(False)
            if industries is not None:
                m &= data["industry_code"].isin(list(industries)).fillna(False)
            m = m.to_numpy(dtype=bool)
            reqs = plan.iloc[idx][["key", "region_code"]].astype("string")
            exact = data.loc[
                m & ~county.to_numpy(bool), ["region_code", "year", "batches", "passed"]
            ]
            exact = exact.merge(reqs, on="region_code", how="inner")
            rest = reqs[~reqs["key"].isin(set(exact["key"]))]
            sub = data.loc[m & county.to_numpy(bool), ["region_code", "year", "batches", "passed"]]
            rolled = sub.merge(_county_parents(), on="region_code", how="inner").merge(
                rest.rename(columns={"region_code": "ancestor"}), on="ancestor", how="inner"
            )
            both = pd.concat(
                [
                    exact[["key", "year", "batches", "passed"]],
                    rolled[["key", "year", "batches", "passed"]],
                ],
                ignore_index=True,
            )
            if len(both):
                parts.append(
                    both.groupby(["key", "year"], as_index=False)[["batches", "passed"]].sum()
                )
    counts = (
        pd.concat(parts, ignore_index=True)
        if parts
        else _empty(_COUNT_COLUMNS).drop(columns="source")
    )
    counts = counts[counts["batches"] > 0]
    notes = {p["key"]: p["note"] for p in plans}
    src = counts["key"].map(lambda k: label if notes.get(k) is None else f"{label}; {notes[k]}")
    counts = counts.assign(source=src).sort_values(["key", "year"], kind="stable")
    got = set(counts["key"])
    for p in plans:
        if p["key"] not in got:
            missing.append(
                (
                    p["key"],
                    f"no batches for {p['region_code']} ({_region_name(p['region_code'])}) in this "
                    f"scope in {label}",
                    f"{label}中没有{_region_name(p['region_code'])}在该范围内的抽查批次",
                )
            )
    last = int(data["year"].max()) if len(data) else None
    horizon = {} if last is None else {str(p["key"]): last for p in plans}
    return Observations(
        counts=counts.astype(_COUNT_COLUMNS).reset_index(drop=True),
        missing=_missing(missing),
        horizon=horizon,
    )


class SampleProvider:
    """Spot-check pass-rate series from records: the synthetic sample (``source=None``) or the
    user's records (any ``source`` :func:`qualitykit.data.dataset.open_records` accepts).

    On :meth:`observe` the regions of all requests are read at once — one read per province
    involved, or one national read when a request needs the nation — and aggregated once by
    region, year, check level and the requested products / industries. ``product_groups`` as for
    :class:`CountsProvider`.
    """

    indicators: frozenset[str] = frozenset({RATE_INDICATOR})

    def __init__(
        self, source: str | os.PathLike[str] | None = None, *, product_groups: ProductGroups = None
    ):
        self.source = source
        self.product_groups = product_groups
        _check_groups(product_groups)
        self.label = (
            "synthetic sample (qualitykit.data.sample)" if source is None else f"records: {source}"
        )

    def counts(
        self,
        region_codes: Iterable[str],
        products: Iterable[str] = (),
        industries: Iterable[str] = (),
    ) -> pd.DataFrame:
        """Aggregated counts (``region_code, year, check_level, product, industry_code, batches,
        passed, nonconforming``) of the records of the given regions; products / industries not
        listed are pooled under ``""``."""
        from qualitykit.data.dataset import aggregate, open_records

        codes = {regions.check_code(c) for c in region_codes}
        if not codes:
            return _empty(
                {"region_code": "string", "year": "int64", "batches": "int64", "passed": "int64"}
            )
        read: list[str | None]
        if regions.NATIONAL_CODE in codes or (
            self.source is not None and os.path.isfile(self.source)
        ):
            read = [None]  # the nation, or a single user file (read whole either way)
        else:
            read = sorted({c[:2] + "0000" for c in codes})
        cols = ["year", "check_level", "region_code", "product", "industry_code", "passed"]
        frames = []
        for reg in read:
            try:
                if self.source is None:
                    recs = open_records(None, region=reg, columns=cols)
                else:
                    recs = open_records(self.source, region=reg)
                    recs = recs[[c for c in cols if c in recs.columns]]
            except NoDataError:
                continue
            frames.append(recs)
        if not frames:
            return _empty(
                {"region_code": "string", "year": "int64", "batches": "int64", "passed": "int64"}
            )
        recs = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        prods, inds = set(products), set(industries)
        assign: dict[str, pd.Series] = {}
        if "product" in recs.columns:
            p = recs["product"].astype("string")
            assign["product"] = p.where(p.isin(prods), "").fillna("")
        if "industry_code" in recs.columns:
            s = recs["industry_code"].astype("string")
            assign["industry_code"] = s.where(s.isin(inds), "").fillna("")
        recs = recs.assign(**assign)
        by = [
            c
            for c in ("region_code", "year", "check_level", "product", "industry_code")
            if c in recs
        ]
        return aggregate(recs, by)

    def observe(self, requests: pd.DataFrame) -> Observations:
        req = _check_requests(requests)
        served = req[req["indicator"].isin(self.indicators)]
        groups = _check_groups(self.product_groups)
        prods: set[str] = set()
        inds: set[str] = set()
        for row in served.itertuples(index=False):
            p, _, _ = _resolve_products(
                None if pd.isna(row.product) else row.product,
                None if pd.isna(row.product_group) else row.product_group,
                groups,
            )
            prods.update(p or ())
            inds.update(_split(None if pd.isna(row.industry_code) else row.industry_code) or ())
        counts = self.counts(served["region_code"].dropna().unique().tolist(), prods, inds)
        if counts.empty:
            return Observations(
                missing=_missing(
                    [
                        (
                            str(k),
                            f"no records for these regions in {self.label}",
                            f"{self.label}中没有这些地区的抽查记录",
                        )
                        for k in req["key"]
                    ]
                )
            )
        engine = CountsProvider(counts, label=self.label, product_groups=self.product_groups)
        return engine.observe(req)


class SeriesProvider:
    """Published-style value series: a table ``indicator, region_code, year, value`` (+ optional
    ``source``). ``value`` is a proportion in [0, 1] for rate indicators (unit ``pct``) and the
    index for index indicators. Requests match on indicator and region; scope is ignored (a
    published series is what it is)."""

    def __init__(self, values: pd.DataFrame, *, label: str = "series supplied by the user"):
        need = [c for c in ("indicator", "region_code", "year", "value") if c not in values.columns]
        if need:
            raise ParameterError(f"values need the columns {need}")
        v = values.copy()
        v["indicator"] = v["indicator"].astype("string")
        v["region_code"] = v["region_code"].astype("string")
        v["year"] = pd.to_numeric(v["year"], errors="coerce")
        v["value"] = pd.to_numeric(v["value"], errors="coerce").astype("float64")
        v = v.dropna(subset=["year", "value"])
        v["year"] = v["year"].astype("int64")
        unknown = sorted(set(v["indicator"].dropna()) - set(INDICATORS))
        if unknown:
            raise ParameterError(f"unknown indicator(s) {unknown}; see targets.INDICATORS")
        rate = v["indicator"].map(_is_rate).astype(bool)
        bad = rate & ((v["value"] < 0) | (v["value"] > 1))
        if bad.any():
            raise ParameterError(
                "values of rate indicators must be proportions in [0, 1] (not percent); got "
                f"{v.loc[bad, 'value'].head(3).tolist()}"
            )
        if v.duplicated(["indicator", "region_code", "year"]).any():
            raise ParameterError("values: one row per indicator, region and year")
        if "source" not in v.columns:
            v["source"] = label
        v["source"] = v["source"].astype("string").fillna(label)
        self._data = v[["indicator", "region_code", "year", "value", "source"]].reset_index(
            drop=True
        )
        self.label = label
        self.indicators = frozenset(self._data["indicator"].unique().tolist())

    @property
    def data(self) -> pd.DataFrame:
        return self._data.copy()

    def observe(self, requests: pd.DataFrame) -> Observations:
        req = _check_requests(requests)
        m = req[["key", "indicator", "region_code"]].merge(
            self._data, on=["indicator", "region_code"], how="inner"
        )
        got = set(m["key"])
        missing = [
            (
                str(r.key),
                f"no {r.indicator} series for {r.region_code} in {self.label}",
                f"{self.label}中没有{r.region_code}的该指标序列",
            )
            for r in req.itertuples(index=False)
            if r.key not in got
        ]
        values = m[["key", "year", "value", "source"]].sort_values(["key", "year"], kind="stable")
        return Observations(
            values=values.astype(_VALUE_COLUMNS).reset_index(drop=True), missing=_missing(missing)
        )


_REF_FILES = {
    "rpq_pass_rate": "data/reference/rpq_national.csv",
    "quality_competitiveness_index": "data/reference/qci_manufacturing_quality_competitiveness.csv",
    "agri_monitoring_pass_rate": "data/reference/policy_targets.csv",
    "food_sampling_pass_rate": "data/reference/food_spot_check_totals.csv",
}


class ReferenceProvider:
    """The real published national series of ``data/reference`` (never filled or interpolated).

    ============================= ===============================================================
    rpq_pass_rate                 ``rpq_national.csv``, rows with ``period == "annual"`` (2017,
                                  2020, 2023, 2024); the 2018 Jan–Sep value is not annual
    quality_competitiveness_index ``qci_…csv``, national rows with a year and ``comparator ==
                                  "="`` (2005–2010, 2021, 2023, 2024; the undated 84.78 is left
                                  out)
    agri_monitoring_pass_rate     ``policy_targets.csv``: the reported actual (97.8 %, 2023) —
                                  the only published value in data/reference
    food_sampling_pass_rate       opt-in, ``food_series="supervision"``: the annual food-safety
                                  *supervision* sampling totals of ``food_spot_check_totals.csv``
                                  (2021–2023), passed = batches − NC batches (derived). The
                                  纲要 does not say which 抽检 series its 98 % refers to; the
                                  *evaluation* sampling (评价性抽检) was reported "above 99 %" in
                                  2023, so by default this target is ``no_data`` with that reason.
    ============================= ===============================================================

    Only the nation (``000000``) is served.
    """

    label = "published national series (data/reference)"
    indicators: frozenset[str] = frozenset(_REF_FILES)

    def __init__(self, *, food_series: Literal["supervision"] | None = None):
        if food_series not in (None, "supervision"):
            raise ParameterError(f"food_series must be None or 'supervision', got {food_series!r}")
        self.food_series = food_series

    def series(self) -> pd.DataFrame:
        """The published series served: ``indicator, region_code, year, value, batches, passed,
        source`` (``value`` a proportion for rates, the index for QCI; counts where published)."""
        from qualitykit.data.reference import load_reference

        rows = []
        rpq = load_reference("rpq_national")
        rpq = rpq[(rpq["period"] == "annual") & rpq["rpq_pct"].notna()]
        for r in rpq.itertuples(index=False):
            rows.append(
                (
                    "rpq_pass_rate",
                    int(r.year),
                    float(r.rpq_pct) / 100.0,
                    None,
                    None,
                    _REF_FILES["rpq_pass_rate"],
                )
            )
        qci = load_reference("qci_manufacturing_quality_competitiveness")
        qci = qci[
            (qci["entity_type"] == "national")
            & qci["year"].notna()
            & (qci["comparator"] == "=")
            & qci["qci_value"].notna()
        ]
        for r in qci.itertuples(index=False):
            rows.append(
                (
                    "quality_competitiveness_index",
                    int(r.year),
                    float(r.qci_value),
                    None,
                    None,
                    _REF_FILES["quality_competitiveness_index"],
                )
            )
        pol = load_reference("policy_targets")
        agri = pol[
            (pol["indicator"] == "农产品质量安全例行监测合格率")
            & pol["latest_actual_reported"].notna()
            & pol["latest_actual_year"].notna()
        ]
        for r in agri.itertuples(index=False):
            rows.append(
                (
                    "agri_monitoring_pass_rate",
                    int(r.latest_actual_year),
                    float(r.latest_actual_reported) / 100.0,
                    None,
                    None,
                    _REF_FILES["agri_monitoring_pass_rate"] + " (latest actual reported)",
                )
            )
        if self.food_series == "supervision":
            food = load_reference("food_spot_check_totals")
            food = food[
                food["period"].str.fullmatch(r"\d{4}").fillna(False)
                & food["batches"].notna()
                & food["nc_batches"].notna()
            ]
            for r in food.itertuples(index=False):
                b, nc = int(r.batches), int(r.nc_batches)
                rows.append(
                    (
                        "food_sampling_pass_rate",
                        int(r.period),
                        (b - nc) / b,
                        b,
                        b - nc,
                        _REF_FILES["food_sampling_pass_rate"]
                        + " (监督抽检; passed = batches − NC batches, derived)",
                    )
                )
        out = pd.DataFrame(
            rows, columns=["indicator", "year", "value", "batches", "passed", "source"]
        )
        out.insert(1, "region_code", regions.NATIONAL_CODE)
        return out.astype(
            {
                "indicator": "string",
                "region_code": "string",
                "year": "int64",
                "value": "float64",
                "batches": "Int64",
                "passed": "Int64",
                "source": "string",
            }
        )

    def observe(self, requests: pd.DataFrame) -> Observations:
        req = _check_requests(requests)
        data = self.series()
        parts: list[Observations] = []
        missing: list[tuple[str, str, str]] = []
        nat = req["region_code"] == regions.NATIONAL_CODE
        for r in req[~nat.fillna(False).to_numpy(bool)].itertuples(index=False):
            missing.append(
                (
                    str(r.key),
                    "the published series in data/reference are national only",
                    "data/reference 中的公开数据仅有全国数据",
                )
            )
        req = req[nat.fillna(False).to_numpy(bool)]
        food = req["indicator"] == "food_sampling_pass_rate"
        if self.food_series is None:
            if food.any():
                from qualitykit.data.reference import load_reference

                totals = load_reference("food_spot_check_totals")
                annual = totals[totals["period"].str.fullmatch(r"\d{4}").fillna(False)]
                latest = annual.loc[annual["period"].astype(int).idxmax()]
                year, nc = str(latest["period"]), float(latest["nc_rate_pct"])
            for r in req[food.to_numpy(bool)].itertuples(index=False):
                missing.append(
                    (
                        str(r.key),
                        "the 纲要 does not say which food sampling series its 98 % refers to: the "
                        f"supervision sampling (监督抽检) had an NC rate of {nc:g} % in {year} "
                        "(food_spot_check_totals.csv), the evaluation sampling (评价性抽检) was "
                        "reported 'above 99 %' for 2023 (policy_targets.csv); use "
                        "ReferenceProvider(food_series='supervision') to evaluate against the former",
                        f"纲要未说明食品抽检合格率指哪一类抽检：{year}年监督抽检不合格率{nc:g}%，"
                        "2023年评价性抽检合格率“99%以上”；如需按监督抽检评价，请使用 "
                        "food_series='supervision'",
                    )
                )
            req = req[~food.to_numpy(bool)]
        counted = data[data["batches"].notna()]
        values = data[data["batches"].isna()]
        if len(values):
            parts.append(
                SeriesProvider(
                    values.drop(columns=["batches", "passed"]), label=self.label
                ).observe(req[~req["indicator"].isin(set(counted["indicator"]))])
            )
        if len(counted):
            engine = CountsProvider(
                counted.drop(columns=["value", "source"]),
                label=str(counted["source"].iloc[0]),
                indicator="food_sampling_pass_rate",
            )
            parts.append(engine.observe(req[req["indicator"].isin(set(counted["indicator"]))]))
        parts.append(Observations(missing=_missing(missing)))
        return Observations.combine(parts)


class CompositeProvider:
    """Several providers: each request goes to the first provider that claims its indicator and
    returns a series; if none does, the first reason given is kept."""

    def __init__(self, *providers: DataProvider):
        if not providers:
            raise ParameterError("CompositeProvider needs at least one provider")
        for p in providers:
            if not isinstance(p, DataProvider):
                raise ParameterError(
                    f"{type(p).__name__} is not a DataProvider (needs label, indicators, observe)"
                )
        self.providers = tuple(providers)
        self.label = " + ".join(p.label for p in providers)
        self.indicators = frozenset().union(*(p.indicators for p in providers))

    def observe(self, requests: pd.DataFrame) -> Observations:
        req = _check_requests(requests)
        remaining = req
        parts: list[Observations] = []
        reasons: dict[str, tuple[str, str]] = {}
        for p in self.providers:
            sub = remaining[remaining["indicator"].isin(p.indicators).fillna(False).to_numpy(bool)]
            if sub.empty:
                continue
            obs = p.observe(sub)
            got = set(obs.counts["key"]) | set(obs.values["key"])
            parts.append(
                Observations(
                    counts=obs.counts,
                    values=obs.values,
                    horizon={k: y for k, y in obs.horizon.items() if k in got},
                )
            )
            for r in obs.missing.itertuples(index=False):
                if r.key not in got:
                    reasons.setdefault(str(r.key), (str(r.reason_en), str(r.reason_zh)))
            remaining = remaining[~remaining["key"].isin(got)]
        missing = [
            (
                str(k),
                *reasons.get(str(k), ("no provider serves this indicator", "没有数据源提供该指标")),
            )
            for k in remaining["key"]
        ]
        parts.append(Observations(missing=_missing(missing)))
        return Observations.combine(parts)


def default_provider(
    source: str | os.PathLike[str] | None = None, *, product_groups: ProductGroups = None
) -> CompositeProvider:
    """The published national series (:class:`ReferenceProvider`) and the spot-check records of
    ``source`` (:class:`SampleProvider`, default the synthetic sample)."""
    return CompositeProvider(
        ReferenceProvider(), SampleProvider(source, product_groups=product_groups)
    )


# ---------------------------------------------------------------------------------------------
# why an indicator is not observable
# ---------------------------------------------------------------------------------------------

_NOT_OBSERVABLE: dict[str, tuple[str, str]] = {
    "quality_index": (
        "the formula of the 产品质量指数 is not published (data/reference/README.md §3), so it "
        "cannot be computed from spot-check records",
        "产品质量指数的计算公式未公开（见 data/reference/README.md 第3节），无法由抽查记录计算",
    ),
    "export_factory_pass_rate": (
        "factory-release pass rates of export products are not part of supervisory spot-check data",
        "出口产品出厂合格率不属于监督抽查数据",
    ),
}
_NOT_OBSERVABLE_PREFIX: tuple[tuple[str, tuple[str, str]], ...] = (
    (
        "brand_",
        (
            "brand-name products (their number, share or growth) are not recorded in spot-check data",
            "名牌产品的数量、占比和增长不在监督抽查数据中",
        ),
    ),
    (
        "engineering_",
        (
            "acceptance results of construction works are not part of product spot-check data",
            "工程验收结果不属于产品质量监督抽查数据",
        ),
    ),
    (
        "standard_",
        (
            "standard adoption and coverage are not recorded in spot-check data",
            "采标率和标准覆盖率不在监督抽查数据中",
        ),
    ),
)


def _not_observable(indicator: str) -> tuple[str, str]:
    if indicator in _NOT_OBSERVABLE:
        return _NOT_OBSERVABLE[indicator]
    for prefix, reason in _NOT_OBSERVABLE_PREFIX:
        if indicator.startswith(prefix):
            return reason
    ind = INDICATORS.get(indicator)
    zh = ind.zh if ind else indicator
    if ind is not None and ind.unit == "count":
        return (
            f"counts of this kind ({indicator}: {zh}) are not in spot-check data or in the "
            "published series of data/reference",
            f"{zh}不在监督抽查数据或 data/reference 的公开数据中",
        )
    return (
        f"{indicator} ({zh}) is measured neither by spot checks nor by a published series in "
        "data/reference",
        f"{zh}既不由监督抽查数据测得，data/reference 中也没有其公开数据",
    )


# ---------------------------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------------------------

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
}
"""Columns of :func:`evaluate` (documented there)."""


@dataclass(frozen=True)
class _Item:
    target: Target
    adaptation: str | None = None


@dataclass
class _Series:
    kind: Literal["counts", "values"]
    years: np.ndarray
    batches: np.ndarray | None
    passed: np.ndarray | None
    value: np.ndarray
    source: str
    horizon: int  # last year the data cover (≥ the last observed year)

    @staticmethod
    def from_counts(df: pd.DataFrame, horizon: int | None) -> _Series:
        b = df["batches"].to_numpy(dtype=np.int64)
        p = df["passed"].to_numpy(dtype=np.int64)
        y = df["year"].to_numpy(dtype=np.int64)
        h = int(y.max()) if horizon is None else max(int(horizon), int(y.max()))
        return _Series("counts", y, b, p, p / b, str(df["source"].iloc[0]), h)

    @staticmethod
    def from_values(df: pd.DataFrame, horizon: int | None) -> _Series:
        y = df["year"].to_numpy(dtype=np.int64)
        h = int(y.max()) if horizon is None else max(int(horizon), int(y.max()))
        return _Series(
            "values", y, None, None, df["value"].to_numpy(dtype=float), str(df["source"].iloc[0]), h
        )

    def take(self, mask: np.ndarray) -> _Series:
        return _Series(
            self.kind,
            self.years[mask],
            None if self.batches is None else self.batches[mask],
            None if self.passed is None else self.passed[mask],
            self.value[mask],
            self.source,
            self.horizon,
        )

    def counts_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"year": self.years, "batches": self.batches, "passed": self.passed})


@dataclass(frozen=True)
class _Ctx:
    as_of: int | None
    conf: float
    n_sim: int
    seed: int
    include_self: bool
    trend_years: int | None


_NAME_EN = {
    "spot_check_pass_rate": "pass rate",
    "rpq_pass_rate": "RPQ",
    "quality_competitiveness_index": "QCI",
    "agri_monitoring_pass_rate": "agri-product monitoring pass rate",
    "food_sampling_pass_rate": "food sampling pass rate",
}


def _name_en(indicator: str) -> str:
    return _NAME_EN.get(indicator, indicator.replace("_", " "))


def _name_zh(indicator: str) -> str:
    ind = INDICATORS.get(indicator)
    if indicator == RATE_INDICATOR:
        return "抽查合格率"
    return ind.zh if ind else indicator


def _fmt(v: float | None, rate: bool, digits: int) -> str:
    if v is None or not math.isfinite(v):
        return "NA"
    return f"{100 * v:.{digits}f}%" if rate else f"{v:.{digits}f}"


def _num(x: float) -> str:
    return f"{x:g}"


def _requirement_text(t: Target, ref_name: str | None) -> tuple[str, str]:
    """(en, zh) wording of what the target asks."""
    u = "%" if t.unit == "pct" else ""
    if t.comparator == "above_reference":
        return f"above the {ref_name} average", f"高于{ref_name}平均水平"
    if t.comparator == "above_reference_by":
        k = (
            f"{_num(t.range[0])}–{_num(t.range[1])}"
            if t.range is not None
            else _num(t.threshold or 0.0)
        )
        return f"{k} pp above the {ref_name} average", f"高于{ref_name}平均水平{k}个百分点"
    if t.comparator == "range" and t.range is not None:
        r = f"{_num(t.range[0])}–{_num(t.range[1])}{u}"
        return f"{r} (at least {_num(t.range[0])}{u})", f"{r}（至少{_num(t.range[0])}{u}）"
    op = {">=": "≥", "<=": "≤", "==": "="}.get(t.comparator or "", t.comparator or "")
    return f"{op} {_num(t.threshold or 0.0)}{u}", f"{op}{_num(t.threshold or 0.0)}{u}"


def _meets(x: float, req: float, direction: str, strict: bool) -> bool:
    if direction == "<=":
        return x < req - _EPS if strict else x <= req + _EPS
    return x > req + _EPS if strict else x >= req - _EPS


def _ols(
    years: np.ndarray, y: np.ndarray, to_year: int, req: float, direction: str, conf: float
) -> dict[str, float]:
    """OLS line through (year, y): slope with t interval, prediction at ``to_year`` with its
    prediction interval and P(new value meets ``req``) under the t predictive distribution
    (Montgomery, Peck & Vining 2012, ch. 2)."""
    t = years.astype(float)
    n = len(t)
    tbar = t.mean()
    sxx = float(np.sum((t - tbar) ** 2))
    b1 = float(np.sum((t - tbar) * (y - y.mean())) / sxx)
    b0 = float(y.mean() - b1 * tbar)
    resid = y - (b0 + b1 * t)
    df = n - 2
    s2 = float(np.sum(resid**2) / df)
    q = float(stats.t.ppf(1 - (1 - conf) / 2, df))
    se_b1 = math.sqrt(s2 / sxx)
    fc = b0 + b1 * to_year
    se_pred = math.sqrt(s2 * (1 + 1 / n + (to_year - tbar) ** 2 / sxx))
    if se_pred > 0:
        z = (req - fc) / se_pred
        prob = float(stats.t.sf(z, df)) if direction != "<=" else float(stats.t.cdf(z, df))
    else:
        prob = float(_meets(fc, req, direction, False))
    return {
        "slope": b1,
        "slope_lower": b1 - q * se_b1,
        "slope_upper": b1 + q * se_b1,
        "forecast": fc,
        "forecast_lower": fc - q * se_pred,
        "forecast_upper": fc + q * se_pred,
        "prob": prob,
    }


_MAX_SLOPE_SE = 5.0
"""A GLM slope with a standard error above this (odds ratios per year spanning e^±10) is a
quasi-complete separation, not a trend: treated as not estimable."""


def _glm_forecast(
    s: _Series, to_year: int, req: float | None, direction: str, ctx: _Ctx, notes: list[str]
) -> dict[str, float]:
    """glm_trend + forecast of a counts series; probabilities for ``req`` (proportion)."""
    from qualitykit.stats.trends import forecast, glm_trend

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QualityKitWarning)
        trend = glm_trend(s.counts_frame(), conf=ctx.conf, n_sim=200, seed=ctx.seed)
        m = int(s.batches[-1])  # type: ignore[index]
        out: dict[str, float] = {"prob": np.nan, "prob_expected": np.nan}
        if not np.all(np.isfinite(trend.params)):
            notes.extend(
                str(w.message) for w in caught if issubclass(w.category, QualityKitWarning)
            )
            return out
        terms = trend.terms.set_index("term")
        if float(terms.loc["slope_logit", "std_error"]) > _MAX_SLOPE_SE:
            notes.append(
                "the logit trend is not identified (quasi-complete separation: the pass rate runs "
                "into 0 or 100 %); no forecast"
            )
            return out
        out["slope"] = float(terms.loc["change_pp_per_year_last", "estimate"])
        out["slope_lower"] = float(terms.loc["change_pp_per_year_last", "ci_lower"])
        out["slope_upper"] = float(terms.loc["change_pp_per_year_last", "ci_upper"])
        target = None
        if req is not None:
            if direction == "<=":
                hi = (math.floor(req * m + 1e-9) + 1) / m
                target = hi if hi <= 1.0 else None
            else:
                target = min(max(req, 0.0), 1.0) if req <= 1.0 + _EPS else None
        # without a requirement only the fitted value is used: a small simulation suffices
        sims = ctx.n_sim if req is not None else 100
        fc = forecast(trend, to_year, target=target, batches=m, n_sim=sims, seed=ctx.seed)
        a = fc.attainment.iloc[0]
        out["forecast"] = float(a["fitted"])
        out["forecast_lower"] = float(a["pred_lower"])
        out["forecast_upper"] = float(a["pred_upper"])
        if req is not None:
            if direction == "<=":
                if target is None:
                    out["prob"], out["prob_expected"] = 1.0, 1.0
                else:
                    out["prob"] = 1.0 - float(a["prob_observed_meets"])
                    at_req = forecast(
                        trend, to_year, target=min(max(req, 0.0), 1.0), batches=m, n_sim=100
                    ).attainment.iloc[0]
                    out["prob_expected"] = 1.0 - float(at_req["prob_expected_meets"])
            elif target is None:  # requirement above 100 %
                out["prob"], out["prob_expected"] = 0.0, 0.0
            else:
                out["prob"] = float(a["prob_observed_meets"])
                out["prob_expected"] = float(a["prob_expected_meets"])
    notes.extend(str(w.message) for w in caught if issubclass(w.category, QualityKitWarning))
    return out


def _window(years: np.ndarray, trend_years: int | None) -> np.ndarray:
    if trend_years is None or len(years) == 0:
        return np.ones(len(years), dtype=bool)
    return years > years.max() - trend_years


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
        "region_name": _region_name(t.region_code),
        "scope": tg._scope_text(t.scope),
        "check_level": _scope_value(t.scope, "check_level"),
        "product": _scope_value(t.scope, "product"),
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
        "ref_region_name": _region_name(ref_code),
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
        "check_level": _scope_value(t.scope, "check_level"),
        "product": _scope_value(t.scope, "product"),
        "product_group": _scope_value(t.scope, "product_group"),
        "industry_code": _scope_value(t.scope, "industry_code"),
    }


def _request_key(r: Mapping[str, Any]) -> str:
    return "|".join(str(r[c]) if r[c] is not None else "" for c in list(REQUEST_COLUMNS)[1:])


def _no_data(row: dict[str, Any], en: str, zh: str) -> None:
    row.update(status="no_data", status_reason_en=en, status_reason_zh=zh)


def _absolute_requirement(t: Target) -> tuple[float, str, float | None, float | None] | None:
    """(required value in the series' scale, direction, range low, range high) or None."""
    scale = 0.01 if t.unit == "pct" else 1.0
    if t.comparator in (">=", "==") and t.threshold is not None:
        return t.threshold * scale, ">=", None, None
    if t.comparator == "<=" and t.threshold is not None:
        return t.threshold * scale, "<=", None, None
    if t.comparator == "range" and t.range is not None:
        return t.range[0] * scale, ">=", t.range[0] * scale, t.range[1] * scale
    return None


def _years_text(years: np.ndarray) -> str:
    """2005–2010, 2021, 2023–2024 (runs of consecutive years collapsed)."""
    ys = sorted(int(y) for y in years)
    runs: list[list[int]] = []
    for y in ys:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _no_deadline_obs(row: dict[str, Any], dl: int, years: np.ndarray, horizon: int) -> None:
    _no_data(
        row,
        f"no observation in the deadline year {dl} (data up to {horizon}; years observed: "
        f"{_years_text(years)})",
        f"期限年份{dl}年无数据（数据截至{horizon}年；有数据的年份：{_years_text(years)}）",
    )


def _position(x: float, lo: float | None, hi: float | None) -> str | None:
    if lo is None or hi is None or not math.isfinite(x):
        return None
    if x < lo - _EPS:
        return "below"
    if x > hi + _EPS:
        return "above"
    return "within"


def _assess_absolute(row: dict[str, Any], t: Target, s: _Series, ctx: _Ctx) -> None:
    rate = _is_rate(t.indicator)
    if (rate and t.unit != "pct") or (not rate and t.unit != "index"):
        _no_data(
            row,
            f"a {t.unit} threshold cannot be compared with this indicator's series",
            "目标单位与该指标的数据不一致，无法比较",
        )
        return
    spec = _absolute_requirement(t)
    if spec is None:
        _no_data(row, "the target gives no usable threshold", "目标未给出可用的阈值")
        return
    req, direction, lo, hi = spec
    row["required"] = req
    digits = 1 if s.kind == "counts" else 2
    req_en, req_zh = _requirement_text(t, None)
    name_en, name_zh = _name_en(t.indicator), _name_zh(t.indicator)
    years = s.years
    last = int(years.max())
    row["as_of"] = s.horizon
    row["n_years"] = len(years)
    dl = t.deadline_year

    def observe_at(year: int) -> tuple[float, float, float]:
        i = int(np.flatnonzero(years == year)[0])
        row["obs_year"] = year
        v = float(s.value[i])
        row["observed"] = v
        lo_ci = hi_ci = np.nan
        if s.kind == "counts":
            from qualitykit.stats.metrics import binomial_ci

            row["batches"] = int(s.batches[i])  # type: ignore[index]
            row["passed"] = int(s.passed[i])  # type: ignore[index]
            ci = binomial_ci(s.passed[i], s.batches[i], ctx.conf, "wilson").iloc[0]  # type: ignore[index]
            lo_ci, hi_ci = float(ci["ci_lower"]), float(ci["ci_upper"])
            row["ci_lower"], row["ci_upper"] = lo_ci, hi_ci
        row["range_position"] = _position(v, lo, hi)
        return v, lo_ci, hi_ci

    def ci_text(lo_ci: float, hi_ci: float) -> tuple[str, str]:
        if not math.isfinite(lo_ci):
            return "", ""
        c = f"{round(100 * ctx.conf)}%"
        return (
            f" ({c} CI {_fmt(lo_ci, rate, digits)}–{_fmt(hi_ci, rate, digits)})",
            f"（{c}置信区间{_fmt(lo_ci, rate, digits)}–{_fmt(hi_ci, rate, digits)}）",
        )

    def judge(year: int, why_en: str, why_zh: str) -> None:
        v, lo_ci, hi_ci = observe_at(year)
        met = _meets(v, req, direction, False)
        confident = None
        if math.isfinite(lo_ci):
            if direction == "<=":
                confident = (hi_ci <= req + _EPS) if met else (lo_ci > req + _EPS)
            else:
                confident = (lo_ci >= req - _EPS) if met else (hi_ci < req - _EPS)
        row["status"] = "met" if met else "not_met"
        row["confident"] = confident
        ce, cz = ci_text(lo_ci, hi_ci)
        side_en = side_zh = ""
        if confident is True:
            side_en, side_zh = "; the whole interval agrees", "；置信区间整体支持该结论"
        elif confident is False:
            side_en, side_zh = "; the interval straddles the requirement", "；置信区间跨越目标值"
        pos = row.get("range_position")
        pos_en = f"; {pos} the range" if pos else ""
        pos_zh = {
            "below": "；低于目标区间",
            "within": "；位于目标区间内",
            "above": "；高于目标区间",
        }.get(pos or "", "")
        row["status_reason_en"] = (
            f"{why_en}{year} {name_en} {_fmt(v, rate, digits)}{ce} "
            f"{'meets' if met else 'does not meet'} the requirement {req_en}{side_en}{pos_en}."
        )
        row["status_reason_zh"] = (
            f"{why_zh}{year}年{name_zh}{_fmt(v, rate, digits)}{cz}，"
            f"{'达到' if met else '未达到'}{req_zh}的要求{side_zh}{pos_zh}。"
        )

    if dl is None:
        judge(last, "no deadline: latest value — ", "无期限，按最新数据：")
        return
    if s.horizon >= dl:
        if dl not in years:
            _no_deadline_obs(row, dl, years, s.horizon)
            return
        judge(dl, "deadline reached: ", "期限已到：")
        return
    # deadline ahead
    v, _, _ = observe_at(last)
    row["forecast_year"] = dl
    row["forecast_threshold"] = req
    win = s.take(_window(years, ctx.trend_years))
    notes: list[str] = []
    fit: dict[str, float] = {}
    if len(win.years) >= 3:
        if s.kind == "counts":
            fit = _glm_forecast(win, dl, req, direction, ctx, notes)
            method = "glm: P(observed pass rate in the deadline year meets the requirement)"
        else:
            fit = _ols(win.years, win.value, dl, req, direction, ctx.conf)
            method = "ols: Student-t predictive P(published value in the deadline year meets it)"
    if notes:
        row["notes"] = "; ".join(dict.fromkeys(notes))
    prob = fit.get("prob", np.nan)
    meets_now = _meets(v, req, direction, False)
    if math.isfinite(prob):
        scale, unit = (100.0, "pp") if rate else (1.0, "points")
        row.update(
            trend_per_year=fit["slope"] * (scale if s.kind == "values" else 1.0),
            trend_lower=fit["slope_lower"] * (scale if s.kind == "values" else 1.0),
            trend_upper=fit["slope_upper"] * (scale if s.kind == "values" else 1.0),
            trend_unit=unit,
            forecast=fit["forecast"],
            forecast_lower=fit["forecast_lower"],
            forecast_upper=fit["forecast_upper"],
            prob_meet=prob,
            prob_expected_meets=fit.get("prob_expected", np.nan),
            prob_method=method,
        )
        on = prob >= 0.5
        row["status"] = "on_track" if on else "off_track"
        c = f"{round(100 * ctx.conf)}%"
        tr = row["trend_per_year"]
        row["status_reason_en"] = (
            f"latest {last}: {name_en} {_fmt(v, rate, digits)}; trend {tr:+.2f} {unit}/year "
            f"(fitted on {_years_text(win.years)}); "
            f"forecast {dl}: {_fmt(fit['forecast'], rate, digits)} ({c} PI "
            f"{_fmt(fit['forecast_lower'], rate, digits)}–{_fmt(fit['forecast_upper'], rate, digits)}); "
            f"P(meeting {req_en}) = {prob:.2f} {'≥' if on else '<'} 0.5 → "
            f"{'on track' if on else 'off track'}."
        )
        row["status_reason_zh"] = (
            f"{last}年{name_zh}{_fmt(v, rate, digits)}；趋势每年{tr:+.2f}"
            f"{'个百分点' if rate else '点'}（据{_years_text(win.years)}年数据）；预测{dl}年{_fmt(fit['forecast'], rate, digits)}"
            f"（{c}预测区间{_fmt(fit['forecast_lower'], rate, digits)}–"
            f"{_fmt(fit['forecast_upper'], rate, digits)}）；达到{req_zh}的概率{prob:.2f}，"
            f"{'进度正常' if on else '进度滞后'}。"
        )
        return
    _status_without_trend(
        row,
        len(win.years),
        meets_now,
        dl,
        req_en,
        req_zh,
        latest_en=f"{last} {name_en} {_fmt(v, rate, digits)}",
        latest_zh=f"{last}年{name_zh}{_fmt(v, rate, digits)}",
    )


def _status_without_trend(
    row: dict[str, Any],
    n_years: int,
    meets_now: bool,
    deadline: int,
    req_en: str,
    req_zh: str,
    *,
    latest_en: str,
    latest_zh: str,
) -> None:
    """A future deadline without a usable trend: judged on the latest value, and the reason says so."""
    why_en = (
        f"only {n_years} year(s) of data: no trend"
        if n_years < 3
        else "the trend cannot be estimated (see notes)"
    )
    why_zh = f"仅有{n_years}年数据，不估计趋势" if n_years < 3 else "无法估计趋势（见 notes）"
    row["status"] = "on_track" if meets_now else "off_track"
    row["status_reason_en"] = (
        f"{why_en}; latest {latest_en} "
        f"{'already meets' if meets_now else 'does not yet meet'} {req_en} (deadline {deadline}) → "
        f"{'on track' if meets_now else 'off track'}."
    )
    row["status_reason_zh"] = (
        f"{why_zh}；{latest_zh}，{'已达到' if meets_now else '尚未达到'}{req_zh}（期限{deadline}年），"
        f"{'判为进度正常' if meets_now else '判为进度滞后'}。"
    )


def _relative_k(t: Target) -> tuple[float, bool, float | None, float | None]:
    """(k in pp, strict, range low, range high) of a relative target."""
    if t.comparator == "above_reference":
        return 0.0, True, None, None
    if t.range is not None:
        return t.range[0], False, t.range[0], t.range[1]
    return float(t.threshold or 0.0), False, None, None


def _assess_relative(
    row: dict[str, Any],
    t: Target,
    own: _Series,
    ref: _Series,
    ctx: _Ctx,
    ref_trends: dict[tuple, dict[str, float]],
) -> None:
    if not _is_rate(t.indicator):
        _no_data(
            row,
            "relative targets are supported for rate indicators only",
            "相对目标仅支持比率类指标",
        )
        return
    k, strict, lo_k, hi_k = _relative_k(t)
    row["required"] = k
    ref_code = row["ref_region_code"]
    ref_name = row["ref_region_name"] or ref_code
    req_en, req_zh = _requirement_text(t, ref_name)
    common = np.intersect1d(own.years, ref.years)
    if len(common) == 0:
        _no_data(
            row,
            f"no year with data for both {row['region_name']} and the reference {ref_name}",
            f"{row['region_name']}与参照地区{ref_name}没有同一年份的数据",
        )
        return
    own = own.take(np.isin(own.years, common))
    ref = ref.take(np.isin(ref.years, common))
    if own.kind != ref.kind:
        _no_data(
            row,
            "the region and its reference come from different kinds of series",
            "本地区与参照地区的数据类型不同",
        )
        return
    years = own.years
    digits = 1 if own.kind == "counts" else 2
    contains = _contains(ref_code, t.region_code)  # type: ignore[arg-type]
    # gaps for every common year
    if own.kind == "counts":
        from qualitykit.stats.benchmark import relative_target

        b, p = own.batches, own.passed
        rb, rp = ref.batches, ref.passed
        if contains:
            if np.any(rb < b) or np.any(rp < p) or np.any(rp - p > rb - b):
                _no_data(
                    row,
                    f"the reference counts of {ref_name} do not include the region's own",
                    f"参照地区{ref_name}的批次未包含本地区批次",
                )
                return
            pb, pp_, incl = rb, rp, ctx.include_self
        else:  # reference outside the region: compare with it as it is
            pb, pp_, incl = rb + b, rp + p, False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QualityKitWarning)
            rel = relative_target(
                pd.DataFrame({"batches": b, "passed": p}),
                k_pp=k,
                include_self=incl,
                parent_batches=pb,
                parent_passed=pp_,
                level=ctx.conf,
            )
        gap = rel["gap_pp"].to_numpy(float)
        glo = rel["gap_lower_pp"].to_numpy(float)
        ghi = rel["gap_upper_pp"].to_numpy(float)
        refv = rel["parent_rate"].to_numpy(float)
    else:
        refv = ref.value
        gap = 100.0 * (own.value - refv)
        glo = ghi = np.full(len(gap), np.nan)
    last = int(years.max())
    horizon = min(own.horizon, ref.horizon)
    row["as_of"] = horizon
    row["n_years"] = len(years)
    dl = t.deadline_year

    def observe_at(year: int) -> int:
        i = int(np.flatnonzero(years == year)[0])
        row["obs_year"] = year
        row["observed"] = float(own.value[i])
        if own.kind == "counts":
            from qualitykit.stats.metrics import binomial_ci

            row["batches"] = int(own.batches[i])  # type: ignore[index]
            row["passed"] = int(own.passed[i])  # type: ignore[index]
            ci = binomial_ci(own.passed[i], own.batches[i], ctx.conf, "wilson").iloc[0]  # type: ignore[index]
            row["ci_lower"], row["ci_upper"] = float(ci["ci_lower"]), float(ci["ci_upper"])
        row["ref_value"] = float(refv[i])
        row["gap_pp"] = float(gap[i])
        row["gap_lower_pp"] = float(glo[i]) if math.isfinite(glo[i]) else None
        row["gap_upper_pp"] = float(ghi[i]) if math.isfinite(ghi[i]) else None
        row["range_position"] = _position(float(gap[i]), lo_k, hi_k)
        return i

    def gap_text(i: int) -> tuple[str, str]:
        c = f"{round(100 * ctx.conf)}%"
        ci_en = ci_zh = ""
        if math.isfinite(glo[i]):
            ci_en = f" ({c} CI {glo[i]:+.1f} to {ghi[i]:+.1f})"
            ci_zh = f"（{c}置信区间{glo[i]:+.1f}至{ghi[i]:+.1f}）"
        incl_en = "" if (not contains or ctx.include_self) else " (rest of the reference)"
        return (
            f"{_fmt(float(own.value[i]), True, digits)} vs {ref_name}{incl_en} "
            f"{_fmt(float(refv[i]), True, digits)}: gap {gap[i]:+.1f} pp{ci_en}",
            f"{_fmt(float(own.value[i]), True, digits)}，{ref_name}"
            f"{'（不含本地区）' if incl_en else ''}{_fmt(float(refv[i]), True, digits)}，"
            f"差距{gap[i]:+.1f}个百分点{ci_zh}",
        )

    def whole_reference(i: int, year: int) -> bool:
        """The region is all of its reference in that year: no other batches to compare with."""
        if math.isfinite(float(gap[i])):
            return False
        row["status"] = "no_data"
        row["status_reason_en"] = (
            f"in {year} all batches of {ref_name} are the region's own: there is nothing to compare "
            "it with."
        )
        row["status_reason_zh"] = f"{year}年{ref_name}的抽查批次全部来自本地区，无可比较的参照。"
        return True

    def judge(year: int, why_en: str, why_zh: str) -> None:
        i = observe_at(year)
        if whole_reference(i, year):
            return
        met = _meets(float(gap[i]), k, ">=", strict)
        confident = None
        if math.isfinite(glo[i]):
            confident = (
                _meets(float(glo[i]), k, ">=", strict)
                if met
                else not _meets(float(ghi[i]), k, ">=", strict)
            )
        row["status"] = "met" if met else "not_met"
        row["confident"] = confident
        ge, gz = gap_text(i)
        pos = row.get("range_position")
        pos_en = f"; {pos} the {lo_k:g}–{hi_k:g} pp range" if pos else ""
        pos_zh = (
            {"below": "；低于", "within": "；位于", "above": "；高于"}[pos]
            + f"{lo_k:g}–{hi_k:g}个百分点区间"
            if pos
            else ""
        )
        side_en = {True: "; the whole interval agrees", False: "; the interval straddles it"}
        side_zh = {True: "；置信区间整体支持该结论", False: "；置信区间跨越目标值"}
        row["status_reason_en"] = (
            f"{why_en}{year} {_name_en(t.indicator)} {ge} "
            f"{'meets' if met else 'does not meet'} {req_en}"
            f"{side_en.get(confident, '')}{pos_en}."  # type: ignore[arg-type]
        )
        row["status_reason_zh"] = (
            f"{why_zh}{year}年{_name_zh(t.indicator)}{gz}，{'达到' if met else '未达到'}{req_zh}的要求"
            f"{side_zh.get(confident, '')}{pos_zh}。"  # type: ignore[arg-type]
        )

    if dl is None:
        judge(last, "no deadline: latest value — ", "无期限，按最新数据：")
        return
    if horizon >= dl:
        if dl not in years:
            _no_deadline_obs(row, dl, years, horizon)
            return
        judge(dl, "deadline reached: ", "期限已到：")
        return
    i = observe_at(last)
    if whole_reference(i, last):
        return
    row["forecast_year"] = dl
    mask = _window(years, ctx.trend_years)
    notes: list[str] = []
    fit: dict[str, float] = {}
    method = None
    if mask.sum() >= 3:
        if own.kind == "counts":
            # the reference's trend, forecast to the deadline and taken as known
            if contains and not ctx.include_self:
                rs = _Series(
                    "counts",
                    years,
                    ref.batches - own.batches,  # type: ignore[operator]
                    ref.passed - own.passed,  # type: ignore[operator]
                    ref.value,
                    ref.source,
                    ref.horizon,
                )
            else:
                rs = ref
            rs = rs.take(mask)
            rkey = (ref_code, rs.source, tuple(rs.years), tuple(rs.batches), tuple(rs.passed), dl)  # type: ignore[arg-type]
            if rkey not in ref_trends:
                ref_trends[rkey] = _glm_forecast(rs, dl, None, ">=", ctx, notes)
            rfit = ref_trends[rkey]
            if math.isfinite(rfit.get("forecast", np.nan)):
                thr = rfit["forecast"] + k / 100.0
                row["forecast_threshold"] = thr
                fit = _glm_forecast(own.take(mask), dl, thr, ">=", ctx, notes)
                method = (
                    "glm: P(observed pass rate in the deadline year ≥ forecast reference + k pp)"
                )
        else:
            fit = _ols(years[mask], gap[mask] / 100.0, dl, k / 100.0, ">=", ctx.conf)
            fit = {**fit, "forecast": np.nan, "forecast_lower": np.nan, "forecast_upper": np.nan}
            row["forecast_threshold"] = np.nan
            method = "ols on the gap: Student-t predictive P(gap in the deadline year ≥ k pp)"
    if notes:
        row["notes"] = "; ".join(dict.fromkeys(notes))
    prob = fit.get("prob", np.nan)
    meets_now = _meets(float(gap[i]), k, ">=", strict)
    ge, gz = gap_text(i)
    if math.isfinite(prob):
        slope_scale = 100.0 if own.kind == "values" else 1.0
        row.update(
            trend_per_year=fit["slope"] * slope_scale,
            trend_lower=fit["slope_lower"] * slope_scale,
            trend_upper=fit["slope_upper"] * slope_scale,
            trend_unit="pp",
            forecast=fit.get("forecast"),
            forecast_lower=fit.get("forecast_lower"),
            forecast_upper=fit.get("forecast_upper"),
            prob_meet=prob,
            prob_expected_meets=fit.get("prob_expected", np.nan),
            prob_method=method,
        )
        on = prob >= 0.5
        row["status"] = "on_track" if on else "off_track"
        what = "of the region" if own.kind == "counts" else "of the gap"
        row["status_reason_en"] = (
            f"latest {last}: {ge}; trend {what} {row['trend_per_year']:+.2f} pp/year "
            f"(fitted on {_years_text(years[mask])}); "
            f"P(meeting {req_en} in {dl}) = {prob:.2f} {'≥' if on else '<'} 0.5 → "
            f"{'on track' if on else 'off track'}."
        )
        row["status_reason_zh"] = (
            f"{last}年{gz}；趋势每年{row['trend_per_year']:+.2f}个百分点"
            f"（据{_years_text(years[mask])}年数据）；"
            f"{dl}年达到{req_zh}的概率{prob:.2f}，{'进度正常' if on else '进度滞后'}。"
        )
        return
    _status_without_trend(
        row,
        int(mask.sum()),
        meets_now,
        dl,
        req_en,
        req_zh,
        latest_en=f"{last}: {ge}",
        latest_zh=f"{last}年{gz}",
    )


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
) -> pd.DataFrame:
    """The scorecard: one row per target (quantitative and qualitative), in input order.

    ``targets``: None (every target of the registry), a :class:`~qualitykit.policy.targets.Registry`,
    Target objects or target ids, or a :func:`~qualitykit.policy.targets.targets_table` frame.
    ``provider``: a :class:`DataProvider` (default :func:`default_provider`: published national
    series + the synthetic sample). All series are requested from the provider in one call.
    ``as_of``: cut the data at this year (evaluate as if in that year); ``conf``: level of the
    intervals; ``n_sim``/``seed``: simulation of :func:`qualitykit.stats.trends.forecast`;
    ``include_self``: whether a relative target's reference includes the region itself;
    ``trend_years``: fit trends on the last N observed years only (default all). Status rules and
    methods: module docstring.

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
    status                  met / not_met / on_track / off_track / no_data / qualitative
    confident               met/not_met: the interval lies entirely on the same side
    status_reason_en, …_zh  one sentence generated from the numbers
    source_sentence, clause the document's sentence and the part setting the target
    data_source             what the series came from
    adaptation              how a district version differs from the written target
    notes                   warnings of the trend / forecast (e.g. long extrapolation)
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
) -> pd.DataFrame:
    _check_eval_args(as_of, conf, n_sim, trend_years)
    ctx = _Ctx(
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
            row.update(
                status="qualitative",
                status_reason_en="qualitative aim: no number to evaluate",
                status_reason_zh="定性目标，无可评价的数值",
            )
        elif t.region_code is None:
            _no_data(row, "the region the target applies to is not known", "目标适用地区不明")
        elif t.indicator not in provider.indicators:
            _no_data(row, *_not_observable(t.indicator))
        elif (
            t.comparator in ("above_reference", "above_reference_by")
            and row["ref_region_code"] is None
        ):
            _no_data(row, "the reference region is not known", "参照地区不明")
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
        obs = provider.observe(_check_requests(req))
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

    def series(key: str) -> _Series | None:
        if key in counts:
            return _Series.from_counts(counts[key], horizons.get(key))
        if key in values:
            return _Series.from_values(values[key], horizons.get(key))
        return None

    def why(key: str) -> tuple[str, str]:
        if key in missing:
            return missing[key]
        if ctx.as_of is not None:
            return (f"no observations up to {ctx.as_of}", f"{ctx.as_of}年及以前无数据")
        return ("no observations for this region and scope", "该地区和范围无数据")

    ref_trends: dict[tuple, dict[str, float]] = {}
    for it, row, (own_key, ref_key) in zip(items, rows, plan, strict=True):
        if own_key is None:
            continue
        t = it.target
        own = series(own_key)
        if own is None:
            _no_data(row, *why(own_key))
            continue
        row["data_source"] = own.source
        if ref_key is None:
            _assess_absolute(row, t, own, ctx)
            continue
        ref = series(ref_key)
        if ref is None:
            en, zh = why(ref_key)
            _no_data(
                row,
                f"reference {row['ref_region_name']}: {en}",
                f"参照地区{row['ref_region_name']}：{zh}",
            )
            continue
        _assess_relative(row, t, own, ref, ctx, ref_trends)
    return _frame(rows, EVALUATION_COLUMNS)


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
    n_evaluated         met + not_met + on_track + off_track
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
    out["n_evaluated"] = out[["met", "not_met", "on_track", "off_track"]].sum(axis=1)
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
    notes = [f"{_region_name(t.region_code)} target applied to the district's own spot checks"]
    group = scope.pop("product_group", None)
    if group is not None:
        notes.append(
            f"product group {_join(_split(group))} not identified in the data: all products used"
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
    allowed = {"as_of", "conf", "n_sim", "seed", "include_self", "trend_years"}
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
    }
    return {**defaults, **kwargs}
