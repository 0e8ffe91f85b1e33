"""The generator of the synthetic sample: the model (districts, enterprises, effects) and the Arrow
tables it produces, one province at a time.

The model and its calibration are described in :mod:`qualitykit.data.sample` and
``data/sample/README.md``; the parameters below are synthetic choices documented there. Split out
of :mod:`qualitykit.data.sample` (which writes, hashes and caches what this module generates).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.data.calibration import (
    _SIZES3,
    MACRO_REGIONS,
    _clusters,
    _expit,
    _logit,
    _product_items,
    _products,
    _province_shares,
    _size_releases,
    calibration_targets,
)
from qualitykit.data.industries import industries
from qualitykit.data.reference import national_pass_rate_series
from qualitykit.errors import ParameterError
from qualitykit.paths import data_dir

LEVEL_SHARES: dict[str, float] = {
    "national": 0.15,
    "provincial": 0.35,
    "municipal": 0.28,
    "county": 0.22,
}
"""Share of all batches per check level (synthetic)."""
LOCAL_PASS_RATES: dict[str, tuple[float, float]] = {
    "provincial": (0.88, 0.955),
    "municipal": (0.86, 0.945),
    "county": (0.85, 0.94),
}
"""Pass rate of local checks in the first and last year, linear in log-odds in between
(synthetic; local checks are not risk-targeted like the national checks after 2018, so they do not
follow the national series; loosely after the published local rates of 88–97 % in
``spot_check_regional_local.csv``, e.g. Shandong 2017 provincial 95.2 %)."""
LOCAL_SIZE_SHARES: tuple[float, float, float] = (0.05, 0.15, 0.80)
"""Large / medium / small share of batches in local checks (synthetic)."""
LOCAL_GROWTH = 1.5
"""Local check volume grows linearly by this factor over the period (synthetic)."""
POPULATION_SIZE_SHARES: tuple[float, float, float] = (0.03, 0.12, 0.85)
ENTERPRISES_PER_BATCH = 1 / 6
MIN_ENTERPRISES_PER_COUNTY = 2
SIGMA_PROVINCE, SIGMA_COUNTY, SIGMA_COUNTY_SLOPE, SIGMA_ENTERPRISE = 0.25, 0.6, 0.03, 0.6
MACRO_EFFECT: dict[str, float] = {"east": -0.10, "central": 0.05, "west": 0.30}
LOCAL_FLATTEN = 0.6
"""Local checks spread over districts as (enterprise share) ** LOCAL_FLATTEN: every district's own
bureau checks its firms, so small districts get relatively more local batches than national ones."""
SEED_REGION_BOOST = 8.0
"""Local-check intensity multiplier of the seed regions, so their programme effects are estimable."""
ITEMS_EXTRA_POISSON = 0.45
"""A failed batch fails ``1 + Poisson(0.45)`` items (capped at the product's item count)."""
SMALL_FIRM_LABELLING_FACTOR = 1.5
"""Labelling items are this much more likely among the failed items of small firms (synthetic)."""


@dataclass(frozen=True)
class Programme:
    """A quality programme of a seed region and its (synthetic) effect on the fail log-odds.

    Effect at time ``t`` (years): ``pre_offset − level_drop · [t ≥ start] − slope ·
    clip(t − start, 0, ramp_years)``; negative values mean fewer failures. ``start`` is the date
    of the programme document as a decimal year. ``region_code`` is a county or a city (all its
    districts); ``product`` limits the effect to one product (``None``: all products).
    """

    name: str
    region_code: str
    product: str | None
    start: float
    pre_offset: float
    level_drop: float
    slope: float
    ramp_years: float
    document: str

    def effect(self, t: np.ndarray) -> np.ndarray:
        """The effect on the fail log-odds at times ``t`` (years, e.g. 2006.625 = 2006 Q3)."""
        t = np.asarray(t, dtype=float)
        after = t >= self.start
        return (
            self.pre_offset
            - self.level_drop * after
            - self.slope * np.clip(t - self.start, 0.0, self.ramp_years)
        )


PROGRAMMES: tuple[Programme, ...] = (
    Programme(
        "Longwan leather shoes",
        "330303",
        "皮鞋",
        2006 + 247 / 365,
        0.8,
        0.5,
        0.4,
        5.0,
        "龙湾区皮鞋行业名牌培育质量提升工程实施方案 (2006-09-05)",
    ),
    Programme(
        "Xianning key products",
        "421200",
        None,
        2016 + 178 / 366,
        0.3,
        0.3,
        0.25,
        6.0,
        "咸政办函〔2016〕37号 咸宁市重点产品质量提升行动实施方案 (2016-06-27)",
    ),
    Programme(
        "Chenzhou quality strategy",
        "431000",
        None,
        2010 + 200 / 365,
        0.35,
        0.3,
        0.3,
        8.0,
        "郴政发〔2010〕4号 关于进一步实施质量兴郴战略的若干意见 (登记 2010-07-20)",
    ),
)
"""The seed-region programmes. Effect sizes are synthetic, chosen to be detectable by segmented
regression in the default sample; they are not estimates of the real programmes' effects."""

_RECORD_COLUMNS = tuple(c.name for c in schema.RECORD_COLUMNS if c.name != "sampled_on")
_BATCH_ID_WIDTH = 18  # "330303-2010-000123"
_ENTERPRISE_ID_WIDTH = 13  # "E330303000123"


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers ≥ 0 proportional to ``weights`` that sum exactly to ``total`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    short = int(total - base.sum())
    if short:
        order = np.lexsort((np.arange(len(w)), -(exact - base)))
        base[order[:short]] += 1
    return base


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """ASCII digits of non-negative integers, zero-padded: shape (n, width), dtype uint8."""
    v = np.asarray(values, dtype=np.int64)[:, None]
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((v // powers) % 10 + 48).astype(np.uint8)


def _fixed_width_strings(buf: np.ndarray) -> pa.Array:
    """An Arrow string array from a (n, width) uint8 matrix of ASCII bytes, without copying rows."""
    n, width = buf.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(
            n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(np.ascontiguousarray(buf))
        )
    return pa.LargeStringArray.from_buffers(  # pragma: no cover - > 2 GB of ids in one chunk
        n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buf))
    ).cast(pa.string())


def _dictionary(indices: np.ndarray, values: Sequence[str], index_type: pa.DataType) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(indices), type=index_type), pa.array(list(values), type=pa.string())
    )


RECORDS_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("year", pa.int16()),
        ("quarter", pa.int8()),
        ("check_level", pa.dictionary(pa.int8(), pa.string())),
        ("region_code", pa.string()),
        ("industry_code", pa.dictionary(pa.int8(), pa.string())),
        ("product", pa.dictionary(pa.int16(), pa.string())),
        ("enterprise_id", pa.string()),
        ("enterprise_size", pa.dictionary(pa.int8(), pa.string())),
        ("annual_sales", pa.float64()),
        ("passed", pa.bool_()),
    ]
)
"""On-disk schema of the records (``province`` is the hive partition key, not a column)."""

NONCONFORMITIES_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("item", pa.dictionary(pa.int16(), pa.string())),
        ("region_code", pa.string()),
        ("year", pa.int16()),
    ]
)
"""On-disk schema of the nonconformities (``region_code`` and ``year`` allow pushdown)."""


@dataclass
class _Model:
    """Everything drawn once per (seed, size): districts, enterprises and their effects."""

    seed: int
    n_batches: int
    years: tuple[int, int]
    county_codes: np.ndarray  # (C,) str
    county_prov: np.ndarray  # (C,) province ordinal
    prov_codes: list[str]
    product_names: list[str]
    product_industry: np.ndarray  # (P,) index into industry_codes
    industry_codes: list[str]
    ent_county: np.ndarray
    ent_product: np.ndarray
    ent_size: np.ndarray
    ent_sales: np.ndarray
    ent_gamma: np.ndarray
    ent_programme: np.ndarray
    county_slope: np.ndarray
    ent_id: pa.Array
    weight_national: np.ndarray
    weight_local: np.ndarray
    targets: pd.DataFrame
    items: list[str] = field(default_factory=list)
    item_logw: np.ndarray | None = None  # (P, K)
    item_index: np.ndarray | None = None  # (P, K)
    item_is_label: np.ndarray | None = None  # (P, K)
    item_count: np.ndarray | None = None  # (P,)


def _build_model(n_batches: int, seed: int, years: tuple[int, int]) -> _Model:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    cty = regions.counties()
    codes = cty["region_code"].to_numpy(dtype=str)
    n_c = len(codes)
    prov_codes = sorted(set(cty["province_code"].astype(str)))
    prov_of = {p: i for i, p in enumerate(prov_codes)}
    county_prov = np.array([prov_of[p] for p in cty["province_code"].astype(str)], dtype=np.int64)

    # districts: province shares (published where available) x lognormal within the province
    pshare = _province_shares().reindex(prov_codes).fillna(0.0).to_numpy()
    z = np.exp(rng.normal(0.0, 0.8, n_c))
    zsum = np.bincount(county_prov, weights=z, minlength=len(prov_codes))
    cw = pshare[county_prov] * z / zsum[county_prov]
    cw /= cw.sum()

    # products
    prod = _products()
    names = prod["product"].astype(str).tolist()
    ind_codes = industries()["industry_code"].astype(str).tolist()
    missing = sorted(set(prod["industry_code"].astype(str)) - set(ind_codes))
    if missing:  # pragma: no cover - guards the config file
        raise ValueError(f"products.csv uses unknown industry codes {missing}")
    p_ind = np.array([ind_codes.index(c) for c in prod["industry_code"].astype(str)])
    pw = prod["weight"].to_numpy(float)

    # enterprises: a floor per district, the rest by district weight; products; clusters
    n_ent = max(
        int(round(n_batches * ENTERPRISES_PER_BATCH)), (MIN_ENTERPRISES_PER_COUNTY + 1) * n_c
    )
    n_floor = MIN_ENTERPRISES_PER_COUNTY * n_c
    ent_county = np.empty(n_ent, dtype=np.int64)
    ent_county[:n_floor] = np.tile(np.arange(n_c), MIN_ENTERPRISES_PER_COUNTY)
    ent_county[n_floor:] = rng.choice(n_c, size=n_ent - n_floor, p=cw)
    ent_product = rng.choice(len(names), size=n_ent, p=pw / pw.sum())
    code_pos = {c: i for i, c in enumerate(codes)}
    cl = _clusters()
    for pname, g in cl.groupby("product", sort=True):
        if str(pname) not in names:  # pragma: no cover - guards the config file
            raise ValueError(f"clusters.csv names unknown product {pname!r}")
        members = np.flatnonzero(ent_product[n_floor:] == names.index(str(pname))) + n_floor
        shares = g["share"].to_numpy(float)
        targets = np.array([code_pos[str(c)] for c in g["region_code"]])
        u = rng.random(len(members))
        pos = np.searchsorted(np.cumsum(shares), u, side="right")
        hit = pos < len(shares)
        ent_county[members[hit]] = targets[pos[hit]]
    ent_size = rng.choice(3, size=n_ent, p=np.array(POPULATION_SIZE_SHARES))
    # annual sales (万元): log-uniform within the NBS 2017 industrial size bands by revenue
    # (large >= 40000, medium 2000-40000, small incl. micro < 2000; upper and lower ends synthetic)
    lo = np.log(np.array([40000.0, 2000.0, 30.0]))[ent_size]
    hi = np.log(np.array([800000.0, 40000.0, 2000.0]))[ent_size]
    sales = np.minimum(np.round(np.exp(lo + (hi - lo) * rng.random(n_ent)), 1), np.exp(hi) - 0.1)
    ent_eff = rng.normal(0.0, SIGMA_ENTERPRISE, n_ent)

    # random effects of provinces and districts
    prov_eff = rng.normal(0.0, SIGMA_PROVINCE, len(prov_codes))
    macro_of = {p: mr for mr, ps in MACRO_REGIONS.items() for p in ps}
    prov_eff += np.array([MACRO_EFFECT[macro_of[p[:2]]] for p in prov_codes])
    county_eff = rng.normal(0.0, SIGMA_COUNTY, n_c)
    county_slope = rng.normal(0.0, SIGMA_COUNTY_SLOPE, n_c)
    prod_eff = prod["nc_logit_offset"].to_numpy(float)

    # programmes of the seed regions
    city_of = cty["city_code"].astype("string").fillna("").to_numpy(dtype=str)
    ent_programme = np.zeros(n_ent, dtype=np.int8)
    seed_county = np.zeros(n_c, dtype=bool)
    for k, prog in enumerate(PROGRAMMES, start=1):
        in_region = (codes == prog.region_code) | (city_of == prog.region_code)
        if not in_region.any():  # pragma: no cover - guards the constants
            raise ValueError(f"programme region {prog.region_code} has no county-level divisions")
        seed_county |= in_region
        mask = in_region[ent_county]
        if prog.product is not None:
            mask &= ent_product == names.index(prog.product)
        ent_programme[mask] = k

    # order enterprises by district (their ids are district code + sequence)
    order = np.argsort(ent_county, kind="stable")
    ent_county, ent_product, ent_size = ent_county[order], ent_product[order], ent_size[order]
    sales, ent_eff, ent_programme = sales[order], ent_eff[order], ent_programme[order]
    counts = np.bincount(ent_county, minlength=n_c)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    seq = np.arange(n_ent) - first[ent_county] + 1
    if seq.max() >= 10**6:  # pragma: no cover - would need ~10^8 batches
        raise ParameterError("more than 999,999 enterprises in one district: n_batches too large")
    code_bytes = np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8).reshape(n_c, 6)
    buf = np.empty((n_ent, _ENTERPRISE_ID_WIDTH), dtype=np.uint8)
    buf[:, 0] = ord("E")
    buf[:, 1:7] = code_bytes[ent_county]
    buf[:, 7:] = _digits(seq, 6)
    ent_id = _fixed_width_strings(buf)

    # sampling weights: national checks follow the enterprise distribution (without the floor),
    # local checks a flattened one with the seed regions boosted
    nonfloor = counts - MIN_ENTERPRISES_PER_COUNTY  # clusters never move the floor enterprises
    s_nat = (nonfloor + 1.0) / (nonfloor + 1.0).sum()
    s_loc = s_nat**LOCAL_FLATTEN * np.where(seed_county, SEED_REGION_BOOST, 1.0)
    s_loc /= s_loc.sum()
    weight_national = s_nat[ent_county] / counts[ent_county]
    weight_local = s_loc[ent_county] / counts[ent_county]

    ent_gamma = prov_eff[county_prov[ent_county]] + county_eff[ent_county] + prod_eff[ent_product]
    ent_gamma = ent_gamma + ent_eff

    model = _Model(
        seed=seed,
        n_batches=n_batches,
        years=years,
        county_codes=codes,
        county_prov=county_prov,
        prov_codes=prov_codes,
        product_names=names,
        product_industry=p_ind,
        industry_codes=ind_codes,
        ent_county=ent_county,
        ent_product=ent_product,
        ent_size=ent_size,
        ent_sales=sales,
        ent_gamma=ent_gamma,
        ent_programme=ent_programme,
        county_slope=county_slope,
        ent_id=ent_id,
        weight_national=weight_national,
        weight_local=weight_local,
        targets=calibration_targets(range(years[0], years[1] + 1)),
    )
    _attach_items(model)
    return model


def _attach_items(model: _Model) -> None:
    pi = _product_items()
    items = sorted(set(pi["item"].astype(str)))
    ipos = {it: i for i, it in enumerate(items)}
    labelling = _labelling_items()
    n_p = len(model.product_names)
    k = int(pi.groupby("product").size().max())
    logw = np.full((n_p, k), -np.inf)
    idx = np.zeros((n_p, k), dtype=np.int64)
    is_label = np.zeros((n_p, k), dtype=bool)
    count = np.zeros(n_p, dtype=np.int64)
    for p, name in enumerate(model.product_names):
        g = pi[pi["product"] == name]
        if g.empty:  # pragma: no cover - guards the config file
            raise ValueError(f"product {name!r} has no test items in product_items.csv")
        m = len(g)
        logw[p, :m] = np.log(g["weight"].to_numpy(float))
        idx[p, :m] = [ipos[str(i)] for i in g["item"]]
        is_label[p, :m] = [str(i) in labelling for i in g["item"]]
        count[p] = m
    model.items, model.item_logw, model.item_index = items, logw, idx
    model.item_is_label, model.item_count = is_label, count


@cache
def _labelling_items() -> frozenset[str]:
    path = data_dir() / "causes" / "cause_map.csv"
    cm = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frozenset(cm.loc[cm["category"] == "labelling", "item"])


def _cell_counts(model: _Model) -> np.ndarray:
    """Batches per (level, year, size): deterministic allocation of ``n_batches``."""
    y0, y1 = model.years
    yrs = np.arange(y0, y1 + 1)
    levels = schema.CHECK_LEVELS
    per_level = _allocate(model.n_batches, np.array([LEVEL_SHARES[lv] for lv in levels]))
    series = national_pass_rate_series()
    nat_w = np.interp(
        yrs,
        series["year"][series["batches"].notna()].to_numpy(float),
        series["batches"].dropna().to_numpy(float),
    )
    loc_w = 1.0 + LOCAL_GROWTH * (yrs - y0) / max(y1 - y0, 1)
    tg = model.targets
    nat_shares = tg[["share_large", "share_medium", "share_small"]].to_numpy()
    out = np.zeros((len(levels), len(yrs), 3), dtype=np.int64)
    for li, lv in enumerate(levels):
        by_year = _allocate(int(per_level[li]), nat_w if lv == "national" else loc_w)
        for yi in range(len(yrs)):
            shares = nat_shares[yi] if lv == "national" else np.array(LOCAL_SIZE_SHARES)
            out[li, yi] = _allocate(int(by_year[yi]), shares)
    return out


def _local_targets(years: tuple[int, int]) -> dict[str, np.ndarray]:
    """Fail log-odds intercept (large firms) per local level and year: the pass rate of
    :data:`LOCAL_PASS_RATES` for the local size mix with the average published size gaps."""
    from scipy.optimize import brentq

    y0, y1 = years
    yrs = np.arange(y0, y1 + 1)
    frac = (yrs - y0) / max(y1 - y0, 1)
    d = _mean_size_gaps()
    w = np.array(LOCAL_SIZE_SHARES)
    out = {}
    for lv, (p0, p1) in LOCAL_PASS_RATES.items():
        fail = _expit(_logit(1 - p0) + frac * (_logit(1 - p1) - _logit(1 - p0)))
        out[lv] = np.array(
            [
                brentq(lambda a, g=g: float(w @ _expit(a + d)) - g, -20.0, 20.0, xtol=1e-12)
                for g in fail
            ]
        )
    return out


@cache
def _mean_size_gaps() -> np.ndarray:
    """Fail log-odds of large / medium / small firms relative to large ones, averaged over the
    published national size-class releases (used for the local checks)."""
    rel = _size_releases().dropna(subset=[f"pass_{s}" for s in _SIZES3])
    lf = {s: _logit(1.0 - rel[f"pass_{s}"].to_numpy() / 100.0) for s in _SIZES3}
    return np.array(
        [0.0, float(np.mean(lf["medium"] - lf["large"])), float(np.mean(lf["small"] - lf["large"]))]
    )


def _cell_failures(model: _Model, counts: np.ndarray) -> np.ndarray:
    """Failures per (level, year, size): national totals from the published series with the
    published size gaps; local levels from :func:`_local_targets`."""
    tg = model.targets
    local = _local_targets(model.years)
    d_local = _mean_size_gaps()
    fails = np.zeros_like(counts)
    for li, lv in enumerate(schema.CHECK_LEVELS):
        for yi in range(counts.shape[1]):
            n = counts[li, yi]
            if lv == "national":
                d = np.array([0.0, tg["gap_medium_logit"].iat[yi], tg["gap_small_logit"].iat[yi]])
                expected = n * _expit(tg["intercept_logit"].iat[yi] + d)
                total = int(round(n.sum() * (1.0 - tg["pass_rate_target"].iat[yi])))
            else:
                expected = n * _expit(local[lv][yi] + d_local)
                total = int(round(expected.sum()))
            fails[li, yi] = np.minimum(_allocate(total, expected), n)
    return fails


@dataclass
class _Skeleton:
    ent: np.ndarray
    year: np.ndarray
    quarter: np.ndarray
    level: np.ndarray
    passed: np.ndarray


def _programme_effect(prog: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = np.zeros(len(prog))
    for k, p in enumerate(PROGRAMMES, start=1):
        m = prog == k
        if m.any():
            out[m] = p.effect(t[m])
    return out


def _skeleton(model: _Model) -> _Skeleton:
    """The compact record table (enterprise, year, quarter, level, passed), in output order."""
    rng = np.random.default_rng(np.random.SeedSequence([model.seed, 1]))
    counts = _cell_counts(model)
    fails = _cell_failures(model, counts)
    pools = [np.flatnonzero(model.ent_size == s) for s in range(3)]
    cum_nat = [np.cumsum(model.weight_national[p]) for p in pools]
    cum_loc = [np.cumsum(model.weight_local[p]) for p in pools]
    y0 = model.years[0]
    total = int(counts.sum())
    ent = np.empty(total, dtype=np.int32)
    year = np.empty(total, dtype=np.int16)
    quarter = np.empty(total, dtype=np.int8)
    level = np.empty(total, dtype=np.int8)
    passed = np.ones(total, dtype=bool)
    at = 0
    for li, lv in enumerate(schema.CHECK_LEVELS):
        cums = cum_nat if lv == "national" else cum_loc
        for yi in range(counts.shape[1]):
            for s in range(3):
                n, k = int(counts[li, yi, s]), int(fails[li, yi, s])
                if n == 0:
                    continue
                cum = cums[s]
                pos = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
                e = pools[s][np.minimum(pos, len(cum) - 1)]
                q = rng.integers(1, 5, n)
                t = y0 + yi + (q - 0.5) / 4.0
                c = model.ent_county[e]
                gamma = (
                    model.ent_gamma[e]
                    + model.county_slope[c] * (t - 2015.0)
                    + _programme_effect(model.ent_programme[e], t)
                )
                f = gamma + rng.logistic(size=n)
                cell = slice(at, at + n)
                ent[cell], year[cell], quarter[cell], level[cell] = e, y0 + yi, q, li
                if k >= n:
                    passed[cell] = False
                elif k > 0:
                    passed[at + np.argpartition(f, n - k)[n - k :]] = False
                at += n
    # county (12 bits) | year (6) | quarter (2) | level (2): fits in 32 bits
    key = (model.ent_county[ent].astype(np.int32) * 64 + (year - y0).astype(np.int32)) * 16
    key += (quarter.astype(np.int32) - 1) * 4 + level
    order = np.argsort(key, kind="stable")
    del key
    return _Skeleton(ent[order], year[order], quarter[order], level[order], passed[order])


def _province_slices(model: _Model, sk: _Skeleton) -> Iterator[tuple[int, slice]]:
    prov_of_record = model.county_prov[model.ent_county[sk.ent]]
    bounds = np.searchsorted(prov_of_record, np.arange(len(model.prov_codes) + 1), side="left")
    for p in range(len(model.prov_codes)):
        yield p, slice(int(bounds[p]), int(bounds[p + 1]))


def _records_table(model: _Model, sk: _Skeleton, sl: slice) -> pa.Table:
    ent = sk.ent[sl]
    m = len(ent)
    c = model.ent_county[ent]
    year = sk.year[sl]
    y0 = model.years[0]
    key = c.astype(np.int64) * 64 + (year - y0)
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if m else np.array([], int)
    group = np.cumsum(np.r_[True, key[1:] != key[:-1]]) - 1 if m else np.array([], int)
    seq = np.arange(m) - start[group] + 1 if m else np.array([], int)
    if m and seq.max() >= 10**6:  # pragma: no cover - would need ~10^9 batches
        raise ParameterError("more than 999,999 batches in one district and year")
    code_bytes = np.frombuffer("".join(model.county_codes).encode("ascii"), np.uint8).reshape(-1, 6)
    buf = np.empty((m, _BATCH_ID_WIDTH), dtype=np.uint8)
    buf[:, 0:6] = code_bytes[c]
    buf[:, 6] = buf[:, 11] = ord("-")
    buf[:, 7:11] = _digits(year, 4)
    buf[:, 12:18] = _digits(seq, 6)
    prod = model.ent_product[ent]
    arrays = [
        _fixed_width_strings(buf),
        pa.array(year, type=pa.int16()),
        pa.array(sk.quarter[sl], type=pa.int8()),
        _dictionary(sk.level[sl], schema.CHECK_LEVELS, pa.int8()),
        pa.array(model.county_codes[c], type=pa.string()),
        _dictionary(model.product_industry[prod].astype(np.int8), model.industry_codes, pa.int8()),
        _dictionary(prod.astype(np.int16), model.product_names, pa.int16()),
        model.ent_id.take(pa.array(ent)),
        _dictionary(model.ent_size[ent].astype(np.int8), schema.ENTERPRISE_SIZES, pa.int8()),
        pa.array(model.ent_sales[ent], type=pa.float64()),
        pa.array(sk.passed[sl], type=pa.bool_()),
    ]
    return pa.Table.from_arrays(arrays, schema=RECORDS_SCHEMA)


def _nonconformities_table(
    model: _Model, sk: _Skeleton, sl: slice, records: pa.Table, province: int
) -> pa.Table:
    rng = np.random.default_rng(np.random.SeedSequence([model.seed, 2, province]))
    failed = np.flatnonzero(~sk.passed[sl])
    ent = sk.ent[sl][failed]
    prod = model.ent_product[ent]
    assert model.item_logw is not None and model.item_index is not None
    assert model.item_is_label is not None and model.item_count is not None
    g = model.item_logw[prod] + rng.gumbel(size=(len(failed), model.item_logw.shape[1]))
    small = model.ent_size[ent] == 2
    g += np.log(SMALL_FIRM_LABELLING_FACTOR) * (model.item_is_label[prod] & small[:, None])
    order = np.argsort(-g, axis=1, kind="stable")
    n_items = np.minimum(1 + rng.poisson(ITEMS_EXTRA_POISSON, len(failed)), model.item_count[prod])
    take = np.arange(order.shape[1])[None, :] < n_items[:, None]
    row = np.repeat(np.arange(len(failed)), n_items)
    item = model.item_index[prod[row], order[take]]
    rows = pa.array(failed[row])
    return pa.Table.from_arrays(
        [
            records.column("batch_id").take(rows),
            _dictionary(item.astype(np.int16), model.items, pa.int16()),
            records.column("region_code").take(rows),
            records.column("year").take(rows),
        ],
        schema=NONCONFORMITIES_SCHEMA,
    )


def _enterprises_table(model: _Model) -> pa.Table:
    sc = schema.sales_class(pd.Series(model.ent_sales)).astype(str).to_numpy()
    return pa.table(
        {
            "enterprise_id": model.ent_id,
            "region_code": pa.array(model.county_codes[model.ent_county], type=pa.string()),
            "industry_code": _dictionary(
                model.product_industry[model.ent_product].astype(np.int8),
                model.industry_codes,
                pa.int8(),
            ),
            "product": _dictionary(
                model.ent_product.astype(np.int16), model.product_names, pa.int16()
            ),
            "enterprise_size": _dictionary(
                model.ent_size.astype(np.int8), schema.ENTERPRISE_SIZES, pa.int8()
            ),
            "annual_sales": pa.array(model.ent_sales, type=pa.float64()),
            "sales_class": _dictionary(
                np.searchsorted(np.array(schema.SALES_CLASSES), sc), schema.SALES_CLASSES, pa.int8()
            ),
        }
    )
