"""The tables a report wrote, read back for export: what each column holds, and the Excel CSV.

A report's tables are the machine CSVs :meth:`qualitykit.report.framework.Report.table` writes
(UTF-8 without BOM, full precision, codes as written). They stay as they are: pandas, R and the
golden tests read them. For Excel they are read back **as text** (so that ``010100`` never becomes
10100) and every column gets a kind (:func:`column_kinds`):

* ``code`` — identifiers kept as text: names ending in ``_code`` and the ids of :data:`CODE_COLUMNS`,
  and any column holding a number-like value Excel would change (a leading zero, more than 15
  digits);
* ``percent`` — proportions shown as percentages: the columns named in :data:`PERCENT_COLUMNS` or
  matching :data:`PERCENT_PATTERN`, and interval bounds (``ci_lower``, ``ci_upper``) in a table
  whose point estimate is a proportion — each only when every value lies in [0, 1] (a column of
  another scale is never shown as a percentage);
* ``by_unit`` — in a table with a ``unit`` column (policy targets: ``pct``, ``index``, ``count``,
  ``pp`` by row), the values of :data:`UNIT_VALUES` (observed value, interval, reference,
  forecast): a percentage in the rows whose unit is ``pct`` (:func:`cell_kind`), a number in
  the others;
* ``pp`` — percentage points (names ending in ``_pp``), ``year``, ``int``, ``number``, ``bool``,
  ``text``.

The **Excel-safe CSV** (:func:`write_excel_csv`, ``excel/<name>.csv`` of a report folder) is the
same table for a double-click in Excel: UTF-8 *with* BOM (Chinese Excel reads UTF-8 only with
it), codes and number- or date-like text written as ``="010100"`` (Excel's convention for "this
is text"; it keeps leading zeros and long codes, and a text starting with ``=``, ``+``, ``-`` or
``@`` is shown, never run as a formula), proportions as percentages (``97.44%``, which Excel reads
as the number 0.9744 shown as a percentage) and other decimals to 6 significant digits. The
``="…"`` cells make it a poor file for programs — they read the machine CSV next to it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from qualitykit.atomic import write_bytes

CODE_COLUMNS = frozenset(
    {"code", "key", "document_id", "target_id", "doc_number", "source_file", "subgroup"}
)
"""Identifier columns always kept as text (besides every name ending in ``_code``)."""

PERCENT_COLUMNS = frozenset(
    {
        "center",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
        "prior_mean",
        "shrunk_lower",
        "shrunk_upper",
        "fitted",
        "fit_lower",
        "fit_upper",
        "pred_lower",
        "pred_upper",
        "weight_covered",
        "conf_level",
        "confidence",
    }
)
"""Proportions whose name does not say so (funnel limits, fitted rates, levels)."""

PERCENT_PATTERN = re.compile(r"(^|_)(rate|share|prob|prop)(_|$)")
"""Names of proportions: ``pass_rate``, ``cum_share``, ``prob_meet``, ``threshold_prop`` …"""

BOUNDS = frozenset({"ci_lower", "ci_upper"})
"""Interval bounds: proportions when the table's point estimate is one."""

UNIT_COLUMN = "unit"
UNIT_VALUES = frozenset(
    {
        "observed",
        "ci_lower",
        "ci_upper",
        "ref_value",
        "forecast",
        "forecast_lower",
        "forecast_upper",
        "forecast_threshold",
    }
)
"""Values whose scale is the row's ``unit`` (``pct``: a proportion) in a table with units."""

KINDS = ("code", "percent", "by_unit", "pp", "year", "int", "number", "bool", "text")

_INT = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_EXCEL_WOULD_READ = re.compile(
    r"[\s\d.,:/%+\-()$¥€eE]*\d[\s\d.,:/%+\-()$¥€eE]*"  # numbers, dates, times, fractions
    r"|[=+\-@\t\r].*"  # formulas (and what Excel takes for one)
    r"|(?i:true|false|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[\w\s-]*",
    re.DOTALL,
)


@dataclass(frozen=True)
class Table:
    """A machine CSV read back as text: ``columns`` and ``rows`` of strings (missing: ``""``)."""

    columns: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        j = self.columns.index(name)
        return [r[j] for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


def read_table(path: str | Path) -> Table:
    """A machine CSV read back as text (the ``csv`` module: tables are small, and every cell
    stays the string that was written)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        columns = next(reader, [])
        width = len(columns)
        rows = [(r + [""] * width)[:width] for r in reader if r]
    return Table(columns, rows)


def _code_like(values: list[str]) -> bool:
    """Number-like text that Excel would change: a leading zero (``010100``) or > 15 digits."""
    return any(
        v.isdigit() and v.isascii() and ((len(v) > 1 and v[0] == "0") or len(v) > 15)
        for v in values
    )


def _in_unit(values: list[str]) -> bool:
    return all(0.0 <= float(v) <= 1.0 for v in values)


def column_kinds(table: Table) -> dict[str, str]:
    """The kind of each column of a table read by :func:`read_table` (see the module docstring)."""
    kinds: dict[str, str] = {}
    numbers: dict[str, list[str]] = {}
    for j, name in enumerate(table.columns):
        values = [r[j] for r in table.rows]
        filled = [v for v in values if v != ""]
        if name.endswith("_code") or name in CODE_COLUMNS or _code_like(filled):
            kinds[name] = "code"
        elif filled and all(v in ("True", "False") for v in filled):
            kinds[name] = "bool"
        elif not filled or not all(_NUMBER.fullmatch(v) for v in filled):
            kinds[name] = "text"
        else:
            numbers[name] = filled
            if name.endswith("_pp"):
                kinds[name] = "pp"
            elif all(_INT.fullmatch(v) for v in filled):
                kinds[name] = "year" if name == "year" or name.endswith("_year") else "int"
            else:
                kinds[name] = "number"
    unit_rows = UNIT_COLUMN in table.columns
    for name, filled in numbers.items():
        if unit_rows and name in UNIT_VALUES:
            kinds[name] = "by_unit"
        elif (name in PERCENT_COLUMNS or PERCENT_PATTERN.search(name)) and _in_unit(filled):
            kinds[name] = "percent"
    has_percent = "percent" in kinds.values()
    for name in (BOUNDS & set(numbers)) - set(UNIT_VALUES if unit_rows else ()):
        if has_percent and _in_unit(numbers[name]):
            kinds[name] = "percent"
    return kinds


def cell_kind(kind: str, text: str, unit: str | None) -> str:
    """The kind of one cell: a ``by_unit`` value is a percentage where its row's unit is ``pct``
    and the value a proportion, else a number; other kinds as they are."""
    if kind != "by_unit":
        return kind
    if unit == "pct" and text != "" and 0.0 <= float(text) <= 1.0:
        return "percent"
    return "number"


def cell_kinds(table: Table, kinds: Mapping[str, str]) -> list[list[str]]:
    """The kind of every cell of ``table`` (rows × columns, :func:`cell_kind`)."""
    col_kinds = [kinds.get(c, "text") for c in table.columns]
    u = table.columns.index(UNIT_COLUMN) if UNIT_COLUMN in table.columns else None
    if "by_unit" not in col_kinds:
        return [col_kinds] * len(table.rows)
    return [
        [
            cell_kind(k, v, None if u is None else row[u])
            for k, v in zip(col_kinds, row, strict=True)
        ]
        for row in table.rows
    ]


def typed_value(text: str, kind: str) -> object:
    """A cell of kind ``kind`` as the value a workbook stores (None for a missing cell)."""
    if text == "":
        return None
    if kind in ("code", "text"):
        return text
    if kind == "bool":
        return text == "True"
    if kind in ("int", "year"):
        return int(text)
    return float(text)


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---- the Excel-safe CSV ---------------------------------------------------------------------


def excel_text(text: str) -> str:
    """A text cell as Excel shows it verbatim: ``="…"`` if Excel would read it as a number, a
    date or a formula (``'`` before it when too long for a formula), else unchanged."""
    if text == "" or not _EXCEL_WOULD_READ.fullmatch(text):
        return text
    if len(text) <= 250:
        return '="' + text.replace('"', '""') + '"'
    return "'" + text


def _excel_number(text: str, kind: str) -> str:
    if text == "":
        return ""
    if kind == "percent":
        return f"{100 * float(text):.2f}%"
    if kind in ("number", "pp"):
        return f"{float(text):.6g}"
    return text


def excel_csv_bytes(table: Table, kinds: Mapping[str, str] | None = None) -> bytes:
    """The Excel-safe CSV of a table read by :func:`read_table` (module docstring): UTF-8 with
    BOM, CRLF line ends, the machine CSV's header."""
    kinds = dict(kinds or column_kinds(table))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([excel_text(c) for c in table.columns])
    for row, row_kinds in zip(table.rows, cell_kinds(table, kinds), strict=True):
        writer.writerow(
            [
                excel_text(v) if k in ("code", "text") else _excel_number(v, k)
                for v, k in zip(row, row_kinds, strict=True)
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def write_excel_csvs(tables: Iterable[Path], folder: Path) -> list[Path]:
    """``folder/<name>.csv`` (Excel-safe) for each machine CSV in ``tables``, atomically."""
    written = []
    for path in tables:
        written.append(write_bytes(folder / path.name, excel_csv_bytes(read_table(path))))
    return written


# ---- sheet names ----------------------------------------------------------------------------

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31


def sheet_names(names: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Excel sheet names for ``names``: forbidden characters (``[]:*?/\\``) replaced, at most 31
    characters, unique ignoring case (``~2``, ``~3`` … appended where two would clash), never
    ``History`` (reserved by Excel) nor a name in ``taken``."""
    used = {t.casefold() for t in taken} | {"history"}
    out = []
    for name in names:
        base = _SHEET_BAD.sub("_", str(name)).strip("'") or "sheet"
        candidate = base[:SHEET_MAX]
        n = 1
        while candidate.casefold() in used:
            n += 1
            suffix = f"~{n}"
            candidate = base[: SHEET_MAX - len(suffix)] + suffix
        used.add(candidate.casefold())
        out.append(candidate)
    return out
