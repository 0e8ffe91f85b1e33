"""Column checks shared by the validator: vocabularies, value parsers, the distinct-value view of
a column, and the summary of a typed table (split out of :mod:`qualitykit.data.validate`)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from qualitykit import schema
from qualitykit.data.shapes import Kind

MISSING_MARKERS: frozenset[str] = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "—"})
"""Cell texts (stripped, lower-cased) that mean "no value"."""


@cache
def _valid_region_codes() -> frozenset[str]:
    """The codes ``regions.is_valid_code`` accepts (GB/T 2260 divisions + the national code)."""
    from qualitykit.data.regions import NATIONAL_CODE, regions

    return frozenset(regions()["region_code"].tolist()) | {NATIONAL_CODE}


@cache
def _valid_industry_codes() -> frozenset[str]:
    from qualitykit.data.industries import industries

    return frozenset(industries(include_non_rpq=True)["industry_code"].tolist())


@cache
def _aliases_by_column() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for alias, col in schema.COLUMN_ALIASES.items():
        out.setdefault(col, []).append(alias)
    return out


def _norm_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k.strip().lower(): v for k, v in mapping.items()}


_INT = r"[+-]?\d{1,15}(?:\.0*)?"
_DATE = re.compile(
    r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?:[ T][\d:.]*)?$"
)
_QUARTER = re.compile(r"^(?:q|第)?([1-4一二三四])(?:季度?)?$")
_QUARTER_ZH = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}

_TEXT_COLUMNS = (
    "batch_id", "product", "enterprise_id", "item", "category", "region_name", "period", "channel",
)  # fmt: skip
_COUNT_COLUMNS = ("batches", "passed", "nonconforming")
_REQUIRED: dict[Kind, tuple[str, ...]] = {
    "records": tuple(c.name for c in schema.RECORD_COLUMNS if c.required),
    "nonconformities": tuple(c.name for c in schema.NONCONFORMITY_COLUMNS if c.required),
    "counts": ("batches",),
    "item_counts": ("item", "nc_count"),
}
_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "region_code": ("region_name",),  # a unit given by name is resolved to its code
    "year": ("period",),  # a period label, the title or the period parameter give the year
    "nc_count": ("nonconforming",),
}
_ORDER: dict[Kind, tuple[str, ...]] = {
    "records": tuple(c.name for c in schema.RECORD_COLUMNS),
    "nonconformities": tuple(c.name for c in schema.NONCONFORMITY_COLUMNS),
    "counts": (),
    "item_counts": ("region_code", "year", "product", "item", "category", "nc_count"),
}
_LABEL_COLUMNS = (
    "region_name", "region_code", "product", "item", "period", "channel", "category", "check_level",
)  # fmt: skip
_RATE = re.compile(r"^[+-]?(\d+(?:\.\d*)?|\.\d+)\s*[%％]?$")


class _Col:
    """One column seen through its distinct texts: every check runs once per distinct value and
    is expanded to rows through the factorize codes (most columns have few distinct values)."""

    def __init__(self, s: pd.Series) -> None:
        codes, uniques = pd.factorize(s)
        self.codes = codes
        self.u = pd.Series(uniques, dtype=str).str.strip()
        self.missing_u = self.u.str.lower().isin(MISSING_MARKERS).to_numpy()
        self.present_u = ~self.missing_u

    def rows(self, mask_u: pd.Series | np.ndarray) -> np.ndarray:
        """Row mask from a mask over the distinct values."""
        return np.asarray(mask_u, dtype=bool)[self.codes]

    def values(self, row_mask: np.ndarray) -> list[object]:
        return self.u.to_numpy()[self.codes[row_mask]].tolist()

    def expand(self, typed_u: pd.Series) -> pd.Series:
        return typed_u.take(self.codes).reset_index(drop=True)


def _parse_int(t: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(Int64 values, ok mask) of texts that are whole numbers (``1,234`` and ``12.0`` accepted)."""
    t = t.str.replace(",", "", regex=False)
    ok = t.str.fullmatch(_INT).to_numpy(dtype=bool)
    return pd.to_numeric(t.where(ok), errors="coerce").astype("Int64"), ok


def _mask(x: pd.Series) -> np.ndarray:
    return x.fillna(False).to_numpy(dtype=bool)


def _summary(kind: Kind, df: pd.DataFrame) -> dict[str, Any]:
    """The figures of the summary line; for item counts ``items`` and ``nonconformities``."""
    out: dict[str, Any] = {"kind": kind, "rows": len(df)}
    if "year" in df and df["year"].notna().any():
        out["year_min"], out["year_max"] = int(df["year"].min()), int(df["year"].max())
    if "region_code" in df:
        out["regions"] = int(df["region_code"].nunique())
    if kind == "records":
        out["batches"], out["passed"] = len(df), int(df["passed"].sum())
    elif kind == "counts":
        out["batches"], out["passed"] = int(df["batches"].sum()), int(df["passed"].sum())
    elif kind == "item_counts":
        out["items"] = int(df["item"].nunique())
        out["nonconformities"] = int(df["nc_count"].sum())
        return out
    else:
        out["batches"] = int(df["batch_id"].nunique())
        out["items"] = int(df["item"].nunique())
    if kind != "nonconformities":
        out["pass_rate"] = out["passed"] / out["batches"] if out["batches"] else None
    return out


_CANONICAL_SET = frozenset(
    [c.name for cols in schema.TABLES.values() for c in cols]
    + [*schema.COUNT_VALUE_COLUMNS, *schema.RATE_COLUMNS, *schema.EXTRA_COLUMNS, "nc_count"]
)

_BOOLEANS: dict[str, bool] = {
    **{k.lower(): True for k in schema.BOOLEAN_TRUE},
    **{k.lower(): False for k in schema.BOOLEAN_FALSE},
}

_CATEGORIES: dict[str, tuple[dict[str, str], tuple[str, ...], str]] = {
    "check_level": (_norm_keys(schema.CHECK_LEVEL_ALIASES), schema.CHECK_LEVELS, "check level"),
    "enterprise_size": (
        _norm_keys(schema.ENTERPRISE_SIZE_ALIASES),
        schema.ENTERPRISE_SIZES,
        "enterprise size",
    ),
    "cause_5m1e": (_norm_keys(schema.CAUSE_5M1E_ALIASES), schema.CAUSES_5M1E, "5M1E cause"),
    "controllable": (
        _norm_keys(schema.CONTROLLABILITY_ALIASES),
        schema.CONTROLLABILITY,
        "controllability",
    ),
}
