"""Loading and validating the canonical tables — the stable entry point (``qualitykit.io``).

The work is split along its seams:

* :mod:`qualitykit.data.read` — reading a file as text cells: CSV (encodings detected), XLSX,
  Parquet; title rows above the header and note / source lines below a published table;
* :mod:`qualitykit.data.validate` — header mapping, the checks, the typed frame, totals, units
  by name, periods, rates (its docstring documents the columns and dtypes);
* :mod:`qualitykit.data.problems` — the report, with bounded examples per problem kind;
* :mod:`qualitykit.data.shapes` — table kinds and data shapes.

This module re-exports their public names so that ``from qualitykit.data import io`` /
``qualitykit.io.load_records(...)`` keep working.
"""

from __future__ import annotations

from qualitykit.data.problems import (
    MAX_EXAMPLES_KEPT,
    MAX_PROBLEMS_SHOWN,
    InputFileError,
    ValidationReport,
)
from qualitykit.data.read import CSV_SUFFIXES, PARQUET_SUFFIXES, XLSX_SUFFIXES
from qualitykit.data.shapes import KINDS, Kind, detect_kind
from qualitykit.data.validate import (
    MISSING_MARKERS,
    _valid_region_codes,
    load_counts,
    load_item_counts,
    load_nonconformities,
    load_records,
    load_table,
    parse_period,
    validate,
)

__all__ = [
    "CSV_SUFFIXES",
    "KINDS",
    "MAX_EXAMPLES_KEPT",
    "MAX_PROBLEMS_SHOWN",
    "MISSING_MARKERS",
    "PARQUET_SUFFIXES",
    "XLSX_SUFFIXES",
    "InputFileError",
    "Kind",
    "ValidationReport",
    "_valid_region_codes",
    "detect_kind",
    "load_counts",
    "load_item_counts",
    "load_nonconformities",
    "load_records",
    "load_table",
    "parse_period",
    "validate",
]
