"""Exports a policy office takes into its own Excel and Word work, next to a report's machine CSVs.

Three formats (:data:`FORMATS`), opt-in (``qualitykit run … --export csv,xlsx,docx``; from Python
:func:`export_report` on any report folder):

* ``csv`` — each table also as an **Excel-safe CSV** in ``excel/<name>.csv`` (UTF-8 with BOM,
  codes as text, percentages; :mod:`qualitykit.report.exports.tables`). The machine CSVs of
  ``tables/`` are unchanged: programs read those.
* ``xlsx`` — ``<key>.xlsx``: every table a formatted sheet
  (:func:`qualitykit.report.exports.workbook.report_workbook`); a run also gets ``index.xlsx``,
  the index as a sheet with links to every report's files
  (:func:`qualitykit.report.exports.workbook.index_workbook`).
* ``docx`` — ``<key>.docx``: the report as a Word document with its sentences, tables and figures,
  in the report's language (:func:`qualitykit.report.exports.brief.report_docx`).

Everything is written atomically (:mod:`qualitykit.atomic`) into the report's own folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qualitykit.errors import ParameterError

FORMATS: tuple[str, ...] = ("csv", "xlsx", "docx")
EXCEL_CSV_DIR = "excel"
RUN_WORKBOOK = "index.xlsx"

__all__ = ["EXCEL_CSV_DIR", "FORMATS", "RUN_WORKBOOK", "export_report", "parse_formats"]


def parse_formats(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """The export formats of ``--export`` (``"xlsx,docx"``, ``"all"``, a list or None) in the order
    of :data:`FORMATS`; a ParameterError naming the unknown ones otherwise."""
    if text is None:
        return ()
    parts = text.replace("，", ",").split(",") if isinstance(text, str) else list(text)
    words = [str(p).strip().lower() for p in parts if str(p).strip()]
    if words == ["all"]:
        return FORMATS
    unknown = [w for w in words if w not in FORMATS]
    if unknown or not words:
        what = ", ".join(repr(u) for u in unknown) if unknown else "nothing"
        raise ParameterError(
            f"--export: unknown format {what}; give a comma-separated list of "
            f"{', '.join(FORMATS)} (or all)"
        )
    return tuple(f for f in FORMATS if f in words)


def export_report(
    folder: str | Path,
    formats: Iterable[str],
    *,
    key: str,
    tables: str | Path | None = None,
    notebook: Any = None,
    title: str | None = None,
    lang: str = "zh",
) -> dict[str, str]:
    """Write the ``formats`` of one report into ``folder``; return ``{format: path}`` of what was
    written, relative to ``folder``.

    ``tables``: the folder of the machine CSVs (default ``folder/tables``); ``notebook``: the
    executed notebook (an ``nbformat`` node or a path to the ``.ipynb``, needed for ``docx``);
    ``title``: the report's title (default ``key``); ``lang``: the report's language."""
    folder = Path(folder)
    fmts = parse_formats(list(formats))
    table_dir = Path(tables) if tables is not None else folder / "tables"
    csvs = sorted(table_dir.glob("*.csv")) if table_dir.is_dir() else []
    title = title or key
    written: dict[str, str] = {}
    if "csv" in fmts:  # the folder even without tables: the format is done
        from qualitykit.report.exports.tables import write_excel_csvs

        (folder / EXCEL_CSV_DIR).mkdir(parents=True, exist_ok=True)
        write_excel_csvs(csvs, folder / EXCEL_CSV_DIR)
        written["csv"] = EXCEL_CSV_DIR
    if "xlsx" in fmts:
        from qualitykit.report.exports.workbook import report_workbook

        report_workbook(csvs, folder / f"{key}.xlsx", title=title, lang=lang)
        written["xlsx"] = f"{key}.xlsx"
    if "docx" in fmts:
        if notebook is None:
            raise ParameterError("the docx export needs the executed notebook")
        import nbformat

        from qualitykit.report.exports.brief import report_docx

        nb = (
            notebook
            if isinstance(notebook, nbformat.NotebookNode)
            else nbformat.read(str(notebook), as_version=4)
        )
        report_docx(nb, folder / f"{key}.docx", title=title, lang=lang)
        written["docx"] = f"{key}.docx"
    return written
