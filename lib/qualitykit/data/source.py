"""One entry point for any data a notebook is given: :func:`open_source` → :class:`Source`.

A source is the synthetic sample (``None``), a partitioned Parquet folder in the sample's layout,
one file (CSV / XLSX / Parquet) or a folder of such files. Its **shape** is ``records`` (one row per
batch, with or without nonconformities), ``counts`` (batches and passed per unit × period …, with
or without item counts) or ``item_counts`` (nonconformities per test item or cause category).

=====================  ==========================================================================
``Source.counts()``    tidy counts for records **and** counts: ``region_code, year, [by…],
                       batches, passed, nonconforming`` (int64; records aggregated, with pushdown
                       on a partitioned folder)
``Source.records()``   records (shape ``records`` only; else :class:`ShapeError`)
``.nonconformities()`` failed items of the records (shape ``records`` only)
``.item_counts()``     ``[by…], item, nc_count`` from the nonconformities or an item-counts table
``.units``             the unit table: ``code, name, parent_code, kind`` (standard / non-standard
                       / abolished), ``successor``, ``year_changed``, ``level``
``.notices``           what was done to the data, as :class:`Notice` (``zh`` and ``en``)
``.parent_figure()``   the parent's figure for a comparison, labelled honestly
``.supports(section)`` whether a notebook section can run on this shape
=====================  ==========================================================================

Errors a notebook turns into a one-line note: :class:`~qualitykit.data.shapes.ShapeError` (the
shape cannot give what was asked) and :class:`~qualitykit.errors.NoDataError` (the selection is
empty). Bad files raise :class:`~qualitykit.data.problems.InputFileError` listing the problems.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualitykit.data import regions
from qualitykit.data.problems import InputFileError, ValidationReport
from qualitykit.data.read import _parquet_files, table_files
from qualitykit.data.shapes import Shape, ShapeError, shape_of
from qualitykit.data.units import _inside, declare_units
from qualitykit.errors import NoDataError, ParameterError

__all__ = ["SECTIONS", "Notice", "ParentFigure", "Source", "code_change_notices", "open_source"]

PathLike = str | os.PathLike[str]

SECTIONS: dict[str, tuple[str, ...]] = {
    "rates": ("records", "counts"),
    "trend": ("records", "counts"),
    "control_chart": ("records", "counts"),
    "funnel": ("records", "counts"),
    "ranking": ("records", "counts"),
    "shrinkage": ("records", "counts"),
    "standardised": ("records", "counts"),
    "size_classes": ("records", "counts"),
    "sales_classes": ("records",),
    "enterprises": ("records",),
    "pareto": ("records", "counts", "item_counts"),
    "causes": ("records", "counts", "item_counts"),
}
"""Notebook sections and the shapes that can feed them (a section may also need a column, e.g.
``size_classes`` needs ``enterprise_size``; :meth:`Source.supports` checks both)."""
_NEEDS: dict[str, str] = {
    "size_classes": "enterprise_size",
    "standardised": "industry_code",
    "sales_classes": "annual_sales",
}


@dataclass(frozen=True)
class Notice:
    """Something done to the data that a reader should know: ``kind`` (shape, totals,
    code_changes, period, units, cross_check, note), the sentence in Chinese and in English."""

    kind: str
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class ParentFigure:
    """A parent's figure for a comparison: ``batches``, ``passed``, ``pass_rate`` (proportion),
    ``label_zh`` / ``label_en`` that say what it is ("本数据中巴中市合计" / "total of 巴中市 in these
    data", or the published figure with its source), ``source`` and ``kind`` (``data_total`` or
    ``published``)."""

    code: str
    years: tuple[int, int] | None
    batches: int | None
    passed: int | None
    pass_rate: float | None
    label_zh: str
    label_en: str
    source: str
    kind: str


@dataclass
class Source:
    """Data of one shape, read once; see the module docstring for what it gives."""

    location: Path | None
    shape: Shape
    frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    dataset: Path | None = None  # a partitioned records folder (read by pushdown)
    reports: list[ValidationReport] = field(default_factory=list, repr=False)
    _notices: list[Notice] = field(default_factory=list, repr=False)
    declared: pd.DataFrame = field(default_factory=lambda: declare_units(None), repr=False)
    parent_figures: pd.DataFrame | None = field(default=None, repr=False)
    map_codes: bool = True  # abolished codes read as their successors (False: kept as stored)
    _code_changes: pd.DataFrame | None = field(default=None, repr=False)
    _stored_in: Path | None = field(default=None, repr=False)  # records folder not yet scanned
    _units: pd.DataFrame | None = field(default=None, repr=False)

    # ---- what was done to the data ---------------------------------------------------------
    @property
    def notices(self) -> list[Notice]:
        """What was done to the data (shape, totals, codes mapped …), as :class:`Notice`. For a
        partitioned records folder the codes mapped are found on first use (a short scan of the
        row groups that can hold abolished codes), not at opening."""
        if self._stored_in is not None:
            records, self._stored_in = self._stored_in, None
            self._code_changes = _stored_changes(records)
            self._notices.extend(code_change_notices(self._code_changes))
        return self._notices

    @property
    def code_changes(self) -> pd.DataFrame | None:
        """The abolished codes mapped to their successors in a partitioned records folder
        (``old_code, old_name, new_code, new_name, year, rows``; files: their reports')."""
        self.notices  # noqa: B018 - resolves the pending scan
        return self._code_changes

    # ---- what the data can give ------------------------------------------------------------
    def columns(self) -> list[str]:
        """Canonical columns the data holds (records or counts table)."""
        if self.dataset is not None:
            from qualitykit.data.dataset import RECORD_COLUMNS

            return list(RECORD_COLUMNS)
        main = self.frames.get(self.shape)
        return [] if main is None else list(main.columns)

    def supports(self, section: str) -> bool:
        """Whether notebook ``section`` (a key of :data:`SECTIONS`) can run on this data."""
        if section not in SECTIONS:
            raise ParameterError(f"unknown section {section!r}; expected one of {list(SECTIONS)}")
        if self.shape not in SECTIONS[section]:
            return False
        if section in ("pareto", "causes") and self.shape == "counts":
            return "item_counts" in self.frames
        need = _NEEDS.get(section)
        return need is None or need in self.columns()

    def unsupported(self, section: str, lang: str = "zh") -> str | None:
        """The one-line note for a section this data cannot feed (None if it can)."""
        if self.supports(section):
            return None
        shape_zh = {"records": "逐批记录", "counts": "汇总计数", "item_counts": "不合格项目计数"}
        need = _NEEDS.get(section)
        if self.shape in SECTIONS[section] and need:
            return (
                f"本节需要“{need}”列，本数据没有，故略去。"
                if lang == "zh"
                else f"This section needs the column '{need}', which these data lack; left out."
            )
        return (
            f"本数据为{shape_zh[self.shape]}，不支持本节，故略去。"
            if lang == "zh"
            else f"These data are {self.shape.replace('_', ' ')}; this section needs other data and is left out."
        )

    # ---- tables ----------------------------------------------------------------------------
    def records(
        self,
        region: str | None = None,
        years: Any = None,
        check_levels: str | Iterable[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Records (one row per batch) — shape ``records`` only (else :class:`ShapeError`)."""
        from qualitykit.data import dataset

        self._need("records", "records (one row per batch)")
        if self.dataset is not None:
            return dataset.open_records(
                self.dataset, region, years, check_levels, columns, map_codes=self.map_codes
            )
        df = _filter(self.frames["records"], self.region(region), years, check_levels, None)
        if df.empty:
            raise NoDataError(f"no records for the selection in {self.location}")
        return df[list(columns)] if columns is not None else df

    def nonconformities(
        self,
        region: str | None = None,
        years: Any = None,
        check_levels: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> pd.DataFrame:
        """Failed items of the selected records with record columns and the cause map's columns
        (:func:`qualitykit.data.dataset.open_nonconformities`) — shape ``records`` only."""
        from qualitykit.data import dataset

        self._need("records", "nonconformities (they belong to records)")
        if self.dataset is not None:
            kwargs.setdefault("map_codes", self.map_codes)
            return dataset.open_nonconformities(self.dataset, region, years, check_levels, **kwargs)
        if "nonconformities" not in self.frames:
            raise NoDataError(f"{self.location} holds no nonconformities table")
        recs = self.records(region, years, check_levels)
        nc = self.frames["nonconformities"]
        cols = [c for c in dataset.DEFAULT_NC_RECORD_COLUMNS if c in recs]
        nc = nc[nc["batch_id"].isin(recs["batch_id"])]
        nc = nc.drop(columns=[c for c in cols if c in nc]).merge(
            recs[["batch_id", *cols]], on="batch_id", how="left", validate="many_to_one"
        )
        if nc.empty:
            raise NoDataError(f"no nonconformities for the selection in {self.location}")
        return nc.reset_index(drop=True)

    def counts(
        self,
        region: str | None = None,
        years: Any = None,
        check_levels: str | Iterable[str] | None = None,
        product: str | None = None,
        by: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Tidy counts of the units within ``region`` (any level; None = all):

        ================  ==========================================================
        region_code       the unit (GB/T 2260 code, or ``X<parent>-<NN>`` declared)
        year              Int64 (NA where the data have no period)
        <by…>             the requested grouping columns (e.g. check_level, product)
        batches, passed,  int64 sums
        nonconforming
        ================  ==========================================================

        Records are aggregated (a partitioned folder: only the needed columns of the needed
        partitions are read); counts tables are filtered and re-summed. ``ShapeError`` for item
        counts, ``NoDataError`` for an empty selection."""
        by = [by] if isinstance(by, str) else list(by)
        if self.shape == "item_counts":
            raise ShapeError(
                "these data are item counts (nonconformities per item): they hold no batches, so "
                "no pass rates — give records or a counts table for this"
            )
        keys = ["region_code", "year", *[b for b in by if b not in ("region_code", "year")]]
        if self.shape == "counts" and "region_code" not in self.frames["counts"]:
            keys.remove("region_code")  # a table without units (e.g. by channel only)
        if self.shape == "records":
            need = [*keys, "passed", *(["product"] if product else []),
                    *(["check_level"] if check_levels else [])]  # fmt: skip
            df = self.records(region, years, check_levels, columns=list(dict.fromkeys(need)))
            if product:
                df = df[df["product"] == product]
            missing = [k for k in keys if k not in df]
            if missing:
                raise ShapeError(f"cannot group by {missing}: not columns of these records")
            g = df.groupby(keys, observed=True, sort=True, dropna=False)["passed"]
            out = pd.DataFrame({"batches": g.size(), "passed": g.sum()}).reset_index()
        else:
            df = self.frames["counts"]
            if "year" not in df:
                df = df.assign(year=pd.array([pd.NA] * len(df), dtype="Int64"))
            missing = [k for k in keys if k not in df]
            if missing:
                raise ShapeError(
                    f"cannot group by {missing}: the counts table has no such column"
                    + (
                        " (units need a 地区代码 or 地区 column)"
                        if "region_code" in missing
                        else ""
                    )
                )
            df = _filter(df, self.region(region), years, check_levels, product)
            g = df.groupby(keys, observed=True, sort=True, dropna=False)
            out = g[["batches", "passed"]].sum().reset_index()
        if out.empty:
            raise NoDataError(f"no data for the selection in {self.location or 'the sample'}")
        out["batches"] = out["batches"].astype("int64")
        out["passed"] = out["passed"].astype("int64")
        out["nonconforming"] = out["batches"] - out["passed"]
        return out

    def item_counts(
        self,
        region: str | None = None,
        years: Any = None,
        product: str | None = None,
        by: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Nonconformities per item: ``[by…], item, nc_count`` (int64, most frequent first within
        a group). From the nonconformities (records) or an item-counts table."""
        by = [by] if isinstance(by, str) else list(by)
        if self.shape == "records":
            nc = self.nonconformities(region, years, cause_map=False)
            if product:
                nc = nc[nc["product"] == product]
            g = nc.groupby([*by, "item"], observed=True, sort=True)
            out = g.size().rename("nc_count").reset_index()
        else:
            df = self.frames.get("item_counts")
            if df is None:
                raise ShapeError(
                    "these data are counts of batches without item counts: no test items to rank "
                    "— add a table of nonconformities per item (item counts)"
                )
            missing = [b for b in by if b not in df]
            if missing:
                raise ShapeError(f"cannot group item counts by {missing}: no such column")
            df = _filter(df, self.region(region), years, None, product)
            out = df.groupby([*by, "item"], sort=True)["nc_count"].sum().reset_index()
        if out.empty:
            raise NoDataError(f"no item counts for the selection in {self.location}")
        out["nc_count"] = out["nc_count"].astype("int64")
        order = [*by, "nc_count"]
        asc = [True] * len(by) + [False]
        return out.sort_values(order, ascending=asc, kind="stable").reset_index(drop=True)

    # ---- units and parents -----------------------------------------------------------------
    def region(self, code: str | None, what: str = "region") -> str | None:
        """``code`` if these data can be selected by it. With abolished codes mapped (the
        default), an abolished code that has a successor is a ParameterError naming the successor:
        its data are counted there (330185 临安市 → 330112 临安区)."""
        if (
            self.map_codes
            and isinstance(code, str)
            and regions.is_abolished(code)
            and code not in set(self.declared["code"].astype(str))
        ):
            raise ParameterError(regions.abolished_message(code, what))
        return code

    def check_code(self, code: object, what: str = "region code") -> str:
        """``code`` if it is a GB/T 2260 code these data can be selected by
        (:func:`qualitykit.data.regions.check_code`, then :meth:`region`)."""
        return str(self.region(regions.check_code(code, what), what))

    @property
    def units(self) -> pd.DataFrame:
        """The units of the data: ``code, name, parent_code, level, kind`` (standard /
        non-standard / abolished), ``successor`` and ``year_changed`` (abolished codes)."""
        if self._units is None:
            self._units = self._unit_table()
        return self._units

    def _unit_table(self) -> pd.DataFrame:
        if self.dataset is not None:  # the sample's districts, in today's vintage when mapped
            codes = regions.counties()["region_code"].astype(str).tolist()
            if self.map_codes:
                codes = sorted({regions.current_code(c) for c in codes})
        else:
            main = self.frames.get(self.shape)
            codes = (
                sorted(main["region_code"].dropna().astype(str).unique())
                if main is not None and "region_code" in main
                else []
            )
        rows = []
        dec = self.declared.set_index("code") if len(self.declared) else None
        for c in codes:
            if dec is not None and c in dec.index:
                rows.append({"code": c, "name": dec.at[c, "name"], "parent_code": dec.at[c, "parent_code"],
                             "level": "non-standard", "kind": "non-standard"})  # fmt: skip
            elif regions.is_valid_code(c):
                anc = regions.ancestors(c)
                rows.append({"code": c, "name": regions.name(c), "parent_code": anc[1] if len(anc) > 1 else None,
                             "level": str(regions.lookup(c)["level"]), "kind": "standard"})  # fmt: skip
        changes = [r.code_changes for r in self.reports] + [self.code_changes]
        for table in changes:
            if table is not None:
                for ch in table.itertuples():
                    rows.append({"code": ch.old_code, "name": ch.old_name, "parent_code": None,
                                 "level": "county", "kind": "abolished", "successor": ch.new_code,
                                 "year_changed": int(ch.year)})  # fmt: skip
        cols = ["code", "name", "parent_code", "level", "kind", "successor", "year_changed"]
        out = pd.DataFrame(rows, columns=cols).drop_duplicates("code")
        out["year_changed"] = out["year_changed"].astype("Int64")
        return out.astype({c: "string" for c in cols if c != "year_changed"}).reset_index(drop=True)

    def parent_figure(self, code: str, years: Any = None) -> ParentFigure:
        """The figure of ``code`` to compare its units with: a published figure the user supplied
        (``parent_figures`` of :func:`open_source`), else the total of the data within ``code`` —
        labelled "本数据中<name>合计" / "total of <name> in these data", never 全省 / 全国."""
        name_zh = regions.name(code) if regions.is_valid_code(code) else code
        name_en = regions.name(code, "en") if regions.is_valid_code(code) else code
        span = _span(years)
        pf = self.parent_figures
        if pf is not None:
            sel = pf[pf["region_code"] == code]
            if span is not None and "year" in sel:
                sel = sel[(sel["year"] >= span[0]) & (sel["year"] <= span[1])]
            if len(sel):
                b = int(sel["batches"].sum()) if sel["batches"].notna().all() else None
                p = int(sel["passed"].sum()) if sel["passed"].notna().all() else None
                rate = p / b if b and p is not None else (
                    float(sel["pass_rate"].iloc[0]) if len(sel) == 1 and "pass_rate" in sel else None
                )  # fmt: skip
                src = "; ".join(sorted(set(sel["source"].astype(str))))
                return ParentFigure(code, span, b, p, rate, f"{name_zh}（公布数，来源：{src}）",
                                    f"{name_en} (published figure; source: {src})", src, "published")  # fmt: skip
        c = self.counts(code, span)
        b, p = int(c["batches"].sum()), int(c["passed"].sum())
        return ParentFigure(
            code, span, b, p, p / b if b else None, f"本数据中{name_zh}合计",
            f"total of {name_en} in these data", "these data", "data_total",
        )  # fmt: skip

    def _need(self, shape: str, what: str) -> None:
        if self.shape != shape:
            raise ShapeError(
                f"these data are {self.shape.replace('_', ' ')}, not {shape}: {what} cannot be "
                "read from them"
            )


# -------------------------------------------------------------------------------------------
# filters
# -------------------------------------------------------------------------------------------


def _span(years: Any) -> tuple[int, int] | None:
    if years is None:
        return None
    if isinstance(years, int | np.integer):
        return int(years), int(years)
    ys = list(years)
    if len(ys) == 2 and isinstance(years, tuple):
        return int(ys[0]), int(ys[1])
    return min(ys), max(ys)


def _filter(
    df: pd.DataFrame, region: str | None, years: Any, check_levels: Any, product: str | None
) -> pd.DataFrame:
    from qualitykit.data.dataset import _check_levels, _check_years

    mask = np.ones(len(df), dtype=bool)
    if region is not None and region != regions.NATIONAL_CODE:
        if "region_code" not in df:
            raise ShapeError(
                "the data have no units (no 地区代码 / 地区 column): no region to select"
            )
        codes = df["region_code"].astype("string")
        uniq = codes.dropna().unique().tolist()
        inside = {c: (c == region or _inside(str(c), region)) for c in uniq}
        mask &= codes.map(inside).fillna(False).to_numpy(bool)
    yrs = _check_years(years)
    if yrs is not None and "year" in df:
        y = df["year"]
        m = (y >= yrs[0]) & (y <= yrs[1]) if isinstance(yrs, tuple) else y.isin(yrs)
        mask &= m.fillna(False).to_numpy(bool)
    levels = _check_levels(check_levels)
    if levels is not None:
        if "check_level" not in df:
            raise ShapeError(
                "the data have no check level column (抽查级别): cannot select by level"
            )
        mask &= df["check_level"].astype("string").isin(levels).fillna(False).to_numpy(bool)
    if product:
        if "product" not in df:
            raise ShapeError("the data have no product column (产品名称): cannot select a product")
        mask &= (df["product"] == product).fillna(False).to_numpy(bool)
    return df[mask].reset_index(drop=True)


# -------------------------------------------------------------------------------------------
# opening
# -------------------------------------------------------------------------------------------


def open_source(
    source: PathLike | None = None,
    *,
    period: str | None = None,
    units: Any = None,
    parent: str | None = None,
    parent_figures: PathLike | pd.DataFrame | None = None,
    map_codes: bool | None = None,
    sheet: str | int | None = None,
) -> Source:
    """Open ``source`` (None: the synthetic sample; a partitioned Parquet folder; a CSV / XLSX /
    Parquet file; a folder of such files) and name its shape.

    ``period``: the period of tables without a year column or a period in their title
    (``"2019H2"``). ``units``: the user's non-standard units (a CSV with ``name,parent``; see
    :func:`qualitykit.data.units.declare_units`). ``parent``: code within which unit names are
    resolved. ``parent_figures``: published parent figures (CSV / DataFrame with ``region_code,
    year, batches, passed`` or ``pass_rate``, ``source``). ``map_codes``: map abolished codes to
    their successors (default yes, for every source: files, folders and partitioned Parquet
    folders such as the synthetic sample, whose districts are cpca's vintage by construction and
    are read by pushdown on the successor plus its predecessors' codes; the codes mapped are
    :attr:`Source.notices` of kind ``code_changes``; ``False`` keeps them as stored). Raises
    ``InputFileError`` for bad files, ``ShapeError`` for a folder mixing kinds that do not belong
    together, ``ParameterError`` for bad arguments."""
    from qualitykit.data import validate as val
    from qualitykit.data.sample import ensure_sample

    declared = declare_units(units)
    figures = _parent_figures(parent_figures)
    mapping = True if map_codes is None else bool(map_codes)
    if source is None:
        folder = ensure_sample()
        src = Source(None, "records", dataset=folder, declared=declared, parent_figures=figures,
                     map_codes=mapping)  # fmt: skip
        src._notices.append(Notice("shape", "数据为合成样本（逐批记录）。",
                                  "The data are the synthetic sample (records, one row per batch)."))  # fmt: skip
        return _with_code_changes(src, folder / "records")
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"source {str(path)!r} does not exist")
    if path.is_dir():
        if any(p.name.startswith("province=") for p in path.iterdir()) or (
            (path / "records").is_dir()
            and any(p.name.startswith("province=") for p in (path / "records").iterdir())
        ):
            src = Source(path, "records", dataset=path, declared=declared, parent_figures=figures,
                         map_codes=mapping)  # fmt: skip
            src._notices.append(Notice("shape", "数据为逐批记录（分区 Parquet）。",
                                      "The data are records (partitioned Parquet)."))  # fmt: skip
            records = path / "records" if (path / "records").is_dir() else path
            return _with_code_changes(src, records)
        files = [path] if _parquet_files(path)[0] and not table_files(path) else table_files(path)
        if not files:
            raise ParameterError(
                f"{str(path)!r} holds no CSV, XLSX or Parquet files (nor a partitioned data set)"
            )
    else:
        files = [path]
    options = {"period": period, "units": declared, "parent": parent, "map_codes": mapping}
    reports = []
    for f in files:
        rep = val.validate(f, sheet=sheet, **options)
        if not rep.ok:
            raise InputFileError(rep)
        reports.append(rep)
    shape = shape_of([(r.file, str(r.kind)) for r in reports])
    frames: dict[str, pd.DataFrame] = {}
    for r in reports:
        assert r.frame is not None and r.kind is not None
        frames.setdefault(r.kind, []).append(r.frame)  # type: ignore[arg-type]
    joined = {k: pd.concat(v, ignore_index=True) if len(v) > 1 else v[0] for k, v in frames.items()}  # type: ignore[arg-type]
    src = Source(
        path, shape, frames=joined, reports=reports, declared=declared, parent_figures=figures,
        map_codes=mapping,
    )  # fmt: skip
    src._notices.extend(_notices(shape, reports, declared))
    return src


def code_change_notices(changes: pd.DataFrame | None) -> list[Notice]:
    """One :class:`Notice` (kind ``code_changes``) per abolished code mapped to its successor
    (a table of :func:`qualitykit.data.units.map_codes` or
    :func:`qualitykit.data.dataset.stored_code_changes`) — the one wording for every source."""
    if changes is None:
        return []
    return [
        Notice(
            "code_changes",
            f"已撤销的代码 {ch.old_code} {ch.old_name} 按其继承单位 {ch.new_code} {ch.new_name}（{ch.year} 年调整）计（{ch.rows:,} 行）。",
            f"Abolished code {ch.old_code} {ch.old_name} counted as its successor {ch.new_code} {ch.new_name} (changed {ch.year}; {ch.rows:,} rows).",
        )  # fmt: skip
        for ch in changes.itertuples()
    ]


def _with_code_changes(src: Source, records: Path) -> Source:
    """A partitioned records folder read with abolished codes mapped: the codes it stores rows
    under become :attr:`Source.code_changes` and notices when first asked for."""
    if src.map_codes:
        src._stored_in = records
    return src


def _stored_changes(records: Path) -> pd.DataFrame:
    from qualitykit.data.dataset import stored_code_changes

    key = (str(records), tuple((q.name, q.stat().st_mtime_ns) for q in records.iterdir()))
    changes = _STORED.get(key)
    if changes is None:
        changes = _STORED[key] = stored_code_changes(records)
    return changes


_STORED: dict[tuple, pd.DataFrame] = {}
"""Codes mapped per partitioned records folder (its rows do not change while it is open)."""


def _parent_figures(arg: PathLike | pd.DataFrame | None) -> pd.DataFrame | None:
    if arg is None:
        return None
    if isinstance(arg, pd.DataFrame):
        df = arg.copy()
    else:
        p = Path(arg)
        if not p.is_file():
            raise ParameterError(f"parent figures file {str(p)!r} does not exist")
        df = pd.read_csv(p, dtype={"region_code": "string"}, encoding="utf-8-sig")
    need = {"region_code", "source"}
    if not need <= set(df.columns) or not (
        {"batches", "passed"} <= set(df.columns) or "pass_rate" in df
    ):
        raise ParameterError(
            "parent figures need the columns region_code, source and batches + passed (or "
            f"pass_rate, a proportion); found {list(df.columns)}"
        )
    for c in ("batches", "passed"):
        if c not in df:
            df[c] = pd.NA
    if df["source"].isna().any() or (df["source"].astype(str).str.strip() == "").any():
        raise ParameterError("every parent figure needs its source (a URL or a citation)")
    return df


def _notices(shape: str, reports: list[ValidationReport], declared: pd.DataFrame) -> list[Notice]:
    shape_zh = {
        "records": "逐批记录",
        "counts": "汇总计数（单位×时期）",
        "item_counts": "不合格项目计数",
    }
    kinds = ", ".join(sorted({str(r.kind) for r in reports}))
    out = [Notice("shape", f"数据形态：{shape_zh[shape]}（{len(reports)} 个文件：{kinds}）。",
                  f"Data shape: {shape.replace('_', ' ')} ({len(reports)} file(s): {kinds}).")]  # fmt: skip
    col_zh = {"batches": "抽查批次", "passed": "合格批次", "nonconforming": "不合格批次",
              "nc_count": "不合格数"}  # fmt: skip
    for r in reports:
        name = Path(r.file).name
        for t in r.totals:
            keys = [k for k in col_zh if t.get(k) is not None]
            vals_zh = "，".join(f"{col_zh[k]} {t[k]:,}" for k in keys)
            vals = ", ".join(f"{k} {t[k]:,}" for k in keys)
            out.append(Notice("totals", f"{name} 第 {t['row']} 行“{t['label']}”为合计行，未计入数据（{vals_zh}）。",
                              f"{name}, row {t['row']} '{t['label']}' is a total row, left out of the data ({vals})."))  # fmt: skip
        out.extend(code_change_notices(r.code_changes))
        if r.period:
            src_zh = "标题" if r.period.get("from") == "title" else "参数 period"
            src_en = "the title" if r.period.get("from") == "title" else "the period parameter"
            out.append(Notice("period", f"{name} 无年份列，时期“{r.period['label']}”取自{src_zh}。",
                              f"{name} has no year column: the period '{r.period['label']}' is taken from {src_en}."))  # fmt: skip
        for x in r.cross_checks:
            yr_zh = f"{x['year']}年" if x["year"] else ""
            yr_en = f" ({x['year']})" if x["year"] else ""
            if x["parts"] == x["stated"]:
                zh = f"核对{yr_zh}：各项{col_zh[x['column']]}之和 {x['parts']:,} 与第 {x['row']} 行“{x['label']}”一致。"
                en = f"Cross-check{yr_en}: the parts' {x['column']} sum to {x['parts']:,}, as row {x['row']} '{x['label']}' states."
            else:
                zh = (
                    f"核对{yr_zh}：各项{col_zh[x['column']]}之和为 {x['parts']:,}，第 {x['row']} 行“{x['label']}”"
                    f"为 {x['stated']:,}（相差 {x['stated'] - x['parts']:+,}）。"
                )
                en = (
                    f"Cross-check{yr_en}: the parts' {x['column']} sum to {x['parts']:,}; row {x['row']} "
                    f"'{x['label']}' states {x['stated']:,} (a difference of {x['stated'] - x['parts']:+,})."
                )
            out.append(Notice("cross_check", zh, en))
        for n in r.notes:
            if n.startswith(("'passed' derived", "'nonconforming' derived")):
                out.append(Notice("derived", "由公布的比率和批次数推算（取整）：" + n, n))
    if len(declared):
        for d in declared.itertuples():
            out.append(Notice("units", f"非标准单位 {d.name}（代码 {d.code}，上级 {regions.name(d.parent_code)}）作为独立单位保留。",
                              f"Non-standard unit {d.name} (code {d.code}, within {regions.name(d.parent_code)}) kept as a unit of its own."))  # fmt: skip
    return out
