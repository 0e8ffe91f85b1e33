"""The ``parameters`` cell of a notebook: parse it, check parameter sets against it.

A qualitykit notebook has one cell tagged ``parameters`` holding annotated assignments of primitive
values with a help comment::

    region_code: str = "330303"  # GB/T 2260 code of the district (6 digits, a string)
    year_from: int = 2010  # first year shown

``notebook_parameters(path)`` reads them with :mod:`ast` (no kernel is started).
``check_parameter_sets(path, sets)`` checks every set before anything runs: unknown names, values
of the wrong type, region codes that are not 6-digit strings of GB/T 2260 — a code given as the
integer ``10100`` is refused rather than silently becoming ``"010100"`` or ``10100`` (papermill's own
CLI turns ``-p region_code 010100`` into the integer 10100). ``coerce_text`` turns command-line text
into the declared type, so ``010100`` stays a string where the notebook declares ``str``.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from qualitykit.errors import ParameterError

_SIMPLE_TYPES: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
    "list": list,
    "dict": dict,
}


@dataclass(frozen=True)
class ParamSpec:
    """One declared notebook parameter."""

    name: str
    type: str  # annotation text, e.g. "str", "int", "list[str]", "str | None"
    default: Any
    help: str

    @property
    def optional(self) -> bool:
        return "None" in self.type.replace(" ", "").split("|")

    @property
    def base_type(self) -> str:
        parts = [p for p in self.type.replace(" ", "").split("|") if p != "None"]
        base = parts[0] if parts else "None"
        return base.split("[", 1)[0]

    @property
    def is_region_code(self) -> bool:
        return self.name.endswith("region_code") or self.name in {"region", "within", "parent_code"}


def _parameters_cell(nb: nbformat.NotebookNode, path: Path) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(
            f"{path}: expected exactly one cell tagged 'parameters', found {len(cells)}"
        )
    return cells[0]


def parse_parameters_source(source: str, where: str = "parameters cell") -> dict[str, ParamSpec]:
    """Parse annotated assignments ``name: type = literal  # help`` of a parameters cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{where}: not valid Python ({exc.msg}, line {exc.lineno})") from exc
    lines = source.splitlines()
    specs: dict[str, ParamSpec] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            type_text = ast.unparse(node.annotation)
            value_node = node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name = node.targets[0].id
            type_text = ""
            value_node = node.value
        else:
            continue
        try:
            default = ast.literal_eval(value_node) if value_node is not None else None
        except ValueError as exc:
            raise ParameterError(
                f"{where}: the default of {name!r} is not a literal value"
            ) from exc
        if not type_text:
            type_text = type(default).__name__ if default is not None else "None"
        line = lines[node.lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line else ""
        specs[name] = ParamSpec(name, type_text, default, help_text)
    return specs


def notebook_parameters(path: str | Path) -> dict[str, ParamSpec]:
    """The declared parameters of the notebook at ``path`` (an ``.ipynb``)."""
    path = Path(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise ParameterError(f"notebook not found: {path}") from None
    except Exception as exc:
        raise ParameterError(f"{path}: not a readable notebook ({exc})") from exc
    return parse_parameters_source(_parameters_cell(nb, path).source, f"{path} (parameters cell)")


def _type_ok(spec: ParamSpec, value: Any) -> bool:
    if value is None:
        return spec.optional
    expected = _SIMPLE_TYPES.get(spec.base_type)
    if expected is None:
        return True  # an annotation we do not model: accept
    if spec.base_type in {"int", "float"} and isinstance(value, bool):
        return False
    return isinstance(value, expected)


def check_value(spec: ParamSpec, value: Any) -> list[str]:
    """Problems with one value for one declared parameter (empty list when fine)."""
    problems = []
    if not _type_ok(spec, value):
        msg = f"parameter {spec.name!r} must be {spec.type}, got {type(value).__name__} {value!r}"
        if spec.base_type == "str" and isinstance(value, int) and not isinstance(value, bool):
            msg += " — quote codes so that leading zeros survive (e.g. '010100', not 10100)"
        problems.append(msg)
        return problems
    if spec.is_region_code and isinstance(value, str) and value and not value.startswith("X"):
        # "": none / all the data; X<parent>-<NN>: a declared unit (the notebook checks it)
        from qualitykit.data.regions import check_code  # lazy: regions loads a table

        try:
            check_code(value, what=f"region code (parameter {spec.name!r})")
        except ParameterError as exc:
            problems.append(str(exc))
    return problems


def check_parameter_sets(
    path_or_specs: str | Path | dict[str, ParamSpec], parameter_sets: list[dict[str, Any]]
) -> None:
    """Check every parameter set against the notebook's parameters cell; raise one
    ParameterError listing every problem (set number, name, value) or return None."""
    specs = path_or_specs if isinstance(path_or_specs, dict) else notebook_parameters(path_or_specs)
    problems: list[str] = []
    for i, pset in enumerate(parameter_sets, start=1):
        label = f"parameter set {i}" + (f" ({_describe(pset)})" if pset else "")
        for name, value in pset.items():
            spec = specs.get(name)
            if spec is None:
                known = ", ".join(sorted(specs)) or "none"
                problems.append(
                    f"{label}: unknown parameter {name!r} (the notebook declares: {known})"
                )
                continue
            problems.extend(f"{label}: {p}" for p in check_value(spec, value))
    if problems:
        shown = problems[:50]
        more = len(problems) - len(shown)
        raise ParameterError(
            f"{len(problems)} parameter problem{'s' if len(problems) != 1 else ''}; nothing was run:\n"
            + "\n".join(f"  - {p}" for p in shown)
            + (f"\n  … and {more} more" if more else "")
        )


def _describe(pset: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in list(pset.items())[:3])
    return text if len(pset) <= 3 else text + ", …"


def coerce_text(spec: ParamSpec, text: str) -> Any:
    """Command-line or CSV text → the declared type (``"010100"`` stays a str for a str parameter)."""
    base = spec.base_type
    if spec.optional and text.strip().lower() in {"none", "null", ""}:
        return None
    try:
        if base == "str":
            return text
        if base == "int":
            return int(text)
        if base == "float":
            return float(text)
        if base == "bool":
            low = text.strip().lower()
            if low in {"true", "1", "yes", "y"}:
                return True
            if low in {"false", "0", "no", "n"}:
                return False
            raise ValueError(text)
        if base in {"list", "dict"}:
            value = json.loads(text)
            if not isinstance(value, list if base == "list" else dict):
                raise ValueError(text)
            return value
    except (ValueError, json.JSONDecodeError):
        raise ParameterError(
            f"parameter {spec.name!r}: cannot read {text!r} as {spec.type}"
        ) from None
    return text
