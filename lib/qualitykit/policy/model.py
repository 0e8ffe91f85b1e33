"""The objects of the policy-target registry: :class:`Target`, :class:`Document`, :class:`Phase`,
:class:`Reference` and :class:`Registry` (built by :mod:`qualitykit.policy.registry` from the
validated YAML files; the fields are those of ``data/targets/schema.json``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from qualitykit.errors import ParameterError


@dataclass(frozen=True)
class Reference:
    """The average a relative target is compared with."""

    level: str
    region_code: str | None


@dataclass(frozen=True)
class Target:
    """One target of a document (the fields of a target in ``data/targets/schema.json``)."""

    id: str
    document_id: str
    indicator: str
    qualitative: bool
    comparator: str | None
    threshold: float | None
    range: tuple[float, float] | None
    unit: str | None
    reference: Reference | None
    direction: str | None
    baseline_value: float | None
    baseline_year: int | None
    deadline: str | None
    deadline_basis: str | None
    deadline_note: str | None
    region_code: str | None
    scope: Mapping[str, Any]
    source_sentence: str
    clause: str | None
    source_sentence_simplified: str | None
    latest_actual_value: float | None
    latest_actual_year: int | None
    note: str | None
    line: int | None = None

    @property
    def lower(self) -> float | None:
        """Lowest value that meets the target (document unit); None if unbounded or qualitative."""
        if self.comparator in (">=", "==", "above_reference_by") and self.threshold is not None:
            return self.threshold
        if self.range is not None:
            return self.range[0]
        return None

    @property
    def upper(self) -> float | None:
        """Highest value the target names (document unit); None if unbounded."""
        if self.comparator in ("<=", "==") and self.threshold is not None:
            return self.threshold
        if self.range is not None:
            return self.range[1]
        return None

    @property
    def deadline_year(self) -> int | None:
        return None if self.deadline is None else int(self.deadline[:4])


@dataclass(frozen=True)
class Phase:
    """A programme phase (工作安排 / 阶段)."""

    name: str
    start: str | None
    end: str | None
    source_sentence: str | None
    note: str | None


@dataclass(frozen=True)
class Document:
    """One policy document and its targets."""

    id: str
    title: str
    title_original: str | None
    title_en: str | None
    doc_number: str | None
    doc_type: str | None
    admin_level: str
    region_code: str | None
    region_note: str | None
    issuer: str | None
    issuer_note: str | None
    date: str | None
    date_note: str | None
    source_file: str | None
    source_url: str | None
    script: str
    note: str | None
    phases: tuple[Phase, ...]
    targets: tuple[Target, ...]
    path: Path


@dataclass(frozen=True)
class Registry:
    """All documents and their targets, validated. Iterating yields the targets."""

    documents: Mapping[str, Document]
    _targets: Mapping[str, Target] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        targets = {t.id: t for d in self.documents.values() for t in d.targets}
        object.__setattr__(self, "_targets", MappingProxyType(targets))
        object.__setattr__(self, "documents", MappingProxyType(dict(self.documents)))

    def __iter__(self) -> Iterator[Target]:
        return iter(self._targets.values())

    def __len__(self) -> int:
        return len(self._targets)

    def document(self, document_id: str) -> Document:
        """The document with this id; ParameterError naming the known ids otherwise."""
        try:
            return self.documents[document_id]
        except KeyError:
            raise ParameterError(
                f"unknown target document {document_id!r}; known: {', '.join(sorted(self.documents))}"
            ) from None

    def target(self, target_id: str) -> Target:
        """The target with this id; ParameterError otherwise."""
        try:
            return self._targets[target_id]
        except KeyError:
            raise ParameterError(f"unknown target id {target_id!r}") from None


def scope_text(scope: Mapping[str, Any]) -> str | None:
    """A target's scope as ``key: value; …`` (lists joined with 、); None when empty."""
    if not scope:
        return None
    parts = [f"{k}: {'、'.join(v) if isinstance(v, list) else v}" for k, v in scope.items()]
    return "; ".join(parts)
