"""The package's layers hold: no module imports from a higher layer (lazy imports inside functions
included), modules stay small, and docs/architecture.md lists the modules that exist.

Layers, low to high (docs/architecture.md): foundation (``errors``, ``paths``, ``atomic``,
``schema``) → ``stats`` → ``data`` → ``policy`` → ``report`` → ``run`` → ``explore`` → ``cli``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "qualitykit"
LAYERS = ["foundation", "stats", "data", "policy", "report", "run", "explore", "cli"]
FOUNDATION = {"errors", "paths", "atomic", "schema", "__init__"}
MAX_LINES = 800
# modules allowed beyond MAX_LINES, each with its reason
LONG_MODULES: dict[str, str] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB.parent).with_suffix("")
        name = ".".join(rel.parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "foundation"
    top = parts[1]
    if top in FOUNDATION:
        return "foundation"
    if top == "cli":
        return "cli"
    if top.startswith("_"):  # packaged data and notebooks hold no code of their own
        return "foundation"
    return top


def _aliases() -> dict[str, str]:
    """``from qualitykit import metrics`` resolves through the package's lazy aliases."""
    tree = ast.parse((LIB / "__init__.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_MODULES":
            return ast.literal_eval(node.value)
    return {}


def _imported(module: str, path: Path) -> set[str]:
    """Every qualitykit module ``module`` imports, anywhere in the file."""
    aliases = _aliases()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("qualitykit"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                src = ".".join([*base, node.module] if node.module else base)
            else:
                src = node.module or ""
            if not src.startswith("qualitykit"):
                continue
            for a in node.names:
                name = f"{src}.{a.name}"
                if src == "qualitykit" and a.name in aliases:
                    found.add(aliases[a.name])
                elif name in _modules():
                    found.add(name)
                else:
                    found.add(src)
    return found


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_module_imports_a_higher_layer(module):
    path = _modules()[module]
    here = LAYERS.index(_layer(module))
    upward = sorted(
        m for m in _imported(module, path) if LAYERS.index(_layer(m)) > here and m != "qualitykit"
    )
    assert upward == [], f"{module} ({_layer(module)}) imports from higher layers: {upward}"


def test_no_import_cycles_between_subpackages():
    edges: dict[str, set[str]] = {}
    for module, path in _modules().items():
        a = _layer(module)
        for m in _imported(module, path):
            b = _layer(m)
            if a != b and m != "qualitykit":
                edges.setdefault(a, set()).add(b)
    for a, targets in edges.items():
        for b in targets:
            assert a not in edges.get(b, set()), f"{a} and {b} import each other"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_modules_stay_small(module):
    lines = len(_modules()[module].read_text(encoding="utf-8").splitlines())
    if module in LONG_MODULES:
        return
    assert lines <= MAX_LINES, (
        f"{module} has {lines} lines (> {MAX_LINES}): split it along its seams, or add it to "
        "LONG_MODULES with the reason"
    )


def test_architecture_page_lists_every_module():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(qualitykit(?:\.[a-z_0-9]+)+)`", text))
    modules = {m for m in _modules() if not m.endswith("__init__") and m != "qualitykit"}
    missing = sorted(
        m for m in modules if m not in documented and not m.split(".")[-1].startswith("_")
    )
    stale = sorted(m for m in documented if m not in _modules())
    assert missing == [], f"docs/architecture.md does not list: {missing}"
    assert stale == [], f"docs/architecture.md lists modules that do not exist: {stale}"
