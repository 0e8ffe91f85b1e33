"""The project's set-up files agree with each other, and the package stands on its own.

* pyproject.toml is the one dependency list; requirements/lock.txt (generated from it by uv) is
  what ./qk installs; environment.yml installs the same lock; pre-commit runs the locked tools.
* Every module the library imports is declared; every subpackage is in the wheel.
* A wheel built from the tree works in a fresh virtual environment outside the repository:
  validate, sample, notebooks and one notebook run against the installed package.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "qualitykit"

# distribution name -> the import name(s) it provides, where they differ
IMPORT_NAMES = {
    "pyyaml": {"yaml"},
    "ipython": {"IPython"},
    "dask": {"dask", "distributed"},
    "python_docx": {"docx"},
    "adjusttext": {"adjustText"},
    "jupyterlab": {"jupyterlab"},
}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> dict[str, list[tuple[str, str]]]:
    """name -> [(version, marker)] of requirements/lock.txt (a universal lock may fork by marker)."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if m:
            pins.setdefault(canonicalize_name(m.group(1)), []).append(
                (m.group(2), (m.group(3) or "").strip())
            )
    return pins


def _pin_for_this_python(name: str) -> str:
    from packaging.markers import Marker

    for version, marker in _lock()[canonicalize_name(name)]:
        if not marker or Marker(marker).evaluate():
            return version
    raise AssertionError(f"{name}: no pin in the lock applies to this Python")


def _requirements() -> list[Requirement]:
    project = _pyproject()["project"]
    reqs = [Requirement(d) for d in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        reqs += [Requirement(d) for d in extra if not d.startswith("qualitykit")]
    return reqs


def test_every_dependency_is_locked_within_its_range():
    lock = _lock()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is declared in pyproject.toml but not in the lock"
        for version, _ in lock[name]:
            assert req.specifier.contains(version, prereleases=True), (
                f"lock has {req.name}=={version}, outside {req.specifier}: regenerate the lock"
            )
    # every locked line carries hashes: pip installs it with --require-hashes
    text = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    entries = re.findall(r"^[A-Za-z0-9_.\-]+==.*(?:\n\s+--hash=sha256:[0-9a-f]{64}.*)+", text, re.M)
    assert len(entries) == sum(len(v) for v in lock.values())


def test_jupyter_internals_are_capped_at_their_next_major():
    capped = {"papermill", "nbformat", "nbclient", "jupyter-client", "jupyter-core", "ipykernel"}
    capped |= {"ipython", "traitlets", "nbconvert"}
    found = {}
    for req in _requirements():
        name = canonicalize_name(req.name)
        if name in capped:
            found[name] = req
            uppers = [s for s in req.specifier if s.operator == "<"]
            assert uppers, f"{req.name} needs an upper bound (its next major version)"
    assert set(found) == capped


def test_environment_yml_installs_the_lock_for_the_locked_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    major_minor = ".".join(map(str, sys.version_info[:2]))
    assert f"python={major_minor}" in conda, "environment.yml pins the Python the lock is tested on"
    others = [d for d in conda if not re.match(r"^(python|pip)\b", d)]
    assert others == ["font-ttf-noto-cjk"], others
    assert pip == ["--require-hashes", "-r requirements/lock.txt"], pip
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install --no-deps -e ." in readme  # the second step for conda users


def test_pre_commit_uses_the_locked_tool_versions():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    pinned = {}
    for repo in config["repos"]:
        for hook in repo["hooks"]:
            for dep in hook.get("additional_dependencies", []):
                req = Requirement(dep)
                pinned[canonicalize_name(req.name)] = str(req.specifier).removeprefix("==")
    assert set(pinned) >= {"ruff", "jupytext", "nbstripout"}
    for name, version in pinned.items():
        assert version == _pin_for_this_python(name), f"pre-commit {name} {version} != the lock"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_import_of_the_library_is_a_declared_dependency():
    project = _pyproject()["project"]

    def provided(deps: list[str]) -> set[str]:
        out = set()
        for d in deps:
            name = canonicalize_name(Requirement(d).name).replace("-", "_")
            out |= IMPORT_NAMES.get(name, {name})
        return out

    required = provided(project["dependencies"])
    optional = provided(
        [d for v in project["optional-dependencies"].values() for d in v if "qualitykit" not in d]
    )
    found = set().union(*(_imports(p) for p in LIB.rglob("*.py")))
    third_party = {n for n in found if n not in sys.stdlib_module_names} - {"qualitykit"}
    missing = sorted(third_party - required - optional)
    assert missing == [], f"imported but not declared in pyproject.toml: {missing}"


def test_every_subpackage_is_packaged():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(LIB.parent).parts)
        for p in LIB.rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./qk test" in readme
    assert "./qk demo" in readme
    assert re.search(r"^exec \./qk test$", ci, re.M)


# ----------------------------------------------------------------------------------------------
# the wheel, installed outside the repository
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    """A fresh virtualenv outside the repository with the wheel built from this tree. Its
    dependencies come from this environment's site-packages (added by a .pth line — .pth files
    found there are not run, so the editable install of the tree stays invisible)."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("qualitykit-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "_deps_of_the_test_environment.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps"]
        + ["--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    home = tmp / "home"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("QUALITYKIT_", "PYTHON", "VIRTUAL"))
    }
    env |= {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    env |= {"PATH": f"{py.parent}{os.pathsep}{env.get('PATH', '')}"}
    work = tmp / "work"
    work.mkdir()
    return {"python": py, "env": env, "work": work, "wheel": wheel}


def _run(w: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(w["python"]), *args],
        cwd=w["work"],
        env=w["env"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_the_wheel_carries_the_data_and_the_notebooks(installed_wheel):
    r = _run(
        installed_wheel,
        "-c",
        "import qualitykit, qualitykit.paths as p; from qualitykit.data import regions;"
        "print(qualitykit.__file__); print(p.source_root()); print(p.data_dir());"
        "print(len(regions.counties())); print(sorted(x.name for x in p.notebooks_dir().glob('*.ipynb')))",
    )
    assert r.returncode == 0, r.stderr
    module, source_root, data_dir, counties, notebooks = r.stdout.splitlines()
    assert str(ROOT) not in module and "site-packages" in module
    assert source_root == "None"
    assert data_dir.endswith(os.path.join("qualitykit", "_data"))
    assert int(counties) > 2800
    assert "05_district_report.ipynb" in notebooks


@pytest.mark.slow
def test_the_installed_package_validates_samples_and_runs_a_notebook(installed_wheel):
    w = installed_wheel
    records = w["work"] / "mine.csv"
    records.write_text(
        "地区代码,年份,抽查级别,抽查批次,合格批次\n330303,2023,provincial,120,112\n"
        "330304,2023,provincial,80,77\n",
        encoding="utf-8",
    )
    r = _run(w, "-m", "qualitykit.cli", "validate", str(records))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "330303" not in r.stderr

    r = _run(w, "-m", "qualitykit.cli", "sample", "--preset", "tiny", "--out", "sample")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (w["work"] / "sample" / "manifest.json").is_file()

    r = _run(w, "-m", "qualitykit.cli", "notebooks", "nb")
    assert r.returncode == 0, r.stdout + r.stderr
    nb = w["work"] / "nb" / "01_quality_trends.ipynb"
    assert nb.is_file()
    r = _run(w, "-m", "qualitykit.cli", "notebooks", "nb")  # never overwrites
    assert r.returncode == 1 and "nothing was copied" in r.stderr

    r = _run(
        w,
        "-m",
        "papermill",
        "--no-progress-bar",
        "-k",
        "python3",
        str(nb),
        "out.ipynb",
        "-p",
        "data_source",
        str(w["work"] / "sample"),
        "-p",
        "output_dir",
        "tables",
        timeout=900,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert (w["work"] / "tables" / "summary.json").is_file() or any(
        (w["work"] / "tables").glob("*.csv")
    )


@pytest.mark.slow
def test_the_wheel_has_no_generated_sample_and_no_stray_files(installed_wheel):
    import zipfile

    names = zipfile.ZipFile(installed_wheel["wheel"]).namelist()
    assert not [n for n in names if "/generated/" in n or "__pycache__" in n or ".venv" in n]
    assert any(n.endswith("_data/regions/regions.csv") for n in names)
    assert any(n.endswith("report/templates/report.html.j2") for n in names)
