"""Where the package's data, the notebooks, the generated sample and the outputs live.

Two ways to run qualitykit, one set of answers:

* **From the source tree** (``./qk``, ``pip install -e .``): the top-level ``data/`` and
  ``notebooks/`` folders of the design card, the sample in ``data/sample/generated``, outputs in
  ``outputs/``.
* **From an installed wheel** (``pip install qualitykit-….whl`` in any environment): the same data
  files and notebooks travel inside the package (``qualitykit/_data``, ``qualitykit/_notebooks``,
  read-only); the sample is generated into the user's data folder
  (``platformdirs.user_data_dir("qualitykit")/sample``, or ``qualitykit sample --out DIR``) and
  outputs go to ``./outputs`` of the current folder.

Environment variables override: ``QUALITYKIT_HOME`` (a source tree to use), ``QUALITYKIT_SAMPLE_DIR``
(the generated sample), ``QUALITYKIT_OUTPUTS`` (the outputs folder).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _is_source_tree(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "lib" / "qualitykit").is_dir()


@cache
def _source_root(home: str | None) -> Path | None:
    if home:
        return Path(home).resolve()
    root = PACKAGE_DIR.parents[1]
    return root if _is_source_tree(root) and (root / "data").is_dir() else None


def source_root() -> Path | None:
    """The qualitykit source tree in use (holds ``data/``, ``notebooks/``, ``outputs/``), or None
    when the package runs from an installed wheel."""
    return _source_root(os.environ.get("QUALITYKIT_HOME"))


def project_root() -> Path:
    """The source tree, or (installed package) the package folder itself: never a folder that
    belongs to someone else (a git commit is only ever read from qualitykit's own tree)."""
    return source_root() or PACKAGE_DIR


def data_dir() -> Path:
    """The package's data files: regions, industries, cause map, targets, reference figures,
    sample tables, worked examples (``data/`` of the source tree or ``qualitykit/_data``)."""
    root = source_root()
    return root / "data" if root is not None else PACKAGE_DIR / "_data"


def notebooks_dir() -> Path:
    """The notebooks (``notebooks/`` of the source tree or ``qualitykit/_notebooks``)."""
    root = source_root()
    return root / "notebooks" if root is not None else PACKAGE_DIR / "_notebooks"


def outputs_dir() -> Path:
    """Default parent folder of rendered runs."""
    env = os.environ.get("QUALITYKIT_OUTPUTS")
    if env:
        return Path(env).resolve()
    root = source_root()
    return root / "outputs" if root is not None else Path.cwd() / "outputs"


def sample_dir() -> Path:
    """Folder of the generated sample data set (rebuilt on demand by ``qualitykit sample``)."""
    env = os.environ.get("QUALITYKIT_SAMPLE_DIR")
    if env:
        return Path(env).resolve()
    root = source_root()
    if root is not None:
        return root / "data" / "sample" / "generated"
    from platformdirs import user_data_dir

    return Path(user_data_dir("qualitykit", appauthor=False)) / "sample"
