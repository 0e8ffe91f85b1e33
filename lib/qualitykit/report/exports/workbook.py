"""Excel workbooks (openpyxl): one per report (each table a sheet) and one per run (the index).

Every sheet follows the same rules: the header in the first row, frozen, with an autofilter over
the table; headers in the report's language (:func:`qualitykit.report.vocabulary.term`; where two
columns would get the same header, the column's own name follows in brackets); coded values
(statuses, funnel flags, verdicts, causes …) in words, as the notebook shows them; proportions as
numbers formatted as percentages (``0.0%``), percentage points ``+0.0``, counts ``#,##0``, years
plain; codes as text cells (format ``@``: leading zeros stay); column widths from the longest
text (East Asian characters count twice), long texts wrapped. Sheet names are the tables' file
names (≤ 31 characters, unique — :func:`qualitykit.report.exports.tables.sheet_names`); a first
sheet (目录 / Contents) lists them with their titles and links.

Workbooks are written atomically (:func:`qualitykit.atomic.write_bytes`) and are the same bytes
for the same tables (fixed document times).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from qualitykit.atomic import write_bytes
from qualitykit.report import vocabulary
from qualitykit.report.exports.tables import (
    cell_kinds,
    column_kinds,
    display_width,
    read_table,
    sheet_names,
    typed_value,
)

FORMATS = {
    "percent": "0.0%",
    "pp": "+0.0;-0.0;0.0",
    "int": "#,##0",
    "year": "0",
    "number": "General",
    "code": "@",
    "text": "General",
    "bool": "General",
    "by_unit": "General",
}
"""Number format of each column kind (:func:`qualitykit.report.exports.tables.column_kinds`)."""
WIDTH_MIN, WIDTH_MAX = 6, 60
FIXED_TIME = datetime(2000, 1, 1)  # document properties: same tables, same bytes
_SAMPLE_ROWS = 500  # rows looked at for a column's width


def _header_fill() -> Any:
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor="DDEBF7")


def _new_workbook() -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = "qualitykit"
    return wb


def _save(wb: Any, path: Path) -> Path:
    buf = io.BytesIO()
    wb.save(buf)
    return write_bytes(path, buf.getvalue())


def _append(ws: Any, row: Sequence[object]) -> None:
    """``ws.append(row)``, a text starting with ``=`` (from the data) kept as text: never a
    formula (openpyxl would store it as one)."""
    ws.append(list(row))
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def headers(columns: Sequence[str], lang: str) -> list[str]:
    """Column headers in ``lang``; a header shared by two columns gets the column's name added."""
    words = [vocabulary.term(str(c), lang) for c in columns]  # type: ignore[arg-type]
    out = []
    for c, w in zip(columns, words, strict=True):
        out.append(f"{w} ({c})" if words.count(w) > 1 and w != c else w)
    return out


def _value_words(lang: str) -> Mapping[str, Any]:
    from qualitykit.report.framework import _VALUE_COLUMNS  # the notebook's own mapping

    return _VALUE_COLUMNS


def fill_sheet(
    ws: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    kinds: Sequence[str],
    *,
    links: Mapping[tuple[int, int], str] | None = None,
    cells: Sequence[Sequence[str]] | None = None,
) -> None:
    """Write a table into ``ws`` with the sheet rules of the module docstring. ``rows`` hold the
    values to store; ``kinds`` the kind of each column (``cells``: of each cell, where a
    column's kind depends on the row); ``links`` (row, column) → target of cells to link
    (0-based, row 0 is the first data row)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    _append(ws, header)
    bold, fill = Font(bold=True), _header_fill()
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [display_width(str(h)) for h in header]
    for r, row in enumerate(rows):
        _append(ws, row)
        if r < _SAMPLE_ROWS:
            for j, v in enumerate(row):
                if v is not None:
                    pct = kinds[j] in ("percent", "by_unit") and isinstance(v, float)
                    text = f"{v:.1%}" if pct else str(v)
                    widths[j] = max(widths[j], display_width(text))
    for j, kind in enumerate(kinds, start=1):
        fmt = FORMATS.get(kind, "General")
        wrap = widths[j - 1] > WIDTH_MAX
        for i, (cell,) in enumerate(ws.iter_rows(min_row=2, min_col=j, max_col=j)):
            cell.number_format = fmt if cells is None else FORMATS.get(cells[i][j - 1], "General")
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(WIDTH_MIN, min(WIDTH_MAX, widths[j - 1] + 2))
    for (r, c), target in (links or {}).items():
        cell = ws.cell(row=r + 2, column=c + 1)
        cell.hyperlink = target
        cell.style = "Hyperlink"
        cell.number_format = FORMATS.get(kinds[c], "General")
    ws.freeze_panes = "A2"
    if ws.max_row >= 1 and header:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(ws.max_row, 1)}"


def _contents(
    wb: Any, title: str, entries: Sequence[tuple[str, str, int]], lang: str, name: str
) -> None:
    """The first sheet: the title, then each sheet with its title, rows and a link to it."""
    from openpyxl.styles import Font

    ws = wb.active
    ws.title = name
    zh = lang == "zh"
    _append(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    header = ["工作表", "内容", "行数"] if zh else ["Sheet", "Contents", "Rows"]
    ws.append(header)
    for cell in ws[3]:
        cell.font, cell.fill = Font(bold=True), _header_fill()
    for i, (sheet, what, n) in enumerate(entries, start=4):
        _append(ws, [sheet, what, n])
        ws.cell(row=i, column=1).hyperlink = f"#'{sheet}'!A1"
        ws.cell(row=i, column=1).style = "Hyperlink"
    for letter, width in (("A", 34), ("B", 40), ("C", 8)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A4"


def report_workbook(tables: Sequence[Path], path: Path, *, title: str, lang: str = "zh") -> Path:
    """``path`` (.xlsx): each machine CSV of ``tables`` as a sheet named after its file, values
    equal to the CSV's (codes as text, coded values in words), after a contents sheet."""
    lang = vocabulary.check_lang(lang)
    contents_name = "目录" if lang == "zh" else "Contents"
    names = sheet_names([p.stem for p in tables], taken=[contents_name])
    wb = _new_workbook()
    words = _value_words(lang)
    entries = []
    sheets = []
    for p, name in zip(tables, names, strict=True):
        table = read_table(p)
        kinds = column_kinds(table)
        cols = table.columns
        rows = []
        for rec in table.rows:
            row = []
            for c, v in zip(cols, rec, strict=True):
                if c in words and v != "":
                    row.append(words[c](v, lang))
                else:
                    row.append(typed_value(v, kinds[c]))
            rows.append(row)
        kind_list = ["text" if c in words else kinds[c] for c in cols]
        per_cell = cell_kinds(table, dict(zip(cols, kind_list, strict=True)))
        sheets.append((name, headers(cols, lang), rows, kind_list, per_cell))
        entries.append((name, vocabulary.term(p.stem, lang), len(table)))  # type: ignore[arg-type]
    _contents(wb, title, entries, lang, contents_name)
    for name, header, rows, kind_list, per_cell in sheets:
        fill_sheet(wb.create_sheet(name), header, rows, kind_list, cells=per_cell)
    return _save(wb, path)


INDEX_KINDS = {"rate": "percent", "pp": "pp", "int": "int", "number": "number"}
"""Index column kinds (:class:`qualitykit.report.publish.IndexColumn`) → sheet column kinds."""
LINKS = (
    ("html", "报告页面", "Report page"),
    ("xlsx", "工作簿", "Workbook"),
    ("docx", "Word 简报", "Word brief"),
)


def index_workbook(
    path: Path,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Any],
    *,
    title: str,
    subtitle: str = "",
    lang: str = "zh",
) -> Path:
    """The run's workbook (``index.xlsx``): the index as a sheet — the columns of the index page
    (``columns``: :class:`~qualitykit.report.publish.IndexColumn`, with their labels, kinds and
    coded values in words) and a link to each report's page, workbook and Word brief (paths
    relative to the run folder, from each row's ``outputs``) — after a sheet with the title."""
    from qualitykit.report.publish import interval_text

    lang = vocabulary.check_lang(lang)
    zh = lang == "zh"
    sheet = "索引" if zh else "Index"
    about = "说明" if zh else "About"
    present = [k for k, *_ in LINKS if any((r.get("outputs") or {}).get(k) for r in rows)]
    header = [c.label for c in columns] + [
        (zh_ if zh else en) for k, zh_, en in LINKS if k in present
    ]
    kinds = ["code" if c.key == "key" else INDEX_KINDS.get(c.kind, "text") for c in columns] + [
        "text"
    ] * len(present)
    values, links = [], {}
    for i, r in enumerate(rows):
        row: list[object] = []
        for c in columns:
            v = r.get(c.key)
            if c.kind == "interval":
                text = interval_text(c, r)
                row.append(None if text == "–" else text)
            elif v is None or (isinstance(v, float) and v != v):
                row.append(None)
            elif c.kind in INDEX_KINDS:
                row.append(int(round(float(v))) if c.kind == "int" else float(v))
            else:
                text = str(v)
                row.append((c.values or {}).get(text, text))
        outputs = r.get("outputs") or {}
        for j, k in enumerate(present, start=len(columns)):
            rel = outputs.get(k)
            row.append(rel)
            if rel:
                links[(i, j)] = str(rel)
        if outputs.get("html") and columns:
            links[(i, 0)] = str(outputs["html"])
        values.append(row)
    wb = _new_workbook()
    from openpyxl.styles import Font

    ws = wb.active
    ws.title = about
    _append(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    if subtitle:
        _append(ws, [subtitle])
    ws.append(
        [
            f"见工作表“{sheet}”：每份报告一行。"
            if zh
            else f"See the sheet '{sheet}': one row per report."
        ]
    )
    ws.column_dimensions["A"].width = 100
    fill_sheet(wb.create_sheet(sheet), header, values, kinds, links=links)
    wb.active = 1
    return _save(wb, path)
