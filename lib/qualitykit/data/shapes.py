"""Table kinds and data shapes: what a file holds, and what a source (a file or a folder) holds.

**Kinds** (one file): ``records`` (one row per batch), ``nonconformities`` (one row per failed
item of a batch), ``counts`` (batches and passed / nonconforming / a published rate per unit ×
period × …) and ``item_counts`` (nonconformities per test item or cause category).

**Shapes** (a source, issue 10): ``records`` (records, with or without their nonconformities),
``counts`` (counts, with or without item counts) and ``item_counts`` (item counts alone). A
folder may mix kinds only where that is meaningful (:data:`COMPATIBLE`); any other mix is one
clear message (:func:`shape_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, get_args

from qualitykit.errors import QualityKitError

__all__ = [
    "COMPATIBLE",
    "KINDS",
    "SHAPES",
    "Kind",
    "Shape",
    "ShapeError",
    "detect_kind",
    "shape_of",
]

Kind = Literal["records", "nonconformities", "counts", "item_counts"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Shape = Literal["records", "counts", "item_counts"]
SHAPES: tuple[Shape, ...] = get_args(Shape)

COMPATIBLE: dict[Shape, frozenset[str]] = {
    "records": frozenset({"records", "nonconformities"}),
    "counts": frozenset({"counts", "item_counts"}),
    "item_counts": frozenset({"item_counts"}),
}
"""The kinds a source of each shape may hold."""


class ShapeError(QualityKitError, ValueError):
    """The data's shape cannot give what was asked (e.g. records from a counts table), or a folder
    mixes kinds that do not belong together. The message is one line a notebook can show."""


def detect_kind(columns: Sequence[str]) -> Kind | None:
    """The table kind that canonical ``columns`` describe.

    ``nonconformities`` if there is ``item`` and ``batch_id``; ``item_counts`` if there is
    ``item`` with a count (``nc_count`` or ``nonconforming``) and no ``batch_id``; ``counts`` if
    there is ``batches``, ``nonconforming`` or a rate (``pass_rate`` / ``nc_rate``);
    ``nonconformities`` if there is ``item`` and no ``passed``; ``records`` if there is
    ``passed``, ``batch_id``, ``region_code`` or ``year``; else ``None``."""
    cols = set(columns)
    if "item" in cols and "batch_id" in cols and "batches" not in cols:
        return "nonconformities"
    if "item" in cols and cols & {"nc_count", "nonconforming"} and "batches" not in cols:
        return "item_counts"
    if cols & {"batches", "nonconforming", "pass_rate", "nc_rate"}:
        return "counts"
    if "nc_count" in cols:
        return "item_counts"
    if "item" in cols and "passed" not in cols:
        return "nonconformities"
    if cols & {"passed", "batch_id", "region_code", "year"}:
        return "records"
    return None


def shape_of(kinds: Iterable[tuple[str, str]]) -> Shape:
    """The shape of a source from ``(file, kind)`` pairs; :class:`ShapeError` naming the files
    when they do not belong together (records with counts, nonconformities alone …)."""
    pairs = list(kinds)
    found = {k for _, k in pairs}
    for shape in SHAPES:
        allowed = COMPATIBLE[shape]
        if found <= allowed and (shape in found or shape == "item_counts"):
            return shape
    if found == {"nonconformities"}:
        raise ShapeError(
            "nonconformities alone: the failed items need the records they belong to (one row per "
            "batch, joined by batch_id) — add the records file, or give item counts instead"
        )
    by_kind: dict[str, list[str]] = {}
    for f, k in pairs:
        by_kind.setdefault(k, []).append(f)
    listed = "; ".join(
        f"{k}: {', '.join(v[:3])}{' …' if len(v) > 3 else ''}" for k, v in by_kind.items()
    )
    raise ShapeError(
        f"the folder mixes kinds that do not belong together ({listed}); a folder may hold "
        "records with their nonconformities, or counts with item counts — put the others in a "
        "folder of their own"
    )
