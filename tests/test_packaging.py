"""The project's set-up files agree with each other (pyproject.toml is the one dependency list)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_installs_the_project_and_repeats_no_dependency():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    # python (the same floor as pyproject), pip, and a CJK font: nothing else from conda
    py_floor = _pyproject()["project"]["requires-python"].removeprefix(">=")
    assert f"python>={py_floor}" in conda
    assert "pip" in conda
    others = [d for d in conda if not re.match(r"^(python|pip)\b", d)]
    assert others == ["font-ttf-noto-cjk"], others
    # pip installs this project (editable) with extras that exist in pyproject
    assert len(pip) == 1
    m = re.fullmatch(r"-e \.\[([\w,]+)\]", pip[0])
    assert m, pip
    extras = set(m.group(1).split(","))
    assert extras <= set(_pyproject()["project"]["optional-dependencies"])


def test_every_import_of_the_library_is_a_declared_dependency():
    declared = {
        re.split(r"[<>=\[ ;]", d)[0].lower().replace("-", "_")
        for d in _pyproject()["project"]["dependencies"]
    }
    import_names = {"pyyaml": "yaml", "ipykernel": "ipykernel", "jupyterlab": "jupyterlab"}
    provided = {import_names.get(d, d) for d in declared}
    stdlib_or_own = {"qualitykit", "__future__"}
    transitive_ok = {
        "jupyter_client",
        "jupyter_core",
        "traitlets",
        "markupsafe",
        "IPython",
        "matplotlib_inline",
    }
    found: set[str] = set()
    for path in (ROOT / "lib" / "qualitykit").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])

    third_party = {
        name for name in found if name not in sys.stdlib_module_names and name not in stdlib_or_own
    }
    optional = {"distributed", "dask"}  # the "dask" extra, imported lazily
    missing = sorted(
        n for n in third_party - optional if n not in provided and n not in transitive_ok
    )
    assert missing == [], f"imported but not declared in pyproject.toml: {missing}"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./qk test" in readme
    assert "./qk demo" in readme
    assert re.search(r"^exec \./qk test$", ci, re.M)
