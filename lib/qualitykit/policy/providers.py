"""The data providers of the scorecard for the library's own data and the user's: spot-check
records (:class:`SampleProvider`, read through :func:`qualitykit.data.dataset.open_records`),
published value series (:class:`SeriesProvider`), the real published national series of
``data/reference`` (:class:`ReferenceProvider`), and :class:`CompositeProvider`, which routes each
request to the first provider that serves it; :func:`default_provider` = reference series first,
then the sample. The protocol, :class:`~qualitykit.policy.observations.Observations` and the
counts engine :class:`~qualitykit.policy.observations.CountsProvider` are in
:mod:`qualitykit.policy.observations`. All I/O of the scorecard happens here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from qualitykit.data import regions
from qualitykit.errors import NoDataError, ParameterError
from qualitykit.policy.observations import (
    RATE_INDICATOR,
    VALUE_COLUMNS,
    CountsProvider,
    DataProvider,
    Observations,
    ProductGroups,
    check_groups,
    check_requests,
    empty,
    missing_frame,
    resolve_products,
    split,
)
from qualitykit.policy.vocabulary import INDICATORS, is_rate


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
        check_groups(product_groups)
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
            return empty(
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
            return empty(
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
        req = check_requests(requests)
        served = req[req["indicator"].isin(self.indicators)]
        groups = check_groups(self.product_groups)
        prods: set[str] = set()
        inds: set[str] = set()
        for row in served.itertuples(index=False):
            p, _, _ = resolve_products(
                None if pd.isna(row.product) else row.product,
                None if pd.isna(row.product_group) else row.product_group,
                groups,
            )
            prods.update(p or ())
            inds.update(split(None if pd.isna(row.industry_code) else row.industry_code) or ())
        counts = self.counts(served["region_code"].dropna().unique().tolist(), prods, inds)
        if counts.empty:
            return Observations(
                missing=missing_frame(
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
        rate = v["indicator"].map(is_rate).astype(bool)
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
        req = check_requests(requests)
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
            values=values.astype(VALUE_COLUMNS).reset_index(drop=True),
            missing=missing_frame(missing),
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
        req = check_requests(requests)
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
        parts.append(Observations(missing=missing_frame(missing)))
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
        req = check_requests(requests)
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
        parts.append(Observations(missing=missing_frame(missing)))
        return Observations.combine(parts)


def default_provider(
    source: str | os.PathLike[str] | None = None, *, product_groups: ProductGroups = None
) -> CompositeProvider:
    """The published national series (:class:`ReferenceProvider`) and the spot-check records of
    ``source`` (:class:`SampleProvider`, default the synthetic sample)."""
    return CompositeProvider(
        ReferenceProvider(), SampleProvider(source, product_groups=product_groups)
    )
