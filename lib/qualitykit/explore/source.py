"""The explorer's data: read once per session, every interaction on in-memory arrays.

:class:`ExplorerData` reads the data when a session starts and keeps them as compact columnar
arrays (region, year, check level, industry and product as small integer codes; batches and
passed batches; the nonconforming items likewise), sorted by region so that the rows of a
province or a district are one contiguous block. A control change then costs a few vectorised
masks and ``numpy.bincount`` calls over the rows of the region in view — never a file read.

One small adapter, :func:`_load`, is the only code that knows how the data are read: the
embedded sample, a sample preset or a province-partitioned folder by pushdown, one province at a
time (:func:`qualitykit.data.dataset.open_records`, ``open_nonconformities``); any other data —
a CSV / XLSX / Parquet file or a folder of them, Chinese or English headers — through the one
entry point :func:`qualitykit.data.source.open_source` (as the notebooks open it:
:func:`qualitykit.report.sources.open_data`, with the ``period`` of a table without one and the
``units_file`` declaring 开发区 and other non-standard units). Its shape decides what the views
get: *records* (with their nonconforming items, if any) and *counts* (with item counts, if any)
feed every view; *item counts* feed the Pareto only, and the other views say what is missing.
The rest of the explorer only sees the two tables :func:`_load` returns (counts with
``batches``/``passed``, item counts with ``count``). A declared non-standard unit (code
``X<parent>-<NN>``, e.g. 经开区 ``X511900-01``) is a county-level unit of its parent, kept in the
funnel of its city and province.

What a view needs and whether the data at hand have it: :meth:`ExplorerData.supports`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.data.units import _inside
from qualitykit.errors import NoDataError, ParameterError

__all__ = ["KEYS", "VIEWS", "ExplorerData", "Filters"]

KEYS: tuple[str, ...] = ("region_code", "year", "check_level", "industry_code", "product")
"""The columns the explorer filters and groups by (besides the counts)."""

VIEWS: tuple[str, ...] = ("funnel", "trend", "targets", "pareto")
"""The explorer's views; :meth:`ExplorerData.supports` says which the data can feed."""

UnitLevel = Literal["child", "county"]
_LEVEL_INDEX = {lv: i for i, lv in enumerate(schema.CHECK_LEVELS)}


@dataclass(frozen=True)
class Filters:
    """What a view is restricted to besides the region: a year window (inclusive), one check
    level (canonical name or None for all), an industry (GB/T 4754 code or None), a product
    (name or None)."""

    years: tuple[int, int]
    check_level: str | None = None
    industry: str | None = None
    product: str | None = None


# ---------------------------------------------------------------------------------------------
# the adapter: the only code that knows how the data are read
# ---------------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    """What :func:`_load` hands over: ``counts`` chunks (``KEYS`` present in the data +
    ``batches`` [absent: one batch per row] + ``passed``), ``items`` chunks (``KEYS`` present +
    ``item`` + ``count`` [absent: one per row]) or None, the shape found, and notes."""

    counts: list[pd.DataFrame]
    items: list[pd.DataFrame] | None
    shape: str
    notes: list[str] = field(default_factory=list)
    items_reason: str | None = None
    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Declared non-standard units: code → (name, parent code)."""


def _partitioned(source: Path | None) -> bool:
    from qualitykit.data.sample import ensure_sample

    folder = ensure_sample() if source is None else source
    if not folder.is_dir():
        return False
    for sub in (folder / "records", folder):
        if sub.is_dir() and any(p.name.startswith("province=") for p in sub.iterdir()):
            return True
    return False


def _load(
    source: Path | None, data_source: str = "", period: str = "", units_file: str = ""
) -> _Loaded:
    """Read the data of ``source`` (None: the embedded sample) once."""
    from qualitykit.data import dataset

    record_cols = list(KEYS)
    if _partitioned(source):
        # one province at a time: memory stays bounded by the largest province
        chunks = []
        for prov in regions.MAINLAND_PROVINCES:
            try:
                recs = dataset.open_records(source, region=prov, columns=[*record_cols, "passed"])
            except NoDataError:
                continue
            chunks.append(recs)
        items: list[pd.DataFrame] | None = []
        reason = None
        try:
            nc = dataset.open_nonconformities(source, record_columns=record_cols, cause_map=False)
            items = [nc.drop(columns=["batch_id"])]
        except (NoDataError, ParameterError, FileNotFoundError, OSError) as exc:
            items, reason = None, str(exc)
        return _Loaded(chunks, items, "records", items_reason=reason)
    from qualitykit.report.sources import open_data

    src = open_data(data_source, period=period, units_file=units_file)
    notes = [n.text("en") for n in src.notices if n.kind != "shape"]
    units = {str(d.code): (str(d.name), str(d.parent_code)) for d in src.declared.itertuples()}
    if src.shape == "records":
        recs = src.records()
        cols = [c for c in (*KEYS, "passed") if c in recs.columns]
        items = None
        if "nonconformities" in src.frames:
            nc = src.nonconformities(cause_map=False)
            items = [nc[[c for c in (*KEYS, "item") if c in nc.columns]]]
        reason = None if items is not None else "no_items"
        return _Loaded([recs[cols]], items, "records", notes, reason, units)
    by = [k for k in KEYS if k in src.columns() and k not in ("region_code", "year")]
    ic = src.frames.get("item_counts")
    items = None
    if ic is not None:
        grouped = src.item_counts(by=[k for k in KEYS if k in ic.columns])
        items = [grouped.rename(columns={"nc_count": "count"})]
    if src.shape == "item_counts":
        return _Loaded([], items, "item_counts", notes, units=units)
    counts = src.counts(by=by)[[*(k for k in KEYS if k in ("region_code", "year") or k in by),
                                "batches", "passed"]]  # fmt: skip
    reason = None if items is not None else "no_items"
    return _Loaded([counts], items, "counts", notes, reason, units)


# ---------------------------------------------------------------------------------------------
# compact columnar tables
# ---------------------------------------------------------------------------------------------


def _codes(values: pd.Series, dictionary: dict[str, int]) -> np.ndarray:
    """Integer codes of text values in a growing ``dictionary`` (-1 for missing)."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    mapping = np.array([dictionary.setdefault(str(u), len(dictionary)) for u in uniques] + [-1])
    return mapping[codes].astype(np.int32)


def _levels(values: pd.Series) -> np.ndarray:
    """Index of each check level in ``schema.CHECK_LEVELS`` (aliases such as 国家 accepted;
    -1 for missing)."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    canon = [schema.CHECK_LEVEL_ALIASES.get(str(u).strip()) for u in uniques]
    mapping = np.array([_LEVEL_INDEX.get(c, -1) if c else -1 for c in canon] + [-1], np.int8)
    return mapping[codes]


@dataclass
class _Table:
    """Rows sorted by region: ``region`` indexes :attr:`ExplorerData.region_codes`; ``year``
    (-1 missing), ``level`` (index of ``schema.CHECK_LEVELS``, -1 missing), ``industry`` /
    ``product`` / ``item`` (indexes of the session dictionaries, -1 missing); ``weight`` batches
    (or item counts; None: one per row) and ``passed`` (None for items)."""

    region: np.ndarray
    year: np.ndarray
    level: np.ndarray
    industry: np.ndarray
    product: np.ndarray
    weight: np.ndarray | None
    passed: np.ndarray | None
    item: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.region)

    def take(self, order: np.ndarray) -> _Table:
        def t(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[order]

        return _Table(
            self.region[order],
            self.year[order],
            self.level[order],
            self.industry[order],
            self.product[order],
            t(self.weight),
            t(self.passed),
            t(self.item),
        )


_FIELDS = ("region", "year", "level", "industry", "product", "weight", "passed", "item")


class _Builder:
    """Turns the loaded chunks into :class:`_Table` s with shared dictionaries."""

    def __init__(self) -> None:
        self.region: dict[str, int] = {}
        self.industry: dict[str, int] = {}
        self.product: dict[str, int] = {}
        self.item: dict[str, int] = {}

    def table(self, chunks: Sequence[pd.DataFrame], kind: Literal["counts", "items"]) -> _Table:
        parts = [self._chunk(c, kind) for c in chunks if len(c)]
        if not parts:
            empty = np.zeros(0, np.int32)
            return _Table(
                empty,
                empty.astype(np.int16),
                empty.astype(np.int8),
                empty,
                empty,
                None,
                None if kind == "items" else np.zeros(0, bool),
                empty if kind == "items" else None,
            )

        def cat(name: str) -> np.ndarray | None:
            arrays = [getattr(p, name) for p in parts]
            if any(a is None for a in arrays):
                if all(a is None for a in arrays):
                    return None
                arrays = [
                    np.ones(p.n, np.int64) if a is None else a
                    for a, p in zip(arrays, parts, strict=True)
                ]
            return np.concatenate(arrays)

        return _Table(*(cat(name) for name in _FIELDS))

    def _chunk(self, df: pd.DataFrame, kind: str) -> _Table:
        n = len(df)

        def col(name: str, dictionary: dict[str, int]) -> np.ndarray:
            if name not in df.columns:
                return np.full(n, -1, np.int32)
            return _codes(df[name], dictionary)

        year = (
            pd.to_numeric(df["year"]).fillna(-1).to_numpy(np.int16)
            if "year" in df.columns
            else np.full(n, -1, np.int16)
        )
        level = (
            _levels(df["check_level"]) if "check_level" in df.columns else np.full(n, -1, np.int8)
        )
        if kind == "items":
            weight = df["count"].to_numpy(np.int64) if "count" in df.columns else None
            passed = None
            item = _codes(df["item"], self.item)
        elif "batches" in df.columns:
            weight = df["batches"].to_numpy(np.int64)
            passed = df["passed"].to_numpy(np.int64)
            item = None
        else:
            weight = None
            passed = df["passed"].to_numpy(bool)
            item = None
        return _Table(
            col("region_code", self.region),
            year,
            level,
            col("industry_code", self.industry),
            col("product", self.product),
            weight,
            passed,
            item,
        )


def _sorted_by_region(table: _Table, remap: np.ndarray) -> _Table:
    """Region codes renumbered in code order (``remap``: old → new) and rows sorted by it."""
    region = np.where(table.region >= 0, remap[np.maximum(table.region, 0)], -1).astype(np.int32)
    table = _Table(region, *(getattr(table, name) for name in _FIELDS[1:]))
    if table.n and np.any(np.diff(region) < 0):
        table = table.take(np.argsort(region, kind="stable"))
    return table


# ---------------------------------------------------------------------------------------------
# the session's data
# ---------------------------------------------------------------------------------------------


class ExplorerData:
    """The data of one explorer session (see the module docstring).

    ``data_source``: ``""`` the embedded synthetic sample, ``"sample:<preset>"`` a preset of it,
    or a path (a sample folder, a province-partitioned records folder, or a records / counts /
    nonconformities file) — as the notebooks' ``data_source`` parameter
    (:func:`qualitykit.report.framework.resolve_source`).
    """

    def __init__(self, data_source: str = "", *, period: str = "", units_file: str = "") -> None:
        from qualitykit.report.framework import resolve_source

        self.data_source = data_source
        self.source = resolve_source(data_source)
        loaded = _load(self.source, data_source, period, units_file)
        self.shape = loaded.shape
        self.notes = list(loaded.notes)
        self._items_reason = loaded.items_reason
        self.declared = dict(loaded.units)
        self._keys: dict[tuple[str, str], tuple[np.ndarray, list[str]]] = {}
        self._row_offsets: dict[int, np.ndarray] = {}
        self._present: dict[str, list[str]] = {}
        self._national: dict[tuple, pd.DataFrame] = {}
        b = _Builder()
        counts = b.table(loaded.counts, "counts")
        items = b.table(loaded.items, "items") if loaded.items is not None else None
        known = sorted(b.region, key=self._sort_key)
        self._sort_keys = np.array([self._sort_key(c) for c in known], dtype=object)
        new = {code: i for i, code in enumerate(known)}
        remap = np.zeros(max(len(b.region), 1), np.int32)
        for code, old in b.region.items():
            remap[old] = new[code]
        self.region_codes = np.array(known, dtype=object)
        self._counts = _sorted_by_region(counts, remap)
        self._items = None if items is None else _sorted_by_region(items, remap)
        self.industry_codes = _inverse(b.industry)
        self.products = _inverse(b.product)
        self.items = _inverse(b.item)
        self._product_industry = self._first_industry_of_products()
        self._unknown = [
            c for c in known if not regions.is_valid_code(c) and c not in self.declared
        ]
        if self._unknown:
            self.notes.append(
                f"{len(self._unknown)} region codes of the data are not GB/T 2260 divisions and "
                f"are left out of the views: {', '.join(self._unknown[:5])}"
            )

    # ---- what is there ------------------------------------------------------------------------
    @property
    def is_sample(self) -> bool:
        """The data are (a preset of) the synthetic sample."""
        from qualitykit.data import sample

        if self.source is None:
            return True
        manifest = sample.read_manifest(self.source) if self.source.is_dir() else None
        return bool(manifest and manifest.get("synthetic"))

    # ---- declared non-standard units ------------------------------------------------------------
    def _sort_key(self, code: str) -> str:
        """Rows are sorted by this key: a declared unit right after its parent's code
        (``511900~X511900-01``), so that the rows of a province stay one block."""
        return f"{self.declared[code][1]}~{code}" if code in self.declared else code

    def check_unit(self, code: str, what: str = "region") -> str:
        """``code`` if it is a GB/T 2260 division or a declared unit of the data, else the one-line
        ``ParameterError`` of :func:`qualitykit.data.regions.check_code`."""
        return code if code in self.declared else regions.check_code(code, what)

    def unit_name(self, code: str, lang: str = "zh") -> str:
        """The name of a division or of a declared unit (经开区 in either language)."""
        return self.declared[code][0] if code in self.declared else regions.name(code, lang)

    def unit_level(self, code: str) -> str:
        """The level of a division; a declared unit is county-level."""
        return "county" if code in self.declared else _level(code)

    def inside(self, code: str, parent: str) -> bool:
        """Whether the county-level unit ``code`` (a division or a declared unit) is ``parent``
        or lies within it."""
        if code == parent or parent == regions.NATIONAL_CODE:
            return True
        if code in self.declared:
            return _inside(code, parent)
        return bool(regions.within(pd.Series([code]), parent).iloc[0])

    @cached_property
    def years(self) -> tuple[int, int]:
        """First and last year of the data (items when there are no counts)."""
        t = self._counts if self._counts.n else self._items
        y = t.year[t.year >= 0] if t is not None else np.zeros(0)
        if len(y) == 0:
            raise NoDataError(f"no records with a year in {self.data_source or 'the sample'}")
        return int(y.min()), int(y.max())

    @property
    def n_rows(self) -> int:
        return self._counts.n

    def supports(self, view: str) -> tuple[bool, str | None]:
        """Whether the data can feed ``view`` (one of :data:`VIEWS`), and if not the reason key
        (``needs_rates`` — pass rates need records or counts; ``needs_items`` — the Pareto needs
        records with nonconforming items or item counts)."""
        if view not in VIEWS:
            raise ParameterError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
        if view == "pareto":
            return (True, None) if self._items is not None else (False, "needs_items")
        return (True, None) if self._counts.n else (False, "needs_rates")

    def present(self, what: Literal["check_level", "industry", "product"]) -> list[str]:
        """The check levels / industry codes / products that occur in the data (sorted;
        computed once)."""
        if what not in self._present:
            self._present[what] = self._find_present(what)
        return list(self._present[what])

    def _find_present(self, what: str) -> list[str]:
        t = self._counts if self._counts.n else self._items
        if t is None:
            return []
        arr, names = {
            "check_level": (t.level, np.array(schema.CHECK_LEVELS, dtype=object)),
            "industry": (t.industry, self.industry_codes),
            "product": (t.product, self.products),
        }[what]
        seen = np.flatnonzero(np.bincount(arr[arr >= 0].astype(np.int64), minlength=len(names)))
        found = [str(names[i]) for i in seen]
        return found if what == "check_level" else sorted(found)

    def products_of(self, industry: str | None) -> list[str]:
        """Products of an industry (all products for None), by the data's own rows."""
        if industry is None:
            return self.present("product")
        return sorted(p for p, ind in self._product_industry.items() if ind == industry)

    def industry_of(self, product: str) -> str | None:
        return self._product_industry.get(product)

    def _first_industry_of_products(self) -> dict[str, str]:
        t = self._counts if self._counts.n else self._items
        if t is None or not len(self.products) or not len(self.industry_codes):
            return {}
        ok = (t.product >= 0) & (t.industry >= 0)
        k = len(self.industry_codes)
        seen = np.bincount(
            t.product[ok].astype(np.int64) * k + t.industry[ok], minlength=len(self.products) * k
        )
        out: dict[str, str] = {}
        for key in np.flatnonzero(seen):
            p, i = divmod(int(key), len(self.industry_codes))
            out.setdefault(str(self.products[p]), str(self.industry_codes[i]))
        return out

    # ---- regions --------------------------------------------------------------------------------
    @cached_property
    def _region_info(self) -> pd.DataFrame:
        """Per region code of the data: ``level`` (its coarsest: a city that is its own
        county-level unit is a city; ``unknown`` for codes that are not divisions),
        ``province_code``, ``city_code`` (NA where there is none)."""
        table = regions.regions()
        order = {lv: i for i, lv in enumerate(regions.LEVELS)}
        coarsest = (
            table.assign(_o=table["level"].map(order))
            .sort_values(["region_code", "_o"])
            .drop_duplicates("region_code")
            .set_index("region_code")["level"]
        )
        codes = pd.Series(self.region_codes, dtype="string")
        info = regions.add_parents(pd.DataFrame({"region_code": codes}))
        level = codes.map(coarsest).fillna("unknown").astype("string")
        city = info["city_code"].where(level == "county", codes.where(level == "city"))
        province = info["province_code"].where(level != "unknown")
        for i, code in enumerate(codes):
            if code in self.declared:  # a county-level unit of its parent
                parent = self.declared[code][1]
                plevel = _level(parent)
                level.iat[i] = "county"
                province.iat[i] = parent[:2] + "0000"
                city.iat[i] = (
                    parent
                    if plevel == "city"
                    else regions.parent_code(parent, "city")
                    if plevel == "county"
                    else pd.NA
                )
        return pd.DataFrame(
            {
                "region_code": codes,
                "level": level,
                "province_code": province.astype("string"),
                "city_code": city.astype("string"),
            }
        )

    def _bounds(self, lo: str, hi: str) -> tuple[int, int]:
        """Row range of the region codes in [lo, hi)."""
        keys = self._sort_keys
        a = int(np.searchsorted(keys, lo, side="left")) if len(keys) else 0
        b = int(np.searchsorted(keys, hi, side="left")) if len(keys) else 0
        return a, b

    def _offsets(self, table: _Table) -> np.ndarray:
        """First row of each region code in ``table`` (rows are sorted by region), and its
        length at the end: the rows of codes [a, b) are ``offsets[a]:offsets[b]``."""
        key = id(table)
        if key not in self._row_offsets:
            codes = np.arange(len(self.region_codes) + 1, dtype=table.region.dtype)
            self._row_offsets[key] = np.searchsorted(table.region, codes, side="left")
        return self._row_offsets[key]

    def _rows(self, table: _Table, within: str) -> tuple[slice, np.ndarray | None]:
        """Rows of ``table`` within a region: a slice (sorted rows) and an optional mask."""
        level = self.unit_level(within)
        if level == "national":
            return slice(0, table.n), (table.region >= 0) if self._unknown else None
        if level in ("province", "city"):
            a, b = self._bounds(within[:2], f"{int(within[:2]) + 1:02d}")
        else:
            a = int(np.searchsorted(self._sort_keys, self._sort_key(within), side="left"))
            b = a + int(a < len(self.region_codes) and self.region_codes[a] == within)
        offsets = self._offsets(table)
        lo, hi = int(offsets[a]), int(offsets[b])
        rows = slice(lo, hi)
        if level == "city":
            member = (self._region_info["city_code"] == within).fillna(False).to_numpy(bool)
            return rows, member[table.region[rows]]
        return rows, None

    def _mask(self, table: _Table, rows: slice, base: np.ndarray | None, f: Filters) -> np.ndarray:
        y = table.year[rows]
        m = (y >= f.years[0]) & (y <= f.years[1])
        if base is not None:
            m &= base
        if f.check_level is not None:
            m &= table.level[rows] == _LEVEL_INDEX[f.check_level]
        if f.industry is not None:
            idx = _index(self.industry_codes, f.industry)
            m &= table.industry[rows] == idx
        if f.product is not None:
            idx = _index(self.products, f.product)
            m &= table.product[rows] == idx
        return m

    def _key_of_region(self, parent: str, unit_level: UnitLevel) -> tuple[np.ndarray, list[str]]:
        """For each region code of the data, the index of its unit below ``parent`` (-1: none),
        and the units' codes (cached)."""
        key = (parent, unit_level)
        if key not in self._keys:
            self._keys[key] = self._make_key_of_region(parent, unit_level)
        return self._keys[key]

    def _make_key_of_region(
        self, parent: str, unit_level: UnitLevel
    ) -> tuple[np.ndarray, list[str]]:
        info = self._region_info
        plevel = self.unit_level(parent)
        if unit_level == "county" or plevel == "city":
            unit = info["region_code"].where(info["level"] == "county")
        elif plevel == "national":
            unit = info["province_code"].where(info["level"] != "unknown")
        elif plevel == "province":
            unit = info["city_code"]
        else:
            raise ParameterError(
                f"{parent} ({regions.name(parent)}) is a county-level division: it has no units "
                "below it"
            )
        inside = regions.within(info["region_code"].astype("string"), parent).to_numpy(bool)
        if self.declared:
            inside = inside | (
                info["region_code"]
                .map(lambda c: c in self.declared and _inside(c, parent))
                .to_numpy(bool)
            )
        unit = unit.where(inside)
        codes = sorted(set(unit.dropna()))
        pos = {c: i for i, c in enumerate(codes)}
        key = unit.map(pos).fillna(-1).to_numpy(np.int64)
        return key, codes

    # ---- queries ---------------------------------------------------------------------------------
    def _sum(
        self, table: _Table, key: np.ndarray, m: np.ndarray, rows: slice, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        ok = m & (key >= 0)
        kk = key[ok]
        w = None if table.weight is None else table.weight[rows][ok]
        batches = np.bincount(kk, weights=w, minlength=k)
        if table.passed is None:
            return batches.astype(np.int64), np.zeros(k, np.int64)
        p = table.passed[rows][ok]
        passed = (
            np.bincount(kk[p], minlength=k) if p.dtype == bool else np.bincount(kk, p, minlength=k)
        )
        return batches.astype(np.int64), passed.astype(np.int64)

    def unit_counts(
        self, parent: str, filters: Filters, unit_level: UnitLevel = "county"
    ) -> pd.DataFrame:
        """Counts of the units below ``parent`` (national / province / city) — its children
        (``unit_level="child"``) or every county-level division in it (``"county"``) — in the
        selection: ``region_code``, ``batches``, ``passed``, ``nonconforming`` (units with at
        least one batch, in code order). ``attrs["outside"]``: batches of the parent booked at
        a coarser level than the units (not in the table)."""
        t = self._counts
        self.check_unit(parent, "region")
        key_of_region, codes = self._key_of_region(parent, unit_level)
        rows, base = self._rows(t, parent)
        m = self._mask(t, rows, base, filters)
        key = key_of_region[t.region[rows]]
        batches, passed = self._sum(t, key, m, rows, len(codes))
        out = pd.DataFrame(
            {
                "region_code": pd.array(codes, dtype="string"),
                "batches": batches,
                "passed": passed,
                "nonconforming": batches - passed,
            }
        )
        out = out[out["batches"] > 0].reset_index(drop=True)
        total = self._sum(t, np.zeros(len(key), np.int64), m, rows, 1)[0][0]
        out.attrs["outside"] = int(total - out["batches"].sum())
        return out

    def year_counts(self, region: str, filters: Filters) -> pd.DataFrame:
        """Counts of ``region`` (any level) by year in the selection: ``year``, ``batches``,
        ``passed``, ``nonconforming`` (years with at least one batch)."""
        t = self._counts
        rows, base = self._rows(t, self.check_unit(region, "region"))
        m = self._mask(t, rows, base, filters)
        y0, y1 = filters.years
        key = t.year[rows].astype(np.int64) - y0
        batches, passed = self._sum(t, key, m, rows, y1 - y0 + 1)
        out = pd.DataFrame(
            {
                "year": np.arange(y0, y1 + 1, dtype=np.int64),
                "batches": batches,
                "passed": passed,
                "nonconforming": batches - passed,
            }
        )
        return out[out["batches"] > 0].reset_index(drop=True)

    def item_counts(self, region: str, filters: Filters) -> pd.DataFrame:
        """Nonconformities of ``region`` by test item in the selection: ``item``, ``count``
        (items with at least one; raises ``ParameterError`` when the data have no items —
        ask :meth:`supports` first)."""
        t = self._items
        if t is None:
            raise ParameterError("these data hold no nonconforming items")
        rows, base = self._rows(t, self.check_unit(region, "region"))
        m = self._mask(t, rows, base, filters)
        assert t.item is not None
        key = t.item[rows].astype(np.int64)
        count, _ = self._sum(t, key, m, rows, len(self.items))
        out = pd.DataFrame({"item": pd.array(self.items, dtype="string"), "count": count})
        return out[out["count"] > 0].reset_index(drop=True)

    def target_counts(
        self, within: str, products: Iterable[str] = (), industries: Iterable[str] = ()
    ) -> pd.DataFrame:
        """Counts for target evaluation (every year and level, no filter): the county-level
        rows of ``within`` by ``region_code``, ``year``, ``check_level``, ``industry_code``,
        ``product``, plus the national totals (``region_code`` ``000000``; computed once per
        product set) — the table a :class:`qualitykit.policy.scorecard.CountsProvider` takes.
        Products and industries not listed (the targets' scopes) are pooled under ``""``, as
        :meth:`qualitykit.policy.scorecard.SampleProvider.counts` does."""
        t = self._counts
        pool = (_pooling(self.products, products), _pooling(self.industry_codes, industries))
        rows, base = self._rows(t, self.check_unit(within, "region"))
        ok = t.year[rows] >= 0
        if base is not None:
            ok &= base
        own = self._grouped(rows, ok, pool, by_region=True)
        county = self._region_info.set_index("region_code")["level"] == "county"
        own = own[own["region_code"].map(county).fillna(False).astype(bool)]
        key = (tuple(sorted(products)), tuple(sorted(industries)))
        if key not in self._national:
            whole = slice(0, t.n)
            self._national[key] = self._grouped(whole, t.year >= 0, pool, by_region=False)
        return pd.concat([own, self._national[key]], ignore_index=True)

    def _grouped(
        self,
        rows: slice,
        ok: np.ndarray,
        pool: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
        *,
        by_region: bool,
    ) -> pd.DataFrame:
        """Counts of the rows ``rows`` where ``ok``, by (region,) year, level, industry and
        product (each product / industry code mapped through ``pool``: kept or pooled); one
        ``bincount`` over the combined key of the groups."""
        t = self._counts
        (p_map, p_names), (i_map, i_names) = pool
        cols = [
            t.year[rows],
            t.level[rows],
            i_map[t.industry[rows] + 1],
            p_map[t.product[rows] + 1],
        ]
        if by_region:
            cols.insert(0, t.region[rows])
        dims = [c[ok].astype(np.int64) + 1 for c in cols]  # -1 (missing) → 0
        sizes = [int(d.max()) + 1 if len(d) else 1 for d in dims]
        flat = np.ravel_multi_index(dims, sizes) if len(dims[0]) else np.zeros(0, np.int64)
        n_keys = int(np.prod(sizes))
        w = None if t.weight is None else t.weight[rows][ok]
        p = t.passed[rows][ok]
        if n_keys <= 4 * len(flat) + 1_000_000:  # dense: O(n) bincount over every key
            batches = np.bincount(flat, weights=w, minlength=n_keys)
            passed = (
                np.bincount(flat[p], minlength=n_keys)
                if p.dtype == bool
                else np.bincount(flat, p, minlength=n_keys)
            )
            keep = np.flatnonzero(batches)
            uniq, batches, passed = keep, batches[keep], passed[keep]
        else:  # sparse: sort the keys that occur
            uniq, inv = np.unique(flat, return_inverse=True)
            batches = np.bincount(inv, weights=w, minlength=len(uniq))
            passed = (
                np.bincount(inv[p], minlength=len(uniq))
                if p.dtype == bool
                else np.bincount(inv, p, minlength=len(uniq))
            )
        keys = [k - 1 for k in np.unravel_index(uniq, sizes)]
        region = (
            _lookup(self.region_codes, keys.pop(0))
            if by_region
            else pd.array([regions.NATIONAL_CODE] * len(uniq), dtype="string")
        )
        return pd.DataFrame(
            {
                "region_code": region,
                "year": keys[0].astype(np.int64),
                "check_level": _lookup(np.array(schema.CHECK_LEVELS, object), keys[1]),
                "industry_code": _lookup(i_names, keys[2]),
                "product": _lookup(p_names, keys[3]),
                "batches": batches.astype(np.int64),
                "passed": passed.astype(np.int64),
            }
        )


@cache
def _level(code: str) -> str:
    return str(regions.lookup(code)["level"])


def _pooling(names: np.ndarray, keep: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(code map, new names) pooling every name not in ``keep``: the map takes a code + 1
    (0: missing) to an index of the new names — 1.. for the names kept, 0 for the pooled
    ``""`` (missing values included)."""
    present = set(names.tolist())
    kept = [k for k in dict.fromkeys(keep) if k in present]
    new = {name: i + 1 for i, name in enumerate(kept)}
    code_map = np.array([0] + [new.get(str(n), 0) for n in names], dtype=np.int64)
    return code_map, np.array(["", *kept], dtype=object)


def _inverse(dictionary: dict[str, int]) -> np.ndarray:
    out = np.empty(len(dictionary), dtype=object)
    for k, v in dictionary.items():
        out[v] = k
    return out


def _index(names: np.ndarray, value: str) -> int:
    hits = np.flatnonzero(names == value)
    return int(hits[0]) if len(hits) else -2  # -2 matches no row


def _lookup(names: np.ndarray, idx: np.ndarray) -> pd.arrays.StringArray:
    out = np.where(idx >= 0, names[np.maximum(idx, 0)] if len(names) else None, None)
    return pd.array(out, dtype="string")
