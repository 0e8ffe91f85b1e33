"""Reading and validating the policy-target files (``data/targets/*.yaml``).

The format is defined once, by the JSON Schema ``data/targets/schema.json``: every file is
validated with it (the ``jsonschema`` package, draft 2020-12), and the field tables of the
README are generated from it (:mod:`qualitykit.policy.docs`). The schema's ``errorMessage``
annotations (a message, or one per keyword, as in ajv-errors) give the messages; ``x-field``
names the field an error of a whole target is about. What JSON Schema cannot state is checked
here: region codes exist (GB/T 2260) and match the reference level, dates are calendar dates,
target ids carry the document id and are unique across files, ``clause`` is part of
``source_sentence``, a range's low does not exceed its high, the indicator is in the vocabulary
(:mod:`qualitykit.policy.vocabulary`) and the unit is the indicator's unit.

:func:`load_registry` reads and validates files or folders; problems are collected over all files
and raised together as one :class:`~qualitykit.errors.InputError` whose messages name the file,
the line, the target id and the field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from qualitykit.data import industries, regions
from qualitykit.errors import InputError, NoDataError, ParameterError, Problem
from qualitykit.paths import data_dir
from qualitykit.policy.model import Document, Phase, Reference, Registry, Target
from qualitykit.policy.vocabulary import INDICATORS, UNITS
from qualitykit.schema import YEAR_MAX, YEAR_MIN


def targets_dir() -> Path:
    """``data/targets/``: one YAML file per document, and ``schema.json``."""
    return data_dir() / "targets"


@cache
def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a target file, ``data/targets/schema.json``."""
    return json.loads((targets_dir() / "schema.json").read_text(encoding="utf-8"))


@cache
def _validator() -> Any:
    import jsonschema  # lazily: only when files are validated

    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_REF_REGION_LEVEL = {
    "national": "national",
    "provincial": "province",
    "municipal": "city",
    "county": "county",
}


# --------------------------------------------------------------------------------------------
# YAML reading: no implicit timestamps (dates stay strings), duplicate keys are errors


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping_no_duplicates(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_no_duplicates)


def read_yaml(text: str) -> Any:
    """Parse a target file's text as the registry does (dates stay strings; duplicate keys are
    errors)."""
    return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader


def _line_index(text: str) -> dict[tuple, Any]:
    """1-based line of each key: ("doc", key), ("target", index, key) and ("target", index);
    ("target_id", index) holds the id of each target."""
    lines: dict[tuple, Any] = {}
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return lines
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value_node in root.value:
        lines[("doc", key_node.value)] = key_node.start_mark.line + 1
        if key_node.value == "targets" and isinstance(value_node, yaml.SequenceNode):
            for i, item in enumerate(value_node.value):
                lines[("target", i)] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode):
                    for k, v in item.value:
                        lines[("target", i, k.value)] = k.start_mark.line + 1
                        if k.value == "id" and isinstance(v, yaml.ScalarNode):
                            lines[("target_id", i)] = v.value
    return lines


# --------------------------------------------------------------------------------------------
# problems


class _Checker:
    """Collects the problems of one file (each at most once)."""

    def __init__(self, path: Path, lines: dict[tuple, Any], raw: object):
        self.file = str(path)
        self.lines = lines
        self.raw = raw
        self.problems: list[Problem] = []

    def _add(self, problem: Problem) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def doc(self, key: str | None, message: str, value: object = None) -> None:
        line = self.lines.get(("doc", key)) if key is not None else None
        self._add(Problem(self.file, message, line, key, value))

    def target(self, i: int, key: str | None, message: str, value: object = None) -> None:
        line = self.lines.get(("target", i, key), self.lines.get(("target", i)))
        self._add(Problem(self.file, f"target '{self.target_id(i)}': {message}", line, key, value))

    def target_id(self, i: int) -> str:
        targets = self.raw.get("targets") if isinstance(self.raw, dict) else None
        t = targets[i] if isinstance(targets, list) and i < len(targets) else None
        tid = t.get("id") if isinstance(t, dict) else None
        return tid if isinstance(tid, str) else f"#{i + 1}"


def _suggest(value: object, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# --------------------------------------------------------------------------------------------
# JSON Schema errors → problems

_INSTANCE_STEPS = frozenset({"properties", "items", "additionalProperties", "prefixItems"})
_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "array": "a list",
    "object": "a mapping",
    "boolean": "true or false",
    "null": "null",
}


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = json_schema()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _nodes(schema_path: Iterable[Any]) -> list[tuple[dict[str, Any], int]]:
    """The schema objects passed on the way to a failing keyword, each with its instance depth
    (local ``$ref`` followed)."""
    node: Any = json_schema()
    depth = 0
    out: list[tuple[dict[str, Any], int]] = [(node, 0)]
    parts = list(schema_path)[:-1]  # the last part is the failing keyword itself
    i = 0
    while i < len(parts):
        key = parts[i]
        if isinstance(node, dict) and key not in node and "$ref" in node:
            node = _resolve(node["$ref"])
            out.append((node, depth))
            continue
        if isinstance(node, dict) and key in _INSTANCE_STEPS and i + 1 < len(parts):
            if key == "properties":
                node = node[key][parts[i + 1]]
                i += 2
            else:
                node = node[key]
                i += 1
            depth += 1
        else:
            node = node[key]
            i += 1
        if isinstance(node, dict):
            out.append((node, depth))
    if isinstance(node, dict) and "$ref" in node and parts:
        out.append((_resolve(node["$ref"]), depth))
    return out


def _custom(err: Any, prop: str | None) -> tuple[str | None, str | None]:
    """(errorMessage, x-field) that applies to a jsonschema error: the outermost schema object
    at the failing instance whose annotation covers the keyword (and the missing property)."""
    nodes = _nodes(err.schema_path)
    depth = nodes[-1][1] if nodes else 0
    message = field = None
    for node, d in nodes:
        if d != depth:
            continue
        if field is None and "x-field" in node:
            field = node["x-field"]
        spec = node.get("errorMessage")
        if isinstance(spec, dict):
            spec = spec.get(err.validator)
            if isinstance(spec, dict):
                spec = spec.get(prop or "")
        if isinstance(spec, str) and message is None:
            message = spec
    return message, field


def _generic(err: Any) -> str:
    v, allowed = err.validator, err.validator_value
    if v == "enum":
        values = [str(x) for x in allowed if x is not None]
        return f"must be one of {', '.join(values)}{_suggest(err.instance, values)}"
    if v == "const":
        return f"must be {allowed!r}"
    if v == "type":
        types = [allowed] if isinstance(allowed, str) else list(allowed)
        return "must be " + " or ".join(_TYPE_WORDS.get(t, t) for t in types)
    if v == "required":
        return "is required"
    if v in ("minimum", "maximum"):
        return f"must be {'at least' if v == 'minimum' else 'at most'} {allowed}"
    return str(err.message)


def _schema_problems(c: _Checker, raw: object) -> None:
    for err in _validator().iter_errors(raw):
        path = list(err.absolute_path)
        props: list[str | None] = [None]
        if err.validator == "required":
            props = [p for p in err.validator_value if p not in err.instance]
        elif err.validator == "additionalProperties":
            known = set(err.schema.get("properties", {}))
            props = sorted(str(k) for k in err.instance if k not in known)
        for prop in props:
            _schema_problem(c, err, path, prop)


def _where(parts: Iterable[Any]) -> str:
    return " ".join(f"#{p + 1}" if isinstance(p, int) else str(p) for p in parts)


def _schema_problem(c: _Checker, err: Any, path: list[Any], prop: str | None) -> None:
    """One problem from one jsonschema error: the column is the document's or the target's
    field; errors inside a field (scope, reference, a phase, a range item) say where."""
    message, field = _custom(err, prop)
    value = None if err.validator in ("required", "additionalProperties") else err.instance
    in_target = len(path) >= 2 and path[0] == "targets" and isinstance(path[1], int)
    rest = path[2:] if in_target else path
    if err.validator == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        tail = f"{_suggest(prop, allowed)}; allowed: {', '.join(allowed)}"
        if rest:  # inside a field: scope, reference, baseline, a phase
            column, message = str(rest[0]), f"unknown key '{prop}' in {_where(rest)}{tail}"
        else:
            column, message = prop, f"unknown field{tail}"
    elif rest:
        column = str(rest[0])
        inner = [*rest[1:], *([prop] if err.validator == "required" else [])]
        generic = message is None
        message = message or _generic(err)
        if inner and (generic or any(isinstance(p, int) for p in inner)):
            message = f"{_where([column, *inner])}: {message}"
    else:
        column = prop if err.validator == "required" else field
        message = message or _generic(err)
    if in_target:
        c.target(path[1], column, message, value)
    else:
        c.doc(column, message, value)


# --------------------------------------------------------------------------------------------
# the rules JSON Schema cannot state


def _date_problem(value: object) -> str | None:
    """Why a date string that has the form YYYY[-MM[-DD]] is not a date (None if it is, or if
    the schema already rejects its form)."""
    if not isinstance(value, str) or not (m := _DATE.match(value)):
        return None
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    if not YEAR_MIN <= year <= YEAR_MAX:
        return f"year must be within {YEAR_MIN}–{YEAR_MAX}"
    try:
        dt.date(year, month, day)
    except ValueError:
        return "is not a calendar date"
    return None


def _region_problem(code: object) -> str | None:
    """Why a 6-digit code string is not a GB/T 2260 division (other forms: the schema)."""
    if isinstance(code, str) and re.fullmatch(r"\d{6}", code) and not regions.is_valid_code(code):
        return "is not a known GB/T 2260 division"
    return None


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _rule_problems(c: _Checker, raw: object, path: Path) -> None:
    if not isinstance(raw, dict):
        return
    doc_id = raw.get("id")
    if isinstance(doc_id, str) and re.fullmatch(r"[a-z][a-z0-9_]*", doc_id) and doc_id != path.stem:
        c.doc("id", f"must equal the file name without .yaml ('{path.stem}')", doc_id)
    if not isinstance(doc_id, str):
        doc_id = path.stem
    if why := _region_problem(raw.get("region_code")):
        c.doc("region_code", why, raw["region_code"])
    if why := _date_problem(raw.get("date")):
        c.doc("date", why, raw["date"])
    phases = raw.get("phases")
    for j, ph in enumerate(phases if isinstance(phases, list) else []):
        if not isinstance(ph, dict):
            continue
        name = ph.get("name", f"#{j + 1}")
        for key in ("start", "end"):
            if why := _date_problem(ph.get(key)):
                c.doc("phases", f"phase '{name}' {key} {why}", ph[key])
        start, end = ph.get("start"), ph.get("end")
        if isinstance(start, str) and isinstance(end, str) and start > end:
            c.doc("phases", f"phase '{name}' ends ({end}) before it starts ({start})")
    targets = raw.get("targets")
    seen: set[str] = set()
    for i, t in enumerate(targets if isinstance(targets, list) else []):
        if not isinstance(t, dict):
            continue
        _target_rules(c, i, t, doc_id)
        tid = t.get("id")
        if isinstance(tid, str):
            if tid in seen:
                c.target(i, "id", "is used twice in this file", tid)
            seen.add(tid)


def _target_rules(c: _Checker, i: int, t: dict[str, Any], doc_id: str) -> None:
    tid = t.get("id")
    if (
        isinstance(tid, str)
        and re.fullmatch(r"[a-z][a-z0-9_]*\.\d{2,3}[a-z]?", tid)
        and not re.fullmatch(rf"{re.escape(doc_id)}\.\d{{2,3}}[a-z]?", tid)
    ):
        c.target(i, "id", f"must be '{doc_id}.' followed by 2–3 digits and an optional letter", tid)
    indicator = t.get("indicator")
    info = INDICATORS.get(indicator) if isinstance(indicator, str) else None
    if isinstance(indicator, str) and info is None:
        c.target(
            i,
            "indicator",
            f"unknown indicator{_suggest(indicator, INDICATORS)} (vocabulary: "
            "data/targets/README.md)",
            indicator,
        )
    unit, comparator = t.get("unit"), t.get("comparator")
    if (
        info is not None
        and t.get("qualitative") is not True
        and comparator != "above_reference_by"
        and unit in UNITS
    ):
        if info.unit is None:
            c.target(
                i,
                "indicator",
                "this indicator is for qualitative aims only; pick a measurable indicator or "
                "set qualitative: true",
                indicator,
            )
        elif unit != info.unit:
            c.target(i, "unit", f"indicator '{indicator}' is measured in '{info.unit}'", unit)
    rng = t.get("range")
    if isinstance(rng, list) and len(rng) == 2 and all(map(_is_number, rng)) and rng[0] > rng[1]:
        c.target(i, "range", "low must not exceed high", rng)
    ref = t.get("reference")
    if isinstance(ref, dict):
        level, code = ref.get("level"), ref.get("region_code")
        if why := _region_problem(code):
            c.target(i, "reference", f"reference region_code {why}", code)
        elif (
            isinstance(code, str)
            and re.fullmatch(r"\d{6}", code)
            and level in _REF_REGION_LEVEL
            and regions.lookup(code)["level"] != _REF_REGION_LEVEL[level]
        ):
            c.target(
                i,
                "reference",
                f"reference region_code {code} is not a {_REF_REGION_LEVEL[level]}-level "
                f"division, but level is '{level}'",
                code,
            )
    if why := _date_problem(t.get("deadline")):
        c.target(i, "deadline", why, t["deadline"])
    if why := _region_problem(t.get("region_code")):
        c.target(i, "region_code", why, t["region_code"])
    scope = t.get("scope")
    code = scope.get("industry_code") if isinstance(scope, dict) else None
    if (
        isinstance(code, str)
        and re.fullmatch(r"\d{2}", code)
        and not industries.is_valid_code(code)
    ):
        c.target(
            i,
            "scope",
            "scope 'industry_code' is not a GB/T 4754-2017 manufacturing division "
            "(2-character string 13–43)",
            code,
        )
    sentence, clause = t.get("source_sentence"), t.get("clause")
    if isinstance(sentence, str) and isinstance(clause, str) and clause not in sentence:
        c.target(i, "clause", "must be a verbatim part of source_sentence", clause)


# --------------------------------------------------------------------------------------------
# building objects


def _float(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def _date_str(value: object) -> str | None:
    return None if value is None else str(value)


def _build_target(t: dict, doc_id: str, line: int | None) -> Target:
    ref = t.get("reference")
    rng = t.get("range")
    base = t.get("baseline") or {}
    latest = t.get("latest_actual") or {}
    deadline = t.get("deadline")
    return Target(
        id=t["id"],
        document_id=doc_id,
        indicator=t["indicator"],
        qualitative=bool(t.get("qualitative", False)),
        comparator=t.get("comparator"),
        threshold=_float(t.get("threshold")),
        range=None if rng is None else (float(rng[0]), float(rng[1])),
        unit=t.get("unit"),
        reference=None if ref is None else Reference(ref["level"], ref.get("region_code")),
        direction=t.get("direction"),
        baseline_value=_float(base.get("value")),
        baseline_year=base.get("year"),
        deadline=None if deadline is None else str(deadline),
        deadline_basis=t.get("deadline_basis"),
        deadline_note=t.get("deadline_note"),
        region_code=t.get("region_code"),
        scope=MappingProxyType(dict(t.get("scope") or {})),
        source_sentence=t["source_sentence"],
        clause=t.get("clause"),
        source_sentence_simplified=t.get("source_sentence_simplified"),
        latest_actual_value=_float(latest.get("value")),
        latest_actual_year=latest.get("year"),
        note=t.get("note"),
        line=line,
    )


def _build_document(raw: dict, path: Path, lines: dict[tuple, Any]) -> Document:
    phases = tuple(
        Phase(
            p["name"],
            _date_str(p.get("start")),
            _date_str(p.get("end")),
            p.get("source_sentence"),
            p.get("note"),
        )
        for p in raw.get("phases") or []
    )
    targets = tuple(
        _build_target(t, raw["id"], lines.get(("target", i))) for i, t in enumerate(raw["targets"])
    )
    return Document(
        id=raw["id"],
        title=raw["title"],
        title_original=raw.get("title_original"),
        title_en=raw.get("title_en"),
        doc_number=raw.get("doc_number"),
        doc_type=raw.get("doc_type"),
        admin_level=raw["admin_level"],
        region_code=raw.get("region_code"),
        region_note=raw.get("region_note"),
        issuer=raw.get("issuer"),
        issuer_note=raw.get("issuer_note"),
        date=_date_str(raw.get("date")),
        date_note=raw.get("date_note"),
        source_file=raw.get("source_file"),
        source_url=raw.get("source_url"),
        script=raw["script"],
        note=raw.get("note"),
        phases=phases,
        targets=targets,
        path=path,
    )


# --------------------------------------------------------------------------------------------
# files


def _expand(paths: str | Path | Iterable[str | Path] | None) -> list[Path]:
    if paths is None:
        paths = [targets_dir()]
    elif isinstance(paths, str | Path):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        elif p.exists():
            files.append(p)
        else:
            raise ParameterError(f"target file or folder not found: {p}")
    return files


def validate_file(path: str | Path) -> list[Problem]:
    """All problems of one target file (empty list: the file is valid on its own)."""
    return _read(Path(path))[1]


def _read(path: Path) -> tuple[Document | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    try:
        raw = read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problem = getattr(exc, "problem", None) or str(exc)
        message, column = f"not valid YAML: {problem}", None
        if line is not None and (dup := re.match(r"duplicate key '(.+)'$", str(problem))):
            # the file still composes: name the target that holds the duplicate
            lines = _line_index(text)
            starts = sorted((n, k[1]) for k, n in lines.items() if len(k) == 2 and k[0] == "target")
            inside = [i for n, i in starts if n <= line]
            if inside:
                tid = lines.get(("target_id", inside[-1]), f"#{inside[-1] + 1}")
                message, column = f"target '{tid}': {message}", dup[1]
        return None, [Problem(str(path), message, line, column)]
    lines = _line_index(text)
    checker = _Checker(path, lines, raw)
    _schema_problems(checker, raw)
    _rule_problems(checker, raw, path)
    if checker.problems:
        return None, checker.problems
    return _build_document(raw, path, lines), []


def load_registry(paths: str | Path | Iterable[str | Path] | None = None) -> Registry:
    """Read and validate target files (default: every ``*.yaml`` in ``data/targets/``).

    ``paths`` may name files or folders. All problems of all files are collected and raised as one
    :class:`InputError`; each names the file, the line, the target id and the field. Document and
    target ids must be unique across the files."""
    documents: dict[str, Document] = {}
    problems: list[Problem] = []
    target_files: dict[str, Path] = {}
    for path in _expand(paths):
        doc, found = _read(path)
        problems.extend(found)
        if doc is None:
            continue
        if doc.id in documents:
            problems.append(
                Problem(
                    str(path),
                    f"document id '{doc.id}' is also used by {documents[doc.id].path}",
                    column="id",
                    value=doc.id,
                )
            )
            continue
        for t in doc.targets:
            if t.id in target_files:
                problems.append(
                    Problem(
                        str(path),
                        f"target '{t.id}', field 'id': also used in {target_files[t.id]}",
                        t.line,
                        "id",
                        t.id,
                    )
                )
            target_files[t.id] = path
        documents[doc.id] = doc
    if problems:
        raise InputError(problems)
    if not documents:
        raise NoDataError(
            f"no target files (*.yaml) found in {', '.join(map(str, _expand(paths)))}"
        )
    return Registry(documents)


def verify_sources(registry: Registry, source_dir: str | Path) -> list[Problem]:
    """Check that every ``source_sentence`` (and phase sentence) occurs verbatim in the document's
    ``source_file`` under ``source_dir``. Documents without a source file are skipped."""
    problems: list[Problem] = []
    for doc in registry.documents.values():
        if doc.source_file is None:
            continue
        src = Path(source_dir) / doc.source_file
        if not src.exists():
            problems.append(
                Problem(str(doc.path), f"source file {src} not found", column="source_file")
            )
            continue
        text = src.read_text(encoding="utf-8")
        if doc.title_original is not None and doc.title_original not in text:
            problems.append(
                Problem(
                    str(doc.path),
                    f"title_original not found verbatim in {doc.source_file}",
                    column="title_original",
                )
            )
        for t in doc.targets:
            if t.source_sentence not in text:
                problems.append(
                    Problem(
                        str(doc.path),
                        f"target '{t.id}', field 'source_sentence': not "
                        f"found verbatim in {doc.source_file}",
                        t.line,
                        "source_sentence",
                    )
                )
        for ph in doc.phases:
            if ph.source_sentence is not None and ph.source_sentence not in text:
                problems.append(
                    Problem(
                        str(doc.path),
                        f"phase '{ph.name}', field 'source_sentence': not "
                        f"found verbatim in {doc.source_file}",
                        column="phases",
                    )
                )
    return problems
