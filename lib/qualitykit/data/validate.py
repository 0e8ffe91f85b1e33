"""Validating the canonical tables: text cells → checked, typed DataFrames.

Reading is :mod:`qualitykit.data.read` (formats, encodings, tables as published); this module maps
the headers through :func:`qualitykit.schema.canonical_name` (Chinese aliases such as 地区代码,
年份, 是否合格, 抽查批次 / 抽检批次, 合格批次, 合格率, 不合格项目), detects the kind
(:func:`qualitykit.data.shapes.detect_kind`), checks every column and assembles the typed frame.

**Missing values** are empty cells and the markers of :data:`MISSING_MARKERS` (``NA``, ``null``,
``-`` …), compared after stripping whitespace and lower-casing.

**Validation** collects every problem (it never stops at the first) and keeps at most
:data:`~qualitykit.data.problems.MAX_EXAMPLES_KEPT` examples per (column, check) while counting
them all; each :class:`~qualitykit.errors.Problem` names the file, the row as a spreadsheet shows it
(header = row 1 below any title rows; for Parquet the record number + 1), the column (by its header
as written in the file) and the offending text. A CSV larger than :data:`LARGE_CSV_BYTES` is
validated in chunks when the frame is not needed (``keep_frame=False``, as ``qualitykit validate``
does), so memory stays bounded whatever the file's size.

**Tables as published** (issue 10): totals and subtotals (合计, 总计, 小计, 全市, 全省, 全国 and a row
whose unit is the parent of all the others) are excluded with a note and cross-checked against the
sum of the parts (a mismatch is a note with both numbers); units given by name are resolved to
codes and abolished codes mapped to their successors (:mod:`qualitykit.data.units`); a period
given only in the title or by the ``period`` parameter fills the year (noted); a published rate
with batches gives the counts (rounded, noted); thousands separators and percent strings are read.

Why not pandera: the checks run on the raw *text* of each cell (to report the value exactly as the
user wrote it), report spreadsheet row numbers shifted by skipped ragged lines and title rows, and
group problems by (column, check) with bounded examples; a small vectorised validator (one boolean
mask per check over the distinct values of a column) does this directly and fast.

Typed output (one row per data row, in file order; the canonical columns in schema order, then
unknown extras):

=================  =====================  ===============================================
column             dtype                  values
=================  =====================  ===============================================
batch_id, product, ``string``             text; ids keep leading zeros
enterprise_id,
item, category,
region_name,
period, channel
region_code        ``string``             6-digit GB/T 2260 code (successor of an abolished
                                          one), or ``X<parent>-<NN>`` for a declared
                                          non-standard unit
industry_code      ``string``             2-digit GB/T 4754-2017 division (13–43)
year, quarter      ``Int64``              year within YEAR_MIN … this year; quarter 1–4
sampled_on         ``datetime64``         date (a time of day, if given, is dropped)
check_level,       ``category``           categories of ``schema`` (Chinese names mapped)
enterprise_size,
cause_5m1e,
controllable
annual_sales       ``Float64``            10k CNY (万元), ≥ 0
passed             ``bool``               records; ``int64`` count in a counts table
batches,           ``int64``              counts (the missing one of passed /
nonconforming                             nonconforming is derived: batches − other, or
                                          from a published rate × batches)
pass_rate, nc_rate ``Float64``            a published rate, as a proportion in [0, 1]
nc_count           ``int64``              item counts: nonconformities on the item
(unknown columns)  ``string``             kept as read
=================  =====================  ===============================================
"""

from __future__ import annotations

import os
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.data.problems import (
    MAX_EXAMPLES_KEPT,
    Finding,
    InputFileError,
    ValidationReport,
    short_list,
)
from qualitykit.data.read import (
    _Fatal,
    _Raw,
    _read,
    iter_csv_chunks,
    period_from_text,
)
from qualitykit.data.shapes import KINDS, Kind, detect_kind
from qualitykit.data.units import (
    Resolver,
    _describe,
    _inside,
    common_parent,
    declare_units,
    map_codes,
    total_label,
)
from qualitykit.errors import ParameterError

__all__ = [
    "LARGE_CSV_BYTES",
    "MISSING_MARKERS",
    "load_counts",
    "load_item_counts",
    "load_nonconformities",
    "load_records",
    "load_table",
    "parse_period",
    "validate",
]

MISSING_MARKERS: frozenset[str] = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "—"})
"""Cell texts (stripped, lower-cased) that mean "no value"."""
LARGE_CSV_BYTES = 64 * 2**20
"""CSV files above this size are validated in chunks when the frame is not kept."""
CHUNK_ROWS = 500_000

PathLike = str | os.PathLike[str]
Sheet = str | int | None

_PERIOD_CODE = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:[-_ ]?(H[12]|Q[1-4]))?\s*$", re.IGNORECASE)


def parse_period(text: object) -> dict[str, object] | None:
    """A period given as a parameter or a period cell: ``2019``, ``2019H2``, ``2023Q3``,
    ``2019年下半年``, ``2023年第三季度`` → ``{"year", "label"[, "half" | "quarter"]}``; None if not
    understood."""
    if text is None:
        return None
    t = str(text).strip()
    m = _PERIOD_CODE.match(t)
    if m:
        out: dict[str, object] = {"year": int(m.group(1)), "label": t}
        part = (m.group(2) or "").upper()
        if part.startswith("H"):
            out["half"] = int(part[1])
        elif part.startswith("Q"):
            out["quarter"] = int(part[1])
        return out
    return period_from_text(t)


def validate(
    path: PathLike,
    kind: Kind | None = None,
    sheet: Sheet = None,
    *,
    period: str | None = None,
    units: Any = None,
    parent: str | None = None,
    map_codes: bool = True,
    keep_frame: bool = True,
) -> ValidationReport:
    """Read ``path`` (CSV, XLSX or Parquet file / directory) and check it against the canonical
    table ``kind`` (detected from the columns when ``None``). Never raises for bad data: all
    problems go into the report.

    ``sheet``: XLSX sheet name or 0-based index (default: first). ``period``: the period of a
    table that has no year column and no period in its title (``"2019H2"``, ``"2023Q3"``,
    ``"2021"``). ``units``: the user's non-standard units (see
    :func:`qualitykit.data.units.declare_units`). ``parent``: the GB/T 2260 code within which unit
    names are resolved (default: the division the unambiguous names share). ``map_codes``: map
    abolished codes to their successors (default). ``keep_frame=False`` lets a large CSV be
    validated in chunks (the report then holds no frame)."""
    if kind is not None and kind not in KINDS:
        raise ParameterError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if sheet is not None and not isinstance(sheet, str | int):
        raise ParameterError(f"sheet must be a sheet name or a 0-based index, got {sheet!r}")
    if period is not None and parse_period(period) is None:
        raise ParameterError(
            f"period {period!r} is not understood: give e.g. '2019', '2019H2', '2023Q3' or "
            "'2019年下半年'"
        )
    if parent is not None:
        regions.check_code(parent, "parent")
    options = {
        "period": period,
        "parent": parent,
        "map_codes": map_codes,
        "resolver": Resolver(declare_units(units)),
    }
    report = ValidationReport(file=str(path))
    p = Path(path)
    try:
        if not keep_frame and p.is_file() and _is_large_csv(p):
            _validate_chunked(p, report, kind, options)
            return report
        raw = _read(p, sheet, report)
    except _Fatal as fatal:
        report._findings.append(fatal.finding)
        return report
    _Validator(raw, report, kind, options).run()
    return report


def _is_large_csv(path: Path) -> bool:
    from qualitykit.data.read import CSV_SUFFIXES

    return path.suffix.lower() in CSV_SUFFIXES and path.stat().st_size > LARGE_CSV_BYTES


def _validate_chunked(
    path: Path, report: ValidationReport, kind: Kind | None, options: dict
) -> None:
    """Validate a large CSV chunk by chunk: findings merged (bounded), summary accumulated,
    duplicated batch ids found through 64-bit hashes of the ids."""
    merged: dict[tuple[str | None, str], Finding] = {}
    order: list[tuple[str | None, str]] = []
    hashes, hash_rows = [], []
    summary: dict[str, Any] = {}
    regions_seen: set[str] = set()
    detected: Kind | None = kind
    for raw in iter_csv_chunks(path, report, CHUNK_ROWS):
        part = ValidationReport(file=report.file, title=report.title)
        v = _Validator(raw, part, detected, options, chunked=True)
        v.run()
        detected = detected or part.kind  # type: ignore[assignment]
        report.kind = part.kind
        for n in part.notes:
            if n not in report.notes and len(report.notes) < 50:
                report.notes.append(n)
        for f in part._findings:
            key = (f.column, f.message)
            if key in merged:
                merged[key].merge(f)
            else:
                merged[key] = f
                order.append(key)
        frame = part.frame
        if frame is None:
            continue
        if part.kind == "records" and "batch_id" in frame:
            ids = frame["batch_id"].astype("string").fillna("")
            hashes.append(pd.util.hash_array(ids.to_numpy(dtype=object)))
            hash_rows.append(v.rows.copy())
        s = _summary(part.kind, frame)  # type: ignore[arg-type]
        for k in ("rows", "batches", "passed", "items", "nonconformities"):
            if k in s:
                summary[k] = summary.get(k, 0) + (s[k] or 0)
        for k, f in (("year_min", min), ("year_max", max)):
            if k in s:
                summary[k] = f(summary.get(k, s[k]), s[k])
        if "region_code" in frame:
            regions_seen.update(frame["region_code"].dropna().astype(str).unique().tolist())
        del frame, part
    if hashes:
        h = np.concatenate(hashes)
        rows = np.concatenate(hash_rows)
        order_h = np.argsort(h, kind="stable")
        hs = h[order_h]
        dup = np.zeros(len(hs), dtype=bool)
        dup[1:] |= hs[1:] == hs[:-1]
        dup[:-1] |= hs[1:] == hs[:-1]
        if dup.any():
            drows = np.sort(rows[order_h][dup])
            key = ("batch_id", "duplicated batch_id")
            f = Finding("batch_id", "duplicated batch_id", drows[:MAX_EXAMPLES_KEPT].tolist(),
                        [None] * min(len(drows), MAX_EXAMPLES_KEPT), count=len(drows))  # fmt: skip
            merged[key] = f
            order.append(key)
            report.notes.append(
                "duplicated batch ids in a large file were found through 64-bit hashes of the ids; "
                "the rows are listed, their values are not"
            )
    report._findings.extend(merged[k] for k in order)
    if report.kind is not None:
        summary["kind"] = report.kind
        if regions_seen:
            summary["regions"] = len(regions_seen)
        if report.kind in ("records", "counts") and summary.get("batches"):
            summary["pass_rate"] = summary["passed"] / summary["batches"]
        report.summary = summary
    report.notes.append(f"validated in chunks of {CHUNK_ROWS:,} rows (a large CSV: no frame kept)")


def load_table(
    path: PathLike, kind: Kind | None = None, sheet: Sheet = None, **options: Any
) -> tuple[Kind, pd.DataFrame]:
    """``(kind, typed frame)`` of a validated table; raises :class:`InputFileError` (an
    ``InputError``) listing the problems. ``options``: those of :func:`validate`. Columns: see
    the module docstring."""
    report = validate(path, kind=kind, sheet=sheet, **options)
    if not report.ok or report.frame is None or report.kind is None:
        raise InputFileError(report)
    return report.kind, report.frame  # type: ignore[return-value]


def load_records(path: PathLike, sheet: Sheet = None, **options: Any) -> pd.DataFrame:
    """Spot-check records (one row per batch; ``schema.RECORD_COLUMNS``), validated and typed."""
    return load_table(path, kind="records", sheet=sheet, **options)[1]


def load_nonconformities(path: PathLike, sheet: Sheet = None, **options: Any) -> pd.DataFrame:
    """Nonconformities (one row per failed item; ``schema.NONCONFORMITY_COLUMNS``), typed."""
    return load_table(path, kind="nonconformities", sheet=sheet, **options)[1]


def load_counts(path: PathLike, sheet: Sheet = None, **options: Any) -> pd.DataFrame:
    """Aggregated counts: grouping columns plus ``batches``, ``passed``, ``nonconforming``
    (int64; the one missing from the file is derived as batches minus the other, or from a
    published rate × batches). Totals rows are excluded (see :func:`validate`)."""
    return load_table(path, kind="counts", sheet=sheet, **options)[1]


def load_item_counts(path: PathLike, sheet: Sheet = None, **options: Any) -> pd.DataFrame:
    """Item counts: ``item``, ``nc_count`` (int64) and any grouping columns."""
    return load_table(path, kind="item_counts", sheet=sheet, **options)[1]


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


class _Validator:
    """Maps headers, checks every known column with whole-column masks, assembles the frame."""

    def __init__(
        self,
        raw: _Raw,
        report: ValidationReport,
        kind: Kind | None,
        options: dict[str, Any] | None = None,
        *,
        chunked: bool = False,
    ) -> None:
        self.raw, self.report, self.kind = raw, report, kind
        self.options = options or {}
        self.chunked = chunked
        self.kind_now: Kind | None = kind
        self.period_given = False
        self.findings = report._findings
        self.findings.extend(raw.findings)
        self.rows = raw.rows
        self.today = date.today()
        self.labels: dict[str, str] = {}  # canonical name -> header as written in the file

    # -- helpers -----------------------------------------------------------------------------

    def add(
        self,
        column: str | None,
        message: str,
        rmask: np.ndarray,
        col: _Col | None = None,
        values: pd.Series | None = None,
        details: pd.Series | None = None,
    ) -> None:
        """Record a problem for every row where ``rmask`` holds; the value is the cell's text
        (from ``col``) or ``values``; ``details`` an optional per-row message."""
        m = np.asarray(rmask, dtype=bool)
        count = int(m.sum())
        if not count:
            return
        if column is not None:  # name the column as the file does (地区代码, not region_code)
            column = self.labels.get(column, column)
        keep = np.zeros(len(m), dtype=bool)
        keep[np.flatnonzero(m)[:MAX_EXAMPLES_KEPT]] = True  # bounded: count all, keep the first
        if col is not None:
            vals = col.values(keep)
        elif values is not None:
            vals = values[keep].tolist()
        else:
            vals = [None] * int(keep.sum())
        det = None if details is None else details[keep].astype(str).tolist()
        self.findings.append(Finding(column, message, self.rows[keep].tolist(), vals, det, count))

    def add_u(self, column: str, message: str, col: _Col, mask_u: pd.Series | np.ndarray) -> None:
        self.add(column, message, col.rows(mask_u), col)

    def header_problem(self, column: str | None, message: str, value: object = None) -> None:
        self.findings.append(Finding(column, message, [self.raw.header_row], [value]))

    # -- driver --------------------------------------------------------------------------------

    def run(self) -> None:
        raw, report = self.raw, self.report
        if not raw.headers or all(not h.strip() for h in raw.headers):
            self.findings.append(Finding(None, "no header row", [None], [None]))
            return
        cells = self.drop_blank_rows(raw.cells)
        if not len(self.rows):
            self.findings.append(
                Finding(
                    None, "no data rows: the file has a header but nothing below it", [None], [None]
                )
            )
            return
        columns = self.map_headers(raw.headers, cells)
        if columns is None:
            return
        kind = self.kind
        detected = detect_kind(list(columns))
        if kind is None:
            if detected is None:
                shown = ", ".join(repr(h) for h in raw.headers[:12])
                self.header_problem(
                    None,
                    f"cannot tell which table this is: no known column among the headers {shown}"
                    f"{' …' if len(raw.headers) > 12 else ''} (expected e.g. batch_id / 批次编号, "
                    "year / 年份, region_code / 地区代码, passed / 是否合格, batches / 抽查批次)",
                )
                return
            kind = detected
        elif detected is not None and detected != kind:
            report.notes.append(f"the columns look like a {detected} table, read as {kind}")
        report.kind = kind
        self.kind_now = kind
        report.summary = {"kind": kind, "rows": len(self.rows)}

        self.period_given = period_given = self.fill_period(kind, columns)
        for name in _REQUIRED[kind] + (("year",) if kind == "records" else ()):
            if name in columns or any(a in columns for a in _ALTERNATIVES.get(name, ())):
                continue
            if name == "year" and (period_given or kind != "records"):
                continue
            if name not in columns:
                aliases = _aliases_by_column().get(name, [])
                accepted = f" (accepted headers: {', '.join([name, *aliases])})" if aliases else ""
                self.header_problem(name, f"missing required column '{name}'{accepted}")
        if kind == "counts" and not set(columns) & {
            "passed",
            "nonconforming",
            *schema.RATE_COLUMNS,
        }:
            self.header_problem(
                "passed",
                "missing column: a counts table needs 'passed' (合格批次), 'nonconforming' "
                "(不合格批次) or a published rate (合格率 / 不合格率) next to 'batches'",
            )
        if (
            kind == "counts"
            and "year" not in columns
            and "period" not in columns
            and not period_given
        ):
            self.header_problem(
                "year",
                "no period: the table has no year column (年份) and its title names none — add a "
                "年份 column, or give the period (period='2019H2'; qualitykit validate --period 2019H2)",
            )
        columns, totals = self.split_totals(kind, columns)

        typed: dict[str, pd.Series] = {}
        for name, (j, s) in columns.items():
            if name not in _CANONICAL_SET:
                typed[name] = s.where(s != "", pd.NA).astype("string")
                continue
            col = _Col(s)
            if name in _REQUIRED[kind]:
                self.add_u(name, "missing value (the column is required)", col, col.missing_u)
            typed[name] = self.check_column(kind, name, col, raw.numeric.get(j))
        self.cross_checks(kind, typed, columns)
        if report.problem_count == 0 or self.chunked:
            frame = self.assemble(kind, typed, columns)
            frame = self.post(kind, frame, totals)
            if report.problem_count == 0 or self.chunked:
                report.frame = frame
                report.summary = _summary(kind, frame)

    # -- tables as published: period, totals, rates, units ------------------------------------------

    def fill_period(self, kind: Kind, columns: dict[str, tuple[int, pd.Series]]) -> bool:
        """No year column: take the year from the ``period`` parameter or the title (noted).
        Returns True when a period was found."""
        if "year" in columns:
            return False
        report, given = self.report, self.options.get("period")
        found = parse_period(given) if given else None
        source = "the period parameter"
        if given and found is None:
            self.header_problem(
                "year",
                f"period {given!r} is not understood: give e.g. '2019', '2019H2', '2023Q3' or "
                "'2019年下半年'",
                value=given,
            )
            return True
        if found is None and report.title:
            found = period_from_text(" ".join(report.title))
            source = "the title"
        if found is None:
            return False
        n = len(self.rows)
        columns["year"] = (-1, pd.Series([str(found["year"])] * n, dtype=str))
        if "period" not in columns:
            columns["period"] = (-1, pd.Series([str(found["label"])] * n, dtype=str))
        if "quarter" in found and "quarter" not in columns:
            columns["quarter"] = (-1, pd.Series([str(found["quarter"])] * n, dtype=str))
        report.period = {**found, "from": "parameter" if source.endswith("parameter") else "title"}
        report.notes.append(f"period {found['label']} (year {found['year']}) taken from {source}")
        return True

    def split_totals(
        self, kind: Kind, columns: dict[str, tuple[int, pd.Series]]
    ) -> tuple[dict[str, tuple[int, pd.Series]], pd.DataFrame | None]:
        """Rows labelled 合计 / 总计 / 小计 / 全市 / 全省 / 全国 … leave the data (counts and item
        counts); their figures are kept for the cross-check of :meth:`post`."""
        if kind not in ("counts", "item_counts"):
            return columns, None
        labels = [c for c in columns if c in _LABEL_COLUMNS or c not in _CANONICAL_SET]
        if not labels:
            return columns, None
        mask = np.zeros(len(self.rows), dtype=bool)
        label_text = pd.Series([""] * len(self.rows), dtype=str)
        for c in labels:
            s = columns[c][1]
            codes, uniques = pd.factorize(s)
            hit_u = np.array([total_label(u) for u in uniques], dtype=bool)
            hit = hit_u[codes] if len(uniques) else np.zeros(len(s), dtype=bool)
            label_text = label_text.where(~(hit & ~mask), s.str.strip())
            mask |= hit
        if not mask.any():
            return columns, None
        tot = {"row": self.rows[mask], "label": label_text[mask].to_numpy()}
        for c in ("year", *_COUNT_COLUMNS, "nc_count", *schema.RATE_COLUMNS):
            if c in columns:
                tot[c] = columns[c][1][mask].to_numpy()
        totals = pd.DataFrame(tot)
        keep = ~mask
        self.rows = self.rows[keep]
        self.raw.numeric = {j: m[keep] for j, m in self.raw.numeric.items()}
        out = {c: (j, s[keep].reset_index(drop=True)) for c, (j, s) in columns.items()}
        return out, totals

    def check_rate(self, name: str, col: _Col) -> pd.Series:
        """A published rate: ``92.13%``, ``92.13`` (percent) or ``0.9213`` (a proportion when every
        value is ≤ 1 and neither the values nor the header say %); returned as a proportion."""
        u, present = col.u, col.present_u
        t = u.str.replace(",", "", regex=False)
        ok = t.str.fullmatch(_RATE).to_numpy(dtype=bool)
        self.add_u(name, "not a rate (expected e.g. 92.13%, 92.13 or 0.9213)", col, present & ~ok)
        v = pd.to_numeric(t.str.rstrip("%％ ").where(ok), errors="coerce")
        header = self.labels.get(name, name)
        percent = bool(t.str.contains("[%％]").any()) or "%" in header or "pct" in header.lower()
        if not percent and v.max(skipna=True) is not pd.NA and not (v.dropna() <= 1).all():
            percent = True
        if not percent and v.notna().any():
            self.report.notes.append(f"'{header}' read as proportions (every value ≤ 1, no %)")
        p = v / 100.0 if percent else v
        self.add_u(name, "rate out of range (expected 0–100 %)", col, _mask((p < 0) | (p > 1)))
        return col.expand(p.astype("Float64"))

    def derive_from_rates(
        self, typed: dict[str, pd.Series], columns: dict[str, tuple[int, pd.Series]]
    ) -> None:
        """Counts from a published rate and batches where a row gives no count (rounded to whole
        batches, said in a note); where counts and a rate are both given, a mismatch beyond
        rounding is a note."""
        b = typed["batches"].astype("Float64")
        for rate, count, other in (("pass_rate", "passed", "nonconforming"),
                                   ("nc_rate", "nonconforming", "passed")):  # fmt: skip
            if rate not in typed:
                continue
            r = typed[rate]
            est = (b * r).round().astype("Int64")
            have_other = typed[other].notna() if other in typed else pd.Series(False, index=b.index)
            have = typed[count].notna() if count in typed else pd.Series(False, index=b.index)
            fill = (~have & ~have_other & est.notna()).to_numpy(bool)
            if fill.any():
                base = (
                    typed[count]
                    if count in typed
                    else pd.Series(pd.NA, index=b.index, dtype="Int64")
                )
                typed[count] = base.mask(pd.Series(fill, index=b.index), est)
                self.report.notes.append(
                    f"'{count}' derived from the published rate '{self.labels.get(rate, rate)}' × "
                    f"batches, rounded to whole batches ({int(fill.sum())} row(s))"
                )
            given = have.to_numpy(bool)
            if given.any():
                off = given & _mask((typed[count].astype("Float64") - b * r).abs() > 0.5 + 5e-4 * b)
                if off.any():
                    i = int(np.flatnonzero(off)[0])
                    self.report.notes.append(
                        f"{int(off.sum())} row(s) where '{count}' and the published rate disagree "
                        f"beyond rounding (first: row {self.rows[i]}: {typed[count].iloc[i]} of "
                        f"{typed['batches'].iloc[i]} vs {100 * float(r.iloc[i]):.2f} %)"
                    )

    def post(self, kind: Kind, frame: pd.DataFrame, totals: pd.DataFrame | None) -> pd.DataFrame:
        """Units by name → codes, abolished codes → successors, a row that is the table's parent
        → a total; totals cross-checked against the sum of the parts (notes, never errors)."""
        frame, parents = self.resolve_units(frame)
        if parents is not None and len(parents):
            totals = (
                pd.concat([totals, parents], ignore_index=True) if totals is not None else parents
            )
        if totals is not None and len(totals):
            self.report_totals(kind, frame, totals)
        return frame

    def resolve_units(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        report = self.report
        resolver = self.options.get("resolver") or Resolver()
        if "region_name" in frame.columns:
            frame = self.names_to_codes(frame, resolver)
        if "region_code" not in frame.columns:
            return frame, None
        if self.options.get("map_codes", True):
            mapped, changes = map_codes(frame["region_code"])
            if len(changes):
                frame = frame.assign(region_code=mapped)
                report.code_changes = changes
                shown = "; ".join(
                    f"{r.old_code} {r.old_name} → {r.new_code} {r.new_name} ({r.year}, {r.rows} "
                    "row" + ("s" if r.rows != 1 else "") + ")"
                    for r in changes.head(10).itertuples()
                )
                more = f" … and {len(changes) - 10} more" if len(changes) > 10 else ""
                report.notes.append(f"abolished codes mapped to their successors: {shown}{more}")
        # a row whose unit is the parent of all other rows' units is the table's own total
        if self.kind_now in ("counts", "item_counts") and frame["region_code"].nunique() > 2:
            codes = frame["region_code"].dropna().astype(str)
            uniq = sorted(set(codes))
            for cand in uniq:
                others = [c for c in uniq if c != cand]
                if cand.startswith("X") or not regions.is_valid_code(cand):
                    continue
                if all(_inside(c, cand) for c in others):
                    hit = (frame["region_code"] == cand).fillna(False).to_numpy(bool)
                    label = regions.name(cand)
                    tot = {"row": self.rows[hit], "label": np.array([label] * int(hit.sum()))}
                    for c in ("year", *_COUNT_COLUMNS, "nc_count"):
                        if c in frame:
                            tot[c] = frame.loc[hit, c].astype("string").to_numpy()
                    self.rows = self.rows[~hit]
                    return frame[~hit].reset_index(drop=True), pd.DataFrame(tot)
        return frame, None

    def names_to_codes(self, frame: pd.DataFrame, resolver: Resolver) -> pd.DataFrame:
        report = self.report
        names = frame["region_name"].astype("string")
        given = frame["region_code"].astype("string") if "region_code" in frame else None
        uniq = [n for n in names.dropna().unique().tolist() if str(n).strip()]
        cands = {n: resolver.candidates(n) for n in uniq}
        sure = [c[0] for c in cands.values() if len(c) == 1]
        parent = self.options.get("parent") or common_parent(sure)
        code_of: dict[str, str] = {}
        label = self.labels.get("region_name", "region_name")
        for n, cs in cands.items():
            if len(cs) > 1 and parent is not None:
                inside = [c for c in cs if _inside(c, parent)]
                cs = inside or cs
            rows = self.rows[(names == n).fillna(False).to_numpy(bool)]
            if len(cs) == 1:
                code_of[n] = cs[0]
            elif not cs and resolver.is_non_standard(n):
                self.findings.append(
                    Finding(
                        label,
                        (
                            f"'{n}' is not a GB/T 2260 division (a development zone or similar): declare it "
                            "as a unit of its own with its parent — a CSV with the columns name,parent "
                            f"(e.g. '{n},{parent or '<parent code>'}') passed as units=… "
                            "(qualitykit validate --units FILE)"
                        ),
                        rows.tolist()[:MAX_EXAMPLES_KEPT],
                        [n] * min(len(rows), MAX_EXAMPLES_KEPT),
                        count=len(rows),
                    )
                )
            elif not cs:
                self.findings.append(
                    Finding(
                        label,
                        "unknown unit name: not a GB/T 2260 division "
                        "(check the spelling, or give its 6-digit code in a 地区代码 column)",
                        rows.tolist()[:MAX_EXAMPLES_KEPT],
                        [n] * min(len(rows), MAX_EXAMPLES_KEPT),
                        count=len(rows),
                    )
                )
            elif given is None:
                self.findings.append(
                    Finding(
                        label,
                        f"ambiguous unit name: {len(cs)} divisions are "
                        f"called so ({_describe(cs)}); write it with its city (e.g. "
                        f"'{regions.name(regions.ancestors(cs[0])[1])}{n}') or give the code",
                        rows.tolist()[:MAX_EXAMPLES_KEPT],
                        [n] * min(len(rows), MAX_EXAMPLES_KEPT),
                        count=len(rows),
                    )
                )
        resolved = names.map(code_of).astype("string")
        if given is not None:
            mism = given.notna() & resolved.notna() & (given != resolved)
            ok_multi = pd.Series(
                [isinstance(n, str) and isinstance(g, str) and g in cands.get(n, [])
                 for n, g in zip(names, given, strict=True)], index=names.index)  # fmt: skip
            bad = (mism & ~ok_multi).fillna(False).to_numpy(bool)
            if bad.any():
                det = [f"unit name and code disagree: '{names.iloc[i]}' is {resolved.iloc[i]} "
                       f"{regions.name(str(resolved.iloc[i])) if regions.is_valid_code(str(resolved.iloc[i])) else ''}"
                       f", the code column says {given.iloc[i]}" for i in np.flatnonzero(bad)[:MAX_EXAMPLES_KEPT]]  # fmt: skip
                self.findings.append(Finding(label, "unit name and code disagree",
                    self.rows[bad].tolist()[:MAX_EXAMPLES_KEPT], given[bad].tolist()[:MAX_EXAMPLES_KEPT],
                    det, count=int(bad.sum())))  # fmt: skip
            code = given.fillna(resolved)
        else:
            code = resolved
        dec = resolver.declared
        used = dec[dec["code"].isin(code.dropna().unique().tolist())] if len(dec) else dec
        if len(used):
            report.notes.append(
                "non-standard units kept as units of their own: "
                + short_list(
                    [
                        f"{r.code} {r.name} (in {r.parent_code} {regions.name(r.parent_code)})"
                        for r in used.itertuples()
                    ]
                )  # fmt: skip
            )
        report.units_resolved = int(code.notna().sum())
        return frame.assign(region_code=code.astype("string"))

    def report_totals(self, kind: Kind, frame: pd.DataFrame, totals: pd.DataFrame) -> None:
        report = self.report
        value_cols = [c for c in ("batches", "passed", "nonconforming", "nc_count") if c in totals]
        rows = []
        for t in totals.itertuples(index=False):
            rec = {"row": int(t.row), "label": str(t.label)}
            for c in value_cols:
                v, ok = _parse_int(pd.Series([str(getattr(t, c))], dtype=str))
                rec[c] = int(v.iloc[0]) if ok[0] else None
            if "year" in totals:
                y, ok = _parse_int(pd.Series([str(t.year).removesuffix("年")], dtype=str))
                rec["year"] = int(y.iloc[0]) if ok[0] else None
            rows.append(rec)
        report.totals = rows
        labels = short_list([f"row {r['row']} {r['label']}" for r in rows], 10)
        report.notes.append(f"{len(rows)} total / subtotal row(s) excluded from the data: {labels}")
        # cross-check: one stated total per year (or for the table) against the sum of the parts
        by_year: dict[object, list[dict]] = {}
        for r in rows:
            by_year.setdefault(r.get("year"), []).append(r)
        for year, rs in by_year.items():
            if len(rs) != 1:
                report.notes.append(
                    f"{len(rs)} total rows for {'year ' + str(year) if year else 'the table'}: "
                    "subtotals are not cross-checked"
                )
                continue
            part = frame if year is None or "year" not in frame else frame[frame["year"] == year]
            for c in value_cols:
                stated = rs[0].get(c)
                if stated is None or c not in part:
                    continue
                summed = int(part[c].sum())
                where = f" ({year})" if year else ""
                report.cross_checks.append(
                    {"year": year, "column": c, "parts": summed, "stated": stated,
                     "row": rs[0]["row"], "label": rs[0]["label"]}
                )  # fmt: skip
                if summed == stated:
                    report.notes.append(
                        f"cross-check{where}: '{c}' of the parts sums to the stated total "
                        f"{stated:,} (row {rs[0]['row']} {rs[0]['label']})"
                    )
                else:
                    report.notes.append(
                        f"cross-check{where}: '{c}' of the parts sums to {summed:,}, the stated "
                        f"total (row {rs[0]['row']} {rs[0]['label']}) is {stated:,} — "
                        f"a difference of {stated - summed:+,}"
                    )

    def drop_blank_rows(self, cells: list[pd.Series]) -> list[pd.Series]:
        """Drop rows whose cells are all empty: trailing ones silently, others with a note."""
        if not len(self.rows) or not cells:
            return cells
        idx = np.arange(len(self.rows))
        for s in cells:  # narrow the candidates column by column
            idx = idx[(s.iloc[idx].str.strip() == "").to_numpy(dtype=bool)]
            if not len(idx):
                return cells
        blank = np.zeros(len(self.rows), dtype=bool)
        blank[idx] = True
        nonblank = np.flatnonzero(~blank)
        last = nonblank[-1] if len(nonblank) else -1
        interior = np.flatnonzero(blank[: last + 1])
        if len(interior):
            shown = ", ".join(str(r) for r in self.rows[interior][:10])
            more = " …" if len(interior) > 10 else ""
            self.report.notes.append(f"{len(interior):,} empty row(s) ignored (row {shown}{more})")
        keep = ~blank
        self.raw.numeric = {j: m[keep] for j, m in self.raw.numeric.items()}
        self.rows = self.rows[keep]
        return [s[keep].reset_index(drop=True) for s in cells]

    def map_headers(
        self, headers: list[str], cells: list[pd.Series]
    ) -> dict[str, tuple[int, pd.Series]] | None:
        """canonical or extra column name -> (position, text cells); None if headers clash."""
        report = self.report
        canon = [schema.canonical_name(h) if h.strip() else None for h in headers]
        by_name: dict[str, list[int]] = {}
        for j, c in enumerate(canon):
            if c is not None:
                by_name.setdefault(c, []).append(j)
        clash = False
        for c, js in by_name.items():
            if len(js) < 2:
                continue
            exact = [
                j for j in js if schema.normalise_header(headers[j]) == schema.normalise_header(c)
            ]
            if len(exact) == 1:  # the canonical name itself wins; the aliases stay extra columns
                for j in js:
                    if j != exact[0]:
                        canon[j] = None
            else:
                clash = True
                names = " and ".join(repr(headers[j]) for j in js)
                self.header_problem(
                    c,
                    f"headers {names} all mean column '{c}': rename or remove all but one",
                    value=", ".join(headers[j] for j in js),
                )
        if clash:
            return None
        out: dict[str, tuple[int, pd.Series]] = {}
        extras, dropped, numeric_extras = [], 0, []
        for j, (h, c) in enumerate(zip(headers, canon, strict=True)):
            s = cells[j] if j < len(cells) else pd.Series([""] * len(self.rows), dtype=str)
            if c is not None:
                out[c] = (j, s)
                if h != c:
                    report.columns[h] = c
                    self.labels[c] = h.strip()
                continue
            name = h.strip()
            if not name:
                if (s.str.strip() == "").all():
                    dropped += 1
                    continue
                name = f"unnamed_{j + 1}"
            base, k = name, 1
            while name in out:
                k += 1
                name = f"{base}.{k}"
            out[name] = (j, s)
            extras.append(name)
            if j in self.raw.numeric and self.raw.numeric[j].any():
                numeric_extras.append(name)
        if extras:
            report.notes.append("extra columns kept as text: " + short_list(extras))
        if dropped:
            report.notes.append(f"{dropped} empty column(s) without a header ignored")
        if numeric_extras:
            report.notes.append(
                "numbers read as text in "
                + short_list(numeric_extras)
                + ": leading zeros, if there were any, cannot be recovered"
            )
        return out

    # -- column checks ---------------------------------------------------------------------------

    def check_column(
        self, kind: Kind, name: str, col: _Col, numeric: np.ndarray | None
    ) -> pd.Series:
        """Check one canonical column; return its typed values (one per row)."""
        u, present = col.u, col.present_u
        if name in ("region_code", "industry_code"):
            return self.check_code(name, col, numeric)
        if name in _TEXT_COLUMNS:
            if numeric is not None and name in ("batch_id", "enterprise_id") and numeric.any():
                self.report.notes.append(
                    f"{int(numeric.sum()):,} value(s) of '{name}' stored as numbers were read as "
                    "text; leading zeros, if there were any, cannot be recovered — store ids as text"
                )
            return col.expand(u.where(present, pd.NA).astype("string"))
        if name == "year":
            v, ok = _parse_int(u.str.removesuffix("年"))
            self.add_u(name, "not a whole-number year", col, present & ~ok)
            ymax = min(schema.YEAR_MAX, self.today.year)
            out = _mask((v < schema.YEAR_MIN) | (v > ymax))
            msg = f"year out of range (expected {schema.YEAR_MIN}–{ymax}; no future years)"
            self.add_u(name, msg, col, out)
            return col.expand(v)
        if name == "quarter":
            q = u.str.lower().str.extract(_QUARTER, expand=False).map(_QUARTER_ZH)
            bad = present & q.isna().to_numpy()
            v, ok = _parse_int(u)
            self.add_u(name, "quarter out of range (expected 1–4)", col, bad & ok)
            self.add_u(name, "not a quarter (expected 1–4 or Q1–Q4)", col, bad & ~ok)
            return col.expand(q.astype("Int64"))
        if name == "sampled_on":
            return self.check_date(name, col)
        if name in _CATEGORIES:
            aliases, cats, label = _CATEGORIES[name]
            mapped = u.str.lower().map(aliases)
            msg = f"unknown {label} (expected one of {', '.join(cats)}, or its Chinese name)"
            self.add_u(name, msg, col, present & mapped.isna().to_numpy())
            return col.expand(pd.Series(pd.Categorical(mapped, categories=list(cats))))
        if name == "annual_sales":
            v = pd.to_numeric(u.str.replace(",", "", regex=False).where(present), errors="coerce")
            finite = np.isfinite(v.to_numpy(dtype=float, na_value=np.nan))
            self.add_u(name, "not a number (annual sales in 10k CNY, 万元)", col, present & ~finite)
            self.add_u(name, "negative annual sales", col, finite & _mask(v < 0))
            return col.expand(v.where(finite).astype("Float64"))
        if name == "passed" and kind not in ("counts", "item_counts"):
            mapped = u.str.lower().map(_BOOLEANS)
            msg = "not a yes/no value (expected e.g. 合格/不合格, 是/否, true/false, 1/0)"
            self.add_u(name, msg, col, present & mapped.isna().to_numpy())
            return col.expand(mapped.astype("boolean"))
        if name in schema.RATE_COLUMNS:
            return self.check_rate(name, col)
        if name in (*_COUNT_COLUMNS, "nc_count"):
            v, ok = _parse_int(u)
            self.add_u(name, "not a whole number of batches", col, present & ~ok)
            self.add_u(name, "negative count", col, _mask(v < 0))
            return col.expand(v)
        raise AssertionError(f"no check for canonical column {name!r}")  # pragma: no cover

    def check_code(self, name: str, col: _Col, numeric: np.ndarray | None) -> pd.Series:
        """GB/T 2260 region codes (6 digits) or GB/T 4754-2017 industry codes (2 digits)."""
        u = col.u
        region = name == "region_code"
        digits, valid = (6, _valid_region_codes()) if region else (2, _valid_industry_codes())
        what = "region code" if region else "industry code"
        present = col.rows(col.present_u)
        well = col.rows(u.str.fullmatch(rf"\d{{{digits}}}").to_numpy(dtype=bool))
        known = col.rows(u.isin(valid).to_numpy())
        checked = present
        if numeric is not None:
            num = present & numeric
            msg = (
                f"{what} stored as a number is not {digits} digits (a leading zero lost?): "
                "store codes as text"
            )
            self.add(name, msg, num & ~well, col)
            if (num & well).any():
                self.report.notes.append(
                    f"{int((num & well).sum()):,} {what}(s) stored as numbers were read as "
                    f"{digits}-digit text; store codes as text to be safe"
                )
            checked = present & ~(num & ~well)
        if region:
            malformed = "malformed region code: expected 6 digits (GB/T 2260), e.g. '330303'"
            unknown = "unknown region code: not a GB/T 2260 division"
        else:
            malformed = (
                "malformed industry code: expected 2 digits (GB/T 4754-2017, 13–43), e.g. '18'"
            )
            unknown = "unknown industry code: not a GB/T 4754-2017 manufacturing division (13–43)"
        self.add(name, malformed, checked & ~well, col)
        self.add(name, unknown, checked & well & ~known, col)
        return col.expand(u.where(col.present_u, pd.NA).astype("string"))

    def check_date(self, name: str, col: _Col) -> pd.Series:
        parts = col.u.str.extract(_DATE)
        y = pd.to_numeric(parts[0], errors="coerce")
        m = pd.to_numeric(parts[1].fillna(parts[3]), errors="coerce")
        d = pd.to_numeric(parts[2].fillna(parts[4]), errors="coerce")
        when = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d}), errors="coerce")
        msg = "not a date (expected e.g. 2023-05-17, 2023/5/17, 2023年5月17日)"
        self.add_u(name, msg, col, col.present_u & when.isna().to_numpy())
        late = _mask((when.dt.year < schema.YEAR_MIN) | (when > pd.Timestamp(self.today)))
        msg = f"date out of range (expected {schema.YEAR_MIN}-01-01 to today; no future dates)"
        self.add_u(name, msg, col, late)
        return col.expand(when)

    def cross_checks(
        self, kind: Kind, typed: dict[str, pd.Series], columns: dict[str, tuple[int, pd.Series]]
    ) -> None:
        if "batch_id" in typed and kind == "records":
            self.duplicates(typed["batch_id"], None, "batch_id", "duplicated batch_id")
        if kind == "nonconformities" and "batch_id" in typed and "item" in typed:
            self.duplicates(
                typed["batch_id"], typed["item"], "item", "duplicated (batch_id, item) pair"
            )
        if kind == "counts" and "batches" in typed:
            b = typed["batches"]
            for other in ("passed", "nonconforming"):
                if other in typed:
                    o = typed[other]
                    over = _mask((o > b) & (b >= 0) & (o >= 0))  # negatives are reported already
                    det = f"{other} (" + o.astype("string") + ") exceeds batches ("
                    det = det + b.astype("string") + ")"
                    text = columns[other][1].str.strip()
                    self.add(other, f"{other} exceeds batches", over, values=text, details=det)
            if "passed" in typed and "nonconforming" in typed:
                total = typed["passed"] + typed["nonconforming"]
                det = "passed + nonconforming = " + total.astype("string") + " ≠ batches ("
                det = det + b.astype("string") + ")"
                text = columns["nonconforming"][1].str.strip()
                msg = "passed + nonconforming ≠ batches"
                self.add("nonconforming", msg, _mask(total != b), values=text, details=det)
        if "sampled_on" in typed and "year" in typed:
            diff = _mask(typed["sampled_on"].dt.year != typed["year"])
            if diff.any():
                self.report.notes.append(
                    f"{int(diff.sum()):,} row(s) sampled in another year than 'year' "
                    f"(first: row {self.rows[diff][0]})"
                )

    def duplicates(self, key: pd.Series, key2: pd.Series | None, column: str, message: str) -> None:
        """One problem per row of a duplicated key, naming the other rows that share it."""
        k = key if key2 is None else key.str.cat(key2, sep="\x1f")
        dup = (k.duplicated(keep=False) & k.notna()).to_numpy(dtype=bool)
        if not dup.any():
            return
        sub = pd.DataFrame({"k": k[dup].to_numpy(), "row": self.rows[dup]})
        groups = sub.groupby("k", sort=False)["row"].agg(list).to_dict()
        details = []
        for kk, row in zip(sub["k"], sub["row"], strict=True):
            others = [r for r in groups[kk] if r != row]
            shown = ", ".join(str(r) for r in others[:5]) + (" …" if len(others) > 5 else "")
            details.append(f"{message} (also in row{'s' if len(others) > 1 else ''} {shown})")
        vals = (key if key2 is None else key2)[dup].tolist()
        label = self.labels.get(column, column)
        self.findings.append(Finding(label, message, sub["row"].tolist(), vals, details))

    # -- output ----------------------------------------------------------------------------------

    def assemble(
        self, kind: Kind, typed: dict[str, pd.Series], columns: dict[str, tuple[int, pd.Series]]
    ) -> pd.DataFrame:
        if "year" not in typed and "period" in typed:
            parsed = typed["period"].map(lambda t: parse_period(t) if isinstance(t, str) else None)
            typed["year"] = parsed.map(lambda d: d["year"] if d else pd.NA).astype("Int64")
            bad = (typed["period"].notna() & typed["year"].isna()).to_numpy(bool)
            self.add("period", "period not understood (expected e.g. 2019, 2019H2, 2023Q3, "
                     "2019年下半年)", bad, values=typed["period"])  # fmt: skip
        if kind == "item_counts" and "nc_count" not in typed:
            typed["nc_count"] = typed.pop("nonconforming")
        if kind == "item_counts":
            typed["nc_count"] = typed["nc_count"].fillna(0).astype("int64")
        if kind == "counts":
            b = typed["batches"]
            self.derive_from_rates(typed, columns)
            if "passed" not in typed:
                typed["passed"] = b - typed["nonconforming"]
            if "nonconforming" not in typed:
                typed["nonconforming"] = b - typed["passed"]
            typed["passed"] = typed["passed"].fillna(b - typed["nonconforming"])
            typed["nonconforming"] = typed["nonconforming"].fillna(b - typed["passed"])
            none = (typed["passed"].isna() & b.notna()).to_numpy(bool)
            self.add("passed", "no count in this row: give passed (合格批次), nonconforming "
                     "(不合格批次) or a rate (合格率)", none)  # fmt: skip
            for c in _COUNT_COLUMNS:
                typed[c] = typed[c].fillna(0).astype("int64")
            order = [c for c in typed if c not in _COUNT_COLUMNS] + list(_COUNT_COLUMNS)
        else:
            if kind == "records":
                typed["passed"] = typed["passed"].fillna(False).astype(bool)
            known = [c for c in _ORDER[kind] if c in typed]
            order = known + [c for c in typed if c not in known]
        return pd.DataFrame({c: typed[c].reset_index(drop=True) for c in order})


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
