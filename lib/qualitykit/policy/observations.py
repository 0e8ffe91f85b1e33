"""What the scorecard asks data for and what it gets back: requests (:data:`REQUEST_COLUMNS`),
:class:`Observations`, the :class:`DataProvider` protocol, and :class:`CountsProvider` — the
counts engine every spot-check provider uses (an aggregated counts table in, pass-rate series per
request out; one mask per distinct scope, one merge for all regions).

A provider turns requests (indicator, region, scope) into yearly series — ``year, batches,
passed`` for rates computed from spot-check records, or ``year, value`` for published figures.
Anything with an ``indicators`` set, a ``label`` and an ``observe(requests) -> Observations``
method is a provider, so users plug in their own data. The providers of the library's own data
are in :mod:`qualitykit.policy.providers`.

Targets scoped to a *product group* the records do not mark (重点产品, 名牌产品 …) get no series
unless the provider is given ``product_groups`` (a mapping group → product names, or ``"all"``
to use every product as a stated proxy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, Protocol, runtime_checkable

import pandas as pd

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.errors import ParameterError
from qualitykit.policy.vocabulary import INDICATORS

RATE_INDICATOR = "spot_check_pass_rate"
_SEP = re.compile(r"[、,，;；]\s*")

ProductGroups = Mapping[str, Sequence[str] | Literal["all"]] | Literal["all"] | None

# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------


def frame(data: Mapping[str, Any] | list[dict], columns: Mapping[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(data, columns=list(columns))
    return df.astype(dict(columns))


def split(value: object) -> tuple[str, ...] | None:
    """'national、provincial' → ('national', 'provincial'); NA / '' → None."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, (list, tuple)):
        parts = [str(v).strip() for v in value]
    else:
        parts = [p.strip() for p in _SEP.split(str(value))]
    parts = [p for p in parts if p]
    return tuple(parts) or None


def join(parts: Iterable[str] | None) -> str | None:
    if parts is None:
        return None
    parts = list(parts)
    return "、".join(parts) if parts else None


def scope_value(scope: Mapping[str, Any], key: str) -> str | None:
    return join(split(scope.get(key)))


def region_name(code: str | None) -> str | None:
    """The Chinese name of a region code; None for None or an unknown code."""
    if code is None:
        return None
    try:
        return regions.name(code)
    except ParameterError:
        return None


@cache
def _county_parents() -> pd.DataFrame:
    """Long table ``region_code → ancestor`` for every county-level code (self, city, province,
    nation), one row per distinct pair."""
    c = regions.counties(with_successors=True)[["region_code", "city_code", "province_code"]]
    c = c.astype("string")
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
    return frozenset(regions.counties(with_successors=True)["region_code"].astype(str))


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

COUNT_COLUMNS = {
    "key": "string",
    "year": "int64",
    "batches": "int64",
    "passed": "int64",
    "source": "string",
}
VALUE_COLUMNS = {"key": "string", "year": "int64", "value": "float64", "source": "string"}
MISSING_COLUMNS = {"key": "string", "reason_en": "string", "reason_zh": "string"}


def empty(columns: Mapping[str, str]) -> pd.DataFrame:
    return frame([], columns)


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

    counts: pd.DataFrame = field(default_factory=lambda: empty(COUNT_COLUMNS))
    values: pd.DataFrame = field(default_factory=lambda: empty(VALUE_COLUMNS))
    missing: pd.DataFrame = field(default_factory=lambda: empty(MISSING_COLUMNS))
    horizon: Mapping[str, int] = field(default_factory=dict)

    @staticmethod
    def combine(parts: Iterable[Observations]) -> Observations:
        """Concatenate several observations (no de-duplication)."""
        parts = list(parts)

        def cat(attr: str, cols: Mapping[str, str]) -> pd.DataFrame:
            frames = [getattr(p, attr) for p in parts if len(getattr(p, attr))]
            if not frames:
                return empty(cols)
            return pd.concat(frames, ignore_index=True).astype(dict(cols))

        horizon: dict[str, int] = {}
        for p in parts:
            horizon.update(p.horizon)
        return Observations(
            cat("counts", COUNT_COLUMNS),
            cat("values", VALUE_COLUMNS),
            cat("missing", MISSING_COLUMNS),
            horizon,
        )


def missing_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return frame(
        {
            "key": [r[0] for r in rows],
            "reason_en": [r[1] for r in rows],
            "reason_zh": [r[2] for r in rows],
        },
        MISSING_COLUMNS,
    )


@runtime_checkable
class DataProvider(Protocol):
    """Anything that turns requests (:data:`REQUEST_COLUMNS`) into :class:`Observations`.

    ``indicators`` names the indicators it can serve (requests for others are not sent to it
    by :class:`CompositeProvider`); ``label`` describes its data for the scorecard."""

    label: str
    indicators: frozenset[str]

    def observe(self, requests: pd.DataFrame) -> Observations: ...


def check_requests(requests: pd.DataFrame) -> pd.DataFrame:
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


def check_groups(
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


def resolve_products(
    product: str | None,
    group: str | None,
    groups: Mapping[str, tuple[str, ...] | None] | str | None,
) -> tuple[tuple[str, ...] | None, str | None, tuple[str, str] | None]:
    """(product filter or None = all, proxy note, missing reason) for one request."""
    prods = split(product)
    if prods is not None:
        return prods, None, None
    names = split(group)
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
        self._groups = check_groups(product_groups)
        self.label = label
        self.indicators = frozenset(self._data["indicator"].dropna().unique().tolist())

    @property
    def data(self) -> pd.DataFrame:
        """The aggregated counts (a copy)."""
        return self._data.copy()

    def observe(self, requests: pd.DataFrame) -> Observations:
        return _observe_counts(
            self._data, self._dims, check_requests(requests), self.label, self._groups
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
        prods, note, reason = resolve_products(
            None if pd.isna(row.product) else row.product,
            None if pd.isna(row.product_group) else row.product_group,
            groups,
        )
        if reason is not None:
            missing.append((key, *reason))
            continue
        levels = split(None if pd.isna(row.check_level) else row.check_level)
        if levels is not None:
            unknown = [lv for lv in levels if lv not in schema.CHECK_LEVELS]
            if unknown:
                raise ParameterError(f"request {key!r}: unknown check level(s) {unknown}")
        industries = split(None if pd.isna(row.industry_code) else row.industry_code)
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
        else empty(COUNT_COLUMNS).drop(columns="source")
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
                    f"no batches for {p['region_code']} ({region_name(p['region_code'])}) in this "
                    f"scope in {label}",
                    f"{label}中没有{region_name(p['region_code'])}在该范围内的抽查批次",
                )
            )
    last = int(data["year"].max()) if len(data) else None
    horizon = {} if last is None else {str(p["key"]): last for p in plans}
    return Observations(
        counts=counts.astype(COUNT_COLUMNS).reset_index(drop=True),
        missing=missing_frame(missing),
        horizon=horizon,
    )
