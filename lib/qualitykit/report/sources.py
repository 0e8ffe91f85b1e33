"""The data of a report: a notebook's ``data_source`` opened once, its years, and its units.

A notebook names its data with four parameters (all text, empty by default):

=====================  ======================================================================
``data_source``        ``""`` the synthetic sample; ``"sample:tiny"`` a preset of it; a file
                       (CSV / XLSX / Parquet, Chinese or English headers) or a folder of files
                       — records, counts or item counts (:mod:`qualitykit.data.source`)
``period``             the period of a table that has no year column and none in its title
``units_file``         the user's non-standard units (开发区 …): a CSV ``name,parent``
``parent_figure_file`` published parent figures: a CSV ``region_code, year, batches, passed``
                       (or ``pass_rate``), ``source``
=====================  ======================================================================

:func:`open_data` opens them through :func:`qualitykit.data.source.open_source` and keeps the
opened source for the next notebook of the same kernel (a batch run opens a user's file once per
worker, not once per district). Bad files, bad declarations and folders mixing shapes become one
:class:`ParameterError` (shown in a notebook without a traceback). The unit helpers treat a
declared non-standard unit (synthetic code ``X<parent>-<NN>``) like a county-level division of its
parent: it has a name, a city and a province, and stays a unit of its own.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pandas as pd

from qualitykit import errors
from qualitykit.data import regions
from qualitykit.data.source import Source
from qualitykit.paths import sample_dir

__all__ = [
    "SAMPLE_PREFIX",
    "ParameterError",
    "data_label",
    "common_parent",
    "data_years",
    "is_unit",
    "item_count_unit",
    "open_data",
    "own_total",
    "resolve_source",
    "source_years",
    "unit_city",
    "unit_level",
    "unit_name",
    "unit_province",
]

SAMPLE_PREFIX = "sample:"
_CACHE: OrderedDict[tuple[Any, ...], Source] = OrderedDict()
_CACHE_SIZE = 4


class ParameterError(errors.ParameterError):
    """A bad notebook parameter. In a notebook only the message is shown, no traceback."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback (InteractiveShell.showtraceback)
        return [
            f"\x1b[0;31mParameterError\x1b[0m: {line}" if i == 0 else line
            for i, line in enumerate(str(self).splitlines())
        ]


# --------------------------------------------------------------------------------------------
# opening
# --------------------------------------------------------------------------------------------


def resolve_source(data_source: str | None) -> Path | None:
    """The data source a notebook parameter names: ``""`` → None (the default sample),
    ``"sample:<preset>"`` → that preset of the sample (built on first use), else an existing path."""
    from qualitykit.data import sample

    text = (data_source or "").strip()
    if not text:
        return None
    if text.startswith(SAMPLE_PREFIX):
        preset = text[len(SAMPLE_PREFIX) :]
        if preset not in sample.PRESETS:
            raise ParameterError(
                f"data_source {text!r}: unknown sample preset {preset!r}; expected one of "
                + ", ".join(f"'{SAMPLE_PREFIX}{p}'" for p in sample.PRESETS)
            )
        if preset == "default":
            return None
        return sample.ensure_sample(sample.PRESETS[preset], path=sample_dir() / "presets" / preset)
    path = Path(text).expanduser()
    if not path.exists():
        raise ParameterError(
            f"data_source {text!r} does not exist (give a data file or folder, '' for the sample, "
            f"or '{SAMPLE_PREFIX}tiny')"
        )
    return path.resolve()


def _stamp(path: Path | None) -> Any:
    """What changes when a file or a folder of files changes (modification time and size)."""
    if path is None or not path.exists():
        return None
    st = path.stat()
    if path.is_file():
        return (st.st_mtime_ns, st.st_size)
    return (st.st_mtime_ns, tuple(sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir())))


def _optional_file(name: str, text: str) -> Path | None:
    text = (text or "").strip()
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_file():
        raise ParameterError(f"{name} {text!r} does not exist (give a CSV file, or '' for none)")
    return path.resolve()


def open_data(
    data_source: str = "",
    *,
    period: str = "",
    units_file: str = "",
    parent_figure_file: str = "",
) -> Source:
    """The :class:`~qualitykit.data.source.Source` the notebook parameters name, opened once per
    kernel (reopened when a file changes). Every problem is one :class:`ParameterError`."""
    from qualitykit.data.problems import InputFileError
    from qualitykit.data.shapes import ShapeError
    from qualitykit.data.source import open_source

    path = resolve_source(data_source)
    units = _optional_file("units_file", units_file)
    figures = _optional_file("parent_figure_file", parent_figure_file)
    key = (
        str(path), _stamp(path), (period or "").strip(), str(units), _stamp(units),
        str(figures), _stamp(figures),
    )  # fmt: skip
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    label = f"data_source {data_source!r}"
    try:
        src = open_source(
            path, period=(period or "").strip() or None, units=units, parent_figures=figures
        )
    except InputFileError as exc:
        raise ParameterError(f"{label}: the data have problems —\n{exc}") from None
    except (ShapeError, errors.ParameterError) as exc:
        raise ParameterError(f"{label}: {exc}") from None
    _CACHE[key] = src
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return src


# --------------------------------------------------------------------------------------------
# years
# --------------------------------------------------------------------------------------------


_YEARS: dict[tuple[Any, ...], tuple[int, int] | None] = {}


def source_years(src: Source) -> tuple[int, int] | None:
    """First and last year of the data (None when the data have no period): from the sample's
    manifest, the ``year`` column of a partitioned records folder, or the opened tables."""
    from qualitykit.data import dataset, sample

    if src.dataset is None:
        years = [
            f["year"].dropna()
            for k, f in src.frames.items()
            if k in ("records", "counts", "item_counts") and "year" in f
        ]
        ys = pd.concat(years) if years else pd.Series(dtype="Int64")
        return (int(ys.min()), int(ys.max())) if len(ys) else None
    key = (str(src.dataset), _stamp(src.dataset))
    if key not in _YEARS:
        manifest = sample.read_manifest(src.dataset) if src.dataset.is_dir() else None
        if manifest and manifest.get("years"):
            lo, hi = manifest["years"]
            _YEARS[key] = (int(lo), int(hi))
        else:
            y = dataset.open_records(src.dataset, columns=["year"])["year"]
            _YEARS[key] = (int(y.min()), int(y.max()))
    return _YEARS[key]


def data_years(source: Path | None) -> tuple[int, int]:
    """First and last year of the records of ``source`` (None: the default sample)."""
    from qualitykit.data.source import open_source

    years = source_years(open_source(None if source is None else Path(source).resolve()))
    if years is None:
        raise ParameterError(f"{source}: the data have no years")
    return years


# --------------------------------------------------------------------------------------------
# units: GB/T 2260 divisions and the user's non-standard units
# --------------------------------------------------------------------------------------------


def _declared(src: Source | None, code: str) -> pd.Series | None:
    if src is None or not len(src.declared):
        return None
    hit = src.declared[src.declared["code"] == code]
    return hit.iloc[0] if len(hit) else None


def is_unit(src: Source | None, code: object) -> bool:
    """A GB/T 2260 code, or the code of a non-standard unit the user declared."""
    return isinstance(code, str) and (
        regions.is_valid_code(code) or _declared(src, code) is not None
    )


def check_unit(src: Source | None, code: object, what: str = "region_code") -> str:
    """``code`` if :func:`is_unit`, else the :class:`ParameterError` of an unknown code (naming
    the declared units when there are some)."""
    if isinstance(code, str) and _declared(src, code) is not None:
        return code
    try:
        return regions.check_code(code, what) if src is None else src.check_code(code, what)
    except errors.ParameterError as exc:
        declared = [] if src is None else list(src.declared["code"].astype(str))
        extra = f" nor a declared unit ({', '.join(declared)})" if declared else ""
        raise ParameterError(str(exc) + extra) from None


def unit_name(src: Source | None, code: str, lang: str = "zh") -> str:
    """A unit's name: the declared name of a non-standard unit, else the division's name."""
    dec = _declared(src, code)
    if dec is not None:
        return str(dec["name"])
    return regions.name(code, "en" if lang == "en" else "zh")


def _anchor(src: Source | None, code: str) -> str:
    """The GB/T 2260 division a unit lies in: itself, or a declared unit's parent."""
    dec = _declared(src, code)
    return str(dec["parent_code"]) if dec is not None else code


def unit_level(src: Source | None, code: str) -> str:
    """``national``, ``province``, ``city`` or ``county`` (a declared unit counts as county)."""
    if _declared(src, code) is not None:
        return "county"
    return str(regions.lookup(code)["level"])


def unit_levels(src: Source | None, code: str) -> tuple[str, ...]:
    """Every level a unit can stand for (a city that is its own county-level unit: both)."""
    if _declared(src, code) is not None:
        return ("county",)
    return tuple(regions.levels(code))


def unit_province(src: Source | None, code: str) -> str:
    """The province of a unit (code ``PP0000``)."""
    anchor = _anchor(src, code)
    return regions.parent_code(anchor, "province")


def unit_city(src: Source | None, code: str) -> str | None:
    """The city of a unit, or None where it has none (济源市, a province's own zone)."""
    anchor = _anchor(src, code)
    if regions.lookup(anchor)["level"] in ("national", "province"):
        return None
    try:
        return regions.parent_code(anchor, "city")
    except errors.ParameterError:
        return None


def common_parent(src: Source | None, codes: list[str]) -> str | None:
    """The smallest division that holds every unit of ``codes`` and is not one of them (a
    declared unit lies within its parent): the city of a city's districts and zones, else their
    province, else the nation; None without valid codes."""
    common: list[str] | None = None
    for c in codes:
        anchor = _anchor(src, c)
        if not regions.is_valid_code(anchor):
            continue
        anc = regions.ancestors(anchor)
        if anchor == c:
            anc = anc[1:]  # a division is not its own parent
        common = anc if common is None else [a for a in common if a in anc]
    return common[0] if common else None


def own_total(src: Source, code: str, years: Any = None) -> Any:
    """The data's own total of ``code`` as :meth:`Source.parent_figure` labels it ("本数据中巴中市
    合计" / "total of 巴中市 in these data"), also when a published figure of ``code`` was given."""
    from dataclasses import replace

    return replace(src, parent_figures=None).parent_figure(code, years)


def data_label(src: Source, lang: str = "zh") -> str:
    """What to call the whole of a user's data (never 全国): the table's title, else the file
    or folder name."""
    for r in src.reports:
        if r.title:
            return " ".join(str(t) for t in r.title[:1])
    if src.location is not None:
        return src.location.stem if src.location.is_file() else src.location.name
    return "全国" if lang == "zh" else "China"


def item_count_unit(src: Source) -> str:
    """What a count of :meth:`Source.item_counts` is: ``"items"`` (项次 — one per failed test
    item of a batch: records, or a table of 不合格项次 / ``nc_count``) or ``"batches"`` (不合格批次 —
    an item-counts table whose count column is the nonconforming batches, 不合格批次数, as
    published tables often give)."""
    if src.shape == "records":
        return "items"
    canon = {
        str(c) for r in src.reports if r.kind == "item_counts" for c in (r.columns or {}).values()
    }
    return "batches" if "nonconforming" in canon and "nc_count" not in canon else "items"


def is_complete(src: Source) -> bool:
    """The data are (a preset of) the synthetic sample, which covers every division by
    construction: its province and national totals are the province's and the nation's."""
    from qualitykit.data import sample

    if src.dataset is None:
        return False
    manifest = sample.read_manifest(src.dataset) if src.dataset.is_dir() else None
    return bool(manifest and manifest.get("synthetic"))


def path_of(src: Source) -> str | None:
    """The data's location as text (None for the default sample)."""
    loc = src.dataset if src.dataset is not None else src.location
    return None if loc is None else os.fspath(loc)
