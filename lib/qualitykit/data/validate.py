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
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualitykit import schema
from qualitykit.data import regions
from qualitykit.data.checks import (
    _ALTERNATIVES,
    _BOOLEANS,
    _CANONICAL_SET,
    _CATEGORIES,
    _COUNT_COLUMNS,
    _DATE,
    _ORDER,
    _QUARTER,
    _QUARTER_ZH,
    _REQUIRED,
    _TEXT_COLUMNS,
    MISSING_MARKERS,
    _aliases_by_column,
    _Col,
    _mask,
    _parse_int,
    _summary,
    _valid_industry_codes,
    _valid_region_codes,
)
from qualitykit.data.problems import (
    MAX_EXAMPLES_KEPT,
    Finding,
    InputFileError,
    ValidationReport,
    short_list,
)
from qualitykit.data.published import PublishedTableChecks, parse_period
from qualitykit.data.read import (
    _Fatal,
    _Raw,
    _read,
    iter_csv_chunks,
)
from qualitykit.data.shapes import KINDS, Kind, detect_kind
from qualitykit.data.units import (
    Resolver,
    declare_units,
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

LARGE_CSV_BYTES = 64 * 2**20
"""CSV files above this size are validated in chunks when the frame is not kept."""
CHUNK_ROWS = 250_000

PathLike = str | os.PathLike[str]
Sheet = str | int | None


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
            hash_rows.append(v.rows.astype(np.int32))
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
        hashes.clear()
        rows = np.concatenate(hash_rows)
        hash_rows.clear()
        hs = np.sort(h)
        dupvals = np.unique(hs[1:][hs[1:] == hs[:-1]])
        del hs
        if len(dupvals):
            drows = rows[np.isin(h, dupvals)].astype(np.int64)
            key = ("batch_id", "duplicated batch_id")
            f = Finding("batch_id", "duplicated batch_id", drows[:MAX_EXAMPLES_KEPT].tolist(),
                        [None] * min(len(drows), MAX_EXAMPLES_KEPT), count=len(drows))  # fmt: skip
            merged[key] = f
            order.append(key)
            report.notes.append(
                "duplicated batch ids in a large file were found through 64-bit hashes of the ids; "
                "the rows are listed, their values are not"
            )
        del h, rows
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


class _Validator(PublishedTableChecks):
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
