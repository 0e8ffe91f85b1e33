"""The generated part of ``data/targets/README.md``: the vocabulary (:mod:`qualitykit.policy.
vocabulary`), the fields of a target file (the descriptions and ``required`` lists of the JSON
Schema ``data/targets/schema.json``, the same schema the validator uses) and one table of targets
per document. ``scripts/build_targets_docs.py`` writes it between the README's markers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from qualitykit.policy.model import Registry, Target, scope_text
from qualitykit.policy.registry import json_schema, load_registry
from qualitykit.policy.vocabulary import COMPARATOR_INFO, INDICATORS, UNIT_INFO, comparator_symbol


def fields(kind: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """(field → description, required fields) of a ``document``, ``target``, ``phase`` or
    ``scope`` in the JSON Schema."""
    schema = json_schema()
    node: Mapping[str, Any] = {
        "document": schema,
        "target": schema["$defs"]["target"],
        "phase": schema["$defs"]["phase"],
        "scope": schema["$defs"]["target"]["properties"]["scope"],
    }[kind]
    props = node["properties"]
    return (
        {k: str(v.get("description", "")) for k, v in props.items()},
        tuple(node.get("required", ())),
    )


def _md_cell(x: object) -> str:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return ""
    text = str(x).replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;")


def _md_table(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _fmt_num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def value_text(t: Target) -> str:
    """The target value as the README tables show it (``≥ 85``, ``2–5``, ``above provincial
    (430000) by 2–5``, ``(qualitative, increase)``)."""
    if t.qualitative:
        return "(qualitative" + (f", {t.direction}" if t.direction else "") + ")"
    if t.range is not None:
        value = f"{_fmt_num(t.range[0])}–{_fmt_num(t.range[1])}"
    else:
        value = _fmt_num(t.threshold)
    ref = ""
    if t.reference is not None:
        ref = f" {t.reference.level}" + (
            f" ({t.reference.region_code})" if t.reference.region_code else ""
        )
    if t.comparator == "above_reference":
        return f"above{ref}"
    if t.comparator == "above_reference_by":
        return f"above{ref} by {value}"
    if t.comparator == "range":
        return value
    return f"{comparator_symbol(t.comparator)} {value}"


def _field_table(kind: str) -> str:
    described, required = fields(kind)
    return _md_table(
        ["field", "meaning"],
        ([f"`{k}`" + (" *" if k in required else ""), v] for k, v in described.items()),
    )


def registry_markdown(registry: Registry | None = None) -> str:
    """Markdown: the vocabulary, the fields and one table of targets per document."""
    reg = load_registry() if registry is None else registry
    parts = [
        "### Indicator vocabulary",
        "",
        _md_table(
            ["indicator", "unit", "中文", "English", "meaning"],
            (
                [i.name, i.unit or "(qualitative only)", i.zh, i.en, i.description]
                for i in INDICATORS.values()
            ),
        ),
        "",
        "### Units",
        "",
        _md_table(
            ["unit", "中文", "English", "meaning"],
            ([f"`{k}`", v["zh"], v["en"], v["meaning"]] for k, v in UNIT_INFO.items()),
        ),
        "",
        "### Comparators",
        "",
        _md_table(
            ["comparator", "中文", "English", "meaning", "needs"],
            (
                [f"`{k}`", v["zh"], v["en"], v["meaning"], ", ".join(map(str, v["needs"]))]
                for k, v in COMPARATOR_INFO.items()
            ),
        ),
        "",
        "### Fields of a document",
        "",
        _field_table("document"),
        "",
        "### Fields of a target",
        "",
        _field_table("target"),
        "",
        "### Fields of a phase",
        "",
        _field_table("phase"),
        "",
        "### Scope keys",
        "",
        _md_table(["key", "meaning"], ([f"`{k}`", v] for k, v in fields("scope")[0].items())),
        "",
        "`*` = the key must be present (it may be null where the meaning allows).",
        "",
        "### Documents",
        "",
        _md_table(
            ["document", "title", "文号", "region", "date", "quantitative", "qualitative"],
            (
                [
                    d.id,
                    d.title,
                    d.doc_number,
                    d.region_code,
                    d.date,
                    sum(not t.qualitative for t in d.targets),
                    sum(t.qualitative for t in d.targets),
                ]
                for d in reg.documents.values()
            ),
        ),
        "",
    ]
    for d in reg.documents.values():
        parts += [f"### `{d.id}` — {d.title}", ""]
        if d.phases:
            parts += [
                _md_table(["phase", "start", "end"], ([p.name, p.start, p.end] for p in d.phases)),
                "",
            ]
        parts += [
            _md_table(
                ["target", "indicator", "target value", "unit", "deadline", "scope", "clause"],
                (
                    [
                        f"`{t.id}`",
                        t.indicator,
                        value_text(t),
                        t.unit,
                        (t.deadline or "")
                        + (" (derived)" if t.deadline_basis == "derived" else ""),
                        scope_text(t.scope),
                        t.clause or t.source_sentence,
                    ]
                    for t in d.targets
                ),
            ),
            "",
        ]
    return "\n".join(parts).rstrip() + "\n"
