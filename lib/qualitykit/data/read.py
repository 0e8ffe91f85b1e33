"""Reading a table file as text cells: CSV (encodings detected), XLSX, Parquet — as published.

* **CSV** — the encoding is detected, never asked: a UTF-8 byte-order mark → ``utf-8-sig``; else
  strict UTF-8; else strict GB18030 (a superset of GBK and GB2312, so GBK files read as GB18030);
  else an error naming the file and the byte offset where decoding failed. The delimiter is
  ``,`` unless the header line holds more tabs or semicolons. UTF-16 files (Excel's "Unicode
  text") are refused with a message saying how to re-save them. A large CSV can be read in chunks
  (:func:`iter_csv_chunks`) so that memory stays bounded whatever the file size.
* **XLSX** (openpyxl, read-only) — the first sheet or the one named by ``sheet``; merged title
  cells read as their text; a percent-formatted number cell (``0.9213`` shown as ``92.13%``) is
  read as ``92.13%``.
* **Parquet** — one file, or a directory holding a (hive-)partitioned data set; partition keys
  are read as text (``region_code=010100`` keeps its zero).

**Tables as published** (issue 10, item 7). The header is the first of the first
:data:`HEADER_SEARCH_ROWS` rows with at least two known headers (title rows above it are kept as
``report.title`` and skipped with a note) in every format; note and source lines below the table
(``注：…``, ``数据来源：…``, ``资料来源``, ``说明``, ``Note``, ``Source``) are kept as
``report.footer`` and left out of the data. :func:`period_from_text` reads a period given only in
the title (``2019年下半年``, ``2023年第三季度``).

Every cell is read as **text** first, so codes keep their leading zeros in every format. Numbers
stored as numbers (XLSX numeric cells, Parquet integer / float columns) are written as integers
where they are whole (``2023.0`` → ``"2023"``); which cells were numbers is kept (``_Raw.numeric``)
so the validator can say when a code may have lost a leading zero.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO, StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from qualitykit import schema
from qualitykit.data.problems import Finding, ValidationReport

__all__ = [
    "CSV_SUFFIXES",
    "FOOTER",
    "HEADER_SEARCH_ROWS",
    "PARQUET_SUFFIXES",
    "XLSX_SUFFIXES",
    "iter_csv_chunks",
    "period_from_text",
    "table_files",
]

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
PARQUET_SUFFIXES = frozenset({".parquet", ".pq", ".parq"})
TABLE_SUFFIXES = frozenset({".csv", ".tsv"}) | XLSX_SUFFIXES | PARQUET_SUFFIXES
"""Files a folder is read as (``.txt`` only when named as a file: a folder's README.txt is no table)."""

PathLike = str | os.PathLike[str]
Sheet = str | int | None

HEADER_SEARCH_ROWS = 10
"""Rows searched for the header (title rows above it are allowed)."""
FOOTER = re.compile(
    r"^\s*(注|备注|说明|数据来源|资料来源|来源|附注|note|notes|source|sources)\s*(\d+\s*)?[:：.．、\s]",
    re.IGNORECASE,
)
"""A note or source line below a published table (its first non-empty cell)."""

_PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*(?:度\s*)?(?:(上半年|下半年|全年)|第?\s*([一二三四1-4])\s*季度|"
    r"([1-9]|1[0-2])\s*[-—–至~]\s*([1-9]|1[0-2])\s*月)?"
)
_ZH_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def period_from_text(text: str) -> dict[str, object] | None:
    """The period a title names: ``{"year": 2019, "half": 2, "label": "2019年下半年"}``,
    ``{"year": 2023, "quarter": 3, "label": "2023年第三季度"}``, ``{"year": 2021, "label":
    "2021年"}``; ``None`` if no single year is named (two different years: ``None`` as well)."""
    found = list(_PERIOD.finditer(text or ""))
    years = {int(m.group(1)) for m in found}
    if len(years) != 1:
        return None
    m = max(found, key=lambda m: len(m.group(0)))
    out: dict[str, object] = {"year": int(m.group(1)), "label": m.group(0).strip()}
    if m.group(2) in ("上半年", "下半年"):
        out["half"] = 1 if m.group(2) == "上半年" else 2
    elif m.group(3):
        out["quarter"] = _ZH_DIGIT[m.group(3)]
    elif m.group(4):
        out["months"] = (int(m.group(4)), int(m.group(5)))
    return out


def table_files(folder: Path) -> list[Path]:
    """The table files of a folder (CSV, XLSX, Parquet; hidden and ``_``-prefixed names skipped),
    sorted by name; a sub-folder holding Parquet files counts as one (partitioned) table, and a
    folder whose sub-folders are hive partitions (``year=2023``) is itself one table."""
    if any(p.is_dir() and "=" in p.name for p in folder.iterdir()):
        return [folder]
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "_")):
            continue
        if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES:
            out.append(p)
        elif p.is_dir() and _parquet_files(p)[0]:
            out.append(p)
    return out


def _known_headers(cells: list[object]) -> int:
    return sum(
        schema.canonical_name(v) is not None for v in cells if v is not None and str(v).strip()
    )


def _header_index(rows: list[list[object]]) -> int:
    """The header row among the first rows: the first with two or more known headers, else the
    first non-empty row."""
    for i, r in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if _known_headers(r) >= 2:
            return i
    return next((i for i, r in enumerate(rows) if any(str(v or "").strip() for v in r)), 0)


def _title_lines(rows: list[list[object]]) -> list[str]:
    out = []
    for r in rows:
        text = " ".join(str(v).strip() for v in r if v is not None and str(v).strip())
        if text:
            out.append(text)
    return out


class _Fatal(Exception):
    """The file cannot be read at all (one problem, nothing else checked)."""

    def __init__(
        self, message: str, row: int | None = None, column: str | None = None, value: object = None
    ) -> None:
        super().__init__(message)
        self.finding = Finding(column, message, [row], [value])


@dataclass
class _Raw:
    headers: list[str]
    cells: list[pd.Series]  # one str Series per column, "" for an empty cell
    rows: np.ndarray  # spreadsheet row of each data row
    numeric: dict[int, np.ndarray] = field(default_factory=dict)  # col -> cell stored as number
    header_row: int = 1
    findings: list[Finding] = field(default_factory=list)  # ragged lines etc.


def _read(path: Path, sheet: Sheet, report: ValidationReport) -> _Raw:
    if not path.exists():
        raise _Fatal("file not found" + (" (a broken link)" if path.is_symlink() else ""))
    if path.is_dir():
        if not _parquet_files(path)[0]:
            raise _Fatal(
                "is a directory, not a data file (a folder is read as a partitioned Parquet data "
                "set, or file by file when it holds CSV / XLSX / Parquet files; this one holds "
                "neither)"
            )
        fmt = "parquet"
    else:
        suffix = path.suffix.lower()
        if suffix == ".xls":
            raise _Fatal("legacy Excel 97–2003 .xls files are not supported: save as .xlsx or CSV")
        fmt = (
            "csv"
            if suffix in CSV_SUFFIXES
            else "xlsx"
            if suffix in XLSX_SUFFIXES
            else "parquet"
            if suffix in PARQUET_SUFFIXES
            else _sniff_format(path)
        )
    report.format = fmt
    if sheet is not None and fmt != "xlsx":
        report.notes.append(f"sheet {sheet!r} ignored: only XLSX files have sheets")
    if fmt == "xlsx":
        raw = _read_xlsx(path, sheet, report)
    elif fmt == "parquet":
        raw = _read_parquet(path, report)
    else:
        raw = _read_csv(path, report)
    split_footer(raw, report)
    if raw.header_row > 1:
        k = raw.header_row - 1
        report.notes.append(
            f"rows 1–{k} above the header skipped" if k > 1 else "row 1 above the header skipped"
        )
    if report.title:
        report.notes.append("title: " + " / ".join(report.title))
    return raw


def _is_footer_row(cells: list[str]) -> bool:
    filled = [c.strip() for c in cells if c.strip()]
    return bool(filled) and bool(FOOTER.match(filled[0]))


def split_footer(raw: _Raw, report: ValidationReport) -> None:
    """Remove note and source lines (and blank lines) at the end of the table; keep their text
    in ``report.footer`` with a note."""
    n = len(raw.rows)
    if not n or not raw.cells:
        return
    end, footer = n, []
    while end > 0:
        cells = [str(s.iloc[end - 1]) for s in raw.cells]
        if not any(c.strip() for c in cells):
            end -= 1
            continue
        if not _is_footer_row(cells):
            break
        footer.append(" ".join(c.strip() for c in cells if c.strip()))
        end -= 1
    if not footer:
        return
    footer.reverse()
    report.footer = footer
    raw.cells = [s.iloc[:end].reset_index(drop=True) for s in raw.cells]
    raw.numeric = {j: m[:end] for j, m in raw.numeric.items()}
    first = int(raw.rows[end]) if end < n else None
    raw.rows = raw.rows[:end]
    report.notes.append(
        f"{len(footer)} note / source line(s) below the table left out of the data"
        + (f" (from row {first})" if first else "")
        + ": "
        + " / ".join(f[:120] for f in footer)
    )


def _read_bytes(path: Path, n: int | None = None) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read() if n is None else fh.read(n)
    except PermissionError as e:
        raise _Fatal("cannot read the file: permission denied") from e
    except OSError as e:
        raise _Fatal(f"cannot read the file: {e.strerror or e}") from e


def _sniff_format(path: Path) -> str:
    head = _read_bytes(path, 4)
    if head == b"PK\x03\x04":
        return "xlsx"
    if head == b"PAR1":
        return "parquet"
    return "csv"


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) by the rule BOM → utf-8-sig; strict UTF-8; strict GB18030; else _Fatal."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _Fatal("UTF-16 text is not supported: save the file as 'CSV UTF-8' (or GB18030)")
    if data.startswith(b"PK\x03\x04"):
        raise _Fatal("this is a ZIP / XLSX file, not CSV text: give it the .xlsx extension")
    if data.startswith(b"PAR1"):
        raise _Fatal("this is a Parquet file, not CSV text: give it the .parquet extension")
    bom = data.startswith(codecs.BOM_UTF8)
    start = len(codecs.BOM_UTF8) if bom else 0
    body = memoryview(data)[start:]
    if not bytes(body[:4096]).strip() and not bytes(body).strip():
        raise _Fatal("the file is empty")
    nul = data.find(b"\x00", start)
    if nul >= 0:
        raise _Fatal(f"binary data, not a CSV text file (NUL byte at byte offset {nul})")
    if bom:
        try:
            return codecs.decode(body, "utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise _Fatal(
                f"starts with a UTF-8 byte-order mark but is not valid UTF-8: byte "
                f"0x{data[start + e.start]:02x} at byte offset {start + e.start}"
            ) from e
    try:
        return codecs.decode(body, "utf-8"), "utf-8"
    except UnicodeDecodeError as e8:
        try:
            return codecs.decode(body, "gb18030"), "gb18030"
        except UnicodeDecodeError as eg:
            raise _Fatal(
                f"cannot decode the text: not UTF-8 (byte 0x{data[e8.start]:02x} at byte offset "
                f"{e8.start}) nor GB18030/GBK (byte 0x{data[eg.start]:02x} at byte offset "
                f"{eg.start}); save the file as 'CSV UTF-8'"
            ) from eg


_BAD_LINE = re.compile(r"line (\d+): expected (\d+) fields?, saw (\d+)")


def _sniff_layout(text: str, path: Path) -> tuple[str, int, list[str]]:
    """(delimiter, number of title lines above the header, title texts) from the file's start."""
    head = text[:65536]
    lines = head.splitlines()[: HEADER_SEARCH_ROWS + 1]
    if path.suffix.lower() == ".tsv":
        sep = "\t"
    else:
        sep = ","
        best = -1
        for c in (",", "\t", ";"):
            try:
                rows = list(csv.reader(lines, delimiter=c))
            except csv.Error:
                continue
            score = max((_known_headers(r) for r in rows), default=0) * 1000 + max(
                (len(r) for r in rows), default=0
            )
            if score > best or (score == best and c == ","):
                sep, best = c, score
    try:
        rows = list(csv.reader(lines, delimiter=sep))
    except csv.Error:
        return sep, 0, []
    idx = _header_index(rows) if rows else 0
    return sep, idx, _title_lines(rows[:idx])


def _csv_options(sep: str, skip: int) -> dict[str, object]:
    return {
        "sep": sep,
        "header": None,
        "skiprows": skip,
        "dtype": str,
        "keep_default_na": False,
        "na_filter": False,
        "skip_blank_lines": False,
        "on_bad_lines": "warn",
        "engine": "c",
    }


def _parser_fatal(e: Exception, skip: int) -> _Fatal:
    if isinstance(e, pd.errors.EmptyDataError):
        return _Fatal("the file is empty")
    m = re.search(r"EOF inside string starting at row (\d+)", str(e))
    if m:  # the parser counts rows from 0 (the header)
        msg = "a quoted cell starting in this row is never closed (unbalanced '\"')"
        return _Fatal(msg, row=int(m.group(1)) + 1 + skip)
    detail = str(e).removeprefix("Error tokenizing data. ")
    return _Fatal(f"cannot parse the CSV: {detail}")


def _bad_lines(caught: list[warnings.WarningMessage]) -> list[tuple[int, int, int]]:
    return sorted(
        tuple(int(x) for x in m) for w in caught for m in _BAD_LINE.findall(str(w.message))
    )


def _shifted_rows(n: int, first: int, bad: list[tuple[int, int, int]]) -> np.ndarray:
    """Spreadsheet rows of ``n`` data rows whose unshifted first row is ``first``, given all
    ragged lines skipped so far (line numbers of the file)."""
    rows = np.arange(n, dtype=np.int64) + first
    if bad:
        lines = np.array([b[0] for b in bad], dtype=np.int64)
        rows = rows + np.searchsorted(lines - np.arange(len(lines)), rows, side="right")
    return rows


def _ragged(bad: list[tuple[int, int, int]]) -> Finding:
    return Finding(
        None,
        "row has more cells than the header",
        [b[0] for b in bad],
        [None] * len(bad),
        [f"row has {b[2]} cells, the header has {b[1]}" for b in bad],
    )


def _read_csv(path: Path, report: ValidationReport) -> _Raw:
    data = _read_bytes(path)
    text, report.encoding = _decode(data)
    sep, skip, report.title = _sniff_layout(text, path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # UTF-8 (already checked strictly) is parsed from the bytes, GB18030 from the text
            buf = BytesIO(data[3:] if report.encoding == "utf-8-sig" else data)
            df = pd.read_csv(
                buf if report.encoding != "gb18030" else StringIO(text),
                encoding="utf-8",
                **_csv_options(sep, skip),
            )
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as e:
            raise _parser_fatal(e, skip) from e
    del text, data
    bad = [(b[0] + skip, b[1], b[2]) for b in _bad_lines(caught)]
    headers = ["" if h is None else str(h) for h in df.iloc[0].tolist()] if len(df) else []
    body = df.iloc[1:]
    rows = _shifted_rows(len(body), 2 + skip, bad)
    findings = [_ragged(bad)] if bad else []
    cells = [body.iloc[:, j].reset_index(drop=True) for j in range(body.shape[1])]
    return _Raw(headers, cells, rows, header_row=1 + skip, findings=findings)


def _detect_encoding_streaming(path: Path, block: int = 1 << 23) -> str:
    """The encoding by the rule of :func:`_decode`, reading ``block`` bytes at a time."""
    with path.open("rb") as fh:
        start = fh.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise _Fatal("UTF-16 text is not supported: save the file as 'CSV UTF-8' (or GB18030)")
        bom = start.startswith(codecs.BOM_UTF8)
        for enc in ("utf-8", "gb18030"):
            fh.seek(3 if bom else 0)
            dec = codecs.getincrementaldecoder(enc)("strict")
            offset = fh.tell()
            try:
                while chunk := fh.read(block):
                    if b"\x00" in chunk:
                        nul = offset + chunk.index(b"\x00")
                        raise _Fatal(
                            f"binary data, not a CSV text file (NUL byte at byte offset {nul})"
                        )
                    dec.decode(chunk)
                    offset += len(chunk)
                dec.decode(b"", final=True)
            except UnicodeDecodeError as e:
                if bom or enc == "gb18030":
                    raise _Fatal(
                        f"cannot decode the text as {'UTF-8' if bom else 'UTF-8 nor GB18030/GBK'} "
                        f"(near byte offset {offset + e.start}); save the file as 'CSV UTF-8'"
                    ) from e
                continue
            return "utf-8-sig" if bom else enc
    raise AssertionError("unreachable")  # pragma: no cover


def iter_csv_chunks(path: Path, report: ValidationReport, chunk_rows: int) -> Iterator[_Raw]:
    """A CSV read ``chunk_rows`` data rows at a time, each chunk a :class:`_Raw` with the same
    headers and true spreadsheet row numbers (memory bounded by the chunk, not the file)."""
    report.format = "csv"
    report.encoding = _detect_encoding_streaming(path)
    with path.open("r", encoding=report.encoding, newline="") as fh:
        text = fh.read(65536)
    if not text.strip():
        raise _Fatal("the file is empty")
    sep, skip, report.title = _sniff_layout(text, path)
    bad: list[tuple[int, int, int]] = []
    headers: list[str] | None = None
    done = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reader = pd.read_csv(
                path, encoding=report.encoding, chunksize=chunk_rows, **_csv_options(sep, skip)
            )
            for df in reader:
                new = [(b[0] + skip, b[1], b[2]) for b in _bad_lines(caught)]
                caught.clear()
                bad = sorted(bad + new)
                if headers is None:
                    headers = ["" if h is None else str(h) for h in df.iloc[0].tolist()]
                    df = df.iloc[1:]
                rows = _shifted_rows(len(df), 2 + skip + done, bad)
                done += len(df)
                cells = [df.iloc[:, j].reset_index(drop=True) for j in range(df.shape[1])]
                yield _Raw(
                    headers,
                    cells,
                    rows,
                    header_row=1 + skip,
                    findings=[_ragged(new)] if new else [],
                )
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as e:
            raise _parser_fatal(e, skip) from e


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time() else v.isoformat(sep=" ")
    if isinstance(v, date | time):
        return v.isoformat()
    return str(v)


def _read_xlsx(path: Path, sheet: Sheet, report: ValidationReport) -> _Raw:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a corrupt file
        raise _Fatal(f"cannot read as an XLSX workbook ({type(e).__name__}: {e})") from e
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise _Fatal(
                    f"no sheet number {sheet} (0-based); the workbook has {len(names)}: "
                    + ", ".join(map(repr, names))
                )
            ws = wb.worksheets[sheet]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise _Fatal(
                f"no sheet named {sheet!r}; the workbook has: " + ", ".join(map(repr, names)),
                value=sheet,
            )
        report.sheet = ws.title
        try:
            ws.reset_dimensions()  # some writers store wrong dimensions
            grid = [tuple(_xlsx_value(c) for c in r) for r in ws.iter_rows()]
        except Exception as e:
            raise _Fatal(f"cannot read sheet {ws.title!r} ({type(e).__name__}: {e})") from e
    finally:
        wb.close()

    def empty(r: tuple) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in r)

    while grid and empty(grid[-1]):
        grid.pop()
    if not grid:
        raise _Fatal(
            "the sheet is empty" if report.sheet is None else f"sheet {report.sheet!r} is empty"
        )
    header_idx = _header_index([list(r) for r in grid])
    report.title = _title_lines([[_cell_text(v) for v in r] for r in grid[:header_idx]])
    header = list(grid[header_idx])
    while header and (header[-1] is None or str(header[-1]).strip() == ""):
        header.pop()
    width = len(header)
    body = grid[header_idx + 1 :]
    rows = np.arange(len(body), dtype=np.int64) + header_idx + 2
    findings = []
    beyond = [
        (header_idx + 2 + i, next(v for v in r[width:] if v is not None and str(v).strip()))
        for i, r in enumerate(body)
        if len(r) > width and not empty(r[width:])
    ]
    if beyond:
        findings.append(
            Finding(
                None,
                "value to the right of the last header column",
                [b[0] for b in beyond],
                [_cell_text(b[1]) for b in beyond],
            )
        )
    cells, numeric = [], {}
    for j in range(width):
        col = [r[j] if j < len(r) else None for r in body]
        cells.append(pd.Series([_cell_text(v) for v in col], dtype=str))
        isnum = np.fromiter(
            (isinstance(v, int | float) and not isinstance(v, bool) for v in col), bool, len(col)
        )
        if isnum.any():
            numeric[j] = isnum
    headers = [_cell_text(h) for h in header]
    return _Raw(headers, cells, rows, numeric, header_row=header_idx + 1, findings=findings)


def _xlsx_value(cell: object) -> object:
    """A cell's value; a number shown as a percentage (format ``0.00%``) as its text ``92.13%``."""
    v = getattr(cell, "value", None)
    fmt = getattr(cell, "number_format", None) or ""
    if isinstance(v, int | float) and not isinstance(v, bool) and "%" in fmt:
        return f"{round(v * 100, 10):g}%"
    return v


def _parquet_files(path: Path) -> tuple[list[str], int]:
    """The data files of a Parquet directory (sorted; hidden and ``_metadata``-like files
    skipped) and the number of other files."""
    files, others = [], 0
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).parts
        if not p.is_file() or any(part.startswith((".", "_")) for part in rel):
            continue
        if p.suffix.lower() in PARQUET_SUFFIXES:
            files.append(str(p))
        else:
            others += 1
    return files, others


def _read_parquet(path: Path, report: ValidationReport) -> _Raw:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    try:
        if path.is_dir():
            files, others = _parquet_files(path)
            if others:
                report.notes.append(
                    f"{others} file(s) in the directory that are not .parquet ignored"
                )
            found = ds.dataset(
                files, format="parquet", partitioning="hive", partition_base_dir=str(path)
            ).partitioning
            keys = found.schema.names if found is not None else []
            text_keys = pa.schema([(k, pa.string()) for k in keys])  # keys stay text: 010100
            part = ds.partitioning(text_keys, flavor="hive")
            table = ds.dataset(
                files, format="parquet", partitioning=part, partition_base_dir=str(path)
            ).to_table()
        else:
            table = ds.dataset(path, format="parquet").to_table()
    except (pa.ArrowException, OSError, ValueError) as e:
        raise _Fatal(f"cannot read as Parquet ({type(e).__name__}: {e})") from e
    headers, cells, numeric, findings = [], [], {}, []
    for j, name in enumerate(table.column_names):
        col = table.column(j)
        if pa.types.is_dictionary(col.type):
            col = pc.cast(col, col.type.value_type)
        t = col.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            numeric[j] = pc.is_valid(col).to_numpy(zero_copy_only=False)
        if pa.types.is_timestamp(t):
            col = pc.strftime(col, format="%Y-%m-%d %H:%M:%S")
        elif pa.types.is_null(t):
            col = pa.chunked_array([pa.nulls(len(col), pa.string())])
        elif not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            try:
                col = pc.cast(col, pa.string())
            except (pa.ArrowException, ValueError):
                findings.append(
                    Finding(name, f"unsupported Parquet column type {t}", [None], [None])
                )
                col = pa.chunked_array([pa.nulls(len(col), pa.string())])
        headers.append(name)
        cells.append(col.to_pandas().astype(str).where(col.to_pandas().notna(), ""))
    if table.num_rows == 0 and not headers:
        raise _Fatal("the Parquet data set has no columns")
    rows = np.arange(table.num_rows, dtype=np.int64) + 2
    return _Raw(headers, cells, rows, numeric, findings=findings)
