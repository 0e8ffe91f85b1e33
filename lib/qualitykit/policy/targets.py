"""Policy-target registry: what Chinese quality-programme documents promise, and by when (DESIGN §3).

Each source document has one YAML file in ``data/targets/`` (see ``data/targets/README.md`` for
the fields, the controlled vocabulary and how deadlines were derived). This module is the public
face of the registry — the one notebooks use (``from qualitykit import targets``):
:func:`load_registry` reads and validates the files (:mod:`qualitykit.policy.registry`, against
the JSON Schema ``data/targets/schema.json``); :func:`targets_table`, :func:`documents_table`,
:func:`phases_table` and :func:`vocabulary_table` give tidy DataFrames. The vocabulary
(indicators, units, comparators with Chinese and English labels) is data,
``qualitykit/policy/vocabulary.yaml`` (:mod:`qualitykit.policy.vocabulary`); the objects are in
:mod:`qualitykit.policy.model`; the README tables come from :mod:`qualitykit.policy.docs`.

A target is *quantitative* when the document gives a number for it (a threshold, a range) or
compares it with a named reference average ("高于全省平均水平"); otherwise it is kept as
``qualitative: true`` with no comparator and no threshold. Thresholds stay in the document's own
unit: ``pct`` = percent 0–100 as printed (divide by 100 to compare with a ``pass_rate``), ``pp`` =
percentage points, ``index`` and ``count`` as printed.

The scorecard that evaluates targets against data is :mod:`qualitykit.policy.scorecard`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from qualitykit.data import regions
from qualitykit.errors import ParameterError
from qualitykit.policy.docs import fields, registry_markdown
from qualitykit.policy.model import Document, Phase, Reference, Registry, Target, scope_text
from qualitykit.policy.registry import (
    json_schema,
    load_registry,
    targets_dir,
    validate_file,
    verify_sources,
)
from qualitykit.policy.vocabulary import COMPARATORS, INDICATORS, UNITS, Indicator

__all__ = [
    "COMPARATORS",
    "INDICATORS",
    "UNITS",
    "Document",
    "Indicator",
    "Phase",
    "Reference",
    "Registry",
    "Target",
    "documents_table",
    "json_schema",
    "load_registry",
    "phases_table",
    "registry_markdown",
    "targets_dir",
    "targets_table",
    "validate_file",
    "verify_sources",
    "vocabulary_table",
]


def _enum(*path: str) -> tuple[str, ...]:
    node: Any = json_schema()
    for key in path:
        node = node[key]
    return tuple(v for v in node["enum"] if v is not None)


# The enumerations and field lists of the format, as the JSON Schema states them.
_TARGET = ("$defs", "target", "properties")
SCHEMA_VERSION: int = json_schema()["properties"]["schema_version"]["const"]
REFERENCE_LEVELS = _enum(*_TARGET, "reference", "properties", "level")
ADMIN_LEVELS = _enum("properties", "admin_level")
DIRECTIONS = _enum(*_TARGET, "direction")
DEADLINE_BASES = _enum(*_TARGET, "deadline_basis")
SCRIPTS = _enum("properties", "script")
SECTORS = tuple(
    json_schema()["$defs"]["target"]["properties"]["scope"]["properties"]["sector"]["anyOf"][0][
        "enum"
    ]
)
RECOGNITION_LEVELS = tuple(
    json_schema()["$defs"]["target"]["properties"]["scope"]["properties"]["recognition_level"][
        "anyOf"
    ][0]["enum"]
)
SCOPE_KEYS, _ = fields("scope")
DOCUMENT_FIELDS, DOCUMENT_REQUIRED = fields("document")
TARGET_FIELDS, TARGET_REQUIRED = fields("target")
PHASE_FIELDS, _ = fields("phase")


# --------------------------------------------------------------------------------------------
# tables


def _registry(registry: Registry | None) -> Registry:
    return load_registry() if registry is None else registry


def _ancestor_set(code: str | None) -> set[str]:
    return set() if code is None else set(regions.ancestors(code))


_TARGET_COLUMNS: dict[str, str] = {
    "document_id": "string",
    "target_id": "string",
    "indicator": "string",
    "indicator_zh": "string",
    "qualitative": "boolean",
    "comparator": "string",
    "threshold": "Float64",
    "range_low": "Float64",
    "range_high": "Float64",
    "lower": "Float64",
    "upper": "Float64",
    "unit": "string",
    "reference_level": "string",
    "reference_region_code": "string",
    "direction": "string",
    "baseline_value": "Float64",
    "baseline_year": "Int64",
    "deadline": "string",
    "deadline_year": "Int64",
    "deadline_basis": "string",
    "deadline_note": "string",
    "region_code": "string",
    "check_level": "string",
    "product": "string",
    "industry_code": "string",
    "scope": "string",
    "source_sentence": "string",
    "clause": "string",
    "source_sentence_simplified": "string",
    "latest_actual_value": "Float64",
    "latest_actual_year": "Int64",
    "note": "string",
}


_scope_text = scope_text


def _scalar_scope(scope: Mapping[str, Any], key: str) -> str | None:
    v = scope.get(key)
    if v is None:
        return None
    return "、".join(v) if isinstance(v, list) else str(v)


def targets_table(
    registry: Registry | None = None,
    *,
    document: str | Iterable[str] | None = None,
    region_code: str | None = None,
    indicator: str | Iterable[str] | None = None,
    qualitative: bool | None = None,
) -> pd.DataFrame:
    """One row per target, in file order, optionally filtered.

    ``region_code`` keeps the targets whose region is that division or lies within it (a city
    also gets its districts' targets; ``'000000'`` keeps all with a known region).
    ``qualitative=False`` keeps the quantitative targets only.

    ========================= ==================================================================
    document_id, target_id    ids (``target_id`` = ``<document_id>.NN``)
    indicator, indicator_zh   controlled vocabulary (``INDICATORS``) and its Chinese label
    qualitative               True for an aim without a number
    comparator                ``>=``, ``<=``, ``==``, ``range``, ``above_reference(_by)``; NA if qualitative
    threshold                 single value, in ``unit``
    range_low, range_high     bounds of a range, in ``unit``
    lower, upper              the band that meets the target as written (NA = unbounded);
                              ``range`` and ``above_reference_by`` give both
    unit                      ``pct`` (percent 0–100), ``index``, ``count``, ``pp``
    reference_level, …_code   the average to beat (above_reference*)
    direction                 increase / decrease asked by a qualitative aim
    baseline_value, …_year    starting value stated by the document
    deadline, deadline_year   as written (``2010``, ``2008-09``, ``2015-12-31``) and its year
    deadline_basis, …_note    stated / derived, and how it was derived
    region_code               region the target applies to (NA: unknown)
    check_level, product,     the common scope keys, flattened (lists joined with 、)
    industry_code
    scope                     all scope keys as ``key: value; …``
    source_sentence, clause   original sentence and the part that sets this target, verbatim
    source_sentence_simplified simplified rendering of a traditional-character source
    latest_actual_value/_year latest reported actual (national targets, from data/reference)
    note                      reading of the sentence
    ========================= ==================================================================
    """
    reg = _registry(registry)
    docs = _select(reg, document)
    wanted = (
        None
        if indicator is None
        else ({indicator} if isinstance(indicator, str) else set(indicator))
    )
    if wanted is not None and (unknown := wanted - set(INDICATORS)):
        raise ParameterError(f"unknown indicator(s) {sorted(unknown)}; see targets.INDICATORS")
    if region_code is not None:
        regions.check_code(region_code)
    rows = []
    for doc in docs:
        for t in doc.targets:
            if wanted is not None and t.indicator not in wanted:
                continue
            if qualitative is not None and t.qualitative != qualitative:
                continue
            if region_code is not None and region_code not in _ancestor_set(t.region_code):
                continue
            rows.append(
                {
                    "document_id": t.document_id,
                    "target_id": t.id,
                    "indicator": t.indicator,
                    "indicator_zh": INDICATORS[t.indicator].zh,
                    "qualitative": t.qualitative,
                    "comparator": t.comparator,
                    "threshold": t.threshold,
                    "range_low": None if t.range is None else t.range[0],
                    "range_high": None if t.range is None else t.range[1],
                    "lower": t.lower,
                    "upper": t.upper,
                    "unit": t.unit,
                    "reference_level": None if t.reference is None else t.reference.level,
                    "reference_region_code": None
                    if t.reference is None
                    else t.reference.region_code,
                    "direction": t.direction,
                    "baseline_value": t.baseline_value,
                    "baseline_year": t.baseline_year,
                    "deadline": t.deadline,
                    "deadline_year": t.deadline_year,
                    "deadline_basis": t.deadline_basis,
                    "deadline_note": t.deadline_note,
                    "region_code": t.region_code,
                    "check_level": _scalar_scope(t.scope, "check_level"),
                    "product": _scalar_scope(t.scope, "product"),
                    "industry_code": _scalar_scope(t.scope, "industry_code"),
                    "scope": _scope_text(t.scope),
                    "source_sentence": t.source_sentence,
                    "clause": t.clause,
                    "source_sentence_simplified": t.source_sentence_simplified,
                    "latest_actual_value": t.latest_actual_value,
                    "latest_actual_year": t.latest_actual_year,
                    "note": t.note,
                }
            )
    return _frame(rows, _TARGET_COLUMNS)


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    return df.astype(columns)


def _select(reg: Registry, document: str | Iterable[str] | None) -> list[Document]:
    if document is None:
        return list(reg.documents.values())
    ids = [document] if isinstance(document, str) else list(document)
    return [reg.document(d) for d in ids]


_DOCUMENT_COLUMNS: dict[str, str] = {
    "document_id": "string",
    "title": "string",
    "title_en": "string",
    "doc_number": "string",
    "doc_type": "string",
    "admin_level": "string",
    "region_code": "string",
    "region_name": "string",
    "issuer": "string",
    "date": "string",
    "year": "Int64",
    "script": "string",
    "source_file": "string",
    "source_url": "string",
    "n_targets": "int64",
    "n_quantitative": "int64",
    "n_qualitative": "int64",
    "first_deadline_year": "Int64",
    "last_deadline_year": "Int64",
    "n_phases": "int64",
}


def documents_table(registry: Registry | None = None) -> pd.DataFrame:
    """One row per document.

    ==================== ===========================================================
    document_id, title   id (file name) and Chinese title; ``title_en`` English
    doc_number, doc_type 文号 (NA if none) and kind (实施方案, 意见 …)
    admin_level          national / provincial / municipal / county / town
    region_code, …_name  issuing region (NA: unknown) and its Chinese name
    issuer, date, year   issuing body, date as written, its year (NA: undated)
    script               simplified / traditional characters of the source
    source_file, …_url   where the text is
    n_targets, n_quantitative, n_qualitative   numbers of targets
    first/last_deadline_year   earliest and latest target deadline
    n_phases             programme phases recorded
    ==================== ===========================================================
    """
    reg = _registry(registry)
    rows = []
    for d in reg.documents.values():
        years = [t.deadline_year for t in d.targets if t.deadline_year is not None]
        n_qual = sum(t.qualitative for t in d.targets)
        rows.append(
            {
                "document_id": d.id,
                "title": d.title,
                "title_en": d.title_en,
                "doc_number": d.doc_number,
                "doc_type": d.doc_type,
                "admin_level": d.admin_level,
                "region_code": d.region_code,
                "region_name": None if d.region_code is None else regions.name(d.region_code),
                "issuer": d.issuer,
                "date": d.date,
                "year": None if d.date is None else int(d.date[:4]),
                "script": d.script,
                "source_file": d.source_file,
                "source_url": d.source_url,
                "n_targets": len(d.targets),
                "n_quantitative": len(d.targets) - n_qual,
                "n_qualitative": n_qual,
                "first_deadline_year": min(years, default=None),
                "last_deadline_year": max(years, default=None),
                "n_phases": len(d.phases),
            }
        )
    return _frame(rows, _DOCUMENT_COLUMNS)


_PHASE_COLUMNS: dict[str, str] = {
    "document_id": "string",
    "phase": "string",
    "order": "int64",
    "start": "string",
    "end": "string",
    "source_sentence": "string",
    "note": "string",
}


def phases_table(
    registry: Registry | None = None, *, document: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """Programme phases: ``document_id``, ``phase`` (name), ``order`` (1-based), ``start`` and
    ``end`` as written (YYYY[-MM[-DD]], NA = open), ``source_sentence``, ``note``."""
    reg = _registry(registry)
    rows = [
        {
            "document_id": d.id,
            "phase": p.name,
            "order": k,
            "start": p.start,
            "end": p.end,
            "source_sentence": p.source_sentence,
            "note": p.note,
        }
        for d in _select(reg, document)
        for k, p in enumerate(d.phases, start=1)
    ]
    return _frame(rows, _PHASE_COLUMNS)


def vocabulary_table() -> pd.DataFrame:
    """The indicator vocabulary: ``indicator``, ``unit`` (NA: qualitative aims only), ``zh``,
    ``description``, ``en`` (English label)."""
    columns = {
        "indicator": "string",
        "unit": "string",
        "zh": "string",
        "description": "string",
        "en": "string",
    }
    rows = [
        {"indicator": i.name, "unit": i.unit, "zh": i.zh, "description": i.description, "en": i.en}
        for i in INDICATORS.values()
    ]
    return _frame(rows, columns)
