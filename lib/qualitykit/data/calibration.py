"""Calibration of the synthetic sample: its configuration tables and the published targets.

* the generator's configuration files in ``data/sample/``: :func:`products`, :func:`product_items`,
  :func:`clusters` (documented in ``data/sample/README.md``);
* :func:`calibration_targets` — the national pass rate per year (published, PCHIP-interpolated in
  between), the size-class mix and the size-class log-odds gaps the generator meets.

Sources of the published figures: ``data/reference`` (its README). PCHIP is Fritsch & Carlson
(1980), ``scipy.interpolate.PchipInterpolator``. Split out of :mod:`qualitykit.data.sample`, which
re-exports the public names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.data import regions
from qualitykit.data.reference import load_reference, national_pass_rate_series
from qualitykit.paths import data_dir

__all__ = ["YEARS", "calibration_targets", "clusters", "product_items", "products"]

YEARS: tuple[int, int] = (2005, 2024)
"""First and last year of the sample."""
_SIZES3 = ("large", "medium", "small")

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
