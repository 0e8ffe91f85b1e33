"""Parameters of a run: the notebook's ``parameters`` cell, parameter files, parameter sets.

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
``read_parameter_file`` reads sets from CSV, YAML or JSON; ``expand_parameter_sets`` combines the
selections of a run (every district within a code, a code list, a file, a grid, fixed values).
"""

from __future__ import annotations

import ast
import csv
import importlib
import io
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
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
        msg = f"parameter {spec.name!r} must be {spec.type}, got {type(value).__name__} {short(value)}"
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
    text = ", ".join(f"{k}={short(v, 30)}" for k, v in list(pset.items())[:3])
    return text if len(pset) <= 3 else text + ", …"


def coerce_text(spec: ParamSpec, text: str) -> Any:
    """Command-line or CSV text → the declared type (``"010100"`` stays a str for a str parameter).

    Numbers must be written in ASCII digits: Python's ``int("٢٠٢٤")`` is 2024, which would let a
    value nobody typed as a year pass as one; integers longer than Python's limit for converting
    text (4300 digits) are refused with that reason."""
    base = spec.base_type
    if spec.optional and text.strip().lower() in {"none", "null", ""}:
        return None
    if base in {"int", "float"}:
        _check_number_text(spec, text)
    try:
        if base == "str":
            return text
        if base in {"int", "float"}:
            return int(text) if base == "int" else float(text)
        if base == "bool":
            low = text.strip().lower()
            if low in {"true", "1", "yes", "y"}:
                return True
            if low in {"false", "0", "no", "n"}:
                return False
            raise ValueError(text)
        if base in {"list", "dict"}:
            value = json.loads(text, parse_int=_json_int)
            if not isinstance(value, list if base == "list" else dict):
                raise ValueError(text)
        else:
            return text
    except (ValueError, RecursionError):
        raise ParameterError(
            f"parameter {spec.name!r}: cannot read {short(text)} as {spec.type}"
        ) from None
    check_nesting(value, f"parameter {spec.name!r}")
    return value


def _check_number_text(spec: ParamSpec, text: str) -> None:
    if not text.isascii() and any(ch.isdigit() or ch.isnumeric() for ch in text):
        raise ParameterError(
            f"parameter {spec.name!r}: {short(text)} is not a number written in ASCII digits (0-9)"
        )
    digits = sum(ch.isdigit() for ch in text)
    if digits > _INT_DIGITS:
        raise ParameterError(
            f"parameter {spec.name!r}: a number with {digits} digits is longer than Python "
            f"reads ({_INT_DIGITS} digits)"
        )


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters for a one-line message (never the repr of a
    huge structure: a list is described by its length)."""
    if isinstance(value, (list, tuple, dict, set)) and len(value) > 20:
        return f"<{type(value).__name__} of {len(value)} items>"
    text = repr(value) if not isinstance(value, str) or len(value) <= limit else repr(value[:limit])
    return text if len(text) <= limit + 2 else text[:limit] + "…"


# --------------------------------------------------------------------------------------------
# Parameter sets: files and expansion
# --------------------------------------------------------------------------------------------


MAX_FILE_BYTES = 16 * 2**20
"""Largest parameter file read (a set per district of China is ~0.2 MiB)."""
MAX_DEPTH = 10
"""Deepest nesting of lists and mappings in a parameter file (the list of sets counts as 1)."""
_INT_DIGITS = sys.get_int_max_str_digits() or 4300
_CSV_FIELD_LIMIT = csv.field_size_limit()


class _Refused(ValueError):
    """A problem found while parsing, with its line (0-based, as YAML marks count) if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def read_parameter_file(path: str | Path, specs: Mapping[str, ParamSpec]) -> list[dict[str, Any]]:
    """Parameter sets from a CSV (one row per set, text coerced to the declared types; codes stay
    strings) or a YAML/JSON list of mappings (values must already have the right types; YAML may
    also be a mapping with the list under ``parameter_sets``).

    Read safely: at most :data:`MAX_FILE_BYTES`, UTF-8 only, YAML anchors and aliases refused (a
    629-byte "billion laughs" file expands to 10⁹ strings), nesting at most :data:`MAX_DEPTH`
    levels, integers within Python's digit limit, CSV fields within 128 KiB. Every problem is one
    line naming the file (and row or line)."""
    from qualitykit.run.folder import file_system_error

    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ParameterError(
                f"{path}: {size} bytes; parameter files are limited to {MAX_FILE_BYTES} bytes"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ParameterError(f"parameter file not found: {path}") from None
    except OSError as exc:
        raise file_system_error(exc, str(path), action="read") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParameterError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, text, specs)
    try:
        if suffix in {".yaml", ".yml"}:
            data = _load_yaml(text)
        else:
            try:
                data = json.loads(text, parse_int=_json_int)
            except json.JSONDecodeError as exc:
                message = f"not valid JSON ({exc.msg}, column {exc.colno})"
                raise _Refused(message, exc.lineno - 1) from None
            except RecursionError:
                raise _Refused(f"nested more than {MAX_DEPTH} levels") from None
        check_nesting(data, "")
    except _Refused as exc:
        where = f"{path}, line {exc.line + 1}" if exc.line is not None else str(path)
        raise ParameterError(f"{where}: {exc}") from None
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}") from None
    if isinstance(data, dict) and "parameter_sets" in data:
        data = data["parameter_sets"]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise ParameterError(f"{path}: expected a list of mappings (one per parameter set)")
    return [dict(d) for d in data]


def _read_csv(path: Path, text: str, specs: Mapping[str, ParamSpec]) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    sets = []
    try:
        for row in reader:
            i = reader.line_num
            if None in row:
                raise ParameterError(f"{path}, row {i}: more fields than the header has columns")
            pset = {}
            for name, text_value in row.items():
                if name not in specs:
                    raise ParameterError(
                        f"{path}, column {short(name)}: unknown parameter (the notebook declares: "
                        f"{', '.join(sorted(specs))})"
                    )
                try:
                    pset[name] = coerce_text(specs[name], text_value or "")
                except ParameterError as exc:
                    raise ParameterError(f"{path}, row {i}: {exc}") from None
            sets.append(pset)
    except csv.Error as exc:
        row = reader.line_num + 1
        if "field larger than field limit" in str(exc):
            raise ParameterError(
                f"{path}, row {row}: a field is longer than {_CSV_FIELD_LIMIT // 1024} KiB"
            ) from None
        raise ParameterError(f"{path}, row {row}: not valid CSV ({exc})") from None
    return sets


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > _INT_DIGITS:
        raise _Refused(
            f"an integer with {len(text.lstrip('-'))} digits is longer than Python reads "
            f"({_INT_DIGITS} digits)"
        )
    return int(text)


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load`` without anchors and aliases, nesting bounded, integers checked."""
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _Refused(
                    "YAML anchors and aliases (&name, *name) are not accepted in parameter files; "
                    "write every value out",
                    event.start_mark.line,
                )
            self.depth += 1
            if self.depth > MAX_DEPTH + 1:  # + the document's own level
                raise _Refused(f"nested more than {MAX_DEPTH} levels", event.start_mark.line)
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    def checked_int(loader: Any, node: Any) -> int:
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > _INT_DIGITS:
            raise _Refused(
                f"an integer with {digits} digits is longer than Python reads "
                f"({_INT_DIGITS} digits)",
                node.start_mark.line,
            )
        return yaml.SafeLoader.construct_yaml_int(loader, node)

    Loader.add_constructor("tag:yaml.org,2002:int", checked_int)
    try:
        return yaml.load(text, Loader=Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _Refused(
            f"not valid YAML ({exc.problem or exc.context})", mark.line if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise _Refused(f"not valid YAML ({exc})") from None


def check_nesting(value: Any, where: str) -> None:
    """Raise ParameterError when ``value`` nests lists and mappings more than :data:`MAX_DEPTH`
    levels or holds text that is not valid Unicode (a lone surrogate from a ``\\udcxx`` escape)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, tuple, dict)):
            if depth > MAX_DEPTH:
                raise ParameterError(
                    f"{where + ': ' if where else ''}nested more than {MAX_DEPTH} levels"
                )
            children = list(item.items()) if isinstance(item, dict) else item
            for child in children:
                if isinstance(item, dict):
                    stack.append((child[0], depth))
                    stack.append((child[1], depth + 1))
                else:
                    stack.append((child, depth + 1))
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ParameterError(
                    f"{where + ': ' if where else ''}{short(item)} is not valid Unicode text"
                ) from None


def expand_parameter_sets(
    notebook: str | Path,
    *,
    each: str | None = None,
    within: str | None = None,
    codes: Sequence[str] | None = None,
    params_file: str | Path | None = None,
    grid: Mapping[str, Sequence[Any]] | None = None,
    fixed: Mapping[str, Any] | None = None,
    code_param: str = "region_code",
) -> list[dict[str, Any]]:
    """Parameter sets from the run options: every district (``each="district"``) or city or
    province ``within`` a code, an explicit list of ``codes``, a parameter file, a grid of values
    (cartesian product), plus ``fixed`` values for every set."""
    specs = notebook_parameters(notebook)
    file_sets = read_parameter_file(params_file, specs) if params_file else []
    sources = {
        "--each" if each else "--codes": {code_param} if (each or codes) else set(),
        "--params": {k for f in file_sets for k in f},
        "--grid": set(grid or {}),
        "-p": set(fixed or {}),
    }
    _refuse_conflicts(sources)
    base: list[dict[str, Any]] = [{}]
    if each:
        from qualitykit.data import regions

        level = {
            "district": "county",
            "county": "county",
            "city": "city",
            "province": "province",
        }.get(each)
        if level is None:
            raise ParameterError(f"--each must be district, city or province, got {each!r}")
        parent = within or regions.NATIONAL_CODE
        regions.check_code(parent, "--within code")
        kids = regions.children(parent, level=level)  # type: ignore[arg-type]
        base = [{code_param: c} for c in kids["region_code"]]
        base += [{code_param: c} for c in _units_from(notebook, parent, level, fixed, kids)]
        if not base:
            raise ParameterError(f"no {each} within {parent}")
    elif codes:
        base = [{code_param: c} for c in codes]
    if params_file:
        base = [{**b, **f} for b in base for f in file_sets]
    if grid:
        names = list(grid)
        combos = list(product(*(grid[n] for n in names)))
        base = [{**b, **dict(zip(names, combo, strict=True))} for b in base for combo in combos]
    if fixed:
        base = [{**b, **fixed} for b in base]
    check_parameter_sets(specs, base)
    return base


def _units_from(
    notebook: str | Path, parent: str, level: str, fixed: Mapping[str, Any] | None, kids: Any
) -> list[str]:
    """Units of the data that the region table does not list (declared non-standard units such
    as a 经开区), from the notebook's ``qualitykit.units_from`` hook called with the fixed
    parameters over the notebook's defaults."""
    meta = nbformat.read(str(notebook), as_version=4).metadata.get("qualitykit", {})
    target = meta.get("units_from")
    if not target:
        return []
    module, _, func = target.partition(":")
    hook = getattr(importlib.import_module(module), func)
    params = {n: s.default for n, s in notebook_parameters(notebook).items()} | dict(fixed or {})
    known = set(kids["region_code"])
    return [c for c in hook(within=parent, level=level, parameters=params) if c not in known]


def _refuse_conflicts(sources: Mapping[str, set[str]]) -> None:
    """A parameter given by two sources (e.g. ``-p fault raise`` and a ``fault`` column in
    ``--params``) is refused: one would silently win over the other."""
    names = list(sources)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            both = sorted(sources[a] & sources[b])
            if both:
                raise ParameterError(
                    f"parameter {both[0]!r} is given by {a} and by {b}: give it in one place"
                )
