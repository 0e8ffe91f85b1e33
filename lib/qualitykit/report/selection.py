"""The data of one report: the notebook's selection of an opened source.

:class:`Selection` is the data half of :class:`qualitykit.report.framework.Report`: the source
opened by :func:`qualitykit.report.sources.open_data` and the selection the parameters make
(region, years, check levels, product). Whatever the shape, ``counts()`` gives batches per unit
and year and ``item_counts()`` nonconformities per item; ``records()`` and ``nonconformities()``
are for records. ``parent()`` is the figure a comparison is made with, labelled honestly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from qualitykit import errors
from qualitykit.data import regions
from qualitykit.data.source import ParentFigure, Source
from qualitykit.report import narrative, sources
from qualitykit.report.narrative import Lang
from qualitykit.report.sources import open_data

__all__ = ["Selection"]


@dataclass(kw_only=True)
class Selection:
    """A report's data: the opened source and the selection of it (region, years, check
    levels, product) the notebook's parameters make, read once per table and cached."""

    lang: Lang
    region_code: str | None
    years: tuple[int, int] | None
    check_levels: list[str] | None
    product: str | None
    source: Path | None
    record_columns: tuple[str, ...] | None = None
    data: Source | None = field(default=None, repr=False)
    requested_years: tuple[int, int] | None = None
    _cache: dict[Any, pd.DataFrame] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.data is None:
            self.data = open_data(str(self.source) if self.source is not None else "")

    # ---- names ------------------------------------------------------------------------------
    @property
    def src(self) -> Source:
        assert self.data is not None
        return self.data

    @property
    def region_name(self) -> str:
        """The region's name in the report's language (Chinese where no English name is known);
        the whole of a user's data is called by its title or file name, never 全国."""
        if self.region_code in (None, regions.NATIONAL_CODE):
            if self.is_sample:
                return "全国" if self.lang == "zh" else "China"
            return sources.data_label(self.src, self.lang)
        return sources.unit_name(self.src, self.region_code, self.lang)

    @property
    def region_level(self) -> str | None:
        if self.region_code is None:
            return None
        return sources.unit_level(self.src, self.region_code)

    @property
    def province_name(self) -> str | None:
        if self.region_code is None or self.region_level == "national":
            return None
        return regions.name(sources.unit_province(self.src, self.region_code), self.lang)

    @property
    def is_sample(self) -> bool:
        """The data are (a preset of) the synthetic sample."""
        return sources.is_complete(self.src)

    @property
    def shape(self) -> str:
        """``records``, ``counts`` or ``item_counts``."""
        return str(self.src.shape)

    def t(self, key: str) -> str:
        """A heading, phrase or column label in the report's language (:func:`narrative.t`)."""
        return narrative.t(key, self.lang)

    def supports(self, section: str) -> bool:
        """Whether the data can feed notebook ``section`` (a key of
        :data:`qualitykit.data.source.SECTIONS`)."""
        return self.src.supports(section)

    def unsupported(self, section: str) -> str | None:
        """The one-line note of a section the data cannot feed (None if they can)."""
        return self.src.unsupported(section, self.lang)

    def has_columns(self, *columns: str) -> bool:
        """The data hold every one of ``columns`` (records, counts or item counts)."""
        have = set(self.src.columns())
        if self.shape == "counts" and "item_counts" in self.src.frames:
            have |= set(self.src.frames["item_counts"].columns)
        return set(columns) <= have

    # ---- data ------------------------------------------------------------------------------
    def _region_arg(self) -> str | None:
        if self.region_code in (None, regions.NATIONAL_CODE):
            return None
        return self.region_code

    def records(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The records of the selection (read once per column set; empty if there are none).
        Records only: other shapes raise :class:`~qualitykit.data.shapes.ShapeError`."""
        cols = tuple(columns) if columns is not None else self.record_columns
        key = ("records", cols)
        if key not in self._cache:
            read = (
                None
                if cols is None
                else list(dict.fromkeys([*cols, *(["product"] if self.product else [])]))
            )
            try:
                df = self.src.records(self._region_arg(), self.years, self.check_levels, read)
            except errors.NoDataError:
                from qualitykit.data import dataset

                df = pd.DataFrame(
                    {c: pd.Series(dtype="object") for c in (read or dataset.RECORD_COLUMNS)}
                )
            if self.product:
                df = df[df["product"] == self.product].reset_index(drop=True)
                if cols is not None and "product" not in cols:
                    df = df.drop(columns="product")
            self._cache[key] = df
        return self._cache[key]

    def nonconformities(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The failed test items of the selection with the record columns and the cause map's
        ``category``, ``cause_5m1e``, ``controllable`` (empty if there are none). Records only.
        ``columns``: only these columns (e.g. ``["batch_id", "item"]``; read once per column
        set) — the record columns and the cause map are joined only when asked for."""
        from qualitykit.data import dataset

        cols = tuple(columns) if columns is not None else None
        key = ("nonconformities", cols)
        if key not in self._cache:
            causes = ("category", "cause_5m1e", "controllable")
            if cols is None:
                rec_cols = list(dataset.DEFAULT_NC_RECORD_COLUMNS)
                options: dict[str, Any] = {}
            else:
                rec_cols = [c for c in cols if c in dataset.RECORD_COLUMNS and c != "batch_id"]
                if self.product and "product" not in rec_cols:
                    rec_cols.append("product")
                options = {"record_columns": rec_cols, "cause_map": any(c in causes for c in cols)}
            recs = self._cached_records(["batch_id", *rec_cols])
            if recs is not None and self.src.dataset is not None:
                options["records"] = recs  # the join takes the records read already
            try:
                nc = self.src.nonconformities(
                    self._region_arg(), self.years, self.check_levels, **options
                )
            except errors.NoDataError:
                nc = pd.DataFrame(
                    {
                        c: pd.Series(dtype="object")
                        for c in (cols or ("batch_id", "item", "year", *causes))
                    }  # fmt: skip
                )
            if self.product and "product" in nc:
                nc = nc[nc["product"] == self.product].reset_index(drop=True)
            if cols is not None:
                nc = nc[[c for c in cols if c in nc]]
            self._cache[key] = nc
        return self._cache[key]

    def _cached_records(self, columns: Sequence[str]) -> pd.DataFrame | None:
        """Records of the selection already read (:meth:`records`) with ``columns``, or None."""
        for key, df in self._cache.items():
            if key[0] == "records" and (key[1] is None or set(columns) <= set(key[1])):
                return df
        return None

    def counts(self, by: Sequence[str] = ()) -> pd.DataFrame:
        """The selection as counts: ``region_code`` (absent for a table without units), ``year``,
        ``[by…]``, ``batches``, ``passed``, ``nonconforming`` — aggregated from the records or
        filtered and re-summed from a counts table (:meth:`Source.counts`); empty if there are
        none. Item counts raise :class:`~qualitykit.data.shapes.ShapeError`."""
        by = [
            b
            for b in ([by] if isinstance(by, str) else list(by))
            if b not in ("region_code", "year")
        ]
        key = ("counts", tuple(by))
        if key not in self._cache:
            if self.shape == "records":
                from qualitykit.stats.metrics import aggregate_counts

                keys = ["region_code", "year", *by]
                recs = self.records([*keys, "passed"])
                if len(recs):
                    out = aggregate_counts(recs, keys, source="records")
                else:
                    out = _empty_counts(keys)
            else:
                try:
                    out = self.src.counts(
                        self._region_arg(), self.years, self.check_levels, self.product, by
                    )
                except errors.NoDataError:
                    cols = self.src.columns()
                    keys = [k for k in ("region_code", "year", *by) if k in cols or k == "year"]
                    out = _empty_counts(keys)
            self._cache[key] = out
        return self._cache[key]

    def item_counts(self, by: Sequence[str] = ()) -> pd.DataFrame:
        """Nonconformities per item of the selection: ``[by…], item, nc_count`` (most frequent
        first), from the nonconformities (records) or an item-counts table; empty if none.
        A counts table without item counts raises :class:`~qualitykit.data.shapes.ShapeError`."""
        by = [by] if isinstance(by, str) else list(by)
        key = ("item_counts", tuple(by))
        if key not in self._cache:
            if self.shape == "records":
                nc = self.nonconformities()
                if len(nc):
                    g = nc.groupby([*by, "item"], observed=True, sort=True)
                    out = g.size().rename("nc_count").reset_index()
                    out["nc_count"] = out["nc_count"].astype("int64")
                    out = out.sort_values([*by, "nc_count"], ascending=[True] * len(by) + [False],
                                          kind="stable").reset_index(drop=True)  # fmt: skip
                else:
                    out = pd.DataFrame(
                        {c: pd.Series(dtype="object") for c in [*by, "item"]}
                    ).assign(nc_count=pd.Series(dtype="int64"))
            else:
                try:
                    out = self.src.item_counts(self._region_arg(), self.years, self.product, by)
                except errors.NoDataError:
                    out = pd.DataFrame(
                        {c: pd.Series(dtype="object") for c in [*by, "item"]}
                    ).assign(nc_count=pd.Series(dtype="int64"))
            self._cache[key] = out
        return self._cache[key]

    @property
    def item_count_unit(self) -> str:
        """What a count of :meth:`item_counts` is: ``"items"`` (项次) or ``"batches"`` (不合格批次;
        :func:`qualitykit.report.sources.item_count_unit`)."""
        return sources.item_count_unit(self.src)

    @property
    def has_data(self) -> bool:
        """True if the selection holds at least one batch (records, counts) or one
        nonconformity (item counts)."""
        if self.shape == "records":
            return len(self.records()) > 0
        if self.shape == "counts":
            return int(self.counts()["batches"].sum()) > 0
        return int(self.item_counts()["nc_count"].sum()) > 0

    def parent(self, code: str | None = None) -> ParentFigure:
        """The figure of ``code`` (default: the report's region) that a comparison uses, labelled
        for what it is: a published figure the user supplied (with its source), the data's own
        total ("本数据中巴中市合计" / "total of … in these data") — or, for the synthetic sample,
        which covers every division, the region's own total under its name."""
        code = code or self.region_code or regions.NATIONAL_CODE
        fig = self.src.parent_figure(code, self.years)
        if self.is_sample and fig.kind == "data_total":
            return replace(fig, label_zh=regions.name(code), label_en=regions.name(code, "en"),
                           source="synthetic sample")  # fmt: skip
        return fig

    def parent_label(self, fig: ParentFigure) -> str:
        """A parent figure's label in the report's language."""
        return fig.label_zh if self.lang == "zh" else fig.label_en


def _empty_counts(keys: Sequence[str]) -> pd.DataFrame:
    out = pd.DataFrame({k: pd.Series(dtype="object") for k in keys})
    for c in ("batches", "passed", "nonconforming"):
        out[c] = pd.Series(dtype="int64")
    return out
