"""The deterministic, seeded, **synthetic** sample data set, calibrated to real published figures.

Nothing in this data set is a real spot-check result. It exists so that every notebook runs out of
the box and so that the methods can be shown on data with a known, realistic structure. Every
table carries the note :data:`SYNTHETIC_NOTE`; the manifest says ``"synthetic": true``.

Tables (canonical columns of :mod:`qualitykit.schema`; dtypes as :mod:`qualitykit.data.io` returns them)

* **records** — one row per sampled batch: ``batch_id, year, quarter, check_level, region_code,
  industry_code, product, enterprise_id, enterprise_size, annual_sales, passed``;
* **nonconformities** — one row per failed test item of a failed batch: ``batch_id, item``
  (each failed batch has at least one item, passed batches none); the cause of an item comes
  from the cause map (``data/causes/cause_map.csv``, see :func:`qualitykit.data.dataset.load_cause_map`);
* **enterprises** — ``enterprise_id, region_code, industry_code, product, enterprise_size,
  annual_sales, sales_class``.

Coverage: every mainland county-level division of :func:`qualitykit.data.regions.counties` (2,855, all 31
provinces), the years 2005–2024, the four check levels, the 29 GB/T 4754-2017 divisions 13–41 with
real product names and per product its real test items (``data/sample/products.csv``,
``data/sample/product_items.csv``), industrial clusters (``data/sample/clusters.csv``, e.g. 龙湾区
皮鞋, 晋江 旅游鞋, 乐清 断路器).

Calibration (by construction, for any seed and size; see ``data/sample/README.md``)

* **National pass rate.** For each year the records of ``check_level == "national"`` fail in
  exactly ``round(n_y · (1 − T_y))`` batches, where ``T_y`` is the published annual national
  figure (:func:`qualitykit.data.reference.national_pass_rate_series`: the batch pass rate up to 2017,
  ``1 −`` the NC rate from 2018). Years without a published figure take a monotone cubic (PCHIP)
  interpolation through the published years; :func:`calibration_targets` flags them.
* **Enterprise size.** The national size mix follows the published shares (small firms ~60 % in
  2015 → 93 % in 2023) and the log-odds gaps between large / medium / small firms follow the
  published size-class pass rates (``spot_check_by_enterprise_size.csv``), interpolated in time.
* **Exact failures, random structure.** Within each (check level, year, size) cell a latent
  logistic propensity ``f = γ + ε`` (``ε`` standard logistic) is drawn; the ``k`` batches with the
  largest ``f`` fail. ``γ`` holds province and district random effects (overdispersion beyond
  binomial noise), district random slopes, product and enterprise effects and the programme
  effects of the seed regions (龙湾区 330303 皮鞋 from 2006, 咸宁市 421200 from 2016, 郴州市 431000
  from 2010). This is a logistic model whose intercept is solved so that the cell's count of
  failures is exact.

Size and speed: :data:`DEFAULT_N_BATCHES` (1,000,000 batches) generate in about 2 s.
:func:`write_sample` holds only a compact index of all batches (9 bytes per batch) and builds and
writes the tables one province at a time as hive-partitioned Parquet (``province=PP0000``, files
sorted by ``region_code``, row groups of :data:`ROW_GROUP_SIZE`): 10 M batches take about 15 s
and 0.8 GB on the 2-core reference machine (``benchmarks/bench_data.py``), and one district is
read by predicate pushdown (:func:`qualitykit.data.dataset.open_records`). :func:`ensure_sample` builds the default set once into
:func:`qualitykit.paths.sample_dir` and rebuilds it when its manifest is stale.

References: the calibration data are in ``data/reference`` (sources in its README); the threshold
(tolerance-distribution) view of binary regression is McCullagh & Nelder (1989) §4.3; PCHIP is Fritsch &
Carlson (1980), ``scipy.interpolate.PchipInterpolator``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qualitykit import __version__, schema
from qualitykit.atomic import TMP_SUFFIX, publish_dir, write_json
from qualitykit.data import regions
from qualitykit.data.industries import industries
from qualitykit.data.reference import load_reference, national_pass_rate_series
from qualitykit.errors import ParameterError
from qualitykit.paths import data_dir, sample_dir

__all__ = [
    "DEFAULT_N_BATCHES",
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "PRESETS",
    "PROGRAMMES",
    "SYNTHETIC_NOTE",
    "YEARS",
    "Programme",
    "SampleData",
    "calibration_targets",
    "clusters",
    "content_hash",
    "ensure_sample",
    "generate",
    "main",
    "product_items",
    "products",
    "read_manifest",
    "table_hash",
    "write_sample",
]

GENERATOR_VERSION = "1"
"""Bumped whenever the generator's output for a given seed and size changes."""
DEFAULT_SEED = 2006
DEFAULT_N_BATCHES = 1_000_000
YEARS: tuple[int, int] = (2005, 2024)
PRESETS: dict[str, int] = {
    "tiny": 20_000,
    "small": 100_000,
    "default": DEFAULT_N_BATCHES,
    "large": 10_000_000,
}
"""Named sizes (batches, all levels). ``tiny`` is for test fixtures, ``large`` for benchmarks."""
SYNTHETIC_NOTE = (
    "SYNTHETIC data generated by qualitykit.data.sample (seeded, calibrated to published national "
    "figures); not real spot-check results."
)

# ---------------------------------------------------------------------------------------------
# Model parameters (synthetic choices, documented in data/sample/README.md)
# ---------------------------------------------------------------------------------------------

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

MACRO_REGIONS: dict[str, tuple[str, ...]] = {
    "east": ("11", "12", "13", "21", "31", "32", "33", "35", "37", "44", "46"),
    "central": ("14", "22", "23", "34", "36", "41", "42", "43"),
    "west": ("15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"),
}
"""东部 / 中部 / 西部 as in the SAMR releases (the three shares sum to 100)."""
UNPUBLISHED_PROVINCE_WEIGHTS: dict[str, float] = {
    "11": 1.2,
    "12": 1.2,
    "21": 1.5,
    "35": 3.5,
    "46": 0.3,
    "14": 0.8,
    "22": 0.8,
    "23": 0.8,
    "34": 2.6,
    "36": 1.6,
    "41": 2.6,
    "42": 2.2,
    "43": 2.2,
    "15": 0.5,
    "45": 1.0,
    "50": 1.5,
    "51": 2.2,
    "52": 0.5,
    "53": 0.6,
    "54": 0.05,
    "61": 1.0,
    "62": 0.3,
    "63": 0.1,
    "64": 0.15,
    "65": 0.3,
}
"""Relative weights (synthetic) sharing out the rest of a macro region's published share among
the provinces whose own share is not published."""


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

_SIZES3 = ("large", "medium", "small")
_RECORD_COLUMNS = tuple(c.name for c in schema.RECORD_COLUMNS if c.name != "sampled_on")
_BATCH_ID_WIDTH = 18  # "330303-2010-000123"
_ENTERPRISE_ID_WIDTH = 13  # "E330303000123"

# ---------------------------------------------------------------------------------------------
# Configuration files
# ---------------------------------------------------------------------------------------------


def _config_dir() -> Path:
    return data_dir() / "sample"


@cache
def _products() -> pd.DataFrame:
    df = pd.read_csv(
        _config_dir() / "products.csv",
        dtype={"industry_code": "string", "product": "string", "product_en": "string"},
    )
    return df


def products() -> pd.DataFrame:
    """The product table of the generator (``data/sample/products.csv``).

    ===============  =========================================================================
    industry_code    GB/T 4754-2017 division (2 characters)
    product          product name as in spot-check notices, e.g. 皮鞋
    product_en       English name
    weight           relative share of enterprises making the product (synthetic)
    nc_logit_offset  product effect on the fail log-odds (synthetic, loosely after published
                     product-level rates)
    ===============  =========================================================================
    """
    return _products().copy()


@cache
def _product_items() -> pd.DataFrame:
    return pd.read_csv(
        _config_dir() / "product_items.csv", dtype={"product": "string", "item": "string"}
    )


def product_items() -> pd.DataFrame:
    """The test items per product (``data/sample/product_items.csv``): ``product``, ``item`` and
    ``weight`` (relative frequency of the item among the product's failed items, synthetic;
    the order follows the "main problems" named in published notices where they exist)."""
    return _product_items().copy()


@cache
def _clusters() -> pd.DataFrame:
    return pd.read_csv(
        _config_dir() / "clusters.csv",
        dtype={"region_code": "string", "product": "string", "note": "string"},
    )


def clusters() -> pd.DataFrame:
    """Industrial clusters (``data/sample/clusters.csv``): ``region_code``, ``product``, ``share``
    (share of the product's enterprises placed in that district) and ``note``."""
    return _clusters().copy()


def _config_files() -> list[Path]:
    ref = data_dir() / "reference"
    return [
        _config_dir() / "products.csv",
        _config_dir() / "product_items.csv",
        _config_dir() / "clusters.csv",
        ref / "spot_check_national.csv",
        ref / "spot_check_by_enterprise_size.csv",
        ref / "spot_check_national_breakdowns.csv",
        data_dir() / "regions" / "regions.csv",
    ]


def _config_hash() -> str:
    h = hashlib.sha256(GENERATOR_VERSION.encode())
    for p in _config_files():
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Calibration targets from the published figures
# ---------------------------------------------------------------------------------------------

_PERIOD_MID = {
    "annual": 0.5,
    "H1": 0.25,
    "H2": 0.75,
    "Q1": 0.125,
    "Q2": 0.375,
    "Q3": 0.625,
    "Q4": 0.875,
}


def _period_mid(period: str) -> float:
    p = str(period).strip()
    if p in _PERIOD_MID:
        return _PERIOD_MID[p]
    if p.startswith("Jun-Sep"):
        return 0.54
    return 0.5


def _straddles(year: int, period: str) -> bool:
    years = {int(y) for y in re.findall(r"(?:19|20)\d\d", str(period))}
    return any(y != year for y in years)


@cache
def _size_releases() -> pd.DataFrame:
    """National size-class releases usable for calibration, one row per release.

    Rows of ``spot_check_by_enterprise_size.csv`` for 全国 and 国家监督抽查 whose period lies within
    one calendar year (the Dec 2015–Feb 2016 batch straddles two and is left out). Columns:
    ``year, period, t`` (release mid-time), ``pass_<size>`` (pass = 100 − NC where only the NC
    rate is published), ``share_<size>`` (share of enterprises, %).
    """
    df = load_reference("spot_check_by_enterprise_size")
    df = df[(df["region"] == "全国") & df["product_scope"].str.startswith("国家监督抽查")]
    df = df[[not _straddles(int(y), p) for y, p in zip(df["year"], df["period"], strict=True)]]
    df = df.assign(pass_pct=df["pass_rate_pct"].fillna(100.0 - df["nc_rate_pct"]))
    rows = []
    for (year, period), g in df.groupby(["year", "period"], sort=True):
        g = g.set_index("size_class")
        row: dict[str, Any] = {
            "year": int(year),
            "period": str(period),
            "t": int(year) + _period_mid(str(period)),
        }
        for s in _SIZES3:
            row[f"pass_{s}"] = float(g.at[s, "pass_pct"]) if s in g.index else np.nan
            row[f"share_{s}"] = (
                float(g.at[s, "share_of_enterprises_pct"]) if s in g.index else np.nan
            )
        rows.append(row)
    return pd.DataFrame(rows).sort_values("t").reset_index(drop=True)


def _expit(x: np.ndarray | float) -> np.ndarray:
    """The logistic function 1 / (1 + exp(−x)) (scipy is imported only where it is needed)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.log(p / (1.0 - p))


@cache
def _province_shares() -> pd.Series:
    """Share of enterprises (and national batches) by province code, summing to 1.

    Published shares of national spot-check batches by producer province and by macro region
    (``spot_check_national_breakdowns.csv``, averaged over the releases that give them); the rest
    of each macro region is shared out by :data:`UNPUBLISHED_PROVINCE_WEIGHTS`."""
    bd = load_reference("spot_check_national_breakdowns")
    prov = bd[bd["dimension"] == "province_share_of_batches"].groupby("item")["share_pct"].mean()
    macro = (
        bd[bd["dimension"] == "macro_region_share_of_batches"].groupby("item")["share_pct"].mean()
    )
    macro = macro.rename({"东部": "east", "中部": "central", "西部": "west"})
    names = regions.regions()
    names = names[names["level"] == "province"].set_index("region_code")["name_zh"]
    share: dict[str, float] = {}
    for short, pct in prov.items():
        code = [c for c, n in names.items() if str(n).startswith(str(short))]
        if len(code) != 1:  # pragma: no cover - guards the data file
            raise ValueError(f"province {short!r} of the breakdowns file is ambiguous: {code}")
        share[code[0][:2]] = float(pct)
    for mr, provs in MACRO_REGIONS.items():
        rest = float(macro[mr]) - sum(share.get(p, 0.0) for p in provs)
        free = [p for p in provs if p not in share]
        wsum = sum(UNPUBLISHED_PROVINCE_WEIGHTS[p] for p in free)
        for p in free:
            share[p] = max(rest, 0.0) * UNPUBLISHED_PROVINCE_WEIGHTS[p] / wsum
    s = pd.Series({f"{p}0000": v for p, v in share.items()}).sort_index()
    return s / s.sum()


def calibration_targets(years: Sequence[int] | None = None) -> pd.DataFrame:
    """The national-level targets the generator meets, one row per year.

    ===================  =====================================================================
    year                 calendar year
    pass_rate_target     national batch pass rate (proportion): the published annual figure
                         (``1 − NC`` from 2018), PCHIP-interpolated between published years
    target_source        ``published`` or ``interpolated``
    share_large, …       share of batches by size class (proportions summing to 1)
    share_source         ``published``, ``interpolated`` or ``held`` (before the first /
                         after the last published share: held constant)
    gap_medium_logit,    fail log-odds of medium / small firms minus large firms, linearly
    gap_small_logit      interpolated between the published size-class releases
    intercept_logit      fail log-odds of large firms solving Σ share·expit(a + gap) = 1 − target
    pass_rate_large, …   the implied pass rate of each size class (proportion)
    ===================  =====================================================================
    """
    from scipy.interpolate import PchipInterpolator
    from scipy.optimize import brentq

    y0, y1 = YEARS
    yrs = np.arange(y0, y1 + 1) if years is None else np.asarray(list(years), dtype=int)
    series = national_pass_rate_series(derive=True)
    anchor_y = series["year"].to_numpy(float)
    anchor_p = series["pass_rate_pct"].to_numpy(float) / 100.0
    pchip = PchipInterpolator(anchor_y, anchor_p, extrapolate=False)
    target = pchip(np.clip(yrs, anchor_y.min(), anchor_y.max()).astype(float))
    published = np.isin(yrs, anchor_y.astype(int))

    rel = _size_releases()
    gaps = rel.dropna(subset=[f"pass_{s}" for s in _SIZES3])
    fail = {s: 1.0 - gaps[f"pass_{s}"].to_numpy() / 100.0 for s in _SIZES3}
    t = yrs + 0.5
    gap_m = np.interp(t, gaps["t"], _logit(fail["medium"]) - _logit(fail["large"]))
    gap_s = np.interp(t, gaps["t"], _logit(fail["small"]) - _logit(fail["large"]))

    sh = rel.dropna(subset=[f"share_{s}" for s in _SIZES3])
    tot = sh[[f"share_{s}" for s in _SIZES3]].sum(axis=1).to_numpy()
    shares = np.column_stack(
        [np.interp(t, sh["t"], sh[f"share_{s}"].to_numpy() / tot) for s in _SIZES3]
    )
    shares /= shares.sum(axis=1, keepdims=True)
    sh_years = sh["year"].to_numpy(int)
    share_source = np.where(
        np.isin(yrs, sh_years),
        "published",
        np.where((yrs < sh_years.min()) | (yrs > sh_years.max()), "held", "interpolated"),
    )

    intercept = np.empty(len(yrs))
    for i in range(len(yrs)):
        d = np.array([0.0, gap_m[i], gap_s[i]])
        w = shares[i]
        goal = 1.0 - target[i]
        intercept[i] = brentq(
            lambda a, d=d, w=w, goal=goal: float(w @ _expit(a + d)) - goal, -20.0, 20.0, xtol=1e-12
        )
    out = pd.DataFrame(
        {
            "year": yrs.astype("int64"),
            "pass_rate_target": target,
            "target_source": np.where(published, "published", "interpolated"),
            "share_large": shares[:, 0],
            "share_medium": shares[:, 1],
            "share_small": shares[:, 2],
            "share_source": share_source,
            "gap_medium_logit": gap_m,
            "gap_small_logit": gap_s,
            "intercept_logit": intercept,
            "pass_rate_large": 1.0 - _expit(intercept),
            "pass_rate_medium": 1.0 - _expit(intercept + gap_m),
            "pass_rate_small": 1.0 - _expit(intercept + gap_s),
        }
    )
    return out.astype({"target_source": "string", "share_source": "string"})


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


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

# ---------------------------------------------------------------------------------------------
# Conversion to the canonical pandas dtypes (shared with qualitykit.data.dataset)
# ---------------------------------------------------------------------------------------------

_STRING = pd.StringDtype()
_CANONICAL_DTYPES: dict[str, Any] = {
    "batch_id": _STRING,
    "year": "Int64",
    "quarter": "Int64",
    "check_level": pd.CategoricalDtype(list(schema.CHECK_LEVELS)),
    "region_code": _STRING,
    "industry_code": _STRING,
    "product": _STRING,
    "enterprise_id": _STRING,
    "enterprise_size": pd.CategoricalDtype(list(schema.ENTERPRISE_SIZES)),
    "annual_sales": "Float64",
    "passed": "bool",
    "item": _STRING,
    "sales_class": pd.CategoricalDtype(list(schema.SALES_CLASSES)),
    "province_code": _STRING,
}


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of the sample (any subset of its columns) as a pandas DataFrame with the
    canonical dtypes (those of :mod:`qualitykit.data.io`): text ``string``, years ``Int64``, check
    level / size ``category``, sales ``Float64``, ``passed`` bool."""
    cols = {}
    for name in table.column_names:
        arr = table.column(name)
        dtype = _CANONICAL_DTYPES.get(name)
        if pa.types.is_dictionary(arr.type) and not isinstance(dtype, pd.CategoricalDtype):
            arr = arr.cast(arr.type.value_type)
        s = pd.Series(arr.to_pandas(types_mapper=_string_mapper))
        cols[name] = s.astype(dtype).array if dtype is not None else s.array
    return pd.DataFrame(cols, index=pd.RangeIndex(table.num_rows))


def _string_mapper(t: pa.DataType) -> Any:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _STRING
    return None


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Hashing
# ---------------------------------------------------------------------------------------------


def _row_hashes(df: pd.DataFrame) -> np.ndarray:
    cols = sorted(df.columns)
    if not len(df):
        return np.array([], dtype=np.uint64)
    return pd.util.hash_pandas_object(df[cols], index=False).to_numpy(np.uint64)


def table_hash(df: pd.DataFrame) -> str:
    """Content hash of a table: SHA-256 of its sorted column names and sorted row hashes.

    Independent of row order, column order and storage (file bytes, compression, Parquet
    row groups, categorical versus string columns), so a table read back from disk hashes like
    the one generated in memory."""
    h = hashlib.sha256(json.dumps(sorted(map(str, df.columns))).encode())
    h.update(np.sort(_row_hashes(df)).tobytes())
    return h.hexdigest()


def content_hash(tables: Mapping[str, pd.DataFrame]) -> str:
    """One hash over several named tables (see :func:`table_hash`)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        h.update(name.encode())
        h.update(table_hash(tables[name]).encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleData:
    """The three tables of the sample (pandas, canonical dtypes) and their manifest."""

    records: pd.DataFrame
    nonconformities: pd.DataFrame
    enterprises: pd.DataFrame
    manifest: dict[str, Any]


def _check_args(
    n_batches: int, seed: int, years: tuple[int, int]
) -> tuple[int, int, tuple[int, int]]:
    if isinstance(n_batches, bool) or not isinstance(n_batches, (int, np.integer)):
        raise ParameterError(f"n_batches must be an integer, got {n_batches!r}")
    if n_batches < 1000:
        raise ParameterError(f"n_batches must be at least 1000, got {n_batches}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    y0, y1 = (int(years[0]), int(years[1]))
    if not (schema.YEAR_MIN <= y0 <= y1 <= schema.YEAR_MAX) or y1 - y0 > 60:
        raise ParameterError(f"years must be (first, last) with first <= last, got {years!r}")
    return int(n_batches), int(seed), (y0, y1)


def _manifest(n_batches: int, seed: int, years: tuple[int, int]) -> dict[str, Any]:
    return {
        "generator": "qualitykit.data.sample",
        "generator_version": GENERATOR_VERSION,
        "qualitykit_version": __version__,
        "config_hash": _config_hash(),
        "seed": seed,
        "n_batches": n_batches,
        "years": list(years),
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
    }


def generate(
    n_batches: int = DEFAULT_N_BATCHES, seed: int = DEFAULT_SEED, years: tuple[int, int] = YEARS
) -> SampleData:
    """Generate the sample in memory (records sorted by region, year, quarter, check level).

    Same ``seed``, ``n_batches`` and ``years`` → identical tables (compare with
    :func:`content_hash`). Use :func:`write_sample` for sizes that should not be held in memory.
    """
    n_batches, seed, years = _check_args(n_batches, seed, years)
    model = _build_model(n_batches, seed, years)
    sk = _skeleton(model)
    recs, ncs = [], []
    for p, sl in _province_slices(model, sk):
        rt = _records_table(model, sk, sl)
        recs.append(rt)
        ncs.append(_nonconformities_table(model, sk, sl, rt, p))
    records = to_frame(pa.concat_tables(recs))
    nonconformities = to_frame(pa.concat_tables(ncs).select(["batch_id", "item"]))
    enterprises = to_frame(_enterprises_table(model))
    for df in (records, nonconformities, enterprises):
        df.attrs["note"] = SYNTHETIC_NOTE
    manifest = _manifest(n_batches, seed, years)
    manifest["rows"] = {
        "records": len(records),
        "nonconformities": len(nonconformities),
        "enterprises": len(enterprises),
    }
    manifest["content_hash"] = {
        "records": table_hash(records),
        "nonconformities": table_hash(nonconformities),
        "enterprises": table_hash(enterprises),
    }
    return SampleData(records, nonconformities, enterprises, manifest)


ROW_GROUP_SIZE = 64_000
"""Rows per Parquet row group: one district's slice touches one or two groups."""


def write_sample(
    out_dir: str | os.PathLike[str],
    n_batches: int = DEFAULT_N_BATCHES,
    seed: int = DEFAULT_SEED,
    years: tuple[int, int] = YEARS,
    *,
    compute_hash: bool = True,
) -> dict[str, Any]:
    """Generate the sample and write it as Parquet under ``out_dir``, one province at a time.

    Layout::

        out_dir/manifest.json
        out_dir/records/province=PP0000/part-0.parquet          sorted by region_code, year, …
        out_dir/nonconformities/province=PP0000/part-0.parquet  batch_id, item, region_code, year
        out_dir/enterprises.parquet

    ``out_dir`` must not exist or be empty. Returns the manifest (seed, size, generator version,
    config hash, row counts, files with sizes and — unless ``compute_hash=False`` — the content
    hashes of the three tables as pandas would read them, :func:`table_hash`).
    """
    n_batches, seed, years = _check_args(n_batches, seed, years)
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ParameterError(f"output folder {str(out)!r} is not empty")
    t0 = time.perf_counter()
    model = _build_model(n_batches, seed, years)
    sk = _skeleton(model)
    hashes: dict[str, list[np.ndarray]] = {"records": [], "nonconformities": []}
    rows = {"records": 0, "nonconformities": 0}
    for p, sl in _province_slices(model, sk):
        code = model.prov_codes[p]
        rt = _records_table(model, sk, sl)
        nt = _nonconformities_table(model, sk, sl, rt, p)
        for kind, table in (("records", rt), ("nonconformities", nt)):
            target = out / kind / f"province={code}"
            target.mkdir(parents=True, exist_ok=True)
            pq.write_table(
                table,
                target / "part-0.parquet",
                row_group_size=ROW_GROUP_SIZE,
                compression="snappy",
                write_statistics=True,
            )
            rows[kind] += table.num_rows
            if compute_hash:
                cols = ["batch_id", "item"] if kind == "nonconformities" else table.column_names
                hashes[kind].append(_row_hashes(to_frame(table.select(cols))))
    et = _enterprises_table(model)
    pq.write_table(et, out / "enterprises.parquet", row_group_size=ROW_GROUP_SIZE)
    manifest = _manifest(n_batches, seed, years)
    manifest["rows"] = {**rows, "enterprises": et.num_rows}
    if compute_hash:
        manifest["content_hash"] = {}
        for kind, parts in hashes.items():
            cols = ["batch_id", "item"] if kind == "nonconformities" else list(RECORDS_SCHEMA.names)
            h = hashlib.sha256(json.dumps(sorted(cols)).encode())
            h.update(np.sort(np.concatenate(parts)).tobytes())
            manifest["content_hash"][kind] = h.hexdigest()
        manifest["content_hash"]["enterprises"] = table_hash(to_frame(et))
    else:
        manifest["content_hash"] = None
    manifest["files"] = {
        str(f.relative_to(out)): f.stat().st_size for f in sorted(out.rglob("*.parquet"))
    }
    manifest["seconds"] = round(time.perf_counter() - t0, 2)
    write_json(out / "manifest.json", manifest)
    return manifest


def read_manifest(path: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    """The manifest of a written sample folder (default :func:`~qualitykit.paths.sample_dir`), or
    None if there is none or it cannot be read."""
    folder = Path(path) if path is not None else sample_dir()
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_current(folder: Path, n_batches: int, seed: int, years: tuple[int, int]) -> bool:
    m = read_manifest(folder)
    if not m:
        return False
    wanted = _manifest(n_batches, seed, years)
    for key in ("generator_version", "config_hash", "seed", "n_batches", "years"):
        if m.get(key) != wanted[key]:
            return False
    files = m.get("files") or {}
    if not files:
        return False
    for rel, size in files.items():
        f = folder / rel
        if not f.is_file() or f.stat().st_size != size:
            return False
    return True


def _lock_path(target: Path) -> Path:
    """A lock file per sample folder, in the temp folder (no stray files in the project)."""
    digest = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"qualitykit-sample-{digest}.lock"


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as f:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no inter-process lock
            yield
            return
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def ensure_sample(
    n_batches: int = DEFAULT_N_BATCHES,
    seed: int = DEFAULT_SEED,
    years: tuple[int, int] = YEARS,
    *,
    path: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> Path:
    """The folder of the written sample (default :func:`~qualitykit.paths.sample_dir`), generated
    first if it is missing or stale.

    Stale: the manifest is missing or unreadable, was written by another generator version or
    from other configuration / reference files (``config_hash``), for another seed, size or
    years, or a listed file is missing or has another size. Safe under concurrent callers: an
    exclusive lock serialises them (the second finds the first one's result current), and the new
    folder is written under a temporary name and moved into place in one rename.
    """
    n_batches, seed, years = _check_args(n_batches, seed, years)
    target = Path(path) if path is not None else sample_dir()
    if not force and _is_current(target, n_batches, seed, years):
        return target
    with _lock(_lock_path(target)):
        if not force and _is_current(target, n_batches, seed, years):
            return target
        staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}"
        try:
            write_sample(staging, n_batches, seed, years)
            publish_dir(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


# ---------------------------------------------------------------------------------------------
# Command line (also registered as ``qualitykit sample``)
# ---------------------------------------------------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``qualitykit sample``."""
    size = p.add_mutually_exclusive_group()
    size.add_argument("--preset", choices=sorted(PRESETS), help="named size (default: default)")
    size.add_argument("--rows", type=int, metavar="N", help="number of batches (all levels)")
    size.add_argument("--small", action="store_true", help="the tiny preset (test fixtures)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    p.add_argument("--out", metavar="DIR", help="output folder (default: the sample folder)")
    p.add_argument("--force", action="store_true", help="regenerate even if current")


def run(args: argparse.Namespace) -> int:
    """Run ``qualitykit sample`` with parsed arguments; prints where the sample is."""
    if args.small:
        n = PRESETS["tiny"]
    elif args.rows is not None:
        n = args.rows
    else:
        n = PRESETS[args.preset or "default"]
    t0 = time.perf_counter()
    folder = ensure_sample(n, args.seed, path=args.out, force=args.force)
    m = read_manifest(folder) or {}
    rows = m.get("rows", {})
    print(
        f"{folder}: {rows.get('records', '?')} batches, {rows.get('nonconformities', '?')} "
        f"nonconforming items, {rows.get('enterprises', '?')} enterprises "
        f"(seed {m.get('seed')}, generator {m.get('generator_version')}; "
        f"{time.perf_counter() - t0:.1f} s) — SYNTHETIC data"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m qualitykit.data.sample [--preset NAME | --rows N | --small] [--seed S] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="qualitykit sample", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
